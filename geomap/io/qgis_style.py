"""QGIS layer styles (QML): a categorized renderer on ``event_type`` in the HTML map's colours.

Every style has one category per event type of the taxonomy, coloured as the HTML map
colours its markers (``render.html.style_for``), plus a catch-all category (empty value:
"all other values" in QGIS) for context features (places, rivers, banks) in the HTML map's
context and river colours. The symbol type follows the layer's geometry: ``marker`` for the
GeoPackage's ``events`` and ``places``, ``line`` for ``lines``, ``fill`` for ``areas``.

``<name>.qml`` beside the GeoJSON is the ``marker`` style: QGIS splits a GeoJSON that mixes
geometry types into one layer per type and loads ``<name>.qml`` as the default style of
each; a QGIS symbol only draws its own geometry type, so the style says it is for points
(``layerGeometryType``) and QGIS applies it to the point layer (events and places) and
leaves the line and polygon layers with its default style. The GeoPackage styles all four.

The XML is the subset of what QGIS 3.22 itself writes for such a style (each symbol
layer's properties both as ``<Option>`` and as legacy ``<prop>``), with no timestamps.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Literal

from ..render.html import CONTEXT_COLOUR, RIVER_COLOUR, style_for
from ..taxonomy import TAXONOMY
from .atomic import write_text

SymbolKind = Literal["marker", "line", "fill"]
#: The QGIS version whose QML this follows (readers accept older and newer).
QGIS_VERSION = "3.22.16-Białowieża"
FIELD = "event_type"
OTHER_LABEL = "Context: places, rivers, banks"
DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"


def event_type_colours() -> list[tuple[str, str]]:
    """(event type, colour) in taxonomy order: the colours of the HTML map's markers."""
    seen: list[str] = []
    for category in TAXONOMY:
        if category.event_type not in seen:
            seen.append(category.event_type)
    return [(t, style_for(t)[0]) for t in seen]


def qgis_colour(hex_colour: str, alpha: int = 255) -> str:
    """``#882255`` -> ``136,34,85,255`` (QGIS's colour notation)."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{r},{g},{b},{alpha}"


def _layer(parent: ET.Element, cls: str, props: dict[str, str]) -> ET.Element:
    layer = ET.SubElement(
        parent, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"}
    )
    options = ET.SubElement(layer, "Option", {"type": "Map"})
    for key, value in props.items():
        ET.SubElement(options, "Option", {"name": key, "type": "QString", "value": value})
    for key, value in props.items():
        ET.SubElement(layer, "prop", {"k": key, "v": value})
    return layer


def _symbol(parent: ET.Element, kind: str, name: str) -> ET.Element:
    return ET.SubElement(
        parent,
        "symbol",
        {
            "type": kind,
            "name": name,
            "alpha": "1",
            "clip_to_extent": "1",
            "force_rhr": "0",
        },
    )


def _marker(parent: ET.Element, name: str, colour: str, size: str) -> None:
    symbol = _symbol(parent, "marker", name)
    _layer(
        symbol,
        "SimpleMarker",
        {
            "name": "circle",
            "color": qgis_colour(colour),
            "size": size,
            "size_unit": "MM",
            "outline_color": "255,255,255,255",
            "outline_style": "solid",
            "outline_width": "0.4",
            "outline_width_unit": "MM",
            "scale_method": "diameter",
        },
    )


def _line(parent: ET.Element, name: str, colour: str, width: str) -> None:
    symbol = _symbol(parent, "line", name)
    _layer(
        symbol,
        "SimpleLine",
        {
            "line_color": qgis_colour(colour),
            "line_style": "solid",
            "line_width": width,
            "line_width_unit": "MM",
            "capstyle": "round",
            "joinstyle": "round",
        },
    )


def _fill(parent: ET.Element, name: str, colour: str, fill_alpha: int) -> None:
    symbol = _symbol(parent, "fill", name)
    _layer(
        symbol,
        "SimpleFill",
        {
            "color": qgis_colour(colour, fill_alpha),
            "style": "solid",
            "outline_color": qgis_colour(colour),
            "outline_style": "solid",
            "outline_width": "0.5",
            "outline_width_unit": "MM",
            "joinstyle": "round",
        },
    )


def _add_symbol(parent: ET.Element, kind: SymbolKind, name: str, colour: str | None) -> None:
    """One category's symbol; ``colour`` None is the catch-all for context features."""
    event = colour is not None
    if kind == "marker":
        _marker(parent, name, colour or CONTEXT_COLOUR, "4" if event else "2")
    elif kind == "line":
        _line(parent, name, colour or RIVER_COLOUR, "0.8" if event else "0.9")
    else:
        _fill(parent, name, colour or RIVER_COLOUR, 64 if event else 26)


def qml(kind: SymbolKind) -> str:
    """The QML document (a string) of a categorized style for layers of ``kind``."""
    root = ET.Element("qgis", {"version": QGIS_VERSION, "styleCategories": "Symbology"})
    renderer = ET.SubElement(
        root,
        "renderer-v2",
        {
            "type": "categorizedSymbol",
            "attr": FIELD,
            "symbollevels": "1",
            "forceraster": "0",
            "enableorderby": "0",
            "referencescale": "-1",
        },
    )
    categories = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    entries: list[tuple[str, str, str | None]] = [(t, t, c) for t, c in event_type_colours()]
    entries.append(("", OTHER_LABEL, None))
    for index, (value, label, colour) in enumerate(entries):
        ET.SubElement(
            categories,
            "category",
            {
                "value": value,
                "label": label,
                "symbol": str(index),
                "render": "true",
            },
        )
        _add_symbol(symbols, kind, str(index), colour)
        for layer in symbols[-1].iter("layer"):  # symbol levels: events over context features
            layer.set("pass", "0" if colour is None else "1")
    # QGIS applies a style only to layers of this geometry type (0 points, 1 lines, 2 polygons).
    ET.SubElement(root, "layerGeometryType").text = {"marker": "0", "line": "1", "fill": "2"}[kind]
    ET.indent(root, space="  ")
    return DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"


def write_qml(path: Path, kind: SymbolKind = "marker") -> None:
    write_text(path, qml(kind))
