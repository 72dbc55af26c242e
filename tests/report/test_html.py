"""The HTML report (report/html.py, compare --html): structure, self-containment, escaping, atomic writing, the
demo scan's page, and a headless Chromium load (skipped when /usr/bin/chromium is absent)."""

from __future__ import annotations

import html as html_lib
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import cv2
import pytest

from vidverify.cli.main import main
from vidverify.errors import OutputError
from vidverify.media.probe import probe
from vidverify.media.stills import thumbnails
from vidverify.models import (
    Claims,
    Edit,
    FileRef,
    Finding,
    Group,
    LookAlike,
    Match,
    MediaInfo,
    ScanResult,
    Segment,
)
from vidverify.pipeline.comparison import compare
from vidverify.report import html, html_scan
from vidverify.testing import synth

CHROMIUM = "/usr/bin/chromium"
SCRIPT_TITLE = '<script>alert("x")</script> Harbour fire'
SIZE = (320, 180)


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An original (5 s), a re-upload with 2-3 s cut out and mirrored, one with 1 s of other footage spliced in
    at 2.5 s, and that other footage alone."""
    d = tmp_path_factory.mktemp("html_case")
    a = synth.make_scene(d / "original.mp4", seconds=5.0, size=SIZE, seed=4521)
    cut = synth.cut(a, d / ".cut.mp4", 2.0, 3.0)
    cm = synth.mirror(cut, d / "cut_mirrored.mp4")
    broll = synth.make_scene(d / "broll.mp4", seconds=2.0, size=SIZE, seed=9001, audio=False)
    spliced = synth.splice(a, broll, d / "spliced.mp4", 2.5, 1.0)
    return {"dir": d, "a": a, "cm": cm, "spliced": spliced, "broll": broll}


@pytest.fixture(scope="module")
def matches(clips: dict[str, Path]) -> dict[str, Match]:
    return {
        "cm": compare(str(clips["a"]), str(clips["cm"])),
        "spliced": compare(str(clips["a"]), str(clips["spliced"])),
    }


def _findings(a: str, b: str) -> tuple[Finding, ...]:
    return (
        Finding("capture-after-upload", "error", (a, b), "uploaded on 10 March, captured on 14 March",
                {"upload_time": "2026-03-10T18:40:00Z", "created": "2026-03-14T13:26:53Z"}),
        Finding("edited", "warning", (b,), "cut and mirrored", {"edits": ["cut", "mirror"]}),
    )


@pytest.fixture(scope="module")
def scan_result(clips: dict[str, Path], matches: dict[str, Match]) -> ScanResult:
    a, cm, sp, br = (str(clips[k]) for k in ("a", "cm", "spliced", "broll"))
    files = [probe(p) for p in (a, cm, sp, br)]
    files[1] = replace(files[1], claims=Claims(upload_time="2026-03-10T18:40:00Z", uploader="throwback_vids",
                                               url="https://example.com/watch?v=abc", title=SCRIPT_TITLE))
    group = Group("g1", (a, cm, sp), a, "same footage", (matches["cm"], matches["spliced"]))
    findings = (*_findings(a, cm), Finding("metadata-stripped", "info", (cm, sp), "no capture time left", {}))
    return ScanResult(tuple(files), (group,), findings, (br,), {str(clips["dir"] / "broken.mp4"): "not a media file"})


# ------------------------------------------------------------------------------------------ helpers


def _assert_self_contained(page: str) -> None:
    low = page.lower()
    assert "<script" not in low
    assert "<link" not in low and "@import" not in low and "<iframe" not in low
    assert not re.search(r"""\b(src|srcset|poster|data)\s*=\s*["']?\s*(https?:)?//""", low)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", low)
    assert not re.search(r"href\s*=\s*[\"']https?://[^\"']*\.(css|js|woff2?|ttf)", low)
    assert "img-src data:" in page  # the CSP that blocks anything else


def _count(page: str, cls: str) -> int:
    return len(re.findall(rf'class="{cls}[" ]', page))


def _data_uris(page: str) -> list[str]:
    return re.findall(r'src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', page)


# ------------------------------------------------------------------------------------------ pure parts


def _hand_match() -> Match:
    # A 10 s; B 9 s: A 0-1 trimmed, A 1-4 -> B 0-3, A 4-6 cut, A 6-10 -> B 5-9 mirrored, B 3-5 inserted
    return Match(
        a=FileRef("a.mp4", duration=10.0), b=FileRef("b.mp4", duration=9.0), verdict="partial-overlap",
        similarity=0.9, coverage={"a": 0.7, "b": 0.78},
        segments=(Segment(1.0, 4.0, 0.0, 3.0), Segment(6.0, 10.0, 5.0, 9.0, mirrored=True)),
        edits=(Edit("trim", 0.0, 1.0, 0.0, 0.0), Edit("cut", 4.0, 6.0, 3.0, 3.0),
               Edit("insert", None, None, 3.0, 5.0, {"seconds": 2.0}), Edit("mirror", 6.0, 10.0, 5.0, 9.0),
               Edit("reencode")),
    )


