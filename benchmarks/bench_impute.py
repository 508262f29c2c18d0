"""Imputation error and time of AutoencoderImputer against scikit-learn's imputers.

What it measures
----------------
Two published protocols, every method on the same masks in the same run
(see ``../shared/data/ANCHORS.md`` for the reference figures):

* MIWAE protocol (Mattei & Frellsen, ICML 2019): each column standardised on
  the full data; 50% of all entries removed completely at random (MCAR);
  error = mean squared error on the removed entries, in standardised units
  (mean imputation is about 1.0). Data: banknote (4 features), breast cancer
  (30, from scikit-learn), concrete (9: 8 features and the target), red and
  white wine (12: 11 features and the quality). The mask is plain MCAR, so
  a few rows lose every entry (about 6% on banknote); every method gets the
  same masked matrix and fills those rows its own way.
* GAIN protocol (Yoon et al., ICML 2018): spam (57 features) min-max scaled
  to [0, 1] on the full data, 20% MCAR, error = RMSE on the removed entries.

Each method imputes the masked matrix with ``fit_transform`` (the
transductive setting of both papers); "seconds" is the wall clock of that
call, after one untimed warm-up run of every method. Errors and seconds
are means over the masks (mask ``i`` uses ``numpy.random.default_rng(i)``).

Methods: ``mean`` (SimpleImputer), ``knn`` (KNNImputer, 5 neighbours),
``ice`` (IterativeImputer with BayesianRidge, its default), ``missforest``
(IterativeImputer(ExtraTreesRegressor(n_estimators=30), max_iter=5), a
missForest-like imputer), ``skvae`` (``AutoencoderImputer()`` with its
defaults), ``skvae-vae`` (``AutoencoderImputer(VAETransformer())``: the
imputer given the VAE at its defaults) and ``skvae-frame``
(``AutoencoderImputer()`` given the table as a user holds it: a pandas
DataFrame of the unscaled values with NaN in the holes, whose columns the
model types by their values, e.g. concrete's mostly-zero columns as
zero-inflated; its fills are scaled as the protocol scales the data before
the error is taken). The summary gives the geometric
mean over the five MIWAE sets of skvae's MSE divided by missForest-like's,
and the ratio of their total times.

How to run
----------
From the repository root (the whole run takes about 20 minutes on 2 cores;
the machine should otherwise be quiet for the timings)::

    nice -n 10 python benchmarks/bench_impute.py             # 3 masks
    python benchmarks/bench_impute.py --quick                # 1 mask
    python benchmarks/bench_impute.py --only skvae,missforest --datasets breast
    python benchmarks/bench_impute.py --rate 0.2 --datasets concrete,whitewine,digits

``--rate`` replaces the protocols' share of removed entries; ``digits``
(scikit-learn's 8 x 8 digits: the 61 pixels of 0 to 16 that are not always
blank) runs the MIWAE protocol, on no published figure.

A markdown table is printed and all raw figures are written to
``--output`` (default ``benchmarks/results/impute.json``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Let a source checkout of skvae be imported without installing it.

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits  # noqa: E402
from sklearn.ensemble import ExtraTreesRegressor  # noqa: E402
from sklearn.experimental import enable_iterative_imputer  # noqa: E402, F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer  # noqa: E402

from skvae import AutoencoderImputer, VAETransformer  # noqa: E402

DATA = HERE.parent.parent / "shared" / "data" / "uci"
MIWAE_SETS = ("banknote", "breast", "concrete", "redwine", "whitewine")
METHODS = ("mean", "knn", "ice", "missforest", "skvae", "skvae-vae", "skvae-frame")


# ----------------------------------------------------------------- data
# File in DATA, read_csv options and the number of leading columns to keep.
UCI_FILES = {
    "banknote": ("data_banknote_authentication.txt", {}, 4),
    "concrete": ("concrete_from_xls.csv", {}, None),
    "redwine": ("winequality-red.csv", {"encoding": "utf-8-sig"}, None),
    "whitewine": ("winequality-white.csv", {"encoding": "utf-8-sig"}, None),
    "spam": ("gain_spam.csv", {}, None),
}


def load_dataset(name):
    """A float64 array of the named data set, as the protocols use it."""
    if name == "breast":
        return load_breast_cancer().data
    if name == "digits":  # pixels 0 to 16, most of them mostly 0
        pixels = load_digits().data
        return pixels[:, pixels.std(axis=0) > 0]  # 61: three are always blank
    filename, options, n_columns = UCI_FILES[name]
    frame = pd.read_csv(DATA / filename, **options)
    return frame.iloc[:, :n_columns].to_numpy(dtype=np.float64)


def standardise(X, reference=None):
    """X standardised by the means and deviations of ``reference`` (X itself)."""
    reference = X if reference is None else reference
    return (X - reference.mean(axis=0)) / reference.std(axis=0)


def min_max(X, reference=None):
    """X scaled to [0, 1] by the range of ``reference`` (X itself)."""
    reference = X if reference is None else reference
    low, high = reference.min(axis=0), reference.max(axis=0)
    return (X - low) / np.where(high > low, high - low, 1.0)


def mcar_mask(shape, rate, seed):
    """Boolean mask of removed entries, each removed with probability ``rate``."""
    return np.random.default_rng(seed).random(shape) < rate


# -------------------------------------------------------------- methods
def make_imputer(method, seed):
    """A fresh imputer for ``method``."""
    if method == "mean":
        return SimpleImputer()
    if method == "knn":
        return KNNImputer(n_neighbors=5)
    if method == "ice":
        return IterativeImputer(random_state=seed)
    if method == "missforest":
        return IterativeImputer(
            ExtraTreesRegressor(n_estimators=30, random_state=seed),
            max_iter=5,
            random_state=seed,
        )
    if method in ("skvae", "skvae-frame"):
        return AutoencoderImputer(random_state=seed)
    if method == "skvae-vae":
        return AutoencoderImputer(VAETransformer(), random_state=seed)
    raise ValueError(f"unknown method {method!r}")


def impute(method, X_missing, seed):
    """The completed matrix and the seconds ``fit_transform`` took."""
    imputer = make_imputer(method, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of IterativeImputer
        start = time.perf_counter()
        X_imputed = imputer.fit_transform(X_missing)
        seconds = time.perf_counter() - start
    return X_imputed, seconds


def warm_up(methods):
    """One untimed run of each method on a tiny matrix.

    Keeps one-off costs (lazy imports, the first use of a torch optimiser)
    out of the timings.
    """
    X = np.random.default_rng(0).standard_normal((40, 4))
    X[np.random.default_rng(1).random(X.shape) < 0.3] = np.nan
    X[np.isnan(X).all(axis=1), 0] = 0.0
    for method in methods:
        impute(method, X, 0)


def error(X, X_imputed, mask, protocol):
    squared = (X_imputed[mask] - X[mask]) ** 2
    return float(np.sqrt(squared.mean()) if protocol == "gain" else squared.mean())


# ------------------------------------------------------------------ runs
def run_one(dataset, protocol, methods, n_masks, rate=None):
    """Records ``{dataset, protocol, method, mask, error, seconds}`` for one set.

    ``rate`` replaces the protocol's share of removed entries.
    """
    raw = load_dataset(dataset)
    scale = min_max if protocol == "gain" else standardise
    X = scale(raw)
    if rate is None:
        rate = 0.2 if protocol == "gain" else 0.5
    records = []
    for seed in range(n_masks):
        mask = mcar_mask(X.shape, rate, seed)
        X_missing = np.where(mask, np.nan, X)
        for method in methods:
            if method == "skvae-frame":  # the unscaled table, as a DataFrame
                table = pd.DataFrame(np.where(mask, np.nan, raw))
                table.columns = [f"c{j}" for j in range(raw.shape[1])]
                filled, seconds = impute(method, table, seed)
                X_imputed = scale(filled.to_numpy(dtype=np.float64), raw)
            else:
                X_imputed, seconds = impute(method, X_missing, seed)
            records.append(
                dict(
                    dataset=dataset,
                    protocol=protocol,
                    method=method,
                    mask=seed,
                    error=error(X, X_imputed, mask, protocol),
                    seconds=seconds,
                )
            )
            print(
                f"  {dataset:10s} mask {seed} {method:10s} "
                f"{records[-1]['error']:.4f} {seconds:7.2f}s",
                file=sys.stderr,
            )
    return records


def summarise(records):
    """Mean error and seconds per (dataset, method)."""
    frame = pd.DataFrame(records)
    return frame.groupby(["dataset", "method"], sort=False)[["error", "seconds"]].agg(
        ["mean", "std"]
    )


def markdown(summary, datasets, methods, metric):
    """A table with one row per method and ``error (seconds)`` per data set."""
    lines = [
        "| method | " + " | ".join(datasets) + " |",
        "|---|" + "---|" * len(datasets),
    ]
    for method in methods:
        cells = []
        for dataset in datasets:
            if (dataset, method) not in summary.index:
                cells.append("")
                continue
            row = summary.loc[(dataset, method)]
            error, seconds = row[("error", "mean")], row[("seconds", "mean")]
            cells.append(f"{error:.3f} ({seconds:.1f} s)")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    header = f"{metric}, mean over masks (seconds of fit_transform):"
    return header + "\n\n" + "\n".join(lines)


def ratios(summary, datasets):
    """skvae against missForest-like: geometric-mean error ratio, time ratio."""
    pairs = [
        (summary.loc[(d, "skvae")], summary.loc[(d, "missforest")])
        for d in datasets
        if (d, "skvae") in summary.index and (d, "missforest") in summary.index
    ]
    if not pairs:
        return None
    error_ratio = np.exp(
        np.mean([np.log(s[("error", "mean")] / m[("error", "mean")]) for s, m in pairs])
    )
    time_ratio = sum(s[("seconds", "mean")] for s, _ in pairs) / sum(
        m[("seconds", "mean")] for _, m in pairs
    )
    return dict(
        n_datasets=len(pairs),
        geometric_mean_error_ratio=float(error_ratio),
        total_time_ratio=float(time_ratio),
    )


def environment():
    packages = ("skvae", "scikit-learn", "torch", "numpy")
    versions = {name: metadata.version(name) for name in packages}
    return dict(
        python=platform.python_version(), machine=platform.machine(), **versions
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--masks", type=int, default=3, help="random masks per data set"
    )
    parser.add_argument("--quick", action="store_true", help="one mask per data set")
    parser.add_argument(
        "--only", default=",".join(METHODS), help="comma-separated methods"
    )
    parser.add_argument(
        "--datasets",
        default=",".join((*MIWAE_SETS, "spam")),
        help="comma-separated data sets (spam runs the GAIN protocol)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="share of entries removed (default: 0.5 for MIWAE, 0.2 for GAIN)",
    )
    parser.add_argument("--output", type=Path, default=HERE / "results" / "impute.json")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    n_masks = 1 if args.quick else args.masks
    methods = [m for m in args.only.split(",") if m]
    datasets = [d for d in args.datasets.split(",") if d]
    warm_up(methods)
    records = []
    for dataset in datasets:
        protocol = "gain" if dataset == "spam" else "miwae"
        records += run_one(dataset, protocol, methods, n_masks, args.rate)
    summary = summarise(records)
    miwae_sets = [d for d in datasets if d != "spam"]
    share = f"{args.rate:.0%}" if args.rate else "50%"
    print(f"\n### MIWAE protocol: {share} MCAR, {n_masks} mask(s)\n")
    print(markdown(summary, miwae_sets, methods, "MSE on removed entries"))
    comparison = ratios(summary, miwae_sets)
    if comparison:
        print(
            f"\nskvae / missForest-like over {comparison['n_datasets']} sets: "
            f"geometric-mean MSE ratio {comparison['geometric_mean_error_ratio']:.3f}, "
            f"total time ratio {comparison['total_time_ratio']:.3f}"
        )
    if "spam" in datasets:
        share = f"{args.rate:.0%}" if args.rate else "20%"
        print(f"\n### GAIN protocol: spam, {share} MCAR, {n_masks} mask(s)\n")
        print(markdown(summary, ["spam"], methods, "RMSE on removed entries"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            dict(
                environment=environment(),
                n_masks=n_masks,
                comparison=comparison,
                records=records,
            ),
            indent=1,
        )
    )
    print(f"\nwrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
