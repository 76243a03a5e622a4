"""Contracts of ``Model`` (``client["res.partner"]``) that mutation testing found unpinned.

- Model methods (``Model.fields_get(...)``) send the keyword arguments they are given;
  used as a value, they hint the field a misspelt name was likely meant for once the
  model's fields are known. A dunder probe (``__wrapped__``) is a plain
  ``AttributeError`` named by the attribute, not an Odoo private-method error.
- ``search(limit=...)`` limits the records found.
- ``changes()`` asks pages of 500 records and holds back writes newer than 2 seconds by
  default.
- ``create`` names the row of a list that holds a value that cannot be sent
  (``values[1]['name']``), and a server answering one id (not a list) gives a
  one-record recordset.
- ``ref`` splits ``module.name`` at the first dot, as Odoo's ``env.ref``, and asks
  ``ir.model.data`` for one row with only ``model`` and ``res_id``.
- ``invalidate(ids)`` forgets those records only.
- ``name_search`` by default lists every record (up to 100) matching ``ilike``; it sends
  the domain, operator and limit it is given.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from odoo_async import Client, Domain, F, FieldNotLoadedError
from odoo_async.errors import OdooError
from odoo_async.orm.methods import MethodUsedAsValueError
from odoo_async.resilience.clock import ManualClock
from odoo_async.testing import FakeOdoo
from tests.support.feeds import set_write_dates
from tests.support.recording import record
from tests.support.scripted import ScriptedOdoo, json_answer

# -- helpers ---------------------------------------------------------------------------





def _sent(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The parameters ``keys`` of a recorded body (``<absent>`` when not sent)."""
    return {key: body.get(key, "<absent>") for key in keys}


# -- model methods ---------------------------------------------------------------------


