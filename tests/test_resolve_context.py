"""The document decides between same-named places: lists, "Town, State", ties, regions."""

from __future__ import annotations

import pytest

from geomap.models import Toponym
from geomap.pipeline import geoparse


def _places(text: str, pipeline) -> dict[str, Toponym]:  # noqa: ANN001
    return {t.mention.text: t for t in geoparse(text, pipeline=pipeline).toponyms}


def test_a_list_of_states_reads_every_item_as_a_state(pipeline) -> None:  # noqa: ANN001
    # Oregon and Washington are also towns in Ohio and in West Virginia; in a list of
    # states, naming Ohio or West Virginia next to them must not pull them there.
    found = _places(
        "Flooding closed schools in Indiana, Ohio, Oregon, Virginia, Washington, "
        "West Virginia and Texas.",
        pipeline,
    )
    for name in ("Oregon", "Washington", "Ohio", "West Virginia"):
        assert found[name].place is not None, name
        assert found[name].place.kind == "admin1", (name, found[name].place)
    assert found["Oregon"].place.admin1 == "OR"
    assert found["Washington"].place.admin1 == "WA"


def test_the_state_after_a_town_is_the_state_holding_it(pipeline) -> None:  # noqa: ANN001
    found = _places(
        "A storm cut power to 40,000 homes in Rochester, New York, on Sunday.", pipeline
    )
    state = found["New York"].place
    assert state is not None and (state.kind, state.admin1) == ("admin1", "NY")
    assert found["Rochester"].place is not None and found["Rochester"].place.admin1 == "NY"


def test_a_city_before_another_city_keeps_both_cities(pipeline) -> None:  # noqa: ANN001
    # Mykolaiv is also a province; nothing called Kherson lies in it, so no "container".
    found = _places("Shelling hit Kherson, Mykolaiv and Odesa overnight.", pipeline)
    assert found["Mykolaiv"].place is not None and found["Mykolaiv"].place.kind == "city"


def test_a_country_wins_a_tie_with_its_province_of_the_same_name(pipeline) -> None:  # noqa: ANN001
    found = _places("Typhoon warnings were issued across Taiwan.", pipeline)
    assert found["Taiwan"].place is not None and found["Taiwan"].place.kind == "country"


def test_a_sentence_opening_plural_of_a_common_word_is_no_place(pipeline) -> None:  # noqa: ANN001
    # "Cases" is a village in France; the dictionary lists only "case".
    found = _places("Cases rose sharply in Ohio last week.", pipeline)
    assert "Cases" not in found
    assert "Ohio" in found


def test_world_regions_resolve_to_the_region_not_the_continent(pipeline) -> None:  # noqa: ANN001
    found = _places(
        "The drought spread from West Africa to Southeast Asia, and aid reached South Africa.",
        pipeline,
    )
    west = found["West Africa"].place
    assert west is not None and (west.kind, west.name) == ("region", "Western Africa")
    assert -20 < west.lon < 10 and 5 < west.lat < 25  # between Senegal and Niger
    assert found["Southeast Asia"].place is not None
    assert found["Southeast Asia"].place.kind == "region"
    # "South Africa" is the country, never an alternate name of "Southern Africa".
    assert found["South Africa"].place is not None
    assert found["South Africa"].place.kind == "country"


