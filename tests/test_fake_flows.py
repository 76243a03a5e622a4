"""The business flows on the fake, as a real Odoo 19 answers them (the expected values
were read on the kit's server; tests/test_fake_flows_real.py compares the two whenever
ODOO_URL is set, and the conformance test replays the recorded exchanges)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import AsyncIterator
from typing import Any

import pytest

from odoo_async import Client
from odoo_async.testing import FakeOdoo
from odoo_async.testing.fake.flows import NOTHING_TO_INVOICE
from odoo_async.testing.fake.rules.accounting import (
    NEGATIVE_PAYMENT,
    NOTHING_TO_PAY,
    POSTED_DELETE,
    WRONG_SOURCE,
)
from odoo_async.testing.fake.rules.base import today as fake_today
from odoo_async.testing.fake.rules.stock import DONE_MOVE, NOT_STORABLE, ZERO_QUANTITY
from tests.flows import (
    changes_after_confirmation,
    inventory_count,
    product_and_user_names,
    purchase_to_delivery,
    refusals_and_edges,
    resets_and_cancels,
    sale_to_payment,
)

TAG = "T1"


@pytest.fixture
async def odoo() -> AsyncIterator[Client]:
    async with FakeOdoo() as fake, Client(fake.url, fake.api_key, fake.database) as client:
        yield client


def _names(rows: list[dict[str, Any]], *fields: str) -> list[tuple[Any, ...]]:
    return [tuple(row[f] for f in fields) for row in rows]


async def test_sale_order_to_paid_invoice(odoo: Client) -> None:
    seen = await sale_to_payment(odoo, TAG)
    assert seen["quotation"]["state"] == "draft"
    assert seen["quotation"]["invoice_status"] == "no"
    assert seen["confirmed"]["state"] == "sale"
    assert seen["confirmed"]["invoice_status"] == "to invoice"
    assert seen["confirmed"]["delivery_status"] == "pending"
    assert _names(seen["lines to invoice"], "qty_to_invoice", "invoice_status") == [
        (2.0, "to invoice"), (1.0, "to invoice")]
    # The delivery waits for stock: validating it is refused as Odoo refuses it.
    assert seen["delivery"]["state"] == "confirmed"
    assert seen["delivery"]["picking_type_code"] == "outgoing"
    assert [move["state"] for move in seen["delivery moves"]] == ["confirmed", "confirmed"]
    assert seen["deliver without stock"] == f"UserError: {ZERO_QUANTITY}"
    # create_invoices links the invoice and counts it (the fake once said [] and 0).
    assert seen["invoiced ids"] is True
    assert seen["invoiced"]["invoice_count"] == 1
    assert seen["invoiced"]["invoice_status"] == "invoiced"
    assert _names(seen["lines invoiced"], "qty_invoiced", "qty_to_invoice",
                  "invoice_status") == [(2.0, 0.0, "invoiced"), (1.0, 0.0, "invoiced")]
    assert seen["invoice action"]["views"][0] == [743, "form"]
    draft = seen["draft invoice"]
    assert (draft["name"], draft["state"], draft["move_type"]) == (False, "draft",
                                                                   "out_invoice")
    # A new product carries the company's default 15% tax, as on a real Odoo.
    assert (draft["amount_untaxed"], draft["amount_total"]) == (12.18, 14.01)
    assert draft["amount_residual"] == 14.01
    assert draft["invoice_origin"] == seen["quotation"]["name"]
    assert _names(seen["invoice lines"], "quantity", "price_unit", "price_subtotal") == [
        (2.0, 5.1, 10.2), (1.0, 1.98, 1.98)]
    # action_post exists (the fake once answered 404), names and dates the invoice.
    assert seen["post"] is False
    posted = seen["posted invoice"]
    assert posted["state"] == "posted"
    # dated in the admin's time zone (Europe/Brussels), as Odoo's context_today does
    today = dt.datetime.now(zoneinfo.ZoneInfo("Europe/Brussels")).date()
    # The demo data posted 9 invoices in 2026: the sequence goes on from there.
    assert posted["name"] == f"INV/{today.year}/{10 if today.year == 2026 else 1:05d}"
    assert posted["invoice_date"] == today.isoformat()
    assert seen["post again"] == (f"UserError: The entry {posted['name']} (id "
                                  f"{posted['id']}) must be in draft.")
    wizard = seen["payment wizard"]
    assert (wizard["amount"], wizard["communication"]) == (14.01, posted["name"])
    assert wizard["journal_id"][1] == "Bank"
    assert seen["payment action"]["res_model"] == "account.payment"
    paid = seen["paid invoice"]
    assert (paid["payment_state"], paid["amount_residual"]) == ("paid", 0.0)
    assert seen["payment"]["name"].startswith("PBNK1/")
    assert (seen["payment"]["state"], seen["payment"]["memo"]) == ("paid", posted["name"])
    assert seen["payment reconciles the invoice"] is True


async def test_purchase_receipt_then_delivery(odoo: Client) -> None:
    seen = await purchase_to_delivery(odoo, TAG)
    assert seen["rfq"]["state"] == "draft"
    assert seen["rfq"]["receipt_status"] is False
    # A line without a price takes the product's cost.
    assert _names(seen["rfq lines"], "price_unit", "price_subtotal") == [(12.5, 62.5),
                                                                         (11.0, 33.0)]
    # 15% of 95.50 is 14.325: rounded half up as Odoo rounds, not to the even 14.32.
    assert seen["rfq"]["amount_total"] == 109.83
    assert seen["purchase"]["state"] == "purchase"
    assert seen["purchase"]["incoming_picking_count"] == 1
    assert seen["purchase"]["receipt_status"] == "pending"
    assert seen["receipt"]["state"] == "assigned"
    assert seen["receipt"]["location_id"][1] == "Vendors"
    assert [(m["quantity"], m["state"]) for m in seen["receipt moves"]] == [
        (5.0, "assigned"), (3.0, "assigned")]
    assert seen["forecast before"] == {"id": seen["forecast before"]["id"],
                                       "qty_available": 0.0, "virtual_available": 6.0}
    assert seen["received"]["state"] == "done"
    assert seen["received purchase"]["receipt_status"] == "full"
    assert seen["received purchase"]["invoice_status"] == "to invoice"
    assert [line["qty_received"] for line in seen["received lines"]] == [5.0, 3.0]
    # The goods received are reserved at once for the delivery that waited for them.
    [quant] = seen["stock"]
    assert (quant["quantity"], quant["reserved_quantity"]) == (8.0, 2.0)
    assert seen["receive again"] is True
    assert seen["delivery, reserved"]["state"] == "assigned"
    delivered = seen["delivered order"]
    assert (delivered["delivery_status"], delivered["invoice_status"]) == ("full",
                                                                           "to invoice")
    assert _names(seen["delivered lines"], "qty_delivered", "qty_to_invoice") == [(2.0, 2.0)]
    assert seen["on hand after"]["qty_available"] == 6.0


async def test_inventory_counts(odoo: Client) -> None:
    seen = await inventory_count(odoo, TAG)
    counted = seen["counted"]
    assert (counted["quantity"], counted["inventory_quantity"],
            counted["inventory_diff_quantity"], counted["inventory_quantity_set"]) == (
        0.0, 9.0, 9.0, True)
    assert seen["apply"] is None
    applied = seen["applied"]
    assert (applied["quantity"], applied["inventory_quantity_set"]) == (9.0, False)
    assert seen["recounted"]["inventory_diff_quantity"] == -5.0
    assert seen["on hand"]["qty_available"] == 4.0
    assert seen["same quant"] is True
    assert seen["on hand at last"]["qty_available"] == 6.0


async def test_products_and_users_share_their_inherited_fields(odoo: Client) -> None:
    seen = await product_and_user_names(odoo, TAG)
    variant = seen["variant"]
    # The fake once dropped a new variant's name, price and type.
    assert (variant["name"], variant["list_price"], variant["type"]) == (
        f"Flow NAME {TAG}", 7.0, "consu")
    assert (variant["invoice_policy"], variant["purchase_method"]) == ("order", "receive")
    assert variant["uom_id"][1] == "Units"
    after = seen["variant after the template's write"]
    assert (after["name"], after["list_price"]) == (f"Renamed {TAG}", 8.0)
    assert seen["template after the variant's write"]["list_price"] == 9.0
    # A template made on its own has its variant, with the template's values.
    assert seen["template made alone"]["product_variant_count"] == 1
    [made] = seen["its variant"]
    # (each company's default tax: an order line keeps its own company's)
    assert (made["name"], made["list_price"], made["taxes_id"]) == (f"Template {TAG}", 4.0,
                                                                     [1, 17])
    # A user's name written later is its partner's (the fake once kept the old one).
    assert seen["user's partner"]["name"] == f"Flow Renamed {TAG}"


async def test_nothing_to_invoice_before_delivery(odoo: Client) -> None:
    [order] = await odoo.call("sale.order", "create", vals_list=[{
        "partner_id": 12, "order_line": [[0, 0, {"product_id": 15, "product_uom_qty": 1}]]}])
    await odoo.call("sale.order", "action_confirm", ids=[order])
    context = {"active_model": "sale.order", "active_ids": [order]}
    [wizard] = await odoo.call("sale.advance.payment.inv", "create", context=context,
                               vals_list=[{"advance_payment_method": "delivered"}])
    with pytest.raises(Exception, match="No items are available to invoice") as error:
        await odoo.call("sale.advance.payment.inv", "create_invoices", ids=[wizard])
    assert getattr(error.value, "message", None) == NOTHING_TO_INVOICE
    [row] = await odoo.call("sale.order", "read", ids=[order],
                            fields=["invoice_status", "delivery_status"])
    assert (row["invoice_status"], row["delivery_status"]) == ("no", "pending")


async def test_what_odoo_refuses_and_the_less_travelled_paths(odoo: Client) -> None:
    seen = await refusals_and_edges(odoo, TAG)
    # An empty list given replaces the default taxes (the fake once kept them).
    assert seen["explicit empty taxes"]["taxes_id"] == []
    # Two orders of one customer share an invoice; its origin names both.
    grouped = seen["grouped invoice"]
    assert re.fullmatch(r"S\d{5}, S\d{5}", grouped["invoice_origin"])
    assert (grouped["amount_untaxed"], grouped["amount_tax"]) == (130.0, 15.0)
    assert seen["both orders link it"] == [True, True]
    assert seen["edit a posted invoice's lines"] == (
        "UserError: You cannot modify the following readonly fields on a posted move: "
        "invoice_line_ids")
    assert seen["delete a posted invoice"] == f"UserError: {POSTED_DELETE}"
    assert seen["a negative payment"] == f"ValidationError: {NEGATIVE_PAYMENT}"
    assert seen["partly paid"] == {"id": seen["partly paid"]["id"],
                                   "payment_state": "partial", "amount_residual": 95.0}
    assert (seen["overpaid"]["payment_state"], seen["overpaid"]["amount_residual"]) == (
        "paid", 0.0)
    assert seen["pay a paid invoice"] == f"UserError: {NOTHING_TO_PAY}"
    assert seen["payment wizard on orders"] == f"UserError: {WRONG_SOURCE}"
    assert seen["invoice a missing order"].startswith("MissingError: Record does not exist")
    assert seen["stock of a service"] == f"ValidationError: {NOT_STORABLE}"
    assert {k: v for k, v in seen["cancelled order"].items() if k != "id"} == {
        "state": "cancel", "invoice_status": "no", "delivery_status": False}
    assert seen["its draft invoice"]["state"] == seen["its delivery"]["state"] == "cancel"
    # 15% of 4.49955 (not of the rounded 4.50); price_tax unrounded, as Odoo stores it.
    [line] = seen["rounded line"]
    assert (line["price_subtotal"], line["price_total"]) == (4.5, 5.17)
    assert line["price_tax"] == 5.17 - 4.5
    assert seen["applied twice"]["quantity"] == 0.0
    assert _names(seen["to bill"], "qty_received", "qty_to_invoice") == [(7.0, 7.0)]
    assert seen["delete a done receipt"] == f"UserError: {DONE_MOVE}"
    assert seen["a relation to a model the fake lacks"] == 1


async def test_resets_cancels_and_stock_figures(odoo: Client) -> None:
    seen = await resets_and_cancels(odoo, TAG)
    # A template made on its own has its variant, with its reference.
    assert seen["template"]["product_variant_count"] == 1
    assert seen["variant"]["display_name"] == f"[KIT-{TAG}] Kit {TAG}"
    assert seen["variant"]["lst_price"] == 7.0
    stock = {k: v for k, v in seen["stock with a delivery reserved"].items() if k != "id"}
    assert stock == {"qty_available": 5.0, "free_qty": 3.0, "outgoing_qty": 2.0,
                     "incoming_qty": 0.0, "virtual_available": 3.0}
    assert seen["template stock"]["virtual_available"] == 3.0
    assert (seen["assign"], seen["cancel the delivery"]) == (True, True)
    assert seen["after cancelling it"]["free_qty"] == 5.0
    assert seen["delivery state"]["state"] == "cancel"
    assert seen["reset a draft"] == (
        "UserError: Only posted/cancelled journal entries can be reset to draft.")
    # A paid invoice reset to draft stays paid: its payment is still matched with it.
    assert seen["reset a paid invoice"] is None
    after = seen["after the reset"]
    assert (after["state"], after["payment_state"], after["amount_residual"]) == (
        "draft", "paid", 0.0)
    assert (seen["cancel it"], seen["cancelled invoice"]["state"]) == (None, "cancel")
    assert seen["cancel the purchase"] is None
    assert seen["cancelled purchase"]["state"] == seen["its receipt"]["state"] == "cancel"


async def test_changes_after_confirmation_and_payments_of_several_invoices(odoo: Client
                                                                           ) -> None:
    seen = await changes_after_confirmation(odoo, TAG)
    assert seen["in WH/Stock and below"] == 1  # child_of follows locations' location_id
    # A consumable that is not tracked is always available; the delivery follows the
    # order's new quantity and its new line (the fake once ignored both).
    assert [(m["product_uom_qty"], m["state"]) for m in seen["moves after the changes"]] == [
        (2.0, "assigned"), (3.0, "assigned"), (2.0, "assigned")]
    assert seen["remove a confirmed line"].startswith(
        "UserError: Once a sales order is confirmed, you can't remove one of its lines")
    assert seen["found by a field that is not stored"] == 1  # the fake once found none
    assert (seen["deliver"], seen["delivered"]["delivery_status"]) == (True, "full")
    section, product, note = seen["mixed lines"]
    assert (section["product_uom_qty"], section["invoice_status"]) == (0.0, "invoiced")
    assert (note["display_type"], note["qty_to_invoice"]) == ("line_note", 0.0)
    # 15% and 7% of 17.49125, each rounded: 2.62 + 1.22 (not 3.85 rounded once).
    assert (product["price_tax"], product["price_total"]) == (3.84, 21.33)
    assert [line["display_type"] for line in seen["invoice lines"]] == [
        "line_section", "product", "line_note"]
    assert seen["after cancelling its invoice"]["invoice_status"] == "to invoice"
    assert seen["invoiced again"] is True
    assert seen["two payments"]["view_mode"] == "list,form"
    assert seen["paid"] == ["paid", "paid"]
    assert seen["delete a payment"].startswith("ValidationError: A payment with an "
                                               "outstanding account")
    assert seen["a wizard action without a wizard"].endswith(
        "Expected singleton: account.payment.register()")
    assert seen["delete a quant"].startswith(
        "AccessError: You are not allowed to delete 'Quants' (stock.quant) records.")
    assert "Invalid field 'nmae'" in seen["a misspelt field, nothing found"]
    assert seen["delete a draft purchase"] == (
        "UserError: In order to delete a purchase order, you must cancel it first.")
    assert [(m["product_uom_qty"], m["state"]) for m in seen["receipt moves"]] == [
        (8.0, "assigned")]


def test_today_is_the_date_where_the_caller_is() -> None:
    fake = FakeOdoo(demo=False)
    ahead, behind = "Pacific/Kiritimati", "Pacific/Pago_Pago"  # UTC+14 and UTC-11
    for zone in (ahead, behind):
        before = dt.datetime.now(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%d")
        seen = fake_today(fake.env(tz=zone))
        after = dt.datetime.now(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%d")
        assert seen in (before, after)
    assert fake_today(fake.env(tz=ahead)) > fake_today(fake.env(tz=behind))  # 25 h apart
    before = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")
    seen = fake_today(fake.env(tz="Not/A_Zone"))  # no such zone: UTC, as Odoo falls back to
    assert seen in (before, dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"))
