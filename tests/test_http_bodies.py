"""How ``HttpSession`` reads an answer and is set up, exactly.

Pinned here: a success declared over ``max_answer_bytes`` is refused naming its size; a
compressed success is bounded after decompression, over all its reads (a small compressed
body that inflates past the limit is refused; one that inflates to exactly the limit, or
is declared at exactly the limit and stays under it, is read); an error answer (400
included) is cut at ``ERROR_BODY_BYTES`` rather than refused; cookies never reach the
answer's headers, nor a secret URL its ``url``; no answer within the total timeout is a
``RequestTimeoutError`` naming the call; ``RequestHeaders`` is a mapping whose length
counts the key's header; a GET dropped on a reused connection is sent again unless
``resend_idempotent=False``; the aiohttp session is made with the connection limits,
timeout, cookie jar and decompression the settings ask for; and a session stays on the
event loop it first ran on.
"""

from __future__ import annotations

import asyncio
import gzip
import os
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from yarl import URL

from odoo_async import ConnectionLimits, Timeout, errors
from odoo_async.secret import Secret
from odoo_async.transport.http import (
    ERROR_BODY_BYTES,
    HttpAnswer,
    HttpSession,
    RequestHeaders,
)

INCOMPRESSIBLE = os.urandom(1500)
ROUTES = {
    "/big": (200, b"x" * 4000, {}),
    "/bomb": (200, gzip.compress(b"\0" * 10_000), {"Content-Encoding": "gzip"}),
    "/exact": (200, gzip.compress(INCOMPRESSIBLE), {"Content-Encoding": "gzip"}),
    "/fits": (200, gzip.compress(b"\0" * 2048), {"Content-Encoding": "gzip"}),
    "/big-bomb": (200, gzip.compress(b"\0" * 300_000), {"Content-Encoding": "gzip"}),
    "/bad-request": (400, b"e" * (ERROR_BODY_BYTES + 10), {}),
    "/cookie": (500, b"oops", {"Set-Cookie": "session_id=abc", "X-Trace": "t1"}),
}


@pytest.fixture
async def server() -> AsyncIterator[URL]:
    released = asyncio.Event()

    async def answer(request: web.Request) -> web.Response:
        if request.path == "/hang":
            await released.wait()  # no answer until the test is over
            return web.Response()
        status, body, headers = ROUTES[request.path]
        return web.Response(status=status, body=body, headers=headers)

    app = web.Application()
    app.router.add_route("GET", "/{name}", answer)
    test_server = TestServer(app)
    await test_server.start_server()
    try:
        yield URL(str(test_server.make_url("/")))
    finally:
        released.set()
        await test_server.close()


async def get(server: URL, path: str, *, limit: int) -> HttpAnswer:
    async with aclosing(HttpSession(timeout=Timeout(total=10),
                                    limits=ConnectionLimits(max_answer_bytes=limit))) as session:
        return await session.request("GET", server.with_path(path), headers={})


async def test_a_success_declared_over_the_limit_is_refused_naming_its_size(
        server: URL) -> None:
    with pytest.raises(errors.ProtocolError) as refused:
        await get(server, "/big", limit=2000)
    assert refused.value.message == (
        "the answer is 4000 bytes, more than max_answer_bytes (2000)")
    assert refused.value.status == 200


async def test_a_compressed_success_is_bounded_after_decompression(server: URL) -> None:
    with pytest.raises(errors.ProtocolError) as refused:
        await get(server, "/bomb", limit=2000)
    assert refused.value.message == "the answer is larger than max_answer_bytes (2000)"


async def test_a_compressed_success_of_exactly_the_limit_is_read(server: URL) -> None:
    assert (await get(server, "/fits", limit=2048)).body == b"\0" * 2048


async def test_a_compressed_success_over_the_limit_in_many_reads_is_refused(
        server: URL) -> None:
    with pytest.raises(errors.ProtocolError) as refused:
        await get(server, "/big-bomb", limit=100_000)  # read in pieces of 64 KiB at most
    assert refused.value.message == "the answer is larger than max_answer_bytes (100000)"
    assert refused.value.status == 200


async def test_a_compressed_success_declared_at_the_limit_is_read_when_it_fits(
        server: URL) -> None:
    compressed = len(ROUTES["/exact"][1])
    assert compressed > len(INCOMPRESSIBLE)
    answer = await get(server, "/exact", limit=compressed)
    assert answer.body == INCOMPRESSIBLE


