"""The fake server's in-memory database: tables of records, transactions, external ids.

Records are dicts of raw values, as Odoo caches them: ``False`` for empty, a many2one as
its id, a many2many as a list of ids (one2many values are derived from their inverse
many2one). Every call runs in a transaction: an error undoes all its changes. Ids come
from per-table sequences that, as in PostgreSQL, do not give back ids of rolled-back rows.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from odoo_async.testing.fake.schema import ModelDef, Schema

__all__ = ["Database", "Table"]

Record = dict[str, Any]
Undo = Callable[[], None]


class Table:
    """The records of one model."""

    def __init__(self, model: ModelDef, database: Database) -> None:
        self.model = model
        self.rows: dict[int, Record] = {}
        self.next_id = 1
        self._db = database
        self._indexes: dict[str, dict[Any, set[int]]] = {}

    def index(self, field: str) -> dict[Any, set[int]] | None:
        """Ids by value of ``field``, kept up to date by every change once built; None
        when a value of the field cannot be indexed (a list, a dict)."""
        mapping = self._indexes.get(field)
        if mapping is None:
            mapping = {}
            try:
                for record_id, row in self.rows.items():
                    mapping.setdefault(row.get(field, False), set()).add(record_id)
            except TypeError:
                return None
            self._indexes[field] = mapping
        return mapping

    def _index(self, record_id: int, row: Record, fields: Any = None, *, add: bool) -> None:
        for field, mapping in list(self._indexes.items()):
            if fields is not None and field not in fields:
                continue
            value = row.get(field, False)
            try:
                if add:
                    mapping.setdefault(value, set()).add(record_id)
                else:
                    mapping.get(value, set()).discard(record_id)
            except TypeError:  # the field now holds an unhashable value: drop its index
                del self._indexes[field]

    def ids_where(self, field: str, value: Any) -> list[int]:
        """The ids of the records whose ``field`` holds ``value``, ascending (from the
        field's index; a scan when its values cannot be indexed)."""
        index = self.index(field)
        if index is None:
            return sorted(rid for rid, row in self.rows.items() if row.get(field) == value)
        return sorted(index.get(value, ()))

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.rows

    def get(self, record_id: int) -> Record | None:
        """The record, or None when it does not exist."""
        return self.rows.get(record_id)

    def insert(self, values: Record, record_id: int | None = None) -> int:
        """Add a record (with a new id unless given); returns its id."""
        if record_id is None:
            record_id = self.next_id
        self.next_id = max(self.next_id, record_id + 1)
        row = dict(values)
        row["id"] = record_id
        self.rows[record_id] = row
        self._index(record_id, row, add=True)

        def undo() -> None:
            removed = self.rows.pop(record_id, None)
            if removed is not None:
                self._index(record_id, removed, add=False)

        self._db.journal(undo)
        return record_id

    def update(self, record_id: int, values: Record) -> None:
        """Change fields of an existing record."""
        row = self.rows[record_id]
        previous = {key: copy.copy(row[key]) for key in values if key in row}
        missing = [key for key in values if key not in row]

        def undo() -> None:
            target = self.rows.get(record_id)
            if target is not None:
                self._index(record_id, target, values, add=False)
                target.update(previous)
                for key in missing:
                    target.pop(key, None)
                self._index(record_id, target, values, add=True)

        self._index(record_id, row, values, add=False)
        row.update(values)
        self._index(record_id, row, values, add=True)
        self._db.journal(undo)

    def delete(self, record_id: int) -> None:
        """Remove a record."""
        row = self.rows.pop(record_id)
        self._index(record_id, row, add=False)

        def undo() -> None:
            self.rows[record_id] = row
            self._index(record_id, row, add=True)

        self._db.journal(undo)


class Database:
    """Every table, the external ids, and the transaction journal."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.tables = {name: Table(model, self) for name, model in schema.models.items()}
        self.xmlids: dict[str, tuple[str, int]] = {}
        self.sequences: dict[str, int] = {}
        """The last number each sequence gave (``sale.order`` names)."""
        self._journal: list[Undo] | None = None
        self._writer: asyncio.Lock | None = None

    def __getitem__(self, model: str) -> Table:
        return self.tables[model]

    def journal(self, undo: Undo) -> None:
        """Remember how to undo a change (inside a transaction)."""
        if self._journal is not None:
            self._journal.append(undo)

    def set_xmlid(self, xmlid: str, model: str, record_id: int) -> None:
        """Register an external id (also as an ``ir.model.data`` record, which clients
        search to find records by external id)."""
        previous = self.xmlids.get(xmlid)
        self.xmlids[xmlid] = (model, record_id)
        table = self.tables.get("ir.model.data")
        if table is not None and previous is None:
            module, _, name = xmlid.partition(".")
            table.insert({"module": module, "name": name, "model": model,
                          "res_id": record_id, "noupdate": False})

        def undo() -> None:
            if previous is None:
                self.xmlids.pop(xmlid, None)
            else:
                self.xmlids[xmlid] = previous

        self.journal(undo)

    @property
    def writer(self) -> asyncio.Lock:
        """Held by every call for its transaction: a transaction that waits on something
        (an async webhook handler) keeps other calls out until it commits or rolls back,
        as Odoo's separate transactions would never see or undo each other's work."""
        if self._writer is None:
            self._writer = asyncio.Lock()
        return self._writer

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run a call: commit on success, undo everything on an exception.

        Raises:
            BaseException: whatever the block raised, after its changes are undone.
        """
        outer = self._journal
        self._journal = []
        try:
            yield
        except BaseException:
            for undo in reversed(self._journal):
                undo()
            raise
        finally:
            done, self._journal = self._journal, outer
            if outer is not None:
                outer.extend(done)

    @contextmanager
    def savepoint(self) -> Iterator[list[Undo]]:
        """A nested transaction whose changes can be undone on their own."""
        with self.transaction():
            assert self._journal is not None
            yield self._journal

    def rollback(self, changes: list[Undo]) -> None:
        """Undo the changes of a savepoint (and forget them)."""
        for undo in reversed(changes):
            undo()
        changes.clear()
