"""Tests for the ISO BMFF / QuickTime box walker (vidverify.media.formats.isobmff).

Files come from the bundled ffmpeg (lavfi sources) and from byte strings built here; hostile inputs are
truncated, resized, nested, flipped and fuzzed, and must never raise anything but IsoBmffError.
"""

from __future__ import annotations

import json
import os
import random
import struct
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import ROOT
from vidverify.media.formats.isobmff import IsoBmffError, IsoInfo, IsoTrack, looks_like_isobmff, parse_bytes, parse_file

XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
SECONDS_1904_TO_1970 = 2082844800


# ------------------------------------------------------------------------------------------ builders


def box(typ: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(payload)) + typ + payload


def full(typ: bytes, payload: bytes = b"", version: int = 0, flags: int = 0) -> bytes:
    return box(typ, bytes([version]) + flags.to_bytes(3, "big") + payload)


def unix_to_1904(ts: int) -> int:
    return ts + SECONDS_1904_TO_1970


def ftyp(major: bytes = b"isom", compat: tuple[bytes, ...] = (b"isom", b"iso2", b"avc1", b"mp41")) -> bytes:
    return box(b"ftyp", major + struct.pack(">I", 512) + b"".join(compat))


def mvhd(ctime: int, mtime: int, timescale: int = 1000, duration: int = 2000, version: int = 0) -> bytes:
    if version == 1:
        head = struct.pack(">QQIQ", ctime, mtime, timescale, duration)
    else:
        head = struct.pack(">IIII", ctime, mtime, timescale, duration)
    rest = struct.pack(">iH", 0x10000, 0x100) + b"\0" * 10 + matrix(1, 0, 0, 1) + b"\0" * 24 + b"\0\0\0\x02"
    return full(b"mvhd", head + rest, version)


def matrix(a: float, b: float, c: float, d: float) -> bytes:
    f = lambda v: int(v * 65536)  # noqa: E731
    return struct.pack(">9i", f(a), f(b), 0, f(c), f(d), 0, 0, 0, 0x40000000)


def tkhd(
    track_id: int,
    ctime: int,
    mtime: int,
    duration: int,
    width: float,
    height: float,
    mat: bytes | None = None,
    version: int = 0,
) -> bytes:
    if version == 1:
        head = struct.pack(">QQIIQ", ctime, mtime, track_id, 0, duration)
    else:
        head = struct.pack(">IIIII", ctime, mtime, track_id, 0, duration)
    rest = b"\0" * 8 + struct.pack(">hhhH", 0, 0, 0, 0) + (mat or matrix(1, 0, 0, 1))
    rest += struct.pack(">II", int(width * 65536), int(height * 65536))
    return full(b"tkhd", head + rest, version, flags=3)


def mdhd(ctime: int, mtime: int, timescale: int, duration: int, version: int = 0) -> bytes:
    if version == 1:
        head = struct.pack(">QQIQ", ctime, mtime, timescale, duration)
    else:
        head = struct.pack(">IIII", ctime, mtime, timescale, duration)
    lang = ((ord("e") - 0x60) << 10) | ((ord("n") - 0x60) << 5) | (ord("g") - 0x60)
    return full(b"mdhd", head + struct.pack(">HH", lang, 0), version)


def hdlr(handler: bytes, name: bytes = b"", pascal: bool = False) -> bytes:
    tail = bytes([len(name)]) + name if pascal else name + b"\0"
    return full(b"hdlr", b"\0\0\0\0" + handler + b"\0" * 12 + tail)


def elst(entries: list[tuple[int, int, float]], version: int = 1) -> bytes:
    fmt = ">Qqi" if version == 1 else ">Iii"
    body = struct.pack(">I", len(entries)) + b"".join(
        struct.pack(fmt, seg, mt, int(rate * 65536)) for seg, mt, rate in entries
    )
    return box(b"edts", full(b"elst", body, version))


def table(typ: bytes, rows: Sequence[tuple[int, ...]], version: int = 0) -> bytes:
    fmt = ">" + "i" * len(rows[0]) if rows else ">"
    return full(typ, struct.pack(">I", len(rows)) + b"".join(struct.pack(fmt, *r) for r in rows), version)


def visual_entry(fourcc: bytes, width: int, height: int, compressor: bytes = b"") -> bytes:
    body = b"\0" * 6 + b"\0\x01" + b"\0" * 16 + struct.pack(">HH", width, height)
    body += struct.pack(">III", 0x480000, 0x480000, 0) + b"\0\x01"
    body += bytes([len(compressor)]) + compressor.ljust(31, b"\0") + b"\0\x18\xff\xff"
    return box(fourcc, body)


def stsd(*entries: bytes) -> bytes:
    return full(b"stsd", struct.pack(">I", len(entries)) + b"".join(entries))


def stsz(count: int) -> bytes:
    return full(b"stsz", struct.pack(">II", 0, count) + b"\0\0\0\x10" * count)


