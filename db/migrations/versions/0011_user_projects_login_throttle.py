"""user_project: the projects a user belongs to (row scope *project*); login_throttle: failed logins per client
address per minute, counted atomically (the per-address limit and the aggregated record of throttled attempts)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _dt():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table(
        "user_project",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_user_project_user_id_app_user"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_user_project_project_id_project"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "project_id", name=op.f("pk_user_project")),
    )
    op.create_index(op.f("ix_user_project_project_id"), "user_project", ["project_id"], unique=False)
    op.create_table(
        "login_throttle",
        sa.Column("client_ip", sa.String(length=45), nullable=False),
        sa.Column("minute", _dt(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("throttled", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("client_ip", "minute", name=op.f("pk_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    op.drop_table("user_project")  # its index goes with it (MariaDB refuses to drop an index a foreign key uses)
