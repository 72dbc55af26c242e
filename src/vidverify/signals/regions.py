"""Where footage plays inside a canvas, per stretch of frames (pure numpy).

Re-posts often show a clip as a part of a busier frame: a screen recording of a phone app (status bar, buttons and
captions around the clip), a 9:16 canvas whose top and bottom are a blurred copy of the picture, a duet beside
another video, a 2x2 grid, a small picture-in-picture over other footage. Hashing the whole frame then hashes
mostly what surrounds the clip. ``region_boxes`` finds, for every stretch of REGION_WINDOW_FRAMES consecutive
frames, up to REGION_SLOTS rectangles where footage plays, in two ways:

1. Moving detail: the frame-to-frame change of each pixel's Laplacian (fine detail that changes). Static chrome
   and captions do not change; a blurred fill has little fine detail; bars have none. The rows and columns where
   that change is strong seed the box of the footage, which then grows over the neighbouring rows and columns
   that still change a little and keep the seed's fine detail (the still parts of the clip), and stops at
   chrome (nothing changes) or a blurred fill (no fine detail).
2. Seams: boundaries across which the two sides change independently through the stretch (neighbouring pixels
   of one video change together), or that stand out as an edge in every frame, much stronger than the
   gradients on either side. A seam down the middle of the footage's box splits it in two (a duet), two split
   it in four (a grid), and so does a band of bars between two pictures (each video of a duet fitted into its
   half: busy, fast footage shows no clear seam at this size); a cell loses the bars at its edges. Rectangles
   whose sides inside the picture are seams and that hold moving picture are regions too (a picture-in-picture
   over moving footage).

3. Bands: a clip across the whole width (or height) of a canvas lies between two straight lines that are seam
   along all their length. The band between them is a region, and so is the moving box grown past the seams
   inside the clip: a still sky above a sharp horizon stops the first growth, and at 64 pixels a box one line
   short or long hashes far from the clip. Neither may hold a line of bars or flat chrome.

A box covering nearly the whole picture is no region (the whole-picture hash already covers it). Each side of
a box that meets still bars or chrome is then put on the line where the clip is at least half of the picture
(at 64 pixels a box one line off hashes 6-12 bits from the clip). The boxes are packed like
``picture.pack_box`` (pixels of the DETAIL² active picture). A slot is a channel the aligner follows, so a clip
keeps its slot from stretch to stretch (``place``): a box that overlaps the last box of a slot takes that
slot, and new boxes take free slots in the order they were found in (a duet's or a grid's cells, the moving
box, bands, rectangles). Without that a grid's cell moved to another slot when a neighbouring cell was not
found in a stretch, and its match broke into pieces too short to report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np

from .picture import SAME_BOX_IOU, box_iou, pack_box

REGION_SLOTS = 4  # regions hashed per frame (a 2x2 grid's cells)
REGION_WINDOW_FRAMES = 32  # a stretch: about a second of dense frames (a batch of 128 makes four)
REGION_MIN_FRAMES = 4  # fewer frames than this say nothing about what moves
REGION_MIN_SIDE = 0.16  # a region is at least this share of the picture's width and height ...
REGION_MIN_PICK_SIDE = 0.14  # ... but a region kept may be this narrow (a 9:16 clip in a 2x2 grid's cell is 0.158
# of its width, 10 of 64 columns) ...
REGION_MIN_AREA = 0.04  # ... and of its area (a picture-in-picture a quarter of each side is 0.06)
REGION_MAX_AREA = 0.8  # a box covering more than this share of the picture is the picture itself
MOTION_FLOOR = 1.0  # grey levels of Laplacian change per frame under which nothing moves (static chrome, noise)
MOTION_SHARE = 0.25  # a row or column seeds the moving box if its change is this share of the strongest
GROW_CHANGE = 0.1  # the box grows over rows and columns that change at least this much (still chrome: 0) ...
GROW_DETAIL = 0.2  # ... and keep this share of the seed's fine detail (a blurred fill has little) ...
GROW_STOP_SEAM = 0.8  # ... up to a boundary this much of which is seam
SEAM_FRAMES = 16  # frames of a stretch it is measured on (evenly spread)
SEAM_CORRELATION = 0.3  # neighbouring pixels whose changes correlate less than this lie on a seam ...
SEAM_MOTION = 2.0  # ... if both of them change by this many grey levels per frame (not noise on still chrome)
SEAM_EDGE_LEVELS = 12.0  # or: an edge of at least this many grey levels (mean over the stretch) ...
SEAM_EDGE_RATIO = 2.5  # ... this many times the gradient on either side of it
SPLIT_MIN = 0.6  # share of a middle line that must be seam to split the box (duet, grid) ...
SPLIT_SEARCH = 2  # ... searched this many pixels either side of the middle
SPLIT_OVER_OTHERS = 2.0  # ... and that share must be this many times the median of the box's other lines
SPLIT_STRONG = 0.9  # ... or, a line seam along this share of it (a grid's middle beside busy footage, whose own
SPLIT_STRONG_OVER = 1.5  # lines are half seam), this many times
SPLIT_KNOWN = 0.3  # a middle line must cross picture (not bars on both sides) on this share of its length
SPLIT_MIN_OTHERS = 8  # ... and stand out among at least this many other lines that do
BLANK_DETAIL = 1.0  # a pixel with less fine detail than this ...
BLANK_CHANGE = 0.5  # ... that changes less than this is blank (bars, flat chrome): no seam shows there
EDGE_MIN_RUN = 0.16  # a seam line of a rectangle runs at least this share of the side
RECT_SIDE_SEAM = 0.85  # share of each inner side of a rectangle that is seam
RECT_MAX_SIDE = 0.7  # a rectangle of seams is a picture-in-picture: smaller than the picture both ways (a band
# between chrome or captions is not one)
BAND_SEAM = 0.95  # a band's sides are seam along this share of the picture's width (or height)
BAND_BARS = 0.85  # ... and hold no line this much of which is bars (chrome, the bars around another clip)
REGION_MIN_MOTION = 0.5  # a rectangle's mean change is at least this share of the moving box's
TRIM_BLANK_SHARE = 0.95  # a line blank along this share of its length is bars: a band between two cells ...
TRIM_LINE_BLANK = 0.9  # ... (its ends aside: the moving clip above a bar's line leaves a few of its pixels
# with detail, which a 32-pixel cell's line counts in sixteenths)
GAP_MOVING_SHARE = 0.3  # a line beside a band of bars is picture if this share of it moves ...
GAP_PICTURE_BLANK = 0.5  # ... or at most this share of it is blank
SNAP_STEPS = 2  # a box's side is moved by up to this many lines to where the clip meets still bars or chrome ...
SNAP_STILL_SPREAD = 1.0  # ... whose pixels' grey levels spread by at most this much over the stretch ...
SNAP_MIN_CONTRAST = 16.0  # ... measured on pixels where the clip and the bars differ this much ...
SNAP_MIN_SHARE = 0.3  # ... along at least this share of the side
CUT_MARGIN = 2  # a split of the whole picture this many lines inside the moving box cuts through its footage
TRIM_DETAIL = 2.5  # ... blank: less fine detail than this (footage has 10-100; a black bar 0-1) and no change

Box4 = tuple[int, int, int, int]


def _laplacian(f: np.ndarray) -> np.ndarray:
    """The 4-neighbour Laplacian of (k, rows, cols) frames, inside their one-pixel border: (k, rows-2, cols-2)."""
    return cast(np.ndarray, 4 * f[:, 1:-1, 1:-1] - f[:, :-2, 1:-1] - f[:, 2:, 1:-1] - f[:, 1:-1, :-2] - f[:, 1:-1, 2:])


def _run(mask: np.ndarray, gap: int = 2) -> tuple[int, int] | None:
    """The longest run of True in ``mask`` (gaps of up to ``gap`` bridged), as [start, stop)."""
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return None
    breaks = np.flatnonzero(np.diff(idx) > gap + 1)
    starts = np.concatenate([[0], breaks + 1])
    stops = np.concatenate([breaks, [len(idx) - 1]])
    k = int(np.argmax(idx[stops] - idx[starts]))
    return int(idx[starts[k]]), int(idx[stops[k]]) + 1


def _grow(run: tuple[int, int], change: np.ndarray, detail: np.ndarray, seam: np.ndarray) -> tuple[int, int]:
    """``run`` of lines grown over its neighbours that still change a little (still chrome does not change at
    all) and keep some of its fine detail (a blurred fill has little), up to a boundary that is mostly seam
    (``seam``: per boundary, the share of it that is)."""
    lo, hi = run
    ok = (change >= GROW_CHANGE) & (detail >= GROW_DETAIL * float(np.median(detail[lo:hi])))
    while lo > 0 and ok[lo - 1] and seam[lo] < GROW_STOP_SEAM:
        lo -= 1
    while hi < len(ok) and ok[hi] and seam[hi] < GROW_STOP_SEAM:
        hi += 1
    return lo, hi


def _moving_box(change: np.ndarray, detail: np.ndarray, pv: np.ndarray, ph: np.ndarray) -> Box4 | None:
    """x0, y0, x1, y1 of the footage: the rows and columns where fine detail changes, grown over the still
    parts of the clip up to seams (``pv``, ``ph``: ``_seams`` of the vertical and horizontal boundaries); None
    when nothing moves."""
    rows = change.mean(axis=1)
    top = float(np.percentile(rows, 95))
    if top < MOTION_FLOOR:
        return None
    ys = _run(rows >= MOTION_SHARE * top, gap=1)
    if ys is None:
        return None
    cols = change[ys[0]:ys[1]].mean(axis=0)
    xs = _run(cols >= MOTION_SHARE * float(np.percentile(cols, 95)), gap=1)
    if xs is None:
        return None
    x0, x1 = _grow(xs, cols, detail[ys[0]:ys[1]].mean(axis=0), pv[ys[0]:ys[1]].mean(axis=0))
    y0, y1 = _grow(ys, change[:, x0:x1].mean(axis=1), detail[:, x0:x1].mean(axis=1), ph[x0:x1].mean(axis=0))
    # a side inside the picture is a line that blends the clip with what surrounds it: leave it out
    rows_n, cols_n = change.shape
    return x0 + (x0 > 0), y0 + (y0 > 0), x1 - (x1 < cols_n), y1 - (y1 < rows_n)


def _seams(f: np.ndarray) -> np.ndarray:
    """(lines, width + 1) bool: boundary b (between pixel b - 1 and b of each line of the (k, lines, width)
    frames) is a seam: its two sides change independently through the stretch (inside one video neighbouring
    pixels change together), or it stands out as an edge much stronger than the gradients beside it. A
    blended pixel on the seam is skipped by also comparing the pixels on either side of it."""
    _, lines, width = f.shape
    d = np.diff(f, axis=0)
    moves = np.abs(d).mean(axis=0) >= SEAM_MOTION
    d = d - d.mean(axis=0)
    energy = (d * d).sum(axis=0)
    grad = np.abs(np.diff(f, axis=2)).mean(axis=0)  # (lines, width - 1): gradient between j and j + 1
    out = np.zeros((lines, width + 1), bool)
    for gap in (1, 2):  # pixel j against pixel j + gap: boundary j + 1 (and j + 2 across a blended pixel)
        num = (d[:, :, :width - gap] * d[:, :, gap:]).sum(axis=0)
        corr = num / (np.sqrt(energy[:, :width - gap] * energy[:, gap:]) + 1e-6)
        independent = (corr < SEAM_CORRELATION) & moves[:, :width - gap] & moves[:, gap:]
        jump = np.abs(f[:, :, gap:] - f[:, :, :width - gap]).mean(axis=0)
        beside = np.zeros_like(jump)
        beside[:, 1:] = grad[:, :width - gap - 1]  # the gradient just before pixel j (inside the left side)
        right = np.zeros_like(jump)
        right[:, :-1] = grad[:, gap:]  # just after pixel j + gap (inside the right side)
        edge = (jump >= SEAM_EDGE_LEVELS) & (jump >= SEAM_EDGE_RATIO * np.maximum(beside, right))
        seam = independent | edge
        for at in range(1, gap + 1):
            out[:, at:width - gap + at] |= seam
    return out


def _split(seam: np.ndarray, blank: np.ndarray, lo: int, hi: int, start: int, stop: int) -> int | None:
    """The boundary near the middle of [start, stop) along which lines [lo, hi) are seam (a duet's or a grid's
    middle), or None. Lines where the boundary lies in blank picture (bars both sides) say nothing: ``blank``."""
    if hi <= lo or stop - start < 4:
        return None
    known = (~blank[lo:hi, start + 1:stop]).sum(axis=0)  # boundaries start + 1 .. stop - 1
    shares = seam[lo:hi, start + 1:stop].sum(axis=0) / np.maximum(known, 1)
    crosses = known >= SPLIT_KNOWN * (hi - lo)
    shares[~crosses] = 0.0
    mid = (start + stop) // 2 - (start + 1)
    near = np.arange(max(0, mid - SPLIT_SEARCH), min(len(shares), mid + SPLIT_SEARCH + 1))
    top = near[shares[near] >= shares[near].max() - 1e-9]
    best = int(top[(len(top) - 1) // 2])  # a sharp edge is seam on the boundaries either side of it too: their middle
    away = np.ones(len(shares), bool)
    away[max(0, best - SPLIT_SEARCH):best + SPLIT_SEARCH + 1] = False
    others = shares[away & crosses]  # the other lines across picture: a seam must stand out among them
    share = float(shares[best])
    over = SPLIT_STRONG_OVER if share >= SPLIT_STRONG else SPLIT_OVER_OTHERS
    if len(others) >= SPLIT_MIN_OTHERS and share >= SPLIT_MIN and share >= over * float(np.median(others)):
        return best + start + 1
    return None


def _gap(bars: np.ndarray, moves: np.ndarray, lo: int, hi: int, start: int, stop: int) -> int | None:
    """Where to split at the band of blank lines (``bars``: (lines, width) bool) in [start, stop), over lines
    [lo, hi), nearest the middle with picture on both sides at least REGION_MIN_SIDE of the width wide: the
    bars between a duet's two videos or a grid's cells (the seams of busy, fast footage are no clear line). A
    line is picture when it moves (``moves``) or little of it is blank: still app chrome (flat blocks, text) is
    mostly blank, so a screen recording's canvas is not split; a still clip has detail all along."""
    share = bars[lo:hi, start:stop].mean(axis=0)
    moving = moves[lo:hi, start:stop].mean(axis=0) >= GAP_MOVING_SHARE
    picture = (share < TRIM_BLANK_SHARE) & (moving | (share <= GAP_PICTURE_BLANK))
    side = max(2, int(REGION_MIN_SIDE * bars.shape[1]))
    if picture.sum() < 2 * side:
        return None
    best: int | None = None
    mid = (stop - start) / 2
    band = np.flatnonzero(share >= TRIM_BLANK_SHARE)
    for run in np.split(band, np.flatnonzero(np.diff(band) > 1) + 1) if len(band) else []:
        left, right = int(run[0]), int(run[-1]) + 1  # the band [left, right)
        if picture[:left].sum() >= side and picture[right:].sum() >= side:
            # the band's edge nearest the middle, one line into it (the cell beside it then loses that line and the
            # blended one as bars): a grid's cell boundary, where a band may be one cell's bars above and a flat
            # cell below, wider than the gap between the pictures
            at = min((left + 1, right - 1), key=lambda e: abs(e - mid))
            if best is None or abs(at - mid) < abs(best - mid):
                best = at
    return None if best is None else best + start