def video_trak(
    *,
    track_id: int = 1,
    ctime: int = 0,
    timescale: int = 90000,
    stts_rows: list[tuple[int, int]],
    ctts_rows: list[tuple[int, int]] | None = None,
    stss_rows: list[int] | None = None,
    edits: list[tuple[int, int, float]] | None = None,
    mat: bytes | None = None,
    codec: bytes = b"avc1",
) -> bytes:
    count = sum(c for c, _ in stts_rows)
    duration = sum(c * d for c, d in stts_rows)
    stbl = stsd(visual_entry(codec, 640, 480, b"TestCam encoder")) + table(b"stts", stts_rows)
    if ctts_rows is not None:
        stbl += table(b"ctts", ctts_rows)
    if stss_rows is not None:
        stbl += table(b"stss", [(s,) for s in stss_rows])
    stbl += stsz(count)
    mdia = box(
        b"mdia",
        mdhd(ctime, ctime, timescale, duration)
        + hdlr(b"vide", b"Test Video")
        + box(b"minf", box(b"stbl", stbl)),
    )
    body = tkhd(track_id, ctime, ctime, 2000, 640, 480, mat)
    if edits is not None:
        body += elst(edits)
    return box(b"trak", body + mdia)


def meta_trak(codec: bytes, handler: bytes, track_id: int = 2) -> bytes:
    entry = box(codec, b"\0" * 6 + b"\0\x01")
    stbl = stsd(entry) + table(b"stts", [(3, 1000)]) + stsz(3)
    mdia = box(b"mdia", mdhd(0, 0, 1000, 3000) + hdlr(handler) + box(b"minf", box(b"stbl", stbl)))
    return box(b"trak", tkhd(track_id, 0, 0, 3000, 0, 0) + mdia)


def qt_text(typ: bytes, text: str, lang: int = 0x55C4) -> bytes:
    raw = text.encode("utf-8")
    return box(typ, struct.pack(">HH", len(raw), lang) + raw)


def data_atom(type_code: int, value: bytes) -> bytes:
    return box(b"data", struct.pack(">II", type_code, 0) + value)


def mdta_meta(items: list[tuple[str, int, bytes]], iso: bool = False) -> bytes:
    keys = full(
        b"keys",
        struct.pack(">I", len(items))
        + b"".join(struct.pack(">I", 8 + len(k.encode())) + b"mdta" + k.encode() for k, _, _ in items),
    )
    ilst = box(
        b"ilst",
        b"".join(box(struct.pack(">I", i + 1), data_atom(t, v)) for i, (_, t, v) in enumerate(items)),
    )
    children = hdlr(b"mdta") + keys + ilst
    if iso:
        return full(b"meta", children)
    return box(b"meta", children)


def xmp_packet(extra: str = "") -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about=""\n'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        ' xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"\n'
        ' xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"\n'
        ' xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"\n'
        ' xmlns:exif="http://ns.adobe.com/exif/1.0/"\n'
        ' xmp:CreateDate="2019-07-01T10:00:00+02:00"\n'
        ' xmp:CreatorTool="Adobe Premiere Pro 2019">\n'
        " <xmp:ModifyDate>2019-07-02T11:00:00+02:00</xmp:ModifyDate>\n"
        " <photoshop:DateCreated>2019-07-01</photoshop:DateCreated>\n"
        " <exif:DateTimeOriginal>2019-06-30T09:00:00</exif:DateTimeOriginal>\n"
        " <xmpMM:History><rdf:Seq>\n"
        '  <rdf:li stEvt:action="created" stEvt:when="2019-07-01T10:00:00+02:00"'
        ' stEvt:softwareAgent="Adobe Premiere Pro 2019"/>\n'
        '  <rdf:li rdf:parseType="Resource"><stEvt:action>saved</stEvt:action>'
        "<stEvt:when>2019-07-02T11:00:00+02:00</stEvt:when>"
        "<stEvt:softwareAgent>Adobe Media Encoder</stEvt:softwareAgent></rdf:li>\n"
        " </rdf:Seq></xmpMM:History>\n"
        f"{extra}"
        "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode() + b"\0" * 16


T_2021 = unix_to_1904(1620097321)  # 2021-05-04T03:02:01Z


def synthetic_mp4(*, moov_first: bool = False) -> bytes:
    """A small but complete file exercising most of the parser."""
    vtrak = video_trak(
        ctime=T_2021,
        timescale=3000,
        # 9 frames of 100 ticks; decode order I P B B P B B I P
        stts_rows=[(9, 100)],
        ctts_rows=[(1, 200), (1, 400), (2, 0), (1, 300), (2, 0), (1, 200), (1, 200)],
        stss_rows=[1, 8],
        # an empty edit of 0.5 s (movie timescale 1000), then media from 200 ticks
        edits=[(500, -1, 1.0), (900, 200, 1.0)],
        mat=matrix(0, 1, -1, 0),  # 90 degrees clockwise
    )
    udta = box(
        b"udta",
        qt_text(b"\xa9day", "2021-05-04T05:02:01+0200")
        + qt_text(b"\xa9xyz", "+48.8584+002.2945/")
        + qt_text(b"\xa9mak", "Acme")
        + qt_text(b"\xa9nam", "caf\u00e9", lang=0)
        + box(b"FIRM", b"HD5.02.02.51.00")
        + box(b"XMP_", xmp_packet())
        + mdta_meta(
            [
                ("com.apple.quicktime.creationdate", 1, b"2021-05-04T05:02:01+0200"),
                ("com.android.capture.fps", 23, struct.pack(">f", 30.0)),
                ("com.example.signed", 21, struct.pack(">h", -5)),
                ("com.example.unsigned", 22, struct.pack(">I", 4000000000)),
            ]
        )
        + b"\0\0\0\0",
    )
    ilst_meta = full(
        b"meta",
        hdlr(b"mdir") + box(b"ilst", box(b"\xa9too", data_atom(1, b"Lavf60.3.100"))),
    )
    moov = box(
        b"moov",
        mvhd(T_2021, T_2021 + 60, 1000, 900)
        + vtrak
        + meta_trak(b"gpmd", b"meta", 2)
        + meta_trak(b"tmcd", b"tmcd", 3)
        + udta
        + ilst_meta,
    )
    mdat = box(b"mdat", b"\x00" * 256)
    head = ftyp() + box(b"free")
    xmp_uuid = box(b"uuid", XMP_UUID + xmp_packet())
    if moov_first:
        return head + moov + mdat + xmp_uuid
    return head + mdat + moov + xmp_uuid


