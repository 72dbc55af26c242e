"""check with content credentials: files that must carry credentials (present or valid), a policy that forbids
AI-labelled footage, and the manifest's trust anchors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.pipeline.check.helpers import by_kind, entry, sha, write
from vidverify.media.formats import c2pa
from vidverify.pipeline.check.cases import check
from vidverify.pipeline.check.manifest import ManifestError, load_manifest


@pytest.fixture(autouse=True)
def _no_anchors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(c2pa.TRUST_ENV, raising=False)


@pytest.fixture(scope="module")
def archive(signed: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cred-archive")
    for name in ("cam.mp4", "stripped.mp4", "ai.mp4", "ai_copy.mp4", "root.pem"):
        shutil.copyfile(signed[name], d / name)
    return d


def _manifest(archive: Path, name: str, policy: dict, **per_file: dict) -> Path:
    files = [entry(n, sha(archive / n), **per_file.get(n.replace(".mp4", ""), {}))
             for n in ("cam.mp4", "stripped.mp4", "ai.mp4", "ai_copy.mp4")]
    return write(archive / name, yaml.safe_dump({"files": files, "documents": [entry("root.pem",
                                                 sha(archive / "root.pem"))],
                                                 "policy": {"fail-on": "never", **policy}}))


def _status(result, kind: str) -> dict[str, str]:
    return {c.name: c.status for c in by_kind(result.cases).get(kind, [])}


def test_credentials_present_and_valid(archive: Path) -> None:
    m = _manifest(archive, "present.yaml", {"credentials": "present"}, cam={"credentials": "valid"})
    result = check(m, pictures=False)
    assert _status(result, "credentials") == {"cam.mp4": "fail", "stripped.mp4": "fail", "ai.mp4": "pass",
                                              "ai_copy.mp4": "fail"}
    (cam,) = [c for c in result.cases if c.kind == "credentials" and c.name == "cam.mp4"]
    assert "not on the trust list" in cam.message  # intact, but no trust anchors: not valid


def test_policy_trust_anchors_make_it_valid(archive: Path) -> None:
    m = _manifest(archive, "anchored.yaml", {"trust-anchors": "root.pem"}, cam={"credentials": "valid"})
    result = check(m, pictures=False)
    assert _status(result, "credentials") == {"cam.mp4": "pass"}
    assert c2pa.TRUST_ENV not in __import__("os").environ  # the manifest's anchors do not outlive the check


def test_ai_generated_forbidden(archive: Path) -> None:
    m = _manifest(archive, "no-ai.yaml", {"ai-labelled": "forbid"})
    result = check(m, pictures=False)
    assert _status(result, "ai-labelled") == {"cam.mp4": "pass", "stripped.mp4": "pass", "ai.mp4": "fail",
                                               "ai_copy.mp4": "fail"}
    assert result.status == "fail"


def test_bad_trust_anchors_in_the_policy(archive: Path) -> None:
    m = _manifest(archive, "bad.yaml", {"trust-anchors": "cam.mp4"})
    with pytest.raises(ManifestError, match="trust-anchors"):
        load_manifest(m)
    bad = write(archive / "enum.yaml", yaml.safe_dump({"files": [entry("cam.mp4", sha(archive / "cam.mp4"),
                                                                           credentials="signed")]}))
    with pytest.raises(ManifestError):
        load_manifest(bad)


def test_init_requires_the_credentials_a_file_carries(signed: dict[str, Path], tmp_path: Path) -> None:
    from vidverify.pipeline.check.starter import init_manifest

    d = tmp_path / "init"
    d.mkdir()
    for name in ("cam.mp4", "stripped.mp4", "tampered.mp4"):
        shutil.copyfile(signed[name], d / name)
    init = init_manifest(d, fail_on="never", pictures=False)
    doc = yaml.safe_load(Path(init.path).read_text(encoding="utf-8"))
    # intact credentials (untrusted here: no anchors) are required to stay; none asked of a stripped copy, and a
    # tampered manifest is not written in as a requirement the file already fails
    assert {f["path"]: f.get("credentials") for f in doc["files"]} == {
        "cam.mp4": "present", "stripped.mp4": None, "tampered.mp4": None}
    assert _status(check(init.path, pictures=False), "credentials") == {"cam.mp4": "pass"}
    # stripping the credentials later (the same footage, re-encoded over the listed file) fails that case
    shutil.copyfile(signed["stripped.mp4"], d / "cam.mp4")
    assert _status(check(init.path, pictures=False), "credentials") == {"cam.mp4": "fail"}
