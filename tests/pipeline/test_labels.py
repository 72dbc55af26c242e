"""Issue 15 item 5: edit labels only where the evidence holds. On small generated re-posts: subtitles whose words
change from line to line are an overlay; a speed ramp is a speed change, not a cut and an insert; a clip seen
inside a compilation's bars is not a crop of the compilation; a stretch that only matched too weakly to report
(a static opening) is not a trim; a re-filmed screen's keystone is no overlay; white subtitles over pale footage
are one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import canvases, make_fixtures
from vidverify.models import Match
from vidverify.pipeline.comparison import compare
from vidverify.testing import synth

SIZE = (160, 120)
RATE = 15


def _encode(inputs: list[Path], graph: str, out: Path) -> Path:
    args = [a for p in inputs for a in ("-i", str(p))]
    make_fixtures.ffmpeg(*args, "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast",
                         "-crf", "20", "-pix_fmt", "yuv420p", "-r", str(RATE), str(out))
    return out


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("labels")
    src = synth.make_scene(d / "src.mp4", seconds=8, size=SIZE, fps=RATE, seed=41, audio=False)
    lines = ("They said it would never happen", "and then it came down the road", "nobody could believe it",
             "look at the left side", "filmed this morning", "share before it is gone")
    subs = ",".join(f"drawtext=text='{t}':expansion=none:fontsize=11:fontcolor=white:borderw=1:bordercolor=black:"
                    f"x=(w-tw)/2:y=h-th-8:enable='between(t\\,{1.4 * k}\\,{1.4 * k + 1.3})'"
                    for k, t in enumerate(lines))
    ramp = ("[0:v]split=3[a][b][c];[a]trim=0:3,setpts=PTS-STARTPTS[x];[b]trim=3:5.4,setpts=(PTS-STARTPTS)/2[y];"
            f"[c]trim=5.4:8,setpts=PTS-STARTPTS[z];[x][y][z]concat=n=3:v=1:a=0,fps={RATE}[v]")
    return {"src": src, "subtitles": _encode([src], f"[0:v]{subs}[v]", d / "subtitles.mp4"),
            "ramp": _encode([src], ramp, d / "ramp.mp4")}


def _types(m: Match) -> set[str]:
    return {e.type for e in m.edits}


def test_subtitles_that_change_every_line_are_an_overlay(media: dict[str, Path]) -> None:
    """Each matched frame pair shows another subtitle line: their letters never sit on the same pixels, but the
    lines sit in one band near the bottom (they were no overlay: every pixel differed in too few pairs)."""
    m = compare(media["src"], media["subtitles"], findings=False)
    assert m.verdict == "same-footage"
    overlays = [e for e in m.edits if e.type == "overlay"]
    assert overlays, _types(m)
    x, y, w, h = overlays[0].detail["box"]
    assert y > 0.6 * SIZE[1] and h < 0.4 * SIZE[1]  # the subtitle band at the bottom
    assert not {"trim", "cut", "insert"} & _types(m)


def test_a_speed_ramp_is_a_speed_change_not_a_cut(media: dict[str, Path]) -> None:
    """2.4 s of the source played at 2x between two stretches at 1x: the fast stretch (1.2 s of B) is too short
    to be reported on its own, but the stretches around it pin both its ends. It was a cut of 2.4 s of A and an
    insert of 1.2 s of B."""
    m = compare(media["src"], media["ramp"], findings=False)
    assert m.verdict != "unrelated"
    assert not {"cut", "insert", "trim"} & _types(m), m.edits
    [speed] = [e for e in m.edits if e.type == "speed"]
    assert speed.detail["speed"] == pytest.approx(0.5, abs=0.12)
    assert speed.a_start == pytest.approx(3.0, abs=0.4) and speed.a_end == pytest.approx(5.4, abs=0.4)


def test_a_clip_inside_a_compilations_bars_is_not_a_crop_of_it(bars_case: dict[str, Path]) -> None:
    """The compilation as A: the source (B) shows all of the picture inside the compilation's bars. The crop
    was measured against the compilation's whole frame (B "lacks" the bars)."""
    m = compare(bars_case["compilation"], bars_case["source"], findings=False)
    assert m.verdict == "partial-overlap" and m.segments[0].channel == "a-bars"
    assert "crop" not in _types(m)
    assert {"trim", "insert"} <= _types(m)


