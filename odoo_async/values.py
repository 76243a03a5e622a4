"""Conversion between Python values and the JSON values Odoo sends and accepts.

Writing (Python -> wire), :func:`to_wire`:

==========================  ==============================================================
Python                      sent as
==========================  ==============================================================
``None``                    ``null`` (``false`` inside record values and domains)
``bool``, ``int``, ``str``  unchanged
``float``, ``Decimal``      a JSON number; NaN and infinities are rejected
``date``                    ``"YYYY-MM-DD"``
``datetime`` (aware)        ``"YYYY-MM-DD HH:MM:SS"`` in UTC, as Odoo stores it
``datetime`` (naive)        rejected, unless the caller says naive means UTC
``bytes``                   base64 text (what binary fields take)
``Enum``                    its ``value``, converted
mapping                     an object; keys must be strings
list, tuple, set            a list (sets sorted when their items can be)
``.ids`` (a recordset)      its list of ids
``__odoo_json__()``         what it returns (Domain, Many2one)
==========================  ==============================================================

Anything else raises :class:`TypeError` naming where it was found, before a request is sent.

Reading (wire -> Python), :func:`from_wire`, given a field type from ``fields_get``:
``false`` becomes ``None`` for every type but boolean; dates become :class:`datetime.date`,
datetimes aware UTC :class:`datetime.datetime`; a many2one ``[id, "name"]`` becomes a
:class:`Many2one`; x2many stay lists of ids; selections stay strings.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping, Set
from decimal import Decimal
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from odoo_async.secret import Secret

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "MAX_DEPTH",
    "MAX_ID",
    "Many2one",
    "WireConvertible",
    "format_date",
    "format_datetime",
    "from_wire",
    "normalize_ids",
    "parse_date",
    "parse_datetime",
    "to_odoo",
    "to_wire",
    "to_wire_vals",
]

DATE_FORMAT: Final = "%Y-%m-%d"
DATETIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"


@runtime_checkable
class WireConvertible(Protocol):
    """An object that knows its own JSON form for Odoo (a Domain, a Many2one...)."""

    def __odoo_json__(self) -> Any:
        """Return the value to send, made of JSON-ready or convertible values."""


@attrs.frozen
class Many2one:
    """A many2one value as Odoo reads it: the id, and the display name when it was sent.

    Unpacks like Odoo's pair (``id, name = value``) and is written back as its id.
    """

    id: int
    display_name: str | None = None

    def __iter__(self) -> Any:
        return iter((self.id, self.display_name))

    def __odoo_json__(self) -> int:
        return self.id


def format_date(value: dt.date) -> str:
    """Format a date as Odoo's ``"YYYY-MM-DD"``.

    Raises:
        TypeError: ``value`` is a datetime (use :func:`format_datetime`).
    """
    if isinstance(value, dt.datetime):
        raise TypeError("format_date() takes a date, not a datetime")
    return value.strftime(DATE_FORMAT)


def format_datetime(value: dt.datetime, *, naive_is_utc: bool = False, where: str = "") -> str:
    """Format a datetime as Odoo's ``"YYYY-MM-DD HH:MM:SS"`` in UTC.

    Raises:
        ValueError: ``value`` is naive and ``naive_is_utc`` is false: Odoo stores UTC, and
            guessing the zone of a naive datetime shifts data silently.
    """
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        if not naive_is_utc:
            at = f" in {where}" if where else ""
            raise ValueError(
                f"naive datetime {value.isoformat()}{at}: give it a timezone "
                "(datetime(..., tzinfo=timezone.utc)), or create the client with "
                "naive_datetimes_are_utc=True"
            )
        return value.strftime(DATETIME_FORMAT)
    return value.astimezone(dt.timezone.utc).strftime(DATETIME_FORMAT)


def parse_date(value: str) -> dt.date:
    """Parse Odoo's ``"YYYY-MM-DD"``.

    Raises:
        ValueError: ``value`` is not in that form.
    """
    return dt.datetime.strptime(value[:10], DATE_FORMAT).date()


def parse_datetime(value: str) -> dt.datetime:
    """Parse Odoo's ``"YYYY-MM-DD HH:MM:SS"`` (UTC) into an aware UTC datetime.

    Raises:
        ValueError: ``value`` is not in that form.
    """
    return dt.datetime.strptime(value[:19], DATETIME_FORMAT).replace(tzinfo=dt.timezone.utc)


def _sorted_if_possible(items: Set[Any]) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:
        return list(items)


MAX_DEPTH: Final = 100
"""The deepest nesting of lists and dicts sent to Odoo (a recursive value fails here)."""

MAX_ID: Final = 2**31 - 1
"""The largest record id (PostgreSQL's ``integer``, Odoo's id column)."""


def _number(value: float | Decimal, where: str | _Where) -> float:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{where}: {value!r} cannot be sent as JSON")
        number = float(value)
        if Decimal(repr(number)) != value:
            raise ValueError(f"{where}: {value!r} has more digits than a JSON number (a "
                             "float) carries; round it first")
        return number
    if not math.isfinite(value):
        raise ValueError(f"{where}: {value!r} cannot be sent as JSON")
    return float(value)


def _text(value: str, where: str | _Where) -> str:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{where}: the string holds a lone surrogate, which is not "
                             "valid Unicode text") from None
    return value


class _Where:
    """Where a value sits (``"parameter 'vals'[0]['date']"``), formatted only when an
    error needs it: converting a large payload builds no text."""

    __slots__ = ("key", "parent")

    def __init__(self, parent: str | _Where, key: object) -> None:
        self.parent = parent
        self.key = key

    def __str__(self) -> str:
        return f"{self.parent}[{self.key!r}]"


def to_wire(value: Any, *, where: str = "value", naive_is_utc: bool = False,
            _depth: int = 0) -> Any:
    """Convert ``value`` into JSON-ready data for Odoo (see the module docstring).

    ``where`` names the value in error messages (``"vals['date_order']"``).

    Raises:
        TypeError: something in ``value`` has no JSON form (the message says where).
        ValueError: a naive datetime (unless ``naive_is_utc``), NaN or an infinity, a
            ``Decimal`` a float cannot carry exactly, a string that is not valid Unicode,
            or nesting deeper than ``MAX_DEPTH`` (a recursive structure).
    """
    return _convert(value, where, naive_is_utc, _depth)


def _convert(value: Any, where: str | _Where, naive_is_utc: bool, depth: int) -> Any:
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is Secret:
        return value  # a Secret stays one until the body is written (see _json.dumps)
    if kind is str:
        return _text(value, where)
    if isinstance(value, enum.Enum):
        return _convert(value.value, where, naive_is_utc, depth)
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return _text(value, where)
    if isinstance(value, (float, Decimal)):
        return _number(value, where)
    if isinstance(value, dt.datetime):
        return format_datetime(value, naive_is_utc=naive_is_utc, where=str(where))
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if depth >= MAX_DEPTH:
        raise ValueError(f"{where}: nested more than {MAX_DEPTH} levels deep (a recursive "
                         "structure?)")
    if kind is not dict and kind is not list and isinstance(value, WireConvertible):
        return _convert(value.__odoo_json__(), where, naive_is_utc, depth + 1)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: keys must be strings, not {type(key).__name__}")
            out[_text(key, where)] = _convert(item, _Where(where, key), naive_is_utc,
                                              depth + 1)
        return out
    if isinstance(value, (list, tuple, Set)):
        items = _sorted_if_possible(value) if isinstance(value, Set) else value
        return [_convert(item, _Where(where, i), naive_is_utc, depth + 1)
                for i, item in enumerate(items)]
    ids = getattr(value, "ids", None)
    if isinstance(ids, (list, tuple)) and all(type(i) is int for i in ids):
        return list(ids)
    raise TypeError(
        f"{where}: {type(value).__name__} values cannot be sent to Odoo "
        "(use str, int, float, bool, None, date, datetime, bytes, list, dict)"
    )


def normalize_ids(ids: Any) -> list[int]:
    """Turn ``ids`` (an int, an iterable of ints, or a recordset) into a list of ints.

    Raises:
        TypeError: ``ids`` is not made of ints (``bool`` is refused too).
        ValueError: an id is zero or negative.
    """
    if isinstance(ids, int) and not isinstance(ids, bool):
        ids = [ids]
    elif hasattr(ids, "ids"):
        ids = ids.ids
    if isinstance(ids, (str, bytes, Mapping)) or not isinstance(ids, Iterable):
        raise TypeError(f"ids must be an int or an iterable of ints, not {type(ids).__name__}")
    result = list(ids)
    for value in result:
        if type(value) is not int:
            raise TypeError(f"ids must be ints, got {value!r} ({type(value).__name__})")
        if value <= 0 or value > MAX_ID:
            raise ValueError(f"ids must be between 1 and {MAX_ID}, got {value}")
    return result


def to_wire_vals(
    vals: Mapping[str, Any], *, where: str = "vals", naive_is_utc: bool = False
) -> dict[str, Any]:
    """Convert record values (``{"field": value}``) for ``create``/``write``.

    As :func:`to_wire`, and ``None`` becomes ``False`` (Odoo's empty value).

    Raises:
        TypeError: ``vals`` is not a mapping with string keys, or holds an unsendable value.
        ValueError: as :func:`to_wire`.
    """
    if not isinstance(vals, Mapping):
        raise TypeError(f"{where}: record values must be a mapping, not {type(vals).__name__}")
    out: dict[str, Any] = {}
    for key, item in vals.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"{where}: field names must be non-empty strings, got {key!r}")
        converted = to_wire(item, where=f"{where}[{key!r}]", naive_is_utc=naive_is_utc)
        out[key] = False if converted is None else converted
    return out


_EMPTY_IS_FALSE_EXCEPT: Final = frozenset({"boolean"})


def from_wire(value: Any, field_type: str) -> Any:
    """Convert a value read from Odoo into Python, given the field's ``type``.

    ``false`` becomes ``None`` (except for booleans); ``date`` and ``datetime`` strings
    become :class:`datetime.date` and aware UTC :class:`datetime.datetime`; a many2one
    ``[id, "name"]`` (or a bare id, as ``load=None`` reads it) becomes :class:`Many2one`;
    everything else is returned as sent.

    Raises:
        ValueError: a date or datetime string is malformed.
    """
    if value is False and field_type not in _EMPTY_IS_FALSE_EXCEPT:
        return None
    if field_type == "date" and isinstance(value, str):
        return parse_date(value)
    if field_type == "datetime" and isinstance(value, str):
        return parse_datetime(value)
    if field_type == "many2one":
        if isinstance(value, (list, tuple)) and len(value) == 2:
            return Many2one(int(value[0]), value[1] if isinstance(value[1], str) else None)
        if isinstance(value, int) and not isinstance(value, bool):
            return Many2one(value)
        if isinstance(value, Mapping) and isinstance(value.get("id"), int):
            name = value.get("display_name")
            return Many2one(value["id"], name if isinstance(name, str) else None)
    return value


def to_odoo(value: Any, field_type: str, *, naive_is_utc: bool = False) -> Any:
    """The inverse of :func:`from_wire`: the value to write into a field of ``field_type``.

    ``None`` becomes ``False``; a :class:`Many2one` its id; a date or datetime Odoo's text.

    Raises:
        TypeError, ValueError: as :func:`to_wire`.
    """
    if value is None:
        return False
    if field_type == "date" and isinstance(value, dt.datetime):
        value = value.date()
    return to_wire(value, where=field_type, naive_is_utc=naive_is_utc)
