"""What the client does when the network or the server fails: reads are retried, a
write that may have run is never repeated.

Runs against the embedded fake Odoo server with injected faults.

    python examples/safe_retries.py
"""

from __future__ import annotations

import asyncio
import logging

from odoo_async import Client, OutcomeUnknownError, Timeout
from odoo_async.testing import FakeOdoo, FaultPlan, HangAfterExecute, PoolFull, Status


async def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="  log: %(message)s")
    faults = FaultPlan()
    async with FakeOdoo(faults=faults) as fake, \
            Client(fake.url, fake.api_key, timeout=Timeout(total=1.0)) as odoo:
        # a full database pool, then a proxy's 503: the read is retried until it works
        faults.queue(PoolFull(), Status(503, retry_after="0"), match="search_count")
        count = await odoo.call("res.partner", "search_count", domain=[])
        print(f"search_count after 2 transient failures: {count}")

        # the create runs, but its answer never comes: it is NOT repeated
        faults.queue(HangAfterExecute(), match="create")
        try:
            await odoo.call("res.partner", "create", vals_list=[{"name": "Exactly once"}])
        except OutcomeUnknownError as exc:
            print(f"create: {type(exc).__name__}: {exc.message}")
        created = await odoo.call("res.partner", "search_count",
                                  domain=[("name", "=", "Exactly once")])
        print(f"partners named 'Exactly once' on the server: {created}")
        print(f"client stats: {odoo.stats.retries} retries, "
              f"{odoo.stats.outcome_unknown} outcome unknown")


if __name__ == "__main__":
    asyncio.run(main())
