"""Run one command and write its wall time, CPU time and peak memory to a JSON file.

``python bench/launch.py REPORT -- CMD...``: the command inherits this process's standard
streams, working folder, environment and CPU affinity, and exits with its code.

Why a launcher: on Linux a child's ``ru_maxrss`` includes the peak memory of the process
that started it (``vfork`` then ``exec`` carries the parent's high-water mark into the
child's), so a benchmark that once held 600 MB reported 600 MB for ``geomap --help``.
Started from this small process instead, a command's peak is its own (plus at most this
interpreter's ~10 MB, below any command measured). Its own start-up is outside the
timing, too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: launch.py REPORT -- CMD...", file=sys.stderr)
        return 2
    report, cmd = argv[0], argv[2:]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    rss_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    with open(report, "w", encoding="utf-8") as fh:
        json.dump(
            {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": rss_mb, "code": code},
            fh,
        )
    return code if code >= 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
