"""The fake server's ORM: create, write, unlink and read records as Odoo does.

``Env`` runs as one user with one context, checks access rights, converts values the
way Odoo's fields do (x2many commands included), applies the business rules of
:mod:`odoo_async.testing.fake.business`, and reads records in the shapes of ``read``
and ``web_read``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from odoo_async.testing.exceptions import AccessError, MissingError, ValidationError
from odoo_async.testing.fake.evaluate import Searcher, parse_domain
from odoo_async.testing.fake.html import sanitize
from odoo_async.testing.fake.schema import FieldDef, ModelDef
from odoo_async.testing.fake.store import Database, Record

if TYPE_CHECKING:
    from odoo_async.testing.fake.business import Rules
    from odoo_async.testing.fake.users import FakeUser

__all__ = ["Env", "now_string"]

# Fields every model has that the ORM maintains itself.
MAGIC: Final = frozenset({"id", "create_date", "write_date", "create_uid", "write_uid",
                          "display_name"})
VERBS: Final = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}
# Many2many fields that are the other side of a stored many2many.
INVERSE_M2M: Final = {("res.partner.category", "partner_ids"): ("res.partner", "category_id")}


def now_string() -> str:
    """The current UTC time as Odoo stores datetimes."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


class Env:
    """One user's view of the database, with a context."""

    def __init__(self, db: Database, rules: Rules, user: FakeUser,
                 context: Mapping[str, Any] | None = None,
                 changes: list[tuple[str, str, list[int]]] | None = None) -> None:
        self.db = db
        self.rules = rules
        self.user = user
        self.uid = user.uid
        self.context: dict[str, Any] = dict(context or {})
        self.searcher = Searcher(db, lambda definition, row, field: rules.computed(
            self, definition.name, row, field))
        self.changes: list[tuple[str, str, list[int]]] = [] if changes is None else changes
        """Every ``("create" | "write", model, ids)`` made through this environment (and
        those derived from it), in order: what triggers automation rules."""

    def with_context(self, **values: Any) -> Env:
        """The same environment with more context."""
        return Env(self.db, self.rules, self.user, {**self.context, **values}, self.changes)

    def model(self, name: str) -> ModelDef:
        """A model's definition."""
        return self.db.schema.emulated(name)

    @property
    def active_test(self) -> bool:
        """Whether archived records are hidden from searches."""
        return bool(self.context.get("active_test", True))

    # -- access ----------------------------------------------------------------------

    def check_access(self, model: str, operation: str) -> None:
        """Raise Odoo's AccessError unless the user may do ``operation`` on ``model``.

        Raises:
            AccessError: the operation is not allowed.
        """
        if self.user.may(model, operation):
            return
        description = self.model(model).description
        group = self.user.group_for(model)
        raise AccessError(
            f"You are not allowed to {VERBS[operation]} '{description}' ({model}) records.\n\n"
            f"This operation is allowed for the following groups:\n\t- {group}\n\n"
            "Contact your administrator to request access if necessary.")

    def ensure_exist(self, model: str, ids: Sequence[int]) -> None:
        """Raise Odoo's MissingError when any id does not exist.

        Raises:
            MissingError: some records are gone.
        """
        missing = [rid for rid in ids if rid not in self.db[model]]
        if missing:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}{tuple(missing)!r}, User: {self.uid})")

    # -- search ----------------------------------------------------------------------

    def search(self, model: str, domain: Any, *, offset: int = 0, limit: int | None = None,
               order: str | None = None) -> list[int]:
        """Ids matching ``domain`` (list or Domain), ordered and sliced.

        Raises:
            TypeError, ValueError: a bad domain or order, as Odoo raises them.
        """
        parsed = parse_domain(self.model(model), domain, self.model)
        if not isinstance(offset, int) or offset < 0:
            raise ValueError(f"Invalid offset {offset!r}")
        end = None if limit is None or limit is False or limit == 0 else offset + int(limit)
        ids = self.searcher.search(model, parsed, active_test=self.active_test, order=order,
                                   limit=end)
        return ids[offset:end]

    def sorted_ids(self, model: str, ids: Iterable[int], order: str | None = None) -> list[int]:
        """``ids`` sorted by ``order`` (the model's order by default)."""
        return self.searcher.sort(model, list(ids), order)

    # -- values in -------------------------------------------------------------------

    def field(self, model: str, name: str, *, verb: str = "in") -> FieldDef:
        """A field of ``model``.

        Raises:
            ValueError: no such field (Odoo's message).
        """
        field = self.model(model).fields.get(name)
        if field is None:
            raise ValueError(f"Invalid field {name!r} {verb} {model!r}")
        return field

    def convert(self, field: FieldDef, value: Any) -> Any:
        """A value as the field stores it.

        Raises:
            ValueError: a value the field cannot hold (bad selection, date...).
        """
        kind = field.type
        if kind in ("one2many", "many2many"):
            raise AssertionError("x2many values go through commands")
        if value is None:
            value = False
        if kind == "many2one":
            if isinstance(value, (list, tuple)) and value:
                value = value[0]
            if value is False or value == 0:
                return False
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"Wrong value for {field.name}: {value!r}")
            return value
        if kind == "boolean":
            return bool(value)
        if kind == "integer":
            return int(value or 0)
        if kind in ("float", "monetary"):
            return float(value or 0.0)
        if value is False:
            return False
        if kind == "selection":
            allowed = {key for key, _ in field.selection or ()}
            if allowed and value not in allowed:
                raise ValueError(f"Wrong value for {field.name}: {value!r}")
            return value
        if kind == "date":
            text = str(value)[:10]
            dt.date.fromisoformat(text)
            return text
        if kind == "datetime":
            text = str(value).replace("T", " ")[:19]
            dt.datetime.strptime(text if len(text) > 10 else text + " 00:00:00",
                                 "%Y-%m-%d %H:%M:%S")
            return text if len(text) > 10 else text + " 00:00:00"
        if kind == "html":
            return sanitize(str(value))
        if kind in ("char", "text"):
            return str(value)
        return value

    def _split(self, model: str, vals: Mapping[str, Any]) -> tuple[Record, dict[str, Any]]:
        if not isinstance(vals, Mapping):
            raise ValueError(f"Invalid values for {model}: {vals!r}")
        plain: Record = {}
        relational: dict[str, Any] = {}
        for name, value in vals.items():
            field = self.field(model, name)
            if name in MAGIC:
                continue
            if field.x2many:
                relational[name] = value
            elif field.store or name in self.rules.inverse_fields(model):
                plain[name] = self.convert(field, value)
        return plain, relational

    def create(self, model: str, vals_list: Sequence[Mapping[str, Any]]) -> list[int]:
        """Create records; returns their ids.

        Raises:
            ValueError, ValidationError, UserError: as Odoo raises them.
        """
        ids = []
        for vals in vals_list:
            plain, relational = self._split(model, vals)
            row = self.rules.defaults(self, model, plain)
            row.update(plain)
            now = now_string()
            row.update(create_date=now, write_date=now, create_uid=self.uid,
                       write_uid=self.uid)
            self.rules.prepare(self, model, row, creating=True)
            for name in relational:  # given values replace defaults, even an empty list
                row.pop(name, None)
            self._check_required(model, row)
            self._check_references(model, plain)
            record_id = self.db[model].insert(row)
            for name, commands in relational.items():
                self._apply_x2many(model, record_id, self.field(model, name), commands)
            ids.append(record_id)
        self.rules.recompute(self, model, ids)
        self.rules.check(self, model, ids)
        self.changes.append(("create", model, ids))
        self.rules.created(self, model, ids)
        return ids

    def _check_references(self, model: str, values: Record) -> None:
        """PostgreSQL's foreign keys on the many2one values given, worded as Odoo 19
        words a violation (recorded from a real server). A comodel the fake holds no
        record of is not judged.

        Raises:
            ValidationError: a many2one points to a record that does not exist.
        """
        for name, value in values.items():
            field = self.model(model).fields.get(name)
            if (field is None or field.type != "many2one" or not field.store or not value
                    or field.relation not in self.db.tables):
                continue
            table = self.db[field.relation]
            if table.rows and value not in table.rows:
                raise ValidationError(
                    "The operation cannot be completed: Another model is using the record "
                    "you are trying to delete.\n\nThe troublemaker is: "
                    f"'{self.model(model).description}' ({model})\nThanks to the following "
                    f"constraint: '{field.string}' ({name})\nHow about archiving the record "
                    "instead?")

    def write(self, model: str, ids: Sequence[int], vals: Mapping[str, Any]) -> None:
        """Write ``vals`` on existing records.

        Raises:
            MissingError: some ids do not exist.
            ValueError, ValidationError, UserError: as Odoo raises them.
        """
        self.ensure_exist(model, ids)
        plain, relational = self._split(model, vals)
        self.rules.before_write(self, model, list(ids), vals)
        for record_id in ids:
            row = dict(plain)
            row.update(write_date=now_string(), write_uid=self.uid)
            self.rules.prepare(self, model, row, creating=False, record_id=record_id)
            self._check_references(model, plain)
            self.db[model].update(record_id, row)
            self._check_required(model, self.db[model].rows[record_id])
            for name, commands in relational.items():
                self._apply_x2many(model, record_id, self.field(model, name), commands)
        self.rules.recompute(self, model, list(ids))
        self.rules.check(self, model, list(ids))
        self.changes.append(("write", model, list(ids)))
        self.rules.written(self, model, list(ids), plain)

    def unlink(self, model: str, ids: Sequence[int]) -> None:
        """Delete records (and one2many children whose inverse is required).

        Raises:
            MissingError: some ids do not exist.
            UserError: a business rule forbids it.
        """
        self.ensure_exist(model, ids)
        self.rules.before_unlink(self, model, list(ids))
        doomed = set(ids)
        unlinked: dict[str, list[int]] = {}  # records that lose many2many links
        owned = {(f.relation, f.relation_field) for f in self.model(model).fields.values()
                 if f.type == "one2many" and f.relation and f.relation_field}
        for other_name, other in self.db.schema.models.items():
            for field in other.fields.values():
                if field.relation != model or not field.store:
                    continue
                table = self.db[other_name]
                if field.type == "many2many":
                    for rid, row in list(table.rows.items()):
                        kept = [v for v in row.get(field.name) or [] if v not in doomed]
                        if kept != (row.get(field.name) or []):
                            table.update(rid, {field.name: kept})
                            unlinked.setdefault(other_name, []).append(rid)
                    continue
                if field.type != "many2one":
                    continue
                referencing = [rid for rid, row in table.rows.items()
                               if row.get(field.name) in doomed and rid not in doomed]
                if not referencing:
                    continue
                if (other_name, field.name) in owned:
                    self.unlink(other_name, referencing)
                elif field.required:
                    raise ValidationError(
                        "The operation cannot be completed: another model requires the record "
                        "being deleted. If possible, archive it instead.\n\n"
                        f"Model: {other.description} ({other_name}), "
                        f"Constraint: {other_name.replace('.', '_')}_{field.name}_fkey")
                else:
                    for rid in referencing:
                        table.update(rid, {field.name: False})
        for record_id in ids:
            if record_id in self.db[model]:
                self.db[model].delete(record_id)
        for other_name, touched in unlinked.items():  # their computed values change
            self.rules.recompute(self, other_name, [i for i in touched
                                                    if i in self.db[other_name]])

    def _check_required(self, model: str, row: Record) -> None:
        definition = self.model(model)
        for field in definition.fields.values():
            if not field.required or not field.store or field.x2many or field.name in MAGIC:
                continue
            value = row.get(field.name, False)
            if value is False or value is None or value == "":
                if field.type in ("boolean", "integer", "float", "monetary"):
                    continue
                raise ValidationError(
                    "The operation cannot be completed: Missing required value for the field "
                    f"'{field.string}' ({field.name}).\nModel: '{definition.description}' "
                    f"({model})\n- create/update: a mandatory field is not set\n"
                    "- delete: another model requires the record being deleted, you can "
                    "archive it instead\n")

    # -- x2many commands -------------------------------------------------------------

    def _apply_x2many(self, model: str, record_id: int, field: FieldDef, commands: Any) -> None:
        assert field.relation is not None
        if commands is False or commands is None:
            commands = [[5, 0, 0]]
        if not isinstance(commands, (list, tuple)):
            raise ValueError(f"Wrong value for {model}.{field.name}: {commands!r}")
        if commands and all(isinstance(c, int) and not isinstance(c, bool) for c in commands):
            commands = [[6, 0, list(commands)]]
        comodel = field.relation
        for command in commands:
            if not isinstance(command, (list, tuple)) or not command:
                raise ValueError(f"Wrong value for {model}.{field.name}: {command!r}")
            code = command[0]
            arg: Any = command[1] if len(command) > 1 else 0
            values: Any = command[2] if len(command) > 2 else 0
            if code == 0:
                vals = dict(values or {})
                if field.type == "one2many" and field.relation_field:
                    vals[field.relation_field] = record_id
                    self.create(comodel, [vals])
                else:
                    [new_id] = self.create(comodel, [vals])
                    self._link(model, record_id, field, [new_id])
            elif code == 1:
                self.write(comodel, [arg], values or {})
            elif code == 2:
                self.unlink(comodel, [arg])
            elif code == 3:
                self._unlink_link(model, record_id, field, [arg])
            elif code == 4:
                self._link(model, record_id, field, [arg])
            elif code == 5:
                self._unlink_link(model, record_id, field, self._linked(model, record_id, field))
            elif code == 6:
                wanted = list(values or [])
                current = self._linked(model, record_id, field)
                self._unlink_link(model, record_id, field, [i for i in current if i not in wanted])
                self._link(model, record_id, field, [i for i in wanted if i not in current])
            else:
                raise ValueError(f"Unknown x2many command {command!r}")

    def _linked(self, model: str, record_id: int, field: FieldDef) -> list[int]:
        row = self.db[model].rows[record_id]
        if (model, field.name) in INVERSE_M2M:
            other_model, other_field = INVERSE_M2M[(model, field.name)]
            return [rid for rid, other in self.db[other_model].rows.items()
                    if record_id in (other.get(other_field) or [])]
        return self.searcher.related_ids(field, row)

    def _link(self, model: str, record_id: int, field: FieldDef, ids: list[int]) -> None:
        assert field.relation is not None
        self.ensure_exist(field.relation, ids)
        if field.type == "one2many" and field.relation_field:
            for rid in ids:
                self.db[field.relation].update(rid, {field.relation_field: record_id})
            return
        if (model, field.name) in INVERSE_M2M:  # stored on the other side
            other_model, other_field = INVERSE_M2M[(model, field.name)]
            for rid in ids:
                self._link(other_model, rid, self.field(other_model, other_field), [record_id])
            return
        current = list(self.db[model].rows[record_id].get(field.name) or [])
        added = [rid for rid in ids if rid not in current]
        if added:
            self.db[model].update(record_id, {field.name: current + added})

    def _unlink_link(self, model: str, record_id: int, field: FieldDef, ids: list[int]) -> None:
        assert field.relation is not None
        if field.type == "one2many" and field.relation_field:
            inverse = self.model(field.relation).fields.get(field.relation_field)
            for rid in ids:
                if rid not in self.db[field.relation]:
                    continue
                if inverse is not None and inverse.required:
                    self.unlink(field.relation, [rid])
                else:
                    self.db[field.relation].update(rid, {field.relation_field: False})
            return
        if (model, field.name) in INVERSE_M2M:  # stored on the other side
            other_model, other_field = INVERSE_M2M[(model, field.name)]
            for rid in ids:
                if rid in self.db[other_model]:
                    self._unlink_link(other_model, rid, self.field(other_model, other_field),
                                      [record_id])
            return
        current = list(self.db[model].rows[record_id].get(field.name) or [])
        kept = [rid for rid in current if rid not in ids]
        if kept != current:
            self.db[model].update(record_id, {field.name: kept})

    # -- values out ------------------------------------------------------------------

    def display_name(self, model: str, record_id: int) -> str | bool:
        """A record's display name (False when it is gone)."""
        if model not in self.db.tables:
            return False
        row = self.db[model].get(record_id)
        if row is None:
            return False
        name = row.get("display_name")
        if isinstance(name, str):
            return name
        rec_name = row.get(self.model(model).rec_name)
        return str(rec_name) if rec_name not in (None, False) else f"{model},{record_id}"

    def x2many_ids(self, model: str, row: Record, field: FieldDef) -> list[int]:
        """The related ids of an x2many field, in the comodel's order, archived hidden."""
        assert field.relation is not None
        if field.relation not in self.db.tables:
            return []
        ids = self._linked(model, row["id"], field)
        comodel = self.model(field.relation)
        table = self.db[field.relation]
        ids = [rid for rid in ids if rid in table]
        if self.active_test and comodel.has_active:
            ids = [rid for rid in ids if table.rows[rid].get("active", True)]
        return self.sorted_ids(field.relation, ids)

    def value(self, model: str, row: Record, field: FieldDef, *, load: str | None) -> Any:
        """One field of a record as ``read`` returns it."""
        if field.name == "id":
            return row["id"]
        if field.name == "display_name":
            return self.display_name(model, row["id"])
        if field.x2many:
            return self.x2many_ids(model, row, field)
        if not field.store and field.name not in row:
            value = self.rules.computed(self, model, row, field)
        else:
            value = row.get(field.name, False)
        if field.type == "many2one":
            if not value:
                return False
            if load == "_classic_read" and field.relation:
                return [value, self.display_name(field.relation, value)]
            return value
        if field.type == "boolean":
            return bool(value)
        return field.empty if value is False else value

    def read(self, model: str, ids: Sequence[int], fields: Sequence[str] | None,
             load: str | None = "_classic_read") -> list[dict[str, Any]]:
        """``read``: the records that exist, in the order of ``ids``.

        Raises:
            ValueError: an unknown field (Odoo's message).
        """
        definition = self.model(model)
        names = list(fields) if fields else list(definition.fields)
        resolved = []
        for name in names:
            field = definition.fields.get(name)
            if field is None:
                raise ValueError(f"Invalid field {name!r} on {model!r}")
            resolved.append(field)
        return [{"id": row["id"], **{field.name: self.value(model, row, field, load=load)
                                     for field in resolved}}
                for row in self._rows(model, ids)]

    def _rows(self, model: str, ids: Sequence[int]) -> list[Record]:
        """The rows of the ids that exist, in the order given, without duplicates."""
        table = self.db[model]
        return [table.rows[rid] for rid in dict.fromkeys(ids) if rid in table]

    def web_read(self, model: str, ids: Sequence[int], specification: Mapping[str, Any]
                 ) -> list[dict[str, Any]]:
        """``web_read``: nested dicts following the specification.

        Raises:
            ValueError: an unknown field or a malformed specification.
        """
        if not isinstance(specification, Mapping):
            raise ValueError(f"Invalid specification {specification!r}")
        definition = self.model(model)
        for name in specification:
            if name not in definition.fields:
                raise ValueError(f"Invalid field {name!r} on {model!r}")
        return [{"id": row["id"], **{name: self._web_value(model, row, definition.fields[name],
                                                            sub or {})
                                     for name, sub in specification.items()}}
                for row in self._rows(model, ids)]

    def _web_value(self, model: str, row: Record, field: FieldDef, spec: Mapping[str, Any]
                   ) -> Any:
        if not field.relational or field.relation is None:
            return self.value(model, row, field, load=None)
        env = self.with_context(**spec["context"]) if isinstance(spec.get("context"),
                                                                  Mapping) else self
        sub_fields = spec.get("fields")
        if field.type == "many2one":
            target = row.get(field.name)
            if not target:
                return False
            if not isinstance(sub_fields, Mapping):
                return target
            found = env.web_read(field.relation, [target], sub_fields)
            return found[0] if found else {"id": target}
        ids = env.x2many_ids(model, row, field)
        if spec.get("order"):
            ids = env.sorted_ids(field.relation, ids, spec["order"])
        if not isinstance(sub_fields, Mapping):
            return ids
        limit = spec.get("limit")
        shown = ids if not limit else ids[: int(limit)]
        records = env.web_read(field.relation, shown, sub_fields)
        return records + [{"id": rid} for rid in ids[len(shown):]]
