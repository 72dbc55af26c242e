"""The one way in: a media file becomes its fingerprint and its MediaInfo, for scan, ``index add``, compare and
search alike.

* :func:`fingerprint` decodes a file and hashes every frame (or keyframe); the file's SHA-256 is read in a thread
  beside the decoders, and its compressed packets are digested in another.
* :func:`read_file` is one file: fingerprint, then probe with the SHA-256 the fingerprint read, so the evidence is
  read for its hash once. It never raises for a bad file: the reason is in ``Item.error``.
* :func:`ingest_all` is many files, ``jobs`` at a time in worker processes (or on a Dask cluster); with a store
  (the index), an unchanged file comes from it and a new one is stored as soon as it is read.
* :func:`add_paths` is ``vidverify index add``: files, folders and ``.vvfp`` files into a store.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import InputError, UsageError, VidverifyError
from ..evidence import dates
from ..media import audio, decode, ffmpeg, files
from ..media import claims as claims_mod
from ..media import fingerprint_file as fpfile
from ..media.formats import c2pa
from ..media.packets import PacketDigests, ShownSpan, digest_packets, mean_rate
from ..media.probe import probe
from ..models import AddResult, Claims, MediaInfo
from ..signals.fingerprint import Fingerprint, hash_batch, join_batches
from ..signals.picture import Box, corners_box
from . import feature_stage, workers
from .index.store import Store

log = logging.getLogger("vidverify")

Progress = Callable[[str, int, int], None]
"""A workflow's progress: (stage, done, total)."""
FrameProgress = Callable[[int, "int | None"], None]
"""A fingerprint's progress: (frames decoded so far, frames expected or None); first called with 0."""

# -------------------------------------------------------------------------------------------- one file


def fingerprint(
    path: str | os.PathLike[str],
    *,
    keyframes: bool = False,
    fast: bool = True,
    jobs: int | None = None,
    progress: FrameProgress | None = None,
    region: tuple[int, int, int, int] | None = None,
    corners: tuple[float, ...] | None = None,
    sha256: str | None = None,
) -> Fingerprint:
    """Decode ``path`` and hash every frame (or every keyframe with ``keyframes=True``).

    ``region`` (x, y, w, h in display pixels) hashes only that part of the picture instead of the active area
    (compare uses it to follow a crop found by feature matching). ``corners`` (x, y of the top-left, top-right,
    bottom-left and bottom-right corners, display pixels) hashes the picture they bound, straightened: a screen
    filmed at an angle (compare, when features find it turned or keystoned).

    ``fast`` skips the in-loop deblocking filter (invisible at 32x32; the drift is measured by the benchmark).
    ``jobs`` decoder processes split a long file at keyframes (default: the CPU count, at most 4). ``progress`` is
    called with the frames decoded so far and the frames the container says to expect (first with 0, as soon as
    the container's index is read). ``sha256``, when the caller has it already, saves reading the file again.
    Raises an ``InputError`` subclass for unreadable input.
    """
    if corners is not None:
        if region is not None or len(corners) != 8 or not all(math.isfinite(v) and v >= 0 for v in corners):
            raise ValueError("corners are four (x, y) points inside the frame: 8 numbers, and no region")
        region = corners_box(corners)  # their bounds: the fingerprint's area
    return _fingerprint(os.fspath(path), keyframes=keyframes, fast=fast, jobs=jobs, progress=progress, region=region,
                        corners=corners, digest={"sha256": sha256} if sha256 else {})


