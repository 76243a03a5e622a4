"""A change feed: every record created or written after a cursor, page by page,
resumable. The way to catch up on what webhooks lost while a receiver was down."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from odoo_async.domain import Domain, F
from odoo_async.errors import ProtocolError
from odoo_async.orm.cache import RecordStore
from odoo_async.orm.fetchplan import FetchPlan
from odoo_async.orm.recordset import Recordset

if TYPE_CHECKING:
    from odoo_async.orm.env import Environment

__all__ = ["Change", "ChangeCursor", "changes"]

_STAMP: Final = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", re.ASCII)


@attrs.frozen(order=True)
class ChangeCursor:
    """Where a feed stands: the ``write_date`` (as Odoo sends it, UTC) and id of the last
    record seen. ``str(cursor)`` is its saved form; :meth:`parse` reads it back."""

    write_date: str
    id: int

    def __str__(self) -> str:
        return f"{self.write_date}|{self.id}"

    @classmethod
    def parse(cls, text: str) -> ChangeCursor:
        """A cursor from its saved form (``"2026-11-29 14:47:17|251613"``).

        Raises:
            ValueError: not a saved cursor.
        """
        stamp, _, number = str(text).partition("|")
        if (not _STAMP.fullmatch(stamp) or not (number.isascii() and number.isdigit())
                or int(number) < 1):
            raise ValueError(f"not a change cursor: {text!r} (expected "
                             "'YYYY-MM-DD HH:MM:SS|id')")
        return cls(stamp, int(number))


@attrs.frozen
class Change:
    """One record created or written after the cursor: the record (its fields read) and
    the cursor to resume after it."""

    record: Recordset
    cursor: ChangeCursor

    @property
    def id(self) -> int:
        """The record's id."""
        return self.cursor.id

    @property
    def write_date(self) -> dt.datetime:
        """When it was last written (aware, UTC)."""
        return dt.datetime.strptime(self.cursor.write_date, "%Y-%m-%d %H:%M:%S").replace(
            tzinfo=dt.timezone.utc)


def _after(cursor: ChangeCursor) -> Domain:
    return (F.write_date > cursor.write_date) | (
        (F.write_date == cursor.write_date) & (F.id > cursor.id))


def _is_seconds(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _stamp(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


async def changes(env: Environment, model: str, *, since: ChangeCursor | str | None,
                  fields: Sequence[str], domain: Domain | Sequence[Any] | None,
                  page_size: int, poll_interval: float | None, settle: float
                  ) -> AsyncIterator[Change]:
    """See :meth:`odoo_async.orm.Model.changes`.

    Raises:
        ValueError: a bad cursor, page size, interval or field.
        ProtocolError: a record that is not after the cursor (a server comparing
            ``write_date`` otherwise): raised before it is yielded again, never a loop.
        odoo_async.errors.OdooError: a call failed.
    """
    cursor = ChangeCursor.parse(since) if isinstance(since, str) else since
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError(f"page_size must be an int >= 1, got {page_size!r}")
    if poll_interval is not None and not (_is_seconds(poll_interval) and poll_interval > 0):
        raise ValueError(f"poll_interval must be > 0 seconds or None, got {poll_interval!r}")
    if not (_is_seconds(settle) and settle >= 0):
        raise ValueError(f"settle must be >= 0 seconds, got {settle!r}")
    wanted = Domain(domain if domain is not None else [])
    feed = env.with_context(active_test=False)  # archiving a record is a change too
    paths = tuple(dict.fromkeys([*fields, "write_date"]))
    _, plan = await feed.prepare_fetch(model, paths, wanted)
    clock = env.client.clock
    while True:
        page = wanted if cursor is None else wanted & _after(cursor)
        if settle:  # leave out what a transaction still committing might slip under
            page = page & (F.write_date <= _stamp(clock.time() - settle))
        store = RecordStore(None)
        ids = await feed.state.loader.fetch_query(
            store, feed.context, plan, page, order="write_date asc, id asc",
            limit=page_size, offset=0)
        plan = FetchPlan.ready(await plan.spec())  # known now: later pages go warm
        for record_id in ids:
            after = ChangeCursor(str(store.get(model, record_id, "write_date")), record_id)
            if cursor is not None and after <= cursor:
                raise ProtocolError(  # the server compares write_date otherwise: stop
                    f"{model}'s change feed does not move past {cursor}: the server's "
                    "write_date does not compare as the second it shows")
            cursor = after
            yield Change(Recordset.fetched(feed.with_store(store), model, [record_id], paths),
                         cursor)
        if len(ids) == page_size:
            continue
        if poll_interval is None:
            return
        await clock.sleep(poll_interval)
