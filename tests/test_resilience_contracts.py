"""Contracts of the resilience layer that the rest of the suite left unpinned.

* the circuit breaker: what counts in its sliding window (stale calls, cancelled or
  interrupted calls, calls that left the window, a reset), the exact rule that opens it
  (threshold *and* minimum calls *and* at least ``failure_rate``), the wait it announces
  when the clock does not start at zero, late probes (one that outlived its slot, one
  that ends after another probe reopened the circuit), and the log lines an operator
  reads (state changes, a failing listener);
* the rate limit: a cancelled waiter gives back exactly its own slot;
* the in-flight cap's repr;
* retries: a 300 answer is a redirect (final, never retried nor "outcome unknown"), a
  ``Retry-After`` of exactly ``max_retry_after`` is honoured, and a retry that ends
  exactly at the deadline still starts.
"""

from __future__ import annotations

import asyncio
import logging
import re

import pytest
from aiohttp import web

from odoo_async import Client, errors
from odoo_async.resilience import (
    BreakerState,
    CircuitBreaker,
    ConstantBackoff,
    InFlightLimit,
    ManualClock,
    RateLimit,
    RetryPolicy,
)
from odoo_async.testing import FakeOdoo, ResetAfterExecute, Status
from tests.conftest import API_KEY
from tests.support.scripted import ScriptedOdoo
from tests.support.timeouts import HANG_TIMEOUT

BREAKER_LOGGER = "odoo_async.breaker"


def down() -> errors.ConnectError:
    """A server-health failure."""
    return errors.ConnectError("refused")


def fail(breaker: CircuitBreaker, error: Exception | None = None) -> None:
    """One call through the breaker that fails with ``error`` (a health failure)."""
    error = error if error is not None else down()
    with pytest.raises(type(error)), breaker.guard():
        raise error


def succeed(breaker: CircuitBreaker) -> None:
    """One call through the breaker that gets an answer."""
    with breaker.guard():
        pass


def state(breaker: CircuitBreaker) -> BreakerState:
    """The breaker's state now (a call, so that mypy does not narrow it across calls)."""
    return breaker.state


def open_breaker(clock: ManualClock, *, half_open_max_calls: int = 1,
                 probe_timeout: float | None = None) -> CircuitBreaker:
    """A breaker (threshold 1, recovery 5 s) that one failure has just opened."""
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=5.0, clock=clock,
                             half_open_max_calls=half_open_max_calls,
                             probe_timeout=probe_timeout)
    fail(breaker)
    assert state(breaker) is BreakerState.OPEN
    return breaker


# -- the breaker: what opens it ----------------------------------------------------------


@pytest.mark.parametrize("name", ["minimum_calls", "probe_timeout"])
@pytest.mark.parametrize("value", [0, -1])
def test_a_zero_or_negative_optional_setting_is_refused_not_defaulted(
        name: str, value: int) -> None:
    with pytest.raises(ValueError, match=f"^CircuitBreaker {name} must be positive, "
                                         f"got {value}$"):
        CircuitBreaker(**{name: value})  # type: ignore[arg-type]


def test_optional_settings_default_to_the_threshold_and_the_recovery_time() -> None:
    breaker = CircuitBreaker(failure_threshold=3, recovery_time=7.5)
    assert (breaker.minimum_calls, breaker.probe_timeout) == (3, 7.5)
    given = CircuitBreaker(failure_threshold=3, recovery_time=7.5, minimum_calls=10,
                           probe_timeout=2.0)
    assert (given.minimum_calls, given.probe_timeout) == (10, 2.0)


@pytest.mark.parametrize("value", [True, "30", None])
def test_a_setting_that_is_not_a_number_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match=f"^CircuitBreaker window must be positive, "
                                         f"got {re.escape(repr(value))}$"):
        CircuitBreaker(window=value)  # type: ignore[arg-type]


def test_breaker_opens_at_exactly_the_failure_rate_and_not_below() -> None:
    breaker = CircuitBreaker(failure_threshold=2, minimum_calls=2, failure_rate=0.5,
                             window=100.0, clock=ManualClock())
    for _ in range(3):
        succeed(breaker)
    fail(breaker)
    fail(breaker)  # 2 failed of 5 calls: 40 %, below the rate
    assert state(breaker) is BreakerState.CLOSED
    fail(breaker)  # 3 of 6: exactly 50 %
    assert state(breaker) is BreakerState.OPEN


def test_breaker_needs_the_failure_threshold_even_when_the_rate_is_reached() -> None:
    breaker = CircuitBreaker(failure_threshold=3, minimum_calls=2, failure_rate=0.5,
                             window=100.0, clock=ManualClock())
    fail(breaker)
    succeed(breaker)  # 1 failed of 2 calls: the rate, but not the threshold
    assert state(breaker) is BreakerState.CLOSED
    fail(breaker)  # 2 of 3
    assert state(breaker) is BreakerState.CLOSED
    fail(breaker)  # 3 of 4
    assert state(breaker) is BreakerState.OPEN


