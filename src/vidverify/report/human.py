"""Numbers as people write them: durations (``3.8 days``, ``6.7 years``), file sizes (``4.2 MB``), picture sizes
(``854x480 -> 640x360``), regions (``407x720 at x=436, y=0``), times (``14 Mar 2026 09:26:53 UTC-04:00``) and
each edit's detail in a few words. Pure functions of values; the HTML report and the terminal use them."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..evidence import codes, dates
from ..models import BLURRED_FILL, Credentials, Edit, LineageEntry

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
MONTH = 30.436875 * DAY  # a mean Gregorian month
YEAR = 365.2425 * DAY  # a mean Gregorian year


def _num(x: float, decimals: int = 1) -> str:
    """``3.8``, ``2`` (no trailing ``.0``), ``1,204``."""
    text = f"{x:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _unit(x: float, unit: str) -> str:
    n = _num(x)
    return f"{n} {unit}" if n == "1" or unit == "s" else f"{n} {unit}s"


def duration_text(seconds: float | None) -> str:
    """A span of time in the largest unit that keeps it readable: ``0.4 s``, ``12 s``, ``5.5 min``, ``3.2 hours``,
    ``3.8 days``, ``4.1 months``, ``6.7 years``. The sign is dropped (say before/after in words)."""
    if seconds is None:
        return "–"
    s = abs(float(seconds))
    if s < MINUTE:
        return f"{_num(s)} s"
    if s < HOUR:
        return f"{_num(s / MINUTE)} min"
    if s < 2 * DAY:
        return _unit(s / HOUR, "hour")
    if s < 60 * DAY:
        return _unit(s / DAY, "day")
    if s < 2 * YEAR:
        return _unit(s / MONTH, "month")
    return _unit(s / YEAR, "year")


def size_text(n: int | None) -> str | None:
    """Bytes in decimal units: ``812 bytes``, ``1.0 MB``, ``4.2 GB`` (the exact count is for a tooltip)."""
    if n is None:
        return None
    if n < 1000:
        return f"{n:,} byte{'s' if n != 1 else ''}"
    x = float(n)
    for unit in ("kB", "MB", "GB", "TB"):
        x /= 1000
        if x < 999.95 or unit == "TB":
            return f"{x:.1f} {unit}"
    return None  # pragma: no cover - the loop returns at TB


def dims_text(size: Sequence[Any] | None) -> str | None:
    """``[854, 480]`` -> ``854x480``."""
    if not size or len(size) < 2:
        return None
    return f"{int(size[0])}x{int(size[1])}"


def resize_text(a: Sequence[Any] | None, b: Sequence[Any] | None) -> str | None:
    """``854x480 -> 640x360``."""
    da, db = dims_text(a), dims_text(b)
    return f"{da} -> {db}" if da and db else da or db


def box_text(box: Sequence[Any] | None) -> str | None:
    """A region ``[x, y, w, h]`` in pixels: ``407x720 at x=436, y=0``."""
    if not box or len(box) < 4:
        return None
    x, y, w, h = (int(round(float(v))) for v in box[:4])
    return f"{w}x{h} at x={x}, y={y}"


def percent_text(share: float | None) -> str:
    """``0.319`` -> ``32%``; under 1% as ``<1%``."""
    if share is None:
        return "–"
    p = float(share) * 100
    return "<1%" if 0 < p < 0.5 else f"{p:.0f}%"


def distance_text(metres: float | None) -> str:
    """``5425987.7`` -> ``5,426 km``; ``350`` -> ``350 m``."""
    if metres is None:
        return "–"
    m = abs(float(metres))
    return f"{m:,.0f} m" if m < 1000 else f"{_num(m / 1000, 1 if m < 10000 else 0)} km"


def zone_text(tz: str | None) -> str:
    """``-04:00`` -> ``UTC-04:00``; ``Z`` -> ``UTC``; none -> ``zone unknown``."""
    if tz is None:
        return "zone unknown"
    if tz in ("Z", "+00:00", "-00:00"):
        return "UTC"
    return f"UTC{tz}"


def _day(d: datetime) -> str:
    return f"{d.day} {d:%b %Y}"


def time_text(iso: str | None) -> str | None:
    """An ISO time as written in a report: ``14 Mar 2026 09:26:53 UTC-04:00`` (its own wall clock and zone, every
    second kept), ``14 Mar 2026 09:26:53 (zone unknown)``, or ``19 Mar 2026`` for a date alone. Text that is not
    a time comes back as it is."""
    if not iso:
        return None
    text = str(iso)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return _day(datetime.strptime(text, "%Y-%m-%d"))
        except ValueError:
            return text
    parsed = dates.parse_time(text)
    local = dates.local_naive(parsed[0]) if parsed else None
    if parsed is None or local is None:
        return text
    clock = local.strftime("%H:%M:%S") + (f".{local.microsecond:06d}".rstrip("0") if local.microsecond else "")
    zone = zone_text(parsed[1])
    return f"{_day(local)} {clock} " + (zone if parsed[1] else f"({zone})")


def instant(iso: str | None) -> datetime | None:
    """The UTC instant of a time or a date alone (a date is taken at 00:00 UTC, a time of unknown zone as UTC):
    what a chronology sorts by. None for text that is no time."""
    if not iso:
        return None
    text = str(iso)
    if len(text) == 10:
        text += "T00:00:00Z"
    parsed = dates.parse_time(text)
    if parsed is None:
        return None
    exact = dates.to_utc(parsed[0])
    if exact is not None:
        return exact
    naive = dates.local_naive(parsed[0])
    return naive.replace(tzinfo=dates.tzinfo_of("Z")) if naive else None


def _s(v: Any) -> str:
    return f"{float(v):g}" if isinstance(v, int | float) and not isinstance(v, bool) else str(v)


def _seconds(v: Any) -> str:
    return duration_text(float(v)) if isinstance(v, int | float) else str(v)


def rate_text(speed: float) -> str:
    """The pace B plays A's footage at, from a segment's ``speed`` (B's seconds per second of A, so 0.5 is twice
    as fast): ``1×``, ``1.99× (faster)``, ``0.5× (slower)``."""
    if not speed or speed <= 0:
        return "unknown"
    rate = 1.0 / float(speed)
    if abs(rate - 1.0) < 0.005:
        return "1×"
    return f"{_num(rate, 2)}× ({'faster' if rate > 1 else 'slower'})"


def edit_text(e: Edit) -> str:
    """What an edit did, in a few words: ``1280x720 -> 720x1280``, ``keeps 407x720 at x=436, y=0 of A (32% of
    the picture)``, ``2 s missing from the middle``. An edit type not known here lists its detail as it is."""
    d = e.detail
    if e.type == "scale" and ("a_size" in d or "b_size" in d):
        return resize_text(d.get("a_size"), d.get("b_size")) or "resized"
    if e.type == "crop" and "region" in d:
        whose = "B" if d.get("of") == "b" else "A"
        kept = f" ({percent_text(d['kept_area'])} of the picture)" if "kept_area" in d else ""
        text = f"keeps {box_text(d['region'])} of {whose}{kept}"
        return text + (f", {d['kind']}" if d.get("kind") else "")
    if e.type == "overlay" and "box" in d:
        share = f" ({percent_text(d['share_of_frame'])} of the frame)" if "share_of_frame" in d else ""
        where = " over the blurred fill" if d.get("over") == "fill" else ""
        return f"box {box_text(d['box'])} in B{share}{where}"
    if e.type == "pad" and isinstance(d.get("bars"), dict):
        bars = ", ".join(f"{k} {int(v)}" for k, v in d["bars"].items() if v)
        what = {"canvas": "inside a canvas", BLURRED_FILL: "inside a blurred fill of its own picture"}.get(
            d.get("surround", ""), "bars added")
        angle = ", seen at an angle: straightened through its corners" if d.get("corners") else ""  # a re-film
        return (f"{what} ({bars} px)" if bars else what) + angle
    if e.type == "trim" and "seconds" in d:
        return f"{_seconds(d['seconds'])} removed at the {d.get('where', 'edge')}"
    if e.type == "cut" and e.a_start is not None and e.a_end is not None:
        return f"{duration_text(e.a_end - e.a_start)} missing (A {e.a_start:.2f}-{e.a_end:.2f} s)"
    if e.type == "insert" and "seconds" in d:
        where = f" at B {e.b_start:.2f} s" if e.b_start is not None else ""
        return f"{_seconds(d['seconds'])} of other footage{where}"
    if e.type == "mirror":
        return "flipped left-right" if d.get("axis", "horizontal") == "horizontal" else f"flipped ({d['axis']})"
    if e.type == "rotate" and "degrees" in d:
        turn = abs(d["degrees"]) if d.get("direction") else d["degrees"]  # the direction gives the sign
        return f"rotated {_s(turn)}°" + (f" {d['direction']}" if d.get("direction") else "")
    if e.type == "speed" and isinstance(d.get("speed"), int | float) and d["speed"] > 0:
        return f"played at {rate_text(d['speed'])}"
    if e.type == "frame-rate" and "a_fps" in d:
        return f"{_s(d['a_fps'])} fps -> {_s(d.get('b_fps'))} fps"
    if e.type == "reencode":
        bits = d.get("mean_distance_bits")
        return "re-encoded" + (f" (frames {_s(bits)} bits from A's)" if bits is not None else "")
    if e.type == "color" and d.get("kind"):
        rest = ", ".join(f"{k.replace('_', ' ')} {_s(v)}" for k, v in d.items() if k != "kind")
        return f"{d['kind']}" + (f" ({rest})" if rest else "")
    if e.type == "audio-offset" and "offset" in d:
        return f"B's sound {abs(d['offset']):.2f} s {'later' if d['offset'] > 0 else 'earlier'} against its picture"
    if e.type == codes.AUDIO_REPLACED:  # the edit type bears its finding's name
        return "other sound over the same picture"
    if e.type == "audio-removed":
        return "sound removed" if d.get("b_sound") != "silent" else "sound silenced"
    rest = ", ".join(f"{k.replace('_', ' ')} {_s(v)}" for k, v in d.items())
    return rest or e.type


SOUND_WORDS = {"same": "the same sound", "partial": "some sound shared", "different": "different sound",
               "none": "no sound to compare"}


def sound(audio: Any) -> str:
    """The ``audio`` of a compare in a few words (``AudioMatch`` or None: not fingerprinted)."""
    if audio is None:
        return "not compared (a fingerprint without sound)"
    text = str(SOUND_WORDS.get(audio.verdict, audio.verdict))
    if audio.verdict == "none":
        gone = [f"{side} {state}" for side, state in (("A", audio.a_sound), ("B", audio.b_sound)) if state != "sound"]
        text += f" ({', '.join(gone)})" if gone else ""
    if audio.offset is not None:
        text += f", offset {audio.offset:+.2f} s"
    return text
_STATE_WORDS = {"valid": "valid (signer on your trust list)", "untrusted": "intact, signer not on your trust list",
                "invalid": "INVALID (changed after signing, or unreadable)"}


def credentials_text(c: Credentials | None, provenance: str | None = None) -> str:
    """One line on a file's C2PA content credentials: state, signer, source type, AI label, failures.
    ``provenance``: where the XMP of a file without an embedded manifest says it is (probe's tag)."""
    if c is None:
        if provenance and provenance.startswith("self#"):
            return "none, but its XMP refers to an embedded manifest that is no longer there (removed after signing)"
        if provenance:
            return f"none embedded; refers to a remote manifest at {provenance} (not fetched: no network calls)"
        return "none"
    bits = [_STATE_WORDS.get(c.state, c.state)]
    if c.signer:
        bits.append(f"signed by {c.signer}" + (f" on {time_text(c.issued)}" if c.issued else ""))
    if c.digital_source_type:
        bits.append(c.digital_source_type)
    if c.ai_generated:
        bits.append("declares generative AI")
    if c.actions:
        bits.append("actions " + ", ".join(c.actions))
    shown = [f for f in c.failures if f != "signingCredential.untrusted" or c.state != "untrusted"]
    if shown:
        bits.append("failures " + ", ".join(shown))
    return "; ".join(bits)


def credentials_badge(c: Credentials | None) -> tuple[str, str] | None:
    """(short label, CSS class) of the credentials badge in the HTML report; None without credentials."""
    if c is None:
        return None
    label = {"valid": "C2PA valid", "untrusted": "C2PA untrusted", "invalid": "C2PA invalid"}.get(c.state, "C2PA")
    return (label + (" · AI" if c.ai_generated else ""), f"cr-{c.state}")


def made_from(e: LineageEntry | None) -> str:
    """A member's place in its group's lineage: the file it was made from and the confidence, or that it is the
    earliest version, or that its source is not in the set."""
    if e is None:
        return ""
    if e.parent is None:
        return f"none in the set: the earliest version (confidence {e.confidence:.2f})"
    if e.evidence and e.evidence[0] == "parent-not-in-set":
        return f"a source not in the set (confidence {e.confidence:.2f})"
    if len(e.sources) > 1:
        return " + ".join(os.path.basename(p) for p in e.sources) + f" (a composite, confidence {e.confidence:.2f})"
    return f"{os.path.basename(e.parent)} (confidence {e.confidence:.2f})"


__all__ = [
    "made_from",
    "box_text",
    "credentials_badge",
    "credentials_text",
    "dims_text",
    "distance_text",
    "duration_text",
    "edit_text",
    "rate_text",
    "instant",
    "percent_text",
    "resize_text",
    "size_text",
    "sound",
    "time_text",
    "zone_text",
]

