"""evidence/lineage.py on comparisons whose facts are set by hand: which clue points which way, when an insert is a
clue, and the shape of the tree (one root, every member once, sound-only members and separate copies)."""

from __future__ import annotations

from vidverify.evidence.lineage import NOT_IN_SET, lineage, match_clues
from vidverify.models import Edit, FileRef, Match, MediaInfo, Segment, Writer


def m(a: str, b: str, cov_a: float, cov_b: float, segments: tuple[Segment, ...] = (Segment(0, 10, 0, 10),),
      edits: tuple[Edit, ...] = (), verdict: str = "same-footage") -> Match:
    """``cov_a`` of A is found in B, ``cov_b`` of B in A."""
    return Match(FileRef(a, duration=10.0), FileRef(b, duration=10.0), verdict, 0.9, {"a": cov_a, "b": cov_b},
                 segments, edits)


def info(path: str, *, original: bool = False, w: int = 1280, h: int = 720) -> MediaInfo:
    return MediaInfo(path=path, kind="video", width=w, height=h, fps=30.0, duration=10.0,
                     writer=Writer("x", "camera" if original else "ffmpeg", original))


def parents(entries: tuple) -> dict[str, str | None]:
    return {e.path: e.parent for e in entries}


def test_a_splice_points_one_way_but_footage_unmatched_at_an_end_does_not() -> None:
    # B = A's 0-4 s, 3 s of other footage, A's 4-10 s: the stretches join up in A
    splice = m("a", "b", 1.0, 0.77, (Segment(0, 4, 0, 4), Segment(4, 10, 7, 13)),
               (Edit("insert", b_start=4.0, b_end=7.0),))
    assert {(c.parent, c.child, c.kind) for c in match_clues(splice)} == {("a", "b", "insert"), ("b", "a", "cut")}
    # alone, nothing else shows the spliced footage: it was put in, so A came first
    assert parents(lineage(["a", "b"], {"a": info("a"), "b": info("b")}, [splice])) == {"a": None, "b": "a"}
    # the same "insert" between stretches that do not join up in A (a reordering, a loose match) is no clue
    loose = m("a", "b", 0.6, 0.5, (Segment(0, 3, 0, 3), Segment(6, 9, 6, 9)), (Edit("insert", b_start=3.0, b_end=6.0),))
    assert match_clues(loose) == []


def test_an_insert_another_member_shows_is_a_cut_in_the_other() -> None:
    # cut lacks 4-7 s of the original; against cut, the original looks like a splice, but trimmed shows that
    # footage too: it was cut out, not put in
    infos = {p: info(p) for p in ("orig", "cut", "trimmed")}
    ms = [m("cut", "orig", 1.0, 0.7, (Segment(0, 4, 0, 4), Segment(4, 7, 7, 10)), (Edit("insert", b_start=4.0,
                                                                                          b_end=7.0),)),
          m("orig", "trimmed", 0.8, 1.0, (Segment(1, 9, 0, 8),)),
          m("cut", "trimmed", 0.7, 0.6)]
    tree = parents(lineage(["orig", "cut", "trimmed"], infos, ms))
    assert tree["orig"] is None
    assert tree["cut"] == "orig" and tree["trimmed"] == "orig"


def test_one_root_every_member_once_and_copies_of_a_missing_source() -> None:
    infos = {p: info(p) for p in ("early", "late", "early_logo")}
    ms = [m("early", "late", 0.3, 0.3, (Segment(4, 7, 0, 3),)),
          m("early", "early_logo", 1.0, 1.0, edits=(Edit("overlay", detail={"box": [0, 0, 10, 10]}),))]
    entries = lineage(["early", "late", "early_logo"], infos, ms)
    assert [e.path for e in entries] == ["early", "late", "early_logo"]
    tree = parents(entries)
    assert list(tree.values()).count(None) == 1
    assert tree["early_logo"] == "early"
    (late,) = [e for e in entries if e.path == "late"]
    assert late.parent == "early" and late.evidence[0] == NOT_IN_SET and late.confidence == 0.5


