"""Fit time of skvae's estimators at their defaults against the usual tools, with quality.

What it measures
----------------
For every table and seed (default seeds 0, 1, 2; the tables show the
**median over seeds** of every time and every quality, ratios are ratios of
those medians), each method is fitted once, one fit at a time in this one
process, and the wall clock (``time.perf_counter``) of the single ``fit`` or
``fit_transform`` call is recorded, with the average number of cores other
processes used meanwhile (``_load.OtherLoad``; 0 on a quiet machine). Every
method first gets one untimed warm-up fit on a tiny table, so that one-off
costs (lazy imports, the first use of ``torch.optim``) are charged to no one.
skvae's estimators run at their defaults, with only ``random_state=seed``
set; so do the references. For skvae's models the JSON also records
``n_iter_`` (epochs) and, from ``validation_scores_``, the best epoch
(1-based argmax; ``kept_start`` when the starting weights scored better than
every epoch); for the imputer and the detector the model is ``estimator_``.

Numeric tables (17). Each is split 70/30 with ``train_test_split(...,
random_state=seed)`` and standardised on its training part, constant
columns dropped (the logic of ``_tables.split``, which is called directly
for the tables it knows). ADBench tables keep their inliers for the split;
their outliers are only used by the detector.

* scikit-learn: iris (105 training rows x 4), wine (124 x 13), breast
  cancer (398 x 30), diabetes (309 x 10), digits (1,257 x 61-62 after
  dropping constant pixels);
* UCI (``shared/data/uci``): concrete (721 x 9), banknote (960 x 4), red
  wine (1,119 x 12), white wine (3,428 x 12), yeast (1,038 x 8, columns 1-8),
  spam (GAIN's ``gain_spam.csv``, 4,601 rows: 3,220 x 57);
* ADBench (``shared/data/adbench_classical``), inliers: cardio (1,158 x 21),
  thyroid (2,575 x 6), vowels (984 x 12), Pima (350 x 8), WBC (149 x 9),
  Waveform (2,340 x 21).

Per (table, seed):

* ``pca``: ``PCA(2)`` on the training rows: the baseline of the qualities.
* ``mlp``: ``MLPRegressor()`` at its defaults (one hidden layer of 100 ReLU
  units, Adam, 200 epochs at most, no bottleneck) fitted as an autoencoder,
  X to X, on the training rows; held-out MSE and its ratio to PCA(2)'s.
  It is the reference time of ``vae``, ``ae`` and ``detector``.
* ``vae``: ``VAETransformer()`` fit time; quality: held-out ``score``
  (log-likelihood per row, nats) minus ``PCA(2).score`` (probabilistic PCA)
  on the same held-out rows (higher is better, 0 = as good as PPCA).
* ``ae``: ``AutoencoderTransformer()`` fit time; quality: held-out
  reconstruction MSE (``inverse_transform(transform(X))``, standardised
  units) divided by PCA(2)'s (lower is better, 1 = as good as PCA).
* ``detector``: ``AutoencoderOutlierDetector()`` fit time, against ``mlp``
  (the same fit), ``IsolationForest()`` and ``knn5`` (``NearestNeighbors``
  with 5 neighbours; score = distance to the 5th nearest training row).
  Quality on the ADBench tables, semi-supervised protocol: fitted on the
  inliers' training part, ROC AUC on the held-out inliers plus all the
  outliers (standardised with the training part's scaler); the MLP scores a
  row by its reconstruction error. Other tables: times only.
* ``imputer``: ``AutoencoderImputer()`` ``fit_transform`` time on the
  training rows with 20% of the entries removed completely at random
  (``numpy.random.default_rng(seed)``, ``bench_impute.mcar_mask``), against
  missForest-like (``bench_impute.make_imputer("missforest")``:
  ``IterativeImputer(ExtraTreesRegressor(n_estimators=30), max_iter=5)``)
  on the same masked matrix; quality: MSE on the removed entries, in
  standardised units, for both, and their ratio.

Mixed tables (``_mixed_data``): Adult (12 columns) and defaultCredit (24),
a seeded random sample of ``--mixed-rows`` rows (default 10,000; the sample
of ``_mixed_data.load_table(name, n_rows)``, seed 0, the same for every
seed), typed DataFrames (categories, ordered categories, Int64 counts,
floats; Adult's truly missing cells stay missing):

* ``mixed-imputer``: ``AutoencoderImputer()`` (types inferred from the
  dtypes) against the mixed-type missForest of ``bench_mixed.py``
  (``impute_missforest``: 30 extra-trees per column, at most 5 passes, its
  forests on ``os.cpu_count()`` cores) on the whole sample with HI-VAE's 20%
  MCAR mask ``Missing20_{seed+1}.csv`` hidden (for seeds above 2 a fresh
  20% MCAR mask from ``default_rng(seed)``), plus the truly missing cells;
  quality: HI-VAE's errors (``_mixed_data.column_errors`` / ``group_errors``)
  on the hidden cells that are not truly missing: categorical share
  misclassified, ordinal mean level distance / levels, numeric RMSE / range,
  and the mean over all columns.
* ``mixed-vae``, ``mixed-detector``: ``VAETransformer()`` and
  ``AutoencoderOutlierDetector()`` fitted on the DataFrame's training part
  (70/30 split, ``random_state=seed``), against ``mixed-mlp``
  (``MLPRegressor()`` X to X) and ``mixed-iforest`` (``IsolationForest()``)
  on a one-hot (unordered categories; a missing category is all zeros) /
  standardised (everything else, ordinal levels as numbers, missing set to
  the mean) encoding of the same rows; the reference times include the
  encoding. Quality: only the VAE's held-out ``score`` (nats per row, no
  reference to compare it with).

The summary line of each estimator gives, over tables, the median and the
maximum of skvae's time divided by the reference's, and the table of the
maximum. All raw records, the arguments and the machine (platform, versions,
``os.cpu_count()``, thread counts, the checkout's commit) go to ``--output``.

How to run
----------
From the repository root, on an otherwise quiet machine (timings of
concurrent jobs are worthless; ``--wait-idle`` waits for quiet before each
fit). With the slow defaults of skvae at the time of writing, a full run
takes hours on 2 cores; restrict it with ``--tables``, ``--seeds`` and
``--estimators``::

    python benchmarks/bench_speed.py                       # everything, 3 seeds
    python benchmarks/bench_speed.py --quick               # 1 seed, iris/wine/WBC, Adult 2,000 rows
    python benchmarks/bench_speed.py --estimators vae,ae --tables iris,digits --seeds 0
    python benchmarks/bench_speed.py --estimators mixed --tables Adult --mixed-rows 2000

Markdown tables are printed, progress goes to stderr and the raw figures to
``--output`` (default ``benchmarks/results/speed.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
import warnings
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import torch
from scipy.stats import rankdata
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

import skvae
from skvae import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    VAETransformer,
)

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE))  # the sibling helper modules, not skvae

import _mixed_data as md  # noqa: E402
import _tables  # noqa: E402
from _load import OtherLoad, wait_for_idle  # noqa: E402

DATA = HERE.parent.parent / "shared" / "data"


def _sibling(name):
    """Import a sibling benchmark script without keeping its sys.path edits.

    ``bench_impute`` and ``bench_mixed`` put the checkout on ``sys.path`` when
    imported; skvae is already imported (the installed package) by then, and
    ``sys.path`` is restored right after.
    """
    saved = list(sys.path)
    try:
        return __import__(name)
    finally:
        sys.path[:] = saved


# ------------------------------------------------------------------ tables
def _yeast():
    frame = pd.read_csv(DATA / "uci" / "yeast.data", sep=r"\s+", header=None)
    return frame.iloc[:, 1:9].to_numpy(dtype=np.float64)


# name -> "_tables" (loaded and split by _tables.split), a loader of the rows,
# or "adbench:<file stem>" (inliers split, outliers kept for the detector)
NUMERIC = {
    "iris": "_tables",
    "wine": "_tables",
    "breast": "_tables",  # breast cancer (scikit-learn)
    "diabetes": "_tables",
    "digits": "_tables",
    "concrete": "_tables",
    "banknote": "_tables",
    "redwine": "_tables",
    "whitewine": "_tables",
    "yeast": _yeast,
    "spam": "_tables",  # GAIN's gain_spam.csv, 4,601 x 57
    "cardio": "adbench:6_cardio",
    "thyroid": "adbench:38_thyroid",
    "vowels": "adbench:40_vowels",
    "Pima": "adbench:29_Pima",
    "WBC": "adbench:42_WBC",
    "Waveform": "adbench:41_Waveform",
}
MIXED = ("Adult", "defaultCredit")
QUICK_TABLES = ("iris", "wine", "WBC", "Adult")
ESTIMATORS = ("vae", "ae", "detector", "imputer", "mixed")


def _standardise(X_train, *others):
    """``_tables.split``'s scaling: constant training columns dropped, z-scored."""
    keep = X_train.std(axis=0) > 1e-12 * np.maximum(1.0, np.abs(X_train).max(axis=0))
    scaler = StandardScaler().fit(X_train[:, keep])
    return [scaler.transform(X_train[:, keep])] + [
        None if X is None else scaler.transform(X[:, keep]) for X in others
    ]


