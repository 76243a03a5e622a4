"""FakeOdoo beyond the recorded exchanges: users, transactions, search semantics, load,
sales and invoicing, webhooks both ways, API docs, legacy RPC, the CLI and the plugin."""

from __future__ import annotations

import asyncio
import json
import xmlrpc.client
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from odoo_async import Client, Command, F, errors
from odoo_async.testing import Call, Env, FakeOdoo, exceptions
from odoo_async.testing.__main__ import build_parser, serve
from odoo_async.testing.fake.schema import load_records
from tests.support.local import serving


@pytest.fixture
async def admin(fake_odoo: FakeOdoo) -> AsyncIterator[Client]:
    async with Client(fake_odoo.url, fake_odoo.api_key, retry=False) as client:
        yield client


@pytest.fixture
async def bot(fake_odoo: FakeOdoo) -> AsyncIterator[Client]:
    async with Client(fake_odoo.url, fake_odoo.bot_api_key, retry=False) as client:
        yield client


# -- the pytest plugin's fixtures -------------------------------------------------------


def test_the_old_fixture_name_warns(request: pytest.FixtureRequest) -> None:
    with pytest.warns(DeprecationWarning, match="renamed 'fake_odoo_client'"):
        client = request.getfixturevalue("odoo")
    assert isinstance(client, Client)


async def test_plugin_fixtures(fake_odoo: FakeOdoo, fake_odoo_client: Client) -> None:
    odoo = fake_odoo_client
    assert odoo.url.rstrip("/") == fake_odoo.url
    assert (await odoo.whoami())["uid"] == 2


# -- users and rights -------------------------------------------------------------------


async def test_keys_and_rights(fake_odoo: FakeOdoo, bot: Client) -> None:
    assert (await bot.whoami())["uid"] == 7
    with pytest.raises(errors.AccessError, match=r"not allowed to modify 'User' \(res.users\)"):
        await bot.call("res.users", "write", ids=[2], vals={"name": "hacked"})
    with pytest.raises(errors.AccessError, match=r"access 'System Parameter'"):
        await bot.call("ir.config_parameter", "search_read", domain=[], fields=["key"])
    expired = fake_odoo.issue_key(fake_odoo.bot, expired=True)
    async with Client(fake_odoo.url, expired, retry=False) as odoo:
        with pytest.raises(errors.AuthenticationError, match="Invalid apikey"):
            await odoo.whoami()
    fake_odoo.revoke_key(fake_odoo.bot_api_key)
    with pytest.raises(errors.AuthenticationError):
        await bot.whoami()


async def test_add_user(fake_odoo: FakeOdoo) -> None:
    user = fake_odoo.add_user("reader", rights={"*": "r"})
    async with Client(fake_odoo.url, user.api_key, retry=False) as odoo:
        assert (await odoo.whoami())["uid"] == user.uid
        assert await odoo.call("res.partner", "search_count", domain=[]) > 0
        with pytest.raises(errors.AccessError, match="not allowed to create 'Contact'"):
            await odoo.call("res.partner", "create", vals_list=[{"name": "x"}])
    with pytest.raises(ValueError, match="already used"):
        fake_odoo.add_user("reader")


async def test_wrong_database_and_routes(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, "other_db", retry=False) as odoo:
        with pytest.raises(errors.DatabaseNotFoundError):
            await odoo.whoami()
    async with aiohttp.ClientSession() as session:
        async with session.get(fake_odoo.url + "/json/2/res.partner/search") as response:
            assert response.status == 404
            assert (await response.json())["message"] == \
                "Did you mean POST /json/2/<model>/<method>?"
        async with session.post(fake_odoo.url + "/json/2/res.partner/search", data=b"{}",
                                headers={"Authorization": f"bearer {fake_odoo.api_key}"}
                                ) as response:
            assert response.status == 415
            assert response.content_type == "text/html"


