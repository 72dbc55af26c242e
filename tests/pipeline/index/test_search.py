"""The fingerprint index: storage round trips, re-scan skipping, search, concurrent writers, crash safety, CLI.

Synthetic fingerprints (numpy random walks in hash space with scene changes) exercise the store and the search
without decoding; generated media (synth.make_scene and edits of it) exercise add_paths, search and the CLI.
"""

from __future__ import annotations

import json
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

from tests.cli.test_main import _env, error_lines, vidverify_cli
from vidverify.errors import IndexFileError, InputError, NotFoundError
from vidverify.match.candidates import sparse_signature
from vidverify.media.fingerprint_file import save as save_fingerprint
from vidverify.media.probe import probe
from vidverify.models import MediaInfo, SearchResult, Segment
from vidverify.pipeline.index.search import Index
from vidverify.pipeline.index.sqlite import SCHEMA_VERSION, SqliteStore
from vidverify.pipeline.ingest import add_paths, fingerprint
from vidverify.signals.fingerprint import Fingerprint
from vidverify.signals.fingerprint import pack as encode_fingerprint
from vidverify.signals.fingerprint import unpack as decode_fingerprint
from vidverify.testing import synth

# ------------------------------------------------------------------------------------------ synthetic data


def _walk(rng: np.random.Generator, n: int, scene: int = 90) -> np.ndarray:
    """Hashes of ``n`` frames: a fresh random hash at each scene change, then one bit flipped every few frames."""
    scenes = np.arange(n) // scene
    base = rng.integers(0, 2**63, size=scenes[-1] + 1, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    flip = rng.random(n) < 0.3
    mask = np.where(flip, np.left_shift(np.uint64(1), rng.integers(0, 64, n).astype(np.uint64)), np.uint64(0))
    cx = np.bitwise_xor.accumulate(mask)
    return base[scenes] ^ cx ^ cx[scenes * scene]


def _noise(rng: np.random.Generator, h: np.ndarray, bits: int) -> np.ndarray:
    out = h.copy()
    for _ in range(bits):
        out ^= np.left_shift(np.uint64(1), rng.integers(0, 64, len(h)).astype(np.uint64))
    return out


def synth_fp(seed: int, seconds: float = 20.0, fps: float = 30.0, *, path: str | None = None) -> Fingerprint:
    rng = np.random.default_rng(seed)
    n = int(seconds * fps)
    walks: dict[str, Any] = {name: _walk(rng, n) for name in
             ("hashes", "mirrored", "crop_hashes", "crop_mirrored", "rot90", "rot180", "rot270")}
    sha = f"{seed:064x}"
    return Fingerprint(
        path=path or f"/clips/{seed}.mp4", sha256=sha, size=1000 + seed, mode="dense",
        times=np.arange(n) / fps, luma_mean=rng.uniform(40, 200, n).astype(np.float32),
        luma_std=rng.uniform(10, 60, n).astype(np.float32), duration=n / fps, fps=fps, width=640, height=360,
        active_area=(0, 0, 640, 360), crop_area=(219, 0, 202, 360), versions={"hash": "test"}, **walks,
    )


def slice_fp(fp: Fingerprint, start: float, end: float, *, seed: int, bits: int = 4,
             mirror: bool = False) -> Fingerprint:
    """Frames [start, end) of ``fp`` on their own timeline from 0, each hash with ``bits`` random bits flipped;
    ``mirror`` swaps the full and mirrored hashes (a flipped upload)."""
    rng = np.random.default_rng(seed)
    keep = (fp.times >= start) & (fp.times < end)
    full, mir = (fp.mirrored, fp.hashes) if mirror else (fp.hashes, fp.mirrored)
    cm, cr = (fp.crop_mirrored, fp.crop_hashes) if mirror else (fp.crop_hashes, fp.crop_mirrored)
    arrays: dict[str, Any] = {
        "hashes": full, "mirrored": mir, "crop_hashes": cm, "crop_mirrored": cr,
        "rot90": fp.rot90, "rot180": fp.rot180, "rot270": fp.rot270,
    }
    noisy: dict[str, Any] = {k: _noise(rng, np.asarray(v)[keep], bits) for k, v in arrays.items()}
    return Fingerprint(
        path=f"/queries/{seed}.mp4", sha256=None, size=None, mode="dense",
        times=fp.times[keep] - fp.times[keep][0], luma_mean=fp.luma_mean[keep].copy(),
        luma_std=fp.luma_std[keep].copy(), duration=end - start, fps=fp.fps, width=640, height=360,
        **noisy,
    )


def sha(fp: Fingerprint) -> str:
    assert fp.sha256 is not None
    return fp.sha256


def synth_info(fp: Fingerprint) -> MediaInfo:
    return MediaInfo(path=fp.path, sha256=fp.sha256, size=fp.size, kind="video", container="mp4",
                     duration=fp.duration, width=640, height=360, fps=30.0, frame_count=len(fp),
                     tags={"note": "synthetic"})


# ------------------------------------------------------------------------------------------ storage


def test_blob_round_trip_is_exact_and_compact() -> None:
    fp = synth_fp(1)
    blob = encode_fingerprint(fp)
    assert decode_fingerprint(blob) == fp
    assert len(blob) < 72 * len(fp)  # 7 hash arrays + times + 2 float32 columns, raw
    for n in (0, 1):
        small = Fingerprint(**{**_fields(fp), **{a: getattr(fp, a)[:n].copy() for a in _arrays()}})
        assert decode_fingerprint(encode_fingerprint(small)) == small


def _arrays() -> tuple[str, ...]:
    from vidverify.signals.fingerprint import FRAME_CHANNELS

    return tuple(c.name for c in FRAME_CHANNELS)


def _fields(fp: Fingerprint) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(fp, f.name) for f in dataclasses.fields(fp)}


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
        assert st["files"] == 3 and st["frames"] == sum(len(f) for f in fps) and st["schema"] == SCHEMA_VERSION
        assert st["bytes"] > 0 and st["modes"] == {"dense": 3}
        assert ix.integrity_check() == "ok"
        with pytest.raises(NotFoundError):
            ix.fingerprint("0" * 64)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT value FROM vidverify_meta WHERE key='schema_version'").fetchone()[0] == "1"


