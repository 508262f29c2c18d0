"""Screen of the detector's score beside a neighbour distance.

What it measures
----------------
The ROC AUC (x 100) of candidate scores under the ADBench protocol of
``bench_outliers.py`` (same sets, split and min-max scaling), in both
settings (``unsupervised``: fitted on the contaminated training part;
``semi-supervised``: on its inliers). Each candidate is computed from one
``AutoencoderOutlierDetector(n_neighbors=None, random_state=seed)`` fitted
per set, seed and setting (the model's score, ``a``) and scikit-learn's
``NearestNeighbors`` over the rows its model was fitted on (the detector's
split, calibration rows left out), standardised on those rows (the
distance to the k-th nearest, ``b``). Every score is higher for a more
normal row:

* ``model``: ``a`` alone (the detector with ``n_neighbors=None``);
* ``knn``: ``b`` alone, k = 5;
* ``z(a cal, b)``: the mean of the robust z-scores of ``a`` and ``b``,
  ``a`` scaled by the median and interquartile range of the calibration
  rows' scores, ``b`` by those of the fitted rows' own distances (each
  without itself);
* ``z(a, b)``: the same, ``a`` scaled by (up to 1,000 of) the fitted rows'
  scores, so that the calibration rows do not shape the score (what
  ``n_neighbors=5`` computes);
* ``z(a, w b)``: ``z(a) + w z(b)`` for w = 0.5, 2, 3;
* ``z(a, b k=10)``: the 10th nearest row instead of the 5th;
* ``z(a, b trim q)``: the neighbours searched among the fitted rows less
  the share q the model scores lowest;
* ``min(za, zb)``: the lower of the two z-scores (a row is as abnormal as
  the more alarmed of the two);
* ``z(a, b k=3)``: the 3rd nearest row;
* ``z(a, b mean5)``: the mean distance to the 5 nearest rows (PyOD's
  ``KNN(method="mean")``) instead of the distance to the 5th;
* ``z(a) + min(zb, 0)`` and ``z(a) + min(zb mean5, 0)``: the distance's
  z-score counts only where it says abnormal (a row nearer its neighbours
  than the median training row gets 0, not credit), with the 5th and with
  the mean distance;
* ``z(a, b mean3)``, ``z(a, b mean10)``, ``z(a, b mean20)``: the mean
  distance to the 3, 10 and 20 nearest rows;
* ``knn sub s``, ``z(a, b sub s)``: the mean distance to the 5 nearest
  rows of a random subsample of ``s`` fitted rows (256, 512 or 1,000; all
  rows where there are fewer), averaged over 10 subsamples (a subsampling
  ensemble, Aggarwal & Sathe, SIGKDD Explorations 2015), alone and beside
  ``a``; a fitted row's own distance leaves itself out of a subsample that
  holds it; ``z(a, 2 b sub 256)`` weighs the distance twice;
* ``knn vs``, ``z(a, b vs)``: the same with each subsample's size drawn
  between 50 and 1,000 rows (their variable subsampling).

How to run
----------
From the repository root, one process per core::

    nice -n 10 python benchmarks/screen_neighbours.py                # 16 tuned sets, seeds 1, 2
    nice -n 10 python benchmarks/screen_neighbours.py --held-out     # the 27 other sets

Markdown tables (mean per setting and seed) are printed and every result is
written to ``--output``.
"""

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
from bench_outliers import HELD_OUT, SETS, SETTINGS, adbench_split, load_set  # noqa: E402
from scipy.stats import rankdata  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils import check_random_state  # noqa: E402

from skvae import AutoencoderOutlierDetector  # noqa: E402

TRIMS = (0.05, 0.1, 0.25)
WEIGHTS = (0.5, 2.0, 3.0)
SUBSAMPLES = (256, 512, 1000)


def robust_z(reference, scores):
    """Scores centred on the reference's median, scaled by its IQR."""
    finite = reference[np.isfinite(reference)]
    q1, median, q3 = np.percentile(finite, [25, 50, 75])
    scale = q3 - q1 if q3 > q1 else (finite.std() or 1.0)
    return (scores - median) / scale


def distances(reference, rows, k):
    """The reference rows' own k-th distances (without themselves), the rows'."""
    search = NearestNeighbors(n_neighbors=k).fit(reference)
    return -search.kneighbors()[0][:, -1], -search.kneighbors(rows)[0][:, -1]


def mean_distances(reference, rows, k):
    """As :func:`distances`, the mean distance to the k nearest rows."""
    search = NearestNeighbors(n_neighbors=k).fit(reference)
    return -search.kneighbors()[0].mean(axis=1), -search.kneighbors(rows)[0].mean(axis=1)


def subsample_distances(reference, rows, k, size, n_subsamples, seed):
    """As :func:`mean_distances`, averaged over random subsamples of the reference.

    ``size`` is the subsamples' size, or ``(low, high)`` to draw each one's.
    """
    rng = np.random.default_rng(seed)
    n = reference.shape[0]
    own, theirs = np.zeros(n), np.zeros(rows.shape[0])
    for _ in range(n_subsamples):
        m = size if np.isscalar(size) else rng.integers(size[0], size[1] + 1)
        chosen = np.sort(rng.choice(n, size=min(m, n), replace=False))
        search = NearestNeighbors(n_neighbors=min(k + 1, chosen.size)).fit(reference[chosen])
        d, i = search.kneighbors(reference)
        is_self = chosen[i] == np.arange(n)[:, None]
        # each row's first k neighbours that are not itself
        keep = np.cumsum(~is_self, axis=1) <= k
        keep &= ~is_self
        own -= (d * keep).sum(axis=1) / keep.sum(axis=1)
        theirs -= search.kneighbors(rows, n_neighbors=min(k, chosen.size))[0].mean(axis=1)
    return own / n_subsamples, theirs / n_subsamples


