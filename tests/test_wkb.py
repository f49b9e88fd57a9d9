"""Stored geometries read in plain Python (``geomap.wkb``) give exactly what shapely gives,
so that geoparsing can leave shapely (and numpy) unimported."""

from __future__ import annotations

import json
import pickle
import random
import sqlite3
import subprocess
import sys

import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon

from geomap import wkb
from geomap.gazetteer.lookup import base_index_path
from geomap.io.geojson import _shapely_geometry_json, geometry_json
from geomap.models import Place, evolve, geometry_of


def _agrees(data: bytes) -> list[str]:
    geom = shapely.from_wkb(data)
    problems = []
    expected = geom.representative_point()
    if wkb.interior_point(data) != (expected.x, expected.y):
        problems.append(f"interior point {wkb.interior_point(data)} != {expected}")
    # what GeoJSON was before, and is still for WKB geomap.wkb does not read: shapely's
    if wkb.geojson(data, 6) != _shapely_geometry_json(data):
        problems.append("GeoJSON differs")
    if wkb.geom_type(data) != geom.geom_type:
        problems.append(f"type {wkb.geom_type(data)} != {geom.geom_type}")
    return problems


def test_every_stored_outline_reads_as_shapely_reads_it(gazetteer) -> None:  # noqa: ANN001
    """Every country, region, district and river the gazetteer stores: the same point
    inside (to the bit) and the same GeoJSON as shapely and GEOS give."""
    con = sqlite3.connect(base_index_path())
    rows = con.execute("SELECT id, wkt FROM places WHERE wkt IS NOT NULL").fetchall()
    con.close()
    assert len(rows) > 1000
    kinds = {wkb.geom_type(data) for _, data in rows}
    assert {"Polygon", "MultiPolygon", "LineString"} <= kinds
    wrong = {place_id: p for place_id, data in rows if (p := _agrees(data))}
    assert not wrong, list(wrong.items())[:5]


def _generated(rng: random.Random) -> shapely.Geometry:
    x, y = rng.uniform(-170, 170), rng.uniform(-80, 80)
    kind = rng.randrange(6)
    if kind == 0:  # a ring with a hole off its centre
        ring = Point(x, y).buffer(rng.uniform(0.01, 2), quad_segs=rng.choice([2, 8, 16]))
        return ring.difference(Point(x + 0.001, y).buffer(0.005))
    if kind == 1:
        points = [(x + rng.uniform(-1, 1), y + rng.uniform(-1, 1)) for _ in range(12)]
        return shapely.MultiPoint(points).convex_hull
    if kind == 2:
        return LineString([(x + rng.uniform(-1, 1), y + rng.uniform(-1, 1)) for _ in range(6)])
    if kind == 3:
        return MultiLineString(
            [[(x + rng.uniform(-1, 1), y + rng.uniform(-1, 1)) for _ in range(3)] for _ in range(3)]
        )
    if kind == 4:  # two polygons: the wider stretch wins
        return Point(x, y).buffer(1).union(Point(x + 3, y).buffer(0.5))
    # clockwise, with horizontal edges on the scan line's candidates
    return Polygon([(0, 0), (0, 3), (1, 3), (1, 1), (2, 1), (2, 2), (4, 2), (4, 0)])


def test_generated_geometries_read_as_shapely_reads_them() -> None:
    """Holes, several polygons or lines, clockwise shells, two-point lines (whose two ends
    are equally near the middle: GEOS's pick, to the last bit of its arithmetic)."""
    rng = random.Random(20261122)
    cases = [_generated(rng) for _ in range(1500)]
    cases += [LineString([(50.08078456668803, -70.14575146250613), (49.45957863911456, -69.5769)])]
    wrong = [(g.wkt[:80], p) for g in cases if not g.is_empty and (p := _agrees(g.wkb))]
    assert not wrong, wrong[:5]


def test_geometry_json_takes_wkb_or_shapely_and_big_endian_or_3d() -> None:
    square = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])  # clockwise: written counter-clockwise
    expected = {
        "type": "Polygon",
        "coordinates": (((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)),),
    }
    assert geometry_json(square) == expected
    assert geometry_json(square.wkb) == expected
    assert geometry_json(shapely.to_wkb(square, byte_order=0)) == expected
    # WKB this module does not read (3D here) still comes out, through shapely
    tall = shapely.to_wkb(Polygon([(0, 0, 5), (0, 1, 5), (1, 1, 5), (1, 0, 5)]))
    assert geometry_json(tall)["type"] == "Polygon"
    with pytest.raises(wkb.WKBError):
        wkb.read(tall)


