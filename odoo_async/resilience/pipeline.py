"""The resilience pipeline: retries around a circuit breaker, a rate limit and a cap on
calls in flight, with counters. The client runs every call through one of these."""

from __future__ import annotations

import collections
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import TypeVar

import attrs

from odoo_async.errors import (
    CircuitOpenError,
    ClientClosedError,
    OdooError,
    OutcomeUnknownError,
)
from odoo_async.resilience.breaker import CircuitBreaker, Ticket
from odoo_async.resilience.clock import Clock, SystemClock
from odoo_async.resilience.ratelimit import InFlightLimit, RateLimit
from odoo_async.resilience.retry import RetryPolicy, describe

__all__ = ["ClientStats", "Resilience"]

logger = logging.getLogger("odoo_async.retry")

T = TypeVar("T")


@attrs.frozen
class ClientStats:
    """Counters of one client since it was created (a snapshot).

    Attributes:
        calls: calls started (retries not counted again).
        succeeded: calls that returned a result.
        failed: calls that raised.
        retries: attempts repeated after a failure.
        outcome_unknown: failed calls that may have changed data (OutcomeUnknownError).
        rejected_by_breaker: calls refused at once by an open circuit.
        failures: failed attempts by exception class name.
        in_flight: attempts being sent right now; peak_in_flight: the most at once.
        breaker_state: ``"closed"``, ``"open"``, ``"half-open"``, or None without a breaker.
    """

    calls: int
    succeeded: int
    failed: int
    retries: int
    outcome_unknown: int
    rejected_by_breaker: int
    failures: Mapping[str, int]
    in_flight: int
    peak_in_flight: int
    breaker_state: str | None


