"""TLS over a real handshake, on every protocol: a certificate the system does not trust
is refused by default, and the client's ``ssl=`` setting (a context that trusts it, or
``False``) reaches every request of the transport."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import pytest
import trustme
from yarl import URL

from odoo_async import (
    Client,
    ConnectionLimits,
    Json2Transport,
    JsonRpcTransport,
    Timeout,
    XmlRpcTransport,
)
from odoo_async.errors import ConnectError
from odoo_async.secret import Secret
from odoo_async.testing import FakeOdoo
from odoo_async.transport.base import Transport
from odoo_async.transport.http import HttpSession

PROTOCOLS = ("json2", "jsonrpc", "xmlrpc", "auto")


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    """A certificate authority of the test's own, which no system trusts."""
    return trustme.CA()


@pytest.fixture
async def https_fake(authority: trustme.CA) -> AsyncIterator[FakeOdoo]:
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(served)
    async with FakeOdoo(ssl_context=served) as fake:
        yield fake


def _client(fake: FakeOdoo, protocol: str, **options: Any) -> Client:
    return Client(fake.url, fake.api_key, fake.database, protocol=protocol, login="admin",
                  retry=False, **options)


async def _names(odoo: Client) -> list[str]:
    rows = await odoo.call("res.country", "search_read", domain=[("code", "=", "BE")],
                           fields=["name"])
    return [row["name"] for row in rows]


def test_the_fake_serves_https_with_a_context(https_fake: FakeOdoo) -> None:
    assert https_fake.url.startswith("https://127.0.0.1:")


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_untrusted_certificate_is_refused_by_default(
        https_fake: FakeOdoo, protocol: str) -> None:
    async with _client(https_fake, protocol) as odoo:
        with pytest.raises(ConnectError, match="TLS certificate verification failed"):
            await _names(odoo)
    assert https_fake.executed.total() == 0


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_context_that_trusts_the_certificate_is_used(
        https_fake: FakeOdoo, authority: trustme.CA, protocol: str) -> None:
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    async with _client(https_fake, protocol, ssl=trusting) as odoo:
        assert await _names(odoo) == ["Belgium"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_verification_turned_off_reaches_the_server(
        https_fake: FakeOdoo, protocol: str) -> None:
    async with _client(https_fake, protocol, ssl=False) as odoo:
        assert await _names(odoo) == ["Belgium"]


@pytest.mark.parametrize("kind", [Json2Transport, JsonRpcTransport, XmlRpcTransport])
async def test_a_transport_built_directly_verifies_by_default(
        https_fake: FakeOdoo, kind: type[Json2Transport | JsonRpcTransport | XmlRpcTransport]
) -> None:
    options: dict[str, Any] = {} if kind is Json2Transport else {"login": "admin"}
    transport: Transport = kind(URL(https_fake.url), Secret(https_fake.api_key),
                                database=https_fake.database, **options)
    try:
        with pytest.raises(ConnectError, match="TLS certificate verification failed"):
            await transport.call("res.country", "search_count", {"domain": []})
    finally:
        await transport.aclose()


async def test_a_context_trusting_another_authority_is_refused(https_fake: FakeOdoo) -> None:
    other = ssl.create_default_context()
    trustme.CA().configure_trust(other)
    async with _client(https_fake, "jsonrpc", ssl=other) as odoo:
        with pytest.raises(ConnectError, match="TLS certificate verification failed"):
            await _names(odoo)


async def test_a_session_built_directly_verifies_by_default(https_fake: FakeOdoo) -> None:
    async with aclosing(HttpSession(timeout=Timeout(total=10),
                                    limits=ConnectionLimits())) as session:
        with pytest.raises(ConnectError, match="TLS certificate verification failed"):
            await session.request("GET", URL(https_fake.url) / "web" / "version", headers={})
    assert https_fake.executed.total() == 0
