"""The webhook receiver's throughput: 1,000 deliveries posted concurrently (64 at a
time), each stored durably (SQLite, WAL, full sync, group commit) before its 200,
against a bare aiohttp endpoint that parses the JSON and answers without storing (the
cost of never losing an acknowledged event)."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from aiohttp import web

from odoo_async.webhooks import WebhookReceiver

EVENTS = 1000
AT_ONCE = 64
TOKEN = "bench-token"


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/odoo-hook?token={TOKEN}"


async def _post_all(url: str) -> float:
    cap = asyncio.Semaphore(AT_ONCE)
    async with aiohttp.ClientSession() as session:
        async def post(number: int) -> None:
            body = {"_action": "Send Webhook Notification(#1)", "_id": number,
                    "_model": "res.partner", "id": number, "name": f"Partner {number}"}
            async with cap, session.post(url, json=body) as response:
                assert response.status == 200
                await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(post(n) for n in range(1, EVENTS + 1)))
        return time.perf_counter() - started


async def _bare() -> float:
    async def answer(request: web.Request) -> web.Response:
        json.loads(await request.read())
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/odoo-hook", answer)
    runner, url = await _serve(app)
    try:
        return await _post_all(url)
    finally:
        await runner.cleanup()


async def _durable(folder: Path, run: int) -> float:
    receiver = WebhookReceiver(folder / f"events-{run}.sqlite3", token=TOKEN)
    runner, url = await _serve(receiver.app("/odoo-hook"))
    try:
        took = await _post_all(url)
        counts = await receiver.store.counts()
        assert sum(counts.values()) == EVENTS, counts
        return took
    finally:
        await runner.cleanup()


async def _median(fn: Callable[[], Awaitable[float]], rounds: int = 3) -> float:
    samples = sorted([await fn() for _ in range(rounds)])
    return samples[len(samples) // 2]


async def main() -> None:
    """Print both rates and their ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        runs = iter(range(100))
        durable = await _median(lambda: _durable(Path(tmp), next(runs)))
    bare = await _median(_bare)
    print(f"webhook receiver: {EVENTS} deliveries, {AT_ONCE} at a time")
    print(f"  baseline  bare aiohttp endpoint (no storage)   {EVENTS / bare:8.0f} events/s")
    print(f"  candidate WebhookReceiver (stored durably)     {EVENTS / durable:8.0f} events/s")
    print(f"  ratio     {bare / durable:.2f}x the baseline's throughput")


if __name__ == "__main__":
    asyncio.run(main())
