from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vidverify.errors import UsageError
from vidverify.evidence.place import (
    EARTH_MEAN_RADIUS_M,
    HAVERSINE_MAX_RELATIVE_ERROR,
    PlaceError,
    describe,
    distance_m,
    format_dms,
    parse_place,
)

PARIS = (48.8566, 2.3522)
LONDON = (51.5074, -0.1278)
DMS_PARIS = (48 + 51 / 60 + 24 / 3600, 2 + 21 / 60 + 8 / 3600)


def approx(a: tuple[float, float, float | None], b: tuple[float, float, float | None], tol: float = 1e-8) -> bool:
    return (
        abs(a[0] - b[0]) <= tol
        and abs(a[1] - b[1]) <= tol
        and (a[2] is None) == (b[2] is None)
        and (a[2] is None or b[2] is None or abs(a[2] - b[2]) <= 1e-9)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("48.8566,2.3522", (48.8566, 2.3522, None)),
        ("48.8566, 2.3522", (48.8566, 2.3522, None)),
        ("  48.8566   2.3522 ", (48.8566, 2.3522, None)),
        ("48.8566, 2.3522, 35", (48.8566, 2.3522, 35.0)),
        ("-33.8678,151.2073,12.5 m", (-33.8678, 151.2073, 12.5)),
        ("-33.8678;-70.5", (-33.8678, -70.5, None)),
        ("+48.8566+002.3522/", (48.8566, 2.3522, None)),
        ("+48.8566+002.3522+035.000/", (48.8566, 2.3522, 35.0)),
        ("-33.8678+151.2073/", (-33.8678, 151.2073, None)),
        ("48°51'24\"N 2°21'08\"E", (*DMS_PARIS, None)),
        ("48°51′24″N 2°21′08″E", (*DMS_PARIS, None)),
        ("48º51’24”N, 2º21’08”E", (*DMS_PARIS, None)),
        ("N 48°51'24\", E 2°21'8\"", (*DMS_PARIS, None)),
        ("2°21'08\"E 48°51'24\"N", (*DMS_PARIS, None)),  # longitude first, told by the letters
        ("48°51.4'N 2°21.1'E", (48 + 51.4 / 60, 2 + 21.1 / 60, None)),
        ("48.8566°N, 2.3522°E", (48.8566, 2.3522, None)),
        ("48.8566 N 2.3522 E", (48.8566, 2.3522, None)),
        ("33°52'04\"S 151°12'26\"E", (-(33 + 52 / 60 + 4 / 3600), 151 + 12 / 60 + 26 / 3600, None)),
        ("-33°52'04\" 151°12'26\"", (-(33 + 52 / 60 + 4 / 3600), 151 + 12 / 60 + 26 / 3600, None)),
        ("40°26'46\"n 79°58'56\"w", (40 + 26 / 60 + 46 / 3600, -(79 + 58 / 60 + 56 / 3600), None)),
        # ExifTool's print form (the corpus reference dump of karma.mp4)
        ("33 deg 7' 31.37\" N, 117 deg 19' 51.87\" W", (33.12538056, -117.331075, None)),
        ("90,180", (90.0, 180.0, None)),
        ("-90,-180", (-90.0, -180.0, None)),
    ],
)
def test_parse_place_accepts(text: str, expected: tuple[float, float, float | None]) -> None:
    assert approx(parse_place(text), expected)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Paris", "cannot read"),
        ("48.8566", "cannot read"),
        ("1,2,3,4", "cannot read"),
        ("nan,1", "cannot read"),
        ("1e5,2", "cannot read"),
        ("91,0", "latitude 91"),
        ("0,180.5", "longitude 180.5"),
        ("+91.0000+000.0000/", "cannot read"),
        ("48°N 2°N", "one latitude"),
        ("2°E 3°W", "one latitude"),
        ("48°61'N 2°E", "below 60"),
        ("48°10'75\"N 2°E", "below 60"),
        ("48.5°30'N 2°E", "fractional degrees"),
        ("-48°N 2°E", "either a sign"),
        ("N48°S 2°E", "two hemisphere"),
        ("x" * 300, "too long"),
    ],
)
def test_parse_place_rejects_with_a_clear_message(text: str, words: str) -> None:
    with pytest.raises(PlaceError) as info:
        parse_place(text)
    assert words in str(info.value)
    err: UsageError = info.value
    assert err.exit_code == 2
    assert isinstance(err, UsageError) and isinstance(err, ValueError)
    if words in ("cannot read", "empty"):
        assert "lat,lon" in str(info.value) and "ISO 6709" in str(info.value)


