"""Dask: searches on a cluster, training on chunks, lazy inference."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

import dask  # noqa: E402
import joblib  # noqa: E402

from skvae import (  # noqa: E402
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    VAETransformer,
    fit_chunks,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
SMALL = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)


@pytest.fixture(scope="module")
def client():
    """A cluster of two single-threaded worker processes, as on a real one."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def _data(n_samples=400, n_features=6, seed=0, holes=0.1):
    rng = np.random.RandomState(seed)
    X = np.tanh(rng.normal(size=(n_samples, 2)) @ rng.normal(size=(2, n_features)))
    X += 0.1 * rng.normal(size=X.shape) + np.arange(n_features)
    X[rng.uniform(size=X.shape) < holes] = np.nan
    return X


def _frame(n_samples=400, seed=0):
    rng = np.random.RandomState(seed)
    frame = pd.DataFrame(_data(n_samples, 3, seed), columns=["a", "b", "c"])
    frame["colour"] = pd.Categorical(rng.choice(["red", "green", "blue"], n_samples))
    frame["count"] = rng.poisson(3, n_samples)
    frame.loc[::7, "colour"] = np.nan
    return frame


# ----------------------------------------------------------------- search
def test_grid_search_on_the_cluster_matches_a_local_one(client):
    X = _data()
    search = GridSearchCV(
        make_pipeline(StandardScaler(), AutoencoderTransformer(**SMALL)),
        {"autoencodertransformer__n_components": [1, 2],
         "autoencodertransformer__alpha": [1e-4, 1e-1]},
        cv=2,
    )
    local = GridSearchCV(**search.get_params(deep=False)).fit(X)
    with joblib.parallel_config(backend="dask"):
        remote = search.set_params(n_jobs=-1).fit(X)
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"],
        rtol=1e-6,
    )
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(remote.transform(X), local.transform(X), rtol=1e-6)


def test_workers_train_on_the_threads_they_are_given(client):
    def fit_and_count_threads():
        import torch

        before = torch.get_num_threads()
        model = VAETransformer(**SMALL).fit(_data(2000, 64, holes=0.0))
        model.transform(_data(20_000, 64, holes=0.0))
        return before, torch.get_num_threads()

    for before, after in client.run(fit_and_count_threads).values():
        assert before == after == 1


# --------------------------------------------------------------- training
def test_fit_chunks_standardises_by_every_chunk():
    X = _data(seed=1)
    X[:100] += 5.0  # the first chunk is not representative
    model = fit_chunks(AutoencoderTransformer(**SMALL), da.from_array(X, chunks=(100, 3)))
    np.testing.assert_allclose(model.mean_, np.nanmean(X, axis=0), rtol=1e-12)
    np.testing.assert_allclose(model.scale_, np.nanstd(X, axis=0), rtol=1e-12)
    assert model.n_iter_ == 4  # one partial_fit per chunk
    first_only = AutoencoderTransformer(**SMALL).partial_fit(X[:100])
    assert not np.allclose(first_only.mean_, model.mean_)


@pytest.mark.parametrize("Model", [AutoencoderTransformer, VAETransformer])
def test_fit_chunks_reads_arrays_lists_and_functions_alike(Model):
    X = _data(seed=2)
    chunks = [X[i : i + 100] for i in range(0, 400, 100)]
    codes = [
        fit_chunks(Model(**SMALL, shuffle=False), source, n_epochs=2).transform(X)
        for source in (da.from_array(X, chunks=100), chunks, lambda: iter(chunks))
    ]
    np.testing.assert_array_equal(codes[0], codes[1])
    np.testing.assert_array_equal(codes[0], codes[2])
    shuffled = fit_chunks(Model(**SMALL), chunks, n_epochs=2)
    assert shuffled.n_iter_ == 8
    again = fit_chunks(Model(**SMALL), da.from_array(X, chunks=100), n_epochs=2)
    np.testing.assert_array_equal(shuffled.transform(X), again.transform(X))


def test_fit_chunks_takes_a_dask_dataframe_with_categories():
    frame = _frame(600)
    model = fit_chunks(VAETransformer(**SMALL), dd.from_pandas(frame, npartitions=3))
    numbers = np.log1p(frame["count"].to_numpy(float))
    assert model.column_types_ == {
        "a": "quantile", "b": "quantile", "c": "quantile", "colour": "categorical",
        "count": "count",
    }
    assert model.mean_[-1] == pytest.approx(numbers.mean(), rel=1e-12)
    sample = model.sample(5, random_state=0)
    assert sample.dtypes.equals(frame.dtypes)


