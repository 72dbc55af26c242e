"""Pure alignment: two fingerprints' hash sequences -> every matched stretch, with offset, speed and mirroring.

Method (all numpy, no per-frame Python):
1. Channels. B's frame hashes are compared with A's frame hashes, with A's mirrored hashes (B mirrored), with
   the hashes of A's centre 9:16 crop (B is a vertical crop of A) and the reverse (A is a crop of B), with A
   turned a quarter or half turn, and half picture with half picture (top, bottom, left, right: an overlay such
   as a logo or a caption band leaves at least one half as it was; a half's votes weigh a little less).
2. Seeds. A few informative B frames per second (flat frames say nothing) are compared with every A frame;
   pairs within SEED_THRESHOLD_BITS are seeds. A B frame from a static shot matches many A frames: each B
   frame's votes are shared among its seeds, so static shots cannot outvote distinctive moments.
3. Lines. Seeds of one matched stretch lie on a line ``t_b = speed * t_a + offset``. A weighted Hough vote
   over speeds 0.25x-4x (1.0 exactly included) and offsets finds the best line across all channels; least
   squares on its inliers refines it.
4. Runs. Along that line every B frame is compared with the A frame it should show. Runs of matching frames
   (short mismatches such as a passing caption are bridged) of at least MIN_SEGMENT_SECONDS become segments.
   Their B frames are removed from the seeds and the search repeats for the next line, so a cut, a splice,
   a reordering or a mixture of mirrored and straight footage gives one segment per stretch.
5. Slow footage. Many neighbouring frames look alike, so a sparse sample supports lines that are slightly or
   wholly wrong; the dense frames along a line decide. A normal-speed line moves (a few frames at most) to the
   offset its frames match best. A line that shows A faster is kept only if it matches clearly better, frame
   by frame, than the best pair of normal-speed stretches with a jump forward in A between them (a cut is
   common, a speed change rare); scored on its own part between two such stretches, a line that beats the cut
   there is a speed ramp: the two stretches are taken and its part is left free, for its own line to be found
   again among the seeds there (the sloped line first found runs through the ramp's normal-speed footage too,
   at an average speed). A run's first or last stretch that another line the seeds point at matches
   far closer is left for that line (a line found first reaches past a cut over footage that looks alike);
   if no line claims it, it returns to the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from ..models import Segment
from ..signals.fingerprint import ALIGNMENT, BY_NAME, REGION_SLOTS, Fingerprint
from ..signals.hashing import hamming
from .segments import GAP_BRIDGE_SECONDS, merge, without_weak_repeats
from .track import Track

SEED_THRESHOLD_BITS = 12  # a seed pair: frames within this many bits of 64
MATCH_THRESHOLD_BITS = 16  # along a found line, a frame matches within this many bits
SEGMENT_MAX_MEAN_BITS = 12.0  # a segment's mean distance must stay under this (random pairs: ~32)
MIN_SEGMENT_SECONDS = 0.5  # shorter stretches are not reported
MIN_SEGMENT_FRAMES = 3  # nor stretches of fewer informative frames (keyframe fingerprints: one or two frames
# within 12 bits happen by chance among the millions of frame pairs of an archive)
SEEDS_PER_SECOND = 4.0  # B frames sampled per second of B for seeding
MAX_SEEDS_PER_FRAME = 24  # a B frame's candidate A frames (the closest ones)
MIN_SEED_FRAMES = 600  # a long B still gets at least this many seed frames
LONG_A_FRAMES = 3000  # above this, A is searched at every other frame
SEED_BLOCK = 1 << 17  # hash pairs compared at once while seeding (2 MB of XORs)
MAX_SEGMENTS = 64
MIN_SUPPORT_FRAMES = 2  # sampled B frames with a seed on a line before it is followed
SPEED_MIN_CHANGE = 0.02  # a line whose speed is within this of 1 is normal speed
CUT_PREFERENCE_BITS = 0.5  # per frame: a cut (common) beats a speed-up (rare) unless the speed line matches
# better than this (benchmark: true speed-ups match 1.6-10 bits/frame better, cuts 3-5 bits/frame worse)
CUT_COST_CELLS = 2_000_000  # (offsets x B frames) evaluated when testing a speed-up line for a cut
OFFSET_SEARCH_SECONDS = 0.5  # a normal-speed line is moved by up to this to where its frames match best
OFFSET_SEARCH_FROM_SLOPE = 1.5  # ... and by up to this when it was a sloped line put back to normal speed
OFFSET_SEARCH_FRAMES = 4000  # B frames that decide it (a longer line is sampled)
RELEASE_MIN_GAIN_BITS = 4.0  # per frame: a run's edge is left to another line that matches it this much closer
RELEASE_CANDIDATES = 32  # other lines (offsets the seeds point at) tried on a run's edges
SPEEDS = np.unique(np.concatenate([np.geomspace(0.25, 4.0, 241), [1.0]]))  # a 4x time-lapse to a quarter speed
USUAL_SPEEDS = (0.5, 2.0)  # outside these (a time-lapse, a slow motion) a line's peak needs ...
_SPEED_ORDER = np.argsort((SPEEDS < USUAL_SPEEDS[0]) | (SPEEDS > USUAL_SPEEDS[1]), kind="stable")  # usual first
STEEP_MIN_FRAMES = 3  # ... seeds from this many B frames (among the STEEP_PEAKS highest bins)
STEEP_PEAKS = 4
HOUGH_BLOCK = 1 << 15  # (speeds x seeds) offsets computed in one array by the line vote (it stays in the cache)
SPEED_FIT_RANGE = (0.22, 4.5)  # a least-squares speed outside this is noise in the seeds (the vote's speed stays)


_CHANNELS = ALIGNMENT  # (segment channel, A's array, B's array, mirrored), whole pictures first, then halves
HALF_VOTE_FACTOR = 0.85  # a half's votes count less than the whole picture's: the whole wins when both match
WHOLE_OVER_HALF = 0.9  # a half's line that the whole picture matches this well along is a whole-picture match
HALF_MIN_SEGMENT_SECONDS = 1.5  # a stretch matched by a half picture only must be at least this long ...
HALF_SEGMENT_MAX_MEAN_BITS = 8.0  # ... and this close (an overlaid copy's free half matches within 1-3 bits)
_FIRST_HALF = next(i for i, (_, a_name, _, _) in enumerate(_CHANNELS) if BY_NAME[a_name].half is not None)


@dataclass
class _Seeds:
    channel: int
    ia: np.ndarray  # A frame index
    jb: np.ndarray  # B frame index
    d: np.ndarray  # distance (bits)
    w: np.ndarray  # vote weight


def _sample_b(b: Track) -> np.ndarray:
    informative = np.flatnonzero(~b.flat)
    if len(informative) == 0:
        return informative
    span = max(b.times[-1] - b.times[0], b.frame_dur)
    # SEEDS_PER_SECOND for short clips; long ones need fewer per second to find their lines
    want = int(min(span * SEEDS_PER_SECOND, max(MIN_SEED_FRAMES, span * SEEDS_PER_SECOND / 2))) + 1
    if len(informative) <= want:
        return informative
    pick = np.linspace(0, len(informative) - 1, want).round().astype(int)
    return cast(np.ndarray, informative[np.unique(pick)])


def _closest_per_row(rows: np.ndarray, cols: np.ndarray, dist: np.ndarray, k: int) -> np.ndarray:
    """Indices (into rows/cols/dist) of at most ``k`` closest hits per row."""
    order = np.lexsort((dist, rows))
    r = rows[order]
    first = np.concatenate([[0], np.flatnonzero(np.diff(r)) + 1])
    rank = np.arange(len(r)) - np.repeat(first, np.diff(np.concatenate([first, [len(r)]])))
    return cast(np.ndarray, order[rank < k])


def _seeds(a: Track, b: Track, sample: np.ndarray) -> list[_Seeds]:
    out = []
    # a long A is searched at every other frame: a B frame still finds a neighbour within one frame, and the
    # line found is then followed frame by frame
    a_all = np.flatnonzero(~a.flat)
    step = 2 if len(a_all) > LONG_A_FRAMES else 1
    for ci, (_, a_name, b_name, _) in enumerate(_CHANNELS):
        a_idx = np.flatnonzero(~a.flat_for(a_name))[::step]
        b_sample = sample[~b.flat_for(b_name)[sample]]
        if len(a_idx) == 0 or len(b_sample) == 0:
            continue
        ah, bh = a.arrays[a_name][a_idx], b.arrays[b_name][b_sample]
        ia_l, jb_l, d_l = [], [], []
        rows_per = max(1, SEED_BLOCK // len(ah))  # B frames per block: its buffers stay in the CPU's cache
        xor = np.empty((min(rows_per, len(bh)), len(ah)), np.uint64)
        bits, near = np.empty(xor.shape, np.uint8), np.empty(xor.shape, bool)
        for start in range(0, len(bh), rows_per):
            k = min(rows_per, len(bh) - start)
            np.bitwise_xor(bh[start:start + k, None], ah[None, :], out=xor[:k])
            block = np.bitwise_count(xor[:k], out=bits[:k])  # uint8 (k, n)
            # one flat index is cheaper to find than a (row, column) pair
            flat = np.flatnonzero(np.less_equal(block, SEED_THRESHOLD_BITS, out=near[:k]))
            rows, cols = np.divmod(flat, len(ah))
            dist = block.ravel()[flat]
            if len(rows) > MAX_SEEDS_PER_FRAME:
                keep = _closest_per_row(rows, cols, dist, MAX_SEEDS_PER_FRAME)
                rows, cols, dist = rows[keep], cols[keep], dist[keep]
            ia_l.append(a_idx[cols])
            jb_l.append(b_sample[start + rows])
            d_l.append(dist.astype(np.int32))
        ia = np.concatenate(ia_l) if ia_l else np.zeros(0, int)
        jb = np.concatenate(jb_l) if jb_l else np.zeros(0, int)
        d = np.concatenate(d_l) if d_l else np.zeros(0, int)
        if len(ia) == 0:
            continue
        # each B frame's vote is shared among its seeds; closer pairs weigh more
        counts = np.bincount(jb, minlength=len(b.times))[jb]
        w = (1.0 - d / (SEED_THRESHOLD_BITS + 1)) / counts
        out.append(_Seeds(ci, ia, jb, d, w))
    return out


def _best_line(a: Track, b: Track, seeds: list[_Seeds], active: np.ndarray) -> tuple[float, int, float, float] | None:
    """(votes, channel, speed, offset) of the strongest line among seeds whose B frame is still unexplained: the
    most votes; on ties the lowest channel, then the lowest speed. Usual speeds are voted first: the bar they set
    spares most unusual speeds the steep-peak test."""
    bin_w = max(a.frame_dur, b.frame_dur) * 2
    best: tuple[float, int, float, float] | None = None
    best_key: tuple[float, int, int] | None = None  # (votes, -channel, -speed index): the largest wins
    # a channel's votes at any speed are at most its active seeds' whole weight: the heaviest channels go first,
    # and a channel whose whole weight cannot beat the best line found is not voted on (same line, less work)
    kept = [(s, active[s.jb]) for s in seeds]
    bound = [float(s.w[keep].sum()) * (HALF_VOTE_FACTOR if s.channel >= _FIRST_HALF else 1.0) for s, keep in kept]
    for k_seed in sorted(range(len(kept)), key=lambda k: (-bound[k], kept[k][0].channel)):
        s, keep = kept[k_seed]
        if keep.sum() < 2 or (best is not None and (bound[k_seed], -s.channel) <= (best[0], -best[1])):
            continue
        ta, tb, w = a.times[s.ia[keep]], b.times[s.jb[keep]], s.w[keep]
        factor = HALF_VOTE_FACTOR if s.channel >= _FIRST_HALF else 1.0
        chunk = max(1, HOUGH_BLOCK // len(ta))  # speeds whose offsets are computed at once (few seeds: many)
        for pos, k_speed in enumerate(_SPEED_ORDER.tolist()):
            if pos % chunk == 0:
                # in place: tb - speed * ta, less its minimum, in bins (the same numbers as one expression)
                off = np.multiply(SPEEDS[_SPEED_ORDER[pos:pos + chunk], None], ta[None, :])
                np.subtract(tb[None, :], off, out=off)
                lo = off.min(axis=1)
                np.subtract(off, lo[:, None], out=off)
                q = np.divide(off, bin_w, out=off).astype(np.int64)
            qk, speed = q[pos % chunk], float(SPEEDS[k_speed])
            hist = _straddle(np.bincount(qk, weights=w))
            k = int(np.argmax(hist))
            if not USUAL_SPEEDS[0] <= speed <= USUAL_SPEEDS[1]:
                # far from normal speed, one B frame's seeds in a static shot (many A frames alike) fall in a bin
                # or two and outvote a true line whose frames share their votes: a peak needs STEEP_MIN_FRAMES
                # (checked only where it would win)
                if best_key is not None and (float(hist[k]) * 0.97 * factor, -s.channel, -k_speed) <= best_key:
                    continue
                k = _steep_peak(hist, qk, s.jb[keep], k)
                if k < 0:
                    continue
            # prefer normal speed and no mirroring on ties
            votes = float(hist[k]) * (1.0 if speed == 1.0 else 0.97) * factor
            key = (votes, -s.channel, -k_speed)  # ties: the lower channel, then the lower speed
            if best_key is None or key > best_key:
                best_key, best = key, (votes, s.channel, speed, float(lo[pos % chunk] + (k + 1) * bin_w))
    return best


def _straddle(hist: np.ndarray) -> np.ndarray:
    """Each bin plus the next (a line straddling two bins); the last bin as it is."""
    if len(hist) < 2:
        return hist
    out = np.empty_like(hist)
    np.add(hist[:-1], hist[1:], out=out[:-1])
    out[-1] = hist[-1]
    return out


def _steep_peak(hist: np.ndarray, q: np.ndarray, jb: np.ndarray, top: int) -> int:
    """The highest bin of ``hist`` (bins ``q`` of seeds of B frames ``jb``, a bin and the next summed; ``top`` its
    argmax) whose seeds come from at least STEEP_MIN_FRAMES B frames, among its STEEP_PEAKS highest; -1 if none."""
    def enough(k: int) -> bool:
        return len(np.unique(jb[(q == k) | (q == k + 1)])) >= STEEP_MIN_FRAMES

    if enough(top):
        return top
    if len(hist) <= STEEP_PEAKS:
        peaks = np.argsort(-hist, kind="stable")
    else:
        peaks = np.argpartition(-hist, STEEP_PEAKS)[:STEEP_PEAKS]
        peaks = peaks[np.lexsort((peaks, -hist[peaks]))]
    for k in peaks.tolist():
        if hist[k] > 0 and k != top and enough(k):
            return int(k)
    return -1


def _support(a: Track, b: Track, seeds: list[_Seeds], line: tuple[float, int, float, float],
             active: np.ndarray) -> int:
    """How many distinct B frames have a seed on the line (a static shot's many seeds count once)."""
    _, channel, speed, offset = line
    tol = max(a.frame_dur, b.frame_dur) * 2
    n = 0
    for s in seeds:
        if s.channel != channel:
            continue
        on = active[s.jb] & (np.abs(b.times[s.jb] - (speed * a.times[s.ia] + offset)) <= tol)
        n += len(np.unique(s.jb[on]))
    return n


def _refine(a: Track, b: Track, seeds: _Seeds, speed: float, offset: float, active: np.ndarray) -> tuple[float, float]:
    keep = active[seeds.jb]
    ta, tb = a.times[seeds.ia[keep]], b.times[seeds.jb[keep]]
    tol = max(a.frame_dur, b.frame_dur) * 1.5
    inl = np.abs(tb - (speed * ta + offset)) <= tol
    if inl.sum() >= 2 and np.ptp(ta[inl]) > 4 * a.frame_dur and speed != 1.0:
        s, o = np.polyfit(ta[inl], tb[inl], 1)
        if SPEED_FIT_RANGE[0] <= s <= SPEED_FIT_RANGE[1]:
            return float(s), float(o)
    if inl.sum() >= 1:
        return speed, float(np.median(tb[inl] - speed * ta[inl]))
    return speed, offset


def _distances_along(a: Track, b: Track, channel: int, speed: float, offset: float) -> tuple[np.ndarray, np.ndarray]:
    """For every B frame: the A frame index the line predicts, and the distance to it (best of the two nearest)."""
    _, a_name, b_name, _ = _CHANNELS[channel]
    ah, bh = a.arrays[a_name], b.arrays[b_name]
    ta_pred = (b.times - offset) / speed
    idx = np.clip(np.searchsorted(a.times, ta_pred), 0, len(a.times) - 1)
    prev = np.clip(idx - 1, 0, len(a.times) - 1)
    d_idx, d_prev = hamming(bh, ah[idx]), hamming(bh, ah[prev])
    closer = np.abs(a.times[prev] - ta_pred) < np.abs(a.times[idx] - ta_pred)
    use_prev = (d_prev < d_idx) | ((d_prev == d_idx) & closer)
    best = np.where(use_prev, prev, idx)
    dist = np.minimum(d_idx, d_prev)
    outside = (ta_pred < a.times[0] - a.frame_dur) | (ta_pred > a.times[-1] + a.frame_dur)
    dist = np.where(outside, 64, dist)
    return best, dist


def _cut_instead(a: Track, b: Track, channel: int, speed: float, offset: float, dist: np.ndarray, a_idx: np.ndarray,
                 free: np.ndarray) -> list[tuple[float, float, int, int]] | None:
    """A speed-up line (B shows A faster) that two normal-speed stretches with a jump forward in A explain as
    well: the pieces (speed, offset, first B frame, B frame after the last) of the two stretches, end to end; else
    None. Where the line explains its own part of B better than the cut (a speed ramp: normal speed, 2x, normal
    speed), the two stretches with that part left out between them, for its own line to claim.

    In slow footage many neighbouring frames look alike, so a sloped line crossing a cut matches nearly
    everywhere: the seeds vote for it. A true speed change matches uniformly along the line; a cut makes the
    line drift off the footage on either side of the jump, where the two normal-speed stretches match exactly.
    Every split point and every pair of normal-speed offsets between the line's ends is scored, per frame, by
    the distance each explanation gives (capped: a frame either explains misses counts the same). The line is
    then scored on its own part only, between the two stretches (a ramp's normal-speed footage on either side of
    its 2x part is no evidence against the 2x line), and kept there when it beats the cut."""
    _, a_name, b_name, _ = _CHANNELS[channel]
    usable = free & ~b.flat_for(b_name)
    on = np.flatnonzero(usable & (dist <= MATCH_THRESHOLD_BITS))
    if len(on) < 2 * MIN_SEGMENT_FRAMES:
        return None
    jb = np.arange(on[0], on[-1] + 1)
    jb = jb[usable[jb]]
    step = a.frame_dur
    # normal-speed offsets through the line's first and last matched frames, and a little beyond
    o_hi = float(b.times[jb[0]] - a.times[a_idx[jb[0]]]) + 2 * step
    o_lo = float(b.times[jb[-1]] - a.times[a_idx[jb[-1]]]) - 2 * step
    if o_hi <= o_lo:
        return None
    offs = np.arange(o_lo, o_hi + step / 2, step)
    if len(offs) * len(jb) > CUT_COST_CELLS:
        jb = jb[::int(np.ceil(len(offs) * len(jb) / CUT_COST_CELLS))]
    n = len(jb)
    cap = MATCH_THRESHOLD_BITS + 1
    cost_line = float(np.minimum(dist[jb], cap).sum())
    ah, bh = a.arrays[a_name], b.arrays[b_name][jb]
    ta = b.times[jb][None, :] - offs[:, None]  # (offsets, frames): the A time each normal-speed line predicts
    idx = np.clip(np.searchsorted(a.times, ta), 1, len(a.times) - 1)
    d = np.minimum(hamming(bh[None, :], ah[idx]), hamming(bh[None, :], ah[idx - 1]))
    d[(ta < a.times[0] - a.frame_dur) | (ta > a.times[-1] + a.frame_dur)] = cap
    d = np.minimum(d, cap)
    before = np.concatenate([np.zeros((len(offs), 1)), np.cumsum(d, axis=1)], axis=1)  # [o, k]: frames < k
    after = before[:, -1:] - before
    # the first stretch's offset must exceed the second's by a jump of at least two frames (forward in A)
    gap = 2
    if len(offs) <= gap:
        return None
    best_before = np.minimum.accumulate(before[::-1], axis=0)[::-1]  # [o, k]: min over offsets >= o
    total = after[:-gap] + best_before[gap:]  # [second stretch's offset, split]
    # both stretches at least MIN_SEGMENT_SECONDS long
    tb = b.times[jb]
    k_ok = np.zeros(n + 1, dtype=bool)
    k_ok[1:n] = (tb[1:] - tb[0] >= MIN_SEGMENT_SECONDS) & (tb[-1] - tb[1:] + b.frame_dur >= MIN_SEGMENT_SECONDS)
    if not k_ok.any():
        return None
    total[:, ~k_ok] = np.inf
    q, k = np.unravel_index(int(np.argmin(total)), total.shape)
    cost_cut = float(total[q, k])
    if cost_cut > cost_line + CUT_PREFERENCE_BITS * n:
        return None
    p = q + gap + int(np.argmin(before[q + gap:, k]))
    end = len(b.times)
    pieces = [(1.0, float(offs[p]), 0, int(jb[k])), (1.0, float(offs[q]), int(jb[k]), end)]
    # the ramp: the first stretch up to frame k1, the line over [k1, k2), the second stretch from k2
    line = np.concatenate([[0.0], np.cumsum(np.minimum(dist[jb], cap) + CUT_PREFERENCE_BITS)])  # a cut is commoner
    first, second = before[p], after[q]
    lim = np.searchsorted(tb, tb + b.frame_dur - MIN_SEGMENT_SECONDS, side="right") - 1  # per last line frame
    head = np.minimum.accumulate(first - line)  # best start k1 <= each frame
    ends = np.flatnonzero(lim >= 0)
    if len(ends) == 0:
        return pieces
    k2s = ends + 1
    costs = head[lim[ends]] + line[k2s] + second[k2s]
    x = int(np.argmin(costs))
    if costs[x] >= cost_cut:
        return pieces
    k2 = int(k2s[x])
    k1 = int(np.argmin((first - line)[:lim[ends[x]] + 1]))
    s1, s2 = int(jb[k1]), (int(jb[k2]) if k2 < n else end)
    return [(1.0, float(offs[p]), 0, s1), (1.0, float(offs[q]), s2, end)]


def _without_flat_edges(a: Track, b: Track, a_idx: np.ndarray, dist: np.ndarray, i: int, j: int) -> tuple[int, int]:
    """The run [i, j] without the flat B frames at its ends that face a picture in A along its line. Inside a run
    a flat frame is bridged (a flash, a black frame between shots); at its end it proves nothing and reads as
    footage B does not show: the black fade-in of another clip inserted after the stretch made a phantom second of
    it, which a later line then found again (a false ``reorder``). Flat on both sides (a fade to black that both
    files show) stays."""
    def idle(k: int) -> bool:
        return bool(b.flat[k]) and not (a.flat[a_idx[k]] and dist[k] < 64)

    while i <= j and idle(i):
        i += 1
    while j >= i and idle(j):
        j -= 1
    return i, j


def _runs(mask: np.ndarray, times: np.ndarray, frame: float) -> list[tuple[int, int]]:
    """Index ranges [i, j] of True runs, bridging gaps shorter than GAP_BRIDGE_SECONDS."""
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return []
    # neighbouring frames are one frame apart (a keyframe fingerprint: a GOP apart), so a run breaks only where
    # more than GAP_BRIDGE_SECONDS is missing between them
    breaks = np.flatnonzero(np.diff(times[idx]) > GAP_BRIDGE_SECONDS + frame * 1.5)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(idx) - 1]])
    return [(int(idx[s]), int(idx[e])) for s, e in zip(starts, ends, strict=True)]


