"""Column records: how the table codes each column.

:func:`make_column` turns a column and its type (declared, or read from its
values by the rules of :mod:`._type_rules`) into the :class:`Column` record
of how :class:`~._columns.Table` codes it (type, dtype, categories, the
atom of a point mass, the offset of a positive or signed-log column). The
statistics that standardise the codes come later, from the table.
:meth:`Column.outside_support` says which values a column's model cannot
hold; :func:`column_codes` codes a column's values (a number, a count or a
class index), refusing those, and :func:`grid_step` finds the step of the
grid its values lie on.
"""

from dataclasses import dataclass, field

import numpy as np

from ._dtypes import is_number_dtype, numpy_dtype_of
from ._kinds import BINARY, POSITIVE, SIGNED_LOG, TYPES, ZERO_INFLATED
from ._quantiles import (
    fit_normal_scores,
    from_normal_scores,
    log_slope,
    normal_scores,
    widest_tie,
)
from ._type_rules import (
    MAX_COUNT,
    NUMBER_KINDS,
    atom_of,
    check_objects,
    infer_type,
    no_observed_value,
)

# Clip of the share of a point mass's atom that standardises its indicator.
MIN_SHARE = 1e-3


@dataclass
class Column:
    """How one column is coded.

    ``categories`` are the labels of a binary (when not numeric), categorical
    or ordinal column, in class order; ``mean`` and ``scale`` standardise
    its scalar code; a positive column is modelled as ``log1p(x / offset)``,
    a signed-log one as ``asinh(x / offset)``.
    ``resolution`` is the step of the grid a real column's values lie on (0
    if none was found): its Gaussian's scale is floored by it. ``atom`` is
    the value a spiked or zero-inflated column holds with a probability of
    its own (0 for zero-inflated columns), ``share`` the share of its
    training values at the atom, which standardises the atom's indicator.
    ``knots``, ``scores`` and ``ties`` are a quantile column's map of values
    to normal scores and the values held by many rows (:mod:`._quantiles`).
    ``low`` and ``high`` are the smallest and largest scalar codes of a log-
    or quantile-coded Gaussian column in fit (None: unbounded, or unknown for
    a model saved before they were kept): its decoded values stay in their
    range (see :meth:`unscalar`).
    ``observed`` is False for a column with no observed value in the data
    that set the statistics: the model learns nothing of it, and its values
    are coded as missing. ``whole`` is True for an ``object`` column of
    integers, whose decoded values are rounded.
    """

    name: object
    type: str
    dtype: object
    categories: list = None
    mean: float = 0.0
    scale: float = 1.0
    offset: float = 1.0
    resolution: float = 0.0
    atom: float = 0.0
    share: float = 0.5
    knots: list = None
    scores: list = None
    ties: list = None
    low: float = None
    high: float = None
    labelled: bool = field(default=False)  # binary column of non-numeric labels
    observed: bool = True
    whole: bool = False

    @property
    def kind(self):
        """Its :class:`ColumnType`."""
        return TYPES[self.type]

    @property
    def n_inputs(self):
        """Its network inputs: one-hot classes; the indicator of the atom and
        the other values (point masses); else the scalar code."""
        if self.kind.one_hot:
            return len(self.categories)
        return 2 if self.kind.point_mass else 1

    @property
    def has_grid_floor(self):
        """Whether its Gaussian is on its values themselves (real, spiked), so
        that the step of the grid they lie on floors its scale."""
        return self.is_gaussian and not self.is_mapped

    @property
    def is_count(self):
        """Whether its values are counts: whole numbers on a scale (count,
        spiked-count)."""
        return self.kind.discrete and not self.kind.labels

    def at_atom(self, codes):
        """Where ``codes`` are at its atom (see :func:`column_codes` for
        values held in float32); False where missing."""
        return codes == self.atom

    @property
    def has_point_mass(self):
        """Whether its ``atom`` has a probability of its own (spiked,
        zero-inflated, spiked-count)."""
        return self.kind.point_mass

    @property
    def has_labels(self):
        """Whether its values are labels, coded as class indices."""
        return self.kind.classes or self.labelled

    @property
    def is_standardised(self):
        """Whether its scalar code is standardised (``mean``, ``scale``): not for
        binary and categorical columns, whose codes are probabilities."""
        return self.kind.standardised

    @property
    def is_gaussian(self):
        """Whether a Gaussian models its standardised value: real, quantile,
        positive, signed-log, and the values of spiked and zero-inflated
        columns other than the atom."""
        return self.kind.likelihood == "gaussian"

    @property
    def is_bounded_below(self):
        """Whether its likelihood gives low values probability 0: counts,
        positive and zero-inflated columns (see :meth:`outside_support`)."""
        return self.kind.bounded_below

    @property
    def has_bounded_support(self):
        """Whether some codes have probability 0 under its likelihood (see
        :meth:`outside_support`): binary, labelled, count, positive and
        zero-inflated columns."""
        return self.has_labels or self.is_bounded_below or self.kind is BINARY

    def outside_support(self, codes):
        """Where ``codes`` have probability 0 under the column's likelihood.

        A label not seen in fit (coded -1); a number outside [0, 1] in a
        binary column of numbers; a negative or fractional count; a
        negative value of a zero-inflated column; in a positive column a
        value at or below ``-offset``, where ``log1p(x / offset)`` is not
        defined (training refuses negative values there, but a new value a
        little below the training minimum keeps a density).
        """
        if self.kind is BINARY and not self.labelled:
            return (codes < 0) | (codes > 1)
        if self.is_count:
            return (codes < 0) | fractional(codes)
        if self.has_labels or (self.is_bounded_below and (
                self.kind.discrete or self.has_point_mass)):
            return codes < 0
        if self.is_bounded_below:
            return codes <= -self.offset
        return np.zeros(np.shape(codes), dtype=bool)

    def scalar(self, codes):
        """The value of its codes that is standardised: a log for log-coded
        columns, the normal score for quantile and zero-inflated ones; NaN at
        a point mass's atom, which the Gaussian leaves out."""
        values = codes
        if self.saved_as_log:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.log(codes)
        elif self.has_map:
            values = normal_scores(codes, self.knots, self.scores)
        if self.kind.log_coded:
            with np.errstate(divide="ignore", invalid="ignore"):
                if self.kind.discrete:  # counts
                    values = np.log1p(codes)
                elif self.kind is SIGNED_LOG:
                    values = np.arcsinh(codes / self.offset)
                else:
                    values = np.log1p(codes / self.offset)
        return np.where(self.at_atom(codes), np.nan, values) if self.has_point_mass else values

    @property
    def widest_tie(self):
        """The width in normal scores of its widest tie's cell (0: none)."""
        return widest_tie(self.knots, self.scores, self.ties) if self.has_map else 0.0

    @property
    def has_map(self):
        """Whether its values are coded by a map to normal scores (quantile,
        zero-inflated; not where :attr:`saved_as_log`)."""
        return self.kind.quantile_coded and self.knots is not None

    @property
    def saved_as_log(self):
        """Whether it is a zero-inflated column of a model saved before such
        columns were coded by normal scores (no knots were kept): its values
        other than 0 are coded by their log, as they were then."""
        return self.kind.quantile_coded and self.knots is None

    @property
    def is_mapped(self):
        """Whether its Gaussian models a logarithm or the normal score of its
        values (positive, signed-log, zero-inflated, quantile): :meth:`unscalar`
        and :meth:`log_scalar_slope` are not the identity."""
        return self.is_gaussian and (self.kind.log_coded or self.kind.quantile_coded)

    def unscalar(self, values):
        """The codes of a Gaussian column's unstandardised values: the inverse
        of :meth:`scalar` (off a point mass's atom).

        A log- or quantile-coded column's values are first bounded by the
        range of its scalar codes in fit (``low``, ``high``): the exponential
        turns a location the decoder extrapolates a few standard deviations
        past the data into values orders of magnitude beyond it, and a
        quantile column's draws stay in its training range.
        """
        if self.low is not None:  # a mapped column's range (set_statistics)
            values = np.clip(values, self.low, self.high)
        if self.has_map:
            return from_normal_scores(values, self.knots, self.scores, self.ties)
        with np.errstate(over="ignore"):  # inf: refused when cast to a frame's dtype
            if self.kind is POSITIVE:
                return self.offset * np.expm1(values).clip(min=0)
            if self.saved_as_log:
                return np.exp(values)
            if self.kind is SIGNED_LOG:
                return self.offset * np.sinh(values)
        return values

    def log_scalar_slope(self, codes):
        """``log |dx / dv|`` at codes ``x`` of a Gaussian column, ``v`` their
        :meth:`scalar` value (off a point mass's atom): 0 for a column
        modelled as it is; ``log(m + x)`` and ``log hypot(m, x)`` for
        positive and signed-log ones; the log of the map's slope for
        quantile and zero-inflated ones (:func:`._quantiles.log_slope`;
        ``log x`` where :attr:`saved_as_log`)."""
        if self.has_map:
            return log_slope(codes, self.knots, self.scores)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.kind is POSITIVE:
                return np.log(self.offset + codes)
            if self.saved_as_log:
                return np.log(codes)
            if self.kind is SIGNED_LOG:  # d asinh(x / m) / dx = 1 / hypot(m, x)
                return np.log(np.hypot(self.offset, codes))
        return np.zeros(np.shape(codes))

    @property
    def likelihood(self):
        return self.kind.likelihood


