"""Behaviour of the two models: units, determinism, NaN, sampling, errors."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from scipy.stats import multivariate_normal
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvae import AutoencoderTransformer, VAETransformer, load, save

MODELS = [AutoencoderTransformer, VAETransformer]
FAST = dict(hidden_layer_sizes=(16,), random_state=0, device="cpu")
# columns on very different scales, far from zero: standardisation matters
OFFSET = np.array([1000.0, -5.0, 0.0, 20.0, 3.0, 1e4])
SCALE = np.array([100.0, 0.01, 1.0, 5.0, 1.0, 1e3])


MIXING = np.random.RandomState(0).normal(size=(2, 6))


def _data(n_samples=400, seed=0):
    """Rows from one fixed distribution; ``seed`` picks the draws."""
    rng = np.random.RandomState(seed)
    latent = rng.normal(size=(n_samples, 2))
    X = np.tanh(latent @ MIXING) + 0.1 * rng.normal(size=(n_samples, 6))
    return X * SCALE + OFFSET


def _fit(model, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X)


@pytest.fixture(scope="module", params=MODELS, ids=lambda c: c.__name__)
def fitted(request):
    return _fit(request.param(n_components=2, max_iter=200, **FAST), _data())


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("Model", MODELS)
def test_outputs_keep_the_float_dtype(Model, dtype):
    X = _data().astype(dtype)
    model = _fit(Model(max_iter=2, **FAST), X)
    codes = model.transform(X)
    assert codes.shape == (400, 2) and codes.dtype == dtype
    assert model.inverse_transform(codes).dtype == dtype
    assert model.sample(3).dtype == dtype
    assert model.score_samples(X).dtype == np.float64


def test_integer_input_gives_float64():
    X = np.round(_data()).astype(np.int64)
    model = _fit(AutoencoderTransformer(max_iter=2, **FAST), X)
    assert model.transform(X).dtype == np.float64


# -------------------------------------------------------------- semantics
def test_reconstruction_is_in_the_input_units(fitted):
    X = _data(seed=1)
    X_hat = fitted.inverse_transform(fitted.transform(X))
    assert X_hat.shape == X.shape
    # a 2-D code of 2-D data: the error is a fraction of each column's spread
    relative = ((X_hat - X) ** 2).mean(0) / X.var(0)
    assert (relative < 0.8).all() and relative.mean() < 0.3
    np.testing.assert_allclose(X_hat.mean(0), X.mean(0), atol=0.3 * X.std(0).max())


def test_transform_is_deterministic_and_batch_independent(fitted):
    X = _data(seed=2)
    full = fitted.transform(X)
    np.testing.assert_array_equal(full, fitted.transform(X))
    np.testing.assert_allclose(fitted.transform(X[::-1])[::-1], full, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fitted.transform(X[7:8]), full[7:8], rtol=1e-5, atol=1e-6)


def test_score_samples_depends_only_on_the_row(fitted):
    X = _data(seed=3)
    scores = fitted.score_samples(X)
    assert np.isfinite(scores).all()
    np.testing.assert_array_equal(scores, fitted.score_samples(X))
    np.testing.assert_allclose(fitted.score_samples(X[5:6]), scores[5:6], rtol=1e-5)
    np.testing.assert_allclose(fitted.score_samples(X[::-1])[::-1], scores, rtol=1e-5)
    assert fitted.score(X) == pytest.approx(scores.mean())


def test_typical_rows_score_higher(fitted):
    X = _data(seed=4)
    far = X + 8 * X.std(0)
    assert np.median(fitted.score_samples(X)) > np.median(fitted.score_samples(far))


def test_rows_far_outside_the_data_get_finite_scores(fitted):
    # what an outlier detector meets: up to a billion standard deviations out
    X = _data(seed=5)[:4]
    far = X + np.array([[1e3], [1e5], [1e7], [1e9]]) * X.std(0)
    scores = fitted.score_samples(far)
    assert np.isfinite(scores).all()
    assert (np.diff(scores) < 0).all()
    assert np.isfinite(fitted.transform(far)).all()


def test_sample_is_reproducible_and_in_the_input_units(fitted):
    X = _data()
    draws = fitted.sample(2000, random_state=0)
    assert draws.shape == (2000, 6)
    np.testing.assert_array_equal(draws, fitted.sample(2000, random_state=0))
    assert not np.array_equal(draws, fitted.sample(2000, random_state=1))
    np.testing.assert_allclose(draws.mean(0), X.mean(0), atol=0.5 * X.std(0).max())
    np.testing.assert_allclose(draws.std(0), X.std(0), rtol=0.6)


def test_vae_log_likelihood_matches_the_exact_linear_gaussian_marginal():
    # A linear VAE with a diagonal Gaussian decoder is factor analysis: its
    # marginal p(x) is Gaussian in closed form. The importance-weighted
    # estimate, in the input's units, must match it, and stay below the
    # best Gaussian fit of the data.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(3000, 1)) @ rng.normal(size=(1, 4)) + 0.3 * rng.normal(
        size=(3000, 4)
    )
    X = X * np.array([1.0, 10.0, 100.0, 0.1]) + 50
    linear = {**FAST, "hidden_layer_sizes": ()}
    vae = _fit(
        VAETransformer(
            n_components=1, activation="identity", max_iter=100,
            early_stopping=False, batch_size=256, n_importance_samples=500,
            learning_rate_init=1e-2, **linear,
        ),
        X,
    )
    decoder = vae.module_.decoder.mlp[0]
    weight = decoder.weight.detach().double().numpy()
    variance = vae.module_.likelihood.gaussian().scale().detach().double().numpy() ** 2
    marginal = multivariate_normal(
        decoder.bias.detach().double().numpy(), weight @ weight.T + np.diag(variance)
    )
    exact = marginal.logpdf((X - vae.mean_) / vae.scale_) - np.log(vae.scale_).sum()
    # the amortised posterior is not exact on the most extreme rows
    np.testing.assert_allclose(vae.score_samples(X), exact, atol=0.03)
    assert vae.score(X) == pytest.approx(exact.mean(), abs=2e-3)
    best_gaussian = multivariate_normal(X.mean(0), np.cov(X.T, bias=True))
    assert vae.score(X) < best_gaussian.logpdf(X).mean() + 1e-3


def test_more_importance_samples_tighten_the_score():
    X = _data()
    # from a random start, so that the posterior is far from exact
    vae = _fit(
        VAETransformer(max_iter=30, n_importance_samples=1, init="random", **FAST), X
    )
    elbo_like = vae.score(X)
    vae.set_params(n_importance_samples=200)
    assert vae.score(X) > elbo_like


def test_autoencoder_score_is_minus_the_standardised_error(fitted):
    if not isinstance(fitted, AutoencoderTransformer):
        pytest.skip("the VAE score is a log-likelihood")
    X = _data(seed=5)
    X[0, 1] = np.nan
    X_hat = fitted.inverse_transform(fitted.transform(X))
    error = ((X_hat - X) / fitted.scale_) ** 2
    np.testing.assert_allclose(
        fitted.score_samples(X), -np.nanmean(error, axis=1), rtol=1e-4
    )


# ------------------------------------------------------------------- NaN
@pytest.mark.parametrize("Model", MODELS)
def test_missing_values_are_accepted_everywhere(Model):
    X = _data()
    rng = np.random.RandomState(0)
    X[rng.uniform(size=X.shape) < 0.3] = np.nan
    X[np.isnan(X).all(1), 0] = 1.0
    model = _fit(Model(max_iter=5, **FAST), X)
    model.partial_fit(X)
    assert np.isfinite(model.mean_).all() and np.isfinite(model.loss_curve_).all()
    assert np.isfinite(model.transform(X)).all()
    assert np.isfinite(model.score_samples(X)).all()


def test_statistics_ignore_missing_values():
    X = _data()
    X_nan = X.copy()
    X_nan[:200, 0] = np.nan
    model = _fit(AutoencoderTransformer(max_iter=1, **FAST), X_nan)
    np.testing.assert_allclose(model.mean_[0], X[200:, 0].mean())
    np.testing.assert_allclose(model.scale_[0], X[200:, 0].std())


@pytest.mark.parametrize("method", ["fit", "transform", "score_samples"])
def test_rows_with_nothing_observed_are_refused(method):
    X = _data()
    model = _fit(AutoencoderTransformer(max_iter=1, **FAST), X)
    X[3] = np.nan
    with pytest.raises(ValueError, match="1 row.* no observed value .*row 3"):
        getattr(model, method)(X)


def _with_empty_column(X, column=2):
    X = X.copy()
    X[:, column] = np.nan
    return X


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Model", MODELS)
def test_a_column_never_observed_in_fit_is_ignored_with_a_warning(Model, tmp_path):
    """Its values in new data would meet weights and scales that never trained:
    a value of 1000 there took a VAE's score from -22 to -816,078."""
    X = _data()
    with pytest.warns(UserWarning, match=r"Column\(s\) \[2\] have no observed value"):
        model = Model(max_iter=3, **FAST).fit(_with_empty_column(X))
    new = X[:5].copy()
    new[:, 2] = [1e3, -1e6, 0.0, 7.0, np.nan]
    blank = _with_empty_column(new)
    np.testing.assert_array_equal(model.transform(new), model.transform(blank))
    np.testing.assert_array_equal(model.score_samples(new), model.score_samples(blank))
    only_there = np.full((1, X.shape[1]), np.nan)
    only_there[0, 2] = 1.0
    with pytest.raises(ValueError, match=r"no observed value \(the first is row 0, its "
                       r"entries in the columns that had no observed value in fit \(2\)"):
        model.transform(only_there)
    with pytest.raises(ValueError, match=r"no observed value \(the first is row 0\)\."):
        model.transform(np.full((1, X.shape[1]), np.nan))  # nothing given anywhere
    for again in (pickle.loads(pickle.dumps(model)), _saved_and_loaded(model, tmp_path)):
        np.testing.assert_array_equal(again.score_samples(new), model.score_samples(blank))


