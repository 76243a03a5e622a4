"""``python -m odoo_async.webhooks listen --app myproject.hooks:receiver``: serve a
:class:`WebhookReceiver` defined in your code (its handlers registered with ``on``)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from aiohttp import web

from odoo_async.webhooks.receiver import TokenlessAccessLogger, WebhookReceiver

__all__ = ["add_listen_arguments", "build_parser", "listen", "main"]


def add_listen_arguments(listen: argparse.ArgumentParser) -> None:
    """The arguments of ``listen`` (also ``odoo-async webhook listen``)."""
    listen.add_argument("--app", required=True,
                        help="module:attribute of your WebhookReceiver")
    listen.add_argument("--host", default="127.0.0.1")
    listen.add_argument("--port", type=int, default=8765)
    listen.add_argument("--path", default="/odoo-hook",
                        help="the URL path Odoo posts to (default /odoo-hook)")


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m odoo_async.webhooks",
                                     description="Serve a webhook receiver for Odoo.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_listen_arguments(commands.add_parser("listen", help="serve a WebhookReceiver"))
    return parser


def load_receiver(spec: str) -> WebhookReceiver:
    """The receiver ``module:attribute`` names.

    Raises:
        SystemExit: a malformed spec, or something that is not a WebhookReceiver.
    """
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise SystemExit(f"--app expects module:attribute, got {spec!r}")
    found = getattr(importlib.import_module(module_name), attribute, None)
    if not isinstance(found, WebhookReceiver):
        raise SystemExit(f"{spec} is not a WebhookReceiver")
    return found


def listen(args: argparse.Namespace) -> None:
    """Serve the receiver ``args.app`` names until interrupted.

    Raises:
        SystemExit: ``args.app`` does not name a WebhookReceiver.
    """
    sys.path.insert(0, ".")
    receiver = load_receiver(args.app)
    web.run_app(receiver.app(args.path), host=args.host, port=args.port,
                access_log_class=TokenlessAccessLogger)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line."""
    listen(build_parser().parse_args(argv))


if __name__ == "__main__":
    main()
