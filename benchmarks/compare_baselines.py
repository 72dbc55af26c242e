"""Baselines for ``bench_compare.py --baselines``: the same pairs scored by other tools.

- videohash (PyPI ``videohash``): one 64-bit hash per video (a collage of 1 frame/s); its own rule
  ``is_similar``: Hamming distance <= 15% of 64 bits (10).
- vPDQ (PyPI ``vpdq``): PDQ hashes of one frame per second; matching as ThreatExchange's vPDQ does it
  (frames of quality >= 50, unique hashes, a frame matches within 31 bits); related when at least 80% of either
  side's frames match. ``vpdq`` is built from source (no wheel) against FFmpeg's development libraries
  (libavcodec-dev, ...); where it cannot be built, the same algorithm runs on PDQ from PyPI ``pdqhash`` with
  frames decoded by the bundled ffmpeg, and the output says so.
- FFmpeg's ``signature`` filter (MPEG-7 video signature) in the bundled ffmpeg,
  ``[0:v][1:v]signature=nb_inputs=2:detectmode=full``: related when its log reports a match.

Per-file hashes and per-pair signature results are cached in ``<out>/baselines/`` (keyed by path, size and
mtime), since these tools do not change between runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from vidverify.media.ffmpeg import ffmpeg_exe, input_url

VIDEOHASH_SIMILAR_BITS = 10  # videohash.is_similar: distance <= ceil(15% of 64)
VPDQ_QUALITY = 50
VPDQ_DISTANCE = 31
VPDQ_MATCH_PERCENT = 80.0
PDQ_MAX_SIDE = 512  # frames are fitted into 512x512 before PDQ (PDQ itself works on 64x64)


def _file_key(path: str) -> str:
    st = os.stat(path)
    return hashlib.sha256(f"{os.path.abspath(path)}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:20]


class _Cache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        self.dirty = 0

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def put(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.dirty += 1
        if self.dirty >= 20:
            self.flush()

    def flush(self) -> None:
        if self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data))
            os.replace(tmp, self.path)
            self.dirty = 0


def _ffmpeg_on_path(out: Path) -> None:
    """videohash calls ``ffmpeg`` from PATH: point it at the bundled binary."""
    bindir = out / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    link = bindir / "ffmpeg"
    if not link.exists():
        link.symlink_to(ffmpeg_exe())
    os.environ["PATH"] = f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"


# ----------------------------------------------------------------------------------------------- videohash


def videohash_available() -> tuple[bool, str]:
    try:
        import videohash  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        return False, f"videohash not importable: {exc}"
    return True, f"videohash {_version('videohash')}"


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def videohash_of(path: str, work: Path) -> str:
    from PIL import Image
    from videohash import VideoHash

    if not hasattr(Image, "ANTIALIAS"):  # videohash 3.0.1 predates Pillow 10, where this alias of LANCZOS went
        Image.ANTIALIAS = Image.LANCZOS  # type: ignore[attr-defined]

    with tempfile.TemporaryDirectory(dir=work) as tmp:
        vh = VideoHash(path=os.path.abspath(path), storage_path=tmp + os.sep)  # it wants the trailing slash
        h = str(vh.hash)  # "0b" + 64 bits
        vh.delete_storage_path()
    return h


def videohash_distance(ha: str, hb: str) -> int:
    a, b = ha.removeprefix("0b"), hb.removeprefix("0b")
    return sum(x != y for x, y in zip(a, b, strict=True))


# ----------------------------------------------------------------------------------------------- vPDQ


def vpdq_backend() -> tuple[str | None, str]:
    """("vpdq" | "pdqhash" | None, description)."""
    try:
        import vpdq  # noqa: F401

        return "vpdq", f"vpdq {_version('vpdq')}"
    except Exception as exc:  # noqa: BLE001
        why = f"vpdq not installable here ({type(exc).__name__}: it builds from source against FFmpeg's " \
              "development libraries libavcodec-dev/libavformat-dev/libswscale-dev, which this machine lacks)"
    try:
        import pdqhash  # noqa: F401

        return "pdqhash", f"{why}; vPDQ's algorithm reimplemented on pdqhash {_version('pdqhash')}"
    except Exception as exc:  # noqa: BLE001
        return None, f"{why}; pdqhash not importable either: {exc}"


def _frames_1fps(path: str) -> list[np.ndarray]:
    """RGB frames, one per second (ffmpeg fps=1), fitted into PDQ_MAX_SIDE."""
    import av

    with av.open(path) as c:
        s = c.streams.video[0]
        w, h = s.codec_context.width, s.codec_context.height
    scale = min(1.0, PDQ_MAX_SIDE / max(w, h))
    ow, oh = max(2, int(w * scale) // 2 * 2), max(2, int(h * scale) // 2 * 2)
    cmd = [ffmpeg_exe(), "-nostdin", "-v", "error", "-protocol_whitelist", "file,pipe", "-i", input_url(path),
           "-map", "0:v:0", "-vf", f"fps=1,scale={ow}:{oh}", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"]
    raw = subprocess.run(cmd, capture_output=True, check=True, timeout=600).stdout
    n = len(raw) // (ow * oh * 3)
    arr = np.frombuffer(raw[: n * ow * oh * 3], np.uint8).reshape(n, oh, ow, 3)
    return [np.ascontiguousarray(f) for f in arr]


def vpdq_of(path: str, backend: str) -> list[tuple[str, int]]:
    """[(pdq hex, quality)] of one frame per second."""
    if backend == "vpdq":
        import vpdq

        feats = vpdq.computeHash(os.path.abspath(path), seconds_per_hash=1)
        return [(str(f.hex), int(f.quality)) for f in feats]  # its .hash is a dict of 16-bit words
    import pdqhash

    out = []
    for frame in _frames_1fps(path):
        bits, quality = pdqhash.compute(frame)
        out.append((np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality)))
    return out


def vpdq_match(qa: list[tuple[str, int]], qb: list[tuple[str, int]]) -> tuple[float, float]:
    """(percent of A's unique good frames found in B, percent of B's found in A)."""
    def good(feats: list[tuple[str, int]]) -> np.ndarray:
        uniq = sorted({h for h, q in feats if q >= VPDQ_QUALITY})
        if not uniq:
            return np.zeros((0, 32), np.uint8)
        return np.array([np.frombuffer(bytes.fromhex(h), np.uint8) for h in uniq])

    a, b = good(qa), good(qb)
    if len(a) == 0 or len(b) == 0:
        return 0.0, 0.0
    bits_a, bits_b = np.unpackbits(a, axis=1).astype(np.int16), np.unpackbits(b, axis=1).astype(np.int16)
    # Hamming distance of every pair: |a| + |b| - 2 a.b on bit vectors
    d = bits_a.sum(1)[:, None] + bits_b.sum(1)[None, :] - 2 * bits_a @ bits_b.T
    ok = d <= VPDQ_DISTANCE
    return 100.0 * float(ok.any(1).mean()), 100.0 * float(ok.any(0).mean())


# ----------------------------------------------------------------------------------------------- signature

_SIG_MATCH = re.compile(r"(?<!no )matching of video 0 at ([\d.]+) and 1 at ([\d.]+), (\d+) frames matching")


def frame_count(path: str) -> int:
    import av

    with av.open(path) as c:
        s = c.streams.video[0]
        return sum(1 for p in c.demux(s) if p.size)


def signature_pair(a: str, b: str, frames: dict[str, int]) -> dict[str, Any]:
    """Run the filter on the pair. The bundled FFmpeg's signature filter only runs its lookup (and logs a
    result) when its request_frame sees every input at EOF; in the CLI that often never happens, and least often
    when input 0 is the longer one. So the file with fewer frames goes first (the lookup is symmetric); a run
    that logs neither a match nor "no matching" is recorded as no answer."""
    first, second = (a, b) if frames[a] <= frames[b] else (b, a)
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-v", "info", "-protocol_whitelist", "file,pipe",
           "-i", input_url(first), "-protocol_whitelist", "file,pipe", "-i", input_url(second),
           "-filter_complex", "[0:v][1:v]signature=nb_inputs=2:detectmode=full", "-f", "null", "-"]
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=600)
    log = proc.stderr
    m = _SIG_MATCH.findall(log)
    answered = bool(m) or "no matching of video" in log
    return {
        "related": bool(m) if answered else None,
        "answered": answered,
        "swapped": first != a,
        "matches": [{"at_0": float(x), "at_1": float(y), "frames": int(n)} for x, y, n in m],
        "whole": "whole video matching" in log,
        "error": None if proc.returncode == 0 else log.strip().splitlines()[-1:],
    }


# ----------------------------------------------------------------------------------------------- runner


def _per_file(files: list[str], cache: _Cache, fn: Callable[[str], Any], label: str,
              progress: Callable[[str], None]) -> dict[str, Any]:
    """fn(file) for every file not in the cache, two at a time (the tools run ffmpeg subprocesses)."""
    todo = [f for f in files if cache.get(_file_key(f)) is None]

    def one(f: str) -> tuple[str, Any]:
        try:
            return f, fn(f)
        except Exception as exc:  # noqa: BLE001 - the tool failing on a file is a result
            return f, f"error: {type(exc).__name__}: {str(exc)[:200]}"

    with ThreadPoolExecutor(max_workers=2) as pool:
        for i, (f, v) in enumerate(pool.map(one, todo)):
            cache.put(_file_key(f), v)
            if i % 25 == 0:
                progress(f"{label} {i}/{len(todo)} files to hash")
    cache.flush()
    return {f: cache.get(_file_key(f)) for f in files}


def run_baselines(pairs: list[tuple[str, str]], out: Path, progress: Callable[[str], None] = print,
                  ) -> dict[str, Any]:
    """Score every (A, B) pair with each baseline. Returns {method: {"available", "about", "pairs": [...],
    "seconds"}} where each pair entry has "related" (bool or None when the tool failed) and "score"."""
    work = out / "baselines"
    work.mkdir(parents=True, exist_ok=True)
    _ffmpeg_on_path(out)
    files = sorted({p for pair in pairs for p in pair})
    result: dict[str, Any] = {}

    # videohash
    ok, about = videohash_available()
    entry: dict[str, Any] = {"available": ok, "about": about, "rule": f"Hamming distance <= "
                             f"{VIDEOHASH_SIMILAR_BITS} of 64 bits (videohash.is_similar)"}
    if ok:
        cache = _Cache(work / "videohash.json")
        t0 = time.perf_counter()
        raw = _per_file(files, cache, lambda f: videohash_of(f, work), "videohash", progress)
        hashes: dict[str, str | None] = {f: (None if str(h).startswith("error") else h) for f, h in raw.items()}
        entry["pairs"] = []
        for a, b in pairs:
            ha, hb = hashes[a], hashes[b]
            if ha is None or hb is None:
                entry["pairs"].append({"related": None, "score": None})
                continue
            dist = videohash_distance(ha, hb)
            entry["pairs"].append({"related": dist <= VIDEOHASH_SIMILAR_BITS, "score": -dist})
        entry["seconds"] = round(time.perf_counter() - t0, 1)
        entry["failed_files"] = [f for f, h in hashes.items() if h is None]
    result["videohash"] = entry

    # vPDQ
    backend, about = vpdq_backend()
    entry = {"available": backend is not None, "about": about, "backend": backend,
             "rule": f"frames of quality >= {VPDQ_QUALITY}, match within {VPDQ_DISTANCE} bits; related when >= "
                     f"{VPDQ_MATCH_PERCENT:.0f}% of either side's unique frames match"}
    if backend:
        cache = _Cache(work / f"vpdq-{backend}.json")
        t0 = time.perf_counter()
        raw = _per_file(files, cache, lambda f: [list(x) for x in vpdq_of(f, backend)], "vpdq", progress)
        feats: dict[str, list[tuple[str, int]] | None] = {
            f: ([tuple(x) for x in v] if isinstance(v, list) else None) for f, v in raw.items()}  # type: ignore[misc]
        entry["pairs"] = []
        for a, b in pairs:
            fa, fb = feats[a], feats[b]
            if fa is None or fb is None:
                entry["pairs"].append({"related": None, "score": None})
                continue
            pa, pb = vpdq_match(fa, fb)
            score = max(pa, pb)
            entry["pairs"].append({"related": bool(score >= VPDQ_MATCH_PERCENT), "score": round(score, 2),
                                   "a_percent": round(pa, 1), "b_percent": round(pb, 1)})
        entry["seconds"] = round(time.perf_counter() - t0, 1)
    result["vpdq"] = entry

    # FFmpeg signature
    entry = {"available": True, "about": "FFmpeg signature filter (bundled ffmpeg), detectmode=full, default "
             "thresholds; shorter file first", "rule": "a 'matching of video 0 at ... and 1 at ...' line in the log; "
             "no answer in the log counts as not related"}
    cache = _Cache(work / "signature.json")
    t0 = time.perf_counter()
    counts_cache = _Cache(work / "frame_counts.json")
    frames: dict[str, int] = {}
    for f in files:
        key = _file_key(f)
        if counts_cache.get(key) is None:
            try:
                counts_cache.put(key, frame_count(f))
            except Exception:  # noqa: BLE001 - no video stream: the filter will fail on it, a result too
                counts_cache.put(key, 0)
        frames[f] = int(counts_cache.get(key))
    counts_cache.flush()
    entry["pairs"] = []
    todo = [(a, b) for a, b in pairs if cache.get(_file_key(a) + ":" + _file_key(b)) is None]
    todo_keys = [_file_key(a) + ":" + _file_key(b) for a, b in todo]

    def one(pair: tuple[str, str]) -> tuple[str, dict[str, Any]]:
        a, b = pair
        key = _file_key(a) + ":" + _file_key(b)  # before the run: a file replaced meanwhile keeps its old key
        try:
            r = signature_pair(a, b, frames)
        except Exception as exc:  # noqa: BLE001
            r = {"related": None, "answered": False, "error": f"{type(exc).__name__}: {exc}"}
        return key, r

    # the filter itself is single-threaded: two pairs at a time keep both cores busy
    with ThreadPoolExecutor(max_workers=2) as pool:
        for i, (key, r) in enumerate(pool.map(one, todo)):
            cache.put(key, r)
            if i % 50 == 0:
                progress(f"signature {i}/{len(todo)} pairs to run")
    cache.flush()
    keys = {pair: key for pair, key in zip(todo, todo_keys, strict=True)}
    for a, b in pairs:
        r = cache.get(keys.get((a, b)) or _file_key(a) + ":" + _file_key(b)) or {
            "related": None, "answered": False, "error": "file replaced during the run"}
        n = r.get("matches") or []
        entry["pairs"].append({"related": r.get("related"), "score": max((m["frames"] for m in n), default=0),
                               "answered": r.get("answered"), "error": r.get("error")})
    entry["seconds"] = round(time.perf_counter() - t0, 1)
    entry["unanswered"] = sum(not p.get("answered") for p in entry["pairs"])
    result["signature"] = entry
    shutil.rmtree(work / "tmp", ignore_errors=True)
    return result
