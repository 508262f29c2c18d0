"""Screen of outlier scores built from a fitted detector's public outputs.

What it measures
----------------
The ROC AUC (x 100) of candidate scores, each computed from one
``AutoencoderOutlierDetector(random_state=seed)`` at its defaults, fitted
once per set, seed and setting, its fitted model (``estimator_``, a
``VAETransformer``) and scikit-learn, under the ADBench protocol of
``bench_outliers.py`` (same sets, same split, same min-max scaling), in
both settings (``unsupervised``: fitted on the contaminated training part;
``semi-supervised``: on its inliers). Every score is higher for a more
normal row, as ``score_samples``:

* ``a-detector``: the detector's ``score_samples`` (the model's
  ``log p(x)``);
* ``b-knn``: minus the distance to the 5th nearest training row after a
  ``StandardScaler`` fitted on the training rows (``bench_outliers.py``'s
  ``KNN``);
* ``c-latent-knn``: the same distance between the model's codes
  (``estimator_.transform``), unscaled;
* ``d-residual-knn``: the same distance between reconstruction residuals
  ``X - inverse_transform(transform(X))``, standardised on the training
  rows' residuals;
* ``e-rank(a,b)``, ``f-rank(a,b,c)``: the mean of the components' ranks,
  each the empirical CDF of the component's *training* scores at the row's
  score (mid-rank for ties), so that a test row's score does not depend on
  the other test rows;
* ``e-z(a,b)``, ``f-z(a,b,c)``: the mean of the components' robust z-scores,
  each centred on the median of its training scores and divided by their
  interquartile range.

A component's training scores are those of rows it did not see: for (a)
the detector's ``calibration_scores_`` (the rows held out from its model's
fit); for the distances, each training row's distance to its 5th nearest
*other* training row. A test row with a negative value in a column the
model takes as positive or as counts (``estimator_.column_types_``; the
protocol scales on the training part, so a few test values fall below its
range) is outside the model's support: (a) scores it ``-inf``, the model
does not encode it, and (c) and (d) score it ``-inf`` too; the count of
such rows is kept in the JSON (``n_outside``). The training values lie in
[0, 1], so no training row is outside.

References from the same run: ``IForest`` (``IsolationForest(
n_estimators=100)`` after ``np.random.seed(seed)``, as ADBench) and
``KNN-minmax``: the 5-NN distance on the protocol's min-max features
without further scaling, which is what ADBench and PyOD's ``KNN`` compute.

Seconds: ``fit+score s`` of a candidate is the wall-clock time of what it
needs, summed: the detector's fit (for a, c, d, e, f), and for each
component its scoring of the training reference and the test rows (and the
neighbour search's fit).

How to run
----------
From the repository root, one process at a time::

    nice -n 10 python benchmarks/screen_scores.py --jobs 1   # 16 tuned sets, seeds 1, 2
    nice -n 10 python benchmarks/screen_scores.py --held-out --candidates "a-detector,e-rank(a,b)"

Markdown tables are printed (per set, then per seed with the range of the
per-seed means) and every result is written to ``--output`` with the git
commit of the checkout that ran them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from bench_outliers import (  # noqa: E402
    HELD_OUT,
    SETS,
    SETTINGS,
    KNNDistance,
    adbench_split,
    fmt,
    load_set,
    machine_info,
)
from scipy.stats import rankdata  # noqa: E402
from sklearn.ensemble import IsolationForest  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skvae import AutoencoderOutlierDetector  # noqa: E402

N_NEIGHBORS = 5
CANDIDATES = (
    "a-detector", "b-knn", "c-latent-knn", "d-residual-knn",
    "e-rank(a,b)", "e-z(a,b)", "f-rank(a,b,c)", "f-z(a,b,c)",
)
REFERENCES = ("IForest", "KNN-minmax")
# components each candidate is built from
PARTS = {
    "a-detector": ("a",), "b-knn": ("b",), "c-latent-knn": ("c",),
    "d-residual-knn": ("d",), "e-rank(a,b)": ("a", "b"), "e-z(a,b)": ("a", "b"),
    "f-rank(a,b,c)": ("a", "b", "c"), "f-z(a,b,c)": ("a", "b", "c"),
}
NEEDS_MODEL = {"a", "c", "d"}


# ------------------------------------------------------------- components
def knn_scores(Z_train, Z_test):
    """Training (leave-self-out) and test scores: minus the k-th distance."""
    nn = NearestNeighbors(n_neighbors=N_NEIGHBORS).fit(Z_train)
    return -nn.kneighbors()[0][:, -1], -nn.kneighbors(Z_test)[0][:, -1]


def outside_support(model, X):
    """Rows with a negative value in a column the model takes as non-negative."""
    columns = [j for j, kind in model.column_types_.items()
               if kind in ("positive", "count")]
    if not columns:
        return np.zeros(X.shape[0], dtype=bool)
    return (X[:, columns] < 0).any(axis=1)


def model_knn(model, X_fit, X_test, mapping):
    """``knn_scores`` between ``mapping(model, rows)``; ``-inf`` outside support."""
    outside = outside_support(model, X_test)
    train, inside = knn_scores(mapping(model, X_fit),
                               mapping(model, X_test[~outside]))
    test = np.full(X_test.shape[0], -np.inf)
    test[~outside] = inside
    return train, test


def codes(model, X):
    return model.transform(X)


def residuals(model, X):
    return X - model.inverse_transform(model.transform(X))


def ecdf(reference, scores):
    """Share of ``reference`` below each score (mid-rank for ties)."""
    reference = np.sort(reference)
    below = np.searchsorted(reference, scores, side="left")
    at_or_below = np.searchsorted(reference, scores, side="right")
    return (below + at_or_below) / (2.0 * reference.size)


def robust_z(reference, scores):
    """Scores centred on the reference's median, scaled by its IQR."""
    finite = reference[np.isfinite(reference)]
    q1, median, q3 = np.percentile(finite, [25, 50, 75])
    scale = q3 - q1
    if not scale > 0:
        scale = finite.std() if finite.std() > 0 else 1.0
    return (scores - median) / scale


