"""The scan and check pages: the answer first. Each group of the same footage opens the page with its reference and
copies as thumbnails, its chronology (capture, first upload, later uploads, claimed times; the contradictions
marked), every copy's edits in words and the errors and warnings that concern it; then each pair in detail, the
files alone, any other findings, and the information findings folded away. A check page opens with a PASS/FAIL
banner, the checks that did not pass and one line per file, above the scan it ran.

The parts shared with the compare page (thumbnails, timelines, pairs, findings, metadata) are ``html.py``'s::

    from vidverify.media.stills import thumbnails
    from vidverify.report import html, html_scan

    page = html_scan.render_scan(result, thumbs=thumbnails(html.thumbnail_requests(result)))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..evidence import codes
from ..models import CheckCase, CheckResult, Finding, Group, LineageEntry, MediaInfo, ScanResult
from . import human
from .html import (
    HIGHLIGHT_SEVERITIES,
    SEVERITY_ORDER,
    ThumbKey,
    _findings_view,
    _meta_table,
    _name,
    _pair_view,
    _poster_time,
    _render,
    _severity_counts,
    _Thumbs,
    fmt_time,
)

STATUS_ORDER = ("fail", "error", "skip", "pass")  # the worst status of a file's checks is shown for it
CHECK_COLUMNS = (  # (label, case kinds) of the per-file summary of a check
    ("bytes", ("integrity",)),
    ("readable", ("readable",)),
    ("relations", ("relation",)),
    ("claims", ("claim-time", "claim-place")),
    ("writer", ("writer",)),
    ("credentials", ("credentials", "ai-labelled")),
    ("findings", ("expected-finding", "finding")),
)


def _worst(severities: Iterable[str]) -> str | None:
    return min(severities, key=lambda s: SEVERITY_ORDER.get(s, 9), default=None)


# ------------------------------------------------------------------------------------------ cards


def _file_card(p: str, info: MediaInfo | None, th: _Thumbs) -> dict[str, Any]:
    """What a file's card shows: its poster frame, length, picture size, capture and upload times."""
    t = _poster_time(info)
    claims = info.claims if info else None
    return {
        "path": p,
        "name": _name(p),
        "thumb": th.uri(p, t),
        "t": t,
        "duration": fmt_time(info.duration) if info and info.duration is not None else "–",
        "picture": human.dims_text((info.width, info.height)) if info and info.width and info.height else None,
        "created": human.time_text(info.created) if info else None,
        "upload": human.time_text(claims.upload_time) if claims else None,
        "uploader": claims.uploader if claims else None,
        "badge": human.credentials_badge(info.credentials) if info else None,  # C2PA content credentials
        "credentials": human.credentials_text(info.credentials) if info and info.credentials else None,
    }


def _strip(p: str, times: Sequence[float], th: _Thumbs) -> dict[str, Any]:
    """A file's keyframe strip: one picture per shot (more for long shots), as the scan chose them."""
    return {"path": p, "name": _name(p), "frames": [{"t": t, "uri": th.uri(p, t)} for t in times]}


# ------------------------------------------------------------------------------------------ chronology


@dataclass
class _Event:
    at: datetime
    iso: str
    path: str
    key: str  # the metadata field it is (created, upload_time, claimed_time): what findings point at
    what: str
    source: str | None
    who: str | None = None


def _events(members: Sequence[str], infos: Mapping[str, MediaInfo]) -> list[_Event]:
    out: list[_Event] = []
    for p in members:
        info = infos.get(p)
        if info is None:
            continue
        if info.created and (at := human.instant(info.created)):
            device = bool(info.make or info.model)
            out.append(_Event(at, info.created, p, "created", "captured" if device else "file date",
                              info.created_source))
        c = info.claims
        if c and c.upload_time and (at := human.instant(c.upload_time)):
            out.append(_Event(at, c.upload_time, p, "upload_time", "uploaded", c.source, c.uploader))
        if c and c.claimed_time and (at := human.instant(c.claimed_time)):
            out.append(_Event(at, c.claimed_time, p, "claimed_time", "claimed to be filmed", c.source))
    return sorted(out, key=lambda e: (e.at, e.path))


def _field_values(v: Any) -> Iterable[str]:
    """The time values a finding's evidence names (``{"field": ..., "value": ...}``, at any depth)."""
    if isinstance(v, dict):
        if "field" in v and "value" in v:
            yield str(v["value"])
        for x in v.values():
            yield from _field_values(x)
    elif isinstance(v, list | tuple):
        for x in v:
            yield from _field_values(x)


