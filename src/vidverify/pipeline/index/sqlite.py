"""A persistent fingerprint store (one SQLite file) and search over it.

    with Index("archive.sqlite") as ix:
        ix.add(info, fp)                       # one transaction per file
        results = ix.search(query_fp, top=5)   # best matches, aligned against the query

**Storage.** One SQLite file in WAL mode. Each ``add`` is one ``BEGIN IMMEDIATE`` transaction, so a crash or a
SIGKILL in the middle of a scan loses nothing that was committed before it, and several processes can add at
once (writers queue on the lock for up to ``BUSY_TIMEOUT_SECONDS`` instead of failing). Tables:
``vidverify_meta`` (schema version), ``files`` (sha256, size, frames, duration, mode, the ``MediaInfo`` JSON),
``paths`` (path, size, mtime_ns -> sha256: a re-scan skips unchanged files without reading them),
``fingerprints`` (the dense fingerprint, compact blob, see ``encode_fingerprint``) and ``signatures`` (the sparse
hashes the candidate stage searches). The blobs live in their own tables so that loading the signatures reads
only the signature pages.

**Search, two stages.**

1. Candidates (multi-index hashing). Each indexed clip contributes a sparse signature: at most one hash per
   ``SPARSE_INTERVAL_SECONDS`` of its non-flat frames (static stretches thinned), both of the full picture and
   of its centre 9:16 crop, with its time. Every 64-bit hash is cut into four 16-bit bands; per band, the
   signature entries are kept in memory ordered by band value with a 65,536-entry offset table (a bucket is one
   slice). Two hashes within 3 bits share at least one band exactly, and frames of the same footage, which
   differ by a few bits, usually share several. The query is sampled at ``QUERY_SAMPLES_PER_SECOND``; its
   full, mirrored, crop and mirrored-crop hashes look up their four buckets each; every entry found is checked
   on all 64 bits (``CANDIDATE_BITS``). Votes are temporal: a clip's score is its best (speed, time offset)
   cell, summing over distinct query frames the closeness of their best hit, so shared footage (hits on one
   line, a few bits apart) stands far above look-alike pictures (scattered, near the threshold). Buckets larger
   than ``MAX_BUCKET_FACTOR`` times the mean (generic pictures) are skipped. The arrays are built on first use
   from the ``signatures`` table and rebuilt when another connection has written.
2. Alignment. The best candidates (at least ``MIN_VOTES`` and ``RELATIVE_VOTES`` of the best one's votes) are
   aligned densely with ``compare.match_fingerprints``, normally the indexed clip as reference and the query as
   the clip to explain (alignment follows B frame by frame, so the denser fingerprint is B: a keyframe-only
   indexed clip is still matched along every query frame), and reported with A = the query, B = the indexed
   clip; clips whose verdict is not ``unrelated`` are the results, best first.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import struct
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import InputError, NotFoundError, UsageError, VidverifyError
from ...models import Edit, MediaInfo, Model, Segment
from ...signals.fingerprint import _ARRAYS, HALVES, Fingerprint, _codec_digest, _geometry

log = logging.getLogger("vidverify")

SCHEMA_VERSION = 1
SEARCH_SCHEMA = "vidverify/search@1"
DEFAULT_INDEX = "vidverify.sqlite"
INDEX_ENV = "VIDVERIFY_INDEX"
BUSY_TIMEOUT_SECONDS = 120.0  # a writer waits this long for another process's transaction before failing

SPARSE_INTERVAL_SECONDS = 0.5  # at most one signature hash per this much of an indexed clip
SPARSE_SAME_BITS = 2  # a frame within this many bits of the sampled frame before it adds nothing (static shot)
QUERY_SAMPLES_PER_SECOND = 8.0  # query frames looked up per second of the query
MAX_QUERY_SAMPLES = 2000  # a longer query is sampled more thinly
BANDS = 4  # 16-bit bands of a 64-bit hash
CANDIDATE_BITS = 12  # a looked-up entry counts when the whole hash is within this many bits
MAX_BUCKET_FACTOR = 64  # a band bucket larger than this times the mean bucket (and MIN_BIG_BUCKET) is skipped
MIN_BIG_BUCKET = 2000
CANDIDATE_SPEEDS = (0.5, 0.63, 0.8, 1.0, 1.25, 1.6, 2.0)  # playback speeds the candidate votes allow for
OFFSET_BIN_SECONDS = 2.0  # hits vote together when their time offsets fall in one bin this wide
MIN_VOTES = 3.0  # a candidate needs this many (weighted) query frames on one line to be aligned
RELATIVE_VOTES = 0.02  # ... and this share of the best candidate's votes
ALIGN_CANDIDATES = 5  # candidates aligned beyond the requested number of results
FLAT_LUMA_STD = 3.0  # frames flatter than this (black, white) are neither indexed nor looked up

_BLOB_MAGIC = b"VVFB"
_BLOB_VERSION = 3  # 2: the fingerprint's half-picture hashes; 3: its packet digests (after the frame arrays)
_U64 = ("hashes", "mirrored", "crop_hashes", "crop_mirrored", "rot90", "rot180", "rot270", *HALVES)
_DTYPES = {a: (np.uint64 if a in _U64 else np.float64 if a == "times" else np.uint8 if a == "half_flat"
               else np.float32) for a in _ARRAYS}


class IndexFileError(InputError):
    """The index file cannot be used: not an SQLite file, not a vidverify index, a newer schema, locked."""


# ------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class SearchResult(Model):
    """One indexed clip that shares footage with the query (CONTRACT.md, search section).

    ``segments`` and ``coverage`` as in compare, with A = the query and B = the indexed clip (a segment's
    ``frames`` counts the frames of the denser side); ``score`` is the compare similarity (0..1); ``edits`` say
    how the query differs from the indexed clip (as ``compare INDEXED QUERY`` would, without the picture edits
    that need the media; none for a keyframe-only query against a denser clip); ``votes`` is the candidate
    stage's score (sampled query frames on one time line, weighted by closeness)."""

    path: str
    sha256: str
    score: float
    verdict: str
    coverage: dict[str, float]
    segments: tuple[Segment, ...] = ()
    edits: tuple[Edit, ...] = ()
    duration: float | None = None
    confidence: float = 0.0
    votes: float = 0.0


