"""Shared by the benchmarks: a figure with its target, the table, ``results.json``."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


@dataclass
class Figure:
    """One measured number and the target it is held to (``value op target``)."""

    name: str
    value: float
    unit: str
    target: float | None = None
    op: str = "<"  # "<", "<=", ">" or ">="
    digits: int = 3
    detail: dict[str, object] = field(default_factory=dict)

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        return {
            "<": self.value < self.target,
            "<=": self.value <= self.target,
            ">": self.value > self.target,
            ">=": self.value >= self.target,
        }[self.op]

    def show(self, number: float) -> str:
        text = f"{number:,.{self.digits}f}"
        return f"{text} {self.unit}".strip()

    def row(self) -> tuple[str, str, str, str]:
        target = "" if self.target is None else f"{self.op} {self.show(self.target)}"
        verdict = {True: "PASS", False: "MISS", None: "-"}[self.passed]
        return self.name, self.show(self.value), target, verdict


def median_time(func: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def table(title: str, figures: Sequence[Figure]) -> str:
    rows = [("figure", "value", "target", "result"), *(f.row() for f in figures)]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [title, ""]
    for i, r in enumerate(rows):
        lines.append(
            "  ".join(
                c.ljust(w) if j == 0 else c.rjust(w)
                for j, (c, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine() -> dict[str, object]:
    info: dict[str, object] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    if hasattr(os, "getloadavg"):
        info["load_average_1m"] = round(os.getloadavg()[0], 2)
    return info


def save(benchmark: str, figures: Sequence[Figure], path: Path = RESULTS) -> None:
    """Merge this benchmark's figures into ``results.json`` (atomically), keeping the others'."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data[benchmark] = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "figures": [{**asdict(f), "passed": f.passed} for f in figures],
    }
    fd, tmp = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, path)


@dataclass
class Run:
    """One child process: wall seconds, CPU seconds (user + system), max RSS in MB."""

    wall: float
    cpu: float
    rss_mb: float


def run_child(
    cmd: list[str],
    *,
    stdin: Path | None = None,
    stdout: Path | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    cpu: int | None = None,
) -> Run:
    """Run ``cmd`` alone and measure it; ``cpu`` pins it (and its threads) to one core.

    The figures are the command's own, taken by ``bench/launch.py`` (see there why)."""
    preexec = None
    if cpu is not None and hasattr(os, "sched_setaffinity"):

        def preexec() -> None:
            os.sched_setaffinity(0, {cpu})

    fin = open(stdin, "rb") if stdin else subprocess.DEVNULL  # noqa: SIM115
    fout = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115
    fd, report = tempfile.mkstemp(prefix="geomap-bench-run-", suffix=".json")
    os.close(fd)
    try:
        proc = subprocess.run(
            [sys.executable, str(LAUNCHER), report, "--", *cmd],
            stdin=fin,
            stdout=fout,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            preexec_fn=preexec,
            check=False,
        )
        measured = json.loads(Path(report).read_text(encoding="utf-8") or "{}")
    finally:
        Path(report).unlink(missing_ok=True)
        for fh in (fin, fout):
            if hasattr(fh, "close"):
                fh.close()
    if proc.returncode != 0 or not measured:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}"
        )
    return Run(measured["wall"], measured["cpu"], measured["rss_mb"])


#: Starts each measured command (a small process: see its docstring).
LAUNCHER = Path(__file__).with_name("launch.py")


def geomap_command() -> list[str]:
    """The ``geomap`` console script next to this interpreter, else ``python -m geomap``."""
    script = Path(sys.executable).with_name("geomap")
    return [str(script)] if script.exists() else [sys.executable, "-m", "geomap"]
