"""Models: ``client["res.partner"]``, the entry point of searches, creations and model
methods."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from odoo_async.domain import Domain
from odoo_async.orm.changes import Change, ChangeCursor, changes
from odoo_async.orm.metadata import FieldInfo
from odoo_async.orm.methods import MethodProxy, private
from odoo_async.orm.query import Query
from odoo_async.orm.recordset import Recordset
from odoo_async.transport.base import validate_method, validate_model

if TYPE_CHECKING:
    from odoo_async.orm.env import Environment

__all__ = ["Model", "ModelMethod"]


class ModelMethod(MethodProxy):
    """A public ``@api.model`` method, called without ids: ``await Model.default_get(...)``.
    Used as a value it raises :class:`MethodUsedAsValueError`."""

    def __init__(self, model: Model, name: str) -> None:
        self._model = model
        self._name = validate_method(name)
        self._model_name = model.name
        info = model.env.state.metadata.describe(model.name)
        self._known_fields = list(info.fields) if info is not None else None

    async def __call__(self, **params: Any) -> Any:
        """Call the method and return its result as Odoo sent it.

        Raises:
            odoo_async.errors.OdooError: as ``Client.call``.
        """
        return await self._model.env.call(self._model.name, self._name, **params)

    def __repr__(self) -> str:
        return f"<method {self._model.name}.{self._name}>"


class Model:
    """One Odoo model seen through an environment. Creating one does no I/O."""

    __slots__ = ("env", "name")

    def __init__(self, env: Environment, name: str) -> None:
        """Raises:
            ValueError, TypeError: an invalid model name.
        """
        self.env = env
        self.name = validate_model(name)

    def __repr__(self) -> str:
        return f"Model({self.name!r})"

    def __getattr__(self, name: str) -> ModelMethod:
        if name.startswith("__"):
            raise AttributeError(name)
        if name.startswith("_"):
            raise private(self.name, name)
        return ModelMethod(self, name)

    def with_context(self, **values: Any) -> Model:
        """The same model with more context."""
        return Model(self.env.with_context(**values), self.name)

    def search(self, domain: Domain | Sequence[Any] | None = None, *,
               order: str | None = None, limit: int | None = None, offset: int = 0) -> Query:
        """A lazy search (nothing is sent until it is awaited or fetched).

        Raises:
            ValueError, TypeError: an invalid domain, limit or offset.
        """
        query = Query(self.env, self.name, Domain(domain if domain is not None else []))
        if order is not None:
            query = query.order(order)
        return query.limit(limit).offset(offset)

    def changes(self, since: ChangeCursor | str | None = None, *,
                fields: Sequence[str] = ("display_name",),
                domain: Domain | Sequence[Any] | None = None, page_size: int = 500,
                poll_interval: float | None = None, settle: float = 2.0
                ) -> AsyncIterator[Change]:
        """Every record created or written after ``since``, oldest change first, each as
        a :class:`Change` (``.record`` with ``fields`` read, ``.cursor`` to resume after
        it): one ``web_search_read`` per page of ``page_size``. ::

            async for change in odoo["res.partner"].changes(since=saved, fields=["email"]):
                push(change.record)
                saved = str(change.cursor)

        The cursor is ``(write_date, id)``: records written in the same second are
        neither skipped nor repeated across pages. ``since=None`` starts from the oldest
        record. Archived records are included (archiving is a change); deleted records
        are not (nothing is left to read). With ``poll_interval`` the feed waits that
        many seconds once caught up and goes on forever; without, it ends there.
        ``settle`` (2 s) holds back records written in the last seconds (by this
        machine's clock, which must be close to the server's): Odoo keeps ``write_date``
        to the second, so a record written again within the second the feed last read, or
        by a transaction that committed late, would otherwise land behind the cursor and
        be missed. ``settle=0`` reads up to now (a one-off export of a quiet table).

        Raises:
            ValueError: a malformed cursor, a bad ``page_size``/``poll_interval``/``settle``
                or an unknown field.
            odoo_async.errors.OdooError: a call failed.
        """
        return changes(self.env, self.name, since=since, fields=fields, domain=domain,
                       page_size=page_size, poll_interval=poll_interval, settle=settle)

    async def search_count(self, domain: Domain | Sequence[Any] | None = None) -> int:
        """How many records match ``domain``.

        Raises:
            ValueError, TypeError: an invalid domain.
            odoo_async.errors.OdooError: the call failed.
        """
        return await self.search(domain).count()

    def browse(self, ids: int | Iterable[int]) -> Recordset:
        """The records with these ids (no I/O: nothing says they exist).

        Raises:
            TypeError, ValueError: ids that are not positive ints.
        """
        return Recordset(self.env, self.name, [ids] if isinstance(ids, int) else ids)

    async def create(self, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]
                     ) -> Recordset:
        """Create one record (a dict) or several (a list of dicts) in one call.

        Raises:
            TypeError, ValueError: values that cannot be sent.
            odoo_async.errors.OdooError: the call failed.
        """
        rows: list[Mapping[str, Any]] = (
            [values] if isinstance(values, Mapping) else list(values))
        convert = self.env.client.convert_values
        vals_list = [convert(row, where=f"values[{i}]") for i, row in enumerate(rows)]
        ids = await self.env.call(self.name, "create", vals_list=vals_list)
        return Recordset(self.env, self.name, ids if isinstance(ids, list) else [ids])

    async def default_get(self, fields: Sequence[str]) -> dict[str, Any]:
        """Default values Odoo would give ``fields`` of a new record.

        Raises:
            odoo_async.errors.OdooError: the call failed.
        """
        result: dict[str, Any] = await self.env.call(self.name, "default_get",
                                                     fields=list(fields))
        return result

    async def ref(self, xml_id: str) -> Recordset:
        """The record with the external id ``xml_id`` (``"base.main_company"``), as Odoo's
        ``env.ref``: one ``search_read`` on ``ir.model.data``.

        Raises:
            ValueError: ``xml_id`` is not ``module.name``, no record of this model has it,
                or it names a record of another model.
            odoo_async.errors.OdooError: the call failed.
        """
        module, _, name = xml_id.partition(".") if isinstance(xml_id, str) else ("", "", "")
        if not module or not name:
            raise ValueError(f"an external id is 'module.name', got {xml_id!r}")
        found = await self.env.call("ir.model.data", "search_read",
                                    domain=[("module", "=", module), ("name", "=", name)],
                                    fields=["model", "res_id"], limit=1)
        if not found:
            raise ValueError(f"External ID not found in the system: {xml_id}")
        if found[0]["model"] != self.name:
            raise ValueError(f"{xml_id} is a record of {found[0]['model']}, not {self.name}")
        return self.browse(int(found[0]["res_id"]))

    def invalidate(self, ids: Iterable[int] | None = None) -> None:
        """Forget the shared cached values of this model's records (``ids``, or all of
        them): the next fetches read them again. Recordsets already fetched keep their
        snapshot (``refresh()`` reads it again). No I/O."""
        self.env.state.cache.invalidate(self.name, None if ids is None else list(ids))

    async def fields(self) -> Mapping[str, FieldInfo]:
        """The model's fields (``fields_get``, once per client).

        Raises:
            odoo_async.errors.OdooError: the call failed.
        """
        return (await self.env.model_info(self.name)).fields

    async def name_search(self, name: str = "", domain: Domain | Sequence[Any] | None = None,
                          *, operator: str = "ilike", limit: int = 100
                          ) -> list[tuple[int, str]]:
        """``(id, display name)`` pairs of records whose name matches.

        Raises:
            odoo_async.errors.OdooError: the call failed.
        """
        wanted = Domain(domain if domain is not None else [])
        pairs = await self.env.call(self.name, "name_search", name=name, domain=wanted,
                                    operator=operator, limit=limit)
        return [(int(pair[0]), str(pair[1])) for pair in pairs]
