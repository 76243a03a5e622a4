"""The exception tree, and the one function that turns an HTTP answer into an exception.

Every exception the library raises derives from :class:`OdooError`::

    OdooError
    ├── ClientClosedError            the client was used after close(), or closed mid-call
    ├── EventLoopError               the client was used from another event loop
    ├── FieldNotLoadedError          a record's field was read before it was fetched
    ├── CircuitOpenError             the circuit breaker is open: failed fast, nothing sent
    ├── TransportError               no (complete) answer came back
    │   ├── ConnectError             the request never left: refused, DNS, TLS, pool wait
    │   ├── ConnectionLostError      the connection dropped after the request may have left
    │   ├── RequestTimeoutError      no answer in time
    │   └── OutcomeUnknownError      a call that may have changed data failed mid-flight
    ├── ProtocolError                an answer that is not what the protocol promises
    └── ServerError                  Odoo (or a proxy in front of it) answered with an error
        ├── BadRequestError (400)
        │   └── UnsupportedMediaTypeError (415)
        ├── AuthenticationError (401)
        ├── AccessError (403)
        ├── NotFoundError (404: unknown model, method or path)
        │   ├── UnknownModelError (404: the model does not exist)
        │   ├── UnknownMethodError (404: the model has no such public method)
        │   ├── MissingError (404: the record is gone)
        │   └── DatabaseNotFoundError (404 HTML: unknown or unselectable database)
        ├── ConflictError (409)
        ├── UserError (422)
        │   └── ValidationError
        ├── InvalidCallError (422: bad arguments, ``@api.model`` method called with ids)
        ├── TooManyRequestsError (429, from a proxy)
        ├── InternalServerError (500)
        │   └── PoolExhaustedError (500 HTML: the database pool was full, nothing ran)
        └── UnavailableError (502/503/504, from a proxy)
            ├── BadGatewayError, ServiceUnavailableError, GatewayTimeoutError

The server traceback Odoo sends (``debug``) is kept on :class:`ServerError` but never shown
by ``str()``: it can be long, and it belongs in a debugger rather than in a log line.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from odoo_async import _json

__all__ = [
    "AccessError",
    "AuthenticationError",
    "BadGatewayError",
    "BadRequestError",
    "CircuitOpenError",
    "ClientClosedError",
    "ConflictError",
    "ConnectError",
    "ConnectionLostError",
    "DatabaseNotFoundError",
    "EventLoopError",
    "FieldNotLoadedError",
    "GatewayTimeoutError",
    "InternalServerError",
    "InvalidCallError",
    "MissingError",
    "NotFoundError",
    "OdooError",
    "OutcomeUnknownError",
    "PoolExhaustedError",
    "ProtocolError",
    "RequestTimeoutError",
    "ServerError",
    "ServiceUnavailableError",
    "TooManyRequestsError",
    "TransportError",
    "UnavailableError",
    "UnknownMethodError",
    "UnknownModelError",
    "UnsupportedMediaTypeError",
    "UserError",
    "ValidationError",
    "error_from_odoo",
    "error_from_response",
    "is_pool_full_page",
]

EXCERPT_CHARS: Final = 200


def _rebuild(cls: type[Exception], args: tuple[Any, ...], kwargs: dict[str, Any],
             state: dict[str, Any]) -> Exception:
    """Unpickle an exception whose constructor takes keyword arguments."""
    error = cls(*args, **kwargs)
    error.__dict__.update(state)
    return error


def _where(model: str | None, method: str | None) -> str:
    if model and method:
        return f"{model}/{method}"
    return model or method or ""


class OdooError(Exception):
    """Base class of every exception raised by odoo-async."""


class ClientClosedError(OdooError, RuntimeError):
    """The client was used after :meth:`Client.close` (or after its ``async with`` ended),
    or it was closed while this call was in flight (``interrupted`` is then ``True``: the
    call may have reached Odoo)."""

    def __init__(self, message: str, *, interrupted: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.interrupted = interrupted

    def __reduce__(self) -> Any:
        return _rebuild, (type(self), (self.message,), {"interrupted": self.interrupted},
                          self.__dict__)


class EventLoopError(OdooError, RuntimeError):
    """The client was used from an event loop other than the one it started on (or after
    that loop closed). A client's connections belong to one loop: create one client per
    event loop, e.g. inside the coroutine that ``asyncio.run`` runs."""

    @classmethod
    def for_loop(cls, first_loop_closed: bool) -> EventLoopError:
        """The error for a client first used on a loop that is now closed, or still
        running elsewhere."""
        why = ("the event loop it first ran on is closed (one asyncio.run per job?)"
               if first_loop_closed else "it is already in use on another event loop")
        return cls(f"this client cannot be used here: {why}. A client's connections "
                   "belong to one event loop: create the client inside the coroutine that "
                   "runs it (one client per event loop)")


class CircuitOpenError(OdooError):
    """The circuit breaker is open: the call failed fast and nothing was sent.

    ``retry_after`` is the number of seconds until the breaker lets a probe through.
    """

    def __init__(self, message: str, *, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after

    def __reduce__(self) -> Any:
        return _rebuild, (type(self), (self.message,), {"retry_after": self.retry_after},
                          self.__dict__)


class TransportError(OdooError):
    """No complete answer came back: the connection failed, dropped or timed out.

    ``may_have_reached_server`` tells whether Odoo may have received (and run) the call:
    ``False`` only when the library can prove the request never left.
    """

    may_have_reached_server: bool = True

    def __init__(
        self, message: str, *, model: str | None = None, method: str | None = None
    ) -> None:
        where = _where(model, method)
        super().__init__(f"{message} ({where})" if where else message)
        self.message = message
        self.model = model
        self.method = method

    def __reduce__(self) -> Any:
        return _rebuild, (type(self), (self.message,),
                          {"model": self.model, "method": self.method}, self.__dict__)


class ConnectError(TransportError):
    """The request never left: connection refused, DNS failure, TLS failure, pool wait."""

    may_have_reached_server = False


class ConnectionLostError(TransportError):
    """The connection was closed or reset after the request may have been sent."""


class RequestTimeoutError(TransportError):
    """No answer arrived within the configured timeout; the call may still be running."""


class OutcomeUnknownError(TransportError):
    """A call that may change data failed after it may have reached Odoo.

    The write may or may not have happened; the library does not repeat it on its own
    (that could create a record twice). Check the data, or mark the call idempotent.
    """


class FieldNotLoadedError(OdooError, AttributeError):
    """A field was read from a record before it was fetched (no I/O happens on attribute
    access); the message says which ``fetch`` loads it."""

    def __init__(self, model: str, field: str) -> None:
        super().__init__(
            f"{model}.{field} is not loaded: fetch it first, e.g. "
            f"await records.fetch({field!r}) (or add {field!r} to the fetch that loaded "
            "these records)")
        self.model = model
        self.field = field

    def __reduce__(self) -> Any:
        return _rebuild, (type(self), (self.model, self.field), {}, self.__dict__)


class ProtocolError(OdooError):
    """The server answered something the protocol does not allow: an HTML page where JSON
    was expected, truncated or invalid JSON, a redirect."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        content_type: str | None = None,
        excerpt: str = "",
        model: str | None = None,
        method: str | None = None,
    ) -> None:
        where = _where(model, method)
        text = message
        if status is not None:
            text += f" [HTTP {status}]"
        if where:
            text += f" ({where})"
        if excerpt:
            text += f": {excerpt!r}"
        super().__init__(text)
        self.message = message
        self.status = status
        self.content_type = content_type
        self.excerpt = excerpt
        self.model = model
        self.method = method

    def __reduce__(self) -> Any:
        return _rebuild, (type(self), (self.message,), {
            "status": self.status, "content_type": self.content_type,
            "excerpt": self.excerpt, "model": self.model, "method": self.method,
        }, self.__dict__)


