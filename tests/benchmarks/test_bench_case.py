"""benchmarks/bench_case.py (issue 16's end-to-end case): the committed expected answers agree with the recipes the
case is built from, and the scorer counts a phantom trim, a negative time, a wrong path and a missing edit as
failures. No media: the case itself needs the shared corpus and runs as a benchmark."""

from __future__ import annotations

import importlib.util
import sys
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests import ROOT


@pytest.fixture(scope="module")
def bc() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_case", ROOT / "benchmarks" / "bench_case.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_case"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def exp() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "benchmarks" / "case_expected.yaml").read_text(encoding="utf-8"))
    return doc


def _t(frame: int, bc: ModuleType) -> float:
    return round(float(frame / bc.RATE), 3)


def _utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_expected_files_are_the_case_files(bc: ModuleType, exp: dict[str, Any]) -> None:
    assert exp["original"] == bc.ORIGINAL
    assert exp["uploads"] == list(bc.UPLOADS)
    assert exp["corpus_clips"] == list(bc.CORPUS_CLIPS)
    files = {exp["original"], *exp["uploads"], *exp["corpus_clips"]}
    (group,) = exp["groups"]
    assert set(group["members"]) | set(exp["singles"]) == files
    assert not set(group["members"]) & set(exp["singles"])
    named = {p for f in exp["findings"] for p in f["paths"]} | set(exp["pairs"]) | set(exp["durations"])
    named |= set(exp["search"]["indexed"]) | {r for rs in exp["search"]["queries"].values() for r in rs}
    assert named <= files
    assert set(bc.CLAIMS) <= set(exp["uploads"])


def test_expected_times_are_the_recipes_cut_points(bc: ModuleType, exp: dict[str, Any]) -> None:
    """Every time in the expected answers follows from the frame plan the build checks on the decoded frames."""
    for name, frames in bc.PLANNED_FRAMES.items():
        assert exp["durations"][name] == _t(frames, bc), name
    end = _t(bc.ORIGINAL_FRAMES, bc)
    p = exp["pairs"]
    first, last = bc.STREAM_COPY_FRAMES
    assert p["u2_streamcopy_trim.mp4"]["edits"] == [
        {"type": "trim", "a": [0.0, _t(first, bc)], "b": [0.0, 0.0]},
        {"type": "trim", "a": [_t(last, bc), end], "b": [_t(last - first, bc)] * 2}]
    c0, c1 = bc.CUT_FRAMES
    cut, mirror, _ = p["u4_cut_mirror.mp4"]["edits"]
    assert cut == {"type": "cut", "a": [_t(c0, bc), _t(c1, bc)], "b": [_t(c0, bc)] * 2}
    assert mirror["a"] == [0.0, end] and mirror["b"] == [0.0, exp["durations"]["u4_cut_mirror.mp4"]]
    insert = p["u5_insert_bikes.mp4"]["edits"][0]
    at = _t(bc.SPLICE_FRAME, bc)
    assert insert["a"] == [at, at] and insert["b"] == [at, _t(bc.SPLICE_FRAME + bc.INSERT_FRAMES, bc)]
    speed = p["u6_speed_1.25x.mp4"]["edits"][0]
    assert speed["speed"] == pytest.approx(1 / bc.SPEED)
    assert speed["b"] == [0.0, exp["durations"]["u6_speed_1.25x.mp4"]]


def test_upload_dates_make_only_the_planned_date_findings(bc: ModuleType) -> None:
    """One upload is dated before the capture (capture-after-upload); every other one after it and within the
    7 days of `--recycled-after`, so no recycled-footage warning is true of them."""
    capture = _utc(bc.CAPTURE)
    before = [n for n, (when, *_rest) in bc.UPLOADS.items() if _utc(when) < capture]
    assert before == ["u6_speed_1.25x.mp4"]
    for name, (when, *_rest) in bc.UPLOADS.items():
        if name not in before:
            assert capture < _utc(when) < capture + timedelta(days=7), name


def _edit(kind: str, a: tuple[float | None, float | None], b: tuple[float | None, float | None],
          **detail: Any) -> dict[str, Any]:
    return {"type": kind, "a_start": a[0], "a_end": a[1], "b_start": b[0], "b_end": b[1], "detail": detail}


def test_scorer_counts_phantom_trims_negative_times_and_missing_edits(bc: ModuleType, exp: dict[str, Any]) -> None:
    pairs = exp["pairs"]
    right = [_edit("reencode", (None, None), (None, None)), _edit("scale", (None, None), (None, None))]
    assert {i["status"] for i in bc.score_edits("compare", "u1", pairs["u1_reencode.mp4"], right, 0.1, 0.02)} \
        == {"pass"}
    phantom = [*right, _edit("trim", (12.079, 13.013), (12.079, 12.079))]
    items = bc.score_edits("compare", "u1", pairs["u1_reencode.mp4"], phantom, 0.1, 0.02)
    assert [i["what"] for i in items if i["status"] == "extra"] == ["trim"]

    negative = [_edit("trim", (0.0, 2.936), (-0.067, -0.067)), _edit("trim", (9.009, 12.079), (6.006, 6.006))]
    items = bc.score_edits("compare", "u2", pairs["u2_streamcopy_trim.mp4"], negative, 0.1, 0.02)
    assert [i["status"] for i in items] == ["miss", "pass"]
    assert "negative time" in items[0]["diff"]

    # a mirror reported in two pieces (either side of the cut) is one mirror; without it, a miss
    pieces = [_edit("cut", (5.005, 7.007), (5.005, 5.005)), _edit("mirror", (0.0, 5.005), (0.0, 5.005)),
              _edit("mirror", (7.007, 12.079), (5.005, 10.077)), _edit("reencode", (None, None), (None, None))]
    assert {i["status"] for i in bc.score_edits("scan", "u4", pairs["u4_cut_mirror.mp4"], pieces, 0.1, 0.02)} \
        == {"pass"}
    unmirrored = [e for e in pieces if e["type"] != "mirror"]
    items = bc.score_edits("scan", "u4", pairs["u4_cut_mirror.mp4"], unmirrored, 0.1, 0.02)
    assert [(i["what"], i["status"]) for i in items if i["status"] != "pass"] == [("mirror", "miss")]


def test_scorer_counts_wrong_paths_and_extra_findings(bc: ModuleType, exp: dict[str, Any]) -> None:
    got = [{**f, "paths": [f"/case/{p}" for p in f["paths"]], "message": "", "evidence": {"edits": f.get("edits", [])}}
           for f in exp["findings"]]
    assert {i["status"] for i in bc.score_findings(exp, got)} == {"pass"}
    wrong = [dict(f) for f in got]
    wrong[0] = {**wrong[0], "paths": wrong[0]["paths"][:1]}  # capture-after-upload naming one file only
    wrong.append({"code": "recycled-footage", "severity": "warning", "message": "",
                  "paths": ["/case/u1_reencode.mp4", "/case/u6_speed_1.25x.mp4"]})
    wrong.append({"code": "reencoded", "severity": "info", "paths": ["/case/bikes.mp4"], "message": ""})
    items = bc.score_findings(exp, wrong)
    assert sorted((i["what"], i["status"]) for i in items if i["status"] != "pass") == [
        ("capture-after-upload", "extra"), ("capture-after-upload", "miss"), ("recycled-footage", "extra"),
        ("reencoded", "info")]
    tot = bc.totals(items)
    assert (tot["findings"]["missed"], tot["findings"]["extra"], tot["findings"]["info_not_scored"]) == (1, 2, 1)