def split_numeric(name, seed, test_size=0.3):
    """``(X_train, X_test, X_outliers)``: standardised; outliers None without labels."""
    source = NUMERIC[name]
    if source == "_tables":
        X_train, X_test = _tables.split(name, seed, test_size=test_size)
        return X_train, X_test, None
    if callable(source):
        X, outliers = source(), None
    else:
        data = np.load(DATA / "adbench_classical" / f"{source.split(':')[1]}.npz")
        X = data["X"][data["y"] == 0].astype(np.float64)
        outliers = data["X"][data["y"] == 1].astype(np.float64)
    X_train, X_test = train_test_split(X, test_size=test_size, random_state=seed)
    return tuple(_standardise(X_train, X_test, outliers))


# ----------------------------------------------------------------- timing
class Timer:
    """Runs one call, timed with perf_counter, with the other processes' load."""

    def __init__(self, wait_idle=0.0):
        self.wait_idle = wait_idle

    def __call__(self, call):
        if self.wait_idle > 0:
            wait_for_idle(self.wait_idle)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with OtherLoad() as load:
                start = time.perf_counter()
                result = call()
                seconds = time.perf_counter() - start
        messages = sorted({f"{w.category.__name__}: {w.message}"[:200] for w in caught})
        info = {"seconds": seconds, "other_load": load.value}
        if messages:
            info["warnings"] = messages
        return result, info


