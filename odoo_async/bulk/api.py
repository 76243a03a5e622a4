"""``client.bulk``: chunked, concurrent create, write, unlink and upsert with a result for
every row, and keyset streaming of whole tables."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from odoo_async.bulk.compare import as_stored
from odoo_async.bulk.engine import Engine, Options, ProgressCallback, Rows, is_row_error
from odoo_async.bulk.loadformat import load_cells, loadable
from odoo_async.bulk.plan import PlannedRow, WriteGroup, key_of, plan_upsert, same_values_key
from odoo_async.bulk.report import BulkError, BulkReport, RowResult, RowStatus
from odoo_async.domain import Domain
from odoo_async.errors import OdooError, OutcomeUnknownError, ProtocolError
from odoo_async.orm.metadata import FieldInfo, ModelInfo
from odoo_async.resilience.clock import Clock
from odoo_async.values import normalize_ids

if TYPE_CHECKING:
    from odoo_async.client import Client
    from odoo_async.orm.env import Environment

__all__ = ["Bulk", "BulkOperation"]

_ARCHIVED: Final = {"active_test": False}
_MODES: Final = ("create", "load")


class BulkOperation:
    """A bulk operation ready to run: ``await`` it for its :class:`BulkReport`.

    ``report`` is live: while it runs, and after it was cancelled or stopped, it says
    exactly which rows landed. ``asyncio.create_task(op.run())`` runs it in a task.
    """

    def __init__(self, report: BulkReport, run: Callable[[], Awaitable[BulkReport]]) -> None:
        self.report = report
        self._run = run
        self._started = False

    async def run(self) -> BulkReport:
        """Run the operation (once).

        Raises:
            RuntimeError: it was already run.
            BulkError, BulkTimeoutError, TypeError, ValueError: see the operation.
        """
        if self._started:
            raise RuntimeError("a bulk operation runs once; start a new one")
        self._started = True
        return await self._run()

    def __await__(self) -> Generator[Any, None, BulkReport]:
        return self.run().__await__()

    def __repr__(self) -> str:
        return f"<BulkOperation {self.report.summary()}>"


def _key_fields(key: str | Sequence[str]) -> tuple[str, ...]:
    fields = (key,) if isinstance(key, str) else tuple(key)
    if not fields or not all(isinstance(name, str) and name for name in fields):
        raise ValueError(f"key must be a field name or a tuple of field names, got {key!r}")
    if "id" in fields and fields != ("id",):
        raise ValueError("key='id' (external ids) cannot be combined with fields")
    return fields


XMLID: Final = "__xmlid__"
"""The key under which records found by external id are matched with their rows."""


def _xmlid(value: Any) -> str:
    """An external id in full form (``module.name``; a bare name is ``__import__``'s, as
    in Odoo's import).

    Raises:
        ValueError: not a non-empty string.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"an external id must be a non-empty str, got {value!r}")
    value = value.strip()
    return value if "." in value else f"__import__.{value}"


T = TypeVar("T")


async def _isolate(items: list[T], again: Callable[[list[T]], Awaitable[None]],
                   fail: Callable[[T], None]) -> None:
    """After Odoo refused ``items`` in one call: a single item fails, more are halved
    and each half is tried ``again``, until the bad ones are isolated."""
    if len(items) == 1:
        fail(items[0])
        return
    middle = len(items) // 2
    await again(items[:middle])
    await again(items[middle:])


def _message(error: BaseException) -> str:
    return getattr(error, "message", None) or str(error)


async def _lost(engine: Engine, rows: list[PlannedRow], error: OdooError,
                reconcile: Callable[[list[PlannedRow]], Awaitable[None]] | None) -> None:
    """A call creating ``rows`` lost its answer: look them up by key when there is one,
    else they are ``outcome_unknown`` (never sent again blindly)."""
    if reconcile is not None:
        await reconcile(rows)
    else:
        engine.settle(rows, RowStatus.OUTCOME_UNKNOWN, _message(error))