@dataclass(frozen=True)
class AddResult(Model):
    """What ``add_paths`` did with one input: ``added``, ``unchanged`` (same path, size and mtime: not read),
    ``known`` (content already indexed: only the path was recorded) or ``error``."""

    path: str
    status: str
    sha256: str | None = None
    frames: int | None = None
    seconds: float | None = None
    error: str | None = None


# ------------------------------------------------------------------------------------------ blob encoding


def _shuffle(raw: bytes, width: int) -> bytes:
    """Byte-transpose an array of ``width``-byte items (same-significance bytes together compress better)."""
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, width).T.tobytes()


def _unshuffle(raw: bytes, width: int) -> bytes:
    return np.frombuffer(raw, dtype=np.uint8).reshape(width, -1).T.tobytes()


def _current(version_byte: bytes) -> bool:
    """Whether a blob's version byte (``substr(blob, 5, 1)`` in SQL) is this version's: older ones are redone."""
    return bytes(version_byte) == bytes([_BLOB_VERSION])


def encode_fingerprint(fp: Fingerprint) -> bytes:
    """A fingerprint as a compact, exact blob: ``VVFB``, version, the meta JSON, then zlib of every array
    (hash arrays XOR-delta coded: neighbouring frames differ by a few bits), byte-transposed."""
    meta = json.dumps(fp.meta(), separators=(",", ":")).encode()
    parts = []
    for name in _ARRAYS:
        arr = np.ascontiguousarray(getattr(fp, name), dtype=_DTYPES[name])
        if name in _U64 and len(arr) > 1:
            arr = np.concatenate([arr[:1], np.bitwise_xor(arr[1:], arr[:-1])])
        parts.append(_shuffle(arr.astype(arr.dtype.newbyteorder("<")).tobytes(), arr.itemsize))
    for arr in (np.ascontiguousarray(fp.packet_times, dtype="<f8"),
                np.ascontiguousarray(fp.packet_digests, dtype="<u8")):
        parts.append(_shuffle(arr.tobytes(), arr.itemsize))
    payload = zlib.compress(b"".join(parts), 6)
    return _BLOB_MAGIC + struct.pack("<BII", _BLOB_VERSION, len(fp), len(meta)) + meta + payload


