"""Screening of the detector's robust (trimmed) training, on one seed.

What it measures
----------------
The ROC AUC (x 100) of ``AutoencoderOutlierDetector`` with several ways of
trimming its model's training loss, under the ADBench protocol of
``bench_outliers.py`` (same split, same sets), in both settings:

* ``none``: every row counts (``support_fraction=1.0``);
* ``batch-0.75`` / ``batch-0.50``: in each batch, the rows
  with the lowest loss count, that share of them (``support_fraction``),
  and early stopping scores the held-out rows trimmed alike;
* ``epoch-0.75``: C-steps, as in FAST-MCD: at the start of each epoch every
  training row is scored and the epoch trains on the 75% best;
* ``mad-3``: in each batch, the rows whose loss is more than 3 robust
  standard deviations (1.4826 MAD) above the batch's median get weight 0 (a
  share set by the data; the PCA start as for 0.75);
* ``fullval-0.90``, ``fullval-0.75``, ``fullval-0.50``, ``fullval-mad-3``: as
  ``batch-*`` and ``mad-3``, but early stopping scores every held-out row,
  as skvae does (in the variants above its loss is trimmed like training's);
* ``reweight-mad-3``, ``reweight-mad-2``: the reweighting step of MCD: a
  detector trained as ``fullval-0.75`` scores the training rows, and a new
  one is trained on every row (no trimming) whose score is above the
  median minus 3 (2) robust standard deviations (1.4826 MAD) of those
  scores. Fit time counts both fits.

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
sys.path.insert(1, str(HERE.parent))
sys.path.insert(1, str(HERE))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

import bench_outliers as bo  # noqa: E402
from skvae import AutoencoderOutlierDetector, VAETransformer, _fitting, _training  # noqa: E402
from skvae._utils import SEED_MAX, make_generator  # noqa: E402

VARIANTS = {
    "none": dict(support=1.0),
    "batch-0.75": dict(support=0.75, trimmed_validation=True),
    "batch-0.50": dict(support=0.5, trimmed_validation=True),
    "epoch-0.75": dict(support=0.75, per_epoch=True, trimmed_validation=True),
    "mad-3": dict(support=0.75, mad=3.0, trimmed_validation=True),
    "fullval-0.90": dict(support=0.9),
    "fullval-0.75": dict(support=0.75),
    "fullval-0.50": dict(support=0.5),
    "fullval-mad-3": dict(support=0.75, mad=3.0),
    "reweight-mad-3": dict(support=0.75, reweight=3.0),
    "reweight-mad-2": dict(support=0.75, reweight=2.0),
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


def _trimmed_validation_scorer(self, X_val, mask_val):
    """A validation scorer that trims the held-out rows as training does."""
    seed = self._rng.randint(SEED_MAX)
    support = self._support_fraction()

    def score():
        self.module_.eval()
        generator = make_generator(seed, self._device)
        with torch.inference_mode():
            losses = self._row_losses(X_val, mask_val, None, generator)
            return -_training.batch_loss(*losses, support).item()

    return score


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
        _fitting.TrainingMixin._validation_scorer = _trimmed_validation_scorer
    if spec.get("per_epoch"):
        _training.run_epoch = _epoch_on_best_rows(_training.run_epoch)
    np.random.seed(seed)
    detector = AutoencoderOutlierDetector(
        VAETransformer(support_fraction=spec["support"]), random_state=seed
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        detector.fit(X_fit)
        if spec.get("reweight"):
            scores = detector.score_samples(X_fit)
            median = np.median(scores)
            spread = 1.4826 * np.median(np.abs(scores - median))
            kept = scores >= median - spec["reweight"] * spread
            detector = AutoencoderOutlierDetector(VAETransformer(), random_state=seed)
            detector.fit(X_fit[kept])
    seconds = time.perf_counter() - start
    auc = 100 * roc_auc_score(y_test, -detector.score_samples(X_test))
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
