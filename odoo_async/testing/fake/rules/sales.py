"""Sales orders and their lines, the invoicing wizard."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from odoo_async.testing.exceptions import UserError
from odoo_async.testing.fake.orm import now_string
from odoo_async.testing.fake.rules.base import ModelRules, money, parents
from odoo_async.testing.fake.rules.stock import (
    DELIVERY_TYPE,
    StockLink,
    create_transfer,
    follow_line,
    is_goods,
)
from odoo_async.testing.fake.rules.taxes import (
    base_amount,
    document_tax,
    line_tax,
    taxes_for_company,
)
from odoo_async.testing.fake.store import Record

if TYPE_CHECKING:
    from odoo_async.testing.fake.orm import Env

_NAME = re.compile(r"S(\d+)")

__all__ = ["AdvancePaymentRules", "SaleOrderLineRules", "SaleOrderRules", "invoice_status"]


def invoice_status(state: Any, line_statuses: Sequence[str]) -> str:
    """An order's invoicing status from its lines' (sales and purchases alike)."""
    if state not in ("sale", "purchase", "done"):
        return "no"
    if "to invoice" in line_statuses:
        return "to invoice"
    if line_statuses and all(status == "invoiced" for status in line_statuses):
        return "invoiced"
    return "no"


def transfer_status(env: Env, picking_ids: Sequence[int]) -> str | bool:
    """``delivery_status`` / ``receipt_status``: how far an order's transfers are."""
    table = env.db["stock.picking"]
    states = [table.rows[p].get("state") for p in picking_ids if p in table.rows]
    if not states or all(state == "cancel" for state in states):
        return False
    if all(state in ("done", "cancel") for state in states):
        return "full"
    return "partial" if "done" in states else "pending"


class SaleOrderRules(ModelRules):
    """sale.order: ``S00001`` names, invoice and delivery addresses, amounts from the
    lines, only drafts and cancelled orders deleted."""

    def defaults(self, env: Env, given: Record) -> Record:
        """A draft quotation of now, by the caller, in the main company."""
        return {"state": "draft", "date_order": now_string(), "company_id": 1, "currency_id": 1,
                "user_id": env.uid, "invoice_status": "no", "picking_policy": "direct"}

    def prepare(self, env: Env, row: Record, *, creating: bool) -> None:
        """The next name; the customer as invoice and delivery address."""
        if not creating:
            return
        if not row.get("name") or row.get("name") == "/":
            row["name"] = self._next_name(env)
        for name in ("partner_invoice_id", "partner_shipping_id"):
            if not row.get(name):
                row[name] = row.get("partner_id", False)

    @staticmethod
    def _next_name(env: Env) -> str:
        """The next ``S00001``-style name: a sequence per database, as Odoo's
        ``ir.sequence`` (started after the highest name found, once)."""
        last = env.db.sequences.get("sale.order")
        if last is None:
            last = max((int(m.group(1)) for row in env.db["sale.order"].rows.values()
                        if (m := _NAME.fullmatch(str(row.get("name") or "")))), default=0)
        env.db.sequences["sale.order"] = last + 1
        return f"S{last + 1:05d}"

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """Amounts and taxes summed from the lines; invoicing and delivery statuses."""
        table = env.db["sale.order.line"]
        lines = [table.rows[i] for i in table.ids_where("order_id", row["id"])]
        untaxed = money(sum(float(line.get("price_subtotal") or 0.0) for line in lines))
        tax = document_tax(env, lines, "product_uom_qty")
        picking_ids = env.db["stock.picking"].ids_where("sale_id", row["id"])
        values: Record = {"amount_untaxed": untaxed, "amount_tax": tax,
                          "amount_total": money(untaxed + tax),
                          "display_name": row.get("name") or False}
        if row.get("state") in ("sale", "cancel"):  # drafts keep what they were given
            values["invoice_status"] = invoice_status(
                row.get("state"), [str(line.get("invoice_status")) for line in lines
                                   if not line.get("display_type")])
            values["delivery_status"] = transfer_status(env, picking_ids)
        if any("invoice_lines" in line for line in lines):
            values["invoice_ids"] = _invoices(env, lines)
        values["invoice_count"] = len(values.get("invoice_ids", row.get("invoice_ids")) or [])
        return values

    def before_unlink(self, env: Env, ids: Sequence[int]) -> None:
        """Only quotations and cancelled orders.

        Raises:
            UserError: with Odoo's message.
        """
        for record_id in ids:
            if env.db["sale.order"].rows[record_id].get("state") not in ("draft", "cancel"):
                raise UserError("You can not delete a sent quotation or a confirmed sales "
                                "order. You must first cancel it.")


LINE_LOCKED: Final = (
    "Once a sales order is confirmed, you can't remove one of its lines (we need to track "
    "if something gets invoiced or delivered).\n                Set the quantity to 0 "
    "instead.")


def _invoiced(env: Env, line: Record) -> float:
    """What a line's invoices (not cancelled) invoice of it."""
    items = env.db["account.move.line"]
    moves = env.db["account.move"]
    total = 0.0
    for item_id in line.get("invoice_lines") or []:
        item = items.get(item_id)
        if item is None:
            continue
        move = moves.get(item.get("move_id") or 0) or {}
        if move.get("state") != "cancel":
            sign = -1.0 if move.get("move_type") == "out_refund" else 1.0
            total += sign * float(item.get("quantity") or 0.0)
    return total


