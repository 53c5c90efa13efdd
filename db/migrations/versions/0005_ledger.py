"""ledger: chart of accounts, finance settings, vouchers, accounting periods, postings, general ledger

gl_line and posting are append-only; posted vouchers are immutable (database triggers on all three backends).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from erp_core.db.append_only import create_guard, drop_guard

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('finance_setting',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('voucher_type_mode', sa.String(length=10), nullable=False),
    sa.Column('code_scheme', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_finance_setting_company_id_company')),
    sa.PrimaryKeyConstraint('company_id', name=op.f('pk_finance_setting'))
    )
    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.Column('is_leaf', sa.Boolean(), nullable=False),
    sa.Column('aux', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_account_company_id_company')),
    sa.ForeignKeyConstraint(['parent_id'], ['account.id'], name=op.f('fk_account_parent_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_account_company_id_code'))
    )
    op.create_index(op.f('ix_account_company_id'), 'account', ['company_id'], unique=False)
    op.create_table('voucher',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('voucher_type', sa.String(length=2), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('voucher_date', sa.Date(), nullable=False),
    sa.Column('attachments', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('external_ref', sa.String(length=80), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_by_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_name', sa.String(length=64), nullable=True),
    sa.Column('reviewed_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('posted_by', sa.Integer(), nullable=True),
    sa.Column('posted_by_name', sa.String(length=64), nullable=True),
    sa.Column('posted_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_voucher_company_id_company')),
    sa.ForeignKeyConstraint(['reverses_id'], ['voucher.id'], name=op.f('fk_voucher_reverses_id_voucher')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher')),
    sa.UniqueConstraint('company_id', 'voucher_type', 'period', 'number', name=op.f('uq_voucher_company_id_voucher_type_period_number')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_voucher_reverses_id'))
    )
    op.create_index('ix_voucher_company_id_period', 'voucher', ['company_id', 'period'], unique=False)
    op.create_table('voucher_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('summary', sa.String(length=200), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('debit', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_voucher_line_account_id_account')),
    sa.ForeignKeyConstraint(['voucher_id'], ['voucher.id'], name=op.f('fk_voucher_line_voucher_id_voucher'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_line')),
    sa.UniqueConstraint('voucher_id', 'line_no', name=op.f('uq_voucher_line_voucher_id_line_no'))
    )
    op.create_index(op.f('ix_voucher_line_account_id'), 'voucher_line', ['account_id'], unique=False)
    op.create_index(op.f('ix_voucher_line_voucher_id'), 'voucher_line', ['voucher_id'], unique=False)
    op.create_table('accounting_period',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('closed_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_accounting_period_company_id_company')),
    sa.PrimaryKeyConstraint('company_id', 'period', name=op.f('pk_accounting_period'))
    )
    op.create_table('posting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('posting_key', sa.String(length=120), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('first_seq', sa.BigInteger(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('posted_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_posting_company_id_company')),
    sa.ForeignKeyConstraint(['voucher_id'], ['voucher.id'], name=op.f('fk_posting_voucher_id_voucher')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posting')),
    sa.UniqueConstraint('company_id', 'posting_key', name=op.f('uq_posting_company_id_posting_key'))
    )
    op.create_index(op.f('ix_posting_voucher_id'), 'posting', ['voucher_id'], unique=False)
    op.create_table('gl_line',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('posting_seq', sa.BigInteger(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('posting_date', sa.Date(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('account_code', sa.String(length=40), nullable=False),
    sa.Column('summary', sa.String(length=200), nullable=False),
    sa.Column('debit', sa.BigInteger(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('posted_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_gl_line_account_id_account')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_gl_line_company_id_company')),
    sa.ForeignKeyConstraint(['voucher_id'], ['voucher.id'], name=op.f('fk_gl_line_voucher_id_voucher')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gl_line')),
    sa.UniqueConstraint('company_id', 'posting_seq', name=op.f('uq_gl_line_company_id_posting_seq'))
    )
    op.create_index('ix_gl_line_company_id_account_id_period', 'gl_line', ['company_id', 'account_id', 'period'], unique=False)
    op.create_index('ix_gl_line_company_id_period', 'gl_line', ['company_id', 'period'], unique=False)
    op.create_index(op.f('ix_gl_line_voucher_id'), 'gl_line', ['voucher_id'], unique=False)

    # The ledger is append-only (DESIGN rule 4); a posted voucher never changes (corrections are reversals).
    create_guard(op, "gl_line")
    create_guard(op, "posting")
    create_guard(op, "voucher", when_old="OLD.status = 'posted'")


def downgrade() -> None:
    # Dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key needs first).
    drop_guard(op, "voucher")
    drop_guard(op, "posting")
    drop_guard(op, "gl_line")
    op.drop_table("gl_line")
    op.drop_table("posting")
    op.drop_table("accounting_period")
    op.drop_table("voucher_line")
    op.drop_table("voucher")
    op.drop_table("account")
    op.drop_table("finance_setting")
