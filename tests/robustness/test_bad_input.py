"""Bad input, through the real command line: one line, the documented exit code, no traceback, input untouched.

Every bad file is generated here (the project's own ffmpeg via ``make_fixtures.clip`` plus byte surgery) in a
folder of its own. ``probe``, ``probe --json`` and ``hash`` run on it as separate processes with that folder as the
working directory; afterwards the folder must hold exactly the same entries with the same bytes (sha256),
st_mtime_ns and permission bits.

What each damaged file does (pinned below, so a change in behaviour is a deliberate one):
- A file that cannot be read at all (0 bytes, text, random bytes, no usable moov, a directory, a missing path):
  exit 4 and one ``vidverify: error:`` line from every command.
- A truncated or damaged MP4 whose metadata still reads: ``probe`` exits 0, lists the damage in ``errors`` and
  says so in one ``vidverify: warning:`` line. ``hash`` exits 4 with one error line when no frame decodes, or
  exits 0 with one warning line when some frames do (the first half of a ``+faststart`` file: the frames before
  the cut are hashed, and only those).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures.make_fixtures import clip

EXIT_OK, EXIT_USAGE, EXIT_INPUT = 0, 2, 4
ERROR = "vidverify: error:"
WARNING = "vidverify: warning:"
TIMEOUT_S = 120


# --------------------------------------------------------------------------------------------- helpers


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIDVERIFY_DEBUG", "VIDVERIFY_FFMPEG")}
    env["NO_COLOR"] = "1"
    return env


def run_all(commands: list[list[str]], cwd: Path) -> list[subprocess.CompletedProcess[str]]:
    """Run ``python -m vidverify ARGS`` for each command, concurrently, and wait for all of them."""
    procs = [
        (args, subprocess.Popen([sys.executable, "-m", "vidverify", *args], cwd=cwd, env=_env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8"))
        for args in commands
    ]
    done = []
    for args, proc in procs:
        out, err = proc.communicate(timeout=TIMEOUT_S)
        done.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return done


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_all([list(args)], cwd)[0]


def snapshot(folder: Path) -> dict[str, tuple[str | None, int, int]]:
    """Every entry under ``folder`` (itself included): content sha256 (files), st_mtime_ns, permission bits."""
    entries: dict[str, tuple[str | None, int, int]] = {}
    for root, dirs, files in os.walk(folder):
        for name in [".", *dirs, *files]:
            p = Path(root) / name
            st = p.lstat()
            digest = hashlib.sha256(p.read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else None
            entries[str(p.relative_to(folder))] = (digest, st.st_mtime_ns, stat.S_IMODE(st.st_mode))
    return entries


def stderr_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [ln for ln in proc.stderr.splitlines() if ln.strip()]


def assert_no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr


def assert_one_line(proc: subprocess.CompletedProcess[str], prefix: str, name: str) -> str:
    lines = stderr_lines(proc)
    assert len(lines) == 1, f"{proc.args}: expected one line on stderr, got {lines}"
    assert lines[0].startswith(f"{prefix} {name}: "), lines[0]
    return lines[0]


# --------------------------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class Sources:
    moov_end: bytes  # an ordinary ffmpeg MP4: ftyp, mdat, moov
    moov_front: bytes  # the same with -movflags +faststart: ftyp, moov, mdat


def _box_offset(data: bytes, fourcc: bytes) -> int:
    """Offset of the (first) box header of this type; the size field is the 4 bytes before the type."""
    i = data.find(fourcc)
    assert i >= 4, fourcc
    return i - 4


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    d = tmp_path_factory.mktemp("bad-input-src")
    end = clip(d / "end.mp4", seconds=2.0, size="320x240").read_bytes()
    front = clip(d / "front.mp4", seconds=2.0, size="320x240", extra_out=("-movflags", "+faststart")).read_bytes()
    assert _box_offset(end, b"mdat") < _box_offset(end, b"moov"), "moov should follow mdat"
    assert _box_offset(front, b"moov") < _box_offset(front, b"mdat"), "+faststart should put moov first"
    return Sources(end, front)


def _corrupt(data: bytes, fourcc: bytes) -> bytes:
    """Overwrite the contents of the first box of this type (everything after its 8-byte header) with 0xFF."""
    start = _box_offset(data, fourcc)
    size = int.from_bytes(data[start:start + 4], "big")
    assert 8 < size < len(data)
    out = bytearray(data)
    out[start + 8:start + size] = b"\xff" * (size - 8)
    return bytes(out)


def _cut(data: bytes, n: int) -> bytes:
    assert 0 < n < len(data)
    return data[:n]


# --------------------------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    name: str  # file name as given on the command line (relative to the working directory)
    make: Callable[[Path, Sources], None]  # creates it in the folder
    probe: int  # expected exit code of probe / probe --json
    hash: int  # expected exit code of hash
    probe_says: str = ""  # a word the probe error/warning line must contain
    dash: bool = False  # the name starts with '-': pass it after '--'


def _write(name: str, content: Callable[[Sources], bytes]) -> Callable[[Path, Sources], None]:
    def make(folder: Path, src: Sources) -> None:
        (folder / name).write_bytes(content(src))

    return make


CASES = [
    Case("empty.mp4", _write("empty.mp4", lambda s: b""), EXIT_INPUT, EXIT_INPUT, "empty"),
    Case("text.mp4", _write("text.mp4", lambda s: b"Not a video.\nJust some notes about the clip.\n" * 40),
         EXIT_INPUT, EXIT_INPUT, "not a media file"),
    Case("notes.jpg", _write("notes.jpg", lambda s: b"a text file named .jpg\n" * 20),
         EXIT_INPUT, EXIT_INPUT, "not a media file"),
    # a format only the C2PA library reads (GIF): no store seen, so never "credentials invalid" (tampered)
    Case("notes.gif", _write("notes.gif", lambda s: b"hi\n"), EXIT_INPUT, EXIT_INPUT, "not a media file"),
    Case("noise.mp4", _write("noise.mp4", lambda s: bytes(range(256)) * 64), EXIT_INPUT, EXIT_INPUT),
    # truncated, moov at the end: the cut takes the moov away, nothing can be read
    Case("cut-half.mp4", _write("cut-half.mp4", lambda s: _cut(s.moov_end, len(s.moov_end) // 2)),
         EXIT_INPUT, EXIT_INPUT),
    Case("cut-1k.mp4", _write("cut-1k.mp4", lambda s: _cut(s.moov_end, 1024)), EXIT_INPUT, EXIT_INPUT),
    # truncated, moov at the front: metadata reads (probe warns); 1 KB leaves no frame, half leaves some
    Case("fast-cut-half.mp4", _write("fast-cut-half.mp4", lambda s: _cut(s.moov_front, len(s.moov_front) // 2)),
         EXIT_OK, EXIT_OK, "truncated"),
    Case("fast-cut-1k.mp4", _write("fast-cut-1k.mp4", lambda s: _cut(s.moov_front, 1024)),
         EXIT_OK, EXIT_INPUT, "truncated"),
    # corrupted moov
    Case("moov-ff.mp4", _write("moov-ff.mp4", lambda s: _corrupt(s.moov_end, b"moov")), EXIT_INPUT, EXIT_INPUT),
    Case("fast-moov-ff.mp4", _write("fast-moov-ff.mp4", lambda s: _corrupt(s.moov_front, b"moov")),
         EXIT_INPUT, EXIT_INPUT),
    Case("mvhd-ff.mp4", _write("mvhd-ff.mp4", lambda s: _corrupt(s.moov_end, b"mvhd")), EXIT_OK, EXIT_OK, "mvhd"),
    Case("stsz-ff.mp4", _write("stsz-ff.mp4", lambda s: _corrupt(s.moov_end, b"stsz")),
         EXIT_OK, EXIT_INPUT, "stsz"),
    Case("fast-stsz-ff.mp4", _write("fast-stsz-ff.mp4", lambda s: _corrupt(s.moov_front, b"stsz")),
         EXIT_OK, EXIT_INPUT, "stsz"),
    # not files
    Case("a folder.mp4", lambda folder, src: (folder / "a folder.mp4").mkdir(), EXIT_INPUT, EXIT_INPUT),
    Case("missing.mp4", lambda folder, src: None, EXIT_INPUT, EXIT_INPUT, "no such file"),
    Case("-missing.mp4", lambda folder, src: None, EXIT_INPUT, EXIT_INPUT, "no such file", dash=True),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, sources: Sources, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    case.make(folder, sources)
    if (folder / case.name).is_file():
        (folder / case.name).chmod(0o640)  # not the default mode: a chmod by the tool would show
    before = snapshot(folder)
    sep = ["--"] if case.dash else []
    probe_txt, probe_json, hashed, hashed_json = run_all(
        [["probe", *sep, case.name], ["probe", "--json", *sep, case.name], ["hash", *sep, case.name],
         ["hash", "--json", *sep, case.name]],
        folder,
    )
    assert snapshot(folder) == before, "the input (bytes, mtime, mode) or its folder changed"
    for proc in (probe_txt, probe_json, hashed, hashed_json):
        assert_no_traceback(proc)

    # probe: text and JSON agree on the exit code and the line
    for proc in (probe_txt, probe_json):
        assert proc.returncode == case.probe, (proc.args, proc.stderr)
    doc = json.loads(probe_json.stdout)
    assert doc["schema"] == "vidverify/probe@1"
    [entry] = doc["files"]
    assert entry["path"] == case.name
    assert entry["errors"], "damage must be listed in errors"
    assert entry.get("credentials") is None, "an unreadable file is not one whose credentials were tampered with"
    if case.probe == EXIT_INPUT:
        line = assert_one_line(probe_txt, ERROR, case.name)
        assert entry["kind"] == "unknown"
        assert probe_txt.stdout.strip() == ""  # nothing to show for an unreadable file
    else:
        line = assert_one_line(probe_txt, WARNING, case.name)
        assert entry["kind"] == "video"
        assert "problem" in probe_txt.stdout  # the table lists the damage as well
    assert stderr_lines(probe_json) == stderr_lines(probe_txt)
    assert case.probe_says in line

    # hash
    assert hashed.returncode == hashed_json.returncode == case.hash, (hashed.args, hashed.stderr)
    if case.hash == EXIT_INPUT:
        assert_one_line(hashed, ERROR, case.name)
        [failed] = json.loads(hashed_json.stdout)["files"]
        assert failed["path"] == case.name and failed["errors"]
    else:
        # Documented behaviour: frames that still decode are hashed, with one warning line (not an error).
        assert_one_line(hashed, WARNING, case.name)
        [fp] = json.loads(hashed_json.stdout)["files"]
        assert 0 < len(fp["frames"]) <= 60 and fp["warnings"]
        times = [f["t"] for f in fp["frames"]]
        assert times == sorted(times) and times[0] == pytest.approx(0.0)
        if case.name.startswith("fast-cut-half"):
            assert len(fp["frames"]) < 60  # only the frames before the cut
            assert "truncated" in fp["warnings"][0]


def test_dash_name_needs_double_dash(sources: Sources, tmp_path: Path) -> None:
    """'-clip.mp4' is taken for an option (exit 2 with a hint to use '--'); after '--' it is a file (exit 0)."""
    (tmp_path / "-clip.mp4").write_bytes(sources.moov_end)
    before = snapshot(tmp_path)
    bare_probe, bare_hash, probe_ok, hash_ok = run_all(
        [["probe", "-clip.mp4"], ["hash", "-clip.mp4"], ["probe", "--json", "--", "-clip.mp4"],
         ["hash", "--", "-clip.mp4"]],
        tmp_path,
    )
    for proc in (bare_probe, bare_hash):
        assert proc.returncode == EXIT_USAGE
        assert_no_traceback(proc)
        errors = [ln for ln in stderr_lines(proc) if ln.startswith(ERROR)]
        assert len(errors) == 1 and "'--'" in errors[0]
        # the rest is argparse's usage summary
        assert all(ln.startswith(("usage:", " ")) for ln in stderr_lines(proc) if not ln.startswith(ERROR))
    assert probe_ok.returncode == EXIT_OK and hash_ok.returncode == EXIT_OK, probe_ok.stderr + hash_ok.stderr
    assert json.loads(probe_ok.stdout)["files"][0]["kind"] == "video"
    assert "-clip.mp4" in hash_ok.stdout
    assert snapshot(tmp_path) == before


def test_spaces_and_non_ascii_name(sources: Sources, tmp_path: Path) -> None:
    """A valid clip named with spaces and accents works: exit 0, the name comes back unchanged."""
    name = "évidence vidéo 1.mp4"
    folder, out = tmp_path / "in", tmp_path / "out dir"
    folder.mkdir()
    out.mkdir()
    (folder / name).write_bytes(sources.moov_end)
    before = snapshot(folder)
    probe_txt, probe_json, hashed = run_all(
        [["probe", name], ["probe", "--json", name], ["hash", "--json", name, "-o", f"../out dir/{name}.vvfp"]],
        folder,
    )
    assert snapshot(folder) == before
    for proc in (probe_txt, probe_json, hashed):
        assert proc.returncode == EXIT_OK, (proc.args, proc.stderr)
        assert proc.stderr == ""
    assert name in probe_txt.stdout
    [entry] = json.loads(probe_json.stdout)["files"]
    assert entry["path"] == name and entry["kind"] == "video" and entry["errors"] == []
    [fp] = json.loads(hashed.stdout)["files"]
    assert fp["path"] == name and len(fp["frames"]) == 60
    assert (out / f"{name}.vvfp").is_file()


def test_batch_keeps_going(sources: Sources, tmp_path: Path) -> None:
    """Bad files among good ones: each bad one is reported on one line, the good ones are still processed, exit 4."""
    (tmp_path / "good.mp4").write_bytes(sources.moov_end)
    (tmp_path / "good2.mp4").write_bytes(sources.moov_front)
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "text.mp4").write_text("not a video\n")
    files = ["good.mp4", "empty.mp4", "missing.mp4", "text.mp4", "good2.mp4"]
    bad = {"empty.mp4", "missing.mp4", "text.mp4"}
    before = snapshot(tmp_path)
    probed, hashed = run_all([["probe", "--json", *files], ["hash", "--json", *files]], tmp_path)
    assert snapshot(tmp_path) == before
    for proc in (probed, hashed):
        assert proc.returncode == EXIT_INPUT, proc.stderr
        assert_no_traceback(proc)
        lines = stderr_lines(proc)
        assert len(lines) == len(bad)
        assert {ln.split(": ")[2] for ln in lines} == bad
        assert all(ln.startswith(ERROR) for ln in lines)

    entries = json.loads(probed.stdout)["files"]
    assert [e["path"] for e in entries] == files
    for e in entries:
        if e["path"] in bad:
            assert e["errors"] and e["kind"] == "unknown"
        else:
            assert e["errors"] == [] and e["kind"] == "video" and e["frame_count"] == 60

    docs = json.loads(hashed.stdout)["files"]
    assert [d["path"] for d in docs] == files
    good = {d["path"]: d for d in docs if d["path"] not in bad}
    assert set(good) == {"good.mp4", "good2.mp4"}
    for d in good.values():
        assert len(d["frames"]) == 60 and all(len(f["hash"]) == 16 for f in d["frames"])
    # the same pictures in both layouts: the same fingerprints
    assert [f["hash"] for f in good["good.mp4"]["frames"]] == [f["hash"] for f in good["good2.mp4"]["frames"]]
    for d in docs:
        if d["path"] in bad:
            assert d["errors"] and "frames" not in d

    # the table form of hash lists the good files too
    table = run("hash", *files, cwd=tmp_path)
    assert table.returncode == EXIT_INPUT
    assert "good.mp4" in table.stdout and "good2.mp4" in table.stdout
