"""cli/main.py: the parser, help and version, and the one mapping of errors to exit codes (usage 2, a missing or
unusable ffmpeg 3, a missing input 4), through ``python -m vidverify`` and in-process; the CLI modules import only
the package face, ``errors`` and ``report``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import vidverify
from tests import ROOT
from tests.cli.helpers import (
    ERROR,
    EXIT_DEPENDENCY,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_USAGE,
    assert_one_error_line,
    assert_usage_error,
    cli_env,
    vidverify_cli,
)
from vidverify.cli import main as cli

# --------------------------------------------------------------------------------------------- help, version

HELP_EXAMPLES = {
    (): "vidverify probe clip.mp4",
    ("probe",): "vidverify probe IMG_4521.MOV",
    ("hash",): "vidverify hash clip.mp4 -o clip.vvfp",
    ("compare",): "vidverify compare IMG_4521.MOV reupload.mp4",
    ("scan",): "vidverify scan downloads/ --json > scan.json",
    ("index",): "vidverify index add archive/",
    ("index", "add"): "vidverify index add *.mp4 --index cases.sqlite",
    ("index", "stats"): "vidverify index stats --index cases.sqlite",
    ("search",): "vidverify search tiktok.mp4",
    ("check",): "vidverify check --init evidence/",
    ("frames",): "vidverify frames clip.mp4 --out stills/",
}


def test_help_through_python_m_vidverify() -> None:
    proc = vidverify_cli("--help")
    assert proc.returncode == EXIT_OK and proc.stderr == ""
    assert proc.stdout.startswith("usage: vidverify")
    assert "examples:" in proc.stdout and HELP_EXAMPLES[()] in proc.stdout


@pytest.mark.parametrize("command", list(HELP_EXAMPLES), ids=lambda c: " ".join(c) or "main")
def test_every_command_s_help_shows_an_example(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main([*command, "--help"])
    out, err = capsys.readouterr()
    assert done.value.code == EXIT_OK and err == ""
    assert out.startswith("usage: vidverify" + "".join(f" {c}" for c in command))
    assert "examples:" in out and HELP_EXAMPLES[command] in out


def test_every_command_has_its_help_tested() -> None:
    parser = cli.build_parser()
    [sub] = [a for a in parser._actions if a.dest == "command"]
    names = {(n,) for n in sub.choices}  # type: ignore[union-attr]
    [ix] = [a for a in sub.choices["index"]._actions if a.dest == "index_command"]  # type: ignore[index]
    names |= {("index", n) for n in ix.choices}  # type: ignore[union-attr]
    assert names | {()} == set(HELP_EXAMPLES)


def _scan_help(capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        cli.main(["scan", "--help"])
    return capsys.readouterr().out


def test_scan_help_lists_every_finding_code(capsys: pytest.CaptureFixture[str]) -> None:
    listed = _scan_help(capsys).split("finding codes", 1)[1].split("Exit 1", 1)[0]
    joined = listed.replace("-\n", "-").replace("\n", " ")
    assert [c.strip(" .") for c in joined.split(":", 1)[1].split(",")] == [c.name for c in vidverify.FINDING_CODES]


def test_scan_help_keeps_each_finding_code_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _scan_help(capsys).splitlines()
    for c in vidverify.FINDING_CODES:
        assert any(c.name in ln for ln in lines), c.name


def test_version() -> None:
    proc = vidverify_cli("--version")
    assert proc.returncode == EXIT_OK
    assert proc.stdout.strip() == f"vidverify {vidverify.__version__}"


def test_no_command_is_a_usage_error() -> None:
    proc = vidverify_cli()
    assert proc.returncode == EXIT_USAGE
    assert "usage: vidverify" in proc.stdout + proc.stderr and "probe" in proc.stdout + proc.stderr


# --------------------------------------------------------------------------------------------- errors and exit codes


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


@pytest.mark.parametrize("how", ["option", "environment"])
def test_missing_ffmpeg_is_exit_3(how: str, media: dict[str, Path]) -> None:
    if how == "option":
        proc = vidverify_cli("--ffmpeg", "/nonexistent/ffmpeg", "hash", str(media["clip"]))
    else:
        proc = vidverify_cli("hash", str(media["clip"]), env=cli_env(VIDVERIFY_FFMPEG="/nonexistent"))
    line = assert_one_error_line(proc, EXIT_DEPENDENCY)
    assert "ffmpeg" in line and "/nonexistent" in line
    assert proc.stdout == ""


def test_missing_input_is_exit_4(tmp_path: Path) -> None:
    for command in ("probe", "hash"):
        line = assert_one_error_line(vidverify_cli(command, "nope.mp4", cwd=tmp_path), EXIT_INPUT)
        assert line == f"{ERROR} nope.mp4: no such file"


# --------------------------------------------------------------------------------------------- layering

CLI = ROOT / "src" / "vidverify" / "cli"
FACE = "vidverify"  # the package face, its public names imported lazily
ALLOWED = ("vidverify.errors", "vidverify.report", "vidverify.cli")  # and these packages and modules


def _imported_modules(path: Path) -> list[str]:
    """The vidverify modules ``path`` (a module of vidverify.cli) imports, as absolute dotted names."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ["vidverify", "cli"][: 2 - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # "from .. import errors" imports a module; "from ..errors import X" names in one
            out += [f"{module}.{a.name}" if not node.module else module for a in node.names]
    return [m for m in out if m == "vidverify" or m.startswith("vidverify.")]


