"""pipeline/frames.py (``vidverify.examine_frames``) on generated media: every shot of a generated scene with a
keyframe inside it, written full size as a JPEG that decodes, a contact sheet, no anomaly on clean footage; a
rotated clip's keyframes upright, a letterboxed clip's uncropped; a still image is one shot; a long shot gets more
keyframes, within the cap; an --out that cannot be made is an OutputError before any work."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import vidverify
from vidverify.errors import DependencyError, NotFoundError, OutputError
from vidverify.media import ocr
from vidverify.testing import synth
from vidverify.testing.continuity import burn_clock, hold_frame

FPS = 25
SIZE = (320, 180)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.make_scene(tmp_path_factory.mktemp("frames") / "scene.mp4", seconds=10, size=SIZE, fps=FPS, seed=2,
                            audio=False)


def image(path: str) -> np.ndarray:
    img = cv2.imread(path)
    assert img is not None, path
    return img


def test_shots_keyframes_and_sheet_of_a_generated_scene(scene: Path, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    out = tmp_path / "stills"  # made when missing
    r = vidverify.examine_frames(scene, out, progress=lambda stage, done, total: seen.append((stage, done, total)))
    plan = synth.scene_plan(10, FPS, 2)
    starts = np.cumsum([0] + [n for _, n in plan])[:-1] / FPS
    assert [s.start for s in r.shots] == pytest.approx(list(starts), abs=2 / FPS)
    assert r.shots[-1].end == pytest.approx(r.duration) and r.duration == pytest.approx(10.0, abs=0.05)
    assert sorted({k.shot for k in r.keyframes}) == list(range(len(r.shots)))  # at least one per shot
    for k in r.keyframes:
        shot = r.shots[k.shot]
        assert shot.start <= k.time < shot.end
        assert Path(k.file).parent == out and image(k.file).shape[:2] == (SIZE[1], SIZE[0])  # full size
    assert r.sheet is not None and image(r.sheet).shape[1] > SIZE[0]
    assert r.anomalies == () and r.clock["enabled"] is False and r.clock["reason"]
    assert {s for s, _, _ in seen} == {"decoding", "keyframes"} and seen[-1][1] == seen[-1][2] == len(r.keyframes)
    assert r.to_dict()["keyframes"][0] == {"time": r.keyframes[0].time, "file": r.keyframes[0].file, "shot": 0}


def test_two_inputs_of_one_name_do_not_overwrite_each_other(scene: Path, tmp_path: Path) -> None:
    other = tmp_path / "b" / scene.name
    other.parent.mkdir()
    other.write_bytes(scene.read_bytes())
    names: set[str] = set()
    a = vidverify.examine_frames(scene, tmp_path, names=names)
    b = vidverify.examine_frames(other, tmp_path, names=names)
    assert not {k.file for k in a.keyframes} & {k.file for k in b.keyframes}
    assert all(Path(k.file).exists() for k in a.keyframes + b.keyframes) and a.sheet != b.sheet


def test_rotated_clip_keyframes_are_upright(media: dict[str, Path], tmp_path: Path) -> None:
    r = vidverify.examine_frames(media["tagged"], tmp_path)  # coded 320x240, shown turned 90 degrees
    assert r.keyframes and all(image(k.file).shape[:2] == (320, 240) for k in r.keyframes)


def test_letterboxed_clip_keyframes_keep_the_bars(scene: Path, tmp_path: Path) -> None:
    boxed = synth.letterbox(scene, tmp_path / "boxed.mp4", size=(320, 320))
    r = vidverify.examine_frames(boxed, tmp_path / "out")
    img = image(r.keyframes[0].file)
    assert img.shape[:2] == (320, 320) and img[:20].mean() < 20  # uncropped: the black band is there


def test_a_still_image_is_one_shot_with_its_keyframe(media: dict[str, Path], tmp_path: Path) -> None:
    r = vidverify.examine_frames(media["jpeg"], tmp_path)
    assert len(r.shots) == 1 and len(r.keyframes) == 1 and r.anomalies == ()


def test_keyframes_are_capped(scene: Path, tmp_path: Path) -> None:
    r = vidverify.examine_frames(scene, tmp_path, max_keyframes=2)
    assert len(r.keyframes) == 2 and len(list(tmp_path.glob("*.0*.jpg"))) == 2


def test_an_out_that_cannot_be_made_fails_before_any_work(scene: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="--out"):
        vidverify.examine_frames(scene, blocker / "stills")
    with pytest.raises(OutputError):
        vidverify.examine_frames(scene, blocker)  # a file, not a folder
    with pytest.raises(NotFoundError):
        vidverify.examine_frames(tmp_path / "missing.mp4", tmp_path)


def test_scan_reports_a_frozen_picture_from_the_fingerprint_alone(scene: Path, tmp_path: Path) -> None:
    held = hold_frame(scene, tmp_path / "held.mp4", at=40, times=40)  # 1.6 s at 25 fps
    result = vidverify.scan([scene, held], options=vidverify.ScanOptions(jobs=1, pictures=False))
    frozen = [f for f in result.findings if f.code == "frozen"]
    assert [f.paths for f in frozen] == [(str(held),)]
    assert frozen[0].severity == "warning" and frozen[0].evidence["start"] == pytest.approx(40 / FPS, abs=2 / FPS)
    assert frozen[0].evidence["seconds"] == pytest.approx(41 / FPS, abs=2 / FPS)


@pytest.mark.slow  # OCR: about a minute on a loaded 2-core machine
def test_a_burnt_in_clock_that_goes_back_is_a_clock_jump_at_its_frame(scene: Path, tmp_path: Path) -> None:
    pytest.importorskip("rapidocr_onnxruntime")
    clip = burn_clock(scene, tmp_path / "loop.mp4", start=8 * 3600 + 0.25, jump_at=3.0, jump=-20.0)
    r = vidverify.examine_frames(clip, tmp_path / "out", clock=True)
    [jump] = [a for a in r.anomalies if a.type == "clock-jump"]
    assert (jump.start, jump.end) == pytest.approx((3.0 - 1 / FPS, 3.0))  # the last frame before, the first after
    assert jump.detail["moved_seconds"] == pytest.approx(-20.0, abs=0.05)
    assert r.clock["found"] and len(r.clock["readings"]) == 10
    assert all(x["seconds"] is not None for x in r.clock["readings"])


@pytest.mark.slow  # OCR: two clips of 4 s
def test_a_dated_clock_hours_off_the_creation_time_is_a_clock_mismatch(tmp_path: Path) -> None:
    """A CCTV-style clock (date and time, no zone) burnt in 20 h after the file's creation_time: no zone explains
    it. The control reads an hour after creation_time (a zone does) and raises nothing, until a claimed day
    four days before it is given."""
    pytest.importorskip("rapidocr_onnxruntime")
    src = synth.make_scene(tmp_path / "s.mp4", seconds=4, size=(480, 270), fps=FPS, seed=2, audio=False)
    off = burn_clock(src, tmp_path / "off.mp4", date="2026-03-15T05:26:53", creation_time="2026-03-14T09:26:53Z",
                     size=24)
    r = vidverify.examine_frames(off, tmp_path / "out", clock=True)
    assert [x["datetime"] for x in r.clock["readings"]] == [f"2026-03-15T05:26:{53 + k}" for k in range(4)]
    [m] = [a for a in r.anomalies if a.type == "clock-mismatch"]
    assert m.detail["clock"]["value"] == "2026-03-15T05:26:53.000" and m.detail["clock"]["timezone"] is None
    assert m.detail["against"]["value"].startswith("2026-03-14T09:26:53") and m.detail["beyond_any_zone_hours"] > 5
    assert (m.start, m.end) == (0.0, 3.0)
    ok = burn_clock(src, tmp_path / "ok.mp4", date="2026-03-14T10:26:53", creation_time="2026-03-14T09:26:53Z",
                    size=24)
    r = vidverify.examine_frames(ok, tmp_path / "out", clock=True,
                                 claims=vidverify.user_claims("2026-03-10"))
    [m] = [a for a in r.anomalies if a.type == "clock-mismatch"]  # the claimed day only, not the creation_time
    assert m.detail["against"]["field"].startswith("claims.claimed_time")
    assert [a for a in vidverify.examine_frames(ok, tmp_path / "out", clock=True).anomalies
            if a.type == "clock-mismatch"] == []


def test_asking_for_the_clock_without_ocr_is_a_dependency_error(scene: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "unavailable", lambda: "OCR is not installed: pip install 'vidverify[ocr]'")
    with pytest.raises(DependencyError, match=r"vidverify\[ocr\]"):
        vidverify.examine_frames(scene, tmp_path, clock=True)
    assert not list(tmp_path.iterdir())  # nothing decoded or written


def test_keyframes_of_an_anamorphic_clip_are_written_at_the_display_size(scene: Path, tmp_path: Path) -> None:
    """A clip stored 320x180 with 2:1 pixels is shown 640x180 (probe's width): its keyframes went to the reverse
    image search squeezed to half their width."""
    wide = synth._edit(scene, tmp_path / "anamorphic.mp4", "setsar=2", what="anamorphic")
    info = vidverify.probe(wide)
    assert (info.width, info.height) == (2 * SIZE[0], SIZE[1])
    r = vidverify.examine_frames(wide, tmp_path / "stills")
    assert r.keyframes
    for k in r.keyframes:
        assert image(k.file).shape[:2] == (SIZE[1], 2 * SIZE[0])
