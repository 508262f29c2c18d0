"""polars DataFrames in and out (skipped without polars)."""

import io

import numpy as np
import pytest
from _settings import SMALL

from skvae import AutoencoderImputer, VAETransformer, load, save

pl = pytest.importorskip("polars")
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")



def _frame(n=120):
    rng = np.random.RandomState(0)
    x = rng.normal(size=n)
    return pl.DataFrame({
        "x": [None if i % 7 == 0 else v for i, v in enumerate(x)],
        "n": [None if i % 5 == 1 else int(v) for i, v in enumerate(rng.poisson(3, n))],
        "colour": pl.Series([["red", "blue", None][i % 3] for i in range(n)],
                            dtype=pl.Categorical),
        "size": pl.Series([["S", "L"][int(v > 0)] for v in x], dtype=pl.Enum(["S", "L"])),
        "city": [["paris", "rome", None, "oslo"][i % 4] for i in range(n)],
        "member": [None if i % 6 == 2 else bool(v > 0) for i, v in enumerate(x)],
    })


def test_imputer_takes_and_returns_polars():
    X = _frame()
    out = AutoencoderImputer(VAETransformer(**SMALL), random_state=0).fit_transform(X)
    assert isinstance(out, pl.DataFrame)
    assert out.schema == X.schema
    assert out.null_count().sum_horizontal().item() == 0
    for name in X.columns:
        observed = X[name].is_not_null()
        assert out[name].filter(observed).to_list() == X[name].filter(observed).to_list()


def test_imputer_indicator_columns_are_booleans():
    X = _frame()
    out = AutoencoderImputer(VAETransformer(**SMALL), add_indicator=True).fit_transform(X)
    with_holes = [n for n in X.columns if X[n].null_count()]
    assert out.columns[len(X.columns):] == [f"missingindicator_{n}" for n in with_holes]
    assert all(out.schema[n] == pl.Boolean for n in out.columns[len(X.columns):])


@pytest.mark.parametrize("add_indicator", [False, True])
def test_imputer_drops_a_polars_column_never_observed(add_indicator):
    X = _frame().with_columns(empty=pl.Series([None] * 120, dtype=pl.Int16))
    imputer = AutoencoderImputer(VAETransformer(**SMALL), add_indicator=add_indicator)
    with pytest.warns(UserWarning, match="Skipping features without any observed"):
        out = imputer.fit_transform(X)
    assert out.columns == list(imputer.get_feature_names_out())
    assert "empty" not in out.columns
    assert {name: out.schema[name] for name in _frame().columns} == dict(_frame().schema)


def test_models_sample_polars_and_transform_to_polars():
    X = _frame()
    model = VAETransformer(**SMALL).fit(X)
    assert model.column_types_ == {
        "x": "quantile", "n": "count", "colour": "categorical", "size": "ordinal",
        "city": "categorical", "member": "binary",
    }
    assert model.sample(4, random_state=0).schema == X.schema
    codes = model.set_output(transform="polars").transform(X)
    assert isinstance(codes, pl.DataFrame)
    assert codes.columns == ["vaetransformer0", "vaetransformer1"]


def test_numeric_polars_into_arrays_and_back():
    X = pl.DataFrame({"a": np.arange(50.0), "b": np.sin(np.arange(50.0))})
    imputer = AutoencoderImputer(VAETransformer(**SMALL)).set_output(transform="polars")
    out = imputer.fit_transform(X)
    assert isinstance(out, pl.DataFrame) and out.columns == ["a", "b"]


def test_a_polars_fitted_model_saves_and_loads():
    pytest.importorskip("skops")
    X = _frame()
    model = VAETransformer(**SMALL).fit(X)
    buffer = io.BytesIO()
    save(model, buffer)
    loaded = load(io.BytesIO(buffer.getvalue()))
    assert loaded.sample(3, random_state=0).equals(model.sample(3, random_state=0))


# ------------------------------------------------------------- conversion
def _every_dtype():
    import datetime
    import decimal

    import pandas as pd

    return pl.DataFrame({
        "f": [1.5, None, 2.0, 3.0],
        "f32": pl.Series([1.5, None, 2.0, 3.0]).cast(pl.Float32),
        "i": [1, None, 3, 2**62],
        "u8": pl.Series([1, None, 255, 0]).cast(pl.UInt8),
        "i8": pl.Series([1, None, -128, 127]).cast(pl.Int8),
        "b": [True, None, False, True],
        "s": ["a", None, "b", "c"],
        "c": pl.Series(["x", None, "y", "x"]).cast(pl.Categorical),
        "e": pl.Series(["lo", None, "hi", "lo"]).cast(pl.Enum(["lo", "hi"])),
        "n": pl.Series([None] * 4),
        "d": pl.Series([decimal.Decimal("1.25"), None, decimal.Decimal("2.5"),
                        decimal.Decimal(1)], dtype=pl.Decimal(10, 2)),
        "dt": pl.Series(pd.date_range("2020-01-01", periods=4))
        .cast(pl.Datetime("ms", "Europe/Paris")),
        "date": [None, datetime.date(2024, 1, 2), datetime.date(2024, 1, 3),
                 datetime.date(2024, 1, 4)],
        "dur": [None, datetime.timedelta(hours=1), datetime.timedelta(0),
                datetime.timedelta(days=2)],
        "time": [datetime.time(1), None, datetime.time(2), datetime.time(1)],
        "bytes": [b"x", None, b"y", b"x"],
    })


