"""Stock: quants, transfers and their moves, reservation, inventory counts.

What a real Odoo 19 was recorded doing (tests/fixtures/exchanges-flows.json): a move
reserves what the internal locations under its source hold; validating a transfer moves
the quantities (the source's quant goes down, below zero outside the warehouse), then
tries again to reserve the moves still waiting for those products; applying a count
moves the difference from or to the inventory adjustment location.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from odoo_async.testing.exceptions import AccessError, UserError, ValidationError
from odoo_async.testing.fake.orm import now_string
from odoo_async.testing.fake.rules.base import ModelRules, next_name
from odoo_async.testing.fake.store import Record

if TYPE_CHECKING:
    from odoo_async.testing.fake.orm import Env

__all__ = ["DELIVERY_TYPE", "INVENTORY_LOCATION", "RECEIPT_TYPE", "MoveRules", "PickingRules",
           "QuantRules", "StockLink", "apply_inventory", "cancel_pickings", "create_transfer",
           "find_quant", "follow_line", "is_goods", "product_quantities", "reserve_pickings",
           "validate_pickings"]

RECEIPT_TYPE: Final = 1
"""The main warehouse's receipts (from Vendors to WH/Stock)."""
DELIVERY_TYPE: Final = 2
"""The main warehouse's deliveries (from WH/Stock to Customers)."""
INVENTORY_LOCATION: Final = 13
"""The main company's "Inventory adjustment" location."""
WAITING: Final = ("confirmed", "partially_available")
ZERO_QUANTITY: Final = (
    "Transfer trouble alert! Validating a zero quantity transfer? You're not moving "
    "invisible goods around are you?\nSet some quantities and let's get moving!")
DONE_MOVE: Final = ("You cannot cancel a stock move that has been set to 'Done'. Create a "
                    "return in order to reverse the moves which took place.")
NOT_STORABLE: Final = "Quants cannot be created for consumables or services."
NO_BACKORDERS: Final = (
    "The fake Odoo server does not emulate backorders: validate a transfer only once "
    "every move's whole quantity is reserved.")


def _internal_under(env: Env, location_id: int) -> set[int]:
    """The internal locations at or under ``location_id``."""
    table = env.db["stock.location"]
    root = table.get(location_id)
    if root is None:
        return set()
    prefix = str(root.get("complete_name") or "")
    return {rid for rid, row in table.rows.items()
            if row.get("usage") == "internal"
            and (rid == location_id or str(row.get("complete_name") or "")
                 .startswith(prefix + "/"))}


def _is_internal(env: Env, location_id: int) -> bool:
    row = env.db["stock.location"].get(location_id)
    return row is not None and row.get("usage") == "internal"


def is_goods(env: Env, product_id: Any) -> bool:
    """Whether a product is goods (moved by transfers), not a service or a combo."""
    product = env.db["product.product"].get(product_id or 0)
    return product is not None and product.get("type", "consu") == "consu"


def _storable(env: Env, product_id: int) -> bool:
    """Whether the product's stock is tracked (only those have quants and reservations)."""
    product = env.db["product.product"].get(product_id) or {}
    return bool(product.get("is_storable"))


def find_quant(env: Env, product_id: Any, location_id: Any) -> int | None:
    """The quant of a product in a location, if there is one."""
    table = env.db["stock.quant"]
    return next((rid for rid in table.ids_where("product_id", product_id)
                 if table.rows[rid].get("location_id") == location_id), None)


def _quant(env: Env, product_id: int, location_id: int) -> int:
    """The quant of a product in a location, made when there is none."""
    found = find_quant(env, product_id, location_id)
    if found is not None:
        return found
    return env.db["stock.quant"].insert(env.rules.defaults(env, "stock.quant", {}) | {
        "product_id": product_id, "location_id": location_id, "company_id": 1,
        "create_date": now_string(), "write_date": now_string(),
        "create_uid": env.uid, "write_uid": env.uid})


def _quants(env: Env, product_id: int, locations: set[int]) -> list[Record]:
    table = env.db["stock.quant"]
    return [table.rows[rid] for rid in table.ids_where("product_id", product_id)
            if table.rows[rid].get("location_id") in locations]


