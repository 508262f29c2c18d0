"""AutoencoderOutlierDetector: sklearn's outlier contract, p-values, attributions."""

import warnings

import numpy as np
import pandas as pd
import pytest
from _settings import SMALL
from scipy.stats import multivariate_normal
from sklearn.base import clone
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from sklearn.metrics import roc_auc_score
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from skvae import AutoencoderOutlierDetector, AutoencoderTransformer, VAETransformer

FAST = dict(hidden_layer_sizes=(16,), max_iter=60, device="cpu")
MODELS = [
    AutoencoderTransformer(n_components=2, **FAST),
    VAETransformer(n_components=2, n_importance_samples=10, **FAST),
]
MODEL_IDS = ["AE", "VAE"]
MIXING = np.random.RandomState(0).normal(size=(2, 5))
FAR = np.array([[6.0, -6.0, 6.0, -6.0, 6.0], [-8.0, 0.0, 8.0, 0.0, -8.0]])


def _normal(n_samples=400, seed=0):
    """Inliers: a noisy 2-d structure in 5 features."""
    rng = np.random.RandomState(seed)
    return rng.normal(size=(n_samples, 2)) @ MIXING + 0.1 * rng.normal(
        size=(n_samples, 5)
    )


def _fit(detector, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return detector.fit(X)


@pytest.fixture(scope="module", params=MODELS, ids=MODEL_IDS)
def fitted(request):
    return _fit(AutoencoderOutlierDetector(request.param, random_state=0), _normal())


# ---------------------------------------------------------- common checks
@parametrize_with_checks(
    [
        AutoencoderOutlierDetector(AutoencoderTransformer(**SMALL), random_state=0),
        AutoencoderOutlierDetector(
            VAETransformer(n_importance_samples=5, **SMALL), random_state=0
        ),
        # the default network, trained briefly
        AutoencoderOutlierDetector(VAETransformer(max_iter=5), random_state=0),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


@pytest.mark.slow
@parametrize_with_checks([AutoencoderOutlierDetector(random_state=0)])
def test_sklearn_compatible_at_default_settings(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_tags():
    tags = AutoencoderOutlierDetector().__sklearn_tags__()
    assert tags.estimator_type == "outlier_detector"
    assert tags.input_tags.allow_nan


# ------------------------------------------------------------ conventions
def test_conventions_match_isolation_forest(fitted):
    X = np.vstack([_normal(200, seed=1), FAR])
    forest = IsolationForest(random_state=0).fit(_normal())
    for detector in (fitted, forest):
        scores = detector.score_samples(X)
        assert scores[-2:].max() < np.percentile(scores[:-2], 5)  # lower: abnormal
        np.testing.assert_allclose(
            detector.decision_function(X), scores - detector.offset_
        )
        labels = detector.predict(X)
        assert labels.dtype.kind == "i" and set(labels) <= {-1, 1}
        np.testing.assert_array_equal(labels[-2:], [-1, -1])
        np.testing.assert_array_equal(
            labels, np.where(detector.decision_function(X) < 0, -1, 1)
        )


@pytest.mark.parametrize("contamination", [0.05, 0.1, 0.25])
def test_offset_from_contamination(contamination):
    X = _normal(300)
    detector = AutoencoderOutlierDetector(
        AutoencoderTransformer(**SMALL), contamination=contamination, random_state=0
    )
    labels = detector.fit_predict(X)
    assert np.mean(labels == -1) == pytest.approx(contamination, abs=1 / 300)
    np.testing.assert_array_equal(labels, detector.predict(X))


def test_auto_flags_pvalues_at_most_005(fitted):
    X = np.vstack([_normal(500, seed=2), FAR])
    flagged = fitted.predict(X) == -1
    np.testing.assert_array_equal(flagged, fitted.score_pvalues(X) <= 0.05)
    assert flagged[-2:].all()


# ---------------------------------------------------------------- p-values
def test_pvalues_follow_the_conformal_formula(fitted):
    X = np.vstack([_normal(50, seed=3), FAR])
    scores = fitted.score_samples(X)
    cal = fitted.calibration_scores_
    expected = [(1 + np.sum(cal <= s)) / (cal.size + 1) for s in scores]
    np.testing.assert_allclose(fitted.score_pvalues(X), expected)
    assert cal.size == 80 and np.all(np.diff(cal) >= 0)


@pytest.mark.parametrize("level", [0.02, 0.05, 0.1, 0.25, 0.5])
def test_pvalues_are_valid_for_normal_rows(level):
    # Pooled over calibration draws, P(p <= a) = floor(a (n + 1)) / (n + 1).
    rates = []
    for seed in range(16):
        detector = _fit(
            AutoencoderOutlierDetector(
                AutoencoderTransformer(hidden_layer_sizes=(), max_iter=5),
                calibration_fraction=0.5,
                random_state=seed,
            ),
            _normal(400, seed=10 + seed),
        )
        pvalues = detector.score_pvalues(_normal(2000, seed=100 + seed))
        rates.append(np.mean(pvalues <= level))
    exact = np.floor(level * 201) / 201
    assert np.mean(rates) <= level + 0.03
    assert np.mean(rates) == pytest.approx(exact, abs=0.03)


# ----------------------------------------------------------- attributions
def test_ae_contributions_sum_to_the_error_with_names():
    columns = list("abcde")
    X = pd.DataFrame(_normal(), columns=columns, index=np.arange(400) + 7)
    detector = _fit(
        AutoencoderOutlierDetector(MODELS[0], n_neighbors=None, random_state=0), X
    )
    contributions = detector.feature_contributions(X.iloc[:20])
    assert isinstance(contributions, pd.DataFrame)
    assert list(contributions.columns) == columns
    np.testing.assert_array_equal(contributions.index, X.index[:20])
    assert (contributions.to_numpy() >= 0).all()
    np.testing.assert_allclose(
        contributions.sum(axis=1), -detector.score_samples(X.iloc[:20]), rtol=1e-5
    )


@pytest.mark.parametrize("feature", [0, 3])
def test_contributions_point_at_the_broken_feature(fitted, feature):
    X = _normal(10, seed=4)
    X[:, feature] += 5.0
    contributions = fitted.feature_contributions(X)
    assert contributions.shape == (10, 5) and isinstance(contributions, np.ndarray)
    np.testing.assert_array_equal(contributions.argmax(axis=1), feature)


def test_vae_contributions_are_the_reconstruction_part():
    detector = _fit(
        AutoencoderOutlierDetector(MODELS[1], n_neighbors=None, random_state=0), _normal()
    )
    X = np.vstack([_normal(20, seed=5), FAR])
    total = detector.feature_contributions(X).sum(axis=1)
    # -score_samples = reconstruction part + KL(posterior || prior) + Jacobian:
    # what is left after the contributions is a KL, >= 0 up to sampling error.
    jacobian = np.log(detector.estimator_.scale_).sum()
    latent = -detector.score_samples(X) - jacobian - total
    assert latent.min() > -0.5 and latent.mean() > 0
    assert total[-2:].min() > total[:-2].max()


# --------------------------------------------------------------------- NaN
def test_rows_with_nan_are_scored_on_their_observed_part(fitted):
    X = np.vstack([_normal(5, seed=6), FAR])
    X_nan = X.copy()
    X_nan[0, 1] = X_nan[5, 0] = X_nan[6, 4] = np.nan
    scores = fitted.score_samples(X_nan)
    pvalues = fitted.score_pvalues(X_nan)
    contributions = fitted.feature_contributions(X_nan)
    assert np.isfinite(scores).all() and np.isfinite(pvalues).all()
    assert contributions[0, 1] == contributions[5, 0] == contributions[6, 4] == 0
    np.testing.assert_array_equal(fitted.predict(X_nan)[-2:], [-1, -1])
    np.testing.assert_allclose(scores[1:5], fitted.score_samples(X[1:5]), rtol=1e-5)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_rows_with_nan_on_correlated_columns_are_not_false_alarms():
    # the encoder saw their missing entries at the mean: the VAE's
    # log-likelihood of the observed part came out 20 nats low and the
    # detector flagged a quarter to three quarters of normal rows
    rng = np.random.RandomState(0)
    mixing = rng.normal(size=(4, 4))
    X, X_new = rng.normal(size=(1000, 4)) @ mixing, rng.normal(size=(500, 4)) @ mixing
    X_nan = X_new.copy()
    X_nan[:, 2:] = np.nan
    vae = VAETransformer(random_state=0).fit(X)
    cov = mixing.T @ mixing
    marginal = multivariate_normal(np.zeros(2), cov[:2, :2]).logpdf(X_new[:, :2])
    assert abs(vae.score_samples(X_nan).mean() - marginal.mean()) < 1.0
    one_missing = X_new.copy()
    one_missing[np.arange(500), rng.randint(0, 4, 500)] = np.nan
    detector = AutoencoderOutlierDetector(n_neighbors=None, random_state=0).fit(X)
    assert (detector.score_pvalues(one_missing) <= 0.05).mean() < 0.08
    # the fill changes where the samples are drawn, not what is scored: a
    # row far out stays far out, whatever its holes
    spread = X.std(axis=0)
    far = np.array([[30 * spread[0], -30 * spread[1], np.nan, np.nan],
                    [8 * spread[0], np.nan, 8 * spread[2], np.nan]])
    assert (detector.score_pvalues(far) < 0.01).all()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore:.*no observed value:UserWarning")
def test_complete_rows_are_scored_as_without_the_fill(monkeypatch):
    # a column never observed in fit is missing in every row; the encoder
    # only ever saw it at 0, and it is not filled
    X = _normal(200)
    X[:, 2] = np.nan
    vae = VAETransformer(n_components=2, init="random", **FAST).fit(X)
    new = _normal(50, seed=3)
    new[::2, 0] = np.nan
    filled = vae.score_samples(new)
    monkeypatch.setattr("skvae._vae.FILL_ROUNDS", 0)
    plain = vae.score_samples(new)
    np.testing.assert_array_equal(filled[1::2], plain[1::2])
    assert (filled[::2] != plain[::2]).all()


@pytest.mark.parametrize("method", ["score_samples", "feature_contributions"])
def test_rows_with_nothing_observed_are_refused(fitted, method):
    X = np.vstack([_normal(3, seed=7), np.full(5, np.nan)])
    with pytest.raises(ValueError, match="1 row.*no observed value"):
        getattr(fitted, method)(X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_column_never_observed_in_fit_does_not_move_scores():
    X = _normal(200)
    X[:, 2] = np.nan
    with pytest.warns(UserWarning, match="no observed value"):
        detector = AutoencoderOutlierDetector(
            VAETransformer(**FAST), random_state=0).fit(X)
    new = np.vstack([_normal(4, seed=8), FAR])
    blank = new.copy()
    blank[:, 2] = np.nan
    new[:, 2] = [1e6, -3.0, 0.0, 50.0, 1e3, 7.0][: len(new)]
    np.testing.assert_array_equal(detector.score_samples(new), detector.score_samples(blank))
    np.testing.assert_array_equal(detector.feature_contributions(new)[:, 2], 0.0)


def test_fit_accepts_nan():
    X = _normal(200)
    X[::7, 2] = np.nan
    detector = _fit(AutoencoderOutlierDetector(MODELS[0], random_state=0), X)
    assert np.isfinite(detector.calibration_scores_).all()


# --------------------------------------------------------- composition
def test_pipeline_and_nested_parameters():
    pipe = make_pipeline(
        StandardScaler(),
        AutoencoderOutlierDetector(clone(MODELS[0]), random_state=0),
    )
    pipe.set_params(autoencoderoutlierdetector__estimator__max_iter=20)
    X = np.vstack([_normal(300), FAR])
    labels = _fit(pipe, X).predict(X)
    assert labels.shape == (302,)
    np.testing.assert_array_equal(pipe.fit_predict(X), labels)
    assert pipe[-1].estimator_.max_iter == 20
    assert pipe.decision_function(FAR).max() < 0
    pvalues = pipe[-1].score_pvalues(pipe[:-1].transform(FAR))
    assert pvalues.max() <= 0.05


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_estimator_is_cloned_and_seeded(model):
    detector = AutoencoderOutlierDetector(model, random_state=3)
    first = _fit(detector, _normal(200)).score_samples(FAR)
    assert detector.estimator_ is not model and model.random_state is None
    assert isinstance(detector.estimator_.random_state, int)
    second = _fit(clone(detector), _normal(200)).score_samples(FAR)
    np.testing.assert_array_equal(first, second)


def test_default_estimator():
    detector = _fit(AutoencoderOutlierDetector(random_state=0), _normal(200))
    assert type(detector.estimator_).__name__ in {
        "AutoencoderTransformer", "VAETransformer"
    }
    assert detector.estimator is None


@pytest.mark.parametrize(
    "contamination, support", [("auto", 0.75), (0.1, 0.75), (0.25, 0.75), (0.4, 0.6)]
)
@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_training_is_trimmed_from_the_contamination(model, contamination, support):
    detector = AutoencoderOutlierDetector(
        clone(model).set_params(max_iter=2), contamination=contamination,
        random_state=0,
    )
    _fit(detector, _normal(100))
    assert detector.estimator_.support_fraction == support
    assert model.support_fraction is None  # the user's estimator is untouched


def test_a_chosen_support_fraction_is_kept():
    model = VAETransformer(support_fraction=1.0, **SMALL)
    detector = _fit(AutoencoderOutlierDetector(model, contamination=0.1), _normal(100))
    assert detector.estimator_.support_fraction == 1.0


def _heavy_tailed(n_samples=300, seed=0):
    """Two normal columns around a log-normal one of skewness well above 5."""
    rng = np.random.RandomState(seed)
    return np.c_[rng.normal(size=n_samples), rng.lognormal(sigma=2.0, size=n_samples),
                 rng.normal(size=n_samples)]


def test_heavy_tailed_columns_are_modelled_as_positive():
    model = MODELS[1]
    detector = _fit(
        AutoencoderOutlierDetector(clone(model).set_params(max_iter=2), random_state=0),
        _heavy_tailed(),
    )
    assert detector.estimator_.column_types == {1: "positive"}
    assert detector.estimator_.column_types_ == {0: "real", 1: "positive", 2: "real"}
    assert model.column_types is None  # the user's estimator is untouched


@pytest.mark.parametrize(
    "model",
    [VAETransformer(column_types={0: "real"}, **SMALL),
     VAETransformer(column_types={}, **SMALL),
     VAETransformer(likelihood="bernoulli", **SMALL),
     AutoencoderTransformer(**SMALL)],  # its score is not a likelihood
    ids=["declared", "declared-none", "bernoulli", "autoencoder"],
)
def test_heavy_tailed_columns_keep_a_chosen_coding(model):
    X = np.abs(_heavy_tailed())
    if model.get_params().get("likelihood") == "bernoulli":
        X = X / X.max(axis=0)
    detector = _fit(AutoencoderOutlierDetector(model, random_state=0), X)
    assert detector.estimator_.column_types == model.column_types
    assert "positive" not in detector.estimator_.column_types_.values()


def test_heavy_tailed_float_columns_of_a_dataframe_are_modelled_as_positive():
    X = _heavy_tailed()
    frame = pd.DataFrame({
        "a": X[:, 0],
        "tail": pd.array(X[:, 1], dtype="Float64"),
        "label": pd.Categorical(np.where(X[:, 2] > 0, "up", "down")),
        "count": (10 * X[:, 1]).astype(int),  # integers keep their own rules
    })
    detector = _fit(
        AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0), frame
    )
    assert detector.estimator_.column_types == {"tail": "positive"}
    assert detector.estimator_.column_types_["count"] == "count"


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_a_value_outside_the_models_support_is_most_abnormal(model):
    model = clone(model).set_params(max_iter=2, column_types={1: "positive"})
    detector = _fit(AutoencoderOutlierDetector(model, random_state=0), _heavy_tailed())
    offset = detector.estimator_._table.columns[1].offset  # log1p(x / offset)
    X_new = _heavy_tailed(4, seed=1)
    X_new[1, 1] = -offset
    scores = detector.score_samples(X_new)
    assert scores[1] == -np.inf and np.isfinite(scores[[0, 2, 3]]).all()
    np.testing.assert_allclose(scores[[0, 2, 3]], detector.score_samples(X_new[[0, 2, 3]]))
    assert detector.predict(X_new)[1] == -1
    assert detector.score_pvalues(X_new)[1] == detector.score_pvalues(X_new).min()
    contributions = detector.feature_contributions(X_new)
    assert contributions[1, 1] == np.inf
    assert np.isfinite(np.delete(contributions.ravel(), 4)).all()
    assert X_new[1, 1] == -offset  # the caller's rows are not changed


def test_a_value_just_below_the_training_minimum_keeps_a_density():
    # min-max scaled on the training rows, a new row falls a hair below 0
    X = _heavy_tailed()
    X[:, 1] -= X[:, 1].min()
    model = clone(MODELS[1]).set_params(max_iter=2)
    detector = _fit(AutoencoderOutlierDetector(model, random_state=0), X)
    assert detector.estimator_.column_types == {1: "positive"}
    X_new = np.repeat(X[:1], 3, axis=0)
    X_new[:, 1] = [0.0, -1e-3, -1e-9]
    scores = detector.score_samples(X_new)
    assert np.isfinite(scores).all()
    np.testing.assert_allclose(scores[1:], scores[0], atol=1e-2)
    assert np.isfinite(detector.feature_contributions(X_new)).all()


def test_a_negative_count_in_a_dataframe_is_most_abnormal():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"x": rng.normal(size=200),
                          "n": pd.array(rng.poisson(3, size=200), dtype="Int64"),
                          "label": pd.Categorical(rng.choice(["a", "b"], size=200))})
    detector = _fit(AutoencoderOutlierDetector(
        VAETransformer(column_types={"n": "count"}, **SMALL), random_state=0), frame)
    new = frame.iloc[:3].copy()
    new.loc[new.index[2], "n"] = -1
    assert np.isneginf(detector.score_samples(new)).tolist() == [False, False, True]
    contributions = detector.feature_contributions(new)
    assert list(contributions.columns) == ["x", "n", "label"]
    assert contributions.iloc[2]["n"] == np.inf and np.isfinite(contributions.iloc[2]["x"])
    assert new["n"].dtype == "Int64" and new.iloc[2]["n"] == -1


@pytest.mark.parametrize("Model", [VAETransformer, AutoencoderTransformer])
def test_a_binary_column_outside_0_and_1_is_most_abnormal(Model):
    # a 2 in a column of 0s and 1s is a value the model cannot hold: scoring
    # raised, and fitting raised when such a row fell among the calibration rows
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"x": rng.normal(size=200), "kids": rng.randint(0, 2, 200)})
    detector = _fit(AutoencoderOutlierDetector(Model(**SMALL), random_state=0), frame)
    assert detector.estimator_.column_types_["kids"] == "binary"
    new = frame.iloc[:3].copy()
    new.loc[new.index[1:], "kids"] = [2, -1]
    assert np.isneginf(detector.score_samples(new)).tolist() == [False, True, True]
    assert detector.predict(new).tolist()[1:] == [-1, -1]
    assert (detector.feature_contributions(new).iloc[1:]["kids"] == np.inf).all()
    with pytest.raises(ValueError, match="'kids' is binary and needs data in"):
        detector.estimator_.transform(new)
    frame.loc[detector._split(200, np.random.RandomState(0))[1][0], "kids"] = 2
    _fit(AutoencoderOutlierDetector(Model(**SMALL), random_state=0), frame)


