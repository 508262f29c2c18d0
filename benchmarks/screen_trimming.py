"""Screening of the detector's robust (trimmed) training, on one seed.

What it measures
----------------
The ROC AUC (x 100) of ``AutoencoderOutlierDetector`` with several ways of
trimming its model's training loss, under the ADBench protocol of
``bench_outliers.py`` (same split, same sets), in both settings:

* ``none``: every row counts (``support_fraction=1.0``);
* ``scales-0.75``: what skvae does: in each batch the 75% of rows with the
  lowest loss train the network; the others still train the likelihood's
  own parameters (the Gaussian scales) through their loss with the
  network's outputs held fixed; early stopping scores every held-out row;
  ``scales-0.90`` the same with 90%.

The variants below were screened with the trimmed rows training nothing,
scales included (the loop before ``scales-0.75``):

* ``batch-0.75`` / ``batch-0.50``: in each batch, the rows
  with the lowest loss count, that share of them (``support_fraction``),
  and early stopping scores the held-out rows trimmed alike;
* ``epoch-0.75``: C-steps, as in FAST-MCD: at the start of each epoch every
  training row is scored and the epoch trains on the 75% best;
* ``mad-3``: in each batch, the rows whose loss is more than 3 robust
  standard deviations (1.4826 MAD) above the batch's median get weight 0 (a
  share set by the data; the PCA start as for 0.75);
* ``fullval-0.90``, ``fullval-0.75``, ``fullval-0.50``, ``fullval-mad-3``: as
  ``batch-*`` and ``mad-3``, but early stopping scores every held-out row;
* ``reweight-mad-3``, ``reweight-mad-2``: the reweighting step of MCD: a
  detector trained as ``fullval-0.75`` scores the training rows, and a new
  one is trained on every row (no trimming) whose score is above the
  median minus 3 (2) robust standard deviations (1.4826 MAD) of those
  scores. Fit time counts both fits;
* ``val90-0.75``, ``val95-0.75``, ``val90-0.90``: early stopping scores the
  90% (95%) of held-out rows the model fits best, whatever the training
  share;
* ``finetune-0.75``: ``fullval-0.75``, then training continues on every row
  (a warm start with ``support_fraction=1.0``);
* ``ens2-0.75``: two ``fullval-0.75`` detectors of different seeds (and
  calibration rows); a row's score is the sum of its scores, each centred
  and scaled by the median and interquartile range of that detector's
  calibration scores. ``ens2-scales-0.75``: the same of ``scales-0.75``.

And with the trimmed rows training more than the scales:

* ``soft10-0.75``, ``soft03-0.75``: they train the network too, with weight
  0.1 (0.03);
* ``encoder-0.75``: they train the encoder (and the scales), only the
  decoder's network fits the best rows; ``encoder-trimmed-scales-0.75``: the
  encoder only;
* ``warmup5-0.75``: ``scales-0.75`` after 5 epochs on every row, which do
  not compete as the best weights;
* ``ae-none``, ``ae-0.75``: the detector with ``AutoencoderTransformer()``
  as its model, untrimmed and trimmed (it has no scales: the trimmed rows
  train nothing).

And with the model's column types changed, trimmed as ``scales-0.75``:

* ``positive-2``, ``positive-5``: the training columns with no negative
  value, more than two distinct values and a sample skewness above 2 (5)
  are declared ``"positive"`` (modelled as ``log1p(x / mean)``); the test
  values of those columns are clipped at 0, as a positive column cannot
  score a negative value (a few in 10,000 test values of these sets are
  below their training range).
* ``heavy-0.75``: ``scales-0.75`` with the detector's own choice of
  positive columns (its default: the heavy-tailed ones, see
  ``skvae._type_rules.is_heavy_tailed``), negative test values in them
  scored ``-inf``; ``ae-heavy-0.75``: ``ae-0.75`` with the same columns
  declared positive (the detector leaves an autoencoder's columns real).

Every other variant declares every column real (``column_types={}``).

The detector's default ("auto") is chosen from this screen; the 3-seed
figures of ``bench_outliers.py`` and the sets it was not chosen on report it.

How to run
----------
From the repository root::

    nice -n 10 python benchmarks/screen_trimming.py --jobs 2   # ~30 min on 2 cores
    python benchmarks/screen_trimming.py --variants none,batch-0.75 --sets cardio

Prints a markdown table per setting and writes the records to ``--output``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE))  # the sibling helper modules, not skvae

import bench_outliers as bo  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from scipy.stats import rankdata  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from skvae import (  # noqa: E402
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    VAETransformer,
    _training,
)
from skvae._base import BaseAutoencoder  # noqa: E402
from skvae._losses import elbo, kl_standard_normal  # noqa: E402
from skvae._type_rules import heavy_tailed_types  # noqa: E402
from skvae._utils import SEED_MAX, make_generator  # noqa: E402

# trimmed_scales: the trimmed rows train nothing, as skvae's loop did before
# the likelihood's scales learned from every row.
VARIANTS = {
    "none": dict(support=1.0),
    "batch-0.75": dict(support=0.75, trimmed_validation=True, trimmed_scales=True),
    "batch-0.50": dict(support=0.5, trimmed_validation=True, trimmed_scales=True),
    "epoch-0.75": dict(support=0.75, per_epoch=True, trimmed_validation=True,
                       trimmed_scales=True),
    "mad-3": dict(support=0.75, mad=3.0, trimmed_validation=True, trimmed_scales=True),
    "fullval-0.90": dict(support=0.9, trimmed_scales=True),
    "fullval-0.75": dict(support=0.75, trimmed_scales=True),
    "fullval-0.50": dict(support=0.5, trimmed_scales=True),
    "fullval-mad-3": dict(support=0.75, mad=3.0, trimmed_scales=True),
    "reweight-mad-3": dict(support=0.75, reweight=3.0, trimmed_scales=True),
    "reweight-mad-2": dict(support=0.75, reweight=2.0, trimmed_scales=True),
    "val90-0.75": dict(support=0.75, validation_share=0.9, trimmed_scales=True),
    "val95-0.75": dict(support=0.75, validation_share=0.95, trimmed_scales=True),
    "val90-0.90": dict(support=0.9, validation_share=0.9, trimmed_scales=True),
    "finetune-0.75": dict(support=0.75, finetune=True, trimmed_scales=True),
    "ens2-0.75": dict(support=0.75, members=2, trimmed_scales=True),
    "scales-0.75": dict(support=0.75),
    "scales-0.90": dict(support=0.9),
    "ens2-scales-0.75": dict(support=0.75, members=2),
    "soft10-0.75": dict(support=0.75, soft=0.1),
    "soft03-0.75": dict(support=0.75, soft=0.03),
    "encoder-0.75": dict(support=0.75, encoder=True),
    "encoder-trimmed-scales-0.75": dict(support=0.75, encoder=True, trimmed_scales=True),
    "warmup5-0.75": dict(support=0.75, warmup=5),
    "ae-none": dict(support=1.0, model="ae"),
    "ae-0.75": dict(support=0.75, model="ae"),
    "positive-2": dict(support=0.75, positive=2.0),
    "positive-5": dict(support=0.75, positive=5.0),
    "heavy-0.75": dict(support=0.75, heavy=True),
    "ae-heavy-0.75": dict(support=0.75, model="ae", heavy="declared"),
}


def _batch_loss_mad(cutoff):
    """``batch_loss`` that drops the rows whose loss per term is more than
    ``cutoff`` robust standard deviations (1.4826 MAD) above the batch's
    median, instead of a fixed share."""

    def batch_loss(losses, counts, support_fraction=1.0):
        if support_fraction < 1.0:
            per_term = losses.detach() if counts is None else losses.detach() / counts
            median = per_term.median()
            spread = 1.4826 * (per_term - median).abs().median()
            kept = per_term <= median + cutoff * spread
            losses = losses[kept]
            counts = None if counts is None else counts[kept]
        if counts is None:
            return losses.mean()
        return losses.sum() / counts.sum()

    return batch_loss


def _validation_scorer_at(share=None):
    """A validation scorer that keeps the ``share`` of held-out rows the
    model fits best; None: the share of training."""

    def scorer(self, X_val, mask_val):
        seed = self._rng.randint(SEED_MAX)
        kept = self._support_fraction() if share is None else share

        def score():
            self.module_.eval()
            generator = make_generator(seed, self._device)
            with torch.inference_mode():
                losses = self._row_losses(X_val, mask_val, None, generator)
                return -_training.batch_loss(*losses, kept).item()

        return score

    return scorer


def _trimmed_rows_train_nothing():
    """The VAE's losses without the third tensor of ``_row_losses``: the
    trimmed rows of a batch get weight 0 for every parameter, scales too."""
    row_losses = VAETransformer._row_losses
    VAETransformer._row_losses = lambda self, *args: row_losses(self, *args)[:2]


def _soft_trimming(weight):
    """``batch_loss`` under which the trimmed rows still train the network,
    with ``weight`` (and the scales fully)."""
    plain = _training.batch_loss

    def batch_loss(losses, counts, support_fraction=1.0, fixed_losses=None):
        if fixed_losses is not None:
            fixed_losses = weight * losses + (1 - weight) * fixed_losses
        return plain(losses, counts, support_fraction, fixed_losses)

    _training.batch_loss = batch_loss


def _encoder_on_every_row(trimmed_scales):
    """``_row_losses`` under which the trimmed rows still train the encoder
    (and the scales unless ``trimmed_scales``): only the decoder's network
    fits the best rows. One sample (the default training)."""

    def row_losses(self, x, mask, epoch, generator):
        inputs, targets = self._table.split(x)
        mean, log_var = self.module_.encode(inputs)
        noise = torch.randn(mean.shape, generator=generator, device=x.device,
                            dtype=x.dtype)
        z = mean + torch.exp(0.5 * log_var) * noise
        kl, beta = kl_standard_normal(mean, log_var), self._kl_weight(epoch)
        log_w = elbo(self._log_likelihood(targets, self.module_.decode(z), mask), kl, beta)
        if epoch is None or self._support_fraction() == 1.0:
            return -log_w, None
        decoder, likelihood = self.module_.decoder, self.module_.likelihood
        fixed = {k: v.detach() for k, v in decoder.named_parameters()}
        params = torch.func.functional_call(decoder, fixed, (z,))
        flags = [p.requires_grad for p in likelihood.parameters()]
        for p in likelihood.parameters():
            p.requires_grad_(not trimmed_scales)
        fixed_w = elbo(self._log_likelihood(targets, params, mask), kl, beta)
        for p, flag in zip(likelihood.parameters(), flags):
            p.requires_grad_(flag)
        return -log_w, None, -(fixed_w - fixed_w.detach() + log_w.detach())

    VAETransformer._row_losses = row_losses


def _untrimmed_warmup(n_epochs):
    """Patches under which the first ``n_epochs`` epochs train on every row
    and do not compete as the best weights: trimming starts from a model of
    all the data."""
    run_epoch, update = _training.run_epoch, _training.History.update

    def warm_run_epoch(*args, epoch, support_fraction=1.0, **kwargs):
        if epoch < n_epochs:
            support_fraction = 1.0
        return run_epoch(*args, epoch=epoch, support_fraction=support_fraction, **kwargs)

    def warm_update(self, loss, score, tol, module, warming_up=False):
        if len(self.loss_curve) < n_epochs:
            self.loss_curve.append(loss)
            if score is not None:
                self.validation_scores.append(score)
            self.best_validation_score, self.best_state = -math.inf, None
            self.no_improvement_count = 0
            return
        update(self, loss, score, tol, module, warming_up)

    _training.run_epoch, _training.History.update = warm_run_epoch, warm_update


def _epoch_on_best_rows(run_epoch):
    """``run_epoch`` that first keeps the best-fitted rows (a C-step)."""

    def c_step(module, optimizer, loss_fn, X, mask, *, support_fraction=1.0, **kw):
        if support_fraction < 1.0:
            module.eval()
            with torch.no_grad():
                per_term = []
                for start in range(0, X.shape[0], 4096):
                    m = None if mask is None else mask[start:start + 4096]
                    losses, counts = loss_fn(X[start:start + 4096], m, kw["epoch"])
                    per_term.append(losses if counts is None else losses / counts)
            per_term = torch.cat(per_term)
            n_kept = math.ceil(support_fraction * X.shape[0])
            kept = torch.topk(per_term, n_kept, largest=False).indices
            X, mask = X[kept], None if mask is None else mask[kept]
        return run_epoch(module, optimizer, loss_fn, X, mask, support_fraction=1.0, **kw)

    return c_step


def _skewed_columns(X, threshold):
    """Columns with no negative value, more than two distinct values and a
    sample skewness above ``threshold``."""
    spread = X.std(axis=0)
    centred = (X - X.mean(axis=0)) / np.where(spread > 0, spread, 1)
    skewness = (centred**3).mean(axis=0)
    return [j for j in range(X.shape[1])
            if X[:, j].min() >= 0 and skewness[j] > threshold
            and len(np.unique(X[:, j])) > 2]


def _standardised(detector, X):
    """A detector's scores, centred and scaled by its calibration scores."""
    calibration = detector.calibration_scores_
    median = np.median(calibration)
    spread = np.subtract(*np.percentile(calibration, [75, 25]))
    return (detector.score_samples(X) - median) / spread


