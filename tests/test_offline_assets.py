"""``geomap.render.offline.inline_assets``: folium pages with no CDN, in source and in Chromium."""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import folium
import pytest
from folium.plugins import Fullscreen, MarkerCluster

from geomap.render.offline import RemoteAssetError, inline_assets

TILE_HOST = "tile.openstreetmap.org"
PARIS = (48.8566, 2.3522)
LYON_AREA = [(45.76 + i * 0.02, 4.83 + i * 0.02) for i in range(5)]


def build_map() -> tuple[folium.Map, dict[str, str]]:
    """A map with every feature the renderer uses. Returns it and the JS names of its parts."""
    m = folium.Map(location=(47.0, 3.0), zoom_start=5, control_scale=True)
    paris = folium.CircleMarker(
        PARIS,
        radius=9,
        color="#c0392b",
        fill=True,
        fill_opacity=0.8,
        popup=folium.Popup("<b>Paris</b>: protest reported", max_width=300),
    ).add_to(m)
    cluster = MarkerCluster(name="events").add_to(m)
    for lat_lon in LYON_AREA:
        folium.CircleMarker(lat_lon, radius=6, popup="Lyon-area event").add_to(cluster)
    # A plain Marker uses L.Icon.Default. Its images must come from data URIs too.
    folium.Marker((43.2965, 5.3698), tooltip="Marseille").add_to(m)
    folium.Marker(
        (50.6292, 3.0573),
        icon=folium.DivIcon(
            html='<svg width="14" height="14"><circle cx="7" cy="7" r="6" fill="#8e44ad"/></svg>',
            icon_size=(14, 14),
            icon_anchor=(7, 7),
        ),
    ).add_to(m)
    Fullscreen().add_to(m)
    return m, {"map": m.get_name(), "paris": paris.get_name()}


def offline_html() -> tuple[str, dict[str, str]]:
    m, names = build_map()
    return inline_assets(m.get_root().render()), names


def test_folium_output_is_remote_before_inlining() -> None:
    # Guards the test itself: folium really links CDNs, or "nothing remote" would prove nothing.
    html = build_map()[0].get_root().render()
    assert 'src="https://' in html
    assert 'href="https://' in html


def test_no_remote_scripts_or_stylesheets_remain() -> None:
    html, _ = offline_html()
    assert not re.search(r"""<script\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//""", html, re.I)
    assert not re.search(r"""<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//""", html, re.I)
    # href="https://... is left only in attribution <a> links, which fetch nothing.
    assert not re.search(r"""<(?:script|link)\b[^>]*\b(?:src|href)="http""", html, re.I)
    # Dropped libraries are gone entirely, and vendored ones are inline exactly once.
    for gone in ("jquery-3", "bootstrap", "awesome-markers", "fontawesome", "awesome.rotate"):
        assert gone not in html.lower(), gone
    for name in (
        "leaflet.js",
        "leaflet.css",
        "leaflet.markercluster.js",
        "MarkerCluster.css",
        "MarkerCluster.Default.css",
        "Control.FullScreen.js",
        "Control.FullScreen.css",
    ):
        assert html.count(f"geomap: vendored {name} ") == 1, name
    assert "sourceMappingURL" not in html
    # Tile URL templates inside the map's JS are the one remote thing allowed.
    assert f"https://{TILE_HOST}/" in html


def test_unknown_remote_script_or_stylesheet_raises() -> None:
    page = (
        '<html><head><script src="https://cdn.example.com/d3.min.js"></script>'
        '<link rel="stylesheet" href="//cdn.example.com/x.css"/></head><body></body></html>'
    )
    with pytest.raises(RemoteAssetError) as err:
        inline_assets(page)
    assert err.value.urls == ["https://cdn.example.com/d3.min.js", "//cdn.example.com/x.css"]
    assert "cdn.example.com/d3.min.js" in str(err.value)


def test_local_and_inline_elements_are_untouched() -> None:
    page = (
        '<head><script src="app.js"></script><link rel="stylesheet" href="site.css">'
        "<script>var x = '<link href=\"https://a.b/c.css\">';</script></head>"
    )
    assert inline_assets(page) == page


def test_duplicate_links_are_inlined_once_and_jquery_ui_is_not_dropped() -> None:
    leaflet = '<script src="https://unpkg.com/leaflet@1.9.4/dist/leaflet.js"></script>'
    page = leaflet + leaflet.replace("unpkg.com", "cdn.jsdelivr.net/npm")
    assert inline_assets(page).count("geomap: vendored leaflet.js ") == 1
    with pytest.raises(RemoteAssetError, match="jquery-ui"):
        inline_assets(
            '<script src="https://cdnjs.cloudflare.com/ajax/libs/jqueryui/1.10.2/jquery-ui.min.js">'
            "</script>"
        )


