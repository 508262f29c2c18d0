"""Likelihoods of table columns, one ``torch.nn.Module`` per column type.

A likelihood models a group of ``n_columns`` columns of one type. ``target``
is a float tensor ``(N, n_columns)`` in the likelihood's coding (missing
entries hold a valid placeholder and are masked by the caller); ``params``
are decoder outputs ``(..., N, width)``, whose optional leading dimensions
(importance samples) broadcast against ``target``. Learned parameters (a
Gaussian scale, ordinal thresholds, a count dispersion) are float32
parameters of the module, so that they belong to the model that holds it.
"""

import itertools
import math
from abc import ABCMeta, abstractmethod

import torch
import torch.nn.functional as F
from torch import nn

from ._losses import (
    MAX_ATOM_PROBABILITY,
    bernoulli_log_prob,
    gaussian_log_prob,
    negative_binomial_log_prob,
    truncated_negative_binomial_log_prob,
)

# Lower bound on the Gaussian standard deviation, in standardised units: keeps
# the likelihood finite on (near-)constant columns.
MIN_LOG_SCALE = math.log(1e-3)

# Range of the negative binomial's log dispersion ``log r`` when used: wide
# enough to reach the Poisson limit, narrow enough that ``r`` stays finite.
LOG_DISPERSION_RANGE = (math.log(1e-4), math.log(1e8))
# The dispersion :meth:`NegativeBinomial.start` gives a column whose variance
# does not exceed its mean (nearly Poisson), and its upper bound otherwise.
MAX_START_DISPERSION = 1e4
# Clip of the starting Bernoulli rate and count mean: finite logits and logs.
MIN_START_RATE = 1e-3
# Rounds of redrawing a truncated count's draws that fall on its atom; a draw
# still there after them (the atom holds nearly all the mass) takes atom + 1.
MAX_REDRAWS = 20


def _observed(target, mask):
    """Placeholder-free target and the float weight of each entry (1 = observed)."""
    if mask is None:
        return target, torch.ones_like(target)
    mask = mask.to(device=target.device, dtype=torch.bool)
    return target.where(mask, 0.0), mask.to(target.dtype)


def _column_moments(target, mask):
    """Observed count, mean and variance (ddof=0) of each column."""
    target, weight = _observed(target, mask)
    count = weight.sum(0)
    mean = (weight * target).sum(0) / count.clamp(min=1)
    variance = (weight * (target - mean).square()).sum(0) / count.clamp(min=1)
    return count, mean, variance


class Likelihood(nn.Module, metaclass=ABCMeta):
    """Base class: the distribution of ``n_columns`` table columns of one type.

    Parameters
    ----------
    n_columns : int
        Number of columns.

    Shape
    -----
    - ``params``: ``(..., N, width)``; ``target``, ``mask``: ``(N, n_columns)``.
    - ``log_prob``, ``reconstruction_error``, ``sample``: ``(..., N, n_columns)``.
    - ``expectation``: ``(..., N, n_columns)``, or ``(..., N, n_columns,
      max_classes)`` for class probabilities; ``point``: ``(N, n_columns)``.
    """

    def __init__(self, n_columns):
        super().__init__()
        if int(n_columns) < 1:
            raise ValueError(f"n_columns must be at least 1, got {n_columns}.")
        self.n_columns = int(n_columns)

    @property
    def width(self):
        """Number of decoder outputs the likelihood needs."""
        return self.n_columns

    def reset_parameters(self, generator=None):
        """Reset the learned parameters to their initial, deterministic values.

        Zero by default (unit scale, unit dispersion). ``generator`` is unused:
        it is accepted so that a network's initialiser may pass it on.
        """
        with torch.no_grad():
            for parameter in self.parameters(recurse=False):
                parameter.zero_()

    @abstractmethod
    def log_prob(self, params, target):
        """Log-probability of each entry of ``target``, in nats."""

    def reconstruction_error(self, params, target):
        """Per-entry loss of the deterministic autoencoder: ``-log_prob``."""
        return -self.log_prob(params, target)

    @abstractmethod
    def expectation(self, params):
        """A summary of the distribution that may be averaged over leading dims."""

    def weighted_expectation(self, params, weights):
        """The expectation averaged over the first axis of ``params`` ``(K, N, width)``.

        ``weights`` ``(K, N)`` sum to 1 over ``K``; returns the shape
        :meth:`expectation` gives for ``(N, width)``.
        """
        expectation = self.expectation(params)
        shape = (*weights.shape, *[1] * (expectation.dim() - weights.dim()))
        return (weights.view(shape) * expectation).sum(0)

    def point(self, expectation):
        """Point prediction, in target coding, from an (averaged) expectation."""
        return expectation

    @abstractmethod
    def sample(self, params, generator):
        """One draw per entry, in target coding, from ``generator`` only."""

    @abstractmethod
    def start(self, target, mask=None):
        """Fit each column's marginal; return the decoder bias ``(width,)`` of it.

        With zero decoder weights and this bias, the model is the marginal of
        the observed entries (``mask`` true; ``None`` means all observed).
        """

    def extra_repr(self):
        return f"n_columns={self.n_columns}"


