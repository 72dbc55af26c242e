"""timeline: each finding code fires when it should and a clean case raises nothing at warning or above.

Hand-built MediaInfo objects cover the rules exhaustively and fast; the last part runs the same codes on real
files: stream copies of one generated clip with rewritten metadata and yt-dlp sidecars, read back by probe (and by
scan for the group codes), where a clean control raises nothing at warning or above.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vidverify.evidence import codes as catalogue
from vidverify.evidence.timeline import Policy, file_findings, group_findings, when
from vidverify.media.probe import probe
from vidverify.models import (
    GPS,
    Claims,
    Edit,
    FileRef,
    Finding,
    Match,
    MediaInfo,
    Segment,
    Timestamp,
    Writer,
    at_or_above,
)
from vidverify.pipeline.scanning import ScanOptions as Options
from vidverify.pipeline.scanning import scan
from vidverify.testing import synth

NOW = Policy(now="2026-11-28T12:00:00Z")
CAMERA = Writer("Apple iPhone", "camera", True, 0.9)
FFMPEG = Writer("FFmpeg (Lavf)", "ffmpeg", False, 0.9)


def info(path: str = "a.mov", *, stamps: tuple[tuple[str, str, str | None], ...] = (), created: int | None = 0,
         make: str | None = "Apple", gps: GPS | None = None, writer: Writer | None = CAMERA,
         claims: Claims | None = None, duration: float = 10.0) -> MediaInfo:
    ts = tuple(Timestamp(f, v, z) for f, v, z in stamps)
    best = ts[created] if created is not None and ts else None
    return MediaInfo(path=path, kind="video", duration=duration, timestamps=ts,
                     created=best.value if best else None, created_source=best.field if best else None,
                     timezone=best.timezone if best else None, make=make, model="iPhone 15 Pro" if make else None,
                     gps=gps, writer=writer, claims=claims)


IPHONE = (
    ("com.apple.quicktime.creationdate", "2026-03-14T09:26:53-04:00", "-04:00"),
    ("mvhd.creation_time", "2026-03-14T13:26:53Z", "Z"),
    ("container creation_time", "2026-03-14T13:26:53.000000Z", "Z"),
)
LIBERTY = GPS(40.6892, -74.0445, 10.0, "ISO 6709")


def codes(findings: list[Finding]) -> list[str]:
    return sorted(f.code for f in findings)


def test_clean_control_raises_nothing_at_warning_or_above() -> None:
    c = Claims(source="a.info.json", upload_time="2026-03-14T15:02:11Z", claimed_time="2026-03-14",
               claimed_place="40.70,-74.02")
    fs = file_findings(info(stamps=IPHONE, gps=LIBERTY, claims=c), NOW)
    assert at_or_above(fs, "warning") == []
    assert fs == []


def test_local_time_written_as_utc_is_a_timezone_inconsistency() -> None:
    stamps = (IPHONE[0], ("mvhd.creation_time", "2026-03-14T09:26:53Z", "Z"))
    [f] = file_findings(info(stamps=stamps), NOW)
    assert f.code == "timezone-inconsistent" and f.severity == "warning"
    assert f.evidence["difference_hours"] in (4.0, -4.0)
    assert "wall-clock" in f.message and "mvhd.creation_time" in f.message


def test_gps_time_an_hour_off_is_a_timezone_inconsistency() -> None:
    stamps = (("EXIF DateTimeOriginal", "2026-03-14T10:26:53+01:00", "+01:00"),
              ("EXIF GPSDateTime", "2026-03-14T08:26:53Z", "Z"))
    [f] = file_findings(info(stamps=stamps), NOW)
    assert f.code == "timezone-inconsistent" and f.evidence["against_gps"] is True


def test_fields_days_apart_are_a_capture_time_mismatch() -> None:
    stamps = (IPHONE[0], ("mvhd.creation_time", "2026-03-17T14:33:10Z", "Z"))
    [f] = file_findings(info(stamps=stamps), NOW)
    assert f.code == "capture-time-mismatch" and f.severity == "warning"


def test_local_time_of_unknown_zone_is_matched_by_some_zone_or_flagged() -> None:
    near = (("EXIF DateTimeOriginal", "2026-03-14T21:26:53", None), ("mvhd.creation_time", "2026-03-14T13:26:53Z", "Z"))
    assert file_findings(info(stamps=near), NOW) == []  # UTC+8 reconciles them
    far = (("EXIF DateTimeOriginal", "2026-03-16T09:00:00", None), ("mvhd.creation_time", "2026-03-14T13:26:53Z", "Z"))
    [f] = file_findings(info(stamps=far), NOW)
    assert f.code == "capture-time-mismatch" and "any time zone" in f.message


def test_end_of_recording_stamp_is_within_tolerance() -> None:
    # some writers stamp the end of the recording: 9 minutes later on a 10-minute clip is fine
    stamps = (("com.apple.quicktime.creationdate", "2026-03-14T09:26:53-04:00", "-04:00"),
              ("mvhd.creation_time", "2026-03-14T13:35:53Z", "Z"))
    assert file_findings(info(stamps=stamps, duration=600.0), NOW) == []
    assert codes(file_findings(info(stamps=stamps, duration=60.0), NOW)) == ["capture-time-mismatch"]


def test_future_date() -> None:
    fs = file_findings(info(stamps=(("mvhd.creation_time", "2031-01-01T00:00:00Z", "Z"),)), NOW)
    assert codes(fs) == ["future-date"] and fs[0].severity == "error"
    # a local time is only in the future if it is for every zone
    soon = (("EXIF DateTimeOriginal", "2026-11-28T20:00:00", None),)
    assert file_findings(info(stamps=soon), NOW) == []


def test_placeholder_dates_and_stripped_metadata() -> None:
    stamps = (("mvhd.creation_time", "1904-01-01T00:00:00Z", "Z"), ("mdhd.creation_time", "1970-01-01T00:00:00Z", "Z"))
    fs = file_findings(info(stamps=stamps, created=None, make=None, writer=FFMPEG), NOW)
    assert codes(fs) == ["metadata-stripped", "placeholder-date", "reencoded"]
    ph = next(f for f in fs if f.code == "placeholder-date")
    assert ph.severity == "info" and len(ph.evidence["fields"]) == 2


def test_a_reencoders_creation_time_does_not_hide_stripped_metadata() -> None:
    stamps = (("mvhd.creation_time", "2026-03-14T15:02:11Z", "Z"),)
    fs = file_findings(info(stamps=stamps, make=None, writer=FFMPEG), NOW)
    assert "metadata-stripped" in codes(fs)
    # the same time in a camera original is a capture time: nothing was stripped
    assert "metadata-stripped" not in codes(file_findings(info(stamps=stamps, make=None), NOW))


def test_capture_after_upload_single_file() -> None:
    c = Claims(upload_time="2026-03-10T18:40:00Z")
    [f] = file_findings(info(stamps=IPHONE, claims=c), NOW)
    assert f.code == "capture-after-upload" and f.severity == "error"
    assert f.evidence["upload"]["value"] == "2026-03-10T18:40:00Z"
    # an upload date alone covers its whole day in every zone
    same_day = Claims(upload_time="2026-03-14")
    assert file_findings(info(stamps=IPHONE, claims=same_day), NOW) == []


def test_claimed_time_far_from_the_recorded_one() -> None:
    c = Claims(claimed_time="2026-03-19")
    [f] = file_findings(info(stamps=IPHONE, claims=c), NOW)
    assert f.code == "capture-time-mismatch" and f.severity == "error"


def test_place_mismatch() -> None:
    c = Claims(claimed_place="38.7223,-9.1393")  # Lisbon
    [f] = file_findings(info(stamps=IPHONE, gps=LIBERTY, claims=c), NOW)
    assert f.code == "place-mismatch" and 5_300_000 < f.evidence["distance_m"] < 5_500_000


def _named(text: str) -> Claims:
    from tests.evidence.test_placenames import G

    return Claims(source="claims.yaml", claimed_place=text, claimed_place_lookup=G.lookup(text))


def test_a_place_name_is_compared_like_coordinates() -> None:
    """Issue 16 item 7: "Kyiv, Ukraine" in a claims file is compared with the GPS, with what it was taken to be."""
    [f] = file_findings(info(stamps=IPHONE, gps=LIBERTY, claims=_named("Kyiv, Ukraine")), NOW)
    assert f.code == "place-mismatch" and f.severity == "warning" and f.evidence["claimed_place"] == "Kyiv, Ukraine"
    place = f.evidence["place"]
    assert (place["name"], place["geonameid"], f.evidence["candidates"]) == ("Kyiv", 703448, 1)
    assert f.evidence["tolerance_m"] == pytest.approx(place["radius_m"] + NOW.place_tolerance_m)
    assert 7_400_000 < f.evidence["distance_m"] < 7_600_000 and f.evidence["gazetteer"] == "test data"
    assert "Kyiv (UA-12, GeoNames 703448" in f.message
    # 20 km from Kyiv's point is within a city of 3 million people (coordinates there would be 5 km at most)
    near = GPS(50.45466 + 20 / 111.2, 30.5238, None, "test")
    assert file_findings(info(stamps=IPHONE, gps=near, claims=_named("Kyiv, Ukraine")), NOW) == []
    assert codes(file_findings(info(stamps=IPHONE, gps=near, claims=Claims(claimed_place="50.45466,30.5238")),
                               NOW)) == ["place-mismatch"]


def test_a_name_of_several_places_is_contradicted_only_far_from_all() -> None:
    in_texas = GPS(33.67, -95.54, None, "test")
    assert file_findings(info(stamps=IPHONE, gps=in_texas, claims=_named("Paris")), NOW) == []
    assert codes(file_findings(info(stamps=IPHONE, gps=in_texas, claims=_named("Paris, France")), NOW)) == \
        ["place-mismatch"]
    [f] = file_findings(info(stamps=IPHONE, gps=LIBERTY, claims=_named("Paris")), NOW)
    assert f.evidence["candidates"] == 2 and f.evidence["place"]["geonameid"] == 4717560  # the nearer Paris
    assert "the nearest of the 2 places named 'Paris'" in f.message


@pytest.mark.parametrize(("text", "status"), [("Pariss", "unknown"), ("Ukraine", "too-coarse"),
                                               ("Kyiv, Russia", "unknown")])
def test_a_name_that_cannot_be_placed_is_said_not_compared(text: str, status: str) -> None:
    [f] = file_findings(info(stamps=IPHONE, gps=LIBERTY, claims=_named(text)), NOW)
    assert (f.code, f.severity, f.evidence["status"], f.evidence["claimed_place"]) == \
        ("place-not-compared", "info", status, text)
    assert f"the claimed place {text!r} was not compared with any GPS" in f.message
    # without GPS anywhere it is still said, so the claim is never skipped silently
    [f] = file_findings(info(stamps=IPHONE, claims=_named(text)), NOW)
    assert f.code == "place-not-compared"
    # a name put into Claims by hand, never looked up
    [f] = file_findings(info(stamps=IPHONE, gps=LIBERTY, claims=Claims(claimed_place=text)), NOW)
    assert f.code == "place-not-compared" and f.evidence["status"] == "not-looked-up"


def test_a_copy_without_gps_is_compared_by_name_with_the_group() -> None:
    original = info("IMG.MOV", stamps=IPHONE, gps=LIBERTY)
    upload = info("claimed.mp4", stamps=(), created=None, make=None, writer=FFMPEG, claims=_named("Kyiv, Ukraine"))
    [f] = [f for f in group_findings([original, upload], (), NOW) if f.code == "place-mismatch"]
    assert f.paths == ("claimed.mp4", "IMG.MOV") and f.evidence["place"]["geonameid"] == 703448
    assert f.evidence["gps_path"] == "IMG.MOV" and "km allowed" in f.message
    assert not [f for f in group_findings([original, info("c.mp4", stamps=(), created=None, make=None,
                                                          writer=FFMPEG, claims=_named("New York, NY"))], (), NOW)
                if f.code == "place-mismatch"]


def _match(a: str, b: str, edits: tuple[Edit, ...] = (), verdict: str = "same-footage",
           cov: tuple[float, float] = (1.0, 1.0)) -> Match:
    return Match(FileRef(a), FileRef(b), verdict, 0.9, {"a": cov[0], "b": cov[1]},
                 (Segment(0, 10, 0, 10),), edits)


def test_group_recycled_footage_and_capture_after_upload() -> None:
    original = info("IMG.MOV", stamps=IPHONE)
    early = info("early.mp4", stamps=(), created=None, make=None, writer=FFMPEG,
                 claims=Claims(upload_time="2026-03-10T18:40:00Z"))
    claimed = info("tiktok.mp4", stamps=(), created=None, make=None, writer=FFMPEG,
                   claims=Claims(upload_time="2026-03-20T08:15:00Z", claimed_time="2026-03-19"))
    fs = group_findings([original, early, claimed], (), NOW)
    cau = [f for f in fs if f.code == "capture-after-upload"]
    assert len(cau) == 1 and cau[0].paths == ("IMG.MOV", "early.mp4")
    assert "not taken as evidence of when the footage first existed" in cau[0].message
    rec = [f for f in fs if f.code == "recycled-footage" and f.severity == "error"]
    assert len(rec) == 1 and rec[0].paths[0] == "tiktok.mp4"
    assert rec[0].evidence["first_seen"]["field"] == "com.apple.quicktime.creationdate"
    # 10 days after early.mp4's upload, but that upload is before the capture: the footage is known from the
    # capture on, 5.8 days before tiktok.mp4's upload, within --recycled-after (7 days)
    assert not [f for f in fs if f.code == "recycled-footage" and f.severity == "warning"]
    late = info("late.mp4", stamps=(), created=None, make=None, writer=FFMPEG,
                claims=Claims(upload_time="2026-03-25T08:15:00Z"))
    [w] = [f for f in group_findings([original, early, late], (), NOW) if f.code == "recycled-footage"]
    assert w.severity == "warning" and w.paths == ("late.mp4", "IMG.MOV")
    assert w.evidence["first_seen"]["field"] == "com.apple.quicktime.creationdate"


def test_a_time_before_the_device_capture_is_not_first_seen_evidence() -> None:
    """Issue 16 item 8: early.mp4's sidecar says it was uploaded before IMG.MOV's device recorded the footage.
    That date is impossible (capture-after-upload), so recycled-footage is raised against the capture, not against
    the impossible upload, and says which time it did not count and why."""
    original = info("IMG.MOV", stamps=IPHONE)  # captured 2026-03-14 13:26:53Z
    early = info("early.mp4", stamps=(), created=None, make=None, writer=FFMPEG,
                 claims=Claims(source="early.info.json", upload_time="2026-03-01T12:00:00Z"))
    claimed = info("claimed.mp4", stamps=(), created=None, make=None, writer=FFMPEG,
                   claims=Claims(upload_time="2026-04-01T12:00:00Z"))
    fs = group_findings([original, early, claimed], (), NOW)
    [w] = [f for f in fs if f.code == "recycled-footage"]
    assert w.paths == ("claimed.mp4", "IMG.MOV") and w.evidence["first_seen_path"] == "IMG.MOV"
    assert w.evidence["days_earlier"] == pytest.approx(17.94, abs=0.01)  # from the capture, not 31 from early
    [x] = w.evidence["excluded"]
    assert x == {"time": {"field": "claims.upload_time (early.info.json)", "value": "2026-03-01T12:00:00Z",
                          "timezone": "Z"}, "path": "early.mp4", "contradicts": {
                 "field": "com.apple.quicktime.creationdate", "value": "2026-03-14T09:26:53-04:00",
                 "timezone": "-04:00"}, "capture_path": "IMG.MOV"}
    assert "not counted: claims.upload_time (early.info.json) 2026-03-01T12:00:00Z of early.mp4" in w.message
    assert not any("early.mp4" in f.paths for f in fs if f.code == "recycled-footage")
    # a creation time written by a re-encoder before the capture is impossible too
    written = info("early.mp4", stamps=(("mvhd.creation_time", "2026-03-02T10:00:00Z", "Z"),), make=None,
                   writer=FFMPEG)
    [w] = [f for f in group_findings([original, written, claimed], (), NOW) if f.code == "recycled-footage"]
    assert w.paths == ("claimed.mp4", "IMG.MOV") and w.evidence["excluded"][0]["time"]["field"] == \
        "mvhd.creation_time"
    # without the capture, nothing contradicts early.mp4's date: it is the first sighting
    [w] = [f for f in group_findings([early, claimed], (), NOW) if f.code == "recycled-footage"]
    assert w.paths == ("claimed.mp4", "early.mp4") and "excluded" not in w.evidence


def test_an_upload_before_its_own_capture_is_not_first_seen_evidence() -> None:
    # the member's own device capture contradicts its sidecar; the claim of another member is not judged by it
    own = info("IMG.MOV", stamps=IPHONE, claims=Claims(upload_time="2026-03-01T12:00:00Z"))
    other = info("news.mp4", stamps=(), created=None, make=None, writer=FFMPEG,
                 claims=Claims(claimed_time="2026-03-13"))
    fs = group_findings([own, other], (), NOW)
    assert not [f for f in fs if f.code == "recycled-footage"], fs
    assert "not taken as evidence" in next(f for f in file_findings(own, NOW)
                                           if f.code == "capture-after-upload").message


def test_group_capture_time_mismatch_ignores_reencoder_times() -> None:
    original = info("IMG.MOV", stamps=IPHONE)
    other_cam = info("other.MOV", stamps=(("mvhd.creation_time", "2026-03-18T10:00:00Z", "Z"),))
    reencode = info("yt.mp4", stamps=(("mvhd.creation_time", "2026-03-18T10:00:00Z", "Z"),), writer=FFMPEG)
    fs = group_findings([original, other_cam], (), NOW)
    assert codes(fs) == ["capture-time-mismatch"]
    assert group_findings([original, reencode], (), NOW) == []


def test_group_pair_findings_duplicate_and_edited() -> None:
    reenc = _match("A", "B", (Edit("reencode"), Edit("scale")))
    cut = _match("A", "C", (Edit("cut", 5, 7, 5, 5), Edit("reencode")), cov=(0.83, 1.0))
    same = Match(FileRef("A", "x"), FileRef("D", "x"), "identical", 1.0, {"a": 1.0, "b": 1.0})
    fs = group_findings([info("A"), info("B"), info("C"), info("D")], [reenc, cut, same], NOW)
    by = {f.paths[0]: f for f in fs}
    assert by["B"].code == "duplicate" and by["B"].evidence["kind"] == "re-encode"
    assert by["C"].code == "edited" and by["C"].evidence["edits"] == ["cut"] and by["C"].severity == "warning"
    assert by["D"].code == "duplicate" and by["D"].evidence["kind"] == "identical bytes"


def test_when_ranges() -> None:
    w = when("x", "2026-03-14T09:26:53-04:00")
    assert w is not None and w.exact and w.earliest.isoformat() == "2026-03-14T13:26:53+00:00"
    n = when("x", "2026-03-14T09:26:53")
    assert n is not None and not n.exact and (n.latest - n.earliest).total_seconds() == 28 * 3600
    d = when("x", "2026-03-14")
    assert d is not None and (d.latest - d.earliest).total_seconds() == (24 + 28) * 3600
    assert when("x", "not a date") is None


def test_findings_round_trip_and_sort() -> None:
    fs = file_findings(info(stamps=(("mvhd.creation_time", "2031-01-01T00:00:00Z", "Z"),
                                    ("mdhd.creation_time", "1904-01-01T00:00:00Z", "Z"))), NOW)
    ordered = catalogue.sort_findings(fs + fs)
    assert [f.severity for f in ordered] == ["error", "info"]
    assert all(Finding.from_dict(f.to_dict()) == f for f in ordered)
    assert catalogue.worst(ordered) == "error"


# ------------------------------------------------------------------------------ on real files

CAPTURE = "2026-03-14T13:26:53Z"  # 09:26:53 at UTC-4


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("findings")
    return synth.make_scene(d / "base.mp4", seconds=2.0, size=(320, 180), seed=5, audio=False)


def _codes(path: Path, policy: Policy = NOW) -> dict[str, str]:
    return {f.code: f.severity for f in file_findings(probe(path), policy)}


def test_clean_control_file(base: Path, tmp_path: Path) -> None:
    clip = synth.add_capture_metadata(base, tmp_path / "IMG_0001.MOV", creation_time=CAPTURE, local_offset="-04:00")
    synth.write_info_json(clip, upload_date="20260315")
    info = probe(clip)
    assert info.claims is not None and info.claims.upload_time == "2026-03-15T12:00:00Z"
    fs = file_findings(info, NOW)
    assert at_or_above(fs, "warning") == [], fs
    assert {f.code for f in fs} <= {"reencoded"}  # an honest verdict on a file that ffmpeg wrote


def test_local_wall_clock_written_with_utc_is_timezone_inconsistent(base: Path, tmp_path: Path) -> None:
    clip = synth.add_capture_metadata(base, tmp_path / "tz.MOV", creation_time=CAPTURE,
                                      creationdate="2026-03-14T13:26:53-0400")
    assert _codes(clip) == {"timezone-inconsistent": "warning", "reencoded": "info"}


def test_capture_fields_days_apart(base: Path, tmp_path: Path) -> None:
    clip = synth.add_capture_metadata(base, tmp_path / "apart.MOV", creation_time=CAPTURE,
                                      creationdate="2026-03-11T07:02:11-0400")
    assert _codes(clip)["capture-time-mismatch"] == "warning"


def test_future_date_in_a_file(base: Path, tmp_path: Path) -> None:
    clip = synth.add_capture_metadata(base, tmp_path / "future.MOV", creation_time="2031-06-01T10:00:00Z",
                                      local_offset="+02:00")
    assert _codes(clip)["future-date"] == "error"
    assert "future-date" not in _codes(clip, Policy(now="2032-01-01T00:00:00Z"))


def test_stripped_file_has_placeholder_dates(base: Path, tmp_path: Path) -> None:
    clip = synth.strip_metadata(base, tmp_path / "stripped.mp4")
    codes = _codes(clip)
    assert codes["placeholder-date"] == "info" and codes["metadata-stripped"] == "info"


def test_capture_after_upload_from_a_sidecar(base: Path, tmp_path: Path) -> None:
    clip = synth.add_capture_metadata(base, tmp_path / "late.MOV", creation_time=CAPTURE, local_offset="-04:00")
    synth.write_info_json(clip, upload_date="20260310")
    assert _codes(clip)["capture-after-upload"] == "error"


def test_group_codes_from_a_scan(base: Path, tmp_path: Path) -> None:
    folder = tmp_path / "case"
    original = synth.add_capture_metadata(base, folder / "IMG_0001.MOV", creation_time=CAPTURE,
                                          local_offset="-04:00")
    early = synth.reencode(base, folder / "early.mp4", crf=28)
    synth.write_info_json(early, upload_date="20260301", uploader="archive")
    claimed = synth.mirror(base, folder / "claimed.mp4")
    synth.write_info_json(claimed, upload_date="20260401", uploader="news")
    (folder / "claims.yaml").write_text('files:\n  claimed.mp4:\n    claimed_time: "2026-03-31"\n'
                                        '    claimed_place: "38.7223,-9.1393"\n')
    from vidverify.media.claims import read_claims_file

    r = scan([folder], options=Options(pictures=False, policy=NOW, claims=read_claims_file(folder / "claims.yaml")))
    assert len(r.groups) == 1 and r.groups[0].reference == str(original)
    found = {(f.code, f.severity, tuple(Path(p).name for p in f.paths)) for f in r.findings}
    assert ("capture-after-upload", "error", ("IMG_0001.MOV", "early.mp4")) in found
    assert ("recycled-footage", "error", ("claimed.mp4", "IMG_0001.MOV")) in found
    # early.mp4's upload (1 March) is before the capture (14 March): not first-seen evidence (issue 16 item 8)
    assert ("recycled-footage", "warning", ("claimed.mp4", "IMG_0001.MOV")) in found
    assert not any(f.code == "recycled-footage" and "early.mp4" in map(lambda p: Path(p).name, f.paths)
                   for f in r.findings)
    assert ("place-mismatch", "warning", ("claimed.mp4", "IMG_0001.MOV")) in found
    assert ("edited", "warning", ("claimed.mp4", "IMG_0001.MOV")) in found
    assert ("duplicate", "info", ("early.mp4", "IMG_0001.MOV")) in found


# ------------------------------------------------------------------------------------------ burnt-in clocks


def _clock(value: str) -> Any:
    w = when("burnt-in clock (10 readings)", value, None, "a.mov")
    assert w is not None and not w.exact  # a clock shows no zone: a local time
    return w


def test_a_dated_clock_against_the_capture_time_in_every_zone() -> None:
    from vidverify.evidence.timeline import clock_findings

    cam = info(stamps=(("mvhd.creation_time", "2026-03-14T13:26:53Z", "Z"),))
    assert clock_findings(cam, _clock("2026-03-14T09:26:53"), NOW) == []  # UTC-4: a zone explains it
    assert clock_findings(cam, _clock("2026-03-15T02:00:00"), NOW) == []  # 12.5 h: still some zone (UTC+12:33)
    [f] = clock_findings(cam, _clock("2026-03-15T13:26:53"), NOW)  # a day later: no zone explains 24 h
    assert f.code == catalogue.CLOCK_MISMATCH and f.severity == "warning" and "after the capture time" in f.message
    assert f.evidence["against"]["value"] == "2026-03-14T13:26:53Z" and f.evidence["clock"]["timezone"] is None
    assert f.evidence["beyond_any_zone_hours"] == 10.0 and f.evidence["tolerance_s"] == 130  # 120 s + 10 s long
    [f] = clock_findings(cam, _clock("2026-03-13T09:00:00"), NOW)  # earlier than any zone allows
    assert "before the capture time" in f.message


def test_a_clock_before_a_re_encoders_time_is_no_mismatch_but_after_it_is() -> None:
    from vidverify.evidence.timeline import clock_findings

    written = info(stamps=(("container creation_time", "2026-03-20T10:00:00Z", "Z"),), make=None, writer=FFMPEG)
    assert clock_findings(written, _clock("2026-03-14T09:26:53"), NOW) == []  # filmed, then written days later
    [f] = clock_findings(written, _clock("2026-03-22T10:00:00"), NOW)
    assert "after the time the file was written" in f.message


def test_a_dated_clock_against_the_claimed_time_and_never_against_an_impossible_date() -> None:
    from vidverify.evidence.timeline import clock_findings

    claimed = info(stamps=(), created=None, claims=Claims(claimed_time="2026-03-10", source="user"))
    [f] = clock_findings(claimed, _clock("2026-03-14T09:26:53"), NOW)  # a date claimed: its whole day, any zone
    assert f.evidence["against"]["field"].startswith("claims.claimed_time") and f.evidence["tolerance_s"] == 86400
    assert clock_findings(claimed, _clock("2026-03-10T21:00:00"), NOW) == []
    future = info(stamps=(("mvhd.creation_time", "2027-05-01T10:00:00Z", "Z"),))  # after NOW: future-date
    assert catalogue.FUTURE_DATE in codes(file_findings(future, NOW))
    assert clock_findings(future, _clock("2026-03-14T09:26:53"), NOW) == []  # not built on an impossible date
    after_upload = info(stamps=(), created=None,
                        claims=Claims(claimed_time="2026-03-20", upload_time="2026-03-12T08:00:00Z", source="x"))
    assert catalogue.CAPTURE_AFTER_UPLOAD in codes(file_findings(after_upload, NOW))
    assert clock_findings(after_upload, _clock("2026-03-11T09:00:00"), NOW) == []  # the claim is impossible
