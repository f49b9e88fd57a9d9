"""Name keys: one spelling-insensitive form per name, shared by index and lookups."""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

_APOSTROPHES = re.compile(r"[’'`ʼʹ′]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """Fold case, accents, script and punctuation: "Київ", "Kýiv" and "KYIV" share a key.

    Apostrophes vanish rather than split ("Kam'yanske" -> "kamyanske") because
    transliterations disagree on whether to write the soft sign at all.
    """
    ascii_name = anyascii(name).lower()
    ascii_name = _APOSTROPHES.sub("", ascii_name)
    return _NON_ALNUM.sub(" ", ascii_name).strip()


def is_latin(name: str) -> bool:
    """True when the name is written in Latin script (possibly with diacritics)."""
    return all(ord(ch) < 0x250 or not ch.isalpha() for ch in name)
