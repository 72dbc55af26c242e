"""Run the benchmarks: ``./run bench`` (all) or ``./run bench hash``."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

BENCHES = {"hash": "bench_hash.py", "compare": "bench_compare.py", "scan": "bench_scan.py",
           "index": "bench_index.py", "case": "bench_case.py", "audio": "bench_audio.py",
           "frames": "bench_frames.py", "lineage": "bench_lineage.py", "repost": "bench_compare.py --set repost",
           "features": "bench_features.py"}

if __name__ == "__main__":
    names = sys.argv[1:] or list(BENCHES)
    for name in names:
        if name not in BENCHES:
            raise SystemExit(f"unknown benchmark {name!r}; known: {', '.join(BENCHES)}")
        sys.argv = BENCHES[name].split()
        runpy.run_path(str(Path(__file__).parent / sys.argv[0]), run_name="__main__")
