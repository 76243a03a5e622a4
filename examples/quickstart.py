"""Quickstart: call Odoo's JSON-2 API and handle its errors.

Run as it is, it starts the embedded fake Odoo 19 server (demo data, no configuration);
set ODOO_URL, ODOO_API_KEY and, when the server hosts several databases, ODOO_DB to run
it against your own Odoo 19 instead.

    python examples/quickstart.py
"""

from __future__ import annotations

import asyncio
import os

from odoo_async import Client, F, errors
from odoo_async.testing import FakeOdoo


async def run(url: str, api_key: str, database: str | None) -> None:
    async with Client(url, api_key=api_key, database=database) as odoo:
        print("server:", (await odoo.version())["version"])
        print("I am user", (await odoo.whoami())["uid"])
        companies = await odoo.call(
            "res.partner", "search_read",
            domain=(F.is_company == True) & F.country_id.code.in_(["US", "BE"]),  # noqa: E712
            fields=["name", "country_id"], order="name", limit=5,
        )
        for company in companies:
            print(f"  #{company['id']}: {company['name']} ({company['country_id'][1]})")
        try:
            await odoo.call("res.partner", "write", ids=[999999], vals={"name": "x"})
        except errors.MissingError as exc:
            print("as expected:", type(exc).__name__, "-", exc.message.splitlines()[0])


async def main() -> None:
    if os.environ.get("ODOO_URL"):
        await run(os.environ["ODOO_URL"], os.environ["ODOO_API_KEY"], os.environ.get("ODOO_DB"))
        return
    async with FakeOdoo() as fake:
        await run(fake.url, fake.api_key, fake.database)


if __name__ == "__main__":
    asyncio.run(main())
