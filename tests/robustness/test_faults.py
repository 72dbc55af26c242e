"""Faults: a scan killed or interrupted mid-way loses nothing already indexed and resumes; a full disk while
writing the index or a report gives a one-line error and leaves no corrupt or half-written file."""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vidverify.testing import synth

N_CLIPS = 6


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("faults") / "uploads"
    for k in range(N_CLIPS):
        synth.make_scene(d / f"clip{k}.mp4", seconds=5.0, size=(320, 180), seed=100 + k, audio=False)
    return d


def _vidverify(*args: str, fsize: int | None = None, **kw: object) -> subprocess.Popen[str]:
    def limits() -> None:
        # a run started in the background (`pytest &`, nohup, some CI runners) ignores SIGINT, and an ignored signal
        # stays ignored across exec: the child would never see the Ctrl-C this file sends it
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.Popen([sys.executable, "-m", "vidverify", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=limits,
                            **kw)  # type: ignore[call-overload]


def _indexed(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as c:
            return [r[0] for r in c.execute("SELECT sha256 FROM files")]
    except sqlite3.Error:
        return []


def _integrity(db: Path) -> str:
    with sqlite3.connect(db) as c:
        return str(c.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_scan_resumes_without_loss_or_duplicates(folder: Path, tmp_path: Path, sig: int) -> None:
    db = tmp_path / "index.sqlite"
    proc = _vidverify("scan", str(folder), "--index", str(db), "--jobs", "1", "--no-pictures", "--json")
    deadline = time.monotonic() + 120
    while len(_indexed(db)) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, sig)
    out, err = proc.communicate(timeout=60)
    done_before = _indexed(db)
    assert 1 <= len(done_before) < N_CLIPS or proc.returncode == 0, (proc.returncode, err)
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert _integrity(db) == "ok"
    # resume: the files indexed before the interruption are not decoded again, the rest are added once
    again = _vidverify("scan", str(folder), "--index", str(db), "--jobs", "1", "--no-pictures", "--json")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert len(json.loads(out)["files"]) == N_CLIPS
    shas = _indexed(db)
    assert len(shas) == len(set(shas)) == N_CLIPS
    assert set(done_before) <= set(shas)
    assert _integrity(db) == "ok"


def test_full_disk_while_writing_a_report_leaves_no_file(folder: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text("the previous report\n")
    proc = _vidverify("scan", str(folder / "clip0.mp4"), str(folder / "clip1.mp4"), "--no-pictures",
                      "--html", str(report), fsize=4096)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 6  # an output that cannot be written (docs/contract.md)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "cannot write" in lines[0] and "report.html" in lines[0] and "Traceback" not in err
    assert report.read_text() == "the previous report\n"  # the old report is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temporary file left behind


def test_full_disk_while_writing_the_index_keeps_it_consistent(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.sqlite"
    first = _vidverify("scan", str(folder / "clip0.mp4"), "--index", str(db), "--no-pictures")
    first.communicate(timeout=300)
    assert first.returncode == 0
    size = db.stat().st_size
    proc = _vidverify("scan", str(folder), "--index", str(db), "--no-pictures", "--json", fsize=size + 8192)
    out, err = proc.communicate(timeout=300)
    assert "Traceback" not in err
    # the scan itself completes (its results do not depend on the index); each file the index could not take is
    # an error line, and the index keeps what it had, uncorrupted
    assert proc.returncode == 0 and len(json.loads(out)["files"]) == N_CLIPS
    failed = [x for x in err.splitlines() if "not stored in the index" in x]
    assert failed and all("ERROR" in x for x in failed), err
    assert _integrity(db) == "ok"
    assert 1 <= len(_indexed(db)) < N_CLIPS