def _fingerprint(p: str, *, keyframes: bool, fast: bool, jobs: int | None, progress: FrameProgress | None,
                 region: tuple[int, int, int, int] | None, digest: dict[str, str],
                 corners: tuple[float, ...] | None = None) -> Fingerprint:
    """:func:`fingerprint`, with the file's SHA-256 put in ``digest`` (read beside the decoders unless ``digest``
    has it already): there even when the file does not decode, so that the caller need not read it again."""
    sha256 = digest.get("sha256")
    scan_keyframes = jobs is None or jobs > 1
    jobs = workers.decoder_jobs(jobs)
    warnings: list[str] = []

    def _hash_file() -> None:
        try:
            digest["sha256"] = files.sha256_file(p)
        except OSError as exc:
            warnings.append(f"cannot compute sha256: {exc}")

    packets: list[PacketDigests] = []
    stop = threading.Event()  # an error ends the packet digests early instead of leaving them to read on

    def _digest_packets() -> None:
        packets.append(digest_packets(p, stop))

    files.check_media_input(p)
    # the ffmpeg binary is looked up (imageio-ffmpeg runs it once) and its version asked while the layout is read
    threading.Thread(target=_warm_ffmpeg, daemon=True).start()
    hasher = threading.Thread(target=_hash_file if not sha256 else lambda: None, daemon=True)
    hasher.start()
    # a region fingerprint hashes part of the picture: its packets are the file's, digested elsewhere
    packer = threading.Thread(target=_digest_packets if region is None else lambda: None, daemon=True)
    packer.start()  # while the layout is read, the other core is idle
    try:
        # the display size and bars are found while the decoders run (a region is kept as the picture)
        layout = decode.read_layout(p, scan_keyframes=scan_keyframes, bars=False)
        if region is not None:
            x, y, w, h = (int(v) & ~1 for v in region)
            layout = replace(layout, active=Box(x, y, max(2, w), max(2, h)), corners=corners)
        on_frames = _counter(progress, layout.expected_frames(keyframes)) if progress else None
        # the sound is decoded by the same processes (a region fingerprint follows a picture: no sound)
        sound: list[audio.Tap] | None = [] if region is None and layout.audio else None
        try:
            layout, parts = decode.decode_batches(
                p, hash_batch, keyframes=keyframes, fast=fast, jobs=jobs, layout=layout, on_frames=on_frames,
                warnings=warnings, sound=sound,
            )
        except VidverifyError as exc:
            if sound is None:
                raise
            # a broken sound must not cost the picture: decode the picture alone (a damaged video fails again)
            log.debug("%s: decoding with the sound failed (%s); the picture alone", p, exc.message)
            sound = None
            layout, parts = decode.decode_batches(
                p, hash_batch, keyframes=keyframes, fast=fast, jobs=jobs, layout=layout, on_frames=None,
                warnings=warnings,
            )
            warnings.append("the sound could not be decoded: the picture was decoded without it")
    except BaseException as exc:
        stop.set()
        if isinstance(exc, VidverifyError):  # the file's hash is still wanted (probe says why it does not decode)
            hasher.join()
        raise
    columns = join_batches(parts)
    hasher.join()
    packer.join()
    pk = packets[0] if packets else PacketDigests.empty()
    mode = "keyframes" if keyframes else "dense"
    t = columns["times"]
    # docs/contract.md: times start at 0.0 for the first displayed frame (a start delayed by an edit list, or an
    # MPEG-TS clock, is not footage); time_origin keeps the raw time of that frame, for seeking. Dense: the first
    # decoded frame. Keyframes: the first keyframe may come after the first displayed frame (a copy trimmed in
    # the middle of a GOP), which the earliest packet the container does not discard tells.
    shift = float(t.min()) if len(t) else 0.0
    if keyframes and pk.first_shown is not None:
        shift = min(shift, pk.first_shown - layout.origin)
    origin = layout.origin + shift
    columns["times"] = t - shift
    duration = _shown_duration(columns["times"], pk, origin, layout, keyframes)
    crop = _abs_crop(layout)
    audio_state: str | None = None  # a region fingerprint: unknown
    if sound is not None:
        audio_state, columns_sound = audio.sound_print(sound, origin)
        columns.update(columns_sound)
    elif region is None:
        audio_state = "failed" if layout.audio else "absent"
    return Fingerprint(
        path=p,
        sha256=digest.get("sha256"),
        size=os.path.getsize(p),
        mode=mode,
        **columns,
        packet_times=pk.times - origin,
        packet_digests=pk.digests,
        codec_digest=pk.codec,
        audio_state=audio_state,
        duration=duration,
        fps=_rate(layout, len(columns["times"]), duration, keyframes),
        width=layout.width or None,
        height=layout.height or None,
        active_area=(layout.active.x, layout.active.y, layout.active.w, layout.active.h) if layout.active else None,
        crop_area=(crop.x, crop.y, crop.w, crop.h),
        time_origin=origin,
        versions=decode.decoder_versions(mode, fast),
        warnings=tuple(warnings),
    )