def decode_fingerprint(blob: bytes) -> Fingerprint:
    """The fingerprint in a blob; anything damaged raises IndexFileError."""
    try:
        return _decode_fingerprint(blob)
    except IndexFileError:
        raise
    except Exception as exc:  # struct, zlib, json and numpy raise a dozen types on damaged data
        raise IndexFileError(f"damaged fingerprint in the index ({type(exc).__name__}: {exc})") from exc


def _decode_fingerprint(blob: bytes) -> Fingerprint:
    if blob[:4] != _BLOB_MAGIC:
        raise IndexFileError("damaged fingerprint in the index (bad magic)")
    version, n, meta_len = struct.unpack_from("<BII", blob, 4)
    if version > _BLOB_VERSION:
        raise IndexFileError(f"fingerprint blob version {version} is newer than this vidverify reads; upgrade")
    start = 4 + struct.calcsize("<BII")
    meta = json.loads(blob[start:start + meta_len])
    payload = zlib.decompress(blob[start + meta_len:])
    arrays: dict[str, Any] = {}
    pos = 0
    # version 1 has no half-picture hashes: Fingerprint marks them flat (never matched), as for .vvfp format 1
    for name in _ARRAYS if version >= 2 else tuple(a for a in _ARRAYS if a not in (*HALVES, "half_flat")):
        dt = np.dtype(_DTYPES[name]).newbyteorder("<")
        size = n * dt.itemsize
        arr = np.frombuffer(_unshuffle(payload[pos:pos + size], dt.itemsize), dtype=dt).astype(_DTYPES[name])
        pos += size
        if name in _U64 and n > 1:
            arr = np.bitwise_xor.accumulate(arr)
        arrays[name] = arr
    if version >= 3:  # packet digests: meta's packet_count entries of each
        m = int(meta.get("packet_count") or 0)
        if m < 0 or pos + 16 * m > len(payload):
            raise IndexFileError(f"damaged fingerprint in the index (packet_count {m})")
        for name, dt in (("packet_times", np.dtype("<f8")), ("packet_digests", np.dtype("<u8"))):
            size = m * dt.itemsize
            arrays[name] = np.frombuffer(_unshuffle(payload[pos:pos + size], dt.itemsize), dtype=dt).astype(
                np.float64 if name == "packet_times" else np.uint64)
            pos += size
    return Fingerprint(
        path=meta["path"], sha256=meta.get("sha256"), size=meta.get("size"), mode=meta.get("mode", "dense"),
        **_geometry(meta), versions=meta.get("versions", {}), warnings=tuple(meta.get("warnings", ())), **arrays,
        codec_digest=_codec_digest(meta.get("codec_digest")),
    )


