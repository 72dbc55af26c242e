"""Re-posts (issue 15's "must show"): ``bench_compare.py --set repost [--quick] [--out DIR] [--tag NAME]``.

1. Cases (``repost_cases.py``): for each source (3 with --quick, 5 without) a variant of every re-post kind
   (screen recording, duet, 2x2 grid, corner and inverse picture-in-picture, blurred-fill 9:16 with captions and a
   moving watermark, stitch, Ken Burns zoom, 4x time-lapse, tilted re-filming (on a stand and by hand), news
   chyron, GIF, subtitles, border, speed ramp, three re-encode generations, a short stretch borrowed into a 64 s
   video, seen from both sides),
   and hard negatives: different moments of one corpus clip, unrelated clips in the identical template. Built once
   into ``--out/repost/`` (shared between runs, whatever code is scored).
2. Every pair is scored by ``bench_compare.score_case`` (the same scoring as the compare benchmark): recall on the
   re-posts, false positives on the hard negatives, temporal IoU (the mean of A's and B's timeline per pair; 0 for
   a missed pair), edit-label precision and recall (``bench_compare.label_scores``).
3. The same pairs by FFmpeg's signature filter and vPDQ (``compare_baselines.py``; cached in --out/repost/baselines).
4. Search: an index (``vidverify.Index`` + ``add_paths``) of the sources, the filler footage and the long videos
   with a borrowed stretch; each re-post's B is the query and its A must rank first among the results that are
   not the query itself nor another file that also shows footage of the query (the filler beside a duet ...).
5. Speed: ``vidverify hash`` / ``ffmpeg -v error -i FILE -f null -`` on bench_hash.py's clip (60 s of 1080p30,
   built once into --out), and ``match_fingerprints`` of two 10-minute fingerprints (corpus fingerprints cycled).
Writes ``--out/bench_repost_<tag>[_quick].json`` (tag: --tag, else the name of the folder vidverify is imported
from, e.g. the worktree) and prints the per-kind table as markdown.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bench_compare as bc
import compare_cases as cc
import repost_cases as rc

import vidverify
from vidverify.media.ffmpeg import ffmpeg_exe, ffmpeg_version

TARGETS = {"recall": 0.95, "fpr": 0.0, "iou_median": 0.9, "label_precision": 0.9, "label_recall": 0.9,
           "hash_ratio": 1.0, "match_10min_s": 1.0}
SEARCH_TOP = 10


def pair_iou(r: dict[str, Any]) -> float:
    return (r["iou_a"] + r["iou_b"]) / 2


def _rate(xs: list[bool]) -> float | None:
    return round(sum(xs) / len(xs), 3) if xs else None


def kind_rows(recs: list[dict[str, Any]], baselines: dict[str, Any] | None,
              ranks: dict[str, int | None]) -> list[dict[str, Any]]:
    """One row per kind (re-post kinds, then hard-negative kinds), then "all re-posts" and "all hard negatives".
    ``recs`` carry ``baselines`` per pair when they ran; ``ranks``: the search rank of A per pair name."""
    kinds = list(dict.fromkeys(r["kind"] for r in recs if r["related"]))
    kinds += list(dict.fromkeys(r["kind"] for r in recs if not r["related"]))
    groups = [(k, [r for r in recs if r["kind"] == k]) for k in kinds]
    groups += [("all re-posts", [r for r in recs if r["related"]]), ("all hard negatives",
                                                                    [r for r in recs if not r["related"]])]
    rows = []
    for kind, rs in groups:
        if not rs:
            continue
        related = rs[0]["related"]
        row: dict[str, Any] = {"kind": kind, "n": len(rs), "related": related}
        row["vidverify"] = _rate([r["detected"] for r in rs])  # recall on re-posts, FP rate on negatives
        if related:
            row["iou_median"] = bc._r(bc.med([pair_iou(r) for r in rs]), 3)
            lab = bc.label_scores(rs)
            row.update(label_precision=lab["precision"], label_recall=lab["recall"],
                       labels_predicted=lab["predicted"], labels_expected=lab["expected"])
            got = [ranks.get(r["name"]) for r in rs if r["name"] in ranks]
            row["search_rank1"] = _rate([g == 1 for g in got])
        for name in ("signature", "vpdq"):
            b = [r.get("baselines", {}).get(name) for r in rs]
            if any(x is not None for x in b):
                row[name] = _rate([bool(x and x.get("related")) for x in b])
        if related:
            row["expected_types"] = sorted({t for r in rs for t in r["expected_types"]})
            row["misses"] = [r["name"] for r in rs if not r["detected"]][:5]
        else:
            row["false_positives"] = [r["name"] for r in rs if r["detected"]][:5]
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------------------------- search


def contents_map(built: dict[str, Any]) -> dict[str, frozenset[str]]:
    """Path -> names of the footage it shows (a variant: its source and fillers; the long host: its fillers)."""
    host_names = frozenset(["rocket", "counter", "carphone", "issue236"])
    out: dict[str, frozenset[str]] = {}
    for s in [*built["sources"], *built["fillers"]]:
        out[str(s.path)] = frozenset([s.name])
    for c in built["related"]:
        if Path(c.b).with_suffix(".json").exists():  # a built variant (its ground truth beside it)
            names = set(cc.variant_contents(c))
            if "host" in names:
                names = (names - {"host"}) | host_names
            out[c.b] = frozenset(names)
    return out


def rank_of(paths: list[str], query: str, want: str, shared: frozenset[str],
            contents: dict[str, frozenset[str]]) -> int | None:
    """1-based rank of ``want`` among the result ``paths``, not counting the query itself nor other files that
    truly show some of the query's footage (``shared``: its contents); None when it is not found."""
    ranked = [p for p in paths if p != query and (p == want or not (contents.get(p, frozenset()) & shared))]
    return ranked.index(want) + 1 if want in ranked else None


