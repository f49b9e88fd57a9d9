"""The GeoPackage: layers ``events``, ``places``, ``lines``, ``areas`` and ``documents``,
plus a QGIS style per spatial layer in ``layer_styles`` (the table QGIS reads on open).

Written with pyogrio into a temporary file in the destination folder, then renamed over
the target (``os.replace``), so a reader only ever sees a complete file. Deterministic:
rows in a fixed order, GeoPackage version pinned, and GDAL's "current date" (stamped into
``gpkg_contents.last_change``) fixed with ``OGR_CURRENT_DATE``; the same tables give the
same bytes with the same GDAL/SQLite build.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyogrio

from . import qgis_style
from .tables import GEOMETRY_TYPES, SPATIAL_LAYERS, Tables

#: GeoPackage 1.2 reads without warnings in every GDAL since 2.2 (QGIS 3.x, Debian's ogrinfo).
GPKG_VERSION = "1.2"
GEOMETRY_COLUMN = "geom"
#: The fixed timestamp in ``gpkg_contents.last_change`` and ``layer_styles.update_time``.
FIXED_TIME = "2000-01-01T00:00:00.000Z"
STYLE_KINDS: dict[str, qgis_style.SymbolKind] = {
    "events": "marker",
    "places": "marker",
    "lines": "line",
    "areas": "fill",
}
STYLE_DESCRIPTION = "geomap: categorized on event_type, the HTML map's colours"


@contextmanager
def _gdal_config(**options: str) -> Iterator[None]:
    previous = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(previous)


def layer_styles() -> pd.DataFrame:
    """The ``layer_styles`` rows: one default style per spatial layer (QGIS's schema)."""
    names = list(SPATIAL_LAYERS)
    update_time = pd.Timestamp(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    return pd.DataFrame(
        {
            "f_table_catalog": pd.Series(["" for _ in names], dtype=object),
            "f_table_schema": pd.Series(["" for _ in names], dtype=object),
            "f_table_name": pd.Series(names, dtype=object),
            "f_geometry_column": pd.Series([GEOMETRY_COLUMN for _ in names], dtype=object),
            "styleName": pd.Series(names, dtype=object),
            "styleQML": pd.Series([qgis_style.qml(STYLE_KINDS[n]) for n in names], dtype=object),
            "styleSLD": pd.Series(["" for _ in names], dtype=object),
            "useAsDefault": pd.Series([True for _ in names], dtype=bool),
            "description": pd.Series([STYLE_DESCRIPTION for _ in names], dtype=object),
            "owner": pd.Series(["" for _ in names], dtype=object),
            "ui": pd.Series([None for _ in names], dtype=object),
            "update_time": pd.Series([update_time for _ in names], dtype="datetime64[ms, UTC]"),
        }
    )


def _write_layers(path: Path, tables: Tables) -> None:
    dataset = {"VERSION": GPKG_VERSION}
    for name, frame in tables.spatial().items():
        pyogrio.write_dataframe(
            frame,
            path,
            layer=name,
            driver="GPKG",
            geometry_type=GEOMETRY_TYPES[name],
            promote_to_multi=GEOMETRY_TYPES[name].startswith("Multi"),
            dataset_options=dataset,
            layer_options={"GEOMETRY_NAME": GEOMETRY_COLUMN},
        )
        dataset = {}
    pyogrio.write_dataframe(tables.documents, path, layer="documents", driver="GPKG")
    pyogrio.write_dataframe(
        layer_styles(),
        path,
        layer="layer_styles",
        driver="GPKG",
        layer_options={"FID": "id"},
    )


def write_gpkg(path: Path, tables: Tables) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".gpkg", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # GDAL creates the file itself
    try:
        with _gdal_config(OGR_CURRENT_DATE=FIXED_TIME):
            _write_layers(tmp, tables)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
