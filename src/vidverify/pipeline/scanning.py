"""scan(paths): from a folder of uploads to groups of the same footage, each group's reference, and findings.

The stages:

1. **discover** the media files under the given paths (recursively; images too; symlinked folders are not
   followed, so a symlink loop cannot trap the walk; a FIFO or socket is never opened);
2. **probe and fingerprint** each file in a pool of worker processes (``jobs``), or on a Dask cluster, or take both
   from an index when the file is unchanged since it was indexed;
3. **candidates**: a cheap test (sparse hashes of one file against all frames of the other) picks the pairs worth
   aligning; **align** them (``compare.match_fingerprints``, pure and fast);
4. **group** the files that share footage and choose each group's reference (``groups``);
5. **compare** the reference with each member, now with picture edits (crop, overlay, colour) from a few decoded
   frame pairs, and collect the **findings** (``timeline``).

One bad file is one entry in ``errors``; the scan goes on with the rest.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UsageError, VidverifyError
from ..evidence import groups as groups_mod
from ..evidence import timeline
from ..match.align import SEED_THRESHOLD_BITS
from ..models import Finding, Group, Match, MediaInfo, ScanResult
from ..signals.fingerprint import Fingerprint
from ..signals.hashing import hamming
from .comparison import compare, match_fingerprints

log = logging.getLogger("vidverify")

VIDEO_EXTENSIONS = frozenset({
    ".mp4", ".m4v", ".mov", ".qt", ".3gp", ".3g2", ".mkv", ".webm", ".avi", ".wmv", ".asf", ".flv", ".mpg", ".mpeg",
    ".m2ts", ".mts", ".ts", ".mxf", ".ogv", ".vob", ".dv", ".gif",
})
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".heic", ".heif", ".tif", ".tiff", ".webp", ".bmp", ".avif"})
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | IMAGE_EXTENSIONS
SPARSE_STEP_S = 0.5  # one frame per this many seconds is tested against every frame of the other file
CANDIDATE_BITS = SEED_THRESHOLD_BITS  # a sparse frame this close to any frame of the other file makes a candidate
CANDIDATE_HITS = 2  # ... and this many such frames (1 for a still image)
ALL_PAIRS_MAX = 300  # up to this many files every pair is tested; above, a banded Hamming index picks them
BANDED_CANDIDATES = 20  # with the banded index: the best-voted other files each file is aligned with
BANDED_MIN_VOTES = 2.0  # ... when they have at least this many votes (two close frames on one line; search
# asks for 3, but a scan must not miss a 2 s excerpt of a short clip)

DASK_CONNECT_TIMEOUT_S = 10  # waiting longer for a scheduler that does not answer helps no one

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Options:
    """How to scan (the CLI's options)."""

    jobs: int = 1
    keyframes: bool = False
    pictures: bool = True  # decode a few frame pairs per group member for crop/overlay/colour edits
    policy: timeline.Policy = timeline.Policy()
    dask: str | None = None  # address of a Dask scheduler that fingerprints the files
    claims: dict[str, Any] | None = None  # media.sidecar.read_claims_file(): the user's claims per file
    default_claims: Any = None  # Claims given by the user for every file (--claim-time/--claim-place)


# ------------------------------------------------------------------------------------------------ discover


def discover(paths: Iterable[str | os.PathLike[str]],
             extensions: frozenset[str] = MEDIA_EXTENSIONS) -> tuple[list[str], dict[str, str]]:
    """Media files under ``paths``: (files in a stable order, {path: why it was skipped}).

    A file named on the command line is always taken (probe decides what it is); in folders, files are taken by
    extension. Hidden files and folders are skipped; so is anything that is not a regular file."""
    files: list[str] = []
    errors: dict[str, str] = {}
    seen: set[tuple[int, int]] = set()

    def take(p: str, explicit: bool) -> None:
        try:
            st = os.stat(p)
        except OSError as exc:
            if explicit or Path(p).suffix.lower() in extensions:
                errors[p] = f"cannot read: {exc.strerror or exc}"
            return
        if not stat.S_ISREG(st.st_mode):
            if explicit or Path(p).suffix.lower() in extensions:
                errors[p] = "not a regular file (FIFO, socket or device): skipped"
            return
        if (st.st_dev, st.st_ino) in seen:
            return
        seen.add((st.st_dev, st.st_ino))
        files.append(p)

    for given in paths:
        g = os.fspath(given)
        if os.path.isdir(g):
            for root, dirs, names in os.walk(g, onerror=lambda e: errors.setdefault(
                    str(e.filename), f"cannot list: {e.strerror}")):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.startswith(".") or Path(name).suffix.lower() not in extensions:
                        continue
                    take(os.path.join(root, name), False)
        elif os.path.lexists(g):
            take(g, True)
        else:
            errors[g] = "no such file or folder"
    return files, errors


# ------------------------------------------------------------------------------------- probe + fingerprint


@dataclass(frozen=True)
class Item:
    """One file after stage 2."""

    path: str
    info: MediaInfo
    fp: Fingerprint | None = None
    error: str | None = None


def process_file(path: str, keyframes: bool = False) -> Item:
    """Probe and fingerprint one file (runs in a worker process). Never raises for a bad file."""
    from ..media.probe import probe

    info = probe(path)
    if info.kind not in ("video", "image"):
        why = info.errors[0] if info.errors else f"not a video or image ({info.kind})"
        return Item(path, info, None, why)
    try:
        from ..signals.fingerprint import fingerprint

        fp = fingerprint(path, keyframes=keyframes, jobs=1, sha256=info.sha256)
    except VidverifyError as exc:
        return Item(path, info, None, exc.message)
    if len(fp) == 0:
        return Item(path, info, None, "no decodable frame")
    return Item(path, info, fp, None)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _can_fork() -> bool:
    """Whether worker processes can be forked: no other thread runs here (forking a process with threads, a
    progress bar's, can deadlock) and the platform forks."""
    import multiprocessing
    import threading

    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def _pool(jobs: int) -> Executor:
    """Worker processes: forked when ``_can_fork`` (nothing to re-import, so a newsroom script without an
    ``if __name__ == "__main__"`` guard works too), from a fork server otherwise."""
    import multiprocessing

    method = "fork" if _can_fork() else "forkserver"
    ctx = multiprocessing.get_context(method)
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) != jobs:
        return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx)
    # as many workers as this process has cores (the CLI keeps a run to --jobs cores): one core each, so a file's
    # ffmpeg threads and its hashing stay on one core instead of waking each other across cores (half the
    # system time of a scan); a slowed worker just takes fewer files from the queue
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_pin_worker,
                               initargs=(ctx.Value("i", 0), cores))


