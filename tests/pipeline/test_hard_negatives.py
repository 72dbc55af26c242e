"""compare on hard negatives (issue 15, items 3 and 5): look-alike frames are not shared footage, and real copies
of moving footage are still found with the right edits.

Built the way the bugs were met on real footage: two moments of one static camera (a static TV shot), two
moments of dark, nearly static film frames, and two unrelated clips played inside one app-chrome template
(``tests/fixtures/hard_negatives.py``). Before the evidence bar, each pair was "same footage" or a partial
overlap, matched on stretches of static, dark or shared-chrome frames, with trims, reorders and inserts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import hard_negatives as hn
from vidverify.match.strength import MIN_EVIDENCE_SECONDS
from vidverify.models import Match
from vidverify.pipeline.comparison import compare
from vidverify.testing import synth

SMALL = (320, 180)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("hard_negatives")
    out: dict[str, Path] = {}
    hn.static_scene(d / "static.mp4", seconds=14, size=SMALL)
    out["static_1"] = synth.trim(d / "static.mp4", d / "static_1.mp4", 0, 5)
    out["static_2"] = synth.trim(d / "static.mp4", d / "static_2.mp4", 8, 13)
    hn.dark_still(d / "dark.mp4", seconds=12, size=SMALL)
    out["dark_1"] = synth.trim(d / "dark.mp4", d / "dark_1.mp4", 0, 5)
    out["dark_2"] = synth.trim(d / "dark.mp4", d / "dark_2.mp4", 7, 12)
    out["clip_1"] = synth.make_scene(d / "clip_1.mp4", seconds=5, size=SMALL, seed=151, audio=False)
    out["clip_2"] = synth.make_scene(d / "clip_2.mp4", seconds=5, size=SMALL, seed=152, audio=False)
    out["template_1"] = hn.in_template(out["clip_1"], d / "template_1.mp4", size=(180, 320))
    out["template_2"] = hn.in_template(out["clip_2"], d / "template_2.mp4", size=(180, 320))
    out["reencode"] = synth.reencode(out["clip_1"], d / "reencode.mp4", crf=32)
    out["trim"] = synth.trim(out["clip_1"], d / "trim.mp4", 1.0, 4.0)
    other = synth.make_scene(d / "other.mp4", seconds=10, size=SMALL, seed=153, audio=False)
    out["insert"] = synth.splice(other, out["clip_1"], d / "insert.mp4", at=4.0, insert_seconds=3.0, insert_start=1.0)
    return out


def _compare(clips: dict[str, Path], a: str, b: str) -> Match:
    return compare(clips[a], clips[b], findings=False)


@pytest.mark.parametrize("a, b", [("static_1", "static_2"), ("dark_1", "dark_2"), ("template_1", "template_2")])
def test_look_alike_frames_of_different_footage_are_unrelated(clips: dict[str, Path], a: str, b: str) -> None:
    for x, y in ((a, b), (b, a)):
        m = _compare(clips, x, y)
        assert m.verdict == "unrelated", (x, y, m.segments)
        assert m.segments == () and m.edits == ()
        assert m.confidence <= 0.75  # it could not tell: not the certainty of a miss on clearly different footage


def test_moving_footage_is_still_found_with_its_edits(clips: dict[str, Path]) -> None:
    m = _compare(clips, "clip_1", "reencode")
    assert m.verdict == "same-footage" and m.confidence > 0.9
    assert {e.type for e in m.edits} == {"reencode"}
    m = _compare(clips, "clip_1", "trim")
    assert m.verdict == "same-footage"
    assert sorted(e.detail["where"] for e in m.edits if e.type == "trim") == ["end", "start"]
    assert not {"cut", "insert", "crop", "color", "rotate"} & {e.type for e in m.edits}


def test_a_3s_insert_of_moving_footage_is_found_from_either_side(clips: dict[str, Path]) -> None:
    m = _compare(clips, "clip_1", "insert")
    assert m.verdict == "partial-overlap" and m.confidence > 0.9
    (s,) = m.segments
    assert abs(s.a_start - 1.0) < 0.1 and abs(s.b_start - 4.0) < 0.1 and abs(s.b_end - 7.0) < 0.1
    assert {"insert", "trim"} <= {e.type for e in m.edits}
    assert not {"cut", "crop", "color", "rotate", "reorder"} & {e.type for e in m.edits}
    back = _compare(clips, "insert", "clip_1")
    assert back.verdict == "partial-overlap" and len(back.segments) == 1


def test_look_alike_stretches_are_listed_apart_from_matches(clips: dict[str, Path]) -> None:
    """Two moments of one static shot match for seconds but cannot tell the moment: compare says `unrelated` and
    lists those stretches as look-alikes (times on both sides, their evidence under the bar), so a reader knows
    where the frames agree and why it is not counted. A real copy of moving footage leaves none."""
    m = _compare(clips, "static_1", "static_2")
    assert m.verdict == "unrelated" and m.segments == ()
    assert m.look_alike, "the static shot's stretches that matched are not listed"
    for x in m.look_alike:
        assert x.evidence < MIN_EVIDENCE_SECONDS and x.b_end - x.b_start >= MIN_EVIDENCE_SECONDS
        assert 0 <= x.a_start < x.a_end <= 5.1 and 0 <= x.b_start < x.b_end <= 5.1
    assert m.to_dict()["look_alike"][0]["evidence"] == m.look_alike[0].evidence
    copy = _compare(clips, "clip_1", "reencode")
    assert copy.verdict == "same-footage" and copy.look_alike == ()
