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
* **Date**: the date expression in the cue's clause nearest the cue ("N weeks before the
  pullout" does not date the pullout; a noun cue takes only dates after it).  An undated
  finite verb is dated to the publication week ("assumed"), an undated noun or perfect
  ("Russia's capture of Mariupol", "have occupied") stays undated.  ``historical`` is set
  when the date's whole span ends before the week preceding the publication week (news
  reports last week's events as news; the grace is ``HISTORICAL_GRACE_DAYS``).
* **Confidence**: cue weight x (0.5 + 0.5 x resolution score) x how the place was found
  (object 1.0, route 0.85, clause 0.9, sentence 0.75, anaphor 0.6).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from geomap.actors import ActorKind, ActorMention, actor_name, country_name, find_actors
from geomap.dates import DateMention, ResolvedDate, find_dates, monday, resolve, span
from geomap.geodesy import EARTH_RADIUS_KM, haversine_km
from geomap.models import (
    DatePrecision,
    Document,
    Event,
    Place,
    Sentence,
    Source,
    Toponym,
)
from geomap.taxonomy import (
    BY_KEY,
    Category,
    CueMatch,
    Token,
    match_cues,
    may_have_cues,
    tokenize,
    words,
)

#: Specificity of a location: smaller is more specific.  Countries and lines never locate.
LOCATION_RANK = {"point": 0, "district": 1, "city": 2, "area": 3, "admin1": 4}
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

_FUTURE = words("will would could might may shall if unless whether plan plans threaten")
_NEGATION = words("not n't no never deny denied denies without")
_SPEECH = words("say announce declare order state vow pledge promise warn threaten tell")
_DESTINATION_PREPS = ("to", "toward", "towards", "across", "onto")
_PREPOSITIONS = words("from to into in at of out across toward towards onto near around outside on")
_ANAPHOR_RE = re.compile(
    r"\bthe (city|town|village|capital|region|province|area)(?:['’]s)?\b", re.I
)
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


@dataclass(frozen=True)
class _Where:
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
    geometry: BaseGeometry | None = None


@dataclass(frozen=True)
class _Found:
    """An event before it becomes an ``Event``: what the overrides and dedupe look at."""

    category: Category
    clause: int
    event: Event


@dataclass(frozen=True)
class _View:
    """One sentence prepared for judging its cues."""

    index: int
    span: Sentence
    tokens: list[Token]
    clauses: list[tuple[int, int]]
    dates: list[DateMention]
    mentions: list[ActorMention]
    hypothetical: bool

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
        return [t for t in self.toponyms if start <= t.mention.start < end and _locatable(t)]

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
        return t.precision == "area" and t.geometry is not None
    # A river named as a river is never an event location, even if resolved to a town.
    return (t.mention.cue or "") not in WATER_CUES or t.precision == "area"


# --------------------------------------------------------------------------- public API


def extract_events(
    doc: Document, sentences: tuple[Sentence, ...], toponyms: tuple[Toponym, ...]
) -> tuple[Event, ...]:
    """Every event the document reports, one per (sentence, type, place), in text order."""
    ctx = _Context.build(doc, sentences, toponyms)
    found: list[Event] = []
    for index, sentence in enumerate(sentences):
        found.extend(_sentence_events(ctx, index, sentence))
    return tuple(sorted(found, key=lambda e: (e.sentence_start, e.start, e.event_type, e.id)))


def event_id(
    doc_id: str, event_type: str, sub_event_type: str, place_id: str | None, start: int
) -> str:
    """A short stable id from what identifies an event within a document."""
    key = "|".join((doc_id, event_type, sub_event_type, place_id or "", str(start)))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------- one sentence


def _sentence_events(ctx: _Context, index: int, sentence: Sentence) -> list[Event]:
    # Every event needs a location: a locatable toponym in the sentence, or an anaphor
    # ("the city") in it that points back to one. A sentence with neither gives nothing,
    # so it is not tokenised; and one without a cue gets no dates or actors.
    if not ctx.has_locatable(sentence.start, sentence.end) and not _ANAPHOR_RE.search(
        ctx.doc.text, sentence.start, sentence.end
    ):
        return []
    if not may_have_cues(ctx.doc.text, sentence.start, sentence.end):
        return []
    tokens = tokenize(ctx.doc.text, sentence.start, sentence.end)
    matches = list(match_cues(tokens))
    if not matches:
        return []
    view = _view(ctx, index, sentence, tokens)
    found = [_judge(ctx, view, match) for match in matches]
    return _dedupe(_apply_overrides([f for f in found if f is not None]))


