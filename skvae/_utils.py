"""Devices, random generators, threads and batched inference.

Nothing here knows about scikit-learn: these helpers take plain values
(seeds, device strings, tensors) so the torch layers stay usable alone.
"""

import contextlib

import numpy as np
import torch

# Rows per chunk for inference: large enough to amortise per-call overhead,
# small enough to keep memory bounded on wide inputs.
INFERENCE_CHUNK = 4096

# A CPU training step below this many multiply-adds (about 10 ms of work)
# runs on one thread: small ops gain nothing from more, and when another
# process holds a core every op waits for the descheduled thread, which made
# epochs 20-40x slower at batch 512 on 2 shared cores.
_SINGLE_THREAD_MACS = 2**27


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


def training_threads(module, batch_size, device):
    """Intra-op threads for a training step: one unless the step is large.

    Small steps are bound by per-op overhead; more threads only add
    synchronisation, and collapse when another process holds a core.
    """
    if device.type != "cpu":
        return None
    n_weights = sum(p.numel() for p in module.parameters())
    if batch_size * n_weights < _SINGLE_THREAD_MACS:
        return 1
    return None


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


def map_chunks(fn, arrays, device, chunk=INFERENCE_CHUNK):
    """Apply ``fn`` to row chunks of ``arrays`` and stack the results.

    Each chunk is moved to ``device`` only while it is processed, so memory
    stays bounded; ``fn`` runs under :func:`torch.inference_mode`. ``arrays``
    may hold numpy arrays, tensors or None (passed through as None). Returns
    a float32 numpy array, rows in input order.
    """
    n_rows = next(a for a in arrays if a is not None).shape[0]
    outputs = []
    with torch.inference_mode():
        for start in range(0, n_rows, chunk):
            parts = [
                None if a is None else to_tensor(a[start : start + chunk], device)
                for a in arrays
            ]
            outputs.append(fn(*parts).cpu().numpy())
    return np.concatenate(outputs, axis=0)
