"""``Gazetteer``: the one lookup interface over every layer of place data.

Layers are SQLite indexes queried in turn: the bundled base (GeoNames + curated
rows), each imported file, and user overlays (small, indexed in memory on load).
A higher-priority layer wins ties, so an overlay row beats a bundled one.
"""

from __future__ import annotations

import math
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..models import Candidate, Place
from .base import GazetteerSource
from .geonames import GeoNamesSource
from .index import (
    SCHEMA_VERSION,
    build_index,
    default_cache_dir,
    fingerprint,
    index_is_current,
    open_index,
)
from .normalise import name_key
from .tables import TableSource

#: Name types that may be spotted in running text (the others answer lookups only).
TEXT_NAME_TYPES = frozenset({"name", "alt", "abbr", "demonym"})
_KIND_PRIOR = {
    "country": 1.0,
    "admin1": 0.55,
    "river": 0.8,
    "city": 0.0,  # cities are ranked by population instead
}
_NAME_TYPE_WEIGHT = {"name": 1.0, "alt": 0.95, "abbr": 0.95, "demonym": 0.9, "translit": 0.85, "code": 0.6}


def gazetteer_dir() -> Path:
    """Where the curated tables live: ``$GEOMAP_GAZETTEER_DIR`` or the checkout's ``gazetteer/``."""
    env = os.environ.get("GEOMAP_GAZETTEER_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "gazetteer"


def bundled_sources() -> list[GazetteerSource]:
    curated = sorted((gazetteer_dir() / "curated").glob("*.csv"))
    return [
        GeoNamesSource(),
        TableSource("curated", curated, priority=50, prefix="curated"),
    ]


@dataclass(frozen=True)
class NameHit:
    """One row of the names table joined to its place."""

    place: Place
    name: str
    name_type: str
    priority: int


def place_prior(place: Place) -> float:
    """How likely a bare mention of this place's name means this place, in [0, 1]."""
    if place.kind == "city":
        return min(1.0, math.log10(place.population + 10) / 7.0)
    return _KIND_PRIOR.get(place.kind, 0.7)


class Gazetteer:
    def __init__(self, layers: Sequence[sqlite3.Connection]) -> None:
        self._layers = list(layers)
        self._cache: dict[tuple[str, bool], tuple[NameHit, ...]] = {}
        self._words: dict[str, float] | None = None

    # -- construction -----------------------------------------------------------

    @classmethod
    def default(
        cls,
        overlays: Iterable[Path] = (),
        *,
        cache_dir: Path | None = None,
        progress: bool | None = None,
    ) -> Gazetteer:
        """The bundled gazetteer (built on first use), imports, then ``overlays`` on top."""
        cache = cache_dir or default_cache_dir()
        sources = bundled_sources()
        path = cache / f"gazetteer-{fingerprint(sources)}.sqlite"
        if not index_is_current(path, sources):
            build_index(sources, path, progress=progress)
        layers = [open_index(path)]
        for imported in sorted((cache / "imports").glob("*.sqlite")):
            layers.append(open_index(imported))
        overlay_paths = [Path(p) for p in overlays]
        if overlay_paths:
            source = TableSource("overlay", overlay_paths, priority=100, prefix="overlay")
            layers.append(_memory_index(source))
        return cls(layers)

    # -- lookups ----------------------------------------------------------------

    def hits(self, name: str, *, text_only: bool = False) -> tuple[NameHit, ...]:
        """Every place carrying ``name`` (under any spelling that folds to the same key)."""
        key = name_key(name)
        cached = self._cache.get((key, text_only))
        if cached is not None:
            return cached
        found: list[NameHit] = []
        for con in self._layers:
            for row in con.execute(
                "SELECT p.*, n.name AS matched, n.type AS name_type FROM names n "
                "JOIN places p ON p.rowid = n.place WHERE n.key = ?",
                (key,),
            ):
                if text_only and row["name_type"] not in TEXT_NAME_TYPES:
                    continue
                found.append(NameHit(_place(row), row["matched"], row["name_type"], row["priority"]))
        result = tuple(found)
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[(key, text_only)] = result
        return result

    def has_name(self, name: str, *, text_only: bool = True) -> bool:
        return bool(self.hits(name, text_only=text_only))

    def lookup(
        self, name: str, *, kinds: Iterable[str] | None = None, limit: int = 10
    ) -> list[Candidate]:
        """Exact (folded) matches, best first, scored by name type, source priority and prior."""
        wanted = set(kinds) if kinds else None
        best: dict[str, Candidate] = {}
        for hit in self.hits(name):
            if wanted and hit.place.kind not in wanted:
                continue
            score = _NAME_TYPE_WEIGHT.get(hit.name_type, 0.8) * (
                0.5 + 0.5 * place_prior(hit.place)
            )
            score += hit.priority / 1000.0
            if hit.place.id not in best or score > best[hit.place.id].score:
                best[hit.place.id] = Candidate(hit.place, round(score, 6))
        # A user's overlay is an explicit instruction, so it outranks every bundled entry.
        ranked = sorted(
            best.values(),
            key=lambda c: (-(c.place.source == "overlay"), -c.score, c.place.id),
        )
        return ranked[:limit]

    def search(self, name: str, *, limit: int = 10, min_similarity: float = 80.0) -> list[Candidate]:
        """``lookup`` first; when nothing matches exactly, near-miss spellings with a score."""
        exact = self.lookup(name, limit=limit)
        if exact:
            return exact
        return self.fuzzy(name, limit=limit, min_similarity=min_similarity)

    def fuzzy(self, name: str, *, limit: int = 10, min_similarity: float = 80.0) -> list[Candidate]:
        from rapidfuzz import fuzz, process

        key = _strip_possessive(name_key(name))
        if len(key) < 3:
            return []
        if key != name_key(name) and self.hits(key):
            return [Candidate(c.place, round(c.score * 0.98, 6)) for c in self.lookup(key, limit=limit)]
        keys = self._keys_near(key)
        matches = process.extract(key, keys, scorer=fuzz.ratio, limit=limit, score_cutoff=min_similarity)
        out: dict[str, Candidate] = {}
        for matched_key, similarity, _ in matches:
            for cand in self.lookup(matched_key, limit=limit):
                score = round(cand.score * similarity / 100.0, 6)
                if cand.place.id not in out or out[cand.place.id].score < score:
                    out[cand.place.id] = Candidate(cand.place, score)
        return sorted(out.values(), key=lambda c: (-c.score, c.place.id))[:limit]

    def _keys_near(self, key: str) -> list[str]:
        # Spelling variants nearly always keep the first letter and length within ~30 %.
        low, high = int(len(key) * 0.7), int(len(key) * 1.3) + 1
        keys: set[str] = set()
        for con in self._layers:
            rows = con.execute(
                "SELECT DISTINCT key FROM names WHERE key >= ? AND key < ? "
                "AND length(key) BETWEEN ? AND ?",
                (key[0], chr(ord(key[0]) + 1), low, high),
            )
            keys.update(r[0] for r in rows)
        return sorted(keys)

    def word_frequencies(self) -> dict[str, float]:
        """Zipf frequency of common English words (lower case), from the base layer."""
        if self._words is None:
            rows = self._layers[0].execute("SELECT word, zipf FROM words WHERE zipf >= 3.0")
            self._words = dict(rows.fetchall())
        return self._words

    def get(self, place_id: str) -> Place | None:
        for con in reversed(self._layers):
            row = con.execute("SELECT * FROM places WHERE id = ?", (place_id,)).fetchone()
            if row is not None:
                return _place(row)
        return None

    def admin1_of(self, country: str | None, code: str | None) -> Place | None:
        if not country or not code:
            return None
        return self.get(f"admin1:{country}.{code}")

    def country(self, code: str | None) -> Place | None:
        if not code:
            return None
        for con in self._layers:
            row = con.execute(
                "SELECT * FROM places WHERE country = ? AND kind = 'country'", (code,)
            ).fetchone()
            if row is not None:
                return _place(row)
        return None

    def country_outlines(
        self, points: Sequence[tuple[float, float]], margin_deg: float = 15.0
    ) -> dict[str, object]:
        """Country outlines (GeoJSON) within ``margin_deg`` of the (lon, lat) points; the
        whole world when there are no points."""
        from shapely.geometry import box, mapping

        area = None
        if points:
            lons, lats = zip(*points)
            area = box(min(lons) - margin_deg, min(lats) - margin_deg,
                       max(lons) + margin_deg, max(lats) + margin_deg)
        features = []
        rows = self._layers[0].execute(
            "SELECT id, name, wkt FROM places WHERE kind = 'country' AND wkt IS NOT NULL ORDER BY id"
        )
        for row in rows:
            geom = _geometry(row["wkt"])
            if area is not None and not geom.intersects(area):
                continue
            data = mapping(geom)
            features.append({
                "type": "Feature",
                "properties": {"name": row["name"]},
                "geometry": {"type": data["type"], "coordinates": _round(data["coordinates"])},
            })
        return {"type": "FeatureCollection", "features": features}

    def info(self) -> dict[str, object]:
        layers = []
        for con in self._layers:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            kinds = dict(con.execute("SELECT kind, count(*) FROM places GROUP BY kind").fetchall())
            names = con.execute("SELECT count(*) FROM names").fetchone()[0]
            layers.append({"meta": meta, "places_by_kind": kinds, "names": names})
        return {"schema": SCHEMA_VERSION, "layers": layers}


def _round(coords: object) -> object:
    if isinstance(coords, (int, float)):
        return round(float(coords), 3)
    return [_round(c) for c in coords]  # type: ignore[attr-defined]


def _strip_possessive(key: str) -> str:
    for suffix in (" s", "s"):
        if key.endswith(suffix) and len(key) > len(suffix) + 2:
            return key[: -len(suffix)]
    return key


@lru_cache(maxsize=4096)
def _geometry(wkt: str):  # noqa: ANN202 - shapely type
    from shapely import wkt as shapely_wkt

    return shapely_wkt.loads(wkt)


def _place(row: sqlite3.Row) -> Place:
    return Place(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        lat=row["lat"],
        lon=row["lon"],
        country=row["country"],
        admin1=row["admin1"],
        population=row["population"] or 0,
        source=row["source"],
        geometry=_geometry(row["wkt"]) if row["wkt"] else None,
        geonameid=row["geonameid"],
    )


def _memory_index(source: TableSource) -> sqlite3.Connection:
    import tempfile

    # Overlays are small; index them in a temp file so the read path is the same.
    tmp = Path(tempfile.mkdtemp(prefix="geomap-overlay-")) / "overlay.sqlite"
    build_index([source], tmp, progress=False)
    return open_index(tmp)
