"""What the detector's neighbour distance costs on large and mixed tables.

What it measures
----------------
Fit and scoring seconds of ``AutoencoderOutlierDetector`` with its default
neighbour distance (``n_neighbors=5``) and by its model alone
(``n_neighbors=None``), one run each, on:

* a synthetic table of 200,000 rows and 10 columns (3 factors plus noise),
  complete and with 10% of its values missing at random; the model is
  ``VAETransformer(max_iter=2)``, so that the model's training does not
  drown the rest; scoring is of the first 100,000 rows;
* 10,000 rows of Adult (6% of its rows with missing values) and of
  defaultCredit (complete) from ``../shared/data/mixed/``, the default
  detector, scoring the same rows.

How to run
----------
From the repository root, alone on the machine::

    python benchmarks/bench_neighbour_cost.py     # about 3 minutes on 2 cores
"""

import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE))  # the sibling helper modules, not skvae

import _mixed_data as md  # noqa: E402
import numpy as np  # noqa: E402

from skvae import AutoencoderOutlierDetector, VAETransformer  # noqa: E402


def timed(detector, X_fit, X_score):
    start = time.perf_counter()
    detector.fit(X_fit)
    fit = time.perf_counter() - start
    start = time.perf_counter()
    detector.score_samples(X_score)
    return fit, time.perf_counter() - start


def synthetic(n_rows=200_000, n_columns=10, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_rows, 3)) @ rng.normal(size=(3, n_columns))
    return X + 0.3 * rng.normal(size=(n_rows, n_columns))


def main():
    warnings.simplefilter("ignore")
    print("| table | n_neighbors | fit s | score s (rows) |")
    print("|---|---|---|---|")
    X = synthetic()
    holes = X.copy()
    holes[np.random.RandomState(1).rand(*X.shape) < 0.1] = np.nan
    for name, data in (("synthetic 200,000 x 10", X), ("the same, 10% missing", holes)):
        for n_neighbors in (None, 5):
            detector = AutoencoderOutlierDetector(
                VAETransformer(max_iter=2, random_state=0), n_neighbors=n_neighbors,
                random_state=0)
            fit, score = timed(detector, data, data[:100_000])
            print(f"| {name} | {n_neighbors} | {fit:.1f} | {score:.1f} (100,000) |", flush=True)
    for name in ("Adult", "defaultCredit"):
        frame = md.load_table(name, n_rows=10_000).frame
        for n_neighbors in (None, 5):
            detector = AutoencoderOutlierDetector(n_neighbors=n_neighbors, random_state=0)
            fit, score = timed(detector, frame, frame)
            print(f"| {name} 10,000 rows | {n_neighbors} | {fit:.1f} | {score:.1f} (10,000) |",
                  flush=True)


if __name__ == "__main__":
    main()