async def test_full_pool_answers_html_500_without_running(fake_odoo: FakeOdoo) -> None:
    fake_odoo.pool_size = 3
    fake_odoo.gate = asyncio.Event()  # the first three hold their pool slots
    async with Client(fake_odoo.url, fake_odoo.api_key, retry=False,
                      max_in_flight=None) as odoo:
        calls = [asyncio.create_task(odoo.call("res.partner", "create",
                                               vals_list=[{"name": f"P{i}"}]))
                 for i in range(12)]
        done: set[asyncio.Task[Any]] = set()
        while len(done) < 9:  # the nine that found the pool full come back at once
            finished, _ = await asyncio.wait(set(calls) - done,
                                             return_when=asyncio.FIRST_COMPLETED)
            done |= finished
        fake_odoo.gate.set()
        results = await asyncio.gather(*calls, return_exceptions=True)
    failed = [r for r in results if isinstance(r, errors.PoolExhaustedError)]
    assert len(failed) == 9
    assert fake_odoo.executed["res.partner/create"] == 3
    assert fake_odoo.peak_in_flight == 3


# -- methods, arguments, transactions -----------------------------------------------------


async def test_register_method(fake_odoo: FakeOdoo, admin: Client) -> None:
    def credit_limit(call: Call, amount: float) -> dict[str, Any]:
        if amount < 0:
            raise exceptions.UserError("Amount must be positive")
        rows = call.env.read(call.model, call.ids, ["name"])
        return {row["name"]: amount for row in rows}

    def ping(call: Call) -> str:
        return "pong"

    fake_odoo.register_method("res.partner", "credit_limit", credit_limit)
    fake_odoo.register_method("res.partner", "ping", ping, model_method=True, readonly=True)
    assert await admin.call("res.partner", "credit_limit", ids=[9], amount=5.0) == {
        "Acme Corporation": 5.0}
    assert await admin.call("res.partner", "ping") == "pong"
    with pytest.raises(errors.UserError, match="Amount must be positive"):
        await admin.call("res.partner", "credit_limit", ids=[9], amount=-1)
    with pytest.raises(errors.InvalidCallError, match="missing a required argument: 'amount'"):
        await admin.call("res.partner", "credit_limit", ids=[9])
    with pytest.raises(errors.InvalidCallError, match=r"cannot call res\.partner\.ping with ids"):
        await admin.call("res.partner", "ping", ids=[9])
    with pytest.raises(errors.NotFoundError):
        await admin.call("sale.order", "ping")
    with pytest.raises(ValueError, match="private"):
        fake_odoo.register_method("res.partner", "_secret", ping)


async def test_a_failing_call_changes_nothing(fake_odoo: FakeOdoo, admin: Client) -> None:
    before = await admin.call("sale.order.line", "search_count", domain=[])
    with pytest.raises(errors.InternalServerError, match="Invalid field 'nope'"):
        await admin.call("sale.order", "create", vals_list=[{
            "partner_id": 9,
            "order_line": [Command.create({"product_id": 5}), Command.create({"nope": 1})],
        }])
    assert await admin.call("sale.order.line", "search_count", domain=[]) == before
    assert await admin.call("sale.order", "search_count", domain=[]) == 24


async def test_create_write_unlink(fake_odoo: FakeOdoo, admin: Client) -> None:
    [new] = await admin.call("res.partner", "create", vals_list=[{
        "name": "Jane", "parent_id": 9, "category_id": [Command.set([1, 2])]}])
    [row] = await admin.call("res.partner", "read", ids=[new],
                             fields=["display_name", "category_id", "create_uid"])
    assert row["display_name"] == "Acme Corporation, Jane"
    assert row["category_id"] == [2, 1]  # in the comodel's order: Prospects, Vendor
    assert row["create_uid"] == [2, "Mitchell Admin"]
    assert await admin.call("res.partner", "write", ids=[new],
                            vals={"category_id": [Command.unlink(1)], "email": None})
    [row] = await admin.call("res.partner", "read", ids=[new], fields=["category_id", "email"])
    assert row == {"id": new, "category_id": [2], "email": False}
    assert await admin.call("res.partner", "unlink", ids=[new])
    assert await admin.call("res.partner", "read", ids=[new], fields=["name"]) == []
    with pytest.raises(errors.MissingError, match=rf"res\.partner\({new},\)"):
        await admin.call("res.partner", "write", ids=[new], vals={"name": "x"})


async def test_validation_messages(admin: Client) -> None:
    with pytest.raises(errors.ValidationError, match="Contacts require a name"):
        await admin.call("res.partner", "create", vals_list=[{"email": "x@example.com"}])
    with pytest.raises(errors.ValidationError, match="recursive Partner hierarchies"):
        await admin.call("res.partner", "write", ids=[9], vals={"parent_id": 9})
    with pytest.raises(errors.ValidationError, match=r"'Customer' \(partner_id\)"):
        await admin.call("sale.order", "create", vals_list=[{"note": "x"}])
    with pytest.raises(errors.InternalServerError, match="Wrong value for type"):
        await admin.call("res.partner", "create", vals_list=[{"name": "x", "type": "alien"}])


