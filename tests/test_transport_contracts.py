"""Exact contracts of the transports' side requests: ``GET /web/version``, the
``/doc-bearer`` documentation with ETag revalidation, and ``protocol="auto"``'s choice
(what goes on the wire, what comes back, what is logged, what errors never show)."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
from aiohttp import web
from yarl import URL

from odoo_async import AutoTransport, Client, JsonRpcTransport
from odoo_async.errors import BadGatewayError, ConnectError, InternalServerError
from odoo_async.secret import Secret
from odoo_async.transport.json2 import Json2Transport
from tests.conftest import API_KEY
from tests.support.scripted import ScriptedOdoo, exchange, json_answer, replay_answer
from tests.support.tracebacks import shown

INDEX_TAG = '"a3b7dd3cd63fcdbf9970d11d1d4641ba0c9708279890c247f3d97f351e95a0c4"'
PARTNER_TAG = "0db1a1c55e7e6b88055a877f3094e7090de0c4efbd21a549583a348151d26bd5"


def _json2(server: ScriptedOdoo, **options: Any) -> Json2Transport:
    return Json2Transport(URL(server.url), Secret(API_KEY), **options)


def _auto(server: ScriptedOdoo) -> AutoTransport:
    return AutoTransport(_json2(server, database="odoo19"),
                         JsonRpcTransport(URL(server.url), Secret(API_KEY), login="admin",
                                          database="odoo19"))


def _not_modified() -> Any:
    """Odoo 19's 304 to ``If-None-Match`` (recorded c1b): no ETag, no body."""
    async def handler(_: web.Request) -> web.StreamResponse:
        return web.Response(status=304, headers={"Server": "Werkzeug/2.2.2 Python/3.11.7",
                                                 "X-Content-Type-Options": "nosniff"})
    return handler


def _text_answer(status: int, text: str) -> Any:
    """A plain-text answer (a proxy's error page)."""
    async def handler(_: web.Request) -> web.StreamResponse:
        return web.Response(status=status, text=text, content_type="text/plain")
    return handler


def _transport_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "odoo_async.transport"]


async def test_version_is_one_plain_get_logged_by_its_path(
        scripted_odoo: ScriptedOdoo, caplog: pytest.LogCaptureFixture) -> None:
    """``version()`` sends exactly ``GET /web/version`` with the JSON Accept and the
    caller's User-Agent (no key), and its debug line names the method and the path."""
    caplog.set_level(logging.DEBUG, logger="odoo_async")
    scripted_odoo.queue(replay_answer(exchange("x1")))
    transport = _json2(scripted_odoo, user_agent="my-sync/2.0")
    try:
        assert await transport.version() == {"version_info": [19, 0, 0, "final", 0, ""],
                                             "version": "19.0"}
    finally:
        await transport.aclose()
    [received] = scripted_odoo.requests
    assert (received.method, received.path, received.body) == ("GET", "/web/version", b"")
    headers = {k.lower(): v for k, v in received.headers.items()}
    assert headers["accept"] == "application/json"
    assert headers["user-agent"] == "my-sync/2.0"
    assert "authorization" not in headers
    assert "content-type" not in headers
    [line] = _transport_lines(caplog)
    assert line.startswith("GET /web/version -> 200 in ")


async def test_an_error_answer_to_version_or_a_document_never_shows_the_key(
        scripted_odoo: ScriptedOdoo) -> None:
    """A proxy or server error page that echoes the API key is redacted before it goes
    into the exception, for ``/web/version`` and ``/doc-bearer`` alike."""
    page = f"upstream failed for Authorization: bearer {API_KEY}"
    scripted_odoo.queue(_text_answer(502, page), _text_answer(500, page))
    transport = _json2(scripted_odoo)
    try:
        with pytest.raises(BadGatewayError) as by_version:
            await transport.version()
        with pytest.raises(InternalServerError) as by_document:
            await transport.document("res.partner.json")
    finally:
        await transport.aclose()
    for error in (by_version.value, by_document.value):
        assert "bearer **********" in str(error)
        assert API_KEY not in shown(error)


async def test_a_document_is_fetched_then_revalidated_by_its_etag(
        scripted_odoo: ScriptedOdoo, caplog: pytest.LogCaptureFixture) -> None:
    """The documentation is a GET without a body (no Content-Type) with the bearer key;
    revalidating sends ``If-None-Match`` and, on Odoo's 304 (which carries no ETag),
    returns the caller's tag so that the cached copy stays keyed by it."""
    caplog.set_level(logging.DEBUG, logger="odoo_async")
    index = {"modules": ["base"], "models": []}
    scripted_odoo.queue(json_answer(200, index, {"ETag": INDEX_TAG}), _not_modified())
    transport = _json2(scripted_odoo, database="odoo19")
    try:
        assert await transport.document("index.json") == (200, INDEX_TAG, index)
        assert await transport.document("index.json", INDEX_TAG) == (304, INDEX_TAG, None)
    finally:
        await transport.aclose()
    first, again = scripted_odoo.requests
    for received in (first, again):
        assert (received.method, received.path, received.body) == (
            "GET", "/doc-bearer/index.json", b"")
        headers = {k.lower(): v for k, v in received.headers.items()}
        assert headers["authorization"] == f"bearer {API_KEY}"
        assert headers["x-odoo-database"] == "odoo19"
        assert headers["accept"] == "application/json"
        assert "content-type" not in headers
    assert "if-none-match" not in {k.lower() for k in first.headers}
    assert {k.lower(): v for k, v in again.headers.items()}["if-none-match"] == INDEX_TAG
    lines = _transport_lines(caplog)
    assert [line.split(" in ")[0] for line in lines] == [
        "GET /doc-bearer/index.json -> 200", "GET /doc-bearer/index.json -> 304"]


