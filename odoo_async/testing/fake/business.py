"""The business rules the fake server applies: each model's :class:`ModelRules`
(``odoo_async.testing.fake.rules``), with what every model shares (empty defaults,
``active``, recomputation of dependents)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from odoo_async.testing.fake.rules import PARTNER_NAME_REQUIRED, RULES, ModelRules
from odoo_async.testing.fake.schema import FieldDef
from odoo_async.testing.fake.store import Record

if TYPE_CHECKING:
    from odoo_async.testing.fake.orm import Env

__all__ = ["PARTNER_NAME_REQUIRED", "Rules"]

_PLAIN = ModelRules()


def _generic_default(field: FieldDef) -> Any:
    if field.type == "selection" and field.required and field.selection:
        return field.selection[0][0]
    return field.empty


class Rules:
    """Applies each model's rules; a model without rules of its own follows
    :class:`ModelRules` (a plain model)."""

    def __init__(self, rules: dict[str, ModelRules] | None = None) -> None:
        self._rules = dict(RULES if rules is None else rules)
        self._generic: dict[str, tuple[Any, Record, bool]] = {}

    def of(self, model: str) -> ModelRules:
        """The rules of ``model``."""
        return self._rules.get(model, _PLAIN)

    def inverse_fields(self, model: str) -> frozenset[str]:
        """Non-stored fields that may be written (they set stored ones)."""
        return self.of(model).inverse_fields

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
        values: Record = {"active": True} if env.model(model).has_active else {}
        values.update(self.of(model).defaults(env, given))
        return values

    def prepare(self, env: Env, model: str, row: Record, *, creating: bool,
                record_id: int | None = None) -> None:
        """Adjust values about to be saved (``row`` holds only what changes on write)."""
        self.of(model).prepare(env, row, creating=creating)

    def recompute(self, env: Env, model: str, ids: Sequence[int]) -> None:
        """Refresh stored computed values (names, amounts) after a change, then those of
        the records that depend on them."""
        rules = self.of(model)
        table = env.db[model]
        for record_id in ids:
            row = table.get(record_id)
            if row is None:
                continue
            values = rules.computed_values(env, model, row)
            changed = {k: v for k, v in values.items() if row.get(k) != v}
            if changed:
                table.update(record_id, changed)
        for dependent, dependent_ids in rules.dependents(env, ids):
            self.recompute(env, dependent, dependent_ids)

    def before_write(self, env: Env, model: str, ids: Sequence[int],
                     values: Mapping[str, Any]) -> None:
        """Refuse a write Odoo refuses (a posted invoice's lines).

        Raises:
            UserError: with Odoo's message.
        """
        self.of(model).before_write(env, ids, values)

    def created(self, env: Env, model: str, ids: Sequence[int]) -> None:
        """What creating records makes besides them (a template's variant)."""
        self.of(model).created(env, ids)

    def written(self, env: Env, model: str, ids: Sequence[int], values: Record) -> None:
        """What a write does to other records (a user's name is its partner's)."""
        self.of(model).written(env, ids, values)

    def computed(self, env: Env, model: str, row: Record, field: FieldDef) -> Any:
        """A non-stored field's value (what the fake can compute; else empty)."""
        return self.of(model).computed(env, row, field)

    def check(self, env: Env, model: str, ids: Sequence[int]) -> None:
        """Constraints after create/write.

        Raises:
            ValidationError: with Odoo's message.
        """
        self.of(model).check(env, ids)

    def before_unlink(self, env: Env, model: str, ids: Sequence[int]) -> None:
        """Deletion rules.

        Raises:
            UserError: with Odoo's message.
        """
        self.of(model).before_unlink(env, ids)