def _saved_and_loaded(model, folder):
    save(model, folder / "model.skops")
    return load(folder / "model.skops")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_frame_column_never_observed_is_ignored():
    X = pd.DataFrame(_data(), columns=list("abcdef")[: _data().shape[1]])
    empty = X.assign(c=pd.array([pd.NA] * len(X), dtype="Float64"))
    with pytest.warns(UserWarning, match=r"\['c'\]"):
        model = VAETransformer(max_iter=3, **FAST).fit(empty)
    np.testing.assert_array_equal(model.score_samples(X.iloc[:5]),
                                  model.score_samples(empty.iloc[:5]))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["zero-inflated", "spiked", "count", "categorical"])
def test_a_never_observed_column_of_any_type_is_ignored(kind):
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)})
    frame["z"] = pd.Series([np.nan] * 100, dtype="category" if kind == "categorical" else float)
    if kind == "categorical":
        frame["z"] = frame["z"].cat.set_categories(["x", "y"])
    with pytest.warns(UserWarning, match=r"\['z'\] have no observed value"):
        model = VAETransformer(column_types={"z": kind}, max_iter=3, **FAST).fit(frame)
    new = frame.iloc[:3].copy()
    new["z"] = "y" if kind == "categorical" else 1e3
    np.testing.assert_array_equal(model.score_samples(new), model.score_samples(frame.iloc[:3]))
    with pytest.raises(ValueError, match=r"given names \['z'\], which had no observed"):
        model.sample(2, given={"z": "y" if kind == "categorical" else 1.0})
    drawn = model.sample(4, random_state=0)  # nothing learnt, nothing made up
    assert drawn["z"].isna().all() and drawn["z"].dtype == frame["z"].dtype
    assert model.inverse_transform(model.transform(new))["z"].isna().all()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_values_of_a_never_observed_column_are_not_checked():
    X = np.random.RandomState(0).randint(0, 2, size=(60, 4)).astype(float)
    X[:, 1] = np.nan
    with pytest.warns(UserWarning, match="no observed value"):
        model = VAETransformer(likelihood="bernoulli", max_iter=2, **FAST).fit(X)
    X_new = X.copy()
    X_new[:, 1] = 5.0  # outside [0, 1], in a column the model ignores
    np.testing.assert_array_equal(model.transform(X_new), model.transform(X))
    with pytest.warns(UserWarning, match="no observed value"):
        model.set_params(warm_start=True).fit(X_new)


