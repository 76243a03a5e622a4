"""Odoo's legacy RPC protocols, ``/jsonrpc`` and ``/xmlrpc/2`` (Odoo 8 to 19; removal
announced for Odoo 22), behind the same :class:`~odoo_async.Transport` as JSON-2.

A JSON-2 call (``model``, ``method``, keyword arguments with ``ids`` and ``context``)
becomes ``object.execute_kw(db, uid, key, model, method, [ids], kwargs)``: the record ids
first for a method on records, every other argument by name (but ``create``'s values,
which Odoo's ``call_kw`` reads by position). The uid comes from
``common.authenticate(db, login, key)`` once per transport (the API key works as the
password). Errors, a JSON-RPC ``error`` member or an XML-RPC fault (both with HTTP 200),
become the same exception classes as on JSON-2, by Odoo's exception name. ``create``
with one dict answers a bare id there: it comes back as JSON-2's list.

The key travels in the request body: it is put there by a function the request calls at
the last moment, so no frame of the library holds it in plain text.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl as ssl_module
import xmlrpc.client
from collections.abc import Callable, Mapping
from typing import Any, Final

import aiohttp
import anyio.to_thread
from yarl import URL

from odoo_async import _json
from odoo_async.config import ConnectionLimits, Timeout
from odoo_async.errors import (
    AuthenticationError,
    ProtocolError,
    ServerError,
    error_from_odoo,
    error_from_response,
    excerpt,
)
from odoo_async.secret import Secret
from odoo_async.transport.http import DEFAULT_USER_AGENT, HttpAnswer, HttpSession

__all__ = ["JsonRpcTransport", "LegacyTransport", "XmlRpcTransport"]

logger = logging.getLogger("odoo_async.transport")

_JSON: Final = "application/json"
XMLRPC_THREAD_BYTES: Final = 256 * 1024
"""XML-RPC answers larger than this are parsed in a worker thread (the event loop goes
on meanwhile)."""

# Odoo's XML-RPC fault codes (odoo/service/wsgi_server.py) and the exceptions they carry
_FAULTS: Final[Mapping[int, str]] = {
    2: "odoo.exceptions.UserError",
    3: "odoo.exceptions.AccessDenied",
    4: "odoo.exceptions.AccessError",
}
_LAST_LINE: Final = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Denied|Warning)): (.*)$")


def _normalise(method: str, result: Any) -> Any:
    """JSON-2's shape: ``create`` always answers a list of ids."""
    if method == "create" and isinstance(result, int) and not isinstance(result, bool):
        return [result]
    return result