def quietly(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


def training_info(model):
    """Epochs and best epoch of a fitted model (``n_iter_``, ``validation_scores_``)."""
    info = {}
    n_iter = getattr(model, "n_iter_", None)
    if n_iter is not None:
        info["n_iter"] = int(n_iter)
    scores = getattr(model, "validation_scores_", None)
    if scores is not None and len(scores):
        scores = np.asarray(scores, dtype=float)
        info["best_epoch"] = int(np.nanargmax(scores)) + 1
        best = getattr(model, "best_validation_score_", None)
        if best is not None:
            info["best_validation_score"] = float(best)
            info["kept_start"] = bool(best > np.nanmax(scores))
    return info


def auc(y, scores):
    """ROC AUC of ``-scores`` (low score = outlier); ranks, so -inf is fine."""
    return float(roc_auc_score(y, rankdata(-np.asarray(scores, dtype=float))))


def mse(A, B):
    return float(np.mean((np.asarray(A) - np.asarray(B)) ** 2))


# ------------------------------------------------------------ numeric runs
def _attempt(records, record, body, hide, label):
    """``record`` updated with ``body()`` (or the error it raised), kept and printed."""
    try:
        record.update(body())
    except Exception as exc:  # noqa: BLE001  (recorded, the run goes on)
        record["error"] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    records.append(record)
    brief = {
        k: (round(v, 4) if isinstance(v, float) else v)
        for k, v in record.items()
        if k not in hide
    }
    print(f"  {label} {brief}", file=sys.stderr)
    return record


def run_numeric(name, seed, estimators, timer, impute_mod):
    """Records of every selected method on one numeric table and seed."""
    X_train, X_test, X_out = split_numeric(name, seed)
    n, d = X_train.shape
    base = {
        "table": name,
        "kind": "numeric",
        "seed": seed,
        "n_train": n,
        "n_test": len(X_test),
        "d": d,
    }
    labelled = X_out is not None
    if labelled:
        X_det = np.vstack([X_test, X_out])
        y_det = np.r_[np.zeros(len(X_test)), np.ones(len(X_out))]
    records = []

    def attempt(method, body):
        return _attempt(records, dict(base, method=method), body,
                        hide=(*base, "method", "warnings"),
                        label=f"{name:10s} seed {seed} {method:11s}")

    k = min(2, d)
    pca_state = {}

    def pca_body():
        pca, info = timer(lambda: PCA(k).fit(X_train))
        pca_state["mse"] = mse(pca.inverse_transform(pca.transform(X_test)), X_test)
        pca_state["score"] = float(pca.score(X_test))
        return dict(info, mse=pca_state["mse"], score=pca_state["score"])

    if {"vae", "ae", "detector"} & set(estimators):
        attempt("pca", pca_body)

        def mlp_body():
            model, info = timer(
                lambda: MLPRegressor(random_state=seed).fit(X_train, X_train)
            )
            err = mse(model.predict(X_test), X_test)
            out = dict(info, **training_info(model), mse=err)
            if "mse" in pca_state:
                out["mse_ratio_pca"] = err / pca_state["mse"]
            if labelled:
                recon = model.predict(X_det)
                out["auc"] = auc(y_det, -np.mean((recon - X_det) ** 2, axis=1))
            return out

        attempt("mlp", mlp_body)

    if "vae" in estimators:

        def vae_body():
            model, info = timer(lambda: VAETransformer(random_state=seed).fit(X_train))
            score = float(model.score(X_test))
            out = dict(info, **training_info(model), score=score)
            if "score" in pca_state:
                out["score_minus_ppca"] = score - pca_state["score"]
            return out

        attempt("vae", vae_body)

    if "ae" in estimators:

        def ae_body():
            model, info = timer(
                lambda: AutoencoderTransformer(random_state=seed).fit(X_train)
            )
            err = mse(model.inverse_transform(model.transform(X_test)), X_test)
            out = dict(info, **training_info(model), mse=err)
            if "mse" in pca_state:
                out["mse_ratio_pca"] = err / pca_state["mse"]
            return out

        attempt("ae", ae_body)

    if "detector" in estimators:

        def detector_body(make, scores):
            def body():
                model, info = timer(lambda: make().fit(X_train))
                inner = getattr(model, "estimator_", None)
                out = dict(info, **(training_info(inner) if inner is not None else {}))
                if labelled:
                    start = time.perf_counter()
                    values = scores(model, X_det)
                    out["score_seconds"] = time.perf_counter() - start
                    out["auc"] = auc(y_det, values)
                return out

            return body

        attempt(
            "detector",
            detector_body(
                lambda: AutoencoderOutlierDetector(random_state=seed),
                lambda m, X: m.score_samples(X),
            ),
        )
        attempt(
            "iforest",
            detector_body(
                lambda: IsolationForest(random_state=seed),
                lambda m, X: m.score_samples(X),
            ),
        )
        attempt(
            "knn5",
            detector_body(
                lambda: NearestNeighbors(n_neighbors=5),
                lambda m, X: -m.kneighbors(X, 5)[0][:, -1],
            ),
        )

    if "imputer" in estimators:
        mask = impute_mod.mcar_mask(X_train.shape, 0.2, seed)
        X_missing = np.where(mask, np.nan, X_train)

        def imputer_body(method):
            def body():
                imputer = impute_mod.make_imputer(method, seed)
                filled, info = timer(lambda: imputer.fit_transform(X_missing))
                model = getattr(imputer, "estimator_", imputer)
                return dict(
                    info,
                    **training_info(model),
                    n_removed=int(mask.sum()),
                    rows_all_removed=int(mask.all(axis=1).sum()),
                    imputation_mse=mse(filled[mask], X_train[mask]),
                )

            return body

        attempt("imputer", imputer_body("skvae"))
        attempt("missforest", imputer_body("missforest"))
    return records


# -------------------------------------------------------------- mixed runs
def onehot_standardised(frame):
    """Unordered categories one-hot (missing: all zeros); the rest z-scored (missing: 0)."""
    blocks = []
    for name in frame.columns:
        series = frame[name]
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype) and not dtype.ordered:
            blocks.append(pd.get_dummies(series, dtype=np.float64).to_numpy())
            continue
        if isinstance(dtype, pd.CategoricalDtype):
            codes = series.cat.codes.to_numpy()
            x = np.where(codes < 0, np.nan, codes).astype(np.float64)
        else:
            x = series.to_numpy(dtype=np.float64, na_value=np.nan)
        mean, std = np.nanmean(x), np.nanstd(x)
        x = (x - mean) / (std if std > 0 else 1.0)
        blocks.append(np.nan_to_num(x, nan=0.0)[:, None])
    return np.hstack(blocks)


