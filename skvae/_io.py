"""Saving and loading estimators without pickle, through skops.

A file written by :func:`save` holds NumPy arrays and plain values in a zip
archive (skops' format); :func:`load` rebuilds only the types it trusts
(skvae's estimators, and the scikit-learn, NumPy and SciPy types that skops
trusts) and refuses any other type before anything is built: a file changed
to call a function or to build another object cannot run code.

:func:`save` refuses, before writing anything, a skvae estimator whose state
holds a value that :func:`load` could not rebuild by itself (category labels
or column names that are not plain values, dtypes no plain value names);
:func:`load` says so when a file is not a skops archive or is damaged.
"""

import io
import os
import re
import zipfile

import numpy as np

# skvae's estimators, as skops names their types
TRUSTED = [
    "skvae._autoencoder.AutoencoderTransformer",
    "skvae._impute.AutoencoderImputer",
    "skvae._outlier.AutoencoderOutlierDetector",
    "skvae._vae.VAETransformer",
]

# The values a skvae estimator's state may hold (with lists, tuples, dicts,
# arrays and scikit-learn estimators of them): what skops writes and rebuilds
# as it was, trusting nothing more.
_PLAIN = (str, bytes, int, float, bool, type(None), np.bool_, np.integer,
          np.floating, np.random.RandomState)
