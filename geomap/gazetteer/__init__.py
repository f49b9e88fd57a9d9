"""The gazetteer: place names to places, offline.

``Gazetteer`` is the lookup interface; ``OfflineGeocoder`` puts geopy's on top.
"""

from .lookup import Gazetteer, gazetteer_dir, place_prior
from .normalise import name_key

__all__ = ["Gazetteer", "gazetteer_dir", "name_key", "place_prior"]