def as_numbers(values, name):
    """Column values as float64, missing as NaN; raise if not numbers.

    Strings are not numbers, even when they spell one, nor are dates and
    durations: they raise a ``ValueError`` naming the column.
    """
    import pandas as pd

    if isinstance(values, np.ndarray):
        return values.astype(np.float64, copy=False)
    dtype = values.dtype
    numeric = is_number_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)
    if not numeric and pd.api.types.is_object_dtype(dtype):
        numeric = check_objects(values, name) in NUMBER_KINDS + ("boolean", "empty")
    codes = None
    if numeric:
        try:
            codes = pd.to_numeric(values, errors="raise").astype("Float64").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
        except (TypeError, ValueError, OverflowError):
            pass
    if codes is None:
        if isinstance(dtype, pd.CategoricalDtype) and is_number_dtype(dtype.categories.dtype):
            how = f"convert it with X[{name!r}].astype(float)"
        else:
            how = ("declare its type in column_types or convert it (strings that "
                   "spell numbers with pd.to_numeric)")
        raise ValueError(
            f"Column {name!r} must hold numbers for its type, but holds {dtype} "
            f"values such as {values.dropna().iloc[:3].tolist()}: {how}."
        )
    if np.isinf(codes).any():
        raise ValueError(
            f"Column {name!r} contains infinity, which cannot be modelled: replace "
            "it with NaN (missing) or a finite value."
        )
    return codes


