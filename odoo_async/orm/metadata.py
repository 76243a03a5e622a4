"""Field metadata (``fields_get``), loaded once per model and client, shared by views."""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

import attrs

__all__ = ["FIELD_ATTRIBUTES", "FieldInfo", "MetadataCache", "ModelInfo"]

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


Loader = Callable[[str], Awaitable[Mapping[str, Any]]]


class MetadataCache:
    """Model metadata by name; concurrent requests for one model share one call.

    The call runs in a task of its own: a caller that is cancelled while waiting stops
    waiting, and neither cancels the call nor fails the other callers.
    """

    def __init__(self, load: Loader, models: dict[str, ModelInfo] | None = None) -> None:
        """``models``: a table shared with other caches of the same server, database
        and user (metadata loaded by one is known to all)."""
        self._load = load
        self._models: dict[str, ModelInfo] = {} if models is None else models
        self._pending: dict[str, asyncio.Task[ModelInfo]] = {}

    def forget(self) -> None:
        """Forget every model's metadata (for this client and the others sharing it):
        the next fetches ask ``fields_get`` again."""
        self._models.clear()

    def known(self, model: str) -> ModelInfo | None:
        """The metadata if already loaded (no I/O)."""
        return self._models.get(model)

    async def _fetch(self, model: str) -> ModelInfo:
        try:
            answer = await self._load(model)
            info = ModelInfo(model, {name: FieldInfo.from_fields_get(name, description)
                                     for name, description in answer.items()})
            self._models[model] = info
            return info
        finally:
            self._pending.pop(model, None)

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
            task.add_done_callback(_consume)
        return await asyncio.shield(task)


def _consume(task: asyncio.Task[ModelInfo]) -> None:
    """Mark a failure retrieved: every waiter may have gone (it is raised to those left)."""
    if not task.cancelled():
        task.exception()
