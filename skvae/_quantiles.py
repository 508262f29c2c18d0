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
# The scale floor of widest_tie counts a tie's cell up to the width of a
# fifth of the rows at the middle: the rules give a value held by more a point
# mass, and a column declared quantile with one (90% at one value) would
# otherwise get a scale that spreads it over its neighbours.
MAX_TIE_WIDTH = float(ndtri(0.6) - ndtri(0.4))


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


def _units(knots):
    """``(origin, half)``: values are mapped in units ``u = (x - origin) / (2 half)``,
    0 and 1 at the end knots, so that neither a subnormal nor a float64-wide
    span loses the slopes to underflow or overflow (1 for fewer than two knots)."""
    knots = np.asarray(knots, dtype=np.float64)
    origin = knots[0] if knots.size else 0.0
    half = knots[-1] / 2 - knots[0] / 2 if knots.size > 1 else 0.0
    return origin, (half if np.isfinite(half) and half > 0 else 0.5)


def _to_units(x, origin, half):
    with np.errstate(over="ignore", invalid="ignore"):
        return (np.asarray(x, dtype=np.float64) / 2 - origin / 2) / half


def _from_units(u, origin, half):
    with np.errstate(over="ignore", invalid="ignore"):
        return 2 * (origin / 2 + u * half)


def _piecewise(x, xs, ys):
    """``ys`` interpolated at ``x`` between ``xs``, linear beyond them with the
    slope from the first to the last (1 for one point)."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    slope = (ys[-1] - ys[0]) / (xs[-1] - xs[0]) if xs.size > 1 else 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.interp(x, xs, ys)
        out = np.where(x < xs[0], ys[0] + (x - xs[0]) * slope, out)
        return np.where(x > xs[-1], ys[-1] + (x - xs[-1]) * slope, out)


def normal_scores(x, knots, scores):
    """The normal scores of values ``x`` (NaN stays NaN; no knots: ``x``)."""
    if not len(knots):  # nothing observed where the map was fitted
        return np.asarray(x, dtype=np.float64)
    origin, half = _units(knots)
    return _piecewise(_to_units(x, origin, half), _to_units(knots, origin, half), scores)


def from_normal_scores(z, knots, scores, ties=()):
    """The values whose normal scores are ``z``: the inverse of :func:`normal_scores`,
    a value in a tie's cell the tie."""
    if not len(knots):
        return np.asarray(z, dtype=np.float64)
    origin, half = _units(knots)
    x = _from_units(_piecewise(np.asarray(z, dtype=np.float64), scores,
                               _to_units(knots, origin, half)), origin, half)
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
    floor that a grid's step sets on a real column's scale. At most
    ``MAX_TIE_WIDTH``.
    """
    if not ties:
        return 0.0
    knots, scores = np.asarray(knots, dtype=np.float64), np.asarray(scores, dtype=np.float64)
    cell = np.searchsorted(knots, np.asarray(ties, dtype=np.float64))
    return float(min(np.max(scores[cell] - scores[cell - 1]), MAX_TIE_WIDTH))


def log_slope(x, knots, scores):
    """``log |dx / dz|`` at values ``x``, ``z`` their normal scores.

    Constant between two knots (the map is linear there) and beyond the
    ends; at a knot, the slope of the segment that starts there. 0 for
    fewer than two knots (the map shifts, or is the identity).
    """
    if len(knots) < 2:
        return np.zeros(np.shape(x))
    origin, half = _units(knots)
    us, zs = _to_units(knots, origin, half), np.asarray(scores, dtype=np.float64)
    log_span = np.log(2.0) + np.log(half)  # log dx / du
    outside = np.log(us[-1] - us[0]) - np.log(zs[-1] - zs[0]) + log_span
    u = _to_units(x, origin, half)
    segment = np.clip(np.searchsorted(us, u, side="right") - 1, 0, us.size - 2)
    inside = (np.log(np.diff(us)) - np.log(np.diff(zs)) + log_span)[segment]
    return np.where((u < us[0]) | (u > us[-1]), outside, inside)
