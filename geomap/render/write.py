"""Write one map's files (HTML, GeoJSON) atomically into the output folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..gazetteer import Gazetteer
from ..io import geojson
from ..io.atomic import write_bytes, write_text
from ..io.gis import GIS_FORMATS, write_gis_outputs
from ..models import Event, ParsedDocument

#: Static images (matplotlib, imported only when one is asked for).
IMAGE_FORMATS = ("png", "svg")
SUPPORTED_FORMATS = ("html", "geojson", *GIS_FORMATS, *IMAGE_FORMATS)


def source_line(parsed: Sequence[ParsedDocument]) -> str:
    parts = []
    for doc in parsed:
        d = doc.document
        label = d.outlet or d.title or d.id
        if d.date:
            when = (
                d.date.isoformat()
                if d.date_precision in (None, "day")
                else f"{d.date_precision} of {d.date.isoformat()}"
            )
            label += f" ({when})"
        parts.append(label)
    return "Source: " + "; ".join(parts) if parts else ""


def basemap_for(
    gazetteer: Gazetteer, events: Sequence[Event], parsed: Sequence[ParsedDocument]
) -> dict[str, Any]:
    """Country outlines around what the map shows: the offline basemap."""
    points = [(e.lon, e.lat) for e in events] + [
        (t.place.lon, t.place.lat)
        for d in parsed
        for t in d.toponyms
        if t.place is not None and t.place.kind != "country"
    ]
    return gazetteer.country_outlines(points, margin_deg=15.0)


def write_outputs(
    out: Path,
    name: str,
    events: list[Event],
    parsed: Sequence[ParsedDocument],
    gazetteer: Gazetteer,
    formats: Sequence[str],
    *,
    title: str,
    description: str | None = None,
    credit: str | None = None,
    size: tuple[int, int] = (1200, 800),
    dpi: int = 150,
) -> list[str]:
    unknown = sorted(set(formats) - set(SUPPORTED_FORMATS))
    if unknown:
        raise ValueError(
            f"unsupported format(s): {', '.join(unknown)} (choose from {', '.join(SUPPORTED_FORMATS)})"
        )
    written = []
    if "geojson" in formats:
        path = out / f"{name}.geojson"
        write_text(path, geojson.dumps(geojson.feature_collection(events, parsed)))
        written.append(str(path))
    if {"html", *IMAGE_FORMATS} & set(formats):
        # Here, not with the module: folium takes ~0.4 s to import, and a build to GeoJSON
        # (a pipeline's, or a batch worker's) needs none of it.
        from .html import MapText, render_embed, render_map

        text = MapText(title=title, description=description or "", source_line=source_line(parsed))
        if credit:
            text = MapText(text.title, text.description, text.source_line, credit)
        basemap = basemap_for(gazetteer, events, parsed)
        if "html" in formats:
            page = render_map(events, parsed, text, basemap)
            path = out / f"{name}.html"
            write_text(path, page)
            written.append(str(path))
            path = out / f"{name}.embed.html"
            write_text(path, render_embed(f"{name}.html", title))
            written.append(str(path))
        for fmt in (f for f in IMAGE_FORMATS if f in formats):
            from .static import render_static  # matplotlib loads only for an image

            path = out / f"{name}.{fmt}"
            image = render_static(events, parsed, text, basemap, fmt=fmt, size=size, dpi=dpi)
            write_bytes(path, image)
            written.append(str(path))
    written += write_gis_outputs(out, name, events, parsed, formats)
    return written
