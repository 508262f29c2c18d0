"""Column types: the rules that read a column's type from its values.

:func:`infer_type` gives a DataFrame column its type from its dtype first and
its values second; :func:`make_column` turns a column into the
:class:`Column` record of how :class:`~._columns.Table` codes it (type,
dtype, categories, the offset of a positive or signed-log column). The statistics that
standardise the codes come later, from the table. :func:`heavy_tailed_types`
reads which float columns to model as positive (the outlier detector's
rule); :func:`point_mass_type` which give one value a probability of its
own; :meth:`Column.outside_support` says which values a column's model
cannot hold.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import nbinom, poisson

from ._dtypes import is_number_dtype
from ._frames import holds_lists, is_frame
from ._kinds import BINARY, POSITIVE, SIGNED_LOG, SPIKED, SPIKED_COUNT, TYPES, ZERO_INFLATED

# A column of labels with more distinct values than this, and more than half
# its rows distinct, is refused as free text (declare it categorical to keep it).
MAX_LABELS = 100
# A column of non-negative numbers is heavy-tailed when its sample skewness
# is above this (an exponential's is 2): the outlier detector models such
# columns as positive (benchmarks/pages/outlier-detection.md, "Heavy-tailed
# columns").
HEAVY_TAIL_SKEWNESS = 5.0
# Standard errors of a Poisson's variance-to-mean ratio below 1 at which a
# column of non-negative integers is typed real rather than count.
COUNT_DISPERSION_Z = 3.0
# A float column whose most frequent value holds at least this share of its
# observed values, twice as many as any other value, beside at least two
# other values, gives that value a point mass (benchmarks/pages/mixed-types.md,
# "A point mass, built").
POINT_MASS_SHARE = 0.2
# A count column's most frequent value is a spike (spiked-count) when it holds
# at least this many times the share that a negative binomial of the column's
# mean and variance gives it (and COUNT_DISPERSION_Z standard errors more),
# beside the rule of POINT_MASS_SHARE.
SPIKE_OVER_COUNT = 1.5
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
    labelled: bool = field(default=False)  # binary column of non-numeric labels

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
        return self.is_gaussian and not self.kind.log_coded

    @property
    def is_count(self):
        """Whether its values are counts: whole numbers on a scale (count,
        spiked-count)."""
        return self.kind.discrete and not self.kind.labels

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
        """Whether a Gaussian models its standardised value: real, positive,
        and the values of spiked and zero-inflated columns other than the atom."""
        return self.kind.likelihood == "gaussian"

    @property
    def is_bounded_below(self):
        """Whether its likelihood gives low values probability 0: counts,
        positive and zero-inflated columns (see :meth:`outside_support`)."""
        return self.kind.bounded_below

    @property
    def has_bounded_support(self):
        """Whether some codes have probability 0 under its likelihood (see
        :meth:`outside_support`): labelled, count, positive and
        zero-inflated columns."""
        return self.has_labels or self.is_bounded_below

    def outside_support(self, codes):
        """Where ``codes`` have probability 0 under the column's likelihood.

        A label not seen in fit (coded -1); a negative count or negative
        value of a zero-inflated column; in a positive column a value at or
        below ``-offset``, where ``log1p(x / offset)`` is not defined
        (``fit`` refuses negative values there, but a new value a little
        below the training minimum keeps a density).
        """
        if self.has_labels or (self.is_bounded_below and (
                self.kind.discrete or self.has_point_mass)):
            return codes < 0
        if self.is_bounded_below:
            return codes <= -self.offset
        return np.zeros(np.shape(codes), dtype=bool)

    def scalar(self, codes):
        """The value of its codes that is standardised: a log for log-coded
        columns; NaN at a point mass's atom, which the Gaussian leaves out."""
        values = codes
        if self.kind.log_coded:
            with np.errstate(divide="ignore", invalid="ignore"):
                if self.kind.discrete:  # counts
                    values = np.log1p(codes)
                elif self.has_point_mass:  # zero-inflated: its values other than 0
                    values = np.log(codes)
                elif self.kind is SIGNED_LOG:
                    values = np.arcsinh(codes / self.offset)
                else:
                    values = np.log1p(codes / self.offset)
        return np.where(codes == self.atom, np.nan, values) if self.has_point_mass else values

    @property
    def likelihood(self):
        return self.kind.likelihood


