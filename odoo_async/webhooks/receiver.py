"""A receiver for Odoo's outgoing webhooks ("Send Webhook Notification" server actions).

Odoo posts each event once, unsigned, and forgets it. The receiver authenticates the
post by a token its URL carries, stores the event durably, answers 200, and only then
runs the handlers, with retries and a dead-letter table: an event acknowledged is never
lost, even if the process is killed before its handlers ran (they run after the restart:
delivery to handlers is at least once).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import random
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from odoo_async.resilience.backoff import Backoff, ExponentialBackoff
from odoo_async.resilience.clock import Clock, SystemClock
from odoo_async.secret import Secret
from odoo_async.webhooks.events import WebhookEvent, parse_delivery
from odoo_async.webhooks.store import DeadLetter, EventStore, SQLiteEventStore

__all__ = ["Handler", "TokenlessAccessLogger", "WebhookReceiver"]

logger = logging.getLogger("odoo_async.webhooks")

Handler = Callable[[WebhookEvent], Awaitable[Any]]
"""``async def handler(event)``: raising makes the event retried later."""

DEFAULT_MAX_BODY: Final = 1024 * 1024


class TokenlessAccessLogger(AbstractAccessLogger):
    """aiohttp's access log without the receiver's token: the path shows its last segment
    as ``***`` when that is where the token is, and no query string. Pass it when you
    run the app: ``web.run_app(app, access_log_class=TokenlessAccessLogger)`` (aiohttp's
    default access log would write ``?token=...`` into your logs)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse,
            time: float) -> None:
        """One line: method, path without the token, status, duration."""
        path = request.path
        token = request.match_info.get("token") if isinstance(request, web.Request) else None
        if token:
            path = path[: -len(token)] + "***"
        elif response.status == 404:  # no route matched: the token may be anywhere in it
            first = path.lstrip("/").split("/", 1)[0]
            path = f"/{first}/..." if "/" in path.lstrip("/") else path
        self.logger.info("%s %s %s %.1f ms", request.method, path, response.status,
                         time * 1000)


