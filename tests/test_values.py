"""Conversion of Python values to Odoo's JSON and back."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import pytest

from odoo_async.values import (
    Many2one,
    from_wire,
    parse_datetime,
    to_odoo,
    to_wire,
    to_wire_vals,
)

UTC = dt.timezone.utc


class State(enum.Enum):
    DRAFT = "draft"


class Priority(enum.IntEnum):
    HIGH = 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (7, 7),
        ("x", "x"),
        (1.5, 1.5),
        (Decimal("9.99"), 9.99),
        (dt.date(2026, 2, 3), "2026-02-03"),
        (dt.datetime(2026, 2, 3, 4, 5, 6, 700, tzinfo=UTC), "2026-02-03 04:05:06"),
        (dt.datetime(2026, 2, 3, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
         "2026-02-02 23:00:00"),
        (b"\x00\x01hello", "AAFoZWxsbw=="),
        (State.DRAFT, "draft"),
        (Priority.HIGH, 3),
        ((1, 2), [1, 2]),
        ({3, 1, 2}, [1, 2, 3]),
        (frozenset({"b", "a"}), ["a", "b"]),
        ({"a": (1, {"b": dt.date(2026, 1, 1)})}, {"a": [1, {"b": "2026-01-01"}]}),
        (Many2one(5, "Five"), 5),
    ],
)
def test_to_wire(value: Any, expected: Any) -> None:
    assert to_wire(value) == expected


def test_recordset_like_objects_become_their_ids() -> None:
    class Records:
        def __init__(self) -> None:
            self.ids = [4, 2]

    assert to_wire({"partner_ids": Records()}) == {"partner_ids": [4, 2]}


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (object(), TypeError, r"vals\['x'\]\[1\]: object values cannot be sent"),
        (dt.time(10, 0), TypeError, r"vals\['x'\]\[1\]: time values cannot be sent"),
        (float("nan"), ValueError, r"vals\['x'\]\[1\]: nan cannot be sent as JSON"),
        (float("inf"), ValueError, r"cannot be sent as JSON"),
        (dt.datetime(2026, 1, 1), ValueError, r"naive datetime 2026-01-01T00:00:00 in "
                                             r"vals\['x'\]\[1\]"),
        ({1: "a"}, TypeError, r"vals\['x'\]\[1\]: keys must be strings, not int"),
    ],
)
def test_unsendable_values_are_named(value: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        to_wire({"x": [0, value]}, where="vals")


def test_naive_datetime_as_utc_when_asked() -> None:
    assert to_wire(dt.datetime(2026, 1, 1, 12), naive_is_utc=True) == "2026-01-01 12:00:00"


def test_record_values_turn_none_into_false() -> None:
    assert to_wire_vals({"email": None, "name": "A", "tags": [None]}) == {
        "email": False, "name": "A", "tags": [None]}


@pytest.mark.parametrize(
    ("vals", "message"),
    [
        ([("name", "x")], r"vals: record values must be a mapping, not list"),
        ({"": 1}, r"field names must be non-empty strings, got ''"),
        ({3: 1}, r"field names must be non-empty strings, got 3"),
    ],
)
def test_bad_record_values(vals: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        to_wire_vals(vals)


@pytest.mark.parametrize(
    ("value", "field_type", "expected"),
    [
        (False, "char", None),
        (False, "many2one", None),
        (False, "date", None),
        (False, "one2many", None),
        (False, "boolean", False),
        (True, "boolean", True),
        ("2026-11-27", "date", dt.date(2026, 11, 27)),
        ("2026-11-27 02:51:51", "datetime", dt.datetime(2026, 11, 27, 2, 51, 51, tzinfo=UTC)),
        ([233, "United States"], "many2one", Many2one(233, "United States")),
        (233, "many2one", Many2one(233)),
        ({"id": 233, "display_name": "US"}, "many2one", Many2one(233, "US")),
        ([7, 8], "many2many", [7, 8]),
        ("draft", "selection", "draft"),
        (12.5, "monetary", 12.5),
    ],
)
def test_from_wire(value: Any, field_type: str, expected: Any) -> None:
    assert from_wire(value, field_type) == expected


def test_many2one_unpacks_like_odoo_pair() -> None:
    ident, name = Many2one(3, "Three")
    assert (ident, name) == (3, "Three")


def test_malformed_date_is_an_error() -> None:
    with pytest.raises(ValueError, match="does not match format"):
        from_wire("27/11/2026", "date")


@pytest.mark.parametrize(
    ("value", "field_type", "expected"),
    [
        (None, "many2one", False),
        (Many2one(3, "x"), "many2one", 3),
        (dt.datetime(2026, 1, 2, 3, tzinfo=UTC), "date", "2026-01-02"),
        (parse_datetime("2026-01-02 03:04:05"), "datetime", "2026-01-02 03:04:05"),
    ],
)
def test_to_odoo_inverts_from_wire(value: Any, field_type: str, expected: Any) -> None:
    assert to_odoo(value, field_type) == expected
