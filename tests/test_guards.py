"""Tests that guard against the bugs a mutation audit planted and the suite missed: each
one fails with its bug (named in the docstring) and passes without it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import warnings
from typing import Any

import pytest
from aiohttp import web

from odoo_async import Client, F, _json, errors
from odoo_async.orm import loader
from odoo_async.orm.cache import MISSING, RecordStore
from odoo_async.resilience import CircuitBreaker, ManualClock, RateLimit
from odoo_async.resilience.breaker import BreakerState
from odoo_async.secret import Secret
from odoo_async.testing import FakeOdoo, MockCall, MockTransport
from odoo_async.values import format_date
from tests.conftest import API_KEY
from tests.support.scripted import ScriptedOdoo, html_answer, json_answer


def test_a_403_page_that_is_not_odoos_is_an_access_error() -> None:
    """Bug: a 403 without an Odoo error object (a proxy's HTML page) mapped to 404."""
    page = b"<html><title>403 Forbidden</title><body>nginx</body></html>"
    error = errors.error_from_response(403, {"Content-Type": "text/html"}, page)
    assert type(error) is errors.AccessError
    assert error.message.startswith("403 Forbidden")


def test_the_cache_evicts_the_least_recently_used() -> None:
    """Bug: ``RecordStore.get`` not refreshing recency (oldest stored evicted instead)."""
    store = RecordStore(2)
    store.update("res.partner", 1, {"name": "one"})
    store.update("res.partner", 2, {"name": "two"})
    assert store.get("res.partner", 1, "name") == "one"  # 1 is now the most recent
    store.update("res.partner", 3, {"name": "three"})
    assert store.get("res.partner", 2, "name") is MISSING
    assert store.get("res.partner", 1, "name") == "one"
    assert store.get("res.partner", 3, "name") == "three"


@pytest.mark.parametrize("backend", ["orjson", "json"])
def test_bodies_are_compact_utf8_with_either_encoder(monkeypatch: pytest.MonkeyPatch,
                                                     backend: str) -> None:
    """Bug: bodies encoded with ``indent=2`` and ASCII escapes. Both encoders run here
    (orjson is in the test extra)."""
    if backend == "json":
        monkeypatch.setattr(_json, "_orjson", None)
    else:
        assert _json._orjson is not None, "orjson must be installed for the test suite"
    encoded = _json.dumps({"name": "Café", "ids": [1, 2], "nested": {"a": None}})
    assert encoded == '{"name":"Café","ids":[1,2],"nested":{"a":null}}'.encode()
    assert _json.loads(encoded) == {"name": "Café", "ids": [1, 2], "nested": {"a": None}}
    with pytest.raises(ValueError, match=r"\w"):
        _json.loads(b'{"broken": ')
    # A secret is written as its value, and only there. (NaN never gets here: to_wire
    # refuses it first; the json encoder refuses it too, orjson would write null.)
    assert _json.dumps({"key": Secret("k3y")}) == b'{"key":"k3y"}'
    if backend == "json":
        with pytest.raises(ValueError, match="JSON compliant"):
            _json.dumps({"x": float("nan")})


async def test_filtered_applies_its_predicate_and_paths(fake_odoo: FakeOdoo) -> None:
    """Bug: ``filtered`` ignoring its predicate; ``filtered("a.b")`` never tested."""
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        # 26: no country; 7's parent is a person, 10's a company (a path's last field
        # decides, not its first)
        await odoo["res.partner"].browse(26).write({"country_id": False, "parent_id": False})
        await odoo["res.partner"].browse(7).write({"parent_id": 26})
        await odoo["res.partner"].browse(10).write({"parent_id": 9})
        partners = await odoo["res.partner"].browse([7, 9, 10, 26]).fetch(
            "name", "is_company", "country_id.code", "parent_id.is_company")
        assert partners.filtered("is_company").ids == [9, 10]
        assert partners.filtered(lambda p: p.name.startswith("Ac")).ids == [9]
        assert partners.filtered(lambda p: p.country_id.code == "US").ids == [7, 9]
        assert partners.filtered("country_id.code").ids == [7, 9, 10]  # 26: no country
        assert partners.filtered("parent_id").ids == [7, 10]
        assert partners.filtered("parent_id.is_company").ids == [10]
        assert partners.filtered(lambda p: False).ids == []


async def test_every_call_sends_accept_json(scripted_odoo: ScriptedOdoo) -> None:
    """Bug: the ``Accept`` header dropped."""
    scripted_odoo.queue(json_answer(200, [1]), json_answer(200, {"version": "19.0"}))
    async with Client(scripted_odoo.url, API_KEY, retry=False) as odoo:
        await odoo.call("res.partner", "search", domain=[])
        await odoo.version()
    assert [r.headers.get("Accept") for r in scripted_odoo.requests] == [
        "application/json", "application/json"]


def test_format_date_refuses_a_datetime() -> None:
    """Bug: the documented TypeError for a datetime passed as a date removed."""
    with pytest.raises(TypeError, match="takes a date, not a datetime"):
        format_date(dt.datetime(2026, 1, 2, 3, 4, 5))
    assert format_date(dt.date(2026, 1, 2)) == "2026-01-02"


def test_a_failure_exactly_window_seconds_old_still_counts() -> None:
    """Bug: ``> window`` turned into ``>= window`` (the window boundary)."""
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=2, window=10.0, clock=clock)
    with pytest.raises(errors.ConnectError), breaker.guard():
        raise errors.ConnectError("refused")
    clock.tick(10.0)  # exactly the window: the first failure is still inside it
    with pytest.raises(errors.ConnectError), breaker.guard():
        raise errors.ConnectError("refused")
    assert breaker.state is BreakerState.OPEN


