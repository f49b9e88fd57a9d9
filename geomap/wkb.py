"""Stored geometries as WKB, read and made in plain Python: what geoparsing needs of them.

A geoparsing run needs only three things of an outline, a river or a "near X" circle: its
type, a point inside it (an event's location) and its GeoJSON. Reading those straight from
the WKB spares the run shapely and numpy, whose import (~0.1 s) is a third of a one-article
``geomap extract``, and the parsing of every outline fetched (most are never written out).
Shapely still does every real geometric operation (banks, maps, GIS files), on geometries
the records parse on first use (``geomap.models``).

The interior point is the one GEOS computes (``representative_point``): the same algorithm
(JTS/GEOS ``InteriorPointArea`` and ``InteriorPointLine``), in the same floating-point
steps, so events land on the very coordinates they did when shapely computed them; the
tests compare the two on every stored outline of the gazetteer.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

Position = tuple[float, float]
Ring = list[Position]

#: WKB geometry type codes (2D) and their GeoJSON names.
_TYPES = {
    1: "Point",
    2: "LineString",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
}
_LINEAR = {"LineString", "MultiLineString"}
_AREAL = {"Polygon", "MultiPolygon"}


class WKBError(ValueError):
    """Not WKB this module reads (2D points, lines and polygons, single or multi)."""


def geom_type(wkb: bytes) -> str:
    """The geometry's type name, as shapely's ``geom_type`` gives it."""
    return _TYPES.get(_header(wkb, 0)[1], "Unknown")


def _header(wkb: bytes, offset: int) -> tuple[str, int]:
    if len(wkb) < offset + 5:
        raise WKBError("truncated WKB")
    order = "<" if wkb[offset] == 1 else ">"
    (code,) = struct.unpack_from(f"{order}I", wkb, offset + 1)
    return order, code


def read(wkb: bytes) -> tuple[str, Any]:
    """``(type, coordinates)`` as GeoJSON nests them, positions as ``(x, y)`` tuples."""
    kind, coordinates, _ = _read(wkb, 0)
    return kind, coordinates


def _read(wkb: bytes, offset: int) -> tuple[str, Any, int]:
    order, code = _header(wkb, offset)
    kind = _TYPES.get(code)
    if kind is None:
        raise WKBError(f"WKB geometry type {code} is not read here")
    offset += 5
    if kind == "Point":
        x, y = struct.unpack_from(f"{order}2d", wkb, offset)
        return kind, (x, y), offset + 16
    if kind == "LineString":
        line, offset = _positions(wkb, offset, order)
        return kind, line, offset
    if kind == "Polygon":
        (count,) = struct.unpack_from(f"{order}I", wkb, offset)
        offset += 4
        rings = []
        for _ in range(count):
            ring, offset = _positions(wkb, offset, order)
            rings.append(ring)
        return kind, rings, offset
    (count,) = struct.unpack_from(f"{order}I", wkb, offset)
    offset += 4
    parts = []
    for _ in range(count):
        _, part, offset = _read(wkb, offset)
        parts.append(part)
    return kind, parts, offset


def _positions(wkb: bytes, offset: int, order: str) -> tuple[list[Position], int]:
    (count,) = struct.unpack_from(f"{order}I", wkb, offset)
    offset += 4
    flat = struct.unpack_from(f"{order}{2 * count}d", wkb, offset)
    return list(zip(flat[::2], flat[1::2], strict=True)), offset + 16 * count


# -- writing --------------------------------------------------------------------------------


def line_wkb(positions: Sequence[Position]) -> bytes:
    """A LineString's WKB (little-endian, as shapely writes it)."""
    return struct.pack("<BII", 1, 2, len(positions)) + _packed(positions)


def polygon_wkb(shell: Sequence[Position]) -> bytes:
    """A Polygon without holes (``shell`` closed: its last position is its first)."""
    return struct.pack("<BIII", 1, 3, 1, len(shell)) + _packed(shell)


def _packed(positions: Sequence[Position]) -> bytes:
    return struct.pack(f"<{2 * len(positions)}d", *(c for xy in positions for c in xy))


# -- GeoJSON --------------------------------------------------------------------------------


def geojson(wkb: bytes, digits: int) -> tuple[str, Any]:
    """``(type, coordinates)`` for GeoJSON per RFC 7946: exterior rings counter-clockwise,
    holes clockwise, every coordinate rounded to ``digits``; nested tuples throughout."""
    kind, coordinates = read(wkb)
    if kind == "Polygon":
        coordinates = _oriented(coordinates)
    elif kind == "MultiPolygon":
        coordinates = [_oriented(polygon) for polygon in coordinates]
    return kind, _rounded(coordinates, digits)


def _oriented(rings: list[Ring]) -> list[Ring]:
    out = []
    for i, ring in enumerate(rings):
        counter_clockwise = _signed_area(ring) >= 0.0
        # the shell counter-clockwise, the holes clockwise (a flat ring stays as it is)
        keep = counter_clockwise if i == 0 else _signed_area(ring) <= 0.0
        out.append(ring if keep else ring[::-1])
    return out


def _signed_area(ring: Ring) -> float:
    """Twice the ring's signed area (shoelace): positive when counter-clockwise."""
    area = 0.0
    for (x0, y0), (x1, y1) in pairwise(ring):
        area += x0 * y1 - x1 * y0
    return area


