"""Field metadata (``fields_get``), loaded once per model and client, shared by views."""

from __future__ import annotations

import asyncio
import difflib
import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

import attrs

from odoo_async.errors import AccessError, OdooError, UnknownModelError

__all__ = ["FIELD_ATTRIBUTES", "FieldInfo", "MetadataCache", "ModelInfo", "SharedModels"]

FIELD_ATTRIBUTES: Final = ("type", "string", "relation", "required", "readonly", "selection",
                           "digits", "currency_field")
RELATIONAL: Final = frozenset({"many2one", "one2many", "many2many"})


@attrs.frozen
class FieldInfo:
    """What the recordset layer needs to know of a field."""

    name: str
    type: str
    string: str = ""
    relation: str | None = None
    required: bool = False
    readonly: bool = False
    selection: tuple[tuple[str, str], ...] | None = None
    digits: int | None = None
    """Decimals a float field keeps (Odoo rounds what it stores), when it has any."""
    currency_field: str | None = None
    """The field holding a monetary field's currency (whose rounding Odoo applies)."""

    @property
    def relational(self) -> bool:
        """many2one, one2many or many2many."""
        return self.type in RELATIONAL

    @property
    def x2many(self) -> bool:
        """one2many or many2many."""
        return self.type in ("one2many", "many2many")

    @classmethod
    def from_fields_get(cls, name: str, description: Mapping[str, Any]) -> FieldInfo:
        """Build from one entry of a ``fields_get`` answer."""
        selection = description.get("selection")
        digits = description.get("digits")
        scale = digits[1] if isinstance(digits, (list, tuple)) and len(digits) == 2 else None
        return cls(
            name=name,
            type=str(description.get("type", "char")),
            string=str(description.get("string") or name),
            relation=description.get("relation") or None,
            required=bool(description.get("required")),
            readonly=bool(description.get("readonly")),
            selection=(tuple((str(k), str(v)) for k, v in selection)
                       if isinstance(selection, list) else None),
            digits=scale if isinstance(scale, int) and not isinstance(scale, bool) else None,
            currency_field=description.get("currency_field") or None,
        )


@attrs.frozen
class ModelInfo:
    """The fields of one model."""

    model: str
    fields: Mapping[str, FieldInfo]

    def field(self, name: str) -> FieldInfo:
        """The field ``name``.

        Raises:
            ValueError: the model has no such field (with the closest names).
        """
        info = self.fields.get(name)
        if info is None:
            close = difflib.get_close_matches(name, list(self.fields), n=3)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise ValueError(f"{self.model} has no field {name!r}{hint}")
        return info


@attrs.define
class SharedModels:
    """Metadata tables that several caches may share: ``fresh`` (loaded and current),
    ``stale`` (forgotten by ``forget()``, kept for reading recordsets fetched before)."""

    fresh: dict[str, ModelInfo] = attrs.Factory(dict)
    stale: dict[str, ModelInfo] = attrs.Factory(dict)


FieldsLoader = Callable[[str], Awaitable[Mapping[str, Any]]]
"""Given a model, its ``fields_get`` answer."""
RelationsLoader = Callable[[list[str]], Awaitable[list[Mapping[str, Any]]]]
"""Given field names, the relational fields of that name of every model, as
``ir.model.fields`` rows (``model``, ``name``, ``relation``)."""


