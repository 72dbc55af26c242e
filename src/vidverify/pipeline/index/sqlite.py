"""The local fingerprint store: one SQLite file (the ``Store`` protocol of ``store.py``).

**Storage.** One SQLite file in WAL mode. Each ``add`` is one ``BEGIN IMMEDIATE`` transaction, so a crash or a
SIGKILL in the middle of a scan loses nothing that was committed before it, and several processes can add at
once (writers queue on the lock for up to ``BUSY_TIMEOUT_SECONDS`` instead of failing). Tables:
``vidverify_meta`` (schema version, how the signatures were made), ``files`` (sha256, size, frames, duration,
mode, the ``MediaInfo`` JSON), ``paths`` (path, size, mtime_ns -> sha256: a re-scan skips unchanged files
without reading them), ``fingerprints`` (the dense fingerprint, the compact blob of ``signals.fingerprint.pack``)
and ``signatures`` (the sparse hashes the candidate stage searches). The blobs live in their own tables so that
loading the signatures reads only the signature pages.

**Signatures of an older vidverify.** When the way signatures are made changes (``SIGNATURE_RECIPE``: which
picture channels, how sparse), the first search of an index made before remakes every signature from the stored
fingerprints, REMAKE_BATCH files per transaction (an interrupted remake goes on where it stopped; meta key
``signature_progress``), and records the new recipe; an index that cannot be written (read-only, or locked by
another process past the busy timeout) is searched with the signatures it has, and a damaged fingerprint keeps
its old signature (what the new channels would find is missed, with a warning).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ...errors import IndexFileError, InputError, NotFoundError, VidverifyError
from ...evidence.dates import now_utc
from ...match.audio_sync import sound_words
from ...match.candidates import SIGNATURE_GROUPS, SIGNATURE_RECIPE, Signature, sparse_signature
from ...media.formats.c2pa import NOT_READ_TAG
from ...models import MediaInfo
from ...signals.fingerprint import Fingerprint, blob_is_current, pack, unpack
from .store import default_index_path

log = logging.getLogger("vidverify")

SCHEMA_VERSION = 1
BUSY_TIMEOUT_SECONDS = 120.0  # a writer waits this long for another process's transaction before failing
REMAKE_BATCH = 256  # signatures remade per transaction (an older index's first search)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vidverify_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files(
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    size INTEGER,
    frames INTEGER NOT NULL,
    duration REAL,
    mode TEXT NOT NULL,
    added TEXT NOT NULL,
    info TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS paths(
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS paths_sha256 ON paths(sha256);
CREATE TABLE IF NOT EXISTS fingerprints(file_id INTEGER PRIMARY KEY, blob BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signatures(file_id INTEGER PRIMARY KEY, hashes BLOB NOT NULL, times BLOB NOT NULL);
"""
_SOUNDS = "CREATE TABLE IF NOT EXISTS sounds(file_id INTEGER PRIMARY KEY, words BLOB NOT NULL)"
# the signature_group of each signature hash (one byte each); a row without one (an older vidverify wrote it, or
# its length differs) is all whole pictures
_GROUPS = "CREATE TABLE IF NOT EXISTS signature_groups(file_id INTEGER PRIMARY KEY, groups BLOB NOT NULL)"
# ORB features of a few frames (match/features.py), kept by search's feature stage the first time it needs them
_FEATURES = "CREATE TABLE IF NOT EXISTS features(file_id INTEGER PRIMARY KEY, blob BLOB NOT NULL)"


