"""error_from_response against every error Odoo 19 was recorded answering."""

from __future__ import annotations

import json
import traceback
from typing import Any

import pytest

from odoo_async import errors
from odoo_async.errors import error_from_response
from tests.support.scripted import load_exchanges, werkzeug_html

# Every recorded error exchange, by title prefix, and the class it must become.
EXPECTED: dict[str, type[errors.ServerError]] = {
    "a12b": errors.UserError,
    "b1": errors.AuthenticationError,
    "b2": errors.AuthenticationError,
    "b2b": errors.AuthenticationError,
    "b2c": errors.AuthenticationError,
    "b3b": errors.AccessError,
    "b3c": errors.AccessError,
    "b3d": errors.AccessError,
    "b4": errors.UnknownModelError,
    "b5": errors.UnknownMethodError,
    "b6": errors.AccessError,
    "b6b": errors.AccessError,
    "b7": errors.InvalidCallError,
    "b7b": errors.InvalidCallError,
    "b8": errors.InternalServerError,
    "b8a": errors.InvalidCallError,
    "b8a2": errors.InvalidCallError,
    "b8b": errors.InvalidCallError,
    "b8c": errors.InvalidCallError,
    "b9": errors.NotFoundError,
    "b9b": errors.NotFoundError,
    "b9c": errors.NotFoundError,
    "b9d": errors.NotFoundError,
    "b10": errors.BadRequestError,
    "b11": errors.InvalidCallError,
    "b11c": errors.InvalidCallError,
    "b12": errors.UnsupportedMediaTypeError,
    "b12b": errors.UnsupportedMediaTypeError,
    "b12c": errors.UnsupportedMediaTypeError,
    "b13": errors.ValidationError,
    "b13b": errors.ValidationError,
    "b13c": errors.ValidationError,
    "b13d": errors.InternalServerError,
    "b13e": errors.InternalServerError,
    "b13f": errors.InternalServerError,
    "b13g": errors.InternalServerError,
    "b14": errors.UserError,
    "b15b": errors.MissingError,
    "b16": errors.DatabaseNotFoundError,
    "b17": errors.InternalServerError,
    "b17b": errors.InternalServerError,
    "b18": errors.NotFoundError,
    "c3": errors.NotFoundError,
    "c4": errors.AuthenticationError,
    "x3": errors.NotFoundError,
    "g10": errors.AccessError,
    "g11": errors.AccessError,
    "h4": errors.NotFoundError,
    "h5": errors.InternalServerError,
    "h6": errors.ServerError,
}

def _recorded_errors() -> list[dict[str, Any]]:
    cases = load_exchanges() + load_exchanges("exchanges-more.json")
    return [case for case in cases if case["status"] >= 400]