def align(fa: Fingerprint, fb: Fingerprint) -> list[Segment]:
    """Every stretch of B that shows footage of A, ordered by B time.

    Alignment follows B frame by frame, each B frame compared with the A frame its line predicts, so A must have
    every frame: when A holds keyframes only (an index built with ``--keyframes``) and B every frame, B's frames
    would be compared with keyframes up to half a GOP away, and only stretches of slow footage would match (stray
    pieces whose two sides disagree in length). Then B is the reference the keyframes are looked up in, and the
    segments are turned back."""
    a, b = Track.of(fa), Track.of(fb)
    if len(a.times) > 1 and len(b.times) > 1 and a.frame_dur > SPARSE_RATIO * b.frame_dur:
        return sorted((swap(s) for s in _align(b, a)), key=lambda s: s.b_start)
    return _align(a, b)


SPARSE_RATIO = 1.5  # A's frames this many times further apart than B's: A is the sparse side (keyframes)
_SWAPPED_CHANNELS = {"a-crop": "b-crop", "b-crop": "a-crop", "a-bars": "b-bars", "b-bars": "a-bars",
                     "rotate-90": "rotate-270", "rotate-270": "rotate-90"}
_SWAPPED_CHANNELS.update({f"{x}-canvas{k}": f"{y}-canvas{k}" for x, y in (("a", "b"), ("b", "a"))
                          for k in range(1, REGION_SLOTS + 1)})


