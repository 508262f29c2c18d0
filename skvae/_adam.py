"""Adam on torch's fused kernel, without the machinery of ``torch.optim``.

``torch.optim.Adam(fused=True)`` runs one fused kernel per parameter group,
but reaches it through hooks, a profiler label, a grouping of tensors by
device and dtype and a wrapper that keeps ``torch._dynamo`` out of the
optimiser: about 0.15 ms a step on the CPU, a tenth of a small table's
step, and creating the first optimiser of a process imports
``torch._dynamo`` (about a second). :class:`Adam` calls the same kernel on
the same tensors, so training follows the same float path bit for bit, and
keeps ``torch.optim.Adam``'s ``state_dict`` format, so that saved models
load with either. It supports what the models use: parameter groups with
their own ``lr`` and ``weight_decay`` (L2 added to the gradient, as
``torch.optim.Adam`` does), on devices with a fused kernel (CPU and CUDA).
"""

import torch

# The group settings of torch.optim.Adam's state_dict, at its defaults and
# fused, as this optimiser runs.
_GROUP_DEFAULTS = {
    "lr": 1e-3,
    "betas": (0.9, 0.999),
    "eps": 1e-8,
    "weight_decay": 0.0,
    "amsgrad": False,
    "maximize": False,
    "foreach": None,
    "capturable": False,
    "differentiable": False,
    "fused": True,
    "decoupled_weight_decay": False,
}


class Adam:
    """Adam (Kingma & Ba, 2015) over groups of parameters, on fused kernels.

    Parameters
    ----------
    groups : list of list of Tensor
        The parameters of each group; each group has ``lr``,
        ``weight_decay``, ``betas`` and ``eps`` in :attr:`param_groups`.
    """

    def __init__(self, groups):
        self.param_groups = [dict(_GROUP_DEFAULTS, params=list(g)) for g in groups]
        self.state = {}
        self._counters = {}

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient (they are set to None)."""
        for group in self.param_groups:
            for param in group["params"]:
                param.grad = None

    @torch.no_grad()
    def step(self):
        """One update of every parameter that has a gradient."""
        for index, group in enumerate(self.param_groups):
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            steps = self._count_step(index, params)
            states = [self.state[p] for p in params]
            beta1, beta2 = group["betas"]
            torch._fused_adam_(
                params,
                [p.grad for p in params],
                [s["exp_avg"] for s in states],
                [s["exp_avg_sq"] for s in states],
                [],
                steps,
                amsgrad=False,
                lr=group["lr"],
                beta1=beta1,
                beta2=beta2,
                weight_decay=group["weight_decay"],
                eps=group["eps"],
                maximize=False,
                grad_scale=None,
                found_inf=None,
            )

    def _count_step(self, index, params):
        """Add 1 to the step counts of ``params``; return the counts.

        The counts of a group's stepped parameters are views of one tensor,
        so that counting is one addition: ``torch._foreach_add_`` over a
        network's 17 scalar tensors costs about 25 µs on the CPU, a fortieth
        of a small table's step. The views are made again, with the counts'
        values, when the stepped parameters change.
        """
        states = [self._state_of(p) for p in params]
        counter = self._counters.get(index)
        if counter is None or len(counter[0]) != len(params) or any(
            a is not b for a, b in zip(counter[0], params)
        ):
            counts = torch.stack([s["step"] for s in states])
            for state, count in zip(states, counts.unbind()):
                state["step"] = count
            counter = self._counters[index] = (params, counts)
        counter[1].add_(1)
        return [s["step"] for s in states]

    def _state_of(self, param):
        state = self.state.get(param)
        if state is None:  # as torch.optim.Adam's fused state starts
            state = self.state[param] = {
                "step": torch.zeros((), dtype=torch.float32, device=param.device),
                "exp_avg": torch.zeros_like(param, memory_format=torch.preserve_format),
                "exp_avg_sq": torch.zeros_like(param, memory_format=torch.preserve_format),
            }
        return state

    def state_dict(self):
        """The state in ``torch.optim.Adam``'s format (tensors not copied)."""
        index, groups, state = 0, [], {}
        for group in self.param_groups:
            indices = []
            for param in group["params"]:
                if param in self.state:
                    state[index] = dict(self.state[param])
                indices.append(index)
                index += 1
            groups.append({**{k: v for k, v in group.items() if k != "params"},
                           "params": indices})
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Take the state of :meth:`state_dict` or of ``torch.optim.Adam``.

        As ``torch.optim.Adam`` does, the groups' settings are the saved
        ones, the moments are cast to each parameter's dtype and device and
        the step counts to float32 on it; unlike it, they are copied, so that
        stepping never changes the tensors given.
        """
        saved = state_dict["param_groups"]
        if [len(g["params"]) for g in saved] != [len(g["params"]) for g in self.param_groups]:
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match "
                "the size of optimizer's group"
            )
        by_index = {}
        for group, saved_group in zip(self.param_groups, saved):
            by_index.update(zip(saved_group["params"], group["params"]))
            group.update({k: v for k, v in saved_group.items()
                          if k != "params" and k in _GROUP_DEFAULTS})
            group["betas"] = tuple(group["betas"])
        self.state, self._counters = {}, {}
        for index, values in state_dict["state"].items():
            param = by_index[index]
            self.state[param] = {
                key: value.to(dtype=torch.float32 if key == "step" else param.dtype,
                              device=param.device, copy=True)
                for key, value in values.items()
            }
