"""The optimiser: torch's fused Adam, bit for bit, in torch's state format."""

import copy
import subprocess
import sys

import pytest
import torch

from skvae._adam import Adam


def _params(seed=0):
    generator = torch.Generator().manual_seed(seed)
    weights = [torch.randn(5, 3, generator=generator), torch.randn(2, 5, generator=generator)]
    others = [torch.randn(5, generator=generator), torch.randn(2, generator=generator)]
    return [[p.requires_grad_() for p in weights], [p.requires_grad_() for p in others]]


def _loss(groups, x):
    (w1, w2), (b1, b2) = groups
    return torch.tanh(x @ w1.T + b1).matmul(w2.T).add(b2).square().mean()


def _train(optimizer, groups, n_steps, seed=1):
    generator = torch.Generator().manual_seed(seed)
    for _ in range(n_steps):
        optimizer.zero_grad(set_to_none=True)
        _loss(groups, torch.randn(8, 3, generator=generator)).backward()
        optimizer.step()


def _torch_adam(groups, lrs=(1e-2, 3e-3), weight_decay=1e-3):
    return torch.optim.Adam(
        [{"params": groups[0], "lr": lrs[0], "weight_decay": weight_decay},
         {"params": groups[1], "lr": lrs[1]}],
        fused=True,
    )


def _ours(groups, lrs=(1e-2, 3e-3), weight_decay=1e-3):
    optimizer = Adam(groups)
    optimizer.param_groups[0].update(lr=lrs[0], weight_decay=weight_decay)
    optimizer.param_groups[1]["lr"] = lrs[1]
    return optimizer


def _assert_same_state(ours, theirs):
    mine, other = ours.state_dict(), theirs.state_dict()
    assert mine["param_groups"] == other["param_groups"]
    assert mine["state"].keys() == other["state"].keys()
    for index, values in other["state"].items():
        assert mine["state"][index].keys() == values.keys()
        for key, value in values.items():
            assert mine["state"][index][key].dtype == value.dtype
            torch.testing.assert_close(mine["state"][index][key], value, rtol=0, atol=0)


def test_same_updates_and_state_as_torch_fused_adam():
    ours_params, torch_params = _params(), _params()
    ours, theirs = _ours(ours_params), _torch_adam(torch_params)
    _train(ours, ours_params, 25)
    _train(theirs, torch_params, 25)
    for mine, other in zip(sum(ours_params, []), sum(torch_params, [])):
        torch.testing.assert_close(mine, other, rtol=0, atol=0)
    _assert_same_state(ours, theirs)


def test_a_parameter_without_gradient_is_left_alone():
    groups = _params()
    frozen = groups[1][1]
    before = frozen.detach().clone()
    optimizer = _ours(groups)
    optimizer.zero_grad()
    groups[0][0].square().sum().backward()
    optimizer.step()
    torch.testing.assert_close(frozen, before, rtol=0, atol=0)
    assert frozen not in optimizer.state and groups[0][0] in optimizer.state


def test_step_counts_follow_which_parameters_have_gradients():
    """Each parameter counts its own steps when the stepped ones change."""
    ours_params, torch_params = _params(), _params()
    ours, theirs = _ours(ours_params), _torch_adam(torch_params)
    generator = torch.Generator().manual_seed(3)
    for step in range(12):
        x = torch.randn(8, 3, generator=generator)
        for optimizer, groups in ((ours, ours_params), (theirs, torch_params)):
            optimizer.zero_grad(set_to_none=True)
            _loss(groups, x).backward()
            if step % 3 == 1:  # the second bias skips a step now and then
                groups[1][1].grad = None
            optimizer.step()
    for mine, other in zip(sum(ours_params, []), sum(torch_params, [])):
        torch.testing.assert_close(mine, other, rtol=0, atol=0)
    _assert_same_state(ours, theirs)
    counts = [s["step"].item() for s in ours.state_dict()["state"].values()]
    assert counts == [12.0, 12.0, 12.0, 8.0]


@pytest.mark.parametrize("direction", ["torch to ours", "ours to torch"])
def test_state_moves_between_the_two_optimisers(direction):
    """A model saved with one optimiser resumes with the other, on the same path."""
    first_params, second_params, reference_params = _params(), _params(), _params()
    make_first, make_second = ((_torch_adam, _ours) if direction == "torch to ours"
                               else (_ours, _torch_adam))
    first, reference = make_first(first_params), make_first(reference_params)
    _train(first, first_params, 10)
    _train(reference, reference_params, 10)
    with torch.no_grad():
        for source, target in zip(sum(first_params, []), sum(second_params, [])):
            target.copy_(source)
    # the saved settings are restored too
    second = make_second(second_params, lrs=(0.5, 0.5), weight_decay=0.0)
    second.load_state_dict(copy.deepcopy(first.state_dict()))
    _assert_same_state(second, first)
    _train(second, second_params, 10, seed=2)
    _train(reference, reference_params, 10, seed=2)
    for mine, other in zip(sum(second_params, []), sum(reference_params, [])):
        torch.testing.assert_close(mine, other, rtol=0, atol=0)


def test_a_state_of_other_groups_is_refused():
    groups = _params()
    state = _ours(groups).state_dict()
    state["param_groups"][1]["params"].append(4)
    with pytest.raises(ValueError, match="doesn't match"):
        _ours(_params()).load_state_dict(state)


def test_the_first_fit_imports_no_compiler():
    """torch.optim imports torch._dynamo, materialising meta tensors sympy: a
    second and a third of one at the first fit of a process."""
    code = (
        "import sys\n"
        "import numpy as np\n"
        "from skvae import VAETransformer\n"
        "X = np.random.RandomState(0).normal(size=(60, 4))\n"
        "VAETransformer(max_iter=2).fit(X).transform(X)\n"
        "print(sorted(m for m in ('torch._dynamo', 'sympy') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