def test_a_camera_original_is_the_root_and_a_member_sharing_only_sound_hangs_under_it() -> None:
    infos = {"upload": info("upload"), "cam": info("cam", original=True), "music": info("music")}
    ms = [m("upload", "cam", 1.0, 1.0), m("cam", "music", 0.0, 0.0, (), verdict="unrelated")]
    entries = lineage(["upload", "cam", "music"], infos, ms, matched_by={"music": "sound"})
    tree = {e.path: e for e in entries}
    assert tree["cam"].parent is None and tree["upload"].parent == "cam"
    assert 0.5 < tree["upload"].confidence <= 0.95
    assert tree["music"].parent == "cam" and tree["music"].evidence[0] == NOT_IN_SET


def test_a_canvas_crop_edit_leaves_the_other_channels_clues() -> None:
    # compare gives a canvas compared as A a crop edit of kind "region of a canvas"; a crop among the edits
    # switched off the clues of the a-bars and b-crop channels ("crops and bars seen by the channels, when frame
    # pairs were not decoded"), and the direction their clues gave was lost (found in review)
    from vidverify.match.edits import canvas_crop_edit

    segs = (Segment(0, 5, 0, 5, channel="a-canvas1", frames=100), Segment(5, 8, 5, 8, channel="a-bars", frames=60),
            Segment(8, 10, 8, 10, channel="b-crop", frames=40))
    crop = canvas_crop_edit(0, 5, 0, 5, (0, 0, 360, 640), (720, 1280))
    texts = {c.text for c in match_clues(m("A", "B", 0.5, 1.0, segs, edits=(crop,)))}
    assert texts >= {c.text for c in match_clues(m("A", "B", 0.5, 1.0, segs))}
    assert any("inside bars" in t for t in texts) and any("centre crop" in t for t in texts)


def test_a_canvas_is_made_from_the_clip_it_shows_whichever_side_it_is() -> None:
    # a duet (1280x720) showing a clip (854x480) in its left cell: the duet as the reference (A) matched the clip
    # in A's region (channel a-canvas2, which gives no pad edit), and its larger frame said the clip was "a
    # smaller picture: detail is not put back", so the clip was called a copy of the duet
    infos = {"duet": info("duet", w=1280, h=720), "clip": info("clip", w=854, h=480)}
    seg = (Segment(0, 10, 0, 10, channel="a-canvas2"),)
    for ms in ([m("duet", "clip", 1.0, 1.0, seg)],
               [m("clip", "duet", 1.0, 1.0, (Segment(0, 10, 0, 10, channel="b-canvas2"),))]):
        entries = lineage(["duet", "clip"], infos, ms)
        assert parents(entries) == {"clip": None, "duet": "clip"}
        (duet,) = [e for e in entries if e.path == "duet"]
        assert any("inside" in t and "canvas" in t for t in duet.evidence)
        assert not any("smaller" in t for e in entries for t in e.evidence)


def test_a_canvas_found_by_features_is_made_from_the_clip_it_shows_whichever_side_it_is() -> None:
    # compare's feature searches: the clip as A gives the canvas (B) a pad of surround "canvas" on b-region; the
    # canvas as A (``compare pip.mp4 clip.mp4``) gives it a canvas crop on a-region, which gave no clue: the pip,
    # with the larger frame, was the root
    from vidverify.match.edits import canvas_crop_edit, pad_edit

    infos = {"pip": info("pip", w=960, h=540), "clip": info("clip", w=480, h=270)}
    pad = pad_edit(0, 8, 0, 8, (628, 341, 304, 171), (960, 540), surround="canvas")
    crop = canvas_crop_edit(0, 8, 0, 8, (628, 341, 304, 171), (960, 540))
    for ms in ([m("clip", "pip", 1.0, 1.0, (Segment(0, 8, 0, 8, channel="b-region"),), edits=(pad,))],
               [m("pip", "clip", 1.0, 1.0, (Segment(0, 8, 0, 8, channel="a-region"),), edits=(crop,))]):
        entries = lineage(["pip", "clip"], infos, ms)
        assert parents(entries) == {"clip": None, "pip": "clip"}
        (pip,) = [e for e in entries if e.path == "pip"]
        assert any("canvas" in t for t in pip.evidence)