def test_re_add_replaces_and_sparse_signature_is_sparse(tmp_path: Path) -> None:
    fp = synth_fp(4, seconds=30)
    hashes, times = sparse_signature(fp)
    assert len(hashes) == len(times) and 0 < len(hashes) <= 2 * (30 / 0.5 + 1)  # full + crop, 2 per second
    assert len(hashes) < len(fp) / 5
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


# ------------------------------------------------------------------------------------------ search


def test_search_synthetic_slices_straight_and_mirrored(tmp_path: Path) -> None:
    clips = [synth_fp(100 + i, seconds=40) for i in range(40)]
    with Index(tmp_path / "ix.sqlite") as ix:
        for fp in clips:
            ix.add(synth_info(fp), fp)
        target = clips[17]
        for mirror in (False, True):
            q = slice_fp(target, 12.0, 32.0, seed=7 + mirror, bits=5, mirror=mirror)
            cands = ix.candidates(q, 5)
            assert cands[0][0] == target.sha256 and cands[0][1] >= 20
            assert all(v <= 2 for _, v in cands[1:])  # unrelated clips barely vote
            [res] = ix.search(q, top=3)
            assert isinstance(res, SearchResult) and res.sha256 == target.sha256
            assert res.verdict == "same-footage" and res.coverage["a"] > 0.95 and 0 < res.score <= 1
            seg = max(res.segments, key=lambda s: s.frames)
            assert seg.mirrored is mirror
            assert seg.a_start == pytest.approx(0.0, abs=0.1) and seg.b_start == pytest.approx(12.0, abs=0.1)
            assert seg.b_end == pytest.approx(32.0, abs=0.1)
            d = res.to_dict()
            assert {"path", "sha256", "score", "verdict", "coverage", "segments"} <= set(d)
            assert SearchResult.from_dict(json.loads(json.dumps(d))) == res
        unrelated = synth_fp(999, seconds=20)
        assert ix.search(unrelated) == ()
        assert ix.search(target)[0].verdict == "identical"


