"""Actors in news sentences, normalised to ACLED-style names.

A phrase is a *head noun* from a small lexicon (soldiers, ministry, residents, protesters,
...) plus, where the text gives one, the country it belongs to: a demonym adjective
("Ukrainian troops"), a possessive country or capital ("Ukraine's forces", "Kyiv's troops"),
an "of" phrase ("the armed forces of Ukraine"), "the country's" (the last country named in
the sentence), or a coordinated head ("Ukrainian soldiers and citizens").  Names, demonyms
and capitals of every country come from the ``countryinfo`` data and ``pycountry``.

Naming follows ACLED: armed forces -> ``Military Forces of <Country>``; ministries,
governments, officials, presidents -> ``Government of <Country>``; police ->
``Police Forces of <Country>``; residents/civilians/citizens/locals ->
``Civilians (<Country>)`` (``Civilians`` when no country is known); protesters ->
``Protesters (<Country>)``; rioters -> ``Rioters (<Country>)``.  A country or capital
used on its own ("Russia pulled back", "ordered by Moscow") is a ``state`` mention named
``Government of <Country>``; a plural demonym or a demonym before a non-actor noun
("the Russians", "the Russian retreat") is a ``national`` mention with no name of its own:
the events stage decides from the event type whether it means the armed forces or the
civilians (``actor_name``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

ActorKind = Literal[
    "military", "government", "police", "civilians", "protesters", "rioters", "state", "national"
]


@dataclass(frozen=True)
class Country:
    name: str
    alpha2: str
    alpha3: str
    demonyms: tuple[str, ...]
    capital: str | None
    population: int
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActorMention:
    """An actor phrase in a sentence; offsets are relative to the string searched."""

    start: int
    end: int
    text: str
    kind: ActorKind
    country: str | None
    #: The ACLED-style name, or ``None`` when it cannot be named (no country, or ``national``).
    actor: str | None


# --------------------------------------------------------------------------- lexicon

#: Multi-word heads first; each maps to the actor kind it names.
HEADS: dict[tuple[str, ...], ActorKind] = {
    ("armed", "forces"): "military",
    ("military", "forces"): "military",
    ("ground", "forces"): "military",
    ("security", "forces"): "military",
    ("air", "force"): "military",
    ("service", "members"): "military",
    ("defense", "ministry"): "government",
    ("defence", "ministry"): "government",
    ("foreign", "ministry"): "government",
    ("ministry", "of", "defense"): "government",
    ("ministry", "of", "defence"): "government",
    ("prime", "minister"): "government",
    ("defense", "secretary"): "government",
    ("defence", "secretary"): "government",
    ("riot", "police"): "police",
    ("police", "officers"): "police",
}
for _kind, _head_words in {
    "military": "soldiers soldier troops troop forces military army armies servicemen "
    "serviceman marines paratroopers navy battalion battalions brigade brigades units",
    "government": "government governments ministry ministries officials official authorities "
    "administration president minister ministers leadership spokesman spokeswoman "
    "spokesperson parliament",
    "police": "police policemen",
    "civilians": "civilians civilian residents resident citizens locals villagers inhabitants "
    "people population crowd crowds families refugees",
    "protesters": "protesters protestors protester protestor demonstrators demonstrator",
    "rioters": "rioters rioter mob",
}.items():
    for _word in _head_words.split():
        HEADS[(_word,)] = _kind  # type: ignore[assignment]
_LONGEST_HEAD = max(len(k) for k in HEADS)
_HEAD_FIRSTS = frozenset(k[0] for k in HEADS)


#: Common abbreviations that name countries (beside the data's own names and spellings).
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ABBREVIATIONS = {"US": "US", "U.S.": "US", "USA": "US", "UK": "GB", "U.K.": "GB", "UAE": "AE"}
_ANAPHORS = ("the country", "the nation", "the state")
#: Words that end the search for a head's modifier: a modifier never sits across them.
_BREAKS = _words(
    "and or but that which who whom while as after before said says say told of in on at by "
    "from to with for than"
)
_SPEECH_AFTER_OFFICIAL = _words("said says told called added warned confirmed stated")


def _data_dir() -> Path:
    import countryinfo

    return Path(countryinfo.__file__).parent / "data"


def _split_demonyms(raw: str | None, name: str) -> tuple[str, ...]:
    if not raw:
        return ()
    parts = re.split(r"\s*(?:,|/|\band\b)\s*", raw)
    return tuple(p for p in parts if p and p != name and not p.endswith("Islander"))


def _first_str(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) and value else None


def _aliases(info: dict[str, object], alpha2: str) -> tuple[str, ...]:
    """Usable extra names: pycountry's names and non-code spellings from countryinfo."""
    import pycountry

    names: set[str] = set()
    record = pycountry.countries.get(alpha_2=alpha2)
    if record is not None:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(record, attr, None)
            if value and "," not in value:
                names.add(value)
    for spelling in info.get("altSpellings") or []:  # type: ignore[attr-defined]
        if " " in spelling.strip() and spelling[0].isupper():
            names.add(spelling.strip())
    return tuple(sorted(n for n in names if n.isascii()))


