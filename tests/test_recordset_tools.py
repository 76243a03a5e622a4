"""Recordsets as a new user meets them: method proxies that cannot pass for values, the
everyday query tools, plain data for JSON answers, cache control."""

from __future__ import annotations

import json

import pytest

from odoo_async import Client, F
from odoo_async.errors import FieldNotLoadedError
from odoo_async.orm.methods import MethodUsedAsValueError, PrivateNameError
from odoo_async.testing import FakeOdoo


async def test_a_typo_is_never_a_truthy_value(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        cold = odoo["res.partner"].browse(9)
        with pytest.raises(MethodUsedAsValueError, match=r"fields of res\.partner are not "
                                                         r"loaded yet"):
            bool(cold.name)  # before any metadata: still not a value
        partner = await odoo["res.partner"].browse(9).fetch("name", "is_company")
        with pytest.raises(AttributeError, match="did you mean 'is_company'"):
            _ = partner.is_compnay
        for slip, field in (("nmae", "name"), ("emial", "email"), ("countr_id", "country_id"),
                            ("namee", "name")):  # one typing slip from a field
            with pytest.raises(AttributeError, match=f"did you mean '{field}'"):
                getattr(partner, slip)
        for method in ("action_archive", "toggle_active", "message_post", "copy_data",
                       "name_search", "write", "read", "message_get_followers"):
            assert callable(getattr(partner, method))  # methods stay methods
        await odoo.env.preload("account.move.line", "account.move")
        assert callable(odoo["account.move.line"].browse(1).reconcile)  # vs 'reconciled'
        assert callable(odoo["account.move"].browse(1).rate)  # vs 'date': a word, not a slip
        with pytest.raises(MethodUsedAsValueError, match="did you mean the field 'country_id'"):
            bool(partner.contry)  # too far for a slip: a proxy, but its error hints
        for use in (bool, str, lambda m: m == 1, lambda m: json.dumps(m)):
            with pytest.raises((MethodUsedAsValueError, TypeError)):
                use(partner.action_archive)
        with pytest.raises(MethodUsedAsValueError, match="has no field 'action_archive'"):
            bool(partner.action_archive)
        with pytest.raises(PrivateNameError, match="private methods cannot be called"):
            _ = partner._compute_display_name
        with pytest.raises(PrivateNameError):
            _ = odoo["res.partner"]._search
        assert not hasattr(partner, "_private")  # still an AttributeError
        await partner.action_archive()  # methods are still methods


async def test_an_empty_relation_reads_as_empty(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partner = await odoo["res.partner"].create({"name": "Nowhere"})
        await partner.fetch("country_id.name", "parent_id.is_company", "parent_id.child_ids")
        assert partner.country_id.name is None
        assert partner.country_id.id is False
        assert partner.parent_id.is_company is False
        assert len(partner.parent_id.child_ids) == 0


async def test_everyday_query_tools(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        companies = odoo["res.partner"].search(F.is_company == True).order("id")  # noqa: E712
        first = await companies.first("name")
        assert (first.id, first.name) == (1, fake_odoo.env().read(
            "res.partner", [1], ["name"])[0]["name"])
        assert await companies.exists()
        assert not await odoo["res.partner"].search(F.name == "nobody at all").exists()
        assert len(await odoo["res.partner"].search(F.name == "x").first()) == 0
        ids = await companies.ids()
        assert ids == sorted(fake_odoo.env().search("res.partner", [("is_company", "=", True)]))
        assert await companies.count() == len(ids)
        made = await odoo.bulk.upsert("res.partner", [{"id": "shop.c1", "name": "C1"}],
                                      key="id")
        found = await odoo["res.partner"].ref("shop.c1")
        assert found.ids == made.ids()
        with pytest.raises(ValueError, match=r"a record of res\.partner, not res\.company"):
            await odoo["res.company"].ref("shop.c1")
        with pytest.raises(ValueError, match="not found"):
            await odoo["res.partner"].ref("base.nothing_like_this")
        with pytest.raises(ValueError, match=r"module\.name"):
            await odoo["res.partner"].ref("no_dot")


async def test_records_to_plain_data_and_cache_control(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partner = await odoo["res.partner"].browse(9).fetch(
            "name", "country_id.code", "category_id.name")
        data = partner.to_dict("name", "country_id.code", "category_id.name")
        assert data["name"] == "Acme Corporation"
        assert data["country_id"] == {"id": partner.country_id.id, "code": "US"}
        assert all(set(tag) == {"id", "name"} for tag in data["category_id"])
        assert json.loads(json.dumps(data)) == data
        flat = partner.to_dicts("name", "country_id", relations="ids")
        assert flat == [{"id": 9, "name": "Acme Corporation",
                         "country_id": partner.country_id.id}]
        with pytest.raises(FieldNotLoadedError):
            partner.to_dict("email")
        again = odoo["res.partner"].browse(9)
        assert again.name == "Acme Corporation"  # from the shared cache
        odoo.env.invalidate_all()  # frees the shared cache ...
        assert len(odoo.env.state.cache) == 0
        with pytest.raises(FieldNotLoadedError):
            _ = again.name
        assert partner.name == "Acme Corporation"  # ... what a fetch returned stays
        await again.fetch("name")
        odoo["res.partner"].invalidate([9])  # "these changed": the shared cache forgets
        with pytest.raises(FieldNotLoadedError):
            _ = odoo["res.partner"].browse(9).name
        assert partner.name == "Acme Corporation"  # fetched recordsets are snapshots
        assert (await partner.refresh()).name == "Acme Corporation"


async def test_domain_field_names_are_checked_locally(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        Partner = odoo["res.partner"]
        await Partner.fields()
        await odoo["res.country"].fields()
        before = sum(fake_odoo.faults.received.values())
        for query in (Partner.search(F.nmae == "x"),
                      Partner.search(F.country_id.cod == "BE"),
                      Partner.search(F.country_id.any(F.cod == "BE")),
                      Partner.search(~F.child_ids.any(F.country_id.not_any(F.nmae == "x")))):
            with pytest.raises(ValueError, match="did you mean"):
                await query
            with pytest.raises(ValueError, match="did you mean"):
                await query.fetch("name")
            with pytest.raises(ValueError, match="did you mean"):
                await query.count()
        assert sum(fake_odoo.faults.received.values()) == before  # nothing sent
        assert await Partner.search(F.country_id.code == "BE").count() >= 0


async def test_domain_field_names_are_checked_when_odoo_refuses_on_a_cold_client(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        Partner = odoo["res.partner"]
        # nothing known yet: the query goes, Odoo refuses it, the local error explains
        for query in (Partner.search(F.nmae == "x"),
                      Partner.search(F.country_id.cod == "BE"),
                      Partner.search(F.country_id.any(F.cod == "BE"))):
            odoo.env.reload_metadata()
            with pytest.raises(ValueError, match="did you mean"):
                await query
            odoo.env.reload_metadata()
            with pytest.raises(ValueError, match="did you mean"):
                await query.count()
            odoo.env.reload_metadata()
            with pytest.raises(ValueError, match="did you mean"):
                await query.fetch("name")
            odoo.env.reload_metadata()
            with pytest.raises(ValueError, match="did you mean"):
                _ = [page async for page in query.pages("name")]


async def test_identical_queries_in_flight_share_one_call(fake_odoo: FakeOdoo) -> None:
    import asyncio

    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        Partner = odoo["res.partner"]
        await Partner.fields()
        await odoo["res.country"].fields()

        async def handler(limit: int) -> list[str]:
            found = await Partner.search(F.is_company == True, order="name").limit(  # noqa: E712
                limit).fetch("name", "country_id.code")
            return [f"{p.name} [{p.country_id.code}]" for p in found]

        before = fake_odoo.executed["res.partner/web_search_read"]
        pages = await asyncio.gather(*(handler(5) for _ in range(50)), handler(3))
        assert fake_odoo.executed["res.partner/web_search_read"] - before == 2
        assert all(page == pages[0] for page in pages[:50])
        assert len(pages[0]) == 5
        assert pages[50] == pages[0][:3]


async def test_query_sharing_is_only_for_queries_issued_together(fake_odoo: FakeOdoo) -> None:
    import asyncio
    import datetime as dt

    import attrs
    from aiohttp import web

    from odoo_async.testing.faults import Execute

    ran, release = asyncio.Event(), asyncio.Event()

    @attrs.frozen
    class HoldAnswer:
        async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
            answer = await execute()
            ran.set()
            await release.wait()
            return answer

    async with Client(fake_odoo.url, fake_odoo.api_key, naive_datetimes_are_utc=True,
                      cache_max_records=2) as odoo:
        Partner = odoo["res.partner"]
        await Partner.fields()
        # a domain the client converts with its own settings (naive datetimes as UTC)
        recent = Partner.search(F.create_date <= dt.datetime(2100, 1, 1))
        assert len(await recent.fetch("name")) == await recent.count()
        # a query issued after the caller's own write is sent again, not joined
        query = Partner.search(F.id == 9)
        fake_odoo.faults.queue(HoldAnswer(), match="web_search_read")
        first = asyncio.create_task(query.fetch("name"))
        await ran.wait()
        await Partner.browse(9).write({"name": "Renamed meanwhile"})
        second = asyncio.create_task(query.fetch("name"))
        await asyncio.sleep(0)
        release.set()
        assert (await second).name == "Renamed meanwhile"
        assert (await first).name == "Acme Corporation"  # as of its own read


def test_one_overload_episode_halves_once() -> None:
    from odoo_async.bulk import AdaptiveConcurrency
    from odoo_async.resilience import ManualClock

    limit = AdaptiveConcurrency(maximum=8, initial=8, clock=ManualClock())
    for _ in range(8):  # every chunk in flight during one 503 reports it
        limit.observe(100, 1.0, overloaded=True)
    assert (limit.limit, limit.history) == (4, [8, 4])
    for _ in range(8):  # a window later, a new overload is believed again
        limit.observe(100, 1.0)
    limit.observe(100, 1.0, overloaded=True)
    assert limit.limit == 2


async def test_preloading_metadata_makes_the_first_fetch_one_call(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo.env.preload("sale.order", related=True)
        assert fake_odoo.executed["sale.order/fields_get"] == 1
        assert fake_odoo.executed["res.partner/fields_get"] == 1  # a related model
        before = sum(fake_odoo.faults.received.values())
        orders = await odoo["sale.order"].search([]).limit(2).fetch("name", "partner_id.name")
        assert sum(fake_odoo.faults.received.values()) - before == 1
        assert all(isinstance(o.partner_id.name, str) for o in orders)
        with pytest.raises(ValueError, match="invalid model name"):
            await odoo.env.preload("not a model")


async def test_a_relation_read_with_a_limit_and_an_order_in_one_call(fake_odoo: FakeOdoo
                                                                     ) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo.env.preload("res.partner", "sale.order", "sale.order.line",
                               "product.product")
        before = sum(fake_odoo.faults.received.values())
        partner = await odoo["res.partner"].browse(9).fetch(
            "name", "sale_order_ids(limit=2, order='amount_total desc').amount_total",
            "sale_order_ids.order_line.product_id.name")
        assert sum(fake_odoo.faults.received.values()) - before == 1
        env = fake_odoo.env()
        orders = env.read("sale.order", env.search("sale.order", [("partner_id", "=", 9)],
                                                   order="amount_total desc", limit=2),
                          ["amount_total"])
        assert partner.sale_order_ids.ids == [o["id"] for o in orders]
        assert partner.sale_order_ids.mapped("amount_total") == [
            o["amount_total"] for o in orders]
        assert partner.sale_order_ids.mapped("order_line.product_id.name")
        with pytest.raises(FieldNotLoadedError):  # the shared cache never holds 2 of N
            _ = odoo["res.partner"].browse(9).sale_order_ids
        for bad, message in (("name(limit=2)", "apply to one2many"),
                             ("sale_order_ids(limit=0).name", "limit=N"),
                             ("sale_order_ids(size=2).name", "invalid option"),
                             ("sale_order_ids(limit=2).name", "two different")):
            paths = [bad, "sale_order_ids(limit=3).name"] if "two" in message else [bad]
            with pytest.raises(ValueError, match=message):
                await odoo["res.partner"].browse(9).fetch(*paths)


async def test_metadata_is_reused_by_later_clients_of_the_same_server(fake_odoo: FakeOdoo
                                                                      ) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as first:
        await first["res.partner"].browse(9).fetch("name")
    async with Client(fake_odoo.url, fake_odoo.api_key) as second:
        assert (await second["res.partner"].browse(9).fetch("name")).name == \
            "Acme Corporation"
    assert fake_odoo.executed["res.partner/fields_get"] == 1
    async with Client(fake_odoo.url, fake_odoo.bot_api_key) as bot:  # another user
        await bot["res.partner"].browse(9).fetch("name")
    assert fake_odoo.executed["res.partner/fields_get"] == 2


async def test_a_limit_of_zero_finds_nothing_and_sends_nothing(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        query = odoo["res.partner"].search([]).limit(0)
        await odoo["res.partner"].fields()
        calls = odoo.stats.calls
        assert (await query).ids == []
        assert (await query.fetch("name")).ids == []
        assert [page async for page in query.pages("name")] == []
        assert (await query.first("name")).ids == []
        assert (await query.first()).ids == []
        assert await query.exists() is False
        assert odoo.stats.calls == calls
        with pytest.raises(ValueError, match="did you mean 'name'"):
            await query.fetch("nmae")
        # the fake answers a raw limit of 0 as Odoo does: no LIMIT at all
        everyone = await odoo.call("res.partner", "search", domain=[])
        assert await odoo.call("res.partner", "search", domain=[], limit=0) == everyone
