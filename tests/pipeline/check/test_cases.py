"""pipeline/check/cases.py, check: the example manifest holds on the demo case; tampered, changing and unreadable
files; false relations, claims and policy fail, with JUnit and GitHub annotations (through the command line too).
The demo case is copied to each test's folder first (``case_copy``), so the manifests sit above their files."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.pipeline.check.helpers import by_kind, entry, example_text, run, sha, write
from vidverify import errors as cli_exit
from vidverify.models import CheckResult, ScanResult
from vidverify.pipeline.check.cases import check

# ------------------------------------------------------------------------------------------- holds


def test_the_example_manifest_holds_on_the_demo_case(case_copy: Path, demo_scan: ScanResult, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import junitparser

    manifest = write(case_copy.parent / "manifest.yaml", example_text(case_copy))
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
    # integrity: the 9 media files and the 8 documents (7 sidecars and the claims file); no file is unlisted
    assert kinds == {"integrity": 17, "readable": 9, "relation": 8, "claim-time": 3, "claim-place": 2,
                     "writer": 9, "expected-finding": 6}
    # the check's scan (the manifest's claims and policy) groups the files as the demo scan (claims.yaml) does
    name = os.path.basename
    assert [(name(g["reference"]), sorted(map(name, g["members"]))) for g in doc["scan"]["groups"]] == [
        (name(g.reference), sorted(map(name, g.members))) for g in demo_scan.groups]
    # the capture-after-upload error is expected, so it is no case of its own; it is still reported
    assert any(f["code"] == "capture-after-upload" for f in doc["findings"])
    # sha256 before and after the run is recorded for every file, and equals the manifest's
    for f in doc["files"]:  # the documents are hashed, not scanned
        scanned = None if f["path"].endswith((".json", ".yaml")) else sha(Path(f["path"]))
        assert f["expected"] == f["before"] == f["after"] == sha(Path(f["path"])) and f["scanned"] == scanned
        assert Path(f["path"]).parent == case_copy
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
    assert page.count('<td class="muted">document</td>') == 8  # the sidecars and claims file: hashed, not scanned
    # the page opens with the verdict and a row per listed file, above the scan it ran
    assert '<section class="banner pass" id="verdict"' in page and f"{s['total']} of {s['total']} checks passed" in page
    assert page.count('<tr class="file-pass">') == len(doc["files"]) and 'id="not-passed"' not in page
    assert page.index('id="verdict"') < page.index('id="files-summary"') < page.index('id="group-g1"')
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
    page = tmp_path / "report.html"
    code, out, _ = run(["check", str(manifest), "--json", "--jobs", "1", "--no-pictures", "--html", str(page)],
                       capsys)
    doc = json.loads(out)
    assert code == cli_exit.EXIT_FINDINGS
    text = page.read_text(encoding="utf-8")  # FAIL first, the failing check listed under it
    assert '<section class="banner fail" id="verdict"' in text and '<div class="word">FAIL</div>' in text
    assert text.index('id="verdict"') < text.index('id="not-passed"') < text.index("changed or replaced")
    assert '<tr class="file-fail">' in text
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
    page = tmp_path / "report.html"
    code, out, _ = run(["check", str(manifest), "--json", "--html", str(page)], capsys)
    doc = json.loads(out)
    assert code == cli_exit.EXIT_INPUT
    assert '<div class="word">ERROR</div>' in page.read_text(encoding="utf-8")  # the page is written all the same
    kinds = by_kind(doc["cases"])
    assert kinds["integrity"][0]["status"] == "pass"
    assert kinds["readable"][0]["status"] == "error" and doc["summary"]["errors"] == 1


def test_a_listed_file_gone_missing_is_an_integrity_error_exit_4(case: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The archive lost a file: not a manifest error (exit 2) but the archive's integrity (exit 4), and the
    other files are still checked."""
    shutil.copy(case / "reupload_trimmed.mp4", tmp_path / "kept.mp4")
    manifest = write(tmp_path / "vidverify.yaml", yaml.safe_dump({"files": [
        entry("kept.mp4", sha(tmp_path / "kept.mp4")), entry("gone.mp4", "ab" * 32)]}))
    code, out, err = run(["check", str(manifest), "--json", "--no-pictures"], capsys)
    doc = json.loads(out)
    assert code == cli_exit.EXIT_INPUT, err
    integ = {c["name"]: c for c in by_kind(doc["cases"])["integrity"]}
    assert integ["gone.mp4"]["status"] == "error" and "missing" in integ["gone.mp4"]["message"]
    assert integ["kept.mp4"]["status"] == "pass"
    assert {c["name"]: c["status"] for c in by_kind(doc["cases"])["readable"]} == {"kept.mp4": "pass",
                                                                                  "gone.mp4": "error"}


