"""Contracts of the recordset environment (``odoo_async.orm.env``).

What these tests pin:

- shared field metadata: clients of one server, database and user share what one loaded,
  for up to 64 such keys; a 65th starts the table afresh;
- the settings of a recordset layer of its own (``Environment.on``, and an
  ``Environment`` on a default ``OrmState``): by default values are cached and shared,
  concurrent reads merged, and at most 100,000 records kept; ``cache_max_records``,
  ``coalesce=False`` and ``web_read=False`` are honoured;
- what the metadata calls send: ``fields_get`` asks for the attributes the library reads;
  a cold deep fetch lists the relations of its path fields with one ``ir.model.fields``
  search of exactly those names, relational types and columns;
- ``preload`` loads the models named, and their comodels only with ``related=True``;
- domain checks: a search Odoo refuses while every field is known raises Odoo's own error
  (no metadata call); a condition on ``id`` passes even when ``fields_get`` does not list
  ``id``; a change feed started on a cold client reports a domain typo locally;
- contexts: a fetch is sent with its environment's context and the recordset it fills
  keeps it for later calls; a call through a recordset carries the context;
- stores: fetching more fields on a page of a scan leaves the shared cache alone; a cold
  fetch whose reference field comes after a relation is sent again with the compiled
  specification.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import attrs
import pytest
from aiohttp import web

import odoo_async.orm.env as env_module
from odoo_async import Client, F
from odoo_async.domain import Domain
from odoo_async.errors import FieldNotLoadedError, ServerError
from odoo_async.orm.env import Environment, OrmState
from odoo_async.testing import FakeOdoo, MockCall, MockTransport
from odoo_async.testing.faults import Execute
from tests.support.recording import record

P = "res.partner"
ACME, GEMINI = "Acme Corporation", "Gemini Furniture"  # partners 9 and 10 of the fake

# -- helpers -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no field metadata shared by earlier clients of the process,
    so that its counts of ``fields_get`` calls are its own."""
    monkeypatch.setattr(env_module, "_METADATA", {})



