"""Pure: matched segments (and a few matched frame pairs) -> typed edits describing how B differs from A.

Timeline edits come from the segments alone: ``trim`` (A footage missing at B's start or end), ``cut`` (A
footage missing inside B), ``insert`` (B footage not from A), ``reorder``, ``speed``, ``mirror``,
``frame-rate`` and ``reencode``. Picture edits come from the fingerprints' geometry (``pad`` for bars, ``crop``
for a vertical centre crop) and, when the media files are at hand, from matched frame pairs compared with
OpenCV (``picture_edits``: crop/scale geometry, ``overlay`` boxes, ``color`` changes, ``rotate``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .models import Edit, Segment

EDIT_TOLERANCE_SECONDS = 0.25  # missing or added footage shorter than this is not reported as an edit
SPEED_TOLERANCE = 0.02  # |speed - 1| above this is a speed change
FPS_TOLERANCE = 0.01  # relative frame-rate difference above this is a frame-rate change


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)


def timeline_edits(
    segments: list[Segment] | tuple[Segment, ...],
    *,
    a_duration: float,
    b_duration: float,
    a_start: float = 0.0,
    b_start: float = 0.0,
    same_bytes: bool = False,
    a_fps: float | None = None,
    b_fps: float | None = None,
    tolerance: float = EDIT_TOLERANCE_SECONDS,
) -> list[Edit]:
    """Edits that the matched segments imply. ``*_start``/``*_duration``: each file's first frame time and
    length, so that footage missing at either end is measured on the right timeline."""
    if same_bytes or not segments:
        return []
    segs = sorted(segments, key=lambda s: s.b_start)
    edits: list[Edit] = []
    a_end_file, b_end_file = a_start + a_duration, b_start + b_duration

    first_a = min(s.a_start for s in segs)
    last_a = max(s.a_end for s in segs)
    if first_a - a_start > tolerance:
        b_at = min(segs, key=lambda s: s.a_start).b_start
        edits.append(Edit("trim", _r(a_start), _r(first_a), _r(b_at), _r(b_at),
                          {"where": "start", "seconds": _r(first_a - a_start)}))
    if a_end_file - last_a > tolerance:
        b_at = max(segs, key=lambda s: s.a_end).b_end
        edits.append(Edit("trim", _r(last_a), _r(a_end_file), _r(b_at), _r(b_at),
                          {"where": "end", "seconds": _r(a_end_file - last_a)}))

    # footage in B not from A: before the first segment, between segments, after the last
    cursor = b_start
    for s in segs:
        if s.b_start - cursor > tolerance:
            edits.append(Edit("insert", None, None, _r(cursor), _r(s.b_start),
                              {"seconds": _r(s.b_start - cursor)}))
        cursor = max(cursor, s.b_end)
    if b_end_file - cursor > tolerance:
        edits.append(Edit("insert", None, None, _r(cursor), _r(b_end_file), {"seconds": _r(b_end_file - cursor)}))

    # between consecutive segments: A footage skipped (cut) or shown out of order (reorder)
    for p, n in zip(segs, segs[1:], strict=False):
        jump = n.a_start - p.a_end
        if jump > tolerance:
            edits.append(Edit("cut", _r(p.a_end), _r(n.a_start), _r(p.b_end), _r(n.b_start),
                              {"seconds": _r(jump)}))
        elif jump < -tolerance:
            edits.append(Edit("reorder", _r(n.a_start), _r(n.a_end), _r(n.b_start), _r(n.b_end),
                              {"moved_before_a": _r(p.a_end), "seconds": _r(n.a_end - n.a_start)}))

    for s in segs:
        if abs(s.speed - 1.0) > SPEED_TOLERANCE:
            edits.append(Edit("speed", s.a_start, s.a_end, s.b_start, s.b_end, {"speed": s.speed}))
        if s.mirrored:
            edits.append(Edit("mirror", s.a_start, s.a_end, s.b_start, s.b_end, {"axis": "horizontal"}))
    if a_fps and b_fps and abs(a_fps - b_fps) / a_fps > FPS_TOLERANCE:
        edits.append(Edit("frame-rate", None, None, None, None, {"a_fps": a_fps, "b_fps": b_fps}))
    edits.append(Edit("reencode", _r(first_a), _r(last_a), _r(segs[0].b_start), _r(max(s.b_end for s in segs)),
                      {"mean_distance_bits": _r(float(np.average([s.distance for s in segs],
                                                                  weights=[max(s.frames, 1) for s in segs])))}))
    return edits


def geometry_edits(
    segments: list[Segment] | tuple[Segment, ...],
    *,
    a_active: tuple[int, int, int, int] | None,
    b_active: tuple[int, int, int, int] | None,
    a_size: tuple[int, int] | None,
    b_size: tuple[int, int] | None,
    a_crop_area: tuple[int, int, int, int] | None,
    b_crop_area: tuple[int, int, int, int] | None,
) -> list[Edit]:
    """Picture edits that the fingerprints already show: bars added (pad) and vertical centre crops (crop)."""
    if not segments:
        return []
    edits: list[Edit] = []
    for channel, region, whose in (("a-crop", a_crop_area, "a"), ("b-crop", b_crop_area, "b")):
        hit = [s for s in segments if s.channel == channel]
        if hit and region:
            detail: dict[str, Any] = {"region": list(region), "of": whose, "kind": "centre crop"}
            if whose == "b":
                detail["note"] = "A shows only this region of B's picture: B shows more than A"
            edits.append(Edit("crop", hit[0].a_start, hit[-1].a_end, hit[0].b_start, hit[-1].b_end, detail))
    if b_active and b_size and (a_active is None or _bars(a_active, a_size) != _bars(b_active, b_size)):
        x, y, w, h = b_active
        bw, bh = b_size
        edits.append(Edit("pad", segments[0].a_start, segments[-1].a_end, segments[0].b_start, segments[-1].b_end,
                          {"b_active_area": list(b_active), "b_size": list(b_size),
                           "bars": {"left": x, "right": bw - x - w, "top": y, "bottom": bh - y - h}}))
    if a_size and b_size and a_size != b_size:
        edits.append(Edit("scale", None, None, None, None, {"a_size": list(a_size), "b_size": list(b_size)}))
    return edits


def _bars(active: tuple[int, int, int, int] | None, size: tuple[int, int] | None) -> tuple[float, ...]:
    if not active or not size:
        return ()
    x, y, w, h = active
    return (round(x / size[0], 2), round(y / size[1], 2), round(w / size[0], 2), round(h / size[1], 2))


__all__ = ["EDIT_TOLERANCE_SECONDS", "geometry_edits", "timeline_edits"]
