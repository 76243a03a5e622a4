"""The fake Odoo 19 server: schema, in-memory store, ORM, RPC endpoints."""

from odoo_async.testing.fake.methods import Call
from odoo_async.testing.fake.orm import Env
from odoo_async.testing.fake.server import FakeOdoo, OutgoingWebhook
from odoo_async.testing.fake.users import FakeUser

__all__ = ["Call", "Env", "FakeOdoo", "FakeUser", "OutgoingWebhook"]