def test_a_bernoulli_array_outside_0_and_1_is_most_abnormal():
    X = (np.random.RandomState(0).rand(200, 4) < 0.3).astype(float)
    detector = _fit(AutoencoderOutlierDetector(
        VAETransformer(likelihood="bernoulli", **SMALL), random_state=0), X)
    new = X[:2].copy()
    new[1, 2] = 2.0
    assert np.isneginf(detector.score_samples(new)).tolist() == [False, True]
    assert detector.feature_contributions(new)[1, 2] == np.inf
    with pytest.raises(ValueError, match="needs data in \\[0, 1\\]"):
        detector.estimator_.transform(new)


def test_calibration_rows_of_no_probability_are_named_when_nothing_can_be_flagged():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({
        "a": rng.normal(size=300),
        "id": np.r_[rng.choice(list("xyz"), 240), [f"r{i}" for i in range(60)]],
    })
    detector = AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0)
    with pytest.warns(UserWarning, match="of the 60 calibration rows have probability 0"):
        _fit(detector, frame)
    assert detector.offset_ == -np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert (detector.decision_function(frame) >= 0).all()


def test_a_fractional_count_is_most_abnormal_and_refused_where_data_is_coded():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"x": rng.normal(size=200),
                          "n": pd.array(rng.poisson(3, size=200), dtype="Int64")})
    detector = _fit(AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0), frame)
    assert detector.estimator_.column_types_["n"] == "count"
    new = pd.DataFrame({"x": [0.0, 0.0, 0.0, 0.0], "n": [2.0, 2.5, np.nan, 0.1 * 3 * 10]})
    # 0.1 * 3 * 10 is 3.0000000000000004: a count, within float64 rounding
    assert np.isneginf(detector.score_samples(new)).tolist() == [False, True, False, False]
    assert detector.feature_contributions(new).loc[1, "n"] == np.inf
    match = "'n' is count and holds 2.5, which is not a whole number"
    with pytest.raises(ValueError, match=match):
        detector.estimator_.transform(new)
    with pytest.raises(ValueError, match=match):
        VAETransformer(column_types={"n": "count"}, **SMALL).fit(new)


