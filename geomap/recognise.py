"""Stage 2: find place mentions in text, with offsets and how each one is used.

The default recogniser needs no model: it matches runs of capitalised words
against gazetteer names (longest first), then uses the words around each match
to reject people, organisations and common words, to mark metonymy ("Moscow
said") and demonyms ("Ukrainian forces"), and to read feature cues ("the city
of X", "X region", "X River").
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress
from operator import itemgetter
from typing import NamedTuple

from .gazetteer import Gazetteer
from .lexicon import (
    AGENCY_VERBS,
    COUNTRY_ABBREVIATIONS,
    DISEASE_WORDS,
    FEATURE_GENERICS,
    FUNCTION_WORDS,
    GOVERNMENT_SEAT_NAMES,
    INSTITUTION_WORDS,
    INSTITUTIONAL_NOUNS,
    MEDIA_SUFFIXES,
    MONTHS,
    NEVER_PLACES,
    ORG_SUFFIXES,
    PERSON_TITLES,
    PLACE_MODIFIERS,
    PRECEDING_GENERICS,
    RANKS,
    SPEECH_NOUNS,
    WEEKDAYS,
)
from .models import Mention, MentionRole, Sentence
from .text import STREET_TYPE, Token, sentence_index, tokenize

MAX_NAME_TOKENS = 6
#: Lower-case words allowed inside a multi-word name: "Republic of the Congo", "Bosnia and Herzegovina".
NAME_CONNECTORS = frozenset(
    [
        "of",
        "the",
        "and",
        "de",
        "del",
        "della",
        "da",
        "do",
        "dos",
        "das",
        "la",
        "le",
        "les",
        "el",
        "upon",
        "on",
        "sur",
        "am",
        "im",
        "an",
        "der",
        "di",
        "y",
        "e",
    ]
)
#: A one-word match that is also this common an English word needs a big place behind it.
COMMON_WORD_ZIPF = 4.0
BIG_PLACE_POPULATION = 500_000
#: Smallest town whose name before an institution word still names the town.
MODIFIER_MIN_POPULATION = 5_000
_POSSESSIVE = re.compile(r"['’]s?$")
_SIDES = {
    "left": "left_bank",
    "right": "right_bank",
    "east": "east_bank",
    "eastern": "east_bank",
    "west": "west_bank",
    "western": "west_bank",
    "north": "north_bank",
    "northern": "north_bank",
    "south": "south_bank",
    "southern": "south_bank",
    "opposite": "opposite_bank",
    "other": "opposite_bank",
    "far": "opposite_bank",
}
_BANK_WORDS = frozenset({"bank", "side", "shore", "banks"})
# A bank word standing alone: no letter on either side (tokens are runs of letters).
_BANK_WORD = re.compile(
    r"[bBsS](?<![^\W\d_][bBsS])"
    r"(?:(?<=[bB])[aA][nN][kK][sS]?|(?<=[sS])(?:[iI][dD][eE]|[hH][oO][rR][eE]))(?![^\W\d_])"
)
_DIRECTIONS = frozenset(
    {
        "north",
        "south",
        "east",
        "west",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
        "north-east",
        "north-west",
        "south-east",
        "south-west",
    }
)
_CONTRACTION = re.compile(r"['’](?:re|ve|ll|d|m|t)$|n['’]t$", re.IGNORECASE)
# "U.S.", "D.C.", "W.Va.", "Fla.": dotted abbreviations the tokenizer splits apart.
# Patterns here open with the capital itself and look behind it afterwards: a pattern
# that starts with a character class lets ``re`` skip straight to candidate characters,
# where a leading look-behind is tried at every position (8x slower over news text).
_DOTTED = re.compile(
    r"[A-Z](?<![\w.][A-Z])"
    r"(?:\.(?:[A-Z]\.)+|\. ?[A-Z][a-z]{1,3}\.|[a-z]{1,3}\.(?:[A-Z][a-z]{0,3}\.)?)"
)
SPEECH_VERBS = frozenset(
    [
        "said",
        "says",
        "told",
        "added",
        "asked",
        "explained",
        "noted",
        "wrote",
        "stated",
        "recalled",
        "replied",
        "testified",
    ]
)
#: Words after which a name is a place even when a speech verb follows ("Officials in Goma
#: said"); not "of", which people follow too ("a friend of Nelson said").
_LOCATIVES = frozenset(
    ["in", "at", "from", "near", "outside", "inside", "around", "across", "throughout"]
)
#: "The mayor of Juba said", "residents of Goma told": after these and "of", a name before a
#: speech verb is a place; after any other word ("a friend of Nelson said") a person's.
_PLACE_OF_NOUNS = (
    PERSON_TITLES
    | INSTITUTIONAL_NOUNS
    | frozenset(PRECEDING_GENERICS)
    | frozenset(["residents", "people", "citizens", "population", "outskirts", "streets"])
)
_NEAR_WORDS = {
    "near": "near",
    "outside": "near",
    "around": "near",
    "nearby": "near",
    "outskirts": "near",
    "suburbs": "near",
}


@dataclass(frozen=True)
class _Match:
    first: int  # token index
    last: int  # token index, inclusive
    name: str
    generic: str | None = None


class _Places(NamedTuple):
    """The places a name may be spotted as, in brief."""

    kinds: frozenset[str]
    demonym_only: bool  # a demonym of each ("Ukrainian")
    biggest: int  # population
    major: bool  # a country, region or river, or a big city


#: Names whose ``_Places`` a Recogniser remembers (a bound on memory, far above a corpus's).
_MAX_REMEMBERED = 100_000

#: A name a run of tokens may hold, from its first token: (last token index, the text of
#: the tokens less a possessive ending, a feature word just after ("river") unless the
#: name is possessive). A plain tuple: a document has thousands.
_Span = tuple[int, str, str | None]


class Recogniser:
    """Rule-based recogniser over one gazetteer (loaded once, reused for every document)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.words = gazetteer.word_frequencies()
        self._places: dict[str, _Places] = {}

    def __call__(self, text: str, sentences: Sequence[Sentence]) -> tuple[Mention, ...]:
        # Tens of thousands of tokens, all alive until the call returns: a garbage
        # collection in the middle would only walk them (as in Gazetteer.prefetch).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._recognise(text, sentences)
        finally:
            if collecting:
                gc.enable()

    def _recognise(self, text: str, sentences: Sequence[Sentence]) -> tuple[Mention, ...]:
        tokens = tokenize(text)
        spans = _spans(text, tokens, _runs(text, tokens))
        self._prefetch(text, tokens, spans)
        sentence_starts = {s.start for s in sentences}
        mentions: list[Mention] = []
        persons: set[str] = set()
        free = 0  # the first token not inside an earlier match
        for i, candidates in spans.items():  # in token order
            if i < free:
                continue
            match = self._match_at(text, tokens, i, candidates)
            if match is None:
                continue
            mention = self._classify(text, tokens, match, sentences, sentence_starts, persons)
            if mention is not None:
                mentions.append(mention)
            free = match.last + 1
        # A surname seen in a person's full name is that person when it stands alone later.
        # Unless the article also writes the name after "in", "at", "near": "Coach Tyler
        # Madison" is a person, "two games in Madison" the town.
        if persons:
            located = {
                m.name for m in mentions if m.name in persons and _after_locative(text, m.start)
            }
            mentions = [
                m
                for m in mentions
                if m.name not in persons or m.name in located or self._is_major(m.name)
            ]
        dotted = self._abbreviations(text, sentences, mentions)
        if dotted:
            # "Va" inside "W.Va." is read as the whole dotted abbreviation.
            mentions = [
                m
                for m in mentions
                if not any(d.start <= m.start and m.end <= d.end for d in dotted)
            ] + dotted
        streets = _streets(text, sentences, mentions)
        if streets:
            # "Wichita" inside "Wichita Drive" is part of the street's name.
            mentions = [
                m
                for m in mentions
                if not any(s.start <= m.start and m.end <= s.end for s in streets)
            ] + streets
        mentions.extend(self._river_sides(text, tokens, sentences, mentions))
        mentions.extend(self._hyphenated(text, tokens, sentences, mentions))
        return tuple(sorted(set(mentions), key=lambda m: (m.start, m.end)))

    def _hyphenated(
        self,
        text: str,
        tokens: list[Token],
        sentences: Sequence[Sentence],
        mentions: list[Mention],
    ) -> list[Mention]:
        """Countries, regions, big cities and demonyms inside a hyphenated word that is no
        place itself: "the Russia-Ukraine war", "a Kyiv-based analyst", "Egyptian-US
        relations", "the US-led coalition" (the US acting: metonymy). Smaller places stay
        out: "Jean-Pierre" is no visit to Pierre, South Dakota."""
        found: list[Mention] = []
        taken = [(m.start, m.end) for m in mentions]
        for tok in _hyphenated_tokens(text, tokens):
            if not tok.is_capitalised:
                continue
            if any(s < tok.end and tok.start < e for s, e in taken):
                continue
            if self.gazetteer.has_name(tok.text):
                continue  # "Winston-Salem": a place's own name, read (or rejected) whole
            parts = tok.text.split("-")
            offset = tok.start
            for n, part in enumerate(parts):
                start, offset = offset, offset + len(part) + 1
                if len(part) < 2 or not part[0].isupper():
                    continue
                named = self._places_named(part)
                if not (named.major or named.demonym_only):
                    continue
                after = parts[n + 1].lower() if n + 1 < len(parts) else ""
                role: MentionRole = (
                    "demonym"
                    if named.demonym_only or self._is_demonym(part)  # "Canadian-American"
                    else "metonymy"
                    if after in _AGENT_SUFFIXES
                    else "literal"
                )
                found.append(
                    Mention(
                        start,
                        start + len(part),
                        part,
                        part,
                        role,
                        sentence=sentence_index(tuple(sentences), start),
                    )
                )
        return found

    def _abbreviations(
        self, text: str, sentences: Sequence[Sentence], mentions: list[Mention]
    ) -> list[Mention]:
        taken = [(m.start, m.end) for m in mentions]
        found = []
        for match in _DOTTED.finditer(text):
            start, end = match.span()
            # A mention inside the abbreviation gives way to it; one reaching out of it
            # ("Washington, D.C." read as a whole) keeps its span.
            if any(s < end and start < e and (s < start or e > end) for s, e in taken):
                continue
            hits = self.gazetteer.hits(match.group(), text_only=True)
            if any(h.name_type == "abbr" for h in hits):
                found.append(
                    Mention(
                        start,
                        end,
                        match.group(),
                        match.group(),
                        "literal",
                        sentence=sentence_index(tuple(sentences), start),
                    )
                )
        return found

    def _is_major(self, name: str) -> bool:
        hits = self.gazetteer.hits(name, text_only=True)
        return any(
            h.place.kind in ("country", "admin1") or h.place.population >= BIG_PLACE_POPULATION
            for h in hits
        )

    # -- matching ----------------------------------------------------------------

    def _prefetch(self, text: str, tokens: list[Token], spans: dict[int, list[_Span]]) -> None:
        """Look up at once every name ``_match_at`` may ask about in this text.

        One batched query per document instead of one per candidate name (most of which
        are no place at all); ``_match_at`` then finds them in the gazetteer's cache.
        """
        names: set[str] = set()
        for i, candidates in spans.items():
            for last, name, generic in candidates:
                names.add(name)
                if last == i and name.endswith("s"):
                    names.add(name[:-1])
                if generic is not None:
                    names.add(text[tokens[i].start : tokens[last + 1].end])
        self.gazetteer.prefetch(names)

    def _match_at(
        self,
        text: str,
        tokens: list[Token],
        i: int,
        candidates: list[_Span],
    ) -> _Match | None:
        tok = tokens[i]
        for last, name, generic in reversed(candidates):  # longest first
            if generic is not None:
                with_generic = text[tok.start : tokens[last + 1].end]
                if self.gazetteer.has_name(with_generic):
                    return _Match(i, last + 1, with_generic, FEATURE_GENERICS[generic])
            if last == i and name.endswith("s") and self._is_demonym(name[:-1]):
                return _Match(i, last, name[:-1])  # "Russians", "Ukrainians"
            name_hits = self.gazetteer.hits(name, text_only=True)
            if name_hits:
                end = tokens[last].end
                dotted = text[tok.start - 1 : tok.start] == "." or (
                    text[end : end + 1] == "." and not name.isupper()
                )
                if dotted and all(h.name_type == "abbr" for h in name_hits):
                    continue  # "Va" of "W.Va.": the abbreviation pass reads the dotted form
                if _is_acronym(name):
                    # "HIV", "FDA", "NATO": an acronym is a place only where a place is
                    # written that way ("US", "UAE"), not because a town's name folds to it.
                    name_hits = tuple(
                        h for h in name_hits if h.name_type == "abbr" or h.name == name
                    )
            if name_hits:
                if generic is not None:
                    return _Match(i, last + 1, name, FEATURE_GENERICS[generic])
                return _Match(i, last, name)
            if generic is not None and generic in {
                "bridge",
                "dam",
                "river",
                "spit",
                "island",
                "plant",
            }:
                fuzzy = self.gazetteer.fuzzy(text[tok.start : tokens[last + 1].end], limit=1)
                if fuzzy and fuzzy[0].score >= 0.5:
                    return _Match(i, last + 1, fuzzy[0].place.name, FEATURE_GENERICS[generic])
        return None

    # -- classification ----------------------------------------------------------

    def _classify(
        self,
        text: str,
        tokens: list[Token],
        match: _Match,
        sentences: Sequence[Sentence],
        sentence_starts: set[int],
        persons: set[str],
    ) -> Mention | None:
        first, last = tokens[match.first], tokens[match.last]
        start, end = first.start, last.end
        if match.generic is None:
            end = start + len(_strip_possessive(text[start:end]))
        surface = text[start:end]
        key = match.name.lower()
        if key in WEEKDAYS or key in MONTHS or key in NEVER_PLACES:
            return None
        kinds, demonym_only, biggest, major = self._places_named(match.name)

        single = match.first == match.last and match.generic is None
        if single and not major and not demonym_only:
            zipf = self.words.get(key, 0.0)
            at_start = start in sentence_starts or _line_start(text, start)
            if at_start and not zipf and key.endswith("s"):
                # "Cases were reported": the word list holds headwords ("case") only.
                zipf = self.words.get(key[:-1], 0.0)
            if (zipf >= COMMON_WORD_ZIPF or (at_start and zipf >= 3.0)) and not self._before_region(
                text, tokens, match.last
            ):
                return None  # "Reading", "Mobile"; but "Buffalo, New York" is the city
        if text[end : end + 1] == "$":
            return None  # "US$460 million", "NZ$": a currency
        prev_tok = tokens[match.first - 1] if match.first > 0 else None
        next_tok = tokens[match.last + 1] if match.last + 1 < len(tokens) else None
        prev_adjacent = prev_tok is not None and text[prev_tok.end : start] == " "
        next_adjacent = next_tok is not None and text[end : next_tok.start] in (" ", "-")
        role: MentionRole = "demonym" if demonym_only else "literal"

        if (
            next_tok is not None
            and next_tok.text.lower() in ("time", "day")
            and text[last.end : next_tok.start] == " "
        ):
            return None  # "Moscow time", "St. Patrick's Day": a clock or a feast
        if (
            next_tok is not None
            and next_tok.text.lower() in DISEASE_WORDS
            and text[last.end : next_tok.start] == " "
        ):
            return None  # "Marburg virus", "Rift Valley fever": a disease's name
        if _joined_by_ampersand(text, tokens, match.first, match.last):
            return None  # "Stevens & Wilkinson": a firm
        if prev_tok is not None and _is_initial_or_rank(text, tokens, match.first):
            persons.add(match.name)
            return None  # "Marsha J. Moore", "Cpl. Josef Robinson"
        if next_adjacent and next_tok and next_tok.is_capitalised:
            word = _strip_possessive(next_tok.text).lower()
            after = tokens[match.last + 2] if match.last + 2 < len(tokens) else None
            if word == "city" and after is not None and after.is_capitalised:
                word = _strip_possessive(after.text).lower()  # "Dublin City Council"
            if word in MEDIA_SUFFIXES:
                return None
            institution = word in _INSTITUTIONAL
            if not institution and word not in FUNCTION_WORDS and word not in FEATURE_GENERICS:
                if key in PLACE_MODIFIERS:
                    return None  # "East Oxford": the compass word is no first name
                if kinds & {"country"} or demonym_only:
                    role = "demonym"  # "US President", "Ukraine Defense Ministry"
                elif self._institution_ahead(text, tokens, match.last + 1):
                    institution = True  # "Tennessee Arts Commission"
                else:
                    persons.add(_strip_possessive(next_tok.text))
                    return None  # "Mark Milley", "Sky News": a name, not a place
            if institution:
                # "Ohio Supreme Court", "Dublin Police": a known place naming an
                # institution; a little-known one ("Sky News") is just part of a name.
                if not (major or biggest >= MODIFIER_MIN_POPULATION or demonym_only):
                    return None
                role = "demonym" if demonym_only else "modifier"
        if (
            prev_adjacent
            and prev_tok
            and prev_tok.is_capitalised
            # Inside an institution's name a country or big place before is part of it
            # too ("Taiwan Taoyuan International Airport"), not a first name.
            and not (role == "modifier" and self._is_major(prev_tok.text))
        ):
            word = prev_tok.text.lower()
            if word in PERSON_TITLES or (
                word not in FUNCTION_WORDS
                and word not in PLACE_MODIFIERS
                and prev_tok.start not in sentence_starts
                and not self._is_demonym(prev_tok.text)
                # "the FBI's Atlanta office", "FBI Atlanta": no first name is possessive
                # or an acronym
                and _strip_possessive(prev_tok.text) == prev_tok.text
                and not _is_acronym(prev_tok.text)
            ):
                persons.add(match.name)
                return None  # "General Mark", "Jake Sullivan"
        if (
            single
            and not major
            and next_tok is not None
            and next_tok.text.lower() in SPEECH_VERBS
            and (prev_tok is None or prev_tok.text.lower() not in _LOCATIVES)
            and not _of_a_place(tokens, match.first)
        ):
            persons.add(match.name)
            return None  # "Nelson said": a town would not speak, but "officials in Goma" do
        if role == "literal" and self._is_metonymy(text, tokens, match, kinds, key):
            role = "metonymy"
        cue = match.generic or self._preceding_cue(tokens, match.first)
        if cue is None and prev_tok is not None and prev_tok.text == "the" and self._is_river(key):
            cue = "river"  # "across the Dnipro": towns take no article, rivers do
        relation = self._relation(tokens, match.first)
        return Mention(
            start=start,
            end=end,
            text=surface,
            name=match.name
            if match.generic is None or self.gazetteer.has_name(surface)
            else _strip_possessive(text[first.start : tokens[match.last - 1].end]),
            role=role,
            cue=cue,
            relation=relation,
            sentence=sentence_index(tuple(sentences), start),
        )

    def _places_named(self, name: str) -> _Places:
        """What ``_classify`` weighs of the places a name may be spotted as (remembered:
        the same names come up in article after article)."""
        found = self._places.get(name)
        if found is None:
            hits = self.gazetteer.hits(name, text_only=True)
            kinds = frozenset(h.place.kind for h in hits)
            biggest = max((h.place.population for h in hits), default=0)
            found = _Places(
                kinds,
                demonym_only=bool(hits) and all(h.name_type == "demonym" for h in hits),
                biggest=biggest,
                major=bool(kinds & {"country", "admin1", "river"})
                or biggest >= BIG_PLACE_POPULATION,
            )
            if len(self._places) >= _MAX_REMEMBERED:
                self._places.clear()
            self._places[name] = found
        return found

    def _before_region(self, text: str, tokens: list[Token], last: int) -> bool:
        """Whether token ``last`` is followed by a comma and a country's or a first-level
        region's name: "Buffalo, New York", "Reading, Pennsylvania"."""
        if last + 1 >= len(tokens) or text[tokens[last].end : tokens[last + 1].start] != ", ":
            return False
        for j in range(last + 1, min(last + 4, len(tokens))):
            if not tokens[j].is_capitalised or (
                j > last + 1 and text[tokens[j - 1].end : tokens[j].start] != " "
            ):
                return False
            name = text[tokens[last + 1].start : tokens[j].end]
            if self._places_named(name).kinds & {"country", "admin1"}:
                return True
        return False

    def _institution_ahead(self, text: str, tokens: list[Token], first: int) -> bool:
        """Whether common words from token ``first`` on lead, within four words, to an
        institution's or an office's: "Tennessee Arts Commission", "Texas Southern
        University". A rare word on the way is a surname: "David Geffen School"."""
        for j in range(first, min(first + 4, len(tokens))):
            tok = tokens[j]
            if not tok.is_capitalised or (j > first and text[tokens[j - 1].end : tok.start] != " "):
                return False
            word = _strip_possessive(tok.text).lower()
            if word in _INSTITUTIONAL:
                return j > first
            zipf = self.words.get(word) or (
                self.words.get(word[:-1], 0.0) if word[-1:] == "s" else 0.0
            )
            if zipf < _INSTITUTION_WORD_ZIPF:
                return False
        return False

    def _is_metonymy(
        self, text: str, tokens: list[Token], match: _Match, kinds: frozenset[str], key: str
    ) -> bool:
        if key in GOVERNMENT_SEAT_NAMES or key.removeprefix("the ") in GOVERNMENT_SEAT_NAMES:
            return True
        if not kinds & {"country", "city"}:
            return False
        last = tokens[match.last]
        possessive = last.text.endswith(("'s", "’s")) or text[last.end : last.end + 2] in (
            "'s",
            "’s",
        )
        following = [t.text.lower() for t in tokens[match.last + 1 : match.last + 4]]
        if (
            possessive
            and following
            and (
                following[0] in INSTITUTIONAL_NOUNS
                or (
                    len(following) > 1
                    and following[0] in {"official", "armed", "top"}
                    and following[1] in INSTITUTIONAL_NOUNS | {"tv"}
                )
            )
        ):
            return True
        if following and following[0] in AGENCY_VERBS:
            return True
        if (
            following[:2]
            and following[0] in {"has", "had", "will", "would", "is"}
            and len(following) > 1
            and following[1] in AGENCY_VERBS
        ):
            return True
        if match.first >= 2:
            before = tokens[match.first - 1].text.lower()
            two_before = tokens[match.first - 2].text.lower()
            if before == "from" and two_before in SPEECH_NOUNS:
                return True
            if before == "by" and two_before in AGENCY_VERBS | {"ordered", "backed", "led"}:
                return True
        return (
            text[max(0, tokens[match.first].start - 4) : tokens[match.first].start].lower()
            == "pro-"
        )

    @staticmethod
    def _preceding_cue(tokens: list[Token], first: int) -> str | None:
        # "the (southern) city of X"; but in "the Kherson region of Ukraine" the
        # generic belongs to Kherson, so a capitalised word before it cancels the cue.
        if first < 3 or tokens[first - 1].text.lower() != "of":
            return None
        generic = PRECEDING_GENERICS.get(tokens[first - 2].text.lower())
        if generic is None or tokens[first - 3].is_capitalised:
            return None
        return generic

    @staticmethod
    def _relation(tokens: list[Token], first: int) -> str | None:
        if first == 0:
            return None
        word = tokens[first - 1].text.lower()
        if word != "of" and word != "the":
            return _NEAR_WORDS.get(word)  # every other relation ends in "of" or "of the"
        before = [t.text.lower() for t in tokens[max(0, first - 8) : first]]
        offset = _offset(before)
        if offset is not None:
            return offset
        if before[-1] in _NEAR_WORDS:
            return _NEAR_WORDS[before[-1]]
        if before[-1] == "of" and len(before) >= 2 and before[-2] in _DIRECTIONS:
            return f"{before[-2]}_of"
        if (
            before[-1] == "the"
            and len(before) >= 3
            and before[-2] == "of"
            and before[-3] in _DIRECTIONS
        ):
            return f"{before[-3]}_of"
        return None

    # -- spatial expressions -------------------------------------------------------

    def _river_sides(
        self,
        text: str,
        tokens: list[Token],
        sentences: Sequence[Sentence],
        mentions: list[Mention],
    ) -> list[Mention]:
        """'the left bank of the Dnieper', 'the western side of the river', 'the eastern bank'."""
        found: list[Mention] = []
        rivers: list[Mention] | None = None  # worked out at the first "left bank"
        token_starts: list[int] = []  # made at the first bank word: most texts have none
        for word in _BANK_WORD.finditer(text):
            token_starts = token_starts or [t.start for t in tokens]
            # The regex finds every bank-word token (and a few more, inside longer
            # tokens, that the token checks below drop) without visiting each token.
            j = bisect_left(token_starts, word.start())
            if not 0 < j < len(tokens) or token_starts[j] != word.start():
                continue
            if tokens[j].text.lower() not in _BANK_WORDS:
                continue
            i = j - 1
            tok = tokens[i]
            side = _SIDES.get(tok.text.lower())
            if side is None:
                continue
            if rivers is None:
                rivers = [m for m in mentions if m.cue == "river" or self._is_river(m.name)]
            end_tok = i + 1
            river: Mention | None = None
            if end_tok + 2 < len(tokens) and tokens[end_tok + 1].text.lower() == "of":
                j = end_tok + 2
                if tokens[j].text.lower() == "the" and j + 1 < len(tokens):
                    j += 1
                named = next((m for m in rivers if m.start == tokens[j].start), None)
                if named is not None:
                    river, end = named, named.end
                elif tokens[j].text.lower() == "river":
                    end = tokens[j].end
                else:
                    end = tokens[end_tok].end
            else:
                end = tokens[end_tok].end
            if river is None:
                # Anaphora: "the river" / a bare "eastern bank" means the last river named.
                before = [m for m in rivers if m.start < tok.start]
                after = [m for m in rivers if m.start > tok.start]
                river = before[-1] if before else (after[0] if after else None)
            if river is None:
                continue
            found.append(
                Mention(
                    start=tok.start,
                    end=end,
                    text=text[tok.start : end],
                    name=river.name,
                    role="literal",
                    cue="bank",
                    relation=side,
                    sentence=sentence_index(tuple(sentences), tok.start),
                )
            )
        return found

    def _is_demonym(self, name: str) -> bool:
        return any(h.name_type == "demonym" for h in self.gazetteer.hits(name, text_only=True))

    def _is_river(self, name: str) -> bool:
        return any(h.place.kind == "river" for h in self.gazetteer.hits(name))


