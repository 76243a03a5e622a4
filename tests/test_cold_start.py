"""The first fetch on a cold client: at most one round trip more than on a warm one.

The fake Odoo answers in process here, in lockstep rounds: every call sent while a round
is open waits, then all are answered at once. The number of rounds a fetch needs is its
latency in round trips, measured without any clock.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from odoo_async import Client
from odoo_async.testing import FakeOdoo
from odoo_async.testing.transport import MockCall, MockTransport
from tests.support.lockstep import DEEP, Lockstep


@pytest.fixture
async def fake() -> Any:
    async with FakeOdoo() as server:
        yield server


def _client(lockstep: Lockstep) -> Client:
    return Client("https://odoo.test", "k" * 40, transport=lockstep.transport)


async def test_a_deep_path_on_a_cold_client_costs_one_round_trip_more_than_warm(
        fake: FakeOdoo) -> None:
    lockstep = Lockstep(fake, fake.admin)
    async with _client(lockstep) as client:
        query = client["res.partner"].search([("sale_order_ids", "!=", False)]).order("id")
        cold = await lockstep.run(query.fetch("name", DEEP))
        assert len(lockstep.rounds) == 2, lockstep.rounds
        first, second = lockstep.rounds
        # the request itself leaves in the first round, with the metadata it needs
        assert "res.partner.web_search_read" in first
        assert "ir.model.fields.search_read" in first
        assert "res.partner.fields_get" in first
        assert second == ["product.category.fields_get", "product.product.fields_get",
                          "sale.order.fields_get", "sale.order.line.fields_get"]

        warm = await lockstep.run(query.fetch("name", DEEP))
        assert lockstep.rounds == [["res.partner.web_search_read"]]
        assert cold.ids == warm.ids
        assert cold.ids
        assert cold.to_dicts("name", DEEP) == warm.to_dicts("name", DEEP)
        # stored by the compiled spec: readable through the recordsets, no call
        assert cold.mapped(DEEP).ids == warm.mapped(DEEP).ids
        assert cold.mapped(DEEP).ids


async def test_a_user_who_may_not_list_fields_loads_level_by_level_and_stops_asking(
        fake: FakeOdoo) -> None:
    lockstep = Lockstep(fake, fake.bot)
    async with _client(lockstep) as client:
        records = await lockstep.run(
            client["res.partner"].search([("sale_order_ids", "!=", False)]).fetch(DEEP))
        assert records.mapped(DEEP).ids
        # the request still leaves at once; the levels cost a round each
        assert "res.partner.web_search_read" in lockstep.rounds[0]
        assert len(lockstep.rounds) == 5  # res.partner and four comodels, one by one
        client.env.reload_metadata()
        await lockstep.run(client["sale.order"].search([]).limit(1).fetch(
            "order_line.product_id.categ_id.name"))
        asked = [name for round_ in lockstep.rounds for name in round_]
        assert "ir.model.fields.search_read" not in asked  # refused once: not asked again


async def test_a_wrong_field_on_a_cold_client_is_reported_locally_with_close_names(
        fake: FakeOdoo) -> None:
    lockstep = Lockstep(fake, fake.admin)
    async with _client(lockstep) as client:
        with pytest.raises(ValueError, match=r"sale.order.line has no field 'prodcut_id'"
                                             r".*did you mean 'product_id'"):
            await lockstep.run(client["res.partner"].search([]).fetch(
                "sale_order_ids.order_line.prodcut_id.name"))
    lockstep = Lockstep(fake, fake.admin)
    async with _client(lockstep) as client:
        with pytest.raises(ValueError, match=r"res.partner has no field 'nmae'"):
            await lockstep.run(client["res.partner"].search([("nmae", "=", "x")]).fetch(
                "name"))
    lockstep = Lockstep(fake, fake.admin)
    async with _client(lockstep) as client:
        with pytest.raises(ValueError, match=r"res.partner has no field 'nmae'"):
            await lockstep.run(client["res.partner"].browse([]).fetch("nmae"))


async def test_a_malformed_path_is_refused_before_anything_is_sent(fake: FakeOdoo) -> None:
    lockstep = Lockstep(fake, fake.admin)
    async with _client(lockstep) as client:
        with pytest.raises(ValueError, match="invalid field path"):
            await lockstep.run(client["res.partner"].search([]).fetch("country_id..name"))
        assert lockstep.rounds == []


async def test_cold_browse_fetch_and_pages_read_the_same_values_as_warm(
        fake: FakeOdoo) -> None:
    lockstep = Lockstep(fake, fake.admin)
    async with _client(lockstep) as client:
        cold = await lockstep.run(client["res.partner"].browse([3, 7]).fetch(
            "name", "country_id.code", "child_ids(limit=1).email"))
        assert len(lockstep.rounds) == 2  # res.partner and its comodels: one level each
        assert "res.partner.web_read" in lockstep.rounds[0]
        rows = cold.to_dicts("name", "country_id.code", "child_ids.email")
        warm = await lockstep.run(client["res.partner"].browse([3, 7]).refresh(
            "name", "country_id.code", "child_ids(limit=1).email"))
        assert warm.to_dicts("name", "country_id.code", "child_ids.email") == rows

    lockstep = Lockstep(fake, fake.admin)
    async with _client(lockstep) as client:
        async def scan() -> list[list[dict[str, Any]]]:
            return [page async for page in client["res.partner"].search(
                [("id", "in", [3, 7])]).pages("name", "country_id.code", as_dicts=True)]
        pages = await lockstep.run(scan())
        assert [[row["name"] for row in page] for page in pages] == [
            [r["name"] for r in rows]]
        assert [row["country_id"] for row in pages[0]] == [r["country_id"] for r in rows]


async def test_concurrent_cold_fetches_share_every_call(fake: FakeOdoo) -> None:
    lockstep = Lockstep(fake, fake.admin)
    async with _client(lockstep) as client:
        query = client["res.partner"].search([("sale_order_ids", "!=", False)])

        async def handlers() -> list[list[int]]:
            found = await asyncio.gather(*(query.fetch("name", DEEP) for _ in range(50)))
            return [records.ids for records in found]

        results = await lockstep.run(handlers())
        assert len({tuple(ids) for ids in results}) == 1
        assert lockstep.rounds[0] == ["ir.model.fields.search_read", "res.partner.fields_get",
                                      "res.partner.web_search_read"]
        assert len(lockstep.rounds) == 2


async def test_a_reference_field_read_cold_is_stored_as_warm() -> None:
    """Odoo's web_read answers a reference field asked with sub-fields as a dict: the cold
    answer cannot be stored as the field's value, so the request goes again."""
    fields = {"id": {"type": "integer"}, "display_name": {"type": "char"},
              "name": {"type": "char"}, "res_ref": {"type": "reference", "string": "Ref"}}

    def odoo(call: MockCall) -> Any:
        if call.method == "fields_get":
            return fields
        spec = call.params["specification"]
        ref: Any = "res.partner,9"
        if "fields" in spec.get("res_ref", {}):  # what addons/web/models/models.py does
            ref = {"id": {"id": 9, "model": "res.partner"}, "display_name": "Acme"}
        return [{"id": 1, "name": "Contract", "res_ref": ref}]

    transport = MockTransport(odoo)
    async with Client("https://odoo.test", "k" * 40, transport=transport) as client:
        cold = await client["ir.attachment"].browse(1).fetch("name", "res_ref")
        assert cold.res_ref == "res.partner,9"
        assert sorted(c.method for c in transport.calls) == ["fields_get", "web_read", "web_read"]
        warm = await client["ir.attachment"].browse(1).refresh("name", "res_ref")
        assert warm.res_ref == "res.partner,9"
        assert [c.method for c in transport.calls][3:] == ["web_read"]


async def test_a_cold_scan_resends_at_most_its_first_page() -> None:
    fields = {"id": {"type": "integer"}, "display_name": {"type": "char"},
              "res_ref": {"type": "reference", "string": "Ref"}}

    def odoo(call: MockCall) -> Any:
        if call.method == "fields_get":
            return fields
        last = max([c[2] for c in call.params["domain"] if isinstance(c, list)
                    and c[0] == "id"] or [0])
        ref: Any = "res.partner,9"
        if "fields" in call.params["specification"].get("res_ref", {}):
            ref = {"id": {"id": 9, "model": "res.partner"}, "display_name": "Acme"}
        rows = [{"id": i, "res_ref": ref} for i in range(last + 1, min(last + 2, 4))]
        return {"length": len(rows), "records": rows}

    transport = MockTransport(odoo)
    async with Client("https://odoo.test", "k" * 40, transport=transport) as client:
        pages = [page async for page in client["ir.attachment"].search([]).pages(
            "res_ref", page_size=1)]
        assert [p.res_ref for p in pages] == ["res.partner,9"] * 3
        reads = [c for c in transport.calls if c.method == "web_search_read"]
        assert len(reads) == 5  # the first page twice (cold), then one call per page
