"""Bad and unusual input, faults and global settings, across every estimator.

Each case asserts the exact behaviour: the error type and a message that
names the problem, or a correct, finite result. The property tests at the end
use hypothesis.
"""

import pickle
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from _settings import TINY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from sklearn.model_selection import cross_val_score

from skvae import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    VAETransformer,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(16,), max_iter=20, random_state=0, device="cpu")
MODELS = [AutoencoderTransformer, VAETransformer]
FAR = [1e300, -3.4028235e38, 1e15]  # beyond the clip, float32's lowest, far


def _data(n_samples=200, n_features=5, seed=0):
    rng = np.random.RandomState(seed)
    latent = rng.normal(size=(n_samples, 2))
    X = np.tanh(latent @ rng.normal(size=(2, n_features)))
    return X + 0.05 * rng.normal(size=X.shape)


def _with_holes(X, rate=0.2, seed=1):
    rng = np.random.RandomState(seed)
    X = np.where(rng.rand(*X.shape) < rate, np.nan, X)
    X[np.isnan(X).all(axis=1), 0] = 0.0
    return X


def _estimators():
    return {
        "ae": AutoencoderTransformer(**SMALL),
        "vae": VAETransformer(**SMALL),
        "imputer": AutoencoderImputer(VAETransformer(**SMALL), random_state=0),
        "detector": AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0),
    }


@pytest.fixture(scope="module")
def fitted():
    X = _data()
    return {name: est.fit(_with_holes(X) if name == "imputer" else X)
            for name, est in _estimators().items()}


def _outputs(name, estimator, X):
    """What each estimator returns for rows X, as float arrays."""
    if name == "imputer":
        return [estimator.transform(X)]
    if name == "detector":
        return [estimator.score_samples(X), estimator.decision_function(X),
                estimator.score_pvalues(X)]
    return [estimator.transform(X), estimator.score_samples(X),
            estimator.inverse_transform(estimator.transform(X))]


# ------------------------------------------------- extreme and tiny magnitudes
@pytest.mark.parametrize("value", FAR)
@pytest.mark.parametrize("name", ["ae", "vae", "imputer", "detector"])
def test_values_far_outside_give_finite_results_and_a_warning(fitted, name, value):
    X = _data(seed=3)[:6]
    X[2, 1] = value
    if name == "imputer":
        X[2, 0] = np.nan
    with pytest.warns(DataConversionWarning, match="standard deviations from the"):
        outputs = _outputs(name, fitted[name], X)
    for out in outputs:
        assert np.isfinite(out).all()


@pytest.mark.parametrize("value", FAR)
def test_detector_calls_the_most_extreme_row_an_outlier(fitted, value):
    detector = fitted["detector"]
    X = _data(seed=3)[:6]
    X[2, 1] = value
    with pytest.warns(DataConversionWarning):
        assert detector.predict(X)[2] == -1
        pvalues = detector.score_pvalues(X)
    assert pvalues[2] == pvalues.min() == 1 / (len(detector.calibration_scores_) + 1)


@pytest.mark.parametrize("scale", [1e-300, 1e-20, 1e-8, 1e8, 1e30, 1e300])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_results_do_not_depend_on_the_units(scale, dtype):
    X = _data().astype(dtype)
    largest = scale * float(np.abs(X).max())
    if largest > np.finfo(dtype).max / 10 or scale < np.finfo(dtype).tiny * 1e6:
        pytest.skip("not representable in this dtype")
    unit = AutoencoderTransformer(**SMALL).fit(X)
    scaled = AutoencoderTransformer(**SMALL).fit(X * dtype(scale))
    assert np.isfinite(scaled.scale_).all()
    np.testing.assert_allclose(scaled.scale_, unit.scale_ * scale, rtol=1e-5)

    def relative_error(model, X, scale=1.0):
        # in the original units: squares of 1e300 overflow
        X_hat = model.inverse_transform(model.transform(X)).astype(np.float64) / scale
        X = X.astype(np.float64) / scale
        return np.mean((X_hat - X) ** 2) / X.var()

    # training sees the same standardised rows up to float32 rounding
    assert relative_error(scaled, X * dtype(scale), scale) == pytest.approx(
        relative_error(unit, X), rel=0.2
    )


