"""Processes and cores for any callable: the ``--jobs`` defaults, keeping a run to N cores, worker pools (each
worker pinned to a core of its own when the pool fills the run's cores), and a Dask map. Knows no task.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from ..errors import DependencyError, UsageError

log = logging.getLogger("vidverify")

T = TypeVar("T")
R = TypeVar("R")

MAX_DEFAULT_JOBS = 8  # files worked on at once by default (scan, index add, check): at most this many
MAX_DECODER_JOBS = 4  # decoder processes for one file by default (hash, compare, search)
DASK_CONNECT_TIMEOUT_S = 10  # waiting longer for a scheduler that does not answer helps no one
MEMORY_ENV = "VIDVERIFY_WORKER_MEMORY"  # MiB of address space per worker process (0: no limit)
DEFAULT_WORKER_MEMORY_MB = 2048  # a worker hashing any file within the readers' caps stays under 600 MiB


def worker_memory_mb() -> int | None:
    """The memory budget of one worker process in MiB (``$VIDVERIFY_WORKER_MEMORY``; 0 turns it off): its address
    space is limited to it (RLIMIT_AS, inherited by the ffmpeg processes it starts), so a file that would need more
    fails alone with an error entry while the batch goes on."""
    env = os.environ.get(MEMORY_ENV)
    if env is None or not env.strip():
        return DEFAULT_WORKER_MEMORY_MB
    try:
        mb = int(env)
    except ValueError:
        raise UsageError(f"{MEMORY_ENV} must be a whole number of MiB (0: no limit), not {env!r}") from None
    if mb < 0:
        raise UsageError(f"{MEMORY_ENV} must be a whole number of MiB (0: no limit), not {env!r}")
    return mb or None


def cpu_count() -> int:
    """The machine's CPU count (1 when unknown)."""
    return os.cpu_count() or 1


def _jobs(jobs: int | None, cap: int) -> int:
    if jobs is None:
        return min(cpu_count(), cap)
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    return jobs


def default_jobs(jobs: int | None = None) -> int:
    """``--jobs`` for the commands that work on many files at once: the CPU count, at most MAX_DEFAULT_JOBS, when
    not given; a given value must be at least 1 (``UsageError``)."""
    return _jobs(jobs, MAX_DEFAULT_JOBS)


def decoder_jobs(jobs: int | None = None) -> int:
    """Decoder processes for one file: the CPU count, at most MAX_DECODER_JOBS, when not given (at least 1)."""
    return _jobs(jobs, MAX_DECODER_JOBS)


# ---------------------------------------------------------------------------------------------- cores


def limit_cores(jobs: int) -> None:
    """With fewer jobs than cores, keep this process (and so its workers and their ffmpeg processes, which
    inherit it) to ``jobs`` cores, so that ``--jobs 1`` leaves the other cores free. Without it one job takes about
    1.2 cores: its ffmpeg decodes while Python hashes the frames before. Which cores depends on the process id,
    so that two such runs at once seldom share one. Where affinity cannot be set, the run is not pinned."""
    getter, setter = getattr(os, "sched_getaffinity", None), getattr(os, "sched_setaffinity", None)
    if getter is None or setter is None:
        return
    allowed = sorted(getter(0))
    if jobs >= len(allowed):
        return
    first = os.getpid() % len(allowed)
    try:
        setter(0, {allowed[(first + k) % len(allowed)] for k in range(jobs)})
    except OSError as exc:  # a container that forbids it: run unpinned
        log.debug("cannot set CPU affinity: %s", exc)


@contextmanager
def cores_restored() -> Iterator[None]:
    """Give the caller back the cores it had, whatever ``limit_cores`` did inside (an in-process run must not
    leave a script or a test session on one core)."""
    getter, setter = getattr(os, "sched_getaffinity", None), getattr(os, "sched_setaffinity", None)
    cores = getter(0) if getter is not None else None
    try:
        yield
    finally:
        if cores is not None and setter is not None and getter is not None and getter(0) != cores:
            try:
                setter(0, cores)
            except OSError:  # the cores were taken away meanwhile: keep what is left
                pass


# ---------------------------------------------------------------------------------------------- pools


def can_fork() -> bool:
    """Whether worker processes can be forked: no other thread runs here (forking a process with threads, a
    progress bar's, can deadlock) and the platform forks."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def pool(jobs: int) -> Executor:
    """Worker processes: forked when ``can_fork`` (nothing to re-import, so a newsroom script without an
    ``if __name__ == "__main__"`` guard works too), from a fork server otherwise."""
    ctx = multiprocessing.get_context("fork" if can_fork() else "forkserver")
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    budget = worker_memory_mb()
    if len(cores) != jobs:
        return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                   initargs=(None, cores, budget))
    # as many workers as this process has cores (the CLI keeps a run to --jobs cores): one core each, so a file's
    # ffmpeg threads and its hashing stay on one core instead of waking each other across cores (half the
    # system time of a scan); a slowed worker just takes fewer files from the queue
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                               initargs=(ctx.Value("i", 0), cores, budget))


def _init_worker(counter: Any, cores: list[int], budget_mb: int | None) -> None:
    if budget_mb is not None:
        limit_memory(budget_mb)
    if counter is not None:
        _pin_worker(counter, cores)


def limit_memory(budget_mb: int) -> None:
    """Limit this process's address space to ``budget_mb`` MiB (never above a hard limit already set)."""
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = budget_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (want if hard == resource.RLIM_INFINITY else min(want, hard), hard))
    except (ImportError, ValueError, OSError) as exc:  # no rlimits here (Windows): the budget is not enforced
        log.debug("cannot limit worker memory: %s", exc)


def _pin_worker(counter: Any, cores: list[int]) -> None:
    with counter.get_lock():
        k = counter.value
        counter.value += 1
    try:
        os.sched_setaffinity(0, {cores[k % len(cores)]})
    except OSError:  # not allowed here: the worker runs unpinned
        pass


def dask_map(address: str, fn: Callable[..., R], items: Sequence[T], **kwargs: Any) -> Iterable[R]:
    """``fn(item, **kwargs)`` for every item on the Dask scheduler at ``address``, in completion order."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:
        raise DependencyError("--dask needs the dask extra: pip install 'vidverify[dask]'") from exc
    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise DependencyError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    with client:
        futures = client.map(fn, list(items), pure=False, **kwargs)
        for fut in dask_completed(futures):  # type: ignore[no-untyped-call]
            yield fut.result()


__all__ = [
    "DEFAULT_WORKER_MEMORY_MB",
    "MAX_DECODER_JOBS",
    "MAX_DEFAULT_JOBS",
    "MEMORY_ENV",
    "can_fork",
    "cores_restored",
    "cpu_count",
    "dask_map",
    "decoder_jobs",
    "default_jobs",
    "limit_cores",
    "limit_memory",
    "pool",
    "worker_memory_mb",
]
