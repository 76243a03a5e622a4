"""pytest plugin (registered through the ``pytest11`` entry point): fake Odoo fixtures.

* ``fake_odoo``: a running :class:`~odoo_async.testing.FakeOdoo` with demo data, new for
  each test (so tests never see each other's writes).
* ``fake_odoo_client``: a :class:`~odoo_async.Client` connected to it as the admin user.
* ``odoo``: the old name of ``fake_odoo_client``, kept for one release with a
  ``DeprecationWarning`` (a fixture named ``odoo`` is too likely to be a project's own).

Both are async fixtures and need pytest-asyncio (``asyncio_mode = "auto"``, or mark the
tests with ``@pytest.mark.asyncio``). Without pytest-asyncio the plugin defines nothing.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import AsyncIterator

if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    from odoo_async.client import Client
    from odoo_async.testing.fake import FakeOdoo

    @pytest_asyncio.fixture
    async def fake_odoo() -> AsyncIterator[FakeOdoo]:
        """A running fake Odoo 19 server with demo data."""
        async with FakeOdoo() as server:
            yield server

    @pytest_asyncio.fixture
    async def fake_odoo_client(fake_odoo: FakeOdoo) -> AsyncIterator[Client]:
        """A client on ``fake_odoo``, as the admin user."""
        async with Client(fake_odoo.url, api_key=fake_odoo.api_key,
                          database=fake_odoo.database) as client:
            yield client

    @pytest_asyncio.fixture
    async def odoo(fake_odoo_client: Client) -> AsyncIterator[Client]:
        """Deprecated: the old name of ``fake_odoo_client``."""
        warnings.warn("the pytest fixture 'odoo' is renamed 'fake_odoo_client'; the old "
                      "name goes in the next release", DeprecationWarning, stacklevel=2)
        yield fake_odoo_client