class Resilience:
    """Runs calls with retries, a circuit breaker, a rate limit and an in-flight cap.

    Each part is optional: ``retry=RetryPolicy.disabled()``, ``breaker=None``,
    ``rate_limit=None``, ``max_in_flight=None``.

    Raises:
        ValueError: ``max_in_flight`` is not a positive int.
    """

    def __init__(
        self,
        *,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        rate_limit: RateLimit | None = None,
        max_in_flight: int | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy.disabled()
        self.breaker = breaker
        self.rate_limit = rate_limit
        self.in_flight = InFlightLimit(max_in_flight) if max_in_flight is not None else None
        self._clock = clock or SystemClock()
        self._counts: collections.Counter[str] = collections.Counter()
        self._failures: collections.Counter[str] = collections.Counter()
        self._current = 0
        self._peak = 0

    @property
    def clock(self) -> Clock:
        """The time source of backoff, breaker and rate limit."""
        return self._clock

    @property
    def stats(self) -> ClientStats:
        """A snapshot of the counters."""
        return ClientStats(
            calls=self._counts["calls"],
            succeeded=self._counts["succeeded"],
            failed=self._counts["failed"],
            retries=self._counts["retries"],
            outcome_unknown=self._counts["outcome_unknown"],
            rejected_by_breaker=self._counts["rejected_by_breaker"],
            failures=dict(self._failures),
            in_flight=self._current,
            peak_in_flight=self._peak,
            breaker_state=self.breaker.state.value if self.breaker else None,
        )

    async def _attempt(self, send: Callable[[], Awaitable[T]], tickets: list[Ticket]) -> T:
        # The breaker is asked twice: before waiting (fail fast, no slot taken) and right
        # before sending (a half-open probe slot is held only while the probe runs).
        breaker = self.breaker
        if breaker is not None:
            breaker.check()
        if self.rate_limit is not None:
            await self.rate_limit.acquire()
        cap: AbstractAsyncContextManager[None] = (
            self.in_flight if self.in_flight is not None else nullcontext()
        )
        async with cap:
            ticket = breaker.admit() if breaker is not None else None
            if ticket is not None:
                tickets.append(ticket)
            self._current += 1
            self._peak = max(self._peak, self._current)
            error: BaseException | None = None
            try:
                return await send()
            except BaseException as exc:
                error = exc
                raise
            finally:
                self._current -= 1
                if breaker is not None and ticket is not None:
                    breaker.release(ticket, error)
                del error

    async def run(
        self,
        send: Callable[[], Awaitable[T]],
        *,
        model: str | None,
        method: str | None,
        idempotent: bool | None = None,
        budget: float | None = None,
    ) -> T:
        """Run ``send`` (one attempt each time it is called) under the policies.

        ``budget`` bounds the whole call, retries included, in seconds (the client passes
        its total timeout): no retry starts that would end past it.

        Raises:
            CircuitOpenError: the breaker refused the call; nothing was sent.
            OutcomeUnknownError: a call that may change data failed after it may have
                reached the server; it was not repeated.
            OdooError: the last failure, when retries are exhausted or not allowed.
        """
        policy = self.retry
        repeatable = policy.is_repeatable(model, method, idempotent)
        started = self._clock.monotonic()
        tickets: list[Ticket] = []
        self._counts["calls"] += 1
        try:
            result = await self._run(send, policy, repeatable, started, tickets, budget,
                                     model=model, method=method)
        except BaseException as error:
            self._record_call(tickets, error)
            raise
        self._record_call(tickets, None)
        return result

    def _record_call(self, tickets: list[Ticket], error: BaseException | None) -> None:
        if self.breaker is not None and tickets:
            if isinstance(error, OutcomeUnknownError) and error.__cause__ is not None:
                error = error.__cause__  # judge the server by what really happened
            self.breaker.record_call(tickets[-1], error)

    async def _run(self, send: Callable[[], Awaitable[T]], policy: RetryPolicy,
                   repeatable: bool, started: float, tickets: list[Ticket],
                   budget: float | None, *, model: str | None, method: str | None) -> T:
        previous_delay = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                result = await self._attempt(send, tickets)
            except CircuitOpenError:
                self._counts["rejected_by_breaker"] += 1
                self._counts["failed"] += 1
                raise
            except ClientClosedError as error:
                self._counts["failed"] += 1
                if error.interrupted and not repeatable:
                    self._counts["outcome_unknown"] += 1
                    raise OutcomeUnknownError(
                        "the client was closed while the call was in flight: it may or may "
                        "not have been applied", model=model, method=method,
                    ) from error
                raise
            except OdooError as error:
                self._failures[type(error).__name__] += 1
                delay = self._retry_delay(error, attempt, previous_delay, started, repeatable,
                                          budget)
                if delay is not None:
                    logger.warning(
                        "retrying %s after %s (attempt %d of %d) in %.2f s",
                        f"{model}/{method}" if model else "request", describe(error),
                        attempt + 1, policy.max_attempts, delay,
                    )
                    self._counts["retries"] += 1
                    await self._clock.sleep(delay)
                    previous_delay = delay
                    continue
                self._counts["failed"] += 1
                if policy.outcome_unknown(error, repeatable=repeatable):
                    self._counts["outcome_unknown"] += 1
                    raise OutcomeUnknownError(
                        f"{describe(error)}: the call may or may not have been applied; it "
                        "was not repeated (check the data, or pass idempotent=True if "
                        "repeating it is safe)",
                        model=model, method=method,
                    ) from error
                raise
            self._counts["succeeded"] += 1
            return result

    def _retry_delay(self, error: OdooError, attempt: int, previous: float, started: float,
                     repeatable: bool, budget: float | None) -> float | None:
        policy = self.retry
        if attempt >= policy.max_attempts or not policy.may_retry(error, repeatable=repeatable):
            return None
        delay = policy.next_delay(attempt, previous, error, now=self._clock.time())
        if delay is None:
            return None
        elapsed = self._clock.monotonic() - started
        for limit in (policy.deadline, budget):
            if limit is not None and elapsed + delay > limit:
                return None
        return delay
