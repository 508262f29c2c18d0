"""Normal rows with missing entries: their scores and their false alarms.

What it measures
----------------
Rows of a Gaussian with correlated columns (4 columns mixed by a random
matrix, 3,000 training rows, 2,000 new ones, seed 0), where the exact
log-density of any subset of the columns is known:

* ``score_samples`` of the new rows with their last 1, 2 or 3 entries
  missing, against the exact log-density of the entries left (nats a row,
  mean over the rows), and the seconds it took: ``VAETransformer()``,
  ``VAETransformer(n_components=3)`` (a code one narrower than the table),
  and ``VAETransformer()`` trained with 10% of its cells missing;
* the share of the new rows that ``AutoencoderOutlierDetector`` (its model
  ``VAETransformer()`` or ``AutoencoderTransformer()``, with and without
  the neighbour distance) gives a p-value at or below 0.05, complete and
  with 1 or 2 entries of each row missing at random (the training rows are
  complete, so 0.05 is what calibration promises for complete rows), and
  the p-values of two far rows with holes, ``[30 sd, -30 sd, NaN, NaN]``
  and ``[8 sd, NaN, 8 sd, NaN]``;
* ``--train-missing 0.2``: only the false alarms, of detectors trained on
  the same rows with that share of their cells missing at random (then
  complete new rows are not what calibration was done on);
* ``--ae-rounds 1,2,10``: the same for the autoencoder's detector with its
  rows' missing inputs set to its reconstruction that many times before
  they are scored (screened and left: not what the autoencoder does);
* ``--timing``: seconds of ``VAETransformer(max_iter=20)``'s
  ``score_samples`` of 100,000 rows of 10 correlated columns (fitted on
  20,000), with 10% of the entries missing, and with one row in 1,000
  missing one entry.

How to run
----------
From the repository root::

    python benchmarks/bench_missing_rows.py                    # about 20 s on 2 cores
    python benchmarks/bench_missing_rows.py --train-missing 0.2
    python benchmarks/bench_missing_rows.py --ae-rounds 1,2,10
    python benchmarks/bench_missing_rows.py --timing           # about 30 s
"""

import argparse
import contextlib
import time
import warnings

import numpy as np
import torch
from scipy.stats import multivariate_normal

from skvae import AutoencoderOutlierDetector, AutoencoderTransformer, VAETransformer


def densities(label, model, X_new, cov):
    for n_missing in (0, 1, 2, 3):
        kept = 4 - n_missing
        rows = X_new.copy()
        rows[:, kept:] = np.nan
        exact = multivariate_normal(np.zeros(kept), cov[:kept, :kept]).logpdf(X_new[:, :kept])
        start = time.perf_counter()
        scores = model.score_samples(rows)
        seconds = time.perf_counter() - start
        print(f"| {label} | {n_missing} | {exact.mean():.2f} | {scores.mean():.2f} | "
              f"{seconds:.2f} |")


def false_alarms(label, detector, holes, far):
    shares = [(detector.score_pvalues(rows) <= 0.05).mean() for rows in holes]
    print(f"| {label} | " + " | ".join(f"{s:.3f}" for s in shares) + " | "
          + " | ".join(f"{p:.4f}" for p in detector.score_pvalues(far)) + " |")


def every_detector(X, holes, far):
    """:func:`false_alarms` of the VAE's and the autoencoder's detectors fitted
    on X, with and without the neighbour distance."""
    for name, model in (("VAE", VAETransformer), ("AE", AutoencoderTransformer)):
        for n_neighbors in (None, 5):
            detector = AutoencoderOutlierDetector(model(), n_neighbors=n_neighbors,
                                                  random_state=0).fit(X)
            false_alarms(f"{name}, {n_neighbors}", detector, holes, far)


