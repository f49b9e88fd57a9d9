"""Stage 3: resolve each mention to a gazetteer place, using the whole document.

A candidate's score mixes four things: how likely the bare name means it
(population and feature-type prior), whether it fits a cue in the text ("the
city of", "X region", "X River"), whether it lies in the country the article is
about, and how close it is to the other places in the article. Below the
threshold a mention stays unresolved rather than being guessed.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from . import spatial
from .gazetteer import Gazetteer, place_prior
from .geodesy import haversine_km
from .models import Candidate, Mention, Place, Precision, Toponym, geometry_of, lazy

if TYPE_CHECKING:
    from shapely import Point

THRESHOLD = 0.35
#: A namesake whose lookup score is this close to a name's best reading also counts
#: towards the article's country, with this weight (the best reading's is 1, or 2 for
#: a country).
_RIVAL_MARGIN = 0.2
_RIVAL_VOTE = 0.75
#: Bound on the name pools a Resolver remembers (cleared between articles when past it).
_MAX_POOLS = 50_000
#: Added to a town or county in the first-level region most of the article's names are in.
_FOCUS_BONUS = 0.1
_CUE_KINDS: dict[str, frozenset[str]] = {
    "river": frozenset({"river", "canal"}),
    "region": frozenset({"admin1", "admin2", "region"}),
    "city": frozenset({"city"}),
    "area": frozenset({"city", "admin1", "admin2", "district", "region"}),
    "district": frozenset({"district"}),
    "bridge": frozenset({"bridge"}),
    "dam": frozenset({"dam", "power_plant"}),
    "plant": frozenset({"power_plant", "nuclear_plant", "dam"}),
    "island": frozenset({"island"}),
    "spit": frozenset({"spit", "peninsula"}),
    "port": frozenset({"port", "city"}),
    "bank": frozenset({"river", "canal"}),
    "direction": frozenset({"city", "admin1"}),
    "sea": frozenset({"sea"}),
    "airport": frozenset({"airport"}),
}
#: Kinds of place a first-level region holds and an article's focus is made of.
_LOCAL_KINDS = frozenset({"city", "admin2", "district"})
_RegionKey = tuple[str | None, str | None]
#: A place's id and coordinates: what its distances depend on.
_PlaceKey = tuple[str, float, float]
#: First-level region -> the names of the article's towns and counties chosen in it.
_Occupied = dict[_RegionKey, set[str]]
_PRECISION_BY_KIND: dict[str, Precision] = {
    "city": "city",
    "admin1": "admin1",
    "admin2": "admin2",
    "region": "admin1",
    "country": "country",
    "river": "line",
    "canal": "line",
    "district": "district",
}


class _Scored(NamedTuple):
    """A candidate with its score: a tuple, made in a fraction of a frozen dataclass's time."""

    place: Place
    score: float