def _cells(pv: np.ndarray, ph: np.ndarray, blank: tuple[np.ndarray, np.ndarray], box: Box4,
           bars: np.ndarray, moves: np.ndarray) -> list[Box4]:
    """``box`` split down its middle, across its middle, or both (a duet, a grid) at a band of bars between
    pictures or else at a seam; [] if none. Split one way only, each half may split the other way on its own (a
    grid whose middle line shows in one column: a letterboxed cell's bars over busy footage, beside a tall clip)."""
    bx0, by0, bx1, by1 = box

    def across(lo: int, hi: int) -> int | None:  # the split of columns [lo, hi) across rows by0..by1
        at = _gap(bars.T, moves.T, lo, hi, by0, by1)
        return at if at is not None else _split(ph, blank[1], lo, hi, by0, by1)

    def down(lo: int, hi: int) -> int | None:  # the split of rows [lo, hi) down columns bx0..bx1
        at = _gap(bars, moves, lo, hi, bx0, bx1)
        return at if at is not None else _split(pv, blank[0], lo, hi, bx0, bx1)

    sx, sy = down(by0, by1), across(bx0, bx1)
    # two columns (or rows): each may split on its own (a grid whose middle line shows in one column only: a
    # letterboxed cell's bars over busy footage)
    if sy is None:
        return [] if sx is None else [c for x0, x1 in ((bx0, sx), (sx, bx1))
                                      for c in _halves((x0, by0, x1, by1), across(x0, x1), horizontal=True)]
    if sx is None:
        return [c for y0, y1 in ((by0, sy), (sy, by1)) for c in _halves((bx0, y0, bx1, y1), down(y0, y1))]
    return [(x0, y0, x1, y1) for y0, y1 in ((by0, sy), (sy, by1)) for x0, x1 in ((bx0, sx), (sx, bx1))]


