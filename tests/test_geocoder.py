"""Names in many spellings and scripts resolve top-ranked; OfflineGeocoder speaks geopy.

Everything here is offline: an autouse fixture makes any socket connection fail.
"""

from __future__ import annotations

import socket

import pytest
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point
from typer.testing import CliRunner

from geomap.cli import app
from geomap.gazetteer import Gazetteer
from geomap.gazetteer.geocoder import OfflineGeocoder

KYIV = "geonames:703448"
KHERSON = "geonames:706448"

#: Every spelling on a line must rank the same place first (GeoNames ids / curated ids).
UKRAINE = {
    KYIV: ["Kyiv", "Kiev", "Київ", "Киев"],
    "geonames:706483": ["Kharkiv", "Kharkov", "Харків"],
    "geonames:700569": ["Mykolaiv", "Nikolaev", "Миколаїв"],
    "geonames:701822": ["Mariupol", "Маріуполь"],
    KHERSON: ["Kherson", "Херсон"],
    "curated:dnipro": ["Dnieper", "Dnipro River"],
    # the last one is misspelled, so only the fuzzy search finds it
    "curated:antonivskyi-bridge": ["Antonivskiy bridge", "Antonovsky bridge", "Antonivskyy brige"],
}
WORLD = {
    "geonames:1816670": ["Beijing", "北京"],
    "geonames:1850147": ["Tokyo", "東京"],
    "geonames:1853909": ["Osaka", "大阪"],  # "大阪" folds to "daban", an alternate name of Durban
    "geonames:360630": ["Cairo", "القاهرة"],
    "geonames:524901": ["Moscow", "Москва"],
    "geonames:264371": ["Athens", "Αθήνα"],
    "geonames:1273294": ["Delhi", "दिल्ली"],
    "geonames:1835848": ["Seoul", "서울"],
    "geonames:112931": ["Tehran", "تهران"],
    "geonames:3530597": ["Mexico City", "Ciudad de México"],
    "geonames:756135": ["Warsaw", "Warszawa"],
    "geonames:3067696": ["Prague", "Praha"],
    "geonames:2761369": ["Vienna", "Wien"],
    "geonames:2267057": ["Lisbon", "Lisboa"],
    "geonames:2618425": ["Copenhagen", "København"],
    "geonames:2867714": ["Munich", "München"],
    "geonames:2886242": ["Cologne", "Köln"],
    "geonames:3176959": ["Florence", "Firenze"],
    "geonames:2660646": ["Geneva", "Genève"],
    "geonames:1609350": ["Bangkok", "กรุงเทพมหานคร"],
    "geonames:281184": ["Jerusalem", "ירושלים"],
}
CLI_CASES = [(place, name) for place, names in UKRAINE.items() for name in names]
API_CASES = [(place, name) for place, names in WORLD.items() for name in names]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def geo(gazetteer: Gazetteer) -> OfflineGeocoder:
    return OfflineGeocoder(gazetteer)


# -- resolution across spellings -----------------------------------------------------------


@pytest.mark.parametrize(("place_id", "name"), CLI_CASES, ids=[n for _, n in CLI_CASES])
def test_cli_resolve_ranks_the_place_first(place_id: str, name: str) -> None:
    result = CliRunner().invoke(app, ["resolve", name, "--limit", "3"])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[2].split()  # header, rule, then rank 1
    assert first[:2] == ["1", place_id], result.output


@pytest.mark.parametrize(("place_id", "name"), API_CASES, ids=[n for _, n in API_CASES])
def test_world_names_resolve_in_english_and_native_script(
    gazetteer: Gazetteer, place_id: str, name: str
) -> None:
    top = gazetteer.search(name, limit=3)
    assert top and top[0].place.id == place_id, [(c.place.id, c.place.name, c.score) for c in top]


def test_native_spelling_beats_a_transliteration_clash(gazetteer: Gazetteer) -> None:
    # "大阪" and Durban's alternate "Daban" share a key; written "大阪" it is Osaka, however
    # big Durban is, while the Latin "Daban" keeps its own ranking.
    found = gazetteer.search("大阪", limit=5)
    assert found[0].place.name == "Osaka"
    durban = next(c for c in found if c.place.name == "Durban")
    assert found[0].score > durban.score
    assert gazetteer.search("Daban", limit=1)[0].place.name == "Durban"


def test_cli_resolve_unknown_name_fails_cleanly() -> None:
    result = CliRunner().invoke(app, ["resolve", "Qqqxxyzzy"])
    assert result.exit_code == 1
    assert "no place called 'Qqqxxyzzy'" in result.output


# -- the geopy interface -------------------------------------------------------------------


def test_geocode_returns_a_geopy_location(geo: OfflineGeocoder) -> None:
    assert isinstance(geo, Geocoder)
    loc = geo.geocode("Kyiv")
    assert isinstance(loc, Location)
    assert loc.address.startswith("Kyiv, ") and loc.address.endswith(", Ukraine")
    assert loc.latitude == pytest.approx(50.45, abs=0.05)
    assert loc.longitude == pytest.approx(30.52, abs=0.05)
    assert loc.raw["id"] == KYIV and loc.raw["kind"] == "city" and loc.raw["country"] == "UA"
    assert loc.raw["population"] > 2_000_000 and 0 < loc.raw["score"] <= 1.2


