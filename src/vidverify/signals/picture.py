"""Pure numpy geometry of the picture: where the active picture is (bars removed) and which crop to hash too.

Uploads add letterbox/pillarbox bars or a 9:16 canvas around the footage; hashing the whole canvas would make the
bars dominate the hash. ``active_area`` finds constant bars along the edges from a few sampled frames; the
fingerprint hashes the picture inside them. ``centre_crop`` is the region a 9:16 vertical crop of a landscape
picture keeps (the middle ~third), hashed as a second channel so that such crops are found.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

BAR_MAX_STD = 6.0  # grey levels: a bar row/column is (nearly) uniform ...
BAR_MAX_DRIFT = 8.0  # ... and keeps its level across the sampled frames
MIN_BAR_FRACTION = 0.02  # bars thinner than this share of the side are ignored
MIN_ACTIVE_FRACTION = 0.2  # never crop to less than this share of a side
VERTICAL_ASPECT = 9 / 16
LANDSCAPE_MIN_ASPECT = 0.8  # width / height from which centre_crop takes a vertical strip, not a square


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    def to_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]

    @classmethod
    def full(cls, width: int, height: int) -> Box:
        return cls(0, 0, width, height)


def _bar_run(uniform: np.ndarray) -> int:
    """Length of the run of True at the start of ``uniform``."""
    if uniform.all():
        return len(uniform)
    return int(np.argmin(uniform))


MIN_ONE_SIDED_BAR = 0.15  # a bar on one side only (a picture placed on a taller canvas) must be this big


def bar_sizes(samples: np.ndarray) -> tuple[int, int, int, int]:
    """(left, right, top, bottom) bars, in thumbnail pixels, that stay constant in every one of ``samples``
    ((k, rows, cols) grey frames); 0 where there is none. Bars are uniform rows or columns along an edge whose
    level does not drift; they come in pairs (a thin band on one side only is dark picture content); a uniform
    picture (a black screen) has none."""
    if samples.ndim != 3 or len(samples) == 0:
        return 0, 0, 0, 0
    s = samples.astype(np.float32)
    _, rows, cols = s.shape
    col_mean, col_std = s.mean(axis=1), s.std(axis=1)  # (k, cols)
    row_mean, row_std = s.mean(axis=2), s.std(axis=2)  # (k, rows)
    col_uniform = (col_std.max(axis=0) <= BAR_MAX_STD) & (np.ptp(col_mean, axis=0) <= BAR_MAX_DRIFT)
    row_uniform = (row_std.max(axis=0) <= BAR_MAX_STD) & (np.ptp(row_mean, axis=0) <= BAR_MAX_DRIFT)
    left, right = _bar_run(col_uniform), _bar_run(col_uniform[::-1])
    top, bottom = _bar_run(row_uniform), _bar_run(row_uniform[::-1])
    return _as_bars(left, right, top, bottom, rows, cols)


def _as_bars(left: int, right: int, top: int, bottom: int, rows: int, cols: int) -> tuple[int, int, int, int]:
    """Uniform runs along the edges -> bars: not a uniform picture, not too thin, in pairs or big on one side."""
    if left + right >= cols * (1 - MIN_ACTIVE_FRACTION):
        left = right = 0  # a uniform picture (black screen), not bars
    if top + bottom >= rows * (1 - MIN_ACTIVE_FRACTION):
        top = bottom = 0
    if left < cols * MIN_BAR_FRACTION:
        left = 0
    if right < cols * MIN_BAR_FRACTION:
        right = 0
    if top < rows * MIN_BAR_FRACTION:
        top = 0
    if bottom < rows * MIN_BAR_FRACTION:
        bottom = 0
    if (left == 0) != (right == 0) and max(left, right) < cols * MIN_ONE_SIDED_BAR:
        left = right = 0
    if (top == 0) != (bottom == 0) and max(top, bottom) < rows * MIN_ONE_SIDED_BAR:
        top = bottom = 0
    return left, right, top, bottom


def active_area(samples: np.ndarray, width: int, height: int) -> Box:
    """Active picture inside constant bars. ``samples``: (k, rows, cols) grey thumbnails of frames spread over
    the video, in display orientation; ``width``/``height``: the display size the box is expressed in."""
    if samples.ndim != 3 or len(samples) == 0:
        return Box.full(width, height)
    _, rows, cols = samples.shape
    left, right, top, bottom = bar_sizes(samples)
    fx, fy = width / cols, height / rows
    # step one thumbnail pixel inside so that a soft bar edge stays out of the picture
    x0 = int(np.ceil((left + (1 if left else 0)) * fx))
    x1 = int(np.floor((cols - right - (1 if right else 0)) * fx))
    y0 = int(np.ceil((top + (1 if top else 0)) * fy))
    y1 = int(np.floor((rows - bottom - (1 if bottom else 0)) * fy))
    x0, y0 = x0 + (x0 & 1), y0 + (y0 & 1)
    w, h = (x1 - x0) & ~1, (y1 - y0) & ~1
    if w < width * MIN_ACTIVE_FRACTION or h < height * MIN_ACTIVE_FRACTION:
        return Box.full(width, height)
    return Box(x0, y0, w, h)


# ------------------------------------------------------------------------ bars that change along the video

STRETCH_MIN_FRAMES = 3  # bars must hold in this many neighbouring frames to count in a stretch
STRETCH_BAR_JITTER = 1  # thumbnail pixels a bar's edge may move between frames of one stretch
STRETCH_SYMMETRY = 2  # thumbnail pixels the two bars of a pair may differ by (a fitted clip is centred)


def _edge_runs(mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Per frame, the number of lines ((n, m) means and deviations, from the edge inwards) that are uniform and
    at the edge line's level: a bar. Picture content next to a bar (a flat wall) is uniform too, but not at the
    bar's level."""
    uniform = (std <= BAR_MAX_STD) & (np.abs(mean - mean[:, :1]) <= BAR_MAX_DRIFT)
    return cast(np.ndarray, np.where(uniform.all(axis=1), uniform.shape[1], np.argmin(uniform, axis=1)))


