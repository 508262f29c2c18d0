"""polars DataFrames in and out (skipped without polars)."""

import io

import numpy as np
import pytest

from skvae import AutoencoderImputer, VAETransformer, load, save

pl = pytest.importorskip("polars")
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, device="cpu")


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


def test_models_sample_polars_and_transform_to_polars():
    X = _frame()
    model = VAETransformer(**SMALL).fit(X)
    assert model.column_types_ == {
        "x": "real", "n": "count", "colour": "categorical", "size": "ordinal",
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
