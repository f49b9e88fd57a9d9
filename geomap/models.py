"""The document object and the typed records each pipeline stage passes on.

Every record is a frozen dataclass so a stage can never mutate what an earlier
stage produced; stages return new records instead (``dataclasses.replace``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

if TYPE_CHECKING:  # shapely costs ~0.1 s to import and most records carry no geometry
    from shapely.geometry.base import BaseGeometry

DatePrecision = Literal["day", "week", "month", "year"]
#: How a mention is used in its sentence. Only ``literal`` mentions can be event locations.
MentionRole = Literal["literal", "metonymy", "demonym", "modifier"]
#: Spatial precision of a resolved place, coarsest last.
Precision = Literal["point", "district", "city", "area", "admin2", "admin1", "country", "line"]


@dataclass(frozen=True)
class Document:
    """One article as ingested: its text and what is known about its publication."""

    id: str
    text: str
    title: str | None = None
    date: dt.date | None = None
    #: How much of ``date`` is known: "week" means the ISO week starting on or containing ``date``.
    date_precision: DatePrecision | None = None
    url: str | None = None
    outlet: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int


@dataclass(frozen=True)
class Mention:
    """A stretch of text that names a place (or uses a place name for something else)."""

    start: int
    end: int
    #: The text exactly as it stands in the document, ``text[start:end]``.
    text: str
    #: The toponym to look up: possessives and articles stripped ("Kherson's" -> "Kherson").
    name: str
    role: MentionRole = "literal"
    #: A feature-type cue from the context: "city", "region", "river", "bridge", "bank", ...
    cue: str | None = None
    #: For spatial expressions: the relation to the named place ("left_bank", "near", ...).
    relation: str | None = None
    sentence: int = 0


@dataclass(frozen=True)
class Place:
    """A gazetteer entry: where something is and what kind of thing it is."""

    id: str
    name: str
    kind: str
    lat: float
    lon: float
    country: str | None = None
    admin1: str | None = None
    population: int = 0
    source: str = ""
    #: Line or area geometry (WGS84 lon/lat) where a point says too little.
    geometry: BaseGeometry | None = field(default=None, compare=False, hash=False)
    geonameid: int | None = None


@dataclass(frozen=True)
class Candidate:
    place: Place
    score: float


@dataclass(frozen=True)
class Toponym:
    """A mention after resolution: the place it refers to, or ``None`` if unresolved."""

    mention: Mention
    place: Place | None
    score: float
    precision: Precision | None
    #: The geometry to draw: the place's own, or one derived from a spatial expression.
    geometry: BaseGeometry | None = field(default=None, compare=False, hash=False)
    candidates: tuple[Candidate, ...] = ()

    @property
    def is_context(self) -> bool:
        """True when the mention is not a literal location (metonymy, demonym)."""
        return self.mention.role != "literal"


@dataclass(frozen=True)
class Source:
    doc_id: str
    title: str | None
    url: str | None
    date: dt.date | None
    outlet: str | None


@dataclass(frozen=True)
class Event:
    """Something that happened somewhere, with the quote it came from (ACLED-style fields)."""

    id: str
    event_type: str
    sub_event_type: str
    actor1: str | None
    actor2: str | None
    event_date: dt.date | None
    time_precision: DatePrecision | None
    #: ACLED geo-precision: 1 the place itself, 2 near or part of it, 3 only the region known.
    geo_precision: int
    location: str
    place_id: str | None
    lat: float
    lon: float
    quote: str
    #: Offsets of the location mention and of the quoted sentence, in the source document.
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    confidence: float
    sources: tuple[Source, ...]
    country: str | None = None
    admin1: str | None = None
    historical: bool = False
    #: Where the location is not a point (a bank, a route): its area or line.
    geometry: BaseGeometry | None = field(default=None, compare=False, hash=False)
    date_text: str | None = None
    merged_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedDocument:
    """The document object after every stage has run over it."""

    document: Document
    sentences: tuple[Sentence, ...]
    toponyms: tuple[Toponym, ...]
    events: tuple[Event, ...] = ()

    @property
    def mentions(self) -> tuple[Mention, ...]:
        return tuple(t.mention for t in self.toponyms)


# -- geometries, parsed when first read --------------------------------------------------------


class _Geometry:
    """The ``geometry`` of a place, toponym or event: a shapely geometry, parsed from WKB
    when first read.

    Geoparsing carries stored outlines, rivers, routes and "near X" circles as WKB, and
    reads what it needs of them (type, a point inside, GeoJSON) with ``geomap.wkb``: a
    run that draws nothing imports neither shapely nor numpy (~0.1 s), and no outline
    fetched with a candidate place is parsed unless it is drawn. Maps and GIS writers read
    ``.geometry`` and get shapely's, as before. The parsed geometry replaces the WKB in
    the record (frozen, but the value is the same)."""

    def __get__(self, record: object, owner: type | None = None) -> BaseGeometry | None:
        if record is None:
            return None  # the class's default
        held = record.__dict__.get("geometry")
        if isinstance(held, bytes):
            import shapely

            held = record.__dict__["geometry"] = shapely.from_wkb(held)
        return cast("BaseGeometry | None", held)

    def __set__(self, record: object, value: BaseGeometry | bytes | None) -> None:
        record.__dict__["geometry"] = value  # (a frozen dataclass's __init__ comes here)


for _record in (Place, Toponym, Event):
    setattr(_record, "geometry", _Geometry())  # noqa: B010 - after @dataclass took its default


def geometry_of(record: Place | Toponym | Event | None) -> BaseGeometry | bytes | None:
    """A record's geometry as held: WKB (``bytes``) not parsed yet, or shapely's."""
    return None if record is None else record.__dict__.get("geometry")


def lazy(geometry: BaseGeometry | bytes | None) -> BaseGeometry | None:
    """A geometry as held (``geometry_of``, or WKB) for a record's ``geometry`` argument:
    the record parses WKB when it is first read."""
    return cast("BaseGeometry | None", geometry)


_R = TypeVar("_R", Place, Toponym, Event)


def evolve(record: _R, **changes: Any) -> _R:
    """``dataclasses.replace``, with the geometry carried over as held (replace would read
    it, and so parse it)."""
    changes.setdefault("geometry", geometry_of(record))
    return replace(record, **changes)
