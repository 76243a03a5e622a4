"""Webhooks both ways, and the change feed that catches what a webhook lost.

Odoo posts each change once and forgets it: the receiver stores every post durably
before answering, then runs the handlers (retried, dead-lettered when they keep failing).
While the receiver was down, the posts were lost: the change feed, resumed from the
last cursor handled, catches up on them. Runs against the embedded fake Odoo server:

    python examples/webhooks.py
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from aiohttp import web

from odoo_async import Client
from odoo_async.testing import Env, FakeOdoo
from odoo_async.webhooks import IncomingWebhook, WebhookEvent, WebhookReceiver

TOKEN = "a-long-random-token-only-odoo-knows"


async def main() -> None:
    store = Path(tempfile.mkdtemp()) / "events.sqlite3"
    receiver = WebhookReceiver(store, token=TOKEN)
    synced: list[str] = []
    seen = asyncio.Event()

    @receiver.on("res.partner")
    async def partner_changed(event: WebhookEvent) -> None:
        synced.append(f"{event.values['name']} (webhook)")
        seen.set()

    runner = web.AppRunner(receiver.app("/odoo-hook"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/odoo-hook?token={TOKEN}"

    async with FakeOdoo() as fake, Client(fake.url, fake.api_key) as odoo:
        # Odoo -> us: a "Send Webhook Notification" action on new partners
        fake.add_outgoing_webhook("res.partner", hook_url, fields=["name"], on=["create"])
        # us -> Odoo: an incoming webhook ("On webhook" automation rule) that upserts
        def upsert(env: Env, payload: dict[str, str]) -> None:
            env.create("res.partner", [{"name": payload["name"], "ref": payload["ref"]}])

        incoming = fake.url + fake.add_incoming_webhook(upsert)

        async with IncomingWebhook(incoming) as hook:
            await hook.send({"ref": "ECOM-42", "name": "Jane from the shop"})
        jane = await odoo["res.partner"].search([("ref", "=", "ECOM-42")]).first("name")
        print("sent through Odoo's incoming webhook:", jane.name)

        await odoo["res.partner"].create({"name": "Joe from the back office",
                                          "ref": "ECOM-41"})
        await asyncio.wait_for(seen.wait(), 10)  # Odoo posted it; the receiver handled it
        print("received:", synced)
        # the feed's position after the last change handled (saved with the handler's work)
        # (settle=0 in this demo, which reads what it wrote a moment ago; a live feed
        # keeps the default, which leaves the last 2 seconds for the next poll)
        cursor = (await anext(aiter(odoo["res.partner"].changes(
            domain=[("ref", "=", "ECOM-41")], settle=0)))).cursor

        await runner.cleanup()  # the receiver goes down: Odoo's next posts are lost
        await odoo["res.partner"].create([{"name": "Created while down", "ref": "ECOM-43"},
                                          {"name": "Also while down", "ref": "ECOM-44"}])
        print(f"posts lost while the receiver was down: {fake.webhook_failures}")

        # back up: catch up from the last cursor handled, then the webhooks take over
        async for change in odoo["res.partner"].changes(since=cursor, fields=["name"],
                                                        domain=[("ref", "like", "ECOM-")],
                                                        settle=0):
            synced.append(f"{change.record.name} (change feed)")
            cursor = change.cursor
        print("after catching up:", synced)
        print("resume next time from", str(cursor))


if __name__ == "__main__":
    asyncio.run(main())
