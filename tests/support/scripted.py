"""A real local aiohttp server that answers like Odoo from recorded exchanges.

Tests queue answers (recorded exchanges, JSON bodies, Werkzeug-style HTML pages, or any
handler) and read back every request the server received, exactly as it arrived.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
from aiohttp import web
from aiohttp.test_utils import TestServer

from odoo_async.testing.faults import werkzeug_page

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ODOO_HEADERS = {"Server": "Werkzeug/2.2.2 Python/3.11.7", "Connection": "close"}

def load_exchanges(name: str = "exchanges.json") -> list[dict[str, Any]]:
    """The recorded exchanges of one fixture file."""
    data = json.loads((FIXTURES / name).read_text())
    exchanges: list[dict[str, Any]] = data["exchanges"]
    return exchanges


def exchange(title_prefix: str, name: str = "exchanges.json") -> dict[str, Any]:
    """The recorded exchange whose title starts with ``title_prefix + " "``."""
    for item in load_exchanges(name):
        if item["title"].split(" ", 1)[0] == title_prefix:
            return item
    raise KeyError(title_prefix)


werkzeug_html = werkzeug_page


def _like_werkzeug(response: web.Response) -> web.Response:
    """Close the connection after the answer, as a bare Odoo server always does."""
    response.force_close()
    return response


def json_answer(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Handler:
    """Answer ``body`` as Odoo's JSON (``application/json; charset=utf-8``)."""

    async def handler(_: web.Request) -> web.StreamResponse:
        return _like_werkzeug(web.Response(
            status=status,
            body=json.dumps(body).encode(),
            content_type="application/json",
            charset="utf-8",
            headers={**ODOO_HEADERS, **(headers or {})},
        ))

    return handler


def html_answer(status: int, text: str | None = None,
                headers: Mapping[str, str] | None = None) -> Handler:
    """Answer an HTML page (Werkzeug's for ``status`` unless ``text`` is given)."""

    async def handler(_: web.Request) -> web.StreamResponse:
        return _like_werkzeug(web.Response(
            status=status,
            text=werkzeug_html(status) if text is None else text,
            content_type="text/html",
            charset="utf-8",
            headers={**ODOO_HEADERS, **(headers or {})},
        ))

    return handler


def replay_answer(recorded: Mapping[str, Any]) -> Handler:
    """Answer what the real server answered in a recorded exchange."""
    headers = {k: v for k, v in recorded["headers"] if k.lower() in ("www-authenticate",)}
    content_type = next(
        (v for k, v in recorded["headers"] if k.lower() == "content-type"), None
    )
    status = recorded["status"]
    if content_type and content_type.startswith("text/html"):
        body = recorded.get("body")
        return html_answer(status, body if isinstance(body, str) else None, headers)
    if content_type is None:

        async def empty(_: web.Request) -> web.StreamResponse:
            return _like_werkzeug(web.Response(status=status, headers=ODOO_HEADERS))

        return empty
    return json_answer(status, recorded.get("body"), headers)


@attrs.frozen
class ReceivedRequest:
    """A request as the server received it."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)


class ScriptedOdoo:
    """The server: answers queued handlers in order (or ``default``), records requests."""

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self.answers: deque[Handler] = deque()
        self.default: Handler = json_answer(200, True)
        self._server: TestServer | None = None

    def queue(self, *answers: Handler) -> None:
        """Answer the next requests with these handlers, in order."""
        self.answers.extend(answers)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(
            ReceivedRequest(request.method, request.path, dict(request.headers), body)
        )
        handler = self.answers.popleft() if self.answers else self.default
        return await handler(request)

    @property
    def url(self) -> str:
        """The server's base URL."""
        assert self._server is not None
        return str(self._server.make_url("/"))

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            await self._server.close()
