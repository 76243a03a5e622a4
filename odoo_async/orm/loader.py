"""Reading whole object graphs in as few calls as possible, and filling the record cache.

With Odoo's ``web`` module (the usual case) a fetch is **one** call: ``web_search_read``
for a query, ``web_read`` for known ids, with a nested specification. Without it (older
servers, restricted users, legacy protocols) it falls back to ``search_read``/``read``
plus one batched ``read`` per related model and level, never one call per record.

Concurrent fetches of records of the same model with the same specification and context,
issued in the same event-loop iteration, are merged into one call (the DataLoader
pattern), which turns a hundred request handlers each loading one partner into one
``web_read``. Merging needs the shared record cache: with the cache disabled, each fetch
reads on its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from odoo_async.errors import OdooError, ProtocolError, ServerError, UnknownMethodError
from odoo_async.orm.cache import PinnedStore, RecordStore
from odoo_async.orm.fetchplan import FetchPlan
from odoo_async.orm.spec import Spec
from odoo_async.resilience.breaker import is_health_failure

__all__ = ["RecordLoader"]

COALESCE_MAX_IDS: Final = 2000
_UNAVAILABLE: Final = object()

Send = Callable[..., Awaitable[Any]]


@attrs.define
class _Batch:
    ids: list[int] = attrs.Factory(list)
    waiters: list[tuple[list[int], asyncio.Future[None], RecordStore]] = attrs.Factory(list)


class _FanOut(RecordStore):
    """Fills the stores of every caller merged into one read."""

    def __init__(self, stores: list[RecordStore]) -> None:
        super().__init__(None)
        self._targets = stores  # the live list: every caller that joins before the answer

    def update(self, model: str, record_id: int, values: Mapping[str, Any]) -> None:
        for store in dict.fromkeys(self._targets):
            store.update(model, record_id, values)

    def mark_missing(self, model: str, ids: Iterable[int]) -> None:
        ids = list(ids)
        for store in dict.fromkeys(self._targets):
            store.mark_missing(model, ids)

    def update_own(self, model: str, record_id: int, values: Mapping[str, Any]) -> None:
        for store in dict.fromkeys(self._targets):
            store.update_own(model, record_id, values)


def _refuse_options(spec: Spec) -> None:
    if spec.has_options():
        raise ValueError("a limit or an order on a relation in a fetch path needs Odoo's "
                         "web module (web_read), which this server does not have")


def _retrieve(task: asyncio.Future[list[int]]) -> None:
    """Mark a failure retrieved: every caller may have been cancelled."""
    if not task.cancelled():
        task.exception()


def _shared(store: RecordStore) -> RecordStore:
    """The client's store behind a fetch's pinned store: fetches that share it merge."""
    while isinstance(store, PinnedStore) and store.shared is not None:
        store = store.shared
    return store


def _fill(store: RecordStore, spec: Spec, records: Sequence[Any]) -> None:
    """Store the values of web_read answers (nested dicts) for ``spec``."""
    for record in records:
        if not isinstance(record, Mapping) or "id" not in record:
            continue
        values: dict[str, Any] = {}
        partial: dict[str, Any] = {}
        for name, child in spec.fields.items():
            if name not in record:
                continue
            raw = record[name]
            if child is None:
                values[name] = raw
            elif isinstance(raw, list):
                read = [item for item in raw if isinstance(item, Mapping) and len(item) > 1]
                if child.limit is not None:
                    # the first records of the relation only: kept for this fetch's
                    # records, never in the shared cache as if they were all of them
                    partial[name] = [int(item["id"]) for item in read]
                else:
                    values[name] = [item["id"] if isinstance(item, Mapping) else item
                                    for item in raw]
                _fill(store, child, read)
            elif isinstance(raw, Mapping):
                values[name] = raw.get("id", False)
                _fill(store, child, [raw])
            else:
                values[name] = raw
        store.update(spec.model, int(record["id"]), values)
        if partial:
            store.update_own(spec.model, int(record["id"]), partial)


def _records(model: str, method: str, answer: Any) -> list[Mapping[str, Any]]:
    """The records of a search's answer: a list of objects, each with its id.

    Raises:
        ProtocolError: anything else (a server that is not Odoo, or a broken proxy):
            never taken for "no record found".
    """
    if not isinstance(answer, list) or not all(
            isinstance(record, Mapping) and isinstance(record.get("id"), int)
            for record in answer):
        raise ProtocolError(f"{model}.{method} answered {answer!r:.60}, not its records",
                            status=200, model=model, method=method)
    return answer


class RecordLoader:
    """Fetches records for one client. ``call(model, method, ids=..., context=...,
    **params)`` sends a call."""

    def __init__(self, call: Send, *, coalesce: bool = True, web_read: bool | None = None
                 ) -> None:
        self._call = call
        self.coalesce = coalesce
        self.web_read = web_read  # None: try, then remember whether the server has it
        self._batches: dict[tuple[int, str], _Batch] = {}
        self._queries: dict[tuple[Any, ...],
                            tuple[list[RecordStore], asyncio.Future[list[int]]]] = {}

    async def _web(self, model: str, method: str, **params: Any) -> Any:
        """Call a method of the web module; ``_UNAVAILABLE`` when the server lacks it (and
        from then on, without asking again)."""
        if self.web_read is False:
            return _UNAVAILABLE
        try:
            answer = await self._call(model, method, **params)
        except UnknownMethodError:
            self.web_read = False
            return _UNAVAILABLE
        self.web_read = True
        return answer

    @staticmethod
    async def _sent(plan: FetchPlan, request: Awaitable[Any]) -> Any:
        """The answer to ``request``; when Odoo refuses it, the local error of a wrong path
        or domain if the plan has one (a cold client sends before checking), else Odoo's.

        Raises:
            ValueError: a path or a domain names an unknown field.
            odoo_async.errors.OdooError: the call failed.
        """
        failure: OdooError | None = None
        try:
            return await request
        except OdooError as error:
            failure = error
        await plan.check()
        raise failure

    # -- queries ---------------------------------------------------------------------

    async def fetch_query(self, store: RecordStore, context: Mapping[str, Any],
                          plan: FetchPlan, domain: Any, *, order: str | None, limit: int | None,
                          offset: int) -> list[int]:
        """Search and read in one call; returns the ids found, in order. Identical
        queries issued together (same model, domain, order, limit, offset, paths and
        context, in one event-loop iteration) share one call: 200 request handlers
        running the same query send one.

        Raises:
            odoo_async.errors.OdooError: the call failed.
        """
        if not self.coalesce or not isinstance(store, PinnedStore):
            return await self._query(store, context, plan, domain, order=order,
                                     limit=limit, offset=offset)
        key = (id(_shared(store)), plan.key, repr(domain), order, limit, offset)
        shared = self._queries.get(key)
        if shared is None:
            stores: list[RecordStore] = [store]
            task: asyncio.Future[list[int]] = asyncio.ensure_future(self._query(
                _FanOut(stores), context, plan, domain, order=order, limit=limit,
                offset=offset))
            task.add_done_callback(_retrieve)
            self._queries[key] = (stores, task)
            # Only queries issued in the same event-loop iteration join: once the request
            # is on its way, a later caller (who may have written since) sends its own.
            asyncio.get_running_loop().call_soon(self._queries.pop, key, None)
        else:
            stores, task = shared
            stores.append(store)
        return list(await asyncio.shield(task))

    async def _query(self, store: RecordStore, context: Mapping[str, Any], plan: FetchPlan,
                     domain: Any, *, order: str | None, limit: int | None,
                     offset: int) -> list[int]:
        params: dict[str, Any] = {"domain": domain, "offset": offset}
        if limit is not None:
            params["limit"] = limit
        if order:
            params["order"] = order
        answer = await self._sent(plan, self._web(
            plan.model, "web_search_read", context=context,
            specification=plan.specification, count_limit=1, **params))
        spec = await plan.spec()
        if answer is not _UNAVAILABLE and not await plan.answer_fits():
            answer = await self._call(spec.model, "web_search_read", context=context,
                                      specification=spec.to_specification(),
                                      count_limit=1, **params)
        if answer is _UNAVAILABLE:
            _refuse_options(spec)
            records = _records(spec.model, "search_read", await self._call(
                spec.model, "search_read", context=context, fields=list(spec.fields),
                load=None, **params))
            await self._fill_levels(store, context, spec, records)
        else:
            records = _records(spec.model, "web_search_read", answer.get("records")
                               if isinstance(answer, Mapping) else answer)
            _fill(store, spec, records)
        return [int(record["id"]) for record in records]

    # -- ids -------------------------------------------------------------------------

    async def fetch_ids(self, store: RecordStore, context: Mapping[str, Any],
                        plan: FetchPlan, ids: Sequence[int]) -> None:
        """Read ``ids`` with ``spec`` into ``store``; ids the server did not return are
        marked missing.

        Raises:
            odoo_async.errors.OdooError: the call failed.
        """
        if not ids:
            await plan.spec()  # a wrong path is an error even with nothing to read
            return
        if not self.coalesce:
            await self._read_ids(store, context, plan, list(dict.fromkeys(ids)))
            return
        key = (id(_shared(store)), plan.key)
        batch = self._batches.get(key)
        if batch is None or len(batch.ids) >= COALESCE_MAX_IDS:
            batch = self._batches[key] = _Batch()
            asyncio.get_running_loop().call_soon(self._flush, key, batch, context, plan)
        batch.ids.extend(ids)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        batch.waiters.append((list(ids), waiter, store))
        await waiter

    def _flush(self, key: tuple[int, str], batch: _Batch, context: Mapping[str, Any],
               plan: FetchPlan) -> None:
        if self._batches.get(key) is batch:
            del self._batches[key]
        task = asyncio.ensure_future(self._read_batch(context, plan, batch))

        def done(finished: asyncio.Future[None]) -> None:
            error = None if finished.cancelled() else finished.exception()
            for _, waiter, _ in batch.waiters:
                if waiter.done():
                    continue
                if finished.cancelled():
                    waiter.cancel()
                elif error is not None:
                    waiter.set_exception(error)
                else:
                    waiter.set_result(None)

        task.add_done_callback(done)

    async def _read_batch(self, context: Mapping[str, Any], plan: FetchPlan, batch: _Batch
                          ) -> None:
        """Read a merged batch into every caller's store; if Odoo refuses it (one
        caller's id is not readable, say), read each caller's ids on their own, so each
        caller gets the answer for its own ids, not another's error."""
        stores = [store for _, _, store in batch.waiters]
        target = stores[0] if len(stores) == 1 else _FanOut(list(dict.fromkeys(stores)))
        try:
            await self._read_ids(target, context, plan, list(dict.fromkeys(batch.ids)))
        except ServerError as error:
            if len(batch.waiters) < 2 or is_health_failure(error):
                raise
        else:
            return
        parts = [(ids, waiter, store) for ids, waiter, store in batch.waiters
                 if not waiter.done()]
        results = await asyncio.gather(
            *(self._read_ids(store, context, plan, list(dict.fromkeys(ids)))
              for ids, _, store in parts),
            return_exceptions=True)
        for (_, waiter, _), result in zip(parts, results, strict=True):
            if waiter.done():
                continue
            if isinstance(result, BaseException):
                waiter.set_exception(result)
            else:
                waiter.set_result(None)

    async def _read_ids(self, store: RecordStore, context: Mapping[str, Any],
                        plan: FetchPlan, ids: list[int]) -> None:
        records = await self._sent(plan, self._web(plan.model, "web_read", ids=ids,
                                                   context=context,
                                                   specification=plan.specification))
        spec = await plan.spec()
        if records is not _UNAVAILABLE and not await plan.answer_fits():
            records = await self._call(spec.model, "web_read", ids=ids, context=context,
                                       specification=spec.to_specification())
        if records is _UNAVAILABLE:
            _refuse_options(spec)
            records = await self._call(spec.model, "read", ids=ids, context=context,
                                       fields=list(spec.fields), load=None)
            await self._fill_levels(store, context, spec, records)
        else:
            _fill(store, spec, records)
        found = {int(r["id"]) for r in records if isinstance(r, Mapping)}
        store.mark_missing(spec.model, [i for i in ids if i not in found])

    # -- the fallback: one read per related model and level ---------------------------

    async def _fill_levels(self, store: RecordStore, context: Mapping[str, Any], spec: Spec,
                           rows: Sequence[Mapping[str, Any]]) -> None:
        level: list[tuple[Spec, Sequence[Mapping[str, Any]]]] = [(spec, rows)]
        while level:
            wanted: dict[str, tuple[dict[str, Spec | None], set[int]]] = {}
            for current, records in level:
                for row in records:
                    values = {name: row[name] for name in current.fields if name in row}
                    store.update(current.model, int(row["id"]), values)
                    for name, child in current.fields.items():
                        if child is None:
                            continue
                        raw = row.get(name)
                        related = raw if isinstance(raw, list) else [raw] if raw else []
                        fields, ids = wanted.setdefault(child.model, ({}, set()))
                        fields.update(child.fields)
                        ids.update(int(i) for i in related if isinstance(i, int))
            reads = [(Spec(model, fields), sorted(ids))
                     for model, (fields, ids) in wanted.items() if ids]
            answers = await asyncio.gather(*(
                self._call(sub.model, "read", ids=ids, context=context,
                           fields=list(sub.fields), load=None)
                for sub, ids in reads))
            level = [(sub, answer) for (sub, _), answer in zip(reads, answers, strict=True)]
