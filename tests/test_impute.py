"""Tests for AutoencoderImputer."""

import warnings

import numpy as np
import pandas as pd
import pytest
from _settings import SMALL, TINY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from skvae import AutoencoderImputer, AutoencoderTransformer, VAETransformer

SMALL_VAE = VAETransformer(
    n_components=2, n_importance_samples=5, train_importance_samples=3, **SMALL
)
SMALL_AE = AutoencoderTransformer(n_components=2, **SMALL)
TRAINED_VAE = VAETransformer(
    n_components=2,
    hidden_layer_sizes=(32,),
    train_importance_samples=5,
    max_iter=60,
    random_state=0,
    device="cpu",
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def make_data(n_samples=120, n_features=5, missing_rate=0.3, seed=0):
    """Correlated rows (rank 2 plus noise), X complete and X with NaN."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, 2) @ rng.randn(2, n_features) + 0.1 * rng.randn(
        n_samples, n_features
    )
    X_missing = np.where(rng.rand(*X.shape) < missing_rate, np.nan, X)
    empty_rows = np.isnan(X_missing).all(axis=1)
    X_missing[empty_rows, 0] = X[empty_rows, 0]
    return X, X_missing


def assert_observed_unchanged(X_imputed, X_missing):
    observed = ~np.isnan(X_missing)
    assert not np.isnan(X_imputed).any()
    np.testing.assert_array_equal(X_imputed[observed], X_missing[observed])


@parametrize_with_checks(
    [
        AutoencoderImputer(SMALL_VAE, random_state=0),
        AutoencoderImputer(SMALL_AE, random_state=0),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("estimator", [SMALL_VAE, SMALL_AE], ids=["vae", "ae"])
def test_observed_entries_returned_bit_for_bit(seed, dtype, estimator):
    missing_rate = [0.1, 0.3, 0.5, 0.8][seed]
    _, X_missing = make_data(n_samples=40, missing_rate=missing_rate, seed=seed)
    missing = np.isnan(X_missing)
    if dtype == np.int64:  # integers cannot hold NaN: code the holes as -1
        X_missing = np.where(missing, -1, np.abs(np.nan_to_num(X_missing)) * 100)
        imputer = AutoencoderImputer(estimator, missing_values=-1)
    else:
        imputer = AutoencoderImputer(estimator)
    X_missing = X_missing.astype(dtype)
    X_before = X_missing.copy()
    X_imputed = imputer.fit_transform(X_missing)
    assert X_imputed.dtype == (np.float64 if dtype == np.int64 else dtype)
    observed_input = X_missing[~missing].astype(X_imputed.dtype)
    assert X_imputed[~missing].tobytes() == observed_input.tobytes()
    assert np.isfinite(X_imputed).all()
    np.testing.assert_array_equal(X_missing, X_before)  # the user's array is untouched


def test_transform_is_deterministic_and_row_independent():
    _, X_missing = make_data()
    imputer = AutoencoderImputer(SMALL_VAE).fit(X_missing)
    full = imputer.transform(X_missing)
    np.testing.assert_array_equal(full, imputer.transform(X_missing))
    part = imputer.transform(X_missing[7:19])
    np.testing.assert_allclose(part, full[7:19], rtol=1e-6)


def test_imputes_better_than_the_mean():
    X, X_missing = make_data(n_samples=300)
    X_imputed = AutoencoderImputer(TRAINED_VAE).fit_transform(X_missing)
    missing = np.isnan(X_missing)
    column_means = np.nanmean(X_missing, axis=0)
    mean_error = ((np.where(missing, column_means, X) - X)[missing] ** 2).mean()
    error = ((X_imputed - X)[missing] ** 2).mean()
    assert error < 0.5 * mean_error


def test_transform_new_data():
    X, X_missing = make_data(n_samples=200)
    imputer = AutoencoderImputer(SMALL_VAE).fit(X_missing[:150])
    X_new = np.where(np.random.RandomState(1).rand(50, 5) < 0.4, np.nan, X[150:])
    X_new[np.isnan(X_new).all(axis=1), 1] = 0.0
    assert_observed_unchanged(imputer.transform(X_new), X_new)


def test_dataframe_round_trip_keeps_index_names_and_dtypes():
    rng = np.random.RandomState(0)
    n = 60
    base = rng.randn(n)
    frame = pd.DataFrame(
        {
            "count": (10 * base + 50).round().astype(np.int64),
            "nullable": pd.array((3 * base).round(), dtype="Int64"),
            "single": (base + 0.1 * rng.randn(n)).astype(np.float32),
            "double": pd.array(base - 1.0, dtype="Float64"),
            "flag": base > 0,
        },
        index=pd.Index([f"r{i}" for i in range(n)], name="row"),
    )
    holes = rng.rand(n, 5) < 0.25
    holes[holes.all(axis=1), 0] = False
    X = frame.astype({"count": "Int64", "flag": "boolean"}).mask(holes)
    X_imputed = AutoencoderImputer(SMALL_VAE).fit_transform(X)

    assert isinstance(X_imputed, pd.DataFrame)
    pd.testing.assert_index_equal(X_imputed.index, X.index)
    assert list(X_imputed.columns) == list(X.columns)
    assert list(X_imputed.dtypes) == list(X.dtypes)
    assert not X_imputed.isna().any().any()
    pd.testing.assert_frame_equal(X_imputed.mask(holes), X.mask(holes))


def test_dataframe_with_a_number_for_missing_keeps_numpy_dtypes():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(
        {"count": rng.randint(0, 9, 40), "single": rng.randn(40).astype(np.float32)},
        index=np.arange(100, 140),
    )
    frame.iloc[::4, 0] = -1
    frame.iloc[1::4, 1] = -1
    X_imputed = AutoencoderImputer(SMALL_AE, missing_values=-1).fit_transform(frame)
    assert X_imputed.dtypes.tolist() == [np.int64, np.float32]
    pd.testing.assert_index_equal(X_imputed.index, frame.index)
    assert (X_imputed.iloc[::4, 0] >= 0).all()
    pd.testing.assert_series_equal(X_imputed.iloc[2::4, 0], frame.iloc[2::4, 0])


def test_integer_columns_get_integer_values():
    frame = pd.DataFrame({"a": pd.array([1, 2, None, 4, 5, None, 7, 8], dtype="Int64")})
    frame["b"] = np.arange(8.0)
    X_imputed = AutoencoderImputer(SMALL_VAE).fit_transform(frame)
    assert X_imputed["a"].dtype == "Int64"
    assert not X_imputed["a"].isna().any()


def test_pandas_na_as_missing_values_means_nan():
    # as in SimpleImputer: pd.NA marks what NaN marks, in arrays and frames
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"x": rng.normal(size=60),
                          "k": pd.array(rng.poisson(3, 60), dtype="Int64")})
    frame.loc[3, "k"] = pd.NA
    frame.loc[5, "x"] = np.nan
    for X in (frame, frame.astype({"k": "float64"}).to_numpy()):
        expected = AutoencoderImputer(SMALL_VAE, random_state=0).fit_transform(X)
        imputer = AutoencoderImputer(SMALL_VAE, missing_values=pd.NA, random_state=0)
        filled = imputer.fit_transform(X)
        if isinstance(X, pd.DataFrame):
            pd.testing.assert_frame_equal(filled, expected)
        else:
            np.testing.assert_array_equal(filled, expected)
        assert not pd.isna(filled).any(axis=None)


def test_missing_values_other_than_nan_need_numeric_columns():
    frame = pd.DataFrame({"x": [1.0, -1.0, 3.0], "city": ["a", "b", "c"]})
    message = r"missing_values=-1 applies to numeric data only"
    with pytest.raises(ValueError, match=message):
        AutoencoderImputer(SMALL_VAE, missing_values=-1).fit(frame)


def _numeric_frame(n=80, seed=0):
    """A DataFrame of numbers whose columns the models type by their values."""
    rng = np.random.RandomState(seed)
    base = rng.randn(n)
    return pd.DataFrame(
        {
            "level": base,
            "visits": rng.poisson(np.exp(1 + 0.3 * base)),
            "spend": np.where(rng.rand(n) < 0.5, 0.0, np.exp(base)),
            "twin": 2 * base + 0.1 * rng.randn(n),
        }
    )


def test_a_frame_of_numbers_reaches_the_model_whole():
    X = _numeric_frame().astype({"visits": "Int64"})  # integers with holes
    X_missing = X.mask(np.random.RandomState(1).rand(*X.shape) < 0.2)
    model = VAETransformer(n_components=2, column_types={"spend": "real"}, **SMALL)
    imputer = AutoencoderImputer(model, random_state=0).fit(X_missing)
    # column_types by name, and the others typed as the model types them alone
    assert imputer.estimator_.column_types_ == {
        "level": "quantile", "visits": "count", "spend": "real", "twin": "quantile"
    }
    alone = VAETransformer(n_components=2, **SMALL).fit(X_missing.dropna())
    assert alone.column_types_["spend"] == "zero-inflated"
    filled = imputer.transform(X_missing)
    assert list(filled.dtypes) == list(X.dtypes)
    pd.testing.assert_frame_equal(filled.mask(X_missing.isna()), X_missing)


def test_an_imputer_fitted_on_a_frame_of_numbers_fills_an_array_alike():
    X = _numeric_frame().astype({"visits": "Int64"})
    X_missing = X.mask(np.random.RandomState(2).rand(*X.shape) < 0.2)
    imputer = AutoencoderImputer(SMALL_VAE, random_state=0).fit(X_missing)
    array = X_missing.to_numpy(dtype=np.float64, na_value=np.nan)
    with pytest.warns(UserWarning, match="does not have valid feature names") as record:
        filled = imputer.transform(array)
    # the imputer's warning, not its model's too
    assert sum("valid feature names" in str(w.message) for w in record) == 1
    assert isinstance(filled, np.ndarray) and filled.dtype == np.float64
    expected = imputer.transform(X_missing).to_numpy(dtype=np.float64)
    np.testing.assert_allclose(filled, expected)
    # a row with nothing observed takes the means, beside a column empty in fit
    X_missing["empty"] = np.nan
    imputer = AutoencoderImputer(SMALL_VAE, keep_empty_features=True).fit(X_missing)
    array = X_missing.to_numpy(dtype=np.float64, na_value=np.nan)
    array[3] = np.nan
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        filled = imputer.transform(array)
    means = X_missing.iloc[:, :4].astype("Float64").mean().to_numpy(dtype=np.float64)
    means[1] = round(means[1])  # visits: integers
    np.testing.assert_allclose(filled[3, :4], means, rtol=1e-6)
    assert filled[3, 4] == 0.0  # as SimpleImputer fills an empty feature kept


def test_a_number_for_missing_in_a_frame_of_numbers_reaches_the_model_as_missing():
    X = _numeric_frame()
    X.iloc[::5, 1] = -1
    X.iloc[1::7, 0] = -1.0
    imputer = AutoencoderImputer(SMALL_VAE, missing_values=-1, random_state=0)
    filled = imputer.fit_transform(X)
    # the marked integers stay integers to the model, and X is untouched
    assert imputer.estimator_.column_types_["visits"] == "count"
    assert (X.iloc[::5, 1] == -1).all()
    assert list(filled.dtypes) == list(X.dtypes)
    assert (filled.iloc[::5, 1] >= 0).all() and (filled.iloc[1::7, 0] != -1).all()
    kept = X != -1
    pd.testing.assert_frame_equal(filled[kept], X[kept])
    X.iloc[2, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        imputer.fit(X)


def test_non_numeric_array_is_refused():
    X = np.array([[1.0, "a"], [np.nan, "b"]], dtype=object)
    with pytest.raises(ValueError, match="X holds strings"):
        AutoencoderImputer(SMALL_VAE).fit(X)


@pytest.mark.parametrize("add_indicator", [False, True])
def test_feature_names_with_indicator(add_indicator):
    _, X_missing = make_data(n_features=3)
    X_missing[:, 2] = np.arange(len(X_missing))  # never missing: no indicator
    frame = pd.DataFrame(X_missing, columns=["a", "b", "c"])
    imputer = AutoencoderImputer(SMALL_VAE, add_indicator=add_indicator)
    X_imputed = imputer.fit_transform(frame)
    expected = ["a", "b", "c"]
    if add_indicator:
        expected += ["missingindicator_a", "missingindicator_b"]
        assert X_imputed["missingindicator_a"].dtype == bool
        indicator = X_imputed["missingindicator_b"]
        np.testing.assert_array_equal(indicator, frame["b"].isna())
    assert list(imputer.get_feature_names_out()) == expected
    assert list(X_imputed.columns) == expected


def test_array_output_and_set_output_pandas_on_array_input():
    _, X_missing = make_data(n_features=3)
    imputer = AutoencoderImputer(SMALL_VAE, add_indicator=True).fit(X_missing)
    X_array = imputer.transform(X_missing)
    assert isinstance(X_array, np.ndarray) and X_array.shape == (len(X_missing), 6)
    np.testing.assert_array_equal(X_array[:, 3:], np.isnan(X_missing))
    X_imputed = imputer.set_output(transform="pandas").transform(X_missing)
    assert X_imputed.dtypes.unique().tolist() == [np.float64]
    assert list(X_imputed.columns) == [
        "x0", "x1", "x2", "missingindicator_x0", "missingindicator_x1",
        "missingindicator_x2",
    ]


def test_multiple_imputation():
    X, X_missing = make_data(n_samples=300)
    imputer = AutoencoderImputer(TRAINED_VAE, sample_posterior=True, random_state=0)
    imputer.fit(X_missing)
    draws = np.stack(
        [
            imputer.set_params(random_state=seed).transform(X_missing)
            for seed in range(40)
        ]
    )
    missing = np.isnan(X_missing)
    for draw in draws:
        assert_observed_unchanged(draw, X_missing)
    assert (draws[0] != draws[1])[missing].all()
    np.testing.assert_array_equal(
        imputer.set_params(random_state=3).transform(X_missing), draws[3]
    )
    conditional_mean = imputer.set_params(sample_posterior=False).transform(X_missing)
    spread = draws.std(axis=0)[missing]
    gap = np.abs(draws.mean(axis=0) - conditional_mean)[missing]
    assert np.median(gap / spread) < 0.5


def test_sample_posterior_needs_a_vae():
    _, X_missing = make_data()
    message = "sample_posterior=True needs a model that can draw a completion"
    with pytest.raises(ValueError, match=message):
        AutoencoderImputer(SMALL_AE, sample_posterior=True).fit(X_missing)
    imputer = AutoencoderImputer(SMALL_AE).fit(X_missing)
    with pytest.raises(ValueError, match=message):
        imputer.set_params(sample_posterior=True).transform(X_missing)


@pytest.mark.parametrize("sample_posterior", [False, True])
def test_rows_with_nothing_observed(sample_posterior):
    _, X_missing = make_data()
    X_missing[[3, 10]] = np.nan
    imputer = AutoencoderImputer(SMALL_VAE, sample_posterior=sample_posterior)
    X_imputed = imputer.fit_transform(X_missing)
    assert not np.isnan(X_imputed).any()
    if not sample_posterior:
        np.testing.assert_allclose(X_imputed[3], np.nanmean(X_missing, axis=0))
        np.testing.assert_allclose(X_imputed[10], np.nanmean(X_missing, axis=0))


@pytest.mark.parametrize("dtype", ["float32", "Float32", "Float64", "Int16", "UInt8"])
@pytest.mark.parametrize("numeric_only", [True, False])
def test_a_frame_row_with_nothing_observed_takes_means_of_its_columns_dtypes(
    dtype, numeric_only
):
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"v": pd.Series((10 * rng.rand(40)).round()).astype(dtype)})
    X["w"] = rng.randn(40)
    if not numeric_only:
        X["k"] = pd.Categorical(rng.choice(["x", "y"], 40))
    X.iloc[5] = None
    X_imputed = AutoencoderImputer(SMALL_VAE, random_state=0).fit_transform(X)
    assert list(X_imputed.dtypes) == list(X.dtypes)
    mean = X["v"].astype("Float64").mean()
    expected = round(mean) if X["v"].dtype.kind in "iu" else mean
    assert X_imputed["v"].iloc[5] == pytest.approx(expected, rel=1e-6)


def test_rows_with_nothing_observed_ae():
    _, X_missing = make_data()
    imputer = AutoencoderImputer(SMALL_AE).fit(X_missing)
    X_imputed = imputer.transform(np.full((2, 5), np.nan))
    means = np.nanmean(X_missing, axis=0)
    np.testing.assert_allclose(X_imputed, np.tile(means, (2, 1)))


@pytest.mark.parametrize("keep_empty_features", [False, True])
def test_empty_features(keep_empty_features):
    _, X_missing = make_data()
    X_missing[:, 1] = np.nan
    imputer = AutoencoderImputer(SMALL_VAE, keep_empty_features=keep_empty_features)
    imputer.fit(X_missing)
    X_new = X_missing[:10].copy()
    X_new[0, 1] = 7.0  # observed at transform in a feature empty at fit
    if keep_empty_features:
        X_imputed = imputer.transform(X_new)
        assert X_imputed.shape == (10, 5)
        assert X_imputed[0, 1] == 7.0
        np.testing.assert_array_equal(X_imputed[1:, 1], 0.0)
        assert list(imputer.get_feature_names_out()) == ["x0", "x1", "x2", "x3", "x4"]
    else:
        with pytest.warns(UserWarning, match=r"Skipping features without any observed"):
            X_imputed = imputer.transform(X_new)
        assert X_imputed.shape == (10, 4)
        assert list(imputer.get_feature_names_out()) == ["x0", "x2", "x3", "x4"]


def test_nothing_observed_at_all():
    with pytest.raises(ValueError, match="X has no observed value"):
        AutoencoderImputer(SMALL_VAE).fit(np.full((5, 3), np.nan))


def test_missing_values_as_a_number():
    X, X_missing = make_data()
    X_coded = np.where(np.isnan(X_missing), -999.0, X_missing)
    imputer = AutoencoderImputer(SMALL_VAE, missing_values=-999.0)
    X_imputed = imputer.fit_transform(X_coded)
    expected = AutoencoderImputer(SMALL_VAE).fit_transform(X_missing)
    np.testing.assert_allclose(X_imputed, expected)
    assert not imputer.__sklearn_tags__().input_tags.allow_nan
    assert AutoencoderImputer().__sklearn_tags__().input_tags.allow_nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        imputer.transform(X_missing)


def test_autoencoder_estimator_fills_with_reconstructions():
    X, X_missing = make_data(n_samples=300)
    ae = AutoencoderTransformer(n_components=2, hidden_layer_sizes=(32,), max_iter=60,
                                random_state=0, device="cpu")
    imputer = AutoencoderImputer(ae).fit(X_missing)
    assert isinstance(imputer.estimator_, AutoencoderTransformer)
    assert imputer.estimator_ is not ae
    X_imputed = imputer.transform(X_missing)
    assert_observed_unchanged(X_imputed, X_missing)
    missing = np.isnan(X_missing)
    assert ((X_imputed - X)[missing] ** 2).mean() < 0.5 * X[missing].var()


def test_default_estimator():
    _, X_missing = make_data(n_samples=40, n_features=4)
    imputer = AutoencoderImputer(random_state=0).fit(X_missing)
    assert isinstance(imputer.estimator_, VAETransformer)
    assert imputer.estimator_.n_components == 3
    assert imputer.estimator is None


def test_random_state_seeds_the_estimator_and_not_the_global_rng():
    _, X_missing = make_data()
    estimator = VAETransformer(**{**SMALL, "random_state": None})
    np_state, torch_state = np.random.get_state()[1].copy(), _torch_rng_state()
    first = AutoencoderImputer(estimator, random_state=3).fit_transform(X_missing)
    second = AutoencoderImputer(estimator, random_state=3).fit_transform(X_missing)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    assert _torch_rng_state().equal(torch_state)


def _torch_rng_state():
    import torch

    return torch.get_rng_state()


@pytest.mark.parametrize("estimator", ["pca", 3])
def test_estimator_must_be_an_autoencoder(estimator):
    from sklearn.decomposition import PCA

    estimator = PCA() if estimator == "pca" else estimator
    with pytest.raises(ValueError, match="The 'estimator' parameter"):
        AutoencoderImputer(estimator).fit(make_data()[1])


def test_pipeline_and_grid_search_over_estimator_parameters():
    X, X_missing = make_data(n_samples=90)
    y = X @ np.arange(1.0, 6.0)
    pipeline = make_pipeline(AutoencoderImputer(SMALL_VAE), Ridge())
    search = GridSearchCV(
        pipeline,
        {"autoencoderimputer__estimator__n_components": [1, 2]},
        cv=2,
    ).fit(X_missing, y)
    best = search.best_estimator_[0]
    assert best.estimator_.n_components == search.best_params_[
        "autoencoderimputer__estimator__n_components"
    ]


# ------------------------------------------------------- batches of a mixed table
COLOURS = ["a", "b", "c", "d"]
SIZES = ["S", "M", "L"]
CITIES = ["oslo", "paris", "rome"]


def mixed_table(n=60, seed=0):
    """A table of a real, an unordered, an ordered and a label column, with holes."""
    rng = np.random.RandomState(seed)
    frame = pd.DataFrame(
        {
            "x": rng.randn(n),
            "colour": pd.Categorical(rng.choice(COLOURS, n), categories=COLOURS),
            "size": pd.Categorical(rng.choice(SIZES, n), categories=SIZES, ordered=True),
            "city": pd.Series(rng.choice(CITIES, n), dtype=object),
        }
    )
    return frame.mask(rng.rand(n, 4) < 0.25)


def polars_table(pl, X):
    """mixed_table's X in polars: colour Categorical, size an Enum, city strings."""
    def cells(name):
        return [None if pd.isna(v) else v for v in X[name].astype(object)]

    return pl.DataFrame({
        "x": pl.Series(cells("x"), dtype=pl.Float64),
        "colour": pl.Series(cells("colour"), dtype=pl.Categorical),
        "size": pl.Series(cells("size"), dtype=pl.Enum(SIZES)),
        "city": pl.Series(cells("city"), dtype=pl.String),
    })


@pytest.fixture(scope="module")
def fitted_on_mixed():
    return AutoencoderImputer(VAETransformer(**TINY), random_state=0).fit(mixed_table())


def assert_filled_batch(out, batch, categories):
    """Observed cells unchanged, every hole filled with a label seen in fit."""
    assert list(out.columns) == list(batch.columns)
    pd.testing.assert_index_equal(out.index, batch.index)
    assert not out.isna().any().any()
    for name in batch.columns:
        observed = batch[name].notna().to_numpy()
        assert out[name][observed].astype(object).tolist() == (
            batch[name][observed].astype(object).tolist()
        ), name
        if name in categories:
            assert set(out[name][~observed]) <= set(categories[name]), name


@st.composite
def category_batches(draw):
    """A batch of mixed_table's columns, each category column rebuilt on its own
    subset of the fitted categories, in an order of its own (ordered columns in
    the fitted order: the order they mean)."""
    n = draw(st.integers(1, 6))
    columns = {"x": draw(st.lists(st.none() | st.floats(-3, 3), min_size=n, max_size=n))}
    for name, fitted, ordered in (("colour", COLOURS, False), ("size", SIZES, True)):
        subset = draw(st.lists(st.sampled_from(fitted), unique=True, max_size=len(fitted)))
        if ordered:
            subset = [c for c in fitted if c in subset]
        labels = st.none() if not subset else st.none() | st.sampled_from(subset)
        values = draw(st.lists(labels, min_size=n, max_size=n))
        columns[name] = pd.Categorical(values, categories=subset, ordered=ordered)
    labels = st.none() | st.sampled_from(CITIES)
    columns["city"] = pd.Series(draw(st.lists(labels, min_size=n, max_size=n)), dtype=object)
    start = draw(st.integers(0, 100))
    index = pd.RangeIndex(start, start + n)
    return pd.DataFrame({k: pd.Series(v).set_axis(index) for k, v in columns.items()},
                        index=index).astype({"x": float})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=category_batches())
