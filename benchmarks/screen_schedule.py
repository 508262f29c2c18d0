"""Screening of the default training schedule: learning rate, warm-up, patience.

What it measures
----------------
Every table of ``_tables.py`` named by ``--tables`` is split 70/30 and
standardised (``_tables.split``); for each seed, model and candidate
schedule, one default fit (``random_state=seed``) records its seconds, its
epochs, the epoch whose weights it kept and its held-out quality:

* ``vae`` (``n_components=8``, at most the width less one) and ``vaek2``
  (2): held-out log-likelihood per row minus ``PCA(k).score`` (higher is
  better, 0 is probabilistic PCA);
* ``ae`` (8) and ``aek2`` (2): held-out reconstruction MSE over ``PCA(k)``'s
  (lower is better, 1 is PCA).

Beside each fit, ``MLPRegressor()`` is fitted X to X on the same rows: the
time a scikit-learn user would compare against. A candidate is a name and
a dict of settings: the module constants of ``skvae._fitting`` that the
"auto" parameters read (``AUTO_LR``, ``MIN_AUTO_LR``, ``WARMUP_STEPS``,
``AUTO_PATIENCE``, ``AUTO_PATIENCE_STEPS``, ``AUTO_PATIENCE_STEPS_PARTIAL``,
``AUTO_EPOCHS``, ``AUTO_STEPS``, ``AUTO_BATCH``), set for that fit only, and
``params``, estimator parameters (``learning_rate_init``, ...). The summary
gives, per model and candidate, the mean and median quality and the median
and largest ratio of fit time to MLPRegressor's.

The constants are private: this is a screen of candidate defaults, run on
one checkout; the defaults it chose are measured through the public
parameters by ``bench_defaults.py`` and ``bench_speed.py``.

How to run
----------
From the repository root, two processes of one thread each on two cores::

    python benchmarks/screen_schedule.py --tables iris,breast,redwine,digits &
    python benchmarks/screen_schedule.py --tables wine,diabetes,concrete,banknote \\
        --output benchmarks/results/screen_schedule_b.json

``--candidates`` takes a JSON file ``{"name": {"WARMUP_STEPS": 10, "params":
{...}}, ...}``; the default compares the current schedule with the
warm-ups that were screened. Every fit is printed as a JSON line and all of
them written to ``--output``.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import sys
import time
import warnings
from pathlib import Path

import _tables
import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.neural_network import MLPRegressor

from skvae import AutoencoderTransformer, VAETransformer, _fitting

HERE = Path(__file__).resolve().parent
CONSTANTS = (
    "AUTO_LR", "MIN_AUTO_LR", "WARMUP_STEPS", "AUTO_PATIENCE", "AUTO_PATIENCE_STEPS",
    "AUTO_PATIENCE_STEPS_PARTIAL", "AUTO_EPOCHS", "AUTO_STEPS", "AUTO_BATCH",
)
DEFAULT_CANDIDATES = {
    "current": {},
    "warm-up 30": {"WARMUP_STEPS": 30},
    "warm-up 20": {"WARMUP_STEPS": 20},
    "no warm-up": {"WARMUP_STEPS": 0},
}
MODELS = {"vae": (VAETransformer, 8), "vaek2": (VAETransformer, 2),
          "ae": (AutoencoderTransformer, 8), "aek2": (AutoencoderTransformer, 2)}


def fit_one(table, seed, model, settings, X_train, X_test):
    """One fit under ``settings``; the constants are put back afterwards."""
    cls, k = MODELS[model]
    k = min(k, X_train.shape[1] - 1)
    saved = {name: getattr(_fitting, name) for name in CONSTANTS}
    settings = dict(settings)
    params = settings.pop("params", {})
    try:
        for name, value in settings.items():
            if name not in saved:
                raise ValueError(f"unknown setting {name!r}; known: {CONSTANTS}")
            setattr(_fitting, name, value)
        start = time.perf_counter()
        estimator = cls(n_components=k, random_state=seed, **params).fit(X_train)
        seconds = time.perf_counter() - start
    finally:
        for name, value in saved.items():
            setattr(_fitting, name, value)
    pca = PCA(k).fit(X_train)
    if cls is VAETransformer:
        quality = estimator.score(X_test) - pca.score(X_test)
    else:
        def mse(X_hat):
            return np.mean(np.square(X_hat - X_test))
        quality = (mse(estimator.inverse_transform(estimator.transform(X_test)))
                   / mse(pca.inverse_transform(pca.transform(X_test))))
    scores = estimator.validation_scores_
    best = int(np.argmax(scores)) + 1 if scores else None
    if best is not None and scores[best - 1] < estimator.best_validation_score_:
        best = 0  # the starting weights were kept
    return {"table": table, "seed": seed, "model": model, "k": k, "seconds": seconds,
                "quality": float(quality), "n_iter": estimator.n_iter_, "best_epoch": best,
                "n_train": X_train.shape[0]}


def summary(records):
    by = collections.defaultdict(list)
    for r in records:
        by[(r["model"], r["candidate"])].append(r)
    lines = [("| model | candidate | mean quality | median quality | median time / MLP "
             "| largest time / MLP | total s |"), "|---" * 7 + "|"]
    for (model, candidate), rs in by.items():
        q = [r["quality"] for r in rs]
        ratio = [r["seconds"] / r["mlp_seconds"] for r in rs]
        lines.append(
            f"| {model} | {candidate} | {np.mean(q):+.3f} | {np.median(q):+.3f} "
            f"| {np.median(ratio):.2f} | {np.max(ratio):.1f} "
            f"| {sum(r['seconds'] for r in rs):.1f} |"
        )
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", default="iris,breast,redwine,digits")
    parser.add_argument("--models", default="vae,vaek2,ae")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--candidates", default=None, help="a JSON file")
    parser.add_argument("--output", default=str(HERE / "results" / "screen_schedule.json"))
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    candidates = (json.loads(Path(args.candidates).read_text()) if args.candidates
                  else DEFAULT_CANDIDATES)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    VAETransformer(max_iter=2).fit(np.random.RandomState(0).normal(size=(50, 4)))
    records = []
    seeds = [int(s) for s in args.seeds.split(",")]
    for table, seed in itertools.product(args.tables.split(","), seeds):
        X_train, X_test = _tables.split(table, seed)
        start = time.perf_counter()
        MLPRegressor(random_state=seed).fit(X_train, X_train)
        mlp_seconds = time.perf_counter() - start
        for model, (name, settings) in itertools.product(
            args.models.split(","), candidates.items()
        ):
            record = fit_one(table, seed, model, settings, X_train, X_test)
            record.update(candidate=name, mlp_seconds=mlp_seconds)
            records.append(record)
            print(json.dumps(record), flush=True)
    print(summary(records))
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(
        {"candidates": candidates, "records": records}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
