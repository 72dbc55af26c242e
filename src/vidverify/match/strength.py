"""Pure: how much information a matched stretch carries, and which stretches carry too little to be reported.

A stretch of B matches A when its frames lie within a few bits of the A frames its line predicts. That says B
shows A only when the line is pinned in time: at another moment the frames would not match as well. A still, a
static shot, black or dark frames, or frames that are mostly app chrome or a template shared by unrelated files
match the other file (and themselves) whatever the moment. Same camera, same place, different moment is not the
same footage.

So a stretch is tested against the alternatives "B shows A shifted by D seconds" and "B's frames show B's own
picture D seconds away" for D = +-1, 2, 4, 8 ... seconds (as far as the files reach). For each shift, the share
of the stretch's informative frames whose matched distance beats the shifted picture by MARGIN_BITS is the
share of the stretch that proves the shift wrong; the stretch's evidence is its informative time times the
smallest such share (the alternative it refutes worst). Moving footage refutes every shift nearly everywhere;
a slideshow refutes each shift around its picture changes (a 14 s stretch with three changes: about 1.5 s);
a static shot refutes none. The hashes do not see brightness (a fade to black hashes like the picture it fades),
so on a whole-picture channel a frame also refutes a shift where the shifted picture is LUMA_MARGIN brighter or
darker than the frame, beyond the line's own difference (B's brightness fitted to A's along the line): a still
photograph that fades out pins the moment where its hashes cannot. It counts only where B's brightness follows
A's along the line and changes there itself (a fade in both): a still held in B beside A's fades shows nothing.
A shifted moment that is flat in both files (black, a blank title) has no picture for the hashes; another
brightness than the frame's refutes it all the same, in a stretch that shows more than one picture (a photograph
held between a blank title and a text card is pinned by both cuts; by one, it is pinned on one side only, and
stays a look-alike). A single picture between two cuts to black is not: the blanks would pin a line, at any
speed, through any static shot between them (two moments of one camera, edited alike).
The aligner takes any of a still's lines; one that fails is first moved to where B's brightness follows A's.

A stretch needs MIN_EVIDENCE_SECONDS of evidence whatever its length, in A's footage time where B plays it faster (a
4x time-lapse's second of B shows four seconds of A, each frame another moment): the share a short stretch needs is
proportionally larger (a 1 s stretch must refute every shift throughout, a 3 s one over a third of it, a 30 s
one over 3%), and a stretch under MIN_EVIDENCE_SECONDS long cannot make a match by itself. A stretch whose
channel this module does not know (``stream-copy``: the original's own compressed frames, or a channel added
after it) is kept as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import cast

import numpy as np

from ..models import Edit, Segment
from ..signals.fingerprint import ALIGNMENT, HALVES, REGION_SLOTS, Fingerprint
from ..signals.hashing import hamming
from ..signals.picture import unpack_boxes
from .align import MATCH_THRESHOLD_BITS, SEED_THRESHOLD_BITS, SPARSE_RATIO, swap
from .edits import SPEED_TOLERANCE
from .track import Track

SHIFTS_SECONDS = 1.0  # the smallest shift tested; then doubled as far as the files reach
KEYFRAME_SECONDS = 0.5  # frames this far apart are keyframes (``hash --keyframes``): see _measure
MIN_SHIFT_FRAMES = 8  # a shift is tested when at least this many frames (and a fifth of the stretch) have a
# picture at the shifted moment
MARGIN_BITS = 2  # a shifted picture within this many bits of the matched distance matches as well
MIN_EVIDENCE_SECONDS = 1.0  # evidence a stretch needs to be reported
STRONG_EVIDENCE_SECONDS = 2.0  # ... and to measure picture edits (crop, colour, overlay, rotation) on
STRONG_SHARE = 0.3  # ... with at least this share of it refuting every shift
LUMA_MARGIN = 6.0  # a shifted picture this much brighter or darker (of 255) than the line's is another moment
LUMA_GAIN_RANGE = 10.0  # B's brightness is fitted to A's with a gain where A's spans this much along the line
LUMA_GAINS = (0.5, 2.0)  # ... a gain outside these is no fit (an offset is used)
LUMA_CHANGE = 10.0  # brightness is evidence only where B's changes this much along the line (a fade) as A's does
LUMA_SEARCH_SECONDS = 30.0  # a look-alike stretch's line is moved up to this far to where brightness follows A's
LUMA_SEARCH_FRAMES = 60  # ... judged on an even sample of this many of its frames
BRIDGE_GAP_SECONDS = 0.5  # a stretch that ends this close (in A and in B) to where kept stretches end and begin ...
BRIDGE_MIN_SHARE = 0.5  # ... and refutes every other moment over this share of its frames: it is kept, short or not
MAX_FRAMES = 3000  # a longer stretch is measured on an even sample of this many frames (scaled back)

CHANNEL_ARRAYS = {(name, mirrored): (a_name, b_name) for name, a_name, b_name, mirrored in ALIGNMENT}


@dataclass(frozen=True)
class Strength:
    """The information one matched stretch carries."""

    seconds: float  # informative time (of A's footage, where B plays it faster)
    share: float  # informative frames / frames measured
    frames: int  # frames measured (0: a channel this module does not know; the stretch is kept)

    @property
    def passes(self) -> bool:
        return self.frames == 0 or self.seconds >= MIN_EVIDENCE_SECONDS

    @property
    def strong(self) -> bool:
        """Strong enough to measure picture edits on."""
        return self.frames == 0 or (self.seconds >= STRONG_EVIDENCE_SECONDS and self.share >= STRONG_SHARE)

    @property
    def ratio(self) -> float:
        """The evidence as a share of what a stretch needs (1.0 and above: it passes)."""
        return 1.0 if self.frames == 0 else self.seconds / MIN_EVIDENCE_SECONDS


def _sample(n: int, k: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, k)).round().astype(int)) if n else np.zeros(0, int)


def _pictures(h: np.ndarray) -> int:
    """1 when every hash of ``h`` lies within MATCH_THRESHOLD_BITS of its first and its last (one picture, dimmed
    or noisy as it may be), 2 when some lie beyond (a cut to another picture), 0 for none."""
    if len(h) == 0:
        return 0
    return 1 + int((hamming(h[:, None], h[[0, -1]][None, :]) > MATCH_THRESHOLD_BITS).any())


def _inside(t: Track, at: np.ndarray) -> np.ndarray:
    """Whether each time ``at`` lies within the file's frames (a frame's length either side)."""
    inside: np.ndarray = (at >= t.times[0] - t.frame_dur) & (at <= t.times[-1] + t.frame_dur)
    return inside


def _at(times: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The frame shown nearest to each time ``at``."""
    idx = np.clip(np.searchsorted(times, at), 1, len(times) - 1)
    return np.where(np.abs(times[idx - 1] - at) < np.abs(times[idx] - at), idx - 1, idx)


