"""evidence/codes.py, the one catalogue of finding codes: the README's "Finding codes" table equals it, findings
are made only of catalogued codes and severities, and ``mentions``/``fields_of`` read the structured evidence."""

from __future__ import annotations

import re

import pytest

import vidverify
from tests import ROOT
from tests.evidence.test_timeline import FFMPEG, IPHONE, NOW, info
from vidverify.evidence import codes
from vidverify.evidence.codes import CATALOGUE, fields_of, make_finding, mentions, readme_rows
from vidverify.evidence.timeline import file_findings, group_findings
from vidverify.models import SEVERITIES, Claims, Finding

CLAIMED = {"field": "claims.claimed_time (claims.yaml)", "value": "2026-03-19", "timezone": None}
UPLOAD = {"field": "claims.upload_time (sidecar)", "value": "2026-03-10T18:40:00Z", "timezone": "Z"}
CAPTURE = {"field": "com.apple.quicktime.creationdate", "value": "2026-03-14T09:26:53-04:00", "timezone": "-04:00"}


def readme_table() -> list[tuple[str, str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Finding codes\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert section is not None, "README.md has no '## Finding codes' section"
    rows = [ln for ln in section.group(1).splitlines() if ln.startswith("| `")]
    out = []
    for ln in rows:
        m = re.fullmatch(r"\| `([^`]+)` \| (\w+) \| (.+?) \|", ln)
        assert m is not None, f"README.md: a Finding codes row not of the form | `code` | severity | when |: {ln}"
        out.append((m.group(1), m.group(2), m.group(3)))
    return out


# ------------------------------------------------------------------------------------------ the catalogue


def test_readme_finding_codes_table_equals_the_catalogue() -> None:
    table = readme_table()
    assert table, "README.md's Finding codes table has no rows"
    assert table == readme_rows()  # code, severity and text, in order


def test_the_catalogue_is_consistent() -> None:
    names = [c.name for c in CATALOGUE]
    assert len(set(names)) == len(names) and set(codes.BY_NAME) == set(names)
    constants = {getattr(codes, k) for k in codes.__all__ if k.isupper() and isinstance(getattr(codes, k), str)}
    assert constants == set(names)  # every code has its constant, and every constant is catalogued
    for c in CATALOGUE:
        assert c.when and set(c.when) <= set(SEVERITIES), c.name
        assert all(text and "\n" not in text for text in c.when.values()), c.name
        assert set(c.time_evidence) <= set(c.evidence), c.name
    assert [r[0] for r in readme_rows()][:3] == ["capture-after-upload", "recycled-footage", "recycled-footage"]
    assert vidverify.FINDING_CODES is CATALOGUE


# ------------------------------------------------------------------------------------------ make_finding


def test_make_finding_takes_catalogued_codes_at_their_severities() -> None:
    f = make_finding(codes.CAPTURE_AFTER_UPLOAD, "error", ["b.mp4", "a.mov", "b.mp4"], "uploaded before captured",
                     capture=CAPTURE, upload=UPLOAD)
    assert f == Finding("capture-after-upload", "error", ("b.mp4", "a.mov"), "uploaded before captured",
                        {"capture": CAPTURE, "upload": UPLOAD})  # paths keep their order, repeats dropped
    assert make_finding(codes.RECYCLED_FOOTAGE, "warning", ("a",), "late").severity == "warning"
    for c in CATALOGUE:
        for severity in c.when:
            assert make_finding(c.name, severity, ["x"], "m").code == c.name


@pytest.mark.parametrize(("code", "severity"), [
    ("no-such-code", "error"),
    ("Capture-After-Upload", "error"),  # codes are exact
    ("", "info"),
    (codes.DUPLICATE, "error"),  # a real severity, but not one this code has
    (codes.CAPTURE_AFTER_UPLOAD, "warning"),
    (codes.EDITED, "fatal"),  # no such severity
    (codes.EDITED, ""),
])
def test_make_finding_refuses_what_the_catalogue_does_not_list(code: str, severity: str) -> None:
    with pytest.raises(ValueError, match="not in the catalogue"):
        make_finding(code, severity, ["a.mp4"], "message")


# ------------------------------------------------------------------------------------------ mentions


@pytest.mark.parametrize(("code", "severity", "evidence"), [
    (codes.CAPTURE_AFTER_UPLOAD, "error", {"capture": CLAIMED, "upload": UPLOAD}),
    (codes.RECYCLED_FOOTAGE, "error", {"member": CLAIMED, "first_seen": CAPTURE}),
    (codes.CAPTURE_TIME_MISMATCH, "error", {"capture": CAPTURE, "claimed": CLAIMED}),
], ids=["capture-after-upload", "recycled-footage", "capture-time-mismatch"])
def test_mentions_finds_a_claimed_time_in_the_time_evidence(code: str, severity: str,
                                                            evidence: dict[str, object]) -> None:
    f = make_finding(code, severity, ["a.mp4", "b.mp4"], "message", **evidence)
    assert mentions(f, "claims.claimed_time")
    assert not mentions(f, "claims.place") and not mentions(f, "mvhd.")
    # the same finding resting on other times does not mention it
    other = {k: (CAPTURE if v is CLAIMED else v) for k, v in evidence.items()}
    assert not mentions(make_finding(code, severity, ["a.mp4"], "message", **other), "claims.claimed_time")


def test_mentions_reads_only_declared_time_evidence() -> None:
    text = "claims.claimed_time (claims.yaml) says 2026-03-19"
    # in the message, in a key the code does not declare as a time, as a bare string: not a mention
    assert not mentions(make_finding(codes.CAPTURE_AFTER_UPLOAD, "error", ["a"], text, capture=CAPTURE,
                                     upload=UPLOAD, capture_path=text), "claims.claimed_time")
    assert not mentions(make_finding(codes.RECYCLED_FOOTAGE, "error", ["a"], "m", member=CLAIMED["field"],
                                     first_seen=CAPTURE, first_seen_path=CLAIMED), "claims.claimed_time")
    # codes whose evidence holds no time
    assert not mentions(make_finding(codes.PLACE_MISMATCH, "warning", ["a"], "m", claimed_place=CLAIMED,
                                     gps=CLAIMED), "claims.claimed_time")
    assert not mentions(make_finding(codes.EDITED, "warning", ["a"], "m", edits=[CLAIMED]), "claims.claimed_time")
    # a code the catalogue does not know
    assert not mentions(Finding("made-up", "error", ("a",), "m", {"capture": CLAIMED}), "claims.claimed_time")


def test_mentions_on_the_timeline_s_own_findings() -> None:
    """What check asks of real findings: those that rest on the claimed time say so, the others do not."""
    [mismatch] = file_findings(info(stamps=IPHONE, claims=Claims(claimed_time="2026-03-19")), NOW)
    assert mismatch.code == codes.CAPTURE_TIME_MISMATCH and mentions(mismatch, "claims.claimed_time")
    [late] = file_findings(info(stamps=IPHONE, claims=Claims(upload_time="2026-03-10T18:40:00Z")), NOW)
    assert late.code == codes.CAPTURE_AFTER_UPLOAD and not mentions(late, "claims.claimed_time")
    assert mentions(late, "claims.upload_time")
    original = info("IMG.MOV", stamps=IPHONE)
    early = info("early.mp4", stamps=(), created=None, make=None, writer=FFMPEG,
                 claims=Claims(upload_time="2026-03-10T18:40:00Z"))
    claimed = info("tiktok.mp4", stamps=(), created=None, make=None, writer=FFMPEG,
                   claims=Claims(upload_time="2026-03-25T08:15:00Z", claimed_time="2026-03-19"))
    fs = group_findings([original, early, claimed], (), NOW)
    by = {(f.code, f.severity): f for f in fs}
    assert mentions(by[(codes.RECYCLED_FOOTAGE, "error")], "claims.claimed_time")
    assert not mentions(by[(codes.RECYCLED_FOOTAGE, "warning")], "claims.claimed_time")  # an upload date's
    assert not mentions(by[(codes.CAPTURE_AFTER_UPLOAD, "error")], "claims.claimed_time")


# ------------------------------------------------------------------------------------------ fields_of


def test_fields_of_names_the_code_s_fields_and_the_evidence_s() -> None:
    f = make_finding(codes.CAPTURE_AFTER_UPLOAD, "error", ["a"], "m", capture=CAPTURE, upload=UPLOAD)
    assert fields_of(f) == {"created", "upload_time", "capture", "upload"}
    stripped = make_finding(codes.PLACEHOLDER_DATE, "info", ["a"], "m", fields=["mvhd.creation_time", "exif.x"])
    assert fields_of(stripped) == {"created", "fields", "mvhd.creation_time", "exif.x"}
    single = make_finding(codes.EDITED, "warning", ["a"], "m", edits=["cut"])
    assert fields_of(single) == {"edits"}  # no fields of its own: the evidence's keys
    assert fields_of(Finding("made-up", "info", ("a",), "m", {"field": "make"})) == {"field", "make"}
    assert fields_of(Finding("made-up", "info", ("a",), "m", {})) == set()
    dup = make_finding(codes.DUPLICATE, "info", ["a", "b"], "m", sha256="ab" * 32, kind="bytes")
    assert fields_of(dup) == {"sha256", "kind"}


def test_only_place_findings_are_about_the_claimed_place() -> None:
    """Issue 16 item 7: the report marks a claimed place with the findings about it, never with recycled-footage
    (which rests on times alone)."""
    claims = Claims(upload_time="2026-04-01T12:00:00Z", claimed_time="2026-03-31", claimed_place="Kyiv, Ukraine")
    fs = group_findings([info("IMG.MOV", stamps=IPHONE), info("c.mp4", stamps=(), created=None, make=None,
                                                               writer=FFMPEG, claims=claims)], (), NOW)
    recycled = [f for f in fs if f.code == codes.RECYCLED_FOOTAGE]
    assert recycled and not any("claimed_place" in fields_of(f) for f in recycled)
    assert "claimed_time" in fields_of(recycled[0])
    for code in (codes.PLACE_MISMATCH, codes.PLACE_NOT_COMPARED):
        assert "claimed_place" in fields_of(make_finding(code, next(iter(codes.BY_NAME[code].when)), ["a"], "m",
                                                         claimed_place="Kyiv"))


def test_contract_finding_codes_table_names_every_code_and_its_evidence_keys() -> None:
    """docs/contract.md is what scripts read: every catalogued code has a row there (a row may name several
    codes), and that row names each evidence key the catalogue lists for it (``truncated`` and the two-position
    ``place-mismatch`` were merged without)."""
    text = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    section = re.search(r"^## Finding codes\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert section is not None
    rows = {}
    for ln in section.group(1).splitlines():
        if ln.startswith("| `"):
            first, rest = ln[2:].split(" | ", 1)
            for name in re.findall(r"`([^`]+)`", first):
                rows[name] = rest
    missing = []
    for code in CATALOGUE:
        row = rows.get(code.name)
        missing += [f"{code.name} (no row)"] if row is None else [
            f"{code.name}: {key}" for key in code.evidence if f"`{key}`" not in row]
    assert not missing, f"docs/contract.md's Finding codes table lacks: {missing}"