def _halves(box: Box4, at: int | None, horizontal: bool = False) -> list[Box4]:
    """``box`` split at ``at`` (a row when ``horizontal``, else a column), or whole when None."""
    x0, y0, x1, y1 = box
    if at is None:
        return [box]
    return [(x0, y0, x1, at), (x0, at, x1, y1)] if horizontal else [(x0, y0, at, y1), (at, y0, x1, y1)]


def _cuts(cells: list[Box4], box: Box4) -> bool:
    """A side of one of ``cells`` runs through ``box`` more than CUT_MARGIN lines inside it: the cells of the
    whole picture split the moving footage (the middle of a 9:16 canvas through the clip of a screen recording),
    so they are no duet's cells (a grid whose moving box is one cell has its splits at that box's sides; a split
    both ways, four cells, is a grid whatever the moving box)."""
    x0, y0, x1, y1 = box
    for cx0, cy0, cx1, cy1 in cells:
        if cx0 < x1 and x0 < cx1 and cy0 < y1 and y0 < cy1:  # the cell overlaps the box
            if any(x0 + CUT_MARGIN < x < x1 - CUT_MARGIN for x in (cx0, cx1)) or \
                    any(y0 + CUT_MARGIN < y < y1 - CUT_MARGIN for y in (cy0, cy1)):
                return True
    return False