def _view(
    ctx: _Context, index: int, sentence: Sentence, tokens: list[Token] | None = None
) -> _View:
    text = ctx.doc.text
    dates = find_dates(text, sentence.start, sentence.end)
    found_actors = find_actors(text[sentence.start : sentence.end], ctx.country)
    return _View(
        index=index,
        span=sentence,
        tokens=tokenize(text, sentence.start, sentence.end) if tokens is None else tokens,
        clauses=_clauses(text, sentence, dates),
        dates=dates,
        mentions=[m for m in _shift(found_actors, sentence.start) if not _locative(text, m)],
        hypothetical=_hypothetical(text[sentence.start : sentence.end]),
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


def _judge(ctx: _Context, view: _View, match: CueMatch) -> _Found | None:
    """Turn one cue match into an event, or ``None`` if it is not one."""
    cue_start, cue_end = view.cue_span(match)
    clause_no = _clause_of(view.clauses, cue_start)
    clause = view.clauses[clause_no]
    in_clause = [t for t in view.tokens if clause[0] <= t.start < clause[1]]
    if not _requirements_met(match, in_clause) or _negated(view.tokens, match.first):
        return None
    if _inside_place_name(ctx, cue_start, cue_end):
        return None
    category: Category | None = match.category
    if view.hypothetical or _future(in_clause):
        category = _as_statement(view.tokens, view.mentions)
    if category is None:
        return None
    nominal = (match.cue.nominal or _looks_nominal(view.tokens, match)) and not (
        _POSSESSIVE_PRONOUN.search(ctx.doc.text, max(0, cue_start - 30), cue_start)
    )
    agent, patient = _agent(ctx.doc.text, view, match, clause, category, nominal)
    armed_cue = match.cue.agent == "armed" and category.key != "statement"
    if armed_cue and (agent is None or agent.kind not in ARMED_KINDS):
        return None
    where = _location(ctx, view, match, category, clause)
    if where is None:
        return None
    actor1, actor2 = _actor_names(category, match, agent, patient, view.mentions, where)
    category = _territory_category(category, match, actor1, patient, where)
    resolved, date_text = _date(ctx, view, match, clause, nominal)
    event = _event(ctx, view.span, category, match, where, (actor1, actor2), resolved, date_text)
    return _Found(category, clause_no, event)


def _inside_place_name(ctx: _Context, start: int, end: int) -> bool:
    """Cue words that belong to a place's name ("the left bank", "Liberation Square")."""
    return any(t.mention.start <= start and end <= t.mention.end for t in ctx.toponyms)


def _requirements_met(match: CueMatch, clause_tokens: Sequence[Token]) -> bool:
    required = match.cue.requires
    return not required or any(t.lemmas & required for t in clause_tokens)


def _negated(tokens: Sequence[Token], first: int) -> bool:
    window = tokens[max(0, first - 3) : first]
    return any(t.lower in _NEGATION or t.lower.endswith(("n't", "n’t")) for t in window)


def _future(clause_tokens: Sequence[Token]) -> bool:
    return any(t.lower in _FUTURE for t in clause_tokens)


def _as_statement(tokens: Sequence[Token], mentions: Sequence[ActorMention]) -> Category | None:
    """A future or hypothetical action is a Statement when an official says it."""
    speaks = any(t.lemmas & _SPEECH for t in tokens)
    official = any(m.kind in ("government", "state", "military") for m in mentions)
    return BY_KEY["statement"] if speaks and official else None


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
        return replace(found, geo_precision=max(2, found.geo_precision)) if found else None
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
        others = [t for t in in_clause if t is not obj] or [obj]
        return _where(_best(others, cue_start), 0.9)
    if in_clause:
        return _where(_best(in_clause, cue_start), 0.9)
    anaphor = _anaphor(ctx, view.index, clause)
    if anaphor is not None:
        return anaphor
    if in_sentence:
        return _where(_best(in_sentence, cue_start), 0.75)
    return _anaphor(ctx, view.index, (sentence.start, sentence.end))


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
    if t.precision == "admin1":
        return 3
    if t.precision in ("district", "area") or any(r in relation for r in NEAR_RELATIONS):
        return 2
    return 1


def _where(t: Toponym, factor: float, start: int | None = None, end: int | None = None) -> _Where:
    place = t.place
    geometry = t.geometry if t.geometry is not None else place.geometry if place else None
    relation = t.mention.relation
    if geometry is not None and geometry.geom_type != "Point":
        point = geometry.representative_point()
        lat, lon = point.y, point.x
    else:
        assert place is not None
        lat, lon = place.lat, place.lon
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
        geometry=geometry if geometry is not None and geometry.geom_type != "Point" else None,
    )


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
        geometry=LineString([(pa.lon, pa.lat), (pb.lon, pb.lat)]),
    )


