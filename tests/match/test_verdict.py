"""match/verdict.py: the confidence is calibrated evidence. A miss on weak evidence (footage that comes close to
the other file's frame after frame without matching, or next to no footage) is never reported with the certainty
of a miss on plenty of clearly different footage, and no verdict but ``identical`` says 1.0."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tests.fixtures.fingerprints import slice_fp, synth_fp
from vidverify.match.verdict import CALIBRATION, calibrated, evidence, match_fingerprints


def test_a_miss_on_look_alike_frames_is_not_certain() -> None:
    """B is A's footage with 15 bits of 64 changed in every frame: too far for a match (a transform no channel
    undoes), close enough that every frame has a look-alike in A. The verdict is unrelated, on weak evidence."""
    a = synth_fp(1, seconds=12)
    b = slice_fp(a, 2.0, 10.0, seed=2, bits=15)
    m = match_fingerprints(a, b)
    assert m.verdict == "unrelated"
    ev = evidence([], a, b)
    assert ev["near"] > 0.5
    far = match_fingerprints(a, synth_fp(3, seconds=8))
    assert far.verdict == "unrelated" and evidence([], a, synth_fp(3, seconds=8))["near"] < 0.1
    assert m.confidence <= 0.75 < far.confidence < 1.0


def test_little_footage_is_weak_evidence_and_none_is_no_evidence() -> None:
    a = synth_fp(4, seconds=10)
    short = synth_fp(5, seconds=0.2)  # 6 frames
    assert match_fingerprints(a, short).confidence < match_fingerprints(a, synth_fp(5, seconds=8)).confidence
    black = replace(short, luma_std=np.zeros(len(short), np.float32))
    assert match_fingerprints(a, black).verdict == "unrelated"
    assert match_fingerprints(a, black).confidence == 0.5


def test_the_calibration_is_a_smoothed_accuracy_never_one() -> None:
    for cls, rows in CALIBRATION.items():
        assert [lo for lo, _, _ in rows] == sorted(lo for lo, _, _ in rows)
        verdict = "unrelated" if cls == "unrelated" else "same-footage"
        for lo, right, n in rows:
            assert 0 <= right <= n
            assert calibrated(verdict, max(lo, 0.05)) == round((right + 1) / (n + 2), 4) < 1.0
    a = synth_fp(6, seconds=10)
    assert match_fingerprints(a, slice_fp(a, 1.0, 9.0, seed=7, bits=2)).confidence < 1.0
    assert match_fingerprints(a, a).confidence == 1.0  # identical bytes: certain
