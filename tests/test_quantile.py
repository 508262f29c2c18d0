"""The quantile type: normal scores of a column's values, with their slope."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp, norm

from skvae import AutoencoderImputer, AutoencoderOutlierDetector, VAETransformer
from skvae._columns import Table
from skvae._quantiles import fit_normal_scores, from_normal_scores, log_slope, normal_scores
from skvae._type_rules import infer_type

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SMALL = dict(hidden_layer_sizes=(16,), max_iter=30, random_state=0, device="cpu")


def _bills(n=3000, seed=0):
    """Amounts of either sign with long tails, 8% exactly 0 and 2% exactly 100."""
    rng = np.random.RandomState(seed)
    values = np.round(rng.lognormal(5, 2, n) * np.sign(rng.normal(size=n)))
    kind = rng.rand(n)
    return np.where(kind < 0.08, 0.0, np.where(kind < 0.1, 100.0, values))


def test_the_map_is_increasing_its_scores_standard_normal_and_its_inverse_exact():
    values = _bills()
    knots, scores, ties = fit_normal_scores(np.r_[values, np.nan])
    assert np.all(np.diff(knots) > 0) and np.all(np.diff(scores) > 0)
    assert len(knots) <= 2 * 256 and ties == [0.0, 100.0]
    z = normal_scores(values, knots, scores)
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02
    np.testing.assert_allclose(from_normal_scores(z, knots, scores, ties), values,
                               rtol=1e-9, atol=1e-9)
    assert np.isnan(normal_scores(np.array([np.nan]), knots, scores)).all()


def test_draws_of_the_map_keep_the_ties_and_the_shape():
    values = _bills()
    knots, scores, ties = fit_normal_scores(values)
    drawn = from_normal_scores(np.random.RandomState(1).normal(size=100_000),
                               knots, scores, ties)
    for tie in (0.0, 100.0):
        assert np.mean(drawn == tie) == pytest.approx(np.mean(values == tie), abs=0.005)
    assert ks_2samp(drawn, values).statistic < 0.02


def test_the_density_of_the_map_integrates_to_one_and_extends_past_the_range():
    values = np.random.RandomState(0).gamma(2.0, 3.0, 2000).round(1)  # on a grid
    knots, scores, _ = fit_normal_scores(values)
    grid = np.linspace(-100, 200, 600_001)
    density = norm.pdf(normal_scores(grid, knots, scores)) * np.exp(
        -log_slope(grid, knots, scores))
    assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=1e-3)
    beyond = normal_scores(np.array([values.max() + 10, values.min() - 10]), knots, scores)
    assert beyond[0] > max(scores) and beyond[1] < min(scores)


def test_a_value_in_another_precision_gets_the_same_slope():
    # training values lie between knots, so float32 rounding keeps their segment
    values = np.random.RandomState(0).normal(size=500).astype(np.float32)
    knots, scores, _ = fit_normal_scores(values.astype(np.float64))
    np.testing.assert_array_equal(
        log_slope(values.astype(np.float64), knots, scores),
        log_slope(values.astype(np.float32).astype(np.float64) * (1 + 1e-8), knots, scores),
    )


@pytest.mark.parametrize("values, expected", [
    # two levels: the first value's cell and the last's, halfway to the value
    # beside them and mirrored at the ends
    ([1.0, 2.0, 4.0], [0.5, 1.5, 5.0]),
    ([7.0, 7.0], [7.0]),  # one value: one knot
    ([np.nan], []),
])
def test_knots_of_small_columns(values, expected):
    knots, scores, _ = fit_normal_scores(np.array(values))
    assert len(scores) == len(knots)
    np.testing.assert_allclose(knots, expected)
    assert (normal_scores(np.array([3.0]), knots, scores) == 3.0) == (not expected)


def test_float_columns_of_more_than_two_values_are_quantile():
    rng = np.random.RandomState(0)
    assert infer_type(pd.Series(rng.normal(size=100))) == "quantile"
    assert infer_type(pd.Series(rng.normal(size=100), dtype="Float32")) == "quantile"
    assert infer_type(pd.Series(np.where(rng.rand(100) < 0.5, 0.5, 1.5))) == "real"
    rating = np.clip(np.round(3 + 1.2 * rng.normal(size=3000)), 1, 5)  # five values, all ties
    assert infer_type(pd.Series(rating)) == "real"
    assert infer_type(pd.Series(rng.choice(np.arange(1, 80) * 1e4, 3000))) == "quantile"
    assert infer_type(pd.Series(100 * rng.pareto(1.5, 300))) == "positive"
    assert infer_type(pd.Series(rng.randint(2000, 2010, 100))) == "real"  # integers


def test_a_quantile_column_is_saved_with_its_map():
    X = pd.DataFrame({"b": _bills(400)})
    table = Table.fit(X)
    assert table.types == {"b": "quantile"}
    restored = Table.from_state(table.to_state())
    codes = table.codes(X)
    np.testing.assert_array_equal(restored.scalars(codes), table.scalars(codes))
    targets = table.split(table.encode(codes)[0])[1]
    np.testing.assert_array_equal(restored.decode(targets)["b"], table.decode(targets)["b"])
    np.testing.assert_allclose(table.decode(targets)["b"], X["b"], rtol=1e-5, atol=1e-3)


def test_the_model_density_of_a_quantile_column_integrates_to_one():
    X = pd.DataFrame({"a": np.random.RandomState(0).lognormal(size=1000)})
    model = VAETransformer(n_components=1, **SMALL).fit(X)
    assert model.column_types_ == {"a": "quantile"}
    grid = np.linspace(-20, 150, 100_001)
    density = np.exp(model.score_samples(pd.DataFrame({"a": grid})))
    assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=0.02)


def test_draws_and_fills_stay_in_the_range_and_hold_the_ties():
    rng = np.random.RandomState(0)
    z = rng.normal(size=600)
    bills = np.where(rng.rand(600) < 0.1, 0.0, np.round(np.exp(6 + z) * np.sign(z + 0.5)))
    X = pd.DataFrame({"bill": bills, "x": z + 0.3 * rng.normal(size=600)})
    model = VAETransformer(**SMALL).fit(X)
    assert model.column_types_["bill"] == "quantile"
    drawn = model.sample(3000, random_state=0)["bill"]
    assert drawn.min() >= bills.min() and drawn.max() <= bills.max()
    assert np.mean(drawn == 0) == pytest.approx(0.1, abs=0.04)
    holes = X.mask(rng.rand(*X.shape) < 0.2)
    filled = AutoencoderImputer(VAETransformer(**SMALL), random_state=0).fit_transform(holes)
    observed = holes.notna()
    assert (filled[observed] == holes[observed]).sum().sum() == observed.sum().sum()
    assert filled["bill"].between(bills.min(), bills.max()).all()


def test_a_later_chunk_beyond_the_range_widens_it():
    rng = np.random.RandomState(0)
    first = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    table = Table.fit(first)
    shifted = first.assign(a=first["a"] + 10)  # the map stays that of the first chunk
    codes = table.codes(shifted)
    targets = table.split(table.encode(codes)[0])[1]
    assert table.decode(targets)["a"].max() == pytest.approx(first["a"].max())
    table.widen(codes)  # partial_fit's next chunk
    np.testing.assert_allclose(table.decode(targets)["a"], shifted["a"], rtol=1e-5)
    model = VAETransformer(**SMALL).partial_fit(first).partial_fit(shifted)
    assert np.isfinite(model.score_samples(first.assign(a=first["a"] + 20))).all()


def test_an_absurd_value_of_a_quantile_column_is_flagged_and_named():
    rng = np.random.RandomState(0)
    z = rng.normal(size=500)
    X = pd.DataFrame({"a": np.exp(z), "b": z + 0.2 * rng.normal(size=500),
                      "c": rng.normal(size=500)})
    detector = AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0).fit(X)
    assert detector.estimator_.column_types_["a"] == "quantile"
    absurd = X.iloc[:1].assign(a=X["a"].max() + 10 * (X["a"].max() - X["a"].min()))
    assert detector.score_pvalues(absurd)[0] < 0.01
    assert detector.feature_contributions(absurd).iloc[0].idxmax() == "a"


def test_zero_inflated_values_are_coded_by_a_map_of_the_positive_ones():
    rng = np.random.RandomState(0)
    gain = np.where(rng.rand(500) < 0.4, 0.0, rng.lognormal(7, 1, 500))
    table = Table.fit(pd.DataFrame({"gain": gain, "x": rng.normal(size=500)}))
    column = table.columns[0]
    assert table.types["gain"] == "zero-inflated" and column.knots[0] > 0
    positive = gain[gain > 0]
    scores = column.scalar(positive)
    assert abs(scores.mean()) < 0.05 and abs(scores.std() - 1) < 0.05
    assert np.isnan(column.scalar(np.array([0.0]))).all()  # the atom: no score
    np.testing.assert_allclose(column.unscalar(scores), positive, rtol=1e-9)
    # a state saved before the map was kept codes by the logarithm, as then
    state = table.to_state()
    for saved in state["columns"]:
        for key in ("knots", "scores", "ties", "low", "high"):
            del saved[key]
    old = Table.from_state(state).columns[0]
    assert old.saved_as_log and not column.saved_as_log
    np.testing.assert_allclose(old.scalar(positive), np.log(positive))
    np.testing.assert_allclose(old.unscalar(np.log(positive)), positive)
    np.testing.assert_allclose(old.log_scalar_slope(positive), np.log(positive))


def test_the_widest_tie_floors_the_scale_of_its_scores():
    # a price that the other column gives exactly, 9.99 (a price point) on a
    # fifth of the rows: the Gaussian of the scores would narrow on its cell
    x = np.random.RandomState(0).normal(size=2000)
    price = np.where((x > 0.2) & (x < 0.6), 9.99, np.round(np.exp(2 + x), 2))
    X = pd.DataFrame({"price": price, "x": x})
    table = Table.fit(X, {"price": "quantile"})
    column = table.columns[0]
    assert 9.99 in column.ties
    cell = np.searchsorted(column.knots, 9.99)
    width = column.scores[cell] - column.scores[cell - 1]
    assert column.widest_tie == pytest.approx(width)
    floor = table.scale_floors()[0]
    assert floor == pytest.approx(width / (np.sqrt(2 * np.pi) * column.scale))
    # the density at the tie, in the column's units, stays at most its whole
    # probability over its cell's width (without the floor: 16 times that)
    model = VAETransformer(random_state=0, column_types={"price": "quantile"}).fit(X)
    jacobian = -np.log(column.scale) - log_slope(np.array([9.99]), column.knots, column.scores)
    log_density = -model.score_features(X[X["price"] == 9.99])[:, 0] + jacobian
    cell_width = column.knots[cell] - column.knots[cell - 1]
    assert np.all(log_density <= -np.log(cell_width) + 1e-6)


def test_bounded_gaussian_draws_are_truncated_not_clipped():
    import torch

    from skvae._likelihoods import Gaussian

    gaussian = Gaussian(2)
    gaussian.set_bounds([-0.5, -np.inf], [np.inf, np.inf])
    params = torch.zeros(20_000, 2)
    draws = gaussian.sample(params, torch.Generator().manual_seed(0)).numpy()
    assert draws[:, 0].min() >= -0.5 and np.mean(draws[:, 0] == -0.5) < 1e-3
    truncated = norm.rvs(size=200_000, random_state=0)
    truncated = truncated[truncated >= -0.5]
    assert ks_2samp(draws[:, 0], truncated).statistic < 0.02
    assert draws[:, 1].min() < -3  # an unbounded column is drawn as before
    gaussian.set_bounds([-np.inf] * 2, [np.inf] * 2)
    assert gaussian.bounds is None


def test_a_tie_at_an_end_is_not_piled_on_and_a_dominant_tie_keeps_its_share():
    rng = np.random.default_rng(0)
    cap = rng.permutation(np.r_[np.full(360, 9.99), rng.uniform(0, 9.9, 2640)])
    X = pd.DataFrame({"x": cap, "o": rng.normal(size=3000)})
    drawn = VAETransformer(random_state=0).fit(X).sample(20_000, random_state=0)["x"]
    assert np.mean(drawn == 9.99) < 0.16  # 12% in the data; 17% when draws were clipped
    assert np.mean(drawn == drawn.min()) < 0.01  # nothing piles at the other end
    spike = rng.permutation(np.r_[np.full(1800, 5.0), rng.normal(5, 1, 200)])
    X = pd.DataFrame({"x": spike, "o": rng.normal(size=2000)})
    model = VAETransformer(random_state=0, column_types={"x": "quantile", "o": "real"})
    drawn = model.fit(X).sample(20_000, random_state=0)["x"]
    assert np.mean(drawn == 5.0) == pytest.approx(0.9, abs=0.1)  # 0.62 with a floor uncapped


@pytest.mark.parametrize("scale", [1e-310, 1e300])
def test_columns_of_extreme_magnitudes_keep_finite_scores(scale):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.uniform(0, 1, 300) * scale, "o": rng.normal(size=300)})
    model = VAETransformer(**SMALL).fit(X)
    assert model.column_types_["x"] == "quantile"
    assert np.isfinite(model.score_samples(X)).all()
    assert np.isfinite(model.sample(5, random_state=0)["x"]).all()
    wide = rng.uniform(-1, 1, 500) * 1.79e308
    knots, scores, ties = fit_normal_scores(wide)
    back = from_normal_scores(normal_scores(wide, knots, scores), knots, scores, ties)
    np.testing.assert_allclose(back, wide, rtol=1e-12)
    assert np.isfinite(log_slope(wide, knots, scores)).all()
