"""The command line as users and scripts run it: ``python -m vidverify ...`` in a subprocess.

Help and version, usage errors (exit 2), the probe JSON contract (docs/contract.md), hash output files and JSON, a
missing or unusable ffmpeg (exit 3), and running with no ffmpeg on PATH (the bundled binary is used).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import vidverify
from vidverify import Fingerprint
from vidverify.media.fingerprint_file import load as load_fingerprint

EXIT_OK, EXIT_USAGE, EXIT_DEPENDENCY, EXIT_INPUT = 0, 2, 3, 4
ERROR = "vidverify: error:"
HEX64 = re.compile(r"^[0-9a-f]{16}$")

# docs/contract.md, `vidverify probe FILE... --json`: the keys every file object carries
PROBE_KEYS = {
    "path", "sha256", "size", "kind", "container", "duration", "width", "height", "fps", "frame_count",
    "video_codec", "audio_codec", "rotation", "created", "created_source", "timezone", "timestamps",
    "make", "model", "software", "encoder", "gps", "errors",
}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIDVERIFY_DEBUG", "VIDVERIFY_FFMPEG")}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def vidverify_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
                  ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "vidverify", *args], cwd=cwd, env=env or _env(), capture_output=True, text=True,
        encoding="utf-8", timeout=120, check=False, stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


def error_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [ln for ln in proc.stderr.splitlines() if ln.startswith(ERROR)]


def assert_usage_error(proc: subprocess.CompletedProcess[str]) -> str:
    """Exit 2, exactly one error line; anything else on stderr is argparse's usage summary."""
    assert proc.returncode == EXIT_USAGE, proc.stderr
    [line] = error_lines(proc)
    others = [ln for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith(ERROR)]
    assert all(ln.startswith(("usage:", " ")) for ln in others), others
    return line


def assert_one_error_line(proc: subprocess.CompletedProcess[str], code: int) -> str:
    assert proc.returncode == code, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(ERROR), lines
    return lines[0]


# --------------------------------------------------------------------------------------------- help, version


@pytest.mark.parametrize(
    ("args", "example"),
    [
        (["--help"], "vidverify probe clip.mp4"),
        (["probe", "--help"], "vidverify probe IMG_4521.MOV"),
        (["hash", "--help"], "vidverify hash clip.mp4 -o clip.vvfp"),
    ],
    ids=["main", "probe", "hash"],
)
def test_help_shows_examples(args: list[str], example: str) -> None:
    proc = vidverify_cli(*args)
    assert proc.returncode == EXIT_OK and proc.stderr == ""
    assert proc.stdout.startswith("usage: vidverify")
    assert "examples:" in proc.stdout and example in proc.stdout


def test_version() -> None:
    proc = vidverify_cli("--version")
    assert proc.returncode == EXIT_OK
    assert proc.stdout.strip() == f"vidverify {vidverify.__version__}"


def test_no_command_is_a_usage_error() -> None:
    proc = vidverify_cli()
    assert proc.returncode == EXIT_USAGE
    assert "usage: vidverify" in proc.stdout + proc.stderr and "probe" in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--bogus"],
        ["probe", "--bogus", "x.mp4"],
        ["hash", "--no-such-option", "x.mp4"],
        ["probe"],
        ["hash"],
        ["frobnicate", "x.mp4"],
        ["hash", "--jobs", "0", "x.mp4"],
        ["hash", "--jobs", "many", "x.mp4"],
    ],
    ids=["unknown-global", "unknown-probe", "unknown-hash", "probe-no-file", "hash-no-file", "unknown-command",
         "jobs-zero", "jobs-not-a-number"],
)
def test_usage_errors(args: list[str], tmp_path: Path) -> None:
    proc = vidverify_cli(*args, cwd=tmp_path)
    assert_usage_error(proc)
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------------------- probe


