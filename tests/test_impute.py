"""Tests for AutoencoderImputer."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skvae import AutoencoderImputer, AutoencoderTransformer, VAETransformer

SMALL = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, device="cpu")
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


def test_missing_values_other_than_nan_need_numeric_columns():
    frame = pd.DataFrame({"x": [1.0, -1.0, 3.0], "city": ["a", "b", "c"]})
    message = r"missing_values=-1 applies to numeric data only"
    with pytest.raises(ValueError, match=message):
        AutoencoderImputer(SMALL_VAE, missing_values=-1).fit(frame)


def test_non_numeric_array_is_refused():
    X = np.array([[1.0, "a"], [np.nan, "b"]], dtype=object)
    with pytest.raises(ValueError, match="could not convert"):
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
