"""identity: password reset codes, IP rules, security policy, review sign-offs, audit archives

Also replaces the audit log's delete guard: rows may be deleted only when an audit_archive row already covers
them (seq <= the highest archived to_seq), i.e. only by the retention operation, which records the archive in the
same transaction. Updates stay refused. audit_archive and review_signoff are append-only.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from erp_core.db.append_only import MESSAGE, create_guard, drop_guard, guard_ddl

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _dt():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


_ARCHIVED = "(SELECT COALESCE(MAX(to_seq), 0) FROM audit_archive)"


def _audit_delete_guard(dialect: str) -> list[str]:
    """DELETE on audit_log refused unless an archive record covers the row."""
    msg = f"{MESSAGE}: audit_log"
    if dialect == "sqlite":
        return [f"CREATE TRIGGER trg_audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW "
                f"WHEN OLD.seq > {_ARCHIVED} BEGIN SELECT RAISE(ABORT, '{msg}'); END"]
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION erp_audit_delete_guard() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF OLD.seq > {_ARCHIVED} THEN "
            f"RAISE EXCEPTION '{msg}' USING ERRCODE = 'check_violation'; END IF; RETURN OLD; END $$",
            "CREATE TRIGGER trg_audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW "
            "EXECUTE FUNCTION erp_audit_delete_guard()",
        ]
    return [f"CREATE TRIGGER trg_audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW "
            f"BEGIN IF OLD.seq > {_ARCHIVED} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{msg}'; "
            f"END IF; END"]


def upgrade() -> None:
    op.create_table(
        "audit_archive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", _dt(), nullable=False),
        sa.Column("archived_by", sa.String(length=64), nullable=False),
        sa.Column("from_seq", sa.BigInteger(), nullable=False),
        sa.Column("to_seq", sa.BigInteger(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("first_prev_hash", sa.String(length=64), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_archive")),
        sa.UniqueConstraint("to_seq", name=op.f("uq_audit_archive_to_seq")),
    )
    op.create_table(
        "ip_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role_id", sa.Integer(), nullable=True),
        sa.Column("cidr", sa.String(length=50), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", _dt(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_ip_rule_company_id_company")),
        sa.ForeignKeyConstraint(["role_id"], ["role.id"], name=op.f("fk_ip_rule_role_id_role"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_ip_rule_user_id_app_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ip_rule")),
    )
    with op.batch_alter_table("ip_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ip_rule_company_id"), ["company_id"], unique=False)
    op.create_table(
        "password_reset_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", _dt(), nullable=False),
        sa.Column("expires_at", _dt(), nullable=False),
        sa.Column("used_at", _dt(), nullable=True),
        sa.Column("invalidated_at", _dt(), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_password_reset_code_user_id_app_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_code")),
    )
    with op.batch_alter_table("password_reset_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_code_user_id"), ["user_id"], unique=False)
    op.create_table(
        "review_signoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("signed_at", _dt(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_review_signoff_company_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_signoff")),
    )
    with op.batch_alter_table("review_signoff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_signoff_company_id"), ["company_id"], unique=False)
    op.create_table(
        "security_policy",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("registration_open", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_security_policy_company_id_company")),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_security_policy")),
    )

    create_guard(op, "audit_archive")
    create_guard(op, "review_signoff")
    # The audit log: updates stay refused; deletes only of archived rows (see the module docstring).
    dialect = op.get_bind().dialect.name
    drop_guard(op, "audit_log")
    for stmt in guard_ddl(dialect, "audit_log"):
        if "no_delete" not in stmt:
            op.execute(stmt)
    for stmt in _audit_delete_guard(dialect):
        op.execute(stmt)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    drop_guard(op, "audit_log")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS erp_audit_delete_guard()")
    create_guard(op, "audit_log")
    drop_guard(op, "review_signoff")
    drop_guard(op, "audit_archive")
    op.drop_table("security_policy")
    op.drop_table("review_signoff")
    op.drop_table("password_reset_code")
    op.drop_table("ip_rule")
    op.drop_table("audit_archive")