def test_chunks_decide_together_what_was_observed():
    """A column missing in the first chunk but observed in another is learnt
    from all of them; partial_fit's statistics are its first chunk's."""
    from skvae import fit_chunks

    X = _data()
    first, rest = _with_empty_column(X[:200]), X[200:]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        streamed = fit_chunks(AutoencoderTransformer(max_iter=1, **FAST), [first, rest])
    assert streamed._table.unobserved == []
    assert np.isfinite(streamed.mean_[2]) and streamed.mean_[2] != 0.0
    with pytest.warns(UserWarning, match="no observed value"):
        partial = AutoencoderTransformer(**FAST).partial_fit(first)
    partial.partial_fit(rest)
    assert partial._table.unobserved == [2]


# ----------------------------------------------------------------- errors
@pytest.mark.parametrize("Model", MODELS)
@pytest.mark.parametrize(
    "X, match",
    [
        ([["a", "b"], ["c", "d"]], "X holds strings"),
        ([[np.inf, 1.0], [0.0, 1.0]], "Input X contains infinity"),
        (np.empty((0, 3)), "0 sample"),
        ([[1.0, 2.0]], "1 sample"),
        (np.empty((3, 0)), "0 feature"),
        ([1.0, 2.0, 3.0], "Expected 2D array"),
    ],
)
def test_bad_input_is_refused(Model, X, match):
    with pytest.raises(ValueError, match=match):
        Model(**FAST).fit(X)


