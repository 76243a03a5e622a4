"""A circuit breaker: stop calling a server that is down, then probe it carefully.

* **closed**: calls go through; the outcome of each *call* (not of each retry attempt) is
  kept in a sliding time window. The circuit opens when, within ``window`` seconds, at
  least ``minimum_calls`` calls finished, at least ``failure_threshold`` of them failed for
  a server-health reason, and they are at least ``failure_rate`` of the calls (the shape of
  Resilience4j's breaker: one slow call retried five times is one failure, not five).
* **open**: calls fail at once with :class:`CircuitOpenError`, without touching the
  network.
* **half-open**: ``recovery_time`` seconds later, up to ``half_open_max_calls`` probes go
  through; a probe that gets any answer from Odoo closes the circuit, a health failure
  opens it again. A probe that has not finished after ``probe_timeout`` seconds no longer
  holds its slot, so one hung probe cannot block every caller.

Only server-health failures count: transport errors (refused, reset, timeouts) and error
pages that are not Odoo error objects (502, 503, 504, an HTML 500). A 4xx, or a JSON 500
that Odoo answered with an error object, means the server is up. A call interrupted by
closing the client, or refused by the breaker itself, counts neither way; nor does a call
that started in an earlier state (a call admitted while closed that fails while half-open
does not decide the probe's outcome).

Reading :attr:`CircuitBreaker.state` never changes it; transitions happen when calls are
admitted or finish. A breaker holds no event-loop state, so one breaker can be shared by
several clients talking to the same server.
"""

from __future__ import annotations

import collections
import enum
import itertools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs

from odoo_async.errors import (
    CircuitOpenError,
    ClientClosedError,
    EventLoopError,
    OdooError,
    ServerError,
    TransportError,
    UnavailableError,
)
from odoo_async.resilience.clock import Clock, SystemClock

__all__ = ["BreakerState", "CircuitBreaker", "Ticket", "is_health_failure"]

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


def _says_nothing(error: BaseException | None) -> bool:
    """Outcomes that tell nothing about the server's health."""
    if error is None:
        return False
    if isinstance(error, (ClientClosedError, EventLoopError, CircuitOpenError)):
        return True
    return not isinstance(error, OdooError)


StateListener = Callable[[BreakerState, BreakerState], Any]


@attrs.frozen
class Ticket:
    """One admitted attempt: the state generation it was admitted in, and whether it is a
    half-open probe."""

    epoch: int
    probe: bool
    number: int


def _positive(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"CircuitBreaker {name} must be positive, got {value!r}")


