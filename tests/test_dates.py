"""Date expressions resolved against a publication date (made-up sentences)."""

from __future__ import annotations

import datetime as dt

import pytest

from geomap.dates import DateMention, find_dates, resolve, span

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
    ):
        assert find_dates(text, 0, len(text)) == []


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
