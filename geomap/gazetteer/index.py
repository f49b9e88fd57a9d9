"""The compiled gazetteer: one SQLite file built once from every source.

SQLite rather than a pickled dict because opening it costs nothing: a CLI call
that resolves one name pages in a few index blocks instead of loading a
quarter of a million places into memory.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .base import GazetteerSource, PlaceRecord
from .normalise import name_key
from .tables import GazetteerFileError

SCHEMA_VERSION = "6"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE places (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    country TEXT,
    admin1 TEXT,
    population INTEGER NOT NULL DEFAULT 0,
    geonameid INTEGER,
    feature_code TEXT,
    -- The geometry as WKB (parsed several times faster than WKT), or WKT text in an
    -- import built before schema 6; the name is kept so those stay readable.
    wkt BLOB,
    source TEXT NOT NULL,
    priority INTEGER NOT NULL
);
-- The common words (zipf >= COMMON_ZIPF) packed into one row, newline-separated words and
-- their space-separated zipfs in the same order: read at every start-up, and one value is
-- split several times faster than thousands of rows are fetched.
CREATE TABLE common_words (words TEXT NOT NULL, zipfs TEXT NOT NULL);
CREATE TABLE names (
    key TEXT NOT NULL,
    place INTEGER NOT NULL REFERENCES places(rowid),
    name TEXT NOT NULL,
    type TEXT NOT NULL
);
-- The distinct name keys by first character and length, newline-separated (keys are
-- [a-z0-9 ]): a fuzzy lookup scans a few of these instead of DISTINCT over the names.
CREATE TABLE near_keys (
    first TEXT NOT NULL,
    length INTEGER NOT NULL,
    keys TEXT NOT NULL,
    PRIMARY KEY (first, length)
) WITHOUT ROWID;
"""
#: ``names_key`` covers every column of ``names``, so a lookup reads the index alone and
#: never the table (about a quarter less work for SQLite in a bulk lookup).
_INDEXES = """
CREATE INDEX names_key ON names(key, place, name, type);
CREATE INDEX places_country_admin1 ON places(country, admin1, kind);
CREATE INDEX places_lat_lon ON places(lat, lon);
"""
#: Filled once the names are indexed (DISTINCT then reads the index alone).
_NEAR_KEYS = """
INSERT INTO near_keys
    SELECT substr(key, 1, 1), length(key), group_concat(key, char(10))
    FROM (SELECT DISTINCT key FROM names) GROUP BY 1, 2;
"""
#: Words at least this frequent (Zipf scale) are the recogniser's common words.
COMMON_ZIPF = 3.0


#: Upper bound on the memory map of an index (SQLite maps no more than the file).
_MMAP_BYTES = 1 << 30


class GazetteerBuildError(RuntimeError):
    """A source could not be read; the existing index is left untouched."""