def test_thumbnail_requests_cover_segments_and_edits() -> None:
    m = _hand_match()
    req = html.thumbnail_requests(m)
    assert len(req) == len(set(req))
    by = {p: sorted(t for q, t in req if q == p) for p in ("a.mp4", "b.mp4")}
    # start/middle/end of each segment on both sides, inside the segment
    for s in m.segments:
        assert sum(s.a_start < t < s.a_end for t in by["a.mp4"]) >= 3
        assert sum(s.b_start < t < s.b_end for t in by["b.mp4"]) >= 3
    assert 5.0 in by["a.mp4"]  # the middle of the cut (what B lacks)
    assert 4.0 in by["b.mp4"]  # the middle of the insert (what A lacks)
    assert all(0 <= t <= 10.0 - html.END_MARGIN_SECONDS for t in by["a.mp4"])
    assert all(0 <= t <= 9.0 - html.END_MARGIN_SECONDS for t in by["b.mp4"])
    # a mirror edit is shown on matching frames: its A time maps through the segment to its B time
    ta, tb = html._edit_points(m.edits[3], m)
    assert ta is not None and tb is not None and tb == pytest.approx(ta - 1.0)
    # the scan form adds one poster frame per file
    info = MediaInfo(path="a.mp4", kind="video", duration=10.0)
    g = Group("g1", ("a.mp4", "b.mp4"), "a.mp4", pairs=(m,))
    sreq = html.thumbnail_requests(ScanResult((info,), (g,), singles=("c.mp4",)))
    assert ("a.mp4", 5.0) in sreq and ("c.mp4", 0.0) in sreq and set(req) <= set(sreq)


def test_timeline_svg_draws_segments_cuts_trims_inserts() -> None:
    page = html.render_compare(_hand_match(), thumbs={})
    assert _count(page, "seg-link") == 2
    assert _count(page, "seg seg-a") == 2 and _count(page, "seg seg-b") == 2
    assert _count(page, "gap trim") == 1 and _count(page, "gap cut") == 1 and _count(page, "gap insert") == 1
    assert "seg-link mirrored" in page
    assert page.count('class="tick"') >= 8  # an axis on both tracks
    # geometry: the cut spans A 4-6 s of a 10 s axis
    m = re.search(r'class="gap cut" x="([\d.]+)" y="\d+" width="([\d.]+)"', page)
    assert m is not None
    x0, w = float(m.group(1)), float(m.group(2))
    span = html.SVG_W - html.SVG_LEFT - html.SVG_RIGHT
    assert x0 == pytest.approx(html.SVG_LEFT + 0.4 * span, abs=0.1) and w == pytest.approx(0.2 * span, abs=0.1)
    # every edit is a row; without thumbnails the frames are placeholders, not broken images
    assert page.count('<tr class="edit edit-') == 5
    assert "no picture" in page and "data:image" not in page
    _assert_self_contained(page)


def test_look_alike_stretches_are_a_table_of_their_own() -> None:
    """A stretch whose frames match but cannot tell the moment is listed apart from the segments, with its
    evidence against what a match needs; a comparison without one has no such table."""
    m = replace(_hand_match(), thresholds={"min_evidence_seconds": 1.0},
                look_alike=(LookAlike(7.97, 11.48, 30.0, 33.5, distance=0.0, evidence=0.267),))
    page = html.render_compare(m, thumbs={})
    table = re.search(r'<table class="segments look-alike">(.*?)</table>', page, re.S)
    assert table is not None and "Look-alike stretches (not counted as a match)" in page
    assert "7.97 s – 11.48 s" in table.group(1) and "30.00 s – 33.50 s" in table.group(1)
    assert "0.267" in table.group(1) and "of 1 needed" in table.group(1)
    assert "look-alike" not in html.render_compare(_hand_match(), thumbs={})