class Resolver:
    def __init__(self, gazetteer: Gazetteer, threshold: float = THRESHOLD) -> None:
        self.gazetteer = gazetteer
        self.threshold = threshold
        # Candidates depend on a mention's name, cue and role only (the gazetteer's
        # answers never change), and the same names recur in every article of a corpus.
        self._pools: dict[tuple[str, str | None, str], _Pool] = {}

    def __call__(self, mentions: Sequence[Mention], text: str | None = None) -> tuple[Toponym, ...]:
        """Resolve a document's mentions together; ``text`` (the document's) lets lists
        of places ("Arizona, Oregon and New York") agree on a kind."""
        # The mentions are distinct (the recogniser's): each is known by its index here.
        plain = [m for m in mentions if m.cue not in ("bank", "street")]
        if len(self._pools) > _MAX_POOLS:
            self._pools.clear()
        # Every mention of a name shares one pool: the passes score each once per pass.
        pools = [self._pool(m) for m in plain]
        distinct = list(dict.fromkeys(pools))  # a pool hashes by identity
        countries = _document_country(distinct)
        bases = {id(p): p.base(countries.get(id(p))) for p in distinct}
        chosen = [p.top for p in pools]
        siblings = _list_siblings(plain, text) if text is not None else {}
        # In "Virginia, Washington, West Virginia" no item is the next one's container.
        containers = {a: b for a, b in _container_hints(plain).items() if a not in siblings}
        # "Buffalo, New York": Y reads as a region that holds a place called X, if any.
        holds = {b: _regions_holding(pools[a].cands) for a, b in containers.items()}
        # Two passes of spatial coherence: each mention's best guess pulls the others.
        previous: list[Place | None] | None = None
        coherence: _Coherence | None = None
        for _ in range(2):
            # A pass sees nothing of the last one but the places it chose: if those are
            # the places it started from, another pass would only repeat it.
            places = [s.place if s else None for s in chosen]
            if places == previous:
                break
            previous = places
            anchors = [p for p in places if p and p.kind != "country"]
            regions = {(p.country, p.admin1) for p in places if p and p.kind == "admin1"}
            # Where the towns and counties chosen so far lie: "Georgia" beside Atlanta is
            # the state, and "Huntsville" beside three Texas towns is the Texas one.
            occupied = _occupied_regions(plain, places)
            focus = _focus_region(occupied, {p.name: p.spread for p in distinct})
            # "Arizona, California, New York and Ohio": a list names one kind of place.
            listed = _listed_kinds(siblings, places)
            hints = {a: hint for a, b in containers.items() if (hint := places[b]) is not None}
            coherence = _Coherence(anchors, coherence)
            # _best depends on the pool and the container hint, not the mention.
            best: dict[tuple[int, int, int, str | None], _Scored | None] = {}
            chosen = []
            for i, pool in enumerate(pools):
                container, held, kind = hints.get(i), holds.get(i), listed.get(i)
                key = (id(pool), id(container), id(held), kind)
                if key not in best:
                    best[key] = _best(
                        pool,
                        bases[id(pool)],
                        regions,
                        container,
                        coherence,
                        held,
                        kind,
                        occupied,
                        focus,
                    )
                chosen.append(best[key])
            chosen = _one_sense(pools, chosen, hints)
        toponyms = [
            self._toponym(m, s, pool.listing)
            for m, s, pool in zip(plain, chosen, pools, strict=True)
        ]
        toponyms += self._banks([m for m in mentions if m.cue == "bank"], toponyms)
        toponyms += _streets([m for m in mentions if m.cue == "street"], toponyms)
        return tuple(sorted(toponyms, key=lambda t: (t.mention.start, t.mention.end)))

    # -- candidates -----------------------------------------------------------------

    def _pool(self, mention: Mention) -> _Pool:
        key = (mention.name, mention.cue, mention.role)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = _Pool(mention.name, self._candidates(mention))
        return pool

    def _candidates(self, mention: Mention) -> list[_Scored]:
        found = self.gazetteer.lookup(mention.name, limit=25)
        if not found and mention.cue:
            found = self.gazetteer.fuzzy(mention.name, limit=5)
        wanted = _CUE_KINDS.get(mention.cue or "")
        if mention.role == "demonym":
            found = [c for c in found if c.place.kind == "country"] or found
        out = []
        for cand in found:
            score = cand.score
            if wanted is not None:
                score += 0.3 if cand.place.kind in wanted else -0.15
            out.append(_Scored(cand.place, score))
        return out

    def _toponym(
        self,
        mention: Mention,
        best: _Scored | None,
        ranked: tuple[Candidate, ...],
    ) -> Toponym:
        if best is None or best.score < self.threshold:
            return Toponym(mention, None, best.score if best else 0.0, None, None, ranked)
        place = best.place
        precision: Precision = _PRECISION_BY_KIND.get(place.kind, "point")
        geometry = geometry_of(place) if place.kind in ("river", "canal") else None
        circle = spatial.circle_around(place.lon, place.lat, mention.relation, mention.cue)
        if circle is not None:
            precision, geometry = "area", circle[2]
        return Toponym(mention, place, best.score, precision, lazy(geometry), ranked)

    # -- river banks --------------------------------------------------------------------

    def _banks(self, banks: list[Mention], toponyms: list[Toponym]) -> list[Toponym]:
        out: list[Toponym] = []
        if not banks:
            return out
        focus: Point | None = None
        previous_side: str | None = None
        for mention in sorted(banks, key=lambda m: m.start):
            rivers = [c for c in self.gazetteer.lookup(mention.name, kinds={"river", "canal"})]
            if not rivers or geometry_of(rivers[0].place) is None:
                # ("the south side" of a town names no river): shapely is not imported
                out.append(Toponym(mention, None, 0.0, None))
                continue
            from shapely import Point  # only here: few articles name a river's bank (0.1 s)

            focus = focus or _focus(toponyms)
            river = rivers[0].place
            anchor = focus or Point(river.lon, river.lat)
            side = mention.relation or "left_bank"
            if side == "opposite_bank":
                side = spatial.opposite_side(
                    previous_side or spatial.side_of(river.geometry, anchor)
                )
            found = spatial.bank_area(river.geometry, side, anchor)
            if found is None:
                out.append(Toponym(mention, None, 0.0, None))
                continue
            area, compass = found
            previous_side = compass
            point = area.representative_point()
            bank_place = Place(
                id=f"{river.id}#{compass}",
                name=f"{compass.split('_')[0]} bank of the {river.name}",
                kind="bank",
                lat=round(point.y, 6),
                lon=round(point.x, 6),
                country=river.country,
                source=river.source,
                geometry=area,
            )
            out.append(
                Toponym(
                    mention,
                    bank_place,
                    rivers[0].score,
                    "area",
                    area,
                    (Candidate(river, rivers[0].score),),
                )
            )
        return out


