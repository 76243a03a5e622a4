"""A pass-through fault that records the JSON body of every call the fake receives (as
it arrived on the server), so that a test can assert what the client sent."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from odoo_async.testing import FakeOdoo
from odoo_async.testing.faults import Execute


class Recorder:
    """Keeps ``(model/method, body)`` of every call it matches, then runs the call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Record the call; answer as the fake does."""
        self.calls.append((request.path.removeprefix("/json/2/"), await request.json()))
        return await execute()

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """Every body recorded, in order."""
        return [body for _, body in self.calls]

    def sent(self, name: str) -> list[dict[str, Any]]:
        """The bodies of the calls of ``name`` (``"res.partner/web_read"``), in order."""
        return [body for call, body in self.calls if call == name]

    def clear(self) -> None:
        """Forget what was recorded."""
        self.calls.clear()


def record(fake: FakeOdoo, match: str | None = None) -> Recorder:
    """Record every call ``fake`` receives from now on (those named ``match`` only)."""
    recorder = Recorder()
    fake.faults.always(recorder, match=match)
    return recorder
