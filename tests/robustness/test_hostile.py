"""Hostile input (tests/fixtures/hostile.py) through the command line: probe, hash and compare.

For every hostile file, ``probe --json``, ``hash --json`` and ``compare --json HOSTILE good.mp4`` run in-process
through ``cli.main`` (a watchdog thread: a case that does not finish within CASE_TIMEOUT_S is a hang), and a few
run as real processes with a timeout (batches, names that are not UTF-8, the FIFO). Each must:

- exit 0 or 4 (never 1 for an internal error, never a traceback),
- write only one-line ``vidverify: error:`` / ``vidverify: warning:`` messages on stderr,
- print valid JSON,
- finish in time (nothing blocks on a FIFO, nothing loops).

A batch of every hostile file plus a good one still reports the good one. The tally (files tried, crashes,
hangs) is printed at the end of the module and written to ``$VIDVERIFY_HOSTILE_TALLY`` when that is set.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.fixtures import hostile

EXIT_OK, EXIT_INPUT = 0, 4
CASE_TIMEOUT_S = 90.0  # one in-process command on one tiny hostile file (a hang otherwise)
PROCESS_TIMEOUT_S = 300.0  # one real process over a batch
MESSAGE_PREFIXES = ("vidverify: error: ", "vidverify: warning: ")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass
class Tally:
    files: set[str] = field(default_factory=set)
    runs: int = 0
    crashes: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class Corpus:
    folder: Path
    entries: tuple[hostile.Hostile, ...]
    good: str  # name of the good file in the folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    root = tmp_path_factory.mktemp("hostile")
    sources = hostile.make_sources(root / "src")
    folder = root / "in"
    entries = hostile.build(folder, sources)
    hostile.good_file(folder, sources)
    return Corpus(folder, tuple(entries), "good.mp4")


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    t = Tally()
    yield t
    summary = (f"hostile inputs: {len(t.files)} files tried, {t.runs} command runs in {t.seconds:.0f} s, "
               f"{len(t.crashes)} crashes, {len(t.hangs)} hangs")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            reporter.write_line("")
            reporter.write_line(summary)
            for what in t.crashes + t.hangs:
                reporter.write_line(f"  {what}")
    if out := os.environ.get("VIDVERIFY_HOSTILE_TALLY"):
        Path(out).write_text(json.dumps({"files": len(t.files), "runs": t.runs, "crashes": t.crashes,
                                         "hangs": t.hangs, "seconds": round(t.seconds, 1)}, indent=2))


# ------------------------------------------------------------------------------------------ running


@dataclass(frozen=True)
class Result:
    args: list[str]
    code: int | None  # None: did not finish (a hang)
    out: str
    err: str
    seconds: float


def _unblock_fifos(folder: Path) -> None:
    """Give every FIFO of the corpus a writer that closes at once: a reader blocked in open() gets EOF."""
    for p in folder.iterdir():
        if p.is_fifo():
            with contextlib.suppress(OSError):
                os.close(os.open(p, os.O_WRONLY | os.O_NONBLOCK))


def run_inprocess(args: list[str], cwd: Path) -> Result:
    """``cli.main(args)`` in a watchdog thread, with stdout/stderr captured and ``cwd`` as working directory."""
    from vidverify.cli import main as cli

    out, err = io.StringIO(), io.StringIO()
    box: dict[str, int] = {}

    def target() -> None:
        box["code"] = cli.main(args)

    old = os.getcwd()
    os.chdir(cwd)
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            thread.join(CASE_TIMEOUT_S)
            hung = thread.is_alive()
            if hung:  # a hang, whatever happens next: unblock a reader stuck on a FIFO so the run can end
                _unblock_fifos(cwd)
                thread.join(10)
    finally:
        os.chdir(old)
    code = None if hung else box.get("code")
    return Result(args, code, out.getvalue(), err.getvalue(), time.perf_counter() - started)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIDVERIFY_DEBUG", "VIDVERIFY_FFMPEG")}
    env["NO_COLOR"] = "1"
    return env


def run_process(args: list[str], cwd: Path, timeout: float = PROCESS_TIMEOUT_S) -> Result:
    """``python -m vidverify ARGS`` as a real process (own process group, killed on timeout)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "vidverify", *args], cwd=cwd, env=_env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        _unblock_fifos(cwd)
        out, err = proc.communicate()
        code = None
    return Result(args, code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                  time.perf_counter() - started)


