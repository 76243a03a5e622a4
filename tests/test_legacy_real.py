"""The legacy protocols against a real Odoo 19 (skipped unless ODOO_URL is set): one
recordset and bulk scenario over JSON-2, JSON-RPC and XML-RPC with identical results, and
the recorded legacy error shapes."""

from __future__ import annotations

from typing import Any

import pytest

from odoo_async import Client, F
from odoo_async.errors import AccessError, AuthenticationError, UserError
from tests.real_server import DATABASE, URL, api_key, bot_key, needs_real_server, unique_prefix

pytestmark = needs_real_server


async def _scenario(odoo: Client, prefix: str) -> dict[str, Any]:
    rows = [{"ref": f"{prefix}{n}", "name": f"Legacy {n}", "email": f"l{n}@example.com"}
            for n in range(5)]
    report = await odoo.bulk.upsert("res.partner", rows, key="ref")
    rows[2]["name"] += "!"
    again = await odoo.bulk.upsert("res.partner", rows, key="ref")
    try:
        found = await odoo["res.partner"].search(F.ref.like(prefix)).order("ref").fetch(
            "name", "ref", "email", "country_id.code")
        created = await odoo.call("res.partner", "create",
                                  vals_list={"name": "One", "ref": f"{prefix}one"})
        count = await odoo["res.partner"].search_count([("ref", "=like", f"{prefix}%")])
        return {"statuses": [str(r.status) for r in report], "unchanged": again.unchanged,
                "rows": [{k: v for k, v in row.items() if k != "id"} for row in
                         found.to_dicts("name", "ref", "email", "country_id.code")],
                "created": isinstance(created, list) and len(created), "count": count}
    finally:
        ids = await odoo.call("res.partner", "search",
                              domain=[("ref", "=like", f"{prefix}%")])
        await odoo.call("res.partner", "unlink", ids=ids)


async def test_one_scenario_over_every_protocol_on_a_real_odoo() -> None:
    assert URL is not None
    results = {}
    for protocol in ("json2", "jsonrpc", "xmlrpc"):
        prefix = unique_prefix()
        async with Client(URL, api_key(), DATABASE, protocol=protocol, login="admin") as odoo:
            result = await _scenario(odoo, prefix)
        results[protocol] = {**result, "rows": [
            {**row, "ref": row["ref"][len(prefix):]} for row in result["rows"]]}
    assert results["jsonrpc"] == results["json2"]
    assert results["xmlrpc"] == results["json2"]


@pytest.mark.parametrize("protocol", ["jsonrpc", "xmlrpc", "auto"])
async def test_legacy_errors_on_a_real_odoo(protocol: str) -> None:
    assert URL is not None
    async with Client(URL, "0" * 40, DATABASE, protocol=protocol, login="admin") as wrong:
        with pytest.raises(AuthenticationError):
            await wrong.call("res.partner", "search_count", domain=[])
    key = bot_key()
    if key is not None:
        async with Client(URL, key, DATABASE, protocol=protocol, login="bot") as bot:
            with pytest.raises(AccessError, match="System Parameter"):
                await bot.call("ir.config_parameter", "search_count", domain=[])
    async with Client(URL, api_key(), DATABASE, protocol=protocol, login="admin") as odoo:
        confirmed = await odoo.call("sale.order", "search", domain=[("state", "=", "sale")],
                                    limit=1)
        with pytest.raises(UserError, match="cancel it"):
            await odoo.call("sale.order", "unlink", ids=confirmed)


async def _outcome(odoo: Client, case: str) -> str:
    """The class of what a failing (or succeeding) call gives, by protocol."""
    calls = {
        "unknown model": lambda: odoo.call("res.partnerx", "search", domain=[]),
        "unknown method": lambda: odoo.call("res.partner", "frobnicate"),
        "missing argument": lambda: odoo.call("res.partner", "write", ids=[3]),
        "ids to a model method": lambda: odoo.call("res.partner", "search", ids=[3],
                                                   domain=[]),
        "deleted record": lambda: odoo.call("res.partner", "write", ids=[99999999],
                                            vals={"name": "x"}),
        "negative limit": lambda: odoo.call("res.partner", "search", domain=[], limit=-5),
        "record method without ids": lambda: odoo.call("res.partner", "action_archive"),
        "a method returning None": lambda: odoo.call("res.partner", "action_unarchive",
                                                     ids=[3]),
    }
    try:
        result = await calls[case]()
    except Exception as error:  # the class is what is compared
        return type(error).__name__
    return f"ok: {result!r}"


@pytest.mark.parametrize("case", ["unknown model", "unknown method", "missing argument",
                                  "ids to a model method", "deleted record", "negative limit",
                                  "record method without ids", "a method returning None"])
async def test_legacy_failures_are_the_json2_ones(case: str) -> None:
    assert URL is not None
    outcomes = {}
    for protocol in ("json2", "jsonrpc", "xmlrpc"):
        async with Client(URL, api_key(), DATABASE, protocol=protocol, login="admin",
                          retry=False) as odoo:
            outcomes[protocol] = await _outcome(odoo, case)
    if case == "deleted record":  # XML-RPC's fault code 2 carries no subclass name...
        assert outcomes["xmlrpc"] == "MissingError"  # ...recognised by Odoo's wording
    assert outcomes["jsonrpc"] == outcomes["json2"], outcomes
    assert outcomes["xmlrpc"] == outcomes["json2"], outcomes


@pytest.mark.parametrize("protocol", ["json2", "jsonrpc", "xmlrpc"])
async def test_an_unknown_database_is_named_so_on_every_protocol(protocol: str) -> None:
    from odoo_async.errors import DatabaseNotFoundError

    assert URL is not None
    async with Client(URL, api_key(), "no_such_db", protocol=protocol, login="admin",
                      retry=False) as odoo:
        with pytest.raises(DatabaseNotFoundError) as missing:
            await odoo.call("res.partner", "search_count", domain=[])
    assert "/var/run" not in str(missing.value)  # no server path in the message