@functools.cache
def countries() -> tuple[Country, ...]:
    """Every country in the ``countryinfo`` data, with its demonyms, capital and aliases."""
    found: dict[str, Country] = {}
    for path in sorted(_data_dir().glob("*.json")):
        info = json.loads(path.read_text(encoding="utf-8"))
        iso = info.get("ISO") or {}
        alpha2, name = iso.get("alpha2"), info.get("name")
        if not alpha2 or not name or alpha2 in found:
            continue
        name = re.sub(r"^The ", "", name)
        found[alpha2] = Country(
            name=name,
            alpha2=alpha2,
            alpha3=iso.get("alpha3") or "",
            demonyms=_split_demonyms(info.get("demonym"), name),
            capital=_first_str(info.get("capital")),
            population=int(info.get("population") or 0),
            aliases=_aliases(info, alpha2),
        )
    return tuple(sorted(found.values(), key=lambda c: c.name))


def _by_population(pairs: Iterable[tuple[str, Country]]) -> dict[str, str]:
    """Map each key to the most populous country claiming it (shared demonyms, capitals)."""
    best: dict[str, Country] = {}
    for key, country in pairs:
        if key not in best or country.population > best[key].population:
            best[key] = country
    return {key: c.name for key, c in best.items()}


def _plural(demonym: str) -> str | None:
    return None if demonym.endswith(("sh", "ch", "ese", "s", "x", "z", "i")) else demonym + "s"


class _Keys:
    """Finds the longest of many keys at word starts, like a ``key1|key2|...`` alternation
    but without compiling one: that costs ~25 ms per process, more than all the matching
    of a typical run. Keys are looked up by their first word, the only one they can match at."""

    _FIRST = re.compile(r"\w+")

    def __init__(self, keys: Iterable[str]) -> None:
        by_first: dict[str, list[str]] = {}
        for key in sorted(set(keys), key=lambda k: (-len(k), k)):
            first = self._FIRST.match(key)
            by_first.setdefault(first.group() if first else "", []).append(key)
        self.by_first = by_first
        # Skipping words with no key's first letter in C is faster than looking each up.
        letters = re.escape("".join(sorted({k[0] for k in by_first})))
        self.words = re.compile(rf"(?<![\w-])(?=[{letters}])\w+")

    def finditer(self, text: str) -> Iterator[tuple[int, str]]:
        """(start, key) of each non-overlapping longest key ending at a word edge."""
        end = 0
        for word in self.words.finditer(text):
            start = word.start()
            if start < end or (keys := self.by_first.get(word.group())) is None:
                continue
            for key in keys:
                if text.startswith(key, start) and _EDGE_R.match(text, start + len(key)):
                    end = start + len(key)
                    yield start, key
                    break