def search_section(built: dict[str, Any], cases: list[cc.Case], db: Path, cache: bc.FingerprintCache,
                   log: Callable[[str], None]) -> dict[str, Any]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    contents = contents_map(built)
    indexed = [str(s.path) for s in [*built["sources"], *built["fillers"]]]
    indexed += [c.b for c in cases if c.kind == "short-borrowed"]
    per: dict[str, Any] = {}

    def compare_media(a: Any, b: Any) -> Any:  # the feature stage, as the CLI runs it
        return vidverify.compare(a, b, findings=False)

    t0 = time.perf_counter()
    with vidverify.Index(db) as ix:
        vidverify.add_paths(ix, indexed)
        added = time.perf_counter() - t0
        for c in cases:
            if not c.related:
                continue
            query, want = os.path.abspath(c.b), os.path.abspath(c.a)
            shared = contents.get(c.b, frozenset())
            t1 = time.perf_counter()
            try:
                results = ix.search(cache.get(c.b), top=SEARCH_TOP, compare_media=compare_media)
            except Exception as exc:  # noqa: BLE001 - a query that cannot be read finds nothing
                per[c.name] = {"rank": None, "error": f"{type(exc).__name__}: {exc}"}
                continue
            sec = time.perf_counter() - t1
            rank = rank_of([os.path.abspath(r.path) for r in results], query, want, shared, contents)
            per[c.name] = {"rank": rank, "seconds": round(sec, 3), "results": [
                {"path": Path(r.path).name, "verdict": r.verdict, "score": round(r.score, 3)} for r in results[:4]]}
    log(f"search: {len(indexed)} files indexed in {added:.0f} s, {len(per)} queries")
    ranks = [v["rank"] for v in per.values()]
    return {"indexed": [Path(p).name for p in indexed], "index_seconds": round(added, 1),
            "rank1": round(sum(r == 1 for r in ranks) / len(ranks), 3) if ranks else None,
            "search_seconds_median": bc._r(bc.med([v["seconds"] for v in per.values() if "seconds" in v]), 3),
            "queries": per}