def _rectangles(pv: np.ndarray, ph: np.ndarray, change: np.ndarray, floor: float) -> list[Box4]:
    """The smallest rectangles (x0, y0, x1, y1) whose sides inside the picture are seam lines, that hold moving
    picture (mean change at least ``floor``), are not too small and narrower and lower than the picture."""
    rows, cols = change.shape
    xs = sorted({0, cols, *_seam_lines(pv, int(rows * EDGE_MIN_RUN))})
    ys = sorted({0, rows, *_seam_lines(ph, int(cols * EDGE_MIN_RUN))})
    if len(xs) + len(ys) > 24:  # seams everywhere: no layout
        return []
    cv = np.vstack([np.zeros((1, cols + 1)), np.cumsum(pv, axis=0)])  # (rows + 1, cols + 1)
    ch = np.vstack([np.zeros((1, rows + 1)), np.cumsum(ph, axis=0)])  # (cols + 1, rows + 1)
    cm = np.zeros((rows + 1, cols + 1))
    cm[1:, 1:] = np.cumsum(np.cumsum(change, axis=0), axis=1)
    xp = np.array([(a, b) for a in xs for b in xs if b - a >= cols * REGION_MIN_SIDE], np.int64).reshape(-1, 2)
    yp = np.array([(a, b) for a in ys for b in ys if b - a >= rows * REGION_MIN_SIDE], np.int64).reshape(-1, 2)
    if len(xp) == 0 or len(yp) == 0:
        return []
    x0, x1 = xp[:, 0][:, None], xp[:, 1][:, None]  # (P, 1) against (1, Q)
    y0, y1 = yp[:, 0][None, :], yp[:, 1][None, :]
    w, h = (x1 - x0).astype(np.float64), (y1 - y0).astype(np.float64)
    ok = (w * h >= REGION_MIN_AREA * rows * cols) & (w <= RECT_MAX_SIDE * cols) & (h <= RECT_MAX_SIDE * rows)
    inner_sides = np.zeros(ok.shape, np.int64)
    worst = np.ones(ok.shape)
    for x in (x0, x1):
        interior = (x > 0) & (x < cols)
        worst = np.where(interior, np.minimum(worst, (cv[y1, x] - cv[y0, x]) / h), worst)
        inner_sides = inner_sides + interior
    for y in (y0, y1):
        interior = (y > 0) & (y < rows)
        worst = np.where(interior, np.minimum(worst, (ch[x1, y] - ch[x0, y]) / w), worst)
        inner_sides = inner_sides + interior
    motion = (cm[y1, x1] - cm[y0, x1] - cm[y1, x0] + cm[y0, x0]) / (w * h)
    keep = ok & (inner_sides >= 2) & (worst >= RECT_SIDE_SEAM) & (motion >= floor)
    pi, qi = np.nonzero(keep)
    found = [(int(xp[p, 0]), int(yp[q, 0]), int(xp[p, 1]), int(yp[q, 1])) for p, q in zip(pi, qi, strict=True)]
    return [b for b in found if not any(o != b and _inside(o, b) for o in found)]


