"""The verdict on two fingerprints: aligned stretches, stream copies and timeline edits, coverage, similarity and a
calibrated confidence. Pure: fingerprints in, a ``Match`` out (``compare`` adds what needs the media).
"""

from __future__ import annotations

import math

import numpy as np

from ..models import Edit, FileRef, Match, Segment
from ..signals.fingerprint import FLAT_LUMA_STD, Fingerprint
from . import align as align_mod
from . import streamcopy
from .edits import geometry_edits, timeline_edits

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


def _union(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, -math.inf
    for s, e in sorted(intervals):
        if e <= end:
            continue
        total += e - max(s, end)
        end = e
    return total


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
    }
    a_t0, a_len = _span(fa)
    b_t0, b_len = _span(fb)
    if fa.sha256 and fa.sha256 == fb.sha256:
        seg = Segment(a_t0, a_t0 + a_len, b_t0, b_t0 + b_len, 1.0, False, 0.0, len(fb), "full")
        return Match(_ref(fa), _ref(fb), "identical", 1.0, {"a": 1.0, "b": 1.0}, (seg,), (), (), 1.0, thresholds)
    segments = align_mod.align(fa, fb)
    copies = streamcopy.segments(fa, fb)
    if copies:
        segments = streamcopy.merge(copies, segments)
    still = len(fa) == 1 or len(fb) == 1
    if segments and still:
        cov_a = 1.0 if len(fa) == 1 else 0.0
        cov_b = 1.0 if len(fb) == 1 else 0.0
    else:
        cov_a = min(1.0, _union([(s.a_start, s.a_end) for s in segments]) / a_len) if a_len else 0.0
        cov_b = min(1.0, _union([(s.b_start, s.b_end) for s in segments]) / b_len) if b_len else 0.0
    if not segments:
        verdict = "unrelated"
    elif max(cov_a, cov_b) >= SAME_FOOTAGE_COVERAGE or still:
        verdict = "same-footage"
    else:
        verdict = "partial-overlap"
    frames = sum(max(s.frames, 1) for s in segments)
    mean_d = float(np.average([s.distance for s in segments], weights=[max(s.frames, 1) for s in segments])) \
        if segments else RANDOM_PAIR_BITS
    quality = max(0.0, 1.0 - mean_d / RANDOM_PAIR_BITS)
    similarity = round(quality * max(cov_a, cov_b), 4) if segments else 0.0
    confidence = _confidence(segments, frames, mean_d, fa, fb)
    edits: list[Edit] = []
    if segments:
        edits = timeline_edits(segments, a_duration=a_len, b_duration=b_len, a_start=a_t0, b_start=b_t0,
                               a_fps=fa.fps, b_fps=fb.fps)
        edits += geometry_edits(
            segments, a_active=fa.active_area, b_active=fb.active_area,
            a_size=(fa.width, fa.height) if fa.width and fa.height else None,
            b_size=(fb.width, fb.height) if fb.width and fb.height else None,
            a_crop_area=fa.crop_area, b_crop_area=fb.crop_area,
        )
    return Match(
        a=_ref(fa), b=_ref(fb), verdict=verdict, similarity=similarity,
        coverage={"a": round(cov_a, 4), "b": round(cov_b, 4)}, segments=tuple(segments), edits=tuple(edits),
        findings=(), confidence=confidence, thresholds=thresholds,
    )


def _confidence(segments: list[Segment], frames: int, mean_d: float, fa: Fingerprint, fb: Fingerprint) -> float:
    """How sure the verdict is (0..1). A match: many frames far below the random-pair distance. No match: how
    much informative footage was compared."""
    if segments:
        margin = max(0.0, align_mod.MATCH_THRESHOLD_BITS - mean_d) / align_mod.MATCH_THRESHOLD_BITS
        evidence = frames / 5.0 * margin  # neighbouring frames are not independent: ~1 in 5
        return round(1.0 - math.exp(-evidence), 4)
    flat = FLAT_LUMA_STD
    informative = min(int((fa.luma_std >= flat).sum()), int((fb.luma_std >= flat).sum()))
    return round(1.0 - math.exp(-informative / 15.0), 4)


__all__ = ["RANDOM_PAIR_BITS", "SAME_FOOTAGE_COVERAGE", "match_fingerprints"]
