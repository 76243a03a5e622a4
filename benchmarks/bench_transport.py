"""Client calls against bare aiohttp on a local server: a shared session with JSON
encoding and decoding (what a careful hand-written client does; the overhead of the
library's retries, breaker, in-flight cap, validation and typed errors), one after another
and 16 at a time; and a new session per call (what a careless one does)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from aiohttp import web

from benchmarks.harness import report, time_async
from odoo_async import Client

CALLS = 1000
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

            async with aiohttp.ClientSession() as shared:

                async def bare_call() -> object:
                    payload = json.dumps({"domain": [], "fields": ["name", "email"]}).encode()
                    async with shared.post(f"{url}/json/2/res.partner/search_read",
                                           data=payload, headers=headers) as response:
                        return json.loads(await response.read())

                async def bare_sequential() -> None:
                    for _ in range(CALLS):
                        await bare_call()

                cap = asyncio.Semaphore(16)

                async def capped() -> object:
                    async with cap:
                        return await bare_call()

                async def bare_concurrent() -> None:
                    await asyncio.gather(*(capped() for _ in range(CALLS)))

                report(f"{CALLS} search_read calls, one after another (goal: overhead "
                       "<= 1.1x, i.e. a ratio >= 0.91)",
                       ("odoo-async Client", await time_async(pooled_sequential)),
                       ("bare aiohttp, shared session", await time_async(bare_sequential)))
                report(f"{CALLS} search_read calls, 16 at a time (goal: ratio >= 0.91)",
                       ("odoo-async Client, asyncio.gather", await time_async(pooled_concurrent)),
                       ("bare aiohttp, shared session, 16 at a time",
                        await time_async(bare_concurrent)))
            report(f"{CALLS} search_read calls, one after another",
                   ("odoo-async Client (pooled)", await time_async(pooled_sequential)),
                   ("new aiohttp session per call", await time_async(session_per_call)))
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
