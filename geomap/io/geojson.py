"""GeoJSON per RFC 7946: WGS84 lon/lat, counter-clockwise exteriors, no ``crs`` member,
coordinates at a fixed precision, sorted keys. The same features give the same bytes.

Every feature carries the same flat property names (null where they do not apply)
so QGIS and OGR infer one field schema for every file we write.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .. import wkb
from ..models import Event, ParsedDocument, Toponym, geometry_of

if TYPE_CHECKING:  # shapely is imported where a geometry is written: it costs ~0.1 s
    from shapely.geometry.base import BaseGeometry

#: Decimal places of every coordinate: 1e-6 degrees is about 0.1 m.
COORDINATE_PRECISION = 6
LAYER_ORDER = {"event": 0, "place": 1, "river": 2, "area": 3}

#: The property schema of every feature, in the order documented in the README.
PROPERTIES: tuple[str, ...] = (
    "layer",
    "name",
    "kind",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "event_date",
    "time_precision",
    "geo_precision",
    "historical",
    "location",
    "place_id",
    "geonameid",
    "country",
    "admin1",
    "latitude",
    "longitude",
    "precision",
    "role",
    "mentions",
    "quote",
    "mention_start",
    "mention_end",
    "sentence_start",
    "sentence_end",
    "confidence",
    "doc_ids",
    "source_titles",
    "source_urls",
    "source_dates",
    "merged_from",
)


def round_coordinates(coords: Any, digits: int = COORDINATE_PRECISION) -> Any:
    """Nested coordinate sequences as lists of rounded floats. Lines and rings (sequences
    of positions) are the bulk of a batch's vertices, so they are rounded in one pass."""
    if not coords:
        return []
    first = coords[0]
    if isinstance(first, (int, float)):
        return [round(float(c), digits) for c in coords]
    if isinstance(first[0], (int, float)):
        return [[round(float(c), digits) for c in xy] for xy in coords]
    return [round_coordinates(c, digits) for c in coords]


def geometry_json(geom: BaseGeometry | bytes) -> dict[str, Any]:
    """GeoJSON of a geometry as a record holds it (``geomap.models.geometry_of``): WKB, or
    shapely's."""
    kind, coordinates = _geometry_json(geom if isinstance(geom, bytes) else geom.wkb)
    return {"type": kind, "coordinates": coordinates}


@lru_cache(maxsize=4096)
def _geometry_json(data: bytes) -> tuple[str, Any]:
    """By WKB, because a batch draws the same few areas again and again ("near Odesa" in
    one article after another), each a separate object. Coordinates as tuples: shared.
    Read in plain Python (``geomap.wkb``), so writing GeoJSON needs no shapely."""
    try:
        return wkb.geojson(data, COORDINATE_PRECISION)
    except wkb.WKBError:  # (3D, a collection): shapely reads every kind
        return _shapely_geometry_json(data)


def _shapely_geometry_json(data: bytes) -> tuple[str, Any]:
    import shapely
    from shapely.geometry import mapping
    from shapely.geometry.polygon import orient

    geom = shapely.from_wkb(data)
    if geom.geom_type == "Polygon":
        geom = orient(geom, sign=1.0)
    elif geom.geom_type == "MultiPolygon":
        geom = type(geom)([orient(p, sign=1.0) for p in geom.geoms])
    found = mapping(geom)
    return found["type"], freeze(round_coordinates(found["coordinates"]))


def freeze(coords: Any) -> Any:
    """Nested coordinate lists as tuples, safe to share between features."""
    return tuple(freeze(c) for c in coords) if isinstance(coords, list) else coords


def _point_json(lon: float, lat: float) -> dict[str, Any]:
    """``geometry_json(Point(lon, lat))``, without making the Point."""
    return {"type": "Point", "coordinates": round_coordinates((lon, lat))}


def _iso(date: dt.date | None) -> str | None:
    return date.isoformat() if date else None


_PROPERTY_NAMES = frozenset(PROPERTIES)


def _props(**values: Any) -> dict[str, Any]:
    unknown = values.keys() - _PROPERTY_NAMES
    if unknown:
        raise ValueError(f"not in the documented property schema: {sorted(unknown)}")
    return {name: values.get(name) for name in PROPERTIES}


