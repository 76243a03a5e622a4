"""The transport interface: send one call, return the decoded result or raise.

Everything above a transport (resilience, the client, recordsets) talks to this
protocol only, so a test or a legacy protocol can plug in below the client.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, Protocol, runtime_checkable

__all__ = ["Transport", "validate_method", "validate_model"]

_MODEL: Final = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
_METHOD: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
MAX_NAME: Final = 128
"""The longest model or method name accepted (Odoo's are far shorter)."""


def validate_model(model: object) -> str:
    """Return ``model`` if it is a well-formed Odoo model name (``res.partner``).

    Raises:
        ValueError: it is empty or holds anything but letters, digits, underscores and
            single dots between them (a slash, ``..``, a space...).
        TypeError: it is not a string.
    """
    if not isinstance(model, str):
        raise TypeError(f"model name must be a str, not {type(model).__name__}")
    if len(model) > MAX_NAME or not _MODEL.fullmatch(model):
        raise ValueError(
            f"invalid model name {model[:80]!r}: expected dotted words of letters, digits "
            f"and underscores, like 'res.partner', at most {MAX_NAME} characters"
        )
    return model


def validate_method(method: object) -> str:
    """Return ``method`` if it is a callable public method name (``search_read``).

    Raises:
        ValueError: it is empty, starts with an underscore (private: Odoo refuses it) or
            holds anything but letters, digits and underscores.
        TypeError: it is not a string.
    """
    if not isinstance(method, str):
        raise TypeError(f"method name must be a str, not {type(method).__name__}")
    if method.startswith("_"):
        raise ValueError(f"invalid method name {method!r}: private methods cannot be called")
    if len(method) > MAX_NAME or not _METHOD.fullmatch(method):
        raise ValueError(
            f"invalid method name {method[:80]!r}: expected at most {MAX_NAME} letters, digits "
            "and underscores, starting with a letter"
        )
    return method


@runtime_checkable
class Transport(Protocol):
    """Sends calls to one Odoo server.

    ``payload`` is a JSON-ready mapping: the method's keyword arguments plus the reserved
    ``ids`` and ``context``. Model and method names have been validated by the caller.
    """

    async def call(self, model: str, method: str, payload: Mapping[str, Any]) -> Any:
        """Run ``model.method`` and return the decoded result.

        Raises:
            odoo_async.errors.OdooError: a subclass saying what went wrong.
        """
        ...

    async def version(self) -> dict[str, Any]:
        """Return the server's version information (no authentication needed).

        Raises:
            odoo_async.errors.OdooError: a subclass saying what went wrong.
        """
        ...

    async def aclose(self) -> None:
        """Release connections. Further calls raise ``ClientClosedError``."""
        ...
