"""Claims about a file that come from outside it: yt-dlp ``.info.json`` sidecars and user claims files.

* :func:`find_sidecar` — the yt-dlp sidecar beside a media file (``clip.info.json`` or ``clip.mp4.info.json``),
  only from the media's own folder.
* :func:`read_info_json` — a sidecar to :class:`~vidverify.models.Claims` (see :data:`UPLOAD_TIME_KEYS`).
* :func:`read_claims_file` — a user claims file (YAML or JSON) to ``{absolute media path: Claims}``::

      # claims.yaml — file names are relative to this file's folder
      default:                      # optional: applies to every file (a file's own entry wins)
        claimed_place: "Paris"
      files:
        clip.mp4:
          claimed_time: "2024-05-01T14:00:00+02:00"   # ISO 8601; a date alone is kept as a date
          claimed_place: "48.8566,2.3522"             # coordinates (checked) or a name: "Kyiv, Ukraine"
        sub/other.mov:
          uploader: "Witness A"

  Keys allowed in ``default`` and in each file entry: :data:`CLAIM_KEYS`. Anything else is an error that names
  the field (and the line, for YAML). A place name is looked up in the offline gazetteer (:func:`claim_place`).
* :func:`merge_claims` — sidecar + user: every field the user gives overrides the sidecar's.
* :func:`claims_for` — all of the above for one media file, the call that probe/scan use.

Every problem is a :class:`~vidverify.errors.SidecarError` (an ``InputError``, exit code 4) with a one-line
message; nothing else escapes (fuzzed in ``tests/media/test_claims.py``).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import fields as dc_fields
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import SidecarError, UsageError
from ..evidence import dates
from ..evidence.place import parse_place
from ..models import Claims, PlaceLookup, Timestamp
from . import files

MAX_SIDECAR_BYTES = 16 * 2**20
"""A sidecar larger than this (bytes) is refused; yt-dlp's are a few hundred KiB with every format listed."""
MAX_CLAIMS_BYTES = 4 * 2**20
"""A user claims file larger than this (bytes) is refused."""
MAX_TEXT_CHARS = 100_000
"""Titles and descriptions are cut to this many characters (an ellipsis marks the cut)."""
DEFAULT_KEY = "*"
"""Key of the ``default`` entry in what :func:`read_claims_file` returns."""
SIDECAR_SUFFIX = ".info.json"

UPLOAD_TIME_KEYS = ("timestamp", "release_timestamp", "upload_date", "release_date")
"""Where the upload time comes from, first present wins: ``timestamp`` / ``release_timestamp`` (epoch seconds,
exact) become a UTC instant ``YYYY-MM-DDTHH:MM:SSZ``; ``upload_date`` / ``release_date`` (``YYYYMMDD``) become a
date alone ``YYYY-MM-DD`` whose time and zone are unknown (yt-dlp takes the day from the site, which may be in
the site's or the uploader's zone)."""
UPLOADER_KEYS = ("uploader", "channel", "uploader_id", "creator")
URL_KEYS = ("webpage_url", "original_url")
CLAIM_KEYS = ("claimed_time", "claimed_place", "upload_time", "uploader", "url", "title", "description")
"""Fields a user claims file may set (the fields of :class:`~vidverify.models.Claims` but ``source`` and
``claimed_place_lookup``, which is made from ``claimed_place``)."""

MAX_PLACE_CHARS = 200
"""A claimed place longer than this (characters) is refused."""
_COORD_WORDS = frozenset({"n", "s", "e", "w", "deg", "d", "m"})
_DATE_RE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")
_LATLON_RE = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*,\s*([+-]?\d+(?:\.\d+)?)\s*$")
_MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


# ------------------------------------------------------------------------------------------------- finding


def find_sidecar(media_path: str | os.PathLike[str]) -> Path | None:
    """``<stem>.info.json`` or ``<name>.info.json`` beside the media, or None.

    The sidecar must be a regular file in the media's folder: a symlink that resolves to a file in another
    folder is refused (None), so a shared folder cannot pull claims in from elsewhere. The media's folder is
    the one it was named in, or the one its own symlink points into.
    """
    media = Path(media_path)
    folder = media.parent
    try:
        allowed = {folder.resolve(), media.resolve().parent}
    except (OSError, RuntimeError):
        return None
    for name in (media.stem + SIDECAR_SUFFIX, media.name + SIDECAR_SUFFIX):
        cand = folder / name
        try:
            if not cand.is_file():
                continue
            if cand.resolve().parent not in allowed:
                continue
        except (OSError, RuntimeError):
            continue
        return cand
    return None


