"""Sentences and tokens with character offsets into the original text."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, fields

from .models import Sentence

# Letters with inner apostrophes or hyphens stay one token ("Kam'yanske", "Stratford-upon-Avon").
_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+(?:[.,]\d+)*", re.UNICODE)
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "gen",
        "col",
        "lt",
        "sgt",
        "pres",
        "gov",
        "sen",
        "rep",
        "st",
        "jr",
        "sr",
        "no",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "u.s",
        "u.k",
    ]
)
#: The type word that ends a street's name ("Main Street", "Orchard St."), as a pattern.
STREET_TYPE = (
    r"(?:Street|St\.|Avenue|Ave\.|Road|Rd\.|Drive|Boulevard|Blvd\.|Lane|Highway|Parkway"
    r"|Pkwy\.|Pike|Turnpike|Expressway|Freeway)(?![\w])"
)
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+|$)|\n+")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def is_capitalised(self) -> bool:
        return self.text[:1].isupper()


# A frozen dataclass's __init__ makes one object.__setattr__ call per field. A document
# has tens of thousands of tokens, so while Token stays a plain frozen dataclass (no
# __slots__, no __post_init__, these fields) they are made by filling __dict__ directly:
# the very same objects (frozen, equal, hashable) in three quarters of the time.
_FAST_TOKEN = (
    tuple(f.name for f in fields(Token)) == ("start", "end", "text")
    and "__slots__" not in Token.__dict__
    and not hasattr(Token, "__post_init__")
)


def tokenize(text: str) -> list[Token]:
    if not _FAST_TOKEN:
        return [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    new = object.__new__
    tokens: list[Token] = []
    append = tokens.append
    for m in _TOKEN.finditer(text):
        token = new(Token)
        fields_ = token.__dict__
        fields_["start"], fields_["end"] = m.span()
        fields_["text"] = m.group()
        append(token)
    return tokens


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Sentence spans, trimmed of surrounding white space; newlines always end a sentence
    because headlines, captions and bylines rarely end with a full stop."""
    spans: list[Sentence] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if match.group().startswith(".") and _is_abbreviation(text, match.start()):
            continue
        if end < len(text) and match.group()[0] in ".!?" and not _next_starts_sentence(text, end):
            continue
        _append(spans, text, start, end)
        start = end
    _append(spans, text, start, len(text))
    return tuple(spans)


def _is_abbreviation(text: str, dot: int) -> bool:
    word_start = dot
    while word_start > 0 and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot].lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _next_starts_sentence(text: str, pos: int) -> bool:
    rest = text[pos : pos + 4].lstrip()
    return not rest or rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"'“‘(["


def _append(spans: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Sentence(start, end))


def sentence_index(sentences: tuple[Sentence, ...], offset: int) -> int:
    starts = [s.start for s in sentences]
    return max(0, bisect_right(starts, offset) - 1)