def _as_http(case: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    headers = dict(case["headers"])
    body = case.get("body")
    if isinstance(body, str):
        raw = body.encode()
    elif body is None and headers.get("Content-Type", "").startswith("text/html"):
        raw = werkzeug_html(case["status"]).encode()
    else:
        raw = json.dumps(body).encode()
    return case["status"], headers, raw


def _prefix(case: dict[str, Any]) -> str:
    return str(case["title"].split(" ", 1)[0])


def test_every_recorded_error_has_an_expected_class() -> None:
    prefixes = {_prefix(case) for case in _recorded_errors()}
    assert prefixes == set(EXPECTED)


@pytest.mark.parametrize("case", _recorded_errors(), ids=_prefix)
def test_recorded_error_maps_to_its_class(case: dict[str, Any]) -> None:
    status, headers, body = _as_http(case)
    exc = error_from_response(status, headers, body, model="res.partner", method="m")
    expected = EXPECTED[_prefix(case)]
    assert type(exc) is expected
    assert exc.status == status
    assert (exc.model, exc.method) == ("res.partner", "m")
    recorded = case.get("body")
    if isinstance(recorded, dict) and "name" in recorded:
        assert exc.name == recorded["name"]
        assert exc.message == recorded["message"]
        assert exc.arguments == recorded["arguments"]
        assert exc.debug == recorded["debug"]
        assert exc.context == recorded["context"]
        assert recorded["message"] in str(exc)
    else:
        assert exc.name is None
        assert exc.message  # an excerpt, never empty


@pytest.mark.parametrize("case", _recorded_errors(), ids=_prefix)
def test_server_traceback_is_kept_but_never_shown(case: dict[str, Any]) -> None:
    status, headers, body = _as_http(case)
    exc = error_from_response(status, headers, body)
    recorded = case.get("body")
    sent_debug = recorded.get("debug") if isinstance(recorded, dict) else None
    if not sent_debug:  # HTML pages, AccessDenied: nothing to keep
        assert exc.debug == ""
        return
    assert exc.debug == sent_debug
    assert "Traceback" in exc.debug
    assert exc.debug not in str(exc)
    assert "Traceback (most recent call last)" not in str(exc)
    assert "Traceback (most recent" not in "".join(
        traceback.format_exception_only(type(exc), exc)
    )


def test_werkzeug_415_page_becomes_short_excerpt() -> None:
    exc = error_from_response(415, {"Content-Type": "text/html; charset=utf-8"},
                              werkzeug_html(415).encode())
    assert isinstance(exc, errors.UnsupportedMediaTypeError)
    assert isinstance(exc, errors.BadRequestError)
    assert exc.message.startswith("415 Unsupported Media Type")
    assert "<" not in exc.message
    assert len(exc.message) <= errors.EXCERPT_CHARS


def test_html_500_is_a_full_pool() -> None:
    exc = error_from_response(500, {"Content-Type": "text/html; charset=utf-8"},
                              werkzeug_html(500).encode())
    assert type(exc) is errors.PoolExhaustedError
    assert isinstance(exc, errors.InternalServerError)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (502, errors.BadGatewayError),
        (503, errors.ServiceUnavailableError),
        (504, errors.GatewayTimeoutError),
    ],
)
def test_proxy_pages_become_unavailable_errors(status: int, cls: type[Exception]) -> None:
    page = (f"<html>\r\n<head><title>{status} Bad Gateway</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} Bad Gateway</h1></center>\r\n<hr><center>nginx</center>"
            "\r\n</body>\r\n</html>\r\n")
    exc = error_from_response(status, {"Content-Type": "text/html"}, page.encode())
    assert type(exc) is cls
    assert isinstance(exc, errors.UnavailableError)
    assert "nginx" in exc.message
    assert "<" not in exc.message


def test_429_keeps_retry_after() -> None:
    exc = error_from_response(429, {"Content-Type": "text/plain", "Retry-After": "7"},
                              b"Too Many Requests")
    assert isinstance(exc, errors.TooManyRequestsError)
    assert exc.retry_after == "7"
    assert exc.message == "Too Many Requests"


def test_409_is_a_conflict_whatever_the_name() -> None:
    body = {"name": "odoo.exceptions.LockError", "message": "could not obtain lock",
            "arguments": ["could not obtain lock"], "context": {}, "debug": "Traceback"}
    exc = error_from_response(409, {"Content-Type": "application/json"},
                              json.dumps(body).encode())
    assert isinstance(exc, errors.ConflictError)
    assert exc.name == "odoo.exceptions.LockError"


def test_truncated_json_error_body_still_maps_by_status() -> None:
    exc = error_from_response(422, {"Content-Type": "application/json"}, b'{"name": "odoo.ex')
    assert type(exc) is errors.UserError
    assert exc.name is None
    assert exc.message == '{"name": "odoo.ex'


def test_empty_error_body() -> None:
    exc = error_from_response(502, {}, b"")
    assert isinstance(exc, errors.BadGatewayError)
    assert exc.message == "HTTP 502 with an empty body"


def test_unknown_odoo_exception_at_422_is_a_user_error() -> None:
    body = {"name": "odoo.exceptions.RedirectWarning", "message": "Configure it",
            "arguments": ["Configure it", 5, "Go"], "context": {}, "debug": ""}
    exc = error_from_response(422, {"Content-Type": "application/json"},
                              json.dumps(body).encode())
    assert type(exc) is errors.UserError
    assert exc.arguments == ["Configure it", 5, "Go"]


def test_success_status_is_refused() -> None:
    with pytest.raises(ValueError, match="HTTP 200 is not an error status"):
        error_from_response(200, {}, b"[]")


def test_excerpt_is_single_line_and_bounded() -> None:
    text = errors.excerpt(("word " * 500).encode())
    assert "\n" not in text
    assert len(text) == errors.EXCERPT_CHARS
    assert text.endswith("…")