def candidates(X_fit, X_test, seed):
    """``{name: test scores}`` and the detector's fit seconds."""
    np.random.seed(seed)  # as bench_outliers.py before every fit
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        detector = AutoencoderOutlierDetector(n_neighbors=None, random_state=seed)
        detector.fit(X_fit)
    seconds = time.perf_counter() - start
    fit_idx, _ = detector._split(X_fit.shape[0], check_random_state(seed))
    fitted = X_fit[fit_idx]
    a_test, a_fit = detector.score_samples(X_test), detector.score_samples(fitted)
    scaler = StandardScaler().fit(fitted)
    Z_fit, Z_test = scaler.transform(fitted), scaler.transform(X_test)
    za, za_cal = robust_z(a_fit[:1000], a_test), robust_z(detector.calibration_scores_, a_test)
    zb = robust_z(*distances(Z_fit, Z_test, 5))
    out = {
        "model": a_test, "knn": distances(Z_fit, Z_test, 5)[1],
        "z(a cal, b)": za_cal + zb, "z(a, b)": za + zb,
        "z(a, b k=10)": za + robust_z(*distances(Z_fit, Z_test, 10)),
    }
    for w in WEIGHTS:
        out[f"z(a, {w:g} b)"] = za + w * zb
    out["min(za, zb)"] = np.minimum(za, zb)
    out["z(a, b k=3)"] = za + robust_z(*distances(Z_fit, Z_test, 3))
    zb_mean = robust_z(*mean_distances(Z_fit, Z_test, 5))
    out["z(a, b mean5)"] = za + zb_mean
    out["z(a) + min(zb, 0)"] = za + np.minimum(zb, 0.0)
    out["z(a) + min(zb mean5, 0)"] = za + np.minimum(zb_mean, 0.0)
    for k in (3, 10, 20):
        out[f"z(a, b mean{k})"] = za + robust_z(*mean_distances(Z_fit, Z_test, k))
    for size in SUBSAMPLES:
        own, test = subsample_distances(Z_fit, Z_test, 5, size, 10, seed)
        out[f"knn sub {size}"] = test
        out[f"z(a, b sub {size})"] = za + robust_z(own, test)
        if size == 256:
            out["z(a, 2 b sub 256)"] = za + 2 * robust_z(own, test)
    own, test = subsample_distances(Z_fit, Z_test, 5, (50, 1000), 10, seed)
    out["knn vs"], out["z(a, b vs)"] = test, za + robust_z(own, test)
    order = np.argsort(a_fit, kind="stable")
    for q in TRIMS:
        kept = np.sort(order[int(q * order.size):])
        out[f"z(a, b trim {q:g})"] = za + robust_z(*distances(Z_fit[kept], Z_test, 5))
    return out, seconds


def run_set(task):
    name, seed, group = task
    X, y = load_set(name)
    X_train, X_test, y_train, y_test = adbench_split(X, y, seed)
    records = []
    for setting in SETTINGS:
        X_fit = X_train if setting == "unsupervised" else X_train[y_train == 0]
        with np.errstate(invalid="ignore"):
            scores, seconds = candidates(X_fit, X_test, seed)
        for cand, s in scores.items():
            records.append(dict(group=group, set=name, seed=seed, setting=setting,
                                candidate=cand, fit_seconds=seconds,
                                auc=100 * roc_auc_score(y_test, rankdata(-s))))
    print(f"{group} {name} seed {seed}", file=sys.stderr, flush=True)
    return records


def table(records, seeds):
    names = list(dict.fromkeys(r["candidate"] for r in records))
    lines = []
    for setting in SETTINGS:
        lines += [f"\n#### {setting}, mean over the sets (ROC AUC x 100)\n",
                  "| candidate | " + " | ".join(f"seed {s}" for s in seeds) + " | mean |",
                  "|---" * (len(seeds) + 2) + "|"]
        for name in names:
            per_seed = [np.mean([r["auc"] for r in records if r["candidate"] == name
                                 and r["setting"] == setting and r["seed"] == s])
                        for s in seeds]
            lines.append(f"| {name} | " + " | ".join(f"{v:.2f}" for v in per_seed)
                         + f" | {np.mean(per_seed):.2f} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--held-out", action="store_true", help="ADBench's 27 other sets")
    p.add_argument("--seeds", default="1,2")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--output", default=None)
    args = p.parse_args(argv)
    group = "held-out" if args.held_out else "tuned"
    sets = list(HELD_OUT) if args.held_out else list(SETS)
    seeds = [int(s) for s in args.seeds.split(",")]
    tasks = [(name, seed, group) for name in sets for seed in seeds]
    with ProcessPoolExecutor(args.jobs) as pool:
        records = [r for rs in pool.map(run_set, tasks) for r in rs]
    print(f"### {group} sets, seeds {seeds}")
    print(table(records, seeds))
    output = Path(args.output or HERE / "results" / f"screen_neighbours_{group}.json")
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps(records, indent=1))


if __name__ == "__main__":
    main()
