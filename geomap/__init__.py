"""geomap: offline geospatial event maps from news text."""

__version__ = "0.1.0"