def _invoices(env: Env, lines: Sequence[Record]) -> list[int]:
    """The invoices of an order: those of its lines' invoice lines, cancelled ones too."""
    items = env.db["account.move.line"]
    return sorted({int(items.rows[i]["move_id"]) for line in lines
                   for i in line.get("invoice_lines") or []
                   if i in items.rows and items.rows[i].get("move_id")})


class SaleOrderLineRules(ModelRules):
    """sale.order.line: the product's name and price, subtotals, the order's amounts; on a
    confirmed order, lines added or changed are followed by its delivery and stay."""

    def created(self, env: Env, ids: Sequence[int]) -> None:
        """A line added to a confirmed order is delivered too."""
        self._follow(env, ids)

    def written(self, env: Env, ids: Sequence[int], values: Record) -> None:
        """A new quantity on a confirmed order changes what is delivered."""
        if "product_uom_qty" in values:
            self._follow(env, ids)

    @staticmethod
    def _follow(env: Env, ids: Sequence[int]) -> None:
        lines = env.db["sale.order.line"]
        for line_id in ids:
            line = lines.rows[line_id]
            order = env.db["sale.order"].get(line.get("order_id") or 0) or {}
            if (order.get("state") != "sale" or line.get("display_type")
                    or not is_goods(env, line.get("product_id"))):
                continue
            pickings = env.db["stock.picking"]
            open_picking = next((p for p in pickings.ids_where("sale_id", order["id"])
                                 if pickings.rows[p].get("state") not in ("done", "cancel")),
                                None)
            follow_line(env, StockLink("sale_line_id", line_id), line["product_id"],
                        float(line.get("product_uom_qty") or 0.0), open_picking,
                        lambda order=order: create_transfer(  # type: ignore[misc]
                            env, DELIVERY_TYPE, str(order.get("name")),
                            order.get("partner_shipping_id") or order.get("partner_id"), [],
                            {"sale_id": order["id"]}))
            env.rules.recompute(env, "sale.order", [order["id"]])

    def before_unlink(self, env: Env, ids: Sequence[int]) -> None:
        """A confirmed order's lines stay.

        Raises:
            UserError: with Odoo's message.
        """
        for line_id in ids:
            line = env.db["sale.order.line"].rows[line_id]
            order = env.db["sale.order"].get(line.get("order_id") or 0) or {}
            if order.get("state") == "sale" and not line.get("display_type"):
                raise UserError(LINE_LOCKED)

    def defaults(self, env: Env, given: Record) -> Record:
        """One unit, no discount."""
        return {"product_uom_qty": 1.0, "sequence": 10, "discount": 0.0, "customer_lead": 0.0}

    def prepare(self, env: Env, row: Record, *, creating: bool) -> None:
        """A new line takes the product's name and sales price when not given."""
        if not creating:
            return
        if row.get("display_type"):  # a section or a note: nothing to sell
            row.update(product_uom_qty=0.0, price_unit=0.0, product_id=False)
            return
        product = env.db["product.product"].get(row.get("product_id") or 0)
        if product is not None:
            if not row.get("name"):
                row["name"] = product.get("display_name") or product.get("name")
            if not row.get("price_unit"):
                row["price_unit"] = product.get("list_price", 0.0)
            row["tax_ids"] = taxes_for_company(env, product.get("taxes_id") or [])

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """Quantity times price, less the discount, and its taxes; what is left to invoice
        (ordered or delivered, by the product's invoicing policy)."""
        ordered = float(row.get("product_uom_qty") or 0.0)
        base = base_amount(row, "product_uom_qty")
        subtotal = money(base)
        tax = line_tax(env, row.get("tax_ids") or [], base)
        total = money(subtotal + tax)
        values: Record = {"price_subtotal": subtotal, "price_total": total,
                          "price_tax": total - subtotal,  # unrounded, as Odoo stores it
                          "display_name": row.get("name") or False}
        order = env.db["sale.order"].get(row.get("order_id") or 0) or {}
        if order.get("state") not in ("sale", "cancel"):
            return values
        product = env.db["product.product"].get(row.get("product_id") or 0) or {}
        invoiced = float(row.get("qty_invoiced") or 0.0)
        if "invoice_lines" in row:  # invoiced here (demo lines keep what was recorded)
            invoiced = _invoiced(env, row)
            values["qty_invoiced"] = invoiced
        delivered = float(row.get("qty_delivered") or 0.0)
        basis = ordered if product.get("invoice_policy", "order") == "order" else delivered
        to_invoice = basis - invoiced if order.get("state") == "sale" else 0.0
        values["qty_to_invoice"] = to_invoice
        values["invoice_status"] = ("no" if order.get("state") != "sale" else
                                    "to invoice" if to_invoice else
                                    "invoiced" if invoiced >= ordered else "no")
        return values

    def dependents(self, env: Env, ids: Sequence[int]) -> list[tuple[str, list[int]]]:
        """The orders of these lines (their amounts)."""
        return parents(env, "sale.order.line", ids, "order_id", "sale.order")


class AdvancePaymentRules(ModelRules):
    """sale.advance.payment.inv: invoices the orders of the context's ``active_ids``."""

    def defaults(self, env: Env, given: Record) -> Record:
        """Invoice what was delivered."""
        return {"advance_payment_method": "delivered"}

    def prepare(self, env: Env, row: Record, *, creating: bool) -> None:
        """The orders are the context's ``active_ids``."""
        if creating:
            active = [i for i in env.context.get("active_ids") or [] if isinstance(i, int)]
            env.ensure_exist("sale.order", active)
            row["sale_order_ids"] = active