class ServerError(OdooError):
    """Odoo, or a proxy in front of it, answered with an error status.

    Attributes:
        status: the HTTP status.
        name: Odoo's exception name (``"odoo.exceptions.UserError"``); ``None`` when the
            body was not an Odoo error object (an HTML page from Werkzeug or a proxy).
        message: Odoo's message, or a short excerpt of a non-JSON body.
        arguments: the exception's arguments as Odoo sent them.
        context: the ``context`` of the error object.
        debug: the server traceback Odoo sent; kept here, never shown by ``str()``.
        model, method: the call that failed, when known.
        retry_after: the raw ``Retry-After`` header, when the server sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        name: str | None = None,
        arguments: Sequence[Any] = (),
        context: Mapping[str, Any] | None = None,
        debug: str = "",
        model: str | None = None,
        method: str | None = None,
        retry_after: str | None = None,
    ) -> None:
        where = _where(model, method)
        label = f"{name}, HTTP {status}" if name else f"HTTP {status}"
        super().__init__(f"{message} [{label}]".lstrip() + (f" ({where})" if where else ""))
        self.message = message
        self.status = status
        self.name = name
        self.arguments = list(arguments)
        self.context = dict(context or {})
        self.debug = debug
        self.model = model
        self.method = method
        self.retry_after = retry_after

    def __reduce__(self) -> Any:
        return _rebuild, (type(self), (self.message,), {
            "status": self.status, "name": self.name, "arguments": self.arguments,
            "context": self.context, "debug": self.debug, "model": self.model,
            "method": self.method, "retry_after": self.retry_after,
        }, self.__dict__)


class BadRequestError(ServerError):
    """400: the request could not be parsed (body not JSON)."""


class UnsupportedMediaTypeError(BadRequestError):
    """415: the request body was not sent as JSON."""


class AuthenticationError(ServerError):
    """401: no API key, a wrong or expired key, or another authorization scheme."""


class AccessError(ServerError):
    """403: access rights, record rules, or a private method."""


class NotFoundError(ServerError):
    """404: unknown model, method or path."""


class UnknownModelError(NotFoundError):
    """404: the model does not exist on this server (a module not installed, a typo)."""


class UnknownMethodError(NotFoundError):
    """404: the model has no public method of that name (the ``web`` module's
    ``web_read`` on a server without it, a typo). Every protocol raises this class, so
    callers never parse message texts."""


class MissingError(NotFoundError):
    """404: the record was deleted or never existed (``odoo.exceptions.MissingError``).

    Raised by Odoo (write, unlink or a method on a deleted record), and by recordsets
    when a field of a record found deleted is read; ``ids`` then names the records.
    """

    ids: tuple[int, ...] = ()

    @classmethod
    def for_records(cls, model: str, ids: Sequence[int]) -> MissingError:
        """The error for records of ``model`` that do not exist."""
        error = cls(f"Record does not exist or has been deleted: {model}{tuple(ids)!r}",
                    status=404, name="odoo.exceptions.MissingError", model=model)
        error.ids = tuple(ids)
        return error


class DatabaseNotFoundError(NotFoundError):
    """404 HTML page: the ``X-Odoo-Database`` is unknown, or no database could be chosen."""


class ConflictError(ServerError):
    """409: a lock or concurrent-update conflict."""


class UserError(ServerError):
    """422: a business error raised by Odoo (``odoo.exceptions.UserError`` and kin)."""


class ValidationError(UserError):
    """422: a constraint failed (``odoo.exceptions.ValidationError``, SQL constraints)."""


class InvalidCallError(ServerError):
    """422 ``UnprocessableEntity``: missing or unexpected arguments, ids given to an
    ``@api.model`` method."""


class TooManyRequestsError(ServerError):
    """429: a proxy in front of Odoo asks to slow down (see ``retry_after``)."""


class InternalServerError(ServerError):
    """500: the method raised an unexpected exception (invalid field, bad domain...)."""


class PoolExhaustedError(InternalServerError):
    """500: Odoo's own HTML page for a full database connection pool; the call did not run.

    Recognised by its exact body (Werkzeug's "Internal Server Error" page), never by "any
    HTML 500": a proxy's 500 page may hide a call that ran."""


class UnavailableError(ServerError):
    """502, 503 or 504 from a proxy: Odoo is down, restarting or too slow."""


class BadGatewayError(UnavailableError):
    """502 from a proxy."""


class ServiceUnavailableError(UnavailableError):
    """503 from a proxy."""


class GatewayTimeoutError(UnavailableError):
    """504 from a proxy: the call may still be running in Odoo."""


_BY_STATUS: Final[Mapping[int, type[ServerError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: AccessError,
    404: NotFoundError,
    409: ConflictError,
    415: UnsupportedMediaTypeError,
    422: UserError,
    429: TooManyRequestsError,
    500: InternalServerError,
    502: BadGatewayError,
    503: ServiceUnavailableError,
    504: GatewayTimeoutError,
}

_BY_NAME: Final[Mapping[str, type[ServerError]]] = {
    "odoo.exceptions.MissingError": MissingError,
    "odoo.exceptions.ValidationError": ValidationError,
    "odoo.exceptions.UserError": UserError,
    "odoo.exceptions.AccessError": AccessError,
    "odoo.exceptions.AccessDenied": AuthenticationError,
    "odoo.exceptions.LockError": ConflictError,
    "odoo.exceptions.ConcurrencyError": ConflictError,
    "werkzeug.exceptions.UnprocessableEntity": InvalidCallError,
    "werkzeug.exceptions.Unauthorized": AuthenticationError,
    "werkzeug.exceptions.NotFound": NotFoundError,
    "werkzeug.exceptions.BadRequest": BadRequestError,
}

# Werkzeug's own HTML 404 page comes from database selection (JSON-2 routes answer JSON
# 404s). Its 500 page is recognised by its exact text (is_pool_full_page).
_HTML_BY_STATUS: Final[Mapping[int, type[ServerError]]] = {
    404: DatabaseNotFoundError,
}

_POOL_FULL_PAGE: Final = (
    '<!doctype html> <html lang=en> <title>500 Internal Server Error</title> '
    "<h1>Internal Server Error</h1> <p>The server encountered an internal error and was "
    "unable to complete your request. Either the server is overloaded or there is an error "
    "in the application.</p>"
)


def is_pool_full_page(status: int, media_type: str, body: bytes) -> bool:
    """Whether an answer is Odoo's own page for a full database pool, byte for byte (up
    to whitespace): Werkzeug's generic 500 page, which Odoo sends before running the call.
    A proxy's 500 page, or any other text, is not."""
    if status != 500 or media_type != "text/html" or len(body) > 1024:
        return False
    text = body.decode("utf-8", errors="replace")
    return _SPACES.sub(" ", text).strip() == _POOL_FULL_PAGE

_TAG = re.compile(r"<[^>]*>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"\s+")


def excerpt(body: bytes, *, limit: int = EXCERPT_CHARS) -> str:
    """A short, single-line, human-readable excerpt of a response body.

    For an HTML page: its ``<title>`` and the text after it, tags removed.
    """
    text = body[: limit * 20].decode("utf-8", errors="replace")
    if "<" in text and ">" in text:
        title = _TITLE.search(text)
        rest = _TAG.sub(" ", _TITLE.sub(" ", text))
        text = html.unescape(f"{title.group(1) if title else ''} {rest}")
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _media_type(headers: Mapping[str, str]) -> str:
    for key, value in headers.items():
        if key.lower() == "content-type":
            return value.partition(";")[0].strip().lower()
    return ""


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _odoo_error_object(body: bytes, media_type: str) -> Mapping[str, Any] | None:
    if media_type != "application/json" or not body:
        return None
    try:
        data = _json.loads(body)
    except ValueError:
        return None
    if isinstance(data, Mapping) and isinstance(data.get("name"), str):
        return data
    return None


def _class_for(status: int, name: str | None, *, html_page: bool = False) -> type[ServerError]:
    if html_page and status in _HTML_BY_STATUS:
        return _HTML_BY_STATUS[status]
    if name is None:
        return _BY_STATUS.get(status, ServerError)
    by_name = _BY_NAME.get(name)
    if by_name is not None:
        return by_name
    return _BY_STATUS.get(status, ServerError)  # 422: a UserError of a name not listed


_UNKNOWN_MODEL: Final = re.compile(r"^the model '[^']+' does not exist", re.IGNORECASE)
_UNKNOWN_METHOD: Final = re.compile(r"^the method '[^']+' does not exist", re.IGNORECASE)


_UNKNOWN_DATABASE: Final = re.compile(r"^the database '[^']+' does not exist", re.IGNORECASE)


def _not_found_class(message: str) -> type[NotFoundError]:
    """The precise class of a 404, by Odoo's own wording (recorded from Odoo 19; the
    database one is how the legacy transports name psycopg2's refusal)."""
    if _UNKNOWN_METHOD.match(message):
        return UnknownMethodError
    if _UNKNOWN_MODEL.match(message):
        return UnknownModelError
    if _UNKNOWN_DATABASE.match(message):
        return DatabaseNotFoundError
    return NotFoundError


# The HTTP status JSON-2 gives each class, for errors that came without one (legacy
# JSON-RPC answers 200 with an error member; XML-RPC raises a fault).
_STATUS_OF: Final[Mapping[type[ServerError], int]] = {
    UserError: 422, ValidationError: 422, InvalidCallError: 422, AccessError: 403,
    AuthenticationError: 401, NotFoundError: 404, MissingError: 404, ConflictError: 409,
    BadRequestError: 400,
}


def error_from_odoo(
    data: Mapping[str, Any],
    *,
    status: int | None = None,
    model: str | None = None,
    method: str | None = None,
    retry_after: str | None = None,
) -> ServerError:
    """Build the exception for an Odoo error object (``{"name", "message", "arguments",
    "context", "debug"}``), whatever protocol carried it: the class comes from Odoo's
    exception ``name`` first (``odoo.exceptions.AccessError`` is an :class:`AccessError`
    on every protocol), from ``status`` second. Without a status (legacy protocols), the
    status JSON-2 gives that class is used.

    Raises:
        KeyError: ``data`` has no ``name``.
    """
    name = str(data["name"])
    message = str(data.get("message") or name)
    arguments = data.get("arguments")
    context = data.get("context")
    debug = data.get("debug")
    if status is None:
        by_name = _BY_NAME.get(name)
        if by_name is None:
            by_name = UserError if name.startswith("odoo.exceptions.") else InternalServerError
        status = _STATUS_OF.get(by_name, 500)
    cls = _class_for(status, name)
    if cls is NotFoundError:
        cls = _not_found_class(message)
    return cls(
        message,
        status=status,
        name=name,
        arguments=arguments if isinstance(arguments, list) else [],
        context=context if isinstance(context, Mapping) else {},
        debug=debug if isinstance(debug, str) else "",
        model=model,
        method=method,
        retry_after=retry_after,
    )


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    model: str | None = None,
    method: str | None = None,
) -> ServerError:
    """Build the exception for an error answer (status 400 and above).

    An Odoo error object (``{"name", "message", "arguments", "context", "debug"}``) gives
    the class by its ``name`` first and its status second; any other body (Werkzeug's HTML
    pages, a proxy's error page, plain text, broken JSON) gives the class by status, with a
    short excerpt of the body as its message.

    Raises:
        ValueError: ``status`` is below 400 (not an error).
    """
    if status < 400:
        raise ValueError(f"HTTP {status} is not an error status")
    retry_after = _header(headers, "retry-after")
    media_type = _media_type(headers)
    data = _odoo_error_object(body, media_type)
    if data is None:
        if is_pool_full_page(status, media_type, body):
            cls: type[ServerError] = PoolExhaustedError
        else:
            cls = _class_for(status, None, html_page=media_type == "text/html")
        return cls(
            excerpt(body) or f"HTTP {status} with an empty body",
            status=status,
            model=model,
            method=method,
            retry_after=retry_after,
        )
    return error_from_odoo(data, status=status, model=model, method=method,
                           retry_after=retry_after)
