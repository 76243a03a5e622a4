"""Transport details with aioresponses: exact requests, and aiohttp failures mapped."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from odoo_async import Client, errors
from odoo_async.transport import http as http_transport
from tests.conftest import API_KEY

BASE = "https://odoo.example.com"
SEARCH = f"{BASE}/json/2/res.partner/search"


def _sent(mock_http: aioresponses, method: str, url: str) -> dict[str, Any]:
    [call] = mock_http.requests[(method, URL(url))]
    return dict(call.kwargs)


async def test_request_shape(mock_http: aioresponses) -> None:
    mock_http.post(SEARCH, payload=[9, 15])
    async with Client(BASE, API_KEY, "mycompany", retry=False) as odoo:
        assert await odoo.call("res.partner", "search", domain=[["is_company", "=", True]],
                               limit=5) == [9, 15]
    sent = _sent(mock_http, "POST", SEARCH)
    assert json.loads(sent["data"]) == {"domain": [["is_company", "=", True]], "limit": 5}
    assert sent["headers"]["Authorization"] == f"bearer {API_KEY}"
    assert sent["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert sent["headers"]["X-Odoo-Database"] == "mycompany"
    assert sent["allow_redirects"] is False
    assert sent["ssl"] is True  # TLS verified by default


async def test_ssl_setting_is_passed_to_every_request(mock_http: aioresponses) -> None:
    mock_http.post(SEARCH, payload=[])
    async with Client(BASE, API_KEY, ssl=False, retry=False) as odoo:
        await odoo.call("res.partner", "search", domain=[])
    assert _sent(mock_http, "POST", SEARCH)["ssl"] is False


async def test_action_sends_ids_as_a_list(mock_http: aioresponses) -> None:
    url = f"{BASE}/json/2/sale.order/action_confirm"
    mock_http.post(url, payload=True)
    async with Client(BASE, API_KEY, retry=False) as odoo:
        assert await odoo.call("sale.order", "action_confirm", ids=15) is True
    assert json.loads(_sent(mock_http, "POST", url)["data"]) == {"ids": [15]}


@pytest.mark.parametrize(
    ("exception", "cls", "reached"),
    [
        (aiohttp.ServerDisconnectedError(), errors.ConnectionLostError, True),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), errors.ConnectionLostError,
         True),
        (aiohttp.ClientPayloadError("Response payload is not completed"),
         errors.ConnectionLostError, True),
        (aiohttp.SocketTimeoutError("Timeout on reading data from socket"),
         errors.RequestTimeoutError, True),
        (asyncio.TimeoutError(), errors.RequestTimeoutError, True),
        (aiohttp.ConnectionTimeoutError("Connection timeout to host"), errors.ConnectError,
         False),
        (aiohttp.ClientError("odd"), errors.TransportError, True),
    ],
)
async def test_aiohttp_failures_are_mapped(
    mock_http: aioresponses, exception: Exception, cls: type[errors.TransportError], reached: bool
) -> None:
    mock_http.post(SEARCH, exception=exception)
    async with Client(BASE, API_KEY, retry=False) as odoo:
        with pytest.raises(cls) as caught:
            await odoo.call("res.partner", "search", domain=[])
    assert type(caught.value) is cls
    assert caught.value.may_have_reached_server is reached
    assert caught.value.__cause__ is None  # aiohttp objects carry request headers
    assert "(res.partner/search)" in str(caught.value)


class _Stopwatch:
    """Stands for the ``time`` module in the transport: a call that takes 250 ms."""

    def __init__(self) -> None:
        self._readings = iter([100.0, 100.25])

    def perf_counter(self) -> float:
        return next(self._readings)


async def test_one_debug_line_per_call(
    mock_http: aioresponses, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock_http.post(SEARCH, payload=[1, 2, 3])
    caplog.set_level(logging.DEBUG, logger="odoo_async")
    monkeypatch.setattr(http_transport, "time", _Stopwatch())
    async with Client(BASE, API_KEY, retry=False) as odoo:
        await odoo.call("res.partner", "search", domain=[])
    [record] = [r for r in caplog.records if r.name.startswith("odoo_async")]
    assert record.levelno == logging.DEBUG
    assert record.getMessage() == "POST res.partner/search -> 200 in 250.0 ms, 9 bytes"
    assert {key: record.__dict__[key] for key in (
        "odoo_model", "odoo_method", "http_status", "duration_ms", "response_bytes")} == {
        "odoo_model": "res.partner", "odoo_method": "search", "http_status": 200,
        "duration_ms": 250.0, "response_bytes": 9}
    assert "domain" not in record.getMessage()  # no bodies in logs


async def test_nothing_logged_above_debug_on_success(
    mock_http: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    mock_http.post(SEARCH, payload=[])
    caplog.set_level(logging.INFO, logger="odoo_async")
    async with Client(BASE, API_KEY, retry=False) as odoo:
        await odoo.call("res.partner", "search", domain=[])
    assert [r for r in caplog.records if r.name.startswith("odoo_async")] == []
