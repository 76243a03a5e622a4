"""The rate limit and the in-flight cap, on a simulated clock and a real server."""

from __future__ import annotations

import asyncio

import pytest

from odoo_async import Client
from odoo_async.resilience import InFlightLimit, ManualClock, RateLimit
from odoo_async.testing import FakeOdoo


def worst_window(times: list[float], width: float) -> int:
    """The most admissions in any closed window [t, t + width]."""
    times = sorted(times)
    best = 0
    for i, start in enumerate(times):
        best = max(best, sum(1 for t in times[i:] if t <= start + width))
    return best


@pytest.mark.parametrize(("rate", "burst"), [(10.0, 1), (5.0, 4), (2.5, 10)])
async def test_admits_no_more_than_rate_times_time_plus_burst(rate: float, burst: int) -> None:
    clock = ManualClock()
    limit = RateLimit(rate, burst, clock=clock)
    admitted: list[float] = []

    async def caller() -> None:
        await limit.acquire()
        admitted.append(clock.monotonic())

    tasks = [asyncio.create_task(caller()) for _ in range(120)]
    await clock.run_until_idle()
    await asyncio.gather(*tasks)
    assert len(admitted) == 120
    for width in (0.0, 0.5, 1.0, 3.0, 10.0):
        assert worst_window(admitted, width) <= rate * width + burst
    assert admitted[:burst] == [0.0] * burst  # a burst goes through at once
    expected_end = (120 - burst) / rate
    assert max(admitted) == pytest.approx(expected_end)  # and the rate is reached


async def test_waiters_are_served_first_come_first_served() -> None:
    clock = ManualClock()
    limit = RateLimit(1.0, 1, clock=clock)
    order: list[int] = []

    async def caller(n: int) -> None:
        await limit.acquire()
        order.append(n)

    tasks = []
    for n in range(20):
        tasks.append(asyncio.create_task(caller(n)))
        await asyncio.sleep(0)
    await clock.run_until_idle()
    await asyncio.gather(*tasks)
    assert order == list(range(20))


async def test_cancelled_waiter_gives_its_slot_back() -> None:
    clock = ManualClock()
    limit = RateLimit(1.0, 1, clock=clock)
    await limit.acquire()  # slot at t=0
    waiting = asyncio.create_task(limit.acquire())  # reserves t=1
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    admitted: list[float] = []

    async def caller() -> None:
        await limit.acquire()
        admitted.append(clock.monotonic())

    task = asyncio.create_task(caller())
    await clock.run_until_idle()
    await task
    assert admitted == [1.0]


async def test_slots_are_not_saved_up_beyond_the_burst() -> None:
    clock = ManualClock()
    limit = RateLimit(2.0, 3, clock=clock)
    clock.tick(100.0)  # idle for a long time
    admitted: list[float] = []

    async def caller() -> None:
        await limit.acquire()
        admitted.append(clock.monotonic())

    tasks = [asyncio.create_task(caller()) for _ in range(6)]
    await clock.run_until_idle()
    await asyncio.gather(*tasks)
    assert admitted == [100.0, 100.0, 100.0, 100.5, 101.0, 101.5]


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1.0, 1), (1.0, 0), (1.0, 1.5)])
def test_bad_settings(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="RateLimit"):
        RateLimit(rate, burst)


def test_bad_in_flight_limit() -> None:
    with pytest.raises(ValueError, match="max_in_flight must be an int >= 1, got 0"):
        InFlightLimit(0)


async def test_in_flight_cap_holds_with_500_concurrent_callers(faulty: FakeOdoo) -> None:
    async with Client(faulty.url, faulty.api_key, max_in_flight=7) as odoo:
        results = await asyncio.gather(
            *(odoo.call("res.partner", "search_count", domain=[["id", "=", 9]])
              for _ in range(500))
        )
        assert results == [1] * 500
        assert odoo.stats.peak_in_flight == 7
        assert odoo.stats.in_flight == 0
        assert odoo.stats.calls == odoo.stats.succeeded == 500
    assert faulty.peak_in_flight <= 7


async def test_rate_limit_on_the_client(faulty: FakeOdoo) -> None:
    clock = ManualClock(autojump=True)
    async with Client(faulty.url, faulty.api_key, rate_limit=RateLimit(10.0, 5, clock=clock),
                      clock=clock) as odoo:
        for _ in range(25):
            await odoo.call("res.partner", "search_count", domain=[])
    assert clock.monotonic() == pytest.approx(2.0)  # 5 at once, then 20 at 10 per second
