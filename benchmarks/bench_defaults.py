"""How good the default models are, on tables from 105 to 200,000 training rows.

What it measures
----------------
Every table of ``_tables.py`` is standardised and split 70/30 (seeded); for
each code size ``k`` in {2, 8} (capped below the table's width):

* ``density``: held-out log-likelihood (nats per row, higher is better) of
  ``VAETransformer(n_components=k)`` at its defaults, against
  ``PCA(k).score`` (probabilistic PCA, the VAE's linear-Gaussian special
  case) and ``GaussianMixture(1).score`` (a full-covariance Gaussian);
* ``recon``: held-out mean squared reconstruction error (standardised
  units) of ``AutoencoderTransformer(n_components=k)`` at its defaults,
  against ``PCA(k)``;
* ``novelty``: ROC AUC of ``VAETransformer().score_samples`` trained on the
  inliers of ADBench sets (ADBench's split, semi-supervised), with
  ``early_stopping`` False and True, with ``n_components=8`` (at most the
  width less one), against ``PCA(8).score_samples`` (probabilistic PCA); and
  digits 1-9 against held-out 0s.

plus the seconds of every ``fit``. Tables are in two groups: ``tune``,
where the defaults were chosen, and ``check``, only reported.

Runs go to a pool of ``--jobs`` processes with one torch thread each (on
two cores, two jobs keep both busy); the fit times are therefore those of
one thread with the other core busy. ``--set name=value`` changes a
parameter of the skvae models (as a Python literal), to compare candidate
defaults with the same script.

How to run
----------
From the repository root::

    python benchmarks/bench_defaults.py                      # everything, 3 seeds
    python benchmarks/bench_defaults.py --tables iris,breast --seeds 0 \\
        --parts density --set batch_size=32

A markdown table per part is printed and every result is written to
``--output`` (default ``benchmarks/results/defaults.json``).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE))  # the sibling helper modules, not skvae

import _tables  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

import skvae  # noqa: E402
from skvae import AutoencoderTransformer, VAETransformer  # noqa: E402

PARTS = ("density", "recon", "novelty")
NOVELTY_SETS = {
    "cardio": "6_cardio",
    "thyroid": "38_thyroid",
    "vowels": "40_vowels",
    "optdigits": "26_optdigits",
    "satimage-2": "31_satimage-2",
    "pendigits": "28_pendigits",
    "annthyroid": "2_annthyroid",
    "mnist": "24_mnist",
}


# ------------------------------------------------------------------ jobs
def _fit(model, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model.fit(X)
        return time.perf_counter() - start


def _mse(X, X_hat):
    return float(np.mean(np.square(X - X_hat)))


def _best_epoch(model):
    """The epoch whose weights the model kept (0: its start), or None."""
    scores = model.validation_scores_
    if not scores:
        return None
    best = int(np.argmax(scores))
    return best + 1 if scores[best] >= model.best_validation_score_ else 0


def density_job(table, seed, k, params):
    X_train, X_test = _tables.split(table, seed)
    vae = VAETransformer(n_components=k, random_state=seed, **params)
    seconds = _fit(vae, X_train)
    return {
        "skvae": vae.score(X_test),
        "ppca": PCA(k).fit(X_train).score(X_test),
        "gaussian": GaussianMixture(1, random_state=seed).fit(X_train).score(X_test),
        "seconds": seconds,
        "n_iter": vae.n_iter_,
        "best_epoch": _best_epoch(vae),
    }


def recon_job(table, seed, k, params):
    X_train, X_test = _tables.split(table, seed)
    ae = AutoencoderTransformer(n_components=k, random_state=seed, **params)
    seconds = _fit(ae, X_train)
    pca = PCA(k).fit(X_train)
    return {
        "skvae": _mse(X_test, ae.inverse_transform(ae.transform(X_test))),
        "pca": _mse(X_test, pca.inverse_transform(pca.transform(X_test))),
        "seconds": seconds,
        "n_iter": ae.n_iter_,
        "best_epoch": _best_epoch(ae),
    }


def novelty_split(name, seed):
    """Inliers to train on; held-out rows and labels (1 = outlier)."""
    if name == "digits0":
        X, y = load_digits(return_X_y=True)
        X, y = X / 16.0, (y == 0).astype(int)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.3, random_state=seed, stratify=y
        )
        return X_train[y_train == 0], X_test, y_test
    data = np.load(_tables.DATA / "adbench_classical" / f"{NOVELTY_SETS[name]}.npz")
    X, y = data["X"].astype(np.float64), data["y"].astype(int)
    rng = np.random.RandomState(seed)
    if len(X) > 10_000:
        idx = rng.choice(len(X), 10_000, replace=False)
        X, y = X[idx], y[idx]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=seed, stratify=y
    )
    scaler = MinMaxScaler().fit(X_train)
    return scaler.transform(X_train[y_train == 0]), scaler.transform(X_test), y_test


def novelty_job(table, seed, k, params):
    X_train, X_test, y_test = novelty_split(table, seed)
    k = min(k, X_train.shape[1] - 1)
    ppca = PCA(k).fit(X_train)
    out = {"ppca": 100 * roc_auc_score(y_test, -ppca.score_samples(X_test))}
    for early in (False, True):
        params = {**params, "n_components": k, "early_stopping": early}
        vae = VAETransformer(random_state=seed, **params)
        seconds = _fit(vae, X_train)
        key = "early" if early else "plain"
        out[key] = 100 * roc_auc_score(y_test, -vae.score_samples(X_test))
        out[f"{key}_seconds"], out[f"{key}_n_iter"] = seconds, vae.n_iter_
        out[f"{key}_best_epoch"] = _best_epoch(vae)
    return out


JOBS = {"density": density_job, "recon": recon_job, "novelty": novelty_job}


def _run(task):
    part, table, seed, k, params = task
    torch.set_num_threads(1)
    result = JOBS[part](table, seed, k, params)
    return {"part": part, "table": table, "seed": seed, "k": k, **result}


def tasks(parts, tables, seeds, params):
    out = []
    for part in parts:
        if part == "novelty":
            names = [t for t in tables if t in NOVELTY_SETS or t == "digits0"]
            out += [(part, t, s, 8, params) for t in names for s in seeds]
            continue
        for table in (t for t in tables if t in _tables.TABLES):
            n_features = _tables.split(table, 0)[0].shape[1]
            for k in _tables.latent_sizes(n_features):
                out += [(part, table, s, k, params) for s in seeds]
    # largest tables first, so the pool ends on short jobs
    size = {t: i for i, t in enumerate(_tables.TABLES)}
    return sorted(out, key=lambda t: -size.get(t[1], 0))


# ---------------------------------------------------------------- tables
def _median(records, key):
    values = [r[key] for r in records]
    return float(np.median(values)), float(np.max(values) - np.min(values))


def _epochs(records, prefix=""):
    """Median epochs run and, in brackets, median epoch whose weights were kept."""
    ran = _median(records, f"{prefix}n_iter")[0]
    best = [r.get(f"{prefix}best_epoch") for r in records]
    if any(b is None for b in best):
        return f"{ran:.0f}"
    return f"{ran:.0f} ({np.median(best):.0f})"


def _rows(records, part):
    keys = sorted({(r["table"], r["k"]) for r in records if r["part"] == part},
                  key=lambda tk: (list(_tables.TABLES).index(tk[0])
                                  if tk[0] in _tables.TABLES else 99, tk[1]))
    for table, k in keys:
        yield table, k, [r for r in records
                         if r["part"] == part and r["table"] == table and r["k"] == k]


def density_table(records):
    lines = ["| table | group | n train x d | k | VAE | PPCA | Gaussian | VAE - PPCA "
             "| VAE range | epochs (best) | fit s |", "|---" * 11 + "|"]
    for table, k, rs in _rows(records, "density"):
        X_train, _ = _tables.split(table, 0) if table in _tables.TABLES else (None, None)
        vae, spread = _median(rs, "skvae")
        ppca, gauss = _median(rs, "ppca")[0], _median(rs, "gaussian")[0]
        lines.append(
            f"| {table} | {_tables.group(table)} | {X_train.shape[0]} x {X_train.shape[1]} "
            f"| {k} | {vae:.2f} | {ppca:.2f} | {gauss:.2f} | {vae - ppca:+.2f} "
            f"| {spread:.2f} | {_epochs(rs)} | {_median(rs, 'seconds')[0]:.1f} |"
        )
    return "\n".join(lines)


def recon_table(records):
    lines = ["| table | group | k | AE MSE | PCA MSE | AE / PCA | AE range "
             "| epochs (best) | fit s |", "|---" * 9 + "|"]
    for table, k, rs in _rows(records, "recon"):
        ae, spread = _median(rs, "skvae")
        pca = _median(rs, "pca")[0]
        lines.append(
            f"| {table} | {_tables.group(table)} | {k} | {ae:.4f} | {pca:.4f} "
            f"| {ae / pca:.3f} | {spread:.4f} | {_epochs(rs)} "
            f"| {_median(rs, 'seconds')[0]:.1f} |"
        )
    return "\n".join(lines)


def novelty_table(records):
    lines = ["| set | VAE | VAE early_stopping | PPCA(8) | epochs (plain / early (best)) "
             "| fit s (plain / early) |", "|---" * 6 + "|"]
    means = {"plain": [], "early": [], "ppca": []}
    for table, _, rs in _rows(records, "novelty"):
        row = {key: _median(rs, key)[0] for key in means}
        for key in means:
            means[key].append(row[key])
        lines.append(
            f"| {table} | {row['plain']:.1f} | {row['early']:.1f} | {row['ppca']:.1f} "
            f"| {_median(rs, 'plain_n_iter')[0]:.0f} / {_epochs(rs, 'early_')} "
            f"| {_median(rs, 'plain_seconds')[0]:.1f} / "
            f"{_median(rs, 'early_seconds')[0]:.1f} |"
        )
    if means["plain"]:
        lines.append(
            f"| **mean** | **{np.mean(means['plain']):.1f}** | "
            f"**{np.mean(means['early']):.1f}** | **{np.mean(means['ppca']):.1f}** | | |"
        )
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--tables", default=",".join([*_tables.TABLES, "digits0",
                                                     *NOVELTY_SETS]))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--output", default=str(HERE / "results" / "defaults.json"))
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    params = {}
    for item in args.set:
        name, value = item.split("=", 1)
        params[name] = ast.literal_eval(value)
    todo = tasks(args.parts.split(","), args.tables.split(","),
                 [int(s) for s in args.seeds.split(",")], params)
    print(f"{len(todo)} fits on {args.jobs} processes, parameters {params or 'defaults'}",
          file=sys.stderr)
    start = time.perf_counter()
    records = []
    # each result is appended as it arrives, so a long run that stops keeps them
    partial = Path(args.output).with_suffix(".partial.jsonl")
    partial.parent.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(args.jobs) as pool, partial.open("w") as log:
        for future in as_completed([pool.submit(_run, task) for task in todo]):
            records.append(future.result())
            log.write(json.dumps(records[-1]) + "\n")
            log.flush()
    print(f"done in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    for part, make in (("density", density_table), ("recon", recon_table),
                       ("novelty", novelty_table)):
        if any(r["part"] == part for r in records):
            print(f"\n### {part}\n\n{make(records)}")
    Path(args.output).write_text(json.dumps({
        "params": params, "records": records,
        "environment": {"python": platform.python_version(), "torch": torch.__version__,
                        "sklearn": sklearn.__version__, "skvae": skvae.__version__,
                        "cpu_count": os.cpu_count()},
    }, indent=1))


if __name__ == "__main__":
    main()
