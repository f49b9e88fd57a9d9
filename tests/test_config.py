"""Project config: geomap.toml / [tool.geomap], precedence of flags, `geomap init`."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from geomap.config import (
    STARTER,
    BuildConfig,
    ConfigError,
    find_config,
    load_config,
    merge,
    write_starter,
)

ARTICLE = "Protesters gathered in Tbilisi on Sunday, and police later clashed with them."


def geomap(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geomap", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_no_config_keeps_the_seeds_to_outputs_defaults(tmp_path: Path) -> None:
    assert find_config(tmp_path) is None
    config = load_config(folder=tmp_path)
    assert config == BuildConfig()
    assert config.inputs == ("seeds",) and config.out == Path("outputs")
    assert config.formats == ("html", "geojson") and config.source is None


def test_geomap_toml_sets_every_setting_relative_to_its_folder(tmp_path: Path) -> None:
    (tmp_path / "geomap.toml").write_text(
        """
inputs = ["articles", "more/*.md", "-"]
out = "maps"
formats = "geojson, csv"
jobs = 3
strict = true
max_input_mb = 2.5

[map]
title = "Floods"
description = "May 2024"
credit = "Data desk"
size = "800x600"
dpi = 96

[gazetteer]
overlays = ["places.csv"]
threshold = 0.4
min_confidence = 0.6
""",
        encoding="utf-8",
    )
    config = load_config(folder=tmp_path)
    assert config.source == tmp_path / "geomap.toml"
    assert config.inputs == (str(tmp_path / "articles"), str(tmp_path / "more/*.md"), "-")
    assert config.out == tmp_path / "maps"
    assert config.formats == ("geojson", "csv")
    assert (config.jobs, config.strict, config.max_input_mb) == (3, True, 2.5)
    assert (config.title, config.description, config.credit) == ("Floods", "May 2024", "Data desk")
    assert (config.size, config.dpi) == ((800, 600), 96)
    assert config.overlays == (tmp_path / "places.csv",)
    assert (config.threshold, config.min_confidence) == (0.4, 0.6)


def test_pyproject_tool_table_is_read_when_there_is_no_geomap_toml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.geomap]\ninputs = ["news"]\nout = "maps"\n\n'
        '[tool.geomap.map]\ntitle = "From pyproject"\n',
        encoding="utf-8",
    )
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"
    config = load_config(folder=tmp_path)
    assert config.inputs == (str(tmp_path / "news"),) and config.title == "From pyproject"
    # geomap.toml wins over pyproject.toml
    (tmp_path / "geomap.toml").write_text('out = "elsewhere"\n', encoding="utf-8")
    assert load_config(folder=tmp_path).out == tmp_path / "elsewhere"


def test_a_pyproject_without_tool_geomap_is_not_a_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert find_config(tmp_path) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('inputs = ["a"]\noutt = "x"\n', "unknown setting 'outt'"),
        ("[map]\ntitel = 'x'\n", "unknown setting map.'titel'"),
        ('title = "x"\n', "'title' belongs in [map]"),
        ('jobs = "four"\n', "jobs must be a whole number"),
        ("[gazetteer]\nthreshold = 2\n", "threshold must be between 0 and 1"),
        ('formats = ["html", "pdf"]\n', "unsupported format(s): pdf"),
        ('[map]\nsize = "big"\n', "expected WIDTHxHEIGHT"),
        ("inputs = [\n", "not valid TOML"),
        ("inputs = []\n", "inputs must name at least one"),
    ],
)
def test_a_bad_config_names_the_file_and_the_setting(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "geomap.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(folder=tmp_path)
    assert message in str(info.value)
    assert str(tmp_path / "geomap.toml") in str(info.value) or message.startswith("inputs must")


def test_flags_override_the_config_and_unset_flags_do_not(tmp_path: Path) -> None:
    (tmp_path / "geomap.toml").write_text(
        'inputs = ["a"]\nout = "maps"\nformats = ["geojson"]\n[map]\ntitle = "T"\n',
        encoding="utf-8",
    )
    config = load_config(folder=tmp_path)
    merged = merge(config, inputs=["b.txt"], out=None, title=None, formats=("html",), jobs=2)
    assert merged.inputs == ("b.txt",) and merged.out == tmp_path / "maps"
    assert merged.title == "T" and merged.formats == ("html",) and merged.jobs == 2
    assert merge(config, inputs=[], overlays=[]).inputs == config.inputs  # empty = not given
    with pytest.raises(ConfigError, match="threshold"):
        merge(config, threshold=1.5)


def test_starter_config_is_valid_and_commented(tmp_path: Path) -> None:
    data = tomllib.loads(STARTER)
    assert data["inputs"] == ["articles"] and data["out"] == "maps"
    assert STARTER.count("\n#") > 10, "the starter explains its settings"
    path = write_starter(tmp_path)
    config = load_config(path)
    assert config.inputs == (str(tmp_path / "articles"),) and config.out == tmp_path / "maps"
    with pytest.raises(FileExistsError):
        write_starter(tmp_path)
    assert path.read_text(encoding="utf-8") == STARTER


def test_cli_init_then_build_with_no_arguments(tmp_path: Path) -> None:
    run = geomap("init", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "geomap.toml").exists() and "geomap.toml" in run.stdout
    again = geomap("init", cwd=tmp_path)
    assert again.returncode == 1 and "already holds a geomap config" in again.stderr
    assert (tmp_path / "geomap.toml").read_text(encoding="utf-8") == STARTER

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "tbilisi.md").write_text(
        f"---\ntitle: Tbilisi protest\ndate: 2024-05-12\nsource: Civil.ge\n---\n{ARTICLE}\n",
        encoding="utf-8",
    )
    (articles / "kharkiv.txt").write_text("Shelling hit Kharkiv overnight.", encoding="utf-8")
    config = (tmp_path / "geomap.toml").read_text(encoding="utf-8")
    (tmp_path / "geomap.toml").write_text(
        config.replace('formats = ["html", "geojson"]', 'formats = ["geojson"]'), encoding="utf-8"
    )
    run = geomap("build", "--json", "--no-progress", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["config"] == str(tmp_path / "geomap.toml")
    assert sorted(report["outputs"]) == ["combined", "kharkiv", "tbilisi"]
    assert sorted(p.name for p in (tmp_path / "maps").glob("*.geojson")) == [
        "combined.geojson",
        "kharkiv.geojson",
        "tbilisi.geojson",
    ]
    assert not list((tmp_path / "maps").glob("*.html")), "formats come from the config"
    feature = json.loads((tmp_path / "maps" / "tbilisi.geojson").read_text())["features"][0]
    assert feature["properties"]["source_dates"] == "2024-05-12"

    # flags override the config: another folder, another format, one input
    run = geomap(
        "build",
        "articles/kharkiv.txt",
        "--out",
        "other",
        "--format",
        "html",
        "--no-progress",
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "other").iterdir() if not p.name.startswith(".")) == [
        "kharkiv.embed.html",
        "kharkiv.html",
    ]


def test_cli_init_refuses_when_pyproject_has_tool_geomap(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.geomap]\nout = 'maps'\n", encoding="utf-8")
    run = geomap("init", cwd=tmp_path)
    assert run.returncode == 1 and "pyproject.toml already holds" in run.stderr
    assert not (tmp_path / "geomap.toml").exists()


def test_cli_config_errors_are_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "geomap.toml").write_text('outt = "x"\n', encoding="utf-8")
    run = geomap("build", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "unknown setting 'outt'" in run.stderr
    run = geomap("build", "--config", str(tmp_path / "missing.toml"), cwd=tmp_path)
    assert run.returncode == 2 and "no such config file" in run.stderr
    (tmp_path / "geomap.toml").write_text('inputs = ["a.txt"]\n', encoding="utf-8")
    run = geomap("build", "--format", "html,pdf", cwd=tmp_path)
    assert run.returncode == 2 and "unsupported format(s): pdf" in run.stderr


def test_strict_exit_code_3_for_unresolved_or_low_confidence_places(tmp_path: Path) -> None:
    text = "Protesters gathered in Tbilisi on Sunday. Police clashed with them in Springfield."
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    args = ["build", "a.txt", "--out", "maps", "--format", "geojson", "--no-progress"]
    assert geomap(*args, cwd=tmp_path).returncode == 0
    run = geomap(*args, "--strict", "--min-confidence", "0.99", "--json", cwd=tmp_path)
    assert run.returncode == 3, run.stderr
    report = json.loads(run.stdout)
    assert report["exit_code"] == 3 and "Springfield" in report["low_confidence"]["a"]
    assert report["counts"]["low_confidence"] == len(report["low_confidence"]["a"])
    assert geomap(*args, "--min-confidence", "0.99", cwd=tmp_path).returncode == 0  # not strict
    run = geomap(*args, "--strict", "--threshold", "1.0", cwd=tmp_path)
    assert run.returncode == 3
    assert "geomap: strict: a: unresolved: Springfield, Tbilisi" in run.stderr
    # from the config, and a failure wins over strictness
    (tmp_path / "geomap.toml").write_text(
        "strict = true\n[gazetteer]\nmin_confidence = 0.99\n", encoding="utf-8"
    )
    assert geomap(*args, cwd=tmp_path).returncode == 3
    assert geomap(*args, "--no-strict", cwd=tmp_path).returncode == 0
    assert geomap(*args[:1], "a.txt", "missing.txt", *args[2:], cwd=tmp_path).returncode == 1