_EDGE_R = re.compile(r"(?![\w-])")
_POSSESSIVE = re.compile(r"['’]s\b|['’](?=\s)")


class _Index(NamedTuple):  # a NamedTuple class is made several times faster than a dataclass
    names: dict[str, str]
    demonyms: dict[str, str]
    plurals: dict[str, str]
    capitals: dict[str, str]
    codes: dict[str, str]
    name_keys: _Keys
    demonym_keys: _Keys


@functools.cache
def _index() -> _Index:
    names, demonyms, plurals, capitals, codes = _cached_tables()
    name_keys = _Keys([*names, *capitals])
    demonym_keys = _Keys([*demonyms, *plurals])
    return _Index(names, demonyms, plurals, capitals, codes, name_keys, demonym_keys)


def _build_tables() -> list[dict[str, str]]:
    """names, demonyms, plurals, capitals and codes, each mapped to the country's name."""
    table = countries()
    by_code = {c.alpha2: c for c in table}
    names = _by_population(
        [(c.name, c) for c in table]
        + [(a, c) for c in table for a in c.aliases]
        + [(abbr, by_code[code]) for abbr, code in ABBREVIATIONS.items() if code in by_code]
    )
    demonyms = _by_population((d, c) for c in table for d in c.demonyms)
    plurals = {p: v for d, v in demonyms.items() if (p := _plural(d))}
    capitals = _by_population((c.capital, c) for c in table if c.capital)
    codes = {c.alpha2: c.name for c in table} | {c.alpha3: c.name for c in table if c.alpha3}
    return [names, demonyms, plurals, capitals, codes]


def _cached_tables() -> list[dict[str, str]]:
    """``_build_tables()``, kept in the user cache: building reads ~250 JSON files and
    pycountry, a third of a one-document run. The key covers this module's code and every
    data file read, so an entry is never stale; an unusable cache is simply rebuilt."""
    from .gazetteer.index import default_cache_dir

    path = default_cache_dir() / f"countries-{_tables_key()}.json"
    try:
        tables = json.loads(path.read_bytes())
        if isinstance(tables, list) and [type(t) for t in tables] == [dict] * 5:
            return tables
    except (OSError, ValueError):
        pass
    tables = _build_tables()
    from .io.atomic import write_text

    try:
        write_text(path, json.dumps(tables, ensure_ascii=False))
        for old in path.parent.glob("countries-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache only costs the rebuild next time
    return tables


def _tables_key() -> str:
    import hashlib
    import importlib.util
    import os

    digest = hashlib.sha256(Path(__file__).read_bytes())
    # Found, not imported: importing pycountry reads its package metadata (~15 ms).
    for package, data in (("countryinfo", "data"), ("pycountry", "databases")):
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(f"No module named {package!r}", name=package)
        folder = os.path.join(os.path.dirname(spec.origin), data)
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            stat = entry.stat()
            digest.update(f"{entry.path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def country_name(value: str | None) -> str | None:
    """The canonical country name for an ISO code, a name, an alias or a demonym."""
    if not value:
        return None
    index = _index()
    for table in (index.codes, index.names, index.demonyms, index.plurals):
        if value in table:
            return table[value]
    lowered = {k.lower(): v for k, v in index.names.items()}
    return lowered.get(value.lower())


def actor_name(kind: ActorKind, country: str | None) -> str | None:
    """The ACLED-style name of an actor of ``kind`` belonging to ``country``."""
    if kind == "civilians":
        return f"Civilians ({country})" if country else "Civilians"
    if kind in ("protesters", "rioters"):
        label = kind.capitalize()
        return f"{label} ({country})" if country else label
    if country is None:
        return None
    if kind == "military":
        return f"Military Forces of {country}"
    if kind == "police":
        return f"Police Forces of {country}"
    if kind in ("government", "state"):
        return f"Government of {country}"
    return None


# --------------------------------------------------------------------------- scanning


class _Token(NamedTuple):  # a tuple is made several times faster than a dataclass
    start: int
    end: int
    text: str

    @property
    def lower(self) -> str:
        return self.text.lower()


_TOKEN_RE = re.compile(r"(?:[A-Z]\.){2,}|\d[\d,.]*\d|\w+(?:-\w+)*|[^\w\s]")


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.start(), m.end(), m.group(0)) for m in _TOKEN_RE.finditer(text)]


