"""The table layer: columns of any type to arrays for the network, and back.

A :class:`Table` is fitted on the training data. It gives every column a
type (inferred by the rules of :mod:`._type_rules`, or given), records what it
needs to code the column (statistics, categories, the dtype) and then:

- encodes rows into one float32 array holding the network's inputs and the
  likelihoods' targets side by side, with the observed mask of the targets;
- decodes targets (point predictions or draws) back into the original
  columns, in their order, dtypes and categories;
- says which likelihood models which target (:attr:`Table.groups`).

Column types and their codes:

=============  ==========================  ===========================  =============
type           target (the likelihood's)   network input                likelihood
=============  ==========================  ===========================  =============
real           standardised value          the target                   gaussian
quantile       standardised normal score   the target                   gaussian
               (a map fitted on its
               quantiles)
positive       standardised log1p(x / m)   the target                   gaussian
signed-log     standardised asinh(x / m)   the target                   gaussian
spiked         whether x is the atom a;    both targets, standardised   bernoulli;
               standardised x, missing     (the value 0 at a)           gaussian
               at a
zero-inflated  whether x is 0;             both targets, standardised   bernoulli;
               standardised normal score   (the score 0 at 0)           gaussian
               missing at 0
count          the count                   standardised log1p(count)    count
spiked-count   whether x is the atom a;    both targets, standardised   bernoulli;
               the count, missing at a     (log1p 0 at a)               truncated-count
binary         0 or 1 (or a value in       the target                   bernoulli
               [0, 1])
categorical    class index                 one-hot                      categorical
ordinal        level index                 standardised level index     ordinal
=============  ==========================  ===========================  =============

Targets are ordered by likelihood (``GROUPS``), so that each likelihood's
columns are contiguous; inputs keep the columns' order. A column with a
point mass has two targets, the indicator of its atom and its other values
(the targets' mask leaves those out at the atom): the likelihood of a
value is ``p`` at the atom and ``(1 - p)`` times the Gaussian's density
elsewhere (for a spiked count, times the negative binomial's probability
renormalised without the atom, ``truncated-count``). A table of real
columns only (or of binary columns only, the Bernoulli VAE on arrays) has
the same inputs and targets and stores them once: the path of numeric
arrays costs nothing more than standardising them. Nothing here knows about
scikit-learn.
"""

import dataclasses
import math

import numpy as np

from ._column_types import Column, check_training_codes, column_codes, grid_step, make_column
from ._dtypes import dtype_from_state, dtype_state, plain_value, to_dtype
from ._fills import value_kind
from ._frames import is_frame
from ._kinds import BINARY, POSITIVE, QUANTILE, REAL, TYPES  # noqa: F401 (TYPES: the table's API)
from ._utils import MAX_STANDARDISED, STATISTICS_CHUNK, RunningMoments, standardise

SQRT_2PI = math.sqrt(2 * math.pi)
GROUPS = ("gaussian", "bernoulli", "categorical", "ordinal", "count", "truncated-count")


# ------------------------------------------------------------------ table
@dataclasses.dataclass
class Moments:
    """What :meth:`Table.moments` accumulates: the running moments of the
    standardised values, and each column's number of values at its atom
    (point masses; a value there has no standardised value)."""

    scalars: RunningMoments
    at_atoms: np.ndarray


