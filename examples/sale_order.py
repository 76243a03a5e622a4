"""Create a sale order with lines, confirm it, read it back and invoice it.

Runs against the embedded fake Odoo 19 server (or your own: set ODOO_URL, ODOO_API_KEY,
ODOO_DB).

    python examples/sale_order.py
"""

from __future__ import annotations

import asyncio
import os

from odoo_async import Client, Command, F
from odoo_async.testing import FakeOdoo


async def run(odoo: Client) -> None:
    [customer] = await odoo.call("res.partner", "search", domain=F.name == "Acme Corporation",
                                 limit=1)
    chair, lamp = await odoo.call("product.product", "search",
                                  domain=F.default_code.in_(["FURN_7777", "FURN_8888"]),
                                  order="default_code")
    [order_id] = await odoo.call("sale.order", "create", vals_list=[{
        "partner_id": customer,
        "client_order_ref": "EXAMPLE-1",
        "order_line": [
            Command.create({"product_id": chair, "product_uom_qty": 4}),
            Command.create({"product_id": lamp, "product_uom_qty": 2, "discount": 10.0}),
        ],
    }])
    await odoo.call("sale.order", "action_confirm", ids=[order_id])
    [order] = await odoo.call("sale.order", "web_read", ids=[order_id], specification={
        "name": {}, "state": {}, "amount_total": {},
        "order_line": {"fields": {"product_id": {"fields": {"display_name": {}}},
                                  "product_uom_qty": {}, "price_subtotal": {}}},
    })
    print(f"{order['name']}: {order['state']}, total {order['amount_total']:.2f}")
    for line in order["order_line"]:
        print(f"  {line['product_uom_qty']:>4} x {line['product_id']['display_name']}"
              f"  {line['price_subtotal']:.2f}")
    [wizard] = await odoo.call(
        "sale.advance.payment.inv", "create",
        vals_list=[{"advance_payment_method": "delivered"}],
        context={"active_model": "sale.order", "active_ids": [order_id]},
    )
    action = await odoo.call("sale.advance.payment.inv", "create_invoices", ids=[wizard])
    [invoice] = await odoo.call("account.move", "read", ids=[action["res_id"]],
                                fields=["move_type", "invoice_origin", "amount_total", "state"])
    print(f"invoice #{invoice['id']} ({invoice['move_type']}, {invoice['state']}) for "
          f"{invoice['invoice_origin']}: {invoice['amount_total']:.2f}")


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
