"""Costing (存货核算) and accounts as data (科目设置): account_rule, costing_run, cost_correction.

cost_correction is only ever appended to (by erp_core/costing/recompute.py), like the stock ledger.

Revision ID: 0016
Revises: 0015_inventory_ops
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0016"
down_revision = "0015_inventory_ops"
branch_labels = None
depends_on = None


def _utc():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def _company(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f(f"fk_{table}_company_id_company"))


def upgrade() -> None:
    op.create_table(
        "account_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("partner_kind", sa.String(length=10), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("account_code", sa.String(length=40), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _company("account_rule"),
        sa.ForeignKeyConstraint(["category_id"], ["product_category.id"],
                                name=op.f("fk_account_rule_category_id_product_category")),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"],
                                name=op.f("fk_account_rule_warehouse_id_warehouse")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_rule")),
        sa.UniqueConstraint("company_id", "role", "category_id", "warehouse_id", "partner_kind", "partner_id",
                            name="uq_account_rule_criteria"),
    )
    op.create_index(op.f("ix_account_rule_company_id"), "account_rule", ["company_id"])
    op.create_table(
        "costing_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("last_move_seq", sa.BigInteger(), nullable=False),
        sa.Column("move_count", sa.BigInteger(), nullable=False),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("voucher_id", sa.Integer(), nullable=True),
        sa.Column("stock_posting_id", sa.Integer(), nullable=True),
        sa.Column("run_by", sa.Integer(), nullable=True),
        sa.Column("run_by_name", sa.String(length=64), nullable=False),
        sa.Column("run_at", _utc(), nullable=False),
        _company("costing_run"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_costing_run")),
    )
    op.create_index("ix_costing_run_company_id_period", "costing_run", ["company_id", "period"])
    op.create_table(
        "cost_correction",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("target_move_id", sa.BigInteger(), nullable=False),
        sa.Column("revaluation_move_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("account_code", sa.String(length=40), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("voucher_id", sa.Integer(), nullable=True),
        sa.Column("move_date", sa.Date(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        _company("cost_correction"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_correction")),
        sa.UniqueConstraint("company_id", "revaluation_move_id",
                            name=op.f("uq_cost_correction_company_id_revaluation_move_id")),
    )
    op.create_index("ix_cost_correction_company_id_target_move_id", "cost_correction",
                    ["company_id", "target_move_id"])


def downgrade() -> None:
    # dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key still uses)
    op.drop_table("cost_correction")
    op.drop_table("costing_run")
    op.drop_table("account_rule")
