"""Every estimator on DataFrames of mixed column types."""

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV

from skvae import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    VAETransformer,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(16,), max_iter=40, random_state=0, device="cpu")
MODELS = [AutoencoderTransformer, VAETransformer]
TYPES = {
    "income": "quantile", "visits": "count", "member": "binary", "city": "categorical",
    "size": "ordinal", "note": "categorical",
}


def mixed_frame(n=300, seed=0, holes=True):
    """A table whose columns depend on one latent factor, with holes."""
    rng = np.random.RandomState(seed)
    z = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "income": 50.0 + 10.0 * z + rng.normal(size=n),
            "visits": pd.array(rng.poisson(np.exp(1.0 + 0.5 * z)), dtype="Int64"),
            "member": pd.array(z + 0.3 * rng.normal(size=n) > 0, dtype="boolean"),
            "city": pd.Categorical(
                np.where(z > 0.5, "paris", np.where(z < -0.5, "oslo", "rome"))
            ),
            "size": pd.Categorical(
                np.where(z > 0, "L", "S"), categories=["S", "M", "L"], ordered=True
            ),
            "note": np.where(rng.rand(n) > 0.5, "a", "b").astype(object),
        },
        index=pd.RangeIndex(100, 100 + n),
    )
    frame["note"] = frame["note"].where(rng.rand(n) > 0.3, "c")
    if holes:
        for j, column in enumerate(frame.columns):
            frame.loc[frame.index[j :: 7], column] = None
    return frame


@pytest.fixture(scope="module", params=MODELS, ids=lambda m: m.__name__)
def model(request):
    return request.param(**SMALL).fit(mixed_frame())


def assert_same_layout(out, X):
    assert list(out.columns) == list(X.columns)
    for name in X.columns:
        assert out[name].dtype == X[name].dtype, name
        if isinstance(X[name].dtype, pd.CategoricalDtype):
            assert list(out[name].cat.categories) == list(X[name].cat.categories)


def assert_valid_values(out, X):
    assert not out.isna().any().any()
    for name in ("city", "note"):
        assert set(out[name]) <= set(X[name].dropna())
    # an ordinal's point is its median level, which may lie between two levels
    # seen in fit
    assert set(out["size"]) <= set(X["size"].cat.categories)
    assert (out["visits"] >= 0).all()


def test_types_are_inferred(model):
    assert model.column_types_ == TYPES
    assert model.n_features_in_ == 6
    assert list(model.feature_names_in_) == list(TYPES)


def test_categories_are_the_labels_of_the_columns_of_labels(model):
    assert model.categories_ == {
        "city": ["oslo", "paris", "rome"], "size": ["S", "M", "L"], "note": ["a", "b", "c"],
    }
    with pytest.raises(NotFittedError):
        VAETransformer().categories_


def test_outputs_speak_the_inputs_language(model):
    X = mixed_frame()
    codes = model.transform(X)
    assert codes.shape == (len(X), 2) and np.isfinite(codes).all()
    decoded = model.inverse_transform(codes)
    assert_same_layout(decoded, X)
    assert_valid_values(decoded, X)
    samples = model.sample(50, random_state=0)
    assert len(samples) == 50
    assert_same_layout(samples, X)
    assert_valid_values(samples, X)
    scores = model.score_samples(X)
    assert scores.shape == (len(X),) and np.isfinite(scores).all()


def test_reconstruction_recovers_categories():
    X = mixed_frame(holes=False)
    model = VAETransformer(**{**SMALL, "max_iter": 150}).fit(X)
    decoded = model.inverse_transform(model.transform(X))
    # city and member follow the latent factor: a good code gives them back
    for name in ("city", "member"):
        accuracy = (decoded[name].to_numpy() == X[name].to_numpy()).mean()
        mode = X[name].value_counts(normalize=True).iloc[0]
        assert accuracy > mode + 0.25, name


