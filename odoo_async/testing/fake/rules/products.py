"""Products and their templates: a variant shows its template's fields (Odoo's
``_inherits``), and writing them on either writes both."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from odoo_async.testing.fake.rules.base import ModelRules
from odoo_async.testing.fake.rules.stock import product_quantities
from odoo_async.testing.fake.rules.taxes import PURCHASE_TAXES, SALE_TAXES
from odoo_async.testing.fake.schema import FieldDef, load_schema
from odoo_async.testing.fake.store import Record

if TYPE_CHECKING:
    from odoo_async.testing.fake.orm import Env

__all__ = ["ProductRules", "ProductTemplateRules"]


@cache
def _inherited() -> frozenset[str]:
    """The fields a variant takes from its template: stored there, not on the variant."""
    schema = load_schema()
    variant = schema["product.product"].fields
    template = schema["product.template"].fields
    return frozenset(name for name, field in variant.items()
                     if not field.store and name in template and template[name].store
                     and not field.x2many and name != "product_variant_ids")


def _policies(row: Record) -> None:
    """The invoicing and control policies Odoo computes when they are not given, and the
    company's default taxes."""
    row.setdefault("taxes_id", list(SALE_TAXES))
    row.setdefault("supplier_taxes_id", list(PURCHASE_TAXES))
    if not row.get("invoice_policy"):
        row["invoice_policy"] = "order"
    if not row.get("purchase_method"):
        row["purchase_method"] = "purchase" if row.get("type") == "service" else "receive"


# Fields a template passes on to its single variant (Odoo's inverse methods).
TO_VARIANT = ("default_code", "barcode", "standard_price")
STOCK_FIELDS = frozenset({"qty_available", "free_qty", "incoming_qty", "outgoing_qty",
                          "virtual_available"})
TEMPLATE_DEFAULTS: dict[str, Any] = {
    "type": "consu", "is_storable": False, "service_tracking": "no", "uom_id": 1,
    "tracking": "none", "sale_ok": True, "purchase_ok": True, "list_price": 1.0}


class ProductRules(ModelRules):
    """product.product: a template made with the variant, ``[code] name``."""

    @cached_property
    def inverse_fields(self) -> frozenset[str]:  # type: ignore[override]
        """The template's fields, written through the variant."""
        return _inherited()

    def defaults(self, env: Env, given: Record) -> Record:
        """What a new template has (Odoo's ``default_get``)."""
        return dict(TEMPLATE_DEFAULTS)

    def prepare(self, env: Env, row: Record, *, creating: bool) -> None:
        """A new variant without a template gets one with the template's values given."""
        if not creating:
            return
        _policies(row)
        if not row.get("product_tmpl_id"):
            values = {k: v for k, v in row.items()
                      if k in self.inverse_fields or k in ("taxes_id", "supplier_taxes_id")}
            [template] = env.with_context(create_product_product=False).create(
                "product.template", [{**values, "name": row.get("name") or "/"}])
            row["product_tmpl_id"] = template

    def written(self, env: Env, ids: Sequence[int], values: Record) -> None:
        """Template fields written on variants are their templates'."""
        shared = {k: v for k, v in values.items() if k in self.inverse_fields}
        templates = {env.db["product.product"].rows[i].get("product_tmpl_id") for i in ids}
        found = sorted(t for t in templates if t and t in env.db["product.template"])
        if shared and found:
            for template_id in found:
                _copy(env, "product.template", template_id, shared)

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """``[code] name``."""
        code, name = row.get("default_code"), row.get("name") or ""
        return {"display_name": f"[{code}] {name}" if code else name}

    def computed(self, env: Env, row: Record, field: FieldDef) -> Any:
        """Quantities on hand and forecast, from the quants and the moves under way."""
        if field.name in STOCK_FIELDS:
            return float(product_quantities(env, row["id"])[field.name])
        if field.name == "lst_price":  # no attribute price extras in the fake
            return float(row.get("list_price") or 0.0)
        return super().computed(env, row, field)


def _copy(env: Env, model: str, record_id: int, values: Record) -> None:
    """Store ``values`` on a record without running its rules again (the two sides of
    ``_inherits`` are kept equal)."""
    row = env.db[model].rows[record_id]
    changed = {k: v for k, v in values.items() if row.get(k) != v}
    if changed:
        env.db[model].update(record_id, changed)
        env.rules.recompute(env, model, [record_id])


class ProductTemplateRules(ModelRules):
    """product.template: goods, sold and bought, in units."""

    inverse_fields = frozenset({"barcode", "standard_price"})  # stored on the variant

    def defaults(self, env: Env, given: Record) -> Record:
        """A consumable, sold and purchased, in units."""
        return dict(TEMPLATE_DEFAULTS)

    def prepare(self, env: Env, row: Record, *, creating: bool) -> None:
        """The invoicing and control policies."""
        if creating:
            _policies(row)

    def created(self, env: Env, ids: Sequence[int]) -> None:
        """A template made on its own gets its variant (one: the fake has no
        attributes), with the template's values."""
        if env.context.get("create_product_product") is False:
            return
        templates = env.db["product.template"]
        for template_id in ids:
            row = templates.rows[template_id]
            env.create("product.product", [{
                **{k: v for k, v in row.items() if k in _inherited() or k in TO_VARIANT},
                **{k: [[6, 0, list(row.get(k) or [])]] for k in ("taxes_id",
                                                                "supplier_taxes_id")},
                "product_tmpl_id": template_id}])

    def computed(self, env: Env, row: Record, field: FieldDef) -> Any:
        """How many variants the template has, its single variant, their stock."""
        variants = env.db["product.product"].ids_where("product_tmpl_id", row["id"])
        if field.name == "product_variant_count":
            return len(variants)
        if field.name == "product_variant_id":
            return variants[0] if variants else False
        if field.name in STOCK_FIELDS:
            return float(sum(product_quantities(env, v)[field.name] for v in variants))
        return super().computed(env, row, field)

    def written(self, env: Env, ids: Sequence[int], values: Record) -> None:
        """Fields written on templates show on their variants."""
        shared = {k: v for k, v in values.items() if k in _inherited() or k in TO_VARIANT}
        if not shared:
            return
        variants = env.db["product.product"]
        for template_id in ids:
            for variant_id in variants.ids_where("product_tmpl_id", template_id):
                _copy(env, "product.product", variant_id, shared)
