"""Accuracy and speed of ``vidverify.compare`` on edited variants of real footage (issue 3's "must show" list).

    python benchmarks/bench_compare.py [--quick] [--out benchmarks/out] [--baselines]

1. Sources: seven real clips of ../shared/corpus (or $VIDVERIFY_CORPUS), each re-encoded once to a constant frame
   rate, first frame at 0.0, at most 20 s. For every edit kind (reencode, trim, cut, insert, speed 0.75x/1.5x,
   mirror, crop, 9:16 centre crop + caption, pad, overlay, color grey/eq, frame-rate, reorder, rotate, blur+noise)
   each source gets an edited variant with frame-exact ground truth (benchmarks/compare_cases.py). Variants and
   their ground truth JSON are cached in --out/compare/.
2. The corpus README's real duplicate groups (pattern, rocket, carphone, fades/delayed_start) with their known
   relation.
3. Unrelated pairs, 3x as many as related ones: every pair of distinct corpus clips, the same-phone hard
   negatives (doorknob vs pattern and their variants), then a seeded random draw among all files whose footage
   is disjoint.
4. Each pair is scored with ``vidverify.compare.compare(A, B)`` on the media files (A = original, B = variant):
   related recall (verdict != "unrelated"), false-positive rate, boundary errors (for each ground-truth segment
   boundary, the distance to the nearest predicted boundary on the same timeline; pairs with segments), temporal
   IoU on A's and B's timelines (0 for a missed pair), mapping accuracy (share of B's matched time whose predicted
   A time is within 0.1 s with the right mirroring), edit-type recall and false cut/insert on pure re-encodes.
   Every file is fingerprinted once per run (an in-process cache around compare's ``load_or_compute``).
5. Speed: ``match_fingerprints`` on two 10-minute dense fingerprints (concatenated corpus fingerprints), and
   ``compare`` on two files against fingerprinting both (uncached, interleaved, median of 3).
6. ``--baselines``: the same pairs with videohash, vPDQ and FFmpeg's signature filter (compare_baselines.py), one
   F1 table.
Writes ``bench_compare.json`` (``bench_compare_quick.json`` with --quick) in --out and prints the tables.
``--set repost`` runs issue 15's re-post set instead (``bench_repost.py``, with this file's scoring).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare_cases as cc  # noqa: E402

from vidverify.match.verdict import match_fingerprints  # noqa: E402
from vidverify.media.ffmpeg import ffmpeg_version  # noqa: E402
from vidverify.pipeline.ingest import fingerprint  # noqa: E402
from vidverify.signals.fingerprint import Fingerprint  # noqa: E402

compare_mod = importlib.import_module("vidverify.pipeline.comparison")
# the raw evidence behind a verdict's confidence (absent before the calibration: a run of older code still scores)
_evidence = getattr(importlib.import_module("vidverify.match.verdict"), "evidence", None)

TARGETS = {"recall": 0.98, "fpr": 0.005, "boundary_median_s": 0.2, "boundary_p95_s": 0.5, "iou_median": 0.9,
           "edit_recall": 0.9, "match_10min_s": 1.0, "compare_ratio": 1.2}
MAP_TOLERANCE_S = 0.1
LONG_SECONDS = 600.0
NON_EDIT_TYPES = {"reencode", "scale"}  # reported for nearly every variant: not counted as spurious


# ----------------------------------------------------------------------------------------------- fingerprints


class FingerprintCache:
    """Wraps compare's ``load_or_compute`` so that each file is fingerprinted once per run; compare still gets
    the media paths (anything it reads from the media itself is unaffected)."""

    def __init__(self) -> None:
        self.store: dict[tuple[str, int, str], Fingerprint] = {}
        self.orig = getattr(compare_mod, "load_or_compute", None)
        self.seconds = 0.0

    def get(self, path: str, **kwargs: Any) -> Fingerprint:
        p = os.path.abspath(os.fspath(path))
        key = (p, os.stat(p).st_mtime_ns, repr(sorted(kwargs.items())))
        if key not in self.store:
            t0 = time.perf_counter()
            fn = self.orig or (lambda q, **kw: fingerprint(q, **kw))
            self.store[key] = fn(path, **kwargs)
            self.seconds += time.perf_counter() - t0
        return self.store[key]

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if self.orig is None:
            yield
            return
        compare_mod.load_or_compute = self.get  # type: ignore[attr-defined]
        try:
            yield
        finally:
            compare_mod.load_or_compute = self.orig  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------------------------- metrics


def _merge(iv: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for s, e in sorted((min(s, e), max(s, e)) for s, e in iv):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _length(iv: list[tuple[float, float]]) -> float:
    return sum(e - s for s, e in iv)


def iou(gt: list[tuple[float, float]], pred: list[tuple[float, float]]) -> float:
    g, p = _merge(gt), _merge(pred)
    inter = sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in g for s2, e2 in p)
    union = _length(g) + _length(p) - inter
    return inter / union if union > 0 else 0.0


def boundary_errors(gt: list[cc.GTSegment], pred: list[dict[str, Any]], side: str, duration: float | None,
                    ) -> list[tuple[float, bool]]:
    """(error, interior) for each distinct ground-truth boundary on ``side``'s timeline ("a" or "b")."""
    g = sorted({round(getattr(s, f"{side}_{e}"), 4) for s in gt for e in ("start", "end")})
    p = [x for s in pred for x in (s[f"{side}_start"], s[f"{side}_end"])]
    if not p:
        return []
    frame = 0.05
    out = []
    for x in g:
        interior = x > frame and (duration is None or x < duration - frame)
        out.append((min(abs(x - y) for y in p), interior))
    return out


