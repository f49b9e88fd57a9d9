"""Project configuration for ``geomap build``: ``geomap.toml``, or ``[tool.geomap]`` in
``pyproject.toml``.

Precedence: command-line flags, then the config file, then the built-in defaults (which
are ``seeds`` -> ``outputs``, html and GeoJSON). Relative paths in a config file are
relative to the folder the file is in, so ``geomap build`` means the same thing from
wherever it is started with ``--config``.

The config file is looked up in the current folder only (``geomap.toml`` first, then a
``pyproject.toml`` with a ``[tool.geomap]`` table): a build run by a scheduler never
picks up a file from a parent folder by surprise.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

CONFIG_FILE = "geomap.toml"
PYPROJECT = "pyproject.toml"
DEFAULT_INPUTS: tuple[str, ...] = ("seeds",)
DEFAULT_OUT = "outputs"
DEFAULT_FORMATS: tuple[str, ...] = ("html", "geojson")


class ConfigError(ValueError):
    """The config file (or a flag) is unusable; the message names the file and the key."""


@dataclass(frozen=True)
class BuildConfig:
    """Everything ``geomap build`` needs to know besides the documents themselves."""

    inputs: tuple[str, ...] = DEFAULT_INPUTS
    out: Path = Path(DEFAULT_OUT)
    formats: tuple[str, ...] = DEFAULT_FORMATS
    title: str | None = None
    description: str | None = None
    credit: str | None = None
    size: tuple[int, int] = (1200, 800)
    dpi: int = 150
    overlays: tuple[Path, ...] = ()
    #: Resolver score below which a mention stays unresolved (None: the resolver's default).
    threshold: float | None = None
    #: ``--strict``: a resolved place scoring below this is reported as low-confidence.
    min_confidence: float = 0.5
    #: Worker processes; 0 means every local core.
    jobs: int = 0
    strict: bool = False
    #: Inputs larger than this are refused (the text stages are not linear in the length).
    max_input_mb: float = 1.0
    #: The file these settings came from (None: built-in defaults).
    source: Path | None = field(default=None, compare=False)

    def fingerprint(self) -> dict[str, Any]:
        """The settings that change what a document's outputs look like (the cache key's part)."""
        return {
            "formats": sorted(self.formats),
            "title": self.title,
            "description": self.description,
            "credit": self.credit,
            "size": list(self.size),
            "dpi": self.dpi,
            "threshold": self.threshold,
        }

    @property
    def max_input_bytes(self) -> int:
        return int(self.max_input_mb * 1024 * 1024)


# -- reading ------------------------------------------------------------------------------

#: key -> (section, type). Sections mirror the starter file's tables.
_KEYS: dict[str, tuple[str, str]] = {
    "inputs": ("", "paths"),
    "out": ("", "path"),
    "formats": ("", "formats"),
    "jobs": ("", "int"),
    "strict": ("", "bool"),
    "max_input_mb": ("", "number"),
    "title": ("map", "str"),
    "description": ("map", "str"),
    "credit": ("map", "str"),
    "size": ("map", "size"),
    "dpi": ("map", "int"),
    "overlays": ("gazetteer", "paths"),
    "threshold": ("gazetteer", "number"),
    "min_confidence": ("gazetteer", "number"),
}
_SECTIONS = {"map", "gazetteer"}


def find_config(folder: Path | None = None) -> Path | None:
    """``geomap.toml`` in ``folder`` (default: the current folder), else a ``pyproject.toml``
    there that has a ``[tool.geomap]`` table, else None."""
    here = Path(folder) if folder is not None else Path.cwd()
    candidate = here / CONFIG_FILE
    if candidate.is_file():
        return candidate
    pyproject = here / PYPROJECT
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return None  # somebody else's broken pyproject is not our config
        if isinstance(data.get("tool"), dict) and "geomap" in data["tool"]:
            return pyproject
    return None


def load_config(path: Path | None = None, *, folder: Path | None = None) -> BuildConfig:
    """Read ``path`` (or the config found in ``folder``); built-in defaults when there is none."""
    if path is None:
        path = find_config(folder)
        if path is None:
            return BuildConfig()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    if path.name == PYPROJECT:
        tool = data.get("tool")
        table = tool.get("geomap") if isinstance(tool, dict) else None
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: no [tool.geomap] table")
        data, prefix = table, "tool.geomap."
    else:
        prefix = ""
    return _from_table(data, path, prefix)


def _from_table(data: Mapping[str, Any], path: Path, prefix: str) -> BuildConfig:
    base = path.parent
    flat: dict[str, tuple[str, Any]] = {}
    for key, value in data.items():
        if key in _SECTIONS:
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: [{prefix}{key}] must be a table")
            for sub, subvalue in value.items():
                _check_key(path, prefix, sub, key)
                flat[sub] = (f"{prefix}{key}.{sub}", subvalue)
        else:
            _check_key(path, prefix, key, "")
            flat[key] = (f"{prefix}{key}", value)
    values: dict[str, Any] = {}
    for key, (where, value) in flat.items():
        values[key] = _convert(path, where, _KEYS[key][1], value, base)
    config = BuildConfig(**values, source=path)
    return validate(config, where=str(path))


def _check_key(path: Path, prefix: str, key: str, section: str) -> None:
    spec = _KEYS.get(key)
    if spec is None:
        known = ", ".join(sorted(_KEYS))
        raise ConfigError(
            f"{path}: unknown setting {prefix}{section + '.' if section else ''}{key!r} "
            f"(known: {known})"
        )
    if spec[0] != section:
        right = (
            f"[{prefix}{spec[0]}]" if spec[0] else ("[tool.geomap]" if prefix else "the top level")
        )
        raise ConfigError(f"{path}: {key!r} belongs in {right}")


def _convert(path: Path, where: str, kind: str, value: Any, base: Path) -> Any:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{path}: {where} must be {expected}, not {value!r}")

    if kind == "str":
        if not isinstance(value, str):
            raise bad("a string")
        return value or None
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("a whole number")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number")
        return float(value)
    if kind == "path":
        if not isinstance(value, str) or not value:
            raise bad("a path (string)")
        return _relative(base, value)
    if kind == "paths":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise bad("a list of paths")
        if where.endswith("inputs"):
            return tuple(i if i == "-" else str(_relative(base, i)) for i in items)
        return tuple(_relative(base, i) for i in items)
    if kind == "formats":
        try:
            return parse_formats(value)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {where}: {exc}") from None
    if kind == "size":
        try:
            return parse_size(value)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {where}: {exc}") from None
    raise AssertionError(kind)


def _relative(base: Path, value: str) -> Path:
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else base / path


def parse_formats(value: str | Sequence[str]) -> tuple[str, ...]:
    from .render.write import SUPPORTED_FORMATS

    items = value.split(",") if isinstance(value, str) else list(value)
    if not all(isinstance(i, str) for i in items):
        raise ConfigError(f"formats must be names, not {value!r}")
    names = tuple(dict.fromkeys(i.strip().lower() for i in items if i.strip()))
    if not names:
        raise ConfigError("no output format given")
    unknown = [n for n in names if n not in SUPPORTED_FORMATS]
    if unknown:
        raise ConfigError(
            f"unsupported format(s): {', '.join(unknown)} "
            f"(choose from {', '.join(SUPPORTED_FORMATS)})"
        )
    return names


def parse_size(value: object) -> tuple[int, int]:
    text = str(value)
    match = re.fullmatch(r"\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*", text)
    if not match or not all(16 <= int(n) <= 10_000 for n in match.groups()):
        raise ConfigError(
            f"expected WIDTHxHEIGHT in pixels (16 to 10000 each), e.g. 1200x800, not {text!r}"
        )
    return int(match.group(1)), int(match.group(2))


def validate(config: BuildConfig, *, where: str = "geomap") -> BuildConfig:
    """Range checks shared by the file and the flags."""
    checks = [
        (
            config.threshold is None or 0.0 <= config.threshold <= 1.0,
            "threshold must be between 0 and 1",
        ),
        (0.0 <= config.min_confidence <= 1.0, "min_confidence must be between 0 and 1"),
        (config.jobs >= 0, "jobs must be 0 (every core) or more"),
        (10 <= config.dpi <= 1200, "dpi must be between 10 and 1200"),
        (config.max_input_mb > 0, "max_input_mb must be more than 0"),
        (bool(config.inputs), "inputs must name at least one file, folder or glob"),
    ]
    for ok, message in checks:
        if not ok:
            raise ConfigError(f"{where}: {message}")
    return config


def merge(config: BuildConfig, **flags: Any) -> BuildConfig:
    """``config`` with every flag that was given (not None) on top."""
    known = {f.name for f in fields(BuildConfig)}
    given = {k: v for k, v in flags.items() if v is not None}
    unknown = set(given) - known
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    for key in ("inputs", "formats", "overlays"):
        if key in given:
            given[key] = tuple(given[key])
            if key == "overlays" and not given[key]:
                del given[key]  # an empty --overlay list means "not given"
            elif key == "inputs" and not given[key]:
                del given[key]
    return validate(replace(config, **given), where="geomap")


def resolved_jobs(jobs: int) -> int:
    """``jobs`` with 0 meaning every core this process may run on."""
    if jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# -- geomap init --------------------------------------------------------------------------

STARTER = """\
# geomap project configuration: `geomap build` (no arguments) in this folder reads it.
# Command-line flags override every setting here. Relative paths are relative to this file.
# The same settings can live in pyproject.toml under [tool.geomap] (and [tool.geomap.map],
# [tool.geomap.gazetteer]).

