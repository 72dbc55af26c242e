"""GoPro GPMF telemetry: GPS fixes from the ``gpmd`` timed-metadata track of an MP4.

GPMF is a KLV format (https://github.com/gopro/gpmf-parser): each item is a 4-character key, a type character,
a structure size (bytes per sample, 1 byte), a repeat count (samples, 2 bytes big-endian), then
``size * repeat`` bytes of big-endian data padded to a multiple of 4. Type ``\\0`` is a nested container
(``DEVC`` device > ``STRM`` stream > items). Inside a stream, ``SCAL`` divisors, the ``TYPE`` of a complex
(``?``) structure and GPS attributes (``GPSU`` time, ``GPSF`` fix, ``GPSP`` precision) precede the data they
describe.

Positions read, in order of preference (the first present becomes :attr:`GpmfGps.source`):

* ``GPS5`` (HERO5-HERO10): lat, lon, alt, 2D speed, 3D speed at ~18 Hz; one UTC time (``GPSU``) per block,
  so each block contributes one *fix* (its first sample, with that time);
* ``GPS9`` (HERO11+): the same plus days since 2000, seconds since midnight, DOP and fix per sample;
* ``GLPI`` (Karma drone "Position"): system time, lat, lon, alt, relative alt, velocity, heading. Times are on
  the drone's system clock and become UTC through the ``SYST`` (system time, UNIX time) pairs of the whole
  file, interpolated linearly as ExifTool does;
* ``GPRI`` (Karma "GPS RAW"): system time, lat, lon, alt, HDOP, ..., fix type (MAVLink ``GPS_RAW_INT``).

Defensive: the box walk is :mod:`vidverify.media.isobmff`'s bounded walker; at most :data:`MAX_TOTAL_BYTES`
of telemetry are read; KLV nesting is followed to :data:`MAX_DEPTH` levels and :data:`MAX_ITEMS` items per
payload. Malformed telemetry never raises from :func:`read_gps`: what could not be read is listed in
``GpmfGps.errors``. The strict KLV parser :func:`parse_klv` raises :class:`GpmfError` (a
:class:`~vidverify.errors.CorruptMediaError`, so an :class:`~vidverify.errors.InputError`) and nothing else.
"""

from __future__ import annotations

import math
import os
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ...errors import CorruptMediaError
from ...models import Model
from . import isobmff

__all__ = [
    "MAX_DEPTH",
    "MAX_ITEMS",
    "MAX_SAMPLE_BYTES",
    "MAX_TOTAL_BYTES",
    "GpmfError",
    "GpmfGps",
    "GpsFix",
    "Klv",
    "gps_from_payloads",
    "klv_values",
    "parse_klv",
    "read_gps",
]

MAX_TOTAL_BYTES = 64 * 2**20
"""Telemetry bytes read at most from one file (bytes)."""
MAX_SAMPLE_BYTES = 16 * 2**20
"""Bytes read at most for one ``gpmd`` sample (bytes)."""
MAX_GPMD_SAMPLES = 1_000_000
"""``gpmd`` samples (payloads, usually one per second) read at most (count)."""
MAX_DEPTH = 8
"""KLV container nesting followed at most (levels; real files use 2: DEVC > STRM)."""
MAX_ITEMS = 1_000_000
"""KLV items parsed at most per :func:`parse_klv` call (count)."""
MAX_KEPT_SAMPLES = 200_000
"""Position samples kept at most in ``GpmfGps.samples`` (count)."""
MAX_ERRORS = 100
"""Error messages kept at most (count)."""

