"""Retries: backoff strategies, what may be repeated, and the end-to-end guarantee that a
call which may change data is never executed twice."""

from __future__ import annotations

import email.utils
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from odoo_async import Client, errors
from odoo_async.resilience import (
    ConstantBackoff,
    DecorrelatedJitterBackoff,
    ExponentialBackoff,
    ManualClock,
    Resilience,
    RetryPolicy,
    Verdict,
    classify,
    parse_retry_after,
)
from odoo_async.testing import (
    FakeOdoo,
    Fault,
    HangAfterExecute,
    InvalidJson,
    PoolFull,
    ProxyPage,
    ResetAfterExecute,
    ResetBeforeBody,
    Status,
    TruncatedJson,
)
from tests.support.timeouts import HANG_TIMEOUT


def fixed(value: float) -> Any:
    return lambda: value


def sequence(*values: float) -> Any:
    it: Iterator[float] = iter(values)
    return lambda: next(it)


# -- strategies ------------------------------------------------------------------------


def test_exponential_full_jitter_bounds() -> None:
    backoff = ExponentialBackoff(base=0.5, cap=3.0)
    top = [backoff.delay(n, 0.0, fixed(0.999999)) for n in range(1, 7)]
    assert top == pytest.approx([0.5, 1.0, 2.0, 3.0, 3.0, 3.0], rel=1e-5)
    assert backoff.delay(3, 0.0, fixed(0.5)) == 1.0
    assert backoff.delay(3, 0.0, fixed(0.0)) == 0.0


def test_constant_backoff() -> None:
    assert [ConstantBackoff(2.0).delay(n, 9.0, fixed(0.3)) for n in (1, 5)] == [2.0, 2.0]


def test_decorrelated_jitter_stays_between_base_and_three_times_previous() -> None:
    backoff = DecorrelatedJitterBackoff(base=1.0, cap=10.0)
    assert backoff.delay(1, 0.0, fixed(0.5)) == 1.0
    assert backoff.delay(2, 2.0, fixed(0.0)) == 1.0
    assert backoff.delay(2, 2.0, fixed(1.0)) == 6.0
    assert backoff.delay(5, 8.0, fixed(1.0)) == 10.0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ExponentialBackoff(base=-1), "base must be a number >= 0"),
        (lambda: RetryPolicy(max_attempts=0), "max_attempts must be an int >= 1"),
        (lambda: RetryPolicy(deadline=0), "deadline must be a positive number or None"),
    ],
)
def test_bad_settings(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_retry_after_parsing() -> None:
    now = 1_800_000_000.0
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) == 30.0
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None, now=now) is None


# -- what may be retried ---------------------------------------------------------------


def _server_error(cls: type[errors.ServerError], status: int, name: str | None = None
                  ) -> errors.ServerError:
    return cls("x", status=status, name=name)


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (errors.ConnectError("refused"), Verdict.NEVER_RAN),
        (_server_error(errors.PoolExhaustedError, 500), Verdict.NEVER_RAN),
        (_server_error(errors.TooManyRequestsError, 429), Verdict.NEVER_RAN),
        (_server_error(errors.ServiceUnavailableError, 503), Verdict.MAY_HAVE_RUN),
        (_server_error(errors.InternalServerError, 500), Verdict.MAY_HAVE_RUN),  # HTML 500
        (errors.ProtocolError("not JSON", status=200), Verdict.MAY_HAVE_RUN),
        (errors.ProtocolError("redirect", status=302), Verdict.FINAL),
        (errors.RequestTimeoutError("slow"), Verdict.MAY_HAVE_RUN),
        (errors.ConnectionLostError("reset"), Verdict.MAY_HAVE_RUN),
        (errors.TransportError("odd"), Verdict.MAY_HAVE_RUN),
        (_server_error(errors.BadGatewayError, 502), Verdict.MAY_HAVE_RUN),
        (_server_error(errors.GatewayTimeoutError, 504), Verdict.MAY_HAVE_RUN),
        (_server_error(errors.InternalServerError, 500, "builtins.ValueError"), Verdict.FINAL),
        (_server_error(errors.ValidationError, 422, "odoo.exceptions.ValidationError"),
         Verdict.FINAL),
        (_server_error(errors.AuthenticationError, 401), Verdict.FINAL),
        (_server_error(errors.AccessError, 403), Verdict.FINAL),
        (_server_error(errors.NotFoundError, 404), Verdict.FINAL),
        (_server_error(errors.BadRequestError, 400), Verdict.FINAL),
        (_server_error(errors.ConflictError, 409), Verdict.FINAL),
        (errors.ProtocolError("html"), Verdict.FINAL),
    ],
)
def test_classification(error: Exception, verdict: Verdict) -> None:
    assert classify(error) is verdict


