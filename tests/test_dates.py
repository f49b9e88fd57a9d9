"""Date expressions resolved against a publication date (made-up sentences)."""

from __future__ import annotations

import datetime as dt

import pytest

from geomap.dates import (
    DateMention,
    find_dates,
    last_day,
    link_word,
    resolve,
    retrospective_cues,
    sentence_link,
    span,
)

THURSDAY = dt.date(2023, 3, 16)  # a publication date known to the day
WEEK_OF = dt.date(2023, 3, 20)  # Monday of a publication week, exact day unknown


def only(text: str) -> DateMention:
    found = find_dates(text, 0, len(text))
    assert len(found) == 1, found
    return found[0]


def on_day(text: str) -> tuple[dt.date | None, str | None]:
    r = resolve(only(text), THURSDAY, "day")
    return r.date, r.precision


@pytest.mark.parametrize(
    ("text", "date", "precision"),
    [
        ("The mayor spoke on Tuesday about repairs.", dt.date(2023, 3, 14), "day"),
        ("Earlier on Thursday the convoy left.", THURSDAY, "day"),
        ("Two villages were shelled on Wednesday.", dt.date(2023, 3, 15), "day"),
        ("Saturday, the governor toured the port.", dt.date(2023, 3, 11), "day"),
        ("The council met last Thursday.", dt.date(2023, 3, 9), "day"),
        ("Officials arrived last Saturday.", dt.date(2023, 3, 11), "day"),
        ("Crowds gathered yesterday.", dt.date(2023, 3, 15), "day"),
        ("Talks resume today.", THURSDAY, "day"),
        ("The strike began this morning.", THURSDAY, "day"),
        ("Fighting resumed last weekend.", dt.date(2023, 3, 11), "week"),
        ("Troops moved late last week.", dt.date(2023, 3, 9), "week"),
        ("Power returned this week.", dt.date(2023, 3, 13), "week"),
        ("The dam was hit last week.", dt.date(2023, 3, 6), "week"),
        ("The town fell five weeks ago.", dt.date(2023, 2, 6), "week"),
        ("It happened just six weeks before, officials said.", dt.date(2023, 1, 30), "week"),
        ("The port was mined two months before the deal.", dt.date(2023, 1, 1), "month"),
        ("Prices rose earlier this month.", dt.date(2023, 3, 1), "month"),
        ("Shortages began last month.", dt.date(2023, 2, 1), "month"),
        ("The border closed last year.", dt.date(2022, 1, 1), "year"),
        ("The siege started on November 2.", dt.date(2022, 11, 2), "day"),
        ("The siege started on 2 November.", dt.date(2022, 11, 2), "day"),
        ("The siege started on March 3.", dt.date(2023, 3, 3), "day"),
        ("The siege started on November 2, 2021.", dt.date(2021, 11, 2), "day"),
        ("The siege started on 2 November 2021.", dt.date(2021, 11, 2), "day"),
        ("The city was encircled in January.", dt.date(2023, 1, 1), "month"),
        ("Nobody has left since December.", dt.date(2022, 12, 1), "month"),
        ("The dam burst in May 2021.", dt.date(2021, 5, 1), "month"),
        ("The region was annexed in 2014.", dt.date(2014, 1, 1), "year"),
    ],
)
def test_forms_resolve_against_a_known_day(text: str, date: dt.date, precision: str) -> None:
    assert on_day(text) == (date, precision)


def test_offsets_cover_the_expression_and_keep_leading_words() -> None:
    text = "The governor said earlier on Thursday that roads were closed."
    found = only(text)
    assert text[found.start : found.end] == "earlier on Thursday" == found.text


def test_find_dates_limits_itself_to_the_span() -> None:
    text = "On Monday nothing. On Tuesday rain."
    found = find_dates(text, 19, len(text))
    assert [d.text for d in found] == ["On Tuesday"]


def test_bare_weekday_includes_the_publication_day_but_last_does_not() -> None:
    assert on_day("They voted on Thursday.")[0] == THURSDAY
    assert on_day("They voted last Thursday.")[0] == dt.date(2023, 3, 9)


