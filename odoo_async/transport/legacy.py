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

The key travels in the request body: it stays a :class:`Secret` in the arguments and is
written out only when the body is built for aiohttp, so no frame of the library holds it
in plain text; a server that echoes it back gets it replaced by ``***``.
"""

from __future__ import annotations

import logging
import re
import ssl as ssl_module
import xmlrpc.client
from collections.abc import Mapping
from typing import Any, Final

import aiohttp
import anyio.to_thread
import attrs
from yarl import URL

from odoo_async import _json
from odoo_async.config import ConnectionLimits, Timeout
from odoo_async.errors import (
    AuthenticationError,
    InternalServerError,
    ProtocolError,
    ServerError,
    error_from_odoo,
    error_from_response,
    excerpt,
)
from odoo_async.secret import Secret
from odoo_async.transport.http import DEFAULT_USER_AGENT, HttpAnswer, HttpSession
from odoo_async.transport.once import Once

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
_LAST_LINE: Final = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*): (.*)$")
_NONE_RESULT: Final = "cannot marshal None unless allow_none is enabled"
_XML_FORBIDDEN: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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
        self._signing_in = Once(self._authenticate)
        self._listing = Once(self._only_database)
        self._http = HttpSession(timeout=timeout or Timeout(),
                                 limits=limits or ConnectionLimits(), ssl=ssl,
                                 session=session)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({str(self._url)!r}, database={self._database!r}, "
                f"login={self._login!r})")

    # -- what each protocol provides ---------------------------------------------------

    async def _rpc(self, service: str, method: str, args: list[Any], *,
                   model: str | None = None, odoo_method: str | None = None) -> Any:
        raise NotImplementedError

    # -- the call ----------------------------------------------------------------------

    async def call(self, model: str, method: str, payload: Mapping[str, Any]) -> Any:
        """``execute_kw`` the call and return its result in JSON-2's shape.

        Raises:
            AuthenticationError: the login and key were refused.
            ValueError: no login, no database given and the server has several (or
                none), or (XML-RPC) a value the protocol cannot carry.
            odoo_async.errors.OdooError: the subclass for what went wrong.
        """
        if not isinstance(payload, Mapping):
            raise TypeError("a call's payload must be a mapping")
        database = await self.database()
        uid = await self.uid()
        kwargs = dict(payload)
        ids = kwargs.pop("ids", None)
        positional: list[Any] = [ids] if ids is not None else []
        if method == "create" and "vals_list" in kwargs:
            # Odoo's call_kw reads create's values by position (args[0]), never by name
            positional.append(kwargs.pop("vals_list"))
        prefix = [database, uid, self._api_key, model, method]
        try:
            result = await self._rpc("object", "execute_kw", [*prefix, positional, kwargs],
                                     model=model, odoo_method=method)
        except InternalServerError as error:
            if not (ids is None and not positional and _no_ids_given(error)):
                raise
            # a method on records called without ids (JSON-2 runs it on no record):
            # Odoo's call_kw failed reading args[0] before running anything
            result = await self._rpc("object", "execute_kw", [*prefix, [[]], kwargs],
                                     model=model, odoo_method=method)
        return _normalise(method, result)

    async def version(self) -> dict[str, Any]:
        """``common.version``, in ``/web/version``'s shape (``version_info``, ``version``)
        plus what the legacy answer holds (``server_version_info``...).

        Raises:
            ProtocolError: the answer is not an object.
            odoo_async.errors.OdooError: the subclass for what went wrong.
        """
        answer = await self._rpc("common", "version", [])
        if not isinstance(answer, dict):
            raise ProtocolError("common.version did not answer an object")
        return {"version_info": answer.get("server_version_info"),
                "version": answer.get("server_version"), **answer}

    async def database(self) -> str:
        """The database: the one given, or the server's only one (asked once; concurrent
        first calls share the question).

        Raises:
            ValueError: none given and the server lists several or none.
            odoo_async.errors.OdooError: listing the databases failed.
        """
        return self._database or await self._listing.get()

    async def _only_database(self) -> str:
        listed = await self._rpc("db", "list", [])
        if not isinstance(listed, list) or len(listed) != 1:
            count = len(listed) if isinstance(listed, list) else 0
            raise ValueError(f"the server lists {count} databases: pass "
                             "Client(..., database='name')")
        return str(listed[0])

    async def uid(self) -> int:
        """The API key's user id (``common.authenticate``, once; concurrent first calls
        share it).

        Raises:
            AuthenticationError: the login and key were refused.
            odoo_async.errors.OdooError: the call failed.
        """
        return await self._signing_in.get()

    async def _authenticate(self) -> int:
        if not self._login:
            raise ValueError(f"the {self.protocol} protocol authenticates with the login of "
                             "the API key's user: Client(..., login='bot')")
        database = await self.database()
        login = self._login
        uid = await self._rpc("common", "authenticate", [database, login, self._api_key, {}])
        if isinstance(uid, bool) or not isinstance(uid, int):
            raise AuthenticationError(
                f"Odoo refused the login {login!r} with this API key on {database!r} "
                "(common.authenticate answered false)", status=401, name=None)
        return uid

    async def aclose(self) -> None:
        """Close the pooled session (unless it was given by the caller)."""
        await self._http.aclose()


class JsonRpcTransport(LegacyTransport):
    """Odoo's ``POST /jsonrpc`` (every version up to 19)."""

    protocol = "jsonrpc"

    async def _rpc(self, service: str, method: str, args: list[Any], *,
                   model: str | None = None, odoo_method: str | None = None) -> Any:
        message = {"jsonrpc": "2.0", "method": "call", "id": 1,
                   "params": {"service": service, "method": method, "args": args}}
        answer = await self._http.request(
            "POST", self._url / "jsonrpc",
            headers={"Content-Type": _JSON, "Accept": _JSON, "User-Agent": self._user_agent},
            body=lambda: _json.dumps(message),  # the key (a Secret) is written only here
            model=model, odoo_method=odoo_method)
        return _decode_jsonrpc(_redacted(answer, self._api_key), model=model,
                               method=odoo_method)


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
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
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
        raise error_from_odoo(_refine(data), model=model, method=method)
    return message.get("result")  # Odoo leaves "result" out when a method returns None


