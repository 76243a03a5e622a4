"""Webhooks against a real Odoo 19 (skipped unless ODOO_URL is set): the kit's incoming
rule (upsert a partner by ref) and its outgoing rule (new partners whose ref starts with
WH- are posted to http://127.0.0.1:8765/odoo-hook?token=kit-hook-token)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from odoo_async import Client
from odoo_async.webhooks import (
    IncomingWebhook,
    WebhookEvent,
    WebhookNotFoundError,
    WebhookReceiver,
    WebhookRuleError,
)
from tests.real_server import DATABASE, URL, api_key, needs_real_server, unique_prefix

pytestmark = needs_real_server


def _hook_url() -> str:
    path = os.environ.get("ODOO_WEBHOOK_URL_FILE")
    if not path:
        pytest.skip("set ODOO_WEBHOOK_URL_FILE to the kit's incoming webhook URL file")
    return Path(path).read_text().strip()


@pytest.fixture
async def odoo() -> AsyncIterator[Client]:
    assert URL is not None
    async with Client(URL, api_key(), DATABASE) as client:
        yield client


async def _cleanup(odoo: Client, ref_prefix: str) -> None:
    ids = await odoo.call("res.partner", "search", domain=[("ref", "=like", f"{ref_prefix}%")],
                          context={"active_test": False})
    if ids:
        await odoo.call("res.partner", "unlink", ids=ids)


async def test_send_to_the_kits_incoming_webhook(odoo: Client) -> None:
    prefix = unique_prefix()
    url = _hook_url()
    try:
        async with IncomingWebhook(url) as hook:
            await hook.send({"ref": f"{prefix}1", "name": "Hooked In", "email": "in@x.com"})
            await hook.send({"ref": f"{prefix}1", "name": "Hooked Again"})  # upserts
            with pytest.raises(WebhookRuleError):
                await hook.send({"name": "no ref"})  # the rule raises without a ref
        found = await odoo.call("res.partner", "search_read", domain=[("ref", "=", f"{prefix}1")],
                                fields=["name"])
        assert [row["name"] for row in found] == ["Hooked Again"]
        wrong = url.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
        async with IncomingWebhook(wrong) as missing:
            with pytest.raises(WebhookNotFoundError):
                await missing.send({"ref": "X"})
    finally:
        await _cleanup(odoo, prefix)


class KitTarget:
    """The partner events a receiver gets from the kit's outgoing rule."""

    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []
        self.arrived = asyncio.Event()

    async def first(self) -> WebhookEvent:
        """The one event received (the kit posts within seconds)."""
        await asyncio.wait_for(self.arrived.wait(), 30)
        [event] = self.events
        return event


@pytest.fixture
async def kit_target(tmp_path: Path) -> AsyncIterator[KitTarget]:
    """A receiver where the kit's outgoing rule posts (127.0.0.1:8765/odoo-hook)."""
    receiver = WebhookReceiver(tmp_path / "events.sqlite3", token="kit-hook-token")
    target = KitTarget()

    @receiver.on("res.partner")
    async def partner_created(event: WebhookEvent) -> None:
        target.events.append(event)
        target.arrived.set()

    runner = web.AppRunner(receiver.app("/odoo-hook"))
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 8765).start()
    except OSError:
        await runner.cleanup()
        pytest.skip("port 8765 (the kit's webhook target) is busy")
    try:
        yield target
    finally:
        await runner.cleanup()


async def test_the_kits_outgoing_webhook_reaches_the_receiver(
        odoo: Client, kit_target: KitTarget) -> None:
    ref = f"WH-{unique_prefix()}"
    try:
        partner = await odoo["res.partner"].create({"name": "Posted Out", "ref": ref})
        event = await kit_target.first()
        assert (event.model, event.record_id) == ("res.partner", partner.id)
        assert event.values["ref"] == ref
        assert event.values["name"] == "Posted Out"
    finally:
        await _cleanup(odoo, ref)


async def test_a_partner_the_incoming_rule_creates_triggers_the_outgoing_rule(
        odoo: Client, kit_target: KitTarget) -> None:
    """Records made by an incoming webhook's rule go through create() like any other."""
    ref = f"WH-{unique_prefix()}"
    try:
        async with IncomingWebhook(_hook_url()) as hook:
            await hook.send({"ref": ref, "name": "Chained In"})
        event = await kit_target.first()
        assert (event.model, event.values["ref"], event.values["name"]) == (
            "res.partner", ref, "Chained In")
    finally:
        await _cleanup(odoo, ref)