def _reserve(env: Env, move_ids: Iterable[int]) -> None:
    """Reserve what the source holds for moves that wait for it."""
    moves = env.db["stock.move"]
    quants = env.db["stock.quant"]
    for move_id in move_ids:
        move = moves.rows[move_id]
        if move.get("state") not in (*WAITING, "draft"):
            continue
        demand = float(move.get("product_uom_qty") or 0.0)
        reserved = float(move.get("quantity") or 0.0)
        if not _is_internal(env, move["location_id"]) or not _storable(env,
                                                                      move["product_id"]):
            reserved = demand  # from outside the warehouse, or not tracked: no reservation
        else:
            for quant in _quants(env, move["product_id"],
                                 _internal_under(env, move["location_id"])):
                free = float(quant.get("quantity") or 0.0) - float(
                    quant.get("reserved_quantity") or 0.0)
                take = min(free, demand - reserved)
                if take <= 0:
                    continue
                quants.update(quant["id"], {"reserved_quantity": float(
                    quant.get("reserved_quantity") or 0.0) + take})
                reserved += take
        state = ("assigned" if reserved >= demand else
                 "partially_available" if reserved > 0 else "confirmed")
        moves.update(move_id, {"quantity": reserved, "state": state})
    _picking_states(env, {moves.rows[m].get("picking_id") for m in move_ids})


def _unreserve(env: Env, move_ids: Iterable[int]) -> None:
    """Give back what moves reserved (they are cancelled or deleted)."""
    moves = env.db["stock.move"]
    quants = env.db["stock.quant"]
    for move_id in move_ids:
        move = moves.rows[move_id]
        if not _storable(env, move["product_id"]):
            continue
        left = float(move.get("quantity") or 0.0) if move.get("state") in (
            "assigned", "partially_available") and _is_internal(env, move["location_id"]) \
            else 0.0
        for quant in _quants(env, move["product_id"], _internal_under(env, move["location_id"])):
            reserved = float(quant.get("reserved_quantity") or 0.0)
            take = min(reserved, left)
            if take > 0:
                quants.update(quant["id"], {"reserved_quantity": reserved - take})
                left -= take


def reserve_pickings(env: Env, ids: Sequence[int]) -> None:
    """``action_assign``: reserve what the transfers' waiting moves need."""
    moves = env.db["stock.move"]
    _reserve(env, [m for p in ids for m in moves.ids_where("picking_id", p)])


def cancel_pickings(env: Env, ids: Sequence[int], *, strict: bool = False) -> None:
    """Cancel transfers that are not done, and give back what they reserved.

    Raises:
        UserError: ``strict`` and a transfer has a done move (Odoo's message).
    """
    moves = env.db["stock.move"]
    if strict and any(moves.rows[m].get("state") == "done" for p in ids
                      for m in moves.ids_where("picking_id", p)):
        raise UserError(DONE_MOVE)
    for picking_id in ids:
        if env.db["stock.picking"].rows[picking_id].get("state") in ("done", "cancel"):
            continue
        own = moves.ids_where("picking_id", picking_id)
        _unreserve(env, own)
        for move_id in own:
            if moves.rows[move_id].get("state") != "done":
                moves.update(move_id, {"state": "cancel", "quantity": 0.0})
        env.db["stock.picking"].update(picking_id, {"state": "cancel"})


def _picking_states(env: Env, picking_ids: Iterable[Any]) -> None:
    """A transfer is ready when any of its moves is (moves ship as soon as possible)."""
    moves = env.db["stock.move"]
    for picking_id in picking_ids:
        if not picking_id:
            continue
        states = {moves.rows[m].get("state") for m in moves.ids_where("picking_id", picking_id)}
        if states and states <= {"done", "cancel"}:
            state = "done" if "done" in states else "cancel"
        elif states & {"assigned", "partially_available"}:
            state = "assigned"
        else:
            state = "confirmed"
        env.db["stock.picking"].update(picking_id, {"state": state})


@attrs.frozen
class StockLink:
    """What a move comes from: the order line (``field`` names the move's many2one to
    it, ``sale_line_id`` or ``purchase_line_id``) it moves goods for."""

    field: str
    line_id: int


