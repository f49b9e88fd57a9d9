"""Open geomap's GeoPackage and GeoJSON in headless QGIS and render them to a PNG.

Run with the system Python that has Debian's ``python3-qgis`` (not the project venv)::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_check.py \\
        --gpkg out/combined.gpkg --geojson out/combined.geojson --png map.png \\
        --expect '{"events": 12, "places": 14, "lines": 3, "areas": 6, "geojson": 35}' \\
        --colours '{"Battles": "#882255", ...}'

Checks, failing with exit code 1 and a message on stderr:

* every GeoPackage layer (events, places, lines, areas, documents) and every geometry type of
  the GeoJSON opens as a valid QGIS layer with the expected feature count;
* the style stored in the GeoPackage's ``layer_styles`` table was applied on open (QGIS's
  default is a single symbol): a categorized renderer on ``event_type`` whose categories
  have the given colours; the same for the ``.qml`` beside the GeoJSON, which QGIS loads as
  the default style of the GeoJSON's point layer (a QGIS symbol draws one geometry type);
* every event gets its event type's colour from the renderer, and the rendered PNG shows
  event colours (markers at one place overlap, so not every colour need be visible).

Prints a JSON summary on stdout. Writes the GeoPackage rendering to ``--png`` and the
GeoJSON rendering next to it (``<png stem>-geojson.png``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402  (the platform must be set before Qt loads)
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

GPKG_LAYERS = ("events", "places", "lines", "areas")
GEOJSON_TYPES = ("Point", "LineString", "Polygon")


class CheckError(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckError(message)


def check_style(layer: QgsVectorLayer, colours: dict[str, str], where: str) -> dict[str, str]:
    renderer = layer.renderer()
    check(renderer is not None, f"{where}: no renderer")
    check(
        renderer.type() == "categorizedSymbol",
        f"{where}: renderer is {renderer.type()!r}, not the stored categorized style",
    )
    check(
        renderer.classAttribute() == "event_type",
        f"{where}: categorized on {renderer.classAttribute()!r}",
    )
    found: dict[str, str] = {}
    for category in renderer.categories():
        value = str(category.value() or "")
        if value:
            found[value] = category.symbol().color().name().upper()
    for event_type, colour in colours.items():
        check(event_type in found, f"{where}: no category for {event_type!r}")
        check(
            found[event_type] == colour.upper(),
            f"{where}: {event_type} is {found[event_type]}, not {colour}",
        )
    return found


def check_feature_colours(layer: QgsVectorLayer, colours: dict[str, str]) -> None:
    """Each feature's symbol (as the renderer picks it) has its event type's colour."""
    from qgis.core import QgsRenderContext

    renderer = layer.renderer().clone()
    context = QgsRenderContext()
    renderer.startRender(context, layer.fields())
    try:
        for feature in layer.getFeatures():
            symbol = renderer.symbolForFeature(feature, context)
            event_type = feature["event_type"]
            check(symbol is not None, f"{layer.name()}: feature {feature['id']} is not drawn")
            got = symbol.color().name().upper()
            check(
                got == colours[event_type].upper(),
                f"{layer.name()}: {feature['id']} ({event_type}) drawn in {got}",
            )
    finally:
        renderer.stopRender(context)


def render(
    layers: list[QgsVectorLayer], extent: QgsRectangle, path: Path, size: tuple[int, int]
) -> None:
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setBackgroundColor(QColor("white"))
    settings.setOutputSize(QSize(*size))
    settings.setOutputDpi(96)
    settings.setDestinationCrs(layers[0].crs())
    settings.setExtent(extent)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    check(not image.isNull(), "rendering produced no image")
    check(image.save(str(path), "PNG"), f"could not save {path}")


def colours_drawn(path: Path, colours: dict[str, str]) -> dict[str, int]:
    """Pixels of each colour in the PNG (marker interiors are drawn in the exact colour)."""
    from qgis.PyQt.QtGui import QImage

    image = QImage(str(path))
    wanted = {QColor(c).rgb() & 0xFFFFFF: t for t, c in colours.items()}
    counts = dict.fromkeys(colours, 0)
    for y in range(0, image.height()):
        for x in range(0, image.width()):
            rgb = image.pixel(x, y) & 0xFFFFFF
            if rgb in wanted:
                counts[wanted[rgb]] += 1
    return counts


def events_extent(layers: list[QgsVectorLayer]) -> QgsRectangle:
    extent = QgsRectangle()
    extent.setMinimal()
    for layer in layers:
        if layer.featureCount():
            extent.combineExtentWith(layer.extent())
    check(not extent.isEmpty(), "nothing to render: every layer is empty")
    extent.scale(1.15)
    if extent.width() < 0.5 or extent.height() < 0.5:
        extent = QgsRectangle(
            extent.center().x() - 0.5,
            extent.center().y() - 0.5,
            extent.center().x() + 0.5,
            extent.center().y() + 0.5,
        )
    return extent


def run(args: argparse.Namespace) -> dict[str, object]:
    expect: dict[str, int] = json.loads(args.expect)
    colours: dict[str, str] = json.loads(args.colours)
    summary: dict[str, object] = {"qgis": None, "gpkg": {}, "geojson": {}}
    from qgis.core import Qgis

    summary["qgis"] = Qgis.QGIS_VERSION

    gpkg: dict[str, QgsVectorLayer] = {}
    for name in (*GPKG_LAYERS, "documents"):
        layer = QgsVectorLayer(f"{args.gpkg}|layername={name}", name, "ogr")
        check(layer.isValid(), f"gpkg layer {name} is not valid")
        if name in expect:
            check(
                layer.featureCount() == expect[name],
                f"gpkg {name}: {layer.featureCount()} features, expected {expect[name]}",
            )
        check(
            layer.crs().authid() == "EPSG:4326" or name == "documents",
            f"gpkg {name}: CRS {layer.crs().authid()}",
        )
        info: dict[str, object] = {"features": layer.featureCount(), "crs": layer.crs().authid()}
        if name in GPKG_LAYERS:
            count, _ids, names, _descriptions, _error = layer.listStylesInDatabase()
            check(
                count >= 1 and name in names,
                f"gpkg {name}: no style stored in layer_styles ({names})",
            )
            info["renderer"] = layer.renderer().type()
            info["categories"] = len(check_style(layer, colours, f"gpkg {name}"))
            gpkg[name] = layer
        summary["gpkg"][name] = info  # type: ignore[index]

    geo_layers: list[QgsVectorLayer] = []
    total = 0
    for geometry_type in GEOJSON_TYPES:
        layer = QgsVectorLayer(f"{args.geojson}|geometrytype={geometry_type}", geometry_type, "ogr")
        check(layer.isValid(), f"geojson {geometry_type} sublayer is not valid")
        check(
            layer.crs().authid() == "EPSG:4326",
            f"geojson {geometry_type}: CRS {layer.crs().authid()}",
        )
        total += layer.featureCount()
        info = {"features": layer.featureCount(), "renderer": layer.renderer().type()}
        if args.qml_beside and geometry_type == "Point":
            info["categories"] = len(
                check_style(layer, colours, f"geojson {geometry_type} (.qml beside)")
            )
        summary["geojson"][geometry_type] = info  # type: ignore[index]
        geo_layers.append(layer)
    if "geojson" in expect:
        check(
            total == expect["geojson"], f"geojson: {total} features, expected {expect['geojson']}"
        )

    events = gpkg["events"]
    present = sorted({f["event_type"] for f in events.getFeatures()})
    present_colours = {t: colours[t] for t in present if t in colours}
    check_feature_colours(events, colours)
    extent = events_extent([events, gpkg["areas"]])
    png = Path(args.png)
    # Areas under lines under points, as on the HTML map.
    render([gpkg["events"], gpkg["places"], gpkg["lines"], gpkg["areas"]], extent, png, (900, 700))
    drawn = colours_drawn(png, present_colours)
    check(not present or sum(drawn.values()) > 0, f"gpkg rendering shows no event colour: {drawn}")
    summary["png"] = str(png)
    summary["colours_drawn"] = drawn
    geo_png = png.with_name(png.stem + "-geojson.png")
    render(geo_layers, extent, geo_png, (900, 700))  # points over lines over polygons
    if args.qml_beside:
        geo_drawn = colours_drawn(geo_png, present_colours)
        check(
            not present or sum(geo_drawn.values()) > 0,
            f"geojson rendering shows no event colour: {geo_drawn}",
        )
        summary["colours_drawn_geojson"] = geo_drawn
    summary["png_geojson"] = str(geo_png)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpkg", required=True)
    parser.add_argument("--geojson", required=True)
    parser.add_argument(
        "--png", required=True, help="where to write the rendering of the GeoPackage"
    )
    parser.add_argument(
        "--expect", default="{}", help="JSON: feature count per gpkg layer, and 'geojson'"
    )
    parser.add_argument("--colours", default="{}", help="JSON: event type -> #RRGGBB")
    parser.add_argument(
        "--qml-beside",
        action="store_true",
        help="the GeoJSON has a .qml beside it: check it styles the points",
    )
    args = parser.parse_args()
    app = QgsApplication([], False)
    app.initQgis()
    try:
        summary = run(args)
    except CheckError as exc:
        print(f"qgis_check: {exc}", file=sys.stderr)
        return 1
    finally:
        app.exitQgis()
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
