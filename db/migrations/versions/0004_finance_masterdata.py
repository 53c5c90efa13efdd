"""finance_masterdata: company settings, taxes, currencies, units, departments/projects/warehouses (filled in by that work; kept in the chain so later revisions can build on it)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
