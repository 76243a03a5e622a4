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
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import attrs

from odoo_async.errors import FieldNotLoadedError, MissingError
from odoo_async.orm.cache import MISSING, RecordStore
from odoo_async.orm.metadata import ModelInfo

__all__ = ["Spec", "compile_known", "compile_paths", "dump", "relation_chains",
           "specification_of_paths"]


@attrs.frozen
class Spec:
    """The fields to read on one model; relational fields carry the spec of their comodel.
    A spec reached through an x2many may carry a ``limit`` and an ``order``: the first
    records of the relation, in that order."""

    model: str
    fields: Mapping[str, Spec | None]
    limit: int | None = None
    order: str | None = None

    def to_specification(self) -> dict[str, Any]:
        """Odoo's ``web_read`` specification."""
        result: dict[str, Any] = {}
        for name, child in self.fields.items():
            if child is None:
                result[name] = {}
                continue
            entry: dict[str, Any] = {"fields": child.to_specification()}
            if child.limit is not None:
                entry["limit"] = child.limit
            if child.order:
                entry["order"] = child.order
            result[name] = entry
        return result

    def key(self) -> str:
        """A canonical text form, to recognise identical specifications."""
        parts = [name if child is None else f"{name}({child.key()})"
                 for name, child in sorted(self.fields.items())]
        options = f"[{self.limit},{self.order}]" if self.limit or self.order else ""
        return f"{self.model}{options}:{','.join(parts)}"

    def has_options(self) -> bool:
        """Whether a relation in the tree asks for a limit or an order."""
        return any(child is not None and (child.limit is not None or bool(child.order)
                                          or child.has_options())
                   for child in self.fields.values())


_HEAD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?", re.DOTALL)
_OPTION = re.compile(r"\s*(\w+)\s*=\s*('[^']*'|\"[^\"]*\"|[^,]*)\s*(?:,|$)")


def _segments(path: str) -> list[str]:
    """``a(order='x desc').b`` split on the dots outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in path:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _options(text: str, path: str) -> tuple[int | None, str | None]:
    limit: int | None = None
    order: str | None = None
    position = 0
    while position < len(text):
        match = _OPTION.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"invalid options {text!r} in {path!r}: expected "
                             "limit=N and/or order='field desc'")
        key, value = match.group(1), match.group(2).strip().strip("'\"")
        if key == "limit" and value.isdigit() and int(value) > 0:
            limit = int(value)
        elif key == "order" and value:
            order = value
        else:
            raise ValueError(f"invalid option {key}={value!r} in {path!r}: expected "
                             "limit=N (N >= 1) and/or order='field desc'")
        position = match.end()
    return limit, order


Options = tuple[int | None, str | None]


def _split(paths: Iterable[str]) -> dict[str, tuple[Options, list[str]]]:
    grouped: dict[str, tuple[Options, list[str]]] = {}
    for path in paths:
        segments = _segments(path) if isinstance(path, str) else []
        if not path or not segments or any(not p for p in segments):
            raise ValueError(f"invalid field path {path!r}")
        match = _HEAD.fullmatch(segments[0])
        if match is None:
            raise ValueError(f"invalid field path {path!r}")
        head = match.group(1)
        options = _options(match.group(2), path) if match.group(2) else (None, None)
        known, rests = grouped.setdefault(head, (options, []))
        if options != (None, None) and known not in (options, (None, None)):
            raise ValueError(f"{head} is given two different limits or orders in {path!r}")
        if options != (None, None):
            grouped[head] = (options, rests)
        if len(segments) > 1:
            rests.append(".".join(segments[1:]))
    return grouped


def _relation(model: str, info: ModelInfo, head: str, rests: list[str],
              options: Options = (None, None)) -> str | None:
    """The comodel a path goes on to through ``head`` (None for a plain field).

    Raises:
        ValueError: an unknown field, a path that goes on past a plain field, or a limit
            or an order on a field that is not an x2many.
    """
    field = info.field(head)
    if rests and not field.relational:
        raise ValueError(f"{model}.{head} is a {field.type} field: the path "
                         f"{head}.{rests[0]} cannot go further")
    if options != (None, None) and not field.x2many:
        raise ValueError(f"{model}.{head} is a {field.type} field: limit and order apply "
                         "to one2many and many2many fields")
    return field.relation if field.relational else None


def _with_options(child: Spec, options: Options) -> Spec:
    """``child`` read with the limit and order a path asked for on its relation."""
    limit, order = options
    return attrs.evolve(child, limit=limit, order=order) if limit or order else child


def specification_of_paths(paths: Iterable[str]) -> dict[str, Any]:
    """The ``web_read`` specification of ``paths`` built without field metadata: every
    last field of a path asks for its ``display_name``, which Odoo ignores on a plain
    field, so the answer is the one the compiled :class:`Spec` would get. A cold client
    sends it while the metadata loads.

    Raises:
        ValueError: an empty or malformed path, or contradicting options.
    """
    result: dict[str, Any] = {}
    for head, ((limit, order), rests) in _split(paths).items():
        entry: dict[str, Any] = {
            "fields": specification_of_paths(rests) if rests else {"display_name": {}}}
        if limit is not None:
            entry["limit"] = limit
        if order:
            entry["order"] = order
        result[head] = entry
    return result


def relation_chains(paths: Iterable[str]) -> list[tuple[str, ...]]:
    """The field names each path goes through, without options: ``"a.b(limit=2).c"``
    gives ``("a", "b", "c")``. Which of them are relational only metadata can say.

    Raises:
        ValueError: an empty or malformed path.
    """
    return [(head, *rest) for head, (_, rests) in _split(paths).items()
            for rest in (relation_chains(rests) if rests else [()])]


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
    fields: dict[str, Spec | None] = dict.fromkeys(grouped)
    relations = {head: relation for head, (options, rests) in grouped.items()
                 if (relation := _relation(model, info, head, rests, options))}
    children = await asyncio.gather(*(
        compile_paths(relation, grouped[head][1] or ["display_name"], metadata)
        for head, relation in relations.items()))
    for head, child in zip(relations, children, strict=True):
        fields[head] = _with_options(child, grouped[head][0])
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
    for head, (options, rests) in _split(paths).items():
        relation = _relation(model, info, head, rests, options)
        children[head] = None if relation is None else _with_options(
            compile_known(relation, rests or ["display_name"], known), options)
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