@attrs.frozen
class RefuseAsValueError:
    """Answer as Odoo does when a search raises ``ValueError`` on its side (HTTP 500)."""

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Refuse without running the call."""
        return web.json_response(
            {"name": "builtins.ValueError", "message": "refused by the server",
             "arguments": ["refused by the server"], "context": {}, "debug": ""},
            status=500)


def metadata_calls(fake: FakeOdoo) -> dict[str, int]:
    """The ``fields_get`` calls the fake ran, by model."""
    return {name.removesuffix("/fields_get"): count
            for name, count in fake.executed.items() if name.endswith("/fields_get")}


# -- _shared_metadata: up to 64 servers, databases and users -------------------------------


async def test_metadata_is_shared_for_64_server_database_user_keys_and_a_65th_starts_afresh(
        fake_odoo: FakeOdoo) -> None:
    async with AsyncExitStack() as stack:
        async def connect(database: str | None) -> Client:
            return await stack.enter_async_context(
                Client(fake_odoo.url, fake_odoo.api_key, database=database))

        await (await connect(None)).env.preload(P)
        for n in range(63):  # 64 keys in all
            (await connect(f"other{n}")).env["res.partner"]
        await (await connect(None)).env.preload(P)
        assert metadata_calls(fake_odoo) == {P: 1}  # still shared at 64 keys

        (await connect("the_65th")).env["res.partner"]
        await (await connect(None)).env.preload(P)
        assert metadata_calls(fake_odoo) == {P: 2}  # the table was started afresh


# -- OrmState and Environment.on: the settings of a recordset layer -------------------------


async def test_an_environment_on_a_default_state_merges_reads_and_caches_their_values(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    env = Environment(odoo_client, OrmState(odoo_client))
    await env.preload(P)
    await asyncio.gather(env[P].browse(9).fetch("name"), env[P].browse(10).fetch("name"))
    assert fake_odoo.executed[f"{P}/web_read"] == 1  # merged into one read
    assert env[P].browse(10).name == GEMINI  # in the shared cache


async def test_environment_on_by_default_merges_reads_and_caches_their_values(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    env = Environment.on(odoo_client)
    await env.preload(P)
    await asyncio.gather(env[P].browse(9).fetch("name"), env[P].browse(10).fetch("name"))
    assert fake_odoo.executed[f"{P}/web_read"] == 1  # merged into one read
    assert env[P].browse(10).name == GEMINI  # in the shared cache


def partners_by_the_hundred_thousand(call: MockCall) -> Any:
    """A server whose partners ``n`` are named ``Pn``."""
    if call.method == "fields_get":
        return {"id": {"type": "integer"}, "name": {"type": "char"}}
    assert call.method == "web_read"
    return [{"id": i, "name": f"P{i}"} for i in call.ids or []]


def test_by_default_a_recordset_layer_is_bounded_at_100_000_records() -> None:
    client = Client("https://odoo.test", "k" * 40, transport=MockTransport(lambda call: []))
    assert Environment.on(client).store.max_records == 100_000
    assert Environment(client, OrmState(client)).store.max_records == 100_000
    assert Environment.on(client, cache_max_records=None).store.max_records is None


@pytest.mark.slow
async def test_by_default_a_recordset_layer_keeps_at_most_100_000_records() -> None:
    async with Client("https://odoo.test", "k" * 40,
                      transport=MockTransport(partners_by_the_hundred_thousand)) as client:
        for env in (Environment.on(client), Environment(client, OrmState(client))):
            await env[P].browse(range(1, 100_002)).fetch("name")
            with pytest.raises(FieldNotLoadedError):
                _ = env[P].browse(1).name  # the least recently used, out
            assert env[P].browse(2).name == "P2"
            assert env[P].browse(100_001).name == "P100001"


async def test_environment_on_keeps_at_most_cache_max_records(odoo_client: Client) -> None:
    env = Environment.on(odoo_client, cache_max_records=2)
    await env[P].browse([9, 10, 11]).fetch("name")
    with pytest.raises(FieldNotLoadedError):
        _ = env[P].browse(9).name  # the least recently used, out
    assert env[P].browse(10).name == GEMINI


async def test_environment_on_with_coalescing_off_sends_one_read_per_fetch(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    env = Environment.on(odoo_client, coalesce=False)
    await env.preload(P)
    first, second = await asyncio.gather(env[P].browse(9).fetch("name"),
                                         env[P].browse(10).fetch("name"))
    assert fake_odoo.executed[f"{P}/web_read"] == 2
    assert (first.name, second.name) == (ACME, GEMINI)


async def test_environment_on_with_web_read_off_reads_with_read_on_a_server_with_the_web_module(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    env = Environment.on(odoo_client, web_read=False)
    partner = await env[P].browse(9).fetch("name")
    assert partner.name == ACME
    assert fake_odoo.executed[f"{P}/read"] == 1
    assert fake_odoo.executed[f"{P}/web_read"] == 0


# -- _fields_get and _relations: what the metadata calls send ------------------------------


async def test_field_metadata_is_asked_for_the_attributes_the_library_reads(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    recorder = record(fake_odoo)
    await odoo_client.env.preload(P)
    [body] = recorder.sent(f"{P}/fields_get")
    assert body["attributes"] == ["type", "string", "relation", "required", "readonly",
                                  "selection", "digits", "currency_field"]


async def test_a_cold_deep_fetch_lists_the_relations_of_its_path_fields_in_one_search(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    recorder = record(fake_odoo)
    partner = await odoo_client[P].browse(9).fetch(
        "sale_order_ids.order_line.product_id.name")
    [body] = recorder.sent("ir.model.fields/search_read")
    assert body["domain"] == [
        ["name", "in", ["name", "order_line", "product_id", "sale_order_ids"]],
        ["ttype", "in", ["many2many", "many2one", "one2many"]]]
    assert body["fields"] == ["model", "name", "relation"]
    assert metadata_calls(fake_odoo) == {P: 1, "sale.order": 1, "sale.order.line": 1,
                                         "product.product": 1}
    assert partner.sale_order_ids.ids  # the path was read


# -- preload ------------------------------------------------------------------------------


async def test_preload_loads_the_models_named_and_their_comodels_only_when_asked(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    await odoo_client.env.preload(P)
    assert metadata_calls(fake_odoo) == {P: 1}
    await odoo_client.env.preload(P, related=True)
    assert metadata_calls(fake_odoo)["res.country"] == 1


# -- _first_unloaded: domain checks ---------------------------------------------------------


async def test_a_search_odoo_refuses_with_every_field_known_raises_odoos_error(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    await odoo_client.env.preload(P)
    fake_odoo.faults.queue(RefuseAsValueError(), match=f"{P}/search")
    with pytest.raises(ServerError, match="refused by the server"):
        await odoo_client[P].search(F.name == "x")
    assert metadata_calls(fake_odoo) == {P: 1}  # nothing left to load


async def test_every_condition_is_checked_after_one_on_a_plain_field(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    await odoo_client.env.preload(P)
    fake_odoo.faults.queue(RefuseAsValueError(), match=f"{P}/search")
    domain = (F.name == "x") & (F.nmae == "y")  # a typo after a plain field
    with pytest.raises(ValueError, match="has no field 'nmae'; did you mean 'name'"):
        await odoo_client[P].search(domain)


def partners_without_an_id_field(call: MockCall) -> Any:
    """A test double whose ``fields_get`` lists no ``id``, and whose searches find 2, 3."""
    if call.method == "fields_get":
        return {"name": {"type": "char"},
                "parent_id": {"type": "many2one", "relation": P}}
    assert call.method == "search"
    return [2, 3]


async def test_a_condition_on_id_passes_the_check_when_fields_get_does_not_list_id() -> None:
    async with Client("https://odoo.test", "k" * 40,
                      transport=MockTransport(partners_without_an_id_field)) as client:
        await client[P].fields()
        client.env.check_domain(P, Domain(F.id > 1))
        client.env.check_domain(P, Domain(F.parent_id.id == 1))
        found = await client[P].search(F.id > 1)
        assert found.ids == [2, 3]


async def test_a_change_feed_on_a_cold_client_reports_a_domain_typo_locally(
        odoo_client: Client) -> None:
    with pytest.raises(ValueError, match=r"^res.partner has no field 'nmae'; did you mean "
                                         r"'name'\?$"):
        async for _ in odoo_client[P].changes(domain=F.nmae == "x"):
            pass


# -- contexts: with_store and call ----------------------------------------------------------


async def test_a_fetch_is_sent_in_its_context_and_its_records_keep_that_context(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    recorder = record(fake_odoo)
    brussels = odoo_client.with_context(tz="Europe/Brussels")
    await brussels[P].fields()
    partner = await brussels[P].browse(9).fetch("name")
    [read] = recorder.sent(f"{P}/web_read")
    assert read["context"] == {"tz": "Europe/Brussels"}
    assert partner.env.context == {"tz": "Europe/Brussels"}
    await partner.read(["email"])
    [later] = recorder.sent(f"{P}/read")
    assert later["context"] == {"tz": "Europe/Brussels"}


async def test_a_call_through_a_recordset_is_sent_with_its_context(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    recorder = record(fake_odoo)
    rows = await odoo_client.with_context(tz="Europe/Brussels")[P].browse(9).read(["name"])
    assert rows == [{"id": 9, "name": ACME}]
    [body] = recorder.sent(f"{P}/read")
    assert body["context"] == {"tz": "Europe/Brussels"}


# -- prepare_fetch and _plain_leaves_only: stores and cold answers -----------------------


async def test_fetching_more_fields_on_a_scanned_page_leaves_the_shared_cache_alone(
        odoo_client: Client) -> None:
    async for page in odoo_client[P].search(F.id.in_([9, 10])).pages("name"):
        await page.fetch("email")
        assert page.ids == [9, 10]
    with pytest.raises(FieldNotLoadedError):
        _ = odoo_client[P].browse(9).email  # the page's own, not shared


def contracts_with_a_reference(call: MockCall) -> Any:
    """A contract (partner 9, reference to partner 9), answered as Odoo's web module does:
    a reference asked with sub-fields comes back as a dict."""
    if call.model == "ir.model.fields":
        return [{"model": "x.contract", "name": "partner_id", "relation": P}]
    if call.method == "fields_get":
        if call.model == P:
            return {"id": {"type": "integer"}, "name": {"type": "char"}}
        return {"id": {"type": "integer"},
                "partner_id": {"type": "many2one", "relation": P},
                "res_ref": {"type": "reference", "string": "Ref"}}
    spec = call.params["specification"]
    ref: Any = "res.partner,9"
    if "fields" in spec.get("res_ref", {}):  # what addons/web/models/models.py does
        ref = {"id": {"id": 9, "model": P}, "display_name": "Acme"}
    return [{"id": 1, "partner_id": {"id": 9, "name": ACME}, "res_ref": ref}]


async def test_a_cold_fetch_of_a_reference_after_a_relation_is_sent_again_compiled() -> None:
    transport = MockTransport(contracts_with_a_reference)
    async with Client("https://odoo.test", "k" * 40, transport=transport) as client:
        contract = await client["x.contract"].browse(1).fetch("partner_id.name", "res_ref")
        assert contract.res_ref == "res.partner,9"
        assert contract.partner_id.name == ACME
        assert [c.method for c in transport.calls].count("web_read") == 2