def pack_box(x0: int, y0: int, x1: int, y1: int) -> int:
    """A box of thumbnail pixels (x0, y0 inclusive, x1, y1 exclusive) in one uint32 (0: no box)."""
    return x0 | (y0 << 8) | (x1 << 16) | (y1 << 24)


SAME_BOX_IOU = 0.7  # boxes that overlap this much (intersection over union) are one region of the picture


def box_iou(a: Any, b: Any) -> np.ndarray:
    """Intersection over union of boxes ``a`` and ``b`` (x0, y0, x1, y1; arrays (..., 4), broadcast against each
    other); 0 where both are empty."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    w = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    h = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = w * h
    union = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1]) + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = union - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def unpack_boxes(packed: np.ndarray) -> np.ndarray:
    """(n,) packed boxes -> (n, 4) x0, y0, x1, y1."""
    p = np.asarray(packed, np.uint32)
    return np.stack([(p >> s) & 0xFF for s in (0, 8, 16, 24)], axis=1).astype(np.int64)


def stretch_boxes(frames: np.ndarray) -> np.ndarray:
    """Per frame of ``frames`` ((n, rows, cols) grey, consecutive frames of a video), the picture inside bars that
    hold through the stretch of frames it belongs to, as a packed box (``pack_box``, thumbnail pixels), or 0.

    A compilation may letterbox one inserted clip and not the rest, so the bars of one file are not the bars of
    its every stretch. Each frame's uniform edge rows and columns are measured; neighbouring frames whose edges
    agree (within STRETCH_BAR_JITTER) form a stretch (a cut to footage with other bars, or none, ends it); a
    stretch of at least STRETCH_MIN_FRAMES frames gets the bars every frame of it has, if they come in a centred
    pair (within STRETCH_SYMMETRY; then ``bar_sizes``'s rules)."""
    n = len(frames)
    out = np.zeros(n, np.uint32)
    if n < STRETCH_MIN_FRAMES or frames.ndim != 3:
        return out
    _, rows, cols = frames.shape
    # a bar starts at an edge: only frames with a uniform edge line are measured (most footage has none)
    sides = np.stack([frames[:, :, 0], frames[:, :, -1]], axis=1).astype(np.float32)  # (n, 2, rows)
    ends = np.stack([frames[:, 0], frames[:, -1]], axis=1).astype(np.float32)  # (n, 2, cols)
    maybe = np.flatnonzero((sides.std(axis=2) <= BAR_MAX_STD).any(axis=1) |
                           (ends.std(axis=2) <= BAR_MAX_STD).any(axis=1))
    edges = np.zeros((n, 4), np.int64)
    if len(maybe):
        s = frames[maybe].astype(np.float32)
        cm, cs, rm, rs = s.mean(axis=1), s.std(axis=1), s.mean(axis=2), s.std(axis=2)
        edges[maybe] = np.stack([_edge_runs(cm, cs), _edge_runs(cm[:, ::-1], cs[:, ::-1]), _edge_runs(rm, rs),
                                 _edge_runs(rm[:, ::-1], rs[:, ::-1])], axis=1)
    some = (edges[:, :2] >= cols * MIN_BAR_FRACTION).any(axis=1) | (edges[:, 2:] >= rows * MIN_BAR_FRACTION).any(1)
    same = np.abs(np.diff(edges, axis=0)).max(axis=1) <= STRETCH_BAR_JITTER
    breaks = np.flatnonzero(~(same & some[1:] & some[:-1])) + 1
    for lo, hi in zip(np.concatenate([[0], breaks]), np.concatenate([breaks, [n]]), strict=True):
        if hi - lo < STRETCH_MIN_FRAMES or not some[lo]:
            continue
        # the bars of the stretch: what every frame of it has, with the rules of bar_sizes
        le, ri, to, bo = (int(v) for v in edges[lo:hi].min(axis=0))
        # in a stretch, bars come in centred pairs (a clip fitted into the frame): a dark wall on one side of a
        # dim shot is not one
        if min(le, ri) < cols * MIN_BAR_FRACTION or abs(le - ri) > STRETCH_SYMMETRY:
            le = ri = 0
        if min(to, bo) < rows * MIN_BAR_FRACTION or abs(to - bo) > STRETCH_SYMMETRY:
            to = bo = 0
        left, right, top, bottom = _as_bars(le, ri, to, bo, rows, cols)
        if left or right or top or bottom:
            out[lo:hi] = pack_box(left, top, cols - right, rows - bottom)
    return out


def _area_weights(start: int, stop: int, size: int) -> np.ndarray:
    """(size, stop - start): each output pixel the mean of the input pixels it covers (an area scale)."""
    n = stop - start
    edges = np.arange(size + 1) * (n / size)
    lo, hi = edges[:-1, None], edges[1:, None]
    px = np.arange(n)[None, :]
    overlap = np.clip(np.minimum(hi, px + 1) - np.maximum(lo, px), 0, None)
    return cast(np.ndarray, overlap / (n / size))


def inner_pictures(frames: np.ndarray, packed: np.ndarray, size: int) -> np.ndarray:
    """The picture inside each frame's box (``stretch_boxes``; every box non-zero), area-scaled to ``size``²."""
    out = np.zeros((len(frames), size, size), np.uint8)
    boxes = unpack_boxes(packed)
    for key in np.unique(np.asarray(packed, np.uint32)):
        idx = np.flatnonzero(packed == key)
        x0, y0, x1, y1 = (int(v) for v in boxes[idx[0]])
        ry, rx = _area_weights(y0, y1, size), _area_weights(x0, x1, size)
        region = frames[idx, y0:y1, x0:x1].astype(np.float64)
        out[idx] = np.clip(np.rint(ry @ region @ rx.T), 0, 255).astype(np.uint8)
    return out


def box_corners(box: Sequence[float]) -> np.ndarray:
    """A box's (x, y, w, h) corners as float32 rows (x, y): top-left, top-right, bottom-left, bottom-right (the
    order of a picture's corners everywhere: ``corners_box`` is the way back)."""
    x, y, w, h = box
    return np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]], np.float32)