def test_sparse_input_is_refused_with_advice():
    with pytest.raises(TypeError, match="Sparse data was passed.*toarray"):
        AutoencoderTransformer(**FAST).fit(sp.random(20, 4, density=0.5, format="csr"))


def test_wrong_width_is_refused(fitted):
    with pytest.raises(ValueError, match="X has 5 features, but .* is expecting 6"):
        fitted.transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="X has 3 features, but .*n_components=2"):
        fitted.inverse_transform(np.zeros((3, 3)))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_components": 0}, "'n_components' parameter"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes must be a positive integer"),
        ({"hidden_layer_sizes": -3}, "hidden_layer_sizes"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        ({"max_iter": 0}, "'max_iter' parameter"),
        ({"learning_rate_init": 0.0}, "'learning_rate_init' parameter"),
        ({"activation": "swish"}, "'activation' parameter"),
        ({"device": "gpu"}, "device='gpu' is not a device torch knows"),
        ({"validation_fraction": 1.0}, "'validation_fraction' parameter"),
    ],
)
@pytest.mark.parametrize("Model", MODELS)
def test_bad_parameters_are_refused(Model, params, match):
    with pytest.raises(ValueError, match=match):
        Model(**{**FAST, **params}).fit(_data())


@pytest.mark.parametrize(
    "params, match",
    [
        ({"likelihood": "poisson"}, "'likelihood' parameter"),
        ({"beta": -1.0}, "'beta' parameter"),
        ({"n_importance_samples": 0}, "'n_importance_samples' parameter"),
    ],
)
def test_bad_vae_parameters_are_refused(params, match):
    with pytest.raises(ValueError, match=match):
        VAETransformer(**{**FAST, **params}).fit(_data())


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_unavailable_device_is_refused():
    with pytest.raises(ValueError, match="'cuda' was requested but is not available"):
        AutoencoderTransformer(**{**FAST, "device": "cuda"}).fit(_data())


