"""The business flows a sync meets, as scenarios run through the library on any server:
tests/test_fake_flows.py runs them on the fake and checks what Odoo 19 answers (recorded
from the kit's server), tests/test_fake_flows_real.py runs them on the fake and on a real
server and compares the two field by field.

Each scenario makes its own partner and products (named with ``tag``), so it answers the
same on a fresh fake and on a real database that has seen other runs; what still differs
between two databases (ids, sequence numbers, today's date, the tag) is put in a neutral
form by :func:`comparable`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from odoo_async import Client, Command, errors

Observations = dict[str, Any]

STOCK = 5  # WH/Stock
SO = ["name", "state", "invoice_status", "invoice_ids", "invoice_count", "amount_untaxed",
      "amount_total", "picking_ids", "delivery_status"]
SOL = ["product_uom_qty", "qty_delivered", "qty_invoiced", "qty_to_invoice", "invoice_status",
       "price_subtotal"]
MOVE = ["name", "display_name", "state", "move_type", "payment_state", "amount_untaxed",
        "amount_total",
        "amount_residual", "partner_id", "invoice_origin", "journal_id", "invoice_date",
        "invoice_line_ids"]
PICKING = ["name", "state", "picking_type_id", "location_id", "location_dest_id", "origin",
           "partner_id", "move_ids", "picking_type_code", "priority"]
STOCK_MOVE = ["product_id", "product_uom_qty", "quantity", "state"]
PO = ["name", "state", "amount_total", "picking_ids", "incoming_picking_count",
      "receipt_status", "invoice_status"]
POL = ["name", "product_qty", "price_unit", "price_subtotal", "qty_received", "qty_invoiced"]
QUANT = ["quantity", "reserved_quantity", "inventory_quantity", "inventory_diff_quantity",
         "inventory_quantity_set"]
ON_HAND = ["qty_available", "virtual_available"]


async def _partner(odoo: Client, tag: str) -> int:
    [partner] = await odoo.call("res.partner", "create",
                                vals_list=[{"name": f"Flow Customer {tag}"}])
    return int(partner)


async def _product(odoo: Client, tag: str, code: str, **values: Any) -> int:
    [product] = await odoo.call("product.product", "create", vals_list=[{
        "name": f"Flow {code} {tag}", "default_code": f"{code}-{tag}", "type": "consu",
        "is_storable": True, **values}])
    return int(product)


async def _one(odoo: Client, model: str, record_id: int, fields: list[str]) -> dict[str, Any]:
    [row] = await odoo.call(model, "read", ids=[record_id], fields=fields)
    return dict(row)


async def _lines(odoo: Client, model: str, order_id: int, fields: list[str]
                 ) -> list[dict[str, Any]]:
    rows = await odoo.call(model, "search_read", domain=[("order_id", "=", order_id)],
                           fields=fields, order="id")
    return list(rows)


async def _refusal(odoo: Client, model: str, method: str, **kwargs: Any) -> str:
    try:
        await odoo.call(model, method, **kwargs)
    except errors.OdooError as exc:
        return f"{type(exc).__name__}: {exc.message}"
    return "accepted"


async def sale_to_payment(odoo: Client, tag: str) -> Observations:
    """Quotation -> confirmed order with a delivery -> invoice -> posted -> paid."""
    seen: Observations = {}
    partner = await _partner(odoo, tag)
    desk = await _product(odoo, tag, "DESK", list_price=5.1)
    pad = await _product(odoo, tag, "PAD", list_price=1.98)
    order = await odoo["sale.order"].create({"partner_id": partner, "order_line": [
        Command.create({"product_id": desk, "product_uom_qty": 2}),
        Command.create({"product_id": pad, "product_uom_qty": 1})]})
    order_id = order.id
    seen["quotation"] = await _one(odoo, "sale.order", order_id, SO)
    seen["confirm"] = await odoo.call("sale.order", "action_confirm", ids=[order_id])
    seen["confirmed"] = await _one(odoo, "sale.order", order_id, SO)
    seen["lines to invoice"] = await _lines(odoo, "sale.order.line", order_id, SOL)
    [picking] = seen["confirmed"]["picking_ids"]
    seen["delivery"] = await _one(odoo, "stock.picking", picking, PICKING)
    seen["delivery moves"] = await odoo.call("stock.move", "read",
                                             ids=seen["delivery"]["move_ids"],
                                             fields=STOCK_MOVE)
    seen["deliver without stock"] = await _refusal(odoo, "stock.picking", "button_validate",
                                                   ids=[picking])
    context = {"active_model": "sale.order", "active_ids": [order_id]}
    [wizard] = await odoo.call("sale.advance.payment.inv", "create", context=context,
                               vals_list=[{"advance_payment_method": "delivered"}])
    action = await odoo.call("sale.advance.payment.inv", "create_invoices", ids=[wizard],
                             context=context)
    seen["invoice action"] = {key: action.get(key) for key in
                              ("type", "res_model", "view_mode", "views", "context")}
    invoice = int(action["res_id"])
    seen["invoiced"] = await _one(odoo, "sale.order", order_id, SO)
    seen["invoiced ids"] = seen["invoiced"]["invoice_ids"] == [invoice]
    seen["lines invoiced"] = await _lines(odoo, "sale.order.line", order_id, SOL)
    seen["draft invoice"] = await _one(odoo, "account.move", invoice, MOVE)
    seen["invoice lines"] = await odoo.call(
        "account.move.line", "read", ids=seen["draft invoice"]["invoice_line_ids"],
        fields=["product_id", "quantity", "price_unit", "price_subtotal", "display_type"])
    seen["post"] = await odoo.call("account.move", "action_post", ids=[invoice])
    seen["posted invoice"] = await _one(odoo, "account.move", invoice, MOVE)
    seen["post again"] = await _refusal(odoo, "account.move", "action_post", ids=[invoice])
    paying = {"active_model": "account.move", "active_ids": [invoice]}
    [register] = await odoo.call("account.payment.register", "create", context=paying,
                                 vals_list=[{}])
    seen["payment wizard"] = await _one(odoo, "account.payment.register", register, [
        "amount", "journal_id", "communication", "partner_id", "payment_method_line_id",
        "payment_type", "partner_type"])
    paid = await odoo.call("account.payment.register", "action_create_payments",
                           ids=[register], context=paying)
    seen["payment action"] = {k: v for k, v in paid.items() if k != "res_id"}
    seen["paid invoice"] = await _one(odoo, "account.move", invoice, MOVE)
    payment = await _one(odoo, "account.payment", int(paid["res_id"]), [
        "name", "amount", "state", "partner_id", "payment_type", "journal_id", "memo",
        "reconciled_invoice_ids"])
    seen["payment reconciles the invoice"] = payment.pop("reconciled_invoice_ids") == [invoice]
    seen["payment"] = payment
    return seen


async def purchase_to_delivery(odoo: Client, tag: str) -> Observations:
    """Purchase -> receipt (which reserves for a waiting delivery) -> sale delivered ->
    invoiced on delivery."""
    seen: Observations = {}
    partner = await _partner(odoo, tag)
    lamp = await _product(odoo, tag, "LAMP", list_price=30.0, standard_price=12.5,
                          invoice_policy="delivery")
    # A delivery waiting for goods the purchase brings.
    [waiting] = await odoo.call("sale.order", "create", vals_list=[{
        "partner_id": partner, "order_line": [
            Command.create({"product_id": lamp, "product_uom_qty": 2})]}])
    await odoo.call("sale.order", "action_confirm", ids=[waiting])
    [purchase] = await odoo.call("purchase.order", "create", vals_list=[{
        "partner_id": partner, "order_line": [
            Command.create({"product_id": lamp, "product_qty": 5}),
            Command.create({"product_id": lamp, "product_qty": 3, "price_unit": 11.0})]}])
    seen["rfq"] = await _one(odoo, "purchase.order", purchase, PO)
    seen["rfq lines"] = await _lines(odoo, "purchase.order.line", purchase, POL)
    seen["confirm"] = await odoo.call("purchase.order", "button_confirm", ids=[purchase])
    seen["purchase"] = await _one(odoo, "purchase.order", purchase, PO)
    [receipt] = seen["purchase"]["picking_ids"]
    seen["receipt"] = await _one(odoo, "stock.picking", receipt, PICKING)
    seen["receipt moves"] = await odoo.call("stock.move", "read",
                                            ids=seen["receipt"]["move_ids"], fields=STOCK_MOVE)
    seen["forecast before"] = await _one(odoo, "product.product", lamp, ON_HAND)
    seen["receive"] = await odoo.call("stock.picking", "button_validate", ids=[receipt])
    seen["received"] = await _one(odoo, "stock.picking", receipt, ["state"])
    seen["received purchase"] = await _one(odoo, "purchase.order", purchase, PO)
    seen["received lines"] = await _lines(odoo, "purchase.order.line", purchase, POL)
    seen["stock"] = await odoo.call("stock.quant", "search_read", fields=QUANT,
                                    domain=[("product_id", "=", lamp),
                                            ("location_id", "=", STOCK)])
    seen["receive again"] = await odoo.call("stock.picking", "button_validate",
                                            ids=[receipt])
    [delivery] = (await _one(odoo, "sale.order", waiting, ["picking_ids"]))["picking_ids"]
    seen["delivery, reserved"] = await _one(odoo, "stock.picking", delivery, ["state"])
    seen["deliver"] = await odoo.call("stock.picking", "button_validate", ids=[delivery])
    seen["delivered order"] = await _one(odoo, "sale.order", waiting, SO)
    seen["delivered lines"] = await _lines(odoo, "sale.order.line", waiting, SOL)
    seen["on hand after"] = await _one(odoo, "product.product", lamp, ON_HAND)
    return seen


async def inventory_count(odoo: Client, tag: str) -> Observations:
    """Count a product, apply the count, count again (lower), apply."""
    seen: Observations = {}
    stand = await _product(odoo, tag, "STAND")
    counting = {"inventory_mode": True}
    [quant] = await odoo.call("stock.quant", "create", context=counting, vals_list=[
        {"product_id": stand, "location_id": STOCK, "inventory_quantity": 9}])
    seen["counted"] = await _one(odoo, "stock.quant", quant, QUANT)
    seen["apply"] = await odoo.call("stock.quant", "action_apply_inventory", ids=[quant])
    seen["applied"] = await _one(odoo, "stock.quant", quant, QUANT)
    await odoo.call("stock.quant", "write", ids=[quant], vals={"inventory_quantity": 4})
    seen["recounted"] = await _one(odoo, "stock.quant", quant, QUANT)
    await odoo.call("stock.quant", "action_apply_inventory", ids=[quant])
    seen["on hand"] = await _one(odoo, "product.product", stand, ON_HAND)
    [again] = await odoo.call("stock.quant", "create", context=counting, vals_list=[
        {"product_id": stand, "location_id": STOCK, "inventory_quantity": 6}])
    seen["same quant"] = again == quant
    await odoo.call("stock.quant", "action_apply_inventory", ids=[again])
    seen["on hand at last"] = await _one(odoo, "product.product", stand, ON_HAND)
    return seen


async def product_and_user_names(odoo: Client, tag: str) -> Observations:
    """A variant shows its template's values; a user's name is its partner's."""
    seen: Observations = {}
    product = await _product(odoo, tag, "NAME", list_price=7.0)
    seen["variant"] = await _one(odoo, "product.product", product, [
        "name", "list_price", "type", "is_storable", "invoice_policy", "purchase_method",
        "uom_id", "sale_ok", "display_name"])
    template = (await _one(odoo, "product.product", product, ["product_tmpl_id"]))[
        "product_tmpl_id"][0]
    await odoo.call("product.template", "write", ids=[template],
                    vals={"name": f"Renamed {tag}", "list_price": 8.0})
    seen["variant after the template's write"] = await _one(
        odoo, "product.product", product, ["name", "list_price", "display_name"])
    await odoo.call("product.product", "write", ids=[product], vals={"list_price": 9.0})
    seen["template after the variant's write"] = await _one(
        odoo, "product.template", template, ["name", "list_price"])
    [made] = await odoo.call("product.template", "create", vals_list=[
        {"name": f"Template {tag}", "list_price": 4.0}])
    seen["template made alone"] = await _one(odoo, "product.template", made, [
        "product_variant_count", "taxes_id", "supplier_taxes_id", "invoice_policy"])
    seen["its variant"] = await odoo.call(
        "product.product", "search_read", domain=[("product_tmpl_id", "=", made)],
        fields=["name", "list_price", "taxes_id", "type", "display_name"])
    [user] = await odoo.call("res.users", "create", vals_list=[
        {"name": f"Flow User {tag}", "login": f"flow-{tag}"}])
    await odoo.call("res.users", "write", ids=[user], vals={"name": f"Flow Renamed {tag}"})
    partner = (await _one(odoo, "res.users", user, ["partner_id"]))["partner_id"]
    seen["user's partner"] = await _one(odoo, "res.partner", partner[0], ["name"])
    return seen


