"""Training a model: from validated arrays to a trained module.

:class:`TrainingMixin` holds what ``fit`` and ``partial_fit`` do between
input validation and the fitted attributes: fresh state, the optimiser, the
validation split, driving the one loop of :mod:`._training`, and publishing
its history as MLP-style attributes and warnings; and the passes of
:func:`~skvae.fit_chunks` (statistics over every chunk, then epochs of
``partial_fit``). It relies on the model's
hooks (``_make_module``, ``_start_linear``, ``_row_losses``, ``_after_fit``)
and on the table (``_table``, ``_prepare``), all defined by
:class:`~._base.BaseAutoencoder`.
"""

import contextlib
import copy
import math
import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from tqdm.std import tqdm

from . import _training
from ._likelihoods import MIN_LOG_SCALE
from ._nn import LinearStart
from ._threads import cpu_threads, torch_threads
from ._utils import SEED_MAX, make_generator, resolve_device, to_tensor

# The "auto" training budget counts optimiser steps as well as epochs, so
# that a small table, whose epoch is one step, gets enough of them (see
# benchmarks/pages/speed-at-defaults.md).
# max_iter="auto": AUTO_EPOCHS epochs, or as many as AUTO_STEPS steps take.
AUTO_EPOCHS = 200
AUTO_STEPS = 2_000
# n_iter_no_change="auto": AUTO_PATIENCE epochs, or as many as
# AUTO_PATIENCE_STEPS steps take when the network starts as a linear model of
# every column, AUTO_PATIENCE_STEPS_PARTIAL when some columns start at their
# marginals (they need steps to learn to use the code) or the start is random.
AUTO_PATIENCE = 10
AUTO_PATIENCE_STEPS = 20
AUTO_PATIENCE_STEPS_PARTIAL = 100
# learning_rate_init="auto": AUTO_LR / sqrt(batches per epoch), at least
# MIN_AUTO_LR, reached by a linear warm-up over WARMUP_STEPS steps.
AUTO_LR = 1e-2
MIN_AUTO_LR = 1e-3
WARMUP_STEPS = 10
# batch_size="auto": at most this many rows.
AUTO_BATCH = 256
# init="pca": principal axes of at most this many training rows.
PCA_MAX_ROWS = 20_000
# support_fraction < 1: refits of the PCA start on the rows it fits best.
PCA_C_STEPS = 2


