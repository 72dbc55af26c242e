"""Burnt-in clocks (CCTV, bodycam and dashcam overlays, timecodes): where a frame shows a time, and what it reads
over the video. Needs the optional extra ``[ocr]`` (``rapidocr-onnxruntime``, whose models ship in its wheel: no
download, no network); without it :func:`unavailable` says why and nothing is read.

    reason = unavailable()                       # None when OCR can run
    box = find_clock(frames)                      # where a time is shown, in a few RGB frames (or None)
    texts = read_box(frames, box)                 # the text in that box, frame by frame

Times are parsed by :func:`clock_seconds` (``HH:MM:SS``, with an optional fraction; ``.`` also separates the
fields in some recorders) and, when a year-first date is shown before the time, :func:`clock_datetime`. Reading
is pure recognition on the clock's box after the first search.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

CLOCK_RE = re.compile(r"(?<!\d)(\d{1,2}) ?[:.] ?(\d{2}) ?[:.] ?(\d{2})(?: ?[.,:] ?(\d{1,3}))?(?!\d)")
# a date before the time, year first (``2026-03-14 09:26:53``; OCR often drops the space: ``2026-03-1409:26:53``);
# day-first and month-first dates are left unread (03/04 is two different days)
DATE_TIME_RE = re.compile(r"(?<!\d)(\d{4}) ?[-/.] ?(\d{1,2}) ?[-/.] ?(\d{2}) ?[T_]? ?"
                          r"(\d{1,2}) ?[:.] ?(\d{2}) ?[:.] ?(\d{2})(?: ?[.,:] ?(\d{1,3}))?(?!\d)")
PAD = 0.25  # the clock's box is widened by this share of its height on each side (digits change width)
_ENGINE: list[Any] = []
_LOCK = threading.Lock()


def unavailable() -> str | None:
    """Why burnt-in clocks cannot be read here, or None when they can."""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return "OCR is not installed: pip install 'vidverify[ocr]'"
    return None


def _engine() -> Any:
    with _LOCK:
        if not _ENGINE:
            from rapidocr_onnxruntime import RapidOCR

            _ENGINE.append(RapidOCR())
        return _ENGINE[0]


def clock_seconds(text: str) -> float | None:
    """Seconds since midnight (or since the timecode's zero) of the first time in ``text``, or None."""
    m = DATE_TIME_RE.search(text)
    groups = m.groups()[3:] if m else (m := CLOCK_RE.search(text)) and m.groups()
    if not groups:
        return None
    h, mi, s = int(groups[0]), int(groups[1]), int(groups[2])
    if mi > 59 or s > 59:
        return None
    frac = groups[3]
    return h * 3600 + mi * 60 + s + (int(frac) / 10 ** len(frac) if frac else 0.0)


def clock_datetime(text: str) -> str | None:
    """The date and time ``text`` shows, year first, as ISO ``YYYY-MM-DDTHH:MM:SS[.fff]`` (no zone: a clock shows
    local time), or None when it shows no such date (a time of day alone, or an impossible date)."""
    m = DATE_TIME_RE.search(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    frac = m.group(7)
    try:
        at = datetime(y, mo, d, h, mi, s, int(frac.ljust(6, "0")) if frac else 0)
    except ValueError:
        return None
    return at.isoformat(timespec="milliseconds" if frac else "seconds")


def _bgr(img: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(img[:, :, ::-1])


def find_clock(frames: Sequence[np.ndarray]) -> tuple[int, int, int, int] | None:
    """The box (x, y, w, h in the frames' pixels) where most of ``frames`` (RGB) show a time, or None."""
    engine = _engine()
    boxes: list[tuple[int, int, int, int]] = []
    for img in frames:
        result, _ = engine(_bgr(img))
        for quad, text, _score in result or []:
            if clock_seconds(str(text)) is None:
                continue
            pts = np.asarray(quad, np.float64)
            x0, y0 = pts.min(axis=0)
            x1, y1 = pts.max(axis=0)
            pad = PAD * (y1 - y0)
            h, w = img.shape[:2]
            boxes.append((max(0, int(x0 - pad)), max(0, int(y0 - pad)), min(w, int(x1 + pad)), min(h, int(y1 + pad))))
            break
    if len(boxes) < max(1, len(frames) // 2):
        return None
    b = np.asarray(boxes)
    x0, y0 = int(b[:, 0].min()), int(b[:, 1].min())
    return x0, y0, int(b[:, 2].max()) - x0, int(b[:, 3].max()) - y0


def read_box(frames: Sequence[np.ndarray], box: tuple[int, int, int, int]) -> list[str]:
    """The text recognised in ``box`` of each RGB frame ("" where none)."""
    engine = _engine()
    x, y, w, h = box
    out: list[str] = []
    for img in frames:
        crop = _bgr(img[y:y + h, x:x + w])
        result, _ = engine(crop, use_det=False, use_cls=False, use_rec=True)
        out.append(str(result[0][0]) if result else "")
    return out


__all__ = ["CLOCK_RE", "DATE_TIME_RE", "clock_datetime", "clock_seconds", "find_clock", "read_box", "unavailable"]