def event_feature(event: Event) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": event.id,
        "geometry": geometry_json(held)
        if (held := geometry_of(event)) is not None
        else _point_json(event.lon, event.lat),
        "properties": _props(
            layer="event",
            name=event.location,
            kind=event.event_type,
            event_type=event.event_type,
            sub_event_type=event.sub_event_type,
            actor1=event.actor1,
            actor2=event.actor2,
            event_date=_iso(event.event_date),
            time_precision=event.time_precision,
            geo_precision=event.geo_precision,
            historical=event.historical,
            location=event.location,
            place_id=event.place_id,
            country=event.country,
            admin1=event.admin1,
            latitude=round(event.lat, COORDINATE_PRECISION),
            longitude=round(event.lon, COORDINATE_PRECISION),
            quote=event.quote,
            mention_start=event.start,
            mention_end=event.end,
            sentence_start=event.sentence_start,
            sentence_end=event.sentence_end,
            confidence=round(event.confidence, 3),
            doc_ids=",".join(s.doc_id for s in event.sources),
            source_titles=" | ".join(s.title or s.doc_id for s in event.sources),
            source_urls=" ".join(s.url for s in event.sources if s.url) or None,
            source_dates=",".join(_iso(s.date) or "" for s in event.sources) or None,
            merged_from=",".join(event.merged_from) or None,
        ),
    }


def context_features(parsed: Sequence[ParsedDocument]) -> list[dict[str, Any]]:
    """Places mentioned, rivers and areas: one feature per place, counting its mentions."""
    grouped: dict[tuple[str, str], list[tuple[ParsedDocument, Toponym]]] = {}
    for doc in parsed:
        for top in doc.toponyms:
            if top.place is None:
                continue
            layer = _context_layer(top)
            grouped.setdefault((layer, top.place.id), []).append((doc, top))
    features = []
    for (layer, place_id), items in grouped.items():
        doc, first = items[0]
        place = first.place
        assert place is not None
        geom = geometry_of(first) if layer != "place" else None
        if layer == "river":
            geom = geometry_of(place)
        roles = sorted({t.mention.role for _, t in items})
        doc_ids = sorted({d.document.id for d, _ in items})
        features.append(
            {
                "type": "Feature",
                "id": f"{layer}:{place_id}",
                "geometry": geometry_json(geom)
                if geom is not None
                else _point_json(place.lon, place.lat),
                "properties": _props(
                    layer=layer,
                    name=place.name,
                    kind=place.kind,
                    place_id=place.id,
                    geonameid=place.geonameid,
                    country=place.country,
                    admin1=place.admin1,
                    latitude=round(place.lat, COORDINATE_PRECISION),
                    longitude=round(place.lon, COORDINATE_PRECISION),
                    precision=first.precision,
                    role=",".join(roles),
                    mentions=len(items),
                    quote=doc.document.text[first.mention.start : first.mention.end],
                    mention_start=first.mention.start,
                    mention_end=first.mention.end,
                    confidence=round(max(t.score for _, t in items), 3),
                    doc_ids=",".join(doc_ids),
                ),
            }
        )
    return features


def _context_layer(top: Toponym) -> str:
    assert top.place is not None
    if top.place.kind in ("river", "canal") and geometry_of(top.place) is not None:
        return "river"
    if top.place.kind == "bank":
        return "area"
    return "place"


def feature_collection(events: Iterable[Event], parsed: Sequence[ParsedDocument]) -> dict[str, Any]:
    features = [event_feature(e) for e in events] + context_features(parsed)
    features.sort(key=lambda f: (LAYER_ORDER[f["properties"]["layer"]], str(f["id"])))
    return {"type": "FeatureCollection", "features": features}


#: What ``json.dumps`` makes with these options, without a new encoder per feature.
_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def dumps(collection: dict[str, Any]) -> str:
    # One feature per line: small diffs when one event changes, still valid JSON.
    features = collection["features"]
    head = {k: v for k, v in collection.items() if k != "features"}
    lines = list(map(_encode, features))
    prefix = _encode(head)[:-1]
    body = ",\n".join(lines)
    return f'{prefix},"features":[\n{body}\n]}}\n' if lines else f'{prefix},"features":[]}}\n'
