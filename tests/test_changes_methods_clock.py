"""Contracts of the change feed's arguments and paging, of method proxies' messages and
typing-slip hints, and of the clocks.

- ``ChangeCursor.parse`` reads back exactly the saved form ``YYYY-MM-DD HH:MM:SS|id``
  (any id from 1) and refuses anything else with one message.
- ``Model.changes`` refuses a bad ``page_size`` before any call, accepts any
  ``poll_interval`` above 0, checks the domain's fields before anything is sent, asks
  each page with ``limit=page_size`` and ``active_test: false``, holds back writes newer
  than ``settle`` seconds (a write exactly ``settle`` old is in; the cut-off is UTC
  whatever the machine's zone), and stops with ``ProtocolError`` when a full page does
  not move the cursor.
- Method proxies name the use they were put to; attribute access hints the field a
  typing slip (a letter dropped or added inside the name) came from, not a word that
  differs at its first letter.
- ``SystemClock.sleep`` sleeps what it is asked (never negative); ``ManualClock`` refuses
  to go back with its exact message, wakes a sub-second sleeper at its own time, gives a
  woken task 50 event-loop turns to sleep again, and ``run_until_idle`` stops at 1e9 s.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping
from typing import Any

import pytest

from odoo_async import Change, ChangeCursor, Client
from odoo_async.errors import ProtocolError
from odoo_async.orm.methods import MethodUsedAsValueError
from odoo_async.resilience.clock import ManualClock, SystemClock
from odoo_async.testing import Call, FakeOdoo
from odoo_async.testing.fake import methods as fake_methods
from tests.support.feeds import set_write_dates, until
from tests.support.recording import record

# -- helpers ---------------------------------------------------------------------------




async def _collect_ids(feed: AsyncIterator[Change], seen: list[int], *, at_most: int
                       ) -> None:
    """Append the ids ``feed`` yields to ``seen``; stop after ``at_most``."""
    async for change in feed:
        seen.append(change.id)
        if len(seen) >= at_most:
            return





@pytest.fixture
def local_zone_9_hours_ahead() -> Iterator[None]:
    """The process's local time zone set to UTC+9 (as in Tokyo), restored afterwards."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "JST-9"
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()


# -- ChangeCursor.parse ----------------------------------------------------------------


def test_a_saved_cursor_reads_back_for_every_id_from_1() -> None:
    assert ChangeCursor.parse("2026-11-29 14:47:17|1") == ChangeCursor("2026-11-29 14:47:17", 1)
    assert ChangeCursor.parse("2026-11-29 14:47:17|2") == ChangeCursor("2026-11-29 14:47:17", 2)
    cursor = ChangeCursor("2026-11-29 14:47:17", 251613)
    assert ChangeCursor.parse(str(cursor)) == cursor


def test_anything_but_a_saved_cursor_is_refused_with_the_expected_form() -> None:
    for text in ("2026-11-29 14:47:17|0",      # ids start at 1
                 "2026-11-29 14:47:17|abc",    # not an id
                 "2026-11-29 14:47:17|",       # no id
                 "yesterday|5",                # not a write_date
                 "2026-11-29|5",               # a date without its time
                 "2026-11-29 14:47:17",        # no separator
                 "\u0662\u0660\u0662\u0666-11-29 14:47:17|5",  # digits Odoo never writes
                 "2026-11-29 14:47:17|²"):     # a digit int() refuses
        expected = f"not a change cursor: {text!r} (expected 'YYYY-MM-DD HH:MM:SS|id')"
        with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
            ChangeCursor.parse(text)


# -- Model.changes: arguments ----------------------------------------------------------