@pytest.mark.parametrize("method", ["predict", "score_pvalues", "feature_contributions"])
def test_an_array_after_a_dataframe_warns_once(method):
    frame = pd.DataFrame(_normal(200), columns=list("abcde"))
    detector = _fit(AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0), frame)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = getattr(detector, method)(frame.to_numpy()[:4])
    names = [str(w.message) for w in caught if "valid feature names" in str(w.message)]
    assert len(names) == 1 and "AutoencoderOutlierDetector" in names[0]
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, np.asarray(getattr(detector, method)(frame[:4])))


def test_a_quantile_among_rows_of_no_probability_flags_them():
    # calibration rows far below 0 in the positive column score -inf; when the
    # contamination quantile falls among them, the offset is the lowest
    # finite score (not NaN), and they are the rows flagged
    X = _heavy_tailed(200)
    detector = AutoencoderOutlierDetector(VAETransformer(**SMALL), contamination=0.1,
                                          random_state=0)
    _, cal_idx = detector._split(200, np.random.RandomState(0))
    X[cal_idx[:30], 1] = -1000.0
    _fit(detector, X)
    assert detector.estimator_.column_types == {1: "positive"}
    scores = detector.score_samples(X)
    assert detector.offset_ == scores[np.isfinite(scores)].min()
    assert (detector.predict(X) == -1).sum() == 30
    assert (detector.predict(X[cal_idx[:30]]) == -1).all()


