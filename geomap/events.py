"""The events stage: sentences with event cues become located, dated, typed events.

For each sentence, ``taxonomy`` cues are matched on lemmas; each cue is judged inside its
clause (a sentence is cut at ";", ", which", " while ", " as <Name>", " after <Name>", ...)
and becomes an ``Event`` when it has a location:

* **Location**: a literal toponym (never a country, a river line or a metonymic/demonym
  mention).  In order: infrastructure named in the sentence (for infrastructure damage);
  the place that is the cue's object ("into X", "from X", "the city of X"; for withdrawals a
  source beats a destination); a route "from A to B" (for sightings such as destroyed
  equipment); the most specific place in the clause (point > district > city > area >
  region), nearest the cue on a tie; the same in the whole sentence; an anaphor ("the
  city's streets") resolved to the latest matching place in the previous three sentences.
* **Type**: the cue's category; capture/advance cues become "Government regains territory"
  when the agent's country is the place's country and "Non-state actor overtakes territory"
  otherwise.  Cues in a future/hypothetical clause ("will withdraw") become a *Statement*
  when someone official says them, and are dropped otherwise; negated cues are dropped.
* **Actors**: actor1 is the nearest actor before the cue in its clause (else after it, else
  earlier in the sentence); actor2 the first armed actor of another country.  A state or a
  demonym doing something military is named ``Military Forces of <Country>``.
* **Lists**: a territory cue whose object opens a list ("withdrew from A, B and C") gives
  one event per place; reversal nouns ("defeat", "setback", "loss") give events only before
  such a list ("his third defeat - Kyiv, Kharkiv, and now Kherson").  A marker ("now")
  makes its item the present one (not repeated where another sentence reports it) and the
  items before it earlier ones: historical, undated unless the cue's clause or a territory
  event at the same place elsewhere in the article dates them.
* **Date**: the date expression in the cue's clause nearest the cue ("N weeks before the
  pullout" does not date the pullout; a noun cue takes only dates after it).  An undated
  finite verb is dated to the publication week ("assumed"), an undated noun or perfect
  ("Russia's capture of Mariupol", "have occupied") stays undated, and so does anything
  the clause tells as earlier ("had captured", "previously", "since the war began";
  ``dates.retrospective_cues``).  Then an undated or assumed event takes, at week
  precision at best, the date of the event the text ties it to: the other clause of an
  "as"/"while"/"after" pair, the event named after such a word ("after the withdrawal"),
  the previous sentence's when the sentence opens "After that"/"Meanwhile"; an undated
  restatement ("everyone has relocated to the left bank") that of the dated report of the
  same type and actor up to ``RESTATEMENT_WINDOW`` sentences back that names its place.
  ``date_text`` is then that report's expression.
* **Historical**: the date's span (a season's own months, not its year) ends before the
  week preceding the publication week (news reports last week's events as news; the
  grace is ``HISTORICAL_GRACE_DAYS``); or the clause tells the event as earlier and its
  date, if any, begins before then; or it is an earlier item of a list; or it is undated,
  told as background (a noun event with a past-tense verb and no one reporting it,
  "months-long") and none of the article's present events is near its place.
* **Merging**: reports of one event in several sentences (same type, same place, dates
  overlapping) become one event (``merge_within``), keeping the most confident quote.
* **Confidence**: cue weight x (0.5 + 0.5 x resolution score) x how the place was found
  (object 1.0, route 0.85, clause 0.9, sentence 0.75, anaphor 0.6; 0.9 for a place of a
  list after a reversal noun).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, NamedTuple

from geomap import spatial, wkb
from geomap.actors import ActorKind, ActorMention, actor_name, country_name, find_actors
from geomap.dates import (
    CURRENT_MARKERS,
    LINK_WORDS,
    DateMention,
    ResolvedDate,
    TemporalCue,
    find_dates,
    last_day,
    link_word,
    monday,
    resolve,
    retrospective_cues,
    sentence_link,
    span,
)
from geomap.geodesy import EARTH_RADIUS_KM, haversine_km
from geomap.models import (
    DatePrecision,
    Document,
    Event,
    Place,
    Sentence,
    Source,
    Toponym,
    evolve,
    geometry_of,
    lazy,
)
from geomap.taxonomy import (
    BY_KEY,
    REPORT_VERBS,
    Category,
    CueMatch,
    Token,
    match_cues,
    token_texts,
    tokenize,
    words,
)

if TYPE_CHECKING:  # shapely costs ~0.1 s to import: only a bank's area is built with it
    from shapely.geometry.base import BaseGeometry

#: Specificity of a location: smaller is more specific.  Countries and lines never locate.
LOCATION_RANK = {"point": 0, "district": 1, "city": 2, "area": 3, "admin2": 4, "admin1": 5}
NEAR_RELATIONS = ("near", "outside", "outskirts", "around", "bank", "side", "of", "between")
INFRASTRUCTURE = words(
    "bridge dam road highway railway station plant substation pipeline tower crossing port "
    "airport tunnel"
)
#: What a bare "Russia"/"the Russians" means as the first actor of each kind of event.
_STANDS_FOR: dict[str, ActorKind] = {
    "civilians": "civilians",
    "protesters": "protesters",
    "rioters": "rioters",
    "government": "government",
}
WATER_CUES = words("river lake sea canal reservoir stream")
ARMED_KINDS = frozenset({"military", "state", "national", "police", "government"})
MERGE_DISTANCE_KM = 25.0
#: An event is historical when it was over this long before the publication week began.
HISTORICAL_GRACE_DAYS = 7
#: Two events of one article are at the same place when they share a gazetteer id or lie
#: this close (the same area's representative point, "near X" and X).
SAME_PLACE_KM = 1.0
#: How many sentences back an undated restatement looks for the dated report it restates.
RESTATEMENT_WINDOW = 2
#: Categories whose events gain or lose territory: a list item ("Kharkiv" in "defeats -
#: Kyiv, Kharkiv, and now Kherson") takes its date from any of them at the same place.
TERRITORY_KEYS = frozenset({"territory_regained", "territory_taken", "territory_transfer"})

#: Where an event's date came from: its own clause, the publication week (an undated
#: finite verb), an event it is tied to, or nowhere.
Dating = Literal["text", "assumed", "inherited", "none"]
#: For one item of a list of places: the present one ("and now Kherson"), one before it,
#: or an item of a list without such a marker.
ListRole = Literal["current", "earlier", "item"]

_FUTURE = words("will would could might may shall if unless whether plan plans threaten")
_NEGATION = words("not n't no never deny denied denies without")
_SPEECH = words("say announce declare order state vow pledge promise warn threaten tell")
_DESTINATION_PREPS = ("to", "toward", "towards", "across", "onto")
_PREPOSITIONS = words("from to into in at of out across toward towards onto near around outside on")
_ANAPHOR_NOUNS = r"(city|town|village|capital|region|province|area)(?:['’]s)?\b"
_ANAPHOR_RE = re.compile(rf"\bthe {_ANAPHOR_NOUNS}", re.I)
#: Whether a span has an anaphor, tested from the space after "the" (search from 3
#: characters in): the regex engine skips ahead to a literal fast, to a word boundary not.
_ANAPHOR_AFTER_THE = re.compile(rf" (?<=\bthe ){_ANAPHOR_NOUNS}", re.I)
_LOCATIVE_RE = re.compile(
    r"\b(?:of|in|from|to|into|across|at|near|inside|throughout|within|against)\s+(?:the\s+)?$",
    re.I,
)
_POSSESSIVE_PRONOUN = re.compile(r"\b(?:its|their|his|her)\s+(?:\w+\s+)?$", re.I)
_CLAUSE_RE = re.compile(
    r";|:\s|\s[—–]\s|\s-\s"
    r"|,\s+(?=(?:which|who|whom|where|whereas|while|as|when)\b)"
    r"|\s(?=(?:while|whereas)\s)"
    r"|\s(?=as\s(?:the\s|[A-Z]))"
    r"|\s(?=(?:after|before|until|since)\s(?:[A-Z]|the\s|their\s|its\s))"
)


# --------------------------------------------------------------------------- context

# The records below are NamedTuples: making a dataclass costs ~0.5 ms at import, a tenth of
# what this module's events take per run on a typical batch.


class _Where(NamedTuple):
    name: str
    place: Place | None
    place_id: str | None
    lat: float
    lon: float
    start: int
    end: int
    geo_precision: int
    factor: float
    score: float
    #: As held (``geomap.models.geometry_of``): WKB, or shapely's for a river bank.
    geometry: BaseGeometry | bytes | None = None


class _Traits(NamedTuple):
    """What a cue's sentence says about when its events happened, for the document passes."""

    sentence: int
    #: Told as over before the article's main events ("had captured", "previously").
    retrospective: bool = False
    #: Undated and told as background ("Russia's capture of X was ...", "months-long").
    background: bool = False
    #: The linking word that opens the cue's clause ("as", "while", "after").
    link: str | None = None
    #: Categories named after a linking word next to the cue ("after the withdrawal").
    refers_to: frozenset[str] = frozenset()
    #: The sentence opens by tying itself to the one before ("After that, ...").
    follows_previous: bool = False
    #: Gazetteer ids of the places the sentence names.
    sentence_places: frozenset[str] = frozenset()


