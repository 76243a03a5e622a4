"""A client-side rate limit (token bucket) and a cap on calls in flight.

Odoo has no rate limit of its own: a sync job that fires calls as fast as it can will
exhaust the server's database pool (about 65 calls at once on a default server) and get
HTML 500s. These two limits keep one client polite.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import anyio

from odoo_async.resilience.clock import Clock, SystemClock

__all__ = ["InFlightLimit", "RateLimit"]


class RateLimit:
    """A token bucket: ``rate`` calls per second on average, bursts of up to ``burst``.

    Implemented as the generic cell rate algorithm (the token bucket as a schedule): each
    caller reserves the next free slot when it arrives and sleeps until then, so waiting
    is first come, first served, and over any interval ``t`` at most ``rate * t + burst``
    calls are admitted. A caller cancelled while waiting gives its slot back when it was
    the last one reserved. Holds no event-loop state: it can be shared between clients.

    ::

        async with limit:        # or: await limit.acquire()
            await send()

    Raises:
        ValueError: ``rate`` or ``burst`` is not positive.
    """

    def __init__(self, rate: float, burst: int = 1, *, clock: Clock | None = None) -> None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate <= 0:
            raise ValueError(f"RateLimit rate must be a positive number, got {rate!r}")
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError(f"RateLimit burst must be an int >= 1, got {burst!r}")
        self.rate = float(rate)
        self.burst = burst
        self._clock = clock or SystemClock()
        self._interval = 1.0 / self.rate
        self._tolerance = (burst - 1) * self._interval
        self._theoretical_arrival = float("-inf")

    async def acquire(self) -> None:
        """Wait for a slot. Cancellation-safe.

        Raises:
            asyncio.CancelledError: cancelled while waiting (the slot is given back).
        """
        now = self._clock.monotonic()
        arrival = max(self._theoretical_arrival, now)
        self._theoretical_arrival = reserved_until = arrival + self._interval
        wait = arrival - self._tolerance - now
        if wait <= 0:
            return
        try:
            await self._clock.sleep(wait)
        except BaseException:
            if self._theoretical_arrival == reserved_until:
                self._theoretical_arrival -= self._interval
            raise

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *_: Any) -> None:
        return None

    def __repr__(self) -> str:
        return f"RateLimit(rate={self.rate:g}/s, burst={self.burst})"


class InFlightLimit:
    """At most ``limit`` calls in flight at once; others wait their turn (FIFO).

    Raises:
        ValueError: ``limit`` is not a positive int.
    """

    def __init__(self, limit: int) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"max_in_flight must be an int >= 1, got {limit!r}")
        self.limit = limit
        # fast_acquire: an uncontended call does not yield to the event loop (one loop
        # iteration per call saved); waiters still get their turn in FIFO order
        self._semaphore = anyio.Semaphore(limit, fast_acquire=True)

    async def __aenter__(self) -> None:
        await self._semaphore.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._semaphore.release()

    def __repr__(self) -> str:
        return f"InFlightLimit({self.limit - self._semaphore.value}/{self.limit})"
