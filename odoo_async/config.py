"""Connection settings shared by the HTTP transports."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["ConnectionLimits", "Timeout"]


def _positive_or_none(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"Timeout.{attribute.name} must be a positive number or None, "
                         f"got {value!r}")


@attrs.frozen
class Timeout:
    """How long a call may take, in seconds (``None``: no limit).

    Attributes:
        total: the whole call, from queueing for a connection to the last byte.
        connect: waiting for a pooled connection plus opening a new one. A call that
            times out here never left, so it is always safe to retry.
        read: the longest silence between two reads of the answer.

    The default total is generous because one Odoo call is one SQL transaction that can
    legitimately run for minutes (imports, invoicing); web apps usually want less.
    """

    total: float | None = attrs.field(default=120.0, validator=_positive_or_none)
    connect: float | None = attrs.field(default=10.0, validator=_positive_or_none)
    read: float | None = attrs.field(default=None, validator=_positive_or_none)


def _non_negative_int(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"ConnectionLimits.{attribute.name} must be an int >= 0, "
                         f"got {value!r}")


@attrs.frozen
class ConnectionLimits:
    """The connection pool.

    Attributes:
        max_connections: open connections at once (0: unlimited). The default stays well
            below the ~65 concurrent calls that exhaust a default Odoo database pool.
        keepalive_timeout: seconds an idle connection is kept for reuse. Short on purpose:
            a bare Odoo server closes every connection, and proxies close idle ones after
            some time; a short timeout makes reusing a connection the peer already closed
            rare (the transport reports it as a lost connection when it happens).
        force_close: never reuse connections (one TCP connection per call, as bare Odoo
            does anyway).
        max_answer_bytes: the largest answer accepted, after decompression (``None``: no
            limit); a larger one raises ``ProtocolError`` instead of filling memory.
    """

    max_connections: int = attrs.field(default=32, validator=_non_negative_int)
    keepalive_timeout: float = attrs.field(default=15.0)
    force_close: bool = False
    max_answer_bytes: int | None = attrs.field(default=512 * 1024 * 1024)

    @max_answer_bytes.validator
    def _check_max_answer(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1024):
            raise ValueError("ConnectionLimits.max_answer_bytes must be an int >= 1024 or "
                             f"None, got {value!r}")

    @keepalive_timeout.validator
    def _check_keepalive(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"ConnectionLimits.keepalive_timeout must be >= 0, got {value!r}")
