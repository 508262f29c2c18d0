"""Column types: the rules that read a column's type from its values.

:func:`infer_type` gives a DataFrame column its type from its dtype first and
its values second; :func:`point_mass_type` says which numeric columns give
one value a probability of its own, :func:`has_count_spike` which count
columns, :func:`is_heavy_tailed` which float columns have a long right tail
(modelled on a log scale); :func:`heavy_tailed_types` declares those of an
array, or of a DataFrame whatever their point mass, positive (the outlier
detector's rule). :func:`check_objects` and
:func:`unmodelled` refuse, naming the column, what no type can hold (dates,
durations, lists). :mod:`._column_types` turns a column and its type into
the record of how the table codes it.
"""

import numpy as np
from scipy.stats import nbinom, poisson

from ._frames import holds_lists, is_frame
from ._kinds import QUANTILE, SPIKED, SPIKED_COUNT, ZERO_INFLATED
from ._quantiles import all_ties

# A column of labels with more distinct values than this, and more than half
# its rows distinct, is refused as free text (declare it categorical to keep it).
MAX_LABELS = 100
# A column of non-negative numbers is heavy-tailed when its sample skewness
# is above this (an exponential's is 2): the outlier detector models such
# columns as positive (benchmarks/pages/outlier-detection.md, "Heavy-tailed
# columns").
HEAVY_TAIL_SKEWNESS = 5.0
# The largest count a count column may hold: the negative binomial's
# log-probability is a difference of log-gamma values near y log y, which
# float64 keeps to about 1e-3 nats at 1e12 and loses entirely from about 1e15
# (_losses.negative_binomial_log_prob). Larger integers (identifiers,
# timestamps in nanoseconds) are typed real.
MAX_COUNT = 1e12
# Standard errors of a Poisson's variance-to-mean ratio below 1 at which a
# column of non-negative integers is typed real rather than count.
COUNT_DISPERSION_Z = 3.0
# A float column whose most frequent value holds at least this share of its
# observed values, twice as many as any other value, beside at least two
# other values, gives that value a point mass (benchmarks/pages/mixed-types.md,
# "A point mass, built").
POINT_MASS_SHARE = 0.2
# A heavy-tailed float column (is_heavy_tailed) gives 0 a point mass from
# this share, where it stands out (float_type).
ZERO_IN_TAIL_SHARE = 0.01
# A count column's most frequent value is a spike (spiked-count) when it holds
# at least this many times the share that a negative binomial of the column's
# mean and variance gives it (and COUNT_DISPERSION_Z standard errors more),
# beside the rule of POINT_MASS_SHARE.
SPIKE_OVER_COUNT = 1.5


