"""polars DataFrames in and out: converted from and to pandas, dtypes kept.

skvae codes tables with pandas. A polars DataFrame is converted column by
column, each in one vectorised step (no pyarrow needed): ``Float32`` to
``float32``, other floats to ``float64``, integers to the nullable integer
dtype of their width (``UInt8`` to ``"UInt8"``, ``Int128`` and ``UInt128``
to ``"Int64"``), decimals to ``float64``, booleans to ``"boolean"``, ``Categorical`` to a
``category`` and ``Enum`` to an ordered ``category`` (its order is its
categories'), strings to labels (``object``), ``Date`` and ``Datetime`` to
``datetime64`` (with the time zone), ``Duration`` to ``timedelta64``, a
column of nulls (``Null``) to an ``object`` column of ``None``; other
dtypes (``Time``, ``Binary``, ``Object``) pass through as objects. The
table's rules judge them all: they refuse dates, times and durations
unless declared labels. Nested dtypes (``List``, ``Array``, ``Struct``) are
refused here with a ``ValueError`` naming the column. Results go back to
polars with the input's schema; nulls stay nulls, and a pandas ``NaN``
becomes a null.
"""

import sys

import numpy as np

from ._dtypes import is_label_dtype, numpy_dtype_of


def is_frame(X):
    """Whether X is a pandas DataFrame (or a Dask DataFrame, which has its API).

    Every estimator converts a polars DataFrame to pandas on entry
    (:func:`to_pandas`); past that point, X is a DataFrame or an array.
    """
    return hasattr(X, "columns") and hasattr(X, "iloc")


def holds_lists(name, what="lists"):
    """The error for a column whose entries are lists (or other containers)."""
    return ValueError(
        f"Column {name!r} holds {what}, which cannot be modelled: a column must "
        "hold one number or label per row. Give each element a column of its "
        "own, or drop it."
    )


def is_polars(X):
    """Whether X is a polars DataFrame.

    A polars ``LazyFrame`` raises a ``TypeError``: it holds no rows until it
    is collected.
    """
    polars = sys.modules.get("polars")
    if polars is None:
        return False
    if isinstance(X, polars.LazyFrame):
        raise TypeError(
            "X is a polars LazyFrame, which holds no rows until it is computed: "
            "pass X.collect() instead."
        )
    return isinstance(X, polars.DataFrame)


def to_pandas(X):
    """A pandas DataFrame with the columns of the polars DataFrame X."""
    import pandas as pd

    columns = {name: _to_pandas(X.get_column(name)) for name in X.columns}
    return pd.DataFrame(columns, index=pd.RangeIndex(X.height))


def _to_pandas(series):
    """One polars Series as a pandas Series (see the module's docstring)."""
    import pandas as pd
    import polars as pl

    dtype = series.dtype
    name = series.name
    if dtype in (pl.Datetime, pl.Date, pl.Duration):
        # NumPy's datetime64 / timedelta64, copied: the user's memory stays theirs
        out = pd.Series(np.array(series.to_numpy()))
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            out = out.dt.tz_localize("UTC").dt.tz_convert(dtype.time_zone)
        return out
    if dtype.is_nested():
        raise holds_lists(name, f"nested values (polars dtype {dtype})")
    if dtype == pl.Float32:  # its precision kept: a value's float32 is what it holds
        return pd.Series(np.array(series.to_numpy(), dtype=np.float32))
    if dtype.is_float() or dtype.is_decimal():
        return pd.Series(np.array(series.cast(pl.Float64).to_numpy(), dtype=np.float64))
    if dtype.is_integer():
        if dtype in (pl.Int128, pl.UInt128):
            try:
                series = series.cast(pl.Int64, strict=True)
            except pl.exceptions.InvalidOperationError:
                raise ValueError(
                    f"Column {name!r} has the polars dtype {dtype} and values "
                    "beyond Int64's range, which cannot be modelled: cast it to "
                    "Float64, or scale it."
                ) from None
        missing = series.is_null().to_numpy()
        values = series.fill_null(0).to_numpy()
        return pd.Series(pd.arrays.IntegerArray(values, missing))
    if dtype == pl.Boolean:
        missing = series.is_null().to_numpy()
        values = series.fill_null(False).to_numpy()
        return pd.Series(pd.arrays.BooleanArray(values, missing))
    if isinstance(dtype, pl.Enum):
        codes = series.to_physical().cast(pl.Int64).fill_null(-1).to_numpy()
        return pd.Series(pd.Categorical.from_codes(
            codes, categories=dtype.categories.to_numpy(), ordered=True
        ))
    if dtype == pl.Categorical:
        return pd.Series(pd.Categorical(series.cast(pl.String).to_numpy()))
    if dtype == pl.Null:
        return pd.Series(np.full(len(series), None, dtype=object))
    return pd.Series(np.asarray(series.to_numpy(), dtype=object), dtype=object)


