"""Inventory operations (erp_core/stockops): inventory_setting (是否允许负库存), the document tables of 其他入库单
other_receipt, 其他出库单 other_issue, 调拨单 stock_transfer, 盘点单 stocktake and 盘点损溢处理单
stocktake_writeoff (headers and lines from the documents kernel's mixins).

Revision ID: 0015_inventory_ops
Revises: 0014_settlement
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0015_inventory_ops"
down_revision = "0014_settlement"
branch_labels = None
depends_on = None


def _utc():
    return (
        sa.DateTime()
        .with_variant(mysql.DATETIME(fsp=6), "mariadb")
        .with_variant(mysql.DATETIME(fsp=6), "mysql")
    )


def upgrade() -> None:
    op.create_table(
        "inventory_setting",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("allow_negative_stock", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_inventory_setting_company_id_company")
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_inventory_setting")),
    )
    op.create_table(
        "other_issue",
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("expense_account", sa.String(length=40), nullable=True),
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
        sa.Column("total", sa.BigInteger(), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_other_issue_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_other_issue")),
        sa.UniqueConstraint("company_id", "number", name=op.f("uq_other_issue_company_id_number")),
    )
    op.create_index(op.f("ix_other_issue_company_id"), "other_issue", ["company_id"], unique=False)

    op.create_table(
        "other_receipt",
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("counter_account", sa.String(length=40), nullable=True),
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
        sa.Column("total", sa.BigInteger(), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_other_receipt_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_other_receipt")),
        sa.UniqueConstraint("company_id", "number", name=op.f("uq_other_receipt_company_id_number")),
    )
    op.create_index(op.f("ix_other_receipt_company_id"), "other_receipt", ["company_id"], unique=False)

    op.create_table(
        "stock_transfer",
        sa.Column("source_ref", sa.String(length=40), nullable=True),
        sa.Column("from_location_id", sa.Integer(), nullable=True),
        sa.Column("to_warehouse_id", sa.Integer(), nullable=True),
        sa.Column("to_location_id", sa.Integer(), nullable=True),
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
        sa.Column("total", sa.BigInteger(), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_stock_transfer_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_transfer")),
        sa.UniqueConstraint("company_id", "number", name=op.f("uq_stock_transfer_company_id_number")),
        sa.UniqueConstraint("company_id", "source_ref", name=op.f("uq_stock_transfer_company_id_source_ref")),
    )
    op.create_index(op.f("ix_stock_transfer_company_id"), "stock_transfer", ["company_id"], unique=False)

    op.create_table(
        "stocktake",
        sa.Column("source_ref", sa.String(length=40), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
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
        sa.Column("total", sa.BigInteger(), nullable=False),
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
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_stocktake_company_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stocktake")),
        sa.UniqueConstraint("company_id", "number", name=op.f("uq_stocktake_company_id_number")),
        sa.UniqueConstraint("company_id", "source_ref", name=op.f("uq_stocktake_company_id_source_ref")),
    )
    op.create_index(op.f("ix_stocktake_company_id"), "stocktake", ["company_id"], unique=False)

    op.create_table(
        "stocktake_writeoff",
        sa.Column("stocktake_id", sa.Integer(), nullable=True),
        sa.Column("gain_amount", sa.BigInteger(), nullable=False),
        sa.Column("loss_amount", sa.BigInteger(), nullable=False),
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
        sa.Column("total", sa.BigInteger(), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_stocktake_writeoff_company_id_company")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stocktake_writeoff")),
        sa.UniqueConstraint("company_id", "number", name=op.f("uq_stocktake_writeoff_company_id_number")),
    )
    op.create_index(
        op.f("ix_stocktake_writeoff_company_id"), "stocktake_writeoff", ["company_id"], unique=False
    )
    op.create_index(
        op.f("ix_stocktake_writeoff_stocktake_id"), "stocktake_writeoff", ["stocktake_id"], unique=False
    )

    op.create_table(
        "other_issue_line",
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("ordered_qty", sa.BigInteger(), nullable=False),
        sa.Column("received_qty", sa.BigInteger(), nullable=False),
        sa.Column("invoiced_qty", sa.BigInteger(), nullable=False),
        sa.Column("returned_qty", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("remarks", sa.String(length=200), nullable=False),
        sa.Column("header_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["header_id"],
            ["other_issue.id"],
            name=op.f("fk_other_issue_line_header_id_other_issue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_other_issue_line")),
    )
    op.create_index(op.f("ix_other_issue_line_header_id"), "other_issue_line", ["header_id"], unique=False)

    op.create_table(
        "other_receipt_line",
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("ordered_qty", sa.BigInteger(), nullable=False),
        sa.Column("received_qty", sa.BigInteger(), nullable=False),
        sa.Column("invoiced_qty", sa.BigInteger(), nullable=False),
        sa.Column("returned_qty", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("remarks", sa.String(length=200), nullable=False),
        sa.Column("header_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["header_id"],
            ["other_receipt.id"],
            name=op.f("fk_other_receipt_line_header_id_other_receipt"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_other_receipt_line")),
    )
    op.create_index(
        op.f("ix_other_receipt_line_header_id"), "other_receipt_line", ["header_id"], unique=False
    )

    op.create_table(
        "stock_transfer_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("ordered_qty", sa.BigInteger(), nullable=False),
        sa.Column("received_qty", sa.BigInteger(), nullable=False),
        sa.Column("invoiced_qty", sa.BigInteger(), nullable=False),
        sa.Column("returned_qty", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("remarks", sa.String(length=200), nullable=False),
        sa.Column("header_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["header_id"],
            ["stock_transfer.id"],
            name=op.f("fk_stock_transfer_line_header_id_stock_transfer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_transfer_line")),
    )
    op.create_index(
        op.f("ix_stock_transfer_line_header_id"), "stock_transfer_line", ["header_id"], unique=False
    )

    op.create_table(
        "stocktake_line",
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("book_qty", sa.BigInteger(), nullable=False),
        sa.Column("book_amount", sa.BigInteger(), nullable=False),
        sa.Column("counted_qty", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("ordered_qty", sa.BigInteger(), nullable=False),
        sa.Column("received_qty", sa.BigInteger(), nullable=False),
        sa.Column("invoiced_qty", sa.BigInteger(), nullable=False),
        sa.Column("returned_qty", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("remarks", sa.String(length=200), nullable=False),
        sa.Column("header_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["header_id"],
            ["stocktake.id"],
            name=op.f("fk_stocktake_line_header_id_stocktake"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stocktake_line")),
    )
    op.create_index(op.f("ix_stocktake_line_header_id"), "stocktake_line", ["header_id"], unique=False)

    op.create_table(
        "stocktake_writeoff_line",
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("ordered_qty", sa.BigInteger(), nullable=False),
        sa.Column("received_qty", sa.BigInteger(), nullable=False),
        sa.Column("invoiced_qty", sa.BigInteger(), nullable=False),
        sa.Column("returned_qty", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("remarks", sa.String(length=200), nullable=False),
        sa.Column("header_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["header_id"],
            ["stocktake_writeoff.id"],
            name=op.f("fk_stocktake_writeoff_line_header_id_stocktake_writeoff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stocktake_writeoff_line")),
    )
    op.create_index(
        op.f("ix_stocktake_writeoff_line_header_id"), "stocktake_writeoff_line", ["header_id"], unique=False
    )


def downgrade() -> None:
    # the tables' indexes go with them (MariaDB refuses to drop an index a foreign key still uses)
    op.drop_table("stocktake_writeoff_line")
    op.drop_table("stocktake_line")
    op.drop_table("stock_transfer_line")
    op.drop_table("other_receipt_line")
    op.drop_table("other_issue_line")
    op.drop_table("stocktake_writeoff")
    op.drop_table("stocktake")
    op.drop_table("stock_transfer")
    op.drop_table("other_receipt")
    op.drop_table("other_issue")
    op.drop_table("inventory_setting")
