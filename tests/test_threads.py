"""The CPU thread rule: how many torch threads fits and outputs run on."""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_limits

from skvae import AutoencoderTransformer, VAETransformer, _threads
from skvae._threads import MACS_PER_THREAD, cpu_threads, torch_threads

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

CPU = torch.device("cpu")
SMALL = dict(
    n_components=2, hidden_layer_sizes=(8,), max_iter=2, random_state=0, device="cpu"
)


@pytest.fixture
def caller_threads():
    """Set the caller's thread count for the test; restored after."""
    previous = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(previous)


@pytest.fixture
def cores(monkeypatch):
    """Pretend the process may run on this many cores."""

    def set_cores(n):
        monkeypatch.setattr(_threads, "usable_cores", lambda: n)

    return set_cores


def _layer(width=1024):
    """A module whose largest parameter has ``64 * width`` entries."""
    return torch.nn.Linear(64, width)


def _rows_for(n_threads, width=1024):
    """Rows whose work asks for ``n_threads`` threads through ``_layer(width)``."""
    return n_threads * MACS_PER_THREAD // (64 * width)


def test_small_work_runs_on_one_thread(caller_threads, cores):
    caller_threads(4)
    cores(16)
    assert cpu_threads(_layer(), 16, CPU) == 1
    assert cpu_threads(_layer(), _rows_for(2) - 1, CPU) == 1


def test_large_work_runs_on_more_threads(caller_threads, cores):
    caller_threads(8)
    cores(16)
    assert cpu_threads(_layer(), _rows_for(2), CPU) == 2
    assert cpu_threads(_layer(), _rows_for(5), CPU) == 5
    assert cpu_threads(_layer(), _rows_for(100), CPU) == 8


def test_never_more_than_the_callers_threads(caller_threads, cores):
    cores(16)
    for n in (1, 2, 3):
        caller_threads(n)
        assert cpu_threads(_layer(), _rows_for(100), CPU) == n


def test_one_usable_core_is_left_free(caller_threads, cores):
    caller_threads(16)
    cores(4)
    assert cpu_threads(_layer(), _rows_for(100), CPU) == 4 - _threads.SPARE_CORES
    cores(1)
    assert cpu_threads(_layer(), _rows_for(100), CPU) == 1


def test_usable_cores_follow_the_affinity():
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no CPU affinity on this platform")
    assert _threads.usable_cores() == len(os.sched_getaffinity(0))


def test_threadpool_limits_hold(caller_threads, cores):
    caller_threads(4)
    cores(16)
    torch.get_num_threads()  # torch's per-thread setup, before the limit
    with threadpool_limits(limits=1):
        if torch.get_num_threads() != 1:
            pytest.skip("threadpoolctl does not reach torch's thread pool here")
        assert cpu_threads(_layer(), _rows_for(100), CPU) == 1
    assert cpu_threads(_layer(), _rows_for(100), CPU) == 4


def test_omp_num_threads_holds_in_a_worker_process():
    # what a Dask nanny or a joblib (loky) worker sets for its process; the
    # module alone is loaded, to spare the worker the package's imports
    code = (
        "import importlib.util, torch\n"
        f"spec = importlib.util.spec_from_file_location('t', {_threads.__file__!r})\n"
        "threads = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(threads)\n"
        "threads.usable_cores = lambda: 16\n"
        "layer = torch.nn.Linear(64, 1024)\n"
        "rows = 100 * threads.MACS_PER_THREAD // layer.weight.numel()\n"
        "cpu = torch.device('cpu')\n"
        "print(torch.get_num_threads(), threads.cpu_threads(layer, rows, cpu))\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True,
        check=True,
    )
    assert out.stdout.split() == ["1", "1"]


def test_off_the_cpu_nothing_changes():
    assert cpu_threads(_layer(), 10**9, torch.device("meta")) is None
    previous = torch.get_num_threads()
    with torch_threads(None):
        assert torch.get_num_threads() == previous


def test_block_sets_and_restores(caller_threads):
    caller_threads(3)
    with torch_threads(1):
        assert torch.get_num_threads() == 1
        with torch_threads(2):
            assert torch.get_num_threads() == 2
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 3
    with pytest.raises(RuntimeError), torch_threads(1):
        raise RuntimeError
    assert torch.get_num_threads() == 3


@pytest.mark.parametrize("Model", [AutoencoderTransformer, VAETransformer])
def test_fit_and_transform_restore_the_callers_setting(Model, caller_threads):
    X = np.random.default_rng(0).normal(size=(60, 4))
    for n in (1, 3):
        caller_threads(n)
        model = Model(**SMALL).fit(X)
        assert torch.get_num_threads() == n
        model.transform(X)
        model.score_samples(X)
        assert torch.get_num_threads() == n


def test_overlapping_blocks_in_several_threads():
    # each Python thread has its own count: every block sees its own, and
    # every thread gets its own setting back, however the blocks interleave
    n_workers = 4
    barrier = threading.Barrier(n_workers)
    seen, errors = {}, []

    def work(i):
        try:
            own = i + 2
            # torch sets a thread's count up on its first use, from the last
            # count set in any thread: use it before setting one's own
            torch.get_num_threads()
            torch.set_num_threads(own)
            for step in range(3):
                barrier.wait()
                with torch_threads(1 + (i + step) % 2):
                    barrier.wait()  # all blocks open at once
                    inside = torch.get_num_threads()
                    barrier.wait()
                assert inside == 1 + (i + step) % 2
                assert torch.get_num_threads() == own
            seen[i] = torch.get_num_threads()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            barrier.abort()

    previous = torch.get_num_threads()
    workers = [threading.Thread(target=work, args=(i,)) for i in range(n_workers)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    assert seen == {i: i + 2 for i in range(n_workers)}
    assert torch.get_num_threads() == previous


def test_fits_in_several_threads_keep_each_callers_setting():
    X = np.random.default_rng(0).normal(size=(60, 4))
    seen, errors = {}, []

    def work(i):
        try:
            torch.get_num_threads()  # set up, as above
            torch.set_num_threads(i + 1)
            model = AutoencoderTransformer(**SMALL).fit(X)
            model.transform(X)
            seen[i] = torch.get_num_threads()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    previous = torch.get_num_threads()
    workers = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    assert seen == {0: 1, 1: 2, 2: 3}
    assert torch.get_num_threads() == previous


def _new_threads_count():
    """The count a Python thread started now begins with."""
    seen = []
    worker = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    worker.start()
    worker.join()
    return seen[0]


def test_blocks_leave_the_process_setting_alone(caller_threads):
    # torch.set_num_threads would also set the count of threads started
    # later; a block sets the calling thread's OpenMP count only
    caller_threads(3)
    assert _new_threads_count() == 3
    with torch_threads(1):
        assert torch.get_num_threads() == 1
        assert _new_threads_count() == 3
    assert _new_threads_count() == 3


@pytest.mark.parametrize("Model", [AutoencoderTransformer, VAETransformer])
def test_fits_leave_the_process_setting_alone(Model, caller_threads, cores):
    caller_threads(3)
    cores(2)  # the rule asks for one thread
    X = np.random.default_rng(0).normal(size=(60, 4))
    seen = []

    def fit_and_look(*args):
        seen.append(_new_threads_count())
        return original(*args)

    original = torch.nn.Module.train
    model = Model(**SMALL)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.nn.Module, "train", fit_and_look)
        model.fit(X)
    assert seen and set(seen) == {3}
    assert _new_threads_count() == 3
