"""Column likelihoods against torch.distributions and closed forms."""

import copy
import math

import pytest
import torch
import torch.distributions as D

from skvae._likelihoods import (
    LIKELIHOODS,
    MIN_LOG_SCALE,
    Bernoulli,
    Categorical,
    Gaussian,
    NegativeBinomial,
    Ordinal,
    TruncatedNegativeBinomial,
)

N_CLASSES = (2, 5, 1, 3)
N_ROWS = 6
N_DRAWS = 20_000
NAMES = sorted(LIKELIHOODS)
ATOMS = [3.0, 0.0, 1.0]  # of the truncated counts' columns


def _generator(seed=0):
    return torch.Generator().manual_seed(seed)


def _randn(*shape, seed=0):
    return torch.randn(*shape, generator=_generator(seed))


def _make(name):
    """A small likelihood of each type, with non-trivial learned parameters."""
    likelihood = LIKELIHOODS[name](_args(name))
    with torch.no_grad():
        for i, parameter in enumerate(likelihood.parameters()):
            parameter.add_(0.5 * _randn(*parameter.shape, seed=10 + i))
    return likelihood


def _args(name):
    if name in ("categorical", "ordinal"):
        return N_CLASSES
    return ATOMS if name == "truncated-count" else 3


def _target(name, n_rows=N_ROWS, seed=1):
    """Valid targets ``(n_rows, n_columns)`` in each likelihood's coding."""
    generator = _generator(seed)
    if name == "gaussian":
        return torch.randn(n_rows, 3, generator=generator)
    if name in ("bernoulli", "count", "truncated-count"):
        high = 2 if name == "bernoulli" else 30
        target = torch.randint(0, high, (n_rows, 3), generator=generator)
    else:
        columns = [
            torch.randint(0, k, (n_rows,), generator=generator) for k in N_CLASSES
        ]
        target = torch.stack(columns, 1)
    return target.to(torch.get_default_dtype())


def _params(likelihood, *leading, seed=2):
    return _randn(*leading, N_ROWS, likelihood.width, seed=seed)


def _reference_log_prob(likelihood, params, target):
    """Per-entry log-probability from torch.distributions, column by column."""
    if isinstance(likelihood, Gaussian):
        return D.Normal(params, likelihood.scale()).log_prob(target)
    if isinstance(likelihood, Bernoulli):
        return D.Bernoulli(logits=params).log_prob(target.expand_as(params))
    if isinstance(likelihood, NegativeBinomial):
        r = likelihood.dispersion()
        nb = D.NegativeBinomial(total_count=r, logits=params - r.log())
        if isinstance(likelihood, TruncatedNegativeBinomial):
            atoms = likelihood.atoms.expand_as(params)
            return nb.log_prob(target) - torch.log1p(-nb.log_prob(atoms).exp())
        return nb.log_prob(target)
    columns, start = [], 0
    for j, k in enumerate(likelihood.n_classes):
        logits = params[..., start : start + k]
        columns.append(D.Categorical(logits=logits).log_prob(target[:, j]))
        start += k
    return torch.stack(columns, -1)


def _ordinal_probabilities(likelihood, params):
    """P(y = k) of each column by differences of sigmoid(theta_k - eta)."""
    theta = likelihood.thresholds()
    columns = []
    for j, k in enumerate(likelihood.n_classes):
        cumulative = torch.sigmoid(theta[j, : k - 1] - params[..., j, None])
        ones = torch.ones(*cumulative.shape[:-1], 1)
        cumulative = torch.cat([cumulative, ones], -1)
        probs = torch.diff(cumulative, dim=-1, prepend=torch.zeros_like(ones))
        pad = torch.zeros(*probs.shape[:-1], likelihood.max_classes - k)
        columns.append(torch.cat([probs, pad], -1))
    return torch.stack(columns, -2)


