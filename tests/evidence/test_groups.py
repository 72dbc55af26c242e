"""groups: components of the 'shares footage' relation and the choice of each group's reference."""

from __future__ import annotations

from vidverify.evidence.groups import choose_reference, closure, components, contains
from vidverify.models import FileRef, Match, MediaInfo, Segment, Writer


def m(a: str, b: str, cov_a: float, cov_b: float, verdict: str = "same-footage",
      segments: tuple[Segment, ...] = ()) -> Match:
    """A match: ``cov_a`` of A is found in B, ``cov_b`` of B in A (10 s files)."""
    return Match(FileRef(a, duration=10.0), FileRef(b, duration=10.0), verdict, 0.9, {"a": cov_a, "b": cov_b},
                 segments)


def info(path: str, *, w: int = 1280, h: int = 720, created: str | None = None, original: bool | None = None,
         bit_rate: int | None = None) -> MediaInfo:
    return MediaInfo(path=path, kind="video", width=w, height=h, fps=30.0, duration=10.0, bit_rate=bit_rate,
                     created=created, created_source="mvhd.creation_time" if created else None,
                     timezone="Z" if created else None,
                     writer=Writer("x", "camera" if original else "ffmpeg", original))


def test_components_join_through_a_compilation_and_skip_unrelated() -> None:
    paths = ["x", "y", "comp", "z"]
    ms = [m("x", "comp", 1.0, 0.5), m("y", "comp", 1.0, 0.5), m("x", "z", 0, 0, "unrelated")]
    assert components(paths, ms) == [["comp", "x", "y"]]


def test_closure_counts_footage_contained_through_another_member() -> None:
    share = contains([m("hd", "sd", 1.0, 1.0), m("sd", "logo", 0.97, 0.97)])
    assert share.get(("hd", "logo"), 0.0) == 0.0
    assert closure(["hd", "sd", "logo"], share)[("hd", "logo")] == 0.97


def test_the_most_complete_version_is_the_reference() -> None:
    ms = [m("orig", "trim", 0.6, 1.0, segments=(Segment(2, 8, 0, 6),)),
          m("orig", "cut", 0.8, 1.0, segments=(Segment(0, 4, 0, 4), Segment(6, 10, 4, 8))),
          m("trim", "cut", 0.75, 0.9)]
    infos = {p: info(p) for p in ("orig", "trim", "cut")}
    ref, why = choose_reference(["cut", "orig", "trim"], infos, ms)
    assert ref == "orig" and "completeness" in why


def test_inserted_footage_does_not_make_a_better_reference() -> None:
    # spliced (10 s) is the footage's 0-4 s, 2 s of other footage, then its 4-8 s (orig and mirror: 8 s shown)
    halves = (Segment(0, 4, 0, 4), Segment(4, 8, 6, 10))
    ms = [m("orig", "spliced", 1.0, 0.8, segments=halves), m("orig", "mirror", 1.0, 1.0),
          m("mirror", "spliced", 1.0, 0.8, segments=halves)]
    infos = {p: info(p) for p in ("orig", "spliced", "mirror")}
    assert choose_reference(["mirror", "orig", "spliced"], infos, ms)[0] in ("orig", "mirror")  # equals
    assert choose_reference(["orig", "spliced"], infos, ms[:1])[0] == "orig"
    assert choose_reference(["spliced", "orig"], infos, ms[:1])[0] == "orig"


def test_ties_go_to_camera_traces_then_the_earliest_then_the_largest_then_the_least_compressed() -> None:
    ms = [m("a", "b", 1.0, 1.0)]
    assert choose_reference(["a", "b"], {"a": info("a"), "b": info("b", original=True)}, ms)[0] == "b"
    early = {"a": info("a", created="2026-03-01T00:00:00Z"), "b": info("b", created="2026-03-05T00:00:00Z")}
    assert choose_reference(["a", "b"], early, ms)[0] == "a"
    big = {"a": info("a", w=640, h=360), "b": info("b")}
    assert choose_reference(["a", "b"], big, ms)[0] == "b"
    rich = {"a": info("a", bit_rate=4_000_000), "b": info("b", bit_rate=1_000_000)}
    ref, why = choose_reference(["a", "b"], rich, ms)
    assert ref == "a" and "bits per pixel" in why


def test_a_letterboxed_canvas_is_not_a_larger_picture() -> None:
    ms = [m("orig", "padded", 1.0, 1.0)]
    infos = {"orig": info("orig", w=640, h=360), "padded": info("padded", w=720, h=1280)}
    assert choose_reference(["orig", "padded"], infos, ms)[0] == "padded"  # canvas size alone misleads
    pictures = {"orig": 640 * 360, "padded": 720 * 404}  # the picture inside the bars: scaled up, no new detail
    assert choose_reference(["orig", "padded"], infos, ms, pictures, frozenset({"padded"}))[0] == "orig"
    pictures["padded"] = 320 * 180
    assert choose_reference(["orig", "padded"], infos, ms, pictures)[0] == "orig"
