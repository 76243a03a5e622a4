"""Pooled client calls against a new aiohttp session per call, on a local server."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from aiohttp import web

from benchmarks.harness import report, time_async
from odoo_async import Client

CALLS = 200
KEY = "bench-key-00000000000000000000000000000000"
ROWS = [{"id": i, "name": f"Partner {i}", "email": f"p{i}@example.com"} for i in range(1, 21)]


async def _answer(_: web.Request) -> web.Response:
    return web.json_response(ROWS)


async def main() -> None:
    app = web.Application()
    app.router.add_post("/json/2/{model}/{method}", _answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    body = json.dumps({"domain": [], "fields": ["name", "email"]}).encode()
    headers = {"Authorization": f"bearer {KEY}", "Content-Type": "application/json"}
    try:
        async with Client(url, KEY) as odoo:

            async def pooled_sequential() -> None:
                for _ in range(CALLS):
                    await odoo.call("res.partner", "search_read", domain=[],
                                    fields=["name", "email"])

            async def pooled_concurrent() -> None:
                await asyncio.gather(*(
                    odoo.call("res.partner", "search_read", domain=[], fields=["name", "email"])
                    for _ in range(CALLS)
                ))

            async def session_per_call() -> None:
                for _ in range(CALLS):
                    async with aiohttp.ClientSession() as session, session.post(
                        f"{url}/json/2/res.partner/search_read", data=body, headers=headers
                    ) as response:
                        await response.json()

            baseline = ("new aiohttp session per call", await time_async(session_per_call))
            report(f"{CALLS} search_read calls, one after another",
                   ("odoo-async Client (pooled)", await time_async(pooled_sequential)), baseline)
            report(f"{CALLS} search_read calls, all at once",
                   ("odoo-async Client, asyncio.gather", await time_async(pooled_concurrent)),
                   baseline)
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
