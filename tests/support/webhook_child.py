"""A receiver in a process of its own, for the crash test (tests/test_webhooks.py).

``ack STORE``: serve a receiver whose handler never finishes; print the port; wait to be
killed. ``drain STORE OUT``: handle every pending event (appending ``model id`` lines to
OUT), print ``drained``, exit.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from aiohttp import web

from odoo_async.webhooks import WebhookEvent, WebhookReceiver

TOKEN = "crash-test-token"


def _append(path: str, line: str) -> None:
    with Path(path).open("a") as file:
        file.write(line)


async def ack(store: str) -> None:
    receiver = WebhookReceiver(store, token=TOKEN)

    @receiver.on("res.partner")
    async def stuck(event: WebhookEvent) -> None:
        await asyncio.Event().wait()  # acknowledged, never handled: killed meanwhile

    runner = web.AppRunner(receiver.app("/odoo-hook"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    await asyncio.Event().wait()


async def drain(store: str, out: str) -> None:
    receiver = WebhookReceiver(store, token=TOKEN)

    @receiver.on("res.partner")
    async def record(event: WebhookEvent) -> None:
        _append(out, f"{event.model} {event.record_id}\n")

    await receiver.store.open()
    while (await receiver.store.counts())["pending"]:
        await receiver.dispatch_due()
    await receiver.store.close()
    print("drained", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "ack":
        asyncio.run(ack(sys.argv[2]))
    else:
        asyncio.run(drain(sys.argv[2], sys.argv[3]))
