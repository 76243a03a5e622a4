"""Sell from stock, as a shop sync does: a sale order with lines, confirmed; its delivery
validated; the invoice created, posted and paid.

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
    steel, chair = await odoo.call("product.product", "search",
                                   domain=F.default_code.in_(["FURN_0269", "E-COM12"]),
                                   order="default_code")
    [order_id] = await odoo.call("sale.order", "create", vals_list=[{
        "partner_id": customer,
        "client_order_ref": "EXAMPLE-1",
        "order_line": [
            Command.create({"product_id": chair, "product_uom_qty": 4}),
            Command.create({"product_id": steel, "product_uom_qty": 2, "discount": 10.0}),
        ],
    }])
    await odoo.call("sale.order", "action_confirm", ids=[order_id])
    [order] = await odoo.call("sale.order", "web_read", ids=[order_id], specification={
        "name": {}, "state": {}, "amount_total": {}, "picking_ids": {},
        "order_line": {"fields": {"product_id": {"fields": {"display_name": {}}},
                                  "product_uom_qty": {}, "price_subtotal": {}}},
    })
    print(f"{order['name']}: {order['state']}, total {order['amount_total']:.2f}")
    for line in order["order_line"]:
        print(f"  {line['product_uom_qty']:>4} x {line['product_id']['display_name']}"
              f"  {line['price_subtotal']:.2f}")

    # These products are invoiced once delivered: validate the delivery first (skip_sms:
    # a real Odoo would otherwise ask to confirm a text message to the customer).
    await odoo.call("stock.picking", "button_validate", ids=order["picking_ids"],
                    context={"skip_sms": True})
    [wizard] = await odoo.call(
        "sale.advance.payment.inv", "create",
        vals_list=[{"advance_payment_method": "delivered"}],
        context={"active_model": "sale.order", "active_ids": [order_id]},
    )
    action = await odoo.call("sale.advance.payment.inv", "create_invoices", ids=[wizard])
    invoice_id = action["res_id"]
    await odoo.call("account.move", "action_post", ids=[invoice_id])
    paying = {"active_model": "account.move", "active_ids": [invoice_id]}
    [payment] = await odoo.call("account.payment.register", "create", vals_list=[{}],
                                context=paying)
    await odoo.call("account.payment.register", "action_create_payments", ids=[payment],
                    context=paying)
    [invoice] = await odoo.call("account.move", "read", ids=[invoice_id], fields=[
        "name", "invoice_origin", "amount_total", "state", "payment_state"])
    print(f"invoice {invoice['name']} for {invoice['invoice_origin']}: "
          f"{invoice['amount_total']:.2f}, {invoice['state']}, {invoice['payment_state']}")


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
