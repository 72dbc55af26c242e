"""Stream small grey frames with their true presentation times out of the bundled ffmpeg.

One ffmpeg process per segment decodes, scales to 32x32 grey in C (``scale=...:flags=area``) and writes raw
frames to a pipe; the exact presentation time of each frame (integer pts and the demuxer's time base, so
variable frame rates, edit lists and non-zero start times come out right) arrives on a second pipe through
ffmpeg's ``-stats_enc_pre``. Python only reads bytes and hands batches on: no per-frame work.

Speed (see benchmarks/bench_hash.py):
- ``fast=True`` skips the H.264/HEVC in-loop deblocking filter (``-skip_loop_filter all``), which a 32x32
  hash cannot see; the drift this costs is measured by the benchmark (mean well under one bit).
- A long file is cut at keyframes into ``jobs`` segments of equal decoding work (from the packet sizes in the
  container's index), decoded by parallel single-threaded processes, each kept to its own core: this keeps
  both cores busy where frame threading alone leaves part of one idle.
- The decoders start as soon as the container's index is read; bars are looked for beside them (a few
  keyframes sampled) and, in the rarer case that there are some, the decoders start again on the picture inside.
- ``keyframes=True`` decodes only the keyframes (``-skip_frame nokey``).

Times are seconds on the file's presentation timeline: for MP4/MOV, Matroska/WebM and AVI the container's own
zero (so a first frame delayed by an edit list keeps its delay); for formats without one (MPEG-TS, ...) the
first timestamp of the file is zero.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import math
import os
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import ffmpeg as ffmpeg_python  # ffmpeg-python: argv builder
import numpy as np

from .._version import __version__
from ..errors import CorruptMediaError, UnsupportedFormatError, VidverifyError
from ..signals.fingerprint import FrameBatch
from ..signals.hashing import PHASH_VERSION
from ..signals.picture import LANDSCAPE_MIN_ASPECT, VERTICAL_ASPECT, Box, active_area, centre_crop, split_detail
from . import audio, ffmpeg, files

log = logging.getLogger("vidverify")

FRAME_SIZE = 32  # pixels per side of the grey frames handed to the hasher
DETAIL_SIZE = 2 * FRAME_SIZE  # ffmpeg scales the active picture to this; its halves are hashed too
BATCH_FRAMES = 128  # frames per batch read from a pipe and hashed together
SPLIT_MIN_SECONDS = 8.0  # below this a file is decoded by a single process
SPLIT_BALANCE = 1.25  # the longest segment may be at most this times an equal share, or no split
SEEK_MARGIN_FRAMES = 6  # a cut lies this many frames after its keyframe's index time (B-frame delay)
READ_MARGIN_SECONDS = 0.1  # a segment's ffmpeg stops reading this long (plus SEEK_MARGIN_FRAMES) after its end
PIPE_BYTES = 16 * 1024  # small pipe: a segment that is stopped early has decoded little past its end
# Containers whose timeline has its own zero; for the others the first timestamp is taken as zero.
ZERO_ORIGIN_FORMATS = ("mov", "mp4", "m4a", "3gp", "matroska", "webm", "avi", "image2", "_pipe", "gif")
_STATS_RE = re.compile(rb"^(-?\d+|N/A) (\d+)/(\d+)$")
_URL_PLACEHOLDER = "file:vidverify-input"


@dataclass(frozen=True)
class StreamLayout:
    """What the decoder needs to know about a file before decoding it."""

    format_name: str
    start_time: float  # seconds, first timestamp in the file (any stream)
    duration: float | None
    keyframes: tuple[float, ...]  # raw presentation times of video keyframes (seconds), sorted
    fps: float | None
    width: int = 0  # display size (after rotation), the frame size that ffmpeg's filters see
    height: int = 0
    active: Box | None = None  # the picture inside bars, in display pixels (None: the whole frame)
    indexed: bool = False  # keyframe times come from the container's index: seeking to them is exact
    # with an index: for each keyframe, the share of the file's decoding work that lies before it (0..1), from
    # the packet sizes (a frame costs a fixed part plus a part in proportion to its bytes)
    key_work: tuple[float, ...] = ()
    # False: the frames have not been looked at yet (read_layout(bars=False)): width and height are the coded
    # size, before any display rotation, and bars are unknown (detect_bars tells)
    bars_known: bool = True
    frame_count: int | None = None  # video frames the container declares (None: it does not say)
    audio: bool = False  # an audio track (media/audio.py taps it; one that does not decode is "failed")
    audio_rate: int = 0  # the first audio track's sample rate as probed (Hz; 0: unknown): the tap's one-filter chain
    luma: bool = True  # the decoded pixels have a luma plane (planar YUV or grey), which the hashes are taken from
    # corners (x, y: top-left, top-right, bottom-left, bottom-right) hashed straightened; ``active``: their bounds
    corners: tuple[float, ...] | None = None

    def expected_frames(self, keyframes: bool = False) -> int | None:
        """How many frames a decode will deliver, as far as the container tells (for progress bars)."""
        if keyframes:
            return len(self.keyframes) or None
        if self.frame_count:
            return self.frame_count
        return int(self.duration * self.fps) if self.duration and self.fps else None

    @property
    def frame_seconds(self) -> float:
        """One frame's duration (1/30 s when the rate is unknown)."""
        return 1.0 / self.fps if self.fps else 1.0 / 30

    @property
    def origin(self) -> float:
        """Raw time that maps to 0.0 on the presentation timeline."""
        if any(name in self.format_name for name in ZERO_ORIGIN_FORMATS):
            return 0.0
        return self.start_time


