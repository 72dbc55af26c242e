"""The verdict on two fingerprints: aligned stretches, stream copies and timeline edits, coverage, similarity and a
calibrated confidence. Pure: fingerprints in, a ``Match`` out (``compare`` adds what needs the media).
"""

from __future__ import annotations

import math

import numpy as np

from ..models import Edit, FileRef, LookAlike, Match, Segment, mean_bits
from ..signals.fingerprint import ALIGNMENT, BY_NAME, FLAT_LUMA_STD, Fingerprint, inner_area, segment_box
from ..signals.hashing import hamming
from . import align as align_mod
from . import audio_sync, ramps, streamcopy, strength
from .edits import EDIT_TOLERANCE_SECONDS, canvas_crop_edit, geometry_edits, pad_edit, timeline_edits
from .segments import union_length

SAME_FOOTAGE_COVERAGE = 0.9  # one side's footage found in the other at least this share: same footage


RANDOM_PAIR_BITS = 32.0  # expected distance of unrelated frames' 64-bit hashes


def _span(fp: Fingerprint) -> tuple[float, float]:
    """(first frame time, length) of the fingerprinted footage: the fingerprint's duration (from its first
    displayed frame, t = 0, to the end of its last: ``pipeline/ingest.py``), which every report of the pair uses.
    A fingerprint without one, or one made by an earlier vidverify whose duration is the container's (a longer
    audio or telemetry track, or a hidden pre-roll, counted in: past its dense frames), is measured on its frames."""
    if len(fp.times) == 0:
        return 0.0, 0.0
    t = fp.times
    frame = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    measured = float(t[-1] - t[0] + frame)
    d = fp.duration
    if d is not None and d > 0 and t[0] >= -1e-6 and float(t[-1]) < d + 1e-6 \
            and (fp.mode == "keyframes" or d <= float(t[-1]) + 1.5 * max(frame, 1e-3)):
        return 0.0, float(d)
    return float(t[0]), measured


def _ref(fp: Fingerprint) -> FileRef:
    """The file as the match names it, with the one duration that the match measured it with."""
    return FileRef(fp.path, fp.sha256, round(_span(fp)[1], 6) if len(fp.times) else fp.duration)