def test_batches_with_other_categories_are_filled(fitted_on_mixed, batch):
    out = fitted_on_mixed.transform(batch)
    assert_filled_batch(out, batch, {"colour": COLOURS, "size": SIZES, "city": CITIES})
    for name, fitted in (("colour", COLOURS), ("size", SIZES)):
        dtype, given = out[name].dtype, batch[name].dtype
        assert isinstance(dtype, pd.CategoricalDtype) and dtype.ordered == given.ordered
        if given.ordered:  # the fitted ones it lacks at their place in the fitted order
            assert list(dtype.categories) == fitted
        else:  # the batch's categories, in its order, then the fitted ones it lacks
            lacking = [c for c in fitted if c not in list(given.categories)]
            assert list(dtype.categories) == list(given.categories) + lacking


def test_a_batch_keeps_its_category_dtype_when_it_holds_the_fitted_ones(fitted_on_mixed):
    batch = mixed_table(n=12, seed=1)
    batch["colour"] = batch["colour"].cat.reorder_categories(["d", "b", "a", "c"])
    batch["colour"] = batch["colour"].cat.add_categories(["unused"])
    batch["size"] = batch["size"].cat.reorder_categories(["L", "M", "S"])
    out = fitted_on_mixed.transform(batch)
    assert out["colour"].dtype == batch["colour"].dtype
    assert out["size"].dtype == batch["size"].dtype
    assert_filled_batch(out, batch, {"colour": COLOURS, "size": SIZES, "city": CITIES})
    # the same fills as for the fitted dtypes: the labels are what counts
    expected = fitted_on_mixed.transform(mixed_table(n=12, seed=1))
    assert out["colour"].tolist() == expected["colour"].tolist()
    assert out["size"].tolist() == expected["size"].tolist()


