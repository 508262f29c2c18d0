"""Devices, random generators and batched inference.

Nothing here knows about scikit-learn: these helpers take plain values
(seeds, device strings, tensors) so the torch layers stay usable alone.
"""

import numpy as np
import torch
from sklearn.base import clone
from sklearn.utils.validation import validate_data

from ._frames import is_frame

# Seeds drawn for torch generators and child estimators: numpy's int32 range.
SEED_MAX = 2**31 - 1

# Rows per chunk for inference: large enough to amortise per-call overhead,
# small enough to keep memory bounded on wide inputs.
INFERENCE_CHUNK = 4096
# Fewer rows than this are padded to it at inference: CPU kernels take
# another path for a handful of rows, whose float32 rounding differs, and a
# row must give the same result alone as within a batch.
MIN_INFERENCE_ROWS = 16
# Entries (rows x draws a row x widest layer) of the activations held at
# once where rows are taken in chunks by that measure: importance sampling
# (scoring, attributing, imputing) and the validation pass of early stopping.
ACTIVATION_BUDGET = 2**23
# Rows per chunk when computing statistics and standardising in float64.
STATISTICS_CHUNK = 65536
# Standardised values are clipped to this many standard deviations. Far
# beyond anything a model has seen, yet small enough that every network
# computation on it stays finite in float32; without it a row holding 1e300
# (or float32's lowest value, a common "no data" fill) overflows to inf, and
# scores and codes turn into NaN.
MAX_STANDARDISED = 1e10


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


def to_tensor(array, device):
    """A float32 tensor on ``device``; numpy input is always copied."""
    if torch.is_tensor(array):
        return array.to(device=device, dtype=torch.float32)
    return torch.tensor(np.asarray(array), dtype=torch.float32, device=device)




def check_rows_observed(X, ignored=None):
    """Raise if a row has no observed value: nothing can be inferred for it.

    X is a float array with NaN holes, or a DataFrame with any missing values.
    ``ignored``, for the message, is ``(names, present)``: the columns a model
    takes as missing whatever they hold (those with no observed value in
    fit), and a boolean array of the rows' entries given in them.
    """
    missing = X.isna().to_numpy() if is_frame(X) else np.isnan(X)
    empty = np.flatnonzero(missing.all(axis=1))
    if empty.size:
        also = ""
        if ignored is not None and ignored[1][empty[0]].any():
            names = [n for n, given in zip(ignored[0], ignored[1][empty[0]]) if given]
            also = (", its entries in the columns that had no observed value in fit "
                    f"({', '.join(map(repr, names))}) taken as missing")
        raise ValueError(
            f"X has {empty.size} row(s) with no observed value (the first is row "
            f"{empty[0]}{also}). Every row needs at least one non-missing entry: "
            "drop those rows or fill them before calling this method."
        )


def check_min_samples(X, minimum, name):
    """Raise as scikit-learn's ``check_array`` does if X has fewer rows than ``minimum``.

    For input validated without ``check_array``'s conversion (DataFrames
    coded column by column); ``name`` is the estimator's.
    """
    if X.shape[0] < minimum:
        raise ValueError(
            f"Found array with {X.shape[0]} sample(s) (shape={X.shape}) while a "
            f"minimum of {minimum} is required by {name}."
        )


def refuse_strings(X):
    """X, refused with a ValueError if it holds strings or bytes.

    NumPy would parse strings that spell numbers (``"1.5"``, ``"nan"``) as
    those numbers; a DataFrame's strings are labels. Rather than read an
    array's strings one way and a DataFrame's the other, input on the
    array path (arrays, nested lists, a DataFrame given to a model fitted on
    an array) holding them is refused. Nested lists and lazy arrays of
    objects come back as arrays, so that they are converted once, and an
    object array's ``pd.NA`` as NaN, as numpy reads ``None``; other input
    comes back as it is (sparse matrices and ragged lists are left to the
    validation that follows).
    """
    if is_frame(X):
        import pandas as pd

        columns = [X.iloc[:, j] for j in range(X.shape[1])
                   if not pd.api.types.is_numeric_dtype(X.dtypes.iloc[j])]
        if any(_holds_strings(c.to_numpy(dtype=object)) for c in columns):
            raise _strings_error()
        return X
    kind = getattr(getattr(X, "dtype", None), "kind", None)
    if kind in ("U", "S"):
        raise _strings_error()
    if isinstance(X, (list, tuple)) or (kind == "O" and not isinstance(X, np.ndarray)):
        try:
            X = np.asarray(X)
        except (TypeError, ValueError):  # ragged: the validation says so
            return X
    if isinstance(X, np.ndarray) and _holds_strings(X):
        raise _strings_error()
    if isinstance(X, np.ndarray) and X.dtype.kind == "O":
        import pandas as pd

        # pd.NA, like None, marks a missing number; numpy cannot cast it
        missing = np.frompyfunc(lambda v: v is pd.NA, 1, 1)(X).astype(bool)
        if missing.any():
            X = np.where(missing, np.nan, X)
    return X


