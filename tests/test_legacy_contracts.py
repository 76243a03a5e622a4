"""Contracts of the legacy transports (``/jsonrpc``, ``/xmlrpc/2``) pinned against small
local servers: the exact requests they send, how they decode answers, and the exact
errors Odoo's legacy faults become (class, name, message, arguments, model, method)."""

from __future__ import annotations

import datetime
import logging
import xmlrpc.client
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from odoo_async import JsonRpcTransport
from odoo_async.config import ConnectionLimits
from odoo_async.errors import (
    AccessError,
    AuthenticationError,
    BadGatewayError,
    BadRequestError,
    DatabaseNotFoundError,
    InternalServerError,
    InvalidCallError,
    MissingError,
    ProtocolError,
    ServerError,
    UnknownMethodError,
    UserError,
)
from odoo_async.secret import Secret
from odoo_async.transport.legacy import XmlRpcTransport
from tests.support.local import serving

KEY = "k" * 40
UA = "contract-tests/1.0"


# -- small scripted servers ------------------------------------------------------------

def _ok(result: Any) -> web.Response:
    return web.json_response({"jsonrpc": "2.0", "id": 1, "result": result})


def _odoo_error(name: str, message: str, debug: str = "Traceback ...") -> web.Response:
    """JSON-RPC's error member as Odoo 19 sends it (recorded e4/e5: HTTP 200)."""
    return web.json_response({"jsonrpc": "2.0", "id": 1, "error": {
        "code": 0, "message": "Odoo Server Error", "data": {
            "name": name, "message": message, "arguments": [message], "context": {},
            "debug": debug}}})


def _xml_ok(value: Any) -> web.Response:
    return web.Response(text=xmlrpc.client.dumps((value,), methodresponse=True),
                        content_type="text/xml")


def _fault(code: int, text: str) -> web.Response:
    return web.Response(text=xmlrpc.client.dumps(xmlrpc.client.Fault(code, text),
                                                 methodresponse=True),
                        content_type="text/xml")


@asynccontextmanager
async def _jsonrpc_server(respond: Callable[[dict[str, Any]], web.StreamResponse]
                          ) -> AsyncIterator[tuple[str, list[tuple[Any, dict[str, Any]]]]]:
    """A /jsonrpc server that signs everyone in as uid 2 and lets ``respond`` answer
    every other call; it records (headers, body) of each request."""
    seen: list[tuple[Any, dict[str, Any]]] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        seen.append((request.headers.copy(), body))
        if body["params"]["method"] == "authenticate":
            return _ok(2)
        return respond(body["params"])

    app = web.Application()
    app.router.add_post("/jsonrpc", handler)
    async with serving(app) as url:
        yield url, seen


@asynccontextmanager
async def _xmlrpc_server(respond: Callable[[str, tuple[Any, ...]], web.StreamResponse]
                         ) -> AsyncIterator[tuple[str, list[tuple[str, Any, str, Any]]]]:
    """An /xmlrpc/2 server that signs everyone in as uid 2 and lets ``respond`` answer
    every other call; it records (path, headers, method name, params) of each request."""
    seen: list[tuple[str, Any, str, Any]] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        params, name = xmlrpc.client.loads(await request.read(), use_builtin_types=True)
        seen.append((request.path, request.headers.copy(), name, params))
        if name == "authenticate":
            return _xml_ok(2)
        return respond(name, params)

    app = web.Application()
    app.router.add_post("/xmlrpc/2/{service}", handler)
    async with serving(app) as url:
        yield url, seen


def _jsonrpc(url: str, **extra: Any) -> JsonRpcTransport:
    return JsonRpcTransport(URL(url), Secret(KEY), login="bot", database="db", **extra)


def _xmlrpc(url: str, **extra: Any) -> XmlRpcTransport:
    return XmlRpcTransport(URL(url), Secret(KEY), login="bot", database="db", **extra)


# -- requests --------------------------------------------------------------------------

def test_repr_names_the_class_url_database_and_login() -> None:
    """A transport in a log or debugger shows which server, database and login it uses
    (and never the key)."""
    json_rpc = JsonRpcTransport(URL("https://odoo.test/x"), Secret(KEY), login="bot",
                                database="db1")
    xml_rpc = XmlRpcTransport(URL("https://odoo.test"), Secret(KEY), login=None)
    assert repr(json_rpc) == "JsonRpcTransport('https://odoo.test/x', database='db1', " \
                             "login='bot')"
    assert repr(xml_rpc) == "XmlRpcTransport('https://odoo.test', database=None, login=None)"