def test_distance_paris_london() -> None:
    d = distance_m(PARIS, LONDON)
    assert d == pytest.approx(343_500, abs=500)  # 343.5 km great circle
    assert distance_m(LONDON, PARIS) == pytest.approx(d, rel=1e-12)


def test_distance_same_point_and_antipodes() -> None:
    assert distance_m(PARIS, PARIS) == 0.0
    assert distance_m((0.0, 0.0, 100.0), (0.0, 0.0, 5.0)) == 0.0  # altitude ignored
    half = math.pi * EARTH_MEAN_RADIUS_M
    assert distance_m((0.0, 0.0), (0.0, 180.0)) == pytest.approx(half, rel=1e-12)
    assert distance_m((90.0, 0.0), (-90.0, 0.0)) == pytest.approx(half, rel=1e-12)
    assert distance_m(PARIS, (-PARIS[0], PARIS[1] - 180.0)) == pytest.approx(half, rel=1e-9)
    assert half == pytest.approx(20_015_114, abs=1)  # half the mean circumference


def test_distance_across_the_antimeridian() -> None:
    one_degree = 2 * math.pi * EARTH_MEAN_RADIUS_M / 360  # 111.195 km on the equator
    assert distance_m((0.0, 179.5), (0.0, -179.5)) == pytest.approx(one_degree, rel=1e-9)
    assert distance_m((0.0, 180.0), (0.0, -180.0)) == pytest.approx(0.0, abs=1e-6)
    # Fiji to Samoa-ish: short, not the long way round
    assert distance_m((-17.0, 178.0), (-14.0, -172.0)) < 1_200_000


def test_distance_one_arc_minute_is_a_nautical_mile_within_the_documented_error() -> None:
    # 1' of latitude is 1852 m by definition of the nautical mile (on the ellipsoid it varies 1843..1862 m)
    d = distance_m((45.0, 10.0), (45.0 + 1 / 60, 10.0))
    assert abs(d - 1852.0) / 1852.0 < HAVERSINE_MAX_RELATIVE_ERROR


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.floats(-90, 90),
    st.floats(-180, 180),
)
def test_distance_is_a_metric_on_the_sphere(
    la1: float, lo1: float, la2: float, lo2: float, la3: float, lo3: float
) -> None:
    a, b, c = (la1, lo1), (la2, lo2), (la3, lo3)
    ab, bc, ac = distance_m(a, b), distance_m(b, c), distance_m(a, c)
    assert 0.0 <= ab <= math.pi * EARTH_MEAN_RADIUS_M + 1e-6
    assert ab == pytest.approx(distance_m(b, a), abs=1e-6)
    assert ac <= ab + bc + 1e-3


def test_describe() -> None:
    assert describe(48.8566, 2.3522) == "48.856600, 2.352200 (48°51'23.8\"N 2°21'07.9\"E)"
    assert describe(-33.8678, -70.5, 12.5) == "-33.867800, -70.500000 (33°52'04.1\"S 70°30'00.0\"W), 12.5 m"
    assert format_dms(20.999999, "E", "W") == "21°00'00.0\"E"  # 59.9964" carries into the next degree
    assert format_dms(0.0, "N", "S") == "0°00'00.0\"N"


@settings(max_examples=300, deadline=None, database=None)
@given(st.floats(-90, 90), st.floats(-180, 180))
def test_describe_round_trips_through_parse_place(lat: float, lon: float) -> None:
    text = describe(lat, lon)
    got = parse_place(text.split(" (")[0])
    assert got[0] == pytest.approx(lat, abs=5e-7) and got[1] == pytest.approx(lon, abs=5e-7)
    dms = text.split(" (")[1].rstrip(")")
    got = parse_place(dms)
    assert got[0] == pytest.approx(lat, abs=0.051 / 3600) and got[1] == pytest.approx(lon, abs=0.051 / 3600)


@settings(max_examples=500, deadline=None, database=None)
@given(st.text(max_size=60))
def test_parse_place_raises_only_place_error(text: str) -> None:
    try:
        lat, lon, alt = parse_place(text)
    except PlaceError:
        return
    assert -90 <= lat <= 90 and -180 <= lon <= 180
    assert alt is None or math.isfinite(alt)
