"""geomap's event taxonomy: ACLED's event types plus a few for news maps.

Each ``Category`` is one (event_type, sub_event_type) pair as stored on ``Event``.  For the
ACLED types these are ACLED's own names; geomap's additions (Celebration/gathering,
Infrastructure damage, Humanitarian situation, Military presence/movement, Statement, and
the "Destroyed military equipment" sub-type of Battles) carry the closest ACLED pair in
``acled_event_type``/``acled_sub_event_type``, or ``"none"`` where ACLED records nothing
comparable.

Colours are one per event type, from Paul Tol's colour-blind-safe *muted* scheme (nine
colours) plus its pale grey and black, so no two types share a colour:
https://personal.sron.nl/~pault/#sec:qualitative.  Icons are Font Awesome 6 (free, solid)
names, as loaded by folium.

Cue lexicons are lemmas; ``lemmas`` reduces a word to its candidate lemmas with a few
suffix rules and a table of irregular verbs, so "retook", "retaking" and "retakes" all
match ``retake``.  A cue is a short sequence of lemma alternatives (``"pull|draw back"``);
``~`` lets up to four words sit between two parts (``"wave|hoist ~ flag"``).  Options:

* ``requires``: one of these lemmas must also occur in the clause ("fall" needs "bridge").
* ``agent``: the kind of actor that must do it: ``armed`` (military, a state, a demonym),
  ``civil`` (civilians, protesters), or ``any``.
* ``place_object``: a place must follow the cue closely ("entered Kherson").
* ``nominal``: the cue is a noun ("the retaking of X"): only dates after it apply.
* ``passive``: the actor before the cue is the one acted on ("were forced out of X").
* ``take``: a capture/advance cue whose sub-type depends on whose territory it is.
* ``place_list``: the cue fires only before a list of two or more places ("his third
  defeat - Kyiv, Kharkiv, and now Kherson"): one event per place.  Any territory cue whose
  object opens such a list ("withdrew from Izium, Balakliia and Kupiansk") also gives one
  event per place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal, NamedTuple

Agent = Literal["armed", "civil", "any"]
NONE = "none"


@dataclass(frozen=True)
class Cue:
    parts: tuple[frozenset[str], ...]
    #: Largest number of words allowed before each part (0 = adjacent).
    gaps: tuple[int, ...]
    weight: float = 0.8
    requires: frozenset[str] = frozenset()
    agent: Agent | None = None
    place_object: bool = False
    nominal: bool = False
    passive: bool = False
    take: bool = False
    text: str = ""
    place_list: bool = False


@dataclass(frozen=True)
class Category:
    key: str
    event_type: str
    sub_event_type: str
    acled_event_type: str
    acled_sub_event_type: str
    colour: str
    icon: str
    description: str
    cues: tuple[Cue, ...] = ()
    #: Actor kinds that can be actor1, best first.
    actor_kinds: tuple[str, ...] = ("military", "state", "national", "government", "police")
    #: Keys of categories this one replaces when both fire in one clause.
    overrides: tuple[str, ...] = ()
    #: Whether the place should be infrastructure named in the sentence (a bridge, a dam).
    infrastructure: bool = False
    geomap_addition: bool = False


# --------------------------------------------------------------------------- lemmas

IRREGULAR: dict[str, str] = {
    "fled": "flee", "fell": "fall", "fallen": "fall", "retook": "retake", "retaken": "retake",
    "took": "take", "taken": "take", "withdrew": "withdraw", "withdrawn": "withdraw",
    "drew": "draw", "drawn": "draw", "struck": "strike", "shot": "shoot", "blew": "blow",
    "blown": "blow", "overran": "overrun", "overtook": "overtake", "overtaken": "overtake",
    "won": "win", "lost": "lose", "left": "leave", "broke": "break", "broken": "break",
    "held": "hold", "began": "begin", "begun": "begin", "saw": "see", "seen": "see",
    "ran": "run", "went": "go", "gone": "go", "came": "come", "fought": "fight",
    "led": "lead", "burnt": "burn", "spent": "spend", "threw": "throw", "thrown": "throw",
    "drove": "drive", "driven": "drive", "sang": "sing", "sung": "sing", "kept": "keep",
    "stood": "stand", "rose": "rise", "risen": "rise", "set": "set", "hit": "hit",
    "cut": "cut", "put": "put", "beaten": "beat", "forgotten": "forget", "swept": "sweep",
    "seized": "seize", "people": "people", "news": "news", "was": "be", "were": "be",
    "is": "be", "are": "be", "been": "be", "has": "have", "had": "have", "did": "do",
    "done": "do", "said": "say", "told": "tell", "sent": "send", "dug": "dig",
}  # fmt: skip

_DERIVATIONS = (
    ("ization", "ize"), ("isation", "ize"), ("ation", "ate"), ("ation", ""), ("ition", "ite"),
    ("al", ""), ("al", "e"), ("ment", ""), ("ure", ""),
)  # fmt: skip
#: A word none of whose forms ends in one of these has no derived lemma.
_DERIVED = tuple(sorted({suffix for suffix, _ in _DERIVATIONS}))


def _undouble(stem: str) -> str:
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]
    return stem


@lru_cache(maxsize=100_000)
def lemmas(word: str) -> frozenset[str]:
    """Candidate lemmas of ``word`` (lower-cased): the word itself and its stripped forms."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    out = {w}
    if w in IRREGULAR:
        out.add(IRREGULAR[w])
    if w.endswith("ies") or w.endswith("ied"):
        out.add(w[:-3] + "y")
    if w.endswith("es"):
        out.add(w[:-2])
    if w.endswith("s") and not w.endswith("ss"):
        out.add(w[:-1])
    if w.endswith("ed"):
        out.update({w[:-2], w[:-1], _undouble(w[:-2])})
    if w.endswith("ing") and len(w) > 5:
        stem = w[:-3]
        out.update({stem, stem + "e", _undouble(stem)})
    if not any(form.endswith(_DERIVED) for form in out):
        return frozenset(out)  # the usual case, and the loop below would add nothing
    for suffix, repl in _DERIVATIONS:
        for form in list(out):
            if form.endswith(suffix) and len(form) > len(suffix) + 3:
                out.add(form[: -len(suffix)] + repl)
    return frozenset(out)


