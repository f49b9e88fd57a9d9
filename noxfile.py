"""Developer sessions: tests, lint, typecheck, seeds (regenerate outputs/), bench."""

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
    session.run("geomap", "build", "seeds", "--out", "outputs")


@nox.session
def bench(session: nox.Session) -> None:
    """Speed, memory and quality figures, printed (see bench/README.md)."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "bench", *session.posargs)