class _Found(NamedTuple):
    """An event before it becomes an ``Event``, with what the document passes need."""

    category: Category
    clause: int
    event: Event
    traits: _Traits = _Traits(0)
    dating: Dating = "text"
    #: Gazetteer id of the event's place (without a relation such as "near").
    place: str | None = None
    list_role: ListRole | None = None
    #: For a list item: the offset of the cue that listed it (one list, one group).
    group: int | None = None
    #: The last day the date expression can mean, where sooner than its precision's span
    #: ends ("in the spring" is dated at year precision but over by June).
    until: dt.date | None = None


class _Dated(NamedTuple):
    """A cue's date and where it came from."""

    resolved: ResolvedDate
    text: str | None
    dating: Dating
    until: dt.date | None = None


class _View(NamedTuple):
    """One sentence prepared for judging its cues."""

    #: The sentence's index in the document.
    number: int
    span: Sentence
    tokens: list[Token]
    clauses: list[tuple[int, int]]
    dates: list[DateMention]
    mentions: list[ActorMention]
    hypothetical: bool
    matches: tuple[CueMatch, ...] = ()

    def cue_span(self, match: CueMatch) -> tuple[int, int]:
        return self.tokens[match.first].start, self.tokens[match.last].end


@dataclass
class _Context:
    doc: Document
    sentences: tuple[Sentence, ...]
    toponyms: tuple[Toponym, ...]
    country: str | None
    #: ``mention.start`` of each toponym, for bisecting (the toponyms are in text order).
    _starts: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._starts = [t.mention.start for t in self.toponyms]

    @classmethod
    def build(
        cls, doc: Document, sentences: tuple[Sentence, ...], toponyms: tuple[Toponym, ...]
    ) -> _Context:
        ordered = tuple(sorted(toponyms, key=lambda t: (t.mention.start, t.mention.end)))
        countries = Counter(
            country_name(t.place.country)
            for t in ordered
            if t.place is not None and t.place.country and not t.is_context
        )
        countries.pop(None, None)
        main = countries.most_common(1)[0][0] if countries else None
        return cls(doc, sentences, ordered, main)

    def locatable(self, start: int, end: int) -> list[Toponym]:
        """Literal, resolved, event-locating toponyms whose mention lies in [start, end)."""
        first, stop = bisect_left(self._starts, start), bisect_left(self._starts, end)
        return [t for t in self.toponyms[first:stop] if _locatable(t)]

    def has_locatable(self, start: int, end: int) -> bool:
        """Whether ``locatable(start, end)`` is non-empty (toponyms are in text order)."""
        toponyms = self.toponyms
        i = bisect_left(self._starts, start)
        while i < len(toponyms) and toponyms[i].mention.start < end:
            if _locatable(toponyms[i]):
                return True
            i += 1
        return False


def _locatable(t: Toponym) -> bool:
    if t.is_context or t.precision not in LOCATION_RANK:
        return False
    if t.place is None:  # a derived area (a river bank) with no gazetteer entry of its own
        return t.precision == "area" and geometry_of(t) is not None
    # A river named as a river is never an event location, even if resolved to a town.
    return (t.mention.cue or "") not in WATER_CUES or t.precision == "area"


# --------------------------------------------------------------------------- public API


def extract_events(
    doc: Document,
    sentences: tuple[Sentence, ...],
    toponyms: tuple[Toponym, ...],
    *,
    merge: bool = True,
) -> tuple[Event, ...]:
    """Every event the document reports, in text order.

    Sentence by sentence, one event per (sentence, type, place); then over the whole
    document: lists of places are settled, undated events take the date of the event
    they are tied to, ``historical`` is set, and (unless ``merge`` is false) reports of
    one event in several sentences become one event (``merge_within``)."""
    ctx = _Context.build(doc, sentences, toponyms)
    found: list[_Found] = []
    for index, sentence in enumerate(sentences):
        found.extend(_sentence_events(ctx, index, sentence))
    found = _inherit_dates(_settle_lists(found))
    events = _with_history(doc, found)
    if merge:
        events = list(merge_within(events))
    return tuple(sorted(events, key=lambda e: (e.sentence_start, e.start, e.event_type, e.id)))


def event_id(
    doc_id: str, event_type: str, sub_event_type: str, place_id: str | None, start: int
) -> str:
    """A short stable id from what identifies an event within a document."""
    key = "|".join((doc_id, event_type, sub_event_type, place_id or "", str(start)))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------- one sentence


def _sentence_events(ctx: _Context, index: int, sentence: Sentence) -> list[_Found]:
    # Every event needs a location: a locatable toponym in the sentence, or an anaphor
    # ("the city") in it that points back to one. A sentence with neither gives nothing,
    # so it is not tokenised; and one without a cue gets no dates or actors.
    if not ctx.has_locatable(sentence.start, sentence.end) and not _ANAPHOR_AFTER_THE.search(
        ctx.doc.text, sentence.start + 3, sentence.end
    ):
        return []
    matches = tuple(match_cues(token_texts(ctx.doc.text, sentence.start, sentence.end)))
    if not matches:
        return []
    tokens = tokenize(ctx.doc.text, sentence.start, sentence.end)
    # Dates and actors are costly: find them only where a cue can pass ``_judge``'s first
    # checks (its required word is then in the sentence, let alone the clause).
    if not any(_may_count(ctx, tokens, match) for match in matches):
        return []
    view = _view(ctx, index, sentence, tokens, matches)
    found = [f for match in matches for f in _judge(ctx, view, match)]
    return _dedupe(_apply_overrides(found))


def _view(
    ctx: _Context,
    index: int,
    sentence: Sentence,
    tokens: list[Token] | None = None,
    matches: tuple[CueMatch, ...] = (),
) -> _View:
    text = ctx.doc.text
    dates = find_dates(text, sentence.start, sentence.end)
    found_actors = find_actors(text[sentence.start : sentence.end], ctx.country)
    return _View(
        number=index,
        span=sentence,
        tokens=tokenize(text, sentence.start, sentence.end) if tokens is None else tokens,
        clauses=_clauses(text, sentence, dates),
        dates=dates,
        mentions=[m for m in _shift(found_actors, sentence.start) if not _locative(text, m)],
        hypothetical=_hypothetical(text[sentence.start : sentence.end]),
        matches=matches,
    )


def _shift(mentions: Iterable[ActorMention], offset: int) -> list[ActorMention]:
    return [replace(m, start=m.start + offset, end=m.end + offset) for m in mentions]


def _locative(text: str, mention: ActorMention) -> bool:
    """A country named as a place ("in the Kherson region of Ukraine") is no actor."""
    before = text[max(0, mention.start - 24) : mention.start]
    return mention.kind == "state" and bool(_LOCATIVE_RE.search(before))