def test_failures_that_left_the_window_no_longer_count() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=2, window=10.0, clock=clock)
    fail(breaker)
    clock.tick(11.0)
    succeed(breaker)  # the first failure leaves the window here
    fail(breaker)  # one failure in the window, of two calls
    assert state(breaker) is BreakerState.CLOSED
    fail(breaker)
    assert state(breaker) is BreakerState.OPEN


async def test_cancelled_and_interrupted_calls_do_not_dilute_the_failure_rate() -> None:
    breaker = CircuitBreaker(failure_threshold=2, failure_rate=0.5, window=100.0,
                             clock=ManualClock())
    fail(breaker)
    fail(breaker, errors.CircuitOpenError("refused by another breaker"))
    fail(breaker, errors.ClientClosedError("closed", interrupted=True))
    fail(breaker, errors.EventLoopError("wrong loop"))
    with pytest.raises(asyncio.CancelledError), breaker.guard():
        raise asyncio.CancelledError
    fail(breaker)  # 2 failed of the 2 calls that tell something
    assert state(breaker) is BreakerState.OPEN


def test_reset_forgets_the_failures_of_a_closed_circuit() -> None:
    breaker = CircuitBreaker(failure_threshold=2, window=100.0, clock=ManualClock())
    fail(breaker)
    breaker.reset()
    fail(breaker)
    assert state(breaker) is BreakerState.CLOSED
    assert repr(breaker) == "CircuitBreaker(state=closed, failures=1/1 calls in 100 s)"


def test_a_closed_circuit_counts_failures_from_zero() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=2, minimum_calls=1, window=100.0,
                             recovery_time=5.0, clock=clock)
    fail(breaker)
    fail(breaker)
    assert state(breaker) is BreakerState.OPEN
    clock.tick(5.0)
    succeed(breaker)  # the probe closes it
    assert repr(breaker) == "CircuitBreaker(state=closed, failures=0/0 calls in 100 s)"
    fail(breaker)  # one failure: below the threshold again
    assert state(breaker) is BreakerState.CLOSED
    fail(breaker)
    assert state(breaker) is BreakerState.OPEN


def test_a_call_admitted_before_the_circuit_reopened_and_closed_is_not_counted() -> None:
    """A slow call admitted while closed that fails after an open / half-open / closed
    cycle says nothing about the new closed period."""
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=5.0, clock=clock)
    slow = breaker.admit()  # the slow call starts while closed
    fail(breaker)  # another call opens the circuit
    clock.tick(5.0)
    succeed(breaker)  # the probe closes it
    assert state(breaker) is BreakerState.CLOSED
    breaker.release(slow, down())  # the slow call fails at last
    breaker.record_call(slow, down())
    assert state(breaker) is BreakerState.CLOSED


# -- the breaker: open and half-open ---------------------------------------------------


def test_an_open_breaker_announces_the_wait_left_whatever_the_clock_reads() -> None:
    clock = ManualClock(start=1000.0)
    breaker = open_breaker(clock)
    clock.tick(2.0)
    with pytest.raises(errors.CircuitOpenError,
                       match=r"^circuit breaker is open after 1 or more server failures; "
                             r"next probe in 3\.0 s$") as refused:
        succeed(breaker)
    assert refused.value.retry_after == pytest.approx(3.0)


def test_a_probe_that_outlived_its_slot_still_decides_when_it_ends() -> None:
    clock = ManualClock()
    breaker = open_breaker(clock, probe_timeout=2.0)
    clock.tick(5.0)
    hung = breaker.admit()
    clock.tick(3.0)
    second = breaker.admit()  # the hung probe's slot was taken back
    breaker.release(hung, None)  # the hung probe gets its answer at last
    breaker.record_call(hung, None)
    assert state(breaker) is BreakerState.CLOSED
    breaker.release(second, None)
    assert state(breaker) is BreakerState.CLOSED


def test_a_probe_ending_after_another_probe_reopened_the_circuit_does_not_close_it() -> None:
    clock = ManualClock()
    breaker = open_breaker(clock, half_open_max_calls=2)
    clock.tick(5.0)
    with breaker.guard():  # the late probe: it succeeds, but too late
        fail(breaker)  # the other probe fails: open again
        assert state(breaker) is BreakerState.OPEN
    assert state(breaker) is BreakerState.OPEN


def test_a_probe_interrupted_by_closing_the_client_decides_nothing() -> None:
    clock = ManualClock()
    breaker = open_breaker(clock)
    clock.tick(5.0)
    fail(breaker, errors.ClientClosedError("closed", interrupted=True))
    assert state(breaker) is BreakerState.HALF_OPEN
    fail(breaker, errors.CircuitOpenError("refused by another breaker"))
    assert state(breaker) is BreakerState.HALF_OPEN
    fail(breaker, errors.EventLoopError("wrong loop"))
    assert state(breaker) is BreakerState.HALF_OPEN
    succeed(breaker)  # the slot is free again, and a real answer closes it
    assert state(breaker) is BreakerState.CLOSED


# -- the breaker: what operators read in the logs ----------------------------------------


