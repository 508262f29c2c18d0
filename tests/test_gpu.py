"""Checks that need a CUDA device (run with ``python -m pytest -m gpu``)."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

from skvae import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    VAETransformer,
)

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]
MODELS = [AutoencoderTransformer, VAETransformer]


def _data(n_samples=2000, seed=0):
    rng = np.random.RandomState(seed)
    return np.tanh(rng.normal(size=(n_samples, 3)) @ rng.normal(size=(3, 10)))


def _fit(model, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X)


@pytest.mark.parametrize("Model", MODELS)
def test_auto_device_trains_on_cuda(Model):
    model = _fit(Model(max_iter=5, random_state=0), _data())
    assert model.device == "auto"
    assert next(model.module_.parameters()).device.type == "cuda"
    X = _data(seed=1)
    assert np.isfinite(model.transform(X)).all()
    assert np.isfinite(model.score_samples(X)).all()
    assert model.sample(4, random_state=0).shape == (4, 10)


@pytest.mark.parametrize("Model", MODELS)
def test_cuda_and_cpu_models_agree_in_quality(Model):
    X, X_test = _data(), _data(seed=1)
    scores = [
        _fit(Model(max_iter=30, random_state=0, device=device), X).score(X_test)
        for device in ("cpu", "cuda")
    ]
    assert scores[1] == pytest.approx(scores[0], abs=0.1 * abs(scores[0]) + 0.05)


@pytest.mark.parametrize("Model", MODELS)
def test_cuda_model_saves_plain_arrays(Model):
    model = _fit(Model(max_iter=3, random_state=0, device="cuda"), _data())
    model.partial_fit(_data(seed=2))  # the optimiser has state to save
    state = model.__getstate__()
    assert all(isinstance(v, np.ndarray) for v in state["module_"].values())
    for _, param_state in state["_optimizer_state"]["state"]:
        assert all(isinstance(v, np.ndarray) for v in param_state.values())
    clone = pickle.loads(pickle.dumps(model))
    assert clone._device.type == "cuda"
    X = _data(seed=3)
    np.testing.assert_allclose(clone.transform(X), model.transform(X), rtol=1e-5)
    clone.partial_fit(X)


def test_missing_values_on_cuda():
    X = _data()
    X[::3, 2] = np.nan
    model = _fit(VAETransformer(max_iter=3, random_state=0, device="cuda"), X)
    assert np.isfinite(model.score_samples(X)).all()
    assert torch.cuda.is_available()


def _syncs(fn):
    """Host synchronisations ``fn()`` makes, counted by torch's debug mode."""
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fn()
    finally:
        torch.cuda.set_sync_debug_mode("default")
    return sum("synchroniz" in str(w.message) for w in caught)


@pytest.mark.parametrize(
    "Model, params",
    [
        (AutoencoderTransformer, {}),
        (VAETransformer, {}),
        (VAETransformer, {"train_importance_samples": 5}),  # IWAE bound
        (VAETransformer, {"support_fraction": 0.8}),  # trimmed
    ],
    ids=["ae", "vae", "iwae", "trimmed"],
)
@pytest.mark.parametrize("holes", [False, True])
def test_training_does_not_wait_for_the_device_at_each_step(Model, params, holes):
    X = _data(20_000)
    if holes:
        X[::3, 2] = np.nan
    # 78 steps per epoch: a sync per step would add hundreds between the fits
    counts = [
        _syncs(lambda n=n: _fit(Model(max_iter=n, batch_size=256, random_state=0,
                                      device="cuda", **params), X))
        for n in (2, 6)
    ]
    assert counts[1] - counts[0] <= 4 * 4  # a few per epoch: loss, validation


def test_early_stopping_on_cuda():
    model = _fit(VAETransformer(n_iter_no_change=3, random_state=0, device="cuda"), _data())
    assert model.n_iter_ < 200
    assert model.best_validation_score_ == pytest.approx(
        max(model.validation_scores_ + [model.best_validation_score_])
    )
    assert np.isfinite(model.validation_scores_).all()


def test_imputer_on_cuda_fills_holes_and_keeps_the_rest():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(_data(3000), columns=[f"x{i}" for i in range(10)])
    frame["colour"] = pd.Categorical(rng.choice(["red", "blue"], 3000))
    holes = rng.uniform(size=frame.shape) < 0.1
    incomplete = frame.mask(holes)
    imputer = AutoencoderImputer(
        VAETransformer(max_iter=20, device="cuda"), random_state=0
    ).fit(incomplete)
    filled = imputer.transform(incomplete)
    assert not filled.isna().any().any()
    pd.testing.assert_frame_equal(filled[~holes.any(axis=1)], incomplete[~holes.any(axis=1)])
    assert next(imputer.estimator_.module_.parameters()).device.type == "cuda"
    error = np.nanmean(np.abs(filled.iloc[:, :10] - frame.iloc[:, :10]).to_numpy()[holes[:, :10]])
    assert error < 0.5 * np.abs(frame.iloc[:, :10] - frame.iloc[:, :10].mean()).to_numpy().mean()


def test_detector_on_cuda_finds_planted_outliers():
    X = _data(3000)
    outliers = _data(30, seed=5) * 4 + 3
    detector = AutoencoderOutlierDetector(
        AutoencoderTransformer(max_iter=30, device="cuda"), contamination=0.01, random_state=0
    ).fit(np.vstack([X, outliers]))
    assert (detector.predict(outliers) == -1).mean() > 0.9
    pvalues = detector.score_pvalues(_data(500, seed=6))
    assert ((pvalues > 0) & (pvalues <= 1)).all()


@pytest.mark.parametrize("Model", MODELS)
def test_more_than_100k_rows_on_cuda(Model):
    X = _data(150_000)
    X[::7, 1] = np.nan
    model = _fit(Model(max_iter=2, batch_size=1024, random_state=0, device="cuda"), X)
    codes = model.transform(X)
    assert codes.shape == (150_000, 2) and np.isfinite(codes).all()
    assert np.isfinite(model.score_samples(X)).all()
    assert model.inverse_transform(codes).shape == X.shape