def test_probe_json_has_every_contract_key(media: dict[str, Path]) -> None:
    names = ["clip", "vfr", "delayed", "tagged", "jpeg"]
    paths = [str(media[n]) for n in names]
    proc = vidverify_cli("probe", "--json", *paths)
    assert proc.returncode == EXIT_OK and proc.stderr == ""
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "vidverify/probe@1"
    assert [f["path"] for f in doc["files"]] == paths  # paths as given on the command line
    by_name = dict(zip(names, doc["files"], strict=True))
    for name, f in by_name.items():
        missing = PROBE_KEYS - set(f)
        assert not missing, f"{name}: missing {sorted(missing)}"
        assert f["errors"] == []
        assert f["kind"] == ("image" if name == "jpeg" else "video")
        assert len(f["sha256"]) == 64 and f["size"] == media[name].stat().st_size
        for t in f["timestamps"]:
            assert set(t) >= {"field", "value", "timezone"}
    clip = by_name["clip"]
    assert (clip["container"], clip["width"], clip["height"]) == ("mov", 320, 240)
    assert clip["fps"] == 30 and clip["frame_count"] == 60 and clip["duration"] == pytest.approx(2.0, abs=0.05)
    assert (clip["video_codec"], clip["audio_codec"], clip["rotation"]) == ("h264", "aac", 0)
    tagged = by_name["tagged"]
    assert (tagged["width"], tagged["height"], tagged["rotation"]) in ((240, 320, 90), (240, 320, 270))
    assert (tagged["make"], tagged["model"]) == ("Apple", "iPhone 15 Pro")
    assert tagged["created"] and tagged["created_source"] and tagged["timezone"] == "-05:00"
    assert set(tagged["gps"]) >= {"lat", "lon", "alt", "source"}
    assert tagged["gps"]["lat"] == pytest.approx(40.6892) and tagged["gps"]["lon"] == pytest.approx(-74.0445)
    photo = by_name["jpeg"]
    assert (photo["make"], photo["model"], photo["timezone"]) == ("Google", "Pixel 8", "+02:00")


def test_probe_table(media: dict[str, Path]) -> None:
    proc = vidverify_cli("probe", str(media["tagged"]))
    assert proc.returncode == EXIT_OK and proc.stderr == ""
    assert str(media["tagged"]) in proc.stdout
    assert "iPhone 15 Pro" in proc.stdout and "40.689200, -74.044500" in proc.stdout


# --------------------------------------------------------------------------------------------- hash


