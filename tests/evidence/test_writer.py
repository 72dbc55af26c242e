"""writer.identify: who wrote a file, from what probe recorded; on generated media, hand-built MediaInfo, corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.make_fixtures import clip
from vidverify.evidence.writer import FAMILY_PRIORITY, RULES, fields, hits, identify
from vidverify.media.probe import probe
from vidverify.models import MediaInfo, Timestamp, Writer
from vidverify.testing import synth


def info(**kw: Any) -> MediaInfo:
    return MediaInfo(path="x.mp4", kind="video", **kw)


def stream(**tags: str) -> dict[str, Any]:
    return {"index": 0, "type": "video", "codec": "h264", "tags": tags}


# ---------------------------------------------------------------------------------------------- generated media


@pytest.fixture(scope="module")
def ffmpeg_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clip(tmp_path_factory.mktemp("writer") / "lavf.mp4", seconds=0.5, size="160x120", audio=True)


def test_ffmpeg_written_mp4_is_ffmpeg_not_original(ffmpeg_mp4: Path) -> None:
    mi = probe(ffmpeg_mp4)
    assert mi.tags["vidverify.bitstream_encoder"].startswith("x264 core ")  # probe read the SEI
    assert "cabac=" in mi.tags["vidverify.encoder_options"]
    w = identify(mi)
    assert w.family == "ffmpeg"
    assert w.original is False
    assert w.name.startswith("FFmpeg (Lavf")
    assert w.confidence >= 0.95
    assert w.evidence["encoder"].startswith("Lavf")
    assert w.evidence["tag:vidverify.bitstream_encoder"].startswith("x264 core")
    assert {"lavf", "x26x-sei", "ffmpeg-handler"} <= set(w.evidence["rules"])
    assert "camera_claim" not in w.evidence


def test_synth_capture_metadata_is_judged_ffmpeg_with_a_camera_claim(ffmpeg_mp4: Path, tmp_path: Path) -> None:
    """add_capture_metadata writes iPhone keys (make Apple, model, Core Media handlers, no Lavf tag) around an
    x264 stream, through FFmpeg's mov muxer: the rules see through it. The iPhone is kept as ``camera_claim``."""
    mov = synth.add_capture_metadata(ffmpeg_mp4, tmp_path / "IMG_0001.MOV")
    mi = probe(mov)
    assert mi.make == "Apple" and mi.encoder is None  # looks like a phone at first sight
    w = identify(mi)
    assert w.family == "ffmpeg"
    assert w.original is False
    assert w.evidence["camera_claim"] == "Apple iPhone 15 Pro"
    assert w.evidence["stream[0].vendor_id"] == "FFMP"
    assert "x26x-sei" in w.evidence["rules"]
    assert "apple-coremedia" not in w.evidence["rules"]  # weak: camera keys are present


def test_writer_round_trips(ffmpeg_mp4: Path) -> None:
    w = identify(probe(ffmpeg_mp4))
    assert Writer.from_dict(w.to_dict()) == w


# ---------------------------------------------------------------------------------------------- rules, by hand


def test_iphone_original_is_camera() -> None:
    mi = info(
        make="Apple", model="iPhone 15 Pro", software="17.4",
        tags={"com.apple.quicktime.make": "Apple", "video.handler_name": "Core Media Video",
              "vidverify.brands": "['qt  ']"},
        streams=(stream(handler_name="Core Media Video", vendor_id="[0][0][0][0]"),),
    )
    w = identify(mi)
    assert (w.name, w.family, w.original) == ("Apple iPhone 15 Pro", "camera", True)
    assert w.evidence["make"] == "Apple"
    assert w.confidence >= 0.9


def test_coremedia_without_camera_keys_is_an_apple_export() -> None:
    w = identify(info(streams=(stream(handler_name="Core Media Video"),)))
    assert (w.family, w.original) == ("apple", False)
    assert w.evidence["stream[0].handler_name"] == "Core Media Video"


def test_camera_remuxed_by_ffmpeg_is_not_original() -> None:
    w = identify(info(make="Apple", model="iPhone 12", encoder="Lavf60.3.100"))
    assert (w.family, w.original, w.name) == ("ffmpeg", False, "FFmpeg (Lavf60.3.100)")
    assert w.evidence["camera_claim"] == "Apple iPhone 12"


def test_youtube_download_merged_by_ffmpeg_is_platform() -> None:
    mi = info(encoder="Lavf60.16.100",
              streams=(stream(handler_name="ISO Media file produced by Google Inc. Created on: 01/02/2024."),))
    w = identify(mi)
    assert (w.name, w.family, w.original) == ("YouTube", "platform", False)
    assert "lavf" in w.evidence["rules"]  # the lower-priority writer stays in the evidence


def test_xmp_history_names_the_editor() -> None:
    hist = str([{"stEvt:action": "created", "stEvt:softwareAgent": "Adobe Premiere Pro 2023.0 (Windows)"},
                {"stEvt:action": "saved", "stEvt:softwareAgent": "Adobe After Effects 2024 (Macintosh)"}])
    w = identify(info(make="Sony", tags={"vidverify.xmp_history": hist}))
    assert w.family == "editor" and w.original is False
    assert w.name == "Adobe After Effects 2024 (Macintosh)"  # the latest agent
    assert w.evidence["xmp:softwareAgent"] == w.name
    assert w.evidence["camera_claim"] == "Sony"


