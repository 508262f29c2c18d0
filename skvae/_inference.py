"""Batched inference on the device, as functions of a module and a table.

:func:`map_arrays` and :func:`map_codes` run a model function over chunks
of rows (arrays, or codes encoded by the table chunk by chunk) under
``torch.inference_mode`` with the thread rule of
:func:`._threads.cpu_threads`; :class:`~._base.BaseAutoencoder` calls them
for every inference method.

Where the table codes rows affinely (real columns only), ``transform`` and
``inverse_transform`` take a faster way: the coding is folded into the
networks (:func:`folded`, :class:`Folded`), so that rows are only cast on
their way in and out (:func:`encode_folded`, :func:`decode_folded`).
"""

import dataclasses
import weakref

import numpy as np
import torch

from ._nn import FusedMLP
from ._threads import cpu_threads, torch_threads
from ._utils import (
    INFERENCE_CHUNK,
    MAX_STANDARDISED,
    MIN_INFERENCE_ROWS,
    check_rows_observed,
    fill_and_clip,
    map_chunks,
    to_tensor,
)

# A column whose mean lies within this many standard deviations of 0 is
# centred inside the folded network: rounding its raw values to float32 then
# costs no more than rounding standardised values of 16 does. Columns
# further off are centred in float64 before the cast, and after decoding.
FOLD_MAX_MEAN = 16.0
# Scales for which folded weights, raw values and clip bounds all stay well
# inside float32's range; a table with other scales takes the general path.
FOLD_SCALES = (1e-18, 1e18)

# Each fitted module's folded networks (see folded), kept
# off the estimator: transform leaves its __dict__ as it was, as
# scikit-learn checks, and a saved model holds no cache.
_folded_networks = weakref.WeakKeyDictionary()


@dataclasses.dataclass
class Folded:
    """``transform`` and ``inverse_transform`` of affinely coded rows, as two networks.

    Where the table codes rows as ``(x - mean) / scale`` both ways (see
    :meth:`._columns.Table.affine`), the coding is folded into the first
    and last layers (:class:`._nn.FusedMLP`): rows go into the network as
    they are, cast to float32, and come out in their own units. The code is
    the encoder's first outputs (an autoencoder's code, a VAE's posterior
    mean); the decoder's outputs are the Gaussian means, the point
    predictions.

    Attributes
    ----------
    encoder, decoder : FusedMLP
        Rows (less ``centre``) to codes, and back.
    centre : ndarray of shape (n_features,) or None
        float64 values subtracted from the rows before the cast and added to
        the decoded rows: the means of the columns far from 0 (see
        ``FOLD_MAX_MEAN``), else 0; None where all are 0.
    fill, bound : ndarray of shape (n_features,)
        The value a missing entry (less ``centre``) stands for, its column's
        mean, and how far from it entries are clipped
        (``MAX_STANDARDISED`` scales).
    reach : float
        ``min(bound - |fill|)``, for :func:`._utils.fill_and_clip`.
    """

    encoder: FusedMLP
    decoder: FusedMLP
    centre: np.ndarray
    fill: np.ndarray
    bound: np.ndarray
    reach: float


class _Snapshot:
    """The values of a module's parameters and buffers at one time.

    :meth:`holds` compares values, not torch's version counters: fused
    optimisers and edits through ``.data`` change weights in place without
    moving them. It also sees a tensor replaced in its module, or given new
    storage. On the CPU the values are kept as bytes and read through NumPy
    views of the tensors' storage: a comparison takes about 10 µs for the
    default networks.
    """

    def __init__(self, module):
        self.slots = []
        for owner in module.modules():
            for tensors in (owner._parameters, owner._buffers):
                for name, tensor in tensors.items():
                    if tensor is not None:
                        self.slots.append((tensors, name, tensor, *_value(tensor)))

    def holds(self, module):
        """Whether ``module``'s tensors hold the values taken."""
        return all(
            tensors.get(name) is tensor and _same(tensor, pointer, view, value)
            for tensors, name, tensor, pointer, view, value in self.slots
        )


def _value(tensor):
    """Where ``tensor``'s values lie and their shape, a NumPy view of them (CPU), and a copy."""
    tensor = tensor.detach()
    if tensor.device.type == "cpu":
        view = tensor.numpy()
        return (tensor.data_ptr(), tensor.shape), view, view.tobytes()
    return (tensor.data_ptr(), tensor.shape), None, tensor.clone()


def _same(tensor, pointer, view, value):
    if (tensor.data_ptr(), tensor.shape) != pointer:
        return False
    if view is not None:
        return view.tobytes() == value
    return torch.equal(tensor.detach(), value)


def map_on(fn, n_rows, get_chunk, network, device, chunk=INFERENCE_CHUNK,
           dtype=np.float32):
    """:func:`._utils.map_chunks` with the threads ``network`` needs."""
    threads = cpu_threads(network, min(chunk, n_rows), device)
    with torch_threads(threads):
        return map_chunks(fn, n_rows, get_chunk, chunk, dtype)


