"""Bulk sync against a real Odoo 19 (skipped unless ODOO_URL is set): the fake server's
scenarios again, and "a second run writes nothing" for every field type a sync sets.

Each test works on records with refs of its own (a unique prefix) and deletes them after,
so it needs no database reset."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from odoo_async import Client, F
from odoo_async.bulk import RowStatus
from odoo_async.testing import ResetAfterExecute
from tests.real_server import DATABASE, URL, api_key, needs_real_server, unique_prefix
from tests.support.gates import HoldNth
from tests.support.proxy import FaultyProxy

pytestmark = needs_real_server


@pytest.fixture
async def odoo() -> AsyncIterator[Client]:
    assert URL is not None
    async with Client(URL, api_key(), DATABASE) as client:
        yield client


@pytest.fixture
async def prefix(odoo: Client) -> AsyncIterator[str]:
    value = unique_prefix()
    yield value
    ids = await odoo.call("res.partner", "search", domain=[("ref", "=like", f"{value}%")],
                          context={"active_test": False})
    for start in range(0, len(ids), 1000):
        await odoo.call("res.partner", "unlink", ids=ids[start:start + 1000])


@pytest.fixture
async def proxy() -> AsyncIterator[FaultyProxy]:
    assert URL is not None
    server = FaultyProxy(URL)
    await server.start()
    yield server
    await server.close()


def partners(prefix: str, count: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"ref": f"{prefix}{i}", "name": f"Bulk {i}", "email": f"b{i}@example.com",
             **extra} for i in range(count)]


async def refs(odoo: Client, prefix: str) -> dict[str, list[int]]:
    rows = await odoo.call("res.partner", "search_read",
                           domain=[("ref", "=like", f"{prefix}%")], fields=["ref"],
                           context={"active_test": False})
    found: dict[str, list[int]] = {}
    for row in rows:
        found.setdefault(row["ref"], []).append(row["id"])
    return found


async def test_10k_upsert_twice_the_second_run_writes_nothing(odoo: Client, prefix: str
                                                               ) -> None:
    rows = partners(prefix, 10_000, country_id=21, category_id=[1, 2], is_company=False,
                    comment="plain text & more", partner_latitude=50.123456789,
                    credit_limit=10.125, type="contact", color=3)
    first = await odoo.bulk.upsert("res.partner", rows, key="ref")
    assert first.created == 10_000
    assert first.ok
    second = await odoo.bulk.upsert("res.partner", rows, key="ref")
    assert second.unchanged == 10_000
    assert second.calls == 50  # the searches, and not one create/write/load
    found = await refs(odoo, prefix)
    assert len(found) == 10_000
    assert all(len(v) == 1 for v in found.values())


async def test_every_field_type_a_sync_sets_compares_as_odoo_stores_it(odoo: Client
                                                                       ) -> None:
    tag = unique_prefix()
    journal = (await odoo.call("account.journal", "search", domain=[("type", "=", "bank")],
                               limit=1))[0]
    payments = [{"memo": f"{tag}{i}", "amount": 10.125 + i, "payment_type": "inbound",
                 "partner_type": "customer", "partner_id": 9, "journal_id": journal,
                 "date": "2026-01-05"} for i in range(3)]
    orders = [{"client_order_ref": f"{tag}{i}", "partner_id": 9,
               "date_order": dt.datetime(2026, 1, 5, 11, 11, 12, 345678,
                                         tzinfo=dt.timezone(dt.timedelta(hours=1))),
               "validity_date": dt.date(2026, 2, 1),
               "note": "plain <b>bold</b> text"} for i in range(3)]
    try:
        for model, rows, key in (("account.payment", payments, "memo"),
                                 ("sale.order", orders, "client_order_ref")):
            first = await odoo.bulk.upsert(model, rows, key=key)
            assert first.created == 3, first.failures()
            second = await odoo.bulk.upsert(model, rows, key=key)
            assert second.unchanged == 3, [r.changes for r in second]
    finally:
        for model, field in (("sale.order", "client_order_ref"), ("account.payment", "memo")):
            ids = await odoo.call(model, "search", domain=[(field, "=like", f"{tag}%")])
            if model == "sale.order":
                await odoo.call(model, "action_cancel", ids=ids)
            await odoo.call(model, "unlink", ids=ids)


async def test_mixed_rows_and_one_bad_row_in_200(odoo: Client, prefix: str) -> None:
    await odoo.bulk.upsert("res.partner", partners(prefix, 50), key="ref")
    rows = partners(prefix, 200)
    rows[10]["name"] = "Renamed"
    rows[150]["name"] = False
    report = await odoo.bulk.upsert("res.partner", rows, key="ref")
    assert (report.created, report.updated, report.unchanged, report.failed) == (
        149, 1, 49, 1)
    assert "Contacts require a name" in (report[150].error or "")
    assert f"{prefix}150" not in await refs(odoo, prefix)


async def test_a_lost_create_answer_leaves_no_duplicate(odoo: Client, prefix: str,
                                                        proxy: FaultyProxy) -> None:
    proxy.faults.queue(ResetAfterExecute(), match="res.partner/create")
    async with Client(proxy.url, api_key(), DATABASE) as through_proxy:
        report = await through_proxy.bulk.upsert("res.partner", partners(prefix, 400),
                                                 key="ref")
    assert report.created == 400
    assert report.ok
    assert proxy.faults.executed["res.partner/create"] == 2
    found = await refs(odoo, prefix)
    assert len(found) == 400
    assert all(len(v) == 1 for v in found.values())


async def test_cancelling_mid_run_matches_the_server(odoo: Client, prefix: str,
                                                     proxy: FaultyProxy) -> None:
    gate = HoldNth(hold=3)
    proxy.faults.always(gate, match="res.partner/create")
    async with Client(proxy.url, api_key(), DATABASE) as through_proxy:
        operation = through_proxy.bulk.upsert("res.partner", partners(prefix, 1000),
                                              key="ref", chunk_size=100, concurrency=1)
        task = asyncio.create_task(operation.run())
        await gate.arrived.wait()
        task.cancel()
        gate.open.set()
        with pytest.raises(asyncio.CancelledError):
            await task
    found = await refs(odoo, prefix)
    assert operation.report.created == len(found) == 300
    assert sorted(operation.report.ids(RowStatus.CREATED)) == sorted(
        i for v in found.values() for i in v)


async def test_rows_from_an_async_generator(odoo: Client, prefix: str) -> None:
    produced = 0

    async def rows() -> AsyncIterator[dict[str, Any]]:
        nonlocal produced
        for row in partners(prefix, 3000):
            produced += 1
            yield row

    leads: list[int] = []
    report = await odoo.bulk.create(
        "res.partner", rows(), chunk_size=200,
        on_progress=lambda p: leads.append(produced - p.done))
    assert report.created == 3000
    assert max(leads) <= 200 * 10  # never read far ahead of what landed


async def test_archived_records_are_found_by_key(odoo: Client, prefix: str) -> None:
    first = await odoo.bulk.upsert("res.partner", partners(prefix, 3), key="ref")
    await odoo.call("res.partner", "action_archive", ids=[first[0].id])
    again = await odoo.bulk.upsert("res.partner", partners(prefix, 3), key="ref")
    assert again[0].archived
    assert again[0].status is RowStatus.UNCHANGED
    assert again.created == 0
    assert len((await refs(odoo, prefix))[f"{prefix}0"]) == 1


async def test_load_mode_and_stream(odoo: Client, prefix: str) -> None:
    rows = partners(prefix, 300, country_id=21, category_id=[1])
    rows[7]["name"] = ""
    report = await odoo.bulk.upsert("res.partner", rows, key="ref", mode="load")
    assert report.created + report.failed == 300
    again = await odoo.bulk.upsert("res.partner", rows, key="ref")
    assert again.unchanged == report.created
    seen = []
    async for page in odoo.bulk.stream("res.partner", F.ref.like(prefix),
                                       fields=["name", "country_id.code"], page_size=128):
        seen += [row["id"] for row in page]
    assert sorted(seen) == sorted(report.ids(RowStatus.CREATED)) or len(seen) == len(set(seen))


async def test_upsert_by_external_id(odoo: Client) -> None:
    tag = unique_prefix().lower().replace("-", "_")
    rows: list[dict[str, Any]] = [{"id": f"sync_test.{tag}{i}", "name": f"X {i}",
                                   "category_id": [1]} for i in range(5)]
    try:
        first = await odoo.bulk.upsert("res.partner", rows, key="id")
        assert first.created == 5, first.failures()
        rows[2]["name"] = "changed"
        second = await odoo.bulk.upsert("res.partner", rows, key="id")
        assert (second.updated, second.unchanged) == (1, 4)
        assert second.ids() == first.ids()
    finally:
        await odoo.bulk.unlink("res.partner", first.ids())
