"""Metadata coverage against ExifTool: does ``vidverify probe`` reproduce every capture date, device string and GPS
value that ExifTool reports for the corpus files?

    python benchmarks/metadata_coverage.py [--corpus ../shared/corpus] [--json FILE]

Inputs (nothing is copied into the repo): every file in ``exiftool/files/`` with ExifTool's expected output in
``exiftool/expected/<stem>_<n>.out`` (``[Group0, Group1, Group2] TagID - Description: value`` lines), and
``gpmf/karma.mp4`` with ``gpmf/reference-metadata/karma.exiftool-*.txt`` (``[Main|DocN]  TagName : value`` lines,
ExifTool ``-ee``), plus the karma facts of the corpus README.

Which ExifTool tags count (file-system tags, FileName/FileModifyDate/ExifToolVersion, Composite tags that only
repeat other tags, and everything that is not a time, a device string or a position are ignored):

* **capture date**: DateTimeOriginal, CreateDate (EXIF and QuickTime), TrackCreateDate, MediaCreateDate,
  IPTC DateCreated, QuickTime ContentCreateDate (``©day``), GPSDateTime (GPSDateStamp + GPSTimeStamp; a lone
  GPSTimeStamp is listed as its own fact). These say when the footage was taken (or, for QuickTime, first written).
* **other date**: ModifyDate, TrackModifyDate, MediaModifyDate, MetadataDate (XMP, FLV): when a writer last
  touched the file. Kept apart because they are not capture times, but vidverify lists every time field.
* **device**: Make, Model (Camera Model Name), Software, Encoder (``©too``), FirmwareVersion, MetadataCreator
  (FLV), CompressorName (QuickTime sample description: the writer's codec name), and from GoPro telemetry
  DeviceName and OtherFirmware. Lens make/model, serial numbers and vendor IDs are not counted.
* **gps**: latitude, longitude and altitude of EXIF GPS; for GoPro telemetry every timestamped fix of each
  stream (time, latitude, longitude, altitude together: one fact per fix) and the Composite GPSPosition.

How values are compared (ExifTool prints dates differently per format):

* QuickTime dates (mvhd/tkhd/mdhd) are printed as the UTC clock without a zone: equal when vidverify's value is
  the same UTC instant.
* EXIF, RIFF and IPTC dates are local wall-clock times of unknown zone: equal when vidverify's value has the same
  wall clock and does not claim UTC.
* Dates printed with an offset (AVCHD, XMP): same wall clock and same offset.
* FLV AMF dates: ExifTool prints the stored time (milliseconds since the UNIX epoch, UTC) as a UTC clock and
  appends the AMF zone field; the stored instant is compared.
* Sub-second parts within 1 ms; coordinates within 1e-5 degrees (ExifTool prints 0.01"); altitude within 0.01 m.
* A value counts as reproduced when it appears in vidverify's ``MediaInfo``: a date among ``timestamps`` (the
  field that carries it is shown; the expected field is searched first), a device string as ``make``, ``model``,
  ``software`` or ``encoder``, a position as ``gps`` or, for telemetry, among ``vidverify.media.formats.gpmf.read_gps``
  fixes (ExifTool's "GPS RAW" stream among ``read_gps(...).other`` of stream GPRI, the receiver's raw fixes kept beside
  the fused GLPI ones). Files that probe does not accept (kind ``unknown``) are listed apart with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vidverify.evidence import dates
from vidverify.media.formats import gpmf
from vidverify.media.probe import probe
from vidverify.models import MediaInfo

KINDS = ("capture date", "other date", "device", "gps")
IGNORED_TAGS = {"FileName", "FileModifyDate", "ExifToolVersion"}

# ExifTool description (``*.out`` files) -> tag name
_DESCRIPTIONS = {
    "Date/Time Original": "DateTimeOriginal",
    "Create Date": "CreateDate",
    "Modify Date": "ModifyDate",
    "Track Create Date": "TrackCreateDate",
    "Track Modify Date": "TrackModifyDate",
    "Media Create Date": "MediaCreateDate",
    "Media Modify Date": "MediaModifyDate",
    "Content Create Date": "ContentCreateDate",
    "Date Created": "DateCreated",
    "Metadata Date": "MetadataDate",
    "GPS Date Stamp": "GPSDateStamp",
    "GPS Time Stamp": "GPSTimeStamp",
    "Make": "Make",
    "Camera Model Name": "Model",
    "Software": "Software",
    "Encoder": "Encoder",
    "Firmware Version": "FirmwareVersion",
    "Metadata Creator": "MetadataCreator",
    "Compressor Name": "CompressorName",
    "GPS Latitude": "GPSLatitude",
    "GPS Latitude Ref": "GPSLatitudeRef",
    "GPS Longitude": "GPSLongitude",
    "GPS Longitude Ref": "GPSLongitudeRef",
    "GPS Altitude": "GPSAltitude",
    "GPS Altitude Ref": "GPSAltitudeRef",
}
CAPTURE_DATES = {"DateTimeOriginal", "CreateDate", "TrackCreateDate", "MediaCreateDate", "ContentCreateDate",
                 "DateCreated", "GPSDateTime", "GPSTimeStamp"}
OTHER_DATES = {"ModifyDate", "TrackModifyDate", "MediaModifyDate", "MetadataDate"}
DEVICE_TAGS = {"Make": "make", "Model": "model", "Software": "software", "Encoder": "encoder",
               "FirmwareVersion": "software", "MetadataCreator": "software", "CompressorName": "encoder",
               "DeviceName": "model", "OtherFirmware": "software"}
# ExifTool tag -> the vidverify timestamp field expected to carry it ({n}: track number)
_FIELDS = {
    ("QuickTime", "CreateDate"): "mvhd.creation_time",
    ("QuickTime", "ModifyDate"): "mvhd.modification_time",
    ("QuickTime", "TrackCreateDate"): "trak{n}.tkhd.creation_time",
    ("QuickTime", "TrackModifyDate"): "trak{n}.tkhd.modification_time",
    ("QuickTime", "MediaCreateDate"): "trak{n}.mdhd.creation_time",
    ("QuickTime", "MediaModifyDate"): "trak{n}.mdhd.modification_time",
    ("QuickTime", "ContentCreateDate"): "\u00a9day",
    ("EXIF", "DateTimeOriginal"): "EXIF DateTimeOriginal",
    ("EXIF", "CreateDate"): "EXIF CreateDate",
    ("EXIF", "ModifyDate"): "EXIF ModifyDate",
    ("EXIF", "GPSDateTime"): "EXIF GPSDateTime",
    ("RIFF", "DateTimeOriginal"): "RIFF IDIT",
    ("H264", "DateTimeOriginal"): "avchd.DateTimeOriginal",
    ("XMP", "MetadataDate"): "XMP xmp:MetadataDate",
    ("Flash", "MetadataDate"): "FLV metadatadate",
    ("IPTC", "DateCreated"): "IPTC DateCreated",
}
COORD_TOL = 1e-5
ALT_TOL = 0.01
TIME_TOL = timedelta(milliseconds=1)


@dataclass
class Fact:
    file: str
    kind: str  # one of KINDS
    tag: str  # ExifTool tag (with its group)
    exiftool: str  # as ExifTool prints it
    vidverify: str = ""  # what vidverify has for it (and where)
    reproduced: bool = False
    note: str = ""  # why not, or how it was matched


@dataclass
class Report:
    facts: list[Fact] = field(default_factory=list)
    unknown: dict[str, str] = field(default_factory=dict)  # file -> why probe did not accept it

    def totals(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for k in KINDS:
            fs = [f for f in self.facts if f.kind == k]
            out[k] = (sum(f.reproduced for f in fs), len(fs))
        return out

    @property
    def reproduced(self) -> int:
        return sum(f.reproduced for f in self.facts)

    def missing(self) -> list[Fact]:
        return [f for f in self.facts if not f.reproduced]


# ------------------------------------------------------------------------------------------------ parsing


def parse_out(path: Path) -> list[tuple[str, str, str, str]]:
    """``[Group0, Group1, Group2] TagID - Description: value`` -> [(group0, group1, description, value)]."""
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.match(r"\[([^,\]]*),\s*([^,\]]*)(?:,[^\]]*)?\]\s+\S+\s+-\s+([^:]+):\s?(.*)$", line)
        if m:
            rows.append((m[1].strip(), m[2].strip(), m[3].strip(), m[4].rstrip()))
    return rows


def parse_ee(path: Path) -> list[tuple[str, str, str]]:
    """ExifTool ``-G -s -ee`` text: ``[Main]   TagName   : value`` -> [(group, tag, value)]."""
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.match(r"\[([^\]]+)\]\s+(\S+)\s*:\s?(.*)$", line)
        if m:
            rows.append((m[1], m[2], m[3].rstrip()))
    return rows


def dms(text: str) -> float:
    """``53 deg 22' 58.25" N`` / ``54 degrees 59.38 minutes`` -> signed degrees (sign from a trailing S/W)."""
    nums = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", text)]
    v = nums[0] + (nums[1] if len(nums) > 1 else 0) / 60 + (nums[2] if len(nums) > 2 else 0) / 3600
    return -v if re.search(r"\b[SW]\s*$", text.strip()) else v