def test_geocode_candidates_are_ranked_and_limited(geo: OfflineGeocoder) -> None:
    many = geo.geocode("Kherson", exactly_one=False, limit=3)
    assert isinstance(many, list) and 1 < len(many) <= 3
    assert many[0].raw["id"] == geo.geocode("Kherson").raw["id"] == KHERSON
    scores = [loc.raw["score"] for loc in many]
    assert scores == sorted(scores, reverse=True)


def test_geocode_filters_by_country_and_kind(geo: OfflineGeocoder) -> None:
    assert geo.geocode("Paris", country_codes="us").raw["country"] == "US"
    assert geo.geocode("Paris", country_codes=["FR"]).raw["country"] == "FR"
    region = geo.geocode("Kherson", kinds=["admin1"])
    assert region.raw["kind"] == "admin1" and region.address.endswith("Ukraine")


def test_geocode_nothing_found_is_none(geo: OfflineGeocoder) -> None:
    assert geo.geocode("Zzyzxville Qqq") is None
    assert geo.geocode("Zzyzxville Qqq", exactly_one=False) is None


def test_rivers_and_curated_features_geocode(geo: OfflineGeocoder) -> None:
    river = geo.geocode("Dnipro River")
    assert river.raw["id"] == "curated:dnipro" and river.raw["wkt"].startswith("LINESTRING")
    bridge = geo.geocode("Antonovsky bridge")
    assert bridge.raw["id"] == "curated:antonivskyi-bridge"
    assert bridge.address == "Antonivskyi Bridge, Kherson Oblast, Ukraine"


def test_code_written_for_geopy_runs_unchanged(geo: OfflineGeocoder) -> None:
    geocode = RateLimiter(geo.geocode, min_delay_seconds=0)
    assert geocode("Kyiv").raw["id"] == KYIV
    reverse = RateLimiter(geo.reverse, min_delay_seconds=0)
    assert reverse(Point(46.6354, 32.6169)).raw["id"] == KHERSON


def test_reverse_finds_the_nearest_populated_place(geo: OfflineGeocoder) -> None:
    loc = geo.reverse("46.6354, 32.6169")
    assert loc.raw["id"] == KHERSON and loc.raw["distance_km"] < 3
    near = geo.reverse((50.4501, 30.5234), exactly_one=False, limit=5)
    assert len(near) == 5 and KYIV in {n.raw["id"] for n in near}
    distances = [n.raw["distance_km"] for n in near]
    assert distances == sorted(distances)
    assert all(n.raw["kind"] == "city" for n in near)


def test_reverse_far_from_anything_and_across_the_antimeridian(geo: OfflineGeocoder) -> None:
    # mid-Pacific: still the nearest place, however far, unless a limit is given
    far = geo.reverse((0.0, -160.0))
    assert far is not None and far.raw["distance_km"] > 100
    assert geo.reverse((0.0, -160.0), max_distance_km=50) is None
    fiji = geo.reverse((-16.5, 179.99))  # Fiji's Vanua Levu straddles 180°
    assert fiji.raw["country"] == "FJ" and fiji.raw["distance_km"] < 150


# -- the online fallback: explicit only, misses only -----------------------------------------


class StubGeocoder:
    """Stands in for Nominatim: records calls, never touches the network."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, object]]] = []
        self.answer = Location("Somewhere Online", Point(1.0, 2.0), {"online": True})

    def geocode(self, query: str, **kwargs: object) -> Location:
        self.calls.append(("geocode", query, kwargs))
        return self.answer

    def reverse(self, query: object, **kwargs: object) -> Location:
        self.calls.append(("reverse", str(query), kwargs))
        return self.answer


def test_default_geocoder_has_no_fallback() -> None:
    assert OfflineGeocoder().fallback is None


def test_fallback_is_used_only_when_offline_lookup_misses(gazetteer: Gazetteer) -> None:
    stub = StubGeocoder()
    geo = OfflineGeocoder(gazetteer, fallback=stub)  # type: ignore[arg-type]
    assert geo.geocode("Kyiv").raw["id"] == KYIV
    assert geo.geocode("Київ", exactly_one=False)[0].raw["id"] == KYIV
    assert geo.reverse((46.6354, 32.6169)).raw["id"] == KHERSON
    assert stub.calls == []

    assert geo.geocode("Zzyzxville Qqq") is stub.answer
    assert stub.calls == [("geocode", "Zzyzxville Qqq", {"exactly_one": True})]
    assert geo.geocode("Zzyzxville Qqq", exactly_one=False, limit=2, timeout=5) is stub.answer
    assert stub.calls[-1][2] == {"exactly_one": False, "limit": 2, "timeout": 5}
    assert geo.reverse((0.0, -160.0), max_distance_km=10) is stub.answer
    assert [c[0] for c in stub.calls] == ["geocode", "geocode", "reverse"]


def test_geocoder_opens_the_gazetteer_lazily() -> None:
    geo = OfflineGeocoder()
    assert geo._gazetteer is None  # constructing one costs nothing
    assert geo.geocode("Kherson").raw["id"] == KHERSON
    assert isinstance(geo.gazetteer, Gazetteer)
