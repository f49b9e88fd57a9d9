"""'20 km south of X': a point that far in that direction, with a circle of uncertainty."""

from __future__ import annotations

import pytest
import shapely

from geomap.geodesy import haversine_km
from geomap.pipeline import Pipeline, geoparse
from geomap.spatial import BANK_WIDTH_KM, bank_area, near_area


def test_distance_and_direction_from_a_town(gazetteer) -> None:  # noqa: ANN001
    parsed = geoparse(
        "Artillery struck a depot 30 km east of Zaporizhzhia on Sunday.",
        pipeline=Pipeline(gazetteer),
    )
    (t,) = [t for t in parsed.toponyms if t.mention.name == "Zaporizhzhia"]
    assert t.mention.relation == "30km_east_of"
    assert t.precision == "area" and t.geometry is not None
    centre = t.geometry.centroid
    assert t.place is not None
    assert abs(haversine_km(t.place.lat, t.place.lon, centre.y, centre.x) - 30) < 1.5
    assert centre.x > t.place.lon and abs(centre.y - t.place.lat) < 0.05  # due east
    # the circle of uncertainty: a quarter of the distance
    edge = t.geometry.exterior.coords[0]
    assert 6 < haversine_km(centre.y, centre.x, edge[1], edge[0]) < 9


def test_miles_are_converted(gazetteer) -> None:  # noqa: ANN001
    parsed = geoparse(
        "The convoy stopped 10 miles north of the city of Fresno.", pipeline=Pipeline(gazetteer)
    )
    (t,) = [t for t in parsed.toponyms if t.mention.name == "Fresno"]
    assert t.mention.relation == "16.1km_north_of"
    centre = t.geometry.centroid
    assert abs(haversine_km(t.place.lat, t.place.lon, centre.y, centre.x) - 16.1) < 1
    assert centre.y > t.place.lat


@pytest.mark.parametrize(("lon", "lat"), [(0.0, 0.0), (-74.0, 40.7), (32.6, 46.6), (25.0, 69.9)])
@pytest.mark.parametrize("radius_km", [10.0, 50.0])
def test_circles_are_geodesic_on_the_ellipsoid(lon: float, lat: float, radius_km: float) -> None:
    """Every vertex of a "near X" circle lies ``radius_km`` from X along the WGS84 geodesic
    (geographiclib, the reference): the local projection must not stretch it east-west
    or north-south, as a spherical one would by ~0.3 %."""
    from geographiclib.geodesic import Geodesic

    circle = shapely.from_wkb(near_area(lon, lat, radius_km))  # WKB: geoparsing needs no shapely
    assert circle.is_valid and circle.exterior.is_ccw  # RFC 7946's winding, as written
    assert circle.contains(shapely.Point(lon, lat))
    distances = [Geodesic.WGS84.Inverse(lat, lon, y, x)["s12"] for x, y in circle.exterior.coords]
    assert len(distances) > 16
    assert max(abs(d - radius_km * 1000) for d in distances) < 3.0  # metres


def test_river_bank_areas_reach_their_width_from_the_river() -> None:
    from shapely.geometry import LineString, Point

    river = LineString([(33.0, 47.5), (33.3, 47.0), (32.9, 46.7), (32.6, 46.6), (32.0, 46.5)])
    found = bank_area(river, "left_bank", Point(32.62, 46.64))
    assert found is not None
    area, compass = found
    assert compass == "east_bank"  # flowing south-west, its left bank is the east one
    dense = river.segmentize(0.002).coords  # every ~200 m: the distance to the river, metric
    far = max(min(haversine_km(y, x, ry, rx) for rx, ry in dense) for x, y in area.exterior.coords)
    assert abs(far - BANK_WIDTH_KM) < 0.3
