#!/usr/bin/env python3
"""The demo behind ``./run demo``: build the bundled "viral clip" case and run vidverify on it.

    python examples/demo.py [--case DIR] [--quick]

Builds the case (examples/make_case.py; instant when already built), then runs the vidverify command line on
every file in it, as a fact-checker would: ``vidverify probe`` (what each upload says about itself) and
``vidverify hash`` (a fingerprint per upload, written to DIR/fingerprints/). Later releases add compare and scan.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MEDIA_SUFFIXES = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".jpg", ".jpeg", ".png", ".heic"}


def vidverify(*args: str) -> int:
    cmd = [sys.executable, "-m", "vidverify", *args]
    print(f"\n$ vidverify {' '.join(args)}", flush=True)
    return subprocess.run(cmd, check=False).returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", type=Path, default=HERE / "case", help="where the case is built (default examples/case)")
    ap.add_argument("--quick", action="store_true", help="small, short clips")
    args = ap.parse_args()
    build = [sys.executable, str(HERE / "make_case.py"), str(args.case)] + (["--quick"] if args.quick else [])
    if subprocess.run(build, check=False).returncode != 0:
        print("demo: building the example case failed", file=sys.stderr)
        return 1
    files = sorted(str(p) for p in args.case.iterdir() if p.suffix.lower() in MEDIA_SUFFIXES)
    status = vidverify("probe", "--brief", *files)
    status = max(status, vidverify("probe", files[0]))
    out = args.case / "fingerprints"
    out.mkdir(exist_ok=True)
    status = max(status, vidverify("hash", *files, "-o", str(out)))
    original = args.case / "IMG_4521.MOV"
    prints = {Path(f).name: out / (Path(f).name + ".vvfp") for f in files}
    status = max(status, vidverify("compare", str(prints[original.name]),
                                   str(prints["reupload_vertical_caption.mp4"])))
    print(f"\nevery file against the original ({original.name}):", flush=True)
    summary(prints[original.name], [p for n, p in prints.items() if n != original.name])
    print(f"\nground truth for this case: {args.case / 'case.json'} (see examples/README.md)")
    return status


def summary(reference: Path, others: list[Path]) -> None:
    """One line per upload: verdict, coverage and edits (the library, as a newsroom script would use it)."""
    from vidverify.compare import compare
    from vidverify.report import render

    rows = []
    for other in others:
        m = compare(reference, other)
        edits = ", ".join(sorted({e.type for e in m.edits} - {"reencode", "scale"})) or "-"
        rows.append([other.name.removesuffix(".vvfp"), m.verdict, f"{m.coverage['a']:.0%}", f"{m.coverage['b']:.0%}",
                     edits])
    render.table(["upload", "verdict", "of original", "of upload", "edits"], rows)


if __name__ == "__main__":
    raise SystemExit(main())