def test_trimmed_training_ranks_a_group_of_outliers_lower():
    # 13% of the training rows are a tight group off the inliers' plane:
    # told the contamination, the detector trims them from its model's
    # training and ranks them below the inliers; trained on every row, the
    # model learns to reproduce them.
    rng = np.random.RandomState(0)
    group = rng.normal(size=(60, 5)) * 0.05 + np.array([2.0, 2.0, -2.0, 2.0, 2.0])
    X = np.vstack((_normal(400), group))
    y = np.r_[np.zeros(400), np.ones(60)]
    aucs = {}
    for support in (None, 1.0):
        detector = AutoencoderOutlierDetector(
            VAETransformer(support_fraction=support, **FAST), contamination=0.15,
            random_state=0,
        )
        scores = _fit(detector, X).score_samples(X)
        aucs[support] = roc_auc_score(y, -scores)
    assert aucs[None] > 0.99 and aucs[1.0] < 0.95


def test_any_density_estimator_works():
    detector = AutoencoderOutlierDetector(
        GaussianMixture(n_components=2), random_state=0
    ).fit(_normal())
    np.testing.assert_array_equal(detector.predict(FAR), [-1, -1])
    assert not hasattr(detector, "feature_contributions")


class _GaussianWithFeatureScores(GaussianMixture):
    """A user's own model: one Gaussian, per-entry scores by a public method."""

    def __init__(self):
        super().__init__(n_components=1, covariance_type="diag")

    def score_features(self, X):
        z = (np.asarray(X) - self.means_[0]) ** 2 / self.covariances_[0]
        return 0.5 * z