async def _confirmed_order(odoo: Client, partner: int, lines: list[dict[str, Any]]) -> int:
    [order] = await odoo.call("sale.order", "create", vals_list=[{
        "partner_id": partner, "order_line": [Command.create(line) for line in lines]}])
    await odoo.call("sale.order", "action_confirm", ids=[order])
    return int(order)


async def _invoice(odoo: Client, orders: list[int]) -> dict[str, Any]:
    context = {"active_model": "sale.order", "active_ids": orders}
    [wizard] = await odoo.call("sale.advance.payment.inv", "create", context=context,
                               vals_list=[{"advance_payment_method": "delivered"}])
    action = await odoo.call("sale.advance.payment.inv", "create_invoices", ids=[wizard],
                             context=context)
    return dict(action)


async def refusals_and_edges(odoo: Client, tag: str) -> Observations:
    """What Odoo refuses, and the less travelled paths: grouping, cancelling, rounding."""
    seen: Observations = {}
    partner = await _partner(odoo, tag)
    desk = await _product(odoo, tag, "EDGE", list_price=100.0)
    service = await _product(odoo, tag, "SERV", type="service", is_storable=False)
    untaxed = await _product(odoo, tag, "NOTAX", list_price=10.0, taxes_id=[])
    seen["explicit empty taxes"] = await _one(odoo, "product.product", untaxed, ["taxes_id"])
    # Two orders of one customer make one invoice.
    first = await _confirmed_order(odoo, partner, [{"product_id": desk}])
    second = await _confirmed_order(odoo, partner, [{"product_id": untaxed,
                                                     "product_uom_qty": 3}])
    action = await _invoice(odoo, [first, second])
    invoice = int(action["res_id"])
    seen["grouped invoice"] = await _one(odoo, "account.move", invoice, [
        "invoice_origin", "amount_untaxed", "amount_tax", "amount_total"])
    seen["both orders link it"] = [
        (await _one(odoo, "sale.order", o, ["invoice_ids"]))["invoice_ids"] == [invoice]
        for o in (first, second)]
    seen["edit a draft invoice"] = await odoo.call(
        "account.move", "write", ids=[invoice], vals={"partner_id": partner})
    await odoo.call("account.move", "action_post", ids=[invoice])
    seen["edit a posted invoice's lines"] = await _refusal(
        odoo, "account.move", "write", ids=[invoice],
        vals={"invoice_line_ids": [Command.update(
            (await _one(odoo, "account.move", invoice, ["invoice_line_ids"]))[
                "invoice_line_ids"][0], {"price_unit": 1.0})]})
    seen["delete a posted invoice"] = await _refusal(odoo, "account.move", "unlink",
                                                     ids=[invoice])
    paying = {"active_model": "account.move", "active_ids": [invoice]}
    [negative] = await odoo.call("account.payment.register", "create", context=paying,
                                 vals_list=[{"amount": -5.0}])
    seen["a negative payment"] = await _refusal(
        odoo, "account.payment.register", "action_create_payments", ids=[negative],
        context=paying)
    [part] = await odoo.call("account.payment.register", "create", context=paying,
                             vals_list=[{"amount": 50.0}])
    await odoo.call("account.payment.register", "action_create_payments", ids=[part],
                    context=paying)
    seen["partly paid"] = await _one(odoo, "account.move", invoice,
                                     ["payment_state", "amount_residual"])
    [rest] = await odoo.call("account.payment.register", "create", context=paying,
                             vals_list=[{"amount": 500.0}])
    await odoo.call("account.payment.register", "action_create_payments", ids=[rest],
                    context=paying)
    seen["overpaid"] = await _one(odoo, "account.move", invoice,
                                  ["payment_state", "amount_residual"])
    seen["pay a paid invoice"] = await _refusal(odoo, "account.payment.register", "create",
                                                context=paying, vals_list=[{}])
    seen["payment wizard on orders"] = await _refusal(
        odoo, "account.payment.register", "create", vals_list=[{}],
        context={"active_model": "sale.order", "active_ids": [first]})
    seen["invoice a missing order"] = await _refusal(
        odoo, "sale.advance.payment.inv", "create", vals_list=[{}],
        context={"active_model": "sale.order", "active_ids": [987654321]})
    seen["stock of a service"] = await _refusal(
        odoo, "stock.quant", "create", context={"inventory_mode": True},
        vals_list=[{"product_id": service, "location_id": STOCK, "inventory_quantity": 4}])
    # Cancelling an order cancels its draft invoice and its delivery.
    third = await _confirmed_order(odoo, partner, [{"product_id": desk}])
    drafted = int((await _invoice(odoo, [third]))["res_id"])
    await odoo.call("sale.order", "action_cancel", ids=[third])
    seen["cancelled order"] = await _one(odoo, "sale.order", third,
                                         ["state", "invoice_status", "delivery_status"])
    seen["its draft invoice"] = await _one(odoo, "account.move", drafted, ["state"])
    [delivery] = (await _one(odoo, "sale.order", third, ["picking_ids"]))["picking_ids"]
    seen["its delivery"] = await _one(odoo, "stock.picking", delivery, ["state"])
    # Taxes on an unrounded base: 3.333 x 1.5 less 10% is 4.49955.
    fourth = await _confirmed_order(odoo, partner, [{
        "product_id": desk, "product_uom_qty": 1.5, "price_unit": 3.333, "discount": 10.0}])
    seen["rounded line"] = await _lines(odoo, "sale.order.line", fourth, [
        "price_subtotal", "price_tax", "price_total"])
    # A count applied twice: the second applies a count of zero.
    [quant] = await odoo.call("stock.quant", "create", context={"inventory_mode": True},
                              vals_list=[{"product_id": desk, "location_id": STOCK,
                                          "inventory_quantity": 12}])
    await odoo.call("stock.quant", "action_apply_inventory", ids=[quant])
    await odoo.call("stock.quant", "action_apply_inventory", ids=[quant])
    seen["applied twice"] = await _one(odoo, "stock.quant", quant, ["quantity"])
    # A done transfer stays; what is left to bill after a receipt.
    [purchase] = await odoo.call("purchase.order", "create", vals_list=[{
        "partner_id": partner, "order_line": [Command.create(
            {"product_id": desk, "product_qty": 7, "price_unit": 2.0})]}])
    await odoo.call("purchase.order", "button_confirm", ids=[purchase])
    [receipt] = (await _one(odoo, "purchase.order", purchase, ["picking_ids"]))["picking_ids"]
    await odoo.call("stock.picking", "button_validate", ids=[receipt])
    seen["to bill"] = await _lines(odoo, "purchase.order.line", purchase,
                                   ["qty_received", "qty_to_invoice"])
    seen["delete a done receipt"] = await _refusal(odoo, "stock.picking", "unlink",
                                                   ids=[receipt])
    seen["a relation to a model the fake lacks"] = await odoo.call(
        "sale.order", "search_count", domain=[("id", "=", first),
                                              ("payment_term_id", "=", False)])
    return seen