class LegacyTransport:
    """What JSON-RPC and XML-RPC share: the database, the uid, the call mapping.

    The first call raises ``ValueError`` without a ``login`` (the legacy protocols
    authenticate by login and key).
    """

    protocol: str = "legacy"

    def __init__(self, url: URL, api_key: Secret, *, login: str | None,
                 database: str | None = None, timeout: Timeout | None = None,
                 limits: ConnectionLimits | None = None, user_agent: str | None = None,
                 ssl: bool | ssl_module.SSLContext = True,
                 session: aiohttp.ClientSession | None = None) -> None:
        self._url = url
        self._api_key = api_key
        self._login = login
        self._database = database
        self._user_agent = user_agent or DEFAULT_USER_AGENT
        self._uid: int | None = None
        self._signing_in: asyncio.Future[int] | None = None
        self._http = HttpSession(timeout=timeout or Timeout(),
                                 limits=limits or ConnectionLimits(), ssl=ssl,
                                 session=session)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({str(self._url)!r}, database={self._database!r}, "
                f"login={self._login!r})")

    # -- what each protocol provides ---------------------------------------------------

    async def _rpc(self, service: str, method: str, args: Callable[[], list[Any]], *,
                   model: str | None = None, odoo_method: str | None = None) -> Any:
        raise NotImplementedError

    # -- the call ----------------------------------------------------------------------

    async def call(self, model: str, method: str, payload: Mapping[str, Any]) -> Any:
        """``execute_kw`` the call and return its result in JSON-2's shape.

        Raises:
            AuthenticationError: the login and key were refused.
            ValueError: no login, or no database given and the server has several (or
                none).
            odoo_async.errors.OdooError: the subclass for what went wrong.
        """
        if not isinstance(payload, Mapping):
            raise TypeError("a call's payload must be a mapping")
        database = await self.database()
        uid = await self.uid()
        kwargs = dict(payload)
        ids = kwargs.pop("ids", None)
        positional = [ids] if ids is not None else []
        if method == "create" and "vals_list" in kwargs:
            # Odoo's call_kw reads create's values by position (args[0]), never by name
            positional.append(kwargs.pop("vals_list"))
        key = self._api_key
        result = await self._rpc(
            "object", "execute_kw",
            lambda: [database, uid, key.reveal(), model, method, positional, kwargs],
            model=model, odoo_method=method)
        return _normalise(method, result)

    async def version(self) -> dict[str, Any]:
        """``common.version``, in ``/web/version``'s shape (``version_info``, ``version``)
        plus what the legacy answer holds (``server_version_info``...).

        Raises:
            ProtocolError: the answer is not an object.
            odoo_async.errors.OdooError: the subclass for what went wrong.
        """
        answer = await self._rpc("common", "version", list)
        if not isinstance(answer, dict):
            raise ProtocolError("common.version did not answer an object")
        return {"version_info": answer.get("server_version_info"),
                "version": answer.get("server_version"), **answer}

    async def database(self) -> str:
        """The database: the one given, or the server's only one.

        Raises:
            ValueError: none given and the server lists several or none.
            odoo_async.errors.OdooError: listing the databases failed.
        """
        if self._database:
            return self._database
        listed = await self._rpc("db", "list", list)
        if not isinstance(listed, list) or len(listed) != 1:
            count = len(listed) if isinstance(listed, list) else 0
            raise ValueError(f"the server lists {count} databases: pass "
                             "Client(..., database='name')")
        self._database = str(listed[0])
        return self._database

    async def uid(self) -> int:
        """The API key's user id (``common.authenticate``, once; concurrent first calls
        share it).

        Raises:
            AuthenticationError: the login and key were refused.
            odoo_async.errors.OdooError: the call failed.
        """
        if self._uid is not None:
            return self._uid
        if self._signing_in is None:
            self._signing_in = asyncio.ensure_future(self._authenticate())
        signing_in = self._signing_in
        try:
            return await asyncio.shield(signing_in)
        finally:
            if signing_in.done():
                self._signing_in = None

    async def _authenticate(self) -> int:
        if not self._login:
            raise ValueError(f"the {self.protocol} protocol authenticates with the login of "
                             "the API key's user: Client(..., login='bot')")
        database = await self.database()
        key, login = self._api_key, self._login
        uid = await self._rpc("common", "authenticate",
                              lambda: [database, login, key.reveal(), {}])
        if isinstance(uid, bool) or not isinstance(uid, int):
            raise AuthenticationError(
                f"Odoo refused the login {login!r} with this API key on {database!r} "
                "(common.authenticate answered false)", status=401, name=None)
        self._uid = uid
        return uid

    async def aclose(self) -> None:
        """Close the pooled session (unless it was given by the caller)."""
        await self._http.aclose()


class JsonRpcTransport(LegacyTransport):
    """Odoo's ``POST /jsonrpc`` (every version up to 19)."""

    protocol = "jsonrpc"

    async def _rpc(self, service: str, method: str, args: Callable[[], list[Any]], *,
                   model: str | None = None, odoo_method: str | None = None) -> Any:
        answer = await self._http.request(
            "POST", self._url / "jsonrpc",
            headers={"Content-Type": _JSON, "Accept": _JSON, "User-Agent": self._user_agent},
            body=lambda: _json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                "service": service, "method": method, "args": args()}}),
            model=model, odoo_method=odoo_method)
        return _decode_jsonrpc(answer, model=model, method=odoo_method)


