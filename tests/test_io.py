"""Saving and loading without pickle: round trips, trust, versions, devices,
what save refuses and what load says of damaged files."""

import datetime
import decimal
import io
import json
import pickle
import zipfile

import numpy as np
import pytest
import torch
from _settings import SMALL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, TransformerMixin
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


def test_an_imputer_of_pandas_na_round_trips():
    pd = pytest.importorskip("pandas")
    imputer = AutoencoderImputer(VAETransformer(**SMALL), missing_values=pd.NA,
                                 random_state=0)
    loaded, _ = _round_trip(imputer)
    assert loaded.missing_values is pd.NA
    X = _data()
    imputer.fit(X)
    loaded, _ = _round_trip(imputer)
    assert loaded.missing_values is pd.NA and imputer.missing_values is pd.NA
    np.testing.assert_array_equal(loaded.transform(X), imputer.transform(X))


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


@pytest.mark.parametrize("storage", ["python", "pyarrow"])
@pytest.mark.parametrize("na", ["NA", "nan"])
def test_a_string_dtype_keeps_its_storage(storage, na):
    pd = pytest.importorskip("pandas")
    if storage == "pyarrow":
        pytest.importorskip("pyarrow")
    dtype = pd.StringDtype(storage, na_value=np.nan if na == "nan" else pd.NA)
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.normal(size=100),
                      "s": pd.array(rng.choice(["u", "v"], 100), dtype=dtype)})
    model = AutoencoderTransformer(**SMALL).fit(X)
    for again in (_round_trip(model)[0], pickle.loads(pickle.dumps(model))):
        pd.testing.assert_frame_equal(again.sample(5, random_state=0),
                                      model.sample(5, random_state=0))
        assert again.sample(1)["s"].dtype == dtype


def test_no_training_rows_are_saved():
    X = _data(n=300)
    model = AutoencoderTransformer(**SMALL).fit(X)
    assert model._density_rows.shape[0] == 300  # kept for the code density, in memory
    _, data = _round_trip(model)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        shapes = [np.load(archive.open(name)).shape for name in archive.namelist()
                  if name.endswith(".npy")]
    assert not any(len(shape) and shape[0] == 300 for shape in shapes)
    state = model.__getstate__()
    assert "_density_rows" not in state and state["_density"] is not None


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


class Shift(TransformerMixin, BaseEstimator):
    """A transformer of another library: skops does not trust its type."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X + 1.0


def test_other_libraries_types_can_be_trusted_explicitly(tmp_path):
    path = tmp_path / "model.skops"
    X = np.nan_to_num(_data())
    pipe = make_pipeline(Shift(), VAETransformer(**SMALL)).fit(X)
    save(pipe, path)
    with pytest.raises(ValueError, match=r"not trusted: \['test_io.Shift'\]"):
        load(path)
    loaded = load(path, trusted=["test_io.Shift"])
    np.testing.assert_array_equal(loaded.transform(X), pipe.transform(X))


def test_another_skvae_version_warns(monkeypatch):
    model = VAETransformer(**SMALL).fit(_data())
    buffer = io.BytesIO()
    save(model, buffer)
    monkeypatch.setattr(skvae._version, "__version__", "99.0")
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


@pytest.mark.parametrize("how", ["fit", "partial_fit"])
def test_a_model_mapped_read_only_from_a_file_trains_on(tmp_path, how):
    """joblib maps large arrays read-only (``mmap_mode``, its workers): the
    optimiser's moments must be the model's own memory, not the file's."""
    import joblib

    X = _data()
    model = VAETransformer(**{**SMALL, "warm_start": True}).fit(X)
    joblib.dump(model, tmp_path / "model.joblib")
    mapped = joblib.load(tmp_path / "model.joblib", mmap_mode="r")
    in_memory = pickle.loads(pickle.dumps(model))
    getattr(mapped, how)(X)
    getattr(in_memory, how)(X)
    np.testing.assert_array_equal(mapped.transform(X), in_memory.transform(X))


def test_a_loaded_optimiser_state_is_copied():
    from skvae._adam import Adam

    weight = torch.zeros(3, requires_grad=True)
    given = {"state": {0: {"step": torch.tensor(2.0), "exp_avg": torch.ones(3),
                           "exp_avg_sq": torch.ones(3)}},
             "param_groups": [{**Adam([[weight]]).state_dict()["param_groups"][0]}]}
    optimizer = Adam([[weight]])
    optimizer.load_state_dict(given)
    weight.grad = torch.ones(3)
    optimizer.step()
    assert torch.equal(given["state"][0]["exp_avg"], torch.ones(3))
    assert given["state"][0]["step"].item() == 2.0


def test_pickle_uses_the_same_plain_state():
    model = VAETransformer(**SMALL).fit(_data())
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.transform(_data()), model.transform(_data()))


