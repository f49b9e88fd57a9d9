"""RFC 7946 checks applied to every GeoJSON file the tests see."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shapely.geometry import shape


def _positions(coords: Any) -> list[list[float]]:
    if coords and isinstance(coords[0], (int, float)):
        return [coords]
    out: list[list[float]] = []
    for c in coords:
        out.extend(_positions(c))
    return out


def check_rfc7946(path: Path) -> dict[str, Any]:
    """Raise AssertionError on any departure from RFC 7946 that we promise; return the data."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert "crs" not in data, "RFC 7946 removed the crs member"
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert "id" in feature and feature["id"], "every feature has a stable id"
        geom = feature["geometry"]
        for lon, lat, *_ in _positions(geom["coordinates"]):
            assert -180 <= lon <= 180 and -90 <= lat <= 90, (lon, lat)
            assert round(lon, 6) == lon and round(lat, 6) == lat, "fixed 6-decimal precision"
        polygons = []
        if geom["type"] == "Polygon":
            polygons = [geom["coordinates"]]
        elif geom["type"] == "MultiPolygon":
            polygons = geom["coordinates"]
        for rings in polygons:
            from shapely.geometry import LinearRing

            assert LinearRing(rings[0]).is_ccw, "exterior rings counter-clockwise"
            for hole in rings[1:]:
                assert not LinearRing(hole).is_ccw, "holes clockwise"
        assert shape(geom).is_valid
        for value in feature["properties"].values():
            assert value is None or isinstance(value, (str, int, float, bool)), (
                "flat scalar properties"
            )
    return data
