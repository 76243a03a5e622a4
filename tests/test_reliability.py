"""Never repeat a write, never leak a key, never let one caller break another.

Each test here failed before the fix it guards (the hostile review's findings)."""

from __future__ import annotations

import asyncio
import decimal
import json
import logging
import pickle
import traceback
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import attrs
import pytest
from aiohttp import web

from odoo_async import Client, ConnectionLimits, RetryPolicy, Timeout, errors
from odoo_async.resilience import (
    BreakerState,
    CircuitBreaker,
    ConstantBackoff,
    ManualClock,
)
from odoo_async.resilience.retry import parse_retry_after
from odoo_async.testing import (
    FakeOdoo,
    InvalidJson,
    PoolFull,
    ProxyPage,
    Status,
    StatusAfterExecute,
)
from odoo_async.testing.faults import Execute
from tests.conftest import API_KEY
from tests.support.scripted import ScriptedOdoo, html_answer, json_answer, load_exchanges
from tests.support.timeouts import HANG_TIMEOUT


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(autojump=True)


def on(server: FakeOdoo, clock: ManualClock, **kwargs: Any) -> Client:
    kwargs.setdefault("breaker", False)
    return Client(server.url, server.api_key, clock=clock, **kwargs)


async def create_once(odoo: Client) -> Any:
    try:
        return await odoo.call("res.partner", "create", vals_list=[{"name": "Once"}])
    except errors.OdooError as exc:
        return exc


# -- critical: what may have run is never repeated --------------------------------------

COMMITTED_THEN_ERROR = [
    StatusAfterExecute(503),                      # Envoy: upstream reset before headers
    StatusAfterExecute(500),                      # a proxy's HTML 500
    StatusAfterExecute(502),
    StatusAfterExecute(504),
]


@pytest.mark.parametrize("fault", COMMITTED_THEN_ERROR, ids=repr)
async def test_a_committed_create_answered_with_an_error_page_runs_once(
    faulty: FakeOdoo, clock: ManualClock, fault: StatusAfterExecute
) -> None:
    faulty.faults.queue(fault)
    async with on(faulty, clock) as odoo:
        result = await create_once(odoo)
    assert isinstance(result, errors.OutcomeUnknownError)
    assert faulty.faults.received["res.partner/create"] == 1
    assert faulty.executed["res.partner/create"] == 1
    assert await_count(faulty, "Once") == 1


def await_count(server: FakeOdoo, name: str) -> int:
    env = server.env()
    return len(env.search("res.partner", [("name", "=", name)]))


async def test_a_429_refused_by_a_rate_limiter_is_retried_even_for_a_create(
    faulty: FakeOdoo, clock: ManualClock
) -> None:
    faulty.faults.queue(Status(429), Status(429, retry_after="1"))
    async with on(faulty, clock) as odoo:
        assert await create_once(odoo) == [46]
    assert faulty.faults.received["res.partner/create"] == 3
    assert faulty.executed["res.partner/create"] == 1
    assert clock.sleeps[-1] >= 1.0


async def test_a_proxy_known_to_answer_429_after_forwarding_can_say_so(
    faulty: FakeOdoo, clock: ManualClock
) -> None:
    faulty.faults.queue(StatusAfterExecute(429))
    policy = RetryPolicy(never_ran_statuses=frozenset())
    async with on(faulty, clock, retry=policy) as odoo:
        result = await create_once(odoo)
    assert isinstance(result, errors.OutcomeUnknownError)
    assert faulty.executed["res.partner/create"] == 1


async def test_a_status_declared_never_ran_retries_writes(
    faulty: FakeOdoo, clock: ManualClock
) -> None:
    faulty.faults.queue(Status(503))
    policy = RetryPolicy(never_ran_statuses=frozenset({429, 503}))
    async with on(faulty, clock, retry=policy) as odoo:
        assert await create_once(odoo) == [46]
    assert faulty.faults.received["res.partner/create"] == 2
    assert faulty.executed["res.partner/create"] == 1


