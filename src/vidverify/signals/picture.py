"""Pure numpy geometry of the picture: where the active picture is (bars removed) and which crop to hash too.

Uploads add letterbox/pillarbox bars or a 9:16 canvas around the footage; hashing the whole canvas would make the
bars dominate the hash. ``active_area`` finds constant bars along the edges from a few sampled frames; the
fingerprint hashes the picture inside them. ``centre_crop`` is the region a 9:16 vertical crop of a landscape
picture keeps (the middle ~third), hashed as a second channel so that such crops are found.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def active_area(samples: np.ndarray, width: int, height: int) -> Box:
    """Active picture inside constant bars. ``samples``: (k, rows, cols) grey thumbnails of frames spread over
    the video, in display orientation; ``width``/``height``: the display size the box is expressed in."""
    if samples.ndim != 3 or len(samples) == 0:
        return Box.full(width, height)
    s = samples.astype(np.float32)
    _, rows, cols = s.shape
    col_mean, col_std = s.mean(axis=1), s.std(axis=1)  # (k, cols)
    row_mean, row_std = s.mean(axis=2), s.std(axis=2)  # (k, rows)
    col_uniform = (col_std.max(axis=0) <= BAR_MAX_STD) & (np.ptp(col_mean, axis=0) <= BAR_MAX_DRIFT)
    row_uniform = (row_std.max(axis=0) <= BAR_MAX_STD) & (np.ptp(row_mean, axis=0) <= BAR_MAX_DRIFT)
    left, right = _bar_run(col_uniform), _bar_run(col_uniform[::-1])
    top, bottom = _bar_run(row_uniform), _bar_run(row_uniform[::-1])
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
    # bars come in pairs (letterbox, pillarbox); a thin band on one side only is dark picture content
    if (left == 0) != (right == 0) and max(left, right) < cols * MIN_ONE_SIDED_BAR:
        left = right = 0
    if (top == 0) != (bottom == 0) and max(top, bottom) < rows * MIN_ONE_SIDED_BAR:
        top = bottom = 0
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


def centre_crop(area: Box) -> Box:
    """The second hashed region: for a landscape or square picture, the centred 9:16 vertical crop (what a
    vertical re-upload keeps); for a portrait picture, the centred square."""
    if area.w >= area.h * LANDSCAPE_MIN_ASPECT:
        w = max(2, int(area.h * VERTICAL_ASPECT) & ~1)
        return Box(area.x + (area.w - w) // 2, area.y, w, area.h)
    side = area.w & ~1
    return Box(area.x, area.y + (area.h - side) // 2, side, side)


__all__ = ["Box", "active_area", "centre_crop"]
