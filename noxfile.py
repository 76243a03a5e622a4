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


# Groups sized to run in under 30 minutes each on 2 cores (see mutation/README.md).
MUTATION_GROUPS = {
    "pure": ("domain", "command", "errors", "_json", "config", "secret"),
    "values": ("values",),
    "transport-http": ("transport.http",),
    "transport-json2": ("transport.json2",),
    "transport-protocols": ("transport.legacy", "transport.auto", "transport.once",
                            "transport.base"),
    "resilience": ("resilience.breaker", "resilience.ratelimit", "resilience.retry",
                   "resilience.backoff", "resilience.clock"),
    "resilience-pipeline": ("resilience.pipeline",),
    "client": ("client",),
    "orm-loading": ("orm.cache", "orm.loader", "orm.changes", "orm.env", "orm.metadata"),
    "orm-records": ("orm.recordset", "orm.query", "orm.model", "orm.spec", "orm.fetchplan",
                    "orm.methods"),
    "bulk-api": ("bulk.api",),
    "bulk-engine": ("bulk.engine", "bulk.concurrency"),
    "bulk-rows": ("bulk.plan", "bulk.compare", "bulk.loadformat", "bulk.report"),
}


def _mutant_patterns(names: list[str]) -> list[str]:
    """Group names (``pure``...) as mutmut's mutant name patterns; patterns pass as is."""
    patterns = []
    for name in names:
        modules = MUTATION_GROUPS.get(name)
        patterns.extend([f"odoo_async.{m}.*" for m in modules] if modules else [name])
    return patterns


@nox.session(python="3.11")
def mutation(session: nox.Session) -> None:
    """Mutation testing of the core modules with mutmut (slow: not in CI).

    ``nox -s mutation -- pure`` runs one group of modules (``MUTATION_GROUPS``: pure,
    values, transport-http, transport-json2, transport-protocols, resilience,
    resilience-pipeline, client, orm-loading, orm-records, bulk-api, bulk-engine,
    bulk-rows),
    each sized for under 30 minutes on 2 cores; mutant name patterns work too
    (``nox -s mutation -- "odoo_async.bulk.plan.*"``); no argument runs them all (about
    8,900 mutants: hours). The surviving mutants are written to ``mutation/survivors.txt``
    and the score to ``mutation/SCORE.md`` (see CONTRIBUTING.md).
    """
    session.install("-e", ".[test]", "mutmut>=3.8,<4", "mypy>=1.10")
    patterns = _mutant_patterns(session.posargs)
    session.run("mutmut", "run", "--max-children", "2", *patterns)
    modules = [pattern.removesuffix(".*") for pattern in patterns if pattern.endswith(".*")]
    session.run("python", "scripts/mutation_report.py",
                *(["--only", *modules] if modules and len(modules) == len(patterns) else []))


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """The benchmarks: each prints its ratio against a baseline measured in the same run."""
    session.install("-e", ".[speed]")
    session.run("python", "-m", "benchmarks", *session.posargs)