def test_vae_scores_are_log_probabilities_of_discrete_rows():
    # a table of discrete columns only: exp(score) sums to 1 over all rows
    rng = np.random.RandomState(0)
    colour = rng.choice(["red", "green", "blue"], 400, p=[0.6, 0.3, 0.1])
    flag = (colour == "red") ^ (rng.rand(400) < 0.1)
    X = pd.DataFrame({"colour": colour.astype(object), "flag": flag})
    model = VAETransformer(
        hidden_layer_sizes=(16,), n_importance_samples=500, random_state=0
    ).fit(X)
    rows = pd.DataFrame(
        list(itertools.product(["blue", "green", "red"], [False, True])),
        columns=["colour", "flag"],
    ).astype({"colour": object})
    probabilities = np.exp(model.score_samples(rows))
    assert probabilities.sum() == pytest.approx(1.0, abs=0.05)
    red_and_flag = probabilities[5]
    assert red_and_flag == pytest.approx(np.mean((colour == "red") & flag), abs=0.08)


def test_declared_types_are_used():
    X = mixed_frame()
    X["visits"] = X["visits"].astype("Float64")
    model = VAETransformer(column_types={"visits": "count", "income": "positive"}, **SMALL)
    model.fit(X)
    assert model.column_types_["visits"] == "count"
    assert model.column_types_["income"] == "positive"
    assert (model.sample(20, random_state=1)["income"] >= 0).all()


@pytest.mark.parametrize("sample_posterior", [False, True])
def test_imputer_fills_every_type_and_keeps_observed_cells(sample_posterior):
    X = mixed_frame()
    imputer = AutoencoderImputer(
        VAETransformer(**SMALL), sample_posterior=sample_posterior, random_state=0
    )
    out = imputer.fit_transform(X)
    assert out.index.equals(X.index)
    assert_same_layout(out, X)
    assert_valid_values(out, X)
    observed = X.notna()
    for name in X.columns:
        kept = observed[name].to_numpy()
        pd.testing.assert_series_equal(out[name][kept], X[name][kept])


def test_row_with_nothing_observed_gets_fills_of_each_columns_dtype():
    # Such a row is filled with each column's mean or mode; an integer
    # column's mean is rounded so the fill fits its dtype.
    X = mixed_frame()
    X.iloc[[0, 5]] = None
    imputer = AutoencoderImputer(VAETransformer(**SMALL)).fit(X)
    out = imputer.transform(X)
    assert_same_layout(out, X)
    assert_valid_values(out, X)
    assert out["visits"].iloc[0] == round(X["visits"].astype(float).mean())
    assert out["city"].iloc[0] == X["city"].mode()[0]


def test_multiple_imputation_gives_different_completions():
    X = mixed_frame()
    imputer = AutoencoderImputer(VAETransformer(**SMALL), sample_posterior=True).fit(X)
    completions = [
        imputer.set_params(random_state=i).transform(X) for i in range(3)
    ]
    holes = X["city"].isna()
    cities = [c["city"][holes].tolist() for c in completions]
    assert cities[0] != cities[1] or cities[1] != cities[2]
    incomes = [c["income"][X["income"].isna()].to_numpy() for c in completions]
    assert not np.array_equal(incomes[0], incomes[1])


def test_imputer_with_an_autoencoder():
    X = mixed_frame()
    out = AutoencoderImputer(AutoencoderTransformer(**SMALL)).fit_transform(X)
    assert_same_layout(out, X)
    assert_valid_values(out, X)


def test_imputer_fills_categories_better_than_the_mode():
    X = mixed_frame(n=600, holes=False)
    rng = np.random.RandomState(1)
    hidden = rng.rand(len(X)) < 0.3
    X_missing = X.copy()
    X_missing.loc[hidden, "city"] = np.nan
    out = AutoencoderImputer(random_state=0).fit_transform(X_missing)
    accuracy = (out["city"][hidden] == X["city"][hidden]).mean()
    mode = (X["city"][hidden] == X["city"].mode()[0]).mean()
    assert accuracy > mode + 0.2


