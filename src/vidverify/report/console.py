"""What the terminal sees: JSON documents and JSON lines, tables and key-value blocks, one-line errors and
warnings, and progress bars. One place that writes results (``to_dict()`` plus ``schema``).

Text goes through rich when stdout is a terminal (and ``NO_COLOR`` is unset); otherwise plain lines, so pipes and
logs get no escape codes. Progress bars show on stderr when it is a terminal, with totals the work reports itself.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from ..models import (
    AddResult,
    CheckResult,
    Edit,
    Finding,
    FramesResult,
    InitResult,
    Match,
    MediaInfo,
    ScanResult,
    SearchResult,
)
from . import human


def json_document(schema: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"schema": schema, **body}


def write_json(doc: dict[str, Any], out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    json.dump(doc, out, indent=2, ensure_ascii=False, allow_nan=False, default=_default)
    out.write("\n")


def _default(o: Any) -> Any:
    if hasattr(o, "to_dict"):
        return o.to_dict()
    if hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def use_rich(stream: IO[str] | None = None) -> bool:
    stream = stream or sys.stdout
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(fmt(v) for v in value)
    return str(value)


def key_values(title: str, rows: Sequence[tuple[str, Any]], out: IO[str] | None = None) -> None:
    """A titled block of ``key  value`` lines."""
    out = out or sys.stdout
    if use_rich(out):
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_header=False, title_justify="left", box=None, pad_edge=False)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(overflow="fold")
        for k, v in rows:
            table.add_row(k, fmt(v))
        Console(file=out).print(table)
        Console(file=out).print()
        return
    width = max((len(k) for k, _ in rows), default=0)
    out.write(f"{title}\n")
    for k, v in rows:
        out.write(f"  {k.ljust(width)}  {fmt(v)}\n")
    out.write("\n")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    rows = [[fmt(c) for c in r] for r in rows]
    if use_rich(out):
        from rich.console import Console
        from rich.table import Table

        t = Table()
        for h in headers:  # a value longer than its column folds onto the next line, whole: never cut with "…"
            t.add_column(h, overflow="fold")
        for r in rows:
            t.add_row(*r)
        Console(file=out).print(t)
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    for r in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")


def one_line(message: str) -> str:
    """Control characters (a newline in a file name, ffmpeg's multi-line output) escaped: one line, always."""
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape", "backslashreplace")
                   .decode("ascii") for ch in message)


def error_line(message: str) -> None:
    """One line on stderr, never a traceback."""
    sys.stderr.write(f"vidverify: error: {one_line(message)}\n")
    sys.stderr.flush()


def error_lines(errors: dict[str, str]) -> None:
    """``PATH: reason`` on stderr for each input that could not be used."""
    for path, why in errors.items():
        error_line(f"{path}: {why}")


def plain_lines(lines: Iterable[str], *, stream: str = "stdout") -> None:
    """Lines as they are (CI annotations), on stdout or stderr."""
    out = sys.stderr if stream == "stderr" else sys.stdout
    for line in lines:
        out.write(line + "\n")
    out.flush()


def warn_line(message: str) -> None:
    sys.stderr.write(f"vidverify: warning: {one_line(message)}\n")
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------------------- scan


def _times(e: Edit) -> str:
    def rng(a: float | None, b: float | None) -> str:
        return "" if a is None or b is None else f"{a:.1f}-{b:.1f}s"

    a, b = rng(e.a_start, e.a_end), rng(e.b_start, e.b_end)
    return f"{e.type} A {a} B {b}" if a and b else f"{e.type} A {a}" if a else f"{e.type} B {b}" if b else e.type


def edits_brief(edits: Any) -> str:
    """Edit types once each, in order, with the times of time-localised ones."""
    out: list[str] = []
    for e in edits:
        if e.type in ("cut", "insert", "trim"):
            out.append(_times(e))
        elif e.type not in [o.split(" ")[0] for o in out]:
            out.append(e.type)
    return "; ".join(out) or "-"