# Each article, the name in it, and where that name must resolve: (kind, country, admin1),
# None where any value will do.
_ARTICLES = [
    pytest.param(
        # Huntsville, Alabama is bigger; but this article is about Texas towns.
        "Buses left El Paso and Odessa on Monday; the prisoners arrived in Huntsville on Tuesday.",
        "Huntsville",
        (None, "US", "TX"),
        id="a town goes to the state of the article's other towns",
    ),
    pytest.param(
        # ... and Columbus, Ohio is bigger than Columbus, Georgia.
        "Teams from Valdosta and Dalton reached the final, which will be played in Columbus.",
        "Columbus",
        (None, "US", "GA"),
        id="the same for a city",
    ),
    pytest.param(
        "Georgia lawmakers met in Atlanta on Monday. Georgia would be the first state to "
        "ration water, and Georgia farmers object.",
        "Georgia",
        ("admin1", "US", "GA"),
        id="a state named like a country, in an article about its towns",
    ),
    pytest.param(
        "Georgia said Russian jets had bombed Gori, and Georgia's president flew to Brussels.",
        "Georgia",
        ("country", "GE", None),
        id="a world-news article about Georgia keeps the country",
    ),
    pytest.param(
        # "Lebanon" votes for the country itself; the other names vote for the United States.
        "Fans drove from Murfreesboro and Gallatin for the fair in Lebanon, where the parade "
        "ended at the Lebanon square.",
        "Lebanon",
        ("city", "US", "TN"),
        id="a country-named town in a local article",
    ),
    pytest.param(
        # Paris's Texas namesake breaks the tie Paris and Texarkana would otherwise make.
        "The Paris school board met Tuesday. Students from Sulphur Springs and Texarkana "
        "will join the district next fall.",
        "Paris",
        (None, "US", "TX"),
        id="a close namesake votes for its country",
    ),
    pytest.param(
        "Farmers across America worried that the tariffs would hurt exports.",
        "America",
        ("country", "US", None),
        id="America alone is the United States",
    ),
]


@pytest.mark.parametrize(("text", "name", "expected"), _ARTICLES)
def test_the_article_decides_between_namesakes(
    pipeline,  # noqa: ANN001
    text: str,
    name: str,
    expected: tuple[str | None, str | None, str | None],
) -> None:
    place = _places(text, pipeline)[name].place
    assert place is not None, name
    got = (place.kind, place.country, place.admin1)
    assert all(e is None or e == g for e, g in zip(expected, got, strict=True)), got


@pytest.mark.parametrize(
    ("text", "state"),
    [
        pytest.param(
            "An outbreak in Scott County, Indiana, spread fear. Doctors in Nashville and "
            "Knoxville, in Tennessee, and in Chattanooga studied it. Scott County now has "
            "140 cases.",
            "IN",
            id="Tennessee's towns do not move Indiana's county",
        ),
        pytest.param(
            "Health officials in Scott County, Iowa, met on Friday. Experts from Lexington, "
            "Louisville and Bowling Green in Kentucky said Scott County needed more staff.",
            "IA",
            id="nor do Kentucky's move Iowa's",
        ),
    ],
)
def test_a_name_placed_by_its_state_keeps_that_place_in_the_article(
    pipeline,  # noqa: ANN001
    text: str,
    state: str,
) -> None:
    counties = [
        t for t in geoparse(text, pipeline=pipeline).toponyms if t.mention.text == "Scott County"
    ]
    assert len(counties) == 2
    assert all(t.place is not None and t.place.admin1 == state for t in counties), [
        t.place for t in counties
    ]


def test_between_regions_with_as_many_towns_the_one_of_rarer_names_is_the_focus() -> None:
    from geomap.resolve import _focus_region

    # Texas has two names of the article that many states have; Louisiana two that only
    # Louisiana has: those say more about where a local paper is.
    occupied = {("US", "TX"): {"Mansfield", "Arlington"}, ("US", "LA"): {"Ruston", "Natchitoches"}}
    spread = {"Mansfield": 9, "Arlington": 12, "Ruston": 1, "Natchitoches": 1}
    focus = _focus_region(occupied, spread)
    assert focus is not None and focus[0] == ("US", "LA")
    # As rare on both sides: no focus, as before.
    assert _focus_region(occupied, dict.fromkeys(spread, 1)) is None
    # More names still win, however common.
    occupied[("US", "TX")].add("Paris")
    focus = _focus_region(occupied, spread | {"Paris": 20})
    assert focus is not None and focus[0] == ("US", "TX")