def _being_cancelled() -> bool:
    """Whether the current task is being cancelled (Python 3.11+ can tell; on 3.10 a
    CancelledError a handler raises is taken as the dispatcher's cancellation)."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return True if cancelling is None else bool(cancelling())


def _answer(http_status: int, status: str, **extra: Any) -> web.Response:
    return web.json_response({"status": status, **extra}, status=http_status)


class WebhookReceiver:
    """Receives Odoo's outgoing webhooks, stores them, runs handlers.

    ::

        receiver = WebhookReceiver("events.sqlite3", token=os.environ["HOOK_TOKEN"])

        @receiver.on("res.partner")
        async def partner_changed(event): ...

        web.run_app(receiver.app("/odoo-hook"),     # Odoo posts to .../odoo-hook?token=...
                    access_log_class=TokenlessAccessLogger)

    Args:
        store: a path for the SQLite store, or an :class:`EventStore`.
        token: what the webhook URL carries, as ``?token=...`` or as its last path
            segment (``/odoo-hook/<token>``); compared in constant time.
        max_body_bytes: larger posts are refused (413), nothing stored.
        max_attempts: handler runs before an event becomes a dead letter.
        backoff: the delay before each retry (exponential with jitter by default, from
            1 s up to 5 min).
        dedupe_window: seconds during which the same body for the same record is a
            redelivery (stored once).
        batch: events taken at a time by the dispatcher.
        handler_timeout: seconds a handler may take on one event before it counts as a
            failure (retried later): one hung handler does not stop the others.
        clock, rng: time and randomness (for tests).

    Raises:
        ValueError: an empty or malformed token, a limit below 1, or a
            ``handler_timeout`` that is not positive.
    """

    def __init__(self, store: str | os.PathLike[str] | EventStore, *, token: str | Secret,
                 max_body_bytes: int = DEFAULT_MAX_BODY, max_attempts: int = 8,
                 backoff: Backoff | None = None, dedupe_window: float = 300.0,
                 batch: int = 100, handler_timeout: float = 300.0,
                 clock: Clock | None = None, rng: random.Random | None = None) -> None:
        for name, value in (("max_body_bytes", max_body_bytes),
                            ("max_attempts", max_attempts), ("batch", batch)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        self.store: EventStore = (SQLiteEventStore(store)
                                  if isinstance(store, (str, os.PathLike)) else store)
        self._token = token if isinstance(token, Secret) else Secret(token)
        self.max_body_bytes = max_body_bytes
        self.max_attempts = max_attempts
        self._backoff = backoff or ExponentialBackoff(base=1.0, cap=300.0)
        self.dedupe_window = float(dedupe_window)
        self._batch = batch
        if not handler_timeout > 0:
            raise ValueError(f"handler_timeout must be > 0 seconds, got {handler_timeout!r}")
        self.handler_timeout = float(handler_timeout)
        self._clock = clock or SystemClock()
        self._rng = rng or random.Random()
        self._handlers: dict[str, list[Handler]] = {}
        self._wake: asyncio.Event | None = None  # made in the loop that runs the receiver
        self._dispatching: asyncio.Lock | None = None
        self._worker: asyncio.Task[None] | None = None
        self._started = False

    def __repr__(self) -> str:
        return f"WebhookReceiver({self.store!r})"

    # -- handlers --------------------------------------------------------------------

    def on(self, model: str = "*") -> Callable[[Handler], Handler]:
        """Register an ``async def handler(event)`` for ``model``'s events (``"*"``: every
        model). Several handlers of an event run in registration order."""
        def register(handler: Handler) -> Handler:
            self._handlers.setdefault(model, []).append(handler)
            return handler
        return register

    # -- HTTP ------------------------------------------------------------------------

    def app(self, path: str = "/odoo-hook") -> web.Application:
        """An aiohttp application serving ``POST <path>?token=...`` and ``POST
        <path>/<token>``; it opens the store and runs the dispatcher while it runs.

        Raises:
            ValueError: ``path`` does not start with ``/``.
        """
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {path!r}")
        app = web.Application(client_max_size=self.max_body_bytes + 1)
        base = path.rstrip("/") or ""
        app.router.add_route("*", base or "/", self.handle)
        app.router.add_route("*", f"{base}/{{token}}", self.handle)
        app.on_startup.append(lambda _: self.start())
        app.on_cleanup.append(lambda _: self.stop())
        return app

    def _authorised(self, request: web.Request) -> bool:
        given = request.match_info.get("token") or request.query.get("token") or ""
        return hmac.compare_digest(given.encode(), self._token.reveal().encode())

    async def handle(self, request: web.Request) -> web.Response:
        """Authenticate, check and store one delivery, then answer (200 once stored)."""
        if request.method != "POST":
            return _answer(405, "error", reason="POST only")
        if not self._authorised(request):
            return _answer(401, "error", reason="missing or wrong token")
        if (request.content_length or 0) > self.max_body_bytes:
            return _answer(413, "error", reason="body too large")
        try:
            body = await request.read()  # the whole body, chunked or not, up to the limit
        except web.HTTPRequestEntityTooLarge:
            return _answer(413, "error", reason="body too large")
        if len(body) > self.max_body_bytes:
            return _answer(413, "error", reason="body too large")
        try:
            parsed, fingerprint = parse_delivery(body)
        except ValueError as error:
            return _answer(400, "error", reason=str(error))
        try:
            number = await self.store.add(parsed, fingerprint, self._clock.time(),
                                          self.dedupe_window)
        except Exception:  # not stored: Odoo must not believe it was
            logger.exception("a webhook delivery could not be stored")
            return _answer(500, "error", reason="not stored")
        if number is None:
            return _answer(200, "duplicate")
        self._wakeup().set()
        return _answer(200, "ok", event=number)

    # -- dispatching -----------------------------------------------------------------

    def _wakeup(self) -> asyncio.Event:
        if self._wake is None:
            self._wake = asyncio.Event()
        return self._wake

    async def start(self) -> None:
        """Open the store and start dispatching (what ``app()`` does on startup)."""
        if self._started:
            return
        await self.store.open()
        self._wake, self._dispatching = asyncio.Event(), asyncio.Lock()
        self._started = True
        self._worker = asyncio.ensure_future(self._dispatch_forever())

    async def stop(self) -> None:
        """Stop dispatching (the event being handled is finished first, the rest of its
        batch is not taken) and close the store. Events not handled yet stay pending for
        the next start."""
        if not self._started:
            return
        self._started = False
        self._wakeup().set()
        try:
            if self._worker is not None:
                await self._worker
        finally:
            self._worker = None
            await self.store.close()

    async def __aenter__(self) -> WebhookReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _dispatch_forever(self) -> None:
        while self._started:
            try:
                if await self.dispatch_due() or not self._started:
                    continue
                await self._wait_for_work()
            except Exception:  # never dies silently: the store may come back
                logger.exception("the webhook dispatcher failed; trying again in 1 s")
                await self._clock.sleep(1.0)

    async def _wait_for_work(self) -> None:
        wake = self._wakeup()
        wake.clear()
        due = await self.store.next_due()
        waiters: set[asyncio.Future[Any]] = {asyncio.ensure_future(wake.wait())}
        if due is not None:
            waiters.add(asyncio.ensure_future(
                self._clock.sleep(max(0.0, due - self._clock.time()))))
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def dispatch_due(self) -> int:
        """Run the handlers of the events due now (one batch); how many were taken.

        The dispatcher calls it; a test or a one-shot job may call it directly.

        Raises:
            RuntimeError: the store is not open.
        """
        if self._dispatching is None:
            self._dispatching = asyncio.Lock()
        async with self._dispatching:  # the dispatcher and a direct call never share one
            events = await self.store.due(self._clock.time(), self._batch)
            handled = 0
            for event in events:
                if self._worker is not None and not self._started:
                    break  # stopping: the rest stays pending for the next start
                await self._handle(event)
                handled += 1
            return handled

    async def _handle(self, event: WebhookEvent) -> None:
        handlers = [*self._handlers.get(event.model, ()), *self._handlers.get("*", ())]
        if not handlers:  # kept, not dropped: replay it once a handler is registered
            logger.warning("webhook event %d: no handler for %s, dead-lettered", event.id,
                           event.model)
            await self.store.dead(event.id, f"no handler for {event.model}")
            return
        try:
            for handler in handlers:
                await asyncio.wait_for(handler(event), self.handler_timeout)
        except (Exception, asyncio.CancelledError) as error:
            if isinstance(error, asyncio.CancelledError) and _being_cancelled():
                raise  # the dispatcher itself is cancelled, not the handler failing
            # the handler's failure (a timeout too): retried, then dead-lettered
            reason = f"{type(error).__name__}: {error}"
            attempt = event.attempts + 1
            if attempt >= self.max_attempts:
                logger.error("webhook event %d (%s %d) failed %d times, dead-lettered: %s",
                             event.id, event.model, event.record_id, attempt, reason)
                await self.store.dead(event.id, reason)
                return
            delay = self._backoff.delay(attempt, 0.0, self._rng.random)
            logger.warning("webhook event %d (%s %d) failed, retry %d in %.1f s: %s",
                           event.id, event.model, event.record_id, attempt, delay, reason)
            await self.store.retry_later(event.id, reason, self._clock.time() + delay)
            return
        await self.store.done(event.id)

    # -- dead letters ----------------------------------------------------------------

    async def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        """Events whose handlers failed ``max_attempts`` times, oldest first.

        Raises:
            RuntimeError: the receiver is not started.
        """
        return await self.store.dead_letters(limit)

    async def replay(self, event_id: int) -> bool:
        """Run a dead letter's handlers again (from scratch); whether it was one.

        Raises:
            RuntimeError: the receiver is not started.
        """
        replayed = await self.store.replay(event_id)
        if replayed:
            self._wakeup().set()
        return replayed
