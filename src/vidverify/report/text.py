"""Readable text for scan results (tables through ``render``: rich on a terminal, plain lines otherwise)."""

from __future__ import annotations

import os
import sys
from collections import Counter
from typing import IO, Any

from ..models import Edit, Finding, ScanResult
from . import console as render


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
    render.key_values("scan", [
        ("files", len(result.files)),
        ("groups", f"{len(result.groups)} (uploads of the same footage)"),
        ("unmatched", len(result.singles)),
        ("unreadable", len(result.errors)),
        ("findings", ", ".join(f"{sev[s]} {s}" for s in ("error", "warning", "info") if sev[s]) or "none"),
    ], out)
    for g in result.groups:
        out.write(f"group {g.id}: {len(g.members)} files, reference {g.reference}\n  why: {g.reason}\n")
        rows = [[m.b.path, m.verdict, f"{m.coverage.get('a', 0):.0%}", f"{m.coverage.get('b', 0):.0%}",
                 edits_brief(m.edits)] for m in g.pairs]
        render.table(["file", "verdict", "of ref in it", "of it in ref", "edits"], rows, out)
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
        render.table(["severity", "code", "files", "message"],
                     [[f.severity, f.code, ", ".join(os.path.basename(p) for p in f.paths), f.message]
                      for f in shown], out)
    folded = Counter(f.code for f in fs if fold_info and f.severity == "info")
    if folded:
        out.write("info: " + ", ".join(f"{code} ({n} file{'s' if n > 1 else ''})" for code, n in folded.items())
                  + "  (--json lists each with its evidence)\n")


__all__ = ["edits_brief", "findings_table", "scan_summary"]