# ----------------------------------------------------------------------------------------------- speed


def speed_section(built: dict[str, Any], cache: bc.FingerprintCache, out: Path, repeat: int,
                  log: Callable[[str], None]) -> dict[str, Any]:
    import bench_hash

    res: dict[str, Any] = {}
    clip = bench_hash.make_clip(out / "phone1080p30-60s.mp4", 60.0)
    ff = ffmpeg_exe()
    decode, hashing = [], []
    for _ in range(repeat):
        decode.append(bench_hash.timed([ff, "-v", "error", "-i", str(clip), "-f", "null", "-"])[0])
        hashing.append(bench_hash.timed([sys.executable, "-m", "vidverify", "hash", str(clip)])[0])
    res["hash_vs_decode"] = {"clip": clip.name, "decode_s": [round(x, 2) for x in decode],
                             "hash_s": [round(x, 2) for x in hashing],
                             "ratio_median": round(statistics.median(h / d for h, d in zip(hashing, decode,
                                                                                           strict=True)), 3)}
    log(f"hash / decode {res['hash_vs_decode']['ratio_median']}")
    x = [cache.get(str(s.path)) for s in built["sources"]]
    gens = {c.a: c.b for c in built["related"] if c.kind == "reencode-3gen"}
    xr = [cache.get(gens[str(s.path)]) for s in built["sources"][::-1]]
    y = [cache.get(str(f.path)) for f in built["fillers"]]
    long_a = bc.concat_fingerprints(x, bc.LONG_SECONDS, "10min-A")
    cases = {"related: the same clips three generations later, other order":
             bc.concat_fingerprints(xr, bc.LONG_SECONDS, "10min-B"),
             "unrelated: filler footage": bc.concat_fingerprints(y, bc.LONG_SECONDS, "10min-C")}
    res["match_fingerprints_10min"] = {k: bc.time_match(long_a, v, repeat) for k, v in cases.items()}
    res["match_fingerprints_10min_worst_s"] = max(v["median_s"] for v in res["match_fingerprints_10min"].values())
    return res


# ----------------------------------------------------------------------------------------------- output


def _f(x: Any, spec: str = ".2f") -> str:
    return "-" if x is None else format(x, spec) if isinstance(x, float) else str(x)


