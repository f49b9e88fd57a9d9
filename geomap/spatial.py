"""Geometry for spatial expressions: river banks, "near X", routes.

Distances are metric, so geometry is built in a local azimuthal equidistant
projection centred on the place in question and brought back to WGS84.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

from .wkb import polygon_wkb

if TYPE_CHECKING:  # shapely is imported where geometry is built: it costs ~0.1 s
    from shapely import Point
    from shapely.geometry.base import BaseGeometry

#: How far a bank reaches from the river, and how much of the river's length is kept.
BANK_WIDTH_KM = 15.0
BANK_REACH_KM = 35.0
NEAR_RADIUS_KM = 10.0
_OPPOSITE = {
    "east_bank": "west_bank",
    "west_bank": "east_bank",
    "north_bank": "south_bank",
    "south_bank": "north_bank",
    "left_bank": "right_bank",
    "right_bank": "left_bank",
}


#: WGS84 semi-major axis (m) and first eccentricity squared.
_WGS84_A = 6378137.0
_WGS84_E2 = 0.0066943799901413165


def _radii(lat0: float) -> tuple[float, float]:
    """The ellipsoid's radii of curvature at latitude ``lat0`` (radians): prime vertical
    (east-west) and meridian (north-south)."""
    w = 1 - _WGS84_E2 * math.sin(lat0) ** 2
    return _WGS84_A / math.sqrt(w), _WGS84_A * (1 - _WGS84_E2) / w**1.5


@lru_cache(maxsize=256)
def _projections(lon: float, lat: float):  # noqa: ANN202 - numpy callables
    """WGS84 (lon, lat) <-> metres in an azimuthal equidistant projection centred here,
    as functions of an (n, 2) coordinate array (``shapely.transform``'s).

    The sphere's projection, with east and north scaled by the ellipsoid's radii of
    curvature here (prime vertical and meridian): within the 50 km this module works
    at it stays within a metre or two of PROJ's ellipsoidal ``aeqd``, closed-form and
    vectorised, without pyproj's ~0.05 s import.
    """
    import numpy as np

    lat0, lon0 = math.radians(lat), math.radians(lon)
    east, north = _radii(lat0)
    sin0, cos0 = math.sin(lat0), math.cos(lat0)

    def forward(lonlat: np.ndarray) -> np.ndarray:
        phi, dlam = np.radians(lonlat[:, 1]), np.radians(lonlat[:, 0]) - lon0
        cos_c = np.clip(sin0 * np.sin(phi) + cos0 * np.cos(phi) * np.cos(dlam), -1.0, 1.0)
        c = np.arccos(cos_c)
        az = np.arctan2(
            np.sin(dlam) * np.cos(phi), cos0 * np.sin(phi) - sin0 * np.cos(phi) * np.cos(dlam)
        )
        return np.column_stack((east * c * np.sin(az), north * c * np.cos(az)))

    def back(xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0] / east, xy[:, 1] / north
        c, az = np.hypot(x, y), np.arctan2(x, y)
        phi = np.arcsin(sin0 * np.cos(c) + cos0 * np.sin(c) * np.cos(az))
        lam = lon0 + np.arctan2(np.sin(az) * np.sin(c) * cos0, np.cos(c) - sin0 * np.sin(phi))
        lam = (lam + np.pi) % (2 * np.pi) - np.pi  # as PROJ does
        return np.column_stack((np.degrees(lam), np.degrees(phi)))

    return forward, back


def opposite_side(side: str) -> str:
    return _OPPOSITE.get(side, side)


def bank_area(river: BaseGeometry, side: str, focus: Point) -> tuple[BaseGeometry, str] | None:
    """The area on one side of ``river`` near ``focus``; returns it with the side resolved
    to a compass bank as well ("left_bank" -> also which of east/west it is).

    Left and right are taken facing downstream, which is why curated river lines are
    digitised from source to mouth.
    """
    from shapely import Point, transform

    near_lon, near_lat = _nearest_on(river, focus)
    forward, back = _projections(near_lon, near_lat)
    local_river = transform(river, forward)
    window = Point(0, 0).buffer(BANK_REACH_KM * 1000)
    reach = local_river.intersection(window)
    lines = [g for g in getattr(reach, "geoms", [reach]) if g.geom_type == "LineString"]
    if not lines:
        return None
    line = max(lines, key=lambda g: g.length)
    width = BANK_WIDTH_KM * 1000
    left = line.buffer(width, single_sided=True).intersection(window)
    right = line.buffer(-width, single_sided=True).intersection(window)
    if left.is_empty or right.is_empty:
        return None
    chosen = _pick_side(side, left, right, _left_normal(river))
    if chosen is None:
        return None
    area, compass = chosen
    return transform(area, back).simplify(0.0005), compass


def _left_normal(river: BaseGeometry) -> tuple[float, float]:
    """The compass direction of the river's left bank, from its overall course.

    News names banks by the river's general course ("the east bank of the Dnipro"
    is its left bank all the way down, even where it briefly flows west), so the
    whole line's source-to-mouth direction decides, not the local bend.
    """

    lines = list(getattr(river, "geoms", [river]))
    (x0, y0), (x1, y1) = lines[0].coords[0], lines[-1].coords[-1]
    dx = (x1 - x0) * math.cos(math.radians((y0 + y1) / 2))
    dy = y1 - y0
    return -dy, dx


def _pick_side(
    side: str, left: BaseGeometry, right: BaseGeometry, normal: tuple[float, float]
) -> tuple[BaseGeometry, str] | None:
    nx, ny = normal
    ew = abs(nx) >= abs(ny)

    def compass(is_left: bool) -> str:
        sign = (nx if ew else ny) * (1 if is_left else -1)
        if ew:
            return "east_bank" if sign > 0 else "west_bank"
        return "north_bank" if sign > 0 else "south_bank"

    if side in ("left_bank", "right_bank"):
        is_left = side == "left_bank"
    elif side in ("east_bank", "west_bank"):
        is_left = (side == "east_bank") == (nx > 0)
    elif side in ("north_bank", "south_bank"):
        is_left = (side == "north_bank") == (ny > 0)
    else:
        return None
    return (left if is_left else right), compass(is_left)


def side_of(river: BaseGeometry, point: Point) -> str:
    """Which compass bank of ``river`` a point lies on (used for "the opposite side")."""
    for side in ("east_bank", "west_bank"):
        found = bank_area(river, side, point)
        if found is not None and found[0].buffer(0.001).contains(point):
            return found[1]
    return "west_bank"


#: Vertices of a "near X" circle: 32 keep it within 0.5 % of its radius (50 m at 10 km).
CIRCLE_VERTICES = 32


@lru_cache(maxsize=1024)
def near_area(lon: float, lat: float, radius_km: float = NEAR_RADIUS_KM) -> bytes:
    """A circle of ``radius_km`` around the point, as WKB: its vertices ``radius_km`` from it
    along the ellipsoid (the local projection of ``_projections``, in plain Python: no
    shapely or numpy for the commonest area of all), counter-clockwise from due east."""
    lat0, lon0 = math.radians(lat), math.radians(lon)
    east, north = _radii(lat0)
    sin0, cos0 = math.sin(lat0), math.cos(lat0)
    metres = radius_km * 1000
    ring = []
    for k in range(CIRCLE_VERTICES):
        bearing = math.pi / 2 - 2 * math.pi * k / CIRCLE_VERTICES
        x, y = metres * math.sin(bearing) / east, metres * math.cos(bearing) / north
        c, az = math.hypot(x, y), math.atan2(x, y)
        phi = math.asin(sin0 * math.cos(c) + cos0 * math.sin(c) * math.cos(az))
        lam = lon0 + math.atan2(
            math.sin(az) * math.sin(c) * cos0, math.cos(c) - sin0 * math.sin(phi)
        )
        lam = (lam + math.pi) % (2 * math.pi) - math.pi  # as PROJ does
        ring.append((math.degrees(lam), math.degrees(phi)))
    ring.append(ring[0])
    return polygon_wkb(ring)


def _nearest_on(geom: BaseGeometry, point: Point) -> tuple[float, float]:
    from shapely.ops import nearest_points

    nearest = nearest_points(geom, point)[0]
    return nearest.x, nearest.y


_BEARINGS = {
    "north": 0.0,
    "northeast": 45.0,
    "east": 90.0,
    "southeast": 135.0,
    "south": 180.0,
    "southwest": 225.0,
    "west": 270.0,
    "northwest": 315.0,
}


def circle_around(
    lon: float, lat: float, relation: str | None, cue: str | None
) -> tuple[float, float, bytes] | None:
    """The circle a mention of the place at (lon, lat) stands for, with its centre: "near
    X" and "the X area" around X, "20 km south of X" around the point 20 km south; None
    for any other mention. The centre, not a point GEOS finds inside the circle (up to a
    kilometre off it), is where such a mention's events are put, as ACLED codes "near X"
    at X."""
    if cue == "area" or relation == "near":
        return lon, lat, near_area(lon, lat)
    if relation and relation[:1].isdigit():
        return offset_area(lon, lat, relation)
    return None


def offset_area(lon: float, lat: float, relation: str) -> tuple[float, float, bytes] | None:
    """ "20km_south_of": the point that far in that direction (geodesic), and a circle
    of uncertainty around it (a quarter of the distance, at least 2 km), since news
    distances are round figures measured from an unstated point of the town."""
    parts = relation.split("_")
    if len(parts) != 3 or not parts[0].endswith("km") or parts[2] != "of":
        return None
    bearing = _BEARINGS.get(parts[1])
    if bearing is None:
        return None
    try:
        km = float(parts[0][:-2])
    except ValueError:
        return None
    geod = _wgs84_km()
    dest = geod.Direct(lat, lon, bearing, km, geod.LATITUDE | geod.LONGITUDE)
    dest_lon, dest_lat = dest["lon2"], dest["lat2"]
    area = near_area(round(dest_lon, 6), round(dest_lat, 6), max(2.0, km / 4))
    return dest_lon, dest_lat, area


@lru_cache(maxsize=1)
def _wgs84_km():  # noqa: ANN202 - geographiclib has no type hints
    """WGS84 in kilometres: the very ellipsoid and units geopy's ``geodesic`` uses, so results
    match it to the bit, without geopy's ~0.1 s import."""
    from geographiclib.geodesic import Geodesic

    return Geodesic(6378.137, 1 / 298.257223563)
