"""Fit and inference on a million rows, on a GPU and on the CPU beside it.

What it measures
----------------
``AutoencoderTransformer`` and ``VAETransformer`` (``n_components=8``,
``hidden_layer_sizes=(128, 64)``: the 64-128-64-8 network) on 1,000,000 x
64 float32 rows (``--rows``; 8 latent factors through a fixed tanh map
plus noise) with 200,000 held-out rows from the same generator:

* fit: ``--epochs`` epochs (``max_iter``, no early stopping, ``tol=0``) at
  batch 256 and 4,096; wall time of ``fit`` (data transfer, PCA start and
  every epoch included), seconds per epoch, and the held-out score after
  it (``score``: minus the mean squared error per entry for the
  autoencoder, the mean log-likelihood per row for the VAE);
* inference on the million training rows: ``transform``,
  ``inverse_transform(transform(X))`` and ``score_samples`` (on the first
  100,000 rows), rows per second (one warm-up call, then the median of ``--repeats`` calls).

Each device (``--devices``) runs the same fits; on the CPU torch keeps its
default thread count, reported with the results.

How to run
----------
On a machine with a CUDA device, from the repository root::

    python benchmarks/bench_gpu.py                       # cuda and cpu
    python benchmarks/bench_gpu.py --devices cuda --rows 2000000

A markdown table is printed; raw figures go to ``--output`` (default
``benchmarks/results/gpu.json``).
"""

import argparse
import json
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning

from skvae import AutoencoderTransformer, VAETransformer


def make_data(n_rows, seed=0):
    rng = np.random.RandomState(0)
    mixing = rng.normal(size=(8, 64)) / np.sqrt(8)
    rows = np.random.RandomState(seed)
    X = np.tanh(rows.normal(size=(n_rows, 8)) @ mixing)
    return (X + 0.1 * rows.normal(size=X.shape)).astype(np.float32)


def timed(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(Model, device, batch_size, X, X_test, epochs, repeats):
    model = Model(n_components=8, hidden_layer_sizes=(128, 64), batch_size=batch_size,
                  max_iter=epochs, early_stopping=False, tol=0.0, random_state=0,
                  device=device)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    if device == "cuda":
        torch.cuda.synchronize()
    fit_s = time.perf_counter() - start
    n = X.shape[0]
    return {
        "model": Model.__name__, "device": device, "batch_size": batch_size,
        "epochs": epochs, "fit_s": fit_s, "s_per_epoch": fit_s / epochs,
        "held_out_score": float(model.score(X_test)),
        "transform_rows_s": n / timed(lambda: model.transform(X), repeats),
        "roundtrip_rows_s": n / timed(
            lambda: model.inverse_transform(model.transform(X)), repeats),
        # the VAE's score averages 50 importance samples: 100,000 rows suffice
        "score_rows_s": min(n, 100_000) / timed(
            lambda: model.score_samples(X[:100_000]), repeats),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", default="cuda,cpu")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", default="benchmarks/results/gpu.json")
    args = parser.parse_args()
    X, X_test = make_data(args.rows), make_data(200_000, seed=1)
    if torch.cuda.is_available():
        print("device:", torch.cuda.get_device_name(), "torch", torch.__version__)
    print("cpu threads:", torch.get_num_threads())
    results = []
    for device in args.devices.split(","):
        for Model in (AutoencoderTransformer, VAETransformer):
            for batch_size in (256, 4096):
                results.append(run(Model, device, batch_size, X, X_test,
                                   args.epochs, args.repeats))
                print(json.dumps(results[-1]), flush=True)
    print(f"\n| model | device | batch | fit s ({args.epochs} epochs) | s / epoch | "
          "held-out score | transform rows/s | inverse(transform) rows/s | "
          "score_samples rows/s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['model']} | {r['device']} | {r['batch_size']} | {r['fit_s']:.1f} | "
              f"{r['s_per_epoch']:.2f} | {r['held_out_score']:.4f} | "
              f"{r['transform_rows_s']:,.0f} | {r['roundtrip_rows_s']:,.0f} | "
              f"{r['score_rows_s']:,.0f} |")
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
