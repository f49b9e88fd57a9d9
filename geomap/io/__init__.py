"""Reading and writing files: every byte that leaves geomap goes through here."""