def _rate(layout: decode.StreamLayout, frames: int, duration: float | None, keyframes: bool) -> float | None:
    """The stream's frame rate; a GIF's is the mean over its frames (``packets.mean_rate``, as ``probe`` says)."""
    if layout.format_name == "gif" and not keyframes:
        return mean_rate(frames, duration) or layout.fps
    return layout.fps


def _shown_duration(times: Any, pk: PacketDigests, origin: float, layout: decode.StreamLayout,
                    keyframes: bool) -> float | None:
    """The one duration of a video (docs/contract.md): from its first displayed frame (t = 0) to the end of its
    last, that frame's time plus its display duration. Dense: the last decoded frame, with the display duration
    its packet has (or the frames' typical spacing). Keyframes: the displayed packets tell where the last frame
    ends. Never the container's declared duration, which counts the longest track (audio, telemetry) or an
    edit list's pre-roll."""
    if len(times) == 0:
        return None
    span = pk.span
    if keyframes and span is not None:
        return round(span.end - origin, 6)
    last = float(times[-1])
    if span is not None and span.last_frame > 0 and abs(span.last - origin - last) < 1e-3:
        frame = span.last_frame  # the packet of the last decoded frame says how long it is shown
    elif len(times) > 1:
        frame = float(np.median(np.diff(times)))
    else:
        frame = layout.frame_seconds if layout.fps else 0.0
    if keyframes and layout.duration is not None:  # no packets read: the declared length is all there is
        return round(max(last + frame, layout.duration - origin + layout.start_time), 6)
    return round(last + frame, 6)


def shown_span(fp: Fingerprint) -> ShownSpan | None:
    """The displayed frames that a dense fingerprint decoded, on the file's raw timeline (for ``probe``, which
    then need not read the packets again); None for a keyframes fingerprint (its frames are not all of them)."""
    if fp.mode != "dense" or len(fp.times) == 0 or fp.duration is None:
        return None
    o = fp.time_origin
    return ShownSpan(o + float(fp.times[0]), o + float(fp.times[-1]), o + fp.duration, len(fp))


def _counter(progress: FrameProgress, total: int | None) -> Callable[[int], None]:
    """The decoder's "n more frames" as (frames so far, total); the total is announced at once."""
    done = [0]
    lock = threading.Lock()
    progress(0, total)

    def advance(n: int) -> None:
        with lock:
            done[0] += n
            now = done[0]
        progress(now, total)

    return advance


def _warm_ffmpeg() -> None:
    try:
        ffmpeg.ffmpeg_version()
    except Exception:  # noqa: BLE001 - no ffmpeg: the decoders say so, with the reason
        pass


def _abs_crop(layout: decode.StreamLayout) -> Box:
    area = layout.active or Box.full(layout.width or 2, layout.height or 2)
    c = decode.crop_in_frame(area.w, area.h)
    return Box(area.x + c.x, area.y + c.y, c.w, c.h)


def load_or_compute(path: str | os.PathLike[str], **kwargs: Any) -> Fingerprint:
    """A fingerprint file is loaded; a media file is fingerprinted (``kwargs`` go to :func:`fingerprint`)."""
    if fpfile.is_fingerprint_file(path):
        return fpfile.load(path)
    return fingerprint(path, **kwargs)


@dataclass(frozen=True)
class Item:
    """One file read: its MediaInfo, and its fingerprint or why there is none."""

    path: str
    info: MediaInfo
    fp: Fingerprint | None = None
    error: str | None = None
    seconds: float = 0.0


