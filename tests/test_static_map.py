"""Static map images (``--format png,svg``): exact pixel size, valid SVG, same bytes every time."""

from __future__ import annotations

import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from geomap.pipeline import build
from geomap.render.html import MapText

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_IDS = sorted(p.stem for p in SEEDS.glob("*.txt"))
TITLE = 'Kherson & <Mykolaiv> "retaken" $5m'
SIZE, DPI = (900, 600), 100
SVG = "{http://www.w3.org/2000/svg}"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def images(tmp_path_factory, pipeline) -> Path:  # noqa: ANN001
    out = tmp_path_factory.mktemp("static")
    report = build(
        [SEEDS], out, formats=("png", "svg"), title=TITLE, size=SIZE, dpi=DPI, pipeline=pipeline
    )
    assert report.ok, report.failures
    return out


def test_build_writes_png_and_svg_per_article_and_combined(images: Path) -> None:
    names = {p.name for p in images.iterdir()}
    for stem in [*SEED_IDS, "combined"]:
        assert {f"{stem}.png", f"{stem}.svg"} <= names
    assert not any(n.endswith((".html", ".geojson")) for n in names), "only the formats asked for"


def test_png_has_the_requested_pixel_size(images: Path) -> None:
    for path in sorted(images.glob("*.png")):
        assert png_size(path.read_bytes()) == SIZE, path.name


@pytest.mark.parametrize(
    ("size", "dpi"), [((1200, 800), 150), ((1000, 750), 300), ((333, 257), 72), ((640, 480), 96)]
)
def test_png_size_is_exact_for_any_size_and_dpi(seed_docs, pipeline, gazetteer, size, dpi) -> None:  # noqa: ANN001
    from geomap.render.static import render_static
    from geomap.render.write import basemap_for

    parsed = pipeline(seed_docs[SEED_IDS[1]])
    basemap = basemap_for(gazetteer, parsed.events, [parsed])
    data = render_static(
        parsed.events, [parsed], MapText("Size"), basemap, fmt="png", size=size, dpi=dpi
    )
    assert png_size(data) == size


def test_svg_is_xml_with_the_title_as_escaped_text(images: Path) -> None:
    for path in sorted(images.glob("*.svg")):
        raw = path.read_text(encoding="utf-8")
        root = ET.fromstring(raw)
        assert root.tag == f"{SVG}svg"
        texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
        assert TITLE in texts, (path.name, texts[:5])
        assert "&lt;Mykolaiv&gt;" in raw and "<Mykolaiv>" not in raw
        assert "Map: geomap" in " ".join(texts), "the credit line is on the image"
        assert any(t.startswith("Battles") for t in texts), "the legend names the event types"
        assert "<script" not in raw


def test_renders_are_byte_identical(images: Path, tmp_path: Path, pipeline) -> None:  # noqa: ANN001
    build(
        [SEEDS],
        tmp_path,
        formats=("png", "svg"),
        title=TITLE,
        size=SIZE,
        dpi=DPI,
        pipeline=pipeline,
    )
    for path in sorted(images.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
    png = (images / "combined.png").read_bytes()
    assert b"matplotlib" not in png.lower() and b"Software" not in png
    svg = (images / "combined.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "matplotlib.org" not in svg


def test_map_without_events_or_basemap_still_renders() -> None:
    from geomap.render.static import render_static

    text = MapText("Nothing found", description="No places", source_line="Source: test")
    png = render_static([], [], text, None, fmt="png", size=(400, 300), dpi=100)
    assert png_size(png) == (400, 300)
    svg = render_static([], [], text, None, fmt="svg", size=(400, 300), dpi=100)
    assert "No events with a place found" in svg.decode("utf-8")


def test_bad_format_or_size_is_refused() -> None:
    from geomap.render.static import render_static

    with pytest.raises(ValueError, match="format"):
        render_static([], [], MapText("x"), None, fmt="jpg")
    with pytest.raises(ValueError, match="out of range"):
        render_static([], [], MapText("x"), None, fmt="png", size=(0, 10))


def test_matplotlib_loads_only_for_images() -> None:
    code = (
        "import sys, geomap.pipeline, geomap.render.write, geomap.render.html, geomap.cli\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr


def test_cli_size_and_dpi(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(
        "Shelling hit Kharkiv on Monday. Troops entered Izium on Friday.", encoding="utf-8"
    )
    (src / "a.meta.json").write_text(
        '{"title": "CLI image", "date": "2024-05-10"}', encoding="utf-8"
    )
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "geomap",
        "build",
        str(src),
        "--out",
        str(out),
        "--format",
        "png,svg",
    ]
    run = subprocess.run(
        [*cmd, "--size", "640x480", "--dpi", "80"], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert png_size((out / "a.png").read_bytes()) == (640, 480)
    root = ET.fromstring((out / "a.svg").read_bytes())
    assert root.get("viewBox") == f"0 0 {640 / 80 * 72:g} {480 / 80 * 72:g}"
    bad = subprocess.run([*cmd, "--size", "big"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and ("--size" in bad.stderr or "WIDTHxHEIGHT" in bad.stderr), (
        bad.stderr
    )
