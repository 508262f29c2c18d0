"""Outlier detection quality of skvae's AutoencoderOutlierDetector.

What it measures
----------------
ROC AUC (x 100) of the default ``AutoencoderOutlierDetector()``, of the
same detector scoring by its model alone (``skvae-model``,
``n_neighbors=None``) and of four scikit-learn baselines on the classical
sets of ADBench (Han et al.,
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
``LocalOutlierFactor(novelty=True)`` (20 neighbours), the PCA
reconstruction error (standardised, components explaining 90% of the
variance), ``KNN``: minus the distance to the 5th nearest training row
(PyOD's ``KNN()`` default, ``method="largest"``), and ``KNN-mean``: minus
the mean distance to the 5 nearest (``method="mean"``), computed with
``NearestNeighbors`` after a ``StandardScaler`` fitted on the training
rows (a pipeline: the protocol's min-max scaling leaves a column's spread
set by its extreme values). Table D4 of the ADBench paper (unsupervised,
its IForest and PCA columns) is shown beside them.

A second protocol, ``pyod``, mirrors PyOD's benchmark on the ODDS sets it
shares with this list (60/40 split, z-scored on the training part, fitted
on the contaminated training part, AUC on the rest; mean of the same
seeds) so that skvae can be compared with PyOD's published AutoEncoder and
VAE figures (``anchors/pyod_benchmark_odds_roc.csv``), which are single
runs and differ between PyOD releases: read them as bands.

The fit time columns are the mean wall-clock seconds of one ``fit``
(``score_seconds`` in the JSON: of one ``score_samples`` on the test
part; KNN's fit includes its training rows' own scores, a neighbour
search over every training row). Each setting's table is followed by the mean AUC over the sets of
every detector for each seed, and the range of those per-seed means (the
seed-to-seed spread).

How to run
----------
From the repository root::

    nice -n 10 python benchmarks/bench_outliers.py --jobs 2   # all, ~20 min
    nice -n 10 python benchmarks/bench_outliers.py --protocols adbench --jobs 1  # ~4 min
    python benchmarks/bench_outliers.py --quick               # 4 sets, seed 1
    python benchmarks/bench_outliers.py --sets cardio,thyroid --seeds 1
    python benchmarks/bench_outliers.py --held-out --seeds 1  # the other 27 sets

A markdown table per setting is printed and the per-seed results are
written to ``--output`` (default ``benchmarks/results/outliers.json``),
with the git commit of the checkout that ran them.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import subprocess
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Let a source checkout of skvae be imported without installing it.

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import torch  # noqa: E402
from scipy.stats import rankdata  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import IsolationForest  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neighbors import LocalOutlierFactor, NearestNeighbors  # noqa: E402
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


class KNNDistance:
    """Minus the distance to the ``n_neighbors``-th nearest training row.

    PyOD's ``KNN(method="largest")`` on the rows ``scaler`` maps them to
    (a ``StandardScaler`` fitted on the training rows unless told
    otherwise); with ``method="mean"``, minus the mean distance to the
    ``n_neighbors`` nearest, as PyOD's ``KNN(method="mean")``.
    ``train_scores_`` holds the training rows' own scores, each row's
    distances to its nearest *other* rows, as PyOD's ``decision_scores_``.
    """

    def __init__(self, n_neighbors=5, scaler="standard", method="largest"):
        self.n_neighbors = n_neighbors
        self.scaler = scaler
        self.method = method

    def _score(self, distances):
        return -(distances[:, -1] if self.method == "largest" else distances.mean(axis=1))

    def fit(self, X):
        steps = [StandardScaler()] if self.scaler == "standard" else []
        self.pipeline_ = make_pipeline(
            *steps, NearestNeighbors(n_neighbors=self.n_neighbors))
        self.pipeline_.fit(X)
        distances, _ = self.pipeline_[-1].kneighbors()  # each row's others
        self.train_scores_ = self._score(distances)
        return self

    def score_samples(self, X):
        Z = X if len(self.pipeline_) == 1 else self.pipeline_[:-1].transform(X)
        distances, _ = self.pipeline_[-1].kneighbors(Z)
        return self._score(distances)


DETECTORS = {
    "skvae": lambda seed: AutoencoderOutlierDetector(random_state=seed),
    "skvae-model": lambda seed: AutoencoderOutlierDetector(n_neighbors=None,
                                                           random_state=seed),
    # ADBench seeds numpy's global state and leaves random_state=None.
    "IForest": lambda seed: IsolationForest(n_estimators=100),
    "LOF": lambda seed: LocalOutlierFactor(novelty=True),
    "PCA": pca_reconstruction,
    "KNN": lambda seed: KNNDistance(5),
    "KNN-mean": lambda seed: KNNDistance(5, method="mean"),
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
    """Fit one detector; return (AUC x 100, fit seconds, score seconds)."""
    np.random.seed(seed)  # as ADBench does before fitting any model
    detector = make(seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        detector.fit(X_fit)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    scores = detector.score_samples(X_test)
    score_seconds = time.perf_counter() - start
    # ranks: a row of probability 0 under skvae's model scores -inf
    auc = roc_auc_score(y_test, rankdata(-scores))
    return 100 * auc, seconds, score_seconds


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
                auc, seconds, score_seconds = evaluate(
                    make, seed, X_fit, X_test, y_test)
                records.append(dict(
                    protocol=protocol, set=name, seed=seed, setting=setting,
                    detector=det_name, auc=auc, fit_seconds=seconds,
                    score_seconds=score_seconds,
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
    header += [f"{d} fit s" for d in detectors]
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
        row += [fmt(means[d][1], 2) for d in detectors]
        lines.append("| " + " | ".join(row) + " |")
    footer = ["**mean**", "", ""] + [f"**{np.mean(sums[d]):.1f}**" for d in detectors]
    if with_d4:
        footer += [fmt(_mean_anchor(d4, sets, "IForest")),
                   fmt(_mean_anchor(d4, sets, "PCA"))]
    footer += [fmt(mean_of(records, protocol="adbench", setting=setting,
                           detector=d)[1], 2)
               for d in detectors]
    lines.append("| " + " | ".join(footer) + " |")
    return "\n".join(lines)


def seed_spread_table(records, sets, seeds, detectors, setting):
    """Mean AUC over ``sets`` of every detector for each seed, and the range."""
    header = ["detector"] + [f"seed {s}" for s in seeds] + [
        "range (max − min)", "mean", "fit s", "score s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for d in detectors:
        per_seed = []
        for seed in seeds:
            aucs = [mean_of(records, protocol="adbench", set=name, seed=seed,
                            setting=setting, detector=d)[0] for name in sets]
            per_seed.append(float(np.mean(aucs)))
        fit = mean_of(records, protocol="adbench", setting=setting, detector=d)[1]
        score = np.mean([r.get("score_seconds", np.nan) for r in records
                         if r["protocol"] == "adbench" and r["setting"] == setting
                         and r["detector"] == d])
        lines.append("| " + " | ".join(
            [d] + [fmt(v, 2) for v in per_seed]
            + [fmt(max(per_seed) - min(per_seed), 2), fmt(np.mean(per_seed), 2),
               fmt(fit, 2), fmt(score, 2)]) + " |")
    return "\n".join(lines)


def _mean_anchor(table, sets, column):
    values = [anchor_value(table, name, column) for name in sets]
    return None if None in values else float(np.mean(values))


def pyod_table(records, sets):
    """Markdown table of the PyOD protocol next to PyOD's published figures."""
    pyod = read_anchor("pyod_benchmark_odds_roc.csv", "Data")
    columns = ["AE(Jul24)", "AE(Dec24)", "VAE(Dec24)", "IForest"]
    here = ["skvae", "skvae-model", "IForest"]
    header = ["set", "skvae", "skvae-model", "IForest (here)"] + [f"PyOD {c}" for c in columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    rows = []
    for name in sets:
        if name not in PYOD_NAMES:
            continue
        ours = [mean_of(records, protocol="pyod", set=name, detector=d) for d in here]
        published = [anchor_value(pyod, PYOD_NAMES[name], c, 100) for c in columns]
        rows.append([None if v is None else v[0] for v in ours] + published)
        lines.append("| " + " | ".join(
            [name] + [fmt(v) for v in rows[-1]]) + " |")
    if rows:
        means = [None if any(r[i] is None for r in rows)
                 else float(np.mean([r[i] for r in rows])) for i in range(len(rows[0]))]
        lines.append("| " + " | ".join(
            ["**mean**"] + [f"**{fmt(v)}**" for v in means]) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------- main
def git_state():
    """The checkout's commit, and the files of skvae/ changed since it."""
    def git(*args):
        return subprocess.run(["git", "-C", str(HERE.parent), *args],
                              capture_output=True, text=True, check=True).stdout
    try:
        commit = git("log", "-1", "--format=%h").strip()
        changed = git("status", "--porcelain", "--untracked-files=no", "--", "skvae")
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return commit, [line[3:] for line in changed.splitlines()]


def machine_info():
    commit, changed = git_state()
    return dict(
        python=platform.python_version(), platform=platform.platform(),
        torch=torch.__version__, sklearn=sklearn.__version__,
        skvae=skvae.__version__, threads=torch.get_num_threads(),
        commit=commit, skvae_uncommitted=changed,
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
        k: DETECTORS[k] for k in ("skvae", "skvae-model", "IForest")}
    start = time.perf_counter()
    records = run_set(name, seeds, detectors, protocol)
    return records, time.perf_counter() - start


def main(argv=None):
    args = parse_args(argv)
    info = machine_info()  # the commit the run starts from
    print(f"commit {info['commit']}, uncommitted in skvae/: "
          f"{info['skvae_uncommitted']}", file=sys.stderr)
    start = time.perf_counter()
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
            report.append(f"\n#### {setting}: mean over the {len(args.sets)} sets "
                          "per seed (ROC AUC × 100)\n")
            report.append(seed_spread_table(records, args.sets, args.seeds,
                                            DETECTORS, setting))
            report.append("")
    if "pyod" in args.protocols:
        report.append(f"### PyOD protocol, unsupervised (ROC AUC × 100; skvae and "
                      f"IForest mean of seeds {args.seeds}, PyOD single runs)\n")
        report.append(pyod_table(records, args.sets))
    print("\n".join(report))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(
        dict(machine=info, args=vars(args),
             wall_seconds=time.perf_counter() - start, records=records), indent=1))
    print(f"\nwrote {output}", file=sys.stderr)
    return records


if __name__ == "__main__":
    main()
