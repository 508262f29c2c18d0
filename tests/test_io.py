"""Saving and loading without pickle: round trips, trust, versions, devices."""

import io
import json
import pickle
import zipfile

import numpy as np
import pytest
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skvae
from skvae import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    VAETransformer,
    load,
    save,
)

pytest.importorskip("skops")
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, device="cpu")


def _data(n=200, seed=0):
    rng = np.random.RandomState(seed)
    X = np.tanh(rng.normal(size=(n, 2)) @ rng.normal(size=(2, 5)))
    X[rng.rand(*X.shape) < 0.1] = np.nan
    X[np.isnan(X).all(axis=1), 0] = 0.0
    return X


def _outputs(estimator, X):
    if isinstance(estimator, AutoencoderImputer):
        return [estimator.transform(X)]
    if isinstance(estimator, AutoencoderOutlierDetector):
        return [estimator.score_samples(X), estimator.score_pvalues(X),
                estimator.feature_contributions(X)]
    return [estimator.transform(X), estimator.score_samples(X),
            estimator.sample(3, random_state=0)]


def _round_trip(estimator):
    buffer = io.BytesIO()
    save(estimator, buffer)
    return load(io.BytesIO(buffer.getvalue())), buffer.getvalue()


ESTIMATORS = [
    AutoencoderTransformer(**SMALL),
    VAETransformer(**SMALL),
    AutoencoderImputer(VAETransformer(**SMALL), random_state=0),
    AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_round_trip_gives_identical_outputs(estimator, tmp_path):
    X = _data()
    estimator.fit(X)
    path = tmp_path / "model.skops"
    save(estimator, path)
    loaded = load(path)
    assert type(loaded) is type(estimator)
    assert loaded.get_params(deep=False).keys() == estimator.get_params(deep=False).keys()
    for a, b in zip(_outputs(loaded, X), _outputs(estimator, X)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("Model", [AutoencoderTransformer, VAETransformer])
def test_loaded_model_keeps_training(Model):
    X = _data()
    model = Model(warm_start=True, **SMALL).fit(X)
    loaded, _ = _round_trip(model)
    assert loaded.n_iter_ == model.n_iter_ and loaded.loss_curve_ == model.loss_curve_
    model.partial_fit(X)
    loaded.partial_fit(X)
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))


def test_unfitted_estimator_round_trips():
    loaded, _ = _round_trip(VAETransformer(n_components=3, beta=2.0))
    assert loaded.get_params() == VAETransformer(n_components=3, beta=2.0).get_params()


def test_pipeline_round_trip():
    X = np.nan_to_num(_data())
    pipe = make_pipeline(StandardScaler(), VAETransformer(**SMALL)).fit(X)
    loaded, _ = _round_trip(pipe)
    np.testing.assert_array_equal(loaded.transform(X), pipe.transform(X))
    imputing = make_pipeline(
        AutoencoderImputer(VAETransformer(**SMALL), random_state=0),
        AutoencoderOutlierDetector(AutoencoderTransformer(**SMALL), random_state=0),
    ).fit(_data())
    loaded, _ = _round_trip(imputing)
    np.testing.assert_array_equal(loaded.predict(_data(seed=1)), imputing.predict(_data(seed=1)))


def test_mixed_table_round_trip():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = pd.DataFrame({
        "x": rng.normal(size=100),
        "n": pd.array(rng.poisson(3, 100), dtype="Int64"),
        "c": pd.Categorical(rng.choice(["a", "b"], 100)),
        "o": pd.Categorical(rng.choice(["lo", "hi"], 100), categories=["lo", "hi"],
                            ordered=True),
        "s": rng.choice(["u", "v", "w"], 100).astype(object),
    })
    model = VAETransformer(**SMALL).fit(X)
    loaded, _ = _round_trip(model)
    assert loaded.column_types_ == model.column_types_
    pd.testing.assert_frame_equal(loaded.sample(5, random_state=0),
                                  model.sample(5, random_state=0))
    np.testing.assert_array_equal(loaded.score_samples(X), model.score_samples(X))


def test_no_training_rows_are_saved():
    X = _data(n=300)
    model = AutoencoderTransformer(**SMALL).fit(X)
    assert model._codes.shape[0] == 300  # kept for the code density, in memory
    _, data = _round_trip(model)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        shapes = [np.load(archive.open(name)).shape for name in archive.namelist()
                  if name.endswith(".npy")]
    assert not any(len(shape) and shape[0] == 300 for shape in shapes)
    state = model.__getstate__()
    assert "_codes" not in state and state["_density"] is not None


class Intruder:
    """Builds a marker file when it is rebuilt: what a loader must not allow."""

    def __init__(self, path):
        self.path = path

    def __setstate__(self, state):
        open(state["path"], "w").close()


def test_a_file_with_other_types_runs_no_code(tmp_path):
    import skops.io as sio

    marker = tmp_path / "ran"
    model = VAETransformer(**SMALL).fit(_data())
    model.intruder = Intruder(str(marker))  # an attribute of an untrusted type
    path = tmp_path / "tampered.skops"
    sio.dump(model, path)
    with pytest.raises(ValueError, match=r"types that are not trusted: \['test_io.Intruder'\]"):
        load(path)
    assert not marker.exists()


def test_a_file_edited_to_call_a_function_is_refused(tmp_path):
    path = tmp_path / "model.skops"
    save(VAETransformer(**SMALL).fit(_data()), path)
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(files["schema.json"])
    schema["content"]["content"]["n_components"] = {
        "__class__": "system", "__module__": "os", "__loader__": "FunctionNode",
        "content": {"module_path": "os", "function": "system"},
    }
    files["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    with pytest.raises(ValueError, match=r"not trusted: \['os.system'\]"):
        load(path)


def test_other_libraries_types_can_be_trusted_explicitly(tmp_path):
    path = tmp_path / "model.skops"
    model = VAETransformer(**SMALL).fit(_data())
    model.note = np.dtype("float32")  # a type skops does not trust by default
    save(model, path)
    with pytest.raises(ValueError, match="numpy.dtype"):
        load(path)
    assert load(path, trusted=["numpy.dtype"]).note == np.dtype("float32")


def test_another_skvae_version_warns(monkeypatch):
    model = VAETransformer(**SMALL).fit(_data())
    buffer = io.BytesIO()
    save(model, buffer)
    monkeypatch.setattr(skvae, "__version__", "99.0")
    with pytest.warns(InconsistentVersionWarning, match="from version 0.*when using version 99.0"):
        load(io.BytesIO(buffer.getvalue()))


def test_a_newer_state_format_is_refused():
    state = VAETransformer(**SMALL).fit(_data()).__getstate__()
    state["_state_format"] = 99
    with pytest.raises(ValueError, match="state format 99.*Upgrade skvae"):
        VAETransformer().__setstate__(state)


def test_a_model_saved_on_a_gpu_loads_on_the_cpu():
    model = VAETransformer(**SMALL).fit(_data())
    state = model.__getstate__()
    state["_device"] = "cuda:0"
    clone = VAETransformer.__new__(VAETransformer)
    clone.__setstate__(state)
    expected_device = "cuda" if __import__("torch").cuda.is_available() else "cpu"
    assert clone._device.type == expected_device
    assert next(clone.module_.parameters()).device.type == expected_device


def test_pickle_uses_the_same_plain_state():
    model = VAETransformer(**SMALL).fit(_data())
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.transform(_data()), model.transform(_data()))