async def test_odoo_pool_full_page_is_retried_a_proxy_500_is_not(
    faulty: FakeOdoo, clock: ManualClock
) -> None:
    faulty.faults.queue(PoolFull(), PoolFull())
    async with on(faulty, clock) as odoo:
        assert await create_once(odoo) == [46]
        assert faulty.faults.received["res.partner/create"] == 3
        faulty.faults.queue(ProxyPage(500))
        result = await create_once(odoo)
    assert isinstance(result, errors.OutcomeUnknownError)
    assert isinstance(result.__cause__, errors.InternalServerError)
    assert not isinstance(result.__cause__, errors.PoolExhaustedError)
    assert faulty.faults.received["res.partner/create"] == 4


@pytest.mark.parametrize("fault", [StatusAfterExecute(503), StatusAfterExecute(500),
                                   InvalidJson()], ids=repr)
async def test_reads_are_retried_after_what_may_have_run(
    faulty: FakeOdoo, clock: ManualClock, fault: Any
) -> None:
    faulty.faults.queue(fault, match="search_read")
    async with on(faulty, clock) as odoo:
        rows = await odoo.call("res.partner", "search_read", domain=[["id", "=", 9]],
                               fields=["name"])
    assert rows == [{"id": 9, "name": "Acme Corporation"}]
    assert faulty.faults.received["res.partner/search_read"] == 2


def test_the_pool_full_page_recorded_from_a_real_odoo_is_recognised_exactly() -> None:
    recorded = load_exchanges("exchanges-kit.json")[0]
    headers = dict(recorded["headers"])
    body = recorded["body"].encode()
    error = errors.error_from_response(500, headers, body)
    assert type(error) is errors.PoolExhaustedError
    for other in (body.replace(b"overloaded", b"busy"), body + b"<p>trace</p>",
                  b"<html><head><title>500 Internal Server Error</title></head></html>"):
        assert type(errors.error_from_response(500, headers, other)) is \
            errors.InternalServerError
    assert type(errors.error_from_response(502, headers, body)) is errors.BadGatewayError


# -- high: the key never sits in a traceback ---------------------------------------------


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def assert_no_key(exc: BaseException, key: str) -> None:
    for item in _chain(exc):
        assert not isinstance(item, aiohttp.ClientError), "aiohttp's error is chained"
        text = "".join(traceback.TracebackException.from_exception(
            item, capture_locals=True).format())
        assert key not in text, text
        frames = traceback.walk_tb(item.__traceback__)
        for frame, _ in frames:
            for value in frame.f_locals.values():
                assert key not in repr(value)
        assert key not in str(item)
        assert key not in repr(item)


async def _hang(_: web.Request) -> web.StreamResponse:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def _reset(request: web.Request) -> web.StreamResponse:
    assert request.transport is not None
    request.transport.close()
    return web.Response()


async def _cut(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json",
                                           "Content-Length": "100"})
    await response.prepare(request)
    await response.write(b'{"a": ')
    assert request.transport is not None
    request.transport.close()
    return response


ERROR_PATHS = {
    "reset": _reset,
    "cut off": _cut,
    "timeout": _hang,
    "html 500": html_answer(500, "<p>proxy</p>"),
    "json 401": json_answer(401, {"name": "werkzeug.exceptions.Unauthorized",
                                  "message": "Invalid apikey", "arguments": [],
                                  "context": {}, "debug": ""}),
    "not json": html_answer(200, "<p>hello</p>"),
}


@pytest.mark.parametrize("path", list(ERROR_PATHS))
async def test_no_frame_of_any_error_holds_the_key(scripted_odoo: ScriptedOdoo,
                                                   path: str) -> None:
    scripted_odoo.queue(ERROR_PATHS[path])
    async with Client(scripted_odoo.url, API_KEY, "odoo19", retry=False, breaker=False,
                      timeout=HANG_TIMEOUT) as odoo:
        with pytest.raises(errors.OdooError) as caught:
            await odoo.call("res.partner", "create", vals_list=[{"name": "x"}])
    assert_no_key(caught.value, API_KEY)