def test_fit_chunks_on_the_cluster(client):
    X = _data(seed=3)
    on_cluster = fit_chunks(VAETransformer(**SMALL), da.from_array(X, chunks=100))
    with dask.config.set(scheduler="sync"):
        local = fit_chunks(VAETransformer(**SMALL), da.from_array(X, chunks=100))
    np.testing.assert_array_equal(on_cluster.transform(X), local.transform(X))


def test_fit_chunks_warm_start_keeps_the_statistics():
    X = _data(seed=4)
    model = fit_chunks(AutoencoderTransformer(**SMALL, warm_start=True), [X[:200], X[200:]])
    mean = model.mean_.copy()
    fit_chunks(model, [X[:200] + 10.0])
    np.testing.assert_array_equal(model.mean_, mean)
    assert model.n_iter_ == 3


def test_fit_chunks_failure_leaves_the_model_as_it_was():
    X = _data(seed=5)
    model = AutoencoderTransformer(**SMALL)
    with pytest.raises(ValueError, match="features"):
        fit_chunks(model, [X[:200], X[200:, :3]])
    assert not hasattr(model, "module_")


@pytest.mark.parametrize(
    "source, error, match",
    [
        ((c for c in [_data()]), TypeError, "one-shot iterator"),
        (_data(), TypeError, "fit directly"),
        ([], ValueError, "no chunks"),
    ],
)
def test_fit_chunks_rejects_what_it_cannot_read(source, error, match):
    with pytest.raises(error, match=match):
        fit_chunks(AutoencoderTransformer(**SMALL), source)


def test_fit_chunks_rejects_other_estimators_and_epochs():
    with pytest.raises(TypeError, match="AutoencoderTransformer"):
        fit_chunks(StandardScaler(), [_data()])
    with pytest.raises(ValueError, match="n_epochs"):
        fit_chunks(AutoencoderTransformer(), [_data()], n_epochs=0)
    with pytest.raises(ValueError, match="n_components"):
        fit_chunks(AutoencoderTransformer(n_components=0), [_data()])


def test_dask_ml_incremental_trains_on_blocks_with_holes():
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X = _data(seed=6)
    inc = wrappers.Incremental(VAETransformer(**SMALL), shuffle_blocks=False)
    inc.fit(da.from_array(X, chunks=100))
    assert inc.estimator_.n_iter_ == 4
    # dask-ml calls partial_fit block by block: the first block's statistics
    np.testing.assert_allclose(inc.estimator_.mean_, np.nanmean(X[:100], axis=0))


# -------------------------------------------------------------- inference
_calls = []


def _counted(block):
    _calls.append(block.shape[0])
    return block


@pytest.mark.parametrize("Model", [AutoencoderTransformer, VAETransformer])
def test_model_methods_are_lazy_with_the_right_metadata(Model):
    X = _data(seed=7)
    model = Model(**SMALL).fit(X)
    lazy_X = da.from_array(X, chunks=(150, 4)).map_blocks(_counted)
    _calls.clear()
    with dask.config.set(scheduler="sync"):
        codes = model.transform(lazy_X)
        rows = model.inverse_transform(codes)
        scores = model.score_samples(lazy_X)
        assert not _calls  # nothing computed yet
        assert (codes.shape, codes.dtype, codes.chunks[0]) == ((400, 2), np.float64,
                                                               (150, 150, 100))
        assert (rows.shape, scores.shape, scores.dtype) == ((400, 6), (400,), np.float64)
        np.testing.assert_array_equal(codes.compute(), model.transform(X))
        np.testing.assert_array_equal(rows.compute(), model.inverse_transform(codes.compute()))
        # float32 rounding of the importance samples' sums depends on the batch
        np.testing.assert_allclose(scores.compute(), model.score_samples(X), rtol=1e-5)
    assert model.transform(da.from_array(X.astype(np.float32))).dtype == np.float32


