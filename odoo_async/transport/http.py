"""HTTP plumbing shared by the transports: the pooled aiohttp session and error mapping.

One :class:`HttpSession` owns (or borrows) one ``aiohttp.ClientSession``. It turns every
aiohttp failure into the library's :class:`~odoo_async.errors.TransportError` family,
telling apart a request that provably never left from one that may have reached Odoo,
and it never lets aiohttp objects that hold request headers (and so the API key) escape.
"""

from __future__ import annotations

import asyncio
import logging
import ssl as ssl_module
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import aiohttp
import attrs
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from odoo_async._version import __version__
from odoo_async.config import ConnectionLimits, Timeout
from odoo_async.errors import (
    ClientClosedError,
    ConnectError,
    ConnectionLostError,
    EventLoopError,
    OdooError,
    ProtocolError,
    RequestTimeoutError,
    TransportError,
)
from odoo_async.secret import Secret

__all__ = ["DEFAULT_USER_AGENT", "HttpAnswer", "HttpSession", "RequestHeaders",
           "parse_base_url"]

ERROR_BODY_BYTES: Final = 1024 * 1024
"""How much of an error answer's body is read (the rest is dropped)."""

logger = logging.getLogger("odoo_async.transport")

DEFAULT_USER_AGENT: Final = (
    f"odoo-async/{__version__} aiohttp/{aiohttp.__version__} "
    f"python/{sys.version_info.major}.{sys.version_info.minor}"
)


