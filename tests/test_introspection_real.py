"""client.introspect() against a real Odoo 19 (skipped unless ODOO_URL is set)."""

from __future__ import annotations

from odoo_async import Client
from tests.real_server import DATABASE, URL, api_key, bot_key, needs_real_server

pytestmark = needs_real_server


async def test_introspection_on_a_real_odoo() -> None:
    assert URL is not None
    async with Client(URL, api_key(), DATABASE) as odoo:
        transport = odoo.transport
        real = transport.document  # type: ignore[attr-defined]
        statuses: list[int] = []

        async def spy(name: str, etag: str | None = None) -> object:
            answer = await real(name, etag)
            statuses.append(answer[0])
            return answer

        transport.document = spy  # type: ignore[attr-defined]
        doc = await odoo.introspect("res.partner")
        assert doc.methods is not None
        assert doc.methods["search_read"].readonly
        assert doc.methods["search_read"].model_method
        assert "domain" in doc.methods["search_read"].parameters
        assert await odoo.introspect("res.partner") == doc
        assert statuses == [200, 304]
    key = bot_key()
    if key is not None:
        async with Client(URL, key, DATABASE) as bot:
            fallback = await bot.introspect("res.partner")
            assert fallback.methods is None  # 403 for a plain user: fields_get instead
            assert fallback.fields["name"]["type"] == "char"