class XmlRpcTransport(LegacyTransport):
    """Odoo's ``/xmlrpc/2/common`` and ``/xmlrpc/2/object`` (every version up to 19).
    ``None`` travels as ``False`` (Odoo's empty value; XML-RPC has no null); integers
    beyond 32 bits cannot travel at all (``ValueError``, nothing sent). A method that
    returns ``None`` makes Odoo's XML-RPC fail after the call ran ("cannot marshal
    None"): that answer is taken as the ``None`` it is."""

    protocol = "xmlrpc"

    async def _rpc(self, service: str, method: str, args: list[Any], *,
                   model: str | None = None, odoo_method: str | None = None) -> Any:
        try:  # checked with the key masked: no frame holds it if the value cannot go
            masked = xmlrpc.client.dumps(tuple(_for_xmlrpc(args, reveal=False)), method)
            if _XML_FORBIDDEN.search(masked):
                raise TypeError("a control character, which XML cannot carry")
        except (OverflowError, TypeError) as error:
            raise ValueError(f"{model or service}/{odoo_method or method}: a value cannot "
                             f"be sent over XML-RPC ({error})") from None
        answer = await self._http.request(
            "POST", self._url / "xmlrpc" / "2" / service,
            headers={"Content-Type": "text/xml", "User-Agent": self._user_agent},
            body=lambda: xmlrpc.client.dumps(tuple(_for_xmlrpc(args, reveal=True)), method,
                                             allow_none=False).encode(),
            model=model, odoo_method=odoo_method)
        answer = _redacted(answer, self._api_key)
        if answer.status >= 400:
            raise error_from_response(answer.status, answer.headers, answer.body,
                                      model=model, method=odoo_method or method)
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
            if _NONE_RESULT in str(fault.faultString):
                return None  # the method ran and returned None, which XML-RPC cannot say
            raise _fault_error(fault, model=model, method=odoo_method)
        if not params:
            raise ProtocolError("the XML-RPC answer is not a method response",
                                status=answer.status, content_type=answer.media_type,
                                excerpt=excerpt(answer.body), model=model,
                                method=odoo_method)
        return params[0]