def _spans(text: str, tokens: list[Token], runs: dict[int, list[int]]) -> dict[int, list[_Span]]:
    """The candidate names of ``_runs``, worked out once for ``_prefetch`` and ``_match_at``."""
    spans: dict[int, list[_Span]] = {}
    for i, ends in runs.items():
        start = tokens[i].start
        candidates = spans[i] = []
        for last in ends:
            surface = text[start : tokens[last].end]
            name = _strip_possessive(surface)
            # "Kherson's port" is Kherson's, not a place called "Kherson's port".
            generic = _generic_after(text, tokens, last) if name == surface else None
            candidates.append((last, name, generic))
    return spans


def _generic_after(text: str, tokens: list[Token], last: int) -> str | None:
    if last + 1 >= len(tokens):
        return None
    nxt = tokens[last + 1]
    word = nxt.text.lower()
    if word in FEATURE_GENERICS and text[tokens[last].end : nxt.start] == " ":
        return word
    return None


def _runs(text: str, tokens: list[Token]) -> dict[int, list[int]]:
    """For each token a name may start on, the token indexes that name may end on.

    The candidate run is capitalised tokens joined by single spaces or hyphens; a name
    never ends on a connector ("of", "the"). Only capitalised tokens are visited: most
    tokens of a text are lower-case words, which start no name.
    """
    n = len(tokens)
    words = list(map(itemgetter(2), tokens))  # map: no bytecode per token
    caps = list(map(str.isupper, map(itemgetter(0), words)))  # (tokens are never empty)
    out: dict[int, list[int]] = {}
    for i in compress(range(n), caps):
        if not _may_open_name(words, i):
            continue  # "We're", "I've", "The"
        run_end = i
        ends = [i]
        while run_end + 1 < n and run_end - i + 1 < MAX_NAME_TOKENS:
            nxt = run_end + 1
            gap = text[tokens[run_end].end : tokens[nxt].start]
            if gap not in _NAME_GAPS and not (
                gap == ". " and _is_name_abbreviation(words[run_end])
            ):
                break
            if not caps[nxt] and words[nxt] not in NAME_CONNECTORS:
                break
            run_end = nxt
            if caps[nxt]:
                ends.append(run_end)
        out[i] = ends
    return out


