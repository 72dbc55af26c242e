"""Sound against sound (match/audio_sync.py): verdicts, shared stretches, the offset of B's sound against its
picture, and the sound edits, on generated re-posts (tests/fixtures/sound.py) and on numpy prints."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.fixtures.fingerprints import synth_fp
from tests.fixtures.sound import EARLY, LATE
from vidverify.match import audio_sync
from vidverify.match.verdict import match_fingerprints
from vidverify.models import Segment
from vidverify.pipeline.ingest import fingerprint
from vidverify.signals.fingerprint import Fingerprint
from vidverify.signals.sound import STEP


@pytest.fixture(scope="module")
def fps(sound_media: dict[str, Path]) -> dict[str, Fingerprint]:
    names = ("a", "reencode", "replaced", "late", "early", "removed", "silent", "lifted", "unrelated", "mono8k",
             "surround", "short")
    return {n: fingerprint(sound_media[n]) for n in names}


@pytest.mark.parametrize(("name", "verdict"), [
    ("reencode", "same"), ("mono8k", "same"), ("surround", "same"), ("late", "same"), ("early", "same"),
    ("replaced", "different"), ("unrelated", "different"), ("lifted", "same"),
    ("removed", "none"), ("silent", "none"), ("short", "same"),
])
def test_audio_verdicts(fps: dict[str, Fingerprint], name: str, verdict: str) -> None:
    m = match_fingerprints(fps["a"], fps[name])
    assert m.audio is not None and m.audio.verdict == verdict, m.audio


def test_the_top_level_verdict_stays_about_the_picture(fps: dict[str, Fingerprint]) -> None:
    lifted = match_fingerprints(fps["a"], fps["lifted"])
    assert lifted.verdict == "unrelated" and lifted.audio is not None and lifted.audio.verdict == "same"
    assert lifted.audio.segments and lifted.audio.offset is None  # no picture matched: no offset
    replaced = match_fingerprints(fps["a"], fps["replaced"])
    assert replaced.verdict == "same-footage" and replaced.audio is not None and not replaced.audio.segments


@pytest.mark.parametrize(("name", "offset"), [("late", LATE), ("early", EARLY), ("reencode", 0.0),
                                              ("mono8k", 0.0)])
def test_offset_of_the_sound_against_the_picture(fps: dict[str, Fingerprint], name: str, offset: float) -> None:
    m = match_fingerprints(fps["a"], fps[name])
    assert m.audio is not None and m.audio.offset is not None
    assert abs(m.audio.offset - offset) <= 0.05
    moved = [e for e in m.edits if e.type == "audio-offset"]
    assert bool(moved) == (abs(offset) >= audio_sync.OFFSET_EDIT)
    if moved:
        assert moved[0].detail["offset"] == m.audio.offset


def test_segments_on_both_sides_follow_a_trim(fps: dict[str, Fingerprint]) -> None:
    """"short" is A's [1.0, 2.5): its sound is found there."""
    m = match_fingerprints(fps["a"], fps["short"])
    assert m.audio is not None and m.audio.segments
    s = m.audio.segments[0]
    assert abs((s.a_start - s.b_start) - 1.0) <= 0.05


@pytest.mark.parametrize(("name", "edit"), [("replaced", "audio-replaced"), ("removed", "audio-removed"),
                                            ("silent", "audio-removed")])
def test_sound_edits(fps: dict[str, Fingerprint], name: str, edit: str) -> None:
    m = match_fingerprints(fps["a"], fps[name])
    assert [e.type for e in m.edits if e.type.startswith("audio-")] == [edit]


@pytest.mark.parametrize("name", ["reencode", "mono8k", "surround", "lifted", "unrelated", "short"])
def test_no_sound_edit_where_the_sound_is_kept_or_nothing_matched(fps: dict[str, Fingerprint], name: str) -> None:
    m = match_fingerprints(fps["a"], fps[name])
    assert not [e for e in m.edits if e.type.startswith("audio-")]


def test_unknown_sound_is_null_not_none(fps: dict[str, Fingerprint]) -> None:
    old = replace(fps["a"], audio_times=None, audio_bits=None, audio_rms=None, audio_state=None)
    assert match_fingerprints(old, fps["reencode"]).audio is None
    assert match_fingerprints(fps["a"], replace(fps["removed"], audio_state=None)).audio is None


def _with_sound(fp: Fingerprint, bits: np.ndarray, start: float = 0.0) -> Fingerprint:
    n = len(bits)
    return replace(fp, audio_times=start + np.arange(n) * STEP, audio_bits=bits.astype(np.uint32),
                   audio_rms=np.full(n, -20.0, np.float32), audio_state="sound")


