"""tools/check_layers.py on small fake trees: import resolution, each rule firing and passing, bad rules files,
the --stats figures on a known graph, and (once docs/architecture.json exists) the real project passing."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = "src/vidverify/"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_layers", ROOT / "tools" / "check_layers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_layers"] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


cl = _load()

SIGNALS_RULE = {"from": SRC + "signals/", "may_not_import": [SRC + "media/"], "why": "pure"}


def tree(root: Path, files: dict[str, str], rules: dict[str, Any] | None = None) -> Path:
    """Write files (paths under src/vidverify unless they start with another top folder) and the rules."""
    for rel, text in {"__init__.py": "", **files}.items():
        path = root / (rel if rel.startswith(("docs/", "pyproject")) else SRC + rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    if rules is not None:
        (root / "docs").mkdir(exist_ok=True)
        (root / "docs" / "architecture.json").write_text(json.dumps(rules), encoding="utf-8")
    return root


def run(root: Path, capsys: pytest.CaptureFixture[str], *args: str, err: list[str] | None = None
        ) -> tuple[int, list[str]]:
    code = cl.main(["--root", str(root), *args])
    captured = capsys.readouterr()
    if err is not None:
        err += captured.err.splitlines()
    return code, captured.out.splitlines()


def violations(lines: list[str], rule: str = "") -> list[str]:
    return [line for line in lines if f": [{rule}" in line]


def edges_of(root: Path) -> set[tuple[str, str, int, bool, bool]]:
    mods = cl.load_modules(root)
    by_name = {m.name: p for p, m in mods.items()}
    return {(e.src.removeprefix(SRC), e.dst.removeprefix(SRC), e.line, e.lazy, e.typing_only)
            for m in mods.values() for e in cl.imports(m, by_name)[0]}


# --- import resolution -------------------------------------------------------------------------------------------

def test_imports_resolve_to_files(tmp_path: Path) -> None:
    tree(tmp_path, {
        "media/__init__.py": "HELPER = 1\n",
        "media/decode.py": "",
        "media/formats/__init__.py": "",
        "errors.py": "",
        "a.py": """\
            import vidverify.media.decode
            from vidverify.media import decode, HELPER
            from vidverify import errors, __version__
            from .media import formats
            import vidverify
            import os, numpy
            """,
        "media/probe.py": """\
            from . import decode, HELPER
            from ..errors import X
            from .. import errors
            """,
    })
    found = {(src, dst, line) for src, dst, line, _, _ in edges_of(tmp_path)}
    assert found == {
        ("a.py", "media/decode.py", 1), ("a.py", "media/decode.py", 2), ("a.py", "media/__init__.py", 2),
        ("a.py", "errors.py", 3), ("a.py", "__init__.py", 3), ("a.py", "media/formats/__init__.py", 4),
        ("a.py", "__init__.py", 5),
        ("media/probe.py", "media/decode.py", 1), ("media/probe.py", "media/__init__.py", 1),
        ("media/probe.py", "errors.py", 2), ("media/probe.py", "errors.py", 3),
    }  # import vidverify.media.decode is one edge: not also to vidverify/__init__.py or media/__init__.py


def test_lazy_and_type_checking_edges_are_marked(tmp_path: Path) -> None:
    tree(tmp_path, {"b.py": "", "a.py": """\
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from . import b
        else:
            import vidverify.b
        def f():
            from vidverify import b
        g = lambda: __import__("x")
        def h():
            return importlib.import_module("vidverify.b")
        """})
    assert {(line, lazy, tc) for _, _, line, lazy, tc in edges_of(tmp_path)} == {
        (3, False, True), (5, False, False), (7, True, False), (10, True, False)}


def test_unresolved_import_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree(tmp_path, {"a.py": "from vidverify.gone import x\n"})
    err: list[str] = []
    assert run(tmp_path, capsys, "--stats", err=err)[0] == 0
    assert err == [f"{SRC}a.py:1: warning: vidverify.gone is no module under {SRC}"]


# --- layers --------------------------------------------------------------------------------------------------------

def test_forbidden_imports_found_in_every_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree(tmp_path, {
        "media/__init__.py": "", "media/decode.py": "", "signals/__init__.py": "", "signals/other.py": "",
        "signals/bad.py": """\
            import vidverify.media.decode
            from ..media import decode
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from vidverify.media.decode import Frame
            try:
                from vidverify.media import decode as d
            except ImportError:
                pass
            def later():
                from vidverify.media.decode import run
            from . import other
            from .. import errors
            """,
        "errors.py": "",
    }, {"layers": [SIGNALS_RULE]})
    code, out = run(tmp_path, capsys)
    assert code == 1
    found = violations(out, "layers")
    assert [line.split(": [")[0] for line in found] == [f"{SRC}signals/bad.py:{n}" for n in (1, 2, 5, 7, 11)]
    assert "(lazy)" in found[-1] and "may not import src/vidverify/media/: pure" in found[0]
    assert out[-1].startswith("5 violations, 0 cycles;")


def test_allowed_imports_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree(tmp_path, {"signals/__init__.py": "", "signals/a.py": "from . import b\nfrom ..errors import E\n",
                    "signals/b.py": "", "errors.py": "", "media/__init__.py": "",
                    "media/x.py": "from vidverify.signals import a\n"}, {"layers": [SIGNALS_RULE]})
    assert run(tmp_path, capsys) == (0, ["0 violations, 0 cycles; 7 modules, longest import chain 3"])


def test_except_and_from_never_matches_itself(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = {"layers": [
        {"from": SRC, "except": [SRC + "testing/"], "may_not_import": [SRC + "testing/"]},
        {"from": SRC, "except": [SRC + "__init__.py", SRC + "__main__.py", SRC + "cli/"],
         "may_not_import": [SRC + "__init__.py"]},
        {"from": SRC + "_version.py", "may_not_import": [SRC]},
        {"from": SRC + "media/", "may_not_import": [SRC + "cli/", SRC]},
    ]}
    tree(tmp_path, {
        "__init__.py": "from ._version import __version__\nfrom .cli import main\n",
        "__main__.py": "from . import main\n",
        "_version.py": "from . import errors\n",
        "errors.py": "",
        "cli/__init__.py": "", "cli/main.py": "from vidverify import __version__\nfrom .. import errors\n",
        "models.py": "from . import __version__\nfrom .errors import E\n",
        "testing/__init__.py": "", "testing/synth.py": "from . import helpers\n", "testing/helpers.py": "",
        "media/__init__.py": "", "media/a.py": "from ..testing import synth\nfrom . import b\n", "media/b.py": "",
    }, rules)
    code, out = run(tmp_path, capsys)
    assert code == 1
    assert [line.split(" [")[0] for line in violations(out, "layers")] == [
        f"{SRC}_version.py:1:",  # a file rule: the whole package is forbidden
        f"{SRC}media/a.py:1:",  # testing/ is inside "from" src/vidverify/ but listed on its own
        f"{SRC}media/a.py:1:",  # and media/'s own rule forbids all of src/vidverify/ outside media/
        f"{SRC}models.py:1:",  # the face; cli/, __main__ and the face itself are excepted
    ]


def test_deprecated_shim_marker_exempts_layers_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree(tmp_path, {"media/__init__.py": "", "media/files.py": "from ..signals import fp\n",
                    "signals/__init__.py": "", "signals/fp.py": """\
        import vidverify.media.files  # layering: deprecated shim
        class Fingerprint:
            def save(self, path):  # layering: deprecated shim
                from ..media import files
                return files
            def load(self, path):
                from ..media import files
        """}, {"layers": [SIGNALS_RULE], "no_cycles": {"scope": SRC}})
    code, out = run(tmp_path, capsys)
    assert [line.split(" [")[0] for line in violations(out, "layers")] == [f"{SRC}signals/fp.py:7:"]
    assert len(violations(out, "no_cycles")) == 1  # a shim is still a dependency


# --- no_cycles -----------------------------------------------------------------------------------------------------

def test_cycle_found_and_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree(tmp_path, {
        "index.py": "from .scan import discover\n",
        "scan.py": "X = 1\n\ndef f():\n    from .index import Index\n",
        "selfish.py": "from . import selfish\n",
        "ok.py": "from . import index\n",
    }, {"no_cycles": {"scope": SRC}})
    code, out = run(tmp_path, capsys)
    assert code == 1
    assert violations(out, "no_cycles") == [
        f"{SRC}index.py:1: [no_cycles] import cycle among 2 module(s) (index.py, scan.py): "
        "index.py:1 -> scan.py:4 (lazy) -> index.py",
        f"{SRC}selfish.py:1: [no_cycles] import cycle among 1 module(s) (selfish.py): selfish.py:1 -> selfish.py",
    ]
    assert out[-1] == "2 violations, 2 cycles; 5 modules, longest import chain 2"


def test_cycle_outside_scope_is_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree(tmp_path, {"a.py": "from . import b\n", "b.py": "from . import a\n", "media/__init__.py": ""},
         {"no_cycles": {"scope": SRC + "media/"}})
    assert run(tmp_path, capsys)[0] == 0


# --- module_names --------------------------------------------------------------------------------------------------

def test_module_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree(tmp_path, {
        "__init__.py": """\
            _LAZY = {"scan": ".pipeline.scanning", **{n: ".models" for n in ("Match", "pipeline")}}
            __all__ = ["scan", "compare", "Match"]
            """,
        "scan.py": "", "models.py": "", "pipeline/__init__.py": "__all__ = ('scanning', 'ingest')\n",
        "pipeline/scanning.py": "",
    }, {"module_names": {"rule": "r"}})
    code, out = run(tmp_path, capsys)
    assert code == 1
    assert violations(out, "module_names") == [
        f"{SRC}__init__.py:1: [module_names] exports 'pipeline', which is also the module {SRC}pipeline/__init__.py",
        f"{SRC}__init__.py:1: [module_names] exports 'scan', which is also the module {SRC}scan.py",
        f"{SRC}__init__.py:2: [module_names] exports 'scan', which is also the module {SRC}scan.py",
        f"{SRC}pipeline/__init__.py:1: [module_names] exports 'scanning', which is also the module "
        f"{SRC}pipeline/scanning.py",
    ]


# --- sizes ---------------------------------------------------------------------------------------------------------

def test_sizes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = {"sizes": {"max_lines_per_module": 3, "exceptions": {SRC + "big.py": 5},
                       "max_lines_total": {SRC + "cli/": 4}, "max_lines_face": {SRC + "__init__.py": 1}}}
    tree(tmp_path, {
        "__init__.py": "a\nb\n",
        "ok.py": "1\n2\n3\n4",  # wc -l: 3 newlines
        "long.py": "1\n2\n3\n4\n",
        "big.py": "1\n2\n3\n4\n5\n",
        "cli/__init__.py": "1\n2\n", "cli/main.py": "1\n2\n3\n",
    }, rules)
    code, out = run(tmp_path, capsys)
    assert code == 1
    assert violations(out, "sizes") == [
        f"{SRC}__init__.py:0: [sizes] 2 lines; the face limit is 1",
        f"{SRC}cli/:0: [sizes] 5 lines in all; the limit is 4",
        f"{SRC}long.py:0: [sizes] 4 lines; the module limit is 3",
    ]


# --- single_sources ------------------------------------------------------------------------------------------------

SINGLE = [
    {"what": "finding codes", "only_in": SRC + "evidence/codes.py", "check": "(tests and README excluded)"},
    {"what": "per-frame channel names", "only_in": SRC + "signals/fingerprint.py",
     "check": "the literals 'crop_mirrored', 'half_flat' appear in no other module"},
    {"what": "atomic writes", "only_in": SRC + "media/files.py",
     "check": "os.replace and tempfile.mkstemp are called only in media/files.py (testing/ excluded)"},
    {"what": "regular-file checks", "only_in": SRC + "media/files.py", "check": "stat.S_ISREG only in media/files.py"},
    {"what": "sha256 of a file", "only_in": SRC + "media/files.py",
     "check": "hashlib.sha256 over file contents only in media/files.py (packets.py digests packets, not files)"},
    {"what": "--jobs default", "only_in": SRC + "pipeline/workers.py", "check": "os.cpu_count only in workers"},
]

CLEAN = {
    "evidence/__init__.py": "", "signals/__init__.py": "", "media/__init__.py": "", "pipeline/__init__.py": "",
    "testing/__init__.py": "",
    "evidence/codes.py": 'RECYCLED = "recycled-footage"\nEDITED: str = "edited"\n_NOT_A_CODE = "same-footage"\n'
                         'SCHEMA = "vidverify/finding@1"\n',
    "evidence/timeline.py": '"""Finds recycled-footage."""\nfrom .codes import RECYCLED\nx = "same-footage"\n'
                            'def f():\n    "edited"\n',
    "signals/fingerprint.py": 'CHANNELS = ("crop_mirrored", "half_flat")\n',
    "signals/picture.py": "def f(fp):\n    return fp.half_flat\n",
    "media/files.py": "import hashlib, os, stat, tempfile\nos.replace\ntempfile.mkstemp()\nstat.S_ISREG(1)\n"
                      "hashlib.sha256()\n",
    "media/packets.py": "from hashlib import sha256\nsha256()\n",
    "pipeline/workers.py": "import os\nos.cpu_count()\n",
    "testing/synth.py": 'import os\nos.replace("a", "b")\nx = "recycled-footage"\n',
}


def test_single_sources_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree(tmp_path, CLEAN, {"single_sources": SINGLE})
    assert run(tmp_path, capsys)[0] == 0


@pytest.mark.parametrize(("what", "text", "line"), [
    ("finding codes", 'x = {"recycled-footage": 1}\n', 1),
    ("finding codes", 'def f():\n    """Doc."""\n    return "edited"\n', 3),
    ("per-frame channel names", 'x = 1\nnames = ["half_flat"]\n', 2),
    ("atomic writes", "import os\nos.replace('a', 'b')\n", 2),
    ("atomic writes", "from tempfile import mkstemp as mk\nfd, name = mk()\n", 2),
    ("regular-file checks", "import stat as st\nok = st.S_ISREG(0)\n", 2),
    ("sha256 of a file", "import hashlib\nh = hashlib.sha256()\n", 2),
    ("--jobs default", "import os\nn = min(os.cpu_count() or 1, 8)\n", 2),
])
def test_single_sources_fire(tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str, text: str,
                             line: int) -> None:
    tree(tmp_path, {**CLEAN, "cli.py": text}, {"single_sources": SINGLE})
    code, out = run(tmp_path, capsys)
    assert code == 1
    assert [v.split(" ", 1)[0] for v in violations(out, "single_sources")] == [f"{SRC}cli.py:{line}:"]
    assert f"[single_sources: {what}]" in out[0]


def test_missing_code_catalogue_is_a_violation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {k: v for k, v in CLEAN.items() if k != "evidence/codes.py"}
    tree(tmp_path, files, {"single_sources": SINGLE[:1]})
    assert run(tmp_path, capsys) == (1, [
        f"{SRC}evidence/codes.py:0: [single_sources: finding codes] the catalogue of finding codes does not exist "
        "(or does not parse)", "1 violations, 0 cycles; 13 modules, longest import chain 1"])


# --- typing --------------------------------------------------------------------------------------------------------

TYPING = {"typing": {"marker": "src/vidverify/py.typed exists and is listed in package-data"}}


def test_typing_marker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree(tmp_path, {"pyproject.toml": '[tool.setuptools.package-data]\n"vidverify" = ["schemas/*.json"]\n'}, TYPING)
    code, out = run(tmp_path, capsys)
    assert (code, [v.split(" ", 1)[0] for v in violations(out, "typing")]) == (
        1, ["pyproject.toml:0:", f"{SRC}py.typed:0:"])
    tree(tmp_path, {"py.typed": "",
                    "pyproject.toml": '[tool.setuptools.package-data]\n"vidverify" = ["schemas/*.json", "py.typed"]\n'})
    assert run(tmp_path, capsys)[0] == 0


# --- bad rules files -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rules", [
    "{not json",
    '{"layers": [{"from": "src/vidverify/a.py"}]}',
    '{"layer": []}',
    '{"single_sources": [{"what": "colour names", "only_in": "src/vidverify/a.py", "check": "x"}]}',
    '{"single_sources": [{"what": "per-frame channel names", "only_in": "src/vidverify/a.py", "check": "none"}]}',
    '{"sizes": {"max_lines_per_module": "700"}}',
    '{"no_cycles": {}}',
    '{"typing": {"marker": "a marker"}}',
    "[]",
])
def test_bad_rules_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], rules: str) -> None:
    tree(tmp_path, {"docs/architecture.json": rules})
    err: list[str] = []
    assert run(tmp_path, capsys, err=err)[0] == 2
    assert len(err) == 1 and err[0].startswith("check_layers: ")


def test_missing_rules_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree(tmp_path, {"a.py": ""})
    assert run(tmp_path, capsys)[0] == 2  # checking needs rules
    assert run(tmp_path, capsys, "--rules", str(tmp_path / "nope.json"), "--stats")[0] == 2
    assert run(tmp_path, capsys, "--stats")[0] == 0  # figures do not
    assert run(tmp_path / "docs", capsys, "--stats")[0] == 2  # no package there


# --- --stats -------------------------------------------------------------------------------------------------------

def test_stats_on_a_known_graph(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # g -> {e <-> f} -> a -> b -> c/ -> d ; g's import is TYPE_CHECKING only
    tree(tmp_path, {
        "a.py": "from . import b\n", "b.py": "from .c import x\n", "c/__init__.py": "",
        "c/x.py": "from .. import d\nfrom . import y\n", "c/y.py": "\n\n", "d.py": "\n",
        "e.py": "from . import f, a\n", "f.py": "def g():\n    from . import e\n",
        "g.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import e\n",
    })
    code, out = run(tmp_path, capsys, "--stats", "--json")
    doc = json.loads("\n".join(out))
    assert (code, doc["violations"], doc["cycles"], doc["modules"], doc["longest_chain"]) == (0, 0, 1, 10, 6)
    full, runtime = doc["stats"]["all"], doc["stats"]["runtime"]
    assert {k: full[k] for k in ("rooms", "floors", "arrows", "back_arrows", "circles")} == {
        "rooms": 8, "floors": 6, "arrows": 7, "back_arrows": 2, "circles": 1}
    assert full["room_cycles"] == full["module_cycles"] == [["e.py", "f.py"]]
    assert full["chain"] == ["g.py", "e.py + f.py", "a.py", "b.py", "c/x.py", "c/y.py"]
    assert (runtime["floors"], runtime["arrows"], runtime["chain"][0]) == (5, 6, "e.py + f.py")
    assert doc["stats"]["inside"] == {"c/": {"nodes": 2, "floors": 2, "arrows": 1, "back_arrows": 0, "circles": 0}}
    assert doc["stats"]["lines"] == {"(top)": 9, "c/": 4}
    assert doc["stats"]["total_lines"] == 13

    code, out = run(tmp_path, capsys, "--stats")
    assert code == 0 and out[0] == "0 violations, 1 cycles; 10 modules, longest import chain 6"
    assert "  floors           6 | 5" in out


def test_stats_on_an_acyclic_tree_agree_with_every_definition(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    tree(tmp_path, {"a.py": "from . import b\n", "b.py": ""})
    doc = json.loads("\n".join(run(tmp_path, capsys, "--stats", "--json")[1]))
    assert doc["stats"]["all"] == doc["stats"]["runtime"]
    assert doc["stats"]["all"]["chain"] == ["a.py", "b.py"]


# --- the real project ----------------------------------------------------------------------------------------------

@pytest.mark.skipif(not (ROOT / "docs" / "architecture.json").exists(),
                    reason="docs/architecture.json does not exist yet (it arrives with the layout redesign)")
def test_real_project_keeps_its_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(ROOT, capsys, "--rules", str(ROOT / "docs" / "architecture.json"))
    assert code == 0, "\n".join(out)