class CircuitBreaker:
    """Opens after repeated server-health failures; see the module docstring.

    Args:
        failure_threshold: failed calls within ``window`` needed to open the circuit.
        window: the sliding window, in seconds.
        recovery_time: seconds the circuit stays open before letting probes through.
        half_open_max_calls: probes allowed at once while half-open.
        minimum_calls: calls that must have finished within ``window`` before the failure
            rate is judged (``failure_threshold`` by default).
        failure_rate: the share of failed calls in the window that opens the circuit.
        probe_timeout: seconds after which an unfinished probe frees its slot
            (``recovery_time`` by default).
        clock: the time source (inject a ``ManualClock`` in tests).
        on_state_change: called with ``(old, new)`` on every transition; an exception it
            raises is logged, never passed to the call that caused the transition.

    Raises:
        ValueError: a non-positive threshold, window, time or count, or a failure rate
            outside (0, 1].
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        window: float = 30.0,
        recovery_time: float = 15.0,
        half_open_max_calls: int = 1,
        minimum_calls: int | None = None,
        failure_rate: float = 0.5,
        probe_timeout: float | None = None,
        clock: Clock | None = None,
        on_state_change: StateListener | None = None,
    ) -> None:
        for name, value in (("failure_threshold", failure_threshold), ("window", window),
                            ("recovery_time", recovery_time),
                            ("half_open_max_calls", half_open_max_calls),
                            ("failure_rate", failure_rate)):
            _positive(name, value)
        for name, optional in (("minimum_calls", minimum_calls),
                               ("probe_timeout", probe_timeout)):
            if optional is not None:  # None: the documented default
                _positive(name, optional)
        if failure_rate > 1:
            raise ValueError(f"CircuitBreaker failure_rate must be within (0, 1], "
                             f"got {failure_rate!r}")
        self.failure_threshold = int(failure_threshold)
        self.window = float(window)
        self.recovery_time = float(recovery_time)
        self.half_open_max_calls = int(half_open_max_calls)
        self.minimum_calls = int(failure_threshold if minimum_calls is None else minimum_calls)
        self.failure_rate = float(failure_rate)
        self.probe_timeout = float(recovery_time if probe_timeout is None else probe_timeout)
        self._clock = clock or SystemClock()
        self._listeners: list[StateListener] = [on_state_change] if on_state_change else []
        self._state = BreakerState.CLOSED
        self._epoch = 0
        self._outcomes: collections.deque[tuple[float, bool]] = collections.deque()
        self._failed_in_window = 0
        self._opened_at = 0.0
        self._probes: dict[int, float] = {}
        self._numbers = itertools.count()

    def add_listener(self, listener: StateListener) -> None:
        """Call ``listener(old, new)`` on every state change."""
        self._listeners.append(listener)

    def _due_for_probe(self) -> bool:
        return (self._state is BreakerState.OPEN
                and self._clock.monotonic() - self._opened_at >= self.recovery_time)

    @property
    def state(self) -> BreakerState:
        """The state a call arriving now would meet (an open circuit past its recovery
        time reads half-open). Reading it changes nothing."""
        return BreakerState.HALF_OPEN if self._due_for_probe() else self._state

    def _transition(self, new: BreakerState) -> None:
        old, self._state = self._state, new
        self._epoch += 1
        self._probes.clear()
        if new is BreakerState.OPEN:
            self._opened_at = self._clock.monotonic()
        if new is BreakerState.CLOSED:
            self._outcomes.clear()
            self._failed_in_window = 0
        if old is not new:
            logger.warning("circuit breaker %s -> %s", old.value, new.value)
            for listener in list(self._listeners):
                try:
                    listener(old, new)
                except Exception:
                    logger.exception("circuit breaker listener %r failed", listener)

    def _refuse(self) -> CircuitOpenError:
        wait = max(0.0, self.recovery_time - (self._clock.monotonic() - self._opened_at))
        return CircuitOpenError(
            f"circuit breaker is open after {self.failure_threshold} or more server "
            f"failures; next probe in {wait:.1f} s",
            retry_after=wait,
        )

    def _free_probe_slots(self) -> int:
        now = self._clock.monotonic()
        for number, admitted in list(self._probes.items()):
            if now - admitted >= self.probe_timeout:
                del self._probes[number]
        return self.half_open_max_calls - len(self._probes)

    def check(self) -> None:
        """Fail fast if a call arriving now would be refused (takes no probe slot).

        Raises:
            CircuitOpenError: the circuit is open.
        """
        if self._state is BreakerState.OPEN and not self._due_for_probe():
            raise self._refuse()

    def admit(self) -> Ticket:
        """Let one attempt through, or refuse it. Pair with :meth:`release`.

        Raises:
            CircuitOpenError: the circuit is open, or half-open with every probe slot
                taken; the attempt must not be made.
        """
        if self._due_for_probe():
            self._transition(BreakerState.HALF_OPEN)
        if self._state is BreakerState.OPEN:
            raise self._refuse()
        number = next(self._numbers)
        if self._state is BreakerState.HALF_OPEN:
            if self._free_probe_slots() <= 0:
                raise self._refuse()
            self._probes[number] = self._clock.monotonic()
            return Ticket(self._epoch, True, number)
        return Ticket(self._epoch, False, number)

    def release(self, ticket: Ticket, error: BaseException | None) -> None:
        """An admitted attempt ended (``error`` is ``None`` on success). A probe's outcome
        closes or reopens the circuit; other attempts are judged per call by
        :meth:`record_call`."""
        if not ticket.probe or ticket.epoch != self._epoch:
            return
        self._probes.pop(ticket.number, None)
        if _says_nothing(error):
            return
        if error is not None and is_health_failure(error):
            self._transition(BreakerState.OPEN)
        else:
            self._transition(BreakerState.CLOSED)

    def record_call(self, ticket: Ticket, error: BaseException | None) -> None:
        """A call (all its attempts) ended; ``ticket`` is its last attempt's. Counted in
        the window only when the circuit is still in the state the attempt was admitted
        in."""
        if (ticket.probe or ticket.epoch != self._epoch or self._state is not BreakerState.CLOSED
                or _says_nothing(error)):
            return
        failed = error is not None and is_health_failure(error)
        now = self._clock.monotonic()
        self._outcomes.append((now, failed))
        self._failed_in_window += failed
        while self._outcomes and now - self._outcomes[0][0] > self.window:
            _, old_failed = self._outcomes.popleft()
            self._failed_in_window -= old_failed
        calls = len(self._outcomes)
        if (failed and self._failed_in_window >= self.failure_threshold
                and calls >= self.minimum_calls
                and self._failed_in_window >= self.failure_rate * calls):
            self._transition(BreakerState.OPEN)

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Wrap one call made without the client (admit, then record how it ended).

        Raises:
            CircuitOpenError: the circuit is open, or half-open with every probe slot
                taken; the call must not be made.
        """
        ticket = self.admit()
        error: BaseException | None = None
        try:
            yield
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.release(ticket, error)
            self.record_call(ticket, error)

    def record_success(self) -> None:
        """A call got an answer from a healthy server (closes a half-open circuit)."""
        if self.state is BreakerState.HALF_OPEN:
            self._transition(BreakerState.CLOSED)
        else:
            self.record_call(Ticket(self._epoch, False, -1), None)

    def record_failure(self) -> None:
        """A call failed for a server-health reason (reopens a half-open circuit)."""
        if self.state is BreakerState.HALF_OPEN:
            self._transition(BreakerState.OPEN)
        else:
            self.record_call(Ticket(self._epoch, False, -1),
                             TransportError("recorded failure"))

    def reset(self) -> None:
        """Close the circuit and forget past failures."""
        self._transition(BreakerState.CLOSED)

    def __repr__(self) -> str:
        return (f"CircuitBreaker(state={self.state.value}, failures={self._failed_in_window}"
                f"/{len(self._outcomes)} calls in {self.window:g} s)")
