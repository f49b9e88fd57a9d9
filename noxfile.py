"""Developer sessions: tests, lint, typecheck, seeds (regenerate outputs/), qgis, bench."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", "geomap", "tests", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("mypy", "geomap")


@nox.session
def seeds(session: nox.Session) -> None:
    """Regenerate outputs/ from seeds/ (commit the result)."""
    session.install("-e", ".")
    session.run("geomap", "build", "seeds", "--out", "outputs", "--format", "html,geojson,gpkg,csv")


@nox.session
def qgis(session: nox.Session) -> None:
    """Headless QGIS check of the GIS outputs (``pytest -m qgis``), required to pass.

    The test builds every format, then runs ``tests/qgis_check.py`` with ``/usr/bin/python3``
    (the system Python, which has Debian's QGIS bindings; the venv cannot import them) under
    ``QT_QPA_PLATFORM=offscreen``: it opens the GeoPackage and GeoJSON, checks the stored
    styles were applied and renders a PNG (set ``GEOMAP_QGIS_PNG=path.png`` to keep it). Not
    in ``.ci/run`` (too heavy for every run); install it first with
    ``apt-get install -y --no-install-recommends python3-qgis``.
    """
    session.install("-e", ".[test]")
    session.run(
        "python",
        "-m",
        "pytest",
        "-m",
        "qgis",
        "tests/test_gis_outputs.py",
        *session.posargs,
        env={"GEOMAP_REQUIRE_QGIS": "1", "QT_QPA_PLATFORM": "offscreen"},
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Speed, memory and quality figures, printed (see bench/README.md)."""
    session.install("-e", ".[test,bench]")
    session.run("python", "-m", "bench", *session.posargs)