def _decode_jsonrpc(answer: HttpAnswer, *, model: str | None, method: str | None) -> Any:
    if answer.status >= 400:
        raise error_from_response(answer.status, answer.headers, answer.body, model=model,
                                  method=method)
    message: Any = None
    if answer.media_type == _JSON:
        try:
            message = _json.loads(answer.body)
        except (ValueError, RecursionError):
            message = None
    if not isinstance(message, dict) or not ({"result", "error"} & message.keys()):
        raise ProtocolError("the JSON-RPC answer is not a JSON-RPC response",
                            status=answer.status, content_type=answer.media_type,
                            excerpt=excerpt(answer.body), model=model, method=method)
    if "error" in message:
        error = message["error"]
        data = error.get("data") if isinstance(error, dict) else None
        if not isinstance(data, dict) or "name" not in data:
            text = error.get("message") if isinstance(error, dict) else None
            raise ServerError(str(text or "JSON-RPC error without details"), status=500,
                              model=model, method=method)
        raise error_from_odoo(data, model=model, method=method)
    return message["result"]


class XmlRpcTransport(LegacyTransport):
    """Odoo's ``/xmlrpc/2/common`` and ``/xmlrpc/2/object`` (every version up to 19).
    ``None`` travels as ``False`` (Odoo's empty value; XML-RPC has no null)."""

    protocol = "xmlrpc"

    async def _rpc(self, service: str, method: str, args: Callable[[], list[Any]], *,
                   model: str | None = None, odoo_method: str | None = None) -> Any:
        answer = await self._http.request(
            "POST", self._url / "xmlrpc" / "2" / service,
            headers={"Content-Type": "text/xml", "User-Agent": self._user_agent},
            body=lambda: xmlrpc.client.dumps(tuple(_no_none(args())), method,
                                             allow_none=False).encode(),
            model=model, odoo_method=odoo_method)
        if answer.status >= 400:
            raise error_from_response(answer.status, answer.headers, answer.body,
                                      model=model, method=method)
        fault: xmlrpc.client.Fault | None = None
        try:
            if len(answer.body) > XMLRPC_THREAD_BYTES:
                params, _ = await anyio.to_thread.run_sync(_loads, answer.body)
            else:
                params, _ = _loads(answer.body)
        except xmlrpc.client.Fault as raised:
            fault = raised
        except Exception:  # any parse failure is the same protocol error
            params = None
        if fault is not None:
            raise _fault_error(fault, model=model, method=odoo_method)
        if not params:
            raise ProtocolError("the XML-RPC answer is not a method response",
                                status=answer.status, content_type=answer.media_type,
                                excerpt=excerpt(answer.body), model=model,
                                method=odoo_method)
        return params[0]


def _loads(body: bytes) -> tuple[tuple[Any, ...], str | None]:
    return xmlrpc.client.loads(body, use_builtin_types=True)


def _no_none(value: Any) -> Any:
    if value is None:
        return False
    if isinstance(value, dict):
        return {str(k): _no_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_none(v) for v in value]
    return value


def _fault_error(fault: xmlrpc.client.Fault, *, model: str | None, method: str | None
                 ) -> ServerError:
    """The exception for an XML-RPC fault: by its code (2, 3, 4), else by the last line
    of the traceback Odoo puts in the fault string."""
    text = str(fault.faultString)
    name = _FAULTS.get(int(fault.faultCode)) if isinstance(fault.faultCode, int) else None
    message, debug = text, ""
    if name is None:
        lines = [line for line in text.strip().splitlines() if line.strip()]
        found = _LAST_LINE.match(lines[-1]) if lines else None
        if found is not None:
            exception, message = found.groups()
            name = exception if "." in exception else f"builtins.{exception}"
            debug = text
        else:
            name = "builtins.Exception"
    return error_from_odoo({"name": name, "message": message, "arguments": [message],
                            "context": {}, "debug": debug}, model=model, method=method)
