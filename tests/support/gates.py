"""Faults that hold requests on the server until a test lets them go: calls "in flight"
without real delays."""

from __future__ import annotations

import asyncio

from aiohttp import web

from odoo_async.testing.faults import Execute


class HoldNth:
    """Holds the ``hold``-th matching request (before running it) until ``open`` is set;
    ``arrived`` is set when it comes in."""

    def __init__(self, hold: int) -> None:
        self.hold, self.seen = hold, 0
        self.arrived, self.open = asyncio.Event(), asyncio.Event()

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Count the request; hold the chosen one; then run it."""
        self.seen += 1
        if self.seen == self.hold:
            self.arrived.set()
            await self.open.wait()
        return await execute()
