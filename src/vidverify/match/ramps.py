"""Pure: footage that B plays at another speed between two matched stretches (a speed ramp), found where the
aligner left a cut.

The aligner follows straight lines. A speed ramp's fast (or slow) stretch is often too short, or too alike, to
be a line of its own: the normal-speed lines on either side then leave a gap in B where A jumps ahead, which reads
as a cut of footage that B does show, faster. It is the footage at another speed when an unproven stretch at that
speed fills the gap (``_bridge``) or B's frames there match A along the line joining the neighbours far better than
along the neighbours' own lines (``_gap_at_speed``).

Over a moment where little moves, the lines either side run into the fast stretch and meet in B: no gap is left,
only A's jump, which reads as a cut. ``speed_at_jumps`` then tries every stretch around the meeting point that
would play the footage between the lines at one other pace, and takes the one whose frames match A best, when it
matches clearly better than the jump (and B's brightness follows A's no worse): a slideshow's fade in and out,
played twice as fast, lands on A's fade only along the ramp. A true jump cut matches best with no ramp at all."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..models import Segment
from ..signals.fingerprint import Fingerprint
from .align import MATCH_THRESHOLD_BITS, MIN_SEGMENT_SECONDS, SPARSE_RATIO
from .edits import SPEED_TOLERANCE
from .strength import CHANNEL_ARRAYS, nearest
from .track import Track

GAP_SPEEDS = (0.25, 4.0)  # a gap between two segments is played at another speed within these (B time / A time) ...
GAP_MATCH_SHARE = 0.8  # ... when this share of its informative frames match A along the line joining them ...
GAP_GAIN_BITS = 4.0  # ... this much closer, on average, than along either neighbour's line carried on
MIN_GAP_FRAMES = 3  # ... judged on at least this many frames
RAMP_REACH_SECONDS = 4.0  # a ramp at a jump may begin and end this far (in B) from where its neighbours meet ...
RAMP_STEPS = 40  # ... tried first at this many starts and ends either side, then finer near the best ...
RAMP_FINE_SECONDS = 1 / 60  # ... in steps of a frame, or of this at most
RAMP_FRAMES = 240  # ... judged on at most this many of B's frames over the reach
RAMP_GAIN_BITS = 0.5  # ... and is taken when B's frames match A this much closer per frame of the ramp ...
RAMP_MIN_GAIN_BITS = 16  # ... and at least this much closer in all than with the jump
RAMP_LUMA_SLACK = 1.0  # ... while B's brightness follows A's no worse than this (grey levels a frame, on average)
MAX_RAMP_JUMP_SECONDS = 8.0  # a longer jump of A is a cut or another ramp's business


def _bridge(p: Segment, n: Segment, unproven: list[Segment], tolerance: float) -> Segment | None:
    """An unproven stretch at another speed that fills the gap between consecutive segments ``p`` and ``n`` on
    both timelines (it starts where ``p`` ends and ends where ``n`` starts, in A and in B): B plays the A footage
    between them faster or slower (a speed ramp). Its own frames are too few to pin it in time, but the two
    segments around it pin both its ends."""
    for u in unproven:
        if abs(u.speed - 1.0) <= SPEED_TOLERANCE or u.mirrored != p.mirrored:
            continue
        if u.a_start >= p.a_end - 2 * tolerance and u.a_end <= n.a_start + 2 * tolerance and \
                u.b_start >= p.b_end - 2 * tolerance and u.b_end <= n.b_start + 2 * tolerance and \
                u.b_start - p.b_end <= 2 * tolerance and n.b_start - u.b_end <= 2 * tolerance:
            return u
    return None


def _gap_at_speed(p: Segment, n: Segment, a: Track, b: Track, tolerance: float) -> tuple[float, int] | None:
    """B's frames between consecutive segments ``p`` and ``n`` show the A footage between them at one other
    speed: along the line from ``p``'s end to ``n``'s start (in both files) they match A (GAP_MATCH_SHARE of them
    within MATCH_THRESHOLD_BITS), and clearly closer (GAP_GAIN_BITS on average) than along either neighbour's
    line carried on into the gap. The faster stretch of a speed ramp too short (or too alike) to be aligned by
    itself: the footage goes on, at another pace, where a cut would have dropped it. Returns the mean distance
    and the number of B's frames that matched along the joining line, or None."""
    gap_b, jump_a = n.b_start - p.b_end, n.a_start - p.a_end
    arrays = CHANNEL_ARRAYS.get((p.channel, p.mirrored))
    if arrays is None or (n.channel, n.mirrored) != (p.channel, p.mirrored) or gap_b <= tolerance or \
            jump_a <= tolerance or not GAP_SPEEDS[0] <= gap_b / jump_a <= GAP_SPEEDS[1] or \
            abs(gap_b / jump_a - 1.0) <= SPEED_TOLERANCE or len(a.times) < 2:
        return None
    a_name, b_name = arrays
    jb = np.flatnonzero((b.times >= p.b_end - 1e-6) & (b.times < n.b_start - 1e-6))
    jb = jb[~b.flat_for(b_name)[jb]]
    tb = b.times[jb]
    lines = (p.a_end + (tb - p.b_end) * jump_a / gap_b, p.a_end + (tb - p.b_end), n.a_start - (n.b_start - tb))
    (d, ok), (dp, okp), (dn, okn) = (nearest(a.arrays[a_name], a.times, a.flat_for(a_name), b.arrays[b_name][jb],
                                              at, a.frame_dur) for at in lines)
    if ok.sum() < MIN_GAP_FRAMES or (d[ok] <= MATCH_THRESHOLD_BITS).mean() < GAP_MATCH_SHARE:
        return None
    other = np.minimum(np.where(okp, dp, 64), np.where(okn, dn, 64))[ok]  # the closer neighbour's continuation
    if float(other.mean() - d[ok].mean()) < GAP_GAIN_BITS:
        return None
    return float(d[ok].mean()), int(ok.sum())