def table_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The per-kind table as markdown."""
    out = ["| kind | n | vidverify recall / FP rate | IoU median | label P | label R | search rank-1 | "
           "signature recall / FP rate | vPDQ recall / FP rate |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        name = f"**{r['kind']}**" if r["kind"].startswith("all ") else r["kind"]
        out.append(f"| {name} | {r['n']} | {_f(r['vidverify'])} | {_f(r.get('iou_median'))} | "
                   f"{_f(r.get('label_precision'))} | {_f(r.get('label_recall'))} | {_f(r.get('search_rank1'))} | "
                   f"{_f(r.get('signature'))} | {_f(r.get('vpdq'))} |")
    return out


def print_report(result: dict[str, Any]) -> None:
    print("\n== re-posts (issue 15): recall on re-posts / false-positive rate on hard negatives ==")
    print("\n".join(table_lines(result["kinds"])))
    lab = result["summary"]["labels"]
    print("\nedit labels per type (precision / recall, predicted / expected):")
    for t, v in lab["per_type"].items():
        print(f"  {t:<12}{_f(v['precision']):>6} / {_f(v['recall']):<6} ({v['predicted']} / {v['expected']})")
    sp = result.get("speed") or {}
    if "hash_vs_decode" in sp:
        h = sp["hash_vs_decode"]
        print(f"\nhash / bare decode ({h['clip']}): {h['ratio_median']:.3f} (target <= {TARGETS['hash_ratio']}); "
              f"decode {h['decode_s']} s, hash {h['hash_s']} s")
        for k, v in sp["match_fingerprints_10min"].items():
            print(f"match_fingerprints, two 10-min fingerprints, {k}: {v['median_s']:.3f} s "
                  f"(target < {TARGETS['match_10min_s']})")
    elif sp:
        print(f"\nspeed: {sp}")
    print("\n== worst failures ==")
    for f in result["failures"]:
        print(f"[{f['severity']}] {f['pair']}: {f['problem']}\n      expected  {f['expected']}\n      predicted "
              f"{f['predicted']}")


def default_tag() -> str:
    """The folder of the code being scored (a worktree's name)."""
    return Path(vidverify.__file__).resolve().parents[2].name


def run(args: argparse.Namespace) -> None:
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {msg}", file=sys.stderr, flush=True)

    if not cc.corpus_dir().is_dir():
        raise SystemExit(f"corpus not found at {cc.corpus_dir()} (set VIDVERIFY_CORPUS)")
    tag = args.tag or default_tag()
    built = rc.build_all(args.out, args.quick, log)
    cases: list[cc.Case] = built["related"] + built["negatives"]
    log(f"{len(built['related'])} re-posts and {len(built['negatives'])} hard negatives")
    cache = bc.FingerprintCache()
    files = list(dict.fromkeys(p for c in cases for p in (c.a, c.b)))
    for i, f in enumerate(files):
        try:
            cache.get(f)
        except Exception as exc:  # noqa: BLE001 - the pair is scored as an error (compare raises the same)
            log(f"cannot fingerprint {Path(f).name}: {type(exc).__name__}: {exc}")
        if i % 25 == 0:
            log(f"fingerprinted {i}/{len(files)} files")
    log(f"{len(files)} files fingerprinted in {cache.seconds:.0f} s")
    recs: list[dict[str, Any]] = []
    with cache.installed():
        bc._WORKER_CACHE = cache
        if args.jobs > 1:
            with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
                recs = list(pool.imap(bc._score_worker, cases, chunksize=1))
        else:
            recs = [bc.score_case(c, cache) for c in cases]
    log(f"scored {len(cases)} pairs")
    baselines = None
    if not args.no_baselines:
        import compare_baselines

        baselines = compare_baselines.run_baselines([(c.a, c.b) for c in cases], args.out / "repost",
                                                     progress=log)
        for name, b in baselines.items():
            for r, p in zip(recs, b.get("pairs", []), strict=False):
                r.setdefault("baselines", {})[name] = p
        log("baselines done")
    work = args.out / "repost"
    search = search_section(built, cases, work / f"index-{tag}.sqlite", cache, log)
    ranks = {k: v["rank"] for k, v in search["queries"].items()}
    measured = Path(vidverify.__file__).resolve().parent  # the src tree scored (PYTHONPATH may pick another checkout)
    result: dict[str, Any] = {
        "schema": "vidverify-bench/repost@1", "quick": args.quick, "tag": tag,
        "conditions": {"ffmpeg": ffmpeg_version(), "cpus": os.cpu_count(), "python": sys.version.split()[0],
                       "vidverify": str(measured), **bc.git_state(measured.parents[1]),
                       "load_average": os.getloadavg(), "corpus": str(cc.corpus_dir())},
        "targets": TARGETS,
        "summary": bc.summarize(recs),
        "kinds": kind_rows(recs, baselines, ranks),
        "search": search,
        "baselines": {k: {kk: vv for kk, vv in v.items() if kk != "pairs"} for k, v in (baselines or {}).items()},
        "failures": bc.failures(recs, limit=60),
    }
    out = args.out / f"bench_repost_{tag}{'_quick' if args.quick else ''}.json"
    result["pairs"] = recs
    bc.write_result(result, out)
    if not args.no_speed:
        log("speed")
        try:
            result["speed"] = speed_section(built, cache, args.out, 1 if args.quick else 3, log)
        except Exception as exc:  # noqa: BLE001 - report it, keep the accuracy results
            result["speed"] = {"error": f"{type(exc).__name__}: {exc}"}
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    result["pairs"] = result.pop("pairs")  # last key
    bc.write_result(result, out)
    print_report(result)
    print(f"\nwrote {out} ({result['wall_seconds']:.0f} s)")
