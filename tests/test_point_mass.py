"""Columns with a point mass: spiked and zero-inflated columns."""

import numpy as np
import pandas as pd
import pytest

from skvae import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    VAETransformer,
)
from skvae._columns import Table
from skvae._quantiles import from_normal_scores, normal_scores
from skvae._type_rules import heavy_tailed_types, infer_type, point_mass_type

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(16,), max_iter=60, random_state=0, device="cpu")


def amounts_frame(n=400, seed=0):
    """An amount mostly 0, a setting mostly 40, and a real column they depend on."""
    rng = np.random.RandomState(seed)
    z = rng.normal(size=n)
    paid = rng.rand(n) < 0.3 + 0.2 * (z > 0)
    return pd.DataFrame({
        "gain": np.where(paid, np.exp(6.0 + 0.5 * z + 0.3 * rng.normal(size=n)), 0.0),
        "hours": np.where(rng.rand(n) < 0.4, 40.0, np.round(40 + 8 * z + rng.normal(size=n), 1)),
        "x": z + 0.1 * rng.normal(size=n),
    })


# ------------------------------------------------------------------ the rule
@pytest.mark.parametrize(
    "values, expected",
    [
        (np.r_[np.zeros(30), np.arange(1.0, 71.0)], "zero-inflated"),
        (np.r_[np.full(30, 40.0), np.arange(70.0)], "spiked"),
        (np.r_[np.full(30, -1.0), np.arange(70.0)], "spiked"),  # a placeholder
        (np.r_[np.zeros(30), np.arange(-35.0, 35.0)], "spiked"),  # 0 not the minimum
        (np.r_[np.zeros(19), np.arange(1.0, 82.0)], None),  # under a fifth
        (np.array([1.0, 2.0, 3.0]), None),  # no value stands out
        (np.r_[np.zeros(40), np.ones(30), np.arange(2.0, 32.0)], None),  # nor here
        (np.r_[np.zeros(50), np.ones(50)], None),  # two values: binary
        (np.random.RandomState(0).normal(size=100), None),
    ],
)
def test_a_value_that_holds_a_fifth_of_a_column_gets_a_point_mass(values, expected):
    assert point_mass_type(values) == expected


def _tail(n=1000, seed=0):
    return np.random.RandomState(seed).lognormal(sigma=1.5, size=n)  # skewness 30


@pytest.mark.parametrize(
    "values, expected",
    [
        (_tail(), "positive"),
        (np.r_[np.zeros(100), _tail(900)], "zero-inflated"),  # 0 stands out in 10%
        (np.r_[np.zeros(300), _tail(700)], "zero-inflated"),  # the point-mass rule
        (np.r_[np.ones(100), _tail(900)], "positive"),  # 1 is not 0
        (np.r_[0.0, 0.0, _tail(998)], "positive"),  # 0 in under 1%
        (np.r_[np.zeros(10), np.ones(5), _tail(985)], "zero-inflated"),  # in 1%
        (np.r_[np.zeros(19), np.ones(10), _tail(971)], "positive"),  # not twice 1
        (np.r_[np.zeros(100), np.random.RandomState(0).exponential(size=900)], "quantile"),
        (np.r_[_tail(), -1.0], "quantile"),  # a negative value
        (np.r_[np.full(300, -1.0), _tail(700)], "spiked"),  # a placeholder
    ],
)
def test_a_long_right_tail_is_modelled_on_a_log_scale(values, expected):
    from skvae._type_rules import float_type

    assert float_type(values) == expected
    assert infer_type(pd.Series(values)) == expected
    assert infer_type(pd.Series(values, dtype=object)) == expected


def test_a_heavy_tailed_column_of_a_frame_is_positive_for_every_estimator():
    rng = np.random.RandomState(0)
    z = rng.normal(size=300)  # the amount's sample skewness is 10.7
    X = pd.DataFrame({"amount": 100.0 * rng.pareto(1.5, 300), "x": z})
    for model in (VAETransformer(**SMALL), AutoencoderTransformer(**SMALL)):
        assert model.fit(X).column_types_ == {"amount": "positive", "x": "quantile"}
        assert set(model.fit(X.to_numpy()).column_types_.values()) == {"real"}
    imputer = AutoencoderImputer(VAETransformer(**SMALL), random_state=0).fit(X)
    assert imputer.estimator_.column_types_["amount"] == "positive"
    # new values need only lie above minus the offset, the column's mean
    model = VAETransformer(**SMALL).fit(X)
    offset = X["amount"].mean()
    new = pd.DataFrame({"amount": [-0.5 * offset, -offset], "x": [0.0, 0.0]})
    scores = model.score_samples(new)
    assert np.isfinite(scores[0]) and scores[1] == -np.inf
    with pytest.raises(ValueError, match="Column 'amount' is positive, .*Declare it real"):
        model.transform(new)
    declared = VAETransformer(**SMALL, column_types={"amount": "real"}).fit(X)
    assert np.isfinite(declared.score_samples(new)).all()