def map_arrays(fn, arrays, network, device, chunk=INFERENCE_CHUNK, dtype=np.float32):
    """``fn`` over row chunks of ``arrays`` (numpy, tensors or None)."""

    def get_chunk(start, stop):
        return [None if a is None else to_tensor(a[start:stop], device) for a in arrays]

    n_rows = next(a for a in arrays if a is not None).shape[0]
    return map_on(fn, n_rows, get_chunk, network, device, chunk, dtype)


def map_codes(fn, codes, table, network, device, chunk=INFERENCE_CHUNK,
              dtype=np.float32):
    """``fn(x, mask)`` over row chunks of codes, encoded chunk by chunk.

    Returns ``(out, n_clipped)``: the number of values the table clipped
    (see :meth:`._columns.Table.encode`).
    """
    clipped = [0]

    def get_chunk(start, stop):
        data, mask, n_clipped = table.encode(codes[start:stop])
        clipped[0] += n_clipped
        mask = None if mask is None else to_tensor(mask, device)
        return to_tensor(data, device), mask

    out = map_on(fn, codes.shape[0], get_chunk, network, device, chunk, dtype)
    return out, clipped[0]


# ------------------------------------------------------- folded networks
def folded(module, table):
    """The :class:`Folded` networks of a fitted module and its table, or None.

    None unless the table codes rows affinely with scales in
    ``FOLD_SCALES``. Built on first use and kept with the module for as long
    as its weights hold the values they were built from (see
    :class:`_Snapshot`: however they change, by a fit, by
    ``load_state_dict`` or by a user's edit in place) and the table is the
    same. A new module (a fresh fit, a loaded model) starts without.
    """
    kept = _folded_networks.get(module)
    if kept is not None and kept[0] is table and kept[1].holds(module):
        return kept[2]
    affine = table.affine()
    networks = None
    if affine is not None and np.all((affine[1] >= FOLD_SCALES[0])
                                     & (affine[1] <= FOLD_SCALES[1])):
        mean, scale = affine
        far = np.abs(mean) > FOLD_MAX_MEAN * scale
        centre = np.where(far, mean, 0.0) if far.any() else None
        shift = mean if centre is None else mean - centre
        n_codes = module.decoder.mlp[0].in_features
        bound = MAX_STANDARDISED * scale
        networks = Folded(
            encoder=FusedMLP(module.encoder, shift, scale, n_outputs=n_codes),
            decoder=FusedMLP(module.decoder, out_scale=scale, out_shift=shift),
            centre=centre,
            fill=shift,
            bound=bound,
            reach=float(np.min(bound - np.abs(shift))),
        )
    _folded_networks[module] = (table, _Snapshot(module), networks)
    return networks


def small_array(X, n_features, *, fitted_on_frame, named):
    """X itself if it is a small float array validation would pass unchanged.

    Else None. scikit-learn's checks take about 0.1 ms whatever the size of
    X: most of a call on a few rows. A float array of at most
    ``MIN_INFERENCE_ROWS`` rows of ``n_features`` columns, given to a model
    fitted on an array (not ``fitted_on_frame``, no feature names:
    ``named``), needs no more of them than the test for infinity. Rows
    without an observed value are left to the caller.
    """
    if (type(X) is np.ndarray and X.ndim == 2
            and X.dtype in (np.float32, np.float64)
            and 0 < X.shape[0] <= MIN_INFERENCE_ROWS
            and X.shape[1] == n_features
            and not fitted_on_frame
            and not named
            and not np.isinf(X).any()):
        return X
    return None


def encode_folded(codes, networks, device):
    """What ``transform`` gives for validated codes, through ``networks.encoder``.

    Returns ``(out, n_clipped)``. Raises if a row has no observed value:
    NaN are looked for chunk by chunk, where the chunks are cast anyway.
    """
    buffer = np.empty((min(INFERENCE_CHUNK, len(codes)), codes.shape[1]), np.float32)
    clipped = [0]

    def get_chunk(start, stop):
        block = buffer[: min(stop, len(codes)) - start]
        if networks.centre is None:
            block[...] = codes[start:stop]
        else:
            np.subtract(codes[start:stop], networks.centre, out=block, casting="unsafe")
        n_clipped, missing = fill_and_clip(block, networks.fill, networks.bound,
                                           networks.reach)
        if missing is not None and missing.all(axis=1).any():
            check_rows_observed(codes)
        clipped[0] += n_clipped
        return [torch.from_numpy(block).to(device)]

    with np.errstate(over="ignore"):  # beyond float32: inf, then clipped
        out = map_on(networks.encoder, len(codes), get_chunk, networks.encoder,
                     device, INFERENCE_CHUNK, codes.dtype)
    return out, clipped[0]


def decode_folded(Z, networks, device):
    """What ``inverse_transform`` gives for codes Z, through ``networks.decoder``."""
    out = map_arrays(networks.decoder, [Z], networks.decoder, device, dtype=Z.dtype)
    if networks.centre is not None:
        out += networks.centre
    return out