@attrs.frozen
class HttpAnswer:
    """A complete HTTP answer: status, headers (without cookies) and the raw body."""

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=False)
    url: str = attrs.field(repr=False)

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower case (``"application/json"``)."""
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


class RequestHeaders(Mapping[str, str]):
    """Request headers whose ``Authorization`` stays inside a :class:`Secret` until
    aiohttp copies the headers into its own objects: no frame of the library holds the
    key in plain text, and ``repr`` shows it redacted."""

    __slots__ = ("_auth", "_plain")

    def __init__(self, plain: Mapping[str, str], auth: Secret | None = None) -> None:
        self._plain = dict(plain)
        self._auth = auth

    def __getitem__(self, name: str) -> str:
        if name == "Authorization" and self._auth is not None:
            return f"bearer {self._auth.reveal()}"
        return self._plain[name]

    def __iter__(self) -> Iterator[str]:
        if self._auth is not None:
            yield "Authorization"
        yield from self._plain

    def __len__(self) -> int:
        return len(self._plain) + (self._auth is not None)

    def __repr__(self) -> str:
        shown = dict(self._plain)
        if self._auth is not None:
            shown["Authorization"] = f"bearer {self._auth!r}"
        return f"RequestHeaders({shown!r})"


def parse_base_url(url: str | URL) -> URL:
    """Validate the server's base URL (scheme, host, optional path prefix).

    Raises:
        ValueError: not an http(s) URL with a host, or it carries credentials, a query
            or a fragment.
        TypeError: ``url`` is neither a str nor a ``yarl.URL``.
    """
    if not isinstance(url, (str, URL)):
        raise TypeError(f"url must be a str, not {type(url).__name__}")
    try:
        parsed = URL(url)
    except ValueError as exc:
        raise ValueError(f"invalid server URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(
            f"invalid server URL {str(url)!r}: expected http(s)://host[:port][/prefix]"
        )
    if parsed.user or parsed.password:
        raise ValueError("the server URL must not carry credentials; pass api_key= instead")
    if parsed.query_string or parsed.fragment:
        raise ValueError(f"the server URL must not have a query or fragment: {str(url)!r}")
    return parsed.with_path(parsed.path.rstrip("/") or "/")


class HttpSession:
    """A lazily created, pooled ``aiohttp.ClientSession`` and the request primitive.

    With ``session=`` the caller's session is used and never closed here.
    """

    def __init__(
        self,
        *,
        timeout: Timeout,
        limits: ConnectionLimits,
        ssl: bool | ssl_module.SSLContext = True,
        session: aiohttp.ClientSession | None = None,
        resend_idempotent: bool = True,
    ) -> None:
        """``resend_idempotent=False``: aiohttp does not re-send a GET itself after a
        dropped connection (a webhook's GET may run a rule)."""
        self._resend_idempotent = resend_idempotent
        self._timeout = aiohttp.ClientTimeout(
            total=timeout.total, connect=timeout.connect, sock_read=timeout.read
        )
        self._limits = limits
        self._ssl = ssl
        self._session = session
        self._owns_session = session is None
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    def _check_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise EventLoopError.for_loop(self._loop.is_closed())

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("the client is closed; create a new one")
        self._check_loop()
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._limits.max_connections,
                limit_per_host=0,
                keepalive_timeout=(
                    None if self._limits.force_close else self._limits.keepalive_timeout
                ),
                force_close=self._limits.force_close,
                ssl=self._ssl,
                enable_cleanup_closed=sys.version_info < (3, 12, 7),
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=True,
            )
            if not self._resend_idempotent and hasattr(self._session, "_retry_connection"):
                # aiohttp re-sends a GET by itself when its connection drops; a request
                # that may have run must not be (no public switch exists for this)
                self._session._retry_connection = False
        elif self._session.closed:
            raise ClientClosedError("the aiohttp session given to the client was closed")
        return self._session

    async def request(
        self,
        method: str,
        url: URL | Secret,
        *,
        headers: Mapping[str, str],
        body: bytes | Callable[[], bytes] | None = None,
        model: str | None = None,
        odoo_method: str | None = None,
    ) -> HttpAnswer:
        """Send one request and read the whole answer, whatever its status. A ``url``
        given as a :class:`Secret` (a webhook URL, secret as a whole) is revealed only
        to aiohttp: no log line, answer or frame of the library holds it. A ``body`` given
        as a function (one that puts a key in it) is called only to hand its bytes to
        aiohttp, for the same reason.

        The client's timeout applies to every request, even on a session given by the
        caller, and the session's own ``raise_for_status`` is ignored. An error answer's
        body is read up to ``ERROR_BODY_BYTES``; a success larger than the limits'
        ``max_answer_bytes`` is refused.

        Raises:
            ClientClosedError: after :meth:`aclose`, or closed while this request was in
                flight (``interrupted=True``).
            EventLoopError: used from another event loop than the first one.
            ConnectError: the request never left (refused, DNS, TLS, pool wait timed out).
            ConnectionLostError: the connection dropped after the request may have left.
            RequestTimeoutError: no complete answer in time.
            ProtocolError: the answer is larger than ``max_answer_bytes``.
            TransportError: any other client-side HTTP failure.
        """
        session = self._get_session()
        started = time.perf_counter()
        where = {"model": model, "method": odoo_method}
        failure: OdooError | None = None
        cancelled: tuple[Any, ...] | None = None
        try:
            answer = await self._exchange(session, method, url, headers, body, where)
        except OdooError as exc:
            failure = exc
        except aiohttp.ClientError as exc:
            failure = _transport_error(exc, where)
        except asyncio.TimeoutError:
            failure = RequestTimeoutError("no answer within the timeout", **where)
        except asyncio.CancelledError as exc:
            cancelled = exc.args
        if cancelled is not None:
            # A fresh CancelledError: the one raised inside aiohttp carries frames whose
            # locals hold the request headers.
            raise asyncio.CancelledError(*cancelled)
        if failure is not None:
            # Raised outside the ``except`` blocks: aiohttp's exception (whose frames and
            # request info carry the headers, so the key) is not chained as __context__.
            if self._closed and isinstance(failure, TransportError):
                failure = ClientClosedError(
                    "the client was closed while the call was in flight", interrupted=True)
            raise failure
        if not logger.isEnabledFor(logging.DEBUG):
            return answer
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.debug(
            "%s %s -> %s in %.1f ms, %d bytes",
            method,
            f"{model}/{odoo_method}" if model else _shown_path(url),
            answer.status,
            elapsed_ms,
            len(answer.body),
            extra={
                "odoo_model": model,
                "odoo_method": odoo_method,
                "http_status": answer.status,
                "duration_ms": elapsed_ms,
                "response_bytes": len(answer.body),
            },
        )
        return answer

    async def _exchange(self, session: aiohttp.ClientSession, method: str, url: URL | Secret,
                        headers: Mapping[str, str], body: bytes | Callable[[], bytes] | None,
                        where: Mapping[str, str | None]) -> HttpAnswer:
        async with session.request(
            method,
            url.reveal() if isinstance(url, Secret) else url,
            data=body() if callable(body) else body,  # built here: no frame of ours keeps it
            headers=headers,
            allow_redirects=False,
            ssl=self._ssl,
            timeout=self._timeout,
            raise_for_status=False,
        ) as response:
            limit = (ERROR_BODY_BYTES if response.status >= 400
                     else self._limits.max_answer_bytes)
            payload = await _read_body(response, limit, where)
            if not isinstance(payload, ProtocolError):
                return HttpAnswer(
                    status=response.status,
                    headers=_safe_headers(response.headers),
                    body=payload,
                    url=_SECRET_URL if isinstance(url, Secret) else str(response.url),
                )
        del response  # its repr shows the URL: not a local of the frame the error leaves
        raise payload

    async def aclose(self) -> None:
        """Close the session if this object created it. Idempotent."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()


_SECRET_URL: Final = "(a secret URL)"


def _shown_path(url: URL | Secret) -> str:
    """What a log line may show of ``url``: its path, or nothing of a secret URL."""
    return _SECRET_URL if isinstance(url, Secret) else url.path


def _transport_error(exc: aiohttp.ClientError, where: Mapping[str, str | None]
                     ) -> TransportError:
    """The library's error for an aiohttp failure (built from facts, never from the
    request, so that no header reaches the message)."""
    cls: type[TransportError]
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cls, message = ConnectError, f"TLS certificate verification failed: " \
                                     f"{exc.certificate_error}"
    elif isinstance(exc, aiohttp.ClientConnectorError):
        cls, message = ConnectError, f"cannot connect to {exc.host}:{exc.port}: " \
                                     f"{exc.strerror or exc}"
    elif isinstance(exc, aiohttp.ConnectionTimeoutError):
        cls, message = ConnectError, "timed out waiting for a connection"
    elif isinstance(exc, aiohttp.ServerTimeoutError):
        cls, message = RequestTimeoutError, "no answer within the timeout"
    elif isinstance(exc, aiohttp.ServerDisconnectedError):
        cls, message = ConnectionLostError, "the server closed the connection"
    elif isinstance(exc, aiohttp.ClientPayloadError):
        cls, message = ConnectionLostError, f"the answer was cut off: {exc}"
    elif isinstance(exc, aiohttp.ClientOSError):
        cls, message = ConnectionLostError, f"connection error: {exc.strerror or exc}"
    else:
        cls, message = TransportError, f"HTTP client error: {type(exc).__name__}"
    return cls(message, model=where.get("model"), method=where.get("method"))


async def _read_body(response: aiohttp.ClientResponse, limit: int | None,
                     where: Mapping[str, str | None]) -> bytes | ProtocolError:
    """The answer's body, up to ``limit`` bytes after decompression: an error body is cut
    there, a success body over it is refused (the error is returned, for the caller to
    raise once the response is out of its frame)."""
    if limit is None:
        return await response.read()
    declared = response.content_length
    error_answer = response.status >= 400
    if (declared is not None and declared <= limit
            and not response.headers.get("Content-Encoding")):
        return await response.read()
    if declared is not None and declared > limit and not error_answer:
        return ProtocolError(f"the answer is {declared} bytes, more than max_answer_bytes "
                             f"({limit})", status=response.status, model=where.get("model"),
                             method=where.get("method"))
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            if error_answer:
                chunks.append(chunk[: len(chunk) - (size - limit)])
                break
            return ProtocolError(f"the answer is larger than max_answer_bytes ({limit})",
                                 status=response.status, model=where.get("model"),
                                 method=where.get("method"))
        chunks.append(chunk)
    return b"".join(chunks)


_DROPPED_HEADERS: Final = frozenset({"set-cookie"})


def _safe_headers(headers: CIMultiDictProxy[str]) -> Mapping[str, str]:
    """Response headers without cookies (Odoo sends a session cookie on some routes)."""
    if "Set-Cookie" not in headers:
        return headers  # aiohttp's read-only view: nothing to drop, nothing to copy
    return CIMultiDict(
        (key, value) for key, value in headers.items() if key.lower() not in _DROPPED_HEADERS
    )