def _marks(events: Sequence[_Event], findings: Sequence[Finding]) -> list[list[Finding]]:
    """For each event, the errors and warnings about it: a finding marks the events whose time its evidence names
    (of a file it names); a finding that names no event's time marks its files' events of the fields it is about."""
    marks: list[list[Finding]] = [[] for _ in events]
    for f in findings:
        if f.severity not in HIGHLIGHT_SEVERITIES:
            continue
        values = set(_field_values(f.evidence))
        hit = [k for k, e in enumerate(events) if e.path in f.paths and e.iso in values]
        if not hit:
            keys = codes.fields_of(f)
            hit = [k for k, e in enumerate(events) if e.path in f.paths and e.key in keys]
        for k in hit:
            marks[k].append(f)
    return marks


def _chronology(members: Sequence[str], infos: Mapping[str, MediaInfo], findings: Sequence[Finding]) -> list[
        dict[str, Any]]:
    """The group's known times in order, each with how long after (or before) the capture it is, the first upload
    named as such, and the errors and warnings that contradict it."""
    events = _events(members, infos)
    captures = [e for e in events if e.what == "captured"]
    anchor = captures[0] if captures else None
    marks = _marks(events, findings)
    # an upload the capture shows impossible (capture-after-upload) is never called the first one
    impossible = {k for k, (e, fs) in enumerate(zip(events, marks, strict=True))
                  if e.key == "upload_time" and any(f.code == codes.CAPTURE_AFTER_UPLOAD for f in fs)}
    uploads = [e for k, e in enumerate(events) if e.key == "upload_time" and k not in impossible]
    rows = []
    for k, (e, fs) in enumerate(zip(events, marks, strict=True)):
        what = "first upload" if uploads and e is uploads[0] and len(uploads) > 1 else e.what
        if k in impossible:
            what = "uploaded before the capture (impossible: not taken as a first sighting)"
        if anchor is None or e is anchor:
            since = "the capture" if e is anchor else ""
        else:
            gap = (e.at - anchor.at).total_seconds()
            since = "same time" if abs(gap) < 1 else f"{human.duration_text(gap)} {'after' if gap > 0 else 'before'}"
        rows.append({
            "when": human.time_text(e.iso),
            "iso": e.iso,
            "what": what,
            "path": e.path,
            "name": _name(e.path),
            "source": e.source,
            "who": e.who,
            "since": since,
            "codes": list(dict.fromkeys(f.code for f in fs)),
            "severity": _worst(f.severity for f in fs),
        })
    return rows


# ------------------------------------------------------------------------------------------ groups


def _made_from(e: LineageEntry | None) -> dict[str, str] | None:
    """A member's place in the group's lineage, for its card; the clues are the hover text."""
    return {"text": human.made_from(e), "why": "; ".join(e.evidence)} if e is not None else None


def _group_view(
    g: Group, infos: Mapping[str, MediaInfo], findings: Sequence[Finding], th: _Thumbs, start: int,
    strips: Mapping[str, Sequence[float]],
) -> dict[str, Any]:
    members = [g.reference] + [p for p in g.members if p != g.reference]
    pairs_by_b = {m.b.path: m for m in g.pairs}
    related = [f for f in findings if set(f.paths) & set(members)]
    cards, edits = [], []
    tree = {e.path: e for e in g.lineage}
    for k, p in enumerate(members):
        m = pairs_by_b.get(p)
        card = {
            "made_from": _made_from(tree.get(p)),
            **_file_card(p, infos.get(p), th),
            "reference": p == g.reference,
            "verdict": m.verdict if m else None,
            "by_sound": g.matched_by.get(p) == "sound",
            "coverage": f"{m.coverage.get('b', 0.0):.0%}" if m else None,
            "edits": sorted({e.type for e in m.edits}) if m else [],
            "worst": _worst(f.severity for f in related if p in f.paths),
        }
        cards.append(card)
        if m is not None:
            n = start + g.pairs.index(m)
            edits.append({
                "pair_id": f"pair-{n}",
                "name": card["name"],
                "path": p,
                "thumb": card["thumb"],
                "t": card["t"],
                "verdict": m.verdict,
                "ref_in_it": f"{m.coverage.get('a', 0.0):.0%}",
                "it_in_ref": f"{m.coverage.get('b', 0.0):.0%}",
                "edits": [(e.type, human.edit_text(e)) for e in m.edits],
                "worst": card["worst"],
                "order": k,
            })
    return {
        "id": g.id,
        "reference": g.reference,
        "reference_name": _name(g.reference),
        "reason": g.reason,
        "cards": cards,
        "strips": [_strip(p, strips[p], th) for p in members if strips.get(p)],
        "chronology": _chronology(members, infos, related),
        "edits": edits,
        "pairs": [
            _pair_view(m, th, start + k, f"Group {g.id} · reference vs upload {k + 1} of {len(g.pairs)}")
            for k, m in enumerate(g.pairs)
        ],
        "findings": _findings_view(f for f in related if f.severity != "info"),
        "info_count": sum(f.severity == "info" for f in related),
        "meta": _meta_table(members, infos, related),
    }


