"""What a traceback of the library would show of an error, for the secret checks."""

from __future__ import annotations

import traceback
from pathlib import Path

import odoo_async

LIBRARY = str(Path(odoo_async.__file__).parent)


def shown(error: BaseException) -> str:
    """The error's message, and the locals of every library frame of it and of the errors
    it chains to, with their messages: all a traceback with locals would show. (The
    test's own frames are left out: they hold the secrets they built.)"""
    parts = [str(error)]
    current: traceback.TracebackException | None = traceback.TracebackException.from_exception(
        error, capture_locals=True)
    while current is not None:
        parts += [f"{frame.filename} {frame.locals}" for frame in current.stack
                  if frame.filename.startswith(LIBRARY)]
        parts.append("".join(current.format_exception_only()))
        current = current.__cause__ or current.__context__
    return "\n".join(parts)
