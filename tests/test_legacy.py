"""The same API over JSON-RPC and XML-RPC (Odoo 8 to 19) as over JSON-2: one recordset
and bulk scenario with identical results on all three, the legacy error shapes mapped to
the same classes, the key kept out of every error, and protocol="auto"."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from odoo_async import AutoTransport, Client, F, JsonRpcTransport
from odoo_async.errors import (
    AccessError,
    AuthenticationError,
    ConnectError,
    InternalServerError,
    UnknownModelError,
    UserError,
    ValidationError,
)
from odoo_async.testing import FakeOdoo
from tests.support.local import serving
from tests.support.tracebacks import shown

PROTOCOLS = ("json2", "jsonrpc", "xmlrpc")


def _client(fake: FakeOdoo, protocol: str, *, key: str | None = None,
            login: str = "admin", **extra: Any) -> Client:
    return Client(fake.url, key or fake.api_key, fake.database, protocol=protocol,
                  login=login, **extra)


async def _scenario(odoo: Client) -> dict[str, Any]:
    """A sync job and a web handler's reads: what must come out the same everywhere."""
    report = await odoo.bulk.upsert("res.partner", [
        {"ref": f"LEG-{n}", "name": f"Legacy {n}", "country_id": 20} for n in range(5)],
        key="ref")
    again = await odoo.bulk.upsert("res.partner", [
        {"ref": f"LEG-{n}", "name": f"Legacy {n}" + ("!" if n == 2 else ""),
         "country_id": 20} for n in range(5)], key="ref")
    found = await odoo["res.partner"].search(F.ref.like("LEG-")).order("ref").fetch(
        "name", "ref", "country_id.code", "category_id.name")
    tag = await odoo["res.partner.category"].create({"name": "Legacy tag"})
    await found[0].write({"category_id": [(4, tag.id)]})
    await found.refresh()
    created = await odoo.call("res.partner.category", "create", vals_list={"name": "One"})
    count = await odoo["res.partner"].search_count([("ref", "=like", "LEG-%")])
    deleted = await odoo.bulk.unlink("res.partner", report.ids())
    return {"statuses": [str(r.status) for r in report], "again": again.unchanged,
            "rows": found.to_dicts("name", "ref", "country_id.code", "category_id.name"),
            "created": created, "count": count, "deleted": deleted.ok}


async def test_one_scenario_gives_identical_results_over_every_protocol() -> None:
    results = {}
    for protocol in PROTOCOLS:
        async with FakeOdoo() as fake, _client(fake, protocol) as odoo:
            results[protocol] = await _scenario(odoo)
    assert results["jsonrpc"] == results["json2"]
    assert results["xmlrpc"] == results["json2"]
    assert isinstance(results["json2"]["created"], list)  # create with one dict: a list