async def test_a_refused_connection_holds_no_key() -> None:
    server = ScriptedOdoo()
    await server.start()
    url = server.url
    await server.close()
    async with Client(url, API_KEY, retry=False, breaker=False) as odoo:
        with pytest.raises(errors.ConnectError) as caught:
            await odoo.call("res.partner", "search", domain=[])
    assert_no_key(caught.value, API_KEY)


async def test_a_key_echoed_by_the_server_is_redacted(scripted_odoo: ScriptedOdoo,
                                                      caplog: pytest.LogCaptureFixture
                                                      ) -> None:
    scripted_odoo.queue(
        html_answer(502, f"<h1>Bad Gateway</h1><pre>Authorization: bearer {API_KEY}</pre>"),
        json_answer(422, {"name": "odoo.exceptions.UserError", "arguments": [API_KEY],
                          "message": f"bad key {API_KEY}", "context": {},
                          "debug": f"Traceback ... {API_KEY}"}),
    )
    caplog.set_level(logging.DEBUG)
    async with Client(scripted_odoo.url, API_KEY, retry=False, breaker=False) as odoo:
        with pytest.raises(errors.BadGatewayError) as gateway:
            await odoo.call("res.partner", "search", domain=[])
        with pytest.raises(errors.UserError) as user:
            await odoo.call("res.partner", "search", domain=[])
    for exc in (gateway.value, user.value):
        assert API_KEY not in str(exc)
        assert API_KEY not in repr(vars(exc))
    assert "**********" in str(gateway.value)
    assert API_KEY not in caplog.text


# -- medium ------------------------------------------------------------------------------


@attrs.define
class Gate:
    """A fault that holds matching requests until ``open`` is set; ``arrived`` is set once
    ``expected`` requests are held."""

    expected: int = 1
    open: asyncio.Event = attrs.Factory(asyncio.Event)
    arrived: asyncio.Event = attrs.Factory(asyncio.Event)
    count: int = 0

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        self.count += 1
        if self.count >= self.expected:
            self.arrived.set()
        await self.open.wait()
        return await execute()


async def test_a_cancelled_fetch_does_not_cancel_others_waiting_on_metadata(
    fake_odoo: FakeOdoo
) -> None:
    gate = Gate()
    fake_odoo.faults.queue(gate, match="fields_get")
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        first = asyncio.create_task(odoo["res.partner"].browse(9).fetch("name"))
        await gate.arrived.wait()
        second = asyncio.create_task(odoo["res.partner"].browse(10).fetch("name"))
        await asyncio.sleep(0)
        first.cancel()
        gate.open.set()
        partner = await second
        assert partner.name == "Gemini Furniture"
        assert first.cancelled()
    assert fake_odoo.faults.received["res.partner/fields_get"] == 1


@attrs.frozen
class RefuseIds:
    """Answer Odoo's 403 AccessError when the call's ids include one of ``ids``."""

    ids: frozenset[int]

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        body = json.loads(await request.read())
        if self.ids & set(body.get("ids", [])):
            return web.json_response(
                {"name": "odoo.exceptions.AccessError", "message": "not for you",
                 "arguments": [], "context": {}, "debug": ""}, status=403)
        return await execute()


async def test_one_callers_refused_id_does_not_fail_merged_callers(fake_odoo: FakeOdoo
                                                                   ) -> None:
    fake_odoo.faults.always(RefuseIds(frozenset({40})), match="web_read")
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo["res.partner"].fields()
        results = await asyncio.gather(
            *(odoo["res.partner"].browse(i).fetch("name") for i in (8, 9, 10, 40)),
            return_exceptions=True)
    assert [r.name for r in results[:3]] == ["Wood Corner", "Acme Corporation",
                                             "Gemini Furniture"]
    assert isinstance(results[3], errors.AccessError)


