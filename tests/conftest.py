"""Shared fixtures: ``browser`` is ``tests/browser.py``'s ``open_page`` (Chromium, no network)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser() -> Callable[..., Any]:
    """``open_page(path, width, height)``, a context manager that yields a Selenium driver.

    Skipped when Chromium is missing on a developer machine. It fails when Chromium is missing
    under CI (``CI`` set), because ``.ci/run`` installs Chromium, so a missing one there is a
    real breakage.
    """
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} not found (apt-get install chromium chromium-driver)"
        if "CI" not in os.environ:
            pytest.skip(reason)
        pytest.fail(f"CI is set but {reason}: browser tests cannot run", pytrace=False)
    from browser import open_page  # imports selenium; only browser tests need it

    return open_page


SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="session")
def gazetteer():  # noqa: ANN201
    from geomap.gazetteer import Gazetteer

    return Gazetteer.default()


@pytest.fixture(scope="session")
def pipeline(gazetteer):  # noqa: ANN001, ANN201
    from geomap.pipeline import Pipeline

    return Pipeline(gazetteer)


@pytest.fixture(scope="session")
def seed_docs():  # noqa: ANN201
    from geomap.ingest import read_document

    return {p.stem: read_document(p) for p in sorted(SEEDS.glob("*.txt"))}
