"""``vidverify frames`` as users and scripts run it: the vidverify/frames@1 JSON (docs/contract.md), the text
summary, an unreadable input among others (exit 4, the others still done) and an --out that cannot be made
(exit 6, one error line, nothing decoded)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import ROOT
from tests.cli.helpers import EXIT_INPUT, EXIT_OK, assert_one_error_line, error_lines, vidverify_cli


def test_frames_json_follows_the_contract(media: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "stills"
    proc = vidverify_cli("frames", str(media["clip"]), "--out", str(out), "--json")
    assert proc.returncode == EXIT_OK, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "vidverify/frames@1" and doc["path"] == str(media["clip"])
    assert {"path", "shots", "keyframes", "anomalies", "sheet", "clock"} <= set(doc)
    assert doc["shots"] and all(set(s) == {"start", "end"} for s in doc["shots"])
    assert doc["shots"][0]["start"] == 0.0
    for k in doc["keyframes"]:
        assert set(k) == {"time", "file", "shot"} and Path(k["file"]).is_file()
        assert k["file"].startswith(str(out)) and 0 <= k["shot"] < len(doc["shots"])
    assert Path(doc["sheet"]).is_file() and doc["clock"]["enabled"] is False


def test_frames_text_and_an_unreadable_input(media: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    proc = vidverify_cli("frames", str(bad), str(media["vfr"]), "--out", str(tmp_path / "o"))
    assert proc.returncode == EXIT_INPUT
    assert len(error_lines(proc)) == 1 and str(bad) in error_lines(proc)[0]
    assert f"{media['vfr']}: 1 shot, 1 keyframe in " in proc.stdout and "1 shots" not in proc.stdout  # singular
    doc = json.loads(vidverify_cli("frames", str(bad), str(media["vfr"]), "--out", str(tmp_path / "o"),
                                   "--json").stdout)
    assert [f["path"] for f in doc["files"]] == [str(bad), str(media["vfr"])] and doc["files"][0]["errors"]


def test_frames_out_that_cannot_be_made_is_exit_6(media: dict[str, Path], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    line = assert_one_error_line(vidverify_cli("frames", str(media["clip"]), "--out", str(blocker / "d")), 6)
    assert "--out" in line


def test_frames_is_in_the_help() -> None:
    proc = vidverify_cli("--help")
    assert "frames" in proc.stdout
    assert "contact sheet" in vidverify_cli("frames", "--help").stdout


@pytest.mark.skipif(shutil.which("jq") is None, reason="needs jq")
def test_the_help_s_jq_example_reads_one_file_and_several(media: dict[str, Path], tmp_path: Path) -> None:
    """`frames --json *.mp4 | jq ...` from --help and the README: a glob that matches one file gives the
    one-file document (no "files"), where '.files[]' used to fail with 'Cannot iterate over null'."""
    expr = re.search(r"\| jq '([^']+)'", vidverify_cli("frames", "--help").stdout)
    assert expr is not None
    assert f"jq '{expr.group(1)}'" in (ROOT / "README.md").read_text(encoding="utf-8")
    one = vidverify_cli("frames", str(media["clip"]), "--out", str(tmp_path / "o"), "--json").stdout
    several = json.dumps({"schema": "vidverify/frames@1", "files": [json.loads(one), json.loads(one)]})
    for doc, n in ((one, 1), (several, 2)):
        proc = subprocess.run(["jq", "-c", expr.group(1)], input=doc, capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0, proc.stderr
        rows = [json.loads(ln) for ln in proc.stdout.splitlines()]
        assert len(rows) == n and all(r["path"] == str(media["clip"]) and "anomalies" in r for r in rows)