class Gaussian(Likelihood):
    """Normal columns with a learned per-column scale: ``N(params, scale^2)``.

    ``target`` holds standardised real values; ``params`` are the means.

    Parameters
    ----------
    n_columns : int
        Number of columns.

    Attributes
    ----------
    log_scale : torch.nn.Parameter of shape (n_columns,)
        Log standard deviation, clamped below at ``min_log_scale`` when used.
    min_log_scale : torch.Tensor of shape (n_columns,)
        The floor of each column's log scale: ``MIN_LOG_SCALE`` unless
        :meth:`set_scale_floor` raised it (a buffer, not saved: the table
        the model was fitted on gives it).
    bounds : tuple of torch.Tensor or None
        The range of each column's draws, ``(low, high)`` (infinite where
        unbounded), as :meth:`set_bounds` last set it; None: none bounded.
    """

    def __init__(self, n_columns):
        super().__init__(n_columns)
        self.log_scale = nn.Parameter(torch.zeros(self.n_columns, dtype=torch.float32))
        self._floor = torch.full(
            (self.n_columns,), MIN_LOG_SCALE, dtype=torch.float32, device="cpu"
        )
        self.register_buffer("min_log_scale", self._floor.clone(), persistent=False)

    def reset_parameters(self, generator=None):
        """Unit scales; the floor as :meth:`set_scale_floor` last set it."""
        super().reset_parameters(generator)
        self.min_log_scale.copy_(self._floor)

    def set_scale_floor(self, floor):
        """Floor each column's scale at ``floor`` ``(n_columns,)``, or at ``exp(MIN_LOG_SCALE)``."""
        floor = torch.as_tensor(floor, dtype=torch.float64).clamp(min=math.exp(MIN_LOG_SCALE))
        self._floor = floor.log().to(torch.float32)
        self.min_log_scale.copy_(self._floor)

    def set_bounds(self, low, high):
        """Draw each column within ``[low, high]`` ``(n_columns,)`` (``-inf``,
        ``inf``: unbounded): from the Gaussian truncated to that range, not
        clipped to it, so that no draw piles up at an end."""
        low = torch.as_tensor(low, dtype=torch.float32)
        high = torch.as_tensor(high, dtype=torch.float32)
        bounded = bool(torch.isfinite(low).any() or torch.isfinite(high).any())
        self.bounds = (low, high) if bounded else None

    def scale(self):
        """Standard deviation of each column, ``(n_columns,)``."""
        return self.log_scale.clamp(min=self.min_log_scale).exp()

    def log_prob(self, params, target):
        log_scale = self.log_scale.clamp(min=self.min_log_scale)
        return gaussian_log_prob(target, params, log_scale)

    def reconstruction_error(self, params, target):
        """Squared error ``(target - params)**2``: no learned scale."""
        return (target - params).square()

    def expectation(self, params):
        """The mean, ``params``."""
        return params

    @torch.no_grad()
    def sample(self, params, generator):
        noise = torch.randn(
            params.shape, generator=generator, device=params.device, dtype=params.dtype
        )
        scale = self.scale().to(params.dtype)
        draw = params + scale * noise
        bounds = getattr(self, "bounds", None)  # a module pickled before it had them
        if bounds is None:
            return draw
        low, high = (b.to(params.device, params.dtype) for b in bounds)
        # the noise's quantile, moved into the range's share of the Gaussian
        start = torch.special.ndtr((low - params) / scale)
        share = torch.special.ndtr((high - params) / scale) - start
        quantile = (start + torch.special.ndtr(noise) * share).clamp(1e-12, 1 - 1e-7)
        inside = (params + scale * torch.special.ndtri(quantile)).clamp(low, high)
        return torch.where(torch.isfinite(low) | torch.isfinite(high), inside, draw)

    @torch.no_grad()
    def start(self, target, mask=None):
        """Observed mean and standard deviation; ``N(0, 1)`` if nothing is observed."""
        count, mean, variance = _column_moments(target, mask)
        log_scale = (0.5 * variance.log()).clamp(min=self.min_log_scale)
        self.log_scale.copy_(log_scale.where(count > 0, 0.0))
        return mean