def _anaphor(ctx: _Context, index: int, clause: tuple[int, int]) -> _Where | None:
    """Resolve "the city's streets" to the latest matching place up to 3 sentences back."""
    m = _ANAPHOR_RE.search(ctx.doc.text, clause[0], clause[1])
    if m is None:
        return None
    wanted = {
        "city": ("city",), "town": ("city",), "village": ("city", "point"),
        "capital": ("city",), "region": ("admin1",), "province": ("admin1",),
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


def _date(
    ctx: _Context, view: _View, match: CueMatch, clause: tuple[int, int], nominal: bool
) -> tuple[ResolvedDate, str | None]:
    """The date of the cue's clause nearest the cue, else an assumed or unknown date."""
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
        return resolve(best, doc.date, doc.date_precision), best.text
    if nominal or _perfect(view.tokens, match.first) or doc.date is None:
        return ResolvedDate(None, None, "", "undated"), None
    precision: DatePrecision = (
        "week" if doc.date_precision in (None, "day", "week") else doc.date_precision
    )
    return ResolvedDate(doc.date, precision, "", "assumed: the publication week"), None


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


def _historical(date: dt.date | None, precision: DatePrecision | None, doc: Document) -> bool:
    """Over before the week preceding the publication week: news reports last week as news."""
    if date is None or doc.date is None:
        return False
    return span(date, precision)[1] < monday(doc.date) - dt.timedelta(days=HISTORICAL_GRACE_DAYS)


def _event(
    ctx: _Context,
    sentence: Sentence,
    category: Category,
    match: CueMatch,
    where: _Where,
    actors: tuple[str | None, str | None],
    resolved: ResolvedDate,
    date_text: str | None,
) -> Event:
    doc = ctx.doc
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
        geometry=where.geometry,
        date_text=date_text,
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


def _dedupe(found: Sequence[_Found]) -> list[Event]:
    """One event per id (same type, place and sentence): the most confident."""
    best: dict[str, Event] = {}
    for f in found:
        current = best.get(f.event.id)
        if current is None or f.event.confidence > current.confidence:
            best[f.event.id] = f.event
    return list(best.values())


# --------------------------------------------------------------------------- merging


def _distance_km(a: Event, b: Event) -> float:
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


def _dates_overlap(a: Event, b: Event) -> bool:
    if a.event_date is None or b.event_date is None:
        return True
    a0, a1 = span(a.event_date, a.time_precision)
    b0, b1 = span(b.event_date, b.time_precision)
    return a0 <= b1 and b0 <= a1


def _describe_date(e: Event) -> str:
    if e.event_date is None:
        return "date unknown"
    first, last = span(e.event_date, e.time_precision)
    if first == last:
        return first.isoformat()
    return f"{first.isoformat()}..{last.isoformat()} ({e.time_precision})"


def _mismatch(a: Event, b: Event) -> str | None:
    if (a.event_type, a.sub_event_type) != (b.event_type, b.sub_event_type):
        return (
            f"different types: {a.event_type} / {a.sub_event_type} vs "
            f"{b.event_type} / {b.sub_event_type}"
        )
    distance = _distance_km(a, b)
    if distance > MERGE_DISTANCE_KM:
        return f"{distance:.1f} km apart (more than {MERGE_DISTANCE_KM:.0f} km)"
    if not _dates_overlap(a, b):
        return f"dates do not overlap: {_describe_date(a)} vs {_describe_date(b)}"
    return None


def explain_merge(a: Event, b: Event) -> str:
    """Why ``a`` and ``b`` are (or are not) the same event."""
    problem = _mismatch(a, b)
    if problem is not None:
        return f"not merged: {problem}"
    if a.event_date is None or b.event_date is None:
        when = f"one date unknown ({_describe_date(a)} vs {_describe_date(b)})"
    else:
        when = f"dates overlap ({_describe_date(a)} vs {_describe_date(b)})"
    return (
        f"merged: same type {a.event_type} / {a.sub_event_type}; "
        f"{_distance_km(a, b):.1f} km apart (within {MERGE_DISTANCE_KM:.0f} km); {when}"
    )


_PRECISION_ORDER = {"day": 0, "week": 1, "month": 2, "year": 3, None: 4}


def _primary(members: Sequence[Event]) -> Event:
    return min(members, key=lambda e: (e.geo_precision, -e.confidence, e.id))


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


def _combine(members: Sequence[Event]) -> Event:
    primary, dated = _primary(members), _best_dated(members)
    ids = sorted({i for e in members for i in (e.merged_from or (e.id,))})
    sources = {s.doc_id: s for e in members for s in e.sources}
    ordered_sources = tuple(
        sorted(sources.values(), key=lambda s: (s.date or dt.date.max, s.doc_id))
    )
    boost = 0.1 * (len(ordered_sources) - 1)
    return replace(
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


def _sort_key(e: Event) -> tuple[object, ...]:
    return (e.event_date or dt.date.max, e.event_type, e.sub_event_type, e.location, e.id)


def merge_events(events: Iterable[Event]) -> tuple[Event, ...]:
    """Merge reports of the same event (within or across documents).

    Two events are the same when they have the same type and sub-type, lie within 25 km
    of each other and their dates overlap given their precisions (or one is unknown).
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
    clusters: list[list[Event]] = []
    for event in events:
        home = next((c for c in clusters if all(_mismatch(event, m) is None for m in c)), None)
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
    for i, e in enumerate(events):
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
