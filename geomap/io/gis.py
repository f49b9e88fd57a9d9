"""The GIS formats besides GeoJSON: GeoPackage, CSV, GeoParquet and the QGIS style (QML).

The tables are built once per map and shared by the GeoPackage, GeoParquet and CSV writers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..models import Event, ParsedDocument

#: In the order they are written.
GIS_FORMATS: tuple[str, ...] = ("gpkg", "parquet", "csv", "qml")


def write_gis_outputs(
    out: Path,
    name: str,
    events: Sequence[Event],
    parsed: Sequence[ParsedDocument],
    formats: Sequence[str],
) -> list[str]:
    """Write ``out/<name>.<format>`` for each GIS format asked for; return the paths."""
    written: list[str] = []
    wanted = [f for f in GIS_FORMATS if f in formats]
    if not wanted:
        return written
    # Here, not with the module: pandas, geopandas and pyogrio cost a build that writes
    # only HTML and GeoJSON ~0.4 s of start-up.
    from .csv import write_csv
    from .gpkg import write_gpkg
    from .parquet import write_parquet
    from .qgis_style import write_qml
    from .tables import build_tables

    tables = build_tables(events, parsed) if set(wanted) - {"qml"} else None
    for fmt in wanted:
        path = out / f"{name}.{fmt}"
        if fmt == "qml":
            write_qml(path, "marker")
        elif fmt == "gpkg":
            assert tables is not None
            write_gpkg(path, tables)
        elif fmt == "parquet":
            assert tables is not None
            write_parquet(path, tables.events)
        else:
            assert tables is not None
            write_csv(path, tables)
        written.append(str(path))
    return written