def test_bernoulli_needs_data_in_unit_interval():
    with pytest.raises(ValueError, match=r"needs data in \[0, 1\]"):
        VAETransformer(likelihood="bernoulli", **FAST).fit(_data())


def test_early_stopping_needs_rows_to_validate():
    with pytest.raises(ValueError, match="leaves no rows to train or to validate"):
        AutoencoderTransformer(
            early_stopping=True, validation_fraction=0.9, **FAST
        ).fit(_data()[:2])


@pytest.mark.parametrize("n_samples", [0, -1, 2.5, True, np.True_])
def test_sample_needs_a_positive_count(fitted, n_samples):
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        fitted.sample(n_samples)


# -------------------------------------------------------------- bernoulli
def test_bernoulli_vae_on_binary_data():
    rng = np.random.RandomState(0)
    prototypes = rng.uniform(size=(3, 20)) < 0.5
    X = prototypes[rng.randint(3, size=500)] ^ (rng.uniform(size=(500, 20)) < 0.05)
    X = X.astype(np.float64)
    vae = _fit(VAETransformer(likelihood="bernoulli", max_iter=40, **FAST), X)
    np.testing.assert_array_equal(vae.mean_, 0.0)
    np.testing.assert_array_equal(vae.scale_, 1.0)
    assert set(np.unique(vae.sample(50, random_state=0))) <= {0.0, 1.0}
    probabilities = vae.inverse_transform(vae.transform(X))
    assert ((probabilities > 0) & (probabilities < 1)).all()
    assert -20 * np.log(2) < vae.score(X) < 0


# ------------------------------------------------------- sklearn plumbing
def test_device_parameter_is_not_rewritten():
    model = _fit(AutoencoderTransformer(max_iter=1, random_state=0), _data())
    assert model.device == "auto"
    assert model._device.type == ("cuda" if torch.cuda.is_available() else "cpu")
    model = _fit(
        AutoencoderTransformer(max_iter=1, random_state=0, device=torch.device("cpu")),
        _data(),
    )
    assert model._device == torch.device("cpu")


def test_pickle_round_trip_keeps_predictions_and_training_state(fitted):
    X = _data(seed=6)
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.transform(X), fitted.transform(X))
    np.testing.assert_array_equal(clone.score_samples(X), fitted.score_samples(X))
    clone.partial_fit(X)
    assert clone.n_iter_ == fitted.n_iter_ + 1
    assert all(s["step"].item() > 1 for s in clone._optimizer.state.values())


def _two_groups(n=600, seed=0):
    """Two groups of rows: column 0 near -3 or 3, column 1 near -5 or 5, column 2 noise."""
    rng = np.random.RandomState(seed)
    sign = np.where(rng.rand(n) < 0.5, 1.0, -1.0)
    X = np.c_[3 * sign, 5 * sign] + 0.3 * rng.normal(size=(n, 2))
    return np.c_[X, rng.normal(size=n)]


@pytest.fixture(scope="module")
def two_groups():
    X = _two_groups()
    return X, _fit(VAETransformer(n_components=2, random_state=0, device="cpu"), X)


@pytest.mark.parametrize("value", [3.0, -3.0])
def test_sample_given_draws_the_other_columns_from_the_matching_group(two_groups, value):
    # given column 0, column 1 comes from the group column 0 points to, not
    # from between the groups, where a posterior from the encoder alone
    # (trained on whole rows) would put it
    _, vae = two_groups
    out = vae.sample(400, random_state=0, given={0: value})
    assert (out[:, 0] == value).all()
    assert np.mean(np.sign(out[:, 1]) == np.sign(value)) > 0.95
    assert abs(np.median(out[:, 1]) - 5 * np.sign(value)) < 1.0
    np.testing.assert_array_equal(out, vae.sample(400, random_state=0, given={0: value}))