async def resets_and_cancels(odoo: Client, tag: str) -> Observations:
    """Invoices reset to draft and cancelled, transfers reserved and cancelled, purchases
    cancelled; stock figures of products and templates along the way."""
    seen: Observations = {}
    partner = await _partner(odoo, tag)
    [template] = await odoo.call("product.template", "create", vals_list=[{
        "name": f"Kit {tag}", "default_code": f"KIT-{tag}", "list_price": 7.0,
        "is_storable": True}])
    seen["template"] = await _one(odoo, "product.template", template, [
        "product_variant_id", "product_variant_count", "default_code"])
    product = seen["template"]["product_variant_id"][0]
    seen["variant"] = await _one(odoo, "product.product", product,
                                 ["default_code", "display_name", "lst_price"])
    [quant] = await odoo.call("stock.quant", "create", context={"inventory_mode": True},
                              vals_list=[{"product_id": product, "location_id": STOCK,
                                          "inventory_quantity": 5}])
    await odoo.call("stock.quant", "action_apply_inventory", ids=[quant])
    order = await _confirmed_order(odoo, partner, [{"product_id": product,
                                                    "product_uom_qty": 2}])
    seen["stock with a delivery reserved"] = await _one(odoo, "product.product", product, [
        "qty_available", "free_qty", "outgoing_qty", "incoming_qty", "virtual_available"])
    seen["template stock"] = await _one(odoo, "product.template", template,
                                        ["qty_available", "virtual_available"])
    [delivery] = (await _one(odoo, "sale.order", order, ["picking_ids"]))["picking_ids"]
    seen["assign"] = await odoo.call("stock.picking", "action_assign", ids=[delivery])
    seen["cancel the delivery"] = await odoo.call("stock.picking", "action_cancel",
                                                  ids=[delivery])
    seen["after cancelling it"] = await _one(odoo, "product.product", product,
                                             ["free_qty", "outgoing_qty"])
    seen["delivery state"] = await _one(odoo, "stock.picking", delivery, ["state"])
    invoice = int((await _invoice(odoo, [order]))["res_id"])
    seen["reset a draft"] = await _refusal(odoo, "account.move", "button_draft", ids=[invoice])
    await odoo.call("account.move", "action_post", ids=[invoice])
    paying = {"active_model": "account.move", "active_ids": [invoice]}
    [register] = await odoo.call("account.payment.register", "create", context=paying,
                                 vals_list=[{}])
    await odoo.call("account.payment.register", "action_create_payments", ids=[register],
                    context=paying)
    seen["reset a paid invoice"] = await odoo.call("account.move", "button_draft",
                                                   ids=[invoice])
    seen["after the reset"] = await _one(odoo, "account.move", invoice, [
        "state", "payment_state", "amount_residual"])
    seen["cancel it"] = await odoo.call("account.move", "button_cancel", ids=[invoice])
    seen["cancelled invoice"] = await _one(odoo, "account.move", invoice, ["state"])
    [purchase] = await odoo.call("purchase.order", "create", vals_list=[{
        "partner_id": partner, "order_line": [Command.create(
            {"product_id": product, "product_qty": 4, "price_unit": 3.0})]}])
    await odoo.call("purchase.order", "button_confirm", ids=[purchase])
    seen["cancel the purchase"] = await odoo.call("purchase.order", "button_cancel",
                                                  ids=[purchase])
    seen["cancelled purchase"] = await _one(odoo, "purchase.order", purchase,
                                            ["state", "receipt_status"])
    [receipt] = (await _one(odoo, "purchase.order", purchase, ["picking_ids"]))[
        "picking_ids"]
    seen["its receipt"] = await _one(odoo, "stock.picking", receipt, ["state"])
    return seen


