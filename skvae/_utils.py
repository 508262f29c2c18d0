"""Devices, random generators, threads and batched inference.

Nothing here knows about scikit-learn: these helpers take plain values
(seeds, device strings, tensors) so the torch layers stay usable alone.
"""

import contextlib
import warnings

import numpy as np
import torch

# Seeds drawn for torch generators and child estimators: numpy's int32 range.
SEED_MAX = 2**31 - 1

# Rows per chunk for inference: large enough to amortise per-call overhead,
# small enough to keep memory bounded on wide inputs.
INFERENCE_CHUNK = 4096

# CPU ops below this many multiply-adds (a few ms of work) run on one thread:
# small ops gain nothing from more, and when another process holds a core
# every op waits for the descheduled thread. On 2 shared cores two threads
# made training epochs 20-40x slower (batch 512) and inference 2.4x slower.
_SINGLE_THREAD_MACS = 2**28


def resolve_device(device):
    """Turn a ``device`` parameter into a :class:`torch.device`.

    ``"auto"`` means CUDA when available, else CPU. Any string or device torch
    accepts works; an unknown or unavailable one raises ``ValueError``.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a device torch knows ({exc}). "
            "Use 'auto', 'cpu', 'cuda' or 'cuda:N'."
        ) from None
    available = {
        "cuda": torch.cuda.is_available,
        "mps": lambda: torch.backends.mps.is_available(),
    }.get(resolved.type, lambda: True)
    if not available():
        raise ValueError(
            f"device={device!r} was requested but is not available on this "
            "machine. Use device='auto' to fall back to the CPU."
        )
    return resolved


def make_generator(seed, device):
    """A local :class:`torch.Generator` on ``device``: never the global one."""
    return torch.Generator(device=device).manual_seed(int(seed))


@contextlib.contextmanager
def torch_threads(n_threads):
    """Run the block with ``n_threads`` intra-op threads, then restore."""
    previous = torch.get_num_threads()
    if n_threads is None or n_threads == previous:
        yield
        return
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def cpu_threads(module, n_rows, device):
    """Intra-op threads for ``n_rows`` rows through ``module``: None to keep.

    One thread unless the largest layer's product is big enough for more
    threads to pay (see ``_SINGLE_THREAD_MACS``); None off the CPU.
    """
    if device.type != "cpu":
        return None
    largest = max((p.numel() for p in module.parameters()), default=0)
    return 1 if n_rows * largest < _SINGLE_THREAD_MACS else None


def to_tensor(array, device):
    """A float32 tensor on ``device``; numpy input is always copied."""
    if torch.is_tensor(array):
        return array.to(device=device, dtype=torch.float32)
    return torch.tensor(np.asarray(array), dtype=torch.float32, device=device)


def observed_mask(X):
    """Boolean mask of observed (non-NaN) entries, or None when all are observed."""
    missing = np.isnan(X)
    if not missing.any():
        return None
    return ~missing


def check_rows_observed(X):
    """Raise if a row has no observed value: nothing can be inferred for it."""
    empty = np.flatnonzero(np.isnan(X).all(axis=1))
    if empty.size:
        raise ValueError(
            f"X has {empty.size} row(s) with no observed value (the first is row "
            f"{empty[0]}). Every row needs at least one non-missing entry: drop "
            "those rows or fill them before calling this method."
        )


def nan_statistics(X):
    """Per-feature mean and standard deviation over observed entries.

    A feature that is constant gets scale 1; one with nothing observed gets
    mean 0 and scale 1 (it never enters the loss).
    """
    if observed_mask(X) is None:
        mean, std = X.mean(axis=0), X.std(axis=0)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, std = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
    mean = np.nan_to_num(mean.astype(np.float64), nan=0.0)
    std = np.nan_to_num(std.astype(np.float64), nan=1.0)
    std[std < 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0)] = 1.0
    return mean, std


def map_chunks(fn, n_rows, get_chunk, chunk=INFERENCE_CHUNK):
    """Apply ``fn`` to consecutive row chunks and stack the results.

    ``get_chunk(start, stop)`` returns the arguments of ``fn`` for those rows
    (tensors on the device), so only one chunk is prepared at a time and
    memory stays bounded. Runs under :func:`torch.inference_mode`; returns a
    float32 numpy array, rows in input order.
    """
    outputs = []
    with torch.inference_mode():
        for start in range(0, n_rows, chunk):
            outputs.append(fn(*get_chunk(start, start + chunk)).cpu().numpy())
    return np.concatenate(outputs, axis=0)
