"""Stage 5: the standalone HTML map (folium/Leaflet, every asset inline).

The page must stay legible with no tile server: a vector basemap of country
outlines is drawn from the gazetteer, and online tiles are an opt-in layer.
All article text is escaped before it reaches the page (see ``escape``).
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

import folium
from branca.element import Element, Figure, MacroElement
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
    credit: str = (
        "Map: geomap · Places: GeoNames (CC BY 4.0), countries-states-cities database (ODbL),"
        " curated rows (see gazetteer/README.md)"
    )


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
    """HTML-escape article text, and neutralise the characters that would break out of or break
    the JS template literals folium wraps popup and tooltip HTML in: backtick, ``${`` and the
    backslash (``\\u`` with no hex digits after it is a syntax error in a template literal)."""
    if not text:
        return ""
    return (
        html.escape(text, quote=True)
        .replace("`", "&#96;")
        .replace("$", "&#36;")
        .replace("\\", "&#92;")
    )


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
    return _accessible_page(inline_assets(fmap.get_root().render()), text)


class _Verbatim(Element):
    """Markup that is already final, rendered as it is.

    branca's ``Element(text)`` compiles ``text`` as a Jinja template and renders it, and
    branca and folium wrap every element's rendered markup that way: article text that
    reached a popup or the panel as ``{{ ... }}`` or ``{% ... %}`` was evaluated when the
    page was built (code execution on the building machine). Compiling each fragment was
    also nearly half of the time a page took to write. Like a Jinja template, a fragment
    loses one trailing newline and has its line ends as ``\n``, so pages are as before."""

    def __init__(self, template: str | None = None, template_name: str | None = None) -> None:
        super().__init__()
        text = _LINE_END.sub("\n", template or "")
        self._text = text[:-1] if text.endswith("\n") else text

    def render(self, **kwargs: Any) -> str:
        return self._text


_LINE_END = re.compile(r"\r\n?")
# Module-wide names are swapped while a page renders: one page at a time (re-entrant: a
# figure may hold another).
_RENDERING = threading.RLock()


class _Page(Figure):
    """The page of a geomap map: however it is rendered (``render``, folium's ``save`` or a
    notebook's ``_repr_html_``), no article text in it is run as a template."""

    def render(self, **kwargs: Any) -> str:
        with _verbatim_fragments():
            return cast(str, super().render(**kwargs))


@contextmanager
def _verbatim_fragments() -> Iterator[None]:
    """While a page renders, the ``Element(markup)`` wrappers branca's ``MacroElement`` and
    folium's ``Popup`` make are ``_Verbatim``: they look the class up by its module-level
    name, and offer no other way to change it."""
    import branca.element
    import folium.map

    with _RENDERING:
        saved = branca.element.Element, folium.map.Element
        branca.element.Element = folium.map.Element = _Verbatim  # type: ignore[misc]
        try:
            yield
        finally:
            branca.element.Element, folium.map.Element = saved  # type: ignore[misc]


_MAP_DIV = re.compile(r'<div class="folium-map" id="(map_[0-9a-f]+)"\s*>')
_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')


def _accessible_page(page: str, text: MapText) -> str:
    """Name the map container as a landmark, let readers pinch-zoom the page (folium's viewport
    forbids it) and declare the page language."""
    label = escape(f"Map: {text.title}" if text.title else "Map")
    page, found = _MAP_DIV.subn(
        lambda m: (
            f'<div class="folium-map" id="{m.group(1)}" role="region" aria-label="{label}" '
            'aria-describedby="geomap-summary">'
        ),
        page,
        count=1,
    )
    if not found:
        raise RuntimeError("geomap: folium's map container was not found in the page")
    page = _VIEWPORT.sub(
        '<meta name="viewport" content="width=device-width, initial-scale=1.0" />', page, count=1
    )
    return page.replace("<html>", '<html lang="en">', 1)


def render_embed(page_name: str, title: str) -> str:
    """An iframe snippet that shows ``page_name`` (an HTML map next to the snippet) in a
    responsive 4:3 box."""
    src = escape(quote(page_name))
    return (
        f"<!-- geomap embed: paste into your page; {escape(page_name)} must be published next to it. -->\n"
        '<div class="geomap-embed" style="position:relative;padding-top:75%;width:100%;overflow:hidden">\n'
        f'  <iframe src="{src}" title="{escape(title)}" loading="lazy" allow="fullscreen" allowfullscreen\n'
        '          style="position:absolute;top:0;left:0;width:100%;height:100%;border:0"></iframe>\n'
        "</div>\n"
    )


def build_map(
    events: Sequence[Event],
    parsed: Sequence[ParsedDocument],
    text: MapText,
    basemap: dict[str, Any] | None = None,
) -> folium.Map:
    # With no tile layer Leaflet has no maxZoom, which the marker cluster needs.
    fmap = folium.Map(tiles=None, control_scale=True, zoom_start=6, location=(48.0, 31.0))
    _Page().add_child(fmap)  # in place of the plain Figure folium made
    fmap.options.update({"maxZoom": 18, "minZoom": 2})
    root = cast(Figure, fmap.get_root())
    root.header.add_child(_Verbatim(_STYLE))
    root.header.add_child(_Verbatim(f"<title>{escape(text.title)}</title>"))
    if basemap is not None:
        folium.GeoJson(
            basemap,
            name="Basemap: countries (offline)",
            style_function=lambda _f: {
                "fillColor": BASEMAP_LAND,
                "color": "#9a9a9a",
                "weight": 1,
                "fillOpacity": 1,
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
    cluster, areas, items = _add_events(fmap, events)
    folium.LayerControl(collapsed=True).add_to(fmap)
    plugins.Fullscreen(position="topleft").add_to(fmap)
    dates = sorted({e.event_date for e in events if e.event_date is not None})
    if len(dates) > 1:
        _Timeline(cluster, areas, items).add_to(fmap)
    _add_panel(fmap, text, events, [d.isoformat() for d in dates] if len(dates) > 1 else [])
    bounds = _bounds(events, parsed)
    if bounds is not None:
        fmap.fit_bounds(bounds, padding=(30, 30), max_zoom=10)
    return fmap


#: Cluster icons that say what they are to a screen reader (the count alone says little).
_CLUSTER_ICON_JS = """function (cluster) {
    var n = cluster.getChildCount();
    var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
    return L.divIcon({
        html: "<div><span aria-hidden=\\"true\\">" + n + "</span><span class=\\"geomap-sr\\">" +
              n + " events here. Press Enter to zoom in.</span></div>",
        className: "marker-cluster marker-cluster-" + size,
        iconSize: L.point(40, 40)
    });
}"""

#: One event on the map: its marker, its area or uncertainty circle (or None) and its date.
_Item = tuple[folium.Marker, Any, str | None]


def _add_events(
    fmap: folium.Map, events: Sequence[Event]
) -> tuple[plugins.MarkerCluster, folium.FeatureGroup, list[_Item]]:
    layer = folium.FeatureGroup(name="Events", show=True).add_to(fmap)
    cluster = plugins.MarkerCluster(
        name="Events (clustered)",
        control=False,
        icon_create_function=_CLUSTER_ICON_JS,
        options={"maxClusterRadius": 30, "spiderfyOnMaxZoom": True, "showCoverageOnHover": False},
    )
    cluster.add_to(layer)
    areas = folium.FeatureGroup(name="Event areas and uncertainty", show=True)
    areas.add_to(fmap)
    items: list[_Item] = []
    for event in events:
        colour, glyph = style_for(event.event_type)
        area: Any = None
        if event.geometry is not None:
            area = folium.GeoJson(
                {"type": "Feature", "geometry": geometry_json(event.geometry), "properties": {}},
                style_function=lambda _f, c=colour: {
                    "color": c,
                    "weight": 2,
                    "fillOpacity": 0.08,
                    "dashArray": "4 4",
                },
                interactive=False,
            ).add_to(areas)
        elif event.geo_precision in UNCERTAINTY_RADIUS_M:
            area = folium.Circle(
                (event.lat, event.lon),
                radius=UNCERTAINTY_RADIUS_M[event.geo_precision],
                color=colour,
                weight=1,
                fill=True,
                fill_opacity=0.08,
                interactive=False,
            ).add_to(areas)
        date = event.event_date.isoformat() if event.event_date else None
        label = f"{event.event_type} at {event.location}, {date or 'date unknown'}. Press Enter for details."
        marker = folium.Marker(
            (event.lat, event.lon),
            icon=folium.DivIcon(
                html=_icon_svg(colour, glyph) + f'<span class="geomap-sr">{escape(label)}</span>',
                icon_size=(28, 28),
                icon_anchor=(14, 14),
                class_name="geomap-event",
            ),
            tooltip=escape(f"{event.event_type}: {event.location}"),
            # Long popups scroll; autopan keeps them clear of the zoom and layer controls.
            popup=folium.Popup(
                _popup(event),
                max_width=300,
                maxHeight=280,
                autoPanPaddingTopLeft=[10, 120],
                autoPanPaddingBottomRight=[10, 10],
            ),
            keyboard=True,  # Leaflet's default, stated: Tab reaches the marker, Enter opens its popup
        )
        marker.add_to(cluster)
        items.append((marker, area, date))
    return cluster, areas, items


class _Timeline(MacroElement):
    """Filter the event markers (and their areas) by date with an inline range control.

    The control's markup is in the page panel (``_timeline_html``); this script moves it into the
    map frame as a Leaflet control and wires it up. Undated events are always shown."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
    var map = {{ this._parent.get_name() }};
    var cluster = {{ this.cluster.get_name() }};
    var areas = {{ this.areas.get_name() }};
    var items = [
{%- for marker, area, date in this.items %}
        [{{ marker.get_name() }}, {{ area.get_name() if area is not none else "null" }}, {{ date|tojson }}]{{ "," if not loop.last }}
{%- endfor %}
    ];
    var box = document.getElementById("geomap-timeline");
    if (!box) { return; }
    var range = document.getElementById("geomap-timeline-range");
    var mode = document.getElementById("geomap-timeline-mode");
    var out = document.getElementById("geomap-timeline-status");
    var dates = JSON.parse(box.getAttribute("data-dates"));
    box.hidden = false;
    if (window.matchMedia && window.matchMedia("(max-width: 600px)").matches) {
        // On a phone the control sits under the map, where it covers no markers.
        box.classList.add("geomap-timeline-below");
    } else {
        var control = L.control({position: "bottomleft"});
        control.onAdd = function () {
            box.classList.add("leaflet-control");
            L.DomEvent.disableClickPropagation(box);
            L.DomEvent.disableScrollPropagation(box);
            return box;
        };
        control.addTo(map);
    }
    function apply() {
        var day = dates[Number(range.value)], only = mode.value === "on";
        var show = [], hide = [], shown = 0;
        items.forEach(function (item) {
            var visible = item[2] === null || (only ? item[2] === day : item[2] <= day);
            (visible ? show : hide).push(item[0]);
            if (visible) { shown += 1; }
            if (item[1]) {
                if (visible && !areas.hasLayer(item[1])) { areas.addLayer(item[1]); }
                if (!visible && areas.hasLayer(item[1])) { areas.removeLayer(item[1]); }
            }
        });
        hide.forEach(function (m) { if (m.isPopupOpen()) { m.closePopup(); } });
        cluster.removeLayers(hide);
        cluster.addLayers(show);
        var text = (only ? "On " : "Up to ") + day;
        range.setAttribute("aria-valuetext", text);
        document.getElementById("geomap-timeline-date").textContent = day;
        out.textContent = shown + " of " + items.length + " events shown";
    }
    range.addEventListener("input", apply);
    mode.addEventListener("change", apply);
    apply();
})();
{% endmacro %}"""
    )

    def __init__(
        self, cluster: plugins.MarkerCluster, areas: folium.FeatureGroup, items: list[_Item]
    ) -> None:
        super().__init__()
        self._name = "GeomapTimeline"
        self.cluster = cluster
        self.areas = areas
        self.items = items


def _add_context(fmap: folium.Map, parsed: Sequence[ParsedDocument]) -> None:
    rivers = folium.FeatureGroup(name="Rivers", show=True).add_to(fmap)
    context = folium.FeatureGroup(name="Context places (mentioned, no event)", show=True).add_to(
        fmap
    )
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
                    style_function=lambda _f: {
                        "color": RIVER_COLOUR,
                        "weight": 1,
                        "fillOpacity": 0.1,
                    },
                    tooltip=escape(place.name),
                ).add_to(context)
            elif place.kind != "country":
                folium.CircleMarker(
                    (place.lat, place.lon),
                    radius=4,
                    color=CONTEXT_COLOUR,
                    weight=1,
                    fill=True,
                    fill_opacity=0.7,
                    tooltip=escape(f"{place.name} ({place.kind})"),
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
            if url
            else f"<li>{label}{when}</li>"
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
            for d in parsed
            for t in d.toponyms
            if t.place is not None and t.place.kind != "country" and t.mention.role == "literal"
        ]
    if not points:
        return None
    lats, lons = zip(*points, strict=True)
    pad = 0.05
    return [[min(lats) - pad, min(lons) - pad], [max(lats) + pad, max(lons) + pad]]


class _Panel(MacroElement):
    _template = Template("""{% macro html(this, kwargs) %}{{ this.content }}{% endmacro %}""")

    def __init__(self, content: str) -> None:
        super().__init__()
        self._name = "GeomapPanel"
        self.content = content


def _timeline_html(dates: Sequence[str], undated: bool) -> str:
    """The date filter's markup (hidden until the map script moves it into the map frame)."""
    if not dates:
        return ""
    data = escape(json.dumps(list(dates)))
    return f"""
<div id="geomap-timeline" class="geomap-timeline" role="group" aria-label="Filter events by date" data-dates="{data}" hidden>
  <div class="geomap-timeline-row"><select id="geomap-timeline-mode" aria-label="Which events">
  <option value="upto">Events up to</option><option value="on">Events on</option></select>
  <b id="geomap-timeline-date">{escape(dates[-1])}</b></div>
  <input id="geomap-timeline-range" type="range" min="0" max="{len(dates) - 1}" step="1" value="{len(dates) - 1}"
   aria-label="Date" aria-valuetext="Up to {escape(dates[-1])}" list="geomap-timeline-ticks">
  <datalist id="geomap-timeline-ticks">{"".join(f'<option value="{i}" label="{escape(d)}"></option>' for i, d in enumerate(dates))}</datalist>
  <div class="geomap-timeline-row geomap-timeline-ends" aria-hidden="true"><span>{escape(dates[0])}</span><span>{escape(dates[-1])}</span></div>
  <output id="geomap-timeline-status" for="geomap-timeline-range" aria-live="polite"></output>
  {'<p class="geomap-timeline-note">Events without a date are always shown.</p>' if undated else ""}
</div>"""


def _add_panel(
    fmap: folium.Map, text: MapText, events: Sequence[Event], dates: Sequence[str] = ()
) -> None:
    legend_items = sorted({e.event_type for e in events})
    legend = "".join(
        f'<li><span class="swatch" style="background:{style_for(t)[0]};color:{_ink(style_for(t)[0])}" aria-hidden="true">'
        f"{escape(style_for(t)[1])}</span>"
        f"{escape(t)}</li>"
        for t in legend_items
    )
    heads = ("Date", "Type", "Sub-type", "Location", "Actors", "Quote")
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{head}">{escape(value)}</td>'
            for head, value in zip(
                heads,
                (
                    e.event_date.isoformat() if e.event_date else "unknown",
                    e.event_type,
                    e.sub_event_type,
                    e.location,
                    " / ".join(a for a in (e.actor1, e.actor2) if a),
                    e.quote,
                ),
                strict=True,
            )
        )
        + "</tr>"
        for e in events
    )
    summary = (
        f"{len(events)} event{'s' if len(events) != 1 else ''} at "
        f"{len({e.location for e in events})} location{'s' if len({e.location for e in events}) != 1 else ''}."
        if events
        else "No events with a place were found in this text; the map shows no markers."
    )
    head_row = "".join(f'<th scope="col">{h}</th>' for h in heads)
    panel = f"""
<header class="geomap-header">
  <h1>{escape(text.title)}</h1>
  {f'<p class="geomap-description">{escape(text.description)}</p>' if text.description else ""}
  {f'<p class="geomap-sources">{escape(text.source_line)}</p>' if text.source_line else ""}
</header>
<aside class="geomap-legend" aria-label="Legend"><details open><summary><h2>Events</h2></summary><ul>{legend or "<li>none</li>"}</ul></details></aside>{_timeline_html(dates, any(e.event_date is None for e in events))}
<footer class="geomap-credit">{escape(text.credit)}</footer>
<section class="geomap-text" aria-label="Events as text">
  <h2>Summary</h2><p class="geomap-summary" id="geomap-summary">{escape(summary)}</p>
  <div class="geomap-table"><table class="geomap-events"><caption>Events shown on the map</caption>
  <thead><tr>{head_row}</tr></thead>
  <tbody>{rows}</tbody></table></div>
</section>
<script>
  // The legend belongs inside the map frame; folium only creates that frame after this panel.
  document.addEventListener("DOMContentLoaded", function () {{
    var frame = document.querySelector(".folium-map");
    var legend = document.querySelector(".geomap-legend");
    if (frame && legend) {{
      frame.appendChild(legend);
      if (window.L) {{ L.DomEvent.disableClickPropagation(legend); L.DomEvent.disableScrollPropagation(legend); }}
      // On a phone the legend starts folded so that it does not cover the map.
      if (window.matchMedia && window.matchMedia("(max-width: 600px)").matches) {{
        legend.querySelector("details").open = false;
      }}
    }}
  }});
</script>"""
    cast(Figure, fmap.get_root()).html.add_child(_Verbatim(panel))


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


