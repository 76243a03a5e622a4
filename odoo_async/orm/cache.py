"""The per-client record cache: field values as fetched, by context.

Values are kept as Odoo sent them (many2one as an id, x2many as a list of ids); the
recordset layer converts them when they are read. Views of the client with different
contexts (``with_context(lang=...)``) share ids but not values: each context has its
own store. Writes and unlinks made through the library invalidate what they change.
"""

from __future__ import annotations

import collections
import json
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

__all__ = ["MISSING", "PinnedStore", "RecordCache", "RecordStore", "context_key"]

_STAMPS: Final = 100_000
"""Changed records remembered to keep fetches that were in flight from caching stale
values; past that, any fetch older than the oldest change forgotten is not cached."""

MISSING: Final = object()
"""Returned for a field that is not in the store."""


def context_key(context: Mapping[str, Any]) -> str:
    """A stable key for a context (values may differ by language, timezone...)."""
    return json.dumps(context, sort_keys=True, default=str)


Key = tuple[str, int]


class _Budget:
    """One least-recently-used order over every entry of a client's stores (values,
    missing marks, dropped-field marks), so that the bound holds for the client as a
    whole, however many contexts it sees."""

    def __init__(self, max_records: int | None) -> None:
        self.max_records = max_records
        self._order: collections.OrderedDict[tuple[int, Key], RecordStore] = (
            collections.OrderedDict())

    def __len__(self) -> int:
        return len(self._order)

    def touch(self, store: RecordStore, key: Key) -> None:
        entry = (id(store), key)
        if entry in self._order:
            self._order.move_to_end(entry)
            return
        self._order[entry] = store
        if self.max_records is not None:
            while len(self._order) > self.max_records:
                (_, old_key), old_store = self._order.popitem(last=False)
                old_store._evict(old_key)

    def forget(self, store: RecordStore, key: Key) -> None:
        self._order.pop((id(store), key), None)


class RecordStore:
    """Field values of records, bounded by ``max_records`` (least recently used first out).

    ``max_records=None``: unbounded. Stores of one client share one bound.
    """

    def __init__(self, max_records: int | None = None, *, budget: _Budget | None = None
                 ) -> None:
        self._budget = budget if budget is not None else _Budget(max_records)
        self._values: dict[Key, dict[str, Any]] = {}
        self._missing: set[Key] = set()
        self._dropped: dict[Key, set[str]] = {}

    @property
    def max_records(self) -> int | None:
        """The bound shared by the client's stores."""
        return self._budget.max_records

    def __len__(self) -> int:
        return len(self._values)

    def _evict(self, key: Key) -> None:
        self._values.pop(key, None)
        self._missing.discard(key)
        self._dropped.pop(key, None)

    def _release_if_empty(self, key: Key) -> None:
        if key not in self._values and key not in self._missing and key not in self._dropped:
            self._budget.forget(self, key)

    def get(self, model: str, record_id: int, field: str) -> Any:
        """The cached value, or :data:`MISSING`."""
        key = (model, record_id)
        values = self._values.get(key)
        if values is None or field not in values:
            return MISSING
        self._budget.touch(self, key)
        return values[field]

    def fields(self, model: str, record_id: int) -> frozenset[str]:
        """The fields cached for a record, and those dropped by an invalidation (what a
        refresh reads again)."""
        key = (model, record_id)
        return frozenset(self._values.get(key, ())) | frozenset(self._dropped.get(key, ()))

    def update(self, model: str, record_id: int, values: Mapping[str, Any]) -> None:
        """Store values of a record (it exists, then)."""
        key = (model, record_id)
        self._missing.discard(key)
        dropped = self._dropped.get(key)
        if dropped is not None:
            dropped.difference_update(values)
            if not dropped:
                del self._dropped[key]
        self._values.setdefault(key, {}).update(values)
        self._budget.touch(self, key)

    def update_own(self, model: str, record_id: int, values: Mapping[str, Any]) -> None:
        """Store values that hold for this store only (a relation read with a limit);
        a plain store has nothing behind it, so it is :meth:`update`."""
        self.update(model, record_id, values)

    def is_missing(self, model: str, record_id: int) -> bool:
        """Whether the record was found deleted."""
        return (model, record_id) in self._missing

    def mark_missing(self, model: str, ids: Iterable[int]) -> None:
        """Remember records as deleted (and forget their values)."""
        for record_id in ids:
            key = (model, record_id)
            self._values.pop(key, None)
            self._dropped.pop(key, None)
            self._missing.add(key)
            self._budget.touch(self, key)

    def invalidate(self, model: str, ids: Iterable[int] | None = None,
                   fields: Iterable[str] | None = None) -> None:
        """Forget values: of ``ids`` (all of the model when None), ``fields`` (all when
        None)."""
        keys = ([key for key in self._values if key[0] == model] if ids is None
                else [(model, record_id) for record_id in ids])
        names = None if fields is None else list(fields)
        for key in keys:
            cached = self._values.get(key, {})
            dropped = set(cached) if names is None else {n for n in names if n in cached}
            if dropped:
                self._dropped.setdefault(key, set()).update(dropped)
            if names is None:
                self._values.pop(key, None)
                self._missing.discard(key)
            else:
                for name in names:
                    cached.pop(name, None)
            self._release_if_empty(key)

    def clear(self) -> None:
        """Forget everything."""
        for key in {*self._values, *self._missing, *self._dropped}:
            self._budget.forget(self, key)
        self._values.clear()
        self._missing.clear()
        self._dropped.clear()