def test_search_sees_writes_of_other_connections(tmp_path: Path) -> None:
    db = tmp_path / "ix.sqlite"
    a, b = synth_fp(11), synth_fp(12)
    with Index(db) as reader, Index(db) as writer:
        writer.add(synth_info(a), a)
        assert reader.candidates(a, 3)[0][0] == a.sha256
        writer.add(synth_info(b), b)  # the reader's in-memory bands must be rebuilt
        assert reader.candidates(b, 3)[0][0] == b.sha256


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


# ------------------------------------------------------------------------------------------ media


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("index-media")
    out = {
        "source": synth.make_scene(d / "source.mp4", seconds=12, size=(320, 180), seed=31, audio=False),
        "other1": synth.make_scene(d / "other1.mp4", seconds=6, size=(320, 180), seed=32, audio=False),
        "other2": synth.make_scene(d / "other2.mp4", seconds=6, size=(320, 180), seed=33, audio=False),
    }
    out["query"] = synth.trim(out["source"], d / "query.mp4", 4.0, 10.0, crf=32)
    bad = d / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(3000))
    out["bad"] = bad
    return out


def test_add_paths_skips_unchanged_and_reindexes_changed(tmp_path: Path, clips: dict[str, Path]) -> None:
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    shutil.copy(clips["other1"], a)
    shutil.copy(clips["other2"], b)
    with Index(tmp_path / "ix.sqlite") as ix:
        first = add_paths(ix, [str(a), str(b), str(clips["bad"])])
        assert [r.status for r in first] == ["added", "added", "error"]
        assert first[2].error and first[0].frames == len(fingerprint(a))
        assert [r.status for r in add_paths(ix, [str(a), str(b)])] == ["unchanged", "unchanged"]
        st = a.stat()
        os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns + 5 * 10**9))  # touched: read again, content known
        assert [r.status for r in add_paths(ix, [str(a)])] == ["known"]
        assert [r.status for r in add_paths(ix, [str(a)])] == ["unchanged"]
        shutil.copy(clips["source"], a)  # new content at the same path: fingerprinted again
        os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns + 9 * 10**9))
        [r] = add_paths(ix, [str(a)])
        assert r.status == "added" and r.sha256 == probe(clips["source"]).sha256
        assert ix.lookup(a) == r.sha256 and len(ix) == 3
        assert r.sha256 is not None and ix.info(r.sha256).duration == pytest.approx(12.0, abs=0.1)


def test_fingerprints_of_an_older_version_are_made_again(tmp_path: Path, clips: dict[str, Path]) -> None:
    """An index written by an older vidverify (blob version 2: no packet digests) is brought up to date on the
    next add or scan instead of being trusted as unchanged."""
    a = tmp_path / "a.mp4"
    shutil.copy(clips["other1"], a)
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


def test_add_paths_in_parallel(tmp_path: Path, clips: dict[str, Path]) -> None:
    with Index(tmp_path / "ix.sqlite") as ix:
        res = add_paths(ix, [str(clips[k]) for k in ("other1", "bad", "other2")], jobs=2)
        assert sorted(r.status for r in res) == ["added", "added", "error"]
        assert len(ix) == 2 and ix.integrity_check() == "ok"