class _Modifier(NamedTuple):
    start: int
    end: int
    country: str | None
    kind: Literal["name", "capital", "demonym", "plural", "anaphor"]
    possessive: bool


def _modifiers(text: str) -> list[_Modifier]:
    index = _index()
    found: list[_Modifier] = []
    for start, word in index.name_keys.finditer(text):
        is_capital = word in index.capitals and word not in index.names
        country = index.capitals[word] if is_capital else index.names[word]
        kind: Literal["name", "capital"] = "capital" if is_capital else "name"
        end = start + len(word)
        poss = _POSSESSIVE.match(text, end)
        found.append(_Modifier(start, poss.end() if poss else end, country, kind, bool(poss)))
    for start, word in index.demonym_keys.finditer(text):
        plural = word in index.plurals and word not in index.demonyms
        country = index.plurals[word] if plural else index.demonyms[word]
        found.append(
            _Modifier(start, start + len(word), country, "plural" if plural else "demonym", False)
        )
    for m in re.finditer(rf"\b(?i:{'|'.join(_ANAPHORS)})['’]s\b", text):
        found.append(_Modifier(m.start(), m.end(), None, "anaphor", True))
    return _non_overlapping(found)


def _non_overlapping(found: list[_Modifier]) -> list[_Modifier]:
    kept: list[_Modifier] = []
    for mod in sorted(found, key=lambda m: (m.start, -(m.end - m.start))):
        if not kept or mod.start >= kept[-1].end:
            kept.append(mod)
    return kept


def _heads(tokens: list[_Token]) -> Iterator[tuple[int, int, ActorKind]]:
    """(first token, last token, kind) of every head noun, longest match first."""
    i = 0
    lowers = [t.text.lower() for t in tokens]
    while i < len(tokens):
        if lowers[i] not in _HEAD_FIRSTS:  # no head starts with this word
            i += 1
            continue
        for size in range(min(_LONGEST_HEAD, len(tokens) - i), 0, -1):
            words = tuple(lowers[i : i + size])
            kind = HEADS.get(words)
            if kind and _is_head(tokens, i + size - 1, words):
                yield i, i + size - 1, kind
                i += size
                break
        else:
            i += 1


def _is_head(tokens: list[_Token], last: int, words: tuple[str, ...]) -> bool:
    """Whether "official"/"military" end the noun phrase (else they are adjectives)."""
    if words not in (("official",), ("military",)):
        return True
    after = tokens[last + 1] if last + 1 < len(tokens) else None
    if after is None or not after.text[0].isalnum():
        return True
    if words == ("official",):
        return after.lower in _SPEECH_AFTER_OFFICIAL
    return after.lower in _BREAKS or after.lower.endswith(("ed", "s")) or after.lower == "has"


def _modifier_before(
    tokens: list[_Token], first: int, mods: list[_Modifier], text: str
) -> _Modifier | None:
    """A demonym/possessive modifier ending right before the head, skipping <= 2 adjectives."""
    gap = 0
    for j in range(first - 1, -1, -1):
        tok = tokens[j]
        mod = next((m for m in mods if m.start <= tok.start < m.end), None)
        if mod is not None:
            linking = mod.possessive or mod.kind == "demonym"
            return mod if linking else None
        if gap >= 2 or tok.lower in _BREAKS or not tok.text[0].isalnum():
            return None
        if tok.lower not in ("the", "a", "an") and tok.text[0].isupper() and j != 0:
            return None
        gap += tok.lower not in ("the", "a", "an")
    return None


