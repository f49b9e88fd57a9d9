"""Static map images (PNG, SVG): the HTML map's events on the same offline basemap, drawn with
matplotlib. No browser and no network are needed.

The image shows country outlines (the gazetteer's, as the HTML map's offline basemap), rivers and
river-bank areas from the parsed documents, context places, event areas and uncertainty circles,
and one marker per event type and place (the count in a badge), with a title, a legend, a scale
bar and the credit line.

Output is deterministic: the same inputs give the same bytes. The figure is drawn on an Agg
canvas (``FigureCanvasAgg``; pyplot and the global backend are left alone), SVG ids come from a
fixed ``svg.hashsalt``, and neither format records a date or the software version.

matplotlib is imported inside ``render_static`` so that it only loads when an image is asked for.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from ..models import Event, ParsedDocument
from .html import (
    BASEMAP_LAND,
    BASEMAP_WATER,
    CONTEXT_COLOUR,
    RIVER_COLOUR,
    UNCERTAINTY_RADIUS_M,
    MapText,
    _ink,
    style_for,
)

__all__ = ["FORMATS", "render_static"]

FORMATS = ("png", "svg")
_METRES_PER_DEGREE = 111_320.0
#: Smallest span of the view, in degrees of latitude (one event alone is not drawn at street level).
_MIN_SPAN_DEG = 0.6
_MARKER_PT = 15.0  # marker diameter, points
_TITLE_PT = 14.0
_SUBTITLE_PT = 8.5
_CREDIT_PT = 6.5

#: rcParams for every image: fixed ids, text kept as text in SVG, no mathtext ("$5m" is money).
_RC = {
    "svg.hashsalt": "geomap",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.family": "DejaVu Sans",
    "path.simplify": True,
}


def render_static(
    events: Sequence[Event],
    parsed: Sequence[ParsedDocument],
    text: MapText,
    basemap: dict[str, Any] | None,
    *,
    fmt: str = "png",
    size: tuple[int, int] = (1200, 800),
    dpi: int = 150,
) -> bytes:
    """The map as PNG or SVG bytes, ``size`` = (width, height) in pixels at ``dpi``."""
    if fmt not in FORMATS:
        raise ValueError(f"unsupported image format {fmt!r} (choose from {', '.join(FORMATS)})")
    width, height = size
    if not (16 <= width <= 10_000 and 16 <= height <= 10_000) or not 10 <= dpi <= 1200:
        raise ValueError(f"image size {width}x{height} at {dpi} dpi is out of range")

    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rc: Any = {k: v for k, v in _RC.items() if k in matplotlib.rcParams}
    with matplotlib.rc_context(rc):
        # For PNG a hair over the exact size: Agg truncates width * dpi to whole pixels.
        nudge = 0.01 if fmt == "png" else 0.0
        fig = Figure(
            figsize=((width + nudge) / dpi, (height + nudge) / dpi), dpi=dpi, facecolor="white"
        )
        FigureCanvasAgg(fig)
        _draw(fig, events, parsed, text, basemap, width, height, dpi)
        buf = io.BytesIO()
        metadata: dict[str, Any] = (
            {"Software": None, "Title": text.title}
            if fmt == "png"
            else {"Date": None, "Creator": None, "Title": text.title}
        )
        fig.savefig(buf, format=fmt, dpi=dpi, facecolor="white", metadata=metadata)
    return buf.getvalue()


def _draw(
    fig: Any,
    events: Sequence[Event],
    parsed: Sequence[ParsedDocument],
    text: MapText,
    basemap: dict[str, Any] | None,
    width: int,
    height: int,
    dpi: int,
) -> None:
    px_per_pt = dpi / 72.0
    margin = 10 * px_per_pt

    # Header: title (wrapped to the width) and a smaller line for the description and sources.
    def wrap(line: str, points: float, most: int) -> list[str]:
        chars = max(12, int((width - 2 * margin) / (points * px_per_pt * 0.58)))
        return textwrap.wrap(line, chars, max_lines=most, placeholder=" …") if line else []

    title_lines = wrap(text.title, _TITLE_PT, 3)
    sub_lines = [
        ln for part in (text.description, text.source_line) for ln in wrap(part, _SUBTITLE_PT, 3)
    ][:3]
    y = height - margin
    if title_lines:
        fig.text(
            margin / width,
            y / height,
            "\n".join(title_lines),
            ha="left",
            va="top",
            fontsize=_TITLE_PT,
            fontweight="bold",
            color="#111111",
            linespacing=1.2,
        )
        y -= len(title_lines) * _TITLE_PT * 1.2 * px_per_pt + 4 * px_per_pt
    if sub_lines:
        fig.text(
            margin / width,
            y / height,
            "\n".join(sub_lines),
            ha="left",
            va="top",
            fontsize=_SUBTITLE_PT,
            color="#333333",
            linespacing=1.25,
        )
        y -= len(sub_lines) * _SUBTITLE_PT * 1.25 * px_per_pt + 4 * px_per_pt
    credit_lines = wrap(text.credit, _CREDIT_PT, 2)
    footer = (len(credit_lines) * _CREDIT_PT * 1.3 + 6) * px_per_pt
    if credit_lines:
        fig.text(
            margin / width,
            3 * px_per_pt / height,
            "\n".join(credit_lines),
            ha="left",
            va="bottom",
            fontsize=_CREDIT_PT,
            color="#444444",
            linespacing=1.2,
        )

    bottom = footer / height
    top = max(y - 4 * px_per_pt, footer + 0.3 * height) / height
    ax = fig.add_axes((margin / width, bottom, 1 - 2 * margin / width, top - bottom))
    ax.set_facecolor(BASEMAP_WATER)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#9a9a9a")
        spine.set_linewidth(0.8)

    # Equirectangular at the view's middle latitude; the view grows to fill the frame.
    west, south, east, north = _view(events, parsed)
    lat0 = (south + north) / 2
    k = max(math.cos(math.radians(lat0)), 0.05)
    frame_ratio = (1 - 2 * margin / width) * width / ((top - bottom) * height)
    if (east - west) * k / (north - south) < frame_ratio:
        grow = ((north - south) * frame_ratio / k - (east - west)) / 2
        west, east = west - grow, east + grow
    else:
        grow = ((east - west) * k / frame_ratio - (north - south)) / 2
        south, north = south - grow, north + grow
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_autoscale_on(False)
    x0, x1, y0, y1 = west, east, south, north
    view = box(x0 - 1, y0 - 1, x1 + 1, y1 + 1)

    if basemap is not None:
        geoms = [shape(f["geometry"]) for f in basemap.get("features", [])]
        _polygons(
            ax,
            (g.intersection(view) for g in geoms if g.intersects(view)),
            facecolor=BASEMAP_LAND,
            edgecolor="#9a9a9a",
            linewidth=0.6,
            zorder=1,
        )
    legend_extra = _context(ax, parsed, view)
    legend_extra |= _event_areas(ax, events, view)
    busy = _event_markers(fig, ax, events, px_per_pt)
    _scale_bar(ax, lat0, _legend(fig, ax, events, legend_extra, busy))


def _view(
    events: Sequence[Event], parsed: Sequence[ParsedDocument]
) -> tuple[float, float, float, float]:
    """West, south, east, north: the events (or else the literal places) with a margin."""
    points = [(e.lon, e.lat) for e in events] or [
        (t.place.lon, t.place.lat)
        for d in parsed
        for t in d.toponyms
        if t.place is not None and t.place.kind != "country" and t.mention.role == "literal"
    ]
    if not points:
        return -180.0, -60.0, 180.0, 80.0
    lons, lats = zip(*points, strict=True)
    mid_lon, mid_lat = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    half_lat = max(max(lats) - min(lats), _MIN_SPAN_DEG) / 2
    half_lon = max(max(lons) - min(lons), _MIN_SPAN_DEG) / 2
    pad = 0.18 * max(half_lat, half_lon * math.cos(math.radians(mid_lat))) * 2
    half_lat += pad
    half_lon += pad / max(math.cos(math.radians(mid_lat)), 0.05)
    return (
        mid_lon - half_lon,
        max(mid_lat - half_lat, -85.0),
        mid_lon + half_lon,
        min(mid_lat + half_lat, 85.0),
    )


def _polygons(ax: Any, geoms: Iterable[BaseGeometry], **style: Any) -> bool:
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path as MplPath

    paths = []
    for geom in geoms:
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            rings = [poly.exterior, *poly.interiors]
            verts: list[tuple[float, float]] = []
            codes: list[int] = []
            for ring in rings:
                coords = list(ring.coords)
                verts += coords
                codes += (
                    [int(MplPath.MOVETO)]
                    + [int(MplPath.LINETO)] * (len(coords) - 2)
                    + [int(MplPath.CLOSEPOLY)]
                )
            paths.append(MplPath(verts, codes))
    if paths:
        ax.add_collection(PathCollection(paths, **style), autolim=False)
    return bool(paths)


def _lines(ax: Any, geom: BaseGeometry, **style: Any) -> bool:
    drawn = False
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type == "LineString" and not part.is_empty:
            xs, ys = part.xy
            ax.plot(list(xs), list(ys), solid_capstyle="round", **style)
            drawn = True
        elif part.geom_type == "Polygon":
            xs, ys = part.exterior.xy
            ax.plot(list(xs), list(ys), **style)
            drawn = True
    return drawn


def _context(ax: Any, parsed: Sequence[ParsedDocument], view: BaseGeometry) -> set[str]:
    """Rivers, river-bank areas and context places; returns the legend entries they need."""
    seen: set[str] = set()
    shown: set[str] = set()
    dots: list[tuple[float, float]] = []
    for doc in parsed:
        for top in doc.toponyms:
            place = top.place
            if place is None or place.id in seen:
                continue
            seen.add(place.id)
            if place.kind in ("river", "canal") and place.geometry is not None:
                if place.geometry.intersects(view) and _lines(
                    ax,
                    place.geometry.intersection(view),
                    color=RIVER_COLOUR,
                    linewidth=1.6,
                    alpha=0.85,
                    zorder=3,
                ):
                    shown.add("river")
            elif place.kind == "bank" and top.geometry is not None:
                if _polygons(
                    ax,
                    [top.geometry],
                    facecolor=RIVER_COLOUR + "1a",
                    edgecolor=RIVER_COLOUR,
                    linewidth=0.8,
                    zorder=2,
                ):
                    shown.add("bank")
            elif place.kind != "country":
                dots.append((place.lon, place.lat))
    if dots:
        xs, ys = zip(*dots, strict=True)
        ax.scatter(
            xs, ys, s=12, c=CONTEXT_COLOUR, edgecolors="white", linewidths=0.5, zorder=4, alpha=0.8
        )
        shown.add("context")
    return shown


def _event_areas(ax: Any, events: Sequence[Event], view: BaseGeometry) -> set[str]:
    from matplotlib.patches import Ellipse

    shown: set[str] = set()
    for event in events:
        colour, _ = style_for(event.event_type)
        if event.geometry is not None:
            geom = event.geometry
            if geom.geom_type in ("Polygon", "MultiPolygon"):
                _polygons(
                    ax,
                    [geom],
                    facecolor=colour + "14",
                    edgecolor=colour,
                    linewidth=1.2,
                    linestyle=(0, (4, 3)),
                    zorder=5,
                )
            else:
                _lines(ax, geom, color=colour, linewidth=1.5, linestyle=(0, (4, 3)), zorder=5)
            shown.add("area")
        elif event.geo_precision in UNCERTAINTY_RADIUS_M:
            radius = UNCERTAINTY_RADIUS_M[event.geo_precision] / _METRES_PER_DEGREE
            stretch = 1 / max(math.cos(math.radians(event.lat)), 0.05)
            ax.add_patch(
                Ellipse(
                    (event.lon, event.lat),
                    2 * radius * stretch,
                    2 * radius,
                    facecolor=colour + "14",
                    edgecolor=colour,
                    linewidth=0.8,
                    zorder=5,
                )
            )
            shown.add("uncertainty")
    return shown


def _event_markers(
    fig: Any, ax: Any, events: Sequence[Event], px_per_pt: float
) -> list[tuple[float, ...]]:
    """One marker per event type and group of nearby places, fanned out in a ring where a group
    has several types, the count in a badge. Returns the pixel boxes the markers and labels use."""
    import matplotlib.patheffects as pe
    from matplotlib.transforms import offset_copy

    places: dict[tuple[float, float], list[Event]] = {}
    for event in events:
        places.setdefault((round(event.lon, 4), round(event.lat, 4)), []).append(event)
    # Places closer than a marker on the image share one ring; the busiest place anchors it.
    reach = _MARKER_PT * 1.6 * px_per_pt
    groups: list[tuple[tuple[float, float], list[tuple[float, float]]]] = []
    for key in sorted(places, key=lambda k: (-len(places[k]), k)):
        x, y = ax.transData.transform(key)
        for anchor, members in groups:
            ax_, ay_ = ax.transData.transform(anchor)
            if math.hypot(x - ax_, y - ay_) < reach:
                members.append(key)
                break
        else:
            groups.append((key, [key]))

    halo = [pe.withStroke(linewidth=2.5, foreground="white")]
    rings: list[tuple[float, ...]] = []
    labels: list[tuple[float, float, float, float, float, str]] = []
    for (lon, lat), members in groups:
        by_type: dict[str, list[Event]] = {}
        for key in members:
            for event in places[key]:
                by_type.setdefault(event.event_type, []).append(event)
        types = sorted(by_type)
        ring = (
            0.0
            if len(types) == 1
            else max(_MARKER_PT * 0.75, _MARKER_PT * 1.15 * len(types) / (2 * math.pi))
        )
        if ring:
            ax.plot([lon], [lat], marker="o", markersize=3, color="#222222", zorder=6)
        for i, event_type in enumerate(types):
            angle = math.pi / 2 - 2 * math.pi * i / len(types)
            dx, dy = ring * math.cos(angle), ring * math.sin(angle)
            at = offset_copy(ax.transData, fig=fig, x=dx, y=dy, units="points")
            colour, glyph = style_for(event_type)
            ax.plot(
                [lon],
                [lat],
                marker="o",
                markersize=_MARKER_PT,
                markerfacecolor=colour,
                markeredgecolor="white",
                markeredgewidth=1.5,
                transform=at,
                zorder=7,
                linestyle="none",
            )
            ax.text(
                lon,
                lat,
                glyph,
                transform=at,
                ha="center",
                va="center_baseline",
                fontsize=6.5,
                fontweight="bold",
                color=_ink(colour),
                zorder=8,
            )
            count = len(by_type[event_type])
            if count > 1:
                badge = offset_copy(
                    ax.transData,
                    fig=fig,
                    x=dx + _MARKER_PT * 0.42,
                    y=dy + _MARKER_PT * 0.42,
                    units="points",
                )
                ax.text(
                    lon,
                    lat,
                    str(count),
                    transform=badge,
                    ha="center",
                    va="center",
                    fontsize=5.5,
                    fontweight="bold",
                    color="#111111",
                    zorder=9,
                    bbox={
                        "boxstyle": "circle,pad=0.2",
                        "facecolor": "white",
                        "edgecolor": "#555555",
                        "linewidth": 0.5,
                    },
                )
        names = []
        for key in members:
            for event in places[key]:
                if event.location and event.location not in names:
                    names.append(event.location)
        label = (
            names[0] + (f" (+{len(names) - 1} nearby)" if len(names) > 1 else "") if names else ""
        )
        x, y = ax.transData.transform((lon, lat))
        r = (ring + _MARKER_PT / 2 + 3) * px_per_pt
        rings.append((x - r, y - r, x + r, y + r))
        labels.append((lon, lat, x, y, r, label))

    # Labels go right, left, above or below their ring: the first place that hits no ring and
    # no earlier label (or, failing that, the right).
    boxes = list(rings)
    for lon, lat, x, y, r, label in labels:
        if not label:
            continue
        w = (len(label) * 7.5 * 0.58 + 4) * px_per_pt
        h = 7.5 * 1.3 * px_per_pt
        gap = 2 * px_per_pt
        options = [
            ((x + r + gap, y - h / 2, x + r + gap + w, y + h / 2), "left", "center", r + gap, 0.0),
            (
                (x - r - gap - w, y - h / 2, x - r - gap, y + h / 2),
                "right",
                "center",
                -r - gap,
                0.0,
            ),
            (
                (x - w / 2, y + r + gap, x + w / 2, y + r + gap + h),
                "center",
                "bottom",
                0.0,
                r + gap,
            ),
            ((x - w / 2, y - r - gap - h, x + w / 2, y - r - gap), "center", "top", 0.0, -r - gap),
        ]
        own = (x - r, y - r, x + r, y + r)
        chosen = next(
            (o for o in options if not any(_overlap(o[0], b) for b in boxes if b != own)),
            options[0],
        )
        spot, ha, va, dx, dy = chosen
        at = offset_copy(ax.transData, fig=fig, x=dx / px_per_pt, y=dy / px_per_pt, units="points")
        ax.text(
            lon,
            lat,
            label,
            transform=at,
            ha=ha,
            va=va,
            fontsize=7.5,
            color="#111111",
            zorder=9,
            path_effects=halo,
            clip_on=True,
        )
        boxes.append(spot)
    return boxes


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _scale_bar(ax: Any, lat0: float, corner: str) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km_per_deg = _METRES_PER_DEGREE / 1000 * max(math.cos(math.radians(lat0)), 0.05)
    target = (x1 - x0) * km_per_deg / 5
    exponent = 10 ** math.floor(math.log10(target)) if target > 0 else 1
    km = max((m * exponent for m in (1, 2, 5) if m * exponent <= target), default=exponent)
    length = km / km_per_deg
    left = x0 + (x1 - x0) * 0.03 if corner == "left" else x1 - (x1 - x0) * 0.03 - length
    base = y0 + (y1 - y0) * 0.04
    ax.plot(
        [left, left + length],
        [base, base],
        color="#222222",
        linewidth=2,
        solid_capstyle="butt",
        zorder=10,
    )
    for end in (left, left + length):
        ax.plot(
            [end, end], [base, base + (y1 - y0) * 0.012], color="#222222", linewidth=1, zorder=10
        )
    ax.text(
        left + length / 2,
        base + (y1 - y0) * 0.018,
        f"{km:g} km",
        ha="center",
        va="bottom",
        fontsize=6.5,
        color="#222222",
        zorder=10,
        path_effects=_halo(),
    )


def _halo() -> list[Any]:
    import matplotlib.patheffects as pe

    return [pe.withStroke(linewidth=2.5, foreground="white")]


def _legend(
    fig: Any, ax: Any, events: Sequence[Event], extra: set[str], busy: list[tuple[float, ...]]
) -> str:
    """The legend, in the corner of the map where it covers the fewest markers and labels.
    Returns the side ("left" or "right") of the bottom corner left free for the scale bar."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    for event_type in sorted({e.event_type for e in events}):
        colour, glyph = style_for(event_type)
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=8,
                markerfacecolor=colour,
                markeredgecolor="white",
                label=f"{event_type} ({glyph})",
            )
        )
    if "uncertainty" in extra:
        handles.append(
            Patch(facecolor="#77777714", edgecolor="#777777", label="Approximate location")
        )
    if "area" in extra:
        handles.append(
            Patch(facecolor="#77777726", edgecolor="#777777", linestyle="--", label="Event area")
        )
    if "river" in extra:
        handles.append(Line2D([], [], color=RIVER_COLOUR, linewidth=1.6, label="River"))
    if "bank" in extra:
        handles.append(
            Patch(facecolor=RIVER_COLOUR + "1a", edgecolor=RIVER_COLOUR, label="River bank")
        )
    if "context" in extra:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=4,
                color=CONTEXT_COLOUR,
                label="Place mentioned",
            )
        )
    if not events:
        handles.insert(0, Line2D([], [], linestyle="none", label="No events with a place found"))
    corners = ("lower right", "upper right", "lower left", "upper left")
    best, best_cover = corners[0], math.inf
    renderer = fig.canvas.get_renderer()
    for loc in corners:
        legend = ax.legend(
            handles=handles,
            loc=loc,
            fontsize=6.5,
            title="Events",
            title_fontsize=7.5,
            framealpha=0.92,
            edgecolor="#cccccc",
            borderpad=0.6,
            handletextpad=0.5,
        )
        lb = legend.get_window_extent(renderer)
        cover = sum(
            max(0.0, min(lb.x1, b[2]) - max(lb.x0, b[0]))
            * max(0.0, min(lb.y1, b[3]) - max(lb.y0, b[1]))
            for b in busy
        )
        if cover < best_cover:
            best, best_cover = loc, cover
    legend = ax.legend(
        handles=handles,
        loc=best,
        fontsize=6.5,
        title="Events",
        title_fontsize=7.5,
        framealpha=0.92,
        edgecolor="#cccccc",
        borderpad=0.6,
        handletextpad=0.5,
    )
    legend.set_zorder(20)
    legend.get_title().set_fontweight("bold")
    return "right" if best == "lower left" else "left"
