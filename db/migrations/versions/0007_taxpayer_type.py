"""finance_setting.taxpayer_type: general (一般纳税人) or small (小规模纳税人); period close and VAT follow it

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("finance_setting") as batch:
        batch.add_column(sa.Column("taxpayer_type", sa.String(length=10), nullable=False, server_default="general"))


def downgrade() -> None:
    with op.batch_alter_table("finance_setting") as batch:
        batch.drop_column("taxpayer_type")
