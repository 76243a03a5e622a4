"""Nox sessions: tests (3.10-3.13), tests on aiohttp 3.13, lint, typecheck, mutation,
bench."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.error_on_missing_interpreters = False

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite on the newest aiohttp."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def tests_aiohttp313(session: nox.Session) -> None:
    """The test suite on aiohttp 3.13, the last release aioresponses supports unpatched."""
    session.install("-e", ".[test]", "aiohttp>=3.13,<3.14")
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting rules."""
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[test]", "mypy")
    session.run("mypy", "--strict", "odoo_async")


@nox.session(python="3.11")
def mutation(session: nox.Session) -> None:
    """Mutation testing of the core modules with mutmut (slow: not in CI).

    ``nox -s mutation`` runs every core module (about 6,400 mutants); pass mutant name
    patterns to run a part, e.g. ``nox -s mutation -- "odoo_async.bulk.*"``. The
    surviving mutants are written to ``mutation/survivors.txt`` and the score to
    ``mutation/SCORE.md`` (see CONTRIBUTING.md).
    """
    session.install("-e", ".[test]", "mutmut>=3.3,<4")
    session.run("mutmut", "run", "--max-children", "2", *session.posargs)
    session.run("python", "scripts/mutation_report.py")


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """The benchmarks: each prints its ratio against a baseline measured in the same run."""
    session.install("-e", ".[speed]")
    session.run("python", "-m", "benchmarks", *session.posargs)
