"""Tests of vidverify.testing.synth (generated footage and edits) and of examples/make_case.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from tests import ROOT
from vidverify.errors import VidverifyError
from vidverify.testing import synth

SIZE = (320, 180)
FPS = 30
SECONDS = 3.0
FRAME = 1 / FPS


def facts(path: Path) -> dict:
    """Independent check with PyAV: decoded frame count and size, stream durations, audio, metadata."""
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = [f for f in c.decode(v)]
        first = frames[0].to_ndarray(format="gray")
        assert v.duration is not None and v.time_base is not None
        v_dur = float(v.duration * v.time_base)
        a = c.streams.audio[0] if c.streams.audio else None
        return {
            "frames": len(frames),
            "width": frames[0].width,
            "height": frames[0].height,
            "duration": v_dur,
            "audio": float(a.duration * a.time_base) if a and a.duration and a.time_base else None,
            "metadata": dict(c.metadata),
            "codec": v.codec_context.name,
            "profile": v.codec_context.profile,
            "pix_fmt": v.codec_context.pix_fmt,
            "first": first,
        }


def grey_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="gray").astype(np.int16) for f in c.decode(video=0)]


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("synth")


@pytest.fixture(scope="module")
def scene(tmp: Path) -> Path:
    return synth.make_scene(tmp / "scene.mp4", seconds=SECONDS, size=SIZE, fps=FPS, seed=1)


@pytest.fixture(scope="module")
def other(tmp: Path) -> Path:
    return synth.make_scene(tmp / "other.mp4", seconds=2.0, size=(256, 144), fps=25, seed=2, audio=False)


@pytest.fixture(scope="module")
def captured(tmp: Path, scene: Path) -> Path:
    return synth.add_capture_metadata(scene, tmp / "IMG_0001.MOV")


def test_make_scene_is_h264_with_expected_size_duration_and_audio(scene: Path) -> None:
    f = facts(scene)
    assert (f["width"], f["height"]) == SIZE
    assert f["frames"] == round(SECONDS * FPS)
    assert f["duration"] == pytest.approx(SECONDS, abs=FRAME)
    assert f["audio"] == pytest.approx(SECONDS, abs=0.05)
    assert (f["codec"], f["profile"], f["pix_fmt"]) == ("h264", "High", "yuv420p")


def test_make_scene_without_audio(other: Path) -> None:
    f = facts(other)
    assert f["audio"] is None
    assert (f["width"], f["height"], f["frames"]) == (256, 144, 50)


def test_scene_content_changes_over_time_and_between_seeds(tmp: Path, scene: Path) -> None:
    frames = grey_frames(scene)
    # Along the clip: the picture moves (pan, shapes, noise) and changes at shot cuts.
    assert np.abs(frames[0] - frames[-1]).mean() > 10
    assert np.abs(frames[0] - frames[15]).mean() > 1
    # Between seeds: a different clip.
    again = synth.make_scene(tmp / "seed3.mp4", seconds=1.0, size=SIZE, fps=FPS, seed=3, audio=False)
    assert np.abs(frames[0] - grey_frames(again)[0]).mean() > 10


def test_make_scene_is_deterministic(tmp: Path) -> None:
    a = synth.make_scene(tmp / "det_a.mp4", seconds=1.0, size=SIZE, seed=5, audio=False)
    b = synth.make_scene(tmp / "det_b.mp4", seconds=1.0, size=SIZE, seed=5, audio=False)
    assert all(np.array_equal(x, y) for x, y in zip(grey_frames(a), grey_frames(b), strict=True))


def test_scene_plan_covers_the_clip_with_several_shots() -> None:
    plan = synth.scene_plan(12.0, 30, seed=4521)
    assert sum(n for _, n in plan) == 360
    assert len(plan) >= 3
    assert all(kind in synth.SHOT_KINDS for kind, _ in plan)
    assert synth.scene_plan(12.0, 30, seed=4521) == plan
    assert synth.scene_plan(12.0, 30, seed=4522) != plan


def test_capture_metadata_reads_back(captured: Path) -> None:
    meta = facts(captured)["metadata"]
    assert meta["creation_time"].startswith("2026-03-14T09:26:53")
    assert meta["com.apple.quicktime.creationdate"] == "2026-03-14T04:26:53-0500"
    assert meta["com.apple.quicktime.make"] == "Apple"
    assert meta["com.apple.quicktime.model"] == "iPhone 15 Pro"
    assert meta["com.apple.quicktime.software"] == "17.4"
    assert meta["com.apple.quicktime.location.ISO6709"] == "+40.6892-074.0445+010.000/"
    assert meta["location"] == "+40.6892-074.0445+010.000/"  # the udta ©xyz atom
    assert meta["major_brand"].strip() == "qt"


def test_capture_metadata_keeps_the_streams_and_puts_moov_last(scene: Path, captured: Path) -> None:
    assert facts(captured)["frames"] == facts(scene)["frames"]
    data = captured.read_bytes()
    assert b"\xa9xyz" in data
    assert data.rfind(b"moov") > data.find(b"mdat")


def test_capture_metadata_into_mp4_with_other_values(tmp: Path, scene: Path) -> None:
    out = synth.add_capture_metadata(
        scene, tmp / "VID.mp4", creation_time="2025-12-31T23:30:00Z", local_offset="+09:00", model="Pixel 8"
    )
    meta = facts(out)["metadata"]
    assert meta["com.apple.quicktime.creationdate"] == "2026-01-01T08:30:00+0900"
    assert meta["com.apple.quicktime.model"] == "Pixel 8"


def test_local_creationdate() -> None:
    assert synth.local_creationdate("2026-03-14T13:26:53Z", "-04:00") == "2026-03-14T09:26:53-0400"
    assert synth.local_creationdate("2026-03-14T13:26:53Z", "+0530") == "2026-03-14T18:56:53+0530"
    with pytest.raises(VidverifyError):
        synth.local_creationdate("2026-03-14T13:26:53Z", "EST")


def test_edits_strip_capture_metadata_and_can_stamp_creation_time(tmp: Path, captured: Path) -> None:
    plain = facts(synth.mirror(captured, tmp / "mirror.mp4"))["metadata"]
    assert not any(k.startswith("com.apple") or k in ("creation_time", "location") for k in plain)
    stamped = synth.reencode(captured, tmp / "stamped.mp4", creation_time="2026-03-15T10:00:00Z")
    meta = facts(stamped)["metadata"]
    assert meta["creation_time"].startswith("2026-03-15T10:00:00")
    assert not any(k.startswith("com.apple") for k in meta)


def test_strip_metadata_is_a_stream_copy_without_tags(tmp: Path, captured: Path) -> None:
    out = synth.strip_metadata(captured, tmp / "stripped.mp4")
    f = facts(out)
    assert not any(
        k.startswith("com.apple") or k in ("creation_time", "location", "encoder") for k in f["metadata"]
    )
    assert np.array_equal(f["first"], facts(captured)["first"])  # same pictures, bit for bit


def test_reencode_with_size(tmp: Path, scene: Path) -> None:
    f = facts(synth.reencode(scene, tmp / "small.mp4", crf=32, size=(192, 108)))
    assert (f["width"], f["height"], f["frames"]) == (192, 108, round(SECONDS * FPS))
    assert f["audio"] == pytest.approx(SECONDS, abs=0.05)


def test_mirror_flips_left_right(tmp: Path, scene: Path) -> None:
    out = synth.mirror(scene, tmp / "mirrored.mp4")
    a, b = grey_frames(scene)[10], grey_frames(out)[10]
    assert np.abs(a - b[:, ::-1]).mean() < np.abs(a - b).mean() / 3


@pytest.mark.parametrize("start,end", [(0.5, 2.0), (1.0, 3.0), (0.0, 1.0)])
def test_trim_duration(tmp: Path, scene: Path, start: float, end: float) -> None:
    f = facts(synth.trim(scene, tmp / f"trim_{start}_{end}.mp4", start, end))
    assert f["duration"] == pytest.approx(end - start, abs=FRAME)
    assert f["frames"] == round((end - start) * FPS)
    assert f["audio"] == pytest.approx(end - start, abs=0.05)


def test_trim_starts_at_the_right_frame(tmp: Path, scene: Path) -> None:
    out = synth.trim(scene, tmp / "trim_check.mp4", 1.0, 2.0)
    src, got = grey_frames(scene), grey_frames(out)
    errors = [np.abs(got[0] - src[i]).mean() for i in range(25, 36)]
    assert int(np.argmin(errors)) + 25 == 30


def test_cut_duration_and_join(tmp: Path, scene: Path) -> None:
    out = synth.cut(scene, tmp / "cut.mp4", 1.0, 2.0)
    f = facts(out)
    assert f["duration"] == pytest.approx(SECONDS - 1.0, abs=FRAME)
    assert f["frames"] == round((SECONDS - 1.0) * FPS)
    assert f["audio"] == pytest.approx(SECONDS - 1.0, abs=0.05)
    src, got = grey_frames(scene), grey_frames(out)
    assert np.abs(got[30] - src[60]).mean() < np.abs(got[30] - src[30]).mean()


def test_splice_duration_and_inserted_footage(tmp: Path, scene: Path, other: Path) -> None:
    out = synth.splice(scene, other, tmp / "splice.mp4", at=1.0, insert_seconds=1.5)
    f = facts(out)
    assert (f["width"], f["height"]) == SIZE  # the insert is scaled to the clip's size
    assert f["duration"] == pytest.approx(SECONDS + 1.5, abs=FRAME)
    assert f["frames"] == round((SECONDS + 1.5) * FPS)
    assert f["audio"] == pytest.approx(SECONDS + 1.5, abs=0.05)  # silence where the insert has no audio
    src, got = grey_frames(scene), grey_frames(out)
    assert np.abs(got[29] - src[29]).mean() < 5  # before the insert: the clip (re-encoding noise: ~1-3)
    assert np.abs(got[40] - src[30]).mean() > 10  # inside: other footage
    assert np.abs(got[75] - src[30]).mean() < 5  # after: the clip continues where it left off


def test_crop_vertical_caption(tmp: Path, scene: Path) -> None:
    out = synth.crop_vertical_caption(scene, tmp / "vertical.mp4", caption="BREAKING: test", size=(180, 320))
    f = facts(out)
    assert (f["width"], f["height"], f["frames"]) == (180, 320, round(SECONDS * FPS))
    band = f["first"][int(320 * 0.12) : int(320 * 0.28)]
    assert band.min() < 40 and band.max() > 200  # dark band with white text


def test_crop_vertical_caption_falls_back_without_drawtext(
    tmp: Path, scene: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(synth, "caption_text_filter", lambda *a, **k: "drawtext=no_such_option=1")
    out = synth.crop_vertical_caption(scene, tmp / "vertical_boxes.mp4", size=(180, 320))
    f = facts(out)
    assert (f["width"], f["height"]) == (180, 320)
    band = f["first"][int(320 * 0.12) : int(320 * 0.28)]
    assert band.min() < 40 and band.max() > 200  # boxes stand in for the words


def test_letterbox_speed_logo_grey(tmp: Path, scene: Path) -> None:
    vertical = synth.crop_vertical_caption(scene, tmp / "v2.mp4", size=(180, 320))
    boxed = facts(synth.letterbox(vertical, tmp / "boxed.mp4", size=SIZE))
    assert (boxed["width"], boxed["height"]) == SIZE
    assert boxed["first"][:, :20].max() < 25  # black bars at the sides
    fast = facts(synth.speed(scene, tmp / "fast.mp4", 1.5))
    assert fast["duration"] == pytest.approx(SECONDS / 1.5, abs=FRAME)
    assert fast["audio"] == pytest.approx(SECONDS / 1.5, abs=0.05)
    slow = facts(synth.speed(scene, tmp / "slow.mp4", 0.4))
    assert slow["duration"] == pytest.approx(SECONDS / 0.4, abs=FRAME)
    logo = facts(synth.overlay_logo(scene, tmp / "logo.mp4", box=(10, 10, 60, 24)))
    assert logo["frames"] == round(SECONDS * FPS)
    with av.open(str(tmp / "logo.mp4")) as c:
        rgb = next(c.decode(video=0)).to_ndarray(format="rgb24")
    assert rgb[12, 12, 0] > 180 and rgb[12, 12, 1] < 110  # the red logo box
    with av.open(str(synth.grey(scene, tmp / "grey.mp4"))) as c:
        rgb = next(c.decode(video=0)).to_ndarray(format="rgb24").astype(int)
    assert np.abs(rgb[..., 0] - rgb[..., 1]).mean() < 3


def test_write_info_json_has_yt_dlp_keys(tmp: Path, scene: Path) -> None:
    sidecar = synth.write_info_json(
        scene, upload_date="20260316", uploader="Some One", title="t", description="d", extractor="tiktok"
    )
    assert sidecar == scene.with_name("scene.info.json")
    info = json.loads(sidecar.read_text())
    keys = {
        "id",
        "title",
        "description",
        "uploader",
        "uploader_id",
        "upload_date",
        "timestamp",
        "webpage_url",
    }
    keys |= {"extractor", "duration", "width", "height", "fps", "ext"}
    assert keys <= info.keys()
    assert info["upload_date"] == "20260316"
    assert info["timestamp"] == 1773662400  # 2026-03-16T12:00:00Z
    assert (info["width"], info["height"], info["ext"]) == (*SIZE, "mp4")
    assert info["duration"] == pytest.approx(SECONDS, abs=FRAME)
    assert info["webpage_url"].startswith("https://www.tiktok.com/@someone/video/")
    with pytest.raises(VidverifyError):
        synth.write_info_json(scene, upload_date="2026-03-16")


def test_errors_carry_ffmpegs_message(tmp: Path, scene: Path) -> None:
    with pytest.raises(VidverifyError, match="input file not found"):
        synth.mirror(tmp / "missing.mp4", tmp / "x.mp4")
    bad = tmp / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(VidverifyError):
        synth.reencode(bad, tmp / "y.mp4")
    with pytest.raises(VidverifyError, match="make_scene failed"):
        synth.make_scene(tmp / "z.mp4", seconds=1.0, size=SIZE, codec="no-such-codec")
    assert not (tmp / "z.mp4").exists() and not list(tmp.glob(".z.part*"))


def test_make_case_quick(tmp_path: Path) -> None:
    out = tmp_path / "case"
    cmd = [sys.executable, str(ROOT / "examples" / "make_case.py"), str(out), "--quick"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, check=False)
    assert run.returncode == 0, run.stderr
    assert "IMG_4521.MOV" in run.stdout
    case = json.loads((out / "case.json").read_text())
    assert case["schema"] == "vidverify/example-case@1" and case["quick"] is True
    names = {f["path"] for f in case["files"]}
    on_disk = {p.name for p in out.iterdir()
               if not p.name.endswith(".info.json") and p.name not in ("case.json", "claims.yaml")}
    assert names == on_disk  # every file is listed, nothing else is left behind
    roles = [f["role"] for f in case["files"]]
    assert roles.count("original") == 1 and roles.count("reupload") == 6 and roles.count("unrelated") == 2
    for f in case["files"]:
        got = facts(out / f["path"])
        assert got["duration"] == pytest.approx(f["duration"], abs=FRAME)
        if f["sidecar"]:
            info = json.loads((out / f["sidecar"]).read_text())
            assert info["upload_date"] == f["upload"]["upload_date"]
        for seg in f["segments"]:
            assert seg["b_end"] <= f["duration"] + FRAME
    capture = case["capture"]["time_utc"][:10].replace("-", "")
    dates = {f["path"]: f["upload"]["upload_date"] for f in case["files"] if f["role"] == "reupload"}
    assert sum(d < capture for d in dates.values()) == 1  # exactly one upload claims a date before capture
    original = facts(out / "IMG_4521.MOV")["metadata"]
    assert original["com.apple.quicktime.creationdate"] == "2026-03-14T09:26:53-0400"
    # A second run reuses the case.
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert again.returncode == 0 and "reused" in again.stdout
