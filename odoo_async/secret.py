"""A wrapper that keeps credentials out of reprs, logs, exceptions and tracebacks."""

from __future__ import annotations

import hmac
from typing import Final

__all__ = ["Secret"]

_SHOWN_CHARS: Final = 4


class Secret:
    """Holds a credential (API key, webhook secret) without ever showing it.

    ``str()`` and ``repr()`` give a redacted form; only :meth:`reveal` returns the
    value, and the library calls it at the last moment (building a header or a URL).
    Two secrets compare equal when their values do, in constant time.
    """

    __slots__ = ("__value",)

    def __init__(self, value: str | Secret) -> None:
        """Wrap ``value``.

        Raises:
            TypeError: ``value`` is not a string.
            ValueError: ``value`` is empty or contains whitespace or control characters
                (it would break or forge an HTTP header).
        """
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"a secret must be a str, not {type(value).__name__}")
        if not value:
            raise ValueError("a secret must not be empty")
        if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise ValueError("a secret must not contain whitespace or control characters")
        self.__value = value

    def reveal(self) -> str:
        """Return the wrapped value. Never log or display what this returns."""
        return self.__value

    @property
    def hint(self) -> str:
        """A short redacted form, enough to tell two keys apart in a log: ``"…a1b2"``."""
        if len(self.__value) <= _SHOWN_CHARS * 2:
            return "…"
        return "…" + self.__value[-_SHOWN_CHARS:]

    def __repr__(self) -> str:
        return f"Secret('{self.hint}')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self.__value.encode(), other.__value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self.__value))

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("secrets cannot be pickled")
