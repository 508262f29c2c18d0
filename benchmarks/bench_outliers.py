"""Outlier detection quality of skvae's AutoencoderOutlierDetector.

What it measures
----------------
ROC AUC (x 100) of the default ``AutoencoderOutlierDetector()`` and of
three scikit-learn baselines on the classical sets of ADBench (Han et al.,
NeurIPS 2022), under ADBench's protocol, for each seed 1, 2, 3:

* ``np.random.seed(seed)``; a set with under 1,000 rows is resampled with
  replacement to 1,000 rows, one with over 10,000 rows subsampled to 10,000;
* ``train_test_split(test_size=0.3, stratify=y)`` (global numpy state);
* ``MinMaxScaler`` fitted on the training part;
* the detector is fitted on the training part and ranks the test part by
  ``-score_samples``; the table shows the mean AUC over the seeds.

Two settings: ``unsupervised`` fits on the whole (contaminated) training
part, ``semi-supervised`` on its inliers only. The baselines are
``IsolationForest(n_estimators=100)`` after ``np.random.seed(seed)`` (which
reproduces Table D4's IForest column to 0.01),
``LocalOutlierFactor(novelty=True)`` (20 neighbours) and the PCA
reconstruction error (standardised, components explaining 90% of the
variance). Table D4 of the ADBench paper (unsupervised, its IForest and
PCA columns) is shown beside them.

A second protocol, ``pyod``, mirrors PyOD's benchmark on the ODDS sets it
shares with this list (60/40 split, z-scored on the training part, fitted
on the contaminated training part, AUC on the rest; mean of the same
seeds) so that skvae can be compared with PyOD's published AutoEncoder and
VAE figures (``anchors/pyod_benchmark_odds_roc.csv``), which are single
runs and differ between PyOD releases: read them as bands.

The fit time column is the mean wall-clock seconds of one ``fit``.

How to run
----------
From the repository root::

    nice -n 10 python benchmarks/bench_outliers.py --jobs 2   # all, ~20 min
    python benchmarks/bench_outliers.py --quick               # 4 sets, seed 1
    python benchmarks/bench_outliers.py --sets cardio,thyroid --seeds 1
    python benchmarks/bench_outliers.py --held-out --seeds 1  # the other 27 sets

A markdown table per setting is printed and the per-seed results are
written to ``--output`` (default ``benchmarks/results/outliers.json``).
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Let a source checkout of skvae be imported without installing it.
sys.path.insert(1, str(HERE.parent))

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import torch  # noqa: E402
from scipy.stats import rankdata  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import IsolationForest  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neighbors import LocalOutlierFactor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402

import skvae  # noqa: E402
from skvae import AutoencoderOutlierDetector  # noqa: E402

DATA = HERE.parent.parent / "shared" / "data"
ANCHORS = DATA / "anchors"

# name -> file in adbench_classical/; the names are those of Table D4.
SETS = {
    "WBC": "42_WBC",
    "Ionosphere": "18_Ionosphere",
    "breastw": "4_breastw",
    "Pima": "29_Pima",
    "vowels": "40_vowels",
    "cardio": "6_cardio",
    "musk": "25_musk",
    "thyroid": "38_thyroid",
    "optdigits": "26_optdigits",
    "satimage-2": "31_satimage-2",
    "satellite": "30_satellite",
    "pendigits": "28_pendigits",
    "annthyroid": "2_annthyroid",
    "mnist": "24_mnist",
    "mammography": "23_mammography",
    "shuttle": "32_shuttle",
}
# ADBench's other classical sets here: never used to choose a default, only
# to report on (``--held-out``).
HELD_OUT = {
    "ALOI": "1_ALOI", "campaign": "5_campaign",
    "Cardiotocography": "7_Cardiotocography", "celeba": "8_celeba",
    "cover": "10_cover", "donors": "11_donors", "fault": "12_fault",
    "glass": "14_glass", "Hepatitis": "15_Hepatitis", "http": "16_http",
    "InternetAds": "17_InternetAds", "landsat": "19_landsat",
    "letter": "20_letter", "Lymphography": "21_Lymphography",
    "magic.gamma": "22_magic.gamma", "PageBlocks": "27_PageBlocks",
    "skin": "33_skin", "smtp": "34_smtp", "SpamBase": "35_SpamBase",
    "Stamps": "37_Stamps", "vertebral": "39_vertebral",
    "Waveform": "41_Waveform", "WDBC": "43_WDBC", "Wilt": "44_Wilt",
    "wine": "45_wine", "WPBC": "46_WPBC", "yeast": "47_yeast",
}
QUICK_SETS = ["Ionosphere", "cardio", "thyroid", "satimage-2"]
# ADBench name -> name in PyOD's ODDS benchmark (same data).
PYOD_NAMES = {
    "Ionosphere": "ionosphere", "Pima": "pima", "vowels": "vowels",
    "cardio": "cardio", "musk": "musk", "optdigits": "optdigits",
    "satimage-2": "satimage-2", "satellite": "satellite",
    "pendigits": "pendigits", "mnist": "mnist", "shuttle": "shuttle",
}
SETTINGS = ("unsupervised", "semi-supervised")


# --------------------------------------------------------------- detectors
def pca_reconstruction(seed):
    """PCA reconstruction error on standardised data, 90% of the variance."""
    return _Reconstruction(make_pipeline(StandardScaler(), PCA(0.9)))


class _Reconstruction:
    """Minus the squared reconstruction error of a scaler + PCA pipeline."""

    def __init__(self, pipeline):
        self.pipeline = pipeline

    def fit(self, X):
        self.pipeline.fit(X)
        return self

    def score_samples(self, X):
        scaler, pca = self.pipeline[0], self.pipeline[1]
        Z = scaler.transform(X)
        return -np.square(Z - pca.inverse_transform(pca.transform(Z))).sum(axis=1)


DETECTORS = {
    "skvae": lambda seed: AutoencoderOutlierDetector(random_state=seed),
    # ADBench seeds numpy's global state and leaves random_state=None.
    "IForest": lambda seed: IsolationForest(n_estimators=100),
    "LOF": lambda seed: LocalOutlierFactor(novelty=True),
    "PCA": pca_reconstruction,
}


# -------------------------------------------------------------------- data
def load_set(name):
    stem = SETS[name] if name in SETS else HELD_OUT[name]
    data = np.load(DATA / "adbench_classical" / f"{stem}.npz")
    return data["X"].astype(np.float64), data["y"].astype(int)


def adbench_split(X, y, seed):
    """ADBench's split: resample/subsample, stratified 70/30, min-max on train."""
    np.random.seed(seed)
    if len(X) < 1000:
        idx = np.random.choice(len(X), 1000, replace=True)
        X, y = X[idx], y[idx]
    if len(X) > 10000:
        idx = np.random.choice(len(X), 10000, replace=False)
        X, y = X[idx], y[idx]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, shuffle=True, stratify=y
    )
    scaler = MinMaxScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def pyod_split(X, y, seed):
    """PyOD's benchmark split: 60/40, z-scored on the training part."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.4, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


# -------------------------------------------------------------- measuring
def evaluate(make, seed, X_fit, X_test, y_test):
    """Fit one detector; return (AUC x 100, fit seconds)."""
    np.random.seed(seed)  # as ADBench does before fitting any model
    detector = make(seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        detector.fit(X_fit)
    seconds = time.perf_counter() - start
    # ranks: a row of probability 0 under skvae's model scores -inf
    auc = roc_auc_score(y_test, rankdata(-detector.score_samples(X_test)))
    return 100 * auc, seconds


def run_set(name, seeds, detectors, protocol):
    """Per-seed results of every detector in every setting on one set."""
    X, y = load_set(name)
    split = adbench_split if protocol == "adbench" else pyod_split
    settings = SETTINGS if protocol == "adbench" else ("unsupervised",)
    records = []
    for seed in seeds:
        X_train, X_test, y_train, y_test = split(X, y, seed)
        for setting in settings:
            X_fit = X_train if setting == "unsupervised" else X_train[y_train == 0]
            for det_name, make in detectors.items():
                auc, seconds = evaluate(make, seed, X_fit, X_test, y_test)
                records.append(dict(
                    protocol=protocol, set=name, seed=seed, setting=setting,
                    detector=det_name, auc=auc, fit_seconds=seconds,
                ))
    return records


def mean_of(records, **where):
    values = [r for r in records if all(r[k] == v for k, v in where.items())]
    if not values:
        return None
    return (
        float(np.mean([r["auc"] for r in values])),
        float(np.mean([r["fit_seconds"] for r in values])),
    )


# ----------------------------------------------------------------- anchors
def read_anchor(filename, key):
    with open(ANCHORS / filename, newline="") as f:
        return {row[key]: row for row in csv.DictReader(f)}


def anchor_value(table, name, column, scale=1.0):
    row = table.get(name)
    if row is None or row.get(column) in (None, "", "N/A"):
        return None
    return scale * float(row[column])


# ----------------------------------------------------------------- tables
def fmt(value, digits=1):
    return "–" if value is None else f"{value:.{digits}f}"


def adbench_table(records, sets, detectors, setting):
    """Markdown table of one ADBench setting, with Table D4 for unsupervised."""
    d4 = read_anchor("adbench_tableD4_unsupervised_aucroc.csv", "dataset")
    with_d4 = setting == "unsupervised"
    header = ["set", "n × d", "% out"] + list(detectors)
    header += ["D4 IForest", "D4 PCA"] if with_d4 else []
    header += [f"{d} fit s" for d in detectors if d != "LOF"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    sums = {d: [] for d in detectors}
    for name in sets:
        X, y = load_set(name)
        means = {d: mean_of(records, protocol="adbench", set=name, setting=setting,
                            detector=d) for d in detectors}
        row = [name, f"{X.shape[0]} × {X.shape[1]}", f"{100 * y.mean():.1f}"]
        best = max(m[0] for m in means.values())
        for d in detectors:
            cell = fmt(means[d][0])
            row.append(f"**{cell}**" if means[d][0] == best else cell)
            sums[d].append(means[d][0])
        if with_d4:
            row += [fmt(anchor_value(d4, name, "IForest")),
                    fmt(anchor_value(d4, name, "PCA"))]
        row += [fmt(means[d][1], 2) for d in detectors if d != "LOF"]
        lines.append("| " + " | ".join(row) + " |")
    footer = ["**mean**", "", ""] + [f"**{np.mean(sums[d]):.1f}**" for d in detectors]
    if with_d4:
        footer += [fmt(_mean_anchor(d4, sets, "IForest")),
                   fmt(_mean_anchor(d4, sets, "PCA"))]
    footer += [fmt(np.mean([mean_of(records, protocol="adbench", setting=setting,
                                    detector=d)[1]]), 2)
               for d in detectors if d != "LOF"]
    lines.append("| " + " | ".join(footer) + " |")
    return "\n".join(lines)


def _mean_anchor(table, sets, column):
    values = [anchor_value(table, name, column) for name in sets]
    return None if None in values else float(np.mean(values))


def pyod_table(records, sets):
    """Markdown table of the PyOD protocol next to PyOD's published figures."""
    pyod = read_anchor("pyod_benchmark_odds_roc.csv", "Data")
    columns = ["AE(Jul24)", "AE(Dec24)", "VAE(Dec24)", "IForest"]
    header = ["set", "skvae", "IForest (here)"] + [f"PyOD {c}" for c in columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    rows = []
    for name in sets:
        if name not in PYOD_NAMES:
            continue
        ours = mean_of(records, protocol="pyod", set=name, detector="skvae")
        forest = mean_of(records, protocol="pyod", set=name, detector="IForest")
        published = [anchor_value(pyod, PYOD_NAMES[name], c, 100) for c in columns]
        rows.append([ours[0], None if forest is None else forest[0], *published])
        lines.append("| " + " | ".join(
            [name] + [fmt(v) for v in rows[-1]]) + " |")
    if rows:
        means = [None if any(r[i] is None for r in rows)
                 else float(np.mean([r[i] for r in rows])) for i in range(len(rows[0]))]
        lines.append("| " + " | ".join(
            ["**mean**"] + [f"**{fmt(v)}**" for v in means]) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------- main
def machine_info():
    return dict(
        python=platform.python_version(), platform=platform.platform(),
        torch=torch.__version__, sklearn=sklearn.__version__,
        skvae=skvae.__version__, threads=torch.get_num_threads(),
    )


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sets", default=",".join(SETS),
                   help=f"comma-separated, from: {', '.join(SETS)}")
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--held-out", action="store_true",
                   help="the 27 other classical sets of ADBench instead (adbench only)")
    p.add_argument("--quick", action="store_true",
                   help=f"only {', '.join(QUICK_SETS)} with seed 1")
    p.add_argument("--protocols", default="adbench,pyod",
                   help="adbench (both settings) and/or pyod")
    p.add_argument("--jobs", type=int, default=1,
                   help="sets fitted at once, in separate processes")
    p.add_argument("--output", default=str(HERE / "results" / "outliers.json"))
    args = p.parse_args(argv)
    args.sets = QUICK_SETS if args.quick else args.sets.split(",")
    args.seeds = [1] if args.quick else [int(s) for s in args.seeds.split(",")]
    args.protocols = args.protocols.split(",")
    if args.held_out:
        args.sets, args.protocols = list(HELD_OUT), ["adbench"]
    unknown = set(args.sets) - set(SETS) - set(HELD_OUT)
    if unknown:
        p.error(f"unknown sets {sorted(unknown)}; choose from {list(SETS)}")
    return args