# ------------------------------------------------------- what save refuses
TINY = {"hidden_layer_sizes": (8,), "max_iter": 3, "random_state": 0, "device": "cpu"}


def _frame(n=60, seed=0, **columns):
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(seed)
    return pd.DataFrame({"x": rng.normal(size=n), **columns})


def _dates(n=60, seed=0):
    pd = pytest.importorskip("pandas")
    days = pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01"])
    return pd.Categorical(np.random.RandomState(seed).choice(days, n))


def test_save_refuses_labels_load_cannot_rebuild_and_writes_nothing(tmp_path):
    model = VAETransformer(**TINY).fit(_frame(c=_dates()))
    path = tmp_path / "model.skops"
    with pytest.raises(ValueError, match=r"column 'c' of VAETransformer holds a "
                       r"pandas.Timestamp.*astype\(str\).*Nothing was written"):
        save(model, path)
    assert not path.exists()
    buffer = io.BytesIO()
    with pytest.raises(ValueError, match="pandas.Timestamp"):
        save(model, buffer)
    assert buffer.getvalue() == b""


def test_save_names_every_place_of_a_nested_model():
    imputer = AutoencoderImputer(VAETransformer(**TINY), random_state=0)
    imputer.fit(_frame(c=_dates()))
    with pytest.raises(ValueError) as error:
        save(make_pipeline(imputer), io.BytesIO())
    message = str(error.value)
    assert "Pipeline.steps[0][1]._marginal holds a pandas.Timestamp" in message
    assert "column 'c' of Pipeline.steps[0][1].estimator_ holds" in message


@pytest.mark.parametrize("columns, key", [
    ([("a", 1), ("a", 2), ("b", 1)], r"\('a', 1\), a builtins.tuple"),
    ([False, True, 2], r"False, a builtins.bool"),  # skops would load False as True
], ids=["multiindex", "bool"])
def test_save_refuses_column_names_load_cannot_rebuild(columns, key):
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    if isinstance(columns[0], tuple):
        columns = pd.MultiIndex.from_tuples(columns)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=columns)
    model = VAETransformer(**TINY).fit(X)
    with pytest.raises(ValueError, match=f"column_types_ holds the key {key}.*MultiIndex"):
        save(model, io.BytesIO())


LABELS = {
    "str": ["lo", "mid", "hi"],
    "int": [1, 5, 9],
    "float": [0.5, 1.5, 2.5],
    "bytes": [b"lo", b"mid", b"hi"],
    "Timestamp": ["2020-01-01", "2021-01-01", "2022-01-01"],
    "date": [datetime.date(2020, 1, d) for d in (1, 2, 3)],
    "Decimal": [decimal.Decimal(v) for v in ("0.5", "1.5", "2.5")],
}


@pytest.mark.parametrize("as_category", [False, True], ids=["object", "category"])
@pytest.mark.parametrize("kind", sorted(LABELS))
def test_what_saves_loads_and_what_cannot_load_is_refused(kind, as_category):
    pd = pytest.importorskip("pandas")
    labels = LABELS[kind]
    if kind == "Timestamp":
        labels = list(pd.to_datetime(labels))
    values = pd.Series(np.random.RandomState(0).choice(np.arange(3), 60)).map(
        dict(enumerate(labels))).astype(object)
    X = _frame(c=values.astype("category") if as_category else values)
    # dates are refused unless declared labels
    types = {"c": "categorical"} if kind in ("Timestamp", "date") else None
    model = VAETransformer(column_types=types, **TINY).fit(X)
    buffer = io.BytesIO()
    if kind in ("Timestamp", "date") or (kind == "Decimal" and as_category):
        with pytest.raises(ValueError, match=f"column 'c' of VAETransformer holds a .*{kind}"):
            save(model, buffer)
        return
    save(model, buffer)  # labels, or numbers (an object column of Decimals)
    loaded = load(io.BytesIO(buffer.getvalue()))
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))


# ------------------------------------------------- polars schema, no code
def _polars_frame(n=60, seed=0):
    pl = pytest.importorskip("polars")
    rng = np.random.RandomState(seed)
    return pl.DataFrame({
        "f": rng.normal(size=n),
        "f32": pl.Series(rng.normal(size=n)).cast(pl.Float32),
        "i": rng.poisson(3, n),
        "u8": pl.Series(rng.poisson(3, n)).cast(pl.UInt8),
        "b": rng.rand(n) < 0.5,
        "s": rng.choice(["u", "v", "w"], n),
        "c": pl.Series(rng.choice(["u", "v", "w"], n)).cast(pl.Categorical),
        "e": pl.Series(rng.choice(["lo", "hi"], n)).cast(pl.Enum(["lo", "hi"])),
    })


