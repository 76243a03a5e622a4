"""Bulk sync on the fake Odoo: every row accounted for, nothing lost, nothing duplicated,
nothing written twice, memory bounded."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from typing import Any

import pytest

from odoo_async import Client, F, Secret, errors
from odoo_async import errors as errors_module
from odoo_async.bulk import (
    AdaptiveConcurrency,
    BulkError,
    BulkReport,
    BulkTimeoutError,
    FixedConcurrency,
    Progress,
    RowStatus,
)
from odoo_async.bulk import api as bulk_api
from odoo_async.bulk import engine as engine_module
from odoo_async.resilience import ConstantBackoff, ManualClock, RetryPolicy
from odoo_async.testing import (
    FakeOdoo,
    MockCall,
    MockTransport,
    ResetAfterExecute,
    StatusAfterExecute,
)
from tests.support.bulk_odoo import knowing
from tests.support.gates import HoldNth
from tests.support.timeouts import HANG_TIMEOUT


def partners(count: int, prefix: str = "B", **extra: Any) -> list[dict[str, Any]]:
    return [{"ref": f"{prefix}{i}", "name": f"Partner {i}", "email": f"p{i}@example.com",
             **extra} for i in range(count)]


def writes(server: FakeOdoo, model: str = "res.partner") -> int:
    return sum(server.executed[f"{model}/{method}"] for method in ("create", "write", "load"))


def stored(server: FakeOdoo, prefix: str) -> dict[str, list[int]]:
    env = server.env(active_test=False)
    found: dict[str, list[int]] = collections.defaultdict(list)
    ids = env.search("res.partner", [("ref", "=like", f"{prefix}%")])
    for row in env.read("res.partner", ids, ["ref"]):
        found[row["ref"]].append(row["id"])
    return found


async def second_run_writes_nothing(fake_odoo: FakeOdoo, count: int) -> None:
    rows = partners(count, country_id=21, category_id=[1, 2], comment="plain text",
                    credit_limit=10.5, is_company=False)
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        first = await odoo.bulk.upsert("res.partner", rows, key="ref")
        assert (first.created, first.rows, first.ok) == (count, count, True)
        assert len(first.ids(RowStatus.CREATED)) == count
        before = writes(fake_odoo)
        second = await odoo.bulk.upsert("res.partner", rows, key="ref")
    assert second.unchanged == second.rows == count
    assert writes(fake_odoo) == before  # no create, write or load call at all
    assert second.calls == count // 200  # one search_read per chunk of 200
    assert [r.id for r in second] == [r.id for r in first]
    assert all(len(ids) == 1 for ids in stored(fake_odoo, "B").values())


@pytest.mark.slow
async def test_a_second_run_of_10k_rows_writes_nothing(fake_odoo: FakeOdoo) -> None:
    await second_run_writes_nothing(fake_odoo, 10_000)


async def test_a_second_run_writes_nothing(fake_odoo: FakeOdoo) -> None:
    await second_run_writes_nothing(fake_odoo, 600)


async def test_mixed_create_update_unchanged_with_grouped_writes(fake_odoo: FakeOdoo
                                                                 ) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo.bulk.upsert("res.partner", partners(10), key="ref")
        rows = partners(14)
        for i in (1, 2, 3):
            rows[i]["email"] = "shared@example.com"  # three rows, one write
        rows[5]["name"] = "Renamed"
        report = await odoo.bulk.upsert("res.partner", rows, key="ref")
    assert (report.created, report.updated, report.unchanged) == (4, 4, 6)
    assert report.calls == 4  # search_read, create, 2 writes (shared email; the rename)
    assert report[5].changes == ("name",)
    assert str(report).startswith("upsert res.partner: 14 rows: created 4, updated 4, "
                                  "unchanged 6, failed 0 in 4 calls")
    # The writes reached the records they were planned for, and only those.
    env = fake_odoo.env()
    found = {row["ref"]: (row["name"], row["email"]) for row in env.read(
        "res.partner", env.search("res.partner", [("ref", "=like", "B%")]),
        ["ref", "name", "email"])}
    assert found == {row["ref"]: (row["name"], row["email"]) for row in rows}


async def test_one_bad_row_in_200_fails_alone_with_odoos_message(fake_odoo: FakeOdoo
                                                                 ) -> None:
    rows = partners(200)
    rows[137]["name"] = False
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        report = await odoo.bulk.upsert("res.partner", rows, key="ref")
    assert (report.created, report.failed) == (199, 1)
    (bad,) = report.failures()
    assert (bad.index, bad.key, bad.status) == (137, "B137", RowStatus.FAILED)
    assert bad.error is not None
    assert "Contacts require a name" in bad.error
    assert report.calls <= 2 + 2 * 8  # the search, the refused chunk, then halving
    assert "B137" not in stored(fake_odoo, "B")


async def test_a_lost_create_answer_is_reconciled_without_duplicates(fake_odoo: FakeOdoo
                                                                     ) -> None:
    fake_odoo.faults.queue(ResetAfterExecute(), match="res.partner/create")
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        report = await odoo.bulk.upsert("res.partner", partners(300), key="ref")
    assert (report.created, report.outcome_unknown) == (300, 0)
    assert fake_odoo.executed["res.partner/create"] == 2  # the lost chunk ran once
    found = stored(fake_odoo, "B")
    assert len(found) == 300
    assert all(len(ids) == 1 for ids in found.values())
    assert sorted(report.ids()) == sorted(i for ids in found.values() for i in ids)


async def test_a_lost_create_answer_without_a_key_is_outcome_unknown(fake_odoo: FakeOdoo
                                                                     ) -> None:
    fake_odoo.faults.queue(StatusAfterExecute(504), match="res.partner/create")
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        report = await odoo.bulk.create("res.partner", partners(250), chunk_size=100,
                                        concurrency=1)
    assert (report.created, report.outcome_unknown) == (150, 100)
    assert fake_odoo.executed["res.partner/create"] == 3  # never re-sent blindly
    assert {r.status for r in report.results[:100]} == {RowStatus.OUTCOME_UNKNOWN}


async def test_cancelling_mid_run_reports_exactly_what_landed(fake_odoo: FakeOdoo) -> None:
    gate = HoldNth(hold=3)
    fake_odoo.faults.always(gate, match="res.partner/create")
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        operation = odoo.bulk.upsert("res.partner", partners(1000), key="ref",
                                     chunk_size=100, concurrency=1)
        task = asyncio.create_task(operation.run())
        await gate.arrived.wait()  # the third create is on the server
        task.cancel()
        gate.open.set()  # ... and it commits: the report must say so
        with pytest.raises(asyncio.CancelledError):
            await task
    report = operation.report
    found = stored(fake_odoo, "B")
    assert report.created == len(found) == 300
    assert sorted(report.ids(RowStatus.CREATED)) == sorted(i for v in found.values() for i in v)
    assert report.created + report.skipped == report.rows
    assert not report.completed


async def rows_are_read_as_they_are_sent(count: int) -> None:
    """``count`` rows through an in-memory server: the input is never held whole."""
    created = 0
    lead: list[int] = []
    read = 0

    def handler(call: MockCall) -> Any:
        nonlocal created
        if call.method == "fields_get":
            return {"name": {"type": "char"}, "ref": {"type": "char"}}
        assert call.method == "create"
        start = created
        created += len(call.params["vals_list"])
        return list(range(start + 1, created + 1))

    async def rows() -> AsyncIterator[dict[str, Any]]:
        nonlocal read
        for i in range(count):
            read += 1
            lead.append(read - created)
            yield {"name": f"row {i}", "ref": f"R{i}"}

    async with Client("https://odoo.test", "k" * 40,
                      transport=MockTransport(handler)) as odoo:
        report = await odoo.bulk.create("res.partner", rows(), chunk_size=500,
                                        concurrency=2)
    assert report.created == created == count
    assert max(lead) <= 500 * 4  # chunks in flight plus the one being read


@pytest.mark.slow
async def test_rows_from_an_async_generator_are_read_as_they_are_sent() -> None:
    await rows_are_read_as_they_are_sent(100_000)


async def test_rows_of_an_async_generator_are_read_as_they_are_sent() -> None:
    await rows_are_read_as_they_are_sent(5_000)  # ten chunks: more than are held at once


async def test_archived_records_are_found_by_key_and_can_be_reactivated(
    fake_odoo: FakeOdoo
) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        first = await odoo.bulk.upsert("res.partner", partners(3), key="ref")
        await odoo["res.partner"].browse(first[1].id).action_archive()
        again = await odoo.bulk.upsert("res.partner", partners(3), key="ref")
        assert again[1].status is RowStatus.UNCHANGED
        assert again[1].archived
        assert again.created == 0
        revived = await odoo.bulk.upsert("res.partner", partners(3), key="ref",
                                         reactivate=True)
        assert revived[1].status is RowStatus.UPDATED
        assert revived[1].changes == ("active",)
    assert len(stored(fake_odoo, "B")["B1"]) == 1


async def test_duplicate_keys_missing_keys_and_bad_values_are_reported(fake_odoo: FakeOdoo
                                                                       ) -> None:
    rows: list[Any] = [*partners(3), {"ref": "B1", "name": "again"}, {"name": "no key"},
                       {"ref": "B9", "name": object()}, "not a row",
                       {"ref": "B8", "nmae": "typo"}]
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        report = await odoo.bulk.upsert("res.partner", rows, key="ref")
    assert report.rows == 8
    assert report.created == 3
    statuses = [r.status for r in report]
    assert statuses[3:] == [RowStatus.SKIPPED] + [RowStatus.FAILED] * 4
    assert "duplicate key 'B1': row 1" in (report[3].error or "")
    assert "no key field 'ref'" in (report[4].error or "")
    assert "object values cannot be sent" in (report[5].error or "")
    assert "did you mean 'name'" in (report[7].error or "")
    with pytest.raises(BulkError, match="row 3"):
        report.check()


async def test_a_dry_run_plans_and_writes_nothing(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo.bulk.upsert("res.partner", partners(4), key="ref")
        before = writes(fake_odoo)
        rows = partners(6)
        rows[0]["name"] = "New name"
        plan = await odoo.bulk.upsert("res.partner", rows, key="ref", dry_run=True)
    assert writes(fake_odoo) == before
    assert plan.dry_run
    assert "(dry run)" in str(plan)
    assert [r.status for r in plan] == [RowStatus.UPDATED] + [RowStatus.UNCHANGED] * 3 + \
        [RowStatus.CREATED] * 2
    assert plan[0].changes == ("name",)


async def test_composite_keys(fake_odoo: FakeOdoo) -> None:
    rows = [{"name": f"N{i % 3}", "ref": f"R{i // 3}", "email": f"{i}@x"} for i in range(9)]
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        first = await odoo.bulk.upsert("res.partner", rows, key=("name", "ref"))
        rows[4]["email"] = "changed@x"
        second = await odoo.bulk.upsert("res.partner", rows, key=("name", "ref"))
    assert first.created == 9
    assert (second.unchanged, second.updated) == (8, 1)
    assert second[4].key == ("N1", "R1")


async def test_bulk_write_groups_identical_values_and_isolates_missing_records(
    fake_odoo: FakeOdoo
) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        updates = [(9, {"phone": "1"}), (10, {"phone": "1"}), ([11, 12], {"phone": "2"}),
                   (99999, {"phone": "1"})]
        report = await odoo.bulk.write("res.partner", updates)
        assert [r.status for r in report] == [RowStatus.UPDATED] * 3 + [RowStatus.FAILED]
        assert "does not exist" in (report[3].error or "")
        phones = await odoo["res.partner"].browse([9, 10, 11, 12]).fetch("phone")
        assert phones.mapped("phone") == ["1", "1", "2", "2"]
        mapping = await odoo.bulk.write("res.partner", {9: {"phone": "3"}})
        assert mapping.updated == 1
        dicts = await odoo.bulk.write("res.partner", [{"id": 9, "phone": "4"}, {"phone": "5"}])
        assert [r.status for r in dicts] == ["updated", "failed"]
        assert dicts.ids("updated") == [9]
        with pytest.raises(ValueError, match="bogus"):
            dicts.ids("bogus")
        # The same values given in another order are one write.
        before = fake_odoo.executed["res.partner/write"]
        same = await odoo.bulk.write("res.partner", [(9, {"phone": "6", "website": "w"}),
                                                     (10, {"website": "w", "phone": "6"})])
        assert same.updated == 2
        assert fake_odoo.executed["res.partner/write"] == before + 1


async def test_bulk_unlink_reports_each_id(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        created = await odoo.bulk.create("res.partner", partners(5))
        ids = [*created.ids(), 99999]
        report = await odoo.bulk.unlink("res.partner", ids)
        assert report.deleted == 5
        assert report.failed == 1
        assert report[5].key == 99999
        assert await odoo["res.partner"].search_count(F.id.in_(created.ids())) == 0


async def test_a_lost_unlink_answer_is_settled_by_looking(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        created = await odoo.bulk.create("res.partner", partners(5))
        fake_odoo.faults.queue(StatusAfterExecute(502), match="res.partner/unlink")
        report = await odoo.bulk.unlink("res.partner", created.ids())
    assert report.deleted == 5
    assert report.ok


async def test_create_through_load(fake_odoo: FakeOdoo) -> None:
    rows = partners(5, country_id=21, category_id=[1])
    rows[2]["name"] = ""  # Odoo's load refuses an empty required name row by row
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        report = await odoo.bulk.upsert("res.partner", rows, key="ref", mode="load")
        again = await odoo.bulk.upsert("res.partner", rows, key="ref", mode="load")
        records = await odoo["res.partner"].browse(report.ids()).fetch(
            "ref", "country_id", "category_id")
    assert report.created + report.failed == 5
    assert fake_odoo.executed["res.partner/load"] >= 1
    assert again.unchanged == report.created
    assert {r.country_id.id for r in records} == {21}


async def test_fatal_errors_stop_the_operation_with_a_report(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, "0" * 40) as odoo:
        with pytest.raises(BulkError) as denied:
            await odoo.bulk.upsert("res.partner", partners(5), key="ref")
        assert isinstance(denied.value.__cause__, errors.AuthenticationError)
        assert denied.value.report.rows == 0
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        with pytest.raises(BulkError) as unknown:
            await odoo.bulk.create("res.partnr", partners(5))
        assert isinstance(unknown.value.__cause__, errors.NotFoundError)
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        fake_odoo.disable_method("create")
        with pytest.raises(BulkError, match="stopped by") as caught:
            await odoo.bulk.create("res.partner", partners(450), chunk_size=100,
                                   concurrency=1)
    report = caught.value.report
    assert report.failed == 100
    assert report.created == 0
    assert report.failed + report.skipped == report.rows
    assert isinstance(caught.value.__cause__, errors.NotFoundError)
    # Every row not applied says why: the sent ones failed, the others were not sent.
    for row in report:
        assert (row.error or "").startswith(
            "the operation stopped on UnknownMethodError: The method 'res.partner.create'"
            if row.status is RowStatus.FAILED else
            "the operation stopped before this row was sent (The method "), row


async def test_the_deadline_stops_sending_and_reports(fake_odoo: FakeOdoo) -> None:
    clock = ManualClock()
    gate = HoldNth(hold=2)
    fake_odoo.faults.always(gate, match="res.partner/create")
    async with Client(fake_odoo.url, fake_odoo.api_key, clock=clock) as odoo:
        operation = odoo.bulk.create("res.partner", partners(500), chunk_size=100,
                                     concurrency=1, deadline=30.0)
        task = asyncio.create_task(operation.run())
        await gate.arrived.wait()
        await clock.advance(30.0)
        gate.open.set()
        with pytest.raises(BulkTimeoutError, match=r"deadline of 30\.0 s"):
            await task
    report = operation.report
    assert report.created == 200
    assert report.skipped == report.rows - 200


async def test_progress_is_reported_after_each_chunk(fake_odoo: FakeOdoo) -> None:
    seen: list[Progress] = []
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo.bulk.create("res.partner", partners(450), chunk_size=200,
                               concurrency=1, on_progress=seen.append)
    assert [p.done for p in seen] == [200, 400, 450]
    assert {p.total for p in seen} == {450}
    assert seen[-1].eta == 0
    assert seen[-1].report.created == 450


async def test_progress_reports_the_pace_and_what_is_left() -> None:
    """Rows per second since the start and the time left at that pace, by the client's
    clock: none yet at the start, then done / elapsed."""
    clock = ManualClock(start=100.0)
    delays = iter([0.0, 4.0, 4.0])

    def handler(call: MockCall) -> Any:
        if call.method == "fields_get":
            return {"name": {"type": "char"}, "ref": {"type": "char"}}
        clock.tick(next(delays))
        return [1]

    seen: list[Progress] = []
    async with Client("https://odoo.test", "k" * 40, clock=clock,
                      transport=MockTransport(handler)) as odoo:
        await odoo.bulk.create("res.partner", [{"name": "a"}, {"name": "b"}, {"name": "c"}],
                               chunk_size=1, concurrency=1, on_progress=seen.append)
    assert [(p.done, p.total, p.rows_per_second, p.eta) for p in seen] == [
        (1, 3, 0.0, None), (2, 3, 0.5, 2.0), (3, 3, 0.375, 0.0)]


async def concurrency_history(rows: int, *, overloaded_call: int | None = None) -> list[int]:
    """The limits "auto" concurrency went through creating ``rows`` one per chunk, each
    call taking one second of the client's clock; call ``overloaded_call`` is refused
    once with a 429 (the client retries it)."""
    clock = ManualClock(start=1000.0, autojump=True)
    calls = 0

    def handler(call: MockCall) -> Any:
        nonlocal calls
        if call.method == "fields_get":
            return {"name": {"type": "char"}}
        calls += 1
        clock.tick(1.0)
        if calls == overloaded_call:
            raise errors.TooManyRequestsError("slow down", status=429)
        return [calls]

    async with Client("https://odoo.test", "k" * 40, clock=clock,
                      retry=RetryPolicy(backoff=ConstantBackoff(0.5)),
                      transport=MockTransport(handler)) as odoo:
        report = await odoo.bulk.create("res.partner", [{"name": str(i)} for i in range(rows)],
                                        chunk_size=1)
    assert report.created == rows
    return report.concurrency


async def test_each_chunk_is_measured_by_the_clients_clock(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the concurrency limit is told after each chunk: its rows, the seconds it took
    and whether the server said it was overloaded."""
    seen: list[tuple[int, float, bool]] = []

    class Recording(AdaptiveConcurrency):
        def observe(self, rows: int, seconds: float, *, overloaded: bool = False) -> None:
            seen.append((rows, seconds, overloaded))
            super().observe(rows, seconds, overloaded=overloaded)

    monkeypatch.setattr(engine_module, "AdaptiveConcurrency", Recording)
    await concurrency_history(3, overloaded_call=2)
    assert seen == [(1, 1.0, False), (1, 2.5, True), (1, 1.0, False)]  # 2 calls, 0.5 s apart


