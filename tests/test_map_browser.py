"""The published map in a real browser: headless Chromium (``tests/browser.py``), no network.

Maps are built from the seeds and from a made-up article full of XSS payloads. Each map must
draw as many event markers as its GeoJSON has events, log no console errors, fetch nothing but
map tiles, open popups that show article text as text, stay usable from the keyboard and on a
phone, and filter its markers by date. Screenshots land in ``tests/artifacts/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from geomap.pipeline import build

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_IDS = sorted(p.stem for p in SEEDS.glob("*.txt"))
#: The only hosts a map may contact: the opt-in online tile layer (off by default).
TILE_HOSTS = {
    "tile.openstreetmap.org",
    "a.tile.openstreetmap.org",
    "b.tile.openstreetmap.org",
    "c.tile.openstreetmap.org",
}
DESKTOP = (1280, 800)
PHONE = (360, 740)
MAX_HTML_BYTES = 1_500_000

XSS_TITLE = "Bucha <script>window.__xss=3</script> & `tick` ${alert(1)}"
XSS_TEXT = (
    'Troops entered Bucha on Friday <script>window.__xss=1</script> and residents said "we are '
    '`free` now ${alert(1)}" from C:\\users\\x.\n'
    '<img src=x onerror="window.__xss=2"> Crowds celebrated in Irpin on Saturday. '
    "Shelling hit Kharkiv on Monday.\n"
)
#: Backslashes matter too: folium puts popups in JS template literals, where "\\u" must be hex.
XSS_QUOTE_BITS = ("<script>window.__xss=1</script>", "`free`", "${alert(1)}", "C:\\users\\x")

#: Event markers held by the page's marker clusters (folium names them marker_cluster_<hex>).
COUNT_MARKERS_JS = """
return Object.keys(window)
  .filter(function (k) { return /^marker_cluster_[0-9a-f]+$/.test(k) && window[k] instanceof L.MarkerClusterGroup; })
  .reduce(function (n, k) { return n + window[k].getLayers().length; }, 0);
