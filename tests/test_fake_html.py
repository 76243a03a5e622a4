"""HTML fields on the fake as a real Odoo 19 stores them. The expected values were
recorded from the kit's server (2026-11-29, res.partner.comment, write then read, and a
search with ``comment = <what was written>``); tests/test_fake_html_real.py replays the
same cases on a real server when ODOO_URL is set."""

from __future__ import annotations

import pytest

from odoo_async import Client
from odoo_async.testing import FakeOdoo

# written -> stored, and whether `comment = written` still finds the record
RECORDED = [
    ("x", "<p>x</p>", False),
    ("hello world", "<p>hello world</p>", False),
    ("<p>already</p>", "<p>already</p>", True),
    ("a <b>bold</b> move", "<p>a <b>bold</b> move</p>", False),
    ("<script>alert(1)</script>ok", "<p>ok</p>", False),
    ("line1\nline2", "<p>line1\nline2</p>", False),
    ("", "", True),
    ("<div onclick='x()'>d</div>", "<div>d</div>", False),
    ("5 < 6 & 7 > 3", "<p>5 &lt; 6 &amp; 7 &gt; 3</p>", False),
    ("<p>a</p><p>b</p>", "<p>a</p><p>b</p>", True),
    ("  spaced  ", "<p>spaced  </p>", False),
]


async def stored_as(odoo: Client, written: str) -> tuple[str, bool]:
    """What a new partner's ``comment`` reads after writing ``written``, and whether
    ``comment = written`` still finds it (the partner is removed after)."""
    [pid] = await odoo.call("res.partner", "create", vals_list=[{"name": "HTML probe"}])
    try:
        await odoo.call("res.partner", "write", ids=[pid], vals={"comment": written})
        [row] = await odoo.call("res.partner", "read", ids=[pid], fields=["comment"])
        found = await odoo.call("res.partner", "search",
                                domain=[("id", "=", pid), ("comment", "=", written)])
        return row["comment"], bool(found)
    finally:
        await odoo.call("res.partner", "unlink", ids=[pid])


@pytest.mark.parametrize(("written", "stored", "still_equal"), RECORDED)
async def test_html_is_stored_as_odoo_stores_it(fake_odoo: FakeOdoo, written: str,
                                                stored: str, still_equal: bool) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        assert await stored_as(odoo, written) == (stored, still_equal)