def exif_datetime(text: str) -> tuple[datetime, str | None] | None:
    """``2005:08:11 14:03:54[.fff][+01:00]`` -> (naive wall clock, offset or None)."""
    m = re.match(r"^(\d{4}):(\d\d):(\d\d)(?: (\d\d):(\d\d):(\d\d)(\.\d+)?)?\s*(Z|[+-]\d\d:\d\d)?$", text.strip())
    if not m:
        return None
    frac = float(m[7]) if m[7] else 0.0
    dt = datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4] or 0), int(m[5] or 0), int(m[6] or 0))
    return dt + timedelta(microseconds=round(frac * 1e6)), m[8]


# ------------------------------------------------------------------------------------------------ matching


def _naive(ts_value: str) -> datetime | None:
    return dates.local_naive(ts_value)


def match_date(info: MediaInfo, rule: str, expected: datetime, offset: str | None, prefer: str | None,
               date_only: bool = False) -> tuple[bool, str]:
    """Find a timestamp equal to the ExifTool value under ``rule`` (utc | local | offset); (found, shown value)."""
    order = sorted(info.timestamps, key=lambda t: t.field != prefer)
    for t in order:
        wall = _naive(t.value)
        if wall is None:
            continue
        if date_only:
            ok = wall.date() == expected.date() and t.field == prefer
        elif rule == "utc":
            inst = dates.to_utc(t.value)
            ok = inst is not None and abs(inst.replace(tzinfo=None) - expected) <= TIME_TOL
        elif rule == "offset":
            ok = t.timezone == offset and abs(wall - expected) <= TIME_TOL
        else:  # local wall clock of unknown zone: same clock, and not claimed to be UTC
            ok = t.timezone != "Z" and abs(wall - expected) <= TIME_TOL
        if ok:
            return True, f"{t.field} = {t.value}"
    if prefer and prefer in info.tags:
        return False, f"tags[{prefer!r}] = {info.tags[prefer]}"
    return False, ""


