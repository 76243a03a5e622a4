"""x2many commands: the triples Odoo takes to change one2many and many2many fields.

::

    order_line=[Command.create({"product_id": 25, "product_uom_qty": 2})]   # [0, 0, {...}]
    category_id=[Command.link(3), Command.unlink(1)]                       # [4, 3, 0], [3, 1, 0]
    category_id=[Command.set([1, 2])]                                      # [6, 0, [1, 2]]

Each classmethod returns a plain list. Values in ``create``/``update`` keep their Python
types (dates, recordsets...) and are converted when the call is sent; ``None`` becomes
``False``, Odoo's empty value. Pure: no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Command"]


def _record_id(value: Any, command: str) -> int:
    if type(value) is not int:
        ids = getattr(value, "ids", None)
        if isinstance(ids, (list, tuple)) and len(ids) == 1:
            value = ids[0]
        else:
            raise TypeError(f"Command.{command}() takes a record id (int), got {value!r}")
    if value <= 0:
        raise ValueError(f"Command.{command}() takes a positive record id, got {value}")
    return int(value)


def _values(values: Any, command: str) -> dict[str, Any]:
    if not isinstance(values, Mapping):
        raise TypeError(f"Command.{command}() takes a mapping of field values, "
                        f"got {type(values).__name__}")
    out: dict[str, Any] = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"Command.{command}(): field names must be non-empty strings, "
                            f"got {key!r}")
        out[key] = False if value is None else value
    return out


class Command(enum.IntEnum):
    """The x2many command codes, with one constructor per command (as in Odoo's ORM)."""

    CREATE = 0
    UPDATE = 1
    DELETE = 2
    UNLINK = 3
    LINK = 4
    CLEAR = 5
    SET = 6

    @classmethod
    def create(cls, values: Mapping[str, Any]) -> list[Any]:
        """Create a record with ``values`` and link it: ``[0, 0, values]``.

        Raises:
            TypeError: ``values`` is not a mapping with string keys.
        """
        return [int(cls.CREATE), 0, _values(values, "create")]

    @classmethod
    def update(cls, id: int, values: Mapping[str, Any]) -> list[Any]:
        """Write ``values`` on the linked record ``id``: ``[1, id, values]``.

        Raises:
            TypeError: ``id`` is not an int, or ``values`` not a mapping.
            ValueError: ``id`` is not positive.
        """
        return [int(cls.UPDATE), _record_id(id, "update"), _values(values, "update")]

    @classmethod
    def delete(cls, id: int) -> list[Any]:
        """Delete record ``id`` from the database: ``[2, id, 0]``.

        Raises:
            TypeError: ``id`` is not an int.
            ValueError: ``id`` is not positive.
        """
        return [int(cls.DELETE), _record_id(id, "delete"), 0]

    @classmethod
    def unlink(cls, id: int) -> list[Any]:
        """Remove the link to record ``id`` (the record stays): ``[3, id, 0]``.

        Raises:
            TypeError: ``id`` is not an int.
            ValueError: ``id`` is not positive.
        """
        return [int(cls.UNLINK), _record_id(id, "unlink"), 0]

    @classmethod
    def link(cls, id: int) -> list[Any]:
        """Add a link to record ``id``: ``[4, id, 0]``.

        Raises:
            TypeError: ``id`` is not an int.
            ValueError: ``id`` is not positive.
        """
        return [int(cls.LINK), _record_id(id, "link"), 0]

    @classmethod
    def clear(cls) -> list[Any]:
        """Remove every link (records stay): ``[5, 0, 0]``."""
        return [int(cls.CLEAR), 0, 0]

    @classmethod
    def set(cls, ids: Iterable[int]) -> list[Any]:
        """Replace the links by exactly ``ids`` (ints or a recordset): ``[6, 0, ids]``.

        Raises:
            TypeError: ``ids`` is not an iterable of ints.
            ValueError: an id is not positive.
        """
        source = getattr(ids, "ids", ids)
        if isinstance(source, (str, bytes, Mapping)) or not isinstance(source, Iterable):
            raise TypeError(f"Command.set() takes ids (ints or a recordset), "
                            f"got {type(ids).__name__}")
        return [int(cls.SET), 0, [_record_id(value, "set") for value in source]]
