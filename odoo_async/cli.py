"""The ``odoo-async`` command: ``stubs`` (typing stubs of models) and ``webhook listen``
(serve a webhook receiver).

::

    odoo-async stubs res.partner sale.order -o odoo_models.pyi   # ODOO_URL, ODOO_API_KEY...
    odoo-async stubs res.partner --fake                          # the embedded fake server
    odoo-async webhook listen --app myproject.hooks:receiver --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from odoo_async.client import Client
from odoo_async.stubs import generate_stubs
from odoo_async.webhooks.__main__ import add_listen_arguments, listen

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="odoo-async")
    commands = parser.add_subparsers(dest="command", required=True)
    stubs = commands.add_parser("stubs", help="write typing stubs (TypedDicts) of models")
    stubs.add_argument("models", nargs="+", help="model names, e.g. res.partner")
    stubs.add_argument("-o", "--output", help="a file to write (default: standard output)")
    stubs.add_argument("--url", default=os.environ.get("ODOO_URL"))
    stubs.add_argument("--database", default=os.environ.get("ODOO_DB"))
    stubs.add_argument("--key-file", default=os.environ.get("ODOO_KEY_FILE"),
                       help="a file holding the API key (or set ODOO_API_KEY)")
    stubs.add_argument("--protocol", default="json2",
                       choices=["json2", "jsonrpc", "xmlrpc", "auto"])
    stubs.add_argument("--login", default=os.environ.get("ODOO_LOGIN"))
    stubs.add_argument("--fake", action="store_true",
                       help="read the models of the embedded fake Odoo server")
    webhook = commands.add_parser("webhook", help="webhook receiver")
    webhook_commands = webhook.add_subparsers(dest="webhook_command", required=True)
    add_listen_arguments(webhook_commands.add_parser("listen",
                                                     help="serve a WebhookReceiver"))
    return parser


def _key(args: argparse.Namespace) -> str:
    key = os.environ.get("ODOO_API_KEY")
    if key:
        return key
    if args.key_file:
        return Path(args.key_file).read_text().strip()
    raise SystemExit("set ODOO_API_KEY or ODOO_KEY_FILE (or pass --key-file), or use --fake")


async def _stubs(args: argparse.Namespace) -> str:
    if args.fake:
        from odoo_async.testing import FakeOdoo

        async with FakeOdoo() as fake, Client(fake.url, fake.api_key) as odoo:
            return await generate_stubs(odoo, args.models)
    if not args.url:
        raise SystemExit("set ODOO_URL (or pass --url), or use --fake")
    async with Client(args.url, _key(args), args.database, protocol=args.protocol,
                      login=args.login) as odoo:
        return await generate_stubs(odoo, args.models)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line."""
    args = build_parser().parse_args(argv)
    if args.command == "stubs":
        text = asyncio.run(_stubs(args))
        if args.output:
            Path(args.output).write_text(text)
        else:
            sys.stdout.write(text)
        return
    listen(args)


if __name__ == "__main__":
    main()