# "Main Street", "Old Lexington Highway", "Interstate 75", "U.S. 27", "Route 9": streets
# and roads, which no gazetteer here holds; they are placed in the article's town.
_STREET = re.compile(
    r"[A-Z\d](?<![\w.][A-Z\d])(?:(?<=[A-Z])[\w'’-]*|(?<=\d)\d*(?:st|nd|rd|th))"
    r" (?:[A-Z][\w'’-]* ){0,3}?" + STREET_TYPE
)
# "Interstate", "I-", "U.S.", "U.S. Highway", "U.S. Route", "Highway", "Hwy.", "State Route",
# "State Road", "State Highway", "SR", "Route", "County Road", then the number. Opening with
# the capital and branching on it after lets ``re`` skip to candidate characters, as _DOTTED.
_ROUTE = re.compile(
    r"[CHIRSU](?<![\w.][CHIRSU])"
    r"(?:(?<=I)(?:nterstate|-)|(?<=U)\.S\.(?: Highway| Route)?|(?<=H)(?:ighway|wy\.)"
    r"|(?<=S)(?:tate Route|tate Road|tate Highway|R)|(?<=R)oute|(?<=C)ounty Road)"
    r" ?\d{1,4}[A-Z]?(?![\w-])"
)
#: Every street name ends in a street type: most texts have none, and this finds that
#: several times faster than ``_STREET`` finds no street.
_STREET_TYPE = re.compile(STREET_TYPE)


