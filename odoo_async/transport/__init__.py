"""Transports: how a call reaches Odoo. ``Json2Transport`` speaks Odoo 19's JSON-2 API;
``JsonRpcTransport`` and ``XmlRpcTransport`` the legacy RPC of Odoo 8 to 19;
``AutoTransport`` picks by the server's version."""

from odoo_async.transport.auto import AutoTransport
from odoo_async.transport.base import Transport, validate_method, validate_model
from odoo_async.transport.json2 import Json2Transport
from odoo_async.transport.legacy import JsonRpcTransport, LegacyTransport, XmlRpcTransport

__all__ = ["AutoTransport", "Json2Transport", "JsonRpcTransport", "LegacyTransport",
           "Transport", "XmlRpcTransport", "validate_method", "validate_model"]
