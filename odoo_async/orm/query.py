"""Lazy searches: built and chained without I/O, run when awaited or fetched."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Generator
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import attrs

from odoo_async.domain import Domain, F
from odoo_async.errors import ServerError
from odoo_async.orm.cache import RecordStore
from odoo_async.orm.fetchplan import FetchPlan
from odoo_async.orm.recordset import Recordset
from odoo_async.orm.spec import dump

if TYPE_CHECKING:
    from odoo_async.orm.env import Environment

T = TypeVar("T")

__all__ = ["Query"]


def _non_negative(name: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or value < 0):
        raise ValueError(f"{name} must be an int >= 0, got {value!r}")


@attrs.frozen
class Query:
    """A search on one model: ``domain``, ``order``, ``limit``, ``offset``.

    Nothing is sent until it is awaited (one ``search``: a Recordset of ids) or fetched
    (one ``web_search_read``: a Recordset with its fields cached). Every chaining method
    returns a new query; each await runs the search again.
    """

    env: Environment
    model: str
    domain: Domain = Domain.TRUE
    order_by: str | None = None
    limit_to: int | None = None
    skip: int = 0

    def order(self, order: str) -> Query:
        """Sort by ``order`` (``"name desc, id"``).

        Raises:
            TypeError: ``order`` is not a string.
        """
        if not isinstance(order, str):
            raise TypeError(f"order must be a str, not {type(order).__name__}")
        return attrs.evolve(self, order_by=order)

    def limit(self, limit: int | None) -> Query:
        """At most ``limit`` records (None: no limit). ``limit(0)`` finds nothing, without
        a call (Odoo itself reads every record for a limit of 0).

        Raises:
            ValueError: a negative or non-int limit.
        """
        _non_negative("limit", limit)
        return attrs.evolve(self, limit_to=limit)

    def offset(self, offset: int) -> Query:
        """Skip the first ``offset`` records.

        Raises:
            ValueError: a negative or non-int offset.
        """
        _non_negative("offset", offset)
        return attrs.evolve(self, skip=offset or 0)

    def with_context(self, **values: Any) -> Query:
        """The same query run with more context."""
        return attrs.evolve(self, env=self.env.with_context(**values))

    def filter(self, domain: Domain | list[Any]) -> Query:
        """Narrow the query: its domain AND ``domain``.

        Raises:
            ValueError, TypeError: an invalid domain.
        """
        return attrs.evolve(self, domain=self.domain & Domain(domain))

    async def _checked(self, work: Awaitable[T]) -> T:
        """``work``'s result; when Odoo refuses it as a bad request (a ``ValueError`` on
        its side), the local error of an unknown field in the domain if there is one."""
        failure: ServerError | None = None
        try:
            return await work
        except ServerError as error:
            failure = error
        if failure.name in ("builtins.ValueError", "builtins.KeyError"):
            await self.env.explain_refusal(self.model, self.domain)
        raise failure

    async def _search(self) -> Recordset:
        self.env.check_domain(self.model, self.domain)
        params: dict[str, Any] = {"domain": self.domain, "offset": self.skip}
        if self.limit_to is not None:
            params["limit"] = self.limit_to
        if self.order_by:
            params["order"] = self.order_by
        if self.limit_to == 0:
            return Recordset(self.env, self.model, [])  # Odoo would read every record
        ids = await self._checked(self.env.call(self.model, "search", **params))
        return Recordset(self.env, self.model, ids)

    def __await__(self) -> Generator[Any, None, Recordset]:
        return self._search().__await__()

    async def fetch(self, *paths: str) -> Recordset:
        """Search and read ``paths`` of every record found in one call.

        Raises:
            ValueError: no path, or an unknown field (checked before searching).
            odoo_async.errors.OdooError: a call failed.
        """
        env, plan = await self.env.prepare_fetch(self.model, paths, self.domain)
        if self.limit_to == 0:
            await plan.spec()  # the paths are still checked
            return Recordset.fetched(env, self.model, [], paths)  # Odoo would read all
        ids = await self._checked(env.state.loader.fetch_query(
            env.store, env.context, plan, self.domain, order=self.order_by,
            limit=self.limit_to, offset=self.skip))
        return Recordset.fetched(env, self.model, ids, paths)

    @overload
    def pages(self, *paths: str, page_size: int = ..., as_dicts: Literal[False] = ...
              ) -> AsyncIterator[Recordset]: ...

    @overload
    def pages(self, *paths: str, page_size: int = ..., as_dicts: Literal[True]
              ) -> AsyncIterator[list[dict[str, Any]]]: ...

    async def pages(self, *paths: str, page_size: int = 1000, as_dicts: bool = False
                    ) -> AsyncIterator[Any]:
        """Every matching record, ``page_size`` at a time, each page read with ``paths``
        in one call (``web_search_read``).

        Pages are cut by id (``id > last id seen``, in id order), never by offset: records
        created or deleted during the scan are neither skipped nor repeated. Each page
        lives in a store of its own, so a scan of any size leaves the client's cache as it
        was and memory stays flat. A page is a :class:`Recordset`, or with
        ``as_dicts=True`` a list of plain dicts (values as Odoo sent them, relations as
        nested dicts). The query's ``limit`` caps the records read.

        Raises:
            ValueError: no path, an unknown field, a ``page_size`` below 1, or a query with
                an ``order`` other than ``id`` or an ``offset`` (keyset pages need both
                free).
            odoo_async.errors.OdooError: a call failed.
        """
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValueError(f"page_size must be an int >= 1, got {page_size!r}")
        if self.skip or (self.order_by and self.order_by.strip().lower() not in ("id",
                                                                                  "id asc")):
            raise ValueError("pages()/iterate() read in id order with keyset pagination: "
                             "remove order() and offset() from the query")
        _, plan = await self.env.prepare_fetch(self.model, paths, self.domain)
        state, context = self.env.state, self.env.context
        last, left = 0, self.limit_to
        while left is None or left > 0:
            size = page_size if left is None else min(page_size, left)
            store = RecordStore(None)
            ids = await self._checked(state.loader.fetch_query(
                store, context, plan, self.domain & (F.id > last), order="id",
                limit=size, offset=0))
            if not ids:
                return
            plan = FetchPlan.ready(await plan.spec())  # known now: later pages go warm
            if as_dicts:
                yield dump(store, await plan.spec(), ids)
            else:
                yield Recordset.fetched(self.env.with_store(store), self.model, ids, paths)
            last = max(ids)
            if left is not None:
                left -= len(ids)
            if len(ids) < size:
                return

    async def iterate(self, *paths: str, page_size: int = 1000) -> AsyncIterator[Recordset]:
        """Every matching record, one at a time, read ``page_size`` per call with
        ``paths`` (see :meth:`pages`): ``async for order in query.iterate("name"): ...``.

        Raises:
            ValueError, odoo_async.errors.OdooError: as :meth:`pages`.
        """
        async for page in self.pages(*paths, page_size=page_size):
            for record in page:
                yield record

    def __aiter__(self) -> AsyncIterator[Recordset]:
        """``async for record in query``: :meth:`iterate` with ``display_name``."""
        return self.iterate("display_name")

    async def first(self, *paths: str) -> Recordset:
        """The first matching record (or an empty recordset), with ``paths`` read in the
        same call when given: one call either way.

        Raises:
            ValueError: an unknown field.
            odoo_async.errors.OdooError: the call failed.
        """
        query = self.limit(1 if self.limit_to != 0 else 0)  # limit(0) finds nothing
        return await query.fetch(*paths) if paths else await query

    async def exists(self) -> bool:
        """Whether any record matches (one ``search`` for a single id).

        Raises:
            odoo_async.errors.OdooError: the call failed.
        """
        return bool(await self.limit(1 if self.limit_to != 0 else 0))

    async def ids(self) -> list[int]:
        """The ids of the matching records, in order (one ``search``).

        Raises:
            odoo_async.errors.OdooError: the call failed.
        """
        return (await self).ids

    async def count(self) -> int:
        """How many records match the domain (``limit`` and ``offset`` ignored).

        Raises:
            ValueError: the domain names a field the model does not have (when its
                fields are known).
            odoo_async.errors.OdooError: the call failed.
        """
        self.env.check_domain(self.model, self.domain)
        result: int = await self._checked(
            self.env.call(self.model, "search_count", domain=self.domain))
        return result

    def __repr__(self) -> str:
        parts = [repr(self.domain)]
        if self.order_by:
            parts.append(f"order={self.order_by!r}")
        if self.limit_to is not None:
            parts.append(f"limit={self.limit_to}")
        if self.skip:
            parts.append(f"offset={self.skip}")
        return f"Query({self.model}: {', '.join(parts)})"
