"""The pure parts of bulk sync: comparing stored and desired values, planning a chunk,
the load format, adaptive concurrency (simulated time)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from odoo_async import errors
from odoo_async.bulk import AdaptiveConcurrency, BulkReport, RowResult, RowStatus
from odoo_async.bulk.compare import (
    as_stored,
    differs,
    round_half_up,
    round_to,
    stored_key,
    to_write,
)
from odoo_async.bulk.engine import is_row_error
from odoo_async.bulk.loadformat import load_cells, loadable
from odoo_async.bulk.plan import PlannedRow, key_of, plan_upsert
from odoo_async.orm.metadata import FieldInfo, ModelInfo
from odoo_async.resilience import ManualClock


def field(kind: str, **kwargs: Any) -> FieldInfo:
    return FieldInfo(name="f", type=kind, **kwargs)


SAME = [
    (field("many2one", relation="res.country"), [21, "Belgium"], 21),
    (field("many2one", relation="res.country"), False, None),
    (field("many2one", relation="res.country"), False, False),
    (field("many2many", relation="x"), [2, 1], [1, 2]),
    (field("many2many", relation="x"), [1, 2], [[6, 0, [2, 1]]]),
    (field("many2many", relation="x"), [1], [[4, 1]]),
    (field("many2many", relation="x"), [1, 2], [[3, 3]]),
    (field("many2many", relation="x"), [], [[5]]),
    (field("many2many", relation="x"), [], False),
    (field("float", digits=2), 1.23, 1.234),
    (field("float", digits=2), 2.68, 2.675),  # half up, as Odoo's float_round
    (field("float"), 0.1 + 0.2, 0.3),
    (field("float"), False, 0.0),
    (field("integer"), 0, False),
    (field("integer"), 7, 7.0),
    (field("boolean"), False, None),
    (field("char"), False, ""),
    (field("char"), False, None),
    (field("text"), "a", "a"),
    (field("selection"), "contact", "contact"),
    (field("html"), "<p>plain text</p>", "plain text"),
    (field("html"), "<p>a &amp; b</p>", "a & b"),
    (field("html"), "<p>x</p>", "<p>x</p>"),
    (field("datetime"), "2026-01-02 03:04:05", "2026-01-02T03:04:05.123456"),
    (field("datetime"), "2026-01-02 03:04:05", "2026-01-02T04:04:05+01:00"),
    (field("date"), "2026-01-02", "2026-01-02"),
    (field("date"), False, None),
]
DIFFERENT = [
    (field("many2one", relation="res.country"), [21, "Belgium"], 20),
    (field("many2one", relation="res.country"), [21, "Belgium"], False),
    (field("many2many", relation="x"), [1, 2], [1]),
    (field("many2many", relation="x"), [1], [[4, 2]]),
    (field("many2many", relation="x"), [1], [[0, 0, {"name": "new"}]]),  # unknowable
    (field("one2many", relation="x"), [1], [[1, 1, {"name": "upd"}]]),
    (field("float", digits=2), 1.23, 1.236),
    (field("float"), 1.0, 1.0000001),
    (field("integer"), 0, 1),
    (field("boolean"), False, True),
    (field("char"), "a", "b"),
    (field("char"), False, "a"),
    (field("html"), "<p>a</p>", "b"),
    (field("html"), "<p>a</p>", "<p><b>a</b></p>"),
    (field("datetime"), "2026-01-02 03:04:05", "2026-01-02 03:04:06"),
    (field("date"), "2026-01-02", "2026-01-03"),
    (field("selection"), "contact", "invoice"),
]


@pytest.mark.parametrize(("info", "stored", "desired"), SAME)
def test_values_odoo_stores_the_same(info: FieldInfo, stored: Any, desired: Any) -> None:
    assert not differs(info, stored, desired)


@pytest.mark.parametrize(("info", "stored", "desired"), DIFFERENT)
def test_values_that_change_the_record(info: FieldInfo, stored: Any, desired: Any) -> None:
    assert differs(info, stored, desired)


def test_monetary_values_follow_the_currency_rounding() -> None:
    price = field("monetary", currency_field="currency_id")
    assert not differs(price, 10.13, 10.125, currency_rounding=0.01)
    assert differs(price, 10.12, 10.125, currency_rounding=0.01)
    assert not differs(price, 10.125, 10.125, currency_rounding=0.001)
    assert round_to(10.125, 0.01) == 10.13
    assert round_to(12.3456, 0.001) == 12.346
    assert round_to(0.5, 1.0) == 1.0
    assert round_half_up(-2.675, 2) == -2.68


def test_plain_id_lists_are_written_as_set_commands() -> None:
    assert to_write(field("many2many", relation="x"), [1, 2]) == [[6, 0, [1, 2]]]
    assert to_write(field("many2many", relation="x"), [[4, 1]]) == [[4, 1]]
    assert to_write(field("char"), "x") == "x"


FIELDS = {
    "ref": FieldInfo("ref", "char"),
    "name": FieldInfo("name", "char"),
    "email": FieldInfo("email", "char"),
    "active": FieldInfo("active", "boolean"),
    "country_id": FieldInfo("country_id", "many2one", relation="res.country"),
}


def row(index: int, **values: Any) -> PlannedRow:
    return PlannedRow(index, values, key_of(values, ("ref",), FIELDS))


def test_a_chunk_plan() -> None:
    rows = [row(0, ref="A", name="same"), row(1, ref="B", name="new", email="b@x"),
            row(2, ref="C", name="n", email="shared@x"), row(3, ref="D", name="n",
                                                             email="shared@x"),
            row(4, ref="E", name="e"), row(5, ref="F", name="archived"),
            row(6, ref="G", name="gone", country_id=21)]
    existing = [
        {"id": 1, "ref": "A", "name": "same", "active": True},
        {"id": 2, "ref": "B", "name": "old", "email": "b@x", "active": True},
        {"id": 3, "ref": "C", "name": "n", "email": False, "active": True},
        {"id": 4, "ref": "D", "name": "n", "email": "other@x", "active": True},
        {"id": 5, "ref": "E", "name": "e", "active": True},
        {"id": 6, "ref": "E", "name": "e", "active": False},
        {"id": 7, "ref": "F", "name": "archived", "active": False},
    ]
    plan = plan_upsert(rows, existing, model="res.partner", key=("ref",), fields=FIELDS)
    assert [r.index for r in plan.creates] == [6]
    settled = {r.index: r for r in plan.settled}
    assert settled[0].status is RowStatus.UNCHANGED
    assert settled[0].id == 1
    assert settled[4].status is RowStatus.FAILED
    assert "2 records" in (settled[4].error or "")
    assert settled[5].archived
    assert settled[5].status is RowStatus.UNCHANGED
    groups = {tuple(g.ids): dict(g.values) for g in plan.writes}
    assert groups == {(2,): {"name": "new"}, (3, 4): {"email": "shared@x"}}
    revived = plan_upsert(rows[5:6], existing, model="res.partner", key=("ref",),
                          fields=FIELDS, reactivate=True)
    assert dict(revived.writes[0].values) == {"active": True}
    assert revived.writes[0].archived == frozenset({7})


def test_keys() -> None:
    assert key_of({"ref": "A", "country_id": [21, "BE"]}, ("ref", "country_id"),
                  FIELDS) == ("A", 21)
    with pytest.raises(ValueError, match="empty"):
        key_of({"ref": False}, ("ref",), FIELDS)
    with pytest.raises(KeyError):
        key_of({"name": "x"}, ("ref",), FIELDS)


def test_the_load_format() -> None:
    info = ModelInfo("res.partner", {
        **FIELDS, "category_id": FieldInfo("category_id", "many2many", relation="c"),
        "child_ids": FieldInfo("child_ids", "one2many", relation="res.partner"),
        "is_company": FieldInfo("is_company", "boolean")})
    rows = [{"name": "A", "country_id": 21, "category_id": [1, 2], "is_company": True},
            {"name": "B", "country_id": False, "category_id": [], "is_company": False}]
    assert all(loadable(info, r) for r in rows)
    assert not loadable(info, {"category_id": [[4, 1]]})
    assert not loadable(info, {"child_ids": [1]})
    assert load_cells(info, rows) == (
        ["name", "country_id/.id", "category_id/.id", "is_company"],
        [["A", "21", "1,2", "1"], ["B", "", "", "0"]])


# -- what mutation testing found unpinned (see mutation/README.md) ----------------------


def test_stored_values_are_normalised_before_comparing() -> None:
    when = field("datetime")
    # Odoo's own form, with a space, parsed too: stored microseconds count for nothing
    assert not differs(when, "2026-01-02 03:04:05.5", "2026-01-02 03:04:05")
    assert not differs(when, False, False)
    assert not differs(when, False, None)
    assert differs(when, False, "2026-01-02 03:04:05")
    assert differs(when, "2026-01-02 03:04:05", False)
    page = field("html")
    assert not differs(page, "<p>a</p><p>b</p>", "<p>a</p>\n  <p>b</p>")
    assert not differs(page, "<p>a</p>", "<p> a </p>")
    assert not differs(page, "<p>a<br>b</p>", "<p>a<br/>b</p>")
    assert not differs(page, "<p>a</p>", "<p>a</p><script>alert(1)</script>")
    assert differs(page, "<p>a b</p>", "<p>ab</p>")


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset (Unix)")
def test_a_datetime_with_an_offset_is_compared_in_utc(monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    """Not in the machine's zone: the same instant must compare equal anywhere."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert not differs(field("datetime"), "2026-01-02 03:04:05",
                           "2026-01-02T04:04:05+01:00")
    finally:
        monkeypatch.undo()
        time.tzset()


