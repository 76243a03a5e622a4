"""Webhooks both ways, end to end: the sender against the fake's incoming webhooks, the
receiver fed by the fake's outgoing webhooks and by hand-made posts, a crash between the
acknowledgment and the handler, redeliveries, bad requests, retries and dead letters."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from odoo_async import Client
from odoo_async.errors import ConnectError
from odoo_async.resilience.backoff import ConstantBackoff
from odoo_async.resilience.clock import ManualClock
from odoo_async.testing import Env, FakeOdoo
from odoo_async.webhooks import (
    IncomingWebhook,
    WebhookEvent,
    WebhookNotFoundError,
    WebhookReceiver,
    WebhookRuleError,
)
from tests.support.local import serving
from tests.support.tracebacks import shown

TOKEN = "receiver-token-0123456789"
SECRET = "6f1c3b0e-7d7a-4a44-9d55-0b9f3c2f8e11"


# -- sending to Odoo's incoming webhooks ---------------------------------------------


async def test_send_posts_json_and_maps_odoo_answers(fake_odoo: FakeOdoo,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    received: list[dict[str, Any]] = []

    def upsert_partner(env: Env, payload: dict[str, Any]) -> None:
        if "ref" not in payload:
            raise ValueError("no ref")
        received.append(payload)

    path = fake_odoo.add_incoming_webhook(upsert_partner, secret=SECRET)
    caplog.set_level(logging.DEBUG)
    async with IncomingWebhook(fake_odoo.url + path) as hook:
        await hook.send({"ref": "ECOM-42", "name": "Jane", "qty": 2})
        await hook.send({"ref": "ECOM-43", "n": 3}, method="GET")
        assert received == [{"ref": "ECOM-42", "name": "Jane", "qty": 2},
                            {"ref": "ECOM-43", "n": "3"}]  # a query string carries text
        with pytest.raises(WebhookRuleError, match="raised") as rule:
            await hook.send({"name": "no ref"})
        assert rule.value.status == 500
        assert SECRET not in repr(hook)
        assert "/web/hook/***" in repr(hook)
    async with IncomingWebhook(fake_odoo.url + "/web/hook/" + "0" * 36) as wrong:
        with pytest.raises(WebhookNotFoundError, match="wrong or rotated") as missing:
            await wrong.send({"ref": "X"})
    for error in (rule.value, missing.value):
        assert SECRET not in shown(error)
    assert SECRET not in caplog.text


async def test_send_retries_only_what_never_left() -> None:
    clock = ManualClock(autojump=True)
    # nothing listens on port 9 of localhost: the connection is refused, nothing ran
    hook = IncomingWebhook(f"http://127.0.0.1:9/web/hook/{SECRET}", attempts=3,
                           clock=clock, backoff=ConstantBackoff(0.5))
    with pytest.raises(ConnectError) as refused:
        await hook.send({"ref": "X"})
    await hook.aclose()
    assert clock.sleeps == [0.5, 0.5]  # three attempts
    assert SECRET not in shown(refused.value)


async def test_a_webhook_that_may_have_run_is_not_sent_again() -> None:
    hits = 0

    async def broken(request: web.Request) -> web.Response:
        nonlocal hits
        hits += 1
        return web.Response(status=502, text="bad gateway")

    app = web.Application()
    app.router.add_post("/web/hook/{secret}", broken)
    async with serving(app) as url, IncomingWebhook(
            f"{url}/web/hook/{SECRET}", clock=ManualClock(autojump=True)) as hook:
        with pytest.raises(Exception, match="HTTP 502"):
            await hook.send({"ref": "X"})
    assert hits == 1


def test_a_malformed_webhook_url_is_refused_without_showing_it() -> None:
    with pytest.raises(ValueError, match="web/hook/<secret>") as refused:
        IncomingWebhook(f"https://odoo.example.com/api/{SECRET}")
    assert SECRET not in str(refused.value)


# -- receiving Odoo's outgoing webhooks ----------------------------------------------


class Running:
    """A receiver served on a free local port."""

    def __init__(self, receiver: WebhookReceiver, url: str) -> None:
        self.receiver = receiver
        self.base = f"{url}/odoo-hook"

    @property
    def url(self) -> str:
        return f"{self.base}?token={TOKEN}"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Running]:
    receiver = WebhookReceiver(tmp_path / "events.sqlite3", token=TOKEN)
    async with serving(receiver.app("/odoo-hook")) as url:
        yield Running(receiver, url)


def _delivery(record_id: int, **values: Any) -> dict[str, Any]:
    return {"_action": "Send Webhook Notification(#1)", "_id": record_id,
            "_model": "res.partner", "id": record_id, **values}


async def test_the_fakes_outgoing_webhooks_reach_the_receiver(fake_odoo: FakeOdoo,
                                                              served: Running) -> None:
    seen: list[WebhookEvent] = []
    arrived = asyncio.Event()

    @served.receiver.on("res.partner")
    async def partner_changed(event: WebhookEvent) -> None:
        seen.append(event)
        arrived.set()

    fake_odoo.add_outgoing_webhook("res.partner", served.url, fields=["name", "ref"],
                                   on=["create"])
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partner = await odoo["res.partner"].create({"name": "Hooked", "ref": "WH-1"})
    await asyncio.wait_for(arrived.wait(), 10)
    [event] = seen
    assert (event.model, event.record_id) == ("res.partner", partner.id)
    assert event.values == {"id": partner.id, "name": "Hooked", "ref": "WH-1"}
    assert event.action.startswith("Send Webhook Notification")
    assert fake_odoo.webhook_failures == 0


async def test_a_redelivery_is_stored_and_handled_once(served: Running) -> None:
    handled: list[int] = []

    @served.receiver.on("*")
    async def any_model(event: WebhookEvent) -> None:
        handled.append(event.id)

    async with aiohttp.ClientSession() as session:
        answers = []
        for body in (_delivery(7, name="A"), _delivery(7, name="A"), _delivery(7, name="B"),
                     _delivery(7, name="A")):  # A, A again (a redelivery), B, back to A
            async with session.post(served.url, json=body) as response:
                answers.append((response.status, (await response.json())["status"]))
    assert answers == [(200, "ok"), (200, "duplicate"), (200, "ok"), (200, "ok")]
    while await served.receiver.dispatch_due():
        pass
    assert len(handled) == 3
    assert (await served.receiver.store.counts())["done"] == 3


@pytest.mark.parametrize(("where", "body", "status", "reason"), [
    ("?token=wrong", _delivery(1), 401, "token"),
    ("", _delivery(1), 401, "token"),
    ("/wrong-token", _delivery(1), 401, "token"),
    (f"?token={TOKEN}", b"not json", 400, "not JSON"),
    (f"?token={TOKEN}", [1, 2], 400, "not a JSON object"),
    (f"?token={TOKEN}", {"_id": 1}, 400, "_model"),
    (f"?token={TOKEN}", {"_model": "res.partner", "_id": "1"}, 400, "_id"),
    (f"?token={TOKEN}", {"_model": "res.partner", "_id": 1, "x": "y" * 2_000_000}, 413,
     "too large"),
])
async def test_bad_requests_get_4xx_and_store_nothing(served: Running, where: str, body: Any,
                                                      status: int, reason: str) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with aiohttp.ClientSession() as session, session.post(
            served.base + where, data=data,
            headers={"Content-Type": "application/json"}) as response:
        assert response.status == status
        assert reason in (await response.json())["reason"]
    assert await served.receiver.store.counts() == {"pending": 0, "done": 0, "dead": 0}


async def test_the_token_may_be_the_last_path_segment(served: Running) -> None:
    async with aiohttp.ClientSession() as session, session.post(
            f"{served.base}/{TOKEN}", json=_delivery(3)) as response:
        assert (response.status, (await response.json())["status"]) == (200, "ok")


async def test_a_thousand_concurrent_deliveries_are_all_stored(served: Running) -> None:
    async with aiohttp.ClientSession() as session:
        async def post(number: int) -> int:
            async with session.post(served.url, json=_delivery(number)) as response:
                return response.status

        statuses = await asyncio.gather(*(post(n) for n in range(1, 1001)))
    assert statuses == [200] * 1000
    counts = await served.receiver.store.counts()
    assert sum(counts.values()) == 1000  # stored (no handler: dead-lettered, kept)


async def test_failing_handlers_are_retried_then_dead_lettered_and_replayed(
        tmp_path: Path) -> None:
    clock = ManualClock()
    receiver = WebhookReceiver(tmp_path / "events.sqlite3", token=TOKEN, max_attempts=3,
                               backoff=ConstantBackoff(60.0), clock=clock)
    calls: list[tuple[int, str]] = []
    failing = True

    @receiver.on("res.partner")
    async def flaky(event: WebhookEvent) -> None:
        calls.append((event.record_id, str(event.values.get("name"))))
        if failing and event.values.get("name") == "first":
            raise RuntimeError("the CRM is down")

    await receiver.store.open()
    try:
        await receiver.store.add(_delivery(5, name="first"), "f1", clock.time(), 0)
        await receiver.store.add(_delivery(5, name="second"), "f2", clock.time(), 0)
        await receiver.store.add(_delivery(6, name="other"), "f3", clock.time(), 0)
        assert await receiver.dispatch_due() == 2  # record 5's second event waits its turn
        assert calls == [(5, "first"), (6, "other")]
        assert await receiver.dispatch_due() == 0  # the retry is not due yet
        clock.tick(60)
        await receiver.dispatch_due()
        clock.tick(60)
        await receiver.dispatch_due()  # third failure: dead
        [letter] = await receiver.dead_letters()
        assert letter.event.values["name"] == "first"
        assert letter.error == "RuntimeError: the CRM is down"
        assert letter.event.attempts == 3
        assert await receiver.dispatch_due() == 1  # the record's later event goes on
        assert calls[-1] == (5, "second")
        failing = False
        assert await receiver.replay(letter.event.id)
        assert not await receiver.replay(letter.event.id)  # no longer dead
        assert await receiver.dispatch_due() == 1
        assert calls[-1] == (5, "first")
        assert await receiver.store.counts() == {"pending": 0, "done": 3, "dead": 0}
    finally:
        await receiver.store.close()


@pytest.mark.slow
async def test_nothing_acknowledged_is_lost_when_the_receiver_is_killed(
        tmp_path: Path) -> None:
    store, out = tmp_path / "events.sqlite3", tmp_path / "handled.txt"
    child = [sys.executable, str(Path(__file__).parent / "support" / "webhook_child.py")]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    process = await asyncio.create_subprocess_exec(*child, "ack", str(store),
                                                   stdout=subprocess.PIPE, env=env)
    try:
        assert process.stdout is not None
        port = int(await process.stdout.readline())
        url = f"http://127.0.0.1:{port}/odoo-hook?token=crash-test-token"
        async with aiohttp.ClientSession() as session:
            for number in range(1, 21):
                async with session.post(url, json=_delivery(number)) as response:
                    assert response.status == 200  # acknowledged: stored durably
        process.send_signal(signal.SIGKILL)  # kill -9 before any handler finished
    finally:
        await process.wait()
    drain = await asyncio.create_subprocess_exec(*child, "drain", str(store), str(out),
                                                 stdout=subprocess.PIPE, env=env)
    output, _ = await drain.communicate()
    assert drain.returncode == 0
    drained = output.decode()
    assert drained.strip() == "drained"
    handled = out.read_text().split("\n")[:-1]
    assert sorted(handled) == sorted(f"res.partner {n}" for n in range(1, 21))


async def test_the_access_log_never_shows_the_token(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    from odoo_async.webhooks import TokenlessAccessLogger

    receiver = WebhookReceiver(tmp_path / "events.sqlite3", token=TOKEN)
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    async with serving(receiver.app("/odoo-hook"),
                       access_log_class=TokenlessAccessLogger) as served_at:
        base = f"{served_at}/odoo-hook"
        async with aiohttp.ClientSession() as session:
            for url in (f"{base}?token={TOKEN}", f"{base}/{TOKEN}", f"{base}?token=wrong"):
                async with session.post(url, json=_delivery(1)) as response:
                    await response.read()
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(lines) == 3
    assert "POST /odoo-hook/*** 200" in lines[1]
    assert all(TOKEN not in line for line in lines)
    assert TOKEN not in repr(receiver)


# -- what a hostile review found ---------------------------------------------------------


async def test_large_and_chunked_deliveries_are_stored_whole(served: Running) -> None:
    big = _delivery(11, notes="x" * 900_000)  # under the 1 MiB limit, over any buffer

    async def chunks() -> AsyncIterator[bytes]:
        data = json.dumps(_delivery(12, notes="y" * 60_000)).encode()
        for start in range(0, len(data), 4096):
            yield data[start:start + 4096]

    async with aiohttp.ClientSession() as session:
        async with session.post(served.url, json=big) as response:
            assert (response.status, (await response.json())["status"]) == (200, "ok")
        async with session.post(served.url, data=chunks(),
                                headers={"Content-Type": "application/json"}) as response:
            assert (response.status, (await response.json())["status"]) == (200, "ok")
        async with session.post(served.url, data=b"[" * 50_000) as response:
            assert response.status == 400  # nested too deep: not JSON we take


async def test_one_bad_delivery_does_not_fail_the_others_committed_with_it(
        served: Running) -> None:
    bad = [b'{"_model": "res.partner", "_id": 100000000000000000000000}',
           b'{"_model": "res.\\ud800", "_id": 1}']
    async with aiohttp.ClientSession() as session:
        async def post(data: bytes) -> int:
            async with session.post(served.url, data=data) as response:
                return response.status

        statuses = await asyncio.gather(
            *(post(json.dumps(_delivery(n)).encode()) for n in range(20, 25)),
            *(post(data) for data in bad))
    assert statuses == [200] * 5 + [400, 400]
    assert sum((await served.receiver.store.counts()).values()) == 5


async def test_a_record_waiting_for_a_retry_does_not_make_the_dispatcher_spin(
        tmp_path: Path) -> None:
    from odoo_async.webhooks import SQLiteEventStore

    store = SQLiteEventStore(tmp_path / "events.sqlite3")
    await store.open()
    try:
        first = await store.add(_delivery(5, name="a"), "a", 100.0, 0)
        await store.add(_delivery(5, name="b"), "b", 100.0, 0)  # waits behind the first
        assert first is not None
        await store.retry_later(first, "down", 160.0)
        assert await store.due(100.0, 10) == []
        assert await store.next_due() == 160.0  # not "now", for the one waiting behind
    finally:
        await store.close()


async def test_two_receivers_cannot_share_a_store(tmp_path: Path) -> None:
    one = WebhookReceiver(tmp_path / "events.sqlite3", token=TOKEN)
    two = WebhookReceiver(tmp_path / "events.sqlite3", token=TOKEN)
    await one.start()
    try:
        with pytest.raises(RuntimeError, match="used by another receiver"):
            await two.start()
    finally:
        await one.stop()
    await two.start()  # free again once the first one stopped
    await two.stop()


async def test_a_hung_or_cancelling_handler_is_a_failure_not_the_end(tmp_path: Path) -> None:
    clock = ManualClock()
    receiver = WebhookReceiver(tmp_path / "events.sqlite3", token=TOKEN, clock=clock,
                               handler_timeout=0.01, backoff=ConstantBackoff(30.0))

    @receiver.on("res.partner")
    async def misbehaving(event: WebhookEvent) -> None:
        if event.record_id == 1:
            await asyncio.Event().wait()  # hangs: the timeout ends it
        raise asyncio.CancelledError()  # a cancelled future it awaited, not the dispatcher

    @receiver.on("res.country")
    async def fine(event: WebhookEvent) -> None:
        pass

    await receiver.store.open()
    try:
        await receiver.store.add(_delivery(1), "1", clock.time(), 0)
        await receiver.store.add(_delivery(2), "2", clock.time(), 0)
        await receiver.store.add({**_delivery(3), "_model": "res.country"}, "3",
                                 clock.time(), 0)
        await receiver.store.add({**_delivery(4), "_model": "crm.lead"}, "4",
                                 clock.time(), 0)
        assert await receiver.dispatch_due() == 4
        counts = await receiver.store.counts()
        assert counts == {"pending": 2, "done": 1, "dead": 1}  # crm.lead: no handler
        [kept] = await receiver.dead_letters()
        assert kept.error == "no handler for crm.lead"  # kept, to replay later
    finally:
        await receiver.store.close()


async def test_the_access_log_hides_a_token_on_an_unmatched_path(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from odoo_async.webhooks import TokenlessAccessLogger

    receiver = WebhookReceiver(tmp_path / "events.sqlite3", token=TOKEN)
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    async with serving(receiver.app("/odoo-hook"),
                       access_log_class=TokenlessAccessLogger) as url, \
            aiohttp.ClientSession() as session, \
            session.post(f"{url}/odoo-hook/{TOKEN}/x", json=_delivery(1)) as response:
        assert response.status == 404
    assert TOKEN not in caplog.text
    assert "/odoo-hook/..." in caplog.text


async def test_the_webhook_secret_stays_out_of_every_frame() -> None:
    with pytest.raises(ValueError, match="attempts") as refused:
        IncomingWebhook(f"https://odoo.example.com/web/hook/{SECRET}", attempts=0)
    assert SECRET not in shown(refused.value)


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_dropped_connection_never_sends_the_rule_twice(method: str) -> None:
    from odoo_async.errors import TransportError

    hits = 0

    async def drop(request: web.Request) -> web.Response:
        nonlocal hits
        hits += 1
        assert request.transport is not None
        request.transport.close()  # the rule ran; the answer never comes
        return web.Response()

    app = web.Application()
    app.router.add_route("*", "/web/hook/{secret}", drop)
    async with serving(app) as url, IncomingWebhook(
            f"{url}/web/hook/{SECRET}", clock=ManualClock(autojump=True)) as hook:
        with pytest.raises(TransportError):
            await hook.send({"ref": "X"}, method=method)  # type: ignore[arg-type]
    assert hits == 1  # not re-sent, by the library or by aiohttp


async def test_a_store_that_fails_to_open_keeps_no_lock(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    receiver = WebhookReceiver(path, token=TOKEN)
    with pytest.raises(Exception, match="not a database"):
        await receiver.start()
    path.unlink()
    await receiver.start()  # the failed open left nothing locked
    await receiver.stop()
