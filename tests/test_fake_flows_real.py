"""The flows of tests/flows.py on the fake and on a real Odoo 19, compared field by field
(skipped unless ODOO_URL is set)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import pytest

from odoo_async import Client
from odoo_async.testing import FakeOdoo
from tests.flows import SCENARIOS, Observations, comparable
from tests.real_server import DATABASE, URL, api_key, needs_real_server, unique_prefix

pytestmark = needs_real_server


def _differences(fake: object, real: object, path: str = "") -> list[str]:
    """Where two answers differ, one line per field."""
    if isinstance(fake, dict) and isinstance(real, dict):
        return [line for key in sorted(set(fake) | set(real), key=str)
                for line in _differences(fake.get(key, "<absent>"),
                                         real.get(key, "<absent>"), f"{path}.{key}")]
    if isinstance(fake, list) and isinstance(real, list) and len(fake) == len(real):
        return [line for i, (a, b) in enumerate(zip(fake, real, strict=True))
                for line in _differences(a, b, f"{path}[{i}]")]
    return [] if fake == real else [f"{path}: fake {json.dumps(fake)} != real {json.dumps(real)}"]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_the_fake_answers_the_flow_as_a_real_odoo(name: str) -> None:
    scenario: Callable[[Client, str], Awaitable[Observations]] = SCENARIOS[name]
    tag = unique_prefix().rstrip("-")
    assert URL is not None
    async with Client(URL, api_key(), DATABASE, retry=False) as odoo:
        real = comparable(await scenario(odoo, tag), tag)
    async with FakeOdoo() as fake, Client(fake.url, fake.api_key, fake.database) as odoo:
        emulated = comparable(await scenario(odoo, tag), tag)
    assert _differences(emulated, real) == []
