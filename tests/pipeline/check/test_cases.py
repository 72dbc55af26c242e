"""check: manifests of the demo case that hold and that do not, tampering, bad manifests, JUnit, GitHub
annotations, --init."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import ROOT
from vidverify import errors as cli_exit
from vidverify.cli import main as cli
from vidverify.models import CheckCase, CheckResult
from vidverify.pipeline.check import manifest as manifest_mod
from vidverify.pipeline.check.cases import check
from vidverify.pipeline.check.manifest import ManifestError, load_manifest
from vidverify.report import ci

EXAMPLE = ROOT / "examples" / "manifest.example.yaml"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo case at full size, in ``<tmp>/case`` (the example manifest lives one folder up)."""
    out = tmp_path_factory.mktemp("checkcase") / "case"
    subprocess.run([sys.executable, str(ROOT / "examples" / "make_case.py"), str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    return out


def example_text(case: Path) -> str:
    """examples/manifest.example.yaml with this build's hashes (the demo's bytes differ per build)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for f in yaml.safe_load(text)["files"]:
        text = text.replace(f["sha256"], sha(case.parent / f["path"]))
    return text


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def entry(path: str, digest: str, **more: Any) -> dict[str, Any]:
    return {"path": path, "sha256": digest, **more}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def by_kind(cases: list[dict[str, Any]] | tuple[CheckCase, ...]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for c in cases:
        kind = c["kind"] if isinstance(c, dict) else c.kind
        out.setdefault(kind, []).append(c)
    return out


# ------------------------------------------------------------------------------------------- holds


def test_example_manifest_is_valid_against_the_schema() -> None:
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    manifest_mod.validate_manifest(manifest_mod._plain(doc), path=str(EXAMPLE))


def test_the_example_manifest_holds_on_the_demo_case(case: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import junitparser

    manifest = write(case.parent / "manifest.yaml", example_text(case))
    junit, html = tmp_path / "report.xml", tmp_path / "report.html"
    code, out, err = run(["check", str(manifest), "--json", "--junit", str(junit), "--html", str(html),
                          "--jobs", "2"], capsys)
    doc = json.loads(out)
    assert code == cli_exit.EXIT_OK, (err, [c for c in doc["cases"] if c["status"] != "pass"])
    assert doc["schema"] == "vidverify/check@1" and doc["status"] == "pass"
    assert {"manifest", "cases", "summary", "findings"} <= set(doc)
    assert all({"id", "name", "status", "message", "evidence"} <= set(c) for c in doc["cases"])
    assert len({c["id"] for c in doc["cases"]}) == len(doc["cases"])
    s = doc["summary"]
    assert s["passed"] == s["total"] == len(doc["cases"]) and s["failed"] == s["errors"] == s["skipped"] == 0
    kinds = {k: len(v) for k, v in by_kind(doc["cases"]).items()}
    assert kinds == {"integrity": 9, "readable": 9, "relation": 8, "claim-time": 3, "claim-place": 2,
                     "writer": 9, "expected-finding": 6}
    # the capture-after-upload error is expected, so it is no case of its own; it is still reported
    assert any(f["code"] == "capture-after-upload" for f in doc["findings"])
    # sha256 before and after the run is recorded for every file, and equals the manifest's
    for f in doc["files"]:
        assert f["expected"] == f["before"] == f["after"] == f["scanned"] == sha(case.parent / Path(f["path"]).
                                                                                   relative_to(case.parent))
    integ = by_kind(doc["cases"])["integrity"][0]["evidence"]
    assert {"expected", "before", "after"} <= set(integ)
    # JUnit: one testcase per check, none failing
    xml = junitparser.JUnitXml.fromfile(str(junit))
    cases = [c for suite in xml for c in suite]
    assert len(cases) == s["total"]
    assert {c.classname for c in cases} == set(kinds)
    assert not any(c.result for c in cases)
    page = html.read_text(encoding="utf-8")
    assert 'id="checks"' in page and "expected-finding" in page and not list(tmp_path.glob(".*.part"))
    # the round trip of the result
    doc.pop("schema")
    assert CheckResult.from_dict(json.loads(json.dumps(doc))).to_dict() == doc


# ------------------------------------------------------------------------------------------- tampering


def test_a_tampered_copy_fails_integrity(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = case / "reupload_trimmed.mp4"
    copy = tmp_path / "archive" / "clip.mp4"
    copy.parent.mkdir()
    data = bytearray(src.read_bytes())
    data[len(data) // 2] ^= 0x01  # one byte, in the media data
    copy.write_bytes(bytes(data))
    manifest = write(tmp_path / "archive" / "vidverify.yaml", yaml.safe_dump({"files": [
        entry("clip.mp4", sha(src))]}))
    code, out, _ = run(["check", str(manifest), "--json", "--jobs", "1", "--no-pictures"], capsys)
    doc = json.loads(out)
    assert code == cli_exit.EXIT_FINDINGS
    [integ] = by_kind(doc["cases"])["integrity"]
    assert integ["status"] == "fail" and "changed or replaced" in integ["message"]
    assert integ["evidence"]["expected"] == sha(src)
    assert integ["evidence"]["before"] == integ["evidence"]["after"] == sha(copy) != sha(src)
    assert by_kind(doc["cases"])["readable"][0]["status"] == "pass"
    assert copy.read_bytes() == bytes(data)  # the check never writes to an input


def test_a_file_changed_during_the_check_fails(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    cases_mod = importlib.import_module("vidverify.pipeline.check.cases")
    clip = tmp_path / "clip.mp4"
    shutil.copy(case / "reupload_trimmed.mp4", clip)
    digest = sha(clip)
    manifest = write(tmp_path / "m.yaml", yaml.safe_dump({"files": [entry("clip.mp4", digest)]}))
    real_scan = cases_mod.scan

    def scan_then_touch(*a: Any, **k: Any) -> Any:
        result = real_scan(*a, **k)
        with open(clip, "ab") as fh:
            fh.write(b"\0")
        return result

    monkeypatch.setattr(cases_mod, "scan", scan_then_touch)
    r = check(manifest, pictures=False)
    [fc] = r.files
    assert fc.expected == fc.before == fc.scanned == digest and fc.after == sha(clip) != digest
    assert not fc.unchanged
    [integ] = [c for c in r.cases if c.kind == "integrity"]
    assert integ.status == "fail" and "changed while it was checked" in integ.message
    assert r.status == "fail"


def test_an_unreadable_listed_file_is_an_error_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path / "notes.mp4", "not a video\n" * 10)
    manifest = write(tmp_path / "vidverify.yaml", yaml.safe_dump({"files": [entry("notes.mp4", sha(bad))]}))
    code, out, _ = run(["check", str(manifest), "--json"], capsys)
    doc = json.loads(out)
    assert code == cli_exit.EXIT_INPUT
    kinds = by_kind(doc["cases"])
    assert kinds["integrity"][0]["status"] == "pass"
    assert kinds["readable"][0]["status"] == "error" and doc["summary"]["errors"] == 1


# ------------------------------------------------------------------------------------------- false statements


def lies_manifest(case: Path) -> dict[str, Any]:
    """Original, its clean re-encode, the vertical re-upload and the mirrored one, with statements that are false."""
    c = case.parent
    return {
        "files": [
            entry("case/IMG_4521.MOV", sha(c / "case/IMG_4521.MOV"), id="original",
                  **{"independent-of": ["reencoded"]}),  # false: the re-encode shows the same footage
            entry("case/reupload_reencoded.mp4", sha(c / "case/reupload_reencoded.mp4"), id="reencoded"),
            entry("case/reupload_vertical_caption.mp4", sha(c / "case/reupload_vertical_caption.mp4"), id="vertical",
                  claims={"time": {"after": "2026-03-18", "before": "2026-03-20"},  # captured on 14 March
                          "place": {"lat": 38.7223, "lon": -9.1393, "radius_m": 20000}},  # Lisbon; it is New York
                  **{"same-footage-as": ["original"]}),
            entry("case/reupload_mirrored.mp4", sha(c / "case/reupload_mirrored.mp4"), id="mirrored"),
        ],
        "expected-findings": [{"code": "future-date", "files": ["original"]}],  # not raised
        "policy": {"fail-on": "error", "allowed-writers": ["camera"]},  # the demo is written by FFmpeg
    }


def test_false_relation_claims_and_policy_fail(case: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    import junitparser

    manifest = write(case.parent / "lies.yaml", yaml.safe_dump(lies_manifest(case), sort_keys=False))
    junit = tmp_path / "lies.xml"
    code, out, err = run(["check", str(manifest), "--junit", str(junit), "--github", "--jobs", "2"], capsys)
    assert code == cli_exit.EXIT_FINDINGS, err
    r = check(manifest, jobs=2)
    cases = {(c.kind, c.name): c for c in r.cases}
    rel = cases[("relation", "original independent-of reencoded")]
    assert rel.status == "fail" and "same footage" in rel.message and rel.evidence["group_a"] == rel.evidence["group_b"]
    same = cases[("relation", "vertical same-footage-as original")]
    assert same.status == "pass"
    [t] = [c for c in r.cases if c.kind == "claim-time"]
    assert t.status == "fail" and "2026-03-14" in t.message and "IMG_4521.MOV" in t.message
    [p] = [c for c in r.cases if c.kind == "claim-place"]
    assert p.status == "fail" and p.evidence["compared_with"][0]["distance_m"] > 5_000_000
    assert {c.name: c.status for c in r.cases if c.kind == "writer"} == dict.fromkeys(
        ("original", "reencoded", "vertical", "mirrored"), "fail")
    [x] = [c for c in r.cases if c.kind == "expected-finding"]
    assert x.status == "fail" and "future-date" in x.message
    [f] = [c for c in r.cases if c.kind == "finding"]  # the capture-after-upload error nobody expected
    assert f.status == "fail" and f.evidence["finding"]["code"] == "capture-after-upload" and f.severity == "error"
    # the place claim covers the scan's place-mismatch finding: no case of its own
    assert not any(c.kind == "finding" and "place-mismatch" in c.name for c in r.cases)
    assert all(c.status == "pass" for c in r.cases if c.kind in ("integrity", "readable"))
    assert r.summary["failed"] == 9 == len(r.failed)

    # JUnit: one testcase per check, the failures where they belong
    xml = junitparser.JUnitXml.fromfile(str(junit))
    tcs = [c for suite in xml for c in suite]
    assert len(tcs) == r.summary["total"]
    failures = [c for c in tcs if any(isinstance(x, junitparser.Failure) for x in c.result)]
    assert len(failures) == 9
    assert sum(1 for c in failures if c.classname == "writer") == 4
    # --github: one annotation per failing check, pointing at the manifest line of the expectation
    gh = [ln for ln in out.splitlines() if ln.startswith("::")]
    assert len(gh) == 9
    pat = re.compile(r"^::(error|warning|notice) file=[^,:]+(,line=\d+)?,title=[^,:]+::\S.*$")
    assert all(pat.match(ln) for ln in gh), gh
    lines = manifest.read_text().splitlines()
    rel_line = next(ln for ln in gh if "independent-of reencoded" in ln)
    n = int(re.search(r",line=(\d+),", rel_line).group(1))  # type: ignore[union-attr]
    assert "reencoded" in lines[n - 1]
    # a stricter fail-on from the command line adds the warnings
    r2 = check(manifest, fail_on="warning", jobs=2, pictures=False)
    assert {c.evidence["finding"]["code"] for c in r2.cases if c.kind == "finding"} >= {"capture-after-upload",
                                                                                        "edited"}


# ------------------------------------------------------------------------------------------- bad manifests


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    d = tmp_path / "archive"
    write(d / "a.mp4", "a")
    write(d / "b.mp4", "b")
    write(tmp_path / "outside.mp4", "outside")
    return d


def _ok(d: Path) -> list[dict[str, Any]]:
    return [entry("a.mp4", sha(d / "a.mp4"), id="a"), entry("b.mp4", sha(d / "b.mp4"))]


BAD_YAML = [
    # (manifest text with {A} and {B} for the hashes, field named in the message, line, words in the message)
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    colour: red\n", "files[0].colour", 4, "unknown field"),
    ("files:\n  - path: a.mp4\n    sha256: 5\n", "files[0].sha256", 3, "should be text"),
    ("files:\n  - path: a.mp4\n    sha256: abc\n", "files[0].sha256", 3, "64 hex digits"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n  - path: missing.mp4\n    sha256: {B}\n", "files[1].path", 4,
     "no such file"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n  - path: ../outside.mp4\n    sha256: {B}\n", "files[1].path", 4,
     "through '..'"),
    ("files:\n  - path: /etc/passwd\n    sha256: {A}\n", "files[0].path", 2, "absolute"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    same-footage-as: [nope.mp4]\n", "files[0].same-footage-as[0]",
     4, "not a file of this manifest"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    claims:\n      time: yesterday\n", "files[0].claims.time", 5,
     "ISO 8601"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    claims:\n      time: {{after: 2026-03-20, before: 2026-03-01}}\n",
     "files[0].claims.time", 5, "empty"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    claims:\n      place: {{lat: 95, lon: 0}}\n",
     "files[0].claims.place.lat", 5, "maximum"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    claims:\n      time: 5\n", "files[0].claims.time", 5,
     "not a valid value"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\npolicy:\n  fail-on: sometimes\n", "policy.fail-on", 5, "one of"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\npolicy:\n  tolerances:\n    clock: 3\n", "policy.tolerances.clock", 6,
     "unknown field"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\nextra: 1\n", "extra", 4, "unknown field"),
    ("policy: {{}}\n", None, 1, "missing required field 'files'"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n  - path: ./a.mp4\n    sha256: {A}\n", "files[1].path", 4,
     "listed twice"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    same-footage-as: [b.mp4]\n  - path: b.mp4\n    sha256: {B}\n"
     "    independent-of: [a.mp4]\n", "files[1].independent-of", 7, "both"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n   bad: [\n", None, 4, "not valid YAML"),
]


@pytest.mark.parametrize(("text", "field", "line", "words"), BAD_YAML)
def test_bad_manifests_exit_2_naming_field_and_line(archive: Path, capsys: pytest.CaptureFixture[str], text: str,
                                                    field: str | None, line: int, words: str) -> None:
    manifest = write(archive / "vidverify.yaml", text.format(A=sha(archive / "a.mp4"), B=sha(archive / "b.mp4")))
    code, out, err = run(["check", str(manifest)], capsys)
    assert code == cli_exit.EXIT_USAGE, err
    assert out == ""
    assert f"line {line}:" in err and words in err, err
    if field:
        assert f"{field}:" in err, err
    with pytest.raises(ManifestError) as exc:
        load_manifest(manifest)
    assert exc.value.line == line and exc.value.field == field


def test_a_symlink_out_of_the_folder_is_rejected(archive: Path) -> None:
    os.symlink(archive.parent / "outside.mp4", archive / "link.mp4")
    manifest = write(archive / "m.yaml", yaml.safe_dump({"files": [entry("link.mp4", "0" * 64)]}))
    with pytest.raises(ManifestError, match="through a symlink") as exc:
        load_manifest(manifest)
    assert exc.value.field == "files[0].path" and exc.value.line == 2


def test_json_manifests_get_fields_and_lines_too(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = {"files": [{"path": "a.mp4", "sha256": sha(archive / "a.mp4"), "id": 7}]}
    manifest = write(archive / "m.json", json.dumps(doc, indent=2))
    code, _, err = run(["check", str(manifest)], capsys)
    assert code == cli_exit.EXIT_USAGE and "files[0].id: should be text, got int" in err and "line 6:" in err
    assert run(["check", str(archive / "none.yaml")], capsys)[0] == cli_exit.EXIT_USAGE
    assert run(["check"], capsys)[0] == cli_exit.EXIT_USAGE
    assert run(["check", str(manifest), "--init", str(archive)], capsys)[0] == cli_exit.EXIT_USAGE


def test_a_valid_manifest_resolves_ids_paths_and_policy(archive: Path) -> None:
    text = yaml.safe_dump({
        "version": 1,
        "files": [entry("a.mp4", sha(archive / "a.mp4"), id="a", **{"same-footage-as": ["b.mp4"]},
                        claims={"time": "2026-03-14T09:26:53-04:00", "place": "40.6892,-74.0445"}),
                  entry("b.mp4", sha(archive / "b.mp4").upper(), claims={"time": {"before": "2026-03-15"}})],
        "policy": {"fail-on": "warning", "allowed-writers": ["camera"], "now": "2026-04-01T00:00:00Z",
                   "tolerances": {"clock-tolerance-s": 30, "place-tolerance-m": 100}},
    }, sort_keys=False)
    m = load_manifest(write(archive / "ok.yaml", text))
    a, b = m.entries
    assert (a.id, b.id, a.same[0][0]) == ("a", "b.mp4", "b.mp4")
    assert b.sha256 == sha(archive / "b.mp4")
    assert a.path == os.path.join(str(archive), "a.mp4")
    assert a.time is not None and a.time.exact and b.time is not None and not b.time.exact
    assert a.place is not None and (a.place.lat, a.place.lon) == (40.6892, -74.0445)
    assert m.fail_on == "warning" and m.allowed_writers == ("camera",)
    assert (m.policy.clock_tolerance_s, m.policy.place_tolerance_m, m.policy.now) == (30.0, 100.0,
                                                                                      "2026-04-01T00:00:00Z")
    table = manifest_mod.claims_table(m)
    assert table[os.path.abspath(a.path)].claimed_time == "2026-03-14T09:26:53-04:00"
    assert table[os.path.abspath(b.path)].claimed_time is None  # a window is checked by check, not the timeline


# ------------------------------------------------------------------------------------------- renderers


def test_github_annotation_escaping() -> None:
    case = CheckCase("finding:x", "finding", "a,b: c", "fail", "100% wrong\r\nsecond line: yes, really",
                     severity="warning", line=12)
    r = CheckResult(manifest="ev, 1:a.yaml", fail_on="warning", status="fail", cases=(case,),
                    summary={"total": 1, "passed": 0, "failed": 1, "errors": 0, "skipped": 0})
    assert ci.github_annotations(r) == [
        "::warning file=ev%2C 1%3Aa.yaml,line=12,title=vidverify finding%3A a%2Cb%3A c::100%25 wrong%0D%0Asecond "
        "line: yes, really"
    ]
    ok = CheckCase("x", "integrity", "a", "pass", "fine")
    assert ci.github_annotations(CheckResult("m", "error", "pass", (ok,), {})) == []


def test_junit_marks_each_status(tmp_path: Path) -> None:
    import junitparser

    cases = tuple(CheckCase(f"k:{s}", "readable", s, s, f"{s} \x07message") for s in ("pass", "fail", "error", "skip"))
    r = CheckResult("m.yaml", "error", "error", cases,
                    {"total": 4, "passed": 1, "failed": 1, "errors": 1, "skipped": 1})
    from vidverify.media.files import write_atomic

    out = write_atomic(tmp_path / "j.xml", ci.junit_xml(r))
    [suite] = list(junitparser.JUnitXml.fromfile(str(out)))
    got = {c.name: [type(x).__name__ for x in c.result] for c in suite}
    assert got == {"pass": [], "fail": ["Failure"], "error": ["Error"], "skip": ["Skipped"]}
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (4, 1, 1, 1)
    assert not list(tmp_path.glob(".*.part"))


# ------------------------------------------------------------------------------------------- --init


def test_init_writes_a_manifest_that_passes(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "evidence"
    d.mkdir()
    for name in ("IMG_4521.MOV", "reupload_mirrored.mp4", "reupload_mirrored.info.json", "reupload_reencoded.mp4",
                 "reupload_reencoded.info.json", "IMG_4522.MOV"):
        shutil.copy(case / name, d / name)
    code, out, err = run(["check", "--init", str(d), "--jobs", "2"], capsys)
    assert code == cli_exit.EXIT_OK, err
    manifest = d / "vidverify.yaml"
    text = manifest.read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    assert [f["path"] for f in doc["files"]] == ["IMG_4521.MOV", "IMG_4522.MOV", "reupload_mirrored.mp4",
                                                 "reupload_reencoded.mp4"]
    assert all(f["sha256"] == sha(d / f["path"]) for f in doc["files"])
    rel = {f["path"]: f.get("same-footage-as") for f in doc["files"]}
    assert rel == {"IMG_4521.MOV": None, "IMG_4522.MOV": None, "reupload_mirrored.mp4": ["IMG_4521.MOV"],
                   "reupload_reencoded.mp4": ["IMG_4521.MOV"]}
    assert {x["code"] for x in doc["expected-findings"]} == {"capture-after-upload"}
    code, out, err = run(["check", str(manifest), "--json", "--jobs", "2"], capsys)
    result = json.loads(out)
    assert code == cli_exit.EXIT_OK, [c for c in result["cases"] if c["status"] != "pass"]
    assert result["summary"]["failed"] == 0 and result["summary"]["passed"] == result["summary"]["total"] == 11
    # never over an existing manifest
    code, _, err = run(["check", "--init", str(d)], capsys)
    assert code == cli_exit.EXIT_USAGE and "already exists" in err
    assert manifest.read_text(encoding="utf-8") == text
