"""Purchasing documents: purchase_order / purchase_receipt / purchase_invoice / purchase_return with their lines
(header and line columns from erp_core.documents.models mixins plus each type's own), and purchase_setting
(over-receipt tolerance %, invoice method 单到回冲 / 单到补差).

Revision ID: 0013_purchasing
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0013_purchasing"
down_revision = "0012"
branch_labels = None
depends_on = None

HEADERS = ("purchase_order", "purchase_receipt", "purchase_invoice", "purchase_return")


def _utc():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def _money() -> sa.BigInteger:  # ScaledDecimal: integer fen / millionths
    return sa.BigInteger()


def _header(table: str, *extra: sa.Column) -> None:
    op.create_table(
        table,
        *extra,
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
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f(f"fk_{table}_company_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("company_id", "number", name=op.f(f"uq_{table}_company_id_number")),
    )
    op.create_index(op.f(f"ix_{table}_company_id"), table, ["company_id"], unique=False)


def _line(header: str, *extra: sa.Column, refs: tuple[tuple[str, str], ...] = ()) -> None:
    table = f"{header}_line"
    op.create_table(
        table,
        *extra,
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
        sa.ForeignKeyConstraint(["header_id"], [f"{header}.id"], name=op.f(f"fk_{table}_header_id_{header}"),
                                ondelete="CASCADE"),
        *[sa.ForeignKeyConstraint([col], [f"{target}.id"], name=op.f(f"fk_{table}_{col}_{target}"))
          for col, target in refs],
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    op.create_index(op.f(f"ix_{table}_header_id"), table, ["header_id"], unique=False)
    for col, _ in refs:
        op.create_index(op.f(f"ix_{table}_{col}"), table, [col], unique=False)


def upgrade() -> None:
    _header("purchase_order",
            sa.Column("prices_include_vat", sa.Boolean(), nullable=False),
            sa.Column("delivery_date", sa.Date(), nullable=True),
            sa.Column("tax_total", _money(), nullable=False),
            sa.Column("source_no", sa.String(length=40), nullable=True))
    _header("purchase_receipt", sa.Column("source_no", sa.String(length=40), nullable=True))
    _header("purchase_invoice",
            sa.Column("invoice_no", sa.String(length=40), nullable=False),
            sa.Column("vat_kind", sa.String(length=10), nullable=False),
            sa.Column("red", sa.Boolean(), nullable=False),
            sa.Column("net_total", _money(), nullable=False),
            sa.Column("tax_total", _money(), nullable=False),
            sa.Column("source_no", sa.String(length=40), nullable=True))
    _header("purchase_return")
    op.create_table(
        "purchase_setting",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("over_receipt_pct", _money(), nullable=False),
        sa.Column("invoice_method", sa.String(length=12), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_purchase_setting_company_id_company")),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_purchase_setting")),
    )
    _line("purchase_order",
          sa.Column("tax_rate_code", sa.String(length=20), nullable=True),
          sa.Column("tax_rate", _money(), nullable=False),
          sa.Column("net_price", _money(), nullable=False),
          sa.Column("net_amount", _money(), nullable=False),
          sa.Column("tax_amount", _money(), nullable=False),
          sa.Column("gross_amount", _money(), nullable=False),
          sa.Column("delivery_date", sa.Date(), nullable=True))
    _line("purchase_receipt",
          sa.Column("order_line_id", sa.Integer(), nullable=True),
          sa.Column("discrepancy", sa.String(length=10), nullable=False),
          sa.Column("discrepancy_reason", sa.String(length=200), nullable=False),
          refs=(("order_line_id", "purchase_order_line"),))
    _line("purchase_invoice",
          sa.Column("receipt_line_id", sa.Integer(), nullable=True),
          sa.Column("tax_rate", _money(), nullable=False),
          sa.Column("tax_amount", _money(), nullable=False),
          sa.Column("gross_amount", _money(), nullable=False),
          refs=(("receipt_line_id", "purchase_receipt_line"),))
    _line("purchase_return",
          sa.Column("receipt_line_id", sa.Integer(), nullable=True),
          refs=(("receipt_line_id", "purchase_receipt_line"),))


def downgrade() -> None:
    for table in ("purchase_return_line", "purchase_invoice_line", "purchase_receipt_line", "purchase_order_line",
                  "purchase_setting", *reversed(HEADERS)):
        op.drop_table(table)
