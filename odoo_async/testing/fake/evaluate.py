"""Searching the fake database: domain evaluation and ordering, with Odoo's semantics.

Covers every condition operator, dotted paths through relations (``a.b`` is ``a any
[(b ...)]``), ``any``/``not any``, ``child_of``/``parent_of``, ``=like``/``=ilike``
wildcards, ``in`` with ``False``, relational values given as names, ``active`` filtering,
and ``order`` specifications over several fields (many2one fields sort by their comodel's
order; NULLs sort last ascending and first descending, as in PostgreSQL; text sorts by
code point, as the recorded server's "C" collation does: "API Bot" before "Acme").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any, Final

from odoo_async.domain import Domain, DomainAnd, DomainBool, DomainCondition, DomainNot, DomainOr
from odoo_async.testing.fake.schema import FieldDef, ModelDef
from odoo_async.testing.fake.store import Database, Record

__all__ = ["Searcher", "parse_domain", "parse_order"]

_NEGATIVE: Final = {"!=": "=", "<>": "=", "not in": "in", "not like": "like",
                    "not ilike": "ilike", "not =like": "=like", "not =ilike": "=ilike",
                    "not any": "any"}
_ORDER_TERM: Final = re.compile(r"^\s*([a-z_][a-z0-9_]*)(?:\s+(asc|desc))?"
                                r"(?:\s+nulls\s+(first|last))?\s*$", re.IGNORECASE)


def parse_domain(model: ModelDef, domain: Any, schema_lookup: Callable[[str], ModelDef]
                 ) -> Domain:
    """Parse and validate a domain sent by a client, raising what Odoo raises.

    Raises:
        TypeError: not a list (``Domain() invalid argument type for domain: ...``).
        ValueError: a malformed domain or an unknown field.
    """
    if domain is None or domain is False:
        return Domain.TRUE
    if not isinstance(domain, (list, tuple)):
        raise TypeError(f"Domain() invalid argument type for domain: {domain!r}")
    try:
        parsed = Domain(domain)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Domain() malformed domain {domain!r}: {exc}") from None
    _validate(model, parsed, schema_lookup)
    return parsed


def _validate(model: ModelDef, domain: Domain, lookup: Callable[[str], ModelDef]) -> None:
    for condition in domain.iter_conditions():
        current = model
        path = condition.field.split(".")
        for position, name in enumerate(path):
            field = current.fields.get(name)
            if field is None:
                raise ValueError(
                    f"Invalid field {current.name}.{name} in condition "
                    f"{(condition.field, condition.operator, _plain(condition.value))!r}")
            if position < len(path) - 1:
                if not field.relation:
                    raise ValueError(f"Invalid path {condition.field!r}: {name} is not "
                                     "a relational field")
                current = lookup(field.relation)
        if isinstance(condition.value, Domain) and condition.operator in ("any", "not any"):
            last = current.fields[path[-1]]
            target = lookup(last.relation) if last.relation else current
            _validate(target, condition.value, lookup)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Domain):
        return value.to_list()
    return value


def _like(pattern: Any, *, wrap: bool, case: bool) -> re.Pattern[str]:
    text = str(pattern)
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in text)
    if wrap:
        regex = f".*{regex}.*"
    return re.compile(regex, re.DOTALL | (0 if case else re.IGNORECASE))


def parse_order(model: ModelDef, order: str | None) -> list[tuple[str, bool, bool]]:
    """``"name desc, id"`` as ``[(field, descending, nulls_first)]``.

    Raises:
        ValueError: an unknown field or a malformed term (Odoo's message).
    """
    spec = order or model.order
    terms = []
    for part in spec.split(","):
        if not part.strip():
            continue
        match = _ORDER_TERM.match(part)
        field = model.fields.get(match.group(1)) if match else None
        if match is None or field is None or field.x2many:
            raise ValueError(
                f'Invalid "order" specified ({spec}). A valid "order" specification is a '
                "comma-separated list of valid field names (optionally followed by asc/desc "
                "for the direction)")
        descending = (match.group(2) or "asc").lower() == "desc"
        nulls = match.group(3)
        nulls_first = (nulls.lower() == "first") if nulls else descending
        terms.append((match.group(1), descending, nulls_first))
    return terms


class Searcher:
    """Evaluates domains and sorts records of one database."""

    def __init__(self, db: Database,
                 computed: Callable[[ModelDef, Record, FieldDef], Any] | None = None) -> None:
        self.db = db
        self._computed = computed
        self._in_sets: dict[int, tuple[frozenset[Any], bool]] = {}

    def value(self, model: ModelDef, row: Record, field: FieldDef) -> Any:
        """A field's value for matching: stored, or computed when the fake can (a
        non-stored field such as ``picking_type_code``)."""
        if field.store or field.name in row or self._computed is None:
            return row.get(field.name, False)
        return self._computed(model, row, field)

    def model(self, name: str) -> ModelDef:
        """The definition of ``name``."""
        return self.db.schema.emulated(name)

    # -- search ------------------------------------------------------------------------

    def search(self, model: str, domain: Domain, *, active_test: bool = True,
               order: str | None = None, limit: int | None = None) -> list[int]:
        """Ids of the records matching ``domain``, sorted by ``order``; with ``limit``,
        at least the first ``limit`` of them (all, unless the order is by id: keyset
        pages then stop early instead of scanning the whole table)."""
        definition = self.model(model)
        if active_test and definition.has_active and not any(
                cond.field == "active" for cond in domain.iter_conditions()):
            domain = domain & DomainCondition("active", "=", True)
        table = self.db[model]
        self._in_sets = {}
        try:
            if limit is not None and order is not None and \
                    order.strip().lower() in ("id", "id asc"):
                floor = _id_floor(domain)
                found: list[int] = []
                for rid in sorted(r for r in table.rows if r > floor):
                    if self.matches(definition, table.rows[rid], domain,
                                    active_test=active_test):
                        found.append(rid)
                        if len(found) >= limit:
                            break
                return found
            candidates = self._indexed(definition, table, domain)
            rows = (table.rows.items() if candidates is None else
                    ((rid, table.rows[rid]) for rid in candidates if rid in table.rows))
            ids = [rid for rid, row in rows
                   if self.matches(definition, row, domain, active_test=active_test)]
        finally:
            self._in_sets = {}
        return self.sort(model, ids, order)

    @staticmethod
    def _indexed(model: ModelDef, table: Any, domain: Domain) -> list[int] | None:
        """Candidate ids from an index, when the domain requires ``field = v`` or
        ``field in [...]`` on a text field (every match is among them); else None."""
        conditions = domain.children if isinstance(domain, DomainAnd) else (domain,)
        for cond in conditions:
            if not isinstance(cond, DomainCondition) or cond.operator not in ("=", "in"):
                continue
            if cond.field == "id":  # the ids themselves: no scan at all
                wanted = cond.value if isinstance(cond.value, (list, tuple)) else (cond.value,)
                if all(isinstance(v, int) and not isinstance(v, bool) for v in wanted):
                    return [rid for rid in dict.fromkeys(wanted) if rid in table.rows]
                continue
            field = model.fields.get(cond.field)
            if field is None or field.type not in _HASHED or not field.store:
                continue
            values = cond.value if isinstance(cond.value, (list, tuple)) else (cond.value,)
            if any(v is False or v is None or isinstance(v, (list, dict)) for v in values):
                continue
            index = table.index(field.name)
            if index is None:
                continue
            return list(dict.fromkeys(rid for v in values for rid in index.get(v, ())))
        return None

    def matches(self, model: ModelDef, row: Record, domain: Domain, *,
                active_test: bool = True) -> bool:
        """Whether ``row`` satisfies ``domain``."""
        if isinstance(domain, DomainBool):
            return domain.value
        if isinstance(domain, DomainNot):
            return not self.matches(model, row, domain.child, active_test=active_test)
        if isinstance(domain, DomainAnd):
            return all(self.matches(model, row, child, active_test=active_test)
                       for child in domain.children)
        if isinstance(domain, DomainOr):
            return any(self.matches(model, row, child, active_test=active_test)
                       for child in domain.children)
        assert isinstance(domain, DomainCondition)
        return self._condition(model, row, domain, active_test)

    def _condition(self, model: ModelDef, row: Record, cond: DomainCondition,
                   active_test: bool) -> bool:
        operator = cond.operator
        if operator in _NEGATIVE:
            positive = DomainCondition(cond.field, _NEGATIVE[operator], cond.value)
            return not self._condition(model, row, positive, active_test)
        head, _, rest = cond.field.partition(".")
        field = model.fields[head]
        if rest:
            sub = DomainCondition(rest, operator, cond.value)
            return self._any(field, row, sub, active_test)
        if operator == "=?":
            if cond.value is False or cond.value is None:
                return True
            operator = "="
        if operator in ("child_of", "parent_of"):
            return self._hierarchy(model, field, row, operator, cond.value)
        if operator == "any":
            value = cond.value if isinstance(cond.value, Domain) else Domain.TRUE
            if field.name == "id":
                return self.matches(model, row, value, active_test=active_test)
            return self._any(field, row, value, active_test)
        if field.relational:
            return self._relational(field, row, operator, cond.value)
        if (operator == "in" and isinstance(cond.value, (list, tuple)) and len(cond.value) > 8
                and (field.type in _HASHED or (field.type == "integer" and all(
                    isinstance(v, int) and not isinstance(v, bool) for v in cond.value)))):
            return self._in_set(cond, self.value(model, row, field))
        return _compare(field, self.value(model, row, field), operator, cond.value)

    def _in_set(self, cond: DomainCondition, value: Any) -> bool:
        """``field in [many values]`` on a text field: one set lookup per row (the set is
        built once per search)."""
        cached = self._in_sets.get(id(cond))
        if cached is None:
            wanted = frozenset(v for v in cond.value if v is not False and v is not None)
            cached = self._in_sets[id(cond)] = (
                wanted, any(v is False or v is None for v in cond.value))
        wanted, empty_wanted = cached
        if value is False or value is None:
            return empty_wanted
        try:
            return value in wanted
        except TypeError:
            return False

    def related_ids(self, field: FieldDef, row: Record) -> list[int]:
        """The ids a relational field of ``row`` points to (one2many from the inverse)."""
        if field.type == "many2one":
            value = row.get(field.name)
            return [value] if isinstance(value, int) and value else []
        if field.relation not in self.db.tables:
            return []
        if field.type == "one2many" and field.relation and field.relation_field:
            found = self.db[field.relation].ids_where(field.relation_field, row["id"])
            return self.sort(field.relation, found, None)
        value = row.get(field.name) or []
        return list(value)

    def _any(self, field: FieldDef, row: Record, sub: Domain, active_test: bool) -> bool:
        if not field.relation:
            return False
        comodel = self.model(field.relation)
        table = self.db[field.relation]
        test_active = active_test and field.x2many and comodel.has_active
        for rid in self.related_ids(field, row):
            other = table.get(rid)
            if other is None or (test_active and not other.get("active", True)):
                continue
            if self.matches(comodel, other, sub, active_test=active_test):
                return True
        return False

    def name_of(self, model: str, row: Record) -> str:
        """The text a record is searched by when given as a name (Odoo's name search
        field: ``complete_name`` for contacts, the ``_rec_name`` otherwise)."""
        field = "complete_name" if model == "res.partner" else self.model(model).rec_name
        value = row.get(field)
        return str(value) if value not in (None, False) else ""

    def _names_to_ids(self, relation: str, values: Iterable[Any]) -> set[int | bool]:
        result: set[int | bool] = set()
        table = self.db.tables.get(relation)  # None: a model the fake has no record of
        for value in values:
            if isinstance(value, str):
                if table is None:
                    continue
                result.update(rid for rid, other in table.rows.items()
                              if self.name_of(relation, other) == value)
            elif isinstance(value, bool):
                if value is False:
                    result.add(False)
            elif isinstance(value, int):
                result.add(value)
        return result

    def _relational(self, field: FieldDef, row: Record, operator: str, value: Any) -> bool:
        assert field.relation is not None
        related = self.related_ids(field, row)
        if operator in ("=", "in"):
            values = value if isinstance(value, (tuple, list, set, frozenset)) else (value,)
            wanted = self._names_to_ids(field.relation, values)
            if False in wanted and not related:
                return True
            return any(rid in wanted for rid in related)
        if operator in ("like", "ilike", "=like", "=ilike"):
            table = self.db.tables.get(field.relation)
            names = [self.name_of(field.relation, table.rows[rid])
                     for rid in related if table is not None and rid in table.rows]
            return any(_compare_text(name, operator, value) for name in names)
        return any(_compare_plain(rid, operator, value) for rid in related)

    def _hierarchy(self, model: ModelDef, field: FieldDef, row: Record, operator: str,
                   value: Any) -> bool:
        target = field.relation or model.name
        values = value if isinstance(value, (tuple, list)) else (value,)
        roots = {v for v in self._names_to_ids(target, values) if v is not False}
        family = self._family(target, roots, down=operator == "child_of")
        if field.name == "id" or (field.relation == model.name
                                  and self.model(target).parent_name == field.name):
            return row["id"] in family
        return any(rid in family for rid in self.related_ids(field, row))

    def _family(self, model: str, roots: set[Any], *, down: bool) -> set[int]:
        parent = self.model(model).parent_name
        found = {int(r) for r in roots}
        if parent is None:
            return found
        table = self.db[model]
        if down:
            frontier = set(found)
            while frontier:
                children = {rid for rid, other in table.rows.items()
                            if other.get(parent) in frontier and rid not in found}
                found |= children
                frontier = children
        else:
            for rid in list(found):
                seen = rid
                while (record := table.get(seen)) and record.get(parent):
                    seen = record[parent]
                    if seen in found:
                        break
                    found.add(seen)
        return found

    # -- order -------------------------------------------------------------------------

    def sort(self, model: str, ids: list[int], order: str | None) -> list[int]:
        """``ids`` sorted by ``order`` (the model's default order when None).

        Raises:
            ValueError: an invalid order specification.
        """
        definition = self.model(model)
        terms = parse_order(definition, order)
        table = self.db[model]
        rows = [table.rows[rid] for rid in ids if rid in table.rows]
        compare = functools.partial(self._compare_rows, definition, terms, 0)
        rows.sort(key=functools.cmp_to_key(compare))
        return [row["id"] for row in rows]

    def _compare_rows(self, model: ModelDef, terms: list[tuple[str, bool, bool]], depth: int,
                      a: Record, b: Record) -> int:
        for name, descending, nulls_first in terms:
            field = model.fields[name]
            left, right = a.get(name, False), b.get(name, False)
            left_null = left is False or left is None
            right_null = right is False or right is None
            if field.type == "boolean":
                left_null = right_null = False
            if left_null or right_null:
                if left_null and right_null:
                    continue
                return (-1 if nulls_first else 1) if left_null else (1 if nulls_first else -1)
            if field.type == "many2one" and field.relation and depth < 3:
                table = self.db[field.relation]
                comodel = self.model(field.relation)
                other_a, other_b = table.get(left), table.get(right)
                if other_a is None or other_b is None:
                    result = _cmp(left, right)
                else:
                    result = self._compare_rows(comodel, parse_order(comodel, None), depth + 1,
                                                other_a, other_b)
            else:
                result = _cmp(left, right)
            if result:
                return -result if descending else result
        return 0


def _cmp(a: Any, b: Any) -> int:
    try:
        return int(a > b) - int(a < b)
    except TypeError:
        return (str(a) > str(b)) - (str(a) < str(b))


def _compare_text(text: str, operator: str, pattern: Any) -> bool:
    if operator == "like":
        return _like(pattern, wrap=True, case=True).fullmatch(text) is not None
    if operator == "ilike":
        return _like(pattern, wrap=True, case=False).fullmatch(text) is not None
    if operator == "=like":
        return _like(pattern, wrap=False, case=True).fullmatch(text) is not None
    return _like(pattern, wrap=False, case=False).fullmatch(text) is not None


def _compare_plain(value: Any, operator: str, target: Any) -> bool:
    if operator == "=":
        return bool(value == target)
    if operator == "in":
        return value in (target if isinstance(target, (tuple, list, set, frozenset))
                         else (target,))
    try:
        if operator == "<":
            return bool(value < target)
        if operator == "<=":
            return bool(value <= target)
        if operator == ">":
            return bool(value > target)
        if operator == ">=":
            return bool(value >= target)
    except TypeError:
        return False
    return False


_HASHED: Final = frozenset({"char", "text", "selection", "html"})


def _id_floor(domain: Domain) -> int:
    """The ``n`` of a top-level ``id > n`` (or ``id >= n + 1``) condition: every match has
    a greater id."""
    if isinstance(domain, DomainAnd):
        return max((_id_floor(child) for child in domain.children), default=0)
    if isinstance(domain, DomainCondition) and domain.field == "id" and \
            isinstance(domain.value, int) and not isinstance(domain.value, bool):
        if domain.operator == ">":
            return domain.value
        if domain.operator == ">=":
            return domain.value - 1
    return 0


def _as_datetime(target: Any) -> Any:
    """A date given for a datetime field means midnight, as Odoo reads it."""
    if isinstance(target, str) and len(target) == 10:
        return f"{target} 00:00:00"
    if isinstance(target, (tuple, list, set, frozenset)):
        return [_as_datetime(item) for item in target]
    return target


def _compare(field: FieldDef, value: Any, operator: str, target: Any) -> bool:
    if field.type == "datetime" and operator not in ("like", "ilike", "=like", "=ilike"):
        target = _as_datetime(target)
    is_null = value is False or value is None
    if field.type == "boolean":
        value = bool(value)
        is_null = False
    if operator in ("=", "in"):
        targets = target if isinstance(target, (tuple, list, set, frozenset)) else (target,)
        for wanted in targets:
            if wanted is False or wanted is None:
                if is_null or (field.type == "boolean" and value is False):
                    return True
            elif not is_null and _equal(field, value, wanted):
                return True
        return False
    if is_null:
        return False
    if operator in ("like", "ilike", "=like", "=ilike"):
        return _compare_text(str(value), operator, target)
    return _compare_plain(value, operator, target)


def _equal(field: FieldDef, value: Any, wanted: Any) -> bool:
    if field.type in ("float", "monetary", "integer") and isinstance(wanted, (int, float)):
        return bool(abs(float(value) - float(wanted)) < 1e-9)
    return bool(value == wanted)
