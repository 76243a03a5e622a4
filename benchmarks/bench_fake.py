"""The fake server's speed, against the targets users' test suites need: seeding 5,000
orders of 3 lines, reading a 500-order page with its lines in one call, and a ``ref in
[500 values]`` search over 100,000 partners (once its index is built: the first search on
a field builds it). Streaming 200,000 partners with flat memory is in ``bench_bulk``."""

from __future__ import annotations

import asyncio
import time

from odoo_async import Client
from odoo_async.testing import FakeOdoo

TARGETS = {"seed": 5.0, "page": 0.2, "ref_in": 0.020}


def _line(name: str, took: float, target: float) -> None:
    verdict = "meets" if took <= target else "misses"
    print(f"  {name:<44} {took * 1000:9.1f} ms ({verdict} the target of {target * 1000:g} ms)")


async def main() -> None:
    """Print each measurement against its target."""
    print("the fake server")
    async with FakeOdoo() as fake, Client(fake.url, fake.api_key) as odoo:
        env = fake.env()
        product = next(iter(fake.db["product.product"].rows))
        started = time.perf_counter()
        with fake.db.transaction():
            orders = env.create("sale.order", [
                {"partner_id": 9, "order_line": [(0, 0, {"product_id": product,
                                                         "product_uom_qty": 1})
                                                 for _ in range(3)]}
                for _ in range(5000)])
        _line("seed 5,000 orders x 3 lines", time.perf_counter() - started, TARGETS["seed"])
        started = time.perf_counter()
        page = await odoo["sale.order"].search([("id", "in", orders[:500])]).fetch(
            "name", "order_line.product_id", "order_line.price_subtotal")
        assert len(page) == 500
        _line("a 500-order page with its lines (one call)", time.perf_counter() - started,
              TARGETS["page"])
        with fake.db.transaction():
            env.create("res.partner", [{"name": f"P{i}", "ref": f"R{i}"}
                                       for i in range(100_000)])
        env.search("res.partner", [("ref", "=", "R0")])  # builds the ref index
        refs = [f"R{i}" for i in range(0, 100_000, 200)]
        started = time.perf_counter()
        found = env.search("res.partner", [("ref", "in", refs)])
        assert len(found) == 500
        _line("ref in [500] over 100,000 partners", time.perf_counter() - started,
              TARGETS["ref_in"])


if __name__ == "__main__":
    asyncio.run(main())
