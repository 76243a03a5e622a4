"""Webhooks of the fake server: incoming ones (``/web/hook/<secret>``, Odoo's "Execute
Code" automation) and outgoing ones (the "Send Webhook Notification" server action)."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import aiohttp
import attrs
from aiohttp import web
from yarl import URL

from odoo_async.testing.fake.orm import Env

if TYPE_CHECKING:
    from odoo_async.testing.fake.store import Database

__all__ = ["OutgoingWebhook", "WebhookHandler", "Webhooks"]

logger = logging.getLogger("odoo_async.testing")

WebhookHandler = Callable[[Env, dict[str, Any]], Any]
"""An incoming webhook's code: ``handler(env, payload)``, run as the superuser."""


@attrs.frozen
class OutgoingWebhook:
    """A "Send Webhook Notification" server action: POST records of ``model`` to ``url``
    after ``create`` or ``write`` (``on``), with ``fields`` in the body."""

    id: int
    model: str
    url: str
    fields: tuple[str, ...] = ()
    on: frozenset[str] = frozenset({"create", "write"})
    name: str = "Send Webhook Notification"
    timeout: float = 10.0


class Webhooks:
    """The webhooks of one fake server, both ways."""

    def __init__(self) -> None:
        self.incoming: dict[str, WebhookHandler] = {}
        self.outgoing: list[OutgoingWebhook] = []
        self.failures = 0
        """Outgoing notifications that failed (lost, as Odoo loses them)."""
        self._session: aiohttp.ClientSession | None = None

    def add_incoming(self, handler: WebhookHandler, secret: str | None = None) -> str:
        """Serve ``/web/hook/<secret>`` with ``handler``; returns the URL path."""
        secret = secret or secrets.token_hex(16)
        self.incoming[secret] = handler
        return f"/web/hook/{secret}"

    def add_outgoing(self, model: str, url: str, fields: Sequence[str], on: Sequence[str],
                     name: str, timeout: float) -> OutgoingWebhook:
        """Notify ``url`` of ``model``'s records after the calls named in ``on``."""
        hook = OutgoingWebhook(len(self.outgoing) + 1, model, url, tuple(fields),
                               frozenset(on), name, timeout)
        self.outgoing.append(hook)
        return hook

    async def notify(self, env: Env, model: str, method: str, ids: list[int],
                     result: Any) -> None:
        """Send the outgoing webhooks a successful call triggers, one POST per record,
        the call waiting for each (as Odoo's server action does)."""
        hooks = [h for h in self.outgoing if h.model == model and method in h.on]
        if not hooks:
            return
        touched = result if method == "create" and isinstance(result, list) else ids
        for hook in hooks:
            for row in env.read(model, touched, list(hook.fields) or ["display_name"]):
                body = {"_action": f"{hook.name}(#{hook.id})", "_id": row["id"],
                        "_model": model, **row}
                await self._post(hook, body)

    async def _post(self, hook: OutgoingWebhook, body: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(
                hook.url, data=json.dumps(body), timeout=aiohttp.ClientTimeout(hook.timeout),
                headers={"Content-Type": "application/json",
                         "User-Agent": "python-requests/2.31.0"},
            ) as response:
                await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            self.failures += 1
            shown = URL(hook.url).with_query(None)  # a token in the URL stays out of logs
            logger.warning("outgoing webhook to %s failed (%s); the event is lost, as in Odoo",
                           shown.with_path(shown.path.rsplit("/", 1)[0] + "/..."),
                           type(exc).__name__)

    async def receive(self, request: web.Request, db: Database, env: Env
                      ) -> tuple[int, dict[str, str]]:
        """Run the incoming webhook ``request`` names; the status and body to answer."""
        handler = self.incoming.get(request.path[len("/web/hook/"):])
        if handler is None:
            return 404, {"status": "error"}
        payload: dict[str, Any] = {}
        if request.method == "GET":
            payload = dict(request.query)
        elif request.content_type == "application/json":
            try:
                parsed = json.loads(await request.read() or b"{}")
            except ValueError:
                parsed = {}
            payload = parsed if isinstance(parsed, dict) else {}
        try:
            async with db.writer:  # its own transaction, even across the handler's awaits
                with db.transaction():
                    outcome = handler(env, payload)
                    if inspect.isawaitable(outcome):
                        await outcome
        except Exception:
            logger.exception("incoming webhook handler failed")
            return 500, {"status": "error"}
        for method, model, ids in env.changes:  # the rule's records trigger rules too
            await self.notify(env, model, method, ids, ids)
        return 200, {"status": "ok"}

    async def close(self) -> None:
        """Close the connections used to notify."""
        if self._session is not None:
            await self._session.close()
            self._session = None
