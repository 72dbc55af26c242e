"""Manifest-driven checks for CI: does an evidence archive still hold what its manifest says (``manifest.py``)?

:func:`check` hashes every file, runs one :func:`~vidverify.scan` over them (the manifest's claims passed in as
user claims), hashes them again, and turns every expectation into a :class:`CheckCase`:

=====================  ==========================================================================================
kind                   one case per … and when it passes
=====================  ==========================================================================================
``integrity``          file and document: the bytes before the run, after it, and as scanned all equal the
                       manifest's sha256 (a listed file that is missing: ``error``, exit 4)
``readable``           file: the scan could read and fingerprint it (else status ``error``)
``relation``           declared relation: ``same-footage-as`` files are in one scan group, ``independent-of`` not
``claim-time``         time claim: no capture time of the footage (the file's own, or a copy's) and no upload lies
                       outside it, and no timeline finding contradicts it
``claim-place``        place claim: the file's GPS (or, without one, its copies') is within ``radius_m``
``writer``             file, when ``policy.allowed-writers`` is set: its writer's family or name is allowed
``credentials``        file, when it (or ``policy``) sets ``credentials``: ``present``, it carries intact C2PA
                       credentials (valid or untrusted); ``valid``, intact and its signer is on the trust list
``ai-labelled``        file, when ``policy.ai-labelled: forbid``: no intact credentials label its footage (its own,
                       or a copy's) as generative AI
``unlisted``           media file or yt-dlp sidecar under the manifest's folder that the manifest does not list
                       (``policy.unlisted: fail``, the default): always ``fail``
``expected-finding``   expected finding: the scan raised it
``finding``            scan finding at or above ``fail-on`` that no case above covers (always ``fail``)
=====================  ==========================================================================================

Status is ``pass``, ``fail``, ``error`` (could not be decided: the input is unreadable) or ``skip``. A manifest
that is not valid raises :class:`ManifestError` (a ``UsageError``, exit 2) naming the field and, when it can, the
line. ``starter.py`` writes a starter manifest for a folder; ``report/ci.py`` renders a result for CI (JUnit XML,
GitHub annotations).
"""

from __future__ import annotations

import fnmatch
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from ...errors import UsageError
from ...evidence import codes, timeline
from ...evidence.place import distance_m
from ...media import files
from ...media.claims import SIDECAR_SUFFIX
from ...media.formats import c2pa
from ...media.stills import thumbnails
from ...models import CheckCase, CheckResult, FileCheck, Finding, MediaInfo, ScanResult
from ...report import html, html_scan
from ..index.store import Store
from ..scanning import ScanOptions, scan
from .manifest import Entry, Manifest, archive_files, claims_table, load_manifest

log = logging.getLogger("vidverify")

SCHEMA = "vidverify/check@1"
STATUSES = ("pass", "fail", "error", "skip")
KINDS = ("integrity", "readable", "relation", "claim-time", "claim-place", "writer", "credentials", "ai-labelled",
         "unlisted", "expected-finding", "finding")


# --------------------------------------------------------------------------------------------------- results


# -------------------------------------------------------------------------------------------------- manifest


# ------------------------------------------------------------------------------------------------------ check


def _hash(path: str, spent: dict[str, float]) -> tuple[str | None, str | None]:
    """The file's SHA-256 or why not; the seconds it took are added to ``spent[path]``."""
    started = time.perf_counter()
    try:
        return files.sha256_file(path), None
    except OSError as exc:
        return None, "no such file" if isinstance(exc, FileNotFoundError) else f"cannot read: {exc.strerror or exc}"
    finally:
        spent[path] = spent.get(path, 0.0) + time.perf_counter() - started


