"""A circuit breaker: stop calling a server that is down, then probe it carefully.

* **closed**: calls go through; server-health failures are counted in a rolling window.
* **open**: after ``failure_threshold`` failures within ``window`` seconds, calls fail
  at once with :class:`CircuitOpenError`, without touching the network.
* **half-open**: ``recovery_time`` seconds later, up to ``half_open_max_calls`` probe
  calls go through; a success closes the circuit, a failure opens it again.

Only server-health failures count: transport errors (refused, reset, timeouts) and error
pages that are not Odoo error objects (the HTML 500 of a full pool, 502, 503, 504). A
4xx, or a JSON 500 that Odoo answered with an error object, means the server is up.

A breaker holds no event-loop state, so one breaker can be shared by several clients
talking to the same server.
"""

from __future__ import annotations

import collections
import enum
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from odoo_async.errors import CircuitOpenError, ServerError, TransportError, UnavailableError
from odoo_async.resilience.clock import Clock, SystemClock

__all__ = ["BreakerState", "CircuitBreaker", "is_health_failure"]

logger = logging.getLogger("odoo_async.breaker")


class BreakerState(enum.Enum):
    """The three states of a circuit breaker."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


def is_health_failure(error: BaseException) -> bool:
    """Whether ``error`` says the server (not the call) is in trouble."""
    if isinstance(error, TransportError):
        return True
    if isinstance(error, UnavailableError):
        return True
    return isinstance(error, ServerError) and error.status >= 500 and error.name is None


StateListener = Callable[[BreakerState, BreakerState], Any]


class CircuitBreaker:
    """Opens after repeated server-health failures; see the module docstring.

    Args:
        failure_threshold: failures within ``window`` that open the circuit.
        window: the rolling window, in seconds.
        recovery_time: seconds the circuit stays open before letting probes through.
        half_open_max_calls: probes allowed at once while half-open.
        clock: the time source (inject a ``ManualClock`` in tests).
        on_state_change: called with ``(old, new)`` on every transition.

    Raises:
        ValueError: a non-positive threshold, window, recovery time or probe count.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        window: float = 30.0,
        recovery_time: float = 15.0,
        half_open_max_calls: int = 1,
        clock: Clock | None = None,
        on_state_change: StateListener | None = None,
    ) -> None:
        for name, value in (("failure_threshold", failure_threshold), ("window", window),
                            ("recovery_time", recovery_time),
                            ("half_open_max_calls", half_open_max_calls)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"CircuitBreaker {name} must be positive, got {value!r}")
        self.failure_threshold = int(failure_threshold)
        self.window = float(window)
        self.recovery_time = float(recovery_time)
        self.half_open_max_calls = int(half_open_max_calls)
        self._clock = clock or SystemClock()
        self._listeners: list[StateListener] = [on_state_change] if on_state_change else []
        self._state = BreakerState.CLOSED
        self._failures: collections.deque[float] = collections.deque()
        self._opened_at = 0.0
        self._probes = 0

    def add_listener(self, listener: StateListener) -> None:
        """Call ``listener(old, new)`` on every state change."""
        self._listeners.append(listener)

    @property
    def state(self) -> BreakerState:
        """The current state (an open circuit past its recovery time reads half-open)."""
        if (self._state is BreakerState.OPEN
                and self._clock.monotonic() - self._opened_at >= self.recovery_time):
            self._transition(BreakerState.HALF_OPEN)
        return self._state

    def _transition(self, new: BreakerState) -> None:
        old, self._state = self._state, new
        if new is BreakerState.OPEN:
            self._opened_at = self._clock.monotonic()
        if new is not BreakerState.HALF_OPEN:
            self._probes = 0
        if new is BreakerState.CLOSED:
            self._failures.clear()
        if old is not new:
            logger.warning("circuit breaker %s -> %s", old.value, new.value)
            for listener in list(self._listeners):
                listener(old, new)

    def _refuse(self) -> CircuitOpenError:
        wait = max(0.0, self.recovery_time - (self._clock.monotonic() - self._opened_at))
        return CircuitOpenError(
            f"circuit breaker is open after {self.failure_threshold} server failures; "
            f"next probe in {wait:.1f} s",
            retry_after=wait,
        )

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Wrap one call: refuse it while open, record how it ended.

        Raises:
            CircuitOpenError: the circuit is open, or half-open with every probe slot
                taken; the call must not be made.
        """
        state = self.state
        probing = state is BreakerState.HALF_OPEN
        if state is BreakerState.OPEN or (probing and self._probes >= self.half_open_max_calls):
            raise self._refuse()
        if probing:
            self._probes += 1
        failed: bool | None = None  # stays None when cancelled: nothing to record
        try:
            yield
            failed = False
        except Exception as error:
            failed = is_health_failure(error)
            raise
        finally:
            if probing:
                self._probes -= 1
            if failed:
                self.record_failure()
            elif failed is False:
                self.record_success()

    def record_success(self) -> None:
        """A call got an answer from a healthy server."""
        if self._state is BreakerState.HALF_OPEN:
            self._transition(BreakerState.CLOSED)

    def record_failure(self) -> None:
        """A call failed for a server-health reason."""
        now = self._clock.monotonic()
        if self._state is BreakerState.HALF_OPEN:
            self._transition(BreakerState.OPEN)
            return
        if self._state is BreakerState.OPEN:
            return
        self._failures.append(now)
        while self._failures and now - self._failures[0] > self.window:
            self._failures.popleft()
        if len(self._failures) >= self.failure_threshold:
            self._transition(BreakerState.OPEN)

    def reset(self) -> None:
        """Close the circuit and forget past failures."""
        self._transition(BreakerState.CLOSED)

    def __repr__(self) -> str:
        return (f"CircuitBreaker(state={self.state.value}, failures={len(self._failures)}/"
                f"{self.failure_threshold} in {self.window:g} s)")
