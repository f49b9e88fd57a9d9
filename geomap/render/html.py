"""Stage 5: the standalone HTML map (folium/Leaflet, every asset inline).

The page must stay legible with no tile server: a vector basemap of country
outlines is drawn from the gazetteer, and online tiles are an opt-in layer.
All article text is escaped before it reaches the page (see ``escape``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium import plugins
from jinja2 import Template
from shapely.geometry.base import BaseGeometry

from ..io.geojson import geometry_json
from ..models import Event, ParsedDocument
from ..taxonomy import TAXONOMY
from .offline import inline_assets

BASEMAP_LAND = "#f2efe9"
BASEMAP_WATER = "#cfe3ef"
RIVER_COLOUR = "#2b7bb9"
CONTEXT_COLOUR = "#555555"
#: Radius of the uncertainty circle drawn for ACLED geo-precision 2 and 3, in metres.
UNCERTAINTY_RADIUS_M = {2: 8_000, 3: 40_000}
_SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class MapText:
    title: str
    description: str = ""
    source_line: str = ""
    credit: str = "Map: geomap · Places: GeoNames (CC BY 4.0), curated rows (see gazetteer/README.md)"


def style_for(event_type: str) -> tuple[str, str]:
    """The marker colour (from the taxonomy's palette) and a short glyph for an event type."""
    colour = next((c.colour for c in TAXONOMY if c.event_type == event_type), "#777777")
    words = [w for w in re.split(r"[\s/]+", event_type) if w and w[0].isalpha()]
    glyph = "".join(w[0].upper() for w in words if w.lower() not in {"against", "of", "and"})[:2]
    return colour, glyph or "?"


def _ink(colour: str) -> str:
    """Black or white glyph, whichever reads on the marker colour."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


def escape(text: str | None) -> str:
    """HTML-escape article text, and neutralise the characters that would break out of the
    JS template literals folium wraps popup HTML in (backtick and ``${``)."""
    if not text:
        return ""
    return html.escape(text, quote=True).replace("`", "&#96;").replace("$", "&#36;")


def safe_url(url: str | None) -> str | None:
    return url if url and _SAFE_URL.match(url) and not any(c in url for c in "\"'<>` ") else None


def render_map(
    events: Sequence[Event],
    parsed: Sequence[ParsedDocument],
    text: MapText,
    basemap: dict[str, Any] | None = None,
) -> str:
    """The map as one self-contained HTML document (a string)."""
    fmap = build_map(events, parsed, text, basemap)
    _stable_ids(fmap)
    return inline_assets(fmap.get_root().render())


def build_map(
    events: Sequence[Event],
    parsed: Sequence[ParsedDocument],
    text: MapText,
    basemap: dict[str, Any] | None = None,
) -> folium.Map:
    # With no tile layer Leaflet has no maxZoom, which the marker cluster needs.
    fmap = folium.Map(tiles=None, control_scale=True, zoom_start=6, location=(48.0, 31.0))
    fmap.options.update({"maxZoom": 18, "minZoom": 2})
    fmap.get_root().header.add_child(Element(_STYLE))
    fmap.get_root().header.add_child(Element(f"<title>{escape(text.title)}</title>"))
    if basemap is not None:
        folium.GeoJson(
            basemap,
            name="Basemap: countries (offline)",
            style_function=lambda _f: {
                "fillColor": BASEMAP_LAND, "color": "#9a9a9a", "weight": 1, "fillOpacity": 1,
            },
            control=False,
            interactive=False,
        ).add_to(fmap)
    folium.TileLayer(
        "OpenStreetMap",
        name="Online map tiles (OpenStreetMap)",
        overlay=True,
        show=False,
        attr="&copy; OpenStreetMap contributors",
    ).add_to(fmap)
    _add_context(fmap, parsed)
    _add_events(fmap, events)
    folium.LayerControl(collapsed=True).add_to(fmap)
    plugins.Fullscreen(position="topleft").add_to(fmap)
    _add_panel(fmap, text, events)
    bounds = _bounds(events, parsed)
    if bounds is not None:
        fmap.fit_bounds(bounds, padding=(30, 30), max_zoom=10)
    return fmap


def _add_events(fmap: folium.Map, events: Sequence[Event]) -> None:
    layer = folium.FeatureGroup(name="Events", show=True).add_to(fmap)
    cluster = plugins.MarkerCluster(
        name="Events (clustered)", control=False,
        options={"maxClusterRadius": 30, "spiderfyOnMaxZoom": True, "showCoverageOnHover": False},
    ).add_to(layer)
    areas = folium.FeatureGroup(name="Event areas and uncertainty", show=True).add_to(fmap)
    for event in events:
        colour, glyph = style_for(event.event_type)
        if event.geometry is not None:
            folium.GeoJson(
                {"type": "Feature", "geometry": geometry_json(event.geometry), "properties": {}},
                style_function=lambda _f, c=colour: {
                    "color": c, "weight": 2, "fillOpacity": 0.15, "dashArray": "4 4",
                },
                interactive=False,
            ).add_to(areas)
        elif event.geo_precision in UNCERTAINTY_RADIUS_M:
            folium.Circle(
                (event.lat, event.lon),
                radius=UNCERTAINTY_RADIUS_M[event.geo_precision],
                color=colour, weight=1, fill=True, fill_opacity=0.08, interactive=False,
            ).add_to(areas)
        folium.Marker(
            (event.lat, event.lon),
            icon=folium.DivIcon(html=_icon_svg(colour, glyph), icon_size=(28, 28), icon_anchor=(14, 14),
                                class_name="geomap-event"),
            tooltip=escape(f"{event.event_type}: {event.location}"),
            popup=folium.Popup(_popup(event), max_width=320),
        ).add_to(cluster)


def _add_context(fmap: folium.Map, parsed: Sequence[ParsedDocument]) -> None:
    rivers = folium.FeatureGroup(name="Rivers", show=True).add_to(fmap)
    context = folium.FeatureGroup(name="Context places (mentioned, no event)", show=True).add_to(fmap)
    seen: set[str] = set()
    for doc in parsed:
        for top in doc.toponyms:
            place = top.place
            if place is None or place.id in seen:
                continue
            seen.add(place.id)
            if place.kind in ("river", "canal") and place.geometry is not None:
                _polyline(place.geometry, place.name).add_to(rivers)
            elif place.kind == "bank" and top.geometry is not None:
                folium.GeoJson(
                    {"type": "Feature", "geometry": geometry_json(top.geometry), "properties": {}},
                    style_function=lambda _f: {"color": RIVER_COLOUR, "weight": 1, "fillOpacity": 0.1},
                    tooltip=escape(place.name),
                ).add_to(context)
            elif place.kind != "country":
                folium.CircleMarker(
                    (place.lat, place.lon), radius=4, color=CONTEXT_COLOUR, weight=1,
                    fill=True, fill_opacity=0.7, tooltip=escape(f"{place.name} ({place.kind})"),
                ).add_to(context)


def _polyline(geom: BaseGeometry, name: str) -> folium.PolyLine:
    lines = getattr(geom, "geoms", [geom])
    coords = [[(round(y, 5), round(x, 5)) for x, y in line.coords] for line in lines]
    return folium.PolyLine(coords, color=RIVER_COLOUR, weight=3, opacity=0.8, tooltip=escape(name))


def _popup(event: Event) -> str:
    date = event.event_date.isoformat() if event.event_date else "date unknown"
    if event.event_date and event.time_precision and event.time_precision != "day":
        date += f" (to the {event.time_precision})"
    actors = " vs ".join(escape(a) for a in (event.actor1, event.actor2) if a) or "not stated"
    sources = []
    for src in event.sources:
        label = escape(src.title or src.doc_id)
        url = safe_url(src.url)
        when = f", {src.date.isoformat()}" if src.date else ""
        sources.append(
            f'<li><a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{label}</a>{when}</li>'
            if url else f"<li>{label}{when}</li>"
        )
    return (
        f'<div class="geomap-popup"><h3>{escape(event.event_type)}</h3>'
        f"<p><b>{escape(event.sub_event_type)}</b> · {escape(event.location)}</p>"
        f"<p><b>Date:</b> {escape(date)}</p><p><b>Actors:</b> {actors}</p>"
        f'<blockquote class="geomap-quote">{escape(event.quote)}</blockquote>'
        f"<p><b>Sources:</b></p><ul>{''.join(sources)}</ul></div>"
    )


def _icon_svg(colour: str, glyph: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28" viewBox="0 0 28 28" '
        f'role="img" aria-hidden="true"><circle cx="14" cy="14" r="12" fill="{colour}" '
        f'stroke="#ffffff" stroke-width="2"/><text x="14" y="18.5" text-anchor="middle" '
        f'font-family="sans-serif" font-size="11" font-weight="bold" fill="{_ink(colour)}">{escape(glyph)}</text></svg>'
    )


def _bounds(events: Sequence[Event], parsed: Sequence[ParsedDocument]) -> list[list[float]] | None:
    points = [(e.lat, e.lon) for e in events]
    if not points:
        points = [
            (t.place.lat, t.place.lon)
            for d in parsed for t in d.toponyms
            if t.place is not None and t.place.kind != "country" and t.mention.role == "literal"
        ]
    if not points:
        return None
    lats, lons = zip(*points)
    pad = 0.05
    return [[min(lats) - pad, min(lons) - pad], [max(lats) + pad, max(lons) + pad]]


class _Panel(MacroElement):
    _template = Template(
        """{% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}"""
    )

    def __init__(self, content: str) -> None:
        super().__init__()
        self._name = "GeomapPanel"
        self.content = content


def _add_panel(fmap: folium.Map, text: MapText, events: Sequence[Event]) -> None:
    legend_items = sorted({e.event_type for e in events})
    legend = "".join(
        f'<li><span class="swatch" style="background:{style_for(t)[0]};color:{_ink(style_for(t)[0])}">'
        f"{escape(style_for(t)[1])}</span>"
        f"{escape(t)}</li>"
        for t in legend_items
    )
    rows = "".join(
        f"<tr><td>{escape(e.event_date.isoformat() if e.event_date else 'unknown')}</td>"
        f"<td>{escape(e.event_type)}</td><td>{escape(e.sub_event_type)}</td>"
        f"<td>{escape(e.location)}</td><td>{escape(' / '.join(a for a in (e.actor1, e.actor2) if a))}</td>"
        f"<td>{escape(e.quote)}</td></tr>"
        for e in events
    )
    summary = (
        f"{len(events)} event{'s' if len(events) != 1 else ''} at "
        f"{len({e.location for e in events})} location{'s' if len({e.location for e in events}) != 1 else ''}."
        if events else "No events with a place were found in this text; the map shows no markers."
    )
    panel = f"""
<header class="geomap-header">
  <h1>{escape(text.title)}</h1>
  {f'<p class="geomap-description">{escape(text.description)}</p>' if text.description else ''}
  {f'<p class="geomap-sources">{escape(text.source_line)}</p>' if text.source_line else ''}
</header>
<aside class="geomap-legend" aria-label="Legend"><h2>Events</h2><ul>{legend or '<li>none</li>'}</ul></aside>
<footer class="geomap-credit">{escape(text.credit)}</footer>
<section class="geomap-text" aria-label="Events as text">
  <h2>Summary</h2><p class="geomap-summary">{escape(summary)}</p>
  <table class="geomap-events"><caption>Events shown on the map</caption>
  <thead><tr><th scope="col">Date</th><th scope="col">Type</th><th scope="col">Sub-type</th>
  <th scope="col">Location</th><th scope="col">Actors</th><th scope="col">Quote</th></tr></thead>
  <tbody>{rows}</tbody></table>
</section>
<script>
  // The legend belongs inside the map frame; folium only creates that frame after this panel.
  document.addEventListener("DOMContentLoaded", function () {{
    var frame = document.querySelector(".folium-map");
    var legend = document.querySelector(".geomap-legend");
    if (frame && legend) {{ frame.appendChild(legend); }}
  }});
</script>"""
    fmap.get_root().html.add_child(Element(panel))


def _stable_ids(fmap: folium.Map) -> None:
    """folium names every element with random hex; number them instead so that the same
    inputs give byte-identical HTML."""
    counter = 0

    def walk(element: Any) -> None:
        nonlocal counter
        counter += 1
        element._id = f"{counter:08x}"
        # Popups keep their content in header/html/script sub-figures, not in _children.
        parts = [getattr(element, name, None) for name in ("header", "html", "script")]
        for child in [*element._children.values(), *(p for p in parts if isinstance(p, Element))]:
            walk(child)
        # Templates (folium's Popup) iterate _children by key, and keys are the old names.
        element._children = type(element._children)(
            (child.get_name(), child) for child in element._children.values()
        )

    walk(fmap.get_root())


_STYLE = f"""<style>
html, body {{ margin: 0; padding: 0; }}
/* folium appends the map after our panel; flex order puts title, map, credit, text in reading order. */
body {{ display: flex; flex-direction: column; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }}
.folium-map {{ position: relative !important; flex: 0 0 72vh; height: 72vh !important; min-height: 320px; width: 100% !important; background: {BASEMAP_WATER}; }}
.geomap-header {{ padding: 8px 12px 4px; order: 0; }}
.folium-map {{ order: 1; }}
.geomap-credit {{ order: 2; }}
.geomap-text {{ order: 3; }}
.geomap-header h1 {{ font-size: 1.2rem; margin: 0 0 2px; line-height: 1.3; }}
.geomap-description, .geomap-sources {{ margin: 0; font-size: 0.85rem; color: #333; }}
.geomap-legend {{ position: absolute; right: 10px; bottom: 30px; z-index: 1000; background: rgba(255,255,255,0.92); padding: 6px 10px; border-radius: 4px; font-size: 0.8rem; max-width: 45vw; }}
.geomap-legend h2 {{ font-size: 0.85rem; margin: 0 0 4px; }}
.geomap-legend ul {{ list-style: none; margin: 0; padding: 0; }}
.geomap-legend li {{ display: flex; align-items: center; gap: 6px; margin: 2px 0; }}
.geomap-legend .swatch {{ display: inline-block; width: 16px; height: 16px; border-radius: 50%; color: #fff; font-size: 10px; font-weight: bold; text-align: center; line-height: 16px; }}
.geomap-credit {{ font-size: 0.75rem; color: #444; padding: 4px 12px; }}
.geomap-text {{ padding: 4px 12px 12px; font-size: 0.85rem; }}
.geomap-text h2 {{ font-size: 1rem; }}
.geomap-events {{ border-collapse: collapse; width: 100%; }}
.geomap-events th, .geomap-events td {{ border: 1px solid #ccc; padding: 3px 6px; vertical-align: top; text-align: left; }}
.geomap-popup h3 {{ margin: 0 0 4px; font-size: 1rem; }}
.geomap-popup p {{ margin: 2px 0; }}
.geomap-quote {{ margin: 6px 0; padding-left: 8px; border-left: 3px solid #999; font-style: italic; }}
.geomap-event {{ background: none; border: none; }}
@media (max-width: 480px) {{ .geomap-legend {{ font-size: 0.7rem; max-width: 60vw; }} .geomap-header h1 {{ font-size: 1rem; }} }}
</style>"""
