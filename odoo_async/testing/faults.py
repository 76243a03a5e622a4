"""Fault injection for aiohttp servers that stand in for Odoo.

A :class:`FaultPlan` is an aiohttp middleware: put it in front of any handler (the fake
Odoo server uses one) and it makes chosen requests fail the way real deployments fail:
connections reset before or after Odoo ran the call, a proxy's 429/502/503/504, the HTML
500 of a full database pool, truncated or invalid JSON, answers that never come. It counts
what the server received and what it actually executed, so a test can prove that a
``create`` ran at most once.

::

    plan = FaultPlan()
    plan.queue(ResetAfterExecute(), match="res.partner/create")   # the next create only
    plan.always(Status(503), probability=0.1, rng=random.Random(7).random)
    app = web.Application(middlewares=[plan.middleware])
"""

from __future__ import annotations

import asyncio
import collections
import random
from collections.abc import Awaitable, Callable
from typing import Protocol

import attrs
from aiohttp import web

__all__ = [
    "Fault",
    "FaultPlan",
    "Hang",
    "HangAfterExecute",
    "InvalidJson",
    "Latency",
    "PoolFull",
    "ProxyPage",
    "ResetAfterExecute",
    "ResetBeforeBody",
    "Status",
    "StatusAfterExecute",
    "TruncatedJson",
    "werkzeug_page",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Execute = Callable[[], Awaitable[web.StreamResponse]]

_PAGES = {
    404: ("Not Found", "The requested URL was not found on the server. If you entered the "
          "URL manually please check your spelling and try again."),
    405: ("Method Not Allowed", "The method is not allowed for the requested URL."),
    415: ("Unsupported Media Type",
          "The server does not support the media type transmitted in the request."),
    500: ("Internal Server Error", "The server encountered an internal error and was unable "
          "to complete your request. Either the server is overloaded or there is an error "
          "in the application."),
    502: ("Bad Gateway", "The proxy server received an invalid response from an upstream "
          "server."),
    503: ("Service Unavailable", "The server is temporarily unable to service your request "
          "due to maintenance downtime or capacity problems. Please try again later."),
    504: ("Gateway Timeout", "The connection to an upstream server timed out."),
    429: ("Too Many Requests", "This user has exceeded an allotted request count. Try "
          "again later."),
}


def werkzeug_page(status: int) -> str:
    """An HTML error page in Werkzeug's layout (the one Odoo's server sends)."""
    title, text = _PAGES.get(status, ("Error", "An error occurred."))
    return (f"<!doctype html>\n<html lang=en>\n<title>{status} {title}</title>\n"
            f"<h1>{title}</h1>\n<p>{text}</p>\n")


def _html(status: int, headers: dict[str, str] | None = None) -> web.Response:
    response = web.Response(status=status, text=werkzeug_page(status), content_type="text/html",
                            charset="utf-8", headers=headers)
    response.force_close()
    return response


def _abort(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.close()


class Fault(Protocol):
    """One way of failing a request. ``execute`` runs the real handler (and counts it)."""

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Answer ``request``, running ``execute`` or not."""
        ...


@attrs.frozen
class ResetBeforeBody:
    """Close the connection before reading the request: nothing ran."""

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Abort the connection at once."""
        _abort(request)
        return web.Response()


@attrs.frozen
class ResetAfterExecute:
    """Run the call, then close the connection without answering: it ran, the client
    cannot know."""

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Execute, then abort the connection."""
        await execute()
        _abort(request)
        return web.Response()


@attrs.frozen
class Status:
    """Answer ``status`` without running the call: a proxy's error page (HTML), with an
    optional ``Retry-After``."""

    status: int
    retry_after: str | None = None

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Answer the error page."""
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else None
        return _html(self.status, headers)


@attrs.frozen
class StatusAfterExecute:
    """Run the call (it commits), then answer ``status`` as an error page: a proxy that
    forwarded the call and lost the answer (Envoy's 503 "upstream reset before headers"),
    or a lying server. ``page="werkzeug"`` sends Werkzeug's page, ``"proxy"`` an nginx-like
    one."""

    status: int
    retry_after: str | None = None
    page: str = "proxy"

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Execute, then answer the error page."""
        await execute()
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else None
        if self.page == "werkzeug":
            return _html(self.status, headers)
        return _proxy_html(self.status, headers)


@attrs.frozen
class ProxyPage:
    """Answer ``status`` with a reverse proxy's HTML page (nginx's layout), without
    running the call."""

    status: int

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Answer the proxy's page."""
        return _proxy_html(self.status)


def _proxy_html(status: int, headers: dict[str, str] | None = None) -> web.Response:
    title = f"{status} {_PAGES.get(status, ('Error', ''))[0]}"
    return web.Response(
        status=status, content_type="text/html", charset="utf-8", headers=headers,
        text=(f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>"
              f"{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"),
    )


@attrs.frozen
class PoolFull:
    """Odoo's database pool is full: Werkzeug's HTML 500, nothing ran."""

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Answer the HTML 500."""
        return _html(500)


@attrs.frozen
class TruncatedJson:
    """Run the call, then send half of the answer and close: a cut-off body."""

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Execute, then send a truncated body."""
        answer = await execute()
        body = answer.body if isinstance(answer, web.Response) else b""
        payload = bytes(body) if isinstance(body, (bytes, bytearray)) else b"[]"
        response = web.StreamResponse(status=200, headers={
            "Content-Type": "application/json; charset=utf-8",
            "Content-Length": str(len(payload) + 10),
        })
        await response.prepare(request)
        await response.write(payload[: max(1, len(payload) // 2)])
        _abort(request)
        return response


@attrs.frozen
class InvalidJson:
    """Run the call, then answer a complete 200 whose JSON is broken."""

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Execute, then answer invalid JSON."""
        await execute()
        return web.Response(body=b'{"broken": ', content_type="application/json")


@attrs.frozen
class HangAfterExecute:
    """Run the call, then never answer (the client times out)."""

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Execute, then wait until the client goes away."""
        await execute()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover


@attrs.frozen
class Hang:
    """Never answer, without running the call."""

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Wait until the client goes away."""
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover


@attrs.frozen
class Latency:
    """Answer normally after ``seconds`` of real delay (for demos and load tests)."""

    seconds: float

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Sleep, then execute."""
        await asyncio.sleep(self.seconds)
        return await execute()


def _call_name(request: web.Request) -> str:
    parts = request.path.strip("/").split("/")
    if len(parts) == 4 and parts[:2] == ["json", "2"]:
        return f"{parts[2]}/{parts[3]}"
    return request.path


def _matches(pattern: str | None, name: str) -> bool:
    if pattern is None:
        return True
    return name == pattern or name.endswith("/" + pattern)


@attrs.define
class _Rule:
    fault: Fault
    match: str | None
    probability: float
    rng: Callable[[], float]


class FaultPlan:
    """Which requests fail and how, plus counters of what was received and executed.

    Calls are named ``"model/method"`` (other paths by their path); ``match`` takes a
    full name or just a method name.
    """

    def __init__(self) -> None:
        self._queued: collections.deque[tuple[Fault, str | None]] = collections.deque()
        self._rules: list[_Rule] = []
        self.received: collections.Counter[str] = collections.Counter()
        self.executed: collections.Counter[str] = collections.Counter()
        self.faults_applied: collections.Counter[str] = collections.Counter()

    def queue(self, *faults: Fault, match: str | None = None) -> None:
        """Fail the next matching requests with ``faults``, one each, in order."""
        self._queued.extend((fault, match) for fault in faults)

    def always(self, fault: Fault, *, match: str | None = None, probability: float = 1.0,
               rng: Callable[[], float] | None = None) -> None:
        """Fail matching requests with ``fault`` with the given probability.

        Raises:
            ValueError: ``probability`` is not within [0, 1].
        """
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be within [0, 1], got {probability!r}")
        self._rules.append(_Rule(fault, match, probability, rng or random.random))

    def clear(self) -> None:
        """Remove every queued fault and rule (counters are kept)."""
        self._queued.clear()
        self._rules.clear()

    def _pick(self, name: str) -> Fault | None:
        for index, (fault, pattern) in enumerate(self._queued):
            if _matches(pattern, name):
                del self._queued[index]
                return fault
        for rule in self._rules:
            if _matches(rule.match, name) and rule.rng() < rule.probability:
                return rule.fault
        return None

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The aiohttp middleware applying the plan."""
        name = _call_name(request)
        self.received[name] += 1
        fault = self._pick(name)

        async def execute() -> web.StreamResponse:
            response = await handler(request)
            self.executed[name] += 1
            return response

        if fault is None:
            return await execute()
        self.faults_applied[type(fault).__name__] += 1
        return await fault.apply(request, execute)

    def __repr__(self) -> str:
        return f"FaultPlan(queued={len(self._queued)}, rules={len(self._rules)})"