_TYPES: dict[str, tuple[str, int]] = {
    # GPMF type char -> (struct code, bytes)
    "b": ("b", 1),
    "B": ("B", 1),
    "c": ("s", 1),
    "d": ("d", 8),
    "f": ("f", 4),
    "F": ("4s", 4),
    "G": ("16s", 16),
    "j": ("q", 8),
    "J": ("Q", 8),
    "l": ("i", 4),
    "L": ("I", 4),
    "q": ("i", 4),  # Q15.16 fixed point
    "Q": ("q", 8),  # Q31.32 fixed point
    "s": ("h", 2),
    "S": ("H", 2),
    "U": ("16s", 16),  # UTC date 'yymmddhhmmss.sss'
}
_FIXED = {"q": 65536.0, "Q": 4294967296.0}
_TYPE_TOKEN = re.compile(r"([A-Za-z])(?:\[(\d{1,4})\])?")
_GPS_STREAMS = ("GPS5", "GPS9", "GLPI", "GPRI")
_EPOCH_2000 = datetime(2000, 1, 1, tzinfo=UTC)
_GPS9_MAX_DAYS = 73_000  # GPS9 day counts beyond 2199 are damage, not dates
_UNIX_MIN, _UNIX_MAX = 0.0, 253402300799.0  # 1970 .. 9999-12-31


class GpmfError(CorruptMediaError):
    """GPMF (KLV) telemetry that is truncated or malformed."""


# ------------------------------------------------------------------------------------------------ KLV


@dataclass(frozen=True, slots=True)
class Klv:
    """One KLV item. ``type`` is ``"\\0"`` for a container, whose items are in ``children``."""

    key: str
    type: str
    size: int
    """Bytes per sample (the structure size)."""
    repeat: int
    """Samples."""
    data: bytes = b""
    children: tuple[Klv, ...] = ()

    @property
    def nested(self) -> bool:
        return self.type == "\x00"


class _Budget:
    def __init__(self, max_items: int) -> None:
        self.left = max_items


def _fail(msg: str, errors: list[str] | None) -> None:
    if errors is None:
        raise GpmfError(msg)
    if len(errors) < MAX_ERRORS:
        errors.append(msg)


def _parse_level(
    data: bytes, start: int, end: int, depth: int, max_depth: int, budget: _Budget, errors: list[str] | None
) -> list[Klv]:
    """Items in ``data[start:end]``; every step advances by at least 8 bytes, so the loop ends."""
    items: list[Klv] = []
    off = start
    while off < end:
        if end - off < 8:
            if any(data[off:end]):
                _fail(f"{end - off} trailing bytes at offset {off}", errors)
            break
        key_b = data[off : off + 4]
        if key_b == b"\x00\x00\x00\x00":
            break  # null key: padding / end of data
        if not all(0x20 <= c <= 0x7E for c in key_b):
            _fail(f"invalid key {key_b!r} at offset {off}", errors)
            break
        key = key_b.decode("ascii")
        typ = chr(data[off + 4])
        ssize = data[off + 5]
        repeat = (data[off + 6] << 8) | data[off + 7]
        size = ssize * repeat
        body = off + 8
        if body + size > end:
            _fail(f"{key} at offset {off} declares {size} bytes, only {end - body} available (truncated)", errors)
            break
        budget.left -= 1
        if budget.left < 0:
            _fail(f"more than {MAX_ITEMS} items; rest not read", errors)
            break
        if typ == "\x00":
            if depth >= max_depth:
                _fail(f"{key} at offset {off} nested deeper than {max_depth} levels", errors)
                break
            kids = _parse_level(data, body, body + size, depth + 1, max_depth, budget, errors)
            items.append(Klv(key, typ, ssize, repeat, b"", tuple(kids)))
        else:
            items.append(Klv(key, typ, ssize, repeat, bytes(data[body : body + size])))
        off = body + ((size + 3) & ~3)
    return items


def parse_klv(
    data: bytes | bytearray | memoryview,
    *,
    max_depth: int = MAX_DEPTH,
    max_items: int = MAX_ITEMS,
    errors: list[str] | None = None,
) -> list[Klv]:
    """Parse one GPMF payload into its top-level items (containers hold their children).

    Strict by default: malformed input raises :class:`GpmfError` (and nothing else). With an ``errors`` list,
    parsing is lenient instead: each problem is appended there and the items read before it are returned.
    Linear in the input size; nesting is bounded by ``max_depth`` and the item count by ``max_items``.
    """
    buf = bytes(data)
    return _parse_level(buf, 0, len(buf), 0, max(1, max_depth), _Budget(max_items), errors)


