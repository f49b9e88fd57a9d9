"""Recognition on sentences written for these tests (not the seeds, not the corpora)."""

from __future__ import annotations

import pytest

from geomap.recognise import Recogniser
from geomap.text import split_sentences


@pytest.fixture(scope="module")
def recognise(gazetteer):  # noqa: ANN001, ANN201
    rec = Recogniser(gazetteer)

    def run(text: str) -> dict[str, tuple[str, str | None, str | None]]:
        return {m.text: (m.role, m.cue, m.relation) for m in rec(text, split_sentences(text))}

    return run


def test_multiword_possessive_and_cues(recognise) -> None:  # noqa: ANN001
    found = recognise(
        "Officials in New York said flights to the city of Odesa resume. "
        "Lviv's mayor toured the Lviv region on Monday."
    )
    assert "New York" in found
    assert found["Odesa"][1] == "city"
    assert "Lviv" in found and "Lviv's" not in found
    assert found["Lviv region"][1] == "region"


def test_people_outlets_and_common_words_are_not_places(recognise) -> None:  # noqa: ANN001
    found = recognise(
        "General Paris Morgan told Sky News on Friday that Mark Jordan will Read the report in March. "
        "Reuters and the Washington Post confirmed it."
    )
    assert not {"Paris", "Sky", "Friday", "Mark", "Jordan", "Read", "March", "Washington"} & set(
        found
    )


def test_metonymy_and_demonyms(recognise) -> None:  # noqa: ANN001
    found = recognise(
        "Beijing said the talks would go on. Polish troops reached Warsaw, "
        "and Berlin's government warned of delays."
    )
    assert found["Beijing"][0] == "metonymy"
    assert found["Berlin"][0] == "metonymy"
    assert found["Polish"][0] == "demonym"
    assert found["Warsaw"][0] == "literal"


def test_relative_positions(recognise) -> None:  # noqa: ANN001
    found = recognise("Shelling was reported near Zaporizhzhia and outside Odesa.")
    assert found["Zaporizhzhia"][2] == "near"
    assert found["Odesa"][2] == "near"


def test_text_without_places(recognise) -> None:  # noqa: ANN001
    assert recognise("The committee met on Tuesday and agreed the budget for next year.") == {}
