"""Candidate stages against compare: every related pair of the compare benchmark that ``compare`` matches must
also be found by the candidate stages (issue 15, item 2).

    python benchmarks/bench_candidates.py [--quick] [--out benchmarks/out]

For each related pair of ``bench_compare.py`` (its variants, insert sources and corpus groups; built or reused from
``--out/compare/``) the pair is scored four ways, each on the two fingerprints alone:

* ``compare``: ``match_fingerprints`` (the verdict is compare's; picture edits need the media, not the verdict);
* ``all-pairs``: scan's candidate test up to ALL_PAIRS_MAX files (``PairTest``);
* ``banded``: scan's candidate stage above ALL_PAIRS_MAX files (each file's signature in one banded index, each
  file probing it, BANDED_MIN_VOTES; and stream copies);
* ``search A->B`` / ``search B->A``: the index holds one side's signature, the other side is the query (votes
  against search's MIN_VOTES).

Listed: the pairs compare matches and a candidate stage misses. Fingerprints are cached in ``--out/fp/``.
Results: ``--out/bench_candidates.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import compare_cases as cc  # noqa: E402

from vidverify import fingerprint, load_fingerprint, save_fingerprint  # noqa: E402
from vidverify.match.candidates import (  # noqa: E402
    BANDED_MIN_VOTES,
    Bands,
    PairTest,
    banded_pairs,
    query_probes,
    sparse_signature,
)
from vidverify.match.streamcopy import shared_pairs  # noqa: E402
from vidverify.match.verdict import match_fingerprints  # noqa: E402
from vidverify.pipeline.index.search import MIN_VOTES  # noqa: E402
from vidverify.signals.fingerprint import Fingerprint  # noqa: E402


def cached_fp(path: str, cache: Path) -> Fingerprint:
    key = hashlib.sha256(f"{Path(path).resolve()}:{Path(path).stat().st_mtime_ns}".encode()).hexdigest()[:20]
    f = cache / f"{key}.vvfp"
    if f.exists():
        try:
            return load_fingerprint(f)
        except Exception:  # noqa: BLE001 - an older format: made again
            pass
    fp = fingerprint(path)
    cache.mkdir(parents=True, exist_ok=True)
    save_fingerprint(fp, f)
    return fp


def search_votes(indexed: Fingerprint, query: Fingerprint) -> float:
    """The votes ``query`` gets for ``indexed`` in an index holding ``indexed`` alone."""
    sig = sparse_signature(indexed)
    bands = Bands(np.array([0], np.int64), np.array([0, len(sig.hashes)], np.int64), *sig)
    ids, votes = bands.votes(query_probes(query))
    return float(votes[0]) if len(ids) else 0.0


def score(fa: Fingerprint, fb: Fingerprint) -> dict[str, Any]:
    t0 = time.perf_counter()
    m = match_fingerprints(fa, fb)
    t1 = time.perf_counter()
    ab, ba = search_votes(fa, fb), search_votes(fb, fa)
    t2 = time.perf_counter()
    banded = set(banded_pairs([fa, fb])) | shared_pairs([fa, fb])
    return {"verdict": m.verdict, "channels": sorted({s.channel for s in m.segments}),
            "all_pairs": bool(PairTest([fa, fb])(0, 1)), "banded": bool(banded),
            "search_ab_votes": round(ab, 2), "search_ba_votes": round(ba, 2),
            "search_ab": ab >= MIN_VOTES, "search_ba": ba >= MIN_VOTES,
            "compare_s": round(t1 - t0, 3), "search_s": round(t2 - t1, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the compare benchmark's quick sources and kinds")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = ap.parse_args()
    work = args.out / "compare"
    work.mkdir(parents=True, exist_ok=True)
    names = list(cc.QUICK_SOURCES if args.quick else cc.SOURCES)
    kinds = list(cc.QUICK_KINDS if args.quick else cc.KINDS)
    sources = [cc.prepare_source(n, work) for n in names]
    variants: dict[tuple[str, str], cc.Case] = {}
    for kind in kinds:
        for i, s in enumerate(sources):
            if cc.KINDS[kind][1](s):
                variants[(s.name, kind)] = cc.build_variant(s, kind, sources, i, work)
    related = list(variants.values()) + cc.insert_source_cases(variants, sources) + [g for g, _ in cc.group_cases()]
    recs = []
    for case in related:
        fa, fb = cached_fp(case.a, args.out / "fp"), cached_fp(case.b, args.out / "fp")
        rec = {"name": case.name, "kind": case.kind, **score(fa, fb)}
        recs.append(rec)
        if rec["verdict"] != "unrelated":
            missed = [k for k in ("all_pairs", "banded", "search_ab", "search_ba") if not rec[k]]
            if missed:
                print(f"MISS {case.name}: {', '.join(missed)} (channels {rec['channels']}, votes "
                      f"{rec['search_ab_votes']}/{rec['search_ba_votes']})", flush=True)
    matched = [r for r in recs if r["verdict"] != "unrelated"]
    summary = {"related": len(recs), "compare_matched": len(matched),
               **{f"{k}_missed": sum(not r[k] for r in matched) for k in ("all_pairs", "banded", "search_ab",
                                                                          "search_ba")},
               "banded_min_votes": BANDED_MIN_VOTES, "search_min_votes": MIN_VOTES}
    out = args.out / "bench_candidates.json"
    out.write_text(json.dumps({"summary": summary, "pairs": recs}, indent=1))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