def mapping_accuracy(gt: list[cc.GTSegment], pred: list[dict[str, Any]], step: float = 0.02) -> float:
    """Share of B's ground-truth matched time where a predicted segment maps B time to the right A time."""
    total = good = 0
    for g in gt:
        for t in np.arange(g.b_start + step / 2, g.b_end, step):
            total += 1
            a_true = g.a_start + (t - g.b_start) / g.speed
            for s in pred:
                if s["b_start"] <= t < s["b_end"] and s["mirrored"] == g.mirrored:
                    sp = s.get("speed") or 1.0
                    if abs(s["a_start"] + (t - s["b_start"]) / sp - a_true) <= MAP_TOLERANCE_S:
                        good += 1
                        break
    return good / total if total else 0.0


def expected_verdict(case: cc.Case) -> str:
    cov_a = _length(_merge([(s.a_start, s.a_end) for s in case.segments])) / (case.a_duration or 1)
    cov_b = _length(_merge([(s.b_start, s.b_end) for s in case.segments])) / (case.b_duration or 1)
    return "same-footage" if max(cov_a, cov_b) >= 0.9 else "partial-overlap"


def pct(xs: list[float], q: float) -> float | None:
    return float(np.percentile(xs, q)) if xs else None


def med(xs: list[float]) -> float | None:
    return float(statistics.median(xs)) if xs else None


def seg_str(s: dict[str, Any] | cc.GTSegment) -> str:
    d = s if isinstance(s, dict) else s.__dict__
    extra = (f" x{1 / d['speed']:.2f}" if abs(d.get("speed", 1.0) - 1) > 0.01 else "") + (
        " mirrored" if d.get("mirrored") else "") + (f" [{d['channel']}]" if d.get("channel", "full") != "full" else "")
    return f"A{d['a_start']:.2f}-{d['a_end']:.2f}>B{d['b_start']:.2f}-{d['b_end']:.2f}{extra}"


# ----------------------------------------------------------------------------------------------- scoring


def score_case(case: cc.Case, cache: FingerprintCache | None = None) -> dict[str, Any]:
    fp0 = cache.seconds if cache else 0.0
    t0 = time.perf_counter()
    try:
        m = compare_mod.compare(case.a, case.b)
        err = None
    except Exception as exc:  # noqa: BLE001 - a crash is a result too
        m, err = None, f"{type(exc).__name__}: {exc}"
    fp_sec = (cache.seconds - fp0) if cache else 0.0
    sec = time.perf_counter() - t0 - fp_sec  # compare's own time, without first-time fingerprinting
    rec: dict[str, Any] = {"name": case.name, "kind": case.kind, "a": case.a, "b": case.b, "related": case.related,
                           "note": case.note, "seconds": round(sec, 3), "fingerprint_seconds": round(fp_sec, 3),
                           "error": err}
    if m is None:
        rec.update(verdict="error", segments=[], types=[], confidence=None)
    else:
        d = m.to_dict()
        rec.update(verdict=d["verdict"], confidence=d.get("confidence"), similarity=d["similarity"],
                   coverage=d["coverage"], segments=d["segments"],
                   edits=[{k: e.get(k) for k in ("type", "a_start", "a_end", "b_start", "b_end")} for e in d["edits"]],
                   types=sorted({e["type"] for e in d["edits"]}))
    rec["detected"] = rec["verdict"] not in ("unrelated", "error")
    if m is not None and m.verdict != "identical" and cache is not None and _evidence is not None:
        # the raw evidence behind the confidence, for benchmarks/calibrate.py
        rec["evidence"] = {k: round(v, 4) for k, v in _evidence(list(m.segments), cache.get(case.a),
                                                                 cache.get(case.b)).items()}
    if not case.related:
        return rec
    gt, pred = case.segments, rec["segments"]
    rec["gt_segments"] = [s.__dict__ for s in gt]
    rec["expected_types"] = case.expected_types
    rec["expected_verdict"] = expected_verdict(case)
    rec["pure_reencode"] = case.pure_reencode
    rec["missing_types"] = [t for t in case.expected_types if t not in rec["types"]]
    rec["allowed_types"] = case.allowed_types
    rec["extra_types"] = [t for t in rec["types"] if t not in case.expected_types and t not in NON_EDIT_TYPES
                          and t not in case.allowed_types]
    ba = boundary_errors(gt, pred, "a", case.a_duration)
    bb = boundary_errors(gt, pred, "b", case.b_duration)
    rec["boundary_errors"] = [round(e, 4) for e, _ in ba + bb]
    rec["interior_boundary_errors"] = [round(e, 4) for e, i in ba + bb if i]
    rec["iou_a"] = round(iou([(s.a_start, s.a_end) for s in gt], [(s["a_start"], s["a_end"]) for s in pred]), 4)
    rec["iou_b"] = round(iou([(s.b_start, s.b_end) for s in gt], [(s["b_start"], s["b_end"]) for s in pred]), 4)
    rec["map_acc"] = round(mapping_accuracy(gt, pred), 4)
    return rec


