"""Imports every table module, so Base.metadata is complete (Alembic autogenerate, drift test).

Table modules are found, not listed: any ``erp_core.<package>.models`` module (or ``models_*.py`` beside it) is
imported, so a new module's tables join the metadata without anyone editing this file.
"""

import importlib
import pkgutil

import erp_core
from erp_core.db import master_cache  # noqa: F401  (master_data_stamp)
from erp_core.db.base import Base
from erp_core.kernel import numbering  # noqa: F401  (doc_sequence lives in the kernel)


def _import_table_modules() -> None:
    for info in pkgutil.walk_packages(erp_core.__path__, "erp_core."):
        leaf = info.name.rsplit(".", 1)[-1]
        if leaf == "models" or leaf.startswith("models_"):
            importlib.import_module(info.name)


_import_table_modules()
metadata = Base.metadata