def mixed_mask(table, seed):
    """HI-VAE's mask ``Missing20_{seed+1}`` for seeds 0-2, else a fresh 20% MCAR."""
    if 0 <= seed < len(table.masks):
        return table.masks[seed], f"Missing20_{seed + 1}.csv"
    return np.random.default_rng(seed).random(table.frame.shape) < 0.2, "rng"


def run_mixed(name, seed, n_rows, timer, mixed_mod):
    """Records of the mixed part on one table and seed."""
    table = md.load_table(name, n_rows=n_rows)
    frame = table.frame
    records = []

    def attempt(method, base, body):
        record = dict(base, table=name, kind="mixed", seed=seed, method=method)
        _attempt(records, record, body,
                 hide=("table", "kind", "seed", "method", "warnings", "columns"),
                 label=f"{name:10s} seed {seed} {method:15s}")

    # Imputation, transductive, on the whole sample.
    mask, mask_name = mixed_mask(table, seed)
    scored = mask & ~table.true_missing
    hidden = md.hide(frame, mask | table.true_missing)
    base = {
        "n_train": len(frame),
        "d": frame.shape[1],
        "mask": mask_name,
        "n_scored": int(scored.sum()),
    }

    def score_imputation(result):
        completed = md.coerce(result, table.columns)
        left = int(completed.isna().to_numpy().sum())
        if left:
            raise ValueError(f"{left} cells missing or outside the categories")
        errors = md.column_errors(table, completed, scored)
        groups = md.group_errors(table, errors)
        return dict(
            {f"err_{g}": v for g, v in groups.items()},
            columns=dict(zip(frame.columns, map(float, errors))),
        )

    def imputer_body():
        imputer = AutoencoderImputer(random_state=seed)
        result, info = timer(lambda: imputer.fit_transform(hidden.copy()))
        return dict(
            info, **training_info(imputer.estimator_), **score_imputation(result)
        )

    def missforest_body():
        result, info = timer(
            lambda: mixed_mod.impute_missforest(hidden.copy(), table.columns, seed)
        )
        return dict(
            info,
            n_iter=result.attrs.get("passes_kept"),
            n_jobs=mixed_mod.THREADS,
            **score_imputation(result),
        )

    attempt("mixed-imputer", base, imputer_body)
    attempt("mixed-missforest", base, missforest_body)

    # Fits on the training part of a 70/30 split.
    train, test = train_test_split(frame, test_size=0.3, random_state=seed)
    base = {"n_train": len(train), "n_test": len(test), "d": frame.shape[1]}

    def vae_body():
        model, info = timer(lambda: VAETransformer(random_state=seed).fit(train))
        return dict(info, **training_info(model), score=float(model.score(test)))

    def detector_body():
        model, info = timer(
            lambda: AutoencoderOutlierDetector(random_state=seed).fit(train)
        )
        return dict(info, **training_info(model.estimator_))

    encoded = {}

    def encode():
        start = time.perf_counter()
        Z = onehot_standardised(train)
        encoded["seconds"] = time.perf_counter() - start
        encoded["width"] = Z.shape[1]
        return Z

    def mlp_body():
        def fit():
            Z = encode()
            return MLPRegressor(random_state=seed).fit(Z, Z)

        model, info = timer(fit)
        return dict(
            info,
            **training_info(model),
            encode_seconds=encoded["seconds"],
            encoded_width=encoded["width"],
        )

    def iforest_body():
        _, info = timer(lambda: IsolationForest(random_state=seed).fit(encode()))
        return dict(
            info, encode_seconds=encoded["seconds"], encoded_width=encoded["width"]
        )

    attempt("mixed-vae", base, vae_body)
    attempt("mixed-detector", base, detector_body)
    attempt("mixed-mlp", base, mlp_body)
    attempt("mixed-iforest", base, iforest_body)
    return records