def test_vendored_files_match_assets_md() -> None:
    static = resources.files("geomap") / "static"
    table = (static / "ASSETS.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `([^`]+)` \| [^|]+ \| `[^`]+` \| `([0-9a-f]{64})` \| (.+?) \|$", table, re.M
    )
    assert len(rows) == 13, rows
    for name, upstream, vendored in rows:
        changed = re.match(r"`([0-9a-f]{64})`", vendored)
        expected = changed.group(1) if changed else upstream
        assert changed or vendored == "same", (name, vendored)
        actual = hashlib.sha256((static / name).read_bytes()).hexdigest()
        assert actual == expected, name
    for css in ("leaflet.css", "Control.FullScreen.css"):
        text = (static / css).read_text(encoding="utf-8")
        assert not re.search(r"url\((?!\"data:|#)", text), css


@pytest.mark.browser
def test_inlined_map_works_in_chromium_without_network(browser, tmp_path: Path) -> None:
    from browser import console_errors, remote_requests, screenshot
    from selenium.webdriver.support.ui import WebDriverWait

    html, names = offline_html()
    page = tmp_path / "map.html"
    page.write_text(html, encoding="utf-8")

    with browser(page, 1024, 768) as driver:
        js = driver.execute_script
        WebDriverWait(driver, 15).until(
            lambda d: d.execute_script(
                "return !!document.querySelector('.leaflet-container .marker-cluster')"
            )
        )
        assert js("return typeof L") == "object"
        assert js("return L.version") == "1.9.4"
        assert js("return typeof L.MarkerClusterGroup") == "function"
        assert js("return typeof L.Control.FullScreen") == "function"
        assert js("return document.querySelectorAll('.leaflet-container').length") == 1

        # Controls and cluster icons exist and are styled by the inlined CSS.
        for selector in (
            ".leaflet-control-zoom",
            ".leaflet-control-zoom-fullscreen.fullscreen-icon",
            ".leaflet-control-scale",
            ".marker-cluster.marker-cluster-small",
        ):
            assert js(f"return document.querySelectorAll('{selector}').length") >= 1, selector
        assert js(
            "return getComputedStyle(document.querySelector('.fullscreen-icon')).backgroundImage"
        ).startswith('url("data:image/svg+xml;base64,')
        assert (
            js("return getComputedStyle(document.querySelector('.leaflet-pane')).position")
            == "absolute"
        )
        cluster_count = js("return document.querySelector('.marker-cluster span').textContent")
        assert cluster_count == str(len(LYON_AREA))

        # The default marker icon loads from a data URI.
        icon = js(
            "var i = document.querySelector('img.leaflet-marker-icon');"
            "return [i.src.slice(0, 22), i.complete, i.naturalWidth];"
        )
        assert icon == ["data:image/png;base64,", True, 25]

        # The fullscreen control really toggles fullscreen (a click counts as a user gesture).
        toggle = js("return document.querySelector('.leaflet-control-zoom-fullscreen')")
        toggle.click()
        WebDriverWait(driver, 5).until(
            lambda d: d.execute_script("return !!document.fullscreenElement")
        )
        assert js("return document.querySelectorAll('.leaflet-fullscreen-on').length") == 1
        toggle.click()
        WebDriverWait(driver, 5).until(
            lambda d: d.execute_script("return !document.fullscreenElement")
        )

        # A real click on the circle marker opens its popup, built by the jQuery stand-in.
        js(f"return {names['paris']}._path").click()
        WebDriverWait(driver, 5).until(
            lambda d: d.execute_script("return !!document.querySelector('.leaflet-popup-content')")
        )
        assert "Paris: protest reported" in js(
            "return document.querySelector('.leaflet-popup-content').textContent"
        )

        WebDriverWait(driver, 5).until(  # let the popup's fade-in finish before the screenshot
            lambda d: (
                d.execute_script(
                    "return getComputedStyle(document.querySelector('.leaflet-popup')).opacity"
                )
                == "1"
            )
        )
        assert js("return document.querySelectorAll('.leaflet-marker-icon svg circle').length") == 1
        shot = screenshot(driver, "offline_map")
        assert shot.stat().st_size > 5_000

        assert console_errors(driver, ignore=[TILE_HOST]) == []
        remote = remote_requests(driver)
        assert remote, "expected blocked tile requests; is request logging working?"
        assert {urlsplit(u).hostname for u in remote} == {TILE_HOST}, remote


@pytest.mark.browser
def test_harness_blocks_network_and_sees_errors(browser, tmp_path: Path) -> None:
    """The harness is not a no-op: errors are caught and the network is really unreachable."""
    from browser import console_errors, remote_requests
    from selenium.webdriver.support.ui import WebDriverWait

    page = tmp_path / "probe.html"
    page.write_text(
        "<!DOCTYPE html><title>probe</title><script>"
        "fetch('https://example.org/').then(() => document.title = 'REACHED',"
        " () => document.title = 'BLOCKED');"
        "console.error('probe error');"
        "</script>",
        encoding="utf-8",
    )
    with browser(page, 400, 300) as driver:
        WebDriverWait(driver, 10).until(lambda d: d.title != "probe")
        assert driver.title == "BLOCKED"
        assert any("probe error" in e for e in console_errors(driver))
        assert remote_requests(driver) == ["https://example.org/"]
