"""Training and inference speed on the CPU against the number of torch threads.

What it measures
----------------
An ``AutoencoderTransformer(n_components=8, hidden_layer_sizes=(128, 64))``
(network 64-128-64-8-64-128-64, ``device="cpu"``, ``init="random"``, no
early stopping) on synthetic standardised data (8 latent factors through a
fixed random tanh network plus noise), for the thread counts 1, 2, 4, ...,
the usable cores less one, and the usable cores (the process's CPU
affinity), and for the thread count skvae's own rule picks:

* seconds per training epoch on ``--rows`` rows (default 50,000) at batch
  sizes 256, 1024 and 4096 (``--batch-sizes``): the time of a warm-started
  ``fit`` of ``--epochs`` epochs (default 1) divided by that number; one
  model per batch size is built first by an untimed one-epoch ``fit``;
* inference rows/s of ``transform`` on ``--infer-rows`` rows (default
  200,000), in skvae's chunks of 4,096 rows;
* "other load": the average number of cores that other processes (not this
  one, not its busy loops) used while the row's cells ran, from
  ``/proc/stat``. Near 0 on a quiet machine; a large value means the row
  was disturbed.

Every cell is the median of ``--repeats`` (default 3) timings, taken in
interleaved rounds (every row once, then again) so that drift in the
machine's load spreads over all rows.

A thread count ``t`` is forced by the caller's ``torch.set_num_threads(t)``
with the rule's work threshold set to one multiply-add per thread and no
spare core, so that every operation runs on ``t`` threads whatever its
size. The row "rule" leaves the rule as it is, with the caller at torch's
default thread count as the process started; its cells give, in brackets,
the thread count the rule picked for the training batches and for the
inference chunks. ``--macs-per-thread`` adds rows for other thresholds.

``--contend N`` runs N busy-loop processes (``while True: pass``), each
pinned to one of the last N usable cores, while each row's cells are timed,
and kills them after: what happens when other processes hold cores.
``--wait-idle SECONDS`` first waits (up to SECONDS) before each row for
other processes to use less than 0.3 cores.

How to run
----------
From the repository root::

    python benchmarks/bench_threads.py                 # quiet machine
    python benchmarks/bench_threads.py --contend 1     # one core held
    python benchmarks/bench_threads.py --contend 1 --wait-idle 60 \\
        --json benchmarks/results/threads_contend1.json

Prints a markdown table; ``--json PATH`` writes the raw timings too. It
took 17 s (``--contend 0``) and 24 s (``--contend 1``) on 2 cores, without
``--wait-idle``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Let a source checkout of skvae be imported without installing it.

import numpy as np  # noqa: E402
import torch  # noqa: E402
from _load import OtherLoad, wait_for_idle  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import skvae  # noqa: E402
import skvae._fitting  # noqa: E402
import skvae._inference  # noqa: E402
from skvae import _threads  # noqa: E402
from skvae._utils import INFERENCE_CHUNK  # noqa: E402

# torch's thread count as the process started: what a user gets
DEFAULT_THREADS = torch.get_num_threads()


def loadavg():
    """The contents of ``/proc/loadavg``, or None where there is none."""
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return None


def make_data(n_rows, n_features=64, n_factors=8, seed=0):
    """Standardised float32 rows from a fixed random tanh network."""
    rng = np.random.default_rng(seed)
    w1 = rng.normal(size=(n_factors, 32))
    w2 = rng.normal(size=(32, n_features)) / np.sqrt(32)
    z = rng.normal(size=(n_rows, n_factors))
    X = np.tanh(z @ w1) @ w2 + 0.1 * rng.normal(size=(n_rows, n_features))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X.astype(np.float32)


def thread_counts(cores):
    """1, 2, 4, ... below ``cores``, ``cores - 1`` and ``cores``."""
    counts, t = [], 1
    while t < cores:
        counts.append(t)
        t *= 2
    return sorted({*counts, max(1, cores - 1), cores})


@contextlib.contextmanager
def caller_threads(n_threads, macs_per_thread):
    """The caller's ``torch.set_num_threads(n_threads)``, the rule's threshold set.

    ``macs_per_thread=None`` forces ``n_threads`` on every operation: no
    threshold, no spare core.
    """
    previous = torch.get_num_threads(), _threads.MACS_PER_THREAD, _threads.SPARE_CORES
    torch.set_num_threads(n_threads)
    if macs_per_thread is None:
        _threads.MACS_PER_THREAD, _threads.SPARE_CORES = 1, 0
    else:
        _threads.MACS_PER_THREAD = macs_per_thread
    try:
        yield
    finally:
        _threads.MACS_PER_THREAD, _threads.SPARE_CORES = previous[1:]
        torch.set_num_threads(previous[0])


@contextlib.contextmanager
def busy_loops(n):
    """``n`` busy-loop processes, each pinned to one of the last ``n`` cores.

    Yields their process ids.
    """
    pin = hasattr(os, "sched_setaffinity")
    cores = sorted(os.sched_getaffinity(0)) if pin else []
    procs = []
    try:
        for i in range(n):
            core = {cores[-1 - i % len(cores)]} if pin else None
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", "while True: pass"],
                    preexec_fn=(lambda core=core: os.sched_setaffinity(0, core))
                    if pin
                    else None,
                )
            )
        if n:
            time.sleep(0.2)  # let them start
        yield [proc.pid for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


def model(batch_size, epochs, hidden=(128, 64), seed=0):
    return skvae.AutoencoderTransformer(
        n_components=8, hidden_layer_sizes=hidden, batch_size=batch_size,
        max_iter=epochs, early_stopping=False, init="random", device="cpu",
        random_state=seed,
    )


def build(X, batch_sizes, hidden):
    """One model per batch size, fitted one epoch (untimed), warm-started after."""
    models = {}
    for batch in batch_sizes:
        models[batch] = model(batch, 1, hidden).fit(X)
        models[batch].set_params(warm_start=True)
    return models


def time_epochs(est, X, epochs):
    """Seconds per epoch of one warm-started fit of ``epochs`` epochs."""
    est.set_params(max_iter=epochs)
    start = time.perf_counter()
    est.fit(X)
    return (time.perf_counter() - start) / epochs


def time_transform(est, X):
    """Rows/s of one ``transform`` of X."""
    start = time.perf_counter()
    est.transform(X)
    return X.shape[0] / (time.perf_counter() - start)


@contextlib.contextmanager
def recording_threads():
    """Record the thread counts the rule gives inside the block, in order."""
    counts = []

    def recorded(module, n_rows, device):
        n = _threads.cpu_threads(module, n_rows, device)
        counts.append(n)
        return n

    users = [m for m in (skvae._fitting, skvae._inference) if hasattr(m, "cpu_threads")]
    for user in users:
        user.cpu_threads = recorded
    try:
        yield counts
    finally:
        for user in users:
            user.cpu_threads = _threads.cpu_threads


def measure_once(models, X, X_infer, args, n_threads, macs_per_thread):
    """Times of every cell for one setting, and the threads the rule gave."""
    times, picked = {}, {}
    with caller_threads(n_threads, macs_per_thread):
        models["transform"].transform(X_infer[:INFERENCE_CHUNK])  # wakes the pool
        for batch in args.batch_sizes:
            with recording_threads() as counts:
                times[batch] = time_epochs(models[batch], X, args.epochs)
            picked[batch] = counts[0]  # training comes first in a fit
        with recording_threads() as counts:
            times["transform"] = time_transform(models["transform"], X_infer)
        picked["transform"] = max(counts)
    return times, picked


def measure(X, X_infer, args, counts):
    """Every row, repetitions interleaved: rows of medians and raw times."""
    models = build(X, args.batch_sizes, args.hidden)
    models["transform"] = model(1024, 1, args.hidden).fit(X[:4096])
    settings = [(str(n), n, None) for n in counts]
    for macs in args.macs_per_thread or [_threads.MACS_PER_THREAD]:
        label = "rule" if macs == _threads.MACS_PER_THREAD else f"rule at {macs:.3g}"
        settings.append((label, DEFAULT_THREADS, macs))
    raw = {i: [] for i in range(len(settings))}
    picked = {}
    for _ in range(args.repeats):
        for i, (_, n, macs) in enumerate(settings):
            if args.wait_idle:
                wait_for_idle(args.wait_idle)
            with busy_loops(args.contend) as pids, OtherLoad(pids) as load:
                times, picked[i] = measure_once(models, X, X_infer, args, n, macs)
            times["other_load"] = load.value
            raw[i].append(times)
    rows = []
    for i, (label, n, macs) in enumerate(settings):
        cells = raw[i]
        loads = [c["other_load"] for c in cells if c["other_load"] is not None]
        rows.append(
            {
                "threads": label,
                "caller_threads": n,
                "macs_per_thread": macs,
                "epoch_s": {
                    b: statistics.median(c[b] for c in cells) for b in args.batch_sizes
                },
                "transform_rows_s": statistics.median(c["transform"] for c in cells),
                "epoch_threads": {b: picked[i][b] for b in args.batch_sizes},
                "transform_threads": picked[i]["transform"],
                "other_load": statistics.median(loads) if loads else None,
                "raw": cells,
            }
        )
    return rows


def markdown(rows, batch_sizes):
    """The rows as a markdown table."""
    head = ["threads"] + [f"epoch s, batch {b}" for b in batch_sizes]
    head += ["transform rows/s", "other load"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        rule = row["threads"].startswith("rule")
        cells = [row["threads"]]
        for b in batch_sizes:
            cell = f"{row['epoch_s'][b]:.3f}"
            cells.append(f"{cell} ({row['epoch_threads'][b]})" if rule else cell)
        cell = f"{row['transform_rows_s'] / 1e3:,.0f} k"
        cells.append(f"{cell} ({row['transform_threads']})" if rule else cell)
        load = row["other_load"]
        cells.append("n/a" if load is None else f"{load:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def int_list(text):
    """``"1,2,4"`` -> ``[1, 2, 4]``; ``"1e6"`` is accepted."""
    return [int(float(v)) for v in text.split(",")]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=50_000, help="training rows")
    parser.add_argument(
        "--infer-rows", type=int, default=200_000, help="rows to transform"
    )
    parser.add_argument(
        "--batch-sizes", type=int_list, default=[256, 1024, 4096],
        help="comma-separated batch sizes (default 256,1024,4096)",
    )
    parser.add_argument(
        "--hidden", type=lambda s: tuple(int_list(s)), default=(128, 64),
        help="hidden layer sizes (default 128,64)",
    )
    parser.add_argument("--epochs", type=int, default=1, help="epochs per timed fit")
    parser.add_argument("--repeats", type=int, default=3, help="timings per cell")
    parser.add_argument(
        "--threads", type=int_list, default=None,
        help="comma-separated thread counts (default 1, 2, 4, ..., cores - 1, cores)",
    )
    parser.add_argument(
        "--contend", type=int, default=0, metavar="N",
        help="busy-loop processes to run while timing (default 0)",
    )
    parser.add_argument(
        "--wait-idle", type=float, default=0, metavar="SECONDS",
        help="before each row, wait up to SECONDS for other load < 0.3 cores",
    )
    parser.add_argument(
        "--macs-per-thread", type=int_list, default=None,
        help="comma-separated thresholds of the rule to try (default: skvae's)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write raw results here")
    args = parser.parse_args(argv)
    # a SIGTERM (from ``timeout``, say) still ends the busy loops
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    cores = _threads.usable_cores()
    counts = args.threads or thread_counts(cores)
    X = make_data(args.rows)
    X_infer = make_data(args.infer_rows, seed=1)
    started = time.perf_counter()
    loadavg_before = loadavg()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        rows = measure(X, X_infer, args, counts)
    elapsed = time.perf_counter() - started

    print(
        f"\nhidden layers {args.hidden}, {args.rows:,} training rows, "
        f"{args.infer_rows:,} rows to transform; {cores} usable cores, torch's "
        f"default {DEFAULT_THREADS} threads; {args.contend} busy-loop process(es); "
        f"torch {torch.__version__}; {elapsed:.0f} s in all; "
        f"/proc/loadavg before: {loadavg_before}, after: {loadavg()}\n"
    )
    print(markdown(rows, args.batch_sizes))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        result = {
            "settings": {
                k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
            },
            "usable_cores": cores,
            "default_threads": DEFAULT_THREADS,
            "macs_per_thread": _threads.MACS_PER_THREAD,
            "spare_cores": _threads.SPARE_CORES,
            "torch": torch.__version__,
            "machine": platform.platform(),
            "processor": platform.processor(),
            "loadavg_before": loadavg_before,
            "loadavg_after": loadavg(),
            "seconds": elapsed,
            "rows": rows,
        }
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
