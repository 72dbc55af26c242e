"""pipeline/index/sqlite.py, the local store (through ``Index``): round trips, re-adds, bad index files, lookup by
path, size and mtime, older blob versions redone, concurrent writers, a writer killed mid-transaction, racing
first users. Synthetic fingerprints (tests/fixtures/fingerprints.py) exercise it without decoding."""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import signal
import sqlite3
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.fixtures.fingerprints import sha, synth_fp, synth_info
from vidverify.errors import IndexFileError, InputError, NotFoundError
from vidverify.match.candidates import SIGNATURE_RECIPE, sparse_signature
from vidverify.pipeline.index import sqlite as sqlite_mod
from vidverify.pipeline.index.search import Index
from vidverify.pipeline.index.sqlite import SCHEMA_VERSION, SqliteStore
from vidverify.pipeline.ingest import add_paths
from vidverify.signals.fingerprint import ALL_HALVES_FLAT, HALVES, Fingerprint

# ------------------------------------------------------------------------------------------ storage


def test_add_round_trip_and_stats(tmp_path: Path) -> None:
    db = tmp_path / "ix.sqlite"
    fps = [synth_fp(s) for s in (1, 2, 3)]
    with Index(db) as ix:
        for fp in fps:
            ix.add(synth_info(fp), fp)
        assert len(ix) == 3
    with Index(db, create=False) as ix:  # reopened: everything was committed
        for fp in fps:
            assert fp.sha256 in ix
            assert ix.fingerprint(sha(fp)) == fp
            assert ix.info(sha(fp)) == synth_info(fp)
        st = ix.stats()
        assert st["files"] == 3 and st["frames"] == sum(len(f) for f in fps) and st["schema_version"] == SCHEMA_VERSION
        assert st["bytes"] > 0 and st["modes"] == {"dense": 3}
        assert ix.integrity_check() == "ok"
        with pytest.raises(NotFoundError):
            ix.fingerprint("0" * 64)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT value FROM vidverify_meta WHERE key='schema_version'").fetchone()[0] == "1"


def test_re_add_replaces(tmp_path: Path) -> None:
    fp = synth_fp(4, seconds=30)
    with Index(tmp_path / "ix.sqlite") as ix:
        ix.add(synth_info(fp), fp)
        ix.add(synth_info(fp), replace(fp, warnings=("again",)))
        assert len(ix) == 1 and ix.fingerprint(sha(fp)).warnings == ("again",)


