"""GIS outputs: GeoPackage, CSV, GeoParquet and QGIS styles read back as GIS tools read them.

One build, with every format, of a short made-up article, an article with no places and
the seeds. Each output is compared with the GeoJSON of the same map (the reference
writer): the same events, the same ids, in the same order.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
from geojson_check import check_rfc7946
from shapely.geometry import Point, shape

from geomap.io import csv as csv_out
from geomap.io import gpkg as gpkg_out
from geomap.io.qgis_style import event_type_colours, qgis_colour
from geomap.io.tables import FIELDS, GEOMETRY_TYPES, SPATIAL_LAYERS, field_dtype
from geomap.pipeline import build

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FORMATS = ("html", "geojson", "gpkg", "csv", "parquet", "qml")
GIS_SUFFIXES = ("geojson", "gpkg", "csv", "parquet", "qml")

MADE_UP = """\
Russian forces shelled Kharkiv overnight, damaging a power plant and cutting electricity
to thousands of residents.
In Odesa, residents celebrated in the central square, waving flags.
Russian troops withdrew from the left bank of the Dnieper, officials in Kyiv said.
Reporters driving from Mykolaiv to Kherson saw destroyed tanks along the road.
"""
MADE_UP_META = {
    "title": "Made-up wire report",
    "date": "2023-03-10",
    "date_precision": "day",
    "outlet": "Test Wire",
    "url": "https://example.org/wire/1",
}
NO_PLACES = "Nothing much happened today, the committee said after a long meeting.\n"

#: The OGR field type (and subtype) each pandas dtype must come back as.
OGR_TYPES = {
    "string[python]": ("OFTString", "OFSTNone"),
    "Int64": ("OFTInteger64", "OFSTNone"),
    "float64": ("OFTReal", "OFSTNone"),
    "boolean": ("OFTInteger", "OFSTBoolean"),
}
ARROW_TYPES = {"string[python]": "string", "Int64": "int64", "float64": "double", "boolean": "bool"}


def _write_inputs(folder: Path) -> list[Path]:
    folder.mkdir()
    (folder / "wire.txt").write_text(MADE_UP, encoding="utf-8")
    (folder / "wire.meta.json").write_text(json.dumps(MADE_UP_META), encoding="utf-8")
    (folder / "quiet.txt").write_text(NO_PLACES, encoding="utf-8")
    (folder / "quiet.meta.json").write_text(json.dumps({"date": "2023-03-11"}), encoding="utf-8")
    return [folder / "wire.txt", folder / "quiet.txt", SEEDS]


@pytest.fixture(scope="module")
def gis_build(tmp_path_factory, pipeline):  # noqa: ANN001, ANN201
    base = tmp_path_factory.mktemp("gis")
    inputs = _write_inputs(base / "in")
    out = base / "out"
    report = build(inputs, out, formats=FORMATS, pipeline=pipeline)
    assert report.ok, report.failures
    return out, report, inputs


@pytest.fixture(scope="module")
def names(gis_build) -> list[str]:  # noqa: ANN001
    out, report, _ = gis_build
    return sorted(report.outputs)


def _geojson(out: Path, name: str) -> dict[str, Any]:
    return json.loads((out / f"{name}.geojson").read_text(encoding="utf-8"))


def _by_layer(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The GeoJSON's features as they map onto the GeoPackage's layers."""
    layers: dict[str, list[dict[str, Any]]] = {name: [] for name in SPATIAL_LAYERS}
    for feature in data["features"]:
        kind = feature["properties"]["layer"]
        gtype = feature["geometry"]["type"]
        if kind == "event":
            layers["events"].append(feature)
            if "LineString" in gtype:
                layers["lines"].append(feature)
            elif "Polygon" in gtype:
                layers["areas"].append(feature)
        else:
            layers[{"place": "places", "river": "lines", "area": "areas"}[kind]].append(feature)
    return layers


def test_every_format_is_written_for_every_map(gis_build, names) -> None:  # noqa: ANN001
    out, report, _ = gis_build
    assert {"wire", "quiet", "combined"} <= set(names)
    for name in names:
        expected = {str(out / f"{name}.{suffix}") for suffix in (*GIS_SUFFIXES, "html")}
        assert expected <= set(report.outputs[name])
    assert report.events["wire"] >= 3 and report.events["quiet"] == 0
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert not leftovers, f"temporary files left behind: {leftovers}"


