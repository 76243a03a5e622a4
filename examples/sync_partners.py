"""A nightly sync: push a shop's customers into Odoo by their reference, then export
every company with its country, page by page.

Runs against the embedded fake Odoo 19 server (or your own: set ODOO_URL, ODOO_API_KEY,
ODOO_DB; it then creates partners with refs starting with SHOP-).

    python examples/sync_partners.py
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

from odoo_async import Client, F
from odoo_async.bulk import Progress


async def shop_customers(count: int, *, renamed: int = -1) -> AsyncIterator[dict[str, Any]]:
    """The shop's side: an async generator, as a paginated REST API or a DB cursor is."""
    for i in range(count):
        yield {
            "ref": f"SHOP-{i:05d}",
            "name": f"Customer {i}" + (" (renamed)" if i == renamed else ""),
            "email": f"customer{i}@shop.example.com",
            "country_id": 20,
            "comment": "Imported from the shop",
        }
    yield {"ref": "SHOP-BAD", "name": False}  # Odoo refuses a partner without a name


def show(progress: Progress) -> None:
    if progress.total is None and progress.done % 1000 == 0:
        print(f"  ... {progress.done} rows, {progress.rows_per_second:.0f} rows/s")


async def run(odoo: Client) -> None:
    print("first sync:")
    report = await odoo.bulk.upsert("res.partner", shop_customers(2500), key="ref",
                                    on_progress=show)
    print(f"  {report}")
    for failure in report.failures():
        print(f"  row {failure.index} ({failure.key}): {failure.error}")

    print("second sync, one customer renamed:")
    again = await odoo.bulk.upsert("res.partner", shop_customers(2500, renamed=7), key="ref")
    print(f"  {again}")
    print(f"  {again[7].key} changed {', '.join(again[7].changes)}; "
          f"{again.unchanged} rows cost no write")

    print("export of the shop's customers, keyset pages of 1000:")
    exported = 0
    async for page in odoo.bulk.stream("res.partner", F.ref.like("SHOP-"),
                                       fields=["name", "email", "country_id.code"],
                                       page_size=1000):
        exported += len(page)
        print(f"  page of {len(page)}: first {page[0]['name']} "
              f"[{page[0]['country_id']['code']}]")
    print(f"  {exported} exported; the record cache still holds "
          f"{len(odoo.env.state.cache)} records")

    cleanup = await odoo.bulk.unlink("res.partner", report.ids())
    print(f"cleanup: {cleanup}")


async def main() -> None:
    if os.environ.get("ODOO_URL"):
        async with Client(os.environ["ODOO_URL"], os.environ["ODOO_API_KEY"],
                          os.environ.get("ODOO_DB")) as odoo:
            await run(odoo)
        return
    from odoo_async.testing import FakeOdoo

    async with FakeOdoo() as fake, Client(fake.url, fake.api_key) as odoo:
        await run(odoo)


if __name__ == "__main__":
    asyncio.run(main())
