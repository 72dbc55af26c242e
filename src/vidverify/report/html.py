"""One self-contained HTML page for a compare, a scan or a check result (jinja2 template ``templates/report.html.j2``).

This module holds the parts every page shares (thumbnails, the two-track timeline, a pair's frames and edits,
findings, metadata side by side) and the compare page; ``html_scan.py`` builds the scan and check pages (groups
first, with their chronology and edits) from them, and ``human.py`` writes numbers as people write them.

The page makes no network requests (inline CSS, no fonts or scripts from elsewhere, thumbnails as ``data:``
URIs), reads without JavaScript, and prints. Everything shown comes from the result objects; the only media
evidence is the thumbnails, which the caller decodes (all I/O lives in ``vidverify.media``)::

    from vidverify.media.stills import thumbnails
    from vidverify.report import html

    thumbs = thumbnails(html.thumbnail_requests(match))
    html.write_html("report.html", html.render_compare(match, info_a=a, info_b=b, thumbs=thumbs))
    # a scan: html_scan.render_scan(result, thumbs=...); a check: html_scan.render_check(result, thumbs=...)

``thumbs`` maps ``(path, seconds)`` to JPEG bytes; the times are those :func:`thumbnail_requests` lists (rounded
to the millisecond), so a dict built from that list is found again by the renderer. A missing thumbnail is a
grey "no picture" box, never an error.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._version import __version__
from ..evidence import codes
from ..media import files
from ..models import Edit, Finding, Match, MediaInfo, ScanResult, Segment
from . import human

ThumbKey = tuple[str, float]

TIME_DECIMALS = 3  # thumbnail times are rounded to the millisecond (request and lookup use the same value)
THUMB_INSET_SECONDS = 0.15  # start/end thumbnails sit this far inside a segment (a boundary frame may be a cut)
END_MARGIN_SECONDS = 0.1  # a thumbnail is never asked for later than this before a file's end
MAX_THUMB_SEGMENTS = 8  # per pair: the longest segments get start/middle/end thumbnails, the table lists all
MIN_GAP_SECONDS = 0.05  # shorter uncovered stretches are frame-rounding, not cuts or inserts
SEVERITY_ORDER = {sev: k for k, sev in enumerate(reversed(codes.SEVERITIES))}  # error first
HIGHLIGHT_SEVERITIES = ("error", "warning")  # metadata cells marked in the side-by-side table (info would be noise)


# ------------------------------------------------------------------------------------------ thumbnails


def _t(value: float) -> float:
    return round(float(value), TIME_DECIMALS)


def _clamp(t: float, duration: float | None) -> float:
    hi = max(0.0, duration - END_MARGIN_SECONDS) if duration else None
    t = max(0.0, t)
    return _t(min(t, hi) if hi is not None else t)


def _b_time(s: Segment, t: float) -> float:
    span = s.a_end - s.a_start
    return s.b_start + (t - s.a_start) * ((s.b_end - s.b_start) / span) if span > 0 else s.b_start


def _segment_points(s: Segment, da: float | None, db: float | None) -> list[tuple[str, float, float]]:
    """(label, A time, B time) at the start, middle and end of a matched segment."""
    span = s.a_end - s.a_start
    inset = min(THUMB_INSET_SECONDS, span / 4) if span > 0 else 0.0
    out = []
    for label, t in (("start", s.a_start + inset), ("middle", (s.a_start + s.a_end) / 2), ("end", s.a_end - inset)):
        out.append((label, _clamp(t, da), _clamp(_b_time(s, t), db)))
    return out


def _thumb_segments(m: Match) -> list[Segment]:
    longest = sorted(m.segments, key=lambda s: s.a_end - s.a_start, reverse=True)[:MAX_THUMB_SEGMENTS]
    return [s for s in m.segments if s in longest]


def _edit_points(e: Edit, m: Match) -> tuple[float | None, float | None]:
    """The A and B times that show an edit. An edit with a stretch on both sides (mirror, crop, overlay, ...)
    is shown on matching frames: the middle of its first overlap with a segment, mapped to B. Otherwise each
    side shows the middle of its range (a cut's missing A footage, an insert's B footage) or its point."""
    da, db = m.a.duration, m.b.duration
    if None not in (e.a_start, e.a_end, e.b_start, e.b_end):
        for s in m.segments:
            lo, hi = max(s.a_start, e.a_start or 0.0), min(s.a_end, e.a_end or 0.0)
            if hi > lo:
                t = (lo + hi) / 2
                return _clamp(t, da), _clamp(_b_time(s, t), db)

    def mid(x0: float | None, x1: float | None, d: float | None) -> float | None:
        if x0 is None:
            return None
        return _clamp((x0 + x1) / 2 if x1 is not None else x0, d)

    return mid(e.a_start, e.a_end, da), mid(e.b_start, e.b_end, db)


def _pair_requests(m: Match) -> list[ThumbKey]:
    da, db = m.a.duration, m.b.duration
    out: list[ThumbKey] = []
    for s in _thumb_segments(m):
        for _, ta, tb in _segment_points(s, da, db):
            out += [(m.a.path, ta), (m.b.path, tb)]
    for e in m.edits:
        ea, eb = _edit_points(e, m)
        if ea is not None:
            out.append((m.a.path, ea))
        if eb is not None:
            out.append((m.b.path, eb))
    return out


def _poster_time(info: MediaInfo | None) -> float:
    return _clamp((info.duration or 0.0) / 2, info.duration) if info and info.kind != "image" else 0.0


def thumbnail_requests(result: Match | ScanResult | Iterable[Match]) -> list[tuple[str, float]]:
    """The ``(path, seconds)`` thumbnails a report of ``result`` shows, without repeats, in a stable order:
    the start, middle and end of matched segments on both sides, each edit's times, and (for a scan) one
    poster frame per file in a group or alone and its keyframe strip."""
    out: list[ThumbKey] = []
    if isinstance(result, ScanResult):
        infos = {f.path: f for f in result.files}
        for g in result.groups:
            for p in g.members:
                out.append((p, _poster_time(infos.get(p))))
            for m in g.pairs:
                out += _pair_requests(m)
        for p in result.singles:
            out.append((p, _poster_time(infos.get(p))))
        for p, times in result.strips.items():  # the keyframe strips (pipeline/frames.keyframe_strip)
            out += [(p, _t(t)) for t in times]
    elif isinstance(result, Match):
        out = _pair_requests(result)
    else:
        for m in result:
            out += _pair_requests(m)
    return list(dict.fromkeys(out))


class _Thumbs:
    """Lookup of thumbnails by (path, time), as data: URIs."""

    def __init__(self, thumbs: Mapping[ThumbKey, bytes]) -> None:
        self._d = {(p, _t(t)): v for (p, t), v in thumbs.items() if v}

    def uri(self, path: str, t: float | None) -> str | None:
        if t is None:
            return None
        data = self._d.get((path, _t(t)))
        if not data:
            return None
        mime = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# ------------------------------------------------------------------------------------------ formatting


def fmt_time(t: float | None) -> str:
    """Seconds as ``12.34 s``, or ``1:02.50`` from a minute on."""
    if t is None:
        return "–"
    if abs(t) < 60:
        return f"{t:.2f} s"
    m, s = divmod(t, 60)
    return f"{int(m)}:{s:05.2f}"


def fmt_range(t0: float | None, t1: float | None) -> str:
    if t0 is None and t1 is None:
        return "–"
    if t1 is None or t0 == t1:
        return f"at {fmt_time(t0)}"
    return f"{fmt_time(t0)} – {fmt_time(t1)}"


def _fmt_value(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4f}".rstrip("0").rstrip(".") if v != int(v) else f"{v:.0f}"
    if isinstance(v, dict | list | tuple):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)


def _name(path: str) -> str:
    return Path(path).name or path


# ------------------------------------------------------------------------------------------ metadata


def _gps(i: MediaInfo) -> str | None:
    if not i.gps:
        return None
    alt = f", {i.gps.alt:g} m" if i.gps.alt is not None else ""
    return f"{i.gps.lat:.6f}, {i.gps.lon:.6f}{alt}" + (f" ({i.gps.source})" if i.gps.source else "")


def _writer(i: MediaInfo) -> str | None:
    if not i.writer:
        return None
    w = i.writer
    return w.name if w.family.lower() in w.name.lower() or w.family == "unknown" else f"{w.name} ({w.family})"


def _claim(name: str, show: Callable[[Any], Any] = lambda v: v) -> Callable[[MediaInfo], Any]:
    return lambda i: show(getattr(i.claims, name, None)) if i.claims else None


# (key, label, value); the keys are what findings point at (FINDING_FIELDS, evidence keys)
META_FIELDS: tuple[tuple[str, str, Callable[[MediaInfo], Any]], ...] = (
    ("created", "Created", lambda i: human.time_text(i.created)),
    ("timezone", "Timezone", lambda i: human.zone_text(i.timezone) if i.timezone or i.created else None),
    ("created_source", "Created from", lambda i: i.created_source),
    ("make", "Make", lambda i: i.make),
    ("model", "Model", lambda i: i.model),
    ("software", "Software", lambda i: i.software),
    ("encoder", "Encoder", lambda i: i.encoder),
    ("writer", "Written by", lambda i: _writer(i)),
    ("credentials", "Content credentials", lambda i: human.credentials_text(
        i.credentials, i.tags.get("vidverify.c2pa_provenance")) if i.credentials or i.tags.get(
        "vidverify.c2pa_provenance") else None),
    ("gps", "GPS", _gps),
    ("upload_time", "Upload time", _claim("upload_time", human.time_text)),
    ("uploader", "Uploader", _claim("uploader")),
    ("url", "URL", _claim("url")),
    ("title", "Title", _claim("title")),
    ("claimed_time", "Claimed time", _claim("claimed_time", human.time_text)),
    ("claimed_place", "Claimed place", _claim("claimed_place")),
    ("duration", "Duration", lambda i: fmt_time(i.duration) if i.duration is not None else None),
    (
        "frame",
        "Picture",
        lambda i: (
            " · ".join(
                x
                for x in (
                    f"{i.width}x{i.height}" if i.width else "",
                    f"{i.fps:.3g} fps" if i.fps else "",
                    " / ".join(c for c in (i.video_codec, i.audio_codec) if c),
                    i.container or "",
                )
                if x
            )
            or None
        ),
    ),
    ("size", "File size", lambda i: human.size_text(i.size)),
    ("sha256", "SHA-256", lambda i: i.sha256[:12] + "…" if i.sha256 else None),
)


@dataclass
class Cell:
    value: str | None
    href: str | None = None
    codes: list[str] = field(default_factory=list)
    severity: str | None = None


def _meta_table(
    paths: Sequence[str], infos: Mapping[str, MediaInfo | None], findings: Sequence[Finding]
) -> dict[str, Any]:
    """Rows of metadata fields, one column per path, each cell marked with the findings that concern it."""
    rows = []
    for key, label, get in META_FIELDS:
        cells = []
        for p in paths:
            info = infos.get(p)
            raw = get(info) if info is not None else None
            value = None if raw is None or raw == "" else str(raw)
            href = value if key == "url" and value and value.startswith(("https://", "http://")) else None
            cell = Cell(value, href)
            for f in findings if value is not None else ():
                if f.severity in HIGHLIGHT_SEVERITIES and p in f.paths and key in codes.fields_of(f):
                    cell.codes.append(f.code)
                    if cell.severity is None or SEVERITY_ORDER.get(f.severity, 9) < SEVERITY_ORDER[cell.severity]:
                        cell.severity = f.severity if f.severity in SEVERITY_ORDER else "info"
            cells.append(cell)
        if any(c.value is not None or c.codes for c in cells):
            rows.append({"key": key, "label": label, "cells": cells})
    return {"paths": list(paths), "names": [_name(p) for p in paths], "rows": rows}


# ------------------------------------------------------------------------------------------ findings


def _finding_view(f: Finding) -> dict[str, Any]:
    sev = f.severity if f.severity in SEVERITY_ORDER else "info"
    return {
        "code": f.code,
        "severity": sev,
        "message": f.message,
        "paths": list(f.paths),
        "names": [_name(p) for p in f.paths],
        "evidence": [(str(k), evidence_lines(v, str(k))) for k, v in f.evidence.items()],
    }


EVIDENCE_ITEMS = 8  # list items shown per evidence value before "… and N more"
EVIDENCE_CHARS = 400  # a longer evidence line is shortened


def _is_field(x: Any) -> bool:
    return isinstance(x, dict) and "field" in x and "value" in x


ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}.*)?$")  # an evidence string that is a time or a date


def _human(key: str, v: Any) -> str | None:
    """An evidence value as people write it, by what its key says it is (metres, days, seconds, a share, a
    coverage) or by its form (an ISO time); None when neither says anything."""
    k = key.lower()
    if isinstance(v, int | float) and not isinstance(v, bool):
        if k.endswith("_m") or k in ("distance", "radius"):
            return human.distance_text(v)
        if "days" in k:
            return human.duration_text(v * human.DAY)
        if k == "seconds" or k.endswith(("_s", "_seconds")):
            return human.duration_text(v)
        if k in ("kept_area", "share_of_frame") or k.startswith("share"):
            return human.percent_text(v)
    if isinstance(v, str) and ISO_TIME.match(v):
        return human.time_text(v)
    if k == "coverage" and isinstance(v, dict) and set(v) == {"a", "b"}:
        return f"A in B {human.percent_text(v['a'])}, B in A {human.percent_text(v['b'])}"
    return None


def _val(v: Any, key: str = "") -> str:
    return _human(key, v) or _fmt_value(v)


def _inline(v: Any, nested: bool = False, key: str = "") -> str:
    if _is_field(v):
        return f"{v['field']} = {_val(v['value'], str(v['field']))}"
    if (h := _human(key, v)) is not None:
        return h
    if isinstance(v, dict):
        text = "; ".join(f"{k}: {_inline(x, True, str(k))}" for k, x in v.items()) or "–"
        return f"({text})" if nested else text
    if isinstance(v, list | tuple):
        return ", ".join(_inline(x, True, key) for x in v) or "none"
    return _fmt_value(v)


def _short(line: str) -> str:
    return line if len(line) <= EVIDENCE_CHARS else line[: EVIDENCE_CHARS - 1] + "…"


def evidence_lines(v: Any, key: str = "") -> list[str]:
    """A finding's evidence value as a few readable lines (time fields as ``field = value``, times, distances and
    spans as people write them, long lists cut). ``key`` is the evidence key: it says what a number is."""
    if isinstance(v, list | tuple):
        if not v:
            return ["none"]
        more = [f"… and {len(v) - EVIDENCE_ITEMS} more"] if len(v) > EVIDENCE_ITEMS else []
        if all(_is_field(x) for x in v):
            values = {_val(x["value"]) for x in v}
            if len(values) == 1 and len(v) > 1:
                names = ", ".join(str(x["field"]) for x in v[:EVIDENCE_ITEMS])
                extra = f", … ({len(v) - EVIDENCE_ITEMS} more)" if more else ""
                return [_short(f"{values.pop()} in {len(v)} fields: {names}{extra}")]
            return [_short(_inline(x)) for x in v[:EVIDENCE_ITEMS]] + more
        if all(not isinstance(x, dict | list | tuple) for x in v):
            return [_short(", ".join(_val(x, key) for x in v))]
        return [_short(_inline(x, key=key)) for x in v[:EVIDENCE_ITEMS]] + more
    return [_short(_inline(v, key=key))]


def _findings_view(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    fs = sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.code))
    return [_finding_view(f) for f in fs]


# ------------------------------------------------------------------------------------------ timeline SVG

SVG_W = 960
SVG_LEFT = 56
SVG_RIGHT = 16
BAR_H = 22
A_Y = 30
B_Y = 118
SVG_H = 168


def _nice_step(total: float) -> float:
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if total / step <= 10:
            return float(step)
    return 7200.0


def _tick_label(t: float, step: float) -> str:
    if step >= 60 or t >= 120:
        m, s = divmod(int(round(t)), 60)
        return f"{m}:{s:02d}"
    return f"{t:g}" if step >= 1 else f"{t:.1f}"


def _gaps(ranges: Iterable[tuple[float, float]], duration: float) -> list[tuple[float, float]]:
    out = []
    pos = 0.0
    for r0, r1 in sorted(ranges):
        if r0 - pos > MIN_GAP_SECONDS:
            out.append((pos, r0))
        pos = max(pos, r1)
    if duration - pos > MIN_GAP_SECONDS:
        out.append((pos, duration))
    return out


def _timeline(m: Match) -> dict[str, Any]:
    """Geometry of the two-track timeline: A above, B below, matched segments joined by quads."""
    da = m.a.duration or max((s.a_end for s in m.segments), default=0.0)
    db = m.b.duration or max((s.b_end for s in m.segments), default=0.0)
    total = max(da, db, 1e-6)
    scale = (SVG_W - SVG_LEFT - SVG_RIGHT) / total

    def x(t: float) -> float:
        return round(SVG_LEFT + max(0.0, t) * scale, 2)

    def w(t0: float, t1: float) -> float:
        return round(max(1.0, (t1 - t0) * scale), 2)

    segs = []
    for n, s in enumerate(m.segments, 1):
        xa0, xa1, xb0, xb1 = x(s.a_start), x(s.a_end), x(s.b_start), x(s.b_end)
        segs.append(
            {
                "n": n,
                "mirrored": s.mirrored,
                "speed": s.speed,
                "xa": xa0,
                "wa": w(s.a_start, s.a_end),
                "xb": xb0,
                "wb": w(s.b_start, s.b_end),
                "quad": f"{xa0},{A_Y + BAR_H} {xa1},{A_Y + BAR_H} {xb1},{B_Y} {xb0},{B_Y}",
                "label_x": round((xa0 + xa1) / 2, 2),
                "show_label": (xa1 - xa0) > 18,
                "title": f"segment {n}: A {fmt_range(s.a_start, s.a_end)} shown in B {fmt_range(s.b_start, s.b_end)}"
                + (" (mirrored)" if s.mirrored else "")
                + (f", played at {human.rate_text(s.speed)}" if s.speed != 1 else ""),
            }
        )
    gaps = []
    if m.segments:
        for g0, g1 in _gaps(((s.a_start, s.a_end) for s in m.segments), da):
            kind = "trim" if g0 <= MIN_GAP_SECONDS or g1 >= da - MIN_GAP_SECONDS else "cut"
            gaps.append(
                {
                    "side": "a",
                    "kind": kind,
                    "x": x(g0),
                    "w": w(g0, g1),
                    "y": A_Y,
                    "label": f"{kind} {g1 - g0:.1f} s",
                    "show_label": (g1 - g0) * scale > 46,
                    "title": f"{'trimmed' if kind == 'trim' else 'cut'}: A {fmt_range(g0, g1)} is not in B",
                }
            )
        for g0, g1 in _gaps(((s.b_start, s.b_end) for s in m.segments), db):
            gaps.append(
                {
                    "side": "b",
                    "kind": "insert",
                    "x": x(g0),
                    "w": w(g0, g1),
                    "y": B_Y,
                    "label": f"insert {g1 - g0:.1f} s",
                    "show_label": (g1 - g0) * scale > 56,
                    "title": f"inserted: B {fmt_range(g0, g1)} is not from A",
                }
            )
    step = _nice_step(total)
    ticks = []
    k = 0
    while k * step <= total + 1e-9:
        t = k * step
        ticks.append({"x": x(t), "label": _tick_label(t, step)})
        k += 1
    return {
        "w": SVG_W,
        "h": SVG_H,
        "left": SVG_LEFT,
        "bar_h": BAR_H,
        "a_y": A_Y,
        "b_y": B_Y,
        "a_w": w(0, da) if da else 0,
        "b_w": w(0, db) if db else 0,
        "segments": segs,
        "gaps": gaps,
        "ticks": ticks,
        "kinds": sorted({g["kind"] for g in gaps}),
        "mirrored": any(s.mirrored for s in m.segments),
        "plain": any(not s.mirrored for s in m.segments),
        "empty": not m.segments,
        "sound": _sound_lanes(m, x, w),
    }


SOUND_H = 6  # the sound lane under A's track and over B's


def _sound_lanes(m: Match, x: Callable[[float], float], w: Callable[[float, float], float]) -> list[dict[str, Any]]:
    """The sound on the timeline, per side: stretches whose sound the other side shares (``matched``), picture
    stretches with other sound over them (``replaced``), a side with no sound (``silent``); none when unknown."""
    audio = m.audio
    if audio is None:
        return []
    lanes: list[dict[str, Any]] = []
    for side, ref, state, y in (("a", m.a, audio.a_sound, A_Y + BAR_H + 2), ("b", m.b, audio.b_sound,
                                                                              B_Y - SOUND_H - 2)):
        length = ref.duration or 0.0
        if state != "sound":
            lanes.append({"kind": "silent", "x": x(0), "w": w(0, length), "y": y,
                          "title": f"{side.upper()}: {'no sound track' if state == 'absent' else state or 'unknown'}"})
            continue
        lanes.append({"kind": "sound", "x": x(0), "w": w(0, length), "y": y, "title": f"{side.upper()}'s sound"})
        for s in audio.segments:
            t0, t1 = (s.a_start, s.a_end) if side == "a" else (s.b_start, s.b_end)
            title = f"sound shared: A {fmt_range(s.a_start, s.a_end)} = B {fmt_range(s.b_start, s.b_end)}"
            lanes.append({"kind": "matched", "x": x(t0), "w": w(t0, t1), "y": y, "title": title})
        for e in m.edits:
            e0, e1 = (e.a_start, e.a_end) if side == "a" else (e.b_start, e.b_end)
            if e.type == codes.AUDIO_REPLACED and e0 is not None and e1 is not None:
                lanes.append({"kind": "replaced", "x": x(e0), "w": w(e0, e1), "y": y,
                              "title": f"same picture, other sound: {side.upper()} {fmt_range(e0, e1)}"})
    return lanes


# ------------------------------------------------------------------------------------------ pairs


VERDICT_TEXT = {
    "identical": "identical files (same bytes)",
    "same-footage": "same footage",
    "partial-overlap": "partial overlap",
    "unrelated": "unrelated",
}


def _edit_view(e: Edit, m: Match, th: _Thumbs) -> dict[str, Any]:
    ta, tb = _edit_points(e, m)
    return {
        "type": e.type,
        "a": fmt_range(e.a_start, e.a_end),
        "b": fmt_range(e.b_start, e.b_end),
        "text": human.edit_text(e),
        "detail": [(str(k), _val(v, str(k))) for k, v in e.detail.items()],
        "a_thumb": th.uri(m.a.path, ta),
        "a_t": ta,
        "b_thumb": th.uri(m.b.path, tb),
        "b_t": tb,
    }


def _pair_view(m: Match, th: _Thumbs, index: int, context: str = "") -> dict[str, Any]:
    da, db = m.a.duration, m.b.duration
    shown = _thumb_segments(m)
    segments = []
    for n, s in enumerate(m.segments, 1):
        frames = []
        if s in shown:
            for label, ta, tb in _segment_points(s, da, db):
                frames.append(
                    {"label": label, "a_t": ta, "b_t": tb, "a": th.uri(m.a.path, ta), "b": th.uri(m.b.path, tb)}
                )
        segments.append(
            {
                "n": n,
                "a": fmt_range(s.a_start, s.a_end),
                "b": fmt_range(s.b_start, s.b_end),
                "speed": human.rate_text(s.speed),
                "mirrored": s.mirrored,
                "distance": _fmt_value(s.distance),
                "channel": s.channel,
                "frames": frames,
            }
        )
    edit_types = sorted({e.type for e in m.edits})
    return {
        "id": f"pair-{index}",
        "context": context,
        "a": m.a.path,
        "b": m.b.path,
        "a_name": _name(m.a.path),
        "b_name": _name(m.b.path),
        "a_duration": fmt_time(da),
        "b_duration": fmt_time(db),
        "verdict": m.verdict,
        "verdict_text": VERDICT_TEXT.get(m.verdict, m.verdict),
        "similarity": f"{m.similarity:.0%}",
        "confidence": f"{m.confidence:.2f}",
        "coverage_a": f"{m.coverage.get('a', 0.0):.0%}",
        "coverage_b": f"{m.coverage.get('b', 0.0):.0%}",
        "segments": segments,
        "look_alike": [{"a": fmt_range(x.a_start, x.a_end), "b": fmt_range(x.b_start, x.b_end),
                        "speed": human.rate_text(x.speed), "distance": _fmt_value(x.distance),
                        "evidence": _fmt_value(x.evidence)} for x in m.look_alike],
        "min_evidence": _fmt_value(m.thresholds.get("min_evidence_seconds", 1.0)),
        "timeline": _timeline(m),
        "edits": [_edit_view(e, m, th) for e in m.edits],
        "edit_types": edit_types,
        "findings": _findings_view(m.findings),
        "sound": human.sound(m.audio),
    }


# ------------------------------------------------------------------------------------------ rendering


def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("vidverify.report", "templates"),
        autoescape=True,  # every value is text: a <script> in a sidecar title stays text
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["time"] = fmt_time
    return env


def _render(**context: Any) -> str:
    context.setdefault("generated", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    context["version"] = __version__
    return str(_env().get_template("report.html.j2").render(**context))


def render_compare(
    match: Match,
    *,
    info_a: MediaInfo | None = None,
    info_b: MediaInfo | None = None,
    thumbs: Mapping[ThumbKey, bytes] | None = None,
) -> str:
    """The HTML page for one compare result (A the reference, B the upload)."""
    th = _Thumbs(thumbs or {})
    pair = _pair_view(match, th, 1)
    infos = {match.a.path: info_a, match.b.path: info_b}
    findings = list(match.findings)
    return _render(
        kind="compare",
        title=f"{_name(match.a.path)} vs {_name(match.b.path)}",
        pair=pair,
        findings=_findings_view(findings),
        severity_counts=_severity_counts(findings),
        meta=_meta_table([match.a.path, match.b.path], infos, findings),
    )


def _severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for f in findings:
        counts[f.severity if f.severity in counts else "info"] += 1
    return counts


def write_html(path: str | os.PathLike[str], html: str) -> Path:
    """Write the report atomically (``media/files.write_atomic``): a failure never leaves a half-written one."""
    return files.write_atomic(path, html)


__all__ = [
    "MAX_THUMB_SEGMENTS",
    "fmt_range",
    "fmt_time",
    "render_compare",
    "thumbnail_requests",
    "write_html",
]
