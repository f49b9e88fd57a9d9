"""Actor phrases normalised to ACLED-style names (made-up sentences)."""

from __future__ import annotations

import pytest

from geomap.actors import actor_name, countries, country_name, find_actors, normalise_actor


@pytest.mark.parametrize(
    ("phrase", "name"),
    [
        ("Ukrainian soldiers", "Military Forces of Ukraine"),
        ("Ukraine's forces", "Military Forces of Ukraine"),
        ("the Ukrainian military", "Military Forces of Ukraine"),
        ("Ukrainian troops", "Military Forces of Ukraine"),
        ("Ukrainian forces", "Military Forces of Ukraine"),
        ("Ukraine's armed forces", "Military Forces of Ukraine"),
        ("Kyiv's troops", "Military Forces of Ukraine"),
        ("the armed forces of Ukraine", "Military Forces of Ukraine"),
        ("Russian troops", "Military Forces of Russia"),
        ("Russia's Defense Ministry", "Government of Russia"),
        ("Russian officials", "Government of Russia"),
        ("Russia", "Government of Russia"),
        # Not a hand list of two countries: every country in the countryinfo data works.
        ("Malian soldiers", "Military Forces of Mali"),
        ("Kenyan police", "Police Forces of Kenya"),
        ("Sudan's army", "Military Forces of Sudan"),
        ("the Ethiopian government", "Government of Ethiopia"),
        ("Armenian protesters", "Protesters (Armenia)"),
        ("Colombian civilians", "Civilians (Colombia)"),
        ("Addis Ababa's troops", "Military Forces of Ethiopia"),
        ("residents", "Civilians"),
        ("protesters", "Protesters"),
        ("the rioters", "Rioters"),
    ],
)
def test_normalise_actor(phrase: str, name: str) -> None:
    assert normalise_actor(phrase) == name


def test_no_actor_in_plain_words() -> None:
    assert normalise_actor("the weather") is None
    assert normalise_actor("troops") is None  # no country to name them by


def test_civilians_take_the_document_country() -> None:
    found = find_actors("Villagers and local residents queued for bread.", context_country="Mali")
    assert [a.actor for a in found] == ["Civilians (Mali)", "Civilians (Mali)"]


def test_coordinated_heads_share_the_demonym() -> None:
    found = find_actors("Georgian soldiers and citizens lined the road.")
    assert [a.actor for a in found] == ["Military Forces of Georgia", "Civilians (Georgia)"]


def test_the_country_refers_to_the_last_country_named() -> None:
    text = "Serbia's foreign ministry said the country's armed forces were on alert."
    found = find_actors(text)
    assert [a.actor for a in found] == ["Government of Serbia", "Military Forces of Serbia"]
    assert found[1].text == "the country's armed forces"


def test_offsets_and_kinds() -> None:
    text = "Locals cheered as Polish troops arrived."
    found = find_actors(text)
    troops = next(a for a in found if a.kind == "military")
    assert text[troops.start : troops.end] == "Polish troops"
    assert troops.country == "Poland"


def test_plural_demonym_is_a_national_mention_without_a_name() -> None:
    (found,) = find_actors("The Italians left.")
    assert (found.kind, found.country, found.actor) == ("national", "Italy", None)


def test_official_before_a_noun_is_an_adjective() -> None:
    found = find_actors("Residents told Chile's official radio about it.")
    assert [a.kind for a in found] == ["civilians", "state"]


def test_hyphenated_demonyms_are_not_actors() -> None:
    assert find_actors("The Turkish-backed and pro-Baku groups.") == []


def test_capital_alone_is_not_an_actor_but_by_capital_is() -> None:
    assert find_actors("Reporters flew to Nairobi.") == []
    assert [a.actor for a in find_actors("It was ordered by Nairobi.")] == ["Government of Kenya"]


def test_country_table_comes_from_the_data() -> None:
    table = countries()
    assert len(table) > 200
    assert country_name("UA") == "Ukraine" and country_name("RUS") == "Russia"
    assert country_name("Russian Federation") == "Russia"
    assert actor_name("civilians", None) == "Civilians"
    assert actor_name("military", None) is None
