"""Seeding the fake database with the demo records recorded from a real Odoo 19."""

from __future__ import annotations

from typing import Any, Final

from odoo_async.testing.fake.business import Rules
from odoo_async.testing.fake.schema import Schema, load_counters, load_records
from odoo_async.testing.fake.store import Database, Record
from odoo_async.testing.fake.users import FakeUser

__all__ = ["SEEDED_MODELS", "seed"]

SEEDED_MODELS: Final = ("res.country", "res.country.state", "res.partner.category",
                        "res.partner", "product.product", "sale.order", "sale.order.line",
                        "uom.uom", "stock.location", "stock.picking.type", "stock.quant",
                        "account.journal", "account.payment.method.line", "account.tax.group",
                        "account.tax")


def _raw(value: Any, field_type: str) -> Any:
    """A value as recorded by ``read`` turned into what the store keeps."""
    if field_type == "many2one":
        if isinstance(value, list) and value:
            return value[0]
        return value if isinstance(value, int) and not isinstance(value, bool) else False
    return value


def _complete(db: Database, rules: Rules, model: str, row: Record) -> Record:
    """``row`` with defaults for the stored fields the recording left out."""
    from odoo_async.testing.fake.orm import Env
    from odoo_async.testing.fake.users import SUPERUSER

    defaults = rules.defaults(Env(db, rules, SUPERUSER), model, row)
    return {**{k: v for k, v in defaults.items() if k not in row}, **row}


def _describe_fields(db: Database, schema: Schema) -> None:
    """One ``ir.model.fields`` row per field of every model, as Odoo lists them."""
    table = db["ir.model.fields"]
    for model in schema.models.values():
        for field in model.fields.values():
            table.insert({"name": field.name, "model": model.name, "ttype": field.type,
                          "field_description": field.string,
                          "relation": field.relation or False,
                          "required": field.required, "readonly": field.readonly,
                          "store": field.store,
                          "display_name": f"{field.string} ({model.name})"})


def _continue_counters(db: Database) -> None:
    """Ids and names continue where the demo data left them (``counters.json``), for the
    models whose demo rows the fake does not carry: a new invoice is then the one a
    freshly installed Odoo makes."""
    counters = load_counters()
    for model, next_id in counters["next_id"].items():
        if model in db.tables:
            db[model].next_id = max(db[model].next_id, int(next_id))
    db.sequences.update({prefix: int(n) for prefix, n in counters["names"].items()})


def seed(schema: Schema, users: list[FakeUser], *, demo: bool = True) -> Database:
    """A database with the demo records (when ``demo``), the users and what they need."""
    db = Database(schema)
    rules = Rules()
    names: dict[str, dict[int, str]] = {}
    if demo:
        for model in SEEDED_MODELS:
            fields = schema[model].fields
            table = db[model]
            for record in load_records(model):
                row: Record = {}
                for name, value in record.items():
                    field = fields.get(name)
                    if name == "display_name" or field is None:
                        row[name] = value
                        continue
                    if field.type == "one2many":
                        continue
                    row[name] = _raw(value, field.type)
                    if field.type == "many2one" and isinstance(value, list) and field.relation:
                        names.setdefault(field.relation, {})[value[0]] = value[1]
                if model == "res.partner":
                    row["complete_name"] = row.get("display_name", row.get("name"))
                    row.setdefault("commercial_partner_id", row["id"])
                table.insert(_complete(db, rules, model, row), record_id=row["id"])
    for user in users:
        names.setdefault("res.users", {})[user.uid] = user.name
    for model, known in names.items():
        if model in SEEDED_MODELS or model not in schema:
            continue
        table = db[model]
        for record_id, name in known.items():
            if record_id not in table:
                row = {"name": name, "display_name": name, "active": True}
                table.insert(_complete(db, rules, model, row), record_id=record_id)
    if demo:
        _continue_counters(db)
    _describe_fields(db, schema)
    for user in users:
        db["res.users"].update(user.uid, {"login": user.login, "partner_id": user.partner_id,
                                          "lang": user.lang, "tz": user.tz or False,
                                          "company_id": 1, "active": True})
    return db
