"""Pure: matched segments (and a few matched frame pairs) -> typed edits describing how B differs from A.

Timeline edits come from the segments alone: ``trim`` (A footage missing at B's start or end), ``cut`` (A
footage missing inside B), ``insert`` (B footage not from A), ``reorder``, ``speed``, ``mirror``,
``frame-rate`` and ``reencode``. Picture edits come from the fingerprints' geometry (``pad`` for bars, ``crop``
for a vertical centre crop) and, when the media files are at hand, from matched frame pairs compared with
OpenCV (``picture_edits``: crop/scale geometry, ``overlay`` boxes, ``color`` changes, ``rotate``).
"""

from __future__ import annotations

from typing import Any, NamedTuple, cast

import numpy as np

from ..models import CANVAS_REGION, Edit, Segment
from ..signals.picture import box_iou
from .features import MOVING_LEVELS, moving_mask, similarity, temporal_std

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


def _points(kps: Any) -> np.ndarray:
    return np.array([k.pt for k in kps], dtype=np.float32).reshape(-1, 2)


def _feature_transform(b_grey: np.ndarray, a_grey: np.ndarray, b_mask: np.ndarray | None = None,
                       a_mask: np.ndarray | None = None) -> tuple[np.ndarray, int] | None:
    """Similarity transform (rotation, scale, shift) taking B's pixels to A's, from ORB features and RANSAC;
    ``*_mask``: where each side's features are looked for (the matched region of a canvas, not its other cells)."""
    import cv2

    orb = cv2.ORB_create(nfeatures=1500)  # type: ignore[attr-defined]
    kb, db = orb.detectAndCompute(b_grey, b_mask)
    ka, da = orb.detectAndCompute(a_grey, a_mask)
    if db is None or da is None or len(kb) < 8 or len(ka) < 8:
        return None
    fit = similarity(_points(kb), db, _points(ka), da, ratio=0.8, min_good=12)
    return fit if fit is not None and fit[1] >= 15 else None


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