def test_a_composite_names_each_member_it_combines_and_its_parts_are_no_copies_of_each_other() -> None:
    # a duet of two clips that share no footage, one of them also re-encoded: the duet names one as parent and
    # both in ``sources`` (one per footage, the copy not among them); the other clip shares nothing with the root
    # and says so, rather than "made separately from footage not in the set"
    from vidverify.match.edits import pad_edit

    infos = {"a": info("a", w=640, h=360), "a2": info("a2", w=640, h=360), "b": info("b", w=640, h=360),
             "duet": info("duet", w=1280, h=720)}
    pad = pad_edit(0, 10, 0, 10, (0, 180, 640, 360), (1280, 720), surround="canvas")
    region = (Segment(0, 10, 0, 10, channel="b-region"),)
    ms = [m("a", "a2", 1.0, 1.0), m("a", "duet", 1.0, 1.0, region, (pad,)), m("a2", "duet", 1.0, 1.0, region, (pad,)),
          m("b", "duet", 1.0, 1.0, region, (pad,)), m("a", "b", 0.0, 0.0, (), verdict="unrelated")]
    entries = {e.path: e for e in lineage(["a", "a2", "b", "duet"], infos, ms)}
    root = next(p for p, e in entries.items() if e.parent is None)
    duet = entries["duet"]
    assert duet.parent in ("a", "a2", "b") and len(duet.sources) == 2 and duet.sources[0] == duet.parent
    assert {"b"} < set(duet.sources) and len({"a", "a2"} & set(duet.sources)) == 1
    assert any("combines footage of" in t for t in duet.evidence)
    apart = entries["b"] if root != "b" else entries["a"]
    assert apart.evidence[0] == NOT_IN_SET and apart.sources == ()
    assert "shares no footage with" in apart.evidence[1] and "both are shown in duet" in apart.evidence[1]
    # a copy of one clip names it alone: no composite
    # (a and its copy, the same size, no clue either way: made separately from a source not in the set)
    assert entries["a2"].sources == () and entries["a2"].evidence[0] == NOT_IN_SET
    # a duet of one clip and its own copy is no composite
    one = {e.path: e for e in lineage(["a", "a2", "duet"], infos, ms[:3])}
    assert len(one["duet"].sources) == 1 and not any("combines" in t for t in one["duet"].evidence)


