"""End to end: ``geomap build`` on the seeds and on texts written for these tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from geojson_check import check_rfc7946

from geomap.pipeline import build

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_IDS = sorted(p.stem for p in SEEDS.glob("*.txt"))
#: What the README's first Quick start command builds into outputs/.
SEED_FORMATS = ("html", "geojson", "gpkg", "csv")


def _same(a: Path, b: Path) -> bool:
    """Byte-identical, except a GeoPackage: SQLite's spatial-index pages vary between
    writes of the same rows, so there every table but the R-tree must be identical."""
    if a.suffix != ".gpkg":
        return a.read_bytes() == b.read_bytes()
    import sqlite3

    def dump(path: Path) -> list[str]:
        con = sqlite3.connect(path)
        lines = [line for line in con.iterdump() if "rtree_" not in line]
        con.close()
        return lines

    return dump(a) == dump(b)


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory, pipeline):  # noqa: ANN001, ANN201
    out = tmp_path_factory.mktemp("seed-build")
    # Run as the Quick start does, from the checkout with a relative input: the
    # GeoPackage's documents table records each input path as it was given.
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        report = build(["seeds"], out, formats=SEED_FORMATS, pipeline=pipeline)
    finally:
        os.chdir(cwd)
    assert report.ok, report.failures
    return out, report


def test_writes_per_article_and_combined_outputs(seed_build) -> None:  # noqa: ANN001
    out, report = seed_build
    names = {p.name for p in out.iterdir()}
    for stem in [*SEED_IDS, "combined"]:
        assert {f"{stem}.html", f"{stem}.geojson"} <= names
    assert set(report.outputs) == {*SEED_IDS, "combined"}


def test_geojson_is_rfc7946_and_reads_back_with_geopandas(seed_build) -> None:  # noqa: ANN001
    out, report = seed_build
    for path in sorted(out.glob("*.geojson")):
        data = check_rfc7946(path)
        frame = gpd.read_file(path)
        assert frame.crs.to_epsg() == 4326
        assert len(frame) == len(data["features"])
        events = frame[frame["layer"] == "event"]
        assert len(events) == report.events[path.stem]
        assert events["event_type"].notna().all()


def test_build_is_byte_identical_when_repeated(seed_build, tmp_path, pipeline) -> None:  # noqa: ANN001
    out, _ = seed_build
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        build(["seeds"], tmp_path, formats=SEED_FORMATS, pipeline=pipeline)
    finally:
        os.chdir(cwd)
    for path in sorted(out.iterdir()):
        assert _same(tmp_path / path.name, path), path.name


def test_committed_outputs_are_current(seed_build) -> None:  # noqa: ANN001
    out, _ = seed_build
    committed = ROOT / "outputs"
    stale = [
        p.name
        for p in sorted(out.iterdir())
        if not (committed / p.name).exists() or not _same(committed / p.name, p)
    ]
    assert not stale, (
        f"outputs/ is stale for {stale}: run `nox -s seeds` (geomap build seeds --out outputs)"
    )


def _features(out: Path, stem: str) -> list[dict]:
    return json.loads((out / f"{stem}.geojson").read_text(encoding="utf-8"))["features"]


def test_seed_places_resolve_from_the_gazetteer(seed_build) -> None:  # noqa: ANN001
    out, _ = seed_build
    feats = _features(out, "combined")
    places = {
        f["properties"]["place_id"]: f["properties"]
        for f in feats
        if f["properties"]["layer"] == "place"
    }
    by_name = {p["name"]: p for p in places.values()}
    kherson = by_name["Kherson"] if by_name["Kherson"]["kind"] == "city" else None
    assert kherson is not None
    assert abs(kherson["latitude"] - 46.64) < 0.05 and abs(kherson["longitude"] - 32.61) < 0.05
    for name in ("Mykolayiv", "Kharkiv", "Kyiv", "Mariupol"):
        assert name in by_name, name
    kinds = {(p["name"], p["kind"]) for p in places.values()}
    assert ("Kherson", "admin1") in kinds, "the Kherson region is an area-level place"
    for country in ("Russia", "Ukraine", "United States"):
        assert by_name[country]["kind"] == "country"
    assert "metonymy" in by_name["Moscow"]["role"]
    for not_a_place in ("Sky", "CNN", "NPR", "Telegram", "Getty", "Mark", "Ben", "Reuters"):
        assert not any(p["name"] == not_a_place for p in places.values()), not_a_place


def test_seed_river_bridge_district_and_banks(seed_build) -> None:  # noqa: ANN001
    out, _ = seed_build
    feats = _features(out, "000_7887cc4c155de136")
    rivers = [f for f in feats if f["properties"]["layer"] == "river"]
    assert len(rivers) == 1, "Dnipro and Dnieper are one river feature"
    assert rivers[0]["geometry"]["type"] in ("LineString", "MultiLineString")
    props = [f["properties"] for f in feats]
    bridge = [p for p in props if p["kind"] == "bridge"]
    assert (
        bridge
        and abs(bridge[0]["latitude"] - 46.67) < 0.03
        and abs(bridge[0]["longitude"] - 32.72) < 0.03
    )
    assert any(p["kind"] == "district" and "Shumensk" in p["name"] for p in props)
    banks = {p["name"] for p in props if p["layer"] == "area"}
    assert any(b.startswith("east bank") for b in banks) and any(
        b.startswith("west bank") for b in banks
    )
    assert not any(
        p["layer"] == "event" and p["place_id"] and "Kremlin" in p["name"] for p in props
    )


TEXTS = {
    "no-places": "The committee met on Tuesday and agreed next year's budget after a long debate.",
    "flood": "Heavy rain flooded the city of Porto Alegre in southern Brazil on Monday, and residents "
    "were evacuated from the Guaiba river banks. Officials in Brasilia promised aid.",
    "protest": "Thousands of protesters gathered in Tbilisi on Sunday to demonstrate against the new law. "
    "Police later clashed with demonstrators near the parliament.",
    "xss": "Troops entered Bucha <script>window.__xss = 1</script> on Friday. "
    '<img src=x onerror="window.__xss = 2"> Crowds celebrated in Irpin. javascript:alert(1)',
    # Jinja syntax: folium and branca render markup through Jinja templates
    "jinja": "Russian forces shelled Kharkiv on Thursday, killing five civilians, officials said "
    "{{ 7*7 }} and {% if true %}evaluated{% endif %}{# hidden #} today.",
}
TITLES = {"jinja": "{{ 6*7 }} in Kharkiv"}


@pytest.fixture(scope="module")
def text_build(tmp_path_factory, pipeline):  # noqa: ANN001, ANN201
    src = tmp_path_factory.mktemp("texts")
    for name, text in TEXTS.items():
        (src / f"{name}.txt").write_text(text, encoding="utf-8")
        (src / f"{name}.meta.json").write_text(
            json.dumps({"title": TITLES.get(name, name), "date": "2024-05-10"}), encoding="utf-8"
        )
    out = tmp_path_factory.mktemp("text-out")
    report = build([src], out, pipeline=pipeline)
    return out, report


def test_text_without_places_gives_a_valid_empty_map(text_build) -> None:  # noqa: ANN001
    out, report = text_build
    data = check_rfc7946(out / "no-places.geojson")
    assert data["features"] == []
    page = (out / "no-places.html").read_text(encoding="utf-8")
    assert "No events with a place were found" in page
    assert report.events["no-places"] == 0


def test_unseen_texts_find_their_places(text_build) -> None:  # noqa: ANN001
    out, _ = text_build
    flood = {f["properties"]["name"] for f in _features(out, "flood")}
    assert {"Porto Alegre", "Brazil"} <= flood
    protest = _features(out, "protest")
    assert any(
        f["properties"]["name"] == "Tbilisi" and f["properties"]["layer"] == "event"
        for f in protest
    )


def test_article_text_is_escaped_in_html(text_build) -> None:  # noqa: ANN001
    out, _ = text_build
    page = (out / "xss.html").read_text(encoding="utf-8")
    assert "<script>window.__xss" not in page
    assert "<img src=x onerror" not in page
    assert "&lt;script&gt;window.__xss" in page


def test_article_text_is_never_run_as_a_template(text_build) -> None:  # noqa: ANN001
    out, report = text_build
    assert report.events["jinja"] >= 1
    page = (out / "jinja.html").read_text(encoding="utf-8")
    quote = "officials said {{ 7*7 }} and {% if true %}evaluated{% endif %}{# hidden #} today."
    assert page.count(quote) >= 2, "the quote, as written, in the popup and the panel"
    assert "<title>{{ 6*7 }} in Kharkiv</title>" in page
    assert "said 49" not in page and "42 in Kharkiv" not in page
    assert "}evaluated{" in page


def test_a_geojson_build_loads_no_map_or_gis_library(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXTS["protest"], encoding="utf-8")
    code = (
        "import sys\n"
        "from geomap.batch import build\n"
        f"report = build([{str(tmp_path / 'a.txt')!r}], {str(tmp_path / 'out')!r},"
        " formats=['geojson'])\n"
        "assert report.ok and report.events, report.failures\n"
        "heavy = sorted({'folium', 'geopandas', 'pyogrio', 'pandas', 'matplotlib'} & set(sys.modules))\n"
        "assert not heavy, heavy\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert (tmp_path / "out" / "a.geojson").exists()


def test_a_folium_map_saved_by_the_caller_is_safe_too(tmp_path: Path, pipeline) -> None:  # noqa: ANN001
    from geomap.pipeline import geoparse
    from geomap.render.html import MapText, build_map

    doc = geoparse(TEXTS["jinja"], date="2024-05-10", pipeline=pipeline)
    fmap = build_map(list(doc.events), [doc], MapText(title="{{ 6*7 }}"))
    fmap.save(str(tmp_path / "saved.html"))
    saved = (tmp_path / "saved.html").read_text(encoding="utf-8")
    assert "officials said {{ 7*7 }} and {% if true %}evaluated{% endif %}" in saved
    assert "said 49" not in saved and "<title>42</title>" not in saved


def test_bad_input_is_reported_and_the_rest_still_build(tmp_path, pipeline) -> None:  # noqa: ANN001
    (tmp_path / "good.txt").write_text(
        "Fighting was reported in Kharkiv on Friday.", encoding="utf-8"
    )
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 in Li\xe8ge".encode("latin-1"))
    report = build([tmp_path, tmp_path / "missing.txt"], tmp_path / "out", pipeline=pipeline)
    errors = {Path(f.source).name: f.error for f in report.failures}
    assert "empty document" in errors["empty.txt"]
    assert "not UTF-8" in errors["latin1.txt"]
    assert "no such file" in errors["missing.txt"]
    assert (tmp_path / "out" / "good.html").exists()


def test_cli_build_and_extract_jsonl(tmp_path) -> None:  # noqa: ANN001
    seed = tmp_path / "seeds"
    shutil.copytree(SEEDS, seed)
    run = subprocess.run(
        [sys.executable, "-m", "geomap", "build", str(seed), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "combined" in run.stdout
    text = "Fighting near Kherson's port. Moscow said nothing."
    line = json.dumps({"id": "a1", "text": text, "date": "2022-11-11"})
    run = subprocess.run(
        [sys.executable, "-m", "geomap", "extract", "--jsonl"],
        input=line + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["id"] == "a1"
    kherson = next(m for m in result["mentions"] if m["name"] == "Kherson")
    assert text[kherson["start"] : kherson["end"]] == "Kherson"
    assert kherson["lat"] is not None and {"geonameid", "country", "score", "kind"} <= set(kherson)
    assert {"events"} <= set(result)
