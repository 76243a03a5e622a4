"""Taxes on order and invoice lines: percentages added to the price (the only kind the
demo company has), rounded per tax on the whole document (the company's
``round_globally``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from odoo_async.testing.fake.rules.base import ModelRules, money
from odoo_async.testing.fake.store import Record

if TYPE_CHECKING:
    from odoo_async.testing.fake.orm import Env

__all__ = ["PURCHASE_TAXES", "SALE_TAXES", "TaxRules", "base_amount", "document_tax", "line_tax",
           "taxes_for_company"]

COMPANY_COUNTRY: Final = 233
"""The main company's country (United States)."""
DEFAULT_TAX_GROUP: Final = 1
"""The first tax group of that country ("Tax 15%")."""
SALE_TAXES: Final = (1, 17)
"""Each company's default sales tax (15% and 5.75%): what a new product gets."""
PURCHASE_TAXES: Final = (2, 40)
"""Each company's default purchase tax."""


class TaxRules(ModelRules):
    """account.tax: a sales percentage of the main company, in its country's first group."""

    def defaults(self, env: Env, given: Record) -> Record:
        """What Odoo 19 gives a new tax (``default_get``, then its computed group)."""
        return {"sequence": 1, "company_id": 1, "amount_type": "percent",
                "type_tax_use": "sale", "amount": 0.0, "country_id": COMPANY_COUNTRY,
                "tax_group_id": DEFAULT_TAX_GROUP, "price_include": False}


def taxes_for_company(env: Env, tax_ids: Iterable[Any], company_id: int = 1) -> list[int]:
    """The taxes of ``tax_ids`` that belong to the company (a product shared between
    companies carries the taxes of each)."""
    table = env.db["account.tax"]
    return [t for t in tax_ids
            if t in table and table.rows[t].get("company_id") in (company_id, False)]


def _rate(env: Env, tax_id: int) -> float:
    tax = env.db["account.tax"].get(tax_id) or {}
    return float(tax.get("amount") or 0.0) / 100.0 if tax.get("amount_type") == "percent" \
        else 0.0


def base_amount(line: Record, quantity_field: str) -> float:
    """A line's price before taxes, unrounded (the taxes are computed on it): its quantity
    (``product_uom_qty`` ordered, ``product_qty`` purchased, ``quantity`` invoiced) times
    its price, less its discount."""
    return float(line.get(quantity_field) or 0.0) * float(line.get("price_unit") or 0.0) * (
        1.0 - float(line.get("discount") or 0.0) / 100.0)


def line_tax(env: Env, tax_ids: Iterable[int], base: float) -> float:
    """The taxes of one line on its unrounded ``base``, each rounded on its own."""
    return money(sum(money(_rate(env, t) * base) for t in tax_ids))


def document_tax(env: Env, lines: Iterable[Record], quantity_field: str) -> float:
    """The taxes of a document: each tax on the sum of the unrounded bases of the lines
    it applies to, then rounded (the company's ``round_globally``)."""
    bases: dict[int, float] = defaultdict(float)
    for line in lines:
        for tax_id in line.get("tax_ids") or []:
            bases[tax_id] += base_amount(line, quantity_field)
    return money(sum(money(_rate(env, t) * base) for t, base in bases.items()))
