"""evidence/placenames.py: how a claimed place name is read into the places it can mean, on a small gazetteer of
GeoNames-shaped records (the real data is tested in tests/media/test_gazetteer.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vidverify.evidence.place import distance_m
from vidverify.evidence.placenames import Gazetteer, nearest, normalize, radius_m


def city(gid: int, name: str, cc: str, admin1: str, lat: float, lon: float, pop: int,
         alt: tuple[str, ...] = ()) -> dict[str, object]:
    return {"geonameid": gid, "name": name, "countrycode": cc, "admin1code": admin1, "latitude": lat,
            "longitude": lon, "population": pop, "alternatenames": list(alt)}


CITIES = [
    city(703448, "Kyiv", "UA", "12", 50.45466, 30.5238, 2952301, ("Kiev", "Київ", "Киев")),
    city(2988507, "Paris", "FR", "11", 48.85341, 2.3488, 2138551, ("Paryż",)),
    city(4717560, "Paris", "US", "TX", 33.66094, -95.55551, 24782),
    city(5128581, "New York City", "US", "NY", 40.71427, -74.00597, 8804190, ("New York", "NYC")),
    city(4140963, "Washington", "US", "DC", 38.89511, -77.03637, 689545),
    city(2643743, "London", "GB", "ENG", 51.50853, -0.12574, 8961989),
    city(6058560, "London", "CA", "08", 42.98339, -81.23304, 422324),
    city(3448439, "São Paulo", "BR", "27", -23.5475, -46.63611, 12400232),
]
COUNTRIES = [{"iso": "UA", "iso3": "UKR", "name": "Ukraine"}, {"iso": "FR", "iso3": "FRA", "name": "France"},
             {"iso": "US", "iso3": "USA", "name": "United States"}, {"iso": "GB", "iso3": "GBR",
                                                                    "name": "United Kingdom"},
             {"iso": "CA", "iso3": "CAN", "name": "Canada"}, {"iso": "RU", "iso3": "RUS", "name": "Russia"},
             {"iso": "BR", "iso3": "BRA", "name": "Brazil"}]
STATES = [{"code": "TX", "name": "Texas"}, {"code": "NY", "name": "New York"}, {"code": "CA", "name": "California"},
          {"code": "DC", "name": "District of Columbia"}, {"code": "WA", "name": "Washington"}]
G = Gazetteer(CITIES, COUNTRIES, STATES, source="test data")


def ids(text: str) -> list[int]:
    return [p.geonameid for p in G.lookup(text).candidates]


def test_a_town_and_its_country_is_the_one_place() -> None:
    r = G.lookup("Kyiv, Ukraine")
    assert r.status == "found" and ids("Kyiv, Ukraine") == [703448]
    assert (r.matched, r.qualifiers, r.unused, r.gazetteer) == (("Kyiv",), ("Ukraine",), (), "test data")
    [p] = r.candidates
    assert (p.name, p.country, p.lat, p.lon, p.population) == ("Kyiv", "UA", 50.45466, 30.5238, 2952301)
    assert p.radius_m == radius_m(2952301)


@pytest.mark.parametrize("text", ["Kiev", "KYIV", "Київ", "Киев", "  kyiv ,  UKRAINE ", "Kyiv (Ukraine)", "Kyiv, UA",
                                  "Kyiv; UKR", "Kyiv, Kyiv City, Ukraine"])
def test_alternate_names_case_accents_and_separators(text: str) -> None:
    assert ids(text) == [703448]


def test_accents_and_punctuation_are_ignored() -> None:
    assert ids("Sao Paulo, Brazil") == ids("SÃO-PAULO") == [3448439]
    assert normalize("  St. Jean-d’Arc ") == "st jean darc"


def test_a_bare_name_stands_for_every_place_of_that_name() -> None:
    assert ids("Paris") == [2988507, 4717560]  # most populous first, none dropped
    assert ids("London") == [2643743, 6058560]


@pytest.mark.parametrize(("text", "want"), [
    ("Paris, France", [2988507]), ("Paris, FR", [2988507]), ("Paris, Texas", [4717560]), ("Paris, TX", [4717560]),
    ("Paris, USA", [4717560]), ("London, UK", [2643743]), ("London, England", [2643743]),
    ("London, Canada", [6058560]), ("New York, NY", [5128581]), ("Washington, D.C.", [4140963]),
    ("Washington, DC", [4140963]), ("New York City", [5128581]),
])
def test_a_country_or_state_narrows_the_name_down(text: str, want: list[int]) -> None:
    assert ids(text) == want


def test_a_code_counts_only_in_capitals() -> None:
    # "CA" is Canada and California; "ca" is neither (a word, not a code)
    assert ids("London, CA") == [6058560]
    assert G.lookup("London, ca").unused == ("ca",) and ids("London, ca") == [2643743, 6058560]


@pytest.mark.parametrize("text", ["Ukraine", "United States", "New York", "Washington", "Texas", "England, UK"])
def test_a_country_or_state_alone_is_too_coarse(text: str) -> None:
    r = G.lookup(text)
    assert r.status == "too-coarse" and r.candidates == () and r.reason is not None
    assert "country or US state" in r.reason


def test_unknown_names_are_said_to_be_unknown() -> None:
    r = G.lookup("Pariss")
    assert r.status == "unknown" and r.candidates == () and r.unused == ("Pariss",)
    assert r.reason is not None and "'Pariss'" in r.reason and "test data" in r.reason
    r = G.lookup("Kyiv, Russia")  # the town exists, but not in the country named
    assert r.status == "unknown" and r.matched == ("Kyiv",) and r.reason is not None and "'Russia'" in r.reason


def test_finer_detail_is_kept_as_unused() -> None:
    r = G.lookup("Place de la République, Paris, France")
    assert r.status == "found" and ids("Place de la République, Paris, France") == [2988507]
    assert r.unused == ("Place de la République",)


def test_radius_grows_with_population() -> None:
    assert radius_m(0) == 10_000.0 and radius_m(None) == 10_000.0
    assert radius_m(1_000_000) == 25_000.0
    assert 35_000 < radius_m(2_952_301) < 36_000 and 54_000 < radius_m(8_961_989) < 56_000


def test_nearest_is_the_candidate_closest_to_agreeing() -> None:
    paris = G.lookup("Paris")
    place, d, allowed = nearest(paris, 33.7, -95.5, 5000.0) or (None, 0.0, 0.0)
    assert place is not None and place.geonameid == 4717560 and d < allowed == place.radius_m + 5000.0
    place, d, allowed = nearest(paris, 38.7223, -9.1393, 5000.0) or (None, 0.0, 0.0)  # Lisbon
    assert place is not None and place.geonameid == 2988507
    assert math.isclose(d, distance_m((38.7223, -9.1393), (48.85341, 2.3488)))
    assert nearest(G.lookup("Pariss"), 0.0, 0.0, 5000.0) is None


@given(st.text(max_size=80))
def test_lookup_never_raises(text: str) -> None:
    r = G.lookup(text)
    assert r.status in ("found", "unknown", "too-coarse")
    assert (r.status == "found") == bool(r.candidates)