def corners_box(corners: Sequence[float]) -> tuple[int, int, int, int]:
    """The box (x, y, w, h, whole pixels, outward) that holds four corners (x, y each)."""
    x0, y0 = math.floor(min(corners[::2])), math.floor(min(corners[1::2]))
    return x0, y0, math.ceil(max(corners[::2])) - x0, math.ceil(max(corners[1::2])) - y0


def centre_crop(area: Box) -> Box:
    """The second hashed region: for a landscape or square picture, the centred 9:16 vertical crop (what a
    vertical re-upload keeps); for a portrait picture, the centred square."""
    if area.w >= area.h * LANDSCAPE_MIN_ASPECT:
        w = max(2, int(area.h * VERTICAL_ASPECT) & ~1)
        return Box(area.x + (area.w - w) // 2, area.y, w, area.h)
    side = area.w & ~1
    return Box(area.x, area.y + (area.h - side) // 2, side, side)


def _mean2(x: np.ndarray, axis: int) -> np.ndarray:
    """Average neighbouring pairs along ``axis`` (rounded half up, as an area scale to half the size would)."""
    a = np.moveaxis(x, axis, -1).astype(np.uint16)
    m = (a[..., 0::2] + a[..., 1::2] + 1) >> 1
    return np.moveaxis(m, -1, axis).astype(np.uint8)


def split_detail(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(n, DETAIL, DETAIL + FRAME) rows from the decoder (the active picture at twice the hash size beside its
    centre crop at hash width: ``media/decode.py``) → the FRAME² active picture, the FRAME² centre crop, the four
    FRAME² halves of the active picture (top, bottom, left, right), and the DETAIL² active picture itself."""
    size = arr.shape[1]  # DETAIL
    detail, crop = arr[:, :, :size], arr[:, :, size:]
    half = size // 2
    frames = _mean2(_mean2(detail, 1), 2)
    crops = _mean2(crop, 1)
    halves = np.stack([_mean2(detail[:, :half], 2), _mean2(detail[:, half:], 2),
                       _mean2(detail[:, :, :half], 1), _mean2(detail[:, :, half:], 1)], axis=1)
    return frames, crops, halves, detail


__all__ = ["SAME_BOX_IOU", "Box", "active_area", "bar_sizes", "box_corners", "box_iou", "centre_crop", "corners_box",
           "inner_pictures", "pack_box", "split_detail", "stretch_boxes", "unpack_boxes"]
