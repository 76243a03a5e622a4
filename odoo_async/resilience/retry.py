"""What may be retried, and when: the one place where that is decided.

A call is repeated only when repeating it cannot change data twice:

* **always**, when the request provably never ran: it never left (connection refused,
  DNS, pool wait), or it was refused before running (429 and 503 from a proxy, the HTML
  500 of a full Odoo database pool);
* **also on timeouts, lost connections and 502/504**, when the method is read-only
  (``search_read``, ``read``...) or the call is marked idempotent;
* **never otherwise**: a ``create``, ``write``, ``unlink`` or action that may have reached
  Odoo is not repeated, and its failure becomes :class:`OutcomeUnknownError`;
* **never** for business errors (400, 401, 403, 404, 409, 422) or a JSON 500 (the method
  raised: it would raise again).
"""

from __future__ import annotations

import email.utils
import enum
import random
from collections.abc import Callable, Iterable
from typing import Any, Final

import attrs

from odoo_async.errors import (
    BadGatewayError,
    GatewayTimeoutError,
    OdooError,
    PoolExhaustedError,
    ServerError,
    ServiceUnavailableError,
    TooManyRequestsError,
    TransportError,
)
from odoo_async.resilience.backoff import Backoff, ExponentialBackoff

__all__ = [
    "READONLY_METHODS",
    "RetryPolicy",
    "Verdict",
    "classify",
    "parse_retry_after",
]

READONLY_METHODS: Final = frozenset({
    "search", "search_read", "search_count", "read", "fields_get", "name_search",
    "web_search_read", "web_read", "web_read_group", "formatted_read_group", "read_group",
    "default_get", "context_get", "has_group", "check_access_rights", "get_views",
})
"""Methods that never change data, so repeating them is always safe."""


class Verdict(enum.Enum):
    """What a failure means for a retry."""

    NEVER_RAN = "never ran"
    """The call did not run: safe to repeat whatever it does."""
    MAY_HAVE_RUN = "may have run"
    """The call may have run: safe to repeat only if it is read-only or idempotent."""
    FINAL = "final"
    """Repeating would give the same answer (business errors)."""


_NEVER_RAN: Final = (PoolExhaustedError, TooManyRequestsError, ServiceUnavailableError)
_MAY_HAVE_RUN: Final = (BadGatewayError, GatewayTimeoutError)


def classify(error: BaseException) -> Verdict:
    """Tell whether ``error`` proves the call never ran, may have run, or is final."""
    if isinstance(error, _NEVER_RAN):
        return Verdict.NEVER_RAN
    if isinstance(error, TransportError):
        return Verdict.MAY_HAVE_RUN if error.may_have_reached_server else Verdict.NEVER_RAN
    if isinstance(error, _MAY_HAVE_RUN):
        return Verdict.MAY_HAVE_RUN
    return Verdict.FINAL


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date).

    ``now`` is the current wall-clock time. Returns ``None`` for a missing or unreadable
    header, and never a negative number.
    """
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now)


def _positive_int(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"RetryPolicy.{attribute.name} must be an int >= 1, got {value!r}")


def _positive_or_none(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or value <= 0):
        raise ValueError(f"RetryPolicy.{attribute.name} must be a positive number or None, "
                         f"got {value!r}")


def _method_names(values: Iterable[str]) -> frozenset[str]:
    names = frozenset(values)
    for name in names:
        if not isinstance(name, str) or not name:
            raise TypeError(f"method names must be non-empty strings, got {name!r}")
    return names


@attrs.frozen
class RetryPolicy:
    """How failed calls are retried.

    Attributes:
        max_attempts: attempts in all, the first included (1 disables retries).
        backoff: the delay strategy (exponential with full jitter by default).
        deadline: seconds from the first attempt after which no retry starts.
        readonly_methods: methods safe to repeat after they may have run.
        idempotent_methods: more of them, added by you: ``"method"`` for every model or
            ``"model/method"`` for one.
        respect_retry_after: wait at least what a proxy's ``Retry-After`` asks.
        rng: the random source of the jitter (``random.random`` by default).
    """

    max_attempts: int = attrs.field(default=5, validator=_positive_int)
    backoff: Backoff = attrs.field(factory=ExponentialBackoff)
    deadline: float | None = attrs.field(default=60.0, validator=_positive_or_none)
    readonly_methods: frozenset[str] = attrs.field(default=READONLY_METHODS,
                                                   converter=_method_names)
    idempotent_methods: frozenset[str] = attrs.field(default=frozenset(),
                                                     converter=_method_names)
    respect_retry_after: bool = True
    rng: Callable[[], float] = attrs.field(default=random.random, eq=False)

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """A policy that never retries (failures still become OutcomeUnknownError)."""
        return cls(max_attempts=1)

    def is_repeatable(self, model: str | None, method: str | None,
                      idempotent: bool | None = None) -> bool:
        """Whether a call may be repeated after it may have run.

        ``idempotent`` (per call) wins over the method lists when it is not ``None``.
        """
        if idempotent is not None:
            return idempotent
        if method is None:
            return True  # GET /web/version and the like
        return (method in self.readonly_methods or method in self.idempotent_methods
                or f"{model}/{method}" in self.idempotent_methods)

    def may_retry(self, error: BaseException, *, repeatable: bool) -> bool:
        """Whether ``error`` allows another attempt of a call (attempts left aside)."""
        verdict = classify(error)
        return verdict is Verdict.NEVER_RAN or (verdict is Verdict.MAY_HAVE_RUN and repeatable)

    def outcome_unknown(self, error: BaseException, *, repeatable: bool) -> bool:
        """Whether a final ``error`` leaves it unknown if a call that may change data ran
        (it becomes :class:`OutcomeUnknownError`)."""
        return not repeatable and classify(error) is Verdict.MAY_HAVE_RUN

    def next_delay(self, retry: int, previous: float, error: BaseException, *,
                   now: float) -> float:
        """Seconds to wait before retry number ``retry`` after ``error``.

        The strategy's delay, raised to the ``Retry-After`` the server asked for.
        """
        delay = self.backoff.delay(retry, previous, self.rng)
        if self.respect_retry_after and isinstance(error, ServerError):
            asked = parse_retry_after(error.retry_after, now=now)
            if asked is not None:
                delay = max(delay, asked)
        return delay


def describe(error: OdooError | BaseException) -> str:
    """A short name for logs: the exception class and, for server errors, the status."""
    if isinstance(error, ServerError):
        return f"{type(error).__name__} (HTTP {error.status})"
    return type(error).__name__