# ------------------------------------------------------------------------------------------- false statements


def lies_manifest(case: Path) -> dict[str, Any]:
    """Original, its clean re-encode, the vertical re-upload and the mirrored one, with statements that are false
    (the manifest goes in ``case``'s parent folder)."""
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
        "policy": {"fail-on": "error", "allowed-writers": ["camera"],  # the demo is written by FFmpeg
                   "unlisted": "ignore"},  # lists 4 of the case's files: the others are not its subject
    }


def test_false_relation_claims_and_policy_fail(case_copy: Path, scans: list[Any], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    import junitparser

    manifest = write(case_copy.parent / "lies.yaml", yaml.safe_dump(lies_manifest(case_copy), sort_keys=False))
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
    r2 = check(manifest, fail_on="warning", jobs=2)
    assert {c.evidence["finding"]["code"] for c in r2.cases if c.kind == "finding"} >= {"capture-after-upload",
                                                                                        "edited"}
    assert r2.summary["failed"] > r.summary["failed"]
    assert len(scans) == 1  # the command line, check() and the stricter fail-on: one scan of the four files


def test_check_reuses_an_index_and_junit_carries_times(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``check --index``: a CI run decodes only what changed; JUnit testcases carry the time each one took."""
    import xml.etree.ElementTree as ET

    import vidverify.pipeline.ingest as ingest

    shutil.copy(case / "reupload_trimmed.mp4", tmp_path / "a.mp4")
    manifest = write(tmp_path / "vidverify.yaml", yaml.safe_dump({"files": [entry("a.mp4", sha(tmp_path / "a.mp4"))]}))
    db, junit = tmp_path / "ci.sqlite", tmp_path / "report.xml"
    code, _out, err = run(["check", str(manifest), "--index", str(db), "--junit", str(junit), "--no-pictures"],
                          capsys)
    assert code == cli_exit.EXIT_OK, err
    root = ET.parse(junit).getroot()
    times = {tc.get("classname"): float(tc.get("time") or -1) for tc in root.iter("testcase")}
    suite = root.find("testsuite")
    assert suite is not None and times["readable"] > 0 and times["integrity"] > 0
    assert float(suite.get("time") or 0) >= times["readable"] + times["integrity"] - 0.002

    def no_decoding(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("decoded a file the index holds")

    monkeypatch.setattr(ingest, "read_file", no_decoding)
    code, _out, err = run(["check", str(manifest), "--index", str(db), "--no-pictures", "--jobs", "1"], capsys)
    assert code == cli_exit.EXIT_OK, err


def test_a_place_name_in_the_manifest_is_checked_against_gps(tmp_path: Path) -> None:
    """A manifest's claimed place may be a name, read as in a claims file: it holds within the reach of any place
    the name can mean, fails far from all of them, and a name that cannot be placed is skipped with the reason."""
    from vidverify.testing import synth

    base = synth.make_scene(tmp_path / "base.mp4", seconds=1.0, size=(160, 96), seed=5, audio=False)
    archive = tmp_path / "archive"
    names = {"nyc.MOV": "New York City", "kyiv.MOV": "Kyiv, Ukraine", "nowhere.MOV": "Xyzzyville"}
    for k, name in enumerate(names):  # three phone files on Liberty Island (GPS), distinct bytes
        synth.add_capture_metadata(base, archive / name, creation_time=f"2026-03-14T13:2{k}:00Z")
    manifest = write(archive / "vidverify.yaml", yaml.safe_dump({"files": [
        entry(n, sha(archive / n), claims={"place": text}) for n, text in names.items()]}))
    r = check(manifest, pictures=False)
    cases = {c.name.split(" ")[0]: c for c in r.cases if c.kind == "claim-place"}
    assert cases["nyc.MOV"].status == "pass", cases["nyc.MOV"].message
    assert cases["kyiv.MOV"].status == "fail" and "from Kyiv" in cases["kyiv.MOV"].message
    assert cases["kyiv.MOV"].evidence["lookup"]["candidates"][0]["geonameid"] == 703448
    assert cases["nowhere.MOV"].status == "skip" and "not compared" in cases["nowhere.MOV"].message
    assert r.status == "fail"