class Bernoulli(Likelihood):
    """Bernoulli columns: ``params`` are logits, ``target`` lies in [0, 1].

    The Bernoulli decoder of Kingma & Welling (2014), Auto-Encoding Variational
    Bayes, Appendix C.1. Values strictly inside (0, 1), such as grey levels,
    are scored by the same cross-entropy, a relaxation that is not a normalised
    density (Loaiza-Ganem & Cunningham (2019), The continuous Bernoulli).

    Parameters
    ----------
    n_columns : int
        Number of columns.
    """

    def log_prob(self, params, target):
        return bernoulli_log_prob(target.to(params.dtype), params)

    def expectation(self, params):
        """The probability of 1, ``sigmoid(params)``."""
        return torch.sigmoid(params)

    @torch.no_grad()
    def sample(self, params, generator):
        return torch.bernoulli(torch.sigmoid(params), generator=generator)

    @torch.no_grad()
    def start(self, target, mask=None):
        """Logit of the observed rate, clipped to [1e-3, 1 - 1e-3]; 0 if unobserved."""
        count, mean, _ = _column_moments(target, mask)
        rate = mean.where(count > 0, 0.5).clamp(MIN_START_RATE, 1 - MIN_START_RATE)
        return torch.logit(rate)


class _Classes(Likelihood):
    """Columns of ``n_classes[j]`` classes each.

    :meth:`expectation` gives the class probabilities as ``(..., N,
    n_columns, max_classes)``, 0 where a column has no such class; the point
    prediction is the most probable class, a draw one of the classes.
    """

    def __init__(self, n_classes):
        n_classes = tuple(int(k) for k in n_classes)
        if not n_classes or min(n_classes) < 1:
            raise ValueError(
                f"Every column needs at least one class, got n_classes={n_classes}."
            )
        super().__init__(len(n_classes))
        self.n_classes = n_classes
        self.max_classes = max(n_classes)
        for name, value in self._index_buffers().items():
            self.register_buffer(name, value, persistent=False)

    def _index_buffers(self):
        """``_valid``: ``(n_columns, max_classes)``, whether column j has class k."""
        valid = [[k < n for k in range(self.max_classes)] for n in self.n_classes]
        return {"_valid": torch.tensor(valid)}

    def reset_parameters(self, generator=None):
        """Rebuild the index buffers (left undefined by ``to_empty``)."""
        super().reset_parameters(generator)
        for name, value in self._index_buffers().items():
            getattr(self, name).copy_(value)

    def point(self, expectation):
        """The most probable class of each entry, as a float index."""
        return expectation.argmax(-1).to(expectation.dtype)

    @torch.no_grad()
    def sample(self, params, generator):
        probs = self.expectation(params)
        flat = probs.reshape(-1, self.max_classes)
        draws = torch.multinomial(flat, 1, generator=generator)
        return draws.view(probs.shape[:-1]).to(params.dtype)

    def _frequencies(self, target, mask):
        """Add-one smoothed observed class frequencies, ``(n_columns, max_classes)``."""
        target, weight = _observed(target, mask)
        n_classes = self._valid.sum(-1).to(target.device)
        bad = (target < 0) | (target >= n_classes) | (target != target.round())
        if (bad & (weight > 0)).any():
            raise ValueError(
                f"target must hold class indices 0..n_classes-1, n_classes="
                f"{self.n_classes}."
            )
        offset = torch.arange(self.n_columns, device=target.device) * self.max_classes
        counts = weight.new_zeros(self.n_columns * self.max_classes)
        counts.scatter_add_(0, (offset + target.long()).flatten(), weight.flatten())
        counts = counts.view(self.n_columns, self.max_classes) + self._valid
        return counts / counts.sum(-1, keepdim=True)

    def extra_repr(self):
        return f"n_classes={self.n_classes}"