def create_transfer(env: Env, picking_type_id: int, origin: str, partner_id: Any,
                    lines: Sequence[tuple[int, float, StockLink]],
                    extra: Record | None = None) -> int:
    """A transfer of ``picking_type_id`` with one move per ``(product, quantity, link)``,
    confirmed and reserved; its id."""
    kind = env.db["stock.picking.type"].rows[picking_type_id]
    source = kind["default_location_src_id"]
    destination = kind["default_location_dest_id"]
    prefix = "WH/IN/" if kind.get("code") == "incoming" else "WH/OUT/"
    now = now_string()
    picking = env.db["stock.picking"].insert(env.rules.defaults(env, "stock.picking", {}) | {
        "name": next_name(env, prefix), "picking_type_id": picking_type_id,
        "location_id": source, "location_dest_id": destination, "origin": origin,
        "partner_id": partner_id, "state": "confirmed", "scheduled_date": now,
        "move_type": "direct", "priority": "0", "company_id": 1, "create_date": now,
        "write_date": now, "create_uid": env.uid, "write_uid": env.uid, **(extra or {})})
    env.db["stock.picking"].update(picking, {"display_name": env.db["stock.picking"]
                                             .rows[picking]["name"]})
    _reserve(env, [_add_move(env, picking, product_id, quantity, link)
                   for product_id, quantity, link in lines])
    return picking


def _add_move(env: Env, picking_id: int, product_id: int, quantity: float,
              link: StockLink) -> int:
    """A confirmed move of ``quantity`` in a transfer, for an order line; its id."""
    picking = env.db["stock.picking"].rows[picking_id]
    name = env.display_name("product.product", product_id)
    now = now_string()
    return env.db["stock.move"].insert(env.rules.defaults(env, "stock.move", {}) | {
        "product_id": product_id, "product_uom_qty": quantity, "product_uom": 1,
        "quantity": 0.0, "state": "confirmed", "location_id": picking["location_id"],
        "location_dest_id": picking["location_dest_id"], "picking_id": picking_id,
        "picking_type_id": picking["picking_type_id"], "origin": picking.get("origin"),
        "partner_id": picking.get("partner_id"), "name": name, "display_name": name,
        "date": now, "company_id": 1, "priority": "0", link.field: link.line_id, "create_date": now,
        "write_date": now, "create_uid": env.uid, "write_uid": env.uid})


def follow_line(env: Env, link: StockLink, product_id: int, quantity: float,
                open_picking: int | None, new_picking: Callable[[], int]) -> None:
    """Keep an order line's moves at its quantity once the order is confirmed (a line
    added or changed later): the open move grows or shrinks, or a move is added to the
    order's open transfer (``open_picking``), or to a new one (``new_picking``)."""
    moves = env.db["stock.move"]
    own = [moves.rows[m] for m in moves.ids_where(link.field, link.line_id)]
    done = sum(float(m.get("quantity") or 0.0) for m in own if m.get("state") == "done")
    wanted = quantity - done
    waiting = [m for m in own if m.get("state") not in ("done", "cancel")]
    if waiting:
        move = waiting[0]
        _unreserve(env, [move["id"]])
        if wanted <= 0:
            moves.update(move["id"], {"state": "cancel", "quantity": 0.0})
            _picking_states(env, [move.get("picking_id")])
            return
        moves.update(move["id"], {"product_uom_qty": wanted, "quantity": 0.0,
                                  "state": "confirmed"})
        _reserve(env, [move["id"]])
        return
    if wanted <= 0:
        return
    picking = open_picking if open_picking is not None else new_picking()
    _reserve(env, [_add_move(env, picking, product_id, wanted, link)])


def _move_quantity(env: Env, move: Record) -> None:
    """Move a done move's quantity: out of the quants under an internal source (what
    they reserved first), or below zero at an outside one; into the destination's."""
    left = float(move.get("quantity") or 0.0)
    quants = env.db["stock.quant"]
    if not _storable(env, move["product_id"]):
        return  # no quants for what is not tracked
    if _is_internal(env, move["location_id"]):
        for quant in _quants(env, move["product_id"], _internal_under(env, move["location_id"])):
            held = float(quant.get("quantity") or 0.0)
            take = min(left, held)
            if take <= 0:
                continue
            reserved = float(quant.get("reserved_quantity") or 0.0)
            quants.update(quant["id"], {"quantity": held - take,
                                        "reserved_quantity": max(0.0, reserved - take)})
            left -= take
    if left > 0:
        source = _quant(env, move["product_id"], move["location_id"])
        quants.update(source, {"quantity": float(quants.rows[source].get("quantity") or 0.0)
                               - left})
    destination = _quant(env, move["product_id"], move["location_dest_id"])
    quants.update(destination, {"quantity": float(
        quants.rows[destination].get("quantity") or 0.0) + float(move.get("quantity") or 0.0)})