def _rounded(coordinates: Any, digits: int) -> Any:
    if not coordinates:
        return ()
    first = coordinates[0]
    if isinstance(first, float):
        return (round(coordinates[0], digits), round(coordinates[1], digits))
    if isinstance(first[0], float):
        return tuple([(round(x, digits), round(y, digits)) for x, y in coordinates])
    return tuple([_rounded(part, digits) for part in coordinates])


# -- a point inside ----------------------------------------------------------------------


def interior_point(wkb: bytes) -> Position:
    """A point on the geometry (inside an area, on a line), as GEOS's ``PointOnSurface``
    finds it (shapely's ``representative_point``)."""
    kind, coordinates = read(wkb)
    if kind == "Point":
        return coordinates
    if kind in _AREAL:
        polygons = [coordinates] if kind == "Polygon" else coordinates
        return _interior_point_area([p for p in polygons if p and p[0]])
    if kind in _LINEAR:
        lines = [coordinates] if kind == "LineString" else coordinates
        return _interior_point_line([line for line in lines if line])
    raise WKBError(f"no interior point of a {kind} here (shapely has one)")


def _interior_point_area(polygons: list[list[Ring]]) -> Position:
    """GEOS ``InteriorPointArea``: in each polygon, the midpoint of the widest stretch of a
    horizontal line through its middle (one clear of every vertex); the widest of all."""
    if not polygons:
        raise WKBError("no interior point of an empty geometry")
    best: Position | None = None
    widest = -1.0
    for rings in polygons:
        y = _scan_line_y(rings)
        point, width = _widest_crossing(rings, y)
        if width > widest:
            best, widest = point, width
    assert best is not None
    return best


def _scan_line_y(rings: list[Ring]) -> float:
    """Halfway between the vertex heights (holes' too) closest above and below the middle
    of the shell's extent, so the line crosses edges and never runs through a vertex."""
    ys = [y for _, y in rings[0]]
    low, high = min(ys), max(ys)
    centre = (low + high) / 2.0
    for y in (y for ring in rings for _, y in ring):
        if y <= centre:
            if y > low:
                low = y
        elif y < high:
            high = y
    return (high + low) / 2.0


def _widest_crossing(rings: list[Ring], y: float) -> tuple[Position, float]:
    crossings: list[float] = []
    for ring in rings:
        ys = [p[1] for p in ring]
        if min(ys) > y or max(ys) < y:
            continue
        for (x0, y0), (x1, y1) in pairwise(ring):
            if (y0 > y and y1 > y) or (y0 < y and y1 < y) or y0 == y1:
                continue  # no crossing, or a horizontal edge
            # an edge's lower end counts as crossing, its upper end does not
            if (y0 == y and y1 < y) or (y1 == y and y0 < y):
                continue
            crossings.append(_crossing_x(x0, y0, x1, y1, y))
    point = rings[0][0]  # GEOS's answer for a polygon of no area
    width = 0.0
    crossings.sort()
    for left, right in zip(crossings[::2], crossings[1::2], strict=False):
        if right - left > width:
            width = right - left
            point = ((left + right) / 2.0, y)
    return point, width


def _crossing_x(x0: float, y0: float, x1: float, y1: float, y: float) -> float:
    if x0 == x1:
        return x0
    slope = (y1 - y0) / (x1 - x0)
    return x0 + (y - y0) / slope


def _interior_point_line(lines: list[list[Position]]) -> Position:
    """GEOS ``InteriorPointLine``: the inner vertex closest to the lines' centroid, or, where
    the lines have no inner vertex, the closest end point."""
    if not lines:
        raise WKBError("no interior point of an empty geometry")
    centre = _line_centroid(lines)
    inner = [p for line in lines for p in line[1:-1]]
    if inner:
        return _nearest(inner, centre)
    return _nearest([p for line in lines for p in (line[0], line[-1])], centre)


def _line_centroid(lines: list[list[Position]]) -> Position:
    """Each segment's midpoint weighted by its length, summed line by line as GEOS's
    ``Centroid`` does (the sums' order decides the last bits, and so near-ties)."""
    sx = sy = total = 0.0
    starts: list[Position] = []  # of lines of no length: their centroid, if all are
    for line in lines:
        length = 0.0
        for (x0, y0), (x1, y1) in pairwise(line):
            segment = _distance((x0, y0), (x1, y1))
            if segment == 0.0:
                continue
            length += segment
            sx += segment * ((x0 + x1) / 2)
            sy += segment * ((y0 + y1) / 2)
        total += length
        if length == 0.0:
            starts.append(line[0])
    if total == 0.0:
        return _mean(starts)
    return sx / total, sy / total


def _mean(points: Sequence[Position]) -> Position:
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def _nearest(points: Sequence[Position], to: Position) -> Position:
    best, best_distance = points[0], math.inf
    for p in points:
        distance = _distance(p, to)
        if distance < best_distance:  # the first of equals
            best, best_distance = p, distance
    return best


def _distance(a: Position, b: Position) -> float:
    dx, dy = a[0] - b[0], a[1] - b[1]
    return math.sqrt(dx * dx + dy * dy)  # not hypot: the last bits must be GEOS's
