"""Fills written back into the user's table: each in its column's own type.

The imputer's model completes rows as numbers and labels; these functions
put its fills into a copy of the user's DataFrame so that observed entries
keep their exact values and every column keeps its type: category columns
their dtype (widened by the fitted categories it lacks), columns of
strings strings, integer columns integers inside their dtype's range, and
features empty in fit :class:`~sklearn.impute.SimpleImputer`'s constant.
"""

import math
import sys
from dataclasses import dataclass
from numbers import Real

import numpy as np

from ._compat import is_pandas_na
from ._dtypes import integer_range, is_label_dtype, is_number_dtype, numpy_dtype_of
from ._frames import is_frame


def is_nan(value):
    """Whether ``value`` is NaN, or pandas' NA, which marks what NaN marks."""
    return (isinstance(value, Real) and math.isnan(value)) or is_pandas_na(value)


# A feature with no observed value in fit, kept by ``keep_empty_features``, is
# filled with SimpleImputer's constant: 0 for numbers, this for labels.
EMPTY_LABEL = "missing_value"


@dataclass
class FittedColumn:
    """What fit learnt about one column that its fills are written with.

    ``categories`` are the labels the model knows (None for a column of
    numbers), in its order, ``ordered`` whether the model orders them;
    ``kind`` says how the observed values of a column of objects or strings
    that holds numbers are written: ``"text"`` (strings), ``"whole text"``
    (strings of integers), ``"int"`` (integers) or None; ``empty`` whether
    the column had no observed value.
    """

    categories: list = None
    ordered: bool = False
    kind: str = None
    empty: bool = False


def value_kind(values):
    """How the observed values of a column of objects or strings are written."""
    pd = sys.modules["pandas"]
    observed = values.dropna()
    if not len(observed):
        return None
    if all(isinstance(v, str) for v in observed):
        numbers = pd.to_numeric(observed, errors="coerce")
        whole = numbers.notna().all() and (numbers == numbers.round()).all()
        return "whole text" if whole else "text"
    if all(
        isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
        for v in observed
    ):
        return "int"
    return None


def _empty_fill(dtype):
    """The fill of a feature empty in fit: 0 for numbers, ``EMPTY_LABEL`` for labels.

    As :class:`~sklearn.impute.SimpleImputer` fills it with
    ``keep_empty_features=True`` and ``strategy="constant"`` (whose default
    ``fill_value`` is 0 for numbers and ``"missing_value"`` for strings and
    objects): a fill of the column's own type.
    """
    pd = sys.modules["pandas"]
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    return 0 if is_number_dtype(dtype) else EMPTY_LABEL


def _category_dtype(name, dtype, fitted, extra=()):
    """The category dtype of an output column whose input has category ``dtype``.

    ``dtype`` itself when its categories include the fitted ones (``fitted``
    a :class:`FittedColumn`) and ``extra``; else its categories with the others
    added: at the end when it is unordered, at their place in the fitted
    order when it is ordered and the model orders the column. An ordered
    ``dtype`` that lacks fitted categories and orders the others unlike fit
    gives them no place: a ValueError says so.
    """
    pd = sys.modules["pandas"]
    have = list(dtype.categories)
    fitted_categories = list(fitted.categories or [])
    here = pd.Index(have).get_indexer(fitted_categories) >= 0
    lacking = [c for c, h in zip(fitted_categories, here) if not h]
    extra = [c for c in dict.fromkeys(extra) if c not in set(have) | set(lacking)]
    if not lacking and not extra:
        return dtype
    if not (dtype.ordered and fitted.ordered and lacking):
        return pd.CategoricalDtype(have + lacking + extra, ordered=dtype.ordered)
    in_fit = pd.Index(fitted_categories).get_indexer(have) >= 0
    shared_here = [c for c, f in zip(have, in_fit) if f]
    shared_fit = [c for c, h in zip(fitted_categories, here) if h]
    if shared_here != shared_fit:
        raise ValueError(
            f"Column {name!r} has the ordered categories {have}, which lack "
            f"{lacking} and order the others unlike fit ({fitted_categories}), so "
            "the fills have no place in their order. Give the column the fitted "
            "categories in the fitted order, or an order of its own that agrees "
            "with it."
        )
    # each lacking category goes just before the next fitted one the batch has
    merged, k = [], 0
    for category, fit in zip(have, in_fit):
        if fit:
            while fitted_categories[k] != category:
                merged.append(fitted_categories[k])
                k += 1
            k += 1
        merged.append(category)
    merged += fitted_categories[k:]
    return pd.CategoricalDtype(merged + extra, ordered=True)


