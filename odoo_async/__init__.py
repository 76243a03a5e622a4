"""odoo-async: an asyncio client for Odoo's JSON-2 API.

::

    from odoo_async import Client

    async with Client("https://mycompany.example.com", api_key=KEY,
                      database="mycompany") as odoo:
        ids = await odoo.call("res.partner", "search", domain=[], limit=5)
"""

from odoo_async import errors
from odoo_async._version import __version__
from odoo_async.apikeys import ApiKeyInfo, ApiKeys
from odoo_async.bulk import BulkError, BulkReport, BulkTimeoutError, RowResult, RowStatus
from odoo_async.client import Client
from odoo_async.command import Command
from odoo_async.config import ConnectionLimits, Timeout
from odoo_async.domain import Domain, F, Field
from odoo_async.errors import (
    AccessError,
    AuthenticationError,
    CircuitOpenError,
    ClientClosedError,
    FieldNotLoadedError,
    MissingError,
    NotFoundError,
    OdooError,
    OutcomeUnknownError,
    ProtocolError,
    ServerError,
    TransportError,
    UnknownMethodError,
    UnknownModelError,
    UserError,
    ValidationError,
)
from odoo_async.introspection import IndexDoc, MethodDoc, ModelDoc
from odoo_async.orm import Change, ChangeCursor, Environment, FieldInfo, Model, Query, Recordset
from odoo_async.resilience import CircuitBreaker, RateLimit, RetryPolicy
from odoo_async.secret import Secret
from odoo_async.transport import (
    AutoTransport,
    Json2Transport,
    JsonRpcTransport,
    Transport,
    XmlRpcTransport,
)
from odoo_async.values import Many2one

__all__ = [
    "AccessError",
    "ApiKeyInfo",
    "ApiKeys",
    "AutoTransport",
    "AuthenticationError",
    "Change",
    "ChangeCursor",
    "BulkError",
    "BulkReport",
    "BulkTimeoutError",
    "CircuitBreaker",
    "CircuitOpenError",
    "Client",
    "ClientClosedError",
    "Command",
    "ConnectionLimits",
    "Domain",
    "Environment",
    "F",
    "Field",
    "IndexDoc",
    "FieldInfo",
    "FieldNotLoadedError",
    "Json2Transport",
    "JsonRpcTransport",
    "Many2one",
    "MethodDoc",
    "ModelDoc",
    "MissingError",
    "Model",
    "NotFoundError",
    "OdooError",
    "OutcomeUnknownError",
    "ProtocolError",
    "Query",
    "RateLimit",
    "Recordset",
    "RetryPolicy",
    "RowResult",
    "RowStatus",
    "Secret",
    "ServerError",
    "Timeout",
    "Transport",
    "TransportError",
    "UnknownMethodError",
    "UnknownModelError",
    "UserError",
    "ValidationError",
    "XmlRpcTransport",
    "__version__",
    "errors",
]
