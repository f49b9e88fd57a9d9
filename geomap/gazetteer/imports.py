"""Extra gazetteer layers from the user's own files: ``geomap gazetteer import FILE``.

Each import is compiled by ``build_index`` into ``<cache>/imports/<name>.sqlite``, which
``Gazetteer.default()`` opens after the bundled base. Three kinds of file are read:

* a **GeoNames dump** (``allCountries.txt``, ``UA.txt`` or their ``.zip``): 19
  tab-separated columns, no header;
* any **vector file GDAL reads** (shapefile, GeoPackage, GeoJSON, FlatGeobuf, KML...)
  through pyogrio: one place per named feature, points as points, lines and areas kept
  as geometry and placed at a representative point;
* a **CSV table** in the overlay format (``name, alt_names, kind, lat, lon, ...``).

Building writes a temporary file and renames it, so a bad row (reported with the file
and line or feature number) leaves every existing layer as it was.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .base import PlaceRecord
from .geonames import _name_types
from .index import build_index, default_cache_dir
from .lookup import import_paths, open_layer
from .tables import GazetteerFileError, TableSource

#: Imported rows beat bundled GeoNames (10) on ties, curated rows (50) and overlays (100) beat them.
IMPORT_PRIORITY = 30

GEONAMES_COLUMNS = (
    "geonameid",
    "name",
    "asciiname",
    "alternatenames",
    "latitude",
    "longitude",
    "feature class",
    "feature code",
    "country code",
    "cc2",
    "admin1 code",
    "admin2 code",
    "admin3 code",
    "admin4 code",
    "population",
    "elevation",
    "dem",
    "timezone",
    "modification date",
)
VECTOR_SUFFIXES = frozenset(
    {
        ".shp",
        ".gpkg",
        ".geojson",
        ".json",
        ".geojsonl",
        ".geojsons",
        ".fgb",
        ".kml",
        ".kmz",
        ".gml",
        ".gpx",
        ".tab",
        ".mif",
        ".gdb",
        ".topojson",
        ".shz",
    }
)
FORMATS = ("auto", "geonames", "vector", "table")
_NAME_FIELDS = ("name", "NAME", "Name")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")

# GeoNames feature codes -> geomap kinds. The class decides when the code is not listed.
_CODE_KINDS = {
    "ADM1": "admin1",
    "ADM1H": "admin1",
    "ADM2": "admin2",
    "ADM2H": "admin2",
    "ADM3": "district",
    "ADM4": "district",
    "ADM5": "district",
    "ADMD": "district",
    "PCL": "country",
    "PCLI": "country",
    "PCLD": "country",
    "PCLF": "country",
    "PCLS": "country",
    "PCLIX": "country",
    "TERR": "country",
    "PPLX": "district",
    "CNL": "canal",
    "CNLN": "canal",
    "CNLA": "canal",
    "CNLSB": "canal",
    "CNLI": "canal",
    "LK": "lake",
    "LKS": "lake",
    "LKN": "lake",
    "LKI": "lake",
    "LKO": "lake",
    "LKC": "lake",
    "RSV": "reservoir",
    "RSVI": "reservoir",
    "RSVT": "reservoir",
    "SEA": "sea",
    "STRT": "strait",
    "ESTY": "estuary",
    "BAY": "bay",
    "BAYS": "bay",
    "GULF": "bay",
    "COVE": "bay",
    "LGN": "lagoon",
    "LGNS": "lagoon",
    "HBR": "port",
    "BDG": "bridge",
    "DAM": "dam",
    "DAMSB": "dam",
    "PS": "power_plant",
    "PSH": "power_plant",
    "PSN": "nuclear_plant",
    "AIRP": "airport",
    "AIRF": "airport",
    "AIRB": "airport",
    "AIRH": "airport",
    "PRT": "port",
    "PORT": "port",
    "RSTN": "station",
    "RSTP": "station",
    "MNMT": "landmark",
    "MUS": "landmark",
    "CSTL": "landmark",
    "HSTS": "landmark",
    "RUIN": "landmark",
    "TOWR": "landmark",
    "PAL": "landmark",
    "SQR": "landmark",
    "CH": "landmark",
    "MSQE": "landmark",
    "TMPL": "landmark",
    "SHRN": "landmark",
    "CTHSE": "landmark",
    "STDM": "landmark",
    "MLBS": "military_base",
    "INSM": "military_base",
    "ISL": "island",
    "ISLS": "island",
    "ISLT": "island",
    "ISLET": "island",
    "ISLM": "island",
    "ISLF": "island",
    "PEN": "peninsula",
    "SPIT": "spit",
    "CAPE": "cape",
    "PT": "cape",
    "MT": "mountain",
    "MTS": "mountain",
    "PK": "mountain",
    "PKS": "mountain",
    "HLL": "mountain",
    "HLLS": "mountain",
    "VLC": "mountain",
    "PASS": "pass",
    "VAL": "valley",
    "DSRT": "desert",
    "PLN": "plain",
    "PLAT": "plateau",
    "RGN": "region",
    "RGNE": "region",
    "RGNH": "region",
    "AREA": "region",
    "PRK": "park",
    "RESN": "park",
    "RESF": "forest",
    "FRST": "forest",
}
_CLASS_KINDS = {
    "A": "region",
    "P": "city",
    "H": "water",
    "S": "building",
    "T": "landform",
    "L": "area",
    "R": "road",
    "V": "forest",
    "U": "undersea",
}


@dataclass(frozen=True)
class ImportResult:
    name: str
    path: Path
    places: int
    skipped: int
    replaced: bool


def geonames_kind(feature_class: str, feature_code: str) -> str:
    """The geomap kind for a GeoNames feature class and code (P -> city, A.ADM1 -> admin1,
    H.STM -> river, S.BDG -> bridge...)."""
    code = feature_code.strip().upper()
    if code.startswith("STM"):  # streams: STM, STMI, STMX, STMS, STMM, STMC...
        return "river"
    if code in _CODE_KINDS:
        return _CODE_KINDS[code]
    return _CLASS_KINDS.get(feature_class.strip().upper(), "place")


def imports_dir(cache_dir: Path | None = None) -> Path:
    return (cache_dir or default_cache_dir()) / "imports"


def default_import_name(path: Path) -> str:
    stem = path.name.split(".")[0] if path.name else "import"
    slug = re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-._")[:64]
    return slug or "import"


def check_import_name(name: str) -> str:
    if not _SLUG.match(name):
        raise GazetteerFileError(
            f"import name {name!r} must be a lowercase slug (letters, digits, '.', '_', '-')"
        )
    return name


def list_imports(cache_dir: Path | None = None) -> list[str]:
    return [p.stem for p in import_paths(cache_dir)]


# -- GeoNames dumps ------------------------------------------------------------------


class GeoNamesDumpSource:
    """Rows of a GeoNames dump file (``allCountries.txt``, ``UA.txt``, or a ``.zip`` of one)."""

    priority = IMPORT_PRIORITY

    def __init__(self, path: Path, name: str) -> None:
        self.path = Path(path)
        self.name = name
        self.skipped = 0

    def version(self) -> str:
        stat = self.path.stat()
        return f"geonames-dump:{self.path.name}:{stat.st_size}:{int(stat.st_mtime)}"

    def places(self) -> Iterator[PlaceRecord]:
        with _DumpFile(self.path) as (fh, label):
            # Lines are decoded one by one (not by a text wrapper reading ahead) so an
            # encoding error is reported on its own line.
            for line_no, raw in enumerate(fh, start=1):
                where = f"{label}: line {line_no}"
                try:
                    line = raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    raise GazetteerFileError(f"{where}: not UTF-8 text ({exc.reason})") from None
                if not line.strip() or line.startswith("#"):
                    continue
                yield _geonames_record(line, where, first=line_no == 1)


class _DumpFile:
    """``with _DumpFile(path) as (fh, label)``: a dump's lines as bytes, from a plain file
    or from the dump inside a GeoNames ``.zip``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._fh: IO[bytes] | None = None

    def __enter__(self) -> tuple[IO[bytes], str]:
        if self.path.suffix.lower() == ".zip":
            try:
                self._zip = zipfile.ZipFile(self.path)
            except zipfile.BadZipFile as exc:
                raise GazetteerFileError(f"{self.path}: not a readable zip file ({exc})") from None
            member = _dump_member(self._zip, self.path)
            self._fh = self._zip.open(member)
            return self._fh, f"{self.path}!{member}"
        self._fh = self.path.open("rb")
        return self._fh, str(self.path)

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._zip is not None:
            self._zip.close()