class TrainingMixin:
    """Training state and the path from ``fit`` to the training loop."""

    @contextlib.contextmanager
    def _fitting(self):
        """Run a fit: with gradients on, and undone if it raises.

        Gradients are enabled whatever the caller's torch mode (inference mode,
        ``torch.no_grad``). If the block raises, the estimator is put back as
        it was before: unfitted after a first fit, or its previous fitted
        state (weights, optimiser and history included) after a warm start or
        ``partial_fit``. Either way the folded networks of inference are
        rebuilt on next use (see ``InferenceMixin._folded``).
        """
        state = copy.copy(self.__dict__)
        saved = {
            name: copy.deepcopy(value.state_dict())
            for name, value in (("module_", state.get("module_")),
                                ("_optimizer", state.get("_optimizer")))
            if value is not None
        }
        kept = {name: copy.deepcopy(state[name]) for name in ("_history", "_rng")
                if name in state}
        try:
            with torch.inference_mode(False), torch.enable_grad():
                yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            self.__dict__.update(kept)
            for name, values in saved.items():
                state[name].load_state_dict(values)
            raise

    def _architecture(self):
        """The parameters that shape the network, checked by warm starts."""
        return {
            "n_components": self.n_components,
            "hidden_layer_sizes": self._hidden_layer_sizes(),
            "activation": self.activation,
        }

    def _check_architecture(self):
        """Raise if the network's parameters changed since it was built."""
        changed = {
            name: (old, new)
            for (name, old), new in zip(
                self._built_for.items(), self._architecture().values()
            )
            if old != new
        }
        if changed:
            listed = ", ".join(f"{n} from {o!r} to {v!r}" for n, (o, v) in changed.items())
            raise ValueError(
                f"Cannot continue training: {listed} changed since the network "
                "was built, and a trained network cannot be reshaped. Set "
                "warm_start=False (or call fit instead of partial_fit) to train "
                "a new network, or set the parameters back."
            )

    def _hidden_layer_sizes(self):
        """``hidden_layer_sizes`` as a tuple of positive ints, or a ValueError."""
        sizes = self.hidden_layer_sizes
        sizes = tuple(sizes) if hasattr(sizes, "__iter__") else (sizes,)
        if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0
                   for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must be a positive integer or a sequence of "
                f"positive integers, got {self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    def _initialize(self, codes):
        """Fresh state: network, optimiser, history and random streams.

        ``codes`` are the validated training rows; the table that codes them
        (``_table``) was fitted on them already.
        """
        self._built_for = self._architecture()
        sizes = self._built_for["hidden_layer_sizes"]
        self._device = resolve_device(self.device)
        self._rng = np.random.RandomState(
            check_random_state(self.random_state).randint(SEED_MAX)
        )
        self._dtype = codes.dtype
        table = self._table
        self.mean_, self.scale_ = table.statistics()
        self.column_types_ = table.types
        generator = make_generator(self._rng.randint(SEED_MAX), self._device)
        self.module_ = self._build_module(sizes, generator)
        if self.init == "pca":
            self._start_from_data(codes)
        self._optimizer = None
        self._optimizer_state = None
        self._history = _training.History()

    def _fit_stream(self, chunks, n_chunks, n_epochs):
        """What :func:`~skvae.fit_chunks` runs: a statistics pass, then epochs.

        ``chunks(order)`` yields ``(index, chunk)`` pairs in ``order`` (a
        sequence of chunk indices; None for their own order), ``n_chunks``
        is their number (None when they can only be read in their own
        order). Unless warm-starting a fitted model, :meth:`_start_stream`
        fits the table and the start on a first pass; then each epoch calls
        :meth:`partial_fit` on every chunk, in a new random order when
        ``shuffle``.
        """
        self._validate_params()
        with self._fitting():
            if not (self.warm_start and hasattr(self, "module_")):
                self._start_stream(chunks(None))
            rng = check_random_state(self._rng.randint(SEED_MAX))
            for _ in range(n_epochs):
                order = rng.permutation(n_chunks) if n_chunks and self.shuffle else None
                for _, chunk in chunks(order):
                    self.partial_fit(chunk)
        return self

    def _start_stream(self, chunks):
        """Fresh fitted state from a stream of chunks, before training on them.

        ``chunks`` yields ``(index, chunk)`` pairs; an error in a chunk's
        data names its index.

        The table (column types, categories) is fitted on the first chunk,
        its standardisation statistics on every chunk (one streaming pass,
        one chunk in memory at a time); the network starts from the first.
        Run within :meth:`_fitting`, as :meth:`_fit_stream` does.
        """
        first, moments = None, None
        for index, chunk in chunks:
            try:
                codes = self._validate_X(chunk, reset=first is None,
                                         min_samples=2 if first is None else 1)
            except ValueError as error:
                raise ValueError(f"Chunk {index} of X: {error}") from error
            moments = self._table.moments(codes, moments)
            first = codes if first is None else first
        if first is None:
            raise ValueError("The data has no chunks: there is nothing to fit.")
        self._table.set_statistics(moments)
        self._initialize(first)

    def _start_from_data(self, codes):
        """Start the network from PCA of the inputs and the targets' marginals."""
        if codes.shape[0] > PCA_MAX_ROWS:
            rows = self._rng.choice(codes.shape[0], PCA_MAX_ROWS, replace=False)
            codes = codes[np.sort(rows)]
        data, mask = self._prepare(codes)
        inputs, targets = self._table.split(data)
        mask = None if mask is None else torch.as_tensor(mask)
        bias = self.module_.likelihood.start(torch.as_tensor(targets), mask)
        gaussian = self._table.gaussian_inputs()
        used = gaussian if self._start_from_gaussian_inputs else range(inputs.shape[1])
        pca = self._linear_start(inputs, list(used))
        self._start_linear(pca, gaussian, bias)

    # whether the linear start is the PCA of the inputs of the Gaussian targets
    # only (a VAE's encoder must agree with its linear decoder), or of all
    _start_from_gaussian_inputs = False

    def _linear_start(self, inputs, used):
        """PCA of the ``used`` encoded inputs (missing entries at the mean).

        A ``LinearStart`` over all the inputs, with zero loadings on the
        others. Computed in float64. At most ``len(used) - 1`` components are
        kept, so that some variance is left for the noise (a model that
        starts with none cannot learn); the noise variance is floored at the
        decoder's smallest variance.
        """
        pca = self._pca(inputs[:, used].astype(np.float64))
        components = np.zeros((pca.components_.shape[0], inputs.shape[1]))
        components[:, used] = pca.components_
        mean = np.zeros(inputs.shape[1])
        mean[used] = pca.mean_
        as_tensor = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
        return LinearStart(
            components=as_tensor(components),
            variances=as_tensor(pca.explained_variance_),
            noise_variance=max(float(pca.noise_variance_), math.exp(2 * MIN_LOG_SCALE)),
            mean=as_tensor(mean),
        )

    def _pca(self, Xs):
        """scikit-learn's PCA of Xs, or its no-component equivalent.

        With ``support_fraction < 1``, the PCA of the rows it fits best:
        C-steps as in FAST-MCD refit it on the ``support_fraction`` of the
        rows with the highest probabilistic PCA likelihood, so that a group
        of outliers does not pull the start (and training) towards it. Its
        mean and axes are those rows'; the variances along and around the
        axes are every row's, as the likelihood's scales, which train on
        every row (see :func:`._training.batch_loss`), will be: measured on
        the best rows alone, the noise of a column that is constant on them
        (a column of mostly zeros) starts near zero, and Adam's bounded
        steps take hundreds of epochs to widen it.
        """
        n_components = min(self.n_components, Xs.shape[1] - 1, Xs.shape[0] - 1)
        if n_components < 1:
            return _Moments(Xs)
        seed = self._rng.randint(SEED_MAX)
        pca = PCA(n_components, random_state=seed).fit(Xs)
        n_kept = math.ceil(self._support_fraction() * Xs.shape[0])
        if n_kept < Xs.shape[0] and n_kept > n_components:
            for _ in range(PCA_C_STEPS):
                kept = np.argsort(_ppca_distances(pca, Xs), kind="stable")[:n_kept]
                pca = PCA(n_components, random_state=seed).fit(Xs[kept])
            _measure_spread(pca, Xs)
        return pca

    def _budget(self, n_train, incremental=False):
        """How to train on ``n_train`` rows: the "auto" parameters resolved.

        The learning rate ``"auto"`` falls with the number of batches per
        epoch, from ``AUTO_LR`` for a table of one batch (one step an epoch,
        on the whole table's gradient) as ``1 / sqrt(batches)``, to
        ``MIN_AUTO_LR``, MLP's rate, from 100 batches on (many small steps
        an epoch); it is reached by a linear warm-up over ``WARMUP_STEPS``
        steps (once per estimator: the steps are counted across warm starts
        and ``partial_fit``). A number is used from the first step on, as
        :class:`~sklearn.neural_network.MLPRegressor` does. ``partial_fit``
        trains at ``MIN_AUTO_LR``: a chunk is one of many batches.
        """
        batch_size = AUTO_BATCH if self.batch_size == "auto" else self.batch_size
        batch_size = min(batch_size, n_train)
        steps_per_epoch = math.ceil(n_train / batch_size)
        max_epochs, patience = self.max_iter, self.n_iter_no_change
        if max_epochs == "auto":
            max_epochs = max(AUTO_EPOCHS, math.ceil(AUTO_STEPS / steps_per_epoch))
        if patience == "auto":
            steps = (AUTO_PATIENCE_STEPS if self._starts_linear()
                     else AUTO_PATIENCE_STEPS_PARTIAL)
            patience = max(AUTO_PATIENCE, math.ceil(steps / steps_per_epoch))
        learning_rate, warmup_steps = self.learning_rate_init, 0
        if learning_rate == "auto":
            learning_rate = MIN_AUTO_LR if incremental else max(
                MIN_AUTO_LR, AUTO_LR / math.sqrt(steps_per_epoch)
            )
            warmup_steps = WARMUP_STEPS
        return _Budget(batch_size, 1 if incremental else max_epochs, patience,
                       learning_rate, warmup_steps)

    def _starts_linear(self):
        """Whether the network starts as a linear model of every column.

        With ``init="pca"`` the Gaussian columns start at (probabilistic)
        PCA; the columns of other likelihoods start at their marginals.
        """
        table = self._table
        return self.init == "pca" and len(table.gaussian_inputs()) == table.n_targets

    def _get_optimizer(self, learning_rate):
        """The Adam optimiser, built or restored on first use.

        ``alpha`` is an L2 penalty on the weights scaled as in MLP (divided
        by the batch size, as the loss is a mean over the batch).
        """
        if self._optimizer is None:
            self._optimizer = _training.make_optimizer(
                self.module_, self._device, self._optimizer_state
            )
            self._optimizer_state = None
        _training.set_hyperparameters(
            self._optimizer,
            lr=learning_rate,
            weight_decay=self.alpha / self._batch_size,
        )
        return self._optimizer

    def _split_validation(self, n_samples):
        """Row indices for training and validation (early stopping only)."""
        n_val = math.ceil(self.validation_fraction * n_samples)
        if n_val < 1 or n_val >= n_samples:
            raise ValueError(
                f"early_stopping with validation_fraction={self.validation_fraction} "
                f"leaves no rows to train or to validate on with n_samples="
                f"{n_samples}. Use more samples, another validation_fraction, or "
                "early_stopping=False."
            )
        order = self._rng.permutation(n_samples)
        return order[n_val:], order[:n_val]

    def _train(self, codes, *, incremental):
        """Train on validated rows: ``max_iter`` epochs, or one if incremental."""
        data, mask = self._prepare(codes)
        X_all = to_tensor(data, self._device)
        mask_all = None if mask is None else to_tensor(mask, self._device)
        X_t, mask_t, validate = X_all, mask_all, None
        if self.early_stopping and not incremental:
            train_idx, val_idx = (
                torch.as_tensor(i, device=self._device)
                for i in self._split_validation(codes.shape[0])
            )
            validate = self._validation_scorer(X_all[val_idx], _rows(mask_all, val_idx))
            X_t, mask_t = X_all[train_idx], _rows(mask_all, train_idx)
        budget = self._budget(X_t.shape[0], incremental)
        self._batch_size = budget.batch_size
        self._max_epochs = budget.max_epochs
        generator = make_generator(self._rng.randint(SEED_MAX), self._device)
        progress = tqdm(
            total=budget.max_epochs, desc=type(self).__name__, unit="epoch",
            disable=not self.verbose or incremental,
        )
        threads = cpu_threads(self.module_, self._batch_size, self._device)
        with torch_threads(threads), progress:
            status = _training.fit_loop(
                self.module_,
                self._get_optimizer(budget.learning_rate),
                lambda x, m, epoch: self._row_losses(x, m, epoch, generator),
                X_t,
                mask_t,
                history=self._history,
                max_epochs=budget.max_epochs,
                batch_size=budget.batch_size,
                shuffle=self.shuffle,
                generator=generator,
                tol=self.tol,
                n_iter_no_change=budget.patience,
                min_epochs=self._min_epochs(),
                support_fraction=self._support_fraction(),
                warmup_steps=budget.warmup_steps,
                validate=validate,
                progress=progress,
            )
        self._record(status, early_stopping=validate is not None, incremental=incremental)
        self.module_.eval()
        self._after_fit(X_all, mask_all)

    def _min_epochs(self):
        """Epochs of this fit before stopping may end it (a model's warm-up)."""
        return 0

    def _support_fraction(self):
        """Share of each batch's rows whose loss counts (1: all)."""
        return 1.0 if self.support_fraction is None else self.support_fraction

    def _validation_scorer(self, X_val, mask_val):
        """A callable giving minus the loss on held-out rows (higher is better).

        Every held-out row counts, also when training is trimmed: scoring
        only the rows the model fits best would reward fitting the typical
        rows ever more closely, and training would run on long after the
        model stopped improving on the data as a whole (measured in
        ``benchmarks/screen_trimming.py``).
        """
        seed = self._rng.randint(SEED_MAX)

        def score():  # in the training mode the loop keeps (see fit_loop)
            generator = make_generator(seed, self._device)
            with torch.inference_mode():
                losses = self._row_losses(X_val, mask_val, None, generator)
                return -_training.batch_loss(*losses).item()

        return score

    def _record(self, status, *, early_stopping, incremental):
        """Publish the loop's history as MLP-style fitted attributes and warn."""
        history = self._history
        self.n_iter_ = len(history.loss_curve)
        self.loss_curve_ = list(history.loss_curve)
        if early_stopping:
            self.validation_scores_ = list(history.validation_scores)
            self.best_validation_score_ = history.best_validation_score
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = history.best_loss
        if status == _training.INTERRUPTED:
            warnings.warn(
                f"Training interrupted by the user after {self.n_iter_} epochs; "
                "the model keeps "
                + ("its best validation weights." if early_stopping else "its weights."),
                ConvergenceWarning,
            )
        elif status == _training.MAX_ITER and not incremental:
            warnings.warn(
                f"Maximum iterations ({self._max_epochs}) reached and the "
                f"{'validation score' if early_stopping else 'training loss'} has "
                "not converged yet. Increase max_iter or tol.",
                ConvergenceWarning,
            )


