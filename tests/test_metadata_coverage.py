"""Issue 4: probe reproduces ExifTool's capture dates, device strings and GPS values on the corpus
(benchmarks/metadata_coverage.py), and the corpus README's karma.mp4 facts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from vidverify.media.formats import gpmf
from vidverify.media.probe import probe

ROOT = Path(__file__).resolve().parents[1]

# What the benchmark reproduced when this test was written: a regression lowers one of these.
MIN_REPRODUCED = {"capture date": 28, "other date": 24, "device": 16, "gps": 55}
MIN_TOTAL = 123


def _load() -> ModuleType:
    name = "vidverify_bench_metadata_coverage"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "metadata_coverage.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def report(corpus: Path):  # type: ignore[no-untyped-def]
    return _load().coverage(corpus)


@pytest.mark.corpus
def test_coverage_does_not_regress(report) -> None:  # type: ignore[no-untyped-def]
    totals = report.totals()
    for kind, least in MIN_REPRODUCED.items():
        assert totals[kind][0] >= least, (kind, totals[kind], [f.tag for f in report.missing() if f.kind == kind])
    assert report.reproduced >= MIN_TOTAL
    assert not report.unknown  # every ExifTool test file is accepted as media
    # what is still missing has a stated reason
    assert all(f.note for f in report.missing()), [f.tag for f in report.missing() if not f.note]


@pytest.mark.corpus
def test_every_capture_date_that_is_a_time_is_reproduced(report) -> None:  # type: ignore[no-untyped-def]
    """The only capture dates left are not points in time: a year alone (``©day``) or a GPS time without a date."""
    missing = [f for f in report.missing() if f.kind == "capture date"]
    assert {f.tag for f in missing} <= {"QuickTime:ContentCreateDate", "EXIF:GPSTimeStamp"}, missing


@pytest.mark.corpus
def test_report_prints(report, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    _load().print_report(report)
    out = capsys.readouterr().out
    assert "Totals (reproduced / facts):" in out and "== karma.mp4" in out and "== QuickTime.mov" in out


@pytest.mark.corpus
def test_karma_readme_facts(corpus: Path) -> None:
    path = corpus / "gpmf" / "karma.mp4"
    info = probe(path)
    assert info.created == "2017-04-17T19:27:57Z" and info.timezone == "Z"
    assert (info.make, info.model) == ("GoPro", "HERO5")
    # probe's gps is the telemetry's earliest fix (Karma "Position" stream)
    assert info.gps is not None
    assert (info.gps.lat, info.gps.lon, info.gps.alt) == pytest.approx((33.1253688, -117.3310668, 15.711), abs=1e-7)
    assert any(t.field == "gpmf.GLPI" and t.value == "2017-04-17T19:27:57.526Z" for t in info.timestamps)
    # the README's "first" fix (ExifTool's Composite GPSPosition) is the 4th of the 47
    g = gpmf.read_gps(path)
    assert g.count == 47
    fx = g.fixes[3]
    assert (fx.lat, fx.lon) == pytest.approx((33.1253807, -117.3310746), abs=1e-7)
    assert fx.alt == pytest.approx(15.61, abs=1e-3) and fx.utc == "2017-04-17T19:27:58.283Z"
