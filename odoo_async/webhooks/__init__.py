"""Webhooks both ways: send to Odoo's incoming webhooks, receive its outgoing ones.

The receiver's default store needs aiosqlite (``pip install 'odoo-async[webhooks]'``).
"""

from odoo_async.webhooks.errors import WebhookError, WebhookNotFoundError, WebhookRuleError
from odoo_async.webhooks.events import WebhookEvent
from odoo_async.webhooks.receiver import Handler, TokenlessAccessLogger, WebhookReceiver
from odoo_async.webhooks.sender import IncomingWebhook
from odoo_async.webhooks.store import DeadLetter, EventStore, SQLiteEventStore

__all__ = [
    "DeadLetter",
    "EventStore",
    "Handler",
    "IncomingWebhook",
    "SQLiteEventStore",
    "TokenlessAccessLogger",
    "WebhookError",
    "WebhookEvent",
    "WebhookNotFoundError",
    "WebhookReceiver",
    "WebhookRuleError",
]