def swap(s: Segment) -> Segment:
    """A segment of align(x, y) as one of align(y, x): A and B exchanged."""
    return Segment(a_start=s.b_start, a_end=s.b_end, b_start=s.a_start, b_end=s.a_end,
                   speed=round(1.0 / s.speed, 4) if s.speed else s.speed, mirrored=s.mirrored, distance=s.distance,
                   frames=s.frames, channel=_SWAPPED_CHANNELS.get(s.channel, s.channel))


def _align(a: Track, b: Track) -> list[Segment]:
    if len(a.times) == 0 or len(b.times) == 0:
        return []
    if len(b.times) == 1 or len(a.times) == 1:
        return _single_frame(a, b)
    sample = _sample_b(b)
    seeds = _seeds(a, b, sample)
    explained = np.zeros(len(b.times), dtype=bool)
    segments: list[Segment] = []
    lines: list[tuple[float, float, int, int, int]] = []  # each segment's (speed, offset, channel, i, j)
    released: list[tuple[int, int, int]] = []  # (segment, first, last B frame): left for another line to claim
    tried: set[tuple[int, float, int]] = set()
    for _ in range(MAX_SEGMENTS * 2):
        line = _best_line(a, b, seeds, ~explained)
        if line is None or _support(a, b, seeds, line, ~explained) < MIN_SUPPORT_FRAMES:
            break
        _, channel, speed, offset = line
        key = (channel, round(speed, 3), int(round(offset / (2 * b.frame_dur))))
        seed_set = next(s for s in seeds if s.channel == channel)
        if key in tried:
            _drop_line(a, b, seed_set, line)  # the strongest remaining line gave nothing new: drop its seeds
            continue
        tried.add(key)
        speed, offset = _refine(a, b, seed_set, speed, offset, ~explained)
        a_idx, dist = _distances_along(a, b, channel, speed, offset)
        search = OFFSET_SEARCH_SECONDS  # wider for a sloped line put back to normal speed (its offset may lie off)
        ramp = None  # a speed ramp's normal-speed stretches beside the line's part (``_cut_instead``)
        if speed != 1.0:
            # a speed off 1 may be noise in the seeds or a static shot (any speed fits): keep normal speed
            # when it explains as much, unless the line explains its own part better (a speed ramp: the
            # normal-speed footage either side matches as much)
            free = ~explained
            sel = free & (dist <= MATCH_THRESHOLD_BITS)
            offset1 = float(np.median(b.times[sel] - a.times[a_idx[sel]])) if sel.any() else offset
            a_idx1, dist1 = _distances_along(a, b, channel, 1.0, offset1)
            m0, m1 = (dist <= MATCH_THRESHOLD_BITS) & free, (dist1 <= MATCH_THRESHOLD_BITS) & free
            good, good1 = int(m0.sum()), int(m1.sum())
            mean0 = float(dist[m0].mean()) if good else 64.0
            mean1 = float(dist1[m1].mean()) if good1 else 64.0
            if good1 >= 0.95 * good and mean1 <= mean0 + 1.0:
                if speed < 1.0 - SPEED_MIN_CHANGE:
                    cut = _cut_instead(a, b, channel, speed, offset, dist, a_idx, free)
                    ramp = cut if cut is not None and cut[0][3] < cut[1][2] else None
                if ramp is None:
                    speed, offset, a_idx, dist, search = 1.0, offset1, a_idx1, dist1, OFFSET_SEARCH_FROM_SLOPE
        if channel >= _FIRST_HALF:
            # a line found through a half picture: where the whole picture matches along it too, it is an
            # ordinary match (whole-picture name and thresholds); elsewhere the half alone carries the frame
            a_full, d_full = _distances_along(a, b, 0, speed, offset)
            whole = int(((d_full <= MATCH_THRESHOLD_BITS) & ~explained).sum())
            if whole >= WHOLE_OVER_HALF * int(((dist <= MATCH_THRESHOLD_BITS) & ~explained).sum()):
                channel, a_idx, dist = 0, a_full, d_full
        if speed == 1.0:
            offset, a_idx, dist = _best_offset(a, b, channel, offset, a_idx, dist, ~explained, search)
        # each piece: (speed, offset, A frame per B frame, distances, B frames it may explain)
        pieces = [(speed, offset, a_idx, dist, ~explained)]
        if speed < 1.0 - SPEED_MIN_CHANGE:
            cut = ramp or _cut_instead(a, b, channel, speed, offset, dist, a_idx, ~explained)
            if cut is not None:
                at = np.arange(len(b.times))
                pieces = [(v, o, *_distances_along(a, b, channel, v, o), ~explained & (at >= lo) & (at < hi))
                          for v, o, lo, hi in cut]
        new = 0
        for speed, offset, a_idx, dist, allowed in pieces:
            ok = ((dist <= MATCH_THRESHOLD_BITS) | b.flat) & allowed
            for i, j in _runs(ok, b.times, b.frame_dur):
                i, j = _without_flat_edges(a, b, a_idx, dist, i, j)
                if i > j:
                    continue
                run_i, run_j = i, j
                if speed == 1.0 and channel < _FIRST_HALF:
                    i, j = _release_edges(a, b, next((s for s in seeds if s.channel == channel), None), channel,
                                          offset, dist, i, j)
                run = slice(i, j + 1)
                informative = ~b.flat[run]
                if informative.sum() == 0:
                    continue
                mean_d = float(dist[run][informative].mean())
                length = b.times[j] - b.times[i] + b.frame_dur
                half = channel >= _FIRST_HALF  # half a picture says less: it must match longer and closer
                if length < (HALF_MIN_SEGMENT_SECONDS if half else MIN_SEGMENT_SECONDS) or \
                        mean_d > (HALF_SEGMENT_MAX_MEAN_BITS if half else SEGMENT_MAX_MEAN_BITS) or \
                        int(informative.sum()) < MIN_SEGMENT_FRAMES:
                    continue
                explained[run] = True
                new += 1
                released += [(len(segments), lo, hi) for lo, hi in ((run_i, i - 1), (j + 1, run_j)) if lo <= hi]
                segments.append(_segment(a, b, i, j, a_idx, speed, offset, channel, mean_d))
                lines.append((speed, offset, channel, i, j))
        if len(segments) >= MAX_SEGMENTS:
            break
        if new == 0:
            # nothing new: the same line would be the strongest again (nothing changed); drop its seeds now (a long
            # A offers many chance lines, each cost two Hough votes)
            _drop_line(a, b, seed_set, line)
    for x, lo, hi in released:
        # no other line claimed what a run left out: it returns to the run
        if explained[lo:hi + 1].any():
            continue
        speed, offset, channel, i, j = lines[x]
        i, j = min(i, lo), max(j, hi)
        a_idx, dist = _distances_along(a, b, channel, speed, offset)
        informative = ~b.flat[i:j + 1]
        segments[x] = _segment(a, b, i, j, a_idx, speed, offset, channel, float(dist[i:j + 1][informative].mean()))
        lines[x] = (speed, offset, channel, i, j)
        explained[i:j + 1] = True
    return merge(sorted(without_weak_repeats(segments), key=lambda s: s.b_start), a.times, a.flat)