def _hypothetical(sentence: str) -> bool:
    return bool(re.match(r"\s*(?:If|Unless|Should)\b", sentence)) or " were to " in sentence


def _clauses(text: str, sentence: Sentence, dates: Sequence[DateMention]) -> list[tuple[int, int]]:
    """Clause spans; a cut never falls inside a date expression."""
    cuts = [sentence.start]
    for m in _CLAUSE_RE.finditer(text, sentence.start, sentence.end):
        if not any(d.start <= m.start() < d.end for d in dates):
            cuts.append(m.end())
    cuts.append(sentence.end)
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _clause_of(clauses: Sequence[tuple[int, int]], offset: int) -> int:
    return next((i for i, (a, b) in enumerate(clauses) if a <= offset < b), len(clauses) - 1)


def _judge(ctx: _Context, view: _View, match: CueMatch) -> list[_Found]:
    """Turn one cue match into its events (one, or one per listed place), or none."""
    cue_start, cue_end = view.cue_span(match)
    clause_no = _clause_of(view.clauses, cue_start)
    clause = view.clauses[clause_no]
    in_clause = [t for t in view.tokens if clause[0] <= t.start < clause[1]]
    if not _requirements_met(match, in_clause) or _negated(view.tokens, match.first):
        return []
    if _inside_place_name(ctx, cue_start, cue_end):
        return []
    category: Category | None = match.category
    if view.hypothetical or _future(in_clause, view.dates):
        category = _as_statement(view.tokens, view.mentions)
    if category is None:
        return []
    nominal = (match.cue.nominal or _looks_nominal(view.tokens, match)) and not (
        _POSSESSIVE_PRONOUN.search(ctx.doc.text, max(0, cue_start - 30), cue_start)
    )
    listed = _listed_places(ctx, view, match, category, clause)
    if match.cue.place_list and not listed:
        return []
    agent, patient = _agent(ctx.doc.text, view, match, clause, category, nominal)
    armed_cue = match.cue.agent == "armed" and category.key != "statement"
    # A list of places names what was lost even where the sentence does not say by whom.
    if armed_cue and (agent is None or agent.kind not in ARMED_KINDS) and not listed:
        return []
    cues = _temporal_cues(ctx.doc.text, view, clause_no)
    retrospective = any(c.kind != "background" for c in cues)
    dated = _date(ctx, view, match, clause, nominal, retrospective)
    traits = _Traits(
        sentence=view.number,
        retrospective=retrospective,
        background=dated.dating == "none"
        and (
            any(c.kind == "background" for c in cues)
            or (
                (nominal or _perfect(view.tokens, match.first))
                and _told_as_past(view, match, clause)
            )
        ),
        link=link_word(ctx.doc.text, *clause),
        refers_to=_referred(ctx.doc.text, view, clause_no),
        follows_previous=sentence_link(ctx.doc.text, view.span.start, view.span.end),
        sentence_places=frozenset(
            t.place.id for t in ctx.locatable(view.span.start, view.span.end) if t.place
        ),
    )
    if listed:
        return _list_events(
            ctx, view, match, category, listed, (agent, patient), traits, clause_no, dated
        )  # fmt: skip
    where = _location(ctx, view, match, category, clause)
    if where is None:
        return []
    actor1, actor2 = _actor_names(category, match, agent, patient, view.mentions, where)
    category = _territory_category(category, match, actor1, patient, where)
    event = _event(ctx, view.span, category, match, where, (actor1, actor2), dated)
    return [
        _Found(
            category, clause_no, event, traits, dated.dating, _place_key(where), until=dated.until
        )
    ]


def _may_count(ctx: _Context, tokens: Sequence[Token], match: CueMatch) -> bool:
    """``_judge``'s checks that need no clause, date or actor, over the whole sentence."""
    return (
        not _negated(tokens, match.first)
        and not _inside_place_name(ctx, tokens[match.first].start, tokens[match.last].end)
        and _requirements_met(match, tokens)
    )


def _place_key(where: _Where) -> str | None:
    return where.place.id if where.place is not None else where.place_id


def _list_events(
    ctx: _Context,
    view: _View,
    match: CueMatch,
    category: Category,
    listed: Sequence[tuple[Toponym, str | None]],
    parties: tuple[ActorMention | None, ActorMention | None],
    traits: _Traits,
    clause_no: int,
    dated: _Dated,
) -> list[_Found]:
    """One event per listed place.  A marker ("and now X") makes X the present one and the
    places before it earlier ones: over before the article's main events, and undated
    unless the cue's clause dates them."""
    agent, patient = parties
    current = next(
        (i for i, (_, m) in enumerate(listed) if m and m.lower().split()[-1] in CURRENT_MARKERS),
        None,
    )
    factor = 0.9 if match.cue.place_list else 1.0
    out = []
    for i, (toponym, _marker) in enumerate(listed):
        role: ListRole = (
            "item" if current is None or i > current else "current" if i == current else "earlier"
        )
        own = dated
        if role == "current" and own.dating == "none" and ctx.doc.date is not None:
            own = _Dated(_assumed(ctx.doc), None, "assumed")
        if role == "earlier" and own.dating != "text":
            own = _Dated(_UNDATED, None, "none")
        where = _where(toponym, factor)
        actor1, actor2 = _actor_names(category, match, agent, patient, view.mentions, where)
        kind = _territory_category(category, match, actor1, patient, where)
        event = _event(ctx, view.span, kind, match, where, (actor1, actor2), own)
        earlier = role == "earlier"
        out.append(
            _Found(
                kind,
                clause_no,
                event,
                traits._replace(retrospective=traits.retrospective or earlier),
                own.dating,
                _place_key(where),
                role,
                view.cue_span(match)[0],
                own.until,
            )
        )
    return out


def _inside_place_name(ctx: _Context, start: int, end: int) -> bool:
    """Cue words that belong to a place's name ("the left bank", "Liberation Square")."""
    return any(t.mention.start <= start and end <= t.mention.end for t in ctx.toponyms)


def _requirements_met(match: CueMatch, clause_tokens: Sequence[Token]) -> bool:
    required = match.cue.requires
    return not required or any(t.lemmas & required for t in clause_tokens)


def _negated(tokens: Sequence[Token], first: int) -> bool:
    window = tokens[max(0, first - 3) : first]
    return any(t.lower in _NEGATION or t.lower.endswith(("n't", "n’t")) for t in window)


def _future(clause_tokens: Sequence[Token], dates: Sequence[DateMention] = ()) -> bool:
    # "in May" is a month, not a modal verb.
    return any(
        t.lower in _FUTURE and not any(d.start <= t.start < d.end for d in dates)
        for t in clause_tokens
    )


def _as_statement(tokens: Sequence[Token], mentions: Sequence[ActorMention]) -> Category | None:
    """A future or hypothetical action is a Statement when an official says it."""
    speaks = any(t.lemmas & _SPEECH for t in tokens)
    official = any(m.kind in ("government", "state", "military") for m in mentions)
    return BY_KEY["statement"] if speaks and official else None


# --------------------------------------------------------------------------- lists


#: Between two items of a list of places: a comma and/or a conjunction, then perhaps a
#: marker of where the item stands in time ("Kyiv, Kharkiv, and now Kherson").
_LIST_GAP = re.compile(
    r"\s*(?:,\s*(?:(?:and|or)\s+)?|(?:and|or|as\s+well\s+as)\s+)"
    r"(?:(?P<marker>now|then|finally|lastly|later|currently|today|latest|most\s+recently"
    r"|recently)\s+)?",
    re.IGNORECASE,
)
#: Between a list-only cue and its first place: what may modify the noun ("his third
#: defeat in this war - Kyiv, ...", "the retreats from Kyiv and ..."), nothing more.
_LIST_LEAD = re.compile(
    r"\s*(?:(?:in|during|of)\s+(?:this|the|that|its|his|their)\s+[\w-]+\s*)?(?:[-–—:,]\s*)?"
    r"(?:(?:in|at|from|of|around|near|outside)\s+(?:the\s+)?)?",
    re.IGNORECASE,
)


