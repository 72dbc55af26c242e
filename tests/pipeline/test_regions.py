"""Issue 15 item 1: a clip shown as part of a busier frame (a screen recording of a phone app, a duet, a 2x2 grid,
a 9:16 re-post over a blurred fill of its own picture) was "unrelated" with similarity 0. The region where the
footage plays is found per stretch and hashed as a channel (``signals/regions.py``): ``compare`` finds the clip
there with the right times and a ``pad`` edit, scan's candidate stage and the index find it too, and an
unrelated clip in the same app template is not matched. Media: ``tests/fixtures/canvases.py``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.fixtures import canvases
from vidverify.match.candidates import candidate_pairs
from vidverify.models import Match
from vidverify.pipeline.comparison import compare
from vidverify.pipeline.index.search import Index
from vidverify.pipeline.ingest import add_paths, fingerprint


@pytest.fixture(scope="module")
def canvas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return canvases.build(tmp_path_factory.mktemp("canvases"))


def _region_cover(m: Match) -> float:
    """Share of A (the source) matched in a region of B."""
    spans = [(s.a_start, s.a_end) for s in m.segments if s.channel.startswith("b-canvas")]
    return sum(e - s for s, e in spans) / canvases.SECONDS


@pytest.mark.parametrize(("kind", "cover"), [("screen", 0.9), ("duet", 0.9), ("grid", 0.45), ("blurred", 0.45)])
def test_a_clip_inside_a_canvas_is_found_with_its_times_and_pad(canvas: dict[str, Path], kind: str,
                                                                cover: float) -> None:
    m = compare(canvas["source"], canvas[kind], findings=False, pictures=False)
    assert m.verdict != "unrelated" and m.similarity > 0.3
    assert _region_cover(m) >= cover
    for s in m.segments:  # the same moment on both sides: the canvas re-post keeps the clip's timing
        assert s.channel.startswith("b-canvas") and abs(s.b_start - s.a_start) < 0.15 and s.speed == 1.0
    [pad] = [e for e in m.edits if e.type == "pad"][:1]
    x, y, w, h = pad.detail["b_active_area"]
    bw, bh = pad.detail["b_size"]
    assert w * h < 0.8 * bw * bh  # the clip fills a part of the canvas


def test_the_screen_recordings_region_is_the_clip(canvas: dict[str, Path]) -> None:
    """The pad edit places the clip where the recording shows it (360x202 at y=200 of a 360x640 canvas)."""
    m = compare(canvas["source"], canvas["screen"], findings=False, pictures=False)
    pad = next(e for e in m.edits if e.type == "pad")
    x, y, w, h = pad.detail["b_active_area"]
    assert abs(y - canvases.SCREEN_CLIP_Y) <= 16 and abs(h - 202) <= 32 and x <= 12 and w >= 340


def test_an_unrelated_clip_in_the_same_canvas_is_not_matched(canvas: dict[str, Path]) -> None:
    for kind in ("screen_other",):
        m = compare(canvas["source"], canvas[kind], findings=False, pictures=False)
        assert m.verdict == "unrelated" and not m.segments
    # the other video of the duet is found in its own cell, not in the source's
    m = compare(canvas["other1"], canvas["duet"], findings=False, pictures=False)
    assert m.verdict != "unrelated"
    box = next(e for e in m.edits if e.type == "pad").detail["b_active_area"]
    assert box[0] >= 0.4 * 640  # the right half


def test_the_order_of_the_pair_does_not_matter(canvas: dict[str, Path]) -> None:
    """The canvas as A: the source is found in A's region (channel a-canvas...)."""
    m = compare(canvas["screen"], canvas["source"], findings=False, pictures=False)
    assert m.verdict != "unrelated" and m.segments[0].channel.startswith("a-canvas")


def test_a_canvas_compared_as_a_says_b_keeps_only_its_region_not_that_b_is_all_of_it(
        canvas: dict[str, Path]) -> None:
    """`compare duet.mp4 clip.mp4`: its edits were a re-encode and a scale, and the finding called the clip "a
    re-encode of all of" the duet. B keeps only A's region: a crop of A of kind "region of a canvas", so the
    finding is `edited`; lineage still makes the duet from the clip (the crop is no clue against it)."""
    from vidverify.evidence.lineage import match_clues

    m = compare(canvas["duet"], canvas["source"], pictures=False)
    [crop] = [e for e in m.edits if e.type == "crop"]
    assert crop.detail["of"] == "a" and crop.detail["kind"] == "region of a canvas"
    x, y, w, h = crop.detail["region"]
    assert x < 0.1 * 640 and w <= 0.6 * 640 and 0.1 <= crop.detail["kept_area"] <= 0.6  # the left half
    assert {f.code for f in m.findings} >= {"edited"} and "duplicate" not in {f.code for f in m.findings}
    clues = match_clues(m)
    picture = [c for c in clues if "canvas" in c.text or "crop" in c.text]
    assert picture and all(Path(c.parent).name == "source.mp4" for c in picture)


def test_scan_candidates_and_the_index_find_the_clip_in_a_canvas(canvas: dict[str, Path], tmp_path: Path) -> None:
    names = ["source", "screen", "duet", "screen_other"]
    fps = [fingerprint(canvas[n]) for n in names]
    pairs = set(candidate_pairs(fps))
    assert (0, 1) in pairs and (0, 2) in pairs
    with Index(tmp_path / "ix.sqlite") as ix:
        add_paths(ix, [str(canvas[n]) for n in ("screen", "screen_other")])
        results = ix.search(fps[0])
    assert [r.path for r in results] == [str(canvas["screen"].resolve())]
    with Index(tmp_path / "ix2.sqlite") as ix:
        add_paths(ix, [str(canvas[n]) for n in ("source", "other1")])
        results = ix.search(fps[1])
    assert results and results[0].path == str(canvas["source"].resolve())


def test_region_boxes_are_per_stretch_in_the_fingerprint(canvas: dict[str, Path]) -> None:
    """The screen recording: a region in every stretch; the source itself (ordinary footage): few or none."""
    screen = fingerprint(canvas["screen"])
    assert (np.asarray(screen.region1_box) != 0).mean() > 0.9
    assert (np.asarray(screen.region1)[np.asarray(screen.region1_box) == 0] == 0).all()


def test_scan_takes_the_clip_not_the_canvas_for_the_reference_and_the_origin(
        canvas: dict[str, Path], tmp_path: Path) -> None:
    """A duet's frame has more pixels than the clip it shows: it was chosen as the group's reference, and lineage
    called the clip a copy of it ('a smaller picture: detail is not put back'). The canvas ranks like a copy
    inside bars, and showing the clip inside a canvas points from the clip to the canvas."""
    import shutil

    from vidverify.pipeline.scanning import ScanOptions, scan

    for kind in ("source", "duet"):
        shutil.copy(canvas[kind], tmp_path / f"{kind}.mp4")
    r = scan([tmp_path], options=ScanOptions(pictures=False))
    [group] = r.groups
    assert Path(group.reference).name == "source.mp4"
    parents = {Path(e.path).name: e.parent and Path(e.parent).name for e in group.lineage}
    assert parents == {"source.mp4": None, "duet.mp4": "source.mp4"}
