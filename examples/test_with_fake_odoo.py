"""How to test your own code against the fake Odoo server with the pytest plugin.

The plugin comes with odoo-async (entry point ``pytest11``) and gives two fixtures:
``fake_odoo`` (a running FakeOdoo with demo data, new for each test) and ``odoo`` (a
Client on it). Run: ``pytest examples/test_with_fake_odoo.py`` (needs pytest-asyncio).
"""

from __future__ import annotations

from odoo_async import Client, F
from odoo_async.testing import Call, FakeOdoo, exceptions


async def tag_vip_customers(odoo: Client, minimum_orders: int) -> list[int]:
    """The code under test: tag companies with many confirmed orders as VIP."""
    groups = await odoo.call("sale.order", "formatted_read_group",
                             domain=F.state == "sale", groupby=["partner_id"],
                             aggregates=["__count"])
    vip = [g["partner_id"][0] for g in groups if g["__count"] >= minimum_orders]
    [tag, _name] = await odoo.call("res.partner.category", "name_create", name="VIP")
    if vip:
        await odoo.call("res.partner", "write", ids=vip, vals={"category_id": [(4, tag, 0)]})
    return vip


async def test_vip_customers_are_tagged(fake_odoo_client: Client) -> None:
    odoo = fake_odoo_client
    vip = await tag_vip_customers(odoo, minimum_orders=3)
    assert vip
    tagged = await odoo.call("res.partner", "search", domain=F.category_id == "VIP")
    assert sorted(tagged) == sorted(vip)


async def test_a_custom_server_method(fake_odoo: FakeOdoo, fake_odoo_client: Client) -> None:
    odoo = fake_odoo_client
    def check_vat(call: Call, vat: str) -> bool:
        if not vat.startswith("BE"):
            raise exceptions.ValidationError(f"{vat} is not a Belgian VAT number")
        return True

    fake_odoo.register_method("res.partner", "check_vat", check_vat, model_method=True)
    assert await odoo.call("res.partner", "check_vat", vat="BE0477472701") is True