def _listed_places(
    ctx: _Context, view: _View, match: CueMatch, category: Category, clause: tuple[int, int]
) -> list[tuple[Toponym, str | None]]:
    """The places a territory cue lists ("withdrew from A, B and C", "defeats - A, B, and
    now C"), each with the marker before it; empty unless there are two or more."""
    if category.key not in TERRITORY_KEYS:
        return []
    text, cue_end = ctx.doc.text, view.cue_span(match)[1]
    first: Toponym | None
    if match.cue.place_list:
        after = ctx.locatable(cue_end, view.span.end)
        lead = _without_dates(text, view.dates, cue_end, after[0].mention.start) if after else ""
        if not after or not _LIST_LEAD.fullmatch(lead):
            return []
        first = after[0]
    else:
        in_clause = ctx.locatable(clause[0], clause[1])
        first, prep = _object(view.tokens, match, in_clause)
        if first is None or (category.key == "territory_transfer" and prep in _DESTINATION_PREPS):
            return []
    items: list[tuple[Toponym, str | None]] = [(first, None)]
    for t in ctx.locatable(first.mention.end, view.span.end):
        gap = _LIST_GAP.fullmatch(text, items[-1][0].mention.end, t.mention.start)
        # "Izium, Kharkiv region" says where Izium is: a region after a town is no item.
        if gap is None or (t.precision == "admin1" and items[-1][0].precision != "admin1"):
            break
        items.append((t, gap.group("marker")))
    return items if len(items) >= 2 else []


def _without_dates(text: str, dates: Sequence[DateMention], start: int, end: int) -> str:
    """``text[start:end]`` with date expressions blanked ("his setbacks in the spring -
    Izium, ..."): a date may sit between a list-only cue and its places."""
    chars = list(text[start:end])
    for d in dates:
        for i in range(max(d.start, start), min(d.end, end)):
            chars[i - start] = " "
    return "".join(chars)


# --------------------------------------------------------------------------- when, relatively


def _temporal_cues(text: str, view: _View, clause_no: int) -> list[TemporalCue]:
    """Retrospective cues of the cue's clause, with a temporal adjunct cut off after it
    (", since the war began"); a past perfect after a verb of saying is reported speech
    shifted back ("officials said the troops had left"), not an earlier event."""
    start, end = view.clauses[clause_no]
    if clause_no + 1 < len(view.clauses):
        next_start, next_end = view.clauses[clause_no + 1]
        if re.match(r"\s*(?:since|after|before|until)\b", text[next_start:next_end], re.I):
            end = next_end
    cues = retrospective_cues(text, start, end, view.dates)
    if not any(c.kind == "past_perfect" for c in cues):
        return cues  # the usual case: no need for every word's lemmas
    reported = [t.start for t in view.tokens if t.lemmas & REPORT_VERBS]
    return [
        c for c in cues if not (c.kind == "past_perfect" and any(r < c.start for r in reported))
    ]


def _told_as_past(view: _View, match: CueMatch, clause: tuple[int, int]) -> bool:
    """A noun event with a past-tense verb after it and no one reporting it ("Russia's
    capture of Mariupol was contingent on ...") is told as background."""
    if any(t.lemmas & REPORT_VERBS for t in view.tokens):
        return False
    after = [t for t in view.tokens[match.last + 1 :] if t.start < clause[1]]
    return any(
        t.lower in ("was", "were") or (len(t.text) > 4 and t.lower.endswith("ed")) for t in after
    )


def _referred(text: str, view: _View, clause_no: int) -> frozenset[str]:
    """Categories named right after a linking word in the clause or in a linked clause
    after it ("entered the city after the withdrawal"): the event is tied to that one."""
    clauses = {clause_no}
    if clause_no + 1 < len(view.clauses) and link_word(text, *view.clauses[clause_no + 1]):
        clauses.add(clause_no + 1)
    keys = set()
    for m in view.matches:
        if _clause_of(view.clauses, view.tokens[m.first].start) not in clauses:
            continue
        before = view.tokens[max(0, m.first - 3) : m.first]
        link = next((i for i, t in enumerate(before) if t.lower in LINK_WORDS), None)
        if link is not None and all(t.text[0].isalnum() for t in before[link:]):
            keys.add(m.category.key)
    return frozenset(keys)


# --------------------------------------------------------------------------- actors


def _linked(text: str, cue_end: int, mention: ActorMention) -> bool:
    """An actor after the cue is its agent only as "the withdrawal of X" or "taken by X"."""
    between = text[cue_end : mention.start].lower().split()
    return len(between) <= 3 and bool({"of", "by"} & set(between))


def _agent(
    text: str,
    view: _View,
    match: CueMatch,
    clause: tuple[int, int],
    category: Category,
    nominal: bool,
) -> tuple[ActorMention | None, ActorMention | None]:
    """(agent, patient) of the cue; for passive cues the subject is the patient."""
    cue_start, cue_end = view.cue_span(match)
    mentions = view.mentions
    before = [m for m in mentions if clause[0] <= m.start and m.end <= cue_start]
    after = [m for m in mentions if cue_end <= m.start < clause[1] and _linked(text, cue_end, m)]
    if category.key == "statement":
        speaker = [m for m in mentions if m.kind in ("government", "state", "military")]
        return (speaker[0] if speaker else None), None
    if match.cue.passive:
        by_agent = next((m for m in after if "by" in text[cue_end : m.start].split()), None)
        return by_agent, (before[-1] if before else None)
    if category.actor_kinds and category.actor_kinds[0] not in ("military", "government"):
        return _participant(mentions, clause, cue_start, set(category.actor_kinds)), None
    if nominal:  # "Russia's capture of", "the Russian retreat", "the withdrawal of X"
        adjacent = [m for m in before if len(text[m.end : cue_start].split()) <= 1]
        return (adjacent[-1] if adjacent else after[0] if after else None), None
    earlier = [m for m in mentions if m.end <= clause[0]]
    agent = before[-1] if before else after[0] if after else earlier[-1] if earlier else None
    return agent, None


def _participant(
    mentions: Sequence[ActorMention], clause: tuple[int, int], cue_start: int, kinds: set[str]
) -> ActorMention | None:
    """For crowds, protests, shortages: the civilians taking part, nearest the cue."""
    fitting = [m for m in mentions if m.kind in kinds]
    in_clause = [m for m in fitting if clause[0] <= m.start < clause[1]]
    pool = in_clause or fitting
    if not pool:
        return None
    return min(pool, key=lambda m: (abs(m.start - cue_start), m.start))


def _actor_names(
    category: Category,
    match: CueMatch,
    agent: ActorMention | None,
    patient: ActorMention | None,
    mentions: Sequence[ActorMention],
    where: _Where,
) -> tuple[str | None, str | None]:
    if not category.actor_kinds:
        return None, None
    armed = category.actor_kinds[0] == "military"
    actor1 = _name(agent, category, mentions)
    if patient is not None:
        actor2 = _name(patient, category, mentions)
        if actor1 is None and match.cue.take and where.place is not None:
            actor1 = _home_forces(where, patient)
        return actor1, actor2
    actor2 = _other_side(agent, mentions) if armed else None
    return actor1, actor2


def _home_forces(where: _Where, loser: ActorMention) -> str | None:
    """Forces pushed out of a place in another country: the place's own forces did it."""
    home = country_name(where.place.country) if where.place else None
    if home and loser.country and loser.country != home:
        return actor_name("military", home)
    return None


def _name(
    mention: ActorMention | None, category: Category, mentions: Sequence[ActorMention]
) -> str | None:
    """The ACLED name; a bare state or demonym stands for whoever this event type needs."""
    if mention is None:
        return None
    country = mention.country or _nearest_country(mention, mentions)
    if mention.kind in ("state", "national"):
        first = category.actor_kinds[0] if category.actor_kinds else "military"
        return actor_name(_STANDS_FOR.get(first, "military"), country)
    return mention.actor or actor_name(mention.kind, country)