class Table:
    """The coding of a table's columns, fitted by :meth:`fit`.

    Parameters
    ----------
    columns : list of Column
        In the order of the data's columns.
    frame : bool
        Whether it was fitted on a DataFrame: :meth:`decode` then gives one.
    """

    def __init__(self, columns, frame):
        self.columns = list(columns)
        self.frame = frame
        rank = {name: i for i, name in enumerate(GROUPS)}
        # every target as (likelihood, column, whether it is a point mass's
        # indicator), by likelihood and then in the columns' order
        targets = sorted(
            [(c.likelihood, j, False) for j, c in enumerate(columns)]
            + [("bernoulli", j, True) for j, c in enumerate(columns) if c.has_point_mass],
            key=lambda t: (rank[t[0]], t[1]),
        )
        self.likelihoods = [t[0] for t in targets]
        self.order = np.array([t[1] for t in targets], dtype=int)  # target -> column
        self.indicator = np.array([t[2] for t in targets], dtype=bool)
        # targets in the columns' order already: decoding copies, not scatters
        self.in_order = bool(np.all(np.diff(self.order) > 0)) and len(targets) == len(columns)
        self.shared = all(c.is_gaussian and not c.has_point_mass for c in columns) or all(
            c.kind is BINARY and not c.labelled for c in columns
        )
        self.n_targets = len(targets)
        self.n_inputs = self.n_targets if self.shared else sum(c.n_inputs for c in columns)

    # --------------------------------------------------------------- fitting
    @classmethod
    def fit(cls, X, types=None, default="real"):
        """The table of X (a float array or a DataFrame), its types as given or inferred.

        ``types`` maps column names (positions for arrays) to a type of
        ``TYPES``; other columns of a DataFrame are inferred by
        :func:`._type_rules.infer_type`, other columns of an array get
        ``default``. With ``default="binary"``, numeric DataFrame columns are
        binary too.
        """
        types = dict(types or {})
        frame = is_frame(X)
        names = list(X.columns) if frame else list(range(X.shape[1]))
        unknown = [name for name in types if name not in names]
        if unknown:
            raise ValueError(
                f"column_types names {unknown}, which X does not have "
                f"(its columns: {names[:10]}{'...' if len(names) > 10 else ''})."
            )
        columns = [
            make_column(X.iloc[:, j] if frame else X[:, j], name, types.get(name),
                         default, frame)
            for j, name in enumerate(names)
        ]
        table = cls(columns, frame)
        codes = np.ascontiguousarray(table.codes(X), dtype=np.float64)
        for j, column in enumerate(columns):
            if column.has_grid_floor:
                column.resolution = grid_step(codes[:, j])
            if frame and column.dtype == object and not column.has_labels:
                column.whole = value_kind(X.iloc[:, j]) == "int"
        return table.set_statistics(table.moments(codes))

    def moments(self, codes, moments=None):
        """Add rows of codes to the running moments of their standardised values.

        ``codes`` are those of :meth:`codes`; ``moments`` a :class:`Moments`
        to update, or None for new ones. Chunk by chunk, this gives the
        statistics of data read in parts. What the model trains on passes
        here (``fit``, ``partial_fit``'s chunks, ``fit_chunks``' pass): a
        count above ``MAX_COUNT``, or a negative value of a positive column,
        raises (:func:`check_training_codes`).
        """
        for j, column in enumerate(self.columns):
            if column.is_count or column.kind is POSITIVE:
                check_training_codes(codes[:, j], column)
        if moments is None:
            moments = Moments(RunningMoments(len(self.columns)), np.zeros(len(self.columns)))
        moments.scalars.update(self.scalars(codes))
        for j, column in enumerate(self.columns):
            if column.has_point_mass:  # its atom has no standardised value
                moments.at_atoms[j] += np.count_nonzero(column.at_atom(codes[:, j]))
        return moments

    def scalars(self, codes):
        """The values of codes that are standardised: logs of positive and count
        codes, normal scores of quantile ones, NaN at the atoms of point masses."""
        if not any(c.kind.log_coded or c.kind.quantile_coded or c.has_point_mass
                   for c in self.columns):
            return codes
        return np.column_stack(
            [c.scalar(codes[:, j]) for j, c in enumerate(self.columns)]
        )

    def set_statistics(self, moments):
        """Standardise by the mean and scale of ``moments``, bound the
        decoded values of log- and quantile-coded columns by their range,
        and mark the columns with no observed value; returns self."""
        scalars = moments.scalars
        means, scales = scalars.statistics()
        ranges = zip(scalars.low, scalars.high)
        observed = scalars.count + moments.at_atoms
        for column, mean, scale, (low, high), count in zip(
            self.columns, means, scales, ranges, observed
        ):
            if column.is_standardised:
                column.mean, column.scale = float(mean), float(scale)
            if column.is_mapped and low <= high:
                column.low, column.high = float(low), float(high)
            column.observed = bool(count > 0)
        return self

    @property
    def unobserved(self):
        """Names of the columns with no observed value in fit."""
        return [self.columns[j].name for j in self._unobserved_positions]

    @property
    def _unobserved_positions(self):
        return [j for j, column in enumerate(self.columns) if not column.observed]

    def observed_targets(self):
        """Whether each target's column was observed in fit, in target order."""
        return np.array([self.columns[j].observed for j in self.order], dtype=bool)

    def observe_all(self):
        """Mark every column observed, until :meth:`set_statistics` decides
        again (while the chunks of a stream after the first are read)."""
        for column in self.columns:
            column.observed = True

    def widen(self, codes):
        """Widen the decoding range of the log- and quantile-coded columns to hold ``codes``.

        For :meth:`~skvae.VAETransformer.partial_fit`: the range set by the
        first chunk's statistics grows with each chunk. Returns self.
        """
        moments = self.moments(codes).scalars
        for column, low, high in zip(self.columns, moments.low, moments.high):
            if column.low is not None and low <= high:
                column.low = min(column.low, float(low))
                column.high = max(column.high, float(high))
        return self

    def _values(self, X):
        """The columns of X, as Series (frames) or array columns."""
        if is_frame(X):
            return [X.iloc[:, j] for j in range(X.shape[1])]
        return [X[:, j] for j in range(X.shape[1])]

    def to_state(self):
        """The table in plain types (saved with a model)."""
        columns = []
        for column in self.columns:
            state = dataclasses.asdict(column)
            state["name"] = plain_value(column.name)
            state["dtype"] = dtype_state(column.dtype)
            if column.categories is not None:
                state["categories"] = [plain_value(c) for c in column.categories]
            columns.append(state)
        return {"columns": columns, "frame": self.frame}

    @classmethod
    def from_state(cls, state):
        columns = []
        for column in state["columns"]:
            dtype = dtype_from_state(column["dtype"], state["frame"])
            columns.append(Column(**dict(column, dtype=dtype)))
        return cls(columns, state["frame"])

    def scale_floors(self):
        """The smallest scale of each Gaussian target, standardised (0: none).

        A real column whose values lie on a grid of step ``resolution`` gets
        ``resolution / sqrt(2 pi)`` in its own units: at that scale a
        Gaussian's peak density times the step is 1, so no value of the
        grid gets a density above the one a whole probability on its cell
        would give. Without it, a column that is almost always 0 (a pixel
        near the border) makes the scale collapse, and a new row where it is
        not 0 hundreds of nats less likely. A quantile or zero-inflated
        column gets the width in scores of its widest tie's cell in the same
        way (:func:`._quantiles.widest_tie`): a rating on a grid of five
        values, all ties, would otherwise get densities above its cells'
        whole probability.
        """
        columns = self._gaussian_columns()
        return np.array([
            c.resolution / (SQRT_2PI * c.scale) if c.has_grid_floor
            else c.widest_tie / (SQRT_2PI * c.scale)
            for c in columns
        ])

    def _gaussian_columns(self):
        """The column of each Gaussian target, in target order."""
        return [self.columns[j] for j, name in zip(self.order, self.likelihoods)
                if name == "gaussian"]

    def draw_bounds(self):
        """``(low, high)``: the standardised range of each Gaussian target's draws.

        A quantile or zero-inflated column is drawn within the range of its
        scores in fit (widened by later chunks), from its Gaussian
        truncated there. Clipped instead, the draws the Gaussian's tails put
        beyond the range piled onto its smallest and largest values: a tie
        at an end of the range (the zeros at a column's minimum, 18% of a
        column) was drawn 27% of the time, and 24% truncated; to the outer
        edges of the end values' cells, 27% again (the Gaussian's spill
        below a tie's value comes back to it). Other columns are unbounded.
        """
        columns = self._gaussian_columns()
        low, high = np.full(len(columns), -np.inf), np.full(len(columns), np.inf)
        for k, c in enumerate(columns):
            if c.has_map and c.low is not None:
                low[k], high[k] = (c.low - c.mean) / c.scale, (c.high - c.mean) / c.scale
        return low, high

    # ---------------------------------------------------------------- layout
    @property
    def groups(self):
        """``(likelihood, argument)`` of each likelihood, in target order.

        The argument is the number of targets, the number of classes of
        each column (categorical, ordinal), or each column's atom (the
        counts of spiked-count columns, which leave it out).
        """
        out = []
        for name in GROUPS:
            columns = [self.columns[j] for j, t in zip(self.order, self.likelihoods)
                       if t == name]
            if not columns:
                continue
            if name in ("categorical", "ordinal"):
                out.append((name, [len(c.categories) for c in columns]))
            elif name == "truncated-count":
                out.append((name, [c.atom for c in columns]))
            else:
                out.append((name, len(columns)))
        return out

    @property
    def types(self):
        """``{column name: type}``."""
        return {c.name: c.type for c in self.columns}

    @property
    def categories(self):
        """``{column name: labels}`` of the labelled columns, in class order."""
        return {c.name: list(c.categories) for c in self.columns
                if c.categories is not None}

    @property
    def width(self):
        """Columns of an encoded row: inputs, then targets unless shared."""
        return self.n_targets if self.shared else self.n_inputs + self.n_targets

    def split(self, data):
        """Inputs and targets of encoded rows (arrays or tensors)."""
        if self.shared:
            return data, data
        return data[..., : self.n_inputs], data[..., self.n_inputs :]

    def gaussian_inputs(self):
        """Input position of each Gaussian target, in target order.

        The Gaussian targets come first; each is its own input, standardised
        (after the indicator of its atom, for a point mass).
        """
        starts = self._input_starts()
        return [starts[j] + int(self.columns[j].has_point_mass)
                for j, name in zip(self.order, self.likelihoods) if name == "gaussian"]

    def linear_inputs(self):
        """Input positions of the Gaussian targets and of the atoms' indicators.

        What a linear start reads: the standardised scalar inputs, without
        the one-hot classes.
        """
        starts = self._input_starts()
        indicators = [starts[j] for j, c in enumerate(self.columns) if c.has_point_mass]
        return sorted([*self.gaussian_inputs(), *indicators])

    def _input_starts(self):
        """The position of each column's first input."""
        if self.shared:
            return np.arange(self.n_targets)
        return np.cumsum([0] + [c.n_inputs for c in self.columns])[:-1]

    def per_column(self, scores):
        """``(N, n_columns)`` sums of per-target ``scores`` over each column's targets."""
        if len(self.order) == len(self.columns):
            out = np.empty(scores.shape, dtype=np.float64)
            out[:, self.order] = scores
            return out
        out = np.zeros((scores.shape[0], len(self.columns)))
        for t, j in enumerate(self.order):
            out[:, j] += scores[:, t]
        return out

    def statistics(self):
        """Per-column ``(mean, scale)`` of the standardised codes (NaN: none)."""
        none = [not c.is_standardised and not self.shared for c in self.columns]
        means = np.array([np.nan if n else c.mean for c, n in zip(self.columns, none)])
        scales = np.array([np.nan if n else c.scale for c, n in zip(self.columns, none)])
        return means, scales

    def affine(self):
        """``(mean, scale)`` where rows are coded as ``(v - mean) / scale``, else None.

        ``v`` is a row's :meth:`scalars`: the values themselves in a table of
        real columns only, which codes its rows so both ways (as the
        network's inputs and targets, and back in :meth:`decode`: see
        :attr:`affine_values`), the normal scores of quantile columns beside
        real ones; every column observed in fit.
        """
        if not all(c.kind in (REAL, QUANTILE) and c.observed for c in self.columns):
            return None
        return self.statistics()

    @property
    def affine_values(self):
        """Whether :meth:`affine` codes the values themselves (real columns only)."""
        return all(c.kind is REAL for c in self.columns)

    # -------------------------------------------------------------- encoding
    def codes(self, X, *, outside="raise"):
        """``(N, n_columns)`` float64 codes in the columns' order, NaN missing.

        A value of probability 0 under its column's likelihood (a label not
        seen in fit; a number outside [0, 1] in a binary column; a negative
        or fractional count; in a positive column, a value at or below
        ``-offset``) raises a ``ValueError``; with ``outside="missing"`` it is coded as
        missing instead, and ``(codes, where)`` is returned, ``where`` the
        boolean mask of those entries, or None when there is none;
        ``outside="keep"`` codes it as it is. A column with no observed value
        in fit is coded as missing whatever it holds.
        """
        if outside == "missing":
            codes = self.codes(X, outside="keep")
            bounded = [j for j, c in enumerate(self.columns) if c.has_bounded_support]
            if not bounded:  # the common case: no mask to build
                return codes, None
            where = np.zeros(codes.shape, dtype=bool)
            for j in bounded:
                where[:, j] = self.columns[j].outside_support(codes[:, j])
            if not where.any():
                return codes, None
            return np.where(where, np.nan, codes), where
        if not is_frame(X):
            if all(c.kind is REAL for c in self.columns):
                return self._unobserved_missing(X)  # a float array is its own code
            if all(c.kind is BINARY and not c.labelled for c in self.columns):
                X = self._unobserved_missing(X)
                if outside == "raise" and (np.nanmin(X) < 0 or np.nanmax(X) > 1):
                    raise ValueError(
                        "likelihood='bernoulli' needs data in [0, 1], got values from "
                        f"{np.nanmin(X):g} to {np.nanmax(X):g}. Scale the data to "
                        "[0, 1] (e.g. MinMaxScaler) or use likelihood='gaussian'."
                    )
                return X
        check = outside == "raise"
        return np.column_stack([
            column_codes(v, c, check) if c.observed else np.full(len(v), np.nan)
            for v, c in zip(self._values(X), self.columns)
        ]).astype(np.float64, copy=False)

    def _unobserved_missing(self, codes):
        """``codes`` with the columns never observed in fit missing (a copy)."""
        hidden = self._unobserved_positions
        if not hidden:
            return codes
        codes = codes.copy()
        codes[:, hidden] = np.nan
        return codes

    def encode(self, codes):
        """Encoded rows, the targets' observed mask and the number of clipped values.

        ``codes`` are those of :meth:`codes`.

        Returns ``(data, mask, n_clipped)``: ``data`` is float32 ``(N,
        width)`` with missing entries at 0 (the training mean of standardised
        codes); ``mask`` is float32 ``(N, n_targets)`` in target order, or
        None when nothing is missing and no value is at a point mass's atom
        (whose Gaussian target it leaves out).
        """
        scalar = self.scalars(codes)
        means = np.array([c.mean for c in self.columns])
        scales = np.array([c.scale for c in self.columns])
        std, n_clipped = standardise(scalar, means, scales)
        missing = np.isnan(codes)
        at_atom = {j: c.at_atom(codes[:, j])[:, None].astype(np.float32)
                   for j, c in enumerate(self.columns) if c.has_point_mass}
        left_out = missing[:, self.order]
        for t, j in enumerate(self.order):
            if j in at_atom and not self.indicator[t]:
                left_out[:, t] |= at_atom[j][:, 0] > 0
        mask = None if not left_out.any() else (~left_out).astype(np.float32)
        if self.shared:
            return std, mask, n_clipped
        with np.errstate(over="ignore"):  # raw values beyond float32 are never
            # read: their columns (standardised, Gaussian) take ``std``
            raw = np.where(missing, 0.0, codes).astype(np.float32)
        inputs, targets = [], []
        for j, column in enumerate(self.columns):
            if column.kind.one_hot:
                inputs.append(_one_hot(codes[:, j], len(column.categories)))
            else:
                if j in at_atom:  # the indicator, standardised: 0 where missing
                    share = column.share
                    indicator = (at_atom[j] - share) / math.sqrt(share * (1 - share))
                    inputs.append(np.where(missing[:, j : j + 1], 0.0, indicator)
                                  .astype(np.float32))
                source = std if column.is_standardised else raw
                inputs.append(source[:, j : j + 1])
        for j, indicator in zip(self.order, self.indicator):
            if indicator:
                targets.append(at_atom[j])
                continue
            source = std if self.columns[j].is_gaussian else raw
            targets.append(source[:, j : j + 1])
        return np.hstack(inputs + targets), mask, n_clipped

    def far_entry(self, codes):
        """Row and column name of the first code clipped by :meth:`encode`."""
        for start in range(0, codes.shape[0], STATISTICS_CHUNK):
            block = codes[start : start + STATISTICS_CHUNK]
            for j, column in enumerate(self.columns):
                if not column.is_standardised:
                    continue
                far = np.abs((column.scalar(block[:, j]) - column.mean) / column.scale)
                rows = np.flatnonzero(far > MAX_STANDARDISED)
                if rows.size:
                    return start + rows[0], column.name
        return None, None

    def log_jacobian(self, codes):
        """Per row: log |d target / d x| summed over the observed entries of Gaussian columns.

        Adds to a density of the standardised targets to give the density
        of the rows in their own units. A value at a point mass's atom has
        a probability, not a density: it adds nothing.
        """
        log_scale = np.array(
            [np.log(c.scale) if c.is_gaussian else 0.0 for c in self.columns]
        )
        out = np.empty(codes.shape[0])
        for start in range(0, codes.shape[0], STATISTICS_CHUNK):
            block = codes[start : start + STATISTICS_CHUNK]
            observed = ~np.isnan(block)
            # a sum per row, not a matrix product: a row's value must not
            # depend on the rows around it
            terms = np.where(observed, log_scale, 0.0)
            for j, column in enumerate(self.columns):
                modelled = observed[:, j]
                if column.has_point_mass:
                    modelled = modelled & ~column.at_atom(block[:, j])
                    terms[:, j] = np.where(modelled, terms[:, j], 0.0)
                if column.is_mapped:
                    slope = column.log_scalar_slope(block[:, j])
                    terms[:, j] += np.where(modelled, slope, 0.0)
            out[start : start + STATISTICS_CHUNK] = -terms.sum(axis=1)
        return out

    # -------------------------------------------------------------- decoding
    def decode(self, targets):
        """Rows of targets (in target order) in the columns' own coding.

        Standardisation undone, counts rounded, classes mapped to their
        labels, each column cast to its dtype: a DataFrame if the table was
        fitted on one, else a float array. A column with no observed value
        in fit is missing. A point mass's column is ``p a +
        (1 - p) x`` for the probability (or draw) ``p`` of its atom ``a``
        and its other value ``x``: a draw is one or the other, an expectation
        their mean.
        """
        targets = np.asarray(targets)
        if self.in_order:
            values = targets.astype(np.float64)
        elif len(self.order) == len(self.columns):
            # scattering columns costs an order of magnitude more than a copy
            values = np.empty(targets.shape)
            values[:, self.order] = targets
        else:
            values = np.empty((targets.shape[0], len(self.columns)))
            values[:, self.order[~self.indicator]] = targets[:, ~self.indicator]
        scaled = [j for j, c in enumerate(self.columns) if c.is_gaussian]
        if scaled:  # one vectorised pass over every standardised column
            scales = np.array([self.columns[j].scale for j in scaled])
            means = np.array([self.columns[j].mean for j in scaled])
            if len(scaled) == len(self.columns):
                values *= scales
                values += means
            else:
                values[:, scaled] = values[:, scaled] * scales + means
        for j, column in enumerate(self.columns):
            if column.is_mapped:
                values[:, j] = column.unscalar(values[:, j])
        for t in np.flatnonzero(self.indicator):
            j, atom = self.order[t], self.columns[self.order[t]].atom
            p = targets[:, t].astype(np.float64)
            with np.errstate(invalid="ignore"):  # (1 - p) x where p is 1 and x overflows
                values[:, j] = np.where(p >= 1, atom, p * atom + (1 - p) * values[:, j])
        unobserved = self._unobserved_positions
        values[:, unobserved] = np.nan  # nothing learnt: missing
        if not self.frame:
            return values
        import pandas as pd

        finite = np.isfinite(values)
        finite[:, unobserved] = True  # missing on purpose
        if not finite.all():
            row, j = np.argwhere(~finite)[0]
            raise ValueError(
                f"Decoding gives a non-finite value in column "
                f"{self.columns[j].name!r} (first at row {row}): its values "
                "overflow float64, either because the latent codes are too far "
                "from those of the training data for the network (decode codes "
                "on the scale of those that transform gives) or because the "
                "column's values lie so near float64's limit (about 1.8e308) "
                "that a draw passes it (rescale the column)."
            )
        out = pd.DataFrame({
            j: to_dtype(values[:, j], c) if c.observed
            else pd.Series(values[:, j]).astype(c.dtype)  # all missing, in its dtype
            for j, c in enumerate(self.columns)
        })
        out.columns = pd.Index([c.name for c in self.columns])  # tuples: a MultiIndex
        return out


def _one_hot(codes, n_classes):
    out = np.zeros((codes.shape[0], n_classes), dtype=np.float32)
    rows = np.flatnonzero(~np.isnan(codes))
    out[rows, codes[rows].astype(int)] = 1.0
    return out
