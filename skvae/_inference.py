"""Batched inference on the device, and the contract of the role estimators.

:class:`InferenceMixin` runs a model function over chunks of rows (encoded
by the table chunk by chunk, under ``torch.inference_mode`` with the
thread rule of :func:`._utils.cpu_threads`) and gives
:class:`~._impute.AutoencoderImputer` and
:class:`~._outlier.AutoencoderOutlierDetector` what they use of a model:
row scores, per-column scores and completions of rows. It relies on the
hooks and the table of :class:`~._base.BaseAutoencoder`.
"""

import functools

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._utils import (
    INFERENCE_CHUNK,
    SEED_MAX,
    cpu_threads,
    make_generator,
    map_chunks,
    to_tensor,
    torch_threads,
)


class InferenceMixin:
    """Chunked inference and the role contract (``_score_features``, ``_complete``)."""

    def _map(self, fn, *arrays, chunk=INFERENCE_CHUNK):
        """``fn`` over row chunks of ``arrays`` (numpy, tensors or None)."""

        def get_chunk(start, stop):
            return [
                None if a is None else to_tensor(a[start:stop], self._device)
                for a in arrays
            ]

        n_rows = next(a for a in arrays if a is not None).shape[0]
        return self._map_chunks(fn, n_rows, get_chunk, chunk)

    def _map_rows(self, fn, codes, chunk=INFERENCE_CHUNK):
        """``fn(x, mask)`` over row chunks of codes, encoded chunk by chunk."""
        clipped = [0]

        def get_chunk(start, stop):
            data, mask, n_clipped = self._table.encode(codes[start:stop])
            clipped[0] += n_clipped
            mask = None if mask is None else to_tensor(mask, self._device)
            return to_tensor(data, self._device), mask

        out = self._map_chunks(fn, codes.shape[0], get_chunk, chunk)
        if clipped[0]:
            self._warn_clipped(codes, clipped[0])
        return out

    def _map_chunks(self, fn, n_rows, get_chunk, chunk):
        self.module_.eval()
        threads = cpu_threads(self.module_, min(chunk, n_rows), self._device)
        with torch_threads(threads):
            return map_chunks(fn, n_rows, get_chunk, chunk)

    def _score_chunk(self, n_features):
        """Rows per chunk when scoring rows of ``n_features`` features."""
        return INFERENCE_CHUNK

    def _score_samples(self, codes):
        """:meth:`_score_rows` of validated codes, a float64 array."""
        chunk = self._score_chunk(self._table.width)
        return self._map_rows(self._score_rows, codes, chunk).astype(np.float64)

    def _score_features(self, X):
        """Per-column abnormality of the rows of X, float64, in column order.

        :meth:`_feature_scores` of the validated rows: what the detector's
        ``feature_contributions`` gives.
        """
        codes = self._validate_X(X, reset=False)
        chunk = self._score_chunk(self._table.width)
        scores = self._map_rows(self._feature_scores, codes, chunk)
        out = np.empty(scores.shape, dtype=np.float64)
        out[:, self._table.order] = scores
        return out

    def _complete(self, X, *, random_state=None, draw=False):
        """Every cell of the rows of X given their observed cells.

        The model's expected value of each cell, or with ``draw`` one draw
        from it (seeded by ``random_state``), in the input's language (see
        :meth:`_output`); a row with nothing observed gets the model's
        answer given nothing. What the imputer fills holes with.
        """
        check_is_fitted(self)
        codes = self._validate_X(X, reset=False, check_rows=False)
        generator = None
        if draw:
            seed = check_random_state(random_state).randint(SEED_MAX)
            generator = make_generator(seed, self._device)
        fill = functools.partial(self._complete_rows, generator=generator)
        chunk = self._score_chunk(self._table.width)
        return self._output(self._map_rows(fill, codes, chunk), self._dtype)
