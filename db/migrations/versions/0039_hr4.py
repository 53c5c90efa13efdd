"""HR and payroll, fourth part (issue #14 audit): salary items computed by a formula over other items
(payroll_item.formula), and the department/position a 调岗 moved the employee FROM
(hr_status_change.from_department_id, from_position), so the employee file answers "as of" any date before a
transfer too; payslip.tax_relief: the month's 减免税额 (累计减免税额 is their sum over the year).

Revision ID: 0039_hr4
Revises: 0037_ops4
"""

import sqlalchemy as sa
from alembic import op

revision = "0039_hr4"
down_revision = "0037_ops4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payroll_item") as batch:
        batch.add_column(sa.Column("formula", sa.String(length=500), nullable=True))
    with op.batch_alter_table("hr_status_change") as batch:
        batch.add_column(sa.Column("from_department_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("from_position", sa.String(length=100), nullable=True))
    with op.batch_alter_table("payslip") as batch:
        batch.add_column(sa.Column("tax_relief", sa.BigInteger(), nullable=False, server_default=sa.text("0")))


def downgrade() -> None:
    with op.batch_alter_table("payslip") as batch:
        batch.drop_column("tax_relief")
    with op.batch_alter_table("hr_status_change") as batch:
        batch.drop_column("from_position")
        batch.drop_column("from_department_id")
    with op.batch_alter_table("payroll_item") as batch:
        batch.drop_column("formula")