# -- search semantics ---------------------------------------------------------------------


async def test_many2many_written_from_either_side(admin: Client) -> None:
    await admin.call("res.partner.category", "write", ids=[2],
                     vals={"partner_ids": [Command.link(9), Command.link(10)]})
    [tag] = await admin.call("res.partner.category", "read", ids=[2], fields=["partner_ids"])
    assert tag["partner_ids"] == [9, 10]
    await admin.call("res.partner.category", "write", ids=[2],
                     vals={"partner_ids": [Command.unlink(9)]})
    rows = await admin.call("res.partner", "read", ids=[9, 10], fields=["category_id"])
    assert [2 in row["category_id"] for row in rows] == [False, True]


async def test_archived_records(admin: Client) -> None:
    await admin.call("res.partner", "action_archive", ids=[10])
    active = await admin.call("res.partner", "search", domain=F.is_company == True)  # noqa: E712
    assert 10 not in active
    everything = await admin.call("res.partner", "search", domain=F.is_company == True,  # noqa: E712
                                  context={"active_test": False})
    assert 10 in everything
    archived = await admin.call("res.partner", "search", domain=F.active == False)  # noqa: E712
    assert 10 in archived
    assert (await admin.call("res.partner", "read", ids=[10], fields=["active"]))[0] == {
        "id": 10, "active": False}
    await admin.call("res.partner", "action_unarchive", ids=[10])
    assert 10 in await admin.call("res.partner", "search", domain=F.is_company == True)  # noqa: E712


PARTNERS = [p for p in load_records("res.partner") if p["active"]]
BY_ID = {p["id"]: p for p in load_records("res.partner")}
US = next(c["id"] for c in load_records("res.country") if c["code"] == "US")
CATEGORIES = {c["id"]: c["name"] for c in load_records("res.partner.category")}


def _ancestors(partner: dict[str, Any]) -> list[int]:
    found = [partner["id"]]
    while partner["parent_id"]:
        partner = BY_ID[partner["parent_id"][0]]
        found.append(partner["id"])
    return found


def _count(predicate: Any) -> int:
    return sum(1 for partner in PARTNERS if predicate(partner))


def _children(partner: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in PARTNERS if p["parent_id"] and p["parent_id"][0] == partner["id"]]


# Each domain with the same question asked in plain Python over the recorded demo data.
SEMANTICS = [
    (F.country_id.code == "US", lambda p: bool(p["country_id"]) and p["country_id"][0] == US),
    (F.parent_id.name == "Acme Corporation",
     lambda p: bool(p["parent_id"]) and p["parent_id"][1] == "Acme Corporation"),
    (F.id.child_of(9), lambda p: 9 in _ancestors(p)),
    (F.parent_id.child_of([9]), lambda p: 9 in _ancestors(p)),
    (F.id.parent_of(19), lambda p: p["id"] in _ancestors(BY_ID[19])),
    (F.name.eq_like("A%"), lambda p: p["name"].startswith("A")),
    (F.name.eq_ilike("a%"), lambda p: p["name"].lower().startswith("a")),
    (F.name.ilike("wood"), lambda p: "wood" in p["name"].lower()),
    (F.name.not_ilike("a"), lambda p: "a" not in p["name"].lower()),
    (F.parent_id.in_([False]), lambda p: not p["parent_id"]),
    (F.parent_id == None, lambda p: not p["parent_id"]),  # noqa: E711
    (F.parent_id.in_([9, False]), lambda p: not p["parent_id"] or p["parent_id"][0] == 9),
    (F.category_id.any(F.name == "Vendor"), lambda p: 1 in p["category_id"]),
    (F.category_id.any(F.name.ilike("desk")),
     lambda p: any("desk" in CATEGORIES[c].lower() for c in p["category_id"])),
    (F.child_ids.not_any(), lambda p: not _children(p)),
    (F.category_id == "Desk Manufacturers", lambda p: 7 in p["category_id"]),
    (F.country_id.in_(["United States"]),
     lambda p: bool(p["country_id"]) and p["country_id"][1] == "United States"),
    (F.email.ilike("@example.com") & (F.is_company == False),  # noqa: E712
     lambda p: bool(p["email"]) and "@example.com" in p["email"] and not p["is_company"]),
    (F.create_date >= "2026-01-01", lambda p: p["create_date"] >= "2026-01-01"),
    (F.create_date <= "2026-11-27", lambda p: p["create_date"] < "2026-11-27 00:00:01"),
    (F.create_date > "2026-11-27", lambda p: p["create_date"] > "2026-11-27 00:00:00"),
    (~(F.is_company == True), lambda p: not p["is_company"]),  # noqa: E712
    (F.is_company.in_([True, False]) | (F.name == "nobody"), lambda p: True),
    (F.state_id.country_id.code == "US",
     lambda p: bool(p["state_id"]) and p["state_id"][1].endswith("(US)")),
]


