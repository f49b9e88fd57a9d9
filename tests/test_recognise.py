"""Recognition on sentences written for these tests (not the seeds, not the corpora)."""

from __future__ import annotations

import pytest

from geomap.recognise import Recogniser
from geomap.text import sentence_index, split_sentences, tokenize


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


def test_places_inside_institution_names_are_modifiers(recognise) -> None:  # noqa: ANN001
    found = recognise(
        "The Nebraska Supreme Court heard the case after Tucson Police arrested him. "
        "Omaha City Council met on Tuesday; the Denver Post covered it."
    )
    assert found["Nebraska"][0] == "modifier"
    assert found["Tucson"][0] == "modifier"
    assert [role for text, (role, _, _) in found.items() if text.startswith("Omaha")] == [
        "modifier"
    ]
    assert "Denver" not in found  # an outlet, not a use of the city's name


def test_us_abbreviations(recognise) -> None:  # noqa: ANN001
    found = recognise(
        "Trade between the US and Canada grew. He grew up in Wheeling, W.Va., "
        "and moved to Bluefield, W. Va. LET US PRAY, the banner said."
    )
    assert found["US"][0] == "literal"
    assert "W.Va." in found and "W. Va." in found and "Va" not in found
    assert list(found).count("US") == 1  # the shouted pronoun is no country


def test_people_firms_feasts_and_movements_are_not_places(recognise) -> None:  # noqa: ANN001
    found = recognise(
        "Sgt. Dana Lincoln and Carol T. Hastings met lawyers from Dalton & Houston "
        "before the Columbus Day parade. Arab leaders and Hezbollah condemned the vote "
        "in Beirut."
    )
    assert not {"Lincoln", "Hastings", "Dalton", "Houston", "Columbus", "Arab", "Hezbollah"} & set(
        found
    )
    assert "Beirut" in found


def test_saint_and_fort_abbreviations_open_names(recognise) -> None:  # noqa: ANN001
    found = recognise("Flights from St. Louis and Ft. Worth landed in St. Paul on time.")
    assert {"St. Louis", "Ft. Worth", "St. Paul"} <= set(found)


def test_streets_and_routes(recognise) -> None:  # noqa: ANN001
    found = recognise(
        "A truck overturned on Maple Avenue near Interstate 94, and State Route 33 "
        "was closed. The Road Ahead is a film. Topeka Boulevard reopened."
    )
    assert found["Maple Avenue"][1] == "street"
    assert found["Interstate 94"][1] == "street"
    assert found["State Route 33"][1] == "street"
    assert found["Topeka Boulevard"][1] == "street" and "Topeka" not in found
    assert "The Road" not in found


def test_australian_state_abbreviations(recognise) -> None:  # noqa: ANN001
    found = recognise("Horse movements in NSW were restricted, and Qld Health followed.")
    assert {"NSW", "Qld"} <= set(found)


def test_acronyms_and_disease_names(recognise) -> None:  # noqa: ANN001
    found = recognise(
        "The WHO and the FDA tracked HIV in the UAE and the DRC. "
        "Marburg virus cases were confirmed near Kampala."
    )
    assert {"UAE", "DRC", "Kampala"} <= set(found)
    assert not {"WHO", "FDA", "HIV", "Marburg"} & set(found)
    found = recognise(
        "Marburg hemorrhagic fever spread in Uige. Farm workers near Manila caught Reston "
        "ebolavirus."
    )
    assert {"Uige", "Manila"} <= set(found) and not {"Marburg", "Reston"} & set(found)


def test_tokens_and_sentences_keep_their_offsets() -> None:
    text = "Kam'yanske, 1,200.5 km. Stratford-upon-Avon?! “Mr. Smith,” he said.\nNext line"
    tokens = tokenize(text)
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert [t.text for t in tokens][:4] == ["Kam'yanske", "1,200.5", "km", "Stratford-upon-Avon"]
    assert tokenize("") == [] and tokenize(" , ") == []
    sentences = split_sentences(text)
    assert [text[s.start : s.end] for s in sentences] == [
        "Kam'yanske, 1,200.5 km.",
        "Stratford-upon-Avon?!",
        "“Mr. Smith,” he said.",
        "Next line",
    ]
    assert [sentence_index(sentences, o) for o in (0, text.index("Mr"), len(text))] == [0, 2, 3]


def test_a_compass_word_before_a_place_is_no_first_name(recognise) -> None:  # noqa: ANN001
    # "East" and "Northeast" name regions somewhere, and a little-known place before a
    # capitalised word reads as a first name ("Mark Milley"): never for a compass word.
    assert "Oxford" in recognise("A road sign in East Oxford was damaged last year.")
    assert "Oxford" in recognise("West Oxford residents met on Monday.")
    assert "Georgia" in recognise("Most Northeast Georgia school systems kept their teachers.")
    assert "Arkansas" in recognise("Storms hit Southwest Arkansas on Monday.")