def _dump_member(archive: zipfile.ZipFile, path: Path) -> str:
    texts = [n for n in archive.namelist() if n.lower().endswith(".txt")]
    preferred = f"{path.stem}.txt"
    if preferred in texts:
        return preferred
    data = [n for n in texts if Path(n).name.lower() != "readme.txt"]
    if len(data) != 1:
        raise GazetteerFileError(
            f"{path}: expected one GeoNames .txt dump in the zip, found {data or 'none'}"
        )
    return data[0]


def _geonames_record(line: str, where: str, *, first: bool = False) -> PlaceRecord:
    fields = line.split("\t")
    if len(fields) != len(GEONAMES_COLUMNS):
        hint = (
            " - this does not look like a GeoNames dump (geonameid, name, asciiname, "
            "alternatenames, latitude, longitude, ...)"
            if first
            else ""
        )
        raise GazetteerFileError(
            f"{where}: expected {len(GEONAMES_COLUMNS)} tab-separated columns, "
            f"found {len(fields)}{hint}"
        )
    (
        gid,
        name,
        asciiname,
        alternates,
        lat,
        lon,
        fclass,
        fcode,
        cc,
        _cc2,
        admin1,
        _a2,
        _a3,
        _a4,
        population,
        *_rest,
    ) = fields
    try:
        geonameid = int(gid)
    except ValueError:
        raise GazetteerFileError(f"{where}: geonameid {gid!r} is not a whole number") from None
    name = name.strip()
    if not name:
        raise GazetteerFileError(f"{where}: the name column is empty")
    latitude = _coordinate(lat, "latitude", where, 90)
    longitude = _coordinate(lon, "longitude", where, 180)
    try:
        people = int(population) if population.strip() else 0
    except ValueError:
        raise GazetteerFileError(
            f"{where}: population {population!r} is not a whole number"
        ) from None
    alt = [asciiname.strip(), *(a.strip() for a in alternates.split(","))]
    kind = geonames_kind(fclass, fcode)
    return PlaceRecord(
        id=f"geonames:{geonameid}",
        name=name,
        kind=kind,
        lat=latitude,
        lon=longitude,
        country=cc.strip() or None,
        admin1=admin1.strip() or None,
        population=max(people, 0),
        geonameid=geonameid,
        feature_code=fcode.strip() or None,
        names=_name_types(name, [a for a in alt if a]),
    )


