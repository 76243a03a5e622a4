"""The circuit breaker: opens on server-health failures only, fails fast without I/O,
half-opens, closes."""

from __future__ import annotations

from typing import Any

import pytest

from odoo_async import Client, errors
from odoo_async.resilience import BreakerState, CircuitBreaker, ManualClock, is_health_failure
from odoo_async.testing import FakeOdoo, PoolFull, Status

HEALTH = [
    errors.ConnectError("refused"),
    errors.RequestTimeoutError("slow"),
    errors.ConnectionLostError("reset"),
    errors.PoolExhaustedError("full", status=500),
    errors.BadGatewayError("bad gateway", status=502),
    errors.ServiceUnavailableError("down", status=503),
    errors.GatewayTimeoutError("slow", status=504),
]
NOT_HEALTH = [
    errors.UserError("no", status=422, name="odoo.exceptions.UserError"),
    errors.ValidationError("no", status=422, name="odoo.exceptions.ValidationError"),
    errors.AuthenticationError("key", status=401, name="werkzeug.exceptions.Unauthorized"),
    errors.AccessError("acl", status=403, name="odoo.exceptions.AccessError"),
    errors.NotFoundError("nope", status=404, name="werkzeug.exceptions.NotFound"),
    errors.BadRequestError("bad", status=400, name="werkzeug.exceptions.BadRequest"),
    errors.TooManyRequestsError("slow down", status=429),
    errors.InternalServerError("bad field", status=500, name="builtins.ValueError"),
]


@pytest.mark.parametrize("error", HEALTH, ids=lambda e: type(e).__name__)
def test_health_failures(error: Exception) -> None:
    assert is_health_failure(error)


@pytest.mark.parametrize("error", NOT_HEALTH, ids=lambda e: type(e).__name__)
def test_business_errors_are_not_health_failures(error: Exception) -> None:
    assert not is_health_failure(error)


def fail(breaker: CircuitBreaker, error: Exception) -> None:
    with pytest.raises(type(error)), breaker.guard():
        raise error


def succeed(breaker: CircuitBreaker) -> None:
    with breaker.guard():
        pass


def test_opens_after_threshold_within_window() -> None:
    clock = ManualClock()
    changes: list[tuple[BreakerState, BreakerState]] = []
    breaker = CircuitBreaker(failure_threshold=3, window=10.0, recovery_time=5.0, clock=clock,
                             on_state_change=lambda old, new: changes.append((old, new)))
    fail(breaker, HEALTH[0])
    clock.tick(11.0)  # the first failure leaves the window
    fail(breaker, HEALTH[1])
    fail(breaker, HEALTH[2])
    assert breaker.state is BreakerState.CLOSED
    fail(breaker, HEALTH[3])
    assert breaker.state is BreakerState.OPEN
    assert changes == [(BreakerState.CLOSED, BreakerState.OPEN)]


def test_open_fails_fast_then_half_opens_and_closes() -> None:
    clock = ManualClock()
    changes: list[tuple[BreakerState, BreakerState]] = []
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=5.0, clock=clock)
    breaker.add_listener(lambda old, new: changes.append((old, new)))
    fail(breaker, HEALTH[0])
    clock.tick(2.0)
    with pytest.raises(errors.CircuitOpenError, match=r"next probe in 3\.0 s") as caught:
        succeed(breaker)
    assert caught.value.retry_after == 3.0
    clock.tick(3.0)
    assert breaker.state is BreakerState.HALF_OPEN
    succeed(breaker)
    assert breaker.state is BreakerState.CLOSED
    assert changes == [(BreakerState.CLOSED, BreakerState.OPEN),
                       (BreakerState.OPEN, BreakerState.HALF_OPEN),
                       (BreakerState.HALF_OPEN, BreakerState.CLOSED)]


def test_failed_probe_reopens() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=5.0, clock=clock)
    fail(breaker, HEALTH[0])
    clock.tick(5.0)
    fail(breaker, HEALTH[1])
    assert breaker.state is BreakerState.OPEN
    clock.tick(4.9)
    assert breaker.state is BreakerState.OPEN
    clock.tick(0.1)
    assert breaker.state is BreakerState.HALF_OPEN


def test_half_open_lets_a_limited_number_of_probes_through() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=1.0, half_open_max_calls=2,
                             clock=clock)
    fail(breaker, HEALTH[0])
    clock.tick(1.0)
    with breaker.guard(), breaker.guard():
        with pytest.raises(errors.CircuitOpenError), breaker.guard():
            pass
        assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.state is BreakerState.CLOSED


def test_cancelled_probe_frees_its_slot() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=1.0, clock=clock)
    fail(breaker, HEALTH[0])
    clock.tick(1.0)
    with pytest.raises(KeyboardInterrupt), breaker.guard():
        raise KeyboardInterrupt
    assert breaker.state is BreakerState.HALF_OPEN
    succeed(breaker)
    assert breaker.state is BreakerState.CLOSED