def validate_numbers(estimator, X, **kwargs):
    """scikit-learn's ``validate_data`` of X as a float array (float32 kept),
    its strings refused first (:func:`refuse_strings`): how every estimator
    validates input that is not coded column by column."""
    return validate_data(estimator, refuse_strings(X), dtype=[np.float64, np.float32],
                         **kwargs)


def _holds_strings(array):
    if array.dtype.kind in ("U", "S"):
        return True
    return array.dtype.kind == "O" and any(isinstance(v, (str, bytes)) for v in array.ravel())


def _strings_error():
    return ValueError(
        "X holds strings, and an array's values must be numbers. Convert it "
        "(X.astype(float)) if its strings spell numbers, or pass a pandas "
        "DataFrame (to a model fitted on one), whose columns of labels are "
        "modelled as categories."
    )


class RunningMoments:
    """Per-feature count, mean, variance and range of observed entries, chunk by chunk.

    Accumulated in float64 whatever the data's dtype, and merged across
    chunks with the pairwise update of Chan, Golub & LeVeque (1983), so one
    pass over chunks of any size gives the statistics of the whole data.
    NaN marks missing entries.

    The mean and the sum of squared deviations are kept in units of a power
    of two per feature, at or above the largest magnitude seen: squares of
    values beyond 1e154 would overflow float64 and those of values below
    1e-154 underflow, where a column of them would pass for constant.
    Dividing by a power of two is exact, so other data gives the same
    statistics to the bit.
    """

    def __init__(self, n_features):
        self.count = np.zeros(n_features)
        self.unit = np.zeros(n_features)  # 0 until a non-zero value is seen
        self.mean = np.zeros(n_features)  # in units
        self.m2 = np.zeros(n_features)  # sum of squared deviations, in units squared
        self.low = np.full(n_features, np.inf)
        self.high = np.full(n_features, -np.inf)

    def update(self, X, chunk=STATISTICS_CHUNK):
        """Add the rows of X (any float dtype, NaN allowed); returns self."""
        for start in range(0, X.shape[0], chunk):
            block = np.asarray(X[start : start + chunk], dtype=np.float64)
            observed = ~np.isnan(block)
            # fmin and fmax pass over NaN
            low = np.fmin.reduce(block, axis=0, initial=np.inf)
            high = np.fmax.reduce(block, axis=0, initial=-np.inf)
            self.low, self.high = np.fmin(self.low, low), np.fmax(self.high, high)
            block = self._in_units(block, np.maximum(np.fmax(-low, high), 0.0))
            if observed.all():  # the same sums, without masking copies
                count = np.full(block.shape[1], block.shape[0])
                mean = block.sum(axis=0) / count
                m2 = ((block - mean) ** 2).sum(axis=0)
            else:
                count = observed.sum(axis=0)
                block = np.where(observed, block, 0.0)
                with np.errstate(invalid="ignore", divide="ignore"):
                    mean = np.where(count > 0, block.sum(axis=0) / count, 0.0)
                m2 = (np.where(observed, block - mean, 0.0) ** 2).sum(axis=0)
            total = self.count + count
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(total > 0, count / total, 0.0)
            delta = mean - self.mean
            self.m2 += m2 + delta**2 * self.count * share
            self.mean += delta * share
            self.count = total
        return self

    def _in_units(self, block, magnitude):
        """``block`` in the units of its features, moving to larger units first
        where its largest ``magnitude`` exceeds them (the statistics kept are
        rescaled)."""
        # 2^e >= magnitude (2^1023 at most: x / unit stays below 2)
        unit = np.ldexp(1.0, np.minimum(np.frexp(magnitude)[1], 1023))
        unit = np.where(magnitude > 0, np.maximum(self.unit, unit), self.unit)
        grown = unit > self.unit
        if grown.any():  # a power of two: exact
            ratio = np.divide(self.unit, unit, out=np.ones_like(unit), where=grown)
            self.mean *= ratio
            self.m2 *= ratio * ratio
            self.unit = unit
        return block / self._units()

    def _units(self):
        """The units, 1 for a feature whose values have all been 0."""
        return np.where(self.unit > 0, self.unit, 1.0)

    def statistics(self):
        """Per-feature ``(mean, scale)`` for standardising, in float64.

        A constant feature (its variance within the rounding error of its
        computation, as scikit-learn's ``StandardScaler`` decides) gets scale
        1; one with nothing observed gets mean 0 and scale 1 (it never enters
        the loss).
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.where(self.count > 0, self.m2 / self.count, 0.0)
        # scikit-learn's test for a constant feature (StandardScaler): the
        # variance is within the rounding error of its computation (scale-free,
        # so the same in units)
        eps = np.finfo(np.float64).eps
        bound = self.count * eps * var + (self.count * self.mean * eps) ** 2
        unit = self._units()
        scale = np.sqrt(var) * unit
        # a spread of subnormal values can round to a scale of 0
        constant = (var <= bound) | ~np.isfinite(var) | (scale == 0)
        return self.mean * unit, np.where(constant, 1.0, scale)


def standardise(X, mean, scale, chunk=STATISTICS_CHUNK):
    """``(X - mean) / scale`` as float32, computed in float64, NaN set to 0.

    Entries more than ``MAX_STANDARDISED`` standard deviations from the
    mean are clipped there (see its comment). Returns the array and the
    number of entries clipped.
    """
    out = np.empty(X.shape, dtype=np.float32)
    n_clipped = 0
    for start in range(0, X.shape[0], chunk):
        block = np.subtract(X[start : start + chunk], mean, dtype=np.float64)
        block /= scale
        n_clipped += fill_and_clip(block, 0.0, MAX_STANDARDISED)[0]
        out[start : start + chunk] = block
    return out, n_clipped


def fill_and_clip(block, fill, bound, reach=None):
    """Set the NaN entries of ``block`` to ``fill`` and clip it to ``fill ± bound``.

    In place. Most blocks hold neither NaN nor far values: their minimum and
    maximum tell, and they cost nothing more.

    Parameters
    ----------
    block : ndarray of shape (n_rows, n_columns)
        Float rows.
    fill, bound : float or ndarray of shape (n_columns,)
        The value of a missing entry in each column, and how far from it
        the column's entries may lie (``bound > |fill|``).
    reach : float, default=None
        ``min(bound - |fill|)``, for a caller that has it at hand.

    Returns
    -------
    n_clipped : int
        How many entries were clipped (infinities included).
    missing : ndarray of bool or None
        Where ``block`` held NaN, or None if it held none.
    """
    if reach is None:
        reach = float(np.min(bound - np.abs(fill)))
    if _within(block, reach):
        return 0, None
    missing = np.isnan(block)
    if not missing.any():
        missing = None
    else:
        np.copyto(block, fill, where=missing)
        if _within(block, reach):  # NaN, and no far values
            return 0, missing
    n_clipped = int(np.count_nonzero(np.abs(block - fill) > bound))
    if n_clipped:
        np.clip(block, fill - bound, fill + bound, out=block)
    return n_clipped, missing


def _within(block, reach):
    """Whether every entry of ``block`` lies within ``reach`` of 0, none NaN.

    Entries within reach of 0 lie within bound of their fill (see
    :func:`fill_and_clip`). A NaN entry makes the minimum and maximum NaN,
    and the test false. (A dot product would be quicker alone, but NumPy's
    BLAS runs it on threads that a busy core holds up.)
    """
    return -reach <= float(block.min()) and float(block.max()) <= reach


def map_chunks(fn, n_rows, get_chunk, chunk=INFERENCE_CHUNK, dtype=np.float32):
    """Apply ``fn`` to consecutive row chunks and stack the results.

    ``get_chunk(start, stop)`` returns the arguments of ``fn`` for those rows
    (tensors on the device), so only one chunk is prepared at a time and
    memory stays bounded. A chunk of fewer than ``MIN_INFERENCE_ROWS`` rows
    is padded to that many (and the padding dropped), so that a row's result
    does not depend on how many rows come with it. Runs under
    :func:`torch.inference_mode`; returns a numpy array of ``dtype``, rows
    in input order.
    """
    out = None
    with torch.inference_mode():
        for start in range(0, n_rows, chunk):
            args = get_chunk(start, start + chunk)
            n = min(chunk, n_rows - start)
            if n < MIN_INFERENCE_ROWS:
                args = [_pad_rows(a, MIN_INFERENCE_ROWS) for a in args]
            result = fn(*args)[:n].cpu().numpy()
            if out is None:
                out = np.empty((n_rows, *result.shape[1:]), dtype=dtype)
            out[start : start + n] = result
    return out


def _pad_rows(tensor, n_rows):
    """``tensor`` with copies of its last row appended up to ``n_rows`` (None stays None).

    A copy of a row the caller gave is valid input wherever that row is: a
    class index within its column's classes, a count, a mask.
    """
    if tensor is None or tensor.shape[0] >= n_rows:
        return tensor
    padding = tensor[-1:].expand(n_rows - tensor.shape[0], *tensor.shape[1:])
    return torch.cat([tensor, padding])


def clone_with_seed(estimator, seed):
    """A clone of ``estimator``, given ``seed`` if its ``random_state`` is None.

    How a role estimator makes the model it fits reproducible without
    overriding a seed the user chose. An estimator without a
    ``random_state`` parameter, or ``seed=None``, is only cloned.
    """
    estimator = clone(estimator)
    if seed is not None and estimator.get_params().get("random_state", False) is None:
        estimator.set_params(random_state=seed)
    return estimator