def read_file(path: str, keyframes: bool = False, jobs: int = 1, sha256: str | None = None) -> Item:
    """Fingerprint and probe one file (runs in a worker process). Never raises for a bad file.

    The fingerprint comes first, with the file's SHA-256 read beside the decoders, and probe takes that SHA-256:
    the file is read for its hash once (not at all when the caller gives ``sha256``). A file that is not a video
    or image gets probe's reason, whatever the decoder said."""
    try:
        return _read_file(path, keyframes, jobs, sha256)
    except MemoryError:  # over the worker's budget (workers.worker_memory_mb): this file fails, the batch goes on
        why = f"needs more memory than the worker's budget (${workers.MEMORY_ENV}, MiB)"
        return Item(path, MediaInfo(path=path, errors=(why,)), None, why)


def _read_file(path: str, keyframes: bool, jobs: int, sha256: str | None) -> Item:
    started = time.perf_counter()
    fp: Fingerprint | None = None
    error: str | None = None
    digest: dict[str, str] = {"sha256": sha256} if sha256 else {}
    try:
        fp = _fingerprint(path, keyframes=keyframes, fast=True, jobs=jobs, progress=None, region=None, digest=digest)
    except VidverifyError as exc:
        error = exc.message
    info = probe(path, sha256=digest.get("sha256"), shown=shown_span(fp) if fp is not None else None, strict=False)
    if info.kind not in ("video", "image"):
        error = info.errors[0] if info.errors else f"not a video or image ({info.kind})"
    elif fp is not None and len(fp) == 0:
        error = "no decodable frame"
    seconds = time.perf_counter() - started
    return Item(path, info, None if error else fp, error, seconds)


# ----------------------------------------------------------------------------------------------- many files


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def ingest_all(paths: Sequence[str], *, jobs: int = 1, keyframes: bool = False, dask: str | None = None,
               store: Store | None = None, sha256s: Mapping[str, str] | None = None,
               progress: Progress | None = None, on_item: Callable[[Item], None] | None = None) -> list[Item]:
    """:func:`read_file` for every path: ``jobs`` files at a time in worker processes (largest first, so no
    worker idles long at the end), or on the Dask scheduler ``dask``; a lone file gets ``jobs`` decoders. Results
    in the order of ``paths``; ``on_item`` sees each as soon as it is read (in this process).

    With a ``store``, a file unchanged since it was stored (same path, size and modification time) and hashed the
    same way comes from it, and every new one is stored as it is read (a failure to store is logged; the
    result stands). ``sha256s`` gives hashes the caller has already read."""
    known = sha256s or {}
    done: dict[str, Item] = {}
    todo: list[str] = []
    for p in paths:
        cached = _from_store(store, p, keyframes) if store is not None else None
        if cached is not None:
            done[p] = cached
        else:
            todo.append(p)
    total = len(paths)
    if progress:
        progress("fingerprint", len(done), total)

    def finish(item: Item) -> None:
        done[item.path] = item
        if store is not None and item.fp is not None:
            try:
                store.add(item.info, item.fp)
            except VidverifyError as exc:  # the results stand; the store keeps what it had
                log.error("%s: not stored in the index: %s", item.path, exc.message)
        if on_item is not None:
            on_item(item)
        if progress:
            progress("fingerprint", len(done), total)

    if dask:
        for item in workers.dask_map(dask, read_file, todo, keyframes=keyframes):
            finish(item)
    elif jobs <= 1 or len(todo) <= 1:
        for p in todo:
            finish(read_file(p, keyframes, jobs if len(todo) == 1 else 1, known.get(p)))
    else:
        with workers.pool(min(jobs, len(todo))) as executor:
            futures = [executor.submit(read_file, p, keyframes, 1, known.get(p))
                       for p in sorted(todo, key=_size, reverse=True)]
            for fut in as_completed(futures):
                finish(fut.result())
    return [done[p] for p in paths]


def _from_store(store: Store, path: str, keyframes: bool) -> Item | None:
    """The file's probe and fingerprint from the store when the file is unchanged and was hashed the same way."""
    sha = store.lookup(path)
    if sha is None or store.mode(sha) != ("keyframes" if keyframes else "dense"):
        return None
    try:
        info = replace(store.info(sha), path=path)
        fp = store.fingerprint(sha)
    except (VidverifyError, KeyError):
        return None
    # credentials are read again: the trust anchors may have changed, and an older index never read them
    info = c2pa.attach(info, dates.parse_time)
    return Item(path, info, replace(fp, path=path), None)  # the same bytes may be stored under another name


