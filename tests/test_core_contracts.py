"""Contracts of the pure core modules (errors, values, config) that the mutation run found
unpinned: defaults, attributes, boundaries and the words of messages users read."""

from __future__ import annotations

import asyncio
import datetime as dt
import pickle
from typing import Any

import aiohttp
import pytest

from odoo_async import Client, Command, Domain, errors
from odoo_async.bulk.report import BulkError, BulkReport, RowResult, RowStatus
from odoo_async.config import ConnectionLimits, Timeout
from odoo_async.errors import excerpt, is_pool_full_page
from odoo_async.resilience.clock import ManualClock
from odoo_async.resilience.ratelimit import RateLimit
from odoo_async.secret import Secret
from odoo_async.testing import FakeOdoo
from odoo_async.transport.http import RequestHeaders, _transport_error
from odoo_async.values import format_date, format_datetime, parse_date, parse_datetime, to_odoo

POOL_FULL = (b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
             b"<h1>Internal Server Error</h1>\n<p>The server encountered an internal error "
             b"and was unable to complete your request. Either the server is overloaded or "
             b"there is an error in the application.</p>\n")

# -- errors ----------------------------------------------------------------------------


def test_client_closed_error_says_whether_the_call_was_interrupted() -> None:
    plain = errors.ClientClosedError("closed")
    assert (plain.message, plain.interrupted) == ("closed", False)
    interrupted = errors.ClientClosedError("closed mid-call", interrupted=True)
    assert interrupted.interrupted is True
    again = pickle.loads(pickle.dumps(interrupted))
    assert (again.message, again.interrupted) == ("closed mid-call", True)


def test_circuit_open_error_defaults_to_no_wait() -> None:
    error = errors.CircuitOpenError("open")
    assert (error.message, error.retry_after) == ("open", 0.0)


@pytest.mark.parametrize(("closed", "why"), [
    (True, "the event loop it first ran on is closed (one asyncio.run per job?)"),
    (False, "it is already in use on another event loop"),
])
def test_event_loop_error_says_why(closed: bool, why: str) -> None:
    assert str(errors.EventLoopError.for_loop(closed)) == (
        f"this client cannot be used here: {why}. A client's connections belong to one "
        "event loop: create the client inside the coroutine that runs it (one client per "
        "event loop)")


def test_protocol_error_names_the_call_and_keeps_its_parts() -> None:
    error = errors.ProtocolError("not JSON", status=502, content_type="text/html",
                                 excerpt="Bad Gateway", model="res.partner", method="read")
    assert str(error) == "not JSON [HTTP 502] (res.partner/read): 'Bad Gateway'"
    assert (error.message, error.status, error.content_type, error.excerpt, error.model,
            error.method) == ("not JSON", 502, "text/html", "Bad Gateway", "res.partner",
                              "read")
    assert str(errors.ProtocolError("bare")) == "bare"
    assert errors.ProtocolError("bare").excerpt == ""
    assert str(errors.ProtocolError("m", model="res.partner")) == "m (res.partner)"
    assert str(errors.ProtocolError("m", method="version")) == "m (version)"


def test_missing_error_for_records() -> None:
    error = errors.MissingError.for_records("res.partner", [4, 5])
    assert str(error.message) == ("Record does not exist or has been deleted: "
                                  "res.partner(4, 5)")
    assert (error.status, error.name, error.model, error.ids) == (
        404, "odoo.exceptions.MissingError", "res.partner", (4, 5))


def test_the_pool_full_page_is_recognised_exactly() -> None:
    assert is_pool_full_page(500, "text/html", POOL_FULL)
    assert not is_pool_full_page(502, "text/html", POOL_FULL)
    assert not is_pool_full_page(500, "application/json", POOL_FULL)
    # A page padded past 1 KiB is someone else's, even with the same text inside.
    padded = POOL_FULL + b" " * (1024 - len(POOL_FULL))
    assert len(padded) == 1024
    assert is_pool_full_page(500, "text/html", padded)
    assert not is_pool_full_page(500, "text/html", padded + b" ")
    # Bytes that are not UTF-8 are read, not raised on.
    assert not is_pool_full_page(500, "text/html", b"\xff\xfe" + POOL_FULL)


