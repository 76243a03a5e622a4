"""A fetched recordset is a snapshot: what its fetch read stays readable on it, however
often it is fetched again, whatever other code writes, and on unions of such recordsets."""

from __future__ import annotations

import pytest

from odoo_async import Client
from odoo_async.errors import FieldNotLoadedError
from odoo_async.orm.cache import PinnedStore
from odoo_async.testing import FakeOdoo


@pytest.mark.parametrize("refreshes", [
    3, pytest.param(1500, marks=pytest.mark.slow, id="1500")])
async def test_fetching_the_same_recordset_again_and_again_does_not_chain_stores(
        fake_odoo: FakeOdoo, refreshes: int) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partners = await odoo["res.partner"].search([]).order("id").limit(5).fetch("name")
        for _ in range(refreshes):  # a module-level recordset refreshed on every request
            await partners.refresh()
        store = partners.env.store
        assert isinstance(store, PinnedStore)
        assert not isinstance(store.shared, PinnedStore)  # one store, not 1500 in a row
        await partners.fetch("email")
        assert [p.name for p in partners]  # what it held before stays, with the new field
        assert len([p.email for p in partners]) == 5


async def test_a_write_elsewhere_does_not_take_values_from_a_fetched_recordset(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        shown = await odoo["res.partner"].browse([9, 10]).fetch("name", "ref")
        writer = odoo["res.partner"].browse(9)
        await writer.write({"ref": "changed by another request"})
        # another request handler's snapshot keeps what it read ...
        assert shown.to_dicts("name", "ref")[0]["ref"] != "changed by another request"
        # ... the shared cache forgot it, so the next fetch reads the new value
        with pytest.raises(FieldNotLoadedError):
            _ = odoo["res.partner"].browse(9).ref
        fresh = await odoo["res.partner"].browse(9).fetch("ref")
        assert fresh.ref == "changed by another request"

        # the recordset that wrote drops its own values for the records written
        mine = await odoo["res.partner"].browse(10).fetch("name")
        await mine.write({"name": "Renamed"})
        with pytest.raises(FieldNotLoadedError):
            _ = mine.name
        assert (await mine.refresh()).name == "Renamed"


async def test_a_union_keeps_what_each_side_fetched_past_the_cache_bound(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, cache_max_records=2) as odoo:
        Partner = odoo["res.partner"]
        first = await Partner.search([]).order("id").limit(5).fetch("name")
        second = await Partner.search([]).order("id desc").limit(5).fetch("name")
        both = first | second
        assert len(both) == 10
        assert both.mapped("name") == [*first.mapped("name"), *second.mapped("name")]
        collected = Partner.browse([])
        for record in second:
            collected |= record  # Odoo's accumulate-in-a-loop idiom
        assert collected.mapped("name") == second.mapped("name")


async def test_reloading_metadata_leaves_fetched_recordsets_readable(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as one, \
            Client(fake_odoo.url, fake_odoo.api_key) as other:
        partners = await one["res.partner"].search([]).order("id").limit(2).fetch(
            "name", "country_id")
        names = partners.mapped("name")
        other.env.reload_metadata()  # a module was installed: shared by both clients
        assert partners[0].name == names[0]  # a value, not a method proxy
        assert [row["name"] for row in partners.to_dicts("name")] == names
        calls = one.stats.calls
        await one["res.partner"].browse(partners.ids).fetch("name")
        assert one.stats.calls - calls == 2  # fields_get asked again, then web_read


async def test_a_recordset_layer_of_its_own_on_a_client(fake_odoo: FakeOdoo) -> None:
    from odoo_async import Environment

    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        export = Environment.on(odoo, cache=False, context={"lang": "en_US"})
        assert export.state is not odoo.env.state  # its own cache and settings ...
        assert export.client is odoo  # ... on the client's connections
        rows = await export["res.partner"].search([]).order("id").limit(3).fetch("name")
        assert len(rows.mapped("name")) == 3
        assert len(export.state.cache) == 0  # cache=False: nothing shared
        with pytest.raises(FieldNotLoadedError):
            _ = odoo["res.partner"].browse(rows.ids[0]).name  # client.env saw nothing
        assert export.context == {"lang": "en_US"}


async def test_refresh_reads_again_every_path_fetched(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partner = await odoo["res.partner"].browse(9).fetch("name", "country_id.name")
        country = partner.country_id
        await odoo["res.country"].browse(country.id).write({"name": "Renamed Land"})
        await partner.refresh()
        assert partner.country_id.name == "Renamed Land"  # the related record too

        customer = (await odoo["res.partner"].search([("sale_order_ids", "!=", False)])
                    .first("name"))
        orders = await customer.fetch("sale_order_ids(limit=2, order='id desc').name")
        assert len(orders.sale_order_ids) == 2
        await orders.refresh()
        assert len(orders.sale_order_ids) == 2  # still the first two, names readable
        assert all(orders.sale_order_ids.mapped("name"))


async def test_a_write_through_a_context_view_drops_the_snapshots_value(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partners = await odoo["res.partner"].browse([9, 10]).fetch("name")
        await partners[0].with_context(tracking_disable=True).write({"name": "Quiet"})
        with pytest.raises(FieldNotLoadedError):
            _ = partners[0].name  # not the old name: the record changed
        assert partners[1].name  # the other record keeps its value
        assert (await partners.refresh()).mapped("name")[0] == "Quiet"