def nearest(h: np.ndarray, times: np.ndarray, flat: np.ndarray, hb: np.ndarray, at: np.ndarray,
             frame: float, both: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Distance of each hash of ``hb`` to the picture of ``h`` shown at time ``at`` (with ``both``, the best of
    the two nearest frames; else the nearest in time: a shifted picture of keyframes a shift apart is the next
    keyframe, not the frame itself), and whether there is one (inside the file, not flat)."""
    if both:
        idx = np.clip(np.searchsorted(times, at), 1, len(times) - 1)
        d = np.minimum(hamming(hb, h[idx]), hamming(hb, h[idx - 1]))
        ok = ~(flat[idx] & flat[idx - 1])
    else:
        idx = _at(times, at)
        d, ok = hamming(hb, h[idx]), ~flat[idx]
    return d, ok & (at >= times[0] - frame) & (at <= times[-1] + frame)


def _measure(s: Segment, a: Track, b: Track) -> Strength:
    arrays = CHANNEL_ARRAYS.get((s.channel, s.mirrored))
    if arrays is None or len(a.times) < 2 or len(b.times) < 2:
        return Strength(0.0, 0.0, 0)
    a_name, b_name = arrays
    speed = s.speed or 1.0
    lo, hi = np.searchsorted(b.times, [s.b_start - 1e-6, s.b_end - 1e-6])
    jb = np.arange(lo, max(lo, hi))
    if len(jb) == 0:
        return Strength(0.0, 0.0, 0)
    a_flat, b_flat = a.flat_for(a_name), b.flat_for(b_name)
    jb = jb[~b_flat[jb]]
    if len(jb) == 0:
        return Strength(0.0, 0.0, 1)
    scale = 1.0
    if len(jb) > MAX_FRAMES:
        scale = len(jb) / MAX_FRAMES
        jb = jb[_sample(len(jb), MAX_FRAMES)]
    ah, bh = a.arrays[a_name], b.arrays[b_name]
    hb, tb = bh[jb], b.times[jb]
    ta = s.a_start + (tb - s.b_start) / speed  # the A moment each B frame shows
    if a.frame_dur >= KEYFRAME_SECONDS:
        # keyframes a second apart: the line may sit a keyframe off the footage's own (the nearest two frames
        # below hide that), and a shift of one keyframe would then land on the very picture B shows. Measured on
        # the closest of the line and its neighbours a keyframe away.
        # (the mean, not the median: a keyframe off, the frames beside each scene cut show another scene)
        off = min((0.0, -a.frame_dur, a.frame_dur), key=lambda k: float(np.mean(nearest(
            ah, a.times, a_flat, hb, ta + k, a.frame_dur, both=False)[0])))
        ta = ta + off
    d, _ = nearest(ah, a.times, a_flat, hb, ta, a.frame_dur)
    limit = d + MARGIN_BITS
    reach = max(a.times[-1] - a.times[0], (b.times[-1] - b.times[0]) / speed)
    shifts: list[float] = []
    while (shift := SHIFTS_SECONDS * 2 ** (len(shifts) // 2)) <= reach:
        shifts += [shift, -shift]
    steps = np.array(shifts).reshape(-1, 1)  # each shift both ways, as rows: all measured at once
    da, ok_a = nearest(ah, a.times, a_flat, hb, ta + steps, a.frame_dur, both=False)
    db, ok_b = nearest(bh, b.times, b_flat, hb, tb + steps * speed, b.frame_dur, both=False)
    ok = ok_a | ok_b
    tested = ok.sum(axis=1) >= max(MIN_SHIFT_FRAMES, 0.2 * len(jb))  # enough frames still inside a file
    refuted_a, refuted_b = ~ok_a | (da > limit), ~ok_b | (db > limit)
    if a_name in _WHOLE and b_name in _WHOLE and a.luma is not None and b.luma is not None:
        darker_a, darker_b = _brightness(a, b, jb, ta, d, steps, speed)
        refuted_a, refuted_b = refuted_a | darker_a, refuted_b | darker_b
        # a shifted moment that is flat in both files (black, a blank title) has no picture for the hashes, but
        # another brightness than the frame's tells all the same, in a stretch that shows more than one picture
        # (a cut between two that both files show): a photograph between a blank title and a text card is pinned
        # by both cuts. Two cuts to black alone would pin a line, at any speed, through any static shot between them
        if _pictures(hb[d <= MATCH_THRESHOLD_BITS]) > 1:
            ok = ok | (darker_a & darker_b & _inside(a, ta + steps) & _inside(b, tb + steps * speed))
    refuted = ok & refuted_a & refuted_b
    shares = refuted[tested].sum(axis=1) / ok[tested].sum(axis=1)
    if len(shares):
        share = float(shares.min())
    else:  # two files too short to shift: the random-hash model (a frame this close is rarely chance)
        share = float((d <= SEED_THRESHOLD_BITS).mean())
    # footage time: a time-lapse's B frames lie 1/speed of A's frames apart, each another moment of A (a slow
    # motion's repeat or blend A's frames: counted at B's pace, as before)
    seconds = share * len(jb) * scale * b.frame_dur * max(1.0, 1.0 / speed)
    return Strength(round(seconds, 3), round(share, 3), len(jb))


_WHOLE = {name for _, a_name, b_name, _ in ALIGNMENT for name in (a_name, b_name)
          if not name.startswith("region") and name != "inner"}  # arrays of the whole picture (its luma's)


def _brightness(a: Track, b: Track, jb: np.ndarray, ta: np.ndarray, d: np.ndarray, steps: np.ndarray,
                speed: float) -> tuple[np.ndarray, np.ndarray]:
    """For each shift (row) and B frame ``jb`` (column): whether A's picture shifted, and B's own picture
    shifted, are another brightness than the frame: LUMA_MARGIN beyond the line's own difference, B's luma fitted
    to A's over the frames that match (a gain where A's brightness varies, as a fade; else an offset)."""
    assert a.luma is not None and b.luma is not None
    la, lb = a.luma[_at(a.times, ta)], b.luma[jb]
    fit = d <= MATCH_THRESHOLD_BITS
    none = np.zeros((len(steps), len(jb)), bool)
    if fit.sum() < 2:
        return none, none
    gain, offset = 1.0, float(np.median(lb[fit] - la[fit]))
    if np.ptp(la[fit]) >= LUMA_GAIN_RANGE:
        g, o = np.polyfit(la[fit], lb[fit], 1)
        if LUMA_GAINS[0] <= g <= LUMA_GAINS[1]:
            gain, offset = float(g), float(o)
    own = np.abs(lb - (gain * la + offset))
    if np.median(own[fit]) > LUMA_MARGIN / 2:  # B's brightness does not follow A's along the line: no evidence
        return none, none
    follows = own <= LUMA_MARGIN  # frames whose brightness the line explains
    told = lb[follows & fit]
    if len(told) == 0 or np.ptp(told) < LUMA_CHANGE:
        # B's brightness does not change where it follows A's: nothing pins the line (a still held in B, beside
        # A's fades, would refute every shift that lands on a fade without showing one)
        return none, none
    shifted_a = a.luma[_at(a.times, ta + steps)]
    shifted_b = b.luma[_at(b.times, b.times[jb] + steps * speed)]
    return (follows & (np.abs(lb - (gain * shifted_a + offset)) > own + LUMA_MARGIN),
            follows & (np.abs(lb - shifted_b) > LUMA_MARGIN))


def strengths(segments: list[Segment], fa: Fingerprint, fb: Fingerprint) -> list[Strength]:
    """The strength of each segment of ``align(fa, fb)``."""
    if not segments:
        return []
    a, b = Track.of(fa), Track.of(fb)
    if a.frame_dur > SPARSE_RATIO * b.frame_dur:
        # A holds keyframes: B's frames would be compared with keyframes up to half a GOP away; measure A's
        # keyframes against the dense B instead (as the aligner does)
        return [_pinned(swap(s), b, a) for s in segments]
    return [_pinned(s, a, b) for s in segments]


_HALVES = tuple(name for name, a_name, _, mirrored in ALIGNMENT if not mirrored and a_name in HALVES)


def _pinned(s: Segment, a: Track, b: Track) -> Strength:
    """A segment's strength: measured on its channel, or, for a whole picture that this leaves short of strong,
    on the half picture that pins its line best. An overlay over one half (a lower third, a box in a corner)
    leaves the whole picture 10-12 bits away, where other moments of slow footage lie too, while the free half
    matches within a bit or two: the half is the evidence, and the segment stays the whole picture's (its
    distance is what lineage and the report read)."""
    m = _measure(s, a, b)
    if s.channel != "full" or s.mirrored or m.strong:
        return m
    return max([m, *(_measure(replace(s, channel=h), a, b) for h in _HALVES)], key=lambda x: x.seconds)


@dataclass(frozen=True)
class Informative:
    """``keep_informative``'s answer."""

    segments: list[Segment]  # the segments that carry enough evidence ...
    strengths: list[Strength]  # ... and their strengths
    dropped: list[tuple[Segment, Strength]]  # the others (look-alikes), with theirs
    weak: float  # how much the dropped ones looked like a match (0..1, 0.0: none dropped)


