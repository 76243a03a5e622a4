"""Exact wire contracts of the client and the JSON-2 transport.

Pinned here: the header values the client accepts (database, User-Agent) and the message
that refuses one; ``repr(Client)``; the ``values`` label of ``convert_values`` errors;
``version()`` retries bounded by the client's timeout; and how ``decode_answer`` turns
each kind of HTTP answer (success, 300, 400, redirect, non-JSON, broken JSON) into a
result or an error whose ``status``, ``content_type``, ``excerpt``, ``model`` and
``method`` are set; ``redact_secret`` leaving key-free headers untouched; and which
documentation names ``document()`` refuses before sending.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from odoo_async import Client, RetryPolicy, Timeout, errors
from odoo_async.resilience import ConstantBackoff, ManualClock
from odoo_async.secret import Secret
from odoo_async.transport.http import HttpAnswer
from odoo_async.transport.json2 import Json2Transport, redact_secret
from odoo_async.transport.json2 import decode_answer as json2_decode
from tests.conftest import API_KEY
from tests.support.scripted import ScriptedOdoo, html_answer, json_answer

REDIRECT_ADVICE = "; use the final URL as the client's url"


def _answer(status: int, body: bytes = b"", **headers: str) -> Any:
    """A handler answering exactly ``status``, ``headers`` and ``body`` (no Content-Type
    unless given)."""
    async def handler(_: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body or None, headers=headers)
    return handler


async def _call_error(client: Client) -> errors.OdooError:
    """The error ``res.partner/search`` raises on the scripted server's next answer."""
    with pytest.raises(errors.OdooError) as caught:
        await client.call("res.partner", "search", domain=[])
    return caught.value


# -- _header_value: database and User-Agent -------------------------------------------


def test_a_database_name_of_exactly_63_characters_is_accepted() -> None:
    name = "d" * 63
    assert repr(Client("https://odoo.example", API_KEY, database=name)).endswith(
        f"database={name!r})")
    with pytest.raises(ValueError, match=r"^database must be 1 to 63 printable ASCII "):
        Client("https://odoo.example", API_KEY, database=name + "d")


def test_a_refused_header_value_is_quoted_up_to_80_characters() -> None:
    value = "".join(chr(ord("a") + i % 26) for i in range(100))
    expected = ("database must be 1 to 63 printable ASCII characters, "
                f"got {value[:80]!r}")
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        Client("https://odoo.example", API_KEY, database=value)


async def test_a_user_agent_with_spaces_is_sent_as_given(scripted_odoo: ScriptedOdoo
                                                          ) -> None:
    agent = "billing sync/2.1 (ops team)"
    async with Client(scripted_odoo.url, API_KEY, user_agent=agent, retry=False,
                      breaker=False) as odoo:
        await odoo.call("res.partner", "search", domain=[])
    assert scripted_odoo.requests[0].headers["User-Agent"] == agent


# -- Client.__repr__ --------------------------------------------------------------------


async def test_repr_shows_url_redacted_key_database_and_closed_state() -> None:
    odoo = Client("https://odoo.example", API_KEY, database="odoo19")
    open_repr = "Client('https://odoo.example/', api_key=Secret('…4567'), database='odoo19'"
    assert repr(odoo) == open_repr + ")"
    await odoo.close()
    assert repr(odoo) == open_repr + ", closed)"


# -- Client.convert_values ------------------------------------------------------------


async def test_values_errors_name_the_values_and_the_field(client: Client) -> None:
    with pytest.raises(TypeError, match=r"^values\['x'\]: object values cannot be sent"):
        client.convert_values({"x": object()})
    with pytest.raises(ValueError, match=r" in values\['date_order'\]: give it a timezone"):
        await client["sale.order"].browse(7).write({"date_order": dt.datetime(2024, 1, 1)})


# -- Client.version ---------------------------------------------------------------------


async def test_version_retries_stop_at_the_clients_timeout(scripted_odoo: ScriptedOdoo
                                                           ) -> None:
    scripted_odoo.default = html_answer(503)
    policy = RetryPolicy(backoff=ConstantBackoff(0.4), max_attempts=10, deadline=None)
    async with Client(scripted_odoo.url, API_KEY, clock=ManualClock(autojump=True),
                      retry=policy, breaker=False, timeout=Timeout(total=1.0)) as odoo:
        with pytest.raises(errors.ServiceUnavailableError):
            await odoo.version()
    assert [r.path for r in scripted_odoo.requests] == ["/web/version"] * 3  # 0, 0.4, 0.8 s


# -- decode_answer ----------------------------------------------------------------------


