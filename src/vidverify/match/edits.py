"""Pure: matched segments (and a few matched frame pairs) -> typed edits describing how B differs from A.

Timeline edits come from the segments alone: ``trim`` (A footage missing at B's start or end), ``cut`` (A
footage missing inside B), ``insert`` (B footage not from A), ``reorder``, ``speed``, ``mirror``,
``frame-rate`` and ``reencode``. Picture edits come from the fingerprints' geometry (``pad`` for bars, ``crop``
for a vertical centre crop) and, when the media files are at hand, from matched frame pairs compared with
OpenCV (``picture_edits``: crop/scale geometry, ``overlay`` boxes, ``color`` changes, ``rotate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from ..models import BLURRED_FILL, CANVAS_REGION, Edit, Segment
from ..signals.picture import box_corners
from .features import (
    degrees_of,
    fit_levels,
    fit_perspective,
    fit_similarity,
    keypoint_xy,
    matched_points,
    refine_perspective,
)
from .fill import Fill, blurred_fill, fill_found

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

    first, last = min(segs, key=lambda s: s.a_start), max(segs, key=lambda s: s.a_end)
    first_a, last_a = first.a_start, last.a_end
    # A footage that B would show in less than ``tolerance`` of its own time is within the alignment's reach at
    # that end (a 4x time-lapse's line is known to a frame of B: four frames of A)
    if (first_a - a_start) * min(1.0, first.speed or 1.0) > tolerance:
        b_at = first.b_start
        edits.append(Edit("trim", _r(a_start), _r(first_a), _r(b_at), _r(b_at),
                          {"where": "start", "seconds": _r(first_a - a_start)}))
    if (a_end_file - last_a) * min(1.0, last.speed or 1.0) > tolerance:
        b_at = last.b_end
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
        if s.channel.startswith("rotate-"):
            edits.append(Edit("rotate", s.a_start, s.a_end, s.b_start, s.b_end,
                              {"degrees": int(s.channel.split("-")[1]), "direction": "clockwise"}))
        if abs(s.speed - 1.0) > SPEED_TOLERANCE:
            edits.append(Edit("speed", s.a_start, s.a_end, s.b_start, s.b_end, {"speed": s.speed}))
        if s.mirrored:
            edits.append(Edit("mirror", s.a_start, s.a_end, s.b_start, s.b_end, {"axis": "horizontal"}))
    if a_fps and b_fps and abs(a_fps - b_fps) / a_fps > FPS_TOLERANCE:
        edits.append(Edit("frame-rate", None, None, None, None, {"a_fps": a_fps, "b_fps": b_fps}))
    # a stream-copied stretch (channel "stream-copy") holds the original's own compressed frames: not re-encoded
    coded = [s for s in segs if s.channel != "stream-copy"]
    if coded:
        edits.append(Edit("reencode", _r(min(s.a_start for s in coded)), _r(max(s.a_end for s in coded)),
                          _r(coded[0].b_start), _r(max(s.b_end for s in coded)),
                          {"mean_distance_bits": _r(float(np.average([s.distance for s in coded],
                                                                      weights=[max(s.frames, 1) for s in coded])))}))
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
        edits.append(pad_edit(segments[0].a_start, segments[-1].a_end, segments[0].b_start, segments[-1].b_end,
                              b_active, b_size))
    if a_size and b_size and a_size != b_size:
        edits.append(Edit("scale", None, None, None, None, {"a_size": list(a_size), "b_size": list(b_size)}))
    return edits


def pad_edit(a_start: float, a_end: float, b_start: float, b_end: float, b_active: tuple[int, int, int, int],
             b_size: tuple[int, int], surround: str = "bars") -> Edit:
    """B shows A's picture at ``b_active`` inside ``surround`` (``bars``, or a ``canvas``: app chrome, a blurred
    fill, other footage), in a frame of ``b_size``."""
    x, y, w, h = b_active
    bw, bh = b_size
    return Edit("pad", a_start, a_end, b_start, b_end, {"b_active_area": list(b_active), "b_size": list(b_size),
                                                        "bars": {"left": x, "right": bw - x - w, "top": y,
                                                                 "bottom": bh - y - h}, "surround": surround})


def canvas_crop_edit(a_start: float, a_end: float, b_start: float, b_end: float,
                     a_region: tuple[int, int, int, int], a_size: tuple[int, int]) -> Edit:
    """B keeps only ``a_region`` of A's picture, where A shows B inside a canvas (a duet, a screen recording
    compared as A): the mirror of ``pad_edit``. Which was made from which is lineage's question, not this edit's
    (a canvas is made from the clip it shows)."""
    x, y, w, h = a_region
    return Edit("crop", a_start, a_end, b_start, b_end, {
        "region": list(a_region), "of": "a", "kind": CANVAS_REGION,
        "kept_area": round(w * h / (a_size[0] * a_size[1]), 3),
        "note": "A shows B's picture inside a canvas (app chrome, a blurred fill or other footage around it)"})


def _bars(active: tuple[int, int, int, int] | None, size: tuple[int, int] | None) -> tuple[float, ...]:
    if not active or not size:
        return ()
    x, y, w, h = active
    return (round(x / size[0], 2), round(y / size[1], 2), round(w / size[0], 2), round(h / size[1], 2))





# ------------------------------------------------------------------------------------ picture edits (OpenCV)

CROP_MIN_LOSS = 0.08  # a crop is reported when B shows at most 1 - this share of A's width or height
ROTATE_MIN_DEGREES = 2.0
OVERLAY_SHIFT_PIXELS = 2  # B's pixel is compared with A's within this many pixels (grab scale) around it
OVERLAY_DIFF_LEVELS = 40.0  # grey levels of difference (after matching brightness) that mark an overlay pixel
OVERLAY_CONSISTENCY = 0.6  # share of frame pairs in which a pixel must differ
OVERLAY_MIN_AREA = 0.004  # share of B's picture
OVERLAY_JOIN = 0.03  # share of B's width over which a pair's differing pixels are joined (a caption's letters)
OVERLAY_MERGE_GAP = 0.05  # overlay boxes closer than this share of B's width are one overlay
GREY_SATURATION_RATIO = 0.25
MIN_SATURATION = 8.0  # mean HSV saturation (0-255) below which A is too grey to tell greyscale
GAIN_TOLERANCE = 0.15
OFFSET_TOLERANCE = 15.0
TINT_TOLERANCE = 12.0


def _box_transform(src: tuple[float, float, float, float], dst: tuple[float, float, float, float]) -> np.ndarray:
    """Affine 2x3 mapping box ``src`` (x, y, w, h) onto box ``dst``."""
    sx, sy = dst[2] / src[2], dst[3] / src[3]
    return np.array([[sx, 0.0, dst[0] - sx * src[0]], [0.0, sy, dst[1] - sy * src[1]]])


def _feature_transform(b_grey: np.ndarray, a_grey: np.ndarray, b_mask: np.ndarray | None, a_mask: np.ndarray | None,
                       b_box: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Similarity transform (rotation, scale, shift) taking B's pixels to A's, from ORB features and RANSAC, and
    the perspective one (3x3) when it fits as many of the same matches and stays near it at the corners of
    ``b_box`` (B's region, grab pixels: ``fit_perspective``): a re-filmed screen's keystone, which a similarity
    cannot undo (its picture lay a few pixels off along one edge and differed there like an overlay);
    ``*_mask``: where each side's features are looked for (the matched region of a canvas, not its other
    cells)."""
    import cv2

    orb = cv2.ORB_create(nfeatures=1500)  # type: ignore[attr-defined]
    kb, db = orb.detectAndCompute(b_grey, b_mask)
    ka, da = orb.detectAndCompute(a_grey, a_mask)
    if db is None or da is None or len(kb) < 8 or len(ka) < 8:
        return None
    ps, pd = matched_points(keypoint_xy(kb), db, keypoint_xy(ka), da, ratio=0.8)
    fit = fit_similarity(ps, pd) if len(ps) >= 12 else None
    if fit is None or fit[1] < 15:
        return None
    keystone = fit_perspective(ps, pd, fit[0], fit[1], b_box)
    return fit[0], keystone[0] if keystone is not None else None


