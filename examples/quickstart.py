"""Quickstart: call Odoo's JSON-2 API and handle its errors.

Run it as it is and it starts a small local server that answers like Odoo 19 (the
answers are recorded from a real server); set ODOO_URL, ODOO_API_KEY and, when the
server hosts several databases, ODOO_DB to run it against your own Odoo 19 instead.

    python examples/quickstart.py
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from odoo_async import Client, errors

PARTNERS = [
    {"id": 9, "name": "Acme Corporation", "is_company": True},
    {"id": 15, "name": "Azure Interior", "is_company": True},
    {"id": 10, "name": "Gemini Furniture", "is_company": True},
]
DEMO_KEY = "demo-key-0000000000000000000000000000000"


def _odoo_error(status: int, name: str, message: str) -> web.Response:
    body = {"name": name, "message": message, "arguments": [message], "context": {},
            "debug": "Traceback (most recent call last): ..."}
    return web.json_response(body, status=status)


async def _json2(request: web.Request) -> web.Response:
    """Answers three calls the way Odoo 19 does; everything else as an unknown method."""
    if request.headers.get("Authorization", "").lower() != f"bearer {DEMO_KEY}":
        return _odoo_error(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey")
    model, method = request.match_info["model"], request.match_info["method"]
    args = json.loads(await request.read() or b"{}")
    if (model, method) == ("res.users", "context_get"):
        return web.json_response({"lang": "en_US", "tz": "Europe/Brussels", "uid": 2})
    if (model, method) == ("res.partner", "search_read"):
        rows = [{"id": p["id"], **{f: p[f] for f in args.get("fields", ["name"])}}
                for p in PARTNERS]
        return web.json_response(rows[: args.get("limit") or None])
    if (model, method) == ("res.partner", "write"):
        return _odoo_error(404, "odoo.exceptions.MissingError",
                           "Record does not exist or has been deleted.")
    return _odoo_error(404, "werkzeug.exceptions.NotFound",
                       f"The method '{model}.{method}' does not exist")


@asynccontextmanager
async def local_odoo() -> AsyncIterator[str]:
    """A local server on a free port, answering like Odoo 19."""
    app = web.Application()
    app.router.add_post("/json/2/{model}/{method}", _json2)
    app.router.add_get("/web/version", lambda _: web.json_response(
        {"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def run(url: str, api_key: str, database: str | None) -> None:
    async with Client(url, api_key=api_key, database=database) as odoo:
        print("server:", (await odoo.version())["version"])
        print("I am user", (await odoo.whoami())["uid"])
        companies = await odoo.call(
            "res.partner", "search_read",
            domain=[["is_company", "=", True]], fields=["name"], limit=3,
        )
        for company in companies:
            print(f"  #{company['id']}: {company['name']}")
        try:
            await odoo.call("res.partner", "write", ids=[999999], vals={"name": "x"})
        except errors.MissingError as exc:
            print("as expected:", type(exc).__name__, "-", exc.message)


async def main() -> None:
    if os.environ.get("ODOO_URL"):
        await run(os.environ["ODOO_URL"], os.environ["ODOO_API_KEY"], os.environ.get("ODOO_DB"))
        return
    async with local_odoo() as url:
        await run(url, DEMO_KEY, None)


if __name__ == "__main__":
    asyncio.run(main())
