"""Business rules of the models the fake server knows, one object per model."""

from __future__ import annotations

from odoo_async.testing.fake.rules.accounting import (
    MoveLineRules,
    MoveRules,
    PaymentRegisterRules,
    PaymentRules,
)
from odoo_async.testing.fake.rules.base import ModelRules
from odoo_async.testing.fake.rules.partners import (
    PARTNER_NAME_REQUIRED,
    CategoryRules,
    CountryRules,
    PartnerRules,
    UserRules,
)
from odoo_async.testing.fake.rules.products import ProductRules, ProductTemplateRules
from odoo_async.testing.fake.rules.purchases import PurchaseOrderLineRules, PurchaseOrderRules
from odoo_async.testing.fake.rules.sales import (
    AdvancePaymentRules,
    SaleOrderLineRules,
    SaleOrderRules,
)
from odoo_async.testing.fake.rules.stock import MoveRules as StockMoveRules
from odoo_async.testing.fake.rules.stock import PickingRules, QuantRules
from odoo_async.testing.fake.rules.taxes import TaxRules

__all__ = ["PARTNER_NAME_REQUIRED", "RULES", "ModelRules"]

RULES: dict[str, ModelRules] = {
    "res.partner": PartnerRules(),
    "res.partner.category": CategoryRules(),
    "res.country": CountryRules(),
    "product.category": CategoryRules(complete_name=True),
    "res.users": UserRules(),
    "product.product": ProductRules(),
    "product.template": ProductTemplateRules(),
    "sale.order": SaleOrderRules(),
    "sale.order.line": SaleOrderLineRules(),
    "sale.advance.payment.inv": AdvancePaymentRules(),
    "account.move": MoveRules(),
    "account.move.line": MoveLineRules(),
    "account.payment.register": PaymentRegisterRules(),
    "account.payment": PaymentRules(),
    "purchase.order": PurchaseOrderRules(),
    "purchase.order.line": PurchaseOrderLineRules(),
    "stock.picking": PickingRules(),
    "stock.move": StockMoveRules(),
    "stock.quant": QuantRules(),
    "account.tax": TaxRules(),
}
"""The rules of each model; every other model follows :class:`ModelRules`."""
