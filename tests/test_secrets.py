"""The API key never shows: not in reprs, messages, tracebacks or log records."""

from __future__ import annotations

import asyncio
import logging
import pickle
import socket
import traceback

import pytest
from aiohttp import web

from odoo_async import Client, Secret, errors
from tests.conftest import API_KEY
from tests.support.scripted import ScriptedOdoo, exchange, html_answer, replay_answer
from tests.support.timeouts import HANG_TIMEOUT


def test_secret_repr_and_str_are_redacted() -> None:
    secret = Secret(API_KEY)
    assert API_KEY not in repr(secret)
    assert API_KEY not in str(secret)
    assert API_KEY not in f"{secret} {secret!r}"
    assert secret.reveal() == API_KEY
    assert repr(secret) == "Secret('…4567')"


def test_secret_compares_by_value_and_cannot_be_pickled() -> None:
    assert Secret(API_KEY) == Secret(API_KEY)
    assert Secret(API_KEY) != Secret(API_KEY[::-1])
    assert Secret(Secret(API_KEY)).reveal() == API_KEY
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Secret(API_KEY))


@pytest.mark.parametrize("text", ["a b", "a\tb", "a\x00b", "a\x1bb", "a\x7fb"])
def test_a_secret_refuses_whitespace_and_control_characters(text: str) -> None:
    with pytest.raises(ValueError, match=r"^a secret must not contain whitespace or "
                                         r"control characters$"):
        Secret(text)


def test_a_secret_is_a_non_empty_str() -> None:
    assert Secret("!~\x80é").reveal() == "!~\x80é"  # printable, and beyond ASCII
    with pytest.raises(ValueError, match=r"^a secret must not be empty$"):
        Secret("")
    with pytest.raises(TypeError) as wrong:
        Secret(b"key")  # type: ignore[arg-type]
    assert str(wrong.value) == "a secret must be a str, not bytes"


def test_short_secret_shows_nothing() -> None:
    assert repr(Secret("abc")) == "Secret('…')"


async def test_key_never_reaches_logs_reprs_or_tracebacks(
    scripted_odoo: ScriptedOdoo, caplog: pytest.LogCaptureFixture
) -> None:
    never = asyncio.Event()

    async def hang(_: web.Request) -> web.StreamResponse:
        await never.wait()
        return web.Response()

    async def reset(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    scripted_odoo.queue(
        replay_answer(exchange("a1")),
        replay_answer(exchange("b2")),
        replay_answer(exchange("b13d")),
        html_answer(500),
        reset,
        hang,
    )
    caught: list[BaseException] = []
    caplog.set_level(logging.DEBUG)
    async with Client(scripted_odoo.url, API_KEY, "odoo19", timeout=HANG_TIMEOUT,
                      retry=False) as odoo:
        texts = [repr(odoo), str(odoo), repr(odoo.transport)]
        await odoo.call("res.partner", "search_read", domain=[], fields=["name"], limit=3)
        for _ in range(5):
            try:
                await odoo.call("res.partner", "search_read", domain=[])
            except errors.OdooError as exc:
                caught.append(exc)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with Client(f"http://127.0.0.1:{port}", API_KEY, retry=False) as odoo:
        try:
            await odoo.call("res.partner", "search", domain=[])
        except errors.OdooError as exc:
            caught.append(exc)

    assert [type(exc) for exc in caught] == [
        errors.AuthenticationError,
        errors.InternalServerError,
        errors.PoolExhaustedError,
        errors.ConnectionLostError,
        errors.RequestTimeoutError,
        errors.ConnectError,
    ]
    for exc in caught:
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        texts += [repr(vars(exc))]
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(record.__dict__) for record in caplog.records]
    assert any("res.partner/search_read -> 401" in text for text in texts)  # logs were made
    for text in texts:
        assert API_KEY not in text
        assert API_KEY[:12] not in text