class FoundRegion(NamedTuple):
    """``find_region``'s answer, in A's display pixels."""

    box: tuple[int, int, int, int]  # the part of A's picture that B's region shows (inside A's frame)
    full: tuple[float, float, float, float]  # where all of B's region lands, beyond A's frame where it runs off

    @property
    def runs_off(self) -> bool:
        """B's region runs off A's frame (by more than the fit's own error): only part of it shows A."""
        return self.box[2] < (1 - RUN_OFF_SHARE) * self.full[2] or self.box[3] < (1 - RUN_OFF_SHARE) * self.full[3]

    def to_b(self, box: tuple[int, int, int, int], b_region: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """The part of ``b_region`` (B's display pixels) that shows ``box`` (A's), through the found transform
        (its rotation, at most ROTATION_DEGREES, left out). Where B's region runs off A's frame, the inside maps to
        part of B's region, not all of it."""
        ref = self.full if self.runs_off else self.box
        fx, fy = b_region[2] / ref[2], b_region[3] / ref[3]
        x0, y0 = max(0, round((box[0] - ref[0]) * fx)), max(0, round((box[1] - ref[1]) * fy))
        x1 = min(b_region[2], round((box[0] + box[2] - ref[0]) * fx))
        y1 = min(b_region[3], round((box[1] + box[3] - ref[1]) * fy))
        return b_region[0] + x0, b_region[1] + y0, x1 - x0, y1 - y0


AGREE_IOU = 0.5  # two frame pairs whose transforms put B's picture in boxes overlapping this much agree
AGREE_MANY = 3  # this many agreeing pairs with twice the inliers one strong pair needs, together, are as strong
RUN_OFF_SHARE = 0.05  # a found region this share narrower or shorter than where B's region lands runs off A's frame
ROTATION_DEGREES = 5  # a found transform turned further is not a crop or an inset (a re-filming may tilt this far)


def find_region(
    imgs_a: list[np.ndarray],
    imgs_b: list[np.ndarray],
    *,
    a_size: tuple[int, int],
    b_size: tuple[int, int],
    b_region: tuple[int, int, int, int],
    min_inliers: int,
    min_share: float,
    moving_only: bool = False,
) -> FoundRegion | None:
    """The region of A's picture (display pixels) that B's frames show, from the best-supported similarity
    transform between any B frame and any A frame; None when no pair agrees well enough. ``moving_only``: A's
    features are looked for where its frames change (``moving_mask``), not on the still text and icons of an
    app's screen around a clip, which would take most of them."""
    import cv2

    orb = cv2.ORB_create(nfeatures=1000)  # type: ignore[attr-defined]
    mask = moving_mask(imgs_a) if moving_only else None
    feats_a = [orb.detectAndCompute(cv2.cvtColor(i, cv2.COLOR_RGB2GRAY), mask if mask is not None and
                                    mask.shape == i.shape[:2] else None) for i in imgs_a]
    found: list[tuple[int, np.ndarray, float, float, int]] = []  # (inliers, transform, fa, fb, B frame)
    for k_b, ib in enumerate(imgs_b):
        kb, db = orb.detectAndCompute(cv2.cvtColor(ib, cv2.COLOR_RGB2GRAY), None)
        if db is None or len(kb) < 12:
            continue
        fb = ib.shape[1] / b_size[0]
        for ia, (ka, da) in zip(imgs_a, feats_a, strict=True):
            if da is None or len(ka) < 12:
                continue
            fit = similarity(_points(kb), db, _points(ka), da, ratio=0.75, min_good=min_inliers // 2)
            if fit is not None and fit[1] >= min_inliers // 2:
                found.append((fit[1], fit[0], ia.shape[1] / a_size[0], fb, k_b))
    # one strongly matched frame pair, or two, or one and another half as strong that puts B's picture in the
    # same place (a picture-in-picture a third off the frame has few features: two pairs that agree on where it
    # lies are evidence no chance fit gives; a chance fit collapses B's picture to a point, which ``similarity``
    # refuses), or AGREE_MANY weaker pairs that agree and together have the inliers of two strong ones (a busy
    # background takes most of the features of each frame). The pairs may share a frame: one textured frame of
    # B found in several moments of A (the rest of a dark clip has too few features). The frames are not aligned
    # in time yet, so the transforms of different pairs differ by the camera's own motion; the best pair gives
    # the region (an inset's placed at its own moment: ``_moment_placed``), and the hash alignment that follows
    # (and the picture edits after it) confirm and refine it
    found.sort(key=lambda f: -f[0])
    if not found:
        return None
    boxes = [_placed(f[1], f[2], f[3], b_region) for f in found]
    agree = [f[0] for f, box in zip(found, boxes, strict=True) if box_iou(boxes[0], box) >= AGREE_IOU]
    strong = found[0][0] >= 2 * min_inliers or (found[0][0] >= min_inliers and (
        (len(found) > 1 and found[1][0] >= min_inliers) or len(agree) > 1))
    if not strong and not (len(agree) >= AGREE_MANY and sum(agree) >= 2 * min_inliers):
        return None
    box = boxes[0]
    tm = found[0][1]
    if abs(np.degrees(np.arctan2(tm[1, 0], tm[0, 0]))) > ROTATION_DEGREES:
        return None
    if moving_only:  # a whole picture small inside the other: placed where its best frame pair's moment lies
        fa, fb, k_b = found[0][2:]
        box = _placed(_moment_placed(tm, imgs_b[k_b], imgs_a, tuple(v * fb for v in b_region)), fa, fb, b_region)
    lo, hi = np.array(box[:2]), np.array(box[2:])
    x0, y0 = np.clip(lo, 0, a_size)
    x1, y1 = np.clip(hi, 0, a_size)
    if (x1 - x0) < min_share * a_size[0] or (y1 - y0) < min_share * a_size[1]:
        return None
    full = (float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1]))
    return FoundRegion((int(x0), int(y0), int(x1 - x0), int(y1 - y0)), full)


MOMENT_SEARCH_SHARE = 0.15  # a found inset is looked for this share of its size around where its fit put it ...
MOMENT_MIN_NCC = 0.8  # ... in every searched frame, and moved to where it correlates best, when at least this well
MOMENT_MAX_DEGREES = 1.5  # ... and when its fit is upright (a pasted inset is; a re-filmed screen is turned)
MOMENT_GAIN = 0.05  # ... and it correlates this much better there than where the fit put it, in any frame


