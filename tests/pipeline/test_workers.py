"""pipeline/workers.py: the ``--jobs`` defaults, keeping a run to N cores and giving them back, and pools whose
workers each get a core of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vidverify.cli import main as cli
from vidverify.errors import UsageError
from vidverify.pipeline import workers

AFFINITY = hasattr(os, "sched_getaffinity") and hasattr(os, "sched_setaffinity")
TWO_CORES = pytest.mark.skipif(not AFFINITY or len(os.sched_getaffinity(0)) < 2, reason="needs two usable cores")


def test_jobs_defaults_follow_the_cpu_count_up_to_a_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "cpu_count", lambda: 16)
    assert workers.default_jobs() == workers.default_jobs(None) == workers.MAX_DEFAULT_JOBS == 8
    assert workers.decoder_jobs() == workers.decoder_jobs(None) == workers.MAX_DECODER_JOBS == 4
    monkeypatch.setattr(workers, "cpu_count", lambda: 2)
    assert workers.default_jobs(None) == 2 and workers.decoder_jobs(None) == 2  # CPU-bound: one per core
    # a value given is kept, above the caps too
    assert workers.default_jobs(1) == 1 and workers.default_jobs(12) == 12 and workers.decoder_jobs(6) == 6


def test_cpu_count_is_one_when_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert workers.cpu_count() == 1 and workers.default_jobs() == 1 and workers.decoder_jobs() == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert workers.cpu_count() == 3 and workers.default_jobs() == 3 and workers.decoder_jobs() == 3


@pytest.mark.parametrize("jobs", [0, -1])
def test_jobs_below_one_are_a_usage_error(jobs: int) -> None:
    for fn in (workers.default_jobs, workers.decoder_jobs):
        with pytest.raises(UsageError, match="--jobs must be at least 1") as exc:
            fn(jobs)
        assert exc.value.exit_code == 2


@TWO_CORES
def test_cores_restored_gives_back_the_cores() -> None:
    before = os.sched_getaffinity(0)
    try:
        with workers.cores_restored():
            workers.limit_cores(1)
            assert len(os.sched_getaffinity(0)) == 1  # the run is kept to one core ...
        assert os.sched_getaffinity(0) == before  # ... and its caller gets them all back
        with pytest.raises(RuntimeError), workers.cores_restored():
            workers.limit_cores(1)
            raise RuntimeError("a failed run")
        assert os.sched_getaffinity(0) == before  # after a failure too
        with workers.cores_restored():
            workers.limit_cores(len(before))  # as many jobs as cores: nothing to keep to
            assert os.sched_getaffinity(0) == before
    finally:
        os.sched_setaffinity(0, before)  # whatever failed above, the rest of the session keeps its cores


def _affinity(_: int) -> tuple[int, list[int]]:
    import time

    time.sleep(0.3)  # so that both workers take tasks
    return os.getpid(), sorted(os.sched_getaffinity(0))


@TWO_CORES
def test_jobs_are_cores() -> None:
    """--jobs N keeps the run on N cores, and each pool worker on one core of its own."""

    cores = sorted(os.sched_getaffinity(0))
    with workers.pool(2) as pool:
        seen = dict(pool.map(_affinity, range(8)))  # worker pid -> its cores
    assert all(len(a) == 1 and a[0] in cores for a in seen.values())
    assert len({a[0] for a in seen.values()}) == len(seen)  # two workers never share a core
    before = os.sched_getaffinity(0)
    assert cli.main(["scan", "--jobs", "1", "--json", str(Path(__file__).parent / "no-such-dir")]) != 0
    assert os.sched_getaffinity(0) == before  # an in-process run gives its caller the cores back
    code = "import os; from vidverify.pipeline import workers; workers.limit_cores(1); " \
        "print(len(os.sched_getaffinity(0)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "1"
    code = f"import os; from vidverify.pipeline import workers; workers.limit_cores({len(cores)}); " \
        "print(len(os.sched_getaffinity(0)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(len(cores))


def _vm_size_mb() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) // 1024 for line in fh if line.startswith("VmSize:"))


def test_memory_budget_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(workers.MEMORY_ENV, raising=False)
    assert workers.worker_memory_mb() == workers.DEFAULT_WORKER_MEMORY_MB
    monkeypatch.setenv(workers.MEMORY_ENV, "0")
    assert workers.worker_memory_mb() is None
    monkeypatch.setenv(workers.MEMORY_ENV, "lots")
    with pytest.raises(UsageError, match=workers.MEMORY_ENV):
        workers.worker_memory_mb()


_BUDGET_SCRIPT = """
import json, resource, sys
from vidverify.pipeline import ingest, workers

small, hungry, budget = sys.argv[1], sys.argv[2], int(sys.argv[3])
real = ingest._fingerprint
assert workers.can_fork()  # a fresh process: no other thread, so the workers are forks that keep the stand-in


def fingerprint(path, **kwargs):
    assert resource.getrlimit(resource.RLIMIT_AS)[0] == budget * 2**20  # set in the worker
    if path == hungry:  # needs more than the whole budget: no margin over the worker's own size is assumed
        bytearray(budget * 2**20)
    return real(path, **kwargs)


ingest._fingerprint = fingerprint
items = {i.path: i for i in ingest.ingest_all([small, hungry], jobs=2)}
print(json.dumps({p: [it.error, it.fp is not None and len(it.fp) > 0] for p, it in items.items()}
                 | {"main_limit": resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY}))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status") or "fork" not in __import__("multiprocessing")
                    .get_all_start_methods(), reason="needs Linux and forked workers")
def test_a_file_over_the_worker_budget_gets_an_error_entry_and_the_batch_goes_on(tmp_path: Path) -> None:
    """Run in a fresh process: this one may hold threads of earlier tests (Dask's), and then workers are started
    by a fork server, which the stand-in for a hungry decoder would not reach."""
    import json

    from tests.fixtures.make_fixtures import clip

    small = str(clip(tmp_path / "small.mp4", seconds=0.5, size="160x120"))
    hungry = str(clip(tmp_path / "hungry.mp4", seconds=0.5, size="160x120"))
    budget = _vm_size_mb() + 1024  # this process's address space plus 1 GiB: ample for the small clip's decode
    env = {**os.environ, workers.MEMORY_ENV: str(budget)}
    out = subprocess.run([sys.executable, "-c", _BUDGET_SCRIPT, small, hungry, str(budget)], capture_output=True,
                         text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got[small] == [None, True]  # the batch went on
    assert got[hungry][1] is False and workers.MEMORY_ENV in (got[hungry][0] or "")
    assert got["main_limit"]  # the calling process is not limited
