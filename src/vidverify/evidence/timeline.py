"""Pure timeline checks: the times, places and claims of one file or of a group of uploads → findings.

Every finding carries the fields and values it rests on. A time is never compared as if its zone were known when
it is not: a local time of unknown zone stands for the whole range of instants it could be (UTC-12 to UTC+14), and a
date alone for its whole day, so a finding fires only when it holds for every possible zone.

An upload time, or a creation time a re-encoder wrote, that lies before a device capture time of the same
footage is impossible: it is reported (``capture-after-upload``) and never used as evidence of when the footage first
existed. A claimed place given as a name is compared with every place it can mean (``placenames.py``), or said not to
be compared (``place-not-compared``).

Each finding's code, severities, meaning and evidence keys are in the one catalogue, ``codes.py``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import UsageError
from ..models import GPS, Claims, Finding, Match, MediaInfo, Timestamp
from . import codes, dates
from .codes import make_finding

MAX_ZONE = timedelta(hours=14)  # local times lie within UTC-12 .. UTC+14; ±14 h covers every zone
ZONE_STEP = timedelta(minutes=15)  # every zone offset in use is a multiple of a quarter hour

# Fields that record when the footage was captured (not when a file was modified or uploaded): the ones probe
# chooses ``created`` from, and GPS times.
GPS_TIME_FIELDS = ("EXIF GPSDateTime", "gpmf.GPSU", "gpmf.GPS5", "gpmf.GPS9", "gpmf.GLPI", "gpmf.GPRI")
CAPTURE_FIELDS = dates.CREATED_PREFERENCE
# Of those, the fields only a capture device writes (a re-encoder copies them at most, never makes them up); the
# container's creation_time, by contrast, is often the time a re-encoder wrote the file.
DEVICE_CAPTURE_FIELDS = tuple(f for f in CAPTURE_FIELDS if f not in dates.CONTAINER_TIME_FIELDS) + GPS_TIME_FIELDS
EDIT_TYPES_NOT_CONTENT = frozenset({"reencode", "frame-rate", "scale"})  # do not change what is shown
NOT_FIRST_SEEN = "that upload time is not taken as evidence of when the footage first existed"


@dataclass(frozen=True)
class Policy:
    """Tolerances of the timeline checks (named options; the CLI exposes them)."""

    clock_tolerance_s: float = 120.0
    """Two clocks of one recording agree within this, plus the clip's duration (some writers stamp its end)."""
    claim_tolerance_s: float = 86400.0
    """A claimed time is often a day: a file's own time within this of the claim agrees with it."""
    future_tolerance_s: float = 3600.0
    """How far past 'now' a time must lie to be a future date."""
    recycled_after_days: float = 7.0
    """An upload this long after the footage first appeared is flagged as re-shared (warning)."""
    place_tolerance_m: float = 5000.0
    """GPS within this distance of a claimed place agrees with it."""
    now: str | None = None
    """'Now' as ISO 8601 (tests and re-runs of old cases); the current time when None."""

    def __post_init__(self) -> None:
        if self.now is not None and dates.parse_time(self.now) is None:
            raise UsageError(f"--now {self.now!r} is not an ISO 8601 time")

    def now_utc(self) -> datetime:
        if self.now:
            t = dates.to_utc(self.now)
            if t is not None:
                return t
        return datetime.now(UTC)


# ------------------------------------------------------------------------------------------------ instants


@dataclass(frozen=True)
class When:
    """A time as the range of UTC instants it can be: exact for a zoned time, ±14 h for a local one."""

    field: str
    value: str
    timezone: str | None
    earliest: datetime
    latest: datetime
    path: str = ""

    @property
    def exact(self) -> bool:
        return self.earliest == self.latest

    def evidence(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "timezone": self.timezone}


def when(field_name: str, value: str | None, timezone: str | None = None, path: str = "") -> When | None:
    """Parse a stored time (ISO, maybe a date alone) into the instants it can stand for."""
    if not value:
        return None
    text = value.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # a date alone: the whole day, any zone
        try:
            day = datetime.fromisoformat(text).replace(tzinfo=UTC)
        except ValueError:
            return None
        return When(field_name, text, None, day - MAX_ZONE, day + timedelta(days=1) + MAX_ZONE, path)
    parsed = dates.parse_time(text)
    if parsed is None:
        return None
    iso, tz = parsed
    exact = dates.to_utc(iso)
    if exact is not None:
        return When(field_name, value, tz, exact, exact, path)
    naive = dates.local_naive(iso)
    if naive is None:
        return None
    t = naive.replace(tzinfo=UTC)
    return When(field_name, value, timezone, t - MAX_ZONE, t + MAX_ZONE, path)