def _bands(seam: np.ndarray, motion: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of the bands across the whole picture between two straight lines that are seam along
    nearly all their length (``seam``: (lines, boundaries)) and that hold moving picture (``motion``: the
    change of each line): a clip across a screen recording's or a 9:16 canvas's width, whose own still parts (a
    sky) keep the moving box from reaching its edges. A blended line gives a run of such boundaries: its middle
    is the edge. Of the parts between the edges inside a band only one may move: two that do are two clips."""
    lines, bounds = seam.shape
    strong = np.flatnonzero(seam.mean(axis=0) >= BAND_SEAM)
    edges = [int(run[len(run) // 2]) for run in np.split(strong, np.flatnonzero(np.diff(strong) > 1) + 1)
             if len(run) and 0 < run[len(run) // 2] < bounds - 1]
    def one_clip(inner: list[int]) -> bool:  # between its edges only one part moves (a still sky over the sea):
        parts = zip(inner[:-1], inner[1:], strict=True)  # two moving parts are two clips stacked
        return sum(float(motion[p:q].mean()) >= MOTION_FLOOR for p, q in parts) == 1
    return [(a, b) for i, a in enumerate(edges) for j, b in enumerate(edges[i + 1:], i + 1)
            if REGION_MIN_SIDE * (bounds - 1) <= b - a <= RECT_MAX_SIDE * (bounds - 1)
            and float(motion[a:b].mean()) >= MOTION_FLOOR and one_clip(edges[i:j + 1])]


def _holds_bars(box: Box4, bars: np.ndarray) -> bool:
    """A row or a column of ``box`` is mostly bars (BAND_BARS of it): chrome or bars inside, not one clip."""
    x0, y0, x1, y1 = box
    inside = bars[y0:y1, x0:x1]
    return bool((inside.mean(axis=1) >= BAND_BARS).any() or (inside.mean(axis=0) >= BAND_BARS).any())


def _seam_lines(seam: np.ndarray, min_run: int) -> list[int]:
    """Boundaries along which ``seam`` ((lines, boundaries)) holds over a run of at least ``min_run`` lines (a
    one-line gap bridged)."""
    s = seam.copy()
    s[1:-1] |= seam[:-2] & seam[2:]
    idx = np.arange(len(s))[:, None]
    last_gap = np.maximum.accumulate(np.where(s, -1, idx), axis=0)
    longest = (idx - last_gap).max(axis=0) if len(s) else np.zeros(s.shape[1], np.int64)
    return [int(b) for b in np.flatnonzero(longest >= min_run) if 0 < b < s.shape[1] - 1]


def _inside(inner: Box4, outer: Box4) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _larger_first(box: Box4) -> int:
    return -(box[2] - box[0]) * (box[3] - box[1])


def _trim_blank(box: Box4, still: np.ndarray) -> Box4:
    """``box`` less the rows and columns at its edges that are blank along nearly all their length (a duet's
    cell holds its clip between bars), and the line that blends the clip into them."""
    x0, y0, x1, y1 = box
    def blank(line: np.ndarray) -> bool:  # its ends cross the cell's other sides: they blend with what lies beyond
        return float((line[1:-1] if len(line) > 4 else line).mean()) >= TRIM_LINE_BLANK
    def edge(*lines: np.ndarray) -> int:  # lines of bars at a side: the side's own line may be no bar only for
        # the edge against the next cell's picture beside it (a grid's letterboxed cell over a bright one), and, at
        # the cell's own side, the line inside it too, where the split lies a line past that edge
        return next((k + 1 for k, line in enumerate(lines) if blank(line)), 0)
    reach = {side: 3 for side in "tblr"}  # lines looked into at each side: three at first, then two
    while y1 - y0 > 4 and (step := edge(*(still[y0 + k, x0:x1] for k in range(reach["t"])))):
        y0, reach["t"] = y0 + step, 2
    while y1 - y0 > 4 and (step := edge(*(still[y1 - 1 - k, x0:x1] for k in range(reach["b"])))):
        y1, reach["b"] = y1 - step, 2
    while x1 - x0 > 4 and (step := edge(*(still[y0:y1, x0 + k] for k in range(reach["l"])))):
        x0, reach["l"] = x0 + step, 2
    while x1 - x0 > 4 and (step := edge(*(still[y0:y1, x1 - 1 - k] for k in range(reach["r"])))):
        x1, reach["r"] = x1 - step, 2
    bx0, by0, bx1, by1 = box
    return x0 + (x0 > bx0), y0 + (y0 > by0), x1 - (x1 < bx1), y1 - (y1 < by1)


def _snap_side(mean: np.ndarray, spread: np.ndarray, edge: int, out: int, lo: int, hi: int) -> int:
    """Side ``edge`` of a box (its outermost line, over lines [lo, hi) of the other axis) moved by up to
    SNAP_STEPS lines where the picture beyond it is still (bars, chrome: ``spread``, each pixel's grey-level
    spread over the stretch, near 0). The line that the clip's edge crosses blends the clip with the bars, and
    its share of the clip is how far its grey level (``mean``: each pixel's over the stretch) lies from the bars'
    towards the clip's, taken from the line next to it inside (neighbouring lines of footage look alike; a still
    sky alike too, where the moving box stops short of the clip). The side is the last line that is at least half
    clip (``out``: -1 or 1, the direction out of the box)."""
    n = len(mean)
    def share(line: int) -> float | None:  # of the clip in ``line``, against the line inside it; None: unknown
        beyond = [b for b in (line + out, line + 2 * out) if 0 <= b < n]
        inner = line - out
        if not beyond or not 0 <= inner < n or not 0 <= line < n:
            return None
        still = min(beyond, key=lambda b: float(spread[b, lo:hi].mean()))  # past a blended line
        if float(spread[still, lo:hi].mean()) > SNAP_STILL_SPREAD:
            return None  # what lies beyond the clip changes: no bars to measure against
        contrast = mean[inner, lo:hi] - mean[still, lo:hi]
        ok = np.abs(contrast) >= SNAP_MIN_CONTRAST
        if ok.sum() < SNAP_MIN_SHARE * (hi - lo):
            return None
        return float(np.median((mean[line, lo:hi][ok] - mean[still, lo:hi][ok]) / contrast[ok]))
    for _ in range(SNAP_STEPS):
        grown = share(edge + out)
        if grown is not None and grown >= 0.5:
            edge += out
            continue
        own = share(edge)
        if own is not None and own < 0.5:
            edge -= out
            continue
        break
    return edge


def _snap(box: Box4, mean: np.ndarray, spread: np.ndarray) -> Box4:
    """``box`` with each side inside the picture on the line where the clip gives way to still bars or chrome
    (``_snap_side``): at 64 pixels a box one line too large or too small hashes 6-12 bits from the clip."""
    x0, y0, x1, y1 = box
    y0 = _snap_side(mean, spread, y0, -1, x0, x1)
    y1 = _snap_side(mean, spread, y1 - 1, 1, x0, x1) + 1
    x0 = _snap_side(mean.T, spread.T, x0, -1, y0, y1)
    x1 = _snap_side(mean.T, spread.T, x1 - 1, 1, y0, y1) + 1
    return x0, y0, x1, y1


def window_regions(frames: np.ndarray) -> list[Box4]:
    """The regions (x0, y0, x1, y1: pixels, x1 and y1 exclusive) where footage plays in one stretch of
    consecutive (k, rows, cols) grey frames, at most REGION_SLOTS, in the order they were found in."""
    k, rows, cols = frames.shape
    if k < REGION_MIN_FRAMES or rows < 8 or cols < 8:
        return []
    # up to SEAM_FRAMES frames spread over the stretch say what moves (and cost half the work of all 32)
    f = frames[np.unique(np.linspace(0, k - 1, min(k, SEAM_FRAMES)).round().astype(int))].astype(np.float32)
    lap = _laplacian(f)
    change = np.pad(np.abs(np.diff(lap, axis=0)).mean(axis=0), 1, mode="edge")
    if float(np.percentile(change.mean(axis=1), 95)) < MOTION_FLOOR:
        return []  # nothing moves
    pv = _seams(f)  # (rows, cols + 1): vertical boundaries
    ph = _seams(f.transpose(0, 2, 1))  # (cols, rows + 1): horizontal boundaries
    detail = np.pad(np.abs(lap).mean(axis=0), 1, mode="edge")
    moving = _moving_box(change, detail, pv, ph)
    if moving is None:
        return []
    area = rows * cols
    mx0, my0, mx1, my1 = moving
    full = (0, 0, cols, rows)
    base = moving if (mx1 - mx0) * (my1 - my0) <= REGION_MAX_AREA * area else full
    # a duet's or a grid's middle seams: of the whole picture (one video may move much more than the other, so
    # the moving box may be one cell), and of the moving box (a duet inside a screen recording)
    still = (detail < BLANK_DETAIL) & (change < BLANK_CHANGE)  # bars, flat chrome: no seam can show there
    blank_v = np.ones((rows, cols + 1), bool)
    blank_v[:, 1:cols] = still[:, :-1] & still[:, 1:]
    blank_h = np.ones((cols, rows + 1), bool)
    blank_h[:, 1:rows] = (still[:-1] & still[1:]).T
    bars = (detail < TRIM_DETAIL) & (change < BLANK_CHANGE)  # as blank, with the scaler's faint edge lines
    cells: list[Box4] = []
    for b in dict.fromkeys([full, base]):
        split = _cells(pv, ph, (blank_v, blank_h), b, bars, change >= BLANK_CHANGE)
        if b == base or len(split) == 4 or not _cuts(split, base):
            cells += [_trim_blank(c, bars) for c in split]
    floor = max(MOTION_FLOOR, REGION_MIN_MOTION * float(change[my0:my1, mx0:mx1].mean()))
    if base != full:  # the rows of a duet's other video seed the moving box: its own clip's bars are no part of it
        base = _trim_blank(base, bars)
    bands = [(0, y0, cols, y1) for y0, y1 in _bands(ph, change.mean(axis=1))] + \
        [(x0, 0, x1, rows) for x0, x1 in _bands(pv, change.mean(axis=0))]
    # the moving box grown over the clip's still parts past edges inside it too (a horizon stops the first)
    whole = _moving_box(change, detail, np.zeros_like(pv), np.zeros_like(ph))
    solid = [b for b in sorted(bands, key=_larger_first) + ([whole] if whole else []) if not _holds_bars(b, bars)]
    candidates = [*cells, base, *solid,
                  *sorted(_rectangles(pv, ph, change, floor), key=_larger_first)]
    mean, spread = f.mean(axis=0), f.std(axis=0)
    picks: list[Box4] = []
    for box in (_snap(b, mean, spread) for b in candidates):
        w, h = box[2] - box[0], box[3] - box[1]
        if w < cols * REGION_MIN_PICK_SIDE or h < rows * REGION_MIN_PICK_SIDE:
            continue
        if not REGION_MIN_AREA <= w * h / area <= REGION_MAX_AREA:
            continue
        if picks and bool((box_iou(picks, box) >= SAME_BOX_IOU).any()):
            continue
        picks.append(box)
        if len(picks) == REGION_SLOTS:
            break
    return picks


def place(boxes: Sequence[Box4 | None], last: Sequence[Box4 | None]) -> list[int]:
    """The slot of each of ``boxes`` (None: an empty one) given the ``last`` box each slot held (None: none
    yet): the slot whose last box it overlaps most (at least SAME_BOX_IOU: the same region), else the free slot
    whose last box it overlaps most, else the first free slot that never held a box, else the first free one.
    At most REGION_SLOTS boxes."""
    slots: list[int | None] = [None] * len(boxes)
    known = [i for i, b in enumerate(boxes) if b is not None]
    held = [j for j, b in enumerate(last) if b is not None]
    if known and held:
        iou = box_iou(np.array([boxes[i] for i in known])[:, None, :], np.array([last[j] for j in held])[None, :, :])
        for floor in (SAME_BOX_IOU, 1e-9):  # the same regions first, then ones that moved or grew
            for flat in np.argsort(-iou, axis=None, kind="stable"):
                i, j = divmod(int(flat), len(held))
                if iou[i, j] < floor:
                    break
                if slots[known[i]] is None and held[j] not in slots:
                    slots[known[i]] = held[j]
    free = sorted((j for j in range(REGION_SLOTS) if j not in slots), key=lambda j: last[j] is not None)
    return [slot if slot is not None else free.pop(0) for slot in slots]


def region_boxes(frames: np.ndarray) -> np.ndarray:
    """(n, REGION_SLOTS) packed boxes (``picture.pack_box``; 0: no region in that slot) for (n, rows, cols)
    consecutive grey frames, found per stretch of about REGION_WINDOW_FRAMES frames; a region keeps its slot
    from stretch to stretch (``place``)."""
    n = len(frames)
    out = np.zeros((n, REGION_SLOTS), np.uint32)
    if frames.ndim != 3 or n < REGION_MIN_FRAMES:
        return out
    last: list[Box4 | None] = [None] * REGION_SLOTS
    for idx in np.array_split(np.arange(n), max(1, n // REGION_WINDOW_FRAMES)):
        picks = window_regions(frames[idx])
        for slot, box in zip(place(picks, last), picks, strict=True):
            out[idx, slot] = pack_box(*box)
            last[slot] = box
    return out


__all__ = ["REGION_SLOTS", "place", "region_boxes", "window_regions"]
