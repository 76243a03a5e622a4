"""``load``: Odoo's import, upserting rows by external id, all or nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from odoo_async.testing.exceptions import FakeServerError
from odoo_async.testing.fake.schema import FieldDef

if TYPE_CHECKING:
    from odoo_async.testing.fake.orm import Env

__all__ = ["load_rows"]

_TRUE = frozenset({"1", "true", "yes", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "n", "f", ""})


class _RowError(Exception):
    pass


def _full_xmlid(value: str) -> str:
    return value if "." in value else f"__import__.{value}"


def _lookup(env: Env, field: FieldDef, kind: str, value: str) -> int:
    assert field.relation is not None
    if kind == "id":
        found = env.db.xmlids.get(_full_xmlid(value))
        if found is None or found[0] != field.relation or found[1] not in env.db[found[0]]:
            raise _RowError(f"No matching record found for external id '{value}' in field "
                            f"'{field.string}'")
        return found[1]
    if kind == ".id":
        if not value.isdigit() or int(value) not in env.db[field.relation]:
            raise _RowError(f"No matching record found for database id '{value}' in field "
                            f"'{field.string}'")
        return int(value)
    needle = value.casefold()
    for record_id in env.sorted_ids(field.relation, env.db[field.relation].rows):
        if str(env.display_name(field.relation, record_id)).casefold() == needle:
            return record_id
    raise _RowError(f"No matching record found for name '{value}' in field '{field.string}'")


def _convert(env: Env, field: FieldDef, kind: str, raw: Any) -> Any:
    text = "" if raw is None or raw is False else str(raw).strip()
    if field.type == "boolean":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise _RowError(f"Unknown value '{text}' for boolean field '{field.string}'")
    if not text:
        return [[6, 0, []]] if field.type == "many2many" else False
    if field.type == "integer":
        try:
            return int(text)
        except ValueError:
            raise _RowError(f"'{text}' does not seem to be an integer for field "
                            f"'{field.string}'") from None
    if field.type in ("float", "monetary"):
        try:
            return float(text)
        except ValueError:
            raise _RowError(f"'{text}' does not seem to be a number for field "
                            f"'{field.string}'") from None
    if field.type == "selection":
        for key, label in field.selection or ():
            if text in (key, label):
                return key
        raise _RowError(f"Value '{text}' not found in selection field '{field.string}'")
    if field.type == "many2one":
        return _lookup(env, field, kind, text)
    if field.type == "many2many":
        return [[6, 0, [_lookup(env, field, kind, part.strip())
                        for part in text.split(",") if part.strip()]]]
    if field.type == "one2many":
        raise _RowError(f"the fake server does not import one2many field '{field.string}'")
    return text


def load_rows(env: Env, model: str, fields: list[str], data: list[list[Any]], *,
              name_required: tuple[str, str]) -> dict[str, Any]:
    """Import ``data`` (rows of strings) into ``model``; see Odoo's ``load``.

    Returns ``{"ids": [...], "messages": [], "nextrow": 0}``, or ``ids: False`` with one
    error message per failing row, everything rolled back.

    Raises:
        ValueError: an unknown column.
    """
    definition = env.model(model)
    columns: list[tuple[str, FieldDef | None, str]] = []
    for column in fields:
        name, _, kind = column.partition("/")
        if column in ("id", ".id"):
            columns.append((column, None, ""))
            continue
        field = definition.fields.get(name)
        if field is None:
            raise ValueError(f"Invalid field {name!r} on model {model!r}")
        columns.append((column, field, kind))
    ids: list[int] = []
    messages: list[dict[str, Any]] = []
    with env.db.savepoint() as changes:
        for index, row in enumerate(data):
            try:
                ids.append(_load_row(env, model, columns, row))
            except (_RowError, FakeServerError, ValueError) as exc:
                text = exc.message if isinstance(exc, FakeServerError) else str(exc)
                messages.append({"rows": {"from": index, "to": index}, "record": index,
                                 "type": "error", "message": text.removeprefix(name_required[1])})
        if messages:
            env.db.rollback(changes)
            return {"ids": False, "messages": messages, "nextrow": 0}
    return {"ids": ids, "messages": [], "nextrow": 0}


def _load_row(env: Env, model: str, columns: list[tuple[str, FieldDef | None, str]],
              row: list[Any]) -> int:
    xmlid: str | None = None
    record_id: int | None = None
    values: dict[str, Any] = {}
    for (column, field, kind), raw in zip(columns, row, strict=False):
        if column == "id":
            xmlid = _full_xmlid(str(raw)) if raw else None
        elif column == ".id":
            if not str(raw).isdigit() or int(raw) not in env.db[model]:
                raise _RowError(f"No matching record found for database id '{raw}' in field "
                                "'ID'")
            record_id = int(raw)
        else:
            assert field is not None
            values[field.name] = _convert(env, field, kind, raw)
    if record_id is None and xmlid is not None:
        found = env.db.xmlids.get(xmlid)
        if found is not None and found[0] == model and found[1] in env.db[model]:
            record_id = found[1]
    with env.db.savepoint():
        if record_id is not None:
            env.write(model, [record_id], values)
        else:
            [record_id] = env.create(model, [values])
            if xmlid is not None:
                env.db.set_xmlid(xmlid, model, record_id)
    return record_id