def to_polars(frame, schema):
    """The pandas DataFrame ``frame`` as polars, with the dtypes of ``schema``.

    A dtype of None leaves the column's dtype to polars.
    """
    import polars as pl

    return pl.DataFrame(
        [_to_polars(name, frame[name], dtype) for name, dtype in schema.items()]
    )


def _to_polars(name, column, dtype):
    """One pandas Series as a polars Series of ``dtype``, missing values null."""
    import pandas as pd
    import polars as pl

    missing = np.asarray(column.isna())
    zone = None
    if isinstance(column.dtype, pd.CategoricalDtype):
        labels = np.asarray(column.cat.categories, dtype=object)
        codes = column.cat.codes.to_numpy()
        values = (labels[np.where(missing, 0, codes)] if len(labels)
                  else np.full(len(column), None, dtype=object))
    elif pd.api.types.is_bool_dtype(column.dtype):
        values = column.to_numpy(dtype=bool, na_value=False)
    elif column.dtype.kind in "mM":
        zone = getattr(column.dtype, "tz", None)
        if zone is not None:
            column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        values = column.to_numpy()
        if np.datetime_data(values.dtype)[0] not in ("ms", "us", "ns"):
            # the units polars reads from NumPy
            values = values.astype(f"{values.dtype.str[1:3]}[us]")
    elif column.dtype.kind in "iuf":
        numpy_dtype = numpy_dtype_of(column.dtype)
        values = column.to_numpy(dtype=numpy_dtype, na_value=0)
    else:
        values = column.to_numpy(dtype=object, copy=True)
    if values.dtype == object:  # Python values, for polars to read as dtype
        values[missing] = None
        strings = dtype is not None and (
            dtype == pl.String or dtype == pl.Categorical or isinstance(dtype, pl.Enum)
        )  # polars reads strings from NumPy, other objects from a list
        return pl.Series(name, values if strings else values.tolist(), dtype=dtype)
    series = pl.Series(name, values)
    if zone is not None:
        series = series.dt.replace_time_zone("UTC")
    if missing.any():
        series = series.scatter(np.flatnonzero(missing), None)
    return series if dtype is None or series.dtype == dtype else series.cast(dtype)


def polars_schema(frame):
    """A polars schema for the pandas DataFrame ``frame``, as ``to_pandas`` reads it.

    Unordered categories of strings become ``Categorical``, ordered ones an
    ``Enum`` of the same order, labels ``String``; numbers and booleans
    their polars dtype; other columns are left to polars (None).
    """
    pd = sys.modules["pandas"]
    import polars as pl

    schema = {}
    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):
            categories = list(dtype.categories)
            if not all(isinstance(c, str) for c in categories):
                schema[name] = None
            else:
                schema[name] = pl.Enum(categories) if dtype.ordered else pl.Categorical
        elif pd.api.types.is_bool_dtype(dtype):
            schema[name] = pl.Boolean
        elif dtype.kind in "iuf":
            numpy_dtype = numpy_dtype_of(dtype)
            schema[name] = pl.Series(np.empty(0, numpy_dtype)).dtype
        elif is_label_dtype(dtype) and all(
            isinstance(v, str) for v in frame[name].dropna()
        ):
            schema[name] = pl.String
        else:
            schema[name] = None
    return schema


def output_schema(out, schema):
    """The input's polars ``schema`` for the filled pandas ``out``.

    In ``out``'s columns: a column the imputer dropped (no observed value
    in fit) is left out. An ``Enum`` whose categories lack fills takes the
    categories of ``out``'s column (see :func:`._fills._category_dtype`); a
    column of nulls (no dtype of its own) the dtype of its fills; indicator
    columns are booleans.
    """
    import polars as pl

    schema = {name: dtype for name, dtype in schema.items() if name in out.columns}
    for name, dtype in schema.items():
        if dtype == pl.Null:
            schema[name] = polars_schema(out[[name]])[name]
        elif isinstance(dtype, pl.Enum):
            categories = list(out[name].cat.categories)
            if categories != list(dtype.categories):
                schema[name] = pl.Enum(categories)
    schema.update({name: pl.Boolean for name in out.columns if name not in schema})
    return schema