class SqliteStore:
    """A fingerprint store in one SQLite file (created on first use unless ``create=False``).

    Use as a context manager, or call ``close()``. One store belongs to one thread; any number of processes
    may open the same file."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, create: bool = True,
                 timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = os.fspath(path) if path is not None else default_index_path()
        if not create and not os.path.exists(self.path):
            raise NotFoundError("no index here (create one with: vidverify index add FILE... --index "
                                f"{self.path})", path=self.path)
        if os.path.isdir(self.path):
            raise IndexFileError("is a folder, not an index file", path=self.path)
        self._timeout = timeout
        try:
            self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                         check_same_thread=False)
        except sqlite3.Error as exc:
            raise IndexFileError(f"cannot open the index: {exc}", path=self.path) from exc
        try:
            self._setup()
        except BaseException:
            self._conn.close()
            raise

    # ---------------------------------------------------------------------------------------- plumbing

    def _fail(self, exc: sqlite3.Error, doing: str) -> VidverifyError:
        text = str(exc)
        if isinstance(exc, sqlite3.DatabaseError) and "not a database" in text:
            return IndexFileError("not a vidverify index (not an SQLite file)", path=self.path)
        if "locked" in text or "busy" in text:
            return IndexFileError(f"the index stayed locked by another process for {self._timeout:g} s while "
                                  f"{doing}", path=self.path)
        return IndexFileError(f"{doing}: {text}", path=self.path)

    def _setup(self) -> None:
        c = self._conn
        try:
            c.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            self._use_wal()
            c.execute("PRAGMA synchronous = NORMAL")  # WAL: a committed add survives a process crash
            c.execute("PRAGMA foreign_keys = OFF")
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "vidverify_meta" not in tables:
                raise IndexFileError("an SQLite file that is not a vidverify index", path=self.path)
            if "vidverify_meta" in tables:
                self._check_version()
                if {"files", "paths", "fingerprints", "signatures"} <= tables:
                    return
            try:  # one transaction: concurrent first users create the schema once
                c.executescript(
                    "BEGIN IMMEDIATE;" + _SCHEMA
                    + f"INSERT OR IGNORE INTO vidverify_meta VALUES ('schema_version', '{SCHEMA_VERSION}');"
                    + f"INSERT OR IGNORE INTO vidverify_meta VALUES ('created', '{now_utc()}');"
                    + f"INSERT OR IGNORE INTO vidverify_meta VALUES ('signature', '{SIGNATURE_RECIPE}'); COMMIT;"
                )
            except BaseException:
                if c.in_transaction:
                    c.execute("ROLLBACK")
                raise
            self._check_version()
        except sqlite3.Error as exc:
            raise self._fail(exc, "opening the index") from exc

    def _use_wal(self) -> None:
        """Switch to WAL. The switch takes an exclusive lock without waiting for it (no busy handler), so when
        several processes open a new index at once, it is retried here."""
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                if self._conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if not ("locked" in str(exc) or "busy" in str(exc)) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _check_version(self) -> None:
        row = self._conn.execute("SELECT value FROM vidverify_meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            return
        version = int(row[0])
        if version > SCHEMA_VERSION:
            raise IndexFileError(f"index schema version {version} is newer than this vidverify reads "
                                 f"({SCHEMA_VERSION}); upgrade vidverify", path=self.path)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _query(self, sql: str, params: Sequence[Any] = (), doing: str = "reading the index") -> list[Any]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._fail(exc, doing) from exc

    def _write(self, steps: Callable[[sqlite3.Connection], object], doing: str) -> None:
        """Run ``steps`` in one IMMEDIATE transaction (all of it is committed, or none)."""
        c = self._conn
        try:
            c.execute("BEGIN IMMEDIATE")
            try:
                steps(c)
                c.execute("COMMIT")
            except BaseException:
                if c.in_transaction:
                    c.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._fail(exc, doing) from exc

    # ---------------------------------------------------------------------------------------- writing

    def add(self, info: MediaInfo, fp: Fingerprint, *, mtime_ns: int | None = None) -> None:
        """Store one file (its identity, ``MediaInfo``, dense fingerprint and search signature) in one
        transaction; a file with the same sha256 is replaced. ``mtime_ns`` is the file's modification time
        when it was read (default: stat it now); the path is recorded for ``lookup`` when size and time are
        known."""
        sha = fp.sha256 or info.sha256
        if not sha:
            raise InputError("cannot index a file without its sha256", path=info.path)
        if info.sha256 and fp.sha256 and info.sha256 != fp.sha256:
            raise InputError("probe and fingerprint disagree on the file's sha256 (it changed while read)",
                             path=info.path)
        size = info.size if info.size is not None else fp.size
        abspath = os.path.abspath(info.path)
        if mtime_ns is None:
            try:
                st = os.stat(abspath)
                mtime_ns = st.st_mtime_ns if size is None or st.st_size == size else None
            except OSError:
                mtime_ns = None
        info_json = json.dumps(info.to_dict(), separators=(",", ":"), allow_nan=False, default=_json_default)
        blob = pack(fp)
        sig = sparse_signature(fp)
        words = sound_words(fp)
        duration = fp.duration if fp.duration is not None else info.duration

        def steps(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO files(sha256, size, frames, duration, mode, added, info) VALUES (?,?,?,?,?,?,?) "
                "ON CONFLICT(sha256) DO UPDATE SET size=excluded.size, frames=excluded.frames, "
                "duration=excluded.duration, mode=excluded.mode, added=excluded.added, info=excluded.info",
                (sha, size, len(fp), duration, fp.mode, now_utc(), info_json),
            )
            (file_id,) = c.execute("SELECT id FROM files WHERE sha256 = ?", (sha,)).fetchone()
            c.execute("INSERT OR REPLACE INTO fingerprints VALUES (?, ?)", (file_id, blob))
            _put_signature(c, file_id, sig)
            # the sound's distinct steps, for search by sound (the table comes with the first file added since)
            c.execute(_SOUNDS)
            c.execute("DELETE FROM sounds WHERE file_id = ?", (file_id,))
            if words is not None and len(words):
                c.execute("INSERT INTO sounds VALUES (?, ?)", (file_id, words.astype("<u4").tobytes()))
            if mtime_ns is not None and size is not None:
                c.execute("INSERT OR REPLACE INTO paths VALUES (?, ?, ?, ?)", (abspath, sha, size, mtime_ns))
            c.execute(_FEATURES)
            c.execute("DELETE FROM features WHERE file_id = ?", (file_id,))  # found again from the new file

        self._write(steps, f"adding {info.path}")

    def put_features(self, sha256: str, blob: bytes) -> None:
        """Keep an indexed file's features (``match.features.Features.to_bytes``) for the next searches."""

        def steps(c: sqlite3.Connection) -> None:
            c.execute(_FEATURES)
            c.execute("INSERT OR REPLACE INTO features SELECT id, ? FROM files WHERE sha256 = ?", (blob, sha256))

        self._write(steps, "keeping features")

    def features(self, sha256: str) -> bytes | None:
        """An indexed file's kept features, or None when none were kept yet."""
        try:
            rows = self._query("SELECT x.blob FROM features x JOIN files f ON f.id = x.file_id WHERE f.sha256 = ?",
                               (sha256,))
        except IndexFileError:  # no features table yet
            return None
        return bytes(rows[0][0]) if rows else None

    def add_path(self, path: str | os.PathLike[str], sha256: str, size: int, mtime_ns: int) -> None:
        """Record that ``path`` (with this size and mtime) holds content already in the index."""
        abspath = os.path.abspath(os.fspath(path))
        self._write(lambda c: c.execute("INSERT OR REPLACE INTO paths VALUES (?, ?, ?, ?)",
                                        (abspath, sha256, size, mtime_ns)), f"adding {path}")

    # ---------------------------------------------------------------------------------------- reading

    def lookup(self, path: str | os.PathLike[str]) -> str | None:
        """The sha256 of ``path`` if it was indexed and its size and mtime_ns are unchanged since (and its
        fingerprint is of the current blob version: an older one, made by an older vidverify, is redone)."""
        abspath = os.path.abspath(os.fspath(path))
        try:
            st = os.stat(abspath)
        except OSError:
            return None
        rows = self._query("SELECT p.sha256, p.size, p.mtime_ns, substr(g.blob, 5, 1) FROM paths p "
                           "JOIN files f ON f.sha256 = p.sha256 JOIN fingerprints g ON g.file_id = f.id "
                           "WHERE p.path = ?", (abspath,))
        if rows and rows[0][1] == st.st_size and rows[0][2] == st.st_mtime_ns and blob_is_current(rows[0][3]):
            return str(rows[0][0])
        return None

    def mode(self, sha256: str) -> str | None:
        """``dense`` or ``keyframes`` for an indexed file, None if it is not in the index or its fingerprint is
        of an older blob version (so that it is made again, and replaced)."""
        rows = self._query("SELECT f.mode, substr(g.blob, 5, 1) FROM files f JOIN fingerprints g ON g.file_id = f.id "
                           "WHERE f.sha256 = ?", (sha256,))
        return str(rows[0][0]) if rows and blob_is_current(rows[0][1]) else None

    def __contains__(self, sha256: object) -> bool:
        return isinstance(sha256, str) and bool(self._query("SELECT 1 FROM files WHERE sha256 = ?", (sha256,)))

    def __len__(self) -> int:
        return int(self._query("SELECT count(*) FROM files")[0][0])

    def fingerprint(self, sha256: str) -> Fingerprint:
        rows = self._query("SELECT g.blob FROM files f JOIN fingerprints g ON g.file_id = f.id WHERE f.sha256 = ?",
                           (sha256,))
        if not rows:
            raise NotFoundError(f"{sha256} is not in the index", path=self.path)
        return unpack(rows[0][0])

    def info(self, sha256: str) -> MediaInfo:
        rows = self._query("SELECT info FROM files WHERE sha256 = ?", (sha256,))
        if not rows:
            raise NotFoundError(f"{sha256} is not in the index", path=self.path)
        stored = json.loads(rows[0][0])
        info = MediaInfo.from_dict(stored)
        if "credentials" not in stored:  # indexed before vidverify read content credentials: unknown, not none
            info = replace(info, tags={**info.tags, NOT_READ_TAG: "not-read"})
        return info

    def paths(self, sha256: str) -> list[str]:
        """Every path recorded for this content (most recently recorded first), else the probed path."""
        rows = self._query("SELECT path FROM paths WHERE sha256 = ? ORDER BY rowid DESC", (sha256,))
        if rows:
            return [str(r[0]) for r in rows]
        return [self.info(sha256).path] if sha256 in self else []

    def stats(self) -> dict[str, Any]:
        files, frames, duration = self._query("SELECT count(*), coalesce(sum(frames), 0), "
                                              "coalesce(sum(duration), 0) FROM files")[0]
        modes = dict(self._query("SELECT mode, count(*) FROM files GROUP BY mode"))
        (paths,) = self._query("SELECT count(*) FROM paths")[0]
        (sig_bytes,) = self._query("SELECT coalesce(sum(length(hashes)), 0) FROM signatures")[0]
        on_disk = sum(os.path.getsize(self.path + s) for s in ("", "-wal", "-shm") if os.path.exists(self.path + s))
        return {
            "path": self.path,
            "schema_version": SCHEMA_VERSION,
            "files": int(files),
            "paths": int(paths),
            "frames": int(frames),
            "duration": round(float(duration), 3),
            "modes": {str(k): int(v) for k, v in modes.items()},
            "signature_hashes": int(sig_bytes) // 8,
            "signature": self._signature_recipe(),
            "bytes": int(on_disk),
        }

    def integrity_check(self) -> str:
        return str(self._query("PRAGMA integrity_check")[0][0])

    # ---------------------------------------------------------------------------------------- signatures

    def data_version(self) -> int:
        """Changes when another connection commits (a searcher drops its bands on its own writes)."""
        return int(self._query("PRAGMA data_version")[0][0])

    def _signature_recipe(self) -> str | None:
        rows = self._query("SELECT value FROM vidverify_meta WHERE key = 'signature'")
        return str(rows[0][0]) if rows else None

    def _remake_signatures(self) -> None:
        """Remake every signature made by another recipe from the stored fingerprint (see the module docstring):
        REMAKE_BATCH files per transaction, so other processes wait for one batch at most and an interrupted
        remake goes on where it stopped. A fingerprint that does not unpack keeps its old signature; an index that
        cannot be written (read-only, or kept locked by another process) is searched with the signatures it has."""
        ids = [int(r[0]) for r in self._query("SELECT file_id FROM fingerprints ORDER BY file_id")]
        row = self._query("SELECT value FROM vidverify_meta WHERE key = 'signature_progress'")
        recipe, _, last = str(row[0][0]).rpartition("|") if row else ("", "", "")
        done_up_to = int(last) if recipe == SIGNATURE_RECIPE and last.isascii() and last.isdigit() else -1
        todo = [i for i in ids if i > done_up_to]
        if todo:
            log.warning("%s: remaking the search signatures of %d indexed files (made by an older vidverify) ...",
                        self.path, len(todo))
        damaged: list[int] = []

        def batch(chunk: list[int], final: bool) -> Callable[[sqlite3.Connection], None]:
            def steps(c: sqlite3.Connection) -> None:
                done = c.execute("SELECT value FROM vidverify_meta WHERE key = 'signature'").fetchone()
                if done is not None and done[0] == SIGNATURE_RECIPE:  # another process did it while this one waited
                    return
                for file_id in chunk:
                    blob = c.execute("SELECT blob FROM fingerprints WHERE file_id = ?", (file_id,)).fetchone()
                    if blob is None:  # gone since the list was read
                        continue
                    try:
                        sig = sparse_signature(unpack(blob[0]))
                    except IndexFileError:  # a damaged blob: its old signature stays
                        damaged.append(file_id)
                        continue
                    _put_signature(c, file_id, sig)
                if chunk:
                    c.execute("INSERT OR REPLACE INTO vidverify_meta VALUES ('signature_progress', ?)",
                              (f"{SIGNATURE_RECIPE}|{chunk[-1]}",))
                if final:
                    c.execute("INSERT OR REPLACE INTO vidverify_meta VALUES ('signature', ?)", (SIGNATURE_RECIPE,))
                    c.execute("DELETE FROM vidverify_meta WHERE key = 'signature_progress'")
            return steps

        chunks = [todo[k:k + REMAKE_BATCH] for k in range(0, len(todo), REMAKE_BATCH)] or [[]]
        try:
            for n, chunk in enumerate(chunks):
                try:
                    self._write(batch(chunk, n == len(chunks) - 1), "remaking the search signatures")
                except IndexFileError as exc:
                    text = str(exc)
                    why = ("the index is read-only" if "readonly" in text or "read-only" in text
                           else "another process kept the index locked" if "locked" in text else None)
                    if why is None:
                        raise
                    log.warning("%s: %s, so %d of its signatures stay those of an older vidverify: search may miss "
                                "copies that only the newer channels (%s) find; search again with write access to "
                                "it to finish", self.path, why, len(todo) - n * REMAKE_BATCH, SIGNATURE_RECIPE)
                    return
        finally:
            if damaged:
                log.warning("%s: %d stored fingerprints could not be read (first row %d: damaged, or made by a newer "
                            "vidverify), so their signatures stay as they were; `vidverify index add` of their files "
                            "again remakes them", self.path, len(damaged), damaged[0])

    def signatures(self) -> tuple[np.ndarray, np.ndarray, Signature, list[str]]:
        """Every clip's sparse signature: (row ids, entries per row, the signatures one after the other, sha256
        per row), by row id (remade first when an older vidverify made them)."""
        if self._signature_recipe() != SIGNATURE_RECIPE:
            self._remake_signatures()
        grouped = bool(self._query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'signature_groups'"))
        rows = self._query("SELECT s.file_id, f.sha256, s.hashes, s.times, "
                           + ("g.groups FROM signatures s LEFT JOIN signature_groups g ON g.file_id = s.file_id "
                              if grouped else "NULL FROM signatures s ")
                           + "JOIN files f ON f.id = s.file_id ORDER BY s.file_id")
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        lengths = np.fromiter((len(r[2]) // 8 for r in rows), dtype=np.int64, count=len(rows))
        hashes = np.frombuffer(b"".join(r[2] for r in rows), dtype="<u8").astype(np.uint64, copy=False)
        times = np.frombuffer(b"".join(r[3] for r in rows), dtype="<f4").astype(np.float32, copy=False)
        groups = np.frombuffer(b"".join(r[4] if r[4] is not None and len(r[4]) == n else bytes(n)
                                        for r, n in zip(rows, lengths.tolist(), strict=True)), dtype=np.uint8)
        if len(groups) and int(groups.max()) >= SIGNATURE_GROUPS:  # a damaged row's unknown groups: whole pictures
            groups = np.where(groups < SIGNATURE_GROUPS, groups, 0).astype(np.uint8)
        return ids, lengths, Signature(hashes, times, groups), [str(r[1]) for r in rows]

    def sound_words(self) -> list[tuple[str, np.ndarray]]:
        """(sha256, the distinct steps of its sound) of every indexed clip with sound (none in an index that no
        vidverify with the sound print has added to)."""
        try:
            rows = self._query("SELECT f.sha256, s.words FROM sounds s JOIN files f ON f.id = s.file_id")
        except IndexFileError:  # no sounds table yet
            return []
        return [(str(sha), np.frombuffer(w, dtype="<u4").astype(np.uint32)) for sha, w in rows]

    def iter_files(self) -> Iterator[tuple[str, str, int, float | None]]:
        """(sha256, mode, frames, duration) of every indexed file."""
        for sha, mode, frames, duration in self._query("SELECT sha256, mode, frames, duration FROM files ORDER BY id"):
            yield str(sha), str(mode), int(frames), duration


def _put_signature(c: sqlite3.Connection, file_id: int, sig: Signature) -> None:
    c.execute("INSERT OR REPLACE INTO signatures VALUES (?, ?, ?)",
              (file_id, sig.hashes.astype("<u8").tobytes(), sig.times.astype("<f4").tobytes()))
    c.execute(_GROUPS)  # the table comes with the first signature written since
    c.execute("INSERT OR REPLACE INTO signature_groups VALUES (?, ?)", (file_id, sig.groups.astype(np.uint8).tobytes()))


def _json_default(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


__all__ = ["BUSY_TIMEOUT_SECONDS", "SCHEMA_VERSION", "SqliteStore"]