def _nearest_country(mention: ActorMention, mentions: Sequence[ActorMention]) -> str | None:
    """Bare troops belong to the state named before them ("Russia pulled back troops")."""
    if mention.kind not in ("military", "government", "police"):
        return None
    earlier = [m for m in mentions if m.end <= mention.start and m.country]
    return earlier[-1].country if earlier else None


def _other_side(agent: ActorMention | None, mentions: Sequence[ActorMention]) -> str | None:
    """The first armed actor of another country in the sentence."""
    if agent is None or agent.country is None:
        return None
    for m in mentions:
        if m.kind in ("military", "national") and m.country not in (None, agent.country):
            return actor_name("military", m.country)
    return None


def _territory_category(
    category: Category,
    match: CueMatch,
    actor1: str | None,
    loser: ActorMention | None,
    where: _Where,
) -> Category:
    """Capture/advance cues: own territory is regained, anyone else's is overtaken."""
    if not match.cue.take or category.key == "statement" or where.place is None:
        return category
    home = country_name(where.place.country)
    taker = _country_of(actor1)
    if home is not None and taker is None and loser is not None and loser.country == home:
        return BY_KEY["territory_taken"]  # the place's own forces were pushed out
    if home is None or taker is None:
        return category
    return BY_KEY["territory_regained" if taker == home else "territory_taken"]


def _country_of(actor: str | None) -> str | None:
    if actor is None:
        return None
    m = re.match(r"(?:Military Forces of|Government of|Police Forces of) (.+)$", actor)
    return m.group(1) if m else None


# --------------------------------------------------------------------------- location


def _location(
    ctx: _Context, view: _View, match: CueMatch, category: Category, clause: tuple[int, int]
) -> _Where | None:
    if category.infrastructure:
        in_sentence = ctx.locatable(view.span.start, view.span.end)
        infra = [t for t in in_sentence if _is_infrastructure(t)]
        if infra:
            return _where(_nearest(infra, view.cue_span(match)[0]), 1.0)
        found = _general_location(ctx, view, match, category, clause)
        # The damaged structure itself is not a known place: it is near or in this one.
        return found._replace(geo_precision=max(2, found.geo_precision)) if found else None
    return _general_location(ctx, view, match, category, clause)


def _general_location(
    ctx: _Context, view: _View, match: CueMatch, category: Category, clause: tuple[int, int]
) -> _Where | None:
    cue_start = view.cue_span(match)[0]
    sentence = view.span
    in_sentence = ctx.locatable(sentence.start, sentence.end)
    in_clause = [t for t in in_sentence if clause[0] <= t.mention.start < clause[1]]
    obj, prep = _object(view.tokens, match, in_clause)
    if match.cue.place_object and obj is None:
        return None
    if obj is not None and not (
        category.key == "territory_transfer" and prep in _DESTINATION_PREPS
    ):
        return _where(obj, 1.0)
    if not category.actor_kinds:
        route = _route(ctx.doc.text, in_sentence)
        if route is not None:
            return route
    if category.key == "territory_transfer" and obj is not None:
        others = [t for t in in_clause if t is not obj]
        if not others and prep == "across":
            return None  # forces withdrawing "across X" cross it (a river): X is not where
        return _where(_best(others or [obj], cue_start), 0.9)
    if in_clause:
        return _where(_best(in_clause, cue_start), 0.9)
    anaphor = _anaphor(ctx, view.number, clause)
    if anaphor is not None:
        return anaphor
    if in_sentence:
        return _where(_best(in_sentence, cue_start), 0.75)
    return _anaphor(ctx, view.number, (sentence.start, sentence.end))


def _is_infrastructure(t: Toponym) -> bool:
    words = {t.mention.cue or "", (t.place.kind if t.place else "").lower()}
    words |= set(t.mention.name.lower().split())
    return bool(words & INFRASTRUCTURE)


def _rank(t: Toponym) -> int:
    return LOCATION_RANK.get(t.precision or "", 9)


def _nearest(candidates: Sequence[Toponym], offset: int) -> Toponym:
    return min(candidates, key=lambda t: (abs(t.mention.start - offset), t.mention.start))


def _best(candidates: Sequence[Toponym], offset: int) -> Toponym:
    return min(candidates, key=lambda t: (_rank(t), abs(t.mention.start - offset), t.mention.start))


def _object(
    tokens: list[Token], match: CueMatch, candidates: Sequence[Toponym]
) -> tuple[Toponym | None, str | None]:
    """The place right after the cue (within 6 words), and the preposition before it."""
    after = tokens[match.last + 1 : match.last + 8]
    prep: str | None = None
    for offset, tok in enumerate(after):
        if not tok.text[0].isalnum() and tok.text not in ("'", "’"):
            return None, None
        hit = next((t for t in candidates if t.mention.start == tok.start), None)
        if hit is None:
            hit = next(
                (t for t in candidates if t.mention.start <= tok.start < t.mention.end), None
            )
        if hit is not None and offset <= 6:
            return hit, prep
        if tok.lower in _PREPOSITIONS:
            prep = tok.lower
    return None, None


def _geo_precision(t: Toponym) -> int:
    relation = (t.mention.relation or "").lower()
    if t.precision in ("admin1", "admin2"):
        return 3
    if t.precision in ("district", "area") or any(r in relation for r in NEAR_RELATIONS):
        return 2
    return 1


def _where(t: Toponym, factor: float, start: int | None = None, end: int | None = None) -> _Where:
    place = t.place
    geometry = geometry_of(t)
    if geometry is None:
        geometry = geometry_of(place)
    relation = t.mention.relation
    circle = (
        spatial.circle_around(place.lon, place.lat, relation, t.mention.cue)
        if place is not None and t.precision == "area"
        else None
    )
    inside = circle[:2] if circle else _point_inside(geometry) if geometry is not None else None
    if inside is not None:
        lon, lat = inside
    else:
        assert place is not None
        lat, lon = place.lat, place.lon
        geometry = None  # a point says no more than the place's own coordinates
    base_name = place.name if place else t.mention.name
    base_id = place.id if place else f"area:{t.mention.name.lower()}"
    return _Where(
        name=f"{base_name} ({relation.replace('_', ' ')})" if relation else base_name,
        place=place,
        place_id=f"{base_id}#{relation}" if relation else base_id,
        lat=lat,
        lon=lon,
        start=t.mention.start if start is None else start,
        end=t.mention.end if end is None else end,
        geo_precision=_geo_precision(t),
        factor=factor,
        score=t.score,
        geometry=geometry,
    )


def _point_inside(geometry: BaseGeometry | bytes) -> tuple[float, float] | None:
    """(lon, lat) of the point GEOS's ``representative_point`` gives, or None for a point."""
    if isinstance(geometry, bytes):
        try:
            if wkb.geom_type(geometry) == "Point":
                return None
            return wkb.interior_point(geometry)
        except wkb.WKBError:  # (a 3D overlay geometry, say): shapely reads every kind
            import shapely

            geometry = shapely.from_wkb(geometry)
    if geometry.geom_type == "Point":
        return None
    point = geometry.representative_point()
    return point.x, point.y


def _route(text: str, candidates: Sequence[Toponym]) -> _Where | None:
    """Two towns joined by "from A to B" or "between A and B": the line between them."""
    towns = [t for t in candidates if t.precision in ("city", "point")]
    for a, b in zip(towns, towns[1:], strict=False):
        before = text[max(0, a.mention.start - 8) : a.mention.start].lower()
        between = text[a.mention.end : b.mention.start].strip().lower()
        if (before.rstrip().endswith("from") and between == "to") or (
            before.rstrip().endswith("between") and between == "and"
        ):
            return _route_where(a, b)
    return None


def _route_where(a: Toponym, b: Toponym) -> _Where:
    pa, pb = a.place, b.place
    assert pa is not None and pb is not None
    return _Where(
        name=f"between {pa.name} and {pb.name}",
        place=pa if pa.country == pb.country else None,
        place_id=f"{pa.id}--{pb.id}",
        lat=(pa.lat + pb.lat) / 2,
        lon=(pa.lon + pb.lon) / 2,
        start=a.mention.start,
        end=b.mention.end,
        geo_precision=2,
        factor=0.85,
        score=min(a.score, b.score),
        geometry=wkb.line_wkb([(pa.lon, pa.lat), (pb.lon, pb.lat)]),
    )


