"""``protocol="auto"``: JSON-2 for Odoo 19 and later, JSON-RPC before, chosen once by
asking the server's version (``common.version`` over JSON-RPC, which every version
serves)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from odoo_async.errors import NotFoundError
from odoo_async.transport.base import Transport
from odoo_async.transport.json2 import Json2Transport
from odoo_async.transport.legacy import JsonRpcTransport, LegacyTransport
from odoo_async.transport.once import Once

__all__ = ["BUILT_IN_TRANSPORTS", "AutoTransport", "JSON2_SINCE"]

logger = logging.getLogger("odoo_async.transport")

JSON2_SINCE = 19
"""The first Odoo version with the JSON-2 API."""


class AutoTransport:
    """Picks JSON-2 or JSON-RPC on the first call and sticks to it."""

    def __init__(self, json2: Json2Transport, jsonrpc: JsonRpcTransport) -> None:
        self._json2 = json2
        self._jsonrpc = jsonrpc
        self._choice = Once(self._probe)

    def __repr__(self) -> str:
        chosen = type(self.chosen).__name__ if self.chosen else "not chosen yet"
        return f"AutoTransport({chosen})"

    @property
    def chosen(self) -> Transport | None:
        """The transport in use, once the first call chose it."""
        return self._choice.value

    async def choose(self) -> Transport:
        """The transport for this server (asks its version the first time).

        Raises:
            odoo_async.errors.OdooError: the version could not be read.
        """
        return await self._choice.get()

    async def _probe(self) -> Transport:
        version = await self._jsonrpc.version()
        info = version.get("version_info")
        major = info[0] if isinstance(info, list) and info else None
        modern = isinstance(major, int) and major >= JSON2_SINCE
        chosen: Transport = self._json2 if modern else self._jsonrpc
        logger.info("Odoo %s: talking %s", version.get("version") or "?",
                    "JSON-2" if modern else "JSON-RPC (JSON-2 needs Odoo 19)")
        return chosen

    async def call(self, model: str, method: str, payload: Mapping[str, Any]) -> Any:
        """The call over the chosen protocol.

        Raises:
            odoo_async.errors.OdooError: as the chosen transport raises.
        """
        return await (await self.choose()).call(model, method, payload)

    async def version(self) -> dict[str, Any]:
        """The server's version.

        Raises:
            odoo_async.errors.OdooError: as the chosen transport raises.
        """
        return await (await self.choose()).version()

    async def document(self, name: str, etag: str | None = None
                       ) -> tuple[int, str | None, Any]:
        """Odoo's API documentation, when the chosen protocol is JSON-2.

        Raises:
            NotFoundError: the chosen protocol has no bearer documentation.
            odoo_async.errors.OdooError: as :meth:`Json2Transport.document`.
        """
        if await self.choose() is self._json2:
            return await self._json2.document(name, etag)
        raise NotFoundError("the legacy protocols have no API documentation", status=404)

    async def aclose(self) -> None:
        """Close both transports."""
        await self._json2.aclose()
        await self._jsonrpc.aclose()


BUILT_IN_TRANSPORTS: Final = (Json2Transport, LegacyTransport, AutoTransport)
"""The transports the client builds itself (over HTTP, from a URL, a key and settings)."""