def check(r: Result, tally: Tally, name: str, *, json_out: bool) -> list[str]:
    """Problems with one run (empty when it behaved), recorded in the tally."""
    tally.runs += 1
    tally.seconds += r.seconds
    label = f"{' '.join(r.args[:2])} {name!r}"
    if r.code is None:
        tally.hangs.append(f"{label}: no result after {r.seconds:.0f} s")
        return [f"hang: {label}"]
    problems = []
    if r.code not in (EXIT_OK, EXIT_INPUT):
        problems.append(f"exit {r.code}")
    if "Traceback" in r.out + r.err or "internal error" in r.err:
        problems.append("traceback or internal error")
    bad_lines = [ln for ln in r.err.splitlines() if ln.strip() and not ln.startswith(MESSAGE_PREFIXES)]
    if bad_lines:
        problems.append(f"stderr lines that are not one-line messages: {bad_lines[:3]}")
    if json_out and (r.out.strip() or r.args[0] != "compare" or r.code == EXIT_OK):  # compare may print nothing
        try:
            json.loads(r.out)
        except ValueError as exc:
            problems.append(f"invalid JSON on stdout ({exc})")
    if problems:
        tally.crashes.append(f"{label}: {'; '.join(problems)}: {r.err.strip()[-300:]}")
    return problems


# ------------------------------------------------------------------------------------------ the cases


