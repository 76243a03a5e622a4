"""An environment: a client seen with one context, and the recordset state it shares."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol

from odoo_async.domain import Domain
from odoo_async.errors import FieldNotLoadedError, OdooError
from odoo_async.orm.cache import PinnedStore, RecordCache, RecordStore
from odoo_async.orm.fetchplan import FetchPlan
from odoo_async.orm.loader import RecordLoader
from odoo_async.orm.metadata import (
    FIELD_ATTRIBUTES,
    RELATIONAL,
    MetadataCache,
    ModelInfo,
    SharedModels,
)
from odoo_async.orm.model import Model
from odoo_async.orm.spec import Spec, compile_known, compile_paths, relation_chains
from odoo_async.resilience.clock import Clock
from odoo_async.transport.auto import BUILT_IN_TRANSPORTS
from odoo_async.transport.base import Transport, validate_model

if TYPE_CHECKING:
    from odoo_async.client import Client

__all__ = ["Caller", "Environment", "OrmState", "attach"]


class Caller(Protocol):
    """What the recordset layer needs of a client (:class:`~odoo_async.Client` is one):
    send calls, convert values, and say which server, database and user it talks to."""

    @property
    def url(self) -> str:
        """The server's base URL."""

    @property
    def database(self) -> str | None:
        """The database, when set."""

    @property
    def key_identity(self) -> int:
        """Tells users apart without showing their key."""

    @property
    def transport(self) -> Transport:
        """The transport calls go through."""

    @property
    def clock(self) -> Clock:
        """The time source (sleeping between polls)."""

    async def call(self, model: str, method: str, /, ids: Any = None,
                   context: Mapping[str, Any] | None = None, **params: Any) -> Any:
        """Call ``model.method``; raises what ``Client.call`` raises."""

    def check_loop(self) -> None:
        """Raise if used from another event loop than its own."""

    def convert_values(self, values: Mapping[str, Any], *, where: str = "values"
                       ) -> dict[str, Any]:
        """Record values converted for the wire; raises TypeError, ValueError."""


def attach(client: Client) -> Environment:
    """``client.env``: the recordset layer on ``client``, with the settings it was given
    (``cache``, ``cache_max_records``, ``coalesce``, ``web_read``)."""
    return Environment(client, OrmState(client, **client.recordset_settings))


_METADATA: dict[tuple[str, str | None, int], SharedModels] = {}
"""Field metadata by server, database and user (``fields_get`` depends on the user's
rights), shared by every client of this process that talks JSON-2 over HTTP: a job or a
web app that makes a new client reuses what an earlier one loaded. Clients on a transport
of their own (a test double) keep theirs. Dropped when it reaches 64 entries."""


def _shared_metadata(client: Caller) -> SharedModels | None:
    if not isinstance(client.transport, BUILT_IN_TRANSPORTS):
        return None  # a transport of the user's own (a test double) keeps its metadata
    key = (client.url, client.database, client.key_identity)
    tables = _METADATA.get(key)
    if tables is None:
        if len(_METADATA) >= 64:
            _METADATA.clear()
        tables = _METADATA[key] = SharedModels()
    return tables


_SHAPED_BY_SUB_FIELDS: Final = frozenset({"reference", "many2one_reference", "properties"})
"""Non-relational fields whose ``web_read`` answer changes when sub-fields are asked."""


class OrmState:
    """What every view of one client shares: field metadata, the record cache, the
    loader."""

    def __init__(self, client: Caller, *, cache: bool = True,
                 cache_max_records: int | None = 100_000, coalesce: bool = True,
                 web_read: bool | None = None) -> None:
        self.cache = RecordCache(enabled=cache, max_records=cache_max_records)
        self.metadata = MetadataCache(self._fields_get, _shared_metadata(client),
                                      relations=self._relations)
        self.loader = RecordLoader(client.call, coalesce=coalesce, web_read=web_read)
        self._client = client

    async def _fields_get(self, model: str) -> Mapping[str, Any]:
        answer: Mapping[str, Any] = await self._client.call(
            model, "fields_get", attributes=list(FIELD_ATTRIBUTES))
        return answer

    async def _relations(self, names: list[str]) -> list[Mapping[str, Any]]:
        answer: list[Mapping[str, Any]] = await self._client.call(
            "ir.model.fields", "search_read",
            domain=[("name", "in", names), ("ttype", "in", sorted(RELATIONAL))],
            fields=["model", "name", "relation"])
        return answer


