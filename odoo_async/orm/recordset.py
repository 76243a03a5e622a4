"""Recordsets: ordered sets of records of one model, with synchronous access to fetched
fields and asynchronous calls for everything that talks to Odoo."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

from odoo_async.errors import FieldNotLoadedError, MissingError, OutcomeUnknownError
from odoo_async.orm.cache import MISSING, PinnedStore, RecordStore
from odoo_async.orm.metadata import FieldInfo
from odoo_async.orm.methods import MethodProxy, close_field, private
from odoo_async.orm.spec import Spec, compile_known, dump
from odoo_async.transport.base import validate_method, validate_model
from odoo_async.values import from_wire, normalize_ids

if TYPE_CHECKING:
    from odoo_async.orm.env import Environment

__all__ = ["RecordMethod", "Recordset"]


class RecordMethod(MethodProxy):
    """A public method of a model, bound to records: ``await records.action_confirm()``.
    Used as a value (truth, text, comparison, JSON) it raises
    :class:`MethodUsedAsValueError`: it is most likely a misspelt or unfetched field."""

    def __init__(self, records: Recordset, name: str) -> None:
        self._records = records
        self._name = validate_method(name)
        self._model_name = records._name
        info = records.env.state.metadata.describe(records._name)
        self._known_fields = list(info.fields) if info is not None else None

    async def __call__(self, **params: Any) -> Any:
        """Call the method on the records (their ids are sent) and return its result.

        The records' cached values are dropped: the method may have changed them.

        Raises:
            odoo_async.errors.OdooError: as ``Client.call``.
        """
        records = self._records
        try:
            return await records.env.call(records._name, self._name, ids=records.ids, **params)
        finally:
            records._forget()

    def __repr__(self) -> str:
        return f"<method {self._records._name}.{self._name} of {self._records!r}>"


class Recordset:
    """Records of one model, in order, without duplicates.

    Behaves like Odoo's recordsets: ``len``, truth, iteration (single records), indexing
    and slicing, ``in``, ``|``, ``&``, ``-``, equality. Fields that were fetched read as
    attributes with no I/O (``partner.country_id.name``); a many2one gives a recordset of
    zero or one record, an x2many a recordset, dates ``date``/``datetime`` objects and
    ``False`` gives ``None`` (except for booleans). Any other public name is a method of
    the model, called on these records: ``await order.action_confirm()``.
    """

    __slots__ = ("_ids", "_name", "_origins", "_paths", "env")

    def __init__(self, env: Environment, model: str, ids: Iterable[int] = ()) -> None:
        """Raises:
            TypeError, ValueError: an invalid model name or ids.
        """
        self.env = env
        self._name = validate_model(model)
        self._ids: tuple[int, ...] = tuple(dict.fromkeys(normalize_ids(list(ids))))
        self._paths: tuple[str, ...] = ()  # what fetch() read on it, for refresh()
        # the snapshots of the recordsets it was derived from by with_context(): a write
        # through this view drops the records' values there too
        self._origins: tuple[RecordStore, ...] = ()

    @classmethod
    def fetched(cls, env: Environment, model: str, ids: Iterable[int],
                paths: Iterable[str]) -> Recordset:
        """Records a fetch just read ``paths`` of (what ``refresh()`` reads again).

        Raises:
            TypeError, ValueError: an invalid model name or ids.
        """
        records = cls(env, model, ids)
        records._paths = tuple(dict.fromkeys(paths))
        return records

    # -- identity --------------------------------------------------------------------

    @property
    def ids(self) -> list[int]:
        """The record ids, in order."""
        return list(self._ids)

    @property
    def id(self) -> int | bool:
        """The id of a single record; ``False`` for an empty recordset.

        Raises:
            ValueError: more than one record.
        """
        if not self._ids:
            return False
        return self.ensure_one()._ids[0]

    def _new(self, ids: Iterable[int]) -> Recordset:
        records = Recordset(self.env, self._name, ids)
        records._paths = self._paths
        records._origins = self._origins
        return records

    def __repr__(self) -> str:
        return f"{self._name}{self._ids!r}"

    def __len__(self) -> int:
        return len(self._ids)

    def __bool__(self) -> bool:
        return bool(self._ids)

    def __iter__(self) -> Iterator[Recordset]:
        for record_id in self._ids:
            yield self._new([record_id])

    @overload
    def __getitem__(self, index: int) -> Recordset: ...

    @overload
    def __getitem__(self, index: slice) -> Recordset: ...

    def __getitem__(self, index: int | slice) -> Recordset:
        if isinstance(index, slice):
            return self._new(self._ids[index])
        return self._new([self._ids[index]])

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Recordset):
            if item._name != self._name:
                raise TypeError(f"cannot look for {item._name} records in {self._name}")
            return all(i in self._ids for i in item._ids)
        return item in self._ids

    def _same_model(self, other: object) -> Recordset:
        if not isinstance(other, Recordset) or other._name != self._name:
            raise TypeError(f"cannot combine {self._name} records with {other!r}")
        return other

    def __or__(self, other: Recordset) -> Recordset:
        ids = [*self._ids, *self._same_model(other)._ids]
        mine, theirs = self.env.store, other.env.store
        if not isinstance(theirs, PinnedStore) or theirs is mine or not other._ids:
            union = self._new(ids)
        else:
            # both sides' fetched values stay readable on the union, whatever the bound
            pinned = self.env.state.cache.pin(self.env.context)
            pinned.absorb(mine)
            pinned.absorb(theirs)
            union = Recordset(self.env.with_store(pinned), self._name, ids)
            union._paths = tuple(dict.fromkeys([*self._paths, *other._paths]))
        # a write through the union drops the values it changed on both sides too
        origins: list[RecordStore] = []
        for store in (*self._origins, *other._origins, mine, theirs):
            if store is not union.env.store and not any(store is o for o in origins):
                origins.append(store)
        union._origins = tuple(origins)
        return union

    def __and__(self, other: Recordset) -> Recordset:
        theirs = set(self._same_model(other)._ids)
        return self._new([i for i in self._ids if i in theirs])

    def __sub__(self, other: Recordset) -> Recordset:
        theirs = set(self._same_model(other)._ids)
        return self._new([i for i in self._ids if i not in theirs])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Recordset):
            return NotImplemented
        return self._name == other._name and set(self._ids) == set(other._ids)

    def __hash__(self) -> int:
        return hash((self._name, frozenset(self._ids)))

    def ensure_one(self) -> Recordset:
        """This recordset, if it holds exactly one record.

        Raises:
            ValueError: zero or several records.
        """
        if len(self._ids) != 1:
            raise ValueError(f"Expected singleton: {self!r}")
        return self

    def with_context(self, **values: Any) -> Recordset:
        """The same records seen with more context (values are cached per context). A
        write or a method call through it drops these records' values from this
        recordset's snapshot as well (``records.with_context(...).write(...)``)."""
        view = Recordset(self.env.with_context(**values), self._name, self._ids)
        view._origins = (*self._origins, self.env.store)
        return view

    def _forget(self, *, deleted: bool = False) -> None:
        """These records changed through this recordset: drop their values here, in the
        snapshots it was derived from, and in the shared cache."""
        cache = self.env.state.cache
        cache.forget_records(self.env.store, self._name, self._ids, deleted=deleted)
        for origin in self._origins:
            cache.forget_records(origin, self._name, self._ids, deleted=deleted)

    # -- fields ----------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name.startswith("_"):
            raise private(self._name, name)
        info = self.env.state.metadata.describe(self._name)
        if info is not None:
            if name in info.fields:
                return self._value(info.fields[name])
            close = close_field(name, info.fields, typo_only=True)
            if close is not None:
                raise AttributeError(f"{self._name} has no field {name!r}; did you mean "
                                     f"{close!r}?")
        return RecordMethod(self, name)

    def _value(self, field: FieldInfo) -> Any:
        if not self._ids:
            # Odoo's rule: a field read through an empty relation is the field's empty
            # value (an empty recordset for relations), not an error.
            if field.relational:
                assert field.relation is not None
                return Recordset(self.env, field.relation, ())
            return from_wire(False, field.type)
        record_id = self.ensure_one()._ids[0]
        if field.name == "id":
            return record_id
        store = self.env.store
        raw = store.get(self._name, record_id, field.name)
        if raw is MISSING:
            if store.is_missing(self._name, record_id):
                raise MissingError.for_records(self._name, [record_id])
            raise FieldNotLoadedError(self._name, field.name)
        if field.relational:
            assert field.relation is not None
            ids = raw if isinstance(raw, list) else [raw] if raw else []
            return Recordset(self.env, field.relation, ids)
        return from_wire(raw, field.type)

    def mapped(self, path: str) -> Any:
        """The values of a dotted field path over every record (no I/O).

        A path ending on a relational field gives the union of the related records;
        any other path a list of values, one per record reached.

        Raises:
            FieldNotLoadedError: a field on the path was not fetched.
            MissingError: a record on the path is gone.
            ValueError: an unknown field.
        """
        head, _, rest = path.partition(".")
        info = self.env.state.metadata.describe(self._name)
        if info is None:
            raise FieldNotLoadedError(self._name, head)
        field = info.field(head)
        values = [record._value(field) for record in self]
        if field.relational:
            assert field.relation is not None
            merged = Recordset(self.env, field.relation,
                               [i for value in values for i in value._ids])
            return merged.mapped(rest) if rest else merged
        if rest:
            raise ValueError(f"{self._name}.{head} is not relational: cannot follow {path!r}")
        return values

    def filtered(self, predicate: Callable[[Recordset], Any] | str) -> Recordset:
        """The records for which ``predicate(record)`` is true; a field name keeps the
        records whose field is set (no I/O).

        Raises:
            FieldNotLoadedError: the predicate read a field that was not fetched.
        """
        if isinstance(predicate, str):
            path = predicate
            return self._new([r._ids[0] for r in self if _truthy(r.mapped(path))])
        return self._new([r._ids[0] for r in self if predicate(r)])

    def sorted(self, key: Callable[[Recordset], Any] | str | None = None, *,
               reverse: bool = False) -> Recordset:
        """The records sorted by ``key`` (a function of a record, or a field name; the
        current order when None), with no I/O.

        Raises:
            FieldNotLoadedError: the key read a field that was not fetched.
        """
        if key is None:
            return self._new(reversed(self._ids)) if reverse else self
        if isinstance(key, str):
            name = key
            ordered = sorted(self, key=lambda r: _sort_value(r.mapped(name)), reverse=reverse)
        else:
            ordered = sorted(self, key=key, reverse=reverse)
        return self._new([r._ids[0] for r in ordered])

    # -- I/O -------------------------------------------------------------------------

    async def fetch(self, *paths: str) -> Recordset:
        """Read ``paths`` (``"name"``, ``"country_id.code"``, ``"child_ids.email"``) of
        every record in one call, fill the cache, and return the records (this recordset;
        with the cache disabled, an equal one that holds the values).

        Records the server no longer has are remembered as missing: reading their fields
        raises :class:`MissingError`.

        Raises:
            ValueError: no path, or an unknown field (checked before reading records).
            odoo_async.errors.OdooError: a call failed.
        """
        env, plan = await self.env.prepare_fetch(self._name, paths)
        await env.state.loader.fetch_ids(env.store, env.context, plan, list(self._ids))
        if isinstance(env.store, PinnedStore):
            env.store.absorb(self.env.store)  # what this recordset held stays readable
        self._paths = tuple(dict.fromkeys([*self._paths, *paths]))
        self.env = env  # the values fetched stay readable here, whatever the cache bound
        return self

    async def refresh(self, *paths: str) -> Recordset:
        """Read again what was fetched on this recordset (every path, related records and
        limited relations included; for records never fetched through it, the fields
        known of them), plus ``paths``; the shared cache forgets these records first.

        Raises:
            ValueError: an unknown field in ``paths``.
            odoo_async.errors.OdooError: a call failed.
        """
        wanted = dict.fromkeys([*self._paths, *paths])
        if not self._paths:
            store = self.env.store
            for record_id in self._ids:
                wanted.update(dict.fromkeys(sorted(store.fields(self._name, record_id))))
        self.env.state.cache.invalidate(self._name, self._ids)
        if not wanted:
            return self
        env, plan = await self.env.prepare_fetch(self._name, list(wanted))
        await env.state.loader.fetch_ids(env.store, env.context, plan, list(self._ids))
        self.env = env  # a fresh snapshot: nothing of the old one is kept
        self._paths = tuple(wanted)
        return self

    async def read(self, fields: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Odoo's ``read``: one dict per existing record, values as Odoo sends them.

        Raises:
            odoo_async.errors.OdooError: the call failed.
        """
        if not self._ids:
            return []
        result: list[dict[str, Any]] = await self.env.call(
            self._name, "read", ids=self.ids, fields=list(fields) if fields else None)
        return result

    async def write(self, values: Mapping[str, Any]) -> bool:
        """Write ``values`` on every record (``None`` means empty) and drop their cached
        values.

        Raises:
            TypeError, ValueError: values that cannot be sent.
            odoo_async.errors.OdooError: the call failed (MissingError for deleted records).
        """
        vals = self.env.client.convert_values(values)
        if not self._ids:
            return True
        try:
            await self.env.call(self._name, "write", ids=self.ids, vals=vals)
        finally:
            self._forget()
        return True

    async def unlink(self) -> bool:
        """Delete the records; they read as missing afterwards.

        Raises:
            odoo_async.errors.OutcomeUnknownError: the records may or may not be deleted;
                their cached values are dropped.
            odoo_async.errors.OdooError: the call failed.
        """
        if not self._ids:
            return True
        try:
            await self.env.call(self._name, "unlink", ids=self.ids)
        except OutcomeUnknownError:  # gone or not: unknown
            self._forget()
            raise
        self._forget(deleted=True)
        return True

    async def copy(self, default: Mapping[str, Any] | None = None) -> Recordset:
        """Duplicate the records; returns the copies.

        Raises:
            odoo_async.errors.OdooError: the call failed.
        """
        params = {"default": self.env.client.convert_values(default, where="default")} \
            if default else {}
        new_ids = await self.env.call(self._name, "copy", ids=self.ids, **params)
        return self._new(new_ids if isinstance(new_ids, list) else [new_ids])

    async def exists(self) -> Recordset:
        """The records that still exist, archived ones included (one ``search``: Odoo's
        ``exists`` cannot be called remotely).

        Raises:
            odoo_async.errors.OdooError: the call failed.
        """
        if not self._ids:
            return self
        everything = self.env.with_context(active_test=False)
        found = set(await everything.call(self._name, "search",
                                          domain=[("id", "in", self.ids)]))
        gone = [i for i in self._ids if i not in found]
        if gone:
            self.env.state.cache.mark_missing(self._name, gone)
        return self._new([i for i in self._ids if i in found])

    def to_dicts(self, *paths: str, relations: str = "nested") -> list[dict[str, Any]]:
        """The records as plain, JSON-ready dicts (for a web response or an ETL row), one
        per record: ``paths`` as fetched, values as Odoo sent them (dates as ISO strings,
        empty as ``False``); relations as nested dicts (``relations="nested"``) or ids
        (``"ids"``). No I/O: every path must have been fetched.

        Raises:
            ValueError: no path, an unknown field, or a bad ``relations``.
            FieldNotLoadedError: a path was not fetched.
            MissingError: a record is gone.
        """
        if relations not in ("nested", "ids"):
            raise ValueError(f"relations must be 'nested' or 'ids', got {relations!r}")
        if not paths:
            raise ValueError("to_dicts() needs at least one field path")
        spec = compile_known(self._name, paths, self.env.state.metadata.describe)
        if relations == "ids":
            spec = Spec(spec.model, dict.fromkeys(spec.fields))
        return dump(self.env.store, spec, self._ids, strict=True)

    def to_dict(self, *paths: str, relations: str = "nested") -> dict[str, Any]:
        """:meth:`to_dicts` of a single record.

        Raises:
            ValueError: not exactly one record; as :meth:`to_dicts`.
            FieldNotLoadedError: as :meth:`to_dicts`.
        """
        return self.ensure_one().to_dicts(*paths, relations=relations)[0]

    def __odoo_json__(self) -> list[int]:
        return self.ids


def _truthy(values: Any) -> bool:
    if isinstance(values, Recordset):
        return bool(values)
    return any(v not in (None, False, "", 0) for v in values)


def _sort_value(values: Any) -> Any:
    if isinstance(values, Recordset):
        return values.ids
    value = values[0] if values else None
    return (value is None, value)
