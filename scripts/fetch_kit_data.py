"""Fetch, from the kit's freshly reset real Odoo 19, what the fake's business flows need
beyond the shared recordings: the fields of the stock and payment models, the demo records
of warehouses, journals and stock, and where the demo data left each id and name sequence.

    . ~/.cache/odoo19-server/env.sh
    shared/odoo19/server/reset.sh ~/.cache/odoo19-server --start
    python scripts/fetch_kit_data.py

Writes odoo_async/testing/data/fields/<model>.json (trimmed as build_fake_data.py trims
them), records/<model>.json, and counters.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import aiohttp

from scripts.build_fake_data import KEEP, KIT_MODELS, OUT

RECORDS: dict[str, list[str]] = {
    "stock.location": ["name", "complete_name", "usage", "location_id", "company_id",
                       "active", "display_name"],
    "stock.picking.type": ["name", "code", "sequence_code", "default_location_src_id",
                           "default_location_dest_id", "company_id", "active",
                           "display_name"],
    "stock.quant": ["product_id", "location_id", "quantity", "reserved_quantity",
                    "company_id", "display_name"],
    "account.journal": ["name", "code", "type", "company_id", "active", "display_name"],
    "account.payment.method.line": ["name", "journal_id", "payment_type", "display_name"],
    "uom.uom": ["name", "active", "display_name"],
    "account.tax": ["name", "amount", "amount_type", "type_tax_use", "price_include",
                    "company_id", "country_id", "tax_group_id", "sequence", "active",
                    "display_name"],
    "account.tax.group": ["name", "company_id", "country_id", "sequence", "display_name"],
}
PRODUCT_FIELDS = ["invoice_policy", "is_storable", "purchase_method", "taxes_id",
                  "supplier_taxes_id"]
# Tables whose demo rows the fake does not carry: the id the next record gets.
NEXT_IDS = ("account_move", "account_move_line", "account_payment", "stock_picking",
            "stock_move", "stock_move_line", "purchase_order", "purchase_order_line",
            "sale_advance_payment_inv", "account_payment_register")
# Names already given by the demo data: the highest number of each prefix.
NAMES = {"stock_picking": r"^(WH/(?:IN|OUT)/)(\d+)$", "purchase_order": r"^(P)(\d+)$",
         "account_move": r"^(INV/\d{4}/)(\d+)$"}


def _headers() -> dict[str, str]:
    key = os.environ.get("ODOO_API_KEY") or Path(os.environ["ODOO_KEY_FILE"]).read_text()
    return {"Authorization": f"bearer {key.strip()}", "X-Odoo-Database": os.environ["ODOO_DB"]}


async def _call(session: aiohttp.ClientSession, model: str, method: str,
                body: dict[str, Any]) -> Any:
    url = os.environ["ODOO_URL"].rstrip("/")
    headers = _headers()
    async with session.post(f"{url}/json/2/{model}/{method}", json=body,
                            headers=headers) as response:
        response.raise_for_status()
        return await response.json()


def _sql(query: str) -> list[list[str]]:
    out = subprocess.run(["psql", "-d", os.environ["ODOO_DB"], "-AtF", "\t", "-c", query],
                         capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def counters() -> dict[str, Any]:
    """Next ids and the highest names of the demo data, from the kit's database."""
    next_ids = {}
    for table in NEXT_IDS:
        [[value]] = _sql(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
        next_ids[table.replace("_", ".")] = int(value)
    names: dict[str, int] = {}
    for table, pattern in NAMES.items():
        for [name] in _sql(f"SELECT name FROM {table} WHERE name IS NOT NULL"):
            match = re.match(pattern, name)
            if match:
                names[match[1]] = max(names.get(match[1], 0), int(match[2]))
    return {"next_id": next_ids, "names": names}


async def fetch() -> None:
    """Write the fields, the records and the counters."""
    async with aiohttp.ClientSession() as session:
        for model in KIT_MODELS:
            fields = await _call(session, model, "fields_get",
                                 {"attributes": sorted(KEEP)})
            trimmed = {name: {k: v for k, v in attrs.items() if k in KEEP}
                       for name, attrs in sorted(fields.items())}
            (OUT / "fields" / f"{model}.json").write_text(
                json.dumps(trimmed, sort_keys=True, separators=(",", ":")))
        for model, names in RECORDS.items():
            rows = await _call(session, model, "search_read",
                               {"domain": [], "fields": names, "order": "id",
                                "context": {"active_test": False}})
            (OUT / "records" / f"{model}.json").write_text(
                json.dumps(rows, separators=(",", ":")))
        products_path = OUT / "records" / "product.product.json"
        products = json.loads(products_path.read_text())
        extra = await _call(session, "product.product", "read",
                            {"ids": [p["id"] for p in products], "fields": PRODUCT_FIELDS,
                             "context": {"active_test": False}})
        by_id = {row["id"]: row for row in extra}
        for product in products:
            product.update({k: by_id[product["id"]][k] for k in PRODUCT_FIELDS})
        products_path.write_text(json.dumps(products, separators=(",", ":")))
    (OUT / "counters.json").write_text(json.dumps(counters(), indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    asyncio.run(fetch())
