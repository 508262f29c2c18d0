"""Training speed of skvae's AutoencoderTransformer against peers.

What it measures
----------------
Every contender trains the same dense autoencoder
64-128-64-8-64-128-64 (ReLU, Adam, lr 1e-3, batch 256, no weight decay, no
early stopping, no validation split, shuffling on) for a fixed number of
epochs, and is scored on:

* fit time: wall clock (``time.perf_counter``) of one complete ``fit`` call,
  including whatever the estimator does inside ``fit`` (input checks,
  standardisation, building the network, PyOD's scoring of the training
  set); median over ``--repeats`` runs, plus the ratio to skvae's median
  from the same invocation (skvae = 1.00) and to the faster plain-torch loop;
* inference rows/s on the held-out set (for skvae
  ``transform`` + ``inverse_transform``; for PyOD its public
  ``decision_function``; otherwise ``predict``/forward pass), median;
* held-out reconstruction MSE, in the units of the data given to ``fit``;
* "other load": the average number of cores that *other* processes used
  while a fit (and its inference timing) ran, read from ``/proc/stat``. It
  is ~0 on a quiet machine; a run with a large value was disturbed.
  ``--wait-idle SECONDS`` makes every timed fit first wait (up to SECONDS)
  for the other load to drop below 0.3 cores.

Before the timed runs each contender does one untimed warm-up fit (first
4,096 rows, one epoch) so that one-off costs such as lazy imports and the
first use of ``torch.optim`` are not charged to anyone. Repetitions are
interleaved (rep 1 of every contender, then rep 2, ...) so that load from
other processes is spread over all contenders.

Settings
--------
* ``synthetic``: 50,000 x 64 float32 rows (``--rows``) from 8 latent factors
  pushed through a fixed random tanh network plus small noise, standardised;
  10,000 held-out rows from the same generator. 10 epochs (``--epochs``).
* ``digits``: ``sklearn.datasets.load_digits`` standardised, 80/20 split
  (1,437 train / 360 held-out rows). 50 epochs (``--digits-epochs``).

Contenders (``--only``): ``skvae``, ``torch`` (hand-written loop, run with 1
thread and with ``--threads`` threads), ``torch-dataloader``, ``skorch``,
``pyod``, ``mlp`` (scikit-learn MLPRegressor). See ``_peers.py`` and
``pages/training-speed.md`` for how each one is configured and what differs.

How to run
----------
From the repository root, with the peers installed
(``pip install -e ".[bench]"`` or ``pip install pyod skorch``)::

    python benchmarks/bench_training.py                       # everything
    python benchmarks/bench_training.py --repeats 5 --wait-idle 90  # shared box
    python benchmarks/bench_training.py --only pyod,skorch,mlp,torch,torch-dataloader
    python benchmarks/bench_training.py --settings synthetic --rows 1000000 \\
        --device cuda --only skvae,torch                     # large, on a GPU

A markdown table per setting is printed and all raw timings are written to
``--output`` (default ``benchmarks/results/training.json``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import statistics
import time
import warnings
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Callable, Optional

HERE = Path(__file__).resolve().parent
# Let a source checkout of skvae be imported without installing it.

import _peers as peers  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from _load import OtherLoad, wait_for_idle  # noqa: E402
from _peers import FitConfig, sync  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

WARMUP_ROWS = 4096
MIN_INFER_SECONDS = 0.25  # repeat the inference call until this much time


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------
def make_synthetic(n_train, n_test=10_000, n_features=64, n_latent=8,
                   noise=0.05, seed=0):
    """Rows = tanh MLP of 8 Gaussian factors + Gaussian noise, standardised.

    The generator's weights come from ``seed``; the held-out rows and the
    training rows come from separate streams, so the held-out set does not
    change with ``n_train``.
    """
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(n_latent, 32)) * (1.5 / np.sqrt(n_latent))
    b1 = rng.normal(size=32) * 0.5
    W2 = rng.normal(size=(32, n_features)) / np.sqrt(32)

    def draw(n, stream):
        r = np.random.default_rng([seed, stream])
        Z = r.standard_normal((n, n_latent))
        X = np.tanh(Z @ W1 + b1) @ W2
        return X + noise * r.standard_normal((n, n_features))

    X, X_test = draw(n_train, 1), draw(n_test, 2)
    mean, std = X.mean(axis=0), X.std(axis=0)
    X, X_test = (X - mean) / std, (X_test - mean) / std
    return X.astype(np.float32), X_test.astype(np.float32)


def make_digits(seed=0):
    """load_digits, 80/20 split, standardised with the training statistics."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X = load_digits().data
    X, X_test = train_test_split(X, test_size=0.2, random_state=seed)
    scaler = StandardScaler().fit(X)  # constant pixels are left at 0
    return (scaler.transform(X).astype(np.float32),
            scaler.transform(X_test).astype(np.float32))