def test_sample_given_one_value_per_row(two_groups):
    _, vae = two_groups
    given = np.array([3.0, -3.0, 3.0, -3.0])
    out = vae.sample(4, random_state=0, given={0: given, 2: 0.5})
    np.testing.assert_array_equal(out[:, 0], given)
    assert (out[:, 2] == 0.5).all()
    assert (np.sign(out[:, 1]) == np.sign(given)).all()


def test_sample_given_keeps_dataframe_values_and_dtypes():
    X = _two_groups(300)
    frame = pd.DataFrame({
        "x": X[:, 0],
        "group": pd.Categorical(np.where(X[:, 0] > 0, "up", "down")),
        "n": pd.array(np.random.RandomState(0).poisson(3, 300), dtype="Int64"),
        "flag": X[:, 1] > 0,
    })
    vae = _fit(VAETransformer(n_components=2, max_iter=50, **FAST), frame)
    out = vae.sample(6, random_state=0, given={"group": "up", "n": [0, 1, 2, 3, 4, 5]})
    assert list(out.columns) == list(frame.columns)
    assert out.dtypes.to_dict() == frame.dtypes.to_dict()
    assert (out["group"] == "up").all() and out["n"].tolist() == [0, 1, 2, 3, 4, 5]
    assert out.notna().all().all()


@pytest.mark.parametrize(
    "given, match",
    [
        ({"colour": "red"}, r"given names \['colour'\], which the model was not fitted on"),
        ({"x": np.nan}, r"given\['x'\] holds a missing value. Leave the column out"),
        ({"x": [1.0, 2.0]}, r"given\['x'\] holds 2 values .* one per row \(3\)"),
        ({"group": "sideways"}, "Column 'group' holds 'sideways', a category not seen"),
        ({"n": -1}, "Column 'n' is count and cannot hold negative values"),
        ({"n": 2.5}, r"given\['n'\] holds 2.5, which the column's dtype Int64 cannot hold"),
        ({"n": 2**70}, r"given\['n'\] holds 1.18059e\+21, which the column's dtype Int64"),
        ({"f": 1e40}, r"given\['f'\] holds 1e\+40, which the column's dtype float32"),
        ({"f": 1e-50}, r"given\['f'\] holds 1e-50, which the column's dtype float32"),
        ({"n": True}, r"given\['n'\] holds True, but the column holds numbers of dtype Int64"),
        ({"x": np.inf}, r"given\['x'\] holds inf: give finite numbers"),
        ({}, "given must be a non-empty dict"),
        ("x", "given must be a non-empty dict"),
    ],
)
def test_sample_given_refuses_what_the_model_cannot_condition_on(given, match):
    frame = pd.DataFrame({
        "x": np.arange(40.0),
        "group": pd.Categorical(["up", "down"] * 20),
        "n": pd.array(np.arange(40) % 5, dtype="Int64"),
        "f": np.linspace(0, 1, 40, dtype=np.float32),
    })
    vae = _fit(VAETransformer(max_iter=2, **FAST), frame)
    with pytest.raises(ValueError, match=match):
        vae.sample(3, given=given)


@pytest.mark.parametrize("value, match", [
    ("three", r"given\[0\] must hold numbers"), (np.inf, r"given\[0\] holds inf: give finite"),
    ("1.5", r"given\[0\] must hold numbers .* got '1.5'"),
    (b"1.5", r"given\[0\] must hold numbers"),
])
def test_sample_given_on_an_array_needs_finite_numbers(two_groups, value, match):
    _, vae = two_groups
    with pytest.raises(ValueError, match=match):
        vae.sample(2, given={0: value})


