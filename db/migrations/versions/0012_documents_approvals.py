"""Business-document kernel and approvals: document_link (upstream/downstream both ways), document_step (who did
which transition when), document_setting (number prefix, voucher mode per type), approval_rule, approval_request.

Each module's own header and line tables (built from erp_core.documents.models mixins) come with that module's
migration.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _utc():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def _company(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f(f"fk_{table}_company_id_company"))


def upgrade() -> None:
    op.create_table(
        "document_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_type", sa.String(length=40), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("from_line", sa.Integer(), nullable=True),
        sa.Column("to_type", sa.String(length=40), nullable=False),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column("to_line", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.BigInteger(), nullable=True),
        sa.Column("counts_as", sa.String(length=20), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        _company("document_link"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_link")),
    )
    op.create_index("ix_document_link_from", "document_link", ["company_id", "from_type", "from_id"])
    op.create_index("ix_document_link_to", "document_link", ["company_id", "to_type", "to_id"])
    op.create_table(
        "document_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        _company("document_step"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_step")),
    )
    op.create_index("ix_document_step_doc", "document_step", ["company_id", "doc_type", "doc_id"])
    op.create_table(
        "document_setting",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("number_prefix", sa.String(length=20), nullable=True),
        sa.Column("voucher_mode", sa.String(length=10), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _company("document_setting"),
        sa.PrimaryKeyConstraint("company_id", "doc_type", name=op.f("pk_document_setting")),
    )
    op.create_table(
        "approval_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("condition", sa.String(length=30), nullable=False),
        sa.Column("threshold", sa.BigInteger(), nullable=True),
        sa.Column("approver_role_id", sa.Integer(), nullable=True),
        sa.Column("approver_user_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _company("approval_rule"),
        sa.ForeignKeyConstraint(["approver_role_id"], ["role.id"],
                                name=op.f("fk_approval_rule_approver_role_id_role")),
        sa.ForeignKeyConstraint(["approver_user_id"], ["app_user.id"],
                                name=op.f("fk_approval_rule_approver_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_rule")),
    )
    op.create_index("ix_approval_rule_company_id_doc_type", "approval_rule", ["company_id", "doc_type"])
    op.create_table(
        "approval_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=30), nullable=False),
        sa.Column("approver_role_id", sa.Integer(), nullable=True),
        sa.Column("approver_user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", _utc(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=64), nullable=True),
        sa.Column("decided_at", _utc(), nullable=True),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _company("approval_request"),
        sa.ForeignKeyConstraint(["rule_id"], ["approval_rule.id"], name=op.f("fk_approval_request_rule_id_approval_rule")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_request")),
    )
    op.create_index("ix_approval_request_company_id_doc_type_doc_id", "approval_request",
                    ["company_id", "doc_type", "doc_id"])
    op.create_index("ix_approval_request_company_id_status", "approval_request", ["company_id", "status"])


def downgrade() -> None:
    for table in ("approval_request", "approval_rule", "document_setting", "document_step", "document_link"):
        op.drop_table(table)