def test_repeatable_methods() -> None:
    policy = RetryPolicy(idempotent_methods={"refresh_rates", "sale.order/recompute"})
    assert policy.is_repeatable("res.partner", "search_read")
    assert policy.is_repeatable("res.currency", "refresh_rates")
    assert policy.is_repeatable("sale.order", "recompute")
    assert not policy.is_repeatable("account.move", "recompute")
    assert not policy.is_repeatable("res.partner", "create")
    assert policy.is_repeatable("res.partner", "create", idempotent=True)
    assert not policy.is_repeatable("res.partner", "search_read", idempotent=False)


# -- the pipeline alone, with a manual clock ---------------------------------------------


class Script:
    """A send() that fails with the given errors, then returns ``result``."""

    def __init__(self, *failures: Exception, result: Any = "ok") -> None:
        self.failures = list(failures)
        self.result = result
        self.attempts = 0

    async def __call__(self) -> Any:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        return self.result


def lost() -> errors.ConnectionLostError:
    return errors.ConnectionLostError("reset", model="res.partner", method="search_read")


async def test_delays_follow_the_strategy_and_the_cap() -> None:
    clock = ManualClock(autojump=True)
    policy = RetryPolicy(max_attempts=6, backoff=ExponentialBackoff(base=1.0, cap=5.0),
                         deadline=None, rng=fixed(0.5))
    pipeline = Resilience(retry=policy, clock=clock)
    send = Script(lost(), lost(), lost(), lost(), lost())
    assert await pipeline.run(send, model="res.partner", method="search_read") == "ok"
    assert clock.sleeps == [0.5, 1.0, 2.0, 2.5, 2.5]
    assert clock.monotonic() == 8.5
    assert pipeline.stats.retries == 5
    assert pipeline.stats.failures == {"ConnectionLostError": 5}


async def test_attempts_are_bounded() -> None:
    clock = ManualClock(autojump=True)
    pipeline = Resilience(retry=RetryPolicy(max_attempts=3, rng=fixed(0.0)), clock=clock)
    send = Script(lost(), lost(), lost(), lost())
    with pytest.raises(errors.ConnectionLostError):
        await pipeline.run(send, model="res.partner", method="search_read")
    assert send.attempts == 3
    assert pipeline.stats.failed == 1


async def test_deadline_stops_retrying() -> None:
    clock = ManualClock(autojump=True)
    policy = RetryPolicy(max_attempts=100, backoff=ConstantBackoff(4.0), deadline=10.0)
    pipeline = Resilience(retry=policy, clock=clock)
    send = Script(*[lost() for _ in range(10)])
    with pytest.raises(errors.ConnectionLostError):
        await pipeline.run(send, model="res.partner", method="search_read")
    assert clock.sleeps == [4.0, 4.0]  # a third wait would end past the deadline
    assert send.attempts == 3