def test_excerpt_of_html_text_and_broken_bytes() -> None:
    assert excerpt(b"<html><title>Bad Gateway</title><body><p>nginx</p></body></html>") == (
        "Bad Gateway nginx")
    assert excerpt(b"<p>no title</p>") == "no title"
    # Text with a lone "<" or ">" is not markup: its entities stay as written.
    assert excerpt(b"a < b &amp; c") == "a < b &amp; c"
    assert excerpt(b"1 > 0 &amp;") == "1 > 0 &amp;"
    assert excerpt(b"caf\xc3\xa9 \xff") == "caf\u00e9 \ufffd"
    # Only the first limit x 20 bytes are read: here one whole tag, nothing after it.
    assert excerpt(b"<" + b"x" * 38 + b"><title>T</title>", limit=2) == ""
    assert excerpt(b" " * 40 + b"x", limit=2) == ""
    assert excerpt(b"x" * 200) == "x" * 200  # exactly the limit: whole
    assert excerpt(b"x" * 201) == "x" * 199 + "\u2026"


def test_only_a_json_answer_is_read_as_an_odoo_error_object() -> None:
    page = b'{"name": "odoo.exceptions.UserError", "message": "from a proxy"}'
    error = errors.error_from_response(502, {"Content-Type": "text/html"}, page)
    assert (type(error), error.name) == (errors.BadGatewayError, None)


def test_an_unlisted_error_name_keeps_the_status_it_came_with() -> None:
    body = b'{"name": "psycopg2.errors.SerializationFailure", "message": "retry"}'
    error = errors.error_from_response(409, {"Content-Type": "application/json"}, body)
    assert (type(error), error.status) == (errors.ConflictError, 409)
    body = b'{"name": "odoo.exceptions.RedirectWarning", "message": "go"}'
    error = errors.error_from_response(422, {"Content-Type": "application/json"}, body)
    assert (type(error), error.status) == (errors.UserError, 422)


# -- values ----------------------------------------------------------------------------


def test_format_date_refuses_a_datetime_by_name() -> None:
    with pytest.raises(TypeError) as error:
        format_date(dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc))
    assert str(error.value) == "format_date() takes a date, not a datetime"


class _NoOffset(dt.tzinfo):
    """A zone that does not know its offset: Python treats such a datetime as naive."""

    def utcoffset(self, value: dt.datetime | None) -> dt.timedelta | None:
        return None if value is not None else dt.timedelta(hours=5)

    def dst(self, value: dt.datetime | None) -> dt.timedelta | None:
        return None

    def tzname(self, value: dt.datetime | None) -> str | None:
        return None


def test_format_datetime_refuses_naive_values_unless_told() -> None:
    naive = dt.datetime(2026, 1, 2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"^naive datetime") as error:
        format_datetime(naive)
    assert str(error.value).startswith("naive datetime 2026-01-02T03:04:05: give it a ")
    with pytest.raises(ValueError, match=r"^naive datetime \S+ in date_order: give"):
        format_datetime(naive, where="date_order")
    assert format_datetime(naive, naive_is_utc=True) == "2026-01-02 03:04:05"
    with pytest.raises(ValueError, match="naive datetime"):
        format_datetime(naive.replace(tzinfo=_NoOffset()))
    paris = dt.timezone(dt.timedelta(hours=2))
    assert format_datetime(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=paris)) == (
        "2026-01-02 01:04:05")


def test_parse_takes_odoo_text_with_more_after_it() -> None:
    assert parse_date("2026-01-02 03:04:05") == dt.date(2026, 1, 2)
    assert parse_datetime("2026-01-02 03:04:05.123456") == dt.datetime(
        2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def test_to_odoo_names_the_field_type_and_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match=r"naive datetime \S+ in datetime"):
        to_odoo(dt.datetime(2026, 1, 2), "datetime")
    assert to_odoo(dt.datetime(2026, 1, 2), "datetime", naive_is_utc=True) == (
        "2026-01-02 00:00:00")


# -- config ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, 1.0, -1, "3"])
def test_connection_limits_refuse_what_is_not_a_count(value: Any) -> None:
    with pytest.raises(ValueError, match=r"ConnectionLimits\.max_connections must be an "
                                         r"int >= 0, got"):
        ConnectionLimits(max_connections=value)


@pytest.mark.parametrize("value", [True, 0, -1.5, "3"])
def test_timeouts_refuse_what_is_not_a_positive_number(value: Any) -> None:
    with pytest.raises(ValueError, match=r"Timeout\.read must be a positive number or "
                                         r"None, got"):
        Timeout(read=value)


def test_connection_limits_accept_their_minimum() -> None:
    assert ConnectionLimits(max_connections=0).max_connections == 0
    assert ConnectionLimits(max_answer_bytes=1024).max_answer_bytes == 1024


# -- secret and commands -----------------------------------------------------------------


def test_a_secret_shows_stars_and_refuses_pickling() -> None:
    secret = Secret("k" * 40)
    assert str(secret) == "**********"
    with pytest.raises(TypeError) as error:
        pickle.dumps(secret)
    assert str(error.value) == "secrets cannot be pickled"


class _Records:
    def __init__(self, *ids: int) -> None:
        self.ids = list(ids)


