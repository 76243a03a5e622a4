"""The timeout of tests where one request is made to hang on purpose."""

from odoo_async import Timeout

# The request that hangs always times out, however fast the machine. Every other answer
# comes from a local server within milliseconds, so this bound leaves them a wide margin
# on a loaded 2-core machine: no test depends on the speed of the one it runs on.
HANG_TIMEOUT = Timeout(total=None, read=1.0)
