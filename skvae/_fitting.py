"""What a fit decides before and after the training loop, as functions.

The estimator (:class:`~._base.BaseAutoencoder`) owns its fitted state and
writes it; these functions get what they need as arguments and return what
they decide: the "auto" settings resolved for a table's size
(:func:`budget`), the network's linear start (:func:`linear_start`), the
validation split and score (:func:`split_validation`,
:func:`validation_scorer`), the loop run with its threads and progress bar
(:func:`run_loop`), the history as MLP-style attributes with their warnings
(:func:`history_attributes`, :func:`warn_if_unfinished`), and the undoing
of a fit that raises (:func:`undone_on_error`). The loop itself is
:func:`._training.fit_loop`.
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
from tqdm.std import tqdm

from . import _training
from ._likelihoods import MIN_LOG_SCALE
from ._nn import LinearStart
from ._threads import cpu_threads, torch_threads
from ._utils import SEED_MAX, make_generator

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


@contextlib.contextmanager
def undone_on_error(estimator):
    """Run a fit of ``estimator``: with gradients on, and undone if it raises.

    Gradients are enabled whatever the caller's torch mode (inference mode,
    ``torch.no_grad``). If the block raises, the estimator is put back as
    it was before: unfitted after a first fit, or its previous fitted
    state (weights, optimiser and history included) after a warm start or
    ``partial_fit``. The folded networks of inference notice new weights
    themselves (see :func:`._inference.folded`).
    """
    state = copy.copy(estimator.__dict__)
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
        estimator.__dict__.clear()
        estimator.__dict__.update(state)
        estimator.__dict__.update(kept)
        for name, values in saved.items():
            state[name].load_state_dict(values)
        raise


def hidden_layer_sizes(sizes):
    """``hidden_layer_sizes`` as a tuple of positive ints, or a ValueError."""
    given = sizes
    sizes = tuple(sizes) if hasattr(sizes, "__iter__") else (sizes,)
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0
               for s in sizes):
        raise ValueError(
            "hidden_layer_sizes must be a positive integer or a sequence of "
            f"positive integers, got {given!r}."
        )
    return tuple(int(s) for s in sizes)


def check_architecture(built_for, architecture):
    """Raise if the parameters that shape the network changed since it was built."""
    changed = {
        name: (old, architecture[name])
        for name, old in built_for.items()
        if name in architecture and old != architecture[name]
    }
    if changed:
        listed = ", ".join(f"{n} from {o!r} to {v!r}" for n, (o, v) in changed.items())
        raise ValueError(
            f"Cannot continue training: {listed} changed since the network "
            "was built, and a trained network cannot be reshaped. Set "
            "warm_start=False (or call fit instead of partial_fit) to train "
            "a new network, or set the parameters back."
        )


@dataclass(frozen=True)
class Budget:
    """The training settings of one fit, "auto" resolved (see :func:`budget`)."""

    batch_size: int
    max_epochs: int
    patience: int
    learning_rate: float
    warmup_steps: int


def budget(n_train, *, batch_size, max_iter, n_iter_no_change, learning_rate_init,
           starts_linear, incremental=False):
    """How to train on ``n_train`` rows: the "auto" parameters resolved.

    The learning rate ``"auto"`` falls with the number of batches per epoch,
    from ``AUTO_LR`` for a table of one batch (one step an epoch, on the
    whole table's gradient) as ``1 / sqrt(batches)``, to ``MIN_AUTO_LR``,
    MLP's rate, from 100 batches on (many small steps an epoch); it is
    reached by a linear warm-up over ``WARMUP_STEPS`` steps (once per
    estimator: the steps are counted across warm starts and
    ``partial_fit``). A number is used from the first step on, as
    :class:`~sklearn.neural_network.MLPRegressor` does. ``partial_fit``
    (``incremental``) trains at ``MIN_AUTO_LR``: a chunk is one of many
    batches. The patience ``"auto"`` is longer where the network does not
    start as a linear model of every column (``starts_linear``).
    """
    batch_size = AUTO_BATCH if batch_size == "auto" else batch_size
    batch_size = min(batch_size, n_train)
    steps_per_epoch = math.ceil(n_train / batch_size)
    max_epochs, patience = max_iter, n_iter_no_change
    if max_epochs == "auto":
        max_epochs = max(AUTO_EPOCHS, math.ceil(AUTO_STEPS / steps_per_epoch))
    if patience == "auto":
        steps = AUTO_PATIENCE_STEPS if starts_linear else AUTO_PATIENCE_STEPS_PARTIAL
        patience = max(AUTO_PATIENCE, math.ceil(steps / steps_per_epoch))
    learning_rate, warmup_steps = learning_rate_init, 0
    if learning_rate == "auto":
        learning_rate = MIN_AUTO_LR if incremental else max(
            MIN_AUTO_LR, AUTO_LR / math.sqrt(steps_per_epoch)
        )
        warmup_steps = WARMUP_STEPS
    return Budget(batch_size, 1 if incremental else max_epochs, patience,
                  learning_rate, warmup_steps)


# ------------------------------------------------------------ linear start
def linear_start(inputs, used, n_components, support_fraction, rng):
    """PCA of the ``used`` encoded inputs (missing entries at the mean).

    A ``LinearStart`` over all the inputs, with zero loadings on the
    others. Computed in float64. At most ``len(used) - 1`` components are
    kept, so that some variance is left for the noise (a model that starts
    with none cannot learn); the noise variance is floored at the decoder's
    smallest variance. ``rng`` (a ``RandomState``) seeds the PCA.
    """
    fitted = pca(inputs[:, used].astype(np.float64), n_components, support_fraction, rng)
    components = np.zeros((fitted.components_.shape[0], inputs.shape[1]))
    components[:, used] = fitted.components_
    mean = np.zeros(inputs.shape[1])
    mean[used] = fitted.mean_
    as_tensor = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    return LinearStart(
        components=as_tensor(components),
        variances=as_tensor(fitted.explained_variance_),
        noise_variance=max(float(fitted.noise_variance_), math.exp(2 * MIN_LOG_SCALE)),
        mean=as_tensor(mean),
    )


def pca(Xs, n_components, support_fraction, rng):
    """scikit-learn's PCA of Xs, or its no-component equivalent.

    With ``support_fraction < 1``, the PCA of the rows it fits best: C-steps
    as in FAST-MCD refit it on the ``support_fraction`` of the rows with the
    highest probabilistic PCA likelihood, so that a group of outliers does
    not pull the start (and training) towards it. Its mean and axes are
    those rows'; the variances along and around the axes are every row's,
    as the likelihood's scales, which train on every row (see
    :func:`._training.batch_loss`), will be: measured on the best rows
    alone, the noise of a column that is constant on them (a column of
    mostly zeros) starts near zero, and Adam's bounded steps take hundreds
    of epochs to widen it.
    """
    n_components = min(n_components, Xs.shape[1] - 1, Xs.shape[0] - 1)
    if n_components < 1:
        return _Moments(Xs)
    seed = rng.randint(SEED_MAX)
    # constant data has no variance to explain: PCA's explained variance
    # ratio is 0 / 0, which it computes (and warns of) but the start never reads
    with np.errstate(divide="ignore", invalid="ignore"):
        fitted = PCA(n_components, random_state=seed).fit(Xs)
        n_kept = math.ceil(support_fraction * Xs.shape[0])
        if n_kept < Xs.shape[0] and n_kept > n_components:
            for _ in range(PCA_C_STEPS):
                kept = np.argsort(_ppca_distances(fitted, Xs), kind="stable")[:n_kept]
                fitted = PCA(n_components, random_state=seed).fit(Xs[kept])
            _measure_spread(fitted, Xs)
    return fitted


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


# -------------------------------------------------------------- the loop
def split_validation(n_samples, validation_fraction, rng):
    """Row indices for training and validation (early stopping only)."""
    n_val = math.ceil(validation_fraction * n_samples)
    if n_val < 1 or n_val >= n_samples:
        raise ValueError(
            f"early_stopping with validation_fraction={validation_fraction} "
            f"leaves no rows to train or to validate on with n_samples="
            f"{n_samples}. Use more samples, another validation_fraction, or "
            "early_stopping=False."
        )
    order = rng.permutation(n_samples)
    return order[n_val:], order[:n_val]


def validation_scorer(row_losses, X_val, mask_val, seed, device, chunk):
    """A callable giving minus the loss on held-out rows (higher is better).

    ``row_losses(x, mask, epoch, generator)`` is the model's; its draws are
    seeded by ``seed`` at every call. The rows are taken in as few chunks
    of at most ``chunk`` rows as there can be, of near-equal sizes (no
    chunk of a handful of rows, which CPU kernels round otherwise), so that
    a large table's activations stay bounded; only each row's loss and
    count are kept. Every held-out row counts, also when
    training is trimmed: scoring only the rows the model fits best would
    reward fitting the typical rows ever more closely, and training would
    run on long after the model stopped improving on the data as a whole
    (measured in ``benchmarks/screen_trimming.py``).
    """

    def score():  # in the training mode the loop keeps (see fit_loop)
        generator = make_generator(seed, device)
        n_chunks = max(1, math.ceil(X_val.shape[0] / chunk))
        masks = ([None] * n_chunks if mask_val is None
                 else torch.tensor_split(mask_val, n_chunks))
        with torch.inference_mode():
            parts = [row_losses(x, mask, None, generator)
                     for x, mask in zip(torch.tensor_split(X_val, n_chunks), masks)]
            losses, counts = zip(*parts)
            counts = None if counts[0] is None else torch.cat(counts)
            return -_training.batch_loss(torch.cat(losses), counts).item()

    return score


def run_loop(module, optimizer, loss_fn, X, mask, budget, *, device, name,
             verbose, **loop_options):
    """:func:`._training.fit_loop` with its threads and progress bar; its status.

    ``loop_options`` go to the loop as they are (history, shuffle,
    generator, tol, min_epochs, support_fraction, validate).
    """
    progress = tqdm(total=budget.max_epochs, desc=name, unit="epoch",
                    disable=not verbose)
    threads = cpu_threads(module, budget.batch_size, device)
    with torch_threads(threads), progress:
        return _training.fit_loop(
            module,
            optimizer,
            loss_fn,
            X,
            mask,
            max_epochs=budget.max_epochs,
            batch_size=budget.batch_size,
            n_iter_no_change=budget.patience,
            warmup_steps=budget.warmup_steps,
            progress=progress,
            **loop_options,
        )


def history_attributes(history, early_stopping):
    """The loop's history as MLP-style fitted attributes (name -> value)."""
    return {
        "n_iter_": len(history.loss_curve),
        "loss_curve_": list(history.loss_curve),
        "validation_scores_": list(history.validation_scores) if early_stopping else None,
        "best_validation_score_": history.best_validation_score if early_stopping else None,
        "best_loss_": None if early_stopping else history.best_loss,
    }


def warn_if_unfinished(status, n_iter, max_epochs, *, early_stopping, incremental):
    """A ``ConvergenceWarning`` when the loop was interrupted or ran out of epochs."""
    if status == _training.INTERRUPTED:
        warnings.warn(
            f"Training interrupted by the user after {n_iter} epochs; "
            "the model keeps "
            + ("its best validation weights." if early_stopping else "its weights."),
            ConvergenceWarning,
        )
    elif status == _training.MAX_ITER and not incremental:
        warnings.warn(
            f"Maximum iterations ({max_epochs}) reached and the "
            f"{'validation score' if early_stopping else 'training loss'} has "
            "not converged yet. Increase max_iter or tol.",
            ConvergenceWarning,
        )