def fit_auc(variant, name, seed, setting):
    """One detector fit under a variant: AUC x 100 and fit seconds."""
    torch.set_num_threads(1)
    spec = VARIANTS[variant]
    X, y = bo.load_set(name)
    X_train, X_test, y_train, y_test = bo.adbench_split(X, y, seed)
    X_fit = X_train if setting == "unsupervised" else X_train[y_train == 0]
    if spec.get("mad"):
        _training.batch_loss = _batch_loss_mad(spec["mad"])
    if spec.get("trimmed_validation"):
        BaseAutoencoder._validation_scorer = _validation_scorer_at()
    if spec.get("validation_share"):
        BaseAutoencoder._validation_scorer = _validation_scorer_at(
            spec["validation_share"])
    if spec.get("encoder"):
        _encoder_on_every_row(spec.get("trimmed_scales", False))
    elif spec.get("trimmed_scales"):
        _trimmed_rows_train_nothing()
    if spec.get("soft"):
        _soft_trimming(spec["soft"])
    if spec.get("warmup"):
        _untrimmed_warmup(spec["warmup"])
    if spec.get("per_epoch"):
        _training.run_epoch = _epoch_on_best_rows(_training.run_epoch)
    # column_types={}: every column real, as when these variants were
    # screened (the detector now models heavy-tailed columns as positive)
    model_params = dict(support_fraction=spec["support"],
                        column_types=None if spec.get("heavy") else {})
    if spec.get("heavy") == "declared":  # the columns the detector picks
        fit_idx, _ = AutoencoderOutlierDetector()._split(
            X_fit.shape[0], np.random.RandomState(seed))
        model_params["column_types"] = heavy_tailed_types(X_fit[fit_idx])
    if spec.get("positive"):
        skewed = _skewed_columns(X_fit, spec["positive"])
        model_params["column_types"] = dict.fromkeys(skewed, "positive")
        X_test = X_test.copy()
        X_test[:, skewed] = X_test[:, skewed].clip(min=0)
    np.random.seed(seed)
    Model = AutoencoderTransformer if spec.get("model") == "ae" else VAETransformer
    detector = AutoencoderOutlierDetector(Model(**model_params), random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        detector.fit(X_fit)
        if spec.get("finetune"):
            rng = np.random.RandomState(seed)
            fit_idx, _ = detector._split(X_fit.shape[0], rng)
            detector.estimator_.set_params(support_fraction=1.0, warm_start=True)
            detector.estimator_.fit(X_fit[fit_idx])
        if spec.get("reweight"):
            scores = detector.score_samples(X_fit)
            median = np.median(scores)
            spread = 1.4826 * np.median(np.abs(scores - median))
            kept = scores >= median - spec["reweight"] * spread
            detector = AutoencoderOutlierDetector(
                VAETransformer(support_fraction=1.0, column_types={}),
                random_state=seed)
            detector.fit(X_fit[kept])
        scores = _standardised(detector, X_test)
        for member in range(1, spec.get("members", 1)):
            other = AutoencoderOutlierDetector(
                Model(support_fraction=spec["support"]),
                random_state=seed + 1000 * member,
            ).fit(X_fit)
            scores = scores + _standardised(other, X_test)
    seconds = time.perf_counter() - start
    auc = 100 * roc_auc_score(y_test, rankdata(-scores))  # ranks: -inf scores
    return dict(variant=variant, set=name, seed=seed, setting=setting,
                auc=auc, fit_seconds=seconds)


def table(records, variants, sets, setting):
    rows = [f"| set | {' | '.join(variants)} |", "|---" * (len(variants) + 1) + "|"]
    means = {v: [] for v in variants}
    for name in sets:
        cells = []
        for v in variants:
            hit = [r["auc"] for r in records
                   if r["set"] == name and r["variant"] == v and r["setting"] == setting]
            cells.append(f"{np.mean(hit):.1f}" if hit else "–")
            means[v] += hit
        rows.append(f"| {name} | {' | '.join(cells)} |")
    rows.append("| **mean** | " + " | ".join(
        f"**{np.mean(means[v]):.1f}**" if means[v] else "–" for v in variants) + " |")
    seconds = {v: [r["fit_seconds"] for r in records
                   if r["variant"] == v and r["setting"] == setting] for v in variants}
    rows.append("| fit s (mean) | " + " | ".join(
        f"{np.mean(seconds[v]):.1f}" if seconds[v] else "–" for v in variants) + " |")
    return "\n".join(rows)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--sets", default=",".join(bo.SETS))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--output", default=str(HERE / "results" / "screen_trimming.json"))
    args = p.parse_args(argv)
    variants, sets = args.variants.split(","), args.sets.split(",")
    tasks = [(v, s, args.seed, setting) for s in sets for setting in bo.SETTINGS
             for v in variants]
    partial = Path(args.output).with_suffix(".partial.jsonl")
    partial.parent.mkdir(parents=True, exist_ok=True)
    records = []  # those of an interrupted run are kept, not redone
    if partial.exists():
        records = [json.loads(line) for line in partial.read_text().splitlines()]
        done = {(r["variant"], r["set"], r["seed"], r["setting"]) for r in records}
        tasks = [t for t in tasks if t not in done]
    # one task per process: the C-step variant patches the loop
    with ProcessPoolExecutor(args.jobs, max_tasks_per_child=1) as pool:
        for record in pool.map(fit_auc, *zip(*tasks)):
            records.append(record)
            with partial.open("a") as f:
                f.write(json.dumps(record) + "\n")
            print(record, file=sys.stderr)
    for setting in bo.SETTINGS:
        print(f"\n### {setting} (ROC AUC x 100, seed {args.seed})\n")
        print(table(records, variants, sets, setting))
    Path(args.output).write_text(json.dumps(dict(args=vars(args), records=records), indent=1))


if __name__ == "__main__":
    main()
