"""The HTML reports show content credentials: a badge on each file's card (scan and check pages) and a row of the
metadata table (compare page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidverify.media.formats import c2pa
from vidverify.pipeline.comparison import compare, compare_page
from vidverify.pipeline.scanning import ScanOptions, scan, scan_page


@pytest.fixture(autouse=True)
def _no_anchors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(c2pa.TRUST_ENV, raising=False)


def test_scan_page_badges(signed: dict[str, Path], tmp_path: Path) -> None:
    files = [str(signed[n]) for n in ("cam.mp4", "stripped.mp4", "changed.mp4", "ai.mp4", "unrelated.mp4")]
    result = scan(files, options=ScanOptions(jobs=1, pictures=False))
    scan_page(result, str(tmp_path / "scan.html"))
    page = (tmp_path / "scan.html").read_text(encoding="utf-8")
    assert page.count('class="cr cr-untrusted"') == 2  # cam.mp4 and ai.mp4 (the stripped copy has no badge)
    assert page.count('class="cr cr-invalid"') == 1 and "C2PA untrusted · AI" in page
    assert "credentials-stripped" in page and "Content credentials" in page


def test_compare_page_shows_both_sides(signed: dict[str, Path], tmp_path: Path) -> None:
    m = compare(signed["cam.mp4"], signed["stripped.mp4"], pictures=False)
    compare_page(m, str(tmp_path / "cmp.html"))
    page = (tmp_path / "cmp.html").read_text(encoding="utf-8")
    assert "Content credentials" in page and "signed by Example Camera Co" in page