def test_sample_given_on_an_array_takes_positions_and_values_its_dtype_holds():
    X = _data(100).astype(np.float32)
    vae = _fit(VAETransformer(max_iter=2, **FAST), X)
    with pytest.raises(ValueError, match=r"keys are column positions .* got \[True\]"):
        vae.sample(2, given={True: 1.0})
    with pytest.raises(ValueError, match=r"keys are column positions .* got \[1.0\]"):
        vae.sample(2, given={1.0: 0.5})
    with pytest.raises(ValueError, match=r"given\[0\] holds True, but the column holds"):
        vae.sample(2, given={0: True})
    assert (vae.sample(2, given={np.int64(1): 0.5})[:, 1] == np.float32(0.5)).all()
    with pytest.raises(ValueError, match=r"given\[0\] holds 1e\+300, which the column's "
                       "dtype float32 cannot hold"):
        vae.sample(2, given={0: 1e300})
    with pytest.warns(DataConversionWarning, match="1e\\+10 standard deviations"):
        drawn = vae.sample(2, given={0: 3e38}, random_state=0)
    assert drawn.dtype == np.float32 and (drawn[:, 0] == np.float32(3e38)).all()


def test_autoencoder_samples_every_chunk_of_a_stream_not_the_last():
    rng = np.random.RandomState(0)
    a, b = rng.normal(size=(200, 4)) + 3, rng.normal(size=(200, 4)) - 3
    ae = AutoencoderTransformer(max_iter=2, **FAST).partial_fit(np.r_[a[:100], b[:100]])
    for _ in range(5):
        ae.partial_fit(a).partial_fit(b)  # the stream ends on b
    assert 0.35 < (ae.sample(2000, random_state=0)[:, 0] > 0).mean() < 0.65
    ae.fit(b)  # a fit samples its own rows
    assert (ae.sample(500, random_state=0)[:, 0] < 0).mean() > 0.95


def test_a_fresh_fit_on_chunks_samples_its_own_rows_only():
    from skvae import fit_chunks

    rng = np.random.RandomState(0)
    a, b = rng.normal(size=(200, 4)) + 5, rng.normal(size=(200, 4)) - 5
    ae = AutoencoderTransformer(max_iter=2, **FAST).fit(a)
    fit_chunks(ae, [b[:100], b[100:]])  # a new network: a's rows are gone
    assert (ae.sample(1000, random_state=0)[:, 0] < 0).all()
    fit_chunks(ae, [rng.normal(size=(100, 6)), rng.normal(size=(100, 6))])  # another width
    assert ae.sample(3, random_state=0).shape == (3, 6)


def test_a_loaded_autoencoder_keeps_its_density_through_a_one_row_chunk():
    X = _data(200)
    ae = AutoencoderTransformer(max_iter=2, **FAST).fit(X)
    loaded = pickle.loads(pickle.dumps(ae))  # the kept rows are not saved
    loaded.partial_fit(X[:1])
    assert np.isfinite(loaded.sample(50, random_state=0)).all()
    again = pickle.loads(pickle.dumps(loaded))
    assert np.isfinite(again.sample(5, random_state=0)).all()


def test_the_reservoir_is_a_uniform_sample_of_every_chunk():
    import torch

    from skvae._autoencoder import _reservoir

    kept, seen, rng = torch.zeros((0, 1)), 0, np.random.RandomState(0)
    for size in [700, 1, 300] + [500] * 98:
        kept = _reservoir(kept, torch.arange(seen, seen + size)[:, None].float(),
                          seen, 1000, rng)
        seen += size
    values = kept[:, 0].numpy()
    assert values.shape == (1000,) and np.unique(values).size == 1000
    counts = np.histogram(values, bins=5, range=(0, seen))[0]
    assert (np.abs(counts - 200) < 50).all()  # 200 +- 3.5 standard deviations


def test_autoencoder_cannot_sample_given_values():
    ae = _fit(AutoencoderTransformer(max_iter=2, **FAST), _data())
    with pytest.raises(ValueError, match="cannot draw rows given some of their values"):
        ae.sample(2, given={0: 1.0})