def test_float_columns_of_frames_get_their_point_masses_and_arrays_as_declared():
    X = amounts_frame()
    assert Table.fit(X).types == {"gain": "zero-inflated", "hours": "spiked", "x": "quantile"}
    table = Table.fit(X.to_numpy())
    assert set(table.types.values()) == {"real"}
    table = Table.fit(X.to_numpy(), types={0: "zero-inflated", 1: "spiked"})
    assert [c.atom for c in table.columns] == [0.0, 40.0, 0.0]
    assert table.types == {0: "zero-inflated", 1: "spiked", 2: "real"}


def test_declared_types_override_the_rule():
    X = amounts_frame()
    assert Table.fit(X, types={"gain": "positive", "hours": "real"}).types == {
        "gain": "positive", "hours": "real", "x": "quantile"}


def test_the_detector_models_a_heavy_tail_as_positive_over_a_point_mass():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"tail": np.r_[np.zeros(300), rng.pareto(1.5, 700)],
                      "amount": np.r_[np.zeros(700), rng.pareto(1.5, 300)]})
    assert Table.fit(X).types == {"tail": "zero-inflated", "amount": "zero-inflated"}
    # the tail's median is above its minimum; the amount is mostly 0, not heavy-tailed
    assert heavy_tailed_types(X) == {"tail": "positive"}
    # the same numbers in an object column are typed as floats, by both rules
    assert heavy_tailed_types(X.astype(object)) == {"tail": "positive"}
    assert heavy_tailed_types(X.round().astype(object)) == {}  # whole: integers
    detector = AutoencoderOutlierDetector(estimator=VAETransformer(**SMALL), random_state=0)
    assert detector.fit(X).estimator_.column_types_ == {
        "tail": "positive", "amount": "zero-inflated"}


def test_negative_values_of_a_zero_inflated_column_are_refused_by_name():
    X = pd.DataFrame({"gain": [0.0, 0.0, 3.0, -1.0, 2.0]})
    with pytest.raises(ValueError, match="Column 'gain' is zero-inflated and cannot hold"):
        Table.fit(X, types={"gain": "zero-inflated"})
    table = Table.fit(X.clip(lower=0), types={"gain": "zero-inflated"})
    with pytest.raises(ValueError, match="Column 'gain' is zero-inflated and cannot hold"):
        table.codes(X)


# ---------------------------------------------------------------- the coding
def test_the_coding_holds_the_indicator_and_leaves_the_atom_out_of_the_gaussian():
    X = amounts_frame(n=50)
    table = Table.fit(X)
    codes = table.codes(X)
    data, mask, _ = table.encode(codes)
    inputs, targets = table.split(data)
    assert table.n_inputs == 5 and table.n_targets == 5
    assert [name for name, _ in table.groups] == ["gaussian", "bernoulli"]
    at_zero, at_40 = (X["gain"] == 0).to_numpy(), (X["hours"] == 40).to_numpy()
    share = at_zero.mean()  # gain's indicator first, standardised by its share
    assert table.columns[0].share == share
    np.testing.assert_allclose(inputs[:, 0], (at_zero - share) / np.sqrt(share * (1 - share)),
                               rtol=1e-6)
    assert table.linear_inputs() == [0, 1, 2, 3, 4]  # both inputs of each column
    np.testing.assert_array_equal(inputs[:, 1][at_zero], 0.0)
    gaussian_gain = list(table.order).index(0)
    np.testing.assert_array_equal(mask[:, gaussian_gain], ~at_zero)
    np.testing.assert_array_equal(mask[:, 3:].sum(), 2 * 50)  # indicators: observed
    np.testing.assert_array_equal(targets[:, 3:], np.c_[at_zero, at_40])
    # the Gaussian of gain is on the normal scores of its positive values
    positive = X["gain"][~at_zero].to_numpy()
    gain = table.columns[0]
    scores = normal_scores(positive, gain.knots, gain.scores)
    np.testing.assert_allclose(gain.mean, scores.mean())
    assert gain.knots[0] > 0  # a map of the positive values alone
    # decoding the coded rows gives them back, the atoms exactly
    out = table.decode(targets)
    assert (out["gain"][at_zero] == 0).all() and (out["hours"][at_40] == 40).all()
    pd.testing.assert_frame_equal(out, X, rtol=1e-5)