def test_a_users_model_with_score_features_serves_feature_contributions():
    X = _normal()
    detector = AutoencoderOutlierDetector(
        _GaussianWithFeatureScores(), n_neighbors=None, random_state=0
    ).fit(X)
    row = X[:1].copy()
    row[0, 1] = 50.0
    contributions = detector.feature_contributions(row)
    assert contributions.shape == row.shape
    assert contributions[0].argmax() == 1
    np.testing.assert_allclose(
        contributions, detector.estimator_.score_features(row)
    )


def test_models_declare_that_they_take_categorical_frames():
    from sklearn.utils import get_tags

    assert get_tags(VAETransformer()).input_tags.categorical
    assert get_tags(AutoencoderOutlierDetector()).input_tags.categorical
    gmm = AutoencoderOutlierDetector(GaussianMixture())
    assert not get_tags(gmm).input_tags.categorical


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "params, match",
    [
        (dict(contamination=0.6), "'contamination' parameter"),
        (dict(contamination="high"), "'contamination' parameter"),
        (dict(calibration_fraction=1.0), "'calibration_fraction' parameter"),
        (dict(estimator=StandardScaler()), "'estimator' parameter"),
        (dict(n_neighbors=0), "'n_neighbors' parameter"),
        (dict(n_neighbors=2.5), "'n_neighbors' parameter"),
    ],
)
def test_invalid_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        AutoencoderOutlierDetector(**params).fit(_normal(50))


def test_too_few_rows_to_fit():
    detector = AutoencoderOutlierDetector(calibration_fraction=0.9)
    with pytest.raises(ValueError, match="leaves 1 row"):
        detector.fit(_normal(10))


def test_too_few_calibration_rows_warns():
    detector = AutoencoderOutlierDetector(AutoencoderTransformer(**SMALL))
    with pytest.warns(UserWarning, match="no p-value can be as low as 0.05"):
        detector.fit(_normal(50))
    assert detector.offset_ == -np.inf
    assert (detector.predict(FAR) == 1).all()


def test_unfitted_raises():
    with pytest.raises(ValueError, match="not fitted yet"):
        AutoencoderOutlierDetector().score_pvalues(FAR)


def test_a_numeric_dataframe_reaches_the_model_whole():
    # its columns are typed by name and dtype, as the model alone types them
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"x": rng.normal(size=200), "n": rng.poisson(3, size=200)})
    model = VAETransformer(column_types={"n": "count"}, **SMALL)
    detector = _fit(AutoencoderOutlierDetector(model, random_state=0), frame)
    assert detector.estimator_.column_types_ == {"x": "quantile", "n": "count"}
    assert list(detector.feature_names_in_) == ["x", "n"]
    assert detector.score_samples(frame.iloc[:5]).shape == (5,)
    assert list(detector.feature_contributions(frame.iloc[:5]).columns) == ["x", "n"]


