"""Recordsets end to end against FakeOdoo, with round trips counted on the server."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest

from odoo_async import Client, Command, F, FieldNotLoadedError, MissingError, Recordset
from odoo_async.testing import FakeOdoo

SPEC = ("name", "email", "country_id.name", "country_id.code", "child_ids.email")


@pytest.fixture
async def odoo_client(fake_odoo: FakeOdoo) -> AsyncIterator[Client]:
    async with Client(fake_odoo.url, fake_odoo.api_key, retry=False) as client:
        yield client


def calls(fake: FakeOdoo) -> int:
    """Calls the server answered so far."""
    return sum(fake.faults.received.values())


def add_partners(fake: FakeOdoo, count: int) -> None:
    env = fake.env()
    [belgium] = env.search("res.country", [("code", "=", "BE")])
    env.create("res.partner", [
        {"name": f"Bulk {i:04d}", "is_company": True, "email": f"b{i}@example.com",
         "country_id": belgium if i % 2 else 233} for i in range(count)])


@pytest.mark.parametrize("count", [1, 10, 200])
async def test_query_fetch_of_a_two_level_graph_is_one_call(
    fake_odoo: FakeOdoo, odoo_client: Client, count: int
) -> None:
    add_partners(fake_odoo, count)
    Partner = odoo_client["res.partner"]
    await Partner.search(F.id == 1).fetch(*SPEC)  # loads the field metadata once
    before = calls(fake_odoo)
    partners = await Partner.search(F.name.eq_like("Bulk %")).fetch(*SPEC)
    assert calls(fake_odoo) - before == 1
    assert len(partners) == count
    by_name = partners.sorted("name")
    assert by_name.mapped("name") == [f"Bulk {i:04d}" for i in range(count)]
    assert [p.country_id.code for p in by_name] == [
        "BE" if i % 2 else "US" for i in range(count)]
    assert by_name.mapped("email") == [f"b{i}@example.com" for i in range(count)]


async def test_recordset_fetch_is_one_call_and_metadata_is_loaded_once(
    fake_odoo: FakeOdoo, odoo_client: Client
) -> None:
    orders = odoo_client["sale.order"].browse([1, 2, 3])
    await orders.fetch("name", "partner_id.country_id.name", "order_line.product_id.name")
    assert fake_odoo.executed["res.partner/fields_get"] == 1
    assert fake_odoo.executed["sale.order/fields_get"] == 1
    assert fake_odoo.executed["res.country/fields_get"] == 1
    before = calls(fake_odoo)
    await orders.fetch("name", "partner_id.country_id.name", "order_line.product_id.name")
    assert calls(fake_odoo) - before == 1
    assert fake_odoo.executed["sale.order/web_read"] == 2
    names = orders.mapped("order_line.product_id.name")
    env = fake_odoo.env()
    lines = env.read("sale.order.line", env.search("sale.order.line",
                                                   [("order_id", "in", [1, 2, 3])]),
                     ["product_id"], "_classic_read")
    product_ids = sorted({line["product_id"][0] for line in lines})
    expected = [r["name"] for r in env.read("product.product", product_ids, ["name"])]
    assert sorted(names) == sorted(expected)
    assert "Office Chair" in names


async def test_fallback_without_the_web_module(fake_odoo: FakeOdoo) -> None:
    fake_odoo.disable_method("web_search_read")
    fake_odoo.disable_method("web_read")
    async with Client(fake_odoo.url, fake_odoo.api_key, retry=False) as odoo:
        Partner = odoo["res.partner"]
        await Partner.search(F.id == 1).fetch(*SPEC)  # metadata, and learns the fallback
        before = calls(fake_odoo)
        partners = await Partner.search(F.is_company == True, order="name").fetch(*SPEC)  # noqa: E712
        # search_read, then one read per related model: res.country and res.partner
        assert calls(fake_odoo) - before == 3
        acme = partners[0]
        assert (acme.name, acme.country_id.code) == ("Acme Corporation", "US")
        assert sorted(acme.child_ids.mapped("email"))[0] == "addison.olson28@example.com"
        before = calls(fake_odoo)
        gone = await Partner.browse([9, 999999]).fetch("name", "country_id.name")
        assert calls(fake_odoo) - before == 2  # read, then one read of res.country
        with pytest.raises(MissingError, match=r"res\.partner\(999999,\)"):
            _ = gone[1].name


async def test_concurrent_single_record_fetches_are_coalesced(
    fake_odoo: FakeOdoo, odoo_client: Client
) -> None:
    Partner = odoo_client["res.partner"]
    await Partner.browse(1).fetch("name", "email")
    ids = [p["id"] for p in fake_odoo.env().read("res.partner",
                                                  list(fake_odoo.db["res.partner"].rows),
                                                  ["name"])][:40]

    async def handler(partner_id: int) -> str:
        [partner] = await Partner.browse(partner_id).fetch("name", "email")
        return str(partner.name)

    before = fake_odoo.executed["res.partner/web_read"]
    names = await asyncio.gather(*(handler(i) for i in ids * 2 + ids[:20]))
    assert fake_odoo.executed["res.partner/web_read"] - before == 1
    rows = {row["id"]: row["name"] for row in fake_odoo.env().read("res.partner", ids, ["name"])}
    assert names == [rows[i] for i in ids * 2 + ids[:20]]


async def test_coalescing_can_be_switched_off(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, coalesce=False) as odoo:
        Partner = odoo["res.partner"]
        await Partner.browse(1).fetch("name")
        before = fake_odoo.executed["res.partner/web_read"]
        await asyncio.gather(*(Partner.browse(i).fetch("name") for i in (8, 9, 10, 11)))
        assert fake_odoo.executed["res.partner/web_read"] - before == 4


async def test_field_values(odoo_client: Client) -> None:
    [order] = await odoo_client["sale.order"].browse(1).fetch(
        "date_order", "state", "partner_id", "order_line", "note", "amount_total")
    assert isinstance(order.date_order, dt.datetime)
    assert order.date_order.tzinfo == dt.timezone.utc
    assert order.state == "draft"
    assert isinstance(order.partner_id, Recordset)
    assert order.partner_id.display_name == "Acme Corporation"
    assert len(order.order_line) == 3
    assert order.note is None  # false -> None
    [partner] = await odoo_client["res.partner"].browse(1).fetch("parent_id", "is_company",
                                                                 "active")
    assert not partner.parent_id
    assert len(partner.parent_id) == 0
    assert partner.is_company is True


async def test_errors_on_access(fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    Partner = odoo_client["res.partner"]
    [acme] = await Partner.browse(9).fetch("name")
    with pytest.raises(FieldNotLoadedError, match=r"res\.partner\.email is not loaded.*"
                                                  r"fetch\('email'\)"):
        _ = acme.email
    before = calls(fake_odoo)
    with pytest.raises(ValueError, match=r"res\.partner has no field 'nmae'; did you mean 'name'"):
        await Partner.browse(9).fetch("nmae")
    with pytest.raises(ValueError, match=r"is a char field: the path name\.x cannot go further"):
        await Partner.search().fetch("name.x")
    assert calls(fake_odoo) == before  # refused before any call
    both = Partner.browse([9, 15])
    await both.fetch("name")
    with pytest.raises(ValueError, match=r"Expected singleton: res\.partner\(9, 15\)"):
        _ = both.name


async def test_recordset_operations(fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    Partner = odoo_client["res.partner"]
    a, b, c = Partner.browse(1), Partner.browse(2), Partner.browse([3, 1])
    assert len(c) == 2
    assert bool(c)
    assert not Partner.browse([])
    assert (a | b | c).ids == [1, 2, 3]
    assert (c & a).ids == [1]
    assert (c - a).ids == [3]
    assert a in c
    assert 3 in c
    assert b not in c
    assert c[0] == Partner.browse(3)
    assert c[::-1].ids == [1, 3]
    assert [r.id for r in c] == [3, 1]
    assert Partner.browse([1, 3]) == c
    assert len({Partner.browse([1, 3]), c}) == 1
    assert a.ensure_one() is a
    assert repr(c) == "res.partner(3, 1)"
    with pytest.raises(TypeError, match=r"cannot combine res\.partner"):
        _ = a | odoo_client["sale.order"].browse(1)
    companies = await Partner.search(F.is_company == True).fetch("name", "country_id.code")  # noqa: E712
    env = fake_odoo.env()
    us_companies = env.search("res.partner", [("is_company", "=", True),
                                              ("country_id.code", "=", "US")])
    in_us = companies.filtered(lambda p: p.country_id.code == "US")
    assert sorted(in_us.ids) == sorted(us_companies)
    assert in_us.ids == [i for i in companies.ids if i in us_companies]  # order kept
    ordered = companies.sorted("name", reverse=True)
    assert ordered.mapped("name") == sorted(companies.mapped("name"), reverse=True)
    assert companies.sorted(lambda p: p.id).ids == sorted(companies.ids)
    countries = companies.mapped("country_id")  # the union of the related records
    assert sorted(countries.mapped("id")) == sorted(set(countries.ids))
    assert len(countries) < len(companies)


async def test_recordsets_in_domains_and_commands(odoo_client: Client) -> None:
    Partner = odoo_client["res.partner"]
    vendors = Partner.browse([8, 9])
    count = await odoo_client["sale.order"].search_count(F.partner_id.in_(vendors))
    assert count == await odoo_client.call("sale.order", "search_count",
                                           domain=[("partner_id", "in", [8, 9])])
    tags = odoo_client["res.partner.category"].browse([1, 2])
    new = await Partner.create({"name": "Tagged", "category_id": [Command.set(tags)]})
    [read] = await new.read(["category_id"])
    assert sorted(read["category_id"]) == [1, 2]


async def test_write_unlink_exists_and_cache_invalidation(
    fake_odoo: FakeOdoo, odoo_client: Client
) -> None:
    Partner = odoo_client["res.partner"]
    more = await Partner.create([{"name": "A"}, {"name": "B"}])
    assert len(more) == 2
    await more.fetch("comment", "name")
    assert more[0].comment is None
    await more.write({"comment": "imported"})
    with pytest.raises(FieldNotLoadedError):
        _ = more[0].comment  # the write dropped the cached value
    await more.fetch("comment")
    assert more.mapped("comment") == ["<p>imported</p>"] * 2  # Odoo wraps text in <p>
    copy = await more[:1].copy({"name": "A2"})
    assert (await copy.read(["name"]))[0]["name"] == "A2"
    await more.unlink()
    with pytest.raises(MissingError):
        _ = more[0].name
    assert (await (more | copy).exists()) == copy
    fake_odoo.env().unlink("res.partner", copy.ids)
    assert not await copy.exists()


async def test_refresh(fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    [acme] = await odoo_client["res.partner"].browse(9).fetch("name", "phone")
    fake_odoo.env().write("res.partner", [9], {"phone": "+32 2 000"})
    assert acme.phone != "+32 2 000"  # cached
    await acme.refresh()
    assert acme.phone == "+32 2 000"
    await acme.write({"phone": "+32 2 111"})  # drops the cached values...
    with pytest.raises(FieldNotLoadedError):
        _ = acme.phone
    await acme.refresh("email")  # ...which refresh reads again, with what is asked
    assert (acme.name, acme.phone, acme.email) == ("Acme Corporation", "+32 2 111",
                                                   "acme_corp@yourcompany.example.com")


async def test_with_context_views_share_ids_not_values(odoo_client: Client) -> None:
    Partner = odoo_client["res.partner"]
    [acme] = await Partner.browse(9).fetch("name")
    other = acme.with_context(tz="UTC")
    assert other == acme
    with pytest.raises(FieldNotLoadedError):
        _ = other.name
    await other.fetch("name")
    assert other.name == acme.name
    assert Partner.with_context(tz="UTC").env.context == {"tz": "UTC"}
    assert odoo_client.with_context(tz="UTC")["res.partner"].env.context == {"tz": "UTC"}


async def test_bounded_and_disabled_cache(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, cache_max_records=2) as odoo:
        partners = await odoo["res.partner"].browse([8, 9, 10]).fetch("name")
        # what a fetch returned stays readable whatever the bound (it was not, before)
        assert partners.mapped("name") == ["Wood Corner", "Acme Corporation",
                                           "Gemini Furniture"]
        with pytest.raises(FieldNotLoadedError):
            _ = odoo["res.partner"].browse(8).name  # the shared cache: evicted (LRU)
        assert odoo["res.partner"].browse(10).name == "Gemini Furniture"
    async with Client(fake_odoo.url, fake_odoo.api_key, cache=False) as odoo:
        partners = await odoo["res.partner"].search(F.id.in_([8, 9])).fetch("name",
                                                                            "country_id.code")
        assert partners.mapped("name") == ["Acme Corporation", "Wood Corner"]
        assert partners.mapped("country_id.code") == ["US"]  # one country for both
        again = odoo["res.partner"].browse([8, 9])
        with pytest.raises(FieldNotLoadedError):
            _ = again[0].name  # nothing shared between fetches


async def test_model_methods_and_queries(fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    Partner = odoo_client["res.partner"]
    before = calls(fake_odoo)
    query = Partner.search(F.is_company == True).order("name").limit(3).offset(1)  # noqa: E712
    assert calls(fake_odoo) == before  # lazy
    assert repr(query) == "Query(res.partner: F.is_company == True, order='name', limit=3, " \
                          "offset=1)"
    found = await query
    assert found.ids == [15, 10, 13]
    assert await query.count() == 12
    assert (await query.filter(F.name.ilike("a"))).ids == [15, 43, 1]
    assert await Partner.search_count(F.is_company == True) == 12  # noqa: E712
    assert (await Partner.name_search("Az", limit=2))[0] == (15, "Azure Interior")
    assert await odoo_client["sale.order"].default_get(["state"]) == {"state": "draft"}
    assert (await odoo_client["res.users"].context_get())["uid"] == 2
    fields = await Partner.fields()
    assert fields["country_id"].relation == "res.country"
    with pytest.raises(ValueError, match="limit must be an int >= 0"):
        Partner.search().limit(-1)
    with pytest.raises(ValueError, match="invalid model name"):
        _ = odoo_client["res.partner/../x"]
    assert odoo_client.env["res.partner"].name == "res.partner"


async def test_sale_order_example(odoo_client: Client) -> None:
    Product = odoo_client["product.product"]
    chair, lamp = await Product.search(F.default_code.in_(["FURN_7777", "FURN_8888"]),
                                       order="default_code")
    order = await odoo_client["sale.order"].create({
        "partner_id": 9,
        "order_line": [Command.create({"product_id": chair.id, "product_uom_qty": 2}),
                       Command.create({"product_id": lamp.id, "product_uom_qty": 1})],
    })
    assert await order.action_confirm() is True
    await order.fetch("state", "order_line.product_id.display_name", "amount_total")
    assert order.state == "sale"
    assert order.mapped("order_line.product_id.display_name") == [
        "[FURN_7777] Office Chair", "[FURN_8888] Office Lamp"]
    await chair.fetch("list_price")
    await lamp.fetch("list_price")
    assert order.amount_total == pytest.approx(2 * chair.list_price + lamp.list_price)