async def test_jsonrpc_create_values_go_by_position_and_nothing_else_does(
        caplog: pytest.LogCaptureFixture) -> None:
    """Only ``create``'s ``vals_list`` travels by position (Odoo's call_kw reads it as
    args[0]); a create without it, or another method's ``vals_list``, is sent as given.
    The request carries the configured User-Agent and the debug line names the call."""
    caplog.set_level(logging.DEBUG, logger="odoo_async.transport")
    async with _jsonrpc_server(lambda params: _ok(5)) as (url, seen):
        transport = _jsonrpc(url, user_agent=UA)
        try:
            assert await transport.call("res.partner", "create",
                                        {"vals_list": {"name": "A"}}) == [5]
            assert await transport.call("res.partner", "create", {}) == [5]
            assert await transport.call("res.partner", "import_rows",
                                        {"vals_list": [{"name": "B"}], "ids": [3]}) == 5
        finally:
            await transport.aclose()
    calls = [body["params"]["args"][3:] for _, body in seen[1:]]
    assert calls == [
        ["res.partner", "create", [{"name": "A"}], {}],
        ["res.partner", "create", [], {}],
        ["res.partner", "import_rows", [[3]], {"vals_list": [{"name": "B"}]}],
    ]
    for headers, _ in seen:
        assert headers["User-Agent"] == UA
    lines = [r.getMessage() for r in caplog.records if r.name == "odoo_async.transport"]
    assert any(line.startswith("POST res.partner/create -> 200 in ") for line in lines)


async def test_xmlrpc_request_is_the_call_odoo_reads(caplog: pytest.LogCaptureFixture) -> None:
    """XML-RPC posts ``execute_kw`` to /xmlrpc/2/object as text/xml with the configured
    User-Agent; ``None`` travels as ``False`` (XML-RPC has no null); the debug line names
    the call."""
    caplog.set_level(logging.DEBUG, logger="odoo_async.transport")
    async with _xmlrpc_server(lambda name, params: _xml_ok([7])) as (url, seen):
        transport = _xmlrpc(url, user_agent=UA)
        try:
            assert await transport.call("res.partner", "search",
                                        {"domain": [("parent_id", "=", None)],
                                         "limit": None}) == [7]
        finally:
            await transport.aclose()
    (auth_path, auth_headers, auth_name, auth), (path, headers, name, params) = seen
    assert (auth_path, auth_name, auth) == ("/xmlrpc/2/common", "authenticate",
                                            ("db", "bot", KEY, {}))
    assert (path, name) == ("/xmlrpc/2/object", "execute_kw")
    assert params == ("db", 2, KEY, "res.partner", "search", [],
                      {"domain": [["parent_id", "=", False]], "limit": False})
    for sent in (auth_headers, headers):
        assert sent.getall("Content-Type") == ["text/xml"]
        assert sent.getall("User-Agent") == [UA]
    lines = [r.getMessage() for r in caplog.records if r.name == "odoo_async.transport"]
    assert any(line.startswith("POST res.partner/search -> 200 in ") for line in lines)


# -- a record method called without ids ------------------------------------------------

async def test_a_record_method_without_ids_runs_on_no_record() -> None:
    """A record method called without ids runs on no record, as on JSON-2: Odoo's
    call_kw fails reading args[0] (IndexError 'list index out of range') before running
    anything, so the call is sent again with an empty id list."""
    def respond(params: dict[str, Any]) -> web.Response:
        if params["args"][5] == []:
            return _odoo_error("builtins.IndexError", "list index out of range")
        return _ok(True)

    async with _jsonrpc_server(respond) as (url, seen):
        transport = _jsonrpc(url)
        try:
            assert await transport.call("res.partner", "action_archive", {}) is True
        finally:
            await transport.aclose()
    assert [body["params"]["args"][5:] for _, body in seen[1:]] == [[[], {}], [[[]], {}]]