_FOCUS = "#ffbf47"  # a yellow ring around a dark one reads on the land, water and marker colours

_STYLE = f"""<style>
html, body {{ margin: 0; padding: 0; }}
/* folium appends the map after our panel; flex order puts title, map, credit, text in reading order. */
body {{ display: flex; flex-direction: column; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }}
.folium-map {{ position: relative !important; flex: 0 0 72vh; height: 72vh !important; min-height: 320px; width: 100% !important; }}
.folium-map.leaflet-container {{ background: {BASEMAP_WATER}; }}
.geomap-header {{ padding: 8px 12px 4px; order: 0; }}
.folium-map {{ order: 1; }}
.geomap-credit {{ order: 3; }}
.geomap-text {{ order: 4; }}
.geomap-header h1 {{ font-size: 1.2rem; margin: 0 0 2px; line-height: 1.3; overflow-wrap: anywhere; }}
.geomap-description, .geomap-sources {{ margin: 0; font-size: 0.85rem; color: #333; overflow-wrap: anywhere; }}
.geomap-legend {{ position: absolute; right: 10px; bottom: 30px; z-index: 1000; background: rgba(255,255,255,0.92); padding: 6px 10px; border-radius: 4px; font-size: 0.8rem; max-width: 45vw; max-height: calc(100% - 140px); overflow-y: auto; box-shadow: 0 1px 4px rgba(0,0,0,0.3); }}
.geomap-legend summary {{ cursor: pointer; }}
.geomap-legend h2 {{ display: inline; font-size: 0.85rem; margin: 0; }}
.geomap-legend ul {{ list-style: none; margin: 4px 0 0; padding: 0; }}
.geomap-legend li {{ display: flex; align-items: center; gap: 6px; margin: 2px 0; }}
.geomap-legend .swatch {{ flex: none; display: inline-block; width: 16px; height: 16px; border-radius: 50%; color: #fff; font-size: 10px; font-weight: bold; text-align: center; line-height: 16px; }}
.geomap-timeline {{ background: rgba(255,255,255,0.92); padding: 6px 10px; border-radius: 4px; font-size: 0.8rem; width: 220px; max-width: calc(100vw - 40px); box-sizing: border-box; box-shadow: 0 1px 4px rgba(0,0,0,0.3); }}
.geomap-timeline[hidden] {{ display: none; }}
.geomap-timeline-row {{ display: flex; align-items: center; gap: 6px; white-space: nowrap; }}
.geomap-timeline.geomap-timeline-below {{ order: 2; width: auto; max-width: none; margin: 6px 10px 0; padding: 4px 0; box-shadow: none; background: none; font-size: 0.8rem; }}
.geomap-timeline input[type=range] {{ width: 100%; margin: 4px 0 0; }}
.geomap-timeline-ends {{ justify-content: space-between; font-size: 0.7rem; color: #444; }}
.geomap-timeline output {{ display: block; }}
.geomap-timeline-note {{ margin: 0; font-size: 0.7rem; color: #444; }}
.geomap-credit {{ font-size: 0.75rem; color: #444; padding: 4px 12px; }}
.geomap-text {{ padding: 4px 12px 12px; font-size: 0.85rem; }}
.geomap-text h2 {{ font-size: 1rem; }}
.geomap-table {{ overflow-x: auto; }}
.geomap-events {{ border-collapse: collapse; width: 100%; }}
.geomap-events th, .geomap-events td {{ border: 1px solid #ccc; padding: 3px 6px; vertical-align: top; text-align: left; overflow-wrap: anywhere; }}
.geomap-events td:first-child {{ white-space: nowrap; }}
/* leaflet.css spaces popup paragraphs widely; these rules outrank it (and it comes later). */
.leaflet-popup-content .geomap-popup {{ font-size: 0.85rem; line-height: 1.35; overflow-wrap: anywhere; }}
.leaflet-popup-content .geomap-popup h3 {{ margin: 0 0 4px; font-size: 1rem; }}
.leaflet-popup-content .geomap-popup p {{ margin: 2px 0; }}
.leaflet-popup-content .geomap-popup ul {{ margin: 2px 0; padding-left: 18px; }}
.geomap-quote {{ margin: 6px 0; padding-left: 8px; border-left: 3px solid #999; font-style: italic; }}
.geomap-event {{ background: none; border: none; }}
.geomap-sr {{ position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }}
/* Keyboard focus: markers, clusters, controls, legend and timeline all show where focus is. */
.leaflet-container .leaflet-marker-icon:focus-visible, .leaflet-container a:focus-visible,
.leaflet-control-layers label:focus-within, .geomap-legend summary:focus-visible,
.geomap-timeline select:focus-visible, .geomap-timeline input:focus-visible {{ outline: 3px solid #1a1a1a; outline-offset: 1px; box-shadow: 0 0 0 6px {_FOCUS}; border-radius: 50%; }}
.leaflet-container a:focus-visible, .geomap-legend summary:focus-visible, .leaflet-control-layers label:focus-within,
.geomap-timeline select:focus-visible, .geomap-timeline input:focus-visible {{ border-radius: 2px; }}
.folium-map.leaflet-container:focus-visible {{ outline: 3px solid #1a1a1a; outline-offset: -6px; box-shadow: inset 0 0 0 6px {_FOCUS}; }}
@media (max-width: 600px) {{
  .geomap-header {{ padding: 6px 10px 2px; }}
  .geomap-header h1 {{ font-size: 1rem; }}
  .geomap-description, .geomap-sources {{ font-size: 0.75rem; }}
  .folium-map {{ flex-basis: 68vh; height: 68vh !important; }}
  .geomap-legend {{ font-size: 0.7rem; max-width: 55vw; right: 6px; bottom: 22px; padding: 4px 8px; }}
  .geomap-timeline-note {{ display: none; }}
  .leaflet-popup-content {{ margin: 10px 14px 10px 12px; }}
  .leaflet-popup-content .geomap-popup {{ font-size: 0.8rem; }}
  /* The table becomes one card per event: six columns cannot fit a phone. */
  .geomap-events, .geomap-events tbody, .geomap-events tr, .geomap-events td {{ display: block; width: auto; }}
  .geomap-events thead {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }}
  .geomap-events tr {{ border: 1px solid #ccc; margin: 0 0 8px; }}
  .geomap-events td {{ border: 0; border-top: 1px solid #eee; }}
  .geomap-events td::before {{ content: attr(data-label) ": "; font-weight: bold; }}
}}
</style>"""
