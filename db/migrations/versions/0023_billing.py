"""Billing (issue #13 part B): sales_invoice / _line (销售发票), receipt / receipt_line (收款单), advance_apply /
_line (预收冲应收), arap_offset / _line (应收冲应付), fapiao_record (发票登记簿), revenue_recognition / _line (收入确认). Settlement rows go to the existing
``settlement`` table (kinds receivable / advance).

Revision ID: 0023_billing
Revises: 0022_sales
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0023_billing"
down_revision = "0022_sales"
branch_labels = None
depends_on = None


def _utc():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def _header(table: str, *extra: sa.Column) -> None:
    """A document header table (erp_core.documents.models.DocumentHeader columns) plus ``extra``."""
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
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f(f"fk_{table}_company_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("company_id", "number", name=op.f(f"uq_{table}_company_id_number")),
    )
    op.create_index(op.f(f"ix_{table}_company_id"), table, ["company_id"], unique=False)


def _lines(table: str, header: str, *extra: sa.Column) -> None:
    """A document line table (erp_core.documents.models.DocumentLine columns) plus ``extra``."""
    op.create_table(
        table,
        *extra,
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
        sa.ForeignKeyConstraint(["header_id"], [f"{header}.id"], name=op.f(f"fk_{table}_header_id_{header}"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    op.create_index(op.f(f"ix_{table}_header_id"), table, ["header_id"], unique=False)


def _s(name: str, n: int = 40) -> sa.Column:
    return sa.Column(name, sa.String(length=n), nullable=True)


def _i(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=True)


def upgrade() -> None:
    _header("sales_invoice", _s("source_no"), sa.Column("invoice_no", sa.String(length=40), nullable=False),
            sa.Column("vat_kind", sa.String(length=10), nullable=False),
            sa.Column("red", sa.Boolean(), nullable=False),
            sa.Column("red_reason", sa.String(length=200), nullable=False), _i("original_id"),
            sa.Column("due_date", sa.Date(), nullable=True),
            sa.Column("net_total", sa.BigInteger(), nullable=False),
            sa.Column("tax_total", sa.BigInteger(), nullable=False))
    _lines("sales_invoice_line", "sales_invoice", _s("source_type"), _i("source_line_id"),
           sa.Column("tax_rate", sa.BigInteger(), nullable=False),
           sa.Column("tax_amount", sa.BigInteger(), nullable=False),
           sa.Column("gross_amount", sa.BigInteger(), nullable=False),
           sa.Column("advance", sa.Boolean(), nullable=False))
    op.create_index(op.f("ix_sales_invoice_line_source_line_id"), "sales_invoice_line", ["source_line_id"])
    _header("receipt", _s("source_no"), sa.Column("account_code", sa.String(length=40), nullable=False))
    _lines("receipt_line", "receipt", _s("item_type"), _i("item_id"),
           sa.Column("discount", sa.BigInteger(), nullable=False),
           sa.Column("writeoff", sa.BigInteger(), nullable=False))
    _header("advance_apply")
    _lines("advance_apply_line", "advance_apply", _s("item_type"), _i("item_id"), _s("advance_type"),
           _i("advance_id"))
    _header("arap_offset", _i("supplier_id"))
    _lines("arap_offset_line", "arap_offset", _s("item_type"), _i("item_id"), _s("payable_type"), _i("payable_id"))
    _header("revenue_recognition")
    _lines("revenue_recognition_line", "revenue_recognition", _i("invoice_line_id"), _i("delivery_line_id"))
    op.create_table(
        "fapiao_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("fapiao_no", sa.String(length=40), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("buyer_tax_id", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("tax", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_fapiao_record_company_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fapiao_record")),
        sa.UniqueConstraint("company_id", "fapiao_no", name=op.f("uq_fapiao_record_company_id_fapiao_no")),
    )
    op.create_index(op.f("ix_fapiao_record_company_id"), "fapiao_record", ["company_id"])
    op.create_index(op.f("ix_fapiao_record_invoice_id"), "fapiao_record", ["invoice_id"])


def downgrade() -> None:
    op.drop_table("fapiao_record")
    for t in ("revenue_recognition", "arap_offset", "advance_apply", "receipt", "sales_invoice"):
        op.drop_table(f"{t}_line")
        op.drop_table(t)