def test_geojson_stays_rfc7946(gis_build, names) -> None:  # noqa: ANN001
    out, _, _ = gis_build
    for name in names:
        check_rfc7946(out / f"{name}.geojson")


def test_made_up_article_covers_points_lines_and_areas(gis_build) -> None:  # noqa: ANN001
    out, _, _ = gis_build
    layers = _by_layer(_geojson(out, "wire"))
    assert layers["events"] and layers["places"]
    assert any(f["properties"]["layer"] == "event" for f in layers["lines"]), "a route event"
    assert any(f["properties"]["layer"] == "event" for f in layers["areas"]), "an area event"
    assert any(f["properties"]["layer"] == "river" for f in layers["lines"])
    assert any(f["properties"]["layer"] == "area" for f in layers["areas"])


# ----------------------------------------------------------------------------- GeoPackage


def test_gpkg_layers_geometry_crs_fields_and_counts(gis_build, names) -> None:  # noqa: ANN001
    out, _, _ = gis_build
    for name in names:
        path = out / f"{name}.gpkg"
        layers = {layer: gtype for layer, gtype in pyogrio.list_layers(path)}
        assert list(layers) == [*SPATIAL_LAYERS, "documents", "layer_styles"]
        expected = _by_layer(_geojson(out, name))
        for layer in SPATIAL_LAYERS:
            info = pyogrio.read_info(path, layer=layer)
            assert info["geometry_type"] == GEOMETRY_TYPES[layer], (name, layer)
            assert info["crs"] == "EPSG:4326"
            assert list(info["fields"]) == list(FIELDS)
            for field, ogr_type, subtype in zip(
                info["fields"],
                info["ogr_types"],
                info["ogr_subtypes"],
                strict=True,
            ):
                assert (ogr_type, subtype) == OGR_TYPES[field_dtype(field)], (name, layer, field)
            assert info["features"] == len(expected[layer]), (name, layer)
            frame = gpd.read_file(path, layer=layer)
            assert frame.crs.to_epsg() == 4326
            assert list(frame["id"]) == [str(f["id"]) for f in expected[layer]], (
                "same rows, same order"
            )
            if len(frame):
                assert set(frame.geom_type) <= {GEOMETRY_TYPES[layer]}
                assert frame.geometry.is_valid.all()
        docs = pyogrio.read_info(path, layer="documents")
        assert docs["geometry_type"] is None
        assert list(docs["fields"]) == [
            "id",
            "title",
            "url",
            "date",
            "date_precision",
            "outlet",
            "path",
        ]
        assert set(docs["ogr_types"]) == {"OFTString"}


def test_gpkg_events_match_the_geojson(gis_build) -> None:  # noqa: ANN001
    out, _, _ = gis_build
    data = _geojson(out, "combined")
    events = [f for f in data["features"] if f["properties"]["layer"] == "event"]
    frame = gpd.read_file(out / "combined.gpkg", layer="events")
    assert len(frame) == len(events) > 0
    for feature, (_, row) in zip(events, frame.iterrows(), strict=True):
        props = feature["properties"]
        assert row["id"] == feature["id"]
        for key in (
            "event_type",
            "sub_event_type",
            "event_date",
            "location",
            "quote",
            "geo_precision",
        ):
            assert row[key] == props[key] or (pd.isna(row[key]) and props[key] is None), key
        assert bool(row["historical"]) is props["historical"]
        # The point is the event's own (representative) point; an area or route keeps its shape.
        assert (row.geometry.x, row.geometry.y) == (props["longitude"], props["latitude"])
        geom = shape(feature["geometry"])
        if geom.geom_type != "Point":
            assert geom.buffer(1e-6).contains(Point(props["longitude"], props["latitude"]))


def test_gpkg_documents_table(gis_build) -> None:  # noqa: ANN001
    out, _, inputs = gis_build
    docs = pyogrio.read_dataframe(out / "wire.gpkg", layer="documents")
    assert len(docs) == 1
    row = docs.iloc[0]
    assert (
        row["id"],
        row["title"],
        row["date"],
        row["date_precision"],
        row["outlet"],
        row["url"],
    ) == (
        "wire",
        MADE_UP_META["title"],
        "2023-03-10",
        "day",
        "Test Wire",
        MADE_UP_META["url"],
    )
    assert row["path"] == str(inputs[0])
    combined = pyogrio.read_dataframe(out / "combined.gpkg", layer="documents")
    assert list(combined["id"]) == sorted(combined["id"]) and len(combined) == 2 + len(
        list(SEEDS.glob("*.txt"))
    )


