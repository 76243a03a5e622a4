"""What every model's rules can say; the default is a plain model with no rule."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from odoo_async.testing.exceptions import ValidationError
from odoo_async.testing.fake.schema import FieldDef
from odoo_async.testing.fake.store import Record

if TYPE_CHECKING:
    from odoo_async.testing.fake.orm import Env

__all__ = ["SQL_CONSTRAINT_PREFIX", "ModelRules", "check_unique", "money", "next_name",
           "parents", "today"]

SQL_CONSTRAINT_PREFIX: Final = "The operation cannot be completed: "


def today(env: Env) -> str:
    """Today's date where the caller is, as Odoo's ``context_today`` gives it: in the
    context's time zone, else the user's, else UTC (an invoice posted at 23:30 UTC by a
    user in Brussels is dated the next day)."""
    now = dt.datetime.now(dt.timezone.utc)
    name = env.context.get("tz") or env.user.tz
    if isinstance(name, str) and name:
        with contextlib.suppress(KeyError, ValueError):  # unknown: UTC, as Odoo does
            now = now.astimezone(zoneinfo.ZoneInfo(name))
    return now.strftime("%Y-%m-%d")


def money(value: float, precision: float = 0.01) -> float:
    """``value`` rounded as Odoo rounds amounts (``float_round``: half away from zero,
    after a nudge that absorbs binary representation errors such as 14.324999...)."""
    normalized = value / precision
    if normalized:
        normalized += math.copysign(2 ** (math.log2(abs(normalized)) - 52), normalized)
    return round(round(normalized) * precision, 12)


def next_name(env: Env, prefix: str, digits: int = 5) -> str:
    """The next name of an ``ir.sequence`` such as ``WH/IN/00007``: one counter per prefix
    and database, started where the demo data left it (``counters.json``)."""
    number = env.db.sequences.get(prefix, 0) + 1
    env.db.sequences[prefix] = number
    return f"{prefix}{number:0{digits}d}"


def parents(env: Env, model: str, ids: Sequence[int], field: str, parent: str
            ) -> list[tuple[str, list[int]]]:
    """The records of ``parent`` that the many2one ``field`` of ``ids`` points to, as
    :meth:`ModelRules.dependents` gives them (an order of its lines, an entry of its
    items)."""
    table = env.db[model]
    found = sorted({int(table.rows[i][field]) for i in ids
                    if i in table.rows and table.rows[i].get(field)})
    return [(parent, found)] if found else []


def check_unique(env: Env, model: str, field: str, ids: Sequence[int], message: str) -> None:
    """A SQL unique constraint on ``field``, checked for the records ``ids``.

    Raises:
        ValidationError: another record has the same value (Odoo's ``message``).
    """
    table = env.db[model]
    for record_id in ids:
        value = table.rows[record_id].get(field)
        if value and len(table.ids_where(field, value)) > 1:
            raise ValidationError(SQL_CONSTRAINT_PREFIX + message)


class ModelRules:
    """The rules of one model: defaults, values adjusted before saving, stored computed
    values, constraints and deletion rules. The base class is a model with none."""

    inverse_fields: frozenset[str] = frozenset()
    """Non-stored fields that may be written (they set stored ones)."""

    def defaults(self, env: Env, given: Record) -> Record:
        """The model's own meaningful defaults (besides ``active`` and empty values)."""
        return {}

    def prepare(self, env: Env, row: Record, *, creating: bool) -> None:
        """Adjust values about to be saved (``row`` holds only what changes on write)."""

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """Stored computed values of a record: its ``display_name`` from the rec name."""
        value = row.get(env.model(model).rec_name)
        return {"display_name": str(value) if value not in (None, False) else False}

    def dependents(self, env: Env, ids: Sequence[int]) -> list[tuple[str, list[int]]]:
        """Records of other models (or others of this one) whose computed values depend
        on ``ids`` and must be recomputed after them."""
        return []

    def before_write(self, env: Env, ids: Sequence[int], values: Mapping[str, Any]) -> None:
        """Refuse a write Odoo refuses.

        Raises:
            UserError: with Odoo's message.
        """

    def created(self, env: Env, ids: Sequence[int]) -> None:
        """What creating ``ids`` makes besides them."""

    def written(self, env: Env, ids: Sequence[int], values: Record) -> None:
        """What writing ``values`` on ``ids`` does to other records."""

    def computed(self, env: Env, row: Record, field: FieldDef) -> Any:
        """A non-stored field's value (what the fake can compute; else empty)."""
        return field.empty

    def check(self, env: Env, ids: Sequence[int]) -> None:
        """Constraints after create/write.

        Raises:
            ValidationError: with Odoo's message.
        """

    def before_unlink(self, env: Env, ids: Sequence[int]) -> None:
        """Deletion rules.

        Raises:
            UserError: with Odoo's message.
        """
