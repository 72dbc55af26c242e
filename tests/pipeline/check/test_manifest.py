"""pipeline/check/manifest.py: the example manifest against the schema; bad manifests exit 2 naming the field and
the line (YAML and JSON); paths that leave the folder; a valid manifest's ids, paths, claims and policy."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from tests.pipeline.check.helpers import EXAMPLE, entry, run, sha, write
from vidverify import errors as cli_exit
from vidverify.pipeline.check import manifest as manifest_mod
from vidverify.pipeline.check.manifest import ManifestError, load_manifest


def test_example_manifest_is_valid_against_the_schema() -> None:
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    manifest_mod.validate_manifest(manifest_mod._plain(doc), path=str(EXAMPLE))


# ------------------------------------------------------------------------------------------- bad manifests


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    d = tmp_path / "archive"
    write(d / "a.mp4", "a")
    write(d / "b.mp4", "b")
    write(tmp_path / "outside.mp4", "outside")
    return d


BAD_YAML = [
    # (manifest text with {A} and {B} for the hashes, field named in the message, line, words in the message)
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    colour: red\n", "files[0].colour", 4, "unknown field"),
    ("files:\n  - path: a.mp4\n    sha256: 5\n", "files[0].sha256", 3, "should be text"),
    ("files:\n  - path: a.mp4\n    sha256: abc\n", "files[0].sha256", 3, "64 hex digits"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n  - path: ../outside.mp4\n    sha256: {B}\n", "files[1].path", 4,
     "through '..'"),
    ("files:\n  - path: /etc/passwd\n    sha256: {A}\n", "files[0].path", 2, "absolute"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    same-footage-as: [nope.mp4]\n", "files[0].same-footage-as[0]",
     4, "not a file of this manifest"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    claims:\n      time: yesterday\n", "files[0].claims.time", 5,
     "ISO 8601"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    claims:\n      time: {{after: 2026-03-20, before: 2026-03-01}}\n",
     "files[0].claims.time", 5, "empty"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    claims:\n      place: {{lat: 95, lon: 0}}\n",
     "files[0].claims.place.lat", 5, "maximum"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    claims:\n      time: 5\n", "files[0].claims.time", 5,
     "not a valid value"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\npolicy:\n  fail-on: sometimes\n", "policy.fail-on", 5, "one of"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\npolicy:\n  tolerances:\n    clock: 3\n", "policy.tolerances.clock", 6,
     "unknown field"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\nextra: 1\n", "extra", 4, "unknown field"),
    ("policy: {{}}\n", None, 1, "missing required field 'files'"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n  - path: ./a.mp4\n    sha256: {A}\n", "files[1].path", 4,
     "listed twice"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n    same-footage-as: [b.mp4]\n  - path: b.mp4\n    sha256: {B}\n"
     "    independent-of: [a.mp4]\n", "files[1].independent-of", 7, "both"),
    ("files:\n  - path: a.mp4\n    sha256: {A}\n   bad: [\n", None, 4, "not valid YAML"),
]


@pytest.mark.parametrize(("text", "field", "line", "words"), BAD_YAML)
def test_bad_manifests_exit_2_naming_field_and_line(archive: Path, capsys: pytest.CaptureFixture[str], text: str,
                                                    field: str | None, line: int, words: str) -> None:
    manifest = write(archive / "vidverify.yaml", text.format(A=sha(archive / "a.mp4"), B=sha(archive / "b.mp4")))
    code, out, err = run(["check", str(manifest)], capsys)
    assert code == cli_exit.EXIT_USAGE, err
    assert out == ""
    assert f"line {line}:" in err and words in err, err
    if field:
        assert f"{field}:" in err, err
    with pytest.raises(ManifestError) as exc:
        load_manifest(manifest)
    assert exc.value.line == line and exc.value.field == field


def test_a_symlink_out_of_the_folder_is_rejected(archive: Path) -> None:
    os.symlink(archive.parent / "outside.mp4", archive / "link.mp4")
    manifest = write(archive / "m.yaml", yaml.safe_dump({"files": [entry("link.mp4", "0" * 64)]}))
    with pytest.raises(ManifestError, match="through a symlink") as exc:
        load_manifest(manifest)
    assert exc.value.field == "files[0].path" and exc.value.line == 2


def test_json_manifests_get_fields_and_lines_too(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = {"files": [{"path": "a.mp4", "sha256": sha(archive / "a.mp4"), "id": 7}]}
    manifest = write(archive / "m.json", json.dumps(doc, indent=2))
    code, _, err = run(["check", str(manifest)], capsys)
    assert code == cli_exit.EXIT_USAGE and "files[0].id: should be text, got int" in err and "line 6:" in err
    assert run(["check", str(archive / "none.yaml")], capsys)[0] == cli_exit.EXIT_USAGE
    assert run(["check"], capsys)[0] == cli_exit.EXIT_USAGE
    assert run(["check", str(manifest), "--init", str(archive)], capsys)[0] == cli_exit.EXIT_USAGE


# ------------------------------------------------------------------------------------------- valid manifests


def test_a_valid_manifest_resolves_ids_paths_and_policy(archive: Path) -> None:
    text = yaml.safe_dump({
        "version": 1,
        "files": [entry("a.mp4", sha(archive / "a.mp4"), id="a", **{"same-footage-as": ["b.mp4"]},
                        claims={"time": "2026-03-14T09:26:53-04:00", "place": "40.6892,-74.0445"}),
                  entry("b.mp4", sha(archive / "b.mp4").upper(), claims={"time": {"before": "2026-03-15"}})],
        "policy": {"fail-on": "warning", "allowed-writers": ["camera"], "now": "2026-04-01T00:00:00Z",
                   "tolerances": {"clock-tolerance-s": 30, "place-tolerance-m": 100}},
    }, sort_keys=False)
    m = load_manifest(write(archive / "ok.yaml", text))
    a, b = m.entries
    assert (a.id, b.id, a.same[0][0]) == ("a", "b.mp4", "b.mp4")
    assert b.sha256 == sha(archive / "b.mp4")
    assert a.path == os.path.join(str(archive), "a.mp4")
    assert a.time is not None and a.time.exact and b.time is not None and not b.time.exact
    assert a.place is not None and (a.place.lat, a.place.lon) == (40.6892, -74.0445)
    assert m.fail_on == "warning" and m.allowed_writers == ("camera",)
    assert (m.policy.clock_tolerance_s, m.policy.place_tolerance_m, m.policy.now) == (30.0, 100.0,
                                                                                      "2026-04-01T00:00:00Z")
    table = manifest_mod.claims_table(m)
    assert table[os.path.abspath(a.path)].claimed_time == "2026-03-14T09:26:53-04:00"
    assert table[os.path.abspath(b.path)].claimed_time is None  # a window is checked by check, not the timeline
