"""bulk.write and bulk.unlink, call by call: which calls reach Odoo with which arguments,
and exactly what each row's result says, on an in-memory server scripted per test."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from odoo_async import Client, Secret, errors
from odoo_async.bulk import BulkError, BulkTimeoutError, Progress, RowStatus
from odoo_async.bulk import engine as engine_module
from odoo_async.testing import ManualClock, MockCall, MockTransport

URL = "https://odoo.test"
KEY = "k" * 40
FIELDS = {"ref": {"type": "char"}, "name": {"type": "char"}, "phone": {"type": "char"},
          "active": {"type": "boolean"}, "password": {"type": "char"}}
NO_TRACKING = {"tracking_disable": True}


def lost(method: str) -> errors.BadGatewayError:
    """A proxy's 502: the call may have run, its answer is lost."""
    return errors.BadGatewayError("Bad Gateway", status=502, model="res.partner",
                                  method=method)


def unknown_method(method: str) -> errors.UnknownMethodError:
    """Odoo's answer to a method that does not exist: final, about the model."""
    return errors.UnknownMethodError(f"The method 'res.partner.{method}' does not exist",
                                     status=404, name="odoo.exceptions.UserError")


def sent(transport: MockTransport) -> list[tuple[str, list[int] | None, dict[str, Any],
                                                   dict[str, Any]]]:
    """The data calls that reached the server: method, ids, arguments, context."""
    return [(c.method, c.ids, c.params, dict(c.payload.get("context", {})))
            for c in transport.calls if c.method != "fields_get"]


def rows_of(report: Any) -> list[tuple[Any, ...]]:
    return [(r.index, r.key, r.status, r.id, r.error) for r in report]