def test_a_place_some_common_words_before_an_institution_names_it(recognise) -> None:  # noqa: ANN001
    # "Tennessee Arts Commission": not "Tennessee" as a first name and "Arts" a surname.
    found = recognise("He is director of folklife for the Tennessee Arts Commission.")
    assert found.get("Tennessee", ("",))[0] == "modifier"
    found = recognise("She attended law school at Texas Southern University in Houston.")
    assert found.get("Texas", ("",))[0] == "modifier"
    # local government's offices too
    found = recognise("Laurel County Clerk Dean Johnson was inducted on Friday.")
    assert found.get("Laurel County", ("",))[0] == "modifier"
    # a rare word on the way is a surname: the school is a person's
    assert "David" not in recognise("He studied at the David Geffen School of Medicine.")
    # and the country before a place in an airport's name is no first name either
    found = recognise(
        "Close to the Taiwan Taoyuan International Airport lies Lujhu, a township in "
        "northwestern Taoyuan."
    )
    assert found.get("Taoyuan", ("",))[0] == "literal"


def test_a_possessive_or_an_acronym_before_a_place_is_no_first_name(recognise) -> None:  # noqa: ANN001
    assert "Atlanta" in recognise("He is the special agent in charge of the FBI's Atlanta office.")
    assert "Atlanta" in recognise("An FBI Atlanta spokesman declined to comment.")
    assert "Boone" not in recognise("Officer Mark Boone declined to comment.")


def test_an_honorific_makes_the_name_after_it_a_persons(recognise) -> None:  # noqa: ANN001
    assert "Lincoln" not in recognise("The talk on the Civil War was given by Mrs. Lincoln.")
    assert "Austin" not in recognise("Dr. Austin said the clinic would open in May.")
    assert "Austin" in recognise("The clinic in Austin would open in May.")


def test_places_inside_hyphenated_words(recognise) -> None:  # noqa: ANN001
    found = recognise("The Russia-Ukraine war goes on, a Kyiv-based analyst said.")
    assert found["Russia"][0] == found["Ukraine"][0] == found["Kyiv"][0] == "literal"
    found = recognise("The talks on Egyptian-US relations opened on Monday.")
    assert (found["Egyptian"][0], found["US"][0]) == ("demonym", "literal")
    assert recognise("The US-led coalition struck again.")["US"][0] == "metonymy"
    # a small town's name in a person's or a firm's name is not looked for
    assert recognise("Jean-Pierre met Mercedes-Benz managers in the morning.") == {}
    # a hyphenated place's own name is read whole
    assert "Winston-Salem" in recognise("Flooding closed roads in Winston-Salem on Monday.")


def test_a_currency_is_no_place_and_a_common_word_before_its_state_is(recognise) -> None:  # noqa: ANN001
    found = recognise("Libya paid a US$460 million settlement; Hong Kong added HK$2 million.")
    assert "US" not in found and "Hong Kong" in found
    # "Buffalo" and "Reading" are common words, but not before ", New York"
    assert "Buffalo" in recognise("The girl from Buffalo, New York, recovered.")
    assert "Reading" in recognise("Schools in Reading, Pennsylvania, closed on Monday.")
    assert "Reading" not in recognise("Reading is a pleasure, the author said.")
    # a demonym that is also a river's name reads as the demonym inside a compound
    assert recognise("The Canadian-American actress arrived.")["Canadian"][0] == "demonym"


def test_a_persons_name_is_still_the_town_the_article_puts_after_in(recognise) -> None:  # noqa: ANN001
    # "Tyler Madison" makes every later "Madison" of the article the coach; but where the
    # article writes "in Madison" it means the town, and keeps it.
    found = recognise(
        "Coach Tyler Madison said the team would play two games in Madison next week."
    )
    assert found.get("Madison", ("",))[0] == "literal"
    found = recognise(
        "Coach Tyler Madison praised the team. Madison said the players had worked hard."
    )
    assert "Madison" not in found


def test_a_town_before_a_speech_verb_is_a_place_after_in_or_mayor_of(recognise) -> None:  # noqa: ANN001
    # "Dalton said" is a person, and so is every later "Dalton" of the article; but after
    # "in" or "from" a name is where the speakers are, and stays a place throughout.
    found = recognise(
        "Analysts in Goma said the talks could resume. Aid reached Goma on Monday. "
        "Officials from Juba told reporters the road was open."
    )
    assert found.get("Goma", ("",))[0] == "literal"
    assert "Juba" in found
    found = recognise("Then Dalton said the talks could resume. Aid reached Dalton on Monday.")
    assert "Dalton" not in found
    found = recognise("Officials in Dalton said the talks could resume.")
    assert "Dalton" in found
    # after "of", only an office or a place's people make it a place
    assert "Dalton" in recognise("The mayor of Dalton said the road was open.")
    assert "Dalton" in recognise("Residents of Dalton told reporters the road was open.")
    assert "Dalton" not in recognise("A friend of Dalton said the road was open.")
