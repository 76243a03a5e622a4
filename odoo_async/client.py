"""The :class:`Client`: configuration, session lifecycle and ``call``."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import ssl as ssl_module
import warnings
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Final

import aiohttp
import attrs
from yarl import URL

from odoo_async.config import ConnectionLimits, Timeout
from odoo_async.domain import Domain
from odoo_async.errors import ClientClosedError, EventLoopError, ProtocolError
from odoo_async.resilience import (
    CircuitBreaker,
    ClientStats,
    Clock,
    RateLimit,
    Resilience,
    RetryPolicy,
    SystemClock,
)
from odoo_async.secret import Secret
from odoo_async.transport.auto import BUILT_IN_TRANSPORTS, AutoTransport
from odoo_async.transport.base import Transport, validate_method, validate_model
from odoo_async.transport.http import parse_base_url
from odoo_async.transport.json2 import Json2Transport
from odoo_async.transport.legacy import JsonRpcTransport, XmlRpcTransport
from odoo_async.values import normalize_ids, to_wire, to_wire_vals

if TYPE_CHECKING:
    from odoo_async.apikeys import ApiKeys
    from odoo_async.bulk import Bulk
    from odoo_async.introspection import Introspector
    from odoo_async.orm import Environment, Model

__all__ = ["DEFAULT_MAX_IN_FLIGHT", "Client"]

logger = logging.getLogger("odoo_async.client")

DEFAULT_MAX_IN_FLIGHT: Final = 16
"""Calls one client sends at once by default.

A default Odoo server runs out of database connections at about 65 concurrent calls
(``db_maxconn`` 64) and then answers HTML 500s. Sixteen keeps one client's concurrent
calls to a quarter of that, leaving room for other clients, Odoo's cron workers and
interactive users, while still overlapping network latency well (a small call takes
10-30 ms on the server).
"""


PROTOCOLS: Final = ("json2", "jsonrpc", "xmlrpc", "auto")


def _transport_for(protocol: str, url: URL, key: Secret, *, login: str | None,
                   **common: Any) -> Transport:
    """The transport for ``protocol``.

    Raises:
        ValueError: an unknown protocol, or a legacy one without a login.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")
    if protocol in ("jsonrpc", "xmlrpc") and not login:
        raise ValueError(f"protocol={protocol!r} authenticates with the login of the API "
                         "key's user: pass login='...'")
    if login is not None and (not isinstance(login, str) or not login.strip()):
        raise ValueError(f"login must be a non-empty str, got {login!r}")
    if protocol == "jsonrpc":
        return JsonRpcTransport(url, key, login=login, **common)
    if protocol == "xmlrpc":
        return XmlRpcTransport(url, key, login=login, **common)
    json2 = Json2Transport(url, key, **common)
    if protocol == "json2":
        return json2
    return AutoTransport(json2, JsonRpcTransport(url, key, login=login, **common))