# ------------------------------------------------------------------------------------------------- sidecar


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT_CHARS else text[: MAX_TEXT_CHARS - 1] + "…"


def _str_field(doc: dict[str, Any], key: str, path: Path) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SidecarError(f"field {key!r} should be text, got {type(value).__name__}", path=str(path))
    value = value.replace("\x00", "").strip()
    return _cut(value) if value else None


def _epoch_field(doc: dict[str, Any], key: str, path: Path) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SidecarError(f"field {key!r} should be epoch seconds, got {type(value).__name__}", path=str(path))
    if not math.isfinite(value) or not 0 <= value <= _MAX_EPOCH:
        raise SidecarError(f"field {key!r} is out of range: {value!r}", path=str(path))
    return dates.epoch_to_iso(value)


def _date_field(doc: dict[str, Any], key: str, path: Path) -> str | None:
    value = _str_field(doc, key, path)
    if value is None:
        return None
    m = _DATE_RE.match(value)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            pass
    raise SidecarError(f"field {key!r} should be a date YYYYMMDD, got {value[:40]!r}", path=str(path))


def upload_time_of(doc: dict[str, Any], path: Path) -> tuple[str, str] | None:
    """``(value, key)`` of the upload time per :data:`UPLOAD_TIME_KEYS`, or None."""
    for key in UPLOAD_TIME_KEYS:
        value = _epoch_field(doc, key, path) if key.endswith("timestamp") else _date_field(doc, key, path)
        if value is not None:
            return value, key
    return None


def read_info_json(path: str | os.PathLike[str]) -> Claims:
    """A yt-dlp ``.info.json`` as Claims (``source`` = the sidecar's file name).

    Raises :class:`SidecarError` when the file is too large, not UTF-8, not JSON, nested too deep, not an
    object, or when a field it uses has the wrong type or range. Fields it does not use are not checked.
    """
    p = Path(path)
    what = "sidecar"
    try:
        doc = files.parse_json(files.decode_text(files.read_capped(p, MAX_SIDECAR_BYTES, what), what, str(p)),
                               what, str(p))
    except files.DocumentError as exc:
        raise SidecarError(exc.message, path=str(p)) from exc
    if not isinstance(doc, dict):
        raise SidecarError(f"sidecar should hold a JSON object, not {type(doc).__name__}", path=str(p))
    # validate every field that is read, even when an earlier one wins
    for key in UPLOAD_TIME_KEYS:
        (_epoch_field if key.endswith("timestamp") else _date_field)(doc, key, p)
    uploaded = upload_time_of(doc, p)
    uploaders = [_str_field(doc, k, p) for k in UPLOADER_KEYS]
    urls = [_str_field(doc, k, p) for k in URL_KEYS]
    return Claims(
        source=p.name,
        upload_time=uploaded[0] if uploaded else None,
        uploader=next((u for u in uploaders if u), None),
        url=next((u for u in urls if u), None),
        title=_str_field(doc, "title", p),
        description=_str_field(doc, "description", p),
    )


def timestamps_of(claims: Claims) -> tuple[Timestamp, ...]:
    """The times in ``claims`` as Timestamps (``claims.upload_time``, ``claims.claimed_time``); a date alone or
    a local time keeps ``timezone`` None."""
    out = []
    for name in ("upload_time", "claimed_time"):
        value = getattr(claims, name)
        if not value:
            continue
        parsed = None if _DATE_RE.match(value) else dates.parse_time(value)
        out.append(Timestamp(f"claims.{name}", parsed[0] if parsed else value, parsed[1] if parsed else None))
    return tuple(out)


# ------------------------------------------------------------------------------------------------- user claims


def looks_like_coordinates(text: str) -> bool:
    """Whether a place text is meant as coordinates: it has a digit, and its only words are hemisphere letters,
    ``deg``, ``d`` or ``m`` (metres). Anything else is a place name."""
    return any(ch.isdigit() for ch in text) and all(
        w.lower() in _COORD_WORDS for w in re.findall(r"[^\W\d_]+", text))


