"""Odoo search domains as immutable trees, built with Python operators.

::

    from odoo_async import F, Domain

    d = (F.is_company == True) & F.name.ilike("deco") & F.country_id.code.in_(["BE", "FR"])
    d |= F.category_id.any(F.name == "VIP")
    (~d).to_list()      # Odoo's prefix notation, ready for JSON
    Domain([("state", "=", "draft"), "|", ("a", "=", 1), ("b", "=", 2)])   # parsed

A domain is one of: a condition ``(field, operator, value)``, an AND or an OR of several
domains, the negation of a domain, or one of the constants ``Domain.TRUE`` (matches
everything, ``[]`` on the wire) and ``Domain.FALSE``. Combining simplifies as Odoo does:
nested ANDs (ORs) are flattened, TRUE and FALSE are absorbed, ``~~d`` is ``d``. Domains
compare equal and hash by structure. Pure: no I/O.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from typing import Any, ClassVar, Final, NoReturn

from odoo_async.values import to_wire

__all__ = [
    "CONDITION_OPERATORS",
    "Domain",
    "DomainAnd",
    "DomainBool",
    "DomainCondition",
    "DomainNot",
    "DomainOr",
    "F",
    "Field",
]

CONDITION_OPERATORS: Final = frozenset({
    "=", "!=", "<>", "<", "<=", ">", ">=", "=?",
    "in", "not in",
    "like", "not like", "ilike", "not ilike",
    "=like", "not =like", "=ilike", "not =ilike",
    "child_of", "parent_of",
    "any", "not any",
})
"""The condition operators Odoo 19 accepts in a domain sent over RPC."""

_SUBDOMAIN_OPERATORS: Final = frozenset({"any", "not any"})
_TRUE_LEAF: Final = (1, "=", 1)
_FALSE_LEAF: Final = (0, "=", 1)
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NOT_BOOL: Final = (
    "a domain has no truth value: combine domains with & | ~ (not `and`, `or`, `not`), "
    "and compare them with == only between two domains"
)


def _freeze(value: Any) -> Any:
    """A hashable, order-stable form of a condition value (lists become tuples)."""
    if isinstance(value, Domain) or value is None or isinstance(value, (str, bytes)):
        return False if value is None else value
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, Set):
        items = [_freeze(item) for item in value]
        try:
            return tuple(sorted(items))
        except TypeError:
            return frozenset(items)
    ids = getattr(value, "ids", None)
    if isinstance(ids, (list, tuple)) and not isinstance(value, Mapping):
        return tuple(ids)
    return value


def _thaw(value: Any) -> Any:
    """The wire-shaped form of a frozen value: tuples and sets become lists."""
    if isinstance(value, Domain):
        return value.__odoo_json__()
    if isinstance(value, tuple):
        return [_thaw(item) for item in value]
    if isinstance(value, frozenset):
        items = [_thaw(item) for item in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    return value


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _value_repr(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_value_repr(item) for item in value) + "]"
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(_value_repr(item) for item in value)) + "}"
    if isinstance(value, enum.Enum):
        return repr(value.value)
    return repr(value)


class Domain:
    """A search domain; ``Domain(x)`` parses and validates Odoo's list form.

    ``Domain(list_or_tuple)`` parses prefix notation (implicit ``&`` between top-level
    items, ``"&"``, ``"|"`` and ``"!"`` operators, ``(1, "=", 1)`` / ``(0, "=", 1)`` as
    TRUE / FALSE); ``Domain(field, operator, value)`` builds one condition;
    ``Domain(domain)`` returns it; ``Domain(True)``, ``Domain(False)`` and ``Domain([])``
    give the constants.

    Raises:
        ValueError: an item of the list is wrong (an unknown operator, an item that is
            neither a 3-item condition nor an operator, an operator lacking operands, a
            field or operator that is not a string); the message points at the item.
        TypeError: not a list, tuple, Domain or bool.
    """

    __slots__ = ()

    TRUE: ClassVar[DomainBool]
    FALSE: ClassVar[DomainBool]

    def __new__(cls, *args: Any) -> Domain:
        if cls is not Domain:
            return object.__new__(cls)
        if len(args) == 3:
            if tuple(args) == _TRUE_LEAF:
                return Domain.TRUE
            if tuple(args) == _FALSE_LEAF:
                return Domain.FALSE
            return DomainCondition(*args)
        if len(args) != 1:
            raise TypeError(
                "Domain() takes a domain list, or a field, an operator and a value; "
                f"got {len(args)} arguments"
            )
        return _parse(args[0])

    # -- combination ---------------------------------------------------------------

    @staticmethod
    def AND(items: Iterable[Domain | Sequence[Any]]) -> Domain:
        """The conjunction of ``items`` (domains or lists); TRUE when there are none.

        Raises:
            ValueError, TypeError: an item is not a valid domain.
        """
        return DomainAnd.apply(Domain(item) for item in items)

    @staticmethod
    def OR(items: Iterable[Domain | Sequence[Any]]) -> Domain:
        """The disjunction of ``items`` (domains or lists); FALSE when there are none.

        Raises:
            ValueError, TypeError: an item is not a valid domain.
        """
        return DomainOr.apply(Domain(item) for item in items)

    # A raw list on either side is parsed (Domain(domain) returns the domain itself).

    def __and__(self, other: object) -> Domain:
        if isinstance(other, (Domain, list, tuple)):
            return DomainAnd.apply((self, Domain(other)))
        return NotImplemented

    def __rand__(self, other: object) -> Domain:
        if isinstance(other, (list, tuple)):
            return DomainAnd.apply((Domain(other), self))
        return NotImplemented

    def __or__(self, other: object) -> Domain:
        if isinstance(other, (Domain, list, tuple)):
            return DomainOr.apply((self, Domain(other)))
        return NotImplemented

    def __ror__(self, other: object) -> Domain:
        if isinstance(other, (list, tuple)):
            return DomainOr.apply((Domain(other), self))
        return NotImplemented

    def __invert__(self) -> Domain:
        return DomainNot(self)

    def __bool__(self) -> NoReturn:
        raise TypeError(_NOT_BOOL)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("domains are immutable")

    # -- inspection ----------------------------------------------------------------

    def is_true(self) -> bool:
        """Whether this is the TRUE constant (matches every record)."""
        return False

    def is_false(self) -> bool:
        """Whether this is the FALSE constant (matches no record)."""
        return False

    def iter_conditions(self) -> Iterator[DomainCondition]:
        """Every condition in the tree, left to right."""
        return iter(())

    # -- wire form -----------------------------------------------------------------

    def _prefix(self) -> list[Any]:
        raise NotImplementedError

    def __odoo_json__(self) -> list[Any]:
        """The prefix list with Python values left for the client to convert."""
        return [] if self.is_true() else self._prefix()

    def to_list(self, *, naive_is_utc: bool = False) -> list[Any]:
        """Odoo's canonical prefix-notation list, JSON-ready (TRUE is ``[]``).

        Raises:
            ValueError: a naive datetime value (unless ``naive_is_utc``), NaN.
            TypeError: a value JSON cannot carry.
        """
        result: list[Any] = to_wire(self.__odoo_json__(), where="domain",
                                    naive_is_utc=naive_is_utc)
        return result

    def _repr_operand(self) -> str:
        return repr(self)


class DomainBool(Domain):
    """One of the two constants, ``Domain.TRUE`` and ``Domain.FALSE``."""

    __slots__ = ("value",)
    value: bool

    def __new__(cls, value: bool) -> DomainBool:
        self = object.__new__(cls)
        object.__setattr__(self, "value", bool(value))
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (DomainBool, (self.value,))

    def is_true(self) -> bool:
        """Whether this is ``Domain.TRUE``."""
        return self.value

    def is_false(self) -> bool:
        """Whether this is ``Domain.FALSE``."""
        return not self.value

    def __invert__(self) -> Domain:
        return Domain.FALSE if self.value else Domain.TRUE

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DomainBool) and other.value == self.value

    def __hash__(self) -> int:
        return hash((DomainBool, self.value))

    def _prefix(self) -> list[Any]:
        return [list(_TRUE_LEAF if self.value else _FALSE_LEAF)]

    def __repr__(self) -> str:
        return "Domain.TRUE" if self.value else "Domain.FALSE"


Domain.TRUE = DomainBool(True)
Domain.FALSE = DomainBool(False)


class DomainCondition(Domain):
    """One condition: ``(field, operator, value)``.

    Raises:
        TypeError: ``field`` or ``operator`` is not a string.
        ValueError: ``field`` is empty or ``operator`` unknown.
    """

    __slots__ = ("field", "operator", "value")
    field: str
    operator: str
    value: Any

    def __new__(cls, field: str, operator: str, value: Any) -> DomainCondition:
        if not isinstance(field, str):
            raise TypeError(f"a domain field must be a string, got {field!r}")
        if not field or field.strip() != field:
            raise ValueError(f"invalid domain field name {field!r}")
        if not isinstance(operator, str):
            raise TypeError(f"a domain operator must be a string, got {operator!r}")
        normalized = operator.lower()
        if normalized not in CONDITION_OPERATORS:
            raise ValueError(
                f"unknown domain operator {operator!r} in {(field, operator, value)!r}; "
                f"expected one of {', '.join(sorted(CONDITION_OPERATORS))}"
            )
        if isinstance(value, Field):
            raise TypeError(f"{field!r} {operator} {value!r}: Odoo domains compare a field with "
                            "a value, not with another field")
        if normalized in _SUBDOMAIN_OPERATORS and isinstance(value, (list, tuple)):
            value = Domain(value)
        self = object.__new__(cls)
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "operator", normalized)
        object.__setattr__(self, "value", _freeze(value))
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (DomainCondition, (self.field, self.operator, self.value))

    def iter_conditions(self) -> Iterator[DomainCondition]:
        """This condition."""
        yield self

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DomainCondition)
            and (self.field, self.operator) == (other.field, other.operator)
            and type(self.value) is type(other.value)
            and self.value == other.value
        )

    def __hash__(self) -> int:
        return hash((DomainCondition, self.field, self.operator, _hashable(self.value)))

    def _prefix(self) -> list[Any]:
        return [[self.field, self.operator, _thaw(self.value)]]

    def __repr__(self) -> str:
        path = self.field
        parts = path.split(".")
        target = ("F." + path) if all(_IDENTIFIER.fullmatch(p) for p in parts) else f"F({path!r})"
        value = _value_repr(self.value)
        symbol = _SYMBOLS.get(self.operator)
        if symbol:
            return f"{target} {symbol} {value}"
        method = _METHODS.get(self.operator)
        if method:
            return f"{target}.{method}({value})"
        return f"Domain({path!r}, {self.operator!r}, {value})"

    def _repr_operand(self) -> str:
        text = repr(self)
        return f"({text})" if self.operator in _SYMBOLS else text


class DomainNot(Domain):
    """The negation of a domain (``"!"`` on the wire)."""

    __slots__ = ("child",)
    child: Domain

    def __new__(cls, child: Domain) -> DomainNot:
        self = object.__new__(cls)
        object.__setattr__(self, "child", child)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (DomainNot, (self.child,))

    def __invert__(self) -> Domain:
        return self.child

    def iter_conditions(self) -> Iterator[DomainCondition]:
        """The conditions of the negated domain."""
        return self.child.iter_conditions()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DomainNot) and other.child == self.child

    def __hash__(self) -> int:
        return hash((DomainNot, self.child))

    def _prefix(self) -> list[Any]:
        return ["!", *self.child._prefix()]

    def __repr__(self) -> str:
        return f"~{self.child._repr_operand()}"


class DomainNary(Domain):
    """AND or OR over two or more domains (use ``&``/``|`` or ``apply`` to build one)."""

    __slots__ = ("children",)
    children: tuple[Domain, ...]
    OPERATOR: ClassVar[str]
    SYMBOL: ClassVar[str]
    ZERO: ClassVar[DomainBool]  # absorbing constant
    UNIT: ClassVar[DomainBool]  # neutral constant

    def __new__(cls, children: Iterable[Domain]) -> DomainNary:
        self = object.__new__(cls)
        object.__setattr__(self, "children", tuple(children))
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.children,))

    @classmethod
    def apply(cls, items: Iterable[Domain]) -> Domain:
        """Combine ``items``: flatten, drop the neutral constant, absorb on the other.

        Raises:
            TypeError: an item is not a Domain.
        """
        children: list[Domain] = []
        for item in items:
            if not isinstance(item, Domain):
                raise TypeError(f"cannot combine a domain with {type(item).__name__}")
            if item == cls.ZERO:
                return cls.ZERO
            if item == cls.UNIT:
                continue
            if type(item) is cls:
                children.extend(item.children)
            else:
                children.append(item)
        if not children:
            return cls.UNIT
        if len(children) == 1:
            return children[0]
        return cls(children)

    def iter_conditions(self) -> Iterator[DomainCondition]:
        """The conditions of every child, left to right."""
        for child in self.children:
            yield from child.iter_conditions()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.children == self.children

    def __hash__(self) -> int:
        return hash((type(self), self.children))

    def _prefix(self) -> list[Any]:
        out: list[Any] = [self.OPERATOR] * (len(self.children) - 1)
        for child in self.children:
            out.extend(child._prefix())
        return out

    def __repr__(self) -> str:
        return f" {self.SYMBOL} ".join(child._repr_operand() for child in self.children)

    def _repr_operand(self) -> str:
        return f"({self!r})"


class DomainAnd(DomainNary):
    """All children must match (``"&"``)."""

    __slots__ = ()
    OPERATOR = "&"
    SYMBOL = "&"


class DomainOr(DomainNary):
    """Any child may match (``"|"``)."""

    __slots__ = ()
    OPERATOR = "|"
    SYMBOL = "|"


DomainAnd.ZERO, DomainAnd.UNIT = Domain.FALSE, Domain.TRUE
DomainOr.ZERO, DomainOr.UNIT = Domain.TRUE, Domain.FALSE


def _describe(item: Any) -> str:
    text = repr(item)
    return text if len(text) <= 80 else text[:77] + "..."


def _parse(arg: Any) -> Domain:
    if isinstance(arg, Domain):
        return arg
    if arg is True:
        return Domain.TRUE
    if arg is False:
        return Domain.FALSE
    if not isinstance(arg, (list, tuple)):
        raise TypeError(f"a domain must be a list or tuple, got {type(arg).__name__}")
    stack: list[Domain] = []
    for position in range(len(arg) - 1, -1, -1):
        item = arg[position]
        where = f"domain item {position}"
        if isinstance(item, str):
            arity = {"&": 2, "|": 2, "!": 1}.get(item)
            if arity is None:
                raise ValueError(f"{where}: unknown operator {item!r} (expected '&', '|', '!' "
                                 "or a (field, operator, value) condition)")
            if len(stack) < arity:
                raise ValueError(f"{where}: operator {item!r} lacks operands (needs {arity}, "
                                 f"{len(stack)} follow it)")
            if item == "!":
                stack.append(~stack.pop())
            else:
                first, second = stack.pop(), stack.pop()
                stack.append(first & second if item == "&" else first | second)
        elif isinstance(item, (list, tuple)):
            if len(item) != 3:
                raise ValueError(f"{where}: {_describe(item)} has {len(item)} elements, "
                                 "expected (field, operator, value)")
            if tuple(item) in (_TRUE_LEAF, _FALSE_LEAF):
                stack.append(Domain(*item))
                continue
            try:
                stack.append(DomainCondition(*item))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{where}: {exc}") from None
        elif isinstance(item, Domain):
            stack.append(item)
        else:
            raise ValueError(f"{where}: {_describe(item)} is neither a condition nor an "
                             "operator")
    return DomainAnd.apply(reversed(stack))


class Field:
    """A field path (``F.partner_id.country_id.code``) that builds conditions.

    Comparison operators give conditions: ``F.x == 1``, ``F.x != 1``, ``<``, ``<=``, ``>``,
    ``>=``; ``F.x == None`` means ``("x", "=", False)``. Methods give the other operators.
    Attribute access extends the path.
    """

    __slots__ = ("_path",)
    _path: str

    def __init__(self, path: str) -> None:
        """Raises:
            TypeError: ``path`` is not a string.
            ValueError: ``path`` is empty or has an empty segment.
        """
        if not isinstance(path, str):
            raise TypeError(f"a field path must be a string, got {type(path).__name__}")
        if not path or any(not part for part in path.split(".")):
            raise ValueError(f"invalid field path {path!r}")
        object.__setattr__(self, "_path", path)

    def __getattr__(self, name: str) -> Field:
        if name.startswith("__"):
            raise AttributeError(name)
        return Field(f"{self._path}.{name}")

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("field paths are immutable")

    @property
    def path(self) -> str:
        """The dotted field path. (A field named ``path`` is reached with ``F("path")``.)"""
        return self._path

    def __repr__(self) -> str:
        return f"F({self._path!r})"

    def _condition(self, operator: str, value: Any) -> DomainCondition:
        return DomainCondition(self._path, operator, value)

    def __eq__(self, value: object) -> DomainCondition:  # type: ignore[override]
        return self._condition("=", value)

    def __ne__(self, value: object) -> DomainCondition:  # type: ignore[override]
        return self._condition("!=", value)

    def __lt__(self, value: Any) -> DomainCondition:
        return self._condition("<", value)

    def __le__(self, value: Any) -> DomainCondition:
        return self._condition("<=", value)

    def __gt__(self, value: Any) -> DomainCondition:
        return self._condition(">", value)

    def __ge__(self, value: Any) -> DomainCondition:
        return self._condition(">=", value)

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> NoReturn:
        raise TypeError(f"{self!r} has no truth value; compare it to build a condition")

    def like(self, pattern: str) -> DomainCondition:
        """``like``: case-sensitive match of ``%pattern%``."""
        return self._condition("like", pattern)

    def ilike(self, pattern: str) -> DomainCondition:
        """``ilike``: case-insensitive match of ``%pattern%``."""
        return self._condition("ilike", pattern)

    def not_like(self, pattern: str) -> DomainCondition:
        """``not like``."""
        return self._condition("not like", pattern)

    def not_ilike(self, pattern: str) -> DomainCondition:
        """``not ilike``."""
        return self._condition("not ilike", pattern)

    def eq_like(self, pattern: str) -> DomainCondition:
        """``=like``: case-sensitive SQL pattern, ``%`` and ``_`` as wildcards."""
        return self._condition("=like", pattern)

    def eq_ilike(self, pattern: str) -> DomainCondition:
        """``=ilike``: case-insensitive SQL pattern."""
        return self._condition("=ilike", pattern)

    def in_(self, values: Iterable[Any]) -> DomainCondition:
        """``in``: the value is one of ``values`` (a list, set, or a recordset's ids).

        Raises:
            TypeError: ``values`` is a string or not iterable.
        """
        return self._condition("in", _collection(values, "in_"))

    def not_in(self, values: Iterable[Any]) -> DomainCondition:
        """``not in``.

        Raises:
            TypeError: ``values`` is a string or not iterable.
        """
        return self._condition("not in", _collection(values, "not_in"))

    def child_of(self, ids: Any) -> DomainCondition:
        """``child_of``: the record or any of its descendants (by ``parent_id``)."""
        return self._condition("child_of", ids)

    def parent_of(self, ids: Any) -> DomainCondition:
        """``parent_of``: the record or any of its ancestors."""
        return self._condition("parent_of", ids)

    def any(self, domain: Domain | Sequence[Any] = ()) -> DomainCondition:
        """``any``: at least one related record matches ``domain``.

        Raises:
            ValueError, TypeError: ``domain`` is not a valid domain.
        """
        return self._condition("any", Domain(domain))

    def not_any(self, domain: Domain | Sequence[Any] = ()) -> DomainCondition:
        """``not any``: no related record matches ``domain``.

        Raises:
            ValueError, TypeError: ``domain`` is not a valid domain.
        """
        return self._condition("not any", Domain(domain))


def _collection(values: Any, method: str) -> Any:
    if hasattr(values, "ids"):
        return values
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(f"{method}() takes a list, set or recordset, "
                        f"not {type(values).__name__}")
    return list(values)


class _FieldFactory:
    """``F.name`` or ``F("partner_id.country_id.code")`` gives a :class:`Field`."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Field:
        if name.startswith("__"):
            raise AttributeError(name)
        return Field(name)

    def __call__(self, path: str) -> Field:
        return Field(path)

    def __repr__(self) -> str:
        return "F"


F: Final = _FieldFactory()
"""Builds field paths: ``F.name``, ``F.partner_id.country_id.code``, ``F("a.b")``."""

_SYMBOLS: Final = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_METHODS: Final = {
    "like": "like", "ilike": "ilike", "not like": "not_like", "not ilike": "not_ilike",
    "=like": "eq_like", "=ilike": "eq_ilike", "in": "in_", "not in": "not_in",
    "child_of": "child_of", "parent_of": "parent_of", "any": "any", "not any": "not_any",
}