@pytest.mark.parametrize(("name", "message", "payload"), [
    ("builtins.IndexError", "tuple index out of range", {}),
    ("builtins.ValueError", "list index out of range", {}),
    ("builtins.IndexError", "list index out of range", {"ids": [3]}),
])
async def test_other_failures_are_not_sent_again(name: str, message: str,
                                                  payload: dict[str, Any]) -> None:
    """Only the "no ids given" IndexError of a call without ids is sent again; any other
    error (another IndexError, another class with that wording, a call with ids) is
    raised after one request: a call is never repeated on a guess."""
    async with _jsonrpc_server(lambda params: _odoo_error(name, message)) as (url, seen):
        transport = _jsonrpc(url)
        try:
            with pytest.raises(InternalServerError) as failed:
                await transport.call("res.partner", "action_archive", payload)
        finally:
            await transport.aclose()
    assert (failed.value.name, failed.value.message) == (name, message)
    assert len(seen) == 2  # authenticate, then the call once


# -- version, database -----------------------------------------------------------------

async def test_version_has_web_versions_keys() -> None:
    """``version()`` answers /web/version's keys (``version``, ``version_info``) next to
    the legacy ones, so version checks work on every protocol."""
    info = {"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""],
            "server_serie": "17.0", "protocol_version": 1}
    async with _jsonrpc_server(lambda params: _ok(info)) as (url, _):
        transport = _jsonrpc(url)
        try:
            assert await transport.version() == {
                "version_info": [17, 0, 0, "final", 0, ""], "version": "17.0", **info}
        finally:
            await transport.aclose()


@pytest.mark.parametrize(("listed", "count"), [(["a", "b"], 2), (False, 0), ([], 0)])
async def test_without_a_database_the_server_must_list_exactly_one(listed: Any,
                                                                   count: int) -> None:
    """Without ``database=``, the server's only database is used; several (or an answer
    that is no list) raise ValueError saying how many, never pick one at random."""
    async with _jsonrpc_server(lambda params: _ok(listed)) as (url, seen):
        transport = JsonRpcTransport(URL(url), Secret(KEY), login="bot")
        try:
            with pytest.raises(ValueError, match="databases") as refused:
                await transport.database()
        finally:
            await transport.aclose()
    assert str(refused.value) == (f"the server lists {count} databases: pass "
                                  "Client(..., database='name')")
    assert [body["params"]["method"] for _, body in seen] == ["list"]


# -- JSON-RPC answers ------------------------------------------------------------------

async def test_jsonrpc_odoo_errors_keep_everything_and_name_the_call() -> None:
    """An Odoo error member becomes the JSON-2 class with Odoo's name, message, arguments
    and traceback, and names the model and method that failed."""
    async with _jsonrpc_server(lambda params: _odoo_error(
            "odoo.exceptions.AccessError", "not allowed", debug="tb")) as (url, _):
        transport = _jsonrpc(url)
        try:
            with pytest.raises(AccessError) as denied:
                await transport.call("ir.config_parameter", "search_count", {"domain": []})
        finally:
            await transport.aclose()
    error = denied.value
    assert type(error) is AccessError
    assert (error.status, error.name, error.message, error.arguments, error.context,
            error.debug, error.model, error.method) == (
        403, "odoo.exceptions.AccessError", "not allowed", ["not allowed"], {}, "tb",
        "ir.config_parameter", "search_count")


@pytest.mark.parametrize("protocol", ["jsonrpc", "xmlrpc"])
async def test_an_oversized_answer_names_the_call(protocol: str) -> None:
    """An answer over ``max_answer_bytes`` is refused with a ProtocolError that names the
    model and method of the call."""
    big = ["x" * 100] * 50
    limits = ConnectionLimits(max_answer_bytes=1024)
    if protocol == "jsonrpc":
        server = _jsonrpc_server(lambda params: _ok(big))
        make: Callable[..., Any] = _jsonrpc
    else:
        server = _xmlrpc_server(lambda name, params: _xml_ok(big))
        make = _xmlrpc
    async with server as (url, _):
        transport = make(url, limits=limits)
        try:
            with pytest.raises(ProtocolError) as refused:
                await transport.call("res.partner", "search_read", {"domain": []})
        finally:
            await transport.aclose()
    assert (refused.value.model, refused.value.method) == ("res.partner", "search_read")
    assert "max_answer_bytes" in refused.value.message


@pytest.mark.parametrize(("status", "cls"), [(400, BadRequestError), (502, BadGatewayError)])
async def test_jsonrpc_http_errors_map_by_status_and_name_the_call(status: int,
                                                                    cls: type) -> None:
    """An HTTP error status (from Odoo or a proxy, 400 included) is a ServerError of the
    status's class naming the call, not a protocol error."""
    async with _jsonrpc_server(lambda params: web.Response(
            status=status, text="<html><title>Bad</title>nope</html>",
            content_type="text/html")) as (url, _):
        transport = _jsonrpc(url)
        try:
            with pytest.raises(ServerError) as failed:
                await transport.call("res.partner", "search", {"domain": []})
        finally:
            await transport.aclose()
    assert type(failed.value) is cls
    assert (failed.value.status, failed.value.model, failed.value.method) == (
        status, "res.partner", "search")