def schema_state(schema):
    """A polars schema in plain values: ``{column: [dtype name, categories]}``.

    A dtype that :func:`schema_from_state` cannot rebuild exactly from its
    name (and an Enum's categories), such as ``Datetime("ms", "UTC")``, is
    kept as the dtype itself: pickle keeps it, and :func:`skvae.save`
    refuses it, as no plain value holds it.
    """
    import polars as pl

    state = {}
    for name, dtype in schema.items():
        entry = [dtype.base_type().__name__,
                 list(dtype.categories) if isinstance(dtype, pl.Enum) else None]
        try:
            exact = schema_from_state({name: entry})[name] == dtype
        except ValueError:
            exact = False
        state[name] = entry if exact else dtype
    return state


def schema_from_state(state):
    """The polars schema that :func:`schema_state` gave ``state`` for.

    A saved state is data: dtypes are rebuilt only from the names of the
    dtypes the table layer reads (see :func:`to_pandas`), and any other name
    raises a ``ValueError`` before anything is called.
    """
    import polars as pl

    names = (
        "Float16", "Float32", "Float64",
        "Int8", "Int16", "Int32", "Int64", "Int128",
        "UInt8", "UInt16", "UInt32", "UInt64", "UInt128",
        "Boolean", "String", "Utf8", "Categorical", "Enum",
    )

    def damaged(detail):
        return ValueError(
            f"The saved polars schema is damaged or was not written by skvae: "
            f"{detail}. Load a file written by skvae.save, or refit the model."
        )

    if not isinstance(state, dict):
        raise damaged(f"a {type(state).__name__} instead of a dict")
    schema = {}
    for name, entry in state.items():
        if isinstance(entry, pl.DataType):  # kept as the dtype itself (pickle)
            schema[name] = entry
            continue
        if not (isinstance(entry, (list, tuple)) and len(entry) == 2):
            raise damaged(f"column {name!r} has {entry!r}, not [dtype name, categories]")
        dtype, categories = entry
        if not isinstance(dtype, str) or dtype not in names:
            raise damaged(
                f"column {name!r} names the dtype {dtype!r}, which is not one of "
                f"{list(names)}"
            )
        if dtype != "Enum":
            schema[name] = getattr(pl, dtype)()
        elif isinstance(categories, (list, tuple)) and all(
            isinstance(c, str) for c in categories
        ):
            schema[name] = pl.Enum(categories)
        else:
            raise damaged(f"the Enum of column {name!r} has categories {categories!r}")
    return schema


def names_for_model(role, X, reset):
    """The DataFrame ``X`` as a role estimator passes it to its model.

    Where ``fit`` had no column names (scikit-learn records only strings)
    and ``X`` has some, the role estimator has just warned of them in
    ``validate_data``; its model, fitted on what ``fit`` had, would warn
    again, so it gets the columns numbered (a shallow copy).
    """
    if reset or hasattr(role, "feature_names_in_") or not any(
        isinstance(name, str) for name in X.columns
    ):
        return X
    X = X.copy(deep=False)
    X.columns = range(X.shape[1])
    return X


def check_column_names(X, names):
    """Raise unless the columns of the DataFrame X are ``names``, in order.

    scikit-learn checks the names of columns when they are all strings; the
    table keeps any names (integers too), and checks them all, as
    scikit-learn does: a column missing, unexpected or in another order
    raises a ``ValueError`` saying which.
    """
    given = list(X.columns)
    if given == list(names):
        return
    message = "The feature names should match those that were passed during fit.\n"
    unexpected = [n for n in given if n not in names]
    missing = [n for n in names if n not in given]
    if unexpected or missing:
        if unexpected:
            message += f"Feature names unseen at fit time: {_some(unexpected)}\n"
        if missing:
            message += f"Feature names seen at fit time, yet now missing: {_some(missing)}\n"
        message += "Pass the columns the model was fitted on.\n"
    else:
        message += (
            f"Feature names must be in the same order as they were in fit: "
            f"{_some(list(names))}, got {_some(given)}. Select the columns in "
            "the order of fit: X[names], names being the list above.\n"
        )
    raise ValueError(message)


def _some(names, n=10):
    return repr(names[:n])[:-1] + (", ...]" if len(names) > n else "]")