def _anaphor(ctx: _Context, index: int, clause: tuple[int, int]) -> _Where | None:
    """Resolve "the city's streets" to the latest matching place up to 3 sentences back."""
    m = _ANAPHOR_RE.search(ctx.doc.text, clause[0], clause[1])
    if m is None:
        return None
    wanted = {
        "city": ("city",), "town": ("city",), "village": ("city", "point"),
        "capital": ("city",), "region": ("admin1", "admin2"), "province": ("admin1",),
        "area": ("district", "city", "area", "admin1"),
    }[m.group(1).lower()]  # fmt: skip
    window_start = ctx.sentences[max(0, index - 3)].start
    earlier = [
        t
        for t in ctx.locatable(window_start, clause[1])
        if t.mention.start < m.start() and t.precision in wanted
    ]
    if not earlier:
        return None
    return _where(earlier[-1], 0.6, m.start(), m.end())


# --------------------------------------------------------------------------- dates


_UNDATED = ResolvedDate(None, None, "", "undated")


def _assumed(doc: Document) -> ResolvedDate:
    precision: DatePrecision = (
        "week" if doc.date_precision in (None, "day", "week") else doc.date_precision
    )
    return ResolvedDate(doc.date, precision, "", "assumed: the publication week")


def _date(
    ctx: _Context,
    view: _View,
    match: CueMatch,
    clause: tuple[int, int],
    nominal: bool,
    retrospective: bool = False,
) -> _Dated:
    """The date of the cue's clause nearest the cue, else an assumed or unknown date.

    An undated finite verb is assumed to be news of the publication week, unless the
    clause tells it as over before the main events ("had captured", "previously")."""
    cue_start, cue_end = view.cue_span(match)
    candidates = [
        d
        for d in view.dates
        if clause[0] <= d.start < clause[1]
        and not _anchors_cue(ctx.doc.text, d, cue_start)
        and (not nominal or d.start >= cue_end)
    ]
    doc = ctx.doc
    if candidates:
        best = min(
            candidates, key=lambda d: (min(abs(d.start - cue_end), abs(cue_start - d.end)), d.start)
        )
        resolved = resolve(best, doc.date, doc.date_precision)
        return _Dated(resolved, best.text, "text", last_day(best, resolved))
    if nominal or retrospective or _perfect(view.tokens, match.first) or doc.date is None:
        return _Dated(_UNDATED, None, "none")
    return _Dated(_assumed(doc), None, "assumed")


def _looks_nominal(tokens: list[Token], match: CueMatch) -> bool:
    """Whether the cue is a noun: "the retaking of", "Russia's capture of"."""
    before = tokens[max(0, match.first - 2) : match.first]
    after = tokens[match.last + 1] if match.last + 1 < len(tokens) else None
    determiner = any(
        t.lower in ("the", "a", "an", "its", "their", "this") or t.text.endswith(("'s", "’s"))
        for t in before
    )
    return determiner and after is not None and after.lower in ("of", "from")


def _perfect(tokens: list[Token], first: int) -> bool:
    return any(t.lower in ("has", "have", "had") for t in tokens[max(0, first - 2) : first])


def _anchors_cue(text: str, date: DateMention, cue_start: int) -> bool:
    """Whether the date is anchored on the cue: "two months before the pullout"."""
    if date.kind != "offset" or cue_start < date.end:
        return False
    return bool(re.match(r"\s+[A-Za-z]", text[date.end : date.end + 2]))


# --------------------------------------------------------------------------- building


def _source(doc: Document) -> Source:
    return Source(doc.id, doc.title, doc.url, doc.date, doc.outlet)


def _boundary(published: dt.date) -> dt.date:
    """Historical events are over before this day: the week before the publication week
    is still news ("late last week")."""
    try:
        return monday(published) - dt.timedelta(days=HISTORICAL_GRACE_DAYS)
    except OverflowError:  # published in the first days of year 1: nothing is earlier
        return dt.date.min


def _historical(date: dt.date | None, precision: DatePrecision | None, doc: Document) -> bool:
    """Over before the week preceding the publication week: news reports last week as news."""
    if date is None or doc.date is None:
        return False
    return span(date, precision)[1] < _boundary(doc.date)


def _event(
    ctx: _Context,
    sentence: Sentence,
    category: Category,
    match: CueMatch,
    where: _Where,
    actors: tuple[str | None, str | None],
    dated: _Dated,
) -> Event:
    doc = ctx.doc
    resolved = dated.resolved
    actor1, actor2 = actors
    confidence = match.cue.weight * (0.5 + 0.5 * max(0.0, min(1.0, where.score))) * where.factor
    place = where.place
    return Event(
        id=event_id(
            doc.id, category.event_type, category.sub_event_type, where.place_id, sentence.start
        ),
        event_type=category.event_type,
        sub_event_type=category.sub_event_type,
        actor1=actor1,
        actor2=actor2 if actor2 != actor1 else None,
        event_date=resolved.date,
        time_precision=resolved.precision,
        geo_precision=where.geo_precision,
        location=where.name,
        place_id=where.place_id,
        lat=where.lat,
        lon=where.lon,
        quote=doc.text[sentence.start : sentence.end],
        start=where.start,
        end=where.end,
        sentence_start=sentence.start,
        sentence_end=sentence.end,
        confidence=round(max(0.0, min(1.0, confidence)), 3),
        sources=(_source(doc),),
        country=country_name(place.country) if place and place.country else None,
        admin1=place.admin1 if place else None,
        historical=_historical(resolved.date, resolved.precision, doc),
        geometry=lazy(where.geometry),
        date_text=dated.text,
    )


def _apply_overrides(found: list[_Found]) -> list[_Found]:
    """Drop a category when a more specific one fired in the same clause."""
    keys_by_clause: dict[int, set[str]] = {}
    for f in found:
        keys_by_clause.setdefault(f.clause, set()).add(f.category.key)
    kept = []
    for f in found:
        overriding = {k for k in keys_by_clause[f.clause] if f.category.key in BY_KEY[k].overrides}
        if not overriding:
            kept.append(f)
    return kept


def _dedupe(found: Sequence[_Found]) -> list[_Found]:
    """One event per id (same type, place and sentence): the most confident."""
    best: dict[str, _Found] = {}
    for f in found:
        current = best.get(f.event.id)
        if current is None or f.event.confidence > current.event.confidence:
            best[f.event.id] = f
    return list(best.values())


# --------------------------------------------------------------------------- the document


def _weaker(precision: DatePrecision | None) -> DatePrecision | None:
    """A date taken from another event is only known to the week: the text ties the two
    events together, it does not put them on one day."""
    return "week" if precision == "day" else precision


def _dated_like(event: Event, source: Event) -> Event:
    return evolve(
        event,
        event_date=source.event_date,
        time_precision=_weaker(source.time_precision),
        date_text=source.date_text,
    )


def _same_place(a: Event, b: Event) -> bool:
    return a.place_id == b.place_id or _distance_km(a, b) <= SAME_PLACE_KM


def _settle_lists(found: list[_Found]) -> list[_Found]:
    """A listed place adds only what the rest of the article does not say.

    The present item ("and now Kherson") is the article's own news: where another
    sentence reports that event it is not repeated.  An item without a date takes one from
    a territory event at its place elsewhere in the article ("Kharkiv" in the list, "forced
    out of the Kharkiv area two months before" later), and an item without an actor takes
    the actors of the list's events told elsewhere (who lost Kherson lost Kyiv too)."""
    plain = [f for f in found if f.list_role is None]
    out = []
    for f in found:
        if f.list_role is None:
            out.append(f)
            continue
        here = [g for g in plain if _same_place(g.event, f.event)]
        if f.list_role == "current" and any(g.category.key == f.category.key for g in here):
            continue
        event, dating = f.event, f.dating
        if event.actor1 is None:
            donor = _list_donor(f, found, plain)
            if donor is not None:
                event = evolve(event, actor1=donor.actor1, actor2=event.actor2 or donor.actor2)
        told = [
            g for g in here
            if g.category.key in TERRITORY_KEYS and g.dating == "text" and g.event.event_date
        ]  # fmt: skip
        if dating == "none" and told:
            event, dating = _dated_like(event, told[0].event), "inherited"
        out.append(f._replace(event=event, dating=dating))
    return out