def match_device(info: MediaInfo, value: str, expected_key: str) -> tuple[bool, str]:
    have = {k: getattr(info, k) for k in ("make", "model", "software", "encoder")}
    want = value.strip()
    for k in [expected_key, *[k for k in have if k != expected_key]]:
        if have[k] is not None and have[k].strip() == want:
            return True, f"{k} = {have[k]}"
    return False, f"{expected_key} = {have[expected_key]}"


# ------------------------------------------------------------------------------------------------ ExifTool .out files


def _date_rule(group0: str, value: str) -> tuple[str, str | None] | None:
    parsed = exif_datetime(value)
    if parsed is None:
        return None
    _, off = parsed
    if group0 == "QuickTime":
        return "utc", None
    if group0 == "Flash":
        return "utc", None  # the UTC clock of the stored instant, followed by the AMF zone field
    if off:
        return "offset", off
    return "local", None


def facts_from_out(name: str, out: Path, info: MediaInfo) -> list[Fact]:
    facts: list[Fact] = []
    seen: set[tuple[str, str]] = set()
    gps: dict[str, str] = {}
    gps_time: dict[str, str] = {}
    for g0, g1, desc, value in parse_out(out):
        tag = _DESCRIPTIONS.get(desc)
        if tag is None or tag in IGNORED_TAGS or g0 in ("File", "ExifTool", "Composite"):
            continue
        if g0 == "Flash" and desc == "Metadata Date":
            tag = "MetadataDate"
        if tag in ("GPSDateStamp", "GPSTimeStamp"):
            gps_time[tag] = value
            continue
        if tag.startswith("GPS"):
            gps[tag] = value
            continue
        label = f"{g0}:{g1}:{tag}" if g1.startswith("Track") else f"{g0}:{tag}"
        if (label, value) in seen:
            continue
        seen.add((label, value))
        if tag in CAPTURE_DATES or tag in OTHER_DATES:
            kind = "capture date" if tag in CAPTURE_DATES else "other date"
            fact = Fact(name, kind, label, value)
            if re.fullmatch(r"\d{4}", value.strip()):
                fact.note = "year only: not a point in time, so not a Timestamp (dates.parse_time refuses it)"
                prefer = _FIELDS.get((g0, tag))
                if prefer and prefer in info.tags:
                    fact.vidverify = f"tags[{prefer!r}] = {info.tags[prefer]}"
                facts.append(fact)
                continue
            rule = _date_rule(g0, value)
            if rule is None:
                fact.note = "unparsed ExifTool value"
                facts.append(fact)
                continue
            expected, _ = exif_datetime(value) or (datetime.min, None)
            n = g1[5:] if g1.startswith("Track") else ""
            prefer = (_FIELDS.get((g0, tag)) or "").replace("{n}", n) or None
            date_only = bool(re.fullmatch(r"\d{4}:\d\d:\d\d", value.strip()))
            fact.reproduced, fact.vidverify = match_date(info, rule[0], expected, rule[1], prefer, date_only)
            if g0 == "Flash" and fact.reproduced:
                fact.note = "same stored instant; ExifTool prints it as a UTC clock with the AMF zone field appended"
            if date_only and not fact.reproduced:
                fact.note = fact.note or "date only (IPTC DateCreated without TimeCreated)"
            facts.append(fact)
        elif tag in DEVICE_TAGS:
            fact = Fact(name, "device", label, value)
            fact.reproduced, fact.vidverify = match_device(info, value, DEVICE_TAGS[tag])
            facts.append(fact)
    # GPS date + time -> GPSDateTime (UTC); a lone time stamp is its own fact
    if "GPSTimeStamp" in gps_time:
        t = gps_time["GPSTimeStamp"]
        if "GPSDateStamp" in gps_time:
            v = f"{gps_time['GPSDateStamp']} {t}"
            fact = Fact(name, "capture date", "EXIF:GPSDateTime", v)
            expected, _ = exif_datetime(v) or (datetime.min, None)
            fact.reproduced, fact.vidverify = match_date(info, "utc", expected, None, "EXIF GPSDateTime")
        else:
            fact = Fact(name, "capture date", "EXIF:GPSTimeStamp", t,
                        note="time of day without GPSDateStamp: no date, so not a Timestamp")
        facts.append(fact)
    g = info.gps
    for tag, ref in (("GPSLatitude", "GPSLatitudeRef"), ("GPSLongitude", "GPSLongitudeRef")):
        if tag in gps:
            deg = dms(gps[tag]) * (-1 if gps.get(ref, "").startswith(("S", "W")) else 1)
            fact = Fact(name, "gps", f"EXIF:{tag}", f"{gps[tag]} {gps.get(ref, '')}".strip())
            got = None if g is None else (g.lat if tag == "GPSLatitude" else g.lon)
            fact.vidverify = "" if got is None else f"gps.{'lat' if tag == 'GPSLatitude' else 'lon'} = {got}"
            fact.reproduced = got is not None and abs(got - deg) <= COORD_TOL
            facts.append(fact)
    if "GPSAltitude" in gps:
        metres = float(gps["GPSAltitude"].split()[0])
        metres *= -1 if gps.get("GPSAltitudeRef", "").startswith("Below") else 1
        fact = Fact(name, "gps", "EXIF:GPSAltitude", gps["GPSAltitude"])
        fact.vidverify = "" if g is None or g.alt is None else f"gps.alt = {g.alt}"
        fact.reproduced = g is not None and g.alt is not None and abs(g.alt - metres) <= ALT_TOL
        facts.append(fact)
    return facts


