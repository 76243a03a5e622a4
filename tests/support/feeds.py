"""What the change-feed tests share: stamping records' write_date on the fake, and
letting the event loop run until a condition holds (no time passes on a test's clock)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from odoo_async.testing import FakeOdoo


def set_write_dates(fake: FakeOdoo, stamps: Mapping[int, str]) -> None:
    """Give each ``res.partner`` id its ``write_date`` (as Odoo shows it) on ``fake``."""
    table = fake.db["res.partner"]
    for record_id, stamp in stamps.items():
        table.update(record_id, {"write_date": stamp})


async def until(condition: Callable[[], bool]) -> None:
    """Let the event loop run (calls to the fake go over local sockets) until
    ``condition`` holds; no time passes on the test's clock."""
    for _ in range(100_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")
