"""Name, email and country name of 1000 partners: one recordset fetch against a naive
per-record loop (what clients without nested reads do), on the fake Odoo server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.harness import report, time_async
from odoo_async import Client, F
from odoo_async.testing import FakeOdoo

PARTNERS = 1000


async def main() -> None:
    async with FakeOdoo(keep_alive=True) as fake, \
            Client(fake.url, fake.api_key, max_in_flight=None) as odoo:
        env = fake.env()
        [belgium] = env.search("res.country", [("code", "=", "BE")])
        env.create("res.partner", [{"name": f"Bench {i:04d}", "email": f"b{i}@example.com",
                                    "country_id": belgium} for i in range(PARTNERS)])
        domain = F.name.eq_like("Bench %")
        Partner = odoo["res.partner"]
        await Partner.search(domain).limit(1).fetch("name", "email", "country_id.name")

        async def recordsets() -> list[tuple[str, str, str]]:
            partners = await Partner.search(domain).fetch("name", "email", "country_id.name")
            return [(p.name, p.email, p.country_id.name) for p in partners]

        async def per_record() -> list[tuple[str, str, str]]:
            rows = []
            for partner_id in await odoo.call("res.partner", "search", domain=domain):
                [row] = await odoo.call("res.partner", "read", ids=[partner_id],
                                        fields=["name", "email", "country_id"])
                [country] = await odoo.call("res.country", "read", ids=[row["country_id"][0]],
                                            fields=["name"])
                rows.append((row["name"], row["email"], country["name"]))
            return rows

        async def round_trips(fn: Callable[[], Awaitable[list[Any]]]) -> int:
            before = sum(fake.faults.received.values())
            assert len(await fn()) == PARTNERS
            return sum(fake.faults.received.values()) - before

        fast_calls, slow_calls = await round_trips(recordsets), await round_trips(per_record)
        fast = await time_async(recordsets, rounds=3)
        slow = await time_async(per_record, rounds=3)
        report(f"name, email, country name of {PARTNERS} partners",
               (f"recordset fetch ({fast_calls} round trip)", fast),
               (f"per-record loop ({slow_calls} round trips)", slow))


if __name__ == "__main__":
    asyncio.run(main())