class Categorical(_Classes):
    """Categorical columns; ``params`` are all columns' logits, concatenated.

    Column ``j`` takes the next ``n_classes[j]`` logits and has the class
    probabilities ``softmax(logits)``; ``target`` holds class indices.

    The decoder lays the ``sum(n_classes)`` (column, class) pairs out flat,
    column by column. The softmax runs classes first, in a padded
    ``(max_classes, n_columns, ...)`` layout with logit ``-inf`` where a
    column has no such class: it then reduces over the outer axis, where
    torch's CPU kernels vectorise over the rows (over a short inner axis they
    run one row at a time, several times slower).

    Parameters
    ----------
    n_classes : sequence of int
        Number of classes of each column; columns may differ, e.g. (2, 7, 14).
    """

    @property
    def width(self):
        return sum(self.n_classes)

    def _index_buffers(self):
        """Also the column, class and padded slot of each flat pair."""
        pairs = [(j, k) for j, n in enumerate(self.n_classes) for k in range(n)]
        return {
            **super()._index_buffers(),
            "_column": torch.tensor([j for j, _ in pairs]),
            "_class": torch.tensor([k for _, k in pairs]),
            "_slot": torch.tensor([k * self.n_columns + j for j, k in pairs]),
        }

    def _pad(self, flat, fill):
        """``(width, ...)`` flat pairs -> ``(max_classes, n_columns, ...)``, ``fill`` on padding."""
        size = self.max_classes * self.n_columns
        padded = flat.new_full((size, *flat.shape[1:]), fill)
        # in place into the new buffer: torch's out-of-place index_copy
        # copies the buffer first, at up to twice the time on the CPU
        padded.index_copy_(0, self._slot, flat)
        return padded.unflatten(0, (self.max_classes, self.n_columns))

    def _log_probs(self, params):
        """Padded class log-probabilities ``(max_classes, n_columns, ..., N)``."""
        return self._pad(params.movedim(-1, 0), -math.inf).log_softmax(0)

    def _probabilities(self, params):
        """Class probabilities of the flat pairs, ``(width, ..., N)``.

        Taken from the pairs, not the padding: ``exp`` of ``-inf`` takes a
        slow path on the CPU.
        """
        return self._log_probs(params).flatten(0, 1)[self._slot].exp()

    def _classes_last(self, probabilities):
        """``(width, ...)`` probabilities -> ``(..., n_columns, max_classes)``, 0 pad."""
        return self._pad(probabilities, 0.0).movedim(0, -1).movedim(0, -2)

    def log_prob(self, params, target):
        log_probs = self._log_probs(params)
        # the targets' classes broadcast to params' leading (sample)
        # dimensions as a view: no copy per sample
        index = target.long().movedim(-1, 0)
        extra = [1] * (params.dim() - target.dim())
        index = index.view(1, self.n_columns, *extra, *index.shape[1:])
        index = index.expand(1, self.n_columns, *params.shape[:-1])
        return log_probs.gather(0, index)[0].movedim(0, -1)

    def expectation(self, params):
        """Class probabilities ``(..., N, n_columns, max_classes)``, 0 on padding."""
        return self._classes_last(self._probabilities(params))

    def weighted_expectation(self, params, weights):
        probabilities = self._probabilities(params)
        return self._classes_last((weights * probabilities).sum(1))

    @torch.no_grad()
    def start(self, target, mask=None):
        """Log of the add-one smoothed class frequencies (uniform if unobserved)."""
        return self._frequencies(target, mask).log()[self._column, self._class]