CONFIDENCE_BINS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999)


def reliability(recs: list[dict[str, Any]], key: str = "confidence") -> list[dict[str, Any]]:
    """Per verdict class (a match, or ``unrelated``) and bin of ``key`` (the confidence): pairs, mean confidence
    and the share whose verdict was right (a match on a related pair, ``unrelated`` on an unrelated one)."""
    rows = []
    for cls in ("match", "unrelated"):
        mine = [r for r in recs if r.get(key) is not None and r["verdict"] != "error"
                and (r["detected"] == (cls == "match"))]
        for lo, hi in zip(CONFIDENCE_BINS, (*CONFIDENCE_BINS[1:], 1.01), strict=True):
            got = [r for r in mine if lo <= r[key] < hi]
            if got:
                rows.append({"verdict": cls, "bin": [lo, min(hi, 1.0)], "pairs": len(got),
                             "mean_confidence": round(float(np.mean([r[key] for r in got])), 4),
                             "accuracy": round(sum(r["detected"] == r["related"] for r in got) / len(got), 4)})
    return rows


def label_scores(recs: list[dict[str, Any]]) -> dict[str, Any]:
    """Edit-label precision and recall on the related pairs, per type and overall. Labels are edit types other
    than ``reencode``/``scale``; a predicted label in the pair's ``allowed_types`` counts neither way. Precision:
    predicted labels that were expected; recall: expected labels that were predicted (a missed pair predicts
    none). A rate without anything to count is None."""
    predicted: Counter[str] = Counter()
    right: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for r in recs:
        if not r["related"]:
            continue
        exp = set(r["expected_types"]) - NON_EDIT_TYPES
        got = set(r["types"]) - NON_EDIT_TYPES
        for t in exp:
            expected[t] += 1
            found[t] += t in got
        for t in got - set(r.get("allowed_types") or []):
            predicted[t] += 1
            right[t] += t in exp

    def rate(num: int, den: int) -> float | None:
        return round(num / den, 4) if den else None

    types = sorted(set(predicted) | set(expected))
    return {
        "precision": rate(sum(right.values()), sum(predicted.values())),
        "recall": rate(sum(found.values()), sum(expected.values())),
        "predicted": sum(predicted.values()), "expected": sum(expected.values()),
        "per_type": {t: {"precision": rate(right[t], predicted[t]), "recall": rate(found[t], expected[t]),
                         "predicted": predicted[t], "right": right[t], "expected": expected[t], "found": found[t]}
                     for t in types},
    }