def speed_gaps(segments: list[Segment], unproven: list[Segment], fa: Fingerprint, fb: Fingerprint,
               tolerance: float) -> list[Segment]:
    """The stretches that B plays at another speed between two consecutive segments, as segments of their own:
    the line from one segment's end to the next one's start, in both files, where A jumps ahead (a cut, were
    the footage gone) and B's frames in between show that footage at one other pace. Either an unproven
    stretch at that speed fills the gap (``_bridge``: too few frames to pin it, but its neighbours pin its
    ends), or B's frames match A along the joining line (``_gap_at_speed``). The faster or slower part of a
    speed ramp: footage B shows, which coverage and the edits must count, not a cut."""
    if len(segments) < 2:
        return []
    a, b = Track.of(fa), Track.of(fb)
    segs = sorted(segments, key=lambda s: s.b_start)
    out: list[Segment] = []
    for p, n in zip(segs, segs[1:], strict=False):
        if n.a_start - p.a_end <= tolerance or n.b_start - p.b_end <= 0:
            continue
        u = _bridge(p, n, unproven, tolerance)
        found = (u.distance, u.frames) if u is not None else _gap_at_speed(p, n, a, b, tolerance)
        if found is not None:
            speed = (n.b_start - p.b_end) / (n.a_start - p.a_end)
            out.append(Segment(p.a_end, n.a_start, p.b_end, n.b_start, round(speed, 4), p.mirrored,
                               round(found[0], 3), found[1], p.channel))
    return out


