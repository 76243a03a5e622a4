"""bulk.upsert call by call: each row's status, key, id and error, exactly which calls
reach Odoo with which arguments and context, and how lost answers are reconciled, on an
in-memory server scripted per test."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

from odoo_async import Client, errors
from odoo_async.bulk import AdaptiveConcurrency, BulkError, BulkTimeoutError, Progress, RowStatus
from odoo_async.bulk import engine as engine_module
from odoo_async.resilience import ManualClock
from odoo_async.testing import MockCall, MockTransport
from tests.support.bulk_odoo import knowing, sent

URL, KEY = "https://odoo.test", "k" * 40

FIELDS: dict[str, dict[str, Any]] = {
    "ref": {"type": "char"},
    "name": {"type": "char"},
    "color": {"type": "integer"},
    "amount": {"type": "monetary", "currency_field": "currency_id"},
    "currency_id": {"type": "many2one", "relation": "res.currency"},
    "category_id": {"type": "many2many", "relation": "res.partner.category"},
    "active": {"type": "boolean"},
}
NO_TRACKING = {"tracking_disable": True}
ARCHIVED = {"tracking_disable": True, "active_test": False}


def server(answer: Callable[[MockCall], Any]) -> MockTransport:
    """An in-memory Odoo knowing ``FIELDS`` on every model; other calls get
    ``answer(call)`` (raised when it is an exception)."""
    return knowing(FIELDS, answer)


def scripted(*answers: Any) -> MockTransport:
    """A server answering the calls after ``fields_get`` with ``answers``, in order."""
    queue = list(answers)
    return server(lambda call: queue.pop(0))


def results(report: Any) -> list[tuple[Any, ...]]:
    return [(r.index, r.status, r.key, r.id, r.error) for r in report]


def lost() -> errors.ConnectionLostError:
    """The connection dropped after the request left: the call may have run."""
    return errors.ConnectionLostError("connection reset after sending")


async def test_a_key_mixing_the_external_id_with_fields_is_refused() -> None:
    """``key="id"`` means external ids: combined with fields it is refused at once, with
    a message saying why."""
    silent = server(lambda call: pytest.fail(f"sent {call.method}"))
    async with Client(URL, KEY, transport=silent) as odoo:
        with pytest.raises(ValueError, match=r"^key='id' \(external ids\) cannot be "
                                             r"combined with fields$"):
            odoo.bulk.upsert("res.partner", [], key=("id", "ref"))
        with pytest.raises(ValueError, match=r"^key='id' \(external ids\) cannot be "
                                             r"combined with fields$"):
            odoo.bulk.upsert("res.partner", [], key=["ref", "id"])


async def test_an_operation_awaited_twice_says_it_runs_once() -> None:
    """A bulk operation runs once: awaiting it again says so in plain words."""
    async with Client(URL, KEY, transport=scripted([], [1])) as odoo:
        operation = odoo.bulk.upsert("res.partner", [{"ref": "A", "name": "a"}], key="ref")
        assert (await operation).created == 1
        with pytest.raises(RuntimeError,
                           match=r"^a bulk operation runs once; start a new one$"):
            await operation


async def test_rows_that_cannot_be_sent_fail_alone_with_their_key_and_reason() -> None:
    """Each bad row fails alone, carrying the key it gave (so the caller can find it in
    the input) and a message naming the row; a duplicate key is skipped, naming the
    first row that has it."""
    transport = scripted([], [11])
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.upsert("res.partner", [
            {"ref": "A", "name": "a"}, "not a row", {"ref": "B", "name": object()},
            {"ref": "A", "name": "again"}, {"ref": [["x"]], "name": "n"},
            {"ref": "C", "nmae": "typo"}], key="ref")
    assert results(report) == [
        (0, RowStatus.CREATED, "A", 11, None),
        (1, RowStatus.FAILED, None, None,
         "a row must be a mapping of field names to values, not str"),
        (2, RowStatus.FAILED, "B", None, report[2].error),
        (3, RowStatus.SKIPPED, "A", None, "duplicate key 'A': row 0 has it too"),
        (4, RowStatus.FAILED, None, None,
         "row 4: (['x'],) cannot be a key (not hashable)"),
        (5, RowStatus.FAILED, "C", None, report[5].error)]
    assert (report[2].error or "").startswith("row 2['name']: ")
    assert "object values cannot be sent" in (report[2].error or "")
    assert "did you mean 'name'" in (report[5].error or "")
    assert [m for _, m, _ in sent(transport)] == ["search_read", "create"]


async def test_a_bad_row_keyed_by_several_fields_keeps_its_composite_key() -> None:
    """With a composite key, a row that fails before it is sent reports the tuple of its
    key fields (``None`` for one it lacks)."""
    transport = scripted()
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.upsert("res.partner", [
            {"name": "N", "ref": "R", "color": object()}, {"ref": "S", "color": object()}],
            key=("name", "ref"))
    assert [(r.status, r.key) for r in report] == [(RowStatus.FAILED, ("N", "R")),
                                                   (RowStatus.FAILED, (None, "S"))]
    assert sent(transport) == []


async def test_a_row_with_commands_cannot_be_upserted_by_external_id() -> None:
    """With ``key="id"`` new records are created by ``load``: a row holding x2many
    commands fails alone, keyed by its external id, saying why."""
    transport = scripted([], {"ids": [5], "messages": []})
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.upsert("res.partner", [
            {"id": "shop.x", "name": "x", "category_id": [[4, 1]]},
            {"id": "shop.y", "name": "y", "category_id": [1]}], key="id")
    assert results(report) == [
        (0, RowStatus.FAILED, "shop.x", None,
         "rows upserted by external id are created with load(), which takes plain "
         "values and id lists, not commands"),
        (1, RowStatus.CREATED, "shop.y", 5, None)]


async def test_a_lost_answer_in_a_bisected_chunk_is_reconciled_by_key() -> None:
    """A refused chunk is halved; when the answer to a half is lost, its rows are still
    looked up by key (found: created, with their ids), never left unknown."""
    refused = errors.ValidationError("Contacts require a name", status=422)
    answers: dict[str, list[Any]] = {
        "search_read": [[],  # nothing exists
                        [{"id": 11, "ref": "A"}]],  # reconcile: A is there
        "create": [refused,  # A and B: one row is bad
                   lost(),  # A alone: it ran, its answer was lost
                   [12]],  # B alone
    }
    transport = server(lambda call: answers[call.method].pop(0))
    async with Client(URL, KEY, retry=False, transport=transport) as odoo:
        report = await odoo.bulk.upsert("res.partner", [{"ref": "A", "name": "a"},
                                                        {"ref": "B", "name": "b"}],
                                        key="ref")
    assert results(report) == [(0, RowStatus.CREATED, "A", 11, None),
                               (1, RowStatus.CREATED, "B", 12, None)]
    calls = sent(transport)
    assert [(m, p.get("vals_list")) for _, m, p in calls] == [
        ("search_read", None), ("create", [{"ref": "A", "name": "a"}, {"ref": "B",
                                                                      "name": "b"}]),
        ("create", [{"ref": "A", "name": "a"}]), ("search_read", None),
        ("create", [{"ref": "B", "name": "b"}])]
    assert calls[3] == ("res.partner", "search_read", {
        "domain": [["ref", "in", ["A"]]], "fields": ["id", "ref"], "load": None,
        "context": ARCHIVED})


async def test_a_lost_create_that_did_not_land_is_created_again_once() -> None:
    """A create whose answer was lost is looked up by key: rows not found are created
    again, once; a second lost answer is looked up once more, and what is still missing
    is ``outcome_unknown`` (never sent a third time)."""
    rows = [{"ref": "A", "name": "a"}, {"ref": "B", "name": "b"}]
    once = scripted([], lost(), [], [21, 22])
    async with Client(URL, KEY, retry=False, transport=once) as odoo:
        report = await odoo.bulk.upsert("res.partner", rows, key="ref")
    assert results(report) == [(0, RowStatus.CREATED, "A", 21, None),
                               (1, RowStatus.CREATED, "B", 22, None)]
    assert [m for _, m, _ in sent(once)] == ["search_read", "create", "search_read",
                                             "create"]

    twice = scripted([], lost(), [], lost(), [{"id": 31, "ref": "B"}])
    async with Client(URL, KEY, retry=False, transport=twice) as odoo:
        report = await odoo.bulk.upsert("res.partner", rows, key="ref")
    assert results(report) == [
        (0, RowStatus.OUTCOME_UNKNOWN, "A", None, "the create's answer was lost twice"),
        (1, RowStatus.CREATED, "B", 31, None)]
    calls = sent(twice)
    assert [m for _, m, _ in calls] == ["search_read", "create", "search_read", "create",
                                        "search_read"]
    assert calls[3][2]["vals_list"] == rows
    assert calls[4][2]["domain"] == [["ref", "in", ["A", "B"]]]


async def test_a_lost_load_by_external_id_is_loaded_again_with_the_external_ids() -> None:
    """``key="id"``: rows whose ``load`` answer was lost and that are not found by
    external id are loaded again, once, still with their external ids (record and
    external id in one transaction); a second loss is looked up, the rest unknown."""
    rows = [{"id": "shop.a", "name": "a"}, {"id": "shop.b", "name": "b"}]
    transport = scripted(
        [],  # ir.model.data: none exists
        lost(),  # load: answer lost
        [],  # ir.model.data: none landed
        lost(),  # load again: lost again
        [{"id": 1, "module": "shop", "name": "b", "res_id": 7}],  # b landed
        [{"id": 7}])
    async with Client(URL, KEY, retry=False, transport=transport) as odoo:
        report = await odoo.bulk.upsert("res.partner", rows, key="id")
    assert results(report) == [
        (0, RowStatus.OUTCOME_UNKNOWN, "shop.a", None, "the create's answer was lost twice"),
        (1, RowStatus.CREATED, "shop.b", 7, None)]
    calls = sent(transport)
    assert [(model, m) for model, m, _ in calls] == [
        ("ir.model.data", "search_read"), ("res.partner", "load"),
        ("ir.model.data", "search_read"), ("res.partner", "load"),
        ("ir.model.data", "search_read"), ("res.partner", "search_read")]
    load = {"fields": ["id", "name"], "data": [["shop.a", "a"], ["shop.b", "b"]],
            "context": {**NO_TRACKING, "tz": "UTC"}}
    assert calls[1][2] == calls[3][2] == load
    assert calls[5][2] == {"domain": [["id", "in", [7]]], "fields": ["id"], "load": None,
                           "context": ARCHIVED}


async def test_no_currency_lookup_without_a_monetary_field() -> None:
    """Currencies' rounding is read only when a monetary value is compared: a row that
    sets only a currency costs no ``res.currency`` call."""
    transport = scripted([{"id": 5, "ref": "A", "currency_id": 3, "active": True}])
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.upsert("res.partner", [{"ref": "A", "currency_id": 3}],
                                        key="ref")
    assert results(report) == [(0, RowStatus.UNCHANGED, "A", 5, None)]
    assert [(model, m) for model, m, _ in sent(transport)] == [("res.partner",
                                                                "search_read")]


async def test_a_dry_run_upsert_reports_the_keys_it_would_create() -> None:
    """A dry run says which rows would be created, each with its key, and sends only the
    lookup."""
    transport = scripted([])
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.upsert("res.partner", [{"ref": "A", "name": "a"}],
                                        key="ref", dry_run=True)
    assert results(report) == [(0, RowStatus.CREATED, "A", None, None)]
    assert [m for _, m, _ in sent(transport)] == ["search_read"]


async def test_upsert_defaults_chunks_of_200_in_the_callers_context(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """By default: 200 rows per chunk, tracking off and the caller's context on every
    call, the progress callback after each chunk, and no progress bar (tqdm not
    needed)."""
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)

    def answer(call: MockCall) -> Any:
        if call.method == "search_read":
            return []
        return list(range(1, len(call.params["vals_list"]) + 1))

    transport = server(answer)
    seen: list[Progress] = []
    rows = [{"ref": f"R{i}", "name": f"n{i}"} for i in range(201)]
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.upsert("res.partner", rows, key="ref", concurrency=1,
                                        context={"lang": "fr_FR"}, on_progress=seen.append)
    assert report.created == 201
    calls = sent(transport)
    assert [(m, len(p["domain"][0][2]) if m == "search_read" else len(p["vals_list"]))
            for _, m, p in calls] == [("search_read", 200), ("create", 200),
                                      ("search_read", 1), ("create", 1)]
    assert [p["context"] for _, _, p in calls] == [
        {**ARCHIVED, "lang": "fr_FR"}, {**NO_TRACKING, "lang": "fr_FR"}] * 2
    assert [(p.done, p.total) for p in seen] == [(200, 201), (201, 201)]


async def test_max_chunk_bytes_cuts_upsert_chunks() -> None:
    """``max_chunk_bytes`` bounds a chunk's size: rows too big to share one go one per
    chunk."""
    def answer(call: MockCall) -> Any:
        return [] if call.method == "search_read" else [len(sent(transport))]

    transport = server(answer)
    async with Client(URL, KEY, transport=transport) as odoo:
        report = await odoo.bulk.upsert("res.partner", [{"ref": "A", "name": "a"},
                                                        {"ref": "B", "name": "b"}],
                                        key="ref", max_chunk_bytes=1, concurrency=1)
    assert report.created == 2
    assert [p.get("vals_list") for _, _, p in sent(transport)] == [
        None, [{"ref": "A", "name": "a"}], None, [{"ref": "B", "name": "b"}]]


async def test_an_upsert_stops_at_its_deadline() -> None:
    """``deadline`` bounds an upsert too: when it passes, the operation stops with a
    BulkTimeoutError naming it."""
    clock = ManualClock(autojump=True)
    transport = server(lambda call: [] if call.method == "search_read" else [1])
    async with Client(URL, KEY, clock=clock, transport=transport) as odoo:
        with pytest.raises(BulkTimeoutError, match=r"deadline of 5\.0 s reached$"):
            await odoo.bulk.upsert("res.partner", [{"ref": "A", "name": "a"}], key="ref",
                                   deadline=5.0)


async def test_auto_concurrency_is_capped_by_the_clients_in_flight_limit(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """``concurrency="auto"`` climbs to at most 8 chunks at once, or the client's
    ``max_in_flight`` when that is lower."""
    maxima: list[int] = []

    class Recording(AdaptiveConcurrency):
        def __init__(self, **kwargs: Any) -> None:
            maxima.append(kwargs["maximum"])
            super().__init__(**kwargs)

    monkeypatch.setattr(engine_module, "AdaptiveConcurrency", Recording)
    for cap in (3, 16, 20, None):
        transport = server(lambda call: [] if call.method == "search_read" else [1])
        async with Client(URL, KEY, max_in_flight=cap, transport=transport) as odoo:
            await odoo.bulk.upsert("res.partner", [{"ref": "A", "name": "a"}], key="ref")
    assert maxima == [3, 8, 8, 8]


async def test_an_unknown_model_stops_with_the_reason() -> None:
    """A model whose fields cannot be read stops the operation before any row: the
    error says what stopped it, with the (empty) report."""
    def handler(call: MockCall) -> Any:
        raise errors.NotFoundError("Object res.partnr doesn't exist", status=404)

    async with Client(URL, KEY, transport=MockTransport(handler)) as odoo:
        with pytest.raises(BulkError) as caught:
            await odoo.bulk.upsert("res.partnr", [{"ref": "A"}], key="ref")
    assert caught.value.report.rows == 0
    assert str(caught.value) == ("upsert res.partnr: 0 rows: failed 0 in 0 calls, 0.0 s "
                                 "(0 rows/s): stopped by Object res.partnr doesn't exist "
                                 "[HTTP 404]")
    assert isinstance(caught.value.__cause__, errors.NotFoundError)