def _country_after(tokens: list[_Token], last: int, mods: list[_Modifier]) -> str | None:
    """The country in an "of" phrase after the head: the armed forces of Ukraine."""
    if last + 2 < len(tokens) and tokens[last + 1].lower == "of":
        nxt = (
            tokens[last + 2]
            if tokens[last + 2].lower != "the"
            else tokens[min(last + 3, len(tokens) - 1)]
        )
        mod = next((m for m in mods if m.start == nxt.start and m.kind == "name"), None)
        return mod.country if mod else None
    return None


def find_actors(sentence: str, context_country: str | None = None) -> list[ActorMention]:
    """Actor phrases in ``sentence`` in text order, each with its ACLED-style name.

    ``context_country`` names the country civilians and protesters belong to when the
    phrase itself says nothing (the events stage passes the document's main country).
    """
    tokens = _tokens(sentence)
    mods = _modifiers(sentence)
    used: set[int] = set()
    found: list[ActorMention] = []
    last_country: str | None = None
    previous: ActorMention | None = None
    for first, last, kind in _heads(tokens):
        start, end = tokens[first].start, tokens[last].end
        mod = _modifier_before(tokens, first, mods, sentence)
        country = _resolve_modifier(mod, mods, last_country)
        if mod is not None:
            used.add(mod.start)
            start = mod.start
        country = country or _country_after(tokens, last, mods)
        if country is None and previous is not None and _coordinated(sentence, previous, start):
            country = previous.country
        if country is None and kind in ("civilians", "protesters", "rioters"):
            country = context_country
        previous = ActorMention(
            start, end, sentence[start:end], kind, country, actor_name(kind, country)
        )
        found.append(previous)
        last_country = country or last_country
    found.extend(_bare_modifiers(sentence, mods, used, found))
    return sorted(found, key=lambda a: (a.start, a.end))


def _resolve_modifier(
    mod: _Modifier | None, mods: list[_Modifier], last_country: str | None
) -> str | None:
    if mod is None:
        return None
    if mod.kind != "anaphor":
        return mod.country
    earlier = [m for m in mods if m.end <= mod.start and m.country]
    return earlier[-1].country if earlier else last_country


def _coordinated(text: str, previous: ActorMention, start: int) -> bool:
    """True for "<Ukrainian soldiers> and <citizens>": the second head shares the country."""
    between = text[previous.end : start].strip().lower()
    return between in ("and", ",", "or", "and the", ", and")


def _bare_modifiers(
    text: str, mods: list[_Modifier], used: set[int], heads: list[ActorMention]
) -> Iterator[ActorMention]:
    """Countries, capitals and demonyms that are not part of a head phrase."""
    for mod in mods:
        inside = any(h.start <= mod.start < h.end for h in heads)
        if mod.start in used or inside or mod.country is None or mod.kind == "anaphor":
            continue
        if mod.kind == "capital" and not (mod.possessive or _after_by(text, mod.start)):
            continue  # a capital is an actor only as "Moscow's ..." or "by Moscow"
        kind: ActorKind = "state" if mod.kind in ("name", "capital") else "national"
        span = text[mod.start : mod.end]
        yield ActorMention(
            mod.start, mod.end, span, kind, mod.country, actor_name(kind, mod.country)
        )


def _after_by(text: str, start: int) -> bool:
    return bool(re.search(r"\bby\s+$", text[max(0, start - 4) : start]))


def normalise_actor(phrase: str) -> str | None:
    """The ACLED-style name of a single actor phrase ("Ukraine's forces"), if it has one."""
    mentions = [m for m in find_actors(phrase) if m.actor]
    if not mentions:
        return None
    return max(mentions, key=lambda m: (m.end - m.start, -m.start)).actor
