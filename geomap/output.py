"""Plain renderings of a parsed document for the CLI: tables, JSON, GeoJSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .io import geojson
from .models import Candidate, Event, ParsedDocument, geometry_of


def mention_json(parsed: ParsedDocument) -> list[dict[str, Any]]:
    out = []
    for top in parsed.toponyms:
        m, p = top.mention, top.place
        out.append(
            {
                "start": m.start,
                "end": m.end,
                "text": m.text,
                "name": m.name,
                "role": m.role,
                "cue": m.cue,
                "relation": m.relation,
                "lat": round(p.lat, 6) if p else None,
                "lon": round(p.lon, 6) if p else None,
                "kind": p.kind if p else None,
                "place_id": p.id if p else None,
                "resolved_name": p.name if p else None,
                "geonameid": p.geonameid if p else None,
                "country": p.country if p else None,
                "precision": top.precision,
                "score": round(top.score, 4),
                "geometry": geojson.geometry_json(held)
                if (held := geometry_of(top)) is not None
                else None,
            }
        )
    return out


def event_json(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "event_type": event.event_type,
        "sub_event_type": event.sub_event_type,
        "actor1": event.actor1,
        "actor2": event.actor2,
        "event_date": event.event_date.isoformat() if event.event_date else None,
        "time_precision": event.time_precision,
        "geo_precision": event.geo_precision,
        "historical": event.historical,
        "location": event.location,
        "place_id": event.place_id,
        "lat": round(event.lat, 6),
        "lon": round(event.lon, 6),
        "quote": event.quote,
        "start": event.start,
        "end": event.end,
        "sentence_start": event.sentence_start,
        "sentence_end": event.sentence_end,
        "confidence": round(event.confidence, 4),
        "geometry": geojson.geometry_json(held)
        if (held := geometry_of(event)) is not None
        else None,
    }


def document_json(parsed: ParsedDocument) -> dict[str, Any]:
    return {
        "id": parsed.document.id,
        "mentions": mention_json(parsed),
        "events": [event_json(e) for e in parsed.events],
    }


def parsed_geojson(parsed: ParsedDocument) -> str:
    return geojson.dumps(geojson.feature_collection(parsed.events, [parsed])).rstrip("\n")


def mentions_table(parsed: ParsedDocument) -> str:
    rows = [("start", "end", "text", "role", "place", "kind", "lat", "lon", "score")]
    for top in parsed.toponyms:
        p = top.place
        rows.append(
            (
                str(top.mention.start),
                str(top.mention.end),
                top.mention.text,
                top.mention.role,
                p.name if p else "(unresolved)",
                p.kind if p else "",
                f"{p.lat:.4f}" if p else "",
                f"{p.lon:.4f}" if p else "",
                f"{top.score:.2f}",
            )
        )
    if len(rows) == 1:
        return "no place mentions found"
    return _table(rows)


def candidates_table(candidates: list[Candidate]) -> str:
    rows = [("rank", "id", "name", "kind", "country", "lat", "lon", "population", "score")]
    for i, c in enumerate(candidates, start=1):
        p = c.place
        rows.append(
            (
                str(i),
                p.id,
                p.name,
                p.kind,
                p.country or "",
                f"{p.lat:.4f}",
                f"{p.lon:.4f}",
                str(p.population),
                f"{c.score:.3f}",
            )
        )
    return _table(rows)


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
