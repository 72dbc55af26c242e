"""The feature stage of ``search`` as the index grows: ``bench_features.py [--out DIR] [--sizes 200,1000,2000]``.

A source shown small over other footage (a picture-in-picture), in an app's screen, a duet, a grid, a 9:16 blurred
fill, a slow zoom or a tilted re-filming has no frame that hashes like the query's: only the feature stage finds
it. Does it still find it, and how long does it take, when the index holds thousands of clips?

1. The re-post set (``repost_cases.build_all``; built by ``bench_compare.py --set repost --out DIR`` or here): the
   5 sources and the filler footage are indexed with ``add_paths`` (features kept at ``index add``).
2. Decoys fill the index up to each size: clips whose fingerprints hash like nothing (random hashes) and whose
   kept features are 6 frames drawn at random from the stored features of corpus clips that are neither a source
   nor a filler (PySceneDetect's fades and delayed start, ThreatExchange's padded test clip: real footage's
   features, but few distinct frames: their chance votes repeat from decoy to decoy).
3. Queries: the feature kinds of ``--sources`` (default bikes and karma: 16 queries). Each is searched as the CLI
   does (``compare_media``: ``vidverify.compare``), and without the feature stage. Reported per size: found (the
   source among the results), the median and largest whole search, the median feature stage (the difference)
   and its cost per indexed clip.

Writes ``--out/bench_features.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import repost_cases as rc

import vidverify
from vidverify.match import features as feats
from vidverify.models import MediaInfo
from vidverify.pipeline import feature_stage
from vidverify.pipeline.ingest import fingerprint

KINDS = ("pip-corner", "pip-inverse", "screen-recording", "duet", "grid-2x2", "refilm-tilted",
         "blurred-fill-9x16", "ken-burns")
DECOY_POOL = ("pyscenedetect/fades.mp4", "pyscenedetect/delayed_start.mp4",
              "threatexchange/videos/test-padded-dimensions.mp4")


def _pool(corpus: Path) -> list[feats.Features]:
    """Per frame, the stored features of the decoy pool's clips."""
    frames = []
    for rel in DECOY_POOL:
        path = corpus / rel
        if not path.exists():
            continue
        f = feature_stage.stored(str(path), fingerprint(path))
        frames += [feats.Features(f.frame[f.frame == k] * 0, f.xy[f.frame == k], f.descriptors[f.frame == k])
                   for k in np.unique(f.frame)]
    if not frames:
        sys.exit("no decoy pool: the corpus clips " + ", ".join(DECOY_POOL) + " are missing")
    return frames


def _decoy(rng: np.random.Generator, pool: list[feats.Features]) -> feats.Features:
    picks = [pool[i] for i in rng.integers(0, len(pool), feature_stage.STORED_FRAMES)]
    return feats.Features(np.concatenate([np.full(len(p), k, np.int16) for k, p in enumerate(picks)]),
                          np.concatenate([p.xy for p in picks]), np.concatenate([p.descriptors for p in picks]))


def _add_decoys(ix: vidverify.Index, n: int, start: int, template: Any, pool: list[feats.Features]) -> None:
    rng = np.random.default_rng(start)
    for k in range(start, start + n):
        sha = f"{k:064x}"
        arrays = {c: rng.integers(0, 2**63, len(template.times), dtype=np.uint64) for c in
                  ("hashes", "mirrored", "crop_hashes", "crop_mirrored", "rot90", "rot180", "rot270")}
        fp = replace(template, path=f"/decoys/{k}.mp4", sha256=sha, **arrays)
        ix.add(MediaInfo(path=fp.path, sha256=sha, size=1000 + k, kind="video", container="mp4",
                         duration=fp.duration, width=fp.width, height=fp.height), fp)
        ix.put_features(sha, _decoy(rng, pool).to_bytes())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    ap.add_argument("--sizes", default="200,1000,2000", help="indexed clips, in rising order")
    ap.add_argument("--sources", default="bikes,karma", help="re-post sources whose feature kinds are the queries")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    built = rc.build_all(args.out, quick=False, log=lambda m: print(m, file=sys.stderr))
    corpus = rc.cc.corpus_dir()
    pool = _pool(corpus)
    work = args.out / "features"
    work.mkdir(parents=True, exist_ok=True)
    db = work / "index.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    wanted = set(args.sources.split(","))
    queries = [c for c in built["related"] if c.kind in KINDS and Path(c.a).stem in wanted]
    fps = {c.b: fingerprint(c.b) for c in queries}
    rows: list[dict[str, Any]] = []
    with vidverify.Index(db) as ix:
        vidverify.add_paths(ix, [str(s.path) for s in [*built["sources"], *built["fillers"]]])
        template = fingerprint(corpus / DECOY_POOL[0])
        for size in sizes:
            _add_decoys(ix, size - len(ix), len(ix), template, pool)
            found, whole, stage = [], [], []
            for c in queries:
                t0 = time.perf_counter()
                hashes_only = ix.search(fps[c.b])
                t1 = time.perf_counter()
                results = ix.search(fps[c.b], compare_media=lambda a, b: vidverify.compare(a, b, findings=False))
                t2 = time.perf_counter()
                names = [Path(r.path).name for r in results]
                found.append(Path(c.a).name in names)
                whole.append(t2 - t1)
                stage.append((t2 - t1) - (t1 - t0))
                print(f"{size:>6} {c.name:<32} found={found[-1]} search {t2 - t1:.2f} s "
                      f"(hashes only {t1 - t0:.2f} s; {len(hashes_only)} results)", file=sys.stderr, flush=True)
            rows.append({"clips": len(ix), "queries": len(queries), "found": sum(found),
                         "search_median_s": round(statistics.median(whole), 2), "search_max_s": round(max(whole), 2),
                         "feature_stage_median_s": round(statistics.median(stage), 2),
                         "per_clip_ms": round(1000 * statistics.median(stage) / len(ix), 2)})
    (args.out / "bench_features.json").write_text(json.dumps({"rows": rows}, indent=1))
    print("| clips | found | search median / max | feature stage median | per indexed clip |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['clips']} | {r['found']} / {r['queries']} | {r['search_median_s']} / {r['search_max_s']} s | "
              f"{r['feature_stage_median_s']} s | {r['per_clip_ms']} ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
