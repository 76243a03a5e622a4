"""Record the business flows of the fake's conformance test from a real Odoo 19.

    . ~/.cache/odoo19-server/env.sh   # ODOO_URL, ODOO_DB, ODOO_KEY_FILE
    shared/odoo19/server/reset.sh ~/.cache/odoo19-server --start
    python scripts/record_flows.py [tests/fixtures/exchanges-flows.json]

Run it on a freshly reset kit database (its demo data is the fake's seed): the ids and
names in the answers are then those the fake must give. Each exchange is stored in the
format of shared/odoo19/exchanges*.json, with the API key replaced by a placeholder.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "exchanges-flows.json"
KEY_PLACEHOLDER = "bearer <key>\u2026(key)"

SO = ["name", "state", "invoice_status", "invoice_ids", "invoice_count", "amount_untaxed",
      "amount_tax", "amount_total", "picking_ids", "delivery_status"]
SOL = ["product_id", "product_uom_qty", "qty_delivered", "qty_invoiced", "qty_to_invoice",
       "invoice_status", "price_subtotal"]
MOVE = ["name", "state", "move_type", "payment_state", "amount_untaxed", "amount_tax",
        "amount_total", "amount_residual", "partner_id", "invoice_origin", "journal_id",
        "invoice_date", "date", "currency_id", "invoice_line_ids"]
MOVE_LINE = ["product_id", "quantity", "price_unit", "price_subtotal", "sale_line_ids",
             "display_type"]
REGISTER = ["amount", "journal_id", "payment_date", "communication", "partner_id",
            "payment_method_line_id", "payment_type", "partner_type"]
PAYMENT = ["name", "amount", "state", "partner_id", "payment_type", "partner_type",
           "journal_id", "memo", "date", "reconciled_invoice_ids"]
PICKING = ["name", "state", "picking_type_id", "location_id", "location_dest_id", "origin",
           "partner_id", "move_ids", "date_done", "picking_type_code"]
STOCK_MOVE = ["product_id", "product_uom_qty", "quantity", "state", "location_id",
              "location_dest_id", "picking_id", "origin"]
PO = ["name", "state", "amount_untaxed", "amount_total", "picking_ids",
      "incoming_picking_count", "receipt_status", "invoice_status"]
POL = ["name", "product_qty", "price_unit", "price_subtotal", "qty_received",
       "qty_invoiced", "product_uom_id"]
QUANT = ["product_id", "location_id", "quantity", "reserved_quantity", "inventory_quantity",
         "inventory_diff_quantity", "inventory_quantity_set"]

Step = tuple[str, str, str, Callable[[dict[str, Any]], dict[str, Any]]]


def _sale_context(state: dict[str, Any], key: str = "order") -> dict[str, Any]:
    return {"active_model": "sale.order", "active_ids": state[key]}


def _invoice_context(state: dict[str, Any]) -> dict[str, Any]:
    return {"active_model": "account.move", "active_ids": state["invoice"]}


SALE: list[Step] = [
    ("s1 create a quotation with two lines (products invoiced on order)", "sale.order",
     "create", lambda s: {"vals_list": [{"partner_id": 11, "order_line": [
         [0, 0, {"product_id": 49, "product_uom_qty": 2}],
         [0, 0, {"product_id": 50, "product_uom_qty": 1}]]}]}),
    ("s2 the quotation", "sale.order", "read", lambda s: {"ids": s["order"], "fields": SO}),
    ("s3 confirm it", "sale.order", "action_confirm", lambda s: {"ids": s["order"]}),
    ("s4 the confirmed order", "sale.order", "read",
     lambda s: {"ids": s["order"], "fields": SO}),
    ("s5 its lines, to invoice", "sale.order.line", "search_read",
     lambda s: {"domain": [["order_id", "in", s["order"]]], "fields": SOL}),
    ("s6 its delivery", "stock.picking", "read",
     lambda s: {"ids": s["picking"], "fields": PICKING}),
    ("s7 the delivery's moves", "stock.move", "read",
     lambda s: {"ids": s["moves"], "fields": STOCK_MOVE}),
    ("s8 the invoicing wizard", "sale.advance.payment.inv", "create",
     lambda s: {"vals_list": [{"advance_payment_method": "delivered"}],
                "context": _sale_context(s)}),
    ("s9 create the invoice", "sale.advance.payment.inv", "create_invoices",
     lambda s: {"ids": s["wizard"], "context": _sale_context(s)}),
    ("s10 the invoiced order", "sale.order", "read",
     lambda s: {"ids": s["order"], "fields": SO}),
    ("s11 its lines, invoiced", "sale.order.line", "search_read",
     lambda s: {"domain": [["order_id", "in", s["order"]]], "fields": SOL}),
    ("s12 the draft invoice", "account.move", "read",
     lambda s: {"ids": s["invoice"], "fields": MOVE}),
    ("s13 the invoice's lines", "account.move.line", "read",
     lambda s: {"ids": s["invoice_lines"], "fields": MOVE_LINE}),
    ("s14 post the invoice", "account.move", "action_post", lambda s: {"ids": s["invoice"]}),
    ("s15 the posted invoice", "account.move", "read",
     lambda s: {"ids": s["invoice"], "fields": MOVE}),
    ("s16 post it again", "account.move", "action_post", lambda s: {"ids": s["invoice"]}),
    ("s17 the payment wizard", "account.payment.register", "create",
     lambda s: {"vals_list": [{}], "context": _invoice_context(s)}),
    ("s18 the payment wizard's defaults", "account.payment.register", "read",
     lambda s: {"ids": s["register"], "fields": REGISTER}),
    ("s19 register the payment", "account.payment.register", "action_create_payments",
     lambda s: {"ids": s["register"], "context": _invoice_context(s)}),
    ("s20 the paid invoice", "account.move", "read",
     lambda s: {"ids": s["invoice"], "fields": MOVE}),
    ("s21 the payment", "account.payment", "read",
     lambda s: {"ids": [s["payment"]], "fields": PAYMENT}),
    ("s22 deliver the order", "stock.picking", "button_validate",
     lambda s: {"ids": s["picking"]}),
    ("s23 the delivered order", "sale.order", "read",
     lambda s: {"ids": s["order"], "fields": SO}),
    ("s24 its lines, delivered", "sale.order.line", "search_read",
     lambda s: {"domain": [["order_id", "in", s["order"]]], "fields": SOL}),
    ("s25 the done delivery", "stock.picking", "read",
     lambda s: {"ids": s["picking"], "fields": PICKING}),
    ("s26 a quotation of a product invoiced on delivery", "sale.order", "create",
     lambda s: {"vals_list": [{"partner_id": 12, "order_line": [
         [0, 0, {"product_id": 15, "product_uom_qty": 1}]]}]}),
    ("s27 confirm it", "sale.order", "action_confirm", lambda s: {"ids": s["order2"]}),
    ("s28 the invoicing wizard", "sale.advance.payment.inv", "create",
     lambda s: {"vals_list": [{"advance_payment_method": "delivered"}],
                "context": _sale_context(s, "order2")}),
    ("s29 nothing to invoice before delivery", "sale.advance.payment.inv",
     "create_invoices", lambda s: {"ids": s["wizard2"], "context": _sale_context(s, "order2")}),
    ("s30 the order, still to deliver", "sale.order", "read",
     lambda s: {"ids": s["order2"], "fields": SO}),
]

PURCHASE: list[Step] = [
    ("p1 create a purchase order with two lines", "purchase.order", "create",
     lambda s: {"vals_list": [{"partner_id": 11, "order_line": [
         [0, 0, {"product_id": 49, "product_qty": 5}],
         [0, 0, {"product_id": 50, "product_qty": 3, "price_unit": 1.5}]]}]}),
    ("p2 the request for quotation", "purchase.order", "read",
     lambda s: {"ids": s["po"], "fields": PO}),
    ("p3 its lines", "purchase.order.line", "search_read",
     lambda s: {"domain": [["order_id", "in", s["po"]]], "fields": POL}),
    ("p4 confirm it", "purchase.order", "button_confirm", lambda s: {"ids": s["po"]}),
    ("p5 the confirmed order", "purchase.order", "read",
     lambda s: {"ids": s["po"], "fields": PO}),
    ("p6 its receipt", "stock.picking", "read",
     lambda s: {"ids": s["receipt"], "fields": PICKING}),
    ("p7 the receipt's moves", "stock.move", "read",
     lambda s: {"ids": s["receipt_moves"], "fields": STOCK_MOVE}),
    ("p8 receive the goods", "stock.picking", "button_validate",
     lambda s: {"ids": s["receipt"]}),
    ("p9 the done receipt", "stock.picking", "read",
     lambda s: {"ids": s["receipt"], "fields": PICKING}),
    ("p10 the received order", "purchase.order", "read",
     lambda s: {"ids": s["po"], "fields": PO}),
    ("p11 its lines, received", "purchase.order.line", "search_read",
     lambda s: {"domain": [["order_id", "in", s["po"]]], "fields": POL}),
    ("p12 the stock of the received products", "stock.quant", "search_read",
     lambda s: {"domain": [["product_id", "in", [49, 50]], ["location_id", "=", 5]],
                "fields": QUANT}),
    ("p13 validate the receipt again", "stock.picking", "button_validate",
     lambda s: {"ids": s["receipt"]}),
]

INVENTORY: list[Step] = [
    ("q1 count a product that has no stock", "stock.quant", "create",
     lambda s: {"vals_list": [{"product_id": 51, "location_id": 5,
                               "inventory_quantity": 9}],
                "context": {"inventory_mode": True}}),
    ("q2 the counted quant", "stock.quant", "read",
     lambda s: {"ids": s["quant"], "fields": QUANT}),
    ("q3 apply the count", "stock.quant", "action_apply_inventory",
     lambda s: {"ids": s["quant"]}),
    ("q4 the quant after the count", "stock.quant", "read",
     lambda s: {"ids": s["quant"], "fields": QUANT}),
    ("q5 count it again, lower", "stock.quant", "write",
     lambda s: {"ids": s["quant"], "vals": {"inventory_quantity": 4}}),
    ("q6 apply the new count", "stock.quant", "action_apply_inventory",
     lambda s: {"ids": s["quant"]}),
    ("q7 the quant after the second count", "stock.quant", "read",
     lambda s: {"ids": s["quant"], "fields": QUANT}),
    ("q8 the product's stock", "product.product", "read",
     lambda s: {"ids": [51], "fields": ["qty_available", "virtual_available"]}),
    ("q9 count the same product again in inventory mode", "stock.quant", "create",
     lambda s: {"vals_list": [{"product_id": 51, "location_id": 5,
                               "inventory_quantity": 6}],
                "context": {"inventory_mode": True}}),
    ("q10 apply it", "stock.quant", "action_apply_inventory",
     lambda s: {"ids": s["quant"]}),
    ("q11 the product's stock after it", "product.product", "read",
     lambda s: {"ids": [51], "fields": ["qty_available", "virtual_available"]}),
]

PARTNERS: list[Step] = [
    ("v1 a partner with an address that is not an email", "res.partner", "create",
     lambda s: {"vals_list": [{"name": "Flows Email", "email": "not an email"}]}),
    ("v2 a partner with a VAT number no country accepts", "res.partner", "create",
     lambda s: {"vals_list": [{"name": "Flows VAT", "vat": "XX123", "country_id": 75}]}),
    ("v3 the two partners", "res.partner", "read",
     lambda s: {"ids": s["partners"], "fields": ["name", "email", "vat", "country_id"]}),
]


def _learn(title: str, answer: Any, state: dict[str, Any]) -> None:
    """Keep the ids the following steps need."""
    prefix = title.split(" ", 1)[0]
    learned = {"s1": "order", "s8": "wizard", "s17": "register", "s26": "order2",
               "s28": "wizard2", "p1": "po", "q1": "quant"}
    if prefix in learned:
        state[learned[prefix]] = answer
    elif prefix == "s4":
        state["picking"] = answer[0]["picking_ids"]
    elif prefix == "s6":
        state["moves"] = answer[0]["move_ids"]
    elif prefix == "s10":
        state["invoice"] = answer[0]["invoice_ids"]
    elif prefix == "s12":
        state["invoice_lines"] = answer[0]["invoice_line_ids"]
    elif prefix == "s19":
        state["payment"] = answer["res_id"]
    elif prefix == "p5":
        state["receipt"] = answer[0]["picking_ids"]
    elif prefix == "p6":
        state["receipt_moves"] = answer[0]["move_ids"]
    elif prefix in ("v1", "v2"):
        state.setdefault("partners", []).extend(answer)


async def record(url: str, database: str, key: str) -> list[dict[str, Any]]:
    """Run every flow on the server; the exchanges, keys redacted."""
    exchanges: list[dict[str, Any]] = []
    state: dict[str, Any] = {}
    async with aiohttp.ClientSession() as session:
        for title, model, method, build in SALE + PURCHASE + INVENTORY + PARTNERS:
            body = build(state)
            path = f"/json/2/{model}/{method}"
            headers = {"Content-Type": "application/json", "X-Odoo-Database": database,
                       "Authorization": f"bearer {key}"}
            async with session.post(url + path, data=json.dumps(body),
                                    headers=headers) as response:
                raw = await response.read()
                answer = json.loads(raw) if raw else None
                exchanges.append({
                    "title": title,
                    "request": {"method": "POST", "path": path,
                                "headers": {**headers, "Authorization": KEY_PLACEHOLDER},
                                "body": body},
                    "status": response.status, "reason": response.reason,
                    "headers": [[k, v] for k, v in response.headers.items()],
                    "body_len": len(raw), "body": answer})
            print(f"{title}: {response.status}", file=sys.stderr)
            if response.status == 200:
                _learn(title, answer, state)
    return exchanges


def main() -> None:
    url = os.environ["ODOO_URL"].rstrip("/")
    database = os.environ["ODOO_DB"]
    key = os.environ.get("ODOO_API_KEY") or Path(os.environ["ODOO_KEY_FILE"]).read_text()
    exchanges = asyncio.run(record(url, database, key.strip()))
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    about = ("Business flows on a real Odoo 19.0 (the kit's freshly reset demo database): "
             "sale order -> confirm -> delivery -> invoice -> post -> payment; purchase "
             "order -> confirm -> receipt; inventory counts on stock.quant; partner "
             f"values Odoo does not check. Recorded {datetime.date.today().isoformat()} "
             "by scripts/record_flows.py.")
    out.write_text(json.dumps({"about": about, "exchanges": exchanges}, indent=1,
                              ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