def _colour_triplets() -> dict[str, str]:
    return {t: qgis_colour(c) for t, c in event_type_colours()}


def _check_qml(text: str, symbol_type: str) -> None:
    root = ET.fromstring(text.split("\n", 1)[1])  # after the DOCTYPE line
    renderer = root.find("renderer-v2")
    assert renderer is not None
    assert (renderer.get("type"), renderer.get("attr")) == ("categorizedSymbol", "event_type")
    categories = renderer.findall("categories/category")
    values = [c.get("value") for c in categories]
    assert values == [t for t, _ in event_type_colours()] + [""]
    symbols = {s.get("name"): s for s in renderer.findall("symbols/symbol")}
    for category in categories:
        symbol = symbols[category.get("symbol")]
        assert symbol.get("type") == symbol_type
    for event_type, colour in _colour_triplets().items():
        symbol = symbols[next(c.get("symbol") for c in categories if c.get("value") == event_type)]
        assert colour in ET.tostring(symbol, encoding="unicode"), (event_type, colour)
        assert colour in text


def test_gpkg_carries_a_qgis_style_per_spatial_layer(gis_build, names) -> None:  # noqa: ANN001
    out, _, _ = gis_build
    html_colours = {t: c for t, c in event_type_colours()}
    from geomap.render.html import style_for

    assert all(style_for(t)[0] == c for t, c in html_colours.items()), "the HTML map's colours"
    for name in names:
        info = pyogrio.read_info(out / f"{name}.gpkg", layer="layer_styles")
        assert info["fid_column"] == "id"
        assert list(info["fields"]) == [
            "f_table_catalog",
            "f_table_schema",
            "f_table_name",
            "f_geometry_column",
            "styleName",
            "styleQML",
            "styleSLD",
            "useAsDefault",
            "description",
            "owner",
            "ui",
            "update_time",
        ]
        with sqlite3.connect(out / f"{name}.gpkg") as db:
            rows = db.execute(
                "SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column,"
                " styleName, styleQML, useAsDefault, update_time FROM layer_styles ORDER BY id"
            ).fetchall()
            geometry_columns = dict(
                db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns")
            )
        assert [r[2] for r in rows] == list(SPATIAL_LAYERS), "one row per spatial layer"
        for catalog, schema, table, geom_col, style_name, qml, default, update_time in rows:
            assert (catalog, schema, style_name, default) == ("", "", table, 1)
            assert geom_col == geometry_columns[table]
            assert update_time == gpkg_out.FIXED_TIME
            _check_qml(
                qml,
                {"events": "marker", "places": "marker", "lines": "line", "areas": "fill"}[table],
            )


def test_qml_beside_the_geojson(gis_build, names) -> None:  # noqa: ANN001
    out, _, _ = gis_build
    for name in names:
        text = (out / f"{name}.qml").read_text(encoding="utf-8")
        _check_qml(text, "marker")
        assert "<layerGeometryType>0</layerGeometryType>" in text


# ----------------------------------------------------------------------------- GeoParquet


def test_geoparquet_events(gis_build, names) -> None:  # noqa: ANN001
    out, _, _ = gis_build
    for name in names:
        path = out / f"{name}.parquet"
        events = _by_layer(_geojson(out, name))["events"]
        schema = pq.read_schema(path)
        assert schema.names == [*FIELDS, "geometry"]
        for field in FIELDS:
            assert str(schema.field(field).type) == ARROW_TYPES[field_dtype(field)], (name, field)
        assert str(schema.field("geometry").type) == "binary"
        geo = json.loads(schema.metadata[b"geo"])
        column = geo["columns"][geo["primary_column"]]
        assert column["encoding"] == "WKB"
        assert column["crs"]["id"] == {"authority": "EPSG", "code": 4326}
        assert column["geometry_types"] == (["Point"] if events else [])
        frame = gpd.read_parquet(path)
        assert frame.crs.to_epsg() == 4326
        assert len(frame) == len(events)
        assert list(frame["id"]) == [f["id"] for f in events]
        assert (frame.geom_type == "Point").all()
        read = pyogrio.read_info(path) if "Parquet" in pyogrio.list_drivers() else None
        if read is not None:
            assert read["features"] == len(events)


