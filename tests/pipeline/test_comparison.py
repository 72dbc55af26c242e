"""compare on generated footage with known edits: verdicts, segment times on both sides, edit types."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import cast

import numpy as np
import pytest

import vidverify
from tests.conftest import BARS_INSERT
from tests.fixtures import make_fixtures
from vidverify.match.inset import FoundRegion
from vidverify.match.verdict import match_fingerprints
from vidverify.media.fingerprint_file import save as save_fingerprint
from vidverify.models import CANVAS_REGION, Edit, Match, Segment
from vidverify.pipeline.comparison import compare
from vidverify.pipeline.ingest import fingerprint
from vidverify.signals.hashing import hamming
from vidverify.testing import synth

SIZE = (480, 270)
TOL = 0.2  # seconds: segment boundaries


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("compare")
    src = synth.make_scene(d / "src.mp4", seconds=8, size=SIZE, seed=11, audio=False)
    other = synth.make_scene(d / "other.mp4", seconds=6, size=SIZE, seed=12, audio=False)
    return {
        "src": src,
        "other": other,
        "reencode": synth.reencode(src, d / "reencode.mp4", crf=32, size=(320, 180)),
        "trim": synth.trim(src, d / "trim.mp4", 2.0, 6.0),
        "cut": synth.cut(src, d / "cut.mp4", 3.0, 5.0),
        "splice": synth.splice(src, other, d / "splice.mp4", 4.0, 2.0),
        "mirror": synth.mirror(src, d / "mirror.mp4"),
        "vertical": synth.crop_vertical_caption(src, d / "vertical.mp4", size=(270, 480)),
        "speed": synth.speed(src, d / "speed.mp4", 1.5),
        "ramp": _speed_ramp(src, d / "ramp.mp4"),
        "grey": synth.grey(src, d / "grey.mp4"),
        "rotated": _rotate(src, d / "rotated.mp4"),
        "corner_crop": _corner_crop(src, d / "corner_crop.mp4"),
        "pip": make_fixtures.picture_in_picture(src, other, d / "pip.mp4"),
        "pip_off_edge": make_fixtures.picture_in_picture(src, other, d / "pip_off_edge.mp4", x="W-200"),
        "news": _news(src, d / "news.mp4"),
        "screen": _screen_recording(src, d / "screen.mp4"),
        "card": (card := make_fixtures.clip(d / "card.mp4", seconds=8, size="480x270", src="testsrc2", gop=250)),
        "ken_burns": _ken_burns(card, d / "ken_burns.mp4"),
        "slow_zoom": _ken_burns(src, d / "slow_zoom.mp4", zoom=0.15),
    }


def _speed_ramp(src: Path, out: Path) -> Path:
    """A speed ramp: the 8 s source's frames 60-119 (2-4 s) at 2x, the rest at normal speed (7 s in all)."""
    graph = ("[0:v]split=3[a][b][c];[a]trim=end_frame=60,setpts=PTS-STARTPTS[x];"
             "[b]trim=start_frame=60:end_frame=120,setpts=(PTS-STARTPTS)/2[y];"
             "[c]trim=start_frame=120,setpts=PTS-STARTPTS[z];[x][y][z]concat=n=3:v=1:a=0,fps=30[v]")
    make_fixtures.ffmpeg("-i", str(src), "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264",
                         "-preset", "ultrafast", str(out))
    return out


def _ken_burns(src: Path, out: Path, zoom: float = 0.5) -> Path:
    """A slow zoom from all of the picture to 1/(1 + ``zoom``) of its width, drifting right (the framing changes
    all along)."""
    vf = (f"zoompan=z='1+{zoom}*on/240':x='(iw-iw/zoom)*(0.5+0.4*on/240)':y='(ih-ih/zoom)/2':d=1:s=480x270:fps=30,"
          "setsar=1")
    make_fixtures.ffmpeg("-i", str(src), "-vf", vf, "-c:v", "libx264", "-preset", "ultrafast", str(out))
    return out


def _news(src: Path, out: Path) -> Path:
    """A channel's logo and a "live" badge in the top corners, and a lower third with a ticker over the bottom
    30%: every half of the picture is covered somewhere."""
    vf = ("drawbox=x=8:y=8:w=120:h=52:color=0xC81E1E:t=fill,drawbox=x=384:y=10:w=84:h=36:color=0xF0F0F0:t=fill,"
          "drawbox=x=0:y=168:w=480:h=62:color=0x1A3A8A:t=fill,"
          "drawbox=x=12:y=180:w=90:h=36:color=0xC81E1E:t=fill,drawbox=x=0:y=230:w=480:h=24:color=black:t=fill")
    make_fixtures.ffmpeg("-i", str(src), "-vf", vf, "-c:v", "libx264", "-preset", "ultrafast", str(out))
    return out