async def test_auto_concurrency_climbs_and_backs_off_on_overload() -> None:
    assert await concurrency_history(12) == [2, 3]  # faster with three: climbed
    assert await concurrency_history(12, overloaded_call=1) == [2, 1]  # halved at once
    assert await concurrency_history(12, overloaded_call=5) == [2, 3, 1]


def refusing(answer: Any) -> MockTransport:
    """A server that knows the field ``name`` and answers ``create`` with ``answer``
    (raised when it is an exception)."""
    return knowing({"name": {"type": "char"}}, lambda call: answer)


THREE = [{"name": "a"}, {"name": "b"}, {"name": "c"}]


async def test_an_answer_without_one_id_per_row_leaves_the_rows_unknown() -> None:
    """Which row became which record cannot be guessed: the call ran, so its rows are
    outcome unknown; the next chunk was never sent."""
    async with Client("https://odoo.test", "k" * 40, transport=refusing([1])) as odoo:
        with pytest.raises(BulkError) as caught:
            await odoo.bulk.create("res.partner", THREE, chunk_size=2, concurrency=1)
    why = "res.partner.create answered [1] for 2 rows, not one id per row [HTTP 200]"
    assert [(r.status, r.id, r.error) for r in caught.value.report] == [
        (RowStatus.OUTCOME_UNKNOWN, None, f"the operation stopped on ProtocolError: {why}"),
        (RowStatus.OUTCOME_UNKNOWN, None, f"the operation stopped on ProtocolError: {why}"),
        (RowStatus.SKIPPED, None, f"the operation stopped before this row was sent ({why})")]


