"""CRM and operations follow-ups (issues #15/#16): crm_ticket_part (the 其他出库单 posted for a service ticket's
parts) ix_crm_lead_pool rebuilt with merged_into (the pool view's count reads the index alone), and crm_lead.name_head /
name_tail with their indexes (the similar-name duplicate look-up by equality instead of LIKE '%..%').

Revision ID: 0027_crmops
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0027_crmops"
down_revision = "0026_hr2"
branch_labels = None
depends_on = None


def _utc():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table('crm_ticket_part',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=40), nullable=False),
    sa.Column('doc_id', sa.Integer(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_ticket_part_company_id_company')),
    sa.ForeignKeyConstraint(['ticket_id'], ['crm_ticket.id'], name=op.f('fk_crm_ticket_part_ticket_id_crm_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_ticket_part')),
    sa.UniqueConstraint('doc_type', 'doc_id', name=op.f('uq_crm_ticket_part_doc_type_doc_id'))
    )
    op.create_index(op.f('ix_crm_ticket_part_ticket_id'), 'crm_ticket_part', ['ticket_id'], unique=False)
    op.drop_index('ix_crm_lead_pool', table_name='crm_lead')
    op.create_index('ix_crm_lead_pool', 'crm_lead', ['company_id', 'pool_id', 'owner_id', 'merged_into', 'status'],
                    unique=False)
    # the similar-name blocks of the name key (first two / last two characters), filled for existing leads
    op.add_column('crm_lead', sa.Column('name_head', sa.String(length=2), nullable=True))
    op.add_column('crm_lead', sa.Column('name_tail', sa.String(length=2), nullable=True))
    dialect = op.get_bind().dialect.name
    head, tail = (("substr(name_key, 1, 2)", "substr(name_key, -2)") if dialect == "sqlite"
                  else ("left(name_key, 2)", "right(name_key, 2)"))
    op.execute(f"UPDATE crm_lead SET name_head = {head}, name_tail = {tail} WHERE char_length(name_key) >= 3"
               if dialect != "sqlite" else
               f"UPDATE crm_lead SET name_head = {head}, name_tail = {tail} WHERE length(name_key) >= 3")
    op.create_index('ix_crm_lead_name_head', 'crm_lead', ['company_id', 'name_head'], unique=False)
    op.create_index('ix_crm_lead_name_tail', 'crm_lead', ['company_id', 'name_tail'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_crm_lead_name_tail', table_name='crm_lead')
    op.drop_index('ix_crm_lead_name_head', table_name='crm_lead')
    op.drop_column('crm_lead', 'name_tail')
    op.drop_column('crm_lead', 'name_head')
    op.drop_index('ix_crm_lead_pool', table_name='crm_lead')
    op.create_index('ix_crm_lead_pool', 'crm_lead', ['company_id', 'pool_id', 'owner_id', 'status'], unique=False)
    op.drop_table('crm_ticket_part')  # with its indexes (MariaDB refuses dropping the FK's index first)