def _scan_context(result: ScanResult, th: _Thumbs) -> dict[str, Any]:
    infos = {f.path: f for f in result.files}
    groups = []
    n = 1
    for g in result.groups:
        groups.append(_group_view(g, infos, result.findings, th, n, result.strips))
        n += len(g.pairs)
    grouped = {p for g in result.groups for p in g.members}
    other = [f for f in result.findings if f.severity != "info" and not set(f.paths) & grouped]
    return {
        "summary": {
            "files": len(result.files),
            "groups": len(result.groups),
            "singles": len(result.singles),
            "errors": len(result.errors),
            "grouped": len(grouped),
        },
        "severity_counts": _severity_counts(result.findings),
        "groups": groups,
        "other_findings": _findings_view(other),
        "info_findings": _findings_view(f for f in result.findings if f.severity == "info"),
        "singles": [_file_card(p, infos.get(p), th) for p in result.singles],
        "singles_strips": [_strip(p, result.strips[p], th) for p in result.singles if result.strips.get(p)],
        "singles_meta": _meta_table(list(result.singles), infos, result.findings) if result.singles else None,
        "errors": sorted(result.errors.items()),
    }


def render_scan(result: ScanResult, *, thumbs: Mapping[ThumbKey, bytes] | None = None) -> str:
    """The HTML page for a scan: a summary line, then each group (reference and copies, chronology, edits, its
    errors and warnings, metadata side by side, each pair in detail), the files alone, other findings, the
    information findings folded, and the files that could not be read."""
    n = len(result.files)
    return _render(kind="scan", title=f"scan of {n} file{'s' if n != 1 else ''}",
                   **_scan_context(result, _Thumbs(thumbs or {})))


# ------------------------------------------------------------------------------------------ check


def _case_view(c: CheckCase) -> dict[str, Any]:
    return {"status": c.status, "kind": c.kind, "name": c.name, "message": c.message, "line": c.line,
            "names": [_name(p) for p in c.paths]}


def _worst_status(cases: Iterable[CheckCase]) -> str | None:
    return min((c.status for c in cases), key=lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else 0,
               default=None)


def _check_files(result: CheckResult) -> list[dict[str, Any]]:
    """One row per listed file: the worst status of each kind of check that names it, and its scan group. A
    document (a sidecar or claims file: hashed, never scanned) says so."""
    groups = {p: g.id for g in (result.scan.groups if result.scan else ()) for p in g.members}
    rows = []
    for fc in result.files:
        mine = [c for c in result.cases if fc.path in c.paths]
        cells = [(label, _worst_status(c for c in mine if c.kind in kinds)) for label, kinds in CHECK_COLUMNS]
        document = fc.document
        rows.append({"id": "document" if document else fc.id, "path": fc.path, "name": _name(fc.path),
                     "cells": cells, "status": _worst_status(mine) or "pass", "group": groups.get(fc.path),
                     "document": document})
    return rows


def render_check(result: CheckResult, *, thumbs: Mapping[ThumbKey, bytes] | None = None) -> str:
    """The HTML page for a check: a PASS/FAIL banner (ERROR when a listed file could not be read), the checks that
    did not pass, one row per file (each kind of check's status), every check folded, then the scan it ran."""
    s = result.summary
    banner = {
        "status": result.status,
        "word": {"pass": "PASS", "fail": "FAIL"}.get(result.status, "ERROR"),
        "manifest": result.manifest,
        "fail_on": result.fail_on,
        "line": f"{s['passed']} of {s['total']} checks passed"
        + "".join(f", {s[k]} {w}" for k, w in (("failed", "failed"), ("errors", "could not be decided"),
                                               ("skipped", "skipped")) if s.get(k)),
    }
    context = _scan_context(result.scan, _Thumbs(thumbs or {})) if result.scan else {}
    return _render(
        kind="check",
        title=f"check of {_name(result.manifest)}",
        banner=banner,
        not_passed=[_case_view(c) for c in result.cases if c.status != "pass"],
        cases=[_case_view(c) for c in result.cases],
        check_files=_check_files(result),
        check_columns=[label for label, _ in CHECK_COLUMNS],
        has_scan=result.scan is not None,
        **context,
    )


__all__ = ["render_check", "render_scan"]