def test_escaping_and_highlighted_metadata() -> None:
    info_finding = Finding("metadata-stripped", "info", ("a.mp4", "b.mp4"), "no device", {"looked_for": ["make"]})
    m = replace(_hand_match(), findings=(*_findings("a.mp4", "b.mp4"), info_finding))
    info_b = MediaInfo(path="b.mp4", kind="video", duration=9.0,
                       claims=Claims(upload_time="2026-03-10T18:40:00Z", title=SCRIPT_TITLE,
                                     url="javascript:alert(1)", uploader="<b>bold</b>"))
    info_a = MediaInfo(path="a.mp4", kind="video", duration=10.0, created="2026-03-14T13:26:53Z", timezone="Z")
    page = html.render_compare(m, info_a=info_a, info_b=info_b, thumbs={})
    assert "<script" not in page.lower() and "<b>bold</b>" not in page
    assert html_lib.escape(SCRIPT_TITLE, quote=True) in page or "&lt;script&gt;alert(" in page
    assert 'href="javascript' not in page  # only http(s) URLs become links
    # the upload time of B and the capture time of A are the cells the error is about
    row = re.search(r'<tr class="field-upload_time">(.*?)</tr>', page, re.S)
    assert row is not None and 'class="hl error"' in row.group(1) and "capture-after-upload" in row.group(1)
    row = re.search(r'<tr class="field-created">(.*?)</tr>', page, re.S)
    assert row is not None and row.group(1).count('class="hl error"') == 1  # B has no capture time: no mark
    assert "metadata-stripped" not in row.group(1)  # info findings are listed, not painted over the table
    row = re.search(r'<tr class="field-duration">(.*?)</tr>', page, re.S)
    assert row is not None and "hl" not in row.group(1)
    # severity as colour and as text
    assert '<span class="sev error">error</span>' in page and '<span class="sev warning">warning</span>' in page


def test_write_html_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    html.write_html(target, "<p>one</p>")
    assert target.read_text(encoding="utf-8") == "<p>one</p>"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]

    def fail(*_a: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError):
        html.write_html(target, "<p>two</p>")
    assert target.read_text(encoding="utf-8") == "<p>one</p>"  # the old report is intact
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left
    with pytest.raises(OutputError):
        html.write_html(tmp_path / "missing" / "r.html", "x")


# ------------------------------------------------------------------------------------------ real media


def test_compare_report_on_generated_media(clips: dict[str, Path], matches: dict[str, Match]) -> None:
    m = replace(matches["cm"], findings=_findings(str(clips["a"]), str(clips["cm"])))
    assert m.verdict == "same-footage" and m.segments and any(s.mirrored for s in m.segments)
    req = html.thumbnail_requests(m)
    thumbs = thumbnails(req)
    assert len(thumbs) == len(req)  # every time asked for is inside its file
    page = html.render_compare(m, info_a=probe(clips["a"]), info_b=probe(clips["cm"]), thumbs=thumbs)
    assert _count(page, "seg-link") == len(m.segments)
    assert _count(page, "gap cut") == 1  # A 2-3 s is missing inside B
    uris = _data_uris(page)
    assert len(uris) >= len(thumbs)  # each thumbnail inline (some appear twice: segment grid and edits)
    assert {html._Thumbs(thumbs).uri(p, t) for p, t in req} <= {f"data:image/jpeg;base64,{u}" for u in uris}
    assert "http://" not in page and "https://" not in page
    _assert_self_contained(page)
    assert "capture-after-upload" in page and "cut_mirrored.mp4" in page


def test_scan_report_structure(scan_result: ScanResult) -> None:
    thumbs = thumbnails(html.thumbnail_requests(scan_result))
    page = html_scan.render_scan(scan_result, thumbs=thumbs)
    g = scan_result.groups[0]
    assert 'id="group-g1"' in page
    assert page.count('<article class="pair"') == len(g.pairs)
    assert _count(page, "seg-link") == sum(len(m.segments) for m in g.pairs)
    assert _count(page, "gap insert") >= 1  # the spliced upload
    assert _count(page, "card") == len(g.members) + len(scan_result.singles)
    assert 'class="card reference"' in page
    for f in scan_result.findings:
        assert f.code in page and html_lib.escape(f.message) in page
    for n, label in ((4, "files"), (1, "groups of same footage"), (1, "files alone"), (1, "unreadable"),
                     (1, "errors"), (1, "warnings"), (1, "info")):
        assert f'<div class="n">{n}</div><div class="l">{label}</div>' in page, label
    assert 'id="singles"' in page and "broll.mp4" in page and 'id="errors"' in page and "not a media file" in page
    assert "&lt;script&gt;" in page and "<script" not in page.lower()
    assert 'href="https://example.com/watch?v=abc"' in page  # a link to the upload, not a resource
    assert len(_data_uris(page)) >= len(thumbs) > 10
    _assert_self_contained(page)


