"""The ``/doc-bearer`` API documentation answers of the fake server."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from odoo_async.testing.fake.server import FakeOdoo

__all__ = ["index_document", "model_document"]

MODULES = ["base", "web", "rpc", "api_doc", "contacts", "sale_management", "sale", "account",
           "product", "uom"]


def index_document(fake: FakeOdoo) -> dict[str, Any]:
    """``/doc-bearer/index.json``: every model, its fields' labels and its methods."""
    models = []
    for name in sorted(fake.schema.models):
        definition = fake.schema[name]
        models.append({
            "model": name,
            "name": definition.description,
            "fields": {field: {"string": info.string}
                       for field, info in sorted(definition.fields.items())},
            "methods": fake.methods.names(name, has_active=definition.has_active),
        })
    return {"modules": MODULES, "models": models}


def _parameters(signature: inspect.Signature) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, parameter in signature.parameters.items():
        entry: dict[str, Any] = {}
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            entry["kind"] = "VAR_KEYWORD"
        elif parameter.default is not inspect.Parameter.empty:
            entry["default"] = parameter.default if not isinstance(parameter.default, tuple) \
                else list(parameter.default)
        result[name] = entry
    return result


def model_document(fake: FakeOdoo, model: str) -> dict[str, Any]:
    """``/doc-bearer/<model>.json``: fields as ``fields_get`` plus methods and their api."""
    definition = fake.schema[model]
    methods = {}
    for name in fake.methods.names(model, has_active=definition.has_active):
        spec = fake.methods.get(model, name, has_active=definition.has_active)
        assert spec is not None
        api = (["model"] if spec.model_method else []) + (["readonly"] if spec.readonly else [])
        signature = spec.signature
        methods[name] = {
            "signature": str(signature).replace("**", ""),
            "parameters": _parameters(signature),
            "return": {},
            "raise": {},
            "api": api,
            "doc": (spec.function.__doc__ or "").strip(),
            "module": "core",
        }
    fields = {name: {**info.description, "name": name, "module": "base"}
              for name, info in sorted(definition.fields.items())}
    return {"model": model, "name": definition.description, "doc": "", "fields": fields,
            "methods": methods}
