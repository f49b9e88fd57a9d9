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
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import spatial
from .gazetteer import Gazetteer, place_prior
from .geodesy import haversine_km
from .models import Candidate, Mention, Place, Precision, Toponym

if TYPE_CHECKING:
    from shapely import Point

THRESHOLD = 0.35
#: A namesake whose lookup score is this close to a name's best reading also counts
#: towards the article's country, with this weight (the best reading's is 1, or 2 for
#: a country).
_RIVAL_MARGIN = 0.2
_RIVAL_VOTE = 0.75
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


@dataclass(frozen=True)
class _Scored:
    place: Place
    score: float


class Resolver:
    def __init__(self, gazetteer: Gazetteer, threshold: float = THRESHOLD) -> None:
        self.gazetteer = gazetteer
        self.threshold = threshold

    def __call__(self, mentions: Sequence[Mention], text: str | None = None) -> tuple[Toponym, ...]:
        """Resolve a document's mentions together; ``text`` (the document's) lets lists
        of places ("Arizona, Oregon and New York") agree on a kind."""
        plain = [m for m in mentions if m.cue not in ("bank", "street")]
        # Candidates depend on a mention's name, cue and role only: every mention of a
        # name shares one list, and the passes below score each list once per pass.
        by_name: dict[tuple[str, str | None, str], list[_Scored]] = {}
        candidates: dict[Mention, list[_Scored]] = {}
        for m in plain:
            name_key = (m.name, m.cue, m.role)
            found = by_name.get(name_key)
            if found is None:
                found = by_name[name_key] = self._candidates(m)
            candidates[m] = found
        countries = self._document_country(candidates)
        chosen: dict[Mention, _Scored | None] = {
            m: (max(c, key=lambda s: s.score) if c else None) for m, c in candidates.items()
        }
        siblings = _list_siblings(plain, text) if text is not None else {}
        # In "Virginia, Washington, West Virginia" no item is the next one's container.
        containers = {a: b for a, b in _container_hints(plain).items() if a not in siblings}
        # "Buffalo, New York": Y reads as a region that holds a place called X, if any.
        holds = {b: _regions_holding(candidates[a]) for a, b in containers.items()}
        # Two passes of spatial coherence: each mention's best guess pulls the others.
        for _ in range(2):
            anchors = [s.place for s in chosen.values() if s and s.place.kind not in ("country",)]
            regions = {
                (s.place.country, s.place.admin1)
                for s in chosen.values()
                if s and s.place.kind == "admin1"
            }
            # Where the towns and counties chosen so far lie: "Georgia" beside Atlanta is
            # the state, and "Huntsville" beside three Texas towns is the Texas one.
            occupied = _occupied_regions(chosen)
            focus = _focus_region(occupied)
            # "Arizona, California, New York and Ohio": a list names one kind of place.
            listed = _listed_kinds(siblings, chosen)
            hints = {
                m: hint.place for m, c in containers.items() if (hint := chosen.get(c)) is not None
            }
            coherence = _Coherence(anchors)
            # _best depends on the candidate list and the container hint, not the mention.
            best: dict[tuple[int, int, int, str | None], _Scored | None] = {}
            chosen = {}
            for m in plain:
                cands, container, held = candidates[m], hints.get(m), holds.get(m)
                kind = listed.get(m)
                key = (id(cands), id(container), id(held), kind)
                if key not in best:
                    best[key] = self._best(
                        m,
                        cands,
                        countries.get(id(cands)),
                        anchors,
                        regions,
                        container,
                        coherence,
                        held,
                        kind,
                        occupied,
                        focus,
                    )
                chosen[m] = best[key]
        ranked: dict[int, tuple[Candidate, ...]] = {}
        toponyms: dict[Mention, Toponym] = {}
        for m in plain:
            cands = candidates[m]
            if id(cands) not in ranked:
                ranked[id(cands)] = _ranked(cands)
            toponyms[m] = self._toponym(m, chosen[m], cands, ranked[id(cands)])
        banks = self._banks([m for m in mentions if m.cue == "bank"], toponyms)
        toponyms.update(banks)
        toponyms.update(_streets([m for m in mentions if m.cue == "street"], toponyms))
        return tuple(toponyms[m] for m in sorted(toponyms, key=lambda m: (m.start, m.end)))

    # -- candidates -----------------------------------------------------------------

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

    def _document_country(self, candidates: dict[Mention, list[_Scored]]) -> dict[int, str | None]:
        """For each candidate list (by id), the country most of the article's other
        names point to: a name does not vouch for its own reading ("Jordan" x3 in an
        article about Shakopee and Scott County is not about Jordan the country)."""
        ballots: dict[int, dict[str, float]] = {}
        for cands in candidates.values():
            # One vote per name: a name repeated throughout ("Georgia" x4) must not
            # outvote the four other places that settle which Georgia it is.
            if not cands or id(cands) in ballots:
                continue
            ballot = ballots[id(cands)] = {}
            best = max(cands, key=lambda s: s.score)
            if best.place.country:
                ballot[best.place.country] = 2 if best.place.kind == "country" else 1
            # "Paris" might also be the Texas town: a close namesake votes for its country
            # too, so "Paris ... Dallas" is an American article, not a tie with France.
            for c in cands:
                if (
                    c.place.country
                    and c.place.country not in ballot
                    and c.score >= best.score - _RIVAL_MARGIN
                ):
                    ballot[c.place.country] = _RIVAL_VOTE
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

    def _best(
        self,
        mention: Mention,
        cands: list[_Scored],
        country: str | None,
        anchors: list[Place],
        regions: set[tuple[str | None, str | None]] = frozenset(),  # type: ignore[assignment]
        container: Place | None = None,
        coherence: _Coherence | None = None,
        held: frozenset[tuple[str | None, str | None]] | None = None,
        listed: str | None = None,
        occupied: _Occupied | None = None,
        focus: tuple[_RegionKey, set[str]] | None = None,
    ) -> _Scored | None:
        if not cands:
            return None
        if coherence is None:
            coherence = _Coherence(anchors)
        partial = []
        # "Ohio, Oregon" in a list of states: a name that is itself a country's or a
        # state's is not a town of Oregon, Ohio because the article names Ohio (the
        # city of Kherson, in the Kherson region the article names, still is Kherson's).
        namesakes = {_region_key(c.place) for c in cands if c.place.name == mention.name} - {None}
        for cand in cands:
            score = 0.55 * cand.score + 0.2 * place_prior(cand.place)
            if country and cand.place.country == country:
                score += 0.15
            if (
                cand.place.kind != "admin1"
                and (cand.place.country, cand.place.admin1) in regions
                and (not namesakes or (cand.place.country, cand.place.admin1) in namesakes)
            ):
                score += 0.15  # the article names the region this place is in
            # Both below count only other names: "New York" the city is no evidence for
            # "New York" the state.
            if (
                focus
                and cand.place.kind in _LOCAL_KINDS
                and (cand.place.country, cand.place.admin1) == focus[0]
                and focus[1] - {mention.name}
            ):
                score += _FOCUS_BONUS  # the region most of the article's towns lie in
            if (
                occupied
                and cand.place.kind == "admin1"
                and occupied.get((cand.place.country, cand.place.admin1), set()) - {mention.name}
            ):
                score += 0.15  # the article names towns in this region
            if container is not None and _contains(container, cand.place):
                score += 0.4  # "Wintersville, Ohio"
            if held and _region_key(cand.place) in held:
                score += 0.4  # the Ohio of "Wintersville, Ohio"
            if listed is not None and cand.place.kind == listed:
                score += 0.15
            partial.append(score)
        # Coherence adds at most 0.15 (it is a mean of terms <= 1), so once a candidate's
        # score without it is that much (and a rounding margin) below the best full score,
        # neither it nor any lower one can win: their coherence is never computed.
        # Ranking uses the unclipped score: clipping at 1.0 first would tie two strong
        # candidates and hand the win to the id tie-break.
        best: _Scored | None = None
        best_key: tuple[float, bool, int, int, str] | None = None
        for i in sorted(range(len(cands)), key=lambda i: -partial[i]):
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

    def _toponym(
        self,
        mention: Mention,
        best: _Scored | None,
        cands: list[_Scored],
        ranked: tuple[Candidate, ...] | None = None,
    ) -> Toponym:
        if ranked is None:
            ranked = _ranked(cands)
        if best is None or best.score < self.threshold:
            return Toponym(mention, None, best.score if best else 0.0, None, None, ranked)
        place = best.place
        precision: Precision = _PRECISION_BY_KIND.get(place.kind, "point")
        geometry = place.geometry if place.kind in ("river", "canal") else None
        if mention.cue == "area" or mention.relation == "near":
            precision = "area"
            geometry = spatial.near_area(place.lon, place.lat)
        elif mention.relation and mention.relation[:1].isdigit():
            offset = spatial.offset_area(place.lon, place.lat, mention.relation)
            if offset is not None:
                precision, geometry = "area", offset[2]
        return Toponym(mention, place, best.score, precision, geometry, ranked)

    # -- river banks --------------------------------------------------------------------

    def _banks(
        self, banks: list[Mention], toponyms: dict[Mention, Toponym]
    ) -> dict[Mention, Toponym]:
        out: dict[Mention, Toponym] = {}
        if not banks:
            return out
        from shapely import Point  # only here: most articles name no bank (0.1 s import)

        focus = _focus(list(toponyms.values()))
        previous_side: str | None = None
        for mention in sorted(banks, key=lambda m: m.start):
            rivers = [c for c in self.gazetteer.lookup(mention.name, kinds={"river", "canal"})]
            if not rivers or rivers[0].place.geometry is None:
                out[mention] = Toponym(mention, None, 0.0, None)
                continue
            river = rivers[0].place
            anchor = focus or Point(river.lon, river.lat)
            side = mention.relation or "left_bank"
            if side == "opposite_bank":
                side = spatial.opposite_side(
                    previous_side or spatial.side_of(river.geometry, anchor)
                )
            found = spatial.bank_area(river.geometry, side, anchor)
            if found is None:
                out[mention] = Toponym(mention, None, 0.0, None)
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
            out[mention] = Toponym(
                mention,
                bank_place,
                rivers[0].score,
                "area",
                area,
                (Candidate(river, rivers[0].score),),
            )
        return out


