"""``geomap gazetteer import``: GeoNames dumps and vector files become extra layers.

Imports are built into a temporary cache folder. The bundled base layer is the real one
from the default cache (built once per session by the ``gazetteer`` fixture), linked into
the temporary folder, so no test rebuilds it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geomap.cli import app
from geomap.gazetteer import Gazetteer
from geomap.gazetteer.imports import geonames_kind, import_file, remove_import
from geomap.gazetteer.index import open_index
from geomap.gazetteer.lookup import base_index_path, open_layer
from geomap.gazetteer.tables import GazetteerFileError

DUMP_ROWS = [
    # geonameid, name, asciiname, alternatenames, lat, lon, class, code, cc, cc2, admin1,
    # admin2, admin3, admin4, population, elevation, dem, timezone, modified
    [
        "9990001",
        "Zzyzxville",
        "Zzyzxville",
        "Zzyzx Town,Зизиксвиль",
        "35.1433",
        "-116.1046",
        "P",
        "PPL",
        "US",
        "",
        "CA",
        "071",
        "",
        "",
        "1200",
        "",
        "283",
        "America/Los_Angeles",
        "2024-01-01",
    ],
    [
        "9990002",
        "Zzyzx Creek",
        "Zzyzx Creek",
        "",
        "35.15",
        "-116.11",
        "H",
        "STM",
        "US",
        "",
        "CA",
        "",
        "",
        "",
        "0",
        "",
        "280",
        "America/Los_Angeles",
        "2024-01-01",
    ],
    [
        "9990003",
        "Quuxshire",
        "Quuxshire",
        "Quux County",
        "51.0",
        "-1.0",
        "A",
        "ADM1",
        "GB",
        "",
        "ENG",
        "",
        "",
        "",
        "50000",
        "",
        "",
        "Europe/London",
        "2024-01-01",
    ],
    [
        "9990004",
        "Foobar Bridge",
        "Foobar Bridge",
        "",
        "51.01",
        "-1.01",
        "S",
        "BDG",
        "GB",
        "",
        "ENG",
        "",
        "",
        "",
        "0",
        "",
        "",
        "Europe/London",
        "2024-01-01",
    ],
]


def write_dump(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def cache(tmp_path: Path, gazetteer: Gazetteer) -> Path:
    """An empty cache folder whose base index is the real one (a symlink, not a rebuild)."""
    base = base_index_path()
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / base.name).symlink_to(base)
    return folder


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    return write_dump(tmp_path / "US.txt", DUMP_ROWS)


def layered(cache: Path, *names: str) -> Gazetteer:
    """The base layer plus the named imports, opened directly."""
    layers = [open_index(base_index_path())]
    layers += [open_layer(cache / "imports" / f"{n}.sqlite") for n in names]
    return Gazetteer(layers)


def test_geonames_dump_import_is_searchable(cache: Path, dump: Path) -> None:
    result = import_file(dump, name="zz", cache_dir=cache)
    assert (result.name, result.places, result.replaced) == ("zz", 4, False)
    assert result.path == cache / "imports" / "zz.sqlite"

    gaz = layered(cache, "zz")
    top = gaz.search("Zzyzxville", limit=1)[0].place
    assert (top.id, top.kind, top.country, top.admin1, top.population) == (
        "geonames:9990001",
        "city",
        "US",
        "CA",
        1200,
    )
    assert (top.lat, top.lon) == (35.1433, -116.1046) and top.source == "zz"
    assert gaz.search("Зизиксвиль", limit=1)[0].place.id == "geonames:9990001"
    assert gaz.search("Zzyzx Town", limit=1)[0].place.id == "geonames:9990001"
    assert gaz.lookup("Zzyzx Creek")[0].place.kind == "river"
    assert gaz.lookup("Quux County")[0].place.kind == "admin1"
    assert gaz.lookup("Foobar Bridge")[0].place.kind == "bridge"
    # the bundled layer is still there underneath
    assert gaz.search("Kyiv", limit=1)[0].place.id == "geonames:703448"


def test_default_gazetteer_opens_imports(cache: Path, dump: Path) -> None:
    import_file(dump, name="zz", cache_dir=cache)
    gaz = Gazetteer.default(cache_dir=cache)
    assert gaz.search("Zzyzxville", limit=1)[0].place.name == "Zzyzxville"
    assert len(gaz.info()["layers"]) == 2


def test_feature_classes_and_codes_map_to_kinds() -> None:
    assert geonames_kind("P", "PPLC") == "city"
    assert geonames_kind("P", "PPLX") == "district"
    assert geonames_kind("A", "ADM1") == "admin1"
    assert geonames_kind("A", "PCLI") == "country"
    assert geonames_kind("H", "STMI") == "river"
    assert geonames_kind("H", "LK") == "lake"
    assert geonames_kind("S", "BDG") == "bridge"
    assert geonames_kind("S", "MUS") == "landmark"
    assert geonames_kind("S", "HTL") == "building"
    assert geonames_kind("T", "ISL") == "island"
    assert geonames_kind("", "") == "place"


def test_geojson_vector_import(cache: Path, tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"name": "Qwertyton", "population": 900},
            "geometry": {"type": "Point", "coordinates": [24.1, 56.9]},
        },
        {
            "type": "Feature",
            "properties": {"name": "Qwerty Stream", "kind": "river"},
            "geometry": {
                "type": "LineString",
                "coordinates": [[24.0, 56.0], [24.5, 56.2], [25.0, 56.1]],
            },
        },
        {
            "type": "Feature",
            "properties": {"name": "Qwerty Park", "alt_names": "Parc Qwerty"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[23.0, 55.0], [23.2, 55.0], [23.2, 55.2], [23.0, 55.2], [23.0, 55.0]]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"name": None},
            "geometry": {"type": "Point", "coordinates": [1.0, 1.0]},
        },
    ]
    path = tmp_path / "places.geojson"
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection), encoding="utf-8")

    result = import_file(path, cache_dir=cache)
    assert (result.name, result.places, result.skipped) == ("places", 3, 1)
    gaz = layered(cache, "places")
    town = gaz.lookup("Qwertyton")[0].place
    assert (town.lat, town.lon, town.population, town.geometry) == (56.9, 24.1, 900, None)
    stream = gaz.lookup("Qwerty Stream")[0].place
    assert stream.kind == "river" and stream.geometry.geom_type == "LineString"
    assert stream.geometry.distance(_point(stream.lon, stream.lat)) < 1e-6  # anchored on the line
    park = gaz.lookup("Parc Qwerty")[0].place
    assert park.name == "Qwerty Park" and park.kind == "place"
    assert park.geometry.contains(_point(park.lon, park.lat))


def test_vector_name_field(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "named.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"TITLE": "Asdfburg", "NAME_EN": "Asdf Town"},
                        "geometry": {"type": "Point", "coordinates": [10.0, 50.0]},
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    no_field = r"named\.geojson: no name field \(fields: TITLE, NAME_EN\)"
    with pytest.raises(GazetteerFileError, match=no_field):
        import_file(path, cache_dir=cache)
    with pytest.raises(GazetteerFileError, match=r"no field 'title'"):
        import_file(path, cache_dir=cache, name_field="title")
    import_file(path, cache_dir=cache, name_field="NAME_EN", kind="city")
    place = layered(cache, "named").lookup("Asdf Town")[0].place
    assert place.kind == "city" and place.id == "import:named:1"


def test_malformed_row_names_file_and_line_and_keeps_the_old_layer(
    cache: Path, dump: Path, tmp_path: Path
) -> None:
    import_file(dump, name="zz", cache_dir=cache)
    before = (cache / "imports" / "zz.sqlite").read_bytes()
    bad_rows = [list(r) for r in DUMP_ROWS]
    bad_rows[2][4] = "north"
    bad = write_dump(tmp_path / "bad.txt", bad_rows)
    message = r"bad\.txt: line 3: latitude 'north' is not a number"
    with pytest.raises(GazetteerFileError, match=message):
        import_file(bad, name="zz", cache_dir=cache)
    # the failed build left the existing layer byte-identical and no temporary files behind
    assert (cache / "imports" / "zz.sqlite").read_bytes() == before
    assert sorted(p.name for p in (cache / "imports").iterdir()) == ["zz.sqlite"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a\tb\tc\n", r"line 1: expected 19 tab-separated columns of a GeoNames dump, found 3"),
        (
            "\t".join(DUMP_ROWS[0]) + "\n" + "1\tX\tX\t\t1\t2\tP\tPPL\tUS\n",
            r"line 2: expected 19 tab-separated columns, found 9",
        ),
        (
            "\t".join(DUMP_ROWS[0]) + "\n" + "\t".join(["x", *DUMP_ROWS[1][1:]]) + "\n",
            r"line 2: geonameid 'x' is not a whole number",
        ),
        (
            "\t".join(DUMP_ROWS[0])
            + "\n"
            + "\t".join([*DUMP_ROWS[1][:5], "200", *DUMP_ROWS[1][6:]])
            + "\n",
            r"line 2: longitude 200.0 is outside \[-180, 180\]",
        ),
    ],
    ids=["wrong-format", "missing-columns", "bad-id", "out-of-range"],
)
def test_bad_dumps_are_rejected_with_file_and_line(
    cache: Path, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "dump.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GazetteerFileError, match=r"dump\.txt: " + message):
        import_file(path, cache_dir=cache)
    assert not (cache / "imports" / "dump.sqlite").exists()


def test_not_utf8_and_not_a_vector_file(cache: Path, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes(
        "\t".join(DUMP_ROWS[0]).encode()
        + b"\n"
        + "\t".join(["9990005", "Caf\xe9", *DUMP_ROWS[1][2:]]).encode("latin-1")
        + b"\n"
    )
    with pytest.raises(GazetteerFileError, match=r"latin1\.txt: line 2: not UTF-8 text"):
        import_file(latin1, cache_dir=cache)
    junk = tmp_path / "junk.shp"
    junk.write_text("not a shapefile", encoding="utf-8")
    with pytest.raises(GazetteerFileError, match=r"junk\.shp: not a vector file GDAL can read"):
        import_file(junk, cache_dir=cache)
    with pytest.raises(GazetteerFileError, match=r"missing\.txt: no such file"):
        import_file(tmp_path / "missing.txt", cache_dir=cache)
    with pytest.raises(GazetteerFileError, match=r"must be a lowercase slug"):
        import_file(latin1, name="../escape", cache_dir=cache)


def test_corrupt_imports_are_skipped_with_a_warning(
    cache: Path, dump: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_file(dump, name="zz", cache_dir=cache)
    imports = cache / "imports"
    (imports / "garbage.sqlite").write_bytes(b"this is not a database" * 100)
    sqlite3.connect(imports / "empty.sqlite").close()  # a valid SQLite file with no tables
    (imports / "truncated.sqlite").write_bytes((imports / "zz.sqlite").read_bytes()[:8192])
    (imports / ".gazetteer-inprogress.sqlite").write_bytes(b"")  # a build in progress
    capsys.readouterr()

    gaz = Gazetteer.default(cache_dir=cache)

    err = capsys.readouterr().err
    for name in ("garbage", "empty", "truncated"):
        assert f"skipping gazetteer import {imports / name}.sqlite" in err
    assert "inprogress" not in err
    assert len(gaz.info()["layers"]) == 2  # base + zz
    assert gaz.search("Zzyzxville", limit=1)[0].place.name == "Zzyzxville"


def test_cli_import_and_remove(cache: Path, dump: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(cache))
    runner = CliRunner()
    result = runner.invoke(app, ["gazetteer", "import", str(dump), "--name", "mine"])
    assert result.exit_code == 0, result.output
    assert "imported 'mine': 4 places" in result.output
    again = runner.invoke(app, ["gazetteer", "import", str(dump), "--name", "mine"])
    assert again.exit_code == 0 and "replaced 'mine'" in again.output

    found = runner.invoke(app, ["resolve", "Zzyzxville", "--limit", "1"])
    assert found.exit_code == 0 and "geonames:9990001" in found.output

    removed = runner.invoke(app, ["gazetteer", "remove", "mine"])
    assert removed.exit_code == 0 and not (cache / "imports" / "mine.sqlite").exists()
    missing = runner.invoke(app, ["gazetteer", "remove", "mine"])
    assert missing.exit_code == 2 and "no gazetteer import named 'mine'" in missing.output
    with pytest.raises(GazetteerFileError):
        remove_import("mine", cache_dir=cache)


def test_cli_import_error_exit_code(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(cache))
    bad = tmp_path / "bad.txt"
    bad.write_text("only one column\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["gazetteer", "import", str(bad)])
    assert result.exit_code == 2
    assert "bad.txt: line 1: expected 19 tab-separated columns" in result.output


def _point(lon: float, lat: float):  # noqa: ANN202 - shapely type
    from shapely import Point

    return Point(lon, lat)
