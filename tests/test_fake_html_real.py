"""The HTML cases of tests/test_fake_html.py on a real Odoo 19 (skipped unless ODOO_URL
is set): the recordings the fake is checked against still hold."""

from __future__ import annotations

import pytest

from odoo_async import Client
from tests.real_server import DATABASE, URL, api_key, needs_real_server
from tests.test_fake_html import RECORDED

pytestmark = needs_real_server


@pytest.mark.parametrize(("written", "stored", "still_equal"), RECORDED)
async def test_a_real_odoo_stores_html_as_recorded(written: str, stored: str,
                                                   still_equal: bool) -> None:
    assert URL is not None
    async with Client(URL, api_key(), DATABASE) as odoo:
        [pid] = await odoo.call("res.partner", "create", vals_list=[{"name": "HTML probe"}])
        try:
            await odoo.call("res.partner", "write", ids=[pid], vals={"comment": written})
            [row] = await odoo.call("res.partner", "read", ids=[pid], fields=["comment"])
            assert row["comment"] == stored
            found = await odoo.call("res.partner", "search",
                                    domain=[("id", "=", pid), ("comment", "=", written)])
            assert bool(found) is still_equal
        finally:
            await odoo.call("res.partner", "unlink", ids=[pid])
