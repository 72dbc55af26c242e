"""Pure: where one picture lies inside another, found by ORB features (``compare``'s feature searches,
``pipeline/comparison.py``): the region of A's picture that B's frames show (a crop, or all of A small inside
B: an inset), placed at the moment its best frame pair shows, and the part of it that nothing B lacks covers
(a lower third, an app's buttons), which is then hashed on both sides."""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np

from ..signals.picture import box_corners, box_iou
from .features import (
    MOVING_LEVELS,
    degrees_of,
    fit_perspective,
    fit_similarity,
    keypoint_xy,
    matched_points,
    moving_mask,
    scale_of,
    temporal_std,
)


class FoundRegion(NamedTuple):
    """``find_region``'s answer, in A's display pixels."""

    box: tuple[int, int, int, int]  # the part of A's picture that B's region shows (inside A's frame)
    full: tuple[float, float, float, float]  # where all of B's region lands, beyond A's frame where it runs off
    # where the corners of B's region land (top-left, top-right, bottom-left, bottom-right: x, y each), when B's
    # picture lies turned or keystoned in A's frame (a re-filmed screen) and a perspective fit says where; None
    # when it stands upright in ``box``
    corners: tuple[float, ...] | None = None

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
AGREE_SCALE = 1.1  # ... and weak pairs agree when they scale B's picture within this factor of each other
AGREE_MANY = 3  # this many agreeing pairs with twice the inliers one strong pair needs, together, are as strong
RUN_OFF_SHARE = 0.05  # a found region this share narrower or shorter than where B's region lands runs off A's frame
ROTATION_DEGREES = 5  # a found transform turned further is not a crop or an inset (a re-filming may tilt this far)
UPRIGHT_SHARE = 0.02  # corners within this share of the picture's side of its upright box: it stands upright
TURNED_DEGREES = 1.0  # a best fit turned this far (or keystoned) is looked at again for the corners' places
KEYSTONED_SHARE = 0.05  # ... keystoned: its perspective fit's corners this share of the side off upright


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
    moments: list[np.ndarray] | None = None,
) -> FoundRegion | None:
    """The region of A's picture (display pixels) that B's frames show, from the best-supported similarity
    transform between any B frame and any A frame; None when no pair agrees well enough. ``moving_only``: A's
    features are looked for where its frames change (``moving_mask``), not on the still text and icons of an
    app's screen around a clip, which would take most of them. ``moments``: more of B's frames (``imgs_b`` is
    a few of them), one of which may show the moment of A's best frame: a turned picture is straightened from it."""
    import cv2

    orb = cv2.ORB_create(nfeatures=1000)  # type: ignore[attr-defined]
    mask = moving_mask(imgs_a) if moving_only else None
    feats_a = [orb.detectAndCompute(cv2.cvtColor(i, cv2.COLOR_RGB2GRAY), mask if mask is not None and
                                    mask.shape == i.shape[:2] else None) for i in imgs_a]
    found: list[tuple[int, np.ndarray, float, float, int, int]] = []  # (inliers, transform, fa, fb, B, A frame)
    points: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}  # the matched points of each pair fitted
    for k_b, ib in enumerate(imgs_b):
        kb, db = orb.detectAndCompute(cv2.cvtColor(ib, cv2.COLOR_RGB2GRAY), None)
        if db is None or len(kb) < 12:
            continue
        fb = ib.shape[1] / b_size[0]
        for k_a, (ia, (ka, da)) in enumerate(zip(imgs_a, feats_a, strict=True)):
            if da is None or len(ka) < 12:
                continue
            ps, pd = matched_points(keypoint_xy(kb), db, keypoint_xy(ka), da, ratio=0.75)
            fit = fit_similarity(ps, pd) if len(ps) >= min_inliers // 2 else None
            # a fit turned further than a re-filming tilts is no crop or inset (a chance fit, or a keystone's
            # frame pair fitted askew: doorknob's re-film's strongest pair at 6.8 degrees, its others at 2-3)
            if fit is not None and fit[1] >= min_inliers // 2 and abs(degrees_of(fit[0])) <= ROTATION_DEGREES:
                found.append((fit[1], fit[0], ia.shape[1] / a_size[0], fb, k_b, k_a))
                points[k_b, k_a] = ps, pd
    # one strongly matched frame pair, or two, or one and another half as strong that puts B's picture in the
    # same place (a picture-in-picture a third off the frame has few features: two pairs that agree on where it
    # lies are evidence no chance fit gives; a chance fit collapses B's picture to a point, which ``fit_similarity``
    # refuses), or, for a whole picture small inside the other (``moving_only``: a crop is a large part of A,
    # whose true fits are strong), AGREE_MANY weaker pairs that agree on the place and the scale and together
    # have the inliers of two strong ones (a busy background takes most of the features of each frame). The
    # pairs may share a frame: one textured frame of B found in several moments of A (the rest of a dark clip has
    # too few features). The frames are not aligned in time yet, so the transforms of different pairs differ by
    # the camera's own motion; the best pair gives the region (an inset's placed at its own moment:
    # ``_moment_placed``), and the hash alignment that follows (and the picture edits after it) confirm and
    # refine it
    found.sort(key=lambda f: -f[0])
    if not found:
        return None
    boxes = [_placed(f[1], f[2], f[3], b_region) for f in found]
    agree = [f[0] for f, box in zip(found, boxes, strict=True) if box_iou(boxes[0], box) >= AGREE_IOU]
    strong = found[0][0] >= 2 * min_inliers or (found[0][0] >= min_inliers and (
        (len(found) > 1 and found[1][0] >= min_inliers) or len(agree) > 1))
    # weak pairs agree when they also scale the picture alike (a chance fit's scale is anyone's: three that placed
    # boxes overlapping by half scaled 0.63, 0.84 and 1.07; a corner picture-in-picture's five, 0.306-0.312)
    scale = [scale_of(f[1]) for f in found]
    alike = [f[0] for f, box, sc in zip(found, boxes, scale, strict=True)
             if box_iou(boxes[0], box) >= AGREE_IOU and abs(np.log(sc / scale[0])) <= np.log(AGREE_SCALE)]
    if not strong and not (moving_only and len(alike) >= AGREE_MANY and sum(alike) >= 2 * min_inliers):
        return None
    box = boxes[0]
    tm = found[0][1]
    fa, fb, k_b, k_a = found[0][2:]
    if moving_only:  # a whole picture small inside the other: placed where its best frame pair's moment lies
        box = _placed(_moment_placed(tm, imgs_b[k_b], imgs_a, _scaled(b_region, fb)), fa, fb, b_region)
    lo, hi = np.array(box[:2]), np.array(box[2:])
    x0, y0 = np.clip(lo, 0, a_size)
    x1, y1 = np.clip(hi, 0, a_size)
    if (x1 - x0) < min_share * a_size[0] or (y1 - y0) < min_share * a_size[1]:
        return None
    full = (float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1]))
    found_region = FoundRegion((int(x0), int(y0), int(x1 - x0), int(y1 - y0)), full)
    # a whole picture inside the other (a crop, a large part of A, is taken upright), turned, or keystoned (its
    # best pair's perspective fit clearly off upright: a fit across two moments is off by a share or two even for
    # an upright picture-in-picture): straightened through its corners
    if not moving_only or found_region.runs_off or not (
            abs(degrees_of(tm)) >= TURNED_DEGREES or _keystoned(fit_perspective(
                *points[k_b, k_a], tm, found[0][0], _scaled(b_region, fb)), fa, fb, b_region, KEYSTONED_SHARE)):
        return found_region
    corners = _keystone(imgs_a[k_a], moments if moments is not None else imgs_b, fa, fb, b_region, min_inliers)
    # the corners' box must be where the similarity placed the picture (a fit to the wrong features is not)
    if corners is not None and box_iou(box, (min(corners[::2]), min(corners[1::2]), max(corners[::2]),
                                             max(corners[1::2]))) < AGREE_IOU:
        corners = None
    return found_region._replace(corners=corners)


