"""What may be retried, and when: the one place where that is decided.

A call is repeated only when repeating it cannot change data twice:

* **always**, on proof that the request did not run: it never left (connection refused,
  DNS, waiting for a pooled connection), a rate limiter refused it (429), or Odoo answered
  its own page for a full database pool (recognised by its exact body), plus any status
  you declare in ``RetryPolicy.never_ran_statuses`` because you know your proxy;
* **also on what may have run** (timeouts, lost connections, 502, 503, 504, any other
  HTML 500, a 2xx answer whose body is cut off or not JSON), when the method is read-only
  (``search_read``, ``read``...) or the call is marked idempotent;
* **never otherwise**: a ``create``, ``write``, ``unlink`` or action that may have reached
  Odoo is not repeated, and its failure becomes :class:`OutcomeUnknownError`;
* **never** for business errors (400, 401, 403, 404, 409, 422) or a JSON 500 (the method
  raised: it would raise again).

A 503 is "may have run" on purpose: proxies answer it for an upstream reset after the
request was forwarded (Envoy's "upstream connect error or disconnect/reset before
headers").
"""

from __future__ import annotations

import email.utils
import enum
import random
import re
from collections.abc import Callable, Iterable
from typing import Any, Final

import attrs

from odoo_async.errors import (
    OdooError,
    PoolExhaustedError,
    ProtocolError,
    ServerError,
    TooManyRequestsError,
    TransportError,
    UnavailableError,
)
from odoo_async.resilience.backoff import Backoff, ExponentialBackoff

__all__ = [
    "DEFAULT_NEVER_RAN_STATUSES",
    "MAX_RETRY_AFTER",
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


DEFAULT_NEVER_RAN_STATUSES: Final = frozenset({429})
"""Statuses that prove the call did not run: a rate limiter's 429 refuses before
forwarding. Odoo's own pool-full page is recognised by its body, not its status."""

MAX_RETRY_AFTER: Final = 300.0
"""The longest ``Retry-After`` honoured, in seconds; a longer one ends the retries."""

_DIGITS: Final = re.compile(r"[0-9]{1,9}")


def classify(error: BaseException,
             never_ran_statuses: frozenset[int] = DEFAULT_NEVER_RAN_STATUSES) -> Verdict:
    """Tell whether ``error`` proves the call never ran, may have run, or is final.

    ``never_ran_statuses`` are HTTP statuses of answers that are not Odoo error objects
    and that prove the call was refused before it ran (429 by default).
    """
    if isinstance(error, PoolExhaustedError):
        return Verdict.NEVER_RAN
    if isinstance(error, TransportError):
        return Verdict.MAY_HAVE_RUN if error.may_have_reached_server else Verdict.NEVER_RAN
    if isinstance(error, ServerError):
        if error.name is None and error.status in never_ran_statuses:
            return Verdict.NEVER_RAN
        if isinstance(error, (UnavailableError, TooManyRequestsError)):
            return Verdict.MAY_HAVE_RUN
        if error.status >= 500 and error.name is None:
            return Verdict.MAY_HAVE_RUN  # an HTML 500 that is not Odoo's pool-full page
        return Verdict.FINAL
    if isinstance(error, ProtocolError) and error.status is not None and \
            200 <= error.status < 300:
        return Verdict.MAY_HAVE_RUN  # a success whose body was cut off or is not JSON
    return Verdict.FINAL


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date).

    ``now`` is the current wall-clock time. Returns ``None`` for a missing or unreadable
    header (anything but ASCII digits or an HTTP date), and never a negative number.
    """
    if not value:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(text) if _DIGITS.fullmatch(text) else float(MAX_RETRY_AFTER * 10)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
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


def _statuses(values: Iterable[int]) -> frozenset[int]:
    statuses = frozenset(values)
    for status in statuses:
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status < 600:
            raise ValueError(f"never_ran_statuses must hold HTTP error statuses, got {status!r}")
    return statuses


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
        respect_retry_after: wait at least what a proxy's ``Retry-After`` asks (up to
            ``max_retry_after`` seconds; a longer wait ends the retries).
        never_ran_statuses: statuses (of answers that are not Odoo error objects) that
            prove a call did not run, so that even writes are repeated after them: 429 by
            default. Add 503 only if your proxy answers it solely before forwarding.
        max_retry_after: the longest ``Retry-After`` honoured, in seconds.
        rng: the random source of the jitter (``random.random`` by default).

    Raises:
        ValueError: an attempt count, deadline or status out of range.
        TypeError: a method name that is not a string.
    """

    max_attempts: int = attrs.field(default=5, validator=_positive_int)
    backoff: Backoff = attrs.field(factory=ExponentialBackoff)
    deadline: float | None = attrs.field(default=60.0, validator=_positive_or_none)
    readonly_methods: frozenset[str] = attrs.field(default=READONLY_METHODS,
                                                   converter=_method_names)
    idempotent_methods: frozenset[str] = attrs.field(default=frozenset(),
                                                     converter=_method_names)
    respect_retry_after: bool = True
    never_ran_statuses: frozenset[int] = attrs.field(default=DEFAULT_NEVER_RAN_STATUSES,
                                                     converter=_statuses)
    max_retry_after: float = attrs.field(default=MAX_RETRY_AFTER, validator=_positive_or_none)
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

    def classify(self, error: BaseException) -> Verdict:
        """What ``error`` proves about a call, with this policy's ``never_ran_statuses``."""
        return classify(error, self.never_ran_statuses)

    def may_retry(self, error: BaseException, *, repeatable: bool) -> bool:
        """Whether ``error`` allows another attempt of a call (attempts left aside)."""
        verdict = self.classify(error)
        return verdict is Verdict.NEVER_RAN or (verdict is Verdict.MAY_HAVE_RUN and repeatable)

    def outcome_unknown(self, error: BaseException, *, repeatable: bool) -> bool:
        """Whether a final ``error`` leaves it unknown if a call that may change data ran
        (it becomes :class:`OutcomeUnknownError`)."""
        return not repeatable and self.classify(error) is Verdict.MAY_HAVE_RUN

    def next_delay(self, retry: int, previous: float, error: BaseException, *,
                   now: float) -> float | None:
        """Seconds to wait before retry number ``retry`` after ``error``.

        The strategy's delay, raised to the ``Retry-After`` the server asked for; ``None``
        when the server asks for longer than ``max_retry_after`` (do not retry).
        """
        delay = self.backoff.delay(retry, previous, self.rng)
        if self.respect_retry_after and isinstance(error, ServerError):
            asked = parse_retry_after(error.retry_after, now=now)
            if asked is not None:
                if asked > self.max_retry_after:
                    return None
                delay = max(delay, asked)
        return delay


def describe(error: OdooError | BaseException) -> str:
    """A short name for logs: the exception class and, for server errors, the status."""
    if isinstance(error, ServerError):
        return f"{type(error).__name__} (HTTP {error.status})"
    return type(error).__name__