def _best(
    pool: _Pool,
    base: list[float],
    regions: set[_RegionKey],
    container: Place | None,
    coherence: _Coherence,
    held: frozenset[_RegionKey] | None,
    listed: str | None,
    occupied: _Occupied,
    focus: tuple[_RegionKey, set[str]] | None,
) -> _Scored | None:
    cands, name, namesakes = pool.cands, pool.name, pool.namesakes
    if not cands:
        return None
    # Both focus and occupied count only other names: "New York" the city is no evidence
    # for "New York" the state.
    focus_key = focus[0] if focus and focus[1] - {name} else None
    partial = []
    for cand, score in zip(cands, base, strict=True):
        place = cand.place
        kind = place.kind
        region = (place.country, place.admin1)
        if kind != "admin1" and region in regions and (not namesakes or region in namesakes):
            score += 0.15  # the article names the region this place is in
        if kind in _LOCAL_KINDS and region == focus_key:
            score += _FOCUS_BONUS  # the region most of the article's towns lie in
        if kind == "admin1" and occupied.get(region, set()) - {name}:
            score += 0.15  # the article names towns in this region
        if container is not None and _contains(container, place):
            score += 0.4  # "Wintersville, Ohio"
        if held and _region_key(place) in held:
            score += 0.4  # the Ohio of "Wintersville, Ohio"
        if listed is not None and kind == listed:
            score += 0.15
        partial.append(score)
    # A stable sort, high to low: equal scores keep the candidates' order.
    order = sorted(range(len(cands)), key=partial.__getitem__, reverse=True)
    # Coherence can only raise a score, and the final score is clipped at 1.0: a leader
    # at 1.0 already, with no other candidate within reach, wins without it.
    floor = round(partial[order[0]], 6)
    if floor >= 1.0 and (len(order) == 1 or partial[order[1]] + 0.15 + 1e-6 < floor):
        return _Scored(cands[order[0]].place, 1.0)
    # Coherence adds at most 0.15 (it is a mean of terms <= 1), so once a candidate's
    # score without it is that much (and a rounding margin) below the best full score,
    # neither it nor any lower one can win: their coherence is never computed.
    # Ranking uses the unclipped score: clipping at 1.0 first would tie two strong
    # candidates and hand the win to the id tie-break.
    best: _Scored | None = None
    best_key: tuple[float, bool, int, int, str] | None = None
    for i in order:
        if best_key is not None and partial[i] + 0.15 + 1e-6 < best_key[0]:
            break
        place = cands[i].place
        raw = round(partial[i] + 0.15 * coherence(place), 6)
        # In an exact tie a country beats its own province of that name (Taiwan), and
        # the more populous place wins ("Chinese": China, not Macao).
        key = (raw, place.kind == "country", place.population, -len(place.id), place.id)
        if best_key is None or key > best_key:
            best, best_key = _Scored(place, min(raw, 1.0)), key
    return best