def _from_timestamp(ts: Timestamp, path: str) -> When | None:
    return when(ts.field, ts.value, ts.timezone, path)


def _later(a: When, b: When, slack: float) -> timedelta | None:
    """How much later ``a`` is than ``b`` for every zone either could have, beyond ``slack`` seconds; else None."""
    gap = a.earliest - b.latest
    return gap if gap.total_seconds() > slack else None


def _quarter_hours(delta: timedelta, tolerance: float) -> int | None:
    """``delta`` as a whole number of quarter hours (non-zero, within ±14 h) when it is one within tolerance."""
    steps = round(delta / ZONE_STEP)
    if steps == 0 or abs(delta) > MAX_ZONE + timedelta(seconds=tolerance):
        return None
    return steps if abs((delta - steps * ZONE_STEP).total_seconds()) <= tolerance else None


def _span(delta: timedelta) -> str:
    """A duration in words: hours up to two days, days beyond."""
    h = abs(delta.total_seconds()) / 3600.0
    return f"{h:.1f} h" if h < 48 else f"{h / 24:.1f} days"


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600.0, 3)


def _n(path: str) -> str:
    """A file's name for messages (``paths`` and the evidence keep the paths as given)."""
    return os.path.basename(path) or path


# --------------------------------------------------------------------------------------------- one file


def capture_times(info: MediaInfo) -> list[When]:
    """The file's capture-time fields that hold a real time (placeholders left out), one per distinct value."""
    out: list[When] = []
    seen: set[tuple[str, str]] = set()
    for ts in info.timestamps:
        if (ts.field not in CAPTURE_FIELDS and ts.field not in GPS_TIME_FIELDS) or dates.is_placeholder(ts.value):
            continue
        w = _from_timestamp(ts, info.path)
        if w is None or (w.field, w.value) in seen:
            continue
        seen.add((w.field, w.value))
        out.append(w)
    return out


def created(info: MediaInfo) -> When | None:
    """The file's best capture time (``MediaInfo.created``) as a range of instants."""
    if not info.created or dates.is_placeholder(info.created):
        return None
    return when(info.created_source or "created", info.created, info.timezone, info.path)


def is_capture(info: MediaInfo, w: When | None) -> bool:
    """Whether a time of ``info`` says when footage was captured: a device-only field, or any capture field of a
    file not known to be re-encoded."""
    if w is None:
        return False
    return w.field in DEVICE_CAPTURE_FIELDS or not (info.writer is not None and info.writer.original is False)


def has_camera_traces(info: MediaInfo) -> bool:
    """A camera original, or a file that kept a device's capture time (its footage's first-generation facts)."""
    return bool((info.writer and info.writer.original) or info.created_source in DEVICE_CAPTURE_FIELDS)


def upload(info: MediaInfo) -> When | None:
    c = info.claims
    return when(f"claims.upload_time ({c.source or 'sidecar'})", c.upload_time, None, info.path) if c else None


def claimed(info: MediaInfo) -> When | None:
    c = info.claims
    return when(f"claims.claimed_time ({c.source or 'user'})", c.claimed_time, None, info.path) if c else None