def test_relations_compare_by_id() -> None:
    country = field("many2one", relation="res.country")
    assert differs(country, False, 1)  # id 1 is a record, not "empty"
    assert not differs(country, [1, "Andorra"], 1)
    tags = field("many2many", relation="x")
    assert differs(tags, [1, 2], [[3, 2]])  # unlink 2
    assert not differs(tags, [1], [[3, 2]])
    assert differs(tags, False, [1])  # no ids stored yet
    assert differs(tags, [1], [[4, 5], 7])  # not a command list: written, Odoo decides
    assert differs(tags, [1], [[6, 0]])  # a malformed set: written, Odoo decides


def test_numbers_and_booleans_compare_as_odoo_stores_them() -> None:
    amount = field("float", digits=2)
    assert not differs(amount, None, 0.0)
    assert not differs(amount, False, 0.001)  # rounds to the 0.0 stored
    assert differs(field("float"), 1.0, "1.0")  # not a number: compared as given
    assert differs(field("float"), 1.0, 1.0 + 1e-10)
    assert not differs(field("float"), 0.0, 1e-13)
    # a currency's rounding applies to monetary fields only
    assert differs(amount, 10.0, 10.01, currency_rounding=0.05)
    flag = field("boolean")
    assert not differs(flag, True, True)
    assert not differs(flag, True, "yes")  # Odoo stores bool(value)
    website = FieldInfo("website", "char")
    assert not differs(website, "http://example.com", "example.com")
    assert differs(field("char"), "http://example.com", "example.com")


