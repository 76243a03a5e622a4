"""Recordsets: read a whole object graph in one call, then use it with no I/O.

Runs against the embedded fake Odoo 19 server (or your own: set ODOO_URL, ODOO_API_KEY,
ODOO_DB).

    python examples/recordsets.py
"""

from __future__ import annotations

import asyncio
import os

from odoo_async import Client, F
from odoo_async.testing import FakeOdoo


async def run(odoo: Client) -> None:
    Partner = odoo["res.partner"]
    companies = await Partner.search(F.is_company == True, order="name", limit=5).fetch(  # noqa: E712
        "name", "country_id.code", "child_ids.name", "child_ids.email")
    for company in companies:
        contacts = ", ".join(company.child_ids.sorted("name").mapped("name")) or "no contacts"
        print(f"{company.name} [{company.country_id.code or '--'}]: {contacts}")

    # a web app: many handlers each load one partner; the reads become one call
    async def handler(partner_id: int) -> str:
        [partner] = await Partner.browse(partner_id).fetch("display_name", "email")
        return f"{partner.display_name} <{partner.email}>"

    calls = odoo.stats.calls
    pages = await asyncio.gather(*(handler(i) for i in companies.mapped("child_ids").ids))
    print(f"{len(pages)} handlers served in {odoo.stats.calls - calls} call(s), "
          f"e.g. {pages[0]}")

    # and many handlers running the same query share one call too
    async def listing() -> list[str]:
        top = await Partner.search(F.is_company == True, order="name").limit(3).fetch(  # noqa: E712
            "name")
        return top.mapped("name")

    calls = odoo.stats.calls
    lists = await asyncio.gather(*(listing() for _ in range(100)))
    print(f"100 handlers ran the same query in {odoo.stats.calls - calls} call(s): "
          f"{', '.join(lists[0])}")

    # a web handler: a customer with their 2 biggest orders and what those orders hold,
    # in one call (related lists with a limit and an order); the app preloads the field
    # metadata at startup
    await odoo.env.preload("sale.order", "sale.order.line", "product.product")
    calls = odoo.stats.calls
    customer = await Partner.browse(companies[0].id).fetch(
        "name", "sale_order_ids(limit=2, order='amount_total desc').name",
        "sale_order_ids.amount_total", "sale_order_ids.order_line.product_id.name")
    for order in customer.sale_order_ids:
        products = ", ".join(sorted(set(order.order_line.mapped("product_id.name"))))
        print(f"{customer.name}: {order.name} {order.amount_total:.2f} ({products})")
    print(f"  ... read in {odoo.stats.calls - calls} call(s)")

    orders = await odoo["sale.order"].search(F.state == "draft").fetch(
        "name", "amount_total", "partner_id.name")
    biggest = orders.sorted("amount_total", reverse=True)[:1]
    print(f"biggest quotation: {biggest.name} for {biggest.partner_id.name}, "
          f"{biggest.amount_total:.2f}")
    await biggest.action_confirm()
    await biggest.refresh("state")  # what was fetched, and the state
    print(f"{biggest.name} is now {biggest.state}")


async def main() -> None:
    if os.environ.get("ODOO_URL"):
        async with Client(os.environ["ODOO_URL"], os.environ["ODOO_API_KEY"],
                          os.environ.get("ODOO_DB")) as odoo:
            await run(odoo)
        return
    async with FakeOdoo() as fake, Client(fake.url, fake.api_key) as odoo:
        await run(odoo)


if __name__ == "__main__":
    asyncio.run(main())
