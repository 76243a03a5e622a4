"""Contracts of the field metadata layer (``odoo_async.orm.metadata``), through the public API.

- ``Model.fields()`` reads every ``fields_get`` entry: its type (``char`` when Odoo sends
  none), label (the field name when empty), relation, required and readonly flags,
  selection pairs (as strings), the scale of ``digits`` (an int only) and currency field.
- An unknown field is refused before anything is sent, naming the model and the field
  with at most three close names, quoted and comma-separated, and no hint when nothing
  is close.
- A cold fetch asks ``ir.model.fields`` for the models its paths go through only when a
  path not known yet crosses two relations or more; paths already known are not counted;
  after ``reload_metadata()`` the lookup is made again; a ``fields_get`` failing in the
  batched loads is left for the fetch, which asks again.
- A failed ``fields_get`` leaves no "Task exception was never retrieved" behind, whether
  its callers were cancelled or the cold fetch did not need to wait for it.
"""

from __future__ import annotations

import asyncio
import gc
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from odoo_async import Client, FieldInfo, errors
from odoo_async.orm.metadata import FIELD_ATTRIBUTES
from odoo_async.testing import FakeOdoo
from odoo_async.testing.fake.users import FakeUser
from odoo_async.testing.transport import MockCall, MockTransport
from tests.support.lockstep import DEEP, Lockstep
from tests.support.scripted import ScriptedOdoo, json_answer


@pytest.fixture
async def fake() -> AsyncIterator[FakeOdoo]:
    async with FakeOdoo() as server:
        yield server


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """What the running loop's exception handler receives during the test (asyncio's
    "Task exception was never retrieved", "Exception in callback"...)."""
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    seen: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: seen.append(context))
    try:
        yield seen
    finally:
        loop.set_exception_handler(previous)


def _messages(seen: list[dict[str, Any]]) -> list[str]:
    gc.collect()  # a task dropped with its exception unretrieved is reported when freed
    return [str(context.get("message")) for context in seen]


# --- FieldInfo.from_fields_get: what Model.fields() reads of a fields_get answer ---------

PARTNER_FIELDS: dict[str, Any] = {
    "name": {"type": "char", "string": "Customer Name", "required": True,
             "readonly": False},
    "state": {"type": "selection", "string": "Status",
              "selection": [["draft", "Draft"], [3, "Three"]]},
    "amount": {"type": "float", "string": "Amount", "digits": [16, 2]},
    "total": {"type": "monetary", "string": "Total", "readonly": True,
              "currency_field": "currency_id"},
    "country_id": {"type": "many2one", "string": "Country", "relation": "res.country"},
}


async def test_fields_reads_every_attribute_of_the_fields_get_answer(
        client: Client, scripted_odoo: ScriptedOdoo) -> None:
    scripted_odoo.queue(json_answer(200, PARTNER_FIELDS))
    fields = await client["res.partner"].fields()
    assert scripted_odoo.requests[0].json() == {"attributes": list(FIELD_ATTRIBUTES)}
    assert dict(fields) == {
        "name": FieldInfo("name", "char", "Customer Name", required=True),
        "state": FieldInfo("state", "selection", "Status",
                           selection=(("draft", "Draft"), ("3", "Three"))),
        "amount": FieldInfo("amount", "float", "Amount", digits=2),
        "total": FieldInfo("total", "monetary", "Total", readonly=True,
                           currency_field="currency_id"),
        "country_id": FieldInfo("country_id", "many2one", "Country", relation="res.country"),
    }


async def test_a_field_described_by_nothing_is_a_char_labelled_with_its_name(
        client: Client, scripted_odoo: ScriptedOdoo) -> None:
    scripted_odoo.queue(json_answer(200, {"ref": {}, "code": {"type": "char", "string": ""}}))
    fields = await client["res.partner"].fields()
    assert fields["ref"] == FieldInfo("ref", "char", "ref")
    assert fields["code"] == FieldInfo("code", "char", "code")


async def test_a_scale_of_digits_that_is_not_an_int_is_ignored(
        client: Client, scripted_odoo: ScriptedOdoo) -> None:
    scripted_odoo.queue(json_answer(200, {
        "flag": {"type": "float", "digits": [16, True]},
        "named": {"type": "float", "digits": [16, "2"]},
        "short": {"type": "float", "digits": [2]},
    }))
    fields = await client["res.partner"].fields()
    assert [fields[name].digits for name in ("flag", "named", "short")] == [None, None, None]


# --- ModelInfo.field: the error for an unknown field ---------------------------------------

async def _assert_refused(client: Client, scripted_odoo: ScriptedOdoo, names: list[str],
                          wrong: str, message: str) -> None:
    """A fetch of ``wrong`` on a model with fields ``names`` (metadata loaded first) is
    refused with exactly ``message``, and nothing is sent for it."""
    scripted_odoo.queue(json_answer(200, {n: {"type": "char"} for n in names}))
    await client["res.partner"].fields()
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        await client["res.partner"].browse([1]).fetch(wrong)
    assert len(scripted_odoo.requests) == 1  # only the fields_get


async def test_an_unknown_field_is_refused_with_at_most_three_close_names(
        client: Client, scripted_odoo: ScriptedOdoo) -> None:
    await _assert_refused(
        client, scripted_odoo, ["email", "email1", "email2", "email3", "email4", "name"],
        "emial", "res.partner has no field 'emial'; did you mean 'email', 'email4', 'email3'?")