def _moment_placed(tm: np.ndarray, probe: np.ndarray, searched: list[np.ndarray],
                   region: tuple[float, ...]) -> np.ndarray:
    """``tm`` (the probe frame's grab pixels to a searched frame's) with its shift corrected at the searched
    frame that shows the probe's moment. The features of the best pair come from two frames that need not show
    one moment (they are not aligned in time yet): the inset lies off by the camera's motion between them
    (doorknob's corner picture-in-picture: 21 pixels, 5% of its width, and its hashes then matched nothing).
    The probe's ``region`` (grab pixels), scaled as ``tm`` scales it, is correlated with each searched frame
    around where ``tm`` puts it; the best place (normalised correlation at least MOMENT_MIN_NCC) moves it there.
    Only an upright fit (MOMENT_MAX_DEGREES) is moved, and only where it correlates clearly better (MOMENT_GAIN)
    than where the fit put it: an upright template does not fit a turned or keystoned picture."""
    import cv2

    scale = float(np.sqrt(abs(np.linalg.det(tm[:, :2]))))
    x, y, w, h = (int(round(v)) for v in region)
    tw, th = int(round(w * scale)), int(round(h * scale))
    if tw < 16 or th < 16 or abs(np.degrees(np.arctan2(tm[1, 0], tm[0, 0]))) > MOMENT_MAX_DEGREES:
        return tm  # a turned picture (a re-filmed screen) is not an upright template's to place
    tpl = cv2.resize(cv2.cvtColor(probe[y:y + h, x:x + w], cv2.COLOR_RGB2GRAY), (tw, th), interpolation=cv2.INTER_AREA)
    px, py = (tm @ np.array([x, y, 1.0])).round().astype(int)
    pad_x, pad_y = max(4, int(MOMENT_SEARCH_SHARE * tw)), max(4, int(MOMENT_SEARCH_SHARE * th))
    best, own = (MOMENT_MIN_NCC, 0, 0), -1.0
    for img in searched:
        x0, y0 = max(0, px - pad_x), max(0, py - pad_y)
        window = cv2.cvtColor(img[y0:py + th + pad_y, x0:px + tw + pad_x], cv2.COLOR_RGB2GRAY)
        if window.shape[0] < th or window.shape[1] < tw:
            return tm  # the inset runs off the frame: left as the features placed it
        res = cv2.matchTemplate(window, tpl, cv2.TM_CCOEFF_NORMED)
        if not (0 <= py - y0 < res.shape[0] and 0 <= px - x0 < res.shape[1]):
            return tm  # ... or reaches past its edge where the fit put it
        own = max(own, float(res[py - y0, px - x0]))
        _, ncc, _, (dx, dy) = cv2.minMaxLoc(res)
        if ncc > best[0]:
            best = (ncc, x0 + dx - px, y0 + dy - py)
    if best[0] < own + MOMENT_GAIN:
        return tm  # no clearly better place: the fit's own stands
    out = tm.copy()
    out[:, 2] += best[1:]
    return out


def _placed(tm: np.ndarray, fa: float, fb: float, b_region: tuple[int, int, int, int]) -> tuple[float, ...]:
    """Where transform ``tm`` (B's grab pixels to A's; ``fa``, ``fb``: grab pixels per display pixel) puts
    ``b_region`` (B's display pixels) in A's display pixels: its corners (x0, y0, x1, y1), unclipped."""
    bx, by, bw, bh = (v * fb for v in b_region)
    corners = np.array([[bx, by, 1], [bx + bw, by + bh, 1]]) @ tm.T / fa
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


CLEAR_MIN_SHARE = 0.35  # the part of a found region clear of overlays must be this share of its area to be hashed
CLEAR_CELLS = 64  # the region is cleared in cells of a grid this many cells wide
CELL_HIDDEN = 0.2  # a cell this share of which is covered is left out ...
EDGE_SHARE = 0.1  # ... when it belongs to a covered part that comes this close (share of the side) to an edge
CLEAR_MIN_MOVING = 0.25  # share of the clear part where B's footage must move
COVER_MOVING_FACTOR = 2.0  # B's footage moves this many times MOVING_LEVELS where a still part of A covers it


