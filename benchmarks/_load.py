"""How busy the machine is: the load other processes put on it during a timing.

Timings on a shared machine are only as good as its quiet: the benchmarks
report, next to each timing, the average number of cores that *other*
processes used meanwhile (``OtherLoad``), read from ``/proc/stat``, and can
wait for a quiet moment first (``wait_for_idle``).
"""

import os
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def busy_cpu_seconds():
    """CPU seconds the whole machine spent busy (``/proc/stat``), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle, iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def process_cpu_seconds(pids=()):
    """CPU seconds spent by this process and the processes ``pids``."""
    times = os.times()
    total = times.user + times.system
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        except (OSError, ValueError, IndexError):
            pass
    return total


class OtherLoad:
    """Average number of cores used by *other* processes during a block.

    Other than this process and the processes ``pids`` (a benchmark's own
    busy loops, say). On a quiet machine it stays near 0; ``value`` is None
    where ``/proc/stat`` is not available.
    """

    def __init__(self, pids=()):
        self.pids = pids
        self.value = None

    def __enter__(self):
        self._start = time.perf_counter()
        self._busy = busy_cpu_seconds()
        self._ours = process_cpu_seconds(self.pids)
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self._start
        busy = busy_cpu_seconds()
        if busy is not None and self._busy is not None and wall > 0:
            ours = process_cpu_seconds(self.pids) - self._ours
            self.value = max(0.0, (busy - self._busy - ours) / wall)


def wait_for_idle(max_wait, threshold=0.3):
    """Sleep (up to ``max_wait`` s) until other processes use < threshold cores."""
    deadline = time.perf_counter() + max_wait
    while True:
        with OtherLoad() as load:
            time.sleep(1.0)
        if load.value is None or load.value < threshold:
            return
        if time.perf_counter() >= deadline:
            return