def _tell_order_lines(env: Env, moves: Sequence[Record]) -> None:
    """Delivered and received quantities of the order lines the moves were made for."""
    for field, model, quantity_field in (("sale_line_id", "sale.order.line", "qty_delivered"),
                                         ("purchase_line_id", "purchase.order.line",
                                          "qty_received")):
        lines = env.db[model]
        touched = []
        for move in moves:
            line_id = move.get(field)
            if line_id and line_id in lines:
                done = float(lines.rows[line_id].get(quantity_field) or 0.0)
                lines.update(line_id, {quantity_field: done + float(move.get("quantity") or 0.0)})
                touched.append(line_id)
        if touched:
            env.rules.recompute(env, model, touched)


def _done(env: Env, move_ids: Sequence[int]) -> None:
    """Finish moves: quantities moved, order lines told, waiting moves reserved again."""
    moves = env.db["stock.move"]
    now = now_string()
    products = set()
    for move_id in move_ids:
        move = moves.rows[move_id]
        _move_quantity(env, move)
        moves.update(move_id, {"state": "done", "date": now, "picked": True})
        products.add(move["product_id"])
    _tell_order_lines(env, [moves.rows[m] for m in move_ids])
    waiting = sorted(m for p in products for m in moves.ids_where("product_id", p)
                     if moves.rows[m].get("state") in WAITING)
    _reserve(env, waiting)


def validate_pickings(env: Env, ids: Sequence[int]) -> bool:
    """``button_validate``: do the transfers whose moves are all reserved.

    Raises:
        UserError: nothing reserved (Odoo's message), or only part of it (no backorders
            in the fake).
    """
    pickings = env.db["stock.picking"]
    moves = env.db["stock.move"]
    todo = [p for p in ids if pickings.rows[p].get("state") not in ("done", "cancel")]
    for picking_id in todo:
        own = [moves.rows[m] for m in moves.ids_where("picking_id", picking_id)]
        if not any(float(m.get("quantity") or 0.0) for m in own):
            raise UserError(ZERO_QUANTITY)
        if any(float(m.get("quantity") or 0.0) < float(m.get("product_uom_qty") or 0.0)
               for m in own):
            raise UserError(NO_BACKORDERS)
    for picking_id in todo:
        _done(env, moves.ids_where("picking_id", picking_id))
        pickings.update(picking_id, {"state": "done", "date_done": now_string()})
    return True


def apply_inventory(env: Env, ids: Sequence[int]) -> None:
    """``action_apply_inventory``: each quant's difference with its count moved from or to
    the inventory adjustment location (a quant with no count set is counted at zero, as
    Odoo's ``_apply_inventory`` does)."""
    quants = env.db["stock.quant"]
    moves = []
    for quant_id in ids:
        quant = quants.rows[quant_id]
        difference = float(quant.get("inventory_quantity") or 0.0) - float(
            quant.get("quantity") or 0.0)
        source, destination = ((INVENTORY_LOCATION, quant["location_id"]) if difference > 0
                               else (quant["location_id"], INVENTORY_LOCATION))
        now = now_string()
        name = "Product Quantity Updated"
        move = env.db["stock.move"].insert(env.rules.defaults(env, "stock.move", {}) | {
            "product_id": quant["product_id"], "product_uom_qty": abs(difference),
            "product_uom": 1, "quantity": abs(difference), "state": "assigned",
            "location_id": source, "location_dest_id": destination, "name": name,
            "display_name": name, "is_inventory": True, "date": now, "company_id": 1,
            "create_date": now, "write_date": now, "create_uid": env.uid,
            "write_uid": env.uid})
        quants.update(quant_id, {"inventory_quantity": 0.0, "inventory_quantity_set": False,
                                 "inventory_diff_quantity": 0.0, "user_id": False})
        moves.append(move)
    _done(env, moves)


