"""evidence/credentials.py: credential findings from MediaInfo and matches (pure; the scan test reads signed
media: tests/pipeline/test_scan_credentials.py)."""

from __future__ import annotations

from vidverify.evidence import codes
from vidverify.evidence.credentials import findings
from vidverify.models import Credentials, FileRef, Match, MediaInfo, Segment

CAM = Credentials(state="untrusted", signer="Cam Co", actions=("c2pa.created",), digital_source_type="digitalCapture",
                  failures=("signingCredential.untrusted",))
AI = Credentials(state="valid", signer="Gen Co", digital_source_type="trainedAlgorithmicMedia", ai_generated=True)
BROKEN = Credentials(state="invalid", signer="Cam Co", failures=("signingCredential.untrusted",
                                                                  "assertion.bmffHash.mismatch"))


def info(path: str, c: Credentials | None = None) -> MediaInfo:
    return MediaInfo(path=path, kind="video", duration=10.0, credentials=c)


def match(a: str, b: str, *, cov_b: float = 1.0, verdict: str = "same-footage") -> Match:
    seg = Segment(a_start=2.0, a_end=8.0, b_start=0.0, b_end=6.0)
    return Match(FileRef(a), FileRef(b), verdict, 0.9, {"a": 0.6, "b": cov_b}, (seg,) if verdict != "unrelated" else ())


def by_code(found: list, code: str) -> list:
    return [f for f in found if f.code == code]


def test_stripped_copy_names_the_signed_file_and_the_matched_stretches() -> None:
    found = findings([info("/d/cam.mp4", CAM), info("/d/upload.mp4")], [match("/d/cam.mp4", "/d/upload.mp4")])
    (f,) = by_code(found, codes.CREDENTIALS_STRIPPED)
    assert f.severity == "warning" and f.paths == ("/d/upload.mp4", "/d/cam.mp4")
    assert f.evidence["credentialed"] == "/d/cam.mp4" and f.evidence["signer"] == "Cam Co"
    assert f.evidence["digital_source_type"] == "digitalCapture"
    assert f.evidence["segments"] == [{"a_start": 2.0, "a_end": 8.0, "b_start": 0.0, "b_end": 6.0}]


def test_segments_are_oriented_with_the_signed_file_as_a() -> None:
    found = findings([info("/d/cam.mp4", CAM), info("/d/upload.mp4")], [match("/d/upload.mp4", "/d/cam.mp4")])
    (f,) = by_code(found, codes.CREDENTIALS_STRIPPED)
    assert f.evidence["segments"] == [{"a_start": 0.0, "a_end": 6.0, "b_start": 2.0, "b_end": 8.0}]


def test_a_signed_edit_is_not_stripped() -> None:
    edit = Credentials(state="untrusted", signer="Editor Co", actions=("c2pa.opened", "c2pa.edited"))
    found = findings([info("/d/cam.mp4", CAM), info("/d/edit.mp4", edit)], [match("/d/cam.mp4", "/d/edit.mp4")])
    assert found == []


def test_an_invalid_manifest_vouches_for_nothing_and_is_an_error() -> None:
    found = findings([info("/d/cam.mp4", BROKEN), info("/d/upload.mp4")], [match("/d/cam.mp4", "/d/upload.mp4")])
    assert [f.code for f in found] == [codes.CREDENTIALS_INVALID]
    assert found[0].severity == "error" and "assertion.bmffHash.mismatch" in found[0].message
    assert "signingCredential.untrusted" not in found[0].message  # trust is not why it is invalid


def test_unrelated_files_are_not_copies() -> None:
    found = findings([info("/d/cam.mp4", CAM), info("/d/other.mp4")],
                     [match("/d/cam.mp4", "/d/other.mp4", verdict="unrelated")])
    assert found == []


def test_ai_label_covers_every_copy_and_the_copies_are_stripped() -> None:
    infos = [info("/d/ai.mp4", AI), info("/d/copy1.mp4"), info("/d/copy2.mp4"), info("/d/other.mp4")]
    found = findings(infos, [match("/d/ai.mp4", "/d/copy1.mp4"), match("/d/copy2.mp4", "/d/ai.mp4")])
    (ai,) = by_code(found, codes.AI_GENERATED)
    assert ai.paths == ("/d/ai.mp4", "/d/copy1.mp4", "/d/copy2.mp4") and ai.evidence["labelled"] == "/d/ai.mp4"
    assert ai.evidence["digital_source_type"] == "trainedAlgorithmicMedia"
    assert {f.paths[0] for f in by_code(found, codes.CREDENTIALS_STRIPPED)} == {"/d/copy1.mp4", "/d/copy2.mp4"}


def test_an_invalid_ai_label_is_not_an_ai_finding() -> None:
    broken_ai = Credentials(state="invalid", ai_generated=True, failures=("claimSignature.mismatch",))
    found = findings([info("/d/ai.mp4", broken_ai)], [])
    assert [f.code for f in found] == [codes.CREDENTIALS_INVALID]


def test_the_signed_file_covering_most_of_the_copy_is_named() -> None:
    other = Credentials(state="valid", signer="Other Co")
    infos = [info("/d/cam.mp4", CAM), info("/d/cam2.mp4", other), info("/d/upload.mp4")]
    found = findings(infos, [match("/d/cam.mp4", "/d/upload.mp4", cov_b=0.3),
                             match("/d/cam2.mp4", "/d/upload.mp4", cov_b=0.9)])
    (f,) = by_code(found, codes.CREDENTIALS_STRIPPED)
    assert f.evidence["credentialed"] == "/d/cam2.mp4" and f.evidence["state"] == "valid"