def sparse_signature(fp: Fingerprint) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, times) indexed for the candidate stage: at most one non-flat frame per SPARSE_INTERVAL_SECONDS,
    skipping frames within SPARSE_SAME_BITS of the sampled frame before; the full-picture hashes, then the crop
    hashes of the same frames."""
    keep = np.flatnonzero(np.asarray(fp.luma_std) >= FLAT_LUMA_STD)
    if len(keep) == 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.float32)
    t = np.asarray(fp.times)[keep]
    slot = np.floor((t - t[0]) / SPARSE_INTERVAL_SECONDS).astype(np.int64)
    first = np.concatenate([[True], slot[1:] != slot[:-1]])
    keep = keep[first]
    h = np.asarray(fp.hashes, dtype=np.uint64)[keep]
    if len(h) > 1:  # a static shot: frames that hardly differ from the one before add nothing
        moved = np.bitwise_count(np.bitwise_xor(h[1:], h[:-1])) > SPARSE_SAME_BITS
        keep = keep[np.concatenate([[True], moved])]
    hashes = np.concatenate([np.asarray(fp.hashes, np.uint64)[keep], np.asarray(fp.crop_hashes, np.uint64)[keep]])
    times = np.asarray(fp.times, np.float64)[keep].astype(np.float32)
    return hashes, np.concatenate([times, times])


# ------------------------------------------------------------------------------------------ candidate stage


class _Bands:
    """In-memory multi-index over every signature hash: per 16-bit band, entry numbers ordered by band value
    and an offset table (bucket ``v`` of band ``b`` is ``order[b][offsets[b][v]:offsets[b][v + 1]]``)."""

    def __init__(self, file_ids: np.ndarray, starts: np.ndarray, hashes: np.ndarray, times: np.ndarray) -> None:
        self.file_ids = file_ids  # row id of each file (int64), in entry order
        self.starts = starts  # entries of file k: starts[k]:starts[k + 1]
        self.hashes = hashes
        self.times = times  # float32 seconds of each entry on its clip
        self.order: list[np.ndarray] = []
        self.offsets: list[np.ndarray] = []
        little = sys.byteorder == "little"
        for b in range(BANDS):
            if little:  # band b is the b-th 16-bit word of each hash in memory: no shifting needed
                keys = np.ascontiguousarray(hashes.view(np.uint16).reshape(-1, BANDS)[:, b])
            else:
                keys = ((hashes >> np.uint64(16 * b)) & np.uint64(0xFFFF)).astype(np.uint16)
            self.order.append(np.argsort(keys, kind="stable").astype(np.uint32))  # radix sort for 16-bit keys
            counts = np.bincount(keys, minlength=1 << 16)
            self.offsets.append(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
        mean = len(hashes) / float(1 << 16)
        self.max_bucket = int(max(MIN_BIG_BUCKET, MAX_BUCKET_FACTOR * mean))

    @property
    def nbytes(self) -> int:
        return int(self.hashes.nbytes + self.times.nbytes + sum(o.nbytes for o in self.order)
                   + sum(o.nbytes for o in self.offsets) + self.starts.nbytes + self.file_ids.nbytes)

    def votes(self, probes: np.ndarray, frame_of: np.ndarray, frame_times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(file row ids, votes): per file, the most distinct query frames whose verified hits lie on one line
        ``t_indexed = speed * t_query + offset`` (see ``_line_votes``)."""
        if len(self.hashes) == 0 or len(probes) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        hit_entries, hit_frames, hit_bits = [], [], []
        for b in range(BANDS):
            keys = ((probes >> np.uint64(16 * b)) & np.uint64(0xFFFF)).astype(np.int64)
            lo, hi = self.offsets[b][keys], self.offsets[b][keys + 1]
            counts = hi - lo
            counts[counts > self.max_bucket] = 0
            total = int(counts.sum())
            if total == 0:
                continue
            ends = np.cumsum(counts)
            pos = np.arange(total, dtype=np.int64) + np.repeat(lo - (ends - counts), counts)
            entries = self.order[b][pos]
            probe_idx = np.repeat(np.arange(len(probes)), counts)
            bits = np.bitwise_count(self.hashes[entries] ^ probes[probe_idx])
            close = bits <= CANDIDATE_BITS
            hit_entries.append(entries[close].astype(np.int64))
            hit_frames.append(frame_of[probe_idx[close]])
            hit_bits.append(bits[close])
        if not hit_entries:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        entries = np.concatenate(hit_entries)
        if len(entries) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        frames = np.concatenate(hit_frames)
        files = np.searchsorted(self.starts, entries, side="right") - 1
        weight = 1.0 - np.concatenate(hit_bits) / (CANDIDATE_BITS + 1.0)
        ufiles, votes = _line_votes(files, frames, weight, self.times[entries].astype(np.float64),
                                    frame_times[frames], len(frame_times))
        return self.file_ids[ufiles], votes