"""
#: Event markers drawn right now: single event icons plus the counts on cluster icons.
SHOWN_MARKERS_JS = """
var n = document.querySelectorAll(".leaflet-marker-pane .geomap-event").length;
document.querySelectorAll(".leaflet-marker-pane .marker-cluster span[aria-hidden]").forEach(function (s) {
  n += parseInt(s.textContent, 10);
});
return n;
"""
#: Zoom in on the marker whose tooltip mentions arguments[0] (so that it is not in a cluster)
#: and keep it in window.__geomapTarget; the test then waits for its icon. "busy" while the map
#: or the clusters are still animating (zooming then confuses leaflet.markercluster).
SHOW_MARKER_JS = """
var want = arguments[0];
var groups = Object.keys(window).filter(function (k) { return /^marker_cluster_[0-9a-f]+$/.test(k); });
for (var i = 0; i < groups.length; i++) {
  var group = window[groups[i]], layers = group.getLayers();
  for (var j = 0; j < layers.length; j++) {
    var tip = layers[j].getTooltip();
    if (tip && String(tip.getContent()).indexOf(want) >= 0) {
      if (group._inZoomAnimation || group._map._animatingZoom || group._map._panAnim && group._map._panAnim._inProgress) {
        return "busy";  // the opening fitBounds is still animating; ask again
      }
      window.__geomapTarget = layers[j];
      group._map.setView(layers[j].getLatLng(), 16, {animate: false});
      return true;
    }
  }
}
return false;
"""


def _show_marker(driver, want: str):  # noqa: ANN001, ANN202
    """The icon element of the event marker whose tooltip mentions ``want``, zoomed into view."""
    from selenium.webdriver.support.ui import WebDriverWait

    found = WebDriverWait(driver, 10).until(
        lambda d: d.execute_script(SHOW_MARKER_JS, want) != "busy"
    )
    assert found is True, f"no marker for {want!r}"
    return WebDriverWait(driver, 10).until(
        lambda d: d.execute_script(
            "var m = window.__geomapTarget;"
            "return m._icon && document.body.contains(m._icon) && m._icon.style.opacity !== '0' ? m._icon : null"
        )
    )


def _events(geojson: Path) -> list[dict]:
    features = json.loads(geojson.read_text(encoding="utf-8"))["features"]
    return [f["properties"] for f in features if f["properties"]["layer"] == "event"]


@pytest.fixture(scope="module")
def seed_maps(tmp_path_factory, pipeline) -> Path:  # noqa: ANN001
    out = tmp_path_factory.mktemp("browser-seeds")
    report = build([SEEDS], out, pipeline=pipeline)
    assert report.ok, report.failures
    return out


@pytest.fixture(scope="module")
def xss_maps(tmp_path_factory, pipeline) -> Path:  # noqa: ANN001
    src = tmp_path_factory.mktemp("browser-xss-in")
    (src / "xss.txt").write_text(XSS_TEXT, encoding="utf-8")
    meta = {"title": XSS_TITLE, "date": "2024-05-10", "url": "javascript:window.__xss=4"}
    (src / "xss.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (src / "oneday.txt").write_text("Shelling hit Kharkiv on Monday.", encoding="utf-8")
    (src / "oneday.meta.json").write_text(
        json.dumps({"title": "One day", "date": "2024-05-10"}), encoding="utf-8"
    )
    out = tmp_path_factory.mktemp("browser-xss-out")
    report = build([src], out, pipeline=pipeline)
    assert report.ok, report.failures
    assert report.events["xss"] == 3, report.events
    return out


#: The map's view and whether it is moving (the opening fitBounds animates).
VIEW_JS = """
var maps = Object.keys(window).filter(function (k) {
  return /^map_[0-9a-f]+$/.test(k) && window[k] instanceof L.Map;
});
if (maps.length !== 1) { return null; }
var m = window[maps[0]], c = m.getCenter();
var moving = !!m._animatingZoom || !!(m._panAnim && m._panAnim._inProgress);
return moving ? null : [m.getZoom(), c.lat, c.lng];
"""


def _ready(driver) -> None:  # noqa: ANN001
    """Wait for the page to load and the map to settle (same view twice, 300 ms apart)."""
    import time

    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 15).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && typeof L === 'object'"
            " && !!document.querySelector('.folium-map .geomap-legend')"
        )
    )
    last = None
    for _ in range(50):
        view = driver.execute_script(VIEW_JS)
        if view is not None and view == last:
            return
        last = view
        time.sleep(0.3)
    pytest.fail("the map never stopped moving")


def _wait_for_popup(driver) -> str:  # noqa: ANN001
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script(
            "var p = document.querySelector('.leaflet-popup');"
            "return !!p && getComputedStyle(p).opacity === '1'"
        )
    )
    return driver.execute_script(
        "return document.querySelector('.leaflet-popup-content').textContent"
    )


def _check_clean(driver) -> None:  # noqa: ANN001
    from browser import console_errors, remote_requests

    assert console_errors(driver, ignore=TILE_HOSTS) == []
    hosts = {urlsplit(u).hostname for u in remote_requests(driver)}
    assert hosts <= TILE_HOSTS, hosts


@pytest.mark.browser
@pytest.mark.parametrize("stem", [*SEED_IDS, "combined"])
def test_seed_map_draws_every_event_on_desktop_and_phone(
    browser, seed_maps: Path, stem: str
) -> None:
    from browser import screenshot
    from selenium.webdriver.support.ui import WebDriverWait

    expected = len(_events(seed_maps / f"{stem}.geojson"))
    assert expected > 0
    for (width, height), device in ((DESKTOP, "desktop"), (PHONE, "phone")):
        with browser(seed_maps / f"{stem}.html", width, height) as driver:
            js = driver.execute_script
            _ready(driver)
            assert js(COUNT_MARKERS_JS) == expected
            # Opened fitted to the events: every marker is drawn, alone or in a cluster.
            WebDriverWait(driver, 10).until(
                lambda d: d.execute_script(SHOWN_MARKERS_JS) == expected
            )

            frame = js(
                "var m = document.querySelector('.folium-map');"
                "return [m.getAttribute('role'), m.getAttribute('aria-label'), m.tabIndex]"
            )
            assert frame[0] == "region" and frame[1].startswith("Map: ") and frame[2] == 0
            assert js("return document.documentElement.lang") == "en"
            assert "user-scalable=no" not in js(
                "return document.querySelector('meta[name=viewport]').content"
            )
            # Nothing runs off the side of the page (the events table turns into cards on a phone).
            assert js("return document.documentElement.scrollWidth") <= width
            assert js("return document.querySelector('.leaflet-control-layers-expanded')") is None
            legend_open = js("return document.querySelector('.geomap-legend details').open")
            assert legend_open is (device == "desktop")
            # What the overlays (legend, layer control, timeline in the frame) cover of the map.
            covered = js("""
                var map = document.querySelector('.folium-map').getBoundingClientRect(), area = 0;
                document.querySelectorAll('.geomap-legend, .leaflet-control-layers, .folium-map .geomap-timeline')
                  .forEach(function (e) {
                    var r = e.getBoundingClientRect();
                    var w = Math.max(0, Math.min(r.right, map.right) - Math.max(r.left, map.left));
                    var h = Math.max(0, Math.min(r.bottom, map.bottom) - Math.max(r.top, map.top));
                    area += w * h;
                  });
                return area / (map.width * map.height);""")
            assert covered < (0.12 if device == "phone" else 0.2), covered
            if js("return !!document.getElementById('geomap-timeline')"):
                timeline_top, map_bottom = js(
                    "return [document.getElementById('geomap-timeline').getBoundingClientRect().top,"
                    " document.querySelector('.folium-map').getBoundingClientRect().bottom]"
                )
                if device == "phone":
                    assert timeline_top >= map_bottom - 1, (
                        "on a phone the timeline sits under the map"
                    )
                else:
                    assert js(
                        "return !!document.querySelector('.leaflet-bottom.leaflet-left #geomap-timeline')"
                    )
            shot = screenshot(driver, f"map_{stem}_{device}")
            assert shot.stat().st_size > 10_000
            _check_clean(driver)


def test_seed_html_stays_small(seed_maps: Path) -> None:
    for stem in SEED_IDS:
        size = (seed_maps / f"{stem}.html").stat().st_size
        assert size < MAX_HTML_BYTES, (stem, size)


@pytest.mark.browser
def test_xss_payload_stays_text_in_page_and_popup(browser, xss_maps: Path) -> None:
    from browser import screenshot
    from selenium.webdriver.support.ui import WebDriverWait

    expected = len(_events(xss_maps / "xss.geojson"))
    for (width, height), device in ((DESKTOP, "desktop"), (PHONE, "phone")):
        with browser(xss_maps / "xss.html", width, height) as driver:
            js = driver.execute_script
            _ready(driver)
            WebDriverWait(driver, 10).until(
                lambda d: d.execute_script(SHOWN_MARKERS_JS) == expected
            )
            assert js(COUNT_MARKERS_JS) == expected
            assert js("return typeof window.__xss") == "undefined"
            assert js("return document.title") == XSS_TITLE
            assert js("return document.querySelector('h1').textContent") == XSS_TITLE
            assert (
                js("return document.querySelectorAll('[onerror], img:not(.leaflet-tile)').length")
                == 0
            )
            assert (
                js(
                    "return Array.prototype.some.call(document.scripts, function (s) {"
                    " return s.textContent.indexOf('<script>window.__xss') >= 0 ||"
                    " s.textContent.indexOf('onerror=\"window') >= 0; })"
                )
                is False
            )
            table = js("return document.querySelector('.geomap-events').textContent")
            assert all(bit in table for bit in XSS_QUOTE_BITS)

            _show_marker(driver, "Bucha").click()  # a real click, like a reader's
            content = _wait_for_popup(driver)
            for bit in XSS_QUOTE_BITS:
                assert bit in content, (bit, content)
            assert "Bucha" in content and "Battles" in content
            # The source's javascript: URL is shown as its title, not as a link.
            assert XSS_TITLE in content
            assert (
                js(
                    "return document.querySelectorAll("
                    "'.leaflet-popup-content script, .leaflet-popup-content img, .leaflet-popup-content a').length"
                )
                == 0
            )
            hrefs = js(
                "return Array.prototype.map.call(document.querySelectorAll('[href]'),"
                " function (a) { return a.getAttribute('href'); })"
            )
            assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")], hrefs
            box = js(
                "var r = document.querySelector('.leaflet-popup').getBoundingClientRect();"
                "return [r.left, r.right];"
            )
            assert box[0] >= 0 and box[1] <= width, f"popup runs off a {width}px screen: {box}"
            assert js("return typeof window.__xss") == "undefined"
            screenshot(driver, f"map_xss_popup_{device}")
            _check_clean(driver)


@pytest.mark.browser
def test_keyboard_reaches_a_marker_and_opens_its_popup(browser, xss_maps: Path) -> None:
    from browser import screenshot
    from selenium.webdriver.common.keys import Keys

    with browser(xss_maps / "xss.html", *DESKTOP) as driver:
        js = driver.execute_script
        _ready(driver)
        focus_js = (
            "var e = document.activeElement;"
            "return [e.tagName, typeof e.className === 'string' ? e.className : '',"
            " e.id, e.getAttribute('role'), e.textContent];"
        )

        def tab_until(done) -> list[list]:  # noqa: ANN001
            seen = []
            for _ in range(60):
                driver.switch_to.active_element.send_keys(Keys.TAB)
                seen.append(js(focus_js))
                if done(seen[-1]):
                    return seen
            pytest.fail(f"Tab never got there: {seen}")

        # One full round of the page: every control, the timeline and the legend are reachable.
        cycle = tab_until(lambda f: f[0] == "BODY")
        classes = " ".join(f[1] for f in cycle)
        ids = {f[2] for f in cycle}
        for control in (
            "leaflet-control-zoom-in",
            "leaflet-control-zoom-fullscreen",
            "leaflet-control-layers-toggle",
            "geomap-event",
            "folium-map",
        ):
            assert control in classes, (control, cycle)
        assert {"geomap-timeline-mode", "geomap-timeline-range"} <= ids
        assert "SUMMARY" in {f[0] for f in cycle}, "the legend can be folded from the keyboard"
        visited = tab_until(lambda f: "geomap-event" in f[1])
        marker = visited[-1]
        assert marker[3] == "button"
        assert "Press Enter for details" in marker[4]
        ring = js(
            "var s = getComputedStyle(document.activeElement);"
            "return [s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow];"
        )
        assert ring[0] == "solid" and ring[1] >= 2 and ring[2] != "none", ring
        screenshot(driver, "map_keyboard_focus")
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        content = _wait_for_popup(driver)
        place = marker[4].split(" at ")[1].split(",")[0]
        assert place in content
        _check_clean(driver)


@pytest.mark.browser
def test_timeline_filters_markers_by_date(browser, seed_maps: Path) -> None:
    from browser import screenshot
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    stem = SEED_IDS[0]
    dates = [e["event_date"] for e in _events(seed_maps / f"{stem}.geojson")]
    days = sorted({d for d in dates if d})
    assert len(days) > 1
    with browser(seed_maps / f"{stem}.html", *DESKTOP) as driver:
        js = driver.execute_script
        _ready(driver)
        slider = driver.find_element("id", "geomap-timeline-range")
        mode = Select(driver.find_element("id", "geomap-timeline-mode"))

        def expect(count: int) -> None:
            WebDriverWait(driver, 10).until(lambda d: d.execute_script(COUNT_MARKERS_JS) == count)
            WebDriverWait(driver, 10).until(lambda d: d.execute_script(SHOWN_MARKERS_JS) == count)
            status = js("return document.getElementById('geomap-timeline-status').textContent")
            assert status == f"{count} of {len(dates)} events shown"

        expect(len(dates))
        slider.send_keys(Keys.HOME)
        expect(sum(1 for d in dates if d is None or d <= days[0]))
        assert js("return document.getElementById('geomap-timeline-date').textContent") == days[0]
        assert slider.get_attribute("aria-valuetext") == f"Up to {days[0]}"
        screenshot(driver, "map_timeline_first_day")
        mode.select_by_value("on")
        slider.send_keys(Keys.END)
        expect(sum(1 for d in dates if d is None or d == days[-1]))
        assert slider.get_attribute("aria-valuetext") == f"On {days[-1]}"
        mode.select_by_value("upto")
        expect(len(dates))
        _check_clean(driver)


def test_one_day_of_events_has_no_timeline(xss_maps: Path) -> None:
    assert 'id="geomap-timeline"' in (xss_maps / "xss.html").read_text(encoding="utf-8")
    assert 'id="geomap-timeline"' not in (xss_maps / "oneday.html").read_text(encoding="utf-8")


def test_embed_snippet_is_a_lazy_responsive_iframe(xss_maps: Path) -> None:
    snippet = (xss_maps / "xss.embed.html").read_text(encoding="utf-8")
    assert '<div class="geomap-embed" style="position:relative;padding-top:75%' in snippet
    assert 'src="xss.html"' in snippet and 'loading="lazy"' in snippet
    assert "position:absolute" in snippet
    assert (
        'title="Bucha &lt;script&gt;window.__xss=3&lt;/script&gt; &amp; &#96;tick&#96; &#36;{alert(1)}"'
        in snippet
    )
    assert "<script" not in snippet


@pytest.mark.browser
def test_embed_snippet_shows_the_map_at_4_by_3(browser, xss_maps: Path) -> None:
    from browser import requested_urls

    with browser(xss_maps / "xss.embed.html", 800, 900) as driver:
        frame = driver.execute_script(
            "var f = document.querySelector('iframe'), r = f.getBoundingClientRect();"
            "return [r.width, r.height, f.title];"
        )
        assert frame[0] > 700 and abs(frame[1] - frame[0] * 0.75) <= 1, frame
        assert frame[2] == XSS_TITLE
        assert any(
            u.startswith("file:") and u.endswith("/xss.html") for u in requested_urls(driver)
        )
        _check_clean(driver)