# ----------------------------------------------------------------------------- CSV


def test_csv_is_acled_compatible(gis_build, names) -> None:  # noqa: ANN001
    out, _, _ = gis_build
    for name in names:
        path = out / f"{name}.csv"
        raw = path.read_bytes()
        assert b"\r" not in raw.replace(b'\r"', b""), "\\n line endings"
        assert not raw.startswith(b"\xef\xbb\xbf"), "UTF-8 without BOM"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert tuple(rows[0]) == csv_out.COLUMNS
        assert rows[0][:18] == [
            "event_id_cnty",
            "event_date",
            "year",
            "time_precision",
            "event_type",
            "sub_event_type",
            "actor1",
            "actor2",
            "country",
            "admin1",
            "location",
            "latitude",
            "longitude",
            "geo_precision",
            "source",
            "source_scale",
            "notes",
            "fatalities",
        ]
        events = _by_layer(_geojson(out, name))["events"]
        assert len(rows) - 1 == len(events)
        frame = pd.read_csv(path, keep_default_na=False, dtype=str)
        for feature, (_, row) in zip(events, frame.iterrows(), strict=True):
            props = feature["properties"]
            assert row["event_id_cnty"] == feature["id"]
            assert (
                float(row["latitude"]) == props["latitude"]
                and float(row["longitude"]) == props["longitude"]
            )
            assert row["notes"] == props["quote"]
            assert row["year"] == (props["event_date"] or "")[:4]
            assert row["fatalities"] == "" and row["source_scale"] == ""
            assert row["historical"] in ("true", "false")
            assert int(row["geo_precision"]) in (1, 2, 3)
            assert row["source"]
    wire = pd.read_csv(out / "wire.csv", keep_default_na=False, dtype=str)
    assert set(wire["source"]) == {"Test Wire"}
    assert set(wire["source_urls"]) == {MADE_UP_META["url"]}
    # GDAL reads the points from the latitude/longitude columns.
    frame = pyogrio.read_dataframe(
        out / "combined.csv",
        X_POSSIBLE_NAMES="longitude",
        Y_POSSIBLE_NAMES="latitude",
        AUTODETECT_TYPE="YES",
    )
    assert len(frame) == len(_by_layer(_geojson(out, "combined"))["events"])
    assert (frame.geom_type == "Point").all()
    assert (
        str(frame["latitude"].dtype) == "float64" and str(frame["mention_start"].dtype) == "int32"
    )


# ----------------------------------------------------------------------------- determinism


def test_gis_outputs_are_byte_identical_when_repeated(gis_build, tmp_path, pipeline) -> None:  # noqa: ANN001
    """GDAL's clock is pinned (``OGR_CURRENT_DATE``), so the GeoPackage is byte-identical too."""
    out, _, inputs = gis_build
    again = tmp_path / "again"
    build(inputs, again, formats=FORMATS, pipeline=pipeline)
    for path in sorted(out.iterdir()):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


# ----------------------------------------------------------------------------- ogrinfo


@cache
def _ogrinfo() -> str | None:
    return shutil.which("ogrinfo")


@pytest.fixture
def ogrinfo() -> str:
    """Debian's ``ogrinfo`` (gdal-bin): skipped where missing, except under CI (``.ci/run``
    installs it there)."""
    found = _ogrinfo()
    if found is None:
        reason = "ogrinfo not found (apt-get install gdal-bin)"
        if "CI" not in os.environ:
            pytest.skip(reason)
        pytest.fail(f"CI is set but {reason}", pytrace=False)
    return found


OGRINFO_OPTIONS = {
    "geojson": [],
    "gpkg": [],
    "parquet": [],
    "csv": ["-oo", "X_POSSIBLE_NAMES=longitude", "-oo", "Y_POSSIBLE_NAMES=latitude"],
}


