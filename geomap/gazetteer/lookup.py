"""``Gazetteer``: the one lookup interface over every layer of place data.

Layers are SQLite indexes queried in turn: the bundled base (GeoNames + curated
rows), each imported file, and user overlays (small, indexed in memory on load).
A higher-priority layer wins ties, so an overlay row beats a bundled one.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import sqlite3
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import fields
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

from ..models import Candidate, Place, lazy
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
from .normalise import fold_key, name_key
from .tables import TableSource

#: Name types that may be spotted in running text (the others answer lookups only).
TEXT_NAME_TYPES = frozenset({"name", "alt", "abbr", "demonym"})
_KIND_PRIOR = {
    "continent": 1.0,
    "country": 1.0,
    "admin1": 0.55,
    "river": 0.8,
    "city": 0.0,  # cities are ranked by population instead
}
#: A city this big sharing its name with a region of its country is what the bare name means.
_NAMESAKE_CITY_POPULATION = 50_000
#: GeoNames' alternate names include old and stray ones ("Greenwood" for Kansas City,
#: "Augusta" for Augsburg): a town's alternate that is another town's own name weighs
#: this much, so the bigger town does not take the smaller one's name.
_STRAY_ALT_WEIGHT = 0.85
_NAME_TYPE_WEIGHT = {
    "name": 1.0,
    "alt": 0.95,
    "abbr": 0.95,
    "demonym": 0.9,
    "translit": 0.85,
    "code": 0.6,
}
#: Name keys are ASCII, so names in other scripts meet Latin ones after transliteration:
#: "大阪" (Osaka) and Durban's alternate "Daban" share the key "daban". A place whose
#: stored name is the query's own non-Latin spelling is therefore weighted as a primary name.
_NATIVE_SPELLING_WEIGHT = 1.0
#: Columns of a place, in the order ``_place_from_tuple`` reads them.
_PLACE_COLUMNS = (
    "p.rowid, p.id, p.name, p.kind, p.lat, p.lon, p.country, p.admin1, p.population, "
    "p.source, p.wkt, p.geonameid, p.priority"
)
_HITS_SQL = (
    f"SELECT {_PLACE_COLUMNS}, n.name, n.type, n.key FROM names n "
    "JOIN places p ON p.rowid = n.place WHERE n.key = ?"
)
#: Keys per statement when many names are looked up at once. A batch's rows are made into
#: places and ranked while they are still in the CPU's caches: 128 beat 256, 256 beat 512.
_BATCH = 128
#: Bounds on what a Gazetteer remembers (hits and places by name key, lookup answers).
_MAX_CACHED = 200_000
_MAX_ANSWERS = 100_000
_EARTH_KM = 6371.0088


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


class NameHit(NamedTuple):
    """One row of the names table joined to its place.

    A named tuple rather than a frozen dataclass: ``prefetch`` makes one per row read, and
    a tuple is made in a fraction of the time (a frozen dataclass sets each field through
    ``object.__setattr__``).
    """

    place: Place
    name: str
    name_type: str
    priority: int


#: A hit as ``_read`` makes it: the fields of a ``NameHit``.
_Hit = tuple[Place, str, str, int]


def place_prior(place: Place) -> float:
    """How likely a bare mention of this place's name means this place, in [0, 1]."""
    if place.kind == "city":
        return min(1.0, math.log10(place.population + 10) / 7.0)
    if place.kind == "admin1":
        # A region is as well known as the people living in its towns.
        return min(1.0, max(_KIND_PRIOR["admin1"], math.log10(place.population + 10) / 7.0))
    return _KIND_PRIOR.get(place.kind, 0.7)


@lru_cache(maxsize=64)
def _hits_sql(count: int) -> str:
    """``_HITS_SQL`` for ``count`` keys at once."""
    if count == 1:
        return _HITS_SQL
    return _HITS_SQL.replace("n.key = ?", f"n.key IN ({','.join('?' * count)})")