def test_commands_name_themselves_in_their_errors() -> None:
    with pytest.raises(TypeError, match=r"^Command\.update\(\) takes a mapping of field "):
        Command.update(1, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^Command\.unlink\(\) takes a positive record id"):
        Command.unlink(0)
    with pytest.raises(TypeError, match=r"^Command\.set\(\) takes ids .*got str$"):
        Command.set("123")  # type: ignore[arg-type]
    assert Command.update(_Records(7), {"email": None}) == [1, 7, {"email": False}]  # type: ignore[arg-type]
    assert Command.delete(_Records(8)) == [2, 8, 0]  # type: ignore[arg-type]
    assert Command.clear() == [5, 0, 0]


# -- transport ---------------------------------------------------------------------------


def test_request_headers_show_the_key_as_a_secret() -> None:
    headers = RequestHeaders({"Accept": "application/json"}, Secret("0123456789" * 4))
    assert repr(headers) == ("RequestHeaders({'Accept': 'application/json', "
                             "'Authorization': \"bearer Secret('\u20266789')\"})")
    assert repr(RequestHeaders({"Accept": "application/json"})) == (
        "RequestHeaders({'Accept': 'application/json'})")


@pytest.mark.parametrize(("error", "kind", "message"), [
    (aiohttp.ConnectionTimeoutError(), errors.ConnectError,
     "timed out waiting for a connection"),
    (aiohttp.ServerTimeoutError(), errors.RequestTimeoutError,
     "no answer within the timeout"),
    (aiohttp.ServerDisconnectedError(), errors.ConnectionLostError,
     "the server closed the connection"),
    (aiohttp.ClientOSError(104, "Connection reset by peer"), errors.ConnectionLostError,
     "connection error: Connection reset by peer"),
    (aiohttp.InvalidURL("x"), errors.TransportError, "HTTP client error: InvalidURL"),
])
def test_transport_errors_say_what_happened(error: aiohttp.ClientError,
                                            kind: type[errors.TransportError],
                                            message: str) -> None:
    translated = _transport_error(error, {"model": "res.partner", "method": "read"})
    assert type(translated) is kind
    assert translated.message == message
    assert (translated.model, translated.method) == ("res.partner", "read")


# -- clocks and the rate limit -------------------------------------------------------------


async def test_the_manual_clock() -> None:
    clock = ManualClock(start=10.0)
    assert clock.time() == 1_800_000_000.0
    clock.tick(0)
    clock.tick(2.5)
    assert (clock.monotonic(), clock.time()) == (12.5, 1_800_000_002.5)
    await clock.advance(0)
    await clock.sleep(0)  # returns at once
    assert clock.monotonic() == 12.5
    with pytest.raises(ValueError, match="time never goes back"):
        clock.tick(-1)
    with pytest.raises(ValueError, match="time never goes back"):
        await clock.advance(-0.5)
    woke: list[float] = []

    async def sleeper(seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append(clock.monotonic())

    tasks = [asyncio.create_task(sleeper(s)) for s in (3.0, 1.0)]
    await clock.run_until_idle(limit=13.5)
    assert woke == [13.5]  # the limit reached, the sleeper due at 15.5 still sleeps
    await clock.run_until_idle()
    assert woke == [13.5, 15.5]
    await asyncio.gather(*tasks)


async def test_the_rate_limit_defaults_to_no_burst() -> None:
    clock = ManualClock(autojump=True)
    limit = RateLimit(2.0, clock=clock)
    assert (limit.burst, repr(limit)) == (1, "RateLimit(rate=2/s, burst=1)")
    await limit.acquire()
    await limit.acquire()  # the second waits half a second
    assert clock.sleeps == [0.5]
    for rate in (True, 0, -1.0, "2"):
        with pytest.raises(ValueError, match="RateLimit rate must be a positive number"):
            RateLimit(rate)  # type: ignore[arg-type]


# -- errors from Odoo's error objects ------------------------------------------------------


def test_an_unknown_odoo_exception_is_a_user_error_only_on_a_422() -> None:
    object_ = {"name": "odoo.exceptions.SomethingNew", "message": "new"}
    assert type(errors.error_from_odoo(object_, status=422)) is errors.UserError
    assert type(errors.error_from_odoo(object_, status=500)) is errors.InternalServerError


def test_malformed_parts_of_an_error_object_are_replaced_by_empty_ones() -> None:
    error = errors.error_from_odoo({"name": "odoo.exceptions.UserError", "message": "m",
                                    "arguments": "not a list", "context": ["not", "a map"],
                                    "debug": 42}, status=422)
    assert (error.arguments, error.context, error.debug) == ([], {}, "")
    kept = errors.error_from_odoo({"name": "odoo.exceptions.UserError", "message": "m",
                                   "arguments": ["m"], "context": {"lang": "fr_FR"},
                                   "debug": "Traceback"}, status=422)
    assert (kept.arguments, kept.context, kept.debug) == (["m"], {"lang": "fr_FR"},
                                                          "Traceback")


def test_an_error_answer_keeps_its_status_and_media_type_parameters_are_ignored() -> None:
    body = b'{"name": "odoo.exceptions.AccessError", "message": "no", "arguments": ["no"]}'
    error = errors.error_from_response(
        403, {"Content-Type": "application/json; charset=utf-8; profile=x"}, body)
    assert (type(error), error.status, error.message) == (errors.AccessError, 403, "no")
    empty = errors.error_from_response(500, {"Content-Type": "application/json"}, b"")
    assert type(empty) is errors.InternalServerError


def test_field_not_loaded_error_names_the_model_and_field() -> None:
    error = errors.FieldNotLoadedError("res.partner", "email")
    assert (error.model, error.field) == ("res.partner", "email")
    assert "await records.fetch('email')" in str(error)


# -- domains ------------------------------------------------------------------------------


def test_set_values_are_sent_sorted_and_recordsets_as_their_ids() -> None:
    assert Domain("id", "in", {3, 1, 2}).to_list() == [["id", "in", [1, 2, 3]]]
    assert Domain("partner_id", "in", _Records(4, 5)).to_list() == [
        ["partner_id", "in", [4, 5]]]
    assert Domain("id", "in", {3, 1}) == Domain("id", "in", [1, 3])
    assert Domain("partner_id", "in", _Records(4, 5)) == Domain("partner_id", "in", [4, 5])


def test_a_bad_domain_item_is_quoted_whole_up_to_80_characters() -> None:
    exactly = ("a" * 75,)  # repr: ('aaa...',) is 80 characters
    assert len(repr(exactly)) == 80
    with pytest.raises(ValueError, match="has 1 elements") as error:
        Domain([exactly])
    assert f"domain item 0: {exactly!r} has 1 elements" in str(error.value)
    longer = ("a" * 76,)
    with pytest.raises(ValueError, match="has 1 elements") as error:
        Domain([longer])
    assert f"domain item 0: {repr(longer)[:77]}... has 1 elements" in str(error.value)


# -- bulk reports -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [RowStatus.FAILED, RowStatus.SKIPPED,
                                    RowStatus.OUTCOME_UNKNOWN])
