"""Stills: a few frames at given times, in colour, at a modest size (the evidence for picture edits), and small JPEG
thumbnails of them for the HTML report.

    thumbs = thumbnails(html.thumbnail_requests(match))          # {(path, t): JPEG bytes}
    page = html.render_compare(match, info_a=a, info_b=b, thumbs=thumbs)

Times are seconds on each file's presentation timeline (0.0 = its first displayed frame). A file that cannot be
decoded, or a time past its end, simply has no frame or thumbnail: the report shows a placeholder. Never raises
for bad media.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

import numpy as np

from . import files
from .ffmpeg import av_open, reformat

log = logging.getLogger("vidverify")

SEEK_AHEAD_SECONDS = 2.0  # a frame this close ahead is reached by decoding on rather than seeking
GRAB_WIDTH = 384  # pixels: enough for feature matching and overlay boxes, cheap to decode and compare


def grab_frames(path: str | os.PathLike[str], times: Sequence[float], *, width: int = GRAB_WIDTH,
                origin: float = 0.0, threads: int | None = None) -> list[np.ndarray | None]:
    """RGB frames (h, w, 3) uint8 shown at ``times`` (seconds on the file's timeline; ``origin`` is the raw
    time of its zero), in display orientation and aspect (rotation and non-square pixels applied, nothing
    cropped); None where a frame cannot be had. Never raises for bad media.
    ``threads=1`` decodes in this thread only (a worker of a pool that already keeps every core busy)."""
    out: list[np.ndarray | None] = [None] * len(times)
    for k, img in each_frame(path, times, width=width, origin=origin, threads=threads):
        out[k] = img
    return out


def each_frame(path: str | os.PathLike[str], times: Sequence[float], *, width: int | None = GRAB_WIDTH,
               origin: float = 0.0, threads: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """``(k, RGB frame shown at times[k])`` in time order, one at a time (``width=None``: full size), as
    :func:`grab_frames`: seeking to the keyframe before each time unless it is a little ahead. Never raises for
    bad media: a frame that cannot be had is left out."""
    import av

    try:
        with av_open(path) as c:
            if not c.streams.video:
                return
            stream = c.streams.video[0]
            if threads == 1:
                stream.thread_count = 1
            else:
                stream.thread_type = "AUTO"  # frame threads: decoding on through a GOP is the cost here
            tb = float(stream.time_base) if stream.time_base else None
            half = 0.5 * _frame_dur(stream)
            sar = _pixel_aspect(stream)  # frames at the display aspect, not the stored one (non-square pixels)
            frames: Any = None
            last = -np.inf
            for k in np.argsort(times, kind="stable"):
                t = float(times[k]) + origin
                try:
                    # decode on from the previous frame when the next time is a little ahead; seek otherwise
                    # (not before the first frame near the start: an image's demuxer yields nothing after a seek)
                    if frames is None and float(times[k]) <= SEEK_AHEAD_SECONDS:
                        frames = c.decode(stream)
                    elif frames is None or t < last - half or t - last > SEEK_AHEAD_SECONDS:
                        if tb:
                            c.seek(max(0, int(t / tb)), stream=stream, backward=True, any_frame=False)
                        frames = c.decode(stream)
                    best = None
                    for frame in frames:
                        last = frame.time if frame.time is not None else last
                        best = frame
                        if last >= t - half:
                            break
                    if best is not None:
                        yield int(k), _to_rgb(best, width, sar)
                except (av.error.FFmpegError, ValueError, OSError) as exc:
                    frames = None
                    log.debug("cannot grab %s at %.3f: %s", path, t, exc)
    except Exception as exc:  # unreadable media: no picture evidence, the timeline result stands
        log.debug("cannot open %s for frames: %s", path, exc)


def _frame_dur(stream: object) -> float:
    rate = getattr(stream, "average_rate", None) or getattr(stream, "guessed_rate", None)
    return 1.0 / float(rate) if rate else 1 / 30


def _pixel_aspect(stream: Any) -> float:
    """The stream's sample (pixel) aspect ratio, 1.0 when unknown or absurd."""
    try:
        sar = float(stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio or 1)
    except (AttributeError, TypeError, ValueError, ZeroDivisionError):
        return 1.0
    return sar if 0.1 <= sar <= 10 else 1.0


