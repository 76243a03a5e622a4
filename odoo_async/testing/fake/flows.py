"""The business methods of the flows the fake emulates, as a real Odoo 19 answers them
(recorded in tests/fixtures/exchanges-flows.json): sales order -> confirm -> delivery ->
invoice -> post -> payment; purchase order -> confirm -> receipt; inventory counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from odoo_async.testing.exceptions import UserError
from odoo_async.testing.fake.methods import (
    GENERIC_METHODS,
    Call,
    MethodRegistry,
    MethodSpec,
    create,
)
from odoo_async.testing.fake.orm import Env, now_string
from odoo_async.testing.fake.rules.accounting import (
    cancel_moves,
    create_payments,
    post_moves,
    reset_to_draft,
)
from odoo_async.testing.fake.rules.stock import (
    DELIVERY_TYPE,
    RECEIPT_TYPE,
    StockLink,
    apply_inventory,
    cancel_pickings,
    create_transfer,
    find_quant,
    is_goods,
    reserve_pickings,
    validate_pickings,
)

__all__ = ["FLOW_METHODS", "default_registry"]

NOTHING_TO_INVOICE: Final = (
    "Cannot create an invoice. No items are available to invoice.\n\n"
    "To resolve this issue, please ensure that:\n"
    "   \u2022 The products have been delivered before attempting to invoice them.\n"
    "   \u2022 The invoicing policy of the product is configured correctly.\n\n"
    "If you want to invoice based on ordered quantities instead:\n"
    "   \u2022 For consumable or storable products, open the product, go to the 'General "
    "Information' tab and change the 'Invoicing Policy' from 'Delivered Quantities' to "
    "'Ordered Quantities'.\n"
    "   \u2022 For services (and other products), change the 'Invoicing Policy' to "
    "'Prepaid/Fixed Price'.\n")
# account.action_move_out_invoice_type as Odoo 19 reads it (recorded).
INVOICES_ACTION: Final[dict[str, Any]] = {
    "id": 262, "display_name": "Invoices", "name": "Invoices",
    "type": "ir.actions.act_window", "xml_id": "account.action_move_out_invoice_type",
    "path": "invoicing",
    "help": "<p class=\"o_view_nocontent_smiling_face\">\n                Create a customer "
            "invoice\n              </p><p>\n                Create invoices, register "
            "payments and keep track of the discussions with your customers.\n"
            "              </p>\n            ",
    "binding_model_id": False, "binding_type": "action",
    "binding_view_types": "list,form", "view_id": [737, "account.out.invoice.list"],
    "domain": "[('move_type', 'in', ['out_invoice', 'out_refund', 'out_receipt'])]",
    "context": {}, "res_id": 0, "res_model": "account.move", "target": "current",
    "view_mode": "list,kanban,form,activity", "mobile_view_mode": "kanban",
    "views": [[737, "list"], [False, "kanban"], [False, "form"], [False, "activity"]],
    "limit": 80, "group_ids": [], "search_view_id": [746, "account.invoice.select"],
    "embedded_action_ids": [], "filter": False, "cache": True}
INVOICE_FORM_VIEW: Final = 743


def _singleton(call: Call) -> None:
    """A wizard's action runs on one wizard.

    Raises:
        ValueError: Odoo's "Expected singleton".
    """
    if len(call.ids) != 1:
        raise ValueError(f"Expected singleton: {call.model}{tuple(call.ids)!r}")


def _rows(env: Env, model: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    env.ensure_exist(model, ids)
    return [env.db[model].rows[i] for i in ids]


def _order_lines(env: Env, model: str, order_id: int) -> list[dict[str, Any]]:
    table = env.db[model]
    return sorted((table.rows[i] for i in table.ids_where("order_id", order_id)),
                  key=lambda line: (line.get("sequence") or 0, line["id"]))


# -- sales ---------------------------------------------------------------------------


def action_confirm(call: Call) -> bool:
    """Confirm quotations into sales orders, each with a delivery of its goods."""
    env = call.env
    for row in _rows(env, call.model, call.ids):
        if row.get("state") not in ("draft", "sent"):
            raise UserError("Some orders are not in a state requiring confirmation.")
    env.write(call.model, call.ids, {"state": "sale", "date_order": now_string()})
    for order_id in call.ids:
        order = env.db["sale.order"].rows[order_id]
        lines = _order_lines(env, "sale.order.line", order_id)
        env.rules.recompute(env, "sale.order.line", [line["id"] for line in lines])
        goods = [(line["product_id"], float(line.get("product_uom_qty") or 0.0),
                  StockLink("sale_line_id", line["id"]))
                 for line in lines if is_goods(env, line.get("product_id"))]
        if goods:
            create_transfer(env, DELIVERY_TYPE, str(order.get("name")),
                            order.get("partner_shipping_id") or order.get("partner_id"),
                            goods, {"sale_id": order_id})
        env.rules.recompute(env, "sale.order", [order_id])
    return True


def action_cancel(call: Call) -> bool:
    """Cancel the orders, their draft invoices and the transfers not done yet."""
    env = call.env
    orders = _rows(env, call.model, call.ids)
    env.write(call.model, call.ids, {"state": "cancel"})
    for order in orders:
        drafts = [i for i in order.get("invoice_ids") or []
                  if env.db["account.move"].rows.get(i, {}).get("state") == "draft"]
        if drafts:
            env.write("account.move", drafts, {"state": "cancel"})
        cancel_pickings(env, env.db["stock.picking"].ids_where("sale_id", order["id"]))
    env.rules.recompute(env, call.model, call.ids)
    return True


def action_draft(call: Call) -> bool:
    """Set cancelled or sent orders back to quotations."""
    env = call.env
    drafts = [row["id"] for row in _rows(env, call.model, call.ids)
              if row.get("state") in ("cancel", "sent")]
    if drafts:
        env.write(call.model, drafts, {"state": "draft"})
    return True


def create_invoices(call: Call) -> dict[str, Any]:
    """Invoice what the wizard's orders have to invoice, one invoice per customer (orders
    of the same invoicing and delivery addresses share one, as Odoo groups them); the
    action that shows them.

    Raises:
        UserError: nothing to invoice (Odoo's message).
    """
    env = call.env
    _singleton(call)
    orders = [order_id for wizard in _rows(env, call.model, call.ids)
              for order_id in wizard.get("sale_order_ids") or []
              if order_id in env.db["sale.order"]]
    todo = {order_id: [line for line in _order_lines(env, "sale.order.line", order_id)
                       if float(line.get("qty_to_invoice") or 0.0)]
            for order_id in orders}
    if not any(todo.values()):
        raise UserError(NOTHING_TO_INVOICE)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for order_id in env.sorted_ids("sale.order", [o for o, lines in todo.items() if lines]):
        order = env.db["sale.order"].rows[order_id]
        key = (order.get("partner_invoice_id") or order.get("partner_id"),
               order.get("partner_shipping_id"), order.get("currency_id"))
        groups.setdefault(key, []).append(order_id)
    invoices = [_invoice(env, group, todo) for group in groups.values()]
    return _invoices_action(env, orders, invoices)


def _invoice(env: Env, order_ids: list[int], todo: dict[int, list[dict[str, Any]]]) -> int:
    """One invoice for ``order_ids`` (same customer), linked to them and their lines."""
    orders = [env.db["sale.order"].rows[o] for o in order_ids]
    shown = [line for o in order_ids for line in _order_lines(env, "sale.order.line", o)
             if line in todo[o] or (line.get("display_type") and not line.get("invoice_lines"))]
    commands = [[0, 0, {"product_id": line.get("product_id") or False,
                        "name": line.get("name") or "",
                        "display_type": line.get("display_type") or "product",
                        "quantity": float(line.get("qty_to_invoice") or 0.0),
                        "price_unit": line.get("price_unit") or 0.0,
                        "discount": line.get("discount") or 0.0,
                        "tax_ids": [[6, 0, list(line.get("tax_ids") or [])]],
                        "sale_line_ids": [[6, 0, [line["id"]]]]}] for line in shown]
    first = orders[0]
    [invoice] = env.create("account.move", [{
        "move_type": "out_invoice",
        "partner_id": first.get("partner_invoice_id") or first.get("partner_id"),
        "partner_shipping_id": first.get("partner_shipping_id") or False,
        "invoice_origin": ", ".join(str(o.get("name")) for o in orders),
        "ref": ", ".join(str(o.get("client_order_ref") or o.get("name")) for o in orders),
        "journal_id": 1, "currency_id": first.get("currency_id") or 1,
        "invoice_line_ids": commands}])
    moves = env.db["account.move.line"]
    for invoice_line in moves.ids_where("move_id", invoice):
        for line_id in moves.rows[invoice_line].get("sale_line_ids") or []:
            line = env.db["sale.order.line"].rows[line_id]
            env.db["sale.order.line"].update(line_id, {"invoice_lines": [
                *(line.get("invoice_lines") or []), invoice_line]})
    env.rules.recompute(env, "sale.order.line", [line["id"] for line in shown])
    return invoice


def _invoices_action(env: Env, orders: list[int], invoices: list[int]) -> dict[str, Any]:
    """``sale.order.action_view_invoice`` (Odoo 19's code, recorded answer)."""
    action = dict(INVOICES_ACTION)
    action.pop("res_id")
    if len(invoices) > 1:
        action["domain"] = [["id", "in", invoices]]
    else:
        action["views"] = [[INVOICE_FORM_VIEW, "form"]] + [
            view for view in INVOICES_ACTION["views"] if view[1] != "form"]
        action["res_id"] = invoices[0]
    context: dict[str, Any] = {"default_move_type": "out_invoice"}
    if len(orders) == 1:
        order = env.db["sale.order"].rows[orders[0]]
        context.update(default_partner_id=order.get("partner_id") or False,
                       default_partner_shipping_id=order.get("partner_shipping_id") or False,
                       default_invoice_payment_term_id=order.get("payment_term_id") or None)
    action["context"] = context
    return action


# -- accounting ----------------------------------------------------------------------


def action_post(call: Call) -> bool:
    """Post draft entries (Odoo answers False).

    Raises:
        UserError: an entry is not a draft (Odoo's message).
    """
    call.env.ensure_exist(call.model, call.ids)
    return post_moves(call.env, call.ids)


def button_draft(call: Call) -> None:
    """Reset posted or cancelled entries to draft (Odoo answers null).

    Raises:
        UserError: an entry is a draft already (Odoo's message).
    """
    call.env.ensure_exist(call.model, call.ids)
    reset_to_draft(call.env, call.ids)


def button_cancel_move(call: Call) -> None:
    """Cancel entries, posted ones reset to draft first (Odoo answers null).

    Raises:
        UserError: an entry cannot be cancelled (Odoo's message).
    """
    call.env.ensure_exist(call.model, call.ids)
    cancel_moves(call.env, call.ids)


def action_create_payments(call: Call) -> dict[str, Any]:
    """Create the wizards' payments; the action that shows them.

    Raises:
        ValueError: not one wizard (Odoo's "Expected singleton").
        ValidationError: a negative amount.
    """
    _singleton(call)
    call.env.ensure_exist(call.model, call.ids)
    return create_payments(call.env, call.ids)


# -- purchases and stock -------------------------------------------------------------


def button_confirm(call: Call) -> bool:
    """Confirm requests for quotation into purchase orders, each with a receipt."""
    env = call.env
    for order in _rows(env, call.model, call.ids):
        if order.get("state") not in ("draft", "sent"):
            continue
        env.db["purchase.order"].update(order["id"], {"state": "purchase",
                                                      "date_approve": now_string()})
        lines = _order_lines(env, "purchase.order.line", order["id"])
        env.rules.recompute(env, "purchase.order.line", [line["id"] for line in lines])
        goods = [(line["product_id"], float(line.get("product_qty") or 0.0),
                  StockLink("purchase_line_id", line["id"]))
                 for line in lines if is_goods(env, line.get("product_id"))]
        if goods:
            picking = create_transfer(env, RECEIPT_TYPE, str(order.get("name")),
                                      order.get("partner_id"), goods)
            env.db["purchase.order"].update(order["id"], {"picking_ids": [
                *(order.get("picking_ids") or []), picking]})
        env.rules.recompute(env, "purchase.order", [order["id"]])
    return True


def button_cancel_purchase(call: Call) -> None:
    """Cancel purchase orders and their receipts not done yet (Odoo answers null)."""
    env = call.env
    orders = _rows(env, call.model, call.ids)
    for order in orders:
        cancel_pickings(env, list(order.get("picking_ids") or []))
        env.db["purchase.order"].update(order["id"], {"state": "cancel"})
    env.rules.recompute(env, "purchase.order.line",
                        [line["id"] for order in orders
                         for line in _order_lines(env, "purchase.order.line", order["id"])])


def action_assign(call: Call) -> bool:
    """Reserve what the transfers need."""
    call.env.ensure_exist(call.model, call.ids)
    reserve_pickings(call.env, call.ids)
    return True


def action_cancel_picking(call: Call) -> bool:
    """Cancel transfers.

    Raises:
        UserError: a transfer is done (Odoo's message).
    """
    call.env.ensure_exist(call.model, call.ids)
    cancel_pickings(call.env, call.ids, strict=True)
    orders = {call.env.db["stock.picking"].rows[p].get("sale_id") for p in call.ids}
    call.env.rules.recompute(call.env, "sale.order", sorted(o for o in orders if o))
    return True


def button_validate(call: Call) -> bool:
    """Validate transfers whose quantities are reserved.

    Raises:
        UserError: nothing to move (Odoo's message), or part of it (no backorders).
    """
    call.env.ensure_exist(call.model, call.ids)
    result = validate_pickings(call.env, call.ids)
    orders = {call.env.db["stock.picking"].rows[p].get("sale_id") for p in call.ids}
    purchases = [rid for rid, row in call.env.db["purchase.order"].rows.items()
                 if set(row.get("picking_ids") or []) & set(call.ids)]
    call.env.rules.recompute(call.env, "sale.order", sorted(o for o in orders if o))
    call.env.rules.recompute(call.env, "purchase.order", purchases)
    return result


def create_quants(call: Call, vals_list: Any) -> list[int]:
    """``stock.quant.create``: in inventory mode, a count of a product where a quant
    already holds it updates that quant (Odoo answers its id)."""
    env = call.env
    if not env.context.get("inventory_mode") or not isinstance(vals_list, list):
        return create(call, vals_list)
    ids = []
    for vals in vals_list:
        existing = find_quant(env, vals.get("product_id"), vals.get("location_id")) \
            if isinstance(vals, dict) else None
        if existing is None:
            ids.extend(create(call, [vals]))
        else:
            env.write("stock.quant", [existing], {
                k: v for k, v in vals.items() if k not in ("product_id", "location_id")}
                | {"user_id": env.uid})
            ids.append(existing)
    return ids


def action_apply_inventory(call: Call, date: Any = None) -> None:
    """Apply the counts of the quants (Odoo answers null)."""
    del date  # Odoo can date the moves in the past; the fake dates them now
    call.env.ensure_exist(call.model, call.ids)
    apply_inventory(call.env, call.ids)
    call.env.rules.recompute(call.env, "stock.quant", call.ids)


FLOW_METHODS: Final = (
    MethodSpec("action_confirm", action_confirm, models=frozenset({"sale.order"})),
    MethodSpec("action_cancel", action_cancel, models=frozenset({"sale.order"})),
    MethodSpec("action_draft", action_draft, models=frozenset({"sale.order"})),
    MethodSpec("create_invoices", create_invoices,
               models=frozenset({"sale.advance.payment.inv"})),
    MethodSpec("action_post", action_post, models=frozenset({"account.move"})),
    MethodSpec("action_create_payments", action_create_payments,
               models=frozenset({"account.payment.register"})),
    MethodSpec("button_draft", button_draft, models=frozenset({"account.move"})),
    MethodSpec("button_cancel", button_cancel_move, models=frozenset({"account.move"})),
    MethodSpec("button_confirm", button_confirm, models=frozenset({"purchase.order"})),
    MethodSpec("button_cancel", button_cancel_purchase, models=frozenset({"purchase.order"})),
    MethodSpec("action_assign", action_assign, models=frozenset({"stock.picking"})),
    MethodSpec("action_cancel", action_cancel_picking, models=frozenset({"stock.picking"})),
    MethodSpec("button_validate", button_validate, models=frozenset({"stock.picking"})),
    MethodSpec("create", create_quants, model_method=True, operation="create",
               models=frozenset({"stock.quant"})),
    MethodSpec("action_apply_inventory", action_apply_inventory,
               models=frozenset({"stock.quant"})),
)
"""The flows' methods, registered by :func:`default_registry`."""


def default_registry() -> MethodRegistry:
    """The methods every fake server starts with: the ORM's, then the flows'."""
    registry = MethodRegistry()
    for spec in (*GENERIC_METHODS, *FLOW_METHODS):
        registry.register(spec)
    return registry
