"""Decoding a 1000-row search_read answer: the library's JSON backend against stdlib json."""

from __future__ import annotations

import json

from benchmarks.harness import report, time_sync
from odoo_async import _json

ROWS = [
    {"id": i, "name": f"Partner {i}", "email": f"p{i}@example.com", "country_id": [233, "US"],
     "category_id": [1, 2, 3], "create_date": "2026-11-27 02:51:51", "active": True}
    for i in range(1, 1001)
]
BODY = json.dumps(ROWS).encode()


def main() -> None:
    report(
        "decode a 1000-row search_read answer, 100 times",
        (f"odoo_async._json ({_json.BACKEND})",
         time_sync(lambda: [_json.loads(BODY) for _ in range(100)])),
        ("stdlib json", time_sync(lambda: [json.loads(BODY) for _ in range(100)])),
        extra="orjson is used when odoo-async[speed] is installed",
    )


if __name__ == "__main__":
    main()
