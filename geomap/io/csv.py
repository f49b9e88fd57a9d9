"""The events as CSV: ACLED's column names first, then geomap's own.

One row per event, in the GeoJSON's order; UTF-8 with a header, ``csv.QUOTE_MINIMAL``
and ``\\n`` line endings. ACLED columns geomap does not fill stay empty (``source_scale``,
``fatalities``: counts are not extracted). ``time_precision`` keeps geomap's words (day,
week, month, year); ``geo_precision`` is ACLED's 1-3.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import pandas as pd

from .atomic import write_text
from .tables import Tables

#: ACLED's columns, then geomap's.
ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "country",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
)
GEOMAP_COLUMNS: tuple[str, ...] = (
    "confidence",
    "historical",
    "place_id",
    "mention_start",
    "mention_end",
    "sentence_start",
    "sentence_end",
    "source_urls",
    "merged_from",
)
COLUMNS: tuple[str, ...] = ACLED_COLUMNS + GEOMAP_COLUMNS
#: Where a column's value comes from in the events table, when not the same name.
RENAMED = {"event_id_cnty": "id", "notes": "quote"}


def _cell(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def rows(tables: Tables) -> list[list[str]]:
    out = []
    for record in tables.events.drop(columns="geometry").to_dict("records"):
        date = record["event_date"]
        values = {
            **{col: record.get(RENAMED.get(col, col)) for col in COLUMNS},
            "year": date[:4] if date else None,
            "source": tables.event_sources.get(record["id"], ""),
            "source_scale": None,
            "fatalities": None,
        }
        out.append([_cell(values[col]) for col in COLUMNS])
    return out


def dumps(tables: Tables) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(tables))
    return buffer.getvalue()


def write_csv(path: Path, tables: Tables) -> None:
    write_text(path, dumps(tables))
