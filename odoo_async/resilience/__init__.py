"""Resilience: retries that never repeat a write, a circuit breaker, a rate limit and a
cap on calls in flight. Each part works alone with an injected clock."""

from odoo_async.resilience.backoff import (
    Backoff,
    ConstantBackoff,
    DecorrelatedJitterBackoff,
    ExponentialBackoff,
)
from odoo_async.resilience.breaker import BreakerState, CircuitBreaker, is_health_failure
from odoo_async.resilience.clock import Clock, ManualClock, SystemClock
from odoo_async.resilience.pipeline import ClientStats, Resilience
from odoo_async.resilience.ratelimit import InFlightLimit, RateLimit
from odoo_async.resilience.retry import (
    READONLY_METHODS,
    RetryPolicy,
    Verdict,
    classify,
    parse_retry_after,
)

__all__ = [
    "READONLY_METHODS",
    "Backoff",
    "BreakerState",
    "CircuitBreaker",
    "ClientStats",
    "Clock",
    "ConstantBackoff",
    "DecorrelatedJitterBackoff",
    "ExponentialBackoff",
    "InFlightLimit",
    "ManualClock",
    "RateLimit",
    "Resilience",
    "RetryPolicy",
    "SystemClock",
    "Verdict",
    "classify",
    "is_health_failure",
    "parse_retry_after",
]