def _screen_recording(src: Path, out: Path) -> Path:
    """A phone app's screen, 360x640: still chrome full of corners (a frozen test card) above and below the
    clip at 360x202 (18% of the canvas), and three buttons over the clip's right edge."""
    graph = ("testsrc2=size=360x640:rate=25,trim=end_frame=1,loop=-1:size=1,setpts=N/25/TB[ui];"
             "[0:v]scale=360:202,setsar=1[c];[ui][c]overlay=x=0:y=219:shortest=1,"
             "drawbox=x=316:y=236:w=36:h=36:color=white:t=fill,drawbox=x=316:y=290:w=36:h=36:color=white:t=fill,"
             "drawbox=x=316:y=344:w=36:h=36:color=0xE0A000:t=fill")
    make_fixtures.ffmpeg("-i", str(src), "-filter_complex", graph, "-r", "25", "-c:v", "libx264",
                         "-preset", "ultrafast", str(out))
    return out


def _corner_crop(src: Path, out: Path) -> Path:
    """The top-left 90% x 90% of the picture (81% of its area), scaled back up: an off-centre crop."""
    make_fixtures.ffmpeg("-i", str(src), "-vf", "crop=432:243:0:0,scale=480:270", "-c:v", "libx264",
                         "-preset", "ultrafast", str(out))
    return out


def _rotate(src: Path, out: Path) -> Path:
    """A quarter turn clockwise (ffmpeg transpose=1), as when a platform mishandles the rotation flag."""
    make_fixtures.ffmpeg("-i", str(src), "-vf", "transpose=1", "-c:v", "libx264", "-preset", "ultrafast", str(out))
    return out


def seg_times(m: Match) -> list[tuple[float, float, float, float]]:
    return [(s.a_start, s.a_end, s.b_start, s.b_end) for s in m.segments]


def assert_segments(m: Match, expected: list[tuple[float, float, float, float]]) -> None:
    got = seg_times(m)
    assert len(got) == len(expected), got
    for g, e in zip(got, expected, strict=True):
        assert all(abs(x - y) <= TOL for x, y in zip(g, e, strict=True)), (got, expected)


def types(m: Match) -> set[str]:
    return {e.type for e in m.edits}


def test_identical(clips: dict[str, Path]) -> None:
    m = compare(clips["src"], clips["src"])
    assert m.verdict == "identical" and m.similarity == 1.0 and m.edits == ()


def test_reencode_only(clips: dict[str, Path]) -> None:
    m = compare(clips["src"], clips["reencode"])
    assert m.verdict == "same-footage"
    assert_segments(m, [(0, 8, 0, 8)])
    assert "reencode" in types(m)
    assert not types(m) & {"cut", "insert", "trim", "mirror", "speed", "reorder", "crop", "overlay"}


def test_trim(clips: dict[str, Path]) -> None:
    m = compare(clips["src"], clips["trim"])
    assert m.verdict == "same-footage" and m.coverage["b"] > 0.95
    assert_segments(m, [(2, 6, 0, 4)])
    trims = [e for e in m.edits if e.type == "trim"]
    assert {e.detail["where"] for e in trims} == {"start", "end"}


def test_cut(clips: dict[str, Path]) -> None:
    m = compare(clips["src"], clips["cut"])
    assert_segments(m, [(0, 3, 0, 3), (5, 8, 3, 6)])
    (cut,) = [e for e in m.edits if e.type == "cut"]
    assert cut.a_start == pytest.approx(3, abs=TOL) and cut.a_end == pytest.approx(5, abs=TOL)
    assert "insert" not in types(m)


def test_splice(clips: dict[str, Path]) -> None:
    m = compare(clips["src"], clips["splice"])
    assert m.verdict == "same-footage"
    assert_segments(m, [(0, 4, 0, 4), (4, 8, 6, 10)])
    (ins,) = [e for e in m.edits if e.type == "insert"]
    assert ins.b_start == pytest.approx(4, abs=TOL) and ins.b_end == pytest.approx(6, abs=TOL)
    # and the inserted footage is found in the other clip, at its start
    m2 = compare(clips["other"], clips["splice"])
    assert m2.verdict == "partial-overlap"
    assert_segments(m2, [(0, 2, 4, 6)])


def test_mirror(clips: dict[str, Path]) -> None:
    m = compare(clips["src"], clips["mirror"])
    assert m.segments and all(s.mirrored for s in m.segments)
    assert "mirror" in types(m)


def test_vertical_crop_with_caption(clips: dict[str, Path]) -> None:
    m = compare(clips["src"], clips["vertical"])
    assert m.verdict == "same-footage"
    assert m.segments[0].channel == "a-crop"
    (crop,) = [e for e in m.edits if e.type == "crop"]
    x, _, w, _ = crop.detail["region"]
    assert abs(x - (480 - 152) / 2) <= 12 and abs(w - 152) <= 16  # 270*9/16 = 152 px wide, centred
    assert "overlay" in types(m)