def test_a_picture_in_pictures_background_came_first_and_two_canvases_of_a_clip_say_nothing_of_each_other() -> None:
    # pip: clip in a corner (a region) over rocket's footage, scaled up to 1280x720 (rocket is 640x360); duet: clip
    # beside other footage. The pip matches rocket over its whole frame, with no edit that says which came first
    # (the alignment's match): rocket's smaller picture made it a copy of the pip. And the pip and the duet,
    # matched region to region on the clip they both show, gave clues both ways that made the pip the root.
    from vidverify.match.edits import pad_edit

    infos = {"clip": info("clip", w=640, h=360), "rocket": info("rocket", w=640, h=360),
             "pip": info("pip", w=1280, h=720), "duet": info("duet", w=1280, h=720)}
    pad = pad_edit(0, 10, 0, 10, (836, 506, 416, 186), (1280, 720), surround="canvas")
    region = (Segment(0, 10, 0, 10, channel="b-region"),)
    # the inset leaves the pip 8 bits from rocket over the whole frame (bikes: 8.9)
    ms = [m("clip", "pip", 1.0, 1.0, region, (pad,)),
          m("pip", "rocket", 1.0, 1.0, (Segment(0, 10, 0, 10, distance=8.0),)),
          m("clip", "duet", 1.0, 1.0, region, (pad_edit(0, 10, 0, 10, (0, 180, 640, 360), (1280, 720),
                                                          surround="canvas"),)),
          # the duet shows part of the pip (a crop around its corner, as compare finds it) in its canvas
          m("pip", "duet", 1.0, 1.0, region, (pad, Edit("crop", detail={"region": [839, 344, 434, 375], "of": "a"}),
                                              Edit("overlay", detail={"box": [0, 0, 10, 10]}))),
          m("clip", "rocket", 0.0, 0.0, (), verdict="unrelated")]
    # the pip compared first (the group's reference) with rocket: its inset reads as an overlay on rocket
    ms.append(m("pip", "rocket", 1.0, 1.0, (Segment(0, 10, 0, 10, channel="half-top", distance=0.6),),
                (Edit("overlay", detail={"box": [836, 506, 416, 186]}),)))
    entries = {e.path: e for e in lineage(["pip", "duet", "clip", "rocket"], infos, ms)}
    assert entries["pip"].sources in (("clip", "rocket"), ("rocket", "clip")), entries["pip"]
    assert any("background of a composite" in t for t in entries["pip"].evidence)
    assert not any("smaller" in t for e in entries.values() for t in e.evidence)
    assert entries["duet"].parent == "clip"
    assert next(p for p, e in entries.items() if e.parent is None) in ("clip", "rocket")
    # a half-size copy of the duet, matched over its whole frame: the pip the duet matched region to region is
    # no picture the duet shows over the copy's footage (the copy was called the duet's background)
    infos["small"] = info("small", w=640, h=360)
    ms += [m("duet", "small", 1.0, 1.0), m("clip", "small", 1.0, 1.0, region, (pad,))]
    entries = {e.path: e for e in lineage(["pip", "duet", "clip", "rocket", "small"], infos, ms)}
    assert entries["small"].parent == "duet" and entries["duet"].parent == "clip", entries
    assert not any("background" in t for t in entries["duet"].evidence + entries["small"].evidence)
    # a re-encoded copy of the pip, never compared with the clip (a scan's turns ran out): close to the pip over
    # the whole frame, so no background of it (it was, and the pip "combined" it with the clip)
    infos["pip2"] = info("pip2", w=1280, h=720)
    ms += [m("pip2", "pip", 1.0, 1.0, (Segment(0, 10, 0, 10, distance=2.5),)),
           m("pip2", "rocket", 1.0, 1.0, (Segment(0, 10, 0, 10, distance=8.5),))]
    entries = {e.path: e for e in lineage(["pip", "duet", "clip", "rocket", "small", "pip2"], infos, ms)}
    assert not any("pip2 is the background" in t for e in entries.values() for t in e.evidence), entries
    assert set(entries["pip"].sources) <= {"clip", "rocket", "pip2"} and "pip2" not in entries["pip"].sources


def test_a_re_framed_copy_of_a_duet_is_made_from_the_duet() -> None:
    # repost: a 9:16 re-post of the duet, the whole duet in the middle of a blurred fill; it shows the clip and
    # pattern in regions too (as the duet does). Read as "two canvases of a third member" (the clip), the duet gave
    # it no clue, and it was called a composite of the clip and pattern, made separately
    from vidverify.match.edits import pad_edit
    from vidverify.models import BLURRED_FILL

    infos = {"clip": info("clip", w=640, h=360), "pattern": info("pattern", w=360, h=640),
             "duet": info("duet", w=1280, h=720), "repost": info("repost", w=720, h=1280)}
    region = (Segment(0, 10, 0, 10, channel="b-region"),)

    def shown(b_active: tuple[int, int, int, int], size: tuple[int, int], surround: str = "canvas") -> Edit:
        return pad_edit(0, 10, 0, 10, b_active, size, surround=surround)

    ms = [m("clip", "duet", 1.0, 1.0, region, (shown((0, 180, 640, 360), (1280, 720)),)),
          m("pattern", "duet", 1.0, 1.0, region, (shown((840, 0, 405, 720), (1280, 720)),)),
          m("clip", "repost", 1.0, 1.0, region, (shown((0, 538, 360, 202), (720, 1280)),)),
          m("pattern", "repost", 1.0, 1.0, region, (shown((473, 436, 227, 404), (720, 1280)),)),
          m("duet", "repost", 1.0, 1.0, region, (shown((0, 436, 720, 404), (720, 1280), BLURRED_FILL),)),
          m("clip", "pattern", 0.0, 0.0, (), verdict="unrelated")]
    entries = {e.path: e for e in lineage(["clip", "pattern", "duet", "repost"], infos, ms)}
    assert entries["duet"].sources in (("clip", "pattern"), ("pattern", "clip")), entries["duet"]
    assert entries["repost"].parent == "duet" and entries["repost"].sources == ("duet",), entries["repost"]