def _pin_worker(counter: Any, cores: list[int]) -> None:
    with counter.get_lock():
        k = counter.value
        counter.value += 1
    try:
        os.sched_setaffinity(0, {cores[k % len(cores)]})
    except OSError:  # not allowed here: the worker runs unpinned
        pass


def _dask_map(address: str, paths: Sequence[str], keyframes: bool) -> Iterable[Item]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:
        from ..errors import DependencyError

        raise DependencyError("--dask needs the dask extra: pip install 'vidverify[dask]'") from exc
    from ..errors import DependencyError

    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise DependencyError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    with client:
        futures = client.map(process_file, list(paths), keyframes=keyframes, pure=False)
        for fut in dask_completed(futures):
            yield fut.result()


def process_all(paths: Sequence[str], opts: Options, progress: Progress | None = None,
                index: Any = None) -> list[Item]:
    """Stage 2 for every file, in parallel; results in the order of ``paths``."""
    done: dict[str, Item] = {}
    todo: list[str] = []
    for p in paths:
        cached = _from_index(index, p, opts.keyframes) if index is not None else None
        if cached is not None:
            done[p] = cached
        else:
            todo.append(p)
    total = len(paths)
    if progress:
        progress("fingerprint", len(done), total)

    def finish(item: Item) -> None:
        done[item.path] = item
        if index is not None and item.fp is not None:
            try:
                index.add(item.info, item.fp)
            except VidverifyError as exc:  # the scan's results stand; the index keeps what it had
                log.error("%s: not stored in the index: %s", item.path, exc.message)
        if progress:
            progress("fingerprint", len(done), total)

    if opts.dask:
        for item in _dask_map(opts.dask, todo, opts.keyframes):
            finish(item)
    elif opts.jobs <= 1 or len(todo) <= 1:
        for p in todo:
            finish(process_file(p, opts.keyframes))
    else:
        with _pool(min(opts.jobs, len(todo))) as pool:
            # largest first: the last file to finish is a small one, so no worker idles long at the end
            futures = [pool.submit(process_file, p, opts.keyframes) for p in sorted(todo, key=_size, reverse=True)]
            for fut in as_completed(futures):
                finish(fut.result())
    return [done[p] for p in paths]


