"""Values to condition on: the rows ``sample(given=...)`` starts from and keeps.

:func:`given_rows` turns the user's ``given`` mapping into rows in the
fitted table's layout, the given cells observed and every other cell
missing, for the model's usual validation and coding (which refuse a value
the model cannot condition on, naming the column). :func:`keep_given` writes
the given values back, as given, into the decoded draws: a given value is
never replaced by the model's version of it.
"""

from collections.abc import Mapping
from numbers import Integral

import numpy as np

from ._dtypes import integer_range, numpy_dtype_of


def given_rows(table, given, n_samples, dtype=np.float64):
    """``n_samples`` rows holding ``given``, and the given values by position.

    Returns ``(X, values)``: ``X`` a DataFrame in the fitted columns' order
    (the table was fitted on one) or a float array, NaN where nothing is
    given; ``values`` maps a column's position to its ``n_samples`` given
    values (an object array). ``dtype`` is the float dtype of an array
    model's output, which must hold the given numbers.
    """
    import pandas as pd

    names = [column.name for column in table.columns]
    if not isinstance(given, Mapping) or not given:
        raise ValueError(
            "given must be a non-empty dict mapping columns (names for a "
            "DataFrame, positions for an array) to the values every generated "
            f"row keeps, got {given!r}."
        )
    not_positions = [name for name in given if isinstance(name, (bool, np.bool_))
                     or not isinstance(name, Integral)]
    if not table.frame and not_positions:
        raise ValueError(
            "given's keys are column positions (integers) for a model fitted on "
            f"an array, got {not_positions}."
        )
    unknown = [name for name in given if name not in names]
    if unknown:
        shown = f"{names[:10]}{'...' if len(names) > 10 else ''}"
        raise ValueError(
            f"given names {unknown}, which the model was not fitted on (its "
            f"columns: {shown})."
        )
    unobserved = table.unobserved
    unseen = [name for name in given if name in unobserved]
    if unseen:
        raise ValueError(
            f"given names {unseen}, which had no observed value in fit: the model "
            "learnt nothing of them and cannot condition on them. Leave them out "
            "of given."
        )
    position = {name: j for j, name in enumerate(names)}
    values = {}
    for name, value in given.items():
        column = np.asarray(value, dtype=object)
        if column.ndim == 0:
            column = np.full(n_samples, value, dtype=object)
        elif column.shape != (n_samples,):
            raise ValueError(
                f"given[{name!r}] holds {column.size} values in shape "
                f"{column.shape}: give one value, which every row keeps, or one "
                f"per row ({n_samples})."
            )
        if pd.isna(column).any():
            raise ValueError(
                f"given[{name!r}] holds a missing value. Leave the column out of "
                "given to draw it."
            )
        if table.frame:
            _check_dtype_holds(column, table.columns[position[name]].dtype, name)
        values[position[name]] = column
    if table.frame:
        empty = np.full(n_samples, None, dtype=object)
        X = pd.DataFrame(
            {name: pd.Series(list(values[j])) if j in values else empty
             for j, name in enumerate(names)}
        )
        return X, values
    X = np.full((n_samples, len(names)), np.nan)
    for j, column in values.items():
        numbers = _numbers(column)
        if numbers is None:
            shown = next((v for v in column if isinstance(v, (str, bytes))), column[0])
            raise ValueError(
                f"given[{j}] must hold numbers for a model fitted on an array, "
                f"got {shown!r}."
            )
        _check_dtype_holds(column, np.dtype(dtype), j)  # inf too
        X[:, j] = numbers
    return X, values


def _numbers(column):
    """An object array of given values as float64, or None where they are not
    numbers (strings are not, even where NumPy would parse them)."""
    if any(isinstance(v, (str, bytes)) for v in column):
        return None
    try:
        return column.astype(np.float64)
    except (TypeError, ValueError):
        return None


def _check_dtype_holds(column, dtype, name):
    """Raise unless the numbers of ``column`` are finite and a numeric
    ``dtype`` holds them.

    The given values come back in the column's dtype: 2.5 in an ``Int16``
    column, 300 in a ``uint8`` one, 0.5 in a boolean one, 1e40 or 1e-50 (0
    in float32) in a ``float32`` one would come back changed, and ``True``
    in a column of numbers as a number; a float comes back rounded to the
    dtype's precision. Values that are not numbers are left to the table's
    coding, which names what is wrong with them.
    """
    import pandas as pd

    integer = pd.api.types.is_integer_dtype(dtype)
    floating = pd.api.types.is_float_dtype(dtype)
    if not (integer or floating or pd.api.types.is_bool_dtype(dtype)):
        return
    flags = [v for v in column if isinstance(v, (bool, np.bool_))]
    if flags and (integer or floating):
        raise ValueError(
            f"given[{name!r}] holds {flags[0]!r}, but the column holds numbers of "
            f"dtype {dtype}: give a number."
        )
    numbers = pd.to_numeric(pd.Series(list(column)), errors="coerce").astype(float)
    numbers = numbers[numbers.notna()].to_numpy()
    if not np.isfinite(numbers).all():  # no model conditions on inf
        raise ValueError(
            f"given[{name!r}] holds {numbers[~np.isfinite(numbers)][0]}: give finite "
            "numbers."
        )
    numpy_dtype = numpy_dtype_of(dtype)
    if integer:
        low, high = integer_range(numpy_dtype)
        held = (numbers == np.round(numbers)) & (numbers >= low) & (numbers <= high)
    elif floating:
        held = np.abs(numbers) <= float(np.finfo(numpy_dtype).max)
        with np.errstate(over="ignore", under="ignore"):
            held &= (numbers == 0) | (numbers.astype(numpy_dtype) != 0)  # no underflow to 0
    else:
        held = (numbers == 0) | (numbers == 1)
    if not held.all():
        raise ValueError(
            f"given[{name!r}] holds {numbers[~held][0]:g}, which the column's dtype "
            f"{dtype} cannot hold: it would come back changed. Give a value of "
            "that dtype."
        )


def keep_given(out, values, table):
    """Write the given ``values`` into the decoded rows ``out``, as given."""
    import pandas as pd

    for j, column in values.items():
        if table.frame:
            name = table.columns[j].name
            out[name] = pd.Series(list(column), index=out.index).astype(out[name].dtype)
        else:
            out[:, j] = column.astype(np.float64)
    return out
