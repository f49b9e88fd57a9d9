"""Atomic writes: a reader (or a killed build) only ever sees the old file or the new one."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

#: A process's staging folder inside an output folder is named this plus its pid.
STAGING_PREFIX = ".geomap-staging-"

# Output folder -> this process's staging folder in it (see ``stage_writes``).
_staging: dict[Path, Path] = {}


def _staging_folder(folder: Path, pid: int) -> Path:
    return folder / f"{STAGING_PREFIX}{pid}"


def stage_writes(folder: Path) -> None:
    """From now on, this process creates the temporary files of its writes into ``folder``
    in a folder of its own inside it, and renames each into place when complete.

    Creating a file holds its folder's lock while the inode is allocated, which is slow on
    some file systems; processes writing into one folder then queue on that lock, spinning:
    a batch's two workers spent half as much CPU again on writing as one process alone. A
    rename holds the lock only briefly. The staging folder is removed by ``remove_staging``."""
    _staging[folder] = _staging_folder(folder, os.getpid())


def remove_staging(folder: Path, pids: Iterable[int]) -> None:
    """Remove the staging folders of these processes (ended) in ``folder``, with any
    temporary file one killed mid-write left."""
    for pid in pids:
        shutil.rmtree(_staging_folder(folder, pid), ignore_errors=True)


def write_bytes(path: Path, data: bytes) -> None:
    folder = _staging.get(path.parent, path.parent)
    try:
        fd, tmp = _temp_file(path, folder)
    except FileNotFoundError:
        # The output folder, or this process's staging folder in it, is made on first use,
        # not asked for on every write (a system call per file of a batch).
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = _temp_file(path, folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            # No fsync: the rename already guarantees a killed build never leaves a
            # half-written file, and syncing every file made batches disk-bound.
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _temp_file(path: Path, folder: Path) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))
