"""Loss terms as pure torch functions over tensors.

The log-probabilities of entries (``*_log_prob``) are per entry; the
densities of latent codes reduce over the last axis and return one value per
row (shape ``(..., N)``), so callers choose how to average.
"""

import math

import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)


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



def negative_binomial_log_prob(y, log_mu, log_r):
    """log NB2(y | mean exp(log_mu), dispersion exp(log_r)), elementwise.

    ``lgamma(y + r) - lgamma(r) - lgamma(y + 1) - r log(1 + mu / r)
    - y log(1 + r / mu)``, computed in float64 and returned in the dtype of
    ``log_mu``: the ``lgamma`` differences cancel, and float64 keeps them
    accurate for counts and dispersions up to about 1e12 (float32 would lose
    every digit from about 1e5 on). On devices without float64 (Apple's MPS)
    the same form runs in float32.
    """
    dtype = log_mu.dtype
    wide = _wide(log_mu)
    return _nb_log_prob(y.to(wide), log_mu.to(wide), log_r.to(wide)).to(dtype)


# The largest probability of the atom that renormalises a truncated negative
# binomial: at most -log(1e-6) = 13.8 nats added, and finite gradients.
MAX_ATOM_PROBABILITY = 1.0 - 1e-6


def truncated_negative_binomial_log_prob(y, log_mu, log_r, atom):
    """log NB2(y | y != atom) of each entry: the count's probability without its atom.

    ``log NB2(y) - log(1 - NB2(atom))``, in float64 as
    :func:`negative_binomial_log_prob`; ``atom`` broadcasts against ``y``.
    Where the negative binomial puts nearly all its mass on the atom, the
    renormalisation is capped (``MAX_ATOM_PROBABILITY``) so that it stays
    finite at entries the caller masks out.
    """
    dtype = log_mu.dtype
    wide = _wide(log_mu)
    log_mu, log_r = log_mu.to(wide), log_r.to(wide)
    at_atom = _nb_log_prob(atom.to(wide), log_mu, log_r)
    rest = torch.log(-torch.expm1(at_atom.clamp(max=math.log(MAX_ATOM_PROBABILITY))))
    return (_nb_log_prob(y.to(wide), log_mu, log_r) - rest).to(dtype)


def _wide(tensor):
    """float64, or float32 on devices without float64 (Apple's MPS)."""
    return torch.float32 if tensor.device.type == "mps" else torch.float64


def _nb_log_prob(y, log_mu, log_r):
    """The NB2 log-probability in the dtype of its (widened) arguments."""
    r = log_r.exp()
    return (
        torch.lgamma(y + r)
        - torch.lgamma(r)
        - torch.lgamma(y + 1)
        - r * F.softplus(log_mu - log_r)
        - y * F.softplus(log_r - log_mu)
    )


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