@pytest.mark.parametrize("leading", [(), (4,)])
@pytest.mark.parametrize(
    "name", ["gaussian", "bernoulli", "categorical", "count", "truncated-count"]
)
def test_log_prob_matches_torch_distributions(name, leading):
    likelihood, target = _make(name), _target(name)
    params = _params(likelihood, *leading)
    log_prob = likelihood.log_prob(params, target)
    assert log_prob.shape == (*leading, N_ROWS, likelihood.n_columns)
    expected = _reference_log_prob(likelihood, params, target)
    torch.testing.assert_close(log_prob, expected)


@pytest.mark.parametrize("leading", [(), (4,)])
def test_ordinal_log_prob_matches_cumulative_logits(leading):
    likelihood, target = _make("ordinal"), _target("ordinal")
    params = 2 * _params(likelihood, *leading)
    expected = _ordinal_probabilities(likelihood, params)
    torch.testing.assert_close(likelihood.expectation(params), expected)
    index = target.long().unsqueeze(-1).expand(*expected.shape[:-1], 1)
    expected_log_prob = expected.gather(-1, index).squeeze(-1).log()
    log_prob = likelihood.log_prob(params, target)
    torch.testing.assert_close(log_prob, expected_log_prob)


def test_ordinal_log_prob_is_finite_in_the_tails():
    likelihood = Ordinal((4,))
    params = torch.tensor([[-60.0], [60.0]])
    log_prob = likelihood.log_prob(params, torch.tensor([[3.0], [0.0]]))
    assert log_prob.isfinite().all()
    assert (log_prob < -50).all()
    assert likelihood.log_prob(params, torch.tensor([[0.0], [3.0]])).abs().max() < 1e-6


def test_ordinal_log_prob_of_every_level_and_its_gradients_match_the_reference():
    # log_prob evaluates each entry's own level only: check it level by level,
    # with the gradients it sends to the locations and the thresholds
    likelihood = _make("ordinal")
    params = (2 * _params(likelihood, 3)).requires_grad_()
    for level in range(max(N_CLASSES)):
        valid = torch.tensor([level < k for k in N_CLASSES])
        target = torch.full((N_ROWS, len(N_CLASSES)), float(level)).where(valid, 0.0)
        log_prob = likelihood.log_prob(params, target)
        gradients = torch.autograd.grad(
            log_prob.sum(), [params, likelihood.first_threshold, likelihood.raw_gaps]
        )
        reference = _ordinal_probabilities(likelihood, params)
        index = target.long().unsqueeze(-1).expand(*reference.shape[:-1], 1)
        expected = reference.gather(-1, index).squeeze(-1).log()
        expected_gradients = torch.autograd.grad(
            expected.sum(), [params, likelihood.first_threshold, likelihood.raw_gaps]
        )
        torch.testing.assert_close(log_prob, expected)
        for gradient, expected_gradient in zip(gradients, expected_gradients):
            torch.testing.assert_close(gradient, expected_gradient, atol=1e-5, rtol=1e-4)


def test_ordinal_thresholds_stay_ordered():
    likelihood = Ordinal((6, 3))
    with torch.no_grad():
        likelihood.raw_gaps.copy_(10 * _randn(*likelihood.raw_gaps.shape))
    theta = likelihood.thresholds()
    assert theta.shape == (2, 5)
    assert (theta.diff(dim=-1) >= 0).all()  # float32 may merge tiny gaps
    # Even then, every level keeps a finite log-probability and gradient.
    params = torch.zeros(6, 2, requires_grad=True)
    target = torch.tensor([[k, min(k, 2)] for k in range(6)], dtype=torch.float32)
    log_prob = likelihood.log_prob(params, target)
    assert log_prob.isfinite().all()
    log_prob.sum().backward()
    assert params.grad.isfinite().all()
    assert likelihood.raw_gaps.grad.isfinite().all()