def claim_place(value: Any) -> tuple[str, PlaceLookup | None]:
    """A claimed place as given in a claims file or on the command line: ``(text, lookup)``.

    Coordinates (``"lat,lon"`` is kept as ``"48.8566,2.3522"``; ISO 6709, degrees-minutes-seconds and
    ``{lat:, lon:}`` too) give no lookup; a name is looked up in the offline gazetteer (``media/gazetteer.py``,
    loaded on the first name). Raises ``ValueError`` for text that is meant as coordinates but is not valid, and
    for an empty or non-text value."""
    if isinstance(value, dict) and set(value) <= {"lat", "lon"} and len(value) == 2:
        value = f"{value['lat']},{value['lon']}"
    if not isinstance(value, str) or not value.strip():
        raise ValueError("should be 'lat,lon' or a place name")
    text = value.strip()
    if len(text) > MAX_PLACE_CHARS:
        raise ValueError(f"place too long ({len(text)} characters, at most {MAX_PLACE_CHARS})")
    if not looks_like_coordinates(text):
        from . import gazetteer

        return text, gazetteer.lookup(text)
    lat, lon, _alt = parse_place(text)  # PlaceError (a ValueError) names the accepted forms
    return (f"{lat:g},{lon:g}" if _LATLON_RE.match(text) else text), None


def _entry(value: Any, where: tuple[str, ...], p: Path, lines: files.Lines) -> Claims:
    def fail(msg: str, at: tuple[str, ...]) -> SidecarError:
        line = next((lines[at[:n]] for n in range(len(at), 0, -1) if at[:n] in lines), None)
        dotted = ".".join(k if k.isprintable() and len(k) <= 80 else repr(k[:80]) for k in at)
        return SidecarError(("" if line is None else f"line {line}: ") + f"{dotted}: {msg}", path=str(p))

    if not isinstance(value, dict):
        raise fail(f"should be a mapping of {', '.join(CLAIM_KEYS)}", where)
    fields: dict[str, str] = {}
    place_lookup: PlaceLookup | None = None
    for key, raw in value.items():
        at = (*where, str(key))
        if key not in CLAIM_KEYS:
            raise fail(f"unknown field (allowed: {', '.join(CLAIM_KEYS)})", at)
        if raw is None:
            continue
        if key in ("claimed_time", "upload_time"):
            iso = dates.claim_time(raw)
            if iso is None:
                raise fail(f"not an ISO 8601 date or date-time: {str(raw)[:60]!r}", at)
            fields[key] = iso
        elif key == "claimed_place":
            try:
                fields[key], lookup = claim_place(raw)
            except ValueError as exc:
                raise fail(f"not a place ('lat,lon' in range, or a name): {str(raw)[:60]!r} ({exc})", at) from exc
            place_lookup = lookup
        else:
            if not isinstance(raw, str | int | float) or isinstance(raw, bool):
                raise fail(f"should be text, got {type(raw).__name__}", at)
            fields[key] = _cut(str(raw))
    return Claims(source=p.name, **fields, claimed_place_lookup=place_lookup)


def read_claims_file(path: str | os.PathLike[str]) -> dict[str, Claims]:
    """A user claims file (YAML, or JSON when named ``*.json``) as ``{absolute media path: Claims}``, plus the
    ``default`` entry under :data:`DEFAULT_KEY`. Raises :class:`SidecarError` naming the field (and line)."""
    p = Path(path)
    try:
        doc, lines = files.load_document(p, what="claims file", cap=MAX_CLAIMS_BYTES)
    except files.DocumentError as exc:
        raise SidecarError(exc.message, path=str(p)) from exc
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise SidecarError("claims file should be a mapping with 'files' and/or 'default'", path=str(p))
    unknown = [str(k) for k in doc if k not in ("files", "default")]
    if unknown:
        line = lines.get((unknown[0],))
        raise SidecarError(
            ("" if line is None else f"line {line}: ") + f"unknown top-level key {unknown[0][:60]!r} "
            "(allowed: files, default)",
            path=str(p),
        )
    out: dict[str, Claims] = {}
    if doc.get("default") is not None:
        out[DEFAULT_KEY] = _entry(doc["default"], ("default",), p, lines)
    entries = doc.get("files") or {}
    if not isinstance(entries, dict):
        raise SidecarError(
            ("" if (ln := lines.get(("files",))) is None else f"line {ln}: ")
            + "files: should be a mapping of file name to claims",
            path=str(p),
        )
    base = p.parent
    for name, entry in entries.items():
        if not isinstance(name, str) or not name.strip():
            raise SidecarError(f"files: file names should be text, got {str(name)[:60]!r}", path=str(p))
        out[_key(base / name)] = _entry(entry, ("files", name), p, lines)
    return out


