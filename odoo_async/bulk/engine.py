"""Running a bulk operation: reading the input in chunks, running chunks concurrently
under a concurrency limit, recording each row's fate, and stopping cleanly.

Every call to Odoo is shielded from cancellation: when the operation is cancelled (its
task, or its ``deadline``), calls already sent finish and are recorded, nothing new is
sent, and rows not sent are reported ``skipped``, so the report says exactly what landed.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Final, Literal

import anyio
import anyio.abc
import attrs

from odoo_async import _json
from odoo_async.bulk.concurrency import AdaptiveConcurrency, ConcurrencyLimit, FixedConcurrency
from odoo_async.bulk.plan import PlannedRow
from odoo_async.bulk.report import BulkError, BulkReport, BulkTimeoutError, RowResult, RowStatus
from odoo_async.errors import (
    AccessError,
    AuthenticationError,
    MissingError,
    NotFoundError,
    OdooError,
    ServerError,
    TooManyRequestsError,
)
from odoo_async.resilience.breaker import is_health_failure
from odoo_async.resilience.clock import Clock, SystemClock
from odoo_async.resilience.retry import Verdict

if TYPE_CHECKING:
    from odoo_async.client import Client

__all__ = ["Engine", "Options", "Progress", "ProgressCallback", "Rows", "is_row_error"]

logger = logging.getLogger("odoo_async.bulk")

Rows = Iterable[Any] | AsyncIterable[Any]
"""What bulk operations read: a list, any iterable or an async iterable."""

OVERLOAD_ERRORS: Final = ("PoolExhaustedError", "ServiceUnavailableError",
                          "TooManyRequestsError", "RequestTimeoutError", "GatewayTimeoutError")


@attrs.frozen
class Progress:
    """Where a bulk operation stands, passed to ``on_progress`` after each chunk.

    Attributes:
        done: rows with a result so far.
        total: rows in the input when known (a list, a sized collection), else ``None``.
        rows_per_second: the pace since the start.
        eta: seconds left at that pace, when ``total`` is known.
        report: the live report.
    """

    done: int
    total: int | None
    rows_per_second: float
    eta: float | None
    report: BulkReport


ProgressCallback = Callable[[Progress], Any]


def is_row_error(error: BaseException, method: Literal["create", "write", "unlink"]
                 ) -> bool:
    """Whether Odoo refused a call because of what some rows hold (so splitting the
    chunk isolates them), rather than because of the server, the key or the model. An
    access error is about some records (record rules) when writing or deleting them, and
    about the model (no right to create, whether by ``create`` or ``load``) when
    creating."""
    if not isinstance(error, ServerError) or is_health_failure(error):
        return False
    if isinstance(error, (AuthenticationError, TooManyRequestsError)):
        return False
    if isinstance(error, AccessError) and method == "create":
        return False
    return not (isinstance(error, NotFoundError) and not isinstance(error, MissingError))


@attrs.frozen
class Options:
    """Settings shared by every bulk operation (see ``Bulk``)."""

    chunk_size: int = 200
    max_chunk_bytes: int = 4 * 1024 * 1024
    concurrency: int | str = "auto"
    context: Mapping[str, Any] | None = None
    on_progress: ProgressCallback | None = None
    progress_bar: bool = False
    deadline: float | None = None
    tracking: bool = False

    def __attrs_post_init__(self) -> None:
        for name in ("chunk_size", "max_chunk_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        if self.concurrency != "auto" and (isinstance(self.concurrency, bool)
                                           or not isinstance(self.concurrency, int)
                                           or self.concurrency < 1):
            raise ValueError(f"concurrency must be 'auto' or an int >= 1, "
                             f"got {self.concurrency!r}")
        if self.deadline is not None and (isinstance(self.deadline, bool) or not isinstance(
                self.deadline, (int, float)) or self.deadline <= 0):
            raise ValueError(f"deadline must be a positive number of seconds, "
                             f"got {self.deadline!r}")


class _Stop(Exception):
    """Raised inside the engine to end the operation after a fatal error."""


class Engine:
    """One run of one bulk operation."""

    def __init__(self, client: Client, report: BulkReport, options: Options, *,
                 clock: Clock | None = None, max_concurrency: int = 8) -> None:
        self.client = client
        self.report = report
        self.options = options
        self.clock = clock or SystemClock()
        self.limit: ConcurrencyLimit = (
            AdaptiveConcurrency(maximum=max_concurrency, initial=min(2, max_concurrency),
                                clock=self.clock)
            if options.concurrency == "auto" else FixedConcurrency(int(options.concurrency)))
        self._pending: dict[int, PlannedRow] = {}
        self._sent: set[int] = set()
        self._busy: dict[int, anyio.Event] = {}
        self._fatal: BaseException | None = None
        self._started = 0.0
        self._total: int | None = None
        self._bar: Any = None
        self._timed_out = False

    # -- calls ---------------------------------------------------------------------

    async def call(self, model: str, method: str, *, rows: Iterable[PlannedRow] = (),
                   **params: Any) -> Any:
        """Call Odoo, counted in the report, shielded from cancellation (a call that was
        sent always ends and is recorded). ``rows`` are the rows a call that changes data
        carries: if the operation stops before they get a result, they may have landed
        and are reported ``outcome_unknown``, not ``failed``.

        Raises:
            odoo_async.errors.OdooError: as ``Client.call``.
        """
        self._sent.update(row.index for row in rows)
        context = {} if self.options.tracking else {"tracking_disable": True}
        context.update(self.options.context or {})
        extra = params.pop("context", None)
        if extra:
            context.update(extra)
        self.report.calls += 1
        with anyio.CancelScope(shield=True):
            return await self.client.call(model, method, context=context or None, **params)

    # -- results -------------------------------------------------------------------

    def record(self, result: RowResult) -> None:
        """Set a row's result."""
        self._pending.pop(result.index, None)
        self._sent.discard(result.index)
        self.report.record(result)

    @asynccontextmanager
    async def records_in_order(self, ids: Iterable[int]) -> AsyncIterator[None]:
        """Wait until chunks started earlier that touch any of ``ids`` are done, so rows
        about one record apply in input order even when chunks run concurrently. Enter
        it first thing in a chunk: chunks register in the order they start."""
        wanted = set(ids)
        earlier = {self._busy[i] for i in wanted if i in self._busy}
        done = anyio.Event()
        for record_id in wanted:
            self._busy[record_id] = done
        try:
            for event in earlier:
                await event.wait()
            yield
        finally:
            done.set()
            for record_id in wanted:
                if self._busy.get(record_id) is done:
                    del self._busy[record_id]

    def settle(self, rows: Iterable[PlannedRow], status: RowStatus, error: str | None = None,
               ) -> None:
        """Give every row of ``rows`` that has no result yet ``status``."""
        for row in rows:
            if row.index in self._pending:
                self.record(RowResult(row.index, row.key, status, error=error))

    # -- input ---------------------------------------------------------------------

    async def _iterate(self, rows: Rows) -> AsyncIterator[Any]:
        if isinstance(rows, AsyncIterable):
            async for row in rows:
                yield row
        elif isinstance(rows, Iterable):
            for row in rows:
                yield row
        else:
            raise TypeError(f"rows must be an iterable or an async iterable, not "
                            f"{type(rows).__name__}")

    async def chunks(self, rows: Rows,
                     prepare: Callable[[int, Any], Awaitable[PlannedRow | None]]
                     ) -> AsyncIterator[list[PlannedRow]]:
        """Read ``rows`` and cut them into chunks by count and by body size.
        ``prepare`` turns one input row into a :class:`PlannedRow`, or records why it
        cannot be sent and returns ``None``."""
        try:
            self._total = len(rows)  # type: ignore[arg-type]
        except TypeError:
            self._total = None
        chunk: list[PlannedRow] = []
        size = 0
        async for raw in self._iterate(rows):
            index = self.report.read_row()
            self._pending[index] = PlannedRow(index, {})
            row = await prepare(index, raw)
            if row is None:
                continue
            self._pending[index] = row
            row_size = len(_json.dumps(dict(row.values))) + 1
            if chunk and (len(chunk) >= self.options.chunk_size
                          or size + row_size > self.options.max_chunk_bytes):
                yield chunk
                chunk, size = [], 0
            chunk.append(row)
            size += row_size
        if chunk:
            yield chunk

    # -- running -------------------------------------------------------------------

    def _overloads(self) -> int:
        failures = self.client.stats.failures
        return sum(failures.get(name, 0) for name in OVERLOAD_ERRORS)

    async def _run_chunk(self, chunk: list[PlannedRow],
                         handle: Callable[[list[PlannedRow]], Awaitable[None]],
                         scope: anyio.CancelScope) -> None:
        started = self.clock.monotonic()
        overloads = self._overloads()
        try:
            await handle(chunk)
        except Exception as error:
            self._stop(chunk, error, scope)
        finally:
            self.limit.release()
            self.limit.observe(len(chunk), self.clock.monotonic() - started,
                               overloaded=self._overloads() > overloads)
        try:
            await self._progress()
        except Exception as error:  # the caller's callback failed: stop, keep the report
            self._stop([], error, scope)

    def _stop(self, chunk: list[PlannedRow], error: Exception, scope: anyio.CancelScope
              ) -> None:
        """A fatal error: rows whose call was sent may have landed, the others were not
        sent; the operation stops."""
        reason = f"the operation stopped on {type(error).__name__}: {error}"
        sent = [r for r in chunk if r.index in self._sent]
        verdict = (self.client.retry_policy.classify(error) if isinstance(error, OdooError)
                   else Verdict.MAY_HAVE_RUN)  # the client's own rules, never a second set
        if verdict is Verdict.FINAL:  # Odoo answered an error: nothing of that call ran
            self.settle(sent, RowStatus.FAILED, reason)
        elif verdict is Verdict.MAY_HAVE_RUN:
            self.settle(sent, RowStatus.OUTCOME_UNKNOWN, reason)
        self.settle(chunk, RowStatus.SKIPPED, reason)
        if self._fatal is None:
            self._fatal = error
        scope.cancel()

    async def _progress(self) -> None:
        done = self.report.rows - len(self._pending)
        elapsed = self.clock.monotonic() - self._started
        pace = done / elapsed if elapsed > 0 else 0.0
        eta = ((self._total - done) / pace if self._total is not None and pace > 0
               else None)
        if self._bar is not None:
            self._bar.total = self._total
            self._bar.n = done
            self._bar.refresh()
        if self.options.on_progress is not None:
            result = self.options.on_progress(Progress(done, self._total, pace, eta,
                                                       self.report))
            if inspect.isawaitable(result):
                await result

    def _open_bar(self) -> None:
        if not self.options.progress_bar:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError as exc:
            raise ImportError("progress_bar=True needs tqdm: pip install "
                              "'odoo-async[progress]'") from exc
        self._bar = tqdm(desc=f"{self.report.operation} {self.report.model}", unit="row",
                         total=self._total)

    async def _watch(self, scope: anyio.CancelScope) -> None:
        assert self.options.deadline is not None
        await self.clock.sleep(self.options.deadline)
        self._timed_out = True
        scope.cancel()

    async def _feed(self, chunks: AsyncIterator[list[PlannedRow]],
                    handle: Callable[[list[PlannedRow]], Awaitable[None]],
                    group: anyio.abc.TaskGroup) -> None:
        try:
            async for chunk in chunks:
                await self.limit.acquire()
                if group.cancel_scope.cancel_called:
                    self.limit.release()
                    break
                group.start_soon(self._run_chunk, chunk, handle, group.cancel_scope)
        except Exception as error:  # the input itself failed: stop, keep what landed
            if self._fatal is None:
                self._fatal = error
            group.cancel_scope.cancel()

    async def run(self, chunks: AsyncIterator[list[PlannedRow]],
                  handle: Callable[[list[PlannedRow]], Awaitable[None]]) -> BulkReport:
        """Run ``handle`` on every chunk, concurrently under the limit.

        Raises:
            BulkError: a fatal error (authentication, unknown model, server unreachable
                after retries) stopped the operation; rows not sent are ``skipped``.
            BulkTimeoutError: the ``deadline`` passed; what landed is in the report.
            asyncio.CancelledError: the operation was cancelled; calls already sent
                finished and the report says what landed.
            Exception: what the input raised while being read (the report says what
                landed before).
        """
        self._started = self.clock.monotonic()
        self._timed_out = False
        self._open_bar()
        finished = False
        try:
            async with anyio.create_task_group() as watchdog:
                with anyio.CancelScope() as deadline_scope:
                    if self.options.deadline is not None:
                        watchdog.start_soon(self._watch, deadline_scope)
                    async with anyio.create_task_group() as group:
                        await self._feed(chunks, handle, group)
                watchdog.cancel_scope.cancel()
            finished = True
        finally:
            if self._timed_out:
                reason = "the deadline passed before this row was sent"
            else:
                reason = ("the operation stopped before this row was sent"
                          + (f" ({self._fatal})" if self._fatal else ""))
            self.settle([r for r in self._pending.values() if r.index in self._sent],
                        RowStatus.OUTCOME_UNKNOWN, "its call was sent, then the operation "
                        "stopped before its answer was recorded")
            self.settle(list(self._pending.values()), RowStatus.SKIPPED, reason)
            self.report.duration = self.clock.monotonic() - self._started
            self.report.concurrency = list(getattr(self.limit, "history", [self.limit.limit]))
            self.report.completed = finished and self._fatal is None and not self._timed_out
            if self._bar is not None:
                self._bar.n = self.report.rows - len(self._pending)
                self._bar.refresh()
                self._bar.close()
            logger.info("%s", self.report.summary())
        if isinstance(self._fatal, OdooError):
            raise BulkError(self.report, f"{self.report.summary()}: stopped by "
                                         f"{self._fatal}") from self._fatal
        if self._fatal is not None:
            raise self._fatal
        if self._timed_out:
            raise BulkTimeoutError(self.report, f"{self.report.summary()}: deadline of "
                                                f"{self.options.deadline} s reached")
        return self.report
