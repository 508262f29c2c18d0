"""Loss terms against closed forms and torch.distributions."""

import math

import pytest
import torch
from torch.distributions import Bernoulli, Normal, kl_divergence

from skvae._losses import (
    bernoulli_log_prob,
    elbo,
    gaussian_log_prob,
    kl_standard_normal,
    log_mean_exp,
    posterior_log_density,
    standard_normal_log_density,
)

ATOL = 1e-5


def _randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def test_kl_of_standard_normal_is_zero():
    mean, log_var = torch.zeros(4, 3), torch.zeros(4, 3)
    torch.testing.assert_close(kl_standard_normal(mean, log_var), torch.zeros(4))


def test_kl_matches_torch_distributions():
    mean, log_var = _randn(5, 3), _randn(5, 3, seed=1)
    q = Normal(mean, torch.exp(0.5 * log_var))
    p = Normal(torch.zeros(3), torch.ones(3))
    expected = kl_divergence(q, p).sum(-1)
    torch.testing.assert_close(kl_standard_normal(mean, log_var), expected)


def test_kl_is_positive_away_from_prior():
    assert (kl_standard_normal(torch.ones(2, 2), torch.zeros(2, 2)) > 0).all()


def test_gaussian_log_prob_matches_normal():
    x, mean, log_scale = _randn(6, 4), _randn(6, 4, seed=1), _randn(4, seed=2)
    expected = Normal(mean, log_scale.exp()).log_prob(x)
    torch.testing.assert_close(gaussian_log_prob(x, mean, log_scale), expected)


def test_bernoulli_log_prob_matches_bernoulli():
    x = (_randn(5, 4) > 0).float()
    logits = _randn(5, 4, seed=1)
    expected = Bernoulli(logits=logits).log_prob(x)
    torch.testing.assert_close(bernoulli_log_prob(x, logits), expected)


def test_posterior_log_density_matches_normal():
    noise, mean, log_var = _randn(7, 2), _randn(7, 2, seed=1), _randn(7, 2, seed=2)
    z = mean + torch.exp(0.5 * log_var) * noise
    expected = Normal(mean, torch.exp(0.5 * log_var)).log_prob(z).sum(-1)
    torch.testing.assert_close(posterior_log_density(noise, log_var), expected)
    torch.testing.assert_close(
        standard_normal_log_density(z), Normal(0.0, 1.0).log_prob(z).sum(-1)
    )


def test_posterior_log_density_is_exact_far_from_zero():
    # z - mean would lose the noise: 1e12 + 1e-6 * noise rounds to 1e12
    noise, log_var = _randn(7, 2), torch.full((7, 2), -27.6)
    far = posterior_log_density(noise, log_var)
    near = Normal(0.0, torch.exp(0.5 * log_var)).log_prob(
        torch.exp(0.5 * log_var) * noise).sum(-1)
    torch.testing.assert_close(far, near)




def test_elbo_weights_kl_by_beta():
    ll, kl = torch.tensor([-3.0]), torch.tensor([2.0])
    assert elbo(ll, kl).item() == -5.0
    assert elbo(ll, kl, beta=0.5).item() == -4.0
    assert elbo(ll, kl, beta=0.0).item() == -3.0


def test_log_mean_exp_is_stable():
    values = torch.tensor([[1000.0], [1000.0]])
    torch.testing.assert_close(log_mean_exp(values), torch.tensor([1000.0]))
    values = torch.log(torch.tensor([[1.0], [3.0]]))
    torch.testing.assert_close(log_mean_exp(values), torch.tensor([math.log(2.0)]))


# A toy latent model with an exact marginal: z ~ N(0, 1), x | z ~ N(z, s^2),
# so p(x) = N(0, 1 + s^2). The proposal q(z | x) is deliberately imperfect.
def _toy_log_weights(x, n_samples, seed=0):
    s = 0.5
    q_mean, q_log_var = 0.5 * x, torch.zeros_like(x)
    noise = _randn(n_samples, *x.shape, seed=seed)
    z = q_mean + torch.exp(0.5 * q_log_var) * noise
    log_lik = Normal(z, s).log_prob(x)
    log_ratio = Normal(0.0, 1.0).log_prob(z) - Normal(q_mean, 1.0).log_prob(z)
    exact = Normal(0.0, math.sqrt(1 + s**2)).log_prob(x)
    return log_lik + log_ratio, exact


@pytest.mark.parametrize("n_samples", [5, 50])
def test_iwae_bound_is_above_elbo_and_below_log_likelihood(n_samples):
    x = _randn(2000)
    elbo_weights, exact = _toy_log_weights(x, 1, seed=1)
    iw_weights, _ = _toy_log_weights(x, n_samples, seed=2)
    elbo_estimate = elbo_weights.mean(0).mean()
    iwae_estimate = log_mean_exp(iw_weights).mean()
    assert elbo_estimate < iwae_estimate < exact.mean()


def test_iwae_bound_tightens_with_more_samples():
    x = _randn(2000)
    gaps = []
    for n_samples in (1, 10, 100, 1000):
        log_w, exact = _toy_log_weights(x, n_samples, seed=3)
        gaps.append((exact - log_mean_exp(log_w)).mean().item())
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 0.01 < gaps[0]


def test_bernoulli_log_prob_broadcasts_over_importance_samples():
    x = (_randn(5, 4) > 0).float()
    logits = _randn(3, 5, 4, seed=1)
    expected = Bernoulli(logits=logits).log_prob(x)
    torch.testing.assert_close(bernoulli_log_prob(x, logits), expected)
