"""Users of the fake server: API keys and access rights."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Final

import attrs

__all__ = ["ADMIN_RIGHTS", "BOT_RIGHTS", "SUPERUSER", "FakeUser", "new_api_key"]

OPERATIONS: Final = ("read", "write", "create", "unlink")

ADMIN_RIGHTS: Final[Mapping[str, str]] = {"*": "rwcu"}
"""Everything on every model (Settings / Administrator)."""

BOT_RIGHTS: Final[Mapping[str, str]] = {
    "*": "r",
    "res.partner": "rwcu",
    "res.partner.category": "rwcu",
    "sale.order": "rwcu",
    "sale.order.line": "rwcu",
    "sale.advance.payment.inv": "rwcu",
    "account.move": "r",
    "ir.config_parameter": "",
    "ir.model.fields": "",
    "res.users": "r",
}
"""A plain internal user: reads most models, edits contacts and sales, no settings."""

# Groups Odoo names in access errors, as recorded; others fall back to the admin role.
GROUPS: Final[Mapping[str, str]] = {"res.users": "Access Rights",
                                    "ir.model.fields": "Access Rights"}
DEFAULT_GROUP: Final = "Role / Administrator"


def new_api_key() -> str:
    """A random key in Odoo's format (40 hex characters)."""
    return secrets.token_hex(20)


@attrs.frozen
class FakeUser:
    """A user: uid, login, partner, API key, rights per model (``"rwcu"`` letters for
    read, write, create, unlink; ``"*"`` is the default), technical documentation access,
    and whether the key has expired."""

    uid: int
    login: str
    name: str
    partner_id: int
    api_key: str = attrs.field(factory=new_api_key, repr=False)
    rights: Mapping[str, str] = ADMIN_RIGHTS
    technical_docs: bool = False
    expired: bool = False
    lang: str = "en_US"
    tz: str | None = "Europe/Brussels"
    groups: frozenset[str] = frozenset({"base.group_user"})

    def may(self, model: str, operation: str) -> bool:
        """Whether this user may ``operation`` (read, write, create, unlink) ``model``."""
        letters = self.rights.get(model, self.rights.get("*", ""))
        return {"read": "r", "write": "w", "create": "c", "unlink": "u"}[operation] in letters

    def group_for(self, model: str) -> str:
        """The group named in access errors."""
        return GROUPS.get(model, DEFAULT_GROUP)


SUPERUSER: Final = FakeUser(uid=1, login="__system__", name="OdooBot", partner_id=2,
                            api_key=new_api_key(), technical_docs=True,
                            groups=frozenset({"base.group_user", "base.group_system"}))
