"""Manifest-driven checks for CI: does an evidence archive still hold what its manifest says?

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
    expected-findings:                     # known and accepted: pass when raised, fail when not
      - code: capture-after-upload
        files: [original, reupload_mirrored.mp4]
    policy:
      fail-on: error                       # scan findings at/above this fail the check (error|warning|info|never)
      allowed-writers: [camera, apple, "FFmpeg*"]   # writer family or name, '*' wildcard, any case
      tolerances: {clock-tolerance-s: 120, claim-tolerance-s: 86400, place-tolerance-m: 5000}

:func:`check` hashes every file, runs one :func:`~vidverify.scan.scan` over them (the manifest's claims passed in as
user claims), hashes them again, and turns every expectation into a :class:`CheckCase`:

=====================  ==========================================================================================
kind                   one case per … and when it passes
=====================  ==========================================================================================
``integrity``          file: the bytes before the run, after it, and as scanned all equal the manifest's sha256
``readable``           file: the scan could read and fingerprint it (else status ``error``)
``relation``           declared relation: ``same-footage-as`` files are in one scan group, ``independent-of`` not
``claim-time``         time claim: no capture time of the footage (the file's own, or a copy's) and no upload lies
                       outside it, and no timeline finding contradicts it
``claim-place``        place claim: the file's GPS (or, without one, its copies') is within ``radius_m``
``writer``             file, when ``policy.allowed-writers`` is set: its writer's family or name is allowed
``expected-finding``   expected finding: the scan raised it
``finding``            scan finding at or above ``fail-on`` that no case above covers (always ``fail``)
=====================  ==========================================================================================

Status is ``pass``, ``fail``, ``error`` (could not be decided: the input is unreadable) or ``skip``. A manifest
that is not valid raises :class:`ManifestError` (a ``UsageError``, exit 2) naming the field and, when it can, the
line. :func:`init_manifest` writes a starter manifest for a folder. :func:`junit_xml` and
:func:`github_annotations` render a result for CI.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from ...errors import UsageError
from ...evidence import timeline
from ...models import Claims, Finding, MediaInfo, Model, ScanResult

log = logging.getLogger("vidverify")

SCHEMA = "vidverify/check@1"
MANIFEST_SCHEMA = "vidverify/manifest@1"
DEFAULT_MANIFEST = "vidverify.yaml"
MAX_MANIFEST_BYTES = 4 * 2**20
"""A manifest larger than this (bytes) is refused."""
STATUSES = ("pass", "fail", "error", "skip")
KINDS = ("integrity", "readable", "relation", "claim-time", "claim-place", "writer", "expected-finding", "finding")
TOLERANCE_KEYS = {
    "clock-tolerance-s": "clock_tolerance_s",
    "claim-tolerance-s": "claim_tolerance_s",
    "future-tolerance-s": "future_tolerance_s",
    "recycled-after-days": "recycled_after_days",
    "place-tolerance-m": "place_tolerance_m",
}
"""Manifest ``policy.tolerances`` keys → :class:`~vidverify.timeline.Policy` fields."""

Path_ = tuple[str | int, ...]


class ManifestError(UsageError):
    """A manifest that cannot be read or is not valid (exit code 2). ``field`` is the dotted field, ``line`` the
    1-based line in the manifest when known."""

    def __init__(self, message: str, *, path: str | None = None, field: str | None = None,
                 line: int | None = None) -> None:
        where = ("" if line is None else f"line {line}: ") + (f"{field}: " if field else "")
        super().__init__(where + message, path=path)
        self.field = field
        self.line = line


# --------------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CheckCase(Model):
    """One check: ``kind`` (see the module's table), a readable ``name``, ``status`` (pass/fail/error/skip), a
    one-line ``message``, the ``severity`` a failure has, the files involved (as scanned), the manifest ``line``
    the expectation comes from (YAML/JSON, when known) and the ``evidence``."""

    id: str
    kind: str
    name: str
    status: str
    message: str
    severity: str = "error"
    paths: tuple[str, ...] = ()
    line: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FileCheck(Model):
    """A listed file's hashes: as the manifest expects, before the scan, after it, and the one the scan read."""

    id: str
    path: str
    expected: str
    before: str | None = None
    after: str | None = None
    scanned: str | None = None
    error: str | None = None

    @property
    def unchanged(self) -> bool:
        return self.before is not None and self.before == self.after == self.expected \
            and self.scanned in (None, self.before)


@dataclass(frozen=True)
class CheckResult(Model):
    """What :func:`check` found (JSON: ``vidverify/check@1``)."""

    manifest: str
    fail_on: str
    status: str  # pass | fail | error
    cases: tuple[CheckCase, ...]
    summary: dict[str, int]
    findings: tuple[Finding, ...] = ()
    files: tuple[FileCheck, ...] = ()
    scan: ScanResult | None = None

    @property
    def failed(self) -> list[CheckCase]:
        return [c for c in self.cases if c.status == "fail"]

    @property
    def errored(self) -> list[CheckCase]:
        return [c for c in self.cases if c.status == "error"]


# -------------------------------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class TimeClaim:
    text: str  # as written (one time, or "after X", "before Y", "X .. Y")
    after: str | None
    before: str | None
    exact: bool  # one time (claim tolerance applies) rather than a window (clock tolerance)
    line: int | None = None


@dataclass(frozen=True)
class PlaceClaim:
    text: str
    lat: float
    lon: float
    radius_m: float | None
    line: int | None = None


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
    lines: dict[Path_, int] = field(default_factory=dict)

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


def _yaml_lines(text: str) -> dict[Path_, int]:
    """Line (1-based) of every mapping key and sequence item, by path, from the YAML node graph (YAML reads JSON
    too, so JSON manifests get lines as well)."""
    import yaml

    lines: dict[Path_, int] = {(): 1}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return lines
    stack: list[tuple[Any, Path_]] = [(root, ())]
    while stack:
        node, prefix = stack.pop()
        if len(prefix) > 8:
            continue
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    key = (*prefix, str(k.value))
                    lines.setdefault(key, k.start_mark.line + 1)
                    stack.append((v, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                key = (*prefix, i)
                lines.setdefault(key, v.start_mark.line + 1)
                stack.append((v, key))
    return lines


def _line(lines: dict[Path_, int], at: Sequence[str | int]) -> int | None:
    at = tuple(at)
    for n in range(len(at), -1, -1):
        if at[:n] in lines:
            return lines[at[:n]]
    return None


def _plain(value: Any) -> Any:
    """YAML's dates and date-times back to ISO text, keys to text, so the schema sees JSON types."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat()
        off = value.utcoffset() or timedelta(0)
        minutes = int(off.total_seconds() // 60)
        sign = "+" if minutes > 0 else "-"
        suffix = "Z" if minutes == 0 else f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        return value.replace(tzinfo=None).isoformat() + suffix
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _read_manifest_doc(path: str) -> tuple[Any, dict[Path_, int]]:
    p = Path(path)
    try:
        st = os.stat(p)
        if stat.S_ISDIR(st.st_mode):
            raise ManifestError(f"is a folder; give the manifest file (e.g. {p / DEFAULT_MANIFEST})", path=path)
        if not stat.S_ISREG(st.st_mode):
            raise ManifestError("not a regular file", path=path)
        with open(p, "rb") as fh:
            data = fh.read(MAX_MANIFEST_BYTES + 1)
    except FileNotFoundError as exc:
        raise ManifestError("no such manifest (create one with: vidverify check --init FOLDER)", path=path) from exc
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest: {exc.strerror or exc}", path=path) from exc
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"manifest larger than {MAX_MANIFEST_BYTES // 2**20} MiB", path=path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"not UTF-8 text (byte {exc.start})", path=path) from exc
    lines = _yaml_lines(text)
    if p.suffix.lower() == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"not valid JSON ({exc.msg}, column {exc.colno})", path=path,
                                line=exc.lineno) from exc
        except (RecursionError, ValueError) as exc:
            raise ManifestError(f"not valid JSON ({exc})", path=path) from exc
    else:
        import yaml

        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = " ".join(str(getattr(exc, "problem", None) or exc).split())[:200]
            raise ManifestError(f"not valid YAML ({problem})", path=path,
                                line=mark.line + 1 if mark is not None else None) from exc
        except RecursionError as exc:
            raise ManifestError("nests too deep", path=path) from exc
    return _plain(doc), lines


def _schema_error(err: Any, path: str, lines: dict[Path_, int]) -> ManifestError:
    """A jsonschema ValidationError as a message that names the field (and the line)."""
    at: list[str | int] = list(err.absolute_path)
    v, inst = err.validator, err.instance
    if v == "additionalProperties" and isinstance(inst, dict):
        allowed = sorted(err.schema.get("properties", {}))
        extra = [k for k in inst if k not in allowed]
        key = extra[0] if extra else "?"
        return ManifestError(f"unknown field (allowed: {', '.join(allowed)})", path=path,
                             field=_dotted([*at, key]), line=_line(lines, [*at, key]))
    if v == "required":
        missing = next((k for k in err.validator_value if isinstance(inst, dict) and k not in inst), "?")
        return ManifestError(f"missing required field {missing!r}", path=path, field=_dotted(at) if at else None,
                             line=_line(lines, at))
    if v == "type":
        want = err.validator_value if isinstance(err.validator_value, str) else " or ".join(err.validator_value)
        got = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "nothing"}.get(
            type(inst), type(inst).__name__)
        return ManifestError(f"should be {_TYPE_WORDS.get(want, want)}, got {got}", path=path, field=_dotted(at),
                             line=_line(lines, at))
    if v == "pattern" and at and at[-1] == "sha256":
        return ManifestError(f"should be 64 hex digits, got {str(inst)[:80]!r}", path=path, field=_dotted(at),
                             line=_line(lines, at))
    if v in ("anyOf", "oneOf"):
        # the alternative of the value's own type says what is wrong inside it (e.g. a latitude out of range)
        inner = [e for e in err.context or () if e.validator != "type"]
        if inner:
            from jsonschema.exceptions import best_match

            return _schema_error(best_match(inner), path, lines)
        desc = err.schema.get("description", "")
        return ManifestError(f"not a valid value ({str(inst)[:80]!r}): {desc}".rstrip(": "), path=path,
                             field=_dotted(at), line=_line(lines, at))
    if v == "enum":
        return ManifestError(f"should be one of {', '.join(map(str, err.validator_value))}, got {inst!r}",
                             path=path, field=_dotted(at), line=_line(lines, at))
    if v == "const":
        return ManifestError(f"should be {err.validator_value!r}, got {inst!r}", path=path, field=_dotted(at),
                             line=_line(lines, at))
    return ManifestError(err.message[:300], path=path, field=_dotted(at), line=_line(lines, at))


_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "text", "number": "a number",
               "integer": "a whole number", "boolean": "true or false"}


def validate_manifest(doc: Any, *, path: str = "manifest", lines: dict[Path_, int] | None = None) -> None:
    """Validate a parsed manifest against the JSON Schema; raise :class:`ManifestError` for the first problem
    (in document order)."""
    try:
        import jsonschema
    except ImportError as exc:  # pragma: no cover - a declared dependency
        from ...errors import DependencyError

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
        return (_line(lines, list(e.absolute_path)) or 0, -len(e.absolute_path))

    raise _schema_error(min(errors, key=order), path, lines)


def load_manifest(path: str | os.PathLike[str]) -> Manifest:
    """Read, validate and resolve a manifest: every path inside its folder and present, every reference known,
    every time and place parsed. Raises :class:`ManifestError` naming the field and line."""
    mpath = os.fspath(path)
    doc, lines = _read_manifest_doc(mpath)
    validate_manifest(doc, path=mpath, lines=lines)

    def fail(msg: str, at: Sequence[str | int]) -> ManifestError:
        return ManifestError(msg, path=mpath, field=_dotted(at), line=_line(lines, at))

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

    raw_entries: list[tuple[int, dict[str, Any]]] = list(enumerate(doc["files"]))
    ids: dict[str, int] = {}
    rels: dict[str, int] = {}
    entries: list[Entry] = []
    for i, f in raw_entries:
        at: list[str | int] = ["files", i]
        rel = f["path"]
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
        except FileNotFoundError as exc:
            raise fail(f"no such file: {rel!r} (relative to {folder})", [*at, "path"]) from exc
        except OSError as exc:
            raise fail(f"cannot read {rel!r}: {exc.strerror or exc}", [*at, "path"]) from exc
        if not stat.S_ISREG(st.st_mode):
            raise fail(f"{rel!r} is not a regular file", [*at, "path"])
        norm = os.path.normpath(rel).replace(os.sep, "/")
        if norm in rels:
            raise fail(f"{rel!r} is listed twice (also files[{rels[norm]}])", [*at, "path"])
        rels[norm] = i
        fid = f.get("id", norm)
        if fid in ids:
            raise fail(f"id {fid!r} is used twice (also files[{ids[fid]}])", [*at, "id" if "id" in f else "path"])
        ids[fid] = i
        entries.append(Entry(id=fid, rel=norm, path=os.path.normpath(os.path.join(folder, rel)),
                             sha256=f["sha256"].lower(), line=_line(lines, at)))

    # references may name an id or a path; ids win
    def resolve_ref(ref: str, at: Sequence[str | int]) -> str:
        if ref in ids:
            return ref
        norm = os.path.normpath(ref).replace(os.sep, "/")
        if norm in rels:
            return entries[rels[norm]].id
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
                refs.append((other, _line(lines, [*at, key, j])))
            rel_lists[key] = tuple(refs)
        both = {o for o, _ in rel_lists["same-footage-as"]} & {o for o, _ in rel_lists["independent-of"]}
        if both:
            raise fail(f"{sorted(both)[0]!r} is both same-footage-as and independent-of", [*at, "independent-of"])
        claims = f.get("claims") or {}
        tc = _time_claim(claims.get("time"), [*at, "claims", "time"], fail, lines) if "time" in claims else None
        pc = _place_claim(claims.get("place"), [*at, "claims", "place"], fail, lines) if "place" in claims else None
        out.append(replace(e, same=rel_lists["same-footage-as"], independent=rel_lists["independent-of"], time=tc,
                           place=pc))

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
        files = tuple(resolve_ref(r, [*at, "files", j]) for j, r in enumerate(x.get("files") or ()))
        expected.append(ExpectedFinding(x["code"], files, x.get("severity"), _line(lines, at)))

    writers = pol.get("allowed-writers")
    return Manifest(
        path=mpath,
        entries=tuple(out),
        expected=tuple(expected),
        fail_on=pol.get("fail-on", "error"),
        allowed_writers=tuple(writers) if writers is not None else None,
        policy=policy,
        lines=lines,
    )


def _time_claim(value: Any, at: list[str | int], fail: Callable[[str, Sequence[str | int]], ManifestError],
                lines: dict[Path_, int]) -> TimeClaim:
    def parsed(v: str, where: Sequence[str | int]) -> timeline.When:
        w = timeline.when("claim", v)
        if w is None:
            raise fail(f"not an ISO 8601 date or date-time: {v[:60]!r}", where)
        return w

    if isinstance(value, str):
        parsed(value, at)
        return TimeClaim(value, value, value, True, _line(lines, at))
    after, before = value.get("after"), value.get("before")
    lo = parsed(after, [*at, "after"]) if after is not None else None
    hi = parsed(before, [*at, "before"]) if before is not None else None
    if lo is not None and hi is not None and lo.earliest > hi.latest:
        raise fail(f"the window is empty: after {after} is later than before {before}", at)
    text = f"{after} .. {before}" if after and before else f"after {after}" if after else f"before {before}"
    return TimeClaim(text, after, before, False, _line(lines, at))


def _place_claim(value: Any, at: list[str | int], fail: Callable[[str, Sequence[str | int]], ManifestError],
                 lines: dict[Path_, int]) -> PlaceClaim:
    from ...evidence.place import parse_place

    if isinstance(value, str):
        try:
            lat, lon, _alt = parse_place(value)
        except ValueError as exc:
            raise fail(f"not a place that can be compared with GPS ('lat,lon' or ISO 6709): {exc}", at) from exc
        return PlaceClaim(value, lat, lon, None, _line(lines, at))
    lat, lon = float(value["lat"]), float(value["lon"])
    radius = value.get("radius_m")
    return PlaceClaim(f"{lat:g},{lon:g}", lat, lon, float(radius) if radius is not None else None,
                      _line(lines, at))


# ------------------------------------------------------------------------------------------------------ check


def _claims_table(m: Manifest) -> dict[str, Claims]:
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
            claimed_place=f"{e.place.lat:g},{e.place.lon:g}" if e.place is not None else None,
        )
    return table


def _hash(path: str) -> tuple[str | None, str | None]:
    from ...signals.fingerprint import sha256_file

    try:
        return sha256_file(path), None
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"


def check(manifest_path: str | os.PathLike[str], *, fail_on: str | None = None, jobs: int = 1,
          pictures: bool = True, keyframes: bool = False,
          progress: Callable[[str, int, int], None] | None = None) -> CheckResult:
    """Verify an evidence archive against its manifest (see the module docstring). ``fail_on`` overrides the
    manifest's ``policy.fail-on``. Raises :class:`ManifestError` for a manifest that is not valid; an unreadable
    listed file is a case with status ``error``, never an exception."""
    from ..scanning import Options, scan

    m = load_manifest(manifest_path)
    level = fail_on or m.fail_on
    if level not in (*timeline.SEVERITIES, "never"):
        raise UsageError(f"fail-on should be error, warning, info or never, got {level!r}")
    before = {e.id: _hash(e.path) for e in m.entries}
    opts = Options(jobs=jobs, keyframes=keyframes, pictures=pictures, policy=m.policy, claims=_claims_table(m))
    result = scan([e.path for e in m.entries], options=opts, progress=progress)
    after = {e.id: _hash(e.path) for e in m.entries}
    infos = {i.path: i for i in result.files}
    files = tuple(
        FileCheck(e.id, e.path, e.sha256, before[e.id][0], after[e.id][0],
                  infos[e.path].sha256 if e.path in infos else None, before[e.id][1] or after[e.id][1])
        for e in m.entries
    )
    cases = _cases(m, result, files, level)
    summary = {
        "total": len(cases),
        "passed": sum(c.status == "pass" for c in cases),
        "failed": sum(c.status == "fail" for c in cases),
        "errors": sum(c.status == "error" for c in cases),
        "skipped": sum(c.status == "skip" for c in cases),
    }
    status = "error" if summary["errors"] else "fail" if summary["failed"] else "pass"
    return CheckResult(manifest=m.path, fail_on=level, status=status, cases=tuple(cases), summary=summary,
                       findings=result.findings, files=files, scan=result)


class _Cases:
    def __init__(self) -> None:
        self.items: list[CheckCase] = []
        self._ids: set[str] = set()

    def add(self, kind: str, name: str, status: str, message: str, *, paths: Iterable[str] = (),
            line: int | None = None, severity: str = "error", evidence: dict[str, Any] | None = None) -> None:
        base = f"{kind}:{name}"
        cid, n = base, 2
        while cid in self._ids:
            cid, n = f"{base}#{n}", n + 1
        self._ids.add(cid)
        self.items.append(CheckCase(cid, kind, name, status, message, severity, tuple(dict.fromkeys(paths)), line,
                                    evidence or {}))


def _cases(m: Manifest, r: ScanResult, files: Sequence[FileCheck], level: str) -> list[CheckCase]:
    out = _Cases()
    ents = m.by_id()
    infos = {i.path: i for i in r.files}
    name_of = {e.path: e.id for e in m.entries}
    group_of = {p: g for g in r.groups for p in g.members}
    usable = {e.id: e.path in infos and e.path not in r.errors and infos[e.path].kind in ("video", "image")
              for e in m.entries}
    covered: set[int] = set()  # indexes into r.findings
    findings = list(r.findings)

    # integrity and readability
    for e, fc in zip(m.entries, files, strict=True):
        ev = {"expected": fc.expected, "before": fc.before, "after": fc.after, "scanned": fc.scanned}
        if fc.before is None or fc.after is None:
            out.add("integrity", e.id, "error", f"{e.rel}: {fc.error or 'cannot read'}", paths=[e.path],
                    line=e.line, evidence=ev)
        elif fc.before != fc.expected:
            out.add("integrity", e.id, "fail", f"{e.rel}: sha256 {fc.before} differs from the manifest's "
                    f"{fc.expected}: the file was changed or replaced", paths=[e.path], line=e.line, evidence=ev)
        elif fc.after != fc.before or (fc.scanned is not None and fc.scanned != fc.before):
            out.add("integrity", e.id, "fail", f"{e.rel}: the file changed while it was checked (sha256 "
                    f"{fc.before} before, {fc.after} after, {fc.scanned} scanned)", paths=[e.path], line=e.line,
                    evidence=ev)
        else:
            out.add("integrity", e.id, "pass", f"{e.rel}: sha256 matches the manifest, unchanged by the check",
                    paths=[e.path], line=e.line, evidence=ev)
        info = infos.get(e.path)
        if usable[e.id]:
            assert info is not None
            out.add("readable", e.id, "pass", f"{e.rel}: {info.kind}, {info.container or '?'}"
                    + (f", {info.duration:.2f} s" if info.duration else ""), paths=[e.path], line=e.line,
                    evidence={"kind": info.kind, "container": info.container})
        else:
            why = r.errors.get(e.path) or (("; ".join(info.errors) or f"not a video or image ({info.kind})")
                                            if info else "not scanned")
            out.add("readable", e.id, "error", f"{e.rel}: {why}", paths=[e.path], line=e.line, evidence={"error": why})

    # relations, each unordered pair once
    seen: set[tuple[str, frozenset[str]]] = set()
    for e in m.entries:
        for kind, refs in (("same-footage-as", e.same), ("independent-of", e.independent)):
            for other_id, ln in refs:
                key = (kind, frozenset((e.id, other_id)))
                if key in seen:
                    continue
                seen.add(key)
                o = ents[other_id]
                name = f"{e.id} {kind} {o.id}"
                if not (usable[e.id] and usable[o.id]):
                    bad = e if not usable[e.id] else o
                    out.add("relation", name, "skip", f"cannot tell: {bad.rel} could not be read",
                            paths=[e.path, o.path], line=ln, evidence={"relation": kind})
                    continue
                ga, gb = group_of.get(e.path), group_of.get(o.path)
                together = ga is not None and ga is gb
                rev: dict[str, Any] = {"relation": kind, "group_a": ga.id if ga else None,
                                      "group_b": gb.id if gb else None}
                if together and ga is not None:
                    rev["reference"] = ga.reference
                    rev["pairs"] = [{"path": p.b.path, "verdict": p.verdict, "coverage": p.coverage}
                                   for p in ga.pairs if p.b.path in (e.path, o.path)]
                if kind == "same-footage-as":
                    ok = together
                    msg = (f"{e.rel} and {o.rel} show the same footage (group {ga.id if ga else '?'})" if ok else
                           f"{e.rel} and {o.rel} share no footage: " + _where(e.rel, ga) + ", " + _where(o.rel, gb))
                else:
                    ok = not together
                    msg = (f"{e.rel} and {o.rel} share no footage" if ok else
                           f"{e.rel} and {o.rel} show the same footage (group {ga.id if ga else '?'}, reference "
                           f"{name_of.get(ga.reference, ga.reference) if ga else '?'}), but are declared independent")
                out.add("relation", name, "pass" if ok else "fail", msg, paths=[e.path, o.path], line=ln, evidence=rev)

    # claims
    for e in m.entries:
        if e.time is not None:
            if not usable[e.id]:
                out.add("claim-time", f"{e.id} time {e.time.text}", "skip", f"cannot tell: {e.rel} could not be read",
                        paths=[e.path], line=e.time.line)
            else:
                status, msg, ev, idx = _time_case(e, infos, r, m.policy, findings)
                covered |= idx
                out.add("claim-time", f"{e.id} time {e.time.text}", status, msg, paths=[e.path],
                        line=e.time.line, evidence=ev)
        if e.place is not None:
            if not usable[e.id]:
                out.add("claim-place", f"{e.id} place {e.place.text}", "skip",
                        f"cannot tell: {e.rel} could not be read", paths=[e.path], line=e.place.line)
            else:
                status, msg, ev, idx = _place_case(e, infos, r, m.policy, findings)
                covered |= idx
                out.add("claim-place", f"{e.id} place {e.place.text}", status, msg, paths=[e.path],
                        line=e.place.line, evidence=ev)

    # writers
    if m.allowed_writers is not None:
        ln = _line(m.lines, ["policy", "allowed-writers"])
        for e in m.entries:
            info = infos.get(e.path)
            if not usable[e.id] or info is None:
                out.add("writer", e.id, "skip", f"cannot tell: {e.rel} could not be read", paths=[e.path], line=ln)
                continue
            w = info.writer
            fam, wname = (w.family, w.name) if w is not None else ("unknown", "unknown")
            hit = next((p for p in m.allowed_writers if any(fnmatch.fnmatchcase(x.lower(), p.lower())
                                                              for x in (fam, wname))), None)
            wev = {"writer": w.to_dict() if w else None, "allowed": list(m.allowed_writers), "matched": hit}
            if hit is not None:
                out.add("writer", e.id, "pass", f"{e.rel}: written by {wname} ({fam}), allowed by {hit!r}",
                        paths=[e.path], line=ln, evidence=wev)
                covered |= {k for k, f in enumerate(findings) if f.code == "reencoded" and f.paths == (e.path,)}
            else:
                out.add("writer", e.id, "fail", f"{e.rel}: written by {wname} ({fam}), which the policy does not "
                        f"allow ({', '.join(m.allowed_writers)})", paths=[e.path], line=ln, evidence=wev)

    # expected findings
    for x in m.expected:
        want = {ents[i].path for i in x.files}
        hits = [k for k, f in enumerate(findings)
                if f.code == x.code and want <= set(f.paths) and (x.severity is None or f.severity == x.severity)]
        name = x.code + (": " + ", ".join(x.files) if x.files else "")
        if hits:
            covered |= set(hits)
            f0 = findings[hits[0]]
            out.add("expected-finding", name, "pass", f"raised as expected: {f0.message}", paths=f0.paths,
                    line=x.line, evidence={"findings": [findings[k].to_dict() for k in hits]})
        else:
            near = [f.message for f in findings if f.code == x.code]
            out.add("expected-finding", name, "fail", f"expected a {x.severity or ''}{' ' if x.severity else ''}"
                    f"{x.code} finding" + (f" involving {', '.join(x.files)}" if x.files else "")
                    + ", but the scan raised none" + (f" (it raised {len(near)} for other files)" if near else ""),
                    paths=sorted(want), line=x.line,
                    evidence={"code": x.code, "files": list(x.files), "others": near[:5]})

    # every other finding at or above fail-on
    if level != "never":
        floor = timeline.SEVERITIES.index(level)
        for k, f in enumerate(findings):
            if k in covered or f.severity not in timeline.SEVERITIES or timeline.SEVERITIES.index(f.severity) < floor:
                continue
            first = next((name_of[p] for p in f.paths if p in name_of), None)
            line = ents[first].line if first else None
            out.add("finding", f"{f.code}: {', '.join(name_of.get(p, p) for p in f.paths)}", "fail",
                    f"[{f.severity}] {f.message}", paths=f.paths, line=line, severity=f.severity,
                    evidence={"finding": f.to_dict()})
    return out.items


def _where(rel: str, g: Any) -> str:
    return f"{rel} is in group {g.id}" if g is not None else f"{rel} shares footage with no listed file"


def _copies(e: Entry, infos: dict[str, MediaInfo], r: ScanResult) -> list[MediaInfo]:
    """The other members of ``e``'s group (copies of its footage)."""
    for g in r.groups:
        if e.path in g.members:
            return [infos[p] for p in g.members if p != e.path and p in infos]
    return []


def _claim_mentions(f: Finding, path: str, field_prefix: str) -> bool:
    return bool(f.paths) and f.paths[0] == path and field_prefix in json.dumps(f.evidence, default=str)


def _time_case(e: Entry, infos: dict[str, MediaInfo], r: ScanResult, policy: timeline.Policy,
               findings: Sequence[Finding]) -> tuple[str, str, dict[str, Any], set[int]]:
    """A time claim against the footage's capture times (the file's own, else its copies') and upload times."""
    assert e.time is not None
    info = infos[e.path]
    exact = e.time.exact
    slack = policy.claim_tolerance_s if exact else policy.clock_tolerance_s
    lo_w = timeline.when("claim.after", e.time.after) if e.time.after else None
    hi_w = timeline.when("claim.before", e.time.before) if e.time.before else None
    lo = lo_w.earliest - timedelta(seconds=slack) if lo_w else None
    hi = hi_w.latest + timedelta(seconds=slack) if hi_w else None

    own = timeline.created(info)
    captures = [own] if timeline.is_capture(info, own) and own is not None else []
    copies = _copies(e, infos, r)
    captures += [w for c in copies if timeline.is_capture(c, w := timeline.created(c)) and w is not None]
    uploads = [w for w in [timeline.upload(info)] if w is not None]
    if not captures:  # no capture time anywhere: the footage existed by the first upload of any copy
        uploads += [w for c in copies if (w := timeline.upload(c)) is not None]

    contra: list[str] = []
    compared: list[dict[str, Any]] = []
    for w in captures:
        compared.append({**w.evidence(), "path": w.path, "as": "capture"})
        if lo is not None and w.latest < lo:
            contra.append(f"captured {w.value} ({w.field} of {os.path.basename(w.path)}), before the claimed "
                          f"{e.time.text}")
        elif hi is not None and w.earliest > hi:
            contra.append(f"captured {w.value} ({w.field} of {os.path.basename(w.path)}), after the claimed "
                          f"{e.time.text}")
    for w in uploads:
        compared.append({**w.evidence(), "path": w.path, "as": "upload"})
        if lo is not None and w.latest < lo:
            who = "it was" if w.path == e.path else f"{os.path.basename(w.path)} was"
            contra.append(f"{who} uploaded {w.value}, before the claimed {e.time.text}")
    idx = {k for k, f in enumerate(findings)
           if f.code in ("capture-time-mismatch", "recycled-footage", "capture-after-upload")
           and _claim_mentions(f, e.path, "claims.claimed_time")}
    # The file's own capture time, when it agrees with the claim, outweighs another copy's upload date: a
    # recycled-footage finding that rests on such an upload disputes that upload date (capture-after-upload
    # reports it), not the claim.
    own_agrees = bool(captures) and captures[0].path == e.path and not contra
    discounted = [k for k in sorted(idx) if own_agrees and findings[k].code == "recycled-footage"
                  and str((findings[k].evidence.get("first_seen") or {}).get("field", "")).startswith(
                      "claims.upload_time")]
    contra += [f"{findings[k].code}: {findings[k].message}" for k in sorted(idx) if k not in discounted]
    ev = {"claim": {"after": e.time.after, "before": e.time.before, "exact": exact}, "tolerance_s": slack,
          "compared_with": compared, "contradictions": contra,
          "discounted": [{"finding": findings[k].to_dict(), "why": "the file's own capture time agrees with the "
                          "claim; the finding rests on another copy's upload date"} for k in discounted]}
    if contra:
        return "fail", f"{e.rel}: claimed {e.time.text}, but " + "; ".join(contra), ev, idx
    if not compared:
        return "pass", f"{e.rel}: claimed {e.time.text}: nothing contradicts it (no capture or upload time to " \
            "compare with)", ev, idx
    return "pass", f"{e.rel}: claimed {e.time.text} agrees with {len(compared)} time(s) of the footage", ev, idx


def _place_case(e: Entry, infos: dict[str, MediaInfo], r: ScanResult, policy: timeline.Policy,
                findings: Sequence[Finding]) -> tuple[str, str, dict[str, Any], set[int]]:
    """A place claim against the file's GPS, or without one, the GPS of its copies."""
    from ...evidence.place import distance_m

    assert e.place is not None
    info = infos[e.path]
    radius = e.place.radius_m if e.place.radius_m is not None else policy.place_tolerance_m
    located = [info] if info.gps is not None else [c for c in _copies(e, infos, r) if c.gps is not None]
    compared = []
    far = []
    for i in located:
        assert i.gps is not None
        d = distance_m((i.gps.lat, i.gps.lon), (e.place.lat, e.place.lon))
        compared.append({"path": i.path, "gps": i.gps.to_dict(), "distance_m": round(d, 1)})
        if d > radius:
            far.append(f"GPS of {os.path.basename(i.path)} ({i.gps.lat:.5f}, {i.gps.lon:.5f}) is {d / 1000:,.1f} km "
                       "away")
    idx = {k for k, f in enumerate(findings) if f.code == "place-mismatch" and f.paths and f.paths[0] == e.path}
    ev = {"claim": {"lat": e.place.lat, "lon": e.place.lon}, "radius_m": radius, "compared_with": compared}
    if far:
        return "fail", f"{e.rel}: claimed at {e.place.text} (within {radius:g} m), but " + "; ".join(far), ev, idx
    if not compared:
        return "pass", f"{e.rel}: claimed at {e.place.text}: nothing contradicts it (no GPS in the file or its " \
            "copies)", ev, idx
    return "pass", f"{e.rel}: claimed at {e.place.text}, GPS within {radius:g} m", ev, idx


# ------------------------------------------------------------------------------------------------------- init


@dataclass(frozen=True)
class InitResult(Model):
    """What :func:`init_manifest` wrote: the manifest's path, the files listed, and those left out (unreadable)."""

    path: str
    files: tuple[str, ...]
    groups: int
    expected_findings: int
    skipped: dict[str, str] = field(default_factory=dict)


def _q(s: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(s, ensure_ascii=False)


def init_manifest(folder: str | os.PathLike[str], *, fail_on: str = "error", jobs: int = 1, pictures: bool = True,
                  progress: Callable[[str, int, int], None] | None = None) -> InitResult:
    """Write ``FOLDER/vidverify.yaml``: every media file under the folder with its sha256, the same-footage
    groups a scan finds (each member ``same-footage-as`` its group's reference), and the findings at or above
    ``fail_on`` as ``expected-findings`` (the baseline), so that ``check`` passes on the folder as it is now.
    Never overwrites an existing manifest (``ManifestError``)."""
    from ... import __version__
    from ..scanning import Options, scan

    d = os.fspath(folder)
    if not os.path.isdir(d):
        raise UsageError(f"--init {d}: not a folder")
    target = Path(d) / DEFAULT_MANIFEST
    if os.path.lexists(target):
        raise ManifestError("already exists: not overwritten (edit it, or remove it first)",
                            path=str(target))
    result = scan([d], options=Options(jobs=jobs, pictures=pictures), progress=progress)
    rel = {i.path: Path(os.path.relpath(i.path, d)).as_posix() for i in result.files}
    listed = [i for i in result.files if i.path not in result.errors and i.sha256 and i.kind in ("video", "image")]
    listed.sort(key=lambda i: rel[i.path])
    listed_paths = {i.path for i in listed}
    ref_of = {p: g.reference for g in result.groups for p in g.members if p != g.reference}
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = [
        f"# vidverify evidence manifest ({MANIFEST_SCHEMA}), written by `vidverify check --init` {__version__} "
        f"at {now}.",
        "# Paths are relative to this file's folder. Check the archive with:  vidverify check vidverify.yaml",
        "# Add claims per file (claims: {time: ..., place: ...}) and relations (same-footage-as, independent-of).",
        "version: 1",
        "files:",
    ]
    for i in listed:
        out.append(f"  - path: {_q(rel[i.path])}")
        out.append(f"    sha256: {_q(i.sha256 or '')}")
        if i.path in ref_of and ref_of[i.path] in listed_paths:
            out.append(f"    same-footage-as: [{_q(rel[ref_of[i.path]])}]")
    baseline: list[tuple[str, tuple[str, ...], str]] = []
    if fail_on != "never":
        for f in timeline.at_or_above(result.findings, fail_on):
            key = (f.code, tuple(rel[p] for p in f.paths if p in listed_paths), f.severity)
            if key not in baseline:
                baseline.append(key)
    if baseline:
        out.append("# Findings raised when this manifest was written: known and accepted. Each must still be raised;")
        out.append("# remove an entry to make its finding fail the check again.")
        out.append("expected-findings:")
        for code, paths, sev in baseline:
            out.append(f"  - code: {code}")
            if paths:
                out.append(f"    files: [{', '.join(_q(p) for p in paths)}]")
            out.append(f"    severity: {sev}")
    out += [
        "policy:",
        f"  fail-on: {fail_on}",
        "  # allowed-writers: [camera, apple]",
        "  # tolerances: {clock-tolerance-s: 120, claim-tolerance-s: 86400, place-tolerance-m: 5000}",
        "",
    ]
    _write_new(target, "\n".join(out))
    return InitResult(str(target), tuple(rel[i.path] for i in listed), len(result.groups), len(baseline),
                      {rel.get(p, p): why for p, why in result.errors.items()})


def _write_new(target: Path, text: str) -> None:
    """Write ``text`` to a new file ``target`` atomically, never over an existing file (a hard link of a
    finished temporary file; a rename where links are not supported, after a last existence check)."""
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        with open(tmp, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, target)
        except FileExistsError as exc:
            raise ManifestError("already exists: not overwritten", path=str(target)) from exc
        except OSError:
            if os.path.lexists(target):
                raise ManifestError("already exists: not overwritten", path=str(target)) from None
            os.replace(tmp, target)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------------- renderers


def junit_xml(result: CheckResult) -> str:
    """JUnit XML: one ``<testcase>`` per case (classname = kind, name = case name), ``<failure>`` for fail,
    ``<error>`` for error, ``<skipped/>`` for skip; the message in the ``message`` attribute and the evidence
    as the element's text."""
    import xml.etree.ElementTree as ET

    s = result.summary
    suites = ET.Element("testsuites", name="vidverify check", tests=str(s["total"]), failures=str(s["failed"]),
                        errors=str(s["errors"]), skipped=str(s["skipped"]))
    suite = ET.SubElement(suites, "testsuite", name=f"vidverify check {result.manifest}", tests=str(s["total"]),
                          failures=str(s["failed"]), errors=str(s["errors"]), skipped=str(s["skipped"]),
                          time="0")
    for c in result.cases:
        tc = ET.SubElement(suite, "testcase", classname=c.kind, name=c.name, time="0")
        if c.line is not None:
            tc.set("file", result.manifest)
            tc.set("line", str(c.line))
        detail = json.dumps(c.evidence, indent=2, ensure_ascii=False, default=str)
        if c.status == "fail":
            el = ET.SubElement(tc, "failure", message=_xml_safe(c.message), type=c.severity)
            el.text = _xml_safe(detail)
        elif c.status == "error":
            el = ET.SubElement(tc, "error", message=_xml_safe(c.message), type="unreadable")
            el.text = _xml_safe(detail)
        elif c.status == "skip":
            ET.SubElement(tc, "skipped", message=_xml_safe(c.message))
        else:
            out = ET.SubElement(tc, "system-out")
            out.text = _xml_safe(c.message)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (control characters from file metadata)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20 and ch not in "\ufffe\uffff")


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(s: str) -> str:
    return _gh_data(s).replace(":", "%3A").replace(",", "%2C")


GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def github_annotations(result: CheckResult) -> list[str]:
    """GitHub workflow commands, one per failing or erroring case: ``::error file=MANIFEST,line=N,title=...::msg``
    (the annotation points at the manifest line the expectation comes from). Data is escaped per GitHub's rules
    (``%``, CR, LF), properties also ``:`` and ``,``."""
    lines = []
    for c in result.cases:
        if c.status not in ("fail", "error"):
            continue
        level = "error" if c.status == "error" else GITHUB_LEVELS.get(c.severity, "error")
        props = [f"file={_gh_prop(result.manifest)}"]
        if c.line is not None:
            props.append(f"line={c.line}")
        props.append(f"title={_gh_prop(f'vidverify {c.kind}: {c.name}')}")
        lines.append(f"::{level} {','.join(props)}::{_gh_data(c.message)}")
    return lines


def cases_html(result: CheckResult) -> str:
    """A small HTML section listing the check cases (inserted into the scan report by the CLI)."""
    from html import escape

    rows = []
    for c in result.cases:
        sev = {"fail": "error", "error": "error", "skip": "info", "pass": "info"}[c.status]
        rows.append(f'<tr class="{sev}"><td class="fcode">{escape(c.status)}</td><td>{escape(c.kind)}</td>'
                    f'<td>{escape(c.name)}</td><td>{escape(c.message)}</td></tr>')
    s = result.summary
    return (
        '<section class="block" id="checks">\n<h2>Checks <span class="sub">· '
        f'{escape(result.manifest)} · {s["passed"]} passed, {s["failed"]} failed, {s["errors"]} errors, '
        f'{s["skipped"]} skipped (fail-on {escape(result.fail_on)})</span></h2>\n'
        '<div class="tablewrap"><table class="ftable"><thead><tr><th>status</th><th>kind</th><th>check</th>'
        '<th>message</th></tr></thead><tbody>\n' + "\n".join(rows) + "\n</tbody></table></div>\n</section>\n"
    )


__all__ = [
    "DEFAULT_MANIFEST",
    "KINDS",
    "SCHEMA",
    "STATUSES",
    "TOLERANCE_KEYS",
    "CheckCase",
    "CheckResult",
    "FileCheck",
    "InitResult",
    "Manifest",
    "ManifestError",
    "cases_html",
    "check",
    "github_annotations",
    "init_manifest",
    "junit_xml",
    "load_manifest",
    "manifest_schema",
    "validate_manifest",
]
