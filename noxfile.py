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


def _methods(module: str, cls: str, *names: str) -> tuple[str, ...]:
    """Mutant name patterns of some methods of one class (a group smaller than a module)."""
    return tuple(f"{module}.x\u01c1{cls}\u01c1{name}__mutmut_*" for name in names)


# Groups sized to run in under 30 minutes each on 2 cores (see mutation/README.md): a
# module name stands for all its mutants; a module whose mutants all select most of the
# suite is split by method (run both halves in one checkout for its whole row).
MUTATION_GROUPS: dict[str, tuple[str, ...]] = {
    "pure": ("domain", "command", "errors", "_json", "config", "secret"),
    "values": ("values",),
    "transport-http": ("transport.http.x\u01c1HttpSession\u01c1*",),
    "transport-http-parts": ("transport.http.x_*", "transport.http.x\u01c1RequestHeaders\u01c1*"),
    "transport-json2": ("transport.json2",),
    "transport-protocols": ("transport.legacy", "transport.auto", "transport.once",
                            "transport.base"),
    "resilience": ("resilience.breaker", "resilience.ratelimit", "resilience.retry",
                   "resilience.backoff", "resilience.clock"),
    "resilience-pipeline": _methods("resilience.pipeline", "Resilience", "__init__", "run",
                                    "_attempt", "_retry_delay", "_record_call"),
    "resilience-retry-loop": _methods("resilience.pipeline", "Resilience", "_run"),
    "client": ("client.x_*", "client.x\u01c1Client\u01c1[!_]*",
               "client.x\u01c1Client\u01c1_[!_]*", "client.x\u01c1Client\u01c1__repr__*"),
    "client-init": _methods("client", "Client", "__init__"),
    "orm-cache": ("orm.cache", "orm.changes", "orm.env"),
    "orm-loader": ("orm.loader",),
    "orm-metadata": ("orm.metadata",),
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
        entries = MUTATION_GROUPS.get(name)
        if entries is None:
            patterns.append(name)
            continue
        patterns.extend(f"odoo_async.{entry}" if "*" in entry else f"odoo_async.{entry}.*"
                        for entry in entries)
    return patterns


def _modules(patterns: list[str]) -> list[str]:
    """The modules the patterns select mutants of (for the report); none when one of them
    is not a module or function pattern (a mutant's own name, say)."""
    if not all(pattern.startswith("odoo_async.") and "*" in pattern for pattern in patterns):
        return []
    return list(dict.fromkeys(pattern.rpartition(".")[0] for pattern in patterns))


@nox.session(python="3.11")
def mutation(session: nox.Session) -> None:
    """Mutation testing of the core modules with mutmut (slow: not in CI).

    ``nox -s mutation -- pure`` runs one group (``MUTATION_GROUPS``: pure, values,
    transport-http, transport-http-parts, transport-json2, transport-protocols, resilience,
    resilience-pipeline, resilience-retry-loop, client, client-init, orm-cache,
    orm-loader, orm-metadata, orm-records, bulk-api, bulk-engine, bulk-rows), each sized
    for under 30 minutes on 2 cores; mutant name patterns work too
    (``nox -s mutation -- "odoo_async.bulk.plan.*"``); no argument runs them all (about
    8,900 mutants: hours). The surviving mutants are written to ``mutation/survivors.txt``
    and the score to ``mutation/SCORE.md`` (see CONTRIBUTING.md).
    """
    session.install("-e", ".[test]", "mutmut>=3.8,<4", "mypy>=1.10")
    patterns = _mutant_patterns(session.posargs)
    session.run("mutmut", "run", "--max-children", "2", *patterns)
    modules = _modules(patterns)
    session.run("python", "scripts/mutation_report.py", *(["--only", *modules] if modules else []))


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """The benchmarks: each prints its ratio against a baseline measured in the same run."""
    session.install("-e", ".[speed]")
    session.run("python", "-m", "benchmarks", *session.posargs)