def match_fingerprints(fa: Fingerprint, fb: Fingerprint) -> Match:
    """Compare two fingerprints (pure)."""
    thresholds = {
        "seed_bits": align_mod.SEED_THRESHOLD_BITS,
        "match_bits": align_mod.MATCH_THRESHOLD_BITS,
        "segment_mean_bits": align_mod.SEGMENT_MAX_MEAN_BITS,
        "min_segment_seconds": align_mod.MIN_SEGMENT_SECONDS,
        "same_footage_coverage": SAME_FOOTAGE_COVERAGE,
        "min_evidence_seconds": strength.MIN_EVIDENCE_SECONDS,
    }
    a_t0, a_len = _span(fa)
    b_t0, b_len = _span(fb)
    if fa.sha256 and fa.sha256 == fb.sha256:
        seg = Segment(a_t0, a_t0 + a_len, b_t0, b_t0 + b_len, 1.0, False, 0.0, len(fb), "full")
        return Match(_ref(fa), _ref(fb), "identical", 1.0, {"a": 1.0, "b": 1.0}, (seg,), (), (), 1.0, thresholds,
                     audio_sync.compare_sound(fa, fb, [seg]))
    # a stretch matched on frames that would match at any moment (flat, dark, static, shared chrome) is dropped
    informative = strength.keep_informative(align_mod.align(fa, fb), fa, fb)
    segments, weak = informative.segments, informative.weak
    unproven = [s for s, _ in informative.dropped]  # matched, but too little information to report
    measured: list[strength.Strength] | None = informative.strengths
    # a gap that B plays at another speed (a speed ramp's fast stretch) shows the footage between its neighbours
    if found := ramps.speed_gaps(segments, unproven, fa, fb, EDIT_TOLERANCE_SECONDS):
        segments, measured = sorted([*segments, *found], key=lambda s: s.b_start), None
    # ... or a jump of A where the lines either side meet in B, over a moment where little moves
    if (ramped := ramps.speed_at_jumps(segments, fa, fb, EDIT_TOLERANCE_SECONDS)) != segments:
        segments, measured = ramped, None
    copies = strength.keep_copies(streamcopy.segments(fa, fb), fa, fb)
    if copies:
        segments = streamcopy.merge(copies, segments)
        measured = None
    still = len(fa) == 1 or len(fb) == 1
    if segments and still:
        cov_a = 1.0 if len(fa) == 1 else 0.0
        cov_b = 1.0 if len(fb) == 1 else 0.0
    else:
        cov_a = min(1.0, union_length([(s.a_start, s.a_end) for s in segments]) / a_len) if a_len else 0.0
        cov_b = min(1.0, union_length([(s.b_start, s.b_end) for s in segments]) / b_len) if b_len else 0.0
    if not segments:
        verdict = "unrelated"
    elif max(cov_a, cov_b) >= SAME_FOOTAGE_COVERAGE or still:
        verdict = "same-footage"
    else:
        verdict = "partial-overlap"
    mean_d = RANDOM_PAIR_BITS if (bits := mean_bits(segments)) is None else bits
    quality = max(0.0, 1.0 - mean_d / RANDOM_PAIR_BITS)
    similarity = round(quality * max(cov_a, cov_b), 4) if segments else 0.0
    confidence = calibrated(verdict, evidence(segments, fa, fb, weak=weak, measured=measured)["score"])
    edits: list[Edit] = []
    if segments:
        edits = timeline_edits(segments, a_duration=a_len, b_duration=b_len, a_start=a_t0, b_start=b_t0,
                               a_fps=fa.fps, b_fps=fb.fps)
        edits = strength.supported_edits(edits, segments, fa, fb, EDIT_TOLERANCE_SECONDS, unproven)
        measured = measured if measured is not None else strength.strengths(segments, fa, fb)
        strong = [s for s, m in zip(segments, measured, strict=True) if m.strong]
        edits += [e for e in geometry_edits(
            segments, a_active=fa.active_area, b_active=fb.active_area,
            a_size=(fa.width, fa.height) if fa.width and fa.height else None,
            b_size=(fb.width, fb.height) if fb.width and fb.height else None,
            a_crop_area=fa.crop_area, b_crop_area=fb.crop_area,
        ) if e.type != "crop" or any(s.channel in ("a-crop", "b-crop") for s in strong)]  # a crop: from strong ones
        for s in segments:  # a stretch of B shows A inside bars that the rest of B lacks, or in a canvas's region
            box = inner_area(fb, s.b_start, s.b_end, b_box) if (b_box := segment_box(s.channel, "b")) else None
            if box and fb.width and fb.height:
                edits.append(pad_edit(s.a_start, s.a_end, s.b_start, s.b_end, box, (fb.width, fb.height),
                                      "canvas" if "canvas" in s.channel else "bars"))
            # ... or A shows B in a canvas's region: B keeps only that region of A's picture (not a re-encode of all
            # of A, as its whole-picture edits alone would say)
            box = inner_area(fa, s.a_start, s.a_end, a_box) if (a_box := segment_box(s.channel, "a")) else None
            if box and "canvas" in s.channel and s in strong and fa.width and fa.height:  # a crop: strong ones
                edits.append(canvas_crop_edit(s.a_start, s.a_end, s.b_start, s.b_end, box, (fa.width, fa.height)))
    audio = audio_sync.compare_sound(fa, fb, segments)  # the sound, on its own timeline (None: unknown)
    edits += audio_sync.sound_edits(audio, segments, fb, fa)
    return Match(
        a=_ref(fa), b=_ref(fb), verdict=verdict, similarity=similarity,
        coverage={"a": round(cov_a, 4), "b": round(cov_b, 4)}, segments=tuple(segments), edits=tuple(edits),
        findings=(), confidence=confidence, thresholds=thresholds, audio=audio,
        look_alike=look_alikes(informative.dropped, segments),
    )


def look_alikes(dropped: list[tuple[Segment, strength.Strength]], segments: list[Segment]) -> tuple[LookAlike, ...]:
    """The dropped stretches at least MIN_EVIDENCE_SECONDS long that no reported segment covers in B, in B's
    order: where a reader may look, knowing the frames cannot tell the moment."""
    found = [(s.b_start, s.b_end) for s in segments]
    out = [LookAlike(round(s.a_start, 3), round(s.a_end, 3), round(s.b_start, 3), round(s.b_end, 3),
                     round(s.speed, 4), round(s.distance, 2), m.seconds, s.channel)
           for s, m in dropped if s.b_end - s.b_start >= strength.MIN_EVIDENCE_SECONDS and
           all(min(s.b_end, e) - max(s.b_start, b) < 0.5 * (s.b_end - s.b_start) for b, e in found)]
    return tuple(sorted(out, key=lambda x: (x.b_start, x.a_start)))


# ------------------------------------------------------------------------------------------------ confidence

NEAR_SAMPLES = 120  # frames of each side whose nearest frame on the other side is measured (weak evidence)
NEAR_OTHER_FRAMES = 3000  # ... among at most this many of the other side's frames
NEAR_CHANNELS = tuple((a, b) for _, a, b, _ in ALIGNMENT if BY_NAME[a].half is None)  # whole pictures only
# Reliability of each verdict on the compare benchmark (benchmarks/bench_compare.py --quick, see
# docs/confidence.md): per bin of the raw score, (lowest raw score of the bin, correct verdicts, pairs). The
# confidence is the bin's smoothed accuracy (correct + 1) / (pairs + 2): never 1.0, and 0.5 (no idea) for a bin
# the benchmark has no pair in. Refit with benchmarks/calibrate.py.
CALIBRATION: dict[str, tuple[tuple[float, int, int], ...]] = {
    "match": ((0.0, 0, 0), (0.5, 0, 0), (0.9, 0, 0), (0.99, 132, 132)),
    "unrelated": ((0.0, 1, 1), (0.3, 10, 10), (0.6, 66, 67), (0.8, 145, 145), (0.9, 59, 59), (0.95, 98, 98)),
}
NO_EVIDENCE_SCORE = 0.05  # below this raw score nothing was compared (no informative frame): 0.5 whatever the bin


