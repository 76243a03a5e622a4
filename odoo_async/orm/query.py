"""Lazy searches: built and chained without I/O, run when awaited or fetched."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import attrs

from odoo_async.domain import Domain
from odoo_async.orm.recordset import Recordset

if TYPE_CHECKING:
    from odoo_async.orm.env import Environment

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
        """At most ``limit`` records (None: no limit).

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

    async def _search(self) -> Recordset:
        params: dict[str, Any] = {"domain": self.domain, "offset": self.skip}
        if self.limit_to is not None:
            params["limit"] = self.limit_to
        if self.order_by:
            params["order"] = self.order_by
        ids = await self.env.call(self.model, "search", **params)
        return Recordset(self.env, self.model, ids)

    def __await__(self) -> Generator[Any, None, Recordset]:
        return self._search().__await__()

    async def fetch(self, *paths: str) -> Recordset:
        """Search and read ``paths`` of every record found in one call.

        Raises:
            ValueError: no path, or an unknown field (checked before searching).
            odoo_async.errors.OdooError: a call failed.
        """
        env, spec = await self.env.prepare_fetch(self.model, paths)
        ids = await env.state.loader.fetch_query(
            env.store, env.context, spec, self.domain, order=self.order_by,
            limit=self.limit_to, offset=self.skip)
        return Recordset(env, self.model, ids)

    async def count(self) -> int:
        """How many records match the domain (``limit`` and ``offset`` ignored).

        Raises:
            odoo_async.errors.OdooError: the call failed.
        """
        result: int = await self.env.call(self.model, "search_count", domain=self.domain)
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
