"""Pickling that moves tensors to the CPU, so models load on any machine."""

import copy

import torch

from ._training import optimizer_state_to_cpu


class TorchStateMixin:
    """Pickle a fitted model's torch state on the CPU; restore it on its device.

    A model fitted on a GPU pickles with its module, optimiser state and
    best weights on the CPU, and loads back on the GPU when one is present,
    else on the CPU. Expects ``module_``, ``_device``, ``_optimizer``,
    ``_optimizer_state`` and ``_history`` once fitted; stands left of
    :class:`~sklearn.base.BaseEstimator` in the bases.
    """

    def __getstate__(self):
        state = super().__getstate__()
        if "module_" not in state:
            return state
        state = dict(state)
        if self._device.type != "cpu":
            state["module_"] = copy.deepcopy(self.module_).cpu()
        if state.get("_optimizer") is not None:
            state["_optimizer_state"] = optimizer_state_to_cpu(self._optimizer)
        state["_optimizer"] = None
        history = copy.copy(self._history)
        if history.best_state is not None:
            history.best_state = {k: v.cpu() for k, v in history.best_state.items()}
        state["_history"] = history
        state["_device"] = str(self._device)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "module_" not in state:
            return
        device = torch.device(self._device)
        if device.type == "cuda" and not torch.cuda.is_available():
            device = torch.device("cpu")
        self._device = device
        self.module_ = self.module_.to(device)
