"""geomap: offline geospatial event maps from news text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .pipeline import BuildReport, Pipeline, build, geoparse, to_geodataframe, to_map

__all__ = [
    "BuildReport",
    "Pipeline",
    "build",
    "collect_garbage_rarely",
    "geoparse",
    "to_geodataframe",
    "to_map",
]
#: The Python API (``geomap.pipeline``), imported on first use: ``import geomap`` stays
#: as cheap as ``geomap --help`` needs it to be.
_API = frozenset(__all__) - {"collect_garbage_rarely"}


def __getattr__(name: str) -> Any:
    if name in _API:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'geomap' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})


def collect_garbage_rarely() -> None:
    """Run the cyclic garbage collector every 50,000 allocations instead of 700.

    A geomap run makes millions of short-lived objects and next to no reference cycles,
    so the default spends ~8 % of a corpus run finding nothing; peak memory is unchanged.
    Called by the CLI, by batch workers (a spawned worker starts with the defaults) and
    by ``geomap.batch.build`` for the length of a build (it restores the caller's).
    """
    import gc

    gc.set_threshold(50_000, 50, 100)