class Ordinal(_Classes):
    """Ordered categories: the cumulative logit (proportional odds) model.

    ``P(y <= k) = sigmoid(theta_k - eta)``, with one location ``eta`` per
    column (``params``) and learned increasing thresholds ``theta_0 < ... <
    theta_{K-2}`` per column: the first threshold plus cumulative softplus
    increments, so that any parameter values keep them ordered.

    Parameters
    ----------
    n_levels : sequence of int
        Number of levels of each column; columns may differ.

    Attributes
    ----------
    first_threshold : torch.nn.Parameter of shape (n_columns,)
        ``theta_0`` of each column.
    raw_gaps : torch.nn.Parameter of shape (n_columns, max(max_classes - 2, 0))
        Inverse softplus of ``theta_{k+1} - theta_k``; the entries past a
        column's last threshold are unused.

    References
    ----------
    McCullagh (1980), Regression models for ordinal data, JRSS B 42(2).
    """

    def __init__(self, n_levels):
        super().__init__(n_levels)
        n_gaps = max(self.max_classes - 2, 0)
        self.first_threshold = nn.Parameter(
            torch.empty(self.n_columns, dtype=torch.float32)
        )
        self.raw_gaps = nn.Parameter(
            torch.empty(self.n_columns, n_gaps, dtype=torch.float32)
        )
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        """Thresholds of equally probable levels at ``eta = 0``."""
        super().reset_parameters(generator)
        valid = self._valid.to(torch.float32)
        self._set_thresholds(valid / valid.sum(-1, keepdim=True))

    def thresholds(self):
        """Ordered thresholds ``(n_columns, max_classes - 1)``."""
        first = self.first_threshold[:, None]
        rest = first + F.softplus(self.raw_gaps).cumsum(-1)
        return torch.cat([first, rest], -1)[:, : self.max_classes - 1]

    def _cuts(self, dtype):
        """Level bounds ``(n_columns, max_classes + 1)``: -inf, thresholds, +inf.

        Level k of column j lies between ``cuts[j, k]`` and ``cuts[j, k + 1]``;
        the bounds past a column's last level are +inf.
        """
        theta = self.thresholds().to(dtype)
        theta = theta.masked_fill(~self._valid[:, 1:], math.inf)
        inf = theta.new_full((self.n_columns, 1), math.inf)
        return torch.cat([-inf, theta, inf], -1)

    @staticmethod
    def _between(eta, lower, upper):
        """``log(sigmoid(upper - eta) - sigmoid(lower - eta))``, ``lower < upper``."""
        # sigmoid(b) - sigmoid(a) = sigmoid(b) sigmoid(-a) (1 - exp(a - b)), a < b
        gap = (lower - upper).clamp(max=-1e-12)
        return (
            F.logsigmoid(upper - eta)
            + F.logsigmoid(eta - lower)
            + torch.log(-torch.expm1(gap))
        )

    @staticmethod
    def _level_probabilities(cumulative):
        """``P(y = k)`` from ``P(y <= k)`` ``(..., max_classes - 1)``; 0 on padding."""
        return F.pad(cumulative, (0, 1), value=1.0) - F.pad(cumulative, (1, 0), value=0.0)

    def _cumulative(self, params):
        """``P(y <= k) = sigmoid(theta_k - eta)``, ``(..., N, n_columns, max_classes - 1)``."""
        return torch.sigmoid(self._cuts(params.dtype)[:, 1:-1] - params[..., None])

    def expectation(self, params):
        """Level probabilities ``(..., N, n_columns, max_classes)``, 0 on padding.

        Differences of the cumulative probabilities, one sigmoid per
        threshold: exact to the float's absolute precision (about 1e-7 in
        float32), so a level far in a tail may get 0 where :meth:`log_prob`
        gives its log-probability.
        """
        return self._level_probabilities(self._cumulative(params))

    def weighted_expectation(self, params, weights):
        # the cumulative probabilities are linear in what is averaged
        cumulative = self._cumulative(params)
        return self._level_probabilities((weights[..., None, None] * cumulative).sum(0))

    def point(self, expectation):
        """The median level of each entry, as a float index: the first whose
        cumulative probability reaches one half.

        Among the levels, the point of least expected distance in levels,
        which the most probable level need not be: with probabilities 0.4,
        0.3 and 0.3 over three levels the mode is the lowest level, the
        median the middle one. Padding levels have probability 0.
        """
        reached = expectation.cumsum(-1) >= 0.5
        return reached.to(torch.uint8).argmax(-1).to(expectation.dtype)

    def log_prob(self, params, target):
        """The log-probability of each entry's own level (``target`` holds valid
        levels), evaluated for that level only."""
        cuts = self._cuts(params.dtype)
        level = target.long()
        column = torch.arange(self.n_columns, device=level.device)
        return self._between(params, cuts[column, level], cuts[column, level + 1])

    @torch.no_grad()
    def _set_thresholds(self, frequencies):
        """Set the thresholds that give level ``frequencies`` at ``eta = 0``."""
        cumulative = frequencies.cumsum(-1)[:, : self.max_classes - 1]
        theta = torch.logit(cumulative.clamp(1e-6, 1 - 1e-6))
        gaps = theta.diff(dim=-1).where(self._valid[:, 2:], 1.0).clamp(min=1e-6)
        first = theta[:, 0] if theta.shape[1] else theta.new_zeros(self.n_columns)
        self.first_threshold.copy_(first.where(self._valid.sum(-1) > 1, 0.0))
        self.raw_gaps.copy_(gaps + torch.log(-torch.expm1(-gaps)))

    @torch.no_grad()
    def start(self, target, mask=None):
        """Thresholds of the add-one smoothed cumulative frequencies; ``eta = 0``."""
        self._set_thresholds(self._frequencies(target, mask))
        return target.new_zeros(self.n_columns)