async def changes_after_confirmation(odoo: Client, tag: str) -> Observations:
    """Orders changed once confirmed, consumables not tracked, sections and notes, several
    taxes, cancelled invoices, several invoices paid at once, and what Odoo refuses."""
    seen: Observations = {}
    partner = await _partner(odoo, tag)
    loose = await _product(odoo, tag, "LOOSE", is_storable=False, list_price=3.0)
    tracked = await _product(odoo, tag, "TRACK", list_price=10.0)
    [quant] = await odoo.call("stock.quant", "create", context={"inventory_mode": True},
                              vals_list=[{"product_id": tracked, "location_id": 17,
                                          "inventory_quantity": 20}])  # WH/Stock/Shelf 1
    await odoo.call("stock.quant", "action_apply_inventory", ids=[quant])
    seen["in WH/Stock and below"] = await odoo.call(
        "stock.quant", "search_count", domain=[("product_id", "=", tracked),
                                               ("location_id", "child_of", STOCK)])
    order = await _confirmed_order(odoo, partner, [{"product_id": loose, "product_uom_qty": 2},
                                                   {"product_id": tracked}])
    [delivery] = (await _one(odoo, "sale.order", order, ["picking_ids"]))["picking_ids"]
    [first, second] = await _lines(odoo, "sale.order.line", order, ["id"])
    await odoo.call("sale.order.line", "write", ids=[second["id"]],
                    vals={"product_uom_qty": 3})
    await odoo.call("sale.order", "write", ids=[order], vals={"order_line": [
        Command.create({"product_id": tracked, "product_uom_qty": 2})]})
    seen["moves after the changes"] = await odoo.call(
        "stock.move", "search_read", domain=[("picking_id", "=", delivery)],
        fields=["product_uom_qty", "quantity", "state"], order="id")
    seen["remove a confirmed line"] = await _refusal(odoo, "sale.order.line", "unlink",
                                                     ids=[first["id"]])
    seen["found by a field that is not stored"] = await odoo.call(
        "stock.picking", "search_count", domain=[("id", "=", delivery),
                                                 ("picking_type_code", "=", "outgoing")])
    seen["deliver"] = await odoo.call("stock.picking", "button_validate", ids=[delivery],
                                      context={"skip_sms": True})
    seen["delivered"] = await _one(odoo, "sale.order", order, ["delivery_status"])
    # Sections and notes; a line with two taxes, each rounded on its own.
    [seven] = await odoo.call("account.tax", "create", vals_list=[{
        "name": f"7% {tag}", "amount": 7.0, "amount_type": "percent", "type_tax_use": "sale",
        "company_id": 1, "country_id": 233}])
    mixed = await _confirmed_order(odoo, partner, [
        {"display_type": "line_section", "name": "Section"},
        {"product_id": loose, "price_unit": 19.99, "discount": 12.5,
         "tax_ids": [Command.set([seven, 1])]},
        {"display_type": "line_note", "name": "Note"}])
    seen["mixed lines"] = await _lines(odoo, "sale.order.line", mixed, [
        "display_type", "product_uom_qty", "qty_to_invoice", "invoice_status",
        "price_tax", "price_total"])
    invoice = int((await _invoice(odoo, [mixed]))["res_id"])
    seen["invoice lines"] = await odoo.call(
        "account.move.line", "search_read", order="id",
        domain=[("move_id", "=", invoice), ("display_type", "in",
                                            ["product", "line_section", "line_note"])],
        fields=["display_type", "quantity", "price_total"])
    # A cancelled draft invoice gives the order back its lines to invoice.
    await odoo.call("account.move", "button_cancel", ids=[invoice])
    seen["after cancelling its invoice"] = await _one(odoo, "sale.order", mixed,
                                                      ["invoice_status", "invoice_count"])
    again = int((await _invoice(odoo, [mixed]))["res_id"])
    seen["invoiced again"] = again != invoice
    # Two invoices paid by one wizard: one payment each; together when grouped.
    twins = [await _confirmed_order(odoo, partner, [{"product_id": loose}]) for _ in range(2)]
    bills = []
    for twin in twins:
        bill = int((await _invoice(odoo, [twin]))["res_id"])
        await odoo.call("account.move", "action_post", ids=[bill])
        bills.append(bill)
    both = {"active_model": "account.move", "active_ids": bills}
    [wizard] = await odoo.call("account.payment.register", "create", context=both,
                               vals_list=[{}])
    paid = await odoo.call("account.payment.register", "action_create_payments",
                           ids=[wizard], context=both)
    seen["two payments"] = {k: v for k, v in paid.items() if k != "domain"}
    seen["paid"] = [(await _one(odoo, "account.move", b, ["payment_state"]))["payment_state"]
                    for b in bills]
    seen["delete a payment"] = await _refusal(odoo, "account.payment", "unlink",
                                              ids=paid["domain"][0][2][:1])
    seen["a wizard action without a wizard"] = await _refusal(
        odoo, "account.payment.register", "action_create_payments", ids=[])
    seen["delete a quant"] = await _refusal(odoo, "stock.quant", "unlink", ids=[quant])
    seen["a misspelt field, nothing found"] = await _refusal(
        odoo, "res.partner", "search_read", domain=[("id", "=", 0)], fields=["nmae"])
    [purchase] = await odoo.call("purchase.order", "create", vals_list=[{
        "partner_id": partner, "order_line": [Command.create(
            {"product_id": tracked, "product_qty": 5, "price_unit": 2.0})]}])
    seen["delete a draft purchase"] = await _refusal(odoo, "purchase.order", "unlink",
                                                     ids=[purchase])
    await odoo.call("purchase.order", "button_confirm", ids=[purchase])
    [line] = await _lines(odoo, "purchase.order.line", purchase, ["id"])
    await odoo.call("purchase.order.line", "write", ids=[line["id"]], vals={"product_qty": 8})
    [receipt] = (await _one(odoo, "purchase.order", purchase, ["picking_ids"]))["picking_ids"]
    seen["receipt moves"] = await odoo.call(
        "stock.move", "search_read", domain=[("picking_id", "=", receipt)],
        fields=["product_uom_qty", "state"])
    return seen