# ------------------------------------------------------------------------------------------------ karma (-ee dump)


def _fix_matches(fixes: tuple[gpmf.GpsFix, ...], utc: datetime | None, lat: float, lon: float,
                 alt: float | None) -> gpmf.GpsFix | None:
    """The fix nearest to the ExifTool position among those within the tolerances, or None."""
    best: tuple[float, gpmf.GpsFix] | None = None
    for fx in fixes:
        if abs(fx.lat - lat) > COORD_TOL or abs(fx.lon - lon) > COORD_TOL:
            continue
        if alt is not None and (fx.alt is None or abs(fx.alt - alt) > ALT_TOL):
            continue
        if utc is not None:
            got = dates.to_utc(fx.utc) if fx.utc else None
            if got is None or abs(got - utc.replace(tzinfo=UTC)) > TIME_TOL:
                continue
        d = abs(fx.lat - lat) + abs(fx.lon - lon)
        if best is None or d < best[0]:
            best = (d, fx)
    return best[1] if best else None


def facts_from_ee(name: str, ref: Path, info: MediaInfo, telemetry: gpmf.GpmfGps) -> list[Fact]:
    facts: list[Fact] = []
    seen: set[tuple[str, str]] = set()
    track = 0
    fixes: dict[str, list[dict[str, str]]] = {"Position": [], "GPS RAW": []}
    stream = ""
    for group, tag, value in parse_ee(ref):
        if tag in IGNORED_TAGS:
            continue
        if group == "Main" and tag == "TrackHeaderVersion":
            track += 1
        if tag == "StreamName":
            stream = value
            continue
        if tag in ("GPSDateTime", "GPSDateTimeRaw"):
            fixes.setdefault(stream, []).append({"time": value})
            continue
        if tag.startswith(("GPSLatitude", "GPSLongitude", "GPSAltitude")) and group != "Main" and fixes.get(stream):
            fixes[stream][-1][tag.removesuffix("Raw")] = value
            continue
        if group == "Main" and tag == "GPSPosition":
            lat_s, lon_s = (s.strip() for s in value.split(","))
            fact = Fact(name, "gps", "Composite:GPSPosition", value)
            fx = _fix_matches(telemetry.fixes, None, dms(lat_s), dms(lon_s), None)
            fact.reproduced = fx is not None
            fact.vidverify = f"read_gps fix at {fx.utc}: {fx.lat}, {fx.lon}" if fx else ""
            if fx is not None and info.gps is not None and (fx.lat, fx.lon) != (info.gps.lat, info.gps.lon):
                fact.note = "a later fix: ExifTool's Composite GPSPosition is not the first fix (probe's gps is)"
            facts.append(fact)
            continue
        label = f"QuickTime:Track{track}:{tag}" if tag.startswith(("Track", "Media")) else f"{group}:{tag}"
        if group != "Main":
            label = f"GoPro:{tag}"
        if tag in CAPTURE_DATES or tag in OTHER_DATES:
            if (label, value) in seen:
                continue
            seen.add((label, value))
            kind = "capture date" if tag in CAPTURE_DATES else "other date"
            fact = Fact(name, kind, label, value)
            expected, _ = exif_datetime(value) or (datetime.min, None)
            prefer = (_FIELDS.get(("QuickTime", tag)) or "").replace("{n}", str(track)) or None
            fact.reproduced, fact.vidverify = match_date(info, "utc", expected, None, prefer)
            facts.append(fact)
        elif tag in DEVICE_TAGS:
            if (tag, value) in seen:
                continue
            seen.add((tag, value))
            fact = Fact(name, "device", label, value)
            fact.reproduced, fact.vidverify = match_device(info, value, DEVICE_TAGS[tag])
            if not fact.reproduced:
                fact.note = {
                    "DeviceName": "GPMF DVNM: vidverify's telemetry reader takes only GPS keys",
                    "OtherFirmware": "GPMF FMWR of the Karma drone: not read (only GPS keys are)",
                    "Model": "from the GoPro SOS track (fdsc sample), not read; probe derives HERO5 from the "
                             "firmware prefix HD5",
                }.get(tag, "")
            facts.append(fact)
    for sname, rows in fixes.items():
        for i, row in enumerate(rows, 1):
            if not all(k in row for k in ("GPSLatitude", "GPSLongitude")):
                continue
            utc, _ = exif_datetime(row["time"]) or (None, None)
            alt = float(row["GPSAltitude"].split()[0]) if "GPSAltitude" in row else None
            shown = f"{row['time']}Z {row['GPSLatitude']}, {row['GPSLongitude']}, {row.get('GPSAltitude', '')}"
            fact = Fact(name, "gps", f"GoPro:{sname} fix {i}", shown)
            pool = telemetry.fixes if sname != "GPS RAW" else tuple(f for f in telemetry.other if f.stream == "GPRI")
            fx = _fix_matches(pool, utc, dms(row["GPSLatitude"]), dms(row["GPSLongitude"]), alt)
            fact.reproduced = fx is not None
            if fx is not None:
                where = "gps" if i == 1 and info.gps and (info.gps.lat, info.gps.lon) == (fx.lat, fx.lon) else "fix"
                fact.vidverify = f"read_gps {where}: {fx.utc} {fx.lat}, {fx.lon}, {fx.alt}"
            elif sname == "GPS RAW":
                fact.note = (f"receiver's raw stream (GPRI): read_gps returns one stream ({telemetry.source}, the "
                             f"fused Position); GPRI is only counted (streams={telemetry.streams})")
            facts.append(fact)
    return facts


