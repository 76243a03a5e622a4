"""Contacts, contact tags and categories, users."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from odoo_async.testing.exceptions import ValidationError
from odoo_async.testing.fake.rules.base import SQL_CONSTRAINT_PREFIX, ModelRules, check_unique
from odoo_async.testing.fake.schema import FieldDef
from odoo_async.testing.fake.store import Record

if TYPE_CHECKING:
    from odoo_async.testing.fake.orm import Env

__all__ = ["PARTNER_NAME_REQUIRED", "CategoryRules", "CountryRules", "PartnerRules", "UserRules",
           "commercial_partner"]

PARTNER_NAME_REQUIRED: Final = "Contacts require a name"


def commercial_partner(env: Env, row: Record) -> Record:
    """The company a contact belongs to (walking up parents), or the contact itself."""
    current, seen = row, {row["id"]}
    while not current.get("is_company") and current.get("parent_id"):
        parent = env.db["res.partner"].get(current["parent_id"])
        if parent is None or parent["id"] in seen:
            break
        seen.add(parent["id"])
        current = parent
    return current


class PartnerRules(ModelRules):
    """res.partner: company type, "Company, Contact" names, the commercial partner, a
    name required for contacts, no recursive hierarchies."""

    inverse_fields = frozenset({"company_type"})

    def written(self, env: Env, ids: Sequence[int], values: Record) -> None:
        """A partner's name is its users' (Odoo's ``_inherits``)."""
        if "name" not in values:
            return
        users = env.db["res.users"]
        for user_id, user in users.rows.items():
            if user.get("partner_id") in ids and user.get("name") != values["name"]:
                users.update(user_id, {"name": values["name"],
                                       "display_name": values["name"]})

    def defaults(self, env: Env, given: Record) -> Record:
        """Contact type, the context's language, no ranks."""
        return {"type": "contact", "lang": env.context.get("lang") or "en_US",
                "autopost_bills": "ask", "customer_rank": 0, "supplier_rank": 0}

    def prepare(self, env: Env, row: Record, *, creating: bool) -> None:
        """``company_type`` sets ``is_company``; a missing parent is a MissingError, as
        Odoo reads it (its commercial fields) before the foreign key would refuse it.

        Raises:
            MissingError: ``parent_id`` points to no record.
        """
        if "company_type" in row:
            row["is_company"] = row.pop("company_type") == "company"
        if row.get("parent_id"):
            env.ensure_exist("res.partner", [row["parent_id"]])

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """Display and complete name, commercial partner."""
        name = self.display_name(env, row)
        return {"display_name": name, "complete_name": name,
                "commercial_partner_id": commercial_partner(env, row)["id"]}

    def dependents(self, env: Env, ids: Sequence[int]) -> list[tuple[str, list[int]]]:
        """The contacts of these partners (their names include the company's)."""
        parents = set(ids)
        table = env.db["res.partner"]
        by_parent = table.index("parent_id")
        if by_parent is None:
            children = [rid for rid, row in table.rows.items()
                        if row.get("parent_id") in parents and rid not in parents]
        else:
            children = sorted({rid for parent in parents
                               for rid in by_parent.get(parent, ()) if rid not in parents})
        return [("res.partner", children)] if children else []

    def display_name(self, env: Env, row: Record) -> str:
        """``"Company, Contact"`` for a contact of a company, else the name."""
        name = row.get("name") or ""
        top = commercial_partner(env, row)
        if top is row:
            return str(name)
        if not name:
            labels = dict(env.model("res.partner").fields["type"].selection or ())
            name = labels.get(str(row.get("type")), "")
        return f"{top.get('name') or ''}, {name}"

    def computed(self, env: Env, row: Record, field: FieldDef) -> Any:
        """``company_type`` from ``is_company``."""
        if field.name == "company_type":
            return "company" if row.get("is_company") else "person"
        return field.empty

    def check(self, env: Env, ids: Sequence[int]) -> None:
        """A name for contacts; no recursive hierarchy.

        Raises:
            ValidationError: with Odoo's message.
        """
        table = env.db["res.partner"]
        for record_id in ids:
            row = table.rows[record_id]
            if row.get("type", "contact") == "contact" and not row.get("name"):
                raise ValidationError(SQL_CONSTRAINT_PREFIX + PARTNER_NAME_REQUIRED)
            seen = {record_id}
            parent_id = row.get("parent_id")
            while parent_id:
                if parent_id in seen:
                    raise ValidationError("You cannot create recursive Partner hierarchies.")
                seen.add(parent_id)
                parent = table.get(parent_id)
                parent_id = parent.get("parent_id") if parent else False


class CategoryRules(ModelRules):
    """Hierarchical categories: ``"Parent / Child"`` names (and ``complete_name``)."""

    def __init__(self, *, complete_name: bool = False) -> None:
        self.complete_name = complete_name

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """The full path of names."""
        names = [str(row.get("name") or "")]
        parent_id = row.get("parent_id")
        seen = {row["id"]}
        while parent_id and parent_id not in seen:
            seen.add(parent_id)
            parent = env.db[model].get(parent_id)
            if parent is None:
                break
            names.append(str(parent.get("name") or ""))
            parent_id = parent.get("parent_id")
        full = " / ".join(reversed(names))
        values: Record = {"display_name": full}
        if self.complete_name:
            values["complete_name"] = full
        return values


class UserRules(ModelRules):
    """res.users: the main company, email notifications, a partner made with the user,
    unique logins."""

    def defaults(self, env: Env, given: Record) -> Record:
        """Company 1, notifications by email, English."""
        return {"company_id": 1, "notification_type": "email", "lang": "en_US"}

    inverse_fields = frozenset({"name"})  # the partner's, through _inherits

    def prepare(self, env: Env, row: Record, *, creating: bool) -> None:
        """A new user without a partner gets one of its name (as Odoo's ``_inherits``)."""
        name = row.get("name")  # kept on the user too: the fake reads it from the row
        if creating and not row.get("partner_id"):
            [partner] = env.create("res.partner", [{"name": name or row.get("login") or
                                                    "/"}])
            row["partner_id"] = partner

    def written(self, env: Env, ids: Sequence[int], values: Record) -> None:
        """A user's name is its partner's (Odoo's ``_inherits``)."""
        if "name" in values:
            partners = {env.db["res.users"].rows[i].get("partner_id") for i in ids}
            found = sorted(p for p in partners if p and p in env.db["res.partner"])
            if found:
                env.write("res.partner", found, {"name": values["name"]})

    def check(self, env: Env, ids: Sequence[int]) -> None:
        """Logins are unique.

        Raises:
            ValidationError: with Odoo's message.
        """
        check_unique(env, "res.users", "login", ids,
                     "You can not have two users with the same login!")


class CountryRules(ModelRules):
    """res.country: unique codes."""

    def check(self, env: Env, ids: Sequence[int]) -> None:
        """Country codes are unique.

        Raises:
            ValidationError: with Odoo's message.
        """
        check_unique(env, "res.country", "code", ids,
                     "The code of the country must be unique!")
