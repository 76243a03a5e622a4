"""``python -m odoo_async.testing serve [--host H] [--port P]``: run the fake Odoo server.

Prints the URL, the database and the API keys, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from odoo_async.testing.fake import FakeOdoo


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="python -m odoo_async.testing",
                                     description="Run a fake Odoo 19 server for tests.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the fake Odoo server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8069, help="port (0: a free one)")
    serve.add_argument("--database", default="odoo19", help="database name")
    serve.add_argument("--no-demo", action="store_true", help="start with no demo records")
    serve.add_argument("--latency", type=float, default=0.0,
                       help="seconds each call takes to answer")
    return parser


async def serve(args: argparse.Namespace, *, ready: asyncio.Event | None = None,
                stop: asyncio.Event | None = None) -> None:
    """Run the server until ``stop`` is set (or forever)."""
    async with FakeOdoo(host=args.host, port=args.port, database=args.database,
                        demo=not args.no_demo, latency=args.latency) as fake:
        print(f"Fake Odoo 19 at {fake.url}  (database {fake.database})", flush=True)
        print(f"admin API key: {fake.api_key}", flush=True)
        print(f"bot API key:   {fake.bot_api_key}", flush=True)
        if ready is not None:
            ready.set()
        await (stop or asyncio.Event()).wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