class _Pool:
    """A name's candidates (for one cue and role), with all that depends on them alone."""

    def __init__(self, name: str, cands: list[_Scored]) -> None:
        self.name = name
        self.cands = cands
        #: The five best, as a toponym lists them.
        self.listing = _ranked(cands)
        #: The best by lookup score: a mention's guess before the coherence passes.
        self.top = max(cands, key=lambda s: s.score) if cands else None
        #: What each candidate's score owes to its lookup score and its place's prior.
        self.prior = [0.55 * c.score + 0.2 * place_prior(c.place) for c in cands]
        # "Ohio, Oregon" in a list of states: a name that is itself a country's or a
        # state's is not a town of Oregon, Ohio because the article names Ohio (the
        # city of Kherson, in the Kherson region the article names, still is Kherson's).
        self.namesakes = {_region_key(c.place) for c in cands if c.place.name == name} - {None}
        #: How many first-level regions the name's towns and counties lie in: a name found
        #: in one region only says more about the article's region than a common one.
        self.spread = max(
            1,
            len({(c.place.country, c.place.admin1) for c in cands if c.place.kind in _LOCAL_KINDS}),
        )
        #: The name's votes for the article's country (see ``_document_country``).
        self.ballot: dict[str, float] = {}
        best = self.top
        if best is None:
            return
        if best.place.country:
            self.ballot[best.place.country] = 2 if best.place.kind == "country" else 1
        # "Paris" might also be the Texas town: a close namesake votes for its country
        # too, so "Paris ... Dallas" is an American article, not a tie with France.
        for c in cands:
            if (
                c.place.country
                and c.place.country not in self.ballot
                and c.score >= best.score - _RIVAL_MARGIN
            ):
                self.ballot[c.place.country] = _RIVAL_VOTE

    def base(self, country: str | None) -> list[float]:
        """Each candidate's score before the article's other places weigh in: its prior
        part, and a bonus for lying in the article's country."""
        if not country:
            return self.prior
        return [
            score + 0.15 if c.place.country == country else score
            for c, score in zip(self.cands, self.prior, strict=True)
        ]


def _document_country(pools: list[_Pool]) -> dict[int, str | None]:
    """For each pool (by id), the country most of the article's other names point to:
    a name does not vouch for its own reading ("Jordan" x3 in an article about Shakopee
    and Scott County is not about Jordan the country)."""
    # One vote per name: a name repeated throughout ("Georgia" x4) must not outvote the
    # four other places that settle which Georgia it is.
    ballots = {id(p): p.ballot for p in pools if p.cands}
    total: dict[str, float] = {}
    for ballot in ballots.values():
        for cc, vote in ballot.items():
            total[cc] = total.get(cc, 0.0) + vote
    out: dict[int, str | None] = {}
    for key, ballot in ballots.items():
        # Ties go to the country named first, as before.
        rest = {cc: v - ballot.get(cc, 0.0) for cc, v in total.items()}
        top = max(rest, key=rest.__getitem__, default=None)
        out[key] = top if top is not None and rest[top] > 1e-9 else None
    return out


def _one_sense(
    pools: list[_Pool], chosen: list[_Scored | None], hints: dict[int, Place]
) -> list[_Scored | None]:
    """A name placed by its container once ("Scott County, Indiana") keeps that place at
    its other mentions in the article ("... in Scott County"), unless they have their
    own container: an article means one place by one name."""
    placed: dict[int, _Scored | None] = {}  # by pool; None: its containers disagree
    for i in hints:
        here = chosen[i]
        if here is not None:
            first = placed.setdefault(id(pools[i]), here)
            if first is not None and first.place != here.place:
                placed[id(pools[i])] = None
    if not placed:
        return chosen
    out = list(chosen)
    for i, pool in enumerate(pools):
        if i not in hints and (kept := placed.get(id(pool))) is not None:
            out[i] = kept
    return out


def _ranked(cands: list[_Scored]) -> tuple[Candidate, ...]:
    """The five best candidates, as a toponym lists them."""
    return tuple(
        Candidate(c.place, round(c.score, 6))
        for c in sorted(cands, key=lambda c: (-c.score, c.place.id))[:5]
    )


