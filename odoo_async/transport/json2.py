"""The JSON-2 transport (Odoo 19): ``POST /json/2/<model>/<method>`` with a bearer key."""

from __future__ import annotations

import functools
import ssl as ssl_module
from collections.abc import Mapping
from typing import Any, Final

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from odoo_async import _json
from odoo_async.config import ConnectionLimits, Timeout
from odoo_async.errors import ProtocolError, error_from_response, excerpt
from odoo_async.secret import Secret
from odoo_async.transport.http import (
    DEFAULT_USER_AGENT,
    HttpAnswer,
    HttpSession,
    RequestHeaders,
)

__all__ = ["Json2Transport", "decode_answer", "redact_secret"]

_JSON: Final = "application/json"
_REDACTED: Final = b"**********"


def redact_secret(answer: HttpAnswer, secret: Secret | None) -> HttpAnswer:
    """``answer`` with every occurrence of ``secret`` in its body and headers replaced by
    asterisks (a proxy's debug page, an error message or a redirect may echo the key)."""
    if secret is None:
        return answer
    value = secret.reveal()
    raw = value.encode()
    in_headers = any(value in v for v in answer.headers.values())
    if raw not in answer.body and not in_headers:
        return answer
    headers = answer.headers
    if in_headers:
        headers = CIMultiDict(  # names stay case-insensitive, repeated headers all kept
            (k, v.replace(value, _REDACTED.decode())) for k, v in headers.items())
    return HttpAnswer(status=answer.status, headers=headers,
                      body=answer.body.replace(raw, _REDACTED), url=answer.url)


def decode_answer(answer: HttpAnswer, *, model: str | None, method: str | None,
                  secret: Secret | None = None) -> Any:
    """Turn a complete HTTP answer into the call's result, or raise. Whatever goes into
    an exception has ``secret`` redacted first.

    Raises:
        ServerError: a subclass, for any status of 400 and above.
        ProtocolError: a redirect, or a success whose body is not JSON.
    """
    if answer.status < 300 and answer.media_type == _JSON:
        try:
            return _json.loads(answer.body)
        except (ValueError, RecursionError):
            pass  # raised below, outside this handler: no decoder error as __context__
    answer = redact_secret(answer, secret)
    if answer.status >= 400:
        raise error_from_response(answer.status, answer.headers, answer.body,
                                  model=model, method=method)
    if answer.status >= 300:  # 400 and above were raised just above
        target = answer.headers.get("Location", "?")
        raise ProtocolError(
            f"the server redirected to {target}; use the final URL as the client's url",
            status=answer.status, model=model, method=method,
        )
    if answer.media_type != _JSON:
        raise ProtocolError(
            f"expected a JSON answer, got {answer.media_type or 'no content type'}",
            status=answer.status, content_type=answer.media_type,
            excerpt=excerpt(answer.body), model=model, method=method,
        )
    raise ProtocolError(
        "the answer is not valid JSON (truncated?)",
        status=answer.status, content_type=answer.media_type,
        excerpt=excerpt(answer.body), model=model, method=method,
    )


class Json2Transport:
    """Speaks Odoo 19's JSON-2 API over one pooled aiohttp session.

    Every call is ``POST <url>/json/2/<model>/<method>`` with a JSON object body, the
    headers ``Authorization: bearer <key>``, ``Content-Type: application/json;
    charset=utf-8``, ``X-Odoo-Database`` (when a database is set) and ``User-Agent``.
    """

    def __init__(
        self,
        url: URL,
        api_key: Secret,
        *,
        database: str | None = None,
        timeout: Timeout | None = None,
        limits: ConnectionLimits | None = None,
        user_agent: str | None = None,
        ssl: bool | ssl_module.SSLContext = True,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._url = url
        self._api_key = api_key
        self._database = database
        self._user_agent = user_agent or DEFAULT_USER_AGENT
        self._urls: dict[tuple[str, str], URL] = {}
        self._http = HttpSession(
            timeout=timeout or Timeout(),
            limits=limits or ConnectionLimits(),
            ssl=ssl,
            session=session,
        )

    def __repr__(self) -> str:
        return f"Json2Transport({str(self._url)!r}, database={self._database!r})"

    def _headers(self, *, with_body: bool, extra: Mapping[str, str] | None = None
                 ) -> RequestHeaders:
        headers = {"Accept": _JSON, "User-Agent": self._user_agent, **(extra or {})}
        if with_body:
            headers["Content-Type"] = "application/json; charset=utf-8"
        if self._database:
            headers["X-Odoo-Database"] = self._database
        return RequestHeaders(headers, self._api_key)

    @functools.cached_property
    def _call_headers(self) -> RequestHeaders:
        """The headers of every call (built once: they never change)."""
        return self._headers(with_body=True)

    async def call(self, model: str, method: str, payload: Mapping[str, Any]) -> Any:
        """POST the call and return the decoded result.

        Raises:
            TypeError: ``payload`` is not a mapping (Odoo ignores any other JSON body).
            odoo_async.errors.OdooError: the subclass for what went wrong.
        """
        if not isinstance(payload, Mapping):
            raise TypeError("a JSON-2 body must be a JSON object")
        url = self._urls.get((model, method))
        if url is None:
            if len(self._urls) > 4096:
                self._urls.clear()
            url = self._urls[(model, method)] = self._url / "json" / "2" / model / method
        return decode_answer(
            await self._http.request(
                "POST",
                url,
                headers=self._call_headers,
                body=lambda: _json.dumps(dict(payload)),  # a Secret in it revealed only here
                model=model,
                odoo_method=method,
            ),
            model=model, method=method, secret=self._api_key,
        )

    async def version(self) -> dict[str, Any]:
        """``GET /web/version``: ``{"version_info": [19, 0, 0, "final", 0, ""], ...}``.

        Raises:
            ProtocolError: the answer is not a JSON object.
            odoo_async.errors.OdooError: the subclass for what went wrong.
        """
        answer = await self._http.request(
            "GET",
            self._url / "web" / "version",
            headers={"Accept": _JSON, "User-Agent": self._user_agent},
        )
        result = decode_answer(answer, model=None, method=None, secret=self._api_key)
        if not isinstance(result, dict):
            raise ProtocolError("/web/version did not answer a JSON object",
                                status=answer.status)
        return result

    async def document(self, name: str, etag: str | None = None
                       ) -> tuple[int, str | None, Any]:
        """``GET /doc-bearer/<name>`` (Odoo's ``api_doc`` module): the status, the ETag and
        the decoded body; with ``etag``, a 304 (unchanged) comes back without a body.

        Raises:
            ValueError: a name that is not ``index.json`` or ``<model>.json``.
            odoo_async.errors.ServerError: 403 without the Technical Documentation right,
                404 without the api_doc module (a subclass per kind).
            odoo_async.errors.OdooError: the subclass for what went wrong.
        """
        # index.json has the model form too; an empty part (".json", "a..json") is not
        # an identifier
        if not (name.endswith(".json")
                and all(part.isidentifier() for part in name.removesuffix(".json").split("."))):
            raise ValueError(f"not an API documentation name: {name!r}")
        answer = await self._http.request(
            "GET", self._url / "doc-bearer" / name,
            headers=self._headers(with_body=False,
                                  extra={"If-None-Match": etag} if etag else None))
        tag = answer.headers.get("ETag")
        if answer.status == 304:
            return 304, tag or etag, None
        return answer.status, tag, decode_answer(answer, model=None, method=None,
                                                 secret=self._api_key)

    async def aclose(self) -> None:
        """Close the pooled session (unless it was given by the caller)."""
        await self._http.aclose()