@pytest.mark.parametrize("suffix", ["geojson", "gpkg", "csv", "parquet"])
def test_ogrinfo_opens_outputs_without_warnings(gis_build, names, ogrinfo, suffix) -> None:  # noqa: ANN001
    out, _, _ = gis_build
    if suffix == "parquet":
        formats = subprocess.run(
            [ogrinfo, "--formats"], capture_output=True, text=True, check=True
        ).stdout
        if "Parquet" not in formats:
            pytest.skip(
                "this ogrinfo's GDAL has no Parquet driver (Debian's gdal-bin 3.6 has none); "
                "the GeoParquet is checked with pyarrow and geopandas instead"
            )
    for name in names:
        path = out / f"{name}.{suffix}"
        result = subprocess.run(
            [ogrinfo, "-al", "-so", *OGRINFO_OPTIONS[suffix], str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
        assert "Warning" not in output and "ERROR" not in output, output
        events = len(_by_layer(_geojson(out, name))["events"])
        if suffix == "geojson":
            assert f"Feature Count: {len(_geojson(out, name)['features'])}" in output
        else:
            assert f"Feature Count: {events}" in output, output


# ----------------------------------------------------------------------------- QGIS

SYSTEM_PYTHON = "/usr/bin/python3"


def _qgis_available() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"],
        capture_output=True,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    return probe.returncode == 0


@pytest.mark.qgis
def test_qgis_opens_styles_and_renders(gis_build, tmp_path) -> None:  # noqa: ANN001
    """Headless QGIS (Debian's python3-qgis) opens the GeoPackage and GeoJSON, applies the
    stored styles and renders a PNG. Skipped without QGIS unless GEOMAP_REQUIRE_QGIS is set."""
    if not _qgis_available():
        reason = f"{SYSTEM_PYTHON} cannot import qgis.core (apt-get install python3-qgis)"
        if not os.environ.get("GEOMAP_REQUIRE_QGIS"):
            pytest.skip(reason)
        pytest.fail(f"GEOMAP_REQUIRE_QGIS is set but {reason}", pytrace=False)
    out, _, _ = gis_build
    layers = _by_layer(_geojson(out, "combined"))
    expect = {name: len(features) for name, features in layers.items()}
    expect["geojson"] = len(_geojson(out, "combined")["features"])
    png = Path(os.environ.get("GEOMAP_QGIS_PNG") or tmp_path / "qgis.png")
    result = subprocess.run(
        [
            SYSTEM_PYTHON,
            str(Path(__file__).with_name("qgis_check.py")),
            "--gpkg",
            str(out / "combined.gpkg"),
            "--geojson",
            str(out / "combined.geojson"),
            "--png",
            str(png),
            "--expect",
            json.dumps(expect),
            "--colours",
            json.dumps(dict(event_type_colours())),
            "--qml-beside",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["gpkg"]["events"]["renderer"] == "categorizedSymbol"
    assert summary["geojson"]["Point"]["renderer"] == "categorizedSymbol"
    assert png.stat().st_size > 1000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_geometry_json_orients_rounds_and_serialises_like_lists() -> None:
    from shapely.geometry import MultiPolygon, Polygon

    from geomap.io.geojson import geometry_json

    clockwise = Polygon([(0, 0), (0, 1.23456789), (1, 1), (1, 0)])
    first = geometry_json(clockwise)
    again = geometry_json(Polygon(list(clockwise.exterior.coords)))  # an equal new object
    assert first == again
    ring = first["coordinates"][0]
    assert [list(p) for p in ring] == [
        [0.0, 0.0],
        [1.0, 0.0],
        [1.0, 1.0],
        [0.0, 1.234568],
        [0.0, 0.0],
    ]
    assert json.loads(json.dumps(first)) == {"type": "Polygon", "coordinates": [ring_list(ring)]}
    multi = geometry_json(MultiPolygon([clockwise, Polygon([(5, 5), (6, 5), (6, 6)])]))
    assert multi["type"] == "MultiPolygon" and len(multi["coordinates"]) == 2
    assert multi["coordinates"][0][0] == ring  # each part oriented counter-clockwise too
    assert geometry_json(Point(1.00000049, -2.5))["coordinates"] == (1.0, -2.5)
    assert geometry_json(Polygon())["coordinates"] == ()


def ring_list(ring: Any) -> list[list[float]]:
    return [list(p) for p in ring]
