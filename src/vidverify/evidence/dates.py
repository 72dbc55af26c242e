"""Pure date handling: parse the many ways files write a time into ISO 8601 plus a zone, never guessing a zone.

``parse_time(text)`` returns ``(iso, timezone)``: ``iso`` is ``YYYY-MM-DDTHH:MM:SS[.ffffff]`` followed by the zone
as written (``Z`` or ``+HH:MM``) when the source says one, and nothing otherwise; ``timezone`` is ``"Z"``, the
offset, or None when the source gives only a local time whose zone is unknown.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

# Time fields a container or muxer writes: when a file was written, which is a capture time only in an original.
CONTAINER_TIME_FIELDS = ("Matroska DateUTC", "mvhd.creation_time", "container creation_time",
                         "stream.video.creation_time", "XMP xmp:CreateDate", "FLV metadatadate")
# Where a capture time is read from, best first (probe's ``created``; timeline's capture fields).
CREATED_PREFERENCE = (
    "com.apple.quicktime.creationdate",
    "EXIF DateTimeOriginal",
    "avchd.DateTimeOriginal",
    "EXIF CreateDate",
    "XMP exif:DateTimeOriginal",
    "XMP photoshop:DateCreated",
    "RIFF IDIT",
    "Matroska DateUTC",
    "mvhd.creation_time",
    "container creation_time",
    "stream.video.creation_time",
    "XMP xmp:CreateDate",
    "EXIF GPSDateTime",
    "FLV metadatadate",
    "C2PA created",  # the signed c2pa.created action's time (or its EXIF assertion's), from media/formats/c2pa.py
)
PLACEHOLDER_YEARS = (1904, 1970, 1980)  # epochs that writers put where they have no time
MAX_OFFSET_HOURS = 14  # hours; the largest UTC offset in use (Line Islands, +14:00)
_TIME_RE = re.compile(
    r"""^\s*(?P<y>\d{4})[-:/.](?P<mo>\d{1,2})[-:/.](?P<d>\d{1,2})
        (?:[T\s_]+(?P<h>\d{1,2}):?(?P<mi>\d{2})(?::?(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?
        \s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$""",
    re.VERBOSE | re.IGNORECASE | re.ASCII,  # ASCII: "\\d" would also take Arabic-Indic and other digits
)


def _norm_tz(tz: str | None) -> str | None:
    if tz is None:
        return None
    t = tz.upper()
    if t in ("Z", "UTC", "GMT"):
        return "Z"
    sign, rest = t[0], t[1:].replace(":", "")
    hh, mm = rest[:2], rest[2:4] or "00"
    if int(hh) == 0 and int(mm) == 0:
        return "+00:00"
    return f"{sign}{hh}:{mm}"


def parse_time(text: str | None) -> tuple[str, str | None] | None:
    """Parse a date/time string; None when it is not one. A date alone (``2010``) is not a time."""
    if not text:
        return None
    m = _TIME_RE.match(str(text).replace("\x00", ""))
    if not m:
        return None
    try:
        y, mo, d = int(m["y"]), int(m["mo"]), int(m["d"])
        h, mi, s = int(m["h"] or 0), int(m["mi"] or 0), int(m["s"] or 0)
        if y == 0 and mo == 0 and d == 0:
            return None
        datetime(y, mo, d, h, mi, s)
    except (ValueError, TypeError):
        return None
    frac = ""
    if m["f"] and int(m["f"]):
        frac = "." + m["f"][:6].rstrip("0")
    tz = _norm_tz(m["tz"])
    if tz not in (None, "Z") and (int(tz[1:3]) > MAX_OFFSET_HOURS or int(tz[4:6]) >= 60):
        return None  # "+99:99" is no zone on Earth: the whole value is not a time
    iso = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{frac}"
    return iso + (tz or ""), tz


def to_utc(iso: str) -> datetime | None:
    """The UTC instant of an ISO string that carries a zone; None for a local time of unknown zone."""
    try:
        dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            return None
        return dt.astimezone(UTC)
    except (ValueError, OverflowError):  # 9999-12-31T23:59-05:00 is past year 9999 in UTC
        return None


def local_naive(iso: str) -> datetime | None:
    """The wall-clock time written, without its zone."""
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


def is_placeholder(iso: str) -> bool:
    """1904-01-01, 1970-01-01 and 1980-01-01 at midnight, or year 0: times a writer puts where it has none."""
    dt = local_naive(iso)
    if dt is None:
        return True
    return dt.year in PLACEHOLDER_YEARS and dt.month == 1 and dt.day == 1 and dt.hour == 0 and dt.minute == 0


def epoch_to_iso(seconds: float) -> str:
    dt = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + "Z"


def with_offset(naive_iso: str, offset: str) -> str:
    """Attach an offset (``+01:00``) to a local time string."""
    return naive_iso + offset


def offset_str(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def tzinfo_of(offset: str | None) -> timezone | None:
    if offset is None:
        return None
    if offset == "Z":
        return UTC
    sign = -1 if offset.startswith("-") else 1
    hh, mm = offset[1:].split(":")
    return timezone(sign * timedelta(hours=int(hh), minutes=int(mm)))


def now_utc() -> str:
    """The current UTC time to the second, ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_text(value: date | datetime) -> str:
    """A YAML timestamp back to ISO text, its zone as written (``Z`` for UTC, none for a local time)."""
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is None:
        return value.isoformat()
    off = value.utcoffset()
    minutes = int(off.total_seconds() // 60) if off is not None else 0
    return value.replace(tzinfo=None).isoformat() + (offset_str(minutes) if minutes else "Z")


_DATE_RE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")


def claim_time(value: Any) -> str | None:
    """A claimed time as a claims file, a sidecar or the command line gives it (ISO text, a YAML timestamp, or a
    date alone as ``YYYY-MM-DD`` or ``YYYYMMDD``) in its ISO form; None when it is not a time. A date alone stays a
    date (its time and zone are unknown)."""
    if isinstance(value, date):  # datetime too: YAML turns unquoted timestamps into them
        return time_text(value)
    if isinstance(value, str):
        m = _DATE_RE.match(value.strip())
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                return None
        parsed = parse_time(value)
        return parsed[0] if parsed else None
    return None


__all__ = [
    "CONTAINER_TIME_FIELDS",
    "CREATED_PREFERENCE",
    "PLACEHOLDER_YEARS",
    "claim_time",
    "epoch_to_iso",
    "is_placeholder",
    "local_naive",
    "now_utc",
    "offset_str",
    "parse_time",
    "time_text",
    "to_utc",
    "tzinfo_of",
    "with_offset",
]
