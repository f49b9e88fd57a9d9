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


@pytest.fixture
def kill_worker_on(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``kill_worker_on(owner, attr, hits)``: a batch worker (a child process) that calls
    ``owner.attr`` with arguments ``hits(*args)`` accepts dies at once, as if the kernel's
    OOM killer struck; the parent process calls it as before.

    Workers are forked, so the patch reaches them; a threaded test process spawns them
    instead, and the test is skipped.
    """
    import threading

    if threading.active_count() > 1:
        pytest.skip("in a threaded process workers are spawned: the patch would not reach them")
    parent = os.getpid()

    def patch(owner: object, attr: str, hits: Callable[..., bool]) -> None:
        real = getattr(owner, attr)

        def dying(*args: Any, **kwargs: Any) -> Any:
            if os.getpid() != parent and hits(*args):
                os._exit(9)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, attr, dying)

    return patch
