"""Calibrate compare's confidence on the compare benchmark's pairs (known truth).

    python benchmarks/calibrate.py benchmarks/out/bench_compare_quick.json [more results ...] [--write]

Each pair of a ``bench_compare.py`` run records its verdict and the raw evidence behind its confidence
(``evidence.score``, from ``vidverify.match.verdict.evidence``). Per verdict class (a match, or ``unrelated``)
and per bin of that score (the bin edges of ``verdict.CALIBRATION``), the script counts the pairs and how many
verdicts were right (a match on a related pair, ``unrelated`` on an unrelated one). The confidence of a verdict is
then its bin's smoothed accuracy, (right + 1) / (pairs + 2) (Laplace's rule of succession): never 1.0, and 0.5
for a score the benchmark has no pair at.

It prints the reliability table of the confidences the run reported (before), the counts, the table those counts
give on the same pairs (in sample), and a two-fold check (counts from the even pairs scored on the odd ones and
the reverse: out of sample). ``--write`` puts the counts into ``src/vidverify/match/verdict.py``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bench_compare import print_reliability, reliability  # noqa: E402

from vidverify.match.verdict import CALIBRATION, NO_EVIDENCE_SCORE  # noqa: E402

Table = dict[str, tuple[tuple[float, int, int], ...]]


def verdict_class(rec: dict[str, Any]) -> str:
    return "match" if rec["detected"] else "unrelated"


def fit(recs: list[dict[str, Any]]) -> Table:
    """Per class and bin of the raw score: (lowest score of the bin, right verdicts, pairs)."""
    out: Table = {}
    for cls, rows in CALIBRATION.items():
        edges = [lo for lo, _, _ in rows]
        counts = [[0, 0] for _ in edges]
        for r in recs:
            if verdict_class(r) != cls or r["evidence"]["score"] < NO_EVIDENCE_SCORE:
                continue  # nothing compared: 0.5, not fitted
            k = max(i for i, lo in enumerate(edges) if r["evidence"]["score"] >= lo or i == 0)
            counts[k][0] += int(r["detected"] == r["related"])
            counts[k][1] += 1
        out[cls] = tuple((lo, c[0], c[1]) for lo, c in zip(edges, counts, strict=True))
    return out


def apply(table: Table, rec: dict[str, Any]) -> float:
    if rec["evidence"]["score"] < NO_EVIDENCE_SCORE:
        return 0.5
    rows = table[verdict_class(rec)]
    _, right, n = next(row for row in reversed(rows) if rec["evidence"]["score"] >= row[0] or row is rows[0])
    return round((right + 1) / (n + 2), 4)


def write(table: Table) -> None:
    path = ROOT / "src" / "vidverify" / "match" / "verdict.py"
    text = path.read_text()
    body = "".join(f'    "{cls}": ({", ".join(f"({lo}, {right}, {n})" for lo, right, n in rows)}),\n'
                   for cls, rows in table.items())
    new, count = re.subn(r"(CALIBRATION: dict\[str, tuple\[tuple\[float, int, int\], \.\.\.\]\] = \{\n)(.*?)(\})",
                         lambda m: m.group(1) + body + m.group(3), text, count=1, flags=re.S)
    if count != 1:
        raise SystemExit("CALIBRATION not found in verdict.py")
    path.write_text(new)
    print(f"wrote the counts into {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", type=Path, nargs="+", help="bench_compare.py result files")
    ap.add_argument("--write", action="store_true", help="write the counts into src/vidverify/match/verdict.py")
    args = ap.parse_args()
    recs = [r for p in args.results for r in json.loads(p.read_text())["pairs"]
            if r["verdict"] not in ("error", "identical") and "evidence" in r]
    print(f"{len(recs)} pairs with evidence ({sum(r['related'] for r in recs)} related)")
    print_reliability(reliability(recs), "as reported by the run")
    legacy = [dict(r, uncalibrated=r["evidence"]["uncalibrated"]) for r in recs if "uncalibrated" in r["evidence"]]
    if legacy:
        print_reliability(reliability(legacy, "uncalibrated"), "before calibration (the 0.2 formula)")
    table = fit(recs)
    print("\nCALIBRATION = {")
    for cls, rows in table.items():
        print(f'    "{cls}": {rows},')
    print("}")
    scored = [dict(r, calibrated=apply(table, r)) for r in recs]
    print_reliability(reliability(scored, "calibrated"), "calibrated, in sample")
    folds = [[r for i, r in enumerate(recs) if i % 2 == k] for k in (0, 1)]
    held = [dict(r, calibrated=apply(fit(folds[1 - k]), r)) for k in (0, 1) for r in folds[k]]
    print_reliability(reliability(held, "calibrated"), "calibrated, two-fold (out of sample)")
    if args.write:
        write(table)


if __name__ == "__main__":
    main()