def test_a_batch_rebuilt_with_astype_category(fitted_on_mixed):
    X = mixed_table()
    batch = X.iloc[:5].astype({"colour": object, "size": object}).astype(
        {"colour": "category", "size": "category"}
    )
    out = fitted_on_mixed.transform(batch)
    assert_filled_batch(out, batch, {"colour": COLOURS, "size": SIZES, "city": CITIES})
    expected = fitted_on_mixed.transform(X.iloc[:5])
    for name in ("colour", "size"):
        assert out[name].tolist() == expected[name].tolist()
        assert not out[name].dtype.ordered


def test_a_batch_column_with_nothing_observed_takes_the_fitted_type(fitted_on_mixed):
    batch = mixed_table(n=4, seed=2)
    batch["colour"] = np.nan  # pandas makes a column of holes float
    batch["city"] = pd.Series([None] * 4, dtype=object, index=batch.index)
    out = fitted_on_mixed.transform(batch)
    assert out["colour"].dtype == mixed_table()["colour"].dtype
    assert set(out["colour"]) <= set(COLOURS)
    assert out["city"].dtype == object and set(out["city"]) <= set(CITIES)


def test_an_ordered_batch_that_orders_its_categories_unlike_fit_is_refused(
    fitted_on_mixed,
):
    batch = mixed_table(n=5)
    batch["size"] = pd.Categorical(["L", None, "S", "S", "L"], categories=["L", "S"],
                                   ordered=True)
    with pytest.raises(ValueError, match=r"Column 'size' has the ordered categories "
                                         r"\['L', 'S'\], which lack \['M'\]"):
        fitted_on_mixed.transform(batch)


