"""The `erp` command. Exit codes: 0 ok, 1 integrity violations found, 2 usage error, 3 refused by a business
rule, 4 configuration error, 5 database unreachable.

Commands live in commands.py (kernel) and in one ``cmd_<module>.py`` per business module, all imported here."""

from __future__ import annotations

import importlib
import pkgutil
import sys

from erp_core.cli import commands, groups  # noqa: F401  (register the kernel commands and shared groups)
from erp_core.cli.base import main  # noqa: F401  (the console script's entry point)

for _info in pkgutil.iter_modules(__path__, __name__ + "."):
    if _info.name.rsplit(".", 1)[-1].startswith("cmd_"):
        importlib.import_module(_info.name)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
