"""Method proxies (``records.action_confirm``) that cannot pass for field values.

Attribute access does no I/O, so ``partner.nmae`` cannot ask the server whether ``nmae``
is a method. A proxy is returned, callable as the method; used as a value (truth, text,
comparison, JSON) it raises a :class:`MethodUsedAsValueError` that names the likely field.
Where the model's fields are known, a name close to a field's is refused at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, NoReturn

from odoo_async.errors import OdooError

__all__ = ["MethodProxy", "MethodUsedAsValueError", "PrivateNameError", "close_field"]


class MethodUsedAsValueError(OdooError, TypeError):
    """A method proxy was used as a value: most likely a misspelt or unfetched field."""


class PrivateNameError(OdooError, AttributeError, ValueError):
    """A private name (``_compute_x``) was looked up on a model or records: Odoo refuses
    to call private methods remotely."""


def close_field(name: str, fields: Iterable[str], *, typo_only: bool = False) -> str | None:
    """The field whose name is closest to ``name``, if one is close. ``typo_only``: only
    a field one typing slip away (two neighbouring letters swapped, or one letter missing
    or extra inside the name), which no public method of Odoo is for the models the fake
    knows (checked against Odoo's source): attribute access refuses those at once."""
    names = list(fields)
    if typo_only:
        slips = [field for field in names if len(name) >= 4 and _one_slip(name, field)]
        return slips[0] if slips else None
    found = difflib.get_close_matches(name, names, n=1, cutoff=0.7)
    return found[0] if found else None


def _one_slip(typed: str, field: str) -> bool:
    """Whether ``typed`` is ``field`` with two neighbouring letters swapped, or one letter
    dropped or added anywhere but at either end (``reconcile`` and ``reconciled`` are two
    words, as ``rate`` and ``date``)."""
    if typed == field or abs(len(typed) - len(field)) > 1:
        return False
    if len(typed) == len(field):
        diffs = [i for i, (a, b) in enumerate(zip(typed, field, strict=True)) if a != b]
        return (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                and typed[diffs[0]] == field[diffs[1]] and typed[diffs[1]] == field[diffs[0]])
    shorter, longer = sorted((typed, field), key=len)
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(1, len(longer) - 1))


def private(model: str, name: str) -> PrivateNameError:
    """The error for a private name looked up on ``model``."""
    return PrivateNameError(f"invalid method name {name!r} on {model}: private methods "
                            "cannot be called")


class MethodProxy:
    """Shared by model and record methods: refuses to be used as a value."""

    _model_name: str
    _name: str
    _known_fields: Iterable[str] | None

    def _as_value(self, use: str) -> NoReturn:
        fields = self._known_fields
        if fields is None:
            hint = (f"the fields of {self._model_name} are not loaded yet: if "
                    f"{self._name!r} is a field, fetch it first "
                    f"(await records.fetch({self._name!r}))")
        else:
            close = close_field(self._name, fields)
            hint = (f"did you mean the field {close!r}?" if close else
                    f"{self._model_name} has no field {self._name!r}")
        raise MethodUsedAsValueError(
            f"{self._model_name}.{self._name} is a method (call it with await), used here "
            f"as {use}; {hint}")

    def __bool__(self) -> bool:
        self._as_value("a truth value")

    def __str__(self) -> str:
        self._as_value("text")

    def __eq__(self, other: object) -> bool:
        self._as_value("a value to compare")

    def __ne__(self, other: object) -> bool:
        self._as_value("a value to compare")

    def __lt__(self, other: object) -> bool:
        self._as_value("a value to compare")

    __le__ = __gt__ = __ge__ = __lt__

    def __hash__(self) -> int:
        return hash((type(self), self._model_name, self._name))

    def __odoo_json__(self) -> Any:
        self._as_value("a value to send")

    def __iter__(self) -> Any:
        self._as_value("a collection")

    def __len__(self) -> int:
        self._as_value("a collection")

    def __int__(self) -> int:
        self._as_value("a number")

    __float__ = __index__ = __int__