def file_findings(info: MediaInfo, policy: Policy | None = None) -> list[Finding]:
    """Findings about one file on its own: its time fields against each other, against now and its claims."""
    policy = policy or Policy()
    if info.kind not in ("video", "image", "audio"):
        return []
    out: list[Finding] = []
    p = info.path
    tol = policy.clock_tolerance_s + (info.duration or 0.0)
    best = created(info)

    placeholders = [t for t in info.timestamps if dates.is_placeholder(t.value)]
    if placeholders:
        out.append(make_finding(
            codes.PLACEHOLDER_DATE, "info", [p],
            f"{len(placeholders)} time field(s) hold a placeholder date ({placeholders[0].value}), not a capture time"
            + ("" if best else "; the file has no real capture time"),
            fields=[t.to_dict() for t in placeholders],
        ))

    now = policy.now_utc()
    now_w = When("now", now.strftime("%Y-%m-%dT%H:%M:%SZ"), "Z", now, now)
    stamps = [w for w in (_from_timestamp(t, p) for t in info.timestamps) if w is not None]
    for w in [*stamps, *(x for x in (upload(info), claimed(info)) if x)]:
        gap = _later(w, now_w, policy.future_tolerance_s)
        if gap is not None:
            out.append(make_finding(codes.FUTURE_DATE, "error", [p],
                                    f"{w.field} {w.value} is {_span(gap)} in the future",
                                    time=w.evidence(), now=now_w.value))

    out += _within_file(info, tol)

    if info.kind in ("video", "image") and not (info.make or info.model) and info.gps is None \
            and not is_capture(info, best):
        left = f"only {best.field} {best.value}, written by {info.writer.name if info.writer else '?'}" \
            if best else "no capture time"
        out.append(make_finding(
            codes.METADATA_STRIPPED, "info", [p],
            f"no device or GPS and {left}: metadata was removed or never written (typical of uploads)",
            looked_for=["capture time fields", "make/model", "GPS"],
            remaining_time=best.evidence() if best else None,
            placeholders=[t.field for t in placeholders],
        ))

    writer = info.writer
    if writer is not None and writer.original is False:
        out.append(make_finding(codes.REENCODED, "info", [p], f"written by {writer.name}, not by the camera",
                            writer=writer.to_dict()))

    up, cl = upload(info), claimed(info)
    for cap in [x for x in (best, cl) if x]:
        if up is not None:
            gap = _later(cap, up, policy.clock_tolerance_s)
            if gap is not None:
                what = "claimed capture" if cap is cl else "capture"
                out.append(make_finding(
                    codes.CAPTURE_AFTER_UPLOAD, "error", [p],
                    f"{what} time {cap.value} ({cap.field}) is {_span(gap)} after the upload time {up.value}"
                    + (f"; {NOT_FIRST_SEEN}" if cap is best and is_capture(info, best) else ""),
                    capture=cap.evidence(), upload=up.evidence(),
                ))
    if best is not None and cl is not None:
        gap = _later(cl, best, policy.claim_tolerance_s) or _later(best, cl, policy.claim_tolerance_s)
        if gap is not None:
            out.append(make_finding(
                codes.CAPTURE_TIME_MISMATCH, "error", [p],
                f"the file says it was recorded at {best.value} ({best.field}) but is claimed to be from {cl.value}",
                capture=best.evidence(), claimed=cl.evidence(), apart_hours=_hours(abs(best.earliest - cl.earliest)),
                tolerance_s=policy.claim_tolerance_s,
            ))
    out += _place(info, policy) + _stated_places(info, policy)
    if info.truncated:
        held = f"{info.frame_count or 0} frame(s), {info.duration or 0:.2f} s"
        gif = " (a GIF without its trailer)" if info.container == "gif" else ""
        out.append(make_finding(
            codes.TRUNCATED, "warning", [p],
            f"the header declares {info.declared_duration:.2f} s of video, the file holds {held}: a truncated "
            "download or copy" if info.declared_duration else
            f"the file ends before its container does{gif} and holds {held}: a truncated download or copy; how much "
            "is missing is not known",
            duration=info.duration, declared_duration=info.declared_duration, frame_count=info.frame_count))
    return out


def clock_findings(info: MediaInfo, clock: When, policy: Policy | None = None) -> list[Finding]:
    """A burnt-in clock against the file's capture time and its claimed time: ``clock`` is the time it shows at the
    start of playback, a local time of unknown zone (a clock shows no zone), compared as every such time is (a
    finding only when no zone reconciles them). A re-encoder's creation time is when the file was written: footage
    is stamped before that, never after. A time the file's own findings call impossible (in the future, a claimed
    capture after the upload) is not compared."""
    policy = policy or Policy()
    doubtful = {(t.get("field"), t.get("value")) for f in file_findings(info, policy)
                if f.code in (codes.FUTURE_DATE, codes.CAPTURE_AFTER_UPLOAD)
                for t in (f.evidence.get("time"), f.evidence.get("capture")) if isinstance(t, dict)}
    out: list[Finding] = []
    best, cl = created(info), claimed(info)
    for other, tol in ((best, policy.clock_tolerance_s + (info.duration or 0.0)), (cl, policy.claim_tolerance_s)):
        if other is None or (other.field, other.value) in doubtful:
            continue
        written = other is best and not is_capture(info, best)  # a re-encoder's time: only a later clock is wrong
        gap = _later(clock, other, tol) or (None if written else _later(other, clock, tol))
        if gap is None:
            continue
        what = ("the claimed time" if other is cl else "the time the file was written" if written
                else "the capture time")
        out.append(make_finding(
            codes.CLOCK_MISMATCH, "warning", [info.path],
            f"the burnt-in clock reads {clock.value} at the start, {_span(gap)} "
            f"{'after' if clock.earliest > other.latest else 'before'} {what} {other.value} ({other.field}) in any "
            "time zone",
            clock=clock.evidence(), against=other.evidence(), beyond_any_zone_hours=_hours(gap), tolerance_s=tol))
    return out