def test_rounding_edges() -> None:
    assert round_to(1.234, 0) == 1.234  # no rounding known
    assert round_to(10.12, 0.05) == 10.1  # whole steps of 0.05


def test_values_in_their_stored_form() -> None:
    assert as_stored(field("date"), "2026-01-02 03:04:05") == "2026-01-02"
    assert as_stored(field("many2one", relation="x"), [5, "Five"]) == 5
    assert as_stored(field("many2one", relation="x"), [5, "Five", "x"]) == [5, "Five", "x"]
    assert stored_key("char", "") is False
    assert stored_key("char", None) is False
    assert stored_key(None, "__import__.p1") == "__import__.p1"


def test_a_plan_names_the_duplicates_and_groups_equal_changes() -> None:
    plain = {name: info for name, info in FIELDS.items() if name != "active"}
    rows = [row(0, ref="A", name="x", email="e"), row(1, ref="B", email="e", name="x"),
            row(2, ref="C", name="c")]
    existing = [{"id": 1, "ref": "A", "name": "a", "email": False},
                {"id": 2, "ref": "B", "name": "b", "email": False},
                {"id": 3, "ref": "C", "name": "c"}, {"id": 4, "ref": "C", "name": "c"}]
    plan = plan_upsert(rows, existing, model="res.partner", key=("ref",), fields=plain)
    assert [(g.ids, dict(g.values)) for g in plan.writes] == [
        ([1, 2], {"name": "x", "email": "e"})]  # one write: key order does not matter
    assert [(r.index, r.key, r.status) for r in plan.settled] == [
        (2, "C", RowStatus.FAILED)]
    assert plan.settled[0].error == (
        "2 records of res.partner have this key ([3, 4]): not updated")
    unchanged = plan_upsert([row(2, ref="C", name="c")], existing[2:3],
                            model="res.partner", key=("ref",), fields=plain)
    assert unchanged.settled[0].archived is False  # no active field: never archived


def test_a_plan_rounds_with_the_records_currency() -> None:
    fields = {**FIELDS, "price": FieldInfo("price", "monetary", currency_field="cur")}

    def rounding(info: FieldInfo, record: Any, values: Any) -> float:
        return {1: 0.01, 2: 1.0}[record["cur"]] if values["price"] else 0.0

    rows = [row(0, ref="A", price=10.125), row(1, ref="B", price=10.4)]
    existing = [{"id": 1, "ref": "A", "price": 10.13, "cur": 1},
                {"id": 2, "ref": "B", "price": 10.0, "cur": 2}]
    plan = plan_upsert(rows, existing, model="x", key=("ref",), fields=fields,
                       rounding=rounding)
    assert [r.status for r in plan.settled] == [RowStatus.UNCHANGED] * 2
    assert plan.writes == ()


