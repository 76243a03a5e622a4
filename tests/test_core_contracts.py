"""Contracts of the pure core modules (errors, values, config) that the mutation run found
unpinned: defaults, attributes, boundaries and the words of messages users read."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import pytest

from odoo_async import errors
from odoo_async.config import ConnectionLimits
from odoo_async.errors import excerpt, is_pool_full_page
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


def test_format_datetime_refuses_naive_values_unless_told() -> None:
    naive = dt.datetime(2026, 1, 2, 3, 4, 5)
    with pytest.raises(ValueError) as error:
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
    with pytest.raises(ValueError, match="ConnectionLimits.max_connections must be an int "
                                         ">= 0, got"):
        ConnectionLimits(max_connections=value)


def test_connection_limits_accept_their_minimum() -> None:
    assert ConnectionLimits(max_connections=0).max_connections == 0
    assert ConnectionLimits(max_answer_bytes=1024).max_answer_bytes == 1024