async def test_version_is_retried_by_the_library(scripted_odoo: ScriptedOdoo) -> None:
    """Bug: ``GET /web/version`` not retryable. A 502 page is not something aiohttp
    repeats by itself, so only the library's retry can get the answer."""
    scripted_odoo.queue(html_answer(502), json_answer(200, {"version": "19.0"}))
    clock = ManualClock(autojump=True)
    async with Client(scripted_odoo.url, API_KEY, clock=clock, breaker=False) as odoo:
        assert await odoo.version() == {"version": "19.0"}
    assert len(scripted_odoo.requests) == 2


async def test_merged_reads_respect_their_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bug: the ``COALESCE_MAX_IDS`` bound on a merged batch dropped."""
    monkeypatch.setattr(loader, "COALESCE_MAX_IDS", 3)
    reads: list[list[int]] = []

    def handler(call: MockCall) -> Any:
        if call.method == "fields_get":
            return {"name": {"type": "char"}}
        reads.append(call.ids or [])
        return [{"id": i, "name": f"p{i}"} for i in call.ids or []]

    async with Client("https://odoo.test", API_KEY, transport=MockTransport(handler)) as odoo:
        await odoo["res.partner"].fields()
        records = await asyncio.gather(*(odoo["res.partner"].browse(i).fetch("name")
                                         for i in range(1, 8)))
    assert [r.name for r in records] == [f"p{i}" for i in range(1, 8)]
    assert reads == [[1, 2, 3], [4, 5, 6], [7]]


async def test_a_date_compared_with_a_datetime_means_midnight(fake_odoo: FakeOdoo) -> None:
    """Bug (fake server): a date compared with a datetime no longer meaning midnight; a
    record stamped exactly at midnight tells the difference with ``>``."""
    env = fake_odoo.env()
    [order] = env.search("sale.order", [], limit=1)
    env.write("sale.order", [order], {"date_order": "2026-03-01 00:00:00"})
    assert order not in env.search("sale.order", [("date_order", ">", "2026-03-01")])
    assert order in env.search("sale.order", [("date_order", ">=", "2026-03-01")])
    assert order in env.search("sale.order", [("date_order", "<", "2026-03-01 00:00:01")])


async def test_cancelling_a_waiter_in_the_middle_keeps_the_rate() -> None:
    """Bug: cancelling a waiter that is not the last one gave its slot back too (only the
    last reservation can be returned), so two callers got the same slot."""
    clock = ManualClock()
    limit = RateLimit(1.0, burst=1, clock=clock)
    await limit.acquire()  # t=0
    second = asyncio.create_task(limit.acquire())  # reserved for t=1
    third = asyncio.create_task(limit.acquire())  # reserved for t=2
    await asyncio.sleep(0)
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    fourth = asyncio.create_task(limit.acquire())  # must come after the third: t=3
    await asyncio.sleep(0)
    await clock.advance(2.0)
    assert third.done()
    assert not fourth.done()
    await clock.advance(1.0)
    assert fourth.done()


async def test_cookies_a_server_sets_are_never_sent_back(scripted_odoo: ScriptedOdoo
                                                         ) -> None:
    """Bug: the ``DummyCookieJar`` removed. The server here does set a cookie."""
    async def with_cookie(_: web.Request) -> web.StreamResponse:
        response = web.json_response([1])
        response.set_cookie("session_id", "abc123", path="/")
        return response

    scripted_odoo.queue(with_cookie, with_cookie)
    # By name, not 127.0.0.1: aiohttp's own jar ignores the cookies of IP addresses.
    url = scripted_odoo.url.replace("127.0.0.1", "localhost")
    async with Client(url, API_KEY, retry=False) as odoo:
        await odoo.call("res.partner", "search", domain=[])
        await odoo.call("res.partner", "search", domain=[])
    assert all("Cookie" not in r.headers for r in scripted_odoo.requests)


def test_the_session_is_created_on_the_first_call_not_before() -> None:
    """Bug: the aiohttp session created eagerly. A client built outside any event loop
    (module level, a settings object) must not create one, nor warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        odoo = Client("https://odoo.example.com", API_KEY)
        del odoo
        odoo = Client("https://odoo.example.com", API_KEY, database="db")
        assert "closed" not in repr(odoo)


