"""The scan and check pages (report/html_scan.py): the answer first. Each group (cards, chronology, edits, its
errors and warnings) comes before the other findings, the information findings are folded in a <details>, no
table is wider than the page, and a check opens with its PASS/FAIL banner and one row per file."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from vidverify.models import (
    CheckCase,
    CheckResult,
    Claims,
    Edit,
    FileCheck,
    FileRef,
    Finding,
    Group,
    Match,
    MediaInfo,
    ScanResult,
    Segment,
)
from vidverify.report import html, html_scan

CHROMIUM = "/usr/bin/chromium"
REF, OLD, NEW, ALONE = "case/IMG_0001.MOV", "case/old_upload.mp4", "case/new_upload.mp4", "case/other.mp4"
COPIES = tuple(f"case/copy_{k}_of_the_same_footage_with_a_long_name.mp4" for k in range(5))  # a wide group
LONG_URL = "https://example.com/watch?v=" + "x" * 300  # one unbreakable value, far wider than any column


def _case() -> ScanResult:
    """A clip captured in June 2019, uploaded in 2019 and again (smaller, cropped) in 2026 as if it were new."""
    copies = tuple(MediaInfo(p, kind="video", duration=12.0, width=854, height=480, size=3_000_000 + k)
                   for k, p in enumerate(COPIES))
    files = (
        MediaInfo(REF, kind="video", duration=12.0, width=854, height=480, created="2019-06-20T10:00:00-04:00",
                  created_source="com.apple.quicktime.creationdate", make="Apple", model="iPhone 8",
                  size=4_186_416),
        MediaInfo(OLD, kind="video", duration=12.0, width=854, height=480,
                  claims=Claims(source="old_upload.info.json", upload_time="2019-06-21T08:00:00Z", uploader="first")),
        MediaInfo(NEW, kind="video", duration=12.0, width=640, height=360,
                  claims=Claims(source="new_upload.info.json", upload_time="2026-03-01T12:00:00Z", uploader="late",
                                claimed_time="2026-02-28", url=LONG_URL)),
        MediaInfo(ALONE, kind="video", duration=8.0, width=320, height=180),
        *copies,
    )
    seg = (Segment(0.0, 12.0, 0.0, 12.0),)
    pairs = (
        Match(FileRef(REF, duration=12.0), FileRef(OLD, duration=12.0), "same-footage", 0.97,
              {"a": 1.0, "b": 1.0}, seg, (Edit("reencode", 0, 12, 0, 12, {"mean_distance_bits": 2.1}),)),
        Match(FileRef(REF, duration=12.0), FileRef(NEW, duration=12.0), "same-footage", 0.8, {"a": 1.0, "b": 1.0},
              seg, (Edit("scale", detail={"a_size": [854, 480], "b_size": [640, 360]}),
                    Edit("crop", 0, 12, 0, 12, {"region": [107, 0, 640, 480], "of": "a", "kept_area": 0.75}))),
        *(Match(FileRef(REF, duration=12.0), FileRef(p, duration=12.0), "same-footage", 0.99, {"a": 1.0, "b": 1.0},
                seg) for p in COPIES),
    )
    findings = (
        Finding("recycled-footage", "error", (NEW, REF),
                "new_upload.mp4 is claimed to be from 2026-02-28, but the footage already existed in 2019",
                {"member": {"field": "claims.claimed_time", "value": "2026-02-28"},
                 "first_seen": {"field": "com.apple.quicktime.creationdate", "value": "2019-06-20T10:00:00-04:00"},
                 "days_earlier": 2444.6}),
        Finding("edited", "warning", (NEW, REF), "new_upload.mp4 differs from IMG_0001.MOV: crop",
                {"edits": ["crop"], "coverage": {"a": 1.0, "b": 1.0}}),
        *(Finding("reencoded", "info", (p,), f"{os.path.basename(p)} was written by FFmpeg", {})
          for p in (OLD, NEW, ALONE)),
    )
    group = Group("g1", (REF, OLD, NEW, *COPIES), REF, "earliest known time", pairs)
    return ScanResult(files, (group,), findings, (ALONE,), {"case/broken.mp4": "not a media file"})


def _section(page: str, ident: str) -> str:
    m = re.search(rf'<section class="[^"]*" id="{ident}">(.*?)</section>', page, re.S)
    assert m is not None, ident
    return m.group(1)


def test_the_group_comes_first_and_info_is_folded() -> None:
    page = html_scan.render_scan(_case(), thumbs={})
    group, info = page.index('id="group-g1"'), page.index('id="info-findings"')
    assert group < page.index('id="singles"') < page.index('id="findings"') < info
    # the error and the warning are in the group, with their evidence, before any info finding
    g = _section(page, "group-g1")
    assert "recycled-footage" in g and "new_upload.mp4 is claimed to be from 2026-02-28" in g
    assert "reencoded" not in g.replace("reencode</b>", "")  # info findings are counted, not listed, here
    assert page.index("recycled-footage") < info
    # every info finding is inside the one folded <details>, closed
    m = re.search(r'<details class="infofold" id="info-findings">(.*?)</details>', page, re.S)
    assert m is not None and "reencoded (3)" in m.group(1)
    assert m.group(1).count('<tr class="finding info">') == 3
    assert page.count("was written by FFmpeg") == 3  # not repeated elsewhere


def test_chronology_edits_and_numbers_read_as_people_write_them() -> None:
    page = html_scan.render_scan(_case(), thumbs={})
    g = _section(page, "group-g1")
    rows = re.findall(r'<tr class="event([^"]*)"><td class="when" title="([^"]+)">([^<]+)</td>\s*<td>([^<]+)</td>'
                      r"<td><b>([^<]+)</b>", g)
    assert [(iso, when, since, what) for _, iso, when, since, what in rows] == [
        ("2019-06-20T10:00:00-04:00", "20 Jun 2019 10:00:00 UTC-04:00", "the capture", "captured"),
        ("2019-06-21T08:00:00Z", "21 Jun 2019 08:00:00 UTC", "18 hours after", "first upload"),
        ("2026-02-28", "28 Feb 2026", "6.7 years after", "claimed to be filmed"),
        ("2026-03-01T12:00:00Z", "1 Mar 2026 12:00:00 UTC", "6.7 years after", "uploaded"),
    ]
    # the contradiction marks the two times its evidence names, and nothing else
    assert [cls.strip() for cls, *_ in rows] == ["hl error", "", "hl error", ""]
    # each copy's edits in words; sizes and regions as people write them
    assert "854x480 -&gt; 640x360" in g and "keeps 640x480 at x=107, y=0 of A (75% of the picture)" in g
    assert "4.2 MB" in g and "6.7 years" in page  # days_earlier 2444.6 in the evidence
    assert "2444.6" not in g


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="headless Chromium (/usr/bin/chromium) is absent")
@pytest.mark.parametrize(("kind", "width"), [("scan", 1280), ("scan", 700), ("check", 700)])
def test_no_table_is_wider_than_the_page(tmp_path: Path, kind: str, width: int) -> None:
    """Laid out by Chromium: the right edge of every table is inside the viewport, though the group's metadata
    table has 8 columns and a cell holds a 300-character URL. The test page carries a script that measures (the
    report itself has none)."""
    page = html_scan.render_scan(_case(), thumbs={}) if kind == "scan" else html_scan.render_check(
        _check("fail"), thumbs={})
    assert "table-layout: fixed" in page
    probe = ("<script>var w=document.documentElement.clientWidth;var n=[].filter.call("
             "document.querySelectorAll('table'),function(t){return t.getBoundingClientRect().right>w+1})"
             ".map(function(t){return t.className}).join(' ');"
             "document.body.setAttribute('data-tables',document.querySelectorAll('table').length);"
             "document.body.setAttribute('data-wide',n);</script></body>")
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page).replace("</body>", probe)
    target = html.write_html(tmp_path / "page.html", page)
    run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                          f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={width},2000", "--dump-dom",
                          target.resolve().as_uri()], capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    m = re.search(r'data-tables="(\d+)" data-wide="([^"]*)"', run.stdout)
    assert m is not None, run.stdout[:500]
    assert int(m.group(1)) >= 6 and m.group(2) == ""  # the classes of the tables that stick out: none


def _check(status: str) -> CheckResult:
    scan = _case()
    files = tuple(FileCheck(os.path.basename(p), p, "ab" * 32, "ab" * 32, "ab" * 32, "ab" * 32)
                  for p in (REF, OLD, NEW, ALONE))
    cases = [CheckCase(f"integrity:{f.id}", "integrity", f.id, "pass", f"{f.path}: sha256 matches", paths=(f.path,))
             for f in files]
    cases.append(CheckCase("relation:new same-footage-as ref", "relation", "new same-footage-as ref", "pass",
                           "same footage (group g1)", paths=(NEW, REF)))
    if status == "fail":
        cases.append(CheckCase("claim-time:new", "claim-time", "new time 2026-02-28", "fail",
                               f"{NEW}: claimed 2026-02-28, but the footage existed in 2019", paths=(NEW,), line=12))
    passed = sum(c.status == "pass" for c in cases)
    summary = {"total": len(cases), "passed": passed, "failed": len(cases) - passed, "errors": 0, "skipped": 0}
    return CheckResult("vidverify.yaml", "error", status, tuple(cases), summary, scan.findings, files, scan)


@pytest.mark.parametrize("status", ["pass", "fail"])
def test_the_check_page_opens_with_its_banner_and_a_row_per_file(status: str) -> None:
    result = _check(status)
    page = html_scan.render_check(result, thumbs={})
    main = page[page.index("<main>"):]
    banner = re.search(r'<section class="banner (\w+)" id="verdict" role="status">\s*<div class="word">(\w+)</div>',
                       main)
    assert banner is not None and banner.start() < 40  # the first thing on the page, under the title
    assert banner.groups() == (status, status.upper())
    s = result.summary
    assert f"{s['passed']} of {s['total']} checks passed" in main
    rows = re.findall(r'<tr class="file-(\w+)"><td><span class="status s-\w+">\w+</span></td>'
                      r'<td class="mono">([^<]+)</td>', main)
    assert [i for _, i in rows] == [f.id for f in result.files]
    assert dict((i, st) for st, i in rows)["new_upload.mp4"] == status
    assert ('id="not-passed"' in main) == (status == "fail")
    assert main.index('id="files-summary"') < main.index('id="checks"') < main.index('id="group-g1"')
    assert "<details class=\"infofold\"><summary>All " in main  # every check, folded
    # one template engine: no hand-made HTML strings left in the renderer
    assert not hasattr(html, "cases_html")


def test_a_check_without_a_scan_still_has_its_banner() -> None:
    result = CheckResult("vidverify.yaml", "error", "error",
                         (CheckCase("readable:x", "readable", "x", "error", "x.mp4: not a media file",
                                    paths=("x.mp4",)),),
                         {"total": 1, "passed": 0, "failed": 0, "errors": 1, "skipped": 0},
                         files=(FileCheck("x", "x.mp4", "ab" * 32),))
    page = html_scan.render_check(result, thumbs={})
    assert '<section class="banner error"' in page and ">ERROR<" in page and "1 could not be decided" in page
    assert 'id="group-' not in page and 'id="summary"' not in page