def test_business_errors_never_trip() -> None:
    breaker = CircuitBreaker(failure_threshold=2, clock=ManualClock())
    for error in NOT_HEALTH * 3:
        fail(breaker, error)
    assert breaker.state is BreakerState.CLOSED


@pytest.mark.parametrize(
    "kwargs",
    [{"failure_threshold": 0}, {"window": -1.0}, {"recovery_time": 0}, {"half_open_max_calls": 0}],
)
def test_bad_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        CircuitBreaker(**kwargs)


async def test_open_circuit_sends_nothing(faulty: FakeOdoo) -> None:
    clock = ManualClock(autojump=True)
    breaker = CircuitBreaker(failure_threshold=3, recovery_time=30.0, clock=clock)
    faulty.faults.always(PoolFull())
    async with Client(faulty.url, faulty.api_key, retry=False, breaker=breaker,
                      clock=clock) as odoo:
        for _ in range(3):
            with pytest.raises(errors.PoolExhaustedError):
                await odoo.call("res.partner", "search_count", domain=[])
        received = sum(faulty.faults.received.values())
        for _ in range(5):
            with pytest.raises(errors.CircuitOpenError):
                await odoo.call("res.partner", "search_count", domain=[])
        assert sum(faulty.faults.received.values()) == received == 3
        assert odoo.stats.breaker_state == "open"
        assert odoo.stats.rejected_by_breaker == 5

        faulty.faults.clear()
        clock.tick(30.0)
        assert await odoo.call("res.partner", "search_count", domain=[["id", "=", 9]]) == 1
        assert odoo.stats.breaker_state == "closed"


async def test_business_errors_never_trip_end_to_end(faulty: FakeOdoo) -> None:
    async with Client(faulty.url, faulty.api_key, retry=False) as odoo:
        for _ in range(8):
            with pytest.raises(errors.ValidationError):
                await odoo.call("res.partner", "fail_validation")
        assert odoo.breaker is not None
        assert odoo.breaker.state is BreakerState.CLOSED


async def test_breaker_is_shared_between_clients(faulty: FakeOdoo) -> None:
    clock = ManualClock(autojump=True)
    breaker = CircuitBreaker(failure_threshold=2, clock=clock)
    faulty.faults.always(Status(503))
    settings = {"retry": False, "breaker": breaker, "clock": clock}
    async with Client(faulty.url, faulty.api_key, **settings) as first, \
            Client(faulty.url, faulty.api_key, **settings) as second:
        with pytest.raises(errors.ServiceUnavailableError):
            await first.call("res.partner", "search_count", domain=[])
        with pytest.raises(errors.ServiceUnavailableError):
            await second.call("res.partner", "search_count", domain=[])
        with pytest.raises(errors.CircuitOpenError):
            await first.call("res.partner", "search_count", domain=[])
    assert sum(faulty.faults.received.values()) == 2


async def test_health_is_counted_per_call_not_per_attempt(faulty: FakeOdoo) -> None:
    # One read retried five times is one failed call: it must not open the circuit by
    # itself (it did, and the next unrelated create failed for 15 s).
    clock = ManualClock(autojump=True)
    breaker = CircuitBreaker(failure_threshold=2, clock=clock)
    faulty.faults.always(PoolFull())
    async with Client(faulty.url, faulty.api_key, breaker=breaker, clock=clock) as odoo:
        with pytest.raises(errors.PoolExhaustedError):
            await odoo.call("res.partner", "search_count", domain=[])
        assert faulty.faults.received["res.partner/search_count"] == 5
        assert breaker.state is BreakerState.CLOSED
        with pytest.raises(errors.PoolExhaustedError):
            await odoo.call("res.partner", "search_count", domain=[])
        assert breaker.state is BreakerState.OPEN  # the second failed call opens it
        with pytest.raises(errors.CircuitOpenError):
            await odoo.call("res.partner", "search_count", domain=[])
    assert faulty.faults.received["res.partner/search_count"] == 10


def test_an_open_breaker_says_when_it_probes_and_a_closed_one_starts_counting_again(
) -> None:
    """The wait an open breaker gives (a mutant the suite let live), and a breaker that
    closes counting failures from zero."""
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=2, window=100.0, recovery_time=5.0,
                             clock=clock)
    fail(breaker, HEALTH[0])
    fail(breaker, HEALTH[0])
    clock.tick(4.5)
    with pytest.raises(errors.CircuitOpenError) as refused, breaker.guard():
        pass
    assert refused.value.retry_after == pytest.approx(0.5)
    assert str(refused.value).endswith("next probe in 0.5 s")
    clock.tick(1.0)
    succeed(breaker)  # the probe closes it
    assert breaker.state is BreakerState.CLOSED
    fail(breaker, HEALTH[0])  # one failure after closing: below the threshold again
    assert breaker.state is BreakerState.CLOSED
    fail(breaker, HEALTH[0])
    assert breaker.state is BreakerState.OPEN