def _seen_in_b(img: np.ndarray, inv: np.ndarray, keystone: np.ndarray | None, size: tuple[int, int],
               flags: int | None = None) -> np.ndarray:
    """A's picture ``img`` seen through B's geometry (``size``: B's grab size): the similarity's inverse
    ``inv``, or the perspective fit ``keystone`` (B's pixels to A's) where there is one."""
    import cv2

    flags = cv2.INTER_LINEAR if flags is None else flags
    if keystone is not None:
        return cast(np.ndarray, cv2.warpPerspective(img, keystone, size, flags=flags | cv2.WARP_INVERSE_MAP))
    return cast(np.ndarray, cv2.warpAffine(img, inv, size, flags=flags))


def _overlay_boxes(diffs: list[np.ndarray], shape: tuple[int, ...]) -> list[tuple[int, int, int, int, int]]:
    """Boxes (x, y, w, h, area in B's grab pixels) where B differs from A in most frame pairs."""
    import cv2

    if not diffs:
        return []
    # each pair's differing pixels closed over OVERLAY_JOIN of B's width: a caption's letters are one band, so
    # that captions whose words change from frame to frame (subtitles) still differ in one place in most pairs
    k = max(3, int(OVERLAY_JOIN * shape[1]) | 1)
    joined = [cv2.dilate(cv2.morphologyEx(d.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((k, k), np.uint8)),
                         np.ones((3, 3), np.uint8)) > 0 for d in diffs]
    consistent = np.mean(np.stack(joined), axis=0) >= OVERLAY_CONSISTENCY
    mask = cv2.morphologyEx(consistent.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    area = shape[0] * shape[1]
    found = [tuple(int(v) for v in stats[i]) for i in range(1, n) if stats[i][4] >= OVERLAY_MIN_AREA * area]
    return sorted(_merge_boxes(found, gap=int(OVERLAY_MERGE_GAP * shape[1])), key=lambda s: -s[4])[:5]


def _merge_boxes(boxes: list[tuple[int, ...]], gap: int) -> list[tuple[int, int, int, int, int]]:
    """Join boxes closer than ``gap`` pixels (one caption band split by a word space stays one overlay)."""
    out = [tuple(b) for b in boxes]
    merged = True
    while merged:
        merged = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                (x1, y1, w1, h1, a1), (x2, y2, w2, h2, a2) = out[i], out[j]
                if x1 - gap <= x2 + w2 and x2 - gap <= x1 + w1 and y1 - gap <= y2 + h2 and y2 - gap <= y1 + h1:
                    x, y = min(x1, x2), min(y1, y2)
                    out[i] = (x, y, max(x1 + w1, x2 + w2) - x, max(y1 + h1, y2 + h2) - y, a1 + a2)
                    del out[j]
                    merged = True
                    break
            if merged:
                break
    return out  # type: ignore[return-value]


REGION_MARGIN = 0.1  # a partial region's feature mask reaches this share of its size beyond its box
PARTIAL_REGION = 0.8  # a matched region smaller than this share of the frame is partial (a canvas's, or in bars)
GROW_STEP = 0.04  # B's matched box grows by strips this share of its side ...
GROW_AGREE = 0.75  # ... while this share of a strip's pixels shows A's picture (within OVERLAY_DIFF_LEVELS)


def _flipped(box: tuple[int, int, int, int], width: int) -> tuple[int, int, int, int]:
    """``box`` (x, y, w, h) in a frame ``width`` wide, flipped left to right."""
    x, y, w, h = box
    return width - x - w, y, w, h


def _grab_box(box: tuple[int, ...], f: float) -> tuple[int, int, int, int]:
    """A display-pixel box (x, y, w, h) in grab pixels (``f`` per display pixel)."""
    x, y, w, h = (int(round(v * f)) for v in box[:4])
    return x, y, w, h


def _region_mask(shape: tuple[int, ...], box: tuple[float, ...], f: float) -> np.ndarray | None:
    """A feature mask (uint8) of ``box`` (display pixels; ``f`` grab pixels per display pixel) widened by
    REGION_MARGIN, or None when the box is most of the frame."""
    x, y, w, h = (v * f for v in box)
    if w * h >= PARTIAL_REGION * shape[0] * shape[1]:
        return None
    mx, my = REGION_MARGIN * w, REGION_MARGIN * h
    mask = np.zeros(shape[:2], np.uint8)
    mask[int(max(0.0, y - my)):int(y + h + my) + 1, int(max(0.0, x - mx)):int(x + w + mx) + 1] = 255
    return mask


def _grown_box(box: tuple[float, float, float, float], seen: list[tuple[np.ndarray, np.ndarray]],
               shape: tuple[int, ...]) -> tuple[float, float, float, float]:
    """B's matched box (grab pixels) grown side by side over the strips where B's pixels show A's picture in the
    frame pairs (``seen``: per pair, where A's picture lands in B, and where B's pixels agree with it): a
    canvas's region box can fall short of the clip, and the part of A that B shows is not cropped there."""
    x0, y0, x1, y1 = box[0], box[1], box[0] + box[2], box[1] + box[3]
    h, w = shape[:2]
    sx, sy = max(2.0, GROW_STEP * box[2]), max(2.0, GROW_STEP * box[3])

    def agrees(c0: float, r0: float, c1: float, r1: float) -> bool:
        c0, r0, c1, r1 = int(max(0, c0)), int(max(0, r0)), int(min(w, c1)), int(min(h, r1))
        if c1 - c0 < 1 or r1 - r0 < 1:
            return False
        shown = np.concatenate([cover[r0:r1, c0:c1].ravel() for cover, _ in seen])
        same = np.concatenate([agree[r0:r1, c0:c1].ravel() for _, agree in seen])
        return bool(shown.mean() > 0.5 and same[shown].mean() >= GROW_AGREE)

    for _ in range(int(1 / GROW_STEP)):
        grew = False
        if agrees(x0 - sx, y0, x0, y1):
            x0, grew = max(0.0, x0 - sx), True
        if agrees(x1, y0, x1 + sx, y1):
            x1, grew = min(float(w), x1 + sx), True
        if agrees(x0, y0 - sy, x1, y0):
            y0, grew = max(0.0, y0 - sy), True
        if agrees(x0, y1, x1, y1 + sy):
            y1, grew = min(float(h), y1 + sy), True
        if not grew:
            break
    return x0, y0, x1 - x0, y1 - y0


COLOR_MIN_CORRELATION = 0.95  # a frame pair's grey levels correlate at least this much where A's picture is
COLOR_TEXTURE = 4.0  # registered in B (a colour change keeps the correlation; a misplaced picture loses it), when
# A's spread this much


def _registered(ag: np.ndarray, bg: np.ndarray, use: np.ndarray) -> bool:
    """A's grey picture ``ag`` (seen through B's geometry) and B's ``bg`` show one picture over ``use``: blurred a
    little (a keystone's pixel or two off, which overlays are looked past, is no misplacement), they correlate at
    least COLOR_MIN_CORRELATION. A gain, an offset or a greyscale keeps that; a picture placed a zoom or a pan off
    does not (doorknob's slow zoom, its frames placed by the fingerprints' boxes where features failed, fitted a
    gain of 0.8 on pairs that correlated 0.92 and 0.28: a false colour change). A flat A has nothing to register
    and passes; a flat B over a textured A is no registration."""
    import cv2

    a = cv2.GaussianBlur(ag, (5, 5), 0)[use].astype(np.float64)
    b = cv2.GaussianBlur(bg, (5, 5), 0)[use].astype(np.float64)
    if len(a) < 16 or a.std() < COLOR_TEXTURE:
        return True
    if b.std() < 1e-3:
        return False
    return float(np.corrcoef(a, b)[0, 1]) >= COLOR_MIN_CORRELATION


def picture_edits(
    pairs: Sequence[tuple[np.ndarray, np.ndarray, bool, str]],
    *,
    a_size: tuple[int, int],
    b_size: tuple[int, int],
    a_region: tuple[int, int, int, int],
    b_region: tuple[int, int, int, int],
    span: tuple[float, float, float, float],
    b_corners: Sequence[float] | None = None,
) -> list[Edit]:
    """Crop, rotate, overlay and colour edits from matched frame pairs ``(a_rgb, b_rgb, mirrored, channel)``.

    ``a_size``/``b_size``: display sizes; ``a_region``/``b_region``: the boxes (display pixels) that the
    fingerprints matched (active areas or the centre crop), used when features cannot be matched; ``span``:
    (a_start, a_end, b_start, b_end) that the edits cover. ``b_corners``: where the corners of A's picture lie in
    B (a re-filmed screen straightened through them, x, y each): A is seen through them where a frame pair's own
    features fit no perspective (a dark re-film: its edges lay off, and differed there like overlays), and either
    perspective is registered on the pair's pixels (``refine_perspective``) before the overlay search."""
    import cv2

    if not pairs:
        return []
    transforms, scale_info = [], []
    featured: list[bool] = []  # the transform came from matched features (not the fingerprint boxes)
    diffs, sats, gains, offsets, tints = [], [], [], [], []
    kept: list[tuple[np.ndarray, ...]] = []
    fills: list[Fill | None] = []  # per pair: whether B's surround is a blurred fill of A's picture
    seen: list[tuple[np.ndarray, np.ndarray]] = []  # per pair: where A's picture lands in B, where B agrees
    b_shape = pairs[0][1].shape[:2]
    # a mirrored pair is compared with B flipped to face A's way: B's region is flipped with it, and what is
    # found in B's pixels (overlays) is flipped back to B's own frame at the end
    flip = 2 * sum(bool(p[2]) for p in pairs) > len(pairs)
    for a_rgb, b_rgb, mirrored, _ in pairs:
        if bool(mirrored) != flip:
            continue  # the other way round from most pairs: its pixels would sit in another frame
        b_area = _flipped(b_region, b_size[0]) if mirrored else b_region
        if mirrored:
            b_rgb = np.ascontiguousarray(b_rgb[:, ::-1])
        fa = a_rgb.shape[1] / a_size[0]  # grab pixels per display pixel
        fb = b_rgb.shape[1] / b_size[0]
        if b_rgb.shape[:2] != b_shape:
            continue
        a_grey = cv2.cvtColor(a_rgb, cv2.COLOR_RGB2GRAY)
        b_grey = cv2.cvtColor(b_rgb, cv2.COLOR_RGB2GRAY)
        fallback = _box_transform(tuple(v * fb for v in b_area), tuple(v * fa for v in a_region))
        b_mask = _region_mask(b_grey.shape, b_area, fb)  # None: A's picture is (most of) B's frame
        a_mask = _region_mask(a_grey.shape, a_region, fa)
        found = _feature_transform(b_grey, a_grey, b_mask, a_mask, tuple(v * fb for v in b_area))
        m = found[0] if found else fallback
        keystone = found[1] if found else None  # A seen through B's perspective, for the overlay comparison
        if keystone is None and b_corners is not None and not mirrored:
            keystone = cv2.getPerspectiveTransform(
                (np.asarray(b_corners, np.float32) * fb).reshape(4, 2),
                box_corners(a_region) * fa)
        if keystone is not None and b_corners is not None:
            # a re-filmed screen: registered to the pixel, its edges are no overlay (a fit to a few features or to
            # corners found at another moment of a hand-held re-film lies a few pixels off there)
            keystone = refine_perspective(b_grey, a_grey, keystone, tuple(v * fb for v in b_area), a_mask)
        transforms.append(m)
        featured.append(found is not None)
        if b_mask is not None:
            fills.append(blurred_fill(a_grey, b_grey, _grab_box(a_region, fa), _grab_box(b_area, fb),
                                      OVERLAY_DIFF_LEVELS))
        scale_info.append((fa, fb))
        # A seen through B's geometry
        inv = cv2.invertAffineTransform(m)
        h, w = b_grey.shape
        valid = _seen_in_b(np.full(a_grey.shape, 255, np.uint8), inv, keystone, (w, h)) > 250
        cover = cv2.erode(valid.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0  # A's picture, anywhere in B
        bx, by, bw, bh = _grab_box(b_area, fb)
        region = np.zeros_like(valid)
        region[by:by + bh, bx:bx + bw] = True
        valid &= region
        valid = cv2.erode(valid.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        if valid.sum() < 0.2 * valid.size:
            continue
        bg = b_grey.astype(np.float32)
        a_w = _seen_in_b(a_rgb, inv, keystone, (w, h), cv2.INTER_AREA)
        ag = cv2.cvtColor(a_w, cv2.COLOR_RGB2GRAY).astype(np.float32)
        g, o = fit_levels(ag[valid], bg[valid])
        # how far B lies outside the range of A's pixels around it: a picture registered a pixel or two off
        # (a re-filmed screen's keystone, which a similarity transform does not undo) differs at every edge
        # only by less than its neighbours do; an overlay's pixels are unlike any of them. Unblurred: a
        # subtitle's strokes are a pixel or two wide at this scale (blurred, white letters on a pale wall fell
        # under the bar), and the range absorbs noise and sub-pixel shifts as a blur did
        la = g * ag + o
        near = np.ones((OVERLAY_SHIFT_PIXELS * 2 + 1,) * 2, np.uint8)
        diff = np.maximum(np.maximum(bg - cv2.dilate(la, near), cv2.erode(la, near) - bg), 0)
        diffs.append((diff > OVERLAY_DIFF_LEVELS) & valid)
        seen.append((cover, np.abs(cv2.GaussianBlur(bg, (5, 5), 0) - cv2.GaussianBlur(la, (5, 5), 0))
                     <= OVERLAY_DIFF_LEVELS))
        kept.append((ag, bg, valid, a_w, b_rgb))
    # colour, measured away from overlays (a logo is not a colour change)
    boxes = _overlay_boxes(diffs, b_shape)
    overlay_mask = np.zeros(b_shape, dtype=bool)
    for x, y, w, h, _ in boxes:
        overlay_mask[max(0, y - 4):y + h + 4, max(0, x - 4):x + w + 4] = True
    for ag, bg, valid, a_w, b_rgb in kept:
        use = valid & ~overlay_mask if overlay_mask is not None else valid
        if use.sum() < 0.1 * use.size:
            use = valid
        if not _registered(ag, bg, use):
            continue  # A's picture lies elsewhere in B (a zoom the fallback box did not follow): no colour from it
        g, o = fit_levels(ag[use], bg[use])
        gains.append(g)
        offsets.append(o + (g - 1) * 128)  # offset at mid-grey, easier to read
        hsv_a = cv2.cvtColor(a_w, cv2.COLOR_RGB2HSV)[..., 1][use].mean()
        hsv_b = cv2.cvtColor(b_rgb, cv2.COLOR_RGB2HSV)[..., 1][use].mean()
        sats.append((float(hsv_a), float(hsv_b)))
        ca, cb = a_w[use].astype(np.float32), b_rgb[use].astype(np.float32)
        tints.append(((cb[:, 0] - cb[:, 1]).mean() - (ca[:, 0] - ca[:, 1]).mean(),
                      (cb[:, 2] - cb[:, 1]).mean() - (ca[:, 2] - ca[:, 1]).mean()))
    if not transforms:
        return []
    a0, a1, b0, b1 = span
    edits: list[Edit] = []
    on_fill: list[tuple[int, int, int, int, int]] = []
    if fill_found(fills):  # B's surround is a blurred fill; what was drawn over it (captions above and below)
        edits.append(Edit("pad", a0, a1, b0, b1, {"surround": BLURRED_FILL}))
        on_fill = _overlay_boxes([f.far for f in fills if f is not None and f.far is not None], b_shape)
    # features beat the boxes' assumption (same picture, scaled) wherever they were found: a low-texture pair
    # that fell back must not outvote them
    geometric = [t for t, f in zip(transforms, featured, strict=True) if f] or transforms
    m = np.median(np.stack(geometric), axis=0)
    fa, fb = np.median(np.array(scale_info), axis=0)
    angle = degrees_of(m)
    if abs(angle) > ROTATE_MIN_DEGREES:
        # ``angle`` turns B's picture back onto A's (image axes, y down): B is turned the other way
        edits.append(Edit("rotate", a0, a1, b0, b1, {"degrees": round(angle, 1), "direction":
                                                     "clockwise" if angle < 0 else "counter-clockwise"}))
    # the part of A's picture that B shows: B's matched region (grown where B's pixels beside it still show A's
    # picture) mapped into A (display pixels)
    cx, cy, cw, ch = (float(v * fb) for v in (_flipped(b_region, b_size[0]) if flip else b_region))
    if seen and cw * ch < PARTIAL_REGION * b_shape[0] * b_shape[1]:
        cx, cy, cw, ch = _grown_box((cx, cy, cw, ch), seen, b_shape)
    corners = np.array([[cx, cy, 1], [cx + cw, cy, 1], [cx, cy + ch, 1], [cx + cw, cy + ch, 1]]) @ m.T / fa
    # measured against A's matched picture (inside its bars, or its region of a canvas): what lies outside it is
    # not A's picture, and B lacking it is no crop
    ax, ay, aw, ah = a_region
    lo, hi = np.array([ax, ay], float), np.array([ax + aw, ay + ah], float)
    x0, y0 = np.clip(corners.min(axis=0), lo, hi)
    x1, y1 = np.clip(corners.max(axis=0), lo, hi)
    kept_w, kept_h = (x1 - x0) / max(aw, 1), (y1 - y0) / max(ah, 1)
    if kept_w < 1 - CROP_MIN_LOSS or kept_h < 1 - CROP_MIN_LOSS:
        edits.append(Edit("crop", a0, a1, b0, b1, {
            "region": [int(x0), int(y0), int(x1 - x0), int(y1 - y0)], "of": "a",
            "kept_area": round(float(kept_w * kept_h), 3), "source": "features" if any(featured) else "hashes"}))
    for over, found_boxes in (("picture", boxes), ("fill", on_fill)):
        edits += [Edit("overlay", a0, a1, b0, b1, {
            "box": [int((b_shape[1] - x - w if flip else x) / fb), int(y / fb), int(w / fb), int(h / fb)],
            "share_of_frame": round(float(w * h) / (b_shape[0] * b_shape[1]), 3), "over": over})
            for x, y, w, h, _area in found_boxes]
    if sats:
        sa, sb = np.median(np.array(sats), axis=0)
        g, o = float(np.median(gains)), float(np.median(offsets))
        ta, tb = np.median(np.array(tints), axis=0)
        if sa > MIN_SATURATION and sb < GREY_SATURATION_RATIO * sa:
            edits.append(Edit("color", a0, a1, b0, b1, {"kind": "greyscale", "a_saturation": round(float(sa), 1),
                                                         "b_saturation": round(float(sb), 1)}))
        elif abs(g - 1) > GAIN_TOLERANCE or abs(o) > OFFSET_TOLERANCE:
            edits.append(Edit("color", a0, a1, b0, b1, {"kind": "brightness/contrast", "gain": round(g, 3),
                                                         "offset": round(o, 1)}))
        elif max(abs(ta), abs(tb)) > TINT_TOLERANCE:
            edits.append(Edit("color", a0, a1, b0, b1, {"kind": "tint", "red_shift": round(float(ta), 1),
                                                         "blue_shift": round(float(tb), 1)}))
    return edits

__all__ = [
    "EDIT_TOLERANCE_SECONDS", "canvas_crop_edit", "geometry_edits", "pad_edit", "picture_edits", "timeline_edits",
]