def test_speed(clips: dict[str, Path]) -> None:
    m = compare(clips["src"], clips["speed"])
    assert m.segments and m.segments[0].speed == pytest.approx(1 / 1.5, abs=0.03)
    assert "speed" in types(m)


def test_a_speed_ramp_is_three_stretches_that_meet_with_no_cut(clips: dict[str, Path]) -> None:
    """Issue 15.4: A's 2-4 s played at 2x between normal-speed stretches. The 2x line was taken for a cut (two
    normal-speed stretches with a jump in A explained the whole line's span better, the normal-speed footage
    either side included), then for normal speed: a false 1.7 s cut and a false insert, and the 2x footage
    missing. Now: normal speed to 2 s, 2x to B's 3 s (A's 4 s), normal speed to the end, meeting end to end."""
    m = compare(clips["src"], clips["ramp"])
    assert m.verdict == "same-footage"
    first, ramp, last = m.segments
    assert first.speed == last.speed == 1.0 and ramp.speed == pytest.approx(0.5, abs=0.03)
    for got, want in zip(seg_times(m), [(0, 2, 0, 2), (2, 4, 2, 3), (4, 8, 3, 7)], strict=True):
        assert got == pytest.approx(want, abs=TOL)
    assert (first.a_end, first.b_end) == (ramp.a_start, ramp.b_start)
    assert (ramp.a_end, ramp.b_end) == (last.a_start, last.b_start)
    assert "speed" in types(m) and not {"cut", "insert", "trim"} & types(m)


def test_greyscale(clips: dict[str, Path]) -> None:
    m = compare(clips["src"], clips["grey"])
    assert m.verdict == "same-footage"
    colour = [e for e in m.edits if e.type == "color"]
    assert colour and colour[0].detail["kind"] == "greyscale"


def test_rotation(clips: dict[str, Path]) -> None:
    m = compare(clips["src"], clips["rotated"])
    assert m.verdict == "same-footage"
    assert_segments(m, [(0, 8, 0, 8)])
    (rot,) = [e for e in m.edits if e.type == "rotate"]
    assert rot.detail["degrees"] == 90


def test_off_centre_crop_is_found_by_features(clips: dict[str, Path]) -> None:
    m = compare(clips["src"], clips["corner_crop"])
    assert m.verdict == "same-footage"
    assert_segments(m, [(0, 8, 0, 8)])
    (crop,) = [e for e in m.edits if e.type == "crop"]
    x, y, w, h = crop.detail["region"]
    assert x <= 6 and y <= 6 and abs(w - 432) <= 12 and abs(h - 243) <= 12


PIP_BOX = (628, 341, 304, 171)  # where make_fixtures.picture_in_picture puts the clip in its 960x540 frame


def _whole_by_region(m: Match, channel: str, edit_type: str) -> Edit:
    """``m`` matches all 8 s of the clip on ``channel``; its one edit of ``edit_type``."""
    assert m.verdict == "same-footage"
    assert_segments(m, [(0, 8, 0, 8)])
    assert {s.channel for s in m.segments} == {channel}
    (edit,) = [e for e in m.edits if e.type == edit_type]
    return edit


def _near(box: list[int], truth: tuple[int, int, int, int]) -> bool:
    x, y, w, h = box
    return abs(x - truth[0]) <= 6 and abs(y - truth[1]) <= 6 and abs(w - truth[2]) <= 8 and abs(h - truth[3]) <= 8


def test_a_picture_in_picture_over_other_footage_is_found_by_features(clips: dict[str, Path]) -> None:
    """Issue 15: the clip small in a corner over other moving footage has no region the canvas finder can read
    (the footage around it is busy with seams of its own): the hashes find nothing. Features find A's whole
    picture inside B's frame; B hashed there matches, over the whole clip, and a ``pad`` edit gives the region."""
    m = compare(clips["src"], clips["pip"])
    pad = _whole_by_region(m, "b-region", "pad")
    assert _near(pad.detail["b_active_area"], PIP_BOX)
    assert pad.detail["b_size"] == [960, 540] and pad.detail["surround"] == "canvas"
    assert "crop" not in types(m)


def test_a_slow_zoom_is_found_whole_by_the_crop_found_again_along_it(clips: dict[str, Path]) -> None:
    """Issue 15.4: a Ken Burns zoom over a test card (all of the picture to two thirds of its width over 8 s,
    drifting right; the card's sharp detail is found by features at every zoom, the synthetic scene's not). One
    crop of A matches B only where B's framing is near it (a partial match, or none); the crop is found again in
    four stretches of B, A is hashed on each, and the match is the whole clip, with one ``crop`` edit whose
    ``regions`` follow the zoom (smaller and further right along it)."""
    m = compare(clips["card"], clips["ken_burns"])
    assert m.verdict == "same-footage"
    assert_segments(m, [(0, 8, 0, 8)])
    (crop,) = [e for e in m.edits if e.type == "crop"]
    assert not {"trim", "cut", "insert"} & types(m)
    regions = crop.detail["regions"]
    assert len(regions) == 4 and regions[0][2] > regions[-1][2] and regions[0][0] < regions[-1][0], regions


