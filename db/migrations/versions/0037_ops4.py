"""Covering indexes for the ledgers' balances (issue #16 item 9): the (company, account, period) index of gl_line
becomes (company, account, period, account_code, debit, credit) and the (company, warehouse, product, date) index
of stock_move becomes (company, warehouse, product, date, quantity, amount). Every query that used the old
indexes uses the new ones by the same leading columns; sums over them (a trial balance, stock on hand, a backup's
figures) read the index alone, in its order, with no table look-up and no sort.

Revision ID: 0037_ops4
Revises: 0036_posting
"""

from alembic import op

revision = "0037_ops4"
down_revision = "0036_posting"
branch_labels = None
depends_on = None

GL_OLD, GL_NEW = "ix_gl_line_company_id_account_id_period", "ix_gl_line_account_balance"
SM_OLD, SM_NEW = "ix_stock_move_company_id_warehouse_id_product_id_move_date", "ix_stock_move_balance"


def upgrade() -> None:
    # the new index first: MariaDB keeps an index leading with company_id for the foreign key at every moment
    op.create_index(GL_NEW, "gl_line", ["company_id", "account_id", "period", "account_code", "debit", "credit"],
                    unique=False)
    op.drop_index(GL_OLD, table_name="gl_line")
    op.create_index(SM_NEW, "stock_move", ["company_id", "warehouse_id", "product_id", "move_date", "quantity",
                                           "amount"], unique=False)
    op.drop_index(SM_OLD, table_name="stock_move")


def downgrade() -> None:
    op.create_index(GL_OLD, "gl_line", ["company_id", "account_id", "period"], unique=False)
    op.drop_index(GL_NEW, table_name="gl_line")
    op.create_index(SM_OLD, "stock_move", ["company_id", "warehouse_id", "product_id", "move_date"], unique=False)
    op.drop_index(SM_NEW, table_name="stock_move")
