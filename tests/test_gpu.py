"""Checks that need a CUDA device (run with ``python -m pytest -m gpu``)."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

from skvae import AutoencoderTransformer, VAETransformer

pytestmark = pytest.mark.gpu
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