async def test_write_groups_rows_by_values_and_reports_every_row(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """One write per set of identical values (a record named again with the same values
    joins its group), the caller's context next to tracking_disable, one result per row
    with its ids, and a malformed row failing alone with a message saying what is
    expected; no progress bar unless asked, the callback called after the chunk."""
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # a bar would need tqdm

    def handler(call: MockCall) -> Any:
        return FIELDS if call.method == "fields_get" else True

    transport = MockTransport(handler)
    seen: list[Progress] = []
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.write("res.partner", [
            (7, {"phone": "1"}), ([8, 9], {"phone": "1"}), {"id": 10, "phone": "2"},
            {"phone": "3"}, (7, {"phone": "1"})], context={"lang": "fr_FR"},
            on_progress=seen.append)
    context = {**NO_TRACKING, "lang": "fr_FR"}
    assert sent(transport) == [("write", [7, 8, 9], {"vals": {"phone": "1"}}, context),
                               ("write", [10], {"vals": {"phone": "2"}}, context)]
    assert rows_of(report) == [
        (0, (7,), RowStatus.UPDATED, 7, None),
        (1, (8, 9), RowStatus.UPDATED, None, None),  # several records: no single id
        (2, (10,), RowStatus.UPDATED, 10, None),
        (3, None, RowStatus.FAILED, None, "row 3: expected an (id or ids, values) pair or "
                                          "a dict with an 'id': a dict row needs its "
                                          "record's 'id'"),
        (4, (7,), RowStatus.UPDATED, 7, None)]
    assert str(report).startswith("write res.partner: 5 rows: updated 4, failed 1 in 2 "
                                  "calls")
    assert not report.dry_run
    assert [(p.done, p.total) for p in seen] == [(5, 5)]


async def test_write_sends_200_rows_per_call_by_default() -> None:
    """Without chunk_size, a chunk holds 200 rows: 201 rows are two writes."""
    def handler(call: MockCall) -> Any:
        return FIELDS if call.method == "fields_get" else True

    transport = MockTransport(handler)
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.write("res.partner", [(i, {"phone": "1"})
                                                       for i in range(1, 202)],
                                       concurrency=1)
    assert report.updated == 201
    assert [c.ids for c in transport.calls if c.method == "write"] == [
        list(range(1, 201)), [201]]


async def test_unlink_reports_each_id_with_its_record_and_sends_the_context(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each deleted id is its row's key and id; the caller's context travels with
    tracking_disable; 500 ids per call by default; no progress bar unless asked."""
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)

    def handler(call: MockCall) -> Any:
        return True

    transport = MockTransport(handler)
    seen: list[Progress] = []
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.unlink("res.partner", [3, 4], context={"lang": "fr_FR"},
                                        on_progress=seen.append)
        context = {**NO_TRACKING, "lang": "fr_FR"}
        assert sent(transport) == [("unlink", [3, 4], {}, context)]
        assert rows_of(report) == [(0, 3, RowStatus.DELETED, 3, None),
                                   (1, 4, RowStatus.DELETED, 4, None)]
        assert str(report).startswith("unlink res.partner: 2 rows: deleted 2, failed 0 in "
                                      "1 calls")
        assert not report.dry_run
        assert [(p.done, p.total) for p in seen] == [(2, 2)]
        many = await odoo.bulk.unlink("res.partner", range(1, 502), concurrency=1)
    assert many.deleted == 501
    assert [len(c.ids or []) for c in transport.calls[1:]] == [500, 1]


async def test_unlink_chunks_are_cut_at_4_mib_of_body(monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    """Besides chunk_size, an unlink chunk is cut before its estimated body passes 4 MiB
    (each row's size estimate is made 4 KiB here, so 1024 rows fill 4 MiB exactly)."""
    class Sized:
        @staticmethod
        def dumps(value: Any) -> str:
            return "x" * 4095  # + 1 separator: 4096 bytes per row

    monkeypatch.setattr(engine_module, "_json", Sized)
    transport = MockTransport(lambda call: True)
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.unlink("res.partner", range(1, 1026), chunk_size=5000,
                                        concurrency=1)
    assert report.deleted == 1025
    assert [len(c.ids or []) for c in transport.calls] == [1024, 1]


async def test_dry_runs_of_write_and_unlink_say_so_and_send_nothing() -> None:
    """A dry run's report is marked as one (its summary says "(dry run)")."""
    transport = MockTransport(lambda call: FIELDS if call.method == "fields_get" else True)
    async with Client(URL, KEY, transport=transport) as odoo:
        wrote = await odoo.bulk.write("res.partner", [(7, {"phone": "1"})], dry_run=True)
        deleted = await odoo.bulk.unlink("res.partner", [7], dry_run=True)
    assert sent(transport) == []
    assert (wrote.dry_run, wrote.updated) == (True, 1)
    assert str(wrote).startswith("write res.partner (dry run): 1 rows")
    assert (deleted.dry_run, rows_of(deleted)) == (True, [(0, 7, RowStatus.DELETED, 7, None)])
    assert str(deleted).startswith("unlink res.partner (dry run): 1 rows")


async def test_the_deadline_stops_write_and_unlink_between_chunks() -> None:
    """deadline= stops sending: the chunk in flight lands, the next is skipped, and
    BulkTimeoutError carries the report."""
    clock = ManualClock()

    async def handler(call: MockCall) -> Any:
        if call.method == "fields_get":
            return FIELDS
        await clock.advance(30.0)  # the deadline passes while this call runs
        return True

    transport = MockTransport(handler)
    async with Client(URL, KEY, transport=transport, clock=clock) as odoo:
        with pytest.raises(BulkTimeoutError, match=r"deadline of 10\.0 s") as wrote:
            await odoo.bulk.write("res.partner", [(1, {"phone": "1"}), (2, {"phone": "2"})],
                                  chunk_size=1, concurrency=1, deadline=10.0)
        with pytest.raises(BulkTimeoutError, match=r"deadline of 10\.0 s") as deleted:
            await odoo.bulk.unlink("res.partner", [1, 2], chunk_size=1, concurrency=1,
                                   deadline=10.0)
    skipped = "the deadline passed before this row was sent"
    assert rows_of(wrote.value.report) == [(0, (1,), RowStatus.UPDATED, 1, None),
                                           (1, (2,), RowStatus.SKIPPED, None, skipped)]
    assert rows_of(deleted.value.report) == [(0, 1, RowStatus.DELETED, 1, None),
                                             (1, 2, RowStatus.SKIPPED, None, skipped)]
    assert [(m, ids) for m, ids, _, _ in sent(transport)] == [("write", [1]),
                                                              ("unlink", [1])]


async def test_a_lost_write_answer_is_sent_again() -> None:
    """Writes are idempotent: after a lost answer the client sends the same write again,
    in bulk.write and in upsert's writes, and the rows are updated (with their ids,
    whether their record was archived, and what changed)."""
    failures = {"write": 0}

    def handler(call: MockCall) -> Any:
        if call.method == "fields_get":
            return FIELDS
        if call.method == "search_read":
            return [{"id": 5, "ref": "R1", "name": "old", "active": True},
                    {"id": 6, "ref": "R2", "name": "old", "active": False}]
        if failures["write"] < 1:
            failures["write"] += 1
            raise lost("write")
        failures["write"] = 0  # the next operation loses its first answer too
        return True

    transport = MockTransport(handler)
    async with Client(URL, KEY, transport=transport,
                      clock=ManualClock(autojump=True)) as odoo:
        wrote = await odoo.bulk.write("res.partner", [(7, {"phone": "1"})])
        upserted = await odoo.bulk.upsert("res.partner", [
            {"ref": "R1", "name": "new"}, {"ref": "R2", "name": "new"}], key="ref")
    assert rows_of(wrote) == [(0, (7,), RowStatus.UPDATED, 7, None)]
    assert [(r.index, r.key, r.status, r.id, r.archived, r.changes) for r in upserted] == [
        (0, "R1", RowStatus.UPDATED, 5, False, ("name",)),
        (1, "R2", RowStatus.UPDATED, 6, True, ("name",))]
    writes = [(ids, params) for method, ids, params, _ in sent(transport)
              if method == "write"]
    assert writes == [([7], {"vals": {"phone": "1"}})] * 2 + [
        ([5, 6], {"vals": {"name": "new"}})] * 2


async def test_rows_in_flight_when_the_operation_stops_are_never_skipped() -> None:
    """A fatal answer to a write or an unlink (Odoo answered an error: nothing ran)
    stops the operation; the rows that call carried are failed with the reason, the
    rows never sent are skipped."""
    def handler(call: MockCall) -> Any:
        if call.method == "fields_get":
            return FIELDS
        if call.method == "search_read":
            return [{"id": 5, "ref": "R1", "name": "old", "active": True}]
        raise unknown_method(call.method)

    async with Client(URL, KEY, transport=MockTransport(handler)) as odoo:
        with pytest.raises(BulkError) as wrote:
            await odoo.bulk.write("res.partner", [(1, {"phone": "1"}), (2, {"phone": "2"})],
                                  chunk_size=1, concurrency=1)
        with pytest.raises(BulkError) as upserted:
            await odoo.bulk.upsert("res.partner", [{"ref": "R1", "name": "new"}], key="ref")
        with pytest.raises(BulkError) as deleted:
            await odoo.bulk.unlink("res.partner", [1, 2], chunk_size=1, concurrency=1)
    for caught, method in ((wrote, "write"), (upserted, "write"), (deleted, "unlink")):
        why = (f"UnknownMethodError: The method 'res.partner.{method}' does not exist "
               "[odoo.exceptions.UserError, HTTP 404]")
        first, *rest = caught.value.report
        assert (first.index, first.status, first.error) == (
            0, RowStatus.FAILED, f"the operation stopped on {why}")
        assert [(r.status, r.error) for r in rest] == [
            (RowStatus.SKIPPED, f"the operation stopped before this row was sent "
                                f"({why.split(': ', 1)[1]})")] * len(rest)
    assert len(wrote.value.report) == len(deleted.value.report) == 2


def unlink_server(existing: dict[int, bool], unlink_answers: list[str]
                  ) -> MockTransport:
    """A server holding ``existing`` records (id: active) whose successive unlinks are
    answered per ``unlink_answers``: "lost" (not run, the answer is a 502), "refused"
    (a user error), "ok" (run)."""
    answers = iter(unlink_answers)

    def handler(call: MockCall) -> Any:
        if call.method == "search":
            domain = call.params["domain"]
            active_only = call.payload.get("context", {}).get("active_test", True)
            wanted = set(domain[0][2]) if isinstance(domain, list) and domain else set(existing)
            return sorted(i for i in wanted
                          if i in existing and (existing[i] or not active_only))
        assert call.method == "unlink"
        answer = next(answers)
        if answer == "lost":
            raise lost("unlink")
        if answer == "refused":
            raise errors.UserError("You cannot delete a partner with invoices", status=200,
                                   name="odoo.exceptions.UserError")
        for record_id in call.ids or []:
            existing.pop(record_id, None)
        return True

    return MockTransport(handler)


GONE = "gone after a lost answer: deleted by this call, or already gone before it"


async def test_a_lost_unlink_answer_is_settled_by_looking_archived_records_included(
) -> None:
    """After a lost unlink answer, one search (archived records included) tells which ids
    still exist: the others are deleted with a note, the ones left are unlinked again."""
    transport = unlink_server({3: True, 4: True, 5: False}, ["lost", "ok"])
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.unlink("res.partner", [3, 4, 5, 6])
    assert sent(transport) == [
        ("unlink", [3, 4, 5, 6], {}, NO_TRACKING),
        ("search", None, {"domain": [["id", "in", [3, 4, 5, 6]]]},
         {**NO_TRACKING, "active_test": False}),
        ("unlink", [3, 4, 5], {}, NO_TRACKING)]
    assert rows_of(report) == [(0, 3, RowStatus.DELETED, 3, None),
                               (1, 4, RowStatus.DELETED, 4, None),
                               (2, 5, RowStatus.DELETED, 5, None),
                               (3, 6, RowStatus.DELETED, 6, GONE)]
    assert report.ok


async def test_an_unlink_lost_again_while_settling_is_outcome_unknown() -> None:
    """The unlink sent again after looking is not looked up a second time: if its answer
    is lost too, its rows are outcome_unknown (also after splitting a refused one)."""
    why = "may or may not have been applied"
    transport = unlink_server({3: True, 4: True}, ["lost", "lost", "ok"])
    async with Client(URL, KEY, transport=transport) as odoo:
        twice = await odoo.bulk.unlink("res.partner", [3, 4])
    assert [m for m, _, _, _ in sent(transport)] == ["unlink", "search", "unlink"]
    assert [(r.status, why in (r.error or "")) for r in twice] == [
        (RowStatus.OUTCOME_UNKNOWN, True)] * 2

    transport = unlink_server({3: True, 4: True}, ["lost", "refused", "lost", "ok", "ok"])
    async with Client(URL, KEY, transport=transport) as odoo:
        split = await odoo.bulk.unlink("res.partner", [3, 4])
    assert [(m, ids) for m, ids, _, _ in sent(transport)] == [
        ("unlink", [3, 4]), ("search", None), ("unlink", [3, 4]), ("unlink", [3]),
        ("unlink", [4])]
    assert [(r.status, why in (r.error or "")) for r in split] == [
        (RowStatus.OUTCOME_UNKNOWN, True), (RowStatus.DELETED, False)]


async def test_write_sends_a_secret_value_revealed() -> None:
    """A Secret (a password) can be written in bulk: the write carries its value."""
    transport = MockTransport(lambda call: FIELDS if call.method == "fields_get" else True)
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.write("res.users", [(2, {"password": Secret("s3cr3t-pw")})])
    assert rows_of(report) == [(0, (2,), RowStatus.UPDATED, 2, None)]
    assert sent(transport) == [("write", [2], {"vals": {"password": "s3cr3t-pw"}},
                                NO_TRACKING)]
