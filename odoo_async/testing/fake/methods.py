"""The public methods the fake server answers, with Odoo 19's signatures.

Arguments are bound to each method's signature the way the JSON-2 controller binds them,
so a missing or unexpected keyword gives Odoo's own 422 message, and a method taking
``**kwargs`` passes unknown ones on (``search_read`` then fails like Odoo, with a 500).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs

from odoo_async.domain import Domain
from odoo_async.testing.exceptions import UnprocessableEntity
from odoo_async.testing.fake.importer import load_rows
from odoo_async.testing.fake.orm import Env
from odoo_async.testing.fake.rules import PARTNER_NAME_REQUIRED
from odoo_async.testing.fake.rules.base import SQL_CONSTRAINT_PREFIX
from odoo_async.testing.fake.schema import FieldDef

__all__ = ["GENERIC_METHODS", "Call", "MethodRegistry", "MethodSpec", "PRIVATE_METHODS"]

PRIVATE_METHODS: Final = frozenset({"browse", "exists", "search_fetch", "fetch", "with_user",
                                    "with_context", "sudo", "with_env", "ensure_one",
                                    "mapped", "filtered", "sorted", "invalidate_recordset",
                                    "flush_recordset", "new", "check_access"})


@attrs.frozen
class Call:
    """What a method receives: the environment, the model and the ids it runs on."""

    env: Env
    model: str
    ids: list[int]


@attrs.frozen
class MethodSpec:
    """A method: its function ``(call, **kwargs)``, whether it is ``@api.model`` (takes no
    ids), whether it is read-only, the access right it needs, and where it applies."""

    name: str
    function: Callable[..., Any]
    model_method: bool = False
    readonly: bool = False
    operation: str | None = "write"
    models: frozenset[str] | None = None
    requires_active: bool = False

    @property
    def signature(self) -> inspect.Signature:
        """The method's parameters, without the ``call`` argument."""
        full = inspect.signature(self.function)
        return full.replace(parameters=list(full.parameters.values())[1:])

    def bind(self, kwargs: Mapping[str, Any]) -> inspect.BoundArguments:
        """Bind keyword arguments as the JSON-2 controller does.

        Raises:
            UnprocessableEntity: missing or unexpected arguments (Odoo's 422 message).
        """
        try:
            return self.signature.bind(**kwargs)
        except TypeError as exc:
            raise UnprocessableEntity(str(exc)) from None

    def positional(self, args: Sequence[Any], kwargs: Mapping[str, Any]
                   ) -> inspect.BoundArguments:
        """Bind positional and keyword arguments (the legacy RPC protocols).

        Raises:
            TypeError: arguments that do not fit the signature.
        """
        return self.signature.bind(*args, **kwargs)


class MethodRegistry:
    """Methods by name, generic or for given models."""

    def __init__(self) -> None:
        self._methods: dict[str, list[MethodSpec]] = {}

    def register(self, spec: MethodSpec) -> None:
        """Add a method; a model-specific one wins over a generic one of the same name."""
        entries = [s for s in self._methods.get(spec.name, []) if s.models != spec.models]
        if spec.models is not None:
            entries.insert(0, spec)
        else:
            entries.append(spec)
        self._methods[spec.name] = entries

    def remove(self, name: str) -> None:
        """Forget every method called ``name``."""
        self._methods.pop(name, None)

    def get(self, model: str, name: str, *, has_active: bool) -> MethodSpec | None:
        """The method ``name`` of ``model``, if it has one."""
        for spec in self._methods.get(name, []):
            if (spec.models is None or model in spec.models) and (
                    has_active or not spec.requires_active):
                return spec
        return None

    def names(self, model: str, *, has_active: bool) -> list[str]:
        """Every method name ``model`` answers."""
        return sorted(name for name in self._methods
                      if self.get(model, name, has_active=has_active) is not None)


# -- generic ORM methods -----------------------------------------------------------------


def _limit(limit: Any) -> int | None:
    """A limit as Odoo applies it: ``None``, ``False`` and ``0`` mean no limit (its SQL
    gets a ``LIMIT`` only for a truthy limit)."""
    if limit is None or limit is False or limit == 0:
        return None
    return int(limit)


def search(call: Call, domain: Any, offset: int = 0, limit: int | None = None,
           order: str | None = None) -> list[int]:
    """Ids of the records matching ``domain``, ordered, sliced."""
    return call.env.search(call.model, domain, offset=offset, limit=_limit(limit), order=order)


def search_count(call: Call, domain: Any, limit: int | None = None) -> int:
    """How many records match ``domain`` (at most ``limit``)."""
    found = len(call.env.search(call.model, domain))
    return min(found, int(limit)) if limit else found


