"""Small JPEG thumbnails at given times, for the HTML report (``report.html`` lists which ones it needs).

    thumbs = thumbnails(html.thumbnail_requests(match))          # {(path, t): JPEG bytes}
    page = html.render_compare(match, info_a=a, info_b=b, thumbs=thumbs)

Times are seconds on each file's presentation timeline (0.0 = its first displayed frame). A file that cannot be
decoded, or a time past its end, simply has no thumbnail: the report shows a placeholder. Never raises for bad
media.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping

log = logging.getLogger("vidverify")

THUMB_WIDTH = 160  # pixels: small enough that a report with dozens of thumbnails stays well under a megabyte
JPEG_QUALITY = 78  # 0..100; thumbnails are evidence to look at, not to measure


def thumbnails(
    requests: Iterable[tuple[str, float]],
    width: int = THUMB_WIDTH,
    *,
    origins: Mapping[str, float] | None = None,
    media: Mapping[str, str] | None = None,
    quality: int = JPEG_QUALITY,
) -> dict[tuple[str, float], bytes]:
    """JPEG bytes for each ``(path, time)`` that can be decoded, keyed exactly as requested.

    Each file is opened once; its frames are grabbed in time order (``media.frames.grab_frames``). ``origins``
    gives the raw container time of t = 0 per path (``Fingerprint.time_origin``); by default it is read from
    the file (the raw time of its first displayed frame). ``media``
    names the file to decode for a requested path where they differ (a fingerprint file stands for its media)."""
    import cv2

    from .stills import grab_frames

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


def _origin(path: str) -> float:
    """Raw time of t = 0 on the file's timeline: its first displayed frame (as ``Fingerprint.time_origin``)."""
    try:
        import av

        from .ffmpeg import av_open_options, input_url

        with av.open(input_url(path), metadata_errors="ignore", options=av_open_options()) as c:
            for frame in c.decode(video=0):
                return float(frame.time) if frame.time is not None else 0.0
            return 0.0
    except Exception as exc:  # unreadable: grab_frames will find nothing either
        log.debug("cannot read the time origin of %s: %s", path, exc)
        return 0.0


__all__ = ["JPEG_QUALITY", "THUMB_WIDTH", "thumbnails"]