def summarize(recs: list[dict[str, Any]]) -> dict[str, Any]:
    rel = [r for r in recs if r["related"]]
    unrel = [r for r in recs if not r["related"]]
    bnd = [e for r in rel for e in r.get("boundary_errors", [])]
    inner = [e for r in rel for e in r.get("interior_boundary_errors", [])]
    fp = [r for r in unrel if r["detected"]]
    types: dict[str, list[bool]] = defaultdict(list)
    for r in rel:
        for t in r["expected_types"]:
            types[t].append(t in r["types"])
    pure = [r for r in rel if r["pure_reencode"]]
    false_ci = [r for r in pure if {"cut", "insert"} & set(r["types"])]
    spurious = Counter(t for r in rel for t in r.get("extra_types", []))
    return {
        "related_pairs": len(rel),
        "unrelated_pairs": len(unrel),
        "recall": round(sum(r["detected"] for r in rel) / len(rel), 4) if rel else None,
        "verdict_exact": round(sum(r["verdict"] == r["expected_verdict"] for r in rel) / len(rel), 4) if rel else None,
        "false_positives": len(fp),
        "fpr": round(len(fp) / len(unrel), 4) if unrel else None,
        "boundary_count": len(bnd),
        "boundary_median_s": _r(med(bnd)),
        "boundary_p95_s": _r(pct(bnd, 95)),
        "interior_boundary_count": len(inner),
        "interior_boundary_median_s": _r(med(inner)),
        "interior_boundary_p95_s": _r(pct(inner, 95)),
        "iou_a_median": _r(med([r["iou_a"] for r in rel])),
        "iou_b_median": _r(med([r["iou_b"] for r in rel])),
        "iou_mean": _r(float(np.mean([(r["iou_a"] + r["iou_b"]) / 2 for r in rel])) if rel else None),
        "map_acc_median": _r(med([r["map_acc"] for r in rel])),
        "map_acc_mean": _r(float(np.mean([r["map_acc"] for r in rel])) if rel else None),
        "edit_recall": {t: {"recall": round(sum(v) / len(v), 4), "n": len(v)} for t, v in sorted(types.items())},
        "pure_reencode_pairs": len(pure),
        "false_cut_insert_on_reencodes": len(false_ci),
        "false_cut_insert_pairs": [r["name"] for r in false_ci],
        "spurious_types": dict(spurious.most_common()),
        "labels": label_scores(recs),
        "errors": [r["name"] for r in recs if r["error"]],
        # compare() time per pair once both fingerprints are cached: the matching and picture work alone
        "pair_seconds": {k: {"median": _r(med(v), 3), "p95": _r(pct(v, 95), 3), "max": _r(max(v, default=None), 3)}
                         for k, v in (("related", [r["seconds"] for r in rel]),
                                      ("unrelated", [r["seconds"] for r in unrel]))},
    }


def _r(x: float | None, n: int = 4) -> float | None:
    return None if x is None else round(x, n)