async def test_an_error_answer_is_cut_not_refused_from_400_on(server: URL) -> None:
    answer = await get(server, "/bad-request", limit=2000)
    assert (answer.status, len(answer.body)) == (400, ERROR_BODY_BYTES)


async def test_cookies_never_reach_the_answers_headers(server: URL) -> None:
    answer = await get(server, "/cookie", limit=2000)
    assert (answer.status, answer.url) == (500, str(server.with_path("/cookie")))


async def test_an_answer_to_a_secret_url_does_not_show_it(server: URL) -> None:
    async with aclosing(HttpSession(timeout=Timeout(total=10),
                                    limits=ConnectionLimits())) as session:
        answer = await session.request("GET", Secret(str(server.with_path("/cookie"))),
                                       headers={})
    assert (answer.status, answer.url) == (500, "(a secret URL)")
    assert "Set-Cookie" not in answer.headers
    assert answer.headers["X-Trace"] == "t1"


def test_request_headers_count_the_keys_header_as_one_of_them() -> None:
    with_key = RequestHeaders({"Accept": "application/json"}, Secret("0123456789" * 4))
    assert len(with_key) == len(list(with_key)) == 2
    without = RequestHeaders({"Accept": "application/json"})
    assert len(without) == len(list(without)) == 1


@pytest.mark.parametrize("force_close", [False, True])
async def test_the_aiohttp_session_follows_the_settings(force_close: bool) -> None:
    limits = ConnectionLimits(max_connections=3, keepalive_timeout=7.0,
                              force_close=force_close)
    http = HttpSession(timeout=Timeout(total=9, connect=2, read=4), limits=limits)
    assert http.closed is False
    try:
        session = http._get_session()
        connector = session.connector
        assert isinstance(connector, aiohttp.TCPConnector)
        assert (connector.limit, connector.limit_per_host, connector.force_close) == (
            3, 0, force_close)
        assert connector._keepalive_timeout == (None if force_close else 7.0)
        assert session.timeout == aiohttp.ClientTimeout(total=9, connect=2, sock_read=4)
        assert isinstance(session.cookie_jar, aiohttp.DummyCookieJar)
        assert session.auto_decompress is True
    finally:
        await http.aclose()
    assert http.closed is True


def test_a_session_refuses_a_second_event_loop() -> None:
    http = HttpSession(timeout=Timeout(total=5), limits=ConnectionLimits())
    refused = URL("http://127.0.0.1:1/")
    first = asyncio.new_event_loop()
    try:
        with pytest.raises(errors.ConnectError):
            first.run_until_complete(http.request("GET", refused, headers={}))
        with pytest.raises(errors.EventLoopError, match="another event loop"):
            asyncio.run(http.request("GET", refused, headers={}))
        first.run_until_complete(http.aclose())
    finally:
        first.close()


async def test_no_answer_within_the_total_timeout_is_a_request_timeout(server: URL) -> None:
    async with aclosing(HttpSession(timeout=Timeout(total=0.1),
                                    limits=ConnectionLimits())) as session:
        with pytest.raises(errors.RequestTimeoutError) as caught:
            await session.request("GET", server.with_path("/hang"), headers={},
                                  model="res.partner", odoo_method="search")
    assert (caught.value.message, caught.value.model, caught.value.method) == (
        "no answer within the timeout", "res.partner", "search")


class _DropsTheSecondRequest:
    """A raw HTTP/1.1 server: the first connection answers one GET with keep-alive, then
    closes without answering the next request sent on it; later connections answer."""

    def __init__(self) -> None:
        self.connections = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        first, answered = self.connections == 1, False
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                if first and answered:
                    return  # the request re-using this connection gets no answer
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 2\r\n\r\n{}")
                await writer.drain()
                answered = True
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.mark.parametrize("resend", [True, False])
async def test_a_get_dropped_on_a_reused_connection_is_resent_unless_told_not_to(
        resend: bool) -> None:
    raw = _DropsTheSecondRequest()
    server = await asyncio.start_server(raw.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = URL(f"http://127.0.0.1:{port}/web/version")
    options: dict[str, Any] = {} if resend else {"resend_idempotent": False}  # default: resend
    session = HttpSession(timeout=Timeout(total=10), limits=ConnectionLimits(), **options)
    try:
        assert (await session.request("GET", url, headers={})).body == b"{}"
        if resend:
            assert (await session.request("GET", url, headers={})).body == b"{}"
            assert raw.connections == 2
        else:
            with pytest.raises(errors.ConnectionLostError):
                await session.request("GET", url, headers={})
            assert raw.connections == 1
    finally:
        await session.aclose()
        server.close()
        await server.wait_closed()