def test_bad_index_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database, just some text " * 200)
    with pytest.raises(IndexFileError, match="not an SQLite file"):
        Index(text)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t(x)").connection.commit()
    with pytest.raises(IndexFileError, match="not a vidverify index"):
        Index(other)
    newer = tmp_path / "newer.sqlite"
    Index(newer).close()
    c = sqlite3.connect(newer)
    c.execute("UPDATE vidverify_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    c.commit()
    c.close()
    with pytest.raises(IndexFileError, match="newer than this vidverify"):
        Index(newer)
    with pytest.raises(NotFoundError):
        Index(tmp_path / "missing.sqlite", create=False)
    assert not (tmp_path / "missing.sqlite").exists()
    assert issubclass(IndexFileError, InputError)


def test_lookup_follows_size_and_mtime(tmp_path: Path) -> None:
    media = tmp_path / "a.mp4"
    media.write_bytes(b"x" * 1000)
    fp = replace(synth_fp(5), path=str(media), size=1000)
    with Index(tmp_path / "ix.sqlite") as ix:
        ix.add(replace(synth_info(fp), path=str(media)), fp)
        assert ix.lookup(media) == fp.sha256
        assert ix.lookup(os.path.relpath(media)) == fp.sha256  # the same file by another spelling
        st = media.stat()
        os.utime(media, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        assert ix.lookup(media) is None
        assert ix.lookup(tmp_path / "nope.mp4") is None


def test_fingerprints_of_an_older_version_are_made_again(tmp_path: Path, index_clips: dict[str, Path]) -> None:
    """An index written by an older vidverify (blob version 2: no packet digests) is brought up to date on the
    next add or scan instead of being trusted as unchanged."""
    a = tmp_path / "a.mp4"
    shutil.copy(index_clips["other1"], a)
    with Index(tmp_path / "ix.sqlite") as ix:
        [r] = add_paths(ix, [str(a)])
        assert r.status == "added" and r.sha256 and len(ix.fingerprint(r.sha256).packet_digests) > 0
    with sqlite3.connect(tmp_path / "ix.sqlite") as db:  # what version 2 wrote: no packets after the frames
        (blob,) = db.execute("SELECT blob FROM fingerprints").fetchone()
        db.execute("UPDATE fingerprints SET blob = ?", (blob[:4] + bytes([2]) + blob[5:],))
    with Index(tmp_path / "ix.sqlite") as ix:
        assert ix.lookup(a) is None and ix.mode(r.sha256) is None
        [again] = add_paths(ix, [str(a)])
        assert again.status == "added"
        assert ix.lookup(a) == r.sha256 and len(ix.fingerprint(r.sha256).packet_digests) > 0


def _with_halves(fp: Any, seed: int) -> Any:
    """``fp`` with half pictures of its own (the synthetic fingerprints have none: every half flat)."""
    rng = np.random.default_rng(seed)
    n = len(fp)
    halves = {name: fp.hashes ^ rng.integers(0, 2**63, dtype=np.uint64) for name in HALVES}
    return replace(fp, half_flat=np.zeros(n, np.uint8), **halves)


def _half_top_only(fp: Any, seed: int) -> Any:
    """A copy of ``fp`` whose lower half is covered: only its top half is the same picture."""
    rng = np.random.default_rng(seed)
    other = synth_fp(seed + 500, seconds=len(fp) / 30)
    return replace(other, half_top=fp.half_top ^ np.left_shift(np.uint64(1), rng.integers(0, 64, len(fp)).astype(
        np.uint64)), half_bottom=other.hashes ^ np.uint64(3), half_left=other.hashes ^ np.uint64(5),
        half_right=other.hashes ^ np.uint64(9), half_flat=np.zeros(len(fp), np.uint8))


def _older_index(tmp_path: Path) -> tuple[Path, list[Fingerprint], Fingerprint]:
    """An index of three clips as an older vidverify left it (no recipe, no half pictures signed), and a query
    that shows only the top half of the second clip."""
    db = tmp_path / "ix.sqlite"
    clips = [_with_halves(synth_fp(60 + i), 60 + i) for i in range(3)]
    with Index(db) as ix:
        for fp in clips:
            ix.add(synth_info(fp), fp)
        assert ix.stats()["signature"] == SIGNATURE_RECIPE
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM vidverify_meta WHERE key = 'signature'")
        for fp in clips:
            old = sparse_signature(replace(fp, half_flat=np.full(len(fp), ALL_HALVES_FLAT, np.uint8)))
            conn.execute("UPDATE signatures SET hashes = ?, times = ? WHERE file_id = (SELECT id FROM files "
                         "WHERE sha256 = ?)", (old.hashes.astype("<u8").tobytes(), old.times.astype("<f4").tobytes(),
                                               sha(fp)))
        conn.execute("DROP TABLE signature_groups")
    return db, clips, _half_top_only(clips[1], 7)


@pytest.mark.parametrize("writable", [True, False])
def test_signatures_of_an_older_vidverify_are_remade(tmp_path: Path, writable: bool,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """An index whose signatures an older vidverify made (without the half pictures) remakes them from its stored
    fingerprints on its first search, and records how they are now made, so that search finds a copy with half
    its picture covered; a read-only index is searched with the signatures it has (a warning, no failure)."""
    db, clips, query = _older_index(tmp_path)
    if not writable:
        def read_only(*_: Any, **__: Any) -> None:
            raise IndexFileError("remaking the search signatures: attempt to write a readonly database")
        monkeypatch.setattr(SqliteStore, "_write", read_only)
    with Index(db) as ix:
        assert ix.stats()["signature"] is None
        found = ix.candidates(query, 3)
        if writable:
            assert found[0][0] == clips[1].sha256 and found[0][1] >= 10
            assert ix.stats()["signature"] == SIGNATURE_RECIPE
        else:
            assert all(v < 1 for _, v in found)  # the old signatures have no half pictures: nothing found
            assert ix.stats()["signature"] is None
    if writable:
        with sqlite3.connect(db) as conn:
            for fp in clips:
                hashes, times, groups = conn.execute(
                    "SELECT s.hashes, s.times, g.groups FROM signatures s JOIN files f ON f.id = s.file_id "
                    "JOIN signature_groups g ON g.file_id = s.file_id WHERE f.sha256 = ?", (sha(fp),)).fetchone()
                want = sparse_signature(fp)
                assert hashes == want.hashes.astype("<u8").tobytes() and times == want.times.astype("<f4").tobytes()
                assert groups == want.groups.tobytes() and set(want.groups) == {0, 1, 2, 3, 4}


def test_a_remake_keeps_a_damaged_fingerprints_signature_and_gives_way_to_a_lock(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """One damaged fingerprint does not stop the remake of the others (it keeps its old signature); an index
    another process keeps locked is searched with the signatures it has, and remade by a later search."""
    db, clips, query = _older_index(tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE fingerprints SET blob = substr(blob, 1, 40) WHERE file_id = (SELECT id FROM files "
                     "WHERE sha256 = ?)", (sha(clips[0]),))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        with Index(db, timeout=0.3) as ix:
            assert all(v < 1 for _, v in ix.candidates(query, 3))  # searched as it is, no failure
            assert ix.stats()["signature"] is None
        assert "another process kept the index locked, so 3 of its signatures stay" in caplog.text
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Index(db) as ix:
        found = ix.candidates(query, 3)
        assert found[0][0] == clips[1].sha256 and found[0][1] >= 10
        assert ix.stats()["signature"] == SIGNATURE_RECIPE
    assert "1 stored fingerprints could not be read" in caplog.text
    with sqlite3.connect(db) as conn:  # a damaged groups row (no such group): its entries count as whole pictures
        conn.execute("UPDATE signature_groups SET groups = ? WHERE file_id = (SELECT id FROM files WHERE sha256 = ?)",
                     (bytes([0xFF]) * len(sparse_signature(clips[2]).hashes), sha(clips[2])))
    with Index(db) as ix:
        assert ix.candidates(clips[2], 3)[0][0] == clips[2].sha256


def test_an_interrupted_remake_goes_on_where_it_stopped(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    db, clips, query = _older_index(tmp_path)
    monkeypatch.setattr(sqlite_mod, "REMAKE_BATCH", 1)
    real_write, calls = SqliteStore._write, []

    def interrupted(self: SqliteStore, steps: Any, doing: str) -> None:
        calls.append(doing)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_write(self, steps, doing)

    monkeypatch.setattr(SqliteStore, "_write", interrupted)
    with Index(db) as ix, pytest.raises(KeyboardInterrupt):
        ix.candidates(query, 3)
    with Index(db) as ix:
        found = ix.candidates(query, 3)
        assert found[0][0] == clips[1].sha256 and ix.stats()["signature"] == SIGNATURE_RECIPE
    assert "remaking the search signatures of 3 indexed files" in caplog.text
    assert "remaking the search signatures of 2 indexed files" in caplog.text  # the first batch was kept


# ------------------------------------------------------------------------------------------ concurrency


def _writer(db: str, seeds: list[int], start: Any) -> None:
    start.wait()
    with Index(db, timeout=60) as ix:
        for s in seeds:
            fp = synth_fp(s, seconds=10)
            ix.add(synth_info(fp), fp)


@pytest.mark.parametrize("processes", [2, 4])
def test_concurrent_writers(tmp_path: Path, processes: int) -> None:
    db = str(tmp_path / "ix.sqlite")  # created by the racing writers themselves
    ctx = mp.get_context("fork")
    start = ctx.Event()
    per = 12
    procs = [ctx.Process(target=_writer, args=(db, list(range(1000 * (i + 1), 1000 * (i + 1) + per)), start))
             for i in range(processes)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with Index(db, create=False) as ix:
        assert len(ix) == processes * per
        assert ix.integrity_check() == "ok"
        for i in range(processes):
            s = 1000 * (i + 1) + per - 1
            assert ix.fingerprint(f"{s:064x}") == synth_fp(s, seconds=10)


class _StallingIndex(SqliteStore):
    """Writes its rows, then stalls before COMMIT (so that the test can kill it mid-transaction)."""

    stalled: Any = None

    def _write(self, steps: Any, doing: str) -> None:
        def stall(c: sqlite3.Connection) -> None:
            steps(c)
            self.stalled.set()
            time.sleep(120)

        super()._write(stall, doing)


def _add_then_stall(db: str, committed: int, stalled: Any) -> None:
    with Index(db) as ix:
        for s in range(committed):
            fp = synth_fp(s)
            ix.add(synth_info(fp), fp)
    ix2 = _StallingIndex(db)
    ix2.stalled = stalled
    fp = synth_fp(committed)
    ix2.add(synth_info(fp), fp)


def test_sigkill_mid_add_keeps_committed_rows(tmp_path: Path) -> None:
    db = str(tmp_path / "ix.sqlite")
    ctx = mp.get_context("fork")
    stalled = ctx.Event()
    p = ctx.Process(target=_add_then_stall, args=(db, 5, stalled))
    p.start()
    assert stalled.wait(60), "the writer never reached its transaction"
    assert Path(db + "-wal").exists()
    assert p.pid is not None
    os.kill(p.pid, signal.SIGKILL)
    p.join(10)
    assert p.exitcode == -signal.SIGKILL
    with Index(db, create=False) as ix:  # no waiting on a dead writer's lock, no damage
        assert ix.integrity_check() == "ok"
        assert len(ix) == 5
        assert f"{5:064x}" not in ix
        assert ix.fingerprint(f"{4:064x}") == synth_fp(4)
        fp = synth_fp(5)
        ix.add(synth_info(fp), fp)  # and it still takes writes
        assert len(ix) == 6


def _open_and_read(db: str, start: Any) -> None:
    start.wait()
    with Index(db, timeout=30) as ix:
        ix.stats()


def test_processes_creating_one_index_at_once(tmp_path: Path) -> None:
    """Switching a new file to WAL does not wait for a lock; racing first users retry instead of failing."""
    ctx = mp.get_context("fork")
    for round_ in range(6):
        db = str(tmp_path / f"new{round_}.sqlite")
        start = ctx.Event()
        procs = [ctx.Process(target=_open_and_read, args=(db, start)) for _ in range(6)]
        for p in procs:
            p.start()
        start.set()
        for p in procs:
            p.join(60)
        assert [p.exitcode for p in procs] == [0] * 6
        with Index(db, create=False) as ix:
            assert ix.stats()["schema_version"] == SCHEMA_VERSION and ix.integrity_check() == "ok"
