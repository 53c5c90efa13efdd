"""The `erp` command. Exit codes: 0 ok, 1 integrity violations found, 2 usage error, 3 refused by a business
rule, 4 configuration error, 5 database unreachable."""

from __future__ import annotations

import sys

from erp_core.cli import commands  # noqa: F401,E402  (registers the commands on main)
from erp_core.cli.base import main  # noqa: F401  (the console script's entry point)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

