"""The country tables behind actor naming, kept in the user cache between runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geomap import actors


def _ordered(tables: list[dict[str, str]]) -> list[list[tuple[str, str]]]:
    # Order matters: country_name's case-insensitive fallback keeps the last of equal keys.
    return [list(t.items()) for t in tables]


def test_cached_tables_equal_built_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(tmp_path))
    built = _ordered(actors._build_tables())
    assert _ordered(actors._cached_tables()) == built  # built, then written
    [path] = tmp_path.glob("countries-*.json")
    assert _ordered(actors._cached_tables()) == built  # read back
    path.write_text("{not json", encoding="utf-8")
    assert _ordered(actors._cached_tables()) == built  # a broken file is rebuilt
    assert _ordered(json.loads(path.read_text(encoding="utf-8"))) == built


def test_unwritable_cache_still_gives_the_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(blocker / "cache"))
    assert _ordered(actors._cached_tables()) == _ordered(actors._build_tables())
