"""The ``geomap`` command's own handling of its arguments."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from geomap.cli import app


def test_extract_jsonl_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    result = CliRunner().invoke(app, ["extract", "--jsonl", str(missing)])
    assert result.exit_code == 2
    assert result.stderr == f"geomap: {missing}: cannot read (No such file or directory)\n"
    assert result.stdout == ""
