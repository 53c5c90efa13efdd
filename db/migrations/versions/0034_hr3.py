"""HR and payroll, third part (issue #14): 补扣 taking back pay already paid (payslip.recovery: what a later payroll
deducts of it; payroll_repayment: what the employee paid back to the bank); 360° appraisal raters
(hr_appraisal_rater, hr_appraisal.score_360) and forced distribution quotas (hr_appraisal_cycle.quotas_json);
one company work calendar: work_calendar_day takes the rows of HR's hr_calendar_day (kind holiday -> workday
false, workday -> true) and CRM's crm_calendar_day, HR's row winning where both name a day (it is the one loaded
from the checked holiday table), and the two old tables are dropped.

Revision ID: 0034_hr3
Revises: 0027_crmops
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0034_hr3"
down_revision = "0028_crm3"
branch_labels = None
depends_on = None


def _utc():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    with op.batch_alter_table("payslip") as batch:
        batch.add_column(sa.Column("recovery", sa.BigInteger(), nullable=False, server_default=sa.text("0")))
    op.create_table('payroll_repayment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('pay_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_payroll_repayment_company_id_company')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_payroll_repayment_employee_id_employee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_repayment'))
    )
    op.create_index(op.f('ix_payroll_repayment_company_id'), 'payroll_repayment', ['company_id'], unique=False)
    op.create_index(op.f('ix_payroll_repayment_employee_id'), 'payroll_repayment', ['employee_id'], unique=False)
    with op.batch_alter_table("hr_appraisal_cycle") as batch:
        batch.add_column(sa.Column("quotas_json", sa.Text(), nullable=True))
    with op.batch_alter_table("hr_appraisal") as batch:
        batch.add_column(sa.Column("score_360", sa.BigInteger(), nullable=True))
    op.create_table('hr_appraisal_rater',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('appraisal_id', sa.Integer(), nullable=False),
    sa.Column('rater_employee_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=12), nullable=False),
    sa.Column('weight', sa.BigInteger(), nullable=False),
    sa.Column('scores_json', sa.Text(), nullable=False),
    sa.Column('score', sa.BigInteger(), nullable=True),
    sa.Column('submitted_at', _utc(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_appraisal_rater_company_id_company')),
    sa.ForeignKeyConstraint(['appraisal_id'], ['hr_appraisal.id'], name=op.f('fk_hr_appraisal_rater_appraisal_id_hr_appraisal')),
    sa.ForeignKeyConstraint(['rater_employee_id'], ['employee.id'], name=op.f('fk_hr_appraisal_rater_rater_employee_id_employee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_appraisal_rater')),
    sa.UniqueConstraint('appraisal_id', 'rater_employee_id', name=op.f('uq_hr_appraisal_rater_appraisal_id_rater_employee_id'))
    )
    op.create_index(op.f('ix_hr_appraisal_rater_company_id'), 'hr_appraisal_rater', ['company_id'], unique=False)
    op.create_index(op.f('ix_hr_appraisal_rater_appraisal_id'), 'hr_appraisal_rater', ['appraisal_id'], unique=False)
    op.create_index(op.f('ix_hr_appraisal_rater_rater_employee_id'), 'hr_appraisal_rater', ['rater_employee_id'],
                    unique=False)
    cal = op.create_table('work_calendar_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('workday', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_work_calendar_day_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_calendar_day')),
    sa.UniqueConstraint('company_id', 'day', name=op.f('uq_work_calendar_day_company_id_day'))
    )
    op.create_index(op.f('ix_work_calendar_day_company_id'), 'work_calendar_day', ['company_id'], unique=False)
    bind = op.get_bind()

    def _day(value):  # SQLite hands a raw SELECT's dates back as text
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value

    merged: dict[tuple[int, object], dict] = {}
    for company_id, day, workday, name in bind.execute(sa.text(
            "SELECT company_id, day, workday, name FROM crm_calendar_day")).all():
        merged[(company_id, _day(day))] = {"company_id": company_id, "day": _day(day), "workday": bool(workday),
                                     "name": (name or "")[:60]}
    for company_id, day, kind, name in bind.execute(sa.text(
            "SELECT company_id, day, kind, name FROM hr_calendar_day")).all():
        merged[(company_id, _day(day))] = {"company_id": company_id, "day": _day(day), "workday": kind == "workday",
                                     "name": (name or "")[:60]}
    if merged:
        op.bulk_insert(cal, [merged[k] for k in sorted(merged)])
    op.drop_table('hr_calendar_day')
    op.drop_table('crm_calendar_day')


def downgrade() -> None:
    hr = op.create_table('hr_calendar_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_calendar_day_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_calendar_day')),
    sa.UniqueConstraint('company_id', 'day', name=op.f('uq_hr_calendar_day_company_id_day'))
    )
    crm = op.create_table('crm_calendar_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('workday', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_calendar_day_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_calendar_day')),
    sa.UniqueConstraint('company_id', 'day', name=op.f('uq_crm_calendar_day_company_id_day'))
    )
    rows = [(c, dt.date.fromisoformat(d[:10]) if isinstance(d, str) else d, w, n) for c, d, w, n in op.get_bind().execute(
        sa.text("SELECT company_id, day, workday, name FROM work_calendar_day")).all()]
    if rows:  # both modules had the whole calendar
        op.bulk_insert(hr, [{"company_id": c, "day": d, "kind": "workday" if w else "holiday", "name": (n or "")[:40]}
                            for c, d, w, n in rows])
        op.bulk_insert(crm, [{"company_id": c, "day": d, "workday": bool(w), "name": n or None} for c, d, w, n in rows])
    op.drop_table('work_calendar_day')
    op.drop_table('hr_appraisal_rater')
    with op.batch_alter_table("hr_appraisal") as batch:
        batch.drop_column("score_360")
    with op.batch_alter_table("hr_appraisal_cycle") as batch:
        batch.drop_column("quotas_json")
    op.drop_table('payroll_repayment')  # its indexes go with it (MariaDB refuses to drop an FK's index first)
    with op.batch_alter_table("payslip") as batch:
        batch.drop_column("recovery")