# --------------------------------------------------------------------------
# skvae
# --------------------------------------------------------------------------
def fit_skvae(X, cfg):
    from skvae import AutoencoderTransformer

    model = AutoencoderTransformer(
        n_components=cfg.n_components,
        hidden_layer_sizes=cfg.hidden,
        activation="relu",
        alpha=0.0,
        batch_size=cfg.batch_size,
        learning_rate_init=cfg.lr,
        max_iter=cfg.epochs,
        tol=0.0,
        n_iter_no_change=10**6,
        early_stopping=False,
        shuffle=True,
        random_state=cfg.seed,
        device=cfg.device,
    )
    model.fit(X)
    sync(cfg.device)
    return model


def reconstruct_skvae(model, X):
    return model.inverse_transform(model.transform(X))


# --------------------------------------------------------------------------
# Contenders
# --------------------------------------------------------------------------
@dataclass
class Contender:
    key: str  # name used by --only
    label: str  # name in the table
    fit: Callable
    reconstruct: Callable
    requires: str  # module that must import
    infer: Optional[Callable] = None  # timed inference; default reconstruct
    threads: Optional[int] = None  # default: --threads
    device: Optional[str] = None  # default: --device


def make_contenders(args):
    t = args.threads
    torch_rows = [Contender("torch", f"plain torch ({t} thread"
                            f"{'s' if t != 1 else ''})",
                            peers.fit_torch, peers.reconstruct_torch, "torch")]
    if args.device == "cpu" and t != 1:
        torch_rows.insert(0, Contender(
            "torch", "plain torch (1 thread)", peers.fit_torch,
            peers.reconstruct_torch, "torch", threads=1))
    return [
        Contender("skvae", "skvae AutoencoderTransformer", fit_skvae,
                  reconstruct_skvae, "skvae"),
        *torch_rows,
        Contender("torch-dataloader", "plain torch + DataLoader",
                  peers.fit_torch_dataloader,
                  peers.reconstruct_torch_dataloader, "torch"),
        Contender("skorch", "skorch NeuralNetRegressor", peers.fit_skorch,
                  peers.reconstruct_skorch, "skorch"),
        Contender("pyod", "PyOD AutoEncoder", peers.fit_pyod,
                  peers.reconstruct_pyod, "pyod", infer=peers.infer_pyod),
        Contender("mlp", "sklearn MLPRegressor", peers.fit_mlp,
                  peers.reconstruct_mlp, "sklearn", device="cpu"),
    ]


def check_available(c):
    """None if the contender can run, else a short reason."""
    try:
        module = importlib.import_module(c.requires)
        if c.key == "skvae":
            module.AutoencoderTransformer  # noqa: B018
    except Exception as exc:  # ImportError, or a half-written package
        if c.key == "skvae":
            return "pending (skvae not importable)"
        return f"not installed ({getattr(exc, 'name', exc)})"
    return None


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------
def time_fit(fit, X, cfg):
    """Return ``(fitted, seconds)`` for one ``fit(X, cfg)`` call."""
    sync(cfg.device)
    start = time.perf_counter()
    fitted = fit(X, cfg)
    sync(cfg.device)
    return fitted, time.perf_counter() - start


def time_inference(infer, fitted, X):
    """Rows per second of ``infer(fitted, X)``, repeated for >= 0.25 s."""
    calls, start = 0, time.perf_counter()
    while True:
        infer(fitted, X)
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_INFER_SECONDS or calls >= 1000:
            return calls * X.shape[0] / elapsed