def _line_votes(files: np.ndarray, frames: np.ndarray, weight: np.ndarray, t_indexed: np.ndarray,
                t_query: np.ndarray, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Per file, the best cell of (speed, offset): the sum over distinct query frames in the cell of their
    closest hit's weight (1 for an exact hash, falling to 0 at CANDIDATE_BITS + 1 bits). Hits of shared footage
    line up and are close; chance hits of look-alike pictures scatter and are far. Speeds CANDIDATE_SPEEDS,
    offsets in bins of OFFSET_BIN_SECONDS (twice, shifted by half a bin, so a line on a bin edge is not split)."""
    ufiles, finv = np.unique(files, return_inverse=True)
    best = np.zeros(len(ufiles), np.float64)
    for speed in CANDIDATE_SPEEDS:
        off = (t_indexed - speed * t_query) / OFFSET_BIN_SECONDS
        for shift in (0.0, 0.5):
            b = np.floor(off + shift).astype(np.int64)
            b -= b.min()
            width = int(b.max()) + 1
            key = (finv * width + b) * n_frames + frames
            order = np.lexsort((-weight, key))
            k = key[order]
            first = np.concatenate([[True], k[1:] != k[:-1]])  # a frame votes once per cell, its closest hit
            cell, inv = np.unique(k[first] // n_frames, return_inverse=True)
            sums = np.bincount(inv, weights=weight[order][first])
            np.maximum.at(best, cell // width, sums)
    return ufiles, best


def _query_probes(fp: Fingerprint) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(probe hashes, the sampled query frame of each probe, times of the sampled frames)."""
    informative = np.flatnonzero(np.asarray(fp.luma_std) >= FLAT_LUMA_STD)
    if len(informative) == 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0)
    t = np.asarray(fp.times)[informative]
    span = float(t[-1] - t[0]) if len(t) > 1 else 0.0
    want = int(min(MAX_QUERY_SAMPLES, max(1.0, span * QUERY_SAMPLES_PER_SECOND))) + 1
    if len(informative) > want:
        informative = informative[np.unique(np.linspace(0, len(informative) - 1, want).round().astype(int))]
    n = len(informative)
    chans = [np.asarray(getattr(fp, c), np.uint64)[informative]
             for c in ("hashes", "mirrored", "crop_hashes", "crop_mirrored")]
    probes = np.concatenate(chans)
    frame_of = np.tile(np.arange(n, dtype=np.int64), len(chans))
    # identical probes (a static shot) are looked up once per frame set
    probes, first = np.unique(probes, return_index=True)
    return probes, frame_of[first], np.asarray(fp.times, np.float64)[informative]


# ------------------------------------------------------------------------------------------------- index

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


def default_index_path() -> str:
    return os.environ.get(INDEX_ENV) or DEFAULT_INDEX


