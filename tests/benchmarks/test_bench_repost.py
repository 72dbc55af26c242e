"""benchmarks/bench_repost.py and repost_cases.py (issue 15's re-post benchmark): the scoring of made-up
predictions (edit-label precision/recall, per-kind recall, false-positive rate, IoU, search rank) and the
ground-truth arithmetic of the cases, without media (the cases themselves need the shared corpus)."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

import pytest

from tests import ROOT


@pytest.fixture(scope="module")
def mods() -> dict[str, ModuleType]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return {n: importlib.import_module(n) for n in ("bench_compare", "bench_repost", "repost_cases",
                                                         "compare_cases")}
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def _rec(kind: str, related: bool, detected: bool, expected: list[str] | None = None,
         types: list[str] | None = None, allowed: list[str] | None = None, iou: float = 1.0,
         sig: bool | None = None) -> dict[str, Any]:
    r: dict[str, Any] = {"name": f"{kind}-{id(expected)}-{detected}", "kind": kind, "related": related,
                         "detected": detected, "types": types or [], "expected_types": expected or [],
                         "allowed_types": allowed or [], "iou_a": iou, "iou_b": iou}
    if sig is not None:
        r["baselines"] = {"signature": {"related": sig}}
    return r


def test_label_scores_count_expected_and_spurious_types(mods: dict[str, ModuleType]) -> None:
    recs = [
        _rec("duet", True, True, ["pad"], ["pad", "trim", "reencode", "scale"]),  # trim false, the rest ignored
        _rec("duet", True, False, ["pad"], []),  # missed: pad not found
        _rec("refilm", True, True, ["pad"], ["pad", "rotate"], allowed=["rotate"]),  # rotate allowed: not counted
        _rec("x", False, True, [], ["cut"]),  # a negative's labels are not label errors (it is a false positive)
    ]
    lab = mods["bench_compare"].label_scores(recs)
    assert lab["per_type"]["pad"] == {"precision": 1.0, "recall": round(2 / 3, 4), "predicted": 2, "right": 2,
                                      "expected": 3, "found": 2}
    assert lab["per_type"]["trim"]["precision"] == 0.0 and lab["per_type"]["trim"]["recall"] is None
    assert "rotate" not in lab["per_type"] and "reencode" not in lab["per_type"] and "cut" not in lab["per_type"]
    assert lab["precision"] == round(2 / 3, 4) and lab["recall"] == round(2 / 3, 4)


def test_kind_rows_give_recall_fp_rate_iou_and_rank(mods: dict[str, ModuleType]) -> None:
    br = mods["bench_repost"]
    recs = [_rec("grid", True, True, ["pad"], ["pad"], iou=0.8, sig=False),
            _rec("grid", True, False, ["pad"], [], iou=0.0, sig=True),
            _rec("grid", True, True, ["pad"], ["pad"], iou=0.9, sig=False),
            _rec("neg:moments", False, True, sig=False), _rec("neg:moments", False, False, sig=True)]
    ranks = {recs[0]["name"]: 1, recs[1]["name"]: None, recs[2]["name"]: 2}
    rows = {r["kind"]: r for r in br.kind_rows(recs, None, ranks)}
    g = rows["grid"]
    assert (g["n"], g["vidverify"], g["iou_median"], g["search_rank1"], g["signature"]) == (3, 0.667, 0.8, 0.333,
                                                                                            0.333)
    assert (g["label_precision"], g["label_recall"]) == (1.0, 0.6667)
    neg = rows["neg:moments"]
    assert (neg["vidverify"], neg["signature"], neg["false_positives"]) == (0.5, 0.5, [recs[3]["name"]])
    assert rows["all re-posts"]["n"] == 3 and rows["all hard negatives"]["n"] == 2


def test_search_rank_skips_the_query_and_other_true_matches_only(mods: dict[str, ModuleType]) -> None:
    rank_of = mods["bench_repost"].rank_of
    contents = {"src": frozenset(["x"]), "filler": frozenset(["rocket"]), "other": frozenset(["y"])}
    shared = frozenset(["x", "rocket"])  # a picture-in-picture of x over rocket footage
    assert rank_of(["q", "filler", "src"], "q", "src", shared, contents) == 1
    assert rank_of(["other", "src"], "q", "src", shared, contents) == 2  # an unrelated file ahead counts
    assert rank_of(["filler", "other"], "q", "src", shared, contents) is None


def test_borrowed_host_side_swaps_the_ground_truth(mods: dict[str, ModuleType]) -> None:
    cc, rc = mods["compare_cases"], mods["repost_cases"]
    fwd = cc.Case("t/short-borrowed", "short-borrowed", "src.mp4", "long.mp4", True,
                  [cc.GTSegment(8.0, 11.5, 30.0, 33.5)], ["insert", "trim", "pad"], False, 20.0, 64.5, "n")
    back = rc.borrowed_host_side(fwd)
    assert (back.a, back.b, back.kind) == ("long.mp4", "src.mp4", "short-borrowed-host-side")
    g = back.segments[0]
    assert (g.a_start, g.a_end, g.b_start, g.b_end) == (30.0, 33.5, 8.0, 11.5)
    assert back.expected_types == ["insert", "trim"] and back.allowed_types == ["pad"]
    assert (back.a_duration, back.b_duration) == (64.5, 20.0)
