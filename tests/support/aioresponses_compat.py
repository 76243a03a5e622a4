"""Make aioresponses 0.7.9 work on aiohttp 3.14.

aiohttp 3.14 made ``stream_writer`` a required argument of ``ClientResponse`` and
aioresponses does not pass it. The mocked responses never write anything, so a stand-in
writer that reports zero bytes sent is enough. On older aiohttp this changes nothing.
"""

from __future__ import annotations

import inspect
from typing import Any

import aioresponses.core
from aiohttp import ClientResponse


class _NoWriter:
    output_size = 0


def _needs_stream_writer() -> bool:
    return "stream_writer" in inspect.signature(ClientResponse.__init__).parameters


class CompatClientResponse(ClientResponse):
    """A ``ClientResponse`` that supplies ``stream_writer`` when aioresponses omits it."""

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        if _needs_stream_writer():
            kwargs.setdefault("stream_writer", _NoWriter())
        super().__init__(method, url, **kwargs)


def install(monkeypatch: Any) -> None:
    """Patch aioresponses (for one test) to build :class:`CompatClientResponse` objects."""
    monkeypatch.setattr(aioresponses.core, "ClientResponse", CompatClientResponse)
