"""Inference speed of skvae's fitted models on one CPU thread.

What it measures
----------------
An ``AutoencoderTransformer(n_components=8, hidden_layer_sizes=(128, 64))``
(the 64-128-64-8 network, with the linear shortcuts of ``init="pca"``) and
a ``VAETransformer`` of the same sizes are fitted briefly (``--epochs`` on
``--fit-rows`` rows: the weights do not matter for speed) on synthetic
float64 data of 64 columns: 8 latent factors through a fixed random tanh
network plus noise (the generator of ``bench_training.py``), each column
then given its own mean and scale so that the standardisation does work.
Then, on ``--rows`` held-out rows:

* ``transform`` rows/s, without and with ``--nan-fraction`` of the entries
  missing (NaN);
* ``inverse_transform(transform(X))`` rows/s;
* ``score_samples`` rows/s (on ``--score-rows`` rows for the VAE, whose
  score draws ``n_importance_samples=50`` codes per row);
* single-row ``transform`` latency in microseconds: the median over
  ``--latency-calls`` calls on one row each;
* the bare network for reference: the fitted module's encoder, and its
  encoder followed by its decoder (on the posterior mean for the VAE),
  called on the rows as a float32 tensor under ``torch.inference_mode``,
  ``--chunk`` rows (4,096, the estimators' chunk) at a time: one call on
  200,000 rows runs at half the speed, its activations out of the cache.

Each throughput is the median over ``--repeats`` timed calls after one
untimed call. Torch runs ``--threads`` intra-op threads (one by default) and
BLAS as many; ``torch.get_num_threads()``, the load average and the cores
other processes used during the timings (from ``/proc/stat``) are printed.

How to run
----------
From the repository root::

    python benchmarks/bench_inference.py
    python benchmarks/bench_inference.py --repeats 15 --json benchmarks/results/inference.json

A markdown table is printed; ``--json PATH`` also writes every timing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Let a source checkout of skvae be imported without installing it.

import numpy as np  # noqa: E402
import torch  # noqa: E402
from bench_training import OtherLoad, make_synthetic  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


def make_data(n_fit, n_rows, seed=0):
    """Training and held-out float64 rows, each column with its own units."""
    X_fit, X = make_synthetic(n_fit, n_test=n_rows, seed=seed)
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.5, 5.0, X.shape[1])
    offset = rng.uniform(-10.0, 10.0, X.shape[1])
    return (X_fit.astype(np.float64) * scale + offset,
            X.astype(np.float64) * scale + offset)


def with_holes(X, fraction, seed=0):
    """X with ``fraction`` of its entries set to NaN (every row keeps one)."""
    rng = np.random.default_rng(seed)
    holes = rng.random(X.shape) < fraction
    holes[:, 0] &= ~holes.all(axis=1)
    return np.where(holes, np.nan, X)


def fit_model(name, X, epochs, seed):
    from skvae import AutoencoderTransformer, VAETransformer

    model = AutoencoderTransformer if name == "ae" else VAETransformer
    return model(
        n_components=8, hidden_layer_sizes=(128, 64), max_iter=epochs,
        early_stopping=False, random_state=seed, device="cpu",
    ).fit(X)


def rows_per_second(fn, n_rows, repeats):
    """Median rows/s of ``repeats`` timed calls of ``fn()``, after one untimed."""
    fn()
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        rates.append(n_rows / (time.perf_counter() - start))
    return statistics.median(rates), rates


def latency_us(fn, calls):
    """Median microseconds of ``calls`` calls of ``fn()``, after 50 untimed."""
    for _ in range(50):
        fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter_ns()
        fn()
        times.append((time.perf_counter_ns() - start) / 1e3)
    return statistics.median(times), times


def bare_network(model, X, chunk):
    """The fitted module's encoder, and encoder + decoder, on float32 rows.

    Called on ``chunk`` rows at a time: one call on all the rows is slower,
    as its activations no longer fit in the cache.
    """
    module = model.module_
    x = torch.as_tensor(X, dtype=torch.float32)
    variational = hasattr(module, "start_at_ppca")

    def encode():
        with torch.inference_mode():
            return [module.encoder(x[i : i + chunk]) for i in range(0, len(x), chunk)]

    def reconstruct():
        out = []
        with torch.inference_mode():
            for i in range(0, len(x), chunk):
                code = module.encoder(x[i : i + chunk])
                if variational:
                    code = code.chunk(2, dim=-1)[0]
                out.append(module.decoder(code))
        return out

    return encode, reconstruct


def bench_model(name, X_fit, X, args):
    model = fit_model(name, X_fit, args.epochs, args.seed)
    X_nan = with_holes(X, args.nan_fraction, args.seed)
    X_score = X if name == "ae" else X[: args.score_rows]
    encode, reconstruct = bare_network(model, X, args.chunk)
    timings = {
        "transform": (lambda: model.transform(X), len(X)),
        f"transform, {args.nan_fraction:.0%} NaN": (
            lambda: model.transform(X_nan), len(X)),
        "inverse_transform(transform)": (
            lambda: model.inverse_transform(model.transform(X)), len(X)),
        "score_samples": (lambda: model.score_samples(X_score), len(X_score)),
        "bare network: encoder": (encode, len(X)),
        "bare network: encoder + decoder": (reconstruct, len(X)),
    }
    out = {}
    for label, (fn, n_rows) in timings.items():
        with OtherLoad() as load:
            median, runs = rows_per_second(fn, n_rows, args.repeats)
        out[label] = {"rows_per_s": median, "runs": runs, "rows": n_rows,
                      "other_load_cores": load.value}
        print(f"  {name:<4} {label:<34} {median:>12,.0f} rows/s  "
              f"other load {_fmt_load(load.value)}", flush=True)
    row = X[:1]
    with OtherLoad() as load:
        median, runs = latency_us(lambda: model.transform(row), args.latency_calls)
    out["single-row transform"] = {"latency_us": median, "runs": runs,
                                   "other_load_cores": load.value}
    print(f"  {name:<4} {'single-row transform':<34} {median:>12,.1f} us  "
          f"other load {_fmt_load(load.value)}", flush=True)
    return out


def _fmt_load(value):
    return "n/a" if value is None else f"{value:.2f}"


def format_table(results):
    names = list(results)
    labels = {"ae": "AutoencoderTransformer", "vae": "VAETransformer"}
    lines = ["| measure | " + " | ".join(labels[n] for n in names) + " |",
             "|---|" + "---:|" * len(names)]
    for measure in results[names[0]]:
        cells = []
        for n in names:
            entry = results[n][measure]
            cells.append(f"{entry['latency_us']:,.0f} µs" if "latency_us" in entry
                         else f"{entry['rows_per_s']:,.0f} rows/s")
        lines.append(f"| {measure} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="ae,vae", help="comma-separated: ae, vae")
    p.add_argument("--rows", type=int, default=200_000, help="held-out rows timed")
    p.add_argument("--score-rows", type=int, default=20_000,
                   help="rows the VAE's score_samples is timed on")
    p.add_argument("--fit-rows", type=int, default=20_000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--nan-fraction", type=float, default=0.1)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--latency-calls", type=int, default=2000)
    p.add_argument("--chunk", type=int, default=4096,
                   help="rows per call of the bare network")
    p.add_argument("--threads", type=int, default=1, help="torch and BLAS threads")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", metavar="PATH", help="also write the timings here")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    X_fit, X = make_data(args.fit_rows, args.rows, args.seed)
    load_start = os.getloadavg()
    print(f"# skvae inference benchmark: {args.rows:,} x {X.shape[1]} float64 rows, "
          f"torch {torch.__version__}, torch.get_num_threads() = "
          f"{torch.get_num_threads()}, load average {load_start[0]:.2f} "
          f"{load_start[1]:.2f} {load_start[2]:.2f}", flush=True)
    results = {}
    with threadpool_limits(limits=args.threads, user_api="blas"), \
            warnings.catch_warnings():
        # the short fits stop at max_iter on purpose
        warnings.simplefilter("ignore")
        for name in [m.strip() for m in args.models.split(",") if m.strip()]:
            results[name] = bench_model(name, X_fit, X, args)
    load_end = os.getloadavg()
    print(f"\nload average at the end {load_end[0]:.2f} {load_end[1]:.2f} "
          f"{load_end[2]:.2f}\n")
    print(format_table(results))
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({
            "args": vars(args), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "load_start": load_start,
            "load_end": load_end, "results": results}, indent=2) + "\n")
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