def _streets(text: str, sentences: Sequence[Sentence], mentions: list[Mention]) -> list[Mention]:
    taken = [(m.start, m.end) for m in mentions]
    found: list[Mention] = []
    spans = (
        [(m.start(), m.end()) for m in _STREET.finditer(text)] if _STREET_TYPE.search(text) else []
    )
    spans += [(m.start(), m.end()) for m in _ROUTE.finditer(text)]
    for start, end in sorted(spans):
        first = text[start:end].split(" ", 1)[0].lower()
        if first in FUNCTION_WORDS or first in WEEKDAYS or first in MONTHS:
            continue  # "The Road Ahead", "Monday Street party"
        if any(s < end and start < e and (s < start or e > end) for s, e in taken):
            continue
        if found and found[-1].end > start:
            continue
        surface = text[start:end]
        found.append(
            Mention(
                start,
                end,
                surface,
                surface,
                "literal",
                cue="street",
                sentence=sentence_index(tuple(sentences), start),
            )
        )
    return found


_UNITS_KM = {
    "km": 1.0,
    "kilometres": 1.0,
    "kilometers": 1.0,
    "kms": 1.0,
    "miles": 1.609344,
    "mile": 1.609344,
    "mi": 1.609344,
}


def _offset(before: list[str]) -> str | None:
    """ "20 km south of [the]" before a name: the relation ``20km_south_of``."""
    words = before[:-1] if before and before[-1] == "the" else before
    if len(words) >= 3 and words[-1] == "of" and words[-3] == "the":
        words = words[:-3]  # "north of the city of Fresno"
    words = words[:-1] if words and words[-1] == "the" else words
    if len(words) < 4 or words[-1] != "of" or words[-2] not in _DIRECTIONS:
        return None
    unit = _UNITS_KM.get(words[-3])
    if unit is None:
        return None
    try:
        amount = float(words[-4].replace(",", ""))
    except ValueError:
        return None
    km = round(amount * unit, 1)
    return f"{km:g}km_{words[-2].replace('-', '')}_of"


