"""Training on data read chunk by chunk: larger than memory, or on a cluster.

:func:`fit_chunks` reads a Dask array or DataFrame block by block (or
chunks from a sequence or a function), so that only one chunk is in memory
at a time: a first pass computes the standardisation statistics of all the
data, then each pass trains the model with ``partial_fit`` on every chunk.
"""

from collections.abc import Sequence
from numbers import Integral

from ._dask import is_dask

__all__ = ["fit_chunks"]


def fit_chunks(estimator, X, *, n_epochs=1):
    """Fit a model on data read chunk by chunk, in memory bounded by a chunk.

    Training on data larger than memory, or held by a Dask cluster. A first
    pass over the chunks computes the statistics the model standardises
    with (each column's mean and scale over all the rows, missing values
    ignored); the column types and categories of a DataFrame, the maps of
    its quantile and zero-inflated columns (one knot every 20 of the first
    chunk's values) and the network's PCA start come from the first chunk. Then each of
    ``n_epochs`` passes calls ``estimator.partial_fit`` on every chunk. Only
    one chunk is read at a time: peak memory depends on the chunk size, not
    on the number of rows.

    The model learns from the chunks in turn, so each chunk should be a
    fair sample of the data: shuffle the rows of data sorted by time or by
    group before training on it (shuffling the order of the chunks, as
    ``shuffle`` does, is not enough when each chunk holds one group).

    Unlike :meth:`~AutoencoderTransformer.partial_fit` alone (and dask-ml's
    :class:`~dask_ml.wrappers.Incremental`, which calls it block by block),
    the statistics are not those of the first chunk only. Early stopping
    does not apply, as for ``partial_fit``.

    Parameters
    ----------
    estimator : AutoencoderTransformer or VAETransformer
        The model to fit, in place. Fitting starts anew, unless
        ``warm_start=True`` and the model is fitted: training then continues
        without a statistics pass.

    X : dask array, dask DataFrame, sequence or callable
        The data, in chunks of rows:

        - a Dask array or DataFrame: each block (partition) of rows is
          computed when it is needed, by the active scheduler;
        - a sequence (list or tuple) of arrays or DataFrames;
        - a callable that returns an iterable of chunks each time it is
          called (a generator function reading files, say): it is called
          once per pass.

        NaN (any missing value of a DataFrame) marks missing entries.

    n_epochs : int, default=1
        Passes of training over the chunks. With ``estimator.shuffle``, the
        chunks of a Dask collection or a sequence are visited in a new
        random order at each pass (seeded by the estimator's
        ``random_state``), and the rows of each chunk are shuffled.

    Returns
    -------
    estimator : object
        The fitted estimator.

    Examples
    --------
    >>> import dask.array as da
    >>> from skvae import AutoencoderTransformer, fit_chunks
    >>> X = da.random.default_rng(0).normal(size=(20_000, 8), chunks=(5_000, 8))
    >>> model = fit_chunks(AutoencoderTransformer(random_state=0), X)
    >>> model.transform(X[:5]).compute().shape
    (5, 2)
    """
    if not hasattr(estimator, "_fit_stream"):
        raise TypeError(
            "fit_chunks fits an AutoencoderTransformer or a VAETransformer, got "
            f"{type(estimator).__name__}."
        )
    if not isinstance(n_epochs, Integral) or n_epochs < 1:
        raise ValueError(f"n_epochs must be a positive integer, got {n_epochs!r}.")
    read, n_chunks = _reader(X)

    def chunks(order):
        """``(index, chunk)`` of the chunks in ``order`` (a callable's: its own)."""
        return _numbered(read, range(n_chunks or 0) if order is None else order, n_chunks)

    return estimator._fit_stream(chunks, n_chunks, n_epochs)


def _numbered(read, order, n_chunks):
    """``(index, chunk)`` for the chunks ``read(order)`` yields; an empty one raises.

    The index is the chunk's position in X (in the callable's iterable when
    ``n_chunks`` is None).
    """
    indices = iter(order) if n_chunks is not None else None
    for position, chunk in enumerate(read(order)):
        index = int(next(indices)) if indices is not None else position
        if getattr(chunk, "shape", (1,))[0] == 0:
            raise ValueError(
                f"Chunk {index} of X has no rows: remove the empty chunks (a "
                "filtered Dask DataFrame may have empty partitions: drop them, or "
                "repartition it)."
            )
        yield index, chunk


def _reader(X):
    """``(read, n_chunks)``: ``read(order)`` yields the chunks of X in ``order``.

    ``n_chunks`` is None when the chunks can only be read in their own
    order (a callable's); ``read`` then ignores ``order``.
    """
    if is_dask(X):
        if hasattr(X, "divisions"):  # a DataFrame (an array has partitions too)
            blocks = X.partitions
            n_chunks = X.npartitions
        else:
            if X.ndim != 2:
                raise ValueError(f"X must be 2-dimensional, got {X.ndim} dimension(s).")
            blocks = X.rechunk({1: -1}).blocks
            n_chunks = X.numblocks[0]
        return (lambda order: (blocks[int(i)].compute() for i in order)), n_chunks
    if isinstance(X, Sequence) and not isinstance(X, str):
        return (lambda order: (X[int(i)] for i in order)), len(X)
    if callable(X):
        return (lambda order: iter(X())), None
    raise TypeError(
        "X must be a Dask array or DataFrame, a list of chunks, or a function "
        f"returning an iterable of chunks; got {type(X).__name__}. fit_chunks "
        "reads the data more than once, so a one-shot iterator or generator "
        "will not do: pass the function that makes it. Data that fits in "
        "memory can go to fit directly."
    )