def clear_area(box: tuple[int, int, int, int], imgs_a: list[np.ndarray], imgs_b: list[np.ndarray], *,
               a_size: tuple[int, int], b_size: tuple[int, int], b_area: tuple[int, int, int, int]
               ) -> tuple[int, int, int, int]:
    """The largest rectangle of ``box`` (A's display pixels, where A's frames ``imgs_a`` show ``b_area`` of B's
    picture) that nothing B lacks covers: no part still in A's frames where B's picture moves (a lower third, a
    channel's logo, an app's buttons over a screen-recorded clip) along the box's edges. The box itself when
    nothing covers it, when too little is left clear, or when B's picture hardly moves in what is left (chrome
    two screen recordings share: its progress bar moves with the clip's length, not with its footage)."""
    import cv2

    std_a, std_b = temporal_std(imgs_a), temporal_std(imgs_b)
    if std_a is None or std_b is None:
        return box
    f, g = std_a.shape[1] / a_size[0], std_b.shape[1] / b_size[0]  # grab pixels per display pixel
    x, y, w, h = (int(round(v * f)) for v in box)
    bx, by, bw, bh = (int(round(v * g)) for v in b_area)
    a_still = std_a[y:y + h, x:x + w] <= MOVING_LEVELS
    h, w = a_still.shape
    if w < 8 or h < 8 or bw < 8 or bh < 8:
        return box
    b_std = cv2.resize(std_b[by:by + bh, bx:bx + bw], (w, h), interpolation=cv2.INTER_AREA)
    b_moves = b_std > MOVING_LEVELS
    cell = max(1.0, w / CLEAR_CELLS)
    cols, rows = max(1, int(w / cell)), max(1, int(h / cell))

    def cells(mask: np.ndarray) -> np.ndarray:
        return cast(np.ndarray, cv2.resize(mask.astype(np.float32), (cols, rows), interpolation=cv2.INTER_AREA))

    # covered: still in A where B's footage clearly moves (COVER_MOVING_FACTOR: a wall that barely moves, at the
    # bar on both sides, is not a cover wherever the bar's noise puts one side under it and the other over)
    covered = cells(a_still & (b_std > COVER_MOVING_FACTOR * MOVING_LEVELS)) > CELL_HIDDEN
    # what covers a re-post's picture lies along its edges; a part inside it (a glare on a re-filmed screen) is
    # left to the hashes, not cut around
    n, labels, stats, _ = cv2.connectedComponentsWithStats(covered.astype(np.uint8), connectivity=4)
    ex, ey = max(1, int(EDGE_SHARE * cols)), max(1, int(EDGE_SHARE * rows))
    inner = [k for k in range(1, n) if stats[k][0] >= ex and stats[k][1] >= ey and
             stats[k][0] + stats[k][2] <= cols - ex and stats[k][1] + stats[k][3] <= rows - ey]
    covered &= ~np.isin(labels, inner)
    if not covered.any():
        return box
    c, r, cw, rh = _largest_clear(covered)
    if cw * rh < CLEAR_MIN_SHARE * rows * cols or (cells(b_moves)[r:r + rh, c:c + cw] > 0.5).mean() < CLEAR_MIN_MOVING:
        return box
    sx, sy = w / cols / f, h / rows / f  # display pixels per cell
    return (int(box[0] + c * sx), int(box[1] + r * sy), int(cw * sx), int(rh * sy))


def _largest_clear(hidden: np.ndarray) -> tuple[int, int, int, int]:
    """The largest rectangle (column, row, columns, rows) of cells that are all clear (the histogram method: per
    row, the clear run above each column, and the widest rectangle under those heights)."""
    rows, cols = hidden.shape
    height = np.zeros(cols, int)
    best = (0, 0, 0, 0)
    for r in range(rows):
        height = np.where(hidden[r], 0, height + 1)
        stack: list[int] = []  # columns of increasing height
        for c in range(cols + 1):
            hc = int(height[c]) if c < cols else 0
            while stack and int(height[stack[-1]]) >= hc:
                top = int(height[stack.pop()])
                left = stack[-1] + 1 if stack else 0
                if top * (c - left) > best[2] * best[3]:
                    best = (left, r - top + 1, c - left, top)
            stack.append(c)
    return best


REGION_MARGIN = 0.1  # a partial region's feature mask reaches this share of its size beyond its box
PARTIAL_REGION = 0.8  # a matched region smaller than this share of the frame is partial (a canvas's, or in bars)
GROW_STEP = 0.04  # B's matched box grows by strips this share of its side ...
GROW_AGREE = 0.75  # ... while this share of a strip's pixels shows A's picture (within OVERLAY_DIFF_LEVELS)


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