SAMPLE_FRAMES = 5  # keyframes sampled (seek + decode one) to find bars
SAMPLE_SIZE = 128  # thumbnail side for bar detection
MIN_BAR_SAMPLES = 3  # bars must be constant in at least this many distinct frames
FALLBACK_SAMPLE_FRAMES = 90  # with fewer distinct keyframes (a long GOP), the opening frames are decoded


def _sample_thumbnails(container: Any, stream: Any, duration: float | None) -> tuple[np.ndarray, int]:
    """Grey SAMPLE_SIZE² thumbnails of keyframes spread over the video, in display orientation, and the
    display rotation (degrees, ffmpeg's anticlockwise convention).

    Each sample seeks to a keyframe and decodes that one packet, draining the decoder at once (no reference
    frames, no reordering delay): about one keyframe decode per sample."""
    tb = float(stream.time_base) if stream.time_base else 0.0
    start = (stream.start_time or 0) * tb
    times = [start + (duration or 0) * (i + 0.5) / SAMPLE_FRAMES for i in range(SAMPLE_FRAMES)]
    out: list[np.ndarray] = []
    rotation = 0
    cc = stream.codec_context
    seen: set[int] = set()
    for t in times if duration and tb else [None]:
        if t is not None:
            container.seek(int(t / tb), stream=stream, backward=True, any_frame=False)
        for packet in container.demux(stream):
            if not packet.is_keyframe or packet.size == 0:
                continue
            if packet.pts in seen:  # long GOP: the seek fell back to a keyframe already sampled
                break
            seen.add(packet.pts)
            frames = list(cc.decode(packet)) + list(cc.decode(None))
            cc.flush_buffers()
            if frames:
                rotation = int(getattr(frames[0], "rotation", 0) or 0) % 360
                out.append(_thumb(frames[0]))
            break
    if len(out) < MIN_BAR_SAMPLES and duration and tb:
        # a long GOP: decode the opening frames in order and take every few
        out = []
        container.seek(int(start / tb), stream=stream, backward=True, any_frame=False)
        for i, frame in enumerate(container.decode(stream)):
            if i >= FALLBACK_SAMPLE_FRAMES:
                break
            if i % (FALLBACK_SAMPLE_FRAMES // SAMPLE_FRAMES) == 0:
                out.append(_thumb(frame))
    stack = np.stack(out) if out else np.zeros((0, SAMPLE_SIZE, SAMPLE_SIZE), np.uint8)
    return stack, rotation


def _thumb(frame: Any) -> np.ndarray:
    img = ffmpeg.reformat(frame, width=SAMPLE_SIZE, height=SAMPLE_SIZE, format="gray", interpolation="FAST_BILINEAR")
    arr = img.to_ndarray()
    rotation = int(getattr(frame, "rotation", 0) or 0) % 360
    return np.rot90(arr, k=rotation // 90) if rotation % 90 == 0 else arr


def read_layout(path: str | os.PathLike[str], *, scan_keyframes: bool = True, bars: bool = True) -> StreamLayout:
    """Container facts and keyframe times via PyAV's demuxer (packets only), and with ``bars`` the display size
    and the picture inside any bars (a few keyframes decoded: see detect_bars)."""
    p = os.fspath(path)
    with _opened(p) as (container, stream):
        start = container.start_time / 1e6 if container.start_time is not None else 0.0
        duration = container.duration / 1e6 if container.duration is not None else None
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else None
        keys: list[float] = []
        key_work: list[float] = []
        indexed = False
        if scan_keyframes:
            tb = float(stream.time_base) if stream.time_base else 0.0
            # The demuxer's index (MP4 sample tables, AVI idx1, ...) costs nothing to read; its times are
            # decode times, which _plan_segments allows for. Without an index, demux the packets.
            keys, key_work = _keyframe_work(stream.index_entries, tb)
            indexed = len(keys) >= 2
            if not indexed:
                keys = sorted(p.pts * tb for p in container.demux(stream) if p.is_keyframe and p.pts is not None)
                key_work = []
        sound = container.streams.audio
        layout = StreamLayout(container.format.name, start, duration, tuple(keys), fps,
                              stream.codec_context.width, stream.codec_context.height, None, indexed,
                              tuple(key_work), bars_known=False, frame_count=int(stream.frames or 0) or None,
                              audio=bool(sound),  # a codec PyAV lacks has no rate (0)
                              audio_rate=next((int(getattr(a, "sample_rate", 0) or 0) for a in sound), 0),
                              luma=(stream.codec_context.pix_fmt or "yuv").startswith(("yuv", "gray", "nv")))
        return _with_bars(p, container, stream, layout) if bars else layout
    raise AssertionError("unreachable")  # pragma: no cover - _opened raises or yields


def detect_bars(path: str | os.PathLike[str], layout: StreamLayout) -> StreamLayout:
    """``layout`` (from read_layout(bars=False)) with the display size and the picture inside bars."""
    if layout.bars_known:
        return layout
    p = os.fspath(path)
    with _opened(p) as (container, stream):
        return _with_bars(p, container, stream, layout)
    raise AssertionError("unreachable")  # pragma: no cover


@contextlib.contextmanager
def _opened(p: str) -> Iterator[tuple[Any, Any]]:
    """The container and its first video stream, PyAV's errors turned into ours."""
    import av

    try:
        with ffmpeg.av_open(p) as container:
            if not container.streams.video:
                raise UnsupportedFormatError("no video stream", path=p)
            stream = container.streams.video[0]
            cc = stream.codec_context  # None: an unknown codec id (a damaged or made-up sample entry)
            if why := "the video stream is in a codec that cannot be decoded" if cc is None else ffmpeg.too_big(cc):
                raise UnsupportedFormatError(why, path=p)
            yield container, stream
    except VidverifyError:
        raise
    except av.error.InvalidDataError as exc:
        raise UnsupportedFormatError("not a media file that ffmpeg can read", path=p) from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise CorruptMediaError(ffmpeg.limits_error(exc) or f"cannot read the container ({exc})", path=p) from exc


def _with_bars(p: str, container: Any, stream: Any, layout: StreamLayout) -> StreamLayout:
    width, height = stream.codec_context.width, stream.codec_context.height
    active: Box | None = None
    try:
        samples, rotated = _sample_thumbnails(container, stream, layout.duration)
        if rotated in (90, 270):
            width, height = height, width
        if len(samples) >= MIN_BAR_SAMPLES:  # bars must be seen constant in several distinct frames
            box = active_area(samples, width, height)
            if box != Box.full(width, height):
                active = box
    except Exception as exc:  # damaged data: no bar detection, the whole frame is hashed
        log.debug("bar detection failed for %s: %s", p, exc)
    # a picture the caller chose (a region, or corners and their bounds) stays the one decoded
    return replace(layout, width=width, height=height, active=layout.active or active, bars_known=True)


def _keyframe_work(entries: Any, tb: float) -> tuple[list[float], list[float]]:
    """Keyframe times from a demuxer index (sorted) and, for each, the share of the decoding work before it.

    A frame's work is taken as a fixed part plus a part in proportion to its bytes (each half of the total), so
    that a file whose second half is the busier one is still cut where the work, not the time, is halved. An
    index that lists only keyframes or no sizes (Matroska cues) tells nothing of the work: no shares then."""
    sizes = [e.size for e in entries]
    flags = [e.is_keyframe for e in entries]
    keys: list[tuple[float, float]] = []
    done = 0.0
    fixed = sum(sizes) / len(sizes) if sizes else 0.0
    for entry, size, key in zip(entries, sizes, flags, strict=True):
        if key:
            keys.append((entry.timestamp * tb, done))
        done += size + fixed
    keys.sort()
    times = [k for k, _ in keys]
    if fixed <= 0 or all(flags) or min(sizes) <= 0:
        return times, []
    return times, [w / done for _, w in keys]


def _plan_segments(layout: StreamLayout, jobs: int, *, by_work: bool = True) -> list[tuple[float | None, float | None]]:
    """Cut points at keyframes, as (start, end) raw times; None = file start / end.

    Each segment gets an equal share of the decoding work (``layout.key_work``, when ``by_work`` and the index
    gives it; otherwise of the time). Splits only when every segment stays within SPLIT_BALANCE of an equal
    share: one long single-threaded segment would be slower than one frame-threaded process.
    """
    duration = layout.duration or 0.0
    after = [i for i, k in enumerate(layout.keyframes) if k > layout.start_time + 1e-6]
    keys = [layout.keyframes[i] for i in after]
    # without an index (MPEG-TS, ...) ffmpeg seeks by bisecting the bytes and may land a keyframe or more late
    if jobs <= 1 or duration < SPLIT_MIN_SECONDS or not keys or not layout.indexed:
        return [(None, None)]
    if by_work and len(layout.key_work) == len(layout.keyframes):
        where = [layout.key_work[i] for i in after]  # share of the work before each keyframe
    else:
        where = [(k - layout.start_time) / duration for k in keys]
    cuts: list[float] = []
    shares: list[float] = []
    for i in range(1, jobs):
        j = min(range(len(keys)), key=lambda j: abs(where[j] - i / jobs))
        # Index times may be decode times, a few frames before the presentation time: cut a little after the
        # keyframe so that the seek lands on it (frames between it and the cut come from the segment before).
        gap = (keys[j + 1] - keys[j]) if j + 1 < len(keys) else duration / jobs
        cut = keys[j] + min(gap / 2, SEEK_MARGIN_FRAMES * layout.frame_seconds)
        if not cuts or cut > cuts[-1]:
            cuts.append(cut)
            shares.append(where[j])
    edges = [0.0, *shares, 1.0]
    if len(cuts) != jobs - 1 or max(b - a for a, b in zip(edges, edges[1:], strict=False)) > SPLIT_BALANCE / jobs:
        return [(None, None)]
    bounds: list[float | None] = [None, *cuts, None]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _argv(url: str, *, keyframes: bool, fast: bool, threads: int | None, seek: float | None,
          read_until: float | None = None, stats_fd: int, area: Box | None, tap: audio.Tap | None = None,
          luma: bool = True, corners: tuple[float, ...] | None = None) -> list[str]:
    in_opts: dict[str, object] = {"copyts": None, "protocol_whitelist": "file,pipe",
                                  "format_whitelist": ffmpeg.allowed_demuxers(), **ffmpeg.limit_options()}
    if fast:
        in_opts["skip_loop_filter"] = "all"
    if keyframes:
        in_opts["skip_frame"] = "nokey"
    if threads is not None:
        in_opts["threads"] = threads
    if seek is not None:
        # -ss counts from the file's start time unless -seek_timestamp; seek to the keyframe itself and keep
        # every frame from there (no accurate-seek trimming: the segment bounds are applied by the reader).
        in_opts["ss"] = f"{seek:.6f}"
        in_opts["seek_timestamp"] = 1
        in_opts["noaccurate_seek"] = None
    if read_until is not None:
        # stop demuxing a little after the segment's end: without it the decoder runs on past the end while the
        # reader notices and stops it (a dozen frames in ffmpeg's queues: a dozen whole keyframes with --keyframes).
        # Input -t counts from the seek point (or the file's zero) and trims from the first frame, which may lie up
        # to SEEK_MARGIN_FRAMES before the seek point: READ_MARGIN covers that; the reader drops what is past.
        in_opts["t"] = f"{read_until - (seek or 0.0):.6f}"
    # ffmpeg-python hashes its nodes' repr as UTF-8: a path that is not UTF-8 (surrogate escapes) goes in afterwards
    video = ffmpeg_python.input(_URL_PLACEHOLDER, **in_opts)["v:0"]
    if area is not None:
        video = video.filter("crop", area.w, area.h, area.x, area.y)
    if not luma:  # RGB, a palette (an animated GIF, PNG or QuickTime Animation in a MOV): no luma plane to take
        video = video.filter("format", "gray")
    video = video.filter("extractplanes", "y")  # grey from here on: chroma is never scaled
    if corners is not None and area is not None:  # the corners' picture in their bounds, straightened at 4x detail
        video = video.filter("scale", 4 * DETAIL_SIZE, 4 * DETAIL_SIZE, flags="area").filter(
            "perspective", **ffmpeg.perspective_corners(corners, (area.x, area.y, area.w, area.h), 4 * DETAIL_SIZE))
    split = video.filter_multi_output("split", 2)
    full, part = split[0], split[1]
    # the active picture at twice the hash size (its halves are hashed too), the centre crop at hash width and
    # twice its height (to stack beside it); both are averaged down to FRAME_SIZE² in numpy (see _deliver)
    full = full.filter("scale", DETAIL_SIZE, DETAIL_SIZE, flags="area")
    part = part.filter("crop", **CROP_EXPR).filter("scale", FRAME_SIZE, DETAIL_SIZE, flags="area")
    video = ffmpeg_python.filter([full, part], "hstack", inputs=2)
    out = ffmpeg_python.output(
        video,
        "pipe:1",
        format="rawvideo",
        fps_mode="passthrough",
        **{
            "enc_time_base:v": "filter",  # the stream time base, carried through the graph
            "stats_enc_pre": f"pipe:{stats_fd}",
            "stats_enc_pre_fmt": "{pts} {tb}",
        },
    )
    args = [*out.get_args(), *(tap.args() if tap is not None else [])]
    return ["-v", "error", *(url if a == _URL_PLACEHOLDER else a for a in args)]


class _Segment:
    """One ffmpeg process decoding [start, end) of the file, read into lists of batches."""

    def __init__(self, path: str, layout: StreamLayout, start: float | None, end: float | None, *, keyframes: bool,
                 fast: bool, threads: int | None, on_frames: Callable[[int], None] | None,
                 transform: Callable[[FrameBatch], Any], cancel: threading.Event | None = None,
                 sound: bool = False) -> None:
        self.path, self.layout, self.start, self.end = path, layout, start, end
        self.cancel = cancel  # set: stop at once (the results are not wanted)
        self.keyframes, self.fast, self.threads, self.on_frames = keyframes, fast, threads, on_frames
        self.transform = transform
        self.results: list[Any] = []  # transform(batch) for each batch, in order
        self._last_time = -math.inf
        self.error: BaseException | None = None
        self.stderr_tail: deque[str] = deque(maxlen=20)
        self.returncode: int | None = None
        self.stopped_early = False
        self.frames_read = 0
        self.first_raw: float | None = None  # raw time of the first frame the process delivered
        self.tap = audio.Tap(start, end, layout.origin, layout.duration, layout.audio_rate) \
            if sound and layout.audio else None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # handed to the caller's thread
            self.error = exc

    def _run(self) -> None:
        frame_bytes = DETAIL_SIZE * (DETAIL_SIZE + FRAME_SIZE)
        r_stats, w_stats = os.pipe()
        try:
            argv = _argv(ffmpeg.input_url(self.path), keyframes=self.keyframes, fast=self.fast, threads=self.threads,
                         seek=self.start, read_until=None if self.end is None else self.end + self._read_margin(),
                         stats_fd=w_stats, area=self.layout.active, tap=self.tap, luma=self.layout.luma,
                         corners=self.layout.corners)
            size = os.path.getsize(self.path)
            timeout = ffmpeg.timeout_for(self.layout.duration, size)
            with ffmpeg.popen(argv, pass_fds=(w_stats, *(self.tap.fds if self.tap else ())), timeout=timeout) as proc:
                os.close(w_stats)
                w_stats = -1
                if self.tap is not None:  # a process that stops at its end (-t) gives its sound to the end
                    self.tap.start_reading()
                assert proc.stdout is not None and proc.stderr is not None
                try:
                    fcntl.fcntl(proc.stdout.fileno(), 1031, PIPE_BYTES)  # F_SETPIPE_SZ
                except OSError:
                    pass
                err_thread = threading.Thread(target=self._drain_stderr, args=(proc.stderr,), daemon=True)
                err_thread.start()
                stats = os.fdopen(r_stats, "rb", buffering=65536)
                r_stats = -1
                with stats:
                    self._read(proc.stdout, stats, frame_bytes)
                    if self._halt():
                        return
                    proc.wait(timeout=timeout)
                err_thread.join(timeout=5)
                self.returncode = proc.returncode
        finally:
            if self.tap is not None:
                self.tap.finish()
            for fd in (r_stats, w_stats):
                if fd >= 0:
                    os.close(fd)

    def _halt(self) -> bool:
        """Stop the process now: cancelled, or past the segment's end with no sound to finish (-t ends it soon)."""
        return self.stopped_early and (not self.tap or self.tap.complete or bool(self.cancel and self.cancel.is_set()))

    def _read_margin(self) -> float:
        return READ_MARGIN_SECONDS + (SEEK_MARGIN_FRAMES + 2) * self.layout.frame_seconds

    def _drain_stderr(self, stream: Any) -> None:
        for line in filter(None, (raw.decode("utf-8", "replace").rstrip() for raw in iter(stream.readline, b""))):
            self.stderr_tail.append(line)
            if self.tap is not None and audio.AUDIO_ERROR.search(line):  # a sound packet refused
                self.tap.errors += 1

    def _read(self, stdout: object, stats: object, frame_bytes: int) -> None:
        """Frames arrive as DETAIL_SIZE rows: the active picture (DETAIL_SIZE wide), then its centre crop.

        Reads whatever the pipe holds (never waits for a full batch) into one buffer that is reused, so a
        segment learns that it has passed its end within a few frames and its process is stopped before it
        decodes much beyond; a batch is handed on every BATCH_FRAMES frames, at the segment's end and at EOF."""
        fd = stdout.fileno()  # type: ignore[attr-defined]
        buf = np.empty((BATCH_FRAMES + 1) * frame_bytes, dtype=np.uint8)  # a batch and a frame's remainder
        view = memoryview(buf)  # type: ignore[arg-type]
        filled = 0
        times: list[float] = []
        while True:
            got = os.readv(fd, [view[filled:]])
            filled += got
            n = filled // frame_bytes
            for _ in range(n - len(times)):
                line = stats.readline().strip()  # type: ignore[attr-defined]
                m = _STATS_RE.match(line)
                times.append(np.nan if not m or m.group(1) == b"N/A"
                             else int(m.group(1)) * int(m.group(2)) / int(m.group(3)))
            past_end = self.end is not None and bool(times) and times[-1] >= self.end - 1e-7
            while n >= BATCH_FRAMES or (n and (past_end or not got)):  # batches of exactly BATCH_FRAMES
                k = min(n, BATCH_FRAMES)
                self._deliver(buf[: k * frame_bytes], np.array(times[:k]), k)
                buf[:filled - k * frame_bytes] = buf[k * frame_bytes: filled]
                filled, times, n = filled - k * frame_bytes, times[k:], n - k
            if self.cancel is not None and self.cancel.is_set():
                self.stopped_early = True
            if self._halt() or not got:
                return

    def _deliver(self, data: np.ndarray, times: np.ndarray, n: int) -> None:
        """Hand on ``n`` frames (``data``: their bytes, in a buffer that is reused once this returns)."""
        if self.first_raw is None and n and not np.isnan(times[0]):
            self.first_raw = float(times[0])
        frames, crops, halves, detail = split_detail(data.reshape(n, DETAIL_SIZE, DETAIL_SIZE + FRAME_SIZE))
        keep = np.ones(n, dtype=bool)
        if self.start is not None:
            keep &= ~(times < self.start - 1e-7)
        if self.end is not None:
            past = times >= self.end - 1e-7
            keep &= ~past
            if past.any():
                self.stopped_early = True
        if keep.any():
            t = times[keep] - self.layout.origin
            if np.isnan(t).any():
                t = _fill_missing_times(t, self._last_time, self.layout.fps)
            self._last_time = float(t[-1])
            self.frames_read += len(t)
            self.results.append(self.transform(FrameBatch(t, frames[keep], crops[keep], halves[keep], detail[keep])))
            if self.on_frames:
                self.on_frames(int(keep.sum()))


def crop_in_frame(width: int, height: int) -> Box:
    """The centre crop (picture.centre_crop) of a ``width`` x ``height`` frame, kept inside it (a picture 1 or 2
    pixels across: ffmpeg would refuse a crop wider than the frame). ffmpeg computes the same box from the size
    it sees (CROP_EXPR), so the decoders can start before the display size is known."""
    c = centre_crop(Box.full(width, height))
    w, h = min(c.w, width), min(c.h, height)
    return Box(max(0, min(c.x, width - w)), max(0, min(c.y, height - h)), max(1, w), max(1, h))


def _crop_expr() -> dict[str, str]:
    """crop_in_frame as ffmpeg crop-filter expressions of the input size (iw, ih)."""
    wide = f"gte(iw,ih*{LANDSCAPE_MIN_ASPECT!r})"
    cw = f"if({wide},max(2,2*floor(floor(ih*{VERTICAL_ASPECT!r})/2)),2*floor(iw/2))"
    ch = f"if({wide},ih,2*floor(iw/2))"
    return {"w": f"max(1,min({cw},iw))", "h": f"max(1,min({ch},ih))",  # x and y see the crop's size as ow, oh
            "x": f"max(0,min(if({wide},floor((iw-{cw})/2),0),iw-ow))",
            "y": f"max(0,min(if({wide},0,floor((ih-{ch})/2)),ih-oh))"}


CROP_EXPR = _crop_expr()


def _cores_to_pin(n: int) -> list[int]:
    """Cores for ``n`` parallel decoder processes, one each, when this process may use exactly ``n`` cores (a
    2-core machine, or a run kept to ``n`` cores): with more, the scheduler spreads them better than a fixed
    choice would (two runs at once would pin to the same cores)."""
    if n < 2 or not hasattr(os, "sched_getaffinity"):
        return []
    try:
        cores = sorted(os.sched_getaffinity(0))
    except OSError:
        return []
    return cores if len(cores) == n else []


def _pin_thread(core: int) -> None:
    try:
        os.sched_setaffinity(0, {core})
    except OSError as exc:  # a container that forbids it: run unpinned
        log.debug("cannot set CPU affinity: %s", exc)


def _run_segments(path: str, layout: StreamLayout, plan: list[tuple[float | None, float | None]], jobs: int, *,
                  keyframes: bool, fast: bool, threads: int | None, on_frames: Callable[[int], None] | None,
                  transform: Callable[[FrameBatch], Any], cancel: threading.Event | None = None,
                  sound: bool = False) -> list[_Segment]:
    """Decode the planned segments, ``jobs`` at a time; raise the first segment's error. Setting ``cancel``
    stops them all within a frame or so; so does an error in one of them, or an interrupt (Ctrl-C)."""
    stop = cancel if cancel is not None else threading.Event()
    n_workers = min(jobs, len(plan))
    segments = [
        _Segment(path, layout, s, e, keyframes=keyframes, fast=fast, threads=threads, on_frames=on_frames,
                 transform=transform, cancel=stop, sound=sound)
        for s, e in plan
    ]
    queue = list(reversed(segments))
    lock = threading.Lock()
    failed = threading.Event()
    cores = _cores_to_pin(n_workers)

    def worker(i: int) -> None:
        if cores:
            # the ffmpeg this thread starts inherits the thread's CPU: each decoder keeps its own core, and its
            # decoding, filter and output threads share that core's caches (frames are not handed across cores)
            _pin_thread(cores[i])
        while not failed.is_set() and not stop.is_set():
            with lock:
                if not queue:
                    return
                seg = queue.pop()
            seg.run()
            if seg.error is not None:
                failed.set()
                stop.set()  # the file fails: the other decoders need not finish

    workers = [threading.Thread(target=worker, args=(i,), name=f"vidverify-decode-{i}") for i in range(n_workers)]
    for w in workers:
        w.start()
    try:
        for w in workers:
            w.join()
    except BaseException:
        failed.set()
        stop.set()
        for w in workers:
            w.join()
        raise
    for seg in segments:
        if seg.error is not None:
            raise seg.error
    return segments


def map_batches(path: str | os.PathLike[str], transform: Callable[[FrameBatch], Any], **kwargs: Any) -> list[Any]:
    """``[transform(batch), ...]`` for the batches of ``path`` in presentation order (see decode_batches)."""
    return decode_batches(path, transform, **kwargs)[1]


def decode_batches(
    path: str | os.PathLike[str],
    transform: Callable[[FrameBatch], Any],
    *,
    keyframes: bool = False,
    fast: bool = True,
    jobs: int = 1,
    layout: StreamLayout | None = None,
    on_frames: Callable[[int], None] | None = None,
    warnings: list[str] | None = None,
    sound: list[audio.Tap] | None = None,
) -> tuple[StreamLayout, list[Any]]:
    """Decode ``path`` into batches of 32x32 grey frames with presentation times; return the file's layout
    (display size and bars included) and ``[transform(batch), ...]`` in presentation order.

    ``transform`` runs in the decoder threads as batches arrive, so only its (small) results are kept: memory
    stays flat however long the file. ``jobs`` processes decode contiguous keyframe-aligned segments in
    parallel; ``jobs=1`` is one single-threaded decoder. Decoder complaints about damaged data are appended to
    ``warnings`` when frames were still decoded; a file that yields no frame at all raises
    ``CorruptMediaError``/``UnsupportedFormatError``.

    When the layout's bars are not known yet (no ``layout``, or one from ``read_layout(bars=False)``), the
    decoders start at once on the whole picture while a few keyframes are sampled for bars beside them; in the
    rarer case that there are bars, they are stopped and started again on the picture inside (``transform`` has
    then also seen some batches of the whole picture, whose results are dropped). With a ``sound`` list, each
    process also decodes the first audio track (``media/audio.py``): the taps that delivered go into the list.
    """
    p = os.fspath(path)
    files.check_media_input(p)
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    if layout is None:
        layout = read_layout(p, scan_keyframes=jobs > 1, bars=False)
    # one segment per process, each an equal share of the work (cut where the packet bytes say, not the clock):
    # more, smaller segments cost a process start and a keyframe-led overlap each, and balanced no better
    plan = _plan_segments(layout, jobs, by_work=not keyframes)
    # several processes run single-threaded; so does one when the caller asked for one job (a scan that runs one
    # file per worker process keeps each on its own core); otherwise ffmpeg picks its thread count
    threads = 1 if len(plan) > 1 or jobs == 1 else None

    def run(layout: StreamLayout, plan: list[tuple[float | None, float | None]], jobs: int,
            threads: int | None, on_frames: Callable[[int], None] | None,
            cancel: threading.Event | None = None) -> list[_Segment]:
        return _run_segments(p, layout, plan, jobs, keyframes=keyframes, fast=fast, threads=threads,
                             on_frames=on_frames, transform=transform, cancel=cancel, sound=sound is not None)

    if layout.bars_known:
        segments = run(layout, plan, jobs, threads, on_frames)
    else:
        quick = layout
        layout, segments = _decode_while_finding_bars(
            p, quick, lambda cancel, report: run(quick, plan, jobs, threads, report, cancel),
            lambda final: run(final, plan, jobs, threads, on_frames), on_frames)
    if any(seg.start is not None and (seg.first_raw is None or seg.first_raw > seg.start + 1e-6)
           for seg in segments[1:]):
        # a seek landed after its cut, or a later segment gave nothing (a container whose index misleads):
        # frames would be missing
        log.debug("%s: a segment's seek overshot; decoding in one piece", p)
        segments = run(layout, [(None, None)], 1, 1 if jobs == 1 else None, None)
    total = sum(seg.frames_read for seg in segments)
    if sound is not None:
        sound.extend(seg.tap for seg in segments if seg.tap is not None)
    problems = [line for seg in segments for line in seg.stderr_tail]
    truncated = any(ln.endswith("partial file") for ln in problems)
    if total == 0:
        if truncated:
            raise CorruptMediaError("truncated or damaged file (data missing): no frame could be decoded", path=p)
        detail = ffmpeg.last_error_line("\n".join(problems)) if problems else "no video frame could be decoded"
        # ffmpeg's thread shutdown lines carry the reason in brackets: "... return code -N (Invalid data ...)"
        detail = re.sub(r"^(?:Task finished|Terminating thread) with (?:error|return) code:? -?\d+ \((.*)\)$",
                        r"\1", detail)
        if any("Invalid data found" in ln for ln in problems) and not layout.format_name.startswith("mov"):
            raise UnsupportedFormatError(f"not a media file that ffmpeg can read ({detail})", path=p)
        # the container opened (read_layout) but not one frame decodes: a damaged file, not a foreign one
        raise CorruptMediaError(f"damaged file, no frame could be decoded ({detail})", path=p)
    if truncated and warnings is not None:
        warnings.append(f"truncated or damaged file (data missing): hashed the {total} frames that decode")
    elif problems and warnings is not None:
        warnings.append(f"decoder reported damaged data: {ffmpeg.last_error_line(problems[-1])}")
    for seg in segments:
        if seg.returncode not in (0, None) and not seg.stopped_early and warnings is not None:
            warnings.append(f"ffmpeg exited with status {seg.returncode}")
    return layout, [r for seg in segments for r in seg.results]


def _decode_while_finding_bars(
    p: str,
    layout: StreamLayout,
    speculate: Callable[[threading.Event, Callable[[int], None] | None], list[_Segment]],
    again: Callable[[StreamLayout], list[_Segment]],
    on_frames: Callable[[int], None] | None,
) -> tuple[StreamLayout, list[_Segment]]:
    """Run ``speculate`` (a decode of the whole picture) while detect_bars samples the file in a thread; if
    there are bars, stop it and decode ``again`` with them. Progress is held back until the bars are known, so
    that frames decoded for nothing are never counted."""
    cancel = threading.Event()
    lock = threading.Lock()
    held = [0]
    found: list[StreamLayout] = []

    def report(n: int) -> None:
        with lock:
            if not found:
                held[0] += n
                return
        if on_frames is not None and not cancel.is_set():
            on_frames(n)

    def bars() -> None:
        try:
            final = detect_bars(p, layout)
        except Exception as exc:  # the file reopened badly: the decoders will say so; no bars
            log.debug("bar detection failed for %s: %s", p, exc)
            final = replace(layout, bars_known=True)
        if final.active != layout.active:  # bars: the whole picture was decoded for nothing
            cancel.set()
        with lock:
            found.append(final)
            pending, held[0] = held[0], 0
        if on_frames is not None and pending and not cancel.is_set():
            on_frames(pending)

    finder = threading.Thread(target=bars, name="vidverify-bars", daemon=True)
    finder.start()
    try:
        segments = speculate(cancel, report)
    finally:
        finder.join()
    final = found[0]
    if final.active == layout.active:
        return final, segments
    log.debug("%s: bars found while decoding; decoding the picture inside them", p)
    return final, again(final)


def iter_frames(path: str | os.PathLike[str], **kwargs: Any) -> Iterator[FrameBatch]:
    """The decoded batches themselves (kept in memory: for short files and tests; see ``map_batches``)."""
    yield from map_batches(path, lambda batch: batch, **kwargs)


def _fill_missing_times(t: np.ndarray, last: float, fps: float | None) -> np.ndarray:
    step, out = 1.0 / fps if fps else 1.0 / 30, t.copy()
    prev = last if math.isfinite(last) else -step
    for i in range(len(out)):
        if np.isnan(out[i]):
            out[i] = prev + step
        prev = out[i]
    return out


def decoder_versions(mode: str, fast: bool) -> dict[str, Any]:
    """What made a fingerprint, recorded in it: vidverify, the hash, the frames it saw and the decoder."""
    return {
        "vidverify": __version__,
        "hash": PHASH_VERSION,
        "frame": f"{FRAME_SIZE}x{FRAME_SIZE} luma plane, ffmpeg extractplanes=y + scale flags=area",
        "decoder": f"ffmpeg {ffmpeg.ffmpeg_version()}",
        "decoder_options": ("skip_loop_filter=all" if fast else "full quality")
        + (", skip_frame=nokey" if mode == "keyframes" else ""),
    }


__all__ = ["BATCH_FRAMES", "DETAIL_SIZE", "FRAME_SIZE", "StreamLayout", "iter_frames", "crop_in_frame",
           "decode_batches", "decoder_versions", "detect_bars", "map_batches", "read_layout"]
