"""Sending to Odoo's incoming webhooks (``/web/hook/<secret>``, automation rules with the
trigger "On webhook")."""

from __future__ import annotations

import random
import ssl as ssl_module
from collections.abc import Mapping
from typing import Any, Final, Literal

import aiohttp
from yarl import URL

from odoo_async import _json
from odoo_async.config import ConnectionLimits, Timeout
from odoo_async.errors import ConnectError, ProtocolError
from odoo_async.resilience.backoff import Backoff, ExponentialBackoff
from odoo_async.resilience.clock import Clock, SystemClock
from odoo_async.secret import Secret
from odoo_async.transport.http import HttpAnswer, HttpSession
from odoo_async.values import to_wire
from odoo_async.webhooks.errors import WebhookError, WebhookNotFoundError, WebhookRuleError

__all__ = ["IncomingWebhook"]

_JSON: Final = "application/json"


def _check(url: Secret) -> tuple[str, bool]:
    """The URL as it may be shown, and whether it is a webhook URL; nothing of the secret
    is left in a local once it returns."""
    parsed = URL(url.reveal())
    parts = parsed.path.rstrip("/").split("/")
    valid = (parsed.scheme in ("http", "https") and bool(parsed.host) and len(parts) >= 4
             and parts[-3:-1] == ["web", "hook"] and bool(parts[-1]))
    return _redacted(parsed), valid


def _redacted(url: URL) -> str:
    """The URL with its last path segment (the secret) hidden."""
    path = url.path.rsplit("/", 1)[0] + "/***"
    return str(url.with_path(path).with_query(None))


class IncomingWebhook:
    """An incoming webhook of Odoo, by its full URL (``https://odoo.example.com/web/hook/
    <secret>``), which is a secret as a whole: its last path segment never appears in a
    log, a repr or an exception.

    ::

        hook = IncomingWebhook(os.environ["ODOO_ORDER_HOOK"])
        await hook.send({"ref": "ECOM-42", "name": "Jane"})

    Raises:
        ValueError: not an http(s) URL ending in ``/web/hook/<secret>``.
    """

    def __init__(self, url: str | Secret, *, timeout: Timeout | float | None = None,
                 attempts: int = 3, ssl: bool | ssl_module.SSLContext = True,
                 session: aiohttp.ClientSession | None = None,
                 clock: Clock | None = None, backoff: Backoff | None = None,
                 rng: random.Random | None = None) -> None:
        self._shown = "(not set)"
        url = url if isinstance(url, Secret) else Secret(url)  # rebound: no plain local
        shown, valid = _check(url)
        if not valid:
            raise ValueError("an incoming webhook URL looks like https://odoo.example.com/"
                             f"web/hook/<secret>, got {shown!r}")
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise ValueError(f"attempts must be an int >= 1, got {attempts!r}")
        self._url = url
        self._shown = shown
        self._attempts = attempts
        self._clock = clock or SystemClock()
        self._backoff = backoff or ExponentialBackoff()
        self._rng = rng or random.Random()
        total = timeout if isinstance(timeout, Timeout) else Timeout(
            total=float(timeout) if timeout is not None else 30.0)
        # a new connection per request: aiohttp re-sends an idempotent GET by itself when
        # a reused connection drops, which could run the rule twice
        self._http = HttpSession(timeout=total, limits=ConnectionLimits(force_close=True),
                                 ssl=ssl, session=session, resend_idempotent=False)

    def __repr__(self) -> str:
        return f"IncomingWebhook({self._shown!r})"

    async def send(self, payload: Mapping[str, Any] | None = None, *,
                   method: Literal["POST", "GET"] = "POST") -> None:
        """Trigger the rule with ``payload``: POSTed as a JSON object with the JSON content
        type (Odoo drops a JSON body sent without it), or with ``method="GET"`` as a query
        string (values become strings). Retried only when the request provably never left
        (connection refused): the rule may not be idempotent.

        Raises:
            WebhookNotFoundError: 404, no rule has this secret.
            WebhookRuleError: 500, the rule's code raised.
            WebhookError: any other error status.
            ProtocolError: a success that is not Odoo's ``{"status": "ok"}``.
            TypeError, ValueError: a payload that cannot be sent as JSON.
            odoo_async.errors.TransportError: no complete answer (it may have run).
        """
        body = dict(payload or {})
        wire: dict[str, Any] = to_wire(body, where="payload")
        for attempt in range(1, self._attempts + 1):
            try:
                answer = await self._request(wire, method)
            except ConnectError:
                if attempt == self._attempts:
                    raise
                await self._clock.sleep(self._backoff.delay(attempt, 0.0, self._rng.random))
                continue
            self._check(answer)
            return

    async def _request(self, wire: dict[str, Any], method: str) -> HttpAnswer:
        if method == "GET":
            query = {k: v if isinstance(v, str) else _json.dumps(v).decode()
                     for k, v in wire.items()}
            target = Secret(str(URL(self._url.reveal()).update_query(query)))
            return await self._http.request("GET", target, headers={"Accept": _JSON})
        if method != "POST":
            raise ValueError(f"method must be 'POST' or 'GET', got {method!r}")
        return await self._http.request(
            "POST", self._url, headers={"Content-Type": _JSON, "Accept": _JSON},
            body=_json.dumps(wire))

    def _check(self, answer: HttpAnswer) -> None:
        status = _status(answer)
        if answer.status == 404 and status == "error":
            raise WebhookNotFoundError(f"no automation rule answers the webhook "
                                       f"{self._shown} (a wrong or rotated URL?)", status=404)
        if answer.status == 500 and status == "error":
            raise WebhookRuleError(f"the automation rule behind {self._shown} raised (see "
                                   "the Odoo server log); its changes were rolled back",
                                   status=500)
        if answer.status >= 400:
            raise WebhookError(f"the webhook {self._shown} answered HTTP {answer.status}",
                               status=answer.status)
        if status != "ok":
            raise ProtocolError(f"the webhook {self._shown} answered HTTP {answer.status} "
                                "without Odoo's {\"status\": \"ok\"}", status=answer.status)

    async def aclose(self) -> None:
        """Close the connections (unless the session was given). Idempotent."""
        await self._http.aclose()

    async def __aenter__(self) -> IncomingWebhook:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _status(answer: HttpAnswer) -> str | None:
    if answer.media_type != _JSON:
        return None
    try:
        parsed = _json.loads(answer.body)
    except ValueError:
        return None
    status = parsed.get("status") if isinstance(parsed, dict) else None
    return status if isinstance(status, str) else None