def timed_set(name, seeds, protocol):
    """``run_set`` with the detectors of ``protocol``, and its seconds."""
    detectors = DETECTORS if protocol == "adbench" else {
        k: DETECTORS[k] for k in ("skvae", "IForest")}
    start = time.perf_counter()
    records = run_set(name, seeds, detectors, protocol)
    return records, time.perf_counter() - start


def main(argv=None):
    args = parse_args(argv)
    tasks = [(name, args.seeds, protocol) for protocol in args.protocols
             for name in args.sets if protocol == "adbench" or name in PYOD_NAMES]
    records = []
    # sets run in separate processes with --jobs; fit seconds then include
    # the other processes' contention
    with ProcessPoolExecutor(args.jobs) as pool:
        for (name, _, protocol), (set_records, seconds) in zip(
                tasks, pool.map(timed_set, *zip(*tasks))):
            records += set_records
            print(f"{protocol} {name}: {seconds:.0f} s", file=sys.stderr)
    report = []
    if "adbench" in args.protocols:
        for setting in SETTINGS:
            report.append(f"### ADBench protocol, {setting} (ROC AUC × 100, "
                          f"mean of seeds {args.seeds})\n")
            report.append(adbench_table(records, args.sets, DETECTORS, setting))
            report.append("")
    if "pyod" in args.protocols:
        report.append(f"### PyOD protocol, unsupervised (ROC AUC × 100; skvae and "
                      f"IForest mean of seeds {args.seeds}, PyOD single runs)\n")
        report.append(pyod_table(records, args.sets))
    print("\n".join(report))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(
        dict(machine=machine_info(), args=vars(args), records=records), indent=1))
    print(f"\nwrote {output}", file=sys.stderr)
    return records


if __name__ == "__main__":
    main()