_NAME_GAPS = (" ", "-", " - ")
#: Abbreviated first words of names: "St. Louis", "Ft. Worth", "Mt. Pleasant".
_NAME_ABBREVIATIONS = frozenset({"St", "Ste", "Mt", "Ft", "Pt"})


def _is_name_abbreviation(word: str) -> bool:
    return word in _NAME_ABBREVIATIONS


def _is_acronym(name: str) -> bool:
    return 2 <= len(name) <= 5 and name.isupper() and name.isalpha()


def _hyphenated_tokens(text: str, tokens: list[Token]) -> list[Token]:
    """The tokens with a hyphen inside, found from the text's hyphens (few) rather than
    by looking at every token."""
    found: list[Token] = []
    at = text.find("-")
    while at != -1:
        i = bisect_right(tokens, at, key=_TOKEN_START) - 1
        if (
            i >= 0
            and tokens[i].start < at < tokens[i].end
            and (not found or found[-1] is not tokens[i])
        ):
            found.append(tokens[i])
        at = text.find("-", at + 1)
    return found


_TOKEN_START = itemgetter(0)
#: After a hyphen, what makes the place before it an actor: "US-led", "Iran-backed".
_AGENT_SUFFIXES = frozenset(["led", "backed", "brokered", "sponsored", "funded", "supported"])
#: Words that make the name before them part of an institution's or an office's name.
_INSTITUTIONAL = ORG_SUFFIXES | INSTITUTION_WORDS | PERSON_TITLES
#: How common the words between a place and an institution's word must be (Zipf scale):
#: "Arts", "Southern", "State" are; surnames mostly are not ("Geffen", "Malik").
_INSTITUTION_WORD_ZIPF = 3.5