def _ranked(cands: list[_Scored]) -> tuple[Candidate, ...]:
    """The five best candidates, as a toponym lists them."""
    return tuple(
        Candidate(c.place, round(c.score, 6))
        for c in sorted(cands, key=lambda c: (-c.score, c.place.id))[:5]
    )


def _container_hints(mentions: list[Mention]) -> dict[Mention, Mention]:
    """ "X, Y" where Y names X's region or country: map X's mention to Y's."""
    ordered = sorted(mentions, key=lambda m: m.start)
    hints = {}
    for a, b in itertools.pairwise(ordered):
        if b.start - a.end <= 2 and a.sentence == b.sentence and b.role == "literal":
            hints[a] = b
    return hints


_LIST_GAPS = frozenset({", ", " and ", ", and ", " or ", ", or ", " & "})


def _list_siblings(mentions: list[Mention], text: str) -> dict[Mention, list[Mention]]:
    """The other items of the list ("A, B and C") each mention stands in, if any."""
    ordered = sorted(mentions, key=lambda m: m.start)
    runs: list[list[Mention]] = []
    for prev, m in zip([None, *ordered], ordered, strict=False):
        if (
            prev is not None
            and prev.sentence == m.sentence
            and text[prev.end : m.start] in _LIST_GAPS
        ):
            runs[-1].append(m)
        else:
            runs.append([m])
    return {m: [o for o in run if o is not m] for run in runs if len(run) >= 3 for m in run}


