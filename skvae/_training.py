"""The training loop, written once for every model.

The loop knows nothing of scikit-learn or of the model it trains: it gets a
module, an optimiser and ``loss_fn(x, mask, epoch) -> (losses, counts)``,
each row's loss summed over its terms and the number of its terms (None: one
per row), optionally followed by the same losses with the network's outputs
held fixed, and reports how it stopped as a return value. It reduces them to
the batch loss, the mean loss per term, over every row or, when training is
trimmed, over the ``support_fraction`` of rows with the lowest loss. Data is
one tensor on the device; an epoch permutes it once and takes contiguous
slices. A ``DataLoader`` would index and collate row by row, which made
the same loop markedly slower (benchmarks/pages/training-speed.md).
"""

import math
from dataclasses import dataclass, field

import torch

from ._adam import Adam

CONVERGED = "converged"
MAX_ITER = "max_iter"
INTERRUPTED = "interrupted"


@dataclass
class History:
    """What training records; kept between calls for warm starts."""

    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    best_loss: float = math.inf
    best_validation_score: float = -math.inf
    no_improvement_count: int = 0
    best_state: dict = None
    n_steps: int = 0

    def update(self, loss, score, tol, state, warming_up=False):
        """Record one epoch, as scikit-learn's MLP does; track the best weights.

        While ``warming_up``, the objective is not yet the final one: no epoch
        counts as a lack of progress, and the training loss does not count as
        the best (the validation score, always of the final objective, does).
        """
        self.loss_curve.append(loss)
        if score is None:
            improved = warming_up or loss < self.best_loss - tol
            if not warming_up:
                self.best_loss = min(self.best_loss, loss)
        else:
            self.validation_scores.append(score)
            improved = warming_up or score >= self.best_validation_score + tol
            if score > self.best_validation_score:
                self.keep_best(score, state)
        self.no_improvement_count = 0 if improved else self.no_improvement_count + 1

    def keep_best(self, score, state):
        """Keep a copy of ``state``, scoring ``score``, as the best so far.

        ``state`` is the module's ``state_dict()``, whose tensors share the
        module's storage: taken once per fit, it is copied at each new best
        without walking the module again. Called with the starting weights
        too, so that training that does not beat its starting point on the
        validation rows ends where it began.
        """
        self.best_validation_score = score
        self.best_state = {k: v.clone() for k, v in state.items()}


def batch_loss(losses, counts, support_fraction=1.0, fixed_losses=None):
    """Mean loss per term of a batch's rows, or of its least-loss rows.

    With ``support_fraction < 1`` only the ``ceil(support_fraction * N)``
    rows with the lowest loss per term train the network, the others get
    weight 0: the trimmed likelihood of least trimmed squares and of the
    Minimum Covariance Determinant, here per batch. Given ``fixed_losses``,
    the other rows count with those instead, losses whose gradient reaches
    only the likelihood's own parameters (such as Gaussian scales): the
    network fits the best rows, the noise around it is measured on every
    row, as the MCD's consistency factor rescales the scatter of its best
    rows to the data.

    Parameters
    ----------
    losses : Tensor of shape (N,)
        Each row's loss, summed over its terms.
    counts : Tensor of shape (N,) or None
        Each row's number of terms; None means one per row.
    support_fraction : float, default=1.0
        Share of the rows whose loss trains the network, in (0, 1].
    fixed_losses : Tensor of shape (N,) or None, default=None
        Each row's loss with the network's outputs held fixed (the same
        values as ``losses``); None: the trimmed rows count for nothing.
    """
    if support_fraction < 1.0:
        per_term = losses.detach() if counts is None else losses.detach() / counts
        n_kept = max(1, math.ceil(support_fraction * losses.shape[0]))
        kept = torch.topk(per_term, n_kept, largest=False, sorted=False).indices
        if fixed_losses is None:
            losses = losses[kept]
            counts = None if counts is None else counts[kept]
        else:
            losses = fixed_losses.index_copy(0, kept, losses[kept])
    if counts is None:
        return losses.mean()
    return losses.sum() / counts.sum()


def train_step(optimizer, loss_fn, x, mask, epoch, support_fraction=1.0):
    """One optimiser step on one batch; returns the detached batch loss."""
    optimizer.zero_grad(set_to_none=True)
    losses, counts, *fixed_losses = loss_fn(x, mask, epoch)
    loss = batch_loss(losses, counts, support_fraction, *fixed_losses)
    loss.backward()
    optimizer.step()
    return loss.detach()


def run_epoch(
    module, optimizer, loss_fn, X, mask, *, batch_size, shuffle, generator, epoch,
    support_fraction=1.0, schedule=None,
):
    """One pass over ``X`` in batches; returns the mean batch loss per row.

    ``schedule``, a :class:`WarmUp` or None, sets the learning rate before
    each step.
    """
    n_samples = X.shape[0]
    if shuffle:
        order = torch.randperm(n_samples, generator=generator, device=X.device)
        X = X[order]
        mask = None if mask is None else mask[order]
    if not module.training:  # a walk over every submodule: only when needed
        module.train()
    total = X.new_zeros(())
    for start in range(0, n_samples, batch_size):
        if schedule is not None:
            schedule.step()
        stop = start + batch_size
        batch_mask = None if mask is None else mask[start:stop]
        loss = train_step(
            optimizer, loss_fn, X[start:stop], batch_mask, epoch, support_fraction
        )
        total += loss * min(batch_size, n_samples - start)
    mean_loss = total.item() / n_samples
    if not math.isfinite(mean_loss):
        raise ValueError(
            f"Training diverged: the loss became {mean_loss} at epoch {epoch + 1}. "
            "Lower learning_rate_init, or check the data for extreme values."
        )
    return mean_loss