def per_kind(recs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    kinds: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in recs:
        if r["related"]:
            kinds[r["kind"]].append(r)
    for kind, rs in kinds.items():
        bnd = [e for r in rs for e in r.get("boundary_errors", [])]
        with_types = [r for r in rs if r["expected_types"]]
        out[kind] = {
            "n": len(rs),
            "recall": round(sum(r["detected"] for r in rs) / len(rs), 3),
            "verdict_exact": round(sum(r["verdict"] == r["expected_verdict"] for r in rs) / len(rs), 3),
            "boundary_median_s": _r(med(bnd), 3),
            "boundary_p95_s": _r(pct(bnd, 95), 3),
            "iou_a_median": _r(med([r["iou_a"] for r in rs]), 3),
            "iou_b_median": _r(med([r["iou_b"] for r in rs]), 3),
            "map_acc_median": _r(med([r["map_acc"] for r in rs]), 3),
            "edit_recall": (round(sum(not r["missing_types"] for r in with_types) / len(with_types), 3)
                            if with_types else None),
            "expected_types": sorted({t for r in rs for t in r["expected_types"]}),
            "spurious": dict(Counter(t for r in rs for t in r.get("extra_types", [])).most_common(3)),
            "label_precision": (lab := label_scores(rs))["precision"],
            "label_recall": lab["recall"],
        }
    return out


def failures(recs: list[dict[str, Any]], limit: int = 40) -> list[dict[str, Any]]:
    """The worst results, most severe first: missed related pairs, false positives, wrong timelines, missing
    edit types."""
    out = []
    for r in recs:
        pred = "; ".join(seg_str(s) for s in r["segments"][:4]) + (" ..." if len(r["segments"]) > 4 else "")
        got = f"{r['verdict']} [{pred}] types={','.join(r['types'])}"
        if not r["related"]:
            if r["detected"]:
                out.append({"severity": 3, "pair": r["name"], "problem": "false positive",
                            "expected": "unrelated", "predicted": got, "confidence": r.get("confidence")})
            continue
        exp = f"{r['expected_verdict']} [{'; '.join(seg_str(cc.GTSegment(**s)) for s in r['gt_segments'])}] " \
              f"types={','.join(r['expected_types'])}"
        if not r["detected"]:
            out.append({"severity": 3, "pair": r["name"], "problem": "missed" if not r["error"] else r["error"],
                        "expected": exp, "predicted": got, "confidence": r.get("confidence")})
            continue
        worst_b = max(r["boundary_errors"], default=0.0)
        problems = []
        if r["map_acc"] < 0.9 or min(r["iou_a"], r["iou_b"]) < 0.9:
            problems.append(f"timeline: IoU a={r['iou_a']:.2f} b={r['iou_b']:.2f}, mapping {r['map_acc']:.2f}")
        if worst_b > 0.5:
            problems.append(f"boundary off by {worst_b:.2f} s")
        if r["missing_types"]:
            problems.append(f"missing type {','.join(r['missing_types'])}")
        if r["pure_reencode"] and {"cut", "insert"} & set(r["types"]):
            problems.append("false cut/insert on a pure re-encode")
        if problems:
            sev = 2 if problems[0].startswith(("timeline", "boundary")) else 1
            out.append({"severity": sev, "pair": r["name"], "problem": "; ".join(problems), "expected": exp,
                        "predicted": got, "confidence": r.get("confidence")})
    out.sort(key=lambda f: (-f["severity"], f["pair"]))
    return out[:limit]


def f1_table(recs: list[dict[str, Any]], baselines: dict[str, Any] | None) -> dict[str, Any]:
    truth = [r["related"] for r in recs]

    def stats(pred: list[bool | None], scores: list[float | None] | None = None) -> dict[str, Any]:
        p = [bool(x) for x in pred]
        tp = sum(a and b for a, b in zip(p, truth, strict=True))
        fp = sum(a and not b for a, b in zip(p, truth, strict=True))
        fn = sum(not a and b for a, b in zip(p, truth, strict=True))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        out = {"precision": round(prec, 4), "recall": round(rec, 4),
               "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0,
               "fpr": round(fp / max(1, sum(not t for t in truth)), 4), "failed": sum(x is None for x in pred)}
        if scores is not None and any(s is not None for s in scores):
            best = 0.0
            vals = sorted({s for s in scores if s is not None})
            for th in vals:
                q = [s is not None and s >= th for s in scores]
                tp2 = sum(a and b for a, b in zip(q, truth, strict=True))
                fp2 = sum(a and not b for a, b in zip(q, truth, strict=True))
                fn2 = sum(not a and b for a, b in zip(q, truth, strict=True))
                if tp2:
                    best = max(best, 2 * tp2 / (2 * tp2 + fp2 + fn2))
            out["f1_best_threshold"] = round(best, 4)
        return out

    table = {"vidverify": stats([r["detected"] for r in recs])}
    for name, b in (baselines or {}).items():
        if not b.get("available"):
            table[name] = {"available": False, "about": b.get("about")}
            continue
        table[name] = stats([p["related"] for p in b["pairs"]], [p.get("score") for p in b["pairs"]])
        table[name]["about"] = b.get("about")
        table[name]["seconds"] = b.get("seconds")
    return table


# ----------------------------------------------------------------------------------------------- speed


def concat_fingerprints(fps: list[Fingerprint], seconds: float, name: str) -> Fingerprint:
    """A ``seconds``-long dense fingerprint made by cycling through ``fps`` (times shifted end to end). Every
    per-frame array of the Fingerprint dataclass is concatenated, whatever the fingerprint format holds."""
    first = fps[0]
    names = [f.name for f in dataclasses.fields(first)
             if isinstance(getattr(first, f.name), np.ndarray) and len(getattr(first, f.name)) == len(first)]
    cols: dict[str, list[np.ndarray]] = defaultdict(list)
    t0 = 0.0
    i = 0
    while t0 < seconds:
        fp = fps[i % len(fps)]
        i += 1
        step = float(np.median(np.diff(fp.times))) if len(fp) > 1 else 1 / 30
        t = fp.times - fp.times[0] + t0
        keep = t < seconds
        for a in names:
            cols[a].append(t[keep] if a == "times" else np.asarray(getattr(fp, a))[keep])
        t0 = float(t[-1]) + step
    arr = {k: np.concatenate(v) for k, v in cols.items()}
    return dataclasses.replace(first, path=name, sha256=None, size=None, duration=seconds, active_area=None,
                               **arr)


def time_match(fa: Fingerprint, fb: Fingerprint, repeat: int) -> dict[str, Any]:
    times, m = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        m = match_fingerprints(fa, fb)
        times.append(time.perf_counter() - t0)
    assert m is not None
    return {"frames_a": len(fa), "frames_b": len(fb), "seconds": [round(x, 3) for x in times],
            "median_s": round(statistics.median(times), 3), "verdict": m.verdict, "segments": len(m.segments)}


def speed_section(cache: FingerprintCache, sources: list[cc.Source], variants: dict[tuple[str, str], cc.Case],
                  pair: tuple[str, str], repeat: int) -> dict[str, Any]:
    res: dict[str, Any] = {}
    have = {s.name for s in sources}
    x_names = [n for n in ("testvideo", "bikes", "bigbuckbunny", "karma", "rocket") if n in have]
    y_paths = [str(s.path) for s in sources if s.name not in x_names] + [
        str(cc.corpus_dir() / p) for p, _ in cc.NEGATIVES.values()]
    x = [cache.get(str(s.path)) for n in x_names for s in sources if s.name == n]
    xr = [cache.get(variants[(n, "reencode")].b) for n in x_names[::-1] if (n, "reencode") in variants]
    y = [cache.get(p) for p in y_paths]
    long_a = concat_fingerprints(x, LONG_SECONDS, "10min-A")
    cases = {"related: same clips re-encoded, other order": concat_fingerprints(xr or x, LONG_SECONDS, "10min-B"),
             "unrelated: other clips": concat_fingerprints(y, LONG_SECONDS, "10min-C")}
    res["match_fingerprints_10min"] = {k: time_match(long_a, v, repeat) for k, v in cases.items()}
    res["match_fingerprints_10min_worst_s"] = max(v["median_s"] for v in res["match_fingerprints_10min"].values())

    # compare(A, B) on files vs fingerprinting both, uncached, interleaved
    a, b = pair
    fp_t, cmp_t = [], []
    fingerprint(a)  # warm the page cache and the imports
    for _ in range(repeat):
        t0 = time.perf_counter()
        fingerprint(a)
        fingerprint(b)
        fp_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        compare_mod.compare(a, b)
        cmp_t.append(time.perf_counter() - t0)
    ratios = [c / f for c, f in zip(cmp_t, fp_t, strict=True)]
    res["compare_vs_fingerprint"] = {"a": a, "b": b, "fingerprint_both_s": [round(x, 3) for x in fp_t],
                                     "compare_s": [round(x, 3) for x in cmp_t],
                                     "ratio_median": round(statistics.median(ratios), 3)}
    return res


# ----------------------------------------------------------------------------------------------- output


def fmt(x: Any, spec: str = ".3f") -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return format(x, spec)
    return str(x)


def print_reliability(rows: list[dict[str, Any]], title: str = "confidence reliability") -> None:
    print(f"\n== {title}: among verdicts given confidence c, the share right ==")
    print(f"{'verdict':<10}{'confidence bin':>16}{'pairs':>7}{'mean conf':>10}{'accuracy':>9}")
    for r in rows:
        print(f"{r['verdict']:<10}{r['bin'][0]:>8.3f}-{r['bin'][1]:<7.3f}{r['pairs']:>7}{r['mean_confidence']:>10.4f}"
              f"{r['accuracy']:>9.4f}")


def print_report(result: dict[str, Any]) -> None:
    s = result["summary"]
    p = print
    print_reliability(result.get("reliability", []))
    p("\n== compare accuracy: per edit kind ==")
    hdr = f"{'kind':<22}{'n':>3} {'recall':>6} {'verdict':>7} {'bnd med':>7} {'bnd p95':>7} {'IoU a':>6} " \
          f"{'IoU b':>6} {'map':>5} {'types':>5}  expected / spurious"
    p(hdr)
    for kind, k in result["per_kind"].items():
        p(f"{kind:<22}{k['n']:>3} {fmt(k['recall'], '.2f'):>6} {fmt(k['verdict_exact'], '.2f'):>7} "
          f"{fmt(k['boundary_median_s']):>7} {fmt(k['boundary_p95_s']):>7} {fmt(k['iou_a_median'], '.2f'):>6} "
          f"{fmt(k['iou_b_median'], '.2f'):>6} {fmt(k['map_acc_median'], '.2f'):>5} "
          f"{fmt(k['edit_recall'], '.2f'):>5}  {','.join(k['expected_types']) or '-'} / "
          f"{','.join(f'{t}:{n}' for t, n in k['spurious'].items()) or '-'}")
    p("\n== overall ==")
    rows = [
        ("related pairs / unrelated pairs", f"{s['related_pairs']} / {s['unrelated_pairs']}", ""),
        ("related recall (verdict != unrelated)", fmt(s["recall"], ".4f"), f">= {TARGETS['recall']}"),
        ("verdict exact (same-footage/partial)", fmt(s["verdict_exact"], ".4f"), ""),
        ("false-positive rate (unrelated pairs)", f"{fmt(s['fpr'], '.4f')} ({s['false_positives']})",
         f"<= {TARGETS['fpr']}"),
        ("boundary error median / p95 (s)", f"{fmt(s['boundary_median_s'])} / {fmt(s['boundary_p95_s'])} "
         f"(n={s['boundary_count']})", f"<= {TARGETS['boundary_median_s']} / {TARGETS['boundary_p95_s']}"),
        ("  interior boundaries only", f"{fmt(s['interior_boundary_median_s'])} / "
         f"{fmt(s['interior_boundary_p95_s'])} (n={s['interior_boundary_count']})", ""),
        ("temporal IoU median, A / B timeline", f"{fmt(s['iou_a_median'])} / {fmt(s['iou_b_median'])}",
         f">= {TARGETS['iou_median']}"),
        ("mapping accuracy median / mean", f"{fmt(s['map_acc_median'])} / {fmt(s['map_acc_mean'])}", ""),
        ("false cut/insert on pure re-encodes", f"{s['false_cut_insert_on_reencodes']} of "
         f"{s['pure_reencode_pairs']} pairs", "0"),
        ("compare s/pair (cached fps) rel / unrel", f"median {fmt(s['pair_seconds']['related']['median'])} / "
         f"{fmt(s['pair_seconds']['unrelated']['median'])}, p95 {fmt(s['pair_seconds']['related']['p95'])} / "
         f"{fmt(s['pair_seconds']['unrelated']['p95'])}", ""),
    ]
    for name, val, tgt in rows:
        p(f"{name:<40}{val:<34}{tgt}")
    p("\nedit-type recall (target >= 0.9 each):")
    for t, v in s["edit_recall"].items():
        p(f"  {t:<12}{v['recall']:.2f}  (n={v['n']})")
    if s["spurious_types"]:
        p("spurious types on related pairs: " + ", ".join(f"{t}:{n}" for t, n in s["spurious_types"].items()))
    lab = s["labels"]
    p(f"edit labels: precision {fmt(lab['precision'], '.2f')} ({lab['predicted']} predicted), recall "
      f"{fmt(lab['recall'], '.2f')} ({lab['expected']} expected)")
    sp = result.get("speed")
    if sp and "error" in sp:
        p(f"\n== speed ==\nfailed: {sp['error']}")
    elif sp:
        p("\n== speed ==")
        for k, v in sp["match_fingerprints_10min"].items():
            p(f"match_fingerprints, two 10-min dense fingerprints ({v['frames_a']} x {v['frames_b']} frames), {k}: "
              f"{v['median_s']:.3f} s (target < {TARGETS['match_10min_s']})")
        c = sp["compare_vs_fingerprint"]
        p(f"compare(A, B) / fingerprint(A)+fingerprint(B): {c['ratio_median']:.3f} (target <= "
          f"{TARGETS['compare_ratio']}); {Path(c['a']).name} vs {Path(c['b']).name}: compare "
          f"{statistics.median(c['compare_s']):.2f} s, fingerprints {statistics.median(c['fingerprint_both_s']):.2f} s")
    f1 = result.get("f1")
    if f1:
        p("\n== same pairs, other tools ==")
        p(f"{'method':<12}{'F1':>6}{'prec':>7}{'recall':>7}{'FPR':>7}{'bestF1':>8}{'time s':>8}  note")
        for name, v in f1.items():
            if v.get("available") is False:
                p(f"{name:<12}{'n/a':>6}  {v.get('about')}")
                continue
            p(f"{name:<12}{v['f1']:>6.3f}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['fpr']:>7.3f}"
              f"{fmt(v.get('f1_best_threshold')):>8}{fmt(v.get('seconds'), '.0f'):>8}  {v.get('about') or ''}")
    p("\n== worst failures ==")
    for f in result["failures"]:
        p(f"[{f['severity']}] {f['pair']}: {f['problem']}\n      expected  {f['expected']}\n      predicted "
          f"{f['predicted']}")


def git_state(root: Path | None = None) -> dict[str, Any]:
    """The commit and whether ``src`` has changes, of ``root`` (default: this checkout)."""
    root = root or Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "src"], cwd=root, capture_output=True, text=True,
                               check=False).stdout.strip()
        return {"commit": head, "src_dirty": bool(dirty)}
    except OSError:
        return {}


