"""GeoParquet: the ``events`` layer (points) via geopandas ``to_parquet``.

Geometry as WKB with the GeoParquet ``geo`` metadata (CRS as PROJJSON, EPSG:4326). The file
is built in memory and written atomically; it holds no timestamps, so the same events give
the same bytes with the same pyarrow.
"""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd

from .atomic import write_bytes


def write_parquet(path: Path, events: gpd.GeoDataFrame) -> None:
    buffer = io.BytesIO()
    events.to_parquet(buffer, index=False, compression="snappy", geometry_encoding="WKB")
    write_bytes(path, buffer.getvalue())
