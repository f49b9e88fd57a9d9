"""``python -m bench gazetteer``: how fast and how big the offline gazetteer is.

* ``geomap resolve Kherson`` end to end (a fresh process each time, median of N), and
  the part of it spent opening the gazetteer (``Gazetteer.default()`` in this process);
* bulk lookups on one core (this process pinned to it): N names drawn deterministically
  from the index itself, resolved by a fresh ``Gazetteer`` (so no cache helps) with
  ``lookup_many``, and one by one with ``lookup``; rates are per second of this process's
  CPU time, which is what one core delivers whatever else the machine is running
  (wall-clock rates are in results.json);
* peak memory (max RSS) of a ``geomap resolve Kherson`` process;
* the first build of the index into an empty cache folder.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .common import Figure, geomap_command, machine, median_time, run_child, save, table

QUERY = "Kherson"
#: Cold ``lookup_many`` runs (a fresh gazetteer each) of which the median is the figure.
LOOKUP_RUNS = 3


def sample_names(count: int) -> list[str]:
    """``count`` names spread evenly over the base index's names table (deterministic)."""
    from geomap.gazetteer.index import open_index
    from geomap.gazetteer.lookup import base_index_path

    con = open_index(base_index_path(progress=False))
    total = con.execute("SELECT max(rowid) FROM names").fetchone()[0]
    step = max(1, total // count)
    rows = con.execute(
        "SELECT name FROM names WHERE rowid % ? = 0 ORDER BY rowid LIMIT ?", (step, count)
    )
    names = [r[0] for r in rows]
    con.close()
    return names


def bench_lookups(names: list[str]) -> list[Figure]:
    with _pinned():
        return _lookups(names)


@contextlib.contextmanager
def _pinned() -> Iterator[None]:
    """This process on one core while it measures, as the geoparse benchmark pins its
    children: moved between cores, a process loses its warm caches (the same lookups
    measured ~15 % more CPU time unpinned on the development machine)."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cores)


def _lookups(names: list[str]) -> list[Figure]:
    from geomap.gazetteer import Gazetteer

    figures = []
    runs = []  # (cpu s, wall s, names found), each by a fresh gazetteer: nothing cached
    for _ in range(LOOKUP_RUNS):
        gaz = Gazetteer.default()
        cpu, wall = time.process_time(), time.perf_counter()
        found = sum(1 for cands in gaz.lookup_many(names) if cands)
        runs.append((time.process_time() - cpu, time.perf_counter() - wall, found))
    cpu, wall, found = sorted(runs)[len(runs) // 2]
    figures.append(
        Figure(
            f"bulk lookups, lookup_many ({len(names):,} names, cold, median of {LOOKUP_RUNS})",
            len(names) / cpu,
            "/s",
            50_000,
            ">=",
            0,
            {
                "cpu_s": round(cpu, 3),
                "wall_s": round(wall, 3),
                "per_wall_s": round(len(names) / wall),
                "names_found": found,
                "runs_per_cpu_s": [round(len(names) / c) for c, _, _ in runs],
            },
        )
    )
    cpu = time.process_time()
    for name in names:
        gaz.lookup(name)
    cpu = time.process_time() - cpu
    figures.append(Figure("  same names again (cached)", len(names) / cpu, "/s", digits=0))

    gaz = Gazetteer.default()
    cpu, wall = time.process_time(), time.perf_counter()
    for name in names:
        gaz.lookup(name)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    figures.append(
        Figure(
            "  one by one, lookup (cold)",
            len(names) / cpu,
            "/s",
            digits=0,
            detail={"cpu_s": round(cpu, 3), "wall_s": round(wall, 3)},
        )
    )
    return figures


def bench_build() -> Figure:
    folder = Path(tempfile.mkdtemp(prefix="geomap-bench-cache-"))
    try:
        env = {**os.environ, "GEOMAP_CACHE_DIR": str(folder)}
        code = (
            "from geomap.gazetteer.lookup import base_index_path; base_index_path(progress=False)"
        )
        run = run_child([sys.executable, "-c", code], env=env)
        wall, rss = run.wall, run.rss_mb
        size = sum(p.stat().st_size for p in folder.glob("*.sqlite"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Figure(
        "first index build (empty cache)",
        wall,
        "s",
        60.0,
        "<",
        1,
        {"max_rss_mb": round(rss, 1), "index_mb": round(size / 1e6, 1)},
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench gazetteer",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=5, help="process runs per timing (median)")
    parser.add_argument("--names", type=int, default=50_000, help="names for the bulk lookups")
    parser.add_argument("--skip-build", action="store_true", help="skip the ~15-60 s build")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results.json")
    args = parser.parse_args(argv)

    from geomap.gazetteer import Gazetteer

    Gazetteer.default(progress=True)  # build the index now, not inside a timing
    resolve = [*geomap_command(), "resolve", QUERY]
    run_child(resolve)  # warm the OS file cache
    walls, rsss = [], []
    for _ in range(args.runs):
        run = run_child(resolve)
        walls.append(run.wall)
        rsss.append(run.rss_mb)
    walls.sort()
    load, load_runs = median_time(Gazetteer.default, args.runs)

    figures = [
        Figure(
            f"geomap resolve {QUERY} (end to end, median of {args.runs})",
            walls[len(walls) // 2],
            "s",
            0.5,
            "<",
            3,
            {"runs_s": [round(w, 4) for w in walls]},
        ),
        Figure(
            "  load: Gazetteer.default() in-process",
            load,
            "s",
            0.2,
            "<",
            4,
            {"runs_s": [round(t, 5) for t in load_runs]},
        ),
        *bench_lookups(sample_names(args.names)),
        Figure(
            f"peak memory of geomap resolve {QUERY}",
            max(rsss),
            "MB",
            300.0,
            "<",
            1,
            {"runs_mb": [round(r, 1) for r in rsss]},
        ),
    ]
    if not args.skip_build:
        figures.append(bench_build())

    info = machine()
    title = (
        f"geomap gazetteer benchmark - Python {info['python']}, {info['cpus']} CPUs, "
        f"load average {info.get('load_average_1m', '?')}"
    )
    print(table(title, figures))
    if not args.no_save:
        save("gazetteer", figures)
        print(f"\nwritten: {Path(__file__).resolve().parent / 'results.json'}")
    return 0 if all(f.passed is not False for f in figures) else 1
