"""The evidence manifest: read, validate (JSON Schema, with the field and line of every problem) and resolve.

A manifest (YAML, or JSON when named ``*.json``; JSON Schema ``schemas/manifest.schema.json``) lists the archive's
files with their expected SHA-256, the relations between them, what is claimed about each, and a policy::

    # vidverify.yaml — paths are relative to this file's folder
    version: 1
    files:
      - path: IMG_4521.MOV
        id: original                       # optional short name for relations (default: the path)
        sha256: "5f1c…"                    # 64 hex digits
        independent-of: [IMG_4522.MOV]
        claims:
          time: "2026-03-14T09:26:53-04:00"        # or a date, or a window {after: …, before: …}
          place: {lat: 40.6892, lon: -74.0445, radius_m: 2000}   # or "40.6892,-74.0445"
      - path: reupload_cut.mp4
        sha256: "…"
        same-footage-as: [original]
    documents:                             # sidecars and claims files the findings rest on: hashed too
      - path: reupload_cut.info.json
        sha256: "…"
    expected-findings:                     # known and accepted: pass when raised, fail when not
      - code: capture-after-upload
        files: [original, reupload_mirrored.mp4]
    policy:
      fail-on: error                       # scan findings at/above this fail the check (error|warning|info|never)
      allowed-writers: [camera, apple, "FFmpeg*"]   # writer family or name, '*' wildcard, any case
      tolerances: {clock-tolerance-s: 120, claim-tolerance-s: 86400, place-tolerance-m: 5000}
      unlisted: fail                       # a media file or sidecar in the folder but not listed (fail|ignore)
      credentials: present                 # C2PA content credentials every file must carry (valid|present);
                                           # a file can say its own: credentials: valid
      ai-labelled: forbid                  # footage labelled generative AI by its credentials fails (forbid|allow)
      trust-anchors: trust/c2pa-anchors.pem   # whose signers are 'valid' (--trust-anchors wins)

A listed file that is missing is not a manifest error: ``check`` reports it (integrity ``error``, exit 4). A
manifest that is not valid raises :class:`ManifestError` (a ``UsageError``, exit 2) naming the field and, when it
can, the line. ``cases.py`` checks an archive against it; ``starter.py`` writes one for a folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from ...errors import DependencyError, UsageError
from ...evidence import dates, timeline
from ...evidence.place import parse_place
from ...media import files
from ...media.claims import SIDECAR_SUFFIX, claim_place
from ...media.formats import c2pa
from ...models import Claims, PlaceLookup

MANIFEST_SCHEMA = "vidverify/manifest@1"


DEFAULT_MANIFEST = "vidverify.yaml"


MAX_MANIFEST_BYTES = 4 * 2**20
"""A manifest larger than this (bytes) is refused."""


TOLERANCE_KEYS = {
    "clock-tolerance-s": "clock_tolerance_s",
    "claim-tolerance-s": "claim_tolerance_s",
    "future-tolerance-s": "future_tolerance_s",
    "recycled-after-days": "recycled_after_days",
    "place-tolerance-m": "place_tolerance_m",
}
"""Manifest ``policy.tolerances`` keys → :class:`~vidverify.timeline.Policy` fields."""


class ManifestError(UsageError):
    """A manifest that cannot be read or is not valid (exit code 2). ``field`` is the dotted field, ``line`` the
    1-based line in the manifest when known."""

    def __init__(self, message: str, *, path: str | None = None, field: str | None = None,
                 line: int | None = None) -> None:
        where = ("" if line is None else f"line {line}: ") + (f"{field}: " if field else "")
        super().__init__(where + message, path=path)
        self.field = field
        self.line = line


@dataclass(frozen=True)
class TimeClaim:
    text: str  # as written (one time, or "after X", "before Y", "X .. Y")
    after: str | None
    before: str | None
    exact: bool  # one time (claim tolerance applies) rather than a window (clock tolerance)
    line: int | None = None


@dataclass(frozen=True)
class PlaceClaim:
    """Coordinates, or a name: ``lookup`` is what the offline gazetteer made of it, and the claim holds where any
    place the name can mean reaches (``lat``/``lon`` is then the first of them; ``not_compared`` says why a name
    that could not be placed is not checked)."""

    text: str
    lat: float
    lon: float
    radius_m: float | None
    line: int | None = None
    lookup: PlaceLookup | None = None

    @property
    def not_compared(self) -> str | None:
        if self.lookup is None or self.lookup.candidates:
            return None
        return self.lookup.reason or f"the name could not be placed ({self.lookup.status})"


@dataclass(frozen=True)
class Entry:
    """One file of the manifest; ``path`` as the scan sees it (the manifest's folder joined with ``rel``)."""

    id: str
    rel: str
    path: str
    sha256: str
    same: tuple[tuple[str, int | None], ...] = ()  # (other id, line)
    independent: tuple[tuple[str, int | None], ...] = ()
    time: TimeClaim | None = None
    place: PlaceClaim | None = None
    line: int | None = None
    credentials: str | None = None  # valid | present (its own, else the policy's)


@dataclass(frozen=True)
class Document:
    """A file the findings rest on (a yt-dlp sidecar, a claims file): hashed like the media, never scanned."""

    rel: str
    path: str
    sha256: str
    line: int | None = None


@dataclass(frozen=True)
class ExpectedFinding:
    code: str
    files: tuple[str, ...]  # ids
    severity: str | None
    line: int | None = None


@dataclass(frozen=True)
class Manifest:
    path: str
    entries: tuple[Entry, ...]
    expected: tuple[ExpectedFinding, ...] = ()
    fail_on: str = "error"
    allowed_writers: tuple[str, ...] | None = None
    policy: timeline.Policy = timeline.Policy()
    lines: files.Lines = field(default_factory=dict)
    documents: tuple[Document, ...] = ()
    unlisted: str = "fail"  # policy.unlisted: a media file or sidecar in the folder that is not listed fails
    ai_labelled: str = "allow"  # policy.ai-labelled: forbid | allow
    trust_anchors: str | None = None  # policy.trust-anchors, resolved against the manifest's folder

    @property
    def folder(self) -> str:
        return os.path.dirname(self.path) or "."

    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}


