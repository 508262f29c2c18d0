"""The table layer: type rules, coding, decoding and their errors."""

import datetime

import numpy as np
import pandas as pd
import pytest

from skvae._column_types import grid_step
from skvae._columns import TYPES, Table
from skvae._type_rules import infer_type
from skvae._utils import RunningMoments


def _frame(n=40, seed=0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame(
        {
            "real": rng.normal(size=n),
            "float32": rng.normal(size=n).astype(np.float32),
            "nullable": pd.array(rng.normal(size=n), dtype="Float64"),
            "count": rng.poisson(3.0, size=n),
            "Int": pd.array(rng.poisson(5.0, size=n), dtype="Int64"),
            "year": rng.randint(2000, 2010, size=n),
            "flag": rng.rand(n) > 0.5,
            "boolean": pd.array(rng.rand(n) > 0.5, dtype="boolean"),
            "zero_one": rng.randint(0, 2, size=n).astype(np.int8),
            "colour": pd.Categorical(rng.choice(["red", "green", "blue"], n)),
            "size": pd.Categorical(
                rng.choice(["S", "M", "L"], n), categories=["S", "M", "L"], ordered=True
            ),
            "city": rng.choice(["paris", "rome", "oslo"], n).astype(object),
            "yes_no": pd.array(rng.choice(["yes", "no"], n), dtype="string"),
        }
    )


EXPECTED = {
    "real": "quantile", "float32": "quantile", "nullable": "quantile", "count": "count",
    "Int": "count", "year": "real", "flag": "binary", "boolean": "binary",
    "zero_one": "binary", "colour": "categorical", "size": "ordinal",
    "city": "categorical", "yes_no": "binary",
}


@pytest.mark.parametrize("name", EXPECTED)
def test_types_are_inferred_from_dtypes_and_values(name):
    assert infer_type(_frame()[name]) == EXPECTED[name]


def test_object_column_of_numbers_is_typed_as_numbers():
    assert infer_type(pd.Series([1.5, 2.0, 3.5, None], dtype=object)) == "quantile"
    assert infer_type(pd.Series([1.5, 2.0, None], dtype=object)) == "real"  # two values
    assert infer_type(pd.Series([0, 1, 1, None], dtype=object)) == "binary"


@pytest.mark.parametrize(
    "values, match",
    [
        (pd.Series(pd.date_range("2024-01-01", periods=5)), "datetime64"),
        (pd.Series(pd.to_timedelta([1, 2, 3], unit="D")), "timedelta64"),
        (pd.Series([1 + 1j, 2j]), "complex128"),
        (pd.Series(pd.period_range("2024-01", periods=3, freq="M")), "period"),
        (pd.Series([f"text {i}" for i in range(300)]), "looks like free text"),
    ],
)
def test_what_cannot_be_modelled_is_refused_by_name(values, match):
    with pytest.raises(ValueError, match=f"Column 'x' .*{match}"):
        infer_type(values.rename("x"))


def test_round_trip_keeps_values_dtypes_and_categories():
    X = _frame()
    X.iloc[::5, 0] = np.nan
    X.iloc[::4, 9] = np.nan
    X.iloc[::3, 11] = None
    X.iloc[::6, 4] = pd.NA
    table = Table.fit(X)
    data, mask, n_clipped = table.encode(table.codes(X))
    assert data.dtype == np.float32 and n_clipped == 0
    assert data.shape == (len(X), table.width)
    assert mask.shape == (len(X), len(EXPECTED))
    _, targets = table.split(data)
    out = table.decode(targets)
    assert list(out.columns) == list(X.columns)
    for name in X.columns:
        assert out[name].dtype == X[name].dtype, name
        observed = X[name].notna().to_numpy()
        if X[name].dtype.kind == "f" or str(X[name].dtype) == "Float64":
            np.testing.assert_allclose(
                out[name][observed].astype(float), X[name][observed].astype(float),
                rtol=1e-5, atol=1e-5,
            )
        else:
            assert (out[name][observed].to_numpy() == X[name][observed].to_numpy()).all()
    assert list(out["colour"].cat.categories) == list(X["colour"].cat.categories)
    assert out["size"].cat.ordered


def test_each_type_says_how_it_is_coded():
    # the table's rules ask these questions of a type, not its name
    def having(question):
        return {name for name, kind in TYPES.items() if question(kind)}

    assert list(TYPES) == ["real", "quantile", "positive", "signed-log", "spiked",
                           "zero-inflated", "count", "spiked-count", "binary", "categorical",
                           "ordinal"]
    assert having(lambda k: k.likelihood == "gaussian") == {
        "real", "quantile", "positive", "signed-log", "spiked", "zero-inflated"}
    assert having(lambda k: k.quantile_coded) == {"quantile", "zero-inflated"}
    assert having(lambda k: not k.standardised) == {"binary", "categorical"}
    assert having(lambda k: k.bounded_below) == {
        "positive", "zero-inflated", "count", "spiked-count"}
    assert having(lambda k: k.log_coded) == {"positive", "signed-log", "count", "spiked-count"}
    assert having(lambda k: k.point_mass) == {"spiked", "zero-inflated", "spiked-count"}
    assert having(lambda k: k.discrete) == {
        "count", "spiked-count", "binary", "categorical", "ordinal"}
    assert having(lambda k: k.labels) == {"binary", "categorical", "ordinal"}
    assert having(lambda k: k.classes) == {"categorical", "ordinal"}
    assert having(lambda k: k.one_hot) == {"categorical"}


def test_targets_are_grouped_by_likelihood_and_inputs_keep_the_order():
    table = Table.fit(_frame())
    assert [name for name, _ in table.groups] == [
        "gaussian", "bernoulli", "categorical", "ordinal", "count"
    ]
    names = [table.columns[j].name for j in table.order]
    assert names[:4] == ["real", "float32", "nullable", "year"]
    assert table.n_inputs == len(EXPECTED) + 2 + 2  # colour and city one-hot
    assert not table.shared


def test_an_array_of_reals_is_its_own_code():
    X = np.random.RandomState(0).normal(size=(20, 3))
    table = Table.fit(X)
    assert table.shared and table.codes(X) is X
    data, mask, _ = table.encode(X)
    assert mask is None and data.shape == (20, 3)
    np.testing.assert_allclose(data, (X - X.mean(0)) / X.std(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(table.decode(data), X, rtol=1e-5, atol=1e-6)


def test_positive_columns_are_log_normal_with_their_jacobian():
    x = np.array([0.0, 1.0, 3.0, 10.0, np.nan])
    table = Table.fit(pd.DataFrame({"p": x}), types={"p": "positive"})
    column = table.columns[0]
    assert column.offset == pytest.approx(np.nanmean(x))
    y = np.log1p(x / column.offset)
    assert column.mean == pytest.approx(np.nanmean(y))
    codes = table.codes(pd.DataFrame({"p": x}))
    expected = -np.log(column.scale) - np.log(column.offset + x)
    np.testing.assert_allclose(table.log_jacobian(codes)[:4], expected[:4])
    assert table.log_jacobian(codes)[4] == 0.0


@pytest.mark.parametrize("kind", ["positive", "zero-inflated", "signed-log", "quantile"])
def test_decoded_values_of_a_mapped_column_stay_in_the_range_of_fit(kind):
    x = np.array([0.0, 0.0, 0.5, 1.0, 3.0, 10.0, np.nan])
    if kind == "signed-log":
        x[:2] = [-4.0, -0.2]
    X = pd.DataFrame({"v": x, "r": np.arange(7.0)})
    table = Table.fit(X, types={"v": kind, "r": "real"})
    seen = x[~np.isnan(x) & ((x != 0) if kind == "zero-inflated" else True)]
    targets = table.split(table.encode(table.codes(X))[0])[1]
    for far in (60.0, -60.0):  # standardised locations far past the data
        beyond = np.where(table.indicator, 0.0, far) * np.ones_like(targets)
        values = table.decode(beyond)["v"].to_numpy()
        np.testing.assert_allclose(values, seen.max() if far > 0 else seen.min(),
                                   rtol=1e-9, atol=1e-12)
        real = X["r"].mean() + far * X["r"].std(ddof=0)  # a real column is not bounded
        np.testing.assert_allclose(table.decode(beyond)["r"], real)
    # the range is saved with the table; a state saved without it decodes unbounded
    state = table.to_state()
    assert Table.from_state(state).columns[0].high == table.columns[0].high
    for column in state["columns"]:
        del column["low"], column["high"]
    above = np.where(table.indicator, 0.0, 60.0) * np.ones_like(targets)
    assert Table.from_state(state).decode(above)["v"].max() > 10 * seen.max()


def test_a_column_with_nothing_observed_is_coded_missing():
    X = np.column_stack([np.arange(6.0), np.full(6, np.nan)])
    table = Table.fit(X)
    assert table.unobserved == [1] and table.affine() is None
    codes = table.codes(np.array([[1.0, 5.0]]))
    np.testing.assert_array_equal(codes, [[1.0, np.nan]])
    state = table.to_state()
    assert Table.from_state(state).unobserved == [1]
    for column in state["columns"]:  # a state saved before the mark: all observed
        del column["observed"]
    assert Table.from_state(state).unobserved == []


def test_partial_fit_widens_the_decoding_range_chunk_by_chunk():
    from skvae import VAETransformer

    amounts = np.random.RandomState(0).lognormal(0.0, 1.0, 400)
    X = pd.DataFrame({"amount": amounts, "r": np.arange(400.0)})
    model = VAETransformer(column_types={"amount": "positive"}, hidden_layer_sizes=(8,),
                           max_iter=1, random_state=0)
    for start in range(0, 400, 100):
        model.partial_fit(X.iloc[start:start + 100])
    column = model._table.columns[0]
    assert column.high == pytest.approx(np.log1p(amounts.max() / column.offset))
    assert column.low == pytest.approx(np.log1p(amounts.min() / column.offset))
    assert amounts[:100].max() < amounts.max()  # the first chunk alone is narrower


def test_declared_types_override_the_rules():
    X = pd.DataFrame({"code": [1, 2, 3, 2, 1], "grade": [0, 1, 2, 2, 1]})
    table = Table.fit(X, types={"code": "categorical", "grade": "ordinal"})
    assert table.types == {"code": "categorical", "grade": "ordinal"}
    assert table.columns[0].categories == [1, 2, 3]
    out = table.decode(table.split(table.encode(table.codes(X))[0])[1])
    assert out["code"].dtype == X["code"].dtype
    assert out["code"].tolist() == X["code"].tolist()


@pytest.mark.parametrize(
    "types, match",
    [
        ({"nope": "real"}, r"column_types names \['nope'\]"),
        ({"a": "text"}, "gives column 'a' the type 'text'; the types are"),
        ({"a": "count"}, "Column 'a' is count and cannot hold negative values"),
        ({"a": "positive"}, "Column 'a' is positive and cannot hold negative"),
        ({"a": "binary"}, r"Column 'a' is binary and needs data in \[0, 1\]"),
    ],
)
def test_bad_column_types_are_refused(types, match):
    X = pd.DataFrame({"a": [-1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=match):
        Table.fit(X, types=types)


def test_a_positive_column_takes_new_values_above_minus_its_offset():
    table = Table.fit(pd.DataFrame({"a": [1.0, 2.0, 3.0]}), types={"a": "positive"})
    assert table.columns[0].offset == 2.0  # log1p(x / 2): defined above -2
    assert np.isfinite(table.codes(pd.DataFrame({"a": [-1.5, 0.0]}))).all()
    with pytest.raises(ValueError, match=r"Column 'a' is positive, modelled as "
                       r"log1p\(x / 2\), which needs values above -2; got -2\."):
        table.codes(pd.DataFrame({"a": [-2.0]}))


def test_unknown_category_is_refused_by_name():
    table = Table.fit(pd.DataFrame({"city": ["paris", "rome", "paris"]}))
    with pytest.raises(ValueError, match="Column 'city' holds 'oslo', a category not seen"):
        table.codes(pd.DataFrame({"city": ["oslo"]}))


def test_labels_in_a_numeric_column_are_refused():
    table = Table.fit(pd.DataFrame({"a": [1.0, 2.0, 3.0]}))
    with pytest.raises(ValueError, match="Column 'a' must hold numbers"):
        table.codes(pd.DataFrame({"a": ["x", "y", "z"]}))
    # numbers in a category dtype: the advice is to convert them
    with pytest.raises(ValueError, match=r"convert it with X\['a'\]\.astype\(float\)"):
        table.codes(pd.DataFrame({"a": pd.Categorical([1.0, 2.0, 3.0])}))


def test_infinity_in_a_dataframe_is_refused():
    table = Table.fit(pd.DataFrame({"a": [1.0, 2.0, 3.0]}))
    with pytest.raises(ValueError, match="Column 'a' contains infinity"):
        table.codes(pd.DataFrame({"a": [1.0, np.inf, 3.0]}))


def test_every_type_is_documented():
    import skvae._columns as columns

    for kind in TYPES:
        assert f"\n{kind} " in columns.__doc__


def test_heavy_tailed_is_a_long_right_tail_of_non_negative_values():
    from skvae._type_rules import is_heavy_tailed

    rng = np.random.RandomState(0)
    tail = rng.lognormal(sigma=1.5, size=1000)
    assert is_heavy_tailed(tail)
    # whatever the magnitude, missing values aside
    assert is_heavy_tailed(tail * 1e-300) and is_heavy_tailed(tail * 1e300)
    assert is_heavy_tailed(np.r_[tail, np.nan])
    assert not is_heavy_tailed(rng.exponential(size=1000))  # skewness 2
    assert not is_heavy_tailed(rng.normal(size=1000))
    assert not is_heavy_tailed(np.r_[tail, -1e-3])  # a negative value
    assert not is_heavy_tailed(np.r_[np.zeros(999), 1.0])  # two values: binary
    spike = np.r_[np.zeros(600), tail[:400]]  # mostly at its minimum
    assert not is_heavy_tailed(spike) and is_heavy_tailed(np.r_[np.zeros(400), tail])
    assert not is_heavy_tailed(np.array([np.nan, 1.0, 2.0]))


# --------------------------------------------- labels, dates, lists, no values
def test_strings_that_spell_numbers_are_labels_given_back_as_written():
    X = pd.DataFrame({"s": pd.Series(["1.5", "2", None, "2", "10"] * 4, dtype=object)})
    table = Table.fit(X)
    assert table.types == {"s": "categorical"}
    assert table.columns[0].categories == ["1.5", "10", "2"]
    out = table.decode(table.split(table.encode(table.codes(X))[0])[1])
    assert out["s"].dtype == object
    observed = X["s"].notna()
    assert out["s"][observed].tolist() == X["s"][observed].tolist()
    # the string dtype too
    assert infer_type(pd.Series(["1", "2", "3"], dtype="string")) == "categorical"


def test_strings_declared_numbers_are_refused():
    X = pd.DataFrame({"s": ["1.5", "2", "3"]})
    with pytest.raises(ValueError, match="declares column 's' real, but it holds string"):
        Table.fit(X, types={"s": "real"})
    table = Table.fit(pd.DataFrame({"s": [1.5, 2.0, 3.0]}))
    with pytest.raises(ValueError, match="Column 's' must hold numbers.*pd.to_numeric"):
        table.codes(X)


def test_categories_declared_numbers_are_refused():
    X = pd.DataFrame({"c": pd.Categorical([1.0, 2.0, 3.0])})
    with pytest.raises(ValueError, match="declares column 'c' count, but it has a category"):
        Table.fit(X, types={"c": "count"})


@pytest.mark.parametrize(
    "values, what",
    [
        ([datetime.date(2024, 1, d) for d in (1, 2, 3)], "holds dates"),
        ([datetime.datetime(2024, 1, d, 5) for d in (1, 2, 3)], "holds dates and times"),
        ([datetime.time(d) for d in (1, 2, 3)], "holds times of day"),
        ([datetime.timedelta(days=d) for d in (1, 2, 3)], "holds durations"),
        (list(pd.date_range("2024-01-01", periods=3, tz="Europe/Paris")),
         r"has dtype datetime64\[.*Europe/Paris\]"),
    ],
)
def test_dates_are_refused_unless_declared_labels(values, what):
    X = pd.DataFrame({"w": pd.Series(values * 4, dtype=object)})
    if what.startswith("has dtype"):
        X["w"] = pd.Series(values * 4)
    with pytest.raises(ValueError, match=f"Column 'w' {what}.*declaring it categorical"):
        Table.fit(X)
    table = Table.fit(X, types={"w": "categorical"})
    out = table.decode(table.split(table.encode(table.codes(X))[0])[1])
    assert out["w"].dtype == X["w"].dtype
    assert out["w"].tolist() == X["w"].tolist()


@pytest.mark.parametrize("declared", [None, "categorical", "real"])
def test_lists_are_refused_by_name(declared):
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "l": [[1, 2], [3], None]})
    with pytest.raises(ValueError, match="Column 'l' holds list values"):
        Table.fit(X, types=None if declared is None else {"l": declared})
    table = Table.fit(pd.DataFrame({"a": [1.0, 2.0, 3.0], "l": ["x", "y", "x"]}))
    with pytest.raises(ValueError, match="Column 'l' holds list values"):
        table.codes(X)


@pytest.mark.parametrize("declared", [None, "categorical", "real"])
def test_a_column_of_labels_with_no_value_is_refused_by_name(declared):
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "n": pd.Series([None] * 3, dtype=object)})
    with pytest.raises(ValueError, match="Column 'n' has no observed value.*Drop it"):
        Table.fit(X, types=None if declared is None else {"n": declared})
    X["n"] = pd.Categorical([None] * 3)
    with pytest.raises(ValueError, match="Column 'n' has a category dtype without"):
        Table.fit(X)


def test_a_numeric_column_with_no_value_is_modelled():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "n": pd.array([None] * 3, dtype="Int64")})
    assert Table.fit(X).types == {"a": "quantile", "n": "real"}