async def test_a_given_session_gets_the_clients_timeout_and_status_handling(
    scripted_odoo: ScriptedOdoo
) -> None:
    scripted_odoo.queue(
        json_answer(422, {"name": "odoo.exceptions.ValidationError", "message": "no",
                          "arguments": [], "context": {}, "debug": ""}),
        _hang,
    )
    async with aiohttp.ClientSession(raise_for_status=True,
                                     timeout=aiohttp.ClientTimeout(total=300)) as session:
        odoo = Client(scripted_odoo.url, API_KEY, session=session, retry=False,
                      breaker=False, timeout=HANG_TIMEOUT)
        with pytest.raises(errors.ValidationError):
            await odoo.call("res.partner", "create", vals_list=[{"name": "x"}])
        with pytest.raises(errors.OutcomeUnknownError):  # the session's 300 s would hang
            await asyncio.wait_for(
                odoo.call("res.partner", "create", vals_list=[{"name": "x"}]), 10)


async def test_closing_with_calls_in_flight_is_no_server_failure(fake_odoo: FakeOdoo
                                                                  ) -> None:
    gate = Gate(expected=3)
    fake_odoo.faults.always(gate)
    clock = ManualClock(autojump=True)
    breaker = CircuitBreaker(failure_threshold=1, clock=clock)
    odoo = Client(fake_odoo.url, fake_odoo.api_key, breaker=breaker, clock=clock)
    read = asyncio.create_task(odoo.call("res.partner", "search", domain=[]))
    writes = [asyncio.create_task(odoo.call("res.partner", "create", vals_list=[{"name": n}]))
              for n in ("x", "y")]
    await gate.arrived.wait()
    await odoo.close()
    read_error, *write_errors = await asyncio.gather(read, *writes, return_exceptions=True)
    assert isinstance(read_error, errors.ClientClosedError)
    assert (read_error.message, read_error.interrupted) == (
        "the client was closed while the call was in flight", True)
    for write_error in write_errors:
        assert isinstance(write_error, errors.OutcomeUnknownError)
        assert isinstance(write_error.__cause__, errors.ClientClosedError)
        assert (write_error.message, write_error.model, write_error.method) == (
            "the client was closed while the call was in flight: it may or may not have "
            "been applied", "res.partner", "create")
    assert (odoo.stats.failed, odoo.stats.outcome_unknown) == (3, 2)
    assert breaker.state is BreakerState.CLOSED
    assert fake_odoo.faults.received["res.partner/search"] == 1  # not retried after close
    gate.open.set()


async def test_a_committed_write_answered_with_a_broken_body_is_outcome_unknown(
    faulty: FakeOdoo, clock: ManualClock
) -> None:
    faulty.faults.queue(InvalidJson())
    async with on(faulty, clock) as odoo:
        result = await create_once(odoo)
    assert isinstance(result, errors.OutcomeUnknownError)
    assert isinstance(result.__cause__, errors.ProtocolError)
    assert faulty.executed["res.partner/create"] == 1


def test_a_client_used_on_another_loop_says_so(fake_odoo_sync: tuple[str, str]) -> None:
    url, key = fake_odoo_sync
    odoo = Client(url, key, retry=False)
    first = asyncio.new_event_loop()
    try:
        first.run_until_complete(odoo.version())
        with pytest.raises(errors.EventLoopError, match="another event loop"):
            asyncio.run(odoo.version())
    finally:
        first.close()
    with pytest.raises(errors.EventLoopError, match="is closed"):
        asyncio.run(odoo.version())


