"""Saving and loading estimators without pickle, through skops.

A file written by :func:`save` holds NumPy arrays and plain values in a zip
archive (skops' format); :func:`load` rebuilds only the types it trusts
(skvae's estimators, and the scikit-learn, NumPy and SciPy types that skops
trusts) and refuses any other type before anything is built: a file changed
to call a function or to build another object cannot run code.
"""

# skvae's estimators, as skops names their types
TRUSTED = [
    "skvae._autoencoder.AutoencoderTransformer",
    "skvae._impute.AutoencoderImputer",
    "skvae._outlier.AutoencoderOutlierDetector",
    "skvae._vae.VAETransformer",
]


def _skops():
    try:
        import skops.io
    except ImportError:
        raise ImportError(
            "Saving and loading skvae estimators needs skops: "
            "pip install skops (or skvae[persist])."
        ) from None
    return skops.io


def save(estimator, file):
    """Save an estimator to a file, without pickle.

    Parameters
    ----------
    estimator : estimator object
        A skvae estimator, fitted or not, or a scikit-learn object that holds
        skvae estimators, such as a :class:`~sklearn.pipeline.Pipeline`.

    file : str, path or file-like
        Where to write.

    See Also
    --------
    load : Load what this function saved.

    Notes
    -----
    Weights, optimiser state and statistics are saved as NumPy arrays on the
    CPU, the rest as plain values, in skops' format. No training row is
    saved: an :class:`AutoencoderTransformer` saves the density of its codes
    (for :meth:`~AutoencoderTransformer.sample`), not the codes.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from skvae import VAETransformer, load, save
    >>> X = np.random.RandomState(0).normal(size=(100, 4))
    >>> vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=3).fit(X)
    >>> buffer = io.BytesIO()
    >>> save(vae, buffer)
    >>> copy = load(io.BytesIO(buffer.getvalue()))
    >>> bool(np.array_equal(copy.transform(X), vae.transform(X)))
    True
    """
    _skops().dump(estimator, file)


def load(file, *, trusted=None):
    """Load an estimator saved by :func:`save`, running no code.

    Parameters
    ----------
    file : str, path or file-like
        What :func:`save` wrote.

    trusted : list of str, default=None
        Further types to trust, as skops names them (e.g.
        ``"mymodule.MyTransformer"``), for a file that holds estimators of
        other libraries. skvae's estimators and the types skops trusts are
        always trusted.

    Returns
    -------
    estimator : estimator object
        The saved estimator, its network on the GPU when it was saved from
        one and one is available, else on the CPU.

    Raises
    ------
    ValueError
        If the file holds a type that is not trusted, before anything is
        built.

    See Also
    --------
    save : Save an estimator.

    Notes
    -----
    An estimator saved by another version of skvae loads with an
    :class:`~sklearn.exceptions.InconsistentVersionWarning`; one saved in a
    newer state format than this version reads raises a ``ValueError`` that
    says to upgrade.
    """
    sio = _skops()
    if hasattr(file, "read"):
        data = file.read()
        untrusted = sio.get_untrusted_types(data=data)
    else:
        data = None
        untrusted = sio.get_untrusted_types(file=file)
    allowed = set(TRUSTED) | set(trusted or ())
    refused = sorted(set(untrusted) - allowed)
    if refused:
        raise ValueError(
            f"The file holds types that are not trusted: {refused}. Nothing was "
            "loaded. If you trust the file's author and these types, pass "
            "them in trusted=[...]."
        )
    if data is not None:
        return sio.loads(data, trusted=untrusted)
    return sio.load(file, trusted=untrusted)
