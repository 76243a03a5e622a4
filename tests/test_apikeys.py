"""client.apikeys: Odoo's key wizards and identity check, as a real Odoo 19 answered
them (the exchanges below were recorded from the kit's server), and never a key in a repr
or an error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from odoo_async import Client, Secret
from odoo_async.errors import UserError
from odoo_async.testing.transport import MockCall, MockTransport

NEW_KEY = "9" * 40
CHECK = {"type": "ir.actions.act_window", "res_model": "res.users.identitycheck",
         "res_id": 3, "name": "Access Control", "target": "new",
         "views": [[False, "form"]], "context": {"dialog_size": "medium"}}


def recorded_odoo(calls: list[MockCall]) -> Any:
    """Answers as Odoo 19 did (see tests/test_apikeys_real.py for the live version)."""
    keys = [{"id": 4, "name": "sync job", "scope": False,
             "expiration_date": "2026-12-29 00:00:00"}]

    def answer(call: MockCall) -> Any:
        calls.append(call)
        if call.method == "create":
            return [1]
        if call.method in ("make_key", "remove"):
            return CHECK
        if call.method == "run_check":
            if call.payload["context"].get("password") != "admin":
                raise UserError("Incorrect Password, try again or click on Forgot Password "
                                "to reset your password.", status=422,
                                name="odoo.exceptions.UserError")
            if calls[-2].method == "make_key":
                return {"type": "ir.actions.act_window", "res_model": "res.users.apikeys.show",
                        "name": "API Key Ready", "views": [[False, "form"]], "target": "new",
                        "context": {"default_key": NEW_KEY}}
            return {"type": "ir.actions.act_window_close"}
        if call.method == "search_read":
            return keys
        if call.method == "context_get":
            return {"uid": 2, "lang": "en_US", "tz": "Europe/Brussels"}
        raise AssertionError(call)

    return answer


async def test_generate_list_and_revoke_through_the_identity_check() -> None:
    calls: list[MockCall] = []
    transport = MockTransport(recorded_odoo(calls))
    async with Client("https://odoo.test", "k" * 40, transport=transport) as odoo:
        key = await odoo.apikeys.generate("sync job", password="admin",
                                          expiration=dt.date(2027, 2, 1))
        assert isinstance(key, Secret)
        assert key.reveal() == NEW_KEY
        assert NEW_KEY not in repr(key)
        create = calls[0]
        assert create.params["vals_list"] == [{"name": "sync job", "duration": "-1",
                                               "expiration_date": "2027-02-01 00:00:00"}]
        assert [(c.model, c.method) for c in calls[1:3]] == [
            ("res.users.apikeys.description", "make_key"), ("res.users.identitycheck",
                                                           "run_check")]
        assert calls[2].ids == [3]

        [info] = await odoo.apikeys.list_keys()
        listing = [c for c in calls if c.method == "search_read"][-1]
        assert listing.params["domain"] == [["user_id", "=", 2]]  # the caller's own only
        assert (info.id, info.name) == (4, "sync job")
        assert info.expiration == dt.datetime(2026, 12, 29, tzinfo=dt.timezone.utc)
        await odoo.apikeys.revoke(info.id, password="admin")
        assert (calls[-2].method, calls[-2].ids) == ("remove", [4])

        with pytest.raises(UserError, match="Incorrect Password") as wrong:
            await odoo.apikeys.generate("other", password="not-it")
        assert "not-it" not in str(wrong.value)
        with pytest.raises(ValueError, match="needs a name"):
            await odoo.apikeys.generate(" ", password="admin")


async def test_rotation_needs_a_client_on_a_built_in_transport() -> None:
    transport = MockTransport(recorded_odoo([]))
    async with Client("https://odoo.test", "k" * 40, transport=transport) as odoo:
        # the new key is checked with a client of its own before anything is revoked
        with pytest.raises(RuntimeError, match="built-in transports"):
            await odoo.apikeys.rotate("sync job", password="admin")


async def test_the_password_stays_out_of_every_frame() -> None:
    import traceback

    calls: list[MockCall] = []
    async with Client("https://odoo.test", "k" * 40,
                      transport=MockTransport(recorded_odoo(calls))) as odoo:
        with pytest.raises(UserError) as wrong:
            await odoo.apikeys.generate("x", password="s3cret-pa55word")
    import odoo_async

    library = str(Path(odoo_async.__file__).parent)
    double = str(Path(odoo_async.__file__).parent / "testing")  # the mock reveals it
    shown = traceback.TracebackException.from_exception(wrong.value, capture_locals=True)
    frames = [f"{frame.filename} {frame.locals}" for frame in shown.stack
              if frame.filename.startswith(library) and not frame.filename.startswith(double)]
    assert frames  # the client's and the pipeline's frames are there ...
    assert "s3cret-pa55word" not in "\n".join(frames)  # ... without the password


async def test_api_keys_need_json2(fake_odoo: Any) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, protocol="jsonrpc",
                      login="admin") as odoo:
        with pytest.raises(RuntimeError, match="needs JSON-2"):
            await odoo.apikeys.generate("x", password="admin")