def _listed_kinds(
    siblings: dict[Mention, list[Mention]], chosen: dict[Mention, _Scored | None]
) -> dict[Mention, str]:
    """For a mention in a list, the kind most of its siblings resolve to (two or more)."""
    out = {}
    for m, others in siblings.items():
        kinds = Counter(s.place.kind for o in others if (s := chosen.get(o)) is not None)
        if kinds:
            kind, count = kinds.most_common(1)[0]
            # Only regions: a list of towns says nothing about which town of a name.
            if kind in ("admin1", "country") and count >= 2 and count * 2 > len(others):
                out[m] = kind
    return out


def _occupied_regions(chosen: dict[Mention, _Scored | None]) -> _Occupied:
    """The first-level regions the towns and counties chosen so far lie in, each with
    the names that put it there."""
    out: _Occupied = {}
    for m, s in chosen.items():
        if s and s.place.kind in _LOCAL_KINDS and s.place.admin1:
            out.setdefault((s.place.country, s.place.admin1), set()).add(m.name)
    return out


def _focus_region(occupied: _Occupied) -> tuple[_RegionKey, set[str]] | None:
    """The region more of the article's names lie in than any other, if two or more do:
    a local paper's state, which its same-named towns elsewhere should not win."""
    ranked = sorted(occupied.items(), key=lambda kv: -len(kv[1]))
    if not ranked or len(ranked[0][1]) < 2:
        return None
    if len(ranked) > 1 and len(ranked[1][1]) == len(ranked[0][1]):
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
    """

    def __init__(self, anchors: list[Place]) -> None:
        slots: dict[tuple[str, float, float], int] = {}
        self._order = [slots.setdefault((a.id, a.lat, a.lon), len(slots)) for a in anchors]
        self._unique = [
            (pid, math.radians(lat), math.radians(lon), math.cos(math.radians(lat)))
            for pid, lat, lon in slots
        ]
        self._memo: dict[tuple[str, float, float], float] = {}

    def __call__(self, place: Place) -> float:
        key = (place.id, place.lat, place.lon)
        value = self._memo.get(key)
        if value is None:
            value = self._memo[key] = self._compute(place)
        return value

    def _compute(self, place: Place) -> float:
        pid = place.id
        lat1, lon1 = math.radians(place.lat), math.radians(place.lon)
        cos1 = math.cos(lat1)
        sin, asin, sqrt, exp = math.sin, math.asin, math.sqrt, math.exp
        terms = [
            None
            if uid == pid
            else exp(
                -(
                    2
                    * 6371.0088
                    * asin(
                        min(
                            1.0,
                            sqrt(
                                sin((lat2 - lat1) / 2) ** 2
                                + cos1 * cos2 * sin((lon2 - lon1) / 2) ** 2
                            ),
                        )
                    )
                )
                / 400.0
            )
            for uid, lat2, lon2, cos2 in self._unique
        ]
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


def _streets(streets: list[Mention], toponyms: dict[Mention, Toponym]) -> dict[Mention, Toponym]:
    """Streets and roads, placed in the article's town (precision: that town).

    With no town in the article a street stays unresolved: a road name alone
    ("Main Street", "Route 9") says nothing about where it is.
    """
    town = _focus_toponym(list(toponyms.values()))
    out = {}
    for m in streets:
        if town is None or town.place is None:
            out[m] = Toponym(m, None, 0.0, None)
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
        out[m] = Toponym(m, street, score, "city", None, (Candidate(place, score),))
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
