"""Transports: how a call reaches Odoo. ``Json2Transport`` speaks Odoo 19's JSON-2 API."""

from odoo_async.transport.base import Transport, validate_method, validate_model
from odoo_async.transport.json2 import Json2Transport

__all__ = ["Json2Transport", "Transport", "validate_method", "validate_model"]
