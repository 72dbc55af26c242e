"""``vidverify frames`` as users and scripts run it: the vidverify/frames@1 JSON (docs/contract.md), the text
summary, an unreadable input among others (exit 4, the others still done) and an --out that cannot be made
(exit 6, one error line, nothing decoded)."""

from __future__ import annotations

import json
from pathlib import Path

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
    assert f"{media['vfr']}: " in proc.stdout and "keyframes" in proc.stdout
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