class Index:
    """A fingerprint store in one SQLite file (created on first use unless ``create=False``).

    Use as a context manager, or call ``close()``. One ``Index`` belongs to one thread; any number of processes
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
        self._bands: _Bands | None = None
        self._bands_version: int | None = None
        self._sha_of: dict[int, str] = {}
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
                    + f"INSERT OR IGNORE INTO vidverify_meta VALUES ('created', '{_now()}'); COMMIT;"
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
        self._bands = None
        self._conn.close()

    def __enter__(self) -> Index:
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
        self._bands = None

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
        blob = encode_fingerprint(fp)
        sig, sig_t = sparse_signature(fp)
        duration = fp.duration if fp.duration is not None else info.duration

        def steps(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO files(sha256, size, frames, duration, mode, added, info) VALUES (?,?,?,?,?,?,?) "
                "ON CONFLICT(sha256) DO UPDATE SET size=excluded.size, frames=excluded.frames, "
                "duration=excluded.duration, mode=excluded.mode, added=excluded.added, info=excluded.info",
                (sha, size, len(fp), duration, fp.mode, _now(), info_json),
            )
            (file_id,) = c.execute("SELECT id FROM files WHERE sha256 = ?", (sha,)).fetchone()
            c.execute("INSERT OR REPLACE INTO fingerprints VALUES (?, ?)", (file_id, blob))
            c.execute("INSERT OR REPLACE INTO signatures VALUES (?, ?, ?)",
                      (file_id, sig.astype("<u8").tobytes(), sig_t.astype("<f4").tobytes()))
            if mtime_ns is not None and size is not None:
                c.execute("INSERT OR REPLACE INTO paths VALUES (?, ?, ?, ?)", (abspath, sha, size, mtime_ns))

        self._write(steps, f"adding {info.path}")

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
        if rows and rows[0][1] == st.st_size and rows[0][2] == st.st_mtime_ns and _current(rows[0][3]):
            return str(rows[0][0])
        return None

    def mode(self, sha256: str) -> str | None:
        """``dense`` or ``keyframes`` for an indexed file, None if it is not in the index or its fingerprint is
        of an older blob version (so that it is made again, and replaced)."""
        rows = self._query("SELECT f.mode, substr(g.blob, 5, 1) FROM files f JOIN fingerprints g ON g.file_id = f.id "
                           "WHERE f.sha256 = ?", (sha256,))
        return str(rows[0][0]) if rows and _current(rows[0][1]) else None

    def __contains__(self, sha256: object) -> bool:
        return isinstance(sha256, str) and bool(self._query("SELECT 1 FROM files WHERE sha256 = ?", (sha256,)))

    def __len__(self) -> int:
        return int(self._query("SELECT count(*) FROM files")[0][0])

    def fingerprint(self, sha256: str) -> Fingerprint:
        rows = self._query("SELECT g.blob FROM files f JOIN fingerprints g ON g.file_id = f.id WHERE f.sha256 = ?",
                           (sha256,))
        if not rows:
            raise NotFoundError(f"{sha256} is not in the index", path=self.path)
        return decode_fingerprint(rows[0][0])

    def info(self, sha256: str) -> MediaInfo:
        rows = self._query("SELECT info FROM files WHERE sha256 = ?", (sha256,))
        if not rows:
            raise NotFoundError(f"{sha256} is not in the index", path=self.path)
        return MediaInfo.from_dict(json.loads(rows[0][0]))

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
            "schema": SCHEMA_VERSION,
            "files": int(files),
            "paths": int(paths),
            "frames": int(frames),
            "duration": round(float(duration), 3),
            "modes": {str(k): int(v) for k, v in modes.items()},
            "signature_hashes": int(sig_bytes) // 8,
            "bytes": int(on_disk),
        }

    def integrity_check(self) -> str:
        return str(self._query("PRAGMA integrity_check")[0][0])

    # ---------------------------------------------------------------------------------------- search

    def _data_version(self) -> int:
        """Changes when another connection commits (this connection's own writes drop the bands itself)."""
        return int(self._query("PRAGMA data_version")[0][0])

    def _load_bands(self) -> _Bands:
        version = self._data_version()
        if self._bands is not None and self._bands_version == version:
            return self._bands
        started = time.perf_counter()
        self._bands = None  # free the old arrays before building new ones
        rows = self._query("SELECT s.file_id, f.sha256, s.hashes, s.times FROM signatures s JOIN files f "
                           "ON f.id = s.file_id ORDER BY s.file_id")
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        lengths = np.fromiter((len(r[2]) // 8 for r in rows), dtype=np.int64, count=len(rows))
        hashes = np.frombuffer(b"".join(r[2] for r in rows), dtype="<u8").astype(np.uint64, copy=False)
        times = np.frombuffer(b"".join(r[3] for r in rows), dtype="<f4").astype(np.float32, copy=False)
        self._sha_of = {int(r[0]): str(r[1]) for r in rows}
        del rows  # the blobs are copied into the arrays: let them go before the sort
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        bands = _Bands(ids, starts, hashes, times)
        self._bands, self._bands_version = bands, version
        log.info("index: %d signature hashes of %d files loaded in %.2f s", len(hashes), len(ids),
                 time.perf_counter() - started)
        return bands

    def candidates(self, fp: Fingerprint, limit: int = 50) -> list[tuple[str, float]]:
        """(sha256, votes) of the indexed clips most likely to share footage with ``fp``, most votes first.
        Votes: sampled query frames with an indexed hash within CANDIDATE_BITS on one line of time offset, each
        weighted by closeness (1 for an exact hash)."""
        bands = self._load_bands()
        probes, frame_of, frame_times = _query_probes(fp)
        ids, votes = bands.votes(probes, frame_of, frame_times)
        if len(ids) == 0:
            return []
        order = np.lexsort((ids, -votes))[:limit]
        return [(self._sha_of[int(ids[i])], round(float(votes[i]), 2)) for i in order]

    def search(self, fp: Fingerprint, top: int = 10, *, min_votes: float = MIN_VOTES) -> tuple[SearchResult, ...]:
        """Indexed clips that share footage with ``fp``, best first (at most ``top``)."""
        from ..comparison import match_fingerprints

        if top < 1:
            raise UsageError("top must be at least 1")
        found = self.candidates(fp, top + ALIGN_CANDIDATES)
        floor = max(min_votes, RELATIVE_VOTES * found[0][1]) if found else min_votes
        found = [(s, v) for s, v in found if v >= floor]
        if fp.sha256 and fp.sha256 in self and all(s != fp.sha256 for s, _ in found):
            found.insert(0, (fp.sha256, 0.0))  # the query's own bytes are indexed (flat or tiny clip)
        results = []
        for sha, votes in found:
            indexed = self.fingerprint(sha)
            if _frame_step(fp) <= _frame_step(indexed) * 1.5:
                # the usual case: the indexed clip is the reference and the query the clip to explain (alignment
                # follows B frame by frame, so a keyframe-only indexed clip still gives whole segments)
                m = match_fingerprints(indexed, fp)
                coverage = {"a": m.coverage["b"], "b": m.coverage["a"]}
                segments = tuple(sorted((_swap(s) for s in m.segments), key=lambda s: (s.a_start, s.b_start)))
                edits, duration = m.edits, m.a.duration
            else:  # a keyframe-only query against a dense clip: follow the clip's frames (no edit list then)
                m = match_fingerprints(fp, indexed)
                coverage, segments, edits, duration = m.coverage, m.segments, (), m.b.duration
            if m.verdict == "unrelated":
                continue
            results.append(SearchResult(
                path=_best_path(self.paths(sha)), sha256=sha, score=m.similarity, verdict=m.verdict, coverage=coverage,
                segments=segments, edits=edits, duration=duration, confidence=m.confidence, votes=votes,
            ))
        results.sort(key=lambda r: (-(r.verdict == "identical"), -r.score, -r.votes, r.path))
        return tuple(results[:top])

    def iter_files(self) -> Iterator[tuple[str, str, int, float | None]]:
        """(sha256, mode, frames, duration) of every indexed file."""
        for sha, mode, frames, duration in self._query("SELECT sha256, mode, frames, duration FROM files ORDER BY id"):
            yield str(sha), str(mode), int(frames), duration


def _best_path(paths: list[str]) -> str:
    """The most recently recorded path that still exists (else the most recent one)."""
    return next((p for p in paths if os.path.exists(p)), paths[0] if paths else "")


def _frame_step(fp: Fingerprint) -> float:
    """Typical time between fingerprinted frames (s)."""
    if len(fp.times) < 2:
        return float("inf")
    return float(np.median(np.diff(np.asarray(fp.times)[:2000])))


_SWAPPED_CHANNELS = {"a-crop": "b-crop", "b-crop": "a-crop", "rotate-90": "rotate-270", "rotate-270": "rotate-90"}


def _swap(s: Segment) -> Segment:
    """A segment of compare(indexed, query) seen from the query: A and B exchanged."""
    return Segment(a_start=s.b_start, a_end=s.b_end, b_start=s.a_start, b_end=s.a_end,
                   speed=round(1.0 / s.speed, 4) if s.speed else s.speed, mirrored=s.mirrored, distance=s.distance,
                   frames=s.frames, channel=_SWAPPED_CHANNELS.get(s.channel, s.channel))


# ------------------------------------------------------------------------------------- adding media files

def expand_paths(paths: Iterable[str]) -> list[str]:
    """The media files under ``paths`` as scan finds them (``scan.discover``: folders searched by suffix, hidden
    files, FIFOs and symlinked folders skipped), then the paths it could not use, so that each gets its error."""
    from ..scanning import MEDIA_EXTENSIONS, discover

    files, errors = discover(paths, extensions=MEDIA_EXTENSIONS | {".vvfp"})  # saved fingerprints index too
    return files + list(errors)


def _read_media(path: str, keyframes: bool, jobs: int | None, sha256: str) -> tuple[Any, Any, float]:
    """Fingerprint and probe one file; ((MediaInfo, Fingerprint) or None, error text or None, seconds)."""
    from ...media.probe import probe, readable
    from ...signals.fingerprint import fingerprint

    started = time.perf_counter()
    try:
        fp = fingerprint(path, keyframes=keyframes, jobs=jobs)
    except InputError as exc:
        return None, exc.message, time.perf_counter() - started
    info = probe(path, sha256=fp.sha256 or sha256)
    if not readable(info):
        return None, "; ".join(info.errors) or "unreadable", time.perf_counter() - started
    return (info, fp), None, time.perf_counter() - started


def _add_fingerprint_file(index: Index, path: str) -> AddResult:
    """A ``.vvfp`` file made elsewhere (``vidverify hash -o``): indexed under the media it describes."""
    try:
        fp = Fingerprint.load(path)
    except InputError as exc:
        return AddResult(path, "error", error=exc.message)
    if not fp.sha256:
        return AddResult(path, "error", error="the fingerprint file does not carry its media's sha256")
    info = MediaInfo(path=fp.path, sha256=fp.sha256, size=fp.size, kind="video" if len(fp) > 1 else "image",
                     duration=fp.duration, width=fp.width, height=fp.height, fps=fp.fps, frame_count=len(fp),
                     errors=(), tags={"vidverify.source": "fingerprint file", "vidverify.fingerprint": path})
    index.add(info, fp)
    return AddResult(path, "added", sha256=fp.sha256, frames=len(fp))


def add_paths(index: Index, paths: Iterable[str], *, keyframes: bool = False, jobs: int = 1,
              on_result: Callable[[AddResult], None] | None = None) -> list[AddResult]:
    """Probe and fingerprint each file into ``index``; ``jobs`` files at a time (worker processes; the writes
    stay in this process). A file whose path, size and mtime are unchanged is skipped without reading it; a
    file whose content is already indexed (moved, copied, touched) only has its path recorded; a ``.vvfp``
    fingerprint file is indexed as the media file it describes. A file that cannot be read gives an ``error``
    result and the others go on."""
    if jobs < 1:
        raise UsageError("jobs must be at least 1")
    results: list[AddResult] = []

    def done(r: AddResult) -> None:
        results.append(r)
        if on_result:
            on_result(r)

    todo: list[tuple[str, str, int]] = []  # path, sha256, mtime_ns
    from ...signals.fingerprint import is_fingerprint_file, sha256_file

    for path in expand_paths(paths):
        try:
            st = os.stat(path)
            if not os.path.isfile(path):
                raise IsADirectoryError("not a regular file")
            if st.st_size == 0:
                done(AddResult(path, "error", error="empty file (0 bytes)"))
                continue
            sha = index.lookup(path)
            if sha is not None:
                done(AddResult(path, "unchanged", sha256=sha))
                continue
            if is_fingerprint_file(path):
                done(_add_fingerprint_file(index, path))
                continue
            sha = sha256_file(path)
        except FileNotFoundError:
            done(AddResult(path, "error", error="no such file"))
            continue
        except OSError as exc:
            done(AddResult(path, "error", error=str(exc.strerror or exc)))
            continue
        stored = index.mode(sha)
        if stored is not None and (stored == "dense" or keyframes):
            index.add_path(path, sha, st.st_size, st.st_mtime_ns)
            done(AddResult(path, "known", sha256=sha))
            continue
        todo.append((path, sha, st.st_mtime_ns))

    def store(path: str, mtime_ns: int, out: Any, error: str | None, seconds: float) -> None:
        if error is not None:
            done(AddResult(path, "error", error=error, seconds=round(seconds, 3)))
            return
        info, fp = out
        index.add(info, fp, mtime_ns=mtime_ns)
        done(AddResult(path, "added", sha256=fp.sha256, frames=len(fp), seconds=round(seconds, 3)))

    if jobs == 1 or len(todo) <= 1:
        for path, sha, mtime_ns in todo:
            store(path, mtime_ns, *_read_media(path, keyframes, None, sha))
        return results
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
        futures = [(path, mtime_ns, pool.submit(_read_media, path, keyframes, 1, sha)) for path, sha, mtime_ns in todo]
        for path, mtime_ns, fut in futures:
            store(path, mtime_ns, *fut.result())
    return results


def _now() -> str:
    from ...signals.fingerprint import now_utc

    return now_utc()


def _json_default(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


__all__ = [
    "DEFAULT_INDEX",
    "SCHEMA_VERSION",
    "SEARCH_SCHEMA",
    "AddResult",
    "Index",
    "IndexFileError",
    "SearchResult",
    "add_paths",
    "decode_fingerprint",
    "default_index_path",
    "encode_fingerprint",
    "expand_paths",
    "sparse_signature",
]