def _stated_places(info: MediaInfo, policy: Policy) -> list[Finding]:
    """Two positions stated by one file (udta and ilst, QuickTime keys, EXIF) beyond the tolerance: both reported."""
    from .place import distance_m

    out: list[Finding] = []
    g = info.gps
    for other in info.other_gps if g is not None else ():
        assert g is not None
        d = distance_m((g.lat, g.lon), (other.lat, other.lon))
        if d > policy.place_tolerance_m:
            out.append(make_finding(
                codes.PLACE_MISMATCH, "warning", [info.path],
                f"the file states two positions {d / 1000:,.1f} km apart: ({g.lat:.5f}, {g.lon:.5f}) "
                f"in {g.source} and ({other.lat:.5f}, {other.lon:.5f}) in {other.source}",
                gps=g.to_dict(), other_gps=other.to_dict(), distance_m=round(d, 1),
                tolerance_m=policy.place_tolerance_m))
    return out


def _within_file(info: MediaInfo, tol: float) -> list[Finding]:
    """Capture-time fields of one file against each other: a zone error or a real disagreement."""
    out: list[Finding] = []
    times = capture_times(info)
    for a, b in itertools.combinations(times, 2):
        if a.value == b.value:
            continue
        if a.exact and b.exact:
            delta = a.earliest - b.earliest
            if abs(delta.total_seconds()) <= tol:
                continue
            steps = _quarter_hours(delta, tol)
            gps = a.field in GPS_TIME_FIELDS or b.field in GPS_TIME_FIELDS
            if steps is not None:
                wall = _wall_clock_as_utc(a, b)
                why = (f"{wall.field} holds the local wall-clock time written as UTC" if wall
                       else "one of them carries the wrong zone")
                out.append(make_finding(
                    codes.TIMEZONE_INCONSISTENT, "warning", [info.path],
                    f"{a.field} {a.value} and {b.field} {b.value} differ by {_hours(delta)} h, a whole zone offset: "
                    + why, a=a.evidence(), b=b.evidence(), difference_hours=_hours(delta),
                    against_gps=gps, tolerance_s=tol,
                ))
            else:
                out.append(make_finding(
                    codes.CAPTURE_TIME_MISMATCH, "warning", [info.path],
                    f"{a.field} {a.value} and {b.field} {b.value} differ by {_hours(delta)} h",
                    a=a.evidence(), b=b.evidence(), difference_hours=_hours(delta), tolerance_s=tol,
                ))
        else:
            # a local time of unknown zone against another time: they agree when some zone reconciles them
            gap = _later(a, b, tol) or _later(b, a, tol)
            if gap is not None:
                out.append(make_finding(
                    codes.CAPTURE_TIME_MISMATCH, "warning", [info.path],
                    f"{a.field} {a.value} and {b.field} {b.value} cannot be the same moment in any time zone",
                    a=a.evidence(), b=b.evidence(), beyond_any_zone_hours=_hours(gap), tolerance_s=tol,
                ))
    return out


def _wall_clock_as_utc(a: When, b: When) -> When | None:
    """Of a zoned local time and a UTC time, the UTC one when it equals the local wall clock (a classic bug)."""
    for local, utc in ((a, b), (b, a)):
        if local.timezone not in (None, "Z", "+00:00") and utc.timezone in ("Z", "+00:00"):
            parsed = dates.parse_time(local.value)
            wall = dates.local_naive(parsed[0]) if parsed else None
            if wall is not None and abs((wall.replace(tzinfo=UTC) - utc.earliest).total_seconds()) <= 120:
                return utc
    return None


