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


def staging_folder(folder: Path, pid: int) -> Path:
    return folder / f"{STAGING_PREFIX}{pid}"


def stage_writes(folder: Path) -> None:
    """From now on, this process creates the temporary files of its writes into ``folder``
    in a folder of its own inside it, and renames each into place when complete.

    Creating a file holds its folder's lock while the inode is allocated, which is slow on
    some file systems; processes writing into one folder then queue on that lock, spinning,
    and a batch's workers spent a third more CPU writing than one process alone. A rename
    holds the lock only briefly. The staging folder is removed by ``remove_staging``."""
    _staging[folder] = staging_folder(folder, os.getpid())


def remove_staging(folder: Path, pids: Iterable[int]) -> None:
    """Remove the staging folders of these processes (ended) in ``folder``, with any
    temporary file one killed mid-write left."""
    for pid in pids:
        shutil.rmtree(staging_folder(folder, pid), ignore_errors=True)


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = _staging.get(path.parent)
    if staging is None:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    else:
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=staging)
        except FileNotFoundError:
            staging.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=staging)
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


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))