# ------------------------------------------------------ decoding into dtypes
@pytest.mark.parametrize("dtype", ["int64", "Int64", "uint64", "int8", "uint8", "UInt8",
                                   "float32"])
def test_decoded_values_stay_inside_their_dtype(dtype):
    X = pd.DataFrame({"i": pd.Series([0, 1, 3, 5]).astype(dtype)})
    table = Table.fit(X, types={"i": "real"})
    out = table.decode(np.array([[1e300], [-1e300], [0.0]]))
    assert out["i"].dtype == X["i"].dtype
    info = (np.finfo if dtype == "float32" else np.iinfo)(
        getattr(X["i"].dtype, "numpy_dtype", X["i"].dtype))
    values = out["i"].to_numpy(dtype=np.float64)
    # the largest values near the top of the range, the lowest at its bottom
    assert values[0] >= 0.99 * float(info.max) and values[1] == float(info.min)
    assert values[0] > values[2] >= values[1]


def test_non_finite_decoded_values_are_refused_by_name():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "i": [1, 2, 3]})
    table = Table.fit(X, types={"i": "real"})
    with pytest.raises(ValueError, match="non-finite value in column 'i' .*row 1"):
        table.decode(np.array([[0.0, 0.0], [0.0, np.nan]]))


def test_counts_of_an_object_column_come_back_whole():
    X = pd.DataFrame({"n": pd.Series([0, 3, 1, 7, 2, 9], dtype=object)})
    table = Table.fit(X)
    assert table.types == {"n": "count"}
    out = table.decode(table.split(table.encode(table.codes(X))[0])[1])
    assert out["n"].dtype == object
    assert all(type(v) is int for v in out["n"]) and out["n"].tolist() == X["n"].tolist()


