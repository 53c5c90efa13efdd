"""Stock ledger (库存台账): stock_posting (one per idempotency key) and stock_move (append-only, gap-free move_seq)

stock_move and stock_posting refuse UPDATE and DELETE on all three backends (erp_core/db/append_only.py, the same
guard as gl_line and posting).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from erp_core.db.append_only import create_guard, drop_guard

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _utc():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table(
        "stock_posting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("posting_key", sa.String(length=120), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("move_date", sa.Date(), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("move_count", sa.Integer(), nullable=False),
        sa.Column("posted_by", sa.Integer(), nullable=True),
        sa.Column("posted_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_stock_posting_company_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_posting")),
        sa.UniqueConstraint("company_id", "posting_key", name=op.f("uq_stock_posting_company_id_posting_key")),
    )
    op.create_table(
        "stock_move",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("move_seq", sa.BigInteger(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("posting_key", sa.String(length=120), nullable=False),
        sa.Column("move_date", sa.Date(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_cost", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("move_type", sa.String(length=20), nullable=False),
        sa.Column("source_type", sa.String(length=40), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("source_ref", sa.String(length=120), nullable=True),
        sa.Column("posted_by", sa.Integer(), nullable=True),
        sa.Column("posted_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_stock_move_company_id_company")),
        sa.ForeignKeyConstraint(["posting_id"], ["stock_posting.id"],
                                name=op.f("fk_stock_move_posting_id_stock_posting")),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"], name=op.f("fk_stock_move_warehouse_id_warehouse")),
        sa.ForeignKeyConstraint(["location_id"], ["warehouse_location.id"],
                                name=op.f("fk_stock_move_location_id_warehouse_location")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_stock_move_product_id_product")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_move")),
        sa.UniqueConstraint("company_id", "move_seq", name=op.f("uq_stock_move_company_id_move_seq")),
    )
    op.create_index(op.f("ix_stock_move_posting_id"), "stock_move", ["posting_id"], unique=False)
    op.create_index("ix_stock_move_company_id_warehouse_id_product_id", "stock_move",
                    ["company_id", "warehouse_id", "product_id"], unique=False)
    op.create_index("ix_stock_move_company_id_product_id", "stock_move", ["company_id", "product_id"], unique=False)
    op.create_index("ix_stock_move_company_id_move_date", "stock_move", ["company_id", "move_date"], unique=False)

    # The stock ledger is append-only (DESIGN rule 4): corrections are new moves.
    create_guard(op, "stock_move")
    create_guard(op, "stock_posting")


def downgrade() -> None:
    drop_guard(op, "stock_posting")
    drop_guard(op, "stock_move")
    # dropping the tables drops their indexes (MariaDB refuses to drop an index a foreign key still needs)
    op.drop_table("stock_move")
    op.drop_table("stock_posting")