def _by_brightness(s: Segment, a: Track, b: Track) -> Segment | None:
    """A stretch whose hashes fit many lines (a still photograph: the aligner takes one of them) moved, up to
    LUMA_SEARCH_SECONDS, to the line along which B's brightness follows A's best (a fade in or out), where the
    hashes still match; None when no line follows it better than the segment's own."""
    arrays = CHANNEL_ARRAYS.get((s.channel, s.mirrored))
    if arrays is None or not set(arrays) <= _WHOLE or a.luma is None or b.luma is None or len(a.times) < 2:
        return None
    a_name, b_name = arrays
    speed = s.speed or 1.0
    lo, hi = np.searchsorted(b.times, [s.b_start - 1e-6, s.b_end - 1e-6])
    jb = np.arange(lo, max(lo, hi))
    jb = jb[~b.flat_for(b_name)[jb]]
    if len(jb) < MIN_SHIFT_FRAMES:
        return None
    jb = jb[_sample(len(jb), LUMA_SEARCH_FRAMES)]
    ta = s.a_start + (b.times[jb] - s.b_start) / speed
    k = int(LUMA_SEARCH_SECONDS / a.frame_dur)
    moves = (np.arange(-k, k + 1) * a.frame_dur).reshape(-1, 1)
    at = ta + moves
    idx = _at(a.times, at)
    inside = ((at >= a.times[0] - a.frame_dur) & (at <= a.times[-1] + a.frame_dur)).all(axis=1)
    hashes_fit = (hamming(b.arrays[b_name][jb], a.arrays[a_name][idx]) <= MATCH_THRESHOLD_BITS).mean(axis=1) >= 0.9
    diff = b.luma[jb] - a.luma[idx]
    off = np.abs(diff - np.median(diff, axis=1, keepdims=True)).mean(axis=1)  # brightness not followed
    off = np.where(inside & hashes_fit, off, np.inf)
    best = int(np.argmin(off))
    if not np.isfinite(off[best]) or off[best] >= off[k] - LUMA_MARGIN / 2:
        return None
    move = float(moves[best, 0])
    return replace(s, a_start=s.a_start + move, a_end=s.a_end + move)