def _keystone(searched: np.ndarray, moments: list[np.ndarray], fa: float, fb: float,
              b_region: tuple[int, int, int, int], min_inliers: int) -> tuple[float, ...] | None:
    """Where the corners of ``b_region`` (B's display pixels) land in A's display pixels when B's picture lies
    turned or keystoned in A's frame (a re-filmed screen), from a perspective fit (``fit_perspective``: as many
    inliers as the similarity, near it) of A's best frame (``searched``; its features looked for all over it, not
    only where A's frames move: they are spread to its corners) and the one of B's frames (``moments``) that
    fits it best: the one that shows A's frame's moment (the best pair's frames need not show one moment, and a
    fit across moments is askew: doorknob's re-film's corners lay 50 pixels off; features where A moves only, 70
    at one corner). None for a picture standing upright in the box that holds its corners (within UPRIGHT_SHARE of
    its side: a pasted picture-in-picture), or when no perspective fits."""
    import cv2

    orb = cv2.ORB_create(nfeatures=1000)  # type: ignore[attr-defined]
    ka, da = orb.detectAndCompute(cv2.cvtColor(searched, cv2.COLOR_RGB2GRAY), None)
    if da is None:
        return None
    best: tuple[int, np.ndarray] | None = None
    for k, img in enumerate(moments):
        if k and np.array_equal(img, moments[k - 1]):
            continue  # keyframes grabbed twice
        kb, db = orb.detectAndCompute(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), None)
        if db is None or len(kb) < 12:
            continue
        ps, pd = matched_points(keypoint_xy(kb), db, keypoint_xy(ka), da, ratio=0.75)
        fit = fit_similarity(ps, pd) if len(ps) >= 12 else None
        if fit is None or abs(degrees_of(fit[0])) > ROTATION_DEGREES:
            continue
        hom = fit_perspective(ps, pd, fit[0], fit[1], _scaled(b_region, fb))
        if hom is not None and hom[1] >= min_inliers and (best is None or hom[1] > best[0]):
            best = hom[1], hom[0]
    return _keystoned(best[::-1] if best is not None else None, fa, fb, b_region)