@pytest.mark.parametrize("protocol", ["jsonrpc", "xmlrpc"])
async def test_legacy_errors_map_to_the_json2_classes(protocol: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeOdoo() as fake:
        async with _client(fake, protocol, key="0" * 40) as wrong:
            with pytest.raises(AuthenticationError) as refused:
                await wrong.call("res.partner", "search_count", domain=[])
            assert "0" * 40 not in shown(refused.value)
        async with _client(fake, protocol, key=fake.bot_api_key, login="bot") as bot:
            with pytest.raises(AccessError, match="System Parameter"):
                await bot.call("ir.config_parameter", "search_count", domain=[])
        async with _client(fake, protocol) as odoo:
            confirmed = await odoo.call("sale.order", "search", domain=[("state", "=", "sale")],
                                        limit=1)
            with pytest.raises(UserError, match="cancel it"):
                await odoo.call("sale.order", "unlink", ids=confirmed)
            with pytest.raises(UserError, match="Contacts require a name") as invalid_vals:
                await odoo.call("res.partner", "create", vals_list=[{"name": False}])
            # XML-RPC's fault code 2 says "user error" for every kind of it
            assert isinstance(invalid_vals.value, ValidationError) is (protocol == "jsonrpc")
            with pytest.raises(UnknownModelError, match=r"no\.such\.model"):
                await odoo.call("no.such.model", "search", domain=[])
            with pytest.raises(InternalServerError, match="Invalid field") as invalid:
                await odoo.call("res.partner", "search", domain=[("nmae", "=", "x")])
            assert invalid.value.name == "builtins.ValueError"  # as JSON-2 names it
            # the context travels, by name, as Odoo's execute_kw expects it
            names = await odoo.call("res.partner", "search_read", domain=[("id", "=", 3)],
                                    fields=["name"], context={"lang": "en_US"})
            assert names[0]["id"] == 3
    assert fake.api_key not in caplog.text


@pytest.mark.parametrize("protocol", ["jsonrpc", "xmlrpc"])
async def test_the_key_stays_out_of_a_failed_legacy_call(protocol: str) -> None:
    key = "f" * 40
    async with Client("http://127.0.0.1:9", key, "odoo19", protocol=protocol,
                      login="admin", retry=False) as odoo:
        with pytest.raises(ConnectError) as refused:
            await odoo.call("res.partner", "search", domain=[])
    assert key not in shown(refused.value)


async def test_legacy_needs_a_login_and_finds_the_only_database() -> None:
    with pytest.raises(ValueError, match="login"):
        Client("https://odoo.test", "k" * 40, protocol="jsonrpc")
    with pytest.raises(ValueError, match="protocol must be one of"):
        Client("https://odoo.test", "k" * 40, protocol="soap")
    async with FakeOdoo() as fake, Client(fake.url, fake.api_key, protocol="xmlrpc",
                                          login="admin") as odoo:
        assert await odoo.call("res.partner", "search_count", domain=[]) > 0
        transport = odoo.transport
        assert await transport.database() == fake.database  # type: ignore[attr-defined]
        assert await transport.uid() == 2  # type: ignore[attr-defined]


async def test_auto_picks_json2_on_odoo_19(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, protocol="auto",
                      login="admin") as odoo:
        assert await odoo.call("res.partner", "search_count", domain=[]) > 0
        transport = odoo.transport
        assert isinstance(transport, AutoTransport)
        assert type(transport.chosen).__name__ == "Json2Transport"


@pytest.fixture
async def odoo17() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A server that answers like Odoo 17: JSON-RPC only, no /json/2."""
    seen: list[dict[str, Any]] = []

    async def jsonrpc(request: web.Request) -> web.Response:
        params = (await request.json())["params"]
        seen.append(params)
        result: Any = None
        if params["method"] == "version":
            result = {"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0,
                                                                         ""]}
        elif params["method"] == "authenticate":
            result = 2
        elif params["method"] == "execute_kw":
            result = [1, 2, 3]
        return web.json_response({"jsonrpc": "2.0", "id": 1, "result": result})

    app = web.Application()
    app.router.add_post("/jsonrpc", jsonrpc)
    async with serving(app) as url:
        yield url, seen


async def test_auto_picks_jsonrpc_before_odoo_19(
        odoo17: tuple[str, list[dict[str, Any]]], caplog: pytest.LogCaptureFixture) -> None:
    url, seen = odoo17
    caplog.set_level(logging.INFO, logger="odoo_async.transport")
    async with Client(url, "k" * 40, "db17", protocol="auto", login="bot") as odoo:
        assert await odoo.call("res.partner", "search", domain=[]) == [1, 2, 3]
        assert await odoo.call("res.partner", "search", domain=[]) == [1, 2, 3]
        assert isinstance(odoo.transport, AutoTransport)
        assert isinstance(odoo.transport.chosen, JsonRpcTransport)
    assert [p["method"] for p in seen] == ["version", "authenticate", "execute_kw",
                                           "execute_kw"]  # asked once, signed in once
    execute = seen[2]["args"]
    assert execute[3:] == ["res.partner", "search", [], {"domain": []}]
    assert "talking JSON-RPC" in caplog.text


async def test_the_fake_reads_creates_values_by_position_as_odoo_does(
        fake_odoo: FakeOdoo) -> None:
    import aiohttp

    body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw", "args": [
            fake_odoo.database, 2, fake_odoo.api_key, "res.partner.category", "create", [],
            {"vals_list": {"name": "by name"}}]}}
    async with aiohttp.ClientSession() as session, session.post(
            fake_odoo.url + "/jsonrpc", json=body) as response:
        answer = await response.json()
    # what a real Odoo 19 answers: call_kw looks at args[0] to shape create's result
    assert answer["error"]["data"]["name"] == "builtins.IndexError"


async def test_a_legacy_create_that_may_have_run_is_not_repeated() -> None:
    from odoo_async.errors import OutcomeUnknownError

    created = 0

    async def jsonrpc(request: web.Request) -> web.Response:
        nonlocal created
        params = (await request.json())["params"]
        if params["method"] == "authenticate":
            return web.json_response({"jsonrpc": "2.0", "id": 1, "result": 2})
        created += 1  # the create ran and committed; the proxy then lost the answer
        return web.Response(status=503, text="Service Unavailable")

    app = web.Application()
    app.router.add_post("/jsonrpc", jsonrpc)
    async with serving(app) as url, Client(url, "k" * 40, "db", protocol="jsonrpc",
                                           login="bot") as odoo:
        with pytest.raises(OutcomeUnknownError):
            await odoo.call("res.partner", "create", vals_list=[{"name": "Once"}])
    assert created == 1


async def test_a_large_xmlrpc_answer_is_parsed_off_the_event_loop(
        fake_odoo: FakeOdoo, monkeypatch: pytest.MonkeyPatch) -> None:
    import anyio.to_thread

    from odoo_async.transport import legacy

    parsed_in_threads: list[object] = []
    real = anyio.to_thread.run_sync

    async def spy(function: Any, *args: Any, **kwargs: Any) -> Any:
        parsed_in_threads.append(function)
        return await real(function, *args, **kwargs)

    monkeypatch.setattr(legacy, "XMLRPC_THREAD_BYTES", 1000)
    monkeypatch.setattr(anyio.to_thread, "run_sync", spy)
    async with _client(fake_odoo, "xmlrpc") as odoo:
        small = await odoo.call("res.partner", "search_count", domain=[])
        rows = await odoo.call("res.partner", "search_read", domain=[], fields=["name"])
    assert small > 0
    assert len(rows) == small
    assert len(parsed_in_threads) == 1  # only the large answer went to a thread


@pytest.mark.parametrize("protocol", ["jsonrpc", "xmlrpc"])
async def test_a_method_returning_none_answers_none(fake_odoo: FakeOdoo, protocol: str) -> None:
    def nothing(call: Any) -> None:
        return None

    fake_odoo.register_method("res.partner", "do_nothing", nothing)
    async with _client(fake_odoo, protocol) as odoo:
        assert await odoo.call("res.partner", "do_nothing", ids=[3]) is None


@pytest.fixture
async def echo_server() -> AsyncIterator[str]:
    """A broken server that puts the whole request it got into its error answers."""
    async def jsonrpc(request: web.Request) -> web.Response:
        body = (await request.read()).decode()
        if '"authenticate"' in body:
            return web.json_response({"jsonrpc": "2.0", "id": 1, "result": 2})
        return web.json_response({"jsonrpc": "2.0", "id": 1, "error": {
            "code": 0, "message": "Odoo Server Error", "data": {
                "name": "builtins.ValueError", "message": f"bad request: {body}",
                "arguments": [body], "context": {}, "debug": body}}})

    async def xmlrpc(request: web.Request) -> web.Response:
        body = (await request.read()).decode()
        if "authenticate" in body:
            import xmlrpc.client as xc
            return web.Response(text=xc.dumps((2,), methodresponse=True),
                                content_type="text/xml")
        import xmlrpc.client as xc
        return web.Response(text=xc.dumps(xc.Fault(1, f"ValueError: {body}"),
                                          methodresponse=True), content_type="text/xml")

    app = web.Application()
    app.router.add_post("/jsonrpc", jsonrpc)
    app.router.add_post("/xmlrpc/2/{service}", xmlrpc)
    async with serving(app) as url:
        yield url


@pytest.mark.parametrize("protocol", ["jsonrpc", "xmlrpc"])
async def test_a_key_echoed_by_the_server_is_redacted(echo_server: str, protocol: str) -> None:
    key = "e" * 40
    async with Client(echo_server, key, "db", protocol=protocol, login="bot",
                      retry=False) as odoo:
        with pytest.raises(InternalServerError) as echoed:
            await odoo.call("res.partner", "search", domain=[])
    assert "***" in str(echoed.value) + echoed.value.debug  # where it was echoed
    assert key not in shown(echoed.value)
    assert key not in repr(echoed.value.arguments) + echoed.value.debug


async def test_xmlrpc_refuses_values_it_cannot_carry_before_sending(
        fake_odoo: FakeOdoo) -> None:
    async with _client(fake_odoo, "xmlrpc") as odoo:
        before = sum(fake_odoo.executed.values())
        with pytest.raises(ValueError, match="cannot be sent over XML-RPC") as refused:
            await odoo.call("res.partner", "search", domain=[("id", "=", 2**40)])
        assert sum(fake_odoo.executed.values()) == before
    assert fake_odoo.api_key not in shown(refused.value)


async def test_concurrent_first_calls_ask_the_databases_once(fake_odoo: FakeOdoo) -> None:
    import asyncio

    async with Client(fake_odoo.url, fake_odoo.api_key, protocol="jsonrpc",
                      login="admin") as odoo:
        transport = odoo.transport
        real = transport._rpc  # type: ignore[attr-defined]
        asked: list[str] = []

        async def spy(service: str, method: str, *args: Any, **kwargs: Any) -> Any:
            asked.append(f"{service}.{method}")
            return await real(service, method, *args, **kwargs)

        transport._rpc = spy  # type: ignore[attr-defined]
        await asyncio.gather(*(odoo.call("res.partner", "search_count", domain=[])
                               for _ in range(20)))
    assert asked.count("db.list") == 1
    assert asked.count("common.authenticate") == 1


async def test_xmlrpc_refuses_control_characters_before_sending(fake_odoo: FakeOdoo) -> None:
    async with _client(fake_odoo, "xmlrpc") as odoo:
        with pytest.raises(ValueError, match="control character"):
            await odoo.call("res.partner", "search", domain=[("name", "=", "a\x01b")])


async def test_a_jsonrpc_call_is_the_envelope_odoo_reads() -> None:
    """What JsonRpcTransport sends, byte for byte in structure: JSON-RPC 2.0, ``call``,
    ``execute_kw`` with the database, uid, key, model, method, positional and keyword
    arguments; JSON headers. (Mutants of the envelope lived: the fake reads it leniently.)"""
    seen: list[tuple[dict[str, str], Any]] = []

    async def jsonrpc(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append((dict(request.headers), body))
        service, method = body["params"]["service"], body["params"]["method"]
        if (service, method) == ("common", "authenticate"):
            return web.json_response({"jsonrpc": "2.0", "id": body["id"], "result": 7})
        return web.json_response({"jsonrpc": "2.0", "id": body["id"], "result": [1]})

    app = web.Application()
    app.router.add_post("/jsonrpc", jsonrpc)
    async with serving(app) as url, Client(url, "k" * 40, "db1", protocol="jsonrpc",
                                           login="bot") as odoo:
        assert await odoo.call("res.partner", "search", domain=[("id", "=", 1)],
                               limit=1) == [1]
    (auth_headers, auth), (headers, call) = seen
    assert auth == {"jsonrpc": "2.0", "method": "call", "id": auth["id"], "params": {
        "service": "common", "method": "authenticate", "args": ["db1", "bot", "k" * 40, {}]}}
    assert call == {"jsonrpc": "2.0", "method": "call", "id": call["id"], "params": {
        "service": "object", "method": "execute_kw",
        "args": ["db1", 7, "k" * 40, "res.partner", "search", [],
                 {"domain": [["id", "=", 1]], "limit": 1}]}}
    for sent in (auth_headers, headers):
        assert sent["Content-Type"] == "application/json"
        assert sent["Accept"] == "application/json"