def _as_timeout(timeout: Timeout | float | None) -> Timeout | None:
    if timeout is None or isinstance(timeout, Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a Timeout or seconds, not {type(timeout).__name__}")
    return Timeout(total=float(timeout))


def _header_value(name: str, value: object, *, limit: int) -> str:
    """A value that can travel in an HTTP header as it is: printable ASCII, one line."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if (not value or len(value) > limit or not value.isascii()
            or any(not 32 <= ord(ch) < 127 for ch in value)):
        raise ValueError(f"{name} must be 1 to {limit} printable ASCII characters, "
                         f"got {value[:80]!r}")
    return value


def _is_local(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _retry_policy(retry: RetryPolicy | bool, extra: Iterable[str]) -> RetryPolicy:
    if retry is True:
        retry = RetryPolicy()
    elif retry is False:
        retry = RetryPolicy.disabled()
    elif not isinstance(retry, RetryPolicy):
        raise TypeError(f"retry must be a RetryPolicy or a bool, not {type(retry).__name__}")
    extra = frozenset(extra)
    if extra:
        retry = attrs.evolve(retry, idempotent_methods=retry.idempotent_methods | extra)
    return retry


class Client:
    """An asynchronous client for one Odoo database.

    ::

        async with Client("https://mycompany.example.com", api_key=KEY,
                          database="mycompany") as odoo:
            ids = await odoo.call("res.partner", "search", domain=[], limit=5)

    The aiohttp session is created on the first call, inside the running event loop, and
    closed by :meth:`close` or at the end of ``async with``. A session passed in with
    ``session=`` is used as it is and left open.

    Args:
        url: the server's base URL, ``https://host[:port][/prefix]``.
        api_key: an Odoo API key (a str or a :class:`Secret`); never logged or shown.
        database: sent as ``X-Odoo-Database``; needed when the server hosts several.
        timeout: a :class:`Timeout`, or a number of seconds for the total.
        limits: the connection pool (:class:`ConnectionLimits`).
        user_agent: replaces the default ``odoo-async/<version> aiohttp/... python/...``.
        ssl: ``True`` (verify, the default), ``False`` (do not verify: tests only), or an
            ``ssl.SSLContext``.
        session: an existing ``aiohttp.ClientSession`` to use (not closed by the client).
        context: a default context merged under every call's own context.
        naive_datetimes_are_utc: send naive datetimes as UTC instead of refusing them.
        transport: a ready :class:`Transport` to use instead of JSON-2 over aiohttp (tests,
            other protocols); ``timeout``, ``limits``, ``ssl`` and ``session`` are then unused.
        retry: a :class:`RetryPolicy`, ``True`` for the default one, ``False`` for none.
        breaker: a :class:`CircuitBreaker` (shareable between clients), ``True`` for a new
            one owned by this client, ``False`` for none.
        rate_limit: a :class:`RateLimit` (calls per second, burst), or ``None``.
        max_in_flight: calls sent at once (``DEFAULT_MAX_IN_FLIGHT``), or ``None``.
        idempotent_methods: methods safe to repeat after a timeout, on top of the
            read-only ones: ``"method"`` for every model or ``"model/method"``.
        clock: the time source for backoff, breaker and rate limit (tests inject one).
        cache: keep fetched record values for recordsets (per context); ``False`` keeps
            them only within the recordsets a fetch returns.
        cache_max_records: bound of the record cache (least recently used out first).
        coalesce: merge concurrent fetches of the same model and fields into one call.
        web_read: read through ``web_read``/``web_search_read`` (``None``: use them and
            fall back to ``read``/``search_read`` if the server lacks them).
        protocol: ``"json2"`` (Odoo 19+, the default), ``"jsonrpc"`` or ``"xmlrpc"``
            (Odoo 8 to 19), or ``"auto"`` (asks the server's version once).
        login: the API key's user login: the legacy protocols authenticate with it.
        check_calls: check each call's keyword arguments against the method's documented
            signature before sending (one documentation request per model), and repeat
            the methods it marks read-only after a timeout, as the built-in read-only ones.

    Raises:
        ValueError: an invalid URL, key, database name or setting.
        TypeError: an argument of the wrong type.
    """

    def __init__(
        self,
        url: str,
        api_key: str | Secret,
        database: str | None = None,
        *,
        timeout: Timeout | float | None = None,
        limits: ConnectionLimits | None = None,
        user_agent: str | None = None,
        ssl: bool | ssl_module.SSLContext = True,
        session: aiohttp.ClientSession | None = None,
        context: Mapping[str, Any] | None = None,
        naive_datetimes_are_utc: bool = False,
        transport: Transport | None = None,
        retry: RetryPolicy | bool = True,
        breaker: CircuitBreaker | bool = True,
        rate_limit: RateLimit | None = None,
        max_in_flight: int | None = DEFAULT_MAX_IN_FLIGHT,
        idempotent_methods: Iterable[str] = (),
        clock: Clock | None = None,
        cache: bool = True,
        cache_max_records: int | None = 100_000,
        coalesce: bool = True,
        web_read: bool | None = None,
        protocol: str = "json2",
        login: str | None = None,
        check_calls: bool = False,
    ) -> None:
        self._url = parse_base_url(url)
        self._api_key = Secret(api_key)
        if database is not None:
            _header_value("database", database, limit=63)
        if user_agent is not None:
            _header_value("user_agent", user_agent, limit=512)
        if self._url.scheme == "http" and not _is_local(self._url.host):
            message = (f"{self._url.host} is reached over plain http://: the API key travels "
                       "in clear text; use https://")
            warnings.warn(message, UserWarning, stacklevel=2)
            logger.warning(message)
        self._database = database
        self._context = to_wire(dict(context or {}), where="context")
        self._naive_is_utc = naive_datetimes_are_utc
        self._timeout = _as_timeout(timeout) or Timeout()
        self._twin_settings: dict[str, Any] = {
            "timeout": self._timeout, "limits": limits, "user_agent": user_agent, "ssl": ssl,
            "protocol": protocol, "login": login}
        self._transport: Transport = transport or _transport_for(
            protocol, self._url, self._api_key, login=login, database=database,
            timeout=self._timeout, limits=limits, user_agent=user_agent, ssl=ssl,
            session=session)
        clock = clock or SystemClock()
        self._resilience = Resilience(
            retry=_retry_policy(retry, idempotent_methods),
            breaker=CircuitBreaker(clock=clock) if breaker is True else (breaker or None),
            rate_limit=rate_limit,
            max_in_flight=max_in_flight,
            clock=clock,
        )
        self._closed = False
        self._env: Environment | None = None
        self._bulk: Bulk | None = None
        self._introspector: Introspector | None = None
        self._apikeys: ApiKeys | None = None
        self._check_calls = bool(check_calls)
        self._loop: asyncio.AbstractEventLoop | None = None
        self.recordset_settings: dict[str, Any] = {
            "cache": cache, "cache_max_records": cache_max_records, "coalesce": coalesce,
            "web_read": web_read}
        """The settings the recordset layer reads when it attaches to this client."""

    # -- the layers above ----------------------------------------------------------------
    # The recordset and bulk layers sit above the client and plug themselves in here when
    # they are imported (``import odoo_async`` imports both): the client never imports
    # them, so dependencies point one way.

    _extensions: ClassVar[dict[str, Callable[[Client], Any]]] = {}

    @classmethod
    def register_extension(cls, name: str, factory: Callable[[Client], Any]) -> None:
        """Let a layer above the client provide ``client.<name>`` (``"env"`` for
        recordsets, ``"bulk"``); ``factory(client)`` builds it on first use."""
        cls._extensions[name] = factory

    def _extension(self, name: str) -> Any:
        factory = Client._extensions.get(name)
        if factory is None:
            raise RuntimeError(f"client.{name} is provided by a layer that was not imported; "
                               "import odoo_async")
        return factory(self)

    @property
    def env(self) -> Environment:
        """Models by name with the client's default context: ``client.env["res.partner"]``.

        Raises:
            RuntimeError: the recordset layer was not imported (``import odoo_async``
                imports it).
        """
        if self._env is None:
            self._env = self._extension("env")
        return self._env

    @property
    def bulk(self) -> Bulk:
        """Bulk helpers: ``await client.bulk.upsert("res.partner", rows, key="ref")``.

        Raises:
            RuntimeError: the bulk layer was not imported (``import odoo_async`` imports
                it).
        """
        if self._bulk is None:
            self._bulk = self._extension("bulk")
        return self._bulk

    @property
    def apikeys(self) -> ApiKeys:
        """The API keys of the key's user: ``generate``, ``list_keys``, ``revoke``, ``rotate``
        (the user's password is needed: Odoo checks identity to create or remove keys).

        Raises:
            RuntimeError: the module was not imported (``import odoo_async`` imports it).
        """
        if self._apikeys is None:
            self._apikeys = self._extension("apikeys")
        return self._apikeys

    @property
    def introspect(self) -> Introspector:
        """What the server says about its models: ``await client.introspect("res.partner")``
        (fields, methods, signatures, ``api`` flags from Odoo's API documentation, or
        ``fields_get`` where that is not available); ``await client.introspect()`` lists
        every model.

        Raises:
            RuntimeError: the introspection module was not imported (``import
                odoo_async`` imports it).
        """
        if self._introspector is None:
            self._introspector = self._extension("introspect")
        return self._introspector

    def __getitem__(self, model: str) -> Model:
        """The model ``model`` (no I/O): ``client["res.partner"]``.

        Raises:
            ValueError, TypeError: an invalid model name.
        """
        return self.env[model]

    def with_context(self, **values: Any) -> Environment:
        """An environment on this client with more context: ``client.with_context(
        lang="fr_FR")["res.partner"]``."""
        return self.env.with_context(**values)

    # -- lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> Client:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connections. Idempotent; the client cannot be used afterwards."""
        self._closed = True
        await self._transport.aclose()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosedError("the client is closed; create a new one")

    def check_loop(self) -> None:
        """Make sure the client runs on the event loop it first ran on (it remembers the
        first one).

        Raises:
            EventLoopError: called from another event loop, or that loop is closed.
            RuntimeError: no event loop is running.
        """
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise EventLoopError.for_loop(self._loop.is_closed())

    @property
    def url(self) -> str:
        """The server's base URL."""
        return str(self._url)

    @property
    def database(self) -> str | None:
        """The database sent as ``X-Odoo-Database``, if any."""
        return self._database

    @property
    def transport(self) -> Transport:
        """The transport calls go through."""
        return self._transport

    @property
    def stats(self) -> ClientStats:
        """Counters: calls, retries, failures by class, breaker state, calls in flight."""
        return self._resilience.stats

    @property
    def key_identity(self) -> int:
        """A number that tells API keys apart without revealing them (for caches of
        what depends on the user, such as field metadata)."""
        return hash(self._api_key)

    @property
    def timeout(self) -> Timeout:
        """The timeout of each request (its ``total`` also bounds a call's retries)."""
        return self._timeout

    @property
    def max_in_flight(self) -> int | None:
        """Calls this client sends at once at most (``None``: no cap)."""
        cap = self._resilience.in_flight
        return cap.limit if cap is not None else None

    @property
    def clock(self) -> Clock:
        """The time source of backoff, breaker, rate limit and bulk pacing."""
        return self._resilience.clock

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy in force."""
        return self._resilience.retry

    @property
    def breaker(self) -> CircuitBreaker | None:
        """The circuit breaker, if any."""
        return self._resilience.breaker

    def __repr__(self) -> str:
        return (
            f"Client({self.url!r}, api_key={self._api_key!r}, database={self._database!r}"
            f"{', closed' if self._closed else ''})"
        )

    # -- calls -------------------------------------------------------------------------

    @property
    def naive_datetimes_are_utc(self) -> bool:
        """Whether naive datetimes are sent as UTC (else they are refused)."""
        return self._naive_is_utc

    def convert_values(self, values: Mapping[str, Any], *, where: str = "values"
                       ) -> dict[str, Any]:
        """Record values (``{"field": value}``) made ready for ``create``/``write``, with
        this client's settings: the one conversion every layer above uses.

        Raises:
            TypeError, ValueError: as :func:`odoo_async.values.to_wire_vals`.
        """
        return to_wire_vals(values, where=where, naive_is_utc=self._naive_is_utc)

    def build_payload(
        self,
        ids: Any = None,
        context: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The JSON object sent for a call: ``params`` converted, plus ``ids`` and ``context``.

        Raises:
            TypeError: a value that cannot be sent (the message names the parameter), or
                ids that are not ints.
            ValueError: a naive datetime, NaN, a non-positive or too large id, a malformed
                ``domain``.
        """
        payload: dict[str, Any] = {}
        domain = (params or {}).get("domain")
        if isinstance(domain, (list, tuple)) and domain:
            Domain(domain)  # a malformed domain fails here, naming the item
        for name, value in (params or {}).items():
            payload[name] = to_wire(value, where=f"parameter {name!r}",
                                    naive_is_utc=self._naive_is_utc)
        if ids is not None:
            payload["ids"] = normalize_ids(ids)
        merged = dict(self._context)
        if context is not None and not isinstance(context, Mapping):
            raise TypeError(f"context must be a mapping, not {type(context).__name__}")
        if context:
            merged.update(to_wire(context, where="context", naive_is_utc=self._naive_is_utc))
        if merged:
            payload["context"] = merged
        return payload

    async def call(
        self,
        model: str,
        method: str,
        /,
        ids: Any = None,
        context: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
        **params: Any,
    ) -> Any:
        """Call ``model.method`` on the server and return its result as Odoo sent it.

        ``ids`` (an int, ints, or a recordset) selects the records the method runs on;
        leave it out for ``@api.model`` methods such as ``search`` or ``create``. Every
        other keyword is passed to the method by name, except ``idempotent``: ``True``
        lets the call be repeated after a timeout or a lost connection (it is safe to run
        twice), ``False`` forbids it even for a read-only method. ::

            await odoo.call("res.partner", "search_read", domain=[], fields=["name"])
            await odoo.call("sale.order", "action_confirm", ids=[15])

        Raises:
            ValueError: an invalid model or method name (nothing is sent), a value that
                cannot be sent (naive datetime, NaN), or with ``check_calls`` an argument
                the method does not take or a required one left out.
            TypeError: a parameter of a type JSON cannot carry (the message names it).
            ClientClosedError: the client was closed.
            odoo_async.errors.ServerError: Odoo answered with an error (a subclass per kind).
            odoo_async.errors.OutcomeUnknownError: a call that may change data failed after
                it may have reached Odoo; it was not repeated.
            odoo_async.errors.TransportError: the call got no complete answer.
            odoo_async.errors.CircuitOpenError: the circuit breaker is open; nothing sent.
            odoo_async.errors.ProtocolError: the answer was not valid JSON.
        """
        self._check_open()
        self.check_loop()
        validate_model(model)
        validate_method(method)
        payload = self.build_payload(ids, context, params)
        if self._check_calls:
            readonly = await self.introspect.check_call(model, method, params)
            if idempotent is None and readonly:
                idempotent = True  # documented read-only: safe to repeat
        return await self._resilience.run(
            lambda: self._transport.call(model, method, payload),
            model=model, method=method, idempotent=idempotent, budget=self._timeout.total,
        )

    async def version(self) -> dict[str, Any]:
        """The server's version: ``{"version_info": [19, 0, 0, "final", 0, ""], ...}``.

        Raises:
            ClientClosedError, odoo_async.errors.OdooError: as :meth:`call`.
        """
        self._check_open()
        self.check_loop()
        return await self._resilience.run(self._transport.version, model=None, method=None,
                                          budget=self._timeout.total)

    def with_api_key(self, api_key: str | Secret) -> Client:
        """A new client for the same server, database and connection settings with
        another key (to try a freshly generated one). Close it when done.

        Raises:
            ValueError: an invalid key.
            RuntimeError: this client runs on a transport of the caller's own.
        """
        if not isinstance(self._transport, BUILT_IN_TRANSPORTS):
            raise RuntimeError("with_api_key() needs a client on one of the built-in "
                               "transports")
        return Client(str(self._url), api_key, self._database, **self._twin_settings)

    async def whoami(self) -> dict[str, Any]:
        """Who the API key belongs to: ``res.users/context_get``, ``{"uid", "lang", "tz"}``.

        Raises:
            ProtocolError: the answer is not an object.
            ClientClosedError, odoo_async.errors.OdooError: as :meth:`call`.
        """
        result = await self.call("res.users", "context_get")
        if not isinstance(result, dict):
            raise ProtocolError("res.users/context_get did not answer an object",
                                model="res.users", method="context_get")
        return result
