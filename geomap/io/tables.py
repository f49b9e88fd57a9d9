"""A build's features as typed tables: the one source for the GeoPackage, GeoParquet and CSV.

The rows are the GeoJSON writer's own features (``geojson.event_feature`` and
``geojson.context_features``), so every format carries the same values, rounded and
oriented the same way. Layers:

* ``events``: one point per event. Where the event's location is an area or a route the
  point is its representative point (``Event.lat``/``lon``) and the area or line itself
  goes to ``areas`` or ``lines`` with ``layer = "event"``.
* ``places``: places mentioned (points).
* ``lines``: rivers and event routes (MultiLineString).
* ``areas``: river banks and event areas (MultiPolygon).
* ``documents``: the source documents (no geometry).

Field types are fixed whatever the rows (also for empty tables): strings (dates as ISO
strings), int64, float64 and bool, each nullable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely import MultiLineString, MultiPolygon, Point
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..models import Event, ParsedDocument
from . import geojson

CRS = "EPSG:4326"
SPATIAL_LAYERS: tuple[str, ...] = ("events", "places", "lines", "areas")
GEOMETRY_TYPES: dict[str, str] = {
    "events": "Point",
    "places": "Point",
    "lines": "MultiLineString",
    "areas": "MultiPolygon",
}

INT_FIELDS = frozenset(
    {
        "geo_precision",
        "geonameid",
        "mentions",
        "mention_start",
        "mention_end",
        "sentence_start",
        "sentence_end",
    }
)
FLOAT_FIELDS = frozenset({"latitude", "longitude", "confidence"})
BOOL_FIELDS = frozenset({"historical"})
#: Every spatial layer's fields: the feature id, then the GeoJSON property schema.
FIELDS: tuple[str, ...] = ("id", *geojson.PROPERTIES)
DOCUMENT_FIELDS: tuple[str, ...] = (
    "id",
    "title",
    "url",
    "date",
    "date_precision",
    "outlet",
    "path",
)


#: Nullable strings stored as Python objects: GDAL String, Arrow ``string`` (even when all null).
STRING = "string[python]"


def field_dtype(name: str) -> str:
    """The pandas dtype of a field: nullable int64/bool/string, or float64 (NaN for null)."""
    if name in INT_FIELDS:
        return "Int64"
    if name in FLOAT_FIELDS:
        return "float64"
    if name in BOOL_FIELDS:
        return "boolean"
    return STRING


@dataclass(frozen=True)
class Tables:
    events: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    documents: pd.DataFrame
    #: ACLED's ``source`` per event id: the outlets (or titles) reporting it, "; "-separated.
    event_sources: dict[str, str]

    def spatial(self) -> dict[str, gpd.GeoDataFrame]:
        return {name: getattr(self, name) for name in SPATIAL_LAYERS}


def _column(name: str, values: list[Any]) -> pd.Series:
    return pd.Series(pd.array(values, dtype=field_dtype(name)))


def _frame(rows: list[tuple[dict[str, Any], BaseGeometry]]) -> gpd.GeoDataFrame:
    data = {name: _column(name, [props[name] for props, _ in rows]) for name in FIELDS}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([g for _, g in rows], crs=CRS), crs=CRS)


def _row(feature: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(feature["id"]), **feature["properties"]}


def _multi(geom: BaseGeometry) -> BaseGeometry:
    if geom.geom_type == "LineString":
        return MultiLineString([geom])
    if geom.geom_type == "Polygon":
        return MultiPolygon([geom])
    return geom


def _sort_key(row: tuple[dict[str, Any], BaseGeometry]) -> tuple[int, str]:
    props = row[0]
    return geojson.LAYER_ORDER[props["layer"]], props["id"]


def source_label(event: Event) -> str:
    """ACLED's ``source``: who reported the event (outlet, else title, else document id)."""
    names: list[str] = []
    for s in event.sources:
        label = s.outlet or s.title or s.doc_id
        if label not in names:
            names.append(label)
    return "; ".join(names)


def build_tables(events: Sequence[Event], parsed: Sequence[ParsedDocument]) -> Tables:
    """Every layer of one map (the same events and documents as its GeoJSON)."""
    points: list[tuple[dict[str, Any], BaseGeometry]] = []
    places: list[tuple[dict[str, Any], BaseGeometry]] = []
    lines: list[tuple[dict[str, Any], BaseGeometry]] = []
    areas: list[tuple[dict[str, Any], BaseGeometry]] = []
    for event in events:
        feature = geojson.event_feature(event)
        row = _row(feature)
        points.append((row, Point(row["longitude"], row["latitude"])))
        geom = shape(feature["geometry"])
        if geom.geom_type in ("LineString", "MultiLineString"):
            lines.append((row, _multi(geom)))
        elif geom.geom_type in ("Polygon", "MultiPolygon"):
            areas.append((row, _multi(geom)))
    for feature in geojson.context_features(parsed):
        row = _row(feature)
        geom = shape(feature["geometry"])
        if geom.geom_type == "Point":
            places.append((row, geom))
        elif geom.geom_type in ("LineString", "MultiLineString"):
            lines.append((row, _multi(geom)))
        elif geom.geom_type in ("Polygon", "MultiPolygon"):
            areas.append((row, _multi(geom)))
    docs = sorted((d.document for d in parsed), key=lambda d: d.id)
    documents = pd.DataFrame(
        {
            "id": pd.Series([d.id for d in docs], dtype=STRING),
            "title": pd.Series([d.title for d in docs], dtype=STRING),
            "url": pd.Series([d.url for d in docs], dtype=STRING),
            "date": pd.Series([d.date.isoformat() if d.date else None for d in docs], dtype=STRING),
            "date_precision": pd.Series([d.date_precision for d in docs], dtype=STRING),
            "outlet": pd.Series([d.outlet for d in docs], dtype=STRING),
            "path": pd.Series([d.path for d in docs], dtype=STRING),
        }
    )
    return Tables(
        events=_frame(sorted(points, key=_sort_key)),
        places=_frame(sorted(places, key=_sort_key)),
        lines=_frame(sorted(lines, key=_sort_key)),
        areas=_frame(sorted(areas, key=_sort_key)),
        documents=documents,
        event_sources={e.id: source_label(e) for e in events},
    )
