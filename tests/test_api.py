"""The Python API at the package's top level: ``geomap.geoparse``, ``geomap.build``, and
what was found as geopandas and folium objects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest

import geomap
from geomap.events import merge_events
from geomap.io import geojson

KHARKIV = (
    "Russian forces shelled Kharkiv on Thursday, killing five civilians. "
    "Protesters <b>rallied</b> in Lviv on Friday."
)


def test_import_geomap_loads_no_pipeline_until_the_api_is_used(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(KHARKIV, encoding="utf-8")
    code = (
        "import sys, geomap\n"
        "assert 'geomap.pipeline' not in sys.modules and 'shapely' not in sys.modules\n"
        "import geomap.pipeline as p\n"
        "assert geomap.geoparse is p.geoparse and geomap.build is p.build\n"
        f"doc = geomap.geoparse({KHARKIV!r}, date='2024-05-10')\n"
        "print(sorted(t.place.name for t in doc.toponyms if t.place))\n"
        f"report = geomap.build([{str(tmp_path / 'a.txt')!r}], {str(tmp_path / 'out')!r},"
        " formats=['geojson'])\n"
        "assert report.ok, report.failures\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "'Kharkiv'" in run.stdout and "'Lviv'" in run.stdout
    assert (tmp_path / "out" / "a.geojson").exists()
    with pytest.raises(AttributeError, match="no attribute 'geoparser'"):
        geomap.geoparser  # noqa: B018 - the attribute access is the test
    assert {"geoparse", "build", "to_geodataframe", "to_map"} <= set(dir(geomap))


def test_events_as_a_geodataframe_are_the_geojson_events(tmp_path: Path, pipeline) -> None:  # noqa: ANN001
    doc = geomap.geoparse(KHARKIV, date="2024-05-10", pipeline=pipeline)
    frame = geomap.to_geodataframe(doc)
    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.crs.to_epsg() == 4326
    features = [
        f
        for f in geojson.feature_collection(list(doc.events), [doc])["features"]
        if f["properties"]["layer"] == "event"
    ]
    assert len(features) == len(frame) >= 2
    assert sorted(frame["id"]) == sorted(str(f["id"]) for f in features)
    by_id = {str(f["id"]): f for f in features}
    for row in frame.itertuples():
        lon, lat = by_id[row.id]["geometry"]["coordinates"]
        assert (row.geometry.x, row.geometry.y) == pytest.approx((lon, lat))
        assert row.event_type == by_id[row.id]["properties"]["event_type"]
    # What a GIS user does next: write it and read it back.
    frame.to_file(tmp_path / "events.gpkg", layer="events")
    back = gpd.read_file(tmp_path / "events.gpkg", layer="events")
    assert sorted(back["id"]) == sorted(frame["id"])

    places = geomap.to_geodataframe(doc, "places")
    assert {"Kharkiv", "Lviv"} <= set(places["name"])
    with pytest.raises(ValueError, match="unknown layer 'roads'"):
        geomap.to_geodataframe(doc, "roads")


def test_several_documents_give_their_events_merged(pipeline) -> None:  # noqa: ANN001
    one = geomap.geoparse(KHARKIV, date="2024-05-10", doc_id="one", pipeline=pipeline)
    again = geomap.geoparse(KHARKIV, date="2024-05-10", doc_id="again", pipeline=pipeline)
    frame = geomap.to_geodataframe([one, again])
    merged = merge_events([*one.events, *again.events])
    assert len(frame) == len(merged) == len(one.events), "the same reports are one event each"


def test_the_map_is_a_folium_map_with_the_article_text_escaped(tmp_path: Path, pipeline) -> None:  # noqa: ANN001
    import folium

    doc = geomap.geoparse(KHARKIV, date="2024-05-10", title="{{ 6*7 }} <i>", pipeline=pipeline)
    fmap = geomap.to_map(doc, pipeline=pipeline)
    assert isinstance(fmap, folium.Map)
    fmap.save(str(tmp_path / "map.html"))
    page = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert "<title>{{ 6*7 }} &lt;i&gt;</title>" in page
    assert "<b>rallied</b>" not in page and "&lt;b&gt;rallied&lt;/b&gt;" in page
    layers = json.dumps([type(c).__name__ for c in fmap._children.values()])
    assert "GeoJson" in layers, "the offline basemap is on it"
    both = geomap.to_map([doc, doc], pipeline=pipeline)
    both.save(str(tmp_path / "both.html"))
    assert "<title>2 articles</title>" in (tmp_path / "both.html").read_text(encoding="utf-8")
