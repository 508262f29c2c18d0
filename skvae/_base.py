"""The scikit-learn base shared by the autoencoder models.

One class, :class:`BaseAutoencoder`: its parameters, input validation, the
public methods, and the writer of every fitted attribute; how a fit builds
its state and calls the training loop is its mixin
:class:`._trainer.TrainingMixin`. What they decide or run on the way is in
functions that get what they need as arguments: training settings, the
linear start and the history in :mod:`._fitting` (the loop itself in
:mod:`._training`), batched inference in :mod:`._inference`, the saved
state in :mod:`._persistence`. A model supplies its torch module and its
loss through a handful of ``_`` hooks.

Fitted state, and the method that writes it:

- ``_table``, ``_polars_schema``, ``n_features_in_``, ``feature_names_in_``:
  :meth:`~BaseAutoencoder._validate_X` (on a fresh fit);
- ``mean_``, ``scale_``, ``column_types_``, ``module_``, ``_built_for``,
  ``_device``, ``_rng``, ``_dtype``, ``_optimizer_state``, ``_history``:
  :meth:`~BaseAutoencoder._initialize`;
- ``_optimizer`` (built from ``_optimizer_state``, which it then clears),
  ``_batch_size``, ``_max_epochs``, ``n_iter_``, ``loss_curve_``,
  ``validation_scores_``, ``best_validation_score_``, ``best_loss_``:
  :meth:`~BaseAutoencoder._train`;
- all of them, from a saved state: ``__setstate__``; a model's own in its
  ``_initialize`` and ``_after_fit``.
"""

import functools
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from . import _fitting, _inference, _persistence
from ._columns import Table
from ._compat import Interval, StrOptions, _fit_context
from ._dask import (
    block_seed,
    float_dtype,
    in_dask_block,
    lazy,
    lazy_past_set_output,
    refuse_lazy_frame,
)
from ._frames import check_column_names, is_frame, is_polars, to_pandas, to_polars
from ._given import given_rows, keep_given
from ._nn import ACTIVATIONS
from ._trainer import TrainingMixin
from ._utils import (
    ACTIVATION_BUDGET,
    INFERENCE_CHUNK,
    MAX_STANDARDISED,
    SEED_MAX,
    check_min_samples,
    check_rows_observed,
    make_generator,
    refuse_strings,
    validate_numbers,
)

__all__ = ["BaseAutoencoder"]