def test_the_load_format_edges() -> None:
    info = ModelInfo("res.partner", {
        **FIELDS, "category_id": FieldInfo("category_id", "many2many", relation="c")})
    assert loadable(info, {"category_id": False})
    assert not loadable(info, {"country_id": "21"})
    assert not loadable(info, {"country_id": True})
    assert load_cells(info, [{"name": "a", "ref": "x"}, {"name": "b"}]) == (
        ["name", "ref"], [["a", "x"], ["b", ""]])


def test_a_report_counts_each_row_once() -> None:
    report = BulkReport("upsert", "res.partner")
    assert report.dry_run is False
    assert report.completed is False
    report.record(RowResult(0, "A", RowStatus.OUTCOME_UNKNOWN))
    report.record(RowResult(0, "A", RowStatus.CREATED, id=5))  # settled by looking
    assert (report.created, report.count(RowStatus.OUTCOME_UNKNOWN)) == (1, 0)
    assert report.summary().startswith("upsert res.partner: 0 rows: created 1, failed 0 ")
    unknown = BulkReport("create", "res.partner", dry_run=True)
    unknown.record(RowResult(0, None, RowStatus.OUTCOME_UNKNOWN))
    assert unknown.summary().startswith(
        "create res.partner (dry run): 0 rows: failed 0, outcome unknown 1 in ")


def test_which_refusals_splitting_a_chunk_can_isolate() -> None:
    def server(kind: type[errors.ServerError], status: int) -> errors.ServerError:
        return kind("refused", status=status)

    for method in ("create", "write", "unlink"):
        assert is_row_error(server(errors.ValidationError, 422), method)
        assert is_row_error(server(errors.MissingError, 404), method)
        assert not is_row_error(server(errors.UnknownMethodError, 404), method)
        assert not is_row_error(server(errors.ServiceUnavailableError, 503), method)
        assert not is_row_error(server(errors.InternalServerError, 500), method)  # a page
        assert not is_row_error(server(errors.TooManyRequestsError, 429), method)
        assert not is_row_error(errors.ProtocolError("not json"), method)
        assert not is_row_error(errors.RequestTimeoutError("slow"), method)
    assert not is_row_error(server(errors.AccessError, 403), "create")  # the model's
    assert is_row_error(server(errors.AccessError, 403), "write")  # some records'


class Server:
    """A simulated server: a chunk takes ``base`` seconds alone; with ``n`` running at
    once each takes ``base * max(1, n / cores)``."""

    def __init__(self, cores: float, base: float = 1.0) -> None:
        self.cores = cores
        self.base = base

    def latency(self, running: int) -> float:
        return self.base * max(1.0, running / self.cores)


def simulate(server: Server, rounds: int, *, maximum: int = 8) -> AdaptiveConcurrency:
    clock = ManualClock()
    limit = AdaptiveConcurrency(maximum=maximum, clock=clock)
    for _ in range(rounds):
        running = limit.limit
        latency = server.latency(running)
        clock.tick(latency)
        for _ in range(running):  # a batch of chunks finishes together
            limit.observe(100, latency)
    return limit


def test_concurrency_climbs_where_the_server_scales() -> None:
    limit = simulate(Server(cores=6), rounds=40)
    assert 5 <= limit.limit <= 8
    assert limit.history[:3] == [1, 2, 3]


def test_concurrency_stays_low_on_a_small_server() -> None:
    limit = simulate(Server(cores=1), rounds=40)
    assert limit.limit == 1
    assert max(limit.history) == 2  # tried, saw no gain, came back
    two = simulate(Server(cores=2), rounds=80)
    assert two.limit == 2
    assert max(two.history) == 3


def test_concurrency_halves_when_the_server_is_overloaded() -> None:
    clock = ManualClock()
    limit = AdaptiveConcurrency(maximum=8, initial=6, clock=clock)
    limit.observe(100, 1.0, overloaded=True)
    assert limit.limit == 3
    assert repr(limit).startswith("AdaptiveConcurrency(limit=3, 1..8, ceiling=5)")


@pytest.mark.parametrize("kwargs", [{"maximum": 0}, {"initial": 9, "maximum": 8},
                                    {"minimum": 2, "initial": 1}])
def test_concurrency_bounds(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        AdaptiveConcurrency(**kwargs)
