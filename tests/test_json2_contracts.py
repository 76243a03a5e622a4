"""JSON-2 transport contracts not pinned elsewhere.

Pinned here: ``redact_secret`` keeps the answer's URL; and a session given to the client
is the one every request goes through.
"""

from __future__ import annotations

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy

from odoo_async import Client
from odoo_async.secret import Secret
from odoo_async.transport.http import HttpAnswer
from odoo_async.transport.json2 import redact_secret
from tests.conftest import API_KEY
from tests.support.scripted import ScriptedOdoo


def test_redacting_an_answer_keeps_its_url() -> None:
    answer = HttpAnswer(status=500, headers=CIMultiDictProxy(CIMultiDict()),
                        body=f"key {API_KEY}".encode(), url="https://odoo.test/json/2/x/y")
    redacted = redact_secret(answer, Secret(API_KEY))
    assert API_KEY.encode() not in redacted.body
    assert (redacted.status, redacted.url) == (500, "https://odoo.test/json/2/x/y")


async def test_every_request_goes_through_the_session_given(
        scripted_odoo: ScriptedOdoo) -> None:
    started: list[str] = []

    async def on_request_start(session: aiohttp.ClientSession, context: object,
                               params: aiohttp.TraceRequestStartParams) -> None:
        started.append(params.url.path)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session, Client(
            scripted_odoo.url, API_KEY, session=session, retry=False) as odoo:
        await odoo.call("res.partner", "search", domain=[])
    assert started == ["/json/2/res.partner/search"]