# dict keys skops rebuilds as they were (a key False would come back True)
_KEYS = (str, int, float, np.integer, np.floating)
# array dtypes written as .npy members (object arrays are looked into)
_ARRAY_KINDS = "biufcUS"


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

    Raises
    ------
    ValueError
        If the state of a skvae estimator holds a value that :func:`load`
        could not rebuild as it was: column names other than ``str``,
        ``int`` or ``float`` (such as the tuples of MultiIndex columns),
        category labels other than ``str``, ``bytes``, ``int``, ``float`` or
        ``bool`` (such as dates), or a polars dtype that its name alone does
        not rebuild. The message names the estimator and the column or
        attribute and says what to convert; nothing is written.

    See Also
    --------
    load : Load what this function saved.

    Notes
    -----
    Weights, optimiser state and statistics are saved as NumPy arrays on the
    CPU, the rest as plain values, in skops' format. The models save no
    training row: an :class:`AutoencoderTransformer` saves the density of
    its codes (for :meth:`~AutoencoderTransformer.sample`), not the codes.
    An :class:`AutoencoderOutlierDetector` with ``n_neighbors`` (its
    default) saves the rows its neighbour distance searches, standardised
    and one-hot coded (up to 10,000 of its training rows); with
    ``n_neighbors=None`` it saves none. The file is
    written only once the whole estimator is encoded. Estimators of other
    libraries in a pipeline are saved as skops saves them: :func:`load` then
    needs their types in ``trusted``.

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
    sio = _skops()
    unsavable = _unsavable(estimator)
    if unsavable:
        shown = "; ".join(f"{where} holds {what}" for where, what in unsavable[:6])
        more = f" (and {len(unsavable) - 6} more)" if len(unsavable) > 6 else ""
        raise ValueError(
            f"Cannot save this {type(estimator).__name__}: load could not rebuild "
            f"what its state holds: {shown}{more}. Column names must be str, int "
            "or float, category labels str, bytes, int, float or bool: convert "
            "such labels (e.g. X[column] = X[column].astype(str) for dates), "
            "flatten MultiIndex columns to strings (e.g. X.columns = "
            "['_'.join(map(str, c)) for c in X.columns]), or cast polars columns "
            "to a dtype the table reads, then refit. Nothing was written."
        )
    try:
        data = sio.dumps(estimator)
    except TypeError as exc:
        raise ValueError(
            f"Cannot save this {type(estimator).__name__}: skops cannot write a "
            f"value it holds ({exc}). Nothing was written."
        ) from exc
    if isinstance(file, (str, os.PathLike)):
        with open(file, "wb") as out:
            out.write(data)
    else:
        file.write(data)


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
        built. If the file is not a skops archive (a pickle, a text file),
        is cut short or damaged (a member's checksum fails), or holds a
        state that does not fit together (weights of other shapes than the
        network they belong to, a schema naming an unknown dtype): the
        message says so, and the error it comes from is its ``__cause__``.

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
        name, data = "The file", file.read()
    else:
        name = f"The file {os.fspath(file)!r}"
        with open(file, "rb") as source:
            data = source.read()
    _check_archive(data, name)
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(
            f"{name} is a zip archive but not one that skvae.save wrote, its "
            "schema.json is damaged, or it was written by a newer skops "
            f"({type(exc).__name__}: {exc}). Nothing was loaded."
        ) from exc
    allowed = set(TRUSTED) | set(trusted or ())
    refused = sorted(set(untrusted) - allowed)
    if refused:
        raise ValueError(
            f"The file holds types that are not trusted: {refused}. Nothing was "
            "loaded. If you trust the file's author and these types, pass "
            "them in trusted=[...]."
        )
    try:
        return sio.loads(data, trusted=untrusted)
    except (TypeError, KeyError, AttributeError, IndexError) as exc:
        raise ValueError(
            f"{name} could not be rebuilt: it is damaged, or it holds a value that "
            f"skops cannot rebuild ({type(exc).__name__}: {exc}). Load an "
            "undamaged copy, or refit and save the model again."
        ) from exc


def _check_archive(data, name):
    """Raise a ValueError unless ``data`` is a whole zip archive with a schema."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            damaged = archive.testzip()  # reads every member, checks its CRC
            if damaged is not None:
                raise zipfile.BadZipFile(f"bad CRC-32 for the member {damaged!r}")
            archive.getinfo("schema.json")
    # Whatever zipfile raises on these bytes (BadZipFile, zlib.error, EOFError,
    # KeyError, NotImplementedError, ...) says the same: not a whole archive.
    except Exception as exc:
        hint = (
            " It looks like a pickle: load it with pickle or joblib, and only if "
            "you trust its author." if data[:1] == b"\x80" else ""
        )
        raise ValueError(
            f"{name} is not a file written by skvae.save (a skops zip archive), "
            f"or it is damaged or cut short ({type(exc).__name__}: {exc}).{hint} "
            "Nothing was loaded."
        ) from exc


def _type_name(value):
    return f"{type(value).__module__}.{type(value).__qualname__}"


def _unsavable(obj):
    """``(where, what)`` of each value in a skvae estimator's state (``obj``'s
    own or one it holds, as in a pipeline) that skops could not rebuild as it
    was without trusting more types, and of each dict key it would change."""
    # by id, holding each object so that no id is reused while walking
    found, seen = [], {}

    def visit(value, where, strict, extend=True):
        def inner(step):  # where an item is: here, or a step further
            return f"{where}{step}" if extend else where

        if isinstance(value, (dict, list, tuple, set, frozenset, np.ndarray)):
            if (id(value), strict) in seen:
                return
            seen[id(value), strict] = value
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, (bool, np.bool_)) or not isinstance(key, _KEYS):
                    found.append((where, f"the key {key!r}, a {_type_name(key)}"))
                visit(item, inner(f"[{key!r}]"), strict, extend)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for i, item in enumerate(value):
                visit(item, inner(f"[{i}]"), strict, extend)
        elif isinstance(value, np.ndarray):
            if value.dtype.kind == "O":
                for i, item in enumerate(value.ravel()):
                    visit(item, inner(f"[{i}]"), strict, extend)
            elif strict and value.dtype.kind not in _ARRAY_KINDS:
                found.append((where, f"an array of dtype {value.dtype}"))
        elif hasattr(value, "get_params") and not isinstance(value, type):
            visit_estimator(value, where)
        elif strict and not isinstance(value, _PLAIN):
            found.append((where, f"a {_type_name(value)}"))

    def visit_estimator(estimator, where):
        if (id(estimator), None) in seen:
            return
        seen[id(estimator), None] = estimator
        state = estimator.__getstate__()
        if not isinstance(state, dict):
            return
        strict = type(estimator).__module__.split(".")[0] == "skvae"
        for attribute, value in state.items():
            if strict and attribute == "_table" and isinstance(value, dict):
                for column in value.get("columns", ()):
                    label = f"column {column.get('name')!r} of {where}"
                    visit(column, label, strict, extend=False)
            else:
                visit(value, f"{where}.{attribute}", strict)

    visit(obj, type(obj).__name__, False)
    # one line per place and type, not per list entry
    unique = {}
    for where, what in found:
        where = re.sub(r"(\[\d+\])+$", "", where)
        unique.setdefault((where, what.split(", ")[-1]), (where, what))
    return list(unique.values())
