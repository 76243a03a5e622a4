"""Model and field definitions of the fake server, from recorded ``fields_get`` answers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Final

import attrs

from odoo_async.orm.metadata import FieldInfo

__all__ = ["FieldDef", "ModelDef", "Schema", "load_counters", "load_records", "load_schema"]


# The default ``_order`` of the models the fake knows, as Odoo defines them.
PARENT_FIELDS: Final[Mapping[str, str]] = {"stock.location": "location_id"}
"""Models whose parent field is not ``parent_id``."""
ORDERS: Final[Mapping[str, str]] = {
    "res.partner": "complete_name asc, id desc",
    "res.partner.category": "name",
    "res.country": "name",
    "res.country.state": "country_id, name",
    "res.currency": "active desc, name",
    "res.users": "name, login",
    "res.company": "sequence, name",
    "product.product": "default_code, name, id",
    "product.template": "name",
    "product.category": "complete_name",
    "uom.uom": "sequence, id",
    "sale.order": "date_order desc, id desc",
    "sale.order.line": "order_id, sequence, id",
    "account.move": "date desc, name desc, id desc",
    "account.move.line": "date desc, move_name desc, id",
    "ir.model.data": "module, model, name",
    "ir.model.fields": "name",
}

FIELD_TYPES: Final = ("binary", "boolean", "char", "date", "datetime", "float", "html",
                      "integer", "json", "many2many", "many2one", "many2one_reference",
                      "monetary", "one2many", "properties", "properties_definition",
                      "reference", "selection", "text")

# Fields of models the recordings have no ``fields_get`` for.
EXTRA_MODELS: Final[Mapping[str, Mapping[str, Mapping[str, Any]]]] = {
    "ir.config_parameter": {
        "key": {"type": "char", "string": "Key", "required": True},
        "value": {"type": "text", "string": "Value", "required": True},
    },
    "ir.model.data": {
        "name": {"type": "char", "string": "External Identifier", "required": True},
        "module": {"type": "char", "string": "Module", "required": True},
        "model": {"type": "char", "string": "Model Name", "required": True},
        "res_id": {"type": "many2one_reference", "string": "Record ID"},
        "noupdate": {"type": "boolean", "string": "Non Updatable"},
    },
    # Read-only here: one row per field of every model the fake knows (seeded).
    "ir.model.fields": {
        "name": {"type": "char", "string": "Field Name", "required": True},
        "model": {"type": "char", "string": "Model Name", "required": True},
        "field_description": {"type": "char", "string": "Field Label", "required": True},
        "ttype": {"type": "selection", "string": "Field Type", "required": True,
                  "selection": [[t, t] for t in FIELD_TYPES]},
        "relation": {"type": "char", "string": "Related Model"},
        "required": {"type": "boolean", "string": "Required"},
        "readonly": {"type": "boolean", "string": "Readonly"},
        "store": {"type": "boolean", "string": "Stored"},
    },
}

_COMMON: Final[Mapping[str, Mapping[str, Any]]] = {
    "id": {"type": "integer", "string": "ID", "readonly": True},
    "display_name": {"type": "char", "string": "Display Name", "readonly": True,
                     "store": False},
    "create_date": {"type": "datetime", "string": "Created on", "readonly": True},
    "write_date": {"type": "datetime", "string": "Last Updated on", "readonly": True},
    "create_uid": {"type": "many2one", "string": "Created by", "relation": "res.users",
                   "readonly": True},
    "write_uid": {"type": "many2one", "string": "Last Updated by", "relation": "res.users",
                  "readonly": True},
}


@attrs.frozen
class FieldDef(FieldInfo):
    """A field as the server defines it: what a client learns of it
    (:class:`~odoo_async.orm.FieldInfo`), plus what only the server needs: whether it is
    stored, the inverse field of a one2many, the whole ``fields_get`` entry."""

    relation_field: str | None = None
    store: bool = True
    description: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def empty(self) -> Any:
        """The value of an unset field: 0 for numbers, ``False`` for everything else."""
        if self.type == "integer":
            return 0
        if self.type in ("float", "monetary"):
            return 0.0
        return False

    @classmethod
    def from_description(cls, name: str, description: Mapping[str, Any]) -> FieldDef:
        """Build from a ``fields_get`` entry."""
        info = FieldInfo.from_fields_get(name, description)
        return cls(**attrs.asdict(info, recurse=False),
                   relation_field=description.get("relation_field"),
                   store=bool(description.get("store", True)),
                   description=dict(description))


@attrs.frozen
class ModelDef:
    """One model: its name, description, fields and default order."""

    name: str
    description: str
    fields: Mapping[str, FieldDef]
    order: str

    @property
    def rec_name(self) -> str:
        """The field that names a record (``name`` when there is one)."""
        return "name" if "name" in self.fields else "id"

    @property
    def has_active(self) -> bool:
        """Whether records can be archived."""
        return "active" in self.fields

    @property
    def parent_name(self) -> str | None:
        """The field pointing to the parent record, for ``child_of``/``parent_of``
        (Odoo's ``_parent_name``: ``parent_id``, or ``location_id`` for locations)."""
        name = PARENT_FIELDS.get(self.name, "parent_id")
        field = self.fields.get(name)
        return name if field is not None and field.relation == self.name else None


@attrs.frozen
class Schema:
    """Every model the fake server knows."""

    models: Mapping[str, ModelDef]

    def __contains__(self, model: object) -> bool:
        return model in self.models

    def __getitem__(self, model: str) -> ModelDef:
        return self.models[model]

    def emulated(self, model: str) -> ModelDef:
        """The definition of a model a call reaches (a relation's comodel).

        Raises:
            ValueError: the fake does not emulate that model (said as such, not a crash).
        """
        definition = self.models.get(model)
        if definition is None:
            raise ValueError(f"the fake server does not emulate the model {model!r}")
        return definition


def _data() -> Any:
    return resources.files("odoo_async.testing") / "data"


def _read(name: str) -> Any:
    return json.loads((_data() / name).read_text())


@cache
def load_schema() -> Schema:
    """The schema built from the package's recorded ``fields_get`` answers."""
    descriptions: Mapping[str, str] = _read("models.json")
    sources: dict[str, Mapping[str, Mapping[str, Any]]] = dict(EXTRA_MODELS)
    folder = _data() / "fields"
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            sources[entry.name[: -len(".json")]] = json.loads(entry.read_text())
    models = {}
    for model, fields in sources.items():
        merged = {**_COMMON, **fields}
        models[model] = ModelDef(
            name=model,
            description=descriptions.get(model, model),
            fields={name: FieldDef.from_description(name, desc) for name, desc in merged.items()},
            order=ORDERS.get(model, "id"),
        )
    return Schema(models)


def load_records(model: str) -> list[dict[str, Any]]:
    """The demo records shipped for ``model`` (an empty list when there are none)."""
    entry = _data() / "records" / f"{model}.json"
    if not entry.is_file():
        return []
    records: list[dict[str, Any]] = json.loads(entry.read_text())
    return records


def load_counters() -> dict[str, dict[str, int]]:
    """Where the demo data left ids and names (``next_id`` by model, the highest number
    by name prefix)."""
    counters: dict[str, dict[str, int]] = _read("counters.json")
    return counters