async def test_an_unknown_field_with_nothing_close_is_refused_without_a_hint(
        client: Client, scripted_odoo: ScriptedOdoo) -> None:
    await _assert_refused(client, scripted_odoo, ["name", "email"], "zzz",
                          "res.partner has no field 'zzz'")


# --- MetadataCache.load_chains / _knows: the relations lookup of a cold fetch -------------

def _lockstep_client(lockstep: Lockstep) -> Client:
    return Client("https://odoo.test", "k" * 40, transport=lockstep.transport, retry=False)


async def test_a_cold_path_through_two_relations_loads_its_models_in_two_round_trips(
        fake: FakeOdoo) -> None:
    lockstep = Lockstep(fake, fake.admin)
    async with _lockstep_client(lockstep) as client:
        records = await lockstep.run(
            client["res.partner"].search([("sale_order_ids", "!=", False)]).fetch(
                "sale_order_ids.order_line"))
        assert records.ids
        assert lockstep.rounds == [
            ["ir.model.fields.search_read", "res.partner.fields_get",
             "res.partner.web_search_read"],
            ["sale.order.fields_get", "sale.order.line.fields_get"]]


async def test_paths_already_known_do_not_make_a_cold_fetch_look_relations_up(
        fake: FakeOdoo) -> None:
    lockstep = Lockstep(fake, fake.admin)
    async with _lockstep_client(lockstep) as client:
        partners = client["res.partner"].search([("sale_order_ids", "!=", False)])
        await lockstep.run(partners.fetch("sale_order_ids.order_line.name"))
        # two known paths (one ending on a plain field, one on a relation), one cold
        # path of a single relation: one level to learn, learnt with the request
        await lockstep.run(partners.fetch("sale_order_ids.name", "sale_order_ids.order_line",
                                          "country_id"))
        assert lockstep.rounds == [["res.country.fields_get", "res.partner.web_search_read"]]


async def test_after_reload_metadata_a_cold_deep_fetch_looks_relations_up_again(
        fake: FakeOdoo) -> None:
    lockstep = Lockstep(fake, fake.admin)
    async with _lockstep_client(lockstep) as client:
        query = client["res.partner"].search([("sale_order_ids", "!=", False)])
        await lockstep.run(query.fetch(DEEP))
        client.env.reload_metadata()
        records = await lockstep.run(query.fetch(DEEP))
        assert records.mapped(DEEP).ids
        assert len(lockstep.rounds) == 2, lockstep.rounds
        assert "ir.model.fields.search_read" in lockstep.rounds[0]


class FailingFieldsGet(Lockstep):
    """A :class:`Lockstep` whose ``fields_get`` of ``model`` fails (503) ``times`` times."""

    def __init__(self, fake: FakeOdoo, user: FakeUser, model: str, times: int) -> None:
        super().__init__(fake, user)
        self.model, self.times = model, times

    async def _answer(self, call: MockCall) -> Any:
        result = await super()._answer(call)
        if call.model == self.model and call.method == "fields_get" and self.times:
            self.times -= 1
            raise errors.ServiceUnavailableError("restarting", status=503)
        return result


async def test_a_comodel_fields_get_failing_in_the_cold_batch_is_asked_again_by_the_fetch(
        fake: FakeOdoo) -> None:
    lockstep = FailingFieldsGet(fake, fake.admin, "sale.order", times=1)
    async with _lockstep_client(lockstep) as client:
        records = await lockstep.run(
            client["res.partner"].search([("sale_order_ids", "!=", False)]).fetch(DEEP))
        assert records.mapped(DEEP).ids
        asked = [name for round_ in lockstep.rounds for name in round_]
        assert asked.count("sale.order.fields_get") == 2


async def test_a_failed_root_fields_get_of_a_cold_deep_fetch_is_not_left_unretrieved(
        fake: FakeOdoo, loop_errors: list[dict[str, Any]]) -> None:
    lockstep = FailingFieldsGet(fake, fake.admin, "res.partner", times=2)
    async with _lockstep_client(lockstep) as client:
        with pytest.raises(errors.ServiceUnavailableError, match="restarting"):
            await lockstep.run(
                client["res.partner"].search([("sale_order_ids", "!=", False)]).fetch(DEEP))
    assert _messages(loop_errors) == []


# --- MetadataCache.get / _consume: a fields_get whose callers are gone ---------------------

async def _others_done() -> None:
    """Wait for every other task of the loop to end (keeping no reference to them)."""
    await asyncio.wait(asyncio.all_tasks() - {asyncio.current_task()})


async def test_a_fields_get_failing_after_its_caller_was_cancelled_leaves_no_error_log(
        loop_errors: list[dict[str, Any]]) -> None:
    arrived, release = asyncio.Event(), asyncio.Event()

    async def odoo(call: MockCall) -> Any:
        arrived.set()
        await release.wait()
        raise errors.AccessError("not for you", status=403)

    transport = MockTransport(odoo)
    async with Client("https://odoo.test", "k" * 40, transport=transport,
                      retry=False) as client:
        caller = asyncio.ensure_future(client["res.partner"].fields())
        await arrived.wait()
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        release.set()
        await _others_done()  # the fields_get call, still running, fails
        assert [c.method for c in transport.calls] == ["fields_get"]
    assert _messages(loop_errors) == []
