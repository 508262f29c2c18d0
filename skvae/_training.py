"""The training loop, written once for every model.

The loop knows nothing of scikit-learn or of the model it trains: it gets a
module, an optimiser and ``loss_fn(x, mask, epoch) -> scalar``, and reports
how it stopped as a return value. Data is one tensor on the device; an epoch
permutes it once and takes contiguous slices. A ``DataLoader`` would index
and collate row by row: the same loop took 1.4 to 1.8 times as long with one
in ``benchmarks/bench_training.py`` (see benchmarks/README.md).
"""

import math
from dataclasses import dataclass, field

import torch

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

    def update(self, loss, score, tol, module, warming_up=False):
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
                self.keep_best(score, module)
        self.no_improvement_count = 0 if improved else self.no_improvement_count + 1

    def keep_best(self, score, module):
        """Keep the current weights, scoring ``score``, as the best so far.

        Called with the starting weights too, so that training that does not
        beat its starting point on the validation rows ends where it began.
        """
        self.best_validation_score = score
        self.best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}


def train_step(optimizer, loss_fn, x, mask, epoch):
    """One optimiser step on one batch; returns the detached batch loss."""
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(x, mask, epoch)
    loss.backward()
    optimizer.step()
    return loss.detach()


def run_epoch(module, optimizer, loss_fn, X, mask, *, batch_size, shuffle, generator, epoch):
    """One pass over ``X`` in batches; returns the mean loss per row."""
    n_samples = X.shape[0]
    if shuffle:
        order = torch.randperm(n_samples, generator=generator, device=X.device)
        X = X[order]
        mask = None if mask is None else mask[order]
    module.train()
    total = X.new_zeros(())
    for start in range(0, n_samples, batch_size):
        stop = start + batch_size
        batch_mask = None if mask is None else mask[start:stop]
        loss = train_step(optimizer, loss_fn, X[start:stop], batch_mask, epoch)
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
    validate=None,
    progress=None,
):
    """Train for up to ``max_epochs`` epochs and say how training ended.

    Parameters
    ----------
    min_epochs : int, default=0
        Epochs of warm-up before the training loss is watched (the
        objective changes during a warm-up; the validation score does not).
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
    if validate is not None:
        history.keep_best(validate(), module)
    status = MAX_ITER
    try:
        for i in range(max_epochs):
            epoch = len(history.loss_curve)
            loss = run_epoch(
                module, optimizer, loss_fn, X, mask, batch_size=batch_size,
                shuffle=shuffle, generator=generator, epoch=epoch,
            )
            score = None if validate is None else validate()
            history.update(loss, score, tol, module, warming_up=i < min_epochs)
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
    if validate is not None and history.best_state is not None:
        module.load_state_dict(history.best_state)
    return status


def make_optimizer(module, device, state=None):
    """Adam over ``module``: weight matrices in the first group, the rest in
    the second (never decayed); fused kernels where torch has them.

    ``state`` is an optimiser ``state_dict`` to resume from (e.g. after
    unpickling); :func:`set_hyperparameters` sets the learning rate and L2.
    """
    weights, others = [], []
    for name, param in module.named_parameters():
        (weights if name.endswith("weight") else others).append(param)
    optimizer = torch.optim.Adam(
        [{"params": weights}, {"params": others}],
        fused=device.type in ("cpu", "cuda"),
    )
    if state is not None:
        optimizer.load_state_dict(state)
    return optimizer


def set_hyperparameters(optimizer, lr, weight_decay):
    """Learning rate of every group and L2 penalty of the weight group."""
    weights, others = optimizer.param_groups
    weights["weight_decay"], others["weight_decay"] = weight_decay, 0.0
    for group in (weights, others):
        group["lr"] = lr