def test_month_words_that_are_not_dates_are_ignored() -> None:
    for text in (
        "Officials may march to the hall.",
        "Over 2000 people came.",
        "A six-month truce.",
        "Jane Roe, 19, of 1935 Orchard St., was arrested.",  # a house number
        "Crews cleared debris from 2012 Old Mill Road.",
    ):
        assert find_dates(text, 0, len(text)) == []


def test_a_year_before_a_capitalised_word_that_is_no_street_is_still_a_year() -> None:
    text = "In 2014 Russia annexed Crimea."
    found = [text[d.start : d.end] for d in find_dates(text, 0, len(text))]
    assert found == ["In 2014"]


@pytest.mark.parametrize(
    "text", ["The road reopened weeks after the flood.", "It fell a few weeks ago."]
)
def test_vague_or_event_anchored_offsets_stay_unresolved(text: str) -> None:
    r = resolve(only(text), THURSDAY, "day")
    assert r.date is None and r.precision is None and r.note


def test_number_words() -> None:
    assert only("They left two weeks ago.").amount == 2
    assert only("They left a week ago.").amount == 1
    assert only("They left several weeks ago.").amount is None


class TestWeekPrecisionPublication:
    """Published some day in the ISO week starting Monday 20 March 2023."""

    def resolve(self, text: str) -> tuple[dt.date | None, str | None]:
        r = resolve(only(text), WEEK_OF, "week")
        return r.date, r.precision

    def test_monday_is_known_to_the_day(self) -> None:
        assert self.resolve("Sirens sounded on Monday.") == (WEEK_OF, "day")

    def test_last_sunday_is_known_to_the_day(self) -> None:
        assert self.resolve("Sirens sounded last Sunday.") == (dt.date(2023, 3, 19), "day")

    def test_ambiguous_weekday_is_the_likelier_day_at_week_precision(self) -> None:
        # Sunday is 19 March unless the article came out on Sunday 26 March (1 day in 7).
        date, precision = self.resolve("Sunday, the bridge reopened.")
        assert (date, precision) == (dt.date(2023, 3, 19), "week")
        # Tuesday of the same week for six of the seven possible publication days.
        assert self.resolve("On Tuesday, the bridge reopened.") == (dt.date(2023, 3, 21), "week")

    def test_last_weekend_and_late_last_week(self) -> None:
        assert self.resolve("Protests grew last weekend.") == (dt.date(2023, 3, 18), "week")
        assert self.resolve("Protests grew late last week.") == (dt.date(2023, 3, 16), "week")

    def test_yesterday_is_only_known_to_the_week(self) -> None:
        assert self.resolve("Protests grew yesterday.") == (WEEK_OF, "week")

    def test_explicit_dates_keep_their_precision(self) -> None:
        assert self.resolve("Protests began on 2 February.") == (dt.date(2023, 2, 2), "day")

    def test_note_names_the_ambiguity(self) -> None:
        r = resolve(only("Sunday, the bridge reopened."), WEEK_OF, "week")
        assert r.note and "2023-03-19" in r.note and "2023-03-26" in r.note


class TestNoPublicationDate:
    @pytest.mark.parametrize(
        "text",
        ["They left on Friday.", "They left last week.", "They left yesterday.", "In March."],
    )
    def test_relative_expressions_are_unresolved(self, text: str) -> None:
        r = resolve(only(text), None, None)
        assert (r.date, r.precision, r.note) == (None, None, "no publication date")

    def test_absolute_dates_with_a_year_still_resolve(self) -> None:
        assert resolve(only("on 4 July 2019"), None, None).date == dt.date(2019, 7, 4)
        assert resolve(only("in 2014"), None, None).precision == "year"


def test_span_of_each_precision() -> None:
    day = dt.date(2023, 3, 16)
    assert span(day, "day") == (day, day)
    assert span(day, "week") == (dt.date(2023, 3, 13), dt.date(2023, 3, 19))
    assert span(day, "month") == (dt.date(2023, 3, 1), dt.date(2023, 3, 31))
    assert span(day, "year") == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))


# --------------------------------------------------------------------------- seasons


