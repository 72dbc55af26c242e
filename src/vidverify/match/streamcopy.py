"""Stream copies: stretches where B's compressed video packets are A's, byte for byte (pure numpy).

A trim or remux without re-encoding (``ffmpeg -c copy``, a phone's "save clip") keeps the original's packets.
Matching their digests (``Fingerprint.packet_digests``) finds the copied stretch exactly, with its position on
both timelines, even where the pictures are flat and their hashes say nothing; and it shows that those frames
were not re-encoded.

Anchors are packets whose digest occurs once in A and once in B (repeated packets, such as the identical
"nothing changed" frames of a static or black scene, anchor nothing). A chain of anchors moves forward in both
files on one straight timeline mapping, with B's packets between them A's; it is then followed outwards packet
by packet. A chain needs MIN_ANCHORS anchors (or all of B's packets when B has fewer), so that two files which
merely share a black opening from the same encoder are not called copies of each other. The price: a copy
that repeats itself (a loop: every packet twice) has no anchors and is found by its pictures only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..models import Segment

CHANNEL = "stream-copy"  # Segment.channel of a stream-copied stretch
MIN_ANCHORS = 3  # packets unique in both files that a run must contain
MAX_SKIP = 8  # packets of A that a copy may drop between two of its own (the B-frames cut off at its end)


def _unique_positions(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values, index) of the digests that occur exactly once, values sorted."""
    values, index, counts = np.unique(d, return_index=True, return_counts=True)
    once = counts == 1
    return values[once], index[once]


def _frame(times: np.ndarray) -> float:
    return float(np.median(np.diff(times))) if len(times) > 1 else 0.0


def _follow(da: np.ndarray, db: np.ndarray, ta: np.ndarray, tb: np.ndarray, i: int, j: int, step: int,
            limit: int, speed: float, tolerance: float) -> tuple[int, int]:
    """From the matched pair (A index i, B index j), step outwards (+1 or -1, B not past ``limit``) while B's next
    packet is one of A's next MAX_SKIP + 1 packets on the chain's timeline mapping; return the last matched pair."""
    while (j + step <= limit) if step > 0 else (j + step >= limit):
        nxt = db[j + step]
        for skip in range(1, MAX_SKIP + 2):
            k = i + step * skip
            if not 0 <= k < len(da):
                return i, j
            if da[k] == nxt and abs((tb[j + step] - tb[j]) - speed * (ta[k] - ta[i])) <= tolerance:
                i, j = k, j + step
                break
        else:
            return i, j
    return i, j


def _between(da: np.ndarray, db: np.ndarray, i0: int, i1: int, j0: int, j1: int) -> bool:
    """B's packets strictly between j0 and j1 are A's packets strictly between i0 and i1, in order (a copy may
    drop a few: MAX_SKIP per anchor step)."""
    k = i0 + 1
    for j in range(j0 + 1, j1):
        while k < i1 and da[k] != db[j]:
            k += 1
        if k >= i1:
            return False
        k += 1
    return True