def _from_index(index: Any, path: str, keyframes: bool) -> Item | None:
    """The file's probe and fingerprint from the index when the file is unchanged and was hashed the same way."""
    sha = index.lookup(path)
    if sha is None or index.mode(sha) != ("keyframes" if keyframes else "dense"):
        return None
    try:
        info = replace(index.info(sha), path=path)
        fp = index.fingerprint(sha)
    except (VidverifyError, KeyError):
        return None
    return Item(path, info, replace(fp, path=path), None)  # the same bytes may be indexed under another name


# -------------------------------------------------------------------------------------------- candidates


def _sparse(fp: Fingerprint) -> np.ndarray:
    """A few frames' hashes (one per SPARSE_STEP_S) in every channel a match can come through."""
    t = fp.times
    if len(t) == 0:
        return np.zeros(0, dtype=np.uint64)
    slots = np.floor((t - t[0]) / SPARSE_STEP_S).astype(np.int64)
    keep = np.flatnonzero(np.r_[True, slots[1:] != slots[:-1]])
    chans = [fp.hashes, fp.mirrored, fp.crop_hashes, fp.crop_mirrored]
    out = [c[keep] for c in chans if c is not None and len(c) == len(t)]
    out += [h[keep][~_half_flat(fp, k)[keep]] for k, h in enumerate(_halves(fp))]
    return np.concatenate(out)


def _dense(fp: Fingerprint) -> np.ndarray:
    chans = [fp.hashes, fp.crop_hashes]
    out = [c for c in chans if c is not None and len(c) == len(fp.times)]
    out += [h[~_half_flat(fp, k)] for k, h in enumerate(_halves(fp))]
    return np.concatenate(out)


def _halves(fp: Fingerprint) -> list[np.ndarray]:
    from ..signals.fingerprint import HALVES

    return [getattr(fp, h) for h in HALVES]


def _half_flat(fp: Fingerprint, k: int) -> np.ndarray:
    return (np.asarray(fp.half_flat) & (1 << k)) != 0


def candidate_pairs(fps: Sequence[Fingerprint]) -> list[tuple[int, int]]:
    """Pairs (i < j) whose fingerprints may share footage.

    Up to ALL_PAIRS_MAX files, every pair is tested (sparse frames of one against every frame of the other, in
    every channel, halves included); above, each file's sparse hashes go into a banded Hamming index (the
    index module's candidate stage) and each file looks up its ``BANDED_CANDIDATES`` best-voted others, which
    keeps the cost near-linear in the number of files. Files that share compressed packets (a stream copy,
    whatever its pictures) are candidates too. (``scan`` runs the all-pairs test in its alignment workers.)"""
    if len(fps) > ALL_PAIRS_MAX:
        from ..match.streamcopy import shared_pairs

        return sorted(set(_banded_pairs(fps)) | shared_pairs(fps))
    test = _PairTest(fps)
    return [(i, j) for i in range(len(fps)) for j in range(i + 1, len(fps)) if test(i, j)]


class _PairTest:
    """The all-pairs candidate test, with each file's sparse and dense hashes made once, when first needed."""

    def __init__(self, fps: Sequence[Fingerprint]) -> None:
        from ..match.streamcopy import shared_pairs

        self.fps = fps
        self.copies = shared_pairs(fps)
        self._sparse: dict[int, np.ndarray] = {}
        self._dense: dict[int, np.ndarray] = {}

    def sparse(self, i: int) -> np.ndarray:
        if i not in self._sparse:
            self._sparse[i] = _sparse(self.fps[i])
        return self._sparse[i]

    def dense(self, i: int) -> np.ndarray:
        if i not in self._dense:
            self._dense[i] = _dense(self.fps[i])
        return self._dense[i]

    def __call__(self, i: int, j: int) -> bool:
        if (i, j) in self.copies:
            return True
        need = 1 if min(len(self.fps[i]), len(self.fps[j])) == 1 else CANDIDATE_HITS
        return _hits(self.sparse(i), self.dense(j)) >= need or _hits(self.sparse(j), self.dense(i)) >= need


