"""A small domain evaluator over in-memory records, for property tests of the algebra.

Records are dicts; a field holding a list of dicts is an x2many for ``any``/``not any``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from odoo_async.domain import Domain, DomainAnd, DomainBool, DomainCondition, DomainNot, DomainOr

Record = Mapping[str, Any]


def _like(pattern: str, *, wrap: bool, case: bool) -> Callable[[Any], bool]:
    if wrap:
        pattern = f"%{pattern}%"
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    compiled = re.compile(regex, 0 if case else re.IGNORECASE)
    return lambda value: isinstance(value, str) and compiled.fullmatch(value) is not None


def _condition(cond: DomainCondition, record: Record) -> bool:
    value, target = record.get(cond.field, False), cond.value
    op = cond.operator
    if op in ("any", "not any"):
        found = any(matches(target, sub) for sub in value or ())
        return found if op == "any" else not found
    positive = {
        "=": lambda: value == target,
        "in": lambda: value in target,
        "like": lambda: _like(target, wrap=True, case=True)(value),
        "ilike": lambda: _like(target, wrap=True, case=False)(value),
        "=like": lambda: _like(target, wrap=False, case=True)(value),
        "=ilike": lambda: _like(target, wrap=False, case=False)(value),
    }
    negative = {"!=": "=", "<>": "=", "not in": "in", "not like": "like",
                "not ilike": "ilike", "not =like": "=like", "not =ilike": "=ilike"}
    if op in positive:
        return bool(positive[op]())
    if op in negative:
        return not positive[negative[op]]()
    if value is False or value is None:
        return False  # SQL: comparing NULL is never true
    comparisons: dict[str, Callable[[], bool]] = {
        "<": lambda: value < target, "<=": lambda: value <= target,
        ">": lambda: value > target, ">=": lambda: value >= target,
    }
    return comparisons[op]()


def matches(domain: Domain, record: Record) -> bool:
    """Whether ``record`` satisfies ``domain``."""
    if isinstance(domain, DomainBool):
        return domain.value
    if isinstance(domain, DomainCondition):
        return _condition(domain, record)
    if isinstance(domain, DomainNot):
        return not matches(domain.child, record)
    if isinstance(domain, DomainAnd):
        return all(matches(child, record) for child in domain.children)
    if isinstance(domain, DomainOr):
        return any(matches(child, record) for child in domain.children)
    raise TypeError(domain)