def make_column(values, name, declared, default, frame):
    """A :class:`Column` for one column's values (its statistics come later)."""
    import pandas as pd

    dtype = values.dtype
    if declared is not None and declared not in TYPES:
        raise ValueError(
            f"column_types gives column {name!r} the type {declared!r}; the types "
            f"are {', '.join(map(repr, TYPES))}."
        )
    if declared is None:
        if not frame:
            declared = default
        else:
            declared = infer_type(values)
            kind = TYPES[declared]
            numeric = not kind.classes and (not kind.labels or dtype.kind in "iuf")
            if default == BINARY.name and numeric:
                declared = BINARY.name
    elif (frame and isinstance(dtype, pd.CategoricalDtype)
          and not TYPES[declared].labels):
        raise ValueError(
            f"column_types declares column {name!r} {declared}, but it has a "
            "category dtype, whose categories could not hold the numbers it "
            f"would decode to. Convert it to numbers first (e.g. "
            f"X[{name!r}].astype(float)), or declare it categorical or ordinal."
        )
    elif frame and not is_number_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        # declared labels may be dates or durations; other types may not
        labels = TYPES[declared].labels
        kind = check_objects(values, name, labels) if dtype.kind == "O" else None
        if kind is None and not labels:
            infer_type(values)  # raises for dates, durations and the like
        elif kind == "empty":
            raise no_observed_value(name, dtype, "values")
        elif not labels and kind not in NUMBER_KINDS:
            raise ValueError(
                f"column_types declares column {name!r} {declared}, but it holds "
                f"{kind} values, not numbers: its values would come back as "
                "numbers in a column of strings. Convert it to numbers first "
                "(pd.to_numeric), or declare it categorical to model its labels."
            )
    column = Column(name=name, type=declared, dtype=dtype)
    kind = column.kind
    if kind.classes or (kind.labels and frame and not is_number_dtype(dtype)):
        column.categories = _categories(values)
        column.labelled = not kind.classes
        if column.labelled and len(column.categories) > 2:
            raise ValueError(
                f"Column {name!r} is declared binary but has "
                f"{len(column.categories)} labels; declare it categorical."
            )
        if not len(column.categories):
            if isinstance(dtype, pd.CategoricalDtype):
                raise ValueError(
                    f"Column {name!r} has a category dtype without categories, so "
                    "it has no class to model. Drop it, or give its dtype the "
                    "categories it can take."
                )
            raise no_observed_value(name, dtype, "categories")
    if kind.bounded_below and not kind.discrete:  # positive, zero-inflated
        codes = as_numbers(values, name)
        if (codes < 0).any():
            raise ValueError(
                f"Column {name!r} is {declared} and cannot hold negative values, got "
                f"{np.nanmin(codes):g}. Declare it real in column_types."
            )
    if kind.point_mass:
        codes = as_numbers(values, name)
        observed = codes[~np.isnan(codes)]
        column.atom = 0.0 if kind is ZERO_INFLATED else atom_of(observed)
        share = np.mean(column.at_atom(observed)) if observed.size else 0.5
        column.share = float(np.clip(share, MIN_SHARE, 1 - MIN_SHARE))
    if kind.quantile_coded:  # a zero-inflated column's map is of its values other than 0
        codes = as_numbers(values, name)
        codes = np.where(column.at_atom(codes), np.nan, codes) if kind.point_mass else codes
        column.knots, column.scores, column.ties = fit_normal_scores(codes)
    elif kind is POSITIVE:
        mean = np.nanmean(codes) if np.isfinite(codes).any() else 1.0
        column.offset = float(mean) if mean > 0 else 1.0
    elif kind is SIGNED_LOG:
        column.offset = signed_log_offset(as_numbers(values, name))
    return column


