"""``geomap build`` over many documents: parallel, incremental, atomic, and never half-done.

A build runs in four steps:

1. **collect**: expand the inputs (files, folders, globs, ``-``, JSON Lines), refuse what
   cannot be a document (missing, too large, unreadable), and compute each document's
   cache key (``geomap.cache``);
2. **parse**: every document whose key is not cached is read and geoparsed, on ``jobs``
   worker processes (``ProcessPoolExecutor``, one ``Pipeline`` per worker);
3. **write** each document's map files (again on the workers), skipping the ones whose
   files are already what this key produces;
4. **combined**: the map of all documents, written in this process.

Results are put back in input order before anything is named or merged, so the files are
the same whatever ``jobs`` is. Every file is written atomically (``geomap.io.atomic``): a
killed build leaves each output either as it was or complete. One bad document is a line
in the report, never the end of the batch.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .cache import (
    BuildCache,
    code_fingerprint,
    file_state,
    gazetteer_fingerprint,
    remove_stale_temp_files,
    sha256_json,
    store_entry,
)
from .config import BuildConfig, resolved_jobs
from .events import merge_events
from .ingest import (
    Failure,
    IngestError,
    decode,
    document_from_fields,
    documents_from_jsonl,
    expand_inputs,
)
from .models import Document, ParsedDocument
from .pipeline import COMBINED_NAME, BuildReport, Pipeline, _unique_name

#: Exit codes of ``geomap build`` (documented in the README).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STRICT = 0, 1, 2, 3


@dataclass
class BatchReport(BuildReport):
    """``BuildReport`` plus what a pipeline operator needs: per-input status, counts,
    warnings, timings, and which documents were parsed again or came from the cache."""

    inputs: list[dict[str, Any]] = field(default_factory=list)
    low_confidence: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    reprocessed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    #: Map names whose files were (re)written, and those left as they were (already current).
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    jobs: int = 1
    out: str = ""
    config: str | None = None
    strict: bool = False

    @property
    def strict_problems(self) -> int:
        return sum(len(v) for v in self.unresolved.values()) + sum(
            len(v) for v in self.low_confidence.values()
        )

    def exit_code(self) -> int:
        if self.failures:
            return EXIT_FAILED
        if self.strict and self.strict_problems:
            return EXIT_STRICT
        return EXIT_OK

    def counts(self) -> dict[str, int]:
        documents = [i for i in self.inputs if i["status"] != "failed"]
        return {
            "inputs": len(self.inputs),
            "documents": len(documents),
            "reprocessed": len(self.reprocessed),
            "cached": len(self.cached),
            "failed": len(self.failures),
            "maps_written": len(self.written),
            "maps_unchanged": len(self.unchanged),
            "events": sum(v for k, v in self.events.items() if k != COMBINED_NAME),
            "combined_events": self.events.get(COMBINED_NAME, 0),
            "unresolved": sum(len(v) for v in self.unresolved.values()),
            "low_confidence": sum(len(v) for v in self.low_confidence.values()),
            "warnings": len(self.warnings),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "geomap": __version__,
            "config": self.config,
            "out": self.out,
            "jobs": self.jobs,
            "strict": self.strict,
            "exit_code": self.exit_code(),
            "counts": self.counts(),
            "inputs": self.inputs,
            "outputs": self.outputs,
            "events": self.events,
            "failures": [{"input": f.source, "error": f.error} for f in self.failures],
            "unresolved": self.unresolved,
            "low_confidence": self.low_confidence,
            "warnings": self.warnings,
            "reprocessed": self.reprocessed,
            "cached": self.cached,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }

    def to_json(self) -> str:
        import json

        return json.dumps(self.to_dict(), sort_keys=True, indent=2, ensure_ascii=False)

    def summary(self) -> str:
        c = self.counts()
        failed = f", {c['failed']} failed" if c["failed"] else ""
        return (
            f"{c['documents']} documents ({c['reprocessed']} parsed, {c['cached']} from the cache"
            f"{failed}), {c['maps_written']} maps written, {c['maps_unchanged']} unchanged, "
            f"{c['events']} events, {self.timings.get('total', 0.0):.1f} s with {self.jobs} "
            f"job{'s' if self.jobs != 1 else ''}"
        )


@dataclass
class _Unit:
    """One input document on its way through the build."""

    index: int
    source: str
    path: Path | None = None  # read (and parsed) by a worker
    document: Document | None = None  # already read (JSON Lines, stdin)
    key: str = ""
    parsed: ParsedDocument | None = None
    status: str = "pending"
    error: str | None = None
    seconds: float = 0.0
    name: str | None = None


# -- the build ------------------------------------------------------------------------------


def build(
    inputs: Sequence[str | Path],
    out_dir: str | Path = "outputs",
    *,
    formats: Sequence[str] = ("html", "geojson"),
    title: str | None = None,
    description: str | None = None,
    credit: str | None = None,
    pipeline: Pipeline | None = None,
    size: tuple[int, int] = (1200, 800),
    dpi: int = 150,
    overlays: Sequence[Path] = (),
    threshold: float | None = None,
    min_confidence: float = 0.5,
    jobs: int = 1,
    cache: bool = False,
    force: bool = False,
    strict: bool = False,
    max_input_bytes: int = BuildConfig().max_input_bytes,
    progress: bool | None = False,
    config: Path | None = None,
) -> BatchReport:
    """Build a map per input document plus a combined one; see the module docstring.

    ``pipeline`` serves ``jobs=1`` (and the combined map); worker processes each build
    their own ``Pipeline(overlays=overlays, threshold=threshold)``. ``jobs=0`` means every
    core. ``cache`` keeps parsed documents under ``<out>/.geomap-cache/`` and skips the
    unchanged ones next time (``force`` ignores it). ``progress``: True a bar, None a bar on
    a terminal and log lines otherwise, False silent."""
    from .render.write import SUPPORTED_FORMATS

    started = time.perf_counter()
    unknown = sorted(set(formats) - set(SUPPORTED_FORMATS))
    if unknown:
        raise ValueError(
            f"unsupported format(s): {', '.join(unknown)} "
            f"(choose from {', '.join(SUPPORTED_FORMATS)})"
        )
    jobs = resolved_jobs(jobs)
    out = Path(out_dir)
    report = BatchReport(
        jobs=jobs, out=str(out), config=str(config) if config else None, strict=strict
    )
    log = _Log(progress)

    problem = _check_writable(out)
    if problem:
        report.failures.append(Failure(str(out), problem))
        report.timings["total"] = time.perf_counter() - started
        return report
    store = BuildCache(out, enabled=cache)
    try:
        store.acquire()
    except BlockingIOError:
        report.failures.append(
            Failure(str(out), f"{out}: another geomap build is writing to this folder")
        )
        return report
    except OSError as exc:
        report.warnings.append(
            f"cache {store.root}: cannot be used ({exc.strerror or exc}); building without it"
        )
        store = BuildCache(out, enabled=False)
    try:
        _run(
            report,
            store,
            log,
            list(inputs),
            out,
            pipeline,
            force=force,
            options=_Options(tuple(formats), title, description, credit, size, dpi),
            spec=(tuple(Path(p) for p in overlays), threshold),
            min_confidence=min_confidence,
            max_input_bytes=max_input_bytes,
            started=started,
        )
    finally:
        store.release()
        log.close()
    return report


@dataclass(frozen=True)
class _Options:
    formats: tuple[str, ...]
    title: str | None
    description: str | None
    credit: str | None
    size: tuple[int, int]
    dpi: int

    def fingerprint(self, threshold: float | None) -> dict[str, Any]:
        return {**asdict(self), "formats": sorted(self.formats), "threshold": threshold}


def _run(
    report: BatchReport,
    store: BuildCache,
    log: _Log,
    inputs: list[str | Path],
    out: Path,
    pipeline: Pipeline | None,
    *,
    force: bool,
    options: _Options,
    spec: tuple[tuple[Path, ...], float | None],
    min_confidence: float,
    max_input_bytes: int,
    started: float,
) -> None:
    overlays, threshold = spec
    pipe = pipeline or Pipeline(overlays=overlays, threshold=threshold)
    if store.enabled:
        # We hold the folder's build lock: any temporary file is a killed build's.
        removed = remove_stale_temp_files([out], older_than=0.0)
        if removed:
            report.warnings.append(
                f"removed {removed} temporary files left by an interrupted build"
            )
    salt = sha256_json(
        {
            "options": options.fingerprint(threshold),
            "gazetteer": gazetteer_fingerprint(pipe.gazetteer, overlays),
            "code": code_fingerprint(),
        }
    )

    # 1. collect
    t = time.perf_counter()
    units, failures, warnings = _collect(inputs, out, max_input_bytes, salt)
    report.warnings.extend(warnings)
    for unit in units:
        cached = None if force else store.load(unit.key)
        if cached is not None:
            unit.parsed, unit.status = cached, "cached"
    manifest = {} if force else store.load_manifest()
    line = store.problem_line()
    if line:
        report.warnings.append(line)
    report.timings["collect"] = time.perf_counter() - t

    # 2.-4. parse, write, combine
    t = time.perf_counter()
    files_of: dict[str, list[str]] = {}
    new_manifest: dict[str, Any] = {}
    build = _Build(units, manifest, new_manifest, files_of, options, out, store, log)
    pool = _Pool(report.jobs, spec, pipe)

    def combined_step() -> None:
        started_combined = time.perf_counter()
        _combined(
            report, build.done, manifest, new_manifest, out, options, threshold, pipe, files_of
        )
        report.timings["combined"] = time.perf_counter() - started_combined

    log.start("building", len(units))
    try:
        build.run(pool, combined_step)
    finally:
        pool.close()
        log.finish()
    report.timings["documents"] = time.perf_counter() - t
    report.timings["parse_cpu"] = sum(u.seconds for u in units)
    report.timings["write_cpu"] = build.write_seconds
    failures.extend(build.failures)
    report.written.extend(build.written)
    report.unchanged.extend(build.unchanged)

    # the report, in input order
    for unit in build.done:
        assert unit.name is not None
        if unit.name in files_of:
            report.outputs[unit.name] = files_of[unit.name]
    if COMBINED_NAME in files_of:
        report.outputs[COMBINED_NAME] = files_of[COMBINED_NAME]
    by_index: dict[int, Failure] = dict(failures)
    entries: list[tuple[int, dict[str, Any]]] = []
    for unit in units:
        entry: dict[str, Any] = {"input": unit.source, "status": unit.status, "key": unit.key[:16]}
        if unit.parsed is not None and unit.name is not None:
            doc = unit.parsed
            entry.update(
                id=doc.document.id,
                name=unit.name,
                events=len(doc.events),
                seconds=round(unit.seconds, 4),
            )
            report.events[unit.name] = len(doc.events)
            report.unresolved[unit.name] = sorted(
                {t.mention.text for t in doc.toponyms if t.place is None}
            )
            report.low_confidence[unit.name] = sorted(
                {
                    t.mention.text
                    for t in doc.toponyms
                    if t.place is not None and t.score < min_confidence
                }
            )
            (report.cached if unit.status == "cached" else report.reprocessed).append(unit.name)
        if unit.index in by_index:
            entry.update(status="failed", error=by_index.pop(unit.index).error)
        entries.append((unit.index, entry))
    for index, failure in by_index.items():
        entries.append(
            (index, {"input": failure.source, "status": "failed", "error": failure.error})
        )
    report.inputs.extend(e for _, e in sorted(entries, key=lambda pair: pair[0]))
    report.failures[:0] = [f for _, f in sorted(failures, key=lambda pair: pair[0])]
    if COMBINED_NAME in report.events:  # after the documents, as before
        report.events[COMBINED_NAME] = report.events.pop(COMBINED_NAME)

    if store.enabled:
        try:
            store.save_manifest(new_manifest)
        except OSError as exc:
            report.warnings.append(
                f"cache {store.root}: cannot save the manifest ({exc.strerror or exc})"
            )
        store.prune({u.key for u in units if u.parsed is not None})
    report.timings["total"] = time.perf_counter() - started


class _Build:
    """Parsing and writing as one stream of small tasks on the pool.

    A document's name depends on the ids of the documents before it (``_unique_name``), so
    it is final as soon as every earlier document is parsed: names are given along that
    growing prefix, and each named document's write task is queued at once, ahead of the
    parsing still to do. Workers thus mix CPU-bound parsing with I/O-bound writing, and the
    files are the same whatever the order in which the workers finish."""

    def __init__(
        self,
        units: list[_Unit],
        manifest: dict[str, Any],
        new_manifest: dict[str, Any],
        files_of: dict[str, list[str]],
        options: _Options,
        out: Path,
        store: BuildCache,
        log: _Log,
    ) -> None:
        self.units = units
        self.manifest = manifest
        self.new_manifest = new_manifest
        self.files_of = files_of
        self.options = options
        self.out = out
        self.root = store.root if store.enabled else None
        self.log = log
        self.done: list[_Unit] = []
        self.failures: list[tuple[int, Failure]] = []
        self.written: list[str] = []
        self.unchanged: list[str] = []
        self.write_seconds = 0.0
        self._seen: set[str] = set()
        self._named = 0  # units[:_named] have their name (or failed)
        self._ready: list[_Unit] = []  # named, to be written
        # Parse each distinct key once (the same document given twice is parsed once).
        self._pending: dict[str, list[_Unit]] = {}
        for unit in units:
            if unit.parsed is None:
                self._pending.setdefault(unit.key, []).append(unit)

    def _parse_args(self, key: str) -> tuple[Any, ...]:
        first = self._pending[key][0]
        return (first.path, first.document, first.source, key, self.root)

    def _write_args(self, unit: _Unit) -> tuple[Any, ...]:
        return (unit.name, unit.parsed, _title(self.options, unit.parsed), self.options, self.out)

    def _parsed(self, key: str, result: tuple[ParsedDocument | None, str | None, float]) -> None:
        parsed, error, seconds = result
        for unit in self._pending[key]:
            unit.parsed, unit.error, unit.seconds = parsed, error, seconds
            unit.status = "failed" if parsed is None else "processed"

    def _name_prefix(self) -> None:
        while self._named < len(self.units):
            unit = self.units[self._named]
            if unit.status == "pending":
                return
            self._named += 1
            if unit.parsed is None:
                self.failures.append(
                    (unit.index, Failure(unit.source, unit.error or f"{unit.source}: failed"))
                )
                self.log.step()
                continue
            unit.name = _unique_name(unit.parsed.document.id, self._seen)
            self.done.append(unit)
            files = (
                None
                if unit.status == "processed"
                else _current(self.manifest.get(unit.name), unit.key, self.out)
            )
            if files is None:
                self._ready.append(unit)
            else:
                self.files_of[unit.name] = files
                self.new_manifest[unit.name] = self.manifest[unit.name]
                self.unchanged.append(unit.name)
                self.log.step()

    def _wrote(self, unit: _Unit, result: tuple[list[str], str | None, float]) -> None:
        files, error, seconds = result
        assert unit.name is not None
        self.write_seconds += seconds
        self.log.step()
        if error is not None:
            self.failures.append((unit.index, Failure(unit.source, error)))
            return
        self.files_of[unit.name] = files
        self.written.append(unit.name)
        self.new_manifest[unit.name] = _manifest_entry(unit.key, files, self.out)

    def run(self, pool: _Pool, combined: Callable[[], None]) -> None:
        keys = list(self._pending)
        self._name_prefix()
        if pool.inline(len(keys), len(self._ready)):
            for key in keys:
                self._parsed(key, _parse_task(*self._parse_args(key), pipeline=pool.pipeline))
            self._name_prefix()
            for unit in self._ready:
                self._wrote(unit, _write_task(*self._write_args(unit), pipeline=pool.pipeline))
            self._ready = []
            combined()
            return
        size = max(1, min(_MAX_CHUNK, len(self.units) // (pool.jobs * 4)))
        parse_chunks = [keys[i : i + size] for i in range(0, len(keys), size)]
        parse_chunks.reverse()  # pop() from the end: input order
        in_flight: dict[Future[Any], tuple[str, list[Any]]] = {}
        combined_done = False

        def submit() -> None:
            # Named documents first (their names are final), then more parsing; enough
            # queued that no worker waits, few enough that writes are not stuck behind a
            # long queue of parsing.
            while len(in_flight) < pool.jobs + 1:
                if self._ready and (len(self._ready) >= size or not parse_chunks):
                    batch, self._ready = self._ready[:size], self._ready[size:]
                    args = [self._write_args(u) for u in batch]
                    in_flight[pool.submit(_write_task, args)] = ("write", batch)
                elif parse_chunks:
                    batch_keys = parse_chunks.pop()
                    args = [self._parse_args(k) for k in batch_keys]
                    in_flight[pool.submit(_parse_task, args)] = ("parse", batch_keys)
                else:
                    return

        try:
            submit()
            while in_flight:
                if (
                    not combined_done
                    and not parse_chunks
                    and self._named == len(self.units)
                    and not any(kind == "parse" for kind, _ in in_flight.values())
                ):
                    combined()  # here, while the workers write the last documents
                    combined_done = True
                finished = next(as_completed(in_flight))
                kind, batch = in_flight[finished]
                results = finished.result()  # a dead worker raises here: see below
                del in_flight[finished]
                if kind == "parse":
                    for key, result in zip(batch, results, strict=True):
                        self._parsed(key, result)
                    self._name_prefix()
                else:
                    for unit, result in zip(batch, results, strict=True):
                        self._wrote(unit, result)
                submit()
        except BrokenProcessPool:
            self._after_broken_pool(in_flight, parse_chunks, pool.pipeline)
        for unit in self.units:  # never silently dropped
            if unit.status == "pending":
                unit.status, unit.error = "failed", f"{unit.source}: was not processed"
        self._name_prefix()
        if not combined_done:
            combined()

    def _after_broken_pool(
        self,
        in_flight: dict[Future[Any], tuple[str, list[Any]]],
        parse_chunks: list[list[str]],
        pipeline: Pipeline,
    ) -> None:
        """A worker died (killed, out of memory): what it was doing fails, with a message;
        everything else is finished in this process."""
        message = "a worker process died (out of memory?)"
        for kind, batch in in_flight.values():
            if kind == "parse":
                for key in batch:
                    self._parsed(
                        key,
                        (
                            None,
                            f"{self._pending[key][0].source}: {message} while geoparsing it",
                            0.0,
                        ),
                    )
            else:
                for unit in batch:
                    self._wrote(unit, ([], f"{unit.source}: {message} while writing its map", 0.0))
        in_flight.clear()
        for batch_keys in reversed(parse_chunks):
            for key in batch_keys:
                self._parsed(key, _parse_task(*self._parse_args(key), pipeline=pipeline))
        parse_chunks.clear()
        self._name_prefix()
        for unit in self._ready:
            self._wrote(unit, _write_task(*self._write_args(unit), pipeline=pipeline))
        self._ready = []


def _combined(
    report: BatchReport,
    done: list[_Unit],
    manifest: dict[str, Any],
    new_manifest: dict[str, Any],
    out: Path,
    options: _Options,
    threshold: float | None,
    pipe: Pipeline,
    files_of: dict[str, list[str]],
) -> None:
    """The map of every document (one whose own files failed to write still belongs on it)."""
    if len(done) < 2:
        return
    key = sha256_json([[u.name, u.key] for u in done] + [options.fingerprint(threshold)])
    parsed = [u.parsed for u in done if u.parsed is not None]
    merged = merge_events([e for d in parsed for e in d.events])
    report.events[COMBINED_NAME] = len(merged)
    files = _current(manifest.get(COMBINED_NAME), key, out)
    if files is not None:
        files_of[COMBINED_NAME] = files
        new_manifest[COMBINED_NAME] = manifest[COMBINED_NAME]
        report.unchanged.append(COMBINED_NAME)
        return
    from .render.write import write_outputs

    try:
        files = write_outputs(
            out,
            COMBINED_NAME,
            list(merged),
            parsed,
            pipe.gazetteer,
            options.formats,
            title=options.title or f"{len(parsed)} articles",
            description=options.description,
            credit=options.credit,
            size=options.size,
            dpi=options.dpi,
        )
    except Exception as exc:  # noqa: BLE001 - reported; the per-document maps stand
        report.failures.append(
            Failure(
                COMBINED_NAME,
                f"{out / COMBINED_NAME}: cannot write the combined map ({_describe(exc)})",
            )
        )
        return
    files_of[COMBINED_NAME] = files
    report.written.append(COMBINED_NAME)
    new_manifest[COMBINED_NAME] = _manifest_entry(key, files, out)


def _title(options: _Options, parsed: ParsedDocument | None) -> str:
    assert parsed is not None
    return options.title or parsed.document.title or parsed.document.id


def _current(entry: object, key: str, out: Path) -> list[str] | None:
    """The files a manifest entry lists, if it was made from ``key`` and none has changed
    since (same size and modification time)."""
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    files = entry.get("files")
    if not isinstance(files, list) or not files:
        return None
    paths = []
    for item in files:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            return None
        path = out / item[0]
        if file_state(path) != item[1]:
            return None
        paths.append(str(path))
    return paths


def _manifest_entry(key: str, files: list[str], out: Path) -> dict[str, Any]:
    """Paths relative to the output folder, so the folder can be moved with its cache."""
    return {"key": key, "files": [[os.path.relpath(f, out), file_state(Path(f))] for f in files]}


def _check_writable(out: Path) -> str | None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".geomap-probe-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"{out}: output folder is not writable ({exc.strerror or exc})"
    return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return f"{type(exc).__name__}: {exc}"


# -- collecting inputs ------------------------------------------------------------------------


def _collect(
    inputs: Sequence[str | Path], out: Path, max_bytes: int, salt: str
) -> tuple[list[_Unit], list[tuple[int, Failure]], list[str]]:
    units: list[_Unit] = []
    failures: list[tuple[int, Failure]] = []
    warnings: list[str] = []
    counter = iter(range(1 << 62))
    out_root = _resolve(out)
    skipped_in_out = 0

    def fail(source: str, error: str) -> None:
        failures.append((next(counter), Failure(source, error)))

    def add_document(doc: Document, source: str) -> None:
        size = len(doc.text.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            fail(
                source,
                f"{source}: too large ({_mb(size)}; the limit is {_mb(max_bytes)}, "
                "max_input_mb in geomap.toml)",
            )
            return
        key = sha256_json({"document": _document_fields(doc), "salt": salt})
        units.append(_Unit(next(counter), source, document=doc, key=key))

    for raw_item in inputs:
        item = str(raw_item)
        if item == "-":
            try:
                data = (
                    sys.stdin.buffer.read()
                    if hasattr(sys.stdin, "buffer")
                    else sys.stdin.read().encode()
                )
                text = decode(data, "<stdin>")
            except (IngestError, OSError, ValueError) as exc:
                fail("<stdin>", str(exc) if isinstance(exc, IngestError) else f"<stdin>: {exc}")
                continue
            if text.lstrip().startswith("{"):
                for doc in documents_from_jsonl(text.splitlines()):
                    if isinstance(doc, Failure):
                        fail(doc.source, doc.error)
                    else:
                        add_document(doc, f"<stdin>: {doc.id}")
            else:
                try:
                    add_document(
                        document_from_fields({"text": text, "id": "stdin"}, "<stdin>"), "<stdin>"
                    )
                except IngestError as exc:
                    fail("<stdin>", str(exc))
            continue
        expanded = Path(item).is_dir() or any(ch in item for ch in "*?[")
        paths = list(expand_inputs([item]))
        if not paths:
            warnings.append(
                f"{item}: no documents there (.txt, .md, .html, .jsonl)"
                if Path(item).is_dir()
                else f"{item}: no file matches"
            )
            continue
        for path in paths:
            assert isinstance(path, Path)
            if expanded and out_root in _resolve(path).parents:
                skipped_in_out += 1
                continue
            source = str(path)
            try:
                st = path.stat()
            except FileNotFoundError:
                fail(source, f"{source}: no such file")
                continue
            except OSError as exc:
                fail(source, f"{source}: cannot read ({exc.strerror or exc})")
                continue
            if path.is_dir():
                fail(source, f"{source}: is a folder")
                continue
            if path.suffix == ".jsonl":
                try:
                    lines = decode(path.read_bytes(), source).splitlines()
                except IngestError as exc:
                    fail(source, str(exc))
                    continue
                except OSError as exc:
                    fail(source, f"{source}: cannot read ({exc.strerror or exc})")
                    continue
                for doc in documents_from_jsonl(lines, source):
                    if isinstance(doc, Failure):
                        fail(doc.source, doc.error)
                    else:
                        add_document(doc, f"{source}: {doc.id}")
                continue
            if st.st_size > max_bytes:
                fail(
                    source,
                    f"{source}: too large ({_mb(st.st_size)}; the limit is {_mb(max_bytes)}, "
                    "max_input_mb in geomap.toml)",
                )
                continue
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                sidecar = path.with_name(path.stem + ".meta.json")
                side = (
                    hashlib.sha256(sidecar.read_bytes()).hexdigest() if sidecar.exists() else None
                )
            except OSError as exc:
                fail(source, f"{source}: cannot read ({exc.strerror or exc})")
                continue
            key = sha256_json({"file": source, "bytes": digest, "sidecar": side, "salt": salt})
            units.append(_Unit(next(counter), source, path=path, key=key))
    if skipped_in_out:
        warnings.append(f"skipped {skipped_in_out} files inside the output folder {out}")
    return units, failures, warnings


def _document_fields(doc: Document) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(doc).items()}


def _resolve(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


# -- the work, in this process or a worker --------------------------------------------------

_WORKER: Pipeline | None = None


def _parse_task(
    path: Path | None,
    document: Document | None,
    source: str,
    key: str,
    cache_root: Path | None,
    *,
    pipeline: Pipeline | None = None,
) -> tuple[ParsedDocument | None, str | None, float]:
    """Read (if a file) and geoparse one document; store the result in the cache."""
    from .ingest import read_document

    pipe = pipeline or _WORKER
    assert pipe is not None, "worker not initialised"
    started = time.perf_counter()
    try:
        doc = document if document is not None else read_document(path)  # type: ignore[arg-type]
    except IngestError as exc:
        return None, str(exc), time.perf_counter() - started
    except OSError as exc:
        return None, f"{source}: cannot read ({exc.strerror or exc})", time.perf_counter() - started
    except Exception as exc:  # noqa: BLE001 - one bad input must not sink the batch
        return None, f"{source}: cannot read ({_describe(exc)})", time.perf_counter() - started
    try:
        parsed = pipe(doc)
    except Exception as exc:  # noqa: BLE001
        return (
            None,
            f"{source}: geoparsing failed ({_describe(exc)})",
            time.perf_counter() - started,
        )
    if cache_root is not None:
        store_entry(cache_root, key, parsed)
    return parsed, None, time.perf_counter() - started


def _write_task(
    name: str,
    parsed: ParsedDocument,
    title: str,
    options: _Options,
    out: Path,
    *,
    pipeline: Pipeline | None = None,
) -> tuple[list[str], str | None, float]:
    from .render.write import write_outputs

    pipe = pipeline or _WORKER
    assert pipe is not None, "worker not initialised"
    started = time.perf_counter()
    try:
        files = write_outputs(
            out,
            name,
            list(parsed.events),
            [parsed],
            pipe.gazetteer,
            options.formats,
            title=title,
            description=options.description,
            credit=options.credit,
            size=options.size,
            dpi=options.dpi,
        )
    except Exception as exc:  # noqa: BLE001
        where = parsed.document.path or parsed.document.id
        return [], f"{where}: cannot write its map files to {out} ({_describe(exc)})", 0.0
    return files, None, time.perf_counter() - started


def _init_worker(overlays: tuple[Path, ...], threshold: float | None) -> None:
    global _WORKER
    # The parent handles Ctrl-C; a worker must not die half-way through a write on it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    _WORKER = Pipeline(overlays=overlays, threshold=threshold)


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker if the build process is killed (SIGKILL leaves no
    chance to shut the pool down), so no orphan goes on writing."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


class _Pool:
    """Worker processes (started on first need), each with its own ``Pipeline``; or, for
    one job, nothing: the work runs here on ``pipeline``."""

    def __init__(
        self, jobs: int, spec: tuple[tuple[Path, ...], float | None], pipeline: Pipeline
    ) -> None:
        self.jobs = jobs
        self.spec = spec
        self.pipeline = pipeline
        self.executor: ProcessPoolExecutor | None = None
        self.frozen = False

    def inline(self, parse_tasks: int, write_tasks: int) -> bool:
        return self.jobs <= 1 or (parse_tasks <= 1 and write_tasks <= 1)

    def submit(self, func: Callable[..., Any], chunk: list[tuple[Any, ...]]) -> Future[Any]:
        if self.executor is None:
            fork_safe = sys.platform.startswith("linux") and threading.active_count() == 1
            if fork_safe:
                # Forked workers inherit this process's imported modules and warmed-up
                # module caches (compiled patterns, lexicons, projections): parse one small
                # text first, and keep the collector from touching the inherited pages.
                with contextlib.suppress(Exception):
                    self.pipeline(Document(id="warm-up", text=_WARM_UP))
                gc.collect()
                gc.freeze()
                self.frozen = True
            context = multiprocessing.get_context("fork" if fork_safe else "spawn")
            self.executor = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=context,
                initializer=_init_worker,
                initargs=self.spec,
            )
        return self.executor.submit(_run_chunk, func, chunk)

    def close(self) -> None:
        if self.executor is not None:
            # On an exception (Ctrl-C) queued work is dropped; running tasks finish their
            # current (atomic) write.
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
        if self.frozen:
            gc.unfreeze()
            self.frozen = False


_WARM_UP = "Protesters gathered in Kharkiv on Friday, officials in Kyiv said."
#: Most documents sent to a worker in one task.
_MAX_CHUNK = 32


def _run_chunk(func: Callable[..., Any], chunk: list[tuple[Any, ...]]) -> list[Any]:
    return [func(*args) for args in chunk]


# -- progress -----------------------------------------------------------------------------------


class _Log:
    """A progress bar on a terminal, plain lines otherwise (every 10 % or 5 s), or nothing."""

    def __init__(self, progress: bool | None) -> None:
        self.mode = (
            "off"
            if progress is False
            else (
                "bar" if progress is True or (progress is None and sys.stderr.isatty()) else "lines"
            )
        )
        self.bar: Any = None
        self.label = ""
        self.total = self.done = 0
        self.last = 0.0
        self.next_mark = 0
        self.started = 0.0

    def start(self, label: str, total: int) -> None:
        self.finish()
        self.label, self.total, self.done = label, total, 0
        self.started = self.last = time.monotonic()
        # Small batches get one line at the end; larger ones one every 10 % (or 5 s).
        self.next_mark = max(1, total // 10) if total >= 20 else total
        if self.mode == "bar":
            try:
                import tqdm

                tqdm.tqdm.monitor_interval = 0  # no monitor thread: workers are forked
                self.bar = tqdm.tqdm(
                    total=total,
                    desc=f"geomap: {label}",
                    unit="doc",
                    file=sys.stderr,
                    dynamic_ncols=True,
                    leave=False,
                )
            except ImportError:
                self.mode = "lines"

    def step(self) -> None:
        if self.mode == "off" or not self.total:
            return
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            return
        now = time.monotonic()
        if self.done >= self.next_mark or now - self.last >= 5.0:
            if self.done < self.total:
                print(f"geomap: {self.label} {self.done}/{self.total}", file=sys.stderr, flush=True)
            self.last = now
            self.next_mark = self.done + max(1, self.total // 10)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.mode != "off" and self.total:
            print(
                f"geomap: {self.label} {self.done}/{self.total} done in "
                f"{time.monotonic() - self.started:.1f} s",
                file=sys.stderr,
                flush=True,
            )
        self.total = 0

    close = finish


def iter_failures(report: BuildReport) -> Iterable[str]:
    """One line per failure, as the CLI prints them."""
    for failure in report.failures:
        yield (
            failure.error
            if failure.error.startswith(failure.source)
            else f"{failure.source}: {failure.error}"
        )