@pytest.mark.parametrize(
    ("text", "date", "precision"),
    [
        # The latest spring begun by publication (16 March 2023): this one.
        ("Russia withdrew in the spring.", dt.date(2023, 3, 1), "year"),
        ("They left last summer.", dt.date(2022, 6, 1), "year"),
        ("Crowds returned during the autumn.", dt.date(2022, 9, 1), "year"),
        ("The town fell in late autumn.", dt.date(2022, 11, 1), "month"),
        ("The siege began in early winter.", dt.date(2022, 12, 1), "month"),
        ("The talks resume next summer.", dt.date(2023, 6, 1), "year"),
        ("The offensive stalled in spring 2021.", dt.date(2021, 3, 1), "year"),
        ("The port closed in the fall of 2021.", dt.date(2021, 9, 1), "year"),
    ],
)
def test_seasons(text: str, date: dt.date, precision: str) -> None:
    assert on_day(text) == (date, precision)


@pytest.mark.parametrize(
    "text",
    [
        "The spring offensive stalled.",
        "Crowds cheered after the fall of Lyman.",
        "Prices fall every week.",
        "Tourists visited the Summer Palace.",
    ],
)
def test_season_words_that_are_not_dates(text: str) -> None:
    assert [d for d in find_dates(text, 0, len(text)) if d.kind == "season"] == []


def test_a_winter_spans_two_years_and_stays_unresolved() -> None:
    r = resolve(only("The lines froze last winter."), THURSDAY, "day")
    assert (r.date, r.precision) == (None, None) and r.note and "two years" in r.note


def test_a_season_ends_before_its_precision_span() -> None:
    expr = only("They left in the summer of 2021.")
    r = resolve(expr, THURSDAY, "day")
    assert span(r.date, r.precision) == (dt.date(2021, 1, 1), dt.date(2021, 12, 31))  # type: ignore[arg-type]
    assert last_day(expr, r) == dt.date(2021, 8, 31)


def test_seasons_without_a_publication_date() -> None:
    assert resolve(only("in spring 2021"), None, None).date == dt.date(2021, 3, 1)
    assert resolve(only("last summer"), None, None).note == "no publication date"


def test_season_in_a_week_precision_publication() -> None:
    r = resolve(only("They left last summer."), WEEK_OF, "week")
    assert (r.date, r.precision) == (dt.date(2022, 6, 1), "year")


# --------------------------------------------------------------------------- temporal relations


def kinds(text: str) -> list[tuple[str, str]]:
    dates = find_dates(text, 0, len(text))
    return [(c.text, c.kind) for c in retrospective_cues(text, 0, len(text), dates)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("The army previously held the port.", [("previously", "phrase")]),
        ("Rebels had seized the airport.", [("had seized", "past_perfect")]),
        ("Rebels had already taken the airport.", [("had already taken", "past_perfect")]),
        ("It fell after a months-long siege.", [("months-long", "background")]),
        ("Troops seized it earlier this year.", [("earlier this year", "date")]),
        (
            "The first town taken since the war began.",
            [("since the war began", "phrase")],
        ),
        (
            "In the early days of the invasion, they fled.",
            [
                ("In the early days of the invasion", "phrase"),
            ],
        ),  # fmt: skip
    ],
)
def test_retrospective_cues(text: str, found: list[tuple[str, str]]) -> None:
    assert kinds(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "Earlier on Friday the convoy left.",  # a day, not "before the news"
        "The army had seven battalions there.",  # "had" as a main verb
        "Troops left earlier this week.",  # this week is the news
        "The siege lasted weeks.",
    ],
)
def test_no_retrospective_cue(text: str) -> None:
    assert kinds(text) == []


def test_link_words_and_sentence_links() -> None:
    assert link_word(", as the troops left", 0, 19) == "as"
    assert link_word(" while crowds sang", 0, 18) == "while"
    assert link_word(" which was old", 0, 14) is None
    assert sentence_link("After that, they left.", 0, 22)
    assert sentence_link("Meanwhile the port closed.", 0, 26)
    assert not sentence_link("Thence they left.", 0, 17)
    assert not sentence_link("The afterwards of it.", 0, 21)