def _bridged(segments: list[Segment], measured: list[Strength]) -> list[bool]:
    """Per segment, whether it is kept: it passes, or it joins two kept stretches end to end in A and in B
    (within BRIDGE_GAP_SECONDS) and its own frames refute other moments over BRIDGE_MIN_SHARE of it (moving
    footage, not a look-alike): the footage before and after it pins its moment, however short it is (the 2x
    stretch of a speed ramp, 1 s of B between two normal-speed stretches). A stretch that joins only one, or
    lies elsewhere, stands alone."""
    def joins(x: Segment, y: Segment) -> bool:  # y begins where x ends, in both files
        return abs(y.a_start - x.a_end) <= BRIDGE_GAP_SECONDS and abs(y.b_start - x.b_end) <= BRIDGE_GAP_SECONDS

    anchors = [s for s, m in zip(segments, measured, strict=True) if m.passes]
    return [m.passes or (m.share >= BRIDGE_MIN_SHARE and any(joins(p, s) for p in anchors)
                         and any(joins(s, n) for n in anchors))
            for s, m in zip(segments, measured, strict=True)]


def _meet(segments: list[Segment]) -> list[Segment]:
    """Two stretches of different speed that join end to end (within BRIDGE_GAP_SECONDS in A and in B) end where
    their lines cross, when they cross there: footage whose speed changes goes on (a speed ramp). Each line
    matches a little way into the other's footage, and the small gap it left in A read as a cut."""
    out = list(segments)
    order = sorted(range(len(out)), key=lambda k: out[k].b_start)
    for x, y in zip(order, order[1:], strict=False):
        p, n = out[x], out[y]
        if abs(n.b_start - p.b_end) > BRIDGE_GAP_SECONDS or abs(n.a_start - p.a_end) > BRIDGE_GAP_SECONDS or \
                p.mirrored != n.mirrored or abs(1 / (p.speed or 1.0) - 1 / (n.speed or 1.0)) < SPEED_TOLERANCE:
            continue
        # A = a_start + (t - b_start) / speed on each line: the B time t where both give one A moment
        rp, rn = 1 / (p.speed or 1.0), 1 / (n.speed or 1.0)
        t = (n.a_start - p.a_start + p.b_start * rp - n.b_start * rn) / (rp - rn)
        if not (p.b_start < t < n.b_end and abs(t - p.b_end) <= BRIDGE_GAP_SECONDS
                and abs(t - n.b_start) <= BRIDGE_GAP_SECONDS):
            continue
        t, at = round(t, 4), round(p.a_start + (t - p.b_start) * rp, 4)
        out[x], out[y] = replace(p, b_end=t, a_end=at), replace(n, b_start=t, a_start=at)
    return out