def test_detector_on_mixed_rows():
    X = mixed_frame()
    detector = AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0).fit(X)
    odd = X.iloc[:3].copy()
    odd["income"] = [500.0, 50.0, 50.0]
    assert detector.predict(odd)[0] == -1
    contributions = detector.feature_contributions(odd)
    assert list(contributions.columns) == list(X.columns)
    assert contributions.index.equals(odd.index)
    assert contributions.iloc[0].idxmax() == "income"


def test_grid_search_on_a_mixed_frame():
    search = GridSearchCV(VAETransformer(**SMALL), {"n_components": [1, 2]}, cv=2)
    search.fit(mixed_frame())
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize("Model", MODELS)
def test_unseen_category_is_refused(Model):
    model = Model(**SMALL).fit(mixed_frame())
    X = mixed_frame().iloc[:2].copy()
    X["note"] = ["zzz", "a"]
    with pytest.raises(ValueError, match="Column 'note' holds 'zzz', a category not seen"):
        model.transform(X)


@pytest.mark.parametrize("Model", MODELS)
def test_an_unseen_label_has_probability_zero(Model):
    model = Model(**SMALL).fit(mixed_frame())
    X = mixed_frame(holes=False).iloc[:3].copy()
    X["note"] = ["a", "zzz", "b"]
    X["city"] = X["city"].cat.add_categories("lima")
    X.loc[X.index[2], "city"] = "lima"
    scores = model.score_samples(X)
    assert np.isneginf(scores).tolist() == [False, True, True]
    features = model.score_features(X)
    assert features[1, 5] == np.inf and features[2, 3] == np.inf
    assert np.isfinite(np.delete(features[1:].ravel(), [5, 9])).all()


def test_the_detector_flags_and_names_an_unseen_label():
    detector = AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0)
    detector.fit(mixed_frame())
    X = mixed_frame(holes=False).iloc[:2].copy()
    X["note"] = ["zzz", "a"]
    assert detector.predict(X)[0] == -1
    assert detector.feature_contributions(X).iloc[0].idxmax() == "note"


@pytest.mark.parametrize(
    "estimator",
    [AutoencoderTransformer(**SMALL), VAETransformer(**SMALL),
     AutoencoderImputer(VAETransformer(**SMALL)),
     AutoencoderOutlierDetector(VAETransformer(**SMALL))],
    ids=lambda e: type(e).__name__,
)
def test_dates_are_refused_by_name(estimator):
    X = mixed_frame()
    X["when"] = pd.date_range("2024-01-01", periods=len(X))
    with pytest.raises(ValueError, match="Column 'when' has dtype datetime64"):
        estimator.fit(X)


@pytest.mark.parametrize("kind", ["categorical", "ordinal"])
@pytest.mark.parametrize("Model", [VAETransformer, AutoencoderTransformer])
def test_an_arrays_column_declared_labels_by_position(Model, kind):
    # column_types takes an array's columns by position: a column of codes
    # may be declared labels, as a DataFrame's column by name
    rng = np.random.RandomState(0)
    X = np.c_[rng.normal(size=200), rng.choice([0.0, 1.0, 2.0], size=200), rng.normal(size=200)]
    model = Model(column_types={1: kind}, **SMALL).fit(X)
    assert model.column_types_ == {0: "real", 1: kind, 2: "real"}
    assert model.categories_ == {1: [0.0, 1.0, 2.0]}
    assert set(model.inverse_transform(model.transform(X[:20]))[:, 1]) <= {0.0, 1.0, 2.0}
    with pytest.raises(ValueError, match="not seen in fit|never seen|unseen"):
        model.transform(np.array([[0.0, 7.0, 0.0]]))
    detector = AutoencoderOutlierDetector(Model(column_types={1: kind}, **SMALL),
                                          random_state=0).fit(X)
    coded = [column[0] for column in detector._neighbours["coding"]]
    assert coded == ["number", "labels" if kind == "categorical" else "levels", "number"]
    assert np.isfinite(detector.score_samples(X[:5])).all()


