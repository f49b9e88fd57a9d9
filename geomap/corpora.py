"""Readers for public geoparsing corpora with gold toponym spans and coordinates.

Three XML layouts share the outer ``<articles><article><text>…</text>…`` shape and
differ in how the annotations are spelled; :func:`read_corpus` tells them apart by the
annotation elements themselves, so a file is read the same way whatever it is called:

* **LGL / TR-News** (Lieberman et al. 2010; Kamalloo & Rafiei 2018):
  ``<toponyms><toponym><start/><end/><phrase/><gaztag geonameid="…"><lat/><lon/>…``.
  A toponym without ``<gaztag>`` has no coordinates.
* **GeoVirus** (Gritta et al. 2018):
  ``<locations><location><name/><start/><end/><lat/><lon/><page/>…``. Its offsets are
  often one character late, and one ``<location>`` in the public file wraps three
  others; every ``<location>`` that carries a ``<name>`` is read.
* **GeoWebNews** (Gritta et al. 2019, "A Pragmatic Guide to Geoparsing Evaluation",
  ``GWN.xml``): ``<toponyms><toponym><start/><end/><extractedName/><normalisedName/>
  <type/><latitude/><longitude/><geonamesID/>…``, the document id in
  ``<article file="…">``. The ``<type>`` (Literal, Metonymic, Demonym, …) is kept in
  :attr:`GoldToponym.kind`. This layout is taken from the corpus authors' own reader
  code; no copy of the file was at hand to check it against.

Offsets are character offsets into the ``<text>`` element's content. A gold span whose
text is not its name is re-anchored on the nearest occurrence of the name within
:data:`REANCHOR_WINDOW` characters (see :func:`reanchor`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

#: How far (in characters) a gold span may be moved to sit on its name.
REANCHOR_WINDOW = 5

_SUPPORTED = "LGL / TR-News, GeoVirus or GeoWebNews XML"


class CorpusError(ValueError):
    """A corpus file could not be read: malformed XML or an unsupported layout."""

    def __init__(self, path: str | PathLike[str], problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass(frozen=True)
class GoldToponym:
    """One annotated place mention; ``lat``/``lon`` are ``None`` when not geocoded."""

    start: int
    end: int
    name: str
    lat: float | None
    lon: float | None
    #: The corpus's own label for the mention where it has one (GeoWebNews ``<type>``).
    kind: str | None = None

    @property
    def has_coordinates(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class GoldDocument:
    id: str
    text: str
    toponyms: tuple[GoldToponym, ...]


def read_corpus(path: str | PathLike[str]) -> list[GoldDocument]:
    """Read an LGL / TR-News, GeoVirus or GeoWebNews XML file.

    Raises :class:`CorpusError` (naming the file) for malformed XML, an unknown layout or
    an annotation with missing or non-numeric offsets.
    """
    docs: list[GoldDocument] = []
    seen: set[str] = set()
    for index, article in _iter_articles(Path(path)):
        doc = _read_article(path, index, article)
        docs.append(_unique_id(doc, seen))
    if not docs:
        raise CorpusError(path, f"unsupported format: no <article> elements ({_SUPPORTED})")
    return docs


def reanchor(text: str, start: int, end: int, name: str) -> tuple[int, int]:
    """Move ``(start, end)`` onto ``name`` if the text there is not ``name``.

    Looks for ``name`` starting within :data:`REANCHOR_WINDOW` characters of ``start``,
    nearest first (earlier before later at equal distance); keeps the given span if the
    name is not found.
    """
    if not name or text[start:end] == name:
        return start, end
    for delta in sorted(range(-REANCHOR_WINDOW, REANCHOR_WINDOW + 1), key=abs):
        s = start + delta
        if s >= 0 and text.startswith(name, s):
            return s, s + len(name)
    return start, end


# --------------------------------------------------------------------------- XML walking


def _iter_articles(path: Path) -> Iterator[tuple[int, ET.Element]]:
    """Yield each top-level ``<article>`` as soon as it is complete, then free it."""
    root: ET.Element | None = None
    depth = 0
    index = 0
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                depth += 1
                if root is None:
                    root = _check_root(path, elem)
                continue
            depth -= 1
            if depth == 1 and elem.tag == "article" and root is not None:
                yield index, elem
                index += 1
                root.clear()
    except ET.ParseError as exc:
        raise CorpusError(path, f"malformed XML: {exc}") from exc
    except OSError as exc:
        raise CorpusError(path, f"cannot read file: {exc.strerror or exc}") from exc


def _check_root(path: Path, elem: ET.Element) -> ET.Element:
    if elem.tag != "articles":
        raise CorpusError(
            path, f"unsupported format: root element is <{elem.tag}>, expected <articles>"
        )
    return elem


def _read_article(path: str | PathLike[str], index: int, article: ET.Element) -> GoldDocument:
    text_elem = article.find("text")
    if text_elem is None:
        raise CorpusError(path, f"unsupported format: article {index} has no <text>")
    text = text_elem.text or ""
    where = f"article {index}"
    toponyms = tuple(_read_annotations(path, where, article, text))
    doc_id = article.get("docid") or article.get("file") or article.get("id") or str(index)
    return GoldDocument(id=doc_id, text=text, toponyms=toponyms)


def _read_annotations(
    path: str | PathLike[str], where: str, article: ET.Element, text: str
) -> Iterator[GoldToponym]:
    locations = article.find("locations")
    if locations is not None:
        for elem in _geovirus_locations(locations):
            yield _read_geovirus(path, where, elem, text)
    toponyms = article.find("toponyms")
    if toponyms is not None:
        for elem in toponyms.findall("toponym"):
            yield _read_toponym(path, where, elem, text)


def _geovirus_locations(parent: ET.Element) -> Iterator[ET.Element]:
    """Every ``<location>`` with a ``<name>``, including ones wrongly nested in another."""
    for elem in parent.findall("location"):
        if elem.find("name") is not None:
            yield elem
        yield from _geovirus_locations(elem)


# ----------------------------------------------------------------------- one annotation


def _read_geovirus(
    path: str | PathLike[str], where: str, elem: ET.Element, text: str
) -> GoldToponym:
    name = elem.findtext("name") or ""
    return _make(path, where, elem, text, name, _coords(path, where, elem, "lat", "lon"))


def _read_toponym(
    path: str | PathLike[str], where: str, elem: ET.Element, text: str
) -> GoldToponym:
    if elem.find("phrase") is not None or elem.find("gaztag") is not None:
        return _read_lgl(path, where, elem, text)
    if elem.find("extractedName") is not None or elem.find("latitude") is not None:
        return _read_gwn(path, where, elem, text)
    children = ", ".join(f"<{c.tag}>" for c in elem) or "none"
    raise CorpusError(
        path,
        f"unsupported format: {where} has a <toponym> with children {children} "
        f"(expected {_SUPPORTED})",
    )


def _read_lgl(path: str | PathLike[str], where: str, elem: ET.Element, text: str) -> GoldToponym:
    gaztag = elem.find("gaztag")
    coords = None if gaztag is None else _coords(path, where, gaztag, "lat", "lon")
    return _make(path, where, elem, text, elem.findtext("phrase") or "", coords)


def _read_gwn(path: str | PathLike[str], where: str, elem: ET.Element, text: str) -> GoldToponym:
    coords = _coords(path, where, elem, "latitude", "longitude")
    kind = (elem.findtext("type") or "").strip() or None
    name = elem.findtext("extractedName") or ""
    return _make(path, where, elem, text, name, coords, kind)


def _make(
    path: str | PathLike[str],
    where: str,
    elem: ET.Element,
    text: str,
    name: str,
    coords: tuple[float, float] | None,
    kind: str | None = None,
) -> GoldToponym:
    start = _int(path, where, elem, "start")
    end = _int(path, where, elem, "end")
    if not 0 <= start <= end <= len(text):
        raise CorpusError(path, f"{where}: span {start}-{end} outside its text ({len(text)})")
    start, end = reanchor(text, start, end, name)
    lat, lon = coords if coords is not None else (None, None)
    return GoldToponym(start, end, name or text[start:end], lat, lon, kind)


def _int(path: str | PathLike[str], where: str, elem: ET.Element, tag: str) -> int:
    raw = (elem.findtext(tag) or "").strip()
    try:
        return int(raw)
    except ValueError:
        raise CorpusError(path, f"{where}: <{elem.tag}> has bad <{tag}> {raw!r}") from None


def _coords(
    path: str | PathLike[str], where: str, elem: ET.Element, lat_tag: str, lon_tag: str
) -> tuple[float, float] | None:
    lat_raw = (elem.findtext(lat_tag) or "").strip()
    lon_raw = (elem.findtext(lon_tag) or "").strip()
    if not lat_raw or not lon_raw:
        return None
    try:
        return float(lat_raw), float(lon_raw)
    except ValueError:
        raise CorpusError(
            path, f"{where}: bad coordinates <{lat_tag}>{lat_raw!r} <{lon_tag}>{lon_raw!r}"
        ) from None


def _unique_id(doc: GoldDocument, seen: set[str]) -> GoldDocument:
    """Make document ids unique (``id``, ``id#2``, …) so predictions can be matched by id."""
    doc_id, n = doc.id, 1
    while doc_id in seen:
        n += 1
        doc_id = f"{doc.id}#{n}"
    seen.add(doc_id)
    return doc if doc_id == doc.id else GoldDocument(doc_id, doc.text, doc.toponyms)
