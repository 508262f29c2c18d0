"""A fitted model's state in plain types: arrays, numbers, strings, lists, dicts.

:func:`plain_state` turns the torch state of a model's ``__getstate__``
(weights, optimiser moments, the best weights of early stopping) into NumPy
arrays on the CPU and the table and the training history into plain dicts;
:func:`read_state` and :func:`load_torch_state` undo it for
``__setstate__``, the network rebuilt on the best available device, and
raise a ``ValueError`` when the saved weights, best weights or optimiser
moments do not fit it (a damaged state). The model's ``__getstate__`` and
``__setstate__`` (:class:`~._base.BaseAutoencoder`) call them and set its
attributes. Pickle uses the same state, and so does :func:`skvae.save`
through skops, which needs no pickle and runs no code on load. A model keeps
no training row.
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

# The layout of the saved state; a state of a newer layout cannot be read.
# 3: a log-coded column keeps the range of its codes (Column.low, .high).
# 4: a column with no observed value in fit is marked (Column.observed).
STATE_FORMAT = 4


def arrays(state_dict):
    """A torch ``state_dict`` as NumPy arrays (on the CPU)."""
    return {name: value.detach().cpu().numpy() for name, value in state_dict.items()}


def tensors(arrays_by_name):
    """Arrays as tensors of their own memory.

    Copied, not shared: the arrays may be read-only (a file mapped into
    memory, as ``joblib.load(mmap_mode="r")`` and joblib's workers give
    large arrays), and an optimiser steps its moments in place.
    """
    return {name: torch.tensor(np.asarray(value)) for name, value in arrays_by_name.items()}


def plain_state(state):
    """A fitted model's ``__dict__`` (copied) with its torch and table state in plain types."""
    state = dict(state)
    optimizer = state.pop("_optimizer", None)
    optimizer_state = (
        optimizer.state_dict() if optimizer is not None else state["_optimizer_state"]
    )
    history = dataclasses.asdict(state["_history"])
    if history["best_state"] is not None:
        history["best_state"] = arrays(state["_history"].best_state)
    built_for = state["_built_for"]
    state.update(
        module_=arrays(state["module_"].state_dict()),
        _optimizer=None,
        _optimizer_state=_plain_optimizer(optimizer_state),
        _history=history,
        _table=state["_table"].to_state(),
        _built_for={**built_for, "hidden_layer_sizes": list(built_for["hidden_layer_sizes"])},
        _device=str(state["_device"]),
        _dtype=str(np.dtype(state["_dtype"])),
        _skvae_version=_version.__version__,
        _state_format=STATE_FORMAT,
    )
    if state.get("_polars_schema") is not None:
        state["_polars_schema"] = schema_state(state["_polars_schema"])
    return state


def read_state(state, name):
    """A saved state read back, but for its torch parts: ``(state, weights)``.

    ``state`` has its device (the CPU where the saved GPU is missing),
    dtype, table, polars schema and architecture in their working types;
    ``weights`` are the module's saved arrays, for :func:`load_torch_state`.
    A state of a newer format raises; one of another skvae version warns.
    """
    state = dict(state)
    saved_format = state.pop("_state_format", STATE_FORMAT)
    if saved_format > STATE_FORMAT:
        raise ValueError(
            f"This {name} was saved by skvae {state.get('_skvae_version')} in state "
            f"format {saved_format}; skvae {_version.__version__} reads format "
            f"{STATE_FORMAT} at most. Upgrade skvae to load it."
        )
    saved_version = state.pop("_skvae_version", _version.__version__)
    if saved_version != _version.__version__:
        warnings.warn(
            InconsistentVersionWarning(
                estimator_name=name,
                current_sklearn_version=f"{_version.__version__} (skvae)",
                original_sklearn_version=f"{saved_version} (skvae)",
            )
        )
    weights = state.pop("module_")
    device = torch.device(state["_device"])
    if device.type == "cuda" and not torch.cuda.is_available():
        device = torch.device("cpu")
    state["_device"] = device
    state["_dtype"] = np.dtype(state["_dtype"])
    state["_table"] = Table.from_state(state["_table"])
    if state.get("_polars_schema") is not None:
        state["_polars_schema"] = schema_from_state(state["_polars_schema"])
    state["_built_for"] = dict(
        state["_built_for"],
        hidden_layer_sizes=tuple(state["_built_for"]["hidden_layer_sizes"]),
    )
    return state, weights


def load_torch_state(module, weights, history, optimizer_state, device, name):
    """``(history, optimizer_state)`` in torch types, ``weights`` loaded into ``module``.

    Raises a ``ValueError`` naming ``name`` when the weights, the best
    weights of early stopping or the optimiser's moments do not fit the
    module. Call it outside ``torch.inference_mode``: tensors made there
    could not be trained further.
    """
    try:
        module.load_state_dict(tensors(weights))
        history = dict(history)
        if "n_steps" not in history:  # format 1: at least a step an epoch
            history["n_steps"] = len(history["loss_curve"])
        if history["best_state"] is not None:
            history["best_state"] = {
                k: v.to(device) for k, v in tensors(history["best_state"]).items()
            }
            _check_like(history["best_state"], module.state_dict(),
                        "the best weights of early stopping")
        history = History(**history)
        optimizer_state = _torch_optimizer(optimizer_state)
        _check_optimizer(optimizer_state, module, device)
    except (RuntimeError, TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ValueError(
            f"The saved state of this {name} is damaged or inconsistent "
            f"({' '.join(str(exc).split()).rstrip('.')}). Load an undamaged copy, "
            "or refit the model."
        ) from exc
    module.eval()
    return history, optimizer_state


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
    if sizes != expected:
        raise ValueError(
            f"the optimiser's state has groups of {sizes} weights, the network "
            f"{expected}."
        )
    if sorted(order) != list(range(len(params))):
        raise ValueError(
            f"the optimiser's state numbers its {len(order)} weights "
            f"{sorted(order)[:8]}{'...' if len(order) > 8 else ''}, not 0 to "
            f"{len(params) - 1}."
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