def base_index_path(cache_dir: Path | None = None, *, progress: bool | None = None) -> Path:
    """The bundled base index in ``cache_dir`` (default cache), built first if missing or stale."""
    cache = cache_dir or default_cache_dir()
    sources = bundled_sources()
    path = cache / f"gazetteer-{fingerprint(sources)}.sqlite"
    if not index_is_current(path, sources):
        build_index(sources, path, progress=progress)
        _remove_stale(path)
    return path


def import_paths(cache_dir: Path | None = None) -> list[Path]:
    """The imported layers (``<cache>/imports/*.sqlite``), in load order.

    Dot-files are a build in progress (``build_index`` writes a hidden temp file, then
    renames it), never a layer.
    """
    folder = (cache_dir or default_cache_dir()) / "imports"
    return sorted(p for p in folder.glob("*.sqlite") if not p.name.startswith("."))


def open_layer(path: Path) -> sqlite3.Connection:
    """Open an index read-only and check it has the tables a layer needs.

    Raises ``sqlite3.DatabaseError`` when the file is not a usable index (not SQLite,
    truncated, or missing tables/columns), so a broken file is found on load rather than
    midway through a lookup.
    """
    con = open_index(path)
    try:
        con.execute(f"SELECT {_PLACE_COLUMNS} FROM places p LIMIT 1").fetchall()
        con.execute("SELECT key, place, name, type FROM names LIMIT 1").fetchall()
        con.execute("SELECT key, value FROM meta LIMIT 1").fetchall()
    except sqlite3.DatabaseError:
        con.close()
        raise
    return con