async def test_retry_after_is_honoured() -> None:
    clock = ManualClock(autojump=True)
    policy = RetryPolicy(backoff=ConstantBackoff(0.1))
    pipeline = Resilience(retry=policy, clock=clock)
    limited = errors.TooManyRequestsError("slow down", status=429, retry_after="3")
    date = email.utils.formatdate(clock.time() + 7, usegmt=True)
    busy = errors.ServiceUnavailableError("busy", status=503, retry_after=date)
    send = Script(limited, busy, result=[1])
    assert await pipeline.run(send, model="res.partner", method="search") == [1]
    assert clock.sleeps == [3.0, 4.0]  # the date is absolute: 7 s from the start


async def test_retry_after_beyond_the_deadline_gives_up() -> None:
    clock = ManualClock(autojump=True)
    pipeline = Resilience(retry=RetryPolicy(deadline=5.0), clock=clock)
    send = Script(errors.TooManyRequestsError("later", status=429, retry_after="60"))
    with pytest.raises(errors.TooManyRequestsError):
        await pipeline.run(send, model="res.partner", method="search_read")
    assert clock.sleeps == []


async def test_never_ran_errors_are_retried_even_for_writes() -> None:
    clock = ManualClock(autojump=True)
    pipeline = Resilience(retry=RetryPolicy(), clock=clock)
    send = Script(errors.ConnectError("refused"),
                  errors.PoolExhaustedError("full", status=500), result=[7])
    assert await pipeline.run(send, model="res.partner", method="create") == [7]
    assert send.attempts == 3


async def test_maybe_ran_write_becomes_outcome_unknown_without_retry() -> None:
    clock = ManualClock(autojump=True)
    pipeline = Resilience(retry=RetryPolicy(), clock=clock)
    send = Script(errors.RequestTimeoutError("slow", model="res.partner", method="write"))
    with pytest.raises(errors.OutcomeUnknownError, match="may or may not have been applied"):
        await pipeline.run(send, model="res.partner", method="write")
    assert send.attempts == 1
    assert clock.sleeps == []
    assert pipeline.stats.outcome_unknown == 1


async def test_business_errors_are_final() -> None:
    pipeline = Resilience(retry=RetryPolicy(), clock=ManualClock(autojump=True))
    send = Script(errors.UserError("no", status=422, name="odoo.exceptions.UserError"))
    with pytest.raises(errors.UserError):
        await pipeline.run(send, model="res.partner", method="search_read")
    assert send.attempts == 1


# -- end to end, against a fault-injecting server -------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(autojump=True)


def client_for(server: FakeOdoo, clock: ManualClock, **kwargs: Any) -> Client:
    kwargs.setdefault("timeout", HANG_TIMEOUT)
    return Client(server.url, server.api_key, clock=clock, breaker=False, **kwargs)


# Answers that prove the call did not run: retried until it runs.
NEVER_RAN: list[Fault] = [Status(429), Status(429, retry_after="2"), PoolFull()]
# Failures after which the client cannot know (a reset before the body was read looks the
# same as one after Odoo ran the call; a 503 or a proxy's HTML 500 may hide a call that
# ran; a committed call may come back with a broken body): never repeated.
MAY_HAVE_RUN: list[Fault] = [ResetBeforeBody(), ResetAfterExecute(), TruncatedJson(),
                             HangAfterExecute(), Status(502), Status(503), Status(504),
                             ProxyPage(500), InvalidJson()]


@pytest.mark.parametrize("fault", NEVER_RAN + MAY_HAVE_RUN, ids=repr)
async def test_create_runs_at_most_once_under_every_fault(
    faulty: FakeOdoo, clock: ManualClock, fault: Fault
) -> None:
    faulty.faults.queue(fault, fault, fault)
    async with client_for(faulty, clock) as odoo:
        try:
            result = await odoo.call("res.partner", "create", vals_list=[{"name": "Once"}])
        except errors.OdooError as exc:
            result = exc
    assert faulty.faults.executed["res.partner/create"] <= 1
    assert faulty.executed["res.partner/create"] <= 1
    if fault in NEVER_RAN:
        assert result == [46]  # retried until it ran, exactly once
        assert faulty.faults.received["res.partner/create"] == 4
    else:
        assert isinstance(result, errors.OutcomeUnknownError)
        assert faulty.faults.received["res.partner/create"] == 1  # never repeated