@pytest.mark.parametrize("column", ["colour", "city"])
def test_labels_unseen_in_fit_are_refused_by_name(fitted_on_mixed, column):
    batch = mixed_table(n=4)
    values = batch[column].astype(object).tolist()
    values[1] = "zz"
    batch[column] = pd.Series(values, dtype=object).astype(batch[column].dtype.name)
    with pytest.raises(ValueError, match=rf"Column '{column}' holds 'zz', a category "
                                         "not seen in fit"):
        fitted_on_mixed.transform(batch)


def test_polars_batches_with_other_categories():
    pl = pytest.importorskip("polars")
    X = mixed_table()
    X_pl = polars_table(pl, X)
    imputer = AutoencoderImputer(VAETransformer(**TINY), random_state=0).fit(X_pl)
    batch = X_pl[:8].with_columns(
        pl.Series("colour", ["a", None, "a", None, "b", None, "a", "b"],
                  dtype=pl.Categorical),
        pl.Series("size", ["S", None, "L", "L", None, "S", None, "L"],
                  dtype=pl.Enum(["S", "L"])),
    )
    out = imputer.transform(batch)
    assert isinstance(out, pl.DataFrame)
    assert out.schema["colour"] == pl.Categorical
    assert out.schema["size"] == pl.Enum(SIZES)  # M has its place between S and L
    assert out.null_count().sum_horizontal().item() == 0
    for name in batch.columns:
        observed = batch[name].is_not_null()
        assert out[name].filter(observed).to_list() == batch[name].filter(observed).to_list()
    assert set(out["colour"].to_list()) <= set(COLOURS)
    unseen = batch.with_columns(pl.Series("colour", ["zz"] + [None] * 7, dtype=pl.Categorical))
    with pytest.raises(ValueError, match="Column 'colour' holds 'zz'"):
        imputer.transform(unseen)


