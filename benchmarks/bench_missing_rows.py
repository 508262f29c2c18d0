"""Normal rows with missing entries: their scores and their false alarms.

What it measures
----------------
Rows of a Gaussian with correlated columns (4 columns mixed by a random
matrix, 3,000 training rows, 2,000 new ones, seed 0), where the exact
log-density of any subset of the columns is known:

* ``VAETransformer().score_samples`` of the new rows with their last 1, 2
  or 3 entries missing, against the exact log-density of the entries left
  (nats a row, mean over the rows), and the seconds it took;
* the share of the new rows that ``AutoencoderOutlierDetector`` (its model
  ``VAETransformer()`` or ``AutoencoderTransformer()``, with and without
  the neighbour distance) gives a p-value at or below 0.05, complete and
  with 1 or 2 entries of each row missing at random; the training rows are
  complete, so 0.05 is what calibration promises for complete rows.

How to run
----------
From the repository root::

    python benchmarks/bench_missing_rows.py     # about 15 s on 2 cores
"""

import argparse
import time
import warnings

import numpy as np
from scipy.stats import multivariate_normal

from skvae import AutoencoderOutlierDetector, AutoencoderTransformer, VAETransformer


def main(argv=None):
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    warnings.filterwarnings("ignore")
    rng = np.random.RandomState(0)
    mixing = rng.normal(size=(4, 4))
    cov = mixing.T @ mixing
    X, X_new = rng.normal(size=(3000, 4)) @ mixing, rng.normal(size=(2000, 4)) @ mixing

    vae = VAETransformer(random_state=0).fit(X)
    print("| entries missing | exact log-density | VAE score_samples | s |")
    print("|---|---|---|---|")
    for n_missing in (0, 1, 2, 3):
        kept = 4 - n_missing
        rows = X_new.copy()
        rows[:, kept:] = np.nan
        exact = multivariate_normal(np.zeros(kept), cov[:kept, :kept]).logpdf(X_new[:, :kept])
        start = time.perf_counter()
        scores = vae.score_samples(rows)
        seconds = time.perf_counter() - start
        print(f"| {n_missing} | {exact.mean():.2f} | {scores.mean():.2f} | {seconds:.2f} |")

    print("\n| model | n_neighbors | p <= 0.05, complete | 1 missing | 2 missing |")
    print("|---|---|---|---|---|")
    holes = {m: X_new.copy() for m in (0, 1, 2)}
    for m in (1, 2):
        columns = np.array([rng.choice(4, m, replace=False) for _ in range(len(X_new))])
        holes[m][np.arange(len(X_new))[:, None], columns] = np.nan
    for name, model in (("VAE", VAETransformer), ("AE", AutoencoderTransformer)):
        for n_neighbors in (None, 5):
            detector = AutoencoderOutlierDetector(model(), n_neighbors=n_neighbors,
                                                  random_state=0).fit(X)
            shares = [(detector.score_pvalues(holes[m]) <= 0.05).mean() for m in (0, 1, 2)]
            print(f"| {name} | {n_neighbors} | " + " | ".join(f"{s:.3f}" for s in shares) + " |")


if __name__ == "__main__":
    main()