def test_integers_of_an_object_column_typed_real_come_back_whole():
    # negative integers are typed real; their decoded values were floats
    X = pd.DataFrame({"n": pd.Series([-3, 0, 2, None, -1, 4], dtype=object),
                      "f": pd.Series([0.5, 1.0, 2.0, 3.0, None, 1.5], dtype=object)})
    table = Table.fit(X)
    assert table.types == {"n": "real", "f": "quantile"}
    targets = np.array([[-2.6, 0.3], [0.4, 1.2]])  # standardised codes
    out = table.decode(targets)
    assert all(type(v) is int for v in out["n"])
    assert all(isinstance(v, float) for v in out["f"])
    old = table.to_state()  # saved before the flag was kept
    for column in old["columns"]:
        del column["whole"]
    assert not any(c.whole for c in Table.from_state(old).columns)
    assert Table.from_state(table.to_state()).decode(targets)["n"].tolist() == out["n"].tolist()
    # beyond int64 too, as Python's integers hold them
    big = pd.DataFrame({"n": pd.Series([3 * 10**19, 5 * 10**19, 9 * 10**19], dtype=object)})
    decoded = Table.fit(big).decode(np.array([[-1.0], [0.0], [1.0]]))["n"].tolist()
    assert all(type(v) is int for v in decoded) and decoded[0] < decoded[1] < decoded[2]
    assert abs(decoded[1] - 17 * 10**19 // 3) < 2**14  # the mean, to float64's precision


# ------------------------------------------------------------ grids, floors
@pytest.mark.parametrize(
    "values, step",
    [
        (np.array([0.0, 3.0, 1.0, 2.0, 2.0, np.nan]), 1.0),
        (np.arange(17) / 16, 1 / 16),
        (np.array([0.0, 0.25, 0.25, 1.0]), 0.25),
        (np.array([5.0, 5.0, np.nan]), 0.0),
        (np.array([np.nan, np.nan]), 0.0),
    ],
)
def test_grid_step(values, step):
    assert grid_step(values) == pytest.approx(step)


def test_grid_step_reads_the_first_finite_values():
    assert grid_step(np.array([0.0, 2.0, 3.0, 3.5]), n_max=3) == 1.0
    assert grid_step(np.array([np.nan, 0.0, 2.0, 3.0, 3.5]), n_max=3) == 1.0
    assert grid_step(np.array([0.0, np.nan, 2.0, 3.0, 3.5]), n_max=3) == 1.0


@pytest.mark.parametrize("chunk", [4, 1000])
def test_running_moments_with_and_without_missing_values(chunk):
    X = np.random.RandomState(0).normal(3.0, 2.0, size=(30, 3))
    X_missing = X.copy()
    X_missing[[2, 17], 1] = np.nan
    full = RunningMoments(3).update(X, chunk=chunk)
    np.testing.assert_allclose(full.count, 30)
    np.testing.assert_array_equal(full.low, X.min(axis=0))
    np.testing.assert_array_equal(full.high, X.max(axis=0))
    np.testing.assert_allclose(full.statistics()[0], X.mean(axis=0))
    np.testing.assert_allclose(full.statistics()[1], X.std(axis=0))
    partial = RunningMoments(3).update(X_missing, chunk=chunk)
    np.testing.assert_allclose(partial.count, [30, 28, 30])
    np.testing.assert_allclose(partial.statistics()[0], np.nanmean(X_missing, axis=0))
    np.testing.assert_allclose(partial.statistics()[1], np.nanstd(X_missing, axis=0))
    np.testing.assert_array_equal(partial.low, np.nanmin(X_missing, axis=0))
    np.testing.assert_array_equal(partial.high, np.nanmax(X_missing, axis=0))


@pytest.mark.parametrize("factor", [1e-300, 2.0**-1000, 1e300, 2.0**1000])
def test_running_moments_of_values_whose_squares_leave_float64(factor):
    X = np.random.RandomState(0).normal(3.0, 2.0, size=(30, 2))
    X[5, 1] = np.nan
    # the magnitudes grow from chunk to chunk, the units with them
    grown = X * np.r_[np.full(10, 1.0), np.full(20, 4.0)][:, None]
    for data, chunk in ((X, 1000), (X, 7), (grown, 10)):
        expected = RunningMoments(2).update(data, chunk=chunk).statistics()
        mean, scale = RunningMoments(2).update(data * factor, chunk=chunk).statistics()
        np.testing.assert_allclose(mean, expected[0] * factor, rtol=1e-12)
        np.testing.assert_allclose(scale, expected[1] * factor, rtol=1e-12)
    np.testing.assert_allclose(scale / factor, np.nanstd(grown, axis=0), rtol=1e-12)


def test_running_moments_of_subnormal_values_give_a_positive_scale():
    # their spread rounds to a scale of 0: the column counts as constant
    for values in ([5e-324, 1e-323], [0.0, 5e-324]):
        mean, scale = RunningMoments(1).update(np.array(values)[:, None]).statistics()
        assert scale[0] == 1.0 and np.isfinite(mean[0])


def test_continuous_values_have_a_negligible_grid_step():
    values = np.random.RandomState(0).normal(size=2000)
    assert 0 < grid_step(values) < 1e-4 * values.std()


def test_scale_floors_of_grid_columns_in_standardised_units():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({
        "pixel": np.where(rng.rand(300) < 0.02, 0.5, 0.0),  # almost always 0, step 0.5
        "real": rng.normal(size=300),
        "visits": pd.array(rng.poisson(3.0, 300), dtype="Int64"),  # counts: no Gaussian
        "income": rng.lognormal(size=300).round(2),  # positive: no floor
        "year": rng.randint(2000, 2010, 300),  # integers typed real, step 1
    })
    table = Table.fit(X, {"income": "positive", "real": "real"})
    assert table.types["year"] == "real"
    pixel, real, year = (table.columns[j] for j in (0, 1, 4))
    assert pixel.resolution == 0.5 and year.resolution == 1.0
    floors = table.scale_floors()  # the Gaussian targets: pixel, real, income, year
    assert floors.shape == (4,)
    root = np.sqrt(2 * np.pi)
    np.testing.assert_allclose(floors[[0, 3]], [0.5 / (root * pixel.scale),
                                                1.0 / (root * year.scale)])
    assert floors[1] < 1e-3 and floors[2] == 0.0
    restored = Table.from_state(table.to_state())
    np.testing.assert_array_equal(restored.scale_floors(), floors)
    old = table.to_state()  # a file saved before grids were recorded
    for column in old["columns"]:
        del column["resolution"]
    assert not Table.from_state(old).scale_floors().any()


@pytest.mark.parametrize("lam, n", [(2.0, 40), (3.0, 150), (50.0, 150), (10.0, 2000)])
def test_a_poisson_column_is_a_count_whatever_the_sample(lam, n):
    # a Poisson's variance equals its mean: a rule at variance >= mean typed
    # half of such samples real
    types = {
        infer_type(pd.Series(np.random.RandomState(seed).poisson(lam, n)))
        for seed in range(100)
    }
    assert types == {"count"}


def test_integers_too_large_for_a_count_are_real_and_cannot_be_declared_count():
    # nanosecond timestamps: a count's log-gamma differences lose every digit
    # there, and gave scores of thousands of nats above 0
    rng = np.random.RandomState(0)
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.uniform(0, 365, 300), unit="D")
    X = pd.DataFrame({"ts": stamps.astype("int64"), "x": rng.normal(size=300)})
    assert infer_type(X["ts"]) == "real"
    assert infer_type(pd.Series(rng.poisson(3, 300) * 10**10)) == "count"
    assert Table.fit(X).types["ts"] == "real"
    with pytest.raises(ValueError, match="'ts' is count, but holds 1.7.*e\\+18.*real"):
        Table.fit(X, {"ts": "count"})
    # a later chunk of training data too (partial_fit, fit_chunks), not new rows
    table = Table.fit(pd.DataFrame({"n": pd.array([0, 3, 1, 7, 2], dtype="Int64")}))
    chunk = pd.DataFrame({"n": pd.array([2, 10**15], dtype="Int64")})
    with pytest.raises(ValueError, match="'n' is count, but holds 1e\\+15"):
        table.widen(table.codes(chunk))
    assert table.codes(chunk)[1, 0] == 10**15