def _struct_of(type_str: str) -> tuple[str, str] | None:
    """A ``TYPE`` string like ``LllllsssS`` or ``f[4]L`` -> (struct format, one type char per element)."""
    fmt: list[str] = []
    chars: list[str] = []
    pos = 0
    for m in _TYPE_TOKEN.finditer(type_str):
        if m.start() != pos:
            return None
        pos = m.end()
        t = m.group(1)
        if t not in _TYPES or t == "c" and m.group(2) is None:
            return None
        n = int(m.group(2) or 1)
        if t == "c":  # fixed-length string
            fmt.append(f"{n}s")
            chars.append("c")
        else:
            fmt.extend([_TYPES[t][0]] * n)
            chars.extend([t] * n)
        if len(chars) > 4096:
            return None
    if pos != len(type_str.rstrip("\x00")) or not chars:
        return None
    return ">" + "".join(fmt), "".join(chars)


def klv_values(item: Klv, type_str: str | None = None) -> list[tuple[Any, ...]]:
    """Decode a data item into one tuple per sample (numbers, or bytes for ``c``/``F``/``G``/``U``).

    ``type_str`` is the stream's ``TYPE`` for a complex (``?``) item. Fixed-point types are converted to
    floats. Raises :class:`GpmfError` when the item cannot be decoded with its declared layout.
    """
    if item.nested:
        raise GpmfError(f"{item.key} is a container, not data")
    if item.type == "c":
        return [(item.data[i * item.size : (i + 1) * item.size],) for i in range(item.repeat)]
    if item.type == "?":
        if not type_str:
            raise GpmfError(f"{item.key}: complex structure without a TYPE")
        got = _struct_of(type_str)
        if got is None:
            raise GpmfError(f"{item.key}: unsupported TYPE {type_str!r}")
        fmt, chars = got
    else:
        if item.type not in _TYPES:
            raise GpmfError(f"{item.key}: unknown type {item.type!r}")
        code, width = _TYPES[item.type]
        if item.size % width:
            raise GpmfError(f"{item.key}: structure size {item.size} is not a multiple of {width}")
        n = item.size // width
        fmt, chars = ">" + code * n, item.type * n
    try:
        st = struct.Struct(fmt)
    except struct.error as exc:  # pragma: no cover - formats are built from the table above
        raise GpmfError(f"{item.key}: bad layout ({exc})") from exc
    if st.size != item.size:
        raise GpmfError(f"{item.key}: TYPE {type_str!r} is {st.size} bytes, samples are {item.size}")
    out: list[tuple[Any, ...]] = []
    for i in range(item.repeat):
        vals = st.unpack_from(item.data, i * item.size)
        if any(c in _FIXED for c in chars):
            vals = tuple(v / _FIXED[c] if c in _FIXED else v for v, c in zip(vals, chars, strict=True))
        out.append(vals)
    return out


def _scaled(samples: list[tuple[Any, ...]], scal: Sequence[float] | None) -> list[tuple[float, ...]]:
    out: list[tuple[float, ...]] = []
    for s in samples:
        nums = [float(v) if isinstance(v, int | float) else math.nan for v in s]
        if scal:
            nums = [v / scal[i % len(scal)] if scal[i % len(scal)] else math.nan for i, v in enumerate(nums)]
        out.append(tuple(nums))
    return out


def _first_number(samples: list[tuple[Any, ...]]) -> float | None:
    """The first value of the first sample when it is a finite number."""
    if not samples or not samples[0]:
        return None
    v = samples[0][0]
    if isinstance(v, int | float) and math.isfinite(v):
        return float(v)
    return None


def _text(item: Klv) -> str:
    return item.data.split(b"\x00", 1)[0].decode("latin-1").strip()


