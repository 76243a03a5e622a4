"""The legacy ``/jsonrpc`` and ``/xmlrpc/2`` endpoints of the fake server.

Both take ``service`` + ``method`` + positional ``args``: ``common.version``,
``common.authenticate``/``login`` (the API key works as the password),
``object.execute_kw``/``execute``, ``db.list``. Errors come back with HTTP 200: a JSON-RPC
``error`` object, or an XML-RPC fault (3 AccessDenied, 4 AccessError, 2 UserError and its
subclasses, 1 anything else).
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from odoo_async.testing.fake.protocol import CallError, execute

if TYPE_CHECKING:
    from odoo_async.testing.fake.server import FakeOdoo
    from odoo_async.testing.fake.users import FakeUser

__all__ = ["dispatch", "fault_for", "version_info"]


def version_info() -> dict[str, Any]:
    """``common.version``."""
    return {"server_version": "19.0", "server_version_info": [19, 0, 0, "final", 0, ""],
            "server_serie": "19.0", "protocol_version": 1}


def _access_denied() -> CallError:
    return CallError(401, "odoo.exceptions.AccessDenied", "Access Denied", ["Access Denied"],
                     "odoo.exceptions.AccessDenied: Access Denied\n")


def _user(fake: FakeOdoo, database: Any, uid: Any, password: Any) -> FakeUser:
    user = fake.user_for_key(str(password))
    if user is None or user.uid != uid or (database and database != fake.database):
        raise _access_denied()
    return user


def _legacy_result(method: str, positional: list[Any], result: Any) -> Any:
    if method == "create" and positional and isinstance(positional[0], Mapping) \
            and isinstance(result, list) and len(result) == 1:
        return result[0]
    return result


async def dispatch(fake: FakeOdoo, service: str, method: str, args: list[Any]) -> Any:
    """Run one legacy call.

    Raises:
        CallError: the error to send back.
    """
    if service == "common":
        if method == "version":
            return version_info()
        if method in ("authenticate", "login"):
            database, login, password = [*args, None, None, None][:3]
            user = fake.user_for_key(str(password))
            ok = user is not None and user.login == login and database == fake.database
            return user.uid if ok and user is not None else False
    if service == "db" and method == "list":
        return [fake.database]
    if service == "object" and method in ("execute_kw", "execute"):
        if len(args) < 5:
            raise CallError(500, "builtins.TypeError", "execute_kw() missing arguments",
                            ["execute_kw() missing arguments"])
        database, uid, password, model, name = args[:5]
        user = _user(fake, database, uid, password)
        if method == "execute_kw":
            positional = list(args[5]) if len(args) > 5 and args[5] else []
            kwargs = dict(args[6]) if len(args) > 6 and args[6] else {}
        else:
            positional, kwargs = list(args[5:]), {}
        if str(model) not in fake.schema:
            message = f"Object {model} doesn't exist"
            raise CallError(422, "odoo.exceptions.UserError", message, [message])
        context = kwargs.pop("context", None)
        spec = fake.methods.get(str(model), str(name),
                                has_active=fake.schema[str(model)].has_active)
        ids = None
        if spec is not None and not spec.model_method:
            ids = positional.pop(0) if positional else []
        if str(name) == "create" and not positional:
            # Odoo's call_kw adapts create's result by looking at args[0]
            raise CallError(500, "builtins.IndexError", "list index out of range",
                            ["list index out of range"])
        result = await execute(fake, user, str(model), str(name), kwargs, ids=ids,
                               context=context, positional=positional)
        return _legacy_result(str(name), positional, result)
    message = f"The method {service}.{method} does not exist"
    raise CallError(404, "werkzeug.exceptions.NotFound", message, [message, 404])


def fault_for(error: CallError) -> xmlrpc.client.Fault:
    """The XML-RPC fault Odoo sends for an error."""
    if error.name == "odoo.exceptions.AccessDenied":
        return xmlrpc.client.Fault(3, error.message)
    if error.name == "odoo.exceptions.AccessError":
        return xmlrpc.client.Fault(4, error.message)
    if error.name in ("odoo.exceptions.UserError", "odoo.exceptions.ValidationError",
                      "odoo.exceptions.MissingError"):
        return xmlrpc.client.Fault(2, error.message)
    return xmlrpc.client.Fault(1, error.debug)
