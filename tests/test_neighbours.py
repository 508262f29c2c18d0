"""The detector's neighbour distance: coding, nearest neighbours, contributions."""

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics.pairwise import nan_euclidean_distances
from sklearn.neighbors import NearestNeighbors

from skvae._neighbours import (
    code_rows,
    column_widths,
    contributions,
    fit_coding,
    nearest_neighbours,
)


def _rows(n=60, d=4, seed=0):
    return np.random.RandomState(seed).normal(size=(n, d))


@pytest.mark.parametrize("k", [1, 3, 5])
def test_nearest_neighbours_are_scikit_learns(k):
    reference, rows = _rows(), _rows(10, seed=1)
    distances, index = nearest_neighbours(rows, reference, k)
    assert distances.shape == index.shape == (10, k)
    expected_d, expected_i = NearestNeighbors(n_neighbors=k).fit(reference).kneighbors(rows)
    np.testing.assert_allclose(distances, expected_d)
    np.testing.assert_array_equal(index, expected_i)
    own, own_index = nearest_neighbours(reference, reference, k, leave_self_out=True)
    expected_d, expected_i = NearestNeighbors(n_neighbors=k).fit(reference).kneighbors()
    np.testing.assert_allclose(own, expected_d)
    assert (own_index != np.arange(reference.shape[0])[:, None]).all()


@pytest.mark.parametrize("leave_self_out", [False, True])
def test_nearest_neighbours_with_missing_values_leave_them_out(leave_self_out):
    reference = _rows()
    reference[::3, 1] = np.nan
    rows = reference if leave_self_out else _rows(10, seed=1)
    if not leave_self_out:
        rows[::2, 0] = np.nan
    distances, index = nearest_neighbours(rows, reference, 3, leave_self_out=leave_self_out)
    every = nan_euclidean_distances(rows, reference)
    if leave_self_out:
        np.fill_diagonal(every, np.inf)
    expected = np.sort(every, axis=1)[:, :3]  # nearest first
    np.testing.assert_allclose(distances, expected)
    np.testing.assert_allclose(np.take_along_axis(every, index, axis=1), expected)


def test_a_row_sharing_no_coordinate_with_the_reference_has_no_distance():
    reference = np.c_[_rows(20, 1), np.full(20, np.nan)]
    rows = np.array([[np.nan, 1.0], [0.5, np.nan]])
    distances, _ = nearest_neighbours(rows, reference, 1)
    assert np.isnan(distances[0, 0]) and np.isfinite(distances[1, 0])


def test_contributions_share_out_the_mean_distance():
    reference, rows = _rows(), _rows(10, seed=1)
    rows[::2, 2] = np.nan
    distances, index = nearest_neighbours(rows, reference, 3)
    shares = contributions(rows, reference, index, distances, [1, 2, 1])
    assert shares.shape == (10, 3)
    np.testing.assert_allclose(shares.sum(axis=1), distances.mean(axis=1))
    assert (shares >= 0).all()
    # the missing coordinate is one of column 1's two: it adds nothing
    each = np.square(rows[0] - reference[index[0]]) * 4 / 3 / distances[0][:, None]
    np.testing.assert_allclose(
        shares[0], [each[:, 0].mean(), each[:, 1].mean(), each[:, 3].mean()])
    # one neighbour: its share of its own distance
    alone = contributions(rows, reference, index[:, -1:], distances[:, -1:], [1, 2, 1])
    np.testing.assert_allclose(alone.sum(axis=1), distances[:, -1])


def test_a_row_with_fewer_than_k_neighbours_sharing_a_value_has_no_shares():
    reference = _rows(20, 2)
    reference[3:, 0] = np.nan  # three rows share column 0 with the row
    rows = np.array([[0.5, np.nan], [0.5, 0.5]])
    distances, index = nearest_neighbours(rows, reference, 5)
    assert np.isfinite(distances[0, :3]).all() and np.isnan(distances[0, 3:]).all()
    assert np.isfinite(distances[1]).all()
    shares = contributions(rows, reference, index, distances, [1, 1])
    np.testing.assert_array_equal(shares[0], 0.0)
    np.testing.assert_allclose(shares[1].sum(), distances[1].mean())