async def test_a_model_method_sends_its_keyword_arguments(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        described = await odoo["res.partner"].fields_get(allfields=["name"],
                                                         attributes=["type"])
    assert described == {"name": {"type": "char"}}


async def test_a_model_method_used_as_a_value_hints_the_field_once_fields_are_known(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        Partner = odoo["res.partner"]
        with pytest.raises(MethodUsedAsValueError, match=r"fields of res\.partner are not "
                                                         r"loaded yet"):
            bool(Partner.contry)
        await Partner.fields()
        with pytest.raises(MethodUsedAsValueError, match=re.escape(
                "res.partner.contry is a method (call it with await), used here as a "
                "truth value; did you mean the field 'country_id'?")):
            bool(Partner.contry)
        with pytest.raises(MethodUsedAsValueError, match=re.escape(
                "used here as text; res.partner has no field 'action_archive'")):
            str(Partner.action_archive)


async def test_a_dunder_probe_on_a_model_is_a_plain_attribute_error(
        fake_odoo: FakeOdoo) -> None:
    """``inspect``, ``copy`` and friends probe ``__x__`` names: the answer is Python's
    usual "no such attribute", not an Odoo error about private methods."""
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        with pytest.raises(AttributeError, match=r"^__wrapped__$") as caught:
            odoo["res.partner"].__wrapped__  # noqa: B018
    assert not isinstance(caught.value, OdooError)


# -- search ----------------------------------------------------------------------------


async def test_search_with_a_limit_finds_at_most_that_many(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        found = await odoo["res.partner"].search([], order="id", limit=2)
    assert found.ids == fake_odoo.env().search("res.partner", [], order="id")[:2]
    assert len(found) == 2


# -- changes: defaults -----------------------------------------------------------------


async def test_the_change_feed_asks_pages_of_500_by_default(fake_odoo: FakeOdoo) -> None:
    recorder = record(fake_odoo, "res.partner/web_search_read")
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        created = await odoo["res.partner"].create([{"name": "Paged"}])
        set_write_dates(fake_odoo, {created.ids[0]: "2026-01-01 00:00:00"})
        seen = [c.id async for c in odoo["res.partner"].changes(
            domain=[("id", "in", created.ids)], settle=0)]
    assert seen == created.ids
    assert recorder.bodies
    assert {body.get("limit") for body in recorder.bodies} == {500}


async def test_the_change_feed_holds_back_writes_of_the_last_2_seconds_by_default(
        fake_odoo: FakeOdoo) -> None:
    now = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    ages = {"old": 60, "settled": 2, "too recent": 1}
    async with Client(fake_odoo.url, fake_odoo.api_key,
                      clock=ManualClock(wall_start=now)) as odoo:
        created = await odoo["res.partner"].create([{"name": name} for name in ages])
        set_write_dates(fake_odoo, {
            rid: dt.datetime.fromtimestamp(now - age, dt.timezone.utc).strftime(
                "%Y-%m-%d %H:%M:%S")
            for rid, age in zip(created.ids, ages.values(), strict=True)})
        names = [c.record.name async for c in odoo["res.partner"].changes(
            fields=["name"], domain=[("id", "in", created.ids)])]
    assert names == ["old", "settled"]


# -- create ----------------------------------------------------------------------------


async def test_a_value_that_cannot_be_sent_is_named_by_its_row(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        with pytest.raises(TypeError, match=r"^values\[1\]\['name'\]: object values cannot "
                                            r"be sent to Odoo"):
            await odoo["res.partner"].create([{"name": "fine"}, {"name": object()}])
        with pytest.raises(TypeError, match=r"^values\[0\]\['name'\]: "):
            await odoo["res.partner"].create({"name": object()})
    assert fake_odoo.faults.received["res.partner/create"] == 0


async def test_a_server_answering_one_id_to_create_gives_one_record(
        scripted_odoo: ScriptedOdoo, client: Client) -> None:
    scripted_odoo.queue(json_answer(200, 57))
    created = await client["res.partner"].create({"name": "Single"})
    assert created.ids == [57]
    assert scripted_odoo.requests[0].json()["vals_list"] == [{"name": "Single"}]


# -- ref -------------------------------------------------------------------------------


async def test_ref_splits_the_external_id_at_its_first_dot(fake_odoo: FakeOdoo) -> None:
    """As Odoo's ``env.ref`` (``xml_id.split('.', 1)``): the name may hold dots."""
    fake_odoo.env().create("ir.model.data", [
        {"module": "shop", "name": "c1.v2", "model": "res.partner", "res_id": 9}])
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        found = await odoo["res.partner"].ref("shop.c1.v2")
    assert found.ids == [9]


async def test_ref_asks_one_row_with_only_the_model_and_the_id(fake_odoo: FakeOdoo) -> None:
    fake_odoo.env().create("ir.model.data", [
        {"module": "shop", "name": "c1", "model": "res.partner", "res_id": 9}])
    recorder = record(fake_odoo, "ir.model.data/search_read")
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        found = await odoo["res.partner"].ref("shop.c1")
    assert found.ids == [9]
    [body] = recorder.bodies
    assert _sent(body, "domain", "fields", "limit") == {
        "domain": [["module", "=", "shop"], ["name", "=", "c1"]],
        "fields": ["model", "res_id"], "limit": 1}


async def test_ref_refuses_what_is_not_module_dot_name_before_any_call(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        for xml_id in ("shop.", ".c1", "c1", None, 42):
            with pytest.raises(ValueError, match=re.escape(
                    f"an external id is 'module.name', got {xml_id!r}")):
                await odoo["res.partner"].ref(xml_id)  # type: ignore[arg-type]
    assert fake_odoo.faults.received["ir.model.data/search_read"] == 0


# -- invalidate ------------------------------------------------------------------------


async def test_invalidating_some_ids_keeps_the_other_records_cached(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        Partner = odoo["res.partner"]
        await Partner.browse([9, 10]).fetch("name")
        Partner.invalidate([9])
        assert Partner.browse(10).name == "Gemini Furniture"  # still cached
        with pytest.raises(FieldNotLoadedError):
            _ = Partner.browse(9).name
        Partner.invalidate()
        with pytest.raises(FieldNotLoadedError):
            _ = Partner.browse(10).name


# -- name_search -----------------------------------------------------------------------


async def test_name_search_without_a_name_lists_every_record(fake_odoo: FakeOdoo) -> None:
    env = fake_odoo.env()
    expected = [(rid, env.display_name("res.partner", rid))
                for rid in env.search("res.partner", [], limit=100)]
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        pairs = await odoo["res.partner"].name_search()
    assert len(pairs) == len(env.search("res.partner", [])) > 1
    assert pairs == expected


async def test_name_search_sends_ilike_and_a_limit_of_100_by_default(
        fake_odoo: FakeOdoo) -> None:
    recorder = record(fake_odoo, "res.partner/name_search")
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        pairs = await odoo["res.partner"].name_search("azure interior, b")
    assert pairs == [(27, "Azure Interior, Brandon Freeman")]
    [body] = recorder.bodies
    assert _sent(body, "name", "domain", "operator", "limit") == {
        "name": "azure interior, b", "domain": [], "operator": "ilike", "limit": 100}


async def test_name_search_finds_at_most_100_records_by_default(fake_odoo: FakeOdoo) -> None:
    fake_odoo.env().create("res.partner", [{"name": f"Many {i:03d}"} for i in range(101)])
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        pairs = await odoo["res.partner"].name_search("Many")
    assert len(pairs) == 100


async def test_name_search_keeps_to_the_domain_given(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        Partner = odoo["res.partner"]
        assert len(await Partner.name_search("Azure")) == 4  # the company and 3 contacts
        companies = await Partner.name_search("Azure", [("is_company", "=", True)])
        # a Domain and an F expression are domains too (they have no truth value)
        as_domain = await Partner.name_search("Azure", Domain([("is_company", "=", True)]))
        as_expression = await Partner.name_search("Azure", F.is_company == True)  # noqa: E712
    assert companies == as_domain == as_expression == [(15, "Azure Interior")]


async def test_name_search_uses_the_operator_given(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        Partner = odoo["res.partner"]
        assert await Partner.name_search("Azure", operator="=") == []
        assert await Partner.name_search("Azure Interior", operator="=") == [
            (15, "Azure Interior")]


async def test_name_search_finds_at_most_the_limit_given(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        pairs = await odoo["res.partner"].name_search("Azure", limit=1)
    assert pairs == [(15, "Azure Interior")]