class Gazetteer:
    def __init__(self, layers: Sequence[sqlite3.Connection]) -> None:
        self._layers = list(layers)
        # hits() answers: every hit by name key, and those that may be spotted in text by
        # the name as written (the recogniser asks for the same few forms again and again:
        # no key to work out each time). Keyed by plain strings: a tuple key per entry would
        # be one more object for the garbage collector to walk, and a bulk lookup makes tens
        # of thousands.
        self._hits: dict[str, tuple[NameHit, ...]] = {}
        self._text_hits: dict[str, tuple[NameHit, ...]] = {}
        # Parsed places of each layer by rowid: many names share a place, and a repeated
        # lookup should not rebuild it.
        self._places: list[dict[int, Place]] = [{} for _ in self._layers]
        self._words: dict[str, float] | None = None
        # fuzzy() answers and the key lists it scans (by first character and length): the
        # same near-miss names come up again and again in a corpus, and each scan reads
        # ~20,000 keys from the index.
        self._fuzzy: dict[tuple[str, int, float], tuple[Candidate, ...]] = {}
        self._near: dict[tuple[str, int], list[str]] = {}
        # lookup() answers by (kinds, limit), then by name: the same names recur in every
        # article of a corpus.
        self._lookups: dict[
            tuple[frozenset[str] | None, int], dict[str, tuple[Candidate, ...]]
        ] = {}
        self._countries: list[_Outline] | None = None

    # -- construction -----------------------------------------------------------

    @classmethod
    def default(
        cls,
        overlays: Iterable[Path] = (),
        *,
        cache_dir: Path | None = None,
        progress: bool | None = None,
    ) -> Gazetteer:
        """The bundled gazetteer (built on first use), imports, then ``overlays`` on top.

        An imported layer that cannot be read is skipped with a warning on stderr, so one
        broken file never stops every command.
        """
        cache = cache_dir or default_cache_dir()
        layers = [open_index(base_index_path(cache, progress=progress))]
        for imported in import_paths(cache):
            try:
                layers.append(open_layer(imported))
            except sqlite3.DatabaseError as exc:
                print(
                    f"geomap: warning: skipping gazetteer import {imported}: {exc} "
                    f"(re-import it, or remove it with 'geomap gazetteer remove {imported.stem}')",
                    file=sys.stderr,
                )
        overlay_paths = [Path(p) for p in overlays]
        if overlay_paths:
            source = TableSource("overlay", overlay_paths, priority=100, prefix="overlay")
            layers.append(_memory_index(source))
        return cls(layers)

    # -- lookups ----------------------------------------------------------------

    def hits(self, name: str, *, text_only: bool = False) -> tuple[NameHit, ...]:
        """Every place carrying ``name`` (under any spelling that folds to the same key)."""
        if text_only:
            found = self._text_hits.get(name)
            if found is None:
                if len(self._text_hits) > _MAX_CACHED:
                    self._text_hits.clear()
                every = self._key_hits(name_key(name))  # most often none: no filter to set up
                found = self._text_hits[name] = (
                    tuple([h for h in every if h.name_type in TEXT_NAME_TYPES]) if every else ()
                )
            return found
        return self._key_hits(name_key(name))

    def _key_hits(self, key: str) -> tuple[NameHit, ...]:
        """``hits`` of a name key (folded already: name_key's memo would only grow)."""
        found = self._hits.get(key)
        if found is None:
            self._fetch([key])
            found = self._hits[key]
        return found

    def prefetch(self, names: Iterable[str]) -> None:
        """Look many names up at once (a few statements instead of one per name).

        Later ``hits``/``lookup``/``search`` calls for these names are served from memory;
        for bulk work (a corpus, a column of a table) this is several times faster than
        looking names up one by one.
        """
        cached = self._hits
        keys = sorted({k for k in map(name_key, names) if k and k not in cached})
        if keys:
            self._fetch(keys)

    def _fetch(self, keys: Sequence[str]) -> None:
        """Read the hits for each of ``keys`` (distinct) into the cache."""
        collecting = gc.isenabled()
        gc.disable()  # everything made here stays alive: a collection mid-way only walks it
        try:
            cached = self._hits
            if len(cached) + len(keys) > _MAX_CACHED:
                cached.clear()
            for start in range(0, len(keys), _BATCH):
                for key, rows in self._read(keys[start : start + _BATCH]).items():
                    # tuple.__new__ makes each NameHit from its row in C, with no call to
                    # NameHit.__new__ (a Python function) per row.
                    cached[key] = tuple(map(tuple.__new__, repeat(NameHit), rows))
        finally:
            if collecting:
                gc.enable()

    def _read(self, keys: Sequence[str]) -> dict[str, list[_Hit]]:
        """The hits for each of ``keys`` (distinct, at most ``_BATCH``) from every layer.

        As plain tuples (``NameHit`` fields): ``lookup_many`` ranks and drops them, and a
        tuple is made several times faster than a ``NameHit``.
        """
        found: dict[str, list[_Hit]] = {k: [] for k in keys}
        if not keys:
            return found
        sql = _hits_sql(len(keys))
        for places, con in zip(self._places, self._layers, strict=True):
            if len(places) > _MAX_CACHED:
                places.clear()
            cur = con.cursor()
            cur.row_factory = None  # plain tuples: no per-row sqlite3.Row
            for row in cur.execute(sql, keys):
                place = places.get(row[0])
                if place is None:
                    place = places[row[0]] = _place_from_tuple(row)
                found[row[15]].append((place, row[13], row[14], row[12]))
        return found

    def lookup_many(
        self, names: Sequence[str], *, kinds: Iterable[str] | None = None, limit: int = 10
    ) -> list[list[Candidate]]:
        """``lookup`` for each of ``names``, fetched in bulk.

        The answers are remembered for ``lookup``, but not the hits they are ranked from
        (``prefetch`` keeps those): a batch's hits are dropped as soon as its names are
        answered, so a long list costs little more memory than its answers.
        """
        wanted = frozenset(kinds) if kinds else None
        known = self._answers(wanted, limit)
        collecting = gc.isenabled()
        # Nearly everything made here is kept (places and answers), so a collection would
        # find little to free, and would walk every object made so far.
        gc.disable()
        try:
            todo = [name for name in dict.fromkeys(names) if name not in known]
            if len(known) + len(todo) > _MAX_ANSWERS:
                known.clear()  # (every name is answered below, so none goes missing)
                todo = list(dict.fromkeys(names))
            # fold_key: a list of names seldom repeats, so name_key's memo would only cost.
            keys = list(map(fold_key, todo))
            cached = self._hits
            # A batch of names at a time, in key order: each statement reads one stretch of
            # the index, and a batch's hits are ranked while they are at hand.
            order = sorted(range(len(todo)), key=keys.__getitem__)
            for start in range(0, len(order), _BATCH):
                batch = order[start : start + _BATCH]
                batch_keys = [keys[i] for i in batch]
                found = self._read([k for k in dict.fromkeys(batch_keys) if k and k not in cached])
                for i, key in zip(batch, batch_keys, strict=True):
                    name = todo[i]
                    hits: Sequence[_Hit] | None = found.get(key)
                    if hits is None:  # no key, or already in the cache
                        hits = self.hits(name)
                    known[name] = tuple(_rank(name, hits, wanted, limit))
            answers = [list(known[name]) for name in names]
            if len(known) > _MAX_ANSWERS:
                known.clear()  # more names than are remembered: keep none, not all
            return answers
        finally:
            if collecting:
                gc.enable()

    def has_name(self, name: str, *, text_only: bool = True) -> bool:
        return bool(self.hits(name, text_only=text_only))

    def lookup(
        self, name: str, *, kinds: Iterable[str] | None = None, limit: int = 10
    ) -> list[Candidate]:
        """Exact (folded) matches, best first, scored by name type, source priority and prior."""
        wanted = frozenset(kinds) if kinds else None
        known = self._lookups.get((wanted, limit))
        if known is None:
            known = self._answers(wanted, limit)
        found = known.get(name)
        if found is not None:
            return list(found)
        ranked = _rank(name, self.hits(name), wanted, limit)
        if len(known) > _MAX_ANSWERS:
            known.clear()
        known[name] = tuple(ranked)
        return ranked

    def _answers(
        self, wanted: frozenset[str] | None, limit: int
    ) -> dict[str, tuple[Candidate, ...]]:
        """The remembered ``lookup`` answers for these ``kinds`` and ``limit``, by name."""
        answers = self._lookups.get((wanted, limit))
        if answers is None:
            answers = self._lookups[(wanted, limit)] = {}
        return answers

    def search(
        self, name: str, *, limit: int = 10, min_similarity: float = 80.0
    ) -> list[Candidate]:
        """``lookup`` first; when nothing matches exactly, near-miss spellings with a score."""
        exact = self.lookup(name, limit=limit)
        if exact:
            return exact
        return self.fuzzy(name, limit=limit, min_similarity=min_similarity)

    def fuzzy(self, name: str, *, limit: int = 10, min_similarity: float = 80.0) -> list[Candidate]:
        """Near-miss spellings of ``name``, scored by similarity (remembered per query)."""
        args = (name, limit, min_similarity)
        found = self._fuzzy.get(args)
        if found is None:
            if len(self._fuzzy) > 4096:
                self._fuzzy.clear()
            found = self._fuzzy[args] = tuple(self._fuzzy_uncached(name, limit, min_similarity))
        return list(found)

    def _fuzzy_uncached(self, name: str, limit: int, min_similarity: float) -> list[Candidate]:
        from rapidfuzz import fuzz, process

        key = _strip_possessive(name_key(name))
        if len(key) < 3:
            return []
        if key != name_key(name) and self.hits(key):
            return [
                Candidate(c.place, round(c.score * 0.98, 6)) for c in self.lookup(key, limit=limit)
            ]
        # Every match, then the best ``limit`` by score and key: what ``extract`` answers for
        # the keys in sorted order (it breaks ties by position), without sorting them all.
        near = process.extract(
            key, self._keys_near(key), scorer=fuzz.ratio, limit=None, score_cutoff=min_similarity
        )
        scored = {matched: similarity for matched, similarity, _ in near}  # one per key
        matches = sorted(scored.items(), key=lambda ks: (-ks[1], ks[0]))[:limit]
        out: dict[str, Candidate] = {}
        for matched_key, similarity in matches:
            for cand in self.lookup(matched_key, limit=limit):
                score = round(cand.score * similarity / 100.0, 6)
                if cand.place.id not in out or out[cand.place.id].score < score:
                    out[cand.place.id] = Candidate(cand.place, score)
        return sorted(out.values(), key=lambda c: (-c.score, c.place.id))[:limit]

    def _keys_near(self, key: str) -> list[str]:
        """The name keys a fuzzy match of ``key`` may be: in no order, and repeated where
        layers share a key."""
        # Spelling variants nearly always keep the first letter and length within ~30 %.
        low, high = int(len(key) * 0.7), int(len(key) * 1.3) + 1
        keys: list[str] = []
        for length in range(low, high + 1):
            keys += self._near_bucket(key[0], length)
        return keys

    def _near_bucket(self, first: str, length: int) -> list[str]:
        """The name keys of every layer starting with ``first`` and ``length`` long."""
        found = self._near.get((first, length))
        if found is not None:
            return found
        found = []
        for con in self._layers:
            try:
                row = con.execute(
                    "SELECT keys FROM near_keys WHERE first = ? AND length = ?", (first, length)
                ).fetchone()
            except sqlite3.OperationalError:  # an import made before the table existed
                row = con.execute(
                    "SELECT group_concat(key, char(10)) FROM (SELECT DISTINCT key FROM names "
                    "WHERE key >= ? AND key < ? AND length(key) = ?)",
                    (first, chr(ord(first) + 1), length),
                ).fetchone()
            if row and row[0]:
                found += row[0].split("\n")
        if len(self._near) >= 128:
            self._near.clear()
        self._near[(first, length)] = found
        return found

    def word_frequencies(self) -> dict[str, float]:
        """Zipf frequency of common English words (lower case), from the base layer."""
        if self._words is None:
            row = self._layers[0].execute("SELECT words, zipfs FROM common_words").fetchone()
            self._words = {}
            if row and row[0]:  # (an index built without words has none)
                self._words = dict(zip(row[0].split("\n"), map(float, row[1].split()), strict=True))
        return self._words

    def get(self, place_id: str) -> Place | None:
        for con in reversed(self._layers):
            row = con.execute("SELECT * FROM places WHERE id = ?", (place_id,)).fetchone()
            if row is not None:
                return _place(row)
        return None

    def nearest(
        self,
        lat: float,
        lon: float,
        *,
        kinds: Iterable[str] = ("city",),
        limit: int = 1,
        max_km: float | None = None,
    ) -> list[tuple[Place, float]]:
        """The places of ``kinds`` closest to (lat, lon), with great-circle distances in km.

        A bounding box around the point (indexed on lat, lon) grows until it holds
        ``limit`` places within its inscribed circle, so a query pages in only nearby rows.
        """
        wanted = tuple(sorted(set(kinds)))
        marks = ",".join("?" * len(wanted))
        radius = 0.25  # degrees of latitude
        while True:
            found: dict[str, tuple[Place, float]] = {}
            where, args = _box(lat, lon, radius)
            for con in self._layers:
                rows = con.execute(
                    f"SELECT * FROM places WHERE {where} AND kind IN ({marks})", (*args, *wanted)
                )
                for row in rows:
                    km = _haversine_km(lat, lon, row["lat"], row["lon"])
                    found[row["id"]] = (_place(row), km)  # a later layer replaces an id
            ranked = sorted(found.values(), key=lambda pk: (pk[1], pk[0].id))
            reach = radius * math.pi / 180 * _EARTH_KM
            if max_km is not None:
                ranked = [pk for pk in ranked if pk[1] <= max_km]
            complete = len([pk for pk in ranked if pk[1] <= reach]) >= limit
            if complete or radius >= 180 or (max_km is not None and reach >= max_km):
                return ranked[:limit]
            radius *= 4

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
        from shapely.geometry import box

        area = None
        if points:
            lons, lats = zip(*points, strict=False)
            area = box(
                min(lons) - margin_deg,
                min(lats) - margin_deg,
                max(lons) + margin_deg,
                max(lats) + margin_deg,
            )
        features = [
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": {"type": kind, "coordinates": coordinates},
            }
            for name, shape, kind, coordinates in self._country_outlines()
            if area is None or shape.intersects(area)
        ]
        return {"type": "FeatureCollection", "features": features}

    def _country_outlines(self) -> list[_Outline]:
        """Every country's outline, read once: reading and converting ~250 outlines for
        every map cost ~50 ms a map, most of a batch's HTML."""
        if self._countries is None:
            from shapely.geometry import mapping

            from ..io.geojson import freeze, round_coordinates

            self._countries = []
            rows = self._layers[0].execute(
                "SELECT id, name, wkt FROM places "
                "WHERE kind = 'country' AND wkt IS NOT NULL ORDER BY id"
            )
            for row in rows:
                geom = _geometry(row["wkt"])
                data = mapping(geom)
                coordinates = freeze(round_coordinates(data["coordinates"], 3))
                self._countries.append(_Outline(row["name"], geom, data["type"], coordinates))
        return self._countries

    def info(self) -> dict[str, object]:
        layers = []
        for con in self._layers:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            kinds = dict(con.execute("SELECT kind, count(*) FROM places GROUP BY kind").fetchall())
            names = con.execute("SELECT count(*) FROM names").fetchone()[0]
            layers.append({"meta": meta, "places_by_kind": kinds, "names": names})
        return {"schema": SCHEMA_VERSION, "layers": layers}


