"""The ``geomap`` command: a thin layer over ``geomap.pipeline`` and the gazetteer.

Heavy imports (shapely, folium, the gazetteer) happen inside each command so
that ``geomap --help`` stays instant.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer

from . import __version__, collect_garbage_rarely

app = typer.Typer(
    help="Offline event maps from news text: place mentions, gazetteer resolution, events, "
    "HTML maps and GeoJSON.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
gazetteer_app = typer.Typer(help="Search and inspect the offline gazetteer.", no_args_is_help=True)
app.add_typer(gazetteer_app, name="gazetteer")

Overlay = Annotated[
    list[Path] | None,
    typer.Option(
        "--overlay", help="A CSV or GeoJSON of places that add to or override the gazetteer."
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"geomap {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """geomap: offline geospatial event maps for news."""


def _pipeline(overlay: list[Path] | None):  # noqa: ANN202
    from .gazetteer.tables import GazetteerFileError
    from .pipeline import Pipeline

    try:
        return Pipeline(overlays=overlay or ())
    except GazetteerFileError as exc:
        typer.echo(f"geomap: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def build(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files, folders, globs or - for stdin. Default: the config's inputs, else seeds/"
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (default: the config's, else outputs)."),
    ] = None,
    formats: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Comma-separated: html,geojson (default); gpkg, parquet, "
            "csv, qml; png,svg images (--size, --dpi).",
        ),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Map title (default: the article's).")] = None,
    description: Annotated[
        str | None, typer.Option(help="One-line description under the title.")
    ] = None,
    credit: Annotated[str | None, typer.Option(help="Credit line at the foot of the map.")] = None,
    overlay: Overlay = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a machine-readable report.")
    ] = False,
    size: Annotated[
        str | None,
        typer.Option("--size", help="Width x height in pixels of png/svg images, e.g. 1200x800."),
    ] = None,
    dpi: Annotated[
        int | None, typer.Option("--dpi", min=10, max=1200, help="Resolution of png/svg images.")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Config file (default: ./geomap.toml, else [tool.geomap] in ./pyproject.toml).",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=0, help="Worker processes (default: every core)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Parse and write everything again, ignoring the cache.")
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor write <out>/.geomap-cache/.")
    ] = False,
    strict: Annotated[
        bool | None,
        typer.Option(
            "--strict/--no-strict", help="Exit 3 if any place is unresolved or low-confidence."
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Resolver score below which a mention stays unresolved (default 0.35).",
        ),
    ] = None,
    min_confidence: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="--strict: places scoring below this are low-confidence (default 0.5).",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="A Dask scheduler address (tcp://host:8786): geoparse "
            "there and write partitioned GeoParquet (needs geomap[dask]).",
        ),
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Progress bar (default: on a terminal; log lines otherwise).",
        ),
    ] = None,
) -> None:
    """Build a map and GeoJSON per article, plus a combined pair for all of them.

    Exit codes: 0 success, 1 inputs failed, 2 usage error, 3 --strict found weak places."""
    from .config import ConfigError, load_config, merge, parse_formats, parse_size

    try:
        settings = merge(
            load_config(config),
            inputs=inputs,
            out=out,
            title=title,
            description=description,
            credit=credit,
            formats=parse_formats(formats) if formats is not None else None,
            size=parse_size(size) if size is not None else None,
            dpi=dpi,
            overlays=overlay,
            jobs=jobs,
            strict=strict,
            threshold=threshold,
            min_confidence=min_confidence,
        )
    except ConfigError as exc:
        typer.echo(f"geomap: {exc}", err=True)
        raise typer.Exit(2) from None
    from .gazetteer.tables import GazetteerFileError
    from .pipeline import Pipeline

    try:
        pipe = Pipeline(overlays=settings.overlays, threshold=settings.threshold)
    except GazetteerFileError as exc:
        typer.echo(f"geomap: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        if scheduler:
            from .dask import build_on_cluster

            report = build_on_cluster(settings, scheduler, pipeline=pipe, progress=progress)
        else:
            from .batch import build as run_build

            report = run_build(
                settings.inputs,
                settings.out,
                formats=settings.formats,
                title=settings.title,
                description=settings.description,
                credit=settings.credit,
                pipeline=pipe,
                size=settings.size,
                dpi=settings.dpi,
                overlays=settings.overlays,
                threshold=settings.threshold,
                min_confidence=settings.min_confidence,
                jobs=settings.jobs,
                cache=not no_cache,
                force=force,
                strict=settings.strict,
                max_input_bytes=settings.max_input_bytes,
                progress=progress,
                config=settings.source,
            )
    except (ValueError, ImportError) as exc:
        typer.echo(f"geomap: {exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo(
            "geomap: interrupted; outputs written so far are complete, the rest unchanged", err=True
        )
        raise typer.Exit(130) from None
    from .batch import iter_failures

    for line in iter_failures(report):
        typer.echo(f"geomap: failed: {line}", err=True)
    for warning in report.warnings:
        typer.echo(f"geomap: warning: {warning}", err=True)
    if as_json:
        typer.echo(report.to_json())
    else:
        for name, files in report.outputs.items():
            if scheduler:
                typer.echo(
                    f"{name}: {len(files)} GeoParquet parts in {Path(files[0]).parent}"
                    if files
                    else f"{name}: no parts"
                )
                continue
            note = "" if report.events.get(name) else " (no events found: the map is empty)"
            typer.echo(f"{name}: {report.events.get(name, 0)} events -> {', '.join(files)}{note}")
        if report.strict and report.strict_problems:
            kinds = (("unresolved", report.unresolved), ("low-confidence", report.low_confidence))
            for name in report.events:
                for label, problems in kinds:
                    if problems.get(name):
                        typer.echo(
                            f"geomap: strict: {name}: {label}: {', '.join(problems[name])}",
                            err=True,
                        )
        typer.echo(f"geomap: {report.summary()}", err=True)
    if not report.outputs and not report.failures:
        typer.echo("geomap: no input documents found", err=True)
        raise typer.Exit(1)
    raise typer.Exit(report.exit_code())


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Where to write geomap.toml.")] = Path("."),
) -> None:
    """Write a commented starter geomap.toml (never overwrites an existing config)."""
    from .config import write_starter

    try:
        path = write_starter(folder)
    except FileExistsError as exc:
        typer.echo(f"geomap: {exc}", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        typer.echo(
            f"geomap: cannot write {folder / 'geomap.toml'}: {exc.strerror or exc}", err=True
        )
        raise typer.Exit(1) from None
    typer.echo(f"wrote {path}: edit inputs and out, then run `geomap build`")


def _open_jsonl(source: str) -> TextIO:
    try:
        return sys.stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        typer.echo(f"geomap: {source}: cannot read ({exc.strerror or exc})", err=True)
        raise typer.Exit(2) from None


@app.command()
def extract(
    source: Annotated[str, typer.Argument(help="A text file, or - for stdin.")] = "-",
    fmt: Annotated[str, typer.Option("--format", help="table, json or geojson")] = "table",
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="Read JSON Lines documents, write one JSON line each.")
    ] = False,
    overlay: Overlay = None,
) -> None:
    """List the place mentions in a text, with offsets and resolution."""
    from .ingest import Failure, documents_from_jsonl, read_inputs
    from .output import document_json, mentions_table, parsed_geojson

    stream = _open_jsonl(source) if jsonl else None  # a bad path fails before the slow load
    pipe = _pipeline(overlay)
    if stream is not None:
        # What json.dumps makes for these options, without a new encoder per document.
        encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode
        failed = False
        for item in documents_from_jsonl(stream, "<stdin>" if source == "-" else source):
            if isinstance(item, Failure):
                typer.echo(f"geomap: {item.error}", err=True)
                failed = True
                continue
            sys.stdout.write(encode(document_json(pipe(item))) + "\n")
        raise typer.Exit(1 if failed else 0)
    items = read_inputs([source])
    status = 0
    for item in items:
        if isinstance(item, Failure):
            typer.echo(f"geomap: {item.error}", err=True)
            status = 1
            continue
        parsed = pipe(item)
        if fmt == "json":
            typer.echo(
                json.dumps(document_json(parsed), sort_keys=True, ensure_ascii=False, indent=2)
            )
        elif fmt == "geojson":
            typer.echo(parsed_geojson(parsed))
        elif fmt == "table":
            typer.echo(mentions_table(parsed))
        else:
            typer.echo(f"geomap: unknown --format {fmt!r} (table, json, geojson)", err=True)
            raise typer.Exit(2)
    raise typer.Exit(status)


@app.command()
def resolve(
    name: Annotated[str, typer.Argument(help="A place name, in any spelling or script.")],
    limit: Annotated[int, typer.Option(help="How many candidates to show.")] = 10,
    overlay: Overlay = None,
) -> None:
    """Ranked gazetteer candidates for a name."""
    from .gazetteer import Gazetteer
    from .output import candidates_table

    gaz = Gazetteer.default(overlay or ())
    candidates = gaz.search(name, limit=limit)
    if not candidates:
        typer.echo(f"no place called {name!r} in the gazetteer", err=True)
        raise typer.Exit(1)
    typer.echo(candidates_table(candidates))


@app.command("eval")
def evaluate(
    corpus: Annotated[Path, typer.Argument(help="LGL/TR-News, GeoVirus or GeoWebNews XML.")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the scores as JSON.")
    ] = None,
    roles: Annotated[
        str,
        typer.Option(
            help="Mention roles that count as predictions (literal, metonymy, demonym, modifier)."
        ),
    ] = "literal,metonymy,demonym,modifier",
) -> None:
    """Score recognition and resolution against a gold-standard corpus.

    Every role counts by default; ``--roles literal,metonymy`` scores against corpora
    that annotate only place names, not demonyms ("Ukrainian forces") or places inside
    institutions' names ("Ohio Supreme Court")."""
    from .corpora import CorpusError
    from .evaluate import run_eval
    from .ingest import Failure, documents_from_jsonl
    from .output import document_json

    pipe = _pipeline(None)

    def extract_lines(lines):  # noqa: ANN001, ANN202
        for item in documents_from_jsonl(lines):
            if not isinstance(item, Failure):
                yield json.dumps(document_json(pipe(item)))

    try:
        report = run_eval(
            corpus, extract_lines, roles={r.strip() for r in roles.split(",") if r.strip()}
        )
    except CorpusError as exc:
        typer.echo(f"geomap: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(report.to_table())
    if json_out:
        from .io.atomic import write_text

        write_text(json_out, json.dumps(report.to_dict(), sort_keys=True, indent=2) + "\n")


@gazetteer_app.command("search")
def gazetteer_search(
    name: str, limit: Annotated[int, typer.Option()] = 10, overlay: Overlay = None
) -> None:
    """Search the gazetteer (exact, then fuzzy)."""
    resolve(name, limit=limit, overlay=overlay)


@gazetteer_app.command("info")
def gazetteer_info() -> None:
    """Sources, versions and counts of the gazetteer."""
    from .gazetteer import Gazetteer

    typer.echo(json.dumps(Gazetteer.default().info(), sort_keys=True, indent=2))


@gazetteer_app.command("import")
def gazetteer_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="A GeoNames dump (allCountries.txt, UA.txt or .zip), a vector file "
            "GDAL reads (shapefile, GeoPackage, GeoJSON...) or an overlay-format CSV."
        ),
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="Layer name (default: from the file name).")
    ] = None,
    name_field: Annotated[
        str | None,
        typer.Option(
            "--name-field",
            help="Vector files: the field with the place name "
            "(default: the first of name, NAME, Name).",
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="Vector files: the kind of every feature (river, city...; "
            "default: the 'kind' field, else 'place').",
        ),
    ] = None,
    layer: Annotated[
        str | None, typer.Option("--layer", help="Vector files: which layer of a multi-layer file.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="auto, geonames, vector or table.")] = "auto",
) -> None:
    """Add a file's places to the gazetteer as a layer of its own (replacing one of that name)."""
    from .gazetteer.imports import import_file
    from .gazetteer.index import GazetteerBuildError
    from .gazetteer.tables import GazetteerFileError

    try:
        result = import_file(
            file, name=name, fmt=fmt, name_field=name_field, kind=kind, layer=layer
        )
    except (GazetteerFileError, GazetteerBuildError) as exc:
        typer.echo(f"geomap: {exc}", err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(f"geomap: cannot write the gazetteer import: {exc}", err=True)
        raise typer.Exit(2) from None
    skipped = (
        f"; skipped {result.skipped} features without a name or geometry" if result.skipped else ""
    )
    verb = "replaced" if result.replaced else "imported"
    typer.echo(f"{verb} {result.name!r}: {result.places:,} places -> {result.path}{skipped}")


@gazetteer_app.command("remove")
def gazetteer_remove(name: Annotated[str, typer.Argument(help="The import's layer name.")]) -> None:
    """Remove an imported layer."""
    from .gazetteer.imports import remove_import
    from .gazetteer.tables import GazetteerFileError

    try:
        path = remove_import(name)
    except GazetteerFileError as exc:
        typer.echo(f"geomap: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"removed {name!r} ({path})")


def main() -> None:
    collect_garbage_rarely()
    # numpy (under shapely) loads OpenBLAS, which starts a thread per core at import: ~60 ms
    # of CPU on 2 cores, more on bigger machines, for linear algebra geomap never does.
    # Batch workers inherit the setting, so N workers never run N x cores BLAS threads.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    app()
