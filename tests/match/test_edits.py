"""Timeline edits from segments (pure)."""

from __future__ import annotations

from vidverify.match.edits import timeline_edits
from vidverify.models import Segment


def seg(a0: float, a1: float, b0: float, b1: float, **kw: object) -> Segment:
    return Segment(a0, a1, b0, b1, **kw)  # type: ignore[arg-type]


def kinds(edits: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(e.type for e in edits)


def test_pure_reencode_has_no_timeline_edits_but_reencode() -> None:
    assert kinds(timeline_edits([seg(0, 10, 0, 10)], a_duration=10, b_duration=10)) == ["reencode"]


def test_identical_bytes_have_no_edits() -> None:
    assert timeline_edits([seg(0, 10, 0, 10)], a_duration=10, b_duration=10, same_bytes=True) == []


def test_trim_cut_insert_reorder() -> None:
    segs = [seg(2, 4, 0, 2), seg(6, 8, 2, 4), seg(0, 1, 7, 8)]
    e = timeline_edits(segs, a_duration=10, b_duration=8)
    assert kinds(e) == ["cut", "insert", "reencode", "reorder", "trim"]
    (cut,) = [x for x in e if x.type == "cut"]
    assert (cut.a_start, cut.a_end, cut.b_start, cut.b_end) == (4, 6, 2, 2)
    (ins,) = [x for x in e if x.type == "insert"]
    assert (ins.b_start, ins.b_end) == (4, 7)
    (trim,) = [x for x in e if x.type == "trim"]
    assert trim.detail["where"] == "end" and (trim.a_start, trim.a_end) == (8, 10)


def test_speed_mirror_frame_rate() -> None:
    e = timeline_edits([seg(0, 10, 0, 5, speed=0.5, mirrored=True)], a_duration=10, b_duration=5, a_fps=30,
                       b_fps=25)
    assert kinds(e) == ["frame-rate", "mirror", "reencode", "speed"]


def test_small_differences_are_tolerated() -> None:
    e = timeline_edits([seg(0.1, 9.9, 0, 9.8)], a_duration=10, b_duration=9.9)
    assert kinds(e) == ["reencode"]


def test_a_trim_at_a_fast_lines_end_is_measured_in_bs_time() -> None:
    """A 4x time-lapse whose line starts 0.3 s into A (a frame of B: the line is known to a frame of B, four of
    A) trims nothing; 2 s of A (half a second of B) missing is a trim."""
    short = timeline_edits([seg(0.3, 19.7, 0, 4.85, speed=0.25)], a_duration=20, b_duration=5)
    assert "trim" not in kinds(short)
    long = timeline_edits([seg(2.0, 20, 0, 4.5, speed=0.25)], a_duration=20, b_duration=4.5)
    assert [e.detail["where"] for e in long if e.type == "trim"] == ["start"]
    # at normal speed the same 0.3 s is a trim, as before
    assert "trim" in kinds(timeline_edits([seg(0.3, 20, 0, 19.7)], a_duration=20, b_duration=19.7))
