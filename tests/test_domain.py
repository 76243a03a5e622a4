"""Domains: building with F, parsing Odoo's list form, the algebra, the wire form."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo_async import Domain, F
from odoo_async.domain import DomainAnd, DomainCondition, DomainNot, DomainOr
from tests.domain_eval import matches
from tests.support.scripted import load_exchanges

# -- F: every operator -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "wire"),
    [
        (lambda: F.name == "x", ["name", "=", "x"]),
        (lambda: F.name != "x", ["name", "!=", "x"]),
        (lambda: F.age < 3, ["age", "<", 3]),
        (lambda: F.age <= 3, ["age", "<=", 3]),
        (lambda: F.age > 3, ["age", ">", 3]),
        (lambda: F.age >= 3, ["age", ">=", 3]),
        (lambda: F.name.like("de"), ["name", "like", "de"]),
        (lambda: F.name.ilike("de"), ["name", "ilike", "de"]),
        (lambda: F.name.not_like("de"), ["name", "not like", "de"]),
        (lambda: F.name.not_ilike("de"), ["name", "not ilike", "de"]),
        (lambda: F.name.eq_like("A%"), ["name", "=like", "A%"]),
        (lambda: F.name.eq_ilike("a%"), ["name", "=ilike", "a%"]),
        (lambda: F.id.in_([1, 2]), ["id", "in", [1, 2]]),
        (lambda: F.id.in_({2, 1}), ["id", "in", [1, 2]]),
        (lambda: F.id.not_in((1, 2)), ["id", "not in", [1, 2]]),
        (lambda: F.parent_id.child_of([9]), ["parent_id", "child_of", [9]]),
        (lambda: F.parent_id.parent_of(9), ["parent_id", "parent_of", 9]),
        (lambda: F.category_id.any(F.name == "VIP"),
         ["category_id", "any", [["name", "=", "VIP"]]]),
        (lambda: F.category_id.any([("name", "=", "VIP")]),
         ["category_id", "any", [["name", "=", "VIP"]]]),
        (lambda: F.child_ids.not_any(), ["child_ids", "not any", []]),
        (lambda: F.email == None, ["email", "=", False]),  # noqa: E711
        (lambda: F.email != None, ["email", "!=", False]),  # noqa: E711
        (lambda: F.partner_id.country_id.code == "BE", ["partner_id.country_id.code", "=", "BE"]),
        (lambda: F("partner_id.country_id.code") == "BE",
         ["partner_id.country_id.code", "=", "BE"]),
        (lambda: F.date_order >= dt.date(2026, 1, 31), ["date_order", ">=", "2026-01-31"]),
        (lambda: F.write_date > dt.datetime(2026, 1, 1, 1, tzinfo=dt.timezone.utc),
         ["write_date", ">", "2026-01-01 01:00:00"]),
    ],
)
def test_every_operator(build: Callable[[], Domain], wire: list[Any]) -> None:
    built = build()  # built in the test, where a mutation of the library is seen
    assert isinstance(built, DomainCondition)
    assert built.to_list() == [wire]
    assert json.loads(json.dumps(built.to_list())) == [wire]  # JSON-ready as it is


def test_recordsets_are_domain_values() -> None:
    class Records:
        def __init__(self, *ids: int) -> None:
            self.ids = list(ids)

    assert F.partner_id.in_(Records(3, 4)).to_list() == [["partner_id", "in", [3, 4]]]
    assert (F.partner_id == Records(3)).to_list() == [["partner_id", "=", [3]]]


def test_issue_example() -> None:
    d = (F.is_company == True) & F.name.ilike("deco") & (F.country_id.code.in_(["BE", "FR"]))  # noqa: E712
    d |= F.category_id.any(F.name == "VIP")
    d = ~d
    assert d.to_list() == [
        "!", "|", "&", "&",
        ["is_company", "=", True],
        ["name", "ilike", "deco"],
        ["country_id.code", "in", ["BE", "FR"]],
        ["category_id", "any", [["name", "=", "VIP"]]],
    ]


# -- parsing -------------------------------------------------------------------------------


def _recorded_domains() -> list[Any]:
    found = []
    for case in load_exchanges() + load_exchanges("exchanges-more.json"):
        body = case["request"].get("body")
        if isinstance(body, dict) and isinstance(body.get("domain"), list):
            found.append(body["domain"])
    return found


@pytest.mark.parametrize("recorded", _recorded_domains(), ids=json.dumps)
def test_recorded_domains_parse_and_round_trip(recorded: list[Any]) -> None:
    domain = Domain(recorded)
    assert Domain(domain.to_list()) == domain
    if len(recorded) <= 1:
        assert domain.to_list() == recorded  # already canonical


def test_recorded_g4_is_already_canonical() -> None:
    g4 = ["|", ["category_id", "any", [["name", "ilike", "desk"]]], ["parent_id", "child_of", [9]]]
    assert Domain(g4).to_list() == g4
    assert Domain(g4) == F.category_id.any(F.name.ilike("desk")) | F.parent_id.child_of([9])


def test_recorded_g5_gets_its_implicit_and() -> None:
    g5 = [["child_ids", "not any", []], ["name", "=like", "A%"]]
    assert Domain(g5).to_list() == ["&", *g5]
    assert Domain(g5) == F.child_ids.not_any() & F.name.eq_like("A%")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ([], Domain.TRUE),
        ((), Domain.TRUE),
        (True, Domain.TRUE),
        (False, Domain.FALSE),
        ([(1, "=", 1)], Domain.TRUE),
        ([(0, "=", 1)], Domain.FALSE),
        ([[1, "=", 1], ("a", "=", 1)], F.a == 1),
        ([(0, "=", 1), ("a", "=", 1)], Domain.FALSE),
        (["|", (1, "=", 1), ("a", "=", 1)], Domain.TRUE),
        ([("state", "=", "draft"), "|", ("a", "=", 1), ("b", "=", 2)],
         (F.state == "draft") & ((F.a == 1) | (F.b == 2))),
        (["!", ("a", "=", 1)], ~(F.a == 1)),
        (["!", "!", ("a", "=", 1)], F.a == 1),
        (["&", "&", ("a", "=", 1), ("b", "=", 2), ("c", "=", 3)],
         (F.a == 1) & (F.b == 2) & (F.c == 3)),
        ([("A", "ILIKE", "x")], F.A.ilike("x")),
        ([("a", "=", None)], F.a == False),  # noqa: E712
    ],
)
def test_parse_valid_shapes(source: Any, expected: Domain) -> None:
    assert Domain(source) == expected


@pytest.mark.parametrize(
    ("source", "error", "message"),
    [
        ([("a", "lik", 1)], ValueError, r"domain item 0: unknown domain operator 'lik'"),
        ([("a", "any!", [])], ValueError, r"domain item 0: unknown domain operator 'any!'"),
        ([("a", "=")], ValueError, r"domain item 0: \('a', '='\) has 2 elements, expected "
                                   r"\(field, operator, value\)"),
        ([("a", "=", 1, 2)], ValueError, r"has 4 elements"),
        (["|", ("a", "=", 1)], ValueError, r"domain item 0: operator '\|' lacks operands "
                                           r"\(needs 2, 1 follow it\)"),
        ([("a", "=", 1), "!"], ValueError, r"domain item 1: operator '!' lacks operands"),
        (["&"], ValueError, r"operator '&' lacks operands \(needs 2, 0 follow it\)"),
        ([(5, "=", 1)], ValueError, r"domain item 0: a domain field must be a string, got 5"),
        ([("", "=", 1)], ValueError, r"domain item 0: invalid domain field name ''"),
        ([("a", 3, 1)], ValueError, r"domain item 0: a domain operator must be a string"),
        ([("a", "=", 1), "or"], ValueError, r"domain item 1: unknown operator 'or'"),
        ([("a", "=", 1), 42], ValueError, r"domain item 1: 42 is neither a condition nor an"),
        ("is_company", TypeError, r"a domain must be a list or tuple, got str"),
        ([("c", "any", [("x", "bad", 1)])], ValueError, r"unknown domain operator 'bad'"),
    ],
)
def test_parse_invalid_shapes(source: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        Domain(source)


def test_domain_constructor_arities() -> None:
    assert Domain("a", "=", 1) == (F.a == 1)
    with pytest.raises(TypeError, match="got 2 arguments"):
        Domain("a", "=")  # type: ignore[call-arg]


def test_comparing_two_fields_is_refused() -> None:
    with pytest.raises(TypeError, match="not with another field"):
        F.a == F.b  # noqa: B015


def test_in_refuses_a_string() -> None:
    with pytest.raises(TypeError, match=r"in_\(\) takes a list, set or recordset, not str"):
        F.code.in_("BE")


@pytest.mark.parametrize("path", ["", "a..b", ".a"])
def test_bad_field_paths(path: str) -> None:
    with pytest.raises(ValueError, match="invalid field path"):
        F(path)


# -- the algebra -----------------------------------------------------------------------


def test_and_or_flatten_and_absorb() -> None:
    a, b, c = F.a == 1, F.b == 2, F.c == 3
    assert isinstance((a & b) & c, DomainAnd)
    assert ((a & b) & c).children == (a, b, c)  # type: ignore[attr-defined]
    assert (a & (b & c)) == (a & b & c)
    assert ((a | b) | c).children == (a, b, c)  # type: ignore[attr-defined]
    assert (a & Domain.TRUE) == a
    assert (a & Domain.FALSE) == Domain.FALSE
    assert (a | Domain.TRUE) == Domain.TRUE
    assert (a | Domain.FALSE) == a
    assert Domain.AND([]) == Domain.TRUE
    assert Domain.OR([]) == Domain.FALSE
    assert Domain.AND([a, [("b", "=", 2)]]) == a & b
    assert Domain.OR([[("a", "=", 1)], b]) == a | b
    assert ~Domain.TRUE == Domain.FALSE


def test_and_or_with_raw_lists() -> None:
    assert (F.a == 1) & [("b", "=", 2)] == (F.a == 1) & (F.b == 2)
    assert [("b", "=", 2)] | (F.a == 1) == (F.b == 2) | (F.a == 1)


def test_in_place_operators_build_new_domains() -> None:
    d = original = F.a == 1
    d &= F.b == 2
    assert original == (F.a == 1)
    d |= F.c == 3
    assert d == ((F.a == 1) & (F.b == 2)) | (F.c == 3)


def test_domains_are_immutable_hashable_and_picklable() -> None:
    d = (F.a.in_([1, 2]) & F.b.ilike("x")) | ~(F.c == 3)
    with pytest.raises(AttributeError, match="immutable"):
        d.children = ()  # type: ignore[attr-defined, misc]
    assert len({d, Domain(d.to_list()), pickle.loads(pickle.dumps(d))}) == 1


def test_bool_and_int_values_are_not_confused() -> None:
    assert (F.a == True) != (F.a == 1)  # noqa: E712


def test_domains_have_no_truth_value() -> None:
    with pytest.raises(TypeError, match=r"combine domains with & \| ~"):
        _ = (F.a == 1) and (F.b == 2)
    with pytest.raises(TypeError, match="has no truth value"):
        bool(F.a)


@pytest.mark.parametrize(
    "build",
    [
        lambda: (F.is_company == True) & F.name.ilike("deco"),  # noqa: E712
        lambda: ~((F.a == 1) | F.b.in_([1, 2])),
        lambda: F.category_id.any(F.name == "VIP") | F.child_ids.not_any(),
        lambda: F("x-y") == 1,
        lambda: Domain("a", "=?", 3),
        lambda: Domain.TRUE,
        lambda: Domain.FALSE,
        lambda: ~(F.a == 1) & ~F.b.like("x"),
    ],
)
def test_repr_reads_like_the_python_that_built_it(build: Callable[[], Domain]) -> None:
    domain = build()
    rebuilt = eval(repr(domain), {"F": F, "Domain": Domain})
    assert rebuilt == domain


def test_repr_example() -> None:
    assert repr((F.is_company == True) & F.name.ilike("deco")) == (  # noqa: E712
        "(F.is_company == True) & F.name.ilike('deco')")


def test_domain_objects_are_sent_by_the_client_as_lists() -> None:
    from odoo_async.values import to_wire

    d = F.create_date > dt.datetime(2026, 1, 1, 12)
    with pytest.raises(ValueError, match="naive datetime"):
        to_wire({"domain": d})
    assert to_wire({"domain": d}, naive_is_utc=True) == {
        "domain": [["create_date", ">", "2026-01-01 12:00:00"]]}


# -- properties -------------------------------------------------------------------------

NAMES = ["alpha", "Beta", "gamma", "Delta", ""]
TAGS = [{"name": n, "level": i} for i, n in enumerate(NAMES)]

conditions = st.one_of(
    st.builds(lambda op, v: Domain("level", op, v),
              st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), st.integers(-1, 5)),
    st.builds(lambda op, v: Domain("name", op, v),
              st.sampled_from(["=", "!=", "like", "ilike", "not like", "not ilike",
                               "=like", "=ilike", "not =like", "not =ilike"]),
              st.sampled_from(["a", "A", "%a", "_e%", "beta", "", "%"])),
    st.builds(lambda op, v: Domain("level", op, v),
              st.sampled_from(["in", "not in"]), st.lists(st.integers(0, 5), max_size=3)),
    st.builds(lambda v: Domain("flag", "=", v), st.booleans()),
    st.just(Domain.TRUE),
    st.just(Domain.FALSE),
)


def _extend(children: st.SearchStrategy[Domain]) -> st.SearchStrategy[Domain]:
    return st.one_of(
        st.builds(lambda a, b: a & b, children, children),
        st.builds(lambda a, b: a | b, children, children),
        st.builds(lambda a: ~a, children),
        st.builds(lambda sub: Domain("tag_ids", "any", sub), children),
        st.builds(lambda sub: Domain("tag_ids", "not any", sub), children),
    )


domains = st.recursive(conditions, _extend, max_leaves=12)
records = st.fixed_dictionaries({
    "level": st.integers(-1, 5),
    "name": st.sampled_from(NAMES),
    "flag": st.booleans(),
    "tag_ids": st.lists(st.sampled_from(TAGS), max_size=3),
})


@settings(max_examples=300, deadline=None)
@given(domains)
def test_parse_of_to_list_is_identity(domain: Domain) -> None:
    assert Domain(domain.to_list()) == domain
    assert Domain(json.loads(json.dumps(domain.to_list()))) == domain


@settings(max_examples=300, deadline=None)
@given(domains, st.lists(records, min_size=1, max_size=8))
def test_double_negation(domain: Domain, sample: list[dict[str, Any]]) -> None:
    # the library's own answers: ~ undoes itself, and a double NOT built by hand comes
    # back as the domain once written out and parsed again
    assert ~~domain == domain
    assert (~~domain).to_list() == domain.to_list()
    assert Domain(DomainNot(DomainNot(domain)).to_list()) == domain
    negated = ~domain
    assert negated != domain
    for record in sample:  # and what the negation written out means
        assert matches(Domain(negated.to_list()), record) != matches(domain, record)


@settings(max_examples=300, deadline=None)
@given(domains, domains, st.lists(records, min_size=1, max_size=8))
def test_de_morgan(a: Domain, b: Domain, sample: list[dict[str, Any]]) -> None:
    for record in sample:
        assert matches(~(a & b), record) == matches(~a | ~b, record)
        assert matches(~(a | b), record) == matches(~a & ~b, record)


@settings(max_examples=200, deadline=None)
@given(domains, domains, st.lists(records, min_size=1, max_size=8))
def test_simplification_preserves_meaning(a: Domain, b: Domain,
                                          sample: list[dict[str, Any]]) -> None:
    for record in sample:
        assert matches(a & b, record) == (matches(a, record) and matches(b, record))
        assert matches(a | b, record) == (matches(a, record) or matches(b, record))
        assert matches(DomainAnd((a, b)), record) == matches(a & b, record)
        assert matches(DomainOr((a, b)), record) == matches(a | b, record)


# -- what mutation testing found unpinned (see mutation/README.md) ----------------------


def test_dunder_names_are_not_field_names() -> None:
    """``copy``, ``pickle`` and friends probe ``__x__`` names: they must not become paths."""
    with pytest.raises(AttributeError, match=r"^__wrapped__$"):
        F.__wrapped__  # noqa: B018
    with pytest.raises(AttributeError, match=r"^__wrapped__$"):
        F.name.__wrapped__  # noqa: B018
    assert F._private.path == "_private"


def test_a_dotted_path_reads_back_as_attributes() -> None:
    assert repr(F.partner_id.name == "x") == "F.partner_id.name == 'x'"
    assert repr(F("partner_id.1x") == "x") == "F('partner_id.1x') == 'x'"


def test_a_naive_datetime_in_a_domain_is_named() -> None:
    domain = F.date_order > dt.datetime(2026, 1, 2)
    with pytest.raises(ValueError, match=r"in domain\[0\]\[2\]: give it a timezone"):
        domain.to_list()
    assert domain.to_list(naive_is_utc=True) == [["date_order", ">", "2026-01-02 00:00:00"]]


@pytest.mark.parametrize("method", ["in_", "not_in"])
def test_membership_names_its_method_when_given_one_value(method: str) -> None:
    with pytest.raises(TypeError, match=rf"^{method}\(\) takes a list, set or recordset, "
                                        r"not int$"):
        getattr(F.name, method)(5)


def test_a_condition_on_a_mapping_value_can_be_hashed() -> None:
    first = Domain("x", "=", {"a": 1})
    assert first == Domain("x", "=", {"a": 1})
    assert len({first, Domain("x", "=", {"a": 1})}) == 1
