"""Places: parse what a user types as a location, measure great-circle distances, describe a point.

Pure: no I/O. Accepted inputs of :func:`parse_place` (whitespace is free, case does not matter):

* decimal degrees ``"48.8566,2.3522"``, ``"48.8566 2.3522"``, ``"48.8566, 2.3522, 35"`` (altitude in metres,
  an optional trailing ``m``);
* ISO 6709 as cameras write it (``"+48.8566+002.3522/"``, ``"+48.8566+002.3522+035.000/"``), read by
  :func:`parse_iso6709`;
* degrees, minutes and seconds with hemisphere letters: ``48°51'24"N 2°21'08"E``, ``N 48°51'24", E 2°21'8"``,
  ``48°51.4'N 2°21.1'E``, ``48.8566°N, 2.3522°E``, ``48 deg 51' 24.00" N, 2 deg 21' 8.00" E`` (ExifTool's
  print form); the typographic primes ``′ ″`` and curly quotes are accepted too. A sign may stand in for
  the hemisphere (``-33°52'"`` is south).

Anything else raises :class:`PlaceError` (a :class:`~vidverify.errors.UsageError` and a ``ValueError``) saying
which forms are accepted.
"""

from __future__ import annotations

import math
import re

from ..errors import UsageError

_ISO6709_RE = re.compile(r"^\s*([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?(?:CRS[^/]*)?/?\s*$",
                         re.ASCII)


def parse_iso6709(text: str) -> tuple[float, float, float | None] | None:
    """``+40.6892-074.0445+010.000/`` -> (40.6892, -74.0445, 10.0). Degrees-only form (the common one)."""
    m = _ISO6709_RE.match(text or "")
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    alt = float(m.group(3)) if m.group(3) else None
    if alt is not None and not abs(alt) < 1e7:  # "+9999…9" is inf: not an altitude, and not valid JSON
        alt = None
    return lat, lon, alt


__all__ = [
    "EARTH_MEAN_RADIUS_M",
    "HAVERSINE_MAX_RELATIVE_ERROR",
    "PlaceError",
    "describe",
    "distance_m",
    "format_dms",
    "parse_iso6709",
    "parse_place",
]

EARTH_MEAN_RADIUS_M = 6_371_008.8
"""Mean radius of the WGS84 ellipsoid, R1 = (2a + b) / 3 (metres)."""
HAVERSINE_MAX_RELATIVE_ERROR = 0.0056
"""Worst-case relative difference between the spherical great-circle distance of :func:`distance_m` and the
WGS84 ellipsoidal geodesic (dimensionless; about 0.56 % for short north-south lines near the poles or the
equator, typically below 0.3 %). Good for "is it the same town", not for surveying."""

_ACCEPTED = (
    "expected 'lat,lon', 'lat,lon,alt', ISO 6709 like '+48.8566+002.3522/', or degrees-minutes-seconds like "
    "48°51'24\"N 2°21'08\"E"
)

_NUM = r"\d+(?:\.\d*)?|\.\d+"
_SNUM = rf"[+-]?(?:{_NUM})"
_DECIMAL_RE = re.compile(
    rf"^\s*(?P<lat>{_SNUM})\s*(?:,|;|\s)\s*(?P<lon>{_SNUM})"
    rf"(?:\s*(?:,|;|\s)\s*(?P<alt>{_SNUM})\s*(?:m\b)?)?\s*$",
    re.IGNORECASE,
)
# one coordinate: [hemisphere] [sign] degrees [°|deg] [minutes '] [seconds "] [hemisphere]


def _coord(n: int) -> str:
    return (
        rf"(?P<h1{n}>[NSEW])?\s*(?P<sign{n}>[+-])?\s*"
        rf"(?P<deg{n}>{_NUM})\s*(?:°|deg\b|d\b)?\s*"
        rf"(?:(?P<min{n}>{_NUM})\s*'\s*)?"
        rf"(?:(?P<sec{n}>{_NUM})\s*\"\s*)?"
        rf"(?P<h2{n}>[NSEW])?"
    )


_DMS_RE = re.compile(r"^\s*" + _coord(1) + r"\s*(?:,|;|/)?\s*" + _coord(2) + r"\s*$", re.IGNORECASE)
_QUOTES = str.maketrans({"′": "'", "’": "'", "‘": "'", "´": "'", "″": '"', "”": '"', "“": '"', "º": "°", "˚": "°"})


class PlaceError(UsageError, ValueError):
    """A place given by the user could not be read (exit code 2, like any usage error)."""


def _check(lat: float, lon: float, alt: float | None, text: str) -> tuple[float, float, float | None]:
    if not (math.isfinite(lat) and math.isfinite(lon)) or (alt is not None and not math.isfinite(alt)):
        raise PlaceError(f"place {text!r}: coordinates must be finite numbers")
    if not -90.0 <= lat <= 90.0:
        raise PlaceError(f"place {text!r}: latitude {lat:g} is outside -90..90")
    if not -180.0 <= lon <= 180.0:
        raise PlaceError(f"place {text!r}: longitude {lon:g} is outside -180..180")
    return lat, lon, alt


