"""The gazetteer: place names to places, offline.

``Gazetteer`` is the lookup interface; ``OfflineGeocoder`` puts geopy's on top.
"""

from typing import Any

from .lookup import Gazetteer, gazetteer_dir, place_prior
from .normalise import name_key

__all__ = ["Gazetteer", "OfflineGeocoder", "gazetteer_dir", "name_key", "place_prior"]


def __getattr__(name: str) -> Any:
    # geopy is imported only by code that asks for the geocoder, so `geomap resolve` stays fast.
    if name == "OfflineGeocoder":
        from .geocoder import OfflineGeocoder

        return OfflineGeocoder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