@pytest.mark.parametrize(("domain", "predicate"), SEMANTICS, ids=lambda v: repr(v)[:60])
async def test_search_semantics(admin: Client, domain: Any, predicate: Any) -> None:
    expected = _count(predicate)
    assert await admin.call("res.partner", "search_count", domain=domain) == expected


async def test_ordering(admin: Client) -> None:
    rows = await admin.call("sale.order", "search_read", domain=[], fields=["name"],
                            order="state desc, name", limit=3)
    assert [row["name"] for row in rows] == ["S00019", "S00004", "S00006"]
    lines = await admin.call("sale.order.line", "search", domain=[("order_id", "in", [1, 2])])
    assert lines == [4, 5, 1, 2, 3]  # order_id sorts by sale.order's order: date_order desc
    with pytest.raises(errors.InternalServerError, match='Invalid "order"'):
        await admin.call("res.partner", "search", domain=[], order="nope desc")


# -- load -------------------------------------------------------------------------------


async def test_load_upserts_by_external_id(admin: Client) -> None:
    first = await admin.call("res.partner", "load", fields=["id", "name", "country_id"],
                             data=[["ext_a", "Alpha", "Belgium"], ["ext_b", "Beta", ""]])
    assert first["messages"] == []
    again = await admin.call("res.partner", "load", fields=["id", "name"],
                             data=[["__import__.ext_a", "Alpha 2"], ["ext_c", "Gamma"]])
    assert again["ids"][0] == first["ids"][0]
    rows = await admin.call("res.partner", "read", ids=first["ids"],
                            fields=["name", "country_id"])
    assert rows[0]["name"] == "Alpha 2"
    assert rows[0]["country_id"][1] == "Belgium"
    failed = await admin.call("res.partner", "load", fields=["id", "name", "country_id"],
                              data=[["ext_d", "Delta", ""], ["ext_e", "Eps", "Atlantis"]])
    assert failed["ids"] is False
    assert failed["messages"][0]["record"] == 1
    assert "No matching record found for name 'Atlantis'" in failed["messages"][0]["message"]
    assert await admin.call("res.partner", "search_count", domain=F.name == "Delta") == 0


# -- sales: the mission's example ---------------------------------------------------------


async def test_sale_order_flow_and_invoicing(admin: Client) -> None:
    [order] = await admin.call("sale.order", "create", vals_list=[{
        "partner_id": 9,
        "order_line": [Command.create({"product_id": 5, "product_uom_qty": 2}),
                       Command.create({"product_id": 6, "product_uom_qty": 1,
                                       "price_unit": 10.0})],
    }])
    assert await admin.call("sale.order", "action_confirm", ids=[order]) is True
    [read] = await admin.call("sale.order", "web_read", ids=[order], specification={
        "state": {}, "amount_total": {},
        "order_line": {"fields": {"product_id": {"fields": {"display_name": {}}}}}})
    assert read["state"] == "sale"
    assert [line["product_id"]["display_name"] for line in read["order_line"]] == [
        "[FURN_7777] Office Chair", "[FURN_8888] Office Lamp"]
    chair = next(p for p in load_records("product.product") if p["id"] == 5)
    assert read["amount_total"] == pytest.approx(2 * chair["list_price"] + 10.0)
    with pytest.raises(errors.UserError, match="not in a state requiring confirmation"):
        await admin.call("sale.order", "action_confirm", ids=[order])
    with pytest.raises(errors.UserError, match="You can not delete a sent quotation"):
        await admin.call("sale.order", "unlink", ids=[order])

    # Both products are invoiced on delivery (as in Odoo's demo data): nothing yet.
    [wizard] = await admin.call("sale.advance.payment.inv", "create",
                                vals_list=[{"advance_payment_method": "delivered"}],
                                context={"active_model": "sale.order", "active_ids": [order]})
    with pytest.raises(errors.UserError, match="No items are available to invoice"):
        await admin.call("sale.advance.payment.inv", "create_invoices", ids=[wizard])
    [status] = await admin.call("sale.order", "read", ids=[order], fields=["invoice_status"])
    assert status["invoice_status"] == "no"


