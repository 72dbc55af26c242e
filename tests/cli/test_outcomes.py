"""The command line's outcomes scripts and CI rely on (issue 16): no media is exit 5, an output that cannot be
written is exit 6 before any work, a bug is exit 70 (never 1, which means findings), probe takes folders and
names yt-dlp sidecars for what they are, --quiet/--progress choose how progress is shown, and check's --json and
--github work together."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import vidverify
from tests.cli.helpers import ERROR, assert_one_error_line, vidverify_cli
from vidverify import errors
from vidverify.cli.main import main
from vidverify.testing import synth

READ_ONLY = Path("/proc")  # a folder no one can create a file in, root included


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------------------- nothing to work on


@pytest.mark.parametrize("command", [["scan"], ["scan", "--json"], ["index", "add", "--index", "{tmp}/i.sqlite"],
                                     ["check", "--init"]])
def test_no_media_in_the_paths_is_exit_5(command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    """A mistyped mount or an empty folder must not turn CI green (as pytest's 5 for no tests)."""
    folder = tmp_path / "empty mount"
    folder.mkdir()
    (folder / "notes.txt").write_text("not media\n")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in command] + [str(folder)]
    code, out, err = _run(argv, capsys)
    assert code == errors.EXIT_NO_INPUT == 5, err
    assert err.count(ERROR) == 1 and ("no media file" in err), err
    if "--json" in command:
        assert json.loads(out)["files"] == []  # the document is still printed, and says nothing was scanned
    assert not (folder / "vidverify.yaml").exists()


# -------------------------------------------------------------------------------------- outputs, up front


def test_unwritable_outputs_are_exit_6_before_any_work(small: dict[str, Path], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import vidverify.pipeline.ingest as ingest

    def no_work(*_a: object, **_k: object) -> None:
        raise AssertionError("the work started before the output was checked")

    monkeypatch.setattr(ingest, "read_file", no_work)
    monkeypatch.setattr(vidverify, "fingerprint", no_work)
    x = str(small["x"])
    for argv in (["hash", x, "-o", str(READ_ONLY / "x.vvfp")],
                 ["hash", x, str(small["y"]), "-o", str(READ_ONLY)],
                 ["scan", x, "--html", str(READ_ONLY / "report.html")],
                 ["scan", x, "--html", str(tmp_path / "no such folder" / "report.html")],
                 ["compare", x, x, "--html", str(READ_ONLY / "r.html")],
                 ["check", "--init", str(READ_ONLY / "sys")]):
        code, _out, err = _run(argv, capsys)
        assert code == errors.EXIT_OUTPUT == 6, (argv, err)
        [line] = err.strip().splitlines()
        assert line.startswith(ERROR) and ("cannot write" in line or "does not exist" in line), line


def test_a_bug_is_exit_70_not_1(monkeypatch: pytest.MonkeyPatch, small: dict[str, Path],
                                capsys: pytest.CaptureFixture[str]) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(vidverify, "probe_paths", boom)
    monkeypatch.delenv("VIDVERIFY_DEBUG", raising=False)
    code, _out, err = _run(["probe", str(small["x"])], capsys)
    assert code == errors.EXIT_INTERNAL == 70 and code != errors.EXIT_FINDINGS
    assert err.strip().splitlines() == ["vidverify: error: internal error: RuntimeError: a bug (set VIDVERIFY_DEBUG=1 "
                                        "for a traceback)"]


# ------------------------------------------------------------------------------------------------ probe


def test_probe_takes_a_folder_and_skips_sidecars(tmp_path: Path) -> None:
    """``probe downloads/*`` with yt-dlp sidecars beside the videos, and ``probe downloads/``: no exit 4."""
    d = tmp_path / "downloads"
    clip = synth.make_scene(d / "clip.mp4", seconds=1.0, size=(160, 96), audio=False)
    synth.write_info_json(clip, upload_date="20260320")
    assert sorted(p.name for p in d.iterdir()) == ["clip.info.json", "clip.mp4"]
    by_glob = vidverify_cli("probe", "--json", *sorted(str(p) for p in d.iterdir()))
    assert by_glob.returncode == 0, by_glob.stderr
    doc = json.loads(by_glob.stdout)
    assert [f["path"] for f in doc["files"]] == [str(clip)] and doc["sidecars"] == [str(d / "clip.info.json")]
    assert doc["files"][0]["claims"]["upload_time"].startswith("2026-03-20")  # the sidecar read as its claims
    assert "sidecar" in by_glob.stderr and ERROR not in by_glob.stderr
    by_folder = vidverify_cli("probe", "--json", str(d))
    assert by_folder.returncode == 0 and [f["path"] for f in json.loads(by_folder.stdout)["files"]] == [str(clip)]
    only_sidecar = vidverify_cli("probe", "--json", str(d / "clip.info.json"))
    assert only_sidecar.returncode == errors.EXIT_NO_INPUT and json.loads(only_sidecar.stdout)["files"] == []
    (tmp_path / "empty.mp4").mkdir()  # a folder with no media file in it: an entry with its error, exit 4
    empty = vidverify_cli("probe", "--json", str(tmp_path / "empty.mp4"))
    assert empty.returncode == errors.EXIT_INPUT and json.loads(empty.stdout)["files"][0]["errors"]


# ---------------------------------------------------------------------------------------------- progress


def test_progress_lines_in_a_log_and_quiet(small: dict[str, Path], tmp_path: Path) -> None:
    """stderr is a file here (not a terminal): nothing by default, plain lines with the current file and the
    time left under --progress, nothing under --quiet."""
    d = tmp_path / "two"
    d.mkdir()
    for k in ("x", "y"):
        shutil.copy(small[k], d / f"{k}.mp4")
    plain = vidverify_cli("scan", str(d), "--no-pictures")
    assert plain.returncode == 0 and "vidverify: " not in plain.stderr
    shown = vidverify_cli("scan", str(d), "--no-pictures", "--json", "--progress")
    assert shown.returncode == 0 and json.loads(shown.stdout)["schema"] == "vidverify/scan@1"
    lines = shown.stderr.splitlines()
    assert any(ln.startswith("vidverify: fingerprint 2/2 (") for ln in lines), lines  # the stage's end, and the file
    assert any(ln.endswith(("(x.mp4)", "(y.mp4)")) for ln in lines), lines
    quiet = vidverify_cli("scan", str(d), "--no-pictures", "--quiet", "--progress")
    assert quiet.returncode == 2  # one or the other


def test_check_json_and_github_together(small: dict[str, Path], tmp_path: Path) -> None:
    """stdout stays one JSON document; the annotations go to stderr, which GitHub Actions reads too."""
    shutil.copy(small["x"], tmp_path / "x.mp4")
    manifest = tmp_path / "vidverify.yaml"
    manifest.write_text(f"files:\n  - path: x.mp4\n    sha256: \"{'0' * 64}\"\n", encoding="utf-8")
    proc = vidverify_cli("check", str(manifest), "--json", "--github", "--no-pictures")
    assert proc.returncode == errors.EXIT_FINDINGS
    doc = json.loads(proc.stdout)
    assert doc["status"] == "fail"
    assert any(ln.startswith("::error file=") and "integrity" in ln for ln in proc.stderr.splitlines())


def test_one_error_line_for_no_media(tmp_path: Path) -> None:
    proc = vidverify_cli("scan", str(tmp_path))
    line = assert_one_error_line(proc, errors.EXIT_NO_INPUT)
    assert str(tmp_path) in line