def run_once(c, X, X_test, cfg):
    """One fit + inference + MSE for contender ``c`` at ``cfg.threads``."""
    from sklearn.exceptions import ConvergenceWarning

    torch.set_num_threads(cfg.threads)
    with threadpool_limits(limits=cfg.threads, user_api="blas"), \
            warnings.catch_warnings():
        # max_iter is reached on purpose; the warnings are noise here
        warnings.simplefilter("ignore", ConvergenceWarning)
        with OtherLoad() as load:
            fitted, fit_s = time_fit(c.fit, X, cfg)
        with OtherLoad() as load_infer:
            rows_per_s = time_inference(c.infer or c.reconstruct, fitted,
                                        X_test)
        rec = np.asarray(c.reconstruct(fitted, X_test), dtype=np.float64)
    mse = float(np.mean((rec - X_test) ** 2))
    return {"fit_s": fit_s, "rows_per_s": rows_per_s, "mse": mse,
            "torch_threads": torch.get_num_threads(),
            "other_load_cores": load.value,
            "other_load_cores_infer": load_infer.value}


def bench_setting(name, X, X_test, epochs, contenders, args):
    """Warm up, then run every available contender ``args.repeats`` times."""
    base = FitConfig(epochs=epochs, batch_size=args.batch_size,
                     device=args.device, threads=args.threads)
    rows = []
    for c in contenders:
        cfg = replace(base, threads=c.threads or args.threads,
                      device=c.device or args.device)
        rows.append({"contender": c, "cfg": cfg, "key": c.key,
                     "label": c.label, "threads": cfg.threads,
                     "device": cfg.device, "status": check_available(c),
                     "runs": []})

    print(f"\n## {name}: train {X.shape[0]:,} x {X.shape[1]}, "
          f"held-out {X_test.shape[0]:,}, {epochs} epochs, "
          f"batch {args.batch_size}, load avg {os.getloadavg()[0]:.2f}",
          flush=True)
    for row in rows:  # untimed warm-up, small and short
        if row["status"] is None:
            warm = replace(row["cfg"], epochs=1)
            try:
                run_once(row["contender"], X[:WARMUP_ROWS], X_test, warm)
            except Exception as exc:  # keep the other contenders going
                row["status"] = f"error: {type(exc).__name__}: {exc}"
    for rep in range(args.repeats):
        for row in rows:
            if row["status"] is not None:
                continue
            cfg = replace(row["cfg"], seed=args.seed + rep)
            if args.wait_idle:
                wait_for_idle(args.wait_idle)
            try:
                run = run_once(row["contender"], X, X_test, cfg)
            except Exception as exc:
                row["status"] = f"error: {type(exc).__name__}: {exc}"
                continue
            row["runs"].append(run)
            print(f"  rep {rep + 1}/{args.repeats}  {row['label']:<30} "
                  f"fit {run['fit_s']:8.2f} s  "
                  f"{run['rows_per_s']:>12,.0f} rows/s  "
                  f"mse {run['mse']:.4f}  "
                  f"torch threads {run['torch_threads']}  "
                  f"other load {_fmt_load(run['other_load_cores'])} / "
                  f"{_fmt_load(run['other_load_cores_infer'])}",
                  flush=True)
    return summarise(name, X, X_test, epochs, rows, args)


def summarise(name, X, X_test, epochs, rows, args):
    out = []
    for row in rows:
        runs = row["runs"]
        res = {k: row[k] for k in ("key", "label", "threads", "device")}
        res["status"] = row["status"] or "ok"
        res["runs"] = runs
        if runs:
            fit = [r["fit_s"] for r in runs]
            res.update(
                fit_s_median=statistics.median(fit),
                fit_s_min=min(fit), fit_s_max=max(fit),
                rows_per_s_median=statistics.median(
                    r["rows_per_s"] for r in runs),
                mse_median=statistics.median(r["mse"] for r in runs))
            for key in ("other_load_cores", "other_load_cores_infer"):
                loads = [r[key] for r in runs if r[key] is not None]
                res[key + "_median"] = (statistics.median(loads)
                                        if loads else None)
        out.append(res)

    def median_of(key):
        times = [r["fit_s_median"] for r in out
                 if r["key"] == key and "fit_s_median" in r]
        return min(times) if times else None

    skvae_s, torch_s = median_of("skvae"), median_of("torch")
    for r in out:
        if "fit_s_median" in r:
            r["fit_vs_skvae"] = (r["fit_s_median"] / skvae_s
                                 if skvae_s else None)
            r["fit_vs_torch"] = (r["fit_s_median"] / torch_s
                                 if torch_s else None)
    return {"setting": name, "n_train": int(X.shape[0]),
            "n_test": int(X_test.shape[0]), "n_features": int(X.shape[1]),
            "epochs": epochs, "batch_size": args.batch_size,
            "repeats": args.repeats, "load_avg_end": os.getloadavg(),
            "results": out}


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------
def _fmt_load(value):
    return "n/a" if value is None else f"{value:.2f}"