def segments(fa: Any, fb: Any) -> list[Segment]:
    """The stretches of B that are stream copies of A, as segments on channel "stream-copy" (speed 1, or the
    ratio of the timelines when the copy was retimed)."""
    da, db = np.asarray(fa.packet_digests), np.asarray(fb.packet_digests)
    if len(da) == 0 or len(db) == 0 or fa.codec_digest != fb.codec_digest:
        return []
    ta, tb = np.asarray(fa.packet_times), np.asarray(fb.packet_times)
    # times start at the first displayed frame: a packet before it (the pre-roll an edit list hides, which a
    # fingerprint made by an earlier vidverify still lists) is not a frame of the footage
    shown_a, shown_b = ta >= -1e-6, tb >= -1e-6
    if not (shown_a.all() and shown_b.all()):
        da, ta, db, tb = da[shown_a], ta[shown_a], db[shown_b], tb[shown_b]
        if len(da) == 0 or len(db) == 0:
            return []
    va, ia = _unique_positions(da)
    vb, ib = _unique_positions(db)
    _, pa, pb = np.intersect1d(va, vb, assume_unique=True, return_indices=True)
    order = np.argsort(ib[pb], kind="stable")
    A, B = ia[pa][order].tolist(), ib[pb][order].tolist()  # anchors, in B's order
    need = min(MIN_ANCHORS, len(db))
    half_frame = 0.5 * max(_frame(tb), 1e-3)
    frame_a, frame_b = _frame(ta), _frame(tb)
    found: list[Segment] = []
    found_end = -1  # B index of the last packet of the last segment found
    k = 0
    while k < len(A):
        # a chain: consecutive anchors with A moving forward as B does (a few dropped packets allowed) on one
        # straight timeline mapping, and B's packets between them A's
        first, speed = k, None
        while k + 1 < len(A):
            di, dj = A[k + 1] - A[k], B[k + 1] - B[k]
            if not dj <= di <= dj + MAX_SKIP * dj:
                break
            dta, dtb = ta[A[k + 1]] - ta[A[k]], tb[B[k + 1]] - tb[B[k]]
            if dta <= 0 or dtb <= 0:
                break
            if speed is None:
                speed = 1.0 if abs(dtb - dta) <= half_frame else dtb / dta
            elif abs(dtb - speed * dta) > half_frame:
                break
            if not _between(da, db, A[k], A[k + 1], B[k], B[k + 1]):
                break
            k += 1
        last = k
        k += 1
        if last - first + 1 < need:
            continue
        # outwards, but not into the stretch of the segment before, nor past the next anchor (the next chain's)
        rate = speed if speed is not None else 1.0
        i0, j0 = _follow(da, db, ta, tb, A[first], B[first], -1, found_end + 1, rate, half_frame)
        i1, j1 = _follow(da, db, ta, tb, A[last], B[last], +1,
                         B[last + 1] - 1 if last + 1 < len(A) else len(db) - 1, rate, half_frame)
        while k < len(A) and B[k] <= j1:  # anchors inside the stretch just found start no chain of their own
            k += 1
        found_end = j1
        span_a, span_b = ta[i1] - ta[i0], tb[j1] - tb[j0]
        ratio = round(float(span_b / span_a), 4) if span_a > 0 and span_b > 0 else 1.0
        found.append(Segment(
            a_start=round(float(ta[i0]), 4), a_end=round(float(ta[i1] + frame_a), 4),
            b_start=round(float(tb[j0]), 4), b_end=round(float(tb[j1] + frame_b), 4),
            speed=1.0 if abs(ratio - 1.0) < 1e-3 else ratio, mirrored=False, distance=0.0, frames=j1 - j0 + 1,
            channel=CHANNEL,
        ))
    return sorted(found, key=lambda s: s.b_start)


def shared_pairs(fps: Sequence[Any], *, max_sharing: int = 64) -> set[tuple[int, int]]:
    """Pairs (i < j) of fingerprints that share at least MIN_ANCHORS packets occurring once in each (all of the
    smaller one's when it has fewer): the candidates for a stream copy, found with one sort of every file's
    digests, however many files. A digest held by more than ``max_sharing`` files pairs none of them."""
    per_file = [_unique_positions(np.asarray(fp.packet_digests))[0] for fp in fps]
    if sum(len(u) for u in per_file) == 0:
        return set()
    digests = np.concatenate(per_file)
    owner = np.concatenate([np.full(len(u), i, np.int64) for i, u in enumerate(per_file)])
    order = np.argsort(digests, kind="stable")
    digests, owner = digests[order], owner[order]
    starts = np.flatnonzero(np.concatenate([[True], digests[1:] != digests[:-1]]))
    sizes = np.diff(np.concatenate([starts, [len(digests)]]))
    n = len(fps)
    keys: list[np.ndarray] = []
    two = starts[sizes == 2]  # the common case, vectorised
    if len(two):
        lo, hi = np.minimum(owner[two], owner[two + 1]), np.maximum(owner[two], owner[two + 1])
        keys.append(lo * n + hi)
    for start, size in zip(starts[(sizes > 2) & (sizes <= max_sharing)], sizes[(sizes > 2) & (sizes <= max_sharing)],
                           strict=True):
        members = np.unique(owner[start:start + size])
        i, j = np.triu_indices(len(members), k=1)
        keys.append(members[i] * n + members[j])
    if not keys:
        return set()
    pair_keys, shared = np.unique(np.concatenate(keys), return_counts=True)
    lengths = np.array([len(u) for u in per_file])
    out: set[tuple[int, int]] = set()
    for key, count in zip(pair_keys.tolist(), shared.tolist(), strict=True):
        i, j = divmod(key, n)
        if i != j and count >= min(MIN_ANCHORS, int(lengths[i]), int(lengths[j])):
            out.add((i, j))
    return out


def merge(copies: list[Segment], matched: list[Segment]) -> list[Segment]:
    """The stream-copied stretches, and the picture matches that lie mostly outside them on B's timeline (a
    byte-identical stretch is exact; a picture match over the same frames says less)."""
    def inside(s: Segment) -> float:
        covered = sum(max(0.0, min(s.b_end, c.b_end) - max(s.b_start, c.b_start)) for c in copies)
        return covered / max(s.b_end - s.b_start, 1e-9)

    return sorted([*copies, *(s for s in matched if inside(s) < 0.5)], key=lambda s: s.b_start)


__all__ = ["CHANNEL", "MIN_ANCHORS", "merge", "segments", "shared_pairs"]
