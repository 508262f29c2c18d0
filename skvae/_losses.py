"""Loss terms as pure torch functions over tensors.

The log-probabilities of entries (``*_log_prob``) are per entry; the
densities of latent codes reduce over the last axis and return one value per
row (shape ``(..., N)``), so callers choose how to average.
"""

import math

import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)
# From this argument on, ``lgamma`` differences use Stirling's series, which
# avoids the cancellation of large ``lgamma`` values in float32.
_STIRLING_MIN = 10.0


def gaussian_log_prob(x, mean, log_scale):
    """log N(x | mean, exp(log_scale)^2) of each entry (no reduction).

    Equals ``Normal(mean, log_scale.exp()).log_prob(x)`` without building a
    distribution object.
    """
    z = (x - mean) * torch.exp(-log_scale)
    return -0.5 * z.square() - log_scale - 0.5 * LOG_2PI


def bernoulli_log_prob(x, logits):
    """log Bernoulli(x | sigmoid(logits)) of each entry (no reduction).

    Equals ``Bernoulli(logits=logits).log_prob(x)``; ``x`` may lie anywhere in
    [0, 1] (the continuous relaxation used for grey-level data). ``x``
    broadcasts against ``logits``, as in the Gaussian case.
    """
    x = x.expand_as(logits)  # the torch function does not broadcast
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none")



def _stirling_correction(a):
    """``lgamma(a) - ((a - 1/2) log a - a + log(2 pi) / 2)``, for ``a >= 9``."""
    inv = a.reciprocal()
    inv2 = inv.square()
    return inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)))


def _lgamma_shift(a, d):
    """``lgamma(a + d) - lgamma(a)`` for ``a >= 10``, ``d > -1``, by Stirling."""
    correction = _stirling_correction(a + d) - _stirling_correction(a)
    return d * torch.log(a + d) + (a - 0.5) * torch.log1p(d / a) - d + correction


def _deviance_difference(y, r, log_mu):
    """``bd0(y + r, r + mu) - bd0(y, mu)``, with ``bd0(x, lam) = x log(x / lam) + lam - x``.

    The ``lam - x`` parts of the two cancel exactly, leaving
    ``(y + r) t1 - y t2`` with ``t1 = log((y + r) / (r + mu))`` and
    ``t2 = log(y / mu)``. Where both ``t`` are small, each ``bd0`` is taken
    as ``x (t + expm1(-t))`` (Loader's ``bd0``, 2000), second-order accurate
    in ``t``; elsewhere the difference is taken in its short form, because
    each ``bd0`` is then nearly ``mu`` and their difference would lose every
    digit in float32 when ``mu`` is far above ``y`` and ``r``.
    """
    t1 = torch.log(y + r) - torch.logaddexp(torch.log(r), log_mu)
    t2 = torch.log(y) - log_mu
    short = (y + r) * t1 - y * t2
    s1, s2 = t1.clamp(-1.0, 1.0), t2.clamp(-1.0, 1.0)  # finite where unused
    loader = (y + r) * (s1 + torch.expm1(-s1)) - y * (s2 + torch.expm1(-s2))
    return torch.where((t1.abs() < 1.0) & (t2.abs() < 1.0), loader, short)


def negative_binomial_log_prob(y, log_mu, log_r):
    """log NB2(y | mean exp(log_mu), dispersion exp(log_r)), elementwise.

    Three forms, chosen per entry: plain ``lgamma`` when ``y`` and ``r`` are
    small; Stirling's series for the ``lgamma`` difference when one is large;
    Loader's (2000) saddle-point form when both are. float32 stays accurate
    for counts and dispersions in the millions. Every form is finite
    everywhere, so that ``torch.where`` passes finite gradients.
    """
    r = log_r.exp()
    tail = -r * F.softplus(log_mu - log_r) - y * F.softplus(log_r - log_mu)
    small = torch.lgamma(y + r) - torch.lgamma(r) - torch.lgamma(y + 1) + tail
    big = torch.maximum(r, y + 1).clamp(min=_STIRLING_MIN)
    other = torch.minimum(r, y + 1)
    one_big = _lgamma_shift(big, other - 1) - torch.lgamma(other) + tail
    y_c, r_c = y.clamp(min=_STIRLING_MIN), r.clamp(min=_STIRLING_MIN)
    both_big = (
        _deviance_difference(y_c, r_c, log_mu)
        - 0.5 * torch.log(2 * math.pi * y_c * (y_c + r_c) / r_c)
        + _stirling_correction(y_c + r_c)
        - _stirling_correction(r_c)
        - _stirling_correction(y_c)
    )
    r_big, y_big = r >= _STIRLING_MIN, y >= _STIRLING_MIN
    out = torch.where(r_big | y_big, one_big, small)
    return torch.where(r_big & y_big, both_big, out)

def kl_standard_normal(mean, log_var):
    """KL(N(mean, diag(exp(log_var))) || N(0, I)) per row, in closed form.

    Kingma & Welling (2014), Auto-Encoding Variational Bayes, Appendix B:
    ``-KL = 1/2 * sum(1 + log_var - mean^2 - exp(log_var))``.
    """
    return 0.5 * (log_var.exp() + mean.square() - 1.0 - log_var).sum(-1)


def posterior_log_density(noise, log_var):
    """log N(z | mean, diag(exp(log_var))) at ``z = mean + exp(log_var / 2) * noise``.

    Summed over the last axis. Computed from the noise, as
    ``-1/2 * sum(noise^2 + log_var + log(2 pi))``, not from ``z - mean``:
    in floating point that difference loses the noise when ``|mean|`` is far
    larger than the scale (a row far outside the training data), and the
    density, divided by a tiny variance, would be wrong by orders of
    magnitude.
    """
    return -0.5 * (noise.square() + log_var + LOG_2PI).sum(-1)


def standard_normal_log_density(z):
    """log N(z | 0, I) summed over the last axis."""
    return -0.5 * (z.square() + LOG_2PI).sum(-1)


def elbo(log_likelihood, kl, beta=1.0):
    """Evidence lower bound per row, ``E_q[log p(x|z)] - beta * KL(q || p)``.

    Kingma & Welling (2014), eq. 3, with the KL weight of Higgins et al.
    (2017), beta-VAE.
    """
    return log_likelihood - beta * kl


def log_mean_exp(log_weights, dim=0):
    """``log(mean(exp(log_weights)))`` along ``dim``, computed stably.

    Applied to importance log-weights ``log p(x, z_k) - log q(z_k | x)`` over
    ``k`` it is the importance-weighted bound of Burda, Grosse &
    Salakhutdinov (2016), eq. 8: a lower bound on ``log p(x)`` that tightens
    as the number of samples grows.
    """
    if log_weights.shape[dim] == 1:  # one sample: the bound is its log-weight
        return log_weights.squeeze(dim)
    return torch.logsumexp(log_weights, dim=dim) - math.log(log_weights.shape[dim])
