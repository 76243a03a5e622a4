"""Backoff strategies: how long to wait before retry number ``n``.

Each strategy is a small frozen object with one method, ``delay(retry, previous, rng)``,
where ``retry`` counts from 1, ``previous`` is the last delay used (0.0 before the first
retry) and ``rng`` returns a float in [0, 1). Pass your own ``rng`` to make delays
reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import attrs

__all__ = [
    "Backoff",
    "ConstantBackoff",
    "DecorrelatedJitterBackoff",
    "ExponentialBackoff",
]

Random = Callable[[], float]


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{attribute.name} must be a number >= 0, got {value!r}")


@runtime_checkable
class Backoff(Protocol):
    """A backoff strategy."""

    def delay(self, retry: int, previous: float, rng: Random) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first retry)."""
        ...


@attrs.frozen
class ExponentialBackoff:
    """Exponential backoff with full jitter: uniform in ``[0, min(cap, base * 2**(n-1))]``.

    Full jitter spreads many clients' retries out evenly, so a server recovering from an
    overload is not hit again by all of them at once (the default strategy).
    """

    base: float = attrs.field(default=0.25, validator=_non_negative)
    cap: float = attrs.field(default=8.0, validator=_non_negative)

    def delay(self, retry: int, previous: float, rng: Random) -> float:
        """A random delay up to the capped exponential bound."""
        bound = min(self.cap, self.base * 2.0 ** max(0, retry - 1))
        return rng() * bound


@attrs.frozen
class ConstantBackoff:
    """The same delay before every retry."""

    seconds: float = attrs.field(default=1.0, validator=_non_negative)

    def delay(self, retry: int, previous: float, rng: Random) -> float:
        """``seconds``."""
        return self.seconds


@attrs.frozen
class DecorrelatedJitterBackoff:
    """Decorrelated jitter: uniform in ``[base, min(cap, 3 * previous)]``.

    Grows like exponential backoff on average while each delay depends on the previous
    one rather than on the retry number.
    """

    base: float = attrs.field(default=0.25, validator=_non_negative)
    cap: float = attrs.field(default=8.0, validator=_non_negative)

    def delay(self, retry: int, previous: float, rng: Random) -> float:
        """A random delay between ``base`` and three times the previous one, capped."""
        upper = min(self.cap, max(self.base, previous * 3.0))
        return min(self.cap, self.base + rng() * (upper - self.base))