def _loads(body: bytes) -> tuple[tuple[Any, ...], str | None]:
    return xmlrpc.client.loads(body, use_builtin_types=True)


def _for_xmlrpc(value: Any, *, reveal: bool) -> Any:
    """``value`` with ``None`` as ``False`` and each :class:`Secret` as its value (or
    masked, to check what can be sent without holding the key)."""
    if value is None:
        return False
    if isinstance(value, Secret):
        return value.reveal() if reveal else "***"
    if isinstance(value, dict):
        return {str(k): _for_xmlrpc(v, reveal=reveal) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_for_xmlrpc(v, reveal=reveal) for v in value]
    return value


def _redacted(answer: HttpAnswer, secret: Secret) -> HttpAnswer:
    """The answer with the key replaced by ``***`` wherever a server echoed it."""
    raw = secret.reveal().encode()
    if raw not in answer.body:
        return answer
    return attrs.evolve(answer, body=answer.body.replace(raw, b"***"))


def _no_ids_given(error: ServerError) -> bool:
    """Odoo's call_kw failed reading the ids of a record method called without any."""
    return error.name == "builtins.IndexError" and "list index out of range" in error.message


_MISSING_OBJECT: Final = re.compile(r"^Object (\S+) doesn't exist$")
_NO_METHOD: Final = re.compile(r"^The method '[^']+' does not exist")
_BAD_CALL: Final = re.compile(
    r"^\w+(?:\.\w+)*\(\) (?:missing \d+ required|got multiple values for argument)")
_RECORD_GONE: Final = "Record does not exist or has been deleted."
_NO_DATABASE: Final = re.compile(r'database "([^"]+)" does not exist')


def _refine(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Odoo's legacy error for the case JSON-2 names more precisely, renamed as JSON-2
    names it: an unknown model or method, a call with wrong arguments, a deleted record,
    an unknown database (without the server's socket path)."""
    name, message = str(data.get("name")), str(data.get("message") or "")
    found = _MISSING_OBJECT.match(message)
    if name == "odoo.exceptions.UserError" and found:
        return {**data, "name": "werkzeug.exceptions.NotFound",
                "message": f"the model '{found.group(1)}' does not exist"}
    if name == "builtins.AttributeError" and _NO_METHOD.match(message):
        return {**data, "name": "werkzeug.exceptions.NotFound"}
    if name == "builtins.TypeError" and _BAD_CALL.match(message):
        return {**data, "name": "werkzeug.exceptions.UnprocessableEntity"}
    if name == "odoo.exceptions.UserError" and message.startswith(_RECORD_GONE):
        return {**data, "name": "odoo.exceptions.MissingError"}
    database = _NO_DATABASE.search(message)
    if database is not None and name.startswith("psycopg2."):
        unknown = f"the database '{database.group(1)}' does not exist"
        return {**data, "name": "werkzeug.exceptions.NotFound", "debug": "",
                "message": unknown, "arguments": [unknown]}
    return data


def _fault_error(fault: xmlrpc.client.Fault, *, model: str | None, method: str | None
                 ) -> ServerError:
    """The exception for an XML-RPC fault: by its code (2, 3, 4), else by the last line
    of the traceback Odoo puts in the fault string."""
    text = str(fault.faultString)
    name = _FAULTS.get(int(fault.faultCode)) if isinstance(fault.faultCode, int) else None
    message, debug = text, ""
    if name is None:
        lines = [line for line in text.strip().splitlines() if line.strip()]
        found = _LAST_LINE.match(lines[-1].strip()) if lines else None
        if found is not None:
            exception, message = found.groups()
            name = exception if "." in exception else f"builtins.{exception}"
        else:
            name, message = "builtins.Exception", lines[-1].strip() if lines else text
        debug = text  # the traceback stays out of the message
    return error_from_odoo(_refine({"name": name, "message": message, "arguments": [message],
                                    "context": {}, "debug": debug}),
                           model=model, method=method)