# --------------------------------------------------------- keep_empty_features
def test_keep_empty_features_on_a_mixed_frame_follows_simple_imputer():
    from sklearn.impute import SimpleImputer

    X = mixed_table()
    n = len(X)
    X["float"] = np.nan
    X["count"] = pd.array([None] * n, dtype="Int64")
    X["flag"] = pd.array([None] * n, dtype="boolean")
    X["labels"] = pd.Series([None] * n, dtype=object)
    X["text"] = pd.Series([None] * n, dtype="string")
    X["group"] = pd.Categorical([None] * n, categories=["p", "q"])
    X["level"] = pd.Categorical([None] * n, categories=[1, 2, 3])
    empty = ["float", "count", "flag", "labels", "text", "group", "level"]
    imputer = AutoencoderImputer(VAETransformer(**TINY), keep_empty_features=True,
                                 random_state=0)
    out = imputer.fit_transform(X)
    assert not out.isna().any().any()
    expected = {"float": 0.0, "count": 0, "flag": False, "labels": "missing_value",
                "text": "missing_value", "group": "missing_value", "level": 0}
    for name in empty:
        assert out[name].tolist() == [expected[name]] * n, name
        if name in ("float", "count", "flag", "labels", "text"):
            assert out[name].dtype == X[name].dtype, name
    assert list(out["group"].cat.categories) == ["p", "q", "missing_value"]
    assert list(out["level"].cat.categories) == [1, 2, 3, 0]
    # SimpleImputer's constant fills of the same columns
    simple = SimpleImputer(strategy="constant", keep_empty_features=True)
    labels = simple.fit_transform(np.full((n, 2), np.nan, dtype=object))
    assert (labels == "missing_value").all()
    numbers = simple.fit_transform(X[["float"]])
    assert (numbers == 0).all()
    # an entry observed at transform in an empty feature is kept
    batch = X.iloc[:3].copy()
    batch["labels"] = ["seen", None, None]
    batch["float"] = [7.0, np.nan, np.nan]
    out = imputer.transform(batch)
    assert out["labels"].tolist() == ["seen", "missing_value", "missing_value"]
    assert out["float"].tolist() == [7.0, 0.0, 0.0]