def _fit_levels(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Grey-level gain and offset taking A's pixels to B's, refitted without outliers."""
    if len(x) < 16 or x.std() <= 1:
        return 1.0, float(y.mean() - x.mean()) if len(x) else 0.0
    g, o = _line(x, y)
    inl = np.abs(y - (g * x + o)) < 25
    if inl.sum() > 0.5 * len(x) and x[inl].std() > 1:
        g, o = _line(x[inl], y[inl])
    return g, o


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares line y = g x + o in closed form (numpy's polyfit warns on stderr for near-flat inputs)."""
    xf, yf = x.astype(np.float64), y.astype(np.float64)
    dx = xf - xf.mean()
    g = float((dx * (yf - yf.mean())).sum() / (dx * dx).sum())
    return g, float(yf.mean() - g * xf.mean())


def picture_edits(
    pairs: list[tuple[np.ndarray, np.ndarray, bool, str]],
    *,
    a_size: tuple[int, int],
    b_size: tuple[int, int],
    a_region: tuple[int, int, int, int],
    b_region: tuple[int, int, int, int],
    span: tuple[float, float, float, float],
) -> list[Edit]:
    """Crop, rotate, overlay and colour edits from matched frame pairs ``(a_rgb, b_rgb, mirrored, channel)``.

    ``a_size``/``b_size``: display sizes; ``a_region``/``b_region``: the boxes (display pixels) that the
    fingerprints matched (active areas or the centre crop), used when features cannot be matched; ``span``:
    (a_start, a_end, b_start, b_end) that the edits cover."""
    import cv2

    if not pairs:
        return []
    transforms, scale_info = [], []
    featured: list[bool] = []  # the transform came from matched features (not the fingerprint boxes)
    diffs, sats, gains, offsets, tints = [], [], [], [], []
    kept: list[tuple[np.ndarray, ...]] = []
    seen: list[tuple[np.ndarray, np.ndarray]] = []  # per pair: where A's picture lands in B, where B agrees
    b_shape = pairs[0][1].shape[:2]
    for a_rgb, b_rgb, mirrored, _ in pairs:
        if mirrored:
            b_rgb = np.ascontiguousarray(b_rgb[:, ::-1])
        fa = a_rgb.shape[1] / a_size[0]  # grab pixels per display pixel
        fb = b_rgb.shape[1] / b_size[0]
        if b_rgb.shape[:2] != b_shape:
            continue
        a_grey = cv2.cvtColor(a_rgb, cv2.COLOR_RGB2GRAY)
        b_grey = cv2.cvtColor(b_rgb, cv2.COLOR_RGB2GRAY)
        fallback = _box_transform(tuple(v * fb for v in b_region), tuple(v * fa for v in a_region))
        found = _feature_transform(b_grey, a_grey, _region_mask(b_grey.shape, b_region, fb),
                                   _region_mask(a_grey.shape, a_region, fa))
        m = found[0] if found else fallback
        transforms.append(m)
        featured.append(found is not None)
        scale_info.append((fa, fb))
        # A seen through B's geometry
        inv = cv2.invertAffineTransform(m)
        h, w = b_grey.shape
        a_w = cv2.warpAffine(a_rgb, inv, (w, h), flags=cv2.INTER_AREA)
        valid = cv2.warpAffine(np.full(a_grey.shape, 255, np.uint8), inv, (w, h)) > 250
        cover = cv2.erode(valid.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0  # A's picture, anywhere in B
        bx, by, bw, bh = (int(round(v * fb)) for v in b_region)
        region = np.zeros_like(valid)
        region[by:by + bh, bx:bx + bw] = True
        valid &= region
        valid = cv2.erode(valid.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        if valid.sum() < 0.2 * valid.size:
            continue
        ag = cv2.cvtColor(a_w, cv2.COLOR_RGB2GRAY).astype(np.float32)
        bg = b_grey.astype(np.float32)
        g, o = _fit_levels(ag[valid], bg[valid])
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
        g, o = _fit_levels(ag[use], bg[use])
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
    # features beat the boxes' assumption (same picture, scaled) wherever they were found: a low-texture pair
    # that fell back must not outvote them
    geometric = [t for t, f in zip(transforms, featured, strict=True) if f] or transforms
    m = np.median(np.stack(geometric), axis=0)
    fa, fb = np.median(np.array(scale_info), axis=0)
    angle = float(np.degrees(np.arctan2(m[1, 0], m[0, 0])))
    if abs(angle) > ROTATE_MIN_DEGREES:
        edits.append(Edit("rotate", a0, a1, b0, b1, {"degrees": round(angle, 1)}))
    # the part of A's picture that B shows: B's matched region (grown where B's pixels beside it still show A's
    # picture) mapped into A (display pixels)
    cx, cy, cw, ch = (float(v * fb) for v in b_region)
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
    for x, y, w, h, _area in boxes:
        edits.append(Edit("overlay", a0, a1, b0, b1, {
            "box": [int(x / fb), int(y / fb), int(w / fb), int(h / fb)],
            "share_of_frame": round(float(w * h) / (b_shape[0] * b_shape[1]), 3)}))
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
    "EDIT_TOLERANCE_SECONDS", "FoundRegion", "canvas_crop_edit", "clear_area", "find_region", "geometry_edits",
    "pad_edit", "picture_edits", "timeline_edits",
]
