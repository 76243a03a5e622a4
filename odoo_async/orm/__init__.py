"""Recordsets: models, lazy queries, one-call reads of object graphs, a record cache."""

from odoo_async.client import Client
from odoo_async.orm.cache import RecordCache, RecordStore
from odoo_async.orm.changes import Change, ChangeCursor
from odoo_async.orm.env import Environment, attach
from odoo_async.orm.metadata import FieldInfo, ModelInfo
from odoo_async.orm.model import Model, ModelMethod
from odoo_async.orm.query import Query
from odoo_async.orm.recordset import RecordMethod, Recordset
from odoo_async.orm.spec import Spec, compile_paths

Client.register_extension("env", attach)

__all__ = [
    "Change",
    "ChangeCursor",
    "Environment",
    "FieldInfo",
    "Model",
    "ModelInfo",
    "ModelMethod",
    "Query",
    "RecordCache",
    "RecordMethod",
    "RecordStore",
    "Recordset",
    "Spec",
    "compile_paths",
]
