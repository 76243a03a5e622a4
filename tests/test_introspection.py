"""client.introspect(): Odoo's API documentation, revalidated by ETag, and fields_get
where it is not available (a user without the right, a legacy protocol)."""

from __future__ import annotations

import pytest

from odoo_async import Client, ModelDoc
from odoo_async.testing import FakeOdoo


async def test_a_model_document_with_methods_and_api_flags(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        doc = await odoo.introspect("res.partner")
        assert isinstance(doc, ModelDoc)
        assert doc.source == "api_doc"
        assert doc.methods is not None
        search_read = doc.methods["search_read"]
        assert search_read.model_method
        assert search_read.readonly
        assert "domain" in search_read.parameters
        assert not doc.methods["write"].readonly
        assert doc.fields["country_id"]["relation"] == "res.country"
        index = await odoo.introspect()
        assert index is not None
        assert "res.partner" in index.models


async def test_an_unchanged_document_is_revalidated_not_downloaded(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        transport = odoo.transport
        real = transport.document  # type: ignore[attr-defined]
        answers: list[tuple[int, bool]] = []

        async def spy(name: str, etag: str | None = None) -> object:
            status, tag, body = await real(name, etag)
            answers.append((status, etag is not None))
            return status, tag, body

        transport.document = spy  # type: ignore[attr-defined]
        first = await odoo.introspect("res.partner")
        again = await odoo.introspect("res.partner")
        assert again == first
        assert answers == [(200, False), (304, True)]  # asked with If-None-Match: 304


@pytest.mark.parametrize("how", ["bot", "jsonrpc"])
async def test_without_the_documentation_fields_get_says_what_is_unknown(
        fake_odoo: FakeOdoo, how: str) -> None:
    if how == "bot":
        client = Client(fake_odoo.url, fake_odoo.bot_api_key)  # 403 on /doc-bearer
    else:
        client = Client(fake_odoo.url, fake_odoo.api_key, fake_odoo.database,
                        protocol="jsonrpc", login="admin")
    async with client as odoo:
        doc = await odoo.introspect("res.partner")
        assert doc.source == "fields_get"
        assert doc.methods is None
        assert "api_doc" in doc.unknown
        assert doc.fields["name"]["type"] == "char"
        assert await odoo.introspect() is None


async def test_check_calls_refuses_wrong_arguments_before_sending(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, check_calls=True) as odoo:
        before = odoo.stats.calls
        with pytest.raises(ValueError, match=r"search_read\(\) has no parameter 'domian'; did "
                                             r"you mean 'domain'"):
            await odoo.call("res.partner", "search_read", domian=[], fields=["name"])
        with pytest.raises(ValueError, match=r"write\(\) has no parameter 'values'"):
            await odoo.call("res.partner", "write", ids=[9], values={"name": "x"})
        with pytest.raises(ValueError, match=r"write\(\) needs 'vals'"):
            await odoo.call("res.partner", "write", ids=[9])
        assert odoo.stats.calls == before  # nothing reached Odoo
        # an undocumented method is Odoo's to judge (deprecated ones are left out)
        from odoo_async.errors import UnknownMethodError
        with pytest.raises(UnknownMethodError):
            await odoo.call("res.partner", "serach_read", domain=[])
        # what a method with **kwargs really takes goes through (search_read's load=)
        rows = await odoo.call("res.partner", "search_read", domain=[("id", "=", 9)],
                               fields=["name"], load=None, context={"lang": "en_US"})
        assert rows[0]["id"] == 9


async def test_check_calls_repeats_documented_read_only_methods(fake_odoo: FakeOdoo) -> None:
    from odoo_async.errors import OutcomeUnknownError
    from odoo_async.testing import ResetAfterExecute

    def partner_score(call: object, partner_id: int) -> int:
        return partner_id * 2

    fake_odoo.register_method("res.partner", "partner_score", partner_score,
                              model_method=True, readonly=True)
    async with Client(fake_odoo.url, fake_odoo.api_key) as plain:
        fake_odoo.faults.queue(ResetAfterExecute(), match="res.partner/partner_score")
        with pytest.raises(OutcomeUnknownError):  # not known to be read-only: not repeated
            await plain.call("res.partner", "partner_score", partner_id=4)
    async with Client(fake_odoo.url, fake_odoo.api_key, check_calls=True) as checked:
        fake_odoo.faults.queue(ResetAfterExecute(), match="res.partner/partner_score")
        assert await checked.call("res.partner", "partner_score", partner_id=4) == 8


async def test_check_calls_lets_real_keywords_through_and_asks_once(fake_odoo: FakeOdoo) -> None:
    def message_post(call: object, body: str = "", author_id: int | None = None,
                     **kwargs: object) -> int:
        return 1

    fake_odoo.register_method("res.partner", "message_post", message_post)
    async with Client(fake_odoo.url, fake_odoo.api_key, check_calls=True) as odoo:
        # a keyword for **kwargs that merely resembles a parameter is not a typo
        assert await odoo.call("res.partner", "message_post", ids=[3], body="hi",
                               author_guest_id=4) == 1
    async with Client(fake_odoo.url, fake_odoo.bot_api_key, check_calls=True) as bot:
        transport = bot.transport
        real = transport.document  # type: ignore[attr-defined]
        asked: list[str] = []

        async def spy(name: str, etag: str | None = None) -> object:
            asked.append(name)
            return await real(name, etag)

        transport.document = spy  # type: ignore[attr-defined]
        for _ in range(5):  # 403 for a plain user: asked once, then nothing is checked
            await bot.call("res.partner", "search_count", domain=[])
        assert asked == ["res.partner.json"]


async def test_check_calls_works_with_protocol_auto(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, protocol="auto", login="admin",
                      check_calls=True) as odoo:
        with pytest.raises(ValueError, match="did you mean 'domain'"):
            await odoo.call("res.partner", "search_read", domian=[])
