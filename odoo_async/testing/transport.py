"""An in-memory transport for unit tests: every call goes to a function of yours, no
HTTP involved (httpx's ``MockTransport`` is the model).

::

    def handler(call: MockCall) -> Any:
        if call.method == "search_count":
            return 3
        raise errors.NotFoundError("no such method", status=404)

    odoo = Client("http://odoo.test", "key", transport=MockTransport(handler))
    assert await odoo.call("res.partner", "search_count", domain=[]) == 3
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from odoo_async import _json
from odoo_async.errors import ClientClosedError

__all__ = ["MockCall", "MockTransport"]


@attrs.frozen
class MockCall:
    """One call as the server would receive it: the JSON body decoded again, so the
    payload holds exactly what would travel (dates as strings, tuples as lists)."""

    model: str
    method: str
    payload: Mapping[str, Any]

    @property
    def ids(self) -> list[int] | None:
        """The ``ids`` the call runs on, if any."""
        ids = self.payload.get("ids")
        return list(ids) if isinstance(ids, list) else None

    @property
    def params(self) -> dict[str, Any]:
        """The method's arguments (the payload without ``ids`` and ``context``)."""
        return {k: v for k, v in self.payload.items() if k not in ("ids", "context")}


Handler = Callable[[MockCall], Any]


class MockTransport:
    """A :class:`~odoo_async.Transport` that answers every call with ``handler(call)``
    (a plain or async function). What it returns is the call's result (sent through
    JSON and back, as a server would); what it raises (an ``OdooError`` such as
    ``errors.ValidationError(...)``) is what the client raises. ``calls`` records every
    call in order.
    """

    def __init__(self, handler: Handler, *, version: Mapping[str, Any] | None = None) -> None:
        self._handler = handler
        self._version = dict(version or {"version_info": [19, 0, 0, "final", 0, ""],
                                         "version": "19.0"})
        self.calls: list[MockCall] = []
        self._closed = False

    async def call(self, model: str, method: str, payload: Mapping[str, Any]) -> Any:
        """Answer one call with the handler.

        Raises:
            ClientClosedError: after :meth:`aclose`.
            odoo_async.errors.OdooError: whatever the handler raises.
        """
        if self._closed:
            raise ClientClosedError("the client is closed; create a new one")
        call = MockCall(model, method, _json.loads(_json.dumps(dict(payload))))
        self.calls.append(call)
        result = self._handler(call)
        if inspect.isawaitable(result):
            result = await result
        return _json.loads(_json.dumps(result))

    async def version(self) -> dict[str, Any]:
        """The version given at construction (Odoo 19 by default)."""
        return dict(self._version)

    async def aclose(self) -> None:
        """Refuse further calls."""
        self._closed = True

    def __repr__(self) -> str:
        return f"MockTransport({len(self.calls)} calls)"