def test_records_hold_wkb_until_read() -> None:
    outline = Point(30.5, 50.4).buffer(0.3).wkb
    place = Place("x:1", "Somewhere", "admin1", 50.4, 30.5, geometry=outline)  # type: ignore[arg-type]
    assert geometry_of(place) == outline
    assert place == Place("x:1", "Somewhere", "admin1", 50.4, 30.5)  # geometry not compared
    moved = evolve(place, name="Elsewhere")
    assert geometry_of(moved) == outline  # carried over, not parsed
    again = pickle.loads(pickle.dumps(moved))
    assert geometry_of(again) == outline
    assert again.geometry is not None and again.geometry.geom_type == "Polygon"  # parsed now
    assert isinstance(geometry_of(again), shapely.Polygon)


_GEOPARSE = """
import json, sys
from geomap import geoparse
from geomap.output import event_json, mention_json
parsed = geoparse(
    "Russian forces shelled villages near Kharkiv on Monday. Protesters rallied across "
    "Texas on Saturday. Artillery struck a depot 30 km east of Zaporizhzhia on Sunday. "
    "Troops crossed the Dnipro river on Tuesday. Driving from Kherson to Mykolaiv, "
    "reporters saw burned-out tanks along the highway.", date="2024-03-04")
# the bank of a river with no stored line: nothing to draw
side = geoparse(
    "Flooding closed roads along the Catawba River. Drivers entering the south side "
    "were turned back.")
print(json.dumps({"mentions": mention_json(parsed), "side": mention_json(side), "events": [event_json(e) for e in parsed.events],
                  "imported": sorted(m for m in ("shapely", "numpy") if m in sys.modules)}))
"""


def test_geoparsing_imports_neither_shapely_nor_numpy(gazetteer) -> None:  # noqa: ANN001
    """Circles, an outline and a route are drawn, all as GeoJSON, without shapely; the
    events of "near X" and "20 km south of X" are at the circles' centres."""
    run = subprocess.run(
        [sys.executable, "-c", _GEOPARSE], capture_output=True, text=True, check=True
    )
    found = json.loads(run.stdout)
    assert found["imported"] == []
    assert [m["relation"] for m in found["side"]] == [None, "south_bank"]
    geometries = {m["name"]: (m["geometry"] or {}).get("type") for m in found["mentions"]}
    assert geometries["Kharkiv"] == "Polygon"  # "near Kharkiv": a circle
    river = next(m for m in found["mentions"] if m["kind"] == "river")
    assert river["geometry"]["type"] == "LineString"  # the river's stored line
    place = {m["name"]: (m["lat"], m["lon"]) for m in found["mentions"]}
    events = {e["location"].split(" (")[0]: e for e in found["events"]}
    near = events["Kharkiv"]
    assert (near["lat"], near["lon"]) == place["Kharkiv"]  # the circle's centre
    assert near["geometry"]["type"] == "Polygon"
    texas = events["Texas"]  # inside its stored outline, as GEOS would put it
    assert texas["geometry"]["type"] in ("Polygon", "MultiPolygon")
    outline = shapely.geometry.shape(texas["geometry"])
    inside = outline.representative_point()
    assert (texas["lon"], texas["lat"]) == (round(inside.x, 6), round(inside.y, 6))
    east = events["Zaporizhzhya"]  # 30 km east: the centre of the circle there
    assert abs(east["lat"] - place["Zaporizhzhia"][0]) < 0.01
    assert 29.8 < (east["lon"] - place["Zaporizhzhia"][1]) * 111.32 * 0.6713 < 30.2
    assert shapely.geometry.shape(east["geometry"]).contains(Point(east["lon"], east["lat"]))
    route = next(e for name, e in events.items() if name.startswith("between"))
    assert route["geometry"]["type"] == "LineString"
    assert route["geometry"]["coordinates"][0] == [place["Kherson"][1], place["Kherson"][0]]
