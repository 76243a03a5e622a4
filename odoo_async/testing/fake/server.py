"""``FakeOdoo``: an in-process aiohttp server that answers like a real Odoo 19.

::

    async with FakeOdoo() as fake:                  # 127.0.0.1, a free port, demo data
        async with Client(fake.url, api_key=fake.api_key) as odoo:
            ...
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import inspect
import json
import logging
import secrets
import xmlrpc.client
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Final

import aiohttp
import attrs
from aiohttp import web

from odoo_async.testing.fake import legacy
from odoo_async.testing.fake.business import Rules
from odoo_async.testing.fake.docs import index_document, model_document
from odoo_async.testing.fake.methods import MethodSpec, default_registry
from odoo_async.testing.fake.orm import Env
from odoo_async.testing.fake.protocol import CallError, error_body, execute
from odoo_async.testing.fake.schema import load_schema
from odoo_async.testing.fake.seed import seed
from odoo_async.testing.fake.users import ADMIN_RIGHTS, BOT_RIGHTS, SUPERUSER, FakeUser
from odoo_async.testing.faults import FaultPlan, werkzeug_page

__all__ = ["FakeOdoo", "OutgoingWebhook"]

logger = logging.getLogger("odoo_async.testing")

NOT_AUTHENTICATED: Final = ("User not authenticated, use an API Key with a Bearer "
                            "Authorization header.")
DID_YOU_MEAN: Final = "Did you mean POST /json/2/<model>/<method>?"
URL_NOT_FOUND: Final = ("The requested URL was not found on the server. If you entered the URL "
                        "manually please check your spelling and try again.")
DEFAULT_POOL_SIZE: Final = 64

WebhookHandler = Callable[[Env, dict[str, Any]], Any]


@attrs.frozen
class OutgoingWebhook:
    """A "Send Webhook Notification" server action: POST records of ``model`` to ``url``
    after ``create`` or ``write`` (``on``), with ``fields`` in the body."""

    id: int
    model: str
    url: str
    fields: tuple[str, ...] = ()
    on: frozenset[str] = frozenset({"create", "write"})
    name: str = "Send Webhook Notification"
    timeout: float = 10.0


class FakeOdoo:
    """A fake Odoo 19 server for tests, examples and demos.

    Args:
        host, port: where to listen (port 0: a free one).
        database: the database name (``X-Odoo-Database`` must match when sent).
        demo: seed the recorded demo records (partners, tags, countries, products,
            sale orders and lines).
        pool_size: calls in flight beyond which the server answers the HTML 500 of a full
            database pool, as Odoo does past ~64 (None: no limit).
        latency: seconds each call takes: it runs, then its answer waits (a real delay).
        keep_alive: keep connections open (a bare Odoo closes every connection; nginx in
            front keeps them).
        faults: a :class:`~odoo_async.testing.FaultPlan` applied to every request.

    The admin user (uid 2, every right, technical documentation) has the key
    :attr:`api_key`; a restricted user (uid 7, "API Bot") has :attr:`bot_api_key`.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        database: str = "odoo19",
        demo: bool = True,
        pool_size: int | None = DEFAULT_POOL_SIZE,
        latency: float = 0.0,
        keep_alive: bool = False,
        faults: FaultPlan | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.database = database
        self.pool_size = pool_size
        self.latency = latency
        self.gate: asyncio.Event | None = None
        """When set, every call, once run, waits for this event before answering (and
        holds its database pool slot meanwhile): tests make "calls in flight" without
        real delays."""
        self.keep_alive = keep_alive
        self.faults = faults or FaultPlan()
        self.schema = load_schema()
        self.rules = Rules()
        self.methods = default_registry()
        self.admin = FakeUser(uid=2, login="admin", name="Mitchell Admin", partner_id=3,
                              rights=ADMIN_RIGHTS, technical_docs=True,
                              groups=frozenset({"base.group_user", "base.group_system"}))
        self.bot = FakeUser(uid=7, login="bot", name="API Bot", partner_id=45,
                            rights=BOT_RIGHTS)
        self.users: dict[int, FakeUser] = {}
        self._keys: dict[str, tuple[FakeUser, bool]] = {}
        for user in (self.admin, self.bot):
            self._add(user)
        self.db = seed(self.schema, list(self.users.values()), demo=demo)
        self.executed: collections.Counter[str] = collections.Counter()
        self.in_flight = 0
        self.peak_in_flight = 0
        self._incoming: dict[str, WebhookHandler] = {}
        self._outgoing: list[OutgoingWebhook] = []
        self.webhook_failures = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # -- users and keys --------------------------------------------------------------

    def _add(self, user: FakeUser) -> None:
        self.users[user.uid] = user
        self._keys[user.api_key] = (user, user.expired)

    @property
    def api_key(self) -> str:
        """The admin user's API key."""
        return self.admin.api_key

    @property
    def bot_api_key(self) -> str:
        """The restricted user's API key."""
        return self.bot.api_key

    def add_user(self, login: str, *, name: str | None = None,
                 rights: Mapping[str, str] = BOT_RIGHTS, technical_docs: bool = False,
                 groups: Sequence[str] = ("base.group_user",)) -> FakeUser:
        """Create a user (and its partner) with an API key; returns it (``.api_key``).

        ``rights`` maps models (``"*"`` for the rest) to letters of ``"rwcu"``.

        Raises:
            ValueError: the login is taken.
        """
        if any(user.login == login for user in self.users.values()):
            raise ValueError(f"login {login!r} is already used")
        env = Env(self.db, self.rules, SUPERUSER)
        with self.db.transaction():
            [partner_id] = env.create("res.partner", [{"name": name or login}])
            [uid] = env.create("res.users", [{"name": name or login, "login": login,
                                              "partner_id": partner_id}])
        user = FakeUser(uid=uid, login=login, name=name or login, partner_id=partner_id,
                        rights=dict(rights), technical_docs=technical_docs,
                        groups=frozenset(groups))
        self._add(user)
        return user

    def issue_key(self, user: FakeUser, *, expired: bool = False) -> str:
        """Another API key for ``user``; an expired one is refused as Odoo refuses it."""
        key = secrets.token_hex(20)
        self._keys[key] = (user, expired)
        return key

    def revoke_key(self, key: str) -> None:
        """Forget an API key (calls with it get 401 Invalid apikey)."""
        self._keys.pop(key, None)

    def user_for_key(self, key: str) -> FakeUser | None:
        """The user a valid, unexpired key belongs to."""
        found = self._keys.get(key)
        if found is None or found[1]:
            return None
        return found[0]

    # -- extension points ------------------------------------------------------------

    def register_method(self, model: str, name: str, function: Callable[..., Any], *,
                        model_method: bool = False, readonly: bool = False) -> None:
        """Answer ``model/name`` with ``function(call, **kwargs)``.

        ``call.env`` is the caller's environment (``search``, ``read``, ``create``,
        ``write``, ``unlink``...), ``call.ids`` the records (``[]`` for a model method).
        Raise :mod:`odoo_async.testing.exceptions` errors to answer like Odoo.

        Raises:
            ValueError: an unknown model or a private method name.
        """
        if model not in self.schema:
            raise ValueError(f"unknown model {model!r}")
        if name.startswith("_"):
            raise ValueError(f"private method names cannot be called remotely: {name!r}")
        operation = "read" if readonly else "write"
        self.methods.register(MethodSpec(name, function, model_method=model_method,
                                         readonly=readonly, operation=operation,
                                         models=frozenset({model})))

    def disable_method(self, name: str) -> None:
        """Answer calls of ``name`` on every model with 404 "does not exist", as a server
        without the module that defines it does (``web_read`` without ``web``...)."""
        self.methods.remove(name)

    def add_incoming_webhook(self, handler: WebhookHandler, *, secret: str | None = None
                             ) -> str:
        """Serve ``/web/hook/<secret>``, calling ``handler(env, payload)``; returns the URL
        path. The handler runs as the superuser; an exception answers 500."""
        secret = secret or secrets.token_hex(16)
        self._incoming[secret] = handler
        return f"/web/hook/{secret}"

    def add_outgoing_webhook(self, model: str, url: str, *, fields: Sequence[str] = (),
                             on: Sequence[str] = ("create", "write"),
                             name: str = "Send Webhook Notification",
                             timeout: float = 10.0) -> OutgoingWebhook:
        """POST records of ``model`` to ``url`` after create/write, as Odoo's server action
        does: no signature, no retry, the triggering call waits for the receiver.

        Raises:
            ValueError: an unknown model or field.
        """
        if model not in self.schema:
            raise ValueError(f"unknown model {model!r}")
        for field in fields:
            if field not in self.schema[model].fields:
                raise ValueError(f"unknown field {model}.{field}")
        hook = OutgoingWebhook(len(self._outgoing) + 1, model, url, tuple(fields),
                               frozenset(on), name, timeout)
        self._outgoing.append(hook)
        return hook

    def env(self, user: FakeUser | None = None, **context: Any) -> Env:
        """Direct access to the data (no HTTP), as ``user`` (the superuser by default)."""
        return Env(self.db, self.rules, user or SUPERUSER, context)

    async def notify_webhooks(self, model: str, method: str, ids: list[int],
                              result: Any) -> None:
        """Send the outgoing webhooks a successful call triggers."""
        hooks = [h for h in self._outgoing if h.model == model and method in h.on]
        if not hooks:
            return
        touched = result if method == "create" and isinstance(result, list) else ids
        env = self.env()
        for hook in hooks:
            for row in env.read(model, touched, list(hook.fields) or ["display_name"]):
                body = {"_action": f"{hook.name}(#{hook.id})", "_id": row["id"],
                        "_model": model, **row}
                await self._post_webhook(hook, body)

    async def _post_webhook(self, hook: OutgoingWebhook, body: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(
                hook.url, data=json.dumps(body), timeout=aiohttp.ClientTimeout(hook.timeout),
                headers={"Content-Type": "application/json",
                         "User-Agent": "python-requests/2.31.0"},
            ) as response:
                await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            self.webhook_failures += 1
            logger.warning("outgoing webhook to %s failed (%s); the event is lost, as in Odoo",
                           hook.url, type(exc).__name__)

    # -- lifecycle -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``.

        Raises:
            RuntimeError: the server is not started.
        """
        if self._runner is None:
            raise RuntimeError("the fake server is not started")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Start listening."""
        app = web.Application(middlewares=[self.faults.middleware, self._pool_middleware],
                              client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True,
                                     shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        """Stop listening."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOdoo:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    def __repr__(self) -> str:
        where = self.url if self._runner else "not started"
        return f"FakeOdoo({where}, database={self.database!r})"

    # -- HTTP ------------------------------------------------------------------------

    def _finish(self, response: web.StreamResponse) -> web.StreamResponse:
        response.headers.setdefault("Server", "Werkzeug/2.2.2 Python/3.11.7")
        if not self.keep_alive:
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
    async def _pool_middleware(self, request: web.Request,
                               handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                               ) -> web.StreamResponse:
        if self.pool_size is not None and self.in_flight >= self.pool_size:
            return self._html(500)
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
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
        return name is not None and name != self.database

    def _authenticate(self, request: web.Request) -> FakeUser:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise CallError.werkzeug(401, "Unauthorized", NOT_AUTHENTICATED)
        user = self.user_for_key(key.strip())
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
                result = await execute(self, user, parts[0], parts[1], kwargs, ids=ids,
                                       context=context)
            finally:
                if self.latency:  # the call has run (and committed) when the delay starts
                    await asyncio.sleep(self.latency)
                if self.gate is not None:  # ... or waits, holding its pool slot, for a test
                    await self.gate.wait()
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
                document, quoted = index_document(self), True
            elif name.endswith(".json") and name[:-5] in self.schema:
                document, quoted = model_document(self, name[:-5]), False
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
        handler = self._incoming.get(request.path[len("/web/hook/"):])
        if handler is None:
            return self._json(404, {"status": "error"})
        payload: dict[str, Any] = {}
        if request.method == "GET":
            payload = dict(request.query)
        elif request.content_type == "application/json":
            try:
                parsed = json.loads(await request.read() or b"{}")
            except ValueError:
                parsed = {}
            payload = parsed if isinstance(parsed, dict) else {}
        try:
            with self.db.transaction():
                outcome = handler(self.env(), payload)
                if inspect.isawaitable(outcome):
                    await outcome
        except Exception:
            logger.exception("incoming webhook handler failed")
            return self._json(500, {"status": "error"})
        return self._json(200, {"status": "ok"})

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
                result: Any = [self.database]
            else:
                result = await legacy.dispatch(self, str(params.get("service")),
                                               str(params.get("method")),
                                               list(params.get("args") or []))
        except CallError as error:
            return self._json(200, {"jsonrpc": "2.0", "id": request_id, "error": {
                "code": 0, "message": "Odoo Server Error", "data": error_body(error)}})
        return self._json(200, {"jsonrpc": "2.0", "id": request_id, "result": result})

    async def _xmlrpc(self, request: web.Request) -> web.StreamResponse:
        service = request.path[len("/xmlrpc/2/"):]
        try:
            params, method = xmlrpc.client.loads(await request.read())
            result = await legacy.dispatch(self, service, str(method), list(params))
            text = xmlrpc.client.dumps((_xmlrpc_safe(result),), methodresponse=True,
                                       allow_none=False)
        except CallError as error:
            text = xmlrpc.client.dumps(legacy.fault_for(error), methodresponse=True)
        except Exception as exc:
            text = xmlrpc.client.dumps(xmlrpc.client.Fault(1, str(exc)), methodresponse=True)
        return self._finish(web.Response(text=text, content_type="text/xml", charset="utf-8"))


def _xmlrpc_safe(value: Any) -> Any:
    if value is None:
        return False
    if isinstance(value, dict):
        return {str(k): _xmlrpc_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_xmlrpc_safe(v) for v in value]
    return value

