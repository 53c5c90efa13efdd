"""Master-data stamp (issues #12 and #13): one row whose random value changes, by trigger, in the same transaction
as any write to the tables a posting reads as master data; a posting reads it once per transaction and keeps
the master data across transactions while it is unchanged (erp_core/db/master_cache.py).

Revision ID: 0036_posting
Revises: 0035_leads
"""

import secrets

import sqlalchemy as sa
from alembic import op

from erp_core.db.master_cache import drop_stamp_ddl, stamp_ddl

revision = "0036_posting"
down_revision = "0035_leads"
branch_labels = None
depends_on = None

TABLES = ("account", "account_rule", "budget", "company", "document_setting", "finance_setting",
          "product", "product_category", "purchase_setting", "sales_setting", "warehouse", "warehouse_location")


def upgrade() -> None:
    t = op.create_table(
        "master_data_stamp",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_master_data_stamp")),
    )
    # random, not 0: two databases upgraded here hold different master data under their first stamp
    op.bulk_insert(t, [{"id": 1, "stamp": secrets.randbits(62)}])
    for stmt in stamp_ddl(op.get_bind().dialect.name, TABLES):
        op.execute(stmt)


def downgrade() -> None:
    for stmt in drop_stamp_ddl(op.get_bind().dialect.name, TABLES):
        op.execute(stmt)
    op.drop_table("master_data_stamp")
