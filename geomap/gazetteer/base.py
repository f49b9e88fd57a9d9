"""The one lookup interface every gazetteer source sits behind."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

#: How a name relates to its place. Only ``name`` and ``alt`` are used to spot
#: mentions in running text; ``translit`` and ``code`` still answer lookups.
NameType = str  # "name" | "alt" | "translit" | "code" | "demonym"


@dataclass(frozen=True)
class PlaceRecord:
    """A place as a source supplies it, before indexing."""

    id: str
    name: str
    kind: str
    lat: float
    lon: float
    country: str | None = None
    admin1: str | None = None
    population: int = 0
    geonameid: int | None = None
    feature_code: str | None = None
    wkt: str | None = None
    names: tuple[tuple[str, NameType], ...] = field(default=())


class GazetteerSource(Protocol):
    """Anything that can list places: bundled GeoNames, curated rows, an overlay, an import."""

    #: Short name shown by ``geomap gazetteer info`` and stored with every place.
    name: str
    #: Higher wins when two sources supply the same name for the same kind of place.
    priority: int

    def version(self) -> str:
        """A fingerprint that changes when the source's data changes."""
        ...

    def places(self) -> Iterator[PlaceRecord]: ...


def package_files(package: str) -> Traversable:
    """``importlib.resources.files(package)``, imported when first needed: the data files
    are read only to build the index, and every run imports the sources' modules."""
    import importlib.resources

    return importlib.resources.files(package)
