"""Distances of rows to their nearest training rows, for the detector.

:func:`fit_coding` and :func:`code_rows` put the rows of an array or a
DataFrame in one space of floats, each column as the model takes it:
numbers (and booleans, and the levels of an ordinal column) standardised on
the training rows, labels one-hot
with each indicator scaled by ``1 / sqrt(2)`` (two rows of different classes
then differ by 1 in that column, as two numbers one standard deviation
apart), NaN where a value is missing. :func:`nearest_neighbours` finds
each row's k nearest reference rows there, by the Euclidean distance, or
without the missing coordinates (scikit-learn's ``nan_euclidean``, scaled
up by the share of coordinates present) when some are.
:func:`contributions` splits their mean distance among the columns.

A coding is a list of plain values (saved with the detector): for each
column ``("number", mean, scale)``, ``("levels", labels, mean, scale)`` or
``("labels", labels)``.
"""

import math

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ._column_types import _categories
from ._frames import is_frame
from ._utils import RunningMoments

_HALF = 1.0 / math.sqrt(2.0)
# Distances computed at once between a block of rows and the reference rows
# (with missing values).
_BLOCK = 2**22


def _columns(X):
    """``(name, values)`` of each column: a Series of a DataFrame, an array's column."""
    if is_frame(X):
        return list(X.items())
    return [(j, X[:, j]) for j in range(X.shape[1])]


def _numbers(values):
    """A column's values as float64 numbers, NaN where missing or not a number."""
    if isinstance(values, np.ndarray):
        return values.astype(np.float64)
    import pandas as pd

    try:
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):  # an object column of numbers, say
        return pd.to_numeric(values.astype(object), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan)


def _indices(values, labels):
    """Each value's position in ``labels``; -1 where missing or not among them."""
    if isinstance(values, np.ndarray):  # an array's column: numbers
        known = np.asarray(labels, dtype=np.float64)
        if known.size == 0:
            return np.full(values.shape[0], -1, dtype=np.intp)
        order = np.argsort(known)
        at = np.minimum(np.searchsorted(known[order], values), known.size - 1)
        return np.where(known[order][at] == values, order[at], -1)
    import pandas as pd

    return pd.Index(list(labels), dtype=object).get_indexer(values.astype(object))


def _levels(values, labels):
    """An ordered column's level indices as float64, NaN where missing or unseen."""
    index = _indices(values, labels).astype(np.float64)
    index[index < 0] = np.nan
    return index


def _is_number(values):
    """Whether a column without a declared type holds numbers (its dtype's rule)."""
    if isinstance(values, np.ndarray):
        return True
    from ._dtypes import is_number_dtype

    return is_number_dtype(values.dtype)


def _standardisation(values):
    """``(mean, scale)`` of a column's observed values, as the models standardise.

    :class:`~._utils.RunningMoments` decides a column constant as
    scikit-learn's ``StandardScaler`` does (scale 1, also where ``std``
    gives a rounding error such as 1e-17) and gives a column with nothing
    observed mean 0 and scale 1.
    """
    mean, scale = RunningMoments(1).update(values[:, None]).statistics()
    return float(mean[0]), float(scale[0])


def fit_coding(X, types=None, categories=None):
    """The coding of X's columns (see the module's docstring).

    ``types`` and ``categories`` are the model's ``column_types_`` and
    ``categories_`` (by column name, or position for an array), so that a
    column is coded as the model takes it: a categorical column (or a binary
    one of labels) one-hot over the model's classes, an ordinal one by its
    levels, any other as numbers. A column the model does not type is coded
    by its dtype: numbers, booleans and ordered categories (their levels)
    as numbers, other labels one-hot over the labels seen.
    """
    types, categories = types or {}, categories or {}
    coding = []
    for name, values in _columns(X):
        kind, labels = types.get(name), categories.get(name)
        if kind is None and not _is_number(values):  # the labels as the table reads them
            ordered = getattr(values.dtype, "ordered", False)
            kind, labels = ("ordinal" if ordered else "categorical"), _categories(values)
        if kind == "ordinal":
            coding.append(("levels", list(labels), *_standardisation(_levels(values, labels))))
        elif labels is not None and kind in ("categorical", "binary"):
            coding.append(("labels", list(labels)))
        else:
            coding.append(("number", *_standardisation(_numbers(values))))
    return coding


def code_rows(X, coding):
    """X's rows in the coding's space, float64, NaN where missing."""
    if not is_frame(X) and all(c[0] == "number" for c in coding):
        means = np.array([c[1] for c in coding])
        scales = np.array([c[2] for c in coding])
        return (np.asarray(X, dtype=np.float64) - means) / scales
    blocks = []
    for (_, values), column in zip(_columns(X), coding):
        if column[0] == "number":
            blocks.append(((_numbers(values) - column[1]) / column[2])[:, None])
        elif column[0] == "levels":
            blocks.append(((_levels(values, column[1]) - column[2]) / column[3])[:, None])
        else:
            blocks.append(_one_hot(values, column[1]))
    return np.hstack(blocks) if blocks else np.empty((X.shape[0], 0))


def _one_hot(values, labels):
    """Indicators of ``labels`` scaled by ``1 / sqrt(2)``; NaN where missing.

    A label not among them (not seen in fit) has every indicator at 0.
    """
    index = _indices(values, labels)
    block = np.zeros((len(values), len(labels)))
    seen = index >= 0
    block[np.flatnonzero(seen), index[seen]] = _HALF
    missing = np.isnan(values) if isinstance(values, np.ndarray) else values.isna().to_numpy()
    block[missing] = np.nan
    return block


