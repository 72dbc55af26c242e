#!/usr/bin/env python3
"""Check src/vidverify against the layering rules in docs/architecture.json (stdlib only: ast, json, tomllib).

    python tools/check_layers.py [--rules docs/architecture.json] [--root .] [--stats] [--json]

Every .py under <root>/src/vidverify is parsed with ast. Every import of the package (``import vidverify.x.y``,
``from vidverify.x import y``, relative ``from . import x`` / ``from ..x import y``, at module level, inside
functions, under ``if TYPE_CHECKING:`` or in try/except, and ``importlib.import_module("vidverify...")`` with a
literal name) becomes an edge to one file: ``from pkg import name`` goes to pkg/name.py (or pkg/name/__init__.py)
when that submodule exists, else to pkg's own file (a name defined in pkg/__init__.py imports __init__.py).
Only the target module itself is an edge: ``import vidverify.a.b`` does not also count vidverify/__init__.py and
vidverify/a/__init__.py, although Python runs them (they are run for every import and would make every module
import the face). Sections of the rules file, each checked when present (an unknown section is an error):

- layers: a file under "from" (a "/"-ending prefix is a folder, else one file; "except" paths are left out) may not
  import a path under any "may_not_import" entry. A "from" path never matches itself: a target inside "from" is
  allowed when the entry covers "from" as a whole, and forbidden when the entry is a separate path inside it.
  An import whose line, or whose enclosing def line, carries ``# layering: deprecated shim`` is exempt here and
  from no_cycles (a shim kept for one release reaches up on purpose).
- no_cycles: strongly connected components of the module graph within "scope" (every import counts: a lazy or
  TYPE_CHECKING import is still a dependency, and the printed cycle says which edges are lazy).
- module_names: a name in a package __init__'s __all__ or in the keys of a module-level ``_LAZY*`` dict literal
  may not be the name of a sibling module or subpackage.
- sizes: physical lines (newline count, like wc -l) per module, per folder in total, and of the face.
- single_sources: the check for each entry is chosen by its "what" (an unknown "what" is an error). Files named in
  the "check" text (``media/files.py``, relative to src/vidverify; a bare ``packets.py`` is a sibling of
  "only_in") are allowed besides "only_in", and a folder followed by "excluded" (``testing/ excluded``) is skipped.
  Docstrings never count as literals. Finding codes are the module-level UPPER_CASE string constants of
  "only_in" that look like codes (``recycled-footage``, ``duplicate``); testing/ is skipped.
- typing: the py.typed marker exists and [tool.setuptools.package-data] in pyproject.toml lists it. (The
  "mypy" and "ci" entries are enforced by .ci/run running mypy and this script.)

Output: ``path:line: [rule] message`` per violation (line 0: the whole file or folder), then the summary
``N violations, M cycles; K modules, longest import chain L`` (M: module cycles incl. self-imports; L: modules on
the longest chain, each cycle condensed to one node). Exit 0 clean, 1 on any violation, 2 on a bad rules file.

--stats (no rules file needed; --json always carries them) adds the layout figures: rooms (a folder directly under
src/vidverify is one room, each top-level module one), floors (rooms on the longest chain, each room cycle
condensed to one node), arrows (importing room pairs), back arrows (arrows on a room cycle: the target room imports
the source room back, directly or not; both arrows of a 2-cycle count), circles (module cycles of 2 or more) and
the longest module chain; each once over all imports and once over runtime ones (TYPE_CHECKING blocks left out).
Then the same per folder (rooms are its files and subfolders; its own __init__.py left out) and lines per folder.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import re
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

PKG, SRC, SHIM = "vidverify", "src/vidverify/", "# layering: deprecated shim"
SECTIONS = {"about", "layers", "no_cycles", "module_names", "sizes", "single_sources", "typing"}
USES = {"atomic writes": {"os.replace", "tempfile.mkstemp"}, "regular-file checks": {"stat.S_ISREG"},
        "sha256 of a file": {"hashlib.sha256"}, "--jobs default": {"os.cpu_count"}}
KINDS = {"finding codes", "per-frame channel names", *USES}
CODE_RE, CONST_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*"), re.compile(r"[A-Z][A-Z0-9_]*")


class RulesError(Exception):
    """The rules file is missing, not JSON, or asks for something this script cannot check (exit 2)."""


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    line: int
    lazy: bool  # inside a function, or importlib.import_module
    typing_only: bool  # under `if TYPE_CHECKING:`
    shim: bool


@dataclass(frozen=True, order=True)
class Violation:
    path: str
    line: int
    rule: str
    message: str


@dataclass
class Module:
    path: str  # posix, relative to root
    name: str  # dotted
    lines: int
    tree: ast.Module | None
    text: list[str]


def load_modules(root: Path) -> dict[str, Module]:
    mods: dict[str, Module] = {}
    for file in sorted((root / SRC).rglob("*.py")):
        data, parts = file.read_bytes(), file.relative_to(root / "src").with_suffix("").parts
        rel = file.relative_to(root).as_posix()
        try:
            tree: ast.Module | None = ast.parse(data, rel)
        except (SyntaxError, ValueError):
            tree = None
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[rel] = Module(rel, name, data.count(b"\n"), tree, data.decode("utf-8", "replace").splitlines())
    return mods


def _wanted(node: ast.AST, mod: Module, by_name: dict[str, str]) -> list[str]:
    """The dotted names of the package that one node imports (empty for anything else)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name == PKG or a.name.startswith(PKG + ".")]
    if isinstance(node, ast.Call):
        f, args = node.func, node.args
        if (isinstance(f, ast.Attribute) and f.attr == "import_module" and args and isinstance(args[0], ast.Constant)
                and isinstance(args[0].value, str) and args[0].value.split(".")[0] == PKG):
            return [args[0].value]
        return []
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        pkg = mod.name.split(".")[: None if mod.path.endswith("/__init__.py") else -1]
        up = len(pkg) - node.level + 1
        base = ".".join(pkg[:up] + ([base] if base else [])) if up > 0 else "." * node.level + base
    if base.split(".")[0] != PKG:
        return [base] if base.startswith(".") else []
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in by_name else base for a in node.names]


