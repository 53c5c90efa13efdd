"""close, budgets, bank reconciliation: budget, bank_statement, bank_statement_line, bank_match

Period close itself needs no table of its own: it writes accounting_period (0005) and generated vouchers.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bank_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_bank_statement_account_id_account')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_bank_statement_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement'))
    )
    op.create_index(op.f('ix_bank_statement_company_id'), 'bank_statement', ['company_id'], unique=False)
    op.create_table('budget',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('control', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_budget_account_id_account')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_budget_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget'))
    )
    op.create_index(op.f('ix_budget_account_id'), 'budget', ['account_id'], unique=False)
    op.create_index('ix_budget_company_id_period', 'budget', ['company_id', 'period'], unique=False)
    op.create_table('bank_statement_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('row_no', sa.Integer(), nullable=False),
    sa.Column('line_date', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_bank_statement_line_account_id_account')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_bank_statement_line_company_id_company')),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statement.id'], name=op.f('fk_bank_statement_line_statement_id_bank_statement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement_line'))
    )
    op.create_index('ix_bank_statement_line_company_id_account_id', 'bank_statement_line', ['company_id', 'account_id'], unique=False)
    op.create_index(op.f('ix_bank_statement_line_statement_id'), 'bank_statement_line', ['statement_id'], unique=False)
    op.create_table('bank_match',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('statement_line_id', sa.Integer(), nullable=False),
    sa.Column('gl_line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('matched_by', sa.String(length=64), nullable=False),
    sa.Column('matched_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_bank_match_account_id_account')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_bank_match_company_id_company')),
    sa.ForeignKeyConstraint(['gl_line_id'], ['gl_line.id'], name=op.f('fk_bank_match_gl_line_id_gl_line')),
    sa.ForeignKeyConstraint(['statement_line_id'], ['bank_statement_line.id'], name=op.f('fk_bank_match_statement_line_id_bank_statement_line')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_match')),
    sa.UniqueConstraint('gl_line_id', name=op.f('uq_bank_match_gl_line_id')),
    sa.UniqueConstraint('statement_line_id', name=op.f('uq_bank_match_statement_line_id'))
    )
    op.create_index(op.f('ix_bank_match_company_id'), 'bank_match', ['company_id'], unique=False)


def downgrade() -> None:
    op.drop_table('bank_match')
    op.drop_table('bank_statement_line')
    op.drop_table('budget')
    op.drop_table('bank_statement')