def test_columns_near_the_ends_of_float64_are_modelled_and_drawn():
    # squares of these values overflow or underflow float64
    factors = np.array([1.0, 1e300, 1e-300])
    X = _data()[:, :3] * factors
    model = VAETransformer(**SMALL).fit(X)
    np.testing.assert_allclose(model.scale_, _data()[:, :3].std(axis=0) * factors, rtol=1e-6)
    draws = model.sample(50)
    assert np.isfinite(draws).all()
    assert (np.abs(draws[:, 1]) < 1e303).all() and (draws[:, 2] * 1e300).std() > 0.1
    imputed = AutoencoderImputer(VAETransformer(**SMALL)).fit_transform(
        np.where(np.arange(X.shape[0])[:, None] % 4 == 0, np.nan, X))
    assert np.isfinite(imputed).all()


def test_a_frame_with_a_column_beyond_float32_and_a_count_warns_nothing():
    # its raw codes were cast to float32 whole, overflowing where unused
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"a": 1e300 * rng.normal(size=60), "k": rng.poisson(3, 60)})
    model = VAETransformer(**SMALL).fit(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model.transform(frame)
        model.score_samples(frame)


def test_constant_and_near_constant_features():
    X = _data()
    X[:, 0] = 7.0  # constant
    X[:, 1] = 1.0 + 1e-17 * np.arange(len(X))  # below float64 resolution of 1.0
    X[:, 2] = 1e-140 * X[:, 2]  # tiny but varying (its variance is a float64)
    model = VAETransformer(**SMALL).fit(X)
    assert model.scale_[0] == 1.0 and model.scale_[1] == 1.0
    assert model.scale_[2] == pytest.approx(1e-140 * _data()[:, 2].std(), rel=1e-6)
    assert np.isfinite(model.score_samples(X)).all()


def test_a_table_of_constant_columns_fits_without_numpy_warnings():
    X = np.ones((150, 4))
    holes = X.copy()
    holes[::5, 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for estimator, data in ((AutoencoderTransformer(**TINY), X),
                                (AutoencoderImputer(VAETransformer(**TINY)), holes),
                                (AutoencoderOutlierDetector(VAETransformer(**TINY)), X)):
            estimator.fit(data)
    assert (AutoencoderImputer(VAETransformer(**TINY)).fit_transform(holes) == 1.0).all()


def test_float32_data_near_its_largest_values():
    X = (_data() * 1e37).astype(np.float32)
    model = AutoencoderTransformer(**SMALL).fit(X)
    out = model.inverse_transform(model.transform(X))
    assert out.dtype == np.float32 and np.isfinite(out).all()


# ------------------------------------------------------------- DataFrame dtypes
NUMERIC_DTYPES = ["float64", "float32", "int64", "int32", "int8", "uint8", "bool",
                  "Int64", "Float64", "boolean"]


@pytest.mark.parametrize("dtype", NUMERIC_DTYPES)
@pytest.mark.parametrize("name", ["ae", "vae", "imputer", "detector"])
def test_numeric_dataframe_dtypes(name, dtype):
    X = pd.DataFrame((_data() * 3).round(), columns=list("abcde"))
    X = (X > 0) if dtype in ("bool", "boolean") else X
    if dtype.startswith("u"):
        X = X.abs()
    X = X.astype(dtype)
    if dtype in ("Int64", "Float64", "boolean"):
        X.iloc[::7, 1] = pd.NA
    estimator = _estimators()[name].fit(X)
    for out in _outputs(name, estimator, X):
        assert np.isfinite(np.asarray(out, dtype=float)).all()


@pytest.mark.parametrize(
    "column, match",
    [
        (pd.Series(pd.to_datetime(["2024-01-01"] * 200)), "datetime64.*Convert it to numbers"),
        (pd.Series([f"note {i}" for i in range(200)], dtype="string"), "looks like free text"),
        (pd.Series([1 + 2j] * 200), "complex128, which cannot be modelled"),
        (pd.Series(pd.to_timedelta(np.arange(200), unit="D")), "timedelta64.*cannot be modelled"),
        (pd.Series(pd.date_range("2024-01-01", periods=200, tz="UTC")),
         r"datetime64\[\w+, UTC\].*Convert it to numbers"),
        (pd.Series(pd.date_range("2024-01-01", periods=200)).dt.date,
         "holds dates .*Convert it to numbers"),
        (pd.Series([[1.0, 2.0]] * 200), "holds list values"),
        (pd.Series([f"{i / 7:.4f}" for i in range(200)]), "free text.*pd.to_numeric"),
    ],
)
def test_non_tabular_columns_are_refused(column, match):
    X = pd.DataFrame(_data(), columns=list("abcde"))
    X["when"] = column.to_numpy() if column.dtype.kind == "c" else column
    with pytest.raises(ValueError, match=f"Column 'when' .*{match}"):
        AutoencoderTransformer(**SMALL).fit(X)


# ------------------------------------------------------------- column names
@pytest.mark.parametrize("Model", MODELS)
@pytest.mark.parametrize("names", [[0, 1, 2], [10, 3, 7], [0.5, 1.5, 2.5]])
def test_columns_of_any_names_are_checked_as_scikit_learn_checks_strings(Model, names):
    X = pd.DataFrame(_data(n_features=3), columns=names)
    model = Model(**TINY).fit(X)
    for method in (model.transform, model.score_samples):
        with pytest.raises(ValueError, match="same order as they were in fit"):
            method(X[names[::-1]])
        renamed = X.rename(columns={names[0]: 99})
        with pytest.raises(ValueError, match=r"unseen at fit time: \[99(\.0)?\]\n.*"
                           rf"yet now missing: \[{names[0]!r}\]"):
            method(renamed)
    assert np.isfinite(model.score_samples(X)).all()


@pytest.mark.parametrize("Model", MODELS)
def test_feature_names_out_need_a_fitted_model(Model):
    with pytest.raises(NotFittedError):
        Model(**TINY).get_feature_names_out()
    model = Model(**TINY).fit(_data())
    assert list(model.get_feature_names_out()) == [
        f"{Model.__name__.lower()}{j}" for j in range(2)
    ]


# --------------------------------------------------------------- chunks
def test_fit_chunks_names_an_empty_chunk_and_a_bad_one():
    from skvae import fit_chunks

    X = pd.DataFrame(_data(n_features=3), columns=list("abc"))
    with pytest.raises(ValueError, match="Chunk 1 of X has no rows"):
        fit_chunks(AutoencoderTransformer(**TINY), [X[:100], X[:0], X[100:]])
    with pytest.raises(ValueError, match="Chunk 0 of X has no rows"):
        fit_chunks(AutoencoderTransformer(**TINY), lambda: iter([X[:0], X]))
    bad = X[100:].assign(b="x")
    with pytest.raises(ValueError, match="Chunk 1 of X: Column 'b' must hold numbers"):
        fit_chunks(AutoencoderTransformer(**TINY), [X[:100], bad])


# ------------------------------------------------------- decoding far codes
@pytest.mark.parametrize("Model", MODELS)
@pytest.mark.parametrize("dtype", ["int64", "Int64", "uint8", "int8"])
def test_far_codes_decode_inside_an_integer_dtype(Model, dtype):
    X = pd.DataFrame({"a": _data()[:, 0], "i": pd.Series(np.arange(200) % 50).astype(dtype)})
    model = Model(column_types={"i": "real"}, **TINY).fit(X)
    out = model.inverse_transform(np.array([[1e30, -1e30], [-1e30, 1e30], [0.0, 0.0]]))
    assert out["i"].dtype == X["i"].dtype
    info = np.iinfo(getattr(X["i"].dtype, "numpy_dtype", X["i"].dtype))
    values = out["i"].to_numpy(dtype=np.float64)
    assert ((values >= info.min) & (values <= info.max)).all()
    # far codes reach the ends of the range, not wrapped round to the other end
    assert sorted(values[:2]) == [info.min, pytest.approx(info.max, rel=1e-12)]
    with pytest.raises(ValueError, match="non-finite value in column 'a'"):
        model.inverse_transform(np.array([[1.7e308, -1.7e308]]))


# ---------------------------------------------------------------- NaN patterns
@pytest.mark.parametrize("Model", MODELS)
def test_feature_missing_everywhere_is_allowed(Model):
    X = _data()
    X[:, 3] = np.nan
    model = Model(**SMALL).fit(X)
    assert model.mean_[3] == 0.0 and model.scale_[3] == 1.0
    assert np.isfinite(model.transform(X)).all()


@pytest.mark.parametrize("Model", MODELS)
def test_one_observed_value_per_row(Model):
    X = _data()
    keep = np.arange(len(X)) % X.shape[1]
    X = np.where(np.arange(X.shape[1]) == keep[:, None], X, np.nan)
    model = Model(**SMALL).fit(X)
    assert np.isfinite(model.score_samples(X)).all()


@pytest.mark.parametrize("name", ["ae", "vae", "detector"])
def test_row_with_nothing_observed_names_the_users_row(fitted, name):
    X = _data()
    X[57] = np.nan
    with pytest.raises(ValueError, match=r"the first is row 57"):
        _estimators()[name].fit(X)
    with pytest.raises(ValueError, match=r"the first is row 57"):
        fitted[name].score_samples(X)


def test_imputer_fills_rows_with_nothing_observed(fitted):
    X = _data()[:5]
    X[1] = np.nan
    out = fitted["imputer"].transform(X)
    assert np.isfinite(out).all()


# -------------------------------------------------- divergence and failed fits
@pytest.fixture
def diverging(monkeypatch):
    """Make the training loss of a model infinite from now on."""

    def patch(Model):
        original = Model._row_losses

        def loss(self, *args):
            losses, counts = original(self, *args)
            return losses * np.inf, counts

        monkeypatch.setattr(Model, "_row_losses", loss)

    return patch


@pytest.mark.parametrize("Model", MODELS)
def test_diverged_fit_leaves_the_model_unfitted(Model, diverging):
    diverging(Model)
    model = Model(**SMALL)
    with pytest.raises(ValueError, match="Training diverged: the loss became (inf|nan)"):
        model.fit(_data())
    assert not hasattr(model, "module_") and not hasattr(model, "n_features_in_")
    with pytest.raises(NotFittedError):
        model.transform(_data())


@pytest.mark.parametrize("Model", MODELS)
@pytest.mark.parametrize("how", ["fit", "partial_fit"])
def test_failed_refit_keeps_the_previous_model(Model, how, diverging):
    X = _data()
    model = Model(warm_start=True, **SMALL).fit(X)
    before = model.transform(X), list(model.loss_curve_), model.n_iter_
    diverging(Model)
    with pytest.raises(ValueError, match="Training diverged"):
        getattr(model, how)(X)
    np.testing.assert_array_equal(model.transform(X), before[0])
    assert model.loss_curve_ == before[1] and model.n_iter_ == before[2]


@pytest.mark.parametrize("Model", MODELS)
def test_error_inside_training_restores_the_state(Model, monkeypatch):
    X = _data()
    model = Model(**SMALL).fit(X)
    codes = model.transform(X)

    def broken(self, *args):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(Model, "_row_losses", broken)
    with pytest.raises(RuntimeError, match="out of memory"):
        model.partial_fit(X)
    monkeypatch.undo()
    np.testing.assert_array_equal(model.transform(X), codes)
    model.partial_fit(X)  # and it can still train


def test_a_failed_step_of_an_unpickled_model_is_undone(monkeypatch):
    """Its optimiser starts from the saved moments and steps them in place;
    after an error the saved moments are as they were."""
    X = _data()
    saved = pickle.dumps(VAETransformer(**{**SMALL, "batch_size": 50}).fit(X))
    model, reference = pickle.loads(saved), pickle.loads(saved)
    original, calls = VAETransformer._row_losses, []

    def failing_later(self, *args):
        calls.append(1)
        if len(calls) > 2:
            raise RuntimeError("out of memory")
        return original(self, *args)

    monkeypatch.setattr(VAETransformer, "_row_losses", failing_later)
    with pytest.raises(RuntimeError, match="out of memory"):
        model.partial_fit(X)
    monkeypatch.undo()
    model.partial_fit(X)
    reference.partial_fit(X)
    np.testing.assert_array_equal(model.transform(X), reference.transform(X))


@pytest.mark.parametrize("Model", MODELS)
def test_wrong_width_on_warm_start_keeps_the_model(Model):
    X = _data()
    model = Model(warm_start=True, **SMALL).fit(X)
    with pytest.raises(ValueError, match="X has 3 features"):
        model.fit(X[:, :3])
    assert model.n_features_in_ == 5 and model.transform(X).shape == (200, 2)


@pytest.mark.parametrize("Model", MODELS)
def test_interrupted_fit_keeps_a_usable_model(Model, monkeypatch):
    original, calls = Model._row_losses, {"n": 0}

    def interrupting(self, *args):
        calls["n"] += 1
        if calls["n"] > 40:
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(Model, "_row_losses", interrupting)
    with pytest.warns(ConvergenceWarning, match="interrupted"):
        model = Model(**{**SMALL, "max_iter": 100}).fit(_data())
    assert np.isfinite(model.transform(_data())).all()


@pytest.mark.parametrize(
    "Model, param, value",
    [
        (AutoencoderTransformer, "n_components", 3),
        (AutoencoderTransformer, "hidden_layer_sizes", (8,)),
        (VAETransformer, "activation", "tanh"),
        (VAETransformer, "likelihood", "bernoulli"),
        (AutoencoderTransformer, "column_types", {0: "positive"}),
        (VAETransformer, "column_types", {0: "positive"}),
    ],
)
@pytest.mark.parametrize("how", ["fit", "partial_fit"])
def test_changed_architecture_cannot_continue(Model, param, value, how):
    X = np.clip(_data(), 0, 1)
    model = Model(warm_start=True, **SMALL).fit(X)
    model.set_params(**{param: value})
    with pytest.raises(ValueError, match=f"Cannot continue training: {param} from"):
        getattr(model, how)(X)
    model.set_params(warm_start=False).fit(X)  # a new network is fine
    assert model.transform(X).shape[1] == model.n_components


def test_column_types_edited_in_place_cannot_continue_and_empty_is_none():
    X = np.clip(_data(), 0, 1)
    types = {0: "real"}
    model = VAETransformer(warm_start=True, column_types=types, **SMALL).fit(X)
    types[0] = "positive"
    with pytest.raises(ValueError, match="Cannot continue training: column_types from"):
        model.fit(X)
    model = VAETransformer(warm_start=True, **SMALL).fit(X)
    model.set_params(column_types={}).fit(X)  # declares nothing, as None does


def test_a_model_built_before_column_types_were_checked_continues():
    X = np.clip(_data(), 0, 1)
    model = VAETransformer(warm_start=True, **SMALL).fit(X)
    del model._built_for["column_types"]  # as a model saved by an earlier version
    model.fit(X)  # the other parameters are compared by name
    with pytest.raises(ValueError, match="Cannot continue training: likelihood from"):
        model.set_params(likelihood="bernoulli").fit(X)


# ---------------------------------------------------------- parameters, ranges
@pytest.mark.parametrize("sizes", [(10.5,), (0,), ("8",), (True,), (-3, 4)])
def test_hidden_layer_sizes_must_be_positive_integers(sizes):
    with pytest.raises(ValueError, match="hidden_layer_sizes must be a positive integer"):
        AutoencoderTransformer(**{**SMALL, "hidden_layer_sizes": sizes}).fit(_data())


@pytest.mark.parametrize("strings", [
    lambda X: X.astype(str), lambda X: X.astype(str).tolist(), lambda X: X.astype(bytes),
    lambda X: np.where(np.arange(X.shape[1]) == 0, "nan", X.astype(object)),
])
def test_arrays_of_strings_are_refused_not_parsed(strings):
    # a DataFrame's strings are labels; an array's are not read as numbers
    X = _data()
    match = "X holds strings, and an array's values must be numbers"
    for estimator in (VAETransformer(**TINY), AutoencoderImputer(VAETransformer(**TINY)),
                      AutoencoderOutlierDetector(VAETransformer(**TINY))):
        with pytest.raises(ValueError, match=match):
            estimator.fit(strings(X))
        fitted = estimator.fit(X)
        method = fitted.transform if hasattr(fitted, "transform") else fitted.score_samples
        with pytest.raises(ValueError, match=match):
            method(strings(X))
    # numbers in an object array are numbers
    assert VAETransformer(**TINY).fit(X.astype(object)).transform(X).shape[0] == len(X)
    # and codes given to inverse_transform
    codes = VAETransformer(**TINY).fit(X)
    with pytest.raises(ValueError, match=match):
        codes.inverse_transform(strings(codes.transform(X)))


def test_pd_na_in_an_object_array_is_missing_as_none_is():
    X = _data().astype(object)
    X[0, 0], X[1, 1] = pd.NA, None
    as_nan = _data()
    as_nan[0, 0] = as_nan[1, 1] = np.nan
    model = VAETransformer(**TINY).fit(X)
    np.testing.assert_array_equal(model.transform(X), model.transform(as_nan))
    for missing_values in (np.nan, pd.NA):
        filled = AutoencoderImputer(VAETransformer(**TINY), missing_values=missing_values,
                                    random_state=0).fit_transform(X)
        assert np.isfinite(filled).all() and filled[2, 0] == X[2, 0]


def test_strings_are_refused_from_lazy_arrays_and_frames_on_the_array_path():
    da = pytest.importorskip("dask.array")
    X = _data()
    match = "X holds strings"
    for lazy in (da.from_array(X.astype(str), chunks=100),
                 da.from_array(X.round(3).astype(str).astype(object), chunks=100)):
        with pytest.raises(ValueError, match=match):
            VAETransformer(**TINY).fit(lazy)
    fitted = VAETransformer(**TINY).fit(X)  # on an array: a frame takes its path
    with pytest.raises(ValueError, match=match):
        fitted.transform(pd.DataFrame(X.astype(str)))
    assert fitted.transform(pd.DataFrame(X)).shape == (len(X), fitted.n_components)


def test_bernoulli_refuses_values_outside_the_unit_interval():
    X = (_data() > 0).astype(float)
    model = VAETransformer(likelihood="bernoulli", **SMALL).fit(X)
    with pytest.raises(ValueError, match=r"needs data in \[0, 1\], got values from 0 to 5"):
        model.transform(X * 5)
    # what the model gives probability 0 scores -inf, as a label not seen in fit
    scores = model.score_samples(np.vstack([X[:2], X[:1] * 5]))
    assert np.isfinite(scores[:2]).all() and scores[2] == -np.inf


def test_detector_flags_bernoulli_rows_outside_the_unit_interval():
    X = (_data() > 0).astype(float)
    detector = AutoencoderOutlierDetector(
        VAETransformer(likelihood="bernoulli", **SMALL), random_state=0
    ).fit(X)
    rows = X[:4] * 5
    rows[:, 1:] = np.clip(rows[:, 1:], 0, 1)  # one entry of 5 a row at most
    assert (detector.predict(rows[rows[:, 0] == 5]) == -1).all()


# ---------------------------------------------------------- global torch state
@pytest.mark.parametrize("name", ["ae", "vae", "imputer", "detector"])
def test_default_dtype_float64_changes_nothing(name):
    X = _with_holes(_data()) if name == "imputer" else _data()
    expected = _outputs(name, _estimators()[name].fit(X), X)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        got = _outputs(name, _estimators()[name].fit(X), X)
    finally:
        torch.set_default_dtype(previous)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("context", [torch.no_grad, torch.inference_mode])
@pytest.mark.parametrize("Model", MODELS)
def test_fit_inside_a_no_grad_block(Model, context):
    X = _data()
    expected = Model(**SMALL).fit(X).transform(X)
    with context():
        model = Model(**SMALL).fit(X)
    np.testing.assert_array_equal(model.transform(X), expected)


@pytest.mark.parametrize("Model", MODELS)
def test_the_callers_thread_count_is_restored(Model):
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        Model(**SMALL).fit(_data()).score_samples(_data())
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(previous)


# ---------------------------------------------------------------- concurrency
@pytest.mark.parametrize("name", ["ae", "vae", "imputer", "detector"])
def test_inference_from_several_threads(fitted, name):
    X = _with_holes(_data(seed=4))
    expected = _outputs(name, fitted[name], X)
    results, errors = [None] * 4, []

    def work(i):
        try:
            results[i] = _outputs(name, fitted[name], X)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for got in results:
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(a, b)


def test_fits_in_several_threads_match_sequential_fits():
    X = _data()
    threads_before = torch.get_num_threads()
    expected = [Model(**SMALL).fit(X).transform(X) for Model in MODELS]
    models = [Model(**SMALL) for Model in MODELS]
    threads = [threading.Thread(target=m.fit, args=(X,)) for m in models]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for model, codes in zip(models, expected):
        np.testing.assert_array_equal(model.transform(X), codes)
    assert torch.get_num_threads() == threads_before


def test_joblib_workers_give_the_same_scores():
    X = _data()
    model = VAETransformer(**SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = cross_val_score(model, X, cv=2, n_jobs=1)
        two = cross_val_score(model, X, cv=2, n_jobs=2)
    np.testing.assert_allclose(one, two, rtol=1e-6)


@pytest.mark.parametrize("name", ["ae", "vae", "imputer", "detector"])
def test_pickle_is_exact(fitted, name):
    X = _with_holes(_data(seed=6))
    clone = pickle.loads(pickle.dumps(fitted[name]))
    for a, b in zip(_outputs(name, clone, X), _outputs(name, fitted[name], X)):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------ property tests
finite_rows = hnp.arrays(
    np.float64, st.tuples(st.integers(1, 30), st.just(5)),
    elements=st.floats(-1e6, 1e6, allow_nan=False, width=64),
)
PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(X=finite_rows, holes=st.data())
def test_imputer_never_alters_an_observed_cell(fitted, X, holes):
    mask = holes.draw(hnp.arrays(bool, X.shape))
    mask[mask.all(axis=1), 0] = False
    X_missing = np.where(mask, np.nan, X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataConversionWarning)
        out = fitted["imputer"].transform(X_missing)
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out[~mask], X[~mask])


@PROPERTY
@given(X=finite_rows)
@pytest.mark.parametrize("name", ["ae", "vae", "imputer", "detector"])
def test_no_nan_for_finite_input(fitted, name, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataConversionWarning)
        for out in _outputs(name, fitted[name], X):
            assert not np.isnan(out).any()


@PROPERTY
@given(X=finite_rows, order=st.randoms())
@pytest.mark.parametrize("name", ["ae", "vae", "imputer", "detector"])
def test_outputs_do_not_depend_on_row_order_or_batch(fitted, name, X, order):
    permutation = list(range(len(X)))
    order.shuffle(permutation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataConversionWarning)
        whole = _outputs(name, fitted[name], X)
        shuffled = _outputs(name, fitted[name], X[permutation])
        first = _outputs(name, fitted[name], X[:1])
    # equal up to float32 rounding: a matrix product may round a row
    # differently at another position in the batch (on some CPUs' kernels),
    # and a p-value then move by at most one calibration step
    tolerances = [dict(rtol=1e-5, atol=1e-6)] * 3
    if name == "detector":
        step = 1.0 / (fitted["detector"].calibration_scores_.size + 1)
        tolerances[2] = dict(rtol=0, atol=step * 1.001)
    for a, b, c, tolerance in zip(whole, shuffled, first, tolerances):
        np.testing.assert_allclose(a[permutation], b, **tolerance)
        np.testing.assert_allclose(a[:1], c, **tolerance)
