"""The cases of tests/test_fake_validations.py on a real Odoo 19 (skipped unless ODOO_URL
is set): the recordings the fake is checked against still hold."""

from __future__ import annotations

from typing import Any

import pytest

from odoo_async import Client
from tests.real_server import DATABASE, URL, api_key, needs_real_server
from tests.test_fake_validations import RECORDED, refused

pytestmark = needs_real_server


@pytest.mark.parametrize(("model", "values", "kind", "message"), RECORDED)
async def test_a_real_odoo_refuses_as_recorded(model: str, values: dict[str, Any],
                                               kind: str, message: str) -> None:
    assert URL is not None
    async with Client(URL, api_key(), DATABASE, retry=False) as odoo:
        assert await refused(odoo, model, values) == (kind, message)