@pytest.fixture
def fake_odoo_sync() -> Any:
    """A FakeOdoo served from a thread of its own, for tests that run their own loops."""
    import threading

    ready = threading.Event()
    stop: dict[str, Any] = {}

    def serve() -> None:
        loop = asyncio.new_event_loop()
        server = FakeOdoo()
        loop.run_until_complete(server.start())
        stop["loop"], stop["server"] = loop, server
        ready.set()
        loop.run_forever()
        loop.run_until_complete(server.close())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait()
    yield stop["server"].url, stop["server"].api_key
    stop["loop"].call_soon_threadsafe(stop["loop"].stop)
    thread.join()


async def test_the_cache_bound_holds_across_contexts_and_missing_ids(fake_odoo: FakeOdoo
                                                                     ) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, cache_max_records=100) as odoo:
        for n in range(60):
            await odoo["res.partner"].with_context(tag=n).search([]).fetch("name")
        await odoo["res.partner"].browse(range(1000, 3000)).fetch("name")
        cache = odoo.env.state.cache
        assert len(cache) <= 100
        kept = sum(len(s._values) + len(s._missing) + len(s._dropped)
                   for s in cache._stores.values())
        assert kept <= 100


async def test_breaker_state_reads_change_nothing() -> None:
    clock = ManualClock()
    changes: list[Any] = []
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=5.0, clock=clock,
                             on_state_change=lambda old, new: changes.append(new))
    with pytest.raises(errors.ConnectError), breaker.guard():
        raise errors.ConnectError("refused")
    clock.tick(6.0)
    assert breaker.state is BreakerState.HALF_OPEN
    assert "half-open" in repr(breaker)
    assert changes == [BreakerState.OPEN]  # no listener fired by reading


async def test_a_call_admitted_while_closed_cannot_add_a_probe() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=5.0, clock=clock)
    old = breaker.admit()  # started while closed, still running
    with pytest.raises(errors.ConnectError), breaker.guard():
        raise errors.ConnectError("refused")
    clock.tick(5.0)
    probe = breaker.admit()
    breaker.release(old, errors.ConnectError("late"))  # ends during half-open
    breaker.record_call(old, errors.ConnectError("late"))
    assert breaker.state is BreakerState.HALF_OPEN
    with pytest.raises(errors.CircuitOpenError):
        breaker.admit()  # still one probe at most
    breaker.release(probe, None)
    assert breaker.state is BreakerState.CLOSED


async def test_a_hung_probe_frees_its_slot_after_probe_timeout() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=5.0, probe_timeout=10.0,
                             clock=clock)
    with pytest.raises(errors.ConnectError), breaker.guard():
        raise errors.ConnectError("refused")
    clock.tick(5.0)
    breaker.admit()  # hangs forever
    with pytest.raises(errors.CircuitOpenError):
        breaker.admit()
    clock.tick(10.0)
    with breaker.guard():
        pass
    assert breaker.state is BreakerState.CLOSED


async def test_a_failing_listener_does_not_lose_a_created_id(faulty: FakeOdoo) -> None:
    clock = ManualClock(autojump=True)

    def broken(old: BreakerState, new: BreakerState) -> None:
        raise RuntimeError("listener bug")

    breaker = CircuitBreaker(failure_threshold=1, recovery_time=1.0, clock=clock,
                             on_state_change=broken)
    faulty.faults.queue(Status(502), match="search")
    async with Client(faulty.url, faulty.api_key, breaker=breaker, clock=clock,
                      retry=False) as odoo:
        with pytest.raises(errors.BadGatewayError):
            await odoo.call("res.partner", "search", domain=[])
        clock.tick(1.0)
        assert await create_once(odoo) == [46]  # the probe closes the circuit
    assert breaker.state is BreakerState.CLOSED


