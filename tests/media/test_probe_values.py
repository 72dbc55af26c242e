"""Values probe used to get wrong (issue 17), each met the way it was found: a DV file at "60000 fps", a cut AVI
given the duration of its few frames with nothing said, two GPS positions in one file with one picked silently,
a GoPro MAX named "HERO8"."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tests.fixtures.hostile import box, find_box, insert_into
from tests.fixtures.make_fixtures import clip, ffmpeg
from vidverify.evidence import codes
from vidverify.evidence.timeline import file_findings
from vidverify.media.probe import probe


def test_dv_frame_rate_is_the_streams_not_its_time_base(tmp_path: Path) -> None:
    dv = tmp_path / "pal.dv"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=720x576:rate=25", "-t", "1", "-c:v", "dvvideo", "-pix_fmt", "yuv420p",
           "-f", "dv", str(dv))
    info = probe(dv)
    assert info.fps == 25.0 and info.frame_count == 25 and info.duration == 1.0


def _avi(tmp_path: Path) -> Path:
    avi = tmp_path / "full.avi"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-t", "8", "-c:v", "mjpeg", str(avi))
    return avi


def test_a_truncated_avi_reports_both_durations_and_a_finding(tmp_path: Path) -> None:
    full = _avi(tmp_path)
    whole = probe(full)
    assert not whole.truncated and whole.duration == 8.0 and whole.declared_duration is None
    assert not any(f.code == codes.TRUNCATED for f in file_findings(whole))
    cut = tmp_path / "cut.avi"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 10])  # a download stopped at 10%
    info = probe(cut)
    assert info.truncated and info.declared_duration == 8.0  # what the header declares (200 frames at 25 fps)
    assert 0 < info.frame_count < 40 and info.duration == info.frame_count / 25  # what is present
    assert any(e.startswith("truncated: the header declares 200 video frames (8.00 s)") for e in info.errors)
    found = [f for f in file_findings(info) if f.code == codes.TRUNCATED]
    assert len(found) == 1 and found[0].evidence["declared_duration"] == 8.0
    assert found[0].evidence["duration"] == info.duration
    assert type(info).from_dict(info.to_dict()) == info


def test_an_mp4_trimmed_by_an_edit_list_is_not_truncated(tmp_path: Path) -> None:
    src = clip(tmp_path / "src.mp4", seconds=2.0, size="160x120", gop=30)
    trimmed = tmp_path / "trim.mp4"  # a stream copy from 0.5 s: pre-roll packets an edit list hides
    ffmpeg("-ss", "0.5", "-i", str(src), "-c", "copy", str(trimmed))
    assert not probe(trimmed).truncated


def _location_ilst(iso6709: bytes) -> bytes:
    """udta > meta (hdlr mdir) > ilst > ©xyz > data: an iTunes-style location item."""
    hdlr = box(b"hdlr", b"\0" * 8 + b"mdirappl" + b"\0" * 9)
    item = box(b"\xa9xyz", box(b"data", struct.pack(">II", 1, 0) + iso6709))
    return box(b"udta", box(b"meta", b"\0\0\0\0" + hdlr + box(b"ilst", item)))


def test_two_gps_positions_that_disagree_are_both_reported(tmp_path: Path) -> None:
    plain = clip(tmp_path / "src.mp4", seconds=0.5, size="160x120").read_bytes()
    paris = b"+48.8584+002.2945/"  # a QuickTime udta ©xyz text atom: size, language, text
    data = insert_into(plain, find_box(plain, [b"moov"]),
                       box(b"udta", box(b"\xa9xyz", struct.pack(">HH", len(paris), 0x15C7) + paris)))
    two = tmp_path / "two.mp4"
    two.write_bytes(insert_into(data, find_box(data, [b"moov"]), _location_ilst(b"+51.5007-000.1246/")))  # London
    info = probe(two)
    assert info.gps is not None and (info.gps.lat, info.gps.lon) == (48.8584, 2.2945)
    assert [(g.lat, g.lon) for g in info.other_gps] == [(51.5007, -0.1246)]
    assert info.gps.source != info.other_gps[0].source  # each with where it was read
    found = [f for f in file_findings(info) if f.code == codes.PLACE_MISMATCH]
    assert len(found) == 1 and 330_000 < found[0].evidence["distance_m"] < 350_000
    assert found[0].evidence["other_gps"]["lat"] == 51.5007
    loci = clip(tmp_path / "loci.mp4", seconds=0.5, size="160x120", extra_out=("-metadata", "location=+1.5+2.5/"))
    ld = loci.read_bytes()  # ffmpeg writes a 3GPP loci box (libavformat's location-eng) beside the ilst item
    loci.write_bytes(insert_into(ld, find_box(ld, [b"moov"]), _location_ilst(b"+51.5007-000.1246/")))
    both = probe(loci)
    assert both.gps is not None
    assert {(both.gps.lat, both.gps.lon), *((g.lat, g.lon) for g in both.other_gps)} == {(1.5, 2.5),
                                                                                          (51.5007, -0.1246)}
    same = tmp_path / "same.mp4"  # the same place stated twice is one position, no finding
    same.write_bytes(insert_into(data, find_box(data, [b"moov"]), _location_ilst(b"+48.8584+002.2945/")))
    agree = probe(same)
    assert agree.other_gps == () and not any(f.code == codes.PLACE_MISMATCH for f in file_findings(agree))


def _with_firmware(tmp_path: Path, firmware: bytes) -> Path:
    src = clip(tmp_path / f"{firmware.decode()}-src.mp4", seconds=0.5, size="160x120")
    data = src.read_bytes()
    out = tmp_path / f"{firmware.decode()}.mp4"
    out.write_bytes(insert_into(data, find_box(data, [b"moov"]), box(b"udta", box(b"FIRM", firmware))))
    return out


def test_gopro_model_from_firmware(tmp_path: Path) -> None:
    expected = {b"H19.03.02.00.00": "MAX", b"HD8.01.02.50.00": "HERO8", b"H22.03.02.00.00": "HERO11 Mini",
                b"H99.01.01.00.00": None}  # a GoPro firmware not known: the make only, no guessed model
    for firmware, model in expected.items():
        info = probe(_with_firmware(tmp_path, firmware))
        assert info.make == "GoPro" and info.model == model, firmware


def test_frame_count_without_a_sample_table_is_counted_from_packets(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Fragmented MP4, Matroska, WebM, FLV and MPEG-TS declare no frame count; the packets give it, nothing
    decoded (the decoder is made unusable to prove it)."""
    import av.container

    made = {}
    for name, args in (("frag.mp4", ("-c:v", "libx264", "-movflags", "frag_keyframe+empty_moov")),
                       ("v.mkv", ("-c:v", "libx264")), ("v.webm", ("-c:v", "libvpx-vp9", "-deadline", "realtime")),
                       ("v.flv", ("-c:v", "libx264")), ("v.ts", ("-c:v", "libx264"))):
        made[name] = tmp_path / name
        ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-frames:v", "37", "-g", "10", *args,
               str(made[name]))

    def no_decode(*_: object, **__: object) -> None:
        raise AssertionError("probe decoded frames")

    monkeypatch.setattr(av.container.InputContainer, "decode", no_decode)
    for name, path in made.items():
        info = probe(path)
        assert info.frame_count == 37, name
        assert info.duration == pytest.approx(37 / 25, abs=1e-3), name