# Articles to map: files, folders (their .txt, .md, .html and .jsonl files), globs, or "-"
# for standard input. Markdown may carry YAML front matter (title, date, url, source);
# a text file's metadata lives in a sidecar <name>.meta.json.
inputs = ["articles"]

# Output folder. geomap keeps its incremental-build cache in <out>/.geomap-cache/.
out = "maps"

# Any of: html, geojson, gpkg, parquet, csv, qml, png, svg.
formats = ["html", "geojson"]

# Worker processes for parsing and writing; 0 means every local core.
# jobs = 0

# Treat unresolved or low-confidence places as a failure (exit code 3), as --strict does.
# strict = false

# Inputs larger than this many megabytes are refused with a message.
# max_input_mb = 1.0

[map]
# Title of every map (default: each article's own title; "N articles" for the combined map).
# title = "Flooding in Rio Grande do Sul"
# description = "Places named in our coverage, May 2024"
# credit = "Newsroom data desk; basemap: geomap gazetteer"
# size = "1200x800"   # png/svg images, in pixels
# dpi = 150

[gazetteer]
# CSV or GeoJSON files of places that add to or override the bundled gazetteer
# (columns id,name,alt_names,kind,lat,lon,country,admin1,population).
# overlays = ["places.csv"]

# Resolver score (0-1) below which a mention stays unresolved (default 0.35).
# threshold = 0.35

# With strict = true (or --strict), resolved places scoring below this are reported.
# min_confidence = 0.5
"""


def write_starter(folder: Path | None = None) -> Path:
    """Write a commented ``geomap.toml`` into ``folder``; never overwrite an existing config."""
    here = Path(folder) if folder is not None else Path.cwd()
    target = here / CONFIG_FILE
    existing = find_config(here)
    if existing is not None:
        raise FileExistsError(f"{existing} already holds a geomap config; not overwriting it")
    here.mkdir(parents=True, exist_ok=True)
    # "x": fail rather than overwrite if the file appeared meanwhile.
    with open(target, "x", encoding="utf-8") as fh:
        fh.write(STARTER)
    return target
