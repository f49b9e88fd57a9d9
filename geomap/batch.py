"""``geomap build`` over many documents: parallel, incremental, atomic, and never half-done.

A build runs in four steps:

1. **collect**: expand the inputs (files, folders, globs, ``-``, JSON Lines), refuse what
   cannot be a document (missing, too large, unreadable), and compute each document's
   cache key (``geomap.cache``);
2. **parse**: every document whose key is not cached is read and geoparsed, on ``jobs``
   worker processes (started before the inputs are collected, one ``Pipeline`` each; they
   get chunks of documents while the collecting goes on);
3. **write** each document's map files, skipping the ones whose files are already what
   this key produces: on the worker that parsed the document and kept it, once no parsing
   is left to hand out;
4. **combined**: the map of all documents, made in this process meanwhile.

Documents are named in input order, only once every earlier one is parsed, so the files
are the same whatever ``jobs`` is and whatever order the workers finish in. Every file is
written atomically (``geomap.io.atomic``): a killed build leaves each output either as it
was or complete. One bad document is a line in the report, never the end of the batch,
and neither is a worker that dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import multiprocessing
import os
import queue
import signal
import stat
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any, cast

from . import __version__, collect_garbage_rarely
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
from .ingest import (
    Failure,
    IngestError,
    decode,
    document_from_fields,
    documents_from_jsonl,
    expand_inputs,
)
from .io.atomic import remove_staging, stage_writes
from .models import Document, ParsedDocument, Toponym, geometry_of, lazy
from .pipeline import COMBINED_NAME, BuildReport, Pipeline, _events, _unique_name

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
    # Whoever calls, the build runs as under the CLI (and as its workers do): it makes
    # millions of short-lived objects and next to no cycles. The caller's settings return.
    thresholds = gc.get_threshold()
    collect_garbage_rarely()
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
        gc.set_threshold(*thresholds)
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
    # Workers start now (when there may be several documents), to get ready while this
    # process collects the inputs.
    pool = _Pool(report.jobs, spec, pipe)
    if pool.jobs > 1 and _may_be_several(inputs):
        pool.start()
    try:
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

        # 1. collect (the workers start parsing what is collected meanwhile)
        t = time.perf_counter()
        files_of: dict[str, list[str]] = {}
        new_manifest: dict[str, Any] = {}
        build = _Build(new_manifest, files_of, options, out, store, log)
        manifest = {} if force else store.load_manifest()
        build.manifest = manifest
        manifest_problems = list(store.problems)
        store.problems.clear()

        def collected(unit: _Unit) -> None:
            cached = None if force else store.load(unit.key)
            if cached is not None:
                unit.parsed, unit.status = cached, "cached"
            build.add(unit, pool)

        units, failures, warnings = _collect(inputs, out, max_input_bytes, salt, collected)
        report.warnings.extend(warnings)
        store.problems.extend(manifest_problems)  # the entries' first, as they are read first
        line = store.problem_line()
        if line:
            report.warnings.append(line)
        report.timings["collect"] = time.perf_counter() - t

        # 2.-4. parse, write, combine
        t = time.perf_counter()

        def combined_step() -> None:
            started_combined = time.perf_counter()
            _combined(
                report, build.done, manifest, new_manifest, out, options, threshold, pipe, files_of
            )
            report.timings["combined"] = time.perf_counter() - started_combined

        log.start("building", len(units))
        build.run(pool, combined_step)
    finally:
        workers = [w.process.pid for w in pool.workers]
        pool.close()
        remove_staging(out, workers)
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
    """Parsing and writing as one stream of small tasks on the workers.

    A document's name depends on the ids of the documents before it (``_unique_name``), so
    it is final only once every earlier document is parsed: names are given along that
    growing prefix, in input order, so the files are the same whatever ``jobs`` is and
    whatever order the workers finish in.

    With workers, the worker that parsed a document keeps it and writes its files once it
    is named, so a parsed document crosses between processes once (to this process, which
    needs every document for the combined map and the report; ``_even_out`` sends a few
    back along to even out the workers' shares). Writing waits until no parsing is left
    to hand out (or the worker holds ``_MAX_HELD`` documents): the workers then write
    while this process makes the combined map, instead of it running alone at the end."""

    def __init__(
        self,
        new_manifest: dict[str, Any],
        files_of: dict[str, list[str]],
        options: _Options,
        out: Path,
        store: BuildCache,
        log: _Log,
    ) -> None:
        self.units: list[_Unit] = []  # in input order, as ``add`` is given them
        #: The last build's manifest (set before the first ``add``).
        self.manifest: dict[str, Any] = {}
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
        self._queue: list[str] = []  # keys to parse, collected but not yet in a chunk
        self._chunks: deque[list[str]] = deque()  # chunks to parse, in input order
        self._collecting = True  # more documents may come (``add``)
        self._sent = False  # whether anything was sent to a worker
        self._holder: dict[str, _Worker] = {}  # which worker keeps a parsed document
        self._shipped: list[_Unit] = []  # to write on any worker, the document sent along

    def add(self, unit: _Unit, pool: _Pool) -> None:
        """One more input document (in input order). While the inputs are still being
        collected, chunks of documents go to the workers already, and whatever they have
        answered meanwhile is taken in."""
        self.units.append(unit)
        if unit.parsed is None:
            if unit.key in self._pending:
                self._pending[unit.key].append(unit)
            else:
                self._pending[unit.key] = [unit]
                self._queue.append(unit.key)
        if pool.started:
            while (answer := pool.next_reply(block=False)) is not None:
                self._take(*answer)
            self._dispatch(pool)

    def _parse_args(self, key: str) -> tuple[Path | None, Document | None, str, str]:
        first = self._pending[key][0]
        return (first.path, first.document, first.source, key)

    def _title(self, unit: _Unit) -> str:
        return _title(self.options, unit.parsed)

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

    def _parse_here(self, key: str, pipeline: Pipeline) -> None:
        self._parsed(key, _parse_task(*self._parse_args(key), self.root, pipeline=pipeline))

    def _write_here(self, pipeline: Pipeline) -> None:
        for unit in self._ready:
            assert unit.name is not None and unit.parsed is not None
            self._wrote(
                unit,
                _write_task(
                    unit.name,
                    unit.parsed,
                    self._title(unit),
                    self.options,
                    self.out,
                    pipeline=pipeline,
                ),
            )
        self._ready = []

    def run(self, pool: _Pool, combined: Callable[[], None]) -> None:
        """Everything is collected: parse what is left, write, and make the combined map."""
        self._collecting = False
        keys = [key for chunk in self._chunks for key in chunk] + self._queue
        self._chunks.clear()
        self._queue = []
        self._name_prefix()
        if not self._sent and pool.inline(len(keys), len(self._ready)):
            pool.close()  # started in case there was more to do
            for key in keys:
                self._parse_here(key, pool.pipeline)
            self._name_prefix()
            self._write_here(pool.pipeline)
            combined()
            return
        pool.start()
        self._chunks.extend(_chunks(keys, pool.jobs))
        combined_done = False
        self._dispatch(pool)
        while pool.busy():
            if (
                not combined_done
                and not self._chunks
                and self._named == len(self.units)
                and not any(w.parsing for w in pool.live())
            ):
                # Here, while the workers write what they keep. Everything ends with this
                # step, which no worker can take over: the workers, only writing by now,
                # make way for it.
                pool.yield_to_coordinator()
                combined()
                combined_done = True
            answer = pool.next_reply()
            assert answer is not None
            self._take(*answer)
            if not pool.live():  # every worker died: finish here
                break
            self._dispatch(pool)
        # Whatever is left (only if every worker died) is done in this process.
        while self._chunks:
            for key in self._chunks.popleft():
                self._parse_here(key, pool.pipeline)
            self._name_prefix()
        for unit in self.units:  # never silently dropped
            if unit.status == "pending":
                unit.status, unit.error = "failed", f"{unit.source}: was not processed"
        self._name_prefix()
        for worker in pool.workers:
            self._ready[:0] = worker.to_write
            worker.to_write = []
        self._ready[:0] = self._shipped
        self._shipped = []
        self._ready.sort(key=lambda u: u.index)
        self._write_here(pool.pipeline)
        if not combined_done:
            combined()

    def _take(self, worker: _Worker, request: tuple[str, list[Any]] | None, reply: Any) -> None:
        """A worker's reply to ``request``; or, ``request`` None, its death (``reply``: the
        requests it left unanswered)."""
        if request is None:  # what it was doing fails, the rest goes on
            self._lost(worker, reply)
        elif request[0] == "parse":
            for key, result in zip(request[1], reply, strict=True):
                self._parsed(key, result)
                if result[0] is not None:
                    self._holder[key] = worker
                    worker.held += 1
            if not self._collecting:  # names (and writes) wait for the inputs' end
                self._name_prefix()
        else:
            for unit, result in zip(request[1], reply, strict=True):
                self._wrote(unit, result)
                if self._holder.get(unit.key) is worker and unit is self._pending[unit.key][-1]:
                    worker.held -= 1

    def _dispatch(self, pool: _Pool) -> None:
        """Give the workers work: named documents to the worker that keeps each (once no
        parsing is left to hand out, or it keeps too many), chunks to parse (two per worker,
        one at work and one waiting, so none goes idle), and documents this process has
        (from the cache, or kept by a worker that died) to whichever worker has least."""
        for unit in self._ready:
            worker = self._holder.get(unit.key)
            if worker is not None and worker.alive:
                worker.to_write.append(unit)
            else:
                self._shipped.append(unit)
        self._ready = []
        live = pool.live()
        parsing_left = self._collecting or bool(self._chunks)
        if not parsing_left:
            self._even_out(pool, live)
        for worker in live:
            if worker.to_write and (not parsing_left or worker.held >= _MAX_HELD):
                batch, worker.to_write = worker.to_write, []
                for i in range(0, len(batch), _WRITE_BATCH):
                    self._send_write(pool, worker, batch[i : i + _WRITE_BATCH], keep=True)
        while live:
            if not self._chunks and len(self._queue) >= _MAX_CHUNK:
                self._chunks.append(self._queue[:_MAX_CHUNK])
                del self._queue[:_MAX_CHUNK]
            worker = min(live, key=lambda w: w.parsing)
            if not self._chunks or worker.parsing >= 2:
                break
            keys = self._chunks.popleft()
            pool.send(worker, ("parse", [self._parse_args(k) for k in keys], self.root), keys)
            self._sent = True
        while self._shipped and live:
            part, self._shipped = self._shipped[:_WRITE_BATCH], self._shipped[_WRITE_BATCH:]
            self._send_write(pool, min(live, key=lambda w: w.items), part, keep=False)

    def _even_out(self, pool: _Pool, live: list[_Worker]) -> None:
        """Once no parsing is left to hand out, move named documents from the worker with
        most left to do to the one with least, sent along, so that the workers end
        together: each writes what it parsed, and how many that is depends on how fast
        its chunks went (1,000 articles: 545 and 455), so one went on writing alone while
        the other was done."""
        while len(live) > 1:
            load = {w: _load(w) for w in live}
            most = max(live, key=load.__getitem__)
            least = min(live, key=load.__getitem__)
            count = min((load[most] - load[least]) // 2, len(most.to_write), _WRITE_BATCH)
            if count < _WRITE_BATCH // 2:  # not worth pickling a document along
                return
            moved = most.to_write[-count:]
            del most.to_write[-count:]
            self._send_write(pool, least, moved, keep=False)

    def _send_write(self, pool: _Pool, worker: _Worker, units: list[_Unit], keep: bool) -> None:
        """``keep``: the worker keeps these documents; else they are sent along."""
        items = []
        for unit in units:
            assert unit.name is not None
            last = unit is self._pending.get(unit.key, [unit])[-1]  # then it may forget it
            items.append(
                (unit.key, unit.name, self._title(unit), None if keep else unit.parsed, last)
            )
        pool.send(worker, ("write", items, self.options, self.out), units)
        self._sent = True

    def _lost(self, worker: _Worker, requests: list[tuple[str, list[Any]]]) -> None:
        """``worker`` died (killed, out of memory) with ``requests`` unanswered, the first one
        at work: it fails, with a message; the others go to the other workers, and so do the
        documents the worker kept (this process has them too)."""
        message = "a worker process died (out of memory?)"
        for n, (kind, batch) in enumerate(requests):
            if kind == "parse":
                if n == 0:
                    for key in batch:
                        error = f"{self._pending[key][0].source}: {message} while geoparsing it"
                        self._parsed(key, (None, error, 0.0))
                else:
                    self._chunks.appendleft(batch)
            elif n == 0:
                for unit in batch:
                    self._wrote(unit, ([], f"{unit.source}: {message} while writing its map", 0.0))
            else:
                self._ready.extend(batch)  # to be sent along to another worker
        self._ready.extend(worker.to_write)
        worker.to_write = []
        if not self._collecting:
            self._name_prefix()


def _load(worker: _Worker) -> int:
    """What a worker has left to do, in documents to write (parsing one takes about as long
    as writing ``_PARSE_COST`` of them to GeoJSON)."""
    queued = sum(len(p) * (_PARSE_COST if kind == "parse" else 1) for kind, p in worker.requests)
    return queued + len(worker.to_write)


def _chunks(keys: list[str], jobs: int) -> list[list[str]]:
    """Consecutive chunks, smaller towards the end (about a quarter of each worker's share
    of what is left, at most ``_MAX_CHUNK``), so that the workers finish together."""
    chunks = []
    start = 0
    while start < len(keys):
        size = max(1, min(_MAX_CHUNK, -(-(len(keys) - start) // (jobs * 4))))
        chunks.append(keys[start : start + size])
        start += size
    return chunks


def _may_be_several(inputs: Sequence[str | Path]) -> bool:
    """Whether the inputs may hold more than one document (then workers are worth starting
    before the inputs are read)."""
    if len(inputs) > 1:
        return True
    item = str(inputs[0]) if inputs else ""
    return (
        item == "-"
        or item.endswith(".jsonl")
        or any(ch in item for ch in "*?[")
        or Path(item).is_dir()
    )


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
    merged = _events(parsed)  # as to_geodataframe and to_map merge several documents
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
    inputs: Sequence[str | Path],
    out: Path,
    max_bytes: int,
    salt: str,
    on_unit: Callable[[_Unit], None] | None = None,
) -> tuple[list[_Unit], list[tuple[int, Failure]], list[str]]:
    """The documents of ``inputs`` in order (each also given to ``on_unit`` as soon as it
    is known), the inputs that failed, and warnings."""
    units: list[_Unit] = []

    def add(unit: _Unit) -> None:
        units.append(unit)
        if on_unit is not None:
            on_unit(unit)

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
        add(_Unit(next(counter), source, document=doc, key=key))

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
            if stat.S_ISDIR(st.st_mode):
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
            add(_Unit(next(counter), source, path=path, key=key))
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
    # Its own gazetteer's caches (and, if spawned, the module caches) are built now, while
    # the parent is still collecting the inputs.
    _warm_up(_WORKER)


def _warm_up(pipeline: Pipeline) -> None:
    """Make what the first document makes (imports, lexicons, patterns), so that forked
    workers inherit it instead of each making it again. Reading Markdown front matter is
    part of it: imported in each worker, PyYAML cost every one of them ~15 ms."""
    from .formats import markdown_fields

    with contextlib.suppress(Exception):
        text = markdown_fields(f"---\ntitle: warm-up\n---\n\n{_WARM_UP}\n", "warm-up")["text"]
        pipeline(Document(id="warm-up", text=text))


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


def _worker_main(
    tasks: Connection,
    replies: Connection,
    abort: Any,
    overlays: tuple[Path, ...],
    threshold: float | None,
) -> None:
    """A worker process: answers each request on ``tasks`` with one reply on ``replies``.

    ``("parse", [(path, document, source, key)], cache_root)``: parse each document (and
    cache it); the reply is ``[(parsed, error, seconds)]``, and the worker keeps each parsed
    document until it has written it. ``("write", [(key, name, title, parsed, last)],
    options, out)``: write each document's files (``parsed`` None: the one kept under
    ``key``, forgotten after its ``last`` name); the reply is ``[(files, error, seconds)]``.
    Once ``abort`` is set it stops after the document at hand (each file is written
    atomically); an idle worker is simply terminated."""
    collect_garbage_rarely()
    _init_worker(overlays, threshold)
    kept: dict[str, ParsedDocument] = {}
    while True:
        try:
            request = tasks.recv()
        except (EOFError, OSError):
            return
        if abort.is_set():
            return
        reply: list[Any] = []
        if request[0] == "parse":
            items, cache_root = request[1], request[2]
            for path, document, source, key in items:
                if abort.is_set():
                    return
                parsed, error, seconds = _parse_task(path, document, source, key, cache_root)
                if parsed is not None:
                    kept[key] = parsed
                    parsed = _for_coordinator(parsed)
                reply.append((parsed, error, seconds))
        else:
            items, options, out = request[1], request[2], request[3]
            stage_writes(out)
            for key, name, title, parsed, last in items:
                if abort.is_set():
                    return
                doc = parsed if parsed is not None else kept.get(key)
                if doc is None:  # cannot happen: the parent sends what this worker keeps
                    reply.append(([], f"{name}: the worker no longer has this document", 0.0))
                else:
                    reply.append(_write_task(name, doc, title, options, out))
                if last:
                    kept.pop(key, None)
        replies.send(reply)


def _for_coordinator(parsed: ParsedDocument) -> ParsedDocument:
    """What the build process needs of a parsed document (the combined map, the report,
    the files of one whose worker died): not its sentences nor each toponym's other
    candidates, which no writer reads: pickling and unpickling take about a third less
    time (1,000 synthetic articles: 0.09 -> 0.06 s), and this process holds less for every
    document of the batch."""
    toponyms = tuple(
        [
            Toponym(
                mention=t.mention,
                place=t.place,
                score=t.score,
                precision=t.precision,
                geometry=lazy(geometry_of(t)),
            )
            for t in parsed.toponyms
        ]
    )
    return ParsedDocument(
        document=parsed.document, sentences=(), toponyms=toponyms, events=parsed.events
    )


@dataclass(eq=False)
class _Worker:
    """One worker process, its two pipes, and what this process knows of its work."""

    process: Any
    tasks: Connection
    replies: Connection
    #: Requests sent and not yet answered, oldest (the one at work) first: kind, payload.
    requests: deque[tuple[str, list[Any]]] = field(default_factory=deque)
    parsing: int = 0  # parse requests among them
    items: int = 0  # documents in them
    held: int = 0  # parsed documents it keeps (not yet written)
    to_write: list[_Unit] = field(default_factory=list)  # named, kept here, not yet sent
    alive: bool = True


_ENDED = object()
#: Linux: room for a whole reply in a pipe (``fcntl.F_SETPIPE_SZ``; 1 MiB is what an
#: unprivileged process may ask for), so a worker goes on with its next request while
#: this process is busy, instead of waiting for it to read the rest of a large reply.
_PIPE_SIZE = 1 << 20


def _widen(conn: Connection) -> None:
    with contextlib.suppress(Exception):  # not Linux, or not allowed: the default size
        import fcntl

        fcntl.fcntl(conn.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_SIZE)


class _Pool:
    """``jobs`` worker processes for one build, or, for one job, nothing: the work runs
    here on ``pipeline``. Each worker has a pipe of requests and one of replies; a thread
    of this process receives the replies as they come (unpickled later, by the main
    thread), so a worker never waits on this process, even while it makes the combined
    map."""

    def __init__(
        self, jobs: int, spec: tuple[tuple[Path, ...], float | None], pipeline: Pipeline
    ) -> None:
        self.jobs = jobs
        self.spec = spec
        self.pipeline = pipeline
        self.workers: list[_Worker] = []
        self.started = False
        self._replies: queue.SimpleQueue[tuple[_Worker, Any]] = queue.SimpleQueue()
        self._abort: Any = None
        self._reader: threading.Thread | None = None
        self._frozen = False

    def inline(self, parse_tasks: int, write_tasks: int) -> bool:
        return self.jobs <= 1 or (parse_tasks <= 1 and write_tasks <= 1)

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        fork_safe = sys.platform.startswith("linux") and threading.active_count() == 1
        if fork_safe:
            # What the first document builds (shapely and numpy imported, lexicons, patterns)
            # is built once here and inherited, not once in each worker and again here for
            # the combined map.
            _warm_up(self.pipeline)
            # Forked workers inherit this process's imported modules and warmed-up module
            # caches; keep the collector from touching (and so copying) the inherited pages.
            gc.freeze()
            self._frozen = True
        context = multiprocessing.get_context("fork" if fork_safe else "spawn")
        self._abort = context.Event()
        for n in range(self.jobs):
            task_end, tasks = context.Pipe(duplex=False)
            replies, reply_end = context.Pipe(duplex=False)
            process = context.Process(  # type: ignore[attr-defined]
                target=_worker_main,
                args=(task_end, reply_end, self._abort, *self.spec),
                name=f"geomap-worker-{n}",
                daemon=True,
            )
            _widen(replies)
            process.start()
            # Only the worker keeps its ends: its death closes them (EOF, broken pipe).
            task_end.close()
            reply_end.close()
            self.workers.append(_Worker(process, tasks, replies))
        self._reader = threading.Thread(target=self._read, name="geomap-replies", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        # Only the bytes here, so that a worker's pipe is drained at once (a reply can be
        # larger than the pipe holds); they are unpickled in ``next_reply``.
        waiting = {w.replies: w for w in self.workers}
        while waiting:
            for ready in wait(list(waiting)):
                conn = cast(Connection, ready)
                worker = waiting[conn]
                try:
                    reply: Any = conn.recv_bytes()
                except Exception:  # noqa: BLE001 - EOF: the worker is gone
                    del waiting[conn]
                    reply = _ENDED
                self._replies.put((worker, reply))

    def live(self) -> list[_Worker]:
        return [w for w in self.workers if w.alive]

    def yield_to_coordinator(self) -> None:
        """Lower the workers' priority by ``_TAIL_NICE``, for the rest of this build (they
        cannot raise it again; they end with it): from now on this process's own work is
        what the build waits for, and sharing a core with the workers slows it down
        without speeding them up."""
        if not hasattr(os, "setpriority"):
            return
        for worker in self.live():
            with contextlib.suppress(OSError):
                pid = worker.process.pid
                now = os.getpriority(os.PRIO_PROCESS, pid)
                os.setpriority(os.PRIO_PROCESS, pid, min(19, now + _TAIL_NICE))

    def busy(self) -> bool:
        return any(w.requests for w in self.workers if w.alive)

    def send(self, worker: _Worker, request: tuple[Any, ...], payload: list[Any]) -> None:
        worker.requests.append((request[0], payload))
        worker.parsing += request[0] == "parse"
        worker.items += len(payload)
        with contextlib.suppress(OSError):  # it died: its reply pipe says so
            worker.tasks.send(request)

    def next_reply(
        self, block: bool = True
    ) -> tuple[_Worker, tuple[str, list[Any]] | None, Any] | None:
        """The next reply: its worker, the request it answers and the reply; or, when a
        worker has died, it, None, and the requests it left unanswered. None when
        ``block`` is false and no reply is waiting."""
        while True:
            try:
                worker, reply = self._replies.get(block)
            except queue.Empty:
                return None
            if not worker.alive:
                continue
            if reply is _ENDED:
                worker.alive = False
                lost = list(worker.requests)
                worker.requests.clear()
                worker.parsing = worker.items = 0
                return worker, None, lost
            request = worker.requests.popleft()
            worker.parsing -= request[0] == "parse"
            worker.items -= len(request[1])
            return worker, request, ForkingPickler.loads(reply)

    def close(self) -> None:
        """Stop the workers: the idle ones at once (nothing to lose), the others (on an
        error or Ctrl-C) after the document at hand, dropping their queued requests."""
        if self.started and self._abort is not None:
            if any(w.requests for w in self.workers):
                self._abort.set()
            for worker in self.workers:
                worker.tasks.close()
                if not worker.requests:
                    worker.process.terminate()
            for worker in self.workers:
                worker.process.join(timeout=30)
                if worker.process.is_alive():
                    worker.process.terminate()
                    worker.process.join()
            if self._reader is not None:
                self._reader.join(timeout=5)
            for worker in self.workers:
                worker.replies.close()
            self.workers = []
            self._abort = None
        if self._frozen:
            gc.unfreeze()
            self._frozen = False


_WARM_UP = "Protesters gathered in Kharkiv on Friday, officials in Kyiv said."
#: Most documents in one parse request (smaller towards the end of the batch).
_MAX_CHUNK = 32
#: Most documents in one write request.
_WRITE_BATCH = 16
#: Parsing a document takes about as long as writing this many to GeoJSON (1,000 synthetic
#: articles: 1.3 s and 0.3 s of CPU).
_PARSE_COST = 4
#: A worker writes what it keeps once parsing is done, or once it keeps this many.
_MAX_HELD = 1000
#: How much lower the workers' priority goes while this process makes the combined map.
_TAIL_NICE = 10


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