# --------------------------------------------------------------- output containers
def _containers():
    pl = pytest.importorskip("polars")
    X = mixed_table()
    numbers = X[["x"]].assign(y=np.arange(len(X), dtype=float))
    X_pl = polars_table(pl, X).drop("city")
    return pl, {"array": numbers.to_numpy(), "numbers": numbers, "pandas": X,
                "polars": X_pl}


@pytest.mark.parametrize("source", ["array", "numbers", "pandas", "polars"])
@pytest.mark.parametrize("container", ["default", "pandas", "polars"])
def test_output_container_for_every_input_and_set_output(source, container):
    pl, inputs = _containers()
    X = inputs[source]
    imputer = AutoencoderImputer(VAETransformer(**TINY), random_state=0,
                                 add_indicator=True).set_output(transform=container)
    out = imputer.fit_transform(X)
    names = list(imputer.get_feature_names_out())
    if container == "default":
        expected = {"array": np.ndarray, "numbers": pd.DataFrame, "pandas": pd.DataFrame,
                    "polars": pl.DataFrame}[source]
    else:
        expected = pd.DataFrame if container == "pandas" else pl.DataFrame
    assert type(out) is expected
    default = AutoencoderImputer(VAETransformer(**TINY), random_state=0,
                                 add_indicator=True).fit_transform(X)
    if source == "array":  # as scikit-learn's imputers: floats, x0, x1, ...
        values = np.asarray(out.to_numpy() if hasattr(out, "columns") else out)
        np.testing.assert_array_equal(values, default)
        if container != "default":
            assert list(out.columns) == ["x0", "x1", "missingindicator_x0"]
        return
    assert list(out.columns) == names
    indicators = [n for n in names if n.startswith("missingindicator_")]
    if isinstance(out, pd.DataFrame):
        assert all(out[n].dtype == bool for n in indicators)
        if source == "polars":  # polars dtypes as the table layer reads them
            assert out["colour"].dtype == "category" and not out["colour"].cat.ordered
            assert list(out["size"].cat.categories) == SIZES and out["size"].cat.ordered
        else:
            assert all(out[n].dtype == X[n].dtype for n in X.columns)
    else:
        assert all(out.schema[n] == pl.Boolean for n in indicators)
        assert all(out.schema[n] == pl.Float64 for n in ("x", "y") if n in names)
        if source != "numbers":
            assert out.schema["colour"] == pl.Categorical
            assert out.schema["size"] == pl.Enum(SIZES)  # ordered stays ordered
    for n in names:  # the same values in every container
        assert _values(out[n]) == _values(default[n]), n


def _values(column):
    return column.to_list() if hasattr(column, "to_list") and not hasattr(
        column, "iloc") else column.astype(object).tolist()


