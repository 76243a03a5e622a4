"""The HTML cases of tests/test_fake_html.py on a real Odoo 19 (skipped unless ODOO_URL
is set): the recordings the fake is checked against still hold."""

from __future__ import annotations

import pytest

from odoo_async import Client
from tests.real_server import DATABASE, URL, api_key, needs_real_server
from tests.test_fake_html import RECORDED, stored_as

pytestmark = needs_real_server


@pytest.mark.parametrize(("written", "stored", "still_equal"), RECORDED)
async def test_a_real_odoo_stores_html_as_recorded(written: str, stored: str,
                                                   still_equal: bool) -> None:
    assert URL is not None
    async with Client(URL, api_key(), DATABASE) as odoo:
        assert await stored_as(odoo, written) == (stored, still_equal)