def _container_hints(mentions: list[Mention]) -> dict[int, int]:
    """ "X, Y" where Y names X's region or country: map X's index to Y's."""
    ordered = sorted(range(len(mentions)), key=lambda i: mentions[i].start)
    hints = {}
    for i, j in itertools.pairwise(ordered):
        a, b = mentions[i], mentions[j]
        if b.start - a.end <= 2 and a.sentence == b.sentence and b.role == "literal":
            hints[i] = j
    return hints


_LIST_GAPS = frozenset({", ", " and ", ", and ", " or ", ", or ", " & "})


def _list_siblings(mentions: list[Mention], text: str) -> dict[int, list[int]]:
    """The other items of the list ("A, B and C") each mention stands in, if any, by index."""
    runs: list[list[int]] = []
    prev: Mention | None = None
    for i in sorted(range(len(mentions)), key=lambda i: mentions[i].start):
        m = mentions[i]
        if (
            prev is not None
            and prev.sentence == m.sentence
            and text[prev.end : m.start] in _LIST_GAPS
        ):
            runs[-1].append(i)
        else:
            runs.append([i])
        prev = m
    return {i: [o for o in run if o != i] for run in runs if len(run) >= 3 for i in run}


def _listed_kinds(siblings: dict[int, list[int]], places: list[Place | None]) -> dict[int, str]:
    """For a mention in a list, the kind most of its siblings resolve to (two or more)."""
    out = {}
    for i, others in siblings.items():
        kinds = Counter(p.kind for o in others if (p := places[o]) is not None)
        if kinds:
            kind, count = kinds.most_common(1)[0]
            # Only regions: a list of towns says nothing about which town of a name.
            if kind in ("admin1", "country") and count >= 2 and count * 2 > len(others):
                out[i] = kind
    return out


def _occupied_regions(mentions: list[Mention], places: list[Place | None]) -> _Occupied:
    """The first-level regions the towns and counties chosen so far lie in, each with
    the names that put it there."""
    out: _Occupied = {}
    for m, p in zip(mentions, places, strict=True):
        if p and p.kind in _LOCAL_KINDS and p.admin1:
            out.setdefault((p.country, p.admin1), set()).add(m.name)
    return out


def _focus_region(
    occupied: _Occupied, spread: dict[str, int]
) -> tuple[_RegionKey, set[str]] | None:
    """The region more of the article's names lie in than any other, if two or more do:
    a local paper's state, which its same-named towns elsewhere should not win. Between
    regions with as many names, the one whose names are found in fewer other regions."""

    def weight(names: set[str]) -> tuple[int, float]:
        return len(names), round(sum(1 / spread.get(n, 1) for n in names), 6)

    ranked = sorted(occupied.items(), key=lambda kv: weight(kv[1]), reverse=True)
    if not ranked or len(ranked[0][1]) < 2:
        return None
    if len(ranked) > 1 and weight(ranked[1][1]) == weight(ranked[0][1]):
        return None
    return ranked[0]


def _region_key(place: Place) -> tuple[str | None, str | None] | None:
    if place.kind == "country":
        return (place.country, None)
    if place.kind == "admin1":
        return (place.country, place.admin1)
    return None


def _regions_holding(cands: list[_Scored]) -> frozenset[tuple[str | None, str | None]]:
    """The countries and first-level regions some candidate (not itself one) lies in."""
    keys: set[tuple[str | None, str | None]] = set()
    for c in cands:
        if c.place.kind not in ("country", "admin1", "continent", "region"):
            keys.update(((c.place.country, None), (c.place.country, c.place.admin1)))
    return frozenset(keys)


def _contains(container: Place, place: Place) -> bool:
    if container.kind == "country":
        return place.country == container.country and place.id != container.id
    if container.kind == "admin1":
        return (place.country, place.admin1) == (
            container.country,
            container.admin1,
        ) and place.id != container.id
    return False