async def test_jsonrpc_answers_that_are_not_jsonrpc_are_protocol_errors() -> None:
    """A 200 answer that is not a JSON-RPC 2.0 response (an HTML page, JSON without
    ``"jsonrpc": "2.0"``) is a ProtocolError naming the call, never taken as a result;
    an ``error`` member that is not an object is a plain ServerError (500)."""
    answers = [
        web.Response(text="<html><title>Proxy</title>hi</html>", content_type="text/html"),
        web.json_response({"id": 1, "result": 5}),
        web.json_response({"jsonrpc": "2.0", "id": 1, "error": "boom"}),
    ]
    async with _jsonrpc_server(lambda params: answers.pop(0)) as (url, _):
        transport = _jsonrpc(url)
        try:
            with pytest.raises(ProtocolError) as html:
                await transport.call("res.partner", "search", {})
            with pytest.raises(ProtocolError) as bare:
                await transport.call("res.partner", "search", {})
            with pytest.raises(ServerError) as odd:
                await transport.call("res.partner", "search", {})
        finally:
            await transport.aclose()
    for error, media, text in ((html.value, "text/html", "Proxy hi"),
                               (bare.value, "application/json", '{"id": 1, "result": 5}')):
        assert (error.message, error.status, error.content_type, error.excerpt,
                error.model, error.method) == (
            "the JSON-RPC answer is not a JSON-RPC response", 200, media, text,
            "res.partner", "search")
    assert type(odd.value) is ServerError
    assert (odd.value.message, odd.value.status, odd.value.model, odd.value.method) == (
        "JSON-RPC error without details", 500, "res.partner", "search")


@pytest.mark.parametrize(("name", "message", "cls", "renamed"), [
    ("builtins.AttributeError", "The method 'frobnicate' does not exist on the model "
     "'res.partner'", UnknownMethodError, "werkzeug.exceptions.NotFound"),
    ("builtins.AttributeError", "'NoneType' object has no attribute 'id'",
     InternalServerError, "builtins.AttributeError"),
    ("builtins.ValueError", "The method 'frobnicate' does not exist", InternalServerError,
     "builtins.ValueError"),
    ("builtins.TypeError", "BaseModel.write() missing 1 required positional argument: "
     "'vals'", InvalidCallError, "werkzeug.exceptions.UnprocessableEntity"),
    ("builtins.TypeError", "unhashable type: 'list'", InternalServerError,
     "builtins.TypeError"),
    ("builtins.ValueError", "f() missing 1 required positional argument: 'x'",
     InternalServerError, "builtins.ValueError"),
    ("odoo.exceptions.UserError", "Record does not exist or has been deleted.\n(Record: "
     "res.partner(99,), User: 2)", MissingError, "odoo.exceptions.MissingError"),
    ("odoo.exceptions.AccessError", "Record does not exist or has been deleted.",
     AccessError, "odoo.exceptions.AccessError"),
], ids=["no-method", "other-attribute-error", "no-method-wording-elsewhere", "bad-call",
        "other-type-error", "bad-call-wording-elsewhere", "record-gone",
        "record-gone-wording-elsewhere"])
async def test_vague_legacy_errors_get_json2s_precise_class(
        name: str, message: str, cls: type, renamed: str) -> None:
    """Where the legacy error is vaguer than JSON-2's (an unknown method as an
    AttributeError, bad arguments as a TypeError, a deleted record as a UserError), the
    exact Odoo wording gives JSON-2's class and name; anything else keeps its own."""
    async with _jsonrpc_server(lambda params: _odoo_error(name, message)) as (url, _):
        transport = _jsonrpc(url)
        try:
            with pytest.raises(ServerError) as failed:
                await transport.call("res.partner", "write", {"ids": [99]})
        finally:
            await transport.aclose()
    assert type(failed.value) is cls
    assert (failed.value.name, failed.value.message) == (renamed, message)


# -- XML-RPC answers -------------------------------------------------------------------

