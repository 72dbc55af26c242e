"""Finding codes on real files: stream copies of one generated clip with rewritten metadata and yt-dlp sidecars,
read back by probe (and by scan for the group codes). A clean control raises nothing at warning or above."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidverify.evidence.codes import at_or_above
from vidverify.evidence.timeline import Policy, file_findings
from vidverify.media.probe import probe
from vidverify.pipeline.scanning import ScanOptions as Options
from vidverify.pipeline.scanning import scan
from vidverify.testing import synth

NOW = Policy(now="2026-11-28T12:00:00Z")
CAPTURE = "2026-03-14T13:26:53Z"  # 09:26:53 at UTC-4


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("findings")
    return synth.make_scene(d / "base.mp4", seconds=2.0, size=(320, 180), seed=5, audio=False)


def _codes(path: Path, policy: Policy = NOW) -> dict[str, str]:
    return {f.code: f.severity for f in file_findings(probe(path), policy)}


def test_clean_control(base: Path, tmp_path: Path) -> None:
    clip = synth.add_capture_metadata(base, tmp_path / "IMG_0001.MOV", creation_time=CAPTURE, local_offset="-04:00")
    synth.write_info_json(clip, upload_date="20260315")
    info = probe(clip)
    assert info.claims is not None and info.claims.upload_time == "2026-03-15T12:00:00Z"
    fs = file_findings(info, NOW)
    assert at_or_above(fs, "warning") == [], fs
    assert {f.code for f in fs} <= {"reencoded"}  # an honest verdict on a file that ffmpeg wrote


def test_local_wall_clock_written_with_utc_is_timezone_inconsistent(base: Path, tmp_path: Path) -> None:
    clip = synth.add_capture_metadata(base, tmp_path / "tz.MOV", creation_time=CAPTURE,
                                      creationdate="2026-03-14T13:26:53-0400")
    assert _codes(clip) == {"timezone-inconsistent": "warning", "reencoded": "info"}


def test_capture_fields_days_apart(base: Path, tmp_path: Path) -> None:
    clip = synth.add_capture_metadata(base, tmp_path / "apart.MOV", creation_time=CAPTURE,
                                      creationdate="2026-03-11T07:02:11-0400")
    assert _codes(clip)["capture-time-mismatch"] == "warning"


def test_future_date(base: Path, tmp_path: Path) -> None:
    clip = synth.add_capture_metadata(base, tmp_path / "future.MOV", creation_time="2031-06-01T10:00:00Z",
                                      local_offset="+02:00")
    assert _codes(clip)["future-date"] == "error"
    assert "future-date" not in _codes(clip, Policy(now="2032-01-01T00:00:00Z"))


def test_stripped_file_has_placeholder_dates(base: Path, tmp_path: Path) -> None:
    clip = synth.strip_metadata(base, tmp_path / "stripped.mp4")
    codes = _codes(clip)
    assert codes["placeholder-date"] == "info" and codes["metadata-stripped"] == "info"


def test_capture_after_upload_from_a_sidecar(base: Path, tmp_path: Path) -> None:
    clip = synth.add_capture_metadata(base, tmp_path / "late.MOV", creation_time=CAPTURE, local_offset="-04:00")
    synth.write_info_json(clip, upload_date="20260310")
    assert _codes(clip)["capture-after-upload"] == "error"


def test_group_codes_from_a_scan(base: Path, tmp_path: Path) -> None:
    folder = tmp_path / "case"
    original = synth.add_capture_metadata(base, folder / "IMG_0001.MOV", creation_time=CAPTURE,
                                          local_offset="-04:00")
    early = synth.reencode(base, folder / "early.mp4", crf=28)
    synth.write_info_json(early, upload_date="20260301", uploader="archive")
    claimed = synth.mirror(base, folder / "claimed.mp4")
    synth.write_info_json(claimed, upload_date="20260401", uploader="news")
    (folder / "claims.yaml").write_text('files:\n  claimed.mp4:\n    claimed_time: "2026-03-31"\n'
                                        '    claimed_place: "38.7223,-9.1393"\n')
    from vidverify.media.claims import read_claims_file

    r = scan([folder], options=Options(pictures=False, policy=NOW, claims=read_claims_file(folder / "claims.yaml")))
    assert len(r.groups) == 1 and r.groups[0].reference == str(original)
    found = {(f.code, f.severity, tuple(Path(p).name for p in f.paths)) for f in r.findings}
    assert ("capture-after-upload", "error", ("IMG_0001.MOV", "early.mp4")) in found
    assert ("recycled-footage", "error", ("claimed.mp4", "IMG_0001.MOV")) in found
    assert ("recycled-footage", "warning", ("claimed.mp4", "early.mp4")) in found
    assert ("place-mismatch", "warning", ("claimed.mp4", "IMG_0001.MOV")) in found
    assert ("edited", "warning", ("claimed.mp4", "IMG_0001.MOV")) in found
    assert ("duplicate", "info", ("early.mp4", "IMG_0001.MOV")) in found