def _gpsu(raw: bytes) -> str | None:
    """``b'170417192757.366'`` -> ``'2017-04-17T19:27:57.366Z'`` (None when not a valid time)."""
    m = re.fullmatch(rb"(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?", raw.rstrip(b"\x00 "))
    if m is None:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    frac = (m.group(7) or b"0").decode()
    try:
        dt = datetime(2000 + y, mo, d, h, mi, s, int(frac.ljust(6, "0")), tzinfo=UTC)
    except ValueError:
        return None
    return _iso(dt)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _unix_iso(t: float) -> str | None:
    if not (math.isfinite(t) and _UNIX_MIN < t < _UNIX_MAX):
        return None
    ms = round(t * 1000)
    return _iso(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms))


# ------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class GpsFix(Model):
    """One GPS position from the telemetry. Degrees north/east (WGS84), metres, metres per second."""

    lat: float
    lon: float
    alt: float | None = None
    utc: str | None = None
    """UTC time of the fix, ISO 8601 with milliseconds and ``Z``; None when the stream gives none."""
    time: float | None = None
    """Seconds on the file's telemetry track timeline (start of its ``gpmd`` sample plus the sample's share)."""
    speed2d: float | None = None
    speed3d: float | None = None
    fix: int | None = None
    """0 no lock, 2 2D, 3 3D (``GPSF``; GPS9's fix field; None when not given)."""
    precision: float | None = None
    """Dilution of precision (``GPSP`` / 100; below 5 is good)."""
    stream: str = "GPS5"


@dataclass(frozen=True)
class GpmfGps(Model):
    """GPS read from a file's GoPro telemetry (:func:`read_gps`)."""

    fixes: tuple[GpsFix, ...] = ()
    """Timestamped positions with a lock, in file order: one per GPS5 block (its first sample, at ``GPSU``),
    every sample of GPS9/GLPI/GPRI (each carries its own time)."""
    first: GpsFix | None = None
    """The first of ``fixes`` (the earliest position with a lock)."""
    count: int = 0
    """``len(fixes)``."""
    source: str | None = None
    """The stream the fixes come from: ``GPS5``, ``GPS9``, ``GLPI`` or ``GPRI``; None when there is no GPS."""
    streams: dict[str, int] = field(default_factory=dict)
    """Timestamped positions found per GPS stream (before dropping those without a lock)."""
    unlocked: int = 0
    """Positions of the source stream dropped because the receiver had no lock (GPSF 0, or 0,0)."""
    samples: tuple[GpsFix, ...] = ()
    """Every position sample of the source stream (GPS5 at ~18 Hz), when asked for (``samples=True``)."""
    other: tuple[GpsFix, ...] = ()  # the other streams' fixes, each with its ``stream`` (GPRI beside GLPI)
    payloads: int = 0
    """``gpmd`` samples parsed."""
    track: int | None = None
    """1-based index of the ``gpmd`` track among the file's ``trak`` boxes."""
    errors: tuple[str, ...] = ()


# ------------------------------------------------------------------------------------------------ extraction


