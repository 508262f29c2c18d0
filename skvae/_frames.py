"""polars DataFrames in and out: converted from and to pandas, dtypes kept.

skvae codes tables with pandas. A polars DataFrame is converted column by
column (no pyarrow needed): floats to ``float64``, integers to ``Int64``,
booleans to ``"boolean"``, ``Categorical`` to a ``category`` and ``Enum`` to
an ordered ``category`` (its order is its categories'), strings to labels;
other dtypes pass through as objects, for the table's rules to judge.
Results go back to polars with the input's schema.
"""

import sys

import numpy as np


def is_polars(X):
    polars = sys.modules.get("polars")
    return polars is not None and isinstance(X, polars.DataFrame)


def to_pandas(X):
    """A pandas DataFrame with the columns of the polars DataFrame X."""
    import pandas as pd
    import polars as pl

    columns = {}
    for name, series in X.to_dict().items():
        dtype = series.dtype
        values = series.to_list()
        if dtype.is_float():
            columns[name] = pd.Series(
                np.array([np.nan if v is None else v for v in values], dtype=float)
            )
        elif dtype.is_integer():
            columns[name] = pd.Series(values, dtype="Int64")
        elif dtype == pl.Boolean:
            columns[name] = pd.Series(values, dtype="boolean")
        elif isinstance(dtype, pl.Enum):
            categories = list(dtype.categories)
            columns[name] = pd.Series(
                pd.Categorical(values, categories=categories, ordered=True)
            )
        elif dtype == pl.Categorical:
            columns[name] = pd.Series(pd.Categorical(values))
        else:
            columns[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(columns)


def to_polars(frame, schema):
    """The pandas DataFrame ``frame`` as polars, with the dtypes of ``schema``."""
    import pandas as pd
    import polars as pl

    columns = []
    for name, dtype in schema.items():
        values = frame[name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        values = [None if v is None or v is pd.NA or v != v else v for v in values]
        columns.append(pl.Series(name, values, dtype=dtype))
    return pl.DataFrame(columns)


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