def karma_readme_facts(name: str, info: MediaInfo, telemetry: gpmf.GpmfGps) -> list[Fact]:
    """The corpus README's karma.mp4 facts (ExifTool 12.57 via the README)."""
    facts = []
    f = Fact(name, "capture date", "README:creation_time", "2017-04-17T19:27:57Z")
    f.reproduced, f.vidverify = info.created == "2017-04-17T19:27:57Z", f"created = {info.created}"
    facts.append(f)
    for key, value in (("make", "GoPro"), ("model", "HERO5")):
        f = Fact(name, "device", f"README:{key}", value)
        f.reproduced, f.vidverify = getattr(info, key) == value, f"{key} = {getattr(info, key)}"
        facts.append(f)
    f = Fact(name, "gps", "README:GPS fix", "33.1253807, -117.3310746, 15.61 m at 2017-04-17T19:27:58.283Z")
    fx = _fix_matches(telemetry.fixes, datetime(2017, 4, 17, 19, 27, 58, 283000), 33.1253807, -117.3310746, 15.61)
    f.reproduced = fx is not None
    if fx is not None:
        f.vidverify = f"read_gps fix {telemetry.fixes.index(fx) + 1} of {telemetry.count}: {fx.utc}"
        f.note = "the README's 'first' is the 4th fix (ExifTool's Composite GPSPosition); probe's gps is the 1st"
    facts.append(f)
    f = Fact(name, "gps", "README:GPS fix count", "47")
    f.reproduced, f.vidverify = telemetry.count == 47, f"read_gps count = {telemetry.count}"
    facts.append(f)
    return facts