class _Outline(NamedTuple):
    """A country's outline for the offline basemap."""

    name: str
    shape: Any  # the shapely geometry (shapely is imported on first use)
    kind: str  # its GeoJSON type
    coordinates: Any  # rounded to 3 decimals, nested tuples: every map shares them


def _remove_stale(current: Path) -> None:
    """Old base indexes are 90 MB each and never read again once a new one exists."""
    for old in current.parent.glob("gazetteer-*.sqlite"):
        if old != current:
            # Another process may still have it open; then it goes next time.
            with contextlib.suppress(OSError):
                old.unlink()


def _rank(
    name: str, hits: Iterable[_Hit], wanted: frozenset[str] | None, limit: int
) -> list[Candidate]:
    """``lookup``'s answer for ``name`` from its hits (``NameHit`` or plain tuples)."""
    best: dict[str, Candidate] = {}
    native = None if name.isascii() else _native_spelling(name)
    hits = list(hits)
    town_names = {
        place.id for place, _, name_type, _ in hits if name_type == "name" and place.kind == "city"
    }
    for place, hit_name, name_type, priority in hits:
        if wanted and place.kind not in wanted:
            continue
        weight = _NAME_TYPE_WEIGHT.get(name_type, 0.8)
        if name_type == "alt" and place.kind == "city" and town_names - {place.id}:
            weight = _STRAY_ALT_WEIGHT
        if native is not None and weight < _NATIVE_SPELLING_WEIGHT and _folded(hit_name) == native:
            weight = _NATIVE_SPELLING_WEIGHT
        score = weight * (0.5 + 0.5 * place_prior(place)) + priority / 1000.0
        kept = best.get(place.id)
        if kept is None or score > kept.score:
            best[place.id] = Candidate(place, round(score, 6))
    if len(best) < 2:  # most names: nothing to weigh against each other
        return list(best.values())[:limit]
    # A region named after its own capital ("Kherson", "New York"): the bare name
    # means the city, so the region yields where the city is among the candidates.
    cities = {
        c.place.country
        for c in best.values()
        if c.place.kind == "city" and c.place.population >= _NAMESAKE_CITY_POPULATION
    }
    for pid, cand in list(best.items()):
        if cand.place.kind == "admin1" and cand.place.country in cities:
            best[pid] = Candidate(cand.place, round(cand.score * 0.85, 6))
    # A user's overlay is an explicit instruction, so it outranks every bundled entry.
    ranked = sorted(
        best.values(),
        key=lambda c: (-(c.place.source == "overlay"), -c.score, c.place.id),
    )
    return ranked[:limit]