class _Coherence:
    """``_coherence(place, the anchors other than place)``, remembered per place.

    One per pass: the anchors are fixed while a pass scores every mention's candidates,
    and the same candidates come up for every mention of a name. Each distinct anchor's
    term is computed once with ``_km``'s arithmetic, and the terms are summed over the
    anchors in their order, so the value is the very same float ``_coherence`` gives.
    The second pass's terms for anchors the first pass had too are the first's.
    """

    def __init__(self, anchors: list[Place], before: _Coherence | None = None) -> None:
        slots: dict[_PlaceKey, int] = {}
        self._order = [slots.setdefault((a.id, a.lat, a.lon), len(slots)) for a in anchors]
        # Half angles: (b - a) / 2 is exactly b / 2 - a / 2 (halving only shifts the
        # exponent), which spares two divisions per term.
        self._unique = [
            (pid, math.radians(lat) / 2, math.radians(lon) / 2, math.cos(math.radians(lat)))
            for pid, lat, lon in slots
        ]
        self._memo: dict[_PlaceKey, float] = {}
        #: Each place's terms, by distinct anchor, for the next pass.
        self._rows: dict[_PlaceKey, list[float | None]] = {}
        self._slots = slots
        # Per distinct anchor, its index in the last pass's rows (None: not there).
        self._before = before._rows if before else {}
        self._reuse = [before._slots.get(k) for k in slots] if before else []
        self._fresh: list[int | None] = [None] * len(slots)

    def __call__(self, place: Place) -> float:
        key = (place.id, place.lat, place.lon)
        value = self._memo.get(key)
        if value is None:
            value = self._memo[key] = self._compute(key)
        return value

    def _compute(self, key: _PlaceKey) -> float:
        pid, lat, lon = key
        lat1 = math.radians(lat)
        half_lat1, half_lon1 = lat1 / 2, math.radians(lon) / 2
        cos1 = math.cos(lat1)
        sin, asin, sqrt, exp = math.sin, math.asin, math.sqrt, math.exp
        row = self._before.get(key, ())
        terms: list[float | None] = []
        add = terms.append
        for j, (uid, half_lat2, half_lon2, cos2) in zip(
            self._reuse if row else self._fresh, self._unique, strict=True
        ):
            if j is not None:
                add(row[j])
            elif uid == pid:
                add(None)
            else:
                h = sin(half_lat2 - half_lat1) ** 2 + cos1 * cos2 * sin(half_lon2 - half_lon1) ** 2
                # min(1.0, sqrt(h)), without the call.
                km = 2 * 6371.0088 * asin(sqrt(h) if h < 1.0 else 1.0)
                add(exp(-km / 400.0))
        self._rows[key] = terms
        others = [t for t in map(terms.__getitem__, self._order) if t is not None]
        if not others:
            return 0.0
        return sum(others) / len(others)


def _coherence(place: Place, anchors: list[Place]) -> float:
    if not anchors:
        return 0.0
    total = sum(math.exp(-_km(place, a) / 400.0) for a in anchors)
    return total / len(anchors)


def _km(a: Place, b: Place) -> float:
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


def _streets(streets: list[Mention], toponyms: list[Toponym]) -> list[Toponym]:
    """Streets and roads, placed in the article's town (precision: that town).

    With no town in the article a street stays unresolved: a road name alone
    ("Main Street", "Route 9") says nothing about where it is.
    """
    if not streets:
        return []
    town = _focus_toponym(toponyms)
    out = []
    for m in streets:
        if town is None or town.place is None:
            out.append(Toponym(m, None, 0.0, None))
            continue
        place = town.place
        street = Place(
            id=f"{place.id}#street",
            name=f"{m.name}, {place.name}",
            kind="street",
            lat=place.lat,
            lon=place.lon,
            country=place.country,
            admin1=place.admin1,
            source=place.source,
        )
        score = round(town.score * 0.8, 6)
        out.append(Toponym(m, street, score, "city", None, (Candidate(place, score),)))
    return out


def _focus(toponyms: list[Toponym]) -> Point | None:
    """The article's focus: its most-mentioned literal town-level place."""
    from shapely import Point

    top = _focus_toponym(toponyms)
    return None if top is None or top.place is None else Point(top.place.lon, top.place.lat)


def _focus_toponym(toponyms: list[Toponym]) -> Toponym | None:
    """The toponym of the article's most-mentioned literal town-level place."""
    counts: Counter[str] = Counter()
    places: dict[str, Toponym] = {}
    for t in toponyms:
        if (
            t.place is not None
            and t.mention.role in ("literal", "modifier")
            and t.place.kind in ("city", "district")
        ):
            counts[t.place.id] += 1
            places.setdefault(t.place.id, t)
    if not counts:
        return None
    top = max(counts, key=lambda pid: (counts[pid], pid))
    return places[top]
