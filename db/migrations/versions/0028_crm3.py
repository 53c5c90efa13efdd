"""CRM (issue #15): chargeable ticket parts — crm_ticket_part.chargeable (the parts are sold to the customer: the
issue posts to 主营业务成本 and the parts are billed) and crm_ticket_part.invoice_id (the sales invoice that bills
them; a cancelled invoice frees them to be billed again).

Revision ID: 0028_crm3
Revises: 0027_crmops
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_crm3"
down_revision = "0027_crmops"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("crm_ticket_part", sa.Column("chargeable", sa.Boolean(), nullable=False,
                                               server_default=sa.false()))
    op.add_column("crm_ticket_part", sa.Column("invoice_id", sa.Integer(), nullable=True))
    op.create_index("ix_crm_ticket_part_invoice_id", "crm_ticket_part", ["invoice_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_crm_ticket_part_invoice_id", table_name="crm_ticket_part")
    op.drop_column("crm_ticket_part", "invoice_id")
    op.drop_column("crm_ticket_part", "chargeable")
