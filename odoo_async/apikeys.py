"""``client.apikeys``: the API keys of the key's own user, generated, listed, revoked and
rotated through Odoo's own wizards (``res.users.apikeys.description``, ``make_key``).

Odoo guards key creation and removal with an identity check: the user's **password**
(not an API key) must be given, as in Preferences > Account Security. The keys come back
as :class:`~odoo_async.Secret` objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from odoo_async.client import Client
from odoo_async.errors import ProtocolError
from odoo_async.secret import Secret
from odoo_async.transport.auto import AutoTransport
from odoo_async.transport.legacy import LegacyTransport
from odoo_async.values import format_datetime

__all__ = ["ApiKeyInfo", "ApiKeys"]

_CHECK = "res.users.identitycheck"


@attrs.frozen
class ApiKeyInfo:
    """One API key of the user (never the key itself: Odoo keeps only its hash)."""

    id: int
    name: str
    scope: str | None
    expiration: dt.datetime | None


class ApiKeys:
    """The API keys of the client's user."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def _check_protocol(self) -> None:
        transport = self._client.transport
        chosen = transport.chosen if isinstance(transport, AutoTransport) else transport
        if isinstance(chosen, LegacyTransport):
            raise RuntimeError("client.apikeys needs JSON-2 (Odoo 19): Odoo runs its "
                               "identity check only in requests it routes itself, which the "
                               "legacy protocols are not")

    async def _confirmed(self, answer: Any, password: Secret) -> Any:
        """Pass Odoo's identity check when ``answer`` asks for it."""
        if isinstance(answer, Mapping) and answer.get("res_model") == _CHECK:
            check = answer.get("res_id")
            if not isinstance(check, int):
                raise ProtocolError("Odoo asked for an identity check without a wizard id")
            # the password stays a Secret in the call: written out only into the body
            return await self._client.call(_CHECK, "run_check", ids=[check],
                                           context={"password": password})
        return answer

    async def generate(self, name: str, *, password: str | Secret,
                       expiration: dt.date | dt.datetime | None = None) -> Secret:
        """A new key named ``name`` for the client's user, valid until ``expiration``
        (UTC; ``None``: a persistent key, which Odoo allows administrators only).

        Raises:
            ValueError: an empty name.
            RuntimeError: the client talks a legacy protocol (Odoo's identity check
                needs JSON-2).
            odoo_async.errors.UserError: a wrong password ("Incorrect Password").
            odoo_async.errors.ValidationError: an expiration beyond what the user may have.
            ProtocolError: Odoo's answer does not hold the key.
            odoo_async.errors.OdooError: a call failed.
        """
        if not isinstance(name, str) or not name.strip():
            raise ValueError("an API key needs a name (shown in Odoo's preferences)")
        self._check_protocol()
        # rebound at once: no frame keeps the password as plain text
        password = password if isinstance(password, Secret) else Secret(password)
        values: dict[str, Any] = {"name": name, "duration": "0"}
        if expiration is not None:
            moment = expiration if isinstance(expiration, dt.datetime) else dt.datetime(
                expiration.year, expiration.month, expiration.day, tzinfo=dt.timezone.utc)
            values.update(duration="-1", expiration_date=format_datetime(moment))
        [wizard] = await self._client.call("res.users.apikeys.description", "create",
                                           vals_list=[values])
        answer = await self._confirmed(
            await self._client.call("res.users.apikeys.description", "make_key",
                                    ids=[wizard]), password)
        key = answer.get("context", {}).get("default_key") if isinstance(answer, Mapping) \
            else None
        if not isinstance(key, str) or not key:
            raise ProtocolError("Odoo's answer to make_key holds no key")
        return Secret(key)

    async def list_keys(self) -> list[ApiKeyInfo]:
        """The client's user's own keys, newest first (an administrator's included: not
        the other users' ones it could read).

        Raises:
            odoo_async.errors.OdooError: the call failed.
        """
        uid = (await self._client.whoami()).get("uid")
        # an administrator reads every user's keys: only the caller's own are listed
        rows = await self._client.call("res.users.apikeys", "search_read",
                                       domain=[("user_id", "=", uid)],
                                       fields=["name", "scope", "expiration_date"],
                                       order="id desc")
        return [ApiKeyInfo(
            id=int(row["id"]), name=str(row.get("name") or ""),
            scope=row.get("scope") or None,
            expiration=dt.datetime.strptime(row["expiration_date"], "%Y-%m-%d %H:%M:%S")
            .replace(tzinfo=dt.timezone.utc) if row.get("expiration_date") else None)
            for row in rows]

    async def revoke(self, key_ids: int | list[int], *, password: str | Secret) -> None:
        """Remove keys of the user by id (see :meth:`list_keys`). A call with a revoked key
        gets ``AuthenticationError``.

        Raises:
            odoo_async.errors.UserError: a wrong password.
            odoo_async.errors.OdooError: a call failed.
        """
        ids = [key_ids] if isinstance(key_ids, int) else list(key_ids)
        if not ids:
            return
        self._check_protocol()
        password = password if isinstance(password, Secret) else Secret(password)
        await self._confirmed(await self._client.call("res.users.apikeys", "remove", ids=ids),
                              password)

    async def rotate(self, name: str, *, password: str | Secret,
                     expiration: dt.date | dt.datetime | None = None) -> Secret:
        """Replace the user's keys named ``name`` by a new one: generate it, check that
        it works (a call made with it answers as the same user), then revoke the older
        ones. If anything fails before the revocation, the old keys still work: the
        caller is never left without a working key.

        Raises:
            RuntimeError: the new key does not answer as the same user (nothing revoked).
            odoo_async.errors.OdooError: a call failed.
        """
        password = password if isinstance(password, Secret) else Secret(password)
        before = {info.id for info in await self.list_keys() if info.name == name}
        me = await self._client.whoami()
        new_key = await self.generate(name, password=password, expiration=expiration)
        async with self._client.with_api_key(new_key) as fresh:
            them = await fresh.whoami()
        if them.get("uid") != me.get("uid"):
            raise RuntimeError("the new key answers as another user: the old keys were kept")
        await self.revoke(sorted(before), password=password)
        return new_key


Client.register_extension("apikeys", ApiKeys)
