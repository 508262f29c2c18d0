"""Training a model: from validated arrays to a trained module.

:class:`TrainingMixin` holds what ``fit`` and ``partial_fit`` do between
input validation and the fitted attributes: fresh state, the optimiser, the
validation split, driving the one loop of :mod:`._training`, and publishing
its history as MLP-style attributes and warnings. It relies on the model's
hooks (``_fit_scaling``, ``_make_module``, ``_batch_loss``, ``_after_fit``)
and on ``_standardise``, all defined by :class:`~._base.BaseAutoencoder`.
"""

import math
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from tqdm.std import tqdm

from . import _training
from ._utils import (
    SEED_MAX,
    cpu_threads,
    make_generator,
    resolve_device,
    to_tensor,
    torch_threads,
)


class TrainingMixin:
    """Training state and the path from ``fit`` to the training loop."""

    def _initialize(self, X):
        """Fresh state: scaling, network, optimiser, history and random streams."""
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if any(s <= 0 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must contain only positive sizes, got {sizes}."
            )
        self._device = resolve_device(self.device)
        self._rng = np.random.RandomState(
            check_random_state(self.random_state).randint(SEED_MAX)
        )
        self._dtype = X.dtype
        self.mean_, self.scale_ = self._fit_scaling(X)
        generator = make_generator(self._rng.randint(SEED_MAX), self._device)
        self.module_ = self._make_module(X.shape[1], tuple(sizes), generator)
        self._optimizer = None
        self._optimizer_state = None
        self._history = _training.History()

    def _get_optimizer(self):
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
            lr=self.learning_rate_init,
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

    def _train(self, X, *, max_epochs, incremental):
        n_samples = X.shape[0]
        self._batch_size = (
            min(256, n_samples) if self.batch_size == "auto" else self.batch_size
        )
        Xs, mask = self._standardise(X)
        X_all = to_tensor(Xs, self._device)
        mask_all = None if mask is None else to_tensor(mask, self._device)
        X_t, mask_t, validate = X_all, mask_all, None
        if self.early_stopping and not incremental:
            train_idx, val_idx = (
                torch.as_tensor(i, device=self._device)
                for i in self._split_validation(n_samples)
            )
            validate = self._validation_scorer(X_all[val_idx], _rows(mask_all, val_idx))
            X_t, mask_t = X_all[train_idx], _rows(mask_all, train_idx)
            self._batch_size = min(self._batch_size, len(train_idx))
        generator = make_generator(self._rng.randint(SEED_MAX), self._device)
        progress = tqdm(
            total=max_epochs, desc=type(self).__name__, unit="epoch",
            disable=not self.verbose or incremental,
        )
        threads = cpu_threads(self.module_, self._batch_size, self._device)
        with torch_threads(threads), progress:
            status = _training.fit_loop(
                self.module_,
                self._get_optimizer(),
                lambda x, m, epoch: self._batch_loss(x, m, epoch, generator),
                X_t,
                mask_t,
                history=self._history,
                max_epochs=max_epochs,
                batch_size=self._batch_size,
                shuffle=self.shuffle,
                generator=generator,
                tol=self.tol,
                n_iter_no_change=self.n_iter_no_change,
                validate=validate,
                progress=progress,
            )
        self._record(status, early_stopping=validate is not None, incremental=incremental)
        self.module_.eval()
        self._after_fit(X_all, mask_all)

    def _validation_scorer(self, X_val, mask_val):
        """A callable giving minus the loss on held-out rows (higher is better)."""
        seed = self._rng.randint(SEED_MAX)

        def score():
            self.module_.eval()
            generator = make_generator(seed, self._device)
            with torch.inference_mode():
                return -self._batch_loss(X_val, mask_val, None, generator).item()

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
                f"Maximum iterations ({self.max_iter}) reached and the "
                f"{'validation score' if early_stopping else 'training loss'} has "
                "not converged yet. Increase max_iter or tol.",
                ConvergenceWarning,
            )


def _rows(mask, idx):
    return None if mask is None else mask[idx]
