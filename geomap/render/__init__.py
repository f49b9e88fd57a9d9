"""Turning resolved events into maps and files."""
