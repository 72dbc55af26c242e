"""A check result for CI systems: JUnit XML (one testcase per check) and GitHub Actions annotations."""

from __future__ import annotations

import json

from ..media import files
from ..models import CheckResult


def junit_xml(result: CheckResult) -> str:
    """JUnit XML: one ``<testcase>`` per case (classname = kind, name = case name), ``<failure>`` for fail,
    ``<error>`` for error, ``<skipped/>`` for skip; the message in the ``message`` attribute and the evidence
    as the element's text."""
    import xml.etree.ElementTree as ET

    s = result.summary
    suites = ET.Element("testsuites", name="vidverify check", tests=str(s["total"]), failures=str(s["failed"]),
                        errors=str(s["errors"]), skipped=str(s["skipped"]))
    suite = ET.SubElement(suites, "testsuite", name=f"vidverify check {result.manifest}", tests=str(s["total"]),
                          failures=str(s["failed"]), errors=str(s["errors"]), skipped=str(s["skipped"]),
                          time=f"{sum(c.seconds for c in result.cases):.3f}")
    for c in result.cases:
        tc = ET.SubElement(suite, "testcase", classname=c.kind, name=c.name, time=f"{c.seconds:.3f}")
        if c.line is not None:
            tc.set("file", result.manifest)
            tc.set("line", str(c.line))
        detail = json.dumps(c.evidence, indent=2, ensure_ascii=False, default=str)
        if c.status == "fail":
            el = ET.SubElement(tc, "failure", message=_xml_safe(c.message), type=c.severity)
            el.text = _xml_safe(detail)
        elif c.status == "error":
            el = ET.SubElement(tc, "error", message=_xml_safe(c.message), type="unreadable")
            el.text = _xml_safe(detail)
        elif c.status == "skip":
            ET.SubElement(tc, "skipped", message=_xml_safe(c.message))
        else:
            out = ET.SubElement(tc, "system-out")
            out.text = _xml_safe(c.message)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (control characters from file metadata)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20 and ch not in "\ufffe\uffff")


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(s: str) -> str:
    return _gh_data(s).replace(":", "%3A").replace(",", "%2C")


GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def github_annotations(result: CheckResult) -> list[str]:
    """GitHub workflow commands, one per failing or erroring case: ``::error file=MANIFEST,line=N,title=...::msg``
    (the annotation points at the manifest line the expectation comes from). Data is escaped per GitHub's rules
    (``%``, CR, LF), properties also ``:`` and ``,``."""
    lines = []
    for c in result.cases:
        if c.status not in ("fail", "error"):
            continue
        level = "error" if c.status == "error" else GITHUB_LEVELS.get(c.severity, "error")
        props = [f"file={_gh_prop(result.manifest)}"]
        if c.line is not None:
            props.append(f"line={c.line}")
        props.append(f"title={_gh_prop(f'vidverify {c.kind}: {c.name}')}")
        lines.append(f"::{level} {','.join(props)}::{_gh_data(c.message)}")
    return lines


def write_junit(path: str, result: CheckResult) -> None:
    """Write :func:`junit_xml` to ``path`` atomically."""
    files.write_atomic(path, junit_xml(result))


__all__ = ["GITHUB_LEVELS", "github_annotations", "junit_xml", "write_junit"]