def format_table(setting):
    lines = [
        f"**{setting['setting']}** - train {setting['n_train']:,} x "
        f"{setting['n_features']}, held-out {setting['n_test']:,}, "
        f"{setting['epochs']} epochs, batch {setting['batch_size']}, "
        f"median of {setting['repeats']}",
        "",
        "| contender | threads | fit s (median) | fit s (min-max) "
        "| fit / skvae | fit / plain torch | inference rows/s "
        "| held-out MSE | other load (fit / inf.) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    skvae_pending = any(r["key"] == "skvae" and r["status"] != "ok"
                        for r in setting["results"])
    for r in setting["results"]:
        label = r["label"] + (f" [{r['device']}]" if r["device"] != "cpu"
                              else "")
        if "fit_s_median" not in r:
            lines.append(f"| {label} | {r['threads']} | {r['status']} "
                         "| | | | | | |")
            continue
        vs_skvae = (f"{r['fit_vs_skvae']:.2f}" if r["fit_vs_skvae"]
                    else "pending" if skvae_pending else "-")
        vs_torch = (f"{r['fit_vs_torch']:.2f}" if r["fit_vs_torch"]
                    else "-")
        lines.append(
            f"| {label} | {r['threads']} | {r['fit_s_median']:.2f} "
            f"| {r['fit_s_min']:.2f}-{r['fit_s_max']:.2f} | {vs_skvae} "
            f"| {vs_torch} | {r['rows_per_s_median']:,.0f} "
            f"| {r['mse_median']:.4f} "
            f"| {_fmt_load(r['other_load_cores_median'])} / "
            f"{_fmt_load(r['other_load_cores_infer_median'])} |")
    return "\n".join(lines)


def version(dist):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine_info():
    from threadpoolctl import threadpool_info

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_default_threads": torch.get_num_threads(),
        "cuda": (torch.cuda.get_device_name(0)
                 if torch.cuda.is_available() else None),
        "versions": {d: version(d) for d in (
            "skvae", "torch", "scikit-learn", "numpy", "pyod", "skorch")},
        "blas": [{k: i.get(k) for k in ("internal_api", "num_threads")}
                 for i in threadpool_info()],
        "load_avg_start": os.getloadavg(),
    }


# --------------------------------------------------------------------------
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--only", default="skvae,torch,torch-dataloader,skorch,"
                   "pyod,mlp", help="comma-separated contenders")
    p.add_argument("--settings", default="synthetic,digits",
                   help="comma-separated: synthetic, digits")
    p.add_argument("--rows", type=int, default=50_000,
                   help="training rows of the synthetic setting")
    p.add_argument("--epochs", type=int, default=10,
                   help="epochs for the synthetic setting")
    p.add_argument("--digits-epochs", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count(),
                   help="torch / BLAS threads (plain torch also runs at 1)")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                   help="before each timed fit wait up to SECONDS for other "
                   "processes to use < 0.3 cores (0: don't wait)")
    p.add_argument("--output", default=str(HERE / "results" /
                                           "training.json"))
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    keys = [k.strip() for k in args.only.split(",") if k.strip()]
    contenders = [c for c in make_contenders(args) if c.key in keys]
    unknown = set(keys) - {c.key for c in make_contenders(args)}
    if unknown:
        raise SystemExit(f"unknown contender(s): {sorted(unknown)}")

    info = machine_info()
    print("# skvae training benchmark")
    print(json.dumps(info, indent=2))

    results = []
    for name in [s.strip() for s in args.settings.split(",") if s.strip()]:
        if name == "synthetic":
            X, X_test = make_synthetic(args.rows, seed=args.seed)
            epochs = args.epochs
        elif name == "digits":
            X, X_test = make_digits(seed=args.seed)
            epochs = args.digits_epochs
        else:
            raise SystemExit(f"unknown setting: {name}")
        results.append(bench_setting(name, X, X_test, epochs, contenders,
                                     args))
        print("\n" + format_table(results[-1]), flush=True)

    print("\n# Summary\n")
    for setting in results:
        print(format_table(setting) + "\n")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    args_dict = vars(args)
    out.write_text(json.dumps({"machine": info, "args": args_dict,
                               "settings": results}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