def with_claims(item: Item, table: Mapping[str, Claims] | None, default: Claims | None = None) -> Item:
    """The sidecar's claims (read by probe) with the user's claims over them: ``default`` for every file, then
    the file's own entry of ``table`` (``media.claims.read_claims_file``)."""
    user = claims_mod.user_claims_for(dict(table) if table else None, item.path)
    if default is not None:
        user = claims_mod.merge_claims(default, user)
    merged = claims_mod.merge_claims(item.info.claims, user)
    return replace(item, info=replace(item.info, claims=merged)) if merged != item.info.claims else item


# ------------------------------------------------------------------------------------------------ index add


def probe_paths(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[str]]:
    """What ``vidverify probe`` reads: (the media files, the yt-dlp sidecars). A folder gives the media files
    under it (as scan finds them), or itself when it holds none (probe then says what it is); a named file is
    taken as it is, except a yt-dlp ``.info.json``, which is a sidecar of the media beside it, not media
    (``probe downloads/*``)."""
    media: list[str] = []
    sidecars: list[str] = []
    for given in [paths] if isinstance(paths, str | os.PathLike) else paths:
        p = os.fspath(given)
        if os.path.isdir(p):
            media += files.discover([p])[0] or [p]  # a folder with no media file stays, for its error entry
        elif p.lower().endswith(claims_mod.SIDECAR_SUFFIX):
            sidecars.append(p)
        else:
            media.append(p)
    return media, sidecars