async def test_half_open_probe_slot_is_not_held_while_waiting_for_the_cap(
    faulty: FakeOdoo
) -> None:
    clock = ManualClock(autojump=True)
    gate = Gate()
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=1.0, clock=clock)
    async with Client(faulty.url, faulty.api_key, breaker=breaker, clock=clock, retry=False,
                      max_in_flight=1) as odoo:
        faulty.faults.queue(Status(502))
        with pytest.raises(errors.BadGatewayError):
            await odoo.call("res.partner", "search", domain=[])
        clock.tick(1.0)
        faulty.faults.queue(gate)
        probe = asyncio.create_task(odoo.call("res.partner", "search", domain=[]))
        await gate.arrived.wait()
        waiting = asyncio.create_task(odoo.call("res.partner", "search_count", domain=[]))
        await asyncio.sleep(0)
        gate.open.set()
        assert isinstance(await probe, list)
        assert await waiting > 0  # admitted after the probe closed the circuit
    assert breaker.state is BreakerState.CLOSED


async def test_retries_stop_at_the_clients_timeout(faulty: FakeOdoo) -> None:
    clock = ManualClock(autojump=True)
    faulty.faults.always(PoolFull())
    policy = RetryPolicy(backoff=ConstantBackoff(0.4), max_attempts=10, deadline=None)
    async with Client(faulty.url, faulty.api_key, clock=clock, retry=policy, breaker=False,
                      timeout=Timeout(total=1.0)) as odoo:
        with pytest.raises(errors.PoolExhaustedError):
            await odoo.call("res.partner", "search", domain=[])
    assert faulty.faults.received["res.partner/search"] == 3  # at 0, 0.4, 0.8 s


# -- low ---------------------------------------------------------------------------------


async def test_unlink_with_an_unknown_outcome_drops_cached_values(
    faulty: FakeOdoo, clock: ManualClock
) -> None:
    async with on(faulty, clock) as odoo:
        partner = await odoo["res.partner"].browse(9).fetch("name")
        faulty.faults.queue(StatusAfterExecute(504), match="unlink")
        with pytest.raises(errors.OutcomeUnknownError):
            await partner.unlink()
        with pytest.raises(errors.FieldNotLoadedError):
            _ = partner.name


async def test_answers_are_bounded(scripted_odoo: ScriptedOdoo) -> None:
    big = ["x" * 1000] * 2000  # ~2 MB
    scripted_odoo.queue(json_answer(200, big), html_answer(500, "<p>" + "y" * 3_000_000))
    limits = ConnectionLimits(max_answer_bytes=1024 * 1024)
    async with Client(scripted_odoo.url, API_KEY, retry=False, breaker=False,
                      limits=limits) as odoo:
        with pytest.raises(errors.ProtocolError, match="max_answer_bytes"):
            await odoo.call("res.partner", "search_read", domain=[])
        with pytest.raises(errors.InternalServerError) as caught:
            await odoo.call("res.partner", "search_read", domain=[])
    assert len(caught.value.message) <= 200


@pytest.mark.parametrize("header", ["²", "9" * 400, "86400", "1e9"])
async def test_retry_after_values_that_are_not_honoured(faulty: FakeOdoo,
                                                        header: str) -> None:
    clock = ManualClock(autojump=True)
    faulty.faults.queue(Status(429, retry_after=header), match="search")
    async with Client(faulty.url, faulty.api_key, clock=clock, breaker=False,
                      retry=RetryPolicy(deadline=None)) as odoo:
        if header in ("²", "1e9"):  # unreadable: the backoff alone decides
            assert isinstance(await odoo.call("res.partner", "search", domain=[]), list)
            assert max(clock.sleeps) < 60
        else:  # longer than max_retry_after: no day-long sleep, the 429 is raised
            with pytest.raises(errors.TooManyRequestsError):
                await odoo.call("res.partner", "search", domain=[])
            assert clock.sleeps == []
    assert parse_retry_after("²", now=0) is None