def test_damaged_xmp_history_is_ignored() -> None:
    assert "xmp:softwareAgent" not in fields(info(tags={"vidverify.xmp_history": "[{'stEvt:softwareAgent': "}))
    assert "xmp:softwareAgent" not in fields(info(tags={"vidverify.xmp_history": "__import__('os')"}))


def test_titles_are_not_evidence_but_named_tags_are() -> None:
    w = identify(info(tags={"title": "WhatsApp Video 2024", "comment": "edited in CapCut"}))
    assert w.family == "unknown" and w.original is None and w.confidence == 0.0
    tik = identify(info(encoder="Lavf58.76.100", tags={"comment": "vid:v0f044gc0000abcdef"}))
    assert (tik.name, tik.family) == ("TikTok", "platform")


def test_android_phone_and_android_muxer_without_camera() -> None:
    phone = info(make="samsung", model="SM-G991B",
                 tags={"com.android.version": "13", "com.android.manufacturer": "samsung"},
                 streams=(stream(handler_name="VideoHandle"),))
    w = identify(phone)
    assert (w.family, w.original) == ("camera", True)
    assert w.name == "Android phone samsung SM-G991B"
    assert "android-muxer-no-camera" not in w.evidence["rules"]
    app = identify(info(streams=(stream(handler_name="VideoHandle"),)))
    assert (app.family, app.original) == ("messenger", False)
    assert app.confidence < 0.5


def test_weak_camera_evidence_leaves_original_unknown() -> None:
    w = identify(info(tags={"©inf": "SOME DIGITAL CAMERA"}))
    assert w.family == "camera" and w.original is None


def test_avchd_and_gopro_rules() -> None:
    avchd = info(make="Panasonic", timestamps=(Timestamp("avchd.DateTimeOriginal", "2020-01-01T10:00:00+01:00"),))
    assert identify(avchd).name == "Panasonic AVCHD camcorder"
    gopro = identify(info(make="GoPro", model="HERO9", tags={"firmware": "HD9.01.01.60.00"}))
    assert (gopro.name, gopro.family, gopro.original) == ("GoPro HERO9", "camera", True)


def test_editor_beats_ffmpeg_and_tools() -> None:
    w = identify(info(encoder="Lavf59.27.100", software="HandBrake 1.6.1", tags={"©swr": "DaVinci Resolve"}))
    assert w.family == "editor" and w.name == "DaVinci Resolve"
    hb = identify(info(encoder="HandBrake 1.6.1 2023012300", tags={"vidverify.bitstream_encoder": "x264 core 164"}))
    assert (hb.family, hb.name) == ("tool", "HandBrake 1.6.1")


def test_unknown() -> None:
    w = identify(info())
    assert w == Writer("unknown", "unknown", None, 0.0, {"rules": []})
    assert hits(info()) == []


def test_rule_table_is_well_formed() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for r in RULES:
        assert r.family in (*FAMILY_PRIORITY, "camera")
        assert 0 < r.confidence < 1
        r.regex()  # compiles


# ---------------------------------------------------------------------------------------------- corpus

EXPECTED = {
    # file: (family, original, name or None)
    "gpmf/karma.mp4": ("camera", True, "GoPro HERO5"),
    "threatexchange/videos/pattern-hd-no-bar.mp4": ("ffmpeg", False, "FFmpeg (Lavf56.40.101)"),
    "threatexchange/videos/doorknob-hd-no-bar.mp4": ("ffmpeg", False, "FFmpeg (Lavf56.40.101)"),
    "videohash/rocket_f5ecff1.webm": ("ffmpeg", False, "FFmpeg (Lavf58.45.100)"),
    "pyscenedetect/testvideo.mp4": ("tool", False, "GPAC MP4Box"),
    "pyscenedetect/issue-236-split-copy.mkv": ("tool", False, "mkvmerge (MKVToolNix)"),
    "exiftool/files/QuickTime.mov": ("camera", True, "Pentax camera"),  # ExifTool: Handler Vendor ID Pentax
    "exiftool/files/M2TS.mts": ("camera", True, "Canon AVCHD camcorder"),  # ExifTool: [H264] Make: Canon
    "exiftool/files/RIFF.avi": ("camera", True, "Canon camera (CanonMVI01)"),
    "exiftool/files/Apple.jpg": ("camera", True, "Apple iPhone 7"),  # ExifTool: Make Apple, iPhone 7
    "exiftool/files/GPS.jpg": ("editor", False, "Adobe Photoshop 7.0"),  # ExifTool: Software Adobe Photoshop 7.0
    "exiftool/files/QuickTime.m4a": ("apple", False, "Apple iTunes v4.9, QuickTime 7.0.1"),
    "exiftool/files/Flash.flv": ("tool", False, "FLVTool2 v1.0.6"),  # ExifTool: Metadata Creator FLVTool2
}


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_writers(corpus: Path, name: str) -> None:
    family, original, wname = EXPECTED[name]
    w = identify(probe(corpus / name))
    assert (w.family, w.original, w.name) == (family, original, wname), w.evidence
    assert w.evidence["rules"]


@pytest.mark.corpus
def test_corpus_gopro_evidence(corpus: Path) -> None:
    w = identify(probe(corpus / "gpmf" / "karma.mp4"))
    assert w.evidence["tag:firmware"] == "HD5.02.02.00.00"
    assert w.evidence["tag:vidverify.telemetry"] == "gpmd"
    assert w.confidence >= 0.95