def _place_gap(c: Claims, gps: GPS, policy: Policy) -> tuple[str, dict[str, Any]] | None:
    """How a claimed place disagrees with a GPS point: (what the claim was taken to be, evidence), or None when
    they agree or cannot be compared. A name is compared with every place it can mean, each with its reach."""
    from .place import distance_m, parse_place
    from .placenames import describe_place, nearest

    lookup = c.claimed_place_lookup
    if lookup is None:
        try:
            lat, lon, _alt = parse_place(c.claimed_place or "")
        except ValueError:
            return None
        d = distance_m((gps.lat, gps.lon), (lat, lon))
        if d <= policy.place_tolerance_m:
            return None
        return "the claimed place", {"distance_m": round(d, 1), "tolerance_m": policy.place_tolerance_m}
    near = nearest(lookup, gps.lat, gps.lon, policy.place_tolerance_m) if lookup.status == "found" else None
    if near is None or near[1] <= near[2]:
        return None
    place, d, allowed = near
    n = len(lookup.candidates)
    what = f"{describe_place(place)}, " + (f"the nearest of the {n} places named {c.claimed_place!r}" if n > 1
                                           else f"the place named {c.claimed_place!r}")
    return what, {"distance_m": round(d, 1), "tolerance_m": round(allowed, 1), "place": place.to_dict(),
                  "candidates": n, "gazetteer": lookup.gazetteer}


def _place(info: MediaInfo, policy: Policy) -> list[Finding]:
    c = info.claims
    if c is None or not c.claimed_place:
        return []
    out = _place_not_compared(info.path, c)
    gap = _place_gap(c, info.gps, policy) if info.gps is not None and not out else None
    if gap is None or info.gps is None:
        return out
    what, ev = gap
    return [make_finding(
        codes.PLACE_MISMATCH, "warning", [info.path],
        f"GPS in the file ({info.gps.lat:.5f}, {info.gps.lon:.5f}) is {ev['distance_m'] / 1000:,.1f} km from "
        f"{what}, beyond the {ev['tolerance_m'] / 1000:,.1f} km allowed",
        gps=info.gps.to_dict(), claimed_place=c.claimed_place, **ev,
    )]


def _place_not_compared(path: str, c: Claims) -> list[Finding]:
    """A claimed place that no GPS can be compared with, said plainly (a name the gazetteer could not place)."""
    from .place import parse_place

    lookup = c.claimed_place_lookup
    if lookup is not None and lookup.status == "found":
        return []
    if lookup is None:
        try:
            parse_place(c.claimed_place or "")
            return []
        except ValueError:
            status, reason, source = "not-looked-up", "it is not coordinates, and it was not looked up in the " \
                "gazetteer (media.claims.claim_place does that)", ""
    else:
        status, reason, source = lookup.status, lookup.reason or lookup.status, lookup.gazetteer
    return [make_finding(
        codes.PLACE_NOT_COMPARED, "info", [path],
        f"the claimed place {c.claimed_place!r} was not compared with any GPS: {reason}",
        claimed_place=c.claimed_place, status=status, reason=reason, gazetteer=source,
        unused=list(lookup.unused) if lookup is not None else [],
    )]


# ------------------------------------------------------------------------------------------------ a group


@dataclass(frozen=True)
class _Member:
    info: MediaInfo
    created: When | None = None
    upload: When | None = None
    claimed: When | None = None


