"""Temporal expressions in news text, normalised against the publication date.

``find_dates`` finds date expressions with character offsets; ``resolve`` turns one into a
calendar date and a precision (``day``, ``week``, ``month``, ``year``), ACLED style.

Conventions (the README repeats them):

* **A date with precision "week", "month" or "year" is the first day of the span the
  expression denotes**, and the span always lies inside the ISO week / calendar month /
  year that contains the date (matching ``Document.date_precision``):
  "last week" -> Monday of the previous ISO week; "late last week" -> Thursday of it
  (late = Thursday to Sunday, mid = Wednesday); "last weekend" -> Saturday of the previous
  ISO week (so on a Sunday "last weekend" is the weekend a week earlier); "five weeks ago"
  -> Monday of the ISO week that holds publication minus 35 days; "earlier this month" ->
  the 1st; "late last month" -> the 21st; "last year" -> 1 January.
* A bare weekday ("on Friday", "Sunday,") is the most recent such day on or before the
  publication date; "last <weekday>" is strictly before it; "next <weekday>" strictly after.
* A month/day without a year ("February 24", "in February") is the most recent such date
  not after the publication date.
* "N units ago/before/earlier" counts back from the publication date (for "before" the real
  anchor is often another event near it; the note says so).  "N units after/later" is
  anchored on another event, so it stays unresolved; so do vague amounts ("weeks after",
  "a few weeks ago").
* Publication date known only to a week/month/year: the expression is resolved for every
  day the article could have been published on.  If all give the same date, it keeps its
  own precision (a bare "Monday" in a week-precision article is that week's Monday, to the
  day).  Otherwise the precision becomes the coarser of the expression's and the
  publication's, and the date is the likeliest candidate (the one most publication days
  give) inside the best-supported week/month/year, earliest on a tie: "Sunday" in the week
  of Monday 14 November is Sunday 13 November (6 of 7 possible days) at precision "week";
  the note names the alternatives.
* Seasons are the northern meteorological ones (spring = March to May, summer = June to
  August, autumn/fall = September to November).  "in the spring", "this summer", "last
  autumn", "spring 2022" get precision "year" dated to the season's first day (a season
  is longer than a month, so "month" would claim too much); "early/mid/late <season>" is
  that season's first/second/third month at precision "month".  A winter (December to
  February) lies in two years, so only "early/mid/late winter" resolve; a bare winter stays
  ``None`` with a note.  "the fall of <place>" is not a season.
* Without a publication date, relative expressions resolve to ``None`` with the note
  "no publication date"; absolute dates with a year still resolve.

Beside dates, the events stage asks this module about *temporal relations* that carry no
date of their own (``retrospective_cues``, ``link_word``, ``CURRENT_MARKERS``): words that
put an event before the article's main events ("previously", "had captured", "at the start
of the war"), words that tie an event to another one ("as", "while", "after that") and
words that mark one item of a list as the present one ("and now Kherson").
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from geomap.models import DatePrecision
from geomap.text import STREET_TYPE

Unit = Literal["day", "week", "month", "year"]
Part = Literal["early", "mid", "late"]
DateKind = Literal[
    "day_rel",  # today, yesterday, tomorrow, this morning
    "weekday",
    "weekend",
    "week",
    "month_rel",
    "year_rel",
    "offset",  # five weeks ago, two months before, weeks after
    "explicit",  # February 24, 24 February 2022, in February, in March 2022, in 2014
    "season",  # in the spring, last summer, early autumn, spring 2022
]

_PRECISION_RANK: dict[str, int] = {"day": 0, "week": 1, "month": 2, "year": 3}
_RELATIVE_KINDS = {"day_rel", "weekday", "weekend", "week", "month_rel", "year_rel", "offset"}


@dataclass(frozen=True)
class DateMention:
    """A date expression found in text, parsed but not yet resolved."""

    start: int
    end: int
    text: str
    kind: DateKind
    weekday: int | None = None  # 0 = Monday
    day: int | None = None
    month: int | None = None
    year: int | None = None
    #: For ``offset``: how many units; ``None`` when vague ("weeks after", "a few weeks").
    amount: int | None = None
    unit: Unit | None = None
    #: -1 last/previous, 0 this/bare, +1 next; for ``day_rel`` the day offset.
    shift: int = 0
    part: Part | None = None
    #: For ``offset``: "before" (ago/before/earlier) or "after" (after/later).
    direction: Literal["before", "after"] | None = None
    #: A leading preposition kept in the span ("since February", "on Friday").
    prep: str | None = None


@dataclass(frozen=True)
class ResolvedDate:
    date: dt.date | None
    precision: DatePrecision | None
    text: str
    note: str | None = None


# --------------------------------------------------------------------------- lexicon

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "a couple": 2, "couple of": 2,
}  # fmt: skip
_VAGUE_NUMBERS = ("a few", "few", "several", "many", "some")
_PARTS = {"early": "early", "earlier": "early", "mid": "mid", "late": "late", "later": "late"}
#: First month of each (northern, meteorological) season.
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}

_WD = r"(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MON = (
    r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November"
    r"|December)"
)
_MON_ANY = (
    r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_DAYNUM = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_NUM = (
    r"(?P<num>\d+|a\s+couple\s+of|a\s+few|couple\s+of|few|several|many|some|an?|one|two|three"
    r"|four|five|six|seven|eight|nine|ten|eleven|twelve)"
)
_UNIT = r"(?P<unit>days?|weeks?|fortnights?|months?|years?)"
_PREP = (
    r"(?:(?P<prep>(?i:on|in|since|by|until|till|from|during|of|before|after|through|throughout))"
    r"\s+)"
)
_PART = r"(?:(?P<part>(?i:early|earlier|mid|late|later))(?:\s+|-)(?i:on\s+|in\s+)?)"


def _month_number(name: str) -> int:
    key = name.lower().rstrip(".")
    if key in MONTHS:
        return MONTHS.index(key) + 1
    return _MONTH_ABBR[key[:4] if key == "sept" else key[:3]]


def _amount(words: str | None) -> int | None:
    if words is None:
        return None
    key = re.sub(r"\s+", " ", words.lower())
    if key.isdigit():
        return int(key)
    return _NUMBER_WORDS.get(key)


def _shift_word(word: str | None) -> int:
    if word is None:
        return 0
    word = word.lower()
    if word in ("last", "past", "previous", "the previous", "the past", "this past"):
        return -1
    if word in ("next", "coming", "the next", "the coming"):
        return 1
    return 0


def _part(word: str | None) -> Part | None:
    return _PARTS.get(word.lower()) if word else None  # type: ignore[return-value]


# --------------------------------------------------------------------------- patterns

Builder = Callable[[re.Match[str]], dict[str, object] | None]


def _explicit(m: re.Match[str]) -> dict[str, object] | None:
    g = m.groupdict()
    day = int(g["day"]) if g.get("day") else None
    if day is not None and not 1 <= day <= 31:
        return None
    return {
        "kind": "explicit",
        "day": day,
        "month": _month_number(g["mon"]) if g.get("mon") else None,
        "year": int(g["year"]) if g.get("year") else None,
        "part": _part(g.get("part")),
        "prep": (g.get("prep") or "").lower() or None,
    }


def _iso(m: re.Match[str]) -> dict[str, object] | None:
    y, mo, d = (int(x) for x in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return {"kind": "explicit", "day": d, "month": mo, "year": y}


def _weekday(m: re.Match[str]) -> dict[str, object]:
    g = m.groupdict()
    shift_word = (g.get("shift") or "").lower()
    shift = {"last": -1, "past": -1, "this past": -1, "next": 1, "this": 2, "coming": 1}
    return {
        "kind": "weekday",
        "weekday": WEEKDAYS.index(g["wd"].lower()),
        # 2 means "this <weekday>": the one in the publication's ISO week.
        "shift": shift.get(shift_word, 0),
        "prep": "on" if g.get("on") else None,
    }


def _day_rel(m: re.Match[str]) -> dict[str, object]:
    word = m.group(0).lower()
    if "yesterday" in word or "last night" in word:
        shift = -1
    elif "tomorrow" in word:
        shift = 1
    else:
        shift = 0
    return {"kind": "day_rel", "shift": shift}


def _weekend(m: re.Match[str]) -> dict[str, object]:
    word = m.group("shift")
    shift = _shift_word(word) if word else None
    return {"kind": "weekend", "shift": 99 if shift is None else shift}


def _unit_rel(kind: DateKind) -> Builder:
    def build(m: re.Match[str]) -> dict[str, object]:
        g = m.groupdict()
        return {"kind": kind, "shift": _shift_word(g.get("shift")), "part": _part(g.get("part"))}

    return build


def _offset(m: re.Match[str]) -> dict[str, object] | None:
    g = m.groupdict()
    unit_word = g["unit"].lower().rstrip("s")
    num = g.get("num")
    amount = _amount(num)
    if num is None and not g["unit"].lower().endswith("s"):
        amount = 1  # "the day before", "a week earlier" without article is still one unit
    if unit_word == "fortnight":
        unit_word, amount = "week", (amount * 2 if amount else None)
    if num is not None and num.lower() in _VAGUE_NUMBERS:
        amount = None
    word = g["dir"].lower()
    direction = "after" if word in ("after", "later") else "before"
    return {"kind": "offset", "amount": amount, "unit": unit_word, "direction": direction}


#: Nouns that make a season word part of a name, not a date ("the spring offensive").
_SEASON_COMPOUNDS = (
    r"offensive|counteroffensive|counter-offensive|campaign|session|term|camp|school|break"
    r"|holidays?|festival|olympics|games|fashion|collection|sales?|semester|crops?|harvest"
    r"|planting|sowing|solstice|equinox"
)


def _season(m: re.Match[str]) -> dict[str, object] | None:
    g = m.groupdict()
    word = g["season"].lower()
    shift_word = (g.get("shift") or "").lower()
    year = int(g["year"]) if g.get("year") else None
    prep, the, part = g.get("prep"), g.get("the"), g.get("part")
    # A bare season word is a date only with a preposition, a shift word, a year or a part
    # ("spring offensive" is not); "fall" is also a verb and needs even more.
    if not (prep or shift_word or year or part):
        return None
    if word == "fall" and not (the or shift_word or year or (prep and part)):
        return None
    shift = {"last": -1, "past": -1, "next": 1, "coming": 1, "this": 2}.get(shift_word, 0)
    return {
        "kind": "season",
        "month": SEASONS[word],
        "year": year,
        # 2 means "this <season>", as for weekdays.
        "shift": shift,
        "part": _part(part),
        "prep": (prep or "").lower() or None,
    }


def _year_only(m: re.Match[str]) -> dict[str, object]:
    return {"kind": "explicit", "year": int(m.group("year")), "prep": m.group("prep").lower()}


#: What the match of each pattern below needs somewhere in the span: one quick search of
#: these rules a costly pattern out for the many sentences without a date.
_NEEDS_DIGIT = re.compile(r"\d")
#: Every month name and abbreviation starts with one of these (matched case-sensitively).
_NEEDS_MONTH = re.compile(r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec")
#: The season pattern's word is always a whole word: this rules out "falls", "Springfield".
_NEEDS_SEASON = re.compile(r"\b(?i:spring|summer|autumn|fall|winter)\b")
#: Every weekday name ends in "day".
_NEEDS_WEEKDAY = re.compile(r"day")
_NEEDS_WEEK = re.compile(r"(?i:week)")
_NEEDS_MONTH_WORD = re.compile(r"(?i:month)")
_NEEDS_YEAR_WORD = re.compile(r"(?i:year)")
#: An offset's unit and direction, as they must stand in it ("weeks before", "days ago"):
#: most sentences name a unit ("day" alone is in "today", "Monday"), few an offset.
_NEEDS_OFFSET = re.compile(
    r"(?i:(?:day|week|fortnight|month|year)s?\s+(?:ago|before|earlier|after|later))"
)

#: (pattern, builder, what its match needs: ``None`` where no search is cheaper than it).
_PATTERNS: tuple[tuple[re.Pattern[str], Builder, re.Pattern[str] | None], ...] = (
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), _iso, _NEEDS_DIGIT),
    (
        re.compile(rf"\b{_PREP}?{_MON_ANY}\s+{_DAYNUM}(?:,?\s+{_YEAR})?\b(?!:)"),
        _explicit,
        _NEEDS_MONTH,
    ),
    (
        re.compile(rf"\b{_PREP}?(?:the\s+)?{_DAYNUM}\s+(?:of\s+)?{_MON_ANY}(?:,?\s+{_YEAR})?\b"),
        _explicit,
        _NEEDS_MONTH,
    ),
    (re.compile(rf"\b{_PREP}?{_PART}?{_MON}(?:,?\s+{_YEAR})\b"), _explicit, _NEEDS_MONTH),
    (re.compile(rf"\b{_PREP}{_PART}?{_MON}\b"), _explicit, _NEEDS_MONTH),
    (re.compile(rf"\b{_PART}{_MON}\b"), _explicit, _NEEDS_MONTH),
    (
        re.compile(
            rf"\b(?P<prep>(?i:in|since|by|until|from|during|before|after|of))\s+{_YEAR}\b(?![-,.]?\d)"
            # "of 1935 Orchard St." is a house number
            rf"(?!\s+(?:[A-Z][\w'’-]*\s+){{0,3}}{STREET_TYPE})"
        ),
        _year_only,
        _NEEDS_DIGIT,
    ),
    (
        re.compile(
            r"\b(?:(?P<prep>(?i:in|during|over|by|since|until|through|throughout|from))\s+)?"
            r"(?:(?P<the>(?i:the))\s+)?"
            r"(?:(?P<part>(?i:early|mid|late))(?:\s+|-))?"
            r"(?:(?P<shift>(?i:last|this|next|past|coming))\s+)?"
            r"(?P<season>(?i:spring|summer|autumn|fall|winter))"
            r"(?:(?:,?\s+(?i:of\s+)?)(?P<year>(?:19|20)\d\d))?\b"
            # "the fall of Kherson", "the spring of discontent": not a season of a year
            r"(?!\s+of\s+(?!(?:19|20)\d\d))"
            rf"(?!\s+(?i:{_SEASON_COMPOUNDS})\b)"
        ),
        _season,
        _NEEDS_SEASON,
    ),
    (
        re.compile(
            r"\b(?:(?i:earlier|later|late|early)\s+(?P<on>(?i:on)\s+)?"
            r"|(?P<shift>(?i:last|this\s+past|past|next|this|coming))\s+|(?P<on2>(?i:on))\s+)?"
            + _WD
            + r"(?:\s+(?:morning|afternoon|evening|night))?\b"
        ),
        lambda m: _weekday(m) | ({"prep": "on"} if m.group("on2") else {}),
        _NEEDS_WEEKDAY,
    ),
    (
        re.compile(
            r"\b(?i:(?:earlier|later)\s+today|today|tonight|yesterday|tomorrow|last\s+night"
            r"|this\s+(?:morning|afternoon|evening))\b"
        ),
        _day_rel,
        None,
    ),
    (
        re.compile(
            r"\b(?i:(?:(?:over|at|during)\s+)?(?:(?P<shift>last|this\s+past|past|next|this|coming)\s+|the\s+)weekend)\b"
        ),
        _weekend,
        _NEEDS_WEEK,
    ),
    (
        re.compile(
            r"\b(?i:(?:(?P<part>early|earlier|mid|late|later)[\s-]+)?(?:(?:in|during|over)\s+)?"
            r"(?P<shift>last|this|next|the\s+previous|the\s+past|the\s+coming)\s+week)\b"
        ),
        _unit_rel("week"),
        _NEEDS_WEEK,
    ),
    (
        re.compile(
            r"\b(?i:(?:(?P<part>early|earlier|mid|late|later)[\s-]+)?(?:(?:in|during)\s+)?"
            r"(?P<shift>last|this|next|the\s+previous|the\s+past|the\s+coming)\s+month)\b"
        ),
        _unit_rel("month_rel"),
        _NEEDS_MONTH_WORD,
    ),
    (
        re.compile(
            r"\b(?i:(?:(?P<part>early|earlier|mid|late|later)[\s-]+)?(?:(?:in|during)\s+)?"
            r"(?P<shift>last|this|next|the\s+previous|the\s+past)\s+year)\b"
        ),
        _unit_rel("year_rel"),
        _NEEDS_YEAR_WORD,
    ),
    (
        re.compile(
            r"\b(?i:(?:(?:just|only|about|some|nearly|almost|around|roughly|barely|more\s+than|less\s+than|over)\s+)?"
            rf"(?:{_NUM}[\s-]+)?{_UNIT}\s+(?P<dir>ago|before|earlier|after|later))\b"
        ),
        _offset,
        _NEEDS_OFFSET,
    ),
)


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[DateMention]:
    """Date expressions in ``text[start:end]``, with offsets into ``text``, in text order."""
    end = len(text) if end is None else end
    found: list[DateMention] = []
    present: dict[re.Pattern[str], bool] = {}
    for pattern, build, needs in _PATTERNS:
        if needs is not None:
            if needs not in present:
                present[needs] = needs.search(text, start, end) is not None
            if not present[needs]:
                continue
        for m in pattern.finditer(text, start, end):
            fields = build(m)
            if fields is not None:
                found.append(DateMention(m.start(), m.end(), m.group(0), **fields))  # type: ignore[arg-type]
    return _drop_overlaps(found)


def _drop_overlaps(found: list[DateMention]) -> list[DateMention]:
    """Keep the longest of overlapping matches (earliest first on a tie)."""
    kept: list[DateMention] = []
    for cand in sorted(found, key=lambda d: (-(d.end - d.start), d.start)):
        if all(cand.end <= k.start or cand.start >= k.end for k in kept):
            kept.append(cand)
    return sorted(kept, key=lambda d: d.start)


# --------------------------------------------------------------------------- resolution


def monday(day: dt.date) -> dt.date:
    """The Monday of the ISO week containing ``day``."""
    return day - dt.timedelta(days=day.weekday())


def span(date: dt.date, precision: DatePrecision | None) -> tuple[dt.date, dt.date]:
    """The first and last day a (date, precision) pair can mean."""
    if precision == "week":
        first = monday(date)
        return first, first + dt.timedelta(days=6)
    if precision == "month":
        last = calendar.monthrange(date.year, date.month)[1]
        return date.replace(day=1), date.replace(day=last)
    if precision == "year":
        return dt.date(date.year, 1, 1), dt.date(date.year, 12, 31)
    return date, date


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, 1)


def _part_day(part: Part | None, unit: Unit) -> int:
    """Days from the start of a week/month to the start of its early/mid/late part."""
    offsets = {"week": {"mid": 2, "late": 3}, "month": {"mid": 10, "late": 20}}
    return offsets.get(unit, {}).get(part or "early", 0)


_Result = tuple[dt.date | None, DatePrecision | None, str | None]


def _weekday_date(expr: DateMention, pub: dt.date) -> dt.date:
    assert expr.weekday is not None
    back = (pub.weekday() - expr.weekday) % 7
    if expr.shift == -1:
        return pub - dt.timedelta(days=back or 7)
    if expr.shift == 1:
        return pub + dt.timedelta(days=(expr.weekday - pub.weekday()) % 7 or 7)
    if expr.shift == 2:
        return monday(pub) + dt.timedelta(days=expr.weekday)
    return pub - dt.timedelta(days=back)


def _weekend_date(expr: DateMention, pub: dt.date) -> dt.date:
    saturday = monday(pub) + dt.timedelta(days=5)
    if expr.shift == 99:  # "the weekend", "over the weekend": the latest one begun by pub
        return saturday if saturday <= pub else saturday - dt.timedelta(days=7)
    return saturday + dt.timedelta(days=7 * expr.shift)


def _offset_date(expr: DateMention, pub: dt.date) -> _Result:
    if expr.direction == "after":
        return None, None, "anchored on another event"
    if expr.amount is None:
        return None, None, "vague amount"
    n = expr.amount
    note = "counted back from the publication date"
    if expr.unit == "day":
        return pub - dt.timedelta(days=n), "day", note
    if expr.unit == "week":
        return monday(pub - dt.timedelta(weeks=n)), "week", note
    if expr.unit == "month":
        return _add_months(pub, -n), "month", note
    return dt.date(pub.year - n, 1, 1), "year", note


def _explicit_date(expr: DateMention, pub: dt.date | None) -> _Result:
    year = expr.year
    if year is None:
        if pub is None:
            return None, None, "no year and no publication date"
        year = pub.year
        if (expr.month or 1, expr.day or 1) > (pub.month, pub.day if expr.day else 1):
            year -= 1
    if expr.month is None:
        return dt.date(year, 1, 1), "year", None
    if expr.day is None:
        first = _part_day(expr.part, "month") + 1
        return dt.date(year, expr.month, first), "month", None
    try:
        return dt.date(year, expr.month, expr.day), "day", None
    except ValueError:
        return None, None, "no such day"


def _season_start(month: int, containing: dt.date) -> dt.date | None:
    """First day of the season starting in ``month`` that contains ``containing``."""
    for year in (containing.year, containing.year - 1):
        first = dt.date(year, month, 1)
        if first <= containing < _add_months(first, 3):
            return first
    return None


def _season_date(expr: DateMention, pub: dt.date | None) -> _Result:
    assert expr.month is not None
    month = expr.month
    if expr.year is not None:
        if month == 12:
            return None, None, "a winter with a year is ambiguous (which December?)"
        first = dt.date(expr.year, month, 1)
    elif pub is None:
        return None, None, "no year and no publication date"
    else:
        starts = [dt.date(y, month, 1) for y in range(pub.year - 2, pub.year + 2)]
        if expr.shift == -1:  # the latest season over before publication
            first = max(s for s in starts if _add_months(s, 3) <= pub)
        elif expr.shift == 1:
            first = min(s for s in starts if s > pub)
        elif expr.shift == 2:  # the one under way, else the one starting this year
            first = _season_start(month, pub) or dt.date(pub.year, month, 1)
        else:  # the latest begun by publication
            first = max(s for s in starts if s <= pub)
    if expr.part is not None:
        step = {"early": 0, "mid": 1, "late": 2}[expr.part]
        return _add_months(first, step), "month", None
    if month == 12:
        return None, None, "a winter spans two years"
    return first, "year", "a season: precision year, dated to its first day"


def _resolve_on(expr: DateMention, pub: dt.date) -> _Result:
    """Resolve against a publication date known to the day."""
    if expr.kind == "day_rel":
        return pub + dt.timedelta(days=expr.shift), "day", None
    if expr.kind == "weekday":
        return _weekday_date(expr, pub), "day", None
    if expr.kind == "weekend":
        return _weekend_date(expr, pub), "week", None
    if expr.kind == "week":
        first = monday(pub) + dt.timedelta(weeks=expr.shift)
        return first + dt.timedelta(days=_part_day(expr.part, "week")), "week", None
    if expr.kind == "month_rel":
        first = _add_months(pub, expr.shift)
        return first.replace(day=_part_day(expr.part, "month") + 1), "month", None
    if expr.kind == "year_rel":
        return dt.date(pub.year + expr.shift, 1, 1), "year", None
    if expr.kind == "offset":
        return _offset_date(expr, pub)
    if expr.kind == "season":
        return _season_date(expr, pub)
    return _explicit_date(expr, pub)


def _possible_pub_days(pub: dt.date, precision: DatePrecision | None) -> list[dt.date]:
    first, last = span(pub, precision if precision != "day" else None)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _bucket(day: dt.date, precision: str) -> tuple[int, ...]:
    if precision == "week":
        return tuple(monday(day).isocalendar()[:2])
    if precision == "month":
        return (day.year, day.month)
    if precision == "year":
        return (day.year,)
    return (day.toordinal(),)


def _likeliest(dates: list[dt.date], precision: str) -> dt.date:
    buckets = Counter(_bucket(d, precision) for d in dates)
    best = max(buckets.values())
    bucket = min(b for b, n in buckets.items() if n == best)
    inside = Counter(d for d in dates if _bucket(d, precision) == bucket)
    top = max(inside.values())
    return min(d for d, n in inside.items() if n == top)


def _coarser(a: str | None, b: str | None) -> DatePrecision:
    ranks = [_PRECISION_RANK[p] for p in (a, b) if p is not None]
    order: tuple[DatePrecision, ...] = ("day", "week", "month", "year")
    return order[max(ranks)]


def resolve(
    expr: DateMention, pub_date: dt.date | None, pub_precision: DatePrecision | None
) -> ResolvedDate:
    """Normalise ``expr`` against the publication date (see the module docstring)."""
    try:
        return _resolve(expr, pub_date, pub_precision)
    except (OverflowError, ValueError):  # "last week" or "next year" at the calendar's ends
        return ResolvedDate(None, None, expr.text, "outside the calendar")


def _resolve(
    expr: DateMention, pub_date: dt.date | None, pub_precision: DatePrecision | None
) -> ResolvedDate:
    if pub_date is None:
        if expr.kind in _RELATIVE_KINDS or expr.year is None:
            return ResolvedDate(None, None, expr.text, "no publication date")
        absolute = _season_date if expr.kind == "season" else _explicit_date
        date, precision, note = absolute(expr, None)
        return ResolvedDate(date, precision, expr.text, note)
    if pub_precision is None or pub_precision == "day":
        date, precision, note = _resolve_on(expr, pub_date)
        return ResolvedDate(date, precision, expr.text, note)
    return _resolve_uncertain(expr, pub_date, pub_precision)


def _resolve_uncertain(
    expr: DateMention, pub_date: dt.date, pub_precision: DatePrecision
) -> ResolvedDate:
    results = [_resolve_on(expr, day) for day in _possible_pub_days(pub_date, pub_precision)]
    dates = [r[0] for r in results if r[0] is not None]
    precision = results[0][1]
    if not dates:
        return ResolvedDate(None, None, expr.text, results[0][2])
    if len(set(dates)) == 1:
        return ResolvedDate(dates[0], precision, expr.text, results[0][2])
    coarse = _coarser(precision, pub_precision)
    chosen = _likeliest(dates, coarse)
    note = (
        f"publication day unknown: {min(dates).isoformat()} to {max(dates).isoformat()} "
        f"possible; chose the likeliest"
    )
    return ResolvedDate(chosen, coarse, expr.text, note)


def last_day(expr: DateMention, resolved: ResolvedDate) -> dt.date | None:
    """The last day ``expr`` can mean: the end of its precision's span, except for a season
    (precision "year" claims the whole year; the season ends three months after it starts)."""
    if resolved.date is None:
        return None
    end = span(resolved.date, resolved.precision)[1]
    if expr.kind == "season" and resolved.precision == "year":
        return min(end, _add_months(resolved.date, 3) - dt.timedelta(days=1))
    return end


def resolve_all(
    text: str, start: int, end: int, pub_date: dt.date | None, pub_precision: DatePrecision | None
) -> Iterator[tuple[DateMention, ResolvedDate]]:
    """Find and resolve every date expression in ``text[start:end]``."""
    for expr in find_dates(text, start, end):
        yield expr, resolve(expr, pub_date, pub_precision)


# --------------------------------------------------------------------------- temporal relations

#: Phrases that put an event before the article's main events whatever its date: it is
#: told as background ("previously", "at the start of the war", "since the invasion
#: began").  "earlier" is one only outside a date expression ("earlier on Friday" is a
#: day), which the caller checks.
_RETROSPECTIVE = re.compile(
    r"\b(?i:earlier|previously|formerly|initially|originally|at\s+first"
    r"|(?:at|in)\s+the\s+(?:start|beginning|outset|early\s+(?:days|weeks|months|stages?)"
    r"|first\s+(?:days|weeks|months))\s+of\s+the\s+(?:war|invasion|conflict|fighting)"
    r"|since\s+the\s+(?:start|beginning|outset)\s+of\s+the\s+(?:war|invasion|conflict|fighting)"
    r"|since\s+the\s+(?:war|invasion|conflict|fighting)\s+(?:began|started|broke\s+out)"
    r"|since\s+(?:the\s+)?invasion\s+(?:began|started)|since\s+invading)\b"
)
#: Weaker hints: a long process before the event ("after a months-long siege").  They
#: mark an undated event as background, but do not overrule a date or the present tense.
_BACKGROUND = re.compile(r"\b(?i:(?:months|years)[\s-]long|long-running|protracted)\b")
#: Past perfect: "had" (+ an adverb) + a participle.
_PAST_PERFECT = re.compile(
    r"\b(?i:had)\s+(?:(?i:already|earlier|long|just|previously|been|once|first)\s+|\w+ly\s+)?"
    r"(?!(?i:seven|eleven|ten|even|often|then|when|men|women|children|one|none|open)\b)"
    r"(?:\w+(?:ed|en|wn|ne)|(?i:fled|fell|left|lost|held|won|taken|seized|overrun|retaken"
    r"|withdrawn|driven|broken|begun|fought|struck|blown|gone|come|run|cut|hit|set|kept))\b"
)
#: Words that introduce a clause happening at about the time of the clause they hang on.
LINK_WORDS = frozenset({"as", "while", "when", "after", "amid", "following", "whilst"})
#: Sentence openers that tie a sentence to the events of the one before it.
_SENTENCE_LINK = re.compile(
    r"\s*(?i:after\s+that|afterwards|afterward|soon\s+after(?:wards)?|shortly\s+after(?:wards)?"
    r"|following\s+(?:this|that)|at\s+the\s+same\s+time|meanwhile|in\s+the\s+meantime"
    r"|as\s+a\s+result|then|later\s+that\s+day|that\s+same\s+day)\b"
)
#: Words before one item of a list that make it the present one ("Kyiv, Kharkiv, and now
#: Kherson"); the items before it are earlier ones.
CURRENT_MARKERS = frozenset({"now", "currently", "latest", "today", "recently"})


CueKind = Literal["phrase", "date", "past_perfect", "background"]


@dataclass(frozen=True)
class TemporalCue:
    """A phrase that tells when an event happened relative to others, not a date."""

    start: int
    end: int
    text: str
    #: ``phrase`` ("previously", "since the war began") and ``date`` ("earlier this year")
    #: put the event before the article's main events; so does ``past_perfect`` unless it
    #: is reported speech shifted back ("officials said the troops had left"), which the
    #: caller judges; ``background`` ("months-long") only hints that an undated event is.
    kind: CueKind


def retrospective_cues(
    text: str, start: int, end: int, dates: Sequence[DateMention] = ()
) -> list[TemporalCue]:
    """Phrases in ``text[start:end]`` that tell an event as background (none of them
    inside one of ``dates``, except "earlier this year/month", itself such a phrase)."""

    def free(a: int, b: int) -> bool:
        return not any(d.start < b and a < d.end for d in dates)

    patterns: tuple[tuple[re.Pattern[str], CueKind], ...] = (
        (_RETROSPECTIVE, "phrase"),
        (_PAST_PERFECT, "past_perfect"),
        (_BACKGROUND, "background"),
    )
    found = [
        TemporalCue(m.start(), m.end(), m.group(0), kind)
        for pattern, kind in patterns
        for m in pattern.finditer(text, start, end)
        if free(m.start(), m.end())
    ]
    found += [
        TemporalCue(d.start, d.end, d.text, "date")
        for d in dates
        if start <= d.start < end
        and d.text.lower().startswith("earlier")
        and d.kind in ("month_rel", "year_rel")
    ]
    return sorted(found, key=lambda c: (c.start, c.end))


def sentence_link(text: str, start: int, end: int) -> bool:
    """Whether the sentence ``text[start:end]`` opens by tying itself to the one before."""
    return _SENTENCE_LINK.match(text, start, end) is not None


def link_word(text: str, start: int, end: int) -> str | None:
    """The linking word ("as", "while", "after", ...) that opens the clause, if any."""
    m = re.match(r"[\s,;:]*(\w+)", text[start:end])
    word = m.group(1).lower() if m else None
    return word if word in LINK_WORDS else None
