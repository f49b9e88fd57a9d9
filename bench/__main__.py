"""``python -m bench NAME [ARGS...]``: run one benchmark (or ``all``).

To add one, write ``bench/<name>.py`` with ``main(argv: list[str]) -> int`` and register
it in ``BENCHMARKS`` below; import it lazily so that one benchmark's dependencies never
slow down or break another.
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def _gazetteer(argv: list[str]) -> int:
    from .gazetteer import main

    return main(argv)


def _map(argv: list[str]) -> int:
    from .map import main

    return main(argv)


def _geoparse(argv: list[str]) -> int:
    from .geoparse import main

    return main(argv)


def _batch(argv: list[str]) -> int:
    from .batch import main

    return main(argv)


#: name -> function(argv) returning an exit status (0 when every figure meets its target).
BENCHMARKS: dict[str, Callable[[list[str]], int]] = {
    "gazetteer": _gazetteer,
    "map": _map,
    "geoparse": _geoparse,
    "batch": _batch,
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "--list"}:
        print("usage: python -m bench NAME [ARGS...]   (NAME --help for its options)")
        print("benchmarks: " + ", ".join([*BENCHMARKS, "all"]))
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name == "all":
        return max((BENCHMARKS[n](rest) for n in BENCHMARKS), default=0)
    if name not in BENCHMARKS:
        known = ", ".join(BENCHMARKS)
        print(f"bench: unknown benchmark {name!r} (known: {known})", file=sys.stderr)
        return 2
    return BENCHMARKS[name](rest)


if __name__ == "__main__":
    sys.exit(main())
