"""The per-client record cache: field values as fetched, by context.

Values are kept as Odoo sent them (many2one as an id, x2many as a list of ids); the
recordset layer converts them when they are read. Views of the client with different
contexts (``with_context(lang=...)``) share ids but not values: each context has its
own store. Writes and unlinks made through the library invalidate what they change.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

__all__ = ["MISSING", "RecordCache", "RecordStore", "context_key"]

MISSING: Final = object()
"""Returned for a field that is not in the store."""


def context_key(context: Mapping[str, Any]) -> str:
    """A stable key for a context (values may differ by language, timezone...)."""
    return json.dumps(context, sort_keys=True, default=str)


class RecordStore:
    """Field values of records, bounded by ``max_records`` (least recently used first out).

    ``max_records=None``: unbounded.
    """

    def __init__(self, max_records: int | None = None) -> None:
        self.max_records = max_records
        self._values: collections.OrderedDict[tuple[str, int], dict[str, Any]] = (
            collections.OrderedDict())
        self._missing: set[tuple[str, int]] = set()
        self._dropped: dict[tuple[str, int], set[str]] = {}

    def __len__(self) -> int:
        return len(self._values)

    def get(self, model: str, record_id: int, field: str) -> Any:
        """The cached value, or :data:`MISSING`."""
        values = self._values.get((model, record_id))
        if values is None or field not in values:
            return MISSING
        self._values.move_to_end((model, record_id))
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
        self._values.move_to_end(key)
        if self.max_records is not None:
            while len(self._values) > self.max_records:
                self._values.popitem(last=False)

    def is_missing(self, model: str, record_id: int) -> bool:
        """Whether the record was found deleted."""
        return (model, record_id) in self._missing

    def mark_missing(self, model: str, ids: Iterable[int]) -> None:
        """Remember records as deleted (and forget their values)."""
        for record_id in ids:
            self._values.pop((model, record_id), None)
            self._dropped.pop((model, record_id), None)
            self._missing.add((model, record_id))

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

    def clear(self) -> None:
        """Forget everything."""
        self._values.clear()
        self._missing.clear()
        self._dropped.clear()


class RecordCache:
    """One store per context, for one client. ``enabled=False`` gives every fetch a
    private store (results stay usable, nothing is shared between calls)."""

    def __init__(self, *, enabled: bool = True, max_records: int | None = 100_000) -> None:
        self.enabled = enabled
        self.max_records = max_records
        self._stores: dict[str, RecordStore] = {}

    def store(self, context: Mapping[str, Any]) -> RecordStore:
        """The store for ``context`` (a fresh private one when caching is disabled)."""
        if not self.enabled:
            return RecordStore(self.max_records)
        key = context_key(context)
        store = self._stores.get(key)
        if store is None:
            store = self._stores[key] = RecordStore(self.max_records)
        return store

    def invalidate(self, model: str, ids: Iterable[int] | None = None,
                   fields: Iterable[str] | None = None) -> None:
        """Forget values in every context."""
        ids = None if ids is None else list(ids)
        for store in self._stores.values():
            store.invalidate(model, ids, fields)

    def mark_missing(self, model: str, ids: Iterable[int]) -> None:
        """Remember records as deleted in every context."""
        ids = list(ids)
        for store in self._stores.values():
            store.mark_missing(model, ids)

    def clear(self) -> None:
        """Forget everything."""
        self._stores.clear()
