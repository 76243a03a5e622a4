"""How many chunks a bulk operation sends at once: a fixed number, or a limit that adapts.

More concurrency helps a server with several workers and hurts a small threaded one
(measured on a 2-core Odoo 19: 8 concurrent chunks of 100 were slower than sequential
ones, while 2 at once beat 1 by overlapping one chunk's search with another's create).
:class:`AdaptiveConcurrency` keeps the throughput (rows per second over windows of
finished chunks) and latency measured at each level, and climbs one level at a time while
that pays by more than 10 %; it moves to a neighbouring level only when that level was
measured better, or when it was measured as fast for less latency (fewer is then better),
so noise between two windows does not push it around. When the server says it is
overloaded (a full database pool, a 503, a timeout) it halves at once and keeps that level
as a ceiling for a while. Every chunk still goes through the client's rate limit, breaker
and in-flight cap.
"""

from __future__ import annotations

import collections
from types import TracebackType

import anyio

from odoo_async.resilience.clock import Clock, SystemClock

__all__ = ["AdaptiveConcurrency", "ConcurrencyLimit", "FixedConcurrency"]


class ConcurrencyLimit:
    """A semaphore whose size can change while tasks wait on it (FIFO)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._in_use = 0
        self._waiters: collections.deque[anyio.Event] = collections.deque()

    @property
    def limit(self) -> int:
        """Chunks allowed at once now."""
        return self._limit

    @property
    def in_use(self) -> int:
        """Chunks running now."""
        return self._in_use

    def _set_limit(self, limit: int) -> None:
        self._limit = max(1, limit)
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self._in_use < self._limit:
            self._in_use += 1
            self._waiters.popleft().set()

    async def acquire(self) -> None:
        """Wait for a slot."""
        if self._in_use < self._limit and not self._waiters:
            self._in_use += 1
            return
        event = anyio.Event()
        self._waiters.append(event)
        try:
            await event.wait()
        except BaseException:
            if event.is_set():
                self.release()
            else:
                self._waiters.remove(event)
            raise

    def release(self) -> None:
        """Give a slot back."""
        self._in_use -= 1
        self._wake()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()

    def observe(self, rows: int, seconds: float, *, overloaded: bool) -> None:
        """A chunk of ``rows`` finished in ``seconds`` (``overloaded``: the server said it
        was). A fixed limit ignores it."""


class FixedConcurrency(ConcurrencyLimit):
    """Always ``limit`` chunks at once."""

    def __repr__(self) -> str:
        return f"FixedConcurrency({self.limit})"


class AdaptiveConcurrency(ConcurrencyLimit):
    """A limit between ``minimum`` and ``maximum`` that follows throughput (see the module
    docstring). Starts at ``initial``.

    Raises:
        ValueError: bounds that are not ints with 1 <= minimum <= initial <= maximum.
    """

    GAIN = 1.10
    """A level must beat another's throughput by this factor to be preferred."""
    SAME = 0.95
    """Within this factor, two levels' throughputs count as the same (prefer fewer)."""

    def __init__(self, *, maximum: int = 8, initial: int = 1, minimum: int = 1,
                 clock: Clock | None = None) -> None:
        for name, value in (("minimum", minimum), ("initial", initial), ("maximum", maximum)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"concurrency {name} must be an int >= 1, got {value!r}")
        if not minimum <= initial <= maximum:
            raise ValueError("concurrency bounds must satisfy minimum <= initial <= maximum")
        super().__init__(initial)
        self.minimum, self.maximum = minimum, maximum
        self._clock = clock or SystemClock()
        self._ceiling = maximum
        self._calm_windows = 0
        self._rates: dict[int, float] = {}
        self._latencies: dict[int, float] = {}
        self._settling = 0
        self._start_window()
        self.history: list[int] = [initial]
        """Every limit taken, in order (for benchmarks and tests)."""

    def _start_window(self) -> None:
        self._window_started = self._clock.monotonic()
        self._window_rows = 0
        self._window_chunks = 0
        self._window_latency = 0.0

    def _move(self, limit: int) -> None:
        limit = min(max(limit, self.minimum), self.maximum)
        if limit != self.limit:
            self._set_limit(limit)
            self.history.append(limit)
        self._start_window()

    def observe(self, rows: int, seconds: float, *, overloaded: bool = False) -> None:
        """A chunk of ``rows`` finished in ``seconds``; maybe move the limit.

        Throughput and latency are kept per level (smoothed over windows of finished
        chunks); the limit moves to a neighbouring level only when that one was measured
        better (or to explore the next level up after a step up paid off), so noise
        between two windows does not push it around."""
        if overloaded and self._settling <= 0:
            # one overload episode is reported by every chunk it touched: halve once,
            # then let a window's worth of chunks finish before believing another report
            self._ceiling = max(self.minimum, self.limit - 1)
            self._calm_windows = 0
            self._rates.pop(self.limit, None)
            self._move(self.limit // 2)
            self._settling = max(4, 2 * self.limit)
            return
        self._settling -= 1
        self._window_rows += rows
        self._window_chunks += 1
        self._window_latency += seconds
        if self._window_chunks < max(4, 2 * self.limit):
            return
        elapsed = self._clock.monotonic() - self._window_started
        if elapsed <= 0:  # a clock too coarse to measure this window: keep counting
            return
        throughput = self._window_rows / elapsed
        latency = self._window_latency / self._window_chunks
        level = self.limit
        for table, value in ((self._rates, throughput), (self._latencies, latency)):
            table[level] = value if level not in table else (table[level] + value) / 2
        self._start_window()
        self._calm_windows += 1
        if self._calm_windows >= 8 and self._ceiling < self.maximum:
            self._ceiling += 1  # an overload may have passed: allow one level more
            self._calm_windows = 0
        self._decide(level)

    def _decide(self, level: int) -> None:
        rates, here = self._rates, self._rates[level]
        below, above = rates.get(level - 1), rates.get(level + 1)
        best_latency = min(self._latencies.values())
        if level < self._ceiling and (
                (above is None and (below is None or here >= below * self.GAIN))
                or (above is not None and above >= here * self.GAIN)):
            self._move(level + 1)  # explore upwards while it pays, or go back to better
        elif below is not None and below >= here * self.GAIN:
            self._move(level - 1)
        elif (below is not None and below >= here * self.SAME
              and self._latencies[level] >= 1.5 * best_latency):
            self._move(level - 1)  # the same throughput for more latency: fewer is better

    def __repr__(self) -> str:
        return (f"AdaptiveConcurrency(limit={self.limit}, {self.minimum}..{self.maximum}, "
                f"ceiling={self._ceiling})")