def test_every_state_change_is_logged_as_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=BREAKER_LOGGER)
    clock = ManualClock()
    breaker = open_breaker(clock)
    clock.tick(5.0)
    succeed(breaker)
    logged = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert logged == [
        (BREAKER_LOGGER, logging.WARNING, "circuit breaker closed -> open"),
        (BREAKER_LOGGER, logging.WARNING, "circuit breaker open -> half-open"),
        (BREAKER_LOGGER, logging.WARNING, "circuit breaker half-open -> closed"),
    ]


class BrokenListener:
    """A state listener that always raises."""

    def __call__(self, old: BreakerState, new: BreakerState) -> None:
        raise RuntimeError(f"cannot handle {old.value} -> {new.value}")

    def __repr__(self) -> str:
        return "BrokenListener()"


def test_a_failing_listener_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=BREAKER_LOGGER)
    breaker = CircuitBreaker(failure_threshold=1, clock=ManualClock(),
                             on_state_change=BrokenListener())
    fail(breaker)  # the listener's error does not reach the call
    assert state(breaker) is BreakerState.OPEN
    errors_logged = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in errors_logged] == [
        "circuit breaker listener BrokenListener() failed"]
    assert errors_logged[0].name == BREAKER_LOGGER
    assert errors_logged[0].exc_info is not None
    assert str(errors_logged[0].exc_info[1]) == "cannot handle closed -> open"


# -- the rate limit and the in-flight cap ------------------------------------------------


async def test_a_cancelled_waiter_gives_back_its_slot_and_only_its_slot() -> None:
    clock = ManualClock(start=100.0)
    limit = RateLimit(1.0, 1, clock=clock)
    await limit.acquire()  # the slot at t=100
    waiting = asyncio.create_task(limit.acquire())  # reserves t=101
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    admitted: list[float] = []

    async def caller() -> None:
        await limit.acquire()
        admitted.append(clock.monotonic())

    tasks = [asyncio.create_task(caller()) for _ in range(2)]
    await clock.run_until_idle()
    await asyncio.gather(*tasks)
    assert admitted == [101.0, 102.0]  # the rate still holds after the cancellation


async def test_in_flight_limit_repr_shows_calls_in_flight() -> None:
    limit = InFlightLimit(3)
    assert repr(limit) == "InFlightLimit(0/3)"
    async with limit:
        assert repr(limit) == "InFlightLimit(1/3)"
        async with limit:
            assert repr(limit) == "InFlightLimit(2/3)"
    assert repr(limit) == "InFlightLimit(0/3)"


# -- retries -------------------------------------------------------------------------------


async def test_a_300_answer_is_a_final_redirect_not_a_maybe_ran_failure(
    scripted_odoo: ScriptedOdoo
) -> None:
    async def multiple_choices(_: web.Request) -> web.StreamResponse:
        return web.Response(status=300, headers={"Location": "https://choice.example/"})

    scripted_odoo.default = multiple_choices
    async with Client(scripted_odoo.url, api_key=API_KEY, database="odoo19", breaker=False,
                      clock=ManualClock(autojump=True)) as odoo:
        with pytest.raises(errors.ProtocolError, match="redirected to https://choice"):
            await odoo.call("res.partner", "search_read", domain=[])
        assert len(scripted_odoo.requests) == 1  # a read is not retried either
        with pytest.raises(errors.ProtocolError, match="redirected to https://choice") as caught:
            await odoo.call("res.partner", "create", vals_list=[{"name": "x"}])
        assert type(caught.value) is errors.ProtocolError  # not OutcomeUnknownError
        assert odoo.stats.outcome_unknown == 0
        assert odoo.stats.retries == 0
    assert len(scripted_odoo.requests) == 2


async def test_retry_after_of_exactly_max_retry_after_is_honoured(faulty: FakeOdoo) -> None:
    clock = ManualClock(autojump=True)
    policy = RetryPolicy(backoff=ConstantBackoff(0.1), deadline=None, max_retry_after=10.0)
    faulty.faults.queue(Status(429, retry_after="10"))
    async with Client(faulty.url, faulty.api_key, retry=policy, breaker=False, clock=clock,
                      timeout=HANG_TIMEOUT) as odoo:
        assert await odoo.call("res.partner", "search_count", domain=[["id", "=", 9]]) == 1
    assert clock.sleeps == [10.0]
    assert faulty.faults.received["res.partner/search_count"] == 2


async def test_a_retry_ending_exactly_at_the_deadline_still_starts(faulty: FakeOdoo) -> None:
    clock = ManualClock(autojump=True)
    policy = RetryPolicy(backoff=ConstantBackoff(5.0), deadline=10.0)
    faulty.faults.queue(ResetAfterExecute(), ResetAfterExecute(), match="search_count")
    async with Client(faulty.url, faulty.api_key, retry=policy, breaker=False, clock=clock,
                      timeout=HANG_TIMEOUT) as odoo:
        assert await odoo.call("res.partner", "search_count", domain=[["id", "=", 9]]) == 1
    assert clock.sleeps == [5.0, 5.0]  # the second wait ends at 10 s: the deadline
    assert faulty.faults.received["res.partner/search_count"] == 3