# ------------------------------------------------------------------------------------------------ driver


def _expected_for(expected_dir: Path, stem: str) -> Path | None:
    cands = sorted(expected_dir.glob(f"{stem}_*.out"))
    return cands[-1] if cands else None


def pyav_info(path: Path) -> MediaInfo:
    """The baseline: what PyAV (libavformat, as ffprobe) alone tells, put in a MediaInfo the same scoring reads.
    Every container and stream tag that parses as a time is a timestamp; make/model/software/encoder and location
    from the tags libavformat names so; no box walker, EXIF, XMP, MDPM or telemetry."""
    import av

    from vidverify.evidence.place import parse_iso6709
    from vidverify.models import GPS, Timestamp

    try:
        c = av.open(str(path), metadata_errors="ignore")
    except Exception as exc:  # noqa: BLE001 - what libavformat cannot open gives nothing
        return MediaInfo(path=str(path), errors=(str(exc),))
    with c:
        tags = [(k, str(v)) for k, v in c.metadata.items()]
        for s in c.streams:
            tags += [(f"stream{s.index}.{k}", str(v)) for k, v in s.metadata.items()]
        kind = "video" if c.streams.video else "audio" if c.streams.audio else "unknown"
    stamps, dev, gps = [], {}, None
    names = {"make": ("make", "com.apple.quicktime.make"), "model": ("model", "com.apple.quicktime.model"),
             "software": ("software", "com.apple.quicktime.software", "firmware", "metadatacreator"),
             "encoder": ("encoder",)}
    for k, v in tags:
        key = k.split(".", 1)[1] if k.startswith("stream") else k
        if ("date" in key.lower() or "time" in key.lower()) and (parsed := dates.parse_time(v)):
            stamps.append(Timestamp(f"pyav {k}", parsed[0], parsed[1]))
        for field_name, keys in names.items():
            if key in keys:
                dev.setdefault(field_name, v)
        if key.startswith("location") and gps is None and (g := parse_iso6709(v)):
            gps = GPS(g[0], g[1], g[2], f"pyav {k}")
    return MediaInfo(path=str(path), kind=kind, timestamps=tuple(stamps), gps=gps, **dev)


