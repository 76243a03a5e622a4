"""``python -m odoo_async``: the ``odoo-async`` command (see :mod:`odoo_async.cli`)."""

from odoo_async.cli import main

if __name__ == "__main__":
    main()
