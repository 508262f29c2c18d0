"""Screen: a point mass at a numeric column's most frequent value.

A column whose most frequent value holds at least ``--share`` of its
observed values (digits' blank pixels, concrete's zeros) is given to the
model as two columns: a binary indicator of "at that value" and the value
with those entries missing (the point mass and the continuous part of a
spiked likelihood, built from existing column types). Two uses, each
against the model of the columns as they are:

* imputation: the default imputer's estimator (the package's
  ``_default_estimator``) on ``bench_speed.py``'s standardised
  training rows with 20% of the cells removed completely at random; the
  fill of a split column is ``p * value + (1 - p) * fill``, ``p`` the
  indicator's fill; MSE on the removed cells, with missForest-like's;
* novelty on digits (``bench_defaults.py``'s split: 1-9 scaled by 1/16 to
  train, 0s the outliers): ROC AUC of ``VAETransformer(n_components=8)``'s
  ``score_samples``, with PPCA(8)'s; seconds of fitting and scoring.

Beside the split, the point masses as built: the columns given
``column_types`` by skvae's rule for float columns (``point_mass_type``:
zero-inflated when the value is 0 at the minimum, else spiked), and the
same columns all declared ``"spiked"``; ``--rule-share`` sets the share
that rule asks of the most frequent value (0.2 in skvae).

How to run, from the repository root::

    python benchmarks/screen_point_mass.py --tables digits,concrete --seeds 0,1,2
    python benchmarks/screen_point_mass.py --novelty --seeds 0,1,2,3,4,5
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score

from skvae import AutoencoderImputer, VAETransformer
from skvae import _type_rules as type_rules
from skvae._impute import _default_estimator
from skvae._type_rules import point_mass_type

sys.path.insert(1, str(Path(__file__).resolve().parent))  # the sibling helpers
import bench_defaults  # noqa: E402
import bench_impute  # noqa: E402
import bench_speed  # noqa: E402


def spikes(X, share):
    """``{column: value}`` of the columns whose most frequent value holds ``share``."""
    out = {}
    for j in range(X.shape[1]):
        observed = X[~np.isnan(X[:, j]), j]
        values, counts = np.unique(observed, return_counts=True)
        if counts.size > 1 and counts.max() >= share * observed.size:
            out[j] = values[counts.argmax()]
    return out


def split(X, spiked):
    """X with each spiked column's value missing where at its spike, and the indicators."""
    values, indicators = X.copy(), []
    for j, value in spiked.items():
        at = X[:, j] == value
        values[at, j] = np.nan
        indicators.append(np.where(np.isnan(X[:, j]), np.nan, at.astype(float)))
    return np.column_stack([values, *indicators]) if indicators else values


def rule_types(X, spiked_only=False):
    """``column_types`` of the columns skvae's rule gives a point mass."""
    out = {}
    for j in range(X.shape[1]):
        found = point_mass_type(X[~np.isnan(X[:, j]), j])
        if found:
            out[j] = "spiked" if spiked_only else found
    return out


def binary_types(d, spiked):
    return {d + i: "binary" for i in range(len(spiked))}


def imputation(name, seed, share):
    X, _, _ = bench_speed.split_numeric(name, seed)
    mask = bench_impute.mcar_mask(X.shape, 0.2, seed)
    X_missing = np.where(mask, np.nan, X)
    d = X.shape[1]
    spiked = spikes(X_missing, share)

    def estimator(types=None):  # the imputer's default, with the split columns' types
        return _default_estimator(d, None).set_params(column_types=types)

    out = {}
    start = time.perf_counter()
    filled = AutoencoderImputer(estimator(), random_state=seed).fit_transform(X_missing)
    out["plain"] = (np.mean((filled[mask] - X[mask]) ** 2), time.perf_counter() - start)
    start = time.perf_counter()
    imputer = AutoencoderImputer(estimator(binary_types(d, spiked)), random_state=seed)
    both = imputer.fit_transform(split(X_missing, spiked))
    filled = both[:, :d].copy()
    for i, (j, value) in enumerate(spiked.items()):
        p = both[:, d + i]
        filled[:, j] = p * value + (1 - p) * both[:, j]
    out["split"] = (np.mean((filled[mask] - X[mask]) ** 2), time.perf_counter() - start)
    for key, spiked_only in (("built", False), ("built, spiked", True)):
        start = time.perf_counter()
        types = rule_types(X_missing, spiked_only)
        filled = AutoencoderImputer(estimator(types), random_state=seed).fit_transform(X_missing)
        out[key] = (np.mean((filled[mask] - X[mask]) ** 2), time.perf_counter() - start)
    start = time.perf_counter()
    filled = bench_impute.make_imputer("missforest", seed).fit_transform(X_missing)
    out["missforest"] = (np.mean((filled[mask] - X[mask]) ** 2), time.perf_counter() - start)
    return len(spiked), out


def novelty(seed, share):
    X_train, X_test, y_test = bench_defaults.novelty_split("digits0", seed)
    d = X_train.shape[1]
    spiked = spikes(X_train, share)
    start = time.perf_counter()
    ppca = PCA(8).fit(X_train)
    out = {"ppca": (ppca.score_samples(X_test), time.perf_counter() - start)}
    start = time.perf_counter()
    plain = VAETransformer(n_components=8, random_state=seed).fit(X_train)
    out["plain"] = (plain.score_samples(X_test), time.perf_counter() - start)
    start = time.perf_counter()
    model = VAETransformer(n_components=8, random_state=seed,
                           column_types=binary_types(d, spiked))
    model.fit(split(X_train, spiked))
    out["split"] = (model.score_samples(split(X_test, spiked)), time.perf_counter() - start)
    for key, spiked_only in (("built", False), ("built, spiked", True)):
        start = time.perf_counter()
        model = VAETransformer(n_components=8, random_state=seed,
                               column_types=rule_types(X_train, spiked_only)).fit(X_train)
        out[key] = (model.score_samples(X_test), time.perf_counter() - start)
    return len(spiked), {k: (100 * roc_auc_score(y_test, -scores), seconds)
                         for k, (scores, seconds) in out.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", default="digits,concrete")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--share", type=float, default=0.2)
    parser.add_argument("--novelty", action="store_true")
    parser.add_argument("--rule-share", type=float, default=None,
                        help="the share of the built types' rule (skvae's "
                             "POINT_MASS_SHARE, 0.2, when not given)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.rule_share is not None:
        type_rules.POINT_MASS_SHARE = args.rule_share
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.novelty:
        keys = ("ppca", "plain", "split", "built", "built, spiked")
        print("| seed | spiked columns | AUC (s), PPCA(8) | VAE | VAE, split | built "
              "| built, all spiked |")
        print("|---|---:|---|---|---|---|---|")
        for seed in seeds:
            n, out = novelty(seed, args.share)
            cells = " | ".join(f"{out[k][0]:.1f} ({out[k][1]:.1f})" for k in keys)
            print(f"| {seed} | {n} | {cells} |", flush=True)
        return
    keys = ("plain", "split", "built", "built, spiked", "missforest")
    print("| table | seed | spiked columns | MSE (s), as is | split | built | built, all spiked "
          "| missForest-like |")
    print("|---|---:|---:|---|---|---|---|---|")
    for name in args.tables.split(","):
        for seed in seeds:
            n, out = imputation(name, seed, args.share)
            cells = " | ".join(f"{out[k][0]:.3f} ({out[k][1]:.1f})" for k in keys)
            print(f"| {name} | {seed} | {n} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