def scan_summary(result: ScanResult, out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    sev = Counter(f.severity for f in result.findings)
    key_values("scan", [
        ("files", len(result.files)),
        ("groups", f"{len(result.groups)} (uploads of the same footage)"),
        ("unmatched", len(result.singles)),
        ("unreadable", len(result.errors)),
        ("findings", ", ".join(f"{sev[s]} {s}" for s in ("error", "warning", "info") if sev[s]) or "none"),
    ], out)
    for g in result.groups:
        out.write(f"group {g.id}: {len(g.members)} files, reference {g.reference}\n  why: {g.reason}\n")
        tree = {e.path: e for e in g.lineage}
        rows = [[m.b.path, m.verdict, f"{m.coverage.get('a', 0):.0%}", f"{m.coverage.get('b', 0):.0%}",
                 edits_brief(m.edits), human.made_from(tree.get(m.b.path))] for m in g.pairs]
        table(["file", "verdict", "of ref in it", "of it in ref", "edits", "made from"], rows, out)
        out.write("\n")
    if result.singles:
        out.write("share footage with no other file: " + ", ".join(result.singles) + "\n\n")
    for path, why in result.errors.items():
        out.write(f"unreadable: {path}: {why}\n")
    if result.errors:
        out.write("\n")
    findings_table(result.findings, out, fold_info=True)


def findings_table(findings: Any, out: IO[str] | None = None, *, fold_info: bool = False) -> None:
    """Findings, most severe first. With ``fold_info``, info findings are one line per code (JSON has them all)."""
    out = out or sys.stdout
    fs: list[Finding] = list(findings)
    if not fs:
        out.write("no findings\n")
        return
    shown = [f for f in fs if not (fold_info and f.severity == "info")]
    if shown:
        table(["severity", "code", "files", "message"],
                     [[f.severity, f.code, ", ".join(os.path.basename(p) for p in f.paths), f.message]
                      for f in shown], out)
    folded = Counter(f.code for f in fs if fold_info and f.severity == "info")
    if folded:
        out.write("info: " + ", ".join(f"{code} ({n} file{'s' if n > 1 else ''})" for code, n in folded.items())
                  + "  (--json lists each with its evidence)\n")


# ------------------------------------------------------------------------------------------------ documents


def json_lines(schema: str, out: IO[str] | None = None) -> Callable[[str, dict[str, Any]], None]:
    """A writer of one JSON object per line, each ``{"schema", "type": kind, ...body}``, flushed at once."""
    def line(kind: str, body: dict[str, Any]) -> None:
        stream = out or sys.stdout
        stream.write(json.dumps({"schema": schema, "type": kind, **body}, ensure_ascii=False, default=_default) + "\n")
        stream.flush()

    return line


def scan_lines(result: ScanResult, line: Callable[[str, dict[str, Any]], None]) -> None:
    """A scan's groups, findings and summary as JSON lines (the files went out as they were read)."""
    for g in result.groups:
        line("group", g.to_dict())
    for f in result.findings:
        line("finding", f.to_dict())
    line("summary", {"files": len(result.files), "groups": len(result.groups), "singles": list(result.singles),
                     "errors": result.errors})


# ------------------------------------------------------------------------------------------------- commands


def probe_text(infos: Sequence[MediaInfo], *, brief: bool) -> None:
    """What probe found, a block per readable file (or a line per file with ``brief``)."""
    shown = [i for i in infos if i.readable]
    if brief:
        table(["file", "kind", "duration", "size", "created", "device", "gps"], [[
            Path(i.path).name, i.kind, f"{i.duration:.2f} s" if i.duration else None,
            f"{i.width}x{i.height}" if i.width else None,
            (i.created + ("" if i.timezone else " (zone?)")) if i.created else None,
            " ".join(x for x in (i.make, i.model) if x) or i.encoder,
            f"{i.gps.lat:.4f},{i.gps.lon:.4f}" if i.gps else None] for i in shown])
        return
    for info in shown:
        key_values(info.path, probe_rows(info))


def probe_dict(info: MediaInfo) -> dict[str, Any]:
    """A file object of ``probe --json``: the MediaInfo, and its whole C2PA manifest store (as c2pa-python reads
    it) under ``credentials.manifest_store``."""
    out = info.to_dict()
    if info.credentials is not None and info.credentials.manifest_store is not None:
        out["credentials"]["manifest_store"] = info.credentials.manifest_store
    return out


def probe_rows(info: MediaInfo) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [
        ("kind", info.kind),
        ("container", info.container),
        ("size", f"{info.size:,} bytes" if info.size is not None else None),
        ("sha256", info.sha256),
    ]
    if info.kind != "image":
        rows += [("duration", f"{info.duration:.3f} s" if info.duration else None), ("fps", info.fps),
                 ("frames", info.frame_count)]
        if info.declared_duration is not None:  # the container's own figure, when the frames shown differ
            rows.append(("declared duration", f"{info.declared_duration:.3f} s (the container's; the frames shown "
                         "span the duration above)"))
    rows += [
        ("display size", f"{info.width}x{info.height}" if info.width else None),
        ("rotation", info.rotation),
        ("codecs", " / ".join(x for x in (info.video_codec, info.audio_codec) if x) or None),
        ("created", f"{info.created} (from {info.created_source})" if info.created else None),
        ("timezone", info.timezone if info.created else None),
        ("make / model", " ".join(x for x in (info.make, info.model) if x) or None),
        ("software", info.software),
        ("encoder", info.encoder),
        ("gps", f"{info.gps.lat:.6f}, {info.gps.lon:.6f}"
                + (f", {info.gps.alt:g} m" if info.gps.alt is not None else "")
                + f" (from {info.gps.source})" if info.gps else None),
        ("credentials", human.credentials_text(info.credentials, info.tags.get("vidverify.c2pa_provenance"))),
    ]
    by_value: dict[str, list[str]] = {}
    for t in info.timestamps:
        by_value.setdefault(t.value + ("" if t.timezone else "  (zone unknown)"), []).append(t.field)
    for value, names in by_value.items():
        rows.append(("  time field", f"{value}  [{shorten_fields(names)}]"))
    for e in info.errors:
        rows.append(("problem", e))
    return rows


def shorten_fields(names: list[str]) -> str:
    """``trak1.tkhd.creation_time, trak2.tkhd.creation_time`` -> ``trak1-2.tkhd.creation_time``."""
    groups: dict[str, list[int]] = {}
    order: list[str] = []
    for n in names:
        m = re.match(r"trak(\d+)\.(.*)", n)
        key = f"trak*.{m.group(2)}" if m else n
        if key not in groups:
            groups[key] = []
            order.append(key)
        if m:
            groups[key].append(int(m.group(1)))
    parts = []
    for key in order:
        ids = groups[key]
        if ids:
            span = str(ids[0]) if len(ids) == 1 else f"{min(ids)}-{max(ids)}"
            parts.append(key.replace("*", span))
        else:
            parts.append(key)
    return ", ".join(parts)


def compare_text(m: Match, a: str, b: str) -> None:
    signed = m.a.credentials is not None or m.b.credentials is not None
    key_values(f"{a}  vs  {b}", [
        ("verdict", f"{m.verdict} (confidence {m.confidence:.2f})"),
        ("similarity", m.similarity),
        ("coverage", f"{m.coverage['a']:.0%} of A found in B, {m.coverage['b']:.0%} of B found in A"),
        ("sound", human.sound(m.audio)),
        ("A credentials", human.credentials_text(m.a.credentials) if signed else None),
        ("B credentials", human.credentials_text(m.b.credentials) if signed else None),
    ])
    if m.segments:
        table(["A from", "A to", "B from", "B to", "speed", "mirrored", "bits", "matched as"],
              [[f"{s.a_start:.2f}", f"{s.a_end:.2f}", f"{s.b_start:.2f}", f"{s.b_end:.2f}", human.rate_text(s.speed),
                "yes" if s.mirrored else "no", s.distance, s.channel] for s in m.segments])
    if m.look_alike:
        need = m.thresholds.get("min_evidence_seconds", 1.0)
        print()
        print("look-alike stretches: the frames match, but are too still to tell which moment they show (a static "
              "shot, a fade, shared chrome); not counted as a match")
        table(["A from", "A to", "B from", "B to", "speed", "bits", "evidence"],
              [[f"{x.a_start:.2f}", f"{x.a_end:.2f}", f"{x.b_start:.2f}", f"{x.b_end:.2f}", human.rate_text(x.speed),
                x.distance,
                f"{x.evidence:.2f} s of {need:g}"] for x in m.look_alike])
    if m.edits:
        print()
        table(["edit", "A from", "A to", "B from", "B to", "detail"],
              [[e.type, e.a_start, e.a_end, e.b_start, e.b_end, e.detail] for e in m.edits])
    if m.findings:
        print()
        findings_table(m.findings)


def add_error_line(r: AddResult) -> None:
    """An ``index add`` result as it comes: a line on stderr when the file could not be read."""
    if r.status == "error":
        error_line(f"{r.path}: {r.error}")


def index_add_text(results: Sequence[AddResult], stats: dict[str, Any]) -> None:
    shown = [r for r in results if r.status != "error"]
    if shown:
        table(["file", "status", "frames", "time"],
              [[r.path, r.status, r.frames, f"{r.seconds:.2f} s" if r.seconds is not None else None] for r in shown])
    counts = {k: sum(r.status == k for r in results) for k in ("added", "known", "unchanged", "error")}
    print(f"{counts['added']} added, {counts['known']} already indexed elsewhere, {counts['unchanged']} unchanged, "
          f"{counts['error']} unreadable; {stats['path']}: {stats['files']} files, {stats['bytes']:,} bytes")


def index_stats_text(stats: dict[str, Any]) -> None:
    key_values(stats["path"], [
        ("files", stats["files"]), ("paths", stats["paths"]), ("frames", stats["frames"]),
        ("duration", f"{stats['duration']:.1f} s"), ("modes", stats["modes"] or None),
        ("signature hashes", stats["signature_hashes"]), ("signature", stats.get("signature")),
        ("size on disk", f"{stats['bytes']:,} bytes"),
        ("schema", stats["schema_version"]),
    ])


def search_text(clip: str, index_path: str, results: Sequence[SearchResult],
                features: dict[str, Any] | None = None) -> None:
    """The results table, each result's content credentials, and what the feature stage did not look at."""
    _search_results(clip, index_path, results)
    if features is not None and features.get("skipped"):
        warn_line(f"feature stage skipped: {features['skipped']} (a source shown small or re-filmed is not found)")
    elif features is not None:
        left = "not looked for shown small or re-filmed in the clip"
        if features.get("over_limit"):
            warn_line(f"feature stage: looked at the {features['max_clips']} indexed clips added last of "
                      f"{features['clips']}: the other {features['over_limit']} were {left}")
        if features.get("deferred") and features.get("read_only"):
            warn_line(f"feature stage: {features['deferred']} of {features['clips']} indexed clips have no kept "
                      f"features and the index is read-only, so a search finds {features['find_max']} at most and "
                      f"keeps none: they were {left}; run `vidverify index add` on them with write access")
        elif features.get("deferred"):
            warn_line(f"feature stage: {features['deferred']} of {features['clips']} indexed clips have no kept "
                      f"features (indexed by an older vidverify, by `scan --index` or from a .vvfp) and a search "
                      f"finds {features['find_max']} from their media: they were {left}; search again to go on, "
                      "or run `vidverify index add` on them")
        if features.get("without_features"):
            warn_line(f"feature stage: {features['without_features']} of {features['clips']} indexed clips have no "
                      f"features (their media is gone or does not decode): {left}")


def _search_results(clip: str, index_path: str, results: Sequence[SearchResult]) -> None:
    if not results:
        print(f"{clip}: no indexed clip shares its footage ({index_path})")
        return
    table(["#", "score", "verdict", "coverage A/B", "query time", "indexed time", "path"],
          [[i + 1, r.score, r.verdict if r.matched_by != "sound" else f"sound only ({human.sound(r.audio)})",
            f"{r.coverage['a']:.0%} / {r.coverage['b']:.0%}",
            ", ".join(f"{s.a_start:.2f}-{s.a_end:.2f}" + (" mirrored" if s.mirrored else "") for s in r.segments),
            ", ".join(f"{s.b_start:.2f}-{s.b_end:.2f}" for s in r.segments), r.path]
           for i, r in enumerate(results)])
    for i, r in enumerate(results):  # "this upload shows footage that X signed"
        if r.credentials is not None or not r.credentials_read:
            print(f"#{i + 1} content credentials: " + (human.credentials_text(r.credentials) if r.credentials_read
                                                       else "unknown (indexed before they were read)"))


def init_text(made: InitResult) -> None:
    for p, why in made.skipped.items():
        warn_line(f"{p}: not listed: {why}")
    print(f"wrote {made.path}: {len(made.files)} files, {len(made.documents)} sidecar/claims document(s), "
          f"{made.groups} group(s) of the same footage, {made.expected_findings} expected finding(s). "
          f"Check it with: vidverify check {made.path}")


def check_text(result: CheckResult, annotations: Iterable[str] = ()) -> None:
    """The checks that did not pass, the summary line, then any CI annotations (``report/ci.py``)."""
    shown = [c for c in result.cases if c.status != "pass"]
    if shown:
        table(["status", "check", "name", "message"], [[c.status, c.kind, c.name, c.message] for c in shown])
    s = result.summary
    print(f"{result.manifest}: {s['passed']} passed, {s['failed']} failed, {s['errors']} errors, "
          f"{s['skipped']} skipped (fail-on {result.fail_on})")
    for line in annotations:
        print(line)


def hash_text(rows: Sequence[Sequence[Any]]) -> None:
    """One line per fingerprinted file: path, mode, frames, duration, time taken, where it was written."""
    if rows:
        table(["file", "mode", "frames", "duration", "time", "written to"], rows)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def frames_text(results: Sequence[FramesResult]) -> None:
    """Per file: its shots and keyframes in one line, the contact sheet, then a row per anomaly."""
    for r in results:
        where = f" in {os.path.dirname(r.keyframes[0].file) or '.'}" if r.keyframes else ""
        plain_lines([f"{r.path}: {_count(len(r.shots), 'shot')}, {_count(len(r.keyframes), 'keyframe')}{where}"
                     f"{f', contact sheet {r.sheet}' if r.sheet else ''}"])
        if r.anomalies:
            table(["anomaly", "start", "end", "detail"],
                  [[a.type, f"{a.start:.3f}", f"{a.end:.3f}", ", ".join(f"{k} {v}" for k, v in a.detail.items())]
                   for a in r.anomalies])
        else:
            plain_lines(["  no frozen, duplicated or dropped frames found"])
        readings = r.clock.get("readings") or []
        if not r.clock.get("enabled") or not r.clock.get("found"):
            state = "off" if not r.clock.get("enabled") else "none found"
            plain_lines([f"  burnt-in clock: {state} ({r.clock.get('reason', 'not read')})"])
        elif readings:
            plain_lines([f"  burnt-in clock: {len(readings)} readings, {readings[0]['text']!r} at "
                         f"{readings[0]['time']:.2f} s to {readings[-1]['text']!r} at {readings[-1]['time']:.2f} s"])
        for w in r.warnings:
            warn_line(f"{r.path}: {w}")


# ------------------------------------------------------------------------------------------------- progress


def _shown(enabled: bool, force: bool) -> str | None:
    """How progress is shown: ``"bar"`` (a live bar on a terminal), ``"lines"`` (plain lines, for a log: only with
    ``--progress`` when stderr is not a terminal) or None (``--quiet``, ``--json`` without ``--progress``, NO_COLOR)."""
    tty = sys.stderr.isatty()
    if force:
        return "bar" if tty else "lines"
    return "bar" if enabled and tty and "NO_COLOR" not in os.environ else None


def _eta(started: float, done: int, total: int | None) -> str:
    if not total or done <= 0 or done >= total:
        return ""
    left = (time.monotonic() - started) / done * (total - done)
    return f", about {int(left) // 60}:{int(left) % 60:02d} left"


class _Lines:
    """Progress as plain lines on stderr (a CI log): at most one every ``every`` seconds, and each stage's end."""

    def __init__(self, every: float) -> None:
        self.every, self.last = every, 0.0
        self.started: dict[str, float] = {}

    def line(self, stage: str, done: int, total: int | None, current: str) -> None:
        now = time.monotonic()
        start = self.started.setdefault(stage, now)
        if now - self.last < self.every and done != total:
            return
        self.last = now
        of = f"/{total}" if total else ""
        sys.stderr.write(f"vidverify: {stage} {done}{of}{_eta(start, done, total)}"
                         f"{f' ({current})' if current else ''}\n")
        sys.stderr.flush()


class StageProgress:
    """Progress per stage of a workflow, on stderr: a live bar with the current file and the time left on a
    terminal, plain lines in a log with ``force`` (``--progress``). Used as a context manager it gives the
    ``(stage, done, total)`` callback the workflows take, or None when nothing is shown; :meth:`note` names the
    file just finished."""

    def __init__(self, *, enabled: bool = True, force: bool = False, every: float = 5.0) -> None:
        self.mode = _shown(enabled, force)
        self.enabled = self.mode is not None
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}
        self._lines = _Lines(every)
        self._stage, self._current = "", ""

    def __enter__(self) -> Callable[[str, int, int], None] | None:
        if self.mode is None:
            return None
        if self.mode == "bar":
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[current]}"),
                                 transient=True)
            self._bar.start()
        return self.tick

    def tick(self, stage: str, done: int, total: int) -> None:
        self._stage = stage
        if self._bar is None:
            self._lines.line(stage, done, total, self._current)
            return
        if stage not in self._tasks:
            self._tasks[stage] = self._bar.add_task(stage, total=total, current="")
        self._bar.update(self._tasks[stage], completed=done, total=total, current=self._current)

    def note(self, path: str) -> None:
        """The file just finished (shown beside the bar, or in the next line)."""
        self._current = os.path.basename(path)
        if self._bar is not None and self._stage in self._tasks:
            self._bar.update(self._tasks[self._stage], current=self._current)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()