def product_quantities(env: Env, product_id: int) -> dict[str, float]:
    """A product's ``qty_available`` (on hand in the warehouses), ``free_qty`` (not
    reserved), ``incoming_qty`` and ``outgoing_qty`` (moves under way) and
    ``virtual_available`` (the forecast)."""
    locations = env.db["stock.location"]
    internal = {rid for rid, row in locations.rows.items() if row.get("usage") == "internal"}
    quants = _quants(env, product_id, internal)
    on_hand = sum(float(q.get("quantity") or 0.0) for q in quants)
    reserved = sum(float(q.get("reserved_quantity") or 0.0) for q in quants)
    moves = env.db["stock.move"]
    incoming = outgoing = 0.0
    for move_id in moves.ids_where("product_id", product_id):
        move = moves.rows[move_id]
        if move.get("state") in ("done", "cancel", "draft"):
            continue
        into, out = move["location_dest_id"] in internal, move["location_id"] in internal
        if into and not out:
            incoming += float(move.get("product_uom_qty") or 0.0)
        elif out and not into:
            outgoing += float(move.get("product_uom_qty") or 0.0)
    return {"qty_available": on_hand, "free_qty": on_hand - reserved,
            "incoming_qty": incoming, "outgoing_qty": outgoing,
            "virtual_available": on_hand + incoming - outgoing}


class QuantRules(ModelRules):
    """stock.quant: counts (``inventory_quantity``) and their difference."""

    def defaults(self, env: Env, given: Record) -> Record:
        """Nothing on hand, nothing counted, in the main company from now."""
        return {"in_date": now_string(), "company_id": 1, "quantity": 0.0,
                "reserved_quantity": 0.0, "inventory_quantity": 0.0,
                "inventory_diff_quantity": 0.0, "inventory_quantity_set": False}

    def before_unlink(self, env: Env, ids: Sequence[int]) -> None:
        """No group may delete quants (their quantities come from moves).

        Raises:
            AccessError: with Odoo's message.
        """
        raise AccessError("You are not allowed to delete 'Quants' (stock.quant) records.\n\n"
                          "No group currently allows this operation.\n\n"
                          "Contact your administrator to request access if necessary.")

    def check(self, env: Env, ids: Sequence[int]) -> None:
        """Only storable products have quants.

        Raises:
            ValidationError: with Odoo's message.
        """
        products = env.db["product.product"]
        for quant_id in ids:
            product = products.get(env.db["stock.quant"].rows[quant_id].get("product_id") or 0)
            if product is not None and not product.get("is_storable"):
                raise ValidationError(NOT_STORABLE)

    def prepare(self, env: Env, row: Record, *, creating: bool) -> None:
        """A count given marks the quant as counted, by the caller."""
        if "inventory_quantity" in row:
            row["inventory_quantity_set"] = True
            if creating:
                row["user_id"] = env.uid

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """The counted difference; the product and location as its name."""
        difference = (float(row.get("inventory_quantity") or 0.0)
                      - float(row.get("quantity") or 0.0)) \
            if row.get("inventory_quantity_set") else 0.0
        location = env.display_name("stock.location", row.get("location_id") or 0)
        return {"inventory_diff_quantity": difference,
                "display_name": location if isinstance(location, str) else False}


class PickingRules(ModelRules):
    """stock.picking: the operation's code; done transfers stay."""

    def before_unlink(self, env: Env, ids: Sequence[int]) -> None:
        """A transfer with a done move stays; the others take their moves with them.

        Raises:
            UserError: with Odoo's message.
        """
        moves = env.db["stock.move"]
        own = [m for p in ids for m in moves.ids_where("picking_id", p)]
        if any(moves.rows[m].get("state") == "done" for m in own):
            raise UserError(DONE_MOVE)
        _unreserve(env, own)
        for move_id in own:
            moves.delete(move_id)

    def computed(self, env: Env, row: Record, field: Any) -> Any:
        """``picking_type_code`` from the operation type."""
        if field.name == "picking_type_code":
            kind = env.db["stock.picking.type"].get(row.get("picking_type_id") or 0)
            return kind.get("code", False) if kind else False
        return super().computed(env, row, field)


class MoveRules(ModelRules):
    """stock.move: its product as its name; done moves stay."""

    def before_unlink(self, env: Env, ids: Sequence[int]) -> None:
        """Done moves stay.

        Raises:
            UserError: with Odoo's message.
        """
        if any(env.db["stock.move"].rows[m].get("state") == "done" for m in ids):
            raise UserError(DONE_MOVE)
        _unreserve(env, ids)

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """The product's name."""
        return {"display_name": row.get("display_name") or row.get("name") or False}