def manifest_schema() -> dict[str, Any]:
    """The manifest's JSON Schema (``vidverify/schemas/manifest.schema.json``)."""
    text = resources.files("vidverify").joinpath("schemas/manifest.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _dotted(path: Sequence[str | int]) -> str:
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            s = p if p.isprintable() and len(p) <= 80 else repr(p[:80])
            out += ("." if out else "") + s
    return out or "(top level)"


def _plain(value: Any) -> Any:
    """YAML's dates and date-times back to ISO text, keys to text, so the schema sees JSON types."""
    if isinstance(value, date):  # datetime too
        return dates.time_text(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _read_manifest_doc(path: str) -> tuple[Any, files.Lines]:
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise ManifestError("no such manifest (create one with: vidverify check --init FOLDER)", path=path) from exc
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest: {exc.strerror or exc}", path=path) from exc
    if files.is_dir(st):
        raise ManifestError(f"is a folder; give the manifest file (e.g. {Path(path) / DEFAULT_MANIFEST})", path=path)
    try:
        doc, lines = files.load_document(path, what="manifest", cap=MAX_MANIFEST_BYTES)
    except files.DocumentError as exc:
        raise ManifestError(exc.bare, path=path, line=exc.line) from exc
    return _plain(doc), lines


def _schema_error(err: Any, path: str, lines: files.Lines) -> ManifestError:
    """A jsonschema ValidationError as a message that names the field (and the line)."""
    at: list[str | int] = list(err.absolute_path)
    v, inst = err.validator, err.instance
    if v == "additionalProperties" and isinstance(inst, dict):
        allowed = sorted(err.schema.get("properties", {}))
        extra = [k for k in inst if k not in allowed]
        key = extra[0] if extra else "?"
        return ManifestError(f"unknown field (allowed: {', '.join(allowed)})", path=path,
                             field=_dotted([*at, key]), line=files.line_of(lines, [*at, key]))
    if v == "required":
        missing = next((k for k in err.validator_value if isinstance(inst, dict) and k not in inst), "?")
        return ManifestError(f"missing required field {missing!r}", path=path, field=_dotted(at) if at else None,
                             line=files.line_of(lines, at))
    if v == "type":
        want = err.validator_value if isinstance(err.validator_value, str) else " or ".join(err.validator_value)
        got = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "nothing"}.get(
            type(inst), type(inst).__name__)
        return ManifestError(f"should be {_TYPE_WORDS.get(want, want)}, got {got}", path=path, field=_dotted(at),
                             line=files.line_of(lines, at))
    if v == "pattern" and at and at[-1] == "sha256":
        return ManifestError(f"should be 64 hex digits, got {str(inst)[:80]!r}", path=path, field=_dotted(at),
                             line=files.line_of(lines, at))
    if v in ("anyOf", "oneOf"):
        # the alternative of the value's own type says what is wrong inside it (e.g. a latitude out of range)
        inner = [e for e in err.context or () if e.validator != "type"]
        if inner:
            from jsonschema.exceptions import best_match

            return _schema_error(best_match(inner), path, lines)
        desc = err.schema.get("description", "")
        return ManifestError(f"not a valid value ({str(inst)[:80]!r}): {desc}".rstrip(": "), path=path,
                             field=_dotted(at), line=files.line_of(lines, at))
    if v == "enum":
        return ManifestError(f"should be one of {', '.join(map(str, err.validator_value))}, got {inst!r}",
                             path=path, field=_dotted(at), line=files.line_of(lines, at))
    if v == "const":
        return ManifestError(f"should be {err.validator_value!r}, got {inst!r}", path=path, field=_dotted(at),
                             line=files.line_of(lines, at))
    return ManifestError(err.message[:300], path=path, field=_dotted(at), line=files.line_of(lines, at))


_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "text", "number": "a number",
               "integer": "a whole number", "boolean": "true or false"}


