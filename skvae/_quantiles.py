"""Normal scores: the monotone map of a quantile column's values to a Gaussian's.

A quantile column (``column_types`` type ``"quantile"``) is modelled by a
Gaussian on the normal score of its value: a piecewise-linear map through
knots between its training values, each knot ``x`` sent to
``Phi^-1(F(x))``, ``F`` the share of training values below ``x``, ``Phi``
the standard normal CDF. Whatever the column's shape (skewed, multimodal,
bounded, on a grid), its training values' scores are about standard normal.

Each training value stands for a cell that reaches halfway to the values
beside it (as far beyond the smallest and largest values), and the knots
are cell edges at evenly spaced levels of ``F``: so a training value never
lies on a knot, where the map's slope changes, and a value stored in another
precision (``float32``) gets the same slope. A value held by many rows (a
tie: zeros, a round amount, a point of a grid) keeps its cell's two edges as
knots, so that its scores hold the tie's share of rows, and a value decoded
in its cell is the tie itself: draws hold it as often as the data does.
Beyond the first and last knots the map goes on with the slope from one to
the other, so every value has a score and a density. The map has an exact
inverse (ties aside), and its slope enters the density of a value in the
column's units (:func:`log_slope`): the density in a tie's cell is about
its share over the cell's width, and at most that where the Gaussian's
scale is floored by :func:`widest_tie`. A column with no observed value
where the map is fitted has no knots: its map is the identity.
"""

import numpy as np
from scipy.special import ndtri

# The knots of a column's map: one every ROWS_PER_KNOT observed values, at
# least 2 and at most MAX_KNOTS (benchmarks/pages/mixed-types.md, "Quantile
# columns"). A value is a tie when it holds the share of TIE_LEVELS levels.
MAX_KNOTS = 256
ROWS_PER_KNOT = 20
TIE_LEVELS = 2


def _levels(n):
    """The number of evenly spaced levels of a map of ``n`` values."""
    return int(np.clip(n // ROWS_PER_KNOT, 2, MAX_KNOTS))


def all_ties(counts):
    """Whether every value, held ``counts`` times, would be a tie of the map:
    a column on a grid of a few values (a rating), which the map would give
    nothing between its cells."""
    n = int(np.sum(counts))
    return bool(n) and bool(np.min(counts) >= TIE_LEVELS * n / _levels(n))


def fit_normal_scores(values):
    """``(knots, scores, ties)`` of the map fitted on ``values`` (NaN missing), as lists.

    The knots are strictly increasing, and so are their scores. Empty lists
    if nothing is observed; one knot of score 0 for one value.
    """
    observed = values[np.isfinite(values)]
    n = observed.size
    if not n:
        return [], [], []
    distinct, counts = np.unique(observed, return_counts=True)
    if distinct.size < 2:
        return distinct.tolist(), [0.0], []
    below = np.concatenate([[0], np.cumsum(counts)])  # values below each cell edge
    n_levels = _levels(n)
    # the values at evenly spaced levels (each level's first value at or above it)
    chosen = np.unique(np.searchsorted(below[1:], np.ceil(np.linspace(0, 1, n_levels) * n)
                                       .clip(1)))
    tie = counts[chosen] >= TIE_LEVELS * n / n_levels
    # cell edges halfway between values (no overflow near float64's ends),
    # mirrored at the ends; edge i lies below value i
    middle = distinct[:-1] / 2 + distinct[1:] / 2
    edges = np.concatenate([[distinct[0] - (middle[0] - distinct[0])], middle,
                            [distinct[-1] + (distinct[-1] - middle[-1])]])
    edges = edges.clip(-np.finfo(np.float64).max, np.finfo(np.float64).max)
    picked = np.unique(np.concatenate([[0], chosen + 1, chosen[tie]]))
    knots, levels = edges[picked], below[picked] / n
    rising = np.concatenate([[True], knots[1:] > knots[:-1]])  # edges a rounding apart: one
    levels = levels[rising].clip(0.5 / n, 1 - 0.5 / n)
    return knots[rising].tolist(), ndtri(levels).tolist(), distinct[chosen[tie]].tolist()


def _outside_slope(knots, scores):
    """``d score / d value`` beyond the end knots: from the first to the last (1 for one knot)."""
    if len(knots) < 2:
        return 1.0
    return (scores[-1] - scores[0]) / 2 / (knots[-1] / 2 - knots[0] / 2)  # no overflow


def _piecewise(x, xs, ys, slope):
    """``ys`` interpolated at ``x`` between ``xs``, linear with ``slope`` beyond them."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if not xs.size:  # nothing observed in fit: the values as they are
        return x
    with np.errstate(over="ignore", invalid="ignore"):
        out = 2 * np.interp(x / 2, xs / 2, ys / 2)  # halves: no overflow of a difference
        out = np.where(x < xs[0], ys[0] + (x - xs[0]) * slope, out)
        return np.where(x > xs[-1], ys[-1] + (x - xs[-1]) * slope, out)


def normal_scores(x, knots, scores):
    """The normal scores of values ``x`` (NaN stays NaN)."""
    return _piecewise(x, knots, scores, _outside_slope(knots, scores))


def from_normal_scores(z, knots, scores, ties=()):
    """The values whose normal scores are ``z``: the inverse of :func:`normal_scores`,
    a value in a tie's cell the tie."""
    x = _piecewise(z, scores, knots, 1.0 / _outside_slope(knots, scores))
    if not len(ties):
        return x
    knots, ties = np.asarray(knots, dtype=np.float64), np.asarray(ties, dtype=np.float64)
    cell = np.searchsorted(knots, ties)  # a tie lies between knots cell - 1 and cell
    segment = np.searchsorted(knots, x, side="right") - 1  # NaN: past the end
    tied = np.full(knots.size + 1, np.nan)
    tied[cell - 1] = ties
    value = tied[np.clip(segment, -1, knots.size)]
    return np.where(np.isnan(value), x, value)


def widest_tie(knots, scores, ties):
    """The width in scores of the widest tie's cell (0 without ties).

    A Gaussian of scale ``s`` on the scores gives the middle of a cell
    ``w`` scores wide a density up to ``w / (s sqrt(2 pi))`` times the
    cell's share of the score per value; at ``s >= w / sqrt(2 pi)`` no tie
    gets a density above its whole probability spread over its cell, the
    floor that a grid's step sets on a real column's scale.
    """
    if not ties:
        return 0.0
    knots, scores = np.asarray(knots, dtype=np.float64), np.asarray(scores, dtype=np.float64)
    cell = np.searchsorted(knots, np.asarray(ties, dtype=np.float64))
    return float(np.max(scores[cell] - scores[cell - 1]))


def log_slope(x, knots, scores):
    """``log |dx / dz|`` at values ``x``, ``z`` their normal scores.

    Constant between two knots (the map is linear there) and beyond the
    ends; at a knot, the slope of the segment that starts there.
    """
    xs, zs = np.asarray(knots, dtype=np.float64), np.asarray(scores, dtype=np.float64)
    outside = -np.log(_outside_slope(knots, scores))
    if xs.size < 2:
        return np.full(np.shape(x), outside)
    segment = np.clip(np.searchsorted(xs, x, side="right") - 1, 0, xs.size - 2)
    inside = (np.log(np.diff(xs / 2)) + np.log(2) - np.log(np.diff(zs)))[segment]
    return np.where((x < xs[0]) | (x > xs[-1]), outside, inside)