# ------------------------------------------------------------------------------------------ ffmpeg


def _ffmpeg_exe() -> str:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as exc:  # pragma: no cover - depends on the environment
        pytest.skip(f"no ffmpeg: {exc}")


@pytest.fixture(scope="module")
def ffmpeg(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    exe = _ffmpeg_exe()
    folder = tmp_path_factory.mktemp("isobmff")

    def run(name: str, *args: str) -> Path:
        out = folder / name
        if not out.exists():
            cmd = [exe, "-hide_banner", "-loglevel", "error", "-y", *args, str(out)]
            subprocess.run(cmd, check=True, timeout=120, capture_output=True)
        return out

    return run


SRC = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30"]
X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


@pytest.fixture(scope="module")
def basic(ffmpeg: Callable[..., Path]) -> Path:
    return ffmpeg(
        "basic.mp4",
        *SRC,
        *["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"],
        *["-t", "2", *X264, "-g", "10", "-bf", "0", "-c:a", "aac"],
        *["-metadata", "creation_time=2021-05-04T03:02:01Z", "-movflags", "use_metadata_tags"],
        *["-metadata", "com.apple.quicktime.creationdate=2021-05-04T05:02:01+0200"],
        *["-metadata", "location=+48.8584+002.2945/", "-metadata", "make=Acme", "-metadata", "model=Cam 1"],
    )


def approx_list(values: list[float], expected: list[float], tol: float = 1e-6) -> bool:
    return len(values) == len(expected) and all(
        abs(a - b) <= tol for a, b in zip(values, expected, strict=True)
    )


def test_ffmpeg_basic_file(basic: Path) -> None:
    info = parse_file(str(basic))
    assert info.errors == []
    assert info.moov_found and info.mdat_found and not info.fragmented
    assert info.major_brand == "isom"
    assert info.brands[0] == "isom" and "mp41" in info.brands
    assert info.container == "mp4"
    assert info.layout.startswith("ftyp,")
    assert "moov[mvhd,trak[tkhd,edts,mdia],trak[tkhd,edts,mdia]," in info.layout
    times = dict(info.timestamps)
    assert times["mvhd.creation_time"] == "2021-05-04T03:02:01Z"
    assert times["mvhd.modification_time"] == "2021-05-04T03:02:01Z"
    for name in ("trak1.tkhd.creation_time", "trak1.mdhd.modification_time", "trak2.mdhd.creation_time"):
        assert times[name] == "2021-05-04T03:02:01Z"
    assert info.movie_timescale and info.movie_duration == pytest.approx(2.0, abs=0.05)

    video, audio = info.tracks
    assert video is info.video_track
    assert (video.index, video.track_id, video.handler_type) == (1, 1, "vide")
    assert video.handler_name == "VideoHandler"
    assert video.codec == "avc1" and video.sample_entries == ["avc1"]
    assert (video.width, video.height, video.coded_width, video.coded_height) == (320, 240, 320, 240)
    assert video.rotation == 0 and not video.mirrored
    assert video.sample_count == 60
    assert video.duration == pytest.approx(2.0)
    assert video.avg_frame_rate == pytest.approx(30.0)
    assert video.compressor_name and "libx264" in video.compressor_name
    assert video.edits and video.edits[0][1] == 0.0
    # -g 10 -bf 0 at 30 fps: a keyframe every 1/3 s
    assert approx_list(video.keyframe_times, [i / 3 for i in range(6)])

    assert audio.handler_type == "soun" and audio.codec == "mp4a"
    assert audio.sample_rate == 44100 and audio.channels == 1
    assert audio.keyframe_times == []

    assert info.tags["com.apple.quicktime.creationdate"] == "2021-05-04T05:02:01+0200"
    assert info.tags["location"] == "+48.8584+002.2945/"
    assert info.tags["make"] == "Acme"
    assert info.tags["model"] == "Cam 1"
    assert str(info.tags["encoder"]).startswith("Lavf")
    assert info.gpmd is False and info.xmp == []


def test_parse_file_equals_parse_bytes(basic: Path) -> None:
    assert parse_file(basic).to_dict() == parse_bytes(basic.read_bytes()).to_dict()


def test_to_dict_round_trip(basic: Path) -> None:
    info = parse_file(basic)
    data = json.loads(json.dumps(info.to_dict()))
    assert IsoInfo.from_dict(data) == info
    track = info.tracks[0]
    assert IsoTrack.from_dict(json.loads(json.dumps(track.to_dict()))) == track


def test_ffmpeg_b_frames_keyframes_match_pyav(ffmpeg: Callable[..., Path]) -> None:
    path = ffmpeg("bframes.mp4", *SRC, "-t", "2", *X264, "-preset", "medium", "-g", "10", "-bf", "2")
    info = parse_file(path)
    video = info.tracks[0]
    assert video.edits and video.edits[0][1] is not None and video.edits[0][1] > 0  # media_time skips B delay
    assert approx_list(video.keyframe_times, [i / 3 for i in range(6)])
    av = pytest.importorskip("av")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        truth = sorted(
            float(p.pts * stream.time_base)
            for p in container.demux(stream)
            if p.is_keyframe and p.pts is not None
        )
    assert approx_list(video.keyframe_times, truth)


@pytest.mark.parametrize(
    ("args", "rotation", "mirrored"),
    [
        (["-display_rotation:v", "90"], 270, False),  # ffmpeg's angle is counter-clockwise
        (["-display_rotation:v", "-90"], 90, False),
        (["-display_rotation:v", "180"], 180, False),
        (["-display_hflip:v"], 0, True),
    ],
)
def test_ffmpeg_rotation(ffmpeg: Callable[..., Path], args: list[str], rotation: int, mirrored: bool) -> None:
    src = ffmpeg("plain.mp4", *SRC, "-t", "1", *X264, "-g", "10", "-bf", "0")
    name = "rot_" + "_".join(args).replace("-", "m").replace(":", "") + ".mp4"
    path = ffmpeg(name, *args, "-i", str(src), "-c", "copy")
    video = parse_file(path).tracks[0]
    assert (video.rotation, video.mirrored) == (rotation, mirrored)
    assert (video.width, video.height) == (320, 240)


def test_ffmpeg_empty_edit(ffmpeg: Callable[..., Path]) -> None:
    src = ffmpeg("plain.mp4", *SRC, "-t", "1", *X264, "-g", "10", "-bf", "0")
    path = ffmpeg("offset.mp4", "-i", str(src), "-c", "copy", "-output_ts_offset", "1.0")
    video = parse_file(path).tracks[0]
    assert video.edits[0][0] == pytest.approx(1.0) and video.edits[0][1] is None
    assert video.edits[1][1] == 0.0
    assert approx_list(video.keyframe_times, [1.0, 1 + 1 / 3, 1 + 2 / 3])


def test_ffmpeg_quicktime_text_atoms(ffmpeg: Callable[..., Path]) -> None:
    src = ffmpeg("plain.mp4", *SRC, "-t", "1", *X264, "-g", "10", "-bf", "0")
    path = ffmpeg(
        "tags.mov",
        *["-i", str(src), "-c", "copy", "-metadata", "title=Tïtle", "-metadata", "comment=a comment"],
        *["-metadata", "make=Acme", "-metadata", "model=Cam1", "-metadata", "location=+48.8584+002.2945/"],
        *["-metadata", "creation_time=2020-01-02T03:04:05Z"],
    )
    info = parse_file(path)
    assert info.container == "mov" and info.brands == ["qt  "]
    assert dict(info.timestamps)["mvhd.creation_time"] == "2020-01-02T03:04:05Z"
    assert info.tags["©nam"] == "Tïtle"
    assert info.tags["©cmt"] == "a comment"
    assert info.tags["©mak"] == "Acme" and info.tags["©mod"] == "Cam1"
    assert info.tags["©xyz"] == "+48.8584+002.2945/"
    assert str(info.tags["©swr"]).startswith("Lavf")


def test_ffmpeg_fragmented(ffmpeg: Callable[..., Path]) -> None:
    src = ffmpeg("plain.mp4", *SRC, "-t", "1", *X264, "-g", "10", "-bf", "0")
    path = ffmpeg("frag.mp4", "-i", str(src), "-c", "copy", "-movflags", "frag_keyframe+empty_moov")
    info = parse_file(path)
    assert info.fragmented and info.moov_found and info.mdat_found
    assert "moof[mfhd,traf[" in info.layout and "mvex[trex]" in info.layout
    assert info.errors == []


def test_large_file_moov_is_fast(tmp_path: Path) -> None:
    """A 100 MB file (sparse mdat) with ~100 minutes of 30 fps sample tables: parsing reads only the moov."""
    n = 180_000
    trak = video_trak(
        timescale=30000,
        stts_rows=[(n, 1001)],
        ctts_rows=[(1, 2002), (1, 0)] * (n // 2),
        stss_rows=list(range(1, n + 1, 30)),
        edits=[(6006000, 2002, 1.0)],
    )
    moov = box(b"moov", mvhd(T_2021, T_2021, 1000, 6006000) + trak)
    path = tmp_path / "large.mp4"
    mdat_size = 100 * 2**20
    with open(path, "wb") as fh:
        fh.write(ftyp())
        fh.write(struct.pack(">I4s", mdat_size, b"mdat"))
        fh.seek(mdat_size - 8, os.SEEK_CUR)
        fh.write(moov)
    parse_file(path)  # warm-up (imports, page cache)
    start = time.perf_counter()
    info = parse_file(path)
    elapsed = time.perf_counter() - start
    assert info.errors == []
    video = info.tracks[0]
    assert video.sample_count == n and len(video.keyframe_times) == n // 30
    assert video.keyframe_times[1] == pytest.approx(30 * 1001 / 30000)
    assert elapsed < 0.1, f"moov parse took {elapsed * 1000:.1f} ms"


# ------------------------------------------------------------------------------------------ synthetic


def test_synthetic_file_fields() -> None:
    info = parse_bytes(synthetic_mp4())
    assert info.errors == []
    assert info.layout == (
        "ftyp,free,mdat,moov[mvhd,trak[tkhd,edts,mdia],trak[tkhd,mdia],trak[tkhd,mdia],"
        "udta[©day,©xyz,©mak,©nam,FIRM,XMP_,meta],meta[hdlr,ilst]],uuid"
    )
    assert info.brands == ["isom", "iso2", "avc1", "mp41"] and info.minor_version == 512
    times = dict(info.timestamps)
    assert times["mvhd.creation_time"] == "2021-05-04T03:02:01Z"
    assert times["mvhd.modification_time"] == "2021-05-04T03:03:01Z"
    assert times["trak1.tkhd.creation_time"] == "2021-05-04T03:02:01Z"
    assert times["trak1.mdhd.modification_time"] == "2021-05-04T03:02:01Z"
    assert times["trak2.tkhd.creation_time"] == "1904-01-01T00:00:00Z"  # zero is reported as is
    assert [f for f, _ in info.timestamps][:6] == [
        "mvhd.creation_time",
        "mvhd.modification_time",
        "trak1.tkhd.creation_time",
        "trak1.tkhd.modification_time",
        "trak1.mdhd.creation_time",
        "trak1.mdhd.modification_time",
    ]
    assert info.movie_timescale == 1000 and info.movie_duration == pytest.approx(0.9)

    video, gpmd, tmcd = info.tracks
    assert video.rotation == 90 and not video.mirrored
    assert video.matrix[:2] == [0.0, 1.0]
    assert video.edits == [(0.5, None, 1.0), (0.9, pytest.approx(200 / 3000), 1.0)]
    assert video.codec == "avc1" and video.compressor_name == "TestCam encoder"
    assert video.handler_name == "Test Video" and video.language == "eng"
    assert video.sample_count == 9
    # sync samples 1 and 8: dts 0 and 700, cts offsets 200 and 200 -> pts 200, 900;
    # minus media_time 200, / 3000, plus the 0.5 s empty edit
    assert approx_list(video.keyframe_times, [0.5, 0.5 + 700 / 3000])
    assert gpmd.codec == "gpmd" and gpmd.handler_type == "meta" and info.gpmd
    assert tmcd.handler_type == "tmcd" and tmcd.keyframe_times == []

    tags = info.tags
    assert tags["©day"] == "2021-05-04T05:02:01+0200"
    assert tags["©xyz"] == "+48.8584+002.2945/"
    assert tags["©mak"] == "Acme"
    assert tags["©nam"] == "café"  # Macintosh language code, UTF-8 text
    assert tags["FIRM"] == "HD5.02.02.51.00"
    assert tags["com.apple.quicktime.creationdate"] == "2021-05-04T05:02:01+0200"
    assert tags["com.android.capture.fps"] == pytest.approx(30.0)
    assert tags["com.example.signed"] == -5
    assert tags["com.example.unsigned"] == 4000000000
    assert tags["©too"] == "Lavf60.3.100"

    assert len(info.xmp) == 2 and "xmpmeta" in info.xmp[0]
    assert info.xmp_fields["xmp:CreateDate"] == "2019-07-01T10:00:00+02:00"
    assert info.xmp_fields["xmp:ModifyDate"] == "2019-07-02T11:00:00+02:00"
    assert info.xmp_fields["xmp:CreatorTool"] == "Adobe Premiere Pro 2019"
    assert info.xmp_fields["photoshop:DateCreated"] == "2019-07-01"
    assert info.xmp_fields["exif:DateTimeOriginal"] == "2019-06-30T09:00:00"
    assert info.xmp_history[:2] == [
        {
            "stEvt:action": "created",
            "stEvt:when": "2019-07-01T10:00:00+02:00",
            "stEvt:softwareAgent": "Adobe Premiere Pro 2019",
        },
        {
            "stEvt:action": "saved",
            "stEvt:when": "2019-07-02T11:00:00+02:00",
            "stEvt:softwareAgent": "Adobe Media Encoder",
        },
    ]
    json.dumps(info.to_dict())  # JSON-friendly


def test_synthetic_moov_first_same_result() -> None:
    a = parse_bytes(synthetic_mp4()).to_dict()
    b = parse_bytes(synthetic_mp4(moov_first=True)).to_dict()
    assert a.pop("layout") != b.pop("layout")
    assert a == b


def test_no_stss_means_every_sample_is_sync() -> None:
    trak = video_trak(timescale=25, stts_rows=[(5, 1)])
    info = parse_bytes(ftyp() + box(b"moov", mvhd(0, 0, 1000, 200) + trak))
    assert approx_list(info.tracks[0].keyframe_times, [0.0, 0.04, 0.08, 0.12, 0.16])


def test_version1_boxes_and_mirror() -> None:
    big = unix_to_1904(4102444800)  # 2100-01-01T00:00:00Z, written in version 1 (64-bit) boxes
    trak = box(
        b"trak",
        tkhd(7, big, big, 1000, 1920, 1080, matrix(-1, 0, 0, 1), version=1)
        + box(b"mdia", mdhd(big, big, 600, 600, version=1) + hdlr(b"vide", b"Core Media", pascal=True)),
    )
    info = parse_bytes(ftyp(b"qt  ", (b"qt  ",)) + box(b"moov", mvhd(big, big, 600, 600, version=1) + trak))
    assert info.errors == []
    assert info.container == "mov"
    assert dict(info.timestamps)["trak1.mdhd.creation_time"] == "2100-01-01T00:00:00Z"
    track = info.tracks[0]
    assert track.track_id == 7 and track.mirrored and track.rotation == 0
    assert track.handler_name == "Core Media"
    assert (track.width, track.height) == (1920, 1080)


def test_absurd_time_is_skipped() -> None:
    info = parse_bytes(ftyp() + box(b"moov", mvhd(2**63, 0, 1000, 0, version=1)))
    fields = [f for f, _ in info.timestamps]
    assert "mvhd.creation_time" not in fields and "mvhd.modification_time" in fields
    assert any("out of range" in e for e in info.errors)


def test_iso_meta_with_keys_and_xml() -> None:
    meta = mdta_meta([("com.android.version", 1, b"13")], iso=True)
    xml = full(b"xml ", xmp_packet())
    heif_meta = full(b"meta", hdlr(b"pict") + box(b"pitm", b"\0\0\0\0\0\x01") + xml)
    data = ftyp(b"heic", (b"mif1", b"heic")) + heif_meta + box(b"moov", meta) + box(b"mdat")
    info = parse_bytes(data)
    assert info.container == "heif"
    assert info.tags["com.android.version"] == "13"
    assert len(info.xmp) == 1 and info.xmp_fields["xmp:CreatorTool"] == "Adobe Premiere Pro 2019"
    assert info.layout.startswith("ftyp,meta[hdlr,pitm,xml ],moov[meta[hdlr,keys,ilst]]")


def test_hostile_xmp_is_ignored() -> None:
    doctype = b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa">]><x:xmpmeta xmlns:x="adobe:ns:meta/"/>'
    broken = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF"
    data = ftyp() + box(b"uuid", XMP_UUID + doctype) + box(b"uuid", XMP_UUID + broken)
    info = parse_bytes(data)
    assert len(info.xmp) == 2
    assert info.xmp_fields == {} and info.xmp_history == []
    assert any("DOCTYPE" in e for e in info.errors) and any("malformed XMP" in e for e in info.errors)


def test_looks_like_isobmff() -> None:
    assert looks_like_isobmff(ftyp()[:12])
    assert looks_like_isobmff(b"\0\0\0\x08wide\0\0\0\x10mdat")
    assert looks_like_isobmff(b"\0\0\x10\x00moov\0\0\0\x6cmvhd")
    for t in (b"mdat", b"free", b"skip", b"pnot"):
        assert looks_like_isobmff(struct.pack(">I", 16) + t + b"\0" * 8)
    assert not looks_like_isobmff(b"")
    assert not looks_like_isobmff(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01")
    assert not looks_like_isobmff(b"RIFF\x24\x00\x00\x00AVI LIST")
    assert not looks_like_isobmff(b"\x1aE\xdf\xa3\x93B\x82\x88matroska")
    assert not looks_like_isobmff(b"\0\0\0\x04ftypisom")  # size smaller than a header


@pytest.mark.parametrize(
    "data", [b"", b"\0" * 7, b"hello world, not a video", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"\0" * 64]
)
def test_not_isobmff_raises(data: bytes, tmp_path: Path) -> None:
    with pytest.raises(IsoBmffError):
        parse_bytes(data)
    path = tmp_path / "x.bin"
    path.write_bytes(data)
    with pytest.raises(ValueError) as excinfo:
        parse_file(path)
    assert isinstance(excinfo.value, IsoBmffError)


# ------------------------------------------------------------------------------------------ hostile


def safe_parse(data: bytes, **limits: int) -> IsoInfo | None:
    start = time.perf_counter()
    try:
        info: IsoInfo | None = parse_bytes(data, **limits)
    except IsoBmffError:
        info = None
    assert time.perf_counter() - start < 2.0
    if info is not None:
        json.dumps(info.to_dict())
    return info


def test_truncated_at_every_7th_byte() -> None:
    data = synthetic_mp4(moov_first=True)
    moov_end = data.find(b"mdat") - 4
    for n in range(0, len(data), 7):
        info = safe_parse(data[:n])
        if n < 8:
            assert info is None
            continue
        assert info is not None
        if 44 < n < moov_end:
            assert info.errors, n  # cut inside the moov: something must be reported
    full_info = parse_bytes(data)
    cut = parse_bytes(data[: moov_end - 3])
    assert cut.moov_found and cut.timestamps[:2] == full_info.timestamps[:2]
    assert any("truncated" in e for e in cut.errors)


def test_size_zero_box_runs_to_end() -> None:
    data = ftyp() + box(b"moov", mvhd(T_2021, T_2021)) + struct.pack(">I4s", 0, b"mdat") + b"\x01" * 1000
    info = parse_bytes(data)
    assert info.errors == [] and info.mdat_found and info.layout == "ftyp,moov[mvhd],mdat"
    moov_zero = ftyp() + struct.pack(">I4s", 0, b"moov") + mvhd(T_2021, T_2021)
    info = parse_bytes(moov_zero)
    assert info.errors == [] and dict(info.timestamps)["mvhd.creation_time"] == "2021-05-04T03:02:01Z"


def test_largesize() -> None:
    payload = b"\x02" * 100
    ok = ftyp() + struct.pack(">I4sQ", 1, b"mdat", 16 + len(payload)) + payload + box(b"free")
    info = parse_bytes(ok)
    assert info.errors == [] and info.layout == "ftyp,mdat,free"
    huge = ftyp() + struct.pack(">I4sQ", 1, b"mdat", 2**64 - 1) + payload
    info = parse_bytes(huge)
    assert info.mdat_found and any("truncated" in e for e in info.errors)
    small = ftyp() + struct.pack(">I4sQ", 1, b"free", 9) + payload
    info = parse_bytes(small)
    assert any("smaller than its header" in e for e in info.errors)
    cut = ftyp() + struct.pack(">I4s", 1, b"mdat") + b"\0\0"
    assert any("largesize" in e for e in parse_bytes(cut).errors)


@pytest.mark.parametrize("size", [2, 4, 7])
def test_size_smaller_than_header(size: int) -> None:
    data = ftyp() + struct.pack(">I4s", size, b"free") + box(b"moov", mvhd(0, 0))
    info = parse_bytes(data)
    assert not info.moov_found
    assert any("smaller than its header" in e for e in info.errors)
    inner = ftyp() + box(b"moov", mvhd(0, 0) + struct.pack(">I4s", size, b"trak") + b"\0" * 20)
    info = parse_bytes(inner)
    assert info.moov_found and info.tracks == []
    assert any("smaller than its header" in e for e in info.errors)


def test_child_exceeding_parent() -> None:
    trak = struct.pack(">I4s", 10_000, b"trak") + tkhd(1, T_2021, T_2021, 100, 10, 10)
    info = parse_bytes(ftyp() + box(b"moov", mvhd(0, 0) + trak) + box(b"mdat"))
    assert any("trak" in e and "truncated" in e for e in info.errors)
    assert dict(info.timestamps)["trak1.tkhd.creation_time"] == "2021-05-04T03:02:01Z"
    assert info.mdat_found  # the top level continues after the moov


def test_garbage_after_boxes() -> None:
    info = parse_bytes(ftyp() + box(b"free") + b"\x01\x02\x03")
    assert any("trailing" in e for e in info.errors)
    info = parse_bytes(ftyp() + box(b"free") + b"\x00\x00\x00\x10\x01\x02\x03\x04" + b"\0" * 8)
    assert any("implausible box type" in e for e in info.errors)


@pytest.mark.parametrize("typ", [b"moov", b"udta", b"trak", b"meta", b"abcd"])
def test_deep_nesting(typ: bytes) -> None:
    inner = mvhd(0, 0)
    for _ in range(1000):
        inner = box(typ, inner)
    data = ftyp() + box(b"moov", inner)
    info = safe_parse(data)
    assert info is not None and info.moov_found
    assert info.layout.count("[") <= 3
    safe_parse(data, max_depth=4)


def test_many_tiny_boxes() -> None:
    tiny = b"\0\0\0\x08free" * 100_000
    start = time.perf_counter()
    info = parse_bytes(ftyp() + tiny + box(b"moov", mvhd(0, 0)))
    assert time.perf_counter() - start < 2.0
    assert info.box_count == 100_000 and not info.moov_found
    assert any("box limit" in e for e in info.errors)
    assert len(info.layout) < 3000 and info.layout.endswith(")")
    info = parse_bytes(ftyp() + box(b"moov", tiny + mvhd(0, 0)), max_boxes=1000)
    assert info.box_count == 1000 and any("box limit" in e for e in info.errors)
    info = parse_bytes(ftyp() + box(b"moov", tiny))
    assert any("box limit" in e for e in info.errors)


def test_max_payload_limits_reads() -> None:
    data = synthetic_mp4()
    info = parse_bytes(data, max_payload=64)
    assert any("max_payload" in e for e in info.errors)
    json.dumps(info.to_dict())


def test_file_moov_larger_than_max_payload(tmp_path: Path) -> None:
    """A moov bigger than max_payload is walked in place (seek + read per box) with the same result."""
    data = synthetic_mp4()
    path = tmp_path / "synthetic.mp4"
    path.write_bytes(data)
    small = parse_file(path, max_payload=2048)
    assert small.to_dict() == parse_bytes(data).to_dict()
    tiny = parse_file(path, max_payload=40)
    assert tiny.moov_found and any("max_payload" in e for e in tiny.errors)


def test_huge_declared_counts() -> None:
    stts = full(b"stts", struct.pack(">III", 1, 0xFFFFFFFF, 1))
    ctts = full(b"ctts", struct.pack(">III", 0xFFFFFFFF, 1, 5))
    stss = full(b"stss", struct.pack(">II", 0xFFFFFFFF, 1))
    elst_box = box(b"edts", full(b"elst", struct.pack(">I", 0xFFFFFFFF)))
    keys = full(b"keys", struct.pack(">I", 0xFFFFFFFF))
    stbl = box(b"stbl", stsd() + stts + ctts + stss + full(b"stsz", struct.pack(">II", 0, 0xFFFFFFFF)))
    mdia = box(b"mdia", mdhd(0, 0, 1, 1) + hdlr(b"vide") + box(b"minf", stbl))
    trak = box(b"trak", tkhd(1, 0, 0, 1, 1, 1) + elst_box + mdia)
    moov = box(b"moov", mvhd(0, 0) + trak * 5 + box(b"udta", box(b"meta", hdlr(b"mdta") + keys)))
    start = time.perf_counter()
    info = parse_bytes(ftyp() + moov)
    assert time.perf_counter() - start < 5.0
    assert info.errors
    assert len(info.tracks) == 5


def _mutations(seed: int, data: bytes, rounds: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(rounds):
        buf = bytearray(data)
        for _ in range(rng.randint(1, 12)):
            pos = rng.randrange(len(buf))
            if rng.random() < 0.5:
                buf[pos] ^= 1 << rng.randrange(8)
            else:
                buf[pos] = rng.choice([0, 1, 0xFF, 0x7F, 0x80, rng.randrange(256)])
        if rng.random() < 0.2:
            buf = buf[: rng.randrange(len(buf))]
        out.append(bytes(buf))
    return out


def test_random_byte_flips() -> None:
    for data in (synthetic_mp4(), synthetic_mp4(moov_first=True)):
        for mutated in _mutations(1234, data, 300):
            safe_parse(mutated)


def test_random_byte_flips_ffmpeg_file(basic: Path) -> None:
    data = basic.read_bytes()
    moov = data.find(b"moov") - 4
    head = data[:32] + data[moov:]  # skip the mdat payload: flips there are never read
    for mutated in _mutations(99, head, 200):
        safe_parse(mutated)


FTYP = ftyp()


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from([b"", FTYP, FTYP + b"\0\0\0\x08free", b"\0\0\0\x00moov"]),
    body=st.binary(max_size=1024),
)
def test_fuzz_parse_bytes(prefix: bytes, body: bytes) -> None:
    safe_parse(prefix + body)


SYNTH = synthetic_mp4()


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(st.tuples(st.integers(0, len(SYNTH) - 1), st.integers(0, 255)), max_size=8),
    cut=st.integers(8),
)
def test_fuzz_structured(edits: list[tuple[int, int]], cut: int) -> None:
    buf = bytearray(SYNTH)
    for pos, value in edits:
        buf[pos] = value
    safe_parse(bytes(buf[:cut]))


# ------------------------------------------------------------------------------------------ corpus


def _corpus() -> Path | None:
    env = os.environ.get("VIDVERIFY_CORPUS")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "corpus")
    return next((c for c in candidates if c.is_dir()), None)


def corpus_file(rel: str) -> Path:
    root = _corpus()
    if root is None or not (root / rel).is_file():
        pytest.skip(f"corpus file {rel} not available")
    return root / rel


@pytest.mark.corpus
def test_corpus_gopro_karma() -> None:
    info = parse_file(corpus_file("gpmf/karma.mp4"))
    assert info.errors == []
    assert dict(info.timestamps)["mvhd.creation_time"] == "2017-04-17T19:27:57Z"
    assert info.gpmd
    assert any(t.handler_type == "tmcd" for t in info.tracks)
    assert any(t.codec == "gpmd" for t in info.tracks)
    assert str(info.tags.get("FIRM", "")).startswith("HD5")
    video = info.video_track
    assert video is not None and video.codec == "avc1" and (video.width, video.height) == (854, 480)
    assert video.keyframe_times[0] == 0.0


@pytest.mark.corpus
def test_corpus_delayed_start() -> None:
    info = parse_file(corpus_file("pyscenedetect/delayed_start.mp4"))
    video = info.video_track
    assert video is not None
    assert video.edits[0][1] is None and video.edits[0][0] == pytest.approx(1.075)
    assert video.keyframe_times[0] == pytest.approx(1.075)
    assert dict(info.timestamps)["mvhd.creation_time"] == "1904-01-01T00:00:00Z"


@pytest.mark.corpus
def test_corpus_exiftool_quicktime() -> None:
    info = parse_file(corpus_file("exiftool/files/QuickTime.mov"))
    times = dict(info.timestamps)
    assert times["mvhd.creation_time"] == "2005-08-11T14:03:54Z"
    assert times["mvhd.modification_time"] == "2010-07-30T15:43:59Z"
    assert info.container == "mov"
    assert info.tags["©day"] == "2010"
    assert info.tags["©fmt"] == "Digital Camera"
    assert info.xmp_fields["xmp:MetadataDate"] == "2008-09-12T11:17:39-04:00"
    video = info.video_track
    assert video is not None and (video.width, video.height) == (320, 240)
    assert video.avg_frame_rate == pytest.approx(30.0)


@pytest.mark.corpus
def test_corpus_all_isobmff_files_parse() -> None:
    root = _corpus()
    if root is None:
        pytest.skip("corpus not available")
    count = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.stat().st_size < 12:
            continue
        with open(path, "rb") as fh:
            head = fh.read(16)
        if not looks_like_isobmff(head):
            continue
        info = parse_file(path)
        assert info.moov_found, path
        count += 1
    assert count >= 5


@pytest.mark.corpus
def test_corpus_keyframes_match_pyav() -> None:
    """Keyframe times from the sample tables equal the demuxer's (libavformat applies the same edit list)."""
    av = pytest.importorskip("av")
    root = _corpus()
    if root is None:
        pytest.skip("corpus not available")
    checked = 0
    for path in sorted(root.rglob("*.mp4")):
        video = parse_file(path).video_track
        if video is None:
            continue
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            truth = sorted(
                float(p.pts * stream.time_base)
                for p in container.demux(stream)
                if p.is_keyframe and p.pts is not None
            )
        assert approx_list(video.keyframe_times, truth, tol=1e-3), path.name
        checked += 1
    assert checked >= 5
