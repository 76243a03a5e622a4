"""Contracts of ``Recordset`` (odoo_async.orm.recordset) that the broader recordset tests
leave implicit, pinned one by one:

* what a record method, ``read``, ``copy`` and ``exists`` send to the server, and what
  they make of the answer (``copy`` answered with a bare id, as Odoo 16 and earlier do);
* what ``write``/``unlink`` return, and which cached values they, ``unlink`` through a
  context view, ``|`` and ``exists`` leave readable or report missing;
* ``refresh`` on a recordset that was never fetched, and its effect on other records;
* ``sorted``/``filtered`` by callable or field name (reverse order, empty values last,
  an empty string as unset);
* ``to_dict(relations="ids")``, ``copy``'s error naming ``default``, dunder probes,
  and hashes of recordsets as dict keys.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from odoo_async import Client, FieldNotLoadedError, MissingError, Recordset
from odoo_async.errors import OdooError
from odoo_async.testing import FakeOdoo
from tests.support.scripted import ScriptedOdoo, json_answer


@pytest.fixture
async def odoo(fake_odoo: FakeOdoo) -> AsyncIterator[Client]:
    """A client on the fake Odoo, without retries."""
    async with Client(fake_odoo.url, fake_odoo.api_key, retry=False) as client:
        yield client


def sent(server: ScriptedOdoo) -> tuple[str, Any]:
    """The path and JSON body of the last request the scripted server received."""
    request = server.requests[-1]
    return request.path, request.json()


# -- record methods ------------------------------------------------------------------


async def test_a_record_method_sends_its_keyword_arguments_with_the_ids(
        scripted_odoo: ScriptedOdoo, client: Client) -> None:
    scripted_odoo.queue(json_answer(200, 42))
    order = client["sale.order"].browse(15)
    assert await order.message_post(body="Shipped", message_type="comment") == 42
    assert sent(scripted_odoo) == ("/json/2/sale.order/message_post",
                                   {"ids": [15], "body": "Shipped",
                                    "message_type": "comment"})


# -- identity and set operations -----------------------------------------------------


def test_distinct_recordsets_hash_apart_and_equal_ones_alike(client: Client) -> None:
    Partner = client["res.partner"]
    singles = [Partner.browse(i) for i in range(1, 201)]
    # a dict keyed by recordsets stays a hash table, not one chain of collisions
    assert len({hash(r) for r in singles}) == len(singles)
    assert hash(Partner.browse(1)) != hash(client["res.country"].browse(1))
    assert hash(Partner.browse([1, 3])) == hash(Partner.browse([3, 1]))


async def test_a_write_through_a_union_of_one_fetchs_records_leaves_no_stale_value(
        odoo: Client) -> None:
    partners = await odoo["res.partner"].browse([9, 10]).fetch("name")
    both = partners[0] | partners[1]
    await both.write({"name": "Renamed"})
    with pytest.raises(FieldNotLoadedError):
        _ = partners[0].name  # not "Acme Corporation": the record changed
    assert (await partners.refresh()).mapped("name") == ["Renamed", "Renamed"]


async def test_a_write_through_a_union_of_two_fetches_leaves_no_stale_value(
        odoo: Client) -> None:
    first = await odoo["res.partner"].browse([9]).fetch("name")
    second = await odoo["res.partner"].browse([10]).fetch("name")
    await (first | second).write({"name": "Renamed"})
    for side in (first, second):
        with pytest.raises(FieldNotLoadedError):
            _ = side.name  # not the name each side read before the write
    assert (await (first | second).refresh()).mapped("name") == ["Renamed", "Renamed"]


async def test_a_union_of_two_fetches_reads_through_to_its_contexts_cache(
        odoo: Client) -> None:
    first = await odoo["res.partner"].browse([9]).fetch("name")
    second = await odoo["res.partner"].browse([10]).fetch("name")
    both = first | second
    emails = await odoo["res.partner"].browse([9, 10]).fetch("email")  # another fetch
    assert [record.email for record in both] == [record.email for record in emails]


async def test_a_union_with_an_empty_recordset_reads_as_the_other_side(
        odoo: Client) -> None:
    names = await odoo["res.partner"].browse([9]).fetch("name")
    emails = await odoo["res.partner"].browse([9]).fetch("email")
    odoo["res.partner"].invalidate([9])  # the shared cache forgets record 9
    union = names | (emails - emails)  # nothing of the empty side's snapshot comes along
    assert union.name == names.name
    for records in (names, union):
        with pytest.raises(FieldNotLoadedError):
            _ = records.email


async def test_a_write_through_one_record_of_a_context_view_leaves_no_stale_value(
        odoo: Client) -> None:
    partners = await odoo["res.partner"].browse([9, 10]).fetch("name")
    untouched = partners[1].name
    view = partners.with_context(lang="en_US")
    await view[0].write({"name": "Renamed"})
    with pytest.raises(FieldNotLoadedError):
        _ = partners[0].name  # the view's record is the snapshot's record
    assert partners[1].name == untouched  # the record not written keeps its value


# -- fields ----------------------------------------------------------------------------


def test_a_python_protocol_probe_is_a_plain_attribute_error(client: Client) -> None:
    partner = client["res.partner"].browse(9)
    with pytest.raises(AttributeError, match=r"^__html__$") as raised:
        _ = partner.__html__
    assert not isinstance(raised.value, OdooError)  # not "private methods cannot be called"
    assert getattr(partner, "__json__", None) is None


# -- sorted, filtered ------------------------------------------------------------------


def test_sorted_by_a_function_in_reverse(client: Client) -> None:
    records = client["res.partner"].browse([3, 1, 2])
    assert records.sorted(lambda r: r.id, reverse=True).ids == [3, 2, 1]
    assert records.sorted(lambda r: r.id).ids == [1, 2, 3]


async def test_sorted_by_a_field_puts_empty_values_last(fake_odoo: FakeOdoo,
                                                        odoo: Client) -> None:
    [belgium] = fake_odoo.env().search("res.country", [("code", "=", "BE")])
    made = await odoo["res.partner"].create([
        {"name": "No mail, nowhere"},
        {"name": "Mail, Belgium", "email": "b@example.com", "country_id": belgium},
        {"name": "Mail, nowhere", "email": "a@example.com"}])
    await made.fetch("email", "country_id.name")
    nothing, belgian, mailed = made.ids
    assert made.sorted("email").ids == [mailed, belgian, nothing]
    assert made.sorted("email", reverse=True).ids == [nothing, belgian, mailed]
    # a related field through an empty relation is an empty value too
    assert made.sorted("country_id.name").ids == [belgian, nothing, mailed]


async def test_filtered_by_a_field_name_takes_an_empty_string_as_unset(odoo: Client
                                                                       ) -> None:
    made = await odoo["res.partner"].create([{"name": "Blank", "ref": ""},
                                              {"name": "Set", "ref": "R1"},
                                              {"name": "Unset"}])
    await made.fetch("ref")
    assert made.mapped("ref") == ["", "R1", None]
    assert made.filtered("ref").ids == [made.ids[1]]


# -- refresh -----------------------------------------------------------------------------


async def test_refresh_of_records_never_fetched_through_them_reads_their_known_fields(
        fake_odoo: FakeOdoo, odoo: Client) -> None:
    Partner = odoo["res.partner"]
    await Partner.browse(9).fetch("name", "phone")
    fake_odoo.env().write("res.partner", [9], {"name": "Changed on the server",
                                               "phone": "+32 2 000"})
    again = Partner.browse(9)
    assert await again.refresh() is again
    assert (again.name, again.phone) == ("Changed on the server", "+32 2 000")


async def test_refresh_forgets_only_its_own_records_in_the_shared_cache(odoo: Client
                                                                        ) -> None:
    Partner = odoo["res.partner"]
    await Partner.browse(10).fetch("name")
    nine = await Partner.browse(9).fetch("name")
    await nine.refresh()
    assert Partner.browse(10).name == "Gemini Furniture"  # still cached, no I/O


# -- read, write, unlink, copy ---------------------------------------------------------


async def test_read_returns_only_the_fields_asked(odoo: Client) -> None:
    assert await odoo["res.partner"].browse([9]).read(["name"]) == [
        {"id": 9, "name": "Acme Corporation"}]


async def test_write_and_unlink_return_true(odoo: Client) -> None:
    made = await odoo["res.partner"].create([{"name": "A"}, {"name": "B"}])
    assert await made.write({"comment": "imported"}) is True
    assert await made.unlink() is True
    assert not await made.exists()
    nothing = odoo["res.partner"].browse([])
    assert await nothing.write({"comment": "x"}) is True  # nothing sent, still True
    assert await nothing.unlink() is True


async def test_an_unlink_through_a_context_view_reports_the_records_missing(
        odoo: Client) -> None:
    made = await odoo["res.partner"].create({"name": "Short-lived"})
    await made.fetch("name")
    await made.with_context(tracking_disable=True).unlink()
    with pytest.raises(MissingError, match=rf"deleted: res\.partner\({made.id},\)"):
        _ = made.name


async def test_copy_names_default_in_a_value_it_cannot_send(
        scripted_odoo: ScriptedOdoo, client: Client) -> None:
    with pytest.raises(TypeError, match=r"^default\['name'\]: object values cannot be sent"):
        await client["res.partner"].browse(9).copy({"name": object()})
    assert scripted_odoo.requests == []  # refused before sending


async def test_copy_answered_with_a_bare_id_gives_the_copy(
        scripted_odoo: ScriptedOdoo, client: Client) -> None:
    scripted_odoo.queue(json_answer(200, 77))  # Odoo 16 and earlier: copy returns an id
    copy = await client["res.partner"].browse(9).copy({"name": "Twin"})
    assert copy.ids == [77]
    assert copy._name == "res.partner"
    assert sent(scripted_odoo) == ("/json/2/res.partner/copy",
                                   {"ids": [9], "default": {"name": "Twin"}})


# -- exists ----------------------------------------------------------------------------


async def test_exists_sends_one_search_by_id_including_archived_records(
        scripted_odoo: ScriptedOdoo, client: Client) -> None:
    scripted_odoo.queue(json_answer(200, [10]))
    alive = await client["res.partner"].browse([9, 10]).exists()
    assert alive.ids == [10]
    assert len(scripted_odoo.requests) == 1
    assert sent(scripted_odoo) == ("/json/2/res.partner/search",
                                   {"domain": [["id", "in", [9, 10]]],
                                    "context": {"active_test": False}})


async def test_exists_keeps_archived_records(fake_odoo: FakeOdoo, odoo: Client) -> None:
    made = await odoo["res.partner"].create([{"name": "Archived"}, {"name": "Active"}])
    fake_odoo.env().write("res.partner", [made.ids[0]], {"active": False})
    assert (await made.exists()) == made


async def test_exists_marks_only_the_gone_records_missing(fake_odoo: FakeOdoo,
                                                          odoo: Client) -> None:
    Partner = odoo["res.partner"]
    made = await Partner.create([{"name": "Kept"}, {"name": "Gone"}])
    await made.fetch("name")
    kept, gone = made.ids
    fake_odoo.env().unlink("res.partner", [gone])
    assert (await made.exists()).ids == [kept]
    assert Partner.browse(kept).name == "Kept"  # still cached
    with pytest.raises(MissingError, match=rf"res\.partner\({gone},\)"):
        _ = Partner.browse(gone).name


# -- to_dict -----------------------------------------------------------------------------


async def test_to_dict_with_relations_as_ids(odoo: Client) -> None:
    partner = await odoo["res.partner"].browse(9).fetch("name", "country_id")
    country = partner.country_id
    assert isinstance(country, Recordset)
    assert len(country) == 1
    assert partner.to_dict("name", "country_id", relations="ids") == {
        "id": 9, "name": "Acme Corporation", "country_id": country.id}