class NegativeBinomial(Likelihood):
    """Counts: the NB2 negative binomial with a learned per-column dispersion.

    Mean ``mu = exp(params)``, variance ``mu + mu^2 / r``; the Poisson as
    ``r -> inf``. ``target`` holds non-negative integer counts.

    Parameters
    ----------
    n_columns : int
        Number of columns.

    Attributes
    ----------
    log_r : torch.nn.Parameter of shape (n_columns,)
        Log dispersion, clamped to ``LOG_DISPERSION_RANGE`` when used.

    References
    ----------
    Cameron & Trivedi (1986), Econometric models based on count data,
    J. Applied Econometrics 1(1), the NB2 form.
    """

    def __init__(self, n_columns):
        super().__init__(n_columns)
        self.log_r = nn.Parameter(torch.zeros(self.n_columns, dtype=torch.float32))

    def dispersion(self):
        """``r`` of each column, ``(n_columns,)``."""
        return self.log_r.clamp(*LOG_DISPERSION_RANGE).exp()

    def _log_r(self, dtype):
        """The clamped log dispersion, in ``dtype``."""
        return self.log_r.clamp(*LOG_DISPERSION_RANGE).to(dtype)

    def log_prob(self, params, target):
        log_r = self._log_r(params.dtype)
        return negative_binomial_log_prob(target.to(params.dtype), params, log_r)

    def expectation(self, params):
        """The mean count, ``exp(params)``."""
        return params.exp()

    @torch.no_grad()
    def sample(self, params, generator):
        """Gamma-Poisson mixture: ``Poisson(mu / r * Gamma(r, 1))``."""
        log_r = self._log_r(params.dtype)
        shape = log_r.exp().expand(params.shape).contiguous()
        gamma = torch._standard_gamma(shape, generator=generator)
        return torch.poisson(gamma * (params - log_r).exp(), generator=generator)

    @torch.no_grad()
    def start(self, target, mask=None):
        """Log of the observed mean; the method-of-moments dispersion.

        ``r = mean^2 / (variance - mean)``, at most ``MAX_START_DISPERSION``,
        which is also the value where the variance does not exceed the mean.
        Where nothing is observed, mean 1 and ``r = 1``.
        """
        count, mean, variance = _column_moments(target, mask)
        excess = variance - mean
        r = (mean.square() / excess).where(excess > 0, MAX_START_DISPERSION)
        log_r = r.clamp(max=MAX_START_DISPERSION).log().clamp(*LOG_DISPERSION_RANGE)
        self.log_r.copy_(log_r.where(count > 0, 0.0))
        return mean.where(count > 0, 1.0).clamp(min=MIN_START_RATE).log()


