"""Does a record already hold the values a row asks for? Pure functions, no I/O.

"Already holds" means what Odoo really stores, read back with ``search_read``: a
many2one comes back as ``[id, name]``, x2many as ids (compared with ``Command`` lists by
applying them), empty values as ``false``, floats rounded to the field's digits (monetary
ones to their currency's rounding), datetimes without microseconds, html sanitised and
plain text wrapped in ``<p>``. A row compared equal costs no write; when in doubt (a
``Command.create``), the value counts as changed.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from odoo_async.orm.metadata import FieldInfo
from odoo_async.values import DATETIME_FORMAT

__all__ = ["as_stored", "differs", "round_half_up", "round_to", "stored_key", "to_write"]

_NUMERIC: Final = frozenset({"integer", "float", "monetary"})
_TEXT: Final = frozenset({"char", "text", "html", "selection"})
_X2MANY: Final = frozenset({"one2many", "many2many"})


def round_half_up(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` decimals, halves away from zero (Odoo's
    ``float_round``)."""
    try:
        quantum = Decimal(1).scaleb(-digits)
        return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return value


def round_to(value: float, rounding: float) -> float:
    """``value`` rounded to a multiple of ``rounding`` (a currency's ``rounding``), half up."""
    if rounding <= 0:
        return value
    digits = max(0, -Decimal(repr(rounding)).normalize().as_tuple().exponent)  # type: ignore[operator]
    steps = round_half_up(value / rounding, 0)
    return round_half_up(steps * rounding, int(digits))


def _id(value: Any) -> int | bool:
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], int):
        return int(value[0])  # [id, display name]
    if isinstance(value, Mapping) and isinstance(value.get("id"), int):
        return int(value["id"])
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return False


def stored_key(field_type: str | None, value: Any) -> Any:
    """A stored value as a hashable key part (many2one as its id, empty as ``False``);
    ``field_type`` is None for a key that is not a field (an external id)."""
    if field_type == "many2one":
        return _id(value)
    if field_type in _X2MANY:
        return tuple(sorted(value)) if isinstance(value, list) else ()
    if value is None or value == "":
        return False
    if isinstance(value, list):
        return tuple(value)
    return value


def _x2many_target(stored: Sequence[int], desired: Any) -> set[int] | None:
    """The ids an x2many holds after ``desired`` is written, or ``None`` when that cannot
    be known without writing (a create or an update command)."""
    if desired is False or desired is None:
        return set()
    if not isinstance(desired, (list, tuple)):
        return None
    if all(isinstance(item, int) and not isinstance(item, bool) for item in desired):
        return set(desired)
    result = set(stored)
    for command in desired:
        if not isinstance(command, (list, tuple)) or not command:
            return None
        code = command[0]
        if code == 6 and len(command) == 3 and isinstance(command[2], (list, tuple)):
            result = set(command[2])
        elif code == 5:
            result = set()
        elif code == 4 and len(command) >= 2:
            result.add(command[1])
        elif code == 3 and len(command) >= 2:
            result.discard(command[1])
        else:
            return None  # create (0), update (1), delete (2): always written
    return result


_SPACE: Final = re.compile(r"\s+")
_SCRIPTS: Final = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAK: Final = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _html_text(value: Any) -> str:
    """html reduced to what Odoo's sanitiser makes of it, for comparison: content that
    does not start with a tag is wrapped in ``<p>``, scripts and styles are dropped,
    entities unescaped, whitespace collapsed. (Other sanitising, such as unknown
    attributes dropped, is not predicted: such a value is written again each run.)"""
    if not isinstance(value, str):
        return ""
    text = _SCRIPTS.sub("", value).strip()
    if not text:
        return ""
    if not text.startswith("<"):
        text = f"<p>{text}</p>"
    text = _BREAK.sub("<br>", html.unescape(text))
    return _SPACE.sub(" ", text).replace("> ", ">").replace(" <", "<").strip()


def _datetime(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        parsed = dt.datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        return value
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed.replace(microsecond=0).strftime(DATETIME_FORMAT)


def _number(value: Any) -> float | None:
    if value is None or value is False:
        return 0.0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def differs(field: FieldInfo, stored: Any, desired: Any, *,
            currency_rounding: float | None = None) -> bool:
    """Whether writing ``desired`` (a value already converted for the wire) would change
    what the record stores (``stored``, as ``search_read`` returned it)."""
    kind = field.type
    if kind == "many2one":
        return _id(stored) != _id(desired)
    if kind in _X2MANY:
        current = [i for i in stored if isinstance(i, int)] if isinstance(stored, list) else []
        target = _x2many_target(current, desired)
        return target is None or target != set(current)
    if kind in _NUMERIC:
        old, new = _number(stored), _number(desired)
        if old is None or new is None:
            return bool(stored != desired)
        if kind == "integer":
            return int(old) != int(new)
        if kind == "monetary" and currency_rounding:
            new = round_to(new, currency_rounding)
            old = round_to(old, currency_rounding)
        elif field.digits is not None:
            new = round_half_up(new, field.digits)
            old = round_half_up(old, field.digits)
        return not math.isclose(old, new, rel_tol=1e-12, abs_tol=1e-12)
    if kind == "boolean":
        return bool(stored) != bool(desired)
    if kind == "html":
        return _html_text(stored) != _html_text(desired)
    if kind == "datetime":
        return (_datetime(stored) or False) != (_datetime(desired) or False)
    if kind == "char" and field.name == "website" and isinstance(desired, str) and \
            desired and "://" not in desired:
        desired = f"http://{desired}"  # as res.partner's website is stored
    return bool(stored != desired and (stored or desired))  # empty values are all alike


def as_stored(field: FieldInfo, value: Any) -> Any:
    """A row's value (already converted for the wire) in the form Odoo stores for the
    field: a number given for a text field as its text (``12345`` is stored ``"12345"``),
    a datetime given for a date field as its date, a ``[id, name]`` pair (as ``read``
    returns it) for a many2one as its id. Keys and comparisons then match what is stored."""
    kind = field.type
    if kind in _TEXT and isinstance(value, (int, float)) \
            and not isinstance(value, bool):
        return str(value)
    if kind == "date" and isinstance(value, str) and len(value) > 10:
        return value[:10]
    if kind == "many2one" and isinstance(value, list) and len(value) == 2 \
            and isinstance(value[0], int):
        return value[0]
    return value


def to_write(field: FieldInfo, desired: Any) -> Any:
    """The value to send for ``desired``: a plain list of ids on an x2many becomes
    ``Command.set`` (replace the relation), anything else is sent as it is."""
    if field.type in _X2MANY and isinstance(desired, (list, tuple)) and all(
            isinstance(item, int) and not isinstance(item, bool) for item in desired):
        return [[6, 0, list(desired)]]
    return desired