VALID_NAMES = ["x.json", "res.partner.json", "index.json", "x_custom.model.json"]
INVALID_NAMES = [".json", "index", "res..partner.json", "../web.json", "res partner.json",
                 "1x.json"]


async def test_document_names_are_checked_before_sending(scripted_odoo: ScriptedOdoo) -> None:
    """Any model name (even one letter) or ``index.json`` is requested as is; anything
    else is refused with ValueError before a request leaves."""
    transport = _json2(scripted_odoo)
    try:
        for name in INVALID_NAMES:
            with pytest.raises(ValueError, match="not an API documentation name"):
                await transport.document(name)
        assert scripted_odoo.requests == []
        for name in VALID_NAMES:
            scripted_odoo.queue(json_answer(200, {"model": name}, {"ETag": "t"}))
            assert await transport.document(name) == (200, "t", {"model": name})
    finally:
        await transport.aclose()
    assert [r.path for r in scripted_odoo.requests] == [f"/doc-bearer/{n}" for n in VALID_NAMES]


async def test_auto_revalidates_documents_with_the_callers_etag(
        scripted_odoo: ScriptedOdoo) -> None:
    """Over ``protocol="auto"`` on Odoo 19, a document is asked with the cached ETag as
    ``If-None-Match`` (so an unchanged one is not downloaded again)."""
    scripted_odoo.queue(replay_answer(exchange("e2")), _not_modified())
    auto = _auto(scripted_odoo)
    try:
        assert await auto.document("res.partner.json", PARTNER_TAG) == (304, PARTNER_TAG, None)
        assert isinstance(auto.chosen, Json2Transport)
    finally:
        await auto.aclose()
    probe, document = scripted_odoo.requests
    assert (probe.method, probe.path) == ("POST", "/jsonrpc")
    assert (document.method, document.path) == ("GET", "/doc-bearer/res.partner.json")
    assert {k.lower(): v for k, v in document.headers.items()}["if-none-match"] == PARTNER_TAG


async def test_auto_logs_the_version_and_the_protocol_it_chose(
        scripted_odoo: ScriptedOdoo, caplog: pytest.LogCaptureFixture) -> None:
    """One INFO line says which Odoo answered and which protocol the client talks
    (``?`` when the server does not say its version)."""
    caplog.set_level(logging.INFO, logger="odoo_async")
    scripted_odoo.queue(
        replay_answer(exchange("e2")),
        json_answer(200, {"jsonrpc": "2.0", "id": 1, "result": {
            "server_version_info": [17, 0, 0, "final", 0, ""], "protocol_version": 1}}))
    modern, old = _auto(scripted_odoo), _auto(scripted_odoo)
    try:
        assert isinstance(await modern.choose(), Json2Transport)
        assert isinstance(await old.choose(), JsonRpcTransport)
    finally:
        await modern.aclose()
        await old.aclose()
    assert _transport_lines(caplog) == [
        "Odoo 19.0: talking JSON-2",
        "Odoo ?: talking JSON-RPC (JSON-2 needs Odoo 19)",
    ]


ODD_VERSION_INFOS = [[], 19, {"major": 19}, None, "19.0"]


async def test_auto_falls_back_to_jsonrpc_when_the_version_info_is_unreadable(
        scripted_odoo: ScriptedOdoo) -> None:
    """A server whose ``server_version_info`` is empty or not a list (a proxy, a fork)
    gets JSON-RPC, which every Odoo serves, instead of a crash on the first call."""
    for info in ODD_VERSION_INFOS:
        scripted_odoo.queue(json_answer(200, {"jsonrpc": "2.0", "id": 1, "result": {
            "server_version": "19.0", "server_version_info": info}}))
        auto = _auto(scripted_odoo)
        try:
            assert isinstance(await auto.choose(), JsonRpcTransport), info
        finally:
            await auto.aclose()



async def test_a_refused_connection_says_where_and_why() -> None:
    """The host, the port and the system's reason, once (not aiohttp's own wording
    around it); the transport's repr names the URL and database, nothing else."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with Client(f"http://127.0.0.1:{port}", API_KEY, retry=False) as odoo:
        assert repr(odoo.transport) == f"Json2Transport('http://127.0.0.1:{port}/', database=None)"
        with pytest.raises(ConnectError) as refused:
            await odoo.call("res.partner", "search", domain=[])
    assert str(refused.value) == (f"cannot connect to 127.0.0.1:{port}: Connect call failed "
                                  f"('127.0.0.1', {port}) (res.partner/search)")