@pytest.mark.parametrize("dtype", [object, "string", "category"])
def test_a_column_of_one_label_is_scored_sampled_and_imputed(dtype):
    # a small batch is padded to a fixed size for inference: the padding
    # must hold classes the column has (it held class 1 of a column of one)
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"income": rng.normal(40, 8, 60), "visits": rng.poisson(3, 60),
                      "country": pd.Series(["US"] * 60, dtype=dtype)})
    vae = VAETransformer(**SMALL).fit(X)
    assert vae.column_types_["country"] == "categorical"
    assert np.isfinite(vae.score_samples(X.iloc[:3])).all()
    drawn = vae.sample(3, random_state=0, given={"income": 40.0})
    assert (drawn["country"] == "US").all() and (drawn["income"] == 40.0).all()
    holes = X.copy()
    holes.loc[::7, "income"] = np.nan
    holes.loc[::5, "country"] = None
    imputer = AutoencoderImputer(VAETransformer(**SMALL), sample_posterior=True,
                                 random_state=0)
    filled = imputer.fit_transform(holes)
    assert (filled["country"] == "US").all() and not filled.isna().any().any()
    detector = AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0)
    assert detector.fit(X.iloc[:4]).predict(X.iloc[:2]).shape == (2,)


def test_sparse_columns_come_back_in_their_dtype():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({
        "x": rng.normal(size=60),
        "visits": pd.arrays.SparseArray(rng.poisson(2, 60)),
        "amount": pd.arrays.SparseArray(np.where(rng.rand(60) < 0.6, 0.0, rng.normal(size=60))),
    })
    model = VAETransformer(**SMALL).fit(X)
    for out in (model.sample(5, random_state=0), model.inverse_transform(model.transform(X)),
                model.sample(2, random_state=0, given={"amount": 0.0, "visits": 3})):
        assert out.dtypes.to_dict() == X.dtypes.to_dict()
    holes = X.assign(x=X["x"].mask(rng.rand(60) < 0.2))
    filled = AutoencoderImputer(VAETransformer(**SMALL), random_state=0).fit_transform(holes)
    assert filled.dtypes.to_dict() == X.dtypes.to_dict()
    assert (filled["visits"] == X["visits"]).all()


def test_multiindex_columns_and_the_codes_index_are_kept():
    rng = np.random.RandomState(0)
    columns = pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)])
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=columns, index=range(100, 160))
    model = VAETransformer(**SMALL).set_output(transform="pandas").fit(X)
    codes = model.transform(X)
    decoded = model.inverse_transform(codes)
    assert decoded.columns.equals(columns) and decoded.columns.nlevels == 2
    assert decoded.index.equals(X.index)
    assert model.sample(2, random_state=0).columns.nlevels == 2
    holes = X.mask(rng.rand(60, 3) < 0.2)
    filled = AutoencoderImputer(VAETransformer(**SMALL), random_state=0).fit_transform(holes)
    assert filled.columns.nlevels == 2 and filled.index.equals(X.index)


def test_draws_past_float64s_limit_are_explained():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.normal(size=60),
                      "c": rng.choice([-1, 1], 60) * rng.rand(60) * 1.7e308})
    declared = VAETransformer(**SMALL, column_types={"c": "real"}).fit(X)
    with pytest.raises(ValueError, match=r"near float64's limit .*\(rescale the column\)"):
        declared.sample(200, random_state=0)
    inferred = VAETransformer(**SMALL).fit(X)  # quantile: drawn within the range
    assert inferred.column_types_["c"] == "quantile"
    assert np.isfinite(inferred.sample(200, random_state=0)["c"]).all()
