"""HR and payroll, second part (issue #14): supplementary payroll runs (payroll_run.supplement_of_id), payments
of contributions and withheld IIT to the authorities (payroll_remittance), and performance appraisal
(hr_appraisal_template, hr_appraisal_cycle, hr_appraisal).

Revision ID: 0026_hr2
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0026_hr2"
down_revision = "0024_pur"
branch_labels = None
depends_on = None


def _utc():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table('hr_appraisal_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kpis_json', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_appraisal_template_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_appraisal_template')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_hr_appraisal_template_company_id_code'))
    )
    op.create_index(op.f('ix_hr_appraisal_template_company_id'), 'hr_appraisal_template', ['company_id'], unique=False)
    op.create_table('payroll_remittance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('pay_date', sa.Date(), nullable=False),
    sa.Column('employer_amount', sa.BigInteger(), nullable=False),
    sa.Column('employee_amount', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_payroll_remittance_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_remittance')),
    sa.UniqueConstraint('company_id', 'period', 'kind', name=op.f('uq_payroll_remittance_company_id_period_kind'))
    )
    op.create_index(op.f('ix_payroll_remittance_company_id'), 'payroll_remittance', ['company_id'], unique=False)
    op.create_table('hr_appraisal_cycle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('kpis_json', sa.Text(), nullable=False),
    sa.Column('grades_json', sa.Text(), nullable=False),
    sa.Column('pay_item_code', sa.String(length=40), nullable=True),
    sa.Column('pay_amounts_json', sa.Text(), nullable=False),
    sa.Column('applied_period', sa.String(length=7), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_appraisal_cycle_company_id_company')),
    sa.ForeignKeyConstraint(['template_id'], ['hr_appraisal_template.id'], name=op.f('fk_hr_appraisal_cycle_template_id_hr_appraisal_template')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_appraisal_cycle'))
    )
    op.create_index(op.f('ix_hr_appraisal_cycle_company_id'), 'hr_appraisal_cycle', ['company_id'], unique=False)
    op.create_table('hr_appraisal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('self_scores_json', sa.Text(), nullable=False),
    sa.Column('manager_scores_json', sa.Text(), nullable=False),
    sa.Column('self_score', sa.BigInteger(), nullable=True),
    sa.Column('manager_score', sa.BigInteger(), nullable=True),
    sa.Column('final_score', sa.BigInteger(), nullable=True),
    sa.Column('grade', sa.String(length=4), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('calibrated_by', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_appraisal_company_id_company')),
    sa.ForeignKeyConstraint(['cycle_id'], ['hr_appraisal_cycle.id'], name=op.f('fk_hr_appraisal_cycle_id_hr_appraisal_cycle')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_hr_appraisal_employee_id_employee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_appraisal')),
    sa.UniqueConstraint('cycle_id', 'employee_id', name=op.f('uq_hr_appraisal_cycle_id_employee_id'))
    )
    op.create_index(op.f('ix_hr_appraisal_company_id'), 'hr_appraisal', ['company_id'], unique=False)
    op.create_index(op.f('ix_hr_appraisal_cycle_id'), 'hr_appraisal', ['cycle_id'], unique=False)
    op.create_index(op.f('ix_hr_appraisal_employee_id'), 'hr_appraisal', ['employee_id'], unique=False)
    with op.batch_alter_table('payroll_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplement_of_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    # dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key still needs)
    with op.batch_alter_table('payroll_run', schema=None) as batch_op:
        batch_op.drop_column('supplement_of_id')
    op.drop_table('hr_appraisal')
    op.drop_table('hr_appraisal_cycle')
    op.drop_table('payroll_remittance')
    op.drop_table('hr_appraisal_template')
