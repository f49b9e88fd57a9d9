"""Make folium's HTML self-contained: vendored libraries go inline and CDN-only extras are dropped.

folium links Leaflet, jQuery, Bootstrap, awesome-markers and font-awesome from CDNs. A map saved
to disk must still open years from now with no network. ``inline_assets`` replaces the links to
the libraries we vendor in ``geomap/static`` (see ``ASSETS.md`` there) with inline
``<script>``/``<style>`` elements. It deletes the links to the libraries we do not use. If a
remote script or stylesheet is still there after that, it raises ``RemoteAssetError``.

Map tiles are the only remote thing left. Their URL templates are strings inside the map's JS,
not tags.

Two small shims are added as well:

* folium's ``Popup`` builds its content with jQuery (``$(`<div>...</div>`)[0]``) and
  ``Map`` can call ``$(document).ready(fn)``. jQuery is dropped, so a tiny ``$`` handles those two
  forms and throws a clear error for any other use.
* ``L.Icon.Default`` finds its image folder from a CSS ``url()``. That fails once the CSS holds
  data URIs, so the default marker images are set directly as data URIs.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

__all__ = ["RemoteAssetError", "inline_assets"]


class RemoteAssetError(RuntimeError):
    """The HTML still loads a script or stylesheet from the network after inlining."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        listed = "\n  ".join(urls)
        super().__init__(
            f"{len(urls)} remote script/stylesheet reference(s) left after inlining; the map "
            f"would not work offline. Vendor them into geomap/static (and map them in "
            f"geomap.render.offline) or drop them:\n  {listed}"
        )


@dataclass(frozen=True)
class _Asset:
    file: str  # name in geomap/static
    kind: str  # "js" or "css"
    origin: str  # npm package@version, for the comment in the output


_LEAFLET = "leaflet@1.9.4"
_CLUSTER = "leaflet.markercluster@1.5.3"
_FULLSCREEN = "leaflet.fullscreen@3.0.0"

#: Last path segment of a CDN URL (lower-cased) -> the vendored file that replaces it.
_VENDORED: dict[str, _Asset] = {
    "leaflet.js": _Asset("leaflet.js", "js", _LEAFLET),
    "leaflet-src.js": _Asset("leaflet.js", "js", _LEAFLET),
    "leaflet.css": _Asset("leaflet.css", "css", _LEAFLET),
    "leaflet.markercluster.js": _Asset("leaflet.markercluster.js", "js", _CLUSTER),
    "leaflet.markercluster-src.js": _Asset("leaflet.markercluster.js", "js", _CLUSTER),
    "markercluster.css": _Asset("MarkerCluster.css", "css", _CLUSTER),
    "markercluster.default.css": _Asset("MarkerCluster.Default.css", "css", _CLUSTER),
    "control.fullscreen.js": _Asset("Control.FullScreen.js", "js", _FULLSCREEN),
    "control.fullscreen.min.js": _Asset("Control.FullScreen.js", "js", _FULLSCREEN),
    "control.fullscreen.css": _Asset("Control.FullScreen.css", "css", _FULLSCREEN),
}

#: Libraries folium links that we do not use. Markers are CircleMarker/DivIcon with inline SVG,
#: and popups are plain Leaflet. Matched against the lower-cased URL path.
#: jQuery UI and other libraries are left alone on purpose. Their links stay, so
#: ``RemoteAssetError`` reports them.
_DROP = re.compile(
    r"(?:^|/)(?:"
    r"jquery(?:-[\d.]+)?(?:\.slim)?(?:\.min)?\.js"  # jQuery (popups get the $ shim below)
    r"|bootstrap[^/]*\.(?:js|css)"  # Bootstrap JS/CSS, bootstrap-glyphicons.css
    r"|leaflet\.awesome-markers[^/]*\.(?:js|css)"  # Leaflet.awesome-markers
    r"|leaflet\.awesome\.rotate[^/]*\.css"  # folium's awesome-rotate CSS
    r")$"
    r"|/(?:@fortawesome/fontawesome-free|font-awesome)[^/]*/(?:[^/]+/)*[^/]+\.css$"  # font-awesome
)
_JQUERY = re.compile(r"(?:^|/)jquery[^/]*\.js$")

#: A whole ``<script>`` element (group 1: its attributes) or a ``<link>`` tag (group 2). One
#: alternation, so text inside an inline script is never taken for a tag.
_TAG = re.compile(r"<script\b([^>]*)>.*?</script\s*>|<link\b([^>]*)>", re.IGNORECASE | re.DOTALL)
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")
_SOURCE_MAP = re.compile(r"^\s*//[#@] sourceMappingURL=\S*\s*$", re.MULTILINE)