SCENARIOS = {"sale to payment": sale_to_payment, "purchase to delivery": purchase_to_delivery,
             "inventory count": inventory_count,
             "product and user names": product_and_user_names,
             "refusals and edges": refusals_and_edges,
             "resets and cancels": resets_and_cancels,
             "changes after confirmation": changes_after_confirmation}

_DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
_SEQUENCE = re.compile(r"\b(WH/(?:IN|OUT)/|[A-Z0-9]+/<year>/|\b[SP])\d{5}\b")


def comparable(value: Any, tag: str, *, key: str = "") -> Any:
    """``value`` without what differs between two databases: record ids (kept as their
    count), sequence numbers, today's date, the run's tag."""
    if isinstance(value, dict):
        return {k: comparable(v, tag, key=k) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        if key.endswith("_id") and len(value) == 2 and isinstance(value[1], str):
            return comparable(value[1], tag)  # a many2one: its name
        if key.endswith("_ids") and all(isinstance(v, int) for v in value):
            return f"<{len(value)} ids>"
        return [comparable(v, tag) for v in value]
    if isinstance(value, str):
        value = value.replace(tag, "<tag>")
        if _DATETIME.match(value):
            return "<datetime>"
        today = dt.datetime.now(ZoneInfo("Europe/Brussels")).date()  # the admin's zone
        value = value.replace(today.isoformat(), "<today>")
        year = str(today.year)
        value = re.sub(rf"/{year}/", "/<year>/", value)
        value = re.sub(r"\(id \d+\)", "(id <id>)", value)
        return _SEQUENCE.sub(r"\1<n>", value)
    if isinstance(value, int) and not isinstance(value, bool) and key.endswith("_id"):
        return "<id>"
    return value