def test_a_slow_zoom_the_hashes_tolerate_is_a_crop(clips: dict[str, Path]) -> None:
    """Issue 15.5 (the re-post benchmark's doorknob Ken Burns): a zoom to 1/1.15 of the picture over 8 s. The whole
    pictures match all along, 9 bits apart (a re-encode: 1-6), and the edits said ``reencode`` alone. A match of
    whole pictures that far apart is looked past: the crop found in four stretches of B matches 2.4 bits closer,
    covering as much, and stands, with its ``crop`` edit."""
    m = compare(clips["src"], clips["slow_zoom"], findings=False)
    assert m.verdict == "same-footage" and {s.channel for s in m.segments} == {"a-region"}
    assert_segments(m, [(0, 8, 0, 8)])
    (crop,) = [e for e in m.edits if e.type == "crop"]
    assert crop.detail["framing"] == "changes over time" and not {"trim", "cut", "insert"} & types(m)


REFILM_SIZE = (320, 180)
REFILM_KEYSTONE = ((19, 9), (310, 0), (0, 180), (296, 168))  # where the frame's corners go (ffmpeg's perspective)
REFILM_DEGREES = 4.0


def _refilm_corners() -> np.ndarray:
    """Where the picture's corners lie in the re-filmed frame: the picture at 80% in the middle, the keystone,
    then turned REFILM_DEGREES clockwise about the centre (ffmpeg's rotate)."""
    import cv2

    w, h = REFILM_SIZE
    frame = np.float32([[0, 0], [w, 0], [0, h], [w, h]])
    keystone = cv2.getPerspectiveTransform(frame, np.float32(REFILM_KEYSTONE))
    picture = np.float32([[0.1 * w, 0.1 * h], [0.9 * w, 0.1 * h], [0.1 * w, 0.9 * h], [0.9 * w, 0.9 * h]])
    at = cv2.perspectiveTransform(picture.reshape(-1, 1, 2), keystone).reshape(4, 2)
    t = np.radians(REFILM_DEGREES)
    turn = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    centre = np.array([w / 2, h / 2])
    return cast(np.ndarray, (at - centre) @ turn.T + centre)