def group_findings(members: Sequence[MediaInfo], pairs: Sequence[Match] = (),
                   policy: Policy | None = None) -> list[Finding]:
    """Findings across uploads of the same footage: who had it first, whose dates cannot be right, and how each
    member differs from the reference (``pairs``: reference = A against each member = B).

    A creation time written by a re-encoder (``writer.original is False``, and not a device-only field such as
    QuickTime's creationdate) says when that file was written, not when the footage was captured: it proves the
    footage existed by then, but it is not compared as a capture."""
    policy = policy or Policy()
    ms = [_Member(i, created(i), upload(i), claimed(i)) for i in members]
    out: list[Finding] = []

    def camera(m: _Member) -> bool:  # a re-encoder's creation time is when it wrote the file, not a capture
        return is_capture(m.info, m.created)

    captures = [m.created for m in ms if camera(m) and m.created is not None]
    # the footage was captured no later than the earliest capture time any copy carries: an upload before it
    # contradicts it (one of them is wrong)
    cap = min(captures, key=lambda w: w.latest) if captures else None
    if cap is not None:
        for m in ms:
            if m.upload is not None and m.info.path != cap.path:
                gap = _later(cap, m.upload, policy.clock_tolerance_s)
                if gap is not None:
                    out.append(make_finding(
                        codes.CAPTURE_AFTER_UPLOAD, "error", [cap.path, m.info.path],
                        f"{_n(m.info.path)} was uploaded {m.upload.value}, {_span(gap)} before the footage was "
                        f"captured ({cap.value}, {cap.field} of {_n(cap.path)}); {NOT_FIRST_SEEN}",
                        capture=cap.evidence(), capture_path=cap.path, upload=m.upload.evidence(),
                    ))
    contradicted = _contradicted(ms, cap, camera, policy)

    for m in ms:
        others = [o for o in ms if o is not m]
        caps = [o.created for o in others if camera(o) and o.created is not None]
        ups = [o.upload for o in others if o.upload is not None and o.upload not in contradicted]
        # a time a device capture time shows to be impossible is not evidence that the footage existed then
        excluded = [(w, contradicted[w]) for o in others for w in (o.created, o.upload) if w in contradicted]
        if m.claimed is not None:
            # a claimed date later than the footage demonstrably existed: earliest capture first, then uploads
            for pool in (caps, ups):
                if not pool:
                    continue
                first = min(pool, key=lambda w: w.latest)
                gap = _later(m.claimed, first, policy.claim_tolerance_s)
                if gap is not None:
                    out.append(_recycled("error", m, m.claimed, "is claimed to be from", first, gap,
                                         excluded if pool is ups else ()))
                    break
        proofs = [w for o in others for w in (o.created, o.upload) if w is not None and w not in contradicted]
        if m.upload is not None and proofs:
            first = min(proofs, key=lambda w: w.latest)
            gap = _later(m.upload, first, policy.recycled_after_days * 86400)
            if gap is not None:
                f = _recycled("warning", m, m.upload, "was uploaded", first, m.upload.earliest - first.latest,
                              excluded)
                out.append(replace(f, evidence={**f.evidence, "threshold_days": policy.recycled_after_days}))

    # capture times of the same footage must agree (each pair reported once)
    with_times = [m for m in ms if camera(m)]
    for x, y in itertools.combinations(with_times, 2):
        assert x.created is not None and y.created is not None
        tol = policy.clock_tolerance_s + max(x.info.duration or 0.0, y.info.duration or 0.0)
        gap = _later(x.created, y.created, tol) or _later(y.created, x.created, tol)
        if gap is not None:
            out.append(make_finding(
                codes.CAPTURE_TIME_MISMATCH, "warning", [x.info.path, y.info.path],
                f"same footage, different capture times: {x.created.value} ({x.created.field} of {_n(x.info.path)}) "
                f"and {y.created.value} ({y.created.field} of {_n(y.info.path)})",
                a=x.created.evidence(), b=y.created.evidence(), beyond_tolerance_hours=_hours(gap),
                tolerance_s=tol,
            ))

    out += _group_place(ms, policy)
    for match in pairs:
        out += pair_edit_findings(match)
    return out


def _group_place(ms: Sequence[_Member], policy: Policy) -> list[Finding]:
    """A member claimed somewhere else than where another copy of the footage says (GPS) it was recorded."""
    out: list[Finding] = []
    located = [m for m in ms if m.info.gps is not None]
    for m in ms:
        c = m.info.claims
        if c is None or not c.claimed_place or m.info.gps is not None:  # its own GPS: file_findings checks it
            continue
        for o in located:
            g = o.info.gps
            assert g is not None
            gap = _place_gap(c, g, policy)
            if gap is not None:
                what, ev = gap
                out.append(make_finding(
                    codes.PLACE_MISMATCH, "warning", [m.info.path, o.info.path],
                    f"{_n(m.info.path)} is claimed to show {c.claimed_place}, but the same footage in "
                    f"{_n(o.info.path)} carries GPS {g.lat:.5f}, {g.lon:.5f}, {ev['distance_m'] / 1000:,.0f} km "
                    + ("away" if what == "the claimed place" else
                       f"from {what} ({ev['tolerance_m'] / 1000:,.1f} km allowed)"),
                    claimed_place=c.claimed_place, gps=g.to_dict(), gps_path=o.info.path, **ev,
                ))
                break
    return out