def infer_type(values):
    """The type of a pandas Series, by these rules (missing values ignored).

    - ``category`` dtype: ``"ordinal"`` if ordered, else ``"categorical"``;
    - boolean (``bool``, ``"boolean"``): ``"binary"``;
    - integers: ``"binary"`` if every value is 0 or 1, ``"count"`` if none
      is negative and the variance is not clearly below the mean (a
      Poisson's equals it, a negative binomial's exceeds it): the ratio of
      variance to mean is at least ``1 - 3 sqrt(2 / (n - 1))``, three
      standard errors of a Poisson's ratio under 1 (0.75 for 300 values),
      else ``"real"`` (years, scores on a short scale); ``"spiked-count"``
      for a count, and a point mass for a real one, where
      :func:`point_mass_type` finds a value that holds at least
      ``POINT_MASS_SHARE`` of them (hours worked, mostly 40);
    - floats: by :func:`point_mass_type`, ``"spiked"`` or
      ``"zero-inflated"`` when one value holds at least ``POINT_MASS_SHARE``
      of them, else ``"real"`` (integers with holes stored as floats too:
      give them a nullable integer dtype, ``"Int64"``, or declare their
      type);
    - labels (``object`` or ``string``): ``"binary"`` if there are two,
      else ``"categorical"``. Strings are labels even when they spell
      numbers (``"1.5"``): their values come back as the same strings. An
      ``object`` column of numbers (not strings) is typed as numbers.

    Dates, times, durations, periods, intervals, complex numbers, lists,
    columns of labels with no observed value, and free text (more than
    ``MAX_LABELS`` distinct labels, more than half the rows distinct) raise
    a ``ValueError`` naming the column.
    """
    import pandas as pd

    dtype = values.dtype
    observed = values.dropna()
    if isinstance(dtype, pd.CategoricalDtype):
        return "ordinal" if dtype.ordered else "categorical"
    if pd.api.types.is_bool_dtype(dtype):
        return "binary"
    if pd.api.types.is_integer_dtype(dtype):
        return _integer_type(observed.to_numpy(dtype=np.float64))
    if pd.api.types.is_float_dtype(dtype):
        return point_mass_type(observed.to_numpy(dtype=np.float64)) or "real"
    if dtype.kind in "mMc" or isinstance(
        dtype, (pd.PeriodDtype, pd.IntervalDtype, pd.DatetimeTZDtype)
    ):
        raise unmodelled(values.name, f"has dtype {dtype}")
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        kind = check_objects(values, values.name)
        if not len(observed):
            raise _no_observed_value(values.name, dtype, "type")
        if kind in NUMBER_KINDS:
            numbers = pd.to_numeric(observed)
            numbers = numbers.to_numpy(np.float64)
            if (numbers == np.round(numbers)).all():
                return _integer_type(numbers)
            return point_mass_type(numbers) or "real"
        n_labels = observed.nunique()
        if n_labels > MAX_LABELS and n_labels > len(observed) / 2:
            numbers = pd.to_numeric(observed, errors="coerce").notna().all()
            raise ValueError(
                f"Column {values.name!r} looks like free text ({n_labels} distinct "
                f"values in {len(observed)} rows), which cannot be modelled. "
                + ("Its strings spell numbers: convert them with pd.to_numeric to "
                   "model numbers. " if numbers else "")
                + "Drop it, encode it first, or declare it categorical with "
                f"column_types={{{values.name!r}: 'categorical'}}."
            )
        return "binary" if n_labels == 2 else "categorical"
    raise ValueError(
        f"Column {values.name!r} has dtype {dtype}, which cannot be modelled. "
        "Convert it to numbers or to labels, or drop it."
    )