async def test_a_refusal_that_proves_nothing_ran_skips_the_rows_it_carried() -> None:
    """A 429 (after the retries) proves the call never ran: its rows are skipped, not
    unknown."""
    server = refusing(errors.TooManyRequestsError("slow down", status=429))
    async with Client("https://odoo.test", "k" * 40, retry=False, transport=server) as odoo:
        with pytest.raises(BulkError) as caught:
            await odoo.bulk.create("res.partner", THREE, chunk_size=2, concurrency=1)
    assert [(r.status, r.error) for r in caught.value.report] == [
        (RowStatus.SKIPPED, "the operation stopped on TooManyRequestsError: slow down "
                            "[HTTP 429]")] * 2 + [
        (RowStatus.SKIPPED, "the operation stopped before this row was sent (slow down "
                            "[HTTP 429])")]


async def test_an_unexpected_error_after_a_call_leaves_its_rows_unknown(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not an Odoo error (a bug, a broken callback inside the library): the call may have
    run, so its rows are outcome unknown, and the error itself reaches the caller."""
    def broken(*_: Any) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(bulk_api, "_record_created", broken)
    async with Client("https://odoo.test", "k" * 40, transport=refusing([1, 2])) as odoo:
        operation = odoo.bulk.create("res.partner", THREE[:2], concurrency=1)
        with pytest.raises(RuntimeError, match=r"^bug$"):
            await operation
    assert [(r.status, r.error) for r in operation.report] == [
        (RowStatus.OUTCOME_UNKNOWN, "the operation stopped on RuntimeError: bug")] * 2


async def test_secrets_that_look_alike_are_never_written_as_one() -> None:
    """Two passwords masked alike (same last characters) are different values: each
    record gets its own, in its own write."""
    sent: list[tuple[list[int], Any]] = []

    def handler(call: MockCall) -> Any:
        if call.method == "fields_get":
            return {"password": {"type": "char"}, "login": {"type": "char"}}
        if call.method == "search_read":
            return [{"id": 2, "login": "a", "password": False},
                    {"id": 3, "login": "b", "password": False}]
        sent.append((call.ids, call.params["vals"]["password"]))
        return True

    shared = Secret("same-1234")
    async with Client("https://odoo.test", "k" * 40,
                      transport=MockTransport(handler)) as odoo:
        await odoo.bulk.write("res.users", [(2, {"password": Secret("alpha-1234")}),
                                            (3, {"password": Secret("omega-1234")})])
        assert sent == [([2], "alpha-1234"), ([3], "omega-1234")]
        sent.clear()
        await odoo.bulk.upsert("res.users", [{"login": "a", "password": Secret("alpha-1234")},
                                             {"login": "b", "password": Secret("omega-1234")}],
                               key="login")
        assert sent == [([2], "alpha-1234"), ([3], "omega-1234")]
        sent.clear()
        await odoo.bulk.write("res.users", [(2, {"password": shared}), (3, {"password": shared})])
        assert sent == [([2, 3], "same-1234")]  # the very same secret: one write


async def test_stream_pages_by_id_and_sees_concurrent_changes(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        created = await odoo.bulk.create("res.partner", partners(25))
        ids = created.ids()
        seen: list[int] = []
        pages = 0
        async for page in odoo.bulk.stream("res.partner", F.ref.like("B"),
                                           fields=["name", "country_id.code"],
                                           page_size=10):
            pages += 1
            seen += [row["id"] for row in page]
            if pages == 1:  # during the scan: one deleted ahead, one created after
                await odoo["res.partner"].browse(ids[15]).unlink()
                extra = await odoo["res.partner"].create({"name": "late", "ref": "B-late"})
        assert seen == sorted(seen)
        assert len(seen) == len(set(seen))
        assert ids[15] not in seen
        assert extra.id in seen
        assert set(seen) == (set(ids) - {ids[15]}) | {extra.id}
        assert page[0].keys() == {"id", "name", "country_id"}
        records = [r async for r in odoo["res.partner"].search(F.ref.like("B")).iterate(
            "name", page_size=7)]
        assert len(records) == 25
        assert records[0].name == "Partner 0"
        assert len(odoo.env.state.cache) < 30  # scans do not fill the cache


async def test_bad_settings_are_refused(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        for kwargs in ({"chunk_size": 0}, {"concurrency": 0}, {"concurrency": "fast"},
                       {"deadline": -1}):
            with pytest.raises(ValueError, match=next(iter(kwargs))):
                odoo.bulk.create("res.partner", [], **kwargs)
        with pytest.raises(ValueError, match="key"):
            odoo.bulk.upsert("res.partner", [], key=())
        with pytest.raises(ValueError, match="has no field 'nope'"):
            await odoo.bulk.upsert("res.partner", [], key="nope")
        operation = odoo.bulk.create("res.partner", [])
        assert isinstance(await operation, BulkReport)
        with pytest.raises(RuntimeError, match="runs once"):
            await operation


def test_fixed_concurrency_repr() -> None:
    assert repr(FixedConcurrency(3)) == "FixedConcurrency(3)"


async def test_chatter_tracking_is_off_unless_asked_like_odoos_import() -> None:
    seen: list[dict[str, Any]] = []

    def handler(call: MockCall) -> Any:
        seen.append(dict(call.payload.get("context", {})))
        if call.method == "fields_get":
            return {"name": {"type": "char"}}
        return [1]

    async with Client("https://odoo.test", "k" * 40,
                      transport=MockTransport(handler)) as odoo:
        await odoo.bulk.create("res.partner", [{"name": "a"}], context={"lang": "fr_FR"})
        await odoo.bulk.create("res.partner", [{"name": "a"}], tracking=True)
    assert seen[1] == {"tracking_disable": True, "lang": "fr_FR"}
    assert seen[-1] == {}


async def test_review_findings(fake_odoo: FakeOdoo) -> None:
    """A hostile review's findings: keys typed as Odoo stores them, unhashable and
    colliding keys, input order of writes, model-wide refusals, callbacks."""
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        # a number for a text key is stored as text: the second run must find it
        rows = [{"ref": 12345, "name": "x", "phone": 5551234}]
        first = await odoo.bulk.upsert("res.partner", rows, key="ref")
        second = await odoo.bulk.upsert("res.partner", rows, key="ref")
        assert (first.created, second.unchanged) == (1, 1)
        # an unhashable key fails its row only; keys whose hashes collide are distinct
        odd = await odoo.bulk.upsert("res.partner", [
            {"ref": "D1", "name": "ok"}, {"ref": [["x"]], "name": "bad"},
            {"color": -1, "name": "minus one"}, {"color": -2, "name": "minus two"}],
            key="ref")
        assert [r.status for r in odd][:2] == ["created", "failed"]
        colours = await odoo.bulk.upsert(
            "res.partner", [{"color": -1, "name": "a"}, {"color": -2, "name": "b"}],
            key="color")
        assert colours.created == 2
        # rows about one record apply in input order, even in different value groups
        pid = first[0].id
        await odoo.bulk.write("res.partner", [(pid, {"name": "A"}), (pid, {"name": "B"}),
                                              (pid, {"name": "A"})])
        assert (await odoo["res.partner"].browse(pid).fetch("name")).name == "A"
        # a failing progress callback stops the operation with its own exception
        def boom(_: Progress) -> None:
            raise RuntimeError("callback bug")

        with pytest.raises(RuntimeError, match="callback bug"):
            await odoo.bulk.create("res.partner", partners(5, prefix="CB"), on_progress=boom)
        seen: list[int] = []

        async def later(progress: Progress) -> None:
            seen.append(progress.done)

        await odoo.bulk.create("res.partner", partners(3, prefix="AS"), on_progress=later)
        assert seen == [3]
        # rows with an id are refused by create and upsert
        refused = await odoo.bulk.create("res.partner", [{"id": "__import__.x", "name": "x"}])
        assert refused.failed == 1
        assert "bulk.write()" in (refused[0].error or "")


async def test_a_model_wide_refusal_stops_instead_of_bisecting(fake_odoo: FakeOdoo) -> None:
    def refuse(call: Any) -> None:
        raise errors_module.AccessError("You are not allowed to create Contact", status=403)

    async with Client("https://odoo.test", "k" * 40, transport=MockTransport(
            lambda call: {name: {"type": "char"} for name in ("ref", "name", "email")}
            if call.method == "fields_get" else refuse(call))) as odoo:
        with pytest.raises(BulkError) as caught:
            await odoo.bulk.create("res.partner", partners(400), concurrency=1)
    report = caught.value.report
    assert report.calls == 1  # not 800 calls of bisection
    assert report.failed == 200
    assert report.skipped == report.rows - 200


async def test_a_sent_call_whose_answer_is_lost_is_never_reported_failed(
    fake_odoo: FakeOdoo
) -> None:
    from odoo_async.testing import HangAfterExecute

    fake_odoo.faults.queue(StatusAfterExecute(504), match="res.partner/create")
    fake_odoo.faults.queue(HangAfterExecute(), match="res.partner/search_read")
    fake_odoo.faults.queue(HangAfterExecute(), match="res.partner/search_read")
    async with Client(fake_odoo.url, fake_odoo.api_key, retry=False,
                      timeout=HANG_TIMEOUT) as odoo:
        rows = partners(3, prefix="LOST")
        fake_odoo.faults.queue(ResetAfterExecute(), match="res.partner/create")
        with pytest.raises(BulkError) as caught:
            await odoo.bulk.upsert("res.partner", rows, key="ref")
    report = caught.value.report
    landed = stored(fake_odoo, "LOST")
    for result in report:
        assert result.status in ("created", "outcome_unknown", "skipped")
        if result.key in landed:
            assert result.status != "skipped"


async def test_a_progress_bar(fake_odoo: FakeOdoo, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo.bulk.create("res.partner", partners(450, prefix="BAR"), progress_bar=True)
        err = capsys.readouterr().err
        assert "create res.partner" in err
        assert "450/450" in err
        monkeypatch.setitem(__import__("sys").modules, "tqdm.auto", None)
        with pytest.raises(ImportError, match=r"odoo-async\[progress\]"):
            await odoo.bulk.create("res.partner", [], progress_bar=True)


async def test_upsert_by_external_id(fake_odoo: FakeOdoo) -> None:
    rows: list[dict[str, Any]] = [{"id": f"shop.customer_{i}", "name": f"C{i}",
                                   "category_id": [1]} for i in range(4)]
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        first = await odoo.bulk.upsert("res.partner", rows, key="id")
        assert first.created == 4
        assert first[0].key == "shop.customer_0"
        rows[1]["name"] = "Renamed"
        rows.append({"id": "bare_name", "name": "Imported"})
        rows.append({"name": "no external id"})
        rows.append({"id": "shop.with_commands", "name": "x", "category_id": [[4, 1]]})
        second = await odoo.bulk.upsert("res.partner", rows, key="id")
        assert [r.status for r in second] == ["unchanged", "updated", "unchanged",
                                              "unchanged", "created", "failed", "failed"]
        assert second[4].key == "__import__.bare_name"
        assert "no 'id'" in (second[5].error or "")
        assert "load()" in (second[6].error or "")
        assert fake_odoo.db.xmlids["shop.customer_1"] == ("res.partner", first[1].id)
        fake_odoo.faults.queue(ResetAfterExecute(), match="res.partner/load")
        lost = await odoo.bulk.upsert("res.partner", [{"id": "shop.lost", "name": "L"}],
                                      key="id")
        assert lost.created == 1
        assert fake_odoo.executed["res.partner/load"] == 3  # the lost one ran once
        # load() names the refused row by its position, the first one included.
        refused = await odoo.bulk.upsert("res.partner", [
            {"id": "shop.nameless", "name": ""}, {"id": "shop.named_1", "name": "N1"},
            {"id": "shop.named_2", "name": "N2"}], key="id")
        assert [(r.status, r.error) for r in refused] == [
            (RowStatus.FAILED, "Contacts require a name"), (RowStatus.CREATED, None),
            (RowStatus.CREATED, None)]
        # The module is what comes before the first dot: the name may hold dots.
        dotted = [{"id": "shop.eu.customer.7", "name": "Dotted"}]
        assert (await odoo.bulk.upsert("res.partner", dotted, key="id")).created == 1
        again = await odoo.bulk.upsert("res.partner", dotted, key="id")
        assert (again.unchanged, again[0].key) == (1, "shop.eu.customer.7")
