"""The Python API: ``geoparse`` one text, ``build`` maps and GeoJSON for many, and the
ecosystem's own types for what was found: ``to_geodataframe`` (geopandas) and ``to_map``
(folium).

The CLI is a thin layer over these functions; ``import geomap`` offers them too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .events import extract_events
from .gazetteer import Gazetteer
from .ingest import Failure, parse_date
from .models import Document, Event, ParsedDocument
from .recognise import Recogniser
from .resolve import Resolver
from .text import split_sentences

if TYPE_CHECKING:  # geopandas and folium take ~0.5 s each to import: only when asked for
    import folium
    import geopandas as gpd

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


def _documents(parsed: ParsedDocument | Iterable[ParsedDocument]) -> list[ParsedDocument]:
    return [parsed] if isinstance(parsed, ParsedDocument) else list(parsed)


def _events(documents: Sequence[ParsedDocument]) -> list[Event]:
    """One document's events, or those of several merged as on a combined map (the same
    incident reported by several articles is one event)."""
    if len(documents) == 1:
        return list(documents[0].events)
    from .events import merge_events

    return list(merge_events(e for d in documents for e in d.events))


def to_geodataframe(
    parsed: ParsedDocument | Iterable[ParsedDocument], layer: str = "events"
) -> gpd.GeoDataFrame:
    """A layer of what ``geoparse`` found, as the GeoPackage and GeoParquet outputs hold it
    (EPSG:4326, the same fields and types): ``events`` (points), ``places`` (the places
    mentioned, points), ``lines`` (rivers and routes) or ``areas`` (river banks and event
    areas). Several documents give their events merged, as on a combined map."""
    from .io.tables import SPATIAL_LAYERS, build_tables

    if layer not in SPATIAL_LAYERS:
        raise ValueError(f"unknown layer {layer!r} (choose from {', '.join(SPATIAL_LAYERS)})")
    documents = _documents(parsed)
    return build_tables(_events(documents), documents).spatial()[layer]


def to_map(
    parsed: ParsedDocument | Iterable[ParsedDocument],
    *,
    title: str | None = None,
    description: str = "",
    pipeline: Pipeline | None = None,
) -> folium.Map:
    """The interactive map of ``build``'s HTML page as a ``folium.Map``, to show in a
    notebook or add layers to (``save`` writes a page with no article text run as a
    template). The offline basemap comes from ``pipeline``'s gazetteer (default: the
    default pipeline's)."""
    from .render.html import MapText, build_map
    from .render.write import basemap_for, source_line

    documents = _documents(parsed)
    events = _events(documents)
    if title is None:
        first = documents[0].document if len(documents) == 1 else None
        title = (first.title or first.id) if first else f"{len(documents)} articles"
    text = MapText(title=title, description=description, source_line=source_line(documents))
    gazetteer = (pipeline or default_pipeline()).gazetteer
    return build_map(events, documents, text, basemap_for(gazetteer, events, documents))


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