async def test_xmlrpc_refuses_what_xml_cannot_carry_naming_the_call() -> None:
    """A control character cannot travel in XML: ValueError before anything is sent,
    naming the call (service/method when there is no model) and the reason."""
    async with _xmlrpc_server(lambda name, params: _xml_ok([1])) as (url, seen):
        bad_login = XmlRpcTransport(URL(url), Secret(KEY), login="b\x01t", database="db")
        transport = _xmlrpc(url)
        try:
            with pytest.raises(ValueError, match="XML-RPC") as login:
                await bad_login.uid()
            with pytest.raises(ValueError, match="XML-RPC") as value:
                await transport.call("res.partner", "search",
                                     {"domain": [("name", "=", "a\x02b")]})
        finally:
            await bad_login.aclose()
            await transport.aclose()
    reason = "a value cannot be sent over XML-RPC (a control character, which XML " \
             "cannot carry)"
    assert str(login.value) == f"common/authenticate: {reason}"
    assert str(value.value) == f"res.partner/search: {reason}"
    assert [name for _, _, name, _ in seen] == ["authenticate"]  # the good login only


async def test_xmlrpc_http_400_is_a_bad_request() -> None:
    """An HTTP 400 answer (a proxy refusing the request) is a BadRequestError, not a
    protocol error."""
    async with _xmlrpc_server(lambda name, params: web.Response(
            status=400, text="Bad Request", content_type="text/plain")) as (url, _):
        transport = _xmlrpc(url)
        try:
            with pytest.raises(ServerError) as failed:
                await transport.call("res.partner", "search", {"domain": []})
        finally:
            await transport.aclose()
    assert type(failed.value) is BadRequestError
    # the Odoo method, as JSON-RPC and JSON-2 name it (not XML-RPC's execute_kw)
    assert (failed.value.status, failed.value.model, failed.value.method) == (
        400, "res.partner", "search")


async def test_xmlrpc_answers_up_to_the_threshold_are_parsed_inline(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An XML-RPC answer of exactly ``XMLRPC_THREAD_BYTES`` is parsed on the event loop;
    only a larger one goes to a worker thread."""
    import anyio.to_thread

    from odoo_async.transport import legacy

    size = len(xmlrpc.client.dumps(([1, 2, 3],), methodresponse=True).encode())
    threads: list[object] = []
    real = anyio.to_thread.run_sync

    async def spy(function: Any, *args: Any, **kwargs: Any) -> Any:
        threads.append(function)
        return await real(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", spy)
    async with _xmlrpc_server(lambda name, params: _xml_ok([1, 2, 3])) as (url, _):
        transport = _xmlrpc(url)
        try:
            await transport.uid()
            monkeypatch.setattr(legacy, "XMLRPC_THREAD_BYTES", size)
            assert await transport.call("res.partner", "search", {}) == [1, 2, 3]
            assert threads == []
            monkeypatch.setattr(legacy, "XMLRPC_THREAD_BYTES", size - 1)
            assert await transport.call("res.partner", "search", {}) == [1, 2, 3]
            assert len(threads) == 1
        finally:
            await transport.aclose()


async def test_xmlrpc_dates_and_binaries_come_back_as_python_values() -> None:
    """XML-RPC's own date and binary types (an older Odoo marshalling a datetime, a
    method returning bytes as base64) decode to ``datetime`` and ``bytes``, never to
    xmlrpc.client's wrapper objects."""
    when = datetime.datetime(2024, 5, 6, 7, 8, 9)
    answer = {"at": xmlrpc.client.DateTime(when), "data": xmlrpc.client.Binary(b"\x00\x01")}
    async with _xmlrpc_server(lambda name, params: _xml_ok(answer)) as (url, _):
        transport = _xmlrpc(url)
        try:
            result = await transport.call("res.partner", "export", {"ids": [1]})
        finally:
            await transport.aclose()
    assert result == {"at": when, "data": b"\x00\x01"}
    assert type(result["at"]) is datetime.datetime
    assert type(result["data"]) is bytes


_TRACEBACK = "Traceback (most recent call last):\n  File \"/srv/odoo/odoo/http.py\", line 1\n"
_NO_DB = ("connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: "
          "FATAL:  database \"nope\" does not exist")


