"""The change feed: every record created or written after a cursor, resumable, with no
record skipped or repeated where many share one write_date second."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from odoo_async import ChangeCursor, Client
from odoo_async.resilience.clock import ManualClock
from odoo_async.testing import FakeOdoo
from tests.support.feeds import set_write_dates, until


def _stamp(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")




async def test_the_feed_crosses_page_boundaries_inside_one_second(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        created = await odoo["res.partner"].create([{"name": f"Feed {n}"} for n in range(30)])
        ids = created.ids
        # 25 records written in the same second, then 5 one second later, in shuffled ids
        stamps = dict.fromkeys(ids[5:], "2026-01-01 00:00:00")
        stamps.update(dict.fromkeys(ids[:5], "2026-01-01 00:00:01"))
        set_write_dates(fake_odoo, stamps)
        expected = sorted(ids, key=lambda rid: (stamps[rid], rid))

        feed = odoo["res.partner"].changes(fields=["name"], domain=[("id", "in", ids)],
                                           page_size=7)
        seen = [(change.id, change.record.name) async for change in feed]
        assert [rid for rid, _ in seen] == expected  # each once, in order
        assert dict(seen)[ids[0]] == "Feed 0"  # the fields asked for, read on the way

        # resuming from a saved cursor (its text form) goes on exactly after it
        middle = ChangeCursor(stamps[expected[11]], expected[11])
        rest = [change.id async for change in odoo["res.partner"].changes(
            since=str(middle), domain=[("id", "in", ids)], page_size=4)]
        assert rest == expected[12:]
        changed = [c async for c in odoo["res.partner"].changes(domain=[("id", "in", ids)])]
        assert changed[0].write_date == dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
        assert str(changed[-1].cursor) == f"2026-01-01 00:00:01|{expected[-1]}"


async def test_archived_records_are_changes_too(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partner = await odoo["res.partner"].create({"name": "Archived soon"})
        await partner.action_archive()
        found = [c.id async for c in odoo["res.partner"].changes(
            domain=[("id", "=", partner.id)], settle=0)]  # written just now
        assert found == [partner.id]


async def test_polling_waits_on_the_clock_then_sees_new_writes(fake_odoo: FakeOdoo) -> None:
    clock = ManualClock(wall_start=dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc).timestamp())
    async with Client(fake_odoo.url, fake_odoo.api_key, clock=clock) as odoo:
        first = await odoo["res.partner"].create({"name": "Before"})
        set_write_dates(fake_odoo, {first.id: "2029-12-31 23:59:00"})
        feed = odoo["res.partner"].changes(
            since=ChangeCursor("2029-12-31 00:00:00", 1), poll_interval=30, settle=10,
            fields=["name"]).__aiter__()
        assert (await feed.__anext__()).id == first.id
        waiting = asyncio.ensure_future(feed.__anext__())
        await until(lambda: clock.sleeping > 0)  # caught up: it sleeps on the clock
        second = await odoo["res.partner"].create({"name": "After"})
        # 5 s old at the next poll: held back by settle=10 until the one after
        set_write_dates(fake_odoo, {second.id: _stamp(clock.time() + 30 - 5)})
        await clock.advance(30)
        await until(lambda: clock.sleeping > 0 or waiting.done())
        assert not waiting.done()  # polled once: still inside the settle window
        await clock.advance(30)
        change = await waiting
        assert (change.id, change.record.name) == (second.id, "After")
        await feed.aclose()


async def test_bad_arguments_are_refused_before_any_call(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        Partner = odoo["res.partner"]
        with pytest.raises(ValueError, match="not a change cursor"):
            _ = [c async for c in Partner.changes(since="yesterday")]
        with pytest.raises(ValueError, match="page_size"):
            _ = [c async for c in Partner.changes(page_size=0)]
        with pytest.raises(ValueError, match="poll_interval"):
            _ = [c async for c in Partner.changes(poll_interval=0)]
        with pytest.raises(ValueError, match="did you mean 'email'"):
            _ = [c async for c in Partner.changes(fields=["emial"])]