# ----------------------------------------------------------------------------------------------- main

_WORKER_CACHE: FingerprintCache | None = None


def _score_worker(case: cc.Case) -> dict[str, Any]:
    return score_case(case, _WORKER_CACHE)


def write_result(result: dict[str, Any], out: Path) -> None:
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n")
    os.replace(tmp, out)



def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 sources, 6 edit kinds, 2 groups (< 2 minutes)")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    ap.add_argument("--baselines", action="store_true", help="also score videohash, vPDQ and FFmpeg signature")
    ap.add_argument("--no-speed", action="store_true", help="skip the speed section")
    ap.add_argument("--jobs", type=int, default=2, help="processes scoring pairs (fingerprints are made first)")
    ap.add_argument("--set", choices=("edits", "repost"), default="edits",
                    help="edits: edited variants and corpus groups (this file); repost: issue 15's re-posts and "
                         "hard negatives (bench_repost.py)")
    ap.add_argument("--tag", help="repost: results go to --out/bench_repost_TAG[_quick].json (default: the name of "
                                  "the folder vidverify is imported from)")
    ap.add_argument("--no-baselines", action="store_true", help="repost: skip FFmpeg signature and vPDQ")
    args = ap.parse_args()
    if args.set == "repost":
        import bench_repost

        bench_repost.run(args)
        return
    if not cc.corpus_dir().is_dir():
        raise SystemExit(f"corpus not found at {cc.corpus_dir()} (set VIDVERIFY_CORPUS)")
    work = args.out / "compare"
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {msg}", file=sys.stderr, flush=True)

    names = list(cc.QUICK_SOURCES if args.quick else cc.SOURCES)
    kinds = list(cc.QUICK_KINDS if args.quick else cc.KINDS)
    log(f"preparing {len(names)} sources")
    sources = [cc.prepare_source(n, work) for n in names]
    variants: dict[tuple[str, str], cc.Case] = {}
    for kind in kinds:
        _, applies = cc.KINDS[kind]
        for i, s in enumerate(sources):
            if applies(s):
                variants[(s.name, kind)] = cc.build_variant(s, kind, sources, i, work)
        log(f"variants: {kind} ready")
    groups = cc.group_cases()
    if args.quick:
        groups = [g for g in groups if g[0].name in ("pattern/sd-grey-bar", "carphone/distorted")]
    related = list(variants.values()) + cc.insert_source_cases(variants, sources) + [g for g, _ in groups]

    pool: list[tuple[str, str, frozenset[str]]] = [(s.name, str(s.path), frozenset([s.name])) for s in sources]
    pool += [(n, str(cc.corpus_dir() / p), frozenset([c])) for n, (p, c) in cc.NEGATIVES.items()]
    pool += [(c.name, c.b, frozenset(cc.variant_contents(c))) for c in variants.values()]
    pool += [(g.name, g.b, frozenset([content])) for g, content in groups]
    if args.quick:
        pool.append(("pattern", str(cc.corpus_dir() / cc.SOURCES["pattern"]), frozenset(["pattern"])))
    unrelated = cc.unrelated_cases(pool, 3 * len(related))
    cases = related + unrelated
    log(f"{len(related)} related and {len(unrelated)} unrelated pairs")

    cache = FingerprintCache()
    files = list(dict.fromkeys(p for c in cases for p in (c.a, c.b)))
    for i, f in enumerate(files):
        cache.get(f)
        if i % 25 == 0:
            log(f"fingerprinted {i}/{len(files)} files")
    log(f"{len(files)} files fingerprinted in {cache.seconds:.0f} s; scoring with {args.jobs} process(es)")
    recs: list[dict[str, Any]] = []
    with cache.installed():
        global _WORKER_CACHE
        _WORKER_CACHE = cache
        if args.jobs > 1:
            ctx = multiprocessing.get_context("fork")  # workers inherit the fingerprints and the installed cache
            with ctx.Pool(args.jobs) as pool:
                for i, rec in enumerate(pool.imap(_score_worker, cases, chunksize=2)):
                    recs.append(rec)
                    if i % 50 == 0:
                        log(f"scored {i}/{len(cases)}")
        else:
            for i, case in enumerate(cases):
                recs.append(score_case(case, cache))
                if i % 50 == 0:
                    log(f"scored {i}/{len(cases)}")
    log(f"scored {len(cases)} pairs")

    result: dict[str, Any] = {
        "schema": "vidverify-bench/compare@1",
        "quick": args.quick,
        "conditions": {"ffmpeg": ffmpeg_version(), "cpus": os.cpu_count(), "python": sys.version.split()[0],
                       **git_state(), "corpus": str(cc.corpus_dir())},
        "targets": TARGETS,
        "summary": summarize(recs),
        "per_kind": per_kind(recs),
        "reliability": reliability(recs),
        "sources": [{"name": s.name, "path": s.path.name, "fps": round(float(s.rate), 3), "frames": s.frames,
                     "size": f"{s.width}x{s.height}", "duration": round(s.duration, 3)} for s in sources],
        "failures": failures(recs),
        "fingerprint_seconds": round(cache.seconds, 1),
        "score_seconds": round(sum(r["seconds"] for r in recs), 1),
    }
    out = args.out / ("bench_compare_quick.json" if args.quick else "bench_compare.json")
    result["pairs"] = recs
    write_result(result, out)  # the scores are safe even if a later section fails
    if not args.no_speed:
        log("speed")
        pair = (str(cc.corpus_dir() / "videohash/rocket_3187a8a.webm"), str(cc.corpus_dir() / "videohash/rocket.mkv"))
        if args.quick:
            pair = (str(sources[0].path), variants[(sources[0].name, "reencode")].b)
        try:
            result["speed"] = speed_section(cache, sources, variants, pair, repeat=1 if args.quick else 3)
        except Exception as exc:  # noqa: BLE001 - report it, keep the accuracy results
            result["speed"] = {"error": f"{type(exc).__name__}: {exc}"}
            log(f"speed section failed: {exc}")
    baselines = None
    if args.baselines:
        import compare_baselines

        log("baselines")
        baselines = compare_baselines.run_baselines([(c.a, c.b) for c in cases], args.out,
                                                    progress=lambda m: log(m))
        result["baselines"] = {k: {kk: vv for kk, vv in v.items() if kk != "pairs"} for k, v in baselines.items()}
        for name, b in baselines.items():
            for r, p in zip(recs, b.get("pairs", []), strict=False):
                r.setdefault("baselines", {})[name] = p
    result["f1"] = f1_table(recs, baselines)
    result.pop("pairs")
    result["pairs"] = recs  # last key: the per-pair records
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    write_result(result, out)
    print_report(result)
    print(f"\nwrote {out} ({result['wall_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