def _to_rgb(frame: object, width: int | None, sar: float = 1.0) -> np.ndarray:
    """``sar``: the pixel aspect ratio, applied to the stored width (an anamorphic frame shown at its display size)."""
    fw, fh = max(1, round(frame.width * sar)), frame.height  # type: ignore[attr-defined]
    rot = int(getattr(frame, "rotation", 0) or 0) % 360
    disp_w, disp_h = (fh, fw) if rot in (90, 270) else (fw, fh)
    if width is None:  # full size (odd sizes kept)
        w, h = disp_w, disp_h
    else:
        w = min(width, disp_w) & ~1
        h = max(2, round(disp_h * w / disp_w)) & ~1
    tw, th = (h, w) if rot in (90, 270) else (w, h)
    img = reformat(frame, width=tw, height=th, format="rgb24").to_ndarray()
    if rot in (90, 180, 270):
        img = np.ascontiguousarray(np.rot90(img, k=rot // 90))
    return cast(np.ndarray, img)


THUMB_WIDTH = 160  # pixels: small enough that a report with dozens of thumbnails stays well under a megabyte
JPEG_QUALITY = 78  # 0..100; thumbnails are evidence to look at, not to measure


def grab_keyframes(path: str | os.PathLike[str], times: Sequence[float], *, width: int = GRAB_WIDTH,
                   origin: float = 0.0) -> list[np.ndarray]:
    """RGB frames of the distinct keyframes at or before ``times``: one packet decoded per frame, so much cheaper
    than ``grab_frames`` when exact times do not matter. Falls back to ``grab_frames`` for a long GOP."""

    out: list[np.ndarray] = []
    seen: set[int | None] = set()
    try:
        with av_open(path) as c:
            if not c.streams.video:
                return out
            stream = c.streams.video[0]
            cc = stream.codec_context
            tb = float(stream.time_base) if stream.time_base else None
            if not tb:
                return out
            for t in sorted(times):
                c.seek(max(0, int((t + origin) / tb)), stream=stream, backward=True, any_frame=False)
                for packet in c.demux(stream):
                    if not packet.is_keyframe or packet.size == 0:
                        continue
                    if packet.pts not in seen:
                        seen.add(packet.pts)
                        frames = list(cc.decode(packet)) + list(cc.decode(None))
                        cc.flush_buffers()
                        if frames:
                            out.append(_to_rgb(frames[0], width, _pixel_aspect(stream)))
                    break
    except Exception as exc:  # unreadable media: no picture evidence
        log.debug("cannot grab keyframes of %s: %s", path, exc)
    if len(out) < max(2, len(times) // 3):
        return [f for f in grab_frames(path, times, width=width, origin=origin) if f is not None]
    return out


def thumbnails(
    requests: Iterable[tuple[str, float]],
    width: int = THUMB_WIDTH,
    *,
    origins: Mapping[str, float] | None = None,
    media: Mapping[str, str] | None = None,
    quality: int = JPEG_QUALITY,
) -> dict[tuple[str, float], bytes]:
    """JPEG bytes for each ``(path, time)`` that can be decoded, keyed exactly as requested.

    Each file is opened once; its frames are grabbed in time order (:func:`grab_frames`). ``origins``
    gives the raw container time of t = 0 per path (``Fingerprint.time_origin``); by default it is read from
    the file (the raw time of its first displayed frame). ``media``
    names the file to decode for a requested path where they differ (a fingerprint file stands for its media)."""
    import cv2

    by_path: dict[str, list[float]] = {}
    for path, t in requests:
        times = by_path.setdefault(path, [])
        if t not in times:
            times.append(t)
    out: dict[tuple[str, float], bytes] = {}
    for path, times in by_path.items():
        source = media.get(path, path) if media else path
        if not source or not os.path.isfile(source):
            log.debug("no thumbnails for %s: no media file", path)
            continue
        origin = origins[path] if origins and path in origins else _origin(source)
        frames = grab_frames(source, [max(0.0, t) for t in times], width=width, origin=origin)
        for t, img in zip(times, frames, strict=True):
            if img is None:
                continue
            ok, buf = cv2.imencode(
                ".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)]
            )
            if ok:
                out[(path, t)] = buf.tobytes()
    return out


SHEET_THUMB = 320  # pixels: width of each picture on a contact sheet
SHEET_COLUMNS = 6
STILL_QUALITY = 92  # keyframes go to reverse image search: close to the frame as decoded


def write_stills(path: str | os.PathLike[str], times: Sequence[float], targets: Sequence[str | os.PathLike[str]], *,
                 origin: float = 0.0, sheet: str | os.PathLike[str] | None = None,
                 on_written: Callable[[int], None] | None = None) -> list[bool]:
    """Write the frame shown at each of ``times`` to ``targets`` (full-size JPEG, upright: rotation metadata
    applied, nothing cropped), decoding only from the keyframe before each; and, with ``sheet``, one contact-sheet
    JPEG of them all in time order. Returns which were written. A frame that cannot be decoded is skipped; an
    output that cannot be written raises ``OutputError``."""
    import cv2

    written = [False] * len(times)
    small: dict[int, np.ndarray] = {}
    done = 0
    for k, img in each_frame(path, times, width=None, origin=origin):
        files.write_atomic(targets[k], _jpeg(cv2, img, STILL_QUALITY))
        written[k] = True
        h, w = img.shape[:2]
        th = max(2, round(h * SHEET_THUMB / w))
        small[k] = cv2.resize(img, (SHEET_THUMB, th), interpolation=cv2.INTER_AREA)
        done += 1
        if on_written:
            on_written(done)
    if sheet is not None and small:
        files.write_atomic(sheet, _jpeg(cv2, _sheet([small[k] for k in sorted(small, key=lambda k: times[k])],
                                                     [times[k] for k in sorted(small, key=lambda k: times[k])]),
                                        JPEG_QUALITY + 10))
    return written


def _jpeg(cv2: Any, img: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [int(cv2.IMWRITE_JPEG_QUALITY), quality])
    if not ok:  # pragma: no cover - OpenCV encodes any RGB array
        raise ValueError("JPEG encoding failed")
    return bytes(buf.tobytes())


def _sheet(images: Sequence[np.ndarray], times: Sequence[float]) -> np.ndarray:
    """The pictures in a grid of SHEET_COLUMNS, each cell as tall as the tallest, its time written under it."""
    import cv2

    cols = min(SHEET_COLUMNS, len(images))
    rows = -(-len(images) // cols)
    cell_h = max(im.shape[0] for im in images) + 22
    grid = np.full((rows * cell_h, cols * SHEET_THUMB, 3), 24, np.uint8)
    for i, (im, t) in enumerate(zip(images, times, strict=True)):
        y, x = (i // cols) * cell_h, (i % cols) * SHEET_THUMB
        grid[y:y + im.shape[0], x:x + im.shape[1]] = im
        label = f"{int(t // 3600):d}:{int(t // 60) % 60:02d}:{t % 60:06.3f}"
        cv2.putText(grid, label, (x + 4, y + cell_h - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (235, 235, 235), 1,
                    cv2.LINE_AA)
    return grid


def _origin(path: str) -> float:
    """Raw time of t = 0 on the file's timeline: its first displayed frame (as ``Fingerprint.time_origin``)."""
    try:

        with av_open(path) as c:
            for frame in c.decode(video=0):
                return float(frame.time) if frame.time is not None else 0.0
            return 0.0
    except Exception as exc:  # unreadable: grab_frames will find nothing either
        log.debug("cannot read the time origin of %s: %s", path, exc)
        return 0.0


__all__ = ["GRAB_WIDTH", "JPEG_QUALITY", "THUMB_WIDTH", "each_frame", "grab_frames", "grab_keyframes", "thumbnails",
           "write_stills"]
