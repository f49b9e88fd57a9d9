"""geomap's benchmarks: ``python -m bench NAME`` (``python -m bench --list`` shows them).

Each benchmark prints a table of figures with their targets and PASS/MISS, and merges
its figures into ``bench/results.json`` under its own name.
"""
