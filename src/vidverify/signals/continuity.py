"""Continuity of one file's pictures: shot boundaries, the frames that best show each shot, and the frame-level
signs of tampering (a picture held, duplicated frames beyond the stream's cadence, frames dropped).

Pure numpy over small per-frame signals that :func:`frame_signals` computes from each decoded batch (the 64x64
grey active picture the decoder hands the fingerprint hasher), so a file is decoded once however long it is:

    parts = decode.map_batches(path, frame_signals)      # media/decode.py, in the decoder threads
    sig = join_signals(parts)                             # per-frame arrays, boundaries between batches filled in
    shots = find_shots(sig)                               # first frame of every shot
    picks = pick_keyframes(sig, shots, cap=...)            # the sharpest representative frames
    found = find_anomalies(sig, shots)                     # held / duplicated / dropped frames

The signals per frame: time, mean and spread of luma, sharpness (gradient energy), a 16-bin luma histogram, an 8x8
thumbnail, and the mean absolute difference to the frame before (``d1``) and the one before that (``d2``) at 64x64.

Shots. A hard cut is a frame whose difference to the one before stands far above the differences around it
(``CUT_RATIO`` times the local level, as PySceneDetect's AdaptiveDetector), is large in itself, and is not a flash
(the frame after it does not return to the frame before). A gradual transition (a cross-fade, a fade through
black) is a stretch whose ends differ as across a cut while no single step does, and whose middle frame is a
blend of its ends; its boundary is put at its middle. Anomalies are named by :class:`Kind` (the pipeline maps them
to the finding codes of ``evidence/codes.py``).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .fingerprint import FrameBatch

THUMB = 8  # side of the per-frame thumbnail kept for comparisons across many frames
BINS = 16  # luma histogram bins
FLAT_STD = 6.0  # grey-level spread under which a picture is flat (black, white, one colour): a fade's dip
DIP_CONTRAST = 0.35  # ... and under this share of the spread of the pictures around it
DIP_DARK, DIP_BRIGHT = 60.0, 190.0  # grey levels: a dip's flattest picture is darker or brighter than these
FADE_STEP = 0.3  # grey levels per frame: a fade into or out of a dip changes the brightness at least this
NORM_STD = 50.0  # the spread pictures are brought to before their motion is measured (``dn``)


# ------------------------------------------------------------------------------------------ per-frame signals


def _mad(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean absolute difference per frame pair (grey levels)."""
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16)).reshape(len(a), -1)
    return np.asarray(diff.mean(axis=1), np.float32)


