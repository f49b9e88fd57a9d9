"""Real-browser test harness: headless Debian Chromium through Selenium, cut off from the network.

Usage::

    with open_page("map.html", 1280, 800) as driver:
        driver.execute_script("return typeof L")
        assert not console_errors(driver)
        assert not remote_requests(driver)
        screenshot(driver, "map")

The browser cannot reach the network in two ways:

* ``--proxy-server=127.0.0.1:9`` with ``--proxy-bypass-list=<-loopback>`` sends every request,
  loopback included, to a port where nothing listens. This holds from the moment the browser
  starts.
* DevTools ``Network.setBlockedURLs`` blocks every http(s)/ws(s)/ftp URL before the page is
  loaded. The browser then fails those requests at once with ``ERR_BLOCKED_BY_CLIENT``.

Requests are still *attempted* and logged. ``remote_requests`` lists them from the
DevTools performance log, and tests check which hosts a page tried to reach.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)
BLOCKED_URLS = ("http://*", "https://*", "ws://*", "wss://*", "ftp://*")
_REMOTE_SCHEMES = ("http:", "https:", "ws:", "wss:", "ftp:")


def _logs(driver: WebDriver) -> dict[str, list[dict[str, Any]]]:
    """Collect the browser and performance logs. Reading them clears them, so keep them here."""
    store: dict[str, list[dict[str, Any]]] = driver.__dict__.setdefault(
        "_geomap_logs", {"browser": [], "performance": []}
    )
    for kind, entries in store.items():
        entries.extend(driver.get_log(kind))
    return store


@contextlib.contextmanager
def open_page(
    path: str | os.PathLike[str], width: int = 1280, height: int = 800
) -> Iterator[WebDriver]:
    """Open the local file ``path`` in headless Chromium with a ``width`` x ``height`` viewport.

    Yields the Selenium driver once the page's load event has fired. The browser and its
    throwaway profile are removed on exit.
    """
    page = Path(path).resolve()
    if not page.is_file():
        raise FileNotFoundError(page)
    profile = tempfile.mkdtemp(prefix="geomap-chromium-")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = None
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": list(BLOCKED_URLS)})
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        driver.get(page.as_uri())
        yield driver
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def console_errors(driver: WebDriver, ignore: Iterable[str] = ()) -> list[str]:
    """SEVERE console messages so far (uncaught exceptions, console.error, failed loads).

    Messages that contain any of the strings in ``ignore`` are left out. For example, pass the
    tile host so that the tile loads the test blocks on purpose are not counted.
    """
    skip = tuple(ignore)
    return [
        e["message"]
        for e in _logs(driver)["browser"]
        if e.get("level") == "SEVERE" and not any(s in e["message"] for s in skip)
    ]


def requested_urls(driver: WebDriver) -> list[str]:
    """Every URL the page has tried to load so far, in order, blocked ones included."""
    urls = []
    for entry in _logs(driver)["performance"]:
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def remote_requests(driver: WebDriver) -> list[str]:
    """The URLs from ``requested_urls`` that would have gone over the network (not file:/data:)."""
    return [u for u in requested_urls(driver) if u.lower().startswith(_REMOTE_SCHEMES)]


def screenshot(driver: WebDriver, name: str) -> Path:
    """Save a PNG of the viewport as ``tests/artifacts/<name>.png`` and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9._-]+', '_', name)}.png"
    if not driver.save_screenshot(str(target)):
        raise RuntimeError(f"screenshot {target} failed")
    return target