def test_global_transform_output_config_is_followed():
    from sklearn import config_context

    pl, inputs = _containers()
    imputer = AutoencoderImputer(VAETransformer(**TINY), random_state=0)
    imputer.fit(inputs["pandas"].drop(columns="city"))
    with config_context(transform_output="polars"):
        assert isinstance(imputer.transform(inputs["pandas"].drop(columns="city")),
                          pl.DataFrame)
    with config_context(transform_output="pandas"):
        assert isinstance(imputer.transform(inputs["polars"]), pd.DataFrame)


# ------------------------------------------------------- fills of the values' type
@pytest.mark.parametrize("dtype", [object, "string"])
def test_numbers_written_as_strings_get_string_fills(dtype):
    rng = np.random.RandomState(0)
    n = 40
    X = pd.DataFrame({
        "x": rng.randn(n),
        "price": pd.Series(rng.choice(["1.5", "2", "3.25", None], n), dtype=dtype),
        "rooms": pd.Series(rng.choice(["-1", "2", "7", None], n), dtype=dtype),
        "floors": pd.Series(rng.choice([1, -2, 5, None], n), dtype=object),
    })
    out = AutoencoderImputer(VAETransformer(**TINY), random_state=0).fit_transform(X)
    assert list(out.dtypes) == list(X.dtypes)
    for name, kind in (("price", str), ("rooms", str), ("floors", int)):
        holes = X[name].isna().to_numpy()
        assert holes.any()
        assert out[name].map(type).eq(kind).all(), name
        assert out[name][~holes].tolist() == X[name][~holes].tolist()
    numbers = pd.to_numeric(out["price"])  # the strings are numbers
    assert numbers.notna().all()
    rooms = pd.to_numeric(out["rooms"])
    assert (rooms == rooms.round()).all()  # integers stay integers
    assert not any("." in value for value in out["rooms"])


@pytest.mark.parametrize("dtype", ["int64", "Int64", "uint8", "UInt8", "int8"])
def test_fills_of_integer_columns_stay_inside_their_dtype(dtype):
    # float(2**63 - 1) is 2**63: a clip at it would wrap to the minimum
    from skvae._fills import cast_fills

    dtype = pd.Series([], dtype=dtype).dtype
    out = cast_fills(pd.Series([1e30, -1e30, 3.4]), dtype)
    info = np.iinfo(getattr(dtype, "numpy_dtype", dtype))
    assert out.dtype == dtype
    assert out.iloc[0] > 0 and out.iloc[0] >= info.max - 1024
    assert out.iloc[1] == info.min
    assert out.iloc[2] == 3


class _ColumnMeans(BaseEstimator):
    """A user's own model for the imputer: ``fit`` and ``complete`` only."""

    def fit(self, X, y=None):
        self.means_ = np.nanmean(X, axis=0)
        return self

    def complete(self, X):
        return np.broadcast_to(self.means_, np.shape(X)).copy()


def test_a_users_model_with_complete_serves_the_imputer():
    X, X_missing = make_data()
    imputer = AutoencoderImputer(_ColumnMeans()).fit(X_missing)
    filled = imputer.transform(X_missing)
    missing = np.isnan(X_missing)
    np.testing.assert_array_equal(filled[~missing], X_missing[~missing])
    means = np.broadcast_to(np.nanmean(X_missing, axis=0), X.shape)
    np.testing.assert_allclose(filled[missing], means[missing])


class _RecordingMeans(_ColumnMeans):
    """Column means that record the rows they are asked to complete."""

    def complete(self, X, sample_posterior=False, random_state=None):
        self.completed_ = np.array(X, copy=True)
        return super().complete(X)


def test_only_rows_with_entries_to_fill_are_completed():
    X = np.array([[1.0, 2.0], [np.nan, 3.0], [np.nan, np.nan], [4.0, 5.0], [2.0, np.nan]])
    imputer = AutoencoderImputer(_RecordingMeans()).fit(X)
    filled = imputer.transform(X)
    np.testing.assert_array_equal(imputer.estimator_.completed_, X[[1, 4]])
    np.testing.assert_allclose(filled, [[1, 2], [7 / 3, 3], [7 / 3, 10 / 3], [4, 5], [2, 10 / 3]])
    imputer.set_params(sample_posterior=True).fit(X).transform(X)  # the empty row is drawn
    np.testing.assert_array_equal(imputer.estimator_.completed_, X[[1, 2, 4]])
    imputer.transform(X[[0, 3]])  # nothing to fill: one row completed, for the dtypes
    np.testing.assert_array_equal(imputer.estimator_.completed_, X[[0]])


def test_sample_posterior_needs_a_complete_that_can_draw():
    _, X_missing = make_data()
    with pytest.raises(ValueError, match="can draw a completion"):
        AutoencoderImputer(_ColumnMeans(), sample_posterior=True).fit(X_missing)
    with pytest.raises(ValueError, match="'estimator' parameter"):
        AutoencoderImputer(Ridge()).fit(X_missing)


def test_complete_is_what_the_imputer_fills_with():
    X, X_missing = make_data()
    for model in (SMALL_VAE, SMALL_AE):
        imputer = AutoencoderImputer(model, random_state=0).fit(X_missing)
        filled = imputer.transform(X_missing)
        completed = imputer.estimator_.complete(X_missing)
        missing = np.isnan(X_missing)
        np.testing.assert_allclose(filled[missing], completed[missing], rtol=1e-6)
    vae = AutoencoderImputer(SMALL_VAE, random_state=0).fit(X_missing).estimator_
    draws = [vae.complete(X_missing, sample_posterior=True, random_state=1) for _ in "ab"]
    np.testing.assert_array_equal(draws[0], draws[1])
    assert not np.allclose(draws[0], vae.complete(X_missing))


