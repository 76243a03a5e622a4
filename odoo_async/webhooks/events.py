"""What Odoo's outgoing webhooks deliver, as stored and handed to handlers."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import attrs

from odoo_async.values import MAX_ID

__all__ = ["WebhookEvent", "parse_delivery"]

_MODEL = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")


@attrs.frozen
class WebhookEvent:
    """One delivery of a "Send Webhook Notification" server action.

    ``values`` holds the record's fields the action sends (``id`` included), ``action``
    the server action's name (``"Send Webhook Notification(#12)"``), ``received_at`` when
    the receiver stored it (UTC), ``attempts`` how many times handlers ran on it before.
    """

    id: int
    """The receiver's number for this delivery (its row in the store)."""
    model: str
    record_id: int
    action: str
    values: Mapping[str, Any]
    received_at: dt.datetime
    attempts: int = 0


def parse_delivery(body: bytes) -> tuple[dict[str, Any], str]:
    """The JSON object Odoo posted, and its fingerprint (to recognise a redelivery).

    Raises:
        ValueError: not a JSON object with ``_model`` (a model name) and ``_id`` (a
            record id); the message says which.
    """
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ValueError("the body is not JSON") from None
    if not isinstance(parsed, dict):
        raise ValueError("the body is not a JSON object")
    model, record_id = parsed.get("_model"), parsed.get("_id")
    if not isinstance(model, str) or not _MODEL.fullmatch(model):
        raise ValueError("the body has no _model (the model name Odoo sends)")
    if (isinstance(record_id, bool) or not isinstance(record_id, int)
            or not 0 < record_id <= MAX_ID):
        raise ValueError("the body has no _id (the record id Odoo sends)")
    try:
        canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode()
    except (ValueError, UnicodeEncodeError, RecursionError):
        raise ValueError("the body holds text that is not valid Unicode") from None
    return parsed, hashlib.sha256(canonical).hexdigest()