def infer_type(values):
    """The type of a pandas Series, by these rules (missing values ignored).

    - ``category`` dtype: ``"ordinal"`` if ordered, else ``"categorical"``;
    - boolean (``bool``, ``"boolean"``): ``"binary"``;
    - integers: ``"binary"`` if every value is 0 or 1, ``"count"`` if none
      is negative or above ``MAX_COUNT`` (1e12, the largest count whose
      probability float64 computes accurately) and the variance is not
      clearly below the mean (a
      Poisson's equals it, a negative binomial's exceeds it): the ratio of
      variance to mean is at least ``1 - 3 sqrt(2 / (n - 1))``, three
      standard errors of a Poisson's ratio under 1 (0.75 for 300 values),
      else ``"real"`` (years, scores on a short scale); ``"spiked-count"``
      for a count, and a point mass for a real one, where
      :func:`point_mass_type` finds a value that holds at least
      ``POINT_MASS_SHARE`` of them (hours worked, mostly 40);
    - floats: by :func:`float_type`, ``"spiked"`` or ``"zero-inflated"``
      when one value holds at least ``POINT_MASS_SHARE`` of them,
      ``"positive"`` (or ``"zero-inflated"`` where 0 stands out) for a long
      right tail of non-negative values, else ``"quantile"`` (normal scores
      of its values) if it takes more than two values and not only a few
      each held by many rows (a rating), else ``"real"``
      (integers with holes stored as floats too: give them a nullable
      integer dtype, ``"Int64"``, or declare their type);
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
        return float_type(observed.to_numpy(dtype=np.float64))
    if dtype.kind in "mMc" or isinstance(
        dtype, (pd.PeriodDtype, pd.IntervalDtype, pd.DatetimeTZDtype)
    ):
        raise unmodelled(values.name, f"has dtype {dtype}")
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        kind = check_objects(values, values.name)
        if not len(observed):
            raise no_observed_value(values.name, dtype, "type")
        if kind in NUMBER_KINDS:
            numbers = pd.to_numeric(observed)
            numbers = numbers.to_numpy(np.float64)
            if (numbers == np.round(numbers)).all():
                return _integer_type(numbers)
            return float_type(numbers)
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


def no_observed_value(name, dtype, what):
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
    return _point_mass(values, _standing_out(values))


def _point_mass(values, top):
    """The point-mass type that ``top`` (of :func:`_standing_out`) gives, or None."""
    if top is None or top[1] < POINT_MASS_SHARE * values.size:
        return None
    return ZERO_INFLATED.name if top[0] == 0 and values.min() == 0 else SPIKED.name


def float_type(values):
    """The type of a float column from its observed values.

    A point mass by :func:`point_mass_type`; else, for a heavy-tailed
    column (:func:`is_heavy_tailed`), ``"zero-inflated"`` when 0 is its
    most frequent value, held at least twice as often as any other and by
    at least ``ZERO_IN_TAIL_SHARE`` (1%) of the values, and ``"positive"``
    otherwise; else ``"quantile"`` (a Gaussian on the normal scores of its
    values, whatever their shape) if it takes more than two values and
    not only a few, each held by many rows (:func:`._quantiles.all_ties`: a
    rating, whose Gaussian on a grid of values is ``"real"``'s, its scale
    floored by the grid's step), and ``"real"`` otherwise. On a log scale an exact 0 is
    a value of its own (the end of a positive column's range, where its
    draws pile up; minus infinity for a logarithm), so a long-tailed amount
    gets its atom at 0 from a smaller share than a fifth
    (benchmarks/pages/mixed-types.md, "Heavy-tailed columns typed by the
    rules"; for the quantile type, "Quantile columns").
    """
    counted = np.unique(values, return_counts=True)  # one count for every rule
    top = _standing_out(values, counted)
    kind = _point_mass(values, top)
    if kind is not None or not is_heavy_tailed(values):
        mapped = counted[0].size > 2 and not all_ties(counted[1])
        return kind or (QUANTILE.name if mapped else "real")
    at_zero = top is not None and top[0] == 0 and top[1] >= ZERO_IN_TAIL_SHARE * values.size
    return ZERO_INFLATED.name if at_zero else "positive"


def _standing_out(values, counted=None):
    """``(value, count)`` of the most frequent value, if it holds twice as many
    values as any other, beside at least two other values; else None.
    ``counted``: the values' ``np.unique(values, return_counts=True)``."""
    if values.size < 3:
        return None
    distinct, counts = np.unique(values, return_counts=True) if counted is None else counted
    if distinct.size < 3:
        return None
    top = int(np.argmax(counts))
    second = np.partition(counts, -2)[-2]
    if counts[top] < 2 * second:
        return None
    return distinct[top], counts[top]


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
        columns = [(name, _float_values(X.iloc[:, j])) for j, name in enumerate(X.columns)]
        columns = [(name, values) for name, values in columns if values is not None]
    else:
        columns = [(j, X[:, j].astype(np.float64)) for j in range(X.shape[1])]
    return {name: "positive" for name, values in columns if is_heavy_tailed(values)}


def _float_values(values):
    """A DataFrame column's values as float64 (NaN missing) where the rules
    type it as floats (:func:`float_type`), else None."""
    import pandas as pd

    dtype = values.dtype
    if pd.api.types.is_float_dtype(dtype):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    if not pd.api.types.is_object_dtype(dtype) or (
        check_objects(values, values.name) not in NUMBER_KINDS
    ):
        return None
    numbers = pd.to_numeric(values).to_numpy(dtype=np.float64, na_value=np.nan)
    observed = numbers[~np.isnan(numbers)]
    return numbers if (observed != np.round(observed)).any() else None


def _integer_type(values):
    if values.size and np.isin(values, (0.0, 1.0)).all():
        return "binary"
    if values.size and values.min() >= 0 and values.max() <= MAX_COUNT:
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