def test_polars_round_trip_keeps_the_schema():
    X = _polars_frame()
    model = VAETransformer(**TINY).fit(X)
    loaded, _ = _round_trip(model)
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    back = loaded.inverse_transform(loaded.transform(X))
    assert back.schema == X.schema
    assert back.equals(model.inverse_transform(model.transform(X)))


def _rewrite(data, edit):
    """The skops archive ``data`` with its members as ``edit(files)`` makes them."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    edit(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_schema_naming_a_function_calls_nothing(monkeypatch):
    pl = pytest.importorskip("polars")
    calls = []
    monkeypatch.setattr(pl, "show_versions", lambda *a, **k: calls.append(a))
    _, data = _round_trip(VAETransformer(**TINY).fit(_polars_frame()))

    def edit(files):  # the dtype name of column "f", a JSON string in skops' schema
        schema = json.loads(files["schema.json"])
        name = schema["content"]["content"]["_polars_schema"]["content"]["f"]["content"][0]
        assert json.loads(name["content"]) == "Float64"
        name["content"] = json.dumps("show_versions")
        files["schema.json"] = json.dumps(schema).encode()

    with pytest.raises(ValueError, match="damaged or was not written by skvae.*"
                       "'show_versions', which is not one of"):
        load(io.BytesIO(_rewrite(data, edit)))
    state = VAETransformer(**TINY).fit(_polars_frame()).__getstate__()
    state["_polars_schema"]["f"][0] = "show_versions"
    with pytest.raises(ValueError, match="'show_versions'"):
        VAETransformer.__new__(VAETransformer).__setstate__(state)
    assert calls == []


def test_a_polars_dtype_no_name_rebuilds_is_kept_by_pickle_refused_by_save():
    pl = pytest.importorskip("polars")
    pd = pytest.importorskip("pandas")
    X = _polars_frame().with_columns(
        pl.Series("t", pd.date_range("2020-01-01", periods=60, freq="D"))
        .cast(pl.Datetime("ms", "UTC"))
    )
    model = VAETransformer(column_types={"t": "categorical"}, **TINY).fit(X)
    assert pickle.loads(pickle.dumps(model))._polars_schema == dict(X.schema)
    with pytest.raises(ValueError, match=r"_polars_schema\['t'\] holds a polars"):
        save(model, io.BytesIO())


# ------------------------------------------------------------ damaged files
def _saved():
    return _round_trip(VAETransformer(**TINY).fit(_data()))[1]


def _flip(data):
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]


@pytest.mark.parametrize("damage", [
    lambda data: data[: len(data) // 2],
    lambda data: b"n_components = 2\n",
    lambda data: b"",
    lambda data: pickle.dumps(VAETransformer(**TINY)),
    _flip,
], ids=["truncated", "text", "empty", "pickle", "flipped"])
def test_load_says_a_file_is_damaged_or_not_skops(damage, tmp_path):
    data = _saved()
    bad = damage(data)
    with pytest.raises(ValueError, match="is not a file written by skvae.save.*damaged "
                       "or cut short.*Nothing was loaded") as error:
        load(io.BytesIO(bad))
    assert isinstance(error.value.__cause__, zipfile.BadZipFile)
    path = tmp_path / "model.skops"
    path.write_bytes(bad)
    with pytest.raises(ValueError, match=f"The file {str(path)!r} is not"):
        load(path)


def test_load_says_when_skops_cannot_rebuild_a_trusted_value():
    import skops.io as sio

    # written by skops directly: save refuses it
    data = sio.dumps(VAETransformer(**TINY).fit(_frame(c=_dates())))
    with pytest.raises(ValueError, match="not trusted: \\['pandas.Timestamp'\\]"):
        load(io.BytesIO(data))
    with pytest.raises(ValueError, match="could not be rebuilt: it is damaged, or it "
                       "holds a value that skops cannot rebuild") as error:
        load(io.BytesIO(data), trusted=["pandas.Timestamp"])
    assert isinstance(error.value.__cause__, TypeError)


def test_load_says_a_pickle_is_a_pickle():
    with pytest.raises(ValueError, match="looks like a pickle"):
        load(io.BytesIO(pickle.dumps(VAETransformer(**TINY))))


def test_load_refuses_a_zip_that_skops_did_not_write():
    data = _saved()

    def no_schema(files):
        del files["schema.json"]

    def other_schema(files):
        files["schema.json"] = b'{"protocol": 2}'

    with pytest.raises(ValueError, match="not a file written by skvae.save"):
        load(io.BytesIO(_rewrite(data, no_schema)))
    with pytest.raises(ValueError, match="not one that skvae.save wrote"):
        load(io.BytesIO(_rewrite(data, other_schema)))


def _arrays(node):
    """The .npy members under a node of skops' schema, by their place."""
    if isinstance(node, dict):
        if node.get("__loader__") == "NdArrayNode":
            yield node["file"]
        for value in node.values():
            yield from _arrays(value)
    elif isinstance(node, list):
        for value in node:
            yield from _arrays(value)


