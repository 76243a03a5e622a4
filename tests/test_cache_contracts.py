"""Contracts of the record cache (``odoo_async.orm.cache``), as recordsets show them.

- Contexts: each context has its own store; the same context given in another order is
  the same store, and a context holding dates or other non-JSON values works.
- The bound: ``cache_max_records`` counts every entry (values, marks of dropped fields,
  records known deleted); invalidating keeps an entry counted while it holds anything,
  and frees its room once it holds nothing.
- What a refresh reads again: the fields cached for a record plus the fields an
  invalidation dropped and no fetch has read since.
- Invalidation forgets the records and fields named, and only those; a record known
  deleted and invalidated is unknown again, and one found again exists.
- Snapshots (pinned stores): a fetch never copies the shared cache into its snapshot; a
  recordset fetched again keeps what it held under the newly read values; with the cache
  off a deleted record still reads as missing and a write still drops the writer's values.
- Writes made while a fetch is in flight: only the records changed are kept out of the
  shared cache, however many changes came before, and exactly 100,000 changed records are
  remembered.
- Context stores: up to 65 are kept; past that, the empty ones are forgotten.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import weakref
from collections.abc import Awaitable, Callable

import attrs
import pytest
from aiohttp import web

from odoo_async import Client
from odoo_async.errors import FieldNotLoadedError, MissingError
from odoo_async.orm import RecordCache, Recordset
from odoo_async.orm.cache import MISSING
from odoo_async.testing import FakeOdoo
from odoo_async.testing.faults import Execute

P = "res.partner"
ACME, GEMINI = "Acme Corporation", "Gemini Furniture"  # partners 9 and 10 of the fake


@attrs.frozen
class HoldAnswer:
    """A fault that lets the call run, then holds its answer until ``release``."""

    read_done: asyncio.Event
    release: asyncio.Event

    async def apply(self, request: web.Request, execute: Execute) -> web.StreamResponse:
        answer = await execute()  # the read ran
        self.read_done.set()
        await self.release.wait()
        return answer


async def fetch_names_while(fake: FakeOdoo, odoo: Client, ids: list[int],
                            change: Callable[[], Awaitable[object]]) -> Recordset:
    """Fetch the names of partners ``ids`` and run ``change`` while the answer travels."""
    await odoo[P].fields()  # the fetch is then one web_read
    read_done, release = asyncio.Event(), asyncio.Event()
    fake.faults.queue(HoldAnswer(read_done, release), match="web_read")
    fetching = asyncio.create_task(odoo[P].browse(ids).fetch("name"))
    await read_done.wait()
    await change()
    release.set()
    return await fetching


# -- context_key: one store per context ----------------------------------------------------


async def test_a_context_holding_a_date_has_its_own_cached_values(fake_odoo: FakeOdoo
                                                                  ) -> None:
    day = dt.date(2026, 1, 2)
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        fetched = await odoo.with_context(day=day)[P].browse(9).fetch("name")
        assert fetched.name == ACME
        assert odoo.with_context(day=day)[P].browse(9).name == ACME  # shared in that context
        with pytest.raises(FieldNotLoadedError):
            _ = odoo[P].browse(9).name  # and only there


async def test_the_same_context_given_in_another_order_shares_its_values(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo.with_context(lang="en_US", tz="UTC")[P].browse(9).fetch("name")
        assert odoo.with_context(tz="UTC", lang="en_US")[P].browse(9).name == ACME


# -- RecordStore: the bound and what invalidation leaves --------------------------------


def test_invalidating_a_field_never_fetched_keeps_the_record_under_the_bound() -> None:
    cache = RecordCache(max_records=2)
    store = cache.store({})
    store.update(P, 1, {"name": "one"})
    cache.invalidate(P, [1], ["email"])  # a write changed a field this cache never read
    assert len(cache) == 1
    assert store.fields(P, 1) == {"name"}  # kept (read without refreshing its recency)
    store.update(P, 2, {"name": "two"})
    store.update(P, 3, {"name": "three"})
    assert store.get(P, 1, "name") is MISSING  # the least recently used went out
    assert [store.get(P, i, "name") for i in (2, 3)] == ["two", "three"]
    assert len(cache) == 2


def test_marks_left_by_invalidations_stay_within_the_bound() -> None:
    cache = RecordCache(max_records=2)
    store = cache.store({})
    for record_id in range(1, 11):
        store.update(P, record_id, {"name": f"partner {record_id}"})
        cache.invalidate(P, [record_id])  # leaves "name" to read again on a refresh
    assert [i for i in range(1, 11) if store.fields(P, i)] == [9, 10]
    assert len(cache) == 2


def test_a_deleted_record_invalidated_is_unknown_and_takes_no_room() -> None:
    cache = RecordCache(max_records=2)
    store = cache.store({})
    store.update(P, 2, {"name": "two"})
    cache.mark_missing(P, [1])
    cache.invalidate(P, [1])
    assert not store.is_missing(P, 1)
    assert len(cache) == 1
    store.update(P, 3, {"name": "three"})
    assert store.get(P, 2, "name") == "two"  # record 1 left no entry to count


def test_invalidating_fields_forgets_those_and_leaves_them_to_read_again() -> None:
    cache = RecordCache()
    store = cache.store({})
    store.update(P, 9, {"name": ACME, "email": "info@acme.example"})
    cache.invalidate(P, [9], ["email", "phone"])  # phone was never read
    assert store.get(P, 9, "name") == ACME
    assert store.get(P, 9, "email") is MISSING
    assert store.fields(P, 9) == {"name", "email"}  # what a refresh reads again


# -- RecordStore.fields / update: what refresh() reads again --------------------------------


async def test_refreshing_a_browsed_record_reads_again_what_the_cache_holds(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo[P].browse(9).fetch("name")
        await odoo.call(P, "write", ids=[9], vals={"name": "Renamed"})  # unseen by the cache
        refreshed = await odoo[P].browse(9).refresh()
        assert refreshed.name == "Renamed"


async def test_refresh_reads_again_a_dropped_field_that_no_fetch_read_since(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo[P].browse(9).fetch("name", "email")
        odoo[P].invalidate([9])
        await odoo[P].browse(9).fetch("name")  # email is still to read again
        await odoo.call(P, "write", ids=[9], vals={"email": "new@acme.example"})
        refreshed = await odoo[P].browse(9).refresh()
        assert refreshed.email == "new@acme.example"
        assert refreshed.name == ACME


async def test_a_record_found_again_after_being_missing_reads_as_existing(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        everyone = await odoo.call(P, "search", domain=[], context={"active_test": False})
        next_id = max(everyone) + 1
        await odoo[P].browse(next_id).fetch("name")  # not created yet: missing
        created = await odoo.call(P, "create", vals_list=[{"name": "Late Arrival"}])
        assert created == [next_id]  # created since, e.g. by another process
        found = await odoo[P].browse(next_id).fetch("name")
        assert found.name == "Late Arrival"
        with pytest.raises(FieldNotLoadedError):
            _ = odoo[P].browse(next_id).email  # not fetched, and not "deleted"


# -- invalidation through the public API ------------------------------------------------------


async def test_invalidating_a_model_forgets_its_records_only(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partner = await odoo[P].browse(9).fetch("name", "country_id.name")
        country = partner.country_id.id
        odoo[P].invalidate()
        with pytest.raises(FieldNotLoadedError):
            _ = odoo[P].browse(9).name
        assert odoo["res.country"].browse(country).name == "United States"


async def test_invalidating_some_records_forgets_only_those(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo[P].browse([9, 10]).fetch("name")
        await odoo[P].browse(999).fetch("name")  # does not exist
        odoo[P].invalidate([9, 999])
        with pytest.raises(FieldNotLoadedError):
            _ = odoo[P].browse(9).name
        assert odoo[P].browse(10).name == GEMINI
        with pytest.raises(FieldNotLoadedError):
            _ = odoo[P].browse(999).name  # unknown again, not "deleted"


# -- PinnedStore: snapshots -------------------------------------------------------------------


async def test_a_fetch_does_not_copy_the_shared_cache_into_its_snapshot(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo[P].browse(9).fetch("name")  # the shared cache holds the name
        partner = odoo[P].browse(9)
        await partner.fetch("email")  # this fetch did not read the name
        await odoo[P].browse(9).write({"name": "Renamed"})
        with pytest.raises(FieldNotLoadedError):
            _ = partner.name  # not the name from before the write


async def test_a_recordset_fetched_again_keeps_new_values_over_what_it_held(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partner = await odoo[P].browse(9).fetch("name", "email")
        email = partner.email
        await odoo[P].browse(9).write({"name": "Renamed"})  # the shared cache forgets 9
        await partner.fetch("name")
        assert partner.name == "Renamed"  # what the new fetch read ...
        assert partner.email == email  # ... plus what the recordset held


async def test_with_the_cache_off_a_deleted_record_reads_as_missing(fake_odoo: FakeOdoo
                                                                    ) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, cache=False) as odoo:
        gone = await odoo[P].browse(999).fetch("name")
        with pytest.raises(MissingError, match=r"res\.partner\(999,\)"):
            _ = gone.name


async def test_with_the_cache_off_a_write_drops_the_writers_values(fake_odoo: FakeOdoo
                                                                   ) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, cache=False) as odoo:
        partner = await odoo[P].browse(9).fetch("name")
        await partner.write({"name": "Renamed"})
        with pytest.raises(FieldNotLoadedError):
            _ = partner.name  # not the name from before the write
        assert (await partner.refresh()).name == "Renamed"


# -- RecordCache: changes made while a fetch is in flight -------------------------------------


async def test_a_second_write_during_a_fetch_keeps_its_values_out_of_the_shared_cache(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await odoo[P].browse(9).write({"ref": "first change"})
        fetched = await fetch_names_while(
            fake_odoo, odoo, [9], lambda: odoo[P].browse(9).write({"name": "Renamed"}))
        assert fetched.name == ACME  # what that fetch read, as of its read
        with pytest.raises(FieldNotLoadedError):
            _ = odoo[P].browse(9).name  # but the shared cache did not take it


async def test_a_write_on_other_records_during_a_fetch_lets_it_fill_the_shared_cache(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        await fetch_names_while(fake_odoo, odoo, [10],
                                lambda: odoo[P].browse(9).write({"name": "Renamed"}))
        assert odoo[P].browse(10).name == GEMINI


async def test_an_unlink_of_other_records_during_a_fetch_lets_it_fill_the_shared_cache(
        fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        temporary = await odoo[P].create({"name": "Temporary"})
        await fetch_names_while(fake_odoo, odoo, [10], temporary.unlink)
        assert odoo[P].browse(10).name == GEMINI


def test_records_deleted_during_a_fetch_stay_out_of_the_shared_cache() -> None:
    cache = RecordCache()
    in_flight = cache.pin({})  # a fetch sent now
    cache.mark_missing(P, [9])  # an unlink through the library meanwhile
    in_flight.update(P, 9, {"name": ACME})  # its answer, read before the unlink
    assert cache.store({}).get(P, 9, "name") is MISSING
    assert cache.store({}).is_missing(P, 9)
    assert in_flight.get(P, 9, "name") == ACME  # (its own snapshot keeps it)


def test_exactly_100000_changed_records_are_remembered_for_fetches_in_flight() -> None:
    cache = RecordCache()
    in_flight = cache.pin({})  # a fetch sent now
    cache.invalidate(P, range(1, 100_001))  # 100,000 records change meanwhile
    in_flight.update(P, 100_001, {"name": "unchanged"})
    assert cache.store({}).get(P, 100_001, "name") == "unchanged"  # known not changed
    cache.invalidate(P, [100_002])  # one more: the oldest change is forgotten ...
    in_flight.update(P, 100_003, {"name": "unknown"})
    assert cache.store({}).get(P, 100_003, "name") is MISSING  # ... so it cannot tell
    assert in_flight.get(P, 100_003, "name") == "unknown"  # (its own snapshot keeps it)


# -- RecordCache.store: context stores ---------------------------------------------------------


def test_with_the_cache_off_each_store_is_private_and_keeps_the_bound() -> None:
    cache = RecordCache(enabled=False, max_records=2)
    store = cache.store({})
    assert cache.store({}) is not store
    assert store.max_records == 2
    for record_id in (1, 2, 3):
        store.update(P, record_id, {"name": f"partner {record_id}"})
    assert store.get(P, 1, "name") is MISSING
    assert len(store) == 2


def test_empty_context_stores_are_forgotten_past_65_contexts() -> None:
    cache = RecordCache()
    first = weakref.ref(cache.store({"request": 0}))  # stays empty
    cache.store({"lang": "fr_FR"}).mark_missing(P, [999])  # holds a deleted record only
    cache.store({"lang": "nl_NL"}).update(P, 9, {"name": ACME})
    cache.invalidate(P, [9])  # nl_NL holds a mark of a field to read again only
    for n in range(1, 63):
        cache.store({"request": n})
    assert cache.store({"request": 0}) is first()  # 65 contexts: all kept
    cache.store({"request": 63})  # a 66th: the empty ones nothing uses are let go ...
    gc.collect()
    assert first() is None
    assert cache.store({"lang": "fr_FR"}).is_missing(P, 999)  # ... not those holding marks
    assert cache.store({"lang": "nl_NL"}).fields(P, 9) == {"name"}


def test_a_fetch_in_flight_keeps_its_context_store_past_65_contexts() -> None:
    cache = RecordCache()
    north = {"shop": "north"}
    names, emails = cache.pin(north), cache.pin(north)  # two fetches in flight, no answer yet
    for n in range(70):
        cache.store({"request": n})  # other handlers' contexts: the north store is empty
    names.update(P, 9, {"name": ACME})  # the answers arrive
    emails.update(P, 9, {"email": "info@acme.example"})
    assert cache.store(north).get(P, 9, "name") == ACME  # shared with later reads
    cache.invalidate(P, [9])  # a write through the library
    assert emails.get(P, 9, "name") is MISSING  # not the name read before the write
    assert cache.store(north).get(P, 9, "email") is MISSING


# -- RecordCache.forget_records: writes through a recordset ------------------------------------


async def test_a_write_forgets_only_the_records_written(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        partners = await odoo[P].browse([9, 10, 11]).fetch("name")
        third = partners[2].name
        await odoo[P].browse(10).write({"ref": "R-10"})  # another handler's write on 10
        await partners[0].write({"name": "Renamed"})
        with pytest.raises(FieldNotLoadedError):
            _ = partners[0].name
        assert partners[1].name == GEMINI  # the writer's snapshot keeps the others ...
        assert odoo[P].browse(11).name == third  # ... and so does the shared cache


def test_forget_records_is_a_write_unless_told_a_deletion() -> None:
    cache = RecordCache()
    store = cache.store({})
    store.update(P, 9, {"name": ACME})
    cache.forget_records(store, P, [9])
    assert not store.is_missing(P, 9)
    assert store.get(P, 9, "name") is MISSING
    assert store.fields(P, 9) == {"name"}  # to read again
    cache.forget_records(store, P, [9], deleted=True)
    assert store.is_missing(P, 9)
