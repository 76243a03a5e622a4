"""Exact contracts of ``Client``'s construction and payloads.

Pinned here: the messages that refuse an unknown protocol, a legacy protocol without a
login and a blank or non-string login; which plain-http hosts count as local (no
clear-text warning); the call context converted like a parameter (its label in errors,
the client's ``naive_datetimes_are_utc``); ``Client.register_extension`` building
``client.<name>`` with the registered factory; ``retry=False`` with extra idempotent
methods; the closed client's message; the event-loop check on any transport;
``check_calls`` making only documented read-only calls repeatable, never over an explicit
``idempotent=False``; the timeout type message; the User-Agent length bound; the record
cache's default bound; the clear-text warning (the caller's line, and the log);
``with_api_key`` (a twin with the same settings, on the built-in transports only); the
default breaker on the client's clock; a new client not closed; and the base URL's
refusals.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import warnings
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from odoo_async import Client, RetryPolicy, Timeout, errors
from odoo_async.resilience import BreakerState, ManualClock
from odoo_async.testing import FakeOdoo, MockTransport, ResetAfterExecute
from tests.conftest import API_KEY
from tests.support.scripted import ScriptedOdoo

URL = "https://odoo.example.com"

# -- protocol and login ------------------------------------------------------------------


def test_an_unknown_protocol_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"^protocol must be one of ") as refused:
        Client(URL, API_KEY, protocol="soap")
    assert str(refused.value) == "protocol must be one of json2, jsonrpc, xmlrpc, auto, got 'soap'"


@pytest.mark.parametrize("protocol", ["jsonrpc", "xmlrpc"])
def test_a_legacy_protocol_without_a_login_is_refused_when_the_client_is_made(
        protocol: str) -> None:
    with pytest.raises(ValueError, match=rf"^protocol='{protocol}' authenticates with the login"):
        Client(URL, API_KEY, protocol=protocol)


@pytest.mark.parametrize("login", ["   ", "\t", 42])
@pytest.mark.parametrize("protocol", ["jsonrpc", "auto"])
def test_a_blank_or_non_string_login_is_refused(protocol: str, login: Any) -> None:
    with pytest.raises(ValueError, match=r"^login must be") as refused:
        Client(URL, API_KEY, protocol=protocol, login=login)
    assert str(refused.value) == f"login must be a non-empty str, got {login!r}"


# -- plain http --------------------------------------------------------------------------


@pytest.fixture
def no_warning() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("url", ["http://localhost:8069", "http://odoo.localhost:8069",
                                 "http://ODOO.LocalHost", "http://127.0.0.2:8069",
                                 "http://[::1]:8069"])
@pytest.mark.usefixtures("no_warning")
def test_plain_http_to_a_local_host_is_not_warned_about(url: str) -> None:
    Client(url, API_KEY)


@pytest.mark.parametrize("url", ["http://odoo.example.com", "http://localhost.example.com",
                                 "http://mylocalhost", "http://10.0.0.1"])
def test_plain_http_to_another_host_is_warned_about(url: str) -> None:
    with pytest.warns(UserWarning, match="is reached over plain http://"):
        Client(url, API_KEY)


# -- the call context --------------------------------------------------------------------


async def test_an_unsendable_context_value_is_named_as_the_context(
        scripted_odoo: ScriptedOdoo, client: Client) -> None:
    with pytest.raises(TypeError, match=r"^context\['tag'\]: object values cannot"):
        await client.call("res.partner", "search", context={"tag": object()})
    with pytest.raises(ValueError, match=r"naive datetime .* in context\['since'\]"):
        await client.call("res.partner", "search", context={"since": dt.datetime(2026, 1, 2)})
    assert scripted_odoo.requests == []


async def test_a_naive_datetime_in_the_call_context_follows_the_clients_setting(
        scripted_odoo: ScriptedOdoo) -> None:
    async with Client(scripted_odoo.url, API_KEY, naive_datetimes_are_utc=True,
                      retry=False) as odoo:
        await odoo.call("res.partner", "search", context={"since": dt.datetime(2026, 1, 2, 3, 4)})
    assert scripted_odoo.requests[0].json()["context"]["since"] == "2026-01-02 03:04:00"


# -- extensions --------------------------------------------------------------------------


def test_a_registered_extension_builds_the_clients_attribute_on_first_use(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Client, "_extensions", {})  # restored after the test
    built: list[Client] = []

    def factory(client: Client) -> str:
        built.append(client)
        return "the recordset layer"

    Client.register_extension("env", factory)
    client = Client(URL, API_KEY)
    first: object = client.env
    again: object = client.env
    assert first == again == "the recordset layer"
    assert built == [client]  # built once, then kept


def test_retry_off_with_extra_idempotent_methods_is_accepted_and_stays_off() -> None:
    client = Client(URL, API_KEY, retry=False, idempotent_methods=["partner_score"])
    assert client.retry_policy == attrs.evolve(RetryPolicy.disabled(),
                                               idempotent_methods=frozenset({"partner_score"}))
    assert client.retry_policy.max_attempts == 1


# -- closed client, event loops ----------------------------------------------------------


async def test_a_closed_client_says_what_to_do() -> None:
    client = Client(URL, API_KEY, transport=MockTransport(lambda call: []))
    await client.close()
    with pytest.raises(errors.ClientClosedError) as refused:
        await client.call("res.partner", "search")
    assert str(refused.value) == "the client is closed; create a new one"


def test_a_client_on_any_transport_refuses_a_second_event_loop() -> None:
    client = Client(URL, API_KEY, transport=MockTransport(lambda call: [1]))
    first = asyncio.new_event_loop()
    try:
        assert first.run_until_complete(client.call("res.partner", "search")) == [1]
        with pytest.raises(errors.EventLoopError, match="another event loop"):
            asyncio.run(client.call("res.partner", "search"))
    finally:
        first.close()


# -- check_calls and repeating -----------------------------------------------------------


@pytest.mark.parametrize(("method", "params"), [
    ("create", {"vals_list": [{"name": "Once"}]}),  # a write
    ("search_count", {"domain": [], "idempotent": False}),  # read-only, said not to repeat
], ids=["write", "explicit-idempotent-false"])
async def test_check_calls_repeats_neither_a_write_nor_a_call_said_not_idempotent(
        fake_odoo: FakeOdoo, method: str, params: dict[str, Any]) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, check_calls=True,
                      clock=ManualClock(autojump=True)) as odoo:
        await odoo.introspect()
        fake_odoo.faults.queue(ResetAfterExecute(), match=f"res.partner/{method}")
        with pytest.raises(errors.OutcomeUnknownError):
            await odoo.call("res.partner", method, **params)
        assert fake_odoo.executed[f"res.partner/{method}"] == 1


# -- construction: timeout, header values, cache bound, the clear-text warning ----------


def test_a_timeout_of_another_type_is_refused_naming_the_type() -> None:
    with pytest.raises(TypeError) as refused:
        Client(URL, API_KEY, timeout="5")  # type: ignore[arg-type]
    assert str(refused.value) == "timeout must be a Timeout or seconds, not str"


def test_a_user_agent_may_have_512_characters_and_no_more() -> None:
    Client(URL, API_KEY, user_agent="a" * 512)
    with pytest.raises(ValueError, match=r"^user_agent must be 1 to 512 printable ASCII "
                                         r"characters, got 'a{80}'$"):
        Client(URL, API_KEY, user_agent="a" * 513)


def test_the_record_cache_holds_100_000_records_unless_told() -> None:
    assert Client(URL, API_KEY).env.store.max_records == 100_000
    assert Client(URL, API_KEY, cache_max_records=5).env.store.max_records == 5
    assert Client(URL, API_KEY, cache_max_records=None).env.store.max_records is None


def test_the_clear_text_warning_is_logged_too(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.warns(UserWarning, match="plain http://"):
        Client("http://odoo.example.com", API_KEY)
    assert caplog.messages == ["odoo.example.com is reached over plain http://: the API key "
                               "travels in clear text; use https://"]


def test_the_clear_text_warning_points_at_the_callers_line() -> None:
    if "MUTANT_UNDER_TEST" in os.environ:
        pytest.skip("mutmut calls each function through a frame of its own")
    with pytest.warns(UserWarning, match="plain http://") as warned:
        Client("http://odoo.example.com", API_KEY)
    assert [w.filename for w in warned] == [__file__]


def test_an_unsendable_default_context_value_is_named_as_the_context() -> None:
    with pytest.raises(TypeError, match=r"^context\['tag'\]: object values cannot"):
        Client(URL, API_KEY, context={"tag": object()})


# -- with_api_key -------------------------------------------------------------------------


async def test_with_api_key_gives_a_twin_with_the_same_settings(fake_odoo: FakeOdoo) -> None:
    admin = Client(fake_odoo.url, fake_odoo.api_key, fake_odoo.database, timeout=7,
                   user_agent="sync-job/1")
    async with admin, admin.with_api_key(fake_odoo.bot_api_key) as bot:
        assert (bot.url, bot.database, bot.timeout) == (
            admin.url, fake_odoo.database, Timeout(total=7))
        assert (await bot.whoami())["uid"] != (await admin.whoami())["uid"]


def test_with_api_key_needs_a_built_in_transport() -> None:
    client = Client(URL, API_KEY, transport=MockTransport(lambda call: []))
    with pytest.raises(RuntimeError, match=r"^with_api_key\(\) needs a client on one of"):
        client.with_api_key("k" * 40)


# -- the default breaker, closing, the base URL --------------------------------------------


async def test_the_default_breaker_runs_on_the_clients_clock() -> None:
    def refuse(call: object) -> object:
        raise errors.ConnectError("refused")

    clock = ManualClock()
    client = Client(URL, API_KEY, retry=False, clock=clock, transport=MockTransport(refuse))
    breaker = client.breaker
    assert breaker is not None
    for _ in range(breaker.failure_threshold):
        with pytest.raises(errors.ConnectError):
            await client.call("res.partner", "search")
    states = [breaker.state]
    clock.tick(breaker.recovery_time)
    states.append(breaker.state)
    assert states == [BreakerState.OPEN, BreakerState.HALF_OPEN]


def test_a_new_client_is_not_closed() -> None:
    assert Client(URL, API_KEY).closed is False


def test_a_base_url_that_is_not_http_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match=r"^invalid server URL") as refused:
        Client("ftp://odoo.example.com", API_KEY)
    assert str(refused.value) == ("invalid server URL 'ftp://odoo.example.com': expected "
                                  "http(s)://host[:port][/prefix]")


def test_a_base_url_with_a_user_and_no_password_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^the server URL must not carry credentials"):
        Client("https://user@odoo.example.com", API_KEY)
