"""Operations: scheduled jobs and their runs, operation settings, the upgrade log

Revision ID: 0017_operations
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0017_operations"
down_revision = "0016"
branch_labels = None
depends_on = None


def _dt():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table(
        "ops_job",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("schedule", sa.String(length=60), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", _dt(), nullable=True),
        sa.Column("lock_owner", sa.String(length=120), nullable=True),
        sa.Column("lock_until", _dt(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ops_job")),
    )
    op.create_table(
        "ops_job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=60), nullable=False),
        sa.Column("runner", sa.String(length=120), nullable=False),
        sa.Column("started_at", _dt(), nullable=False),
        sa.Column("ended_at", _dt(), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["job"], ["ops_job.name"], name=op.f("fk_ops_job_run_job_ops_job")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_job_run")),
    )
    op.create_index(op.f("ix_ops_job_run_job"), "ops_job_run", ["job"], unique=False)
    op.create_table(
        "ops_setting",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ops_setting")),
    )
    op.create_table(
        "ops_upgrade_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", _dt(), nullable=False),
        sa.Column("ended_at", _dt(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("from_version", sa.String(length=60), nullable=False),
        sa.Column("to_version", sa.String(length=60), nullable=False),
        sa.Column("backup_id", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("steps", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_upgrade_log")),
    )


def downgrade() -> None:
    op.drop_table("ops_upgrade_log")
    op.drop_table("ops_setting")
    op.drop_table("ops_job_run")  # its index goes with it (MariaDB refuses to drop an index a foreign key uses)
    op.drop_table("ops_job")