def _record_created(engine: Engine, model: str, method: str, rows: list[PlannedRow],
                    ids: Any) -> None:
    """Record the ids ``create`` or ``load`` answered, one per row in order.

    Raises:
        ProtocolError: the answer is not one id per row. The call ran, so which row
            became which record is unknown: the rows are ``outcome_unknown``, never
            matched to ids by guess.
    """
    if not isinstance(ids, list) or len(ids) != len(rows) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ProtocolError(f"{model}.{method} answered {ids!r:.60} for {len(rows)} rows, "
                            "not one id per row", status=200)
    for row, record_id in zip(rows, ids, strict=True):
        engine.record(RowResult(row.index, row.key, RowStatus.CREATED, id=record_id))


class Bulk:
    """Bulk helpers on one client: ``client.bulk``.

    Every operation takes ``chunk_size`` (rows per call, 200 by default: measured fastest
    on a real Odoo 19), ``max_chunk_bytes`` (a chunk is also cut when its body would pass
    this), ``concurrency`` (``"auto"``: adapts to the server, from two chunks at a time up
    to the client's in-flight cap; or a fixed int), ``context``, ``on_progress`` (called
    with a :class:`~odoo_async.bulk.Progress` after each chunk), ``progress_bar`` (a tqdm
    bar, from the ``progress`` extra), ``deadline`` (seconds), ``dry_run`` and
    ``tracking``: like Odoo's own import, bulk calls skip the chatter's tracking and
    creation messages (``tracking_disable`` in the context, about 1.3x faster measured on
    Odoo 19) unless ``tracking=True``.
    """

    def __init__(self, client: Client, env: Environment, *, clock: Clock | None = None
                 ) -> None:
        self._client = client
        self._env = env
        self._clock = clock
        self._rounding: dict[int, float] = {}

    def _engine(self, report: BulkReport, options: Options) -> Engine:
        cap = self._client.max_in_flight
        return Engine(self._client, report, options, clock=self._clock,
                      max_concurrency=min(8, cap) if cap else 8)

    async def _fields(self, model: str, report: BulkReport) -> ModelInfo:
        """The model's fields; a failure here (unknown model, a wrong key) is a
        :class:`BulkError` like any fatal error, with the (empty) report."""
        try:
            return await self._env.model_info(model)
        except OdooError as error:
            raise BulkError(report, f"{report.summary()}: stopped by {error}") from error

    @staticmethod
    def _check_fields(info: ModelInfo, values: Mapping[str, Any]) -> None:
        for name in values:
            info.field(name)

    def _convert(self, engine: Engine, info: ModelInfo, index: int, raw: Any,
                 key: Any = None, key_fields: Sequence[str] = ()) -> PlannedRow | None:
        try:
            if not isinstance(raw, Mapping):
                raise TypeError(f"a row must be a mapping of field names to values, not "
                                f"{type(raw).__name__}")
            if "id" in raw:
                raise ValueError(f"row {index} has an 'id': update records by id with "
                                 "bulk.write(), or upsert them by a key field")
            values = self._client.convert_values(raw, where=f"row {index}")
            self._check_fields(info, values)
            values = {name: as_stored(info.fields[name], value)
                      for name, value in values.items()}
        except (TypeError, ValueError) as exc:
            if key is None and key_fields and isinstance(raw, Mapping):
                parts = tuple(raw.get(name) for name in key_fields)
                key = parts[0] if len(parts) == 1 else parts
            engine.record(RowResult(index, key, RowStatus.FAILED, error=str(exc)))
            return None
        return PlannedRow(index, values, key)

    # -- create --------------------------------------------------------------------

    def create(self, model: str, rows: Rows, *, mode: Literal["create", "load"] = "create",
               chunk_size: int = 200, max_chunk_bytes: int = 4 * 1024 * 1024,
               concurrency: int | str = "auto", context: Mapping[str, Any] | None = None,
               on_progress: ProgressCallback | None = None, progress_bar: bool = False,
               deadline: float | None = None, dry_run: bool = False, tracking: bool = False
               ) -> BulkOperation:
        """Create one record per row, ``chunk_size`` rows per ``create`` call.

        A chunk Odoo refuses is split in halves until the bad rows are isolated (each
        gets Odoo's message) and the good ones land. A chunk whose answer was lost is
        reported ``outcome_unknown`` row by row and never sent again: there is no key to
        look the records up by (use :meth:`upsert` for that). ``mode="load"`` creates
        through Odoo's ``load`` (faster on some servers; values are sent in its import
        format, see the README).

        Raises (when awaited):
            ValueError: a bad setting or model name, or an unknown mode.
            BulkError: a fatal error stopped the operation (authentication, unknown model,
                server unreachable); ``error.report`` says what landed.
            BulkTimeoutError: the deadline passed.
        """
        options = self._options(chunk_size, max_chunk_bytes, concurrency, context,
                                on_progress, progress_bar, deadline, tracking)
        if mode not in _MODES:
            raise ValueError(f"mode must be 'create' or 'load', got {mode!r}")
        report = BulkReport("create", model, dry_run=dry_run)

        async def run() -> BulkReport:
            engine = self._engine(report, options)
            info = await self._fields(model, report)

            async def prepare(index: int, raw: Any) -> PlannedRow | None:
                return self._convert(engine, info, index, raw)

            async def handle(chunk: list[PlannedRow]) -> None:
                if dry_run:
                    engine.settle(chunk, RowStatus.CREATED)
                    return
                await self._create(engine, model, info, chunk, mode=mode)

            return await engine.run(engine.chunks(rows, prepare), handle)

        return BulkOperation(report, run)

    async def _create(self, engine: Engine, model: str, info: ModelInfo,
                      rows: list[PlannedRow], *, mode: str,
                      reconcile: Callable[[list[PlannedRow]], Awaitable[None]] | None = None
                      ) -> None:
        if not rows:
            return
        if mode == "load":
            plain = [row for row in rows if loadable(info, row.values)]
            other = [row for row in rows if not loadable(info, row.values)]
            if plain:
                await self._load(engine, model, info, plain, reconcile)
            rows = other
            if not rows:
                return
        try:
            ids = await engine.call(model, "create", rows=rows,
                                    vals_list=[dict(r.values) for r in rows])
        except OutcomeUnknownError as error:
            await _lost(engine, rows, error, reconcile)
            return
        except OdooError as error:
            if not is_row_error(error, "create"):
                raise
            await self._split(rows, error, engine, lambda part: self._create(
                engine, model, info, part, mode="create", reconcile=reconcile))
            return
        _record_created(engine, model, "create", rows, ids)

    async def _load(self, engine: Engine, model: str, info: ModelInfo,
                    rows: list[PlannedRow],
                    reconcile: Callable[[list[PlannedRow]], Awaitable[None]] | None) -> None:
        # load() fills a missing cell with an empty value: rows go in by field set.
        for same in _by_shape(rows):
            await self._load_rows(engine, model, info, same, reconcile)

    async def _load_rows(self, engine: Engine, model: str, info: ModelInfo,
                         rows: list[PlannedRow],
                         reconcile: Callable[[list[PlannedRow]], Awaitable[None]] | None,
                         *, xmlids: bool = False) -> None:
        while rows:
            fields, data = load_cells(info, [row.values for row in rows])
            if xmlids:  # load creates the record and its external id in one transaction
                fields = ["id", *fields]
                data = [[str(row.key), *cells] for row, cells in zip(rows, data, strict=True)]
            try:
                answer = await engine.call(model, "load", rows=rows, fields=fields,
                                           data=data, context={"tz": "UTC"})
            except OutcomeUnknownError as error:
                await _lost(engine, rows, error, reconcile)
                return
            if not isinstance(answer, Mapping):  # it ran: which rows became records is unknown
                raise ProtocolError(f"{model}.load answered {answer!r:.60}, not its ids and "
                                    "messages", status=200)
            ids = answer.get("ids")
            if ids:
                _record_created(engine, model, "load", rows, ids)
                return
            messages = answer.get("messages", [])
            bad = {int(m["record"]): str(m.get("message", "refused"))
                   for m in messages if isinstance(m, Mapping) and m.get("type") == "error"
                   and isinstance(m.get("record"), int) and 0 <= m["record"] < len(rows)}
            if not bad:  # refused without saying which row: isolate them the usual way
                if xmlids:
                    engine.settle(rows, RowStatus.FAILED, "load refused these rows: "
                                  + "; ".join(str(m.get("message")) for m in messages
                                              if isinstance(m, Mapping)))
                    return
                await self._create(engine, model, info, rows, mode="create",
                                   reconcile=reconcile)
                return
            for position, message in bad.items():
                row = rows[position]
                engine.record(RowResult(row.index, row.key, RowStatus.FAILED, error=message))
            rows = [row for position, row in enumerate(rows) if position not in bad]

    @staticmethod
    async def _split(rows: list[PlannedRow], error: OdooError, engine: Engine,
                     again: Callable[[list[PlannedRow]], Awaitable[None]]) -> None:
        """Isolate the rows Odoo refuses: one row gets the error, more are halved."""
        await _isolate(rows, again, lambda row: engine.record(
            RowResult(row.index, row.key, RowStatus.FAILED, error=_message(error))))

    # -- write ---------------------------------------------------------------------

    def write(self, model: str, updates: Rows, *, chunk_size: int = 200,
              max_chunk_bytes: int = 4 * 1024 * 1024, concurrency: int | str = "auto",
              context: Mapping[str, Any] | None = None,
              on_progress: ProgressCallback | None = None, progress_bar: bool = False,
              deadline: float | None = None, dry_run: bool = False, tracking: bool = False
              ) -> BulkOperation:
        """Write values on records: ``updates`` holds ``(id_or_ids, values)`` pairs or
        dicts with an ``"id"`` (``{"id": 7, "phone": "1"}``), or is a mapping
        ``{id: values}``. Rows with the same values share one ``write``.

        Writes are idempotent (writing the same values twice changes nothing), so a lost
        answer is retried. A chunk Odoo refuses (a constraint, a deleted record) is split
        until the bad rows are isolated.

        Raises (when awaited):
            ValueError, BulkError, BulkTimeoutError: as :meth:`create`.
        """
        options = self._options(chunk_size, max_chunk_bytes, concurrency, context,
                                on_progress, progress_bar, deadline, tracking)
        report = BulkReport("write", model, dry_run=dry_run)
        source = updates.items() if isinstance(updates, Mapping) else updates

        async def run() -> BulkReport:
            engine = self._engine(report, options)
            info = await self._fields(model, report)

            async def prepare(index: int, raw: Any) -> PlannedRow | None:
                try:
                    if isinstance(raw, Mapping):
                        if "id" not in raw:
                            raise ValueError("a dict row needs its record's 'id'")
                        target = raw["id"]
                        values = {k: v for k, v in raw.items() if k != "id"}
                    else:
                        target, values = raw
                    ids = tuple(normalize_ids(target))
                except (TypeError, ValueError) as exc:
                    engine.record(RowResult(index, None, RowStatus.FAILED, error=(
                        f"row {index}: expected an (id or ids, values) pair or a dict with "
                        f"an 'id': {exc}")))
                    return None
                return self._convert(engine, info, index, values, key=ids)

            async def handle(chunk: list[PlannedRow]) -> None:
                if dry_run:
                    engine.settle(chunk, RowStatus.UPDATED)
                    return
                async with engine.records_in_order(i for row in chunk for i in row.key):
                    for group in _write_groups(chunk):
                        await self._write_rows(engine, model, group)

            return await engine.run(engine.chunks(source, prepare), handle)

        return BulkOperation(report, run)

    async def _write_rows(self, engine: Engine, model: str, rows: list[PlannedRow]) -> None:
        ids = list(dict.fromkeys(i for row in rows for i in row.key))
        if not ids:
            engine.settle(rows, RowStatus.UNCHANGED)
            return
        try:
            await engine.call(model, "write", rows=rows, ids=ids, vals=dict(rows[0].values),
                              idempotent=True)
        except OdooError as error:
            if not is_row_error(error, "write"):
                raise
            await self._split(rows, error, engine,
                              lambda part: self._write_rows(engine, model, part))
            return
        for row in rows:
            engine.record(RowResult(row.index, row.key, RowStatus.UPDATED,
                                    id=row.key[0] if len(row.key) == 1 else None))

    # -- unlink --------------------------------------------------------------------

    def unlink(self, model: str, ids: Rows, *, chunk_size: int = 500,
               concurrency: int | str = "auto", context: Mapping[str, Any] | None = None,
               on_progress: ProgressCallback | None = None, progress_bar: bool = False,
               deadline: float | None = None, dry_run: bool = False, tracking: bool = False
               ) -> BulkOperation:
        """Delete records by id (an iterable or async iterable of ids), ``chunk_size``
        per ``unlink``. Ids already gone are reported ``failed`` with Odoo's message; a
        lost answer is settled by looking up which ids still exist (those gone are
        ``deleted``, noting they may have been gone before).

        Raises (when awaited):
            ValueError, BulkError, BulkTimeoutError: as :meth:`create`.
        """
        options = self._options(chunk_size, 4 * 1024 * 1024, concurrency, context,
                                on_progress, progress_bar, deadline, tracking)
        report = BulkReport("unlink", model, dry_run=dry_run)

        async def run() -> BulkReport:
            engine = self._engine(report, options)

            async def prepare(index: int, raw: Any) -> PlannedRow | None:
                try:
                    (record_id,) = normalize_ids(raw)
                except (TypeError, ValueError) as exc:
                    engine.record(RowResult(index, raw, RowStatus.FAILED, error=str(exc)))
                    return None
                return PlannedRow(index, {}, record_id)

            async def handle(chunk: list[PlannedRow]) -> None:
                if dry_run:
                    for row in chunk:
                        engine.record(RowResult(row.index, row.key, RowStatus.DELETED,
                                                id=row.key))
                    return
                await self._unlink(engine, model, chunk)

            return await engine.run(engine.chunks(ids, prepare), handle)

        return BulkOperation(report, run)

    async def _unlink(self, engine: Engine, model: str, rows: list[PlannedRow],
                      settling: bool = False) -> None:
        ids = [row.key for row in rows]
        try:
            await engine.call(model, "unlink", rows=rows, ids=ids)
        except OutcomeUnknownError as error:
            if settling:
                engine.settle(rows, RowStatus.OUTCOME_UNKNOWN, _message(error))
                return
            left = set(await engine.call(model, "search", domain=[("id", "in", ids)],
                                         context=_ARCHIVED))
            for row in rows:
                if row.key not in left:
                    engine.record(RowResult(row.index, row.key, RowStatus.DELETED,
                                            id=row.key, error=(
                                                "gone after a lost answer: deleted by this "
                                                "call, or already gone before it")))
            await self._unlink(engine, model, [r for r in rows if r.key in left], True)
            return
        except OdooError as error:
            if not is_row_error(error, "unlink"):
                raise
            await self._split(rows, error, engine,
                              lambda part: self._unlink(engine, model, part, settling))
            return
        for row in rows:
            engine.record(RowResult(row.index, row.key, RowStatus.DELETED, id=row.key))

    # -- upsert --------------------------------------------------------------------

    def upsert(self, model: str, rows: Rows, key: str | Sequence[str], *,
               mode: Literal["create", "load"] = "create", reactivate: bool = False,
               chunk_size: int = 200, max_chunk_bytes: int = 4 * 1024 * 1024,
               concurrency: int | str = "auto", context: Mapping[str, Any] | None = None,
               on_progress: ProgressCallback | None = None, progress_bar: bool = False,
               deadline: float | None = None, dry_run: bool = False, tracking: bool = False
               ) -> BulkOperation:
        """Create or update one record per row, found by ``key`` (a field, or a tuple of
        fields, or ``"id"``: the rows' external ids, as in Odoo's import), writing only
        what differs.

        Per chunk: one ``search_read`` finds the existing records by key, **archived
        ones included** (never a duplicate of an archived record: its row says
        ``archived``; ``reactivate=True`` also sets ``active``); new rows go in one
        list-valued ``create`` (or ``load``); rows whose stored values differ are written,
        one ``write`` per set of identical changes; rows that already match cost no write
        (compared as Odoo stores them: many2one ids, x2many sets, float digits, currency
        rounding, html wrapping, dates). A second run of the same input writes nothing.
        Duplicate keys in the input: the first row is used, the others fail. A chunk whose
        ``create`` answer was lost is reconciled by searching its keys before anything is
        created again. With ``key="id"``, records are found through ``ir.model.data`` and
        new ones are created with ``load`` (record and external id in one transaction).

        Raises (when awaited):
            ValueError: a bad key or setting.
            BulkError, BulkTimeoutError: as :meth:`create`.
        """
        key_fields = _key_fields(key)
        options = self._options(chunk_size, max_chunk_bytes, concurrency, context,
                                on_progress, progress_bar, deadline, tracking)
        if mode not in _MODES:
            raise ValueError(f"mode must be 'create' or 'load', got {mode!r}")
        report = BulkReport("upsert", model, dry_run=dry_run)
        by_xmlid = key_fields == ("id",)

        async def run() -> BulkReport:
            engine = self._engine(report, options)
            info = await self._fields(model, report)
            if not by_xmlid:
                for name in key_fields:
                    info.field(name)
            seen: dict[bytes, int] = {}  # 16-byte digests of the keys read so far

            async def prepare(index: int, raw: Any) -> PlannedRow | None:
                if by_xmlid:
                    if not isinstance(raw, Mapping) or "id" not in raw:
                        engine.record(RowResult(index, None, RowStatus.FAILED, error=(
                            f"row {index} has no 'id' (its external id)")))
                        return None
                    try:
                        external = _xmlid(raw["id"])
                    except ValueError as exc:
                        engine.record(RowResult(index, None, RowStatus.FAILED,
                                                error=f"row {index}: {exc}"))
                        return None
                    raw = {k: v for k, v in raw.items() if k != "id"}
                    row = self._convert(engine, info, index, raw, key=external)
                    if row is None:
                        return None
                    if not loadable(info, row.values):
                        engine.record(RowResult(index, external, RowStatus.FAILED, error=(
                            "rows upserted by external id are created with load(), "
                            "which takes plain values and id lists, not commands")))
                        return None
                else:
                    row = self._convert(engine, info, index, raw, key_fields=key_fields)
                if row is None:
                    return None
                try:
                    row_key = (row.key if by_xmlid
                               else key_of(row.values, key_fields, info.fields))
                except KeyError as exc:
                    engine.record(RowResult(index, None, RowStatus.FAILED,
                                            error=f"row {index} has no key field {exc}"))
                    return None
                except ValueError as exc:
                    engine.record(RowResult(index, None, RowStatus.FAILED,
                                            error=f"row {index}: {exc}"))
                    return None
                try:
                    digest = hashlib.blake2b(repr(row_key).encode(), digest_size=16).digest()
                    hash(row_key)
                except TypeError:
                    engine.record(RowResult(index, None, RowStatus.FAILED, error=(
                        f"row {index}: {row_key!r} cannot be a key (not hashable)")))
                    return None
                first = seen.setdefault(digest, index)
                if first != index:
                    engine.record(RowResult(index, row_key, RowStatus.SKIPPED, error=(
                        f"duplicate key {row_key!r}: row {first} has it too")))
                    return None
                return PlannedRow(index, row.values, row_key)

            async def handle(chunk: list[PlannedRow]) -> None:
                await self._upsert_chunk(engine, model, info, key_fields, chunk,
                                         mode=mode, reactivate=reactivate, dry_run=dry_run)

            return await engine.run(engine.chunks(rows, prepare), handle)

        return BulkOperation(report, run)

    async def _existing(self, engine: Engine, model: str, info: ModelInfo,
                        key: Sequence[str], rows: Sequence[PlannedRow],
                        fields: Sequence[str]) -> list[Mapping[str, Any]]:
        domain: Domain = Domain.TRUE
        for position, name in enumerate(key):
            values = sorted({row.key if len(key) == 1 else row.key[position] for row in rows},
                            key=repr)
            domain &= Domain(name, "in", values)
        found: list[Mapping[str, Any]] = await engine.call(
            model, "search_read", domain=domain, fields=list(fields), load=None,
            context=_ARCHIVED)
        return found

    def _read_fields(self, info: ModelInfo, key: Sequence[str],
                     rows: Sequence[PlannedRow]) -> list[str]:
        names = [*key, *(name for row in rows for name in row.values)]
        currencies = [info.fields[name].currency_field for name in names]
        names += [currency for currency in currencies if currency and currency in info.fields]
        if "active" in info.fields:
            names.append("active")
        return list(dict.fromkeys(names))  # each once, in order

    async def _currency_rounding(self, engine: Engine, info: ModelInfo,
                                 rows: Sequence[PlannedRow],
                                 existing: Sequence[Mapping[str, Any]]) -> None:
        wanted: set[int] = set()
        for field in info.fields.values():
            if field.type != "monetary" or not field.currency_field:
                continue
            for source in (*existing, *(row.values for row in rows)):
                value = source.get(field.currency_field)
                if isinstance(value, list) and value:
                    value = value[0]
                if isinstance(value, int) and not isinstance(value, bool):
                    wanted.add(value)
        missing = sorted(wanted - set(self._rounding))
        if missing:
            for currency in await engine.call("res.currency", "read", ids=missing,
                                              fields=["rounding"], context=_ARCHIVED):
                self._rounding[int(currency["id"])] = float(currency.get("rounding") or 0)

    def _rounding_of(self, field: FieldInfo, record: Mapping[str, Any],
                     values: Mapping[str, Any]) -> float | None:
        if field.type != "monetary" or not field.currency_field:
            return None
        currency = values.get(field.currency_field, record.get(field.currency_field))
        if isinstance(currency, list) and currency:
            currency = currency[0]
        return self._rounding.get(currency) if isinstance(currency, int) else None

    async def _by_xmlid(self, engine: Engine, model: str, rows: Sequence[PlannedRow],
                        fields: Sequence[str]) -> list[Mapping[str, Any]]:
        """The records the rows' external ids name, each with its external id under
        ``XMLID``, archived ones included."""
        parts = {str(row.key): str(row.key).split(".", 1) for row in rows}
        data = await engine.call(
            "ir.model.data", "search_read",
            domain=[("model", "=", model),
                    ("module", "in", sorted({m for m, _ in parts.values()})),
                    ("name", "in", sorted({n for _, n in parts.values()}))],
            fields=["module", "name", "res_id"])
        named = {f"{d['module']}.{d['name']}": int(d["res_id"]) for d in data
                 if f"{d['module']}.{d['name']}" in parts}
        if not named:
            return []
        records = await engine.call(model, "search_read",
                                    domain=[("id", "in", sorted(set(named.values())))],
                                    fields=list(fields), load=None,
                                    context=_ARCHIVED)
        by_id = {int(r["id"]): r for r in records}
        return [{**by_id[record_id], XMLID: external} for external, record_id in named.items()
                if record_id in by_id]

    async def _upsert_chunk(self, engine: Engine, model: str, info: ModelInfo,
                            key: Sequence[str], rows: list[PlannedRow], *, mode: str,
                            reactivate: bool, dry_run: bool) -> None:
        by_xmlid = tuple(key) == ("id",)
        if by_xmlid:
            key = (XMLID,)
            fields = self._read_fields(info, (), rows)
            existing = await self._by_xmlid(engine, model, rows, fields)
        else:
            fields = self._read_fields(info, key, rows)
            existing = await self._existing(engine, model, info, key, rows, fields)
        if any(info.fields[n].type == "monetary" for n in fields):
            await self._currency_rounding(engine, info, rows, existing)
        plan = plan_upsert(rows, existing, model=model, key=key, fields=info.fields,
                           reactivate=reactivate, rounding=self._rounding_of)
        for result in plan.settled:
            engine.record(result)
        if dry_run:
            for row in plan.creates:
                engine.record(RowResult(row.index, row.key, RowStatus.CREATED))
            for group in plan.writes:
                self._record_writes(engine, group)
            return

        async def reconcile(lost: list[PlannedRow], again: bool = True) -> None:
            # The create's answer was lost: what landed is found by key, the rest is
            # created again (once).
            found = (await self._by_xmlid(engine, model, lost, ["id"]) if by_xmlid else
                     await self._existing(engine, model, info, key, lost, ["id", *key]))
            by_key = {key_of(record, key, info.fields): int(record["id"])
                      for record in found}
            missing = []
            for row in lost:
                if row.key in by_key:
                    engine.record(RowResult(row.index, row.key, RowStatus.CREATED,
                                            id=by_key[row.key]))
                else:
                    missing.append(row)
            if again and by_xmlid:
                await self._load_rows(engine, model, info, missing,
                                      lambda rest: reconcile(rest, again=False), xmlids=True)
            elif again:
                await self._create(engine, model, info, missing, mode="create",
                                   reconcile=lambda rest: reconcile(rest, again=False))
            else:
                engine.settle(missing, RowStatus.OUTCOME_UNKNOWN,
                              "the create's answer was lost twice")

        if by_xmlid:
            for same in _by_shape(plan.creates):
                await self._load_rows(engine, model, info, same, reconcile, xmlids=True)
        else:
            await self._create(engine, model, info, list(plan.creates), mode=mode,
                               reconcile=reconcile)
        for group in plan.writes:
            await self._write_group(engine, model, group)

    @staticmethod
    def _record_writes(engine: Engine, group: WriteGroup) -> None:
        changes = tuple(sorted(group.values))
        for row, record_id in group.rows:
            engine.record(RowResult(row.index, row.key, RowStatus.UPDATED, id=record_id,
                                    archived=record_id in group.archived, changes=changes))

    async def _write_group(self, engine: Engine, model: str, group: WriteGroup) -> None:
        try:
            await engine.call(model, "write", rows=[row for row, _ in group.rows],
                              ids=group.ids, vals=dict(group.values), idempotent=True)
        except OdooError as error:
            if not is_row_error(error, "write"):
                raise
            message = _message(error)
            await _isolate(
                list(group.rows),
                lambda part: self._write_group(engine, model, WriteGroup(
                    group.values, tuple(part), group.archived)),
                lambda pair: engine.record(RowResult(pair[0].index, pair[0].key,
                                                     RowStatus.FAILED, id=pair[1],
                                                     error=message)))
            return
        self._record_writes(engine, group)

    # -- reading -------------------------------------------------------------------

    def stream(self, model: str, domain: Domain | Sequence[Any] | None = None, *,
               fields: Sequence[str], page_size: int = 1000,
               context: Mapping[str, Any] | None = None, as_records: bool = False
               ) -> AsyncIterator[Any]:
        """Every record of ``model`` matching ``domain``, ``page_size`` per call, each
        page read with the whole graph of ``fields`` (dotted paths) in one
        ``web_search_read``. Keyset pagination on ``id`` (never ``offset``): rows inserted
        or deleted during the scan are neither skipped nor repeated; memory stays flat.
        Pages are lists of plain dicts (relations as nested dicts), or recordsets with
        ``as_records=True``.

        Raises (while iterating):
            ValueError: no field, an unknown field, a bad page size.
            odoo_async.errors.OdooError: a call failed.
        """
        env = self._env.with_context(**context) if context else self._env
        query = env[model].search(domain)
        if as_records:
            return query.pages(*fields, page_size=page_size)
        return query.pages(*fields, page_size=page_size, as_dicts=True)

    # -- settings ------------------------------------------------------------------

    @staticmethod
    def _options(chunk_size: int, max_chunk_bytes: int, concurrency: int | str,
                 context: Mapping[str, Any] | None, on_progress: ProgressCallback | None,
                 progress_bar: bool, deadline: float | None, tracking: bool) -> Options:
        return Options(chunk_size=chunk_size, max_chunk_bytes=max_chunk_bytes,
                       concurrency=concurrency, context=context, on_progress=on_progress,
                       progress_bar=progress_bar, deadline=deadline, tracking=tracking)

    def __repr__(self) -> str:
        return f"Bulk({self._client!r})"


def _by_shape(rows: Sequence[PlannedRow]) -> list[list[PlannedRow]]:
    """Rows grouped by their set of fields (``load`` empties a missing cell)."""
    shapes: dict[tuple[str, ...], list[PlannedRow]] = {}
    for row in rows:
        shapes.setdefault(tuple(row.values), []).append(row)
    return list(shapes.values())


def _write_groups(rows: Sequence[PlannedRow]) -> list[list[PlannedRow]]:
    """Rows with the same values share one ``write``, but a record named by several rows
    gets them in input order: a row that touches a record an earlier group of other
    values touches starts a new batch of groups."""
    batches: list[list[list[PlannedRow]]] = [[]]
    groups: dict[str, list[PlannedRow]] = {}
    owner: dict[int, str] = {}
    for row in rows:
        signature = same_values_key(row.values)
        if any(owner.get(i, signature) != signature for i in row.key):
            batches.append([])
            groups, owner = {}, {}
        group = groups.get(signature)
        if group is None:
            group = groups[signature] = []
            batches[-1].append(group)
        group.append(row)
        owner.update(dict.fromkeys(row.key, signature))
    return [group for batch in batches for group in batch]