@pytest.mark.parametrize("name", ["categorical", "ordinal"])
def test_class_probabilities_sum_to_one_and_vanish_on_padding(name):
    likelihood = _make(name)
    probs = likelihood.expectation(3 * _params(likelihood, 2))
    assert probs.shape == (2, N_ROWS, len(N_CLASSES), max(N_CLASSES))
    torch.testing.assert_close(probs.sum(-1), torch.ones(probs.shape[:-1]))
    valid = torch.arange(max(N_CLASSES)) < torch.tensor(N_CLASSES)[:, None]
    assert (probs[..., ~valid] == 0).all()
    assert (probs[..., valid] > 0).all()


@pytest.mark.parametrize(
    "y, mu, r",
    [
        (3.0, 2.0, 1e8),  # Poisson limit
        (0.0, 1e-3, 1e4),
        (0.0, 100.0, 1e-4),
        (5.0, 5.0, 5.0),
        (9.0, 8.0, 9.99),
        (10.0, 8.0, 10.0),
        (1e6, 9e5, 0.5),
        (1e6, 1e6, 1e6),
        (2e5, 3e5, 1e8),
        (30.0, 1e30, 50.0),  # a mean far above the count and the dispersion
        (30.0, 1e12, 1e4),
        (1e4, 1e20, 1e6),
        (20.0, 1e-20, 30.0),  # and far below
    ],
)
def test_count_log_prob_is_accurate_in_float32(y, mu, r):
    float64 = {"dtype": torch.float64}
    nb = D.NegativeBinomial(
        total_count=torch.tensor(r, **float64),
        logits=torch.tensor(mu / r, **float64).log(),
    )
    expected = nb.log_prob(torch.tensor(y, **float64)).float()
    likelihood = NegativeBinomial(1)
    with torch.no_grad():
        likelihood.log_r.fill_(torch.tensor(r).log())
    params = torch.tensor([[mu]]).log()
    log_prob = likelihood.log_prob(params, torch.tensor([[y]]))
    torch.testing.assert_close(log_prob[0, 0], expected, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("r", [1e-3, 0.7, 9.5, 30.0, 1e3, 1e7])
@pytest.mark.parametrize("mu", [0.5, 12.0, 80.0])
def test_count_probabilities_sum_to_one(mu, r):
    likelihood = NegativeBinomial(1)
    with torch.no_grad():
        likelihood.log_r.fill_(torch.tensor(r).log())
    y = torch.arange(5000.0)[:, None]
    params = torch.full_like(y, mu).log()
    probs = likelihood.log_prob(params, y).exp()
    # The tail past 5000 is not negligible for tiny r: bound it instead.
    total = probs.sum().item()
    if r >= 0.5:
        assert total == pytest.approx(1.0, abs=1e-4)
        assert (probs[:, 0] * y[:, 0]).sum().item() == pytest.approx(mu, rel=1e-3)
    else:
        assert 0.9 < total <= 1.0 + 1e-4


@pytest.mark.parametrize("atom", [0.0, 12.0])
@pytest.mark.parametrize("r", [0.7, 30.0, 1e7])
def test_a_truncated_count_sums_to_one_without_its_atom(atom, r):
    likelihood = TruncatedNegativeBinomial([atom])
    with torch.no_grad():
        likelihood.log_r.fill_(torch.tensor(r).log())
    y = torch.arange(3000.0)[:, None]
    params = torch.full_like(y, 12.0).log()
    probs = likelihood.log_prob(params, y).exp()[y != atom]
    assert probs.sum().item() == pytest.approx(1.0, abs=1e-4)
    mean = (probs * y[y != atom]).sum().item()
    assert likelihood.expectation(params[:1])[0, 0].item() == pytest.approx(mean, rel=1e-4)


def test_a_truncated_count_stays_finite_when_the_atom_holds_the_mass():
    # the decoder sure of the atom: the entry is masked, its terms must stay finite
    likelihood = TruncatedNegativeBinomial([0.0])
    params = torch.tensor([[math.log(5.0)], [math.log(1e-30)]]).requires_grad_()
    target = torch.tensor([[5.0], [0.0]])  # the second row: mean 1e-30, at the atom
    log_prob = likelihood.log_prob(params, target)
    log_prob.sum().backward()
    assert log_prob.isfinite().all() and params.grad.isfinite().all()
    draws = likelihood.sample(params.detach().expand(3, 2, 1), _generator())
    assert (draws[:, 1] == 1).all()  # never the atom: its neighbour


@pytest.mark.parametrize("name", NAMES)
def test_reconstruction_error(name):
    likelihood, target = _make(name), _target(name)
    params = _params(likelihood, 3)
    error = likelihood.reconstruction_error(params, target)
    if name == "gaussian":
        expected = (target - params) ** 2
    else:
        expected = -likelihood.log_prob(params, target)
    torch.testing.assert_close(error, expected)


@pytest.mark.parametrize("name", ["gaussian", "bernoulli", "count"])
def test_expectation_and_point_of_a_distribution_per_entry(name):
    likelihood = _make(name)
    params = _params(likelihood, 2)
    expected = {
        "gaussian": params,
        "bernoulli": torch.sigmoid(params),
        "count": params.exp(),
    }[name]
    expectation = likelihood.expectation(params)
    torch.testing.assert_close(expectation, expected)
    torch.testing.assert_close(likelihood.point(expectation.mean(0)), expected.mean(0))


@pytest.mark.parametrize("name", NAMES)
def test_weighted_expectation_is_the_weighted_mean_of_the_expectations(name):
    likelihood = _make(name)
    params = 3 * _params(likelihood, 7)
    weights = torch.softmax(_randn(7, N_ROWS, seed=3), 0)
    expectation = likelihood.expectation(params)
    shape = (*weights.shape, *[1] * (expectation.dim() - 2))
    expected = (weights.view(shape) * expectation).sum(0)
    weighted = likelihood.weighted_expectation(params, weights)
    torch.testing.assert_close(weighted, expected)
    assert weighted.shape == likelihood.expectation(params[0]).shape


@pytest.mark.parametrize("name", ["categorical", "ordinal"])
def test_point_of_the_averaged_probabilities(name):
    """The most probable class of a categorical column; an ordinal column's
    median level, the level of least expected distance."""
    likelihood = _make(name)
    params = 3 * _params(likelihood, 5)
    expectation = likelihood.expectation(params)
    assert likelihood.point(expectation[0]).shape == (N_ROWS, len(N_CLASSES))
    averaged = expectation.mean(0)
    point = likelihood.point(averaged)
    assert point.dtype == torch.float32
    assert (point < torch.tensor(N_CLASSES)).all()
    if name == "categorical":
        torch.testing.assert_close(point, averaged.argmax(-1).float())
        # the argmax of the logits, column by column
        first = params[0, :, : N_CLASSES[0]].argmax(-1).float()
        torch.testing.assert_close(likelihood.point(expectation[0])[:, 0], first)
        return
    levels = torch.arange(averaged.shape[-1], dtype=torch.float32)
    distance = (averaged[..., None, :] * (levels[:, None] - levels).abs()).sum(-1)
    valid = levels < torch.tensor(N_CLASSES)[:, None]  # (n_columns, max_classes)
    distance = distance.masked_fill(~valid, float("inf"))
    torch.testing.assert_close(point, distance.argmin(-1).float())
    median = likelihood.point(torch.tensor([[[0.4, 0.3, 0.3]]]))
    assert median.item() == 1.0  # the mode would be 0


@pytest.mark.parametrize("name", NAMES)
def test_sample_is_reproducible_and_leaves_the_global_rng_alone(name):
    likelihood = _make(name)
    params = _params(likelihood, 2)
    state = torch.get_rng_state()
    first = likelihood.sample(params, _generator(5))
    assert torch.equal(torch.get_rng_state(), state)
    assert first.shape == (2, N_ROWS, likelihood.n_columns)
    assert torch.equal(first, likelihood.sample(params, _generator(5)))
    assert not torch.equal(first, likelihood.sample(params, _generator(6)))


@pytest.mark.parametrize("name", NAMES)
def test_samples_lie_in_the_support(name):
    likelihood = _make(name)
    draws = likelihood.sample(3 * _params(likelihood, 50), _generator())
    if name == "gaussian":
        assert draws.isfinite().all()
        return
    assert (draws == draws.round()).all()
    assert (draws >= 0).all()
    if name == "bernoulli":
        assert (draws <= 1).all()
    elif name in ("categorical", "ordinal"):
        assert (draws < torch.tensor(N_CLASSES)).all()
        for j, k in enumerate(N_CLASSES):  # every class is drawn
            assert draws[..., j].unique().numel() == k


@pytest.mark.parametrize("name", NAMES)
def test_sample_moments_match_the_model(name):
    likelihood = _make(name)
    params = _params(likelihood)[:1].expand(N_DRAWS, 1, -1)
    draws = likelihood.sample(params, _generator(3))[:, 0]
    expectation = likelihood.expectation(params[:1, 0])[0]
    if name in ("categorical", "ordinal"):
        frequencies = torch.nn.functional.one_hot(draws.long(), max(N_CLASSES))
        torch.testing.assert_close(
            frequencies.float().mean(0), expectation, atol=0.015, rtol=0
        )
        return
    torch.testing.assert_close(draws.mean(0), expectation, rtol=0.05, atol=0.03)
    if name == "gaussian":
        variance = likelihood.scale().square()
    elif name == "bernoulli":
        variance = expectation * (1 - expectation)
    elif name == "count":
        variance = expectation + expectation.square() / likelihood.dispersion()
    else:  # never the atom
        assert not (draws == likelihood.atoms).any()
        return
    torch.testing.assert_close(draws.var(0), variance, rtol=0.1, atol=0.01)


def _null_model(likelihood, bias, n_rows=1):
    """The model a network with zero weights and this bias computes."""
    return likelihood.expectation(bias.expand(n_rows, -1))[0]


def test_start_gaussian_recovers_mean_and_scale():
    target = 3.0 + 2.0 * _randn(4000, 2)
    likelihood = Gaussian(2)
    bias = likelihood.start(target, torch.ones_like(target, dtype=torch.bool))
    torch.testing.assert_close(bias, target.mean(0))
    torch.testing.assert_close(likelihood.scale(), target.std(0), rtol=1e-3, atol=0)


def test_start_bernoulli_recovers_the_rate():
    target = torch.rand(4000, 3, generator=_generator()) < torch.tensor([0.1, 0.5, 0.0])
    likelihood = Bernoulli(3)
    bias = likelihood.start(target.float(), torch.ones(4000, 3))
    expected = target.float().mean(0).clamp(1e-3, 1 - 1e-3)
    torch.testing.assert_close(_null_model(likelihood, bias), expected)


@pytest.mark.parametrize("name", ["categorical", "ordinal"])
def test_start_recovers_class_frequencies(name):
    likelihood = LIKELIHOODS[name](N_CLASSES)
    target = _target(name, n_rows=3000)
    bias = likelihood.start(target, torch.ones_like(target))
    assert bias.shape == (likelihood.width,)
    frequencies = [
        torch.bincount(column.long(), minlength=max(N_CLASSES)) / len(target)
        for column in target.T
    ]
    expected = torch.stack(frequencies)
    torch.testing.assert_close(
        _null_model(likelihood, bias), expected, atol=2e-3, rtol=0
    )


def test_start_count_recovers_mean_and_variance():
    generator = _generator()
    mean, r = torch.tensor([4.0, 50.0]), torch.tensor([2.0, 10.0])
    rate = torch._standard_gamma(r.expand(20_000, 2).contiguous(), generator=generator)
    target = torch.poisson(rate * mean / r, generator=generator)
    likelihood = NegativeBinomial(2)
    bias = likelihood.start(target, torch.ones_like(target))
    mu = _null_model(likelihood, bias)
    torch.testing.assert_close(mu, target.mean(0))
    variance = mu + mu.square() / likelihood.dispersion()
    torch.testing.assert_close(variance, target.var(0), rtol=1e-3, atol=0)
    torch.testing.assert_close(likelihood.dispersion(), r, rtol=0.1, atol=0)


def test_start_count_without_overdispersion_is_nearly_poisson():
    underdispersed = torch.tensor([2.0, 3.0, 4.0]).repeat(100)  # variance < mean
    target = torch.stack([underdispersed, torch.zeros(300)], 1)
    likelihood = NegativeBinomial(2)
    likelihood.start(target, None)
    torch.testing.assert_close(likelihood.dispersion(), torch.full((2,), 1e4))


@pytest.mark.parametrize("name", NAMES)
def test_start_ignores_missing_entries(name):
    target, rows = (
        _target(name, n_rows=200),
        torch.rand(200, generator=_generator()) < 0.7,
    )
    reference = _make(name)
    expected = reference.start(target[rows], None)
    likelihood = _make(name)
    mask = rows[:, None].expand_as(target)
    bias = likelihood.start(target.masked_fill(~mask, float("nan")), mask)
    torch.testing.assert_close(bias, expected)
    for parameter, other in zip(likelihood.parameters(), reference.parameters()):
        torch.testing.assert_close(parameter, other)


@pytest.mark.parametrize("name", NAMES)
def test_start_without_observed_entries_is_finite(name):
    likelihood, target = _make(name), _target(name)
    mask = torch.ones_like(target)
    mask[:, 0] = 0
    bias = likelihood.start(target, mask)
    assert bias.shape == (likelihood.width,)
    assert bias.isfinite().all()
    assert all(p.isfinite().all() for p in likelihood.parameters())
    params = bias.expand(N_ROWS, -1)
    assert likelihood.log_prob(params, target).isfinite().all()
    assert likelihood.expectation(params).isfinite().all()


def test_start_rejects_invalid_class_indices():
    likelihood = Categorical((2, 3))
    target = torch.tensor([[0.0, 3.0]])
    with pytest.raises(ValueError, match="class indices"):
        likelihood.start(target, torch.ones_like(target))
    with pytest.raises(ValueError, match="class indices"):
        Ordinal((2, 3)).start(torch.tensor([[0.5, 0.0]]), None)
    # An invalid entry that is missing does not count.
    likelihood.start(target, torch.tensor([[True, False]]))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Gaussian(0), "n_columns"),
        (lambda: NegativeBinomial(-1), "n_columns"),
        (lambda: Categorical(()), "at least one class"),
        (lambda: Ordinal((3, 0)), "at least one class"),
    ],
)
def test_invalid_sizes_are_rejected(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("name", NAMES)
def test_gradients_reach_params_and_learned_parameters(name):
    likelihood, target = _make(name), _target(name)
    params = _params(likelihood, 2).requires_grad_()
    likelihood.log_prob(params, target).sum().backward()
    assert params.grad.isfinite().all()
    assert params.grad.abs().sum() > 0
    for parameter in likelihood.parameters():
        assert parameter.grad.isfinite().all()
        assert parameter.grad.abs().sum() > 0


def test_widths_and_registry():
    assert set(LIKELIHOODS) == {
        "gaussian",
        "bernoulli",
        "categorical",
        "ordinal",
        "count",
        "truncated-count",
    }
    assert Gaussian(3).width == Bernoulli(3).width == NegativeBinomial(3).width == 3
    assert Categorical((2, 7, 14)).width == 23
    assert Ordinal((2, 7, 14)).width == 3
    assert "n_classes=(2, 7)" in repr(Categorical((2, 7)))


@pytest.mark.parametrize("name", NAMES)
def test_float64_default_dtype_keeps_float32_parameters(name):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        likelihood = _make(name)
        target = _target(name)
        assert target.dtype == torch.float64
        bias = likelihood.start(target, torch.ones_like(target))
        params = bias.expand(2, N_ROWS, -1)
        assert likelihood.log_prob(params, target).isfinite().all()
        assert likelihood.sample(params, _generator()).shape == (
            2,
            N_ROWS,
            target.shape[1],
        )
        float32 = params.float()
        assert likelihood.log_prob(float32, target.float()).dtype == torch.float32
    finally:
        torch.set_default_dtype(previous)
    assert all(p.dtype == torch.float32 for p in likelihood.parameters())


@pytest.mark.parametrize("name", NAMES)
def test_meta_construction_then_reset(name):
    args = _args(name)
    with torch.device("meta"):
        likelihood = LIKELIHOODS[name](args)
    likelihood = likelihood.to_empty(device="cpu")
    likelihood.reset_parameters(_generator())
    reference = LIKELIHOODS[name](args)
    for (key, value), expected in zip(
        likelihood.state_dict(keep_vars=True).items(), reference.state_dict().values()
    ):
        torch.testing.assert_close(value.detach(), expected, msg=key)
    target, params = _target(name), _params(reference)
    torch.testing.assert_close(
        likelihood.log_prob(params, target), reference.log_prob(params, target)
    )
    for buffer, expected in zip(likelihood.buffers(), reference.buffers()):
        torch.testing.assert_close(buffer, expected)  # set, though not saved


def test_gaussian_scale_is_clamped():
    likelihood = Gaussian(2)
    with torch.no_grad():
        likelihood.log_scale.fill_(-50.0)
    torch.testing.assert_close(
        likelihood.scale(), torch.full((2,), MIN_LOG_SCALE).exp()
    )
    likelihood.start(torch.ones(5, 2), torch.ones(5, 2))  # constant columns
    assert (likelihood.log_scale == MIN_LOG_SCALE).all()


def test_gaussian_scale_floor_per_column_survives_a_reset():
    likelihood = Gaussian(3)
    likelihood.set_scale_floor([0.5, 0.0, 1e-6])  # 0 and below: the global floor
    with torch.no_grad():
        likelihood.log_scale.fill_(-50.0)
    expected = torch.tensor([0.5, *[torch.tensor(MIN_LOG_SCALE).exp()] * 2])
    torch.testing.assert_close(likelihood.scale(), expected)
    target, params = torch.zeros(4, 3), torch.zeros(4, 3)
    torch.testing.assert_close(
        likelihood.log_prob(params, target)[0],
        -expected.log() - 0.5 * torch.log(torch.tensor(2 * torch.pi)),
    )
    likelihood.min_log_scale.fill_(0.0)  # as to_empty leaves it: undefined
    likelihood.reset_parameters()
    torch.testing.assert_close(likelihood.scale(), torch.tensor([1.0, 1.0, 1.0]))
    with torch.no_grad():
        likelihood.log_scale.fill_(-50.0)
    torch.testing.assert_close(likelihood.scale(), expected)
    assert "min_log_scale" not in likelihood.state_dict()  # the table gives it


@pytest.mark.gpu
@pytest.mark.parametrize("name", NAMES)
def test_cuda_agrees_with_cpu(name):
    likelihood, target = _make(name), _target(name)
    cuda = copy.deepcopy(likelihood).to("cuda")
    params, mask = _params(likelihood, 2), torch.ones_like(target)
    torch.testing.assert_close(
        cuda.log_prob(params.cuda(), target.cuda()).cpu(),
        likelihood.log_prob(params, target),
        rtol=1e-4,
        atol=1e-4,
    )
    draws = cuda.sample(params.cuda(), torch.Generator("cuda").manual_seed(0))
    assert draws.device.type == "cuda"
    assert draws.shape == (2, N_ROWS, likelihood.n_columns)
    bias = cuda.start(target.cuda(), mask.cuda())
    torch.testing.assert_close(bias.cpu(), likelihood.start(target, mask))
