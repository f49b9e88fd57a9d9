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


def test_help_lists_every_command_in_plain_text_without_loading_rich() -> None:
    import subprocess
    import sys

    # Rich's help panels import its Markdown renderer and traceback module (and
    # markdown-it): ~0.09 s, a third of `geomap --help`, for boxes around the same text.
    code = (
        "import sys\nfrom geomap.cli import app\ntry:\n    app(['--help'], prog_name='geomap')\n"
        "except SystemExit as end:\n    assert end.code == 0, end.code\n"
        "print(sorted(m for m in ('typer.rich_utils', 'rich.markdown', 'markdown_it')"
        " if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.rstrip().endswith("[]")
    for command in ("build", "init", "extract", "resolve", "eval", "gazetteer"):
        assert f"\n  {command} " in done.stdout
    result = CliRunner().invoke(app, ["build", "--help"])
    assert result.exit_code == 0
    # no markup escapes left in plain text
    assert "else [tool.geomap] in" in " ".join(result.stdout.split())