# -- webhooks -----------------------------------------------------------------------------


def _receiver(received: list[tuple[dict[str, str], Any]]) -> web.Application:
    """An app that keeps the headers and body of every POST to ``/hook``."""
    async def receive(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.json()))
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", receive)
    return app


async def test_outgoing_webhook(fake_odoo: FakeOdoo, admin: Client) -> None:
    received: list[tuple[dict[str, str], Any]] = []
    async with serving(_receiver(received)) as url:
        fake_odoo.add_outgoing_webhook("res.partner", url + "/hook", fields=["name", "email"])
        [new] = await admin.call("res.partner", "create", vals_list=[{"name": "Hooked"}])
        await admin.call("res.partner", "write", ids=[new], vals={"email": "h@example.com"})
    assert [body for _, body in received] == [
        {"_action": "Send Webhook Notification(#1)", "_id": new, "_model": "res.partner",
         "id": new, "name": "Hooked", "email": False},
        {"_action": "Send Webhook Notification(#1)", "_id": new, "_model": "res.partner",
         "id": new, "name": "Hooked", "email": "h@example.com"},
    ]
    assert received[0][0]["Content-Type"] == "application/json"
    assert received[0][0]["User-Agent"].startswith("python-requests/")
    # the receiver is gone: the event is lost, the call still succeeds
    assert await admin.call("res.partner", "write", ids=[new], vals={"name": "Lost"})
    assert fake_odoo.webhook_failures == 1


async def test_incoming_webhook(fake_odoo: FakeOdoo, admin: Client) -> None:
    def handler(env: Env, payload: dict[str, Any]) -> None:
        env.create("res.partner", [{"name": payload["name"], "ref": payload["ref"]}])

    path = fake_odoo.add_incoming_webhook(handler)
    async with aiohttp.ClientSession() as session:
        async with session.post(fake_odoo.url + path, json={"ref": "H1", "name": "Hook"}) as r:
            assert (r.status, await r.json()) == (200, {"status": "ok"})
        async with session.get(fake_odoo.url + path, params={"ref": "H2", "name": "Q"}) as r:
            assert r.status == 200
        async with session.post(fake_odoo.url + path, json={"name": "no ref"}) as r:
            assert (r.status, await r.json()) == (500, {"status": "error"})
        async with session.post(fake_odoo.url + "/web/hook/nope", json={}) as r:
            assert (r.status, await r.json()) == (404, {"status": "error"})
        async with session.put(fake_odoo.url + path, json={}) as r:
            assert (r.status, r.content_type) == (405, "text/html")
    refs = await admin.call("res.partner", "search_read", domain=F.ref.in_(["H1", "H2"]),
                            fields=["ref"], order="ref")
    assert [row["ref"] for row in refs] == ["H1", "H2"]


async def test_records_an_incoming_webhook_creates_trigger_outgoing_ones(
        fake_odoo: FakeOdoo) -> None:
    """As in Odoo, where the incoming rule's records go through create() like any other
    (the kit's rules: tests/test_webhooks_real.py); the fake once sent nothing."""
    received: list[tuple[dict[str, str], Any]] = []

    def handler(env: Env, payload: dict[str, Any]) -> None:
        env.create("res.partner", [{"name": payload["name"], "ref": payload["ref"]}])

    async with serving(_receiver(received)) as url:
        fake_odoo.add_outgoing_webhook("res.partner", url + "/hook", fields=["name", "ref"],
                                       on=["create"])
        path = fake_odoo.add_incoming_webhook(handler)
        async with aiohttp.ClientSession() as session, session.post(
                fake_odoo.url + path, json={"ref": "WH-1", "name": "Chained"}) as answer:
            assert answer.status == 200
    assert [(body["_model"], body["name"], body["ref"]) for _, body in received] == [
        ("res.partner", "Chained", "WH-1")]


