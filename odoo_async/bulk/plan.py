"""Planning an upsert chunk: which rows to create, which to write (grouped by identical
changes), which already match. Pure: no I/O, testable on plain data."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from odoo_async.bulk.compare import differs, stored_key, to_write
from odoo_async.bulk.report import RowResult, RowStatus
from odoo_async.orm.metadata import FieldInfo
from odoo_async.secret import Secret

__all__ = ["ChunkPlan", "PlannedRow", "WriteGroup", "key_of", "plan_upsert", "same_values_key"]


@attrs.frozen
class PlannedRow:
    """One input row ready to send: its index, converted values and key."""

    index: int
    values: Mapping[str, Any]
    key: Any = None


@attrs.frozen
class WriteGroup:
    """Rows whose records get the same new values: one ``write`` on all their ids."""

    values: Mapping[str, Any]
    rows: tuple[tuple[PlannedRow, int], ...]
    archived: frozenset[int] = frozenset()

    @property
    def ids(self) -> list[int]:
        """The records written."""
        return [record_id for _, record_id in self.rows]


@attrs.frozen
class ChunkPlan:
    """What one chunk of an upsert will do."""

    creates: tuple[PlannedRow, ...]
    writes: tuple[WriteGroup, ...]
    settled: tuple[RowResult, ...]
    """Rows decided without writing: unchanged, or failed (several records share a key)."""


def key_of(values: Mapping[str, Any], key: Sequence[str],
           fields: Mapping[str, FieldInfo]) -> Any:
    """A row's key (one value, or a tuple for several fields), normalised as stored
    (a many2one as its id).

    Raises:
        KeyError: the row lacks a key field.
        ValueError: a key field is empty.
    """
    parts = []
    for name in key:
        value = values[name]
        info = fields.get(name)
        part = stored_key(info.type if info else None, value)
        if part is False or part == ():
            raise ValueError(f"the key field {name!r} is empty")
        parts.append(part)
    return parts[0] if len(parts) == 1 else tuple(parts)


def same_values_key(values: Mapping[str, Any]) -> str:
    """The key under which rows whose values are identical share one ``write``.

    A :class:`~odoo_async.secret.Secret` is never compared by its masked text (two
    passwords ending alike would look the same): each one stands for itself, so rows
    share a write only when they carry the very same Secret object.
    """
    return json.dumps(values, sort_keys=True, default=_key_part)


def _key_part(value: Any) -> Any:
    if isinstance(value, Secret):
        return ["Secret", id(value)]
    return str(value)


def _changes(row: PlannedRow, record: Mapping[str, Any], key: Sequence[str],
             fields: Mapping[str, FieldInfo],
             rounding: Callable[[FieldInfo, Mapping[str, Any], Mapping[str, Any]], float | None]
             ) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, desired in row.values.items():
        if name in key:
            continue
        info = fields[name]
        if differs(info, record.get(name), desired,
                   currency_rounding=rounding(info, record, row.values)):
            changes[name] = to_write(info, desired)
    return changes


def plan_upsert(
    rows: Iterable[PlannedRow],
    existing: Iterable[Mapping[str, Any]],
    *,
    model: str,
    key: Sequence[str],
    fields: Mapping[str, FieldInfo],
    reactivate: bool = False,
    rounding: Callable[[FieldInfo, Mapping[str, Any], Mapping[str, Any]], float | None]
    = lambda *_: None,
) -> ChunkPlan:
    """Plan a chunk: ``existing`` are the records ``search_read`` found for the chunk's
    keys (archived ones included)."""
    by_key: dict[Any, list[Mapping[str, Any]]] = {}
    for record in existing:
        try:
            record_key = key_of(record, key, fields)
        except (KeyError, ValueError):
            continue
        by_key.setdefault(record_key, []).append(record)
    has_active = "active" in fields
    creates: list[PlannedRow] = []
    groups: dict[str, tuple[dict[str, Any], list[tuple[PlannedRow, int]], set[int]]] = {}
    settled: list[RowResult] = []
    for row in rows:
        matches = by_key.get(row.key)
        if not matches:
            creates.append(row)
            continue
        if len(matches) > 1:
            ids = sorted(int(m["id"]) for m in matches)
            settled.append(RowResult(row.index, row.key, RowStatus.FAILED, error=(
                f"{len(matches)} records of {model} have this key ({ids}): not updated")))
            continue
        record = matches[0]
        record_id = int(record["id"])
        archived = has_active and record.get("active") is False
        changes = _changes(row, record, key, fields, rounding)
        if archived and reactivate:
            changes["active"] = True
        if not changes:
            settled.append(RowResult(row.index, row.key, RowStatus.UNCHANGED, id=record_id,
                                     archived=archived))
            continue
        group_key = same_values_key(changes)
        _, members, archived_ids = groups.setdefault(group_key, (changes, [], set()))
        members.append((row, record_id))
        if archived:
            archived_ids.add(record_id)
    writes = tuple(WriteGroup(values, tuple(members), frozenset(archived_ids))
                   for values, members, archived_ids in groups.values())
    return ChunkPlan(tuple(creates), writes, tuple(settled))
