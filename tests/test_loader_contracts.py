"""Contracts of the record loader (``odoo_async.orm.loader``), end to end on the fake Odoo.

What these tests pin:

- what each read sends: the fetch's context on every call (``web_read``,
  ``web_search_read``, and the calls sent again by a cold client whose first answer
  cannot be stored), the same ids when a read is sent again, ``count_limit=1`` on every
  ``web_search_read`` (Odoo then never counts past one record);
- without the web module: ``search_read``/``read`` and the per-level reads carry the
  context, ask for the fetched fields only and ``load=None`` (a many2one as its id), and
  an empty many2one is never read;
- how web answers are stored: a relation read with a limit holds its first records only,
  an empty many2one is ``False``, and odd answers (a many2one without an id, an x2many as
  bare ids, a ``web_search_read`` answer without records or not an object) read as what
  they say rather than failing;
- merging of concurrent fetches: only identical queries and reads of one context merge,
  never with coalescing off; each merged caller keeps its own snapshot; a merged read
  refused for one caller's ids still answers the other, but a server failing for health
  reasons is not sent one read per caller; a cancelled caller does not strand the others;
  fetches in flight when the event loop shuts down report no error.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import attrs
import pytest
from aiohttp import web

from odoo_async import Client, F, errors
from odoo_async.testing import Call, FakeOdoo, MockCall, MockTransport, PoolFull
from odoo_async.testing.faults import Execute
from tests.conftest import API_KEY
from tests.support.feeds import until
from tests.support.gates import HoldNth
from tests.support.recording import record

# -- helpers -------------------------------------------------------------------------------



@attrs.frozen
class RefuseIds:
    """Answer Odoo's 403 AccessError (a record rule) when the call's ids include one of
    ``ids``."""

    ids: frozenset[int]

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Refuse, or run the call."""
        body = json.loads(await request.read())
        if self.ids & set(body.get("ids", [])):
            return web.json_response(
                {"name": "odoo.exceptions.AccessError", "message": "not for you",
                 "arguments": [], "context": {}, "debug": ""}, status=403)
        return await execute()


@attrs.frozen
class Company:
    """A company with one active and one archived contact."""

    id: int
    active: int
    archived: int


def company_with_an_archived_contact(fake: FakeOdoo) -> Company:
    """Create a company (in the United States) with an active and an archived contact."""
    env = fake.env()
    [company] = env.create("res.partner", [{"name": "Loader Co", "is_company": True,
                                            "country_id": 233}])
    active, archived = env.create("res.partner", [
        {"name": "Active Contact", "parent_id": company},
        {"name": "Archived Contact", "parent_id": company}])
    env.write("res.partner", [archived], {"active": False})
    return Company(company, active, archived)


ALL = {"active_test": False}
"""A context whose effect the fake shows: archived records are searched and listed in
x2many fields too."""

# -- what a read sends (web module) ------------------------------------------------------


async def test_a_web_read_is_sent_with_the_fetch_context(fake_odoo: FakeOdoo,
                                                         odoo_client: Client) -> None:
    company = company_with_an_archived_contact(fake_odoo)
    await odoo_client["res.partner"].fields()
    recorder = record(fake_odoo)
    found = await odoo_client["res.partner"].with_context(**ALL).browse(company.id).fetch(
        "child_ids.name")
    assert sorted(found.child_ids.mapped("name")) == ["Active Contact", "Archived Contact"]
    [body] = recorder.sent("res.partner/web_read")
    assert body["context"] == ALL
    assert body["ids"] == [company.id]


