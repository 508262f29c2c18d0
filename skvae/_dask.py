"""Dask collections in, lazy Dask collections out.

The inference methods of every estimator take a Dask array or DataFrame as
they take a NumPy array or a pandas DataFrame: decorated with :func:`lazy`,
such a method maps itself over the blocks of rows (partitions), and says
what its output is (shape, dtype, columns) without computing anything.
Blocks are computed where the scheduler runs them, on a cluster's workers
with a ``distributed`` client. Nothing here imports dask unless it is given
a Dask collection.
"""

import contextvars
import functools

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["is_dask", "lazy", "lazy_past_set_output", "float_dtype", "in_dask_block",
           "block_seed", "refuse_lazy_frame"]

# The number of the block of a Dask collection that a method computes, while
# it computes it (see lazy); None otherwise.
_BLOCK = contextvars.ContextVar("skvae_dask_block", default=None)


def in_dask_block():
    """Whether the running call computes one block of a Dask collection.

    A Dask DataFrame's partitions are pandas DataFrames: a block's output is
    pandas even where the estimator, fitted on a polars DataFrame, would
    give polars for in-memory data.
    """
    return _BLOCK.get() is not None


def block_seed(seed):
    """``seed``, or within a block of a Dask collection a seed of that block's own.

    Every block is computed by a call given the same ``random_state``: drawn
    from it alone, the draws would repeat from block to block (row ``i`` of
    each block getting the same noise). Mixed with the block's number, each
    block draws a stream of its own, the same at every compute.
    """
    number = _BLOCK.get()
    if number is None:
        return seed
    state = np.random.SeedSequence([int(seed), int(number)]).generate_state(1)
    return int(state[0] >> 1)  # below 2**31, as the seeds drawn elsewhere


def is_dask(X):
    """Whether X is a Dask collection (an array, DataFrame or Series)."""
    return type(X).__module__.startswith("dask") and hasattr(X, "__dask_graph__")


def refuse_lazy_frame(X, name):
    """Raise a TypeError if X is a Dask DataFrame, which ``fit`` cannot read.

    Inference maps itself over its partitions (:func:`lazy`); training needs
    every row at once, or the chunks of :func:`~skvae.fit_chunks`.
    """
    if is_dask(X) and hasattr(X, "divisions"):
        raise TypeError(
            f"{name} cannot fit on a Dask DataFrame as it is. Compute it into "
            "memory (X.compute()), or train a VAETransformer or "
            "AutoencoderTransformer on its partitions with skvae.fit_chunks."
        )


def float_dtype(X):
    """The float dtype in-memory results take for X: float32 stays float32."""
    return np.dtype(np.float32 if getattr(X, "dtype", None) == np.float32 else np.float64)


def lazy(meta):
    """Make a method ``method(self, X, **kwargs)`` lazy on Dask collections.

    ``meta(self, X)`` gives the method's output for no rows: a NumPy array
    (a Dask array is returned) or a pandas DataFrame (a Dask DataFrame is
    returned); X is the Dask collection. Other input goes to the method as
    it is.
    """

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, X, **kwargs):
            if not is_dask(X):
                return method(self, X, **kwargs)
            check_is_fitted(self)
            empty = meta(self, X)
            block = functools.partial(_one_block, method, self, kwargs, empty)
            return map_rows(block, X, empty)

        return wrapper

    return decorate


def lazy_past_set_output(cls):
    """Class decorator: ``transform`` and ``fit_transform`` return Dask
    results past ``set_output``.

    scikit-learn wraps a transformer's ``transform`` and ``fit_transform``
    so that their output becomes the container ``set_output`` (or
    ``set_config``) asks for: pandas would compute a lazy Dask result into
    memory, polars cannot take one. Given a Dask collection, each now calls
    the method beneath that wrapper; other input goes through it as before.
    """
    for name in ("transform", "fit_transform"):
        outer = getattr(cls, name)
        inner = getattr(outer, "__wrapped__", None)
        if inner is not None:  # scikit-learn wrapped it
            setattr(cls, name, _past(outer, inner))
    return cls


def _past(outer, inner):
    """``outer``, but ``inner`` for a Dask collection."""

    @functools.wraps(outer)
    def method(self, X, *args, **kwargs):
        if is_dask(X):
            return inner(self, X, *args, **kwargs)
        return outer(self, X, *args, **kwargs)

    return method


def _one_block(method, estimator, kwargs, empty, X, number):
    """``method(estimator, X, **kwargs)`` on block ``number`` (see
    :func:`in_dask_block`); for a block of no rows, ``empty``, the output's
    meta, as the method would give it (which may refuse no rows)."""
    if len(X) == 0:
        if isinstance(empty, np.ndarray):
            return empty
        out = empty.copy()
        if hasattr(X, "index"):  # a partition's (empty) index; an array's rows have none
            out.index = X.index
        return out
    token = _BLOCK.set(number)
    try:
        return method(estimator, X, **kwargs)
    finally:
        _BLOCK.reset(token)


def map_rows(func, X, meta):
    """``func(block, number)`` over the blocks of rows of a Dask array or
    DataFrame, lazily; ``number`` is the block's position among them.

    The output is a Dask array when ``meta`` is a NumPy array: rows chunked
    as X's, columns in one chunk; a Dask DataFrame when ``meta`` is a pandas
    DataFrame: with the index of X's partitions, or of the rows' positions
    for an array.
    """
    if hasattr(X, "divisions"):  # a DataFrame
        def partition(part, partition_info=None):
            return func(part, 0 if partition_info is None else partition_info["number"])

        return X.map_partitions(partition, meta=meta)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-dimensional Dask array, got {X.ndim} dimension(s).")
    X = X.rechunk({1: -1})
    if isinstance(meta, np.ndarray):
        def block(part, block_info=None):
            return func(part, 0 if block_info is None else block_info[0]["chunk-location"][0])

        return X.map_blocks(
            block,
            chunks=(X.chunks[0], *((n,) for n in meta.shape[1:])),
            drop_axis=[] if meta.ndim == 2 else [1],
            dtype=meta.dtype,
            meta=meta,
        )
    import dask
    import dask.dataframe as dd

    starts = np.cumsum((0, *X.chunks[0][:-1]))
    parts = [
        dask.delayed(_at_rows)(func, part, start, number)
        for number, (part, start) in enumerate(zip(X.to_delayed().ravel(), starts))
    ]
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _at_rows(func, block, start, number):
    """``func(block, number)``, a DataFrame indexed by the rows' positions in the array."""
    import pandas as pd

    out = func(block, number)
    if np.isfinite(start):
        out.index = pd.RangeIndex(int(start), int(start) + len(out))
    return out
