"""'20 km south of X': a point that far in that direction, with a circle of uncertainty."""

from __future__ import annotations

from geomap.geodesy import haversine_km
from geomap.pipeline import Pipeline, geoparse


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