def keep_informative(segments: list[Segment], fa: Fingerprint, fb: Fingerprint) -> Informative:
    """The segments that carry enough evidence and the others. ``weak``: the largest of a dropped stretch's
    evidence ratio (``Strength.ratio``) and of its length (up to MIN_EVIDENCE_SECONDS) times its closeness below
    MATCH_THRESHOLD_BITS. Two moments of a static shot look exactly alike for seconds: whether they are one
    footage cannot be told, and a miss must say so."""
    measured = strengths(segments, fa, fb)
    a, b = Track.of(fa), Track.of(fb)
    if a.frame_dur <= SPARSE_RATIO * b.frame_dur:  # (keyframes are measured the other way round: left as found)
        for k, (s, m) in enumerate(zip(segments, measured, strict=True)):
            if not m.passes and (moved := _by_brightness(s, a, b)) is not None:
                if (again := _measure(moved, a, b)).passes:
                    segments, measured = [*segments[:k], moved, *segments[k + 1:]], [*measured[:k], again,
                                                                                     *measured[k + 1:]]
    keep = _bridged(segments, measured)
    kept = [(s, m) for s, m, k in zip(segments, measured, keep, strict=True) if k]
    dropped = [(s, m) for s, m, k in zip(segments, measured, keep, strict=True) if not k]
    weak = max((max(m.ratio, min(1.0, (s.b_end - s.b_start) / MIN_EVIDENCE_SECONDS) *
                    max(0.0, 1.0 - s.distance / MATCH_THRESHOLD_BITS)) for s, m in dropped), default=0.0)
    return Informative(_meet([s for s, _ in kept]), [m for _, m in kept], dropped, weak)


# ---------------------------------------------------------------------------------------- edits the evidence holds

BOUNDARY_SECONDS = 1.0  # B footage this long beside a segment's end tells whether the footage goes on
FAR_BITS = 22  # B frames along a segment's line this far (median) from A are other footage: the end is certain
NEAR_DOUBT = 0.5  # ... and when more than this share of them come within FAR_BITS of it, it may go on
FAINT_LUMA_STD = 6.0  # ... unless A's picture there is this faint (grey levels): its hash is then the noise's
TIMELINE = ("trim", "insert", "cut")


SAME_BOX_SIDES = 1  # a region's box whose sides lie within this many pixels of another's shows the same picture
NEAR_WINDOW_SECONDS = 0.25  # A's footage this far beyond where the line continues to counts as its continuation


def _views(s: Segment) -> list[tuple[str, str]]:
    """The (A array, B array) pairs in which B's frames beside a segment may show A's continuation: the segment's
    own; for a whole picture, the halves too (an overlay that covers part of the picture there leaves a half as
    it was). A region of a canvas looks at its own slot only: the other slots show the canvas's other cells, other
    footage in every frame, and taken as views they made a stretch where the clip's region was not found a
    boundary (a false insert in the re-post benchmark's bikes grid)."""
    own = CHANNEL_ARRAYS.get((s.channel, s.mirrored))
    if own is None:
        return []
    views = [own]
    for name, a_name, b_name, mirrored in ALIGNMENT:
        if (a_name, b_name) in views or mirrored != s.mirrored:
            continue
        if s.channel == "full" and name.startswith("half-"):
            views.append((a_name, b_name))
    return views


Boxes = dict[str, np.ndarray]  # packed region boxes per frame (``region1_box`` ...), by region array name


def _boxes(fp: Fingerprint) -> Boxes:
    out = {}
    for k in range(1, REGION_SLOTS + 1):
        packed = getattr(fp, f"region{k}_box", None)
        if packed is not None and len(packed) == len(fp.times):
            out[f"region{k}"] = np.asarray(packed)
    return out


def _other_box(packed: np.ndarray, own: np.ndarray, times: np.ndarray, start: float, end: float) -> np.ndarray:
    """Per frame of ``packed`` (one region slot's boxes): True where the box is not the box that ``own`` (the
    segment's region slot) holds most often in [start, end): another rectangle of the canvas, which may not
    show the clip whatever the canvas shows. A box with a side SAME_BOX_SIDES further is another: its picture
    hashes far from the clip's (a grid's cell with the bars below it, 5 lines taller, made a false trim)."""
    inside = own[(times >= start - 1e-6) & (times < end - 1e-6)]
    inside = inside[inside != 0]
    if len(inside) == 0:
        return np.ones(len(packed), bool)
    values, counts = np.unique(inside, return_counts=True)
    ref = unpack_boxes(values[np.argmax(counts):][:1])[0]
    other: np.ndarray = (packed == 0) | (np.abs(unpack_boxes(packed) - ref).max(axis=1) > SAME_BOX_SIDES)
    return other