def _dms_value(m: re.Match[str], n: int, text: str) -> tuple[float, str | None]:
    """(signed degrees, hemisphere letter or None) of coordinate ``n`` in a DMS match."""
    h1, h2 = m.group(f"h1{n}"), m.group(f"h2{n}")
    if h1 and h2:
        raise PlaceError(f"place {text!r}: a coordinate has two hemisphere letters")
    hemi = (h1 or h2 or "").upper() or None
    deg = float(m.group(f"deg{n}"))
    mins = float(m.group(f"min{n}") or 0.0)
    secs = float(m.group(f"sec{n}") or 0.0)
    if m.group(f"sec{n}") is not None and m.group(f"min{n}") is None:
        raise PlaceError(f"place {text!r}: seconds given without minutes")
    if mins >= 60 or secs >= 60:
        raise PlaceError(f"place {text!r}: minutes and seconds must be below 60")
    if (mins or secs) and deg != int(deg):
        raise PlaceError(f"place {text!r}: fractional degrees cannot be followed by minutes or seconds")
    value = deg + mins / 60.0 + secs / 3600.0
    if m.group(f"sign{n}") == "-":
        if hemi is not None:
            raise PlaceError(f"place {text!r}: give either a sign or a hemisphere letter, not both")
        value = -value
    if hemi in ("S", "W"):
        value = -value
    return value, hemi


def _parse_dms(text: str) -> tuple[float, float] | None:
    m = _DMS_RE.match(text.translate(_QUOTES))
    if m is None:
        return None
    a, ha = _dms_value(m, 1, text)
    b, hb = _dms_value(m, 2, text)
    if ha is None and hb is None:
        # plain numbers also match the pattern; only a degree/minute/second mark makes them DMS
        if not re.search(r"[°'\"]|deg", text.translate(_QUOTES), re.IGNORECASE):
            return None
        return a, b
    if ha in ("E", "W") and hb in ("N", "S", None) or hb in ("N", "S") and ha is None:
        a, b = b, a  # longitude given first
        ha, hb = hb, ha
    if ha in ("E", "W") or hb in ("N", "S"):
        raise PlaceError(f"place {text!r}: expected one latitude (N/S) and one longitude (E/W)")
    return a, b


def parse_place(text: str) -> tuple[float, float, float | None]:
    """``text`` -> (latitude, longitude, altitude in metres or None), degrees north and east (WGS84).

    Raises :class:`PlaceError` when ``text`` is none of the accepted forms (see the module docstring) or the
    values are out of range.
    """
    if not isinstance(text, str) or not text.strip():
        raise PlaceError(f"empty place; {_ACCEPTED}")
    if len(text) > 200:
        raise PlaceError(f"place too long ({len(text)} characters); {_ACCEPTED}")
    m = _DECIMAL_RE.match(text)
    if m is not None:
        alt = float(m.group("alt")) if m.group("alt") is not None else None
        return _check(float(m.group("lat")), float(m.group("lon")), alt, text)
    stripped = text.strip()
    if stripped[:1] in "+-" and stripped.count("+") + stripped.count("-") >= 2:
        iso = parse_iso6709(stripped)
        if iso is not None:
            return _check(*iso, text)
    dms = _parse_dms(text)
    if dms is not None:
        return _check(dms[0], dms[1], None, text)
    raise PlaceError(f"cannot read place {text!r}; {_ACCEPTED}")


def distance_m(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Great-circle distance in metres between ``a`` and ``b``, each ``(lat, lon[, alt])`` in degrees.

    Haversine formula on a sphere of radius :data:`EARTH_MEAN_RADIUS_M`; altitudes are ignored. Numerically
    stable for coincident points, antipodes and lines across the antimeridian. Relative to the WGS84
    ellipsoid (Vincenty/Karney geodesic) the result is off by at most :data:`HAVERSINE_MAX_RELATIVE_ERROR`
    (about 0.5 %, i.e. under 2 km for Paris-London).
    """
    lat1, lon1 = math.radians(a[0]), math.radians(a[1])
    lat2, lon2 = math.radians(b[0]), math.radians(b[1])
    dlat = lat2 - lat1
    dlon = lon2 - lon1
    h = math.sin(dlat / 2.0) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2.0) ** 2
    h = min(1.0, max(0.0, h))
    return 2.0 * EARTH_MEAN_RADIUS_M * math.asin(math.sqrt(h))


def format_dms(value: float, positive: str, negative: str) -> str:
    """``48.8566, "N", "S"`` -> ``48°51'23.8"N`` (seconds to 0.1", about 3 m)."""
    hemi = positive if value >= 0 else negative
    tenths = round(abs(value) * 36000)  # tenths of an arc second, rounded once so 59.96" carries over
    deg, rem = divmod(tenths, 36000)
    mins, tsec = divmod(rem, 600)
    return f"{deg}°{mins:02d}'{tsec / 10:04.1f}\"{hemi}"


def describe(lat: float, lon: float, alt: float | None = None) -> str:
    """A human-readable point: ``48.856600, 2.352200 (48°51'23.8"N 2°21'07.9"E)`` plus ``, 35 m`` when known.

    Decimal degrees with 6 places (about 0.1 m) first, so the text can be pasted back into
    :func:`parse_place` or a map search.
    """
    text = f"{lat:.6f}, {lon:.6f} ({format_dms(lat, 'N', 'S')} {format_dms(lon, 'E', 'W')})"
    if alt is not None:
        text += f", {alt:g} m"
    return text