@pytest.mark.parametrize(("setting", "value"), [
    ("database", "odoo\x00"), ("database", "odöo"), ("database", "x" * 100),
    ("user_agent", "bot\r\nX-Evil: 1"), ("user_agent", "bot\x7f"),
])
def test_header_values_are_checked_at_construction(setting: str, value: str) -> None:
    with pytest.raises(ValueError, match=setting):
        Client("http://127.0.0.1:1", API_KEY, **{setting: value})


def _recursive() -> list[Any]:
    items: list[Any] = []
    items.append(items)
    return items


@pytest.mark.parametrize(("params", "message"), [
    ({"vals_list": _recursive()}, "nested more than"),
    ({"name": "a\udcffb"}, "parameter 'name'.*surrogate"),
    ({"price": decimal.Decimal("sNaN")}, "cannot be sent"),
    ({"price": decimal.Decimal("0.12345678901234567890")}, "more digits"),
    ({"domain": [["name", "=", "x"], "bogus"]}, "domain item 1"),
])
async def test_values_that_cannot_be_sent_fail_before_sending(
    scripted_odoo: ScriptedOdoo, params: dict[str, Any], message: str
) -> None:
    async with Client(scripted_odoo.url, API_KEY, retry=False) as odoo:
        with pytest.raises(ValueError, match=message):
            await odoo.call("res.partner", "search", **params)
        with pytest.raises(ValueError, match="between 1 and"):
            await odoo.call("res.partner", "read", ids=[2**63])
        with pytest.raises(ValueError, match="at most 128") as caught:
            await odoo.call("x" * 200_000, "read")
        assert len(str(caught.value)) < 300
    assert scripted_odoo.requests == []


async def test_an_answer_nested_too_deep_is_a_protocol_error(scripted_odoo: ScriptedOdoo
                                                             ) -> None:
    async def deep(_: web.Request) -> web.StreamResponse:
        return web.Response(body=b"[" * 100_000 + b"]" * 100_000,
                            content_type="application/json")

    scripted_odoo.queue(deep)
    async with Client(scripted_odoo.url, API_KEY, retry=False) as odoo:
        with pytest.raises(errors.ProtocolError):
            await odoo.call("res.partner", "search", domain=[])


@pytest.mark.parametrize("error", [
    errors.ValidationError("no", status=422, name="odoo.exceptions.ValidationError",
                           arguments=["no"], model="res.partner", method="create"),
    errors.PoolExhaustedError("full", status=500),
    errors.MissingError.for_records("res.partner", [7]),
    errors.ConnectError("refused", model="res.partner", method="search"),
    errors.OutcomeUnknownError("unknown", model="res.partner", method="create"),
    errors.ProtocolError("bad", status=200, excerpt="x"),
    errors.FieldNotLoadedError("res.partner", "name"),
    errors.CircuitOpenError("open", retry_after=3.0),
    errors.ClientClosedError("closed", interrupted=True),
], ids=lambda e: type(e).__name__)
def test_errors_cross_process_boundaries(error: Exception) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


def test_plain_http_to_a_remote_host_warns() -> None:
    with pytest.warns(UserWarning, match="clear text"):
        Client("http://odoo.example.com", API_KEY)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Client("http://127.0.0.1:8069", API_KEY)
        Client("http://localhost:8069", API_KEY)
        Client("https://odoo.example.com", API_KEY)


async def test_naive_datetimes_setting_reaches_recordset_writes(fake_odoo: FakeOdoo) -> None:
    import datetime as dt

    naive = dt.datetime(2026, 1, 2, 3, 4, 5)
    async with Client(fake_odoo.url, fake_odoo.api_key, naive_datetimes_are_utc=True) as odoo:
        orders = odoo["sale.order"]
        order = await orders.create({"partner_id": 9, "date_order": naive})
        await order.write({"date_order": naive})
        await order.fetch("date_order")
        assert order.date_order == naive.replace(tzinfo=dt.timezone.utc)


@pytest.fixture
async def fake_odoo() -> AsyncIterator[FakeOdoo]:
    async with FakeOdoo() as server:
        yield server


