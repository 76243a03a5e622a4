"""Bulk sync: chunked concurrent create/write/unlink/upsert with a result for every row,
and keyset streaming of whole tables. Reached as ``client.bulk``."""

from odoo_async.bulk.api import Bulk, BulkOperation
from odoo_async.bulk.concurrency import AdaptiveConcurrency, FixedConcurrency
from odoo_async.bulk.engine import Progress
from odoo_async.bulk.report import (
    BulkError,
    BulkReport,
    BulkTimeoutError,
    RowResult,
    RowStatus,
)
from odoo_async.client import Client

Client.register_extension("bulk", lambda client: Bulk(client, client.env, clock=client.clock))

__all__ = [
    "AdaptiveConcurrency",
    "Bulk",
    "BulkError",
    "BulkOperation",
    "BulkReport",
    "BulkTimeoutError",
    "FixedConcurrency",
    "Progress",
    "RowResult",
    "RowStatus",
]
