"""What a bulk operation did, row by row: :class:`BulkReport` and its :class:`RowResult`s."""

from __future__ import annotations

import enum
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from odoo_async.errors import OdooError

__all__ = ["BulkError", "BulkReport", "BulkTimeoutError", "RowResult", "RowStatus"]

logger = logging.getLogger("odoo_async.bulk")


class RowStatus(str, enum.Enum):
    """What happened to one input row (compares equal to its value: ``"updated"``)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    FAILED = "failed"
    SKIPPED = "skipped"
    OUTCOME_UNKNOWN = "outcome_unknown"
    """The call that carried the row may or may not have been applied (a lost answer
    after sending a ``create``); the row was not sent again."""


@attrs.frozen
class RowResult:
    """The fate of one input row.

    Attributes:
        index: the row's position in the input (0-based).
        key: the row's key (upsert), or ``None``.
        status: what happened.
        id: the record's id (created, updated, unchanged, deleted), or ``None``.
        error: Odoo's message (or the library's) for a failed or skipped row.
        archived: the record was found archived (upsert looks at archived records too).
        changes: for a planned or done update, the fields that differed.
    """

    index: int
    key: Any
    status: RowStatus
    id: int | None = None
    error: str | None = None
    archived: bool = False
    changes: tuple[str, ...] = ()


class BulkReport:
    """Every row's result, in input order, and the counts.

    The counts (``created``, ``updated``, ``unchanged``, ``deleted``, ``failed``,
    ``skipped``, ``outcome_unknown``) always add up to ``rows``, the rows read from the
    input. ``calls`` counts the calls made to Odoo, ``duration`` the seconds the operation
    took, ``concurrency`` the limits on chunks in flight it went through. With
    ``dry_run=True`` nothing was written: the statuses say what would happen.
    """

    def __init__(self, operation: str, model: str, *, dry_run: bool = False) -> None:
        self.operation = operation
        self.model = model
        self.dry_run = dry_run
        self.calls = 0
        self.duration = 0.0
        self.completed = False
        self.concurrency: list[int] = []
        self._results: dict[int, RowResult] = {}
        self._counts: Counter[RowStatus] = Counter()
        self._rows = 0

    # -- filling -------------------------------------------------------------------

    def read_row(self) -> int:
        """Count one more input row; returns its index."""
        index = self._rows
        self._rows += 1
        return index

    def record(self, result: RowResult) -> None:
        """Set a row's result (a later result for the same row replaces the earlier)."""
        previous = self._results.get(result.index)
        if previous is not None:
            self._counts[previous.status] -= 1
        self._results[result.index] = result
        self._counts[result.status] += 1

    # -- reading -------------------------------------------------------------------

    @property
    def rows(self) -> int:
        """Rows read from the input."""
        return self._rows

    def count(self, status: RowStatus) -> int:
        """Rows with ``status``."""
        return self._counts[status]

    @property
    def created(self) -> int:
        """Rows that created a record."""
        return self._counts[RowStatus.CREATED]

    @property
    def updated(self) -> int:
        """Rows whose record was written."""
        return self._counts[RowStatus.UPDATED]

    @property
    def unchanged(self) -> int:
        """Rows whose record already held the same values (nothing written)."""
        return self._counts[RowStatus.UNCHANGED]

    @property
    def deleted(self) -> int:
        """Records deleted (``unlink``)."""
        return self._counts[RowStatus.DELETED]

    @property
    def failed(self) -> int:
        """Rows Odoo (or the library) refused; ``error`` says why."""
        return self._counts[RowStatus.FAILED]

    @property
    def skipped(self) -> int:
        """Rows not sent: a duplicate key, or the operation stopped before them."""
        return self._counts[RowStatus.SKIPPED]

    @property
    def outcome_unknown(self) -> int:
        """Rows whose call may or may not have been applied."""
        return self._counts[RowStatus.OUTCOME_UNKNOWN]

    @property
    def ok(self) -> bool:
        """Every row read was applied (or already matched), none failed or unknown."""
        return self.completed and self.failed == self.skipped == self.outcome_unknown == 0

    @property
    def rows_per_second(self) -> float:
        """Rows handled per second of the operation."""
        return self._rows / self.duration if self.duration > 0 else 0.0

    @property
    def results(self) -> list[RowResult]:
        """One result per row read, in input order."""
        return [self._results[index] for index in sorted(self._results)]

    def __iter__(self) -> Iterator[RowResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return self._rows

    def __getitem__(self, index: int) -> RowResult:
        return self._results[index]

    def failures(self) -> list[RowResult]:
        """The failed, skipped and outcome-unknown rows, in input order."""
        bad = (RowStatus.FAILED, RowStatus.SKIPPED, RowStatus.OUTCOME_UNKNOWN)
        return [r for r in self.results if r.status in bad]

    def ids(self, *statuses: RowStatus | str) -> list[int]:
        """Record ids of the rows with one of ``statuses`` (a :class:`RowStatus` or its
        value, ``"created"``; all rows with an id when none is given), in input order.

        Raises:
            ValueError: an unknown status.
        """
        wanted = {RowStatus(status) for status in statuses}
        return [r.id for r in self.results
                if r.id is not None and (not wanted or r.status in wanted)]

    def summary(self) -> str:
        """One line: the counts, the calls and the speed."""
        parts = [f"{status.value.replace('_', ' ')} {self._counts[status]}"
                 for status in RowStatus if self._counts[status]
                 or status in (RowStatus.FAILED,)]
        head = f"{self.operation} {self.model}" + (" (dry run)" if self.dry_run else "")
        return (f"{head}: {self._rows} rows: {', '.join(parts)} in {self.calls} calls, "
                f"{self.duration:.1f} s ({self.rows_per_second:.0f} rows/s)")

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<BulkReport {self.summary()}>"

    def check(self) -> BulkReport:
        """Return the report, or raise if a row failed, was skipped or has an unknown
        outcome.

        Raises:
            BulkError: naming the first few failures.
        """
        if self.failed or self.skipped or self.outcome_unknown:
            raise BulkError(self)
        return self


def _describe(failures: Sequence[RowResult], limit: int = 3) -> str:
    shown = "; ".join(f"row {r.index} ({r.status.value}): {r.error}" for r in failures[:limit])
    more = f"; and {len(failures) - limit} more" if len(failures) > limit else ""
    return shown + more


class BulkError(OdooError):
    """A bulk operation ended with rows not applied; ``report`` says which and why."""

    def __init__(self, report: BulkReport, message: str | None = None) -> None:
        self.report = report
        super().__init__(message or f"{report.summary()}: {_describe(report.failures())}")

    def __reduce__(self) -> Any:
        return type(self), (self.report, self.args[0])


class BulkTimeoutError(BulkError, TimeoutError):
    """A bulk operation reached its ``deadline``: what landed is in ``report`` (rows not
    sent are ``skipped``)."""