@contextlib.contextmanager
def autoencoder_filled(rounds):
    """The autoencoder's rows scored with their missing inputs set to its
    reconstruction ``rounds`` times, within."""
    as_is = AutoencoderTransformer._feature_scores

    def feature_scores(self, x, mask):
        if mask is not None:
            given = x
            for _ in range(rounds):
                x = torch.where(mask == 0, self._decode(self._encode(x, mask)), given)
        return as_is(self, x, mask)

    AutoencoderTransformer._feature_scores = feature_scores
    try:
        yield
    finally:
        AutoencoderTransformer._feature_scores = as_is


def timing():
    rng = np.random.RandomState(0)
    mixing = rng.normal(size=(10, 10))
    X = rng.normal(size=(20000, 10)) @ mixing
    holed = rng.normal(size=(100000, 10)) @ mixing
    holed[rng.rand(*holed.shape) < 0.1] = np.nan
    sparse = rng.normal(size=(100000, 10)) @ mixing
    sparse[::1000, 3] = np.nan
    model = VAETransformer(random_state=0, max_iter=20).fit(X)
    print("| new rows | s |")
    print("|---|---|")
    for label, rows in (("10% of the entries missing", holed),
                        ("one row in 1,000 with a hole", sparse)):
        start = time.perf_counter()
        model.score_samples(rows)
        print(f"| {label} | {time.perf_counter() - start:.2f} |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ae-rounds", default=None, help="comma-separated rounds")
    p.add_argument("--timing", action="store_true")
    p.add_argument("--train-missing", type=float, default=0.0,
                   help="share of the training cells missing (false alarms only)")
    args = p.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.timing:
        timing()
        return
    rng = np.random.RandomState(0)
    mixing = rng.normal(size=(4, 4))
    cov = mixing.T @ mixing
    X, X_new = rng.normal(size=(3000, 4)) @ mixing, rng.normal(size=(2000, 4)) @ mixing
    holes = [X_new.copy() for _ in range(3)]
    for m in (1, 2):
        columns = np.array([rng.choice(4, m, replace=False) for _ in range(len(X_new))])
        holes[m][np.arange(len(X_new))[:, None], columns] = np.nan
    spread = X.std(axis=0)
    far = np.array([[30 * spread[0], -30 * spread[1], np.nan, np.nan],
                    [8 * spread[0], np.nan, 8 * spread[2], np.nan]])
    header = ("| model | p <= 0.05, complete | 1 missing | 2 missing | p of the far rows "
              "(30 sd) | (8 sd) |\n|---|---|---|---|---|---|")

    if args.train_missing:
        X_holed = X.copy()
        X_holed[np.random.RandomState(1).rand(*X.shape) < args.train_missing] = np.nan
        X_holed = X_holed[~np.isnan(X_holed).all(axis=1)]
        print(f"trained on {len(X_holed)} rows, {np.isnan(X_holed).mean():.1%} of the "
              "cells missing\n")
        print(header)
        every_detector(X_holed, holes, far)
        return

    if args.ae_rounds:
        print(header)
        for rounds in [0, *map(int, args.ae_rounds.split(","))]:
            with autoencoder_filled(rounds):
                detector = AutoencoderOutlierDetector(
                    AutoencoderTransformer(), n_neighbors=None, random_state=0).fit(X)
                false_alarms(f"AE, None, {rounds} rounds", detector, holes, far)
        return

    print("| model | entries missing | exact log-density | score_samples | s |")
    print("|---|---|---|---|---|")
    densities("VAE", VAETransformer(random_state=0).fit(X), X_new, cov)
    densities("VAE, n_components=3", VAETransformer(n_components=3, random_state=0).fit(X),
              X_new, cov)
    X_holed = X.copy()
    X_holed[rng.rand(*X.shape) < 0.1] = np.nan
    X_holed = X_holed[~np.isnan(X_holed).all(axis=1)]
    densities("VAE, trained with 10% missing", VAETransformer(random_state=0).fit(X_holed),
              X_new, cov)

    print("\n" + header)
    every_detector(X, holes, far)


if __name__ == "__main__":
    main()
