"""Name keys: one spelling-insensitive form per name, shared by index and lookups."""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

_APOSTROPHES = re.compile(r"[’'`ʼʹ′]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    """Transliterate, lower-case, drop apostrophes; every other non-alphanumeric is a space."""
    return _NON_ALNUM.sub(" ", _APOSTROPHES.sub("", anyascii(text).lower()))


class _FoldTable(dict[int, str]):
    """``str.translate`` table doing ``_fold`` one code point at a time, filled on demand.

    Every step of ``_fold`` works character by character (anyascii transliterates each
    code point on its own; lower-casing ASCII, dropping apostrophes and blanking the
    rest do too), so folding a name is folding each of its characters and joining.
    """

    def __missing__(self, codepoint: int) -> str:
        folded = self[codepoint] = _fold(chr(codepoint))
        return folded


_FOLD = _FoldTable()
#: The same for ASCII, as a ``bytes.translate`` table (apostrophes are deleted apart).
_ASCII_FOLD = bytes(
    ord(chr(i).lower()) if i < 128 and chr(i).isalnum() else ord(" ") for i in range(256)
)


def fold_key(name: str) -> str:
    """``name_key`` without its memo, for names unlikely to come up again."""
    # _fold(name).strip(), computed character by character: split/join then turns runs of
    # blanks (one per folded character) into single spaces and trims the ends.
    if name.isascii():  # most names: bytes.translate is several times faster
        return b" ".join(name.encode().translate(_ASCII_FOLD, b"'`").split()).decode()
    return " ".join(name.translate(_FOLD).split())


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """Fold case, accents, script and punctuation: "Київ", "Kýiv" and "KYIV" share a key.

    Apostrophes vanish rather than split ("Kam'yanske" -> "kamyanske") because
    transliterations disagree on whether to write the soft sign at all.
    """
    return fold_key(name)


def is_latin(name: str) -> bool:
    """True when the name is written in Latin script (possibly with diacritics)."""
    return all(ord(ch) < 0x250 or not ch.isalpha() for ch in name)
