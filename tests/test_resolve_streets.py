"""Streets and roads are placed in the article's town, or left unresolved without one."""

from __future__ import annotations

from geomap.pipeline import Pipeline, geoparse


def test_street_is_placed_in_the_articles_town(gazetteer) -> None:  # noqa: ANN001
    parsed = geoparse(
        "Water mains burst on Cedar Street in Fargo on Monday. Fargo crews worked all night.",
        pipeline=Pipeline(gazetteer),
    )
    street = next(t for t in parsed.toponyms if t.mention.text == "Cedar Street")
    fargo = next(t for t in parsed.toponyms if t.mention.text == "Fargo")
    assert street.place is not None and street.place.kind == "street"
    assert fargo.place is not None and fargo.place.country == "US"
    assert (street.place.lat, street.place.lon) == (fargo.place.lat, fargo.place.lon)
    assert street.precision == "city"


def test_street_without_a_town_stays_unresolved(gazetteer) -> None:  # noqa: ANN001
    parsed = geoparse(
        "Traffic backed up on Cedar Street for an hour.", pipeline=Pipeline(gazetteer)
    )
    street = next(t for t in parsed.toponyms if t.mention.text == "Cedar Street")
    assert street.place is None
