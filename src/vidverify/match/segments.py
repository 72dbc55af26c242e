"""Pure: what alignment's matched stretches become before they are reported (``match/align.py``): a repeat of
footage that a stronger stretch already shows is dropped, stretches that continue one line are joined, and the
length that intervals cover together (coverage)."""

from __future__ import annotations

import numpy as np

from ..models import Segment

GAP_BRIDGE_SECONDS = 0.4  # mismatches shorter than this inside a run are bridged
GAP_FLAT_SHARE = 0.8  # ... and longer ones between two stretches of a line where this share of A's frames is flat
REPEAT_SHARE = 0.5  # a segment whose A span lies this much inside stronger segments' A spans repeats them ...
REPEAT_MAX_MEAN_BITS = 4.0  # ... and is kept only as a whole-picture match this close (copies match within 0.3-2.5)


def without_weak_repeats(segments: list[Segment]) -> list[Segment]:
    """The segments without those that show A footage another segment already shows, on weaker evidence.

    In slow footage the frames past the end of a clip's shared stretch resemble its last ones, so a sloped line
    through them matches loosely (a "0.6x" piece after a plain trim), and a half picture that hardly changes (a
    sky) matches at any time. Footage shown twice (a loop, a replay) is real when its whole picture matches as
    closely as a copy does: a repeat of A footage (at least half of its A span inside stronger segments' A
    spans: whole pictures first, then the closest) is kept only as a whole picture within REPEAT_MAX_MEAN_BITS."""
    def half(s: Segment) -> bool:
        return s.channel.startswith("half-")

    kept: list[Segment] = []
    for s in sorted(segments, key=lambda s: (half(s), s.distance, s.b_start)):
        span = s.a_end - s.a_start
        shown = union_length([(max(k.a_start, s.a_start), min(k.a_end, s.a_end)) for k in kept])
        if span > 0 and shown >= REPEAT_SHARE * span and (half(s) or s.distance > REPEAT_MAX_MEAN_BITS):
            continue
        kept.append(s)
    return kept


def union_length(intervals: list[tuple[float, float]]) -> float:
    """The length that ``intervals`` (start, end) cover together (overlaps counted once; empty ones ignored)."""
    total, end = 0.0, -np.inf
    for lo, hi in sorted(i for i in intervals if i[1] > i[0]):
        if hi > end:
            total += hi - max(lo, end)
            end = hi
    return float(total)


def merge(segs: list[Segment], a_times: np.ndarray, a_flat: np.ndarray) -> list[Segment]:
    """Join consecutive segments that continue the same line (a bridged flash or caption), or whose gap shows
    A's flat frames (GAP_FLAT_SHARE of them: black between a slideshow's pictures, the last dim frames of its
    fades, with a caption or a chyron over them in B: nothing there can match, and nothing says the footage
    stops). ``a_times``/``a_flat``: A's frame times and which of them are flat."""
    out: list[Segment] = []
    for s in segs:
        if out:
            p = out[-1]
            same_line = p.mirrored == s.mirrored and p.channel == s.channel and abs(p.speed - s.speed) < 0.02 and \
                abs((s.a_start - p.a_end) - (s.b_start - p.b_end) / s.speed) < 0.1
            between = (a_times >= p.a_end - 1e-6) & (a_times < s.a_start - 1e-6)
            contiguous = s.b_start - p.b_end <= GAP_BRIDGE_SECONDS or \
                (between.any() and float(a_flat[between].mean()) >= GAP_FLAT_SHARE)
            if same_line and contiguous:
                n = p.frames + s.frames
                out[-1] = Segment(p.a_start, s.a_end, p.b_start, s.b_end, p.speed, p.mirrored,
                                  round((p.distance * p.frames + s.distance * s.frames) / n, 2), n, p.channel)
                continue
        out.append(s)
    return out


__all__ = [
    "GAP_BRIDGE_SECONDS", "GAP_FLAT_SHARE", "REPEAT_MAX_MEAN_BITS", "REPEAT_SHARE", "merge", "union_length",
    "without_weak_repeats",
]
