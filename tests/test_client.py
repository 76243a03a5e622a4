"""The client end to end against a real local server answering like Odoo 19."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from odoo_async import Client, Timeout, errors
from tests.conftest import API_KEY
from tests.support.scripted import (
    ScriptedOdoo,
    exchange,
    html_answer,
    json_answer,
    load_exchanges,
    replay_answer,
)
from tests.test_errors import EXPECTED


def _json2_call(case: dict[str, Any]) -> tuple[str, str, dict[str, Any]] | None:
    """(model, method, body) of a recorded JSON-2 call the client can make, else None."""
    request = case["request"]
    parts = request["path"].split("/")
    body = request.get("body")
    if (request["method"] != "POST" or len(parts) != 5 or parts[1:3] != ["json", "2"]
            or not isinstance(body, dict) or parts[4].startswith("_")
            or "Authorization" not in request["headers"]
            or not request["headers"]["Authorization"].startswith("bearer")):
        return None
    return parts[3], parts[4], body


def _cases(success: bool) -> list[dict[str, Any]]:
    cases = load_exchanges() + load_exchanges("exchanges-more.json")
    return [c for c in cases if _json2_call(c) and (c["status"] == 200) == success
            and "X-Odoo-Database" in c["request"]["headers"]]


def _title(case: dict[str, Any]) -> str:
    return str(case["title"].split(" ", 1)[0])


async def _call_as_recorded(client: Client, case: dict[str, Any]) -> Any:
    call = _json2_call(case)
    assert call is not None
    model, method, body = call
    params = dict(body)
    ids = params.pop("ids", None)
    context = params.pop("context", None)
    return await client.call(model, method, ids=ids, context=context, **params)


@pytest.mark.parametrize("case", _cases(success=True), ids=_title)
async def test_sends_what_odoo_was_sent_and_returns_what_it_answered(
    scripted_odoo: ScriptedOdoo, client: Client, case: dict[str, Any]
) -> None:
    scripted_odoo.queue(replay_answer(case))
    result = await _call_as_recorded(client, case)
    assert result == case["body"]
    [received] = scripted_odoo.requests
    assert received.method == "POST"
    assert received.path == case["request"]["path"]
    sent = received.json()
    expected = dict(case["request"]["body"])
    if isinstance(expected.get("ids"), int):
        expected["ids"] = [expected["ids"]]  # the client always sends a list
    assert sent == expected


# Recorded calls the client refuses to send: Odoo would answer a 500 for them.
REFUSED_BY_CLIENT = {
    "b17": (TypeError, "ids must be an int or an iterable of ints, not str"),
    "b17b": (TypeError, "context must be a mapping, not str"),
}


@pytest.mark.parametrize("title", sorted(REFUSED_BY_CLIENT))
async def test_calls_odoo_would_fail_on_are_refused_before_sending(
    scripted_odoo: ScriptedOdoo, client: Client, title: str
) -> None:
    error, message = REFUSED_BY_CLIENT[title]
    with pytest.raises(error, match=message):
        await _call_as_recorded(client, exchange(title))
    assert scripted_odoo.requests == []


@pytest.mark.parametrize(
    "case", [c for c in _cases(success=False) if _title(c) not in REFUSED_BY_CLIENT], ids=_title
)
async def test_recorded_errors_raise_their_class(
    scripted_odoo: ScriptedOdoo, client: Client, case: dict[str, Any]
) -> None:
    scripted_odoo.queue(replay_answer(case))
    model, method, _ = _json2_call(case) or ("", "", {})
    with pytest.raises(errors.ServerError) as caught:
        await _call_as_recorded(client, case)
    exc = caught.value
    assert type(exc) is EXPECTED[_title(case)]
    assert exc.status == case["status"]
    assert (exc.model, exc.method) == (model, method)
    recorded = case.get("body")
    if isinstance(recorded, dict):
        assert exc.name == recorded["name"]
        assert exc.debug == recorded["debug"]


async def test_headers_are_exactly_what_json2_expects(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    await client.call("res.partner", "search_count", domain=[])
    headers = scripted_odoo.requests[0].headers
    assert headers["Authorization"] == f"bearer {API_KEY}"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-Odoo-Database"] == "odoo19"
    assert headers["User-Agent"].startswith("odoo-async/")
    assert headers["Accept"] == "application/json"
    assert "Cookie" not in headers


async def test_no_database_header_without_database(scripted_odoo: ScriptedOdoo) -> None:
    async with Client(scripted_odoo.url, API_KEY, user_agent="my-sync/2.0", retry=False) as odoo:
        await odoo.call("res.partner", "search_count", domain=[])
    headers = scripted_odoo.requests[0].headers
    assert "X-Odoo-Database" not in headers
    assert headers["User-Agent"] == "my-sync/2.0"


async def test_body_is_always_an_object_even_without_arguments(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    scripted_odoo.queue(replay_answer(exchange("d1")))
    assert await client.whoami() == {"lang": "en_US", "tz": "Europe/Brussels", "uid": 2}
    assert scripted_odoo.requests[0].body == b"{}"
    assert scripted_odoo.requests[0].path == "/json/2/res.users/context_get"


async def test_version_is_a_get_without_the_key(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    scripted_odoo.queue(replay_answer(exchange("x1")))
    version = await client.version()
    assert version == {"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}
    [received] = scripted_odoo.requests
    assert (received.method, received.path) == ("GET", "/web/version")
    assert "Authorization" not in received.headers


async def test_path_prefix_of_the_base_url_is_kept(scripted_odoo: ScriptedOdoo) -> None:
    async with Client(scripted_odoo.url + "odoo/", API_KEY, retry=False) as odoo:
        await odoo.call("res.partner", "search", domain=[])
    assert scripted_odoo.requests[0].path == "/odoo/json/2/res.partner/search"


async def test_python_values_are_converted(scripted_odoo: ScriptedOdoo, client: Client) -> None:
    when = dt.datetime(2026, 11, 27, 10, 30, 15, 999, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    await client.call(
        "sale.order", "search", domain=(("date_order", ">=", when),
                                        ("validity_date", "<", dt.date(2027, 1, 2)),
                                        ("id", "in", {3, 1, 2})),
    )
    assert scripted_odoo.requests[0].json() == {"domain": [
        ["date_order", ">=", "2026-11-27 09:30:15"],
        ["validity_date", "<", "2027-01-02"],
        ["id", "in", [1, 2, 3]],
    ]}


async def test_unsendable_value_names_the_parameter_and_sends_nothing(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    with pytest.raises(TypeError, match=r"parameter 'vals'\['x'\]: object values cannot"):
        await client.call("res.partner", "write", ids=[1], vals={"x": object()})
    with pytest.raises(ValueError, match=r"naive datetime .* in parameter 'domain'\[0\]\[2\]"):
        await client.call("res.partner", "search", domain=[("create_date", ">", dt.datetime.now())])
    assert scripted_odoo.requests == []


async def test_naive_datetimes_can_be_declared_utc(scripted_odoo: ScriptedOdoo) -> None:
    async with Client(scripted_odoo.url, API_KEY, naive_datetimes_are_utc=True,
                      retry=False) as odoo:
        await odoo.call("res.partner", "search",
                        domain=[("create_date", ">", dt.datetime(2026, 1, 2, 3, 4, 5))])
    assert scripted_odoo.requests[0].json()["domain"][0][2] == "2026-01-02 03:04:05"


@pytest.mark.parametrize(
    ("model", "method", "message"),
    [
        ("res.partner/../web/database/drop", "search", "invalid model name"),
        ("", "search", "invalid model name"),
        ("res..partner", "search", "invalid model name"),
        ("res.partner?x=1", "search", "invalid model name"),
        ("res.partner", "_compute_display_name", "private methods"),
        ("res.partner", "", "invalid method name"),
        ("res.partner", "search/../x", "invalid method name"),
        ("res.partner", "search read", "invalid method name"),
        ("res.partner", "1search", "invalid method name"),
    ],
)
async def test_invalid_names_never_reach_a_url(
    scripted_odoo: ScriptedOdoo, client: Client, model: str, method: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await client.call(model, method)
    assert scripted_odoo.requests == []


@pytest.mark.parametrize(
    ("ids", "error", "message"),
    [
        ("1", TypeError, "ids must be an int or an iterable of ints, not str"),
        ([1, "2"], TypeError, "ids must be ints, got '2'"),
        ([True], TypeError, "ids must be ints, got True"),
        ([0], ValueError, "ids must be between 1 and 2147483647, got 0"),
    ],
)
async def test_bad_ids_are_refused(
    scripted_odoo: ScriptedOdoo, client: Client, ids: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        await client.call("res.partner", "read", ids=ids)
    assert scripted_odoo.requests == []


async def test_ids_accept_an_int_and_a_recordset_like(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    class Records:
        ids = (4, 5)

    await client.call("res.partner", "read", ids=7, fields=["name"])
    await client.call("res.partner", "read", ids=Records(), fields=["name"])
    assert [r.json()["ids"] for r in scripted_odoo.requests] == [[7], [4, 5]]


async def test_default_context_is_merged_under_the_call_context(
    scripted_odoo: ScriptedOdoo,
) -> None:
    async with Client(scripted_odoo.url, API_KEY, context={"lang": "en_US", "tz": "UTC"},
                      retry=False) as odoo:
        await odoo.call("res.partner", "search_count", domain=[],
                        context={"active_test": False, "tz": "Europe/Brussels"})
    assert scripted_odoo.requests[0].json()["context"] == {
        "lang": "en_US", "tz": "Europe/Brussels", "active_test": False}


@pytest.mark.parametrize(
    ("answer", "cls"),
    [
        (html_answer(415), errors.UnsupportedMediaTypeError),
        (html_answer(404), errors.DatabaseNotFoundError),
        (html_answer(500), errors.PoolExhaustedError),
        (html_answer(502, "<html><title>502 Bad Gateway</title>nginx</html>"),
         errors.BadGatewayError),
        (html_answer(503, "<html><title>503 Service Unavailable</title></html>"),
         errors.ServiceUnavailableError),
        (html_answer(504, "<html><title>504 Gateway Time-out</title></html>"),
         errors.GatewayTimeoutError),
    ],
)
async def test_html_error_pages_become_typed_errors(
    scripted_odoo: ScriptedOdoo, client: Client, answer: Any, cls: type[Exception]
) -> None:
    scripted_odoo.queue(answer)
    with pytest.raises(cls) as caught:
        await client.call("res.partner", "search_read", domain=[])
    assert "<" not in str(caught.value)


async def test_html_page_with_success_status_is_a_protocol_error(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    scripted_odoo.queue(html_answer(200, "<html><title>Odoo</title>Login</html>"))
    with pytest.raises(errors.ProtocolError, match="expected a JSON answer, got text/html") as c:
        await client.call("res.partner", "search_read", domain=[])
    assert c.value.excerpt == "Odoo Login"


async def test_truncated_json_is_a_protocol_error(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    async def truncated(_: web.Request) -> web.StreamResponse:
        return web.Response(body=b'[{"id": 9, "na', content_type="application/json")

    scripted_odoo.queue(truncated)
    with pytest.raises(errors.ProtocolError, match="not valid JSON"):
        await client.call("res.partner", "search_read", domain=[])


async def test_redirect_is_not_followed(scripted_odoo: ScriptedOdoo, client: Client) -> None:
    async def redirect(_: web.Request) -> web.StreamResponse:
        return web.Response(status=301, headers={"Location": "https://elsewhere.example/"})

    scripted_odoo.queue(redirect)
    with pytest.raises(errors.ProtocolError, match=r"redirected to https://elsewhere\.example/"):
        await client.call("res.partner", "search", domain=[])
    assert len(scripted_odoo.requests) == 1


@pytest.mark.parametrize(("status", "headers", "where"), [
    (300, {"Location": "https://choice.example/"}, "https://choice.example/"),
    (302, {}, "?"),
])
async def test_every_redirect_is_refused_and_says_where(
    scripted_odoo: ScriptedOdoo, client: Client, status: int, headers: dict[str, str],
    where: str
) -> None:
    """300 too, and a redirect without a Location still says it was one."""
    async def redirect(_: web.Request) -> web.StreamResponse:
        return web.Response(status=status, headers=headers)

    scripted_odoo.queue(redirect)
    with pytest.raises(errors.ProtocolError) as caught:
        await client.call("res.partner", "search", domain=[])
    assert caught.value.status == status
    assert str(caught.value).startswith(f"the server redirected to {where}; use the final URL")


async def test_server_closing_every_connection_is_tolerated(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    scripted_odoo.default = json_answer(200, 3)
    for _ in range(5):
        assert await client.call("res.partner", "search_count", domain=[]) == 3
    results = await asyncio.gather(
        *(client.call("res.partner", "search_count", domain=[]) for _ in range(40))
    )
    assert results == [3] * 40


async def test_connection_refused_is_a_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with Client(f"http://127.0.0.1:{port}", API_KEY, retry=False) as odoo:
        with pytest.raises(errors.ConnectError, match="cannot connect") as caught:
            await odoo.call("res.partner", "search", domain=[])
    assert caught.value.may_have_reached_server is False
    assert caught.value.model == "res.partner"


async def test_reset_after_the_request_is_a_lost_connection(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    async def reset(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    scripted_odoo.queue(reset, reset)
    with pytest.raises(errors.ConnectionLostError) as caught:
        await client.call("res.partner", "search_read", domain=[])
    assert caught.value.may_have_reached_server is True
    with pytest.raises(errors.OutcomeUnknownError) as unknown:
        await client.call("res.partner", "create", vals_list=[{"name": "x"}])
    assert isinstance(unknown.value.__cause__, errors.ConnectionLostError)
    assert len(scripted_odoo.requests) == 2


async def test_slow_answer_is_a_timeout(scripted_odoo: ScriptedOdoo) -> None:
    never = asyncio.Event()

    async def hang(_: web.Request) -> web.StreamResponse:
        await never.wait()
        return web.Response()

    scripted_odoo.queue(hang)
    async with Client(scripted_odoo.url, API_KEY, timeout=Timeout(total=0.02),
                      retry=False) as odoo:
        with pytest.raises(errors.RequestTimeoutError, match="no answer within the timeout"):
            await odoo.call("res.partner", "search", domain=[])


async def test_closed_client_refuses_calls(scripted_odoo: ScriptedOdoo) -> None:
    odoo = Client(scripted_odoo.url, API_KEY, retry=False)
    await odoo.call("res.partner", "search", domain=[])
    await odoo.close()
    await odoo.close()  # idempotent
    assert odoo.closed
    with pytest.raises(errors.ClientClosedError, match="the client is closed"):
        await odoo.call("res.partner", "search", domain=[])
    with pytest.raises(errors.ClientClosedError):
        await odoo.version()
    with pytest.raises(errors.ClientClosedError):
        async with odoo:
            pass
    assert len(scripted_odoo.requests) == 1


async def test_a_given_session_is_used_and_left_open(scripted_odoo: ScriptedOdoo) -> None:
    async with aiohttp.ClientSession() as session:
        async with Client(scripted_odoo.url, API_KEY, session=session, retry=False) as odoo:
            await odoo.call("res.partner", "search", domain=[])
        assert not session.closed
        async with session.get(scripted_odoo.url + "web/version") as response:
            assert response.status == 200


async def test_session_is_created_lazily(scripted_odoo: ScriptedOdoo) -> None:
    odoo = Client(scripted_odoo.url, API_KEY)  # outside any call: no session, no warning
    await odoo.close()
    assert scripted_odoo.requests == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"url": "ftp://x"}, ValueError, "expected http"),
        ({"url": "https://user:pw@host"}, ValueError, "must not carry credentials"),
        ({"url": "https://host/?db=x"}, ValueError, "must not have a query"),
        ({"api_key": ""}, ValueError, "must not be empty"),
        ({"api_key": "abc\r\nX-Evil: 1"}, ValueError, "whitespace or control"),
        ({"api_key": None}, TypeError, "must be a str"),
        ({"database": ""}, ValueError, "database must be"),
        ({"timeout": "10"}, TypeError, "timeout must be"),
    ],
)
def test_bad_configuration_is_refused(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    args: dict[str, Any] = {"url": "https://odoo.example.com", "api_key": API_KEY, **kwargs}
    with pytest.raises(error, match=message):
        Client(args.pop("url"), **args)


def test_timeout_validation() -> None:
    with pytest.raises(ValueError, match=r"Timeout.total must be a positive number"):
        Timeout(total=0)
    assert Client("https://h", API_KEY, timeout=5).timeout == Timeout(total=5.0)
    assert Client("https://h", API_KEY, timeout=2.5).timeout.total == 2.5
    assert Client("https://h", API_KEY).timeout == Timeout()
    with pytest.raises(TypeError, match="timeout must be a Timeout or seconds"):
        Client("https://h", API_KEY, timeout="5")  # type: ignore[arg-type]


async def test_json_body_on_the_wire_is_compact_utf8(
    scripted_odoo: ScriptedOdoo, client: Client
) -> None:
    await client.call("res.partner", "name_create", name="Café Ünïcode", tags=[1, 2])
    body = scripted_odoo.requests[0].body
    assert body == '{"name":"Café Ünïcode","tags":[1,2]}'.encode()  # no spaces, no \u escapes
