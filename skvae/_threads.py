"""How many torch threads a CPU operation runs on, and running a block on them.

The whole rule is :func:`cpu_threads`; :func:`torch_threads` applies it to a
block and gives the caller its own setting back afterwards. The numbers
behind the constants come from ``benchmarks/bench_threads.py`` (see
benchmarks/pages/threads.md).
"""

import contextlib
import os

import torch

# One thread per this many multiply-adds of the largest layer over the rows
# of an operation (a training batch, or an inference chunk): 4.2 M, the
# smallest share per thread at which a second thread clearly gained on idle
# cores (benchmarks/pages/threads.md has the measurements).
MACS_PER_THREAD = 2**22

# Cores left to other processes: the rule never takes every usable core.
# An operation waits for its slowest thread, and a thread that shares its
# core with another busy process runs at half speed and waits to be
# scheduled, at every operation: with another process busy, two threads
# were slower than one at every size measured (the same page).
SPARE_CORES = 1


def usable_cores():
    """Number of cores this process may run on (its CPU affinity).

    Returns
    -------
    n_cores : int
        The cores of ``os.sched_getaffinity(0)`` where the platform has it,
        else ``os.cpu_count()``.
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cpu_threads(module, n_rows, device):
    """Intra-op threads for ``n_rows`` rows at a time through ``module``.

    One thread per ``MACS_PER_THREAD`` multiply-adds of the largest layer
    over ``n_rows`` rows, at least one, and at most:

    * the caller's ``torch.get_num_threads()``, which follows
      ``torch.set_num_threads``, ``OMP_NUM_THREADS`` and
      :func:`threadpoolctl.threadpool_limits`;
    * the usable cores (the process's CPU affinity) less ``SPARE_CORES``.

    The count depends on nothing else (not on other threads or processes),
    so that a fit with an integer ``random_state`` gives the same result
    at every run on a machine: results can differ in the last bits between
    one thread and several.

    Parameters
    ----------
    module : torch.nn.Module
        The network the rows go through.
    n_rows : int
        Rows per operation: the batch size when training, the chunk size at
        inference.
    device : torch.device
        Where the module runs.

    Returns
    -------
    n_threads : int or None
        The thread count, or None off the CPU (nothing to change).
    """
    if device.type != "cpu":
        return None
    largest = max((p.numel() for p in module.parameters()), default=0)
    wanted = n_rows * largest // MACS_PER_THREAD
    cores = usable_cores() - SPARE_CORES
    return max(1, min(wanted, cores, torch.get_num_threads()))


def _openmp_runtimes():
    """threadpoolctl's controllers of the OpenMP runtimes loaded with torch.

    Looked up once: torch loads its runtime when it is imported, before
    skvae runs anything.
    """
    global _OPENMP
    if _OPENMP is None:
        from threadpoolctl import ThreadpoolController

        _OPENMP = ThreadpoolController().select(user_api="openmp").lib_controllers
    return _OPENMP


_OPENMP = None


@contextlib.contextmanager
def torch_threads(n_threads):
    """Run the block with ``n_threads`` intra-op threads, then restore.

    The count is set as the OpenMP runtime's setting of the calling thread
    (``omp_set_num_threads``, through :mod:`threadpoolctl`), which torch's
    CPU operations follow, and restored after the block. Nothing of the
    process changes: not ``torch.set_num_threads``, which also sets the
    count that threads started later begin with and resizes the pool, nor
    another thread's setting. Blocks can nest, and blocks of several Python
    threads can overlap. Where torch runs on no OpenMP runtime that
    threadpoolctl finds, the block runs on the caller's setting.

    Parameters
    ----------
    n_threads : int or None
        Intra-op threads for the block, as :func:`cpu_threads` gives them;
        None keeps the current setting (off the CPU).
    """
    # torch sets up a thread's count on its first query there; ask first so
    # that this setup cannot overwrite the block's count later
    previous = torch.get_num_threads()
    runtimes = _openmp_runtimes() if n_threads is not None else ()
    if n_threads == previous or not runtimes:
        yield
        return
    for runtime in runtimes:
        runtime.set_num_threads(n_threads)
    try:
        yield
    finally:
        for runtime in runtimes:
            runtime.set_num_threads(previous)
