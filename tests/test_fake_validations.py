"""What a sync meets when it creates records, on the fake as a real Odoo 19 answers it.
The expected answers were recorded from the kit's server (2026-11-29);
tests/test_fake_validations_real.py replays the same cases on a real server when
ODOO_URL is set. (A bad email or VAT is accepted by Odoo 19 without base_vat: no case.)"""

from __future__ import annotations

from typing import Any

import pytest

from odoo_async import Client
from odoo_async.testing import FakeOdoo

FK = ("The operation cannot be completed: Another model is using the record you are trying "
      "to delete.\n\nThe troublemaker is: 'Contact' (res.partner)\nThanks to the following "
      "constraint: '{label}' ({field})\nHow about archiving the record instead?")

RECORDED: list[tuple[str, dict[str, Any], str, str]] = [
    ("res.partner", {"name": "V3", "country_id": 999999}, "ValidationError",
     FK.format(label="Country", field="country_id")),
    ("res.partner", {"name": "V5", "state_id": 999999}, "ValidationError",
     FK.format(label="State", field="state_id")),
    ("res.country", {"name": "Dupland", "code": "BE"}, "ValidationError",
     "The operation cannot be completed: The code of the country must be unique!"),
    ("res.partner", {"name": "V4", "parent_id": 999999}, "MissingError",
     "Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)"),
    ("res.users", {"name": "dupuser", "login": "admin"}, "ValidationError",
     "The operation cannot be completed: You can not have two users with the same login!"),
]


async def refused(odoo: Client, model: str, values: dict[str, Any]) -> tuple[str, str]:
    """The class and message of Odoo's refusal to create ``values``."""
    with pytest.raises(Exception) as error:  # noqa: PT011 - the class is compared
        await odoo.call(model, "create", vals_list=[values])
    return type(error.value).__name__, str(getattr(error.value, "message", ""))


@pytest.mark.parametrize(("model", "values", "kind", "message"), RECORDED)
async def test_the_fake_refuses_as_odoo_does(fake_odoo: FakeOdoo, model: str,
                                             values: dict[str, Any], kind: str,
                                             message: str) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key, retry=False) as odoo:
        assert await refused(odoo, model, values) == (kind, message)


async def test_a_new_user_gets_a_partner_of_its_own(fake_odoo: FakeOdoo) -> None:
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        [uid] = await odoo.call("res.users", "create",
                                vals_list=[{"name": "Sync Bot", "login": "syncbot"}])
        [user] = await odoo.call("res.users", "read", ids=[uid], fields=["partner_id"])
        assert user["partner_id"][1] == "Sync Bot"