def test_a_positive_column_trains_on_non_negative_values_in_every_chunk():
    from skvae import VAETransformer, fit_chunks

    table = Table.fit(pd.DataFrame({"a": [1.0, 2.0, 3.0]}), types={"a": "positive"})
    refunds = pd.DataFrame({"a": [2.0, -1.5]})  # above -offset: a new row may hold it
    assert np.isfinite(table.codes(refunds)).all()
    with pytest.raises(ValueError, match="'a' is positive and cannot hold negative values "
                       "in the data it trains on, got -1.5"):
        table.widen(table.codes(refunds))
    first = pd.DataFrame({"a": np.exp(np.random.RandomState(0).normal(size=50))})
    model = VAETransformer(column_types={"a": "positive"}, max_iter=2).partial_fit(first)
    with pytest.raises(ValueError, match="cannot hold negative values in the data"):
        model.partial_fit(pd.concat([first, refunds]))
    with pytest.raises(ValueError, match="Chunk 1 of X: Column 'a' is positive"):
        fit_chunks(VAETransformer(column_types={"a": "positive"}, max_iter=1),
                   [first, pd.concat([first, refunds])])


@pytest.mark.parametrize(
    "values",
    [
        np.random.RandomState(0).randint(2000, 2010, 300),  # years
        np.random.RandomState(0).randint(1, 6, 300),  # ratings on a 1-5 scale
        np.random.RandomState(0).binomial(10, 0.5, 300),  # under-dispersed
    ],
    ids=["years", "ratings", "binomial"],
)
def test_integers_clearly_under_dispersed_are_real(values):
    assert infer_type(pd.Series(values)) == "real"
