"""geopy's geocoder interface over the offline gazetteer.

Code written for geopy (``geocode``/``reverse``, ``RateLimiter``, pandas ``.apply``)
runs unchanged with no network and no API key::

    from geomap.gazetteer.geocoder import OfflineGeocoder

    geo = OfflineGeocoder()
    geo.geocode("Kyiv")            # Location('Kyiv, Kyiv City, Ukraine', (50.45, 30.52, 0.0))
    geo.reverse((46.64, 32.61))    # the nearest populated place

An online geocoder is consulted only when passed explicitly as ``fallback`` and only
for queries the gazetteer cannot answer; by default nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from ..models import Candidate, Place
from .lookup import Gazetteer


class OfflineGeocoder(Geocoder):
    """A geopy ``Geocoder`` answered from geomap's gazetteer (bundled, imports, overlays).

    :param gazetteer: the gazetteer to query; default ``Gazetteer.default(overlays)``.
    :param overlays: CSV/GeoJSON overlay files (see ``geomap --overlay``).
    :param fallback: another geopy geocoder (e.g. ``Nominatim(user_agent=...)``) asked
        only when the offline lookup finds nothing. ``None`` (the default) never goes online.
    :param min_similarity: how close (0-100) a misspelling must be to count as a match.
    """

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        *,
        overlays: Iterable[Path] = (),
        fallback: Geocoder | None = None,
        min_similarity: float = 80.0,
        user_agent: str | None = None,
    ) -> None:
        super().__init__(user_agent=user_agent or "geomap-offline")
        self._gazetteer = gazetteer
        self._overlays = tuple(overlays)
        self.fallback = fallback
        self.min_similarity = min_similarity

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:  # opened on first use, so constructing one is free
            self._gazetteer = Gazetteer.default(self._overlays)
        return self._gazetteer

    # -- geopy API ------------------------------------------------------------------

    def geocode(
        self,
        query: str,
        exactly_one: bool = True,
        limit: int | None = None,
        *,
        country_codes: str | Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> Location | list[Location] | None:
        """The place called ``query`` (any spelling or script), or ranked candidates.

        ``country_codes`` (ISO alpha-2, as Nominatim's) and ``kinds`` ("city", "river",
        ...) narrow the candidates. Returns ``None`` when nothing matches (after the
        fallback, if one was given). Other keyword arguments (``timeout``...) are
        accepted for compatibility and passed on to the fallback only.
        """
        if not isinstance(query, str):
            raise TypeError(f"geocode takes a place name, not {type(query).__name__}")
        wanted = max(1, limit or 10) if not exactly_one else 1
        countries = _codes(country_codes)
        kind_set = set(kinds) if kinds else None
        filtering = bool(countries or kind_set)
        candidates = self.gazetteer.search(
            query, limit=200 if filtering else wanted, min_similarity=self.min_similarity
        )
        candidates = [
            c
            for c in candidates
            if (not countries or (c.place.country or "").upper() in countries)
            and (not kind_set or c.place.kind in kind_set)
        ][:wanted]
        if not candidates:
            return self._fall_back("geocode", query, exactly_one, limit, country_codes, kwargs)
        locations = [self._location(c.place, c.score) for c in candidates]
        return locations[0] if exactly_one else locations

    def reverse(
        self,
        query: Any,
        exactly_one: bool = True,
        limit: int | None = None,
        *,
        kinds: Iterable[str] = ("city",),
        max_distance_km: float | None = None,
        **kwargs: Any,
    ) -> Location | list[Location] | None:
        """The nearest populated place to ``query`` ("lat, lon", a (lat, lon) pair or a
        geopy ``Point``); with ``exactly_one=False`` the ``limit`` nearest, closest first.
        ``raw["distance_km"]`` is the great-circle distance from the query point."""
        point = Point(query)
        wanted = 1 if exactly_one else max(1, limit or 10)
        found = self.gazetteer.nearest(
            point.latitude, point.longitude, kinds=kinds, limit=wanted, max_km=max_distance_km
        )
        if not found:
            return self._fall_back("reverse", query, exactly_one, limit, None, kwargs)
        locations = [self._location(place, None, distance_km=km) for place, km in found]
        return locations[0] if exactly_one else locations

    # -- helpers --------------------------------------------------------------------

    def candidates(self, query: str, limit: int = 10) -> list[Candidate]:
        """The gazetteer's ranked candidates, as ``geomap resolve`` shows them."""
        return self.gazetteer.search(query, limit=limit, min_similarity=self.min_similarity)

    def address(self, place: Place) -> str:
        """ "name, first-level division, country", leaving out unknown parts (a country is
        just its name, a division has no division). A city named like its region keeps
        both ("Kherson, Kherson, Ukraine"), which tells it from the region ("Kherson, Ukraine")."""
        parts = [place.name]
        if place.kind != "country":
            region = self._admin1_name(place)
            if region:
                parts.append(region)
            nation = self.gazetteer.country(place.country)
            if nation is not None:
                parts.append(nation.name)
            elif place.country:
                parts.append(place.country)
        return ", ".join(parts)

    def _admin1_name(self, place: Place) -> str | None:
        if place.kind in ("admin1", "country") or not place.admin1:
            return None
        region = self.gazetteer.admin1_of(place.country, place.admin1)
        if region is not None:
            return region.name
        # Curated and imported rows may carry the division's name instead of its code.
        code = place.admin1
        return code if any(ch.islower() for ch in code) else None

    def _location(
        self, place: Place, score: float | None, *, distance_km: float | None = None
    ) -> Location:
        address = self.address(place)
        raw: dict[str, Any] = {
            "id": place.id,
            "name": place.name,
            "kind": place.kind,
            "lat": place.lat,
            "lon": place.lon,
            "country": place.country,
            "admin1": place.admin1,
            "population": place.population,
            "source": place.source,
            "geonameid": place.geonameid,
            "wkt": place.geometry.wkt if place.geometry is not None else None,
            "display_name": address,
        }
        if score is not None:
            raw["score"] = score
        if distance_km is not None:
            raw["distance_km"] = round(distance_km, 3)
        return Location(address, Point(place.lat, place.lon), raw)

    def _fall_back(
        self,
        method: str,
        query: Any,
        exactly_one: bool,
        limit: int | None,
        country_codes: Any,
        kwargs: dict[str, Any],
    ) -> Any:
        if self.fallback is None:
            return None
        extra = dict(kwargs)
        if method == "geocode" and limit is not None and not exactly_one:
            extra["limit"] = limit  # geopy's reverse() takes no limit
        if country_codes is not None:
            extra["country_codes"] = country_codes
        return getattr(self.fallback, method)(query, exactly_one=exactly_one, **extra)


def _codes(country_codes: str | Iterable[str] | None) -> set[str]:
    if not country_codes:
        return set()
    if isinstance(country_codes, str):
        country_codes = country_codes.split(",")
    return {c.strip().upper() for c in country_codes if c.strip()}
