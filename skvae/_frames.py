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
    """A polars schema in plain values: ``{column: [dtype name, categories]}``."""
    import polars as pl

    return {
        name: [dtype.base_type().__name__,
               list(dtype.categories) if isinstance(dtype, pl.Enum) else None]
        for name, dtype in schema.items()
    }


def schema_from_state(state):
    import polars as pl

    schema = {}
    for name, (dtype, categories) in state.items():
        kind = getattr(pl, dtype)
        schema[name] = pl.Enum(categories) if kind is pl.Enum else kind()
    return schema
