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
from collections.abc import Mapping
from typing import Any, Final

import aiohttp
import attrs
from multidict import CIMultiDict
from yarl import URL

from odoo_async._version import __version__
from odoo_async.config import ConnectionLimits, Timeout
from odoo_async.errors import (
    ClientClosedError,
    ConnectError,
    ConnectionLostError,
    RequestTimeoutError,
    TransportError,
)

__all__ = ["DEFAULT_USER_AGENT", "HttpAnswer", "HttpSession", "parse_base_url"]

logger = logging.getLogger("odoo_async.transport")

DEFAULT_USER_AGENT: Final = (
    f"odoo-async/{__version__} aiohttp/{aiohttp.__version__} "
    f"python/{sys.version_info.major}.{sys.version_info.minor}"
)


@attrs.frozen
class HttpAnswer:
    """A complete HTTP answer: status, headers (without cookies) and the raw body."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower case (``"application/json"``)."""
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


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
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(
            total=timeout.total, connect=timeout.connect, sock_read=timeout.read
        )
        self._limits = limits
        self._ssl = ssl
        self._session = session
        self._owns_session = session is None
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("the client is closed; create a new one")
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
        elif self._session.closed:
            raise ClientClosedError("the aiohttp session given to the client was closed")
        return self._session

    async def request(
        self,
        method: str,
        url: URL,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        model: str | None = None,
        odoo_method: str | None = None,
    ) -> HttpAnswer:
        """Send one request and read the whole answer, whatever its status.

        Raises:
            ClientClosedError: after :meth:`aclose`.
            ConnectError: the request never left (refused, DNS, TLS, pool wait timed out).
            ConnectionLostError: the connection dropped after the request may have left.
            RequestTimeoutError: no complete answer in time.
            TransportError: any other client-side HTTP failure.
        """
        session = self._get_session()
        started = time.perf_counter()
        where = {"model": model, "method": odoo_method}
        try:
            async with session.request(
                method,
                url,
                data=body,
                headers=headers,
                allow_redirects=False,
                ssl=self._ssl,
            ) as response:
                payload = await response.read()
                answer = HttpAnswer(
                    status=response.status,
                    headers=_safe_headers(response.headers),
                    body=payload,
                    url=str(response.url),
                )
        except aiohttp.ClientConnectorCertificateError as exc:
            raise ConnectError(f"TLS certificate verification failed: {exc.certificate_error}",
                               **where) from None
        except aiohttp.ClientConnectorError as exc:
            raise ConnectError(f"cannot connect to {exc.host}:{exc.port}: {exc.strerror or exc}",
                               **where) from None
        except aiohttp.ConnectionTimeoutError:
            raise ConnectError("timed out waiting for a connection", **where) from None
        except (aiohttp.ServerTimeoutError, asyncio.TimeoutError):
            raise RequestTimeoutError("no answer within the timeout", **where) from None
        except aiohttp.ServerDisconnectedError:
            raise ConnectionLostError("the server closed the connection", **where) from None
        except aiohttp.ClientPayloadError as exc:
            raise ConnectionLostError(f"the answer was cut off: {exc}", **where) from None
        except aiohttp.ClientOSError as exc:
            raise ConnectionLostError(f"connection error: {exc.strerror or exc}",
                                      **where) from None
        except aiohttp.ClientError as exc:
            raise TransportError(f"HTTP client error: {type(exc).__name__}", **where) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.debug(
            "%s %s -> %s in %.1f ms, %d bytes",
            method,
            f"{model}/{odoo_method}" if model else url.path,
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

    async def aclose(self) -> None:
        """Close the session if this object created it. Idempotent."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()


_DROPPED_HEADERS: Final = frozenset({"set-cookie"})


def _safe_headers(headers: Any) -> Mapping[str, str]:
    """Response headers without cookies (Odoo sends a session cookie on some routes)."""
    return CIMultiDict(
        (key, value) for key, value in headers.items() if key.lower() not in _DROPPED_HEADERS
    )
