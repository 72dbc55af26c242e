"""Content credentials through the index and compare: ``index add`` keeps each clip's credential summary,
``search`` results carry it, an index made before credentials were read still loads and is brought up to date by
``index add``; ``compare`` reports both sides' credentials."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.fixtures.credentials import SIGNER
from vidverify.evidence import codes
from vidverify.media.formats import c2pa
from vidverify.pipeline.comparison import compare
from vidverify.pipeline.index.search import Index
from vidverify.pipeline.ingest import add_paths, load_or_compute
from vidverify.pipeline.scanning import ScanOptions, scan


@pytest.fixture(autouse=True)
def _no_anchors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(c2pa.TRUST_ENV, raising=False)


def _by_name(results: tuple) -> dict:
    return {Path(r.path).name: r for r in results}


def test_search_results_carry_the_signed_clips_credentials(signed: dict[str, Path], tmp_path: Path) -> None:
    with Index(tmp_path / "ix.sqlite") as ix:
        add_paths(ix, [signed["cam.mp4"], signed["unrelated.mp4"], signed["ai_copy.mp4"]])
        found = _by_name(ix.search(load_or_compute(signed["stripped.mp4"])))  # a stripped upload: who signed it?
        others = _by_name(ix.search(load_or_compute(signed["ai.mp4"])))
    assert list(found) == ["cam.mp4"]
    cam = found["cam.mp4"].credentials
    assert cam is not None and cam.signer == SIGNER and cam.state == "untrusted"
    assert cam.digital_source_type == "digitalCapture" and found["cam.mp4"].credentials_read
    assert others["ai_copy.mp4"].credentials is None and others["ai_copy.mp4"].credentials_read
    assert found["cam.mp4"].to_dict()["credentials"]["signer"] == SIGNER


def test_an_index_made_before_credentials_loads_and_is_brought_up_to_date(signed: dict[str, Path],
                                                                       tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    with Index(db) as ix:
        add_paths(ix, [signed["cam.mp4"]])
    with sqlite3.connect(db) as conn:  # what vidverify 0.2 stored: MediaInfo JSON without "credentials"
        for sha, info in conn.execute("SELECT sha256, info FROM files").fetchall():
            old = json.loads(info)
            del old["credentials"]
            conn.execute("UPDATE files SET info = ? WHERE sha256 = ?", (json.dumps(old), sha))
    query = load_or_compute(signed["stripped.mp4"])
    with Index(db, create=False) as ix:
        (r,) = ix.search(query)
    assert r.credentials is None and r.credentials_read is False  # unknown, not "no manifest"
    with Index(db) as ix:
        (added,) = add_paths(ix, [signed["cam.mp4"]])
        assert added.status == "unchanged"  # not decoded again
        (r,) = ix.search(query)
    assert r.credentials_read and r.credentials is not None and r.credentials.signer == SIGNER


def test_scan_from_the_index_reads_credentials_again(signed: dict[str, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Unchanged files come from the index, but their credentials are judged with today's trust anchors."""
    paths = [str(signed["cam.mp4"]), str(signed["stripped.mp4"])]
    with Index(tmp_path / "ix.sqlite") as ix:
        first = scan(paths, options=ScanOptions(jobs=1, pictures=False), index=ix)
        monkeypatch.setenv(c2pa.TRUST_ENV, str(signed["root.pem"]))
        second = scan(paths, options=ScanOptions(jobs=1, pictures=False), index=ix)
    states = [{Path(f.path).name: f.credentials.state for f in r.files if f.credentials} for r in (first, second)]
    assert states == [{"cam.mp4": "untrusted"}, {"cam.mp4": "valid"}]


def test_compare_reports_both_sides(signed: dict[str, Path]) -> None:
    m = compare(signed["cam.mp4"], signed["stripped.mp4"], pictures=False)
    assert m.a.credentials is not None and m.a.credentials.signer == SIGNER and m.b.credentials is None
    assert [f.code for f in m.findings if f.code == codes.CREDENTIALS_STRIPPED] == [codes.CREDENTIALS_STRIPPED]
    doc = m.to_dict()
    assert doc["a"]["credentials"]["state"] == "untrusted" and doc["b"]["credentials"] is None
    edit = compare(signed["cam.mp4"], signed["edit.mp4"], pictures=False)
    assert edit.b.credentials is not None and edit.b.credentials.actions == ("c2pa.opened", "c2pa.edited")
    assert not [f for f in edit.findings if f.code == codes.CREDENTIALS_STRIPPED]  # a signed edit is not stripped