def _list_donor(f: _Found, found: Sequence[_Found], plain: Sequence[_Found]) -> Event | None:
    members = [g for g in found if g.group == f.group and g.traits.sentence == f.traits.sentence]
    members.sort(key=lambda g: g.list_role != "current")  # the present item's place first
    for member in members:
        for g in plain:
            same = g.category.key == f.category.key and _same_place(g.event, member.event)
            if same and g.event.actor1 is not None:
                return g.event
    return None


def _inherit_dates(found: list[_Found]) -> list[_Found]:
    """An event without a date of its own takes the date of the event the text ties it to,
    at week precision at best: the other clause of an "as"/"while"/"after" pair, the event
    named after such a word ("after the withdrawal", this or the previous sentence), the
    previous sentence's event when the sentence opens "After that"/"Meanwhile"; and an
    undated restatement ("everyone has relocated") the date of the dated report it
    restates (same type and actor, up to two sentences back, naming its place)."""
    dated = [f for f in found if f.dating == "text" and f.event.event_date is not None]
    out = []
    for f in found:
        if f.dating in ("assumed", "none") and not f.traits.retrospective:
            source = _governing(f, dated)
            if source is None and f.dating == "none":
                source = _restated(f, dated)
            if source is not None:
                f = f._replace(event=_dated_like(f.event, source.event), dating="inherited")
        out.append(f)
    return out


def _governing(f: _Found, dated: Sequence[_Found]) -> _Found | None:
    t = f.traits
    linked = [
        g
        for g in dated
        if g.traits.sentence == t.sentence
        and g.clause != f.clause
        # A clause opened by a linking word hangs on the clauses before it.
        and ((t.link and g.clause < f.clause) or (g.traits.link and f.clause < g.clause))
    ]
    if linked:
        return min(linked, key=lambda g: (abs(g.clause - f.clause), g.event.start))
    named = [
        g
        for g in dated
        if g.category.key in t.refers_to and t.sentence - 1 <= g.traits.sentence <= t.sentence
    ]
    if named:
        return max(named, key=lambda g: (g.traits.sentence, g.event.start))
    if t.follows_previous:
        before = [g for g in dated if g.traits.sentence == t.sentence - 1]
        return max(before, key=lambda g: g.event.start, default=None)
    return None


def _restated(f: _Found, dated: Sequence[_Found]) -> _Found | None:
    t, actor = f.traits, f.event.actor1
    candidates = [
        g
        for g in dated
        if g.category.key == f.category.key
        and t.sentence - RESTATEMENT_WINDOW <= g.traits.sentence < t.sentence
        and (f.place in g.traits.sentence_places or g.place == f.place)
        and (actor is None or g.event.actor1 is None or g.event.actor1 == actor)
    ]
    return max(candidates, key=lambda g: (g.traits.sentence, g.event.start), default=None)


def _with_history(doc: Document, found: Sequence[_Found]) -> list[Event]:
    """Set ``historical``: from the date, from retrospective cues, and for an undated event
    told as background, from its place being none of the article's present events'."""
    boundary = _boundary(doc.date) if doc.date is not None else None
    told = [_told_historical(f, boundary) for f in found]
    present = [f.event for f, h in zip(found, told, strict=True) if not h and f.event.event_date]
    out = []
    for f, historical in zip(found, told, strict=True):
        if not historical and f.traits.background and f.event.event_date is None:
            historical = not any(_distance_km(f.event, p) <= MERGE_DISTANCE_KM for p in present)
        out.append(evolve(f.event, historical=historical))
    return out


def _told_historical(f: _Found, boundary: dt.date | None) -> bool:
    e = f.event
    if f.traits.retrospective:
        # Told as earlier: unless its date says it is recent ("had left earlier on Friday").
        if e.event_date is None or boundary is None:
            return True
        return span(e.event_date, e.time_precision)[0] < boundary
    if e.event_date is None or boundary is None:
        return False
    end = span(e.event_date, e.time_precision)[1]
    return min(end, f.until or end) < boundary


# --------------------------------------------------------------------------- merging


def _distance_km(a: Event, b: Event) -> float:
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


def _assumed_date(e: Event) -> bool:
    """A date no expression gave: the publication week assumed for an undated verb."""
    return e.event_date is not None and e.date_text is None


def _window(e: Event) -> tuple[dt.date, dt.date]:
    """The days an event can have happened on: its date's span, widened for an assumed
    publication week to the week before (news reports last week's events too); for an
    undated historical event, any day before its article's reporting period; else any."""
    if e.event_date is not None:
        first, last = span(e.event_date, e.time_precision)
        if _assumed_date(e):
            first = min(first, _boundary(first))  # (the calendar's first day at the least)
        return first, last
    published = [s.date for s in e.sources if s.date is not None]
    if e.historical and published:
        boundary = _boundary(max(published))  # the calendar's first day at the least
        return dt.date.min, boundary - dt.timedelta(days=1) if boundary > dt.date.min else boundary
    return dt.date.min, dt.date.max


def _describe_date(e: Event) -> str:
    first, last = _window(e)
    if e.event_date is None:
        return "date unknown" if last == dt.date.max else f"date unknown, before {last}"
    if first == last:
        return first.isoformat()
    if _assumed_date(e):
        return f"{first.isoformat()}..{last.isoformat()} (assumed: recent news)"
    return f"{first.isoformat()}..{last.isoformat()} ({e.time_precision})"


def _shared_source(a: Event, b: Event) -> bool:
    return not {s.doc_id for s in a.sources}.isdisjoint(s.doc_id for s in b.sources)


def _mismatch(
    a: Event,
    b: Event,
    *,
    within: bool = False,
    windows: dict[int, tuple[dt.date, dt.date]] | None = None,
) -> Callable[[], str] | None:
    """Why ``a`` and ``b`` are not one event, or None. The reason is worded only when asked
    for: clustering an article asks this of every pair and only needs the verdict.
    ``windows``: each event's ``_window`` by ``id()``, worked out once per article.
    ``_greedy_merge`` asks the same across articles in a verdict-only form of its own (a
    test holds the two to the same clusters): a change to the rule here goes there too."""
    if (a.event_type, a.sub_event_type) != (b.event_type, b.sub_event_type):
        return lambda: (
            f"different types: {a.event_type} / {a.sub_event_type} vs "
            f"{b.event_type} / {b.sub_event_type}"
        )
    if _shared_source(a, b):
        # One article names the place of each report: different places are different
        # events even when they are near ("Kherson" and "the opposite bank").
        if not _same_place(a, b):
            return lambda: f"different places in one article: {a.location} vs {b.location}"
    elif within:
        return lambda: "different articles"
    else:
        distance = _distance_km(a, b)
        if distance > MERGE_DISTANCE_KM:
            return lambda: f"{distance:.1f} km apart (more than {MERGE_DISTANCE_KM:.0f} km)"
    a0, a1 = windows[id(a)] if windows else _window(a)
    b0, b1 = windows[id(b)] if windows else _window(b)
    if not (a0 <= b1 and b0 <= a1):
        return lambda: f"dates do not overlap: {_describe_date(a)} vs {_describe_date(b)}"
    return None