class FrameProgress:
    """Progress through one file's frames, on stderr as :class:`StageProgress` shows it: the callback
    ``(done, total)`` that ``fingerprint`` takes (its first call gives the total the container declares), or None
    when nothing is shown."""

    def __init__(self, label: str, *, enabled: bool = True, force: bool = False, every: float = 5.0) -> None:
        self.mode = _shown(enabled, force)
        self.enabled = self.mode is not None
        self.label = label
        self._bar: Any = None
        self._task: Any = None
        self._lines = _Lines(every)

    def __enter__(self) -> Callable[[int, int | None], None] | None:
        if self.mode is None:
            return None
        if self.mode == "bar":
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeRemainingColumn(), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=None)
        return self.tick

    def tick(self, done: int, total: int | None) -> None:
        if self._bar is None:
            self._lines.line(self.label, done, total, "")
        else:
            self._bar.update(self._task, completed=done, total=total)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()


__all__ = [
    "add_error_line",
    "plain_lines",
    "probe_dict",
    "FrameProgress",
    "StageProgress",
    "check_text",
    "compare_text",
    "edits_brief",
    "error_line",
    "error_lines",
    "findings_table",
    "frames_text",
    "hash_text",
    "index_add_text",
    "index_stats_text",
    "init_text",
    "json_document",
    "json_lines",
    "key_values",
    "probe_text",
    "scan_lines",
    "scan_summary",
    "search_text",
    "table",
    "warn_line",
    "write_json",
]