@pytest.mark.parametrize("Model", [AutoencoderTransformer, VAETransformer])
def test_the_role_methods_are_lazy_too(Model):
    X = _data(seed=7)
    X[::5, 1] = np.nan
    model = Model(**SMALL).fit(X)
    lazy_X = da.from_array(X, chunks=(150, 6))
    completed, scores = model.complete(lazy_X), model.score_features(lazy_X)
    assert (completed.shape, scores.shape) == ((400, 6), (400, 6))
    np.testing.assert_allclose(completed.compute(), model.complete(X), rtol=1e-5)
    np.testing.assert_allclose(scores.compute(), model.score_features(X), rtol=1e-4,
                               atol=1e-6)


def test_model_of_a_dataframe_decodes_lazily_into_one():
    frame = _frame()
    model = VAETransformer(**SMALL).fit(frame)
    lazy_frame = dd.from_pandas(frame, npartitions=3)
    codes = model.transform(lazy_frame)
    assert codes.shape[1] == 2 and codes.dtype == np.float64
    rows = model.inverse_transform(da.from_array(model.transform(frame), chunks=150))
    assert isinstance(rows, dd.DataFrame)
    assert rows.dtypes.equals(frame.dtypes)
    expected = model.inverse_transform(model.transform(frame))
    pd.testing.assert_frame_equal(rows.compute(), expected)


def test_a_model_fitted_on_polars_gives_dask_pandas_partitions():
    # a Dask DataFrame holds pandas partitions, whatever the model was fitted on
    pl = pytest.importorskip("polars")
    frame = _frame(seed=3)
    model = VAETransformer(**SMALL).fit(pl.from_pandas(frame))
    codes = model.transform(frame)
    expected = model.inverse_transform(codes).to_pandas()
    for rows in (model.inverse_transform(da.from_array(codes, chunks=150)),
                 model.complete(dd.from_pandas(frame, npartitions=3))):
        assert isinstance(rows, dd.DataFrame)
        computed = rows.compute()
        assert isinstance(computed, pd.DataFrame) and len(computed) == len(frame)
    lazy = model.inverse_transform(da.from_array(codes, chunks=150)).compute()
    assert list(lazy.columns) == list(expected.columns)
    for name in expected.columns:  # the values polars holds in memory
        np.testing.assert_array_equal(lazy[name].astype(object).to_numpy(),
                                      expected[name].astype(object).to_numpy())
    holes = frame.copy()
    holes.loc[::5, "a"] = np.nan
    imputer = AutoencoderImputer(AutoencoderTransformer(**SMALL), random_state=0)
    imputer.fit(pl.from_pandas(holes))
    filled = imputer.transform(dd.from_pandas(holes, npartitions=3)).compute()
    assert isinstance(filled, pd.DataFrame) and not filled["a"].isna().any()
    np.testing.assert_array_equal(filled["a"].to_numpy(),
                                  imputer.transform(pl.from_pandas(holes))["a"].to_numpy())


@pytest.mark.parametrize("container", ["pandas", "polars"])
def test_dask_results_stay_lazy_whatever_set_output_asks(container):
    if container == "polars":
        pytest.importorskip("polars")
    frame = _frame(seed=4)
    X = _data(seed=4)
    model = VAETransformer(**SMALL).fit(X).set_output(transform=container)
    imputer = AutoencoderImputer(AutoencoderTransformer(**SMALL), random_state=0).fit(frame)
    imputer.set_output(transform=container)
    codes = model.transform(da.from_array(X, chunks=100))
    filled = imputer.transform(dd.from_pandas(frame, npartitions=3))
    assert isinstance(codes, da.Array) and isinstance(filled, dd.DataFrame)
    in_memory = model.transform(X)  # in memory, the container asked for
    assert type(in_memory).__module__.split(".")[0] == container
    np.testing.assert_array_equal(codes.compute(), np.asarray(in_memory))
    expected = imputer.set_output(transform="default").transform(frame)
    pd.testing.assert_frame_equal(filled.compute(), expected)
    refitted = VAETransformer(**SMALL).set_output(transform=container)
    lazy = refitted.fit_transform(da.from_array(X, chunks=100))
    assert isinstance(lazy, da.Array)
    np.testing.assert_array_equal(lazy.compute(), np.asarray(in_memory))


