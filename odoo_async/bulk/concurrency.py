"""How many chunks a bulk operation sends at once: a fixed number, or a limit that adapts.

More concurrency helps a server with several workers and hurts a small threaded one
(measured on a 2-core Odoo 19: 8 concurrent chunks of 100 were slower than sequential
ones). :class:`AdaptiveConcurrency` climbs from two chunks at a time while throughput
(rows per second over a window of finished chunks) grows by more than 10 %, steps back
when it falls or latency climbs by half with no gain, and halves at once when the server says
it is overloaded (a full database pool, a 503, a timeout), remembering that level as a
ceiling for a while. Every chunk still goes through the client's rate limit, breaker
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

    def observe(self, rows: int, seconds: float, *, overloaded: bool = False) -> None:
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
    """Throughput must grow by this factor for the limit to keep climbing."""
    LOSS = 0.95
    """Below this factor of the previous level's throughput, the limit steps back."""

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
        self._previous: float | None = None
        self._best_latency: float | None = None
        self._last_move = 0
        self._hold = 0
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

    def observe(self, rows: int, seconds: float, *, overloaded: bool = False) -> None:
        """A chunk of ``rows`` finished in ``seconds``; maybe move the limit."""
        if overloaded:
            self._ceiling = max(self.minimum, self.limit - 1)
            self._calm_windows = 0
            self._previous = None
            self._move(self.limit // 2)
            self._start_window()
            return
        self._window_rows += rows
        self._window_chunks += 1
        self._window_latency += seconds
        if self._best_latency is None or seconds < self._best_latency:
            self._best_latency = seconds
        if self._window_chunks < max(4, 2 * self.limit):
            return
        elapsed = self._clock.monotonic() - self._window_started
        throughput = self._window_rows / elapsed if elapsed > 0 else float("inf")
        latency = self._window_latency / self._window_chunks
        self._start_window()
        self._calm_windows += 1
        if self._calm_windows >= 8 and self._ceiling < self.maximum:
            self._ceiling += 1  # the overload may have passed: allow one level more
            self._calm_windows = 0
        previous, self._previous = self._previous, throughput
        climbed, self._last_move = self._last_move > 0, 0
        if self._hold:
            self._hold -= 1  # settle at the level just stepped back to
            return
        if previous is None:
            if self.limit < self._ceiling:
                self._step(+1)
            return
        if throughput >= previous * self.GAIN:
            if self.limit < self._ceiling:
                self._step(+1)
        elif throughput < previous * self.LOSS or (
                climbed and self._best_latency
                and latency >= 1.5 * self._best_latency):
            # worse, or the last step up bought latency and no throughput: step back
            self._ceiling = max(self.minimum, self.limit - 1)
            self._step(-1)
            self._hold = 3

    def _step(self, direction: int) -> None:
        before = self.limit
        self._move(self.limit + direction)
        if self.limit != before:
            self._last_move = direction

    def __repr__(self) -> str:
        return (f"AdaptiveConcurrency(limit={self.limit}, {self.minimum}..{self.maximum}, "
                f"ceiling={self._ceiling})")
