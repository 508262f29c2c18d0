"""Screen: how many rows to run importance sampling on at a time.

``VAETransformer`` scores, attributes and completes rows by importance
sampling: each row's ``n_importance_samples`` codes go through the decoder
together, and rows are taken in chunks whose activations hold at most
``skvae._vae._SCORE_BUDGET`` entries (rows x samples x widest layer). This
screen times the same fitted estimators at several budgets, interleaved
(``--rounds`` rounds, each budget once a round; the median is reported),
and checks that the outputs agree with the first budget's:

* ``imputer, Adult``: ``AutoencoderImputer()`` (1,000 importance samples)
  fitted on 3,000 rows of Adult with HI-VAE's first mask, ``transform`` of
  4,000 rows of it (12 mixed columns);
* ``imputer, whitewine``: ``AutoencoderImputer()`` on white wine
  (standardised, 20% of the cells removed at random), ``transform`` of its
  4,898 rows;
* ``score_samples, whitewine`` and ``score_samples, synthetic``:
  ``VAETransformer()`` (50 importance samples), on white wine and on
  20,000 rows of ``_tables.synthetic`` (32 columns);
* ``detector, synthetic``: ``AutoencoderOutlierDetector()``'s
  ``score_samples`` on the same 20,000 rows.

The models are fitted for ``--epochs`` epochs: the weights do not change
what a chunk costs.

How to run, from the repository root (about 3 minutes)::

    python benchmarks/screen_score_budget.py
    python benchmarks/screen_score_budget.py --budgets 21,22,23 --rounds 5
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _mixed_data as md  # noqa: E402
from _tables import TABLES, synthetic  # noqa: E402

import skvae._vae as vae_module  # noqa: E402
from skvae import (  # noqa: E402
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    VAETransformer,
)


def cases(epochs):
    """(name, callable) pairs; each callable runs the timed method once."""
    small = dict(max_iter=epochs, random_state=0)
    table = md.load_table("Adult", n_rows=10_000)
    adult = md.hide(table.frame, table.masks[0] | table.true_missing)
    imputer = AutoencoderImputer(VAETransformer(
        n_components=8, train_importance_samples=10, n_importance_samples=1000, **small
    ), random_state=0).fit(adult.iloc[:3000])
    yield "imputer, Adult (4,000 rows)", lambda: imputer.transform(adult.iloc[:4000])

    wine = TABLES["whitewine"]()
    wine = (wine - wine.mean(0)) / wine.std(0)
    rng = np.random.RandomState(0)
    holes = np.where(rng.rand(*wine.shape) < 0.2, np.nan, wine)
    wine_imputer = AutoencoderImputer(VAETransformer(
        n_components=8, train_importance_samples=10, n_importance_samples=1000, **small
    ), random_state=0).fit(holes)
    yield "imputer, whitewine (4,898 rows)", lambda: wine_imputer.transform(holes)

    model = VAETransformer(**small).fit(wine)
    yield "score_samples, whitewine", lambda: model.score_samples(wine)

    X = synthetic(n_samples=20_000, n_features=32)
    model = VAETransformer(**small).fit(X)
    yield "score_samples, synthetic (20,000 x 32)", lambda: model.score_samples(X)
    detector = AutoencoderOutlierDetector(VAETransformer(**small), random_state=0).fit(X)
    yield "detector, synthetic", lambda: detector.score_samples(X)


def largest_difference(a, b):
    """Largest relative difference of numbers; count of differing labels."""
    if isinstance(a, pd.DataFrame):
        labels = [c for c in a.columns if not pd.api.types.is_numeric_dtype(a[c])]
        n_labels = sum(int((a[c].astype(str) != b[c].astype(str)).sum()) for c in labels)
        a, b = (f.drop(columns=labels).to_numpy(np.float64) for f in (a, b))
    else:
        n_labels = 0
    scale = np.maximum(np.abs(a), 1e-12)
    return float(np.nanmax(np.abs(a - b) / scale)), n_labels


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budgets", default="21,22,23",
                        help="log2 of the budgets, comma-separated (default: 21,22,23)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    warnings.simplefilter("ignore")
    print(f"| case | {' | '.join(f'2^{b} s' for b in budgets)} | "
          "largest relative difference, labels differing |")
    print(f"|---|{'---:|' * len(budgets)}---|")
    for name, run in cases(args.epochs):
        seconds = {b: [] for b in budgets}
        outputs = {}
        run()  # warm-up
        for _ in range(args.rounds):
            for b in budgets:
                vae_module._SCORE_BUDGET = 2**b
                start = time.perf_counter()
                outputs[b] = run()
                seconds[b].append(time.perf_counter() - start)
        first = outputs[budgets[0]]
        differences = [largest_difference(first, outputs[b]) for b in budgets[1:]]
        times = " | ".join(f"{statistics.median(seconds[b]):.2f}" for b in budgets)
        agree = "; ".join(f"2^{b}: {d:.1e}, {n}" for b, (d, n) in zip(budgets[1:], differences))
        print(f"| {name} | {times} | {agree} |", flush=True)


if __name__ == "__main__":
    main()