def _canvases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "labels-canvases"
    if not (folder / "blurred.mp4").exists():
        folder.mkdir(exist_ok=True)
        canvases.build(folder)
    return folder


@pytest.mark.parametrize("kind", ["screen", "duet", "blurred"])
def test_a_canvas_as_a_is_not_cropped_by_its_clip(tmp_path_factory: pytest.TempPathFactory, kind: str) -> None:
    """The canvas as A, its clip as B: B shows all of the picture in A's region (the crop was measured against
    A's whole canvas, which B "lacks"). The one crop is the canvas's region itself (kind "region of a canvas":
    B keeps only that region of A), not a crop of the clip's picture."""
    folder = _canvases(tmp_path_factory)
    m = compare(folder / f"{kind}.mp4", folder / "source.mp4", findings=False)
    assert m.verdict == "same-footage" and m.segments[0].channel.startswith("a-canvas")
    assert [e.detail["kind"] for e in m.edits if e.type == "crop"] == ["region of a canvas"] * len(m.segments)


@pytest.mark.parametrize("kind", ["screen", "grid"])
def test_a_clip_in_a_canvas_is_padded_not_cropped_or_turned(tmp_path_factory: pytest.TempPathFactory,
                                                             kind: str) -> None:
    """The whole clip in a canvas as B: a pad, no crop and no rotation. The screen recording's region box falls
    short of the clip by a tenth of its height (a crop was claimed: the box is grown where B's pixels beside it
    still show the clip); in the grid, features from the other cells gave a 120 degree turn and an empty crop
    (features are now looked for in the matched region)."""
    folder = _canvases(tmp_path_factory)
    m = compare(folder / "source.mp4", folder / f"{kind}.mp4", findings=False)
    assert m.verdict != "unrelated" and m.segments[0].channel.startswith("b-canvas")
    assert "pad" in _types(m)
    assert not {"crop", "rotate"} & _types(m), m.edits


def _refilmed(tmp_path: Path, corners: str) -> Match:
    """A phone filming a screen: the picture at 80% in a dark bezel, the keystone ``corners`` (ffmpeg's
    perspective, where the frame's corners go), 3 degrees of tilt, softer, greyer and noisy; compared with A."""
    w, h = 320, 180
    src = synth.make_scene(tmp_path / "src.mp4", seconds=6, size=(w, h), fps=RATE, seed=43, audio=False)
    refilm = (f"[0:v]scale=256:144,setsar=1,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=0x181818,"
              f"perspective={corners}:sense=destination,"
              "rotate=3*PI/180:fillcolor=0x303030,eq=contrast=0.88:brightness=0.04:saturation=0.85,"
              "gblur=sigma=0.8,noise=alls=14:allf=t,setsar=1[v]")
    return compare(src, _encode([src], refilm, tmp_path / "refilm.mp4"), findings=False)


def test_a_re_filmed_screen_is_padded_and_tilted_with_no_overlay(tmp_path: Path) -> None:
    """The similarity transform that registers the frame pairs does not undo the keystone, so A's picture lies a
    pixel or two off B's along its edges: those pixels differed by more than an overlay's bar in every pair and
    made a false overlay. B's pixels are now compared with the range of A's pixels around them."""
    m = _refilmed(tmp_path, "x0=19:y0=9:x1=310:y1=0:x2=0:y2=180:x3=298:y3=171")
    assert m.verdict == "same-footage"
    assert {"pad", "rotate"} <= _types(m) and "overlay" not in _types(m), m.edits
    (turn,) = [e for e in m.edits if e.type == "rotate"]
    assert turn.detail["direction"] == "clockwise" and -4.5 < turn.detail["degrees"] < -1.5, turn  # ffmpeg's 3


def test_a_strong_keystone_is_undone_before_overlays_are_looked_for(tmp_path: Path) -> None:
    """A screen filmed further off its axis: its top-left corner 10% in, the right side 7% shorter. The
    similarity that registers each frame pair leaves A's picture several pixels off across whole bands of B
    (karma's re-film: a false overlay over 30% of the frame), more than the 2-pixel range absorbs. Where a
    perspective fit explains as many of the matched features and stays near the similarity, A is warped through
    it before the comparison: no overlay."""
    m = _refilmed(tmp_path, "x0=32:y0=14:x1=314:y1=0:x2=0:y2=180:x3=296:y3=168")
    assert m.verdict == "same-footage"
    assert "pad" in _types(m) and "overlay" not in _types(m), m.edits