def _banded_pairs(fps: Sequence[Fingerprint]) -> list[tuple[int, int]]:
    from .index.sqlite import _Bands, _query_probes, sparse_signature

    sigs = [sparse_signature(f) for f in fps]
    sizes = np.array([len(h) for h, _ in sigs], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    hashes = np.concatenate([h for h, _ in sigs]) if len(sigs) else np.zeros(0, np.uint64)
    times = np.concatenate([t for _, t in sigs]) if len(sigs) else np.zeros(0, np.float32)
    bands = _Bands(np.arange(len(fps), dtype=np.int64), starts, hashes, times)
    pairs: set[tuple[int, int]] = set()
    for i, fp in enumerate(fps):
        probes, frame_of, frame_times = _query_probes(fp)
        ids, votes = bands.votes(probes, frame_of, frame_times)
        order = np.argsort(-votes)
        for j, v in zip(ids[order][:BANDED_CANDIDATES + 1], votes[order][:BANDED_CANDIDATES + 1], strict=True):
            if int(j) != i and v >= BANDED_MIN_VOTES:
                pairs.add((min(i, int(j)), max(i, int(j))))
    return sorted(pairs)


def _hits(sparse: np.ndarray, dense: np.ndarray, chunk: int = 4096) -> int:
    if len(sparse) == 0 or len(dense) == 0:
        return 0
    hits = 0
    for k in range(0, len(dense), chunk):
        d = hamming(sparse[:, None], dense[None, k:k + chunk])
        hits = max(hits, int((d.min(axis=1) <= CANDIDATE_BITS).sum()))
    return hits


# -------------------------------------------------------------------------------------------------- scan


def scan(paths: Iterable[str | os.PathLike[str]], *, options: Options | None = None,
         progress: Progress | None = None, index: Any = None,
         on_file: Callable[[MediaInfo], None] | None = None) -> ScanResult:
    """Scan files and folders: groups of the same footage, references, edits and findings (CONTRACT.md, scan).

    ``index`` (an ``index.Index``) supplies unchanged files' fingerprints and stores new ones. ``on_file`` is
    called with each file's MediaInfo as soon as it is known (for streaming output)."""
    opts = options or Options()
    if opts.jobs < 1:
        raise UsageError("jobs must be at least 1")
    files, errors = discover(paths)
    items = process_all(files, opts, progress, index)
    items = [_with_claims(it, opts) for it in items]
    for it in items:
        if it.error:
            errors[it.path] = it.error
        if on_file:
            on_file(it.info)
    usable = [it for it in items if it.fp is not None]
    infos = {it.path: it.info for it in items}

    fps = [it.fp for it in usable if it.fp is not None]
    # up to ALL_PAIRS_MAX files every pair is tested, in the alignment workers; above, the banded index picks
    tested = len(fps) <= ALL_PAIRS_MAX
    pairs = [(i, j) for i in range(len(fps)) for j in range(i + 1, len(fps))] if tested else candidate_pairs(fps)
    matches: list[Match] = []
    for k, ((i, j), m) in enumerate(zip(pairs, _align_pairs(fps, pairs, opts.jobs, test=tested), strict=True)):
        if m is not None:
            matches.append(replace(m, a=replace(m.a, path=usable[i].path), b=replace(m.b, path=usable[j].path)))
        if progress:
            progress("align", k + 1, len(pairs))

    comps = groups_mod.components([it.path for it in usable], matches)
    pictures = {it.path: it.fp.active_area[2] * it.fp.active_area[3] for it in usable
                if it.fp is not None and it.fp.active_area}
    barred = frozenset(it.path for it in usable if it.fp is not None and it.fp.active_area and it.fp.width
                       and it.fp.height and tuple(it.fp.active_area) != (0, 0, it.fp.width, it.fp.height))
    by_path = {it.path: it for it in usable}
    result_groups: list[Group] = []
    findings: list[Finding] = []
    n_members = sum(len(c) - 1 for c in comps)
    plans = []
    for members in comps:
        ref, why = groups_mod.choose_reference(members, infos, matches, pictures, barred)
        plans.append(([ref, *(m for m in members if m != ref)], why))
    # the reference against each member, with picture edits (frames decoded): in the pool when there is one
    tasks = [(by_path[ordered[0]], by_path[other]) for ordered, _ in plans for other in ordered[1:]]
    compared: list[Match] = []

    def tick() -> None:
        if progress:
            progress("compare", len(compared), n_members)

    if opts.jobs > 1 and opts.pictures and len(tasks) > 1:
        # longest first (no worker idles at the end on a long one), results back in task order
        order = sorted(range(len(tasks)), key=lambda k: -sum(_size(it.path) for it in tasks[k]))
        by_task: list[Match | None] = [None] * len(tasks)
        with _pool(min(opts.jobs, len(tasks))) as pool:
            refs, others = zip(*(tasks[k] for k in order), strict=True)
            for k, m in zip(order, pool.map(_compare_pair, refs, others, [opts] * len(tasks)), strict=True):
                by_task[k] = m
                compared.append(m)
                tick()
        compared = [m for m in by_task if m is not None]
    else:
        for ref_item, other_item in tasks:
            compared.append(_compare_pair(ref_item, other_item, opts))
            tick()
    k = 0
    for gi, (ordered, why) in enumerate(plans, 1):
        pair_results = compared[k:k + len(ordered) - 1]
        k += len(ordered) - 1
        result_groups.append(Group(f"g{gi}", tuple(ordered), ordered[0], why, tuple(pair_results)))
        findings += timeline.group_findings([infos[p] for p in ordered], pair_results, opts.policy)
    for it in items:
        findings += timeline.file_findings(it.info, opts.policy)
    grouped = {p for g in result_groups for p in g.members}
    singles = tuple(it.path for it in usable if it.path not in grouped)
    return ScanResult(
        files=tuple(it.info for it in items),
        groups=tuple(result_groups),
        findings=tuple(timeline.sort_findings(findings)),
        singles=singles,
        errors=errors,
    )


_SHARED: list[Any] = []  # [fingerprints, pair test or None]: what forked workers align (inherited, never pickled)
ALIGN_CHUNK = 16  # pairs per task in the pool


def _align_chunk(chunk: list[tuple[int, int]]) -> list[Match | None]:
    fps, test = _SHARED
    return [match_fingerprints(fps[i], fps[j]) if test is None or test(i, j) else None for i, j in chunk]


def _align_pairs(fps: Sequence[Fingerprint], pairs: list[tuple[int, int]], jobs: int, *,
                 test: bool = False) -> Iterable[Match | None]:
    """match_fingerprints on every pair (with ``test``, on every pair that passes the candidate test, None for
    the others), in forked workers when there are several jobs (the fingerprints are inherited by the fork, not
    sent), in this process otherwise."""
    tester = _PairTest(fps) if test else None
    if jobs <= 1 or len(pairs) < 2 * ALIGN_CHUNK or not _can_fork():
        for i, j in pairs:
            yield match_fingerprints(fps[i], fps[j]) if tester is None or tester(i, j) else None
        return
    _SHARED[:] = [list(fps), tester]
    try:
        chunks = [pairs[k:k + ALIGN_CHUNK] for k in range(0, len(pairs), ALIGN_CHUNK)]
        with _pool(min(jobs, len(chunks))) as pool:
            for result in pool.map(_align_chunk, chunks):
                yield from result
    finally:
        _SHARED.clear()


def _compare_pair(ref: Item, other: Item, opts: Options) -> Match:
    assert ref.fp is not None and other.fp is not None
    try:
        m = compare(ref.fp, other.fp, pictures=opts.pictures, jobs=1)
    except VidverifyError as exc:  # a picture decode failed: keep the timeline result
        log.warning("%s vs %s: picture edits skipped: %s", ref.path, other.path, exc.message)
        m = match_fingerprints(ref.fp, other.fp)
    return replace(m, a=replace(m.a, path=ref.path), b=replace(m.b, path=other.path))


def _with_claims(item: Item, opts: Options) -> Item:
    """The sidecar's claims (read by probe) with the user's claims over them."""
    from ..media import claims as sidecar

    user = sidecar.user_claims_for(opts.claims, item.path)
    if opts.default_claims is not None:
        user = sidecar.merge_claims(opts.default_claims, user)
    merged = sidecar.merge_claims(item.info.claims, user)
    return replace(item, info=replace(item.info, claims=merged)) if merged != item.info.claims else item


__all__ = ["IMAGE_EXTENSIONS", "MEDIA_EXTENSIONS", "VIDEO_EXTENSIONS", "Options", "candidate_pairs", "discover",
           "process_file", "scan"]