def check(manifest_path: str | os.PathLike[str], *, fail_on: str | None = None, jobs: int = 1,
          pictures: bool = True, keyframes: bool = False, index: Store | None = None,
          progress: Callable[[str, int, int], None] | None = None,
          on_read: Callable[[str], None] | None = None) -> CheckResult:
    """Verify an evidence archive against its manifest (see the module docstring). ``fail_on`` overrides the
    manifest's ``policy.fail-on``; ``index`` (an ``Index``) gives the fingerprints of files unchanged since they
    were indexed, so a CI run decodes only what is new; ``on_read`` is called with each file's path as the scan
    reads it. Raises :class:`ManifestError` for a manifest that is not
    valid; a listed file that is missing or unreadable is a case with status ``error``, never an exception."""
    m = load_manifest(manifest_path)
    level = fail_on or m.fail_on
    if level not in (*codes.SEVERITIES, "never"):
        raise UsageError(f"fail-on should be error, warning, info or never, got {level!r}")
    listed = [(e.id, e.path, e.sha256) for e in m.entries] + [(d.rel, d.path, d.sha256) for d in m.documents]
    documents = {d.path for d in m.documents}
    spent: dict[str, float] = {}
    before = {path: _hash(path, spent) for _id, path, _sha in listed}
    opts = ScanOptions(jobs=jobs, keyframes=keyframes, pictures=pictures, policy=m.policy, claims=claims_table(m))
    with c2pa.trust_anchors_for(m.trust_anchors):
        result = scan([e.path for e in m.entries], options=opts, progress=progress, index=index, on_read=on_read)
    after = {path: _hash(path, spent) for _id, path, _sha in listed}
    infos = {i.path: i for i in result.files}
    checked = tuple(
        FileCheck(fid, path, sha, before[path][0], after[path][0],
                  infos[path].sha256 if path in infos else None, before[path][1] or after[path][1],
                  document=path in documents)
        for fid, path, sha in listed
    )
    took = {"integrity": spent, "readable": result.seconds}  # a case's time: the work done for its one file
    cases = [replace(c, seconds=round(took[c.kind].get(c.paths[0], 0.0), 3)) if c.kind in took and c.paths else c
             for c in _cases(m, result, checked, level, unlisted(m) if m.unlisted == "fail" else [])]
    summary = {
        "total": len(cases),
        "passed": sum(c.status == "pass" for c in cases),
        "failed": sum(c.status == "fail" for c in cases),
        "errors": sum(c.status == "error" for c in cases),
        "skipped": sum(c.status == "skip" for c in cases),
    }
    status = "error" if summary["errors"] else "fail" if summary["failed"] else "pass"
    return CheckResult(manifest=m.path, fail_on=level, status=status, cases=tuple(cases), summary=summary,
                       findings=result.findings, files=checked, scan=result)


def unlisted(m: Manifest) -> list[str]:
    """Media files and sidecars under the manifest's folder that it does not list (``policy.unlisted``)."""
    listed = {os.path.normpath(e.path) for e in m.entries} | {os.path.normpath(d.path) for d in m.documents}
    media, sidecars = archive_files(m.folder, m.path)
    return [p for p in media + sidecars if os.path.normpath(p) not in listed]


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


def _cases(m: Manifest, r: ScanResult, checked: Sequence[FileCheck], level: str, extra: Sequence[str] = ()
           ) -> list[CheckCase]:
    out = _Cases()
    ents = m.by_id()
    infos = {i.path: i for i in r.files}
    name_of = {e.path: e.id for e in m.entries}
    group_of = {p: g for g in r.groups for p in g.members}
    usable = {e.id: e.path in infos and e.path not in r.errors and infos[e.path].kind in ("video", "image")
              for e in m.entries}
    covered: set[int] = set()  # indexes into r.findings
    findings = list(r.findings)

    # integrity of every listed file and document; readability of the media
    rows = [(e.id, e.rel, e.path, e.line) for e in m.entries] + [(d.rel, d.rel, d.path, d.line) for d in m.documents]
    for (fid, rel, path, ln), fc in zip(rows, checked, strict=True):
        ev = {"expected": fc.expected, "before": fc.before, "after": fc.after, "scanned": fc.scanned}
        if fc.before is None or fc.after is None:
            gone = not os.path.lexists(path)
            out.add("integrity", fid, "error", f"{rel}: " + ("missing: the manifest lists it but the archive no "
                    "longer has it" if gone else fc.error or "cannot read"), paths=[path], line=ln, evidence=ev)
        elif fc.before != fc.expected:
            out.add("integrity", fid, "fail", f"{rel}: sha256 {fc.before} differs from the manifest's "
                    f"{fc.expected}: the file was changed or replaced", paths=[path], line=ln, evidence=ev)
        elif fc.after != fc.before or (fc.scanned is not None and fc.scanned != fc.before):
            out.add("integrity", fid, "fail", f"{rel}: the file changed while it was checked (sha256 "
                    f"{fc.before} before, {fc.after} after, {fc.scanned} scanned)", paths=[path], line=ln,
                    evidence=ev)
        else:
            out.add("integrity", fid, "pass", f"{rel}: sha256 matches the manifest, unchanged by the check",
                    paths=[path], line=ln, evidence=ev)
    for e in m.entries:
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
        ln = files.line_of(m.lines, ["policy", "allowed-writers"])
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
                covered |= {k for k, f in enumerate(findings) if f.code == codes.REENCODED and f.paths == (e.path,)}
            else:
                out.add("writer", e.id, "fail", f"{e.rel}: written by {wname} ({fam}), which the policy does not "
                        f"allow ({', '.join(m.allowed_writers)})", paths=[e.path], line=ln, evidence=wev)

    covered |= _credential_cases(out, m, infos, usable, findings)

    # files the archive gained: listed neither in files nor in documents
    for path in extra:
        rel = Path(os.path.relpath(path, m.folder)).as_posix()
        what = "sidecar" if path.lower().endswith(SIDECAR_SUFFIX) else "media file"
        out.add("unlisted", rel, "fail", f"{rel}: a {what} in the archive that the manifest does not list (add it "
                f"to {'documents' if what == 'sidecar' else 'files'} with its sha256, or set policy.unlisted: "
                "ignore)", paths=[path], evidence={"kind": what})

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
        floor = codes.SEVERITIES.index(level)
        for k, f in enumerate(findings):
            if k in covered or f.severity not in codes.SEVERITIES or codes.SEVERITIES.index(f.severity) < floor:
                continue
            first = next((name_of[p] for p in f.paths if p in name_of), None)
            line = ents[first].line if first else None
            out.add("finding", f"{f.code}: {', '.join(name_of.get(p, p) for p in f.paths)}", "fail",
                    f"[{f.severity}] {f.message}", paths=f.paths, line=line, severity=f.severity,
                    evidence={"finding": f.to_dict()})
    return out.items