def test_search_finds_trimmed_reencode_among_unrelated(tmp_path: Path, clips: dict[str, Path]) -> None:
    with Index(tmp_path / "ix.sqlite") as ix:
        add_paths(ix, [str(clips[k]) for k in ("other1", "source", "other2")])
        results = ix.search(fingerprint(clips["query"]))
    assert [r.path for r in results] == [str(clips["source"].resolve())]
    [r] = results
    assert r.verdict == "same-footage" and r.coverage["a"] > 0.9 and 0.4 < r.coverage["b"] < 0.6
    seg: Segment = max(r.segments, key=lambda s: s.frames)
    assert seg.a_start == pytest.approx(0.0, abs=0.1) and seg.a_end == pytest.approx(6.0, abs=0.15)
    assert seg.b_start == pytest.approx(4.0, abs=0.1) and seg.b_end == pytest.approx(10.0, abs=0.15)


# ------------------------------------------------------------------------------------------ CLI


def test_cli_index_add_stats_search(tmp_path: Path, clips: dict[str, Path]) -> None:
    env = _env(VIDVERIFY_INDEX=str(tmp_path / "env.sqlite"))
    db = str(tmp_path / "cli.sqlite")
    files = [str(clips[k]) for k in ("source", "other1")]
    proc = vidverify_cli("index", "add", *files, str(clips["bad"]), "--index", db, env=env)
    assert proc.returncode == 4, proc.stderr
    [line] = error_lines(proc)
    assert "broken.mp4" in line
    assert "2 added" in proc.stdout and "1 unreadable" in proc.stdout

    again = vidverify_cli("index", "add", *files, "--index", db, "--json", env=env)
    assert again.returncode == 0, again.stderr
    doc = json.loads(again.stdout)
    assert doc["schema"] == "vidverify/index-add@1"
    assert [f["status"] for f in doc["files"]] == ["unchanged", "unchanged"]

    stats = vidverify_cli("index", "stats", "--index", db, "--json", env=env)
    assert stats.returncode == 0
    st = json.loads(stats.stdout)
    assert st["files"] == 2 and st["schema"] == SCHEMA_VERSION and st["bytes"] > 0
    text = vidverify_cli("index", "stats", "--index", db, env=env)
    assert text.returncode == 0 and "files" in text.stdout

    found = vidverify_cli("search", str(clips["query"]), "--index", db, "--top", "3", "--json", env=env)
    assert found.returncode == 0, found.stderr
    doc = json.loads(found.stdout)
    assert doc["schema"] == "vidverify/search@1"
    assert doc["query"]["path"] == str(clips["query"]) and len(doc["query"]["sha256"]) == 64
    assert doc["query"]["duration"] == pytest.approx(6.0, abs=0.1)
    [hit] = doc["results"]
    assert {"path", "sha256", "score", "verdict", "coverage", "segments"} <= set(hit)
    assert hit["verdict"] == "same-footage" and hit["path"].endswith("source.mp4")
    assert hit["segments"][0]["b_start"] == pytest.approx(4.0, abs=0.1)

    vvfp = tmp_path / "q.vvfp"
    save_fingerprint(fingerprint(clips["query"]), vvfp)
    plain = vidverify_cli("search", str(vvfp), "--index", db, env=env)
    assert plain.returncode == 0 and "source.mp4" in plain.stdout and "same-footage" in plain.stdout

    # the default index comes from VIDVERIFY_INDEX; a missing index is an input error, not a new empty file
    missing = vidverify_cli("search", str(clips["query"]), env=env)
    assert missing.returncode == 4 and "no index here" in missing.stderr
    assert not Path(env["VIDVERIFY_INDEX"]).exists()
    assert vidverify_cli("index", "stats", "--index", str(tmp_path / "nope.sqlite")).returncode == 4
    notdb = tmp_path / "notes.txt"
    notdb.write_text("hello " * 100)
    bad = vidverify_cli("search", str(clips["query"]), "--index", str(notdb))
    assert bad.returncode == 4 and "not an SQLite file" in bad.stderr
    assert vidverify_cli("search", str(clips["query"]), "--index", db, "--top", "0").returncode == 2