class TruncatedNegativeBinomial(NegativeBinomial):
    """Counts other than an atom: the negative binomial renormalised without it.

    The counts of spiked-count columns, whose atom (their most frequent
    value) has a probability of its own, given by a Bernoulli target: the
    probability of a count ``y`` other than the atom ``a`` is ``NB2(y) / (1
    - NB2(a))``, so that ``p`` at the atom and ``(1 - p)`` times this sum to
    1 over the counts. ``target`` is masked at the atom by the caller.

    Parameters
    ----------
    atoms : list of float
        Each column's atom.

    Attributes
    ----------
    atoms : torch.Tensor of shape (n_columns,)
        The atoms (a buffer the table sets, not saved with the weights).
    """

    def __init__(self, atoms):
        super().__init__(len(atoms))
        self._atom_values = [float(a) for a in atoms]
        self.register_buffer("atoms", torch.tensor(self._atom_values), persistent=False)

    def reset_parameters(self, generator=None):
        """Zero the dispersion's log; set the atoms (a module built on the meta
        device holds no values until then)."""
        super().reset_parameters(generator)
        with torch.no_grad():
            self.atoms.copy_(torch.tensor(self._atom_values))

    def log_prob(self, params, target):
        log_r = self._log_r(params.dtype)
        return truncated_negative_binomial_log_prob(
            target.to(params.dtype), params, log_r, self.atoms.to(params.dtype)
        )

    def _atom_probability(self, params):
        log_r = self._log_r(params.dtype)
        at_atom = negative_binomial_log_prob(self.atoms.to(params.dtype), params, log_r)
        return at_atom.exp().clamp(max=MAX_ATOM_PROBABILITY)

    def expectation(self, params):
        """The mean count other than the atom, ``(mu - a NB2(a)) / (1 - NB2(a))``."""
        p = self._atom_probability(params)
        return ((params.exp() - self.atoms * p) / (1 - p)).clamp(min=0)

    @torch.no_grad()
    def sample(self, params, generator):
        """Negative binomial draws, redrawn where they fall on the atom."""
        atoms = self.atoms.to(params.dtype).expand(params.shape)
        draw = super().sample(params, generator)
        for _ in range(MAX_REDRAWS):
            again = draw == atoms
            if not again.any():
                break
            draw = torch.where(again, super().sample(params, generator), draw)
        return torch.where(draw == atoms, atoms + 1, draw)

    def extra_repr(self):
        return f"atoms={self.atoms.tolist()}"


