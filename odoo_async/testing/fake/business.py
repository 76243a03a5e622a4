"""Business rules of the models the fake server seeds: defaults, computed fields,
constraints and deletion rules, with the messages Odoo uses."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from odoo_async.testing.exceptions import UserError, ValidationError
from odoo_async.testing.fake.orm import now_string
from odoo_async.testing.fake.schema import FieldDef
from odoo_async.testing.fake.store import Record

if TYPE_CHECKING:
    from odoo_async.testing.fake.orm import Env

__all__ = ["PARTNER_NAME_REQUIRED", "Rules"]

PARTNER_NAME_REQUIRED: Final = "Contacts require a name"
SQL_CONSTRAINT_PREFIX: Final = "The operation cannot be completed: "


def _today() -> str:
    return now_string()[:10]


class Rules:
    """What is specific to each model. Generic defaults apply to every model."""

    def __init__(self) -> None:
        self._generic: dict[str, tuple[Any, Record, bool]] = {}

    def inverse_fields(self, model: str) -> frozenset[str]:
        """Non-stored fields that may be written (they set stored ones)."""
        return frozenset({"company_type"}) if model == "res.partner" else frozenset()

    # -- defaults ----------------------------------------------------------------------

    def defaults(self, env: Env, model: str, given: Record) -> Record:
        """Default values for a new record of ``model`` (before ``given`` is applied)."""
        definition = env.model(model)
        cached = self._generic.get(model)
        if cached is None or cached[0] is not definition:
            template = {field.name: _generic_default(field)
                        for field in definition.fields.values()
                        if field.store and not field.x2many}
            mutable = any(isinstance(v, (list, dict)) for v in template.values())
            cached = self._generic[model] = (definition, template, mutable)
        row: Record = copy.deepcopy(cached[1]) if cached[2] else dict(cached[1])
        row.update(self._meaningful_defaults(env, model, given))
        return row

    def default_get(self, env: Env, model: str, fields: Sequence[str]) -> dict[str, Any]:
        """What ``default_get`` answers: only fields that have a meaningful default."""
        values = self._meaningful_defaults(env, model, {})
        return {name: values[name] for name in fields if name in values}

    def _meaningful_defaults(self, env: Env, model: str, given: Record) -> Record:
        """``active`` and the model's own defaults (``_defaults_<model>``)."""
        values: Record = {"active": True} if env.model(model).has_active else {}
        specific = getattr(self, "_defaults_" + model.replace(".", "_"), None)
        if specific is not None:
            values.update(specific(env, given))
        return values

    def _defaults_res_partner(self, env: Env, given: Record) -> Record:
        return {"type": "contact", "lang": env.context.get("lang") or "en_US",
                "autopost_bills": "ask", "customer_rank": 0, "supplier_rank": 0}

    def _defaults_sale_order(self, env: Env, given: Record) -> Record:
        return {"state": "draft", "date_order": now_string(), "company_id": 1, "currency_id": 1,
                "user_id": env.uid, "invoice_status": "no", "picking_policy": "direct"}

    def _defaults_sale_order_line(self, env: Env, given: Record) -> Record:
        return {"product_uom_qty": 1.0, "sequence": 10, "discount": 0.0, "customer_lead": 0.0}

    def _defaults_res_users(self, env: Env, given: Record) -> Record:
        return {"company_id": 1, "notification_type": "email", "lang": "en_US"}

    def _defaults_account_move(self, env: Env, given: Record) -> Record:
        return {"date": _today(), "state": "draft", "move_type": "entry", "journal_id": 1,
                "auto_post": "no", "currency_id": 1}

    def _defaults_account_move_line(self, env: Env, given: Record) -> Record:
        return {"currency_id": 1, "display_type": "product"}

    def _defaults_product_template(self, env: Env, given: Record) -> Record:
        return {"type": "consu", "service_tracking": "no", "uom_id": 1, "tracking": "none",
                "sale_ok": True, "purchase_ok": True}

    def _defaults_sale_advance_payment_inv(self, env: Env, given: Record) -> Record:
        return {"advance_payment_method": "delivered"}

    # -- before saving -----------------------------------------------------------------

    def prepare(self, env: Env, model: str, row: Record, *, creating: bool,
                record_id: int | None = None) -> None:
        """Adjust values about to be saved (``row`` holds only what changes on write)."""
        if model == "res.partner":
            if "company_type" in row:
                row["is_company"] = row.pop("company_type") == "company"
        elif model == "sale.order" and creating:
            if not row.get("name") or row.get("name") == "/":
                row["name"] = self._next_order_name(env)
            for name in ("partner_invoice_id", "partner_shipping_id"):
                if not row.get(name):
                    row[name] = row.get("partner_id", False)
        elif model == "sale.order.line" and creating:
            product = env.db["product.product"].get(row.get("product_id") or 0)
            if product is not None:
                if not row.get("name"):
                    row["name"] = product.get("display_name") or product.get("name")
                if not row.get("price_unit"):
                    row["price_unit"] = product.get("list_price", 0.0)
        elif model == "product.product" and creating and not row.get("product_tmpl_id"):
            [template] = env.create("product.template", [{"name": row.get("name") or "/"}])
            row["product_tmpl_id"] = template
        elif model == "sale.advance.payment.inv" and creating:
            active = env.context.get("active_ids") or []
            row["sale_order_ids"] = [i for i in active if isinstance(i, int)]

    def _next_order_name(self, env: Env) -> str:
        numbers = [int(m.group(1)) for row in env.db["sale.order"].rows.values()
                   if (m := re.fullmatch(r"S(\d+)", str(row.get("name") or "")))]
        return f"S{max(numbers, default=0) + 1:05d}"

    # -- computed fields ---------------------------------------------------------------

    def recompute(self, env: Env, model: str, ids: Sequence[int]) -> None:
        """Refresh stored computed values (names, amounts) after a change."""
        table = env.db[model]
        for record_id in ids:
            row = table.get(record_id)
            if row is None:
                continue
            values = self._computed_values(env, model, row)
            changed = {k: v for k, v in values.items() if row.get(k) != v}
            if changed:
                table.update(record_id, changed)
        if model == "res.partner":
            parents = set(ids)
            by_parent = table.index("parent_id")
            if by_parent is None:
                children = [rid for rid, row in table.rows.items()
                            if row.get("parent_id") in parents and rid not in parents]
            else:
                children = sorted({rid for parent in parents
                                   for rid in by_parent.get(parent, ()) if rid not in parents})
            if children:
                self.recompute(env, model, children)
        if model == "sale.order.line":
            orders = {table.rows[i].get("order_id") for i in ids if i in table.rows}
            self.recompute(env, "sale.order", [o for o in orders if o])

    def _computed_values(self, env: Env, model: str, row: Record) -> Record:
        if model == "res.partner":
            name = self.partner_display_name(env, row)
            return {"display_name": name, "complete_name": name,
                    "commercial_partner_id": _commercial_partner(env, row)["id"]}
        if model in ("res.partner.category", "product.category"):
            names = [str(row.get("name") or "")]
            parent_id = row.get("parent_id")
            seen = {row["id"]}
            while parent_id and parent_id not in seen:
                seen.add(parent_id)
                parent = env.db[model].get(parent_id)
                if parent is None:
                    break
                names.append(str(parent.get("name") or ""))
                parent_id = parent.get("parent_id")
            full = " / ".join(reversed(names))
            values: Record = {"display_name": full}
            if model == "product.category":
                values["complete_name"] = full
            return values
        if model == "product.product":
            code, name = row.get("default_code"), row.get("name") or ""
            return {"display_name": f"[{code}] {name}" if code else name}
        if model == "sale.order.line":
            subtotal = round(float(row.get("product_uom_qty") or 0.0)
                             * float(row.get("price_unit") or 0.0)
                             * (1.0 - float(row.get("discount") or 0.0) / 100.0), 2)
            return {"price_subtotal": subtotal, "price_total": subtotal,
                    "display_name": row.get("name") or False}
        if model == "sale.order":
            lines = [line for line in env.db["sale.order.line"].rows.values()
                     if line.get("order_id") == row["id"]]
            untaxed = round(sum(float(line.get("price_subtotal") or 0.0) for line in lines), 2)
            return {"amount_untaxed": untaxed, "amount_tax": 0.0, "amount_total": untaxed,
                    "display_name": row.get("name") or False}
        rec_name = env.model(model).rec_name
        value = row.get(rec_name)
        return {"display_name": str(value) if value not in (None, False) else False}

    def partner_display_name(self, env: Env, row: Record) -> str:
        """``"Company, Contact"`` for a contact of a company, else the name."""
        name = row.get("name") or ""
        top = _commercial_partner(env, row)
        if top is row:
            return str(name)
        if not name:
            labels = dict(env.model("res.partner").fields["type"].selection or ())
            name = labels.get(str(row.get("type")), "")
        return f"{top.get('name') or ''}, {name}"

    def computed(self, env: Env, model: str, row: Record, field: FieldDef) -> Any:
        """A non-stored field's value (what the fake can compute; else empty)."""
        if model == "res.partner" and field.name == "company_type":
            return "company" if row.get("is_company") else "person"
        return field.empty

    # -- constraints -------------------------------------------------------------------

    def check(self, env: Env, model: str, ids: Sequence[int]) -> None:
        """Constraints after create/write.

        Raises:
            ValidationError: with Odoo's message.
        """
        if model != "res.partner":
            return
        table = env.db[model]
        for record_id in ids:
            row = table.rows[record_id]
            if row.get("type", "contact") == "contact" and not row.get("name"):
                raise ValidationError(SQL_CONSTRAINT_PREFIX + PARTNER_NAME_REQUIRED)
            seen = {record_id}
            parent_id = row.get("parent_id")
            while parent_id:
                if parent_id in seen:
                    raise ValidationError("You cannot create recursive Partner hierarchies.")
                seen.add(parent_id)
                parent = table.get(parent_id)
                parent_id = parent.get("parent_id") if parent else False

    def before_unlink(self, env: Env, model: str, ids: Sequence[int]) -> None:
        """Deletion rules.

        Raises:
            UserError: with Odoo's message.
        """
        if model == "sale.order":
            for record_id in ids:
                if env.db[model].rows[record_id].get("state") not in ("draft", "cancel"):
                    raise UserError("You can not delete a sent quotation or a confirmed sales "
                                    "order. You must first cancel it.")


def _commercial_partner(env: Env, row: Record) -> Record:
    """The company a contact belongs to (walking up parents), or the contact itself."""
    current, seen = row, {row["id"]}
    while not current.get("is_company") and current.get("parent_id"):
        parent = env.db["res.partner"].get(current["parent_id"])
        if parent is None or parent["id"] in seen:
            break
        seen.add(parent["id"])
        current = parent
    return current


def _generic_default(field: FieldDef) -> Any:
    if field.type == "selection" and field.required and field.selection:
        return field.selection[0][0]
    return field.empty
