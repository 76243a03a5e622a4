"""Where a receiver keeps the deliveries it acknowledged: durably, before answering.

:class:`SQLiteEventStore` (SQLite in WAL mode with full sync, through aiosqlite) is the
default; any object with the :class:`EventStore` methods can replace it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import json
import os
import sqlite3
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any, Protocol

import attrs

from odoo_async.webhooks.events import WebhookEvent

if TYPE_CHECKING:
    import aiosqlite

__all__ = ["DeadLetter", "EventStore", "SQLiteEventStore"]


@attrs.frozen
class DeadLetter:
    """An event whose handlers kept failing: the event and the last error."""

    event: WebhookEvent
    error: str


class EventStore(Protocol):
    """What a receiver needs of a store. Every method may be called concurrently."""

    async def open(self) -> None:
        """Create what is missing; called once before use."""

    async def close(self) -> None:
        """Release the store."""

    async def add(self, body: Mapping[str, Any], fingerprint: str, received_at: float,
                  dedupe_window: float) -> int | None:
        """Store a delivery durably and return its number, or ``None`` for a redelivery
        (the same body as the last one stored for that record, within the window)."""

    async def due(self, now: float, limit: int) -> list[WebhookEvent]:
        """Pending events whose time has come, oldest first, at most one per record
        (a record's later events wait for its earlier ones)."""

    async def next_due(self) -> float | None:
        """When the next event that may run is due (``None``: nothing pending)."""

    async def done(self, event_id: int) -> None:
        """The handlers ran without error."""

    async def retry_later(self, event_id: int, error: str, at: float) -> None:
        """The handlers failed; try again at ``at``."""

    async def dead(self, event_id: int, error: str) -> None:
        """The handlers failed for the last time."""

    async def dead_letters(self, limit: int) -> list[DeadLetter]:
        """Dead events, oldest first."""

    async def replay(self, event_id: int) -> bool:
        """Make a dead event pending again; whether there was one."""

    async def counts(self) -> dict[str, int]:
        """How many events are ``pending``, ``done`` and ``dead``."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS events_record ON events (model, record_id, id);
CREATE INDEX IF NOT EXISTS events_state ON events (state, next_at, id);
CREATE INDEX IF NOT EXISTS events_queue ON events (state, model, record_id, id);
"""

# the first pending event of each record: only those may run (a record's order holds)
_HEADS = ("SELECT MIN(id) FROM events WHERE state = 'pending' GROUP BY model, record_id")


def _event(row: Any) -> WebhookEvent:
    body = json.loads(row["body"])
    values = {k: v for k, v in body.items() if not k.startswith("_")}
    return WebhookEvent(
        id=row["id"], model=row["model"], record_id=row["record_id"],
        action=str(body.get("_action") or ""), values=values,
        received_at=dt.datetime.fromtimestamp(row["received_at"], dt.timezone.utc),
        attempts=row["attempts"])


def _exclusive(path: str) -> IO[bytes]:
    """Lock ``<path>.lock`` for this process: two receivers on one store would both
    handle every event.

    Raises:
        RuntimeError: another receiver (this process or another) uses the store.
    """
    handle = open(f"{path}.lock", "wb")  # noqa: SIM115 - held open for the lock's life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise RuntimeError(f"the event store {path!r} is used by another receiver: one "
                           "receiver per store") from None
    return handle


