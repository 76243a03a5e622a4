"""Invoices, their lines, the payment wizard and payments (one currency).

As a real Odoo 19 was recorded answering (tests/fixtures/exchanges-flows.json): a draft
invoice has no name; posting names it ``INV/<year>/<n>`` from the journal's sequence and
dates it today; registering a payment of the whole residual marks it paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from odoo_async.testing.exceptions import UserError
from odoo_async.testing.fake.orm import now_string
from odoo_async.testing.fake.rules.base import ModelRules, money, next_name, today
from odoo_async.testing.fake.rules.taxes import document_tax, line_tax
from odoo_async.testing.fake.store import Record

if TYPE_CHECKING:
    from odoo_async.testing.fake.orm import Env

__all__ = ["INVOICE_KEY", "MoveLineRules", "MoveRules", "PaymentRegisterRules",
           "PaymentRules", "create_payments", "post_moves"]

BANK_JOURNAL: Final = 6
INVOICE_KEY: Final = "_invoice_ids"
"""Where a payment wizard keeps the invoices it pays (Odoo keeps their lines)."""
NOT_POSTED: Final = "You can only register payment for posted journal entries."


def _lines(env: Env, move_id: int) -> list[Record]:
    table = env.db["account.move.line"]
    ids = table.index("move_id").get(move_id, ())  # type: ignore[union-attr]
    return [table.rows[i] for i in sorted(ids)]


def _paid(env: Env, move_id: int) -> float:
    """What the payments reconciled with an invoice paid of it."""
    return sum(float(p.get("amount") or 0.0) for p in env.db["account.payment"].rows.values()
               if move_id in (p.get("reconciled_invoice_ids") or []))


class MoveRules(ModelRules):
    """account.move: amounts from the product lines, the payment state from payments."""

    def defaults(self, env: Env, given: Record) -> Record:
        """A draft miscellaneous entry of today, not paid."""
        return {"date": today(), "state": "draft", "move_type": "entry", "journal_id": 1,
                "auto_post": "no", "currency_id": 1, "payment_state": "not_paid",
                "company_id": 1}

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """Totals, the residual, the payment state and the name shown."""
        products = [line for line in _lines(env, row["id"])
                    if line.get("display_type") == "product"]
        untaxed = money(sum(float(line.get("price_subtotal") or 0.0) for line in products))
        tax = document_tax(env, products)
        total = money(untaxed + tax)
        residual = money(total - _paid(env, row["id"])) \
            if row.get("move_type") != "entry" else 0.0
        if row.get("state") != "posted" or row.get("move_type") == "entry":
            payment_state = "not_paid"
        elif residual <= 0 < total:
            payment_state = "paid"
        elif residual < total:
            payment_state = "partial"
        else:
            payment_state = "not_paid"
        name = row.get("name") or (f"Draft Invoice (* {row['id']})"
                                   if row.get("move_type") == "out_invoice" else "/")
        return {"amount_untaxed": untaxed, "amount_tax": tax, "amount_total": total,
                "amount_residual": residual, "payment_state": payment_state,
                "display_name": name}


class MoveLineRules(ModelRules):
    """account.move.line: a product line in the main currency, its subtotal."""

    def defaults(self, env: Env, given: Record) -> Record:
        """A product line in the main currency."""
        return {"currency_id": 1, "display_type": "product", "quantity": 1.0,
                "discount": 0.0}

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """Quantity times price, less the discount, and its taxes."""
        subtotal = money(float(row.get("quantity") or 0.0) * float(row.get("price_unit") or 0.0)
                         * (1.0 - float(row.get("discount") or 0.0) / 100.0))
        return {"price_subtotal": subtotal,
                "price_total": money(subtotal + line_tax(env, row.get("tax_ids") or [],
                                                         subtotal)),
                "display_name": row.get("name") or False}

    def dependents(self, env: Env, ids: Sequence[int]) -> list[tuple[str, list[int]]]:
        """The entries of these lines (their totals)."""
        table = env.db["account.move.line"]
        moves = sorted({int(table.rows[i]["move_id"]) for i in ids
                        if i in table.rows and table.rows[i].get("move_id")})
        return [("account.move", moves)] if moves else []


def post_moves(env: Env, ids: Sequence[int]) -> bool:
    """``action_post``: name and date the drafts; Odoo answers False.

    Raises:
        UserError: an entry is not a draft (Odoo's message).
    """
    moves = env.db["account.move"]
    for move_id in ids:
        row = moves.rows[move_id]
        if row.get("state") != "draft":
            raise UserError(f"The entry {row.get('name') or '/'} (id {move_id}) must be in "
                            "draft.")
    for move_id in ids:
        row = moves.rows[move_id]
        journal = env.db["account.journal"].get(row.get("journal_id") or 0) or {}
        values: Record = {"state": "posted"}
        if row.get("move_type") in ("out_invoice", "out_refund") and not row.get("invoice_date"):
            values["invoice_date"] = today()
        if not row.get("name"):
            year = str(values.get("invoice_date") or row.get("date") or today())[:4]
            values["name"] = next_name(env, f"{journal.get('code') or 'MISC'}/{year}/")
        moves.update(move_id, values)
    env.rules.recompute(env, "account.move", list(ids))
    return False


class PaymentRegisterRules(ModelRules):
    """account.payment.register: pays the posted invoices of the context's
    ``active_ids`` (``active_model`` account.move) in full, from the bank journal."""

    def defaults(self, env: Env, given: Record) -> Record:
        """The invoices' residual, today, their names as the memo, their partner.

        Raises:
            UserError: an invoice is not posted (Odoo's message).
        """
        if env.context.get("active_model") != "account.move":
            return {"payment_date": today()}
        moves = env.db["account.move"]
        invoices = [i for i in env.context.get("active_ids") or [] if i in moves]
        if any(moves.rows[i].get("state") != "posted" for i in invoices):
            raise UserError(NOT_POSTED)
        first = moves.rows[invoices[0]] if invoices else {}
        method = next((rid for rid, row in env.db["account.payment.method.line"].rows.items()
                       if row.get("journal_id") == BANK_JOURNAL
                       and row.get("payment_type") == "inbound"), False)
        return {"payment_date": today(), "journal_id": BANK_JOURNAL,
                "payment_method_line_id": method, "payment_type": "inbound",
                "partner_type": "customer", "partner_id": first.get("partner_id", False),
                "amount": money(sum(float(moves.rows[i].get("amount_residual") or 0.0)
                                    for i in invoices)),
                "communication": " ".join(str(moves.rows[i].get("name") or "")
                                          for i in invoices),
                "currency_id": 1, "company_id": 1, "group_payment": True,
                INVOICE_KEY: invoices}


class PaymentRules(ModelRules):
    """account.payment: its name is the entry's."""

    def defaults(self, env: Env, given: Record) -> Record:
        """An inbound customer payment of today."""
        return {"date": today(), "payment_type": "inbound", "partner_type": "customer",
                "currency_id": 1, "company_id": 1, "journal_id": BANK_JOURNAL}


def create_payments(env: Env, ids: Sequence[int]) -> dict[str, Any]:
    """``action_create_payments``: one payment per wizard, paying its invoices; the action
    that shows them."""
    payments = []
    for wizard_id in ids:
        wizard = env.db["account.payment.register"].rows[wizard_id]
        journal = env.db["account.journal"].get(wizard.get("journal_id") or 0) or {}
        date = str(wizard.get("payment_date") or today())
        now = now_string()
        name = next_name(env, f"P{journal.get('code') or 'BNK1'}/{date[:4]}/")
        payment = env.db["account.payment"].insert(env.rules.defaults(env, "account.payment",
                                                                      {}) | {
            "name": name, "display_name": name, "amount": wizard.get("amount") or 0.0,
            "state": "paid", "partner_id": wizard.get("partner_id") or False,
            "payment_type": wizard.get("payment_type") or "inbound",
            "partner_type": wizard.get("partner_type") or "customer",
            "journal_id": wizard.get("journal_id") or BANK_JOURNAL,
            "payment_method_line_id": wizard.get("payment_method_line_id") or False,
            "memo": wizard.get("communication") or False, "date": date,
            "reconciled_invoice_ids": list(wizard.get(INVOICE_KEY) or []),
            "create_date": now, "write_date": now, "create_uid": env.uid,
            "write_uid": env.uid})
        env.rules.recompute(env, "account.move", list(wizard.get(INVOICE_KEY) or []))
        payments.append(payment)
    action: dict[str, Any] = {"name": "Payments", "type": "ir.actions.act_window",
                              "res_model": "account.payment", "context": {"create": False}}
    if len(payments) == 1:
        action.update(view_mode="form", res_id=payments[0])
    else:
        action.update(view_mode="list,form", domain=[["id", "in", payments]])
    return action