# ---------------------------------------------------------------- warm-up
def warm_up(estimators, impute_mod, mixed_mod):
    """One untimed fit of every method on a tiny table (a few epochs for skvae)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 5))
    X[:, 1] += X[:, 0]
    Xm = np.where(rng.random(X.shape) < 0.2, np.nan, X)
    short = {"max_iter": 3, "n_iter_no_change": 3}

    def run():
        PCA(2).fit(X).score(X)
        if {"vae", "ae", "detector", "mixed"} & set(estimators):
            MLPRegressor(max_iter=5).fit(X, X).predict(X)
        if "vae" in estimators:
            VAETransformer(**short).fit(X).score(X)
        if "ae" in estimators:
            model = AutoencoderTransformer(**short).fit(X)
            model.inverse_transform(model.transform(X))
        if "detector" in estimators:
            AutoencoderOutlierDetector(VAETransformer(**short)).fit(X).score_samples(X)
            IsolationForest().fit(X).score_samples(X)
            NearestNeighbors(n_neighbors=5).fit(X).kneighbors(X)
        if "imputer" in estimators:
            AutoencoderImputer(
                VAETransformer(**short, n_components=4, train_importance_samples=10)
            ).fit_transform(Xm)
            impute_mod.make_imputer("missforest", 0).fit_transform(Xm)
        if "mixed" in estimators:
            frame = mixed_mod._probe_frame()
            holes = mixed_mod._with_holes(frame)
            VAETransformer(**short).fit(frame).score(frame)
            AutoencoderOutlierDetector(VAETransformer(**short)).fit(frame)
            AutoencoderImputer(
                VAETransformer(**short, n_components=4, train_importance_samples=10)
            ).fit_transform(holes)
            mixed_mod.warm_up(["missforest"], {})
            Z = onehot_standardised(frame)
            MLPRegressor(max_iter=5).fit(Z, Z)
            IsolationForest().fit(Z)

    start = time.perf_counter()
    quietly(run)
    print(f"warm-up: {time.perf_counter() - start:.1f} s", file=sys.stderr)


# ---------------------------------------------------------------- reports
def medians(records):
    """Median over seeds of every numeric field, per (table, method)."""
    rows = [
        {k: v for k, v in r.items() if not isinstance(v, (dict, list))}
        for r in records
        if "error" not in r
    ]
    if not rows:
        return {}
    frame = pd.DataFrame(rows)
    fields = [
        c
        for c in frame.columns
        if c not in ("seed", "table", "method", "kind")
        and pd.api.types.is_numeric_dtype(frame[c])
    ]
    grouped = frame.groupby(["table", "method"], sort=False)[fields].median()
    return {key: row.dropna().to_dict() for key, row in grouped.iterrows()}


def _get(med, table, method, field):
    return med.get((table, method), {}).get(field)


def _fmt(value, digits=2):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def _seconds(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}"


def _ratio(a, b):
    return None if a is None or b is None or b <= 0 else a / b


def _epochs(med, table, method):
    n_iter = _get(med, table, method, "n_iter")
    best = _get(med, table, method, "best_epoch")
    if n_iter is None:
        return "–"
    return f"{n_iter:.0f}" + ("" if best is None else f" ({best:.0f})")


def _size(med, table, method):
    n, d = _get(med, table, method, "n_train"), _get(med, table, method, "d")
    return "–" if n is None else f"{n:.0f} × {d:.0f}"


def section(med, tables, title, skvae_method, refs, ratios, columns, note):
    """A markdown table and its summary lines.

    ``refs``: (label, method) of the reference times; ``ratios``: (label,
    reference method) of the time ratios; ``columns``: (header, function of
    the table) of the quality columns.
    """
    tables = [t for t in tables if (t, skvae_method) in med]
    if not tables:
        return ""
    header = (
        ["table", "n train × d", "skvae s"]
        + [f"{label} s" for label, _ in refs]
        + [f"skvae / {label}" for label, _ in ratios]
        + ["epochs (best)"]
        + [h for h, _ in columns]
    )
    lines = [
        f"### {title}",
        "",
        note,
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    values = {label: [] for label, _ in ratios}
    for table in tables:
        own = _get(med, table, skvae_method, "seconds")
        row = [table, _size(med, table, skvae_method), _seconds(own)]
        row += [_seconds(_get(med, table, m, "seconds")) for _, m in refs]
        for label, m in ratios:
            r = _ratio(own, _get(med, table, m, "seconds"))
            row.append(_fmt(r))
            if r is not None:
                values[label].append((r, table))
        row.append(_epochs(med, table, skvae_method))
        row += [fn(table) for _, fn in columns]
        lines.append("| " + " | ".join(row) + " |")
    summary = {}
    lines.append("")
    for label, pairs in values.items():
        if not pairs:
            continue
        ratios_only = [r for r, _ in pairs]
        worst, where = max(pairs)
        summary[label] = {
            "n_tables": len(pairs),
            "median_ratio": float(np.median(ratios_only)),
            "max_ratio": float(worst),
            "max_table": where,
        }
        lines.append(
            f"**{title.split(':')[0]}**, time skvae / {label} over {len(pairs)} table(s): "
            f"median {np.median(ratios_only):.2f}, max {worst:.2f} ({where})"
        )
    return "\n".join(lines), summary


def report(records, numeric_tables, mixed_tables):
    med = medians(records)

    def q(t, m, f, digits=3):
        return _fmt(_get(med, t, m, f), digits)

    def auc_cell(t, m):
        return q(t, m, "auc")

    def imp_ratio(t):
        return _fmt(
            _ratio(
                _get(med, t, "imputer", "imputation_mse"),
                _get(med, t, "missforest", "imputation_mse"),
            ),
            3,
        )

    def mixed_err(t, m):
        return " / ".join(
            q(t, m, f"err_{g}") for g in ("cat", "ordinal", "numeric", "all")
        )

    specs = [
        (
            numeric_tables,
            "VAETransformer(): fit time vs MLPRegressor() autoencoder",
            "vae",
            [("MLP", "mlp")],
            [("MLP", "mlp")],
            [
                (
                    "skvae: log-lik − PPCA(2) (nats/row)",
                    lambda t: q(t, "vae", "score_minus_ppca"),
                ),
                ("MLP: MSE / PCA(2)", lambda t: q(t, "mlp", "mse_ratio_pca")),
            ],
            (
                "Quality: held-out log-likelihood per row minus that of PCA(2) (higher is "
                "better); the MLP's held-out MSE over PCA(2)'s (it has no bottleneck)."
            ),
        ),
        (
            numeric_tables,
            "AutoencoderTransformer(): fit time vs MLPRegressor() autoencoder",
            "ae",
            [("MLP", "mlp")],
            [("MLP", "mlp")],
            [
                ("skvae: MSE / PCA(2)", lambda t: q(t, "ae", "mse_ratio_pca")),
                ("MLP: MSE / PCA(2)", lambda t: q(t, "mlp", "mse_ratio_pca")),
            ],
            "Quality: held-out reconstruction MSE over PCA(2)'s (lower is better).",
        ),
        (
            numeric_tables,
            "AutoencoderOutlierDetector(): fit time vs MLP, IsolationForest, 5-NN",
            "detector",
            [("MLP", "mlp"), ("IForest", "iforest"), ("5-NN", "knn5")],
            [("MLP", "mlp"), ("IForest", "iforest")],
            [
                ("AUC skvae", lambda t: auc_cell(t, "detector")),
                (
                    "AUC MLP / IForest / 5-NN",
                    lambda t: " / ".join(
                        auc_cell(t, m) for m in ("mlp", "iforest", "knn5")
                    ),
                ),
            ],
            "Quality: ROC AUC on held-out inliers + all outliers (ADBench tables only).",
        ),
        (
            numeric_tables,
            "AutoencoderImputer(): fit_transform time vs missForest-like, 20% MCAR",
            "imputer",
            [("missForest", "missforest")],
            [("missForest", "missforest")],
            [
                ("MSE skvae", lambda t: q(t, "imputer", "imputation_mse")),
                ("MSE missForest", lambda t: q(t, "missforest", "imputation_mse")),
                ("MSE ratio", imp_ratio),
            ],
            "Quality: MSE on the removed entries (standardised units); ratio skvae / missForest.",
        ),
        (
            mixed_tables,
            "Mixed AutoencoderImputer(): fit_transform time vs missForest (bench_mixed)",
            "mixed-imputer",
            [("missForest", "mixed-missforest")],
            [("missForest", "mixed-missforest")],
            [
                (
                    "skvae error cat / ord / num / all",
                    lambda t: mixed_err(t, "mixed-imputer"),
                ),
                (
                    "missForest error cat / ord / num / all",
                    lambda t: mixed_err(t, "mixed-missforest"),
                ),
            ],
            (
                "HI-VAE's errors on the hidden cells: categorical share misclassified, ordinal "
                "level distance / levels, numeric RMSE / range, mean over all columns."
            ),
        ),
        (
            mixed_tables,
            "Mixed VAETransformer(): fit time on the DataFrame vs MLPRegressor() on one-hot",
            "mixed-vae",
            [("MLP", "mixed-mlp")],
            [("MLP", "mixed-mlp")],
            [("skvae held-out score (nats/row)", lambda t: q(t, "mixed-vae", "score"))],
            "Reference time includes the one-hot / standardised encoding.",
        ),
        (
            mixed_tables,
            "Mixed AutoencoderOutlierDetector(): fit time vs MLPRegressor, IsolationForest",
            "mixed-detector",
            [("MLP", "mixed-mlp"), ("IForest", "mixed-iforest")],
            [("MLP", "mixed-mlp"), ("IForest", "mixed-iforest")],
            [],
            "Times only; reference times include the encoding.",
        ),
    ]
    texts, summaries = [], {}
    for tables, title, method, refs, ratios, columns, note in specs:
        out = section(med, tables, title, method, refs, ratios, columns, note)
        if out:
            text, summary = out
            texts.append(text)
            summaries[method] = summary
    return "\n\n".join(texts), summaries, med


# ------------------------------------------------------------------- main
def machine():
    versions = {}
    for name in ("skvae", "scikit-learn", "torch", "numpy", "pandas", "scipy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        from threadpoolctl import threadpool_info

        blas = [
            {"api": p.get("internal_api"), "threads": p.get("num_threads")}
            for p in threadpool_info()
        ]
    except ImportError:
        blas = None
    try:
        commit = (
            subprocess.run(
                # the checkout of the skvae imported, which PYTHONPATH may point
                # elsewhere than this script's
                ["git", "-C", str(Path(skvae.__file__).parent), "describe", "--always",
                 "--dirty"],
                check=False,
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
            or None
        )
    except (OSError, subprocess.SubprocessError):
        commit = None
    return dict(
        platform=platform.platform(),
        processor=platform.processor(),
        python=platform.python_version(),
        cpu_count=os.cpu_count(),
        torch_threads=torch.get_num_threads(),
        cuda=torch.cuda.is_available(),
        threadpools=blas,
        skvae_file=skvae.__file__,
        checkout=commit,
        sklearn=sklearn.__version__,
        torch_version=torch.__version__,
        **versions,
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="numeric tables: " + ", ".join(NUMERIC) + "; mixed: " + ", ".join(MIXED),
    )
    parser.add_argument(
        "--tables",
        default=None,
        help="comma-separated tables, numeric and/or mixed (default: all; "
        "--quick: " + ",".join(QUICK_TABLES) + ")",
    )
    parser.add_argument(
        "--seeds",
        default=None,
        help="comma-separated seeds (default 0,1,2; --quick: 0)",
    )
    parser.add_argument(
        "--estimators",
        default=",".join(ESTIMATORS),
        help="comma-separated, from: " + ",".join(ESTIMATORS),
    )
    parser.add_argument(
        "--mixed-rows",
        type=int,
        default=None,
        help="rows sampled (seed 0) from each mixed table (default 10000; --quick: 2000)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one seed, three small numeric tables (iris, wine, WBC) and Adult at 2,000 rows",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        help="before each timed fit, wait up to this many seconds for other "
        "processes to use < 0.3 cores (default 0: no wait)",
    )
    parser.add_argument("--output", type=Path, default=HERE / "results" / "speed.json")
    args = parser.parse_args(argv)
    args.estimators = [e for e in args.estimators.split(",") if e]
    unknown = set(args.estimators) - set(ESTIMATORS)
    if unknown:
        parser.error(f"unknown estimators: {sorted(unknown)}")
    default_tables = QUICK_TABLES if args.quick else (*NUMERIC, *MIXED)
    args.tables = (
        [t for t in args.tables.split(",") if t]
        if args.tables
        else list(default_tables)
    )
    unknown = set(args.tables) - set(NUMERIC) - set(MIXED)
    if unknown:
        parser.error(f"unknown tables: {sorted(unknown)}")
    args.seeds = (
        [int(s) for s in args.seeds.split(",") if s]
        if args.seeds
        else ([0] if args.quick else [0, 1, 2])
    )
    if args.mixed_rows is None:
        args.mixed_rows = 2000 if args.quick else 10_000
    return args


def main(argv=None):
    args = parse_args(argv)
    numeric_tables = [t for t in args.tables if t in NUMERIC]
    mixed_tables = [t for t in args.tables if t in MIXED]
    numeric_estimators = [e for e in args.estimators if e != "mixed"]
    run_mixed_part = "mixed" in args.estimators and mixed_tables
    impute_mod = _sibling("bench_impute") if "imputer" in args.estimators else None
    mixed_mod = _sibling("bench_mixed") if run_mixed_part else None
    info = machine()
    print(
        f"skvae {info['skvae']} ({info['checkout']}), torch {info['torch_version']} "
        f"({info['torch_threads']} threads), scikit-learn {info['sklearn']}, "
        f"{info['cpu_count']} CPUs; seeds {args.seeds}",
        file=sys.stderr,
    )
    warm_up(args.estimators, impute_mod, mixed_mod)
    timer = Timer(args.wait_idle)
    records, start = [], time.perf_counter()
    if numeric_estimators:
        for table in numeric_tables:
            for seed in args.seeds:
                records += run_numeric(
                    table, seed, numeric_estimators, timer, impute_mod
                )
    if run_mixed_part:
        for table in mixed_tables:
            for seed in args.seeds:
                records += run_mixed(table, seed, args.mixed_rows, timer, mixed_mod)
    elapsed = time.perf_counter() - start

    text, summaries, med = report(records, numeric_tables, mixed_tables)
    print(f"## Fit times at the defaults, median over seeds {args.seeds}\n")
    if run_mixed_part:
        print(f"(mixed tables: {args.mixed_rows} rows sampled with seed 0)\n")
    print(text)
    failed = [r for r in records if "error" in r]
    for r in failed:
        print(f"\nFAILED {r['table']} seed {r['seed']} {r['method']}: {r['error']}")

    args.output.parent.mkdir(parents=True, exist_ok=True)
    output = {
        "machine": info,
        "args": {
            k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
        },
        "seconds": elapsed,
        "summary": summaries,
        "medians": [dict(table=t, method=m, **v) for (t, m), v in med.items()],
        "records": records,
    }
    args.output.write_text(json.dumps(output, indent=1, default=float))
    print(f"\nwrote {args.output} ({elapsed:.0f} s of runs)", file=sys.stderr)


if __name__ == "__main__":
    main()
