"""Contracts of lazy queries, of compiled field paths and of fetch plans that the mutation
run found unpinned.

- ``Query.limit``/``offset`` refuse a bool, a float or a negative number with
  ``"<name> must be an int >= 0, got <value>"``. A search Odoo refuses with a ``KeyError``
  is explained, like one refused with a ``ValueError``, by the local unknown-field error.
- ``Query.pages``/``iterate``: ``page_size`` is an int >= 1 (1000 by default, refused with
  its message otherwise, before any call); keyset pages need no ``offset`` and an ``id``
  order (``"id"``, any case, optionally ``asc``); each page asks Odoo for ``order="id"``
  and for exactly the records the query's ``limit`` still wants; on a warm client a domain
  naming an unknown field is refused before anything is sent; ``as_dicts`` rows leave out
  what Odoo withheld. ``exists()`` asks for a single id.
- Fetch paths: a relation's options may hold a dot (``order='country_id.name desc'``); a
  limit is digits only (``limit=2X`` is refused); a path ending on a dot, or that is not a
  string, is an ``invalid field path``; limit and order apply to x2many fields only, on a
  cold client as on a warm one; the ``web_read`` specification sent, cold (built from the
  paths) and warm (compiled), carries a relation's limit and order exactly and nothing
  else; a server without the web module refuses a limit or an order (alone, or nested)
  instead of ignoring it.
- ``compile_paths`` gives a relation read with a limit alone no order (``None``);
  ``compile_known`` without metadata and without any path raises ``FieldNotLoadedError``
  for the field ``'?'``.
- ``to_dict``: a field not fetched behind a many2one or an x2many raises
  ``FieldNotLoadedError``; an empty many2one is ``False``.
- Fetch plans: concurrent fetches of one query share a call when they ask the same fields
  (in any order), never when they ask different ones; a scan cancelled on a cold client
  whose metadata failed to load leaves no "exception was never retrieved" behind.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any

import pytest
from aiohttp import web

from odoo_async import Client, F
from odoo_async.errors import FieldNotLoadedError
from odoo_async.orm import Spec, compile_paths
from odoo_async.orm.spec import compile_known
from odoo_async.testing import FakeOdoo
from odoo_async.testing.fake.protocol import CallError, error_body
from odoo_async.testing.faults import Execute
from tests.support.recording import record

# Partner 11 (Ready Mat, US) has seven contacts; by name, descending, the first two are:
READY_MAT = 11
LAST_TWO_CONTACTS = ["Travis Mendoza", "Theodore Gardner"]
SOME_PARTNERS = [9, 10, 11, 15, 16]

# -- helpers ---------------------------------------------------------------------------





class _Refuse:
    """Answer Odoo's error object ``name`` (HTTP 500) without running the call."""

    def __init__(self, name: str, message: str) -> None:
        self.name, self.message = name, message

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Answer the error."""
        error = CallError(500, self.name, self.message, [self.message])
        return web.json_response(error_body(error), status=500)


class _Answer:
    """Record the body and answer ``answer`` as Odoo would (for what the fake cannot do,
    such as ordering a relation by a field of a many2one)."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.bodies: list[dict[str, Any]] = []

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Record, then answer."""
        self.bodies.append(await request.json())
        return web.json_response(self.answer)


class _WithholdCountry:
    """Run the call, then answer each record's country as Odoo 19 answers a many2one the
    user may not read: ``{"id": ...}`` without the sub-fields asked."""

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Execute; strip the country's sub-fields from the answer."""
        response = await execute()
        assert isinstance(response, web.Response)
        body = response.body
        assert isinstance(body, bytes)
        answer = json.loads(body)
        for row in answer["records"]:
            if isinstance(row.get("country_id"), Mapping):
                row["country_id"] = {"id": row["country_id"]["id"]}
        return web.json_response(answer)


