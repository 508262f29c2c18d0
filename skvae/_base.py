"""The scikit-learn base shared by the autoencoder models.

Parameters, input validation, NaN-aware standardisation, the public methods
and batched inference live here once; training is
:class:`~._fitting.TrainingMixin`'s and pickling
:class:`~._persistence.TorchStateMixin`'s. A model supplies its torch module
and its loss through a handful of ``_`` hooks.
"""

import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    clone,
)
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._compat import Interval, StrOptions, _fit_context
from ._fitting import TrainingMixin
from ._nn import ACTIVATIONS
from ._persistence import TorchStateMixin
from ._utils import (
    INFERENCE_CHUNK,
    MAX_STANDARDISED,
    check_rows_observed,
    cpu_threads,
    map_chunks,
    nan_statistics,
    observed_mask,
    standardise,
    to_tensor,
    torch_threads,
)

__all__ = ["BaseAutoencoder", "clone_with_seed"]


class BaseAutoencoder(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    TrainingMixin,
    TorchStateMixin,
    BaseEstimator,
    metaclass=ABCMeta,
):
    """Base class for the autoencoder models.

    Warning: This class should not be used directly. Use derived classes
    instead.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "init": [StrOptions({"pca", "random"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "shuffle": ["boolean"],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "device": [str, torch.device],
    }

    @abstractmethod
    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes=(128, 64),
        activation="relu",
        init="pca",
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init=1e-3,
        max_iter="auto",
        tol=1e-4,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change="auto",
        shuffle=True,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="auto",
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.device = device

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _make_module(self, n_features, hidden_layer_sizes, generator):
        """Build the torch module on ``self._device``."""

    @abstractmethod
    def _batch_loss(self, x, mask, epoch, generator):
        """Mean training loss of a batch (a scalar tensor to minimise)."""

    @abstractmethod
    def _encode(self, x, mask):
        """Codes of standardised rows (what ``transform`` returns)."""

    @abstractmethod
    def _decode(self, z):
        """Expected standardised reconstruction of codes ``z``."""

    @abstractmethod
    def _score_rows(self, x, mask):
        """Per-row score of standardised rows, higher is more typical."""

    @abstractmethod
    def _feature_scores(self, x, mask):
        """Per-entry abnormality terms of standardised rows, 0 where missing.

        Shape ``(N, n_features)``, higher is more abnormal; each model says
        how a row's terms add up to (part of) minus its ``_score_rows``.
        """

    @abstractmethod
    def _sample_standardised(self, n_samples, rng):
        """``n_samples`` draws of standardised rows, a numpy array."""

    def _fit_scaling(self, X):
        """Per-feature ``(mean, scale)`` used to standardise inputs."""
        return nan_statistics(X)

    @abstractmethod
    def _start_linear(self, pca):
        """Set ``module_`` to the linear model of ``pca`` (a ``LinearStart``)."""

    def _after_fit(self, X, mask):
        """Called with the standardised training data after each fit."""

    # ------------------------------------------------------------ validation
    def _validate_X(self, X, *, reset, min_samples=1):
        X = validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
            ensure_min_samples=min_samples,
        )
        check_rows_observed(X)
        return X

    def _standardise(self, X):
        """Standardised float32 rows with NaN set to 0, and the observed mask.

        Values more than ``MAX_STANDARDISED`` standard deviations from the
        training mean are clipped there, with a warning.
        """
        Xs, n_clipped = standardise(X, self.mean_, self.scale_)
        if n_clipped:
            far = np.abs((X - self.mean_) / self.scale_) > MAX_STANDARDISED
            row, column = np.argwhere(far)[0]
            name = getattr(self, "feature_names_in_", range(X.shape[1]))[column]
            warnings.warn(
                f"X has {n_clipped} value(s) more than {MAX_STANDARDISED:g} "
                "standard deviations from the training mean (the first is "
                f"{float(X[row, column]):g} at row {row}, feature {name!r}); they are "
                f"treated as {MAX_STANDARDISED:g} standard deviations. Values "
                "that far out are often placeholders for missing data: if so, "
                "replace them with NaN.",
                DataConversionWarning,
            )
        return Xs, observed_mask(X)

    def _unstandardise(self, Xs, dtype):
        """Rows in the training units, computed in float64, as ``dtype``."""
        X = Xs.astype(np.float64) * self.scale_ + self.mean_
        return X.astype(dtype, copy=False)

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model to X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. Missing values encoded as NaN are allowed: the
            loss is computed on observed entries only.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        warm = self.warm_start and hasattr(self, "module_")
        with self._fitting():
            X = self._validate_X(X, reset=not warm, min_samples=2)
            if warm:
                self._check_architecture()
            else:
                self._initialize(X)
            self._train(X, incremental=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one epoch on X, keeping the optimiser state.

        The first call sets the standardisation statistics from its chunk
        and builds the network; later calls continue training it. Early
        stopping does not apply to ``partial_fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data; NaN marks missing entries.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        first = not hasattr(self, "module_")
        with self._fitting():
            X = self._validate_X(X, reset=first, min_samples=2 if first else 1)
            if first:
                self._initialize(X)
            else:
                self._check_architecture()
            self._train(X, incremental=True)
        return self

    # ------------------------------------------------------------- inference
    def _map(self, fn, *arrays, chunk=INFERENCE_CHUNK):
        """``fn`` over row chunks of ``arrays`` (numpy, tensors or None)."""

        def get_chunk(start, stop):
            return [
                None if a is None else to_tensor(a[start:stop], self._device)
                for a in arrays
            ]

        n_rows = next(a for a in arrays if a is not None).shape[0]
        return self._map_chunks(fn, n_rows, get_chunk, chunk)

    def _map_rows(self, fn, X, chunk=INFERENCE_CHUNK):
        """``fn(x, mask)`` over row chunks of raw X, standardised chunk by chunk."""

        def get_chunk(start, stop):
            Xs, mask = self._standardise(X[start:stop])
            mask = None if mask is None else to_tensor(mask, self._device)
            return to_tensor(Xs, self._device), mask

        return self._map_chunks(fn, X.shape[0], get_chunk, chunk)

    def _map_chunks(self, fn, n_rows, get_chunk, chunk):
        self.module_.eval()
        threads = cpu_threads(self.module_, min(chunk, n_rows), self._device)
        with torch_threads(threads):
            return map_chunks(fn, n_rows, get_chunk, chunk)

    def transform(self, X):
        """Encode X into the latent space.

        Deterministic and independent of batching.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode; NaN marks missing entries.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Latent codes, in the float dtype of X.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._map_rows(self._encode, X).astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        """Decode latent codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Latent codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Expected reconstruction in the units of the training data.
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float64, np.float32])
        if Z.shape[1] != self.n_components:
            raise ValueError(
                f"X has {Z.shape[1]} features, but {type(self).__name__} decodes "
                f"codes of n_components={self.n_components} features."
            )
        return self._unstandardise(self._map(self._decode, Z), Z.dtype)

    def score_samples(self, X):
        """Per-row score: higher for rows more typical of the training data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score; rows with NaN are scored on their observed part.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            See the class documentation for the units.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._score_samples(X)

    def _score_chunk(self, n_features):
        """Rows per chunk when scoring rows of ``n_features`` features."""
        return INFERENCE_CHUNK

    def _score_samples(self, X):
        """:meth:`_score_rows` of validated rows X, a float64 array."""
        chunk = self._score_chunk(X.shape[1])
        return self._map_rows(self._score_rows, X, chunk).astype(np.float64)

    def _score_features(self, X):
        """:meth:`_feature_scores` of validated rows X, a float64 array."""
        chunk = self._score_chunk(X.shape[1])
        return self._map_rows(self._feature_scores, X, chunk).astype(np.float64)

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` over X.

        Lets model selection such as :class:`~sklearn.model_selection.GridSearchCV`
        work without a scorer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.

        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean per-row score.
        """
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples=1, random_state=None):
        """Generate new rows from the fitted model.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to generate.

        random_state : int, RandomState instance or None, default=None
            Controls the draws. Pass an int for reproducible output.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Generated rows in the units and float dtype of the training data.
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(
                f"n_samples must be a positive integer, got {n_samples!r}."
            )
        rng = check_random_state(random_state)
        self.module_.eval()
        with torch.inference_mode():
            Xs = self._sample_standardised(int(n_samples), rng)
        return self._unstandardise(Xs, self._dtype)

    @property
    def _n_features_out(self):
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


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
