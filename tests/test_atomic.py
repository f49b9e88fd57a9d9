"""Atomic writes, and the staging folders batch workers create their temporary files in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from geomap.cache import remove_stale_temp_files
from geomap.io import atomic


@pytest.fixture
def no_staging():
    yield
    atomic._staging.clear()


def test_a_write_replaces_the_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "map.geojson"
    atomic.write_text(target, "old")
    atomic.write_text(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.geojson"]
    assert (target.stat().st_mode & 0o777) == 0o644


def test_staged_writes_go_through_the_process_folder(
    tmp_path: Path, no_staging, monkeypatch
) -> None:  # noqa: ANN001
    atomic.stage_writes(tmp_path)
    staging = tmp_path / f"{atomic.STAGING_PREFIX}{os.getpid()}"
    created_in = []
    mkstemp = atomic.tempfile.mkstemp

    def spy(**kwargs):  # noqa: ANN003, ANN202
        made = mkstemp(**kwargs)
        created_in.append(Path(kwargs["dir"]))
        return made

    monkeypatch.setattr(atomic.tempfile, "mkstemp", spy)
    atomic.write_text(tmp_path / "a.geojson", "a")
    atomic.write_text(tmp_path / "sub" / "b.geojson", "b")  # another folder: not staged
    assert created_in == [staging, tmp_path / "sub"]
    assert (tmp_path / "a.geojson").read_text() == "a"
    assert (tmp_path / "sub" / "b.geojson").read_text() == "b"
    assert staging.is_dir() and not list(staging.iterdir())
    # the folder removed behind its back (another build's cleanup) is made again
    staging.rmdir()
    atomic.write_text(tmp_path / "a.geojson", "again")
    assert (tmp_path / "a.geojson").read_text() == "again"
    atomic.remove_staging(tmp_path, [os.getpid()])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.geojson", "sub"]


def test_a_killed_writer_s_staging_folder_is_cleaned_up(tmp_path: Path) -> None:
    staging = tmp_path / f"{atomic.STAGING_PREFIX}4242"
    staging.mkdir()
    (staging / ".doc.geojson.abc123.tmp").write_text("half")
    (tmp_path / ".other.geojson.def456.tmp").write_text("half")
    (tmp_path / "doc.geojson").write_text("{}")
    assert remove_stale_temp_files([tmp_path], older_than=0.0) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.geojson"]