def components(X_fit, X_test, seed, needed):
    """Training-reference and test scores of each needed component.

    Returns ``{name: (train, test)}``, ``{name: seconds}`` (the detector's
    fit under ``"fit"``) and the rows outside the model's support.
    """
    out, seconds, outside = {}, {}, {}
    if needed & NEEDS_MODEL:
        np.random.seed(seed)  # as bench_outliers.py before every fit
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            detector = AutoencoderOutlierDetector(random_state=seed).fit(X_fit)
        seconds["fit"] = time.perf_counter() - start
        model = detector.estimator_
    if "a" in needed:
        start = time.perf_counter()
        out["a"] = (detector.calibration_scores_, detector.score_samples(X_test))
        seconds["a"] = time.perf_counter() - start
        outside["a"] = int(np.isneginf(out["a"][1]).sum())
    if "b" in needed:
        start = time.perf_counter()
        knn = KNNDistance(N_NEIGHBORS).fit(X_fit)
        out["b"] = (knn.train_scores_, knn.score_samples(X_test))
        seconds["b"] = time.perf_counter() - start
    if needed & NEEDS_MODEL:
        n_outside = int(outside_support(model, X_test).sum())
        if outside_support(model, X_fit).any():
            raise ValueError("a training row is outside the model's support")
    if "c" in needed:
        start = time.perf_counter()
        out["c"] = model_knn(model, X_fit, X_test, codes)
        seconds["c"] = time.perf_counter() - start
        outside["c"] = n_outside
    if "d" in needed:
        start = time.perf_counter()
        scaler = StandardScaler().fit(residuals(model, X_fit))
        out["d"] = model_knn(model, X_fit, X_test,
                             lambda m, X: scaler.transform(residuals(m, X)))
        seconds["d"] = time.perf_counter() - start
        outside["d"] = n_outside
    return out, seconds, outside


def candidate_scores(name, parts):
    """Test scores of one candidate from its components' scores."""
    keys = PARTS[name]
    if len(keys) == 1:
        return parts[keys[0]][1]
    combine = ecdf if "-rank(" in name else robust_z
    with np.errstate(invalid="ignore"):
        return np.mean([combine(*parts[k]) for k in keys], axis=0)


# -------------------------------------------------------------- one set
def run_set(name, seeds, candidates, group):
    """Records of every candidate and reference on one set."""
    X, y = load_set(name)
    needed = {k for c in candidates for k in PARTS[c]}
    records = []
    start_set = time.perf_counter()
    for seed in seeds:
        X_train, X_test, y_train, y_test = adbench_split(X, y, seed)
        for setting in SETTINGS:
            X_fit = X_train if setting == "unsupervised" else X_train[y_train == 0]
            parts, seconds, outside = components(X_fit, X_test, seed, needed)
            common = dict(group=group, set=name, seed=seed, setting=setting)
            for cand in candidates:
                scores = candidate_scores(cand, parts)
                keys = PARTS[cand]
                took = sum(seconds[k] for k in keys)
                if set(keys) & NEEDS_MODEL:
                    took += seconds["fit"]
                records.append(dict(
                    common, candidate=cand,
                    # ranks: -inf (outside the model's support) ties lowest
                    auc=100 * roc_auc_score(y_test, rankdata(-scores)),
                    seconds=took,
                    n_outside=max([outside.get(k, 0) for k in keys]),
                ))
            np.random.seed(seed)  # ADBench seeds numpy, random_state=None
            start = time.perf_counter()
            forest = IsolationForest(n_estimators=100).fit(X_fit)
            scores = forest.score_samples(X_test)
            records.append(dict(common, candidate="IForest", seconds=(
                time.perf_counter() - start), n_outside=0,
                auc=100 * roc_auc_score(y_test, -scores)))
            start = time.perf_counter()
            scores = KNNDistance(N_NEIGHBORS, scaler=None).fit(X_fit).score_samples(X_test)
            records.append(dict(common, candidate="KNN-minmax", seconds=(
                time.perf_counter() - start), n_outside=0,
                auc=100 * roc_auc_score(y_test, -scores)))
    print(f"{group} {name}: {time.perf_counter() - start_set:.0f} s",
          file=sys.stderr, flush=True)
    return records


