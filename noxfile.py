"""Nox sessions: tests (3.10-3.13), tests on aiohttp 3.13, lint, typecheck, bench."""

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
def bench(session: nox.Session) -> None:
    """The benchmarks: each prints its ratio against a baseline measured in the same run."""
    session.install("-e", ".[speed]")
    session.run("python", "-m", "benchmarks", *session.posargs)