def _normalised(pic: np.ndarray) -> np.ndarray:
    """Each picture at 32x32 with its mean taken away and its spread brought to NORM_STD grey levels (a fade's
    change of brightness and contrast cancels out; motion does not). Flat pictures stay flat."""
    n = len(pic)
    small = pic.astype(np.float32).reshape(n, pic.shape[1] // 2, 2, pic.shape[2] // 2, 2).mean(axis=(2, 4))
    flat = small.reshape(n, -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    std = flat.std(axis=1, keepdims=True)
    return np.asarray(flat * (NORM_STD / np.maximum(std, FLAT_STD)), np.float32)


def frame_signals(batch: FrameBatch) -> dict[str, np.ndarray]:
    """The continuity signals of one decoded batch (runs in the decoder threads; small results only).

    ``d1``/``d2`` of the batch's first frames are NaN (their neighbours are in the batch before:
    :func:`join_signals` fills them from ``head``/``tail``, the batch's first and last two 64x64 pictures)."""
    pic = batch.detail if batch.detail is not None else np.repeat(np.repeat(batch.frames, 2, 1), 2, 2)
    n, side = len(pic), pic.shape[1]
    f = pic.astype(np.float32)
    gx, gy = np.diff(f, axis=2), np.diff(f, axis=1)
    sharp = (np.abs(gx).mean(axis=(1, 2)) + np.abs(gy).mean(axis=(1, 2))).astype(np.float32)
    k = side // THUMB
    thumb = f.reshape(n, THUMB, k, THUMB, k).mean(axis=(2, 4)).round().astype(np.uint8)
    # every frame's 16-bin histogram in one bincount (each frame's bins offset by its index), no loop per frame
    bins = (pic.reshape(n, -1) >> 4).astype(np.intp) + (np.arange(n, dtype=np.intp) * BINS)[:, None]
    hist = np.bincount(bins.ravel(), minlength=n * BINS).reshape(n, BINS).astype(np.uint16)
    d1 = np.full(n, np.nan, np.float32)
    d2 = np.full(n, np.nan, np.float32)
    dn = np.full(n, np.nan, np.float32)
    dn2 = np.full(n, np.nan, np.float32)
    z = _normalised(pic)
    if n > 1:
        d1[1:] = _mad(pic[1:], pic[:-1])
        dn[1:] = np.abs(z[1:] - z[:-1]).mean(axis=1)
    if n > 2:
        d2[2:] = _mad(pic[2:], pic[:-2])
        dn2[2:] = np.abs(z[2:] - z[:-2]).mean(axis=1)
    return {"times": np.asarray(batch.times, np.float64), "mean": f.mean(axis=(1, 2)).astype(np.float32),
            "std": f.reshape(n, -1).std(axis=1).astype(np.float32), "sharp": sharp, "thumb": thumb, "hist": hist,
            "d1": d1, "d2": d2, "dn": dn, "dn2": dn2, "head": pic[:2].copy(), "tail": pic[-2:].copy()}


@dataclass(frozen=True)
class Signals:
    """Per-frame continuity signals of a whole file (see the module's docstring)."""

    times: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    sharp: np.ndarray
    thumb: np.ndarray  # (n, THUMB, THUMB) uint8
    hist: np.ndarray  # (n, BINS) pixel counts
    d1: np.ndarray  # difference to the frame before (0 for the first frame)
    d2: np.ndarray  # difference to the frame two before (0 for the first two)
    dn: np.ndarray  # difference to the frame before once both are normalised (motion, not fades)
    dn2: np.ndarray  # the same to the frame two before

    def __len__(self) -> int:
        return len(self.times)

    @property
    def step(self) -> float:
        """The stream's usual frame duration (seconds): the median spacing of the frame times."""
        return float(np.median(np.diff(self.times))) if len(self.times) > 1 else 1 / 30

    @property
    def fps(self) -> float:
        return 1.0 / self.step if self.step > 0 else 30.0


def join_signals(parts: Sequence[dict[str, np.ndarray]]) -> Signals:
    """The batches' signals as one file's, the differences across batch boundaries filled in."""
    parts = [p for p in parts if len(p["times"])]
    if not parts:
        z = np.zeros(0, np.float32)
        return Signals(np.zeros(0), z, z, z, np.zeros((0, THUMB, THUMB), np.uint8), np.zeros((0, BINS), np.uint16),
                       z, z, z, z)
    d1s, d2s, dns, dn2s = [], [], [], []
    prev: np.ndarray | None = None  # the last (up to) two pictures before this batch
    for p in parts:
        d1, d2, dn, dn2, head = (p["d1"].copy(), p["d2"].copy(), p["dn"].copy(), p["dn2"].copy(), p["head"])
        if prev is None:
            d1[0] = dn[0] = 0.0
            d2[:2] = dn2[:2] = 0.0
        else:
            d1[0] = _mad(head[:1], prev[-1:])[0]
            z = _normalised(np.concatenate([prev, head]))  # the two pictures before, then this batch's first
            k = len(prev)
            dn[0] = np.abs(z[k] - z[k - 1]).mean()
            dn2[0] = np.abs(z[k] - z[k - 2]).mean() if k > 1 else dn[0]
            if len(head) > 1:
                dn2[1] = np.abs(z[k + 1] - z[k - 1]).mean()
            d2[0] = _mad(head[:1], prev[-2:-1])[0] if len(prev) > 1 else d1[0]
            if len(d2) > 1:
                d2[1] = _mad(head[1:2], prev[-1:])[0]
        d1s.append(d1)
        d2s.append(d2)
        dns.append(dn)
        dn2s.append(dn2)
        prev = np.concatenate([prev, p["tail"]])[-2:] if prev is not None else p["tail"]

    def cat(key: str) -> np.ndarray:
        return np.concatenate([p[key] for p in parts])

    return Signals(cat("times"), cat("mean"), cat("std"), cat("sharp"), cat("thumb"), cat("hist"),
                   np.concatenate(d1s), np.concatenate(d2s), np.concatenate(dns),
                   np.concatenate(dn2s))


# ------------------------------------------------------------------------------------------------ shots

CUT_MIN = 18.0  # grey levels (64x64 mean absolute difference): the least step that can be a hard cut
CUT_RATIO = 3.0  # a cut's step is at least this many times the steps around it
CUT_COARSE = 18.0  # grey levels (8x8 thumbnails): a cut changes the coarse picture at least this much ...
CUT_TONES = 0.3  # ... or this share of the luma histogram
CUT_WINDOW_S = 0.1  # seconds each side whose steps are "around" a frame (at least 2 frames)
TONES_WINDOW_S = 1.2  # seconds each side whose tone changes a tone shift stands above ...
TONES_RATIO = 2.0  # ... this many times over (the largest), with CUT_TONES at least: a cut in jerky footage
FLASH_RETURN = 0.5  # a frame the next one returns from (the step over both < this x the step in) is a flash
MIN_SHOT_S = 0.4  # shots shorter than this are merged into the one before (a boundary needs room on both sides)
BLEND_MIN = 14.0  # grey levels (8x8 thumbnails): the change across a gradual transition, at least
BLEND_RESIDUAL = 0.3  # the middle frame of a cross-fade is the mean of its ends to within this share of the change
BLEND_FIT = 0.2  # ... and every frame of it a blend of the ends to within this share (on average)
BLEND_CONTRAST = 1.5  # the change across a transition is this many times the change just outside it
FADE_WIDTHS_S = (0.12, 0.2, 0.32, 0.5, 0.8)  # half-lengths of the cross-fades looked for (seconds)


def _local_level(d: np.ndarray, w: int) -> np.ndarray:
    """For each frame, the mean of ``d`` over the ``w`` frames each side (the frame itself left out)."""
    n = len(d)
    c = np.concatenate([[0.0], np.cumsum(d, dtype=np.float64)])
    i = np.arange(n)
    lo, hi = np.maximum(i - w, 0), np.minimum(i + w + 1, n)
    total = c[hi] - c[lo] - d
    count = hi - lo - 1
    return np.asarray(total / np.maximum(count, 1), np.float32)


def _local_percentile(d: np.ndarray, w: int, q: float) -> np.ndarray:
    """For each frame, the ``q`` percentile of ``d`` over the ``w`` frames each side (the frame itself and NaNs
    left out; 0 where nothing is left)."""
    n = len(d)
    if not n:
        return np.zeros(0)
    pad = np.concatenate([np.full(w, np.nan), d, np.full(w, np.nan)])
    win = np.lib.stride_tricks.sliding_window_view(pad, 2 * w + 1).copy()
    win[:, w] = np.nan
    win[np.isnan(win).all(axis=1)] = 0.0
    return np.asarray(np.nanpercentile(win, q, axis=1), np.float64)


def _sides(d: np.ndarray, w: int, q: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each frame, the ``q`` percentile of ``d`` over the ``w`` frames before it and over the ``w`` after it
    (NaN where a side has nothing), and how many values each side has (NaNs left out)."""
    pad = np.concatenate([np.full(w, np.nan), d, np.full(w, np.nan)])
    win = np.lib.stride_tricks.sliding_window_view(pad, 2 * w + 1)
    out: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for part in (win[:, :w], win[:, w + 1:]):
        count = (~np.isnan(part)).sum(axis=1)
        filled = np.where((count == 0)[:, None], 0.0, part)
        out.append(np.where(count == 0, np.nan, np.nanpercentile(filled, q, axis=1)))
        counts.append(count)
    return out[0], out[1], counts[0], counts[1]


def hard_cuts(sig: Signals) -> np.ndarray:
    """Frames whose step from the frame before is a hard cut (see the module's docstring)."""
    d1, d2 = sig.d1.astype(np.float64), sig.d2.astype(np.float64)
    n = len(d1)
    if n < 2:
        return np.zeros(0, np.int64)
    w = max(2, round(CUT_WINDOW_S * sig.fps))
    # the steps around, repeated pictures left out: footage drawn at a lower rate (an animation on twos or
    # threes) changes every few frames, each change as large as the last
    moved = d1 > STILL_STEP
    level = _local_level(np.where(moved, d1, 0.0), w) / np.maximum(_local_level(moved.astype(np.float64), w), 1e-3)
    level = np.where(_local_level(moved.astype(np.float64), w) > 0, level, 0.0)
    cand = (d1 >= CUT_MIN) & (d1 >= CUT_RATIO * level)
    cand[0] = False
    nxt = np.r_[d2[1:], np.inf]  # the step from frame i-1 to frame i+1
    cand &= nxt >= FLASH_RETURN * d1
    # the coarse picture or its tones change as across a cut: a jump within a shot (frames dropped) keeps both
    th = sig.thumb.reshape(n, -1).astype(np.float32)
    coarse = np.r_[0.0, np.abs(np.diff(th, axis=0)).mean(axis=1)]
    hist = sig.hist.astype(np.float32) / max(float(sig.hist[0].sum()), 1.0)
    tones = np.r_[0.0, np.abs(np.diff(hist, axis=0)).sum(axis=1) / 2]
    cand &= (coarse >= CUT_COARSE) | (tones >= CUT_TONES)
    # or the step changes the picture's tones far more than any step around it, however much those move:
    # footage redrawn every frame or two (a cellular animation, jerky motion) changes as much at each step as at
    # a cut, but keeps its tones from one step to the next
    wt = max(2, round(TONES_WINDOW_S * sig.fps))
    shift = (d1 >= CUT_MIN) & (tones >= CUT_TONES) & (tones >= TONES_RATIO * _local_percentile(tones, wt, 100))
    shift &= nxt >= FLASH_RETURN * d1
    shift[0] = False
    return np.flatnonzero(cand | shift)


def flat_runs(sig: Signals) -> list[tuple[int, int]]:
    """Runs [start, end) of flat pictures: spread under FLAT_STD and under DIP_CONTRAST x the spread of the
    pictures within a second on each side, which are clearly not flat, and black or white at its flattest (black
    in a dark, low-contrast clip is not a dip: the clip is; nor is a plain wall in the middle of a pan)."""
    flat = sig.std < FLAT_STD
    out: list[tuple[int, int]] = []
    i, n = 0, len(flat)
    near = max(2, round(sig.fps))
    while i < n:
        if not flat[i]:
            i += 1
            continue
        j = i
        while j < n and flat[j]:
            j += 1
        sides = [float(side.max()) for side in (sig.std[max(0, i - near):i], sig.std[j:j + near]) if len(side)]
        level = float(np.median(sig.std[i:j]))
        flattest = int(i + np.argmin(sig.std[i:j]))
        extreme = not DIP_DARK < sig.mean[flattest] < DIP_BRIGHT  # black or white, not a plain wall
        if extreme and (not sides or (level <= DIP_CONTRAST * min(sides) and min(sides) >= 3 * FLAT_STD)):
            out.append((i, j))
        i = j
    return out


def dips(sig: Signals, runs: list[tuple[int, int]] | None = None) -> list[tuple[int, int, int]]:
    """Flat runs with pictures on both sides (a fade through black or white): (start, end, boundary). The fade
    reaches out from the run as far as the brightness keeps moving away from the run's (the fade out before it,
    the fade in after); the boundary is the middle of that whole transition."""
    out = []
    for s, e in flat_runs(sig) if runs is None else runs:
        if s > 0 and e < len(sig):
            # how far each picture's brightness is from the dip's black (or white)
            away = np.abs(sig.mean.astype(np.float64) - float(sig.mean[s + int(np.argmin(sig.std[s:e]))]))
            left, right = s, e - 1
            while left > 0 and away[left - 1] > away[left] + FADE_STEP:
                left -= 1
            while right + 1 < len(away) and away[right + 1] > away[right] + FADE_STEP:
                right += 1
            out.append((s, e, (left + right + 1) // 2))
    return out


def _thumb_mad(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.abs(a - b).reshape(len(a), -1).mean(axis=1), np.float32)


def _norm_thumbs(th: np.ndarray) -> np.ndarray:
    t = th - th.mean(axis=1, keepdims=True)
    return np.asarray(t * (NORM_STD / np.maximum(t.std(axis=1, keepdims=True), FLAT_STD)), np.float32)


def cross_fades(sig: Signals, taken: np.ndarray) -> list[int]:
    """Middle frames of gradual transitions between two different pictures (no single step a cut): for each
    half-length ``w``, the frames ``c`` whose ends ``c - w`` and ``c + w`` differ by at least BLEND_MIN (and not
    only in brightness: a fade in or out of one picture is no boundary) while the frame itself is their blend and
    the picture changes much less just outside; of overlapping ones, the clearest; its boundary is the frame half
    way from one end's picture to the other's."""
    th = sig.thumb.reshape(len(sig), -1).astype(np.float32)
    nt = _norm_thumbs(th)
    solid = np.ones(len(sig), bool)
    for s, e in flat_runs(sig):
        solid[max(0, s - 1):e + 1] = False
    n = len(th)
    hits: list[tuple[int, int, float]] = []  # (start, end, clearness)
    for ws in FADE_WIDTHS_S:
        w = max(2, round(ws * sig.fps))
        if n <= 6 * w:
            continue
        c = np.arange(3 * w, n - 3 * w)
        a, b, m = th[c - w], th[c + w], th[c]
        span = _thumb_mad(a, b)
        resid = _thumb_mad(m, (a + b) / 2)
        # the change over as many frames just before and just after (a steady zoom or pan changes as much)
        outside = np.maximum(_thumb_mad(th[c - 3 * w], a), _thumb_mad(b, th[c + 3 * w]))
        ok = (span >= BLEND_MIN) & (resid <= BLEND_RESIDUAL * span) & (span >= BLEND_CONTRAST * outside)
        ok &= solid[c - w] & solid[c + w] & (_thumb_mad(nt[c - w], nt[c + w]) >= BLEND_MIN)
        for k in np.flatnonzero(ok):
            if _blend_residual(th, int(c[k] - w), int(c[k] + w)) <= BLEND_FIT:
                hits.append((int(c[k] - w), int(c[k] + w), float(span[k] / max(outside[k], 1.0))))
    hits.sort()
    groups: list[list[tuple[int, int, float]]] = []
    for h in hits:
        if groups and h[0] <= max(g[1] for g in groups[-1]):
            groups[-1].append(h)
        else:
            groups.append([h])
    out: list[int] = []
    for g in groups:
        s, e, _ = max(g, key=lambda h: h[2])
        w = (e - s) // 2
        lo, hi = max(0, g[0][0] - 2 * w), max(h[1] for h in g) + 2 * w
        if taken.size and np.any((taken > g[0][0]) & (taken <= hi - 2 * w)) or not solid[lo:hi + 1].all():
            continue  # a hard cut inside, or a fade in or out of a dip: those are the boundary
        out.append(_half_way(th, g[0][0], max(h[1] for h in g)))
    return out


def _blend_residual(th: np.ndarray, s: int, e: int) -> float:
    """How far the frames between ``s`` and ``e`` are from blends of the two (each at its best mix, as a share of
    the change between them): a cross-fade's frames are blends; a zoom's or a pan's are not."""
    a, d = th[s], th[e] - th[s]
    seg = th[s + 1:e] - a
    alpha = np.clip((seg @ d) / max(float(d @ d), 1e-6), 0.0, 1.0)
    off = np.abs(seg - alpha[:, None] * d).mean(axis=1)
    return float(off.mean() / max(float(np.abs(d).mean()), 1e-6))


def _half_way(th: np.ndarray, s: int, e: int) -> int:
    """The first frame in (s, e] that is at least half way from the picture at ``s`` to the one at ``e`` (its
    projection on the line between them: motion across that line does not move the middle)."""
    a, b = th[s], th[min(e, len(th) - 1)]
    d = b - a
    alpha = ((th[s + 1:e + 1] - a) @ d) / max(float(d @ d), 1e-6)
    past = np.flatnonzero(alpha >= 0.5)
    return int(s + 1 + past[0]) if len(past) else (s + e + 1) // 2


def find_shots(sig: Signals) -> list[int]:
    """First frame of every shot after the first: hard cuts, the middles of dips to black (or white) and of
    cross-fades. Boundaries closer than MIN_SHOT_S: hard cuts and dips first, then cross-fades where room is left."""
    runs = flat_runs(sig)
    inside = np.zeros(len(sig) + 1, bool)  # steps into, within and out of a flat run are its edges, not cuts
    for s, e in runs:
        inside[max(0, s - 1) if s else 0:e + 1] = True
        if s == 0:
            inside[0:e + 1] = True  # out of an opening black
    cuts = [int(c) for c in hard_cuts(sig) if not inside[c]]
    firm = sorted(cuts + [b for _, _, b in dips(sig, runs)])
    gradual = cross_fades(sig, np.array(firm, np.int64))
    gap = max(2, round(MIN_SHOT_S * sig.fps))
    out: list[int] = []
    for group in (firm, sorted(gradual)):
        for f in group:
            if f >= gap // 2 and len(sig) - f >= 2 and all(abs(f - o) >= gap for o in out):
                out.append(f)
    return sorted(out)


# ------------------------------------------------------------------------------------------------ keyframes

LONG_SHOT_S = 10.0  # a shot gets one more keyframe for every this many seconds
EDGE_S = 0.2  # keyframes keep this far from a shot's ends (a fade's frames show two pictures)


def shot_ranges(n: int, boundaries: Sequence[int]) -> list[tuple[int, int]]:
    """Shots as frame ranges [start, end) from their boundaries (first frames of the shots after the first)."""
    edges = [0, *[b for b in boundaries if 0 < b < n], n]
    return [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]


def _keyframe_counts(shots: Sequence[tuple[int, int]], step: float, cap: int) -> list[int]:
    """How many keyframes each shot gets: one per LONG_SHOT_S begun, at most ``cap`` in all (one per shot first,
    the longest shots when there are more shots than ``cap``; then the extra ones of long shots, spread evenly)."""
    wanted = [1 + int((b - a) * step // LONG_SHOT_S) for a, b in shots]
    order = sorted(range(len(shots)), key=lambda k: -(shots[k][1] - shots[k][0]))
    count = [0] * len(shots)
    for k in order[:cap]:
        count[k] = 1
    left = cap - sum(count)
    extra = sum(w - 1 for w in wanted)
    if left > 0 and extra:
        share = min(1.0, left / extra)
        for k in range(len(shots)):
            if count[k]:
                count[k] += int((wanted[k] - 1) * share)
    return count


def pick_keyframes(sig: Signals, shots: Sequence[tuple[int, int]], cap: int) -> list[tuple[int, int]]:
    """(frame, shot) pairs, in time order: per shot one keyframe per LONG_SHOT_S begun, each the sharpest
    steady frame (sharpness over motion) of its part of the shot, flat pictures and the shot's edges avoided.
    At most ``cap`` in all: one per shot first (the longest shots when there are more shots than ``cap``),
    then the extra ones of long shots, spread evenly."""
    if not shots or cap < 1:
        return []
    count = _keyframe_counts(shots, sig.step, cap)
    score = sig.sharp / (1.0 + sig.dn) * np.where(sig.std < FLAT_STD, 0.01, 1.0)
    edge = max(1, round(EDGE_S * sig.fps))
    out: list[tuple[int, int]] = []
    for k, (a, b) in enumerate(shots):
        lo, hi = (a + edge, b - edge) if b - a > 3 * edge else (a, b)
        for p in range(count[k]):
            s = lo + (hi - lo) * p // count[k]
            e = lo + (hi - lo) * (p + 1) // count[k]
            if e > s:
                out.append((s + int(np.argmax(score[s:e])), k))
    return out


STRIP_BITS = 24  # of a pHash's 64: a hard cut changes the hash of the whole picture at least this much ...
STRIP_RATIO = 2.5  # ... and this many times the changes between the frames around it (median) ...
STRIP_LUMA = 8.0  # ... or the brightness jumps by this many grey levels, STRIP_RATIO x 2 times more than around it
STRIP_WINDOW_S = 1.0  # seconds each side that set the level around a frame ...
STRIP_MOVED = 6  # ... from the steps that change the hash more than this many bits (not the repeats between)


def fingerprint_shots(times: np.ndarray, hashes: np.ndarray, luma_mean: np.ndarray) -> list[int]:
    """First frame of every shot after the first, from a dense fingerprint's columns alone (what ``scan`` has for
    the HTML report's keyframe strips: hard cuts only; :func:`find_shots` on ``frame_signals`` finds fades too)."""
    n = len(times)
    if n < 3:
        return []
    h = np.ascontiguousarray(np.asarray(hashes, np.uint64))
    bits = np.unpackbits((h[1:] ^ h[:-1]).view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)
    dist = np.r_[0.0, bits.astype(np.float64)]
    dm = np.r_[0.0, np.abs(np.diff(np.asarray(luma_mean, np.float64)))]
    step = float(np.median(np.diff(times))) or 1 / 30
    w = max(2, round(STRIP_WINDOW_S / step))
    # the level around: the steps that change the picture (footage redrawn every few frames, a cellular
    # animation or a low frame rate, changes in steps as large as a cut's, between repeats)
    moved = dist > STRIP_MOVED
    cut = (dist >= STRIP_BITS) & (dist >= STRIP_RATIO * _local_percentile(np.where(moved, dist, np.nan), w, 50))
    cut |= (dm >= STRIP_LUMA) & (dm >= 2 * STRIP_RATIO * np.maximum(
        _local_percentile(np.where(moved, dm, np.nan), w, 50), 0.5))
    cut[0] = False
    gap = max(2, round(MIN_SHOT_S / step))
    out: list[int] = []
    for f in np.flatnonzero(cut).tolist():
        if f >= gap // 2 and n - f >= 2 and (not out or f - out[-1] >= gap):
            out.append(int(f))
    return out


def strip_frames(times: np.ndarray, boundaries: Sequence[int], luma_std: np.ndarray, cap: int) -> list[int]:
    """Frames for a strip of at most ``cap`` pictures, in time order: as :func:`pick_keyframes` counts them per shot
    (one per shot, the longest first; more for long shots), each the middle of its part of the shot (its edges and
    flat pictures avoided: a fingerprint knows no sharpness)."""
    n = len(times)
    if not n or cap < 1:
        return []
    step = float(np.median(np.diff(times))) if n > 1 else 1 / 30
    shots = shot_ranges(n, boundaries)
    count = _keyframe_counts(shots, step, cap)
    edge = max(1, round(EDGE_S / step)) if step > 0 else 1
    std = np.asarray(luma_std, np.float64)
    out: list[int] = []
    for k, (a, b) in enumerate(shots):
        lo, hi = (a + edge, b - edge) if b - a > 3 * edge else (a, b)
        for p in range(count[k]):
            s, e = lo + (hi - lo) * p // count[k], lo + (hi - lo) * (p + 1) // count[k]
            if e > s:
                mid = (s + e - 1) / 2
                order = sorted(range(s, e), key=lambda i: (std[i] < FLAT_STD, abs(i - mid)))
                out.append(order[0])
    return out


# ------------------------------------------------------------------------------------------------ anomalies


class Kind(enum.Enum):
    """Frame-level anomalies (the pipeline maps them to the finding codes)."""

    DUPLICATED = enum.auto()  # a picture repeated beyond the stream's cadence, for less than FROZEN_S
    FROZEN = enum.auto()  # a picture held for FROZEN_S or more inside moving footage
    DROPPED = enum.auto()  # a jump in motion with no cut and no gap in the timestamps


@dataclass(frozen=True)
class Anomaly:
    kind: Kind
    start: int  # frame: the last before it (held picture: the picture held); see docs/contract.md
    end: int  # frame: the first after it
    detail: dict[str, float | int]


STILL_STEP = 0.5  # grey levels (64x64): a step this small repeats the picture before
MOVING = 1.0  # normalised difference per frame above which footage moves
FROZEN_S = 1.0  # a picture held this long is frozen
AROUND_S = 1.0  # the footage this long before and after a held picture or a jump must move
SETTLE_S = 0.5  # ... leaving out this much after a shot boundary (a cross-fade's frames move)
DROP_RATIO = 2.2  # a jump in motion this many times the motion around it (median) ...
DROP_TWO = 1.5  # ... and this many times the motion over two frames around it (median) ...
DROP_PEAK = 1.4  # ... and this many times the step before and the step after it (one jump, not a shaky stretch)
DROP_OVER_HIGH = 1.8  # ... and this many times the larger steps around it (90th percentile) ...
DROP_ROUGH = 0.35  # ... unless the motion is smooth: its steps change in size by at most this share of the level
DROP_MIN = 3.0  # ... and this large (normalised grey levels) is frames dropped
DROP_WINDOW_S = 0.3  # seconds each side that set the motion level around a frame
MIN_REPEATS = 2  # a single repeated frame is common in rate conversions: duplicated frames are 2 repeats or more
CADENCE_SHARE = 0.1  # repeats in more than this share of moving frames are the stream's cadence (e.g. 3:2 pulldown)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def find_anomalies(sig: Signals, boundaries: Sequence[int]) -> list[Anomaly]:
    """Held pictures (frozen, duplicated) and dropped frames, in time order (see the module's docstring)."""
    n = len(sig)
    if n < 4:
        return []
    fps, step = sig.fps, sig.step
    still = (sig.d1 <= STILL_STEP) & (sig.dn <= STILL_STEP)  # in dim footage too: normalised, not just small
    still[0] = False
    around = max(2, round(AROUND_S * fps))
    moving = sig.dn > MOVING
    runs = _runs(still)
    # the stream's cadence: the longest repeat that is common in moving footage (a 15 fps clip in 30 fps: 1)
    cadence = 0
    lengths = np.array([e - s for s, e in runs]) if runs else np.zeros(0, int)
    moving_frames = int(moving.sum())
    for length in range(1, 8):
        if moving_frames and (lengths >= length).sum() > CADENCE_SHARE * moving_frames / (length + 1):
            cadence = length
    out: list[Anomaly] = []
    starts = np.array(sorted({0, *(int(b) for b in boundaries)}), np.int64)
    settle = max(2, round(SETTLE_S * fps))
    for s, e in runs:
        held = e - s
        if held <= max(cadence, MIN_REPEATS - 1):
            continue
        # the picture moved before it stopped, in the same shot (a still shot, a photo, is no freeze), and
        # moves after it (in any shot: a freeze may hide a cut)
        shot_start = int(starts[np.searchsorted(starts, s - 1, side="right") - 1])
        before = sig.dn[max(1, s - around, shot_start + settle):s - 1]
        after = sig.dn[e:e + around]
        if len(before) < 2 or len(after) < 2 or np.median(before) <= MOVING or np.median(after) <= MOVING:
            continue  # not inside moving footage (a still shot, a title, the clip's start or end)
        seconds = float(sig.times[min(e, n - 1)] - sig.times[s - 1]) if e < n else (held + 1) * step
        kind = Kind.FROZEN if seconds >= FROZEN_S - step / 2 else Kind.DUPLICATED
        out.append(Anomaly(kind, s - 1, min(e, n - 1), {"frames": held, "seconds": round(seconds, 3),
                                                          "cadence": cadence}))
    cuts = set(int(b) for b in boundaries)
    w = max(2, round(DROP_WINDOW_S * fps))
    dn = sig.dn.astype(np.float64)
    moves = np.where(still, np.nan, dn)  # repeats (a cadence) are not the motion's level
    moves2 = np.where(still, np.nan, sig.dn2.astype(np.float64))
    # how much the size of the step changes from one step to the next (motion that speeds up or slows down
    # changes it little; footage that moves by fits, a cellular animation or jerky motion, a lot)
    change = np.abs(np.diff(moves, prepend=np.nan))
    level, level2, high, rough = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    for a, b in shot_ranges(n, sorted(cuts)):  # the motion around a frame, within its shot
        level[a:b] = _local_percentile(moves[a:b], w, 50)
        high[a:b] = _local_percentile(moves[a:b], w, 90)
        rough[a:b] = _local_percentile(change[a:b], w, 50)
        # frames dropped: this step moves as much as two ordinary steps do (on the calmer side: a pan that
        # speeds up after the jump must not hide it), and far more than one
        before2, after2, _, _ = _sides(moves2[a:b], w, 50)
        level2[a:b] = np.nan_to_num(np.fmin(before2, after2), nan=0.0)
    nearby = np.maximum(np.r_[np.inf, dn[:-1]], np.r_[dn[1:], 0.0])
    dt = np.r_[step, np.diff(sig.times)]  # a gap in the timestamps accounts for the frames not there (VFR)
    jump = (dn >= DROP_MIN) & (dn >= DROP_RATIO * level) & (dn >= DROP_TWO * level2) & (level > MOVING)
    # ... in smooth motion, or standing far over the larger steps around: in footage that moves by fits a step
    # twice the usual one is ordinary
    jump &= (rough <= DROP_ROUGH * level) | (dn >= DROP_OVER_HIGH * high)
    jump &= (dn >= DROP_PEAK * nearby) & (dt < 1.5 * step)
    for i in np.flatnonzero(jump):
        if i < 2 or any(abs(int(i) - c) <= 2 for c in cuts) or still[i - 1] or (i + 1 < n and still[i + 1]):
            continue  # at a cut, or beside a repeated frame (the stream's own cadence)
        missing = max(1, round(float(dn[i] / max(level[i], 1e-6))) - 1)
        out.append(Anomaly(Kind.DROPPED, int(i) - 1, int(i), {"estimated_missing_frames": missing}))
    return sorted(out, key=lambda a: a.start)


REPEAT_LUMA = 0.02  # grey levels: a fingerprinted frame repeats the one before when its hash is the same and its
# 32x32 mean and spread move less than this (sensor noise or any motion moves them more)


def frozen_in_fingerprint(times: np.ndarray, hashes: np.ndarray, luma_mean: np.ndarray,
                          luma_std: np.ndarray) -> list[Anomaly]:
    """Pictures held FROZEN_S or more inside moving footage, from a dense fingerprint's columns alone (what
    ``scan`` has; the finer signals of :func:`frame_signals` find shorter holds and dropped frames too)."""
    n = len(times)
    if n < 4:
        return []
    step = float(np.median(np.diff(times)))
    around = max(2, round(AROUND_S / step)) if step > 0 else 30
    h = np.asarray(hashes)
    m, s = np.asarray(luma_mean, np.float64), np.asarray(luma_std, np.float64)
    same = np.r_[False, (h[1:] == h[:-1]) & (np.abs(np.diff(m)) < REPEAT_LUMA) & (np.abs(np.diff(s)) < REPEAT_LUMA)]
    out: list[Anomaly] = []
    for a, e in _runs(same):
        seconds = float(times[min(e, n - 1)] - times[a - 1]) if e < n else (e - a + 1) * step
        if seconds < FROZEN_S - step / 2:
            continue
        before, after = same[max(1, a - 1 - around):a - 1], same[e + 1:e + 1 + around]
        if len(before) < 2 or len(after) < 2 or before.mean() > 0.5 or after.mean() > 0.5:
            continue  # not inside moving footage
        out.append(Anomaly(Kind.FROZEN, a - 1, min(e, n - 1), {"frames": e - a, "seconds": round(seconds, 3)}))
    return out


# ------------------------------------------------------------------------------------------------ clocks

CLOCK_TOLERANCE_S = 1.5  # a burnt-in clock may drift from the playback time by this much between two readings
DAY_S = 86400.0


def clock_offsets(play: Sequence[float], readings: Sequence[float | None]) -> list[tuple[int, float]]:
    """(index, reading minus playback time) of each reading that parsed, a clock passing midnight unwrapped."""
    out: list[tuple[int, float]] = []
    turns = 0.0
    last: float | None = None
    for k, (p, r) in enumerate(zip(play, readings, strict=True)):
        if r is None:
            continue
        if last is not None and r + turns < last - DAY_S / 2:  # 23:59:59 -> 00:00:00
            turns += DAY_S
        last = r + turns
        out.append((k, last - float(p)))
    return out


def clock_jumps(play: Sequence[float], readings: Sequence[float | None],
                tolerance: float = CLOCK_TOLERANCE_S) -> list[tuple[int, int, float]]:
    """Where a burnt-in clock skips or goes back against the playback time: (index of the last reading before,
    index of the first after, seconds the clock moved beyond the playback). A reading that disagrees with both
    neighbours while they agree with each other is a misread, left out."""
    off = clock_offsets(play, readings)
    kept = [x for j, x in enumerate(off)
            if not (0 < j < len(off) - 1 and abs(off[j - 1][1] - off[j + 1][1]) <= tolerance
                    and abs(x[1] - off[j - 1][1]) > tolerance)]
    return [(a, b, round(ob - oa, 3)) for (a, oa), (b, ob) in zip(kept, kept[1:], strict=False)
            if abs(ob - oa) > tolerance]
