"""A local reverse proxy in front of a real Odoo, with fault injection: lets tests make a
real server lose answers, hang or fail the way deployments do."""

from __future__ import annotations

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from odoo_async.testing import FaultPlan

_HOP: frozenset[str] = frozenset({"host", "content-length", "transfer-encoding", "connection"})


class FaultyProxy:
    """Forwards every request to ``upstream`` through a :class:`FaultPlan` (``faults``)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults = FaultPlan()
        self._server: TestServer | None = None
        self._session: aiohttp.ClientSession | None = None

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        async with self._session.request(request.method, self.upstream + request.path_qs,
                                          data=body, headers=headers,
                                          allow_redirects=False) as answer:
            payload = await answer.read()
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP}
            return web.Response(status=answer.status, body=payload, headers=kept)

    @property
    def url(self) -> str:
        """The proxy's base URL."""
        assert self._server is not None
        return str(self._server.make_url("/")).rstrip("/")

    async def start(self) -> None:
        """Listen on 127.0.0.1."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300))
        app = web.Application(middlewares=[self.faults.middleware], client_max_size=2**28)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        """Stop."""
        if self._server is not None:
            await self._server.close()
        if self._session is not None:
            await self._session.close()