def signed_log_offset(codes):
    """The ``m`` of a signed-log column's ``asinh(x / m)``: the median of ``|x|``.

    Values within ``m`` of 0 keep about their linear scale, larger ones a
    logarithmic one. The mean of ``|x|`` where the median is 0, and 1 where
    both are (or nothing is observed).
    """
    size = np.abs(codes[np.isfinite(codes)])
    for statistic in (np.median, np.mean):
        value = float(statistic(size)) if size.size else 0.0
        if value > 0:
            return value
    return 1.0


def _categories(values):
    """The class labels of a column: its dtype's categories, else the sorted labels."""
    import pandas as pd

    if isinstance(values, np.ndarray):  # an array's column, declared labels
        values = pd.Series(values)
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.dtype.categories)
    labels = pd.unique(values.dropna())
    try:
        return sorted(labels)
    except TypeError:  # labels of mixed types: order of appearance
        return list(labels)


# ------------------------------------------------------------- codes of values
def _class_codes(values, column, check_support=True):
    """Class indices of a labelled column, NaN where missing.

    A label not seen in fit raises, or with ``check_support`` False is coded
    -1 (see :meth:`Column.outside_support`).
    """
    import pandas as pd

    if getattr(values, "dtype", None) == object:
        check_objects(values, column.name, labels=True)  # lists: refused by name
    values = np.asarray(values, dtype=object)
    codes = pd.Index(column.categories).get_indexer(values).astype(float)
    missing = np.asarray(pd.isna(values))
    codes[codes < 0] = np.nan
    unknown = np.isnan(codes) & ~missing
    if unknown.any() and not check_support:
        codes[unknown] = -1.0
    elif unknown.any():
        label = values[np.flatnonzero(unknown)[0]]
        raise ValueError(
            f"Column {column.name!r} holds {label!r}, a category not seen in fit "
            f"({len(column.categories)} categories: {column.categories[:5]}"
            f"{'...' if len(column.categories) > 5 else ''}). "
            "Refit with data that includes it, or set it to missing."
        )
    return codes


