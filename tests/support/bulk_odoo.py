"""An in-memory Odoo for bulk tests: it knows the fields it is given and lets a
function answer every other call, recording them (``MockTransport``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from odoo_async.testing import MockCall, MockTransport


def knowing(fields: Mapping[str, Any], answer: Callable[[MockCall], Any]) -> MockTransport:
    """A server answering ``fields_get`` with ``fields`` on every model, and every other
    call with ``answer(call)`` (raised when it is an exception)."""
    def handler(call: MockCall) -> Any:
        if call.method == "fields_get":
            return fields
        result = answer(call)
        if isinstance(result, Exception):
            raise result
        return result

    return MockTransport(handler)


def sent(transport: MockTransport) -> list[tuple[str, str, dict[str, Any]]]:
    """The calls after ``fields_get``: model, method and the whole payload."""
    return [(c.model, c.method, dict(c.payload)) for c in transport.calls
            if c.method != "fields_get"]