def _ramp_at_jump(p: Segment, n: Segment, a: Track, b: Track) -> tuple[float, float, float, float, float] | None:
    """The stretch (B from, B to, A from, A to, its mean distance) around where ``p`` and ``n`` meet in B (A jumping
    ahead) that B plays at one other pace, joining ``p``'s line to ``n``'s: of every start on ``p``'s line and end
    on ``n``'s within RAMP_REACH_SECONDS (leaving each at least MIN_SEGMENT_SECONDS), the one whose B frames (over
    the whole reach) lie closest to A, when it beats the jump by RAMP_GAIN_BITS a frame of the ramp and
    RAMP_MIN_GAIN_BITS in all, GAP_MATCH_SHARE of its frames match and B's brightness follows A's along it no worse
    (RAMP_LUMA_SLACK); None otherwise. Keyframes are not looked at: a frame a GOP from its moment fits any pace."""
    arrays = CHANNEL_ARRAYS.get((p.channel, p.mirrored))
    if arrays is None or (n.channel, n.mirrored) != (p.channel, p.mirrored) or len(a.times) < 2 or \
            abs(p.speed - 1.0) > SPEED_TOLERANCE or abs(n.speed - 1.0) > SPEED_TOLERANCE or \
            a.keyframes or b.keyframes or a.frame_dur > SPARSE_RATIO * b.frame_dur:
        return None
    a_name, b_name = arrays
    reach_p = max(0.0, min(RAMP_REACH_SECONDS, p.b_end - p.b_start - MIN_SEGMENT_SECONDS))
    reach_n = max(0.0, min(RAMP_REACH_SECONDS, n.b_end - n.b_start - MIN_SEGMENT_SECONDS))
    jb = np.flatnonzero((b.times >= p.b_end - reach_p - 1e-6) & (b.times < n.b_start + reach_n - 1e-6))
    jb = jb[~b.flat_for(b_name)[jb]]
    if len(jb) < 2 * MIN_GAP_FRAMES:
        return None
    jb = jb[np.unique(np.linspace(0, len(jb) - 1, min(len(jb), RAMP_FRAMES)).round().astype(int))]
    tb, hb = b.times[jb], b.arrays[b_name][jb]
    ah, a_flat = a.arrays[a_name], a.flat_for(a_name)

    def line_p(t: np.ndarray) -> np.ndarray:
        return p.a_start + (t - p.b_start) / p.speed

    def line_n(t: np.ndarray) -> np.ndarray:
        return n.a_start + (t - n.b_start) / n.speed

    def best(xs: np.ndarray, ys: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                                      np.ndarray]:
        """Of the ramps from ``xs`` back from p's end to ``ys`` on from n's start (the first: the jump), the one
        whose frames lie closest to A at a fair pace (-1: none), with every ramp's ends, bits and luma misfit."""
        x, y = (v.ravel()[:, None] for v in np.meshgrid(xs, ys, indexing="ij"))
        b0, b1 = p.b_end - x, n.b_start + y
        a0, a1 = line_p(b0), line_n(b1)
        t = tb[None, :]
        ta = np.where(t < b0, line_p(t), np.where(t >= b1, line_n(t), a0 + (t - b0) * (a1 - a0) / np.maximum(
            b1 - b0, 1e-9)))
        d, ok = nearest(ah, a.times, a_flat, hb[None, :], ta, a.frame_dur)
        d = np.where(ok, d, 64)
        luma = np.zeros(d.shape) if a.luma is None or b.luma is None else \
            np.abs(b.luma[jb][None, :] - np.interp(ta, a.times, a.luma))
        b0, b1, a0, a1 = b0[:, 0], b1[:, 0], a0[:, 0], a1[:, 0]
        speed = (b1 - b0) / np.maximum(a1 - a0, 1e-9)
        frames = ((t >= b0[:, None]) & (t <= b1[:, None])).sum(axis=1)
        fair = (speed >= GAP_SPEEDS[0]) & (speed <= GAP_SPEEDS[1]) & (np.abs(speed - 1.0) > SPEED_TOLERANCE) & \
            (frames >= MIN_GAP_FRAMES)
        total = d.sum(axis=1)
        k = int(np.argmin(np.where(fair, total, np.iinfo(np.int64).max))) if fair.any() else -1
        return k, b0, b1, a0, a1, d, luma

    step = max(b.frame_dur, max(reach_p, reach_n) / RAMP_STEPS)
    k, b0, b1, a0, a1, d, luma = best(np.arange(0.0, reach_p + 1e-9, step), np.arange(0.0, reach_n + 1e-9, step))
    if k < 0:
        return None
    jump_bits, jump_luma = int(d[0].sum()), float(luma[0].mean())  # x = y = 0: the jump
    fine_step = max(b.frame_dur, RAMP_FINE_SECONDS)
    if step > fine_step:  # finer around the best of the coarse grid (itself among them)
        fine = np.concatenate([[0.0], np.arange(-step, step + 1e-9, fine_step)])
        xs, ys = np.clip(p.b_end - b0[k] + fine, 0.0, reach_p), np.clip(b1[k] - n.b_start + fine, 0.0, reach_n)
        k, b0, b1, a0, a1, d, luma = best(np.unique(xs), np.unique(ys))
        if k < 0:
            return None
    inside = (tb >= b0[k]) & (tb <= b1[k])
    if jump_bits - int(d[k].sum()) < max(RAMP_MIN_GAIN_BITS, RAMP_GAIN_BITS * int(inside.sum())) or \
            (d[k][inside] <= MATCH_THRESHOLD_BITS).mean() < GAP_MATCH_SHARE or \
            float(luma[k].mean()) > jump_luma + RAMP_LUMA_SLACK:
        return None
    return float(b0[k]), float(b1[k]), float(a0[k]), float(a1[k]), float(d[k][inside].mean())


def speed_at_jumps(segments: list[Segment], fa: Fingerprint, fb: Fingerprint, tolerance: float) -> list[Segment]:
    """``segments`` with each jump that B plays at another speed (``_ramp_at_jump``) as a segment of its own, the
    two around it ending and beginning where it does: the fast stretch of a speed ramp over a moment where little
    moves, which the normal-speed lines either side ran into, leaving a jump of A that read as a cut."""
    if len(segments) < 2:
        return segments
    a, b = Track.of(fa), Track.of(fb)
    segs = sorted(segments, key=lambda s: s.b_start)

    def frames(lo: float, hi: float) -> int:
        return int(((b.times >= lo - 1e-6) & (b.times < hi - 1e-6)).sum())

    out: list[Segment] = [segs[0]]
    for n in segs[1:]:
        p = out[-1]
        jump = n.a_start - p.a_end
        found = None
        if abs(n.b_start - p.b_end) <= tolerance and tolerance < jump <= MAX_RAMP_JUMP_SECONDS:
            found = _ramp_at_jump(p, n, a, b)
        if found is None:
            out.append(n)
            continue
        b0, b1, a0, a1 = (round(v, 4) for v in found[:4])
        ramp = Segment(a0, a1, b0, b1, round((b1 - b0) / (a1 - a0), 4), p.mirrored, round(found[4], 3),
                       frames(b0, b1), p.channel)
        out[-1] = replace(p, a_end=a0, b_end=b0, frames=frames(p.b_start, b0))
        out += [ramp, replace(n, a_start=a1, b_start=b1, frames=frames(b1, n.b_end))]
    return out


__all__ = ["GAP_GAIN_BITS", "GAP_MATCH_SHARE", "GAP_SPEEDS", "MIN_GAP_FRAMES", "speed_at_jumps", "speed_gaps"]