async def test_a_300_with_a_json_body_is_a_refused_redirect_not_a_result(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    scripted_odoo.queue(json_answer(300, [1, 2], {"Location": "https://choice.example/"}))
    error = await _call_error(client)
    assert isinstance(error, errors.ProtocolError)
    assert error.message == f"the server redirected to https://choice.example/{REDIRECT_ADVICE}"
    assert (error.status, error.model, error.method) == (300, "res.partner", "search")


async def test_a_400_is_a_bad_request_error(scripted_odoo: ScriptedOdoo, client: Client
                                            ) -> None:
    scripted_odoo.queue(html_answer(400))
    error = await _call_error(client)
    assert isinstance(error, errors.BadRequestError)
    assert (error.status, error.model, error.method) == (400, "res.partner", "search")


async def test_a_redirect_echoing_the_key_names_its_redacted_target(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    scripted_odoo.queue(_answer(302, Location=f"/web/login?key={API_KEY}"))
    error = await _call_error(client)
    assert isinstance(error, errors.ProtocolError)
    assert error.message == (
        f"the server redirected to /web/login?key=**********{REDIRECT_ADVICE}")


@pytest.mark.parametrize("status", [200, 302])
def test_headers_in_lower_case_are_still_read_once_the_key_is_redacted(status: int) -> None:
    # aiohttp's pure-Python parser keeps the case a proxy sent (Envoy sends lower case)
    headers = CIMultiDictProxy(CIMultiDict([
        ("content-type", "text/html"), ("location", f"/web/login?key={API_KEY}"),
        ("x-echo", API_KEY), ("x-echo", "second")]))
    answer = HttpAnswer(status, headers, b"<p>hi</p>", "http://odoo.test/json/2/x/y")
    redacted = redact_secret(answer, Secret(API_KEY))
    assert redacted.headers.getall("X-Echo") == ["**********", "second"]  # type: ignore[attr-defined]
    with pytest.raises(errors.ProtocolError) as raised:
        json2_decode(answer, model="res.partner", method="search", secret=Secret(API_KEY))
    expected = ("expected a JSON answer, got text/html" if status == 200 else
                f"the server redirected to /web/login?key=**********{REDIRECT_ADVICE}")
    assert raised.value.message == expected


async def test_a_non_json_success_carries_its_status_type_excerpt_and_call(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    scripted_odoo.queue(html_answer(200, "<html><title>Odoo</title>Login</html>"))
    error = await _call_error(client)
    assert isinstance(error, errors.ProtocolError)
    assert (error.message, error.status, error.content_type, error.excerpt) == (
        "expected a JSON answer, got text/html", 200, "text/html", "Odoo Login")
    assert (error.model, error.method) == ("res.partner", "search")


async def test_a_success_without_a_content_type_says_so(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    scripted_odoo.queue(_answer(200))
    error = await _call_error(client)
    assert str(error) == ("expected a JSON answer, got no content type [HTTP 200] "
                          "(res.partner/search)")


async def test_broken_json_carries_its_status_type_excerpt_and_call(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    scripted_odoo.queue(_answer(200, b'[{"id": 9, "na', **{"Content-Type": "application/json"}))
    error = await _call_error(client)
    assert isinstance(error, errors.ProtocolError)
    assert (error.message, error.status, error.content_type, error.excerpt) == (
        "the answer is not valid JSON (truncated?)", 200, "application/json", '[{"id": 9, "na')
    assert (error.model, error.method) == ("res.partner", "search")


# -- redact_secret ----------------------------------------------------------------------


def _http_answer(body: bytes, headers: dict[str, str]) -> HttpAnswer:
    return HttpAnswer(status=302, headers=CIMultiDictProxy(CIMultiDict(headers)), body=body,
                      url="https://odoo.example/json/2/res.partner/search")


def test_headers_without_the_key_are_left_as_they_came() -> None:
    """Only what holds the key is rewritten: an answer without it comes back as is, and
    one with the key in its body only keeps its (case-insensitive) headers."""
    headers = {"Location": "https://odoo.example/web/login", "Server": "nginx"}
    clean = _http_answer(b"moved", headers)
    assert redact_secret(clean, Secret(API_KEY)) is clean
    redacted = redact_secret(_http_answer(f"key={API_KEY}".encode(), headers),
                             Secret(API_KEY))
    assert redacted.body == b"key=**********"
    assert redacted.headers["location"] == "https://odoo.example/web/login"


# -- Json2Transport.document ------------------------------------------------------------


async def test_a_document_name_with_an_empty_first_part_is_refused(
    scripted_odoo: ScriptedOdoo
) -> None:
    transport = Json2Transport(URL(scripted_odoo.url), Secret(API_KEY))
    try:
        with pytest.raises(ValueError, match=r"^not an API documentation name: '\.jsonx\.json'$"):
            await transport.document(".jsonx.json")
    finally:
        await transport.aclose()
    assert scripted_odoo.requests == []
