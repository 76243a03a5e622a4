"""The fake server's HTTP side: routing, authentication, the JSON-2, documentation,
webhook and legacy routes, and answers shaped as Odoo's (Werkzeug headers, HTML pages)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import xmlrpc.client
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from odoo_async.testing.fake import legacy
from odoo_async.testing.fake.docs import index_document, model_document
from odoo_async.testing.fake.protocol import CallError, error_body, execute
from odoo_async.testing.fake.users import FakeUser
from odoo_async.testing.faults import werkzeug_page

if TYPE_CHECKING:
    from odoo_async.testing.fake.server import FakeOdoo

__all__ = ["Routes"]

NOT_AUTHENTICATED: Final = ("User not authenticated, use an API Key with a Bearer "
                            "Authorization header.")
DID_YOU_MEAN: Final = "Did you mean POST /json/2/<model>/<method>?"
URL_NOT_FOUND: Final = ("The requested URL was not found on the server. If you entered the URL "
                        "manually please check your spelling and try again.")


class Routes:
    """Answers the HTTP requests of one :class:`FakeOdoo`."""

    def __init__(self, fake: FakeOdoo) -> None:
        self.fake = fake


    def _finish(self, response: web.StreamResponse) -> web.StreamResponse:
        response.headers.setdefault("Server", "Werkzeug/2.2.2 Python/3.11.7")
        if not self.fake.keep_alive:
            response.force_close()
        return response

    def _json(self, status: int, body: Any, headers: Mapping[str, str] | None = None
              ) -> web.StreamResponse:
        return self._finish(web.Response(status=status, body=json.dumps(body).encode(),
                                         content_type="application/json", charset="utf-8",
                                         headers=headers))

    def _html(self, status: int, headers: Mapping[str, str] | None = None
              ) -> web.StreamResponse:
        return self._finish(web.Response(status=status, text=werkzeug_page(status),
                                         content_type="text/html", charset="utf-8",
                                         headers=headers))

    def _error(self, error: CallError) -> web.StreamResponse:
        headers = {"WWW-Authenticate": "Bearer "} if error.status == 401 else None
        return self._json(error.status, error_body(error), headers)

    @web.middleware
    async def pool_middleware(self, request: web.Request,
                               handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                               ) -> web.StreamResponse:
        """Answer Odoo's HTML 500 of a full database pool past ``pool_size`` calls."""
        if self.fake.pool_size is not None and self.fake.in_flight >= self.fake.pool_size:
            return self._html(500)
        self.fake.in_flight += 1
        self.fake.peak_in_flight = max(self.fake.peak_in_flight, self.fake.in_flight)
        try:
            return await handler(request)
        finally:
            self.fake.in_flight -= 1

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        """Route a request by its path, as Odoo's routes do."""
        path = request.path
        if path == "/web/version":
            return self._json(200, {"version_info": [19, 0, 0, "final", 0, ""],
                                    "version": "19.0"})
        if path == "/json/2" or path.startswith("/json/2/"):
            return await self._json2(request)
        if path.startswith("/doc-bearer/"):
            return await self._doc(request)
        if path.startswith("/web/hook/"):
            return await self._hook(request)
        if path in ("/jsonrpc", "/web/database/list"):
            return await self._jsonrpc(request)
        if path.startswith("/xmlrpc/2/"):
            return await self._xmlrpc(request)
        return self._html(404)

    def _wrong_database(self, request: web.Request) -> bool:
        name = request.headers.get("X-Odoo-Database")
        return name is not None and name != self.fake.database

    def _authenticate(self, request: web.Request) -> FakeUser:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise CallError.werkzeug(401, "Unauthorized", NOT_AUTHENTICATED)
        user = self.fake.user_for_key(key.strip())
        if user is None:
            raise CallError.werkzeug(401, "Unauthorized", "Invalid apikey")
        return user

    async def _json2(self, request: web.Request) -> web.StreamResponse:
        parts = request.path.split("/")[3:]
        if request.method != "POST" or len(parts) != 2 or not all(parts):
            return self._error(CallError.werkzeug(404, "NotFound", DID_YOU_MEAN))
        if self._wrong_database(request):
            return self._html(404)
        body = await request.read()
        media_type = request.content_type if "Content-Type" in request.headers else ""
        if body and media_type != "application/json":
            return self._html(415, {"Accept": "application/json"})
        try:
            user = self._authenticate(request)
            try:
                payload = json.loads(body) if body else {}
            except ValueError as exc:
                raise CallError.werkzeug(400, "BadRequest",
                                         f"could not parse the body as json: {exc}") from None
            if not isinstance(payload, dict):
                payload = {}
            kwargs = dict(payload)
            ids = kwargs.pop("ids", None)
            context = kwargs.pop("context", None)
            try:
                result = await execute(self.fake, user, parts[0], parts[1], kwargs, ids=ids,
                                       context=context)
            finally:
                if self.fake.latency:  # the call has run (and committed) when the delay starts
                    await asyncio.sleep(self.fake.latency)
                if self.fake.gate is not None:  # ... or waits, holding its pool slot, for a test
                    await self.fake.gate.wait()
        except CallError as error:
            return self._error(error)
        return self._json(200, result)

    async def _doc(self, request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "POST"):
            return self._html(405)
        if self._wrong_database(request):
            return self._html(404)
        try:
            user = self._authenticate(request)
            if not user.technical_docs:
                message = "This page is only accessible to Technical Documentation users."
                raise CallError(403, "odoo.exceptions.AccessError", message, [message])
            name = request.path[len("/doc-bearer/"):]
            if name == "index.json":
                document, quoted = index_document(self.fake), True
            elif name.endswith(".json") and name[:-5] in self.fake.schema:
                document, quoted = model_document(self.fake, name[:-5]), False
            else:
                raise CallError.werkzeug(404, "NotFound", URL_NOT_FOUND)
        except CallError as error:
            return self._error(error)
        body = json.dumps(document).encode()
        digest = hashlib.sha256(body).hexdigest()
        etag = f'"{digest}"' if quoted else digest
        if request.headers.get("If-None-Match") in (etag, f'"{digest}"', digest):
            return self._finish(web.Response(status=304, headers={"ETag": etag}))
        return self._finish(web.Response(body=body, content_type="application/json",
                                         charset="utf-8", headers={"ETag": etag}))

    async def _hook(self, request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "POST"):
            return self._html(405)
        status, answer = await self.fake.webhooks.receive(request, self.fake.db,
                                                          self.fake.env())
        return self._json(status, answer)

    async def _jsonrpc(self, request: web.Request) -> web.StreamResponse:
        try:
            message = json.loads(await request.read() or b"{}")
        except ValueError:
            return self._json(400, {"jsonrpc": "2.0", "id": None, "error": {
                "code": 400, "message": "Invalid JSON", "data": {}}})
        request_id = message.get("id") if isinstance(message, dict) else None
        params = message.get("params") or {} if isinstance(message, dict) else {}
        try:
            if request.path == "/web/database/list":
                result: Any = [self.fake.database]
            else:
                result = await legacy.dispatch(self.fake, str(params.get("service")),
                                               str(params.get("method")),
                                               list(params.get("args") or []))
        except CallError as error:
            return self._json(200, {"jsonrpc": "2.0", "id": request_id, "error": {
                "code": 0, "message": "Odoo Server Error", "data": error_body(error)}})
        answer: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
        if result is not None:  # Odoo's JSON-RPC leaves "result" out for None
            answer["result"] = result
        return self._json(200, answer)

    async def _xmlrpc(self, request: web.Request) -> web.StreamResponse:
        service = request.path[len("/xmlrpc/2/"):]
        try:
            params, method = xmlrpc.client.loads(await request.read())
            result = await legacy.dispatch(self.fake, service, str(method), list(params))
            # as Odoo's: a None result cannot be marshalled, after the call ran
            text = xmlrpc.client.dumps((_xmlrpc_safe(result),), methodresponse=True,
                                       allow_none=False)
        except CallError as error:
            text = xmlrpc.client.dumps(legacy.fault_for(error), methodresponse=True)
        except Exception as exc:
            text = xmlrpc.client.dumps(xmlrpc.client.Fault(1, str(exc)), methodresponse=True)
        return self._finish(web.Response(text=text, content_type="text/xml", charset="utf-8"))


def _xmlrpc_safe(value: Any, *, top: bool = True) -> Any:
    if value is None:
        if top:
            raise TypeError("cannot marshal None unless allow_none is enabled")
        return False
    if isinstance(value, dict):
        return {str(k): _xmlrpc_safe(v, top=False) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_xmlrpc_safe(v, top=False) for v in value]
    return value