def test_a_polars_dataframe_is_scored_and_explained():
    pl = pytest.importorskip("polars")
    X = _heavy_tailed(200)
    frame = pl.DataFrame({"a": X[:, 0], "tail": X[:, 1],
                          "label": np.where(X[:, 2] > 0, "up", "down")})
    detector = _fit(
        AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0), frame
    )
    assert detector.estimator_.column_types == {"tail": "positive"}
    scores = detector.score_samples(frame[:5])
    np.testing.assert_allclose(scores, detector.score_samples(frame.to_pandas()[:5]))
    contributions = detector.feature_contributions(frame[:5])
    assert isinstance(contributions, pl.DataFrame)
    assert contributions.columns == ["a", "tail", "label"] and contributions.shape == (5, 3)


@pytest.fixture(scope="module")
def money_table():
    """Amounts far from 0, a count and a category, and a detector fitted on them."""
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(600, 2))
    amounts = latent @ rng.normal(size=(2, 4)) + 0.3 * rng.normal(size=(600, 4))
    frame = pd.DataFrame(amounts * np.array([1e4, 2e4, 5e3, 3e4]) + 5e4,
                         columns=["a", "b", "c", "d"])
    frame["age"] = pd.array(np.round(40 + 10 * latent[:, 0]).clip(18), dtype="Int64")
    frame["kind"] = pd.Categorical(np.where(latent[:, 1] > 0, "x", "y"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return frame, AutoencoderOutlierDetector(random_state=0).fit(frame)


@pytest.mark.parametrize("column", ["a", "c", "age"])
@pytest.mark.parametrize("side", ["above", "below"])
def test_an_absurd_value_is_flagged(money_table, column, side):
    # 10 ranges outside its column: below every calibration row
    frame, detector = money_table
    values = frame[column].astype(float)
    span = values.max() - values.min()
    value = values.max() + 10 * span if side == "above" else values.min() - 10 * span
    row = frame.iloc[:1].copy()
    row[column] = pd.array([round(value)], dtype="Int64") if column == "age" else value
    assert detector.score_samples(row)[0] < detector.calibration_scores_[0]
    assert detector.score_pvalues(row)[0] < 0.01
    assert detector.feature_contributions(row).iloc[0][column] > 0


# -------------------------------------------------------- neighbour distance
def _two_groups():
    """Normal rows in two groups on a plane, 8 standard deviations apart."""
    rng = np.random.RandomState(0)
    plane = rng.normal(size=(300, 2)) @ MIXING
    return np.vstack([plane[:150] + 4, plane[150:] - 4]) * 0.3 + 0.05 * rng.normal(
        size=(300, 5)
    )


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_a_row_between_two_groups_is_flagged_by_its_neighbour_distance(model):
    # the model's plane runs through the gap, where no training row lies:
    # its score alone calls the row typical, its distance to the 5th
    # nearest training row does not
    X, between = _two_groups(), np.zeros((1, 5))
    alone = _fit(AutoencoderOutlierDetector(model, n_neighbors=None, random_state=0), X)
    beside = _fit(AutoencoderOutlierDetector(model, random_state=0), X)
    assert alone.score_pvalues(between)[0] > 0.5 and alone.predict(between)[0] == 1
    assert beside.score_pvalues(between)[0] < 0.05 and beside.predict(between)[0] == -1


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_without_neighbours_the_scores_are_the_models(model):
    detector = _fit(AutoencoderOutlierDetector(model, n_neighbors=None, random_state=0),
                    _normal())
    X = np.vstack([_normal(20, seed=5), FAR])
    np.testing.assert_array_equal(
        detector.score_samples(X), detector.estimator_.score_samples(X)
    )


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_the_neighbours_leave_the_model_and_its_seed_as_they_were(model):
    X = np.vstack([_normal(20, seed=5), FAR])
    alone = _fit(AutoencoderOutlierDetector(model, n_neighbors=None, random_state=0),
                 _normal())
    beside = _fit(AutoencoderOutlierDetector(model, random_state=0), _normal())
    np.testing.assert_array_equal(
        alone.estimator_.score_samples(X), beside.estimator_.score_samples(X)
    )
    # the combined score orders rows by neither part alone, but both
    # parts say the far rows are the most abnormal
    assert beside.score_samples(X)[-2:].max() < beside.score_samples(X)[:-2].min()


def test_ae_contributions_with_neighbours_sum_to_the_score_up_to_a_constant():
    detector = _fit(AutoencoderOutlierDetector(MODELS[0], random_state=0), _normal())
    X = np.vstack([_normal(20, seed=5), FAR])
    contributions = detector.feature_contributions(X)
    assert (contributions >= 0).all()
    # the model's part sums to -its score, the distance's to the distance;
    # each is divided by its spread, the centres are a constant
    scores = detector.score_samples(X)
    constant = contributions[0].sum() + scores[0]
    np.testing.assert_allclose(contributions.sum(axis=1), constant - scores, rtol=1e-5)


def test_neighbour_contributions_name_the_column_that_is_off_in_a_frame():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({
        "x": rng.normal(size=600),
        "y": rng.normal(size=600),
        "colour": pd.Categorical(rng.choice(["red", "blue"], size=600)),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], size=600),
                               categories=["S", "M", "L"], ordered=True),
    })
    detector = _fit(AutoencoderOutlierDetector(VAETransformer(**FAST), random_state=0), X)
    row = X.iloc[:3].copy()
    row.loc[row.index[1], "y"] = 40.0
    contributions = detector.feature_contributions(row)
    assert list(contributions.columns) == list(X.columns)
    assert contributions.iloc[1].idxmax() == "y"
    assert detector.score_pvalues(row)[1] < 0.01


