"""A value worked out once, by the first caller, and shared (the uid a legacy server
gives, the protocol a server speaks)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["Once"]

T = TypeVar("T")


class Once(Generic[T]):
    """``await once.get()`` runs ``compute`` the first time and returns its result ever
    after. Concurrent first callers share one run; a caller cancelled while waiting does
    not cancel it; a failure reaches every waiter and the next call tries again."""

    def __init__(self, compute: Callable[[], Awaitable[T]]) -> None:
        self._compute = compute
        self._value: tuple[T] | None = None
        self._running: asyncio.Future[T] | None = None

    @property
    def value(self) -> T | None:
        """The value, once worked out (no I/O)."""
        return self._value[0] if self._value is not None else None

    async def _run(self) -> T:
        value = await self._compute()
        self._value = (value,)
        return value

    async def get(self) -> T:
        """The value, working it out the first time.

        Raises:
            BaseException: whatever ``compute`` raised (the next call tries again).
        """
        if self._value is not None:
            return self._value[0]
        if self._running is None:
            self._running = asyncio.ensure_future(self._run())
        running = self._running
        try:
            return await asyncio.shield(running)
        finally:
            if running.done():
                self._running = None
