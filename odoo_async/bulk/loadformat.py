"""Rows in the format of Odoo's ``load`` (its import): one list of strings per row, with
relations by database id (``field/.id``). Pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from odoo_async.orm.metadata import ModelInfo

__all__ = ["load_cells", "loadable"]

_SCALAR: Final = frozenset({"char", "text", "html", "selection", "integer", "float",
                            "monetary", "boolean", "date", "datetime"})


def _ids(value: Any) -> list[int] | None:
    if value is False or value is None:
        return []
    if isinstance(value, list) and all(isinstance(i, int) and not isinstance(i, bool)
                                       for i in value):
        return list(value)
    return None


def loadable(info: ModelInfo, values: Mapping[str, Any]) -> bool:
    """Whether ``load`` can carry a row as it is: scalar fields, many2one ids, and many2many
    given as plain lists of ids (commands and one2many go through ``create``)."""
    for name, value in values.items():
        field = info.fields.get(name)
        if field is None:
            return False
        if field.type in _SCALAR:
            if isinstance(value, (list, dict)):
                return False
        elif field.type == "many2one":
            if not (value is False or (isinstance(value, int) and not isinstance(value, bool))):
                return False
        elif field.type == "many2many":
            if _ids(value) is None:
                return False
        else:
            return False
    return True


def _cell(kind: str, value: Any) -> str:
    if kind == "boolean":
        return "1" if value else "0"
    if value is False or value is None:
        return ""
    if kind == "many2many":
        return ",".join(str(i) for i in value)
    return str(value)


def load_cells(info: ModelInfo, rows: Sequence[Mapping[str, Any]]
               ) -> tuple[list[str], list[list[str]]]:
    """``load``'s ``fields`` and ``data`` for ``rows`` (which :func:`loadable` accepts).
    Datetimes are in UTC: send the call with ``tz: "UTC"`` in its context."""
    names = list(dict.fromkeys(name for row in rows for name in row))
    kinds = {name: info.fields[name].type for name in names}
    columns = [f"{name}/.id" if kinds[name] in ("many2one", "many2many") else name
               for name in names]
    data = [[_cell(kinds[name], row[name]) if name in row else "" for name in names]
            for row in rows]
    return columns, data
