"""Bulk create through ``load``, upsert by key fields and by external id, currency
rounding and streaming: exactly which calls reach Odoo, with which arguments, and what
each row's result says."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

from odoo_async import Client, errors
from odoo_async.bulk import BulkError, RowStatus
from odoo_async.testing import FakeOdoo, MockCall, MockTransport, ResetAfterExecute
from tests.support.bulk_odoo import knowing, sent

URL, KEY = "https://odoo.test", "k" * 40

FIELDS: dict[str, dict[str, Any]] = {
    "ref": {"type": "char"},
    "name": {"type": "char"},
    "color": {"type": "integer"},
    "amount": {"type": "monetary", "currency_field": "currency_id"},
    "currency_id": {"type": "many2one", "relation": "res.currency"},
    "active": {"type": "boolean"},
}


def server(answer: Callable[[MockCall], Any]) -> MockTransport:
    """An in-memory Odoo knowing ``FIELDS`` on every model; other calls get
    ``answer(call)`` (raised when it is an exception)."""
    return knowing(FIELDS, answer)


def results(report: Any) -> list[tuple[Any, ...]]:
    return [(r.status, r.key, r.id, r.error) for r in report]


async def test_create_through_load_sends_the_import_format_in_utc() -> None:
    """``mode="load"`` sends the rows in ``load``'s format, columns named by field only
    (no external id column for a plain create), with ``tz: "UTC"`` in the context."""
    transport = server(lambda call: {"ids": [41, 42], "messages": []})
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.create("res.partner", [
            {"name": "a", "ref": "A", "currency_id": 3},
            {"name": "b", "ref": "B", "currency_id": False}], mode="load")
    assert results(report) == [(RowStatus.CREATED, None, 41, None),
                               (RowStatus.CREATED, None, 42, None)]
    assert sent(transport) == [("res.partner", "load", {
        "fields": ["name", "ref", "currency_id/.id"],
        "data": [["a", "A", "3"], ["b", "B", ""]],
        "context": {"tracking_disable": True, "tz": "UTC"}})]


async def test_load_messages_fail_only_the_error_rows_they_name() -> None:
    """``load`` names refused rows by position: only errors naming a row of the call fail
    it (Odoo's message, or "refused" when it gave none; the row keeps its key); warnings
    and errors naming no row or a position past the end fail nothing; the other rows go
    in again."""
    answers = iter([
        [],  # search_read: nothing exists yet
        {"ids": False, "messages": [
            {"type": "warning", "record": 0, "message": "just a warning"},
            {"type": "error", "record": 1},
            {"type": "error", "record": 3, "message": "past the end"},
            {"type": "error", "message": "about no row"}]},
        {"ids": [21, 22], "messages": []},
    ])
    transport = server(lambda call: next(answers))
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.upsert("res.partner", [
            {"ref": "A", "name": "a"}, {"ref": "B", "name": "b"}, {"ref": "C", "name": "c"}],
            key="ref", mode="load")
    assert results(report) == [(RowStatus.CREATED, "A", 21, None),
                               (RowStatus.FAILED, "B", None, "refused"),
                               (RowStatus.CREATED, "C", 22, None)]
    loads = [payload for _, method, payload in sent(transport) if method == "load"]
    assert [load["data"] for load in loads] == [[["A", "a"], ["B", "b"], ["C", "c"]],
                                                [["A", "a"], ["C", "c"]]]


async def test_a_load_refusal_without_messages_falls_back_to_create() -> None:
    """A ``load`` that creates nothing and names no row (no ``messages`` at all) is a
    refusal of unknown rows: they are created one ``create`` at a time the usual way."""
    def answer(call: MockCall) -> Any:
        if call.method == "load":
            return {"ids": False}
        return [7, 8]

    transport = server(answer)
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.create("res.partner", [{"name": "a"}, {"name": "b"}],
                                        mode="load")
    assert results(report) == [(RowStatus.CREATED, None, 7, None),
                               (RowStatus.CREATED, None, 8, None)]
    assert [(m, p) for _, m, p in sent(transport) if m == "create"] == [
        ("create", {"vals_list": [{"name": "a"}, {"name": "b"}],
                    "context": {"tracking_disable": True}})]


@pytest.mark.parametrize("answer", ["list", "null"])
async def test_a_load_answer_that_is_not_a_mapping_leaves_the_rows_unknown(
    answer: str
) -> None:
    """``load`` ran, but its answer says nothing of which rows became records: the rows
    are outcome unknown (never created again by ``create``, which could duplicate them)
    and the operation stops."""
    value: Any = [1, 2] if answer == "list" else None

    def respond(call: MockCall) -> Any:
        return value if call.method == "load" else [7, 8]

    transport = server(respond)
    async with Client(URL, KEY, transport=transport) as odoo:
        with pytest.raises(BulkError) as caught:
            await odoo.bulk.create("res.partner", [{"name": "a"}, {"name": "b"}],
                                   mode="load")
    why = (f"the operation stopped on ProtocolError: res.partner.load answered {value!r}, "
           "not its ids and messages [HTTP 200]")
    assert results(caught.value.report) == [(RowStatus.OUTCOME_UNKNOWN, None, None, why)] * 2
    assert "create" not in [method for _, method, _ in sent(transport)]


async def test_a_lost_load_answer_in_an_upsert_is_reconciled_by_key(fake_odoo: FakeOdoo
                                                                    ) -> None:
    """``upsert(mode="load")`` whose ``load`` answer was lost looks the rows up by key:
    they are created (with their ids), not unknown, and nothing is sent twice."""
    fake_odoo.faults.queue(ResetAfterExecute(), match="res.partner/load")
    rows = [{"ref": f"LL{i}", "name": f"Lost {i}"} for i in range(3)]
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        report = await odoo.bulk.upsert("res.partner", rows, key="ref", mode="load")
    env = fake_odoo.env(active_test=False)
    stored = {row["ref"]: row["id"] for row in env.read(
        "res.partner", env.search("res.partner", [("ref", "=like", "LL%")]), ["ref"])}
    assert [(r.status, r.key, r.id) for r in report] == [
        (RowStatus.CREATED, f"LL{i}", stored[f"LL{i}"]) for i in range(3)]
    assert fake_odoo.executed["res.partner/load"] == 1
    assert fake_odoo.executed["res.partner/create"] == 0


async def test_a_fatal_error_answered_to_load_fails_the_rows_it_carried() -> None:
    """Odoo answered the ``load`` with an error that stops the operation: its rows were
    sent and rolled back, so they are ``failed`` (not ``skipped``)."""
    denied = errors.AccessError("You are not allowed to create Contact", status=403)
    transport = server(lambda call: denied)
    async with Client(URL, KEY, transport=transport) as odoo:
        with pytest.raises(BulkError) as caught:
            await odoo.bulk.create("res.partner", [{"name": "a"}, {"name": "b"}],
                                   mode="load")
    why = ("the operation stopped on AccessError: You are not allowed to create Contact "
           "[HTTP 403]")
    assert results(caught.value.report) == [(RowStatus.FAILED, None, None, why)] * 2


async def test_a_lost_create_answer_without_a_key_gives_the_reason() -> None:
    """Rows whose ``create`` answer was lost are ``outcome_unknown`` with the error's
    message (without the ``(model/method)`` suffix ``str()`` adds)."""
    lost = errors.ConnectionLostError("connection reset after sending")
    async with Client(URL, KEY, retry=False, transport=server(lambda call: lost)) as odoo:
        report = await odoo.bulk.create("res.partner", [{"name": "a"}, {"name": "b"}])
    why = ("ConnectionLostError: the call may or may not have been applied; it was not "
           "repeated (check the data, or pass idempotent=True if repeating it is safe)")
    assert results(report) == [(RowStatus.OUTCOME_UNKNOWN, None, None, why)] * 2


async def test_a_refused_row_without_a_message_still_says_what_odoo_answered() -> None:
    """A row Odoo refuses with an empty message gets the error's description (its
    status), not an empty or "None" error."""
    refused = errors.ValidationError("", status=422)
    async with Client(URL, KEY, transport=server(lambda call: refused)) as odoo:
        report = await odoo.bulk.create("res.partner", [{"name": "a"}])
    assert results(report) == [(RowStatus.FAILED, None, None, "[HTTP 422]")]


async def test_a_dry_run_create_is_marked_and_sends_nothing() -> None:
    """``create(dry_run=True)`` reports every row as to be created, says "dry run", and
    sends nothing but the field lookup."""
    transport = server(lambda call: pytest.fail(f"sent {call.method}"))
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.create("res.partner", [{"name": "a"}], dry_run=True)
    assert report.dry_run
    assert str(report).startswith("create res.partner (dry run): 1 rows: created 1")
    assert results(report) == [(RowStatus.CREATED, None, None, None)]
    assert sent(transport) == []


async def test_no_progress_bar_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """``create`` draws no bar by default: it works without tqdm installed."""
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    async with Client(URL, KEY, transport=server(lambda call: [5])) as odoo:
        report = await odoo.bulk.create("res.partner", [{"name": "a"}])
    assert results(report) == [(RowStatus.CREATED, None, 5, None)]


async def test_upsert_reads_existing_records_by_every_key_field() -> None:
    """One ``search_read`` per chunk: every key field in the domain, archived records
    included, raw ids (``load=None``), and exactly the fields the comparison needs (the
    key, the rows' fields, a monetary field's currency, ``active``)."""
    transport = server(lambda call: [] if call.method == "search_read" else [1, 2])
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.upsert("res.partner", [
            {"ref": "A", "color": 10, "amount": 1.5},
            {"ref": "B", "color": 9, "amount": 2.5}], key=("ref", "color"))
    assert results(report) == [(RowStatus.CREATED, ("A", 10), 1, None),
                               (RowStatus.CREATED, ("B", 9), 2, None)]
    assert sent(transport)[0] == ("res.partner", "search_read", {
        "domain": ["&", ["ref", "in", ["A", "B"]], ["color", "in", [10, 9]]],
        "fields": ["ref", "color", "amount", "currency_id", "active"],
        "load": None,
        "context": {"tracking_disable": True, "active_test": False}})


async def test_a_monetary_value_is_compared_at_its_currencys_rounding() -> None:
    """A monetary value equal to the stored one at its currency's rounding is
    ``unchanged``; one that rounds differently is written."""
    def answer(call: MockCall) -> Any:
        if call.method == "search_read":
            return [{"id": 5, "ref": "A", "amount": 100.0, "currency_id": 3, "active": True},
                    {"id": 6, "ref": "B", "amount": 100.0, "currency_id": 3, "active": True}]
        if call.model == "res.currency":
            return [{"id": 3, "rounding": 1.0}]
        return True

    transport = server(answer)
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.upsert("res.partner", [
            {"ref": "A", "amount": 100.4, "currency_id": 3},
            {"ref": "B", "amount": 100.6, "currency_id": 3}], key="ref")
    assert [(r.status, r.id, r.changes) for r in report] == [
        (RowStatus.UNCHANGED, 5, ()), (RowStatus.UPDATED, 6, ("amount",))]
    assert [(m, p.get("ids"), p.get("vals")) for _, m, p in sent(transport)
            if m == "write"] == [("write", [6], {"amount": 100.6})]


async def test_upsert_by_external_id_reads_ir_model_data_then_the_records() -> None:
    """``key="id"``: one ``search_read`` on ``ir.model.data`` for the model's external
    ids, then one on the model for exactly the ids they name (archived included, raw
    ids); an external id of that name in another module is not taken."""
    def answer(call: MockCall) -> Any:
        if call.model == "ir.model.data":
            return [{"id": 1, "module": "shop", "name": "a", "res_id": 7},
                    {"id": 2, "module": "other", "name": "b", "res_id": 99}]
        if call.method == "search_read":
            return [{"id": 7, "name": "a", "active": False}]
        return {"ids": [8], "messages": []}

    transport = server(answer)
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.upsert("res.partner", [
            {"id": "shop.a", "name": "a"}, {"id": "b", "name": "b"}], key="id")
    assert [(r.status, r.key, r.id, r.archived) for r in report] == [
        (RowStatus.UNCHANGED, "shop.a", 7, True),
        (RowStatus.CREATED, "__import__.b", 8, False)]
    assert sent(transport) == [
        ("ir.model.data", "search_read", {
            "domain": [["model", "=", "res.partner"], ["module", "in", ["__import__", "shop"]],
                       ["name", "in", ["a", "b"]]],
            "fields": ["module", "name", "res_id"],
            "context": {"tracking_disable": True}}),
        ("res.partner", "search_read", {
            "domain": [["id", "in", [7]]], "fields": ["name", "active"], "load": None,
            "context": {"tracking_disable": True, "active_test": False}}),
        ("res.partner", "load", {
            "fields": ["id", "name"], "data": [["__import__.b", "b"]],
            "context": {"tracking_disable": True, "tz": "UTC"}})]


async def test_an_external_id_must_be_a_non_empty_string() -> None:
    """With ``key="id"``, a row whose id is empty, blank or not a string fails alone with
    a message saying so; the others go on."""
    def answer(call: MockCall) -> Any:
        return [] if call.method == "search_read" else {"ids": [3], "messages": []}

    async with Client(URL, KEY, transport=server(answer)) as odoo:
        report = await odoo.bulk.upsert("res.partner", [
            {"id": "", "name": "x"}, {"id": "  ", "name": "y"}, {"id": 5, "name": "z"},
            {"id": "shop.ok", "name": "ok"}], key="id")
    assert results(report) == [
        (RowStatus.FAILED, None, None,
         "row 0: an external id must be a non-empty str, got ''"),
        (RowStatus.FAILED, None, None,
         "row 1: an external id must be a non-empty str, got '  '"),
        (RowStatus.FAILED, None, None,
         "row 2: an external id must be a non-empty str, got 5"),
        (RowStatus.CREATED, "shop.ok", 3, None)]


async def test_stream_reads_pages_of_1000_in_the_given_context() -> None:
    """``stream`` reads 1000 records per call by default, with the ``context`` given."""
    transport = server(lambda call: {"length": 0, "records": []})
    async with Client(URL, KEY, transport=transport) as odoo:
        pages = [page async for page in odoo.bulk.stream(
            "res.partner", fields=["name"], context={"lang": "fr_FR"})]
    assert pages == []
    ((model, method, payload),) = sent(transport)
    assert (model, method, payload["limit"], payload["context"]) == (
        "res.partner", "web_search_read", 1000, {"lang": "fr_FR"})