@pytest.mark.parametrize("n_neighbors", [None, 5])
def test_an_entry_of_probability_zero_is_explained_as_if_missing(n_neighbors):
    rng = np.random.RandomState(0)
    z = rng.normal(size=300)
    X = pd.DataFrame({"income": 40 + 8 * z, "visits": rng.poisson(np.exp(1 + 0.3 * z)),
                      "city": np.where(z > 0, "Paris", "Rome")})
    detector = _fit(AutoencoderOutlierDetector(VAETransformer(**FAST),
                                               n_neighbors=n_neighbors, random_state=0), X)
    rows = pd.concat([X.iloc[:1]] * 4, ignore_index=True)
    rows["visits"] = rows["visits"].astype(float)
    rows.loc[0, "visits"], rows.loc[1, "visits"], rows.loc[2, "visits"] = -1.0, 2.5, np.nan
    rows.loc[3, "city"] = "Berlin"
    contributions = detector.feature_contributions(rows)
    assert np.isposinf(contributions["visits"][:2]).all() and contributions["visits"][2] == 0
    as_missing = contributions.loc[:2, ["income", "city"]].to_numpy()
    np.testing.assert_allclose(as_missing, as_missing[[2, 2, 2]], rtol=1e-6)
    missing_city = rows.iloc[[3]].assign(city=None)
    np.testing.assert_allclose(
        contributions.loc[3, ["income", "visits"]].to_numpy(dtype=float),
        detector.feature_contributions(missing_city).loc[3, ["income", "visits"]]
        .to_numpy(dtype=float), rtol=1e-6)


def test_the_neighbour_reference_is_capped_and_leaves_out_the_contamination(monkeypatch):
    import skvae._outlier as outlier

    monkeypatch.setattr(outlier, "MAX_REFERENCE", 50)
    X = _normal()
    auto = _fit(AutoencoderOutlierDetector(MODELS[0], random_state=0), X)
    assert auto._neighbours["rows"].shape == (50, 5)
    share = _fit(AutoencoderOutlierDetector(MODELS[0], contamination=0.2, random_state=0), X)
    assert share._neighbours["rows"].shape == (40, 5)
    assert np.isfinite(share.score_samples(X)).all()


def test_more_neighbours_than_rows_takes_every_other_row():
    X = _normal(12)
    detector = _fit(
        AutoencoderOutlierDetector(AutoencoderTransformer(**SMALL), n_neighbors=50,
                                   calibration_fraction=0.25, random_state=0), X
    )
    assert detector._neighbours["k"] == 8  # 9 rows fit the model
    assert np.isfinite(detector.score_samples(X)).all()


def test_a_contamination_never_leaves_fewer_than_two_reference_rows():
    X = _normal(3)
    detector = _fit(AutoencoderOutlierDetector(AutoencoderTransformer(**SMALL),
                                               contamination=0.5, random_state=0), X)
    assert detector._neighbours["rows"].shape[0] == 2 and detector._neighbours["k"] == 1
    assert np.isfinite(detector.score_samples(X)).all()


def test_a_detector_saved_without_neighbour_state_scores_by_its_model():
    detector = _fit(AutoencoderOutlierDetector(MODELS[0], random_state=0), _normal())
    state = detector.__getstate__()
    del state["_neighbours"]  # as a detector of an earlier version holds it
    old = AutoencoderOutlierDetector.__new__(AutoencoderOutlierDetector)
    old.__setstate__(state)
    X = _normal(5, seed=3)
    np.testing.assert_array_equal(old.score_samples(X), detector.estimator_.score_samples(X))
    assert old.feature_contributions(X).shape == (5, 5)


def _neighbour_parts(detector, X, k_th=False):
    """The model's and the distance's z-scores, from scikit-learn's search."""
    from sklearn.neighbors import NearestNeighbors

    from skvae._neighbours import code_rows
    from skvae._outlier import _centre_and_spread

    state = detector._neighbours
    search = NearestNeighbors(n_neighbors=state["k"]).fit(state["rows"].astype(np.float64))
    own = search.kneighbors()[0]
    new = search.kneighbors(code_rows(X, state["coding"]))[0]
    own, new = (own[:, -1], new[:, -1]) if k_th else (own.mean(axis=1), new.mean(axis=1))
    model_centre, model_spread = state["model"]
    z_model = (detector.estimator_.score_samples(X) - model_centre) / model_spread
    return z_model, -new, _centre_and_spread(-own)


def test_the_distance_is_the_mean_to_the_nearest_training_rows():
    detector = _fit(AutoencoderOutlierDetector(MODELS[0], random_state=0), _normal())
    X = np.vstack([_normal(20, seed=5), FAR])
    z_model, distance, scale = _neighbour_parts(detector, X)
    # fit searched the rows before they were kept in float32
    np.testing.assert_allclose(detector._neighbours["distance"], scale, rtol=1e-6)
    centre, spread = detector._neighbours["distance"]
    np.testing.assert_allclose(detector.score_samples(X),
                               0.5 * (z_model + (distance - centre) / spread))


