"""How grouping scales with the number of files: scan's candidate stage, alignment of the candidate pairs and
the grouping itself on synthetic keyframe fingerprints (no media), at 1k, 10k and 100k files.

    python benchmarks/bench_grouping.py [--files 1000,10000] [--seed 1]

The fingerprints are bench_index.py's synthetic archive clips (60-140 s, one hash per second, scenes), each with
its own look-alike pictures. Files come in groups of 1-4 uploads of one clip: the first is the clip, the others a
trimmed stretch of it (70-100%) with 0-4 bits of noise per hash. The stages timed are exactly scan's:
candidate_pairs (all pairs up to 300 files, a banded Hamming index above), match_fingerprints on each candidate
pair, and groups.components. Reported: seconds per stage, per file, and whether every group came out exactly right.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_index as bi  # noqa: E402

from vidverify.evidence import groups  # noqa: E402
from vidverify.match.candidates import candidate_pairs  # noqa: E402
from vidverify.match.verdict import match_fingerprints  # noqa: E402
from vidverify.signals.fingerprint import FRAME_CHANNELS, Fingerprint  # noqa: E402


def make_files(n_files: int, seed: int) -> tuple[list[Fingerprint], list[int]]:
    """Fingerprints and each one's true group."""
    rng = np.random.default_rng(seed)
    fps: list[Fingerprint] = []
    truth: list[int] = []
    g = 0
    while len(fps) < n_files:
        # each clip gets its own "generic" pictures: bench_index shares them across clips on purpose (look-alike
        # scenes are near-duplicates at the hash level, so such clips really do share footage and would join
        # groups here, which makes "exactly right" meaningless)
        base = bi.keyframe_fp(seed, g, bi.prototypes(seed * 1_000_003 + g))
        members = int(rng.integers(1, 5))
        fps.append(base)
        truth.append(g)
        n = len(base)
        for k in range(1, members):
            if len(fps) >= n_files:
                break
            keep = int(n * rng.uniform(0.7, 1.0))
            start = int(rng.integers(0, n - keep + 1))
            sl = slice(start, start + keep)
            noise = bi._bits(rng, keep, rng.integers(0, 5, keep))
            arrays = {c: np.asarray(getattr(base, c))[sl] ^ noise for c in bi.CHANNELS}
            # every other per-frame array (times, luma, half_flat, inner and region boxes) is cut the same way
            cut = {c.name: np.asarray(getattr(base, c.name))[sl] for c in FRAME_CHANNELS
                   if c.name not in arrays and getattr(base, c.name) is not None}
            cut["times"] = cut["times"] - start
            fp = replace(base, path=f"/uploads/g{g:06d}_{k}.mp4", sha256=f"{seed:08x}{g:048x}{k:08x}",
                         duration=float(keep), **cut, **arrays)
            fps.append(fp)
            truth.append(g)
        g += 1
    return fps, truth


def run(n_files: int, seed: int) -> dict[str, object]:
    t0 = time.perf_counter()
    fps, truth = make_files(n_files, seed)
    gen = time.perf_counter() - t0
    t1 = time.perf_counter()
    pairs = candidate_pairs(fps)
    t2 = time.perf_counter()
    matches = []
    for i, j in pairs:
        m = match_fingerprints(fps[i], fps[j])
        if m.verdict != "unrelated":
            matches.append(m)
    t3 = time.perf_counter()
    comps = groups.components([f.path for f in fps], matches)
    t4 = time.perf_counter()
    by_path = {f.path: k for k, f in enumerate(fps)}
    want: dict[int, set[int]] = {}
    for k, g in enumerate(truth):
        want.setdefault(g, set()).add(k)
    got = [{by_path[p] for p in c} for c in comps]
    got_all = got + [{k} for k in range(len(fps)) if not any(k in c for c in got)]
    exact = sum(1 for members in want.values() if members in got_all)
    return {
        "files": len(fps), "groups": len(want), "groups_exact": exact, "candidate_pairs": len(pairs),
        "related_pairs": len(matches), "seconds": {"generate": round(gen, 2), "candidates": round(t2 - t1, 2),
                                                    "align": round(t3 - t2, 2), "group": round(t4 - t3, 3)},
        "ms_per_file": round((t4 - t1) / len(fps) * 1000, 2), "loadavg": os.getloadavg(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", default="1000,10000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args()
    results = []
    for n in (int(x) for x in args.files.split(",")):
        r = run(n, args.seed)
        results.append(r)
        s = r["seconds"]
        print(f"{r['files']:>7} files, {r['groups']} groups: candidates {s['candidates']} s, "  # type: ignore[index]
              f"align {s['align']} s ({r['candidate_pairs']} pairs), group {s['group']} s; "  # type: ignore[index]
              f"{r['ms_per_file']} ms per file; groups exactly right {r['groups_exact']}/{r['groups']}; "
              f"load {r['loadavg'][0]:.1f}", flush=True)  # type: ignore[index]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_grouping.json").write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