_READ_KWARGS: Final = frozenset({"load"})


def search_read(call: Call, domain: Any = None, fields: Sequence[str] | None = None,
                offset: int = 0, limit: int | None = None, order: str | None = None,
                **read_kwargs: Any) -> list[dict[str, Any]]:
    """``search`` then ``read``: one dict per record found."""
    for name in read_kwargs:
        if name not in _READ_KWARGS:
            raise TypeError(f"BaseModel._read_format() got an unexpected keyword argument "
                            f"'{name}'")
    ids = call.env.search(call.model, domain, offset=offset, limit=_limit(limit), order=order)
    # the fields are checked even when nothing matches, as in Odoo
    return call.env.read(call.model, ids, fields, read_kwargs.get("load", "_classic_read"))


def read(call: Call, fields: Sequence[str] | None = None,
         load: str | None = "_classic_read") -> list[dict[str, Any]]:
    """The records' ``fields`` (all when None); missing ids are left out."""
    return call.env.read(call.model, call.ids, fields, load)


def create(call: Call, vals_list: Any) -> list[int]:
    """Create records from a dict or a list of dicts; always returns a list of ids."""
    if isinstance(vals_list, Mapping):
        vals_list = [vals_list]
    if not isinstance(vals_list, list):
        raise ValueError(f"Invalid vals_list {vals_list!r}")
    return call.env.create(call.model, vals_list)


def write(call: Call, vals: Mapping[str, Any]) -> bool:
    """Write ``vals`` on the records; ``true``."""
    if call.ids:
        call.env.write(call.model, call.ids, vals)
    return True


def unlink(call: Call) -> bool:
    """Delete the records; ``true``."""
    if call.ids:
        call.env.unlink(call.model, call.ids)
    return True


def copy(call: Call, default: Mapping[str, Any] | None = None) -> list[int]:
    """Duplicate the records with ``default`` values; the new ids."""
    env = call.env
    call.env.ensure_exist(call.model, call.ids)
    definition = env.model(call.model)
    new_ids = []
    for record_id in call.ids:
        row = env.db[call.model].rows[record_id]
        values: dict[str, Any] = {}
        for field in definition.fields.values():
            if (not field.store or field.name in ("id", "create_date", "write_date",
                                                  "create_uid", "write_uid", "display_name",
                                                  "complete_name") or field.type == "one2many"):
                continue
            value = row.get(field.name, False)
            values[field.name] = [[6, 0, list(value or [])]] if field.type == "many2many" \
                else value
        if values.get("name"):
            values["name"] = f"{values['name']} (copy)"
        if call.model == "sale.order":
            values.pop("name", None)
            values["state"] = "draft"
        values.update(default or {})
        new_ids.extend(env.create(call.model, [values]))
    return new_ids


def name_search(call: Call, name: str = "", domain: Any = None, operator: str = "ilike",
                limit: int = 100) -> list[list[Any]]:
    """``[id, display_name]`` pairs of records whose name matches."""
    env = call.env
    base = Domain(domain or [])
    if name:
        fields = ["display_name"] if "display_name" in env.model(call.model).fields else []
        searchable = [f for f in ("complete_name", "name", "email", "ref", "default_code")
                      if f in env.model(call.model).fields and env.model(call.model)
                      .fields[f].store]
        base &= Domain.OR([[(f, operator, name)] for f in searchable or fields])
    ids = env.search(call.model, base.to_list(), limit=_limit(limit))
    return [[rid, env.display_name(call.model, rid)] for rid in ids]


def name_create(call: Call, name: str) -> list[Any] | bool:
    """Create a record from its name; ``[id, display_name]``."""
    env = call.env
    rec_name = env.model(call.model).rec_name
    if rec_name == "id":
        return False
    [record_id] = env.create(call.model, [{rec_name: name}])
    return [record_id, env.display_name(call.model, record_id)]


def fields_get(call: Call, allfields: Sequence[str] | None = None,
               attributes: Sequence[str] | None = None) -> dict[str, Any]:
    """The fields' definitions, limited to ``allfields`` and ``attributes``."""
    definition = call.env.model(call.model)
    names = list(allfields) if allfields else list(definition.fields)
    result = {}
    for name in names:
        field = definition.fields.get(name)
        if field is None:
            continue
        description = dict(field.description)
        if attributes:
            description = {k: v for k, v in description.items() if k in attributes}
        result[name] = description
    return result


def default_get(call: Call, fields: Sequence[str]) -> dict[str, Any]:
    """Default values of ``fields`` for a new record."""
    return call.env.rules.default_get(call.env, call.model, list(fields))