def _coordinate(value: str, column: str, where: str, bound: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise GazetteerFileError(f"{where}: {column} {value!r} is not a number") from None
    if not -bound <= number <= bound:
        raise GazetteerFileError(f"{where}: {column} {number} is outside [-{bound}, {bound}]")
    return number


# -- vector files ----------------------------------------------------------------------


class VectorSource:
    """Named features of a vector file GDAL can read (via pyogrio/geopandas)."""

    priority = IMPORT_PRIORITY

    def __init__(
        self,
        path: Path,
        name: str,
        *,
        name_field: str | None = None,
        kind: str | None = None,
        layer: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.name = name
        self.name_field = name_field
        self.kind = kind
        self.layer = layer
        self.skipped = 0

    def version(self) -> str:
        stat = self.path.stat()
        return (
            f"vector:{self.path.name}:{stat.st_size}:{int(stat.st_mtime)}:"
            f"{self.layer}:{self.name_field}:{self.kind}"
        )

    def places(self) -> Iterator[PlaceRecord]:
        frame = self._read()
        field = self._name_column(list(frame.columns))
        columns = {c.lower(): c for c in frame.columns if c != "geometry"}
        self.skipped = 0
        for number, (_, row) in enumerate(frame.iterrows(), start=1):
            where = f"{self.path}: feature {number}"
            record = self._record(row, field, columns, where, number)
            if record is None:
                self.skipped += 1
                continue
            yield record

    def _read(self):  # noqa: ANN202 - a GeoDataFrame
        import pyogrio
        from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

        errors = (DataSourceError, DataLayerError, FieldError, GeometryError, ValueError, OSError)
        try:
            layers = [str(row[0]) for row in pyogrio.list_layers(self.path)]
        except errors as exc:
            raise GazetteerFileError(
                f"{self.path}: not a vector file GDAL can read ({_gdal_message(exc)})"
            ) from None
        if self.layer is None and len(layers) > 1:
            raise GazetteerFileError(
                f"{self.path}: has {len(layers)} layers ({', '.join(layers)}); "
                "choose one with --layer"
            )
        if self.layer is not None and self.layer not in layers:
            raise GazetteerFileError(
                f"{self.path}: no layer {self.layer!r} (layers: {', '.join(layers)})"
            )
        try:
            frame = pyogrio.read_dataframe(self.path, layer=self.layer, on_invalid="ignore")
        except errors as exc:
            raise GazetteerFileError(
                f"{self.path}: cannot read features ({_gdal_message(exc)})"
            ) from None
        if "geometry" not in frame.columns:
            raise GazetteerFileError(f"{self.path}: the layer has no geometry column")
        if frame.crs is not None and frame.crs.to_epsg() != 4326:
            try:
                frame = frame.to_crs(4326)
            except Exception as exc:  # noqa: BLE001 - pyproj raises several types
                raise GazetteerFileError(
                    f"{self.path}: cannot reproject from {frame.crs} to WGS84 ({exc})"
                ) from None
        elif frame.crs is None and len(frame):
            west, south, east, north = frame.total_bounds
            if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
                raise GazetteerFileError(
                    f"{self.path}: has no coordinate reference system and its coordinates "
                    "are not longitude/latitude; add a .prj or reproject it to EPSG:4326"
                )
        return frame

    def _name_column(self, columns: list[str]) -> str:
        fields = [c for c in columns if c != "geometry"]
        if self.name_field is not None:
            if self.name_field not in fields:
                raise GazetteerFileError(
                    f"{self.path}: no field {self.name_field!r} "
                    f"(fields: {', '.join(fields) or 'none'})"
                )
            return self.name_field
        for candidate in _NAME_FIELDS:
            if candidate in fields:
                return candidate
        raise GazetteerFileError(
            f"{self.path}: no name field (fields: {', '.join(fields) or 'none'}); "
            "choose one with --name-field"
        )

    def _record(
        self,
        row,
        field: str,
        columns: dict[str, str],
        where: str,
        number: int,  # noqa: ANN001
    ) -> PlaceRecord | None:
        import shapely

        name = _text(row[field])
        geom = row["geometry"]
        if not name or geom is None or geom.is_empty:
            return None  # unnamed or unlocated features are common and carry nothing to find
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        if geom.geom_type == "Point":
            anchor, wkt = geom, None
        else:
            anchor = geom.representative_point()
            wkt = shapely.to_wkt(geom, rounding_precision=6, trim=True)
        lat, lon = float(anchor.y), float(anchor.x)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise GazetteerFileError(
                f"{where}: position ({lat}, {lon}) is not a longitude/latitude"
            )

        def value(key: str) -> str:
            return _text(row[columns[key]]) if key in columns else ""

        population = value("population")
        try:
            people = int(float(population)) if population else 0
        except ValueError:
            raise GazetteerFileError(
                f"{where}: population {population!r} is not a number"
            ) from None
        alternates = [a.strip() for a in value("alt_names").split("|") if a.strip()]
        return PlaceRecord(
            id=f"import:{self.name}:{number}",
            name=name,
            kind=self.kind or value("kind") or "place",
            lat=round(lat, 6),
            lon=round(lon, 6),
            country=(value("country") or None),
            admin1=(value("admin1") or None),
            population=max(people, 0),
            wkt=wkt,
            names=((name, "name"), *((a, "alt") for a in alternates if a != name)),
        )


def _gdal_message(exc: BaseException) -> str:
    # GDAL appends advice about driver prefixes that does not apply here.
    return str(exc).split("; It might help", 1)[0].rstrip(".; ")


def _text(value: object) -> str:
    if value is None:
        return ""
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


# -- import / remove -------------------------------------------------------------------


def detect_format(path: Path) -> str:
    """ "geonames", "vector" or "table" for a file, from its name and first line."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "table"
    if suffix in VECTOR_SUFFIXES:
        return "vector"
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n.lower() for n in archive.namelist()]
        except zipfile.BadZipFile as exc:
            raise GazetteerFileError(f"{path}: not a readable zip file ({exc})") from None
        if any(Path(n).suffix in VECTOR_SUFFIXES for n in names):
            return "vector"
        return "geonames"
    try:
        with path.open("rb") as fh:
            first = fh.readline(1 << 16)
    except OSError as exc:
        raise GazetteerFileError(f"{path}: cannot read ({exc.strerror})") from None
    if first.count(b"\t") == len(GEONAMES_COLUMNS) - 1:
        return "geonames"
    if suffix in {".txt", ".tsv"}:
        found = first.count(b"\t") + 1
        raise GazetteerFileError(
            f"{path}: line 1: expected {len(GEONAMES_COLUMNS)} tab-separated columns of a "
            f"GeoNames dump, found {found}"
        )
    return "vector"  # let GDAL decide; it names what it could not read


def import_file(
    path: Path,
    *,
    name: str | None = None,
    fmt: str = "auto",
    name_field: str | None = None,
    kind: str | None = None,
    layer: str | None = None,
    cache_dir: Path | None = None,
    progress: bool | None = None,
) -> ImportResult:
    """Compile ``path`` into ``<cache>/imports/<name>.sqlite`` (atomically) and report it."""
    path = Path(path)
    if not path.is_file():
        raise GazetteerFileError(f"{path}: no such file")
    name = check_import_name(name or default_import_name(path))
    if fmt not in FORMATS:
        raise GazetteerFileError(f"unknown import format {fmt!r} (use {', '.join(FORMATS)})")
    if fmt == "auto":
        fmt = detect_format(path)
    source: GeoNamesDumpSource | VectorSource | TableSource
    if fmt == "geonames":
        source = GeoNamesDumpSource(path, name)
    elif fmt == "vector":
        source = VectorSource(path, name, name_field=name_field, kind=kind, layer=layer)
    else:
        source = TableSource(name, [path], priority=IMPORT_PRIORITY, prefix=f"import:{name}")
    target = imports_dir(cache_dir) / f"{name}.sqlite"
    replaced = target.exists()
    build_index([source], target, progress=progress, words=False)
    con = open_layer(target)
    try:
        places = con.execute("SELECT count(*) FROM places").fetchone()[0]
    finally:
        con.close()
    return ImportResult(name, target, places, getattr(source, "skipped", 0), replaced)


def remove_import(name: str, cache_dir: Path | None = None) -> Path:
    """Delete the imported layer ``name``; raises ``GazetteerFileError`` if there is none."""
    check_import_name(name)
    target = imports_dir(cache_dir) / f"{name}.sqlite"
    if not target.exists():
        known = list_imports(cache_dir)
        raise GazetteerFileError(
            f"no gazetteer import named {name!r} "
            f"({'imports: ' + ', '.join(known) if known else 'nothing has been imported'})"
        )
    target.unlink()
    return target
