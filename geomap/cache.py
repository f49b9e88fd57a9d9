"""The incremental-build cache under ``<out>/.geomap-cache/``.

* ``docs/<k[:2]>/<k>.pickle``: a document's ``ParsedDocument``, under a key ``k`` that is the
  sha256 of the input's bytes (file plus sidecar, or the JSON line), the settings that shape
  its outputs, the gazetteer's fingerprint and geomap's own (version and code). Anything that
  could change the result changes the key, so an entry is never stale, only unused.
* ``manifest.json``: which output files each map name was last written from (key, size and
  mtime of every file), so unchanged maps are not even re-written.

Everything is written atomically. A cache that cannot be read is reported (one line) and
ignored: the documents are parsed again. Entries are pickles written by geomap itself into
the output folder; do not point ``--out`` at a folder others can write to.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from . import __version__
from .io.atomic import STAGING_PREFIX, write_bytes
from .models import ParsedDocument

CACHE_DIR = ".geomap-cache"
#: Bump when the entry or manifest layout changes.
FORMAT = 1
_MAGIC = b"geomap-cache\x00%d\n" % FORMAT


def sha256_json(value: object) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()


_CODE: str | None = None


def code_fingerprint() -> str:
    """geomap's version and a digest of its code and bundled assets: editing any stage
    (or upgrading geomap) invalidates every entry."""
    global _CODE
    if _CODE is None:
        root = Path(__file__).resolve().parent
        digest = hashlib.sha256(f"geomap {__version__}\0cache {FORMAT}\0".encode())
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes())
        _CODE = f"{__version__}+{digest.hexdigest()[:16]}"
    return _CODE


def gazetteer_fingerprint(gazetteer: object, overlays: Iterable[Path] = ()) -> str:
    """Every layer's recorded fingerprint and sources, plus the overlay files' bytes."""
    digest = hashlib.sha256()
    for con in getattr(gazetteer, "_layers", []):
        try:
            rows = sorted(tuple(map(str, r)) for r in con.execute("SELECT key, value FROM meta"))
        except Exception as exc:  # noqa: BLE001 - an odd layer only weakens the cache
            rows = [("error", repr(exc))]
        digest.update(json.dumps(rows).encode())
    for path in overlays:
        digest.update(str(path).encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


class BuildCache:
    """Per-document results and the output manifest of one output folder."""

    def __init__(self, out: Path, *, enabled: bool = True) -> None:
        self.root = Path(out) / CACHE_DIR
        self.enabled = enabled
        #: Problems met reading the cache: reported once, never fatal.
        self.problems: list[str] = []
        self._lock: IO[bytes] | None = None

    # -- entries --------------------------------------------------------------------------

    def entry_path(self, key: str) -> Path:
        return self.root / "docs" / key[:2] / f"{key}.pickle"

    def load(self, key: str) -> ParsedDocument | None:
        if not self.enabled:
            return None
        path = self.entry_path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.problems.append(f"{path}: {exc.strerror or exc}")
            return None
        return self._decode(path, key, data)

    def _decode(self, path: Path, key: str, data: bytes) -> ParsedDocument | None:
        try:
            if not data.startswith(_MAGIC):
                raise ValueError("not a geomap cache entry")
            stored_key, parsed = pickle.loads(data[len(_MAGIC) :])  # noqa: S301 - our own file
            if stored_key != key or not isinstance(parsed, ParsedDocument):
                raise ValueError("entry does not match its key")
        except Exception as exc:  # noqa: BLE001 - any damage means: parse the document again
            self.problems.append(f"{path}: {type(exc).__name__}: {exc}")
            return None
        return parsed

    def store(self, key: str, parsed: ParsedDocument) -> None:
        if self.enabled:
            store_entry(self.root, key, parsed)

    def prune(self, keep: set[str]) -> int:
        """Remove entries this build did not use; returns how many."""
        removed = 0
        docs = self.root / "docs"
        if not self.enabled or not docs.is_dir():
            return 0
        for path in docs.glob("*/*.pickle"):
            if path.stem not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
        return removed

    # -- manifest -------------------------------------------------------------------------

    def load_manifest(self) -> dict[str, Any]:
        if not self.enabled:
            return {}
        path = self.root / "manifest.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError("unknown manifest format")
            outputs = data.get("outputs")
            if not isinstance(outputs, dict):
                raise ValueError("no outputs table")
            return outputs
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            self.problems.append(f"{path}: {type(exc).__name__}: {exc}")
            return {}

    def save_manifest(self, outputs: dict[str, Any]) -> None:
        if not self.enabled:
            return
        data = {"format": FORMAT, "geomap": code_fingerprint(), "outputs": outputs}
        write_bytes(self.root / "manifest.json", json.dumps(data, sort_keys=True).encode())

    # -- locking and housekeeping -----------------------------------------------------------

    def acquire(self) -> None:
        """Take the folder's build lock (one build at a time per output folder) and mark the
        cache as ignorable by git. Raises ``BlockingIOError`` if another build holds it."""
        if not self.enabled:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        ignore = self.root / ".gitignore"
        if not ignore.exists():
            write_bytes(ignore, b"# geomap's build cache: safe to delete, never commit it\n*\n")
        fh = open(self.root / "lock", "a+b")  # noqa: SIM115 - held for the whole build
        try:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # not POSIX: no lock
            pass
        except BlockingIOError:
            fh.close()
            raise
        self._lock = fh

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def problem_line(self) -> str | None:
        """One line for every problem met (the first named), or None."""
        if not self.problems:
            return None
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"cache {self.root} is damaged, ignoring it and rebuilding: {self.problems[0]}{more}"


def store_entry(root: Path, key: str, parsed: ParsedDocument) -> None:
    """Write one entry (also called from worker processes). Never raises: a cache that cannot
    be written only makes the next build slower."""
    path = root / "docs" / key[:2] / f"{key}.pickle"
    try:
        write_bytes(path, _MAGIC + pickle.dumps((key, parsed), protocol=pickle.HIGHEST_PROTOCOL))
    except Exception as exc:  # noqa: BLE001
        print(f"geomap: warning: cannot write cache entry {path}: {exc}", file=sys.stderr)


def file_state(path: Path) -> list[int] | None:
    """(size, mtime in ns) of an output file: how the manifest recognises an untouched file."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def remove_stale_temp_files(folders: Iterable[Path], older_than: float = 60.0) -> int:
    """Temp files (``.<name>.<random>.tmp``) left by a killed build, older than
    ``older_than`` seconds. Call it only while holding the build lock."""
    now = time.time()
    removed = 0
    for folder in folders:
        for path in _temp_files(folder):
            with contextlib.suppress(OSError):
                if path.is_file() and now - path.stat().st_mtime >= older_than:
                    path.unlink()
                    removed += 1
        for staging in folder.glob(f"{STAGING_PREFIX}*"):
            with contextlib.suppress(OSError):
                staging.rmdir()  # now empty
    return removed


def _temp_files(folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    yield from folder.glob(".*.tmp")
    yield from folder.glob(f"{STAGING_PREFIX}*/.*.tmp")
    docs = folder / CACHE_DIR / "docs"
    if docs.is_dir():
        yield from docs.glob("*/.*.tmp")
    yield from (folder / CACHE_DIR).glob(".*.tmp")