def test_imputer_fills_a_dask_dataframe_on_the_cluster(client):
    frame = _frame(seed=8)
    imputer = AutoencoderImputer(AutoencoderTransformer(**SMALL), add_indicator=True,
                                 random_state=0).fit(frame)
    lazy_frame = dd.from_pandas(frame.set_axis(frame.index + 1000), npartitions=4)
    filled = imputer.transform(lazy_frame)
    expected = imputer.transform(frame.set_axis(frame.index + 1000))
    assert filled.dtypes.equals(expected.dtypes)
    assert list(filled.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(filled.compute(), expected)
    X = _data(seed=8)
    on_array = AutoencoderImputer(AutoencoderTransformer(**SMALL), random_state=0).fit(X)
    lazy = on_array.transform(da.from_array(X, chunks=100))
    assert lazy.shape == X.shape
    np.testing.assert_array_equal(lazy.compute(), on_array.transform(X))


def test_detector_predicts_dask_collections_on_the_cluster(client):
    X = _data(seed=9, holes=0.0)
    detector = AutoencoderOutlierDetector(
        AutoencoderTransformer(**SMALL), contamination=0.1, random_state=0
    ).fit(X)
    lazy_X = da.from_array(X, chunks=100)
    for name, dtype in [("predict", int), ("decision_function", np.float64),
                        ("score_samples", np.float64), ("score_pvalues", np.float64)]:
        out = getattr(detector, name)(lazy_X)
        assert (out.shape, out.dtype) == ((400,), dtype)
        np.testing.assert_array_equal(out.compute(), getattr(detector, name)(X))
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)])
    detector.fit(frame)
    contributions = detector.feature_contributions(dd.from_pandas(frame, npartitions=2))
    pd.testing.assert_frame_equal(contributions.compute(),
                                  detector.feature_contributions(frame))


def test_dask_ml_parallel_post_fit_predicts_as_in_memory(client):
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X = _data(seed=10, holes=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        detector = AutoencoderOutlierDetector(
            AutoencoderTransformer(**SMALL), random_state=0
        ).fit(X)
    predicted = wrappers.ParallelPostFit(detector).predict(da.from_array(X, chunks=100))
    np.testing.assert_array_equal(predicted.compute(), detector.predict(X))


def test_draws_on_a_dask_collection_are_a_stream_per_block_not_one_repeated():
    X = _data(300)
    X[::3, 0] = np.nan
    imputer = AutoencoderImputer(VAETransformer(**SMALL), sample_posterior=True,
                                 random_state=0).fit(X)
    rows = np.vstack([X[:100]] * 3)  # the same rows in every block
    holes = np.isnan(rows[:100, 0])
    for lazy in (da.from_array(rows, chunks=(100, -1)),
                 dd.from_pandas(pd.DataFrame(rows), npartitions=3)):
        drawn = np.asarray(imputer.transform(lazy).compute())
        assert not np.array_equal(drawn[:100, 0][holes], drawn[100:200, 0][holes])
        np.testing.assert_array_equal(drawn, np.asarray(imputer.transform(lazy).compute()))


def test_an_empty_block_gives_an_empty_output_block():
    X = _data(300)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    model = AutoencoderTransformer(**SMALL).fit(frame)
    detector = AutoencoderOutlierDetector(AutoencoderTransformer(**SMALL),
                                          random_state=0).fit(frame)
    lazy = dd.from_pandas(frame, npartitions=3)
    kept = lazy[lazy.x0.map_partitions(lambda s: pd.Series(s.index >= 150, index=s.index))]
    assert model.transform(kept).compute().shape == (150, model.n_components)
    assert model.score_samples(kept).compute().shape == (150,)
    for method in ("predict", "decision_function", "score_pvalues", "feature_contributions"):
        assert len(getattr(detector, method)(kept).compute()) == 150
    array = da.from_array(X, chunks=((100, 0, 200), (X.shape[1],)))
    codes = AutoencoderTransformer(**SMALL).fit(X).transform(array)
    assert codes.compute().shape == (300, model.n_components)


@pytest.mark.parametrize("estimator", [
    AutoencoderTransformer(**SMALL), AutoencoderImputer(VAETransformer(**SMALL)),
    AutoencoderOutlierDetector(AutoencoderTransformer(**SMALL)),
], ids=["model", "imputer", "detector"])
def test_fit_on_a_dask_dataframe_says_how_to_train(estimator):
    lazy = dd.from_pandas(_frame(100), npartitions=2)
    with pytest.raises(TypeError, match="cannot fit on a Dask DataFrame .*fit_chunks"):
        estimator.fit(lazy)