def web_read(call: Call, specification: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The records read along a nested ``specification``."""
    return call.env.web_read(call.model, call.ids, specification)


def web_search_read(call: Call, domain: Any, specification: Mapping[str, Any],
                    offset: int = 0, limit: int | None = None, order: str | None = None,
                    count_limit: int | None = None) -> dict[str, Any]:
    """``{length, records}``: a search read along a ``specification``."""
    env = call.env
    ids = env.search(call.model, domain, offset=offset, limit=_limit(limit), order=order)
    records = env.web_read(call.model, ids, specification)
    if not records:
        return {"length": 0, "records": []}
    current = len(records) + offset
    limit_reached = len(records) == limit
    count_limit_reached = bool(count_limit) and count_limit <= current  # type: ignore[operator]
    if limit and ((limit_reached and not count_limit_reached)
                  or env.context.get("force_search_count")):
        length = search_count(call, domain, count_limit)
    else:
        length = current
    return {"length": length, "records": records}


def load(call: Call, fields: Sequence[str], data: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Import rows of text, upserting by external id; all or nothing."""
    return load_rows(call.env, call.model, list(fields), [list(row) for row in data],
                     name_required=(PARTNER_NAME_REQUIRED, SQL_CONSTRAINT_PREFIX))


def _group_value(env: Env, field: FieldDef, value: Any) -> Any:
    if field.type == "many2one" and value and field.relation:
        return [value, env.display_name(field.relation, value)]
    return value


def _groups(call: Call, domain: Any, groupby: Sequence[str]
            ) -> tuple[dict[tuple[Any, ...], list[int]], list[FieldDef]]:
    env = call.env
    definition = env.model(call.model)
    fields = []
    for spec in groupby:
        name = spec.split(":", 1)[0]
        if ":" in spec:
            raise ValueError(f"the fake server does not group by date granularity ({spec!r})")
        if name not in definition.fields:
            raise ValueError(f"Invalid field {name!r} on model {call.model!r}")
        fields.append(definition.fields[name])
    ids = env.search(call.model, domain)
    table = env.db[call.model]
    groups: dict[tuple[Any, ...], list[int]] = {}
    for rid in ids:
        key = tuple(_key(table.rows[rid].get(field.name, False)) for field in fields)
        groups.setdefault(key, []).append(rid)
    return groups, fields


def _key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _aggregate(env: Env, model: str, ids: list[int], spec: str) -> Any:
    if spec == "__count":
        return len(ids)
    name, _, function = spec.partition(":")
    field = env.model(model).fields.get(name)
    if field is None:
        raise ValueError(f"Invalid field {name!r} on model {model!r}")
    values = [env.db[model].rows[rid].get(name, False) for rid in ids]
    numbers = [float(v) for v in values if isinstance(v, (int, float)) and v is not False]
    function = function or "sum"
    if function == "sum":
        return round(sum(numbers), 10)
    if function == "avg":
        return sum(numbers) / len(numbers) if numbers else False
    if function == "min":
        return min(numbers) if numbers else False
    if function == "max":
        return max(numbers) if numbers else False
    if function == "count":
        return sum(1 for v in values if v is not False)
    if function == "count_distinct":
        return len({_key(v) for v in values if v is not False})
    if function == "array_agg":
        return values
    raise ValueError(f"Invalid aggregate function {function!r}")


def _sorted_groups(call: Call, groups: dict[tuple[Any, ...], list[int]],
                   fields: list[FieldDef]) -> list[tuple[tuple[Any, ...], list[int]]]:
    env = call.env

    def sort_key(item: tuple[tuple[Any, ...], list[int]]) -> tuple[Any, ...]:
        parts: list[tuple[int, Any]] = []
        for field, value in zip(fields, item[0], strict=True):
            if field.type == "many2one" and value and field.relation:
                order = env.sorted_ids(field.relation, [
                    k[fields.index(field)] for k in groups if k[fields.index(field)]])
                parts.append((0, order.index(value)))
            else:
                parts.append((1, "") if value is False else (0, value))
        return tuple(parts)

    return sorted(groups.items(), key=sort_key)


def formatted_read_group(call: Call, domain: Any, groupby: Sequence[str] = (),
                         aggregates: Sequence[str] = (), having: Any = (), offset: int = 0,
                         limit: int | None = None, order: str | None = None
                         ) -> list[dict[str, Any]]:
    """Groups of the records matching ``domain`` with ``aggregates``."""
    if having:
        raise ValueError("the fake server does not support 'having'")
    groups, fields = _groups(call, domain, list(groupby))
    result = []
    for key, ids in _sorted_groups(call, groups, fields):
        row: dict[str, Any] = {}
        extra = []
        for spec, field, value in zip(groupby, fields, key, strict=True):
            row[spec] = _group_value(call.env, field, value)
            extra.append([field.name, "=", value])
        row["__extra_domain"] = extra
        for aggregate in aggregates:
            row[aggregate] = _aggregate(call.env, call.model, ids, aggregate)
        result.append(row)
    wanted = _limit(limit)
    end = None if wanted is None else offset + wanted
    return result[offset:end]


def read_group(call: Call, domain: Any, fields: Sequence[str], groupby: Any,
               offset: int = 0, limit: int | None = None, orderby: Any = False,
               lazy: bool = True) -> list[dict[str, Any]]:
    """Groups in the deprecated ``read_group`` format."""
    specs = [groupby] if isinstance(groupby, str) else list(groupby)
    if lazy:
        specs = specs[:1]
    groups, group_fields = _groups(call, domain, specs)
    result = []
    for key, ids in _sorted_groups(call, groups, group_fields):
        row: dict[str, Any] = {}
        conditions = []
        for field, value in zip(group_fields, key, strict=True):
            row[field.name] = _group_value(call.env, field, value)
            conditions.append((field.name, "=", value))
        count_key = f"{group_fields[0].name}_count" if lazy and group_fields else "__count"
        row[count_key] = len(ids)
        for spec in fields:
            name = spec.split(":", 1)[0]
            if name in row or name == "__count":
                continue
            row[name] = _aggregate(call.env, call.model, ids, spec)
        row["__domain"] = Domain.AND([conditions, domain or []]).to_list()
        result.append(row)
    wanted = _limit(limit)
    end = None if wanted is None else offset + wanted
    return result[offset:end]


def action_archive(call: Call) -> None:
    """Archive the records."""
    if call.ids:
        call.env.write(call.model, call.ids, {"active": False})


def action_unarchive(call: Call) -> None:
    """Restore archived records."""
    if call.ids:
        call.env.write(call.model, call.ids, {"active": True})


# -- model-specific methods --------------------------------------------------------------


def context_get(call: Call) -> dict[str, Any]:
    """The calling user's context: ``lang``, ``tz``, ``uid``."""
    user = call.env.user
    return {"lang": user.lang, "tz": user.tz or False, "uid": user.uid}


def has_group(call: Call, group_ext_id: str) -> bool:
    """Whether the user belongs to the group ``group_ext_id``."""
    if len(call.ids) != 1:
        raise ValueError(f"Expected singleton: res.users{tuple(call.ids)!r}")
    return group_ext_id in call.env.user.groups if call.ids[0] == call.env.uid else \
        group_ext_id == "base.group_user"


GENERIC_METHODS: Final = (
    MethodSpec("search", search, model_method=True, readonly=True, operation="read"),
    MethodSpec("search_read", search_read, model_method=True, readonly=True,
               operation="read"),
    MethodSpec("search_count", search_count, model_method=True, readonly=True,
               operation="read"),
    MethodSpec("read", read, readonly=True, operation="read"),
    MethodSpec("create", create, model_method=True, operation="create"),
    MethodSpec("write", write),
    MethodSpec("unlink", unlink, operation="unlink"),
    MethodSpec("copy", copy, operation="create"),
    MethodSpec("name_search", name_search, model_method=True, readonly=True,
               operation="read"),
    MethodSpec("name_create", name_create, model_method=True, operation="create"),
    MethodSpec("fields_get", fields_get, model_method=True, operation=None),
    MethodSpec("default_get", default_get, model_method=True, operation=None),
    MethodSpec("web_search_read", web_search_read, model_method=True, readonly=True,
               operation="read"),
    MethodSpec("web_read", web_read, readonly=True, operation="read"),
    MethodSpec("load", load, model_method=True, operation="create"),
    MethodSpec("formatted_read_group", formatted_read_group, model_method=True,
               readonly=True, operation="read"),
    MethodSpec("read_group", read_group, model_method=True, readonly=True,
               operation="read"),
    MethodSpec("action_archive", action_archive, requires_active=True),
    MethodSpec("action_unarchive", action_unarchive, requires_active=True),
    MethodSpec("context_get", context_get, model_method=True, readonly=True,
               operation=None, models=frozenset({"res.users"})),
    MethodSpec("has_group", has_group, readonly=True, operation=None,
               models=frozenset({"res.users"})),
)
"""The ORM's generic methods and the few model methods every model has."""