def default_cache_dir() -> Path:
    env = os.environ.get("GEOMAP_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "geomap"


def _code_digest() -> bytes:
    # The index bakes in decisions made by this code (name types, derived regions),
    # so editing it must invalidate old indexes just as new data does.
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _INDEX_CODE:
        digest.update((here / name).read_bytes())
    return digest.digest()


#: The modules whose code decides what goes into the index (lookups and geocoding do not).
_INDEX_CODE = ("index.py", "geonames.py", "tables.py", "normalise.py", "base.py", "../lexicon.py")


def fingerprint(sources: Sequence[GazetteerSource]) -> str:
    digest = hashlib.sha256(SCHEMA_VERSION.encode())
    digest.update(_code_digest())
    for source in sources:
        digest.update(f"\0{source.name}\0{source.priority}\0{source.version()}".encode())
    return digest.hexdigest()[:16]


def build_index(
    sources: Sequence[GazetteerSource],
    path: Path,
    *,
    progress: bool | None = None,
    words: bool = True,
) -> Path:
    """Write the index for ``sources`` to ``path`` atomically (temp file, then rename).

    ``words=False`` leaves the common-word table empty: only the base layer's is read,
    so imports and overlays skip the seconds it takes to compute.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    show = sys.stderr.isatty() if progress is None else progress
    fd, tmp_name = tempfile.mkstemp(prefix=".gazetteer-", suffix=".sqlite", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        con = sqlite3.connect(tmp)
        con.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        rowid = 0
        for source in sources:
            rowid = _insert_source(con, source, rowid, show)
        if words:
            _insert_words(con)
        if show:
            print("geomap: indexing names…", file=sys.stderr, flush=True)
        con.executescript(_INDEXES + _NEAR_KEYS)
        con.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [
                ("schema", SCHEMA_VERSION),
                ("fingerprint", fingerprint(sources)),
                *((f"source:{s.name}", s.version()) for s in sources),
            ],
        )
        con.commit()
        con.execute("ANALYZE")
        con.close()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _insert_words(con: sqlite3.Connection) -> None:
    # Common English words that are also place names ("Read", "Mark", "March"): a word
    # the dictionary lists in lower case, with its frequency. Proper nouns ("Richmond")
    # appear there only capitalised, so they stay place candidates. Computed once here
    # so the recogniser never imports wordfreq or the word list at run time.
    from english_words import get_english_words_set
    from wordfreq import zipf_frequency

    lower = {
        w for w in get_english_words_set(["web2", "gcide"], lower=False, alpha=True) if w.islower()
    }
    rows = ((w, zipf_frequency(w, "en")) for w in lower)
    common = sorted(r for r in rows if r[1] >= COMMON_ZIPF)
    # repr: the shortest text that reads back as the very same float.
    con.execute(
        "INSERT INTO common_words VALUES (?, ?)",
        ("\n".join(w for w, _ in common), " ".join(repr(z) for _, z in common)),
    )


def _insert_source(con: sqlite3.Connection, source: GazetteerSource, rowid: int, show: bool) -> int:
    place_rows: list[tuple] = []
    name_rows: list[tuple] = []
    count = 0
    try:
        for rec in source.places():
            rowid += 1
            count += 1
            place_rows.append(_place_row(rowid, rec, source))
            name_rows.extend(_name_rows(rowid, rec))
            if len(place_rows) >= 20_000:
                _flush(con, place_rows, name_rows)
                if show:
                    print(f"geomap: {source.name}: {count:,} places", file=sys.stderr, flush=True)
    except GazetteerFileError:
        raise  # already names the file and line
    except (OSError, ValueError, KeyError) as exc:
        raise GazetteerBuildError(f"gazetteer source {source.name!r}: {exc}") from exc
    _flush(con, place_rows, name_rows)
    if show:
        print(f"geomap: {source.name}: {count:,} places", file=sys.stderr, flush=True)
    return rowid


def _flush(con: sqlite3.Connection, place_rows: list[tuple], name_rows: list[tuple]) -> None:
    # A later source may re-supply an id (an overlay overriding a bundled row): last wins.
    con.executemany(
        "INSERT OR REPLACE INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", place_rows
    )
    con.executemany("INSERT INTO names VALUES (?,?,?,?)", name_rows)
    place_rows.clear()
    name_rows.clear()


def _place_row(rowid: int, rec: PlaceRecord, source: GazetteerSource) -> tuple:
    return (
        rowid,
        rec.id,
        rec.name,
        rec.kind,
        rec.lat,
        rec.lon,
        rec.country,
        rec.admin1,
        rec.population,
        rec.geonameid,
        rec.feature_code,
        _wkb(rec.wkt),
        source.name,
        source.priority,
    )


def _wkb(wkt: str | None) -> bytes | None:
    import shapely

    return shapely.to_wkb(shapely.from_wkt(wkt)) if wkt else None


def _name_rows(rowid: int, rec: PlaceRecord) -> Iterator[tuple]:
    names = rec.names or ((rec.name, "name"),)
    seen: set[str] = set()
    for name, kind in names:
        key = name_key(name)
        if key and key not in seen:
            seen.add(key)
            yield (key, rowid, name, kind)


def open_index(path: Path) -> sqlite3.Connection:
    # Read-only URI: a crashed or concurrent build can never be written through a reader.
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    con.row_factory = sqlite3.Row
    # Memory-mapped reads: pages come straight from the OS's cache instead of a read() into
    # SQLite's small page cache each time (a bulk lookup touches tens of thousands).
    con.execute(f"PRAGMA mmap_size={_MMAP_BYTES}").close()
    return con


def index_is_current(path: Path, sources: Iterable[GazetteerSource]) -> bool:
    if not path.exists():
        return False
    try:
        con = open_index(path)
        row = con.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()
        con.close()
    except sqlite3.DatabaseError:
        return False
    return row is not None and row[0] == fingerprint(list(sources))
