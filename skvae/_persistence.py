"""A fitted model's state in plain types: arrays, numbers, strings, lists, dicts.

``__getstate__`` turns the torch state (weights, optimiser moments, the best
weights of early stopping) into NumPy arrays on the CPU and the table and the
training history into plain dicts; ``__setstate__`` rebuilds the network on
the best available device, and raises a ``ValueError`` when the saved
weights, best weights or optimiser moments do not fit it (a damaged state).
Pickle uses the same state, and so does :func:`skvae.save` through skops,
which needs no pickle and runs no code on load. No training row is kept.
"""

import dataclasses
import warnings

import numpy as np
import torch
from sklearn.exceptions import InconsistentVersionWarning

from . import _version
from ._columns import Table
from ._frames import schema_from_state, schema_state
from ._training import History, make_optimizer
from ._utils import make_generator

# The layout of the saved state; a state of a newer layout cannot be read.
STATE_FORMAT = 2


def arrays(state_dict):
    """A torch ``state_dict`` as NumPy arrays (on the CPU)."""
    return {name: value.detach().cpu().numpy() for name, value in state_dict.items()}


def tensors(arrays_by_name):
    return {name: torch.as_tensor(value) for name, value in arrays_by_name.items()}


class TorchStateMixin:
    """Save a fitted model's state in plain types, device-free; rebuild it.

    Expects ``module_``, ``_device``, ``_optimizer``, ``_optimizer_state``,
    ``_history``, ``_table`` and ``_built_for`` once fitted, and the model's
    ``_build_module``; stands left of :class:`~sklearn.base.BaseEstimator` in
    the bases.
    """

    def __getstate__(self):
        state = super().__getstate__()
        if "module_" not in state:
            return state
        state = dict(state)
        optimizer = state.pop("_optimizer", None)
        optimizer_state = (
            optimizer.state_dict() if optimizer is not None else state["_optimizer_state"]
        )
        history = dataclasses.asdict(self._history)
        if history["best_state"] is not None:
            history["best_state"] = arrays(self._history.best_state)
        state.update(
            module_=arrays(self.module_.state_dict()),
            _optimizer=None,
            _optimizer_state=_plain_optimizer(optimizer_state),
            _history=history,
            _table=self._table.to_state(),
            _built_for={**self._built_for,
                        "hidden_layer_sizes": list(self._built_for["hidden_layer_sizes"])},
            _device=str(self._device),
            _dtype=str(np.dtype(self._dtype)),
            _skvae_version=_version.__version__,
            _state_format=STATE_FORMAT,
        )
        if state.get("_polars_schema") is not None:
            state["_polars_schema"] = schema_state(state["_polars_schema"])
        return self._plain_state(state)

    def _plain_state(self, state):
        """A model's own additions to its saved state (a hook)."""
        return state

    def __setstate__(self, state):
        if "module_" not in state:
            super().__setstate__(state)
            return
        state = dict(state)
        saved_format = state.pop("_state_format", STATE_FORMAT)
        if saved_format > STATE_FORMAT:
            raise ValueError(
                f"This {type(self).__name__} was saved by skvae "
                f"{state.get('_skvae_version')} in state format {saved_format}; "
                f"skvae {_version.__version__} reads format {STATE_FORMAT} at most. "
                "Upgrade skvae to load it."
            )
        saved_version = state.pop("_skvae_version", _version.__version__)
        if saved_version != _version.__version__:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    current_sklearn_version=f"{_version.__version__} (skvae)",
                    original_sklearn_version=f"{saved_version} (skvae)",
                )
            )
        weights = state.pop("module_")
        super().__setstate__(state)
        device = torch.device(self._device)
        if device.type == "cuda" and not torch.cuda.is_available():
            device = torch.device("cpu")
        self._device = device
        self._dtype = np.dtype(self._dtype)
        self._table = Table.from_state(self._table)
        if getattr(self, "_polars_schema", None) is not None:
            self._polars_schema = schema_from_state(self._polars_schema)
        self._built_for["hidden_layer_sizes"] = tuple(self._built_for["hidden_layer_sizes"])
        # Tensors made under the caller's torch.inference_mode could not be
        # trained further
        with torch.inference_mode(False):
            self.module_ = self._build_module(
                self._built_for["hidden_layer_sizes"], make_generator(0, device)
            )
            try:
                self.module_.load_state_dict(tensors(weights))
                history = dict(self._history)
                if "n_steps" not in history:  # format 1: at least a step an epoch
                    history["n_steps"] = len(history["loss_curve"])
                if history["best_state"] is not None:
                    history["best_state"] = {
                        k: v.to(device) for k, v in tensors(history["best_state"]).items()
                    }
                    _check_like(history["best_state"], self.module_.state_dict(),
                                "the best weights of early stopping")
                self._history = History(**history)
                self._optimizer_state = _torch_optimizer(self._optimizer_state)
                _check_optimizer(self._optimizer_state, self.module_, device)
            except (RuntimeError, TypeError, ValueError, KeyError, AttributeError) as exc:
                raise ValueError(
                    f"The saved state of this {type(self).__name__} is damaged or "
                    f"inconsistent ({' '.join(str(exc).split()).rstrip('.')}). Load an "
                    "undamaged copy, or refit the model."
                ) from exc
            self.module_.eval()


def _plain_optimizer(state):
    """An optimiser ``state_dict`` with arrays and string keys, or None."""
    if state is None:
        return None
    return {
        "state": [[int(key), arrays(value)] for key, value in state["state"].items()],
        "param_groups": [dict(group) for group in state["param_groups"]],
    }


def _torch_optimizer(state):
    if state is None:
        return None
    return {
        "state": {key: tensors(value) for key, value in state["state"]},
        "param_groups": [dict(group) for group in state["param_groups"]],
    }


def _check_like(state, reference, what):
    """Raise if ``state`` has not the names and shapes of ``reference``."""
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    expected = {k: tuple(v.shape) for k, v in reference.items()}
    if shapes != expected:
        wrong = sorted(k for k in shapes.keys() | expected.keys()
                       if shapes.get(k) != expected.get(k))
        raise ValueError(
            f"{what} do not fit the network: {wrong[0]} has shape "
            f"{shapes.get(wrong[0])}, the network's {expected.get(wrong[0])}."
        )


def _check_optimizer(state, module, device):
    """Raise if the optimiser's moments have not the shapes of the weights."""
    if state is None:
        return
    optimizer = make_optimizer(module, device)
    params = [p for group in optimizer.param_groups for p in group["params"]]
    order = [i for group in state["param_groups"] for i in group["params"]]
    sizes = [len(group["params"]) for group in state["param_groups"]]
    expected = [len(group["params"]) for group in optimizer.param_groups]
    if sizes != expected or sorted(order) != list(range(len(params))):
        raise ValueError(
            f"the optimiser's state has groups of {sizes} weights, the network "
            f"{expected}."
        )
    position = {index: j for j, index in enumerate(order)}
    for index, moments in state["state"].items():
        shape = tuple(params[position[index]].shape)
        for name, value in moments.items():
            if value.ndim and tuple(value.shape) != shape:
                raise ValueError(
                    f"the optimiser's {name} of weight {index} has shape "
                    f"{tuple(value.shape)}, the weight {shape}."
                )