def _drop_line(a: Track, b: Track, seeds: _Seeds, line: tuple[float, int, float, float]) -> None:
    """Leave out the seeds of ``line`` (its channel's seeds within two frames of it)."""
    _, _, speed, offset = line
    keep = np.abs(b.times[seeds.jb] - (speed * a.times[seeds.ia] + offset)) > 2 * b.frame_dur
    seeds.ia, seeds.jb, seeds.d, seeds.w = seeds.ia[keep], seeds.jb[keep], seeds.d[keep], seeds.w[keep]



def _best_offset(a: Track, b: Track, channel: int, offset: float, a_idx: np.ndarray, dist: np.ndarray,
                 free: np.ndarray, search: float = OFFSET_SEARCH_SECONDS) -> tuple[float, np.ndarray, np.ndarray]:
    """A normal-speed line moved by up to ``search`` seconds to where it matches the frames it matches best.
    In a static shot the seeds of a sparse sample agree with many offsets, and the vote can land a few frames
    off; the frames along the line tell (summed distance, capped)."""
    on = np.flatnonzero(free & ~b.flat_for(_CHANNELS[channel][2]) & (dist <= MATCH_THRESHOLD_BITS))
    if len(on) < MIN_SEGMENT_FRAMES:
        return offset, a_idx, dist
    on = on[::max(1, len(on) // OFFSET_SEARCH_FRAMES)]
    steps = int(round(search / a.frame_dur))
    offs = offset + np.arange(-steps, steps + 1) * a.frame_dur
    cost = _offset_distances(a, b, channel, on, offs).sum(axis=1)
    best = np.flatnonzero(cost == cost.min())
    k = int(best[np.argmin(np.abs(best - steps))])  # of equally good offsets, the nearest
    return (offset, a_idx, dist) if k == steps else (float(offs[k]), *_distances_along(a, b, channel, 1.0, offs[k]))


def _offset_distances(a: Track, b: Track, channel: int, frames: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(offsets, frames): the distance of each of B's ``frames`` from A's frame at its time less each offset (the
    nearer of the two frames around it), capped at MATCH_THRESHOLD_BITS + 1, which is also the value past A's ends."""
    _, a_name, b_name, _ = _CHANNELS[channel]
    ta = b.times[frames][None, :] - offsets[:, None]
    idx = np.clip(np.searchsorted(a.times, ta), 1, len(a.times) - 1)
    ah, bh = a.arrays[a_name], b.arrays[b_name][frames][None, :]
    d = np.minimum(np.minimum(hamming(bh, ah[idx]), hamming(bh, ah[idx - 1])), MATCH_THRESHOLD_BITS + 1)
    d[(ta < a.times[0] - a.frame_dur) | (ta > a.times[-1] + a.frame_dur)] = MATCH_THRESHOLD_BITS + 1
    return cast(np.ndarray, d)


def _release_edges(a: Track, b: Track, seeds: _Seeds | None, channel: int, offset: float, dist: np.ndarray,
                   i: int, j: int) -> tuple[int, int]:
    """The run [i, j] of a normal-speed line without its first or last stretch when another normal-speed line
    that the seeds point at matches that stretch far closer: it is left for that line to claim. A line found
    first takes every frame within MATCH_THRESHOLD_BITS, and in slow footage it reaches past a cut (or a
    splice of similar footage) over the whole stretch beside it, which its own line matches near exactly."""
    if seeds is None:
        return i, j
    inside = (seeds.jb >= i) & (seeds.jb <= j)
    step = a.frame_dur
    offs, counts = np.unique(np.round((b.times[seeds.jb[inside]] - a.times[seeds.ia[inside]]) / step),
                             return_counts=True)
    far = np.abs(offs * step - offset) > 2 * step
    if not far.any():
        return i, j
    offs = offs[far][np.argsort(-counts[far], kind="stable")[:RELEASE_CANDIDATES]] * step
    r = np.arange(i, j + 1)
    informative = ~b.flat[r]
    if not informative.any():
        return i, j
    other = np.where(informative, _offset_distances(a, b, channel, r, offs), 0)  # (candidate lines, frames)
    gain = np.where(informative, np.minimum(dist[r], MATCH_THRESHOLD_BITS + 1), 0)[None, :] - other  # if released
    tb = b.times[r]
    n_inf = np.cumsum(informative)
    pos = np.arange(len(r))
    # informative time: the released stretch (flat frames say nothing) and the rest must each span
    # MIN_SEGMENT_SECONDS between their first and last informative frames
    last_upto = np.maximum.accumulate(np.where(informative, pos, 0))
    first_from = np.minimum.accumulate(np.where(informative, pos, len(r) - 1)[::-1])[::-1]
    f0, f1 = int(first_from[0]), int(last_upto[-1])
    head = tb[last_upto] - tb[f0] + b.frame_dur  # [e]: frames [0, e]
    tail = tb[f1] - tb[first_from] + b.frame_dur  # [e]: frames [e, end]
    rest_after = np.concatenate([tail[1:], [0.0]])  # [e]: frames [e + 1, end]
    rest_before = np.concatenate([[0.0], head[:-1]])  # [e]: frames [0, e - 1]
    # [candidate, e]: releasing frames [0, e] (prefix) or [e, end] (suffix): summed gain, informative frames,
    # summed distance along the other line, both parts long enough
    prefix = (np.cumsum(gain, axis=1), n_inf, np.cumsum(other, axis=1),
              (head >= MIN_SEGMENT_SECONDS) & (rest_after >= MIN_SEGMENT_SECONDS))
    suffix = (np.cumsum(gain[:, ::-1], axis=1)[:, ::-1], n_inf[-1] - np.concatenate([[0], n_inf[:-1]]),
              np.cumsum(other[:, ::-1], axis=1)[:, ::-1],
              (tail >= MIN_SEGMENT_SECONDS) & (rest_before >= MIN_SEGMENT_SECONDS))
    edge: list[int | None] = []
    for g, n, o, ok in (prefix, suffix):
        per = np.maximum(n, 1)[None, :]
        valid = ok[None, :] & (n[None, :] >= MIN_SEGMENT_FRAMES) & (g >= RELEASE_MIN_GAIN_BITS * per) & \
            (o <= SEGMENT_MAX_MEAN_BITS * per)
        if not valid.any():
            edge.append(None)
            continue
        _, e = np.unravel_index(int(np.argmax(np.where(valid, g, -np.inf))), g.shape)
        edge.append(int(e))  # the split with the largest gain: where the other line starts matching better
    first, last = edge
    new_i = i + first + 1 if first is not None else i
    new_j = i + last - 1 if last is not None else j
    if b.times[new_j] - b.times[new_i] + b.frame_dur < MIN_SEGMENT_SECONDS:
        return i, j
    return new_i, new_j


def _segment(a: Track, b: Track, i: int, j: int, a_idx: np.ndarray, speed: float, offset: float, channel: int,
             mean_d: float) -> Segment:
    name, _, _, mirrored = _CHANNELS[channel]
    b_start, b_end = float(b.times[i]), float(b.times[j] + b.frame_dur)
    a_start = float(a.times[a_idx[i]])
    # B's last frame stays on screen for its own duration: as long of A's footage (a GIF's frame spans A's several)
    a_end = min(float(a.times[a_idx[j]]) + max(a.frame_dur, b.frame_dur / speed), float(a.times[-1] + a.frame_dur))
    if b.keyframes and b.frame_dur > SPARSE_RATIO * a.frame_dur:
        # B holds keyframes (a GIF at 6 fps holds all its frames: its ends are its own): the footage runs on
        # past its first and last matched keyframe, by up to a GOP, which
        # the dense A measures: to A's own start or end when that lies within a GOP, else half a GOP (the
        # keyframe beyond did not match). B's ends follow on the line: both sides span the same footage.
        gop = b.frame_dur / speed
        first, last = float(a.times[a_idx[i]]), float(a.times[a_idx[j]])  # A at B's first and last keyframe
        a_first, a_last = float(a.times[0]), float(a.times[-1] + a.frame_dur)
        new_start = a_first if first - a_first <= gop else first - gop / 2
        new_end = a_last if a_last - (last + a.frame_dur) <= gop else last + gop / 2  # within a GOP of the key
        b_start, b_end = b_start - (first - new_start) * speed, float(b.times[j]) + (new_end - last) * speed
        a_start, a_end = new_start, new_end
    return Segment(
        a_start=round(a_start, 4), a_end=round(a_end, 4), b_start=round(b_start, 4), b_end=round(b_end, 4),
        speed=round(speed, 4), mirrored=mirrored, distance=round(mean_d, 2), frames=j - i + 1, channel=name,
    )


def _single_frame(a: Track, b: Track) -> list[Segment]:
    """A still against a video (or two stills): the best-matching frame, if close enough."""
    best: Segment | None = None
    for name, a_name, b_name, mirrored in _CHANNELS:
        d = hamming(b.arrays[b_name][:, None], a.arrays[a_name][None, :])
        jb, ia = np.unravel_index(int(np.argmin(d)), d.shape)
        dist = int(d[jb, ia])
        if dist <= SEED_THRESHOLD_BITS and (best is None or dist < best.distance):
            best = Segment(float(a.times[ia]), float(a.times[ia]), float(b.times[jb]), float(b.times[jb]), 1.0,
                           mirrored, float(dist), 1, name)
    return [best] if best else []


__all__ = [
    "MATCH_THRESHOLD_BITS", "MIN_SEGMENT_SECONDS", "SEED_THRESHOLD_BITS", "Track", "align", "swap",
]