class PinnedStore(RecordStore):
    """The values one fetch returned, kept for the recordsets it returned whatever the
    cache's bound (as a Django QuerySet keeps its results), in front of the shared store
    they are also written to. Reads fall back to the shared store.

    It is a snapshot: a write elsewhere (another request handler's) does not take its
    values away; a write through a recordset drops that recordset's own values for the
    records written (see :meth:`RecordCache.forget_records`)."""

    def __init__(self, shared: RecordStore | None,
                 changed_since_fetch: Callable[[str, int], bool] = lambda *_: False) -> None:
        super().__init__(None)
        self.shared = shared
        self._changed = changed_since_fetch

    def get(self, model: str, record_id: int, field: str) -> Any:
        """The fetched value, else the shared store's, else :data:`MISSING`."""
        value = super().get(model, record_id, field)
        if value is MISSING and self.shared is not None:
            return self.shared.get(model, record_id, field)
        return value

    def fields(self, model: str, record_id: int) -> frozenset[str]:
        """Fields known here or in the shared store."""
        own = super().fields(model, record_id)
        return own | self.shared.fields(model, record_id) if self.shared is not None else own

    def absorb(self, other: RecordStore) -> None:
        """Keep what ``other`` (a pinned store) holds of its own too, for fields this store
        has not read itself: a refetched recordset keeps what it held before, a union
        what each side held, without chaining stores."""
        if not isinstance(other, PinnedStore) or other is self:
            return
        for key, values in other._values.items():
            mine = self._values.get(key)
            if key in self._missing:
                continue
            if mine is None:
                RecordStore.update(self, *key, values)
            else:
                mine.update({k: v for k, v in values.items() if k not in mine})
        for key in other._missing - self._values.keys():
            self._missing.add(key)

    def update(self, model: str, record_id: int, values: Mapping[str, Any]) -> None:
        """Keep the values here, and in the shared store unless the record was changed
        through the library after this fetch was sent (the values would be stale)."""
        super().update(model, record_id, values)
        if self.shared is not None and not self._changed(model, record_id):
            self.shared.update(model, record_id, values)

    def update_own(self, model: str, record_id: int, values: Mapping[str, Any]) -> None:
        """Keep values for this fetch's records only, never in the shared store."""
        RecordStore.update(self, model, record_id, values)

    def is_missing(self, model: str, record_id: int) -> bool:
        """Whether either store found the record deleted."""
        return super().is_missing(model, record_id) or (
            self.shared is not None and self.shared.is_missing(model, record_id))

    def mark_missing(self, model: str, ids: Iterable[int]) -> None:
        """Remember records as deleted here and in the shared store."""
        ids = list(ids)
        super().mark_missing(model, ids)
        if self.shared is not None:
            self.shared.mark_missing(model, ids)