def test_scan_report_of_the_demo_case(demo_scan: ScanResult) -> None:
    """The session's real scan of the demo case, rendered without thumbnails (its frames are placeholders)."""
    page = html_scan.render_scan(demo_scan, thumbs={})
    [g] = demo_scan.groups
    assert f'id="group-{g.id}"' in page and 'class="card reference"' in page
    assert page.count('<article class="pair"') == len(g.pairs) == len(g.members) - 1 == 6
    assert _count(page, "seg-link") == sum(len(m.segments) for m in g.pairs)
    assert _count(page, "card") == len(g.members) + len(demo_scan.singles) == len(demo_scan.files) == 9
    for f in demo_scan.findings:
        assert f.code in page and html_lib.escape(f.message) in page
    by = {s: sum(f.severity == s for f in demo_scan.findings) for s in ("error", "warning", "info")}
    for n, label in ((9, "files"), (1, "groups of same footage"), (2, "files alone"), (by["error"], "errors"),
                     (by["warning"], "warnings"), (by["info"], "info")):
        assert f'<div class="n">{n}</div><div class="l">{label}</div>' in page, label
    assert "no picture" in page and "data:image" not in page
    _assert_self_contained(page)
    # the answer first: the group before any information finding, and every information finding folded away
    infos = [f for f in demo_scan.findings if f.severity == "info"]
    assert infos and page.index(f'id="group-{g.id}"') < page.index('class="finding info"')
    unfolded = re.sub(r"<details><summary>evidence</summary>.*?</details>", "", page, flags=re.S)  # nested ones
    unfolded = re.sub(r"<details class=\"infofold\".*?</details>", "", unfolded, flags=re.S)
    assert 'class="finding info"' not in unfolded and 'class="sev info">info</span><span class="fcode">' not in unfolded
    assert "854x480" in page and "1280x720 -&gt; 854x480" in page  # the re-encoded copy's scale, in words
    # the mirrored upload's sidecar date (10 Mar) is before the capture: never called the first upload
    chronology = page[page.index("Chronology") if "Chronology" in page else page.index("chronology"):]
    assert "uploaded before the capture (impossible" in chronology
    first = chronology.index("first upload")
    assert "reupload_reencoded.mp4" in chronology[first:first + 400]  # 14 Mar 15:02, the earliest possible one


def test_cli_compare_html(clips: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    assert main(["compare", "--json", "--html", str(out), str(clips["a"]), str(clips["cm"])]) == 0
    page = out.read_text(encoding="utf-8")
    assert '"verdict": "same-footage"' in capsys.readouterr().out
    assert "cut_mirrored.mp4" in page and _data_uris(page) and _count(page, "seg-link") >= 1
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    # never over an input, never into a missing folder (checked before any work)
    before = clips["a"].read_bytes()
    assert main(["compare", "--html", str(clips["a"]), str(clips["a"]), str(clips["cm"])]) == 2
    assert clips["a"].read_bytes() == before
    assert main(["compare", "--html", str(tmp_path / "no" / "r.html"), str(clips["a"]), str(clips["cm"])]) == 6


# ------------------------------------------------------------------------------------------ browser


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={tmp / 'chromium-profile'}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=180, check=False)


def _console_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="headless Chromium (/usr/bin/chromium) is absent")
def test_report_loads_in_headless_chromium(scan_result: ScanResult, tmp_path: Path) -> None:
    page = html_scan.render_scan(scan_result, thumbs=thumbnails(html.thumbnail_requests(scan_result)))
    target = html.write_html(tmp_path / "scan report.html", page)
    url = target.resolve().as_uri()

    dom = _chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'id="group-g1"' in dom.stdout and "capture-after-upload" in dom.stdout
    assert "recycled" not in dom.stdout and "metadata-stripped" in dom.stdout
    assert "&lt;script&gt;" in dom.stdout and "<script" not in dom.stdout.lower()
    assert _console_lines(dom.stderr) == []  # no blocked request, no error

    png = tmp_path / "scan_report.png"
    shot = _chromium(tmp_path, f"--screenshot={png}", "--window-size=1280,2000", url)
    assert shot.returncode == 0 and png.is_file(), shot.stderr[-2000:]
    assert _console_lines(shot.stderr) == []
    img = cv2.imread(str(png))
    assert img is not None and img.shape[:2] == (2000, 1280)
    assert float(img.std()) > 20  # a laid-out page, not a blank one
    # the dark header band is drawn (CSS applied) and the timeline/thumbnail colours are there
    assert img[:60].mean() < 90 and img[200:].mean() > 150
    if out := os.environ.get("VIDVERIFY_SCREENSHOT_DIR"):
        Path(out).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(out) / png.name)


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="headless Chromium (/usr/bin/chromium) is absent")
def test_console_check_catches_a_blocked_request(tmp_path: Path) -> None:
    """The check above can fail: a page that asks for a remote image is reported on the console."""
    page = html.render_compare(_hand_match(), thumbs={}).replace(
        "</main>", '<img src="http://example.com/x.png" alt=""></main>')
    target = html.write_html(tmp_path / "bad.html", page)
    run = _chromium(tmp_path, "--dump-dom", target.resolve().as_uri())
    assert _console_lines(run.stderr)
