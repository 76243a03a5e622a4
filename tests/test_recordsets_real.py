"""Recordsets against a real Odoo 19 (skipped unless ODOO_URL is set): the cold-client
fetch sends its request before the field metadata is known; the answer must be what a
warm client reads, for an administrator and for a user who may not list fields."""

from __future__ import annotations

import pytest

from odoo_async import Client
from tests.real_server import DATABASE, URL, api_key, bot_key, needs_real_server

pytestmark = needs_real_server

DEEP = "sale_order_ids.order_line.product_id.categ_id"
PATHS = ("name", "country_id.code", "child_ids(limit=2, order='id desc').email", DEEP)
SHAPE = ("name", "country_id.code", "child_ids.email", DEEP)


async def _read_cold_then_warm(key: str, *, sees_orders: bool) -> None:
    assert URL is not None
    async with Client(URL, key, DATABASE) as client:
        client.env.reload_metadata()  # cold, even if another test of this process loaded it
        query = client["res.partner"].search([("sale_order_ids", "!=", False)]).order("id")
        cold = await query.fetch(*PATHS)
        warm = await query.fetch(*PATHS)
        assert cold.ids
        assert cold.ids == warm.ids
        assert cold.to_dicts(*SHAPE) == warm.to_dicts(*SHAPE)
        assert cold.mapped(DEEP).ids == warm.mapped(DEEP).ids
        assert bool(cold.mapped(DEEP)) is sees_orders  # the bot sees only its own orders
        client.env.reload_metadata()
        with pytest.raises(ValueError, match="did you mean 'product_id'"):
            await query.fetch("sale_order_ids.order_line.prodcut_id.name")


async def test_a_cold_fetch_reads_what_a_warm_one_reads() -> None:
    await _read_cold_then_warm(api_key(), sees_orders=True)


async def test_a_user_who_may_not_list_fields_reads_the_same_cold() -> None:
    key = bot_key()
    if key is None:
        pytest.skip("set ODOO_BOT_KEY_FILE to run as the restricted user")
    await _read_cold_then_warm(key, sees_orders=False)