def _as_value_type(values, kind, text, labels):
    """Fills (an object array) written as the column's observed values are.

    Numbers become strings when the column holds text (``text``), and
    are rounded to integers when its values are integers (``kind``, see
    :class:`FittedColumn`); labels are left as they are, numbers among them
    too where the column's labels are of mixed types (``labels``: the
    model codes the column's values as labels).
    """
    out = values.copy()
    whole = kind in ("whole text", "int")
    for i, value in enumerate(values):
        if isinstance(value, str) and kind == "whole text":
            try:  # a number the model wrote as a string (strings of integers)
                value = float(value)
            except ValueError:  # a label
                continue
        if isinstance(value, str) or value is None or is_nan(value):
            continue
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.number)):
            out[i] = str(value) if text else value
            continue
        if labels and not (text or whole):  # a label that is a number, as decoded
            continue
        number = float(value)
        if whole and math.isfinite(number):
            number = round(number)
        out[i] = str(number) if text else number
    return out


def _fill_column(original, fill, missing, fitted):
    """``original`` with its ``missing`` entries taken from ``fill``.

    Observed entries are ``original``'s own. The fills take the column's
    value type: a category column keeps its dtype when that holds every
    fitted category, else gains the fitted categories it lacks (see
    :func:`_category_dtype`); a column of objects or strings gets strings
    where it holds strings, integers where it holds integers.
    """
    pd = sys.modules["pandas"]
    dtype = original.dtype
    if fitted.empty:  # no model for the column: SimpleImputer's constant
        fill = pd.Series(_empty_fill(dtype), index=original.index, dtype=object)
    labels = fill.to_numpy(dtype=object)[missing]
    if isinstance(dtype, pd.CategoricalDtype):
        if fitted.empty:
            extra = [_empty_fill(dtype)]
        elif fitted.categories is None:  # a column the model codes as numbers
            extra = list(pd.unique(pd.Series(labels, dtype=object).dropna()))
        else:
            extra = []
        dtype = _category_dtype(original.name, dtype, fitted, extra)
        values = original.to_numpy(dtype=object, copy=True)
        values[missing] = labels
        out = pd.Series(pd.Categorical(values, dtype=dtype), index=original.index)
        return out.rename(original.name)
    if is_label_dtype(dtype):
        values = original.to_numpy(dtype=object, copy=True)
        text = fitted.kind in ("text", "whole text") or isinstance(dtype, pd.StringDtype)
        values[missing] = _as_value_type(labels, fitted.kind, text,
                                         fitted.categories is not None)
        return pd.Series(values, index=original.index, name=original.name, dtype=dtype)
    if fitted.empty:
        fill = cast_fills(pd.Series(0.0, index=original.index), dtype)
    elif not missing.any():
        return original.copy()
    elif original.isna().all() and not _numeric_values(fill):
        # a batch's column with nothing observed has no type of its own (pandas
        # makes it float): it takes the fitted one, that of the fills
        return fill.rename(original.name)
    elif fill.dtype != dtype and _numeric_values(fill):
        # a batch's dtype other than fit's (Int64 for float64, Int8 for Int64,
        # float16): the fills rounded and clipped to it, as for an array
        numbers = fill.to_numpy(dtype=np.float64, na_value=np.nan)
        fill = cast_fills(pd.Series(numbers, index=fill.index), dtype)
    return original.mask(missing, fill).astype(dtype)


def _numeric_values(series):
    pd = sys.modules["pandas"]
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    return is_number_dtype(dtype)


def frame_like(
    frame, positions, fills, missing, indicator=None, indicator_names=(), fitted=None
):
    """``frame``'s columns at ``positions`` with missing entries filled.

    Observed entries are taken from ``frame`` itself, so they keep their
    exact values; ``fills`` is a DataFrame (or a float array) as wide as
    ``frame``, whose values take each column's value type (see
    :func:`_fill_column`); ``fitted`` holds a :class:`FittedColumn` per column of
    ``frame``. Boolean ``indicator`` columns named ``indicator_names`` are
    appended. Index, names, dtypes and categories are kept.
    """
    pd = sys.modules["pandas"]
    if fitted is None:
        fitted = [FittedColumn() for _ in range(frame.shape[1])]
    columns = {}
    for j, position in enumerate(positions):
        original = frame.iloc[:, position]
        if is_frame(fills):
            fill = fills.iloc[:, position].set_axis(frame.index)
        else:
            fill = cast_fills(pd.Series(fills[:, position], index=frame.index), original.dtype)
        columns[j] = _fill_column(original, fill, missing[:, position], fitted[position])
    names = list(frame.columns[positions])
    if indicator is not None:
        for k, name in enumerate(indicator_names):
            columns[len(names)] = pd.Series(indicator[:, k], index=frame.index)
            names.append(name)
    out = pd.DataFrame(columns, index=frame.index)
    out.columns = frame.columns[positions] if indicator is None else names  # a MultiIndex kept
    return out


def cast_fills(values, dtype):
    """Float ``values`` as ``dtype``: rounded and clipped for integers and
    booleans, clipped to the finite range of a float dtype (``float16``)."""
    if dtype.kind in "iub":
        if dtype.kind == "b":
            low, high = 0, 1
        else:
            low, high = integer_range(numpy_dtype_of(dtype))
        values = values.round().clip(low, high)
    elif dtype.kind == "f":
        largest = float(np.finfo(numpy_dtype_of(dtype)).max)
        values = values.clip(-largest, largest)
    return values.astype(dtype)
