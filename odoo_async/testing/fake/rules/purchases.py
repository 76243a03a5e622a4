"""Purchase orders and their lines: ``P00001`` names, vendor prices, receipts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from odoo_async.testing.exceptions import UserError
from odoo_async.testing.fake.orm import now_string
from odoo_async.testing.fake.rules.base import ModelRules, money, next_name, parents
from odoo_async.testing.fake.rules.sales import invoice_status, transfer_status
from odoo_async.testing.fake.rules.stock import (
    RECEIPT_TYPE,
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

__all__ = ["PurchaseOrderLineRules", "PurchaseOrderRules"]


class PurchaseOrderRules(ModelRules):
    """purchase.order: a request for quotation of now, its amounts, receipt and billing
    statuses; only cancelled orders are deleted."""

    def before_unlink(self, env: Env, ids: Sequence[int]) -> None:
        """Only cancelled orders.

        Raises:
            UserError: with Odoo's message.
        """
        if any(env.db["purchase.order"].rows[i].get("state") != "cancel" for i in ids):
            raise UserError("In order to delete a purchase order, you must cancel it first.")

    def defaults(self, env: Env, given: Record) -> Record:
        """A draft of now, by the caller, received into the main warehouse."""
        now = now_string()
        return {"state": "draft", "date_order": now, "date_planned": now, "company_id": 1,
                "currency_id": 1, "user_id": env.uid, "invoice_status": "no",
                "picking_type_id": 1, "receipt_status": False}

    def prepare(self, env: Env, row: Record, *, creating: bool) -> None:
        """The next ``P00001`` name."""
        if creating and (not row.get("name") or row.get("name") == "New"):
            row["name"] = next_name(env, "P")

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """Amounts and taxes from the lines, the receipts' count and status, what is
        left to bill."""
        table = env.db["purchase.order.line"]
        lines = [table.rows[i] for i in table.ids_where("order_id", row["id"])]
        untaxed = money(sum(float(line.get("price_subtotal") or 0.0) for line in lines))
        tax = document_tax(env, lines, "product_qty")
        pickings = list(row.get("picking_ids") or [])
        return {"amount_untaxed": untaxed, "amount_tax": tax,
                "amount_total": money(untaxed + tax),
                "display_name": row.get("name") or False,
                "incoming_picking_count": len(pickings),
                "receipt_status": transfer_status(env, pickings),
                "invoice_status": invoice_status(row.get("state"), [
                    _line_invoice_status(env, line) for line in lines])}


def _line_invoice_status(env: Env, line: Record) -> str:
    """A line is to bill when more was received (or ordered, by the product's control
    policy) than billed."""
    product = env.db["product.product"].get(line.get("product_id") or 0) or {}
    billed = float(line.get("qty_invoiced") or 0.0)
    basis = float(line.get("product_qty") or 0.0) \
        if product.get("purchase_method") == "purchase" else float(line.get("qty_received")
                                                                   or 0.0)
    if basis > billed:
        return "to invoice"
    return "invoiced" if billed and billed >= float(line.get("product_qty") or 0.0) else "no"


class PurchaseOrderLineRules(ModelRules):
    """purchase.order.line: the product's name, cost and unit; subtotals; on a confirmed
    order, lines added or changed are followed by its receipt."""

    def created(self, env: Env, ids: Sequence[int]) -> None:
        """A line added to a confirmed order is received too."""
        self._follow(env, ids)

    def written(self, env: Env, ids: Sequence[int], values: Record) -> None:
        """A new quantity on a confirmed order changes what is received."""
        if "product_qty" in values:
            self._follow(env, ids)

    @staticmethod
    def _follow(env: Env, ids: Sequence[int]) -> None:
        for line_id in ids:
            line = env.db["purchase.order.line"].rows[line_id]
            order = env.db["purchase.order"].get(line.get("order_id") or 0) or {}
            if (order.get("state") != "purchase" or line.get("display_type")
                    or not is_goods(env, line.get("product_id"))):
                continue
            pickings = env.db["stock.picking"]
            open_picking = next((p for p in order.get("picking_ids") or []
                                 if pickings.rows.get(p, {}).get("state")
                                 not in (None, "done", "cancel")), None)

            def _receipt(order: Record = order) -> int:
                picking = create_transfer(env, RECEIPT_TYPE, str(order.get("name")),
                                          order.get("partner_id"), [])
                env.db["purchase.order"].update(order["id"], {"picking_ids": [
                    *(order.get("picking_ids") or []), picking]})
                return picking

            follow_line(env, StockLink("purchase_line_id", line_id), line["product_id"],
                        float(line.get("product_qty") or 0.0), open_picking, _receipt)
            env.rules.recompute(env, "purchase.order", [order["id"]])

    def defaults(self, env: Env, given: Record) -> Record:
        """One unit, nothing received or billed."""
        return {"product_qty": 1.0, "qty_received": 0.0, "qty_invoiced": 0.0,
                "product_uom_id": 1, "display_type": False}

    def prepare(self, env: Env, row: Record, *, creating: bool) -> None:
        """A new line takes the product's name, cost and unit when not given."""
        if not creating:
            return
        product = env.db["product.product"].get(row.get("product_id") or 0)
        if product is None:
            return
        if not row.get("name"):
            row["name"] = product.get("display_name") or product.get("name")
        if not row.get("price_unit"):
            row["price_unit"] = float(product.get("standard_price") or 0.0)
        row["product_uom_id"] = product.get("uom_id") or row.get("product_uom_id") or 1
        row["tax_ids"] = taxes_for_company(env, product.get("supplier_taxes_id") or [])
        order = env.db["purchase.order"].get(row.get("order_id") or 0) or {}
        row.setdefault("date_planned", order.get("date_planned") or now_string())

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """Quantity times price, and its taxes; what is left to bill."""
        base = base_amount(row, "product_qty")
        subtotal = money(base)
        tax = line_tax(env, row.get("tax_ids") or [], base)
        order = env.db["purchase.order"].get(row.get("order_id") or 0) or {}
        product = env.db["product.product"].get(row.get("product_id") or 0) or {}
        basis = float(row.get("product_qty") or 0.0) \
            if product.get("purchase_method") == "purchase" else float(
                row.get("qty_received") or 0.0)
        to_bill = basis - float(row.get("qty_invoiced") or 0.0) \
            if order.get("state") in ("purchase", "done") else 0.0
        total = money(subtotal + tax)
        return {"price_subtotal": subtotal, "price_total": total,
                "price_tax": total - subtotal,  # unrounded, as Odoo stores it
                "qty_to_invoice": to_bill,
                "display_name": row.get("name") or False}

    def dependents(self, env: Env, ids: Sequence[int]) -> list[tuple[str, list[int]]]:
        """The orders of these lines."""
        return parents(env, "purchase.order.line", ids, "order_id", "purchase.order")