def test_a_detector_saved_with_the_kth_distance_keeps_scoring_by_it():
    detector = _fit(AutoencoderOutlierDetector(MODELS[0], random_state=0), _normal())
    X = np.vstack([_normal(20, seed=5), FAR])
    state = detector.__getstate__()
    neighbours = dict(state["_neighbours"])
    del neighbours["mean"]  # as a detector of an earlier version holds it
    z_model, distance, neighbours["distance"] = _neighbour_parts(detector, X, k_th=True)
    old = AutoencoderOutlierDetector.__new__(AutoencoderOutlierDetector)
    old.__setstate__({**state, "_neighbours": neighbours})
    scores = old.score_samples(X)
    centre, spread = neighbours["distance"]
    np.testing.assert_allclose(scores, 0.5 * (z_model + (distance - centre) / spread))
    # its contributions share out that distance
    contributions = old.feature_contributions(X)
    constant = contributions[0].sum() + scores[0]
    np.testing.assert_allclose(contributions.sum(axis=1), constant - scores, rtol=1e-5)


def test_a_row_without_a_mean_distance_is_explained_by_the_model_alone():
    X = _normal()
    X[4:, 0] = np.nan  # four rows hold column 0
    detector = _fit(AutoencoderOutlierDetector(MODELS[0], random_state=0), X)
    state = detector._neighbours
    assert 0 < np.isfinite(state["rows"][:, 0]).sum() < state["k"]
    row = np.array([[0.5, np.nan, np.nan, np.nan, np.nan]])
    model_part = 0.5 * detector.estimator_.score_features(row) / state["model"][1]
    np.testing.assert_allclose(detector.feature_contributions(row), model_part)
    z_model = (detector.estimator_.score_samples(row) - state["model"][0]) / state["model"][1]
    np.testing.assert_allclose(detector.score_samples(row), 0.5 * z_model)


def test_the_neighbour_distance_codes_columns_as_the_model_types_them():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({
        "amount": pd.Series(rng.normal(size=200)).astype(object),
        "zip": rng.choice([1000, 2000, 3000], size=200),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], size=200),
                               categories=["S", "M", "L"], ordered=True),
    })
    model = VAETransformer(column_types={"zip": "categorical"}, **FAST)
    detector = _fit(AutoencoderOutlierDetector(model, random_state=0), X)
    kinds = [column[0] for column in detector._neighbours["coding"]]
    assert kinds == ["number", "labels", "levels"]
    far = X.iloc[:2].copy()
    far.loc[far.index[1], "amount"] = 50.0
    contributions = detector.feature_contributions(far)
    assert contributions.iloc[1].idxmax() == "amount"
    # new rows whose ordered column lists its levels otherwise score the same
    other = X.iloc[:20].astype({"size": object})
    np.testing.assert_allclose(detector.score_samples(other), detector.score_samples(X.iloc[:20]))


def test_an_empty_frame_is_refused_by_the_detector_by_name():
    X = pd.DataFrame({"a": np.random.RandomState(0).normal(size=60), "c": ["x", "y"] * 30})
    detector = _fit(AutoencoderOutlierDetector(VAETransformer(**FAST), random_state=0), X)
    for method in (detector.score_samples, detector.predict, detector.feature_contributions):
        with pytest.raises(ValueError, match="minimum of 1 is required by "
                           "AutoencoderOutlierDetector"):
            method(X.iloc[:0])


def test_a_fit_that_raises_leaves_the_detector_as_it_was():
    X = _normal(100)
    detector = _fit(AutoencoderOutlierDetector(AutoencoderTransformer(**SMALL), random_state=0), X)
    expected = detector.score_samples(X)
    state = dict(detector.__dict__)
    with pytest.raises(ValueError, match="no observed value"):
        detector.fit(np.full((100, 3), np.nan))
    assert detector.n_features_in_ == 5
    assert all(detector.__dict__[name] is value for name, value in state.items())
    np.testing.assert_array_equal(detector.score_samples(X), expected)
    # a first fit that raises leaves it unfitted
    detector = AutoencoderOutlierDetector()
    with pytest.raises(ValueError, match="no observed value"):
        detector.fit(np.full((100, 3), np.nan))
    with pytest.raises(NotFittedError):
        check_is_fitted(detector)
    assert not hasattr(detector, "n_features_in_")


def test_a_refit_that_raises_keeps_the_columns_of_the_previous_fit():
    rng = np.random.RandomState(0)
    df = pd.DataFrame({"income": rng.lognormal(size=100), "spend": rng.normal(size=100),
                       "city": rng.choice(list("xyz"), 100)})
    detector = _fit(AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0),
                    df[["income", "spend"]])
    expected = detector.score_samples(df[["income", "spend"]])
    detector.set_params(estimator__column_types={"nope": "real"})
    with pytest.raises(ValueError, match="nope"):
        detector.fit(df)
    assert list(detector.feature_names_in_) == ["income", "spend"]
    np.testing.assert_array_equal(detector.score_samples(df[["income", "spend"]]), expected)


@pytest.mark.parametrize("method", ["predict", "score_pvalues", "feature_contributions"])
def test_a_dataframe_after_an_array_warns_once(method):
    X = _normal(200)
    detector = _fit(AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0), X)
    frame = pd.DataFrame(X[:4], columns=list("abcde"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = getattr(detector, method)(frame)
    names = [str(w.message) for w in caught if "feature names" in str(w.message)]
    assert len(names) == 1 and "AutoencoderOutlierDetector" in names[0]
    np.testing.assert_array_equal(np.asarray(out), getattr(detector, method)(X[:4]))


def test_contributions_of_a_value_near_float64s_end_name_it_without_warnings():
    X = pd.DataFrame(np.random.RandomState(0).normal(size=(200, 3)), columns=list("abc"))
    detector = _fit(AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0), X)
    for value in (1e150, 1e308):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            warnings.simplefilter("ignore", DataConversionWarning)
            out = detector.feature_contributions(X.iloc[:2].assign(a=value))
        assert (out.idxmax(axis=1) == "a").all()