class _HoldAfterArrival:
    """Never answer; set ``arrived`` when the request is in."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        """Signal, then wait until the client goes away."""
        self.arrived.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover


def _client(fake: FakeOdoo, **settings: Any) -> Client:
    return Client(fake.url, fake.api_key, **settings)


async def _pages_of_ids(pages: AsyncIterator[Any]) -> list[list[int]]:
    return [page.ids async for page in pages]


def _exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


# -- Query.limit, Query.offset, refusals -------------------------------------------------


async def test_limit_and_offset_refuse_bools_floats_and_negatives_by_name(
        fake_odoo: FakeOdoo) -> None:
    async with _client(fake_odoo) as odoo:
        query = odoo["res.partner"].search([])
        for value in (True, 2.5, -1):
            with pytest.raises(ValueError, match=_exactly(
                    f"limit must be an int >= 0, got {value!r}")):
                query.limit(value)  # type: ignore[arg-type]
            with pytest.raises(ValueError, match=_exactly(
                    f"offset must be an int >= 0, got {value!r}")):
                query.offset(value)  # type: ignore[arg-type]
        assert query.offset(2).skip == 2


async def test_a_search_refused_with_a_key_error_is_explained_by_the_unknown_field(
        fake_odoo: FakeOdoo) -> None:
    fake_odoo.faults.queue(_Refuse("builtins.KeyError", "'nmae'"), match="res.partner/search")
    async with _client(fake_odoo) as odoo:
        odoo.env.reload_metadata()  # cold: the domain goes unchecked, Odoo refuses it
        with pytest.raises(ValueError, match=_exactly(
                "res.partner has no field 'nmae'; did you mean 'name'?")):
            await odoo["res.partner"].search(F.nmae == "x")
    assert fake_odoo.faults.received["res.partner/search"] == 1


# -- Query.pages, Query.iterate, Query.exists -----------------------------------------


async def test_page_size_must_be_an_int_of_at_least_1(fake_odoo: FakeOdoo) -> None:
    async with _client(fake_odoo) as odoo:
        query = odoo["res.partner"].search([])
        for page_size in (True, 2.5, 0):
            with pytest.raises(ValueError, match=_exactly(
                    f"page_size must be an int >= 1, got {page_size!r}")):
                await _pages_of_ids(query.pages("name", page_size=page_size))  # type: ignore[arg-type]
    assert fake_odoo.faults.received["res.partner/web_search_read"] == 0


async def test_pages_need_the_id_order_and_no_offset(fake_odoo: FakeOdoo) -> None:
    refusal = _exactly("pages()/iterate() read in id order with keyset pagination: "
                       "remove order() and offset() from the query")
    async with _client(fake_odoo) as odoo:
        query = odoo["res.partner"].search(F.id.in_(SOME_PARTNERS))
        for refused in (query.order("name"), query.order("id desc"), query.offset(1)):
            with pytest.raises(ValueError, match=refusal):
                await _pages_of_ids(refused.pages("name"))
        for accepted in (query.order("id"), query.order(" Id ASC "), query.order("ID")):
            assert await _pages_of_ids(accepted.pages("name")) == [SOME_PARTNERS]


async def test_pages_ask_id_order_and_1000_records_a_page_by_default(fake_odoo: FakeOdoo
                                                                     ) -> None:
    recorder = record(fake_odoo, "res.partner/web_search_read")
    async with _client(fake_odoo) as odoo:
        query = odoo["res.partner"].search(F.id.in_(SOME_PARTNERS))
        assert await _pages_of_ids(query.pages("name")) == [SOME_PARTNERS]
        assert [(b["order"], b["limit"]) for b in recorder.bodies] == [("id", 1000)]
        recorder.clear()
        assert [p.id async for p in query.iterate("name")] == SOME_PARTNERS
        assert [b["limit"] for b in recorder.bodies] == [1000]
        recorder.clear()
        assert [p.id async for p in query.iterate("name", page_size=2)] == SOME_PARTNERS
        assert [(b["order"], b["limit"]) for b in recorder.bodies] == [("id", 2)] * 3


async def test_a_limit_caps_a_scan_asking_only_the_records_still_wanted(
        fake_odoo: FakeOdoo) -> None:
    recorder = record(fake_odoo, "res.partner/web_search_read")
    async with _client(fake_odoo) as odoo:
        query = odoo["res.partner"].search(F.id.in_(SOME_PARTNERS)).limit(3)
        assert await _pages_of_ids(query.pages("name", page_size=2)) == [[9, 10], [11]]
        assert [b["limit"] for b in recorder.bodies] == [2, 1]


async def test_a_scan_refuses_an_unknown_domain_field_before_sending_when_warm(
        fake_odoo: FakeOdoo) -> None:
    async with _client(fake_odoo) as odoo:
        await odoo["res.partner"].fields()
        before = sum(fake_odoo.faults.received.values())
        with pytest.raises(ValueError, match="did you mean 'name'"):
            await _pages_of_ids(odoo["res.partner"].search(F.nmae == "x").pages("name"))
        assert sum(fake_odoo.faults.received.values()) == before


async def test_exists_asks_odoo_for_a_single_id(fake_odoo: FakeOdoo) -> None:
    recorder = record(fake_odoo, "res.partner/search")
    async with _client(fake_odoo) as odoo:
        assert await odoo["res.partner"].search(F.id.in_(SOME_PARTNERS)).exists() is True
    assert [b["limit"] for b in recorder.bodies] == [1]


async def test_scan_rows_leave_out_the_sub_fields_odoo_withheld(fake_odoo: FakeOdoo) -> None:
    fake_odoo.faults.always(_WithholdCountry(), match="res.partner/web_search_read")
    async with _client(fake_odoo) as odoo:
        rows = [row async for page in odoo["res.partner"].search(F.id == 9).pages(
            "name", "country_id.code", as_dicts=True) for row in page]
    assert rows == [{"id": 9, "name": "Acme Corporation", "country_id": {"id": 233}}]


# -- fetch paths -------------------------------------------------------------------------


async def test_a_relation_option_may_hold_a_dot(fake_odoo: FakeOdoo) -> None:
    # Odoo 19 orders by a field of a many2one; the fake cannot, so the answer is Odoo's
    odoo_answer = _Answer([{"id": READY_MAT, "child_ids": [{"id": 22, "name": "Billy Fox"}]}])
    fake_odoo.faults.always(odoo_answer, match="res.partner/web_read")
    async with _client(fake_odoo) as odoo:
        await odoo.env.preload("res.partner")
        partner = await odoo["res.partner"].browse(READY_MAT).fetch(
            "child_ids(order='country_id.name desc').name")
        assert partner.child_ids.mapped("name") == ["Billy Fox"]
    assert [b["specification"] for b in odoo_answer.bodies] == [
        {"child_ids": {"fields": {"name": {}}, "order": "country_id.name desc"}}]


async def test_a_limit_is_digits_only(fake_odoo: FakeOdoo) -> None:
    async with _client(fake_odoo) as odoo:
        with pytest.raises(ValueError, match=_exactly(
                "invalid option limit='2X' in 'child_ids(limit=2X).name': expected "
                "limit=N (N >= 1) and/or order='field desc'")):
            await odoo["res.partner"].browse(READY_MAT).fetch("child_ids(limit=2X).name")


async def test_a_path_ending_on_a_dot_or_not_a_string_is_an_invalid_path(
        fake_odoo: FakeOdoo) -> None:
    async with _client(fake_odoo) as odoo:
        await odoo.env.preload("res.partner", "res.country")
        partner = odoo["res.partner"].browse(9)
        with pytest.raises(ValueError, match=_exactly("invalid field path 'country_id.'")):
            await partner.fetch("country_id.")
        with pytest.raises(ValueError, match=_exactly(
                "invalid field path ['name', 'email']")):
            await partner.fetch(["name", "email"])  # type: ignore[arg-type]


async def test_limit_and_order_apply_to_x2many_fields_on_a_cold_client_too(
        fake_odoo: FakeOdoo) -> None:
    async with _client(fake_odoo) as odoo:
        for path, kind in (("name(limit=2)", "name is a char"),
                           ("country_id(order='name').code", "country_id is a many2one")):
            odoo.env.reload_metadata()  # cold: the paths are checked as the fields arrive
            with pytest.raises(ValueError, match=_exactly(
                    f"res.partner.{kind} field: limit and order apply to one2many and "
                    "many2many fields")):
                await odoo["res.partner"].browse(9).fetch(path)


async def test_the_specification_sent_carries_a_relations_limit_and_order_exactly(
        fake_odoo: FakeOdoo) -> None:
    recorder = record(fake_odoo, "res.partner/web_read")
    paths = ("name", "country_id.code", "child_ids(limit=2, order='name desc').name")
    async with _client(fake_odoo) as odoo:
        odoo.env.reload_metadata()  # cold: the specification is built from the paths
        cold = await odoo["res.partner"].browse(READY_MAT).fetch(*paths)
    async with _client(fake_odoo) as odoo:  # warm now: the compiled spec is sent
        warm = await odoo["res.partner"].browse(READY_MAT).fetch(*paths)
    for partner in (cold, warm):
        assert (partner.name, partner.country_id.code) == ("Ready Mat", "US")
        assert partner.child_ids.mapped("name") == LAST_TWO_CONTACTS
    plain: dict[str, Any] = {"fields": {"display_name": {}}}
    assert [b["specification"] for b in recorder.bodies] == [
        {"name": plain,
         "country_id": {"fields": {"code": plain}},
         "child_ids": {"fields": {"name": plain}, "limit": 2, "order": "name desc"}},
        {"name": {},
         "country_id": {"fields": {"code": {}}},
         "child_ids": {"fields": {"name": {}}, "limit": 2, "order": "name desc"}}]


async def test_without_the_web_module_a_limit_or_an_order_is_refused_not_ignored(
        fake_odoo: FakeOdoo) -> None:
    refusal = _exactly("a limit or an order on a relation in a fetch path needs Odoo's "
                       "web module (web_read), which this server does not have")
    async with _client(fake_odoo, web_read=False) as odoo:
        partner = odoo["res.partner"].browse(READY_MAT)
        for path in ("child_ids(order='name desc').name", "child_ids(limit=2).name",
                     "parent_id.child_ids(limit=2).name"):
            with pytest.raises(ValueError, match=refusal):
                await partner.fetch(path)
        assert len((await partner.fetch("child_ids.name")).child_ids) == 7


async def test_compile_paths_gives_a_relation_read_with_a_limit_alone_no_order(
        fake_odoo: FakeOdoo) -> None:
    async with _client(fake_odoo) as odoo:
        spec = await compile_paths("res.partner", ["child_ids(limit=2).name"],
                                   odoo.env.model_info)
    assert spec == Spec("res.partner", {"child_ids": Spec("res.partner", {"name": None},
                                                          limit=2, order=None)})


def test_compile_known_without_metadata_or_path_names_the_field_as_a_question_mark(
        ) -> None:
    with pytest.raises(FieldNotLoadedError) as raised:
        compile_known("res.partner", [], lambda model: None)
    assert (raised.value.model, raised.value.field) == ("res.partner", "?")


# -- plain data (to_dict) --------------------------------------------------------------


async def test_to_dict_raises_for_a_field_not_fetched_behind_a_relation(fake_odoo: FakeOdoo
                                                                        ) -> None:
    async with _client(fake_odoo) as odoo:
        partner = await odoo["res.partner"].browse(READY_MAT).fetch(
            "country_id.code", "child_ids.name")
        assert partner.to_dict("country_id.code")["country_id"] == {"id": 233, "code": "US"}
        with pytest.raises(FieldNotLoadedError, match=r"^res\.country\.name is not loaded"):
            partner.to_dict("country_id.name")
        with pytest.raises(FieldNotLoadedError, match=r"^res\.partner\.email is not loaded"):
            partner.to_dict("child_ids.email")


async def test_an_empty_many2one_is_false_in_plain_data(fake_odoo: FakeOdoo) -> None:
    async with _client(fake_odoo) as odoo:
        created = await odoo["res.partner"].create({"name": "Nowhere"})
        partner = await created.fetch("name", "country_id.code")
        assert partner.to_dict("name", "country_id.code") == {
            "id": partner.id, "name": "Nowhere", "country_id": False}
        rows = [row async for page in odoo["res.partner"].search(F.id == partner.id).pages(
            "name", "country_id.code", as_dicts=True) for row in page]
        assert rows == [{"id": partner.id, "name": "Nowhere", "country_id": False}]


# -- fetch plans -------------------------------------------------------------------------


async def test_concurrent_fetches_share_a_call_only_when_they_ask_the_same_fields(
        fake_odoo: FakeOdoo) -> None:
    async with _client(fake_odoo) as odoo:
        await odoo.env.preload("res.partner")
        query = odoo["res.partner"].search(F.id == 9)
        before = fake_odoo.executed["res.partner/web_search_read"]
        one, other = await asyncio.gather(query.fetch("name", "email"),
                                          query.fetch("email", "name"))
        assert fake_odoo.executed["res.partner/web_search_read"] - before == 1
        assert (one.name, other.email) == ("Acme Corporation", one.email)
        odoo.env.invalidate_all()
        before = fake_odoo.executed["res.partner/web_search_read"]
        names, emails = await asyncio.gather(query.fetch("name"), query.fetch("email"))
        assert fake_odoo.executed["res.partner/web_search_read"] - before == 2
        assert names.name == "Acme Corporation"
        assert emails.email == fake_odoo.env().read("res.partner", [9], ["email"])[0]["email"]


async def test_a_cancelled_cold_scan_whose_metadata_failed_leaves_no_unretrieved_error(
        fake_odoo: FakeOdoo) -> None:
    fake_odoo.faults.always(_Refuse("odoo.exceptions.UserError", "no fields today"),
                            match="res.partner/fields_get")
    hold = _HoldAfterArrival()
    fake_odoo.faults.always(hold, match="res.partner/web_search_read")
    reported: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: reported.append(context))
    try:
        async with _client(fake_odoo, retry=False) as odoo:
            odoo.env.reload_metadata()
            scan = odoo["res.partner"].search([]).pages("name")
            assert isinstance(scan, AsyncGenerator)
            step = asyncio.ensure_future(anext(scan))
            await hold.arrived.wait()
            compiling = [task for task in asyncio.all_tasks()
                         if getattr(task.get_coro(), "__qualname__", "") == "Environment._compile"]
            assert len(compiling) == 1
            await asyncio.wait(compiling)  # the metadata failed: the spec will not come
            step.cancel()
            with pytest.raises(asyncio.CancelledError):
                await step
            await scan.aclose()
            del step, scan, compiling
            gc.collect()
    finally:
        loop.set_exception_handler(None)
    assert [context["message"] for context in reported] == []
