"""pipeline/check/starter.py, ``check --init``: a starter manifest (hashes, same-footage groups, today's findings
as the baseline) that passes on the folder as it is, and is never written over an existing one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.pipeline.check.helpers import run, sha
from vidverify import errors as cli_exit


def test_init_writes_a_manifest_that_passes(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "evidence"
    d.mkdir()
    for name in ("IMG_4521.MOV", "reupload_mirrored.mp4", "reupload_mirrored.info.json", "reupload_reencoded.mp4",
                 "reupload_reencoded.info.json", "IMG_4522.MOV"):
        shutil.copy(case / name, d / name)
    code, out, err = run(["check", "--init", str(d), "--jobs", "2"], capsys)
    assert code == cli_exit.EXIT_OK, err
    manifest = d / "vidverify.yaml"
    text = manifest.read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    assert [f["path"] for f in doc["files"]] == ["IMG_4521.MOV", "IMG_4522.MOV", "reupload_mirrored.mp4",
                                                 "reupload_reencoded.mp4"]
    assert all(f["sha256"] == sha(d / f["path"]) for f in doc["files"])
    rel = {f["path"]: f.get("same-footage-as") for f in doc["files"]}
    assert rel == {"IMG_4521.MOV": None, "IMG_4522.MOV": None, "reupload_mirrored.mp4": ["IMG_4521.MOV"],
                   "reupload_reencoded.mp4": ["IMG_4521.MOV"]}
    assert {x["code"] for x in doc["expected-findings"]} == {"capture-after-upload"}
    # the sidecars the findings rest on (the upload dates) are protected too
    assert [(x["path"], x["sha256"]) for x in doc["documents"]] == [
        (n, sha(d / n)) for n in ("reupload_mirrored.info.json", "reupload_reencoded.info.json")]
    assert doc["policy"]["unlisted"] == "fail"
    code, out, err = run(["check", str(manifest), "--json", "--jobs", "2"], capsys)
    result = json.loads(out)
    assert code == cli_exit.EXIT_OK, [c for c in result["cases"] if c["status"] != "pass"]
    assert result["summary"]["failed"] == 0 and result["summary"]["passed"] == result["summary"]["total"] == 13
    # later: a sidecar edited (its upload date moved) and a clip added to the folder both fail the check
    side = d / "reupload_mirrored.info.json"
    side.write_text(side.read_text(encoding="utf-8").replace("2026", "2025"), encoding="utf-8")
    shutil.copy(case / "reupload_trimmed.mp4", d / "added_later.mp4")
    code, out, err = run(["check", str(manifest), "--json", "--jobs", "2", "--no-pictures"], capsys)
    failed = {(c["kind"], c["name"]) for c in json.loads(out)["cases"] if c["status"] == "fail"}
    assert code == cli_exit.EXIT_FINDINGS
    assert {("integrity", "reupload_mirrored.info.json"), ("unlisted", "added_later.mp4")} <= failed, failed
    # never over an existing manifest
    code, _, err = run(["check", "--init", str(d)], capsys)
    assert code == cli_exit.EXIT_USAGE and "already exists" in err
    assert manifest.read_text(encoding="utf-8") == text
