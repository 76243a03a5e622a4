"""Invoices, their lines, the payment wizard and payments (one currency).

As a real Odoo 19 was recorded answering (tests/fixtures/exchanges-flows.json): a draft
invoice has no name; posting names it ``INV/<year>/<n>`` from the journal's sequence and
dates it today; registering a payment of the whole residual marks it paid.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from odoo_async.testing.exceptions import UserError, ValidationError
from odoo_async.testing.fake.orm import now_string
from odoo_async.testing.fake.rules.base import (
    SQL_CONSTRAINT_PREFIX,
    ModelRules,
    money,
    next_name,
    parents,
    today,
)
from odoo_async.testing.fake.rules.taxes import base_amount, document_tax, line_tax
from odoo_async.testing.fake.store import Record

if TYPE_CHECKING:
    from odoo_async.testing.fake.orm import Env

__all__ = ["INVOICE_KEY", "MoveLineRules", "MoveRules", "PaymentRegisterRules",
           "PaymentRules", "cancel_moves", "create_payments", "post_moves", "reset_to_draft"]

BANK_JOURNAL: Final = 6
INVOICE_KEY: Final = "_invoice_ids"
"""Where a payment wizard keeps the invoices it pays (Odoo keeps their lines)."""
POSTED_DELETE: Final = (
    "You can't delete a posted journal item. Don\u2019t play games with your accounting "
    "records; reset the journal entry to draft before deleting it.")
# What may not change on a posted entry (Odoo 19's account.move.write).
LOCKED_WHEN_POSTED: Final = ("invoice_line_ids", "line_ids", "invoice_date", "date",
                             "partner_id", "invoice_payment_term_id", "currency_id",
                             "fiscal_position_id", "invoice_cash_rounding_id")
WRONG_SOURCE: Final = ("The register payment wizard should only be called on account.move "
                       "or account.move.line records.")
NOTHING_TO_PAY: Final = (
    "There's nothing left to pay for the selected journal items, so no payment "
    "registration is necessary. You've got your finances under control like a boss!")
NEGATIVE_PAYMENT: Final = SQL_CONSTRAINT_PREFIX + "The payment amount cannot be negative."


def _lines(env: Env, move_id: int) -> list[Record]:
    table = env.db["account.move.line"]
    return [table.rows[i] for i in table.ids_where("move_id", move_id)]


ALLOCATION_KEY: Final = "_allocation"
"""Where a payment keeps what it pays of each invoice (Odoo's reconciliation)."""


def _paid(env: Env, move_id: int) -> float:
    """What the payments reconciled with an invoice paid of it."""
    return sum(float((p.get(ALLOCATION_KEY) or {}).get(move_id, 0.0))
               for p in env.db["account.payment"].rows.values()
               if move_id in (p.get("reconciled_invoice_ids") or []))


DRAFT_LABELS: Final = {
    "out_invoice": "Draft Invoice", "out_refund": "Draft Credit Note",
    "in_invoice": "Draft Bill", "in_refund": "Draft Vendor Credit Note",
    "out_receipt": "Draft Sales Receipt", "in_receipt": "Draft Purchase Receipt",
    "entry": "Draft Entry"}


def _display_name(row: Record) -> str:
    """Odoo 19's ``_get_move_display_name(show_ref=True)``: the name (a label for a
    draft), then the reference in parentheses."""
    name = DRAFT_LABELS.get(str(row.get("move_type")), "") if row.get("state") == "draft" \
        else ""
    if row.get("name") and row.get("name") != "/":
        name = f"{name} {row['name']}".strip()
    ref = row.get("ref")
    return name + (f" ({textwrap.shorten(str(ref), width=50)})" if ref else "")


class MoveRules(ModelRules):
    """account.move: amounts from the product lines, the payment state from payments."""

    def defaults(self, env: Env, given: Record) -> Record:
        """A draft miscellaneous entry of today, not paid."""
        return {"date": today(env), "state": "draft", "move_type": "entry", "journal_id": 1,
                "auto_post": "no", "currency_id": 1, "payment_state": "not_paid",
                "company_id": 1}

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """Totals, the residual, the payment state and the name shown."""
        products = [line for line in _lines(env, row["id"])
                    if line.get("display_type") == "product"]
        untaxed = money(sum(float(line.get("price_subtotal") or 0.0) for line in products))
        tax = document_tax(env, products, "quantity")
        total = money(untaxed + tax)
        residual = max(0.0, money(total - _paid(env, row["id"]))) \
            if row.get("move_type") != "entry" else 0.0
        if row.get("move_type") == "entry":  # a payment counts even on a draft invoice
            payment_state = "not_paid"
        elif residual <= 0 < total:
            payment_state = "paid"
        elif residual < total:
            payment_state = "partial"
        else:
            payment_state = "not_paid"
        return {"amount_untaxed": untaxed, "amount_tax": tax, "amount_total": total,
                "amount_residual": residual, "payment_state": payment_state,
                "display_name": _display_name(row)}


    def dependents(self, env: Env, ids: Sequence[int]) -> list[tuple[str, list[int]]]:
        """The order lines these invoices invoice (a cancelled invoice no longer does)."""
        lines = sorted({line_id for move_id in ids for item in _lines(env, move_id)
                        for line_id in item.get("sale_line_ids") or []
                        if line_id in env.db["sale.order.line"]})
        return [("sale.order.line", lines)] if lines else []

    def before_write(self, env: Env, ids: Sequence[int], values: Mapping[str, Any]) -> None:
        """A posted entry's lines, dates and partner stay as posted.

        Raises:
            UserError: with Odoo's message.
        """
        locked = [name for name in values if name in LOCKED_WHEN_POSTED]
        state = values.get("state")
        for move_id in ids:
            posted = (state or env.db["account.move"].rows[move_id].get("state")) == "posted"
            if posted and locked and not env.context.get("skip_readonly_check"):
                raise UserError("You cannot modify the following readonly fields on a "
                                f"posted move: {', '.join(locked)}")

    def before_unlink(self, env: Env, ids: Sequence[int]) -> None:
        """Posted entries stay.

        Raises:
            UserError: with Odoo's message.
        """
        if any(env.db["account.move"].rows[i].get("state") == "posted" for i in ids):
            raise UserError(POSTED_DELETE)


class MoveLineRules(ModelRules):
    """account.move.line: a product line in the main currency, its subtotal."""

    def defaults(self, env: Env, given: Record) -> Record:
        """A product line in the main currency."""
        return {"currency_id": 1, "display_type": "product", "quantity": 1.0,
                "discount": 0.0}

    def computed_values(self, env: Env, model: str, row: Record) -> Record:
        """Quantity times price, less the discount, and its taxes."""
        base = base_amount(row, "quantity")
        subtotal = money(base)
        return {"price_subtotal": subtotal,
                "price_total": money(subtotal + line_tax(env, row.get("tax_ids") or [], base)),
                "display_name": row.get("name") or False}

    def dependents(self, env: Env, ids: Sequence[int]) -> list[tuple[str, list[int]]]:
        """The entries of these lines (their totals)."""
        return parents(env, "account.move.line", ids, "move_id", "account.move")


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
            values["invoice_date"] = today(env)
        if not row.get("name"):
            year = str(values.get("invoice_date") or row.get("date") or today(env))[:4]
            values["name"] = next_name(env, f"{journal.get('code') or 'MISC'}/{year}/")
        moves.update(move_id, values)
    env.rules.recompute(env, "account.move", list(ids))
    return False


def reset_to_draft(env: Env, ids: Sequence[int]) -> None:
    """``button_draft``: posted or cancelled entries back to draft (the name stays, and
    so do the payments matched with them, as in Odoo 19).

    Raises:
        UserError: an entry is a draft already (Odoo's message).
    """
    moves = env.db["account.move"]
    if any(moves.rows[i].get("state") not in ("cancel", "posted") for i in ids):
        raise UserError("Only posted/cancelled journal entries can be reset to draft.")
    for move_id in ids:
        moves.update(move_id, {"state": "draft"})
    env.rules.recompute(env, "account.move", list(ids))


def cancel_moves(env: Env, ids: Sequence[int]) -> None:
    """``button_cancel``: posted entries reset to draft first, then cancelled.

    Raises:
        UserError: an entry is neither posted nor a draft (Odoo's message).
    """
    moves = env.db["account.move"]
    posted = [i for i in ids if moves.rows[i].get("state") == "posted"]
    if posted:
        reset_to_draft(env, posted)
    if any(moves.rows[i].get("state") != "draft" for i in ids):
        raise UserError("Only draft journal entries can be cancelled.")
    for move_id in ids:
        moves.update(move_id, {"state": "cancel", "auto_post": "no"})
    env.rules.recompute(env, "account.move", list(ids))


class PaymentRegisterRules(ModelRules):
    """account.payment.register: pays the invoices of the context's ``active_ids``
    (``active_model`` account.move; drafts too, as Odoo 19 allows) in full by default,
    from the bank journal."""

    def defaults(self, env: Env, given: Record) -> Record:
        """The invoices' residual, today, their names as the memo, their partner.

        Raises:
            UserError: not called on invoices, or nothing left to pay (Odoo's messages).
            MissingError: an invoice does not exist.
        """
        if not env.context.get("active_model") and not env.context.get("active_ids"):
            return {"payment_date": today(env)}  # default_get of the form, before it opens
        if env.context.get("active_model") != "account.move":
            raise UserError(WRONG_SOURCE)
        moves = env.db["account.move"]
        invoices = [i for i in env.context.get("active_ids") or [] if isinstance(i, int)]
        env.ensure_exist("account.move", invoices)
        if not any(float(moves.rows[i].get("amount_residual") or 0.0) > 0 for i in invoices):
            raise UserError(NOTHING_TO_PAY)
        first = moves.rows[invoices[0]] if invoices else {}
        method = next((rid for rid, row in env.db["account.payment.method.line"].rows.items()
                       if row.get("journal_id") == BANK_JOURNAL
                       and row.get("payment_type") == "inbound"), False)
        return {"payment_date": today(env), "journal_id": BANK_JOURNAL,
                "payment_method_line_id": method, "payment_type": "inbound",
                "partner_type": "customer", "partner_id": first.get("partner_id", False),
                "amount": money(sum(float(moves.rows[i].get("amount_residual") or 0.0)
                                    for i in invoices)),
                "communication": " ".join(str(moves.rows[i].get("name") or "")
                                          for i in invoices),
                "currency_id": 1, "company_id": 1, "group_payment": False,
                INVOICE_KEY: invoices}


class PaymentRules(ModelRules):
    """account.payment: its name is the entry's; a paid payment stays."""

    def before_unlink(self, env: Env, ids: Sequence[int]) -> None:
        """A paid payment cannot be deleted (Odoo's words, from resetting it first).

        Raises:
            ValidationError: with Odoo's message.
        """
        if any(env.db["account.payment"].rows[i].get("state") in ("paid", "in_process")
               for i in ids):
            raise ValidationError("A payment with an outstanding account cannot be confirmed "
                                  "without having a journal entry.")

    def defaults(self, env: Env, given: Record) -> Record:
        """An inbound customer payment of today."""
        return {"date": today(env), "payment_type": "inbound", "partner_type": "customer",
                "currency_id": 1, "company_id": 1, "journal_id": BANK_JOURNAL}


def create_payments(env: Env, ids: Sequence[int]) -> dict[str, Any]:
    """``action_create_payments``: for each wizard, one payment per invoice, or one per
    customer when ``group_payment`` is set (the amount given is then spread over the
    invoices in order; it only applies to a single invoice otherwise, as in Odoo); the
    action that shows them.

    Raises:
        ValidationError: a negative amount (Odoo's constraint).
    """
    payments = []
    for wizard_id in ids:
        wizard = env.db["account.payment.register"].rows[wizard_id]
        if float(wizard.get("amount") or 0.0) < 0:
            raise ValidationError(NEGATIVE_PAYMENT)
        invoices = [i for i in wizard.get(INVOICE_KEY) or [] if i in env.db["account.move"]]
        moves = env.db["account.move"]
        if len(invoices) <= 1:
            batches = [(invoices, float(wizard.get("amount") or 0.0))]
        elif wizard.get("group_payment"):
            by_partner: dict[Any, list[int]] = {}
            for invoice in invoices:
                by_partner.setdefault(moves.rows[invoice].get("partner_id"), []).append(invoice)
            batches = [(group, float(wizard.get("amount") or 0.0) if len(by_partner) == 1
                        else _residual(env, group)) for group in by_partner.values()]
        else:
            batches = [([invoice], _residual(env, [invoice])) for invoice in invoices]
        for group, amount in batches:
            payments.append(_payment(env, wizard, group, amount))
        env.rules.recompute(env, "account.move", invoices)
    action: dict[str, Any] = {"name": "Payments", "type": "ir.actions.act_window",
                              "res_model": "account.payment", "context": {"create": False}}
    if len(payments) == 1:
        action.update(view_mode="form", res_id=payments[0])
    else:
        action.update(view_mode="list,form", domain=[["id", "in", payments]])
    return action


def _residual(env: Env, invoices: Sequence[int]) -> float:
    return money(sum(float(env.db["account.move"].rows[i].get("amount_residual") or 0.0)
                     for i in invoices))


def _payment(env: Env, wizard: Record, invoices: list[int], amount: float) -> int:
    """A paid payment of ``amount`` for ``invoices``, spread over them in order."""
    moves = env.db["account.move"]
    journal = env.db["account.journal"].get(wizard.get("journal_id") or 0) or {}
    date = str(wizard.get("payment_date") or today(env))
    left = amount
    allocation = {}
    for invoice in invoices:
        share = min(left, float(moves.rows[invoice].get("amount_residual") or 0.0))
        allocation[invoice] = share if invoice != invoices[-1] else left
        left = money(left - share)
    memo = (wizard.get("communication") if len(invoices) == len(wizard.get(INVOICE_KEY) or [])
            else " ".join(str(moves.rows[i].get("name") or "") for i in invoices))
    first = moves.rows[invoices[0]] if invoices else {}
    now = now_string()
    name = next_name(env, f"P{journal.get('code') or 'BNK1'}/{date[:4]}/")
    return env.db["account.payment"].insert(env.rules.defaults(env, "account.payment", {}) | {
        "name": name, "display_name": name, "amount": amount, "state": "paid",
        "partner_id": first.get("partner_id") or wizard.get("partner_id") or False,
        "payment_type": wizard.get("payment_type") or "inbound",
        "partner_type": wizard.get("partner_type") or "customer",
        "journal_id": wizard.get("journal_id") or BANK_JOURNAL,
        "payment_method_line_id": wizard.get("payment_method_line_id") or False,
        "memo": memo or False, "date": date, "reconciled_invoice_ids": list(invoices),
        ALLOCATION_KEY: allocation, "create_date": now, "write_date": now,
        "create_uid": env.uid, "write_uid": env.uid})
