"""The Python API: ``geoparse`` one text, ``build`` maps and GeoJSON for many.

The CLI is a thin layer over these two functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .events import extract_events
from .gazetteer import Gazetteer
from .ingest import Failure, parse_date
from .models import Document, ParsedDocument
from .recognise import Recogniser
from .resolve import Resolver
from .text import split_sentences

COMBINED_NAME = "combined"


class Pipeline:
    """ingest → recognise → resolve → events, over one loaded gazetteer."""

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        overlays: Iterable[Path] = (),
        *,
        threshold: float | None = None,
    ) -> None:
        self.gazetteer = gazetteer or Gazetteer.default(overlays)
        self.recognise = Recogniser(self.gazetteer)
        self.resolve = (
            Resolver(self.gazetteer) if threshold is None else Resolver(self.gazetteer, threshold)
        )

    def __call__(self, doc: Document) -> ParsedDocument:
        sentences = split_sentences(doc.text)
        mentions = self.recognise(doc.text, sentences)
        toponyms = self.resolve(mentions, doc.text)
        events = extract_events(doc, sentences, toponyms)
        return ParsedDocument(doc, sentences, toponyms, events)


_DEFAULT: Pipeline | None = None


def default_pipeline() -> Pipeline:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Pipeline()
    return _DEFAULT


def geoparse(
    text: str | Document,
    *,
    title: str | None = None,
    date: str | dt.date | None = None,
    date_precision: str | None = None,
    url: str | None = None,
    doc_id: str | None = None,
    pipeline: Pipeline | None = None,
) -> ParsedDocument:
    """Find, resolve and attach events to every place mention in ``text``."""
    if isinstance(text, Document):
        doc = text
    else:
        parsed_date, precision = (
            parse_date(date.isoformat(), date_precision or "day")
            if isinstance(date, dt.date)
            else parse_date(date, date_precision)
        )
        doc = Document(
            id=doc_id or hashlib.sha256(text.encode()).hexdigest()[:12],
            text=text,
            title=title,
            date=parsed_date,
            date_precision=precision,
            url=url,
        )
    return (pipeline or default_pipeline())(doc)


@dataclass
class BuildReport:
    """What a build did: per input, the files written or the error; nothing silently dropped."""

    outputs: dict[str, list[str]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=dict)
    unresolved: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> str:
        return json.dumps(
            {
                "outputs": self.outputs,
                "failures": [{"input": f.source, "error": f.error} for f in self.failures],
                "events": self.events,
                "unresolved": self.unresolved,
            },
            sort_keys=True,
            indent=2,
        )


def build(
    inputs: Sequence[str | Path],
    out_dir: str | Path = "outputs",
    *,
    formats: Sequence[str] = ("html", "geojson"),
    title: str | None = None,
    description: str | None = None,
    credit: str | None = None,
    pipeline: Pipeline | None = None,
    size: tuple[int, int] = (1200, 800),
    dpi: int = 150,
) -> BuildReport:
    """Write a map and GeoJSON per input document and a combined pair for all of them.

    ``size`` (width, height in pixels) and ``dpi`` apply to the ``png``/``svg`` formats.
    This is ``geomap.batch.build`` in this process, without the cache; that function also
    takes ``jobs``, ``cache``, ``force``, ``overlays``, ``threshold`` and ``progress``."""
    from .batch import build as batch_build

    return batch_build(
        inputs,
        out_dir,
        formats=formats,
        title=title,
        description=description,
        credit=credit,
        pipeline=pipeline or default_pipeline(),
        size=size,
        dpi=dpi,
    )


def _unique_name(doc_id: str, seen: set[str]) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in doc_id) or "document"
    if safe == COMBINED_NAME:
        safe = f"{safe}_doc"
    name, n = safe, 1
    while name in seen:
        n += 1
        name = f"{safe}_{n}"
    seen.add(name)
    return name