def test_check_raises_for_any_row_not_applied(status: RowStatus) -> None:
    report = BulkReport("upsert", "res.partner")
    report.record(RowResult(0, "A", RowStatus.CREATED, id=1))
    report.record(RowResult(1, "B", status, error="why"))
    with pytest.raises(BulkError, match=rf"row 1 \({status.value}\): why$"):
        report.check()
    clean = BulkReport("upsert", "res.partner")
    clean.record(RowResult(0, "A", RowStatus.CREATED, id=1))
    assert clean.check() is clean


def test_a_bulk_error_names_the_first_three_failures() -> None:
    report = BulkReport("write", "res.partner")
    for index in range(5):
        report.record(RowResult(index, None, RowStatus.FAILED, error=f"e{index}"))
    message = str(BulkError(report))
    assert message.endswith(": row 0 (failed): e0; row 1 (failed): e1; row 2 (failed): e2;"
                            " and 2 more")
    three = BulkReport("write", "res.partner")
    for index in range(3):
        three.record(RowResult(index, None, RowStatus.FAILED, error=f"e{index}"))
    assert str(BulkError(three)).endswith("row 2 (failed): e2")


# -- the documentation endpoint ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["../index.json", "res.partner", "res.partner.json.bak",
                                  ".json", "res..partner.json", "res.part ner.json",
                                  "res/partner.json", "index.jsonx", "res.partner..json"])
async def test_only_documentation_names_reach_the_url(name: str) -> None:
    async with FakeOdoo() as fake, Client(fake.url, fake.api_key) as odoo:
        before = sum(fake.executed.values())
        with pytest.raises(ValueError, match=r"^not an API documentation name: "):
            await odoo.transport.document(name)
        assert sum(fake.executed.values()) == before


async def test_documentation_names_that_pass() -> None:
    async with FakeOdoo() as fake, Client(fake.url, fake.api_key) as odoo:
        status, tag, index = await odoo.transport.document("index.json")
        assert (status, isinstance(index, dict)) == (200, True)
        status, _, model = await odoo.transport.document("res.partner.json")
        assert (status, model["model"]) == (200, "res.partner")
        assert await odoo.transport.document("index.json", tag) == (304, tag, None)