class _Collector:
    def __init__(self, keep_samples: bool) -> None:
        self.keep = keep_samples
        self.fixes: dict[str, list[GpsFix]] = {s: [] for s in _GPS_STREAMS}
        self.samples: dict[str, list[GpsFix]] = {s: [] for s in _GPS_STREAMS}
        self.unlocked: dict[str, int] = {s: 0 for s in _GPS_STREAMS}
        self.systime: list[tuple[float, float]] = []  # (system time s, unix time s)
        self.pending: list[tuple[float, GpsFix]] = []  # (system time, fix) of GLPI/GPRI, timed at the end
        self.errors: list[str] = []
        self.payloads = 0

    def error(self, msg: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(msg)

    def add(self, stream: str, fx: GpsFix, *, timestamped: bool, system_time: float | None = None) -> None:
        locked = fx.fix != 0 and not (fx.lat == 0 and fx.lon == 0)
        valid = math.isfinite(fx.lat) and math.isfinite(fx.lon) and -90 <= fx.lat <= 90 and -180 <= fx.lon <= 180
        if self.keep and valid and len(self.samples[stream]) < MAX_KEPT_SAMPLES:
            self.samples[stream].append(fx)
        if not timestamped:
            return
        if not valid:
            self.error(f"{stream}: position {fx.lat}, {fx.lon} out of range; ignored")
            return
        if not locked:
            self.unlocked[stream] += 1
            return
        if len(self.fixes[stream]) < MAX_KEPT_SAMPLES:
            self.fixes[stream].append(fx)
            if system_time is not None:
                self.pending.append((system_time, fx))

    def payload(self, data: bytes, t0: float | None, dur: float | None, label: str) -> None:
        self.payloads += 1
        errs: list[str] = []
        items = parse_klv(data, errors=errs)
        for e in errs:
            self.error(f"{label}: {e}")
        self.walk(items, t0, dur, label, 0)

    def walk(self, items: list[Klv], t0: float | None, dur: float | None, label: str, depth: int) -> None:
        scal: list[float] | None = None
        type_str: str | None = None
        gpsu: str | None = None
        gpsf: int | None = None
        gpsp: float | None = None
        for it in items:
            if it.nested:
                if depth < MAX_DEPTH:
                    self.walk(list(it.children), t0, dur, label, depth + 1)
                continue
            try:
                k = it.key
                if k == "SCAL":
                    scal = [float(x) for row in klv_values(it) for x in row if isinstance(x, int | float)] or None
                elif k == "TYPE":
                    type_str = _text(it)
                elif k == "GPSU":
                    vals = klv_values(it)
                    gpsu = _gpsu(vals[0][0]) if vals and vals[0] and isinstance(vals[0][0], bytes) else None
                    if gpsu is None:
                        self.error(f"{label}: unreadable GPSU {it.data[:16]!r}")
                elif k == "GPSF":
                    v = _first_number(klv_values(it))
                    gpsf = int(v) if v is not None and 0 <= v < 256 else None
                elif k == "GPSP":
                    v = _first_number(klv_values(it))
                    gpsp = v / 100.0 if v is not None else None
                elif k == "SYST":
                    for s in _scaled(klv_values(it, type_str), scal):
                        if len(s) >= 2 and math.isfinite(s[0]) and math.isfinite(s[1]):
                            self.systime.append((s[0], s[1]))
                elif k in _GPS_STREAMS:
                    rows = _scaled(klv_values(it, type_str), scal)
                    self.positions(k, rows, t0, dur, gpsu, gpsf, gpsp)
            except GpmfError as exc:
                self.error(f"{label}: {exc}")
            except (ValueError, OverflowError, ArithmeticError, IndexError) as exc:  # backstop: odd values
                self.error(f"{label}: {it.key}: unreadable value ({type(exc).__name__}: {exc})")

    def positions(
        self,
        key: str,
        rows: list[tuple[float, ...]],
        t0: float | None,
        dur: float | None,
        gpsu: str | None,
        gpsf: int | None,
        gpsp: float | None,
    ) -> None:
        n = len(rows)

        def at(i: int) -> float | None:
            if t0 is None:
                return None
            return round(t0 + (dur or 0.0) * i / n, 6)

        def opt(v: float) -> float | None:
            return v if math.isfinite(v) else None

        need = {"GPS5": 5, "GPS9": 9, "GLPI": 4, "GPRI": 4}[key]
        for i, r in enumerate(rows):
            if len(r) < need:
                self.error(f"{key}: {len(r)} values per sample, expected {need}")
                return
            if key == "GPS5":
                fx = GpsFix(
                    r[0], r[1], opt(r[2]), gpsu if i == 0 else None, at(i), opt(r[3]), opt(r[4]), gpsf, gpsp, key
                )
                self.add(key, fx, timestamped=i == 0 and gpsu is not None)
            elif key == "GPS9":
                utc = None
                if 0 <= r[5] < _GPS9_MAX_DAYS and 0 <= r[6] <= 86_401:  # (False for NaN)
                    utc = _iso(_EPOCH_2000 + timedelta(days=r[5], seconds=r[6]))
                fix = int(r[8]) if math.isfinite(r[8]) else None
                fx = GpsFix(r[0], r[1], opt(r[2]), utc, at(i), opt(r[3]), opt(r[4]), fix, opt(r[7]), key)
                self.add(key, fx, timestamped=utc is not None)
            elif key == "GLPI":  # MAVLink GLOBAL_POSITION_INT: boot time, lat, lon, alt, rel. alt, vx, vy, vz, hdg
                v2d = math.hypot(r[5], r[6]) if len(r) > 6 else math.nan
                fx = GpsFix(r[1], r[2], opt(r[3]), None, at(i), opt(v2d), stream=key)
                self.add(key, fx, timestamped=True, system_time=r[0])
            else:  # GPRI, MAVLink GPS_RAW_INT: boot time, lat, lon, alt, eph, epv, vel, cog, fix type, satellites
                fix = None
                if len(r) > 8 and math.isfinite(r[8]):
                    fix = int(r[8]) if r[8] >= 2 else 0
                hdop = opt(r[4]) if len(r) > 4 else None
                speed = opt(r[6]) if len(r) > 6 else None
                fx = GpsFix(r[1], r[2], opt(r[3]), None, at(i), speed, None, fix, hdop, key)
                self.add(key, fx, timestamped=True, system_time=r[0])

    def system_times(self) -> None:
        """Give GLPI/GPRI fixes their UTC time from the SYST calibration pairs (linear inter/extrapolation)."""
        if not self.pending:
            return
        cal = sorted(self.systime)
        if not cal:
            self.error("Karma GPS: no SYST calibration; fix times unknown")
            return
        utc = {id(fx): _unix_iso(_system_to_unix(cal, st)) if math.isfinite(st) else None for st, fx in self.pending}
        for s in ("GLPI", "GPRI"):
            self.fixes[s] = [_with_utc(fx, utc.get(id(fx), fx.utc)) for fx in self.fixes[s]]
        self.pending = []

    def result(self, track: int | None, extra_errors: Iterable[str] = ()) -> GpmfGps:
        self.system_times()
        source = next((s for s in _GPS_STREAMS if self.fixes[s]), None)
        if source is None:
            source = next((s for s in _GPS_STREAMS if self.unlocked[s]), None)
        fixes = tuple(self.fixes[source]) if source else ()
        streams = {s: len(self.fixes[s]) + self.unlocked[s] for s in _GPS_STREAMS if self.fixes[s] or self.unlocked[s]}
        return GpmfGps(
            fixes=fixes,
            first=fixes[0] if fixes else None,
            count=len(fixes),
            source=source,
            streams=streams,
            unlocked=self.unlocked[source] if source else 0,
            samples=tuple(self.samples[source]) if source and self.keep else (),
            other=tuple(fx for s in _GPS_STREAMS if s != source for fx in self.fixes[s]),
            payloads=self.payloads,
            track=track,
            errors=tuple(list(extra_errors) + self.errors)[:MAX_ERRORS],
        )


def _with_utc(fx: GpsFix, utc: str | None) -> GpsFix:
    return GpsFix(fx.lat, fx.lon, fx.alt, utc, fx.time, fx.speed2d, fx.speed3d, fx.fix, fx.precision, fx.stream)


def _system_to_unix(cal: list[tuple[float, float]], st: float) -> float:
    """System clock -> UNIX time through the bracketing calibration pair (ExifTool's ConvertSystemTime)."""
    i, j = 0, len(cal) - 1
    while j - i > 1:
        mid = (i + j) // 2
        if st < cal[mid][0]:
            j = mid
        else:
            i = mid
    if i == j or cal[j][0] == cal[i][0]:
        return cal[i][1]
    return cal[i][1] + (cal[j][1] - cal[i][1]) * (st - cal[i][0]) / (cal[j][0] - cal[i][0])


def gps_from_payloads(
    payloads: Iterable[bytes | tuple[bytes, float | None, float | None]], *, samples: bool = False
) -> GpmfGps:
    """GPS from raw GPMF payloads (each ``bytes``, or ``(bytes, start s, duration s)`` on the track timeline).

    Never raises for malformed payloads: problems are in ``errors``.
    """
    c = _Collector(samples)
    for n, p in enumerate(payloads):
        data, t0, dur = (p, None, None) if isinstance(p, bytes | bytearray | memoryview) else p
        c.payload(bytes(data), t0, dur, f"payload {n + 1}")
    return c.result(None)


# ------------------------------------------------------------------------------------------------ MP4


@dataclass
class _Tables:
    index: int
    timescale: int = 0
    entries: list[bytes] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    const_size: int = 0
    count: int = 0
    chunks: list[int] = field(default_factory=list)
    stsc: list[tuple[int, int]] = field(default_factory=list)
    stts: list[tuple[int, int]] = field(default_factory=list)


def _u32s(d: bytes, off: int, n: int, width: int = 4) -> list[int]:
    n = max(0, min(n, (len(d) - off) // width))
    return list(struct.unpack_from(f">{n}{'I' if width == 4 else 'Q'}", d, off)) if n else []


def _read_stbl(p: isobmff._Parser, src: Any, stbl: Any, tb: _Tables, where: str) -> None:
    for box in p.boxes(src, stbl.payload, stbl.end, where):
        t = box.type
        if t == b"stsd":
            for e in p.boxes(src, box.payload + 8, box.end, f"{where}.stsd"):
                tb.entries.append(e.type)
                if len(tb.entries) >= 16:
                    break
            continue
        if t not in (b"stsz", b"stco", b"co64", b"stsc", b"stts"):
            continue
        d = p.payload(src, box, where=f" in {where}")
        if len(d) < 8:
            p.error(f"{box.name} in {where} truncated")
            continue
        count = struct.unpack_from(">I", d, 4)[0]
        if t == b"stsz":
            if len(d) < 12:
                p.error(f"stsz in {where} truncated")
                continue
            tb.const_size, tb.count = struct.unpack_from(">II", d, 4)
            if tb.const_size == 0:
                tb.sizes = _u32s(d, 12, tb.count)
                if len(tb.sizes) < tb.count:
                    p.error(f"stsz in {where} declares {tb.count} samples, {len(tb.sizes)} present")
                    tb.count = len(tb.sizes)
        elif t == b"stco":
            tb.chunks = _u32s(d, 8, count)
        elif t == b"co64":
            tb.chunks = _u32s(d, 8, count, 8)
        elif t == b"stsc":
            v = _u32s(d, 8, count * 3)
            tb.stsc = [(v[i], v[i + 1]) for i in range(0, len(v) - 2, 3)]
        else:
            v = _u32s(d, 8, count * 2)
            tb.stts = [(v[i], v[i + 1]) for i in range(0, len(v) - 1, 2)]


def _gpmd_tables(p: isobmff._Parser, src: Any) -> _Tables | None:
    for top in p.boxes(src, 0, src.size, "file", strict_types=True):
        if top.type != b"moov":
            continue
        inner = src
        if top.size <= p.max_payload:
            inner = isobmff._BytesSource(src.read(top.payload, top.size), base=top.payload, size=src.size)
        n = 0
        for trak in p.boxes(inner, top.payload, top.end, "moov"):
            if trak.type != b"trak":
                continue
            n += 1
            tb = _Tables(n)
            for mdia in p.boxes(inner, trak.payload, trak.end, f"trak{n}"):
                if mdia.type != b"mdia":
                    continue
                for box in p.boxes(inner, mdia.payload, mdia.end, f"trak{n}.mdia"):
                    if box.type == b"mdhd":
                        d = p.payload(inner, box, limit=64)
                        if len(d) >= 24:
                            tb.timescale = struct.unpack_from(">I", d, 20 if d[0] == 1 else 12)[0]
                    elif box.type == b"minf":
                        for stbl in p.boxes(inner, box.payload, box.end, f"trak{n}.minf"):
                            if stbl.type == b"stbl":
                                _read_stbl(p, inner, stbl, tb, f"trak{n}.stbl")
            if b"gpmd" in tb.entries:
                return tb
        return None  # only the first moov counts
    return None


def _sample_layout(tb: _Tables, errors: list[str]) -> list[tuple[int, int, float | None, float | None]]:
    """(offset, size, start s, duration s) of each sample, from stsz/stco/stsc/stts."""
    count = min(tb.count, MAX_GPMD_SAMPLES)
    if tb.count > MAX_GPMD_SAMPLES:
        errors.append(f"gpmd track has {tb.count} samples; first {MAX_GPMD_SAMPLES} read")
    sizes = tb.sizes if tb.const_size == 0 else [tb.const_size] * count
    times: list[tuple[float | None, float | None]] = []
    ts = tb.timescale
    acc = 0
    for n, delta in tb.stts:
        for _ in range(min(n, count - len(times))):
            times.append((acc / ts if ts else None, delta / ts if ts else None))
            acc += delta
        if len(times) >= count:
            break
    out: list[tuple[int, int, float | None, float | None]] = []
    stsc = sorted(tb.stsc) or [(1, 1)]
    k = 0
    for ci, chunk_off in enumerate(tb.chunks, start=1):
        while k + 1 < len(stsc) and stsc[k + 1][0] <= ci:
            k += 1
        off = chunk_off
        for _ in range(stsc[k][1]):
            i = len(out)
            if i >= count:
                break
            t0, dur = times[i] if i < len(times) else (None, None)
            out.append((off, sizes[i], t0, dur))
            off += sizes[i]
        if len(out) >= count:
            break
    if len(out) < count:
        errors.append(f"gpmd chunk table locates {len(out)} of {count} samples")
    return out


def read_gps(path: str | os.PathLike[str], *, samples: bool = False) -> GpmfGps:
    """GPS fixes from the GoPro ``gpmd`` telemetry track of an MP4/MOV.

    Returns an empty :class:`GpmfGps` (``count == 0``, ``track is None``) when the file has no ``gpmd`` track
    or is not ISO BMFF. Malformed telemetry is reported in ``errors``, never raised. Raises ``OSError`` only
    when the file cannot be opened. ``samples=True`` also keeps every position sample (GPS5 at ~18 Hz).
    """
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        src = isobmff._FileSource(fh, size)
        if not isobmff.looks_like_isobmff(src.read(0, 16)):
            return GpmfGps()
        p = isobmff._Parser(src, isobmff.DEFAULT_MAX_BOXES, isobmff.DEFAULT_MAX_DEPTH, isobmff.DEFAULT_MAX_PAYLOAD)
        errors: list[str] = []
        try:
            tb = _gpmd_tables(p, src)
        except (struct.error, ValueError, IndexError, OverflowError, MemoryError) as exc:  # defensive backstop
            return GpmfGps(errors=(f"box walk stopped: {type(exc).__name__}: {exc}",))
        if tb is None:
            return GpmfGps()
        layout = _sample_layout(tb, errors)
        c = _Collector(samples)
        total = 0
        for n, (off, sz, t0, dur) in enumerate(layout, start=1):
            if sz > MAX_SAMPLE_BYTES:
                errors.append(f"gpmd sample {n}: {sz} bytes exceeds {MAX_SAMPLE_BYTES}; skipped")
                continue
            if total + sz > MAX_TOTAL_BYTES:
                errors.append(f"telemetry read limit ({MAX_TOTAL_BYTES} bytes) reached at sample {n}; rest skipped")
                break
            total += sz
            data = src.read(off, sz)
            if len(data) < sz:
                errors.append(f"gpmd sample {n} at offset {off}: {sz} bytes declared, {len(data)} in the file")
            c.payload(data, t0, dur, f"gpmd sample {n}")
        return c.result(tb.index, [f"MP4 structure: {e}" for e in p.errors] + errors)
