"""x2many commands: wire triples as Odoo records them, and argument validation."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from odoo_async import Command
from odoo_async.values import to_wire
from tests.support.scripted import exchange


class Records:
    def __init__(self, *ids: int) -> None:
        self.ids = list(ids)


def test_codes_are_odoo_codes() -> None:
    assert [int(c) for c in Command] == [0, 1, 2, 3, 4, 5, 6]
    assert Command.SET == 6


@pytest.mark.parametrize(
    ("build", "wire"),
    [
        (lambda: Command.create({"product_id": 25, "product_uom_qty": 2}),
         [0, 0, {"product_id": 25, "product_uom_qty": 2}]),
        (lambda: Command.update(7, {"name": "x", "email": None}),
         [1, 7, {"name": "x", "email": False}]),
        (lambda: Command.delete(7), [2, 7, 0]),
        (lambda: Command.unlink(7), [3, 7, 0]),
        (lambda: Command.link(7), [4, 7, 0]),
        (lambda: Command.clear(), [5, 0, 0]),
        (lambda: Command.set([1, 2, 3]), [6, 0, [1, 2, 3]]),
        (lambda: Command.set(Records(4, 5)), [6, 0, [4, 5]]),
        (lambda: Command.set([]), [6, 0, []]),
        (lambda: Command.link(Records(9)), [4, 9, 0]),
    ],
)
def test_commands(build: Callable[[], list[Any]], wire: list[Any]) -> None:
    built = build()  # built in the test, where a mutation of the library is seen
    assert built == wire
    assert json.loads(json.dumps(built)) == wire


def test_recorded_g6_create_with_lines() -> None:
    recorded = exchange("g6", "exchanges-more.json")["request"]["body"]["vals_list"]
    built = {
        "partner_id": 9,
        "client_order_ref": "EXCH-1",
        "order_line": [
            Command.create({"product_id": 5, "product_uom_qty": 2, "price_unit": 99.99,
                            "discount": 10.0}),
            Command.create({"product_id": 6, "product_uom_qty": 1}),
        ],
    }
    assert built == recorded


def test_recorded_g7_set_link_unlink() -> None:
    recorded = exchange("g7", "exchanges-more.json")["request"]["body"]["vals"]
    assert {"category_id": [Command.set([1, 2]), Command.link(3), Command.unlink(1)]} == recorded


def test_values_are_converted_when_sent() -> None:
    command = Command.create({"date_order": dt.date(2026, 1, 2), "tag_ids": Records(1)})
    assert to_wire(command) == [0, 0, {"date_order": "2026-01-02", "tag_ids": [1]}]


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: Command.link(0), ValueError,
         r"Command.link\(\) takes a positive record id, got 0"),
        (lambda: Command.unlink(-3), ValueError, r"positive record id, got -3"),
        (lambda: Command.delete("7"), TypeError, r"Command.delete\(\) takes a record id \(int\)"),
        (lambda: Command.link(True), TypeError, r"takes a record id \(int\), got True"),
        (lambda: Command.update(1.0, {}), TypeError, r"Command.update\(\) takes a record id"),
        (lambda: Command.link(Records(1, 2)), TypeError, r"takes a record id"),
        (lambda: Command.create([("name", "x")]), TypeError,
         r"Command.create\(\) takes a mapping of field values, got list"),
        (lambda: Command.update(1, "x"), TypeError, r"takes a mapping of field values, got str"),
        (lambda: Command.create({1: "x"}), TypeError, r"field names must be non-empty strings"),
        (lambda: Command.set("123"), TypeError, r"Command.set\(\) takes ids"),
        (lambda: Command.set([1, "2"]), TypeError, r"Command.set\(\) takes a record id"),
        (lambda: Command.set([1, 0]), ValueError, r"positive record id, got 0"),
    ],
)
def test_bad_arguments(build: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()