def test_shared_sound_on_numpy_prints() -> None:
    """A sound whose steps agree on ~85% of bits is found at its lag; independent ones share nothing."""
    rng = np.random.default_rng(5)
    # neighbouring steps of a real print are alike: each bit holds for a few steps
    base = np.repeat(rng.integers(0, 2**32, 400, dtype=np.uint64), 3)[:1200].astype(np.uint32)
    flips = np.zeros(900, np.uint32)
    for _ in range(5):
        flips |= np.left_shift(np.uint32(1), rng.integers(0, 32, 900).astype(np.uint32)) * (rng.random(900) < 0.5)
    b_bits = base[250:1150] ^ flips
    fa, fb = _with_sound(synth_fp(1, seconds=12), base), _with_sound(synth_fp(2, seconds=9), b_bits)
    segs = audio_sync.shared_sound(fa, fb)
    assert len(segs) == 1
    assert abs(segs[0].a_start - 2.5) <= 0.05 and abs(segs[0].b_start) <= 0.05 and segs[0].b_end >= 8.9
    other = _with_sound(synth_fp(3, seconds=9), np.repeat(rng.integers(0, 2**32, 300, dtype=np.uint64), 3))
    assert audio_sync.shared_sound(fa, other) == []
    pic = Segment(2.5, 11.5, 0.0, 9.0)
    later = _with_sound(synth_fp(2, seconds=9), b_bits, start=0.37)  # the same sound, 0.37 s later
    assert audio_sync.sound_offset(fa, later, pic) == pytest.approx(0.37, abs=0.011)


@pytest.mark.parametrize(("a_db", "removed"), [(-20.0, True), (-56.0, False)])
def test_silent_b_is_removed_sound_only_where_a_was_clearly_audible(a_db: float, removed: bool) -> None:
    """Regression (bench_audio, doorknob delayed 1.5 s): a near-silent recording (-56 dBFS) whose kept part
    falls under the -60 dBFS silence line is no 'audio-removed'; a loud one silenced is."""
    rng = np.random.default_rng(9)
    a = _with_sound(synth_fp(1, seconds=6), rng.integers(0, 2**32, 600, dtype=np.uint64))
    a = replace(a, audio_rms=np.full(600, a_db, np.float32))
    b = replace(_with_sound(synth_fp(1, seconds=6), rng.integers(0, 2**32, 600, dtype=np.uint64)),
                audio_rms=np.full(600, -64.0, np.float32), audio_state="silent", sha256="f" * 64)
    m = match_fingerprints(a, b)
    assert m.audio is not None and m.audio.verdict == "none"
    assert ("audio-removed" in [e.type for e in m.edits]) == removed


def test_scan_sound_test_passes_shared_sound_only(fps: dict[str, Fingerprint]) -> None:
    """Scan's cheap candidate test by sound: a re-encode, a 5.1 copy and other footage under A's sound pass;
    other sound, no sound and silence do not."""
    names = ["a", "reencode", "surround", "lifted", "replaced", "unrelated", "removed", "silent"]
    test = audio_sync.SoundTest([fps[n] for n in names])
    passed = {names[j] for j in range(1, len(names)) if test(0, j)}
    assert passed == {"reencode", "surround", "lifted"}


def test_an_offset_of_zero_is_never_negative_zero(fps: dict[str, Fingerprint]) -> None:
    """`compare --json a.mp4 mono8k.mp4` printed "offset": -0.0 (a sub-millisecond negative lag rounded)."""
    import json
    import math

    m = match_fingerprints(fps["a"], fps["mono8k"])
    assert m.audio is not None and m.audio.offset is not None and abs(m.audio.offset) < 0.0005
    assert math.copysign(1.0, m.audio.offset) == 1.0
    assert '"offset": -0.0' not in json.dumps(m.to_dict())


def test_sound_pairs_are_the_pairs_the_sound_test_passes(fps: dict[str, Fingerprint]) -> None:
    """Scan above ALL_PAIRS_MAX files finds by a table of steps the pairs the all-pairs sound test passes."""
    names = ["a", "reencode", "surround", "lifted", "replaced", "unrelated", "removed", "silent", "mono8k", "late"]
    prints = [fps[n] for n in names]
    test = audio_sync.SoundTest(prints)
    expected = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names)) if test(i, j)]
    assert ("a", "lifted") in {(names[i], names[j]) for i, j in expected}  # the case that needs sound at all
    assert audio_sync.sound_pairs(prints) == expected


def test_sound_pairs_link_the_many_copies_of_one_sound(monkeypatch: pytest.MonkeyPatch) -> None:
    """A sound posted more often than SOUND_BUCKET_MAX: its steps link each copy to the next (the group holds
    together), and each file keeps only its SOUND_CANDIDATES best; other sound shares nothing."""
    rng = np.random.default_rng(11)
    sound = rng.integers(0, 2**32, 300, dtype=np.uint64)
    copies = [_with_sound(synth_fp(k, seconds=3), sound) for k in range(6)]
    other = _with_sound(synth_fp(9, seconds=3), rng.integers(0, 2**32, 300, dtype=np.uint64))
    prints = [*copies[:3], other, *copies[3:]]
    everyone = [(i, j) for i in range(7) for j in range(i + 1, 7) if 3 not in (i, j)]
    assert audio_sync.sound_pairs(prints) == everyone
    monkeypatch.setattr(audio_sync, "SOUND_BUCKET_MAX", 2)
    assert audio_sync.sound_pairs(prints) == [(0, 1), (1, 2), (2, 4), (4, 5), (5, 6)]
    monkeypatch.setattr(audio_sync, "SOUND_BUCKET_MAX", 64)
    monkeypatch.setattr(audio_sync, "SOUND_CANDIDATES", 1)
    kept = audio_sync.sound_pairs(prints)
    assert all(3 not in p for p in kept) and {i for p in kept for i in p} == {0, 1, 2, 4, 5, 6}