def coverage(corpus: Path, *, baseline: bool = False) -> Report:
    """The facts reproduced by ``probe`` (with GoPro telemetry), or with ``baseline`` by PyAV alone."""
    read = pyav_info if baseline else probe
    report = Report()
    files_dir, expected_dir = corpus / "exiftool" / "files", corpus / "exiftool" / "expected"
    for path in sorted(files_dir.iterdir()):
        if not path.is_file():
            continue
        # ExifTool's test names its outputs <stem>_<test number>.out; QuickTime.mov and .m4a share a stem
        outs = sorted(expected_dir.glob(f"{path.stem}_*.out"))
        out = next((o for o in outs if _names_file(o, path.name)), None)
        if out is None:
            report.unknown[path.name] = "no ExifTool expected output"
            continue
        info = read(path)
        if info.kind == "unknown":
            report.unknown[path.name] = "; ".join(info.errors) or "not recognised"
            continue
        report.facts.extend(facts_from_out(path.name, out, info))
    karma = corpus / "gpmf" / "karma.mp4"
    refs = sorted((corpus / "gpmf" / "reference-metadata").glob("karma.exiftool-*.txt"))
    if karma.is_file():
        info = read(karma)
        if info.kind == "unknown":
            report.unknown[karma.name] = "; ".join(info.errors) or "not recognised"
        else:
            telemetry = gpmf.GpmfGps() if baseline else gpmf.read_gps(karma)
            if refs:
                report.facts.extend(facts_from_ee(karma.name, refs[-1], info, telemetry))
            report.facts.extend(karma_readme_facts(karma.name, info, telemetry))
    return report


