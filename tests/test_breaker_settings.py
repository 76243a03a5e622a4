"""The circuit breaker's settings and tickets, exactly.

Pinned here: the documented defaults; the message naming each setting refused; the
failure rate's bound (1 allowed, more refused); a closed circuit's ticket is no probe;
and a half-open probe that ends with a business error (Odoo answered) closes the
circuit.
"""

from __future__ import annotations

import pytest

from odoo_async import errors
from odoo_async.resilience import BreakerState, CircuitBreaker, ManualClock


def test_the_defaults_are_the_documented_ones() -> None:
    breaker = CircuitBreaker()
    assert (breaker.failure_threshold, breaker.window, breaker.recovery_time,
            breaker.half_open_max_calls, breaker.failure_rate, breaker.minimum_calls,
            breaker.probe_timeout) == (5, 30.0, 15.0, 1, 0.5, 5, 15.0)


@pytest.mark.parametrize("name", ["failure_threshold", "window", "recovery_time",
                                  "half_open_max_calls", "failure_rate"])
def test_a_setting_refused_is_named(name: str) -> None:
    with pytest.raises(ValueError, match=f"^CircuitBreaker {name} must be positive, got 0$"):
        CircuitBreaker(**{name: 0})  # type: ignore[arg-type]


def test_a_failure_rate_may_be_1_and_no_more() -> None:
    assert CircuitBreaker(failure_rate=1).failure_rate == 1.0
    with pytest.raises(ValueError, match=r"^CircuitBreaker failure_rate must be within "
                                         r"\(0, 1\], got 1\.5$"):
        CircuitBreaker(failure_rate=1.5)


def test_a_closed_circuits_ticket_is_no_probe() -> None:
    assert CircuitBreaker().admit().probe is False


def test_a_probe_answered_with_a_business_error_closes_the_circuit() -> None:
    clock = ManualClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_time=5.0, clock=clock)
    with pytest.raises(errors.ConnectError), breaker.guard():
        raise errors.ConnectError("refused")
    clock.tick(5.0)
    with pytest.raises(errors.ValidationError), breaker.guard():
        raise errors.ValidationError("no", status=422, name="odoo.exceptions.ValidationError")
    assert breaker.state is BreakerState.CLOSED