@dataclass(frozen=True)
class _Budget:
    """The training settings of one fit, "auto" resolved (see ``_budget``)."""

    batch_size: int
    max_epochs: int
    patience: int
    learning_rate: float
    warmup_steps: int


class _Moments:
    """What :class:`~sklearn.decomposition.PCA` gives with no component."""

    def __init__(self, X):
        self.mean_ = X.mean(axis=0)
        self.components_ = np.zeros((0, X.shape[1]))
        self.explained_variance_ = np.zeros(0)
        self.noise_variance_ = X.var(axis=0).mean() if X.shape[1] else 1.0


def _measure_spread(pca, X):
    """Set ``pca``'s variances to those of the rows X, about its mean and axes.

    Along each axis and, for the noise, averaged over the directions left
    out, with scikit-learn's ``n - 1`` denominator.
    """
    centred = X - pca.mean_
    codes = centred @ pca.components_.T
    denominator = max(X.shape[0] - 1, 1)
    pca.explained_variance_ = np.square(codes).sum(0) / denominator
    left_out = X.shape[1] - codes.shape[1]
    residual = max(np.square(centred).sum() - np.square(codes).sum(), 0.0)
    pca.noise_variance_ = residual / (denominator * left_out)


def _ppca_distances(pca, X):
    """Squared Mahalanobis distance of each row under ``pca``'s PPCA model.

    Ranks rows as ``pca.score_samples`` does (which adds the same constant
    to every row), with the noise variance floored at the decoder's smallest
    variance, so that a table with as many components as variance does not
    invert a singular covariance.
    """
    centred = X - pca.mean_
    codes = centred @ pca.components_.T
    noise = max(float(pca.noise_variance_), math.exp(2 * MIN_LOG_SCALE))
    variances = np.maximum(pca.explained_variance_, noise)
    residual = np.maximum(np.square(centred).sum(1) - np.square(codes).sum(1), 0.0)
    return (np.square(codes) / variances).sum(1) + residual / noise


def _rows(mask, idx):
    return None if mask is None else mask[idx]