def test_white_subtitles_over_pale_footage_are_an_overlay(tmp_path: Path) -> None:
    """White letters with a 1-pixel outline over pale, low-contrast footage (a wall, an overcast sky): at the
    frame pairs' scale their strokes are a pixel or two wide, and blurred before the comparison they differed from
    A by less than an overlay's bar. Compared unblurred with the range of A's pixels around them, they are an
    overlay band at the bottom."""
    w, h = 640, 360
    raw = synth.make_scene(tmp_path / "raw.mp4", seconds=8, size=(w, h), fps=RATE, seed=44, audio=False)
    pale = _encode([raw], "[0:v]eq=contrast=0.35:brightness=0.3[v]", tmp_path / "pale.mp4")
    lines = ("They said it would never happen", "and then it came down the road", "nobody could believe it",
             "look at the left side", "filmed this morning", "share before it is gone")
    subs = ",".join(f"drawtext=text='{t}':expansion=none:fontsize=30:fontcolor=white:borderw=1:bordercolor=black:"
                    f"x=(w-tw)/2:y=h-th-16:enable='between(t\\,{1.4 * k}\\,{1.4 * k + 1.3})'"
                    for k, t in enumerate(lines))
    m = compare(pale, _encode([pale], f"[0:v]{subs}[v]", tmp_path / "subtitles.mp4"), findings=False)
    assert m.verdict == "same-footage"
    overlays = [e for e in m.edits if e.type == "overlay"]
    assert overlays, _types(m)
    x, y, bw, bh = overlays[0].detail["box"]
    assert y > 0.75 * h and bh < 0.2 * h and bw > 0.3 * w  # the subtitle band at the bottom


def test_a_blurred_fill_is_padding_and_the_captions_over_it_are_overlays(tmp_path_factory: pytest.TempPathFactory
                                                                        ) -> None:
    """A 9:16 re-post whose top and bottom are the clip itself, scaled to cover and blurred, under big caption
    blocks: the surround is named a blurred fill, and each caption block is an overlay over the fill (neither was
    reported: the overlays were looked for only over the clip's own picture)."""
    folder = _canvases(tmp_path_factory)
    m = compare(folder / "source.mp4", folder / "blurred.mp4", findings=False)
    (pad,) = [e for e in m.edits if e.type == "pad"]
    assert pad.detail["surround"] == "blurred-fill"
    over = [e.detail["box"] for e in m.edits if e.type == "overlay" and e.detail["over"] == "fill"]
    # the caption blocks (canvases.py): white at y 40-100 and 120-170, yellow at 500-560, all x 20-340
    for top, bottom in ((40, 100), (120, 170), (500, 560)):
        assert any(y <= top + 4 and y + h >= bottom - 4 and x <= 24 and x + w >= 336 for x, y, w, h in over), over
    clip_top = (canvases.PHONE[1] - 202) // 2  # the clip, 360x202, in the middle of the 360x640 canvas
    clip_bottom = clip_top + 202
    assert all(y + h <= clip_top or y >= clip_bottom for _, y, _, h in over), over


@pytest.mark.parametrize("kind", ["screen", "duet", "grid", "pip", "bars"])
def test_no_blurred_fill_where_the_surround_is_other_footage_chrome_or_bars(
        tmp_path_factory: pytest.TempPathFactory, kind: str) -> None:
    """An app's screen, the other half of a duet, a grid's other cells, the footage under a picture-in-picture and
    black bars are no blurred fill of the clip, and nothing on them is an overlay over one."""
    folder = _canvases(tmp_path_factory)
    copy = folder / f"{kind}.mp4"
    if kind == "bars" and not copy.exists():
        synth.letterbox(folder / "source.mp4", copy, size=(180, 320))
    m = compare(folder / "source.mp4", copy, findings=False)
    assert "pad" in _types(m)
    assert all(e.detail.get("surround") != "blurred-fill" for e in m.edits if e.type == "pad"), m.edits
    assert not [e for e in m.edits if e.type == "overlay" and e.detail.get("over") == "fill"], m.edits