def explain_merge(a: Event, b: Event) -> str:
    """Why ``a`` and ``b`` are (or are not) the same event."""
    problem = _mismatch(a, b)
    if problem is not None:
        return f"not merged: {problem()}"
    if a.event_date is None or b.event_date is None:
        when = f"one date unknown ({_describe_date(a)} vs {_describe_date(b)})"
    else:
        when = f"dates overlap ({_describe_date(a)} vs {_describe_date(b)})"
    if _shared_source(a, b):
        where = f"same place in one article ({a.location}), different sentences"
    else:
        where = f"{_distance_km(a, b):.1f} km apart (within {MERGE_DISTANCE_KM:.0f} km)"
    return f"merged: same type {a.event_type} / {a.sub_event_type}; {where}; {when}"


_PRECISION_ORDER = {"day": 0, "week": 1, "month": 2, "year": 3, None: 4}


def _primary(members: Sequence[Event]) -> Event:
    return min(members, key=lambda e: (e.geo_precision, -e.confidence, e.id))


def _best_quoted(members: Sequence[Event]) -> Event:
    return min(members, key=lambda e: (-e.confidence, e.geo_precision, e.sentence_start, e.id))


def _best_dated(members: Sequence[Event]) -> Event:
    return min(
        members,
        key=lambda e: (
            e.date_text is None,
            _PRECISION_ORDER[e.time_precision],
            -e.confidence,
            e.id,
        ),
    )


def _combine(members: Sequence[Event], primary: Event | None = None) -> Event:
    primary = primary or _primary(members)
    dated = _best_dated(members)
    ids = sorted({i for e in members for i in (e.merged_from or (e.id,))})
    sources = {s.doc_id: s for e in members for s in e.sources}
    ordered_sources = tuple(
        sorted(sources.values(), key=lambda s: (s.date or dt.date.max, s.doc_id))
    )
    boost = 0.1 * (len(ordered_sources) - 1)
    return evolve(
        primary,
        id="m" + hashlib.sha1("|".join(ids).encode()).hexdigest()[:11],
        actor1=primary.actor1 or next((e.actor1 for e in members if e.actor1), None),
        actor2=primary.actor2 or next((e.actor2 for e in members if e.actor2), None),
        event_date=dated.event_date,
        time_precision=dated.time_precision,
        date_text=dated.date_text,
        historical=dated.historical,
        confidence=round(min(0.99, max(e.confidence for e in members) + boost), 3),
        sources=ordered_sources,
        merged_from=tuple(ids),
    )


def merge_within(events: Iterable[Event]) -> tuple[Event, ...]:
    """Merge the reports of one event in different sentences of one article.

    Two reports are one event when they have the same type and sub-type, the same place
    (one gazetteer id, or within ``SAME_PLACE_KM``) and overlapping dates (an unknown date
    overlaps any, but an undated historical event is over before its article's reporting
    period).  Clusters grow greedily in text order and a report joins one only if it
    matches every member.  The merged event keeps the quote, offsets, place and actors of
    its most confident report, the date of its best-dated one, and every report's id in
    ``merged_from``; ``merged_reports`` gives the other quotes and offsets back from
    ``extract_events(..., merge=False)``, and ``explain_merge`` says why two were merged.
    Only reports of one article merge here (``merge_events`` merges across articles)."""
    clusters: list[list[Event]] = []
    ordered = sorted(events, key=lambda e: (e.sentence_start, e.start, e.id))
    windows = {id(e): _window(e) for e in ordered}
    for event in ordered:
        home = next(
            (
                c
                for c in clusters
                if all(_mismatch(event, m, within=True, windows=windows) is None for m in c)
            ),
            None,
        )
        if home is None:
            clusters.append([event])
        else:
            home.append(event)
    return tuple(c[0] if len(c) == 1 else _combine(c, _best_quoted(c)) for c in clusters)


def merged_reports(event: Event, reports: Iterable[Event]) -> tuple[Event, ...]:
    """The reports ``event`` was merged from, in text order, out of ``reports`` (the
    events of ``extract_events(..., merge=False)``): each with its quote, offsets and
    confidence.  An event that merged nothing is its own single report."""
    ids = set(event.merged_from or (event.id,))
    return tuple(
        sorted((r for r in reports if r.id in ids), key=lambda r: (r.sentence_start, r.start))
    )


def _sort_key(e: Event) -> tuple[object, ...]:
    return (e.event_date or dt.date.max, e.event_type, e.sub_event_type, e.location, e.id)


def merge_events(events: Iterable[Event]) -> tuple[Event, ...]:
    """Merge reports of the same event (within or across documents).

    Two events are the same when they have the same type and sub-type, lie within 25 km
    of each other and their dates overlap given their precisions (or one is unknown);
    two events of one article must be at the same place (see ``merge_within``).
    Clusters grow greedily in a fixed order and an event joins a cluster only if it matches
    every member, so chains of near-misses do not snowball.  A merged event takes its
    place from the most precisely located member, its date from the most precisely dated
    one, lists every document in ``sources`` and every original id in ``merged_from``.

    An event joins the first cluster all of whose members match it, so clusters it cannot
    match never matter to it: clustering each connected group of "same type and near
    enough" events on its own gives the very same clusters, in time that grows with the
    groups instead of with the square of the whole batch.
    """
    ordered = sorted(events, key=_sort_key)
    merged = [m for group in _candidate_groups(ordered) for m in _greedy_merge(group)]
    return tuple(sorted(merged, key=_sort_key))


def _greedy_merge(events: Sequence[Event]) -> list[Event]:
    # ``_mismatch(a, b) is None``, asked of every member of every cluster (a place named
    # in many articles makes groups of hundreds): each event's date window and documents
    # are worked out once, and the cheapest test, the dates, goes first.
    traits = {id(e): (*_window(e), frozenset(s.doc_id for s in e.sources)) for e in events}

    def joins(a: Event, b: Event) -> bool:
        a0, a1, a_docs = traits[id(a)]
        b0, b1, b_docs = traits[id(b)]
        if not (a0 <= b1 and b0 <= a1):
            return False
        if (a.event_type, a.sub_event_type) != (b.event_type, b.sub_event_type):
            return False
        if a_docs.isdisjoint(b_docs):
            # most pairs in a batch are one place's events: no distance to work out
            same_point = a.lat == b.lat and a.lon == b.lon
            return same_point or _distance_km(a, b) <= MERGE_DISTANCE_KM
        return _same_place(a, b)

    clusters: list[list[Event]] = []
    for event in events:
        home = next((c for c in clusters if all(joins(event, m) for m in c)), None)
        if home is None:
            clusters.append([event])
        else:
            home.append(event)
    return [c[0] if len(c) == 1 else _combine(c) for c in clusters]


def _candidate_groups(events: Sequence[Event]) -> list[list[Event]]:
    """Connected groups of events of one type within merge distance (order kept).

    Events are bucketed on a grid over the unit sphere (a chord is never longer than its
    arc, so neighbouring cells hold every candidate) and joined with union-find."""
    reach = MERGE_DISTANCE_KM + 1.0  # a margin keeps the groups a superset of merges
    cell = reach / EARTH_RADIUS_KM
    parent = list(range(len(events)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    grid: dict[tuple[object, ...], list[int]] = {}
    # Many events of a batch share a place's very point: they join its first one at once,
    # and only distinct points are compared.
    points: dict[tuple[object, ...], int] = {}
    for i, e in enumerate(events):
        first = points.setdefault((e.event_type, e.sub_event_type, e.lat, e.lon), i)
        if first != i:
            parent[i] = first
            continue
        la, lo = math.radians(e.lat), math.radians(e.lon)
        xyz = (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la))
        key = (e.event_type, e.sub_event_type, *(math.floor(v / cell) for v in xyz))
        grid.setdefault(key, []).append(i)
    for (etype, sub, cx, cy, cz), members in grid.items():
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for dz in (-1, 0, 1):
                    other = grid.get((etype, sub, cx + dx, cy + dy, cz + dz))  # type: ignore[operator]
                    for i in members:
                        for j in other or ():
                            if (
                                j > i
                                and find(i) != find(j)
                                and _distance_km(events[i], events[j]) <= reach
                            ):
                                parent[find(i)] = find(j)
    groups: dict[int, list[Event]] = {}
    for i, e in enumerate(events):
        groups.setdefault(find(i), []).append(e)
    return list(groups.values())
