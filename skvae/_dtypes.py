"""A column's values back in its dtype, and dtypes saved as plain values.

:func:`to_dtype` casts a column's decoded values into the dtype it was
fitted on (classes to the nearest level, integers rounded and clipped to the
dtype's range); :func:`dtype_state` and :func:`dtype_from_state` write a
dtype as plain values for a saved model and rebuild it;
:func:`is_number_dtype` and :func:`is_label_dtype` say what a pandas dtype
holds.
"""

import numpy as np

from ._kinds import BINARY


def is_number_dtype(dtype):
    """Whether a pandas dtype holds numbers (booleans included)."""
    import pandas as pd

    return pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)


def is_label_dtype(dtype):
    """Whether a pandas dtype holds labels: ``object`` or ``string``."""
    import pandas as pd

    return pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)


def numpy_dtype_of(dtype):
    """The NumPy dtype of a pandas dtype's values: a nullable dtype's
    (``"Int64"``: int64), a sparse one's subtype, else the dtype itself."""
    import pandas as pd

    if isinstance(dtype, pd.SparseDtype):
        return dtype.subtype
    return getattr(dtype, "numpy_dtype", dtype)


def to_dtype(values, column):
    """A column's decoded (finite) values as a Series of its original dtype.

    Classes are the nearest level; integers are rounded, and values of a
    bounded dtype (integers, ``float32``) clipped to the dtype's range.
    """
    import pandas as pd

    dtype = column.dtype
    if column.has_labels:
        index = np.clip(np.round(values), 0, len(column.categories) - 1).astype(int)
        if isinstance(dtype, pd.CategoricalDtype):
            return pd.Series(pd.Categorical.from_codes(index, dtype=dtype))
        labels = np.asarray(column.categories, dtype=object)[index]
        return pd.Series(labels).astype(dtype)
    if column.kind is BINARY:
        if pd.api.types.is_float_dtype(dtype):
            return pd.Series(values).astype(dtype)
        values = (values >= 0.5).astype(float)
    if column.is_count:
        values = np.round(values).clip(min=0)
    if dtype == object and (column.is_count or column.whole):
        # Python integers, as the column held: of any size, as ``round`` gives them
        return pd.Series([int(v) for v in np.round(values)], dtype=object)
    if pd.api.types.is_bool_dtype(dtype):
        return pd.Series(values >= 0.5).astype(dtype)
    numpy_dtype = numpy_dtype_of(dtype)
    if pd.api.types.is_integer_dtype(dtype):
        low, high = integer_range(numpy_dtype)
        return pd.Series(np.clip(np.round(values), low, high)).astype(dtype)
    if isinstance(numpy_dtype, np.dtype) and numpy_dtype.kind == "f" and (
        numpy_dtype.itemsize < 8
    ):
        info = np.finfo(numpy_dtype)
        values = np.clip(values, float(info.min), float(info.max))
    return pd.Series(values).astype(dtype)


def integer_range(numpy_dtype):
    """The floats ``(low, high)`` that cast into the integer ``numpy_dtype`` exactly.

    ``float(2**63 - 1)`` is ``2**63``, which int64 cannot hold: the bound is
    then the float below it.
    """
    info = np.iinfo(numpy_dtype)
    low, high = float(info.min), float(info.max)
    if int(high) > info.max:
        high = float(np.nextafter(high, -np.inf))
    return low, high


def plain_value(value):
    """A NumPy scalar as the Python value it holds; anything else as it is."""
    return value.item() if isinstance(value, np.generic) else value


def dtype_state(dtype):
    """A dtype as plain values: its name, or what its name leaves out (the
    categories of a category dtype; the storage of a string dtype, which
    ``"string"`` and ``"str"`` name only by default)."""
    import pandas as pd

    if isinstance(dtype, pd.CategoricalDtype):
        return {
            "categories": [plain_value(c) for c in dtype.categories],
            "ordered": bool(dtype.ordered),
        }
    if isinstance(dtype, pd.StringDtype):
        return {"storage": dtype.storage, "nan": dtype.na_value is not pd.NA}
    return str(dtype)


def dtype_from_state(state, frame):
    if not frame:
        return np.dtype(state)
    import pandas as pd

    if isinstance(state, dict) and "storage" in state:
        return pd.StringDtype(state["storage"], na_value=np.nan if state["nan"] else pd.NA)
    if isinstance(state, dict):
        return pd.CategoricalDtype(state["categories"], ordered=state["ordered"])
    return pd.api.types.pandas_dtype(state)
