"""Conversion of Python values to Odoo's JSON and back."""

from __future__ import annotations

import datetime as dt
import enum
import time
from decimal import Decimal
from typing import Any

import pytest

from odoo_async.values import (
    MAX_DEPTH,
    MAX_ID,
    Many2one,
    from_wire,
    normalize_ids,
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


# -- what mutation testing found unpinned (see mutation/README.md) ----------------------


def _nested(depth: int, wrap: Any) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = wrap(value)
    return value


class _Wrapped:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __odoo_json__(self) -> Any:
        return self.value


@pytest.mark.parametrize("wrap", [lambda v: [v], lambda v: {"k": v}, _Wrapped],
                         ids=["list", "dict", "wire-convertible"])
def test_nesting_is_allowed_up_to_max_depth(wrap: Any) -> None:
    to_wire(_nested(MAX_DEPTH, wrap))  # exactly the limit: accepted
    with pytest.raises(ValueError, match=r"nested more than 100 levels deep"):
        to_wire(_nested(MAX_DEPTH + 1, wrap))


class Special(enum.Enum):
    NAN = float("nan")
    NAIVE = dt.datetime(2026, 1, 2)
    PAIR = (1, 2)


def test_an_enum_is_converted_as_its_value_with_the_same_rules() -> None:
    assert to_wire(Special.NAIVE, naive_is_utc=True) == "2026-01-02 00:00:00"
    assert to_wire(Special.PAIR) == [1, 2]
    with pytest.raises(ValueError, match=r"^vals\['x'\]: nan cannot be sent as JSON$"):
        to_wire_vals({"x": Special.NAN})


def test_errors_name_where_the_bad_value_is() -> None:
    with pytest.raises(ValueError, match=r"^value: nan cannot be sent as JSON$"):
        to_wire(float("nan"))
    with pytest.raises(ValueError, match=r"^vals\['x'\]\[0\]: nan cannot be sent as JSON$"):
        to_wire_vals({"x": [float("nan")]})
    with pytest.raises(ValueError, match=r"^vals\['x'\]: nan cannot be sent as JSON$"):
        to_wire_vals({"x": _Wrapped(float("nan"))})
    with pytest.raises(ValueError, match=r"^value: the string holds a lone surrogate, which "
                                         r"is not valid Unicode text$"):
        to_wire({"\ud800": 1})
    with pytest.raises(ValueError, match="naive datetime"):
        to_wire_vals({"date_order": dt.datetime(2026, 1, 2)})


def test_a_set_is_sent_sorted() -> None:
    words = [f"w{i:02}" for i in range(20)]
    assert to_wire(set(words)) == words


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset (Unix)")
def test_an_aware_datetime_is_sent_in_utc_whatever_the_machines_zone(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        paris = dt.timezone(dt.timedelta(hours=1))
        assert to_wire(dt.datetime(2026, 1, 2, 12, tzinfo=paris)) == "2026-01-02 11:00:00"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_many2one_answers_of_every_shape() -> None:
    assert from_wire([5, 7], "many2one") == Many2one(5, None)  # a name that is not text
    assert from_wire({"id": 5, "display_name": 7}, "many2one") == Many2one(5, None)
    assert from_wire({"id": 5, "display_name": "Five"}, "many2one") == Many2one(5, "Five")
    assert from_wire("odd", "many2one") == "odd"  # not a many2one answer: as sent


def test_ids_are_checked_one_by_one() -> None:
    assert normalize_ids([MAX_ID]) == [MAX_ID]
    with pytest.raises(ValueError, match=rf"^ids must be between 1 and {MAX_ID}, got "):
        normalize_ids([MAX_ID + 1])
    with pytest.raises(TypeError, match=r"^ids must be ints, got 'a' \(str\)$"):
        normalize_ids(["a"])