def validate_manifest(doc: Any, *, path: str = "manifest", lines: files.Lines | None = None) -> None:
    """Validate a parsed manifest against the JSON Schema; raise :class:`ManifestError` for the first problem
    (in document order)."""
    try:
        import jsonschema
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise DependencyError("checking a manifest needs the jsonschema package (pip install jsonschema)") from exc
    lines = lines or {}
    if not isinstance(doc, dict):
        raise ManifestError("the manifest should be a mapping with 'files' (and 'policy', 'expected-findings')",
                            path=path, line=1)
    validator = jsonschema.Draft202012Validator(manifest_schema())
    errors = list(validator.iter_errors(doc))
    if not errors:
        return

    def order(e: Any) -> tuple[int, int]:
        return (files.line_of(lines, list(e.absolute_path)) or 0, -len(e.absolute_path))

    raise _schema_error(min(errors, key=order), path, lines)


def load_manifest(path: str | os.PathLike[str]) -> Manifest:
    """Read, validate and resolve a manifest: every path inside its folder and present, every reference known,
    every time and place parsed. Raises :class:`ManifestError` naming the field and line."""
    mpath = os.fspath(path)
    doc, lines = _read_manifest_doc(mpath)
    validate_manifest(doc, path=mpath, lines=lines)

    def fail(msg: str, at: Sequence[str | int]) -> ManifestError:
        return ManifestError(msg, path=mpath, field=_dotted(at), line=files.line_of(lines, at))

    folder = os.path.dirname(mpath) or "."
    try:
        base_real = Path(folder).resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise ManifestError(f"cannot resolve the manifest's folder: {exc}", path=mpath) from exc

    pol = doc.get("policy") or {}
    tol = {TOLERANCE_KEYS[k]: float(v) for k, v in (pol.get("tolerances") or {}).items()}
    now = pol.get("now")
    if now is not None and timeline.when("now", now) is None:
        raise fail(f"not an ISO 8601 time: {now!r}", ["policy", "now"])
    policy = timeline.Policy(**tol, now=now)

    def located(rel: str, at: list[str | int]) -> tuple[str, str]:
        """(the normalised relative path, the path as the scan sees it); a file that is missing is not an error
        here: ``check`` reports it as an integrity error (exit 4), as the archive has lost it."""
        pure = Path(rel)
        if pure.is_absolute() or rel.startswith(("/", "\\")) or (len(rel) > 1 and rel[1] == ":"):
            raise fail("absolute paths are not allowed: give the path relative to the manifest's folder",
                       [*at, "path"])
        if "\x00" in rel:
            raise fail("path holds a NUL character", [*at, "path"])
        target = Path(folder) / rel
        try:
            real = target.resolve()
        except (OSError, RuntimeError) as exc:
            raise fail(f"cannot resolve {rel!r}: {exc}", [*at, "path"]) from exc
        if not real.is_relative_to(base_real):
            how = "through '..'" if ".." in pure.parts else "through a symlink"
            raise fail(f"{rel!r} leads out of the manifest's folder {how}: only files inside it can be checked",
                       [*at, "path"])
        try:
            st = os.stat(target)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            raise fail(f"cannot read {rel!r}: {exc.strerror or exc}", [*at, "path"]) from exc
        if st is not None and not files.is_regular(st):
            raise fail(f"{rel!r} is not a regular file", [*at, "path"])
        norm = os.path.normpath(rel).replace(os.sep, "/")
        if norm in rels:
            raise fail(f"{rel!r} is listed twice (also {rels[norm]})", [*at, "path"])
        rels[norm] = "/".join(str(a) if isinstance(a, str) else f"[{a}]" for a in at).replace("/[", "[")
        return norm, os.path.normpath(os.path.join(folder, rel))

    raw_entries: list[tuple[int, dict[str, Any]]] = list(enumerate(doc["files"]))
    ids: dict[str, int] = {}
    rels: dict[str, str] = {}  # normalised relative path -> where it is listed ("files[3]")
    entry_of: dict[str, int] = {}
    entries: list[Entry] = []
    for i, f in raw_entries:
        at: list[str | int] = ["files", i]
        norm, full = located(f["path"], at)
        entry_of[norm] = i
        fid = f.get("id", norm)
        if fid in ids:
            raise fail(f"id {fid!r} is used twice (also files[{ids[fid]}])", [*at, "id" if "id" in f else "path"])
        ids[fid] = i
        entries.append(Entry(id=fid, rel=norm, path=full, sha256=f["sha256"].lower(), line=files.line_of(lines, at)))

    # references may name an id or a path; ids win
    def resolve_ref(ref: str, at: Sequence[str | int]) -> str:
        if ref in ids:
            return ref
        norm = os.path.normpath(ref).replace(os.sep, "/")
        if norm in entry_of:
            return entries[entry_of[norm]].id
        raise fail(f"{ref!r} is not a file of this manifest (give an id or path from 'files')", at)

    out: list[Entry] = []
    for (i, f), e in zip(raw_entries, entries, strict=True):
        at = ["files", i]
        rel_lists: dict[str, tuple[tuple[str, int | None], ...]] = {}
        for key in ("same-footage-as", "independent-of"):
            refs = []
            for j, ref in enumerate(f.get(key) or ()):
                other = resolve_ref(ref, [*at, key, j])
                if other == e.id:
                    raise fail("a file cannot be related to itself", [*at, key, j])
                refs.append((other, files.line_of(lines, [*at, key, j])))
            rel_lists[key] = tuple(refs)
        both = {o for o, _ in rel_lists["same-footage-as"]} & {o for o, _ in rel_lists["independent-of"]}
        if both:
            raise fail(f"{sorted(both)[0]!r} is both same-footage-as and independent-of", [*at, "independent-of"])
        claims = f.get("claims") or {}
        tc = _time_claim(claims.get("time"), [*at, "claims", "time"], fail, lines) if "time" in claims else None
        pc = _place_claim(claims.get("place"), [*at, "claims", "place"], fail, lines) if "place" in claims else None
        out.append(replace(e, same=rel_lists["same-footage-as"], independent=rel_lists["independent-of"], time=tc,
                           place=pc, credentials=f.get("credentials", pol.get("credentials"))))

    # a relation declared on both sides, or same-footage on one side and independent on the other
    declared: dict[frozenset[str], tuple[str, str]] = {}
    for e in out:
        for rkind, rrefs in (("same-footage-as", e.same), ("independent-of", e.independent)):
            for other, _ln in rrefs:
                pair = frozenset((e.id, other))
                if pair in declared and declared[pair][0] != rkind:
                    raise fail(f"{e.id!r} and {other!r} are declared both same-footage-as and independent-of "
                               f"(see the entry of {declared[pair][1]!r})", ["files", ids[e.id], rkind])
                declared.setdefault(pair, (rkind, e.id))

    expected: list[ExpectedFinding] = []
    for k, x in enumerate(doc.get("expected-findings") or ()):
        at = ["expected-findings", k]
        ids_of = tuple(resolve_ref(r, [*at, "files", j]) for j, r in enumerate(x.get("files") or ()))
        expected.append(ExpectedFinding(x["code"], ids_of, x.get("severity"), files.line_of(lines, at)))

    documents = []
    for k, x in enumerate(doc.get("documents") or ()):
        at = ["documents", k]
        norm, full = located(x["path"], at)
        documents.append(Document(norm, full, x["sha256"].lower(), files.line_of(lines, at)))

    anchors = os.path.join(folder, pol["trust-anchors"]) if pol.get("trust-anchors") else None
    if anchors is not None and (why := c2pa.trust_anchors_problem(anchors)):
        raise fail(f"trust anchors {pol['trust-anchors']!r}: {why}", ["policy", "trust-anchors"])
    writers = pol.get("allowed-writers")
    return Manifest(
        path=mpath,
        entries=tuple(out),
        expected=tuple(expected),
        fail_on=pol.get("fail-on", "error"),
        allowed_writers=tuple(writers) if writers is not None else None,
        policy=policy,
        documents=tuple(documents),
        unlisted=pol.get("unlisted", "fail"),
        lines=lines,
        ai_labelled=pol.get("ai-labelled", "allow"),
        trust_anchors=anchors,
    )