def _near(s: Segment, a: Track, b: Track, lo: float, hi: float,
          boxes: tuple[Boxes, Boxes] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """B's informative frames in [lo, hi) that can tell whether they show A's footage, and, for each, whether it lies
    within FAR_BITS of the A footage the segment's line continues to (within NEAR_WINDOW_SECONDS of it, on the side
    away from the segment) in any of the segment's views (``_views``): A's footage that failed to match, not
    other footage. A frame whose views all lack their picture there says nothing (a canvas whose region was not
    found in that stretch: the canvas does not go away), unless the segment's channel is B's picture inside
    bars (a stretch without them is other footage); a frame whose A continuation is flat says nothing either,
    nor, when far from it, one whose A continuation is faint (FAINT_LUMA_STD: a grey wall in dim light, whose hash
    a re-film's noise or a corner a few pixels off turns over; near it, it is A's footage all the same).
    With ``boxes`` (A's and B's region boxes), a canvas's region counts only where its box is the segment's
    (``_other_box``): another rectangle of the same canvas says nothing of whether the clip goes on."""
    views = _views(s)
    if not views:
        return np.zeros(0, int), np.zeros(0, bool)
    j = np.flatnonzero((b.times >= lo - 1e-6) & (b.times < hi - 1e-6) & ~b.flat)
    ta = s.a_start + (b.times[j] - s.b_start) / (s.speed or 1.0)
    # B's frames after the segment: A's continuation lies after its A end (``lo`` may be an edit's time, rounded to
    # the millisecond: an insert from 1.933 s after a segment ending at 1.9333 s was looked at backwards)
    forward = lo >= s.b_end - 1e-3
    best = np.full(len(j), 64)
    told = np.zeros(len(j), bool)  # the frame and its A continuation have a picture in some view
    outside = np.zeros(len(j), bool)  # A has no footage there: other footage
    canvas = "canvas" in s.channel
    faint = _faint(s, a, b)
    for a_name, b_name in views:
        b_ok = ~b.flat_for(b_name)[j]
        if not canvas and (a_name, b_name) == views[0]:
            told |= ~b_ok & ~b.flat[j]  # outside a stretch's bars: other footage (far), not nothing to tell
        a_flat = a.flat_for(a_name)
        if canvas and boxes is not None:
            own_a, own_b = views[0]
            if b_name in boxes[1]:
                b_ok &= ~_other_box(boxes[1][b_name][j], boxes[1][own_b], b.times, s.b_start, s.b_end)
            if a_name in boxes[0]:
                a_flat = a_flat | _other_box(boxes[0][a_name], boxes[0][own_a], a.times, s.a_start, s.a_end)
        for step in (0.0, NEAR_WINDOW_SECONDS / 2, NEAR_WINDOW_SECONDS):
            t = ta + (step if forward else -step)
            t = np.maximum(t, s.a_end) if forward else np.minimum(t, s.a_start)
            d, ok = nearest(a.arrays[a_name], a.times, a_flat, b.arrays[b_name][j], t, a.frame_dur)
            inside = (t >= a.times[0] - a.frame_dur) & (t <= a.times[-1] + a.frame_dur)
            if step == 0.0:  # where the line itself leaves A's footage (the window only widens it)
                outside |= ~inside & b_ok
            if not canvas and (a_name, b_name) == views[0] and a_name in a.absent:
                # A's picture inside bars that A lacks there (not a flat picture): A shows other footage there
                _, shown = nearest(a.arrays[a_name], a.times, a.flat, b.arrays[b_name][j], t, a.frame_dur)
                outside |= shown & ~ok & b_ok
            use = ok & b_ok
            weak = faint(j, t) if a_name in _WHOLE else np.zeros(len(t), bool)  # judged by the picture's luma
            told |= use & ~(weak & (d >= FAR_BITS))
            best = np.where(use, np.minimum(best, d), best)
    told |= outside
    keep = told
    return j[keep], (best < FAR_BITS)[keep] & ~outside[keep]


def _faint(s: Segment, a: Track, b: Track) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """For B's frames ``j`` and the A times ``t`` they are looked at against: whether A's picture there is faint
    (FAINT_LUMA_STD) and B's brightness is A's, as along the segment (its median difference, within LUMA_MARGIN): a
    far hash there may be the noise's. A B frame of another brightness is other footage all the same (bright
    footage after a fade to black)."""
    lo, hi = np.searchsorted(b.times, [s.b_start - 1e-6, s.b_end - 1e-6])
    jb = np.arange(lo, max(lo, hi))
    jb = jb[~b.flat[jb]]
    spread, luma, bl = a.spread, a.luma, b.luma
    if spread is None or luma is None or bl is None or len(a.times) < 2 or len(jb) == 0:
        return lambda j, t: np.zeros(len(j), bool)
    offset = float(np.median(bl[jb] - luma[_at(a.times, s.a_start + (b.times[jb] - s.b_start) / (s.speed or 1.0))]))

    def faint(j: np.ndarray, t: np.ndarray) -> np.ndarray:
        if len(j) == 0:
            return np.zeros(0, bool)
        k = _at(a.times, t)
        return cast(np.ndarray, (spread[k] < FAINT_LUMA_STD) & (np.abs(bl[j] - luma[k] - offset) <= LUMA_MARGIN))

    return faint


def _beyond(s: Segment, a: Track, b: Track, lo: float, hi: float, boxes: tuple[Boxes, Boxes] | None = None) -> str:
    """What B shows in [lo, hi) compared with the A footage the segment's line continues to: ``far`` (other
    footage, or A has no footage there), ``near`` (more than NEAR_DOUBT of its frames within FAR_BITS in some
    view: A's footage that failed to match, so the segment's end is uncertain; other footage came that near on up
    to a third of them, bikes' stitch to rocket's sky) or ``none`` (no informative frame to tell)."""
    j, near = _near(s, a, b, lo, hi, boxes)
    if len(j) == 0:
        return "none"
    return "near" if near.mean() > NEAR_DOUBT else "far"


def _overlap(lo: float | None, hi: float | None, x0: float, x1: float) -> float:
    return 0.0 if lo is None or hi is None else min(hi, x1) - max(lo, x0)


def _one_fades(u: Segment, a: Track, b: Track) -> bool:
    """Along ``u``'s line one side's brightness changes by LUMA_CHANGE (a fade) while the other's holds within
    half that: the frames hash alike (hashes do not see brightness) but do not show one moment."""
    arrays = CHANNEL_ARRAYS.get((u.channel, u.mirrored))
    if arrays is None or not set(arrays) <= _WHOLE or a.luma is None or b.luma is None or len(a.times) < 2:
        return False
    lo, hi = np.searchsorted(b.times, [u.b_start - 1e-6, u.b_end - 1e-6])
    jb = np.arange(lo, max(lo, hi))
    jb = jb[~b.flat_for(arrays[1])[jb]]
    if len(jb) < 2:
        return False
    la = a.luma[_at(a.times, u.a_start + (b.times[jb] - u.b_start) / (u.speed or 1.0))]
    spans = sorted((float(np.ptp(la)), float(np.ptp(b.luma[jb]))))
    return spans[1] >= LUMA_CHANGE and spans[0] < LUMA_CHANGE / 2


def supported_edits(edits: list[Edit], segments: list[Segment], fa: Fingerprint, fb: Fingerprint,
                    tolerance: float, unproven: list[Segment] | None = None) -> list[Edit]:
    """``edits`` without the timeline edits (trim, insert, cut) whose boundary the evidence does not hold.

    A segment's end is a boundary of the shared footage only when B ends there or B shows other footage beyond
    it (``_beyond``: far from what the segment's line continues to in A). When B's frames beyond it come close
    to A's continuation without matching (an overlay, a blur, a re-filming that the channels do not undo), or
    are all flat (nothing to tell), the footage may go on: no trim of A is claimed at that end, and an insert
    there only over B's frames that are far from both neighbours' continuations. Two segments on one line (B's
    gap as long as A's jump) are one stretch of footage that failed to match in the middle (an overlay over a
    dark moment): no cut and no insert.

    ``unproven``: the stretches that matched but carried too little information to be reported
    (``keep_informative``: a static shot, a dark fade, a stretch too short at its speed). They do not show that B
    holds A's footage there, but neither can a trim, cut or insert over them show that it does not: a trim or
    cut of A footage that an unproven stretch shows, or an insert of B footage that one matches, is not claimed.
    (One that fills a gap at another speed on both timelines is a segment of its own: ``ramps.speed_gaps``.)"""
    if not segments or not any(e.type in TIMELINE for e in edits):
        return edits
    edits = list(edits)
    unproven = unproven or []
    a, b = Track.of(fa), Track.of(fb)
    unproven = [u for u in unproven if not _one_fades(u, a, b)]
    spans = [(u.a_start, u.a_end, u.b_start, u.b_end) for u in unproven]
    covered = [k for k, e in enumerate(edits) if e.type in TIMELINE and any(
        (_overlap(e.b_start, e.b_end, b0, b1) if e.type == "insert" else _overlap(e.a_start, e.a_end, a0, a1))
        > tolerance for a0, a1, b0, b1 in spans)]
    edits = [e for k, e in enumerate(edits) if k not in covered]
    if not any(e.type in TIMELINE for e in edits):
        return edits
    if len(a.times) < 2 or len(b.times) < 2:
        return edits
    b0, b1 = float(b.times[0]), float(b.times[-1] + b.frame_dur)
    boxes = (_boxes(fa), _boxes(fb))

    def open_before(s: Segment) -> bool:  # B's footage just before the segment may be A's, unmatched
        lo = max(b0, s.b_start - BOUNDARY_SECONDS)
        return s.b_start - b0 > tolerance and _beyond(s, a, b, lo, s.b_start, boxes) != "far"

    def open_after(s: Segment) -> bool:
        hi = min(b1, s.b_end + BOUNDARY_SECONDS)
        return b1 - s.b_end > tolerance and _beyond(s, a, b, s.b_end, hi, boxes) != "far"

    def one_line(p: Segment, n: Segment) -> bool:  # n continues p's line after a gap in B (as long as A's jump)
        return p.mirrored == n.mirrored and abs(p.speed - n.speed) < SPEED_TOLERANCE and \
            abs((n.a_start - p.a_end) - (n.b_start - p.b_end) / (p.speed or 1.0)) <= tolerance

    segs = sorted(segments, key=lambda s: s.b_start)
    first_a, last_a = min(segs, key=lambda s: s.a_start), max(segs, key=lambda s: s.a_end)
    drop: set[int] = set()
    for k, e in enumerate(edits):
        if e.type == "trim":
            where = e.detail.get("where")
            if (where == "start" and open_before(first_a)) or (where == "end" and open_after(last_a)):
                drop.add(k)
        elif e.type == "insert" and e.b_start is not None and e.b_end is not None:
            after = [s for s in segs if abs(s.b_start - e.b_end) <= 1e-3]
            before = [s for s in segs if abs(s.b_end - e.b_start) <= 1e-3]
            if any(one_line(p, n) for p in before for n in after):
                drop.add(k)  # B's gap is A's jump: the same footage unmatched (or replaced: hashes cannot tell)
            elif any(open_before(s) for s in after) or any(open_after(s) for s in before):
                # the insert is where B shows neither neighbour's footage (nor A's continuation of it)
                shown = np.zeros(len(b.times), bool)  # B's informative frames of the insert
                near = np.zeros(len(b.times), bool)  # ... that lie close to a neighbour's continuation in A
                for s in after + before:
                    j, close = _near(s, a, b, e.b_start, e.b_end, boxes)
                    shown[j] = True
                    near[j[close]] = True
                other = np.flatnonzero(shown & ~near)
                span = slice(other[0], other[-1] + 1) if len(other) else slice(0, 0)
                if len(other) == 0 or b.times[other[-1]] + b.frame_dur - b.times[other[0]] <= tolerance or \
                        near[span].sum() > NEAR_DOUBT * shown[span].sum():  # mostly near: the footage going on
                    drop.add(k)
                else:
                    lo, hi = float(b.times[other[0]]), float(min(b.times[other[-1]] + b.frame_dur, e.b_end))
                    edits[k] = Edit("insert", None, None, round(lo, 3), round(hi, 3), {"seconds": round(hi - lo, 3)})
        elif e.type == "cut" and e.b_start is not None and e.b_end is not None:
            p = next((s for s in segs if abs(s.b_end - e.b_start) <= 1e-3), None)
            n = next((s for s in segs if abs(s.b_start - e.b_end) <= 1e-3), None)
            if p is None or n is None:
                continue
            if one_line(p, n) or _cut_looks_shown(p, n, a, b):
                drop.add(k)
    return [e for k, e in enumerate(edits) if k not in drop]


CUT_MIDDLE = 0.25  # the footage a cut drops, at least this share of its length from both its ends ...
CUT_SHOWN_MAX_SECONDS = 1.0  # ... of a cut this long at most (a longer jump is a cut, whatever it looks like) ...
CUT_SAMPLE = 200  # ... measured on at most this many of its frames and of B's


def _cut_looks_shown(p: Segment, n: Segment, a: Track, b: Track) -> bool:
    """The A footage that a short cut (at most CUT_SHOWN_MAX_SECONDS) between ``p`` and ``n`` drops looks like what
    B shows around where it jumps: the middle of it (CUT_MIDDLE of its length from both ends), at its median, lies
    within MARGIN_BITS of the neighbours' own distance from a B frame within BOUNDARY_SECONDS of the jump. Then
    whether B dropped that footage, or played it faster (the lines either side of a speed ramp's fast stretch over
    a moment where little moves run into it and meet with a jump of a fraction of a second), the hashes cannot
    tell, and a cut is not claimed. A longer jump is claimed whatever it looks like: a sentence cut from a still
    interview shot is a cut that matters, and no ramp's overreach is that long. The middle of a cut from moving
    footage is motion away from both sides. (False when there is nothing to tell it by: flat frames, a channel
    this module does not know.)"""
    arrays = CHANNEL_ARRAYS.get((p.channel, p.mirrored))
    jump = n.a_start - p.a_end
    if arrays is None or CHANNEL_ARRAYS.get((n.channel, n.mirrored)) != arrays or len(a.times) < 2 or \
            jump > CUT_SHOWN_MAX_SECONDS:
        return False
    a_name, b_name = arrays
    ia = np.flatnonzero((a.times >= p.a_end + CUT_MIDDLE * jump) & (a.times <= n.a_start - CUT_MIDDLE * jump))
    ia = ia[~a.flat_for(a_name)[ia]]
    jb = np.flatnonzero((b.times >= p.b_end - BOUNDARY_SECONDS) & (b.times <= n.b_start + BOUNDARY_SECONDS))
    jb = jb[~b.flat_for(b_name)[jb]]
    if len(ia) == 0 or len(jb) == 0:
        return False
    ia, jb = ia[_sample(len(ia), CUT_SAMPLE)], jb[_sample(len(jb), CUT_SAMPLE)]
    nearest = hamming(a.arrays[a_name][ia][:, None], b.arrays[b_name][jb][None, :]).min(axis=1)
    return float(np.median(nearest)) <= max(p.distance, n.distance) + MARGIN_BITS


def keep_copies(copies: list[Segment], fa: Fingerprint, fb: Fingerprint) -> list[Segment]:
    """The stream-copied stretches (``streamcopy.segments``) that carry evidence: byte-identical packets over at
    least MIN_EVIDENCE_SECONDS, or pictures that pass the bar. Independent encodes of a static scene can share a
    few packets (the "nothing changed" frames at one position of one GOP structure): a copy of three packets
    (0.1 s) says no more than the static frames they show."""
    if not copies:
        return copies
    plain = [Segment(s.a_start, s.a_end, s.b_start, s.b_end, s.speed, False, s.distance, s.frames, "full")
             for s in copies]
    return [s for s, m in zip(copies, strengths(plain, fa, fb), strict=True)
            if s.b_end - s.b_start >= MIN_EVIDENCE_SECONDS or m.passes]


__all__ = [
    "CHANNEL_ARRAYS", "MIN_EVIDENCE_SECONDS", "Informative", "Strength", "keep_copies", "keep_informative", "nearest",
    "strengths", "supported_edits",
]
