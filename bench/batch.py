"""``python -m bench batch``: documents per second of a 1,000-document build, 1 and 2 jobs.

The batch is ``geomap.synthetic``'s articles (Markdown with YAML front matter, sentence
templates × 40 place names), built with ``--format geojson`` and no cache, so every
document is read, geoparsed and written, and the combined map is written too. Each run is a
fresh process that loads the pipeline, then times ``geomap.batch.build`` alone (start-up is
the same whatever the jobs); runs alternate between 1 and 2 jobs so that other load on the
machine hits both alike, and the figure is the median. Target: 2 jobs at least 1.7× as
fast as 1 (on a machine with at least 2 cores). Start-up (interpreter, imports, pipeline)
is left out of both. Wall-clock speed-up needs two idle cores: the CPU-time ratio beside it
(workers included) shows what running in parallel itself costs, whatever else runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import Figure, machine, save, table

SPEEDUP_TARGET = 1.7

_CHILD = """
import json, resource, sys, time
import geomap.render.write  # start-up: the writers' imports
from geomap.batch import build
from geomap.pipeline import Pipeline
corpus, out, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
pipe = Pipeline()
def cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
cpu0, start = cpu(), time.perf_counter()
report = build([corpus], out, formats=["geojson"], pipeline=pipe, jobs=jobs)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu() - cpu0,
                  "documents": report.counts()["documents"],
                  "failed": len(report.failures), "timings": report.timings}))
"""


def _one(corpus: Path, out: Path, jobs: int) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(corpus), str(out), str(jobs)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"batch build with {jobs} jobs failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(count: int = 1000, runs: int = 3) -> list[Figure]:
    from geomap.synthetic import write_corpus

    with tempfile.TemporaryDirectory(prefix="geomap-bench-batch-") as tmp:
        corpus = Path(tmp) / "corpus"
        write_corpus(corpus, count)
        _one(corpus, Path(tmp) / "warm", 1)  # gazetteer index and OS caches
        rates: dict[int, list[float]] = {1: [], 2: []}
        raw: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        for run in range(runs):
            for jobs in (1, 2):
                result = _one(corpus, Path(tmp) / f"out-{jobs}-{run}", jobs)
                if result["documents"] != count or result["failed"]:
                    raise RuntimeError(f"batch build with {jobs} jobs lost documents: {result}")
                rates[jobs].append(count / result["seconds"])
                raw[jobs].append(result)
    one, two = statistics.median(rates[1]), statistics.median(rates[2])
    cores = os.cpu_count() or 1
    return [
        Figure(
            f"{count:,} documents, --jobs 1",
            one,
            "docs/s",
            digits=1,
            detail={"runs": rates[1], "timings": [r["timings"] for r in raw[1]]},
        ),
        Figure(
            f"{count:,} documents, --jobs 2",
            two,
            "docs/s",
            digits=1,
            detail={"runs": rates[2], "timings": [r["timings"] for r in raw[2]]},
        ),
        Figure(
            "speed-up, --jobs 2 over --jobs 1",
            two / one,
            "x",
            target=SPEEDUP_TARGET if cores >= 2 else None,
            op=">=",
            digits=2,
            detail={"cores": cores, "load_average_1m": machine().get("load_average_1m")},
        ),
        # CPU time (this process and its workers) does not depend on what else the machine
        # runs: above 1 is the work that running in parallel adds.
        Figure(
            "CPU time, --jobs 2 over --jobs 1",
            statistics.median(r["cpu_seconds"] for r in raw[2])
            / statistics.median(r["cpu_seconds"] for r in raw[1]),
            "x",
            digits=2,
            detail={jobs: [r["cpu_seconds"] for r in raw[jobs]] for jobs in (1, 2)},
        ),
    ]


def run(count: int = 1000, runs: int = 3) -> list[dict[str, Any]]:
    """The figures as rows: name, value, unit, target (None or ">= x"), ok (None: no target)."""
    return [
        {
            "name": f.name,
            "value": round(f.value, 3),
            "unit": f.unit,
            "target": None if f.target is None else f"{f.op} {f.target}",
            "ok": f.passed,
        }
        for f in measure(count, runs)
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench batch", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--count", type=int, default=1000, help="documents in the batch")
    parser.add_argument("--runs", type=int, default=3, help="runs per jobs setting (median)")
    parser.add_argument("--no-save", action="store_true", help="do not update bench/results.json")
    args = parser.parse_args(argv)
    figures = measure(args.count, args.runs)
    info = machine()
    load = f", load {info['load_average_1m']}" if "load_average_1m" in info else ""
    print(table(f"batch build ({info['cpus']} cores{load})", figures))
    if not args.no_save:
        save("batch", figures)
    return 0 if all(f.passed is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