class Environment:
    """``client.env``: models by name (``env["res.partner"]``), with a context.

    ``with_context(**values)`` gives another environment on the same client: it shares
    ids, metadata and connections, but not cached values, which may depend on the
    context (a translated name, a date in another timezone).
    """

    def __init__(self, client: Caller, state: OrmState,
                 context: Mapping[str, Any] | None = None, *,
                 store: RecordStore | None = None) -> None:
        self.client = client
        self.state = state
        self.context: dict[str, Any] = dict(context or {})
        self._store = store

    @classmethod
    def on(cls, client: Caller, *, cache: bool = True,
           cache_max_records: int | None = 100_000, coalesce: bool = True,
           web_read: bool | None = None, context: Mapping[str, Any] | None = None
           ) -> Environment:
        """A recordset layer of its own on ``client`` (as SQLAlchemy's
        ``AsyncSession(engine)``): its own record cache, merging of reads and settings,
        the client's connections. ``client.env`` is the one built from the client's own
        settings. ::

            export = Environment.on(client, cache=False)   # a scan that shares nothing
            async for order in export["sale.order"].search([]).iterate("name"): ...
        """
        state = OrmState(client, cache=cache, cache_max_records=cache_max_records,
                         coalesce=coalesce, web_read=web_read)
        return cls(client, state, context)

    def __getitem__(self, model: str) -> Model:
        """The model ``model`` (no I/O).

        Raises:
            ValueError, TypeError: an invalid model name.
        """
        return Model(self, model)

    def with_context(self, **values: Any) -> Environment:
        """The same client with ``values`` added to the context."""
        return Environment(self.client, self.state, {**self.context, **values})

    async def preload(self, *models: str, related: bool = False) -> None:
        """Load the field metadata of ``models`` now, all at once (concurrent
        ``fields_get`` calls), and with ``related=True`` that of every model their
        relational fields point to (often dozens): the first fetches on them then cost
        no metadata round trip. A web app calls it at startup; a job before its first
        fetch.

        Raises:
            ValueError, TypeError: an invalid model name.
            odoo_async.errors.OdooError: a ``fields_get`` call failed.
        """
        infos = await asyncio.gather(*(self.model_info(validate_model(m)) for m in models))
        if related:
            targets = {f.relation for info in infos for f in info.fields.values()
                       if f.relational and f.relation}
            await asyncio.gather(*(self.model_info(m) for m in sorted(targets)),
                                 return_exceptions=True)  # a comodel the user cannot read

    def reload_metadata(self) -> None:
        """Forget the field metadata loaded so far (by this client and others of the
        same server, database and user): after installing a module or adding fields,
        the next fetches see the new fields. No I/O."""
        self.state.metadata.forget()

    def check_domain(self, model: str, domain: Domain) -> None:
        """Refuse a domain whose field paths name unknown fields, as far as field metadata
        is already loaded (no I/O): ``F.nmae == "x"`` fails here, with close names,
        instead of coming back from Odoo as an internal server error. Sub-domains of
        ``any``/``not any`` are checked on the related model.

        Raises:
            ValueError: an unknown field on a path.
        """
        self._first_unloaded(model, domain)

    def _first_unloaded(self, model: str, domain: Domain) -> str | None:
        """Check ``domain``'s paths as far as metadata is loaded; the first model whose
        metadata a path needs and is not loaded (``None``: everything was checked).

        Raises:
            ValueError: an unknown field on a path.
        """
        known = self.state.metadata.known
        first: str | None = None  # the other conditions are still checked
        for condition in domain.iter_conditions():
            current = model
            for name in condition.field.split("."):
                info = known(current)
                if info is None:
                    first = first or current
                    break
                if name == "id":
                    break
                field = info.field(name)  # raises with close names
                if not field.relational or field.relation is None:
                    break
                current = field.relation
            else:
                if isinstance(condition.value, Domain):
                    missing = self._first_unloaded(current, condition.value)  # checks it
                    first = first or missing
        return first

    async def explain_refusal(self, model: str, domain: Domain) -> None:
        """After Odoo refused a search: load the metadata the domain's paths go through
        (one ``fields_get`` per model not loaded yet) and raise the local error if a field
        is unknown. Costs nothing on the way of a call that succeeds.

        Raises:
            ValueError: an unknown field on a path (with close names).
        """
        while (missing := self._first_unloaded(model, domain)) is not None:
            try:
                await self.model_info(missing)
            except OdooError:
                return  # the metadata cannot help: Odoo's own error stands

    def invalidate_all(self) -> None:
        """Forget every cached value of the client (Odoo's name); recordsets already
        fetched keep their own. No I/O."""
        self.state.cache.clear()

    def with_store(self, store: RecordStore) -> Environment:
        """The same client and context, reading and filling ``store`` instead of the
        client's cache (a page of a scan, a private fetch)."""
        return Environment(self.client, self.state, self.context, store=store)

    @property
    def store(self) -> RecordStore:
        """Where this environment's record values live: the client's cache for this
        context, or the private store of one fetch when caching is disabled."""
        if self._store is not None:
            return self._store
        return self.state.cache.store(self.context)

    async def prepare_fetch(self, model: str, paths: Sequence[str],
                            domain: Domain | None = None) -> tuple[Environment, FetchPlan]:
        """What a fetch of ``paths`` on ``model`` sends, and the environment it fills:
        one with a pinned store in front of the shared one, so that the records returned
        keep their values whatever the cache bound (or alone, with the cache disabled).

        With the metadata of every model on the paths loaded, the paths and ``domain``
        are checked here. On a cold client the plan is sent while the metadata loads
        (all of it at once where the server lets this user list fields), and a wrong
        field is reported when the metadata arrives.

        Raises:
            ValueError: no path, a malformed path, or an unknown field (when the
                metadata is known).
        """
        self.client.check_loop()
        if not paths:
            raise ValueError("fetch() needs at least one field path")
        try:
            plan = FetchPlan.ready(compile_known(model, paths, self.state.metadata.known))
        except FieldNotLoadedError:
            compiling = asyncio.ensure_future(self._compile(model, tuple(paths), domain))
            plan = FetchPlan.pending(model, paths, compiling)
        else:
            if domain is not None:
                self.check_domain(model, domain)
        if self._store is not None and not isinstance(self._store, PinnedStore):
            return self, plan  # a page of a scan: its private store
        return self.with_store(self.state.cache.pin(self.context)), plan

    async def _compile(self, model: str, paths: tuple[str, ...], domain: Domain | None
                       ) -> tuple[Spec, bool]:
        await self.state.metadata.load_chains(model, relation_chains(paths))
        spec = await compile_paths(model, paths, self.model_info)
        if domain is not None:
            self.check_domain(model, domain)
        return spec, self._plain_leaves_only(spec)

    def _plain_leaves_only(self, spec: Spec) -> bool:
        """Whether Odoo answers every field ``spec`` reads without sub-fields the same
        with sub-fields asked (it does, except for reference and properties fields)."""
        info = self.state.metadata.describe(spec.model)
        for name, child in spec.fields.items():
            if child is not None:
                if not self._plain_leaves_only(child):
                    return False
                continue
            field = info.fields.get(name) if info is not None else None
            if field is None or field.type in _SHAPED_BY_SUB_FIELDS:
                return False
        return True

    async def model_info(self, model: str) -> ModelInfo:
        """The fields of ``model`` (one ``fields_get`` per client and model).

        Raises:
            odoo_async.errors.OdooError: the call failed.
        """
        self.client.check_loop()
        return await self.state.metadata.get(model)

    async def call(self, model: str, method: str, ids: Any = None, **params: Any) -> Any:
        """``client.call`` with this environment's context.

        Raises:
            odoo_async.errors.OdooError: as ``Client.call``.
        """
        return await self.client.call(model, method, ids=ids, context=self.context or None,
                                      **params)

    def __repr__(self) -> str:
        return f"Environment({self.client!r}, context={self.context!r})"