def _time_claim(value: Any, at: list[str | int], fail: Callable[[str, Sequence[str | int]], ManifestError],
                lines: files.Lines) -> TimeClaim:
    def parsed(v: str, where: Sequence[str | int]) -> timeline.When:
        w = timeline.when("claim", v)
        if w is None:
            raise fail(f"not an ISO 8601 date or date-time: {v[:60]!r}", where)
        return w

    if isinstance(value, str):
        parsed(value, at)
        return TimeClaim(value, value, value, True, files.line_of(lines, at))
    after, before = value.get("after"), value.get("before")
    lo = parsed(after, [*at, "after"]) if after is not None else None
    hi = parsed(before, [*at, "before"]) if before is not None else None
    if lo is not None and hi is not None and lo.earliest > hi.latest:
        raise fail(f"the window is empty: after {after} is later than before {before}", at)
    text = f"{after} .. {before}" if after and before else f"after {after}" if after else f"before {before}"
    return TimeClaim(text, after, before, False, files.line_of(lines, at))


def _place_claim(value: Any, at: list[str | int], fail: Callable[[str, Sequence[str | int]], ManifestError],
                 lines: files.Lines) -> PlaceClaim:
    if isinstance(value, str):
        try:
            text, lookup = claim_place(value)  # coordinates, or a name looked up as in a claims file
        except ValueError as exc:
            raise fail(f"not a place that can be compared with GPS ('lat,lon', ISO 6709 or a name): {exc}",
                       at) from exc
        if lookup is not None:
            first = lookup.candidates[0] if lookup.candidates else None
            return PlaceClaim(text, first.lat if first else 0.0, first.lon if first else 0.0, None,
                              files.line_of(lines, at), lookup)
        lat, lon, _alt = parse_place(value)
        return PlaceClaim(value, lat, lon, None, files.line_of(lines, at))
    lat, lon = float(value["lat"]), float(value["lon"])
    radius = value.get("radius_m")
    return PlaceClaim(f"{lat:g},{lon:g}", lat, lon, float(radius) if radius is not None else None,
                      files.line_of(lines, at))