# -- API documentation ----------------------------------------------------------------------


async def test_doc_bearer(fake_odoo: FakeOdoo) -> None:
    headers = {"Authorization": f"bearer {fake_odoo.api_key}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(fake_odoo.url + "/doc-bearer/index.json", headers=headers) as r:
            index = await r.json()
            etag = r.headers["ETag"]
        assert etag.startswith('"')
        partner = next(m for m in index["models"] if m["model"] == "res.partner")
        assert "search_read" in partner["methods"]
        async with session.get(fake_odoo.url + "/doc-bearer/index.json",
                               headers={**headers, "If-None-Match": etag}) as r:
            assert r.status == 304
        async with session.get(fake_odoo.url + "/doc-bearer/sale.order.json",
                               headers=headers) as r:
            doc = await r.json()
            assert not r.headers["ETag"].startswith('"')
        assert doc["methods"]["search_read"]["api"] == ["model", "readonly"]
        assert doc["methods"]["action_confirm"]["api"] == []
        assert doc["fields"]["partner_id"]["relation"] == "res.partner"
        bot = {"Authorization": f"bearer {fake_odoo.bot_api_key}"}
        async with session.get(fake_odoo.url + "/doc-bearer/index.json", headers=bot) as r:
            assert r.status == 403


# -- legacy protocols -------------------------------------------------------------------------


async def test_jsonrpc(fake_odoo: FakeOdoo) -> None:
    async def rpc(service: str, method: str, *args: Any) -> Any:
        body = {"jsonrpc": "2.0", "method": "call", "id": 1,
                "params": {"service": service, "method": method, "args": list(args)}}
        async with aiohttp.ClientSession() as session, \
                session.post(fake_odoo.url + "/jsonrpc", json=body) as response:
            assert response.status == 200
            return await response.json()

    key = fake_odoo.api_key
    assert (await rpc("common", "authenticate", "odoo19", "admin", key, {}))["result"] == 2
    assert (await rpc("common", "authenticate", "odoo19", "admin", "wrong", {}))["result"] \
        is False
    answer = await rpc("object", "execute_kw", "odoo19", 2, key, "res.partner.category",
                       "create", [{"name": "rpc tag"}])
    assert isinstance(answer["result"], int)
    answer = await rpc("object", "execute_kw", "odoo19", 2, key, "res.partner", "read",
                       [[9], ["name"]])
    assert answer["result"] == [{"id": 9, "name": "Acme Corporation"}]
    answer = await rpc("object", "execute_kw", "odoo19", 2, "wrong", "res.partner",
                       "search_count", [[]])
    assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert answer["error"]["code"] == 0


async def test_xmlrpc(fake_odoo: FakeOdoo) -> None:
    def calls() -> tuple[Any, ...]:
        common = xmlrpc.client.ServerProxy(fake_odoo.url + "/xmlrpc/2/common")
        models = xmlrpc.client.ServerProxy(fake_odoo.url + "/xmlrpc/2/object")
        uid = common.authenticate("odoo19", "admin", fake_odoo.api_key, {})
        rows = models.execute_kw("odoo19", uid, fake_odoo.api_key, "res.partner",
                                 "search_read", [[["is_company", "=", True]]],
                                 {"fields": ["name"], "limit": 2})
        try:
            models.execute_kw("odoo19", uid, "wrong", "res.partner", "search_count", [[]])
        except xmlrpc.client.Fault as fault:
            denied = (fault.faultCode, fault.faultString)
        try:
            models.execute_kw("odoo19", uid, fake_odoo.api_key, "sale.order", "unlink", [[4]])
        except xmlrpc.client.Fault as fault:
            refused = fault.faultCode
        return uid, rows, denied, refused

    uid, rows, denied, refused = await asyncio.to_thread(calls)
    assert uid == 2
    assert rows == [{"id": 9, "name": "Acme Corporation"}, {"id": 15, "name": "Azure Interior"}]
    assert denied == (3, "Access Denied")
    assert refused == 2


# -- the command line ---------------------------------------------------------------------------


async def test_cli_serve(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["serve", "--port", "0", "--no-demo"])
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(args, ready=ready, stop=stop))
    await ready.wait()
    printed = capsys.readouterr().out
    url = printed.split(" at ", 1)[1].split()[0]
    key = printed.split("admin API key: ", 1)[1].split()[0]
    async with Client(url, key, retry=False) as odoo:
        assert await odoo.call("res.partner", "search_count", domain=[]) == 0
    stop.set()
    await task


