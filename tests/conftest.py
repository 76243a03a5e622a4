"""Shared fixtures: a scripted local Odoo-like server, clients on it, aioresponses."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aioresponses import aioresponses

from odoo_async import Client
from odoo_async.testing import Call, FakeOdoo, exceptions
from tests.support import aioresponses_compat
from tests.support.scripted import ScriptedOdoo

API_KEY = "0123456789abcdef0123456789abcdef01234567"

# mutmut's record of how long each test took, in the copy of the project it runs in.
MUTATION_STATS = Path(__file__).resolve().parents[1] / "mutmut-stats.json"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In a mutation run, run the quickest tests first.

    mutmut stops a mutant's run at its first failing test, but hands over the tests in no
    particular order. Quickest first, most mutants fail within a second instead of after
    half the suite. The clean run before the mutants uses the same order, so it is checked
    to pass. Ordinary runs are left as collected.
    """
    if os.environ.get("MUTANT_UNDER_TEST") in (None, "stats") or not MUTATION_STATS.exists():
        return
    durations: dict[str, float] = json.loads(MUTATION_STATS.read_text())["duration_by_test"]
    items.sort(key=lambda item: durations.get(item.nodeid, 0.0))


@pytest.fixture
async def scripted_odoo() -> AsyncIterator[ScriptedOdoo]:
    """A real local HTTP server answering queued Odoo-like answers."""
    server = ScriptedOdoo()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def client(scripted_odoo: ScriptedOdoo) -> AsyncIterator[Client]:
    """A client on the scripted server, database ``odoo19``, without retries or breaker
    (each test sees exactly one attempt)."""
    async with Client(scripted_odoo.url, api_key=API_KEY, database="odoo19", retry=False,
                      breaker=False) as odoo:
        yield odoo


@pytest.fixture
def mock_http(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    """aioresponses, working on aiohttp 3.13 and 3.14 alike."""
    aioresponses_compat.install(monkeypatch)
    with aioresponses() as mocked:
        yield mocked


def _fail_validation(call: Call) -> None:
    raise exceptions.ValidationError("no")


@pytest.fixture
async def odoo_client(fake_odoo: FakeOdoo) -> AsyncIterator[Client]:
    """A client on the fake, one attempt per call (no retries, no breaker)."""
    async with Client(fake_odoo.url, fake_odoo.api_key, retry=False,
                      breaker=False) as client:
        yield client


@pytest.fixture
async def faulty() -> AsyncIterator[FakeOdoo]:
    """A fake Odoo with no pool limit (fault plans decide what fails) and a method
    ``res.partner/fail_validation`` that always answers a 422 ValidationError."""
    async with FakeOdoo(pool_size=None) as server:
        server.register_method("res.partner", "fail_validation", _fail_validation,
                               model_method=True)
        yield server
