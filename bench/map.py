"""``python -m bench map``: what a newsroom map costs.

* HTML size of each seed article's map (everything inlined), target < 1.5 MB;
* wall time of ``geomap build`` for one seed article to HTML, GeoJSON and PNG on a warm
  machine (index built, OS caches warm: one untimed run first), median of N, target < 3 s;
* peak memory of that build, target < 400 MB.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from .common import Figure, geomap_command, run_child, save, table

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench map",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=3, help="timed builds (median)")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results.json")
    args = parser.parse_args(argv)

    seed = sorted(SEEDS.glob("*.txt"))[0]
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [
            *geomap_command(),
            "build",
            str(seed),
            "--out",
            str(out),
            "--format",
            "html,geojson,png",
            "--force",  # every run builds: the same folder's cache would make it a no-op
        ]
        run_child(cmd)  # warm-up: index, imports, file caches
        walls, rsss = [], []
        for _ in range(args.runs):
            run = run_child(cmd)  # raises if the build fails
            walls.append(run.wall)
            rsss.append(run.rss_mb)
        walls.sort()
        figures.append(
            Figure(
                f"geomap build one article (html, geojson, png), median of {args.runs}",
                walls[len(walls) // 2],
                "s",
                3.0,
                "<",
                2,
                {"runs_s": [round(w, 3) for w in walls]},
            )
        )
        figures.append(Figure("peak memory of that build", max(rsss), "MB", 400.0, "<", 1))
        all_seeds = Path(tmp) / "all"
        run_child(
            [*geomap_command(), "build", str(SEEDS), "--out", str(all_seeds), "--format", "html"]
        )
        for html in sorted(all_seeds.glob("*.html")):
            if html.name.endswith(".embed.html"):
                continue
            figures.append(
                Figure(f"HTML size: {html.name}", html.stat().st_size / 1e6, "MB", 1.5, "<", 3)
            )
    print(table("Map outputs", figures))
    if not args.no_save:
        save("map", figures)
    return 0 if all(f.passed is not False for f in figures) else 1