def _strip_possessive(key: str) -> str:
    for suffix in (" s", "s"):
        if key.endswith(suffix) and len(key) > len(suffix) + 2:
            return key[: -len(suffix)]
    return key


@lru_cache(maxsize=4096)
def _geometry(stored: bytes | str):  # noqa: ANN202 - shapely type
    """A place's geometry as the index stores it: WKB, or WKT text in an older import."""
    import shapely

    return shapely.from_wkb(stored) if isinstance(stored, bytes) else shapely.from_wkt(stored)


def _folded(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold().strip()


@lru_cache(maxsize=20_000)
def _native_spelling(name: str) -> str | None:
    """The query as written (case-folded) when it is in a non-Latin script, else ``None``."""
    if name.isascii():
        return None
    for ch in name:
        if ch.isalpha():
            if unicodedata.name(ch, "").startswith("LATIN"):
                return None
            return _folded(name)
    return None


def _box(lat: float, lon: float, radius: float) -> tuple[str, tuple[float, ...]]:
    """SQL for a lat/lon box of ``radius`` degrees of latitude around a point (wraps at 180°)."""
    low, high = max(-90.0, lat - radius), min(90.0, lat + radius)
    widest = max(abs(low), abs(high))
    half = radius / max(math.cos(math.radians(widest)), 1e-6)
    if half >= 180 or widest >= 90:
        return "lat BETWEEN ? AND ?", (low, high)
    west, east = lon - half, lon + half
    if west < -180:
        return "lat BETWEEN ? AND ? AND (lon >= ? OR lon <= ?)", (low, high, west + 360, east)
    if east > 180:
        return "lat BETWEEN ? AND ? AND (lon >= ? OR lon <= ?)", (low, high, west, east - 360)
    return "lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?", (low, high, west, east)


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


_PLACE_FIELDS = (
    "id",
    "name",
    "kind",
    "lat",
    "lon",
    "country",
    "admin1",
    "population",
    "source",
    "geometry",
    "geonameid",
)
# A frozen dataclass's __init__ makes one object.__setattr__ call per field (~2 µs for a
# Place; ~10 % of a bulk lookup). While Place stays a plain frozen dataclass (no __slots__,
# no __post_init__, these fields), filling its __dict__ directly makes the very same object
# in a third of the time: still frozen, equal and hashable like one built by __init__.
_FAST_PLACE = (
    tuple(f.name for f in fields(Place)) == _PLACE_FIELDS
    and "__slots__" not in Place.__dict__
    and not hasattr(Place, "__post_init__")
)


def _held(stored: bytes | str | None):  # noqa: ANN202 - WKB or a shapely geometry
    """A stored geometry as a place holds it: WKB as it is (parsed when first read,
    ``geomap.models``), WKT (an import built before schema 6) parsed now."""
    if stored is None or isinstance(stored, bytes):
        return lazy(stored)
    return _geometry(stored)


def _place_from_tuple(row: Sequence) -> Place:
    """A place from its ``_PLACE_COLUMNS``."""
    stored = _held(row[10] or None)
    if not _FAST_PLACE:
        return Place(
            id=row[1],
            name=row[2],
            kind=row[3],
            lat=row[4],
            lon=row[5],
            country=row[6],
            admin1=row[7],
            population=row[8] or 0,
            source=row[9],
            geometry=stored,
            geonameid=row[11],
        )
    place = object.__new__(Place)
    fill = place.__dict__  # one item at a time, in _PLACE_FIELDS order: the quickest way
    fill["id"] = row[1]
    fill["name"] = row[2]
    fill["kind"] = row[3]
    fill["lat"] = row[4]
    fill["lon"] = row[5]
    fill["country"] = row[6]
    fill["admin1"] = row[7]
    fill["population"] = row[8] or 0
    fill["source"] = row[9]
    fill["geometry"] = stored
    fill["geonameid"] = row[11]
    return place


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
        geometry=_held(row["wkt"] or None),
        geonameid=row["geonameid"],
    )


def _memory_index(source: TableSource) -> sqlite3.Connection:
    import tempfile

    # Overlays are small: build them with the same code as every layer, then keep the
    # index in memory so no temporary folder outlives the call (one per worker process).
    with tempfile.TemporaryDirectory(prefix="geomap-overlay-") as folder:
        tmp = Path(folder) / "overlay.sqlite"
        build_index([source], tmp, progress=False, words=False)
        on_disk = open_index(tmp)
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        on_disk.backup(memory)
        on_disk.close()
    memory.row_factory = on_disk.row_factory
    return memory