def test_polars_to_pandas_and_back_keeps_values_dtypes_and_nulls():
    import pandas as pd

    from skvae._frames import to_pandas, to_polars

    X = _every_dtype()
    P = to_pandas(X)
    assert {name: str(dtype) for name, dtype in P.dtypes.items()} == {
        "f": "float64", "f32": "float32", "i": "Int64", "u8": "UInt8", "i8": "Int8",
        "b": "boolean", "s": "object", "c": "category", "e": "category", "n": "object",
        "d": "float64", "dt": "datetime64[ms, Europe/Paris]", "date": "datetime64[s]",
        "dur": "timedelta64[us]", "time": "object", "bytes": "object",
    }
    assert P["i"].iloc[3] == 2**62  # integers are exact, not through floats
    assert list(P["e"].cat.categories) == ["lo", "hi"] and P["e"].cat.ordered
    assert P["s"].iloc[1] is None and P["n"].isna().all()
    back = to_polars(P, X.schema)
    assert back.schema == X.schema
    assert back.equals(X)
    # a pandas NaN comes back as a null
    P.loc[0, "f"] = np.nan
    assert to_polars(P, X.schema)["f"].null_count() == 2
    assert isinstance(P.index, pd.RangeIndex)


def test_conversion_is_vectorised(monkeypatch):
    from skvae._frames import to_pandas, to_polars

    X = _every_dtype().drop("time", "bytes")  # objects of no NumPy dtype are Python's

    def per_element(*args, **kwargs):
        raise AssertionError("converted element by element")

    schema = X.schema
    with monkeypatch.context() as patch:
        patch.setattr(pl.Series, "to_list", per_element)
        patch.setattr(pl.Series, "__iter__", per_element)
        back = to_polars(to_pandas(X), schema)
    assert back.equals(X)


@pytest.mark.parametrize(
    "series, match",
    [
        (pl.Series("w", [[1, 2], [3], None, [4]]), r"Column 'w' holds nested .*List"),
        (pl.Series("w", [{"a": 1}] * 4), r"Column 'w' holds nested .*Struct"),
        (pl.Series("w", [0, 1, 2, 3]).cast(pl.Time), "Column 'w' holds times of day"),
    ],
)
def test_what_polars_holds_that_cannot_be_modelled_is_refused_by_name(series, match):
    X = _frame(4).with_columns(series)
    with pytest.raises(ValueError, match=match):
        VAETransformer(**SMALL).fit(X)


@pytest.mark.parametrize("column", ["dt", "date", "dur", "time"])
def test_polars_dates_are_refused_unless_declared_labels(column):
    X = _frame(4).with_columns(_every_dtype()[column])
    with pytest.raises(ValueError, match=f"Column '{column}' (has|holds) .*declaring it"):
        VAETransformer(**SMALL).fit(X)
    model = VAETransformer(column_types={column: "categorical"}, **SMALL).fit(X)
    out = model.sample(20, random_state=0)
    assert out.schema == X.schema
    assert set(out[column].to_list()) <= set(X[column].drop_nulls().to_list())


def test_a_polars_column_of_nulls_is_refused_by_name():
    X = _frame().with_columns(pl.Series("empty", [None] * 120))
    with pytest.raises(ValueError, match="Column 'empty' has no observed value"):
        VAETransformer(**SMALL).fit(X)


def test_a_lazy_frame_is_refused_with_what_to_do():
    X = _frame()
    with pytest.raises(TypeError, match=r"LazyFrame.*X.collect\(\)"):
        VAETransformer(**SMALL).fit(X.lazy())
    model = VAETransformer(**SMALL).fit(X)
    with pytest.raises(TypeError, match=r"LazyFrame.*X.collect\(\)"):
        model.transform(X.lazy())


@pytest.mark.parametrize("dtype", [pl.UInt8, pl.Int8, pl.UInt16])
def test_bounded_integers_come_back_inside_their_range(dtype):
    rng = np.random.RandomState(0)
    info = np.iinfo(str(dtype).lower())
    values = rng.choice([info.max, info.max - 1, info.max - 3, info.min], 120)
    X = _frame().with_columns(pl.Series("u", values).cast(dtype))
    model = VAETransformer(column_types={"u": "real"}, **SMALL).fit(X)
    for out in (model.sample(200, random_state=0),
                model.inverse_transform(np.array([[1e6, 1e6], [-1e6, -1e6]]))):
        assert out.schema == X.schema
        assert out["u"].min() >= info.min and out["u"].max() <= info.max


def test_sample_given_keeps_polars_values_and_schema():
    X = _frame()
    model = VAETransformer(**SMALL).fit(X)
    out = model.sample(5, random_state=0, given={"city": "rome", "n": [0, 1, 2, 3, 4]})
    assert out.schema == X.schema
    assert out["city"].to_list() == ["rome"] * 5 and out["n"].to_list() == [0, 1, 2, 3, 4]
    assert out.null_count().sum_horizontal().item() == 0