def test_cli_help_has_examples() -> None:
    for args in (("index", "--help"), ("index", "add", "--help"), ("search", "--help")):
        proc = vidverify_cli(*args)
        assert proc.returncode == 0 and "examples:" in proc.stdout
    assert vidverify_cli("index").returncode == 2


def test_candidate_votes_need_hits_on_one_line() -> None:
    from vidverify.match.candidates import line_votes as _line_votes

    rng = np.random.default_rng(3)
    frames = np.arange(20)
    t_query = frames / 8.0
    lined = t_query + 30.0  # file 0: every hit 30 s later in the indexed clip
    scattered = rng.uniform(0, 100, 20)  # file 1: look-alike pictures anywhere
    files, votes = _line_votes(np.repeat([0, 1], 20), np.tile(frames, 2), np.ones(40),
                               np.concatenate([lined, scattered]), np.tile(t_query, 2), 20)
    assert list(files) == [0, 1]
    assert votes[0] == 20 and votes[1] <= 3
    half = _line_votes(np.zeros(20, int), frames, np.full(20, 0.5), lined, t_query, 20)[1]
    assert half[0] == 10  # far hits weigh less


def _every(fp: Fingerprint, step: int) -> Fingerprint:
    """Every ``step``-th frame: what a keyframe-only fingerprint of the same footage looks like."""
    return replace(fp, mode="keyframes", **{a: getattr(fp, a)[::step].copy() for a in _arrays()})


@pytest.mark.parametrize("sparse_side", ["indexed", "query"])
def test_search_across_dense_and_keyframe_fingerprints(tmp_path: Path, sparse_side: str) -> None:
    clips = [synth_fp(300 + i, seconds=40) for i in range(10)]
    target = clips[4]
    with Index(tmp_path / "ix.sqlite") as ix:
        for fp in clips:
            stored = _every(fp, 30) if sparse_side == "indexed" else fp
            ix.add(synth_info(stored), stored)
        q = slice_fp(target, 10.0, 30.0, seed=5, bits=4)
        if sparse_side == "query":
            q = _every(q, 30)
        [res] = ix.search(q)
    assert res.sha256 == target.sha256 and res.verdict == "same-footage" and res.coverage["a"] > 0.9
    first, last = res.segments[0], res.segments[-1]
    assert first.a_start == pytest.approx(0.0, abs=1.05) and first.b_start == pytest.approx(10.0, abs=1.05)
    assert last.b_end == pytest.approx(30.0, abs=1.05)
    assert all(s.speed == pytest.approx(1.0, abs=0.02) for s in res.segments)
    assert len(res.segments) <= 2  # whole stretches, not one segment per keyframe


def test_add_paths_takes_fingerprint_files(tmp_path: Path, clips: dict[str, Path]) -> None:
    vvfp = tmp_path / "other1.vvfp"
    fp = fingerprint(clips["other1"])
    save_fingerprint(fp, vvfp)
    junk = tmp_path / "junk.vvfp"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with Index(tmp_path / "ix.sqlite") as ix:
        res = add_paths(ix, [str(vvfp), str(junk)])
        assert [r.status for r in res] == ["added", "error"]
        assert ix.fingerprint(sha(fp)) == fp and ix.info(sha(fp)).frame_count == len(fp)
        assert [r.status for r in add_paths(ix, [str(clips["other1"])])] == ["unchanged"]  # its media is known


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
            assert ix.stats()["schema"] == SCHEMA_VERSION and ix.integrity_check() == "ok"