# What pandas.api.types.infer_dtype calls an object column that holds numbers
# (not strings); booleans are labels.
NUMBER_KINDS = ("integer", "floating", "mixed-integer-float", "decimal")
_TIME_KINDS = {
    "date": "dates", "datetime": "dates and times", "datetime64": "dates and times",
    "time": "times of day", "timedelta": "durations", "timedelta64": "durations",
    "period": "periods", "interval": "intervals", "complex": "complex numbers",
}


def unmodelled(name, what):
    """The error for a column that holds dates, durations and the like.

    ``what`` says what it has or holds: ``"has dtype datetime64[ns]"``.
    """
    return ValueError(
        f"Column {name!r} {what}, which cannot be modelled. Convert it to "
        "numbers (for dates, e.g. days since a reference date; for durations, "
        "e.g. seconds), or model its values as labels by declaring it "
        f"categorical (column_types={{{name!r}: 'categorical'}}), or drop it."
    )


def check_objects(values, name, labels=False):
    """What an object or string column holds, as ``pandas.api.types.infer_dtype``
    names it (missing values skipped).

    Lists (and other containers) raise a ``ValueError`` naming the column;
    so do dates, durations, periods, intervals and complex numbers, unless
    ``labels``: the column is declared to hold labels.
    """
    import pandas as pd

    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in _TIME_KINDS and not labels:
        raise unmodelled(name, f"holds {_TIME_KINDS[kind]} (as Python objects)")
    if kind in ("mixed", "unknown-array"):
        for value in values:
            if isinstance(value, (list, tuple, dict, set, frozenset, np.ndarray)):
                raise holds_lists(name, f"{type(value).__name__} values")
    return kind


def _no_observed_value(name, dtype, what):
    return ValueError(
        f"Column {name!r} has no observed value and its dtype ({dtype}) does "
        f"not say what it holds, so there is nothing to learn its {what} from. "
        "Drop it, or give it a numeric, boolean or category dtype (with its "
        "categories)."
    )


def point_mass_type(values):
    """``"spiked"``, ``"zero-inflated"`` or None for observed numeric values.

    A column whose most frequent value holds at least ``POINT_MASS_SHARE``
    of its values and at least twice as many as any other value, and that
    takes at least two other values, gives that value a point mass:
    ``"zero-inflated"`` when it is 0 and no value is negative (an amount:
    mostly 0, else positive, its other values modelled on a log scale), else
    ``"spiked"`` (a placeholder, a default setting, a pixel mostly blank).
    A Gaussian, whose density at a value held by a fifth of the rows grows
    without bound as its scale shrinks, cannot describe either. A count
    column with such a value is ``"spiked-count"`` (:func:`infer_type`).
    """
    if values.size < 3:
        return None
    distinct, counts = np.unique(values, return_counts=True)
    if distinct.size < 3:
        return None
    top = int(np.argmax(counts))
    second = np.partition(counts, -2)[-2]
    if counts[top] < max(POINT_MASS_SHARE * values.size, 2 * second):
        return None
    if distinct[top] == 0 and distinct[0] == 0:
        return ZERO_INFLATED.name
    return SPIKED.name


def atom_of(values):
    """The most frequent of observed float values (the smallest if tied); 0 if none."""
    if not values.size:
        return 0.0
    distinct, counts = np.unique(values, return_counts=True)
    return float(distinct[np.argmax(counts)])


def is_heavy_tailed(values):
    """Whether a float column (NaN missing) is better modelled as positive.

    True when its observed values are non-negative, take more than two
    distinct values, fewer than half of them are at the minimum, and their
    sample skewness is above ``HEAVY_TAIL_SKEWNESS``: a long right tail,
    which a Gaussian on the values themselves fits with a scale far too
    wide for their bulk. A column mostly at its minimum (a pixel mostly
    blank) is a spike with rare values, which a logarithm leaves a spike.
    """
    observed = values[~np.isnan(values)]
    if observed.size < 3:
        return False
    low, high = observed.min(), observed.max()
    if low < 0 or not ((observed > low) & (observed < high)).any():
        return False  # negative values, or two values at most
    if np.median(observed) == low:
        return False
    observed = observed / high  # in [0, 1]: no overflow
    skewness = np.mean(((observed - observed.mean()) / observed.std()) ** 3)
    return bool(skewness > HEAVY_TAIL_SKEWNESS)