async def test_a_query_asks_odoo_to_count_no_further_than_one_record(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    await odoo_client["res.partner"].fields()
    recorder = record(fake_odoo)
    companies = odoo_client["res.partner"].search(F.is_company == True)  # noqa: E712
    found = await companies.order("id").limit(2).fetch("name")
    assert found.mapped("name") == ["My Company (San Francisco)", "Wood Corner"]
    [body] = recorder.sent("res.partner/web_search_read")
    assert body["count_limit"] == 1
    assert body["limit"] == 2


# -- a cold client sends a read again when the first answer cannot be stored --------------
# (a path ending on a properties field: the answer to the specification built without
# metadata is not the one the compiled spec expects)


async def test_a_cold_read_sent_again_keeps_its_ids_and_context(fake_odoo: FakeOdoo,
                                                                odoo_client: Client) -> None:
    company = company_with_an_archived_contact(fake_odoo)
    recorder = record(fake_odoo)
    found = await odoo_client["res.partner"].with_context(**ALL).browse(company.id).fetch(
        "properties", "child_ids.name")
    assert sorted(found.child_ids.mapped("name")) == ["Active Contact", "Archived Contact"]
    first, again = recorder.sent("res.partner/web_read")
    assert again["specification"] == {"properties": {},
                                      "child_ids": {"fields": {"name": {}}}}
    assert first["ids"] == again["ids"] == [company.id]
    assert first["context"] == again["context"] == ALL


async def test_a_cold_query_sent_again_keeps_its_context_and_count_limit(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    company = company_with_an_archived_contact(fake_odoo)
    recorder = record(fake_odoo)
    found = await odoo_client["res.partner"].with_context(**ALL).search(
        F.id == company.archived).limit(5).fetch("properties", "name")
    assert found.mapped("name") == ["Archived Contact"]
    first, again = recorder.sent("res.partner/web_search_read")
    assert again["specification"] == {"properties": {}, "name": {}}
    assert first["context"] == again["context"] == ALL
    assert first["count_limit"] == again["count_limit"] == 1


# -- without the web module --------------------------------------------------------------


@asynccontextmanager
async def client_without_the_web_module(fake: FakeOdoo) -> AsyncIterator[Client]:
    """A client on ``fake`` with the web module's methods gone (``web_read=False``), the
    partners' fields already known."""
    fake.disable_method("web_read")
    fake.disable_method("web_search_read")
    async with Client(fake.url, fake.api_key, retry=False, web_read=False) as odoo:
        await odoo["res.partner"].fields()
        yield odoo


async def test_without_the_web_module_a_query_is_a_search_read_of_the_fetched_fields(
        fake_odoo: FakeOdoo) -> None:
    company = company_with_an_archived_contact(fake_odoo)
    async with client_without_the_web_module(fake_odoo) as odoo:
        recorder = record(fake_odoo)
        found = await odoo["res.partner"].with_context(**ALL).search(
            F.parent_id == company.id).order("name").fetch("name", "email")
    assert found.mapped("name") == ["Active Contact", "Archived Contact"]
    [body] = recorder.sent("res.partner/search_read")
    assert body["context"] == ALL
    assert body["fields"] == ["name", "email"]
    assert "load" in body
    assert body["load"] is None


async def test_without_the_web_module_a_read_asks_the_fetched_fields_with_plain_ids(
        fake_odoo: FakeOdoo) -> None:
    company = company_with_an_archived_contact(fake_odoo)
    async with client_without_the_web_module(fake_odoo) as odoo:
        recorder = record(fake_odoo)
        found = await odoo["res.partner"].with_context(**ALL).browse(company.id).fetch(
            "child_ids.name", "country_id")
    assert sorted(found.child_ids.mapped("name")) == ["Active Contact", "Archived Contact"]
    assert found.to_dict("country_id", relations="ids") == {"id": company.id,
                                                            "country_id": 233}
    [body] = [b for b in recorder.sent("res.partner/read") if b["ids"] == [company.id]]
    assert body["context"] == ALL
    assert body["fields"] == ["child_ids", "country_id"]
    assert "load" in body
    assert body["load"] is None


async def test_without_the_web_module_each_level_is_read_in_context_with_plain_ids(
        fake_odoo: FakeOdoo) -> None:
    company = company_with_an_archived_contact(fake_odoo)
    async with client_without_the_web_module(fake_odoo) as odoo:
        recorder = record(fake_odoo)
        contact = await odoo["res.partner"].with_context(**ALL).browse(company.active).fetch(
            "parent_id.child_ids.name", "parent_id.country_id.code")
    parent = contact.parent_id
    assert sorted(parent.child_ids.mapped("name")) == ["Active Contact", "Archived Contact"]
    assert parent.country_id.code == "US"
    assert parent.to_dict("country_id", relations="ids") == {"id": company.id,
                                                             "country_id": 233}
    [level] = [b for b in recorder.sent("res.partner/read") if b["ids"] == [company.id]]
    assert level["context"] == ALL
    assert level["fields"] == ["child_ids", "country_id"]
    assert "load" in level
    assert level["load"] is None


async def test_without_the_web_module_an_empty_many2one_is_not_read(fake_odoo: FakeOdoo
                                                                    ) -> None:
    [lonely] = fake_odoo.env().create("res.partner", [{"name": "Nowhere"}])
    async with client_without_the_web_module(fake_odoo) as odoo:
        found = await odoo["res.partner"].browse(lonely).fetch("country_id.name")
    assert not found.country_id
    assert found.to_dict("country_id", relations="ids") == {"id": lonely, "country_id": False}
    assert fake_odoo.faults.received["res.country/read"] == 0


# -- how web answers are stored ----------------------------------------------------------


async def test_a_relation_read_with_a_limit_holds_only_its_first_records(
        odoo_client: Client) -> None:
    acme = await odoo_client["res.partner"].browse(9).fetch(
        "child_ids(limit=1, order='name').name")
    # Odoo answers the other related records as bare {"id": ...}: not part of the result
    assert len(acme.child_ids) == 1
    assert acme.child_ids.mapped("name") == ["Addison Olson"]


async def test_an_empty_many2one_reads_as_false(fake_odoo: FakeOdoo,
                                                odoo_client: Client) -> None:
    [lonely] = fake_odoo.env().create("res.partner", [{"name": "Nowhere"}])
    found = await odoo_client["res.partner"].browse(lonely).fetch("country_id.name")
    assert not found.country_id
    assert found.to_dict("country_id", relations="ids") == {"id": lonely, "country_id": False}


def answer_web_read_with(fake: FakeOdoo, change: Callable[[dict[str, Any]], None]
                         ) -> None:
    """Make ``res.partner/web_read`` answer each record as ``change(record)`` makes it."""

    def web_read(call: Call, specification: Mapping[str, Any]) -> list[dict[str, Any]]:
        records = call.env.web_read(call.model, call.ids, specification)
        for row in records:
            change(row)
        return records

    fake.register_method("res.partner", "web_read", web_read, readonly=True)


async def test_a_many2one_answered_without_an_id_reads_as_empty(fake_odoo: FakeOdoo,
                                                                odoo_client: Client) -> None:
    def drop_country_id(record: dict[str, Any]) -> None:
        record["country_id"] = {"display_name": record["country_id"]["display_name"]}

    answer_web_read_with(fake_odoo, drop_country_id)
    acme = await odoo_client["res.partner"].browse(9).fetch("name", "country_id")
    assert acme.name == "Acme Corporation"
    assert not acme.country_id
    assert acme.to_dict("country_id", relations="ids") == {"id": 9, "country_id": False}


async def test_an_x2many_answered_as_bare_ids_reads_as_those_records(fake_odoo: FakeOdoo,
                                                                     odoo_client: Client) -> None:
    def bare_ids(record: dict[str, Any]) -> None:
        record["child_ids"] = [child["id"] for child in record["child_ids"]]

    answer_web_read_with(fake_odoo, bare_ids)
    acme = await odoo_client["res.partner"].browse(9).fetch("child_ids.name")
    assert acme.child_ids.ids == [36, 19, 20]


def answer_web_search_read_with(fake: FakeOdoo, answer: Any) -> None:
    """Make ``res.partner/web_search_read`` answer ``answer``."""

    def web_search_read(call: Call, domain: Any, specification: Mapping[str, Any],
                        offset: int = 0, limit: int | None = None, order: str | None = None,
                        count_limit: int | None = None) -> Any:
        return answer

    fake.register_method("res.partner", "web_search_read", web_search_read,
                         model_method=True, readonly=True)


@pytest.mark.parametrize("answer", [{"length": 0}, None, {"length": 1, "records": [{}]},
                                    {"length": 1, "records": "9"}])
async def test_a_search_answer_without_its_records_is_a_protocol_error(
        fake_odoo: FakeOdoo, odoo_client: Client, answer: Any) -> None:
    answer_web_search_read_with(fake_odoo, answer)
    with pytest.raises(errors.ProtocolError, match=r"^res\.partner\.web_search_read answered "
                                                   r".*, not its records") as raised:
        await odoo_client["res.partner"].search([]).fetch("name")  # not "none found"
    error = raised.value
    assert (error.status, error.model, error.method) == (200, "res.partner",
                                                         "web_search_read")


async def test_a_search_read_answer_that_is_not_records_is_a_protocol_error(
        fake_odoo: FakeOdoo) -> None:
    def search_read(call: Call, domain: Any = None, fields: Any = None, offset: int = 0,
                    limit: int | None = None, order: str | None = None,
                    load: str | None = "_classic_read") -> Any:
        return {"records": []}

    fake_odoo.register_method("res.partner", "search_read", search_read,
                              model_method=True, readonly=True)
    async with client_without_the_web_module(fake_odoo) as odoo:
        with pytest.raises(errors.ProtocolError, match=r"^res\.partner\.search_read answered "
                                                       r"\{'records': \[\]\}, not its "
                                                       r"records") as raised:
            await odoo["res.partner"].search([]).fetch("name")
    error = raised.value
    assert (error.status, error.model, error.method) == (200, "res.partner", "search_read")


async def test_without_the_web_module_a_query_reads_each_level_in_its_context(
        fake_odoo: FakeOdoo) -> None:
    company = company_with_an_archived_contact(fake_odoo)
    async with client_without_the_web_module(fake_odoo) as odoo:
        recorder = record(fake_odoo)
        found = await odoo["res.partner"].with_context(**ALL).search(
            F.parent_id == company.id).order("name").fetch("name", "parent_id.name")
    assert len(found) == 2
    assert found.mapped("parent_id.id") == [company.id]
    levels = recorder.sent("res.partner/read")
    assert levels
    assert all(body["context"] == ALL for body in levels)


# -- merging concurrent fetches ----------------------------------------------------------


async def test_identical_queries_are_not_merged_with_coalescing_off(fake_odoo: FakeOdoo
                                                                    ) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, retry=False, coalesce=False) as odoo:
        await odoo["res.partner"].fields()
        query = odoo["res.partner"].search(F.name == "Wood Corner")
        first, second = await asyncio.gather(query.fetch("name"), query.fetch("name"))
    assert first.ids == second.ids == [8]
    assert fake_odoo.faults.received["res.partner/web_search_read"] == 2


async def test_concurrent_queries_with_different_domains_get_their_own_records(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    await odoo_client["res.partner"].fields()
    Partner = odoo_client["res.partner"]
    wood, acme = await asyncio.gather(Partner.search(F.name == "Wood Corner").fetch("name"),
                                      Partner.search(F.name == "Acme Corporation").fetch("name"))
    assert (wood.ids, acme.ids) == ([8], [9])
    assert fake_odoo.faults.received["res.partner/web_search_read"] == 2


async def test_concurrent_identical_queries_in_different_contexts_are_not_merged(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    company = company_with_an_archived_contact(fake_odoo)
    await odoo_client["res.partner"].fields()
    Partner = odoo_client["res.partner"]
    active, every = await asyncio.gather(
        Partner.search(F.parent_id == company.id).order("id").fetch("name"),
        Partner.with_context(**ALL).search(F.parent_id == company.id).order("id").fetch("name"))
    assert active.ids == [company.active]
    assert every.ids == [company.active, company.archived]


async def test_concurrent_reads_in_different_contexts_are_not_merged(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    company = company_with_an_archived_contact(fake_odoo)
    await odoo_client["res.partner"].fields()
    Partner = odoo_client["res.partner"]
    active, every = await asyncio.gather(
        Partner.browse(company.id).fetch("child_ids.name"),
        Partner.with_context(**ALL).browse(company.id).fetch("child_ids.name"))
    assert active.child_ids.mapped("name") == ["Active Contact"]
    assert sorted(every.child_ids.mapped("name")) == ["Active Contact", "Archived Contact"]


async def test_two_merged_reads_each_keep_their_snapshot(fake_odoo: FakeOdoo,
                                                        odoo_client: Client) -> None:
    Partner = odoo_client["res.partner"]
    await Partner.fields()
    wood, acme = await asyncio.gather(Partner.browse(8).fetch("name"),
                                      Partner.browse(9).fetch("name"))
    assert fake_odoo.faults.received["res.partner/web_read"] == 1
    Partner.invalidate([8, 9])  # the shared cache forgets them; the recordsets do not
    assert (wood.name, acme.name) == ("Wood Corner", "Acme Corporation")


async def test_a_merged_read_of_two_callers_refused_for_one_still_answers_the_other(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    fake_odoo.faults.always(RefuseIds(frozenset({40})), match="web_read")
    Partner = odoo_client["res.partner"]
    await Partner.fields()
    acme, refused = await asyncio.gather(Partner.browse(9).fetch("name"),
                                         Partner.browse(40).fetch("name"),
                                         return_exceptions=True)
    assert not isinstance(acme, BaseException)
    assert acme.name == "Acme Corporation"
    assert isinstance(refused, errors.AccessError)


async def test_a_merged_read_failing_for_the_servers_health_is_not_sent_per_caller(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    fake_odoo.faults.queue(PoolFull(), match="web_read")
    Partner = odoo_client["res.partner"]
    await Partner.fields()
    results = await asyncio.gather(Partner.browse(8).fetch("name"),
                                   Partner.browse(9).fetch("name"), return_exceptions=True)
    assert [type(r) for r in results] == [errors.PoolExhaustedError] * 2
    assert fake_odoo.faults.received["res.partner/web_read"] == 1


async def test_a_merged_caller_cancelled_in_flight_does_not_strand_the_next_one(
        fake_odoo: FakeOdoo, odoo_client: Client) -> None:
    hold = HoldNth(1)
    fake_odoo.faults.queue(hold, match="web_read")
    Partner = odoo_client["res.partner"]
    await Partner.fields()
    first = asyncio.ensure_future(Partner.browse(8).fetch("name"))
    second = asyncio.ensure_future(Partner.browse(9).fetch("name"))
    await hold.arrived.wait()
    first.cancel()
    hold.open.set()
    await until(second.done)
    assert second.result().name == "Acme Corporation"
    assert first.cancelled()
    assert fake_odoo.faults.received["res.partner/web_read"] == 1


def test_fetches_in_flight_when_the_event_loop_shuts_down_report_no_error() -> None:
    """asyncio.run cancels every task left when its main coroutine returns: the merged
    reads and queries in flight then end cancelled, with nothing logged as an error."""
    reports: list[dict[str, Any]] = []
    arrived: list[str] = []

    async def server(call: MockCall) -> Any:
        if call.method == "fields_get":
            return {"name": {"type": "char", "string": "Name"}}
        arrived.append(call.method)
        await asyncio.Event().wait()  # never answers: cancelled at shutdown
        raise AssertionError("unreachable")

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(
            lambda _, context: reports.append(context))
        odoo = Client("https://odoo.test", API_KEY, transport=MockTransport(server))
        await odoo["res.partner"].fields()
        pending = [asyncio.ensure_future(odoo["res.partner"].browse(1).fetch("name")),
                   asyncio.ensure_future(odoo["res.partner"].search([]).fetch("name"))]
        await until(lambda: len(arrived) == 2)
        assert not any(task.done() for task in pending)

    asyncio.run(main())
    assert sorted(arrived) == ["web_read", "web_search_read"]
    assert reports == []