def test_version_1_blobs_still_load() -> None:
    """Indexes written before the half-picture hashes keep working: their halves are marked flat."""
    import struct
    import zlib

    from vidverify.signals.fingerprint import ALL_HALVES_FLAT, BY_NAME, HALVES, _shuffle

    fp = synth_fp(21, seconds=5)
    meta = json.dumps(fp.meta()).encode()
    parts = []
    for name in (a for a in _arrays() if a not in (*HALVES, "half_flat")):
        arr = np.ascontiguousarray(getattr(fp, name), dtype=BY_NAME[name].dtype)
        if BY_NAME[name].delta:
            arr = np.concatenate([arr[:1], np.bitwise_xor(arr[1:], arr[:-1])])
        parts.append(_shuffle(arr.tobytes(), arr.itemsize))
    blob = b"VVFB" + struct.pack("<BII", 1, len(fp), len(meta)) + meta + zlib.compress(b"".join(parts))
    old = decode_fingerprint(blob)
    assert np.array_equal(old.hashes, fp.hashes) and np.array_equal(old.luma_std, fp.luma_std)
    assert (old.half_flat == ALL_HALVES_FLAT).all()


def test_results_name_a_path_that_still_exists(tmp_path: Path) -> None:
    kept = tmp_path / "kept.mp4"
    kept.write_bytes(b"k" * 1000)
    fp = replace(synth_fp(41, seconds=20), path=str(kept), size=1000)
    with Index(tmp_path / "ix.sqlite") as ix:
        ix.add(replace(synth_info(fp), path=str(kept)), fp)
        ix.add_path(tmp_path / "moved-away.mp4", sha(fp), 1000, 1)  # recorded later, gone now
        assert ix.paths(sha(fp))[0].endswith("moved-away.mp4")
        [res] = ix.search(slice_fp(fp, 2.0, 12.0, seed=1))
        assert res.path == str(kept)


def test_search_finds_a_sped_up_copy(tmp_path: Path) -> None:
    clips = [synth_fp(500 + i, seconds=40) for i in range(20)]
    target = clips[9]
    src = slice_fp(target, 0.0, 40.0, seed=9, bits=3)
    pick = np.round(np.arange(int(20 * 30)) * 1.25).astype(int) + 150  # 1.25x from 5 s on, 30 fps kept
    fast = replace(src, times=np.arange(len(pick)) / 30.0, duration=len(pick) / 30.0,
                   **{a: getattr(src, a)[pick].copy() for a in _arrays() if a != "times"})
    with Index(tmp_path / "ix.sqlite") as ix:
        for fp in clips:
            ix.add(synth_info(fp), fp)
        cands = ix.candidates(fast, 3)
        assert cands[0][0] == target.sha256 and cands[0][1] > 10 * max([v for _, v in cands[1:]] + [0.1])
        assert cands[0][1] > 0.55 * 20 * 8  # most sampled frames vote on the 1.25x line, not a third of them
        [res] = ix.search(fast)
    seg = max(res.segments, key=lambda s: s.frames)
    assert res.sha256 == target.sha256 and seg.speed == pytest.approx(1.25, abs=0.03)
    assert seg.b_start == pytest.approx(5.0 + 1.25 * seg.a_start, abs=0.2)


def test_damaged_blobs_raise_index_file_error() -> None:
    import struct
    import zlib

    fp = synth_fp(7, seconds=2.0)
    fp = replace(fp, packet_times=fp.times.copy(), packet_digests=np.arange(len(fp), dtype=np.uint64) + 99)
    blob = encode_fingerprint(fp)
    assert decode_fingerprint(blob) == fp
    version, n, meta_len = struct.unpack_from("<BII", blob, 4)
    start = 4 + struct.calcsize("<BII")
    meta = json.loads(blob[start:start + meta_len])
    payload = zlib.decompress(blob[start + meta_len:])
    for count in (-1, 10**9, "x"):
        bad_meta = json.dumps({**meta, "packet_count": count}).encode()
        bad = blob[:4] + struct.pack("<BII", version, n, len(bad_meta)) + bad_meta + zlib.compress(payload)
        with pytest.raises(IndexFileError):
            decode_fingerprint(bad)
    with pytest.raises(IndexFileError):
        decode_fingerprint(blob[:4] + struct.pack("<BII", version, n, meta_len) + blob[start:start + meta_len]
                           + zlib.compress(payload[: len(payload) // 2]))