@pytest.mark.parametrize(("code", "text", "cls", "name", "message", "arguments", "debug"), [
    # a fault code says the class; the string is the message, there is no traceback
    (2, "You must first cancel it.", UserError, "odoo.exceptions.UserError",
     "You must first cancel it.", ["You must first cancel it."], ""),
    (2, "Record does not exist or has been deleted.\n(Record: res.partner(99,), User: 2)",
     MissingError, "odoo.exceptions.MissingError",
     "Record does not exist or has been deleted.\n(Record: res.partner(99,), User: 2)",
     ["Record does not exist or has been deleted.\n(Record: res.partner(99,), User: 2)"],
     ""),
    # fault 1: the traceback's last line names the exception (dotted, or a builtin)
    (1, _TRACEBACK + "psycopg2.errors.UndefinedTable: relation \"x\" does not exist\n",
     InternalServerError, "psycopg2.errors.UndefinedTable", "relation \"x\" does not exist",
     ["relation \"x\" does not exist"], None),
    (1, _TRACEBACK + "psycopg2.OperationalError: " + _NO_DB + "\n", DatabaseNotFoundError,
     "werkzeug.exceptions.NotFound", "the database 'nope' does not exist",
     ["the database 'nope' does not exist"], ""),  # no socket path in the arguments
    (1, _TRACEBACK + "AttributeError: The method 'frobnicate' does not exist on the model "
     "'res.partner'\n", UnknownMethodError, "werkzeug.exceptions.NotFound",
     "The method 'frobnicate' does not exist on the model 'res.partner'",
     ["The method 'frobnicate' does not exist on the model 'res.partner'"], None),
    # a last line that names no exception is the message of a builtins.Exception
    (1, _TRACEBACK + "    raise Boom()\nthe worker died\n", InternalServerError,
     "builtins.Exception", "the worker died", ["the worker died"], None),
    (1, "", InternalServerError, "builtins.Exception", "builtins.Exception", [""], None),
], ids=["user-error", "record-gone", "dotted-name", "no-database", "no-method",
        "unnamed-last-line", "empty"])
async def test_xmlrpc_faults_map_like_json2(code: int, text: str, cls: type, name: str,
                                            message: str, arguments: list[str] | None,
                                            debug: str | None) -> None:
    """An XML-RPC fault becomes JSON-2's class with Odoo's exception name and message
    (the traceback kept in ``debug``, out of the message), the message as arguments,
    and the model and method of the call."""
    async with _xmlrpc_server(lambda method, params: _fault(code, text)) as (url, seen):
        transport = _xmlrpc(url)
        try:
            with pytest.raises(ServerError) as failed:
                await transport.call("res.partner", "write", {"ids": [99], "vals": {}})
        finally:
            await transport.aclose()
    error = failed.value
    assert type(error) is cls
    assert (error.name, error.message, error.context, error.model, error.method) == (
        name, message, {}, "res.partner", "write")
    if arguments is not None:
        assert error.arguments == arguments
    assert error.debug == (text if debug is None else debug)
    assert len(seen) == 2  # authenticate, then the call once


# -- signing in, redaction, the caller's session --------------------------------------


async def test_a_refused_sign_in_is_an_authentication_error() -> None:
    """``common.authenticate`` answering false (a wrong login or key) is a 401-like
    AuthenticationError that says so, with no Odoo name."""
    async def handler(request: web.Request) -> web.StreamResponse:
        return _ok(False)

    app = web.Application()
    app.router.add_post("/jsonrpc", handler)
    async with serving(app) as url:
        transport = _jsonrpc(url)
        try:
            with pytest.raises(AuthenticationError) as refused:
                await transport.call("res.partner", "search", {"domain": []})
        finally:
            await transport.aclose()
    assert (refused.value.status, refused.value.name) == (401, None)
    assert refused.value.message.endswith("(common.authenticate answered false)")


async def test_a_page_echoing_the_key_shows_it_masked() -> None:
    """A proxy page that repeats the request (and so the key) reaches the error masked."""
    async with _jsonrpc_server(lambda params: web.Response(
            status=502, text=f"upstream refused key={KEY}")) as (url, _):
        transport = _jsonrpc(url)
        try:
            with pytest.raises(BadGatewayError) as failed:
                await transport.call("res.partner", "search", {"domain": []})
        finally:
            await transport.aclose()
    assert failed.value.message == "upstream refused key=***"


async def test_the_callers_session_carries_the_calls() -> None:
    """A session given to the transport is the one its requests go through."""
    async with _jsonrpc_server(lambda params: _ok([1])) as (url, seen), \
            aiohttp.ClientSession(headers={"X-Caller": "mine"}) as session:
        transport = _jsonrpc(url, session=session)
        assert await transport.call("res.partner", "search", {"domain": []}) == [1]
    assert {headers.get("X-Caller") for headers, _ in seen} == {"mine"}
