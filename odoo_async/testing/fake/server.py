"""``FakeOdoo``: an in-process aiohttp server that answers like a real Odoo 19.

::

    async with FakeOdoo() as fake:                  # 127.0.0.1, a free port, demo data
        async with Client(fake.url, api_key=fake.api_key) as odoo:
            ...
"""

from __future__ import annotations

import asyncio
import collections
import secrets
import ssl
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Final

from aiohttp import web

from odoo_async.testing.fake.business import Rules
from odoo_async.testing.fake.flows import default_registry
from odoo_async.testing.fake.methods import MethodSpec
from odoo_async.testing.fake.orm import Env
from odoo_async.testing.fake.routes import Routes
from odoo_async.testing.fake.schema import load_schema
from odoo_async.testing.fake.seed import seed
from odoo_async.testing.fake.users import ADMIN_RIGHTS, BOT_RIGHTS, SUPERUSER, FakeUser
from odoo_async.testing.fake.webhooks import OutgoingWebhook, WebhookHandler, Webhooks
from odoo_async.testing.faults import FaultPlan

__all__ = ["FakeOdoo", "OutgoingWebhook"]

DEFAULT_POOL_SIZE: Final = 64


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
        ssl_context: serve HTTPS with this context (its certificate and key); the
            :attr:`url` then starts with ``https://``. None: plain HTTP.

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
        ssl_context: ssl.SSLContext | None = None,
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
        self.ssl_context = ssl_context
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
        self.webhooks = Webhooks()
        self._runner: web.AppRunner | None = None

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
        return self.webhooks.add_incoming(handler, secret)

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
        return self.webhooks.add_outgoing(model, url, fields, on, name, timeout)

    @property
    def webhook_failures(self) -> int:
        """Outgoing webhook notifications that failed (lost, as in Odoo)."""
        return self.webhooks.failures

    def env(self, user: FakeUser | None = None, **context: Any) -> Env:
        """Direct access to the data (no HTTP), as ``user`` (the superuser by default)."""
        return Env(self.db, self.rules, user or SUPERUSER, context)

    async def notify_webhooks(self, model: str, method: str, ids: list[int],
                              result: Any) -> None:
        """Send the outgoing webhooks a successful call triggers."""
        await self.webhooks.notify(self.env(), model, method, ids, result)

    # -- lifecycle -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>`` (``https://`` with an SSL context).

        Raises:
            RuntimeError: the server is not started.
        """
        if self._runner is None:
            raise RuntimeError("the fake server is not started")
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    async def start(self) -> None:
        """Start listening."""
        routes = Routes(self)
        app = web.Application(middlewares=[self.faults.middleware, routes.pool_middleware],
                              client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", routes.dispatch)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True,
                                     shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port,
                           ssl_context=self.ssl_context)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        """Stop listening."""
        await self.webhooks.close()
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