def hide(rows, hidden, widths):
    """``rows`` with the coordinates of the ``hidden`` entries NaN, as if missing.

    ``hidden`` is a boolean ``(n_rows, n_columns)`` mask of the table's
    columns; ``widths`` their numbers of coordinates (:func:`column_widths`).
    """
    return np.where(np.repeat(hidden, widths, axis=1), np.nan, rows)


def column_widths(coding):
    """How many coordinates each column takes."""
    return [len(c[1]) if c[0] == "labels" else 1 for c in coding]


def nearest_neighbours(rows, reference, k, *, leave_self_out=False):
    """Distances to, and indices of, each row's k nearest reference rows.

    Both arrays have shape ``(n_rows, k)``, nearest first. With
    ``leave_self_out``, ``rows`` are the reference rows themselves and each
    row's own distance is left out. Without missing values the search is
    scikit-learn's :class:`~sklearn.neighbors.NearestNeighbors` by brute
    force (on 6 to 30 standardised columns 3 to 10 times faster than its
    trees); with some, each distance leaves out the coordinates missing in
    either row and is scaled up by the share present, as scikit-learn's
    ``nan_euclidean`` (:func:`_nan_squared_distances`), a block of rows at a
    time. A neighbour that shares no coordinate with the row is at distance
    NaN: it is among the k nearest only when fewer than k reference rows
    share one (with ``leave_self_out``, the row itself may then fill such a
    place).
    """
    if not (np.isnan(rows).any() or np.isnan(reference).any()):
        search = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(reference)
        return search.kneighbors(None if leave_self_out else rows)
    parts = _observed_parts(reference)
    step = max(1, _BLOCK // max(1, reference.shape[0]))
    squared = np.empty((rows.shape[0], k))
    index = np.empty((rows.shape[0], k), dtype=np.intp)
    for start in range(0, rows.shape[0], step):
        block = _nan_squared_distances(rows[start : start + step], parts)
        at = np.arange(block.shape[0])[:, None]
        if leave_self_out:
            block[at[:, 0], start + at[:, 0]] = np.inf
        nearest = np.argpartition(block, k - 1, axis=1)[:, :k]
        nearest = np.take_along_axis(nearest, np.argsort(block[at, nearest], axis=1), axis=1)
        squared[start : start + step] = block[at, nearest]
        index[start : start + step] = nearest
    distances = np.sqrt(squared * rows.shape[1])
    distances[np.isinf(distances)] = np.nan
    return distances, index


def _observed_parts(X):
    """One side's observed mask, values (0 where missing) and their squares."""
    observed = ~np.isnan(X)
    values = np.where(observed, X, 0.0)
    return observed.astype(np.float64), values, values * values


def _nan_squared_distances(rows, parts):
    """Squared ``nan_euclidean`` distances over the number of coordinates.

    ``sum_j (x_j - y_j)^2`` over the coordinates observed in both rows is
    ``x^2 . m_y + m_x . y^2 - 2 x . y`` (missing values at 0, ``m`` the
    observed masks), divided here by the number of them, ``m_x . m_y``:
    four matrix products instead of one distance at a time. inf where the
    rows share no coordinate.
    """
    observed, values, squares = _observed_parts(rows)
    r_observed, r_values, r_squares = parts
    total = squares @ r_observed.T
    total += observed @ r_squares.T
    total -= 2.0 * (values @ r_values.T)
    np.maximum(total, 0.0, out=total)
    present = observed @ r_observed.T
    shared = present > 0
    np.divide(total, present, out=total, where=shared)
    total[~shared] = np.inf
    return total


def contributions(rows, reference, index, distances, widths):
    """Each column's share of the mean distance to the neighbours.

    ``index`` and ``distances`` have shape ``(n_rows, k)``, as
    :func:`nearest_neighbours` gives them for ``rows`` against
    ``reference``. A column's share of one distance is
    ``(row - neighbour)^2`` summed over its coordinates, scaled up as
    ``nan_euclidean`` scales the squared distance when coordinates are
    missing, and divided by the distance; its share of the mean distance is
    the mean of those over the k neighbours: a row's shares sum to its mean
    distance. 0 where a value is missing, for a neighbour at distance 0, and
    in every column of a row without a mean distance (one of its k
    distances is NaN).
    """
    bounds = np.cumsum([0, *widths])
    shares = np.zeros((rows.shape[0], len(widths)))
    for j in range(index.shape[1]):  # one neighbour at a time: n x p memory
        differences = rows - reference[index[:, j]]
        present = ~np.isnan(differences)
        # in units of the row's largest difference, whose square may overflow
        largest = np.max(np.abs(np.where(present, differences, 0.0)), axis=1, keepdims=True)
        largest[largest == 0] = 1.0
        scale = differences.shape[1] / np.maximum(present.sum(axis=1, keepdims=True), 1)
        squares = np.square(np.where(present, differences / largest, 0.0)) * scale
        per_column = np.column_stack(
            [squares[:, a:b].sum(axis=1) for a, b in zip(bounds[:-1], bounds[1:])]
        ) if widths else np.empty((squares.shape[0], 0))
        with np.errstate(invalid="ignore", divide="ignore"):
            share = largest * per_column / np.sqrt(per_column.sum(axis=1, keepdims=True))
        shares += np.where(np.isfinite(share), share, 0.0) / index.shape[1]  # the mean
    shares[np.isnan(distances).any(axis=1)] = 0.0
    return shares