def _after_locative(text: str, start: int) -> bool:
    """Whether the word before ``start`` is a locative ("in", "near", "from" ...)."""
    before = text[max(0, start - 12) : start]
    if not before.endswith(" "):
        return False
    words = before.split()
    return bool(words) and words[-1].lower() in _LOCATIVES


def _of_a_place(tokens: list[Token], first: int) -> bool:
    """Whether the name at token ``first`` follows "mayor of", "residents of", ..."""
    return (
        first >= 2
        and tokens[first - 1].text == "of"
        and tokens[first - 2].text.lower() in _PLACE_OF_NOUNS
    )


def _joined_by_ampersand(text: str, tokens: list[Token], first: int, last: int) -> bool:
    start, end = tokens[first].start, tokens[last].end
    if "&" not in text[max(0, start - 3) : end + 3]:
        return False  # most names: no "&" near at all
    return text[max(0, start - 3) : start].strip().endswith("&") or text[
        end : end + 3
    ].strip().startswith("&")


def _is_initial_or_rank(text: str, tokens: list[Token], first: int) -> bool:
    """Whether the name follows a middle initial or a rank: "J. Moore", "Cpl. Robinson".

    The word before the initial or rank must be capitalised too ("Marsha J."), so a
    sentence ending in an initial-like word does not swallow the next sentence's place.
    """
    i = first - 1
    if tokens[i].text == "." and i > 0:
        i -= 1
    word = tokens[i].text
    gap = text[tokens[i].end : tokens[first].start].strip()
    if word.lower() in RANKS and gap in ("", "."):
        return True
    # "Cpl. Josef Robinson": a first name between the rank and the surname.
    if i > 0 and tokens[i].is_capitalised and gap == "":
        j = i - 1 if tokens[i - 1].text != "." else i - 2
        if j >= 0 and tokens[j].text.lower() in RANKS | PERSON_TITLES:
            return True
    initial = len(word) == 1 and word.isupper() and text[tokens[i].end : tokens[i].end + 1] == "."
    return initial and i > 0 and tokens[i - 1].is_capitalised and tokens[i - 1].text.isalpha()


def _may_open_name(words: list[str], i: int) -> bool:
    """Whether a capitalised word may start a name: not a function word or contraction.

    "US" is the pronoun "us" only in shouted text ("LET US PRAY"); written as an
    abbreviation between lower-case words it is the country.
    """
    word = bare = words[i]
    # Contractions and possessives have an apostrophe: most words need neither check.
    if "'" in word or "’" in word:
        if _CONTRACTION.search(word):
            return False
        bare = _strip_possessive(word)
    if bare.lower() not in FUNCTION_WORDS:
        return True
    if not (word.isupper() and bare in COUNTRY_ABBREVIATIONS):
        return False
    neighbours = [words[j] for j in (i - 1, i + 1) if 0 <= j < len(words)]
    return not any(
        w.isupper() and len(w) > 1 and w.isalpha() and w not in COUNTRY_ABBREVIATIONS
        for w in neighbours
    )


def _strip_possessive(name: str) -> str:
    return _POSSESSIVE.sub("", name) if name.endswith(("'s", "’s", "s'", "s’")) else name


def _line_start(text: str, pos: int) -> bool:
    line_start = text.rfind("\n", 0, pos) + 1
    return not text[line_start:pos].strip(" \t\"'“‘(")
