"""Start-up time and peak memory of geomap commands, for ``python -m bench geoparse``.

Each command runs in a fresh process: *cold* is the first run (after the gazetteer index
exists: ``Gazetteer.default()`` builds it first), *warm* the median of the next N runs.
Dropping the OS page cache and Python's bytecode caches would be a truer cold start but
needs root and disturbs everything else on the machine, so it is not done. Peak memory is
the largest ``ru_maxrss`` of the child over all runs (``os.wait4``).

``python -m bench.start`` prints the figures on their own.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from .common import Figure, geomap_command, run_child, table

ROOT = Path(__file__).resolve().parent.parent
#: The article ``geomap build`` maps (the first worked example).
SEED = ROOT / "seeds" / "000_7887cc4c155de136.txt"
HELP_TARGET_S = 0.25
BUILD_MEMORY_TARGET_MB = 400.0


def one_core() -> int | None:
    """A core this process may run on (children are pinned to it), if the OS pins."""
    if hasattr(os, "sched_getaffinity"):
        return min(os.sched_getaffinity(0))
    return None


def single_thread_env() -> dict[str, str]:
    """The environment for pinned children: numeric libraries stay single-threaded, and
    bytecode is cached as in any installed package (a sandbox's PYTHONDONTWRITEBYTECODE
    would otherwise charge every run ~50 ms of compiling, peers included)."""
    threads = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **threads}


def _commands(out: Path) -> dict[str, list[str]]:
    geomap = geomap_command()
    return {
        "geomap --help": [*geomap, "--help"],
        "geomap resolve Kherson": [*geomap, "resolve", "Kherson"],
        "geomap build (one article, html+geojson)": [
            *geomap,
            "build",
            str(SEED),
            "--out",
            str(out),
            "--format",
            "html,geojson",
        ],
    }


def measure(warm_runs: int = 5) -> list[Figure]:
    """Cold and warm wall time and peak memory of each command."""
    from geomap.gazetteer import Gazetteer

    Gazetteer.default(progress=True)  # the index exists before any timing
    figures: list[Figure] = []
    scratch = Path(tempfile.mkdtemp(prefix="geomap-bench-start-"))
    try:
        for label in _commands(scratch / "x"):
            runs = []
            for i in range(1 + warm_runs):
                out = scratch / f"out-{len(figures)}-{i}"  # a fresh folder: no build cache
                runs.append(run_child(_commands(out)[label], cwd=ROOT))
            cold, warm = runs[0], [r.wall for r in runs[1:]]
            peak = max(r.rss_mb for r in runs)
            is_help = label == "geomap --help"
            is_build = label.startswith("geomap build")
            figures += [
                Figure(
                    f"{label}: cold (first run)",
                    cold.wall,
                    "s",
                    digits=3,
                    detail={"cpu_s": round(cold.cpu, 3)},
                ),
                Figure(
                    f"{label}: warm (median of {warm_runs})",
                    statistics.median(warm),
                    "s",
                    HELP_TARGET_S if is_help else None,
                    "<",
                    3,
                    {"runs_s": [round(w, 4) for w in warm]},
                ),
                Figure(
                    f"{label}: peak memory",
                    peak,
                    "MB",
                    BUILD_MEMORY_TARGET_MB if is_build else None,
                    "<",
                    1,
                    {"runs_mb": [round(r.rss_mb, 1) for r in runs]},
                ),
            ]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    runs = int(argv[0]) if argv else 5
    figures = measure(runs)
    print(table("geomap start-up", figures))
    return 0 if all(f.passed is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