def test_vae_gives_no_grid_value_a_density_above_one_over_the_step(tmp_path):
    # digits' border pixels: almost always 0, on a grid of 1/16
    rng = np.random.RandomState(0)
    X = _data(300)
    X[:, 2] = np.where(rng.rand(300) < 0.01, rng.randint(1, 17, 300) / 16, 0.0)
    vae = _fit(VAETransformer(n_components=2, max_iter=300, early_stopping=False,
                              **FAST), X)
    gaussian = vae.module_.likelihood.gaussian()
    floor = (1 / 16) / (np.sqrt(2 * np.pi) * vae.scale_[2])
    assert gaussian.scale()[2].item() >= floor * (1 - 1e-6)
    # -log p(x_j | z) in standardised units; in the column's units add log scale_
    log_density = -vae.score_features(X)[:, 2] - np.log(vae.scale_[2])
    assert log_density.max() <= np.log(16) + 1e-4
    lit = X[:1].copy()
    lit[0, 2] = 0.5
    assert vae.score_samples(X[:1])[0] - vae.score_samples(lit)[0] < 20.0
    for clone in (pickle.loads(pickle.dumps(vae)), _save_load(vae, tmp_path)):
        torch.testing.assert_close(
            clone.module_.likelihood.gaussian().min_log_scale, gaussian.min_log_scale
        )
        np.testing.assert_array_equal(clone.score_samples(X), vae.score_samples(X))


def _save_load(model, tmp_path):
    path = tmp_path / "model.skvae"
    save(model, path)
    return load(path)


def test_a_model_pickled_on_a_gpu_loads_on_the_cpu(fitted):
    state = fitted.__getstate__()
    state["_device"] = "cuda:0"
    clone = type(fitted).__new__(type(fitted))
    clone.__setstate__(state)
    expected = "cuda:0" if torch.cuda.is_available() else "cpu"
    assert str(clone._device) == expected
    X = _data(seed=7)
    np.testing.assert_allclose(clone.transform(X), fitted.transform(X), rtol=1e-5)


def test_pandas_in_and_out(fitted):
    X = pd.DataFrame(_data(), columns=[f"c{i}" for i in range(6)])
    model = _fit(type(fitted)(max_iter=2, **FAST), X)
    np.testing.assert_array_equal(model.feature_names_in_, X.columns)
    model.set_output(transform="pandas")
    codes = model.transform(X)
    name = type(fitted).__name__.lower()
    assert list(codes.columns) == [f"{name}0", f"{name}1"]
    assert codes.index.equals(X.index)
    assert list(model.get_feature_names_out()) == list(codes.columns)


def test_pipeline_grid_search_and_cross_validation():
    X = _data()
    search = GridSearchCV(
        VAETransformer(max_iter=20, **FAST), {"n_components": [1, 2]}, cv=2
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X)
        scores = cross_val_score(
            make_pipeline(StandardScaler(), AutoencoderTransformer(max_iter=5, **FAST)),
            X, cv=3,
        )
    assert search.best_params_["n_components"] in (1, 2)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert scores.shape == (3,) and (scores < 0).all()


def test_a_value_of_probability_zero_scores_minus_inf_and_names_its_entry():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"x": rng.normal(size=150),
                          "n": pd.array(rng.poisson(3, size=150), dtype="Int64")})
    vae = VAETransformer(column_types={"n": "count"}, max_iter=5, **FAST).fit(frame)
    new = frame.iloc[:3].copy()
    new.loc[new.index[1], "n"] = -2
    scores = vae.score_samples(new)
    assert np.isneginf(scores).tolist() == [False, True, False]
    np.testing.assert_allclose(scores[[0, 2]], vae.score_samples(new.iloc[[0, 2]]))
    features = vae.score_features(new)
    assert features[1, 1] == np.inf and np.isfinite(features[1, 0])
    # the other entries of the row are scored as if the value were missing
    hole = new.iloc[[1]].copy()
    hole.loc[hole.index[0], "n"] = pd.NA
    np.testing.assert_allclose(features[1, 0], vae.score_features(hole)[0, 0])
    with pytest.raises(ValueError, match="count and cannot hold negative values"):
        vae.transform(new)