def _contradicted(ms: Sequence[_Member], cap: When | None, camera: Callable[[_Member], bool],
                  policy: Policy) -> dict[When, When]:
    """Upload times, and creation times a re-encoder wrote, that lie before a device capture time of the footage
    (the file's own, or the group's earliest): ``{time: the capture time it contradicts}``."""
    out: dict[When, When] = {}
    for m in ms:
        own = m.created if camera(m) else None
        for w in (m.upload, None if camera(m) else m.created):
            for c in (own, cap):
                if w is not None and c is not None and _later(c, w, policy.clock_tolerance_s) is not None:
                    out[w] = c
                    break
    return out


def _recycled(severity: str, m: _Member, mine: When, verb: str, first: When, gap: timedelta,
              excluded: Sequence[tuple[When, When]] = ()) -> Finding:
    excluded = [(w, c) for w, c in excluded if w.latest < first.latest]  # those that would have come first
    note = "".join(
        f"; not counted: {w.field} {w.value} of {_n(w.path)}, before the capture time {c.value} ({c.field} of "
        f"{_n(c.path)})" for w, c in excluded)
    return make_finding(
        codes.RECYCLED_FOOTAGE, severity, [m.info.path, first.path],
        f"{_n(m.info.path)} {verb} {mine.value}, but the footage already existed at {first.value} "
        f"({first.field} of {_n(first.path)}), {gap.total_seconds() / 86400:.1f} days earlier" + note,
        member=mine.evidence(), first_seen=first.evidence(), first_seen_path=first.path,
        days_earlier=round(gap.total_seconds() / 86400, 2),
        **({"excluded": [{"time": w.evidence(), "path": w.path, "contradicts": c.evidence(), "capture_path": c.path}
                         for w, c in excluded]} if excluded else {}),
    )


def sound_findings(pairs: Sequence[Match], sound_only: Sequence[Match]) -> list[Finding]:
    """``audio-replaced`` for a reference (A) and a member (B) whose picture matched with other sound over it
    (``pairs``), and ``audio-reused`` for two files that share sound but no picture (``sound_only``)."""
    out = []
    for m in pairs:
        replaced = [e for e in m.edits if e.type == codes.AUDIO_REPLACED]  # the edit bears its finding's name
        if replaced:
            out.append(make_finding(
                codes.AUDIO_REPLACED, "warning", [m.b.path],
                f"{_n(m.b.path)} shows the picture of {_n(m.a.path)} with other sound over it",
                reference=m.a.path, stretches=[{"b_start": e.b_start, "b_end": e.b_end} for e in replaced]))
    for m in sound_only:
        audio = m.audio
        if audio is None:
            continue
        out.append(make_finding(
            codes.AUDIO_REUSED, "warning", [m.a.path, m.b.path],
            f"{_n(m.a.path)} and {_n(m.b.path)} share sound ({audio.verdict}) but no picture",
            audio=audio.verdict, segments=[s.to_dict() for s in audio.segments]))
    return out


def pair_edit_findings(m: Match) -> list[Finding]:
    """``duplicate`` or ``edited`` for a reference (A) and one member (B)."""
    if m.verdict == "unrelated":
        return []
    paths = [m.b.path, m.a.path]
    if m.verdict == "identical":
        return [make_finding(codes.DUPLICATE, "info", paths, f"{_n(m.b.path)} is byte-identical to {_n(m.a.path)}",
                         sha256=m.a.sha256, kind="identical bytes")]
    content = sorted({e.type for e in m.edits} - EDIT_TYPES_NOT_CONTENT)
    if not content and min(m.coverage.get("a", 0.0), m.coverage.get("b", 0.0)) >= 0.95:
        return [make_finding(codes.DUPLICATE, "info", paths, f"{_n(m.b.path)} is a re-encode of all of {_n(m.a.path)}",
                         kind="re-encode", edits=sorted({e.type for e in m.edits}), coverage=m.coverage)]
    if content:
        return [make_finding(codes.EDITED, "warning", paths,
                         f"{_n(m.b.path)} differs from {_n(m.a.path)}: {', '.join(content)}",
                         edits=content, coverage=m.coverage)]
    return []


__all__ = [
    "CAPTURE_FIELDS",
    "Policy",
    "When",
    "capture_times",
    "clock_findings",
    "file_findings",
    "group_findings",
    "pair_edit_findings",
    "sound_findings",
    "when",
]