def imports(mod: Module, by_name: dict[str, str]) -> tuple[list[Edge], list[tuple[int, str]]]:
    """Edges of one module, and the (line, name) of imports of the package that resolve to no file."""
    edges: list[Edge] = []
    unresolved: list[tuple[int, str]] = []
    if mod.tree is None:
        return edges, unresolved
    stack: list[tuple[ast.AST, bool, bool, range]] = [(mod.tree, False, False, range(0))]
    while stack:
        node, lazy, tc, header = stack.pop()
        names = _wanted(node, mod, by_name)
        if names and isinstance(node, (ast.stmt, ast.expr)):
            lines = [*range(node.lineno, (node.end_lineno or node.lineno) + 1), *header]
            shim = any(SHIM in mod.text[i - 1] for i in lines if 0 < i <= len(mod.text))
            for name in dict.fromkeys(names):
                if name in by_name:
                    dyn = isinstance(node, ast.Call)
                    edges.append(Edge(mod.path, by_name[name], node.lineno, lazy or dyn, tc, shim))
                else:
                    unresolved.append((node.lineno, name))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            head = range(node.lineno, max(node.lineno, node.body[0].lineno - 1) + 1)
            stack += [(c, True, tc, head) for c in ast.iter_child_nodes(node)]
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in {getattr(node.test, a, None) for a in ("id", "attr")}:
            stack += [(c, lazy, True, header) for c in node.body] + [(c, lazy, tc, header) for c in node.orelse]
        else:
            stack += [(c, lazy or isinstance(node, ast.Lambda), tc, header) for c in ast.iter_child_nodes(node)]
    return sorted(edges, key=lambda e: (e.line, e.dst)), unresolved