def test_a_label_that_is_a_number_among_strings_is_filled_as_it_is():
    rng = np.random.RandomState(0)
    z = rng.normal(size=150)
    X = pd.DataFrame({"a": z + 0.1 * rng.normal(size=150),
                      "label": pd.Series([1 if t > 0 else "one" for t in z], dtype=object)})
    holes = X.copy()
    holes.loc[rng.rand(150) < 0.2, "label"] = None
    filled = AutoencoderImputer(SMALL_VAE, random_state=0).fit_transform(holes)
    types = {type(v) for v in filled["label"]}
    assert types <= {int, str} and filled["label"].isin([1, "one"]).all()
    assert filled["label"][holes["label"].notna()].tolist() == \
        X["label"][holes["label"].notna()].tolist()


def test_fills_take_a_batch_dtype_other_than_fits():
    rng = np.random.RandomState(0)
    n = 200
    X = pd.DataFrame({"a": rng.normal(size=n), "w": rng.gamma(2.0, 1e5, n),
                      "k": pd.array(rng.poisson(400, n), dtype="Int64"),
                      "flag": (rng.rand(n) > 0.5).astype(float)}).mask(rng.rand(n, 4) < 0.2)
    imputer = AutoencoderImputer(SMALL_VAE, random_state=0).fit(X)
    batch = X.iloc[:40].copy()
    batch["w"] = batch["w"].round().astype("Int64")  # float64 in fit
    batch["k"] = batch["k"].clip(upper=100).astype("Int8")  # fills near 400: clipped
    batch["flag"] = batch["flag"].astype("boolean")
    filled = imputer.transform(batch)
    assert list(filled.dtypes) == list(batch.dtypes) and not filled.isna().any().any()
    assert filled["k"][batch["k"].isna()].max() <= 127
    for name in ("w", "k", "flag"):  # observed values as they were
        observed = batch[name].notna()
        assert (filled[name][observed] == batch[name][observed]).all()
    small = batch.assign(w=(batch["w"] / 100).astype(np.float16))
    assert np.isfinite(imputer.transform(small)["w"].astype(float)).all()  # clipped, not inf
    ints = batch.assign(k=X["k"].iloc[:40].astype(object))  # Int64 in fit, objects now
    assert {type(v) for v in imputer.transform(ints)["k"]} == {int}
    with pytest.raises(ValueError, match="minimum of 1 is required by AutoencoderImputer"):
        imputer.transform(batch.iloc[:0])


def test_an_integer_column_near_the_end_of_its_range_has_a_mean_fill():
    X = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0] * 10,
                      "id": pd.array([2**63 - 1, 2**63 - 2, 2**63 - 3, None] * 10,
                                     dtype="Int64")})
    imputer = AutoencoderImputer(SMALL_VAE, random_state=0).fit(X)
    assert imputer._marginal[1] <= 2**63 - 1


def test_a_fit_that_raises_leaves_the_imputer_as_it_was():
    _, X_missing = make_data()
    imputer = AutoencoderImputer(AutoencoderTransformer(**TINY), add_indicator=True)
    expected = imputer.fit(X_missing).transform(X_missing)
    model = imputer.estimator_
    with pytest.raises(ValueError, match="no observed value"):
        imputer.fit(np.full((20, 3), np.nan))
    assert imputer.n_features_in_ == 5 and imputer.estimator_ is model
    assert imputer.indicator_.n_features_in_ == 5
    np.testing.assert_array_equal(imputer.transform(X_missing), expected)
    # a first fit that raises leaves it unfitted
    imputer = AutoencoderImputer(AutoencoderTransformer(**TINY))
    with pytest.raises(ValueError, match="no observed value"):
        imputer.fit(np.full((20, 3), np.nan))
    with pytest.raises(NotFittedError):
        check_is_fitted(imputer)
    assert not hasattr(imputer, "n_features_in_")


def test_a_refit_that_raises_keeps_the_columns_of_the_previous_fit():
    rng = np.random.RandomState(0)
    df = pd.DataFrame({"income": rng.lognormal(size=60), "spend": rng.normal(size=60),
                       "city": rng.choice(list("xyz"), 60)})
    df.loc[::7, "spend"] = np.nan
    imputer = AutoencoderImputer(AutoencoderTransformer(**TINY)).fit(df[["income", "spend"]])
    expected = imputer.transform(df[["income", "spend"]])
    imputer.set_params(estimator__column_types={"nope": "real"})
    with pytest.raises(ValueError, match="nope"):
        imputer.fit(df)
    assert list(imputer.feature_names_in_) == ["income", "spend"]
    pd.testing.assert_frame_equal(imputer.transform(df[["income", "spend"]]), expected)


def test_a_frame_after_an_array_warns_once():
    _, X_missing = make_data(n_features=3)
    imputer = AutoencoderImputer(AutoencoderTransformer(**TINY)).fit(X_missing)
    frame = pd.DataFrame(X_missing, columns=list("abc"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        filled = imputer.transform(frame)
    names = [str(w.message) for w in caught if "feature names" in str(w.message)]
    assert len(names) == 1 and "AutoencoderImputer" in names[0]
    np.testing.assert_array_equal(filled.to_numpy(), imputer.transform(X_missing))
    # a frame of categories whose names fit did not have reaches the model whole
    rng = np.random.RandomState(0)
    named = pd.DataFrame({"x": rng.normal(size=60),
                          "city": pd.Categorical(rng.choice(list("pq"), 60))})
    named.loc[::5, "x"] = np.nan
    named.loc[1::5, "city"] = np.nan
    unnamed = named.set_axis([0, 1], axis=1)
    imputer = AutoencoderImputer(AutoencoderTransformer(**TINY)).fit(unnamed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        filled = imputer.transform(named)
    names = [str(w.message) for w in caught if "feature names" in str(w.message)]
    assert len(names) == 1 and "AutoencoderImputer" in names[0]
    pd.testing.assert_frame_equal(filled, imputer.transform(unnamed).set_axis(["x", "city"],
                                                                                  axis=1))
