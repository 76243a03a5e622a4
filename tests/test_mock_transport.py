"""The in-memory transport users write unit tests with (README, "Testing")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from odoo_async import Client, errors
from odoo_async.testing import MockCall, MockTransport


async def count_customers(odoo: Client) -> int:
    result: int = await odoo.call("res.partner", "search_count",
                                  domain=[["customer_rank", ">", 0]])
    return result


async def test_the_readme_example() -> None:
    def odoo_answers(call: MockCall) -> object:
        assert (call.model, call.method) == ("res.partner", "search_count")
        if call.params["domain"] == [["customer_rank", ">", 0]]:
            return 42
        raise errors.AccessError("not for you", status=403)

    transport = MockTransport(odoo_answers)
    async with Client("https://odoo.test", "k" * 40, transport=transport) as odoo:
        assert await count_customers(odoo) == 42
    assert len(transport.calls) == 1


async def test_calls_arrive_as_the_server_would_see_them() -> None:
    seen: list[MockCall] = []

    async def answer(call: MockCall) -> Any:  # async handlers are awaited
        seen.append(call)
        if call.method == "write":
            raise errors.ValidationError("bad", status=422,
                                         name="odoo.exceptions.ValidationError")
        return [{"id": 7, "name": "x"}]

    async with Client("https://odoo.test", "k" * 40, context={"lang": "fr_FR"},
                      transport=MockTransport(answer)) as odoo:
        rows = await odoo.call("res.partner", "read", ids=(7,), fields=("name",),
                               day=dt.date(2026, 1, 2))
        with pytest.raises(errors.ValidationError, match="bad"):
            await odoo.call("res.partner", "write", ids=[7], vals={"name": "y"})
        assert await odoo.version() == {"version_info": [19, 0, 0, "final", 0, ""],
                                        "version": "19.0"}
    assert rows == [{"id": 7, "name": "x"}]
    assert seen[0].payload == {"ids": [7], "fields": ["name"], "day": "2026-01-02",
                               "context": {"lang": "fr_FR"}}
    assert seen[0].ids == [7]
    assert seen[0].params == {"fields": ["name"], "day": "2026-01-02"}
    with pytest.raises(errors.ClientClosedError):
        await odoo.call("res.partner", "read", ids=[7])