def test_a_frame_is_coded_as_standardised_numbers_and_one_hot_labels():
    X = pd.DataFrame({
        "x": [1.0, 2.0, 3.0, np.nan],
        "n": pd.Series([1, 1, 3, pd.NA], dtype="Int64"),
        "flag": [True, False, True, False],
        "colour": pd.Categorical(["red", "blue", None, "red"]),
        "size": pd.Categorical(["S", "L", "M", "S"], categories=["S", "M", "L"],
                               ordered=True),
        "word": pd.Series(["a", "b", "a", None], dtype="string"),
    })
    coding = fit_coding(X)
    assert [c[0] for c in coding] == ["number"] * 3 + ["labels", "levels", "labels"]
    assert coding[3][1] == ["blue", "red"] and coding[5][1] == ["a", "b"]
    assert column_widths(coding) == [1, 1, 1, 2, 1, 2]
    rows = code_rows(X, coding)
    assert rows.shape == (4, 8)
    np.testing.assert_allclose(rows[:3, 0], [-math.sqrt(1.5), 0.0, math.sqrt(1.5)])
    assert np.isnan(rows[3, 0]) and np.isnan(rows[3, 1]) and np.isnan(rows[2, 3:5]).all()
    np.testing.assert_allclose(rows[0, 3:5], [0.0, 1 / math.sqrt(2)])
    # two rows of different classes differ by 1 in that column
    assert np.linalg.norm(rows[0, 3:5] - rows[1, 3:5]) == pytest.approx(1.0)
    # an ordered category is coded by its levels, S < M < L
    assert rows[0, 5] < rows[2, 5] < rows[1, 5]
    unseen = code_rows(X.assign(colour=pd.Categorical(["green"] * 4)), coding)
    np.testing.assert_array_equal(unseen[:, 3:5], 0.0)


def test_an_array_is_standardised_and_a_constant_column_kept_whole():
    X = np.c_[_rows(50, 2), np.full(50, 3.0)]
    rows = code_rows(X, fit_coding(X))
    np.testing.assert_allclose(rows[:, :2].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(rows[:, :2].std(axis=0), 1.0)
    np.testing.assert_array_equal(rows[:, 2], 0.0)


def test_missing_values_are_searched_a_block_at_a_time(monkeypatch):
    import skvae._neighbours as neighbours

    reference = _rows()
    reference[::4, 2] = np.nan
    whole = nearest_neighbours(reference, reference, 3, leave_self_out=True)
    monkeypatch.setattr(neighbours, "_BLOCK", 7 * reference.shape[0])  # 7 rows a block
    blocks = nearest_neighbours(reference, reference, 3, leave_self_out=True)
    np.testing.assert_allclose(blocks[0], whole[0])
    np.testing.assert_array_equal(blocks[1], whole[1])
    assert (blocks[1] != np.arange(reference.shape[0])[:, None]).all()


def test_an_ordered_column_is_coded_by_the_levels_of_fit():
    sizes = ["S", "L", "M", "S"]
    X = pd.DataFrame({"size": pd.Categorical(sizes, categories=["S", "M", "L"], ordered=True)})
    coding = fit_coding(X)
    assert coding[0][:2] == ("levels", ["S", "M", "L"])
    expected = code_rows(X, coding)
    for other in (
        pd.Categorical(sizes, categories=["XS", "S", "M", "L"], ordered=True),
        pd.Categorical(sizes, categories=["L", "S", "M"], ordered=True),
        pd.Series(sizes, dtype=object),
        pd.Series(sizes, dtype="string"),
    ):
        np.testing.assert_array_equal(code_rows(pd.DataFrame({"size": other}), coding), expected)


def test_the_models_types_decide_how_a_column_is_coded():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({
        "amount": pd.Series(rng.normal(size=40)).astype(object),  # numbers in an object column
        "zip": rng.choice([1000, 2000, 3000], size=40),
    })
    coding = fit_coding(X, types={"amount": "real", "zip": "categorical"},
                        categories={"zip": [1000, 2000, 3000]})
    assert coding[0][0] == "number" and coding[1] == ("labels", [1000, 2000, 3000])
    rows = code_rows(X, coding)
    assert rows.shape == (40, 4)
    np.testing.assert_allclose(rows[:, 0].std(), 1.0)
    # an array's column declared categorical, by position
    array = X.to_numpy(dtype=np.float64)
    coded = code_rows(array, fit_coding(array, types={1: "categorical"},
                                       categories={1: [1000.0, 2000.0, 3000.0]}))
    np.testing.assert_allclose(coded, rows)


def test_a_constant_column_is_scaled_as_the_models_scale_it():
    # np.std of 1,000 copies of 0.1 is 1.4e-17, not 0: as a scale it would put
    # a new row with 0.2 there 7e15 standard deviations away
    X = np.c_[_rows(1000, 1), np.full(1000, 0.1)]
    coding = fit_coding(X)
    assert coding[1][2] == 1.0
    np.testing.assert_allclose(code_rows(np.array([[0.0, 0.2]]), coding)[0, 1], 0.1)