LIKELIHOODS = {
    "gaussian": Gaussian,
    "bernoulli": Bernoulli,
    "categorical": Categorical,
    "ordinal": Ordinal,
    "count": NegativeBinomial,
    "truncated-count": TruncatedNegativeBinomial,
}


class TableLikelihood(nn.Module):
    """The likelihoods of a table, side by side.

    Each likelihood takes a contiguous range of the targets and of the
    decoder outputs, in the order of ``groups``; the methods work on all the
    columns at once, with ``target`` ``(N, n_columns)`` and ``params``
    ``(..., N, width)`` as in :class:`Likelihood`.

    Parameters
    ----------
    groups : list of (str, int or list)
        A key of :data:`LIKELIHOODS` and its argument (the number of
        columns, each column's number of classes, or each column's atom),
        in target order.
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = [(name, arg) for name, arg in groups]
        self.parts = nn.ModuleList(LIKELIHOODS[name](arg) for name, arg in self.groups)
        widths = [part.width for part in self.parts]
        columns = [part.n_columns for part in self.parts]
        self.param_slices = _slices(widths)
        self.target_slices = _slices(columns)
        self.width, self.n_columns = sum(widths), sum(columns)

    def reset_parameters(self, generator=None):
        for part in self.parts:
            part.reset_parameters(generator)

    def _each(self, params, target=None):
        for part, p, t in zip(self.parts, self.param_slices, self.target_slices):
            yield part, params[..., p], None if target is None else target[..., t]

    def _joined(self, pieces):
        return pieces[0] if len(pieces) == 1 else torch.cat(pieces, -1)

    def log_prob(self, params, target):
        """``(..., N, n_columns)`` per-entry log-probabilities."""
        return self._joined([part.log_prob(p, t) for part, p, t in self._each(params, target)])

    def reconstruction_error(self, params, target):
        """``(..., N, n_columns)`` per-entry losses of the autoencoder."""
        return self._joined(
            [part.reconstruction_error(p, t) for part, p, t in self._each(params, target)]
        )

    def expectation(self, params):
        """One expectation per likelihood (a tuple): average it over leading dims."""
        return tuple(part.expectation(p) for part, p, _ in self._each(params))

    def weighted_expectation(self, params, weights):
        """:meth:`expectation` averaged over the first axis with ``weights`` ``(K, N)``."""
        return tuple(
            part.weighted_expectation(p, weights) for part, p, _ in self._each(params)
        )

    def point(self, expectations):
        """``(N, n_columns)`` point predictions from (averaged) expectations."""
        return self._joined([part.point(e) for part, e in zip(self.parts, expectations)])

    def sample(self, params, generator):
        """``(..., N, n_columns)`` one draw per entry."""
        return self._joined([part.sample(p, generator) for part, p, _ in self._each(params)])

    def start(self, target, mask=None):
        """Fit every column's marginal; the decoder bias ``(width,)`` of it."""
        return torch.cat(
            [part.start(target[..., t], None if mask is None else mask[..., t])
             for part, t in zip(self.parts, self.target_slices)]
        )

    def gaussian(self):
        """The Gaussian likelihood (its columns come first), or None."""
        first = self.parts[0]
        return first if isinstance(first, Gaussian) else None

    def extra_repr(self):
        return ", ".join(f"{name}: {arg}" for name, arg in self.groups)


def _slices(sizes):
    bounds = [0, *itertools.accumulate(sizes)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