def _names_file(out: Path, name: str) -> bool:
    """True when the ExifTool output is for ``name`` (its FileName line, or the stem when the line is absent)."""
    text = out.read_text(encoding="utf-8", errors="replace")
    m = re.search(r"File Name: (.+)", text)
    if m:
        return m[1].strip() == name
    others = [o for o in out.parent.glob(f"{Path(name).stem}_*.out") if o != out]
    return not any(f"File Name: {name}" in o.read_text(encoding="utf-8", errors="replace") for o in others)


def print_report(report: Report, out: Any = None) -> None:
    out = out or sys.stdout
    by_file: dict[str, list[Fact]] = {}
    for f in report.facts:
        by_file.setdefault(f.file, []).append(f)
    for name, facts in by_file.items():
        print(f"\n== {name}", file=out)
        w = max(len(f.tag) for f in facts)
        for f in facts:
            mark = "yes" if f.reproduced else "NO "
            extra = f"  ({f.note})" if f.note else ""
            print(f"  {mark} {f.kind:<12} {f.tag:<{w}}  exiftool: {f.exiftool}  |  vidverify: {f.vidverify or '-'}"
                  f"{extra}", file=out)
    if report.unknown:
        print("\nNot accepted as media by probe:", file=out)
        for name, why in report.unknown.items():
            print(f"  {name}: {why}", file=out)
    print("\nTotals (reproduced / facts):", file=out)
    for k, (r, n) in report.totals().items():
        print(f"  {k:<13} {r:>4} / {n}", file=out)
    print(f"  {'all':<13} {report.reproduced:>4} / {len(report.facts)}", file=out)
    miss = Counter((f.file, f.tag.split(' fix ')[0]) for f in report.missing())
    if miss:
        print("\nNot reproduced:", file=out)
        for (file, tag), n in miss.items():
            note = next(f.note for f in report.missing() if f.file == file and f.tag.split(' fix ')[0] == tag)
            print(f"  {file} {tag}{f' (x{n})' if n > 1 else ''}: {note or '?'}", file=out)


def default_corpus() -> Path:
    env = os.environ.get("VIDVERIFY_CORPUS")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=default_corpus())
    ap.add_argument("--json", type=Path, help="write every fact as JSON")
    ap.add_argument("--baseline", action="store_true",
                    help="score PyAV (libavformat, as ffprobe) alone, and print it beside vidverify's totals")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    report = coverage(args.corpus)
    if args.baseline:
        base = coverage(args.corpus, baseline=True)
        print_report(base)
        print("\nPyAV alone against vidverify (reproduced / facts):")
        for (k, (r, n)), (_, (b, _m)) in zip(report.totals().items(), base.totals().items(), strict=True):
            print(f"  {k:<13} pyav {b:>4}  vidverify {r:>4}  of {n}")
        print(f"  {'all':<13} pyav {base.reproduced:>4}  vidverify {report.reproduced:>4}  of {len(report.facts)}")
        return 0
    print_report(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"facts": [asdict(f) for f in report.facts], "unknown": report.unknown,
                                         "totals": report.totals()}, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
