"""Scaling out with Dask: training beyond memory, and searches on a cluster.

What it measures
----------------
``stream``: an ``AutoencoderTransformer(n_components=8,
hidden_layer_sizes=(128, 64))`` fitted with :func:`skvae.fit_chunks` (one
epoch) on a lazy Dask array of N rows x 64 columns (8 latent factors
through a fixed tanh map plus noise, 1% of the entries missing), generated
block by block, 100,000 rows per block, never held whole. Each N runs in a
fresh process, which reports the fit's wall time and its peak resident
memory (``ru_maxrss``), next to the size the data would have in memory.
Peak memory that does not grow with N is the claim checked.

``search``: ``GridSearchCV`` over 8 candidates x 3 folds (24 fits of a
``VAETransformer`` on 4,000 x 16 rows) run under joblib's Dask backend on
a ``distributed.LocalCluster`` of 1 and of 2 single-threaded worker
processes, and locally with ``n_jobs=1``: wall time and fits per second.

How to run
----------
From the repository root, with ``pip install -e ".[dask]"``::

    python benchmarks/bench_scale.py                           # both parts
    python benchmarks/bench_scale.py --part stream --rows 1e6,3e6,1e7
    python benchmarks/bench_scale.py --part search

A markdown table per part is printed; raw figures go to ``--output``
(default ``benchmarks/results/scale.json``).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

N_FEATURES = 64
CHUNK_ROWS = 100_000


def lazy_table(n_rows, seed=0):
    """N x 64 rows from 8 latent factors, 1% missing: a lazy Dask array."""
    import dask.array as da

    rng = np.random.RandomState(seed)
    mixing = rng.normal(size=(8, N_FEATURES)) / np.sqrt(8)
    offsets = rng.normal(size=N_FEATURES) * 3

    def block(block_id=None):
        start = block_id[0] * CHUNK_ROWS
        n = min(CHUNK_ROWS, n_rows - start)
        local = np.random.RandomState([seed, block_id[0]])
        X = np.tanh(local.normal(size=(n, 8)) @ mixing) + offsets
        X += 0.1 * local.normal(size=X.shape)
        X[local.uniform(size=X.shape) < 0.01] = np.nan
        return X

    chunks = [CHUNK_ROWS] * (n_rows // CHUNK_ROWS)
    if n_rows % CHUNK_ROWS:
        chunks.append(n_rows % CHUNK_ROWS)
    return da.map_blocks(block, chunks=(tuple(chunks), (N_FEATURES,)), dtype=np.float64)


def stream_one(n_rows, threads):
    """Fit on a stream of ``n_rows`` rows in this process; a dict of figures."""
    import dask
    import torch

    from skvae import AutoencoderTransformer, fit_chunks

    torch.set_num_threads(threads)
    X = lazy_table(n_rows)
    model = AutoencoderTransformer(
        n_components=8, hidden_layer_sizes=(128, 64), random_state=0, device="cpu"
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    with dask.config.set(scheduler="synchronous"):
        fit_chunks(model, X)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    held_out = lazy_table(20_000).compute()  # the same generator's first rows
    return {
        "rows": n_rows,
        "fit_s": seconds,
        "rows_per_s": n_rows / seconds,
        "peak_rss_mb": peak,
        "rss_before_fit_mb": before,
        "data_gb": n_rows * N_FEATURES * 8 / 1e9,
        "score": float(model.score(held_out)),
        "threads": torch.get_num_threads(),
    }


def run_stream(rows, threads):
    results = []
    for n in rows:
        out = subprocess.run(
            [sys.executable, __file__, "--stream-one", str(n), "--threads", str(threads)],
            check=True, capture_output=True, text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  {n:>12,} rows: {results[-1]['fit_s']:.1f} s, "
              f"peak {results[-1]['peak_rss_mb']:.0f} MB", flush=True)
    print("\n| rows | data in memory (GB) | fit s | rows/s | peak RSS (MB) | "
          "RSS before fit (MB) | held-out score |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['rows']:,} | {r['data_gb']:.2f} | {r['fit_s']:.1f} | "
              f"{r['rows_per_s']:,.0f} | {r['peak_rss_mb']:.0f} | "
              f"{r['rss_before_fit_mb']:.0f} | {r['score']:.4f} |")
    return results


def _search(n_jobs):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV

    from skvae import VAETransformer

    rng = np.random.RandomState(0)
    X = np.tanh(rng.normal(size=(4000, 4)) @ rng.normal(size=(4, 16)))
    X += 0.1 * rng.normal(size=X.shape)
    grid = {"n_components": [2, 4], "alpha": [1e-4, 1e-2], "hidden_layer_sizes": [(32,), (64, 32)]}
    model = VAETransformer(max_iter=20, early_stopping=False, random_state=0, device="cpu")
    search = GridSearchCV(model, grid, cv=3, n_jobs=n_jobs, refit=False)
    start = time.perf_counter()
    with warnings.catch_warnings():  # 20 epochs do not converge, by design
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X)
    return time.perf_counter() - start, search.cv_results_["mean_test_score"]


def run_search():
    import joblib
    from distributed import Client, LocalCluster

    seconds, local_scores = _search(n_jobs=1)
    results = [{"setting": "local, n_jobs=1", "s": seconds, "same_scores": True}]
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster):
            with joblib.parallel_config(backend="dask"):
                _search(n_jobs=-1)  # warm the workers: imports, first optimiser
                seconds, scores = _search(n_jobs=-1)
        results.append({"setting": f"Dask, {workers} worker(s) x 1 thread", "s": seconds,
                        "same_scores": bool(np.allclose(scores, local_scores, rtol=1e-6))})
    print("\n| setting | wall s | fits/s | scores equal to local |")
    print("|---|---:|---:|---|")
    for r in results:
        r["fits_per_s"] = 24 / r["s"]
        print(f"| {r['setting']} | {r['s']:.1f} | {r['fits_per_s']:.2f} | {r['same_scores']} |")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", default="stream,search")
    parser.add_argument("--rows", default="1e6,3e6,1e7",
                        help="rows of each stream, comma-separated")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (stream)")
    parser.add_argument("--output", default="benchmarks/results/scale.json")
    parser.add_argument("--stream-one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream_one:
        print(json.dumps(stream_one(args.stream_one, args.threads)))
        return
    print(f"cores: {len(os.sched_getaffinity(0))}, load: {os.getloadavg()}")
    results = {}
    if "stream" in args.part:
        rows = [int(float(r)) for r in args.rows.split(",")]
        results["stream"] = run_stream(rows, args.threads)
    if "search" in args.part:
        results["search"] = run_search()
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
