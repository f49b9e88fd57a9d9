"""Gazetteer rows kept as files: the curated CSVs under ``gazetteer/`` and user overlays.

Both use one parser so a row a user can write is exactly a row we ship. Every
problem names the file and line, and a file with any bad row is rejected whole,
so a typo can never half-update the gazetteer.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from .base import NameType, PlaceRecord

_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class GazetteerFileError(ValueError):
    """A gazetteer table is malformed; the message names the file and the line."""


def file_digest(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _names(name: str, alt_names: str) -> tuple[tuple[str, NameType], ...]:
    names: list[tuple[str, NameType]] = [(name, "name")]
    names += [(alt.strip(), "alt") for alt in alt_names.split("|") if alt.strip()]
    return tuple(names)


def _float(value: str, column: str, where: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise GazetteerFileError(f"{where}: {column} {value!r} is not a number") from None
    if not low <= number <= high:
        raise GazetteerFileError(f"{where}: {column} {number} is outside [{low}, {high}]")
    return number


def _row_to_record(row: dict[str, str], where: str, prefix: str) -> PlaceRecord:
    from shapely import wkt as shapely_wkt
    from shapely.errors import ShapelyError

    name = (row.get("name") or "").strip()
    if not name:
        raise GazetteerFileError(f"{where}: the name column is empty")
    ident = (row.get("id") or "").strip() or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not _SLUG.match(ident):
        raise GazetteerFileError(f"{where}: id {ident!r} must be a lowercase slug")
    geometry_wkt = (row.get("wkt") or "").strip() or None
    if geometry_wkt:
        try:
            geom = shapely_wkt.loads(geometry_wkt)
        except (ShapelyError, ValueError) as exc:
            raise GazetteerFileError(f"{where}: wkt does not parse ({exc})") from None
        if geom.is_empty or not geom.is_valid:
            raise GazetteerFileError(f"{where}: wkt geometry is empty or invalid")
        anchor = (
            geom.interpolate(0.5, normalized=True)
            if geom.geom_type.endswith("LineString")
            else geom.representative_point()
        )
        lat, lon = anchor.y, anchor.x
    else:
        if not (row.get("lat") or "").strip() or not (row.get("lon") or "").strip():
            raise GazetteerFileError(f"{where}: needs lat and lon (or a wkt geometry)")
        lat = _float(row["lat"], "lat", where, -90, 90)
        lon = _float(row["lon"], "lon", where, -180, 180)
    population = (row.get("population") or "").strip()
    countries = (row.get("country") or row.get("countries") or "").strip()
    return PlaceRecord(
        id=f"{prefix}:{ident}",
        name=name,
        kind=(row.get("kind") or "place").strip() or "place",
        lat=round(lat, 6),
        lon=round(lon, 6),
        country=countries.split("|")[0] or None,
        admin1=(row.get("admin1") or "").strip() or None,
        population=int(float(population)) if population else 0,
        wkt=geometry_wkt,
        names=_names(name, row.get("alt_names") or ""),
    )


def read_csv_table(path: Path, prefix: str) -> list[PlaceRecord]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "name" not in reader.fieldnames:
                raise GazetteerFileError(f"{path}: line 1: missing required column 'name'")
            # The header is line 1, so data row i sits on line i + 2.
            return [
                _row_to_record(row, f"{path}: line {reader.line_num}", prefix) for row in reader
            ]
    except UnicodeDecodeError as exc:
        raise GazetteerFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise GazetteerFileError(f"{path}: malformed CSV ({exc})") from None


def read_geojson_table(path: Path, prefix: str) -> list[PlaceRecord]:
    from shapely.geometry import shape

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GazetteerFileError(f"{path}: not valid GeoJSON ({exc})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GazetteerFileError(f"{path}: expected a GeoJSON FeatureCollection")
    records = []
    for i, feature in enumerate(data.get("features") or [], start=1):
        where = f"{path}: feature {i}"
        props = {
            k: "" if v is None else str(v) for k, v in (feature.get("properties") or {}).items()
        }
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GazetteerFileError(f"{where}: bad geometry ({exc})") from None
        if geom.geom_type == "Point":
            props.setdefault("lat", str(geom.y))
            props.setdefault("lon", str(geom.x))
        else:
            props["wkt"] = geom.wkt
        records.append(_row_to_record(props, where, prefix))
    return records


def read_table(path: Path, prefix: str) -> list[PlaceRecord]:
    if not path.exists():
        raise GazetteerFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv_table(path, prefix)
    if suffix in {".geojson", ".json"}:
        return read_geojson_table(path, prefix)
    raise GazetteerFileError(
        f"{path}: unsupported gazetteer file type {suffix!r} (use .csv or .geojson)"
    )


class TableSource:
    """Places from CSV/GeoJSON tables: the curated rows we ship, or a user's overlay."""

    def __init__(self, name: str, paths: Sequence[Path], *, priority: int, prefix: str) -> None:
        self.name = name
        self.paths = [Path(p) for p in paths]
        self.priority = priority
        self.prefix = prefix

    def version(self) -> str:
        existing = [p for p in self.paths if p.exists()]
        return file_digest(existing) if existing else "empty"

    def places(self) -> Iterator[PlaceRecord]:
        for path in sorted(self.paths):
            yield from read_table(path, self.prefix)
