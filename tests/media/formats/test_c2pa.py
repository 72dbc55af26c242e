"""C2PA content credentials read from media signed at test time (tests/fixtures/credentials.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.credentials import CAPTURE_TIME, SIGNER
from vidverify.errors import UsageError
from vidverify.media.formats import c2pa
from vidverify.media.probe import probe
from vidverify.testing import credentials as cr


@pytest.fixture
def anchors(monkeypatch: pytest.MonkeyPatch, signed: dict[str, Path]) -> None:
    monkeypatch.setenv(c2pa.TRUST_ENV, str(signed["root.pem"]))


@pytest.fixture(autouse=True)
def _no_anchors_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(c2pa.TRUST_ENV, raising=False)


def test_camera_capture_is_untrusted_without_trust_anchors(signed: dict[str, Path]) -> None:
    info = probe(signed["cam.mp4"])
    c = info.credentials
    assert c is not None
    assert c.state == "untrusted"  # intact, but nobody said this signer is trusted: never "valid"
    assert c.signer == SIGNER and c.issued is None  # no time-stamp authority (no network)
    assert c.claim_generator == "ExampleCam 2.1"
    assert c.actions == ("c2pa.created",) and c.digital_source_type == "digitalCapture"
    assert c.ai_generated is False
    assert "signingCredential.untrusted" in c.failures
    assert info.ok and info.kind == "video" and info.duration is not None


def test_trust_anchors_make_the_same_file_valid(signed: dict[str, Path], anchors: None) -> None:
    c = probe(signed["cam.mp4"]).credentials
    assert c is not None and c.state == "valid" and c.failures == ()
    assert c.trust_list is not None


def test_an_unrelated_root_does_not_make_it_valid(signed: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(c2pa.TRUST_ENV, str(signed["other_root.pem"]))
    c = probe(signed["cam.mp4"]).credentials
    assert c is not None and c.state == "untrusted" and "signingCredential.untrusted" in c.failures


def test_signed_capture_time_is_a_time_field(signed: dict[str, Path]) -> None:
    info = probe(signed["cam.mp4"])
    stamps = {t.field: t.value for t in info.timestamps}
    assert stamps.get(c2pa.CAPTURE_FIELD) == CAPTURE_TIME.replace("Z", "") or \
        stamps.get(c2pa.CAPTURE_FIELD, "").startswith(CAPTURE_TIME[:19])


def test_ai_labelled_clip(signed: dict[str, Path]) -> None:
    c = probe(signed["ai.mp4"]).credentials
    assert c is not None and c.state == "untrusted"
    assert c.digital_source_type == "trainedAlgorithmicMedia" and c.ai_generated is True


def test_edit_takes_its_source_type_from_its_ingredient(signed: dict[str, Path]) -> None:
    c = probe(signed["edit.mp4"]).credentials
    assert c is not None and c.state == "untrusted"
    assert c.actions == ("c2pa.opened", "c2pa.edited")
    assert c.digital_source_type == "digitalCapture" and c.claim_generator == "ExampleEditor 5.0"
    store = c.manifest_store
    assert store is not None and len(store["manifests"]) == 2  # its own manifest and the ingredient's


def test_content_changed_after_signing_is_invalid(signed: dict[str, Path], anchors: None) -> None:
    info = probe(signed["changed.mp4"])
    c = info.credentials
    assert c is not None and c.state == "invalid"  # even with the signer trusted
    assert "assertion.bmffHash.mismatch" in c.failures
    assert not any(t.field == c2pa.CAPTURE_FIELD for t in info.timestamps)  # an invalid manifest's time: not used
    assert info.kind == "video" and info.duration is not None  # every other fact still read


def test_tampered_manifest_is_invalid(signed: dict[str, Path], anchors: None) -> None:
    c = probe(signed["tampered.mp4"]).credentials
    assert c is not None and c.state == "invalid"
    assert [f for f in c.failures if not c2pa.about_trust(f)]


def test_quicktime_file(signed: dict[str, Path], anchors: None) -> None:
    c = probe(signed["cam.mov"]).credentials
    assert c is not None and c.state == "valid" and c.digital_source_type == "digitalCapture"


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp"])
def test_stills(signed: dict[str, Path], ext: str, anchors: None) -> None:
    ok = probe(signed[f"signed{ext}"])
    assert ok.kind == "image" and ok.credentials is not None and ok.credentials.state == "valid"
    changed = probe(signed[f"changed{ext}"]).credentials
    assert changed is not None and changed.state == "invalid" and "assertion.dataHash.mismatch" in changed.failures
    tampered = probe(signed[f"tampered{ext}"]).credentials
    assert tampered is not None and tampered.state == "invalid"


@pytest.mark.parametrize("name", ["stripped.mp4", "stripped_trim.mp4", "src.mp4", "still.jpg", "still.png"])
def test_no_manifest_is_null(signed: dict[str, Path], name: str) -> None:
    info = probe(signed[name])
    assert info.credentials is None and info.to_dict()["credentials"] is None


@pytest.mark.parametrize(("reference", "said"), [
    ("https://example.invalid/manifests/m1.c2pa", "refers to a remote manifest at https://example.invalid"),
    ("self#jumbf=/c2pa/urn:uuid:0000/c2pa.claim", "no longer there"),
])
def test_an_xmp_reference_without_an_embedded_manifest(signed: dict[str, Path], tmp_path: Path, reference: str,
                                                        said: str) -> None:
    """A remote manifest is named, never fetched; a reference to an embedded one that is gone says it was removed."""
    xmp = (b'http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.'
           b'org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dcterms="http://purl.org/dc/terms/" '
           b'dcterms:provenance="' + reference.encode() + b'"/></rdf:RDF></x:xmpmeta>')
    data = signed["still.jpg"].read_bytes()
    marked = tmp_path / "marked.jpg"
    marked.write_bytes(data[:2] + b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp + data[2:])
    info = probe(marked)
    assert info.credentials is None and info.tags[c2pa.PROVENANCE_TAG] == reference
    assert said in _cli("probe", str(marked)).stdout


# ------------------------------------------------------------------------------------------------ hostile


def test_truncated_inside_the_manifest(signed: dict[str, Path], tmp_path: Path) -> None:
    start, length = cr.manifest_span(signed["cam.mp4"])
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(signed["cam.mp4"].read_bytes()[:start + length // 2])
    c, problems = c2pa.read(str(cut))
    assert c is not None and c.state == "invalid" and c.failures and problems
    info = probe(cut, strict=False)  # no longer media libavformat reads: its manifest is still reported
    assert info.errors and info.credentials is not None and info.credentials.state == "invalid"


def test_truncated_after_the_manifest(signed: dict[str, Path], tmp_path: Path) -> None:
    data = signed["cam.mp4"].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[:len(data) - 2000])
    c = probe(cut, strict=False).credentials
    assert c is not None and c.state == "invalid" and c.failures


def test_garbage_in_a_c2pa_box(signed: dict[str, Path], tmp_path: Path) -> None:
    data = bytearray(signed["cam.mp4"].read_bytes())
    start, length = cr.manifest_span(signed["cam.mp4"])
    data[start + 24:start + length] = os.urandom(length - 24)  # header and UUID kept, the store is noise
    bad = tmp_path / "noise.mp4"
    bad.write_bytes(bytes(data))
    info = probe(bad)
    assert info.credentials is not None and info.credentials.state == "invalid" and info.credentials.failures
    assert info.kind == "video" and info.duration is not None


def test_a_huge_declared_store_is_not_read(signed: dict[str, Path], tmp_path: Path) -> None:
    """A top-level C2PA box declaring 2^40 bytes: the library is never handed it."""
    big = tmp_path / "big.mp4"
    box = (2**40).to_bytes(8, "big")
    big.write_bytes(signed["src.mp4"].read_bytes() + b"\x00\x00\x00\x01uuid" + box + c2pa.C2PA_UUID + b"\x00" * 64)
    started = time.perf_counter()
    c, problems = c2pa.read(str(big))
    assert time.perf_counter() - started < 1.0
    assert c is not None and c.state == "invalid" and c.failures == (c2pa.FAIL_TOO_LARGE,) and problems


def test_deadline(signed: dict[str, Path]) -> None:
    c, problems = c2pa.read(str(signed["cam.mp4"]), timeout=0.0)  # a warm reader answers in milliseconds
    assert c is not None and c.state == "invalid" and c.failures == (c2pa.FAIL_TIMEOUT,)
    assert "not read within" in problems[0]
    again, problems = c2pa.read(str(signed["cam.mp4"]))  # the stopped reader is replaced
    assert again is not None and again.state == "untrusted" and problems == []


def test_summarise_without_active_manifest_is_invalid() -> None:
    c = c2pa.summarise({"manifests": {}, "validation_state": "Valid"}, anchored=False)
    assert c.state == "invalid" and c.failures


# ------------------------------------------------------------------------------------------------ offline, trust


def test_settings_never_use_the_network() -> None:
    s = c2pa.settings(None)
    assert s["verify"]["remote_manifest_fetch"] is False and s["verify"]["ocsp_fetch"] is False
    assert s["core"]["allowed_network_hosts"] == [] and s["trust"]["trust_anchors"] is None


def test_set_trust_anchors_rejects_a_file_that_is_not_pem(signed: dict[str, Path],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError, match="no PEM certificate") as called:
        c2pa.set_trust_anchors(signed["cam.mp4"])
    assert "--" not in str(called.value).split(str(signed["cam.mp4"]))[0]  # from Python: no command-line flag named
    assert str(called.value).startswith("trust anchors ")
    with pytest.raises(UsageError, match="^--trust-anchors .*no PEM certificate"):
        c2pa.set_trust_anchors(signed["cam.mp4"], option="--trust-anchors")  # what the CLI passes
    monkeypatch.setenv(c2pa.TRUST_ENV, str(signed["cam.mp4"]))
    with pytest.raises(UsageError, match=c2pa.TRUST_ENV):
        c2pa.set_trust_anchors(None)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != c2pa.TRUST_ENV}
    return subprocess.run([sys.executable, "-m", "vidverify", *args], capture_output=True, text=True, env=env,
                          check=False)


def test_cli_probe_json_and_text(signed: dict[str, Path]) -> None:
    done = _cli("probe", "--json", "--trust-anchors", str(signed["root.pem"]), str(signed["cam.mp4"]),
                str(signed["stripped.mp4"]))
    assert done.returncode == 0, done.stderr
    cam, stripped = json.loads(done.stdout)["files"]
    assert cam["credentials"]["state"] == "valid" and cam["credentials"]["signer"] == SIGNER
    assert cam["credentials"]["manifest_store"]["active_manifest"]  # the whole store, under a further key
    assert stripped["credentials"] is None
    text = _cli("probe", str(signed["cam.mp4"])).stdout
    assert "credentials" in text and "not on your trust list" in text and SIGNER in text
    bad = _cli("--trust-anchors", str(signed["cam.mp4"]), "probe", str(signed["cam.mp4"]))
    assert bad.returncode == 2 and "no PEM certificate" in bad.stderr


def test_signed_time_is_created_only_when_the_file_has_no_other(signed: dict[str, Path]) -> None:
    cam = probe(signed["cam.mp4"])  # ffmpeg wrote no capture time: the signed one is the capture time
    assert cam.created_source == c2pa.CAPTURE_FIELD and cam.created is not None
    assert cam.created.startswith(CAPTURE_TIME[:19])
    changed = probe(signed["changed.mp4"])  # an invalid manifest's time is not taken
    assert changed.created_source != c2pa.CAPTURE_FIELD


def test_formats_left_to_the_library(signed: dict[str, Path], tmp_path: Path) -> None:
    """WAV and GIF are not walked by ``locate``: a file named so is handed to the library, signed or not."""
    from vidverify.media.ffmpeg import run

    ca = cr.make_ca()
    wav = tmp_path / "a.wav"
    assert run(["-v", "error", "-y", "-f", "lavfi", "-i", "sine=f=440:d=1", str(wav)]).returncode == 0
    gif = cr.still(tmp_path / "a.gif")
    for plain in (wav, gif):
        assert c2pa.read(str(plain)) == (None, [])
        c, problems = c2pa.read(str(cr.sign(plain, tmp_path / ("signed_" + plain.name), ca)))
        assert c is not None and c.state == "untrusted" and c.signer == SIGNER and problems == []


@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="needs /proc (Linux)")
def test_reader_child_stays_within_the_worker_memory_budget(signed: dict[str, Path]) -> None:
    """A scan worker runs under VIDVERIFY_WORKER_MEMORY (RLIMIT_AS); the C2PA reading child it starts inherits
    that cap and may only lower it (its own 4 GiB cap used to raise a 2 GiB worker's child to 4 GiB)."""
    script = (
        "import sys\n"
        "from vidverify.pipeline.workers import limit_memory\n"
        "from vidverify.media.formats import c2pa\n"
        "limit_memory(1536)\n"
        "creds, errors = c2pa.read(sys.argv[1])\n"
        "assert creds is not None, errors\n"
        "pid = c2pa._READER.proc.pid\n"
        "line = [x for x in open(f'/proc/{pid}/limits') if x.startswith('Max address space')][0]\n"
        "print(line.split()[3], line.split()[4])\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(c2pa.__file__).resolve().parents[3]),
                                                       os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", script, str(signed["cam.mp4"])], capture_output=True, text=True,
                         timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    soft, hard = out.stdout.split()
    assert int(soft) <= 1536 * 2**20 and int(hard) <= 1536 * 2**20


@pytest.mark.parametrize("name", ["signed.bin", "signed", "SIGNED.WAV"])
def test_a_signed_wav_is_read_whatever_its_name(signed: dict[str, Path], tmp_path: Path, name: str) -> None:
    """Formats the library finds the store of itself were chosen by extension only: a signed WAV saved as
    ``.bin`` or without an extension (a download's temporary name) was reported as carrying no credentials."""
    from vidverify.testing import synth_audio

    wav = synth_audio.melody(tmp_path / "m.wav", seconds=1.0)
    ca = cr.make_ca("Throwaway Root", organization=SIGNER)
    out = cr.sign(wav, tmp_path / "signed.wav", ca, generator="ExampleRecorder 1.0")
    renamed = tmp_path / name
    renamed.write_bytes(out.read_bytes())
    c = probe(renamed).credentials
    assert c is not None and c.state == "untrusted" and c.signer == SIGNER
    assert probe(wav).credentials is None  # a WAV without a store is still null