async def test_a_page_size_that_is_not_a_positive_int_is_refused_before_any_call(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        for page_size in (True, 0, 2.5):
            with pytest.raises(ValueError, match=re.escape(
                    f"page_size must be an int >= 1, got {page_size!r}")):
                _ = [c async for c in odoo["res.partner"].changes(
                    page_size=page_size)]  # type: ignore[arg-type]
    assert fake_odoo.faults.received["res.partner/web_search_read"] == 0


async def test_intervals_that_are_not_seconds_are_refused_before_any_call(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        for name, value, rule in (("poll_interval", True, "> 0 seconds or None"),
                                  ("poll_interval", "30", "> 0 seconds or None"),
                                  ("poll_interval", 0, "> 0 seconds or None"),
                                  ("settle", False, ">= 0 seconds"),
                                  ("settle", "2", ">= 0 seconds"),
                                  ("settle", -1, ">= 0 seconds")):
            options: dict[str, Any] = {name: value}
            with pytest.raises(ValueError, match=re.escape(
                    f"{name} must be {rule}, got {value!r}")):
                _ = [c async for c in odoo["res.partner"].changes(**options)]
    assert fake_odoo.faults.received["res.partner/web_search_read"] == 0


async def test_page_size_1_reads_one_record_per_call_asking_archived_ones_too(
        fake_odoo: FakeOdoo) -> None:
    recorder = record(fake_odoo, "res.partner/web_search_read")
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        created = await odoo["res.partner"].create([{"name": f"Paged {n}"} for n in range(3)])
        ids = created.ids
        set_write_dates(fake_odoo, dict.fromkeys(ids, "2026-01-01 00:00:00"))
        seen = [c.id async for c in odoo["res.partner"].changes(
            domain=[("id", "in", ids)], page_size=1, settle=0)]
    assert seen == ids
    # three full pages of one, then the empty page that ends the feed
    assert [body.get("limit") for body in recorder.bodies] == [1, 1, 1, 1]
    # false, not null: Odoo code that tests `active_test is False` must see archived rows
    assert [body["context"].get("active_test") for body in recorder.bodies] == [False] * 4


async def test_a_poll_interval_under_a_second_is_waited_on_the_clock(
        fake_odoo: FakeOdoo) -> None:
    clock = ManualClock()
    async with Client(fake_odoo.url, fake_odoo.api_key, clock=clock) as odoo:
        first = await odoo["res.partner"].create({"name": "Polled first"})
        feed = odoo["res.partner"].changes(domain=[("id", ">=", first.id)],
                                           poll_interval=0.5, settle=0)
        assert isinstance(feed, AsyncGenerator)
        assert (await feed.__anext__()).id == first.id
        waiting = asyncio.ensure_future(feed.__anext__())
        await until(lambda: clock.sleeping > 0)  # caught up
        assert clock.sleeps == [0.5]
        second = await odoo["res.partner"].create({"name": "Polled second"})
        await clock.advance(0.5)
        assert (await waiting).id == second.id
        await feed.aclose()


async def test_a_misspelt_domain_field_is_refused_before_any_page_is_asked(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo.env.preload("res.partner")
        with pytest.raises(ValueError, match="did you mean 'name'"):
            _ = [c async for c in odoo["res.partner"].changes(domain=[("nmae", "=", "x")])]
    assert fake_odoo.faults.received["res.partner/web_search_read"] == 0


# -- Model.changes: settle -------------------------------------------------------------


async def _settled_feed(fake: FakeOdoo, ages: Mapping[str, int]) -> list[str]:
    """Names of the partners a feed with ``settle=10`` yields at 2030-01-01 00:00:00 UTC,
    each partner written ``ages[name]`` seconds before."""
    now = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    clock = ManualClock(wall_start=now)
    async with Client(fake.url, fake.api_key, clock=clock) as odoo:
        created = await odoo["res.partner"].create([{"name": name} for name in ages])
        stamps = {rid: dt.datetime.fromtimestamp(now - age, dt.timezone.utc).strftime(
            "%Y-%m-%d %H:%M:%S") for rid, age in zip(created.ids, ages.values(), strict=True)}
        set_write_dates(fake, stamps)
        return [c.record.name async for c in odoo["res.partner"].changes(
            fields=["name"], domain=[("id", "in", created.ids)], settle=10)]


async def test_a_write_exactly_settle_seconds_old_is_not_held_back(
        fake_odoo: FakeOdoo) -> None:
    assert await _settled_feed(fake_odoo, {"old": 20, "just settled": 10,
                                           "too recent": 9}) == ["old", "just settled"]


async def test_the_settle_cut_off_is_utc_whatever_the_local_zone(
        fake_odoo: FakeOdoo, local_zone_9_hours_ahead: None) -> None:
    assert await _settled_feed(fake_odoo, {"old": 20, "recent": 5}) == ["old"]


# -- Model.changes: a server whose write_date does not compare as shown -----------------


def _ignore_the_cursor(fake: FakeOdoo, ids: list[int]) -> None:
    """``web_search_read`` answering ``ids`` whatever the cursor's condition, as a server
    keeping write_date below the second it shows would."""
    def same_records(call: Call, domain: Any, specification: Mapping[str, Any],
                     offset: int = 0, limit: int | None = None, order: str | None = None,
                     count_limit: int | None = None) -> dict[str, Any]:
        return fake_methods.web_search_read(call, [("id", "in", ids)], specification,
                                            offset, limit, order, count_limit)

    fake.register_method("res.partner", "web_search_read", same_records,
                         model_method=True, readonly=True)


def _stuck(ids: list[int]) -> str:
    return re.escape(f"res.partner's change feed does not move past 2026-01-01 00:00:00|"
                     f"{ids[-1]}: the server's write_date does not compare as the second "
                     "it shows")


async def test_a_full_page_that_does_not_move_the_cursor_raises_instead_of_looping(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        created = await odoo["res.partner"].create([{"name": "Stuck 1"}, {"name": "Stuck 2"}])
        ids = created.ids
        set_write_dates(fake_odoo, dict.fromkeys(ids, "2026-01-01 00:00:00"))
        _ignore_the_cursor(fake_odoo, ids)
        seen: list[int] = []
        feed = odoo["res.partner"].changes(domain=[("id", "in", ids)], page_size=2, settle=0)
        with pytest.raises(ProtocolError, match=_stuck(ids)):
            await _collect_ids(feed, seen, at_most=10)  # looping: no ProtocolError, fails
        assert seen == ids  # raised before any record is yielded a second time


async def test_a_record_answered_again_at_the_cursor_raises_instead_of_repeating(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        created = await odoo["res.partner"].create({"name": "Stuck"})
        ids = created.ids
        set_write_dates(fake_odoo, dict.fromkeys(ids, "2026-01-01 00:00:00"))
        _ignore_the_cursor(fake_odoo, ids)  # the next page is the record at the cursor
        seen: list[int] = []
        feed = odoo["res.partner"].changes(domain=[("id", "in", ids)], page_size=1, settle=0)
        with pytest.raises(ProtocolError, match=_stuck(ids)):
            await _collect_ids(feed, seen, at_most=10)
        assert seen == ids


async def test_a_poll_that_does_not_move_the_cursor_raises_instead_of_repeating(
        fake_odoo: FakeOdoo) -> None:
    clock = ManualClock()
    async with Client(fake_odoo.url, fake_odoo.api_key, clock=clock) as odoo:
        created = await odoo["res.partner"].create([{"name": "Stuck 1"}, {"name": "Stuck 2"}])
        ids = created.ids
        set_write_dates(fake_odoo, dict.fromkeys(ids, "2026-01-01 00:00:00"))
        _ignore_the_cursor(fake_odoo, ids)
        seen: list[int] = []
        feed = odoo["res.partner"].changes(domain=[("id", "in", ids)], page_size=5,
                                           settle=0, poll_interval=30)
        reading = asyncio.ensure_future(_collect_ids(feed, seen, at_most=10))
        await until(lambda: clock.sleeping > 0 or reading.done())  # the first page read
        await clock.advance(30)
        with pytest.raises(ProtocolError, match=_stuck(ids)):
            await reading
        assert seen == ids  # each delivered once, not again at every poll


# -- method proxies --------------------------------------------------------------------


async def test_a_method_used_as_a_value_says_how_it_was_used(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partner = await odoo["res.partner"].browse(9).fetch("name")
        method = partner.action_archive
        uses: list[tuple[str, Callable[[], object]]] = [
            ("a truth value", lambda: bool(method)),
            ("text", lambda: str(method)),
            ("a value to compare", lambda: method == 1),
        ]
        for use, attempt in uses:
            expected = (f"res.partner.action_archive is a method (call it with await), used "
                        f"here as {use}; res.partner has no field 'action_archive'")
            with pytest.raises(MethodUsedAsValueError) as raised:
                attempt()
            assert str(raised.value) == expected


async def test_a_letter_dropped_inside_a_field_name_hints_the_field(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partner = await odoo["res.partner"].browse(9).fetch("name")
        for slip, field in (("emal", "email"),            # the 4th letter dropped
                            ("cuntry_id", "country_id")):  # the 2nd letter dropped
            with pytest.raises(AttributeError, match=re.escape(
                    f"res.partner has no field {slip!r}; did you mean {field!r}?")):
                getattr(partner, slip)


async def test_a_name_differing_from_a_field_at_its_first_letter_stays_a_method(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partner = await odoo["res.partner"].browse(9).fetch("name")
        for name in ("mail", "xemail"):  # 'email' without or with one more first letter
            assert callable(getattr(partner, name))


# -- clocks ----------------------------------------------------------------------------


async def test_the_system_clock_sleeps_what_it_is_asked_never_negative(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[float] = []
    real_sleep = asyncio.sleep

    async def recording_sleep(delay: float, result: Any = None) -> Any:
        asked.append(delay)
        return await real_sleep(0, result)

    monkeypatch.setattr(asyncio, "sleep", recording_sleep)
    await SystemClock().sleep(0.25)
    await SystemClock().sleep(-3.0)
    assert asked == [0.25, 0.0]


async def test_the_manual_clock_refuses_to_go_back_with_its_message() -> None:
    clock = ManualClock(start=5.0)
    with pytest.raises(ValueError, match=r"^time never goes back$"):
        clock.tick(-1)
    with pytest.raises(ValueError, match=r"^time never goes back$"):
        await clock.advance(-0.5)
    assert clock.monotonic() == 5.0


async def test_run_until_idle_wakes_a_sub_second_sleeper_at_its_own_time() -> None:
    clock = ManualClock()
    woke: list[float] = []

    async def sleeper() -> None:
        await clock.sleep(0.25)
        woke.append(clock.monotonic())

    task = asyncio.create_task(sleeper())
    await clock.run_until_idle()
    await task
    assert (woke, clock.monotonic()) == ([0.25], 0.25)


async def test_run_until_idle_stops_at_1e9_seconds_by_default() -> None:
    clock = ManualClock()

    async def endless_poller() -> None:
        while True:
            await clock.sleep(1e8)

    task = asyncio.create_task(endless_poller())
    await clock.run_until_idle()  # returns although the poller never stops
    assert (clock.monotonic(), clock.sleeping) == (1e9, 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_advance_gives_a_woken_task_50_event_loop_turns_to_sleep_again() -> None:
    clock = ManualClock()
    woke: list[tuple[int, float]] = []

    async def busy_sleeper(turns: int) -> None:
        await clock.sleep(1.0)
        for _ in range(turns):  # other awaits before it sleeps again
            await asyncio.sleep(0)
        await clock.sleep(1.0)
        woke.append((turns, clock.monotonic()))

    # 49 turns: its wake-up and 49 more fit in the 50; it sleeps again in time and wakes
    # at 2.0, its own timeline
    quick = asyncio.create_task(busy_sleeper(49))
    await until(lambda: clock.sleeping == 1)
    await clock.advance(5.0)
    await quick
    assert woke == [(49, 2.0)]
    # 50 more turns do not fit: the clock has moved on to 10.0 when it sleeps again
    slow = asyncio.create_task(busy_sleeper(50))
    await until(lambda: clock.sleeping == 1)
    await clock.advance(5.0)
    assert (woke, clock.sleeping) == ([(49, 2.0)], 1)
    await clock.advance(1.0)
    await slow
    assert woke == [(49, 2.0), (50, 11.0)]
