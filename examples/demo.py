#!/usr/bin/env python3
"""The demo behind ``./run demo``: build the bundled "viral clip" case and run vidverify on it.

    python examples/demo.py [--case DIR] [--quick]

Builds the case (examples/make_case.py; instant when already built), then runs the vidverify command line on
it as a fact-checker would: ``vidverify scan`` on the whole folder with the case's claims file (groups of the
same footage, each group's reference, every upload's edits and the findings, plus an HTML report written to
DIR/report.html), then a closer look at one upload with ``probe`` and ``compare``.
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
    report = args.case / "report.html"
    status = vidverify("scan", str(args.case), "--claims", str(args.case / "claims.yaml"), "--html", str(report))
    # exit 1 is expected here: the case holds contradictions (an upload dated before the capture, a false claim)
    files = sorted(str(p) for p in args.case.iterdir() if p.suffix.lower() in MEDIA_SUFFIXES)
    vidverify("probe", "--brief", *files)
    vidverify("compare", str(args.case / "IMG_4521.MOV"), str(args.case / "reupload_vertical_caption.mp4"))
    print(f"\nHTML report: {report}")
    print(f"ground truth for this case: {args.case / 'case.json'} (see examples/README.md)")
    return 0 if status in (0, 1) else status


if __name__ == "__main__":
    raise SystemExit(main())
