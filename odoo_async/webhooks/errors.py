"""Errors of the webhook helpers."""

from __future__ import annotations

from odoo_async.errors import ServerError

__all__ = ["WebhookError", "WebhookNotFoundError", "WebhookRuleError"]


class WebhookError(ServerError):
    """Odoo answered an incoming webhook with an error."""


class WebhookNotFoundError(WebhookError):
    """404: no automation rule has this webhook's secret (a wrong or rotated URL, or the
    rule was archived). Nothing ran."""


class WebhookRuleError(WebhookError):
    """500: the automation rule's code raised. Odoo says nothing more (the server log has
    the traceback); its transaction was rolled back."""