def _names() -> list[str]:
    """Case names for parametrisation, known before the corpus is built (the generators are deterministic)."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        return [h.name for h in hostile.build(Path(d) / "in")]


NAMES = _names()


def _entry(corpus: Corpus, name: str) -> hostile.Hostile:
    return next(h for h in corpus.entries if h.name == name)


@pytest.mark.parametrize("name", NAMES, ids=[n.encode("unicode_escape").decode() for n in NAMES])
def test_hostile_file(name: str, corpus: Corpus, tally: Tally) -> None:
    entry = _entry(corpus, name)
    tally.files.add(name)
    sep = ["--"]  # every name goes after '--' (some start with '-')
    problems: list[str] = []
    results = []
    for args in (["probe", "--json", *sep, name], ["hash", "--json", *sep, name],
                 ["compare", "--json", *sep, name, corpus.good]):
        r = run_inprocess(args, corpus.folder)
        results.append(r)
        problems += [f"{args[0]}: {p}" for p in check(r, tally, name, json_out=True)]
    assert not problems, f"{entry.what}: {problems}\n" + "\n".join(r.err for r in results)

    probed, hashed, compared = results
    [info] = json.loads(probed.out)["files"]
    assert info["path"] == name
    if probed.code == EXIT_INPUT:
        assert info["errors"] and info["kind"] == "unknown"
    if not entry.regular:
        assert probed.code == hashed.code == compared.code == EXIT_INPUT, entry.what
    if name == "locked.mp4" and not IS_ROOT:
        assert probed.code == EXIT_INPUT and "ermission" in probed.err
    [fp] = json.loads(hashed.out)["files"]
    assert fp["path"] == name
    if hashed.code == EXIT_INPUT:
        assert fp["errors"] and "frames" not in fp
    else:
        assert fp["frames"], "exit 0 from hash with no frames"
    if entry.what.startswith(("a newline", "a name", "bytes that")):  # valid clips under hostile names
        # 'file:colon.mp4' was read by libavformat as colon.mp4 (another file, or none) before input_url
        assert probed.code == hashed.code == EXIT_OK and info["kind"] == "video", (name, probed.err, hashed.err)
    if name == "tag-spoof.mp4":  # a file's own "vidverify.*" tags are dropped, never trusted
        assert probed.code == EXIT_OK and not any(k.startswith("vidverify.xmp") for k in info.get("tags", {}))
    if compared.code == EXIT_OK:
        doc = json.loads(compared.out)
        assert doc["schema"] == "vidverify/compare@1" and doc["verdict"] in (
            "identical", "same-footage", "partial-overlap", "unrelated")


def test_unreadable_file_as_root_is_reported_honestly(corpus: Corpus) -> None:
    """chmod 000 stops nobody when the tests run as root: say so instead of pretending the check ran."""
    if not IS_ROOT:
        pytest.skip("not root: test_hostile_file checks that chmod 000 gives exit 4 with 'Permission denied'")
    r = run_inprocess(["probe", "--json", "locked.mp4"], corpus.folder)
    assert r.code in (EXIT_OK, EXIT_INPUT)
    pytest.skip("running as root: a chmod 000 file is readable, so the permission check cannot be exercised")


def test_batch_reports_the_good_file(corpus: Corpus, tally: Tally) -> None:
    """probe and hash over every hostile file plus a good one, as real processes: the good one is still reported."""
    names = [h.name for h in corpus.entries if "\n" not in h.name] + [corpus.good]
    for args in (["probe", "--json", "--", *names], ["hash", "--json", "--", *names]):
        r = run_process(args, corpus.folder)
        assert not check(r, tally, f"batch of {len(names)}", json_out=True), r.err[-2000:]
        assert r.code == EXIT_INPUT  # some of them are unreadable
        docs = json.loads(r.out)["files"]
        assert [d["path"] for d in docs] == names
        good = docs[-1]
        if args[0] == "probe":
            assert good["kind"] == "video" and good["errors"] == [] and good["frame_count"] == 30
        else:
            assert len(good["frames"]) == 30 and not good.get("errors")


def test_real_processes(corpus: Corpus, tally: Tally) -> None:
    """Real processes where in-process capture would hide a problem: names that are not UTF-8 or hold a newline
    (stdout encoding, one-line messages), and the FIFO (nothing may block opening it)."""
    specials = [h.name for h in corpus.entries if not h.regular] + [
        h.name for h in corpus.entries if h.what.startswith(("bytes that", "a newline", "a name"))]
    for name in specials:
        for args in (["probe", "--json", "--", name], ["hash", "--", name], ["compare", "--json", "--", name,
                                                                                 corpus.good]):
            r = run_process(args, corpus.folder, timeout=60)
            assert not check(r, tally, name, json_out="--json" in args), (name, r.err)
    r = run_process(["compare", "--json", corpus.good, "fifo.mp4"], corpus.folder, timeout=60)
    assert r.code == EXIT_INPUT and "fifo.mp4" in r.err


def test_ffmpeg_timeout_is_enforced(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    """VIDVERIFY_TIMEOUT bounds every ffmpeg process: a decode that runs over it is killed (with its process
    group) and reported as an input error, not left running."""
    from vidverify.errors import InputError
    from vidverify.media import ffmpeg

    monkeypatch.setenv("VIDVERIFY_TIMEOUT", "0.5")
    assert ffmpeg.timeout_for(None) == pytest.approx(0.5)
    started = time.perf_counter()
    with pytest.raises(InputError, match="did not finish"):
        # an endless lavfi source through the same popen as decoding: only the deadline stops it
        with ffmpeg.popen(["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=30", "-f", "null", "-"]) as proc:
            proc.wait()
    with pytest.raises(InputError, match="did not finish"):
        ffmpeg.run(["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=30", "-f", "null", "-"])
    assert time.perf_counter() - started < 20


def test_timeout_through_the_command_line(corpus: Corpus, monkeypatch: pytest.MonkeyPatch, tally: Tally) -> None:
    """A decode over VIDVERIFY_TIMEOUT is an unreadable input for the command: exit 4, one line, valid JSON."""
    monkeypatch.setenv("VIDVERIFY_TIMEOUT", "0.001")
    r = run_inprocess(["hash", "--json", corpus.good], corpus.folder)
    assert not check(r, tally, "good.mp4 with VIDVERIFY_TIMEOUT=0.001", json_out=True), r.err
    assert r.code == EXIT_INPUT and "did not finish within 0.001 s" in r.err
    [doc] = json.loads(r.out)["files"]
    assert doc["errors"] and "frames" not in doc
