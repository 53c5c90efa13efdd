"""Imports every table module, so Base.metadata is complete (Alembic autogenerate, drift test)."""

from erp_core.db.base import Base
from erp_core.kernel import numbering  # noqa: F401
from erp_core.masterdata import models as masterdata_models  # noqa: F401
from erp_core.security import models as security_models  # noqa: F401

metadata = Base.metadata
