"""media/claims.py: finding and reading yt-dlp sidecars, user claims files, merging; fuzzed parser."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.make_fixtures import clip
from vidverify.errors import InputError, SidecarError
from vidverify.media import claims as sidecar
from vidverify.media.claims import (
    DEFAULT_KEY,
    claims_for,
    find_sidecar,
    merge_claims,
    read_claims_file,
    read_info_json,
    timestamps_of,
)
from vidverify.media.files import MAX_JSON_DEPTH
from vidverify.models import Claims, Timestamp
from vidverify.testing import synth

FUZZ_SCALE = int(os.environ.get("VIDVERIFY_FUZZ_SCALE", "1"))  # e.g. 20 for a long local fuzz run
FUZZ_EXAMPLES = {k: n * FUZZ_SCALE for k, n in {"json": 600, "bytes": 400, "yaml": 500}.items()}
FUZZ_RUN: dict[str, int] = {"json": 0, "bytes": 0, "yaml": 0}


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------------ find_sidecar


def test_find_sidecar_stem_and_full_name(tmp_path: Path) -> None:
    media = tmp_path / "clip.mp4"
    media.write_bytes(b"x")
    assert find_sidecar(media) is None
    full = write(tmp_path / "clip.mp4.info.json", {})
    assert find_sidecar(media) == full
    stem = write(tmp_path / "clip.info.json", {})
    assert find_sidecar(media) == stem  # yt-dlp's own naming is preferred


def test_find_sidecar_refuses_a_symlink_out_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    media = tmp_path / "a" / "clip.mp4"
    media.write_bytes(b"x")
    outside = write(tmp_path / "b" / "secret.json", {"title": "elsewhere"})
    os.symlink(outside, tmp_path / "a" / "clip.info.json")
    assert find_sidecar(media) is None
    # a symlink to a file in the same folder is fine
    (tmp_path / "a" / "clip.info.json").unlink()
    real = write(tmp_path / "a" / "real.json", {"title": "here"})
    os.symlink(real, tmp_path / "a" / "clip.info.json")
    assert find_sidecar(media) == tmp_path / "a" / "clip.info.json"
    # a directory with the sidecar's name is not a sidecar
    (tmp_path / "a" / "clip.info.json").unlink()
    (tmp_path / "a" / "clip.info.json").mkdir()
    assert find_sidecar(media) is None


# ------------------------------------------------------------------------------------------------ read_info_json


@pytest.fixture(scope="module")
def small_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clip(tmp_path_factory.mktemp("sidecar") / "upload.mp4", seconds=0.5, size="160x120")


def test_read_synth_sidecar(small_clip: Path) -> None:
    side = synth.write_info_json(small_clip, upload_date="20260315", timestamp=1773590400,
                                 uploader="Citizen Reporter", title="Incredible scenes", description="desc")
    assert find_sidecar(small_clip) == side
    c = read_info_json(side)
    assert c == Claims(source="upload.info.json", upload_time="2026-03-15T16:00:00Z", uploader="Citizen Reporter",
                       url=c.url, title="Incredible scenes", description="desc")
    assert c.url and c.url.startswith("https://www.youtube.com/watch?v=")
    assert Claims.from_dict(c.to_dict()) == c
    assert timestamps_of(c) == (Timestamp("claims.upload_time", "2026-03-15T16:00:00Z", "Z"),)
    side.unlink()


def test_upload_date_alone_is_a_date_without_zone(tmp_path: Path) -> None:
    c = read_info_json(write(tmp_path / "v.info.json", {"upload_date": "20240501", "channel": "Chan",
                                                          "original_url": "https://x/y"}))
    assert c.upload_time == "2024-05-01"
    assert (c.uploader, c.url) == ("Chan", "https://x/y")
    assert timestamps_of(c) == (Timestamp("claims.upload_time", "2024-05-01", None),)


def test_release_timestamp_is_used_when_timestamp_is_absent(tmp_path: Path) -> None:
    c = read_info_json(write(tmp_path / "v.info.json", {"release_timestamp": 0, "upload_date": "20240501",
                                                          "timestamp": None}))
    assert c.upload_time == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b"{", "line 1: sidecar is not valid JSON (column 2"),
        (b"[1, 2]", "JSON object, not list"),
        (b'"text"', "JSON object, not str"),
        (b'{"timestamp": "yesterday"}', "'timestamp' should be epoch seconds"),
        (b'{"timestamp": true}', "'timestamp' should be epoch seconds"),
        (b'{"timestamp": -5}', "'timestamp' is out of range"),
        (b'{"timestamp": 1e300}', "'timestamp' is out of range"),
        (b'{"timestamp": NaN}', "not valid JSON"),
        (b'{"upload_date": "2024-13-45"}', "'upload_date' should be a date YYYYMMDD"),
        (b'{"title": ["a"]}', "'title' should be text, got list"),
        (b'{"uploader": 5}', "'uploader' should be text, got int"),
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "nests deeper"),
        (b'{"a":' * 200_000 + b"1" + b"}" * 200_000, "nests deeper"),
    ],
)
def test_bad_sidecars_raise_one_line_sidecar_errors(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "bad.info.json"
    p.write_bytes(content)
    with pytest.raises(SidecarError) as exc:
        read_info_json(p)
    assert isinstance(exc.value, InputError) and exc.value.exit_code == 4
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)
    assert str(exc.value).startswith(str(p))


def test_size_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sidecar, "MAX_SIDECAR_BYTES", 100)
    p = write(tmp_path / "big.info.json", {"title": "x" * 200})
    with pytest.raises(SidecarError, match="larger than"):
        read_info_json(p)


def test_long_text_is_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sidecar, "MAX_TEXT_CHARS", 10)
    c = read_info_json(write(tmp_path / "v.info.json", {"description": "abcdefghijklmnop", "title": " t\x00 "}))
    assert c.description == "abcdefghi…" and c.title == "t"


# ------------------------------------------------------------------------------------------------ claims files


CLAIMS_YAML = """\
# claims for the case
default:
  claimed_place: Paris, Place de la République