# -- found by a second review ------------------------------------------------------------


async def test_a_broken_200_body_echoing_the_key_is_redacted(scripted_odoo: ScriptedOdoo
                                                             ) -> None:
    async def echo(request: web.Request) -> web.StreamResponse:
        body = f'{{"echo": "{request.headers["Authorization"]}", '.encode()
        return web.Response(body=body, content_type="application/json")

    async def redirect(request: web.Request) -> web.StreamResponse:
        key = request.headers["Authorization"].split()[1]
        return web.Response(status=302, headers={"Location": f"/login?key={key}"})

    scripted_odoo.queue(echo, redirect)
    async with Client(scripted_odoo.url, API_KEY, retry=False, breaker=False) as odoo:
        with pytest.raises(errors.OutcomeUnknownError) as broken:
            await odoo.call("res.partner", "create", vals_list=[{}])
        with pytest.raises(errors.ProtocolError) as moved:
            await odoo.call("res.partner", "search", domain=[])
    assert_no_key(broken.value, API_KEY)
    assert_no_key(moved.value, API_KEY)
    assert API_KEY not in broken.value.__cause__.excerpt  # type: ignore[union-attr]


async def test_a_cancelled_call_holds_no_key_in_its_traceback(scripted_odoo: ScriptedOdoo
                                                              ) -> None:
    arrived = asyncio.Event()

    async def hang(_: web.Request) -> web.StreamResponse:
        arrived.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    scripted_odoo.queue(hang)
    async with Client(scripted_odoo.url, API_KEY, retry=False, breaker=False) as odoo:
        task = asyncio.create_task(odoo.call("res.partner", "search", domain=[]))
        await arrived.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as caught:
            await task
    chain = caught.value
    for item in _chain(chain):
        text = "".join(traceback.TracebackException.from_exception(
            item, capture_locals=True).format())
        assert API_KEY not in text


async def test_fetches_in_many_contexts_at_once_stay_readable(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo["res.partner"].fields()

        async def one(n: int) -> str:
            records = await odoo.with_context(request_id=n)["res.partner"].browse(9).fetch(
                "name")
            return str(records.name)

        names = await asyncio.gather(*(one(n) for n in range(70)))
    assert set(names) == {"Acme Corporation"}


async def test_what_a_fetch_returned_stays_readable_past_the_bound(fake_odoo: FakeOdoo
                                                                   ) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, cache_max_records=20) as odoo:
        thirty = await odoo["res.partner"].search([], order="id").limit(30).fetch("name")
        assert all(isinstance(name, str) for name in thirty.mapped("name"))
        first, second = await asyncio.gather(
            odoo["res.partner"].browse(range(1, 16)).fetch("name"),
            odoo["res.partner"].browse(range(16, 31)).fetch("name"))
        for records in (first, second):
            assert all(isinstance(name, str) for name in records.mapped("name"))


async def test_a_fetch_in_flight_during_a_write_does_not_cache_stale_values(
    fake_odoo: FakeOdoo
) -> None:
    read_done, release = asyncio.Event(), asyncio.Event()

    @attrs.frozen
    class HoldAnswer:
        async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
            answer = await execute()  # the read ran: it saw the old name
            read_done.set()
            await release.wait()
            return answer

    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partner = odoo["res.partner"].browse(9)
        await odoo["res.partner"].fields()
        fake_odoo.faults.queue(HoldAnswer(), match="web_read")
        old = asyncio.create_task(odoo["res.partner"].browse(9).fetch("name"))
        await read_done.wait()
        await partner.write({"name": "Renamed"})  # lands while the old answer travels
        release.set()
        fetched = await old
        assert fetched.name == "Acme Corporation"  # what that fetch read, as of its read
        with pytest.raises(errors.FieldNotLoadedError):
            _ = odoo["res.partner"].browse(9).name  # but the shared cache is not stale
        assert (await partner.fetch("name")).name == "Renamed"