def _credential_cases(out: _Cases, m: Manifest, infos: dict[str, MediaInfo], usable: dict[str, bool],
                      findings: list[Finding]) -> set[int]:
    """The ``credentials`` and ``ai-labelled`` cases; the indexes of the findings they stand for."""
    covered: set[int] = set()
    for e in m.entries:
        if e.credentials is None:
            continue
        info = infos.get(e.path)
        ln = e.line
        if not usable[e.id] or info is None:
            out.add("credentials", e.id, "skip", f"cannot tell: {e.rel} could not be read", paths=[e.path], line=ln)
            continue
        c = info.credentials
        ev: dict[str, Any] = {"required": e.credentials, "credentials": c.to_dict() if c else None}
        if c is None:
            status, msg = "fail", f"{e.rel}: carries no C2PA content credentials ({e.credentials} required)"
        elif c.state == "invalid":
            status, msg = "fail", f"{e.rel}: its content credentials are invalid ({', '.join(c.failures)})"
        elif e.credentials == "valid" and c.state != "valid":
            status, msg = "fail", (f"{e.rel}: its content credentials are intact but the signer "
                                   f"({c.signer or 'unnamed'}) is not on the trust list (policy trust-anchors or "
                                   "--trust-anchors)")
        else:
            status, msg = "pass", f"{e.rel}: content credentials {c.state}, signed by {c.signer or 'an unnamed signer'}"
        out.add("credentials", e.id, status, msg, paths=[e.path], line=ln, evidence=ev)
        covered |= {k for k, f in enumerate(findings) if f.paths and f.paths[0] == e.path
                    and f.code in (codes.CREDENTIALS_INVALID, codes.CREDENTIALS_STRIPPED)}
    if m.ai_labelled == "forbid":
        ln = files.line_of(m.lines, ["policy", "ai-labelled"])
        labelled = [(k, f) for k, f in enumerate(findings) if f.code == codes.AI_GENERATED]
        for e in m.entries:
            if not usable[e.id]:
                out.add("ai-labelled", e.id, "skip", f"cannot tell: {e.rel} could not be read", paths=[e.path],
                        line=ln)
                continue
            hits = [(k, f) for k, f in labelled if e.path in f.paths]
            if hits:
                covered |= {k for k, _ in hits}
                f0 = hits[0][1]
                out.add("ai-labelled", e.id, "fail", f"{e.rel}: shows footage labelled generative AI ({f0.message})",
                        paths=f0.paths, line=ln, evidence={"findings": [f.to_dict() for _, f in hits]})
            else:
                out.add("ai-labelled", e.id, "pass", f"{e.rel}: no content credentials label its footage as "
                        "generative AI", paths=[e.path], line=ln)
    return covered


