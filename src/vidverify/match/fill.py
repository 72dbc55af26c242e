"""Pure: whether what surrounds A's picture in B is a blurred fill of that same picture (a 9:16 re-post of a
landscape clip: the clip scaled to cover the tall canvas and blurred behind the sharp one), and what was drawn over
the fill (the big captions above and below the clip).

A fill is A's matched picture scaled to cover B's frame about its centre, blurred: each frame pair's surround
(B outside the box where A's picture lies) is compared with that picture blurred at a few widths, B's grey levels
fitted to it (the fill is often darkened). It is a blurred fill where the fitted picture explains much of the
surround, and far more of it than the same picture upside down does (``blurred_fill``). Bars, an app's screen, a
decorative frame or other footage are explained by neither, or as well by both, and a picture with too little
texture (a dark clip) cannot tell: it is then not claimed. Where B's surround lies far from the fill, in most of
the pairs that show one, something was drawn over it: an overlay (``edits._overlay_boxes`` finds the boxes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .features import line

FILL_SIGMAS = (4.0, 8.0, 16.0, 32.0)  # blur widths tried (Gaussian sigma, pixels of a FILL_GRAB_WIDTH-wide grab)
FILL_GRAB_WIDTH = 384
FILL_MIN_TEXTURE = 8.0  # the blurred picture's grey-level spread over the surround below which it cannot tell
FILL_GAINS = (0.6, 1.5)  # B's grey levels over the fill's: a blurred fill is fitted with a gain in this range ...
FILL_MIN_SHARE = 0.5  # ... within FILL_NEAR_LEVELS of the fitted fill over at least this share of the surround ...
FILL_NEAR_LEVELS = 12.0
FILL_MARGIN = 0.25  # ... and over this share more than the picture turned upside down
FIT_ROUNDS = 3  # the grey-level fit: refitted this many times on the pixels within FIT_NEAR_LEVELS of its line
FIT_NEAR_LEVELS = 25.0
FILL_MIN_PAIRS = 2  # frame pairs that must show a fill
SURROUND_MARGIN = 6  # grab pixels around A's box in B that belong to neither (its edge, a frame line)
MIN_SURROUND = 0.1  # share of B's frame the surround must be to be looked at


@dataclass(frozen=True)
class Fill:
    """``blurred_fill``'s answer for one frame pair."""

    tells: bool  # the picture has the texture to tell a blurred fill from anything else
    is_fill: bool  # ... and B's surround is one
    far: np.ndarray | None  # surround pixels (bool, B's grab shape) far from the fitted fill, where ``is_fill``


def cover_picture(a_grey: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``a_grey`` scaled to cover ``shape`` (height, width) and cropped about its centre: what a fill shows."""
    import cv2

    hb, wb = shape
    ah, aw = a_grey.shape[:2]
    s = max(wb / aw, hb / ah)
    big = cv2.resize(a_grey, (max(wb, int(round(aw * s))), max(hb, int(round(ah * s)))), interpolation=cv2.INTER_AREA)
    y0, x0 = (big.shape[0] - hb) // 2, (big.shape[1] - wb) // 2
    return big[y0:y0 + hb, x0:x0 + wb]


def _levels(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Gain and offset taking the fill's grey levels ``x`` to B's ``y``, robust to what covers much of it (caption
    blocks took 40% of a surround and pulled a least-squares fit off): from gain 1 at the median offset, refitted
    on the pixels near the line a few times."""
    g, o = 1.0, float(np.median(y - x))
    for _ in range(FIT_ROUNDS):
        near = np.abs(y - (g * x + o)) < FIT_NEAR_LEVELS
        if near.sum() < 16 or x[near].std() <= 1:
            break
        g, o = line(x[near], y[near])
    return g, o


def _near_share(p: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(share of ``b`` within FILL_NEAR_LEVELS of ``p`` fitted to it, the fit's gain)."""
    g, o = _levels(p, b)
    return float((np.abs(b - (g * p + o)) <= FILL_NEAR_LEVELS).mean()), g


def blurred_fill(a_grey: np.ndarray, b_grey: np.ndarray, a_box: tuple[int, int, int, int],
                 b_box: tuple[int, int, int, int], far_levels: float) -> Fill | None:
    """Whether B's surround of ``b_box`` (grab pixels, where A's picture lies in B) is A's picture ``a_box`` (grab
    pixels of ``a_grey``) blurred to cover B's frame, and where it lies more than ``far_levels`` from it; None when
    B has too little surround to tell.

    The fill must explain B's surround (FILL_MIN_SHARE of it within FILL_NEAR_LEVELS, at a gain in FILL_GAINS)
    and explain it far better (FILL_MARGIN more of it) than the same picture turned upside down does, and than
    its rows' brightness alone does: a flat surround (bars, an app's dark screen) is as near the one as the
    other, a picture with little texture is near anything flat, a designed gradient or another clip's blur with
    the same sky above the same ground is near the rows' brightness as well, and other footage is near none."""
    import cv2

    hb, wb = b_grey.shape[:2]
    bx, by, bw, bh = b_box
    around = np.ones((hb, wb), bool)
    m = SURROUND_MARGIN
    around[max(0, by - m):by + bh + m, max(0, bx - m):bx + bw + m] = False
    if around.sum() < MIN_SURROUND * around.size:
        return None
    ax, ay, aw, ah = a_box
    picture = a_grey[ay:ay + ah, ax:ax + aw]
    if picture.size == 0:
        return None
    big = cover_picture(picture.astype(np.float32), (hb, wb))
    b = b_grey.astype(np.float32)
    y = b[around]
    best: tuple[float, np.ndarray] | None = None
    tells = False
    for sigma in FILL_SIGMAS:
        p = cv2.GaussianBlur(big, (0, 0), sigma * wb / FILL_GRAB_WIDTH)
        x = p[around]
        if x.std() < FILL_MIN_TEXTURE:
            continue
        tells = True
        near, g = _near_share(x, y)
        if near < FILL_MIN_SHARE or not FILL_GAINS[0] <= g <= FILL_GAINS[1]:
            continue
        layout = np.repeat(p.mean(axis=1, keepdims=True), wb, axis=1)  # its rows' brightness only
        null = max(_near_share(p[::-1, ::-1][around], y)[0], _near_share(layout[around], y)[0])
        if near < null + FILL_MARGIN or (best and near <= best[0]):
            continue
        gain, offset = _levels(x, y)
        best = (near, (np.abs(b - (gain * p + offset)) > far_levels) & around)
    return Fill(tells, best is not None, best[1] if best else None)


def fill_found(fills: list[Fill | None]) -> bool:
    """A blurred fill is claimed when at least half of the frame pairs whose picture can tell, and FILL_MIN_PAIRS
    at least, show one (what was drawn over it is then what most of those pairs show far from it)."""
    telling = [f for f in fills if f is not None and f.tells]
    shown = sum(f.is_fill for f in telling)
    return shown >= FILL_MIN_PAIRS and 2 * shown >= len(telling)


__all__ = ["Fill", "blurred_fill", "cover_picture", "fill_found"]
