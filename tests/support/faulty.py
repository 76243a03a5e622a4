"""A local JSON-2 server with a fault plan in front: the resilience tests' target.

It executes a few calls the way Odoo answers them (``create`` returns a list of new ids,
``write`` and actions ``true``, reads return rows) and tracks how many calls run at once.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from odoo_async.testing import FaultPlan


class FaultyOdoo:
    """The server; ``plan`` decides which requests fail."""

    def __init__(self) -> None:
        self.plan = FaultPlan()
        self.created: list[dict[str, Any]] = []
        self.concurrent = 0
        self.peak_concurrent = 0
        self.hold: asyncio.Event | None = None
        self._ids = itertools.count(100)
        self._server: TestServer | None = None

    async def _json2(self, request: web.Request) -> web.StreamResponse:
        self.concurrent += 1
        self.peak_concurrent = max(self.peak_concurrent, self.concurrent)
        try:
            if self.hold is not None:
                await self.hold.wait()
            for _ in range(3):
                await asyncio.sleep(0)
            args = json.loads(await request.read() or b"{}")
            return web.json_response(self._run(request.match_info["method"], args))
        finally:
            self.concurrent -= 1

    def _run(self, method: str, args: dict[str, Any]) -> Any:
        if method == "create":
            vals = args.get("vals_list", [])
            rows = [vals] if isinstance(vals, dict) else vals
            self.created.extend(rows)
            return [next(self._ids) for _ in rows]
        if method in ("search_read", "read"):
            return [{"id": 1, "name": "Acme"}]
        if method == "search_count":
            return 1
        if method == "fail_validation":
            raise web.HTTPUnprocessableEntity(
                text=json.dumps({"name": "odoo.exceptions.ValidationError", "message": "no",
                                 "arguments": ["no"], "context": {}, "debug": ""}),
                content_type="application/json",
            )
        return True

    async def _version(self, _: web.Request) -> web.StreamResponse:
        return web.json_response({"version": "19.0"})

    @property
    def url(self) -> str:
        """The base URL."""
        assert self._server is not None
        return str(self._server.make_url("/"))

    async def start(self) -> None:
        """Listen on a free local port."""
        app = web.Application(middlewares=[self.plan.middleware])
        app.router.add_post("/json/2/{model}/{method}", self._json2)
        app.router.add_get("/web/version", self._version)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        """Stop listening."""
        if self.hold is not None:
            self.hold.set()
        if self._server is not None:
            await self._server.close()
