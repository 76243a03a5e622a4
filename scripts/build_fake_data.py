"""Build the fake Odoo server's data from the recordings in ../shared/odoo19.

    python scripts/build_fake_data.py [path/to/shared/odoo19]

Writes odoo_async/testing/data/fields/<model>.json (fields_get answers, documentation
strings removed), odoo_async/testing/data/records/<model>.json (the demo records) and
models.json (each model's description, from /doc-bearer/index.json).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "odoo_async" / "testing" / "data"
KEEP = {"type", "string", "relation", "relation_field", "required", "readonly", "selection",
        "store", "searchable", "sortable", "groupable", "translate", "company_dependent",
        "default_export_compatible", "digits", "size"}
# Models whose fields scripts/fetch_kit_data.py fetches from the kit's real server.
KIT_MODELS = ("stock.move", "stock.picking.type", "account.payment",
              "account.payment.method.line", "account.tax", "account.tax.group")


def main(source: Path) -> None:
    for path in sorted((source / "fields").glob("*.json")):
        fields = json.loads(path.read_text())
        trimmed = {name: {k: v for k, v in attrs.items() if k in KEEP}
                   for name, attrs in sorted(fields.items())}
        (OUT / "fields" / path.name).write_text(
            json.dumps(trimmed, sort_keys=True, separators=(",", ":")))
    for path in sorted((source / "data").glob("*.json")):
        records = json.loads(path.read_text())
        (OUT / "records" / path.name).write_text(json.dumps(records, separators=(",", ":")))
    index = json.loads((source / "doc" / "index.json").read_text())
    wanted = {path.stem for path in (source / "fields").glob("*.json")}
    wanted |= {"ir.config_parameter", "ir.model.data", *KIT_MODELS}
    descriptions = {m["model"]: m["name"] for m in index["models"] if m["model"] in wanted}
    (OUT / "models.json").write_text(json.dumps(descriptions, indent=1, sort_keys=True))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "odoo19")
