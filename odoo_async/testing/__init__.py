"""Testing helpers: the fake Odoo server, fault injection, a manual clock.

::

    from odoo_async.testing import FakeOdoo

    async with FakeOdoo() as fake:
        async with Client(fake.url, api_key=fake.api_key) as odoo:
            ...
"""

from odoo_async.resilience.clock import ManualClock
from odoo_async.testing import exceptions
from odoo_async.testing.fake import Call, Env, FakeOdoo, FakeUser, OutgoingWebhook
from odoo_async.testing.faults import (
    Fault,
    FaultPlan,
    Hang,
    HangAfterExecute,
    InvalidJson,
    Latency,
    PoolFull,
    ProxyPage,
    ResetAfterExecute,
    ResetBeforeBody,
    Status,
    StatusAfterExecute,
    TruncatedJson,
    werkzeug_page,
)
from odoo_async.testing.transport import MockCall, MockTransport

__all__ = [
    "Call",
    "Env",
    "FakeOdoo",
    "FakeUser",
    "Fault",
    "FaultPlan",
    "Hang",
    "HangAfterExecute",
    "InvalidJson",
    "Latency",
    "ManualClock",
    "MockCall",
    "MockTransport",
    "OutgoingWebhook",
    "PoolFull",
    "ProxyPage",
    "ResetAfterExecute",
    "ResetBeforeBody",
    "Status",
    "StatusAfterExecute",
    "TruncatedJson",
    "exceptions",
    "werkzeug_page",
]