def test_a_grids_cell_showing_a_picture_in_pictures_background_is_no_copy_of_it() -> None:
    # grid: clip and rocket in two of its cells; pip: clip in a corner over rocket. The grid's rocket cell matches
    # the pip's whole frame too (a-canvas), 9.8 bits apart (the pip's inset differs): that is the background the
    # two share, not the pip copied into the grid (the lineage benchmark's grids named the pip as their parent)
    from vidverify.match.edits import pad_edit

    infos = {"clip": info("clip", w=640, h=360), "rocket": info("rocket", w=640, h=360),
             "pip": info("pip", w=1280, h=720), "grid": info("grid", w=1280, h=720)}
    region = (Segment(0, 10, 0, 10, channel="b-region"),)
    pad = pad_edit(0, 10, 0, 10, (836, 506, 416, 186), (1280, 720), surround="canvas")
    ms = [m("clip", "pip", 1.0, 1.0, region, (pad,)),
          m("pip", "rocket", 1.0, 1.0, (Segment(0, 10, 0, 10, distance=8.9),)),
          m("clip", "grid", 1.0, 1.0, (Segment(0, 10, 0, 10, channel="b-canvas1", distance=2.0),)),
          m("rocket", "grid", 1.0, 1.0, (Segment(0, 10, 0, 10, channel="b-canvas2", distance=3.0),)),
          m("grid", "pip", 1.0, 1.0, (Segment(0, 10, 0, 10, channel="a-canvas2", distance=9.8),)),
          m("clip", "rocket", 0.0, 0.0, (), verdict="unrelated")]
    entries = {e.path: e for e in lineage(["clip", "rocket", "pip", "grid"], infos, ms)}
    assert set(entries["grid"].sources) == {"clip", "rocket"}, entries["grid"]
    assert set(entries["pip"].sources) == {"clip", "rocket"}, entries["pip"]


def test_a_duets_half_showing_a_square_re_posts_clip_is_no_copy_of_the_re_post() -> None:
    # square: a 1:1 re-post of the clip (a blurred fill above and below it). Compared with the duet, features place
    # the square in the duet's half, but only its clip matched (56% of it: the duet has bars where the square has
    # its fill): the duet shows part of the square, as two canvases of the clip do, and was not made from it
    # (the review found the duet "made from" the square)
    from vidverify.match.edits import pad_edit
    from vidverify.models import BLURRED_FILL

    infos = {"clip": info("clip", w=640, h=360), "pattern": info("pattern", w=360, h=640),
             "duet": info("duet", w=1280, h=720), "square": info("square", w=720, h=720)}
    region = (Segment(0, 10, 0, 10, channel="b-region", distance=3.0),)

    def shown(b_active: tuple[int, int, int, int], size: tuple[int, int], surround: str = "canvas",
              **detail: float) -> Edit:
        e = pad_edit(0, 10, 0, 10, b_active, size, surround=surround)
        return Edit(e.type, e.a_start, e.a_end, e.b_start, e.b_end, {**e.detail, **detail})

    ms = [m("clip", "duet", 1.0, 1.0, region, (shown((0, 180, 640, 360), (1280, 720)),)),
          m("pattern", "duet", 1.0, 1.0, region, (shown((840, 0, 405, 720), (1280, 720)),)),
          m("clip", "square", 1.0, 1.0, region, (shown((0, 157, 720, 405), (720, 720), BLURRED_FILL),)),
          m("square", "duet", 1.0, 1.0, (Segment(0, 10, 0, 10, channel="b-region", distance=1.0),),
            (shown((0, 0, 640, 640), (1280, 720), matched_share=0.56),)),
          m("clip", "pattern", 0.0, 0.0, (), verdict="unrelated")]
    entries = {e.path: e for e in lineage(["clip", "pattern", "duet", "square"], infos, ms)}
    assert entries["duet"].parent == "clip" and set(entries["duet"].sources) == {"clip", "pattern"}, entries["duet"]
    assert entries["square"].parent == "clip", entries["square"]