class RecordCache:
    """One store per context, for one client, under one bound (``max_records`` entries
    in all, least recently used out first). ``enabled=False`` gives every fetch a private
    store (results stay usable, nothing is shared between calls)."""

    def __init__(self, *, enabled: bool = True, max_records: int | None = 100_000) -> None:
        self.enabled = enabled
        self.max_records = max_records
        self._budget = _Budget(max_records)
        self._stores: dict[str, RecordStore] = {}
        # stores set aside past 64 contexts, alive while they hold entries or a fetch
        # in flight holds them
        self._idle: weakref.WeakValueDictionary[str, RecordStore] = (
            weakref.WeakValueDictionary())
        self.generation = 0
        self._stamps: collections.OrderedDict[Key, int] = collections.OrderedDict()
        self._model_stamps: dict[str, int] = {}
        self._forgotten = 0  # the newest stamp dropped to keep _stamps bounded

    def _stamp(self, model: str, ids: Iterable[int] | None) -> None:
        """Remember that these records changed now (writes, unlinks, method calls)."""
        self.generation += 1
        if ids is None:
            self._model_stamps[model] = self.generation
            return
        for record_id in ids:
            key = (model, record_id)
            self._stamps[key] = self.generation
            self._stamps.move_to_end(key)
        while len(self._stamps) > _STAMPS:
            _, stamp = self._stamps.popitem(last=False)
            self._forgotten = max(self._forgotten, stamp)

    def changed_since(self, model: str, record_id: int, generation: int) -> bool:
        """Whether a record was changed through the library after ``generation``."""
        stamp = self._stamps.get((model, record_id), self._forgotten)
        return max(stamp, self._model_stamps.get(model, 0)) > generation

    def __len__(self) -> int:
        """Entries kept in all (records with values, or known missing)."""
        return len(self._budget)

    def pin(self, context: Mapping[str, Any]) -> PinnedStore:
        """A store for one fetch's results, in front of the store for ``context`` (alone
        when caching is disabled): a snapshot that other writes leave alone."""
        since = self.generation
        return PinnedStore(self.store(context) if self.enabled else None,
                           lambda model, record_id: self.changed_since(model, record_id,
                                                                       since))

    def store(self, context: Mapping[str, Any]) -> RecordStore:
        """The store for ``context`` (a fresh private one when caching is disabled)."""
        if not self.enabled:
            return RecordStore(self.max_records)
        key = context_key(context)
        store = self._stores.get(key)
        if store is None:
            store = self._idle.pop(key, None)
            if store is None:
                if len(self._stores) > 64:  # past 64 contexts, hold them weakly: the
                    # budget keeps those holding entries, a fetch in flight the one it
                    # fills; the empty ones nothing uses go
                    self._idle.update(self._stores)
                    self._stores.clear()
                store = RecordStore(budget=self._budget)
            self._stores[key] = store
        return store

    def _every_store(self) -> list[RecordStore]:
        return [*self._stores.values(), *self._idle.values()]

    def invalidate(self, model: str, ids: Iterable[int] | None = None,
                   fields: Iterable[str] | None = None) -> None:
        """Forget values in every context (fetched recordsets keep their snapshots)."""
        ids = None if ids is None else list(ids)
        fields = None if fields is None else list(fields)
        self._stamp(model, ids)
        for store in self._every_store():
            store.invalidate(model, ids, fields)

    def mark_missing(self, model: str, ids: Iterable[int]) -> None:
        """Remember records as deleted in every context."""
        ids = list(ids)
        self._stamp(model, ids)
        for store in self._every_store():
            store.mark_missing(model, ids)

    def forget_records(self, store: RecordStore, model: str, ids: Iterable[int], *,
                       deleted: bool = False) -> None:
        """Records were written (``deleted``: unlinked) through a recordset reading
        ``store``: drop their values everywhere they are shared, and in ``store`` itself
        (the writer's own snapshot); other recordsets keep theirs."""
        ids = list(ids)
        if deleted:
            self.mark_missing(model, ids)
        else:
            self.invalidate(model, ids)
        if isinstance(store, PinnedStore):
            if deleted:
                RecordStore.mark_missing(store, model, ids)
            else:
                RecordStore.invalidate(store, model, ids)

    def clear(self) -> None:
        """Forget everything (recordsets already fetched keep their own values)."""
        for store in self._every_store():
            store.clear()
        self._stores.clear()
        self._idle.clear()
