"""Clocks: the real one, and a manual one that makes backoff, breakers and rate limits
testable without real sleeping."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """What the resilience layer needs to know about time."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for delays, windows, deadlines)."""
        ...

    def time(self) -> float:
        """Wall-clock seconds since the epoch (for HTTP-date ``Retry-After`` headers)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic``, ``time.time`` and ``asyncio.sleep``."""

    def monotonic(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    def time(self) -> float:
        """``time.time()``."""
        return time.time()

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep(seconds)``."""
        await asyncio.sleep(max(0.0, seconds))

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock whose time moves only when told to. For tests.

    With ``autojump=True`` every ``sleep`` moves the time forward by its duration and
    returns at once (right for one task at a time, such as a retry loop). Otherwise
    sleepers wait until :meth:`advance` (or :meth:`run_until_idle`) moves the time past
    their wake-up time, and they wake in time order, so many concurrent tasks see a
    consistent timeline. ``sleeps`` records every requested duration.
    """

    def __init__(self, start: float = 0.0, *, wall_start: float = 1_800_000_000.0,
                 autojump: bool = False) -> None:
        self._now = start
        self._wall_offset = wall_start - start
        self._autojump = autojump
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._sequence = itertools.count()
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        """The current manual time."""
        return self._now

    def time(self) -> float:
        """The manual time as wall-clock seconds (``wall_start`` at ``start``)."""
        return self._now + self._wall_offset

    def tick(self, seconds: float) -> None:
        """Move the time forward without waking sleepers (for code that only reads it).

        Raises:
            ValueError: ``seconds`` is negative.
        """
        if seconds < 0:
            raise ValueError("time never goes back")
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        """Wait until the manual time has moved ``seconds`` forward."""
        self.sleeps.append(seconds)
        if seconds <= 0 or self._autojump:
            self._now += max(0.0, seconds)
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._sequence), future))
        await future

    @property
    def sleeping(self) -> int:
        """How many tasks are waiting on this clock."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    async def _settle(self) -> None:
        for _ in range(50):
            await asyncio.sleep(0)

    async def advance(self, seconds: float) -> None:
        """Move the time forward by ``seconds``, waking due sleepers in time order; each
        woken task gets 50 event-loop turns to run (and sleep again) before the next wakes.

        Raises:
            ValueError: ``seconds`` is negative.
        """
        if seconds < 0:
            raise ValueError("time never goes back")
        target = self._now + seconds
        while self._sleepers and self._sleepers[0][0] <= target:
            wake, _, future = heapq.heappop(self._sleepers)
            if future.done():
                continue
            self._now = max(self._now, wake)
            future.set_result(None)
            await self._settle()
        self._now = target
        await self._settle()

    async def run_until_idle(self, *, limit: float = 1e9) -> None:
        """Advance to each next wake-up time until no task sleeps (or ``limit`` passes)."""
        await self._settle()
        while self._sleepers and self._now < limit:
            wake = self._sleepers[0][0]
            await self.advance(max(0.0, wake - self._now))

    def __repr__(self) -> str:
        return f"ManualClock(now={self._now})"
