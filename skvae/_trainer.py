"""How a model trains: the state a fresh fit builds, and the calls into the loop.

:class:`TrainingMixin` is the part of :class:`._base.BaseAutoencoder` that
``fit``, ``partial_fit`` and :func:`~skvae.fit_chunks` run beneath the
public methods: fresh state (:meth:`~TrainingMixin._initialize`: the
statistics, the network, its linear start, the random streams), the check
of a warm start's parameters, the "auto" settings of a fit, and one call of
the training loop (:meth:`~TrainingMixin._train`). What it decides is in
:mod:`._fitting`, the loop itself in :mod:`._training`; the model's hooks
(its module, its losses, its warm-up) are the base's.
"""

import warnings

import numpy as np
import torch
from sklearn.utils import check_random_state

from . import _fitting, _training
from ._utils import SEED_MAX, make_generator, resolve_device, to_tensor

__all__ = ["TrainingMixin"]


class TrainingMixin:
    """Training for :class:`._base.BaseAutoencoder`; see the module's docstring."""

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
        with _fitting.undone_on_error(self):
            if not (self.warm_start and hasattr(self, "module_")):
                self._start_stream(chunks(None))
            rng = check_random_state(self._rng.randint(SEED_MAX))
            for _ in range(n_epochs):
                order = rng.permutation(n_chunks) if n_chunks and self.shuffle else None
                for _, chunk in chunks(order):
                    self.partial_fit(chunk)
        return self

    def _start_stream(self, chunks):
        """Fresh fitted state from a stream of ``(index, chunk)`` pairs.

        The table (column types, categories, quantile maps) is fitted on the first chunk,
        its standardisation statistics on every chunk (one streaming pass,
        one chunk in memory at a time); the network starts from the first.
        An error in a chunk's data names its index.
        """
        first, moments = None, None
        for index, chunk in chunks:
            try:
                codes = self._validate_X(chunk, reset=first is None,
                                         min_samples=2 if first is None else 1)
                moments = self._table.moments(codes, moments)
            except ValueError as error:
                raise ValueError(f"Chunk {index} of X: {error}") from error
            if first is None:  # the statistics of every chunk decide what is observed
                first = codes
                self._table.observe_all()
        if first is None:
            raise ValueError("The data has no chunks: there is nothing to fit.")
        self._table.set_statistics(moments)
        self._initialize(first)

    def _architecture(self):
        """The parameters that shape the network and its likelihood, checked by
        warm starts (a model saved before one was checked is not checked on it)."""
        return {
            "n_components": self.n_components,
            "hidden_layer_sizes": _fitting.hidden_layer_sizes(self.hidden_layer_sizes),
            "activation": self.activation,
            # a copy, so that editing the dict given does not pass unseen; {}
            # declares nothing, as None does
            "column_types": dict(self.column_types or {}),
        }

    def _check_architecture(self):
        _fitting.check_architecture(self._built_for, self._architecture())

    def _initialize(self, codes):
        """Fresh state: network, optimiser, history and random streams.

        ``codes`` are the validated training rows; the table that codes them
        (``_table``) was fitted on them already.
        """
        self._built_for = self._architecture()
        self._device = resolve_device(self.device)
        self._rng = np.random.RandomState(
            check_random_state(self.random_state).randint(SEED_MAX)
        )
        self._dtype = codes.dtype
        self.mean_, self.scale_ = self._table.statistics()
        self.column_types_ = self._table.types
        self._warn_unobserved()
        generator = make_generator(self._rng.randint(SEED_MAX), self._device)
        self.module_ = self._build_module(self._built_for["hidden_layer_sizes"], generator)
        if self.init == "pca":
            self._start_from_data(codes)
        self._optimizer = None
        self._optimizer_state = None
        self._history = _training.History()

    def _warn_unobserved(self):
        """Warn of the columns the statistics saw no value of (see ``Column.observed``)."""
        if self._table.unobserved:
            warnings.warn(
                f"Column(s) {self._table.unobserved} have no observed value in the "
                "data the model was first fitted on: it learns nothing of them and "
                "takes their values as missing. Drop them, or fit anew on data "
                "where they are observed.",
                UserWarning,
            )

    def _start_from_data(self, codes):
        """Start the network from PCA of the inputs and the targets' marginals."""
        if codes.shape[0] > _fitting.PCA_MAX_ROWS:
            rows = self._rng.choice(codes.shape[0], _fitting.PCA_MAX_ROWS, replace=False)
            codes = codes[np.sort(rows)]
        data, mask = self._prepare(codes)
        inputs, targets = self._table.split(data)
        mask = None if mask is None else torch.as_tensor(mask)
        bias = self.module_.likelihood.start(torch.as_tensor(targets), mask)
        gaussian = self._table.gaussian_inputs()
        used = (self._table.linear_inputs() if self._start_from_scalar_inputs
                else range(inputs.shape[1]))
        pca = _fitting.linear_start(inputs, list(used), self.n_components,
                                    self._support_fraction(), self._rng)
        self._start_linear(pca, gaussian, bias)

    def _starts_linear(self):
        """Whether the network starts as a linear model of every column.

        With ``init="pca"`` the Gaussian columns start at (probabilistic)
        PCA; the columns of other likelihoods start at their marginals.
        """
        table = self._table
        return self.init == "pca" and len(table.gaussian_inputs()) == table.n_targets

    def _support_fraction(self):
        """Share of each batch's rows whose loss counts (1: all)."""
        return 1.0 if self.support_fraction is None else self.support_fraction

    def _budget(self, n_train, incremental=False):
        """The "auto" settings resolved for ``n_train`` rows (:func:`._fitting.budget`)."""
        return _fitting.budget(
            n_train,
            batch_size=self.batch_size,
            max_iter=self.max_iter,
            n_iter_no_change=self.n_iter_no_change,
            learning_rate_init=self.learning_rate_init,
            starts_linear=self._starts_linear(),
            incremental=incremental,
        )

    def _validation_scorer(self, X_val, mask_val):
        """Minus the loss on held-out rows, a callable (:func:`._fitting.validation_scorer`)."""
        seed = self._rng.randint(SEED_MAX)
        return _fitting.validation_scorer(self._row_losses, X_val, mask_val, seed,
                                          self._device, self._validation_chunk())

    def _train(self, codes, *, incremental):
        """Train on validated rows: ``max_iter`` epochs, or one if incremental.

        Early stopping holds out ``validation_fraction`` of the rows. The
        optimiser (Adam; ``alpha`` an L2 penalty on the weights, divided by
        the batch size as the loss is a mean over the batch) is built on
        the first call, or restored from a saved state.
        """
        data, mask = self._prepare(codes)
        X_all = to_tensor(data, self._device)
        mask_all = None if mask is None else to_tensor(mask, self._device)
        X_t, mask_t, validate = X_all, mask_all, None
        if self.early_stopping and not incremental:
            train_idx, val_idx = (
                torch.as_tensor(i, device=self._device)
                for i in _fitting.split_validation(
                    codes.shape[0], self.validation_fraction, self._rng)
            )
            validate = self._validation_scorer(X_all[val_idx], _mask_rows(mask_all, val_idx))
            X_t, mask_t = X_all[train_idx], _mask_rows(mask_all, train_idx)
        budget = self._budget(X_t.shape[0], incremental)
        self._batch_size = budget.batch_size
        self._max_epochs = budget.max_epochs
        generator = make_generator(self._rng.randint(SEED_MAX), self._device)
        if self._optimizer is None:
            self._optimizer = _training.make_optimizer(
                self.module_, self._device, self._optimizer_state
            )
            self._optimizer_state = None
        _training.set_hyperparameters(self._optimizer, lr=budget.learning_rate,
                                      weight_decay=self.alpha / budget.batch_size)
        status = _fitting.run_loop(
            self.module_,
            self._optimizer,
            lambda x, m, epoch: self._row_losses(x, m, epoch, generator),
            X_t,
            mask_t,
            budget,
            device=self._device,
            name=type(self).__name__,
            verbose=self.verbose and not incremental,
            history=self._history,
            shuffle=self.shuffle,
            generator=generator,
            tol=self.tol,
            min_epochs=self._min_epochs(),
            support_fraction=self._support_fraction(),
            validate=validate,
        )
        early_stopping = validate is not None
        for name, value in _fitting.history_attributes(self._history, early_stopping).items():
            setattr(self, name, value)
        _fitting.warn_if_unfinished(status, self.n_iter_, self._max_epochs,
                                    early_stopping=early_stopping, incremental=incremental)
        self.module_.eval()
        self._after_fit(X_all, mask_all, incremental)


def _mask_rows(mask, idx):
    """Rows ``idx`` of a mask, or None for no mask."""
    return None if mask is None else mask[idx]
