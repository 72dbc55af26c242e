"""Pure: footage that B plays at another speed between two matched stretches (a speed ramp), found where the
aligner left a cut.

The aligner follows straight lines. A speed ramp's fast (or slow) stretch is often too short, or too alike, to
be a line of its own: the normal-speed lines on either side then leave a gap in B where A jumps ahead, which reads
as a cut of footage that B does show, faster. It is the footage at another speed when an unproven stretch at that
speed fills the gap (``_bridge``) or B's frames there match A along the line joining the neighbours far better than
along the neighbours' own lines (``_gap_at_speed``)."""

from __future__ import annotations

import numpy as np

from ..models import Segment
from ..signals.fingerprint import Fingerprint
from .align import MATCH_THRESHOLD_BITS
from .edits import SPEED_TOLERANCE
from .strength import CHANNEL_ARRAYS, nearest
from .track import Track

GAP_SPEEDS = (0.25, 4.0)  # a gap between two segments is played at another speed within these (B time / A time) ...
GAP_MATCH_SHARE = 0.8  # ... when this share of its informative frames match A along the line joining them ...
GAP_GAIN_BITS = 4.0  # ... this much closer, on average, than along either neighbour's line carried on
MIN_GAP_FRAMES = 3  # ... judged on at least this many frames


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


__all__ = ["GAP_GAIN_BITS", "GAP_MATCH_SHARE", "GAP_SPEEDS", "MIN_GAP_FRAMES", "speed_gaps"]
