"""Compiling dotted field paths into one nested read specification.

``("name", "country_id.name", "child_ids.email")`` on res.partner becomes the tree::

    name
    country_id -> res.country: name
    child_ids  -> res.partner: email

which is sent as Odoo's ``web_read`` specification (``{"name": {}, "country_id":
{"fields": {"name": {}}}, ...}``) or, without the web module, as one ``read`` per level.
A relational field named without sub-fields reads its ``display_name``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import attrs

from odoo_async.errors import FieldNotLoadedError, MissingError
from odoo_async.orm.cache import MISSING, RecordStore
from odoo_async.orm.metadata import ModelInfo

__all__ = ["Spec", "compile_known", "compile_paths", "dump"]


@attrs.frozen
class Spec:
    """The fields to read on one model; relational fields carry the spec of their comodel."""

    model: str
    fields: Mapping[str, Spec | None]

    def to_specification(self) -> dict[str, Any]:
        """Odoo's ``web_read`` specification."""
        result: dict[str, Any] = {}
        for name, child in self.fields.items():
            result[name] = {} if child is None else {"fields": child.to_specification()}
        return result

    def key(self) -> str:
        """A canonical text form, to recognise identical specifications."""
        parts = [name if child is None else f"{name}({child.key()})"
                 for name, child in sorted(self.fields.items())]
        return f"{self.model}:{','.join(parts)}"


def _split(paths: Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for path in paths:
        if not isinstance(path, str) or not path or any(not p for p in path.split(".")):
            raise ValueError(f"invalid field path {path!r}")
        head, _, rest = path.partition(".")
        grouped.setdefault(head, [])
        if rest:
            grouped[head].append(rest)
    return grouped


def _relation(model: str, info: ModelInfo, head: str, rests: list[str]) -> str | None:
    """The comodel a path goes on to through ``head`` (None for a plain field).

    Raises:
        ValueError: an unknown field, or a path that goes on past a plain field.
    """
    field = info.field(head)
    if rests and not field.relational:
        raise ValueError(f"{model}.{head} is a {field.type} field: the path "
                         f"{head}.{rests[0]} cannot go further")
    return field.relation if field.relational else None


async def compile_paths(model: str, paths: Iterable[str],
                        metadata: Callable[[str], Awaitable[ModelInfo]]) -> Spec:
    """Validate ``paths`` against the models' fields and build the :class:`Spec`.

    Raises:
        ValueError: an empty path, an unknown field (with close names), or a path that
            goes on after a field that is not relational.
        odoo_async.errors.OdooError: loading the metadata failed.
    """
    grouped = _split(paths)
    info = await metadata(model)
    children: dict[str, Any] = {}
    for head, rests in grouped.items():
        relation = _relation(model, info, head, rests)
        children[head] = None if relation is None else compile_paths(
            relation, rests or ["display_name"], metadata)
    resolved = await asyncio.gather(*(v for v in children.values() if v is not None))
    iterator = iter(resolved)
    fields = {name: (None if value is None else next(iterator))
              for name, value in children.items()}
    return Spec(model, fields)


def compile_known(model: str, paths: Iterable[str],
                  known: Callable[[str], ModelInfo | None]) -> Spec:
    """:func:`compile_paths` from metadata already loaded (no I/O).

    Raises:
        ValueError: an empty path, an unknown field, a path past a non-relational field.
        FieldNotLoadedError: a model on the path has no metadata yet (nothing fetched).
    """
    info = known(model)
    if info is None:
        raise FieldNotLoadedError(model, next(iter(paths), "?"))
    children: dict[str, Spec | None] = {}
    for head, rests in _split(paths).items():
        relation = _relation(model, info, head, rests)
        children[head] = None if relation is None else compile_known(
            relation, rests or ["display_name"], known)
    return Spec(model, children)


def dump(store: RecordStore, spec: Spec, ids: Iterable[int], *, strict: bool = False
         ) -> list[dict[str, Any]]:
    """The records ``ids`` as plain, JSON-ready dicts shaped like ``spec``: values as Odoo
    sent them, a many2one as a nested dict (or ``False``), an x2many as a list of dicts.
    Fields not in ``store`` are left out, or with ``strict`` raise.

    Raises:
        FieldNotLoadedError: ``strict``, and a field was not fetched.
        MissingError: ``strict``, and a record is gone.
    """
    rows = []
    for record_id in ids:
        row: dict[str, Any] = {"id": record_id}
        for name, child in spec.fields.items():
            value = store.get(spec.model, record_id, name)
            if value is MISSING:
                if not strict:
                    continue
                if store.is_missing(spec.model, record_id):
                    raise MissingError.for_records(spec.model, [record_id])
                raise FieldNotLoadedError(spec.model, name)
            if child is None:
                row[name] = value
            elif isinstance(value, list):
                row[name] = dump(store, child, [i for i in value if isinstance(i, int)],
                                 strict=strict)
            else:
                row[name] = dump(store, child, [value], strict=strict)[0] if value else False
        rows.append(row)
    return rows
