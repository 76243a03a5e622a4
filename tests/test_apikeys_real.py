"""client.apikeys against a real Odoo 19 (skipped unless ODOO_URL is set): the kit's admin
user has the password "admin"."""

from __future__ import annotations

import datetime as dt

import pytest

from odoo_async import Client
from odoo_async.errors import AuthenticationError, UserError
from tests.real_server import DATABASE, URL, api_key, needs_real_server, unique_prefix

pytestmark = needs_real_server


async def test_generate_rotate_and_revoke_on_a_real_odoo() -> None:
    assert URL is not None
    name = f"odoo-async test {unique_prefix()}"
    expiration = dt.date.today() + dt.timedelta(days=7)
    async with Client(URL, api_key(), DATABASE) as admin:
        with pytest.raises(UserError, match="Incorrect Password"):
            await admin.apikeys.generate(name, password="wrong", expiration=expiration)
        first = await admin.apikeys.generate(name, password="admin", expiration=expiration)
        try:
            async with admin.with_api_key(first) as job:
                assert (await job.whoami())["uid"] == 2
                second = await job.apikeys.rotate(name, password="admin",
                                                  expiration=expiration)
                with pytest.raises(AuthenticationError):
                    await job.whoami()  # the old key is revoked ...
            async with admin.with_api_key(second) as rotated:
                assert (await rotated.whoami())["uid"] == 2  # ... the new one works
        finally:
            mine = [k.id for k in await admin.apikeys.list_keys() if k.name == name]
            await admin.apikeys.revoke(mine, password="admin")
        assert not [k for k in await admin.apikeys.list_keys() if k.name == name]