class MetadataCache:
    """Model metadata by name; concurrent requests for one model share one call.

    The call runs in a task of its own: a caller that is cancelled while waiting stops
    waiting, and neither cancels the call nor fails the other callers.
    """

    def __init__(self, load: FieldsLoader, shared: SharedModels | None = None, *,
                 relations: RelationsLoader | None = None) -> None:
        """``shared``: tables shared with other caches of the same server, database and
        user (metadata loaded by one is known to all). ``relations``: how to learn the
        models a path goes through in one call (see :meth:`load_chains`)."""
        self._load = load
        tables = shared if shared is not None else SharedModels()
        self._models = tables.fresh
        self._stale = tables.stale
        self._pending: dict[str, asyncio.Task[ModelInfo]] = {}
        self._relations = relations
        self._chain_loads: dict[tuple[str, tuple[tuple[str, ...], ...]],
                                asyncio.Future[None]] = {}

    async def load_chains(self, model: str, chains: list[tuple[str, ...]]) -> None:
        """Load the metadata of ``model`` and of every model the ``chains`` of relational
        fields go through from it, in two round trips whatever their depth: ``model``'s
        ``fields_get`` together with one ``ir.model.fields`` search for the relations,
        then every other model's ``fields_get`` at once. A user who may not list fields
        (Odoo keeps ``ir.model.fields`` to administrators) loads one level per round
        trip, as without this; a failure here is left for the fetch to meet.
        """
        unknown = tuple(sorted({chain for chain in chains if not self._knows(model, chain)}))
        if not any(len(chain) > 1 for chain in unknown) or self._relations is None:
            return  # a level or two to learn: no faster than fields_get alone
        key = (model, unknown)
        task = self._chain_loads.get(key)
        if task is None:  # concurrent cold fetches of the same paths share the lookup
            task = self._chain_loads[key] = asyncio.ensure_future(
                self._load_chains(model, unknown))
            task.add_done_callback(lambda _: self._chain_loads.pop(key, None))
        await asyncio.shield(task)

    async def _load_chains(self, model: str, unknown: tuple[tuple[str, ...], ...]) -> None:
        root = asyncio.ensure_future(self.get(model))
        names = sorted({name for chain in unknown for name in chain})
        relations = self._relations
        try:
            rows = [] if relations is None else await relations(names)
        except OdooError as error:
            if isinstance(error, (AccessError, UnknownModelError)):
                self._relations = None  # this user cannot list fields: stop asking
            rows = []
        relation = {(str(row.get("model")), str(row.get("name"))): str(row["relation"])
                    for row in rows if isinstance(row, Mapping) and row.get("relation")}
        models = {model}
        for chain in unknown:
            current = model
            for name in chain:
                target = relation.get((current, name))
                if target is None:
                    break
                models.add(target)
                current = target
        await asyncio.gather(root, *(self.get(m) for m in sorted(models - {model})),
                             return_exceptions=True)

    def _knows(self, model: str, chain: tuple[str, ...]) -> bool:
        """Whether the metadata of every model ``chain`` goes through is loaded."""
        current = model
        for name in chain:
            info = self._models.get(current)
            if info is None:
                return False
            field = info.fields.get(name)
            if field is None or field.relation is None:
                return True  # a plain field (or a wrong name, which compiling reports)
            current = field.relation
        return current in self._models

    def forget(self) -> None:
        """Forget every model's metadata (for this client and the others sharing it):
        the next fetches ask ``fields_get`` again. Until they do, recordsets already
        fetched read their fields with what was known (:meth:`describe`)."""
        self._stale.update(self._models)
        self._models.clear()

    def known(self, model: str) -> ModelInfo | None:
        """The metadata if loaded and not forgotten since (no I/O)."""
        return self._models.get(model)

    def describe(self, model: str) -> ModelInfo | None:
        """The metadata last loaded, even if forgotten since (no I/O): what reading a
        fetched recordset's fields needs."""
        return self._models.get(model) or self._stale.get(model)

    async def _fetch(self, model: str) -> ModelInfo:
        answer = await self._load(model)
        info = ModelInfo(model, {name: FieldInfo.from_fields_get(name, description)
                                 for name, description in answer.items()})
        self._models[model] = info
        self._stale.pop(model, None)
        return info

    def _settled(self, model: str, task: asyncio.Task[ModelInfo]) -> None:
        # a callback, not a ``finally`` in _fetch: with an eager task factory the task
        # may finish before get() has stored it
        if self._pending.get(model) is task:
            del self._pending[model]

    async def get(self, model: str) -> ModelInfo:
        """The metadata of ``model``, loading it (``fields_get``) the first time.

        Raises:
            odoo_async.errors.OdooError: the ``fields_get`` call failed.
        """
        found = self._models.get(model)
        if found is not None:
            return found
        task = self._pending.get(model)
        if task is None:
            task = self._pending[model] = asyncio.ensure_future(self._fetch(model))
            task.add_done_callback(functools.partial(self._settled, model))
            task.add_done_callback(_consume)
        return await asyncio.shield(task)


def _consume(task: asyncio.Task[ModelInfo]) -> None:
    """Mark a failure retrieved: every waiter may have gone (it is raised to those left)."""
    if not task.cancelled():
        task.exception()
