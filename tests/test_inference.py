"""The folded networks of transform and inverse_transform, against the general path."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning

from skvae import AutoencoderTransformer, VAETransformer
from skvae._nn import FusedMLP, ResidualMLP, reset_linear
from skvae._utils import MAX_STANDARDISED, fill_and_clip

MODELS = [AutoencoderTransformer, VAETransformer]
FAST = dict(hidden_layer_sizes=(16, 8), max_iter=3, random_state=0, device="cpu")
# a column 500 standard deviations from 0 is centred in float64 (FOLD_MAX_MEAN)
OFFSET = np.array([1000.0, -5.0, 0.0, 20.0, 3.0, 1e4])
SCALE = np.array([100.0, 0.01, 1.0, 5.0, 1.0, 1e3])


def _data(n_samples=300, seed=0):
    rng = np.random.RandomState(seed)
    X = np.tanh(rng.normal(size=(n_samples, 2)) @ rng.normal(size=(2, 6)))
    return (X + 0.1 * rng.normal(size=X.shape)) * SCALE + OFFSET


def _fit(model, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X)


def _general(model, method, *args):
    """``model.method(*args)`` without the folded networks."""
    model._folded = lambda: None
    try:
        return getattr(model, method)(*args)
    finally:
        del model._folded


def _assert_close(a, b, scale=1.0):
    """Equal up to float32 rounding, relative to ``scale``."""
    np.testing.assert_allclose(a / scale, b / scale, rtol=1e-5, atol=2e-5)


@pytest.fixture(scope="module", params=MODELS, ids=lambda c: c.__name__)
def fitted(request):
    return _fit(request.param(n_components=2, **FAST), _data())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_folded_paths_give_the_general_results(fitted, dtype):
    X = _data(seed=1).astype(dtype)
    X[::7, 1] = np.nan
    assert fitted._folded() is not None and fitted._folded().centre is not None
    codes = fitted.transform(X)
    assert codes.dtype == dtype
    _assert_close(codes, _general(fitted, "transform", X))
    X_hat = fitted.inverse_transform(codes)
    assert X_hat.dtype == dtype
    _assert_close(X_hat, _general(fitted, "inverse_transform", codes), SCALE)


def test_far_values_are_clipped_and_empty_rows_raise(fitted):
    X = _data(seed=2)[:40]
    X[3, 1], X[5, 4] = 1e300, -1e12
    with pytest.warns(DataConversionWarning, match="X has 2 value"):
        codes = fitted.transform(X)
    with pytest.warns(DataConversionWarning, match="X has 2 value"):
        _assert_close(codes, _general(fitted, "transform", X))
    X[20:22] = np.nan
    with pytest.raises(ValueError, match="2 row.* no observed value .*row 20"):
        fitted.transform(X)


def test_a_row_alone_gives_what_it_gives_in_a_batch(fitted):
    X = _data(seed=3)
    codes = fitted.transform(X)
    for i in (0, 17, 299):
        np.testing.assert_array_equal(fitted.transform(X[i : i + 1]), codes[i : i + 1])
    with pytest.raises(ValueError, match="infinity"):
        fitted.transform(np.where(np.arange(6) == 2, np.inf, X[:1]))


def test_a_frame_of_real_columns_is_encoded_by_the_folded_network():
    X = pd.DataFrame(_data(), columns=list("abcdef"))
    model = _fit(AutoencoderTransformer(**FAST, column_types=dict.fromkeys(X, "real")), X)
    assert model._folded() is not None
    codes = model.transform(X)
    _assert_close(codes, _general(model, "transform", X))
    X_hat = model.inverse_transform(codes)  # a DataFrame: the general path
    assert isinstance(X_hat, pd.DataFrame) and list(X_hat.columns) == list("abcdef")
    X.iloc[4, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        model.transform(X)


@pytest.mark.parametrize("Model", MODELS)
def test_quantile_columns_are_encoded_by_the_folded_network_on_their_scores(Model):
    X = pd.DataFrame(_data(), columns=list("abcdef"))
    X["a"] = np.exp(3 * X["a"] / X["a"].abs().max())  # skewed: the map matters
    X.iloc[3, 1] = np.nan
    model = _fit(Model(**FAST, column_types={"f": "real"}), X)
    assert set(model.column_types_.values()) == {"quantile", "real"}
    assert model._folded() is not None
    _assert_close(model.transform(X), _general(model, "transform", X))
    array = _fit(Model(**FAST, column_types={0: "quantile"}), _data())
    codes = array.transform(_data())  # folded, on the scores
    _assert_close(codes, _general(array, "transform", _data()))
    # an array's quantile column is decoded through its map, not folded
    _assert_close(array.inverse_transform(codes), _general(array, "inverse_transform", codes))


@pytest.mark.parametrize("Model", MODELS)
def test_folded_networks_follow_the_weights(Model):
    X = _data()
    model = _fit(Model(warm_start=True, **FAST), X)
    before = model._folded()
    assert model._folded() is before  # kept while nothing changes
    rebuilt = []
    for change in (lambda: model.partial_fit(X), lambda: _fit(model, X)):
        weights = [p.detach().clone() for p in model.module_.parameters()]
        change()
        changed = not all(
            torch.equal(p, q) for p, q in zip(weights, model.module_.parameters())
        )
        assert (model._folded() is not before) == changed
        rebuilt.append(changed)
        before = model._folded()
        _assert_close(model.transform(X), _general(model, "transform", X))
    assert rebuilt[0]  # partial_fit moves the weights
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    with torch.no_grad():
        model.module_.encoder.shortcut.bias.add_(1.0)
    _assert_close(model.transform(X), _general(model, "transform", X))


@pytest.mark.parametrize("Model", MODELS)
def test_folded_networks_follow_edits_that_torch_does_not_count(Model):
    # edits through .data move no version counter; outputs follow them all
    X = _data()
    model = _fit(Model(**FAST), X)
    codes = model.transform(X)
    weight = model.module_.encoder.shortcut.weight
    weight.data.mul_(2.0)
    edited = model.transform(X)
    assert not np.allclose(edited, codes)
    _assert_close(edited, _general(model, "transform", X))
    decoded = model.inverse_transform(codes)
    model.module_.decoder.shortcut.bias.data.add_(1.0)
    moved = model.inverse_transform(codes)
    _assert_close(moved, _general(model, "inverse_transform", codes))
    assert not np.allclose(moved, decoded)
    weight.data = weight.data / 2.0  # new storage, the old values
    _assert_close(model.transform(X), codes)
    shortcut = model.module_.encoder.shortcut
    shortcut.weight = torch.nn.Parameter(shortcut.weight.detach() * 3.0)
    _assert_close(model.transform(X), _general(model, "transform", X))
    assert not np.allclose(model.transform(X), codes)


def test_a_model_loaded_in_inference_mode_transforms_and_trains(fitted):
    X = _data(seed=4)
    with torch.inference_mode():
        loaded = pickle.loads(pickle.dumps(fitted))
        np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        loaded.partial_fit(X)
    _assert_close(loaded.transform(X), _general(loaded, "transform", X))


@pytest.mark.parametrize(
    "sizes, activation",
    [((6, 16, 8, 3), "relu"), ((6, 4), "relu"), ((3, 8, 6), "tanh"), ((4, 8, 5), "silu")],
)
def test_fused_mlp_computes_the_residual_mlp(sizes, activation):
    residual = ResidualMLP(sizes, activation)
    reset_linear(residual, torch.Generator().manual_seed(0))
    residual = residual.double()
    rng = np.random.RandomState(0)
    shift, scale = rng.normal(size=sizes[0]) * 5, rng.uniform(0.1, 10, sizes[0])
    out_scale, out_shift = rng.uniform(0.1, 10, 2), rng.normal(size=2)
    x = rng.normal(size=(20, sizes[0])) * scale + shift
    with torch.no_grad():
        expected = residual(torch.as_tensor((x - shift) / scale)).numpy()[:, :2]
    fused = FusedMLP(residual, shift, scale, out_scale, out_shift, n_outputs=2)
    with torch.inference_mode():
        out = fused(torch.as_tensor(x, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(out, expected * out_scale + out_shift, rtol=1e-5, atol=1e-5)


def test_fill_and_clip():
    block = np.array([[0.5, np.nan], [np.inf, -3.0]])
    n_clipped, missing = fill_and_clip(block, np.array([0.0, 1.0]), np.array([2.0, 3.0]))
    np.testing.assert_array_equal(block, [[0.5, 1.0], [2.0, -2.0]])
    np.testing.assert_array_equal(missing, [[False, True], [False, False]])
    assert n_clipped == 2
    tame = np.ones((4, 3), dtype=np.float32)
    assert fill_and_clip(tame, 0.0, MAX_STANDARDISED) == (0, None)