def _where(rel: str, g: Any) -> str:
    return f"{rel} is in group {g.id}" if g is not None else f"{rel} shares footage with no listed file"


def _copies(e: Entry, infos: dict[str, MediaInfo], r: ScanResult) -> list[MediaInfo]:
    """The other members of ``e``'s group (copies of its footage)."""
    for g in r.groups:
        if e.path in g.members:
            return [infos[p] for p in g.members if p != e.path and p in infos]
    return []


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
           if f.code in (codes.CAPTURE_TIME_MISMATCH, codes.RECYCLED_FOOTAGE, codes.CAPTURE_AFTER_UPLOAD)
           and f.paths and f.paths[0] == e.path and codes.mentions(f, "claims.claimed_time")}
    # The file's own capture time, when it agrees with the claim, outweighs another copy's upload date: a
    # recycled-footage finding that rests on such an upload disputes that upload date (capture-after-upload
    # reports it), not the claim.
    own_agrees = bool(captures) and captures[0].path == e.path and not contra
    discounted = [k for k in sorted(idx) if own_agrees and findings[k].code == codes.RECYCLED_FOOTAGE
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
    assert e.place is not None
    info = infos[e.path]
    idx = {k for k, f in enumerate(findings) if f.code == codes.PLACE_MISMATCH and f.paths and f.paths[0] == e.path}
    tolerance = e.place.radius_m if e.place.radius_m is not None else policy.place_tolerance_m
    # the points the claim stands for, each with its reach: one for coordinates, every place a name can mean
    points = [(p.lat, p.lon, p.radius_m + tolerance, f"{p.name}, {p.country}") for p in e.place.lookup.candidates] \
        if e.place.lookup is not None else [(e.place.lat, e.place.lon, tolerance, e.place.text)]
    ev: dict[str, Any] = {"claim": {"lat": e.place.lat, "lon": e.place.lon}, "radius_m": tolerance, "compared_with": []}
    if e.place.lookup is not None:
        ev["lookup"] = e.place.lookup.to_dict()
    if e.place.not_compared:
        return "skip", f"{e.rel}: claimed at {e.place.text!r}: not compared ({e.place.not_compared})", ev, idx
    located = [info] if info.gps is not None else [c for c in _copies(e, infos, r) if c.gps is not None]
    far = []
    for i in located:
        assert i.gps is not None
        d, (lat, lon, reach, name) = min(((distance_m((i.gps.lat, i.gps.lon), pt[:2]), pt) for pt in points),
                                         key=lambda x: x[0] - x[1][2])
        ev["compared_with"].append({"path": i.path, "gps": i.gps.to_dict(), "distance_m": round(d, 1),
                                    "nearest": name, "reach_m": round(reach, 1)})
        if d > reach:
            far.append(f"GPS of {os.path.basename(i.path)} ({i.gps.lat:.5f}, {i.gps.lon:.5f}) is {d / 1000:,.1f} km "
                       f"from {name}" + (f" (within {reach / 1000:,.1f} km)" if e.place.lookup is not None else ""))
    reach_text = f"within {tolerance:g} m" if e.place.lookup is None else \
        f"{len(points)} place(s) of that name, each with its reach"
    if far:
        return "fail", f"{e.rel}: claimed at {e.place.text} ({reach_text}), but " + "; ".join(far), ev, idx
    if not ev["compared_with"]:
        return "pass", f"{e.rel}: claimed at {e.place.text}: nothing contradicts it (no GPS in the file or its " \
            "copies)", ev, idx
    return "pass", f"{e.rel}: claimed at {e.place.text}, GPS {reach_text}", ev, idx


# ------------------------------------------------------------------------------------------------------- init


# ------------------------------------------------------------------------------------------------- renderers


def check_page(result: CheckResult, path: str) -> None:
    """Write the HTML report of a check to ``path``: the PASS/FAIL banner, the checks that did not pass, one row per
    file, then the scan it ran (thumbnails grabbed from the media), written atomically (``OutputError``, exit 6,
    when it cannot be written)."""
    thumbs = thumbnails(html.thumbnail_requests(result.scan)) if result.scan is not None else {}
    html.write_html(path, html_scan.render_check(result, thumbs=thumbs))


__all__ = ["KINDS", "SCHEMA", "STATUSES", "check", "check_page"]