def test_hash_output_file_loads_back_equal(media: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.vvfp"
    proc = vidverify_cli("hash", str(media["clip"]), "-o", str(out))
    assert proc.returncode == EXIT_OK and proc.stderr == ""
    assert str(out) in proc.stdout  # the table says where it went
    assert [p.name for p in tmp_path.iterdir()] == ["out.vvfp"]  # no temporary file left behind
    assert load_fingerprint(out) == vidverify.fingerprint(str(media["clip"]))


def test_hash_json_has_a_frame_per_decoded_frame(media: dict[str, Path], tmp_path: Path) -> None:
    proc = vidverify_cli("hash", "--json", str(media["clip"]), str(media["vfr"]), cwd=tmp_path)
    assert proc.returncode == EXIT_OK and proc.stderr == ""
    assert list(tmp_path.iterdir()) == []  # nothing written without -o
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "vidverify/hash@1"
    clip, vfr = doc["files"]
    assert clip["path"] == str(media["clip"]) and clip["mode"] == "dense"
    assert len(clip["frames"]) == clip["frame_count"] == 60
    assert len(vfr["frames"]) == vfr["frame_count"] == 20
    for fp in (clip, vfr):
        assert fp["format"] == "vidverify-fingerprint" and fp["versions"]["decoder"].startswith("ffmpeg")
        for f in fp["frames"]:
            assert HEX64.match(f["hash"]) and HEX64.match(f["mirrored"]), f
            assert 0 <= f["mean"] <= 255 and f["std"] >= 0
    assert [f["t"] for f in clip["frames"]] == pytest.approx([i / 30 for i in range(60)])
    # the variable-frame-rate clip: 10 frames, a 0.5 s gap, 10 frames
    assert [f["t"] for f in vfr["frames"]] == pytest.approx([(i + (15 if i >= 10 else 0)) / 30 for i in range(20)])
    # the JSON loads into the same fingerprint the library computes
    assert Fingerprint.from_dict(clip) == vidverify.fingerprint(str(media["clip"]))


def test_hash_keyframes_json(media: dict[str, Path]) -> None:
    proc = vidverify_cli("hash", "--keyframes", "--json", str(media["clip"]))
    assert proc.returncode == EXIT_OK
    [fp] = json.loads(proc.stdout)["files"]
    assert fp["mode"] == "keyframes"
    assert [f["t"] for f in fp["frames"]] == pytest.approx([0.0, 0.5, 1.0, 1.5])  # -g 15 at 30 fps


def test_hash_several_inputs_into_a_folder(media: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "fingerprints"
    out.mkdir()
    proc = vidverify_cli("hash", str(media["clip"]), str(media["vfr"]), "-o", str(out))
    assert proc.returncode == EXIT_OK and proc.stderr == ""
    assert sorted(p.name for p in out.iterdir()) == ["clip.mp4.vvfp", "vfr.mp4.vvfp"]
    assert load_fingerprint(out / "vfr.mp4.vvfp") == vidverify.fingerprint(str(media["vfr"]))
    assert len(load_fingerprint(out / "clip.mp4.vvfp")) == 60


def test_hash_several_inputs_need_a_folder(media: dict[str, Path], tmp_path: Path) -> None:
    proc = vidverify_cli("hash", str(media["clip"]), str(media["vfr"]), "-o", "not-a-dir", cwd=tmp_path)
    line = assert_one_error_line(proc, EXIT_USAGE)
    assert "not-a-dir" in line and "folder" in line
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------------------- ffmpeg


@pytest.mark.parametrize("how", ["option", "environment"])
def test_missing_ffmpeg_is_exit_3(how: str, media: dict[str, Path]) -> None:
    if how == "option":
        proc = vidverify_cli("--ffmpeg", "/nonexistent/ffmpeg", "hash", str(media["clip"]))
    else:
        proc = vidverify_cli("hash", str(media["clip"]), env=_env(VIDVERIFY_FFMPEG="/nonexistent"))
    line = assert_one_error_line(proc, EXIT_DEPENDENCY)
    assert "ffmpeg" in line and "/nonexistent" in line
    assert proc.stdout == ""


def test_works_with_no_ffmpeg_on_path(media: dict[str, Path], tmp_path: Path) -> None:
    """The bundled ffmpeg (imageio-ffmpeg) is used: no system ffmpeg needed."""
    dirs = [str(Path(sys.executable).parent), "/usr/bin", "/bin"]
    path = os.pathsep.join(d for d in dirs if shutil.which("ffmpeg", path=d) is None)
    env = _env(PATH=path)
    assert shutil.which("ffmpeg", path=env["PATH"]) is None
    proc = vidverify_cli("hash", "--json", str(media["clip"]), cwd=tmp_path, env=env)
    assert proc.returncode == EXIT_OK, proc.stderr
    [fp] = json.loads(proc.stdout)["files"]
    assert len(fp["frames"]) == 60
    probed = vidverify_cli("probe", "--json", str(media["clip"]), cwd=tmp_path, env=env)
    assert probed.returncode == EXIT_OK and json.loads(probed.stdout)["files"][0]["kind"] == "video"


def test_missing_input_is_exit_4(tmp_path: Path) -> None:
    for command in ("probe", "hash"):
        line = assert_one_error_line(vidverify_cli(command, "nope.mp4", cwd=tmp_path), EXIT_INPUT)
        assert line == f"{ERROR} nope.mp4: no such file"
