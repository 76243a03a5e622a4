"""Products and their templates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from odoo_async.testing.fake.rules.base import ModelRules
from odoo_async.testing.fake.rules.stock import product_quantities
from odoo_async.testing.fake.schema import FieldDef
from odoo_async.testing.fake.store import Record

if TYPE_CHECKING:
    from odoo_async.testing.fake.orm import Env

__all__ = ["ProductRules", "ProductTemplateRules"]


class ProductRules(ModelRules):
    """product.product: a template made with the variant, ``[code] name``."""

    def prepare(self, env: Env, row: Record, *, creating: bool) -> None:
        """A new variant without a template gets one of its name."""
        if creating and not row.get("product_tmpl_id"):
            [template] = env.create("product.template", [{"name": row.get("name") or "/"}])
            row["product_tmpl_id"] = template

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """``[code] name``."""
        code, name = row.get("default_code"), row.get("name") or ""
        return {"display_name": f"[{code}] {name}" if code else name}

    def computed(self, env: Env, row: Record, field: FieldDef) -> Any:
        """Quantities on hand and forecast, from the quants and the moves under way."""
        if field.name in ("qty_available", "virtual_available"):
            on_hand, forecast = product_quantities(env, row["id"])
            return on_hand if field.name == "qty_available" else forecast
        return super().computed(env, row, field)


class ProductTemplateRules(ModelRules):
    """product.template: goods, sold and bought, in units."""

    def defaults(self, env: Env, given: Record) -> Record:
        """A consumable, sold and purchased, in units."""
        return {"type": "consu", "service_tracking": "no", "uom_id": 1, "tracking": "none",
                "sale_ok": True, "purchase_ok": True}