@pytest.mark.parametrize("attribute, message", [
    ("module_", r"size mismatch for encoder.mlp"),
    ("_history", "best weights of early stopping do not fit the network"),
    ("_optimizer_state", "the optimiser's exp_avg"),
])
def test_load_refuses_swapped_arrays(attribute, message):
    data = _saved()

    def swap(files):
        content = json.loads(files["schema.json"])["content"]["content"]
        names = list(_arrays(content[attribute]))
        shapes = {n: np.load(io.BytesIO(files[n])).shape for n in names}
        first = next(n for n in names if len(shapes[n]) == 2)
        other = next(n for n in names if len(shapes[n]) == 2 and shapes[n] != shapes[first])
        files[first], files[other] = files[other], files[first]

    with pytest.raises(ValueError, match=f"saved state of this VAETransformer is damaged "
                       f"or inconsistent.*{message}.*refit") as error:
        load(io.BytesIO(_rewrite(data, swap)))
    assert isinstance(error.value.__cause__, (RuntimeError, ValueError))


def test_a_state_with_missing_weights_is_refused():
    state = VAETransformer(**TINY).fit(_data()).__getstate__()
    del state["module_"]["encoder.mlp.0.weight"]
    with pytest.raises(ValueError, match="damaged or inconsistent.*Missing key"):
        VAETransformer.__new__(VAETransformer).__setstate__(state)


# ------------------------------------------------ round trips of every dtype
def _column(kind, rng, n):
    pd = pytest.importorskip("pandas")
    missing = rng.rand(n) < 0.1
    if kind == "float":
        return np.where(missing, np.nan, rng.normal(size=n))
    if kind == "int":
        return rng.poisson(3, n)
    if kind == "Int64":
        return pd.array(np.where(missing, None, rng.poisson(3, n)), dtype="Int64")
    if kind == "boolean":
        return pd.array(np.where(missing, None, rng.rand(n) < 0.5), dtype="boolean")
    if kind == "category":
        return pd.Categorical(rng.choice(["a", "b", "c"], n))
    if kind == "int category":
        return pd.Categorical(rng.choice([1, 5, 9], n))
    if kind == "ordered":
        return pd.Categorical(rng.choice(["lo", "mid", "hi"], n),
                              categories=["lo", "mid", "hi"], ordered=True)
    if kind == "string":
        return pd.array(rng.choice(["u", "v", "w"], n), dtype="string")
    if kind == "str":
        return pd.Series(rng.choice(["u", "v", "w"], n).tolist())
    return pd.Series(rng.choice(["u", "v", "w"], n).tolist(), dtype=object)


KINDS = ["float", "int", "Int64", "boolean", "category", "int category", "ordered",
         "string", "str", "object"]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=4, unique=True),
       Model=st.sampled_from([AutoencoderTransformer, VAETransformer]),
       seed=st.integers(0, 2**16))
def test_every_dtype_round_trips(kinds, Model, seed):
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(seed)
    X = pd.DataFrame({"x": rng.normal(size=60),  # every row observed somewhere
                      **{kind: _column(kind, rng, 60) for kind in kinds}})
    model = Model(**TINY).fit(X)
    loaded, _ = _round_trip(model)
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    back = loaded.inverse_transform(loaded.transform(X))
    assert back.dtypes.to_dict() == X.dtypes.to_dict()
    pd.testing.assert_frame_equal(back, model.inverse_transform(model.transform(X)))


def test_a_detector_on_a_mixed_frame_round_trips_with_its_neighbours():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = _frame(
        n=120,
        colour=pd.Categorical(rng.choice(["red", "blue", "green"], 120)),
        size=pd.Categorical(rng.choice(["S", "M", "L"], 120), categories=["S", "M", "L"],
                            ordered=True),
        label=pd.Series(rng.choice(["a", "b"], 120), dtype="string"),
        n_items=pd.Series(rng.poisson(3, 120), dtype="Int64"),
    )
    X.loc[::7, "x"] = np.nan
    X.loc[::11, "colour"] = np.nan
    detector = AutoencoderOutlierDetector(VAETransformer(**TINY), random_state=0).fit(X)
    loaded, _ = _round_trip(detector)
    for a, b in zip(_outputs(loaded, X), _outputs(detector, X)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_a_state_whose_optimiser_numbers_its_weights_wrongly_is_refused():
    state = VAETransformer(**TINY).fit(_data()).__getstate__()
    groups = state["_optimizer_state"]["param_groups"]
    groups[0]["params"] = [i + 100 for i in groups[0]["params"]]
    with pytest.raises(ValueError, match="damaged or inconsistent.*numbers its .* weights "
                       r"\[.*\].*, not 0 to"):
        VAETransformer.__new__(VAETransformer).__setstate__(state)