@pytest.mark.parametrize("fit_dtype, new_dtype", [("float64", "float32"),
                                                   ("float32", "float64")])
def test_an_atom_is_the_same_in_float32_and_float64_rows(fit_dtype, new_dtype):
    # 0.1 has no exact float32: the same values held in either precision
    # must be at the atom, code, score and impute alike
    rng = np.random.RandomState(0)
    values = np.where(rng.rand(300) < 0.4, 0.1, rng.normal(3.0, 1.0, 300))
    X = pd.DataFrame({"a": values, "b": values + rng.normal(size=300)})
    fitted, new = X.astype(fit_dtype), X.astype(new_dtype)
    table = Table.fit(fitted)
    assert table.types["a"] == "spiked"
    codes_fitted, codes_new = table.codes(fitted), table.codes(new)
    np.testing.assert_array_equal(table.encode(codes_new)[1], table.encode(codes_fitted)[1])
    assert table.columns[0].share == pytest.approx(0.4, abs=0.05)
    model = VAETransformer(n_components=1, **SMALL).fit(fitted)
    np.testing.assert_allclose(model.score_samples(new), model.score_samples(fitted),
                               rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(model.transform(new), model.transform(fitted),
                               rtol=1e-5, atol=1e-5)
    holes = X.mask(rng.rand(*X.shape) < 0.2)
    imputer = AutoencoderImputer(estimator=VAETransformer(**SMALL), random_state=0)
    imputer.fit(holes.astype(fit_dtype))
    np.testing.assert_allclose(imputer.transform(holes.astype(new_dtype)),
                               imputer.transform(holes.astype(fit_dtype)), rtol=1e-5)


def _at_atom(table, values, dtype):
    codes = table.codes(pd.DataFrame({"a": np.asarray(values)}).astype(dtype))
    return table.columns[0].at_atom(codes[:, 0]).tolist()


@pytest.mark.parametrize("atom", [0.1, 16_777_215.0, 1.7e9, -3.3e-5])
def test_a_value_is_at_the_atom_in_the_lower_precision_of_fit_and_data(atom):
    X = pd.DataFrame({"a": np.r_[np.full(40, atom), atom * (1 + np.arange(1.0, 61.0))]})
    table = Table.fit(X)
    assert table.types["a"] == "spiked" and table.columns[0].atom == atom
    in_32 = float(np.float32(atom))
    next_32 = float(np.nextafter(np.float32(atom), np.float32(np.inf)))
    # in float64 only the atom itself; two values one float64 step apart stay values
    assert _at_atom(table, [atom, np.nextafter(atom, np.inf), next_32], "float64") == [
        True, False, False]
    assert _at_atom(table, [in_32, next_32], "float32") == [True, False]
    assert _at_atom(table, [in_32, next_32], "Float32") == [True, False]
    fitted_32 = Table.fit(X.astype("float32"))  # a float32 fit: its atom in float64 data
    assert _at_atom(fitted_32, [atom, next_32], "float64") == [True, False]


def test_a_polars_float32_column_is_at_the_atom_as_a_pandas_one():
    pl = pytest.importorskip("polars")
    from skvae._frames import to_pandas

    X = pd.DataFrame({"a": np.r_[np.full(40, 0.1), 0.1 * (1 + np.arange(1.0, 61.0))]})
    table = Table.fit(X)
    rows = pl.DataFrame({"a": [0.1, 0.2]}, schema={"a": pl.Float32})
    assert table.columns[0].at_atom(table.codes(to_pandas(rows))[:, 0]).tolist() == [
        True, False]
    fitted_32 = Table.fit(to_pandas(pl.from_pandas(X).cast(pl.Float32)))
    assert _at_atom(fitted_32, [0.1, 0.2], "float64") == [True, False]


def test_an_atom_that_is_zero_in_float32_is_not_matched_there():
    # 1e-46 is 0 in float32: a float32 zero is 0, not the atom
    X = pd.DataFrame({"a": np.r_[np.full(40, 1e-46), np.arange(-30.0, 30.0)]})
    table = Table.fit(X)
    assert table.types["a"] == "spiked"
    assert _at_atom(table, [0.0, 1e-46], "float32") == [False, False]
    assert _at_atom(table, [1e-46, 0.0], "float64") == [True, False]


def test_an_atom_at_zero_holds_zero_alone():
    X = pd.DataFrame({"a": np.r_[np.zeros(40), np.arange(1.0, 61.0)]})
    table = Table.fit(X.astype("float32"))
    assert table.types["a"] == "zero-inflated"
    assert _at_atom(table, [0.0, -0.0, 1e-300, 5e-324], "float64") == [True, True, False, False]


def test_decoding_a_probability_gives_the_mean_of_atom_and_value():
    table = Table.fit(amounts_frame(n=50))
    targets = np.array([[0.0, 0.0, 0.0, 0.25, 0.5]])  # gaussians at their means
    out = table.decode(targets)
    gain, hours = table.columns[0], table.columns[1]
    middle = from_normal_scores(np.array([gain.mean]), gain.knots, gain.scores, gain.ties)
    assert out["gain"][0] == pytest.approx(0.75 * middle[0])
    assert out["hours"][0] == pytest.approx(0.5 * 40 + 0.5 * hours.mean)


def test_missing_cells_leave_out_both_targets():
    X = amounts_frame(n=20)
    X.loc[3, "gain"] = np.nan
    table = Table.fit(X)
    _, mask, _ = table.encode(table.codes(X))
    gain_targets = np.flatnonzero(table.order == 0)
    assert gain_targets.size == 2 and (mask[3, gain_targets] == 0).all()
    inputs = table.split(table.encode(table.codes(X))[0])[0]
    assert (inputs[3, :2] == 0).all()  # both inputs at their training mean


# ------------------------------------------------------------------ densities
@pytest.mark.parametrize("kind", ["zero-inflated", "spiked"])
def test_the_atoms_probability_and_the_density_elsewhere_sum_to_one(kind):
    # score_samples: log p at the atom, log density (in the user's units) elsewhere
    rng = np.random.RandomState(0)
    n = 600
    values = np.exp(rng.normal(1.0, 0.5, n)) if kind == "zero-inflated" else rng.normal(size=n)
    atom = 0.0 if kind == "zero-inflated" else 1.0
    X = np.where(rng.rand(n) < 0.35, atom, values)[:, None]
    model = VAETransformer(n_components=1, column_types={0: kind}, n_importance_samples=200,
                           **SMALL).fit(X)
    p_atom = np.exp(model.score_samples(np.array([[atom]])))[0]
    assert p_atom == pytest.approx(0.35, abs=0.06)
    grid = np.linspace(1e-3, 12.0, 4001) if kind == "zero-inflated" else np.linspace(-6, 6, 4001)
    grid = grid[grid != atom]
    density = np.exp(model.score_samples(grid[:, None]))
    assert p_atom + np.trapezoid(density, grid) == pytest.approx(1.0, abs=0.03)


# ------------------------------------------------------------------ estimators
@pytest.mark.parametrize("Model", [AutoencoderTransformer, VAETransformer])
def test_models_reconstruct_and_draw_atoms(Model):
    X = amounts_frame()
    model = Model(n_components=2, **SMALL).fit(X)
    out = model.inverse_transform(model.transform(X))
    assert (out["gain"] >= 0).all()
    if Model is VAETransformer:
        drawn = model.sample(2000, random_state=0)
        assert (drawn["gain"] >= 0).all()
        assert (drawn["gain"] == 0).mean() == pytest.approx((X["gain"] == 0).mean(), abs=0.08)
        assert (drawn["hours"] == 40).mean() == pytest.approx((X["hours"] == 40).mean(), abs=0.08)
        # at the atom a column's score is -log of a probability: never below 0
        scores = model.score_features(X)
        assert (scores[:, 0][X["gain"].to_numpy() == 0] >= 0).all()
        assert np.isfinite(scores).all()


@pytest.mark.parametrize("sample_posterior", [False, True])
def test_the_imputer_keeps_observed_cells_and_fills_within_the_support(sample_posterior):
    X = amounts_frame()  # with a column of labels, the imputer keeps the frame whole
    X["kind"] = pd.Categorical(np.where(X["x"] > 0, "high", "low"))
    holes = X.copy()
    rng = np.random.RandomState(1)
    holes = holes.mask(rng.rand(*X.shape) < 0.2)
    imputer = AutoencoderImputer(
        estimator=VAETransformer(**SMALL), sample_posterior=sample_posterior, random_state=0
    )
    out = imputer.fit_transform(holes)
    assert imputer.estimator_.column_types_["gain"] == "zero-inflated"
    observed = holes.notna().to_numpy()
    np.testing.assert_array_equal(out.to_numpy()[observed], holes.to_numpy()[observed])
    assert not out.isna().any().any() and (out["gain"] >= 0).all()
    if sample_posterior:  # a draw is the atom or a value, and both occur
        filled = out["gain"][holes["gain"].isna()]
        assert (filled == 0).any() and (filled > 0).any()


def test_the_detector_flags_and_names_a_negative_amount():
    X = amounts_frame()
    detector = AutoencoderOutlierDetector(
        estimator=VAETransformer(**SMALL), random_state=0
    ).fit(X)
    assert detector.estimator_.column_types_["gain"] == "zero-inflated"
    rows = X.head(3).copy()
    rows.loc[0, "gain"] = -5.0
    assert detector.score_samples(rows)[0] == -np.inf
    contributions = detector.feature_contributions(rows)
    assert contributions.iloc[0].idxmax() == "gain"
    assert detector.predict(rows)[0] == -1


def test_a_saved_model_keeps_its_point_masses():
    import io

    from skvae import load, save

    X = amounts_frame()
    model = VAETransformer(**SMALL).fit(X)
    buffer = io.BytesIO()
    save(model, buffer)
    loaded = load(io.BytesIO(buffer.getvalue()))
    assert loaded.column_types_ == model.column_types_
    assert loaded._table.columns[1].atom == 40.0
    pd.testing.assert_frame_equal(loaded.sample(20, random_state=0),
                                  model.sample(20, random_state=0))
    np.testing.assert_array_equal(loaded.score_samples(X), model.score_samples(X))


# ------------------------------------------------------------ spiked counts
def hours_frame(n=500, seed=0):
    """Hours worked (40 in 40% of the rows, else a count) and a real column."""
    rng = np.random.RandomState(seed)
    z = rng.normal(size=n)
    hours = np.where(rng.rand(n) < 0.4, 40, rng.poisson(np.exp(3.4 + 0.3 * z)))
    return pd.DataFrame({"hours": pd.array(hours, dtype="Int64"),
                         "x": z + 0.1 * rng.normal(size=n)})


def test_a_count_gets_a_spike_that_a_negative_binomial_misses():
    rng = np.random.RandomState(0)
    table = Table.fit(hours_frame())
    assert table.types == {"hours": "spiked-count", "x": "quantile"}
    assert table.columns[0].atom == 40.0
    assert [name for name, _ in table.groups] == ["gaussian", "bernoulli", "truncated-count"]
    assert dict(table.groups)["truncated-count"] == [40.0]
    zeros = pd.Series(np.where(rng.rand(1000) < 0.6, 0, rng.poisson(5, 1000)))
    table = Table.fit(pd.DataFrame({"claims": zeros}))
    assert table.types == {"claims": "spiked-count"} and table.columns[0].atom == 0.0
    # a Poisson's mode is no spike; a declared count keeps no point mass
    assert Table.fit(pd.DataFrame({"n": rng.poisson(0.3, 500)})).types == {"n": "count"}
    assert Table.fit(hours_frame(), types={"hours": "count"}).types["hours"] == "count"
    # integers that are not counts take the float rule: a placeholder of -1
    codes = pd.Series(np.r_[np.full(30, -1), np.arange(1, 71)])
    assert Table.fit(pd.DataFrame({"code": codes})).types == {"code": "spiked"}


def test_a_spiked_count_is_coded_and_decoded_exactly():
    X = hours_frame(n=60)
    table = Table.fit(X)
    data, mask, _ = table.encode(table.codes(X))
    inputs, targets = table.split(data)
    at_40 = (X["hours"] == 40).to_numpy()
    count = list(table.likelihoods).index("truncated-count")
    np.testing.assert_array_equal(mask[:, count], ~at_40)  # the count leaves the atom out
    np.testing.assert_array_equal(inputs[:, 1][at_40], 0.0)  # log1p(count) input: 0 there
    pd.testing.assert_frame_equal(table.decode(targets), X, rtol=1e-5)
    # an expectation: the atom and the other counts' mean, rounded to a count
    out = table.decode(np.array([[0.0, 0.5, 20.0]]))
    assert out["hours"][0] == 30 and out["hours"].dtype == "Int64"


def test_a_spiked_counts_probabilities_sum_to_one():
    X = hours_frame()[["hours"]]
    model = VAETransformer(n_components=1, n_importance_samples=200, **SMALL).fit(X)
    grid = pd.DataFrame({"hours": pd.array(np.arange(400), dtype="Int64")})
    probabilities = np.exp(model.score_samples(grid))
    assert probabilities[40] == pytest.approx((X["hours"] == 40).mean(), abs=0.06)
    assert probabilities.sum() == pytest.approx(1.0, abs=0.03)


def test_models_draw_a_spiked_count_and_the_detector_names_an_absurd_one():
    X = hours_frame()
    model = VAETransformer(n_components=2, **SMALL).fit(X)
    drawn = model.sample(2000, random_state=0)["hours"]
    assert drawn.dtype == "Int64" and (drawn >= 0).all()
    assert (drawn == 40).mean() == pytest.approx((X["hours"] == 40).mean(), abs=0.08)
    assert drawn[drawn != 40].mean() == pytest.approx(X["hours"][X["hours"] != 40].mean(),
                                                     rel=0.15)
    ae = AutoencoderTransformer(n_components=2, **SMALL).fit(X)
    assert (ae.inverse_transform(ae.transform(X))["hours"] >= 0).all()
    detector = AutoencoderOutlierDetector(
        estimator=VAETransformer(**SMALL), random_state=0).fit(X)
    rows = X.head(3).copy()
    rows.loc[0, "hours"] = 400
    assert detector.predict(rows)[0] == -1
    assert detector.feature_contributions(rows).iloc[0].idxmax() == "hours"


def test_the_imputer_and_saving_keep_a_spiked_count():
    import io

    from skvae import load, save

    X = hours_frame()
    X["kind"] = pd.Categorical(np.where(X["x"] > 0, "high", "low"))
    holes = X.mask(np.random.RandomState(1).rand(*X.shape) < 0.2)
    imputer = AutoencoderImputer(estimator=VAETransformer(**SMALL), sample_posterior=True,
                                 random_state=0)
    out = imputer.fit_transform(holes)
    observed = holes.notna().to_numpy()
    np.testing.assert_array_equal(out.to_numpy()[observed], holes.to_numpy()[observed])
    filled = out["hours"][holes["hours"].isna()]
    assert (filled == 40).any() and (filled != 40).any() and (filled >= 0).all()
    model = imputer.estimator_
    buffer = io.BytesIO()
    save(model, buffer)
    loaded = load(io.BytesIO(buffer.getvalue()))
    pd.testing.assert_frame_equal(loaded.sample(50, random_state=0),
                                  model.sample(50, random_state=0))
    np.testing.assert_array_equal(loaded.score_samples(X), model.score_samples(X))


# ------------------------------------------------------------ signed logs
def test_a_signed_log_column_is_coded_exactly_and_its_density_integrates_to_one():
    # amounts of either sign with a long tail: a Gaussian on asinh(x / m)
    rng = np.random.RandomState(0)
    n = 600
    x = np.exp(rng.normal(1.0, 1.0, n)) * np.where(rng.rand(n) < 0.2, -1.0, 1.0)
    X = pd.DataFrame({"bill": x})
    table = Table.fit(X, types={"bill": "signed-log"})
    assert table.columns[0].offset == pytest.approx(np.median(np.abs(x)))
    data, _, _ = table.encode(table.codes(X))
    np.testing.assert_allclose(data[:, 0] * table.columns[0].scale + table.columns[0].mean,
                               np.arcsinh(x / table.columns[0].offset), rtol=1e-5, atol=1e-6)
    pd.testing.assert_frame_equal(table.decode(data), X, rtol=1e-5)
    model = VAETransformer(n_components=1, column_types={"bill": "signed-log"},
                           n_importance_samples=200, **SMALL).fit(X)
    grid = np.linspace(-400.0, 400.0, 40_001)
    density = np.exp(model.score_samples(pd.DataFrame({"bill": grid})))
    assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=0.03)
    drawn = model.sample(4000, random_state=0)["bill"]
    assert (drawn < 0).mean() == pytest.approx(0.2, abs=0.12)  # a small, short fit
    assert np.median(np.abs(drawn)) == pytest.approx(np.median(np.abs(x)), rel=0.3)