def test_cli_imports_only_the_face_errors_and_report() -> None:
    modules = sorted(CLI.glob("*.py"))
    assert {p.name for p in modules} >= {"__init__.py", "main.py", "commands.py"}
    seen = set()
    for path in modules:
        for m in _imported_modules(path):
            seen.add(m)
            ok = m == FACE or any(m == a or m.startswith(a + ".") for a in ALLOWED)
            assert ok, f"{path.relative_to(ROOT)} imports {m}: the CLI uses the package face, errors and report only"
    assert FACE in seen and "vidverify.errors" in seen  # the walk saw the imports it should
    assert any(m.startswith("vidverify.report") for m in seen)


def test_the_import_rule_check_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"  # what a CLI module must not do, in each form of import
    bad.write_text("from ..pipeline.scanning import scan\nfrom .. import media, errors\nimport vidverify.signals\n"
                   "from . import commands\nimport json\n", encoding="utf-8")
    assert _imported_modules(bad) == ["vidverify.pipeline.scanning", "vidverify.media", "vidverify.errors",
                                      "vidverify.signals", "vidverify.cli.commands"]


def test_main_help_names_every_environment_variable(capsys: pytest.CaptureFixture[str]) -> None:
    """A new user learns the memory caps and the trust list from --help, not only from the README."""
    from vidverify.media import ffmpeg
    from vidverify.media.formats import c2pa
    from vidverify.pipeline import workers

    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in (workers.MEMORY_ENV, ffmpeg.MAX_PIXELS_ENV, c2pa.TRUST_ENV, ffmpeg.ENV_VAR):
        assert name in text
    assert f"default {workers.DEFAULT_WORKER_MEMORY_MB}" in text and str(ffmpeg.DEFAULT_MAX_PIXELS) in text


def test_probe_help_names_the_formats_handed_to_the_c2pa_library(capsys: pytest.CaptureFixture[str]) -> None:
    from vidverify.media.formats import c2pa

    with pytest.raises(SystemExit):
        cli.main(["probe", "--help"])
    text = capsys.readouterr().out
    for ext in c2pa.OTHER_FORMATS:
        name = {".tif": "TIFF", ".tiff": "TIFF", ".jxl": "JPEG XL"}.get(ext, ext[1:].upper())
        assert name in text, ext