def test_json_module_is_used_without_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plain-json branch decodes what orjson would (big ints, unicode)."""
    monkeypatch.setattr(_json, "_orjson", None)
    assert _json.loads('{"a": 12345678901234567890, "b": "é"}') == json.loads(
        '{"a": 12345678901234567890, "b": "é"}')


async def test_domain_field_names_are_sent_as_written(scripted_odoo: ScriptedOdoo) -> None:
    """A domain built with ``F`` reaches the server in Odoo's list form."""
    async with Client(scripted_odoo.url, API_KEY, retry=False) as odoo:
        await odoo.call("res.partner", "search", domain=(F.name == "x") | (F.id > 3))
    assert scripted_odoo.requests[0].json() == {
        "domain": ["|", ["name", "=", "x"], ["id", ">", 3]]}


# -- mutants that survived the first mutation run ---------------------------------------


def test_a_json_error_keeps_the_retry_after_header() -> None:
    body = json.dumps({"name": "odoo.exceptions.UserError", "message": "slow down",
                       "arguments": [], "context": {}, "debug": ""}).encode()
    error = errors.error_from_response(
        429, {"Content-Type": "application/json", "Retry-After": "7"}, body)
    assert error.retry_after == "7"


def test_a_transport_error_without_a_call_names_nothing() -> None:
    assert str(errors.ConnectError("refused")) == "refused"
    assert str(errors.ConnectError("refused", model="res.partner", method="read")) == \
        "refused (res.partner/read)"


def test_a_huge_retry_after_is_read_as_longer_than_any_wait() -> None:
    from odoo_async.resilience.retry import MAX_RETRY_AFTER, parse_retry_after

    assert parse_retry_after("9" * 400, now=0) == MAX_RETRY_AFTER * 10
    assert parse_retry_after("120", now=0) == 120.0


def test_numbers_for_text_and_selection_fields_are_stored_as_text() -> None:
    from odoo_async.bulk.compare import as_stored, differs
    from odoo_async.orm.metadata import FieldInfo

    for kind in ("char", "text", "html", "selection"):
        assert as_stored(FieldInfo("f", kind), 5) == "5"
    assert as_stored(FieldInfo("f", "integer"), 5) == 5
    assert not differs(FieldInfo("f", "integer"), 7, 7.4)  # Odoo keeps int(7.4)
    assert differs(FieldInfo("f", "float"), 7, 7.4)


def test_a_new_report_is_empty() -> None:
    from odoo_async.bulk import BulkReport

    report = BulkReport("create", "res.partner")
    assert (report.duration, report.rows_per_second, report.calls, report.rows) == (
        0.0, 0.0, 0, 0)
    assert not report.ok  # not run yet


def test_command_errors_name_the_command() -> None:
    from odoo_async import Command

    with pytest.raises((TypeError, ValueError), match="unlink"):
        Command.unlink("x")  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "message", "expected", "status"), [
    ("odoo.exceptions.AccessError", "no", errors.AccessError, 403),
    ("odoo.exceptions.ValidationError", "bad", errors.ValidationError, 422),
    ("odoo.exceptions.UserError", "bad", errors.UserError, 422),
    ("odoo.exceptions.MissingError", "gone", errors.MissingError, 404),
    ("odoo.exceptions.AccessDenied", "Access Denied", errors.AuthenticationError, 401),
    ("odoo.exceptions.RedirectWarning", "see", errors.UserError, 422),
    ("builtins.ValueError", "Wrong value", errors.InternalServerError, 500),
    ("werkzeug.exceptions.NotFound", "The method 'res.partner.x' does not exist",
     errors.UnknownMethodError, 404),
])
def test_an_odoo_error_object_maps_to_one_class_on_every_protocol(
    name: str, message: str, expected: type[errors.ServerError], status: int
) -> None:
    """What the legacy protocols will use: an error object without an HTTP status gets
    the class JSON-2 gives it."""
    error = errors.error_from_odoo({"name": name, "message": message, "arguments": [message],
                                    "debug": "Traceback ..."}, model="res.partner")
    assert type(error) is expected
    assert (error.status, error.name, error.message, error.arguments) == (
        status, name, message, [message])