def _scaled(box: tuple[int, int, int, int], f: float) -> tuple[float, float, float, float]:
    x, y, w, h = (v * f for v in box)
    return x, y, w, h


def _keystoned(fit: tuple[np.ndarray, int] | None, fa: float, fb: float, b_region: tuple[int, int, int, int],
               share: float = UPRIGHT_SHARE) -> tuple[float, ...] | None:
    """Where the perspective ``fit`` (B's grab pixels to A's) puts the corners of ``b_region`` (B's display
    pixels), in A's display pixels, when they lie off the upright box that holds them by more than ``share`` of
    its side; None when they do not (or there is no fit)."""
    import cv2

    if fit is None:
        return None
    at = cv2.perspectiveTransform(box_corners(_scaled(b_region, fb)).reshape(-1, 1, 2), fit[0]).reshape(4, 2) / fa
    lo, hi = at.min(axis=0), at.max(axis=0)
    upright = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [lo[0], hi[1]], [hi[0], hi[1]]])
    if float(np.abs((at - upright) / np.maximum(hi - lo, 1.0)).max()) <= share:
        return None
    return tuple(round(float(v), 2) for v in at.reshape(-1))


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

    scale = scale_of(tm)
    x, y, w, h = (int(round(v)) for v in region)
    tw, th = int(round(w * scale)), int(round(h * scale))
    if tw < 16 or th < 16 or abs(degrees_of(tm)) > MOMENT_MAX_DEGREES:
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


__all__ = ["FoundRegion", "clear_area", "find_region"]