@lazy_past_set_output
class BaseAutoencoder(
    TrainingMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
    metaclass=ABCMeta,
):
    """Base class for the autoencoder models.

    Warning: This class should not be used directly. Use derived classes
    instead.
    """

    # whether the model can draw a completion of a row (a distribution to draw from)
    _can_draw = False
    # whether the linear start is the PCA of the inputs of the Gaussian targets
    # and of point masses' indicators only (Table.linear_inputs: a VAE's encoder
    # must agree with its linear decoder, so no one-hot classes), or of all
    _start_from_scalar_inputs = False

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "init": [StrOptions({"pca", "random"})],
        "column_types": [dict, None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate_init": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="neither"),
        ],
        "max_iter": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "support_fraction": [Interval(Real, 0, 1, closed="right"), None],
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
        column_types=None,
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init="auto",
        max_iter="auto",
        tol=1e-4,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change="auto",
        support_fraction=None,
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
        self.column_types = column_types
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.support_fraction = support_fraction
        self.shuffle = shuffle
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.device = device

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _make_module(self, n_inputs, hidden_layer_sizes, groups, generator):
        """Build the torch module on ``self._device`` for the table's likelihoods."""

    def _build_module(self, hidden_layer_sizes, generator):
        """The module of ``_make_module`` for the fitted table, its scales floored."""
        table = self._table
        module = self._make_module(table.n_inputs, hidden_layer_sizes, table.groups, generator)
        gaussian = module.likelihood.gaussian()
        if gaussian is not None:
            gaussian.set_scale_floor(table.scale_floors())
        self._bound_draws(module)
        return module

    def _bound_draws(self, module):
        """Give the module's Gaussian the range of draws the table's ranges set
        (:meth:`~._columns.Table.draw_bounds`), after a fit or a chunk widened them."""
        gaussian = module.likelihood.gaussian()
        if gaussian is not None:
            gaussian.set_bounds(*self._table.draw_bounds())

    @abstractmethod
    def _row_losses(self, x, mask, epoch, generator):
        """Each row's training loss and its number of terms.

        Returns ``(losses, counts)``, tensors of shape ``(N,)``: the loss of
        each row summed over its terms, and how many terms it has (None:
        one per row). The batch loss is the mean loss per term (see
        :func:`._training.batch_loss`). A model whose likelihood has
        parameters of its own may add a third tensor while training
        trimmed: the same losses with the network's outputs held fixed.
        """

    @abstractmethod
    def _encode(self, x, mask):
        """Codes of encoded rows (what ``transform`` returns)."""

    def _decode(self, z):
        """Point predictions of the targets at codes ``z``, in target coding."""
        likelihood = self.module_.likelihood
        return likelihood.point(likelihood.expectation(self.module_.decode(z)))

    @abstractmethod
    def _score_rows(self, x, mask):
        """Per-row score of encoded rows, higher is more typical."""

    @abstractmethod
    def _feature_scores(self, x, mask):
        """Per-target abnormality terms of encoded rows, 0 where missing.

        Shape ``(N, n_targets)`` in target order, higher is more abnormal;
        each model says how a row's terms add up to (part of) minus its
        ``_score_rows``.
        """

    @abstractmethod
    def _complete_rows(self, x, mask, generator):
        """Every target of encoded rows given their observed ones (target coding).

        The model's expected value (``generator`` None) or one draw from it.
        """

    @abstractmethod
    def _sample_targets(self, n_samples, rng):
        """``n_samples`` generated rows in target coding, a numpy array."""

    @abstractmethod
    def _start_linear(self, pca, gaussian, bias):
        """Set ``module_`` to the linear model of ``pca`` (see ``_nn``)."""

    def _default_type(self):
        """The type of the columns of an array (see ``_columns``)."""
        return "real"

    def _after_fit(self, data, mask, incremental):
        """Called with the encoded training rows after each fit, and with each
        chunk after ``partial_fit`` (``incremental``)."""

    def _min_epochs(self):
        """Epochs of this fit before stopping may end it (a model's warm-up)."""
        return 0

    def _score_chunk(self, n_features):
        """Rows per chunk when scoring rows of ``n_features`` features."""
        return INFERENCE_CHUNK

    def _rows_in_budget(self, width, draws=1):
        """Rows whose activations, ``draws`` a row through a network whose
        widest layer is ``width`` or a hidden layer, fit ``ACTIVATION_BUDGET``."""
        widest = max(width, *_fitting.hidden_layer_sizes(self.hidden_layer_sizes), 1)
        return max(1, ACTIVATION_BUDGET // (draws * widest))

    def _validation_chunk(self):
        """Rows per chunk of the validation pass (one draw a row)."""
        return self._rows_in_budget(self._table.width)

    def _plain_state(self, state):
        """A model's own additions to its saved state (see ``__getstate__``)."""
        return state

    # ------------------------------------------------------------ validation
    def _validate_X(self, X, *, reset, min_samples=1, check_rows=True, outside="raise"):
        """The codes of X's rows (a float array, NaN where missing).

        A DataFrame is coded column by column by the table, which a fresh
        fit (``reset``) builds from it; other input is validated as a float
        array, as scikit-learn does.
        """
        refuse_lazy_frame(X, type(self).__name__)
        if is_polars(X):
            if reset:
                self._polars_schema = dict(X.schema)
            X = to_pandas(X)
        elif reset:
            self._polars_schema = None
        frame = is_frame(X)
        if frame and (reset or self._table.frame):
            validate_data(self, X, reset=reset, skip_check_array=True)
            if not reset:
                check_column_names(X, [c.name for c in self._table.columns])
            check_min_samples(X, min_samples, type(self).__name__)
            if reset:
                self._table = Table.fit(X, self.column_types, self._default_type())
        else:
            X = validate_numbers(self, X, reset=reset, ensure_all_finite="allow-nan",
                                 ensure_min_samples=min_samples)
            if reset:
                self._table = Table.fit(X, self.column_types, self._default_type())
        codes = self._table.codes(X, outside=outside)
        if outside == "missing":  # (codes, where): rows are checked as given
            if check_rows:
                given, where = codes
                check_rows_observed(given if where is None else np.where(where, 0.0, given),
                                    self._ignored_entries(X))
            return codes
        if check_rows:
            check_rows_observed(codes, self._ignored_entries(X))
        return codes

    def _ignored_entries(self, X):
        """``(names, present)`` of the columns with no observed value in fit and
        X's entries given in them (for :func:`check_rows_observed`), or None."""
        positions = self._table._unobserved_positions
        if not positions:
            return None
        if is_frame(X):
            present = X.iloc[:, positions].notna().to_numpy()
        else:
            present = ~np.isnan(np.asarray(X, dtype=np.float64)[:, positions])
        return self._table.unobserved, present

    def _prepare(self, codes):
        """Encoded float32 rows and the targets' observed mask (or None).

        Values more than ``MAX_STANDARDISED`` standard deviations from the
        training mean are clipped there, with a warning.
        """
        data, mask, n_clipped = self._table.encode(codes)
        if n_clipped:
            self._warn_clipped(codes, n_clipped)
        return data, mask

    def _warn_clipped(self, codes, n_clipped):
        row, name = self._table.far_entry(codes)
        warnings.warn(
            f"X has {n_clipped} value(s) more than {MAX_STANDARDISED:g} standard "
            "deviations from the training mean (the first at row "
            f"{row}, column {name!r}); they are treated as {MAX_STANDARDISED:g} "
            "standard deviations. Values that far out are often placeholders "
            "for missing data: if so, replace them with NaN.",
            DataConversionWarning,
        )

    def _output_meta(self, dtype):
        """What :meth:`_output` gives for no rows (pandas for a DataFrame)."""
        if self._table.frame:
            return self._table.decode(np.empty((0, self._table.n_targets)))
        return np.empty((0, self.n_features_in_), dtype)

    def _output(self, targets, dtype, given=None):
        """Rows of targets in the input's language: a DataFrame, or an array.

        ``given`` (of :func:`~._given.given_rows`) replaces its columns' cells
        with the values given.
        """
        out = self._table.decode(targets)
        if given:
            keep_given(out, given, self._table)
        if not self._table.frame:
            return out.astype(dtype, copy=False)
        schema = getattr(self, "_polars_schema", None)
        return out if schema is None or in_dask_block() else to_polars(out, schema)

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model to X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. Missing values encoded as NaN are allowed: the
            loss is computed on observed entries only. A feature with no
            observed value is ignored, with a warning: its values in new data
            are taken as missing, and it is missing in the outputs.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        warm = self.warm_start and hasattr(self, "module_")
        with _fitting.undone_on_error(self):
            X = self._validate_X(X, reset=not warm, min_samples=2)
            if warm:
                self._check_architecture()
                self._warn_unobserved()
            else:
                self._initialize(X)
            self._train(X, incremental=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one epoch on X, keeping the optimiser state.

        The first call sets the standardisation statistics from its chunk
        and builds the network; later calls continue training it (and widen
        the range that bounds the decoded values of log- and quantile-coded
        columns to hold their chunks). Early stopping does not apply to
        ``partial_fit``. To standardise by the statistics of all the chunks,
        not the first one's, train with :func:`~skvae.fit_chunks`.

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
        with _fitting.undone_on_error(self):
            X = self._validate_X(X, reset=first, min_samples=2 if first else 1)
            if first:
                self._initialize(X)
            else:
                self._check_architecture()
                self._table.widen(X)
                self._bound_draws(self.module_)
            self._train(X, incremental=True)
        return self

    # ------------------------------------------------------------- inference
    @lazy(lambda self, X: np.empty((0, self.n_components), float_dtype(X)))
    def transform(self, X):
        """Encode X into the latent space.

        Deterministic and independent of batching.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Data to encode; NaN (or any missing value of a DataFrame) marks
            missing entries.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Latent codes, in the float dtype of X (float64 for a DataFrame).
        """
        check_is_fitted(self)
        folded = self._folded()
        if folded is None:
            codes = self._validate_X(X, reset=False)
            return self._map_rows(self._encode, codes, dtype=codes.dtype)
        # rows without an observed value are looked for with the chunks' NaN
        codes = _inference.small_array(
            X, self.n_features_in_, fitted_on_frame=self._table.frame,
            named=hasattr(self, "feature_names_in_"),
        )
        if codes is None:
            codes = self._validate_X(X, reset=False, check_rows=False)
        values = codes if self._table.affine_values else self._table.scalars(codes)
        out, n_clipped = _inference.encode_folded(values, folded, self._device)
        if n_clipped:
            self._warn_clipped(codes, n_clipped)
        return out

    @lazy(lambda self, X: self._output_meta(float_dtype(X)))
    def inverse_transform(self, X):
        """Decode latent codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Latent codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_original : {ndarray, DataFrame} of shape (n_samples, n_features)
            Expected reconstruction in the units of the training data: its
            most probable class for categorical columns, its median level
            for ordinal ones. A DataFrame with the training columns and
            dtypes if the model was fitted on one, with the index of ``X``
            when ``X`` is a pandas DataFrame.
        """
        check_is_fitted(self)
        Z = check_array(refuse_strings(X), dtype=[np.float64, np.float32])
        if Z.shape[1] != self.n_components:
            raise ValueError(
                f"X has {Z.shape[1]} features, but {type(self).__name__} decodes "
                f"codes of n_components={self.n_components} features."
            )
        folded = self._folded()
        if folded is not None and not self._table.frame and self._table.affine_values:
            return _inference.decode_folded(Z, folded, self._device)  # frames: their dtypes
        out = self._output(self._map(self._decode, Z), Z.dtype)
        if hasattr(X, "index") and hasattr(out, "index"):  # a pandas frame of codes
            out.index = X.index
        return out

    @lazy(lambda self, X: np.empty(0))
    def score_samples(self, X):
        """Per-row score: higher for rows more typical of the training data.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Data to score; rows with missing values are scored on their
            observed part.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            See the class documentation for the units. A row holding a
            value the model gives probability 0 (a label not seen in fit; a
            number outside [0, 1] in a binary column; a negative or
            fractional count; in a positive column, modelled on
            ``log1p(x / m)`` with ``m`` its training mean, a value at or
            below ``-m``) scores ``-inf``, where :meth:`transform` refuses
            it.
        """
        check_is_fitted(self)
        codes, outside = self._validate_X(X, reset=False, outside="missing")
        if outside is None:
            return self._score_samples(codes)
        scores = np.full(codes.shape[0], -np.inf)
        inside = ~outside.any(axis=1)
        if inside.any():
            scores[inside] = self._score_samples(codes[inside])
        return scores

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` over X.

        Lets model selection such as :class:`~sklearn.model_selection.GridSearchCV`
        work without a scorer.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Data to score.

        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean per-row score.
        """
        return float(np.mean(self.score_samples(X)))

    @lazy(lambda self, X: np.empty((0, self.n_features_in_)))
    def score_features(self, X):
        """How abnormal each entry of each row is, under the model.

        Higher is more abnormal; :class:`AutoencoderOutlierDetector` reports
        these scores as its ``feature_contributions``.

        - :class:`AutoencoderTransformer`: the squared reconstruction error
          of the entry, in units of the feature's training standard
          deviation, divided by the row's number of observed features. A
          row's scores sum to ``-score_samples``.
        - :class:`VAETransformer`: the negative log-likelihood of the coded
          entry, ``-log p(x_j | z)`` in nats, averaged over the importance
          samples of ``score_samples`` with their self-normalised weights
          (an estimate of its posterior expectation). A row's scores sum to
          the reconstruction part of ``-log p(x)``; the latent part
          ``KL(p(z | x) || p(z))`` and the coding's Jacobian belong to no
          feature.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            The rows to score; missing entries score 0. A value the model
            gives probability 0 (see :meth:`score_samples`) scores ``inf``,
            and the row's other entries are scored as if it were missing.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_features)
            One float64 score per entry, in the order of the columns.
        """
        check_is_fitted(self)
        codes, outside = self._validate_X(X, reset=False, outside="missing")
        chunk = self._score_chunk(self._table.width)
        scores = self._map_rows(self._feature_scores, codes, chunk)
        out = self._table.per_column(scores)
        if outside is not None:
            out[outside] = np.inf
        return out

    # ---------------------------------------------------- batched inference
    def _map(self, fn, *arrays, dtype=np.float32):
        """``fn`` over row chunks of ``arrays`` (numpy, tensors or None), in eval mode."""
        self.module_.eval()
        return _inference.map_arrays(fn, arrays, self.module_, self._device, dtype=dtype)

    def _map_rows(self, fn, codes, chunk=INFERENCE_CHUNK, dtype=np.float32):
        """``fn(x, mask)`` over row chunks of codes, encoded chunk by chunk."""
        self.module_.eval()
        out, n_clipped = _inference.map_codes(fn, codes, self._table, self.module_,
                                              self._device, chunk, dtype)
        if n_clipped:
            self._warn_clipped(codes, n_clipped)
        return out

    def _folded(self):
        """The fitted model's folded networks, or None (:func:`._inference.folded`)."""
        return _inference.folded(self.module_, self._table)

    def _score_samples(self, codes):
        """:meth:`_score_rows` of validated codes, a float64 array."""
        chunk = self._score_chunk(self._table.width)
        return self._map_rows(self._score_rows, codes, chunk, np.float64)

    def _complete(self, X, *, random_state=None, draw=False):
        """Every cell of the rows of X given their observed cells.

        The model's expected value of each cell, or with ``draw`` one draw
        from it (seeded by ``random_state``), in the input's language (see
        :meth:`_output`); a row with nothing observed gets the model's
        answer given nothing. What the models' ``complete`` returns.
        """
        check_is_fitted(self)
        codes = self._validate_X(X, reset=False, check_rows=False)
        return self._output(self._completed(codes, random_state, draw), self._dtype)

    def _completed(self, codes, random_state, draw):
        """The targets of :meth:`_complete` for validated codes."""
        generator = None
        if draw:
            seed = block_seed(check_random_state(random_state).randint(SEED_MAX))
            generator = make_generator(seed, self._device)
        fill = functools.partial(self._complete_rows, generator=generator)
        chunk = self._score_chunk(self._table.width)
        return self._map_rows(fill, codes, chunk)

    def sample(self, n_samples=1, random_state=None, *, given=None):
        """Generate new rows from the fitted model.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to generate.

        random_state : int, RandomState instance or None, default=None
            Controls the draws. Pass an int for reproducible output.

        given : dict, default=None
            Values of some columns that the rows keep: maps a column's name
            (its position for a model fitted on an array) to one value, which
            every row keeps, or to ``n_samples`` values, one per row. The
            other columns are drawn from the model given these: a latent code
            from its posterior given the row's given values (sampling
            importance resampling over ``n_importance_samples`` draws, as
            :class:`AutoencoderImputer` with ``sample_posterior=True``), then
            the other columns from the decoder. :class:`VAETransformer` only.
            A value the model cannot condition on (a missing value, a
            category not seen in ``fit``, a negative or fractional count, a
            number outside [0, 1] in a binary column, a value the
            column's dtype cannot hold, such as 2.5 in an integer column)
            raises a ``ValueError`` naming its column.

        Returns
        -------
        X : {ndarray, DataFrame} of shape (n_samples, n_features)
            Generated rows in the units and float dtype of the training
            data; a DataFrame with its columns, dtypes and categories if the
            model was fitted on one. The given values are kept as given
            (a float rounded to its column's precision, as in ``float32``).
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 1:
            raise ValueError(
                f"n_samples must be a positive integer, got {n_samples!r}."
            )
        rng = check_random_state(random_state)
        if given is not None:
            return self._sample_given(int(n_samples), rng, given)
        self.module_.eval()
        with torch.inference_mode():
            targets = self._sample_targets(int(n_samples), rng)
        return self._output(targets, self._dtype)

    def _sample_given(self, n_samples, rng, given):
        if not self._can_draw:
            raise ValueError(
                f"{type(self).__name__} cannot draw rows given some of their "
                "values: its codes have no posterior to draw from. Use a "
                "VAETransformer."
            )
        X, values = given_rows(self._table, given, n_samples, self._dtype)
        codes = self._validate_X(X, reset=False, check_rows=False)
        targets = self._completed(codes, rng, draw=True)
        return self._output(targets, self._dtype, given=values)

    # ------------------------------------------------------------ saved state
    def __getstate__(self):
        state = super().__getstate__()
        if "module_" not in state:
            return state
        return self._plain_state(_persistence.plain_state(state))

    def __setstate__(self, state):
        if "module_" not in state:
            super().__setstate__(state)
            return
        state, weights = _persistence.read_state(state, type(self).__name__)
        super().__setstate__(state)
        # Tensors made under the caller's torch.inference_mode could not be
        # trained further
        with torch.inference_mode(False):
            self.module_ = self._build_module(
                self._built_for["hidden_layer_sizes"], make_generator(0, self._device)
            )
            self._history, self._optimizer_state = _persistence.load_torch_state(
                self.module_, weights, self._history, self._optimizer_state,
                self._device, type(self).__name__,
            )

    @property
    def categories_(self):
        """``{column: labels}`` of the columns of labels, in the model's class order."""
        check_is_fitted(self)
        return self._table.categories

    @property
    def _n_features_out(self):
        # unfitted, get_feature_names_out raises NotFittedError (an AttributeError)
        check_is_fitted(self)
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True  # DataFrames of categories, coded by the table
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