def _refilmed(tmp_path: Path, *, seconds: float, seed: int, crf: int, phone: str) -> tuple[Path, Path]:
    """A scene and its re-film: the picture at 80% in a dark bezel, keystoned (REFILM_KEYSTONE), turned
    REFILM_DEGREES, then ``phone`` (rotate's fill and the filters after it: softer, greyer, noisy)."""
    w, h = REFILM_SIZE
    src = synth.make_scene(tmp_path / "src.mp4", seconds=seconds, size=REFILM_SIZE, fps=15, seed=seed, audio=False)
    refilm = tmp_path / "refilm.mp4"
    keystone = ":".join(f"x{k}={x}:y{k}={y}" for k, (x, y) in enumerate(REFILM_KEYSTONE))
    make_fixtures.ffmpeg(
        "-i", str(src), "-vf", f"scale={0.8 * w:.0f}:{0.8 * h:.0f},setsar=1,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:"
        f"color=0x181818,perspective={keystone}:sense=destination,rotate={REFILM_DEGREES}*PI/180{phone},setsar=1",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p", str(refilm))
    return src, refilm


def test_a_screen_filmed_at_an_angle_is_straightened_before_hashing(tmp_path: Path) -> None:
    """Issue 15 (the re-post benchmark's doorknob re-film): a phone filming a screen, the picture at 80% in a dark
    bezel, keystoned and turned 4 degrees, softer, greyer, noisy. The whole frames do not match, nor does the box
    that holds the picture (its edges run askew through it): ``unrelated`` at 0.5. Features find the picture
    turned; its corners are fitted from the frame pair that shows one moment, and B is hashed through them,
    straightened (``fingerprint(corners=...)``): the whole clip, a few bits apart, and the ``pad`` edit says
    where the corners lie."""
    w, _ = REFILM_SIZE
    src, refilm = _refilmed(tmp_path, seconds=4, seed=43, crf=20, phone=":fillcolor=0x303030,eq=contrast=0.88:"
                            "brightness=0.04:saturation=0.85,gblur=sigma=0.8,noise=alls=14:allf=t")
    m = compare(src, refilm, findings=False)
    assert m.verdict == "same-footage" and {s.channel for s in m.segments} == {"b-region"}, m.segments
    assert_segments(m, [(0, 4, 0, 4)])
    assert max(s.distance for s in m.segments) < 6
    (pad,) = [e for e in m.edits if e.type == "pad"]
    assert np.abs(np.array(pad.detail["corners"]) - _refilm_corners()).max() < 0.04 * w, pad.detail["corners"]
    assert not {"trim", "cut", "insert", "overlay"} & types(m)


def test_a_screen_filmed_by_hand_is_straightened_stretch_by_stretch(tmp_path: Path) -> None:
    """The same re-film held by hand (the re-post benchmark's ``refilm-handheld``): the keystone's corners drift by
    up to 5% of the frame and the tilt sways between 1 and 5 degrees over 6 s. Straightened through the corners of
    one moment, the picture matched only near it (3.6-5.9 s, with a phantom ``insert``); the corners are found
    again for four stretches of B, each hashed through its own, and the whole clip matches."""
    w, h = 640, 360
    src = synth.make_scene(tmp_path / "src.mp4", seconds=6, size=(w, h), fps=15, seed=45, audio=False)
    t = "(in/15)"  # the perspective filter knows the frame number, not the time
    hand = tmp_path / "hand.mp4"
    make_fixtures.ffmpeg(
        "-i", str(src), "-vf", f"scale={int(0.8 * w)}:{int(0.8 * h)},setsar=1,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:"
        f"color=0x181818,perspective=x0='W*(0.06+0.05*sin({t}))':y0='H*(0.05+0.03*sin({t}*0.8))':"
        f"x1='W*(0.97-0.04*sin({t}*1.1))':y1='H*0.03*(1+sin({t}*0.9))':x2='W*0.04*(1+sin({t}*0.7))':y2='H':"
        f"x3='W*(0.93+0.05*sin({t}*1.2))':y3='H*(0.95-0.03*sin({t}))':sense=destination:eval=frame,"
        "rotate='(3+2*sin(t))*PI/180':fillcolor=0x303030,eq=contrast=0.88:brightness=0.04:saturation=0.85,"
        "gblur=sigma=0.8,noise=alls=14:allf=t,setsar=1",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", str(hand))
    m = compare(src, hand, findings=False)
    assert m.verdict == "same-footage" and {s.channel for s in m.segments} == {"b-region"}, m.segments
    assert_segments(m, [(0, 6, 0, 6)])
    assert "corners" in next(e for e in m.edits if e.type == "pad").detail
    assert not {"trim", "cut", "insert"} & types(m)


def test_a_picture_filmed_through_its_corners_hashes_like_the_picture(tmp_path: Path) -> None:
    """``fingerprint(corners=...)`` hashes the picture the four corners bound, straightened to fill the frame:
    B's frames through the re-film's corners lie within a few bits of A's, the box that holds them does not."""
    src, refilm = _refilmed(tmp_path, seconds=2, seed=44, crf=18, phone="")
    corners = _refilm_corners()
    fa = fingerprint(src)
    straight = fingerprint(refilm, corners=tuple(float(v) for v in corners.reshape(-1)))
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    boxed = fingerprint(refilm, region=(int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
    n = min(len(fa), len(straight))
    near, far = (float(np.median(hamming(fa.hashes[:n], fp.hashes[:n]))) for fp in (straight, boxed))
    assert near <= 4 and far >= near + 6, (near, far)
    with pytest.raises(ValueError):
        fingerprint(refilm, corners=(0.0, 0.0, 1.0, 1.0))


def test_the_canvas_compared_first_finds_the_clip_inside_it(clips: dict[str, Path]) -> None:
    """``compare pip.mp4 source.mp4``: the same pair the other way round. All of B small inside A is searched as
    an inset too (the crop search, at 320 pixels wide and for a quarter of A at least, found nothing: it said
    ``unrelated`` at 0.97). Segments are A's region, and a canvas ``crop`` of A gives it."""
    m = compare(clips["pip"], clips["src"])
    crop = _whole_by_region(m, "a-region", "crop")
    assert crop.detail["kind"] == CANVAS_REGION and crop.detail["of"] == "a"
    assert _near(crop.detail["region"], PIP_BOX)
    # the inset's white frame is A's: B, the clip, has no overlay (two were said, and lineage read them as the
    # clip made from the picture-in-picture)
    assert "overlay" not in types(m)


def test_an_off_centre_crop_found_by_features_keeps_its_caption(clips: dict[str, Path], tmp_path: Path) -> None:
    """A 300x270 crop off the centre of A with a caption over it: features find the crop (channel ``a-region``,
    as for a canvas compared first), and the caption is B's ``overlay``. Overlays are dropped only where A is a
    canvas showing all of B (its inset's frame is A's); the review found them dropped for crops too."""
    crop = tmp_path / "crop.mp4"
    make_fixtures.ffmpeg("-i", str(clips["src"]), "-vf", "crop=300:270:180:0", "-c:v", "libx264", "-preset",
                         "ultrafast", str(crop))
    m = compare(clips["src"], synth.overlay_logo(crop, tmp_path / "captioned.mp4", box=(0, 200, 300, 50)),
                findings=False)
    assert m.verdict == "same-footage" and {"crop", "overlay"} <= types(m), m.edits


def test_a_picture_in_picture_running_off_the_frame_is_hashed_on_its_visible_part(clips: dict[str, Path]) -> None:
    """The picture-in-picture a third off the frame's right edge: B shows the left two thirds of A. The region
    found is clipped at the frame's edge; A is hashed on the same two thirds of its picture (hashing all of A
    against B's visible part matched nothing: the clipped box was taken for all of A)."""
    pad = _whole_by_region(compare(clips["src"], clips["pip_off_edge"]), "b-region", "pad")
    x, y, w, h = pad.detail["b_active_area"]
    assert abs(x - 764) <= 6 and abs(y - 341) <= 6 and abs(x + w - 960) <= 4 and abs(h - 171) <= 8


def test_a_lower_third_and_a_logo_over_every_half_are_looked_past(clips: dict[str, Path]) -> None:
    """Issue 15: a logo over the top half and a lower third over the bottom one leave no half picture to hash.
    Features find A's whole picture in B; both are hashed where B covers nothing, and the match is the whole
    clip, with the lower third as an ``overlay`` and no ``pad`` (the picture is not inset)."""
    m = compare(clips["src"], clips["news"])
    assert m.verdict == "same-footage"
    assert_segments(m, [(0, 8, 0, 8)])
    assert {s.channel for s in m.segments} == {"b-region"}
    assert "pad" not in types(m) and "crop" not in types(m)
    boxes = [e.detail["box"] for e in m.edits if e.type == "overlay"]
    assert any(y <= 172 and y + h >= 226 and w >= 400 for _, y, w, h in boxes), boxes


def test_a_screen_recorded_clip_under_buttons_is_found_past_the_apps_still_chrome(clips: dict[str, Path]) -> None:
    """Issue 15: an app's still chrome (text, icons) takes nearly all of a frame's features, and buttons cover
    the clip's right edge. Features are looked for where B's frames move, the clip's region is found, and it is
    hashed (on both sides) where the buttons leave it clear."""
    m = compare(clips["src"], clips["screen"])
    assert m.verdict == "same-footage"
    assert_segments(m, [(0, 8, 0, 8)])
    (pad,) = [e for e in m.edits if e.type == "pad"]
    x, y, w, h = pad.detail["b_active_area"]
    assert abs(x - 0) <= 8 and abs(y - 219) <= 8 and abs(w - 360) <= 10 and abs(h - 202) <= 10


def test_a_region_that_features_find_but_frames_do_not_match_leaves_unrelated_unsure(
        clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Features that find A's picture in B (the same scene at another moment, a re-filming the hashes cannot
    undo) while B's frames there match none of A's: ``unrelated`` stands, but at the confidence of no evidence
    either way, not the 0.9+ of two clips that share nothing (the tilted re-films were ``unrelated`` at 0.92)."""
    from vidverify.pipeline import comparison

    assert compare(clips["src"], clips["other"]).confidence > 0.9
    monkeypatch.setattr(comparison, "find_region",
                        lambda *a, **k: FoundRegion((0, 0, 240, 135), (0.0, 0.0, 240.0, 135.0)))
    m = compare(clips["src"], clips["other"])
    assert m.verdict == "unrelated" and m.segments == ()
    assert m.confidence == 0.5


def test_unrelated(clips: dict[str, Path]) -> None:
    m = compare(clips["src"], clips["other"])
    assert m.verdict == "unrelated" and m.segments == () and m.similarity == 0.0
    assert m.confidence > 0.9


def test_fingerprint_files_and_json_round_trip(clips: dict[str, Path], tmp_path: Path) -> None:
    fa, fb = vidverify.fingerprint(clips["src"]), vidverify.fingerprint(clips["cut"])
    save_fingerprint(fa, tmp_path / "a.vvfp")
    save_fingerprint(fb, tmp_path / "b.vvfp")
    m = compare(tmp_path / "a.vvfp", tmp_path / "b.vvfp")
    assert m.a.path == str(tmp_path / "a.vvfp")
    assert seg_times(m) == seg_times(match_fingerprints(fa, fb))
    d = json.loads(json.dumps(m.to_dict()))
    assert Match.from_dict(d) == m
    for key in ("a", "b", "verdict", "similarity", "coverage", "segments", "edits", "findings"):
        assert key in d
    for key in ("a_start", "a_end", "b_start", "b_end", "speed", "mirrored", "distance"):
        assert key in d["segments"][0]


# ------------------------------------------------------------- issue 16.3: a letterboxed clip in a compilation


def _one_bars_segment(m: Match, channel: str) -> Segment:
    [seg] = m.segments
    assert seg.channel == channel and not seg.mirrored and seg.speed == 1.0
    return seg


def test_letterboxed_insert_is_found_on_both_timelines(bars_case: dict[str, Path]) -> None:
    """A 4:3 clip pillarboxed into a 16:9 compilation for 6 s (bars the rest of the compilation lacks, so the
    file-wide bar search finds none) was "unrelated (confidence 1.00)". The bars are found per stretch: the
    compilation's 3.0-9.0 s is the source's 1.0-7.0 s, with the pad edit of that stretch."""
    start, seconds, at = BARS_INSERT
    frame = 1 / 30 + 1e-6
    m = compare(bars_case["source"], bars_case["compilation"], findings=False)
    assert m.verdict == "partial-overlap"
    seg = _one_bars_segment(m, "b-bars")
    assert seg.a_start == pytest.approx(start, abs=frame) and seg.a_end == pytest.approx(start + seconds, abs=frame)
    assert seg.b_start == pytest.approx(at, abs=frame) and seg.b_end == pytest.approx(at + seconds, abs=frame)
    [pad] = [e for e in m.edits if e.type == "pad"]
    assert pad.b_start == seg.b_start and pad.b_end == seg.b_end
    bars = pad.detail["bars"]  # 320x240 fitted into 424x240: 52 px left and right
    assert abs(bars["left"] - 52) <= 6 and abs(bars["right"] - 52) <= 6 and bars["top"] == bars["bottom"] == 0
    # the compilation's frames beside the stretch lack the picture inside its bars: other footage, so the source
    # is trimmed and the compilation inserts (issue 15: they were taken for "nothing to tell" and dropped)
    assert {"trim", "insert"} <= {e.type for e in m.edits}
    assert m.confidence < 1.0
    back = compare(bars_case["compilation"], bars_case["source"], findings=False, pictures=False)
    seg = _one_bars_segment(back, "a-bars")
    assert seg.a_start == pytest.approx(at, abs=frame) and seg.a_end == pytest.approx(at + seconds, abs=frame)
    assert seg.b_start == pytest.approx(start, abs=frame) and seg.b_end == pytest.approx(start + seconds, abs=frame)
    assert compare(bars_case["other"], bars_case["compilation"], findings=False).verdict == "unrelated"


def test_letterboxed_insert_from_an_older_fingerprint_is_a_weak_miss(bars_case: dict[str, Path]) -> None:
    """The compilation's fingerprint without the per-stretch bars (a format-3 file, or the code before the fix)
    misses the insert; that miss must not claim certainty."""
    comp = fingerprint(bars_case["compilation"])
    old = replace(comp, inner=np.zeros(len(comp), np.uint64), inner_box=np.zeros(len(comp), np.uint32))
    m = match_fingerprints(fingerprint(bars_case["source"]), old)
    assert m.verdict == "unrelated"
    assert m.confidence < 0.99


@pytest.mark.corpus
def test_a_lower_third_over_a_phone_clip_with_a_still_wall_is_looked_past(corpus: Path, tmp_path: Path) -> None:
    """Issue 15: doorknob (a phone clip, 4 s) under a news lower third, a ticker band and a channel's bug. The
    halves and the whole picture match its first 1.7 s only. Features find all of A in B, and what covers it is
    where B stays still while A moves: measured on as many frames of each side (it was 24 of B against 6 of A,
    and the still wall above the doorknob, at the bar on 24 frames, moved on 6 and was taken for a cover: too
    little was left clear to hash). The match is the whole clip."""
    src = corpus / "threatexchange/videos/doorknob-hd-no-bar.mp4"
    info = synth.stream_facts(src)
    w, h = info.width, info.height

    def even(share: float, side: int) -> int:
        return int(side * share) // 2 * 2

    band = synth.overlay_logo(src, tmp_path / "band.mp4", box=(0, even(0.70, h), w, even(0.14, h)), color="0x0A2A6A")
    ticker = synth.overlay_logo(band, tmp_path / "ticker.mp4", box=(0, even(0.86, h), w, even(0.08, h)),
                                color="0x000000")
    chyron = synth.overlay_logo(ticker, tmp_path / "chyron.mp4",
                                box=(even(0.03, w), even(0.04, h), even(0.12, w), even(0.07, h)), color="0xC8102E")
    m = compare(src, chyron)
    assert m.verdict == "same-footage" and min(m.coverage.values()) >= 0.9, (m.verdict, m.coverage, m.segments)
    assert "insert" not in types(m) and "trim" not in types(m), m.edits


@pytest.mark.corpus
def test_a_dark_phone_clip_small_in_a_corner_is_found_where_it_lies(corpus: Path, tmp_path: Path) -> None:
    """Issue 15: doorknob (a phone clip, mostly dark and flat) at 400x224 with a white frame in the bottom-right
    corner of other moving footage (10% of the frame). One of its frames has enough features to be found in B,
    in several of B's frames (other moments of it: no second frame of A is found at all); those pairs agree on
    where it lies, which a chance fit does not. Their transforms place it off by the camera's motion between
    the moments (21 pixels): it is moved to where it correlates best in the frame that shows its moment. It was
    ``unrelated`` (at 0.99); now its footage is found in the corner, padded into the canvas."""
    src = corpus / "threatexchange/videos/doorknob-hd-no-bar.mp4"
    bg = synth.make_scene(tmp_path / "bg.mp4", seconds=4, size=(1280, 720), fps=30, seed=45, audio=False)
    graph = ("[1:v]fps=30,setsar=1[bg];[0:v]scale=400:224,setsar=1,pad=iw+8:ih+8:4:4:white[p];"
             "[bg][p]overlay=x=W-w-32:y=H-h-32:shortest=1[v]")
    pip = tmp_path / "pip corner.mp4"
    make_fixtures.ffmpeg("-i", str(src), "-i", str(bg), "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264",
                         "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", str(pip))
    m = compare(src, pip)
    assert m.verdict != "unrelated" and min(m.coverage.values()) >= 0.8, (m.verdict, m.coverage, m.confidence)
    assert {s.channel for s in m.segments} == {"b-region"}
    (pad,) = [e for e in m.edits if e.type == "pad"]
    x, y, w, h = pad.detail["b_active_area"]
    assert abs(x - 844) <= 8 and abs(y - 460) <= 8 and abs(w - 400) <= 12 and abs(h - 224) <= 12, (x, y, w, h)


@pytest.mark.corpus
def test_a_slideshow_played_twice_as_fast_over_its_stills_is_a_speed_change(corpus: Path, tmp_path: Path) -> None:
    """Issue 15.4 on real footage: testvideo's first 20 s (a title, a photograph held 5 s, a text card, a deer
    fading in, held and fading out, ...) with its frames 180-359 (6-12 s) played at 2x (the re-post benchmark's
    speed ramp). The photograph and the deer are stills: the normal-speed lines either side ran into the 2x
    stretch and met in B, and the photograph's stretch, pinned at one cut only, was dropped: `partial-overlap`
    over the last 10 s, no `speed`. Now the photograph is pinned by both its cuts (the blank title's brightness,
    the card) and the 2x stretch is found where the lines met: `speed` 0.5 over A's 6-12 s. The same cut of A's
    6.6-9.5 s, dropped instead of sped up, stays a `cut`."""
    a = tmp_path / "testvideo 20 s.mp4"
    make_fixtures.ffmpeg("-i", str(corpus / "pyscenedetect/testvideo.mp4"), "-map", "0:v:0", "-vf",
                         "setpts=PTS-STARTPTS,fps=30000/1001,setsar=1", "-frames:v", "599", "-c:v", "libx264",
                         "-preset", "veryfast", "-crf", "20", "-g", "30", "-pix_fmt", "yuv420p", str(a))
    ramp = ("[0:v]split=3[a][b][c];[a]trim=end_frame=180,setpts=PTS-STARTPTS[x];[b]trim=start_frame=180:"
            "end_frame=360,setpts=(PTS-STARTPTS)/2[y];[c]trim=start_frame=360,setpts=PTS-STARTPTS[z];"
            "[x][y][z]concat=n=3:v=1:a=0,fps=30000/1001[v]")
    cut = ("[0:v]split[a][b];[a]trim=end_frame=197,setpts=PTS-STARTPTS[x];[b]trim=start_frame=286,"
           "setpts=PTS-STARTPTS[y];[x][y]concat=n=2:v=1:a=0[v]")
    for graph, name in ((ramp, "ramp"), (cut, "cut")):
        make_fixtures.ffmpeg("-i", str(a), "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset",
                             "medium", "-crf", "28", "-pix_fmt", "yuv420p", str(tmp_path / f"{name}.mp4"))
    m = compare(a, tmp_path / "ramp.mp4")
    assert m.verdict == "same-footage" and "speed" in types(m) and "cut" not in types(m), (m.segments, m.edits)
    (fast,) = [s for s in m.segments if s.speed != 1.0]
    assert fast.speed == pytest.approx(0.5, abs=0.02) and (fast.a_start, fast.a_end) == pytest.approx((6, 12), abs=TOL)
    m = compare(a, tmp_path / "cut.mp4")
    assert m.verdict == "same-footage" and "cut" in types(m) and "speed" not in types(m), (m.segments, m.edits)
