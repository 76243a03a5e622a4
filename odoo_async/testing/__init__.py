"""Testing helpers: fault injection for servers standing in for Odoo, a manual clock."""

from odoo_async.resilience.clock import ManualClock
from odoo_async.testing.faults import (
    Fault,
    FaultPlan,
    Hang,
    HangAfterExecute,
    InvalidJson,
    Latency,
    PoolFull,
    ResetAfterExecute,
    ResetBeforeBody,
    Status,
    TruncatedJson,
    werkzeug_page,
)

__all__ = [
    "Fault",
    "FaultPlan",
    "Hang",
    "HangAfterExecute",
    "InvalidJson",
    "Latency",
    "ManualClock",
    "PoolFull",
    "ResetAfterExecute",
    "ResetBeforeBody",
    "Status",
    "TruncatedJson",
    "werkzeug_page",
]
