"""Settlement (核销) and payments: settlement (append-only rows against open items), payment / payment_line (付款单),
prepay_apply / prepay_apply_line (预付冲应付). settlement refuses UPDATE and DELETE on all three backends
(erp_core/db/append_only.py): a settlement is given back by a negated row, never by deleting.

Revision ID: 0014_settlement
Revises: 0013_purchasing
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from erp_core.db.append_only import create_guard, drop_guard

revision = "0014_settlement"
down_revision = "0013_purchasing"
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


def upgrade() -> None:
    op.create_table(
        "settlement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("item_type", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("item_number", sa.String(length=40), nullable=False),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("source_number", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("settle_date", sa.Date(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_settlement_company_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement")),
    )
    op.create_index("ix_settlement_item", "settlement", ["company_id", "item_type", "item_id"])
    op.create_index("ix_settlement_source", "settlement", ["company_id", "source_type", "source_id"])
    op.create_index("ix_settlement_partner", "settlement", ["company_id", "kind", "partner_id"])
    create_guard(op, "settlement")
    _header("payment", sa.Column("account_code", sa.String(length=40), nullable=False))
    _lines("payment_line", "payment", sa.Column("item_type", sa.String(length=40), nullable=True),
           sa.Column("item_id", sa.Integer(), nullable=True))
    _header("prepay_apply")
    _lines("prepay_apply_line", "prepay_apply", sa.Column("item_type", sa.String(length=40), nullable=True),
           sa.Column("item_id", sa.Integer(), nullable=True),
           sa.Column("prepayment_type", sa.String(length=40), nullable=True),
           sa.Column("prepayment_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in ("prepay_apply_line", "prepay_apply", "payment_line", "payment"):
        op.drop_table(table)
    drop_guard(op, "settlement")
    op.drop_table("settlement")