files:
  clip.mp4:
    claimed_time: "2024-05-01T14:00:00+02:00"
    claimed_place: "48.8566, 2.3522"
  sub/other.mov:
    claimed_time: 2024-05-02T08:30:00Z
    uploader: Witness A
  day.mp4:
    claimed_time: 2024-05-03
"""


def test_read_yaml_claims_file(tmp_path: Path) -> None:
    p = tmp_path / "claims.yaml"
    p.write_text(CLAIMS_YAML, encoding="utf-8")
    table = read_claims_file(p)
    default = table[DEFAULT_KEY]
    assert (default.source, default.claimed_place) == ("claims.yaml", "Paris, Place de la République")
    lookup = default.claimed_place_lookup  # a name: looked up in the gazetteer, every Paris a candidate
    assert lookup is not None and lookup.status == "found" and lookup.unused == ("Place de la République",)
    assert {(p.name, p.country) for p in lookup.candidates} >= {("Paris", "FR"), ("Paris", "US")}
    clip_c = table[str(tmp_path / "clip.mp4")]
    assert clip_c.claimed_place_lookup is None  # coordinates need no gazetteer
    assert clip_c.claimed_time == "2024-05-01T14:00:00+02:00"
    assert clip_c.claimed_place == "48.8566,2.3522"
    other = table[str(tmp_path / "sub" / "other.mov")]
    assert other.claimed_time == "2024-05-02T08:30:00Z"  # YAML read it as a datetime in UTC
    assert other.uploader == "Witness A"
    assert table[str(tmp_path / "day.mp4")].claimed_time == "2024-05-03"
    # per file: default under, own entry over
    own = sidecar.user_claims_for(table, tmp_path / "clip.mp4")
    assert own is not None and own.claimed_place == "48.8566,2.3522"
    assert own.claimed_place_lookup is None  # the default's lookup does not stay beside the file's own place
    other_file = sidecar.user_claims_for(table, tmp_path / "nothing.mp4")
    assert other_file is not None and other_file.claimed_place == "Paris, Place de la République"
    assert other_file.claimed_place_lookup == lookup


def test_read_json_claims_file(tmp_path: Path) -> None:
    p = write(tmp_path / "claims.json", {"files": {"a.mp4": {"claimed_place": {"lat": 1.5, "lon": -2}}}})
    assert read_claims_file(p) == {str(tmp_path / "a.mp4"): Claims(source="claims.json", claimed_place="1.5,-2")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("files:\n  a.mp4:\n    claimed_tme: 2024-01-01\n", "line 3: files.a.mp4.claimed_tme: unknown field"),
        ("files:\n  a.mp4:\n    claimed_time: tomorrow\n", "line 3: files.a.mp4.claimed_time: not an ISO 8601"),
        ("files:\n  a.mp4:\n    claimed_place: '95,10'\n", "line 3: files.a.mp4.claimed_place: not a place"),
        ("files:\n  a.mp4: [1, 2]\n", "line 2: files.a.mp4: should be a mapping"),
        ("default:\n  title: [x]\n", "line 2: default.title: should be text, got list"),
        ("fils:\n  a.mp4: {}\n", "line 1: unknown top-level key 'fils'"),
        ("files: [a.mp4]\n", "line 1: files: should be a mapping"),
        ("- a\n- b\n", "should be a mapping with 'files'"),
        ("files:\n  a.mp4: {claimed_time: '2024'\n", "line 3: claims file is not valid YAML"),
        ("files: !!python/object:os.system {}\n", "not valid YAML"),
    ],
)
def test_bad_claims_files_name_field_and_line(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "claims.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(SidecarError) as exc:
        read_claims_file(p)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_empty_claims_file(tmp_path: Path) -> None:
    p = tmp_path / "claims.yaml"
    p.write_text("# nothing yet\n", encoding="utf-8")
    assert read_claims_file(p) == {}


# ------------------------------------------------------------------------------------------------ merging


def test_merge_claims() -> None:
    side = Claims(source="v.info.json", upload_time="2024-05-02T10:00:00Z", title="T", claimed_time=None)
    user = Claims(source="claims.yaml", claimed_time="2024-05-01T14:00:00+02:00", claimed_place="Paris")
    merged = merge_claims(side, user)
    assert merged == Claims(source="v.info.json + claims.yaml", upload_time="2024-05-02T10:00:00Z", title="T",
                            claimed_time="2024-05-01T14:00:00+02:00", claimed_place="Paris")
    assert merge_claims(None, None) is None
    assert merge_claims(side, None) is side and merge_claims(None, user) is user
    assert merge_claims(side, Claims(title="user title")).title == "user title"  # type: ignore[union-attr]


def test_claims_for_reads_sidecar_and_user_table(tmp_path: Path) -> None:
    media = tmp_path / "v.mp4"
    media.write_bytes(b"x")
    write(tmp_path / "v.info.json", {"timestamp": 1714564800, "uploader": "U"})
    table = {str(tmp_path / "v.mp4"): Claims(source="claims.yaml", claimed_place="Lyon")}
    c = claims_for(media, table)
    assert c is not None
    assert (c.upload_time, c.uploader, c.claimed_place) == ("2024-05-01T12:00:00Z", "U", "Lyon")
    (tmp_path / "v.info.json").write_text("{oops", encoding="utf-8")
    with pytest.raises(SidecarError):
        claims_for(media, table)
    errors: list[str] = []
    c = claims_for(media, table, errors=errors)
    assert c == Claims(source="claims.yaml", claimed_place="Lyon")
    assert errors and errors[0].startswith("v.info.json: line 1: sidecar is not valid JSON (column 2")


# ------------------------------------------------------------------------------------------------ fuzzing

_FIXTURE_OK = [HealthCheck.function_scoped_fixture]  # tmp_path is reused: each example overwrites its one file
_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
_json = st.recursive(
    _scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
    max_leaves=30,
)
_keys = st.sampled_from([*sidecar.UPLOAD_TIME_KEYS, *sidecar.UPLOADER_KEYS, *sidecar.URL_KEYS, "title",
                         "description", "formats", "id"])
_info_docs = st.dictionaries(_keys, _json, max_size=8) | _json


@settings(max_examples=FUZZ_EXAMPLES["json"], deadline=None, suppress_health_check=_FIXTURE_OK)
@given(doc=_info_docs)
def test_fuzz_info_json_documents(tmp_path: Path, doc: Any) -> None:
    FUZZ_RUN["json"] += 1
    p = tmp_path / "f.info.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    _claims_or_sidecar_error(p)


@settings(max_examples=FUZZ_EXAMPLES["bytes"], deadline=None, suppress_health_check=_FIXTURE_OK)
@given(data=st.binary(max_size=400) | st.builds(lambda d: json.dumps(d).encode()[:-1], _info_docs))
def test_fuzz_info_json_bytes(tmp_path: Path, data: bytes) -> None:
    FUZZ_RUN["bytes"] += 1
    p = tmp_path / "f.info.json"
    p.write_bytes(data)
    _claims_or_sidecar_error(p)


@settings(max_examples=FUZZ_EXAMPLES["yaml"], deadline=None, suppress_health_check=_FIXTURE_OK)
@given(
    text=st.text(max_size=200)
    | st.builds(lambda d: json.dumps({"files": {"a.mp4": d}}), _json)
    | st.builds(lambda d: yaml.safe_dump({"files": d, "default": d.get("x")}),
                st.dictionaries(st.sampled_from(["a.mp4", "x", "b/c.mov", *sidecar.CLAIM_KEYS]), _json))
)
def test_fuzz_claims_files(tmp_path: Path, text: str) -> None:
    FUZZ_RUN["yaml"] += 1
    p = tmp_path / "claims.yaml"
    p.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        out = read_claims_file(p)
    except SidecarError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(isinstance(v, Claims) for v in out.values())


def _claims_or_sidecar_error(p: Path) -> None:
    try:
        c = read_info_json(p)
    except SidecarError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(c, Claims) and c.source == p.name
    assert Claims.from_dict(json.loads(json.dumps(c.to_dict()))) == c


def test_fuzz_ran_all_examples() -> None:
    """Runs after the fuzz tests (file order): each ran its examples (hypothesis may stop early only when the
    strategy is exhausted, which these are not)."""
    for kind, n in FUZZ_EXAMPLES.items():
        assert FUZZ_RUN[kind] >= n * 0.9, (kind, FUZZ_RUN[kind])