# ----------------------------------------------------------------- tables
def mean_of(records, key, **where):
    values = [r[key] for r in records if all(r[k] == v for k, v in where.items())]
    return float(np.mean(values)) if values else None


def set_table(records, sets, columns, setting):
    """Per set: mean AUC over the seeds of every column."""
    header = ["set"] + list(columns)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in sets:
        means = [mean_of(records, "auc", set=name, setting=setting, candidate=c)
                 for c in columns]
        best = max(means)
        lines.append("| " + " | ".join(
            [name] + [f"**{fmt(m)}**" if m == best else fmt(m) for m in means])
            + " |")
    means = [np.mean([mean_of(records, "auc", set=name, setting=setting,
                              candidate=c) for name in sets]) for c in columns]
    lines.append("| " + " | ".join(
        ["**mean**"] + [f"**{fmt(m)}**" for m in means]) + " |")
    return "\n".join(lines)


def seed_table(records, sets, seeds, columns, setting):
    """Per candidate: mean over the sets for each seed, range, seconds."""
    header = (["candidate"] + [f"seed {s}" for s in seeds]
              + ["range", "mean", "fit+score s"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for c in columns:
        per_seed = [np.mean([mean_of(records, "auc", set=name, seed=seed,
                                     setting=setting, candidate=c)
                             for name in sets]) for seed in seeds]
        took = mean_of(records, "seconds", setting=setting, candidate=c)
        lines.append("| " + " | ".join(
            [c] + [fmt(v, 2) for v in per_seed]
            + [fmt(max(per_seed) - min(per_seed), 2), fmt(np.mean(per_seed), 2),
               fmt(took, 2)]) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------- main
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--held-out", action="store_true",
                   help="ADBench's 27 other classical sets instead of the 16 tuned")
    p.add_argument("--sets", default=None, help="comma-separated subset")
    p.add_argument("--seeds", default="1,2")
    p.add_argument("--candidates", default=",".join(CANDIDATES),
                   help=f"comma-separated, from: {', '.join(CANDIDATES)}")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--output", default=None)
    args = p.parse_args(argv)
    group = HELD_OUT if args.held_out else SETS
    args.group = "held-out" if args.held_out else "tuned"
    args.sets = list(group) if args.sets is None else args.sets.split(",")
    args.seeds = [int(s) for s in args.seeds.split(",")]
    # names hold commas: pick the known names out of the string
    args.candidates = [c for c in CANDIDATES if c in args.candidates]
    unknown = set(args.sets) - set(group)
    if unknown:
        p.error(f"unknown sets {sorted(unknown)}; choose from {list(group)}")
    if not args.candidates:
        p.error(f"no candidate named; choose from {list(CANDIDATES)}")
    if args.output is None:
        args.output = str(HERE / "results" / f"screen_scores_{args.group}.json")
    return args


def main(argv=None):
    args = parse_args(argv)
    info = machine_info()
    print(f"commit {info['commit']}, uncommitted in skvae/: "
          f"{info['skvae_uncommitted']}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    records = []
    with ProcessPoolExecutor(args.jobs) as pool:
        n = len(args.sets)
        for set_records in pool.map(run_set, args.sets, [args.seeds] * n,
                                    [args.candidates] * n, [args.group] * n):
            records += set_records
    wall = time.perf_counter() - start
    columns = list(args.candidates) + list(REFERENCES)
    report = []
    for setting in SETTINGS:
        report.append(f"### {args.group} sets, {setting} (ROC AUC × 100, mean of "
                      f"seeds {args.seeds})\n")
        report.append(set_table(records, args.sets, columns, setting))
        report.append(f"\n#### {args.group}, {setting}: mean over the "
                      f"{len(args.sets)} sets per seed\n")
        report.append(seed_table(records, args.sets, args.seeds, columns, setting))
        report.append("")
    print("\n".join(report))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(
        dict(machine=info, args=vars(args), wall_seconds=wall, records=records),
        indent=1))
    print(f"\n{wall:.0f} s; wrote {output}", file=sys.stderr)
    return records


if __name__ == "__main__":
    main()
