"""Client calls against bare aiohttp on the same canned local server: the overhead of the
library (retries, breaker, in-flight cap, validation, value conversion, typed errors).

The baseline is what a careful hand-written client does: one shared ``aiohttp`` session,
``json.dumps`` of the body, ``json.loads`` of the answer (16 at a time under a semaphore
for the concurrent case). The server runs in a process of its own, so that its work is
not counted on either side; the two sides run in alternating rounds, and the ratio
reported is the median of the per-round ratios (a slow moment of the machine hits both).
Goal: overhead <= 1.1x one at a time and 16 at a time.

A third comparison shows what a careless client pays: a new session per call.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection

import aiohttp
from aiohttp import web

from odoo_async import Client

CALLS = 500
ROUNDS = 21
KEY = "bench-key-00000000000000000000000000000000"
ROWS = [{"id": i, "name": f"Partner {i}", "email": f"p{i}@example.com"} for i in range(1, 21)]
GOAL = 1.1


def _serve(port_out: Connection) -> None:
    """The canned server (in a child process): every call answers the same 20 rows."""
    async def answer(_: web.Request) -> web.Response:
        return web.json_response(ROWS)

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/json/2/{model}/{method}", answer)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_out.send(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


async def _paired(candidate: Callable[[], Awaitable[object]],
                  baseline: Callable[[], Awaitable[object]]) -> tuple[float, float, float]:
    """Median candidate and baseline time (s) and the median of the per-round ratios."""
    await candidate()
    await baseline()
    ratios, c_times, b_times = [], [], []
    for round_ in range(ROUNDS):
        order = (candidate, baseline) if round_ % 2 == 0 else (baseline, candidate)
        took = {}
        for fn in order:
            started = time.perf_counter()
            await fn()
            took[fn] = time.perf_counter() - started
        c_times.append(took[candidate])
        b_times.append(took[baseline])
        ratios.append(took[candidate] / took[baseline])
    return statistics.median(c_times), statistics.median(b_times), statistics.median(ratios)


def _print(title: str, c_name: str, b_name: str, result: tuple[float, float, float],
           *, goal: float | None = GOAL) -> None:
    c_time, b_time, overhead = result
    print(title)
    print(f"  baseline  {b_name:<44} {b_time * 1000:9.2f} ms (median)")
    print(f"  candidate {c_name:<44} {c_time * 1000:9.2f} ms (median)")
    verdict = "" if goal is None else (
        f" ({'meets' if overhead <= goal else 'misses'} the goal of <= {goal}x)")
    print(f"  overhead  {overhead:.2f}x the baseline's time{verdict}")


async def main() -> None:
    """Start the server process, run the comparisons, print them."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    server = context.Process(target=_serve, args=(send,), daemon=True)
    server.start()
    try:
        url = f"http://127.0.0.1:{receive.recv()}"
        await _compare(url)
    finally:
        server.terminate()
        server.join()


async def _compare(url: str) -> None:
    headers = {"Authorization": f"bearer {KEY}", "Content-Type": "application/json"}
    async with Client(url, KEY) as odoo, aiohttp.ClientSession() as shared:

        async def client_sequential() -> None:
            for _ in range(CALLS):
                await odoo.call("res.partner", "search_read", domain=[],
                                fields=["name", "email"])

        async def client_concurrent() -> None:  # the client's default cap: 16 in flight
            await asyncio.gather(*(
                odoo.call("res.partner", "search_read", domain=[], fields=["name", "email"])
                for _ in range(CALLS)))

        async def bare_call() -> object:
            body = json.dumps({"domain": [], "fields": ["name", "email"]}).encode()
            async with shared.post(f"{url}/json/2/res.partner/search_read", data=body,
                                   headers=headers) as response:
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

        async def session_per_call() -> None:
            for _ in range(CALLS // 5):
                async with aiohttp.ClientSession() as session, session.post(
                        f"{url}/json/2/res.partner/search_read", headers=headers,
                        data=json.dumps({"domain": []}).encode()) as response:
                    await response.read()

        async def client_fifth() -> None:
            for _ in range(CALLS // 5):
                await odoo.call("res.partner", "search_read", domain=[])

        _print(f"{CALLS} search_read calls, one after another",
               "odoo-async Client", "bare aiohttp, shared session",
               await _paired(client_sequential, bare_sequential))
        _print(f"{CALLS} search_read calls, 16 at a time",
               "odoo-async Client, asyncio.gather", "bare aiohttp, shared session, 16 at once",
               await _paired(client_concurrent, bare_concurrent))
        _print(f"{CALLS // 5} calls, one after another (below 1x: the client is faster)",
               "odoo-async Client (pooled)", "new aiohttp session per call",
               await _paired(client_fifth, session_per_call), goal=None)


if __name__ == "__main__":
    asyncio.run(main())
