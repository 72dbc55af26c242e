"""cli/commands.py, each command as users and scripts run it (``python -m vidverify ...`` in a subprocess): the
probe JSON contract (docs/contract.md) and table, hash output files and JSON, running with no ffmpeg on PATH (the
bundled binary is used), and index add, index stats and search."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

import vidverify
from tests.cli.helpers import EXIT_OK, EXIT_USAGE, assert_one_error_line, cli_env, error_lines, vidverify_cli
from vidverify import Fingerprint
from vidverify.media.fingerprint_file import load as load_fingerprint
from vidverify.media.fingerprint_file import save as save_fingerprint
from vidverify.pipeline.index.sqlite import SCHEMA_VERSION
from vidverify.pipeline.ingest import fingerprint

HEX64 = re.compile(r"^[0-9a-f]{16}$")


PROBE_KEYS = {
    "path", "sha256", "size", "kind", "container", "duration", "width", "height", "fps", "frame_count",
    "video_codec", "audio_codec", "rotation", "created", "created_source", "timezone", "timestamps",
    "make", "model", "software", "encoder", "gps", "errors",
}


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


def test_works_with_no_ffmpeg_on_path(media: dict[str, Path], tmp_path: Path) -> None:
    """The bundled ffmpeg (imageio-ffmpeg) is used: no system ffmpeg needed."""
    dirs = [str(Path(sys.executable).parent), "/usr/bin", "/bin"]
    path = os.pathsep.join(d for d in dirs if shutil.which("ffmpeg", path=d) is None)
    env = cli_env(PATH=path)
    assert shutil.which("ffmpeg", path=env["PATH"]) is None
    proc = vidverify_cli("hash", "--json", str(media["clip"]), cwd=tmp_path, env=env)
    assert proc.returncode == EXIT_OK, proc.stderr
    [fp] = json.loads(proc.stdout)["files"]
    assert len(fp["frames"]) == 60
    probed = vidverify_cli("probe", "--json", str(media["clip"]), cwd=tmp_path, env=env)
    assert probed.returncode == EXIT_OK and json.loads(probed.stdout)["files"][0]["kind"] == "video"


# --------------------------------------------------------------------------------------------- index, search


def test_cli_index_add_stats_search(tmp_path: Path, index_clips: dict[str, Path]) -> None:
    env = cli_env(VIDVERIFY_INDEX=str(tmp_path / "env.sqlite"))
    db = str(tmp_path / "cli.sqlite")
    files = [str(index_clips[k]) for k in ("source", "other1")]
    proc = vidverify_cli("index", "add", *files, str(index_clips["bad"]), "--index", db, env=env)
    assert proc.returncode == 4, proc.stderr
    [line] = error_lines(proc)
    assert "broken.mp4" in line
    assert "2 added" in proc.stdout and "1 unreadable" in proc.stdout

    again = vidverify_cli("index", "add", *files, "--index", db, "--json", env=env)
    assert again.returncode == 0, again.stderr
    doc = json.loads(again.stdout)
    assert doc["schema"] == "vidverify/index-add@1"
    assert [f["status"] for f in doc["files"]] == ["unchanged", "unchanged"]

    stats = vidverify_cli("index", "stats", "--index", db, "--json", env=env)
    assert stats.returncode == 0
    st = json.loads(stats.stdout)
    assert st["schema"] == "vidverify/index-stats@1"  # the document's, not the index's version (0.1.0 mixed them)
    assert st["files"] == 2 and st["schema_version"] == SCHEMA_VERSION and st["bytes"] > 0
    text = vidverify_cli("index", "stats", "--index", db, env=env)
    assert text.returncode == 0 and "files" in text.stdout

    found = vidverify_cli("search", str(index_clips["query"]), "--index", db, "--top", "3", "--json", env=env)
    assert found.returncode == 0, found.stderr
    doc = json.loads(found.stdout)
    assert doc["schema"] == "vidverify/search@1"
    assert doc["query"]["path"] == str(index_clips["query"]) and len(doc["query"]["sha256"]) == 64
    assert doc["query"]["duration"] == pytest.approx(6.0, abs=0.1)
    [hit] = doc["results"]
    assert {"path", "sha256", "score", "verdict", "coverage", "segments"} <= set(hit)
    assert hit["verdict"] == "same-footage" and hit["path"].endswith("source.mp4")
    assert hit["segments"][0]["b_start"] == pytest.approx(4.0, abs=0.1)

    vvfp = tmp_path / "q.vvfp"
    save_fingerprint(fingerprint(index_clips["query"]), vvfp)
    plain = vidverify_cli("search", str(vvfp), "--index", db, env=env)
    assert plain.returncode == 0 and "source.mp4" in plain.stdout and "same-footage" in plain.stdout

    # the default index comes from VIDVERIFY_INDEX; a missing index is an input error, not a new empty file
    missing = vidverify_cli("search", str(index_clips["query"]), env=env)
    assert missing.returncode == 4 and "no index here" in missing.stderr
    assert not Path(env["VIDVERIFY_INDEX"]).exists()
    assert vidverify_cli("index", "stats", "--index", str(tmp_path / "nope.sqlite")).returncode == 4
    notdb = tmp_path / "notes.txt"
    notdb.write_text("hello " * 100)
    bad = vidverify_cli("search", str(index_clips["query"]), "--index", str(notdb))
    assert bad.returncode == 4 and "not an SQLite file" in bad.stderr
    assert vidverify_cli("search", str(index_clips["query"]), "--index", db, "--top", "0").returncode == 2
