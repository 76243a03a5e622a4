"""Contracts of the resilience pipeline seen through a client.

Pinned here: a half-open probe that fails reopens the circuit (the probe's error reaches
the breaker); the calls that get an answer count in the breaker's failure rate; a call
the circuit refuses counts as failed; the retry warning of a request that is no call says
"request"; a call whose outcome is unknown is judged by the failure behind it; every
write of unknown outcome is counted and names its call; decorrelated jitter grows each
wait from the previous one, the first from nothing; and limits of the wrong kind are
refused by name.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from odoo_async import Client, errors
from odoo_async.resilience import (
    BreakerState,
    CircuitBreaker,
    ConstantBackoff,
    DecorrelatedJitterBackoff,
    ManualClock,
    RetryPolicy,
)
from odoo_async.testing import FakeOdoo, ResetAfterExecute, Status, StatusAfterExecute
from tests.support.timeouts import HANG_TIMEOUT

COUNT = ("res.partner", "search_count")


async def count(odoo: Client) -> int:
    result = await odoo.call(*COUNT, domain=[["id", "=", 9]])
    assert isinstance(result, int)
    return result


def state(breaker: CircuitBreaker) -> BreakerState:
    """The breaker's state now (a call, so that mypy does not narrow it across calls)."""
    return breaker.state


async def test_a_probe_that_fails_reopens_the_circuit(faulty: FakeOdoo) -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=5.0, clock=clock)
    faulty.faults.queue(Status(503), Status(503), match="search_count")
    async with Client(faulty.url, faulty.api_key, retry=False, breaker=breaker,
                      clock=clock) as odoo:
        with pytest.raises(errors.ServerError):
            await count(odoo)
        assert state(breaker) is BreakerState.OPEN
        clock.tick(5.0)
        with pytest.raises(errors.ServerError):
            await count(odoo)  # the probe
        assert state(breaker) is BreakerState.OPEN
        with pytest.raises(errors.CircuitOpenError):
            await count(odoo)
        clock.tick(5.0)
        assert await count(odoo) == 1  # the next probe gets an answer
        assert state(breaker) is BreakerState.CLOSED
    assert faulty.faults.received["res.partner/search_count"] == 3


async def test_decorrelated_jitter_grows_each_wait_from_the_previous_one(
        faulty: FakeOdoo) -> None:
    clock = ManualClock(autojump=True)
    policy = RetryPolicy(backoff=DecorrelatedJitterBackoff(base=1.0, cap=100.0),
                         rng=lambda: 1.0, deadline=None)
    faulty.faults.queue(ResetAfterExecute(), ResetAfterExecute(), ResetAfterExecute(),
                        match="search_count")
    async with Client(faulty.url, faulty.api_key, retry=policy, breaker=False, clock=clock,
                      timeout=HANG_TIMEOUT) as odoo:
        assert await count(odoo) == 1
    assert clock.sleeps == [1.0, 3.0, 9.0]  # base, then 3 times the previous wait


async def test_answered_calls_count_in_the_failure_rate(faulty: FakeOdoo) -> None:
    breaker = CircuitBreaker(failure_threshold=2, minimum_calls=2, failure_rate=0.6,
                             clock=ManualClock())
    async with Client(faulty.url, faulty.api_key, retry=False, breaker=breaker) as odoo:
        assert [await count(odoo), await count(odoo)] == [1, 1]
        faulty.faults.queue(Status(503), Status(503), match="search_count")
        for _ in range(2):
            with pytest.raises(errors.ServerError):
                await count(odoo)
        assert state(breaker) is BreakerState.CLOSED  # 2 failed of 4: below 60%
        faulty.faults.queue(Status(503), match="search_count")
        with pytest.raises(errors.ServerError):
            await count(odoo)
        assert state(breaker) is BreakerState.OPEN  # 3 of 5
        assert (odoo.stats.succeeded, odoo.stats.failed) == (2, 3)


async def test_a_call_of_unknown_outcome_is_judged_by_the_failure_behind_it(
        faulty: FakeOdoo) -> None:
    breaker = CircuitBreaker(failure_threshold=1, clock=ManualClock())
    faulty.faults.queue(StatusAfterExecute(503), match="res.partner/create")
    async with Client(faulty.url, faulty.api_key, breaker=breaker,
                      clock=ManualClock(autojump=True)) as odoo:
        with pytest.raises(errors.OutcomeUnknownError):
            await odoo.call("res.partner", "create", vals_list=[{"name": "Once"}])
        assert state(breaker) is BreakerState.OPEN


async def test_a_call_the_circuit_refuses_counts_as_failed(faulty: FakeOdoo) -> None:
    breaker = CircuitBreaker(failure_threshold=1, clock=ManualClock())
    faulty.faults.queue(Status(503), match="search_count")
    async with Client(faulty.url, faulty.api_key, retry=False, breaker=breaker) as odoo:
        with pytest.raises(errors.ServerError):
            await count(odoo)
        with pytest.raises(errors.CircuitOpenError):
            await count(odoo)
        assert (odoo.stats.calls, odoo.stats.failed, odoo.stats.rejected_by_breaker) == (2, 2, 1)


async def test_the_retry_warning_of_a_request_that_is_no_call_says_request(
        faulty: FakeOdoo, caplog: pytest.LogCaptureFixture) -> None:
    policy = RetryPolicy(backoff=ConstantBackoff(0.5))
    faulty.faults.queue(Status(503))
    async with Client(faulty.url, faulty.api_key, retry=policy, breaker=False,
                      clock=ManualClock(autojump=True)) as odoo:
        with caplog.at_level(logging.WARNING, logger="odoo_async.retry"):
            assert (await odoo.version())["version_info"][0] == 19
    assert caplog.messages == [
        "retrying request after ServiceUnavailableError (HTTP 503) (attempt 2 of 5) in 0.50 s"]


async def test_every_write_of_unknown_outcome_is_counted_and_names_its_call(
        faulty: FakeOdoo) -> None:
    faulty.faults.queue(StatusAfterExecute(503), StatusAfterExecute(503),
                        match="res.partner/create")
    async with Client(faulty.url, faulty.api_key, breaker=False,
                      clock=ManualClock(autojump=True)) as odoo:
        assert odoo.stats.peak_in_flight == 0
        for name in ("Once", "Twice"):
            with pytest.raises(errors.OutcomeUnknownError) as caught:
                await odoo.call("res.partner", "create", vals_list=[{"name": name}])
            assert (caught.value.model, caught.value.method) == ("res.partner", "create")
        assert (odoo.stats.outcome_unknown, odoo.stats.peak_in_flight) == (2, 1)


@pytest.mark.parametrize("build", [
    lambda: Client("https://h", "k" * 40, max_in_flight=2.5),  # type: ignore[arg-type]
    lambda: RetryPolicy(deadline="30")])  # type: ignore[arg-type]
def test_a_limit_that_is_not_a_number_of_the_right_kind_is_refused(build: Any) -> None:
    with pytest.raises(ValueError, match=r"must be (an int >= 1|a positive number or None), "
                                         r"got (2\.5|'30')$"):
        build()