class Token(NamedTuple):
    # A tuple, not a dataclass: sentences are tokenised by the thousand, and a tuple is
    # made several times faster.
    start: int
    end: int
    text: str

    @property
    def lemmas(self) -> frozenset[str]:
        # Computed when asked for (then cached): most words' lemmas never are.
        return lemmas(self.text)

    @property
    def lower(self) -> str:
        return self.text.lower()


_TOKEN_RE = re.compile(r"\d[\d,.]*\d|\d|\w+n['’]t\b|\w+(?:-\w+)*(?:['’]s)?|[^\w\s]")


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Word and punctuation tokens of ``text[start:end]`` with offsets into ``text``."""
    end = len(text) if end is None else end
    return [Token(m.start(), m.end(), m.group(0)) for m in _TOKEN_RE.finditer(text, start, end)]


def token_texts(text: str, start: int = 0, end: int | None = None) -> list[str]:
    """The texts of ``tokenize(text, start, end)``: all ``match_cues`` needs, made faster."""
    end = len(text) if end is None else end
    return _TOKEN_RE.findall(text, start, end)


# --------------------------------------------------------------------------- cues


def words(text: str) -> frozenset[str]:
    """The set of whitespace-separated words in ``text`` (for writing lexicons)."""
    return frozenset(text.split())


def cue(
    spec: str,
    weight: float = 0.8,
    *,
    requires: str = "",
    agent: Agent | None = None,
    place_object: bool = False,
    nominal: bool = False,
    passive: bool = False,
    take: bool = False,
    place_list: bool = False,
) -> Cue:
    """Build a cue from ``"alt1|alt2 next ~ later"``: spaces join, ``~`` allows a gap."""
    parts: list[frozenset[str]] = []
    gaps: list[int] = []
    gap = 0
    for item in spec.split():
        if item == "~":
            gap = 4
            continue
        parts.append(frozenset(item.split("|")))
        gaps.append(gap)
        gap = 0
    return Cue(
        tuple(parts), tuple(gaps), weight, words(requires), agent,
        place_object, nominal, passive, take, spec, place_list,
    )  # fmt: skip


@dataclass(frozen=True)
class CueMatch:
    category: Category
    cue: Cue
    first: int  # token indexes, inclusive
    last: int


def _match_at(words: Sequence[str], i: int, c: Cue) -> int | None:
    """The index of the last token if ``c`` matches starting at token ``i``."""
    if not lemmas(words[i]) & c.parts[0]:
        return None
    pos = i
    for part, gap in zip(c.parts[1:], c.gaps[1:], strict=True):
        window = words[pos + 1 : pos + 2 + gap]
        hit = next((k for k, w in enumerate(window) if lemmas(w) & part), None)
        if hit is None or any(not w[0].isalnum() for w in window[:hit]):
            return None
        pos += 1 + hit
    return pos


@cache
def _cues_by_first_lemma() -> dict[str, tuple[tuple[int, Category, Cue], ...]]:
    # Every cue starts with one of a few words: index cues by them so a sentence is
    # scanned once instead of once per cue (the cue order is kept for determinism).
    index: dict[str, list[tuple[int, Category, Cue]]] = {}
    order = 0
    for category in TAXONOMY:
        for c in category.cues:
            for lemma in c.parts[0]:
                index.setdefault(lemma, []).append((order, category, c))
            order += 1
    return {k: tuple(v) for k, v in index.items()}


#: What ``lemmas`` may add to a prefix of the (normalised) word: "retak" + "e", "organ" +
#: "ize", "stud" + "y" (every rule strips a suffix and adds one of these).
_LEMMA_ENDINGS = ("", "e", "y", "ize", "ate", "ite")


@cache
def _cue_stems() -> frozenset[str]:
    """Prefixes a word must start with to have a lemma that starts a cue (irregular verbs
    aside): each first lemma less an ending ``lemmas`` may have added."""
    return frozenset(
        lemma[: len(lemma) - len(end)]
        for lemma in _cues_by_first_lemma()
        for end in _LEMMA_ENDINGS
        if lemma.endswith(end)
    )


@cache
def _stems_by_start() -> tuple[int, dict[str, tuple[str, ...]]]:
    """``_cue_stems`` grouped by their first ``n`` characters (``n`` the shortest one's
    length), so that a word is tried against the few that share its start."""
    stems = _cue_stems()
    n = min(map(len, stems))
    groups: dict[str, list[str]] = {}
    for stem in stems:
        groups.setdefault(stem[:n], []).append(stem)
    return n, {start: tuple(group) for start, group in groups.items()}


@lru_cache(maxsize=100_000)
def _may_start_cue(word: str) -> bool:
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    n, stems = _stems_by_start()
    if w not in IRREGULAR and not w.startswith(stems.get(w[:n], ())):
        return False  # no lemma of it can start a cue: skip computing them
    return not lemmas(word).isdisjoint(_cues_by_first_lemma())


def match_cues(words: Sequence[str]) -> Iterator[CueMatch]:
    """Every cue of every category found in a sentence's ``token_texts`` (the token indexes
    are those of its ``tokenize``), not yet checked for requirements."""
    by_lemma = _cues_by_first_lemma()
    found: dict[tuple[int, int], CueMatch] = {}
    for i, word in enumerate(words):
        if not _may_start_cue(word):  # cheaper than its lemmas
            continue
        for lemma in lemmas(word):
            for order, category, c in by_lemma.get(lemma, ()):
                if (order, i) in found:
                    continue
                last = _match_at(words, i, c)
                if last is not None:
                    found[(order, i)] = CueMatch(category, c, i, last)
    yield from (found[k] for k in sorted(found))


# --------------------------------------------------------------------------- the table

#: Paul Tol's muted scheme, its pale grey, and black.
PALETTE = {
    "Battles": "#882255",  # wine
    "Explosions/Remote violence": "#CC6677",  # rose
    "Violence against civilians": "#AA4499",  # purple
    "Protests": "#88CCEE",  # cyan
    "Riots": "#DDCC77",  # sand
    "Strategic developments": "#332288",  # indigo
    "Celebration/gathering": "#117733",  # green
    "Infrastructure damage": "#999933",  # olive
    "Humanitarian situation": "#44AA99",  # teal
    "Military presence/movement": "#000000",  # black
    "Statement": "#DDDDDD",  # pale grey
}

_INFRA = (
    "bridge dam road highway railway rail power grid plant station substation pipeline tower "
    "infrastructure crossing port airport electricity electrical network tunnel building "
    "school hospital"
)
_EQUIPMENT = "tank vehicle armour armor apc howitzer convoy helicopter jet artillery truck"
_CIVILIAN = "civilian resident villager unarmed bystander passer-by child woman family people"
_PROTEST = "protest protester protestor demonstrator demonstration rally march marcher"
_NEEDS = "water food medicine medical electricity power heating fuel gas supply"
#: Reversals that, followed by a list of places, mean territory lost at each of them
#: ("losses in A and B" are casualties, so "loss" is not one).  Retreats are military
#: words; a defeat or setback is one only in a military clause (not a team's defeats).
_RETREATS = "retreat|withdrawal|pullout|pullback"
_REVERSALS = "defeat|setback|humiliation|rout|reversal"
_MILITARY = (
    "war army armies military troop force soldier invasion battle battlefield front "
    "offensive counteroffensive campaign frontline"
)
#: Verbs that report what someone said: a past perfect after them is reported speech
#: shifted back ("officials said the troops had left"), and a noun event under them is
#: the news being reported ("Sullivan called the liberation of Kherson ..."), not background.
REPORT_VERBS = words(
    "say tell report announce confirm claim state add note write tweet call describe hail "
    "praise welcome condemn accord quote show"
)

B, E, V = "Battles", "Explosions/Remote violence", "Violence against civilians"
P, R, S = "Protests", "Riots", "Strategic developments"


def _cat(
    key: str, event_type: str, sub: str, acled: tuple[str, str] | None, icon: str,
    description: str, cues: Sequence[Cue], **options: object,
) -> Category:  # fmt: skip
    acled_type, acled_sub = acled or (event_type, sub)
    addition = event_type not in (B, E, V, P, R, S) or sub not in _ACLED_SUBS.get(event_type, ())
    return Category(
        key, event_type, sub, acled_type, acled_sub, PALETTE[event_type], icon, description,
        tuple(cues), geomap_addition=addition, **options,  # type: ignore[arg-type]
    )  # fmt: skip


_ACLED_SUBS: dict[str, tuple[str, ...]] = {
    B: ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    E: (
        "Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED", "Grenade",
    ),
    V: ("Sexual violence", "Attack", "Abduction/forced disappearance"),
    P: ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
    R: ("Violent demonstration", "Mob violence"),
    S: (
        "Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
        "Headquarters or base established", "Looting/property destruction",
        "Non-violent transfer of territory", "Other",
    ),
}  # fmt: skip

_CIVIL_KINDS = ("civilians", "protesters", "national")

TAXONOMY: tuple[Category, ...] = (
    _cat(
        "armed_clash",
        B,
        "Armed clash",
        None,
        "crosshairs",
        "Armed groups fight each other: clashes, battles, ambushes, assaults.",
        [
            cue("clash|fighting|firefight|skirmish|ambush", 0.8, agent="armed"),
            cue("fight", 0.6, agent="armed"),
            cue("exchange fire", 0.8, agent="armed"),
            cue("battle", 0.7, agent="armed", place_object=True),
            cue("assault|storm|besiege|siege|repel|repulse", 0.7, agent="armed", place_object=True),
            cue(
                "counteroffensive|counter-offensive|offensive",
                0.6,
                agent="armed",
                place_object=True,
            ),
        ],
    ),
    _cat(
        "territory_regained",
        B,
        "Government regains territory",
        None,
        "flag",
        "A state's forces retake, liberate or enter a place in their own country.",
        [
            cue("retake|recapture|regain|reclaim|liberate", 0.95, place_object=True),
            cue("retaking|recapture|liberation", 0.9, place_object=True, nominal=True),
            cue("take|win back", 0.9, agent="armed", place_object=True),
            cue("enter|penetrate", 0.8, agent="armed", place_object=True, take=True),
            cue(
                "advance|push|move|roll|march|sweep into",
                0.85,
                agent="armed",
                place_object=True,
                take=True,
            ),
            cue("force|drive|push out of", 0.8, place_object=True, passive=True, take=True),
            cue("oust|expel", 0.7, agent="armed", place_object=True, take=True),
        ],
        overrides=("armed_clash", "military_movement"),
    ),
    _cat(
        "territory_taken",
        B,
        "Non-state actor overtakes territory",
        None,
        "flag-checkered",
        "A force other than the place's own government takes it (geomap applies this to "
        "foreign state forces too: ACLED keeps 'Government regains' for the territory's "
        "own government).",
        [
            cue("capture|seize|overrun|occupy", 0.85, agent="armed", place_object=True, take=True),
            cue(
                "capture|seizure|occupation|fall",
                0.8,
                place_object=True,
                nominal=True,
                take=True,
                requires="of",
            ),
            cue("take control|over", 0.8, agent="armed", place_object=True, take=True),
            cue("fall to", 0.8, take=True),
        ],
        overrides=("armed_clash", "military_movement"),
    ),
    _cat(
        "equipment_destroyed",
        B,
        "Destroyed military equipment",
        (B, "Armed clash"),
        "car-burst",
        "Aftermath of fighting seen by witnesses: destroyed tanks, wrecked vehicles, spent "
        "casings. The date of the fighting itself is unknown.",
        [
            cue(
                "destroy|burn|burned-out|burnt-out|wreck|wrecked|charred|disabled|abandon",
                0.7,
                requires=_EQUIPMENT,
            ),
            cue("wreckage|debris|carcass", 0.6, requires=_EQUIPMENT),
            cue("casing", 0.6, requires="projectile shell spend spent"),
        ],
        actor_kinds=(),
    ),
    _cat(
        "shelling",
        E,
        "Shelling/artillery/missile attack",
        None,
        "explosion",
        "Artillery, mortar, rocket or missile fire.",
        [
            cue("shell|shelling|bombard|bombardment|mortar", 0.85),
            cue(
                "missile|rocket|artillery",
                0.8,
                requires="strike attack hit fire land launch barrage salvo kill",
            ),
        ],
        overrides=("armed_clash", "civilian_attack"),
    ),
    _cat(
        "air_strike",
        E,
        "Air/drone strike",
        None,
        "plane",
        "Strikes from aircraft or drones.",
        [
            cue("airstrike|air-strike|air-raid", 0.9),
            cue("air strike|raid", 0.9),
            cue(
                "drone|warplane|jet|aircraft",
                0.8,
                requires="strike attack hit bomb explode kamikaze drop",
            ),
        ],
        overrides=("armed_clash", "civilian_attack", "shelling"),
    ),
    _cat(
        "remote_explosive",
        E,
        "Remote explosive/landmine/IED",
        None,
        "road-bomb",
        "Landmines, IEDs, roadside and car bombs.",
        [
            cue(
                "landmine|ied|booby-trap|booby-trapped",
                0.85,
                requires="explode detonate blast kill injure wound hit step",
            ),
            cue("land mine", 0.85, requires="explode detonate blast kill injure wound hit step"),
            cue("roadside|car bomb", 0.9),
            cue("explosive device", 0.8, requires="explode detonate blast kill injure wound"),
        ],
        overrides=("armed_clash", "civilian_attack"),
    ),
    _cat(
        "suicide_bomb",
        E,
        "Suicide bomb",
        None,
        "person-burst",
        "An attack by a suicide bomber.",
        [
            cue("suicide bomber|bombing|attack|blast", 0.95),
        ],
        overrides=("remote_explosive", "civilian_attack", "armed_clash"),
    ),
    _cat(
        "grenade",
        E,
        "Grenade",
        None,
        "bomb",
        "A grenade attack.",
        [
            cue("grenade", 0.8, requires="throw explode attack hurl kill injure"),
        ],
        overrides=("civilian_attack",),
    ),
    _cat(
        "chemical_weapon",
        E,
        "Chemical weapon",
        None,
        "skull-crossbones",
        "Use of chemical weapons.",
        [
            cue("chemical weapon|attack", 0.9),
            cue("sarin|chlorine", 0.7, requires="gas attack"),
        ],
        overrides=("shelling", "air_strike", "civilian_attack"),
    ),
    _cat(
        "civilian_attack",
        V,
        "Attack",
        None,
        "user-injured",
        "Armed actors attack unarmed civilians.",
        [
            cue("kill|shoot|execute|torture|beat|wound|massacre", 0.75, requires=_CIVILIAN),
            cue("massacre|atrocity|execution", 0.8),
        ],
    ),
    _cat(
        "abduction",
        V,
        "Abduction/forced disappearance",
        None,
        "user-lock",
        "People abducted, kidnapped or forcibly disappeared.",
        [
            cue("abduct|kidnap|abduction|kidnapping|hostage", 0.85),
            cue("forcibly|forced disappear|disappearance", 0.85),
            cue("deport|deportation", 0.6, requires=_CIVILIAN),
        ],
    ),
    _cat(
        "sexual_violence",
        V,
        "Sexual violence",
        None,
        "person-harassing",
        "Rape and other sexual violence.",
        [
            cue("rape", 0.9),
            cue("sexual violence|assault|abuse", 0.9),
        ],
    ),
    _cat(
        "peaceful_protest",
        P,
        "Peaceful protest",
        None,
        "bullhorn",
        "A demonstration without violence.",
        [
            cue("protest|protester|protestor|demonstrator|demonstration|sit-in|picket", 0.8),
            cue("rally", 0.6, requires="against protest support supporter"),
            cue("march", 0.6, requires="protest protester demonstrator against"),
        ],
        actor_kinds=("protesters", "civilians", "national"),
    ),
    _cat(
        "protest_intervention",
        P,
        "Protest with intervention",
        None,
        "shield-halved",
        "Protesters dispersed, detained or tear-gassed.",
        [
            cue("disperse|tear-gas|detain|arrest", 0.8, requires=_PROTEST),
            cue("break up", 0.8, requires=_PROTEST),
            cue("water cannon", 0.8, requires=_PROTEST),
            cue("tear gas", 0.8, requires=_PROTEST),
        ],
        actor_kinds=("protesters", "civilians", "national"),
        overrides=("peaceful_protest", "arrests"),
    ),
    _cat(
        "excessive_force",
        P,
        "Excessive force against protesters",
        None,
        "hand-fist",
        "Lethal or grave force used on peaceful protesters.",
        [
            cue("kill|shoot", 0.8, requires=_PROTEST),
            cue("fire on", 0.8, requires=_PROTEST),
            cue("live ammunition", 0.8, requires=_PROTEST),
        ],
        actor_kinds=("protesters", "civilians", "national"),
        overrides=("peaceful_protest", "protest_intervention", "civilian_attack"),
    ),
    _cat(
        "violent_demonstration",
        R,
        "Violent demonstration",
        None,
        "fire",
        "Demonstrators engage in violence or vandalism.",
        [
            cue("riot|rioter|rioting", 0.85),
            cue("violent protest|demonstration|clash", 0.85),
            cue("clash|throw|hurl|torch|loot|attack", 0.7, requires=_PROTEST),
            cue("set fire", 0.7, requires=_PROTEST),
        ],
        actor_kinds=("rioters", "protesters", "civilians", "national"),
        overrides=("peaceful_protest", "armed_clash", "looting"),
    ),
    _cat(
        "mob_violence",
        R,
        "Mob violence",
        None,
        "people-group",
        "Violence by a mob or vigilantes.",
        [
            cue("mob|lynch|lynching|vigilante", 0.8),
        ],
        actor_kinds=("rioters", "civilians", "national"),
    ),
    _cat(
        "agreement",
        S,
        "Agreement",
        None,
        "handshake",
        "Ceasefires, peace deals, prisoner exchanges.",
        [
            cue("ceasefire|cease-fire|truce|armistice", 0.85),
            cue("peace deal|agreement|accord", 0.8),
            cue("prisoner exchange|swap", 0.85),
            cue("sign ~ agreement|deal|accord", 0.8),
        ],
        actor_kinds=("government", "state", "military"),
    ),
    _cat(
        "arrests",
        S,
        "Arrests",
        None,
        "handcuffs",
        "Arrests and detentions by state forces.",
        [
            cue("arrest|detain|detention", 0.75),
            cue("round up", 0.7),
        ],
        actor_kinds=("police", "military", "government", "state"),
    ),
    _cat(
        "group_change",
        S,
        "Change to group/activity",
        None,
        "people-arrows",
        "Changes in an armed group: mobilisation, conscription, new command.",
        [
            cue("mobilization|mobilisation|mobilize|conscription|draft", 0.7, place_object=True),
            cue("martial law", 0.7, place_object=True),
        ],
        actor_kinds=("government", "state", "military"),
    ),
    _cat(
        "disrupted_weapons",
        S,
        "Disrupted weapons use",
        None,
        "shield",
        "Weapons intercepted, shot down, defused or seized; mines cleared.",
        [
            cue("shoot down", 0.85, requires="drone missile jet aircraft helicopter plane rocket"),
            cue("intercept|defuse|demine|demining", 0.8),
            cue("seize|confiscate ~ weapon|ammunition|explosive|arms", 0.75),
        ],
        overrides=("air_strike", "shelling", "remote_explosive"),
    ),
    _cat(
        "base_established",
        S,
        "Headquarters or base established",
        None,
        "house-flag",
        "An armed group sets up a base, headquarters or camp.",
        [
            cue("establish|set|build ~ base|headquarters|camp|outpost", 0.75, agent="armed"),
        ],
    ),
    _cat(
        "looting",
        S,
        "Looting/property destruction",
        None,
        "sack-dollar",
        "Looting or deliberate destruction of property by a named actor.",
        [
            cue("loot|looting|plunder|pillage|ransack|vandalize|vandalise", 0.8),
            cue("blow|blew up", 0.75, agent="armed", requires=_INFRA),
            cue("torch|burn", 0.7, agent="armed", requires="house home shop building"),
            cue("set fire", 0.7, agent="armed", requires="house home shop building"),
        ],
        overrides=("infrastructure_damage",),
    ),
    _cat(
        "territory_transfer",
        S,
        "Non-violent transfer of territory",
        None,
        "arrow-right-from-bracket",
        "Forces withdraw from, hand over or annex territory without fighting for it.",
        [
            cue("withdraw|withdrawal|retreat|pullout|pullback|pull-out", 0.9, agent="armed"),
            cue("pull|draw|fall back|out", 0.9, agent="armed"),
            cue("flee|relocate|relocation|evacuate|departure|abandon", 0.7, agent="armed"),
            cue("leave", 0.5, agent="armed", place_object=True),
            cue("annex|annexation|cede", 0.8, place_object=True),
            cue("hand over", 0.8, place_object=True),
            # A reversal named with the places it happened at is territory lost at each.
            cue(_RETREATS, 0.7, nominal=True, place_list=True),
            cue(_REVERSALS, 0.7, nominal=True, place_list=True, requires=_MILITARY),
        ],
        overrides=("military_movement",),
    ),
    _cat(
        "other_development",
        S,
        "Other",
        None,
        "circle-info",
        "Other strategic developments: curfews, states of emergency.",
        [
            cue("curfew", 0.7, place_object=True),
            cue("state of emergency", 0.7, place_object=True),
        ],
        actor_kinds=("government", "state", "military"),
    ),
    _cat(
        "celebration",
        "Celebration/gathering",
        "Celebration",
        (NONE, NONE),
        "champagne-glasses",
        "Crowds celebrating, waving flags, greeting troops.",
        [
            cue("celebrate|celebration|jubilant|jubilation|rejoice|cheer|cheering", 0.85),
            cue("wave|hoist|raise|fly ~ flag", 0.8),
            cue("hand out flower", 0.75),
            cue("greet|welcome|kiss|hug|embrace", 0.6, requires="soldier troop force"),
            cue("dance|sing", 0.6, requires="street square crowd resident anthem"),
        ],
        actor_kinds=_CIVIL_KINDS,
    ),
    _cat(
        "gathering",
        "Celebration/gathering",
        "Gathering",
        (NONE, NONE),
        "users",
        "Crowds gathering in a public place (not a protest).",
        [
            cue("gather|crowd|throng|flock", 0.6, requires="square street plaza centre center"),
        ],
        actor_kinds=_CIVIL_KINDS,
        overrides=(),
    ),
    _cat(
        "infrastructure_damage",
        "Infrastructure damage",
        "Cause unknown",
        (S, "Other"),
        "bridge",
        "Bridges, dams, power or water systems damaged or destroyed, cause not stated.",
        [
            cue(
                "fall|collapse|destroy|damage|down|cut|wreck|ruin|break|sever|hit|blow",
                0.8,
                requires=_INFRA,
            ),
            cue("missing piece|section|span", 0.7, requires=_INFRA),
        ],
        actor_kinds=(),
        infrastructure=True,
    ),
    _cat(
        "humanitarian",
        "Humanitarian situation",
        "Humanitarian crisis",
        (NONE, NONE),
        "kit-medical",
        "Shortages of water, food or medicine; humanitarian crises; displacement.",
        [
            cue("humanitarian crisis|catastrophe|disaster|emergency|situation", 0.9),
            cue("lack|lacking|shortage|short|without", 0.75, requires=_NEEDS),
            cue("run out", 0.75, requires=_NEEDS),
            cue("famine|starvation|starve|displace|displacement|refugee", 0.7),
            cue("evacuate|evacuation", 0.6, requires=_CIVILIAN),
        ],
        actor_kinds=("civilians", "national"),
        overrides=("celebration",),
    ),
    _cat(
        "military_movement",
        "Military presence/movement",
        "Troop movement",
        (S, "Change to group/activity"),
        "truck",
        "Troops deployed, massed, stationed or reinforced somewhere.",
        [
            cue(
                "deploy|deployment|station|reinforce|reinforcement|patrol",
                0.6,
                agent="armed",
                place_object=True,
            ),
            cue("mass|amass|build-up|buildup ~ troop|force|soldier", 0.6),
            cue("arrive", 0.5, agent="armed", place_object=True),
        ],
    ),
    _cat(
        "statement",
        "Statement",
        "Announcement",
        (NONE, NONE),
        "comment",
        "An actor announces, orders or threatens an action at a place (the action itself "
        "is not reported as done).",
        [
            cue(
                "announce|order|declare ~ withdrawal|retreat|evacuation|mobilization",
                0.6,
                place_object=True,
            ),
        ],
        actor_kinds=("government", "state", "military"),
    ),
)

BY_KEY: dict[str, Category] = {c.key: c for c in TAXONOMY}


def category_for(event_type: str, sub_event_type: str) -> Category | None:
    """The category of an event's (event_type, sub_event_type) pair."""
    return next(
        (c for c in TAXONOMY if (c.event_type, c.sub_event_type) == (event_type, sub_event_type)),
        None,
    )


def event_type_colours() -> dict[str, str]:
    """Colour of each event type (one per type)."""
    return dict(PALETTE)


def taxonomy_markdown() -> str:
    """The taxonomy as a markdown table for the README."""
    lines = [
        "| event type | sub-event type | ACLED event type | ACLED sub-event type | colour "
        "| icon | what it covers |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in TAXONOMY:
        marker = " (geomap)" if c.geomap_addition else ""
        lines.append(
            f"| {c.event_type} | {c.sub_event_type}{marker} | {c.acled_event_type} "
            f"| {c.acled_sub_event_type} | `{c.colour}` | `{c.icon}` | {c.description} |"
        )
    lines.append("")
    lines.append(
        "Colours: Paul Tol's colour-blind-safe *muted* scheme plus its pale grey and black, one "
        "colour per event type. Icons: Font Awesome 6 (free, solid) names."
    )
    return "\n".join(lines)
