"""HR and payroll (issue #14): employee HR details (hr_employee_profile), status history (hr_status_change),
salary structures, payroll items, 五险一金 rates per city and period, monthly payroll inputs, the payroll run document
(payroll_run + payroll_run_line on the document kernel) and payslips.

Revision ID: 0019_hr
Revises: 0018_health_help
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0019_hr"
down_revision = "0018_health_help"
branch_labels = None
depends_on = None


def _utc():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table('hr_insurance_rate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('city', sa.String(length=40), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('risk', sa.String(length=20), nullable=False),
    sa.Column('base_min', sa.BigInteger(), nullable=False),
    sa.Column('base_max', sa.BigInteger(), nullable=False),
    sa.Column('employer_rate', sa.BigInteger(), nullable=False),
    sa.Column('employee_rate', sa.BigInteger(), nullable=False),
    sa.Column('employer_fixed', sa.BigInteger(), nullable=False),
    sa.Column('employee_fixed', sa.BigInteger(), nullable=False),
    sa.Column('rounding', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_insurance_rate_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_insurance_rate')),
    sa.UniqueConstraint('company_id', 'city', 'effective_from', 'risk', name=op.f('uq_hr_insurance_rate_company_id_city_effective_from_risk'))
    )
    with op.batch_alter_table('hr_insurance_rate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hr_insurance_rate_company_id'), ['company_id'], unique=False)

    op.create_table('payroll_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_payroll_item_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_item')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_payroll_item_company_id_code'))
    )
    with op.batch_alter_table('payroll_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_item_company_id'), ['company_id'], unique=False)

    op.create_table('payroll_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('doc_date', sa.Date(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.String(length=20), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('attachments', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('warehouse_id', sa.Integer(), nullable=True),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('reversed_by_id', sa.Integer(), nullable=True),
    sa.Column('voucher_id', sa.Integer(), nullable=True),
    sa.Column('stock_posting_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', _utc(), nullable=True),
    sa.Column('posted_by', sa.Integer(), nullable=True),
    sa.Column('posted_at', _utc(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_payroll_run_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_run')),
    sa.UniqueConstraint('company_id', 'number', name=op.f('uq_payroll_run_company_id_number'))
    )
    with op.batch_alter_table('payroll_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_run_company_id'), ['company_id'], unique=False)

    op.create_table('payroll_run_line',
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('warehouse_id', sa.Integer(), nullable=True),
    sa.Column('ordered_qty', sa.BigInteger(), nullable=False),
    sa.Column('received_qty', sa.BigInteger(), nullable=False),
    sa.Column('invoiced_qty', sa.BigInteger(), nullable=False),
    sa.Column('returned_qty', sa.BigInteger(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('remarks', sa.String(length=200), nullable=False),
    sa.Column('header_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['header_id'], ['payroll_run.id'], name=op.f('fk_payroll_run_line_header_id_payroll_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_run_line'))
    )
    with op.batch_alter_table('payroll_run_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_run_line_header_id'), ['header_id'], unique=False)

    op.create_table('hr_employee_profile',
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('gender', sa.String(length=10), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('education', sa.String(length=40), nullable=True),
    sa.Column('bank_name', sa.String(length=100), nullable=True),
    sa.Column('bank_account', sa.String(length=40), nullable=True),
    sa.Column('contract_type', sa.String(length=20), nullable=True),
    sa.Column('contract_start', sa.Date(), nullable=True),
    sa.Column('contract_end', sa.Date(), nullable=True),
    sa.Column('probation_end', sa.Date(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('insurance_city', sa.String(length=40), nullable=True),
    sa.Column('insurance_base', sa.BigInteger(), nullable=True),
    sa.Column('housing_fund_base', sa.BigInteger(), nullable=True),
    sa.Column('small_earner', sa.Boolean(), nullable=False),
    sa.Column('bonus_method', sa.String(length=10), nullable=False),
    sa.Column('expense_kind', sa.String(length=12), nullable=False),
    sa.Column('attachments', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_employee_profile_company_id_company')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_hr_employee_profile_employee_id_employee')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_hr_employee_profile_user_id_app_user')),
    sa.PrimaryKeyConstraint('employee_id', name=op.f('pk_hr_employee_profile'))
    )
    with op.batch_alter_table('hr_employee_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hr_employee_profile_company_id'), ['company_id'], unique=False)

    op.create_table('hr_salary_structure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_salary_structure_company_id_company')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_hr_salary_structure_employee_id_employee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_salary_structure')),
    sa.UniqueConstraint('company_id', 'employee_id', 'item_code', 'effective_from', name=op.f('uq_hr_salary_structure_item'))
    )
    with op.batch_alter_table('hr_salary_structure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hr_salary_structure_employee_id'), ['employee_id'], unique=False)

    op.create_table('hr_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.String(length=100), nullable=True),
    sa.Column('remarks', sa.String(length=500), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_status_change_company_id_company')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_hr_status_change_employee_id_employee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_status_change'))
    )
    with op.batch_alter_table('hr_status_change', schema=None) as batch_op:
        batch_op.create_index('ix_hr_status_change_emp', ['company_id', 'employee_id', 'effective_date'], unique=False)

    op.create_table('payroll_input',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_payroll_input_company_id_company')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_payroll_input_employee_id_employee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_input')),
    sa.UniqueConstraint('company_id', 'employee_id', 'period', 'item_code', name=op.f('uq_payroll_input_company_id_employee_id_period_item_code'))
    )
    with op.batch_alter_table('payroll_input', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payroll_input_company_id'), ['company_id'], unique=False)

    op.create_table('payslip',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('expense_kind', sa.String(length=12), nullable=False),
    sa.Column('gross_pay', sa.BigInteger(), nullable=False),
    sa.Column('taxable_income', sa.BigInteger(), nullable=False),
    sa.Column('tax_free_income', sa.BigInteger(), nullable=False),
    sa.Column('bonus', sa.BigInteger(), nullable=False),
    sa.Column('bonus_separate', sa.Boolean(), nullable=False),
    sa.Column('insurance_base', sa.BigInteger(), nullable=False),
    sa.Column('employer_si', sa.BigInteger(), nullable=False),
    sa.Column('employee_si', sa.BigInteger(), nullable=False),
    sa.Column('employer_hf', sa.BigInteger(), nullable=False),
    sa.Column('employee_hf', sa.BigInteger(), nullable=False),
    sa.Column('special_deductions', sa.BigInteger(), nullable=False),
    sa.Column('other_deductions', sa.BigInteger(), nullable=False),
    sa.Column('months_employed', sa.Integer(), nullable=False),
    sa.Column('basic_deduction', sa.BigInteger(), nullable=False),
    sa.Column('cumulative_income', sa.BigInteger(), nullable=False),
    sa.Column('cumulative_taxable', sa.BigInteger(), nullable=False),
    sa.Column('cumulative_withheld', sa.BigInteger(), nullable=False),
    sa.Column('iit_wages', sa.BigInteger(), nullable=False),
    sa.Column('iit_bonus', sa.BigInteger(), nullable=False),
    sa.Column('iit_withheld', sa.BigInteger(), nullable=False),
    sa.Column('after_tax_deductions', sa.BigInteger(), nullable=False),
    sa.Column('net_pay', sa.BigInteger(), nullable=False),
    sa.Column('items_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_payslip_company_id_company')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_payslip_employee_id_employee')),
    sa.ForeignKeyConstraint(['run_id'], ['payroll_run.id'], name=op.f('fk_payslip_run_id_payroll_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payslip')),
    sa.UniqueConstraint('run_id', 'employee_id', name=op.f('uq_payslip_run_id_employee_id'))
    )
    with op.batch_alter_table('payslip', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payslip_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payslip_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payslip_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_payslip_run_id'), ['run_id'], unique=False)
    op.create_table('hr_calendar_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_calendar_day_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_calendar_day')),
    sa.UniqueConstraint('company_id', 'day', name=op.f('uq_hr_calendar_day_company_id_day'))
    )
    op.create_table('hr_leave_kind',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name_zh', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=40), nullable=False),
    sa.Column('pay_ratio', sa.BigInteger(), nullable=False),
    sa.Column('annual_days', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_leave_kind_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_leave_kind')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_hr_leave_kind_company_id_code'))
    )
    op.create_table('hr_shift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_shift_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_shift')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_hr_shift_company_id_code'))
    )
    op.create_table('hr_device_pin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('pin', sa.String(length=40), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_device_pin_company_id_company')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_hr_device_pin_employee_id_employee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_device_pin')),
    sa.UniqueConstraint('company_id', 'pin', name=op.f('uq_hr_device_pin_company_id_pin'))
    )
    op.create_table('hr_leave_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('kind_code', sa.String(length=20), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('days', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_leave_request_company_id_company')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_hr_leave_request_employee_id_employee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_leave_request'))
    )
    with op.batch_alter_table('hr_leave_request', schema=None) as batch_op:
        batch_op.create_index('ix_hr_leave_request_emp', ['company_id', 'employee_id', 'start_date'], unique=False)

    op.create_table('hr_punch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('punched_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_hr_punch_company_id_company')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_hr_punch_employee_id_employee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_punch')),
    sa.UniqueConstraint('company_id', 'employee_id', 'punched_at', name=op.f('uq_hr_punch_company_id_employee_id_punched_at'))
    )
    with op.batch_alter_table('hr_punch', schema=None) as batch_op:
        batch_op.create_index('ix_hr_punch_day', ['company_id', 'punched_at'], unique=False)
    op.create_table('payroll_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('pay_date', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_payroll_payment_company_id_company')),
    sa.ForeignKeyConstraint(['run_id'], ['payroll_run.id'], name=op.f('fk_payroll_payment_run_id_payroll_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_payment')),
    sa.UniqueConstraint('run_id', name=op.f('uq_payroll_payment_run_id'))
    )
    op.create_index(op.f('ix_payroll_payment_company_id'), 'payroll_payment', ['company_id'], unique=False)


def downgrade() -> None:
    for table in ("payroll_payment", "hr_leave_request", "hr_leave_kind", "hr_punch", "hr_device_pin", "hr_shift",
                  "hr_calendar_day", "payslip", "payroll_run_line", "payroll_run", "payroll_input", "hr_salary_structure",
                  "hr_status_change", "hr_employee_profile", "payroll_item", "hr_insurance_rate"):
        op.drop_table(table)