class SQLiteEventStore:
    """Events in one SQLite file (WAL, ``synchronous=FULL``: what was acknowledged
    survives a crash of the process or the machine). Concurrent deliveries are written
    in one transaction (group commit), so a burst costs one disk sync, not one each.

    Raises:
        ModuleNotFoundError: aiosqlite is not installed (``pip install
            'odoo-async[webhooks]'``), when opened.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._db: aiosqlite.Connection | None = None
        self._waiting: list[tuple[tuple[Any, ...], asyncio.Future[int | None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._lock: asyncio.Lock | None = None  # one statement sequence at a time
        self._lock_file: IO[bytes] | None = None

    def __repr__(self) -> str:
        return f"SQLiteEventStore({self.path!r})"

    async def open(self) -> None:
        """Open the file and create the table (idempotent).

        Raises:
            ModuleNotFoundError: aiosqlite is missing.
        """
        if self._db is not None:
            return
        try:
            import aiosqlite
        except ModuleNotFoundError:
            raise ModuleNotFoundError(
                "the webhook receiver's store needs aiosqlite: pip install "
                "'odoo-async[webhooks]'") from None
        self._lock_file = _exclusive(self.path)
        try:
            db = await aiosqlite.connect(self.path)
            try:
                db.row_factory = aiosqlite.Row
                await db.execute("PRAGMA journal_mode=WAL")
                await db.execute("PRAGMA synchronous=FULL")
                await db.executescript(_SCHEMA)
                await db.commit()
            except BaseException:
                await db.close()
                raise
        except BaseException:  # not a database, unreadable...: nothing kept locked
            self._lock_file.close()
            self._lock_file = None
            raise
        self._db = db
        self._lock = asyncio.Lock()  # made in the loop that uses the store
        self._waiting = []

    async def close(self) -> None:
        """Finish pending writes and close the file. Idempotent."""
        if self._writer is not None:
            await asyncio.shield(self._writer)
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock
            self._lock_file = None

    def _serial(self) -> asyncio.Lock:
        if self._lock is None:
            raise RuntimeError("the event store is not open")
        return self._lock

    def _connection(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("the event store is not open")
        return self._db

    async def add(self, body: Mapping[str, Any], fingerprint: str, received_at: float,
                  dedupe_window: float) -> int | None:
        """Store a delivery (with every delivery arriving meanwhile, in one transaction).

        Raises:
            RuntimeError: the store is not open.
            sqlite3.Error: the write failed (nothing was stored).
        """
        self._connection()
        row = (str(body["_model"]), int(body["_id"]), fingerprint,
               json.dumps(dict(body), separators=(",", ":")), received_at, dedupe_window)
        done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, done))
        if self._writer is None:
            self._writer = asyncio.ensure_future(self._write())
        return await asyncio.shield(done)

    async def _write(self) -> None:
        try:
            await asyncio.sleep(0)  # let the deliveries of this moment join the batch
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    numbers = await self._insert(batch)
                except Exception as error:  # every caller of the batch learns it
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(error)
                    continue
                for (_, done), number in zip(batch, numbers, strict=True):
                    if done.done():
                        continue
                    if isinstance(number, Exception):
                        done.set_exception(number)
                    else:
                        done.set_result(number)
        finally:
            self._writer = None

    async def _insert(self, batch: list[tuple[tuple[Any, ...], Any]]
                      ) -> list[int | Exception | None]:
        async with self._serial():
            return await self._insert_locked(batch)

    @staticmethod
    async def _insert_one(db: aiosqlite.Connection, model: str, record_id: int,
                          fingerprint: str, body: str, received_at: float, window: float
                          ) -> int | None:
        cursor = await db.execute(
            "SELECT fingerprint, received_at FROM events WHERE model = ? AND "
            "record_id = ? ORDER BY id DESC LIMIT 1", (model, record_id))
        last = await cursor.fetchone()
        if (last is not None and last["fingerprint"] == fingerprint
                and received_at - last["received_at"] <= window):
            return None
        cursor = await db.execute(
            "INSERT INTO events (model, record_id, fingerprint, body, received_at, "
            "next_at) VALUES (?, ?, ?, ?, ?, ?)",
            (model, record_id, fingerprint, body, received_at, received_at))
        return cursor.lastrowid

    async def _insert_locked(self, batch: list[tuple[tuple[Any, ...], Any]]
                             ) -> list[int | Exception | None]:
        db = self._connection()
        numbers: list[int | Exception | None] = []
        try:
            for (model, record_id, fingerprint, body, received_at, window), _ in batch:
                try:
                    numbers.append(await self._insert_one(
                        db, model, record_id, fingerprint, body, received_at, window))
                except (sqlite3.Error, OverflowError, UnicodeError) as error:
                    numbers.append(error)  # this delivery only: the others go on
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
        return numbers

    async def due(self, now: float, limit: int) -> list[WebhookEvent]:
        """Pending events due by ``now``, oldest first, a record's events in order.

        Raises:
            RuntimeError: the store is not open.
        """
        return [_event(row) for row in await self._select(
            f"SELECT * FROM events WHERE id IN ({_HEADS}) AND next_at <= ? ORDER BY id "
            "LIMIT ?", (now, limit))]

    async def next_due(self) -> float | None:
        """The earliest time an event that may run (first of its record) is due.

        Raises:
            RuntimeError: the store is not open.
        """
        rows = await self._select(  # a record's later events wait: not due on their own
            f"SELECT MIN(next_at) AS at FROM events WHERE id IN ({_HEADS})", ())
        return None if not rows or rows[0]["at"] is None else float(rows[0]["at"])

    async def _select(self, sql: str, values: tuple[Any, ...]) -> list[Any]:
        async with self._serial():
            cursor = await self._connection().execute(sql, values)
            return list(await cursor.fetchall())

    async def _update(self, sql: str, values: tuple[Any, ...]) -> int:
        async with self._serial():
            db = self._connection()
            cursor = await db.execute(sql, values)
            await db.commit()
            return cursor.rowcount

    async def done(self, event_id: int) -> None:
        """Mark handled.

        Raises:
            RuntimeError: the store is not open.
        """
        await self._update("UPDATE events SET state = 'done', attempts = attempts + 1 "
                           "WHERE id = ?", (event_id,))

    async def retry_later(self, event_id: int, error: str, at: float) -> None:
        """Count a failure and schedule the next try.

        Raises:
            RuntimeError: the store is not open.
        """
        await self._update("UPDATE events SET attempts = attempts + 1, last_error = ?, "
                           "next_at = ? WHERE id = ?", (error, at, event_id))

    async def dead(self, event_id: int, error: str) -> None:
        """Give up on the event (it stays, as a dead letter).

        Raises:
            RuntimeError: the store is not open.
        """
        await self._update("UPDATE events SET state = 'dead', attempts = attempts + 1, "
                           "last_error = ? WHERE id = ?", (error, event_id))

    async def dead_letters(self, limit: int) -> list[DeadLetter]:
        """Dead events, oldest first.

        Raises:
            RuntimeError: the store is not open.
        """
        return [DeadLetter(_event(row), str(row["last_error"] or ""))
                for row in await self._select(
                    "SELECT * FROM events WHERE state = 'dead' ORDER BY id LIMIT ?", (limit,))]

    async def replay(self, event_id: int) -> bool:
        """Make a dead event pending again, due now, with its attempts reset.

        Raises:
            RuntimeError: the store is not open.
        """
        changed = await self._update(
            "UPDATE events SET state = 'pending', attempts = 0, next_at = received_at "
            "WHERE id = ? AND state = 'dead'", (event_id,))
        return changed > 0

    async def counts(self) -> dict[str, int]:
        """Events by state.

        Raises:
            RuntimeError: the store is not open.
        """
        found = {row["state"]: row["n"] for row in await self._select(
            "SELECT state, COUNT(*) AS n FROM events GROUP BY state", ())}
        return {state: int(found.get(state, 0)) for state in ("pending", "done", "dead")}