_ICON_JS = """(function () {
  if (!window.L || !L.Icon || !L.Icon.Default) { return; }
  L.Icon.Default.imagePath = "";
  L.Icon.Default.mergeOptions({
    iconUrl: "%(icon)s",
    iconRetinaUrl: "%(icon2x)s",
    shadowUrl: "%(shadow)s"
  });
})();"""

_JQUERY_SHIM_JS = """(function () {
  if (window.jQuery || window.$) { return; }
  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }
  window.$ = function (arg) {
    if (typeof arg === "function") { ready(arg); return undefined; }
    if (arg === document) { return { ready: ready }; }
    if (typeof arg === "string" && arg.trim().charAt(0) === "<") {
      var t = document.createElement("template");
      t.innerHTML = arg.trim();
      return Array.prototype.slice.call(t.content.children);
    }
    throw new Error("geomap: jQuery is not bundled; only $(htmlString) and " +
                    "$(document).ready(fn) are supported");
  };
})();"""


@cache
def _static_text(name: str) -> str:
    text = (resources.files("geomap") / "static" / name).read_text(encoding="utf-8")
    # Never let vendored code end the element early when it is put inline.
    if re.search(r"</(script|style)", text, re.IGNORECASE):
        raise ValueError(f"vendored {name} contains a closing </script> or </style> tag")
    return text


@cache
def _data_uri(name: str, mime: str) -> str:
    data = (resources.files("geomap") / "static" / name).read_bytes()
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _inline_element(asset: _Asset) -> str:
    body = _static_text(asset.file)
    header = f"/* geomap: vendored {asset.file} from npm {asset.origin}; see geomap/static */"
    if asset.kind == "js":
        body = _SOURCE_MAP.sub("", body).rstrip()
        out = f"<script>{header}\n{body}\n</script>"
        if asset.file == "leaflet.js":
            icons = _ICON_JS % {
                "icon": _data_uri("marker-icon.png", "image/png"),
                "icon2x": _data_uri("marker-icon-2x.png", "image/png"),
                "shadow": _data_uri("marker-shadow.png", "image/png"),
            }
            out += f"\n<script>/* geomap: offline default marker icon */\n{icons}\n</script>"
        return out
    return f"<style>{header}\n{body.rstrip()}\n</style>"


def _attrs(tag_attrs: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in _ATTR.findall(tag_attrs):
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        found.setdefault(name.lower(), value)
    return found


def _is_remote(url: str) -> bool:
    url = url.strip().lower()
    return url.startswith(("http:", "https:", "//"))


def _basename(url: str) -> str:
    path = urlsplit(url.strip()).path
    return path.rsplit("/", 1)[-1].lower()


def _remote_refs(html: str) -> list[str]:
    """URLs of the scripts and ``<link>``s (any rel) that the page would fetch from the network."""
    urls = []
    for match in _TAG.finditer(html):
        if match.group(1) is not None:
            url = _attrs(match.group(1)).get("src")
        else:
            url = _attrs(match.group(2)).get("href")
        if url is not None and _is_remote(url):
            urls.append(url)
    return urls


def inline_assets(html: str) -> str:
    """Return ``html`` (folium's rendered page) with no remote ``<script src>`` or stylesheet.

    Links to vendored libraries become inline elements. Each library is put inline once, at the
    position of its first link. Links to the libraries we drop are removed. If a remote script
    or ``<link>`` is left after that, ``RemoteAssetError`` is raised.
    """
    done: set[str] = set()
    dropped_jquery = False

    def resolve(url: str) -> str | None:
        """The element for ``url``: inline code, "" to remove it, or None to keep it."""
        nonlocal dropped_jquery
        if not _is_remote(url):
            return None
        asset = _VENDORED.get(_basename(url))
        if asset is not None:
            if asset.file in done:
                return ""
            done.add(asset.file)
            return _inline_element(asset)
        path = urlsplit(url.strip()).path.lower()
        if _DROP.search(path):
            if _JQUERY.search(path) and not dropped_jquery:
                dropped_jquery = True
                note = "/* geomap: minimal $ in place of jQuery */"
                return f"<script>{note}\n{_JQUERY_SHIM_JS}\n</script>"
            return ""
        return None

    def tag(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            url = _attrs(match.group(1)).get("src")
        else:
            attrs = _attrs(match.group(2))
            is_css = "stylesheet" in attrs.get("rel", "").lower().split()
            url = attrs.get("href") if is_css else None
        replacement = None if url is None else resolve(url)
        return match.group(0) if replacement is None else replacement

    out = _TAG.sub(tag, html)
    remaining = _remote_refs(out)
    if remaining:
        raise RemoteAssetError(remaining)
    return out
