"""Content credentials across a scan: signed, stripped, edited, changed and unrelated clips in one folder give
exactly the expected credential findings (tests/fixtures/credentials.py makes the media)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.credentials import CAPTURE_TIME, SIGNER
from vidverify.evidence import codes, timeline
from vidverify.media.formats import c2pa
from vidverify.media.probe import probe
from vidverify.models import ScanResult
from vidverify.pipeline.scanning import ScanOptions, scan
from vidverify.testing import credentials as cr
from vidverify.testing import synth

CREDENTIAL_CODES = (codes.CREDENTIALS_INVALID, codes.AI_GENERATED, codes.CREDENTIALS_STRIPPED)
MIX = ("cam.mp4", "stripped.mp4", "stripped_trim.mp4", "edit.mp4", "ai.mp4", "ai_copy.mp4", "unrelated.mp4",
       "changed.mp4", "tampered.mp4")


@pytest.fixture(scope="module")
def mixed(signed: dict[str, Path]) -> ScanResult:
    return scan([str(signed[n]) for n in MIX], options=ScanOptions(jobs=2, pictures=False))


def _named(result: ScanResult) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(f.code, f.severity, tuple(Path(p).name for p in f.paths)) for f in result.findings
            if f.code in CREDENTIAL_CODES}


def test_every_expected_credential_finding_and_no_other(mixed: ScanResult) -> None:
    assert _named(mixed) == {
        (codes.CREDENTIALS_INVALID, "error", ("changed.mp4",)),
        (codes.CREDENTIALS_INVALID, "error", ("tampered.mp4",)),
        (codes.AI_GENERATED, "warning", ("ai.mp4", "ai_copy.mp4")),
        (codes.CREDENTIALS_STRIPPED, "warning", ("ai_copy.mp4", "ai.mp4")),
        (codes.CREDENTIALS_STRIPPED, "warning", ("stripped.mp4", "cam.mp4")),
        (codes.CREDENTIALS_STRIPPED, "warning", ("stripped_trim.mp4", "cam.mp4")),
    }


def test_stripped_evidence(mixed: ScanResult, signed: dict[str, Path]) -> None:
    (f,) = [f for f in mixed.findings if f.code == codes.CREDENTIALS_STRIPPED and f.paths[0].endswith("_trim.mp4")]
    assert f.evidence["credentialed"] == str(signed["cam.mp4"]) and f.evidence["signer"] == SIGNER
    assert f.evidence["digital_source_type"] == "digitalCapture" and f.evidence["state"] == "untrusted"
    seg = f.evidence["segments"][0]  # the trim took cam.mp4's 1.0-2.8 s
    assert seg["a_start"] == pytest.approx(1.0, abs=0.15) and seg["b_start"] == pytest.approx(0.0, abs=0.15)


def test_scan_json_carries_credentials(mixed: ScanResult) -> None:
    files = {Path(f["path"]).name: f for f in mixed.to_dict()["files"]}
    assert files["cam.mp4"]["credentials"]["state"] == "untrusted"
    assert files["stripped.mp4"]["credentials"] is None
    assert "manifest_store" not in files["cam.mp4"]["credentials"]  # the whole store only in probe --json


def test_signed_capture_time_feeds_the_timestamp_findings(signed: dict[str, Path], tmp_path: Path) -> None:
    """A phone's QuickTime creation date a day after the signed capture time: the two capture times disagree."""
    phone = synth.add_capture_metadata(signed["src.mp4"], tmp_path / "phone.mp4",
                                       creation_time="2026-03-15T09:26:53Z", local_offset="+00:00")
    ca = cr.make_ca()
    out = cr.sign(phone, tmp_path / "signed_phone.mp4", ca, when=CAPTURE_TIME)
    info = probe(out)
    assert any(t.field == c2pa.CAPTURE_FIELD for t in info.timestamps)
    found = [f for f in timeline.file_findings(info) if f.code == codes.CAPTURE_TIME_MISMATCH]
    assert found and any(codes.mentions(f, c2pa.CAPTURE_FIELD) for f in found)
