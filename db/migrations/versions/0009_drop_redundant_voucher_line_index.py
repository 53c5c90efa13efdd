"""Drop ix_voucher_line_voucher_id: uq_voucher_line_voucher_id_line_no leads with voucher_id and serves every
look-up (and MariaDB's foreign key) the plain index did; keeping both cost each voucher line a second index write

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_voucher_line_voucher_id", table_name="voucher_line")


def downgrade() -> None:
    op.create_index("ix_voucher_line_voucher_id", "voucher_line", ["voucher_id"], unique=False)