def fit_loop(
    module,
    optimizer,
    loss_fn,
    X,
    mask,
    *,
    history,
    max_epochs,
    batch_size,
    shuffle,
    generator,
    tol,
    n_iter_no_change,
    min_epochs=0,
    support_fraction=1.0,
    warmup_steps=0,
    validate=None,
    progress=None,
):
    """Train for up to ``max_epochs`` epochs and say how training ended.

    The module is in training mode throughout, validation included: the
    networks trained here have no layer that computes differently in
    evaluation mode (no dropout, no batch normalisation), and switching a
    module's mode walks every submodule, a cost paid at each epoch.

    Parameters
    ----------
    min_epochs : int, default=0
        Epochs of warm-up before the training loss is watched (the
        objective changes during a warm-up; the validation score does not).
    support_fraction : float, default=1.0
        Share of each batch's rows whose loss counts (see
        :func:`batch_loss`).
    warmup_steps : int, default=0
        Optimiser steps over which the learning rate rises linearly to the
        optimiser's own (see :class:`WarmUp`).
    validate : callable or None
        ``validate() -> float``, higher is better. When given, stopping
        watches it and the best weights, the starting ones included, are
        restored at the end; otherwise
        stopping watches the training loss.
    progress : tqdm-like or None
        Receives ``update(1)`` and ``set_postfix`` once per epoch.

    Returns
    -------
    status : {"converged", "max_iter", "interrupted"}
    """
    history.no_improvement_count = 0
    module.train()
    state = module.state_dict()  # shares the module's storage
    if validate is not None:
        history.keep_best(validate(), state)
    schedule = WarmUp(optimizer, warmup_steps, history)
    status = MAX_ITER
    try:
        for i in range(max_epochs):
            epoch = len(history.loss_curve)
            loss = run_epoch(
                module, optimizer, loss_fn, X, mask, batch_size=batch_size,
                shuffle=shuffle, generator=generator, epoch=epoch,
                support_fraction=support_fraction, schedule=schedule,
            )
            score = None if validate is None else validate()
            history.update(loss, score, tol, state, warming_up=i < min_epochs)
            if schedule.warming_up:  # patience counts from the end of the warm-up
                history.no_improvement_count = 0
            if progress is not None:
                postfix = {"loss": f"{loss:.4g}"}
                if score is not None:
                    postfix["val"] = f"{score:.4g}"
                progress.set_postfix(postfix, refresh=False)
                progress.update(1)
            if history.no_improvement_count > n_iter_no_change:
                status = CONVERGED
                break
    except KeyboardInterrupt:
        status = INTERRUPTED
    finally:
        schedule.restore()
    if validate is not None and history.best_state is not None:
        module.load_state_dict(history.best_state)
    return status


class WarmUp:
    """A linear warm-up of the learning rate over the first optimiser steps.

    Step ``t`` of training (counted from 1 in ``history.n_steps``, across
    the calls of warm starts and ``partial_fit``) runs at ``min(1, t /
    n_steps)`` times each parameter group's learning rate: Adam's first
    steps, normalised by moment estimates from a handful of gradients, are
    the largest it takes, and at a large rate they would throw a network
    that starts at a good linear model far from it. :meth:`restore` gives
    the groups their rates back.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        Whose groups' ``lr`` are scaled.
    n_steps : int
        Length of the warm-up; 0 for none.
    history : History
        Where the steps are counted.
    """

    def __init__(self, optimizer, n_steps, history):
        self.groups = optimizer.param_groups
        self.rates = [group["lr"] for group in self.groups]
        self.n_steps = n_steps
        self.history = history

    def step(self):
        """Count one optimiser step and set its learning rate."""
        self.history.n_steps += 1
        if self.history.n_steps <= self.n_steps:
            factor = self.history.n_steps / self.n_steps
            for group, rate in zip(self.groups, self.rates):
                group["lr"] = rate * factor

    @property
    def warming_up(self):
        """Whether the learning rate has not reached its own yet."""
        return self.history.n_steps < self.n_steps

    def restore(self):
        """Set every group's learning rate back to its own."""
        for group, rate in zip(self.groups, self.rates):
            group["lr"] = rate


def make_optimizer(module, device, state=None):
    """Adam over ``module``: weight matrices in the first group, the rest in
    the second (never decayed).

    On devices with torch's fused Adam kernel (CPU, CUDA), :class:`._adam.Adam`
    runs it; elsewhere ``torch.optim.Adam``. ``state`` is an optimiser
    ``state_dict`` to resume from (e.g. after unpickling);
    :func:`set_hyperparameters` sets the learning rate and L2.
    """
    weights, others = [], []
    for name, param in module.named_parameters():
        (weights if name.endswith("weight") else others).append(param)
    if device.type in ("cpu", "cuda"):
        optimizer = Adam([weights, others])
    else:
        optimizer = torch.optim.Adam([{"params": weights}, {"params": others}])
    if state is not None:
        optimizer.load_state_dict(state)
    return optimizer


def set_hyperparameters(optimizer, lr, weight_decay):
    """Learning rate of every group and L2 penalty of the weight group."""
    weights, others = optimizer.param_groups
    weights["weight_decay"], others["weight_decay"] = weight_decay, 0.0
    for group in (weights, others):
        group["lr"] = lr