async def test_search_read_survives_transient_faults(
    faulty: FakeOdoo, clock: ManualClock
) -> None:
    faulty.faults.queue(ResetAfterExecute(), Status(502), TruncatedJson(), PoolFull(),
                      match="search_read")
    async with client_for(faulty, clock) as odoo:
        rows = await odoo.call("res.partner", "search_read", domain=[["id", "=", 9]],
                               fields=["name"])
        assert rows == [{"id": 9, "name": "Acme Corporation"}]
        assert odoo.stats.retries == 4
        assert odoo.stats.succeeded == 1
    assert faulty.faults.received["res.partner/search_read"] == 5
    assert len(clock.sleeps) == 4


async def test_timed_out_write_is_not_repeated_unless_idempotent(
    faulty: FakeOdoo, clock: ManualClock
) -> None:
    faulty.faults.queue(HangAfterExecute(), match="write")
    async with client_for(faulty, clock) as odoo:
        with pytest.raises(errors.OutcomeUnknownError) as caught:
            await odoo.call("res.partner", "write", ids=[9], vals={"name": "x"})
        assert isinstance(caught.value.__cause__, errors.RequestTimeoutError)
        assert faulty.faults.received["res.partner/write"] == 1
        assert faulty.faults.executed["res.partner/write"] == 1

        faulty.faults.queue(HangAfterExecute(), match="write")
        assert await odoo.call("res.partner", "write", ids=[9], vals={"name": "x"},
                               idempotent=True) is True
    assert faulty.faults.received["res.partner/write"] == 3


async def test_idempotent_methods_from_the_configuration(
    faulty: FakeOdoo, clock: ManualClock
) -> None:
    faulty.faults.queue(ResetAfterExecute(), match="write")
    async with client_for(faulty, clock, idempotent_methods={"res.partner/write"}) as odoo:
        assert await odoo.call("res.partner", "write", ids=[9], vals={"name": "x"}) is True
    assert faulty.faults.received["res.partner/write"] == 2


async def test_business_errors_are_not_retried_end_to_end(
    faulty: FakeOdoo, clock: ManualClock
) -> None:
    async with client_for(faulty, clock) as odoo:
        with pytest.raises(errors.ValidationError):
            await odoo.call("res.partner", "fail_validation")
    assert faulty.faults.received["res.partner/fail_validation"] == 1


async def test_version_is_retried(faulty: FakeOdoo, clock: ManualClock) -> None:
    faulty.faults.queue(ResetAfterExecute())
    async with client_for(faulty, clock) as odoo:
        assert (await odoo.version())["version"] == "19.0"


async def test_retries_are_logged_without_secrets(
    faulty: FakeOdoo, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="odoo_async")
    faulty.faults.queue(PoolFull(), Status(429, retry_after="1"))
    async with client_for(faulty, clock) as odoo:
        await odoo.call("res.partner", "search_count", domain=[])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings[0].startswith(
        "retrying res.partner/search_count after PoolExhaustedError (HTTP 500) "
        "(attempt 2 of 5) in ")
    assert "TooManyRequestsError (HTTP 429) (attempt 3 of 5) in 1.00 s" in warnings[1]
    assert all(faulty.api_key not in message for message in warnings)


async def test_retries_can_be_switched_off(faulty: FakeOdoo, clock: ManualClock) -> None:
    faulty.faults.queue(PoolFull())
    async with client_for(faulty, clock, retry=False) as odoo:
        with pytest.raises(errors.PoolExhaustedError):
            await odoo.call("res.partner", "search_count", domain=[])
        assert odoo.retry_policy.max_attempts == 1
