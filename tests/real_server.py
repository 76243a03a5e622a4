"""Settings of the real Odoo 19 server that some tests also run against (the test kit in
shared/odoo19/server). They are skipped unless ``ODOO_URL`` is set."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

URL = os.environ.get("ODOO_URL")
DATABASE = os.environ.get("ODOO_DB")

needs_real_server = pytest.mark.skipif(not URL, reason="set ODOO_URL (and ODOO_API_KEY or "
                                                       "ODOO_KEY_FILE) to run against a "
                                                       "real Odoo 19")


def api_key() -> str:
    """The admin key: ``ODOO_API_KEY``, or the file ``ODOO_KEY_FILE`` names."""
    key = os.environ.get("ODOO_API_KEY")
    if key:
        return key
    path = os.environ.get("ODOO_KEY_FILE")
    if path:
        return Path(path).read_text().strip()
    raise RuntimeError("ODOO_URL is set but neither ODOO_API_KEY nor ODOO_KEY_FILE")


def unique_prefix() -> str:
    """A prefix no other run uses, for the refs of the records a test makes."""
    return f"T{uuid.uuid4().hex[:10]}-"


def bot_key() -> str | None:
    """The restricted ``bot`` user's key (``ODOO_BOT_KEY_FILE``), if the kit gives one."""
    path = os.environ.get("ODOO_BOT_KEY_FILE")
    return Path(path).read_text().strip() if path else None