def _key(path: str | os.PathLike[str]) -> str:
    return os.path.normpath(os.path.abspath(os.fspath(path)))


# ------------------------------------------------------------------------------------------------- merging


def merge_claims(sidecar: Claims | None, user: Claims | None) -> Claims | None:
    """The sidecar's claims with every field the user gave (not None) put over them; ``source`` names both."""
    if user is None:
        return sidecar
    if sidecar is None:
        return user
    given = {f.name: getattr(user, f.name) for f in dc_fields(user)
             if getattr(user, f.name) is not None and f.name not in ("source", "claimed_place_lookup")}
    if user.claimed_place is not None:  # a place and what the gazetteer made of it go together
        given["claimed_place_lookup"] = user.claimed_place_lookup
    source = " + ".join(s for s in (sidecar.source, user.source) if s) or None
    return replace(sidecar, **given, source=source)


def user_claims_for(table: dict[str, Claims] | None, media_path: str | os.PathLike[str]) -> Claims | None:
    """The user's claims for one media file: the ``default`` entry with the file's own entry over it."""
    if not table:
        return None
    own = table.get(_key(media_path))
    if own is None:
        try:
            own = table.get(_key(Path(media_path).resolve()))
        except (OSError, RuntimeError):
            own = None
    return merge_claims(table.get(DEFAULT_KEY), own)


def claims_for(
    media_path: str | os.PathLike[str],
    table: dict[str, Claims] | None = None,
    *,
    errors: list[str] | None = None,
) -> Claims | None:
    """Claims of one media file: its yt-dlp sidecar (if any) merged with the user's claims from ``table``
    (:func:`read_claims_file`). A bad sidecar raises :class:`SidecarError`, or, when ``errors`` is a list, is
    described there (``"sidecar NAME: reason"``) and skipped."""
    sidecar = None
    found = find_sidecar(media_path)
    if found is not None:
        try:
            sidecar = read_info_json(found)
        except SidecarError as exc:
            if errors is None:
                raise
            errors.append(f"{found.name}: {exc.message}")
    return merge_claims(sidecar, user_claims_for(table, media_path))


def user_claims(time: str | None = None, place: str | None = None, *, source: str = "command line") -> Claims | None:
    """Claims that the user gives for every file (``--claim-time``, ``--claim-place``), read as in a claims file
    (:func:`claim_place`): a place is coordinates or a name, a time an ISO 8601 time or date (``UsageError``
    otherwise). None when neither is given."""
    if not (time or place):
        return None
    text, lookup = None, None
    if place:
        try:
            text, lookup = claim_place(place)
        except ValueError as exc:
            raise UsageError(f"--claim-place: {exc}; or a place name such as 'Kyiv, Ukraine'") from exc
    iso = dates.claim_time(time) if time else None
    if time and iso is None:
        raise UsageError(f"--claim-time {time!r} is not an ISO 8601 time or date")
    return Claims(source=source, claimed_time=iso, claimed_place=text, claimed_place_lookup=lookup)


__all__ = [
    "CLAIM_KEYS",
    "DEFAULT_KEY",
    "MAX_CLAIMS_BYTES",
    "MAX_SIDECAR_BYTES",
    "MAX_TEXT_CHARS",
    "UPLOAD_TIME_KEYS",
    "claim_place",
    "claims_for",
    "find_sidecar",
    "looks_like_coordinates",
    "merge_claims",
    "read_claims_file",
    "read_info_json",
    "timestamps_of",
    "upload_time_of",
    "user_claims",
    "user_claims_for",
]