def evidence(segments: list[Segment], fa: Fingerprint, fb: Fingerprint, *, weak: float | None = None,
             measured: list[strength.Strength] | None = None) -> dict[str, float]:
    """The raw evidence behind a verdict, before calibration: ``score`` 0..1 and what it is made of.

    A match: its informative ``frames`` (``strength.py``: frames that match where no other moment would; a
    stream-copied stretch counts whole) and their ``margin`` below MATCH_THRESHOLD_BITS; the score grows with both
    (neighbouring frames are not independent: about one in five counts). No match: how much informative footage
    the shorter side has (``informative`` frames), the ``near`` share of sampled frames, of either side, whose
    nearest frame on the other side (in any whole-picture channel) lies within MATCH_THRESHOLD_BITS although no
    stretch matched (look-alike pictures, or a copy changed in a way no channel undoes), and ``weak``: the
    evidence of the best stretch that matched but carried too little information to be reported, as a share of
    what it needed (``strength.Strength.ratio``; computed here when not given). Little footage, many near
    frames or a near-miss stretch is weak evidence that the two are unrelated."""
    if segments:
        measured = measured if measured is not None else strength.strengths(segments, fa, fb)
        counted = [s.frames * (m.share if m.frames else 1.0) for s, m in zip(segments, measured, strict=True)]
        frames = float(sum(counted))
        mean_d = mean_bits(segments) or 0.0
        margin = max(0.0, align_mod.MATCH_THRESHOLD_BITS - mean_d) / align_mod.MATCH_THRESHOLD_BITS
        score = 1.0 - math.exp(-frames / 5.0 * margin)
        return {"score": score, "frames": frames, "margin": margin, "uncalibrated": score}
    if weak is None:
        weak = strength.keep_informative(align_mod.align(fa, fb), fa, fb).weak
    informative = float(min(int((fa.luma_std >= FLAT_LUMA_STD).sum()), int((fb.luma_std >= FLAT_LUMA_STD).sum())))
    near = max(_near_share(fa, fb), _near_share(fb, fa))
    amount = 1.0 - math.exp(-informative / 15.0)  # the confidence before calibration (0.1-0.3: 1.0 from 150 frames)
    return {"score": amount * (1.0 - near) * (1.0 - min(weak, 1.0)), "informative": informative, "near": near,
            "weak": weak, "uncalibrated": amount}


def _near_share(fa: Fingerprint, fb: Fingerprint) -> float:
    """Share of up to NEAR_SAMPLES informative frames of B with a frame of A within MATCH_THRESHOLD_BITS."""
    a_idx = np.flatnonzero(np.asarray(fa.luma_std) >= FLAT_LUMA_STD)
    b_idx = np.flatnonzero(np.asarray(fb.luma_std) >= FLAT_LUMA_STD)
    if len(a_idx) == 0 or len(b_idx) == 0:
        return 0.0
    b_idx = b_idx[np.unique(np.linspace(0, len(b_idx) - 1, min(NEAR_SAMPLES, len(b_idx))).round().astype(int))]
    a_idx = a_idx[np.unique(np.linspace(0, len(a_idx) - 1, min(NEAR_OTHER_FRAMES, len(a_idx))).round().astype(int))]
    near = np.zeros(len(b_idx), dtype=bool)
    for a_name, b_name in NEAR_CHANNELS:
        ah = np.asarray(getattr(fa, a_name), np.uint64)[a_idx]
        bh = np.asarray(getattr(fb, b_name), np.uint64)[b_idx]
        ok_a = _present(fa, a_name, a_idx)
        ok_b = _present(fb, b_name, b_idx)
        if not ok_a.any() or not ok_b.any():
            continue
        d = hamming(bh[ok_b][:, None], ah[ok_a][None, :]).min(axis=1)
        near[np.flatnonzero(ok_b)[d <= align_mod.MATCH_THRESHOLD_BITS]] = True
    return float(near.mean())


def _present(fp: Fingerprint, name: str, idx: np.ndarray) -> np.ndarray:
    present = BY_NAME[name].present
    return np.asarray(getattr(fp, present))[idx] != 0 if present else np.ones(len(idx), dtype=bool)


def calibrated(verdict: str, score: float) -> float:
    """The confidence of ``verdict`` given its raw evidence ``score``: the smoothed accuracy that verdicts of that
    score had on the benchmark (CALIBRATION)."""
    if score < NO_EVIDENCE_SCORE:
        return 0.5
    table = CALIBRATION["unrelated" if verdict == "unrelated" else "match"]
    _, correct, total = next(row for row in reversed(table) if score >= row[0] or row is table[0])
    return round((correct + 1) / (total + 2), 4)


__all__ = ["CALIBRATION", "RANDOM_PAIR_BITS", "SAME_FOOTAGE_COVERAGE", "calibrated", "evidence", "match_fingerprints"]