def test_cli_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        build_parser().parse_args(["serve", "--port", "x"])
    assert refused.value.code == 2
    assert "invalid int value: 'x'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as helped:
        build_parser().parse_args(["serve", "--help"])
    assert helped.value.code == 0
    assert "--port" in capsys.readouterr().out


def test_fake_has_recorded_schema() -> None:
    fake = FakeOdoo()
    assert fake.schema["res.partner"].fields["country_id"].relation == "res.country"
    assert len(fake.db["res.partner"].rows) == 45
    assert json.dumps(fake.env().read("res.partner", [9], ["name"])) == \
        '[{"id": 9, "name": "Acme Corporation"}]'


async def test_fields_are_listed_for_administrators_only(admin: Client, bot: Client) -> None:
    rows = await admin.call("ir.model.fields", "search_read",
                            domain=[("model", "=", "res.partner"),
                                    ("name", "in", ["country_id", "child_ids", "name"])],
                            fields=["name", "ttype", "relation"])
    assert sorted((r["name"], r["ttype"], r["relation"]) for r in rows) == [
        ("child_ids", "one2many", "res.partner"), ("country_id", "many2one", "res.country"),
        ("name", "char", False)]
    # the restricted user's refusal, as a real Odoo 19 words it
    with pytest.raises(errors.AccessError) as refused:
        await bot.call("ir.model.fields", "search_read", domain=[], fields=["name"])
    assert refused.value.message == (
        "You are not allowed to access 'Fields' (ir.model.fields) records.\n\n"
        "This operation is allowed for the following groups:\n\t- Access Rights\n\n"
        "Contact your administrator to request access if necessary.")


def test_each_fake_method_documents_itself_and_nothing_else() -> None:
    import ast
    import inspect

    from odoo_async.testing.fake import methods

    tree = ast.parse(inspect.getsource(methods))
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        strings = [s for s in node.body if isinstance(s, ast.Expr)
                   and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)]
        assert strings[1:] == [], f"{node.name} has a stray string literal"
        if not node.name.startswith("_"):
            assert strings, f"{node.name} has no docstring"
            assert strings[0] is node.body[0], f"{node.name}: the docstring is not first"
    # the documentation the fake serves says what each method does
    assert (methods.write.__doc__ or "").startswith("Write ``vals``")
    assert (methods.create.__doc__ or "").startswith("Create records")
    assert (methods.unlink.__doc__ or "").startswith("Delete the records")
    assert (methods.web_read.__doc__ or "").startswith("The records read along")


async def test_a_failing_webhook_never_undoes_another_requests_work(fake_odoo: FakeOdoo,
                                                                     admin: Client) -> None:
    """One transaction per request: a JSON-2 create issued while an async webhook rule
    waits is not swallowed by the rule's rollback."""
    rule_started, release = asyncio.Event(), asyncio.Event()

    async def slow_failing_rule(env: Env, payload: dict[str, Any]) -> None:
        env.create("res.partner", [{"name": "From the rule"}])
        rule_started.set()
        await release.wait()
        raise ValueError("the rule fails after waiting")

    path = fake_odoo.add_incoming_webhook(slow_failing_rule)
    async with aiohttp.ClientSession() as session:
        hook = asyncio.ensure_future(session.post(fake_odoo.url + path, json={}))
        await rule_started.wait()
        create = asyncio.ensure_future(admin.call("res.partner", "create",
                                                  vals_list=[{"name": "From JSON-2"}]))
        for _ in range(100_000):  # until the create reached the server (or even ran)
            if create.done() or fake_odoo.in_flight >= 2:
                break
            await asyncio.sleep(0)
        release.set()
        response = await hook
        assert response.status == 500
        [created] = await create
    names = await admin.call("res.partner", "search_read",
                             domain=[("name", "in", ["From the rule", "From JSON-2"])],
                             fields=["name"])
    assert [row["name"] for row in names] == ["From JSON-2"]
    assert names[0]["id"] == created