def expand_paths(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[str]:
    """The media and ``.vvfp`` files under ``paths`` as scan finds them (folders searched by suffix; hidden files,
    FIFOs and symlinked folders skipped), then the paths it could not use, so that each gets its error."""
    found, errors = files.discover(paths, extensions=files.MEDIA_EXTENSIONS | {files.FINGERPRINT_SUFFIX})
    return found + list(errors)


def _read_credentials_once(store: Store, path: str, sha: str, mtime_ns: int) -> None:
    """An unchanged file indexed before vidverify read content credentials gets them now (the migration of an
    older index: its other facts and its fingerprint stay as they were)."""
    try:
        info = store.info(sha)
        if c2pa.NOT_READ_TAG in info.tags:
            store.add(c2pa.attach(replace(info, path=path), dates.parse_time), store.fingerprint(sha),
                      mtime_ns=mtime_ns)
    except VidverifyError as exc:  # the entry stays as it was
        log.error("%s: content credentials not added to the index: %s", path, exc.message)


def _add_fingerprint_file(store: Store, path: str) -> AddResult:
    """A ``.vvfp`` file made elsewhere (``vidverify hash -o``): indexed under the media it describes."""
    try:
        fp = fpfile.load(path)
    except InputError as exc:
        return AddResult(path, "error", error=exc.message)
    if not fp.sha256:
        return AddResult(path, "error", error="the fingerprint file does not carry its media's sha256")
    info = MediaInfo(path=fp.path, sha256=fp.sha256, size=fp.size, kind="video" if len(fp) > 1 else "image",
                     duration=fp.duration, width=fp.width, height=fp.height, fps=fp.fps, frame_count=len(fp),
                     errors=(), tags={"vidverify.source": "fingerprint file", "vidverify.fingerprint": path})
    store.add(info, fp)
    return AddResult(path, "added", sha256=fp.sha256, frames=len(fp))


def add_paths(store: Store, paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
              keyframes: bool = False, jobs: int = 1, on_result: Callable[[AddResult], None] | None = None,
              progress: Progress | None = None, features: bool = True) -> list[AddResult]:
    """Probe and fingerprint each file into ``store`` (``vidverify index add``); ``jobs`` files at a time (worker
    processes; the writes stay in this process, one commit per file). A file whose path, size and mtime are
    unchanged is skipped without reading it; a file whose content is already stored (moved, copied, touched)
    only has its path recorded; a ``.vvfp`` fingerprint file is stored as the media file it describes. A file that
    cannot be read gives an ``error`` result and the others go on. Results: the skipped and unreadable files in
    the order of ``paths``, then the files read, in that order too. ``on_result`` sees each result as it comes and
    ``progress`` is told ("indexing", done, total). With ``features``, the ORB features of a few frames of each
    file are kept too, for the feature stage of ``search`` (``feature_stage.stored``): of each file read, and of
    an unchanged or known file the store has without them (a few frames decoded, once)."""
    if jobs < 1:
        raise UsageError("jobs must be at least 1")
    results: list[AddResult] = []
    found = expand_paths(paths)
    finished = [0]

    def done(r: AddResult) -> None:
        finished[0] += 1
        if on_result:
            on_result(r)
        if progress:
            progress("indexing", finished[0], len(found))

    def skip(r: AddResult) -> None:
        results.append(r)
        done(r)

    todo: dict[str, tuple[str, int]] = {}  # path -> (sha256, mtime_ns)
    for path in found:
        try:
            st = os.stat(path)
            if not files.is_regular(st):
                raise IsADirectoryError("not a regular file")
            if st.st_size == 0:
                skip(AddResult(path, "error", error="empty file (0 bytes)"))
                continue
            sha = store.lookup(path)
            if sha is not None:
                _read_credentials_once(store, path, sha, st.st_mtime_ns)
                if features:
                    _fill_features(store, path, sha)
                skip(AddResult(path, "unchanged", sha256=sha))
                continue
            if fpfile.is_fingerprint_file(path):
                skip(_add_fingerprint_file(store, path))
                continue
            sha = files.sha256_file(path)  # read here once: the content may be stored already
        except FileNotFoundError:
            skip(AddResult(path, "error", error="no such file"))
            continue
        except OSError as exc:
            skip(AddResult(path, "error", error=str(exc.strerror or exc)))
            continue
        stored = store.mode(sha)
        if stored is not None and (stored == "dense" or keyframes):
            store.add_path(path, sha, st.st_size, st.st_mtime_ns)
            if features:
                _fill_features(store, path, sha)
            skip(AddResult(path, "known", sha256=sha))
            continue
        todo[path] = (sha, st.st_mtime_ns)

    read: dict[str, AddResult] = {}

    def store_item(item: Item) -> None:
        seconds = round(item.seconds, 3)
        if item.fp is None:
            r = AddResult(item.path, "error", error=item.error, seconds=seconds)
        else:
            store.add(item.info, item.fp, mtime_ns=todo[item.path][1])
            if features:
                _keep_features(store, item.path, item.fp)
            r = AddResult(item.path, "added", sha256=item.fp.sha256, frames=len(item.fp), seconds=seconds)
        read[item.path] = r
        done(r)

    ingest_all(list(todo), jobs=jobs, keyframes=keyframes, sha256s={p: s for p, (s, _) in todo.items()},
               on_item=store_item)
    return results + [read[p] for p in todo]


def _fill_features(store: Store, path: str, sha: str) -> None:
    """The features of a file the store has without them (indexed by an older vidverify, by ``scan --index`` or
    from a .vvfp), from ``path``: a few frames are decoded, once."""
    if store.features(sha) is None:
        try:
            fp = store.fingerprint(sha)
        except VidverifyError as exc:
            log.info("%s: no features kept: %s", path, exc.message)
            return
        _keep_features(store, path, replace(fp, sha256=sha))


def _keep_features(store: Store, path: str, fp: Fingerprint) -> None:
    """The features ``search`` looks for in a query's frames (``feature_stage.stored``), kept in ``store``; a file
    whose frames cannot be grabbed again keeps none (a search finds them later, or says it could not)."""
    if len(fp) == 0 or not fp.width or fp.sha256 is None:
        return
    try:
        store.put_features(fp.sha256, feature_stage.stored(path, fp).to_bytes())
    except VidverifyError as exc:
        log.info("%s: no features kept: %s", path, exc.message)


__all__ = [
    "FrameProgress",
    "Item",
    "Progress",
    "add_paths",
    "expand_paths",
    "fingerprint",
    "ingest_all",
    "load_or_compute",
    "read_file",
    "shown_span",
    "with_claims",
]
