"""finance_setting.import_posting_allowed (an administrator's audited switch that lets an import post vouchers
without a second reviewer, for migrations) and finance_setting.books_start (the date of the posted opening
balances: no voucher is dated before it)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("finance_setting") as batch:
        batch.add_column(sa.Column("import_posting_allowed", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("books_start", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("finance_setting") as batch:
        batch.drop_column("books_start")
        batch.drop_column("import_posting_allowed")
