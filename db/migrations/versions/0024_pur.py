"""Purchase requisitions (请购单): purchase_requisition / purchase_requisition_line (header and line columns from
erp_core.documents.models mixins plus requester, needed_by, reason, source_no; the line's suggested supplier).
The stock ledger's (company, warehouse, product) index gains move_date: the exact negative-stock rule reads one
product's days from a date on (inventory.posting.lowest_balance_from).

Revision ID: 0024_pur
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0024_pur"
down_revision = "0023_billing"
branch_labels = None
depends_on = None


def _utc():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def _money() -> sa.BigInteger:  # ScaledDecimal: integer fen / millionths
    return sa.BigInteger()


def upgrade() -> None:
    t = "purchase_requisition"
    op.create_table(
        t,
        sa.Column("source_no", sa.String(length=40), nullable=True),
        sa.Column("requester", sa.String(length=64), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.String(length=20), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("attachments", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("total", _money(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("reversed_by_id", sa.Integer(), nullable=True),
        sa.Column("voucher_id", sa.Integer(), nullable=True),
        sa.Column("stock_posting_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=True),
        sa.Column("posted_by", sa.Integer(), nullable=True),
        sa.Column("posted_at", _utc(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f(f"fk_{t}_company_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("company_id", "number", name=op.f(f"uq_{t}_company_id_number")),
    )
    op.create_index(op.f(f"ix_{t}_company_id"), t, ["company_id"], unique=False)
    lt = f"{t}_line"
    op.create_table(
        lt,
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("ordered_qty", _money(), nullable=False),
        sa.Column("received_qty", _money(), nullable=False),
        sa.Column("invoiced_qty", _money(), nullable=False),
        sa.Column("returned_qty", _money(), nullable=False),
        sa.Column("unit_price", _money(), nullable=False),
        sa.Column("amount", _money(), nullable=False),
        sa.Column("remarks", sa.String(length=200), nullable=False),
        sa.Column("header_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["header_id"], [f"{t}.id"], name=op.f(f"fk_{lt}_header_id_{t}"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{lt}")),
    )
    op.create_index(op.f(f"ix_{lt}_header_id"), lt, ["header_id"], unique=False)
    op.create_index("ix_stock_move_company_id_warehouse_id_product_id_move_date", "stock_move",
                    ["company_id", "warehouse_id", "product_id", "move_date"], unique=False)
    op.drop_index("ix_stock_move_company_id_warehouse_id_product_id", table_name="stock_move")


def downgrade() -> None:
    op.create_index("ix_stock_move_company_id_warehouse_id_product_id", "stock_move",
                    ["company_id", "warehouse_id", "product_id"], unique=False)
    op.drop_index("ix_stock_move_company_id_warehouse_id_product_id_move_date", table_name="stock_move")
    op.drop_table("purchase_requisition_line")
    op.drop_table("purchase_requisition")
