"""JSON encoding and decoding: orjson when installed (the ``speed`` extra), else json."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from odoo_async.secret import Secret

__all__ = ["BACKEND", "dumps", "loads"]

_orjson: ModuleType | None
try:
    import orjson as _orjson_module
except ImportError:  # pragma: no cover - exercised when the extra is not installed
    _orjson = None
else:
    _orjson = _orjson_module

BACKEND = "orjson" if _orjson is not None else "json"


def _reveal(value: Any) -> Any:
    """A :class:`Secret` in a body is written as its value: the only place it is."""
    if isinstance(value, Secret):
        return value.reveal()
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def dumps(value: Any) -> bytes:
    """Encode ``value`` (already made of JSON types, and :class:`Secret` objects, written
    as their value) as compact UTF-8 JSON.

    Raises:
        TypeError: ``value`` holds something JSON cannot carry.
    """
    if _orjson is not None:
        try:
            encoded: bytes = _orjson.dumps(value, default=_reveal)
        except _orjson.JSONEncodeError as exc:
            raise TypeError(str(exc)) from None  # its context holds the value
        return encoded
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                      default=_reveal).encode()


def loads(data: bytes | str) -> Any:
    """Decode JSON text.

    Raises:
        ValueError: ``data`` is not valid JSON (``json.JSONDecodeError`` is a ValueError).
    """
    if _orjson is not None:
        return _orjson.loads(data)
    return json.loads(data)
