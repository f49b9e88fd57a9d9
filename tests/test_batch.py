"""A 1,000-document batch end to end: report, incremental rebuilds, --jobs, a killed build.

The tests run in file order and share one corpus and output folder (module fixture); the
ones that change an input come last.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from geomap.batch import build
from geomap.cache import CACHE_DIR
from geomap.events import _combine, _greedy_merge, _mismatch, _sort_key, merge_events
from geomap.io.atomic import STAGING_PREFIX
from geomap.synthetic import write_corpus

COUNT = 1000


def geomap(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geomap", *args], capture_output=True, text=True, check=False
    )


def build_geojson(corpus: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``geomap build CORPUS --out OUT --format geojson --json --no-progress`` (+ ``extra``)."""
    return geomap(
        "build", str(corpus), "--out", str(out), "--format", "geojson", *extra, "--json",
        "--no-progress",
    )  # fmt: skip


def snapshot(out: Path) -> dict[str, bytes]:
    """The output files (not the hidden temporary files of a write in progress)."""
    return {
        p.name: p.read_bytes()
        for p in sorted(out.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


def mtimes(out: Path) -> dict[str, int]:
    return {
        p.name: p.stat().st_mtime_ns
        for p in out.iterdir()
        if p.is_file() and not p.name.startswith(".")
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("batch")
    corpus, out = root / "corpus", root / "out"
    write_corpus(corpus, COUNT)
    started = time.perf_counter()
    run = build_geojson(corpus, out, "--jobs", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    return {
        "corpus": corpus,
        "out": out,
        "report": json.loads(run.stdout),
        "stderr": run.stderr,
        "seconds": time.perf_counter() - started,
    }


def test_first_build_report(batch: dict) -> None:
    report, out = batch["report"], batch["out"]
    counts = report["counts"]
    assert counts["inputs"] == counts["documents"] == counts["reprocessed"] == COUNT
    assert counts["cached"] == 0 and counts["failed"] == 0 and report["failures"] == []
    assert counts["maps_written"] == COUNT + 1 and counts["maps_unchanged"] == 0
    assert report["exit_code"] == 0 and report["jobs"] == 2
    assert len(report["outputs"]) == COUNT + 1 and "combined" in report["outputs"]
    assert counts["events"] == sum(v for k, v in report["events"].items() if k != "combined")
    assert 0 < counts["combined_events"] <= counts["events"]
    assert set(report["timings"]) >= {"collect", "documents", "combined", "total"}
    first = report["inputs"][0]
    assert first["input"].endswith("doc-00000.md") and first["name"] == "doc-00000"
    assert first["status"] == "processed" and first["events"] == report["events"]["doc-00000"]
    assert len(list(out.glob("*.geojson"))) == COUNT + 1
    assert not list(out.glob("*.html")), "--format geojson only"
    assert (out / CACHE_DIR / ".gitignore").read_text().strip().endswith("*")
    assert not list(out.glob(f"{STAGING_PREFIX}*")), "the workers' staging folders are gone"
    combined = json.loads((out / "combined.geojson").read_text(encoding="utf-8"))
    assert (
        sum(f["properties"]["layer"] == "event" for f in combined["features"])
        == counts["combined_events"]
    )
    assert "Traceback" not in batch["stderr"]


def test_outputs_are_the_same_whatever_jobs(batch: dict, tmp_path: Path, pipeline) -> None:  # noqa: ANN001
    report = build([batch["corpus"]], tmp_path, formats=["geojson"], pipeline=pipeline, jobs=1)
    assert report.ok and len(report.outputs) == COUNT + 1
    assert snapshot(tmp_path) == snapshot(batch["out"])


def test_grouped_merge_is_the_plain_greedy_merge(pipeline) -> None:  # noqa: ANN001
    from geomap.models import Document
    from geomap.synthetic import documents

    docs = [pipeline(Document(id=d["id"], text=d["text"])) for d in documents(250, seed=7)]
    events = [e for d in docs for e in d.events]
    assert len(events) > 500
    plain = tuple(sorted(_greedy_merge(sorted(events, key=_sort_key)), key=_sort_key))
    assert merge_events(events) == plain
    # and the clusters are those of asking ``_mismatch`` of every member, as documented
    clusters: list[list] = []
    for event in sorted(events, key=_sort_key):
        home = next((c for c in clusters if all(_mismatch(event, m) is None for m in c)), None)
        if home is None:
            clusters.append([event])
        else:
            home.append(event)
    assert sum(len(c) > 1 for c in clusters) > 50
    reference = tuple(
        sorted((c[0] if len(c) == 1 else _combine(c) for c in clusters), key=_sort_key)
    )
    assert merge_events(events) == reference


def test_a_build_leaves_the_callers_garbage_collector_settings(tmp_path: Path, pipeline) -> None:  # noqa: ANN001
    import gc

    (tmp_path / "a.txt").write_text("Protesters gathered in Kharkiv on Friday.", encoding="utf-8")
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        report = build(
            [tmp_path / "a.txt"], tmp_path / "out", formats=["geojson"], pipeline=pipeline
        )
        assert report.ok
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_rebuild_reprocesses_nothing(batch: dict) -> None:
    out = batch["out"]
    before, stamps = snapshot(out), mtimes(out)
    run = build_geojson(batch["corpus"], out)
    assert run.returncode == 0, run.stderr[-3000:]
    counts = json.loads(run.stdout)["counts"]
    assert counts["reprocessed"] == 0 and counts["cached"] == COUNT
    assert counts["maps_written"] == 0 and counts["maps_unchanged"] == COUNT + 1
    assert snapshot(out) == before and mtimes(out) == stamps, "nothing was rewritten"


def test_a_killed_build_leaves_every_output_intact(batch: dict) -> None:
    out = batch["out"]
    before, stamps = snapshot(out), mtimes(out)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "geomap",
            "build",
            str(batch["corpus"]),
            "--out",
            str(out),
            "--format",
            "geojson",
            "--jobs",
            "2",
            "--force",
            "--no-progress",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if any(p.stat().st_mtime_ns != stamps[p.name] for p in out.glob("doc-0000*.geojson")):
                break  # it has started rewriting the outputs
            time.sleep(0.01)
        assert proc.poll() is None, "the build finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        # the workers die with the build (no orphan goes on writing)
        for _ in range(200):
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            pytest.fail("worker processes outlived the killed build")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    after = snapshot(out)
    assert set(after) == set(before)
    assert after == before, "every output is byte-identical to the one before the killed build"
    rewritten = [name for name in before if (out / name).stat().st_mtime_ns != stamps[name]]
    assert 0 < len(rewritten) < len(before), "killed mid-run"
    for name in after:
        json.loads(after[name])  # readable
    # the next build finishes the job
    run = build_geojson(batch["corpus"], out)
    assert run.returncode == 0, run.stderr[-3000:]
    assert snapshot(out) == before
    assert not list(out.glob(".*.tmp")), "the killed build's temporary files are cleaned up"
    assert not list(out.glob(f"{STAGING_PREFIX}*")), "and its workers' staging folders"


def test_one_changed_input_is_the_only_one_reprocessed(batch: dict) -> None:
    corpus, out = batch["corpus"], batch["out"]
    target = corpus / "doc-00123.md"
    target.write_text(
        target.read_text(encoding="utf-8") + "\nLater, protesters gathered in Lviv.\n",
        encoding="utf-8",
    )
    stamps = mtimes(out)
    run = build_geojson(corpus, out)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    assert report["reprocessed"] == ["doc-00123"]
    assert report["counts"]["cached"] == COUNT - 1
    changed = {name for name, stamp in mtimes(out).items() if stamp != stamps[name]}
    assert changed == {"doc-00123.geojson", "combined.geojson"}
    assert "Lviv" in (out / "doc-00123.geojson").read_text(encoding="utf-8")
    # touching (same bytes, new mtime) is not a change: content hashes decide
    os.utime(target)
    again = json.loads(build_geojson(corpus, out).stdout)
    assert again["counts"]["reprocessed"] == 0


# -- parallel builds: the same files whatever the jobs -----------------------------------------


def _tricky_corpus(folder: Path) -> list[str]:
    """60 articles plus documents whose names collide (an id used twice, a file whose stem
    is the name a collision would get), and one file given twice."""
    write_corpus(folder, 60)
    text = "Protesters gathered in Kharkiv on Friday, officials in Kyiv said."
    (folder / "doc-00003_2.txt").write_text(text, encoding="utf-8")
    (folder / "doc-00003b.md").write_text(f"---\nid: doc-00003\n---\n\n{text}\n", encoding="utf-8")
    return [str(folder), str(folder / "doc-00010.md")]


def _comparable(report: object) -> dict:
    data = report.to_dict()  # type: ignore[attr-defined]
    for key in ("timings", "out", "jobs"):
        data.pop(key)
    data["inputs"] = [{k: v for k, v in i.items() if k != "seconds"} for i in data["inputs"]]
    data["outputs"] = {k: [Path(p).name for p in v] for k, v in data["outputs"].items()}
    return data


def test_parallel_build_names_and_bytes_match_one_job(
    tmp_path: Path,
    pipeline,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import geomap.batch

    inputs = _tricky_corpus(tmp_path / "in")
    formats = ["html", "geojson", "csv", "qml"]
    one = build(inputs, tmp_path / "one", formats=formats, pipeline=pipeline, jobs=1)
    assert one.ok, one.failures
    names = set(one.outputs)
    assert {"doc-00003", "doc-00003_2", "doc-00003_3", "doc-00010_2", "combined"} <= names
    two = build(inputs, tmp_path / "two", formats=formats, pipeline=pipeline, jobs=2)
    assert two.jobs == 2 and two.ok, two.failures
    assert snapshot(tmp_path / "two") == snapshot(tmp_path / "one")
    assert _comparable(two) == _comparable(one)
    assert not [p for p in (tmp_path / "two").iterdir() if p.name.startswith(".")]
    # workers that may keep only a few documents write while others are still parsed
    monkeypatch.setattr(geomap.batch, "_MAX_HELD", 3)
    held = build(inputs, tmp_path / "held", formats=formats, pipeline=pipeline, jobs=2)
    assert snapshot(tmp_path / "held") == snapshot(tmp_path / "one")
    assert _comparable(held) == _comparable(one)
    # documents sent along to even out the writes (here: every one the first worker
    # parsed, as it is made to look busiest) are written from this process's copies
    monkeypatch.setattr(geomap.batch, "_MAX_HELD", 1000)
    monkeypatch.setattr(geomap.batch, "_WRITE_BATCH", 2)
    load, sent_along = geomap.batch._load, []

    def busier(worker: geomap.batch._Worker) -> int:
        return load(worker) + (100 if worker.process.name.endswith("-0") else 0)

    def spy(self, pool, worker, units, keep) -> None:  # noqa: ANN001
        sent_along.extend([] if keep else units)
        send_write(self, pool, worker, units, keep)

    send_write = geomap.batch._Build._send_write
    monkeypatch.setattr(geomap.batch, "_load", busier)
    monkeypatch.setattr(geomap.batch._Build, "_send_write", spy)
    even = build(inputs, tmp_path / "even", formats=formats, pipeline=pipeline, jobs=2)
    assert sent_along, "no document was sent along"
    assert snapshot(tmp_path / "even") == snapshot(tmp_path / "one")
    assert _comparable(even) == _comparable(one)


def test_parallel_rebuild_rewrites_only_the_missing_maps(tmp_path: Path) -> None:
    corpus, out = tmp_path / "in", tmp_path / "out"
    write_corpus(corpus, 40)
    first = build([corpus], out, formats=["geojson"], jobs=2, cache=True)
    assert first.ok and len(first.reprocessed) == 40
    before = snapshot(out)
    for n in range(0, 40, 4):  # cached documents whose files are gone or were edited
        (out / f"doc-{n:05d}.geojson").unlink()
    (out / "doc-00001.geojson").write_text("{}", encoding="utf-8")
    again = build([corpus], out, formats=["geojson"], jobs=2, cache=True)
    assert again.ok and again.reprocessed == [] and len(again.cached) == 40
    assert sorted(again.written) == sorted(
        [f"doc-{n:05d}" for n in range(0, 40, 4)] + ["doc-00001"]
    )
    assert "combined" in again.unchanged
    assert snapshot(out) == before


def test_chunks_cover_the_keys_in_order_and_shrink() -> None:
    from geomap.batch import _MAX_CHUNK, _chunks

    keys = [str(i) for i in range(1000)]
    chunks = _chunks(keys, 2)
    assert [k for c in chunks for k in c] == keys
    sizes = [len(c) for c in chunks]
    assert max(sizes) <= _MAX_CHUNK and sizes == sorted(sizes, reverse=True) and sizes[-1] == 1
    assert _chunks([], 2) == [] and _chunks(["a"], 4) == [["a"]]


def test_the_workers_end_with_even_shares_of_the_writes(tmp_path: Path, pipeline) -> None:  # noqa: ANN001
    """Each worker writes what it parsed; once no parsing is left to hand out, documents
    move (sent along, being kept elsewhere) from the worker with most left to do to the
    one with least, counting what each is still parsing."""
    from geomap.batch import _WRITE_BATCH, _Build, _load, _Log, _Options, _Unit, _Worker
    from geomap.cache import BuildCache
    from geomap.models import Document

    parsed = pipeline(Document(id="d", title="Kharkiv", text="Shelling hit Kharkiv on Monday."))

    class Pool:  # what ``_Pool.send`` records of a request
        def send(self, worker: _Worker, request: tuple, payload: list) -> None:
            worker.requests.append((request[0], payload))
            sent.append((worker, request))

    def unit(n: int) -> _Unit:
        return _Unit(n, f"in/{n}.md", key=f"key-{n}", parsed=parsed, name=f"doc-{n}")

    def worker(units: list[_Unit]) -> _Worker:
        return _Worker(process=None, tasks=None, replies=None, to_write=list(units))

    units = [unit(n) for n in range(300)]
    options = _Options(("geojson",), None, None, None, (1200, 800), 150)
    build = _Build({}, {}, options, tmp_path, BuildCache(tmp_path, enabled=False), _Log(False))
    build._pending = {u.key: [u] for u in units}
    sent: list = []
    fast, slow = worker(units[:190]), worker(units[190:250])
    build._even_out(Pool(), [fast, slow])  # type: ignore[arg-type]
    assert abs(_load(fast) - _load(slow)) < _WRITE_BATCH
    assert sent and all(w is slow and r[0] == "write" for w, r in sent)
    # the busier worker's last documents, each with the document itself along
    kept = len(fast.to_write)
    assert fast.to_write == units[:kept] and kept < 190 - _WRITE_BATCH
    moved = [item for _, request in sent for item in request[1]]
    assert sorted(m[0] for m in moved) == sorted(u.key for u in units[kept:190])
    assert all(m[3] is parsed for m in moved)
    # a worker still parsing has that much more to do: nothing moves to it
    sent.clear()
    busy = worker(units[250:260])
    busy.requests.append(("parse", [f"key-{n}" for n in range(260, 300)]))
    idle = worker(units[260:280])
    build._even_out(Pool(), [idle, busy])  # type: ignore[arg-type]
    assert all(w is idle for w, _ in sent) and _load(busy) >= _load(idle) - _WRITE_BATCH
    # nearly even already: nothing is pickled along for a handful of documents
    sent.clear()
    build._even_out(Pool(), [worker(units[:20]), worker(units[20:35])])  # type: ignore[arg-type]
    assert sent == []


def test_a_worker_that_dies_while_writing_fails_only_what_it_was_writing(
    tmp_path: Path, kill_worker_on: Callable[..., None]
) -> None:
    import geomap.batch

    write_corpus(tmp_path / "in", 120)
    kill_worker_on(geomap.batch, "_write_task", lambda name, *_: name == "doc-00005")
    report = build([tmp_path / "in"], tmp_path / "out", formats=["geojson"], jobs=2)
    failed = {Path(f.source).stem: f.error for f in report.failures}
    assert "doc-00005" in failed and "while writing its map" in failed["doc-00005"]
    assert 0 < len(failed) <= geomap.batch._WRITE_BATCH, "only the request at work fails"
    built = [name for name in report.outputs if name != "combined"]
    assert len(built) + len(failed) == 120 and "combined" in report.outputs
    assert all((tmp_path / "out" / f"{name}.geojson").is_file() for name in built)
    # the dead worker's other documents are written from this process's copies (which
    # lack what no writer reads): the very same files as a build in one process
    alone = build([tmp_path / "in"], tmp_path / "alone", formats=["geojson"], jobs=1)
    assert alone.ok
    for name in built:
        file = f"{name}.geojson"
        assert (tmp_path / "out" / file).read_bytes() == (tmp_path / "alone" / file).read_bytes()
    # every document is parsed and on the combined map, its own map written or not
    combined = json.loads((tmp_path / "out" / "combined.geojson").read_text(encoding="utf-8"))
    ids = {d for f in combined["features"] for d in (f["properties"]["doc_ids"] or "").split(",")}
    assert "doc-00005" in ids


def test_the_warm_up_before_the_workers_fork_includes_reading_markdown() -> None:
    # Each forked worker would otherwise import PyYAML itself for its first Markdown input.
    code = (
        "import sys; from geomap.batch import _warm_up; from geomap.pipeline import Pipeline; "
        "assert 'yaml' not in sys.modules; _warm_up(Pipeline()); print('yaml' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
