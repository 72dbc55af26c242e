"""Build time, size, memory, search latency and recall of the fingerprint index at archive scale.

    python benchmarks/bench_index.py [--clips 100000] [--queries 50] [--out benchmarks/out] [--reuse]

No media: hash sequences are generated with numpy, like keyframe fingerprints of an archive.

* Indexed clips: 60-140 s each (mean 100 s), one keyframe hash per second (``hash --keyframes`` of a 1 s GOP),
  so 100,000 clips hold ~10M frames. Each clip is a random walk in hash space: a scene lasts 2-8 s and starts
  from a fresh hash (10% of scenes start near one of 200 shared "generic" pictures, so some band buckets are
  crowded as in real archives); within a scene, 0-6 bits change per second. 2% of frames are flat (black).
  The mirrored, crop, rotated and half-picture channels are the walk XOR fixed per-clip constants.
* Queries: a 60 s slice of a random indexed clip, at 30 fps (a dense fingerprint of an upload, as ``vidverify
  search upload.mp4`` makes), its frames bridging the indexed keyframes (each bit that differs between two
  keyframes flips at a random moment in between; at a scene change the cut falls at a random frame), then
  2-8 random bits of re-encoding noise per frame (``--noise``). A quarter of them are mirrored, a quarter are a
  9:16 centre crop of the indexed clip, a quarter are overlaid (a caption box or another video covers the lower
  half: only the top half picture is the indexed clip's; every whole-picture channel is another picture).
  ``--unrelated`` more queries come from clips that are not indexed (false positives).
* Measured: build time (``Index.add`` per clip, one transaction each), file size, peak RSS, the cold start
  (signatures loaded and banded on the first search), and per query the candidate stage and the whole
  ``search`` (candidates + dense alignment of the best ones): median and p95, recall@1 and @10, and the error
  of the matched start time on the indexed clip.

Writes ``bench_index_<clips>.json`` in --out and prints a summary. ``--reuse`` keeps an index built earlier
with the same parameters.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from vidverify.models import MediaInfo
from vidverify.pipeline.index.search import Index
from vidverify.signals.fingerprint import Fingerprint

QUERY_SECONDS = 60.0
QUERY_FPS = 30.0
MIN_SECONDS, MAX_SECONDS = 60, 140
N_PROTOTYPES = 200
CHANNELS = ("hashes", "mirrored", "crop_hashes", "crop_mirrored", "rot90", "rot180", "rot270",
            "half_top", "half_bottom", "half_left", "half_right")
HALVES = CHANNELS[7:]


def _bits(rng: np.random.Generator, n: int, k: np.ndarray | int) -> np.ndarray:
    """``n`` masks with about ``k`` (per row) random bits set."""
    kk = np.broadcast_to(np.asarray(k), (n,))
    out = np.zeros(n, np.uint64)
    for j in range(int(kk.max()) if n else 0):
        bit = np.left_shift(np.uint64(1), rng.integers(0, 64, n).astype(np.uint64))
        out |= np.where(kk > j, bit, np.uint64(0))
    return out


def prototypes(seed: int) -> np.ndarray:
    return np.random.default_rng([seed, 10**9]).integers(0, 2**63, N_PROTOTYPES, dtype=np.uint64) * np.uint64(2)


def clip_arrays(seed: int, i: int, protos: np.ndarray) -> dict[str, Any]:
    """The keyframe fingerprint of clip ``i`` (deterministic): times, walk, channel constants, luma."""
    rng = np.random.default_rng([seed, i])
    n = int(rng.integers(MIN_SECONDS, MAX_SECONDS + 1))
    lengths = rng.integers(2, 9, n)  # scene lengths in seconds
    scene = np.repeat(np.arange(n), lengths)[:n]
    starts = np.flatnonzero(np.concatenate([[True], scene[1:] != scene[:-1]]))
    n_scenes = len(starts)
    base = rng.integers(0, 2**63, n_scenes, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, n_scenes).astype(
        np.uint64)
    generic = rng.random(n_scenes) < 0.10
    base[generic] = protos[rng.integers(0, N_PROTOTYPES, int(generic.sum()))] ^ _bits(rng, int(generic.sum()), 6)
    step = _bits(rng, n, rng.integers(0, 7, n))
    cx = np.bitwise_xor.accumulate(step)
    h = base[scene] ^ cx ^ cx[starts[scene]]
    consts = rng.integers(0, 2**63, len(CHANNELS), dtype=np.uint64) * np.uint64(2)
    consts[0] = 0
    luma_std = rng.uniform(8, 60, n).astype(np.float32)
    luma_std[rng.random(n) < 0.02] = 1.0
    return {"n": n, "times": np.arange(n, dtype=np.float64), "h": h, "scene": scene, "consts": consts,
            "luma_std": luma_std, "rng": rng}


def keyframe_fp(seed: int, i: int, protos: np.ndarray) -> Fingerprint:
    a = clip_arrays(seed, i, protos)
    n = a["n"]
    chans = {c: a["h"] ^ a["consts"][k] for k, c in enumerate(CHANNELS)}
    return Fingerprint(
        path=f"/archive/clip{i:06d}.mp4", sha256=f"{seed:08x}{i:056x}", size=n * 250_000, mode="keyframes",
        times=a["times"], luma_mean=np.full(n, 100.0, np.float32), luma_std=a["luma_std"], duration=float(n),
        fps=30.0, width=1280, height=720, active_area=(0, 0, 1280, 720), crop_area=(438, 0, 404, 720),
        half_flat=np.zeros(n, np.uint8), versions={"hash": "bench"}, **chans,
    )


def query_fp(seed: int, i: int, protos: np.ndarray, q: int, kind: str, noise: int) -> tuple[Fingerprint, float]:
    """A dense 60 s slice of clip ``i`` (see the module docstring) and its start time on the clip."""
    a = clip_arrays(seed, i, protos)
    rng = np.random.default_rng([seed, i, q, 7])
    n = a["n"]
    start = float(rng.uniform(0, n - 1 - QUERY_SECONDS))
    t = start + np.arange(int(QUERY_SECONDS * QUERY_FPS)) / QUERY_FPS
    k = np.floor(t).astype(int)
    frac = t - k
    h, scene = a["h"], a["scene"]
    cut_at = rng.random(n)  # where, between keyframes k and k+1, a scene cut falls
    flip_at = rng.random((n, 64))  # when each differing bit flips
    same = scene[np.minimum(k + 1, n - 1)] == scene[k]
    diff = h[k] ^ h[np.minimum(k + 1, n - 1)]
    bit = np.left_shift(np.uint64(1), np.arange(64, dtype=np.uint64))
    flipped = ((diff[:, None] & bit[None, :]) != 0) & (flip_at[k] < frac[:, None])
    bridged = h[k] ^ np.bitwise_or.reduce(np.where(flipped, bit[None, :], np.uint64(0)), axis=1)
    dense = np.where(same, bridged, np.where(frac < cut_at[k], h[k], h[np.minimum(k + 1, n - 1)]))
    consts = dict(zip(CHANNELS, a["consts"], strict=True))
    other = rng.integers(0, 2**63, 8, dtype=np.uint64) * np.uint64(2) + np.uint64(1)  # unrelated pictures
    halves = {c: other[4 + k] for k, c in enumerate(HALVES)}  # a mirror's or a crop's halves are other pictures
    if kind == "mirror":
        src = {"hashes": consts["mirrored"], "mirrored": consts["hashes"], "crop_hashes": consts["crop_mirrored"],
               "crop_mirrored": consts["crop_hashes"]}
    elif kind == "crop":  # the query is the indexed clip's 9:16 centre crop
        src = {"hashes": consts["crop_hashes"], "mirrored": consts["crop_mirrored"], "crop_hashes": other[0],
               "crop_mirrored": other[1]}
    elif kind == "overlay":  # a caption box or another video covers the lower half: only the top half is the clip
        src = {"hashes": other[0], "mirrored": other[1], "crop_hashes": other[0] ^ other[2],
               "crop_mirrored": other[1] ^ other[3]}
        halves["half_top"] = consts["half_top"]
    else:
        src = {c: consts[c] for c in ("hashes", "mirrored", "crop_hashes", "crop_mirrored")}
        halves = {c: consts[c] for c in HALVES}
    src.update({"rot90": other[2], "rot180": other[3], "rot270": other[2] ^ other[3]}, **halves)
    m = len(t)
    chans = {c: dense ^ np.uint64(v) ^ _bits(rng, m, rng.integers(max(0, noise - 2), noise + 3, m))
             for c, v in src.items()}
    luma_std = a["luma_std"][k]
    fp = Fingerprint(
        path=f"/queries/q{q}.mp4", sha256=None, size=None, mode="dense", times=t - start,
        luma_mean=np.full(m, 100.0, np.float32), luma_std=luma_std, duration=QUERY_SECONDS, fps=QUERY_FPS,
        width=720 if kind == "crop" else 1280, height=1280 if kind == "crop" else 720,
        half_flat=np.zeros(m, np.uint8), **chans,
    )
    return fp, start


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def build(db: Path, clips: int, seed: int) -> dict[str, Any]:
    protos = prototypes(seed)
    gen = add = 0.0
    started = time.perf_counter()
    with Index(db) as ix:
        for i in range(clips):
            t0 = time.perf_counter()
            fp = keyframe_fp(seed, i, protos)
            info = MediaInfo(path=fp.path, sha256=fp.sha256, size=fp.size, kind="video", container="mp4",
                             duration=fp.duration, width=1280, height=720, fps=30.0)
            t1 = time.perf_counter()
            ix.add(info, fp, mtime_ns=0)
            t2 = time.perf_counter()
            gen += t1 - t0
            add += t2 - t1
            if (i + 1) % 10000 == 0:
                print(f"  {i + 1} clips, {add:.0f} s in add", file=sys.stderr)
        stats = ix.stats()
    return {"seconds_total": round(time.perf_counter() - started, 1), "seconds_generating": round(gen, 1),
            "seconds_in_add": round(add, 1), "add_ms_per_clip": round(1000 * add / clips, 3), "stats": stats}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--unrelated", type=int, default=10, help="queries from clips that are not indexed")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    ap.add_argument("--reuse", action="store_true", help="keep an index built earlier with the same parameters")
    ap.add_argument("--noise", default="2,4,6,8", help="re-encoding noise levels (mean bits flipped per query frame), "
                    "one drawn per query (default 2,4,6,8)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    db = args.out / f"bench_index_{args.clips}_{args.seed}.sqlite"
    report: dict[str, Any] = {"clips": args.clips, "seed": args.seed, "noise": args.noise,
                              "load_before": os.getloadavg()}
    if args.reuse and db.exists():
        report["build"] = None
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        print(f"building an index of {args.clips} clips in {db} ...", file=sys.stderr)
        report["build"] = build(db, args.clips, args.seed)
    report["rss_mb_after_build"] = round(rss_mb(), 1)
    protos = prototypes(args.seed)
    rng = np.random.default_rng([args.seed, 42])
    kinds = ("plain", "mirror", "crop", "overlay")
    with Index(db, create=False) as ix:
        report["stats"] = ix.stats()
        t0 = time.perf_counter()
        ix.candidates(keyframe_fp(args.seed, 0, protos), 1)  # cold start: load and band the signatures
        report["cold_start_s"] = round(time.perf_counter() - t0, 2)
        bands = ix._bands
        report["bands_mb"] = round(bands.nbytes / 2**20, 1) if bands is not None else None
        report["rss_mb_after_load"] = round(rss_mb(), 1)
        rows = []
        for q in range(args.queries + args.unrelated):
            related = q < args.queries
            kind = kinds[q % len(kinds)]
            noise = int(rng.choice([int(x) for x in args.noise.split(",")]))
            clip = int(rng.integers(0, args.clips)) if related else args.clips + 10**6 + 100 * q
            while clip_arrays(args.seed, clip, protos)["n"] < QUERY_SECONDS + 2:  # a 60 s slice must fit
                clip = int(rng.integers(0, args.clips)) if related else clip + 1
            fp, start = query_fp(args.seed, clip, protos, q, kind, noise)
            t1 = time.perf_counter()
            cands = ix.candidates(fp, 20)
            t2 = time.perf_counter()
            results = ix.search(fp, top=10)
            t3 = time.perf_counter()
            want = f"{args.seed:08x}{clip:056x}"
            rank = next((r + 1 for r, res in enumerate(results) if res.sha256 == want), None)
            err = None
            if rank is not None:
                seg = max(results[rank - 1].segments, key=lambda s: s.frames)
                err = round(abs((seg.b_start - seg.a_start * seg.speed) - start), 3)
            rows.append({"query": q, "related": related, "kind": kind, "noise_bits": noise, "clip": clip,
                         "start": round(start, 3), "candidates_ms": round(1000 * (t2 - t1), 2),
                         "search_ms": round(1000 * (t3 - t2), 2), "rank": rank, "start_error_s": err,
                         "cand_rank": next((r + 1 for r, (s, _) in enumerate(cands) if s == want), None),
                         "results": len(results), "top_votes": cands[0][1] if cands else 0})
        report["rss_mb_peak"] = round(rss_mb(), 1)
    rel = [r for r in rows if r["related"]]
    unrel = [r for r in rows if not r["related"]]
    lat = [r["search_ms"] for r in rows]
    cand = [r["candidates_ms"] for r in rows]

    def pct(v: list[float], p: float) -> float:
        return round(float(np.percentile(v, p)), 1) if v else float("nan")

    report["summary"] = {
        "search_ms_median": pct(lat, 50), "search_ms_p95": pct(lat, 95), "search_ms_max": pct(lat, 100),
        "candidates_ms_median": pct(cand, 50), "candidates_ms_p95": pct(cand, 95),
        "recall_at_1": round(sum(r["rank"] == 1 for r in rel) / max(1, len(rel)), 3),
        "recall_at_10": round(sum(r["rank"] is not None for r in rel) / max(1, len(rel)), 3),
        "recall_by_kind": {k: round(sum(r["rank"] == 1 for r in rel if r["kind"] == k)
                                    / max(1, sum(r["kind"] == k for r in rel)), 3) for k in kinds},
        "start_error_s_median": round(statistics.median([r["start_error_s"] for r in rel
                                                         if r["start_error_s"] is not None] or [float("nan")]), 3),
        "start_error_s_max": max((r["start_error_s"] for r in rel if r["start_error_s"] is not None), default=None),
        "unrelated_queries_with_results": sum(r["results"] > 0 for r in unrel),
    }
    report["load_after"] = os.getloadavg()
    report["queries"] = rows
    out = args.out / (f"bench_index_{args.clips}.json" if args.noise == "2,4,6,8"
                      else f"bench_index_{args.clips}_noise{args.noise.replace(',', '-')}.json")
    out.write_text(json.dumps(report, indent=2))
    s, st = report["summary"], report["stats"]
    b = report["build"]
    print(f"index of {args.clips} clips: {st['frames']:,} frames, {st['signature_hashes']:,} signature hashes, "
          f"{st['bytes'] / 2**20:.0f} MiB on disk")
    if b:
        print(f"build: {b['seconds_total']} s ({b['add_ms_per_clip']} ms per add, {b['seconds_generating']} s "
              f"generating)")
    print(f"cold start {report['cold_start_s']} s; bands {report['bands_mb']} MiB; peak RSS {report['rss_mb_peak']} "
          f"MiB (after build {report['rss_mb_after_build']}, after load {report['rss_mb_after_load']})")
    print(f"search: median {s['search_ms_median']} ms, p95 {s['search_ms_p95']} ms, max {s['search_ms_max']} ms "
          f"(candidate stage median {s['candidates_ms_median']} ms, p95 {s['candidates_ms_p95']} ms)")
    print(f"recall@1 {s['recall_at_1']} (by kind {s['recall_by_kind']}), recall@10 {s['recall_at_10']}; "
          f"start error median {s['start_error_s_median']} s, max {s['start_error_s_max']} s; "
          f"unrelated queries with results: {s['unrelated_queries_with_results']}/{len(unrel)}")
    print(f"load average before {report['load_before']}, after {report['load_after']}; results in {out}")


if __name__ == "__main__":
    main()