def check_training_codes(codes, column):
    """Raise if a column's training codes are ones ``fit`` refuses, which new
    rows may hold: counts above ``MAX_COUNT``, negative values of a positive
    column (a new value need only lie above ``-offset``)."""
    with np.errstate(invalid="ignore"):
        too_large = codes > MAX_COUNT if column.is_count else None
        negative = codes < 0 if column.kind is POSITIVE else None
    if too_large is not None and too_large.any():
        raise ValueError(
            f"Column {column.name!r} is {column.type}, but holds "
            f"{np.max(codes[too_large]):g}: counts above {MAX_COUNT:g} lose their "
            "probability to rounding. Declare it real in column_types."
        )
    if negative is not None and negative.any():
        raise ValueError(
            f"Column {column.name!r} is {column.type} and cannot hold negative "
            f"values in the data it trains on, got {np.min(codes[negative]):g}. "
            "Declare it real in column_types."
        )


def fractional(codes):
    """Where finite ``codes`` are not whole numbers, beyond float64 rounding
    (``0.1 * 3 * 10`` is a count of 3)."""
    with np.errstate(invalid="ignore"):
        return np.abs(codes - np.round(codes)) > 1e-9 * np.maximum(1.0, np.abs(codes))


def column_codes(values, column, check_support=True):
    """The scalar code of each entry: number, count or class index; NaN if missing.

    A value of probability 0 under the column's likelihood raises, unless
    ``check_support`` is False.
    """
    if column.has_labels:
        return _class_codes(values, column, check_support)
    codes = as_numbers(values, column.name)
    if check_support and column.kind is BINARY and column.outside_support(codes).any():
        raise ValueError(
            f"Column {column.name!r} is binary and needs data in [0, 1], got values "
            f"from {np.nanmin(codes):g} to {np.nanmax(codes):g}. Scale it to [0, 1] "
            "or declare it real."
        )
    if column.has_point_mass:
        codes = _at_atom_in_precision(codes, column, values)
    checked = check_support and column.is_bounded_below
    if checked and column.outside_support(codes).any():
        lowest = np.nanmin(codes)
        if column.is_count and lowest >= 0:
            raise ValueError(
                f"Column {column.name!r} is {column.type} and holds "
                f"{float(codes[fractional(codes)][0])!r}, which is not a whole "
                "number. Declare it real in column_types."
            )
        if column.kind.discrete or column.has_point_mass:
            raise ValueError(
                f"Column {column.name!r} is {column.type} and cannot hold negative "
                f"values, got {lowest:g}. Declare it real in column_types."
            )
        raise ValueError(
            f"Column {column.name!r} is positive, modelled as log1p(x / "
            f"{column.offset:g}), which needs values above {-column.offset:g}; got "
            f"{lowest:g}. Declare it real in column_types."
        )
    return codes


def _at_atom_in_precision(codes, column, values):
    """``codes`` with the values that equal the atom in a lower precision set to it.

    Where the values or the column fitted are held in fewer bits than
    float64 (``float32``, ``"Float32"``, ``float16``), a value is at the
    atom when both are the same number in that precision: the atom 0.1 of
    a float64 fit is 0.100000001 in a float32 column, and a float32 fit's
    atom 0.100000001 is 0.1 in a float64 one. In float64 only the atom
    itself is.
    """
    bits = [np.finfo(d).bits for d in (_float_dtype(values), _float_dtype(column))
            if d is not None]
    if not bits or min(bits) >= 64 or column.atom == 0:
        return codes
    low = {16: np.float16, 32: np.float32}[min(bits)]
    with np.errstate(over="ignore", under="ignore"):
        atom = low(column.atom)
        if not np.isfinite(atom) or atom == 0:  # beyond the precision's range
            return codes
        at_atom = codes.astype(low) == atom
    return np.where(at_atom, column.atom, codes) if at_atom.any() else codes


def _float_dtype(source):
    """The NumPy float dtype of a column's values (or a Column's), else None."""
    dtype = getattr(source, "dtype", None)
    dtype = numpy_dtype_of(dtype)  # pandas' "Float32" and the like
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        return None
    return dtype if dtype.kind == "f" else None


def grid_step(values, n_max=20_000):
    """The smallest gap between distinct finite values among the first ``n_max``; 0 if none.

    On a grid (integers, pixels in sixteenths, prices in cents) it is the
    grid's step; between continuous values it is negligibly small.
    """
    head = values[:n_max]
    # the first n_max values when all are finite, without a pass over the rest
    values = head if np.isfinite(head).all() else values[np.isfinite(values)][:n_max]
    distinct = np.unique(values)
    return float(np.diff(distinct).min()) if distinct.size > 1 else 0.0