def archive_files(folder: str, manifest: str | None = None) -> tuple[list[str], list[str]]:
    """The media files and the yt-dlp sidecars under ``folder`` as scan finds them (hidden ones skipped), without
    the manifest itself: what an archive's manifest should list, in ``files`` and in ``documents``."""
    found, _errors = files.discover([folder], extensions=files.MEDIA_EXTENSIONS | {".json"})
    skip = os.path.normpath(manifest) if manifest else None
    media = [p for p in found if Path(p).suffix.lower() in files.MEDIA_EXTENSIONS]
    sidecars = [p for p in found if p.lower().endswith(SIDECAR_SUFFIX) and os.path.normpath(p) != skip]
    return media, sidecars


def claims_table(m: Manifest) -> dict[str, Claims]:
    """The manifest's claims as a user claims table for scan (``media.sidecar.read_claims_file``'s shape).

    A time window has no single claimed time: it is checked here, not passed to the timeline."""
    src = os.path.basename(m.path)
    table: dict[str, Claims] = {}
    for e in m.entries:
        if e.time is None and e.place is None:
            continue
        table[os.path.normpath(os.path.abspath(e.path))] = Claims(
            source=src,
            claimed_time=e.time.after if e.time is not None and e.time.exact else None,
            claimed_place=(None if e.place is None else e.place.text if e.place.lookup is not None
                           else f"{e.place.lat:g},{e.place.lon:g}"),
            claimed_place_lookup=e.place.lookup if e.place is not None else None,
        )
    return table


__all__ = [
    "DEFAULT_MANIFEST",
    "Document",
    "MANIFEST_SCHEMA",
    "MAX_MANIFEST_BYTES",
    "TOLERANCE_KEYS",
    "Entry",
    "ExpectedFinding",
    "Manifest",
    "ManifestError",
    "PlaceClaim",
    "TimeClaim",
    "archive_files",
    "claims_table",
    "load_manifest",
    "manifest_schema",
    "validate_manifest",
]