def heavy_tailed_types(X):
    """``column_types`` declaring positive the heavy-tailed float columns of X.

    The columns of a float array, or the float columns of a DataFrame (its
    other columns keep the types inferred from their dtypes, a point mass
    included), for which :func:`is_heavy_tailed` holds; keys are positions
    or names. A heavy-tailed column is positive even where it has a point
    mass at 0: on defaultCredit's payments (20% to 24% zeros), a
    zero-inflated column's log-normal flags an amount ten ranges above the
    maximum less surely than the positive type (p 0.008 to 0.047 against
    below 0.01; benchmarks/pages/outlier-detection.md, "Point masses").
    """
    if is_frame(X):
        columns = [
            (name, X.iloc[:, j].to_numpy(dtype=np.float64, na_value=np.nan))
            for j, name in enumerate(X.columns)
            if X.dtypes.iloc[j].kind == "f"
        ]
    else:
        columns = [(j, X[:, j].astype(np.float64)) for j in range(X.shape[1])]
    return {name: "positive" for name, values in columns if is_heavy_tailed(values)}


def _integer_type(values):
    if values.size and np.isin(values, (0.0, 1.0)).all():
        return "binary"
    if values.size and values.min() >= 0:
        # a Poisson's variance over its mean is 1 give or take sqrt(2 / (n - 1)):
        # a count unless the column is clearly under-dispersed, so that a
        # Poisson-like column does not flip between count and real with the sample
        spread = COUNT_DISPERSION_Z * np.sqrt(2.0 / max(values.size - 1, 1))
        if values.var() >= values.mean() * (1.0 - spread):
            return SPIKED_COUNT.name if has_count_spike(values) else "count"
    return point_mass_type(values) or "real"


def has_count_spike(values):
    """Whether non-negative integer values have a spike a negative binomial misses.

    The rule of :func:`point_mass_type` (the most frequent value holds a
    fifth of the values and twice as many as any other), and its share at
    least ``SPIKE_OVER_COUNT`` times, and ``COUNT_DISPERSION_Z`` standard
    errors above, the probability ``p`` that the negative binomial of the
    values' mean and variance gives it (a Poisson where the variance does
    not exceed the mean). A Poisson's mode, which may hold more than a fifth
    of its values, is not a spike, so that a Poisson-like column does not
    flip between count and spiked-count with the sample; hours worked, 40
    in half the rows, are one, as are counts with many more zeros than a
    negative binomial gives.
    """
    if point_mass_type(values) is None:
        return False
    atom = atom_of(values)
    mean, variance = values.mean(), values.var()
    if variance > mean:  # the negative binomial of these moments
        r = mean**2 / (variance - mean)
        p = nbinom.pmf(atom, r, r / (r + mean))
    else:
        p = poisson.pmf(atom, mean)
    share = np.mean(values == atom)
    error = np.sqrt(p * (1 - p) / values.size)  # of a share with probability p
    return bool(share >= SPIKE_OVER_COUNT * p and share - p >= COUNT_DISPERSION_Z * error)


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
        raise ValueError(
            f"Column {name!r} must hold numbers for its type, but holds {dtype} "
            f"values such as {values.dropna().iloc[:3].tolist()}: declare its type "
            "in column_types or convert it (strings that spell numbers with "
            "pd.to_numeric)."
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
            raise _no_observed_value(name, dtype, "values")
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
            raise _no_observed_value(name, dtype, "categories")
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
        share = np.mean(observed == column.atom) if observed.size else 0.5
        column.share = float(np.clip(share, MIN_SHARE, 1 - MIN_SHARE))
    if kind is POSITIVE:
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

    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.dtype.categories)
    labels = pd.unique(values.dropna())
    try:
        return sorted(labels)
    except TypeError:  # labels of mixed types: order of appearance
        return list(labels)