def sccs(nodes: Iterable[str], succ: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components, iterative; each comes after every component it reaches (reverse topological)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []
    for root in sorted(nodes):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        work = [(root, iter(sorted(succ.get(root, ()))))]
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    work.append((w, iter(sorted(succ.get(w, ())))))
                    break
                if w in stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    cut = stack.index(v)
                    out.append(sorted(stack[cut:]))
                    del stack[cut:]
    return out


def figures(nodes: Iterable[str], pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nodes, floors (longest chain, cycles condensed), arrows, back arrows (on a cycle), circles, the chain."""
    nodes, arrows = sorted(set(nodes)), {(a, b) for a, b in pairs if a != b}
    succ: dict[str, set[str]] = defaultdict(set)
    for a, b in arrows:
        succ[a].add(b)
    comps = sccs(nodes, succ)
    comp_of = {n: i for i, c in enumerate(comps) for n in c}
    best: list[tuple[int, int]] = []  # (chain length from here, next component or -1)
    for i, comp in enumerate(comps):
        nxt = sorted({comp_of[w] for v in comp for w in succ[v]} - {i}, key=lambda j: (-best[j][0], j))
        best.append((1 + best[nxt[0]][0], nxt[0]) if nxt else (1, -1))
    chain, i = [], max(range(len(comps)), key=lambda j: (best[j][0], -j), default=-1)
    while i >= 0:
        chain.append(" + ".join(comps[i]))
        i = best[i][1]
    cycles = [c for c in comps if len(c) > 1]
    return {"nodes": len(nodes), "floors": len(chain), "arrows": len(arrows), "circles": len(cycles),
            "back_arrows": sum(comp_of[a] == comp_of[b] for a, b in arrows), "cycles": cycles, "chain": chain}


def room(path: str, prefix: str = SRC) -> str:
    head, sep, _ = path[len(prefix):].partition("/")
    return head + sep


def stats(mods: dict[str, Module], edges: list[Edge]) -> dict[str, Any]:
    edges = [e for e in edges if not e.shim]  # a deprecated shim is not part of the layout (as for no_cycles)
    out: dict[str, Any] = {}
    for key, use in (("all", edges), ("runtime", [e for e in edges if not e.typing_only])):
        rooms = figures((room(p) for p in mods), ((room(e.src), room(e.dst)) for e in use))
        module = figures((p[len(SRC):] for p in mods), ((e.src[len(SRC):], e.dst[len(SRC):]) for e in use))
        out[key] = {"rooms": rooms["nodes"], "floors": rooms["floors"], "arrows": rooms["arrows"],
                    "back_arrows": rooms["back_arrows"], "room_cycles": rooms["cycles"], "circles": module["circles"],
                    "module_cycles": module["cycles"], "chain": module["chain"]}
    inside = {}
    for folder in sorted({room(p) for p in mods if room(p).endswith("/")}):
        own = [p for p in mods if p.startswith(SRC + folder) and p != f"{SRC}{folder}__init__.py"]
        sub = figures((room(p, SRC + folder) for p in own), ((room(e.src, SRC + folder), room(e.dst, SRC + folder))
                      for e in edges if e.src in own and e.dst in own))
        inside[folder] = {k: sub[k] for k in ("nodes", "floors", "arrows", "back_arrows", "circles")}
    lines: dict[str, int] = defaultdict(int)
    for p, m in mods.items():
        parts = p[len(SRC):].split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            lines["/".join(parts[:depth]) + "/"] += m.lines
        lines["(top)"] += 0 if parts else m.lines
    return {**out, "inside": inside, "lines": dict(sorted(lines.items())), "total_lines": sum(lines[k] for k in
            lines if k.count("/") == 1 or k == "(top)")}


def _strs(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def load_rules(path: Path) -> dict[str, Any]:
    try:
        rules = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RulesError(f"cannot read {path}: {exc}") from exc
    if not isinstance(rules, dict) or set(rules) - SECTIONS:
        raise RulesError(f"{path}: an object with only these sections: {', '.join(sorted(SECTIONS))}")
    bad = [f"layers[{i}]" for i, r in enumerate(rules.get("layers", [])) if not (isinstance(r, dict) and isinstance(
           r.get("from"), str) and _strs(r.get("may_not_import")) and _strs(r.get("except", [])))]
    sizes = rules.get("sizes", {})
    limits = [sizes.get("max_lines_per_module", 0), *(v for k in ("exceptions", "max_lines_total", "max_lines_face")
              for v in dict(sizes.get(k, {})).values())]
    bad += ["sizes"] * any(not isinstance(v, int) for v in limits)
    bad += ["no_cycles.scope"] * ("no_cycles" in rules and not isinstance(rules["no_cycles"].get("scope"), str))
    for i, s in enumerate(rules.get("single_sources", [])):
        if not (isinstance(s, dict) and s.get("what") in KINDS and isinstance(s.get("only_in"), str)
                and isinstance(s.get("check"), str)):
            bad.append(f"single_sources[{i}] (what must be one of: {', '.join(sorted(KINDS))})")
        elif s["what"] == "per-frame channel names" and not re.findall(r"'([^']+)'", s["check"]):
            bad.append(f"single_sources[{i}] (no quoted channel names in check)")
    if "typing" in rules and not re.search(r"[\w/.-]*py\.typed", str(rules["typing"].get("marker", ""))):
        bad.append("typing.marker")
    if bad:
        raise RulesError(f"{path}: malformed {'; '.join(bad)}")
    return rules


def covers(pattern: str, path: str) -> bool:
    return path.startswith(pattern) if pattern.endswith("/") else path == pattern


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(n.body[0].value) for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef,
            ast.AsyncFunctionDef)) and n.body and isinstance(n.body[0], ast.Expr)}


def literals(tree: ast.AST) -> Iterator[tuple[int, str]]:
    docs = _docstrings(tree)
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs:
            yield n.lineno, n.value


def uses(tree: ast.AST, wanted: set[str]) -> Iterator[tuple[int, str]]:
    """References (calls or not) to the dotted names in wanted, through any import alias in the module."""
    mod_alias: dict[str, str] = {}
    name_alias: dict[str, str] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            mod_alias.update((a.asname or a.name.split(".")[0], a.name if a.asname else a.name.split(".")[0])
                             for a in n.names)
        elif isinstance(n, ast.ImportFrom) and n.module and not n.level:
            name_alias.update((a.asname or a.name, f"{n.module}.{a.name}") for a in n.names)
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in mod_alias:
            dotted = f"{mod_alias[n.value.id]}.{n.attr}"
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            dotted = name_alias.get(n.id, "")
        else:
            continue
        if dotted in wanted:
            yield n.lineno, dotted


def catalogue(tree: ast.Module) -> dict[str, str]:
    """Finding code -> constant name: module-level UPPER_CASE names bound to a code-like string literal."""
    out: dict[str, str] = {}
    for s in tree.body:
        if isinstance(s, (ast.Assign, ast.AnnAssign)) and isinstance(s.value, ast.Constant):
            code = s.value.value
            for t in s.targets if isinstance(s, ast.Assign) else [s.target]:
                if isinstance(code, str) and CODE_RE.fullmatch(code) and isinstance(t, ast.Name) and \
                        CONST_RE.fullmatch(t.id):
                    out.setdefault(code, t.id)
    return out


def single_sources(rules: dict[str, Any], mods: dict[str, Module]) -> Iterator[Violation]:
    for entry in rules.get("single_sources", []):
        what, only, text = entry["what"], entry["only_in"], entry["check"]
        tag, short = f"single_sources: {what}", only.removeprefix(SRC)
        allowed = {only} | {SRC + f if "/" in f else f"{only.rpartition('/')[0]}/{f}"
                            for f in re.findall(r"[\w/]+\.py\b", text)}
        skip = [SRC + d for d in re.findall(r"([\w/]+/) excluded", text)]
        skip += [SRC + "testing/"] if what == "finding codes" else []
        others = [(p, m.tree) for p, m in mods.items() if p not in allowed and not any(map(p.startswith, skip))
                  and m.tree]
        if what in USES:
            for path, tree in others:
                found = uses(tree, USES[what])
                yield from (Violation(path, ln, tag, f"{d} is used only in {short}") for ln, d in found)
            continue
        if what == "finding codes":
            home = mods.get(only)
            if home is None or home.tree is None:
                yield Violation(only, 0, tag, "the catalogue of finding codes does not exist (or does not parse)")
                continue
            hint = {code: f"a finding code: use {short} {name}" for code, name in catalogue(home.tree).items()}
        else:
            hint = {name: f"a channel name: only {short} spells it" for name in re.findall(r"'([^']+)'", text)}
        for path, tree in others:
            yield from (Violation(path, ln, tag, f"{s!r} is {hint[s]}") for ln, s in literals(tree) if s in hint)


def exported(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Names a package __init__ exports: its __all__ and the keys of module-level _LAZY* dict literals."""
    for s in tree.body:
        if isinstance(s, ast.Assign):
            targets, value = s.targets, s.value
        elif isinstance(s, (ast.AnnAssign, ast.AugAssign)) and s.value is not None:
            targets, value = [s.target], s.value
        else:
            continue
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if "__all__" in names:
            yield from ((n.value, n.lineno) for n in ast.walk(value) if isinstance(n, ast.Constant)
                        and isinstance(n.value, str))
        elif any(n.startswith("_LAZY") for n in names) and isinstance(value, ast.Dict):
            yield from _keys(value)


def _keys(d: ast.Dict) -> Iterator[tuple[str, int]]:
    for k, v in zip(d.keys, d.values, strict=True):
        if isinstance(k, ast.Constant) and isinstance(k.value, str):
            yield k.value, k.lineno
        elif k is None and isinstance(v, ast.Dict):
            yield from _keys(v)
        elif k is None and isinstance(v, ast.DictComp) and isinstance(v.generators[0].iter, (ast.Tuple, ast.List)):
            yield from ((n.value, n.lineno) for n in v.generators[0].iter.elts if isinstance(n, ast.Constant)
                        and isinstance(n.value, str))


def check(root: Path, rules: dict[str, Any], mods: dict[str, Module], edges: list[Edge]) -> list[Violation]:
    out = [Violation(p, 0, "parse", "does not parse; its imports are not checked") for p, m in mods.items()
           if m.tree is None]
    for e in edges:
        for r in rules.get("layers", []):
            if e.shim or not covers(r["from"], e.src) or any(covers(x, e.src) for x in r.get("except", [])):
                continue
            hit = [m for m in r["may_not_import"] if covers(m, e.dst) and not (covers(r["from"], e.dst)
                   and covers(m, r["from"]))]
            if hit:
                why = f": {r['why']}" if r.get("why") else ""
                how = " (lazy)" * e.lazy + " (TYPE_CHECKING)" * e.typing_only
                out.append(Violation(e.src, e.line, "layers", f"imports {e.dst}{how}; {r['from']} may not import "
                                     f"{hit[0]}{why}"))
    if "no_cycles" in rules:
        out += cycles(edges, rules["no_cycles"]["scope"])
    if "module_names" in rules:
        for p, m in mods.items():
            if not p.endswith("/__init__.py") or m.tree is None:
                continue
            folder = p.removesuffix("__init__.py")
            siblings = {room(q, folder).removesuffix("/").removesuffix(".py"): q for q in sorted(mods, reverse=True)
                        if q.startswith(folder) and q != p}
            out += [Violation(p, ln, "module_names", f"exports {name!r}, which is also the module {siblings[name]}")
                    for name, ln in exported(m.tree) if name in siblings]
    sizes = rules.get("sizes", {})
    limit, exc = sizes.get("max_lines_per_module"), sizes.get("exceptions", {})
    for p, m in mods.items():
        for cap, what in ((exc.get(p, limit), "module"), (sizes.get("max_lines_face", {}).get(p), "face")):
            if cap is not None and m.lines > cap:
                out.append(Violation(p, 0, "sizes", f"{m.lines} lines; the {what} limit is {cap}"))
    for folder, cap in sizes.get("max_lines_total", {}).items():
        total = sum(m.lines for p, m in mods.items() if covers(folder, p))
        if total > cap:
            out.append(Violation(folder, 0, "sizes", f"{total} lines in all; the limit is {cap}"))
    out += single_sources(rules, mods)
    if "typing" in rules:
        out += typing_marker(root, str(rules["typing"]["marker"]))
    return sorted(out)


def cycles(edges: list[Edge], scope: str) -> list[Violation]:
    # a deprecated shim reaches up by design, for one release: not a cycle of the layout
    inside = [e for e in edges if e.src.startswith(scope) and e.dst.startswith(scope) and not e.shim]
    succ: dict[str, set[str]] = defaultdict(set)
    first: dict[tuple[str, str], Edge] = {}
    for e in inside:
        succ[e.src].add(e.dst)
        first.setdefault((e.src, e.dst), e)
    out = []
    for comp in sccs({e.src for e in inside}, succ):
        if len(comp) == 1 and comp[0] not in succ[comp[0]]:
            continue
        start, parent, queue = comp[0], {comp[0]: ""}, [comp[0]]  # breadth first: a shortest way back to start
        while start not in succ[queue[0]]:
            for w in sorted(succ[queue[0]] & set(comp) - set(parent)):
                parent[w] = queue[0]
                queue.append(w)
            queue.pop(0)
        path = [queue[0]]
        while path[-1] != start:
            path.append(parent[path[-1]])
        path.reverse()
        hops = [first[a, b] for a, b in zip(path, path[1:] + [comp[0]], strict=True)]
        text = " -> ".join(f"{h.src.removeprefix(scope)}:{h.line}{' (lazy)' * h.lazy}"
                           f"{' (TYPE_CHECKING)' * h.typing_only}" for h in hops) + f" -> {comp[0].removeprefix(scope)}"
        out.append(Violation(comp[0], hops[0].line, "no_cycles", f"import cycle among {len(comp)} module(s) "
                             f"({', '.join(c.removeprefix(scope) for c in comp)}): {text}"))
    return out


def typing_marker(root: Path, marker_text: str) -> list[Violation]:
    match = re.search(r"[\w/.-]*py\.typed", marker_text)
    marker = match.group(0) if match else SRC + "py.typed"
    out = [] if (root / marker).is_file() else [Violation(marker, 0, "typing", "the PEP 561 marker is missing")]
    package, _, name = marker.removeprefix("src/").rpartition("/")
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    listed = data.get("tool", {}).get("setuptools", {}).get("package-data", {})
    patterns = [*listed.get(package.replace("/", "."), []), *listed.get("*", [])]
    if not any(fnmatch.fnmatch(name, pat) for pat in patterns):
        out.append(Violation("pyproject.toml", 0, "typing", f"[tool.setuptools.package-data] does not list {marker}"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--rules", type=Path, help="the rules file (default: <root>/docs/architecture.json)")
    ap.add_argument("--root", type=Path, default=Path("."), help="the project (holds src/vidverify)")
    ap.add_argument("--stats", action="store_true", help="print the graph figures too (no rules file needed)")
    ap.add_argument("--json", action="store_true", help="one JSON document (violations and figures) instead of text")
    args = ap.parse_args(argv)
    rules_path: Path = args.rules or args.root / "docs" / "architecture.json"
    try:
        rules = load_rules(rules_path) if args.rules or rules_path.exists() or not args.stats else {}
    except RulesError as exc:
        print(f"check_layers: {exc}", file=sys.stderr)
        return 2
    mods = load_modules(args.root)
    if not mods:
        print(f"check_layers: no .py files under {args.root / SRC}", file=sys.stderr)
        return 2
    by_name = {m.name: p for p, m in mods.items()}
    edges: list[Edge] = []
    for m in mods.values():
        found, unresolved = imports(m, by_name)
        edges += found
        for line, name in unresolved:
            print(f"{m.path}:{line}: warning: {name} is no module under {SRC}", file=sys.stderr)
    violations = check(args.root, rules, mods, edges) if rules else []
    figs = stats(mods, edges)
    selfish = {e.src for e in edges if e.src == e.dst}
    summary = {"violations": len(violations), "cycles": figs["all"]["circles"] + len(selfish), "modules": len(mods),
               "longest_chain": len(figs["all"]["chain"])}
    if args.json:
        print(json.dumps({"rules": str(rules_path) if rules else None, **summary,
                          "violation_list": [asdict(v) for v in violations], "stats": figs}, indent=1))
    else:
        for v in violations:
            print(f"{v.path}:{v.line}: [{v.rule}] {v.message}")
        print("{violations} violations, {cycles} cycles; {modules} modules, longest import chain {longest_chain}"
              .format(**summary))
        if args.stats:
            print_stats(figs)
    return 1 if violations else 0


def print_stats(figs: dict[str, Any]) -> None:
    print("figures under src/vidverify   all imports | runtime only (TYPE_CHECKING left out)")
    for label, key in (("rooms", "rooms"), ("floors", "floors"), ("arrows", "arrows"), ("back arrows", "back_arrows"),
                       ("circles", "circles")):
        print(f"  {label:<12} {figs['all'][key]:>5} | {figs['runtime'][key]}")
    for key in ("all", "runtime"):
        for kind in ("room_cycles", "module_cycles"):
            for comp in figs[key][kind]:
                print(f"  {key} {kind.replace('_', ' ')[:-1]}: {' '.join(comp)}")
        print(f"  {key} longest module chain ({len(figs[key]['chain'])}): {' -> '.join(figs[key]['chain'])}")
    for folder, f in figs["inside"].items():
        print(f"  inside {folder}: {f['nodes']} rooms on {f['floors']} floors, {f['arrows']} arrows, "
              f"{f['back_arrows']} back, {f['circles']} circles")
    print("  lines: " + ", ".join(f"{k} {v}" for k, v in figs["lines"].items()) + f"; total {figs['total_lines']}")


if __name__ == "__main__":
    sys.exit(main())
