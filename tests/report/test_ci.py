"""report/ci.py: GitHub annotations (escaped, one per failing check, pointing at the manifest line) and JUnit XML
(one testcase per check, each status its element), written atomically."""

from __future__ import annotations

from pathlib import Path

from vidverify.models import CheckCase, CheckResult
from vidverify.report import ci


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
